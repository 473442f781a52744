/*
 * render_human.c - the terminal formats: `human` (first line, source excerpt
 * with ^^^ and --- markers, notes, help) and `short` (first lines only).
 *
 * The first line is `path:line:col: level: message [CODE]` with columns in
 * code points, so editors and CI matchers can parse it. The excerpt expands
 * tabs to stops of 4 in the source line and its marker line alike, replaces
 * control bytes (a terminal escape in an input file must not reach the
 * terminal) and elides lines longer than MAX_COLS around the marked part.
 * Every text that came from an input (message, labels, notes, help, paths,
 * names) goes through the inert escaping of strbuf.c; a file that failed its
 * byte checks, and a YAML config or catalog file, is shown by location only
 * (vg_source.hide_text): its lines are never printed.
 */
#include "report/render.h"

#include "core/vg_limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAB_STOP = 4, MAX_COLS = 120, LEAD_COLS = 20 };

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_GUTTER "\033[1;34m"

static const char *const level_color[] = {"", "\033[1;36m", "\033[1;33m", "\033[1;31m"};

struct painter {
    const struct vg_render_opts *o;
    struct vg_strbuf *out;
    int width; /* gutter width: digits of the largest line number shown */
};

static void paint(struct painter *p, const char *color, const char *text)
{
    if (p->o->color && *color) {
        vg_sb_puts(p->out, color);
        vg_sb_put_inert(p->out, text);
        vg_sb_puts(p->out, C_RESET);
    } else {
        vg_sb_put_inert(p->out, text);
    }
}

static void paint_on(struct painter *p, const char *color)
{
    if (p->o->color && *color)
        vg_sb_puts(p->out, color);
}

static void paint_off(struct painter *p, const char *color)
{
    if (p->o->color && *color)
        vg_sb_puts(p->out, C_RESET);
}

static void spaces(struct vg_strbuf *out, size_t n)
{
    while (n--)
        vg_sb_putc(out, ' ');
}

/* "   |" (no trailing space), then optionally " " for what follows. */
static void gutter(struct painter *p, const char *lineno)
{
    if (lineno) {
        char num[16];
        size_t n = strlen(lineno);
        spaces(p->out, (size_t)p->width > n ? (size_t)p->width - n : 0);
        snprintf(num, sizeof num, "%s |", lineno);
        paint(p, C_GUTTER, num);
    } else {
        spaces(p->out, (size_t)p->width + 1);
        paint(p, C_GUTTER, "|");
    }
}

/* A source line as displayed: tabs expanded; controls, invisible and
 * direction-changing characters and invalid bytes replaced by U+FFFD. */
struct shown {
    struct vg_strbuf text;
    uint32_t *col; /* display column of each byte offset of the line, [len] = total */
    uint32_t total;
};

static void shown_make(struct shown *s, const char *line, size_t len)
{
    vg_sb_init(&s->text);
    s->col = vg_xmalloc((len + 1) * sizeof *s->col);
    uint32_t c = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char *u = (const unsigned char *)line + i;
        size_t n;
        uint32_t cp;
        enum vg_char_class k = vg_char_class(u, len - i, &n, &cp);
        for (size_t b = 0; b < n; b++)
            s->col[i + b] = c;
        if (*u == '#' && i + 6 <= len && memcmp(u, "##vso[", 6) == 0)
            k = VG_CHAR_CONTROL; /* an Azure Pipelines command: the first `#` is shown as U+FFFD */
        if (*u == '\t') {
            do
                vg_sb_putc(&s->text, ' ');
            while (++c % TAB_STOP);
        } else if (k != VG_CHAR_PLAIN) {
            vg_sb_puts(&s->text, "\xEF\xBF\xBD"); /* U+FFFD */
            c++;
        } else {
            vg_sb_add(&s->text, (const char *)u, n);
            c++;
        }
        i += n;
    }
    s->col[len] = c;
    s->total = c;
}

static void shown_free(struct shown *s)
{
    vg_sb_free(&s->text);
    free(s->col);
}

/* Byte offset in the displayed text of display column `c`. */
static size_t shown_byte(const struct shown *s, uint32_t c)
{
    const char *t = vg_sb_str((struct vg_strbuf *)&s->text);
    size_t i = 0;
    for (uint32_t k = 0; k < c && i < s->text.len; k++) {
        i++;
        while (i < s->text.len && ((unsigned char)t[i] & 0xc0) == 0x80)
            i++;
    }
    return i;
}

