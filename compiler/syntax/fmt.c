/*
 * fmt.c - the canonical layout of .vgpu files, the engine of `vgpuc fmt`
 * (driver/cmd_fmt.c) and of the language server's formatting.
 *
 * The layout is rebuilt from the syntax tree and the raw source: every
 * directive name and argument is copied exactly as written (ranges, strings
 * and their escapes included), so formatting cannot change the tree. Four
 * spaces per block level; the arguments of a block's simple statements start
 * in one column; one-line blocks and `;`-joined statements are spread one
 * statement per line; one blank line around top-level blocks, and single
 * blank lines inside blocks where the author had any. Comments stay where
 * they were: own-line comments before what follows them, trailing comments
 * at the end of their line, aligned two spaces after the longest statement
 * of a run of consecutive simple statements. A file with any error gets no
 * layout (the command then never rewrites it).
 */
#include "syntax/fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "syntax/parse.h"
#include "base/strbuf.h"

#define INDENT 4

/* One output line before the trailing comments are aligned. */
struct fline {
    size_t code, code_len; /* in the code buffer; code_len 0 = blank or comment-only */
    const char *comment;   /* trailing or own-line comment text after '#', or NULL */
    size_t comment_len;
    unsigned indent;
    unsigned run; /* lines of one run share the column of their comments */
};

struct fmt {
    const struct vg_source *src;
    const struct vg_file_ast *ast;
    struct vg_strbuf code;
    struct fline *lines;
    size_t nlines, cap;
    size_t next_comment;  /* first comment not yet emitted */
    unsigned char *blank; /* blank[line] for source lines 1..nlines */
    uint32_t last_line;   /* source line of the last thing emitted (0 = none) */
    unsigned run;
};

static struct fline *add_line(struct fmt *f, unsigned indent)
{
    if (f->nlines == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 256;
        f->lines = vg_xrealloc(f->lines, f->cap * sizeof *f->lines);
    }
    struct fline *l = &f->lines[f->nlines++];
    memset(l, 0, sizeof *l);
    l->indent = indent;
    l->code = f->code.len;
    l->run = f->run;
    return l;
}

static void blank_line(struct fmt *f)
{
    if (f->nlines && (f->lines[f->nlines - 1].code_len || f->lines[f->nlines - 1].comment)) {
        add_line(f, 0);
        f->run++;
    }
}

static uint32_t line_of(const struct fmt *f, uint32_t off) { return vg_source_loc(f->src, off).line; }

/* Did the author leave a blank line between the last emitted line and `line`? */
static int had_blank_before(const struct fmt *f, uint32_t line)
{
    if (!f->last_line)
        return 0;
    for (uint32_t l = f->last_line + 1; l < line && l <= f->src->nlines; l++)
        if (f->blank[l])
            return 1;
    return 0;
}

static void comment_text(const struct vg_comment *c, const char **text, size_t *len)
{
    size_t n = c->len;
    while (n && (c->text[n - 1] == ' ' || c->text[n - 1] == '\t'))
        n--;
    *text = c->text;
    *len = n;
}

/*
 * Emit the comments before offset `pos`: own-line ones on lines of their own,
 * trailing ones at the end of the last line. `inner` says whether a blank
 * line may be kept before an own-line comment (not right after a `{`).
 */
static void flush_comments(struct fmt *f, uint32_t pos, unsigned indent, int keep_blanks)
{
    while (f->next_comment < f->ast->ncomments && f->ast->comments[f->next_comment].span.start < pos) {
        const struct vg_comment *c = &f->ast->comments[f->next_comment++];
        uint32_t line = line_of(f, c->span.start);
        if (c->own_line || !f->nlines) {
            if (keep_blanks && had_blank_before(f, line))
                blank_line(f);
            f->run++;
            struct fline *l = add_line(f, indent);
            comment_text(c, &l->comment, &l->comment_len);
            f->run++;
            keep_blanks = 1;
        } else {
            struct fline *l = &f->lines[f->nlines - 1];
            comment_text(c, &l->comment, &l->comment_len);
        }
        f->last_line = line;
    }
}

static void put_raw(struct fmt *f, struct vg_span s) { vg_sb_add(&f->code, f->src->text + s.start, s.end - s.start); }

/* `name   arg arg` with the name padded to `pad` when there are arguments. */
static void put_head(struct fmt *f, const struct vg_stmt *s, size_t pad)
{
    put_raw(f, s->name_span);
    size_t w = s->name_span.end - s->name_span.start;
    for (size_t i = 0; i < s->nargs; i++) {
        if (i == 0)
            for (; w < pad; w++)
                vg_sb_putc(&f->code, ' ');
        vg_sb_putc(&f->code, ' ');
        put_raw(f, s->args[i].span);
    }
}

static int has_comment_in(const struct fmt *f, uint32_t start, uint32_t end)
{
    size_t i = f->next_comment;
    return i < f->ast->ncomments && f->ast->comments[i].span.start >= start && f->ast->comments[i].span.start < end;
}

/* Own-line comments directly above `s` (no blank line between) belong to it:
 * the offset where that group starts, or the statement's own start. */
