/*
 * diag.h - diagnostics as data: the code registry, the queue, the emit API.
 *
 * Stages never print. They queue a struct vg_diag (code, level, primary span,
 * message, labelled secondary spans, notes, help) and one renderer per output
 * format draws the finished queue. The registry in codes.def is the single
 * list of codes; the enum, `vgpuc explain`, `vgpuc rules`, docs/rules.md and
 * SARIF rules[] all come from it.
 */
#ifndef VG_DIAG_H
#define VG_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "core/registry.h"
#include "core/source.h"

struct vg_ctx;

struct vg_label {
    struct vg_span span;
    const char *msg; /* may be NULL */
};

struct vg_diag {
    enum vg_code code;
    enum vg_level level; /* after --rule / config overrides */
    struct vg_span span; /* primary span; file 0 = no location */
    const char *message;
    const char *label; /* text under the primary span's ^^^, may be NULL */
    struct vg_label *labels;
    size_t nlabels, cap_labels;
    const char **notes;
    size_t nnotes, cap_notes;
    const char **helps;
    size_t nhelps, cap_helps;
    /* Merging of many VMs from one range: the message contains `subject`
     * (with backticks); diagnostics equal but for the subject are merged. */
    const char *subject;
    uint32_t merged; /* number of diagnostics merged into this one (0 = none) */
    const char **merged_names;
    size_t nmerged_names; /* the first few names */
    int suppressed;       /* matched an inline suppression */
    const char *suppress_reason;
    uint32_t seq; /* emission order, for stable sorting */
};

struct vg_suppression; /* suppress.c */
struct vg_hash;

struct vg_diags {
    struct vg_diag **v;
    size_t n, cap;
    size_t counts[4]; /* by level, not counting suppressed ones */
    size_t suppressed;
    size_t dropped_errors; /* errors past --error-limit */
    size_t dropped[4];     /* warnings and infos past VG_MAX_NOTICES, by level */
    size_t distinct[4];    /* queued diagnostics of each level at distinct code+spans */
    size_t emits;          /* vg_diag_emit calls, queued or not (`off`, past a limit): none
                              between two points means nothing was reported there */
    struct vg_suppression *supp;
    size_t nsupp, cap_supp;
    int finished;
    /* code+span of every queued diagnostic: a repeat at the same span (one
     * range failing the same way, merged at finish) does not count toward
     * the limits (--error-limit for errors, VG_MAX_NOTICES for the others) */
    struct vg_hash *error_spans;
};

/*
 * Queue a diagnostic. Returns NULL when the code's level is `off` or the limit
 * of its level was reached (--error-limit, VG_MAX_NOTICES warnings or infos);
 * every other function here accepts NULL and does nothing, so callers never
 * test the result.
 */
struct vg_diag *vg_diag_emit(struct vg_ctx *ctx, enum vg_code code, struct vg_span span, const char *fmt, ...)
    VG_PRINTF(4, 5);
void vg_diag_label(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...) VG_PRINTF(3, 4);
void vg_diag_span(struct vg_ctx *ctx, struct vg_diag *d, struct vg_span span, const char *fmt, ...) VG_PRINTF(4, 5);
void vg_diag_note(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...) VG_PRINTF(3, 4);
void vg_diag_help(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...) VG_PRINTF(3, 4);
/* Mark the message as mergeable: `name` appears in it as `name` (backticked). */
void vg_diag_subject(struct vg_diag *d, const char *name);

/* False when the code is `off`: a rule may then skip the work of its message. */
int vg_diag_enabled(const struct vg_ctx *ctx, enum vg_code code);
/* True once --error-limit errors were queued (the parser stops early). */
/*
 * Queue the diagnostics of `aside` (a queue filled with no error limit, by
 * another context or thread) as if they were emitted now, in their order:
 * the error limit and the count of dropped errors come out as if they had
 * been emitted here. Their texts stay where they were allocated.
 */
void vg_diags_replay(struct vg_ctx *ctx, const struct vg_diags *aside);
int vg_diag_error_limit_reached(const struct vg_ctx *ctx);
/* Number of queued errors (not suppressed) so far. */
size_t vg_diag_error_count(const struct vg_ctx *ctx);

/*
 * Finish the queue: apply suppressions (and report VG9001/VG9002), merge range
 * duplicates, sort by file, offset, code. Idempotent.
 */
void vg_diags_finish(struct vg_ctx *ctx);
/*
 * Put diagnostics queued after vg_diags_finish in their place (sorted, the
 * error limit applied): those of a step that runs on a finished queue only,
 * such as build's targets and file names. Suppressions do not apply to them.
 */
void vg_diags_finish_late(struct vg_ctx *ctx);
/* Highest level present (not suppressed), VG_LEVEL_OFF if none. */
enum vg_level vg_diags_max_level(const struct vg_ctx *ctx);

#endif
