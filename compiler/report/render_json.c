/*
 * render_json.c - `--format json`: one document for the whole run.
 *
 * The shape is versioned by `format_version`, with the head every JSON output
 * shares (base/json.h: additive changes bump the minor number; consumers
 * ignore keys they do not know). Keys come in a fixed
 * order and every key is always present, so the output is byte-stable and
 * easy to diff. Every text from an input is inert (strbuf.c). Ranges are 1-based line and code-point column plus the byte
 * offset; `end` is exclusive. Suppressed diagnostics are included and marked.
 */
#include "report/render.h"
#include "base/json.h"

#define JSON_FORMAT_VERSION "1.0"

static void loc(struct vg_strbuf *sb, struct vg_loc l, uint32_t byte)
{
    vg_sb_printf(sb, "{\"line\":%u,\"column\":%u,\"byte\":%u}", l.line, l.col, byte);
}

static void range(const struct vg_ctx *ctx, struct vg_strbuf *sb, struct vg_span span)
{
    struct vg_linecol r = vg_span_linecol(ctx, span);
    if (!r.src) {
        vg_sb_puts(sb, "null");
        return;
    }
    uint32_t end = span.end < span.start ? span.start : span.end;
    vg_sb_puts(sb, "{\"file\":");
    vg_sb_json_inert(sb, r.src->path);
    vg_sb_puts(sb, ",\"start\":");
    loc(sb, r.start, span.start);
    vg_sb_puts(sb, ",\"end\":");
    loc(sb, r.end, end);
    vg_sb_putc(sb, '}');
}

static void strings(struct vg_strbuf *sb, const char *const *v, size_t n)
{
    vg_sb_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_putc(sb, ',');
        vg_sb_json_inert(sb, v[i]);
    }
    vg_sb_putc(sb, ']');
}

static void diag(const struct vg_ctx *ctx, struct vg_strbuf *sb, const struct vg_diag *d)
{
    const struct vg_code_info *ci = vg_code_info(d->code);
    vg_sb_puts(sb, "{\"code\":");
    vg_sb_json_str(sb, ci->id);
    vg_sb_puts(sb, ",\"slug\":");
    vg_sb_json_str(sb, ci->slug);
    vg_sb_puts(sb, ",\"level\":");
    vg_sb_json_str(sb, vg_level_name(d->level));
    vg_sb_puts(sb, ",\"message\":");
    vg_sb_json_inert(sb, d->message);
    vg_sb_puts(sb, ",\"range\":");
    range(ctx, sb, d->span);
    vg_sb_puts(sb, ",\"label\":");
    if (d->label)
        vg_sb_json_inert(sb, d->label);
    else
        vg_sb_puts(sb, "null");
    vg_sb_puts(sb, ",\"labels\":[");
    for (size_t i = 0; i < d->nlabels; i++) {
        vg_sb_puts(sb, i ? ",{\"range\":" : "{\"range\":");
        range(ctx, sb, d->labels[i].span);
        vg_sb_puts(sb, ",\"message\":");
        if (d->labels[i].msg)
            vg_sb_json_inert(sb, d->labels[i].msg);
        else
            vg_sb_puts(sb, "null");
        vg_sb_putc(sb, '}');
    }
    vg_sb_puts(sb, "],\"notes\":");
    strings(sb, d->notes, d->nnotes);
    vg_sb_puts(sb, ",\"help\":");
    strings(sb, d->helps, d->nhelps);
    vg_sb_printf(sb, ",\"suppressed\":%s,\"suppress_reason\":", d->suppressed ? "true" : "false");
    if (d->suppressed && d->suppress_reason)
        vg_sb_json_inert(sb, d->suppress_reason);
    else
        vg_sb_puts(sb, "null");
    vg_sb_printf(sb, ",\"merged\":%u,\"merged_names\":", d->merged);
    strings(sb, d->merged_names, d->nmerged_names);
    vg_sb_putc(sb, '}');
}

void vg_render_json(const struct vg_ctx *ctx, const struct vg_render_opts *o, struct vg_strbuf *out)
{
    const struct vg_diags *q = &ctx->diags;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_putc(&sb, '{');
    vg_json_head(&sb, JSON_FORMAT_VERSION, o ? o->tool_version : NULL);
    vg_sb_printf(&sb,
                 ",\"summary\":{\"files\":%zu,\"errors\":%zu,\"warnings\":%zu,\"infos\":%zu,"
                 "\"suppressed\":%zu,\"dropped_errors\":%zu},\"diagnostics\":[",
                 o ? o->nfiles : 0, q->counts[VG_LEVEL_ERROR], q->counts[VG_LEVEL_WARNING], q->counts[VG_LEVEL_INFO],
                 q->suppressed, q->dropped_errors);
    for (size_t i = 0; i < q->n; i++) {
        if (i)
            vg_sb_putc(&sb, ',');
        diag(ctx, &sb, q->v[i]);
    }
    vg_sb_puts(&sb, "]}");
    vg_json_pretty(sb.data, sb.len, out);
    vg_sb_free(&sb);
}
