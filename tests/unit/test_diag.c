/*
 * test_diag.c - the diagnostic queue: levels and --rule overrides, the error
 * limit and its dropped count, merging of one range's repeats, ordering.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/ctx.h"

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

static uint32_t file(struct vg_ctx *ctx, const char *path)
{
    static const char text[] = "line one\nline two\nline three\n";
    return vg_source_add(ctx, path, text, sizeof text - 1, vg_span_make(0, 0, 0));
}

static void test_levels_and_overrides(void **state)
{
    struct vg_ctx *ctx = *state;
    struct vg_span none = vg_span_make(0, 0, 0);
    ctx->opt.rule_level[VG3003] = VG_LEVEL_OFF;
    ctx->opt.rule_level[VG5006] = VG_LEVEL_ERROR;
    assert_null(vg_diag_emit(ctx, VG3003, none, "off"));
    struct vg_diag *d = vg_diag_emit(ctx, VG5006, none, "raised to error");
    assert_non_null(d);
    assert_int_equal(d->level, VG_LEVEL_ERROR);
    d = vg_diag_emit(ctx, VG3004, none, "default warning %d", 7);
    assert_int_equal(d->level, VG_LEVEL_WARNING);
    assert_string_equal(d->message, "default warning 7");
    assert_int_equal(ctx->diags.n, 2);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_ERROR], 1);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_WARNING], 1);
    assert_int_equal(vg_diags_max_level(ctx), VG_LEVEL_ERROR);
    /* NULL is accepted everywhere */
    vg_diag_label(ctx, NULL, "x");
    vg_diag_note(ctx, NULL, "x");
    vg_diag_help(ctx, NULL, "x");
    vg_diag_span(ctx, NULL, none, "x");
    vg_diag_subject(NULL, "x");
}

static void test_max_level_info(void **state)
{
    struct vg_ctx *ctx = *state;
    assert_int_equal(vg_diags_max_level(ctx), VG_LEVEL_OFF);
    vg_diag_emit(ctx, VG5006, vg_span_make(0, 0, 0), "info");
    assert_int_equal(vg_diags_max_level(ctx), VG_LEVEL_INFO);
}

static void test_error_limit(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = file(ctx, "a.vgpu");
    ctx->opt.error_limit = 3;
    for (uint32_t i = 0; i < 5; i++)
        vg_diag_emit(ctx, VG1003, vg_span_make(f, i, i + 1), "error %u", i);
    assert_true(vg_diag_error_limit_reached(ctx));
    assert_non_null(vg_diag_emit(ctx, VG3003, vg_span_make(f, 0, 1), "warnings still queued"));
    vg_diags_finish(ctx);
    assert_int_equal(vg_diag_error_count(ctx), 3);
    assert_int_equal(ctx->diags.dropped_errors, 2);
    assert_int_equal(ctx->diags.n, 4);
}

static void test_no_limit(void **state)
{
    struct vg_ctx *ctx = *state;
    ctx->opt.error_limit = 0;
    for (int i = 0; i < 200; i++)
        vg_diag_emit(ctx, VG1003, vg_span_make(0, 0, 0), "error %d", i);
    assert_false(vg_diag_error_limit_reached(ctx));
    assert_int_equal(vg_diag_error_count(ctx), 200);
}

/* 100 VMs of one range failing the same way become one diagnostic. */
static void test_merge_range(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = file(ctx, "r.vgpu");
    ctx->opt.error_limit = 5; /* repeats at one span do not use up the limit */
    struct vg_span at = vg_span_make(f, 9, 13);
    for (int i = 1; i <= 100; i++) {
        char *name = vg_sprintf(ctx->arena, "vdi-%03d", i);
        struct vg_diag *d = vg_diag_emit(ctx, VG5001, at, "no GPU left for `%s` on `h1`", name);
        vg_diag_subject(d, name);
        vg_diag_help(ctx, d, "add a host");
    }
    /* same span, different text: not merged */
    struct vg_diag *other = vg_diag_emit(ctx, VG5001, at, "no GPU left for `x` on `h2`");
    vg_diag_subject(other, "x");
    /* no subject: never merged */
    vg_diag_emit(ctx, VG5001, at, "plain");
    vg_diag_emit(ctx, VG5001, at, "plain");
    assert_int_equal(vg_diag_error_count(ctx), 103);
    vg_diags_finish(ctx);
    assert_int_equal(ctx->diags.n, 4);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_ERROR], 4);
    assert_int_equal(ctx->diags.dropped_errors, 0);
    const struct vg_diag *m = ctx->diags.v[0];
    assert_int_equal(m->merged, 99);
    assert_int_equal(m->nmerged_names, 10);
    assert_string_equal(m->merged_names[0], "vdi-002");
    assert_string_equal(m->merged_names[9], "vdi-011");
    assert_string_equal(m->message,
                        "no GPU left for `vdi-001` (and 99 more from this range: `vdi-002`, `vdi-003`, "
                        "`vdi-004`, \xE2\x80\xA6) on `h1`");
    assert_int_equal(m->nhelps, 1);
    assert_int_equal(ctx->diags.v[1]->merged, 0);
    assert_string_equal(ctx->diags.v[1]->message, "no GPU left for `x` on `h2`");
}