static uint32_t leading_comments_start(const struct fmt *f, const struct vg_stmt *s)
{
    size_t e = f->next_comment;
    while (e < f->ast->ncomments && f->ast->comments[e].span.start < s->span.start)
        e++;
    uint32_t start = s->span.start, line = line_of(f, start);
    while (e > f->next_comment) {
        const struct vg_comment *c = &f->ast->comments[e - 1];
        if (!c->own_line || line_of(f, c->span.start) + 1 != line)
            break;
        start = c->span.start;
        line--;
        e--;
    }
    return start;
}

static void format_block(struct fmt *f, const struct vg_stmt *first, unsigned depth, uint32_t end);

static void format_stmt(struct fmt *f, const struct vg_stmt *s, unsigned depth, size_t pad)
{
    unsigned indent = depth * INDENT;
    f->run += s->has_block;
    struct fline *l = add_line(f, indent);
    put_head(f, s, s->has_block ? 0 : pad);
    if (s->has_block) {
        int empty = !s->body && !has_comment_in(f, s->open_span.end, s->close_span.start);
        vg_sb_puts(&f->code, empty ? " {}" : " {");
        l->code_len = f->code.len - l->code;
        f->last_line = line_of(f, s->open_span.start);
        if (!empty) {
            f->run++;
            format_block(f, s->body, depth + 1, s->close_span.start);
            f->run++;
            struct fline *c = add_line(f, indent);
            vg_sb_putc(&f->code, '}');
            c->code_len = 1;
        }
        f->last_line = line_of(f, s->close_span.start);
        f->run++;
    } else {
        l->code_len = f->code.len - l->code;
        f->last_line = line_of(f, s->span.end ? s->span.end - 1 : 0);
    }
}

/* The statements of one block (or the file when depth is 0), up to `end`. */
static void format_block(struct fmt *f, const struct vg_stmt *first, unsigned depth, uint32_t end)
{
    size_t pad = 0;
    for (const struct vg_stmt *s = first; s; s = s->next)
        if (!s->has_block && s->nargs && s->name_span.end - s->name_span.start > pad)
            pad = s->name_span.end - s->name_span.start;
    int prev_block = 0, any = 0;
    for (const struct vg_stmt *s = first; s; s = s->next) {
        uint32_t lead = leading_comments_start(f, s);
        int sep = depth == 0 && any && (prev_block || s->has_block);
        /* comments before the leading group keep their own place */
        flush_comments(f, lead, depth * INDENT, any);
        if (sep || (any && had_blank_before(f, line_of(f, lead))))
            blank_line(f);
        if (!any && depth == 0 && f->nlines && had_blank_before(f, line_of(f, lead)))
            blank_line(f);
        flush_comments(f, s->span.start, depth * INDENT, 0);
        format_stmt(f, s, depth, pad);
        prev_block = s->has_block;
        any = 1;
    }
    flush_comments(f, end, depth * INDENT, depth == 0);
}

/* Join the lines, aligning the trailing comments of each run. */
static void render_lines(const struct fmt *f, struct vg_strbuf *out)
{
    for (size_t i = 0; i < f->nlines;) {
        size_t j = i, col = 0;
        for (; j < f->nlines && f->lines[j].run == f->lines[i].run; j++)
            if (f->lines[j].comment && f->lines[j].code_len && f->lines[j].indent + f->lines[j].code_len > col)
                col = f->lines[j].indent + f->lines[j].code_len;
        for (size_t k = i; k < j; k++) {
            const struct fline *l = &f->lines[k];
            if (!l->code_len && !l->comment) {
                vg_sb_putc(out, '\n');
                continue;
            }
            for (unsigned s = 0; s < l->indent; s++)
                vg_sb_putc(out, ' ');
            if (l->code_len)
                vg_sb_add(out, f->code.data + l->code, l->code_len);
            if (l->comment) {
                if (l->code_len)
                    for (size_t w = l->indent + l->code_len; w < col + 2; w++)
                        vg_sb_putc(out, ' ');
                vg_sb_putc(out, '#');
                vg_sb_add(out, l->comment, l->comment_len);
            }
            vg_sb_putc(out, '\n');
        }
        i = j;
    }
}

/* Format a parsed, error-free file into `out`. */
static void format_file(const struct vg_source *src, const struct vg_file_ast *ast, struct vg_strbuf *out)
{
    struct fmt f;
    memset(&f, 0, sizeof f);
    f.src = src;
    f.ast = ast;
    vg_sb_init(&f.code);
    f.blank = vg_xcalloc((size_t)src->nlines + 2, 1);
    for (size_t i = 0; i < ast->nblank_lines; i++)
        if (ast->blank_lines[i] <= src->nlines)
            f.blank[ast->blank_lines[i]] = 1;
    format_block(&f, ast->first, 0, (uint32_t)src->len + 1);
    render_lines(&f, out);
    free(f.blank);
    free(f.lines);
    vg_sb_free(&f.code);
}

const struct vg_file_ast *vg_fmt_source(struct vg_ctx *ctx, uint32_t file, struct vg_strbuf *out)
{
    size_t errors = vg_diag_error_count(ctx) + ctx->diags.dropped_errors;
    const struct vg_source *src = vg_source_get(ctx, file);
    const struct vg_file_ast *ast = vg_parse(ctx, file);
    if (!src || !src->valid || ast->syntax_errors || vg_diag_error_count(ctx) + ctx->diags.dropped_errors > errors)
        return NULL;
    format_file(src, ast, out);
    return ast;
}
