/*
 * parse.c - the parser driver: runs the scanner and parser over one source and
 * builds the syntax tree.
 *
 * The grammar actions call back into this file, which is compiled with the
 * full warning set (the generated code is not); the tokens come from the
 * lexeme queue of scan.c, and the comments, blank lines and misplaced braces
 * it reports are acted on here, in file order, as the parser reaches them. The tree is
 * built as statements complete: a block statement is linked into its parent
 * when its `{` is read and pushed on a block stack, so a parse that stops at
 * the error limit or an unclosed block still returns every statement read.
 * All wording of syntax errors lives here, in one place.
 */
#include "syntax/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "core/diag.h"
#include "core/vg_limits.h"
#include "parser.h"
#include "syntax/scan.h"
#include "core/suppress.h"
#include "base/utf8.h"

#if defined(__GNUC__)
#define COLD __attribute__((noinline, cold))
#define HOT_INLINE inline __attribute__((always_inline))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define COLD
#define HOT_INLINE inline
#define UNLIKELY(x) (x)
#endif

/* Queue a VG1001 for this file; stops the parse once the error limit is hit. */
static struct vg_diag *syntax_error(struct vg_parser *p, struct vg_span span, const char *msg)
{
    p->ast->syntax_errors++;
    if (p->nblocks)
        p->blocks[p->nblocks - 1].stmt->broken = 1;
    struct vg_diag *d = vg_diag_emit(p->ctx, VG1001, span, "%s", msg);
    if (p->limit_fn ? p->limit_fn(p->top_arg) : vg_diag_error_limit_reached(p->ctx))
        p->stop = 1;
    return d;
}

static void append(struct vg_parser *p, struct vg_stmt *s)
{
    if (p->nblocks) {
        struct vg_block_frame *f = &p->blocks[p->nblocks - 1];
        if (f->last)
            f->last->next = s;
        else
            f->stmt->body = s;
        f->last = s;
    } else {
        if (p->top_last)
            p->top_last->next = s;
        else
            p->ast->first = s;
        p->top_last = s;
    }
}

/* A head begins: its name is kept in the parser until the head is complete
 * (finish_head), when the statement is allocated with its arguments. */
static void stmt_begin(struct vg_parser *p, const struct vg_lexeme *x)
{
    if (!p->nblocks)
        p->tree = p->ctx->arena;
    p->head.name = x->u.text;
    p->head.name_span = vg_span_make(p->file, x->start, x->end);
    p->cur = &p->head;
    p->nargs = 0;
    p->args_overflow = 0;
}

static COLD void too_many_args(struct vg_parser *p, const struct vg_lexeme *x)
{
    if (!p->args_overflow++) {
        struct vg_diag *d = vg_diag_emit(p->ctx, VG1003, vg_span_make(p->file, x->start, x->end),
                                         "more than %u arguments in one `%s` statement", VG_MAX_ARGS, p->cur->name);
        vg_diag_label(p->ctx, d, "argument %u", VG_MAX_ARGS + 1);
        vg_diag_help(p->ctx, d, "split the statement, or use a range such as `vdi-[001..120]`");
    }
}

/* Inlined in both of its loops (vg_yylex, plain_block): a call per argument
 * costs ~15 instructions more. */
static HOT_INLINE void stmt_arg(struct vg_parser *p, const struct vg_lexeme *x)
{
    if (UNLIKELY(p->nargs == VG_MAX_ARGS)) {
        too_many_args(p, x);
        return;
    }
    if (UNLIKELY(p->nargs == p->cap_args)) {
        p->cap_args = p->cap_args ? p->cap_args * 2 : 16;
        p->args = vg_xrealloc(p->args, p->cap_args * sizeof *p->args);
    }
    struct vg_arg *a = &p->args[p->nargs++];
    a->text = x->u.text;
    a->len = x->len;
    a->span = vg_span_make(p->file, x->start, x->end);
    a->kind = x->tok == VG_TOK_STRING ? VG_ARG_STRING : VG_ARG_WORD;
}

/* The head `name args` is complete: the statement and its arguments (copied
 * out of the scratch) in one allocation. */
