/*
 * test_parse.c - the scanner, grammar and parser driver: tree shapes, spans,
 * comments, blank lines, every syntax error's wording and place, recovery,
 * the error limit and the nesting and argument limits. Every test runs twice:
 * with the scanner on the parser's thread and on a thread of its own
 * (scan.c), which must not change anything.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/ctx.h"
#include "core/diag.h"
#include "core/vg_limits.h"
#include "syntax/parse.h"
#include "syntax/scan.h"
#include "base/vg_threads.h"

struct run {
    struct vg_ctx ctx;
    uint32_t file;
    struct vg_file_ast *ast;
};

static void parse_text(struct run *r, const char *text, size_t len)
{
    vg_ctx_init(&r->ctx);
    r->file = vg_source_add(&r->ctx, "t.vgpu", text, len, (struct vg_span){0});
    r->ast = vg_parse(&r->ctx, r->file);
}

static void parse(struct run *r, const char *text) { parse_text(r, text, strlen(text)); }

static void done(struct run *r) { vg_ctx_free(&r->ctx); }

static size_t count_stmts(const struct vg_stmt *s)
{
    size_t n = 0;
    for (; s; s = s->next)
        n++;
    return n;
}

static const struct vg_stmt *nth(const struct vg_stmt *s, size_t i)
{
    while (s && i--)
        s = s->next;
    assert_non_null(s);
    return s;
}

static struct vg_loc loc_of(const struct run *r, uint32_t off)
{
    return vg_source_loc(vg_source_get(&r->ctx, r->file), off);
}

/* Diagnostic i (emission order) has this code, starts at line:col, and its
 * message contains `msg`. */
static const struct vg_diag *check_diag(const struct run *r, size_t i, enum vg_code code, uint32_t line, uint32_t col,
                                        const char *msg)
{
    assert_true(i < r->ctx.diags.n);
    const struct vg_diag *d = r->ctx.diags.v[i];
    struct vg_loc l = loc_of(r, d->span.start);
    if (d->code != code || l.line != line || l.col != col || !strstr(d->message, msg)) {
        fprintf(stderr, "diag %zu: %s at %u:%u: %s\n", i, vg_code_info(d->code)->id, l.line, l.col, d->message);
        fail();
    }
    return d;
}

static int has_help(const struct vg_diag *d, const char *text)
{
    for (size_t i = 0; i < d->nhelps; i++)
        if (strstr(d->helps[i], text))
            return 1;
    return 0;
}

static void test_statement_shapes(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "kind dls\n"
          "editions vws vpc\n"
          "\n"
          "cluster c1 {\n"
          "    platform esxi 8.0u2\n"
          "}\n");
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(count_stmts(r.ast->first), 3);
    const struct vg_stmt *s = nth(r.ast->first, 1);
    assert_string_equal(s->name, "editions");
    assert_int_equal(s->nargs, 2);
    assert_string_equal(s->args[1].text, "vpc");
    assert_int_equal(s->args[1].kind, VG_ARG_WORD);
    assert_int_equal(s->args[1].len, 3);
    assert_int_equal(s->name_span.start, 9);
    assert_int_equal(s->name_span.end, 17);
    assert_int_equal(s->span.start, 9);
    assert_int_equal(s->span.end, 25);
    assert_false(s->has_block);
    const struct vg_stmt *c = nth(r.ast->first, 2);
    assert_true(c->has_block);
    assert_int_equal(c->nargs, 1);
    assert_int_equal(loc_of(&r, c->open_span.start).col, 12);
    assert_int_equal(loc_of(&r, c->close_span.start).line, 6);
    assert_int_equal(c->span.end, c->close_span.end);
    assert_int_equal(count_stmts(c->body), 1);
    assert_string_equal(c->body->args[0].text, "esxi");
    assert_null(c->body->body);
    assert_int_equal(r.ast->syntax_errors, 0);
    done(&r);
}

static void test_nested_and_one_line_blocks(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "cluster c {\n"
          "    host esx-[01..04] { gpu L40 x 2 }\n"
          "    vm v1 { gpu vgpu L40-12Q; guest-driver 16.5 }\n"
          "    host e {}\n"
          "    vm v2 { os linux;; migration none; }\n"
          "}\n"
          "last statement without newline");
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(count_stmts(r.ast->first), 2);
    const struct vg_stmt *c = r.ast->first;
    assert_int_equal(count_stmts(c->body), 4);
    const struct vg_stmt *h = nth(c->body, 0);
    assert_string_equal(h->args[0].text, "esx-[01..04]");
    assert_int_equal(count_stmts(h->body), 1);
    assert_int_equal(h->body->nargs, 3);
    const struct vg_stmt *v1 = nth(c->body, 1);
    assert_int_equal(count_stmts(v1->body), 2);
    assert_string_equal(nth(v1->body, 1)->name, "guest-driver");
    const struct vg_stmt *e = nth(c->body, 2);
    assert_true(e->has_block);
    assert_null(e->body);
    assert_int_equal(count_stmts(nth(c->body, 3)->body), 2);
    assert_int_equal(nth(r.ast->first, 1)->nargs, 3);
    done(&r);
}

