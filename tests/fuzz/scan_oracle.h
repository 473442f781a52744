/*
 * scan_oracle.h - the reference for the repeated bodies (grammar/lexer.l,
 * echo_body; compiler/syntax/parse.c, repeat_body), shared by
 * tests/unit/test_scan.c and tests/fuzz/fuzz_scan.c. With trivia kept (the
 * `fmt` parse) the scanner scans every byte and never repeats a body, so the
 * parser driver never does either; its lexemes, without the blank lines and
 * the comments only `fmt` wants, are what the scanner that repeats bodies
 * must give, field by field and text by text, and its tree and diagnostics
 * what the parse that repeats them must give. Header-only and static.
 */
#ifndef VG_SCAN_ORACLE_H
#define VG_SCAN_ORACLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/vg_threads.h"
#include "core/ctx.h"
#include "core/diag.h"
#include "core/suppress.h"
#include "parser.h"
#include "syntax/parse.h"
#include "syntax/scan.h"

struct vg_oracle_lexemes {
    struct vg_lexeme *v;
    size_t n, cap;
    size_t echoes;  /* bodies repeated */
    size_t markers; /* BODY and ECHO lexemes, left out of v */
    int bad_marker; /* an ECHO not followed by its body's lexemes through a `}` */
};

/* Every lexeme of the file up to the end-of-file token, with the second
 * thread or without; with trivia kept, the blank lines and the comments only
 * `fmt` wants are left out; without, the BODY and ECHO marks (counted, and
 * each ECHO checked to be followed by as many lexemes as it says, the last
 * its `}`, with no mark among them). */
static void vg_oracle_scan(struct vg_ctx *ctx, uint32_t file, int keep_trivia, int threads,
                           struct vg_oracle_lexemes *out)
{
    vg_threads_set(threads);
    struct vg_lexq *q = vg_lexq_start(vg_source_get(ctx, file), file, keep_trivia, ctx->arena);
    memset(out, 0, sizeof *out);
    size_t echo_left = 0; /* lexemes of an ECHO still to come */
    for (;;) {
        const struct vg_lexeme *x = vg_lexq_next(q);
        int eof = x->kind == VG_LEX_TOKEN && x->tok == VG_TOK_YYEOF;
        if (x->kind == VG_LEX_BODY || x->kind == VG_LEX_ECHO) {
            out->markers++;
            if (echo_left || (x->kind == VG_LEX_ECHO && (!x->len || x->end >= x->start)))
                out->bad_marker = 1;
            echo_left = x->kind == VG_LEX_ECHO ? x->len : 0;
            continue;
        }
        if (echo_left && --echo_left == 0 && !(x->kind == VG_LEX_TOKEN && x->tok == VG_TOK_RBRACE))
            out->bad_marker = 1;
        if (eof && echo_left)
            out->bad_marker = 1;
        if (keep_trivia &&
            (x->kind == VG_LEX_BLANKS || (x->kind == VG_LEX_COMMENT && !vg_suppress_prefix(x->u.text, x->len))))
            continue;
        if (out->n == out->cap) {
            out->cap = out->cap ? 2 * out->cap : 256;
            out->v = vg_xrealloc(out->v, out->cap * sizeof *out->v);
        }
        out->v[out->n++] = *x;
        if (eof)
            break;
    }
    out->echoes = vg_lexq_echoes(q);
    vg_lexq_finish(q);
    vg_threads_set(-1);
}

static int vg_oracle_same(const struct vg_lexeme *a, const struct vg_lexeme *b)
{
    if (a->start != b->start || a->end != b->end || a->len != b->len || a->tok != b->tok || a->kind != b->kind ||
        a->flags != b->flags)
        return 0;
    if (a->kind == VG_LEX_TOKEN && a->tok == VG_TOK_BAD)
        return a->u.bad->start == b->u.bad->start && a->u.bad->end == b->u.bad->end &&
            !strcmp(a->u.bad->msg, b->u.bad->msg);
    if (a->kind == VG_LEX_COMMENT) /* its text is its own place in the source */
        return a->u.text == b->u.text;
    return a->u.text == b->u.text || (a->u.text && b->u.text && !memcmp(a->u.text, b->u.text, a->len));
}