_Static_assert(sizeof(struct vg_stmt) % _Alignof(struct vg_arg) == 0, "arguments follow their statement");
static struct vg_stmt *finish_head(struct vg_parser *p)
{
    size_t n = p->nargs;
    struct vg_stmt *s = vg_alloc_uninit(p->tree, sizeof *s + n * sizeof *s->args); /* n <= VG_MAX_ARGS */
    *s = (struct vg_stmt){.name = p->head.name, .name_span = p->head.name_span, .span = p->head.name_span};
    if (n) {
        s->args = (struct vg_arg *)(void *)(s + 1);
        memcpy(s->args, p->args, n * sizeof *s->args);
        s->nargs = n;
        s->span.end = s->args[n - 1].span.end;
    }
    p->nargs = 0;
    p->cur = NULL; /* a `{` opening a line after this belongs to no head */
    return s;
}

/* A top-level statement is complete: hand it to the stream's reader. */
static void top_done(struct vg_parser *p, struct vg_stmt *s)
{
    if (!p->top_fn || p->top_done == s)
        return;
    p->top_done = s;
    p->top_fn(p->top_arg, s);
}

void vg_parse_stmt_end(struct vg_parser *p)
{
    struct vg_stmt *s = finish_head(p);
    append(p, s);
    if (!p->nblocks)
        top_done(p, s);
}

int vg_parse_block_open(struct vg_parser *p, struct vg_span brace)
{
    if (p->nblocks >= VG_MAX_NESTING) {
        struct vg_diag *d =
            syntax_error(p, brace, vg_sprintf(p->ctx->arena, "blocks nested deeper than %d", VG_MAX_NESTING));
        vg_diag_label(p->ctx, d, "block %u opens here", VG_MAX_NESTING + 1);
        vg_diag_help(p->ctx, d,
                     "a .vgpu file needs at most three levels: `cluster`, `host`/`vm`, and their "
                     "settings; is a `}` missing above?");
        return -1;
    }
    struct vg_stmt *s = finish_head(p);
    if (!p->nblocks) /* everything inside a top-level block can be released on its own */
        p->tree = s->own = vg_arena_new_child(p->ctx->arena);
    s->has_block = 1;
    s->open_span = brace;
    s->span.end = brace.end;
    append(p, s);
    p->blocks[p->nblocks].stmt = s;
    p->blocks[p->nblocks].last = NULL;
    p->nblocks++;
    return 0;
}

void vg_parse_block_close(struct vg_parser *p, struct vg_span brace)
{
    if (!p->nblocks)
        return;
    struct vg_stmt *s = p->blocks[--p->nblocks].stmt;
    s->close_span = brace;
    s->span.end = brace.end;
    if (!p->nblocks) {
        p->echo.block = NULL; /* its statements may be released once it is read */
        top_done(p, s);
    }
}

/* Comments and blank lines go to an arena of their own that the model builder
 * can release: ~10 MB of a 100k-VM file that only `fmt` reads. */
static struct vg_arena *trivia(struct vg_parser *p)
{
    if (!p->ast->trivia)
        p->ast->trivia = vg_arena_new_child(p->ctx->arena);
    return p->ast->trivia;
}

static void parse_comment(struct vg_parser *p, const struct vg_lexeme *x)
{
    p->comments_read++;
    struct vg_span span = vg_span_make(p->file, x->start, x->end);
    const char *text = x->u.text;
    size_t len = x->len;
    const char *copy = NULL;
    if (p->keep_trivia) {
        struct vg_arena *a = trivia(p);
        struct vg_comment c = {span, copy = vg_strndup(a, text, len), len, (x->flags & VG_LEX_OWN_LINE) != 0};
        VG_PUSH(a, p->ast->comments, p->ast->ncomments, p->cap_comments, c);
    }
    if (vg_suppress_prefix(text, len))
        vg_suppress_comment(p->ctx, span, copy ? copy : vg_strndup(p->ctx->arena, text, len), len,
                            !(x->flags & VG_LEX_AFTER_TOKEN));
}