static void test_words_with_ranges_are_one_token(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "vm vdi-[001..120] a[1..2]b[3..4] [1..3]x 535.161.05 a+b_c\n");
    assert_int_equal(r.ctx.diags.n, 0);
    const struct vg_stmt *s = r.ast->first;
    assert_int_equal(s->nargs, 5);
    assert_string_equal(s->args[0].text, "vdi-[001..120]");
    assert_string_equal(s->args[1].text, "a[1..2]b[3..4]");
    assert_string_equal(s->args[2].text, "[1..3]x");
    assert_string_equal(s->args[3].text, "535.161.05");
    assert_string_equal(s->args[4].text, "a+b_c");
    done(&r);
}

static void test_strings_and_escapes(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "vm \"my vm\" {\n  note \"a \\\"q\\\" \\\\ \\n\\t\" \"\"  \n}\n");
    assert_int_equal(r.ctx.diags.n, 0);
    const struct vg_stmt *vm = r.ast->first;
    assert_int_equal(vm->args[0].kind, VG_ARG_STRING);
    assert_string_equal(vm->args[0].text, "my vm");
    assert_int_equal(vm->args[0].span.start, 3);
    assert_int_equal(vm->args[0].span.end, 10); /* quotes included */
    const struct vg_stmt *note = vm->body;
    assert_string_equal(note->args[0].text, "a \"q\" \\ \n\t");
    assert_int_equal(note->args[0].len, 10);
    assert_int_equal(note->args[1].len, 0);
    assert_string_equal(note->args[1].text, "");
    /* the statement's span ends at the last argument, not the blanks after it */
    assert_int_equal(note->span.end, note->args[1].span.end);
    done(&r);
}

static void test_comments_and_blank_lines(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "# head\n"
          "\n"
          "a 1   # trailing\n"
          "  \t\n"
          "b {\n"
          "    # inside\n"
          "}\n");
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(r.ast->ncomments, 3);
    assert_string_equal(r.ast->comments[0].text, " head");
    assert_true(r.ast->comments[0].own_line);
    assert_string_equal(r.ast->comments[1].text, " trailing");
    assert_false(r.ast->comments[1].own_line);
    assert_int_equal(loc_of(&r, r.ast->comments[1].span.start).col, 7);
    assert_int_equal(r.ast->comments[1].span.end - r.ast->comments[1].span.start, 10);
    assert_true(r.ast->comments[2].own_line);
    assert_int_equal(r.ast->nblank_lines, 2);
    assert_int_equal(r.ast->blank_lines[0], 2);
    assert_int_equal(r.ast->blank_lines[1], 4);
    assert_int_equal(count_stmts(r.ast->first), 2);
    assert_null(nth(r.ast->first, 1)->body);
    done(&r);
}

static void test_suppression_comments_are_collected(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "# vgpuc: disable-file=VG3003\n"
          "a 1 # not a suppression: vgpuc: disable=VG3001\n"
          "#   vgpuc: disable-next-line=VG3001 -- reason\n"
          "b 2\n");
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(r.ast->ncomments, 3);
    assert_int_equal(r.ctx.diags.nsupp, 2);
    done(&r);
    parse(&r, "#vgpuc: frobnicate\n");
    assert_int_equal(r.ctx.diags.n, 1); /* handed over: the collector rejects the verb */
    assert_int_equal(r.ctx.diags.v[0]->code, VG9002);
    done(&r);
}

static void test_bom_and_crlf(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "\xEF\xBB\xBF"
          "a 1\r\n\r\nb {\r\n  c \"x\" # note\r\n}\r\n");
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(count_stmts(r.ast->first), 2);
    assert_string_equal(r.ast->first->name, "a");
    assert_int_equal(r.ast->first->name_span.start, 3);
    assert_int_equal(loc_of(&r, r.ast->first->name_span.start).col, 1);
    assert_string_equal(r.ast->first->args[0].text, "1");
    const struct vg_stmt *c = nth(r.ast->first, 1)->body;
    assert_string_equal(c->args[0].text, "x");
    assert_int_equal(r.ast->ncomments, 1);
    assert_string_equal(r.ast->comments[0].text, " note");
    assert_int_equal(r.ast->nblank_lines, 1);
    assert_int_equal(r.ast->blank_lines[0], 2);
    done(&r);
}

static void test_empty_and_comment_only_files(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "");
    assert_null(r.ast->first);
    assert_int_equal(r.ctx.diags.n, 0);
    done(&r);
    parse(&r, "# only\n# comments");
    assert_null(r.ast->first);
    assert_int_equal(r.ast->ncomments, 2);
    assert_string_equal(r.ast->comments[1].text, " comments");
    assert_int_equal(r.ctx.diags.n, 0);
    done(&r);
}

static void test_invalid_source_is_not_scanned(void **state)
{
    (void)state;
    struct run r;
    parse_text(&r, "a \0 {\n", 6);
    assert_null(r.ast->first);
    assert_int_equal(r.ast->syntax_errors, 0);
    assert_int_equal(r.ctx.diags.n, 1);
    assert_int_equal(r.ctx.diags.v[0]->code, VG1009);
    done(&r);
}