/* The first lexeme where got differs from want (or has one more or less),
 * or SIZE_MAX when they are the same. */
static size_t vg_oracle_diff(const struct vg_oracle_lexemes *want, const struct vg_oracle_lexemes *got)
{
    size_t n = want->n < got->n ? want->n : got->n;
    for (size_t i = 0; i < n; i++)
        if (!vg_oracle_same(&want->v[i], &got->v[i]))
            return i;
    return want->n == got->n ? SIZE_MAX : n;
}

static int vg_oracle_same_span(struct vg_span a, struct vg_span b)
{
    return a.file == b.file && a.start == b.start && a.end == b.end;
}

/* Two statement lists are the same tree: names, arguments (text, kind,
 * span), spans, flags, bodies. */
static int vg_oracle_same_tree(const struct vg_stmt *a, const struct vg_stmt *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (strcmp(a->name, b->name) || a->nargs != b->nargs || a->has_block != b->has_block ||
            a->broken != b->broken || !vg_oracle_same_span(a->name_span, b->name_span) ||
            !vg_oracle_same_span(a->span, b->span) || !vg_oracle_same_span(a->open_span, b->open_span) ||
            !vg_oracle_same_span(a->close_span, b->close_span))
            return 0;
        for (size_t i = 0; i < a->nargs; i++)
            if (a->args[i].len != b->args[i].len || a->args[i].kind != b->args[i].kind ||
                memcmp(a->args[i].text, b->args[i].text, a->args[i].len + 1) ||
                !vg_oracle_same_span(a->args[i].span, b->args[i].span))
                return 0;
        if (!vg_oracle_same_tree(a->body, b->body))
            return 0;
    }
    return !a && !b;
}

/* The same diagnostics, in the same order (code, span, message, labels,
 * helps), and as many `# vgpuc:` suppressions collected. */
static int vg_oracle_same_diags(const struct vg_ctx *a, const struct vg_ctx *b)
{
    if (a->diags.n != b->diags.n || a->diags.nsupp != b->diags.nsupp)
        return 0;
    for (size_t i = 0; i < a->diags.n; i++) {
        const struct vg_diag *x = a->diags.v[i], *y = b->diags.v[i];
        if (x->code != y->code || !vg_oracle_same_span(x->span, y->span) || strcmp(x->message, y->message) ||
            x->nlabels != y->nlabels || x->nhelps != y->nhelps)
            return 0;
        for (size_t j = 0; j < x->nlabels; j++)
            if (!vg_oracle_same_span(x->labels[j].span, y->labels[j].span) ||
                strcmp(x->labels[j].msg ? x->labels[j].msg : "", y->labels[j].msg ? y->labels[j].msg : ""))
                return 0;
        for (size_t j = 0; j < x->nhelps; j++)
            if (strcmp(x->helps[j], y->helps[j]))
                return 0;
    }
    return 1;
}

/* The file parsed as `fmt` parses it (every byte scanned) and as the other
 * commands do (bodies repeated, by the scanner and the parser driver) gives
 * the same tree and the same diagnostics, with the second thread or without. */
static int vg_oracle_same_parse(const char *text, size_t len, int threads)
{
    struct vg_ctx ca, cb;
    vg_ctx_init(&ca);
    vg_ctx_init(&cb);
    vg_threads_set(threads);
    struct vg_file_ast *a = vg_parse(&ca, vg_source_add(&ca, "t.vgpu", text, len, vg_span_make(0, 0, 0)));
    struct vg_file_ast *b = vg_parse_code(&cb, vg_source_add(&cb, "t.vgpu", text, len, vg_span_make(0, 0, 0)));
    vg_threads_set(-1);
    int same = a->syntax_errors == b->syntax_errors && vg_oracle_same_tree(a->first, b->first) &&
        vg_oracle_same_diags(&ca, &cb);
    vg_ctx_free(&ca);
    vg_ctx_free(&cb);
    return same;
}

#endif