static void parse_blank_lines(struct vg_parser *p, uint32_t first, uint32_t n)
{
    if (p->keep_trivia)
        for (uint32_t i = 0; i < n; i++)
            VG_PUSH(trivia(p), p->ast->blank_lines, p->ast->nblank_lines, p->cap_blank_lines, first + i);
}

static void brace_on_own_line(struct vg_parser *p, struct vg_span brace)
{
    struct vg_diag *d = syntax_error(p, brace, "a block's `{` must be on the line of its directive");
    vg_diag_label(p->ctx, d, "this `{` starts a line");
    if (p->cur) {
        vg_diag_span(p->ctx, d, p->cur->name_span, "the `%s` directive it belongs to", p->cur->name);
        vg_diag_help(p->ctx, d, "move the `{` to the end of the `%s` line", p->cur->name);
    }
}

/* Act on the lexemes before the next token (rare: most lexemes are tokens);
 * returns the token. Not inlined: vg_yylex stays a leaf on its usual path. */
static COLD const struct vg_lexeme *act_until_token(struct vg_parser *p, const struct vg_lexeme *x)
{
    for (; x->kind != VG_LEX_TOKEN; x = vg_lexq_next(p->lexq)) {
        switch ((enum vg_lex_kind)x->kind) {
        case VG_LEX_COMMENT: parse_comment(p, x); break;
        case VG_LEX_BLANKS: parse_blank_lines(p, x->start, x->len); break;
        case VG_LEX_BRACE_OWN_LINE: brace_on_own_line(p, vg_span_make(p->file, x->start, x->end)); break;
        case VG_LEX_BODY: /* marks for plain_block */
        case VG_LEX_ECHO:
        case VG_LEX_TOKEN: break;
        }
    }
    return x;
}

static COLD void note_bad(struct vg_parser *p, const struct vg_lex_bad *b)
{
    p->bad.span = vg_span_make(p->file, b->start, b->end);
    p->bad.msg = b->msg;
    p->bad.label = b->label;
    p->bad.help = b->help;
}

/* The next token, acting on the lexemes before it. */
static inline const struct vg_lexeme *next_token(struct vg_parser *p)
{
    const struct vg_lexeme *x = vg_lexq_next(p->lexq);
    if (UNLIKELY(x->kind != VG_LEX_TOKEN))
        x = act_until_token(p, x);
    return x;
}

/* The BODY or ECHO mark of the lexemes at hand [m, end) when they start with
 * the END of a `{` line and a mark, else NULL. */
static const struct vg_lexeme *body_mark(const struct vg_lexeme *m, const struct vg_lexeme *end)
{
    return end - m >= 2 && m[0].tok == VG_TOK_END && (m[1].kind == VG_LEX_BODY || m[1].kind == VG_LEX_ECHO) ? &m[1]
                                                                                                            : NULL;
}

/* Whether the lexemes at hand [m, end) start with the END of a `{` line and
 * an ECHO of the body the plain block kept in p->echo was read from, all of
 * whose lexemes are at hand. */
static int echo_at_hand(const struct vg_parser *p, const struct vg_lexeme *m, const struct vg_lexeme *end)
{
    const struct vg_lexeme *mark = body_mark(m, end);
    return mark && mark->kind == VG_LEX_ECHO && p->echo.block && p->echo.key == mark->end &&
        (size_t)(end - mark) >= 1 + mark->len;
}

/*
 * Whether the block whose `{` was just read is plain and at hand: up to its
 * `}`, the unread lexemes of the batch hold only statements each ended by an
 * END (words and strings after a word), empty statements, comments and
 * blank lines. Nothing in such a block can be a syntax error.
 */