static void test_error_string_as_directive(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "a b\n\"x\" y\n");
    const struct vg_diag *d = check_diag(&r, 0, VG1001, 2, 1, "unexpected string `\"x\"`, expected a directive name");
    assert_true(has_help(d, "only arguments may be strings"));
    assert_int_equal(r.ctx.diags.n, 1);
    assert_int_equal(r.ast->syntax_errors, 1);
    done(&r);
    /* in a block of statements otherwise plain (parse.c plain_block_ahead) */
    parse(&r, "a {\n  b 1\n  \"x\" y\n  c 2\n}\n");
    d = check_diag(&r, 0, VG1001, 3, 3, "unexpected string `\"x\"`, expected a directive name");
    assert_true(has_help(d, "only arguments may be strings"));
    assert_int_equal(r.ctx.diags.n, 1);
    assert_true(r.ast->first->broken);
    assert_string_equal(nth(r.ast->first->body, 1)->name, "c");
    done(&r);
}

static void test_error_stray_close_brace(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "a {\n}\n  }\nb 1\n");
    const struct vg_diag *d = check_diag(&r, 0, VG1001, 3, 3, "unexpected `}`, expected a directive name");
    assert_string_equal(d->message, "unexpected `}`, expected a directive name");
    assert_string_equal(d->label, "no block is open here");
    assert_int_equal(r.ctx.diags.n, 1);
    assert_int_equal(count_stmts(r.ast->first), 2);
    done(&r);
}

static void test_error_brace_on_own_line_is_joined(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "host h1\n  {\n    gpu L40\n}\nnext 1\n");
    const struct vg_diag *d = check_diag(&r, 0, VG1001, 2, 3, "a block's `{` must be on the line of its directive");
    assert_int_equal(d->nlabels, 1);
    assert_int_equal(loc_of(&r, d->labels[0].span.start).line, 1);
    assert_true(has_help(d, "move the `{` to the end of the `host` line"));
    assert_int_equal(r.ctx.diags.n, 1); /* no cascade: the block is read */
    const struct vg_stmt *h = r.ast->first;
    assert_true(h->has_block);
    assert_string_equal(h->body->name, "gpu");
    assert_string_equal(nth(r.ast->first, 1)->name, "next");
    done(&r);
    /* after an error with no head (a string where a name belongs), no
     * directive is named: not the last one read before, in another block */
    parse(&r, "c {\n  h a {\n    x 1\n  }\n  \"s\" y\n  {\n  }\n}\n");
    d = check_diag(&r, 1, VG1001, 6, 3, "a block's `{` must be on the line of its directive");
    assert_int_equal(d->nlabels, 0);
    assert_int_equal(d->nhelps, 0);
    done(&r);
    /* a `{` that starts a statement is an ordinary syntax error */
    parse(&r, "a;\n{\n");
    d = check_diag(&r, 0, VG1001, 2, 1, "unexpected `{`, expected a directive name");
    assert_true(has_help(d, "goes at the end of its directive's line"));
    done(&r);
}

static void test_error_unexpected_characters(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "a @ b\n"
          "c \x07\n"
          "d \xC2\xA0x\n"
          "e \xE2\x80\x9Chi\xE2\x80\x9D\n"
          "f 'x'\n"
          "g\rh\n"
          "i = 1\n"
          "j x\xEF\xBB\xBF\n");
    check_diag(&r, 0, VG1001, 1, 3, "unexpected character `@`");
    check_diag(&r, 1, VG1001, 2, 3, "unexpected character U+0007");
    check_diag(&r, 2, VG1001, 3, 3, "unexpected character U+00A0");
    const struct vg_diag *d = check_diag(&r, 3, VG1001, 4, 3, "unexpected character `\xE2\x80\x9C` (U+201C)");
    assert_true(has_help(d, "straight double quotes"));
    check_diag(&r, 4, VG1001, 5, 3, "unexpected character `'`");
    d = check_diag(&r, 5, VG1001, 6, 2, "unexpected character U+000D");
    assert_true(has_help(d, "carriage return"));
    d = check_diag(&r, 6, VG1001, 7, 3, "unexpected character `=`");
    assert_true(has_help(d, "without `=`"));
    check_diag(&r, 7, VG1001, 8, 4, "unexpected character U+FEFF");
    assert_int_equal(r.ctx.diags.n, 8);
    assert_null(r.ast->first); /* every statement was broken */
    done(&r);
}

static void test_error_strings(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "a \"open\n"
          "b \"x\\qy\"\n"
          "c \"t\\\"\n"
          "d \"\xC3\xA9\\\xC3\xA9\"\n"
          "e \"at eof");
    const struct vg_diag *d = check_diag(&r, 0, VG1001, 1, 3, "unterminated string");
    assert_string_equal(d->label, "this string is not closed");
    assert_int_equal(d->span.end - d->span.start, 1);
    d = check_diag(&r, 1, VG1001, 2, 5, "unknown escape `\\q` in a string");
    assert_int_equal(d->span.end - d->span.start, 2);
    check_diag(&r, 2, VG1001, 3, 3, "unterminated string");
    d = check_diag(&r, 3, VG1001, 4, 5, "unknown escape `\\\xC3\xA9` in a string");
    assert_int_equal(d->span.end - d->span.start, 3);
    check_diag(&r, 4, VG1001, 5, 3, "unterminated string");
    assert_int_equal(r.ctx.diags.n, 5);
    done(&r);
}