static void test_merge_is_linear(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = file(ctx, "big.vgpu");
    struct vg_span at = vg_span_make(f, 0, 4);
    for (int i = 0; i < 100000; i++) {
        char *name = vg_sprintf(ctx->arena, "vm-%06d", i);
        struct vg_diag *d = vg_diag_emit(ctx, VG3001, at, "driver too new for `%s`", name);
        vg_diag_subject(d, name);
    }
    vg_diags_finish(ctx);
    assert_int_equal(ctx->diags.n, 1);
    assert_int_equal(ctx->diags.v[0]->merged, 99999);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_ERROR], 1);
}

/* Repeats let through at one span but not merged are cut to the limit. */
static void test_limit_after_merge(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t f = file(ctx, "l.vgpu");
    ctx->opt.error_limit = 2;
    struct vg_span at = vg_span_make(f, 0, 4);
    for (int i = 0; i < 5; i++)
        vg_diag_emit(ctx, VG1003, at, "distinct message %d", i);
    vg_diags_finish(ctx);
    assert_int_equal(ctx->diags.n, 2);
    assert_int_equal(ctx->diags.counts[VG_LEVEL_ERROR], 2);
    assert_int_equal(ctx->diags.dropped_errors, 3);
    assert_string_equal(ctx->diags.v[1]->message, "distinct message 1");
}

static void test_ordering(void **state)
{
    struct vg_ctx *ctx = *state;
    uint32_t a = file(ctx, "a.vgpu"), b = file(ctx, "b.vgpu");
    vg_diag_emit(ctx, VG3001, vg_span_make(b, 0, 1), "b0");
    vg_diag_emit(ctx, VG3001, vg_span_make(a, 5, 6), "a5 second");
    vg_diag_emit(ctx, VG1003, vg_span_make(a, 5, 6), "a5 code first");
    vg_diag_emit(ctx, VG3001, vg_span_make(a, 5, 6), "a5 third");
    vg_diag_emit(ctx, VG3001, vg_span_make(a, 1, 2), "a1");
    vg_diag_emit(ctx, VG9003, vg_span_make(0, 0, 0), "no location");
    vg_diags_finish(ctx);
    vg_diags_finish(ctx); /* idempotent */
    static const char *const want[] = {"no location", "a1", "a5 code first", "a5 second", "a5 third", "b0"};
    assert_int_equal(ctx->diags.n, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(ctx->diags.v[i]->message, want[i]);
}

static void test_registry(void **state)
{
    (void)state;
    assert_int_equal(vg_code_lookup("vg3001"), VG3001);
    assert_int_equal(vg_code_lookup("unused-suppression"), VG9001);
    assert_int_equal(vg_code_lookup("VG0000"), -1);
    for (int c = 0; c < VG_CODE_COUNT; c++) {
        const struct vg_code_info *ci = vg_code_info((enum vg_code)c);
        /* every code documents what, why, example, fix and source */
        assert_true(strlen(ci->explain) > 200);
        assert_non_null(strstr(ci->explain, "Example"));
        assert_non_null(strstr(ci->explain, "Fix"));
        assert_non_null(strstr(ci->explain, "Source"));
    }
    assert_int_equal(vg_code_info(VG9001)->implemented, 1);
    assert_int_equal(vg_code_info(VG9002)->implemented, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_levels_and_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_level_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_is_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_after_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ordering, setup, teardown),
        cmocka_unit_test(test_registry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