static int plain_block_ahead(struct vg_parser *p)
{
    const struct vg_lexeme *end, *x = vg_lexq_ahead(p->lexq, &end);
    if (echo_at_hand(p, x, end))
        return 1; /* the same lexemes, moved, as a plain block's */
    int in_head = 0;
    for (; x != end; x++) { /* the usual lexemes first (the other lexemes' tok is 0) */
        if (x->tok == VG_TOK_WORD)
            in_head = 1;
        else if (x->tok == VG_TOK_END)
            in_head = 0;
        else if (x->tok == VG_TOK_STRING) {
            if (!in_head)
                return 0;
        } else if (x->tok == VG_TOK_RBRACE)
            return !in_head;
        else if (x->kind == VG_LEX_TOKEN || x->kind == VG_LEX_BRACE_OWN_LINE)
            return 0; /* `{`, a bad token, the end of the file; a `{` starting a line */
    }
    return 0; /* the block goes on in the next batch: the parser reads it */
}

static inline void span_move(struct vg_span *s, uint32_t delta)
{
    s->start += delta; /* unsigned: exact even when it wraps */
    s->end += delta;
}

/* The statements of a plain block read before (from `first`), recorded again
 * `delta` bytes further on in the open block, as reading their lexemes moved
 * would record them (which would leave no head current, as now). */
static void repeat_body(struct vg_parser *p, const struct vg_stmt *first, uint32_t delta)
{
    const struct vg_stmt *t = first;
    for (; t; t = t->next) {
        /* a statement read by this driver has its arguments right after it */
        size_t size = sizeof *t + t->nargs * sizeof *t->args;
        struct vg_stmt *s = memcpy(vg_alloc_uninit(p->tree, size), t, size);
        s->next = NULL;
        span_move(&s->name_span, delta);
        span_move(&s->span, delta);
        if (t->nargs) {
            s->args = (struct vg_arg *)(void *)(s + 1);
            for (size_t i = 0; i < t->nargs; i++)
                span_move(&s->args[i].span, delta);
        }
        append(p, s);
    }
}

/*
 * A plain block (plain_block_ahead) after its head and `{`: recorded here as
 * the parser's actions would record it, in the same order and at the same
 * point of the lexemes (the block opened, each statement at its END, the
 * block closed at its `}`). Outside error recovery, the only thing the
 * grammar could do with `OPEN (STMT | END)* RBRACE` is reduce it to an item
 * and join it to its list, reading no token after the `}`; so the parser
 * never sees it, as it never sees a STMT. Returns the `}`.
 *
 * When the body is one the scanner repeated (an ECHO after the END of the
 * `{` line) and the block read from that body's bytes is at hand, its
 * statements are repeated (repeat_body) and the lexemes skipped. A block
 * read from a body the scanner remembers (BODY) or repeated is kept for the
 * next repeat, unless reading it acted on a comment or reported anything,
 * and until its top-level block ends (whose statements may be released).
 */
static const struct vg_lexeme *plain_block(struct vg_parser *p, const struct vg_lexeme *brace)
{
    vg_parse_block_open(p, vg_span_make(p->file, brace->start, brace->end)); /* nblocks < VG_MAX_NESTING */
    const struct vg_stmt *block = p->blocks[p->nblocks - 1].stmt;
    const struct vg_lexeme *end, *m = vg_lexq_ahead(p->lexq, &end);
    if (echo_at_hand(p, m, end)) {
        repeat_body(p, p->echo.block->body, m[1].start - p->echo.at);
        const struct vg_lexeme *x = &m[1 + m[1].len]; /* the `}` */
        vg_lexq_skip(p->lexq, 2 + m[1].len);
        vg_parse_block_close(p, vg_span_make(p->file, x->start, x->end));
        return x;
    }
    const struct vg_lexeme *mark = body_mark(m, end);
    uint32_t key = !mark ? 0 : mark->kind == VG_LEX_ECHO ? mark->end : mark->start;
    uint32_t at = mark ? mark->start : 0;
    size_t comments = p->comments_read, emits = p->ctx->diags.emits;
    const struct vg_lexeme *x = next_token(p);
    while (x->tok != VG_TOK_RBRACE) {
        if (x->tok == VG_TOK_END) {
            x = next_token(p);
            continue;
        }
        stmt_begin(p, x);
        for (x = next_token(p); x->tok == VG_TOK_WORD || x->tok == VG_TOK_STRING; x = next_token(p))
            stmt_arg(p, x);
        vg_parse_stmt_end(p); /* x is its END */
        x = next_token(p);
    }
    vg_parse_block_close(p, vg_span_make(p->file, x->start, x->end));
    if (mark && p->nblocks && p->comments_read == comments && p->ctx->diags.emits == emits) {
        p->echo.block = block;
        p->echo.key = key;
        p->echo.at = at;
    }
    return x;
}