static void test_error_unclosed_bracket(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "vm vdi-[001..120 {\n}\n");
    const struct vg_diag *d = check_diag(&r, 0, VG1001, 1, 8, "unclosed `[` in a word");
    assert_int_equal(d->span.end - d->span.start, 1);
    done(&r);
}

static void test_error_unclosed_block(void **state)
{
    (void)state;
    struct run r;
    parse(&r, "cluster c {\n  host x {\n    gpu L40\n");
    const struct vg_diag *d =
        check_diag(&r, 0, VG1001, 4, 1, "unexpected end of file, expected a directive name or `}`");
    assert_string_equal(d->label, "the file ends here");
    assert_int_equal(d->nlabels, 1);
    assert_string_equal(d->labels[0].msg, "this block is not closed");
    struct vg_loc l = loc_of(&r, d->labels[0].span.start);
    assert_int_equal(l.line, 2);
    assert_int_equal(l.col, 10);
    assert_true(has_help(d, "add a `}` to close the `host` block"));
    assert_int_equal(r.ctx.diags.n, 1);
    /* the partial tree keeps what was read */
    assert_string_equal(r.ast->first->body->body->name, "gpu");
    assert_true(r.ast->first->body->broken);
    assert_int_equal(r.ast->first->body->close_span.file, 0);
    done(&r);
    /* the file ends inside a statement's arguments */
    parse(&r, "vm v {\n  os windows");
    check_diag(&r, 0, VG1001, 2, 13, "unexpected end of file, expected an argument, `{` or `}`");
    done(&r);
}

static void test_recovery_reports_each_broken_statement_once(void **state)
{
    (void)state;
    struct run r;
    parse(&r,
          "cluster c {\n"
          "    \"x\" @ \"unterminated\n" /* one error, not three */
          "    host h1 { gpu L40 }\n"
          "    vm v { \"s\" @ }\n" /* error inside a one-line block */
          "    platform esxi 8.0u2\n"
          "}\n"
          "}\n"
          "after 1\n");
    check_diag(&r, 0, VG1001, 2, 5, "unexpected string");
    check_diag(&r, 1, VG1001, 4, 12, "unexpected string");
    check_diag(&r, 2, VG1001, 7, 1, "unexpected `}`");
    assert_int_equal(r.ctx.diags.n, 3);
    assert_int_equal(r.ast->syntax_errors, 3);
    const struct vg_stmt *c = r.ast->first;
    assert_true(c->broken);
    assert_int_equal(count_stmts(c->body), 3);
    assert_string_equal(nth(c->body, 0)->body->name, "gpu");
    assert_false(nth(c->body, 0)->broken);
    assert_true(nth(c->body, 1)->broken);
    assert_null(nth(c->body, 1)->body);
    assert_string_equal(nth(c->body, 2)->name, "platform");
    assert_string_equal(nth(r.ast->first, 1)->name, "after");
    done(&r);
}

/* The driver hands the grammar a statement head as one token (with its END
 * or `{` folded in): the syntax errors, their expected-token lists and the
 * recovery must be those of the grammar that read a word at a time. */
static void test_folded_heads_keep_errors_and_recovery(void **state)
{
    (void)state;
    struct run r;
    /* right after a head: an argument, END or `{` would have been fine */
    parse(&r, "a b }\nc d\n");
    check_diag(&r, 0, VG1001, 1, 5, "unexpected `}`, expected an argument or `{`");
    assert_int_equal(r.ctx.diags.n, 1);
    assert_int_equal(count_stmts(r.ast->first), 1);
    assert_string_equal(r.ast->first->name, "c");
    done(&r);
    /* a lexical error right after a top-level head: the parse goes on after
     * it (the head is not taken for the file's last statement) */
    parse(&r, "a b[ c\nd e\n");
    check_diag(&r, 0, VG1001, 1, 4, "unclosed `[` in a word");
    assert_int_equal(r.ctx.diags.n, 1);
    assert_int_equal(count_stmts(r.ast->first), 1);
    assert_string_equal(r.ast->first->name, "d");
    done(&r);
    /* the END after a stray `}` is where the recovery ends: not skipped */
    parse(&r, "}\nx y\n");
    check_diag(&r, 0, VG1001, 1, 1, "unexpected `}`, expected a directive name");
    assert_int_equal(count_stmts(r.ast->first), 1);
    assert_string_equal(r.ast->first->name, "x");
    assert_int_equal(r.ast->first->nargs, 1);
    done(&r);
    /* ... and the END after a `}` that closes a block is an empty statement */
    parse(&r, "v x { os linux }\n\nw y\n");
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(count_stmts(r.ast->first), 2);
    assert_string_equal(nth(r.ast->first, 1)->name, "w");
    done(&r);
    /* a head the recovery discards records nothing: the misplaced `{` after
     * it still belongs to the statement that failed */
    parse(&r, "foo , bar baz\n{\n}\n");
    const struct vg_diag *d = check_diag(&r, 1, VG1001, 2, 1, "a block's `{` must be on the line of its directive");
    assert_int_equal(d->nlabels, 1);
    assert_string_equal(d->labels[0].msg, "the `foo` directive it belongs to");
    done(&r);
}