struct item {
    struct vg_span span;
    const char *msg;
    int primary;
};

static uint32_t digits(uint32_t n)
{
    uint32_t d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* One source line and its marker line for `it`; `repeat` = same line as before. */
static void excerpt(struct painter *p, const struct vg_ctx *ctx, const struct vg_diag *d, const struct item *it,
                    int repeat)
{
    struct vg_linecol r = vg_span_linecol(ctx, it->span);
    size_t len;
    const char *line = vg_source_line(r.src, r.start.line, &len);
    uint32_t lstart = r.src->line_starts[r.start.line - 1];
    size_t s = it->span.start - lstart, e;
    if (s > len)
        s = len;
    e = it->span.end >= lstart && it->span.end - lstart <= len && r.end.line == r.start.line ? it->span.end - lstart
                                                                                             : len;
    if (e < s)
        e = s;
    struct shown sh;
    shown_make(&sh, line, len);
    uint32_t mc = sh.col[s], me = sh.col[e];
    uint32_t ws = 0, we = sh.total;
    if (sh.total > MAX_COLS) {
        if (me + 3 <= MAX_COLS) {
            we = MAX_COLS - 3;
        } else {
            ws = mc > LEAD_COLS ? mc - LEAD_COLS : 0;
            we = ws + MAX_COLS - (ws ? 6 : 3);
            if (we > sh.total)
                we = sh.total;
        }
    }
    if (!repeat || sh.total > MAX_COLS) {
        char num[16];
        snprintf(num, sizeof num, "%u", r.start.line);
        gutter(p, num);
        if (sh.total) {
            vg_sb_putc(p->out, ' ');
            if (ws)
                vg_sb_puts(p->out, "...");
            size_t b0 = shown_byte(&sh, ws), b1 = shown_byte(&sh, we);
            vg_sb_add(p->out, sh.text.data + b0, b1 - b0);
            if (we < sh.total)
                vg_sb_puts(p->out, "...");
        }
        vg_sb_putc(p->out, '\n');
    }
    uint32_t at = mc - ws + (ws ? 3 : 0);
    uint32_t n = (me < we ? me : we) > mc ? (me < we ? me : we) - mc : 1;
    gutter(p, NULL);
    vg_sb_putc(p->out, ' ');
    spaces(p->out, at);
    char *marks = vg_xmalloc((size_t)n + 1);
    memset(marks, it->primary ? '^' : '-', n);
    marks[n] = 0;
    paint(p, it->primary ? level_color[d->level] : C_GUTTER, marks);
    free(marks);
    if (it->msg && *it->msg) {
        vg_sb_putc(p->out, ' ');
        paint(p, it->primary ? level_color[d->level] : C_GUTTER, it->msg);
    }
    vg_sb_putc(p->out, '\n');
    shown_free(&sh);
}

static void child(struct painter *p, const char *kind, const char *text)
{
    spaces(p->out, (size_t)p->width + 1);
    char head[16];
    snprintf(head, sizeof head, "= %s:", kind);
    paint(p, C_BOLD, head);
    vg_sb_putc(p->out, ' ');
    vg_sb_put_inert(p->out, text);
    vg_sb_putc(p->out, '\n');
}

/* The source excerpts of d: the primary span first, then the labels in the
 * order they were added, with a `-->` line where the file changes. */
static void excerpts(struct painter *p, const struct vg_ctx *ctx, const struct vg_diag *d, struct vg_linecol r)
{
    struct item *items = vg_xmalloc((d->nlabels + 1) * sizeof *items);
    size_t n = 0;
    uint32_t maxline = 0;
    if (r.src && !r.src->hide_text)
        items[n++] = (struct item){d->span, d->label, 1};
    for (size_t i = 0; i < d->nlabels; i++) {
        const struct vg_source *ls = vg_source_get(ctx, d->labels[i].span.file);
        if (ls && !ls->hide_text)
            items[n++] = (struct item){d->labels[i].span, d->labels[i].msg, 0};
    }
    for (size_t i = 0; i < n; i++) {
        struct vg_linecol ri = vg_span_linecol(ctx, items[i].span);
        if (ri.start.line > maxline)
            maxline = ri.start.line;
    }
    p->width = (int)digits(maxline);
    uint32_t prev_file = r.src ? d->span.file : 0, prev_line = 0;
    if (n) {
        gutter(p, NULL);
        vg_sb_putc(p->out, '\n');
    }
    for (size_t i = 0; i < n; i++) {
        struct vg_linecol ri = vg_span_linecol(ctx, items[i].span);
        if (items[i].span.file != prev_file) {
            spaces(p->out, (size_t)p->width);
            paint(p, C_GUTTER, "-->");
            vg_sb_putc(p->out, ' ');
            vg_sb_put_inert(p->out, ri.src->path);
            vg_sb_printf(p->out, ":%u:%u\n", ri.start.line, ri.start.col);
            gutter(p, NULL);
            vg_sb_putc(p->out, '\n');
            prev_line = 0;
        }
        excerpt(p, ctx, d, &items[i], items[i].span.file == prev_file && ri.start.line == prev_line);
        prev_file = items[i].span.file;
        prev_line = ri.start.line;
    }
    free(items);
}

static void render_one(const struct vg_ctx *ctx, const struct vg_render_opts *o, int short_form,
                       const struct vg_diag *d, struct vg_strbuf *out)
{
    const struct vg_code_info *ci = vg_code_info(d->code);
    struct painter p = {o, out, 1};
    struct vg_linecol r = vg_span_linecol(ctx, d->span);
    paint_on(&p, C_BOLD);
    if (r.src) {
        vg_sb_put_inert(out, r.src->path);
        vg_sb_printf(out, ":%u:%u:", r.start.line, r.start.col);
    } else
        vg_sb_puts(out, "vgpuc:");
    paint_off(&p, C_BOLD);
    vg_sb_putc(out, ' ');
    paint_on(&p, level_color[d->level]);
    vg_sb_printf(out, "%s:", vg_level_name(d->level));
    paint_off(&p, level_color[d->level]);
    vg_sb_putc(out, ' ');
    paint(&p, C_BOLD, d->message);
    vg_sb_printf(out, " [%s]\n", ci->id);
    if (short_form)
        return;

    excerpts(&p, ctx, d, r);
    for (size_t i = 0; i < d->nnotes; i++)
        child(&p, "note", d->notes[i]);
    if (d->merged) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        vg_sb_printf(&sb, "%u more from this range:", d->merged);
        for (size_t i = 0; i < d->nmerged_names; i++)
            vg_sb_printf(&sb, "%s `%s`", i ? "," : "", d->merged_names[i]);
        if (d->nmerged_names < d->merged)
            vg_sb_puts(&sb, ", \xE2\x80\xA6");
        child(&p, "note", vg_sb_str(&sb));
        vg_sb_free(&sb);
    }
    for (size_t i = 0; i < d->nhelps; i++)
        child(&p, "help", d->helps[i]);
    char see[32];
    snprintf(see, sizeof see, "vgpuc explain %s", ci->id);
    child(&p, "see", see);
}