/*
 * The parser's next token. A word starts a statement head, and the words and
 * strings after it belong to the head: they are read here and the parser gets
 * one token spanning them all, OPEN when a `{` follows (folded in), HEAD
 * otherwise. A head followed by an END is a complete statement: it is
 * recorded here (vg_parse_stmt_end) and the parser never sees it, as if it
 * had shifted STMT and reduced it with its list at once (the only thing it
 * could do with a STMT outside error recovery: STMT is acceptable wherever a
 * word may start a statement, and reducing it reads no token). That saves a
 * shift and a reduction per statement. Recording the head (the statement and
 * its arguments) is what the grammar's reductions did word by word, in the
 * same order and at the same point of the lexemes. While the parser recovers
 * from a syntax error it discards heads (so they record nothing, as discarded
 * words did) and waits for an END: nothing is folded then. An END right after
 * a `}` is an empty statement and is skipped, except while recovering. A
 * block of such statements that is whole in the lexemes at hand is recorded
 * here too (plain_block): the parser sees neither its OPEN nor its `}`.
 */
int vg_yylex(VG_YYSTYPE *lval, VG_YYLTYPE *lloc, struct vg_parser *p)
{
    /* the token after a head was read with it: only it can follow a head */
    const struct vg_lexeme *x = p->pending;
    p->after_head = x != NULL;
    p->pending = NULL;
    if (!x)
        x = next_token(p);
    for (;;) {
        if (x->tok == VG_TOK_END && p->after_rbrace && !p->recovering)
            x = next_token(p);
        p->after_rbrace = x->tok == VG_TOK_RBRACE;
        lloc->file = p->file;
        lloc->start = x->start;
        if (x->tok != VG_TOK_WORD)
            break;
        if (p->recovering) {
            uint32_t end = x->end;
            for (x = next_token(p); x->tok == VG_TOK_WORD || x->tok == VG_TOK_STRING; x = next_token(p))
                end = x->end;
            p->pending = x;
            lloc->end = end;
            return VG_TOK_HEAD;
        }
        stmt_begin(p, x);
        uint32_t end = x->end;
        for (x = next_token(p); x->tok == VG_TOK_WORD || x->tok == VG_TOK_STRING; x = next_token(p)) {
            stmt_arg(p, x);
            end = x->end;
        }
        if (x->tok == VG_TOK_END) { /* a statement: recorded, not handed over */
            vg_parse_stmt_end(p);
            x = next_token(p);
            continue;
        }
        if (x->tok == VG_TOK_LBRACE) {
            if (p->nblocks < VG_MAX_NESTING && !p->stop && plain_block_ahead(p)) {
                x = plain_block(p, x); /* recorded, not handed over: the next token is read */
                p->after_rbrace = 1;
                x = next_token(p);
                continue;
            }
            lloc->start = x->start; /* the block opens at the `{` */
            lloc->end = x->end;
            return VG_TOK_OPEN;
        }
        p->pending = x;
        lloc->end = end;
        return VG_TOK_HEAD;
    }
    lloc->end = x->end;
    lval->tok.text = x->u.text;
    lval->tok.len = x->len;
    if (UNLIKELY(x->tok == VG_TOK_BAD))
        note_bad(p, x->u.bad);
    return x->tok;
}

/* Invisible or confusable characters, shown by code point. */
static int is_invisible(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0xa0) || cp == 0xad || (cp >= 0x2000 && cp <= 0x200f) ||
        (cp >= 0x2028 && cp <= 0x202f) || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