/* The scanner interns a word by its first and last eight bytes, which must be
 * exactly those bytes (as memcpy into a zeroed integer puts them) for every
 * length, or two words of up to 16 bytes could share a slot's text. */
static void test_word_interning_loads(void **state)
{
    (void)state;
    char buf[64];
    unsigned seed = 19;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (char)('!' + (seed >> 16) % 90);
        }
        for (size_t len = 1; len <= 48; len++) {
            size_t n = len < 8 ? len : 8;
            uint64_t a = 0, b = 0;
            memcpy(&a, buf + 3, n);
            memcpy(&b, buf + 3 + len - n, n);
            assert_true(vg_scan_first8(buf + 3, len) == a);
            assert_true(vg_scan_last8(buf + 3, len) == b);
        }
    }
    /* words that differ in one byte get different texts */
    struct run r;
    parse(&r, "ab ac abc abd abcdefgh abcdefgi abcdefghijklmnop abcdefghijklmnoq\n");
    const struct vg_stmt *st = r.ast->first;
    assert_int_equal(st->nargs, 7);
    assert_string_equal(st->name, "ab");
    assert_string_equal(st->args[0].text, "ac");
    assert_string_equal(st->args[1].text, "abc");
    assert_string_equal(st->args[2].text, "abd");
    assert_string_equal(st->args[3].text, "abcdefgh");
    assert_string_equal(st->args[4].text, "abcdefgi");
    assert_string_equal(st->args[5].text, "abcdefghijklmnop");
    assert_string_equal(st->args[6].text, "abcdefghijklmnoq");
    done(&r);
}

/* A word is matched with the one blank after it (a space or a tab): its
 * text, length and span stop at the word, whatever follows (blanks, a
 * comment, a brace, a `;`, a newline or the end of the file). */
static void test_word_with_its_blank(void **state)
{
    (void)state;
    struct run r;
    const char *text = "gpu\tvgpu  L4-4Q x\t\t2 #c\nvm a {\n  os\tlinux;b\n}\nz y";
    parse(&r, text);
    const struct vg_stmt *st = r.ast->first;
    assert_int_equal(count_stmts(st), 3);
    assert_string_equal(st->name, "gpu");
    assert_int_equal(st->name_span.end - st->name_span.start, 3);
    static const char *want[] = {"vgpu", "L4-4Q", "x", "2"};
    assert_int_equal(st->nargs, 4);
    for (size_t i = 0; i < 4; i++) {
        const struct vg_arg *a = &st->args[i];
        assert_string_equal(a->text, want[i]);
        assert_int_equal(a->len, strlen(want[i]));
        assert_int_equal(a->span.end - a->span.start, strlen(want[i]));
        assert_memory_equal(text + a->span.start, want[i], strlen(want[i]));
    }
    const struct vg_stmt *vm = nth(st, 1);
    assert_string_equal(vm->args[0].text, "a");
    assert_int_equal(vm->args[0].span.end - vm->args[0].span.start, 1);
    assert_string_equal(vm->body->name, "os");
    assert_int_equal(vm->body->name_span.end - vm->body->name_span.start, 2);
    assert_string_equal(vm->body->args[0].text, "linux");
    assert_int_equal(vm->body->args[0].span.end - vm->body->args[0].span.start, 5);
    assert_string_equal(vm->body->next->name, "b");
    const struct vg_stmt *last = nth(st, 2);
    assert_string_equal(last->args[0].text, "y");
    assert_int_equal(last->args[0].span.end, strlen(text));
    assert_int_equal(r.ast->syntax_errors, 0);
    done(&r);
}

static void test_error_limit_stops_the_parse(void **state)
{
    (void)state;
    struct run r;
    vg_ctx_init(&r.ctx);
    r.ctx.opt.error_limit = 3;
    const char *text = "a 1\n\"e1\"\n\"e2\"\n\"e3\"\n\"e4\"\n\"e5\"\nz 1\n";
    r.file = vg_source_add(&r.ctx, "t.vgpu", text, strlen(text), (struct vg_span){0});
    r.ast = vg_parse(&r.ctx, r.file);
    assert_int_equal(r.ctx.diags.n, 3);
    assert_int_equal(r.ctx.diags.dropped_errors, 0);
    check_diag(&r, 2, VG1001, 4, 1, "unexpected string");
    assert_int_equal(count_stmts(r.ast->first), 1); /* stopped before `z` */
    done(&r);
}

