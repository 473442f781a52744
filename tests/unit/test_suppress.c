/*
 * test_suppress.c - inline suppressions: every form, reasons, codes and
 * slugs, unknown codes (VG9002), unused suppressions (VG9001), disable/enable
 * ranges, the position rule of disable-file, malformed comments and
 * --no-inline-suppressions.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/ctx.h"
#include "core/suppress.h"

static int setup(void **state)
{
    struct vg_ctx *ctx = calloc(1, sizeof *ctx);
    vg_ctx_init(ctx);
    *state = ctx;
    return 0;
}

static int teardown(void **state)
{
    vg_ctx_free(*state);
    free(*state);
    return 0;
}

static uint32_t add(struct vg_ctx *ctx, const char *path, const char *text)
{
    return vg_source_add(ctx, path, text, strlen(text), vg_span_make(0, 0, 0));
}

/* Hand every `#` comment of the file to the suppression collector, as the parser does. */
static void comments(struct vg_ctx *ctx, uint32_t id, uint32_t first_statement)
{
    const struct vg_source *s = vg_source_get(ctx, id);
    for (const char *p = strchr(s->text, '#'); p; p = strchr(p + 1, '#')) {
        const char *e = strchr(p, '\n');
        uint32_t start = (uint32_t)(p - s->text), end = (uint32_t)(e - s->text);
        vg_suppress_comment(ctx, vg_span_make(id, start, end), p + 1, (size_t)(e - p - 1), start < first_statement);
    }
}

/* Span of line `line` (1-based) of file `id`, from its first non-blank. */
static struct vg_span line_span(struct vg_ctx *ctx, uint32_t id, uint32_t line)
{
    const struct vg_source *s = vg_source_get(ctx, id);
    uint32_t a = s->line_starts[line - 1];
    while (s->text[a] == ' ')
        a++;
    return vg_span_make(id, a, a + 1);
}

static const struct vg_diag *find_code(const struct vg_ctx *ctx, enum vg_code code, int nth)
{
    for (size_t i = 0; i < ctx->diags.n; i++)
        if (ctx->diags.v[i]->code == code && nth-- == 0)
            return ctx->diags.v[i];
    return NULL;
}

static void test_next_line_reason_and_counts(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = add(ctx, "a.vgpu",
                     "cluster c {\n"
                     "    # vgpuc: disable-next-line=VG5001,guest-driver-previous-branch -- pilot host, until 2026-12\n"
                     "    vm a { }\n"
                     "    vm b { }\n"
                     "}\n");
    comments(ctx, f, 0);
    vg_diag_emit(ctx, VG5001, line_span(ctx, f, 3), "suppressed error");
    vg_diag_emit(ctx, VG3003, line_span(ctx, f, 3), "suppressed warning (by slug)");
    vg_diag_emit(ctx, VG5001, line_span(ctx, f, 4), "next line only");
    vg_diags_finish(ctx);
    assert_int_equal(ctx->diags.n, 3);
    const struct vg_diag *d = find_code(ctx, VG5001, 0);
    assert_true(d->suppressed);
    assert_string_equal(d->suppress_reason, "pilot host, until 2026-12");
    assert_true(find_code(ctx, VG3003, 0)->suppressed);
    assert_false(find_code(ctx, VG5001, 1)->suppressed);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_ERROR], 1);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_WARNING], 0);
    assert_int_equal(ctx->diags.suppressed, 2);
    assert_int_equal(vg_diags_max_level(ctx), VG_LEVEL_ERROR);
}

static void test_unused_and_unknown(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = add(ctx, "b.vgpu",
                     "# vgpuc: disable-next-line=gpu-capacity-exeeded, VG3003\n"
                     "vm a { }\n");
    comments(ctx, f, 0);
    vg_diags_finish(ctx);
    assert_int_equal(ctx->diags.n, 2);
    const struct vg_diag *unknown = find_code(ctx, VG9002, 0);
    assert_non_null(unknown);
    assert_string_equal(unknown->message, "unknown code `gpu-capacity-exeeded` in suppression");
    /* at the code itself */
    assert_int_equal(unknown->span.start, 27);
    assert_int_equal(unknown->span.end, 47);
    assert_int_equal(unknown->nhelps, 1);
    assert_string_equal(unknown->helps[0], "did you mean `gpu-capacity-exceeded`?");
    const struct vg_diag *unused = find_code(ctx, VG9001, 0);
    assert_non_null(unused);
    assert_string_equal(unused->message, "`disable-next-line=VG3003` suppressed nothing");
    assert_int_equal(unused->span.start, 49);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_WARNING], 2);
}

