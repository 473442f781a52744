/*
 * diag.c - the diagnostic queue: emit, annotate, limit, finish.
 *
 * Levels are decided at emit time (registry default, overridden by --rule and
 * the config); a diagnostic whose level is `off` is never queued. Finishing
 * the queue applies suppressions, merges duplicates from one range, and sorts.
 *
 * Merging is what keeps 100 000 VMs of one range failing the same way from
 * printing 100 000 times: diagnostics with the same code, primary span and
 * message except for their subject are found through one hash (linear time)
 * and become one whose message names the first few and counts the rest.
 */
#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "base/hash.h"
#include "core/vg_limits.h"
#include "base/strbuf.h"
#include "core/suppress.h"

enum { MERGED_NAMES_KEPT = 10, MERGED_NAMES_IN_MESSAGE = 3 };

static enum vg_level level_for(const struct vg_ctx *ctx, enum vg_code code)
{
    int8_t o = ctx->opt.rule_level[code];
    return o >= 0 ? (enum vg_level)o : vg_code_info(code)->level;
}

int vg_diag_enabled(const struct vg_ctx *ctx, enum vg_code code) { return level_for(ctx, code) != VG_LEVEL_OFF; }

int vg_diag_error_limit_reached(const struct vg_ctx *ctx)
{
    return ctx->opt.error_limit && ctx->diags.distinct[VG_LEVEL_ERROR] >= ctx->opt.error_limit;
}

size_t vg_diag_error_count(const struct vg_ctx *ctx) { return ctx->diags.counts[VG_LEVEL_ERROR]; }

/* Whether a diagnostic of `level` at `span` may be queued; records its code+span.
 * The limit applies when it is queued, so no queue holds more than it shows. */
static int admitted(struct vg_ctx *ctx, enum vg_code code, enum vg_level level, struct vg_span span)
{
    struct vg_diags *q = &ctx->diags;
    size_t limit = level == VG_LEVEL_ERROR ? ctx->opt.error_limit : VG_MAX_NOTICES;
    if (!limit)
        return 1;
    if (!q->error_spans) {
        q->error_spans = vg_alloc(ctx->arena, sizeof *q->error_spans);
        vg_hash_init(q->error_spans, ctx->arena);
    }
    char key[64];
    int n = snprintf(key, sizeof key, "%d:%u:%u:%u", (int)code, span.file, span.start, span.end);
    if (span.file && vg_hash_getn(q->error_spans, key, (size_t)n))
        return 1;
    if (q->distinct[level] >= limit)
        return 0;
    vg_hash_put(q->error_spans, vg_strndup(ctx->arena, key, (size_t)n), q);
    q->distinct[level]++;
    return 1;
}

struct vg_diag *vg_diag_emit(struct vg_ctx *ctx, enum vg_code code, struct vg_span span, const char *fmt, ...)
{
    ctx->diags.emits++;
    enum vg_level level = level_for(ctx, code);
    if (level == VG_LEVEL_OFF)
        return NULL;
    if (!admitted(ctx, code, level, span)) {
        if (level == VG_LEVEL_ERROR)
            ctx->diags.dropped_errors++;
        else
            ctx->diags.dropped[level]++;
        return NULL;
    }
    struct vg_diag *d = vg_alloc(ctx->arena, sizeof *d);
    d->code = code;
    d->level = level;
    d->span = span;
    va_list ap;
    va_start(ap, fmt);
    d->message = vg_vsprintf(ctx->arena, fmt, ap);
    va_end(ap);
    d->seq = (uint32_t)ctx->diags.n;
    VG_PUSH(ctx->arena, ctx->diags.v, ctx->diags.n, ctx->diags.cap, d);
    ctx->diags.counts[level]++;
    return d;
}

void vg_diags_replay(struct vg_ctx *ctx, const struct vg_diags *aside)
{
    for (size_t i = 0; i < aside->n; i++) {
        const struct vg_diag *d = aside->v[i];
        struct vg_diag *q = vg_diag_emit(ctx, d->code, d->span, "%s", d->message);
        if (!q)
            continue;
        uint32_t seq = q->seq;
        *q = *d;
        q->seq = seq;
    }
    /* what the aside queue dropped at its own limits would be dropped here too */
    ctx->diags.dropped_errors += aside->dropped_errors;
    for (int l = 0; l < 4; l++)
        ctx->diags.dropped[l] += aside->dropped[l];
}

void vg_diag_label(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    d->label = vg_vsprintf(ctx->arena, fmt, ap);
    va_end(ap);
}

void vg_diag_span(struct vg_ctx *ctx, struct vg_diag *d, struct vg_span span, const char *fmt, ...)
{
    if (!d || !span.file)
        return;
    struct vg_label l = {span, NULL};
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        l.msg = vg_vsprintf(ctx->arena, fmt, ap);
        va_end(ap);
    }
    VG_PUSH(ctx->arena, d->labels, d->nlabels, d->cap_labels, l);
}

/* Append one formatted line to a note or help list. */
static void push_text(struct vg_ctx *ctx, const char ***v, size_t *n, size_t *cap, const char *fmt, va_list ap)
{
    const char *s = vg_vsprintf(ctx->arena, fmt, ap);
    VG_PUSH(ctx->arena, *v, *n, *cap, s);
}

void vg_diag_note(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    push_text(ctx, &d->notes, &d->nnotes, &d->cap_notes, fmt, ap);
    va_end(ap);
}

void vg_diag_help(struct vg_ctx *ctx, struct vg_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    push_text(ctx, &d->helps, &d->nhelps, &d->cap_helps, fmt, ap);
    va_end(ap);
}

void vg_diag_subject(struct vg_diag *d, const char *name)
{
    if (d)
        d->subject = name;
}