/* What vg_parse_stream handed over, and what each statement held then. */
struct seen {
    const char *name[8];
    size_t nbody[8];
    int next_null[8], closed[8];
    size_t n;
};

static void on_top(void *arg, struct vg_stmt *st)
{
    struct seen *s = arg;
    assert_true(s->n < 8);
    s->name[s->n] = st->name;
    s->nbody[s->n] = count_stmts(st->body);
    s->next_null[s->n] = st->next == NULL;
    s->closed[s->n] = st->close_span.file != 0;
    s->n++;
    if (st->own) { /* as the model builder does: the body is gone at once */
        vg_arena_free(st->own);
        st->own = NULL;
        st->body = NULL;
    }
}

static void test_stream_hands_over_each_top_level_statement(void **state)
{
    (void)state;
    static const char text[] = "include \"a.vgpu\"\n"
                               "cluster c {\n    platform esxi 8.0u2\n    vm v { os linux }\n}\n"
                               "license-server l { kind dls }\n"
                               "cluster open {\n    platform esxi 8.0u2\n";
    struct run r;
    vg_ctx_init(&r.ctx);
    r.file = vg_source_add(&r.ctx, "t.vgpu", text, strlen(text), (struct vg_span){0});
    struct seen s;
    memset(&s, 0, sizeof s);
    r.ast = vg_parse_stream(&r.ctx, r.file, on_top, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.name[0], "include");
    assert_string_equal(s.name[1], "cluster");
    assert_string_equal(s.name[2], "license-server");
    assert_string_equal(s.name[3], "cluster");
    assert_int_equal(s.nbody[1], 2); /* complete when handed over */
    assert_int_equal(s.nbody[2], 1);
    assert_int_equal(s.nbody[3], 1); /* the block the end of file left open */
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.next_null[i]);
    assert_true(s.closed[1] && s.closed[2] && !s.closed[3]);
    /* the top-level list is still whole; the bodies were released */
    assert_int_equal(count_stmts(r.ast->first), 4);
    assert_null(nth(r.ast->first, 1)->body);
    assert_int_equal(r.ast->syntax_errors, 1); /* the unclosed block */
    done(&r);
}

/* A statement ended by END is recorded by the driver without the parser
 * seeing it (parse.c vg_yylex): it must still be complete, and handed over,
 * before the lexemes after it are acted on (here a suppression comment that
 * names no code, VG9002 when it is read), in blocks as at the top level. */
struct order {
    struct vg_ctx *ctx;
    size_t diags_at[4];
    size_t n;
};

static void on_top_order(void *arg, struct vg_stmt *st)
{
    struct order *o = arg;
    (void)st;
    assert_true(o->n < 4);
    o->diags_at[o->n++] = o->ctx->diags.n;
}

static void test_statements_recorded_before_the_lexemes_after_them(void **state)
{
    (void)state;
    static const char text[] = "include \"a.vgpu\"\n# vgpuc: disable\n"
                               "cluster c { platform esxi 8.0u2; vgpu-manager 19.5\n# vgpuc: disable\n}\n"
                               "x y; z\n";
    struct run r;
    vg_ctx_init(&r.ctx);
    r.file = vg_source_add(&r.ctx, "t.vgpu", text, strlen(text), (struct vg_span){0});
    struct order o = {&r.ctx, {0}, 0};
    r.ast = vg_parse_stream(&r.ctx, r.file, on_top_order, &o);
    assert_int_equal(o.n, 4);
    assert_int_equal(o.diags_at[0], 0); /* `include` before the comment after it */
    assert_int_equal(o.diags_at[1], 2); /* the cluster after both comments */
    assert_int_equal(o.diags_at[2], 2);
    assert_int_equal(o.diags_at[3], 2);
    assert_int_equal(count_stmts(nth(r.ast->first, 1)->body), 2);
    assert_int_equal(count_stmts(r.ast->first), 4);
    assert_string_equal(nth(r.ast->first, 2)->name, "x");
    assert_string_equal(nth(r.ast->first, 3)->name, "z");
    assert_int_equal(r.ast->syntax_errors, 0);
    done(&r);
}

/* A block of plain statements that is whole in the batch of lexemes at hand
 * is recorded by the driver, not by the parser (parse.c plain_block); one
 * that straddles two batches goes to the parser. 400 blocks written alike
 * (~16 lexemes each, 2,048 to a batch: some straddle) must come out alike:
 * the same statements, spans and braces relative to their start, whichever
 * recorded them; and the blocks around them keep theirs. */