static void test_disable_enable_ranges(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = add(ctx, "c.vgpu",
                     "vm a { }\n"                      /* 1 */
                     "# vgpuc: disable=VG3003\n"       /* 2 */
                     "vm b { }\n"                      /* 3 */
                     "vm c { }\n"                      /* 4 */
                     "# vgpuc: enable=VG3003\n"        /* 5 */
                     "vm d { }\n"                      /* 6 */
                     "# vgpuc: disable=VG3003 -- r2\n" /* 7 */
                     "vm e { }\n"                      /* 8 */
                     "# vgpuc: enable=VG3001\n");      /* 9: nothing to enable */
    comments(ctx, f, 0);
    for (uint32_t line = 1; line <= 8; line++)
        if (line != 2 && line != 5 && line != 7)
            vg_diag_emit(ctx, VG3003, line_span(ctx, f, line), "line %u", line);
    vg_diags_finish(ctx);
    static const int want[] = {0, 1, 1, 0, 1}; /* lines 1, 3, 4, 6, 8 */
    for (int i = 0; i < 5; i++)
        assert_int_equal(find_code(ctx, VG3003, i)->suppressed, want[i]);
    assert_string_equal(find_code(ctx, VG3003, 4)->suppress_reason, "r2");
    assert_null(find_code(ctx, VG3003, 1)->suppress_reason);
    const struct vg_diag *stray = find_code(ctx, VG9001, 0);
    assert_non_null(stray);
    assert_string_equal(stray->message, "`enable=VG3001` without a `disable=VG3001` before it");
    assert_null(find_code(ctx, VG9001, 1));
}

static void test_disable_file_position(void **state)
{
    struct vg_ctx *ctx = *state;
    const char *text = "# vgpuc: disable-file=VG3007 -- old branch, replaced in Q3\n"
                       "vm a { }\n"
                       "# vgpuc: disable-file=VG3003\n"
                       "vm b { }\n";
    uint32_t f = add(ctx, "d.vgpu", text);
    uint32_t g = add(ctx, "e.vgpu", "vm z { }\n");
    comments(ctx, f, (uint32_t)(strstr(text, "vm a") - text));
    vg_diag_emit(ctx, VG3007, line_span(ctx, f, 2), "a");
    vg_diag_emit(ctx, VG3007, line_span(ctx, f, 4), "b");
    vg_diag_emit(ctx, VG3003, line_span(ctx, f, 4), "late disable-file has no effect");
    vg_diag_emit(ctx, VG3007, line_span(ctx, g, 1), "other file");
    vg_diags_finish(ctx);
    assert_true(find_code(ctx, VG3007, 0)->suppressed);
    assert_true(find_code(ctx, VG3007, 1)->suppressed);
    assert_string_equal(find_code(ctx, VG3007, 1)->suppress_reason, "old branch, replaced in Q3");
    assert_false(find_code(ctx, VG3007, 2)->suppressed);
    assert_false(find_code(ctx, VG3003, 0)->suppressed);
    const struct vg_diag *late = find_code(ctx, VG9001, 0);
    assert_non_null(late);
    assert_string_equal(late->message, "`disable-file=VG3003` after the first statement has no effect");
}

static void test_malformed(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = add(ctx, "m.vgpu",
                     "# vgpuc: disabel=VG3003\n"
                     "# vgpuc: disable VG3003\n"
                     "# vgpuc: disable= -- no code\n"
                     "# vgpuc: disable=VG3003;VG3001\n"
                     "# an ordinary comment\n");
    comments(ctx, f, 0);
    vg_diags_finish(ctx);
    const struct vg_diag *d = find_code(ctx, VG9002, 0);
    assert_string_equal(d->message, "unknown suppression `disabel`");
    assert_string_equal(d->helps[0], "did you mean `disable`?");
    assert_non_null(strstr(d->helps[1], "# vgpuc: disable-next-line=CODE"));
    assert_string_equal(find_code(ctx, VG9002, 1)->message, "expected `=` and a code after `disable`");
    assert_string_equal(find_code(ctx, VG9002, 2)->message, "suppression `disable` names no code");
    assert_string_equal(find_code(ctx, VG9002, 3)->message, "unexpected `;` in suppression");
    assert_null(find_code(ctx, VG9002, 4));
}

static void test_no_inline_suppressions(void **state)
{
    struct vg_ctx *ctx = *state;
    ctx->opt.no_inline_suppressions = 1;
    uint32_t f = add(ctx, "n.vgpu",
                     "# vgpuc: disable-next-line=VG5001\n"
                     "vm a { }\n"
                     "# vgpuc: disable-next-line=VG9999\n"
                     "# vgpuc: bogus\n");
    comments(ctx, f, 0);
    vg_diag_emit(ctx, VG5001, line_span(ctx, f, 2), "kept");
    vg_diags_finish(ctx);
    assert_int_equal(ctx->diags.n, 1);
    assert_false(ctx->diags.v[0]->suppressed);
    assert_int_equal(ctx->diags.suppressed, 0);
}

/* Many suppressions and diagnostics: indexed, so this stays fast. */
static void test_many(void **state)
{
    struct vg_ctx *ctx = *state;
    enum { N = 20000 };
    char *text = malloc((size_t)N * 48);
    size_t len = 0;
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(text + len, "# vgpuc: disable-next-line=VG5001\nvm v%d { }\n", i);
    uint32_t f = vg_source_add(ctx, "many.vgpu", text, len, vg_span_make(0, 0, 0));
    free(text);
    comments(ctx, f, 0);
    ctx->opt.error_limit = 0;
    for (uint32_t i = 0; i < N; i++)
        vg_diag_emit(ctx, VG5001, line_span(ctx, f, 2 * i + 2), "v%u", i);
    vg_diags_finish(ctx);
    assert_int_equal(ctx->diags.suppressed, N);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_ERROR], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_next_line_reason_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unused_and_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_enable_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_file_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_inline_suppressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
