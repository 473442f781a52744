/*
 * render.h - the diagnostic renderers, one per output format.
 *
 * Each renders the finished queue (vg_diags_finish) into a buffer; the CLI
 * writes it to stdout or, for --report FORMAT:PATH, atomically to a file.
 */
#ifndef VG_RENDER_H
#define VG_RENDER_H

#include "core/ctx.h"
#include "base/strbuf.h"

enum vg_format { VG_FMT_HUMAN = 0, VG_FMT_SHORT, VG_FMT_JSON, VG_FMT_SARIF, VG_FMT_GITHUB };

struct vg_render_opts {
    int color;     /* ANSI colours (human, short) */
    size_t nfiles; /* files checked, for the summary */
    const char *tool_version;
};

int vg_format_parse(const char *s); /* -1 if unknown */
const char *vg_format_name(enum vg_format f);
/* JSON and SARIF: one document that must parse, so nothing else shares its stream. */
int vg_format_is_document(enum vg_format f);
void vg_render(const struct vg_ctx *ctx, enum vg_format f, const struct vg_render_opts *o, struct vg_strbuf *out);
/* "2 errors, 1 warning in 3 files" (no newline) */
void vg_render_summary(const struct vg_ctx *ctx, size_t nfiles, struct vg_strbuf *out);

/* Shared by the renderers: a span as 1-based line/column (end exclusive). */
struct vg_linecol {
    const struct vg_source *src; /* NULL when the span has no location */
    struct vg_loc start, end;
};
struct vg_linecol vg_span_linecol(const struct vg_ctx *ctx, struct vg_span span);

void vg_render_human(const struct vg_ctx *ctx, const struct vg_render_opts *o, int short_form, struct vg_strbuf *out);
void vg_render_json(const struct vg_ctx *ctx, const struct vg_render_opts *o, struct vg_strbuf *out);
void vg_render_sarif(const struct vg_ctx *ctx, const struct vg_render_opts *o, struct vg_strbuf *out);
void vg_render_github(const struct vg_ctx *ctx, const struct vg_render_opts *o, struct vg_strbuf *out);

#endif