static void test_plain_blocks_alike_either_way(void **state)
{
    (void)state;
    enum { N = 400 };
    static const char vm[] = "    vm v%03d {  # desktop\n        gpu vgpu L40-12Q\n\n        os windows;\n"
                             "        guest-driver \"19.4\"\n        ;\n    }\n";
    char *text = malloc(N * sizeof vm + 200);
    size_t n = (size_t)sprintf(text, "cluster c {\n    platform esxi 8.0u2\n");
    for (int i = 0; i < N; i++)
        n += (size_t)sprintf(text + n, vm, i);
    n += (size_t)sprintf(text + n, "    host h { gpu L40 }\n}\nlicense-server l { kind dls }\nend 1\n");
    struct run r;
    parse_text(&r, text, n);
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(count_stmts(r.ast->first), 3);
    const struct vg_stmt *c = r.ast->first;
    assert_int_equal(count_stmts(c->body), N + 2);
    const struct vg_stmt *v0 = nth(c->body, 1);
    for (const struct vg_stmt *v = v0; v->next; v = v->next) {
        uint32_t d = v->span.start - v0->span.start;
        assert_true(v->has_block);
        assert_int_equal(v->open_span.start - d, v0->open_span.start);
        assert_int_equal(v->close_span.file, r.file);
        assert_int_equal(v->close_span.start - d, v0->close_span.start);
        assert_int_equal(v->close_span.end - d, v0->close_span.end);
        assert_int_equal(v->span.end - d, v0->span.end);
        assert_int_equal(count_stmts(v->body), 3);
        for (const struct vg_stmt *s = v->body, *s0 = v0->body; s; s = s->next, s0 = s0->next) {
            assert_ptr_equal(s->name, s0->name); /* interned */
            assert_int_equal(s->nargs, s0->nargs);
            assert_false(s->has_block);
            assert_int_equal(s->span.start - d, s0->span.start);
            assert_int_equal(s->span.end - d, s0->span.end);
            assert_int_equal(s->args[s->nargs - 1].span.start - d, s0->args[s0->nargs - 1].span.start);
            assert_string_equal(s->args[s->nargs - 1].text, s0->args[s0->nargs - 1].text);
        }
    }
    assert_string_equal(nth(v0->body, 2)->args[0].text, "19.4");
    assert_int_equal(nth(v0->body, 2)->args[0].kind, VG_ARG_STRING);
    assert_int_equal(loc_of(&r, v0->close_span.start).line, 9);
    assert_int_equal(c->close_span.end, strstr(text, "}\nlicense") - text + 1);
    assert_int_equal(nth(r.ast->first, 1)->close_span.end, strstr(text, "}\nend") - text + 1);
    done(&r);
    free(text);
}

/* The byte check: plain ASCII takes a fast path; what it finds must be what
 * the byte-by-byte check finds (lines, NUL, bad UTF-8, long lines). */
static void test_source_check_paths(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    static const char plain[] = "a b\n\ncluster c {\n}\nlast";
    uint32_t id = vg_source_add(&ctx, "p.vgpu", plain, strlen(plain), (struct vg_span){0});
    const struct vg_source *src = vg_source_get(&ctx, id);
    assert_true(src->valid);
    assert_int_equal(src->nlines, 5);
    assert_int_equal(src->line_starts[2], 5);
    assert_int_equal(src->line_starts[4], 19);
    /* a NUL and a bad byte deep in a 32-byte block, after many clean ones */
    char buf[200];
    memset(buf, 'x', sizeof buf);
    buf[60] = '\n';
    buf[150] = '\0';
    id = vg_source_add(&ctx, "n.vgpu", buf, sizeof buf, (struct vg_span){0});
    assert_false(vg_source_get(&ctx, id)->valid);
    assert_int_equal(vg_source_get(&ctx, id)->nlines, 2);
    buf[150] = (char)0xff;
    id = vg_source_add(&ctx, "u.vgpu", buf, sizeof buf, (struct vg_span){0});
    assert_false(vg_source_get(&ctx, id)->valid);
    /* a line of exactly the limit passes, one byte more does not */
    size_t n = VG_MAX_LINE_BYTES + 2;
    char *big = vg_xmalloc(n);
    memset(big, 'y', n);
    big[VG_MAX_LINE_BYTES] = '\n';
    id = vg_source_add(&ctx, "l.vgpu", big, n, (struct vg_span){0});
    assert_true(vg_source_get(&ctx, id)->valid);
    big[VG_MAX_LINE_BYTES] = 'y';
    big[n - 1] = '\n';
    id = vg_source_add(&ctx, "m.vgpu", big, n, (struct vg_span){0});
    assert_false(vg_source_get(&ctx, id)->valid);
    free(big);
    size_t vg1009 = 0;
    for (size_t i = 0; i < ctx.diags.n; i++)
        vg1009 += ctx.diags.v[i]->code == VG1009;
    assert_int_equal(vg1009, 3); /* NUL, invalid UTF-8, long line */
    vg_ctx_free(&ctx);
}

static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 8 + 16);
    size_t n = 0;
    for (int i = 0; i < depth; i++)
        n += (size_t)sprintf(s + n, "b%d {\n", i);
    n += (size_t)sprintf(s + n, "x 1\n");
    for (int i = 0; i < depth; i++)
        s[n++] = '}', s[n++] = '\n';
    s[n] = '\0';
    return s;
}

/* The one-pass check of the usual file reads eight bytes at a time, the last
 * eight of a line overlapping: a bad byte anywhere in a line of any length
 * must still send the file to the byte-exact path. */