void vg_render_human(const struct vg_ctx *ctx, const struct vg_render_opts *o, int short_form, struct vg_strbuf *out)
{
    int first = 1;
    for (size_t i = 0; i < ctx->diags.n; i++) {
        const struct vg_diag *d = ctx->diags.v[i];
        if (d->suppressed)
            continue;
        if (!first && !short_form)
            vg_sb_putc(out, '\n');
        first = 0;
        render_one(ctx, o, short_form, d, out);
    }
    size_t dropped = ctx->diags.dropped_errors;
    if (dropped) {
        if (!first && !short_form)
            vg_sb_putc(out, '\n');
        first = 0;
        vg_sb_printf(out, "%zu more %s not shown (--error-limit)\n", dropped, dropped == 1 ? "error" : "errors");
    }
    static const char *const kinds[][2] = {
        [VG_LEVEL_WARNING] = {"warning", "warnings"}, [VG_LEVEL_INFO] = {"info", "infos"}};
    for (int l = VG_LEVEL_WARNING; l >= VG_LEVEL_INFO; l--) {
        size_t n = ctx->diags.dropped[l];
        if (!n)
            continue;
        if (!first && !short_form)
            vg_sb_putc(out, '\n');
        first = 0;
        vg_sb_printf(out, "%zu more %s not shown (at most %u are kept)\n", n, kinds[l][n != 1], VG_MAX_NOTICES);
    }
}
