/*
 * render_github.c - `--format github`: GitHub Actions workflow commands.
 *
 * One line per diagnostic, `::error file=…,line=…,col=…,endLine=…,endColumn=…,
 * title=VG3001 slug::message`, with notes and help appended to the message as
 * further lines. Escaping follows GitHub's toolkit: in the message `%`, CR
 * and LF; in property values also `:` and `,`, after the inert escaping of
 * strbuf.c, so no text from an input can end the line or start a workflow
 * command of its own. Suppressed diagnostics are left out (GitHub has no
 * notion of them).
 */
#include "report/render.h"

static void escape(struct vg_strbuf *out, const char *text, int property)
{
    struct vg_strbuf t;
    vg_sb_init(&t);
    vg_sb_put_inert(&t, text); /* no line break or control character is left */
    for (const char *s = vg_sb_str(&t); *s; s++) {
        switch (*s) {
        case '%': vg_sb_puts(out, "%25"); break;
        case '\r': vg_sb_puts(out, "%0D"); break;
        case '\n': vg_sb_puts(out, "%0A"); break;
        case ':':
            if (property)
                vg_sb_puts(out, "%3A");
            else
                vg_sb_putc(out, ':');
            break;
        case ',':
            if (property)
                vg_sb_puts(out, "%2C");
            else
                vg_sb_putc(out, ',');
            break;
        default: vg_sb_putc(out, *s);
        }
    }
    vg_sb_free(&t);
}

static const char *const command[] = {"notice", "notice", "warning", "error"};

void vg_render_github(const struct vg_ctx *ctx, const struct vg_render_opts *o, struct vg_strbuf *out)
{
    for (size_t i = 0; i < ctx->diags.n; i++) {
        const struct vg_diag *d = ctx->diags.v[i];
        if (d->suppressed)
            continue;
        const struct vg_code_info *ci = vg_code_info(d->code);
        struct vg_linecol r = vg_span_linecol(ctx, d->span);
        vg_sb_printf(out, "::%s ", command[d->level]);
        if (r.src) {
            vg_sb_puts(out, "file=");
            escape(out, r.src->path, 1);
            vg_sb_printf(out, ",line=%u,col=%u,endLine=%u,endColumn=%u,", r.start.line, r.start.col, r.end.line,
                         r.end.col);
        }
        vg_sb_puts(out, "title=");
        escape(out, ci->id, 1);
        vg_sb_putc(out, ' ');
        escape(out, ci->slug, 1);
        vg_sb_puts(out, "::");
        escape(out, d->message, 0);
        for (size_t k = 0; k < d->nnotes; k++) {
            vg_sb_puts(out, "%0Anote: ");
            escape(out, d->notes[k], 0);
        }
        for (size_t k = 0; k < d->nhelps; k++) {
            vg_sb_puts(out, "%0Ahelp: ");
            escape(out, d->helps[k], 0);
        }
        vg_sb_putc(out, '\n');
    }
}