static const struct {
    uint32_t cp;
    const char *help;
} char_helps[] = {
    {'\r', "a line ends with `\\n` or `\\r\\n`; a lone carriage return is not allowed"},
    {'\'', "strings are written in double quotes: `\"like this\"`"},
    {0x2018, "strings are written in straight double quotes: `\"like this\"`"},
    {0x2019, "strings are written in straight double quotes: `\"like this\"`"},
    {0x201c, "strings are written in straight double quotes: `\"like this\"`"},
    {0x201d, "strings are written in straight double quotes: `\"like this\"`"},
    {',', "arguments are separated by spaces, not commas"},
    {'=', "arguments follow the directive name without `=`: `gpu-partitions 4`"},
    {':', "arguments follow the directive name without `:`: `gpu-partitions 4`"},
    {']', "a range is written `[lo..hi]` inside a word, e.g. `vdi-[001..120]`"},
    {0xa0, "replace the no-break space with an ordinary space"},
    {0xfeff, "a byte order mark is only allowed at the start of the file"},
    {'\f', "remove the form feed"},
};

void vg_parse_describe_char(struct vg_arena *a, const char *text, size_t len, const char **msg, const char **help)
{
    uint32_t cp;
    vg_utf8_decode((const unsigned char *)text, len, &cp); /* valid: input.c checked the file */
    if (is_invisible(cp))
        *msg = vg_sprintf(a, "unexpected character U+%04X", (unsigned)cp);
    else if (cp < 0x80)
        *msg = vg_sprintf(a, "unexpected character `%c`", (char)cp);
    else
        *msg = vg_sprintf(a, "unexpected character `%.*s` (U+%04X)", (int)len, text, (unsigned)cp);
    *help = NULL;
    for (size_t i = 0; i < sizeof char_helps / sizeof char_helps[0]; i++)
        if (char_helps[i].cp == cp)
            *help = char_helps[i].help;
}

static const char *tok_words(enum vg_tok t)
{
    switch (t) {
    case VG_T_EOF: return "end of file";
    case VG_T_WORD: return "a directive name";
    case VG_T_STRING: return "a string";
    case VG_T_END: return "end of line";
    case VG_T_LBRACE: return "`{`";
    case VG_T_RBRACE: return "`}`";
    case VG_T_BAD:
    case VG_T_OTHER: break;
    }
    return "something else";
}

/* What the unexpected token was, in words ("`}`", "string `\"x\"`"). */
static const char *unexpected_words(struct vg_parser *p, enum vg_tok tok, struct vg_span span)
{
    const char *text = p->src->text + span.start;
    int n = (int)(span.end - span.start);
    if (n > 40)
        n = 40;
    switch (tok) {
    case VG_T_WORD: return vg_sprintf(p->ctx->arena, "word `%.*s`", n, text);
    case VG_T_STRING: return vg_sprintf(p->ctx->arena, "string `%.*s`", n, text);
    case VG_T_END: return span.end - span.start == 1 && *text == ';' ? "`;`" : "end of line";
    default: return tok_words(tok);
    }
}