static void test_source_check_every_position(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 20; n++) {
        char text[64];
        memset(text, 'a', sizeof text);
        memcpy(text, "x\n", 2);       /* a line before, */
        text[2 + n] = '\n';           /* the line of n bytes, */
        memcpy(text + 3 + n, "y", 1); /* a last line without newline */
        size_t len = 4 + n;
        struct vg_ctx ctx;
        vg_ctx_init(&ctx);
        uint32_t id = vg_source_add(&ctx, "ok.vgpu", text, len, (struct vg_span){0});
        const struct vg_source *src = vg_source_get(&ctx, id);
        assert_true(src->valid);
        assert_int_equal(src->nlines, 3);
        assert_int_equal(src->line_starts[2], 3 + n);
        for (size_t at = 0; at < n; at++) {
            for (int bad = 0; bad < 2; bad++) {
                char copy[64];
                memcpy(copy, text, len);
                copy[2 + at] = bad ? (char)0x80 : '\0';
                id = vg_source_add(&ctx, "bad.vgpu", copy, len, (struct vg_span){0});
                src = vg_source_get(&ctx, id);
                if (src->valid)
                    fail_msg("line of %zu bytes, %s at %zu: not caught", n, bad ? "0x80" : "NUL", at);
                assert_int_equal(src->nlines, 3);
            }
        }
        vg_ctx_free(&ctx);
    }
}

static void test_nesting_limit(void **state)
{
    (void)state;
    struct run r;
    char *ok = nested(VG_MAX_NESTING);
    parse(&r, ok);
    assert_int_equal(r.ctx.diags.n, 0);
    const struct vg_stmt *s = r.ast->first;
    for (int i = 1; i < VG_MAX_NESTING; i++)
        s = s->body;
    assert_string_equal(s->body->name, "x");
    done(&r);
    free(ok);
    char *deep = nested(VG_MAX_NESTING + 1);
    parse(&r, deep);
    const struct vg_diag *d = check_diag(&r, 0, VG1001, VG_MAX_NESTING + 1, 5, "blocks nested deeper than 16");
    assert_string_equal(d->message, "blocks nested deeper than 16");
    assert_int_equal(r.ctx.diags.n, 1);
    done(&r);
    free(deep);
}

static void test_argument_limit(void **state)
{
    (void)state;
    struct run r;
    char *text = malloc(VG_MAX_ARGS * 4 + 64);
    size_t n = (size_t)sprintf(text, "hosts");
    for (unsigned i = 0; i < VG_MAX_ARGS; i++)
        n += (size_t)sprintf(text + n, " h%u", i % 10);
    sprintf(text + n, "\n");
    parse(&r, text);
    assert_int_equal(r.ctx.diags.n, 0);
    assert_int_equal(r.ast->first->nargs, VG_MAX_ARGS);
    done(&r);
    sprintf(text + n, " over more\nnext 1\n");
    parse(&r, text);
    const struct vg_diag *d = check_diag(&r, 0, VG1003, 1, (uint32_t)n + 2, "more than 256 arguments");
    assert_string_equal(d->message, "more than 256 arguments in one `hosts` statement");
    assert_int_equal(r.ctx.diags.n, 1);
    assert_int_equal(r.ast->first->nargs, VG_MAX_ARGS);
    assert_string_equal(r.ast->first->next->name, "next");
    done(&r);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_shapes),
        cmocka_unit_test(test_stream_hands_over_each_top_level_statement),
        cmocka_unit_test(test_statements_recorded_before_the_lexemes_after_them),
        cmocka_unit_test(test_plain_blocks_alike_either_way),
        cmocka_unit_test(test_source_check_paths),
        cmocka_unit_test(test_source_check_every_position),
        cmocka_unit_test(test_nested_and_one_line_blocks),
        cmocka_unit_test(test_words_with_ranges_are_one_token),
        cmocka_unit_test(test_strings_and_escapes),
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_suppression_comments_are_collected),
        cmocka_unit_test(test_bom_and_crlf),
        cmocka_unit_test(test_empty_and_comment_only_files),
        cmocka_unit_test(test_invalid_source_is_not_scanned),
        cmocka_unit_test(test_error_string_as_directive),
        cmocka_unit_test(test_error_stray_close_brace),
        cmocka_unit_test(test_error_brace_on_own_line_is_joined),
        cmocka_unit_test(test_error_unexpected_characters),
        cmocka_unit_test(test_error_strings),
        cmocka_unit_test(test_error_unclosed_bracket),
        cmocka_unit_test(test_error_unclosed_block),
        cmocka_unit_test(test_recovery_reports_each_broken_statement_once),
        cmocka_unit_test(test_folded_heads_keep_errors_and_recovery),
        cmocka_unit_test(test_word_interning_loads),
        cmocka_unit_test(test_word_with_its_blank),
        cmocka_unit_test(test_error_limit_stops_the_parse),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_argument_limit),
    };
    vg_threads_set(0);
    int failed = cmocka_run_group_tests_name("parse, scanner on the parser's thread", tests, NULL, NULL);
    vg_threads_set(1);
    failed += cmocka_run_group_tests_name("parse, scanner on its own thread", tests, NULL, NULL);
    return failed;
}
