/*
 * scan_oracle.h - the reference for the scanner's repeated bodies
 * (grammar/lexer.l, echo_body), shared by tests/unit/test_scan.c and
 * tests/fuzz/fuzz_scan.c. With trivia kept (the `fmt` parse) the scanner
 * scans every byte and never repeats a body; its lexemes, without the blank
 * lines and the comments only `fmt` wants, are what the scanner that repeats
 * bodies must give, field by field and text by text. Header-only and static.
 */
#ifndef VG_SCAN_ORACLE_H
#define VG_SCAN_ORACLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/vg_threads.h"
#include "core/ctx.h"
#include "core/suppress.h"
#include "parser.h"
#include "syntax/scan.h"

struct vg_oracle_lexemes {
    struct vg_lexeme *v;
    size_t n, cap;
    size_t echoes; /* bodies repeated */
};

/* Every lexeme of the file up to the end-of-file token, with the second
 * thread or without; with trivia kept, the blank lines and the comments only
 * `fmt` wants are left out. */
static void vg_oracle_scan(struct vg_ctx *ctx, uint32_t file, int keep_trivia, int threads,
                           struct vg_oracle_lexemes *out)
{
    vg_threads_set(threads);
    struct vg_lexq *q = vg_lexq_start(vg_source_get(ctx, file), file, keep_trivia, ctx->arena);
    memset(out, 0, sizeof *out);
    for (;;) {
        const struct vg_lexeme *x = vg_lexq_next(q);
        int eof = x->kind == VG_LEX_TOKEN && x->tok == VG_TOK_YYEOF;
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

#endif
