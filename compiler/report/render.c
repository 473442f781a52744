/*
 * render.c - output format names, the renderer dispatch, the summary line,
 * and the small helper that several renderers share (locations).
 *
 * Every renderer reads the finished queue only; none of them changes it, so
 * one run can produce several reports (--report) from the same diagnostics.
 */
#include "report/render.h"

#include <string.h>

static const char *const format_names[] = {"human", "short", "json", "sarif", "github"};

int vg_format_parse(const char *s)
{
    for (int i = 0; i < (int)(sizeof format_names / sizeof *format_names); i++)
        if (s && strcmp(s, format_names[i]) == 0)
            return i;
    return -1;
}

const char *vg_format_name(enum vg_format f)
{
    return (unsigned)f < sizeof format_names / sizeof *format_names ? format_names[f] : "?";
}

int vg_format_is_document(enum vg_format f) { return f == VG_FMT_JSON || f == VG_FMT_SARIF; }

void vg_render(const struct vg_ctx *ctx, enum vg_format f, const struct vg_render_opts *o, struct vg_strbuf *out)
{
    switch (f) {
    case VG_FMT_HUMAN: vg_render_human(ctx, o, 0, out); break;
    case VG_FMT_SHORT: vg_render_human(ctx, o, 1, out); break;
    case VG_FMT_JSON: vg_render_json(ctx, o, out); break;
    case VG_FMT_SARIF: vg_render_sarif(ctx, o, out); break;
    case VG_FMT_GITHUB: vg_render_github(ctx, o, out); break;
    }
}

static void count_word(struct vg_strbuf *out, size_t n, const char *one, const char *many, int *first)
{
    if (!n)
        return;
    vg_sb_printf(out, "%s%zu %s", *first ? "" : ", ", n, n == 1 ? one : many);
    *first = 0;
}

void vg_render_summary(const struct vg_ctx *ctx, size_t nfiles, struct vg_strbuf *out)
{
    const struct vg_diags *q = &ctx->diags;
    int first = 1;
    count_word(out, q->counts[VG_LEVEL_ERROR] + q->dropped_errors, "error", "errors", &first);
    count_word(out, q->counts[VG_LEVEL_WARNING] + q->dropped[VG_LEVEL_WARNING], "warning", "warnings", &first);
    count_word(out, q->counts[VG_LEVEL_INFO] + q->dropped[VG_LEVEL_INFO], "info", "infos", &first);
    if (first)
        vg_sb_puts(out, "no problems");
    vg_sb_printf(out, " in %zu %s", nfiles, nfiles == 1 ? "file" : "files");
    if (q->suppressed)
        vg_sb_printf(out, " (%zu suppressed)", q->suppressed);
}

struct vg_linecol vg_span_linecol(const struct vg_ctx *ctx, struct vg_span span)
{
    struct vg_linecol r = {NULL, {0, 0}, {0, 0}};
    const struct vg_source *src = vg_source_get(ctx, span.file);
    if (!src)
        return r;
    r.src = src;
    r.start = vg_source_loc(src, span.start);
    r.end = vg_source_loc(src, span.end < span.start ? span.start : span.end);
    return r;
}
