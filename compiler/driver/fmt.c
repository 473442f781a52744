/*
 * fmt.c - `vgpuc fmt`: rewrite .vgpu files in the canonical layout.
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
 * of a run of consecutive simple statements. A file with any error is never
 * rewritten; writes are atomic and happen only when the text changes.
 */
#include "driver/fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/cli.h"
#include "core/diag.h"
#include "syntax/parse.h"
#include "report/render.h"
#include "base/strbuf.h"


#define INDENT 4
#define DIFF_CONTEXT 3
#define DIFF_MAX_EDITS 1000 /* beyond this, the changed middle is shown as one hunk */

/* One output line before the trailing comments are aligned. */
struct fline {
    size_t code, code_len;   /* in the code buffer; code_len 0 = blank or comment-only */
    const char *comment;     /* trailing or own-line comment text after '#', or NULL */
    size_t comment_len;
    unsigned indent;
    unsigned run;            /* lines of one run share the column of their comments */
};

struct fmt {
    const struct vg_source *src;
    const struct vg_file_ast *ast;
    struct vg_strbuf code;
    struct fline *lines; size_t nlines, cap;
    size_t next_comment;     /* first comment not yet emitted */
    unsigned char *blank;    /* blank[line] for source lines 1..nlines */
    uint32_t last_line;      /* source line of the last thing emitted (0 = none) */
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

static void put_raw(struct fmt *f, struct vg_span s)
{
    vg_sb_add(&f->code, f->src->text + s.start, s.end - s.start);
}

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

/* --- a minimal unified diff (Myers' O(ND) algorithm, bounded) ------------- */

struct lines {
    const char **s;
    size_t *n;
    size_t count;
};

static void split_lines(const char *text, size_t len, struct lines *l)
{
    size_t cap = 16;
    l->s = vg_xmalloc(cap * sizeof *l->s);
    l->n = vg_xmalloc(cap * sizeof *l->n);
    l->count = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        if (l->count == cap) {
            cap *= 2;
            l->s = vg_xrealloc(l->s, cap * sizeof *l->s);
            l->n = vg_xrealloc(l->n, cap * sizeof *l->n);
        }
        l->s[l->count] = text + i;
        l->n[l->count++] = j - i;
        i = j + 1;
    }
}

static int same_line(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->n[i] == b->n[j] && memcmp(a->s[i], b->s[j], a->n[i]) == 0;
}

/* ops[k]: ' ' keep, '-' delete from a, '+' insert from b; returns the count. */
static size_t diff_ops(const struct lines *a, const struct lines *b, char **ops_out)
{
    size_t pre = 0, suf = 0;
    while (pre < a->count && pre < b->count && same_line(a, pre, b, pre))
        pre++;
    while (suf < a->count - pre && suf < b->count - pre && same_line(a, a->count - 1 - suf, b, b->count - 1 - suf))
        suf++;
    long n = (long)(a->count - pre - suf), m = (long)(b->count - pre - suf);
    char *ops = vg_xmalloc(a->count + b->count + 1);
    size_t nops = 0;
    for (size_t i = 0; i < pre; i++)
        ops[nops++] = ' ';
    long max = n + m;
    long dmax = max < DIFF_MAX_EDITS ? max : DIFF_MAX_EDITS;
    long off = dmax + 1;
    long *v = vg_xcalloc((size_t)(2 * dmax + 3), sizeof *v);
    long **trace = vg_xcalloc((size_t)dmax + 1, sizeof *trace);
    long found = -1;
    for (long d = 0; d <= dmax && found < 0; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
            long y = x - k;
            while (x < n && y < m && same_line(a, pre + (size_t)x, b, pre + (size_t)y))
                x++, y++;
            v[off + k] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
        /* keep diagonals -d..d only: the trace stays O(D^2), bounded by the cap */
        trace[d] = vg_xmalloc((size_t)(2 * d + 3) * sizeof *v);
        memcpy(trace[d], v + off - d - 1, (size_t)(2 * d + 3) * sizeof *v);
    }
    char *mid = vg_xmalloc((size_t)(n + m) + 1);
    size_t nmid = 0;
    if (found < 0) { /* too many edits: replace the whole middle */
        for (long i = 0; i < n; i++)
            mid[nmid++] = '-';
        for (long i = 0; i < m; i++)
            mid[nmid++] = '+';
        for (size_t i = 0; i < nmid; i++)
            ops[nops++] = mid[i];
    } else { /* walk the trace back from (n, m), collecting ops in reverse */
        long x = n, y = m;
        for (long d = found; d > 0; d--) {
            const long *pv = trace[d - 1]; /* pv[k + d] is diagonal k after d - 1 edits */
            long k = x - y;
            long pk = (k == -d || (k != d && pv[k - 1 + d] < pv[k + 1 + d])) ? k + 1 : k - 1;
            long px = pv[pk + d], py = px - pk;
            while (x > px && y > py)
                mid[nmid++] = ' ', x--, y--;
            mid[nmid++] = pk == k + 1 ? '+' : '-';
            x = px;
            y = py;
        }
        while (x > 0 && y > 0)
            mid[nmid++] = ' ', x--, y--;
        while (nmid)
            ops[nops++] = mid[--nmid];
    }
    for (size_t i = 0; i < suf; i++)
        ops[nops++] = ' ';
    for (long d = 0; d <= dmax; d++)
        free(trace[d]);
    free(trace);
    free(v);
    free(mid);
    *ops_out = ops;
    return nops;
}

