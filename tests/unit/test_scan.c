/*
 * test_scan.c - the repeated bodies (grammar/lexer.l, echo_body;
 * compiler/syntax/parse.c, repeat_body): a block body that is the same bytes
 * as the last one the scanner read whole is not scanned but given the
 * lexemes of that one, moved, and the parser driver repeats the statements
 * it read from that one, moved. That must give exactly the lexemes scanning
 * gives, and the tree and diagnostics parsing gives. The reference is the
 * parse with trivia kept (`fmt`), which never repeats a body: its lexemes,
 * without the blank lines and the comments only `fmt` wants, must equal the
 * others field by field and text by text, and its tree and diagnostics
 * (scan_oracle.h) the others', on hand-written edge cases, on
 * generated files of repeated and nearly repeated bodies, and on a file large
 * enough to fill many batches, with the scanner on its own thread and not.
 * Each case also says how many bodies must have been repeated, so a scanner
 * that stopped repeating would fail too.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "../fuzz/scan_oracle.h"
#include "base/arena.h"
#include "base/strbuf.h"

/* The lexemes of text with repeated bodies equal the reference's, on one
 * thread and on two; returns how many bodies were repeated. */
static size_t check_text(const char *text, size_t len)
{
    size_t echoes = 0;
    for (int threads = 0; threads <= 1; threads++) {
        struct vg_ctx ctx;
        vg_ctx_init(&ctx);
        uint32_t file = vg_source_add(&ctx, "t.vgpu", text, len, vg_span_make(0, 0, 0));
        struct vg_oracle_lexemes want, got;
        vg_oracle_scan(&ctx, file, 1, threads, &want);
        vg_oracle_scan(&ctx, file, 0, threads, &got);
        assert_int_equal(want.echoes, 0);
        assert_int_equal(want.markers, 0);
        assert_false(got.bad_marker);
        size_t i = vg_oracle_diff(&want, &got);
        if (i != SIZE_MAX) {
            fprintf(stderr, "lexeme %zu of %zu (threads %d): want kind %d tok %d %u-%u, got kind %d tok %d %u-%u\n", i,
                    want.n, threads, i < want.n ? want.v[i].kind : -1, i < want.n ? want.v[i].tok : -1,
                    i < want.n ? want.v[i].start : 0, i < want.n ? want.v[i].end : 0, i < got.n ? got.v[i].kind : -1,
                    i < got.n ? got.v[i].tok : -1, i < got.n ? got.v[i].start : 0, i < got.n ? got.v[i].end : 0);
            fail();
        }
        if (!vg_oracle_same_parse(text, len, threads)) {
            fprintf(stderr, "the tree or the diagnostics differ (threads %d)\n", threads);
            fail();
        }
        if (threads)
            assert_int_equal(got.echoes, echoes); /* the thread changes nothing */
        echoes = got.echoes;
        free(want.v);
        free(got.v);
        vg_ctx_free(&ctx);
    }
    return echoes;
}

static size_t check(const char *text) { return check_text(text, strlen(text)); }

/* VMs written alike: every body after the first is repeated. */
static void test_alike_bodies_are_repeated(void **state)
{
    (void)state;
    assert_int_equal(check("cluster c {\n"
                           "  vm a {\n    gpu vgpu L4-4Q\n    os linux\n  }\n"
                           "  vm b {\n    gpu vgpu L4-4Q\n    os linux\n  }\n"
                           "  vm c {  # a comment on the `{` line\n    gpu vgpu L4-4Q\n    os linux\n  }\n"
                           "  # between\n"
                           "  vm d {\n    gpu vgpu L4-4Q\n    os linux\n  }\n"
                           "}\n"),
                     3);
    /* a body that differs is read, and is the one repeated next */
    assert_int_equal(check("vm a {\n  os linux\n}\nvm b {\n  os windows\n}\nvm c {\n  os windows\n}\n"
                           "vm d {\n  os linux\n}\n"),
                     1);
}