void vg_parse_syntax_error(struct vg_parser *p, enum vg_tok tok, struct vg_span span, const enum vg_tok *expected,
                           int nexpected)
{
    if (p->stop)
        return;
    if (tok == VG_T_BAD) {
        struct vg_diag *d = syntax_error(p, p->bad.span, p->bad.msg);
        if (p->bad.label)
            vg_diag_label(p->ctx, d, "%s", p->bad.label);
        if (p->bad.help)
            vg_diag_help(p->ctx, d, "%s", p->bad.help);
        return;
    }
    /* "expected a directive name or `}`": END says nothing useful when others are listed */
    char exp[160] = "";
    size_t nexp = 0;
    /* in token order, a directive name first; end of line and end of file say
     * nothing useful when something else is possible */
    static const enum vg_tok order[] = {VG_T_WORD, VG_T_STRING, VG_T_LBRACE, VG_T_RBRACE, VG_T_END, VG_T_EOF};
    const char *words[8];
    int nwords = 0, args = 0;
    for (int i = 0; i < nexpected; i++)
        args |= expected[i] == VG_T_STRING; /* after a directive name: a word is an argument */
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        for (int i = 0; i < nexpected; i++) {
            if (expected[i] != order[k] || ((order[k] == VG_T_END || order[k] == VG_T_EOF) && nwords))
                continue;
            if (args && order[k] == VG_T_STRING)
                continue;
            words[nwords++] = args && order[k] == VG_T_WORD ? "an argument" : tok_words(order[k]);
        }
    for (int i = 0; i < nwords; i++) {
        const char *sep = i == 0 ? "" : i + 1 == nwords ? " or " : ", ";
        int w = snprintf(exp + nexp, sizeof exp - nexp, "%s%s", sep, words[i]);
        if (w > 0 && (size_t)w < sizeof exp - nexp)
            nexp += (size_t)w;
    }
    const char *msg = nwords
        ? vg_sprintf(p->ctx->arena, "unexpected %s, expected %s", unexpected_words(p, tok, span), exp)
        : vg_sprintf(p->ctx->arena, "unexpected %s", unexpected_words(p, tok, span));
    struct vg_stmt *open = p->nblocks ? p->blocks[p->nblocks - 1].stmt : NULL;
    struct vg_diag *d = syntax_error(p, span, msg);
    switch (tok) {
    case VG_T_EOF:
        if (open) {
            vg_diag_label(p->ctx, d, "the file ends here");
            vg_diag_span(p->ctx, d, open->open_span, "this block is not closed");
            vg_diag_help(p->ctx, d, "add a `}` to close the `%s` block", open->name);
        }
        break;
    case VG_T_RBRACE:
        vg_diag_label(p->ctx, d, "no block is open here");
        vg_diag_help(p->ctx, d, "remove this `}`, or look above for a block whose `{` is missing");
        break;
    case VG_T_LBRACE:
        vg_diag_label(p->ctx, d, "a block needs a directive before it");
        vg_diag_help(p->ctx, d, "a block's `{` goes at the end of its directive's line: `host h1 {`");
        break;
    case VG_T_STRING: vg_diag_help(p->ctx, d, "a directive name is a bare word; only arguments may be strings"); break;
    default: break;
    }
}

void vg_parse_error_msg(struct vg_parser *p, struct vg_span span, const char *msg)
{
    if (!p->stop)
        syntax_error(p, span, msg);
}

static struct vg_file_ast *parse_file(struct vg_ctx *ctx, uint32_t file, int keep_trivia, vg_parse_top_fn fn, void *arg,
                                      int (*limit_fn)(void *arg))
{
    struct vg_file_ast *ast = vg_alloc(ctx->arena, sizeof *ast);
    ast->file = file;
    const struct vg_source *src = vg_source_get(ctx, file);
    if (!src || !src->valid)
        return ast;
    struct vg_parser p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.src = src;
    p.file = file;
    p.ast = ast;
    p.tree = ctx->arena;
    p.keep_trivia = keep_trivia;
    p.top_fn = fn;
    p.top_arg = arg;
    p.limit_fn = limit_fn;
    p.lexq = vg_lexq_start(src, file, keep_trivia, ctx->arena);
    vg_yyparse(&p);
    vg_lexq_finish(p.lexq);
    free(p.args);
    /* a block left open by the end of the file or the error limit: every
     * other statement was handed over when it was complete */
    if (p.top_last)
        top_done(&p, p.top_last);
    return ast;
}

struct vg_file_ast *vg_parse(struct vg_ctx *ctx, uint32_t file) { return parse_file(ctx, file, 1, NULL, NULL, NULL); }

struct vg_file_ast *vg_parse_code(struct vg_ctx *ctx, uint32_t file)
{
    return parse_file(ctx, file, 0, NULL, NULL, NULL);
}

struct vg_file_ast *vg_parse_stream(struct vg_ctx *ctx, uint32_t file, vg_parse_top_fn fn, void *arg)
{
    return parse_file(ctx, file, 0, fn, arg, NULL);
}

struct vg_file_ast *vg_parse_stream_limit(struct vg_ctx *ctx, uint32_t file, vg_parse_top_fn fn, void *arg,
                                          int (*limit_fn)(void *arg))
{
    return parse_file(ctx, file, 0, fn, arg, limit_fn);
}