static void diff_line(struct vg_strbuf *out, char op, const char *s, size_t n)
{
    vg_sb_putc(out, op);
    vg_sb_add(out, s, n);
    vg_sb_putc(out, '\n');
}

static void unified_diff(const char *name, const char *old, size_t oldlen, const char *new_, size_t newlen,
                         struct vg_strbuf *out)
{
    struct lines a, b;
    split_lines(old, oldlen, &a);
    split_lines(new_, newlen, &b);
    char *ops;
    size_t nops = diff_ops(&a, &b, &ops);
    vg_sb_printf(out, "--- %s\n+++ %s\n", name, name);
    size_t i = 0, ai = 0, bi = 0;
    while (i < nops) {
        if (ops[i] == ' ') {
            i++, ai++, bi++;
            continue;
        }
        /* a hunk: from DIFF_CONTEXT kept lines before this change to DIFF_CONTEXT after the last
         * change that is not separated from the next one by more than 2 * DIFF_CONTEXT kept lines */
        size_t back = 0;
        while (back < DIFF_CONTEXT && back < i && ops[i - back - 1] == ' ')
            back++;
        size_t start = i - back, end = i, a0 = ai - back, b0 = bi - back;
        for (;;) {
            while (end < nops && ops[end] != ' ')
                end++;
            size_t keep = 0;
            while (end + keep < nops && ops[end + keep] == ' ')
                keep++;
            if (end + keep < nops && keep <= 2 * DIFF_CONTEXT) {
                end += keep;
                continue;
            }
            end += keep < DIFF_CONTEXT ? keep : DIFF_CONTEXT;
            break;
        }
        size_t na = 0, nb = 0;
        for (size_t k = start; k < end; k++) {
            na += ops[k] != '+';
            nb += ops[k] != '-';
        }
        vg_sb_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", na ? a0 + 1 : a0, na, nb ? b0 + 1 : b0, nb);
        size_t x = a0, y = b0;
        for (size_t k = start; k < end; k++) {
            if (ops[k] == ' ') {
                diff_line(out, ' ', a.s[x], a.n[x]);
                x++, y++;
            } else if (ops[k] == '-') {
                diff_line(out, '-', a.s[x], a.n[x]);
                x++;
            } else {
                diff_line(out, '+', b.s[y], b.n[y]);
                y++;
            }
        }
        i = end;
        ai = x;
        bi = y;
    }
    free(ops);
    free(a.s);
    free(a.n);
    free(b.s);
    free(b.n);
}

/* --- the command ---------------------------------------------------------- */

int vg_cmd_fmt(struct vg_cli *cli)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.opt.no_inline_suppressions = 1; /* fmt checks nothing that they could silence */
    if (cli->error_limit_set)
        ctx.opt.error_limit = cli->error_limit;
    size_t n, nfailed;
    const char **paths = vg_cli_expand_inputs(&ctx, cli, &n, &nfailed);
    int could_not = nfailed > 0, broken = 0, changed = 0;
    struct vg_strbuf out;
    vg_sb_init(&out);
    for (size_t i = 0; i < n; i++) {
        int is_stdin = strcmp(paths[i], "-") == 0;
        const char *display = is_stdin ? (cli->stdin_filename ? cli->stdin_filename : "<stdin>") : NULL;
        uint32_t id = vg_source_load(&ctx, paths[i], display, vg_span_make(0, 0, 0));
        if (!id) {
            could_not = 1;
            continue;
        }
        const struct vg_source *src = vg_source_get(&ctx, id);
        struct vg_strbuf text;
        vg_sb_init(&text);
        if (!vg_fmt_source(&ctx, id, &text)) {
            broken = 1; /* never rewrite a file that did not parse cleanly */
            vg_sb_free(&text);
            continue;
        }
        int same = text.len == src->len && memcmp(text.data ? text.data : "", src->text, src->len) == 0;
        if (is_stdin && !cli->check && !cli->diff) {
            vg_sb_add(&out, text.data ? text.data : "", text.len);
        } else if (!same) {
            changed = 1;
            if (cli->check)
                vg_sb_printf(&out, "%s\n", src->path);
            if (cli->diff)
                unified_diff(src->path, src->text, src->len, text.data ? text.data : "", text.len, &out);
            if (!cli->check && !cli->diff && vg_rewrite_file(src->path, vg_sb_str(&text), text.len) != 0) {
                vg_diag_emit(&ctx, VG1009, vg_span_make(0, 0, 0), "cannot write `%s`", src->path);
                could_not = 1;
            }
        }
        vg_sb_free(&text);
    }
    fwrite(vg_sb_str(&out), 1, out.len, stdout);
    fflush(stdout);
    vg_sb_free(&out);
    vg_diags_finish(&ctx);
    if (ctx.diags.n) {
        struct vg_strbuf err;
        vg_sb_init(&err);
        struct vg_render_opts o = {cli->color, n, VGPUC_VERSION};
        vg_render(&ctx, VG_FMT_HUMAN, &o, &err);
        fwrite(vg_sb_str(&err), 1, err.len, stderr);
        vg_sb_free(&err);
    }
    vg_ctx_free(&ctx);
    if (could_not)
        return VG_EXIT_FAILURE;
    return broken || (cli->check && changed) ? VG_EXIT_FINDINGS : VG_EXIT_OK;
}