/* What the body holds is given back exactly: strings with escapes, `# vgpuc:`
 * comments (their text is in the source), one-line blocks, `;`, tabs,
 * blank lines (at its start too), CRLF. */
static void test_what_a_repeated_body_holds(void **state)
{
    (void)state;
    assert_int_equal(check("vm a {\n  note \"x \\\"y\\\" \\\\ z\"  # vgpuc: ignore VG5001\n  os linux\n}\n"
                           "vm b {\n  note \"x \\\"y\\\" \\\\ z\"  # vgpuc: ignore VG5001\n  os linux\n}\n"),
                     1);
    assert_int_equal(check("h a {\n  gpu { x 1 }\n  a; b\tc\n}\nh b {\n  gpu { x 1 }\n  a; b\tc\n}\n"), 1);
    assert_int_equal(check("h a {\n\n\n  x 1\n\n}\nh b {\n\n\n  x 1\n\n}\nh c {\n\n\n  x 1\n\n}\n"), 2);
    assert_int_equal(check("h a {\r\n  x 1\r\n}\r\nh b {\r\n  x 1\r\n}\r\n"), 1);
    /* an error after a repeated body, and a `{` opening a line while the parser
     * recovers from it: the error names the directive last read, in the body */
    assert_int_equal(check("c {\n  h a {\n    x 1\n  }\n  h b {\n    x 1\n  }\n  \"s\" y\n  {\n  }\n}\n"), 1);
    /* a block inside the body: the inner body is the one remembered */
    assert_int_equal(check("c a {\n  h {\n    x 1\n  }\n}\nc b {\n  h {\n    x 1\n  }\n}\n"), 1);
}

/* What follows a body does not matter: its `}` is followed by a newline,
 * blanks, a comment, another block. */
static void test_what_follows_a_body(void **state)
{
    (void)state;
    assert_int_equal(
        check("h a {\n  x 1\n}\nh b {\n  x 1\n}  \nh c {\n  x 1\n}\t# c\nh d {\n  x 1\n} h e {\n  x 1\n}\n"), 4);
}

/* Where the bytes are not all there, or scanning them is an error, nothing
 * is repeated: a body cut by the end of the file, a body with a lexical error. */
static void test_bodies_not_repeated(void **state)
{
    (void)state;
    assert_int_equal(check("h a {\n  x 1\n}\nh b {\n  x 1\n}"), 0);
    assert_int_equal(check("h a {\n  x 1\n}\nh b {\n  x 1\n"), 0);
    assert_int_equal(check("h a {\n  x @ 1\n}\nh b {\n  x @ 1\n}\nh c {\n  x @ 1\n}\n"), 0);
    assert_int_equal(check("h a {\n  x \"open\n}\nh b {\n  x \"open\n}\nh c {\n  x \"open\n}\n"), 0);
    assert_int_equal(check("h a {\n  x [1..\n}\nh b {\n  x [1..\n}\nh c {\n  x [1..\n}\n"), 0);
    /* a `{` on a line of its own inside: an error the parser reports, given
     * back; the body remembered is the inner one (a lone `}`), not the outer */
    assert_int_equal(check("h a {\n  g\n  {\n  }\n}\nh b {\n  g\n  {\n  }\n}\n"), 1);
}

/* Generated files: bodies drawn from a few lines, so that most repeat, some
 * nearly (a line more or less, a blank after a `}`), in batches of lexemes
 * that fill and wrap the ring. */