static int cmp_diag(const void *a, const void *b)
{
    const struct vg_diag *x = *(const struct vg_diag *const *)a, *y = *(const struct vg_diag *const *)b;
    if (x->span.file != y->span.file) /* no location (file 0) first */
        return x->span.file < y->span.file ? -1 : 1;
    if (x->span.start != y->span.start)
        return x->span.start < y->span.start ? -1 : 1;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Where "`subject`" starts in the message, or NULL. */
static const char *find_subject(const struct vg_diag *d, size_t *len)
{
    if (!d->subject || !*d->subject)
        return NULL;
    size_t n = strlen(d->subject);
    for (const char *p = strchr(d->message, '`'); p; p = strchr(p + 1, '`'))
        if (strncmp(p + 1, d->subject, n) == 0 && p[1 + n] == '`') {
            *len = n + 2;
            return p;
        }
    return NULL;
}

static void drop_from_counts(struct vg_diags *q, const struct vg_diag *d)
{
    if (d->suppressed)
        q->suppressed--;
    else
        q->counts[d->level]--;
}

/* "`vdi-001` (and 23 more from this range: `vdi-002`, `vdi-003`, `vdi-004`, …)" */
static void merged_message(struct vg_ctx *ctx, struct vg_diag *d)
{
    size_t slen;
    const char *at = find_subject(d, &slen);
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_add(&sb, d->message, (size_t)(at - d->message) + slen);
    vg_sb_printf(&sb, " (and %u more from this range:", d->merged);
    size_t shown = d->nmerged_names < MERGED_NAMES_IN_MESSAGE ? d->nmerged_names : MERGED_NAMES_IN_MESSAGE;
    for (size_t i = 0; i < shown; i++)
        vg_sb_printf(&sb, "%s `%s`", i ? "," : "", d->merged_names[i]);
    if (d->merged > shown)
        vg_sb_puts(&sb, ", \xE2\x80\xA6");
    vg_sb_putc(&sb, ')');
    vg_sb_puts(&sb, at + slen);
    d->message = vg_strdup(ctx->arena, vg_sb_str(&sb));
    vg_sb_free(&sb);
}

static void merge_ranges(struct vg_ctx *ctx)
{
    struct vg_diags *q = &ctx->diags;
    struct vg_hash firsts;
    vg_hash_init(&firsts, ctx->arena);
    struct vg_strbuf key;
    vg_sb_init(&key);
    size_t w = 0, nmerged = 0;
    for (size_t i = 0; i < q->n; i++) {
        struct vg_diag *d = q->v[i];
        size_t slen;
        const char *at = find_subject(d, &slen);
        if (!at) {
            q->v[w++] = d;
            continue;
        }
        key.len = 0;
        vg_sb_printf(&key, "%d:%u:%u:%u:%d:", (int)d->code, d->span.file, d->span.start, d->span.end, d->suppressed);
        vg_sb_add(&key, d->message, (size_t)(at - d->message));
        vg_sb_putc(&key, '\x01');
        vg_sb_puts(&key, at + slen);
        struct vg_diag *first = vg_hash_getn(&firsts, key.data, key.len);
        if (!first) {
            vg_hash_put(&firsts, vg_strndup(ctx->arena, key.data, key.len), d);
            q->v[w++] = d;
            continue;
        }
        if (!first->merged++) {
            nmerged++;
            first->merged_names = vg_alloc_array(ctx->arena, MERGED_NAMES_KEPT, sizeof *first->merged_names);
        }
        if (first->nmerged_names < MERGED_NAMES_KEPT)
            first->merged_names[first->nmerged_names++] = d->subject;
        drop_from_counts(q, d);
    }
    vg_sb_free(&key);
    q->n = w;
    for (size_t i = 0; nmerged && i < q->n; i++)
        if (q->v[i]->merged) {
            merged_message(ctx, q->v[i]);
            nmerged--;
        }
}

/* Errors that bypassed the limit as range repeats but did not merge. */
static void enforce_error_limit(struct vg_ctx *ctx)
{
    struct vg_diags *q = &ctx->diags;
    uint32_t limit = ctx->opt.error_limit;
    if (!limit || q->counts[VG_LEVEL_ERROR] <= limit)
        return;
    size_t w = 0, errors = 0;
    for (size_t i = 0; i < q->n; i++) {
        struct vg_diag *d = q->v[i];
        if (!d->suppressed && d->level == VG_LEVEL_ERROR && ++errors > limit) {
            q->counts[VG_LEVEL_ERROR]--;
            q->dropped_errors++;
            continue;
        }
        q->v[w++] = d;
    }
    q->n = w;
}

void vg_diags_finish(struct vg_ctx *ctx)
{
    if (ctx->diags.finished)
        return;
    vg_suppress_apply(ctx);
    ctx->diags.finished = 1;
    merge_ranges(ctx);
    enforce_error_limit(ctx);
    if (ctx->diags.n > 1)
        qsort(ctx->diags.v, ctx->diags.n, sizeof *ctx->diags.v, cmp_diag);
}

void vg_diags_finish_late(struct vg_ctx *ctx)
{
    enforce_error_limit(ctx);
    if (ctx->diags.n > 1)
        qsort(ctx->diags.v, ctx->diags.n, sizeof *ctx->diags.v, cmp_diag);
}

enum vg_level vg_diags_max_level(const struct vg_ctx *ctx)
{
    for (int l = VG_LEVEL_ERROR; l > VG_LEVEL_OFF; l--)
        if (ctx->diags.counts[l] || ctx->diags.dropped[l] || (l == VG_LEVEL_ERROR && ctx->diags.dropped_errors))
            return (enum vg_level)l;
    return VG_LEVEL_OFF;
}