static void test_generated_files(void **state)
{
    (void)state;
    static const char *lines[] = {"gpu vgpu L40-12Q",
                                  "guest-driver 19.4",
                                  "os windows",
                                  "migration live",
                                  "# vgpuc: ignore VG5001",
                                  "note \"a b\"",
                                  "x { y 1 }",
                                  "",
                                  "a; b"};
    unsigned seed = 7;
    size_t total = 0;
    for (int round = 0; round < 60; round++) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        int nvm = 20 + round * 8;
        for (int v = 0; v < nvm; v++) {
            seed = seed * 1103515245u + 12345u;
            vg_sb_printf(&sb, "vm v%d {%s\n", v, (seed >> 8) % 5 ? "" : "  # desktop");
            int n = 1 + (int)((seed >> 12) % 3) + ((seed >> 20) % 4 == 0);
            for (int i = 0; i < n; i++)
                vg_sb_printf(&sb, "%s%s\n", (seed >> 14) % 7 ? "    " : "\t",
                             lines[(i * 3 + (int)((seed >> 24) % 2 * (round % 9))) % 9]);
            vg_sb_printf(&sb, "}%s\n", (seed >> 16) % 11 ? "" : " ");
        }
        total += check_text(vg_sb_str(&sb), sb.len);
        vg_sb_free(&sb);
    }
    assert_true(total > 1000);
}

/* A large file: batches fill in the middle of bodies, the thread runs far
 * ahead; still the same lexemes. */
static void test_many_batches(void **state)
{
    (void)state;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_printf(&sb, "cluster c {\n");
    for (int v = 0; v < 20000; v++)
        vg_sb_printf(
            &sb, "  # desktop %d\n  vm vdi-%05d {\n    gpu          vgpu L40-12Q\n    guest-driver 19.4\n  }\n", v, v);
    vg_sb_printf(&sb, "}\n");
    assert_true(check_text(vg_sb_str(&sb), sb.len) > 19000);
    vg_sb_free(&sb);
}

/* Parsed as `lint` parses (vg_parse_stream), each top-level block's memory
 * is released once it is complete, and reused for the next: a body kept for
 * repeating must not outlive its top-level block. Each top-level statement is
 * compared with the `fmt` parse's when it is handed over, then released. */
struct stream_check {
    const struct vg_stmt *want; /* the next top-level statement of the reference */
    int same;
    size_t n;
};

static void check_top(void *arg, struct vg_stmt *st)
{
    struct stream_check *c = arg;
    const struct vg_stmt *next = st->next;
    st->next = NULL; /* this statement alone */
    struct vg_stmt want = *c->want;
    want.next = NULL;
    c->same &= vg_oracle_same_tree(&want, st);
    st->next = (struct vg_stmt *)next;
    c->want = c->want->next;
    c->n++;
    if (st->own) {
        vg_arena_free(st->own);
        st->own = NULL;
        st->body = NULL;
    }
}

static void test_top_level_blocks_released(void **state)
{
    (void)state;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (int c = 0; c < 40; c++) {
        vg_sb_printf(&sb, "cluster c%d {\n  platform x\n", c);
        for (int v = 0; v < 30; v++)
            vg_sb_printf(&sb, "  vm v%d-%d {\n    gpu vgpu L40-%dQ\n    os linux\n  }\n", c, v, c / 8 + 1);
        vg_sb_printf(&sb, "}\n");
    }
    for (int threads = 0; threads <= 1; threads++) {
        struct vg_ctx ca, cb;
        vg_ctx_init(&ca);
        vg_ctx_init(&cb);
        vg_threads_set(threads);
        struct vg_file_ast *a =
            vg_parse(&ca, vg_source_add(&ca, "t.vgpu", vg_sb_str(&sb), sb.len, vg_span_make(0, 0, 0)));
        struct stream_check c = {a->first, 1, 0};
        vg_parse_stream(&cb, vg_source_add(&cb, "t.vgpu", vg_sb_str(&sb), sb.len, vg_span_make(0, 0, 0)), check_top,
                        &c);
        vg_threads_set(-1);
        assert_int_equal(c.n, 40);
        assert_true(c.same);
        vg_ctx_free(&ca);
        vg_ctx_free(&cb);
    }
    vg_sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alike_bodies_are_repeated), cmocka_unit_test(test_what_a_repeated_body_holds),
        cmocka_unit_test(test_what_follows_a_body),       cmocka_unit_test(test_bodies_not_repeated),
        cmocka_unit_test(test_generated_files),           cmocka_unit_test(test_many_batches),
        cmocka_unit_test(test_top_level_blocks_released),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
