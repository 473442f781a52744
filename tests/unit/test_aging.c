/*
 * test_aging.c - versions newer than the catalog: which are taken as the newest
 * entry of their branch or track, and which stay unknown; the catalog's age.
 */
#include "unit.h"

#include "catalog/aging.h"
#include "catalog/catalog.h"
#include "core/ctx.h"

static void test_releases(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(c);
    const struct vg_release *top = NULL, *r;

    r = vg_aging_release(c, ctx.arena, "19.7", VG_DRV_HOST_ESXI, &top); /* newer release of a known branch */
    assert_non_null(r);
    assert_string_equal(r->name, "19.7");
    assert_int_equal(r->num, VG_RELNUM(19, 7));
    assert_string_equal(r->branch, "R580");
    assert_int_equal(r->lts, 1);
    assert_false(r->verified);
    assert_null(r->driver[VG_DRV_HOST_ESXI]);
    assert_string_equal(top->name, "19.6");

    assert_null(vg_aging_release(c, ctx.arena, "19.6", VG_DRV_HOST_ESXI, &top));  /* known: not aging */
    assert_null(vg_aging_release(c, ctx.arena, "22.0", VG_DRV_HOST_ESXI, &top));  /* unknown branch */
    assert_null(vg_aging_release(c, ctx.arena, "19.07", VG_DRV_HOST_ESXI, &top)); /* malformed */

    /* drivers: the branch prefix must name one branch, and the driver be newer than all of it */
    r = vg_aging_release(c, ctx.arena, "582.99", VG_DRV_GUEST_WINDOWS, &top); /* looks like a release */
    assert_non_null(r);
    assert_string_equal(r->name, "19.x");
    assert_int_equal(r->major, 19);
    assert_true(r->num > VG_RELNUM(19, 6));
    assert_non_null(vg_aging_release(c, ctx.arena, "580.200.01", VG_DRV_GUEST_LINUX, &top));
    assert_null(vg_aging_release(c, ctx.arena, "580.100.01", VG_DRV_GUEST_LINUX, &top)); /* older: a typo */
    assert_null(vg_aging_release(c, ctx.arena, "580.200.01", VG_DRV_GUEST_WINDOWS, &top)); /* older than 582.78, the newest vGPU 19 Windows guest */
    assert_null(vg_aging_release(c, ctx.arena, "999.1.1", VG_DRV_HOST_ESXI, &top));    /* unknown prefix */
    assert_null(vg_aging_release(c, ctx.arena, "580.200.01x", VG_DRV_HOST_ESXI, &top)); /* not a driver */
    vg_ctx_free(&ctx);
}

static void test_platforms(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    const struct vg_platform *top = NULL, *p;

    p = vg_aging_platform(c, ctx.arena, "azure-local", "12.2612", &top);
    assert_non_null(p);
    assert_string_equal(p->version, "12.2612");
    assert_string_equal(top->version, "12.2609");
    assert_false(p->verified);
    assert_int_equal(p->lm_vgpu, top->lm_vgpu);
    p = vg_aging_platform(c, ctx.arena, "azure-local", "11.2511", &top); /* the 11.x track too */
    assert_non_null(p);
    assert_string_equal(top->version, "11.2510");
    assert_non_null(vg_aging_platform(c, ctx.arena, "esxi", "9.0u1", &top));
    assert_string_equal(top->version, "9.0");

    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "12.2500", &top));  /* older */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "12.2609", &top));  /* known */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "13.2701", &top));  /* unknown track */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "12.26120", &top)); /* longer digit run */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "12.2612-x", &top)); /* other shape */
    assert_null(vg_aging_platform(c, ctx.arena, "windows-server", "2028", &top));  /* no track */
    assert_null(vg_aging_platform(c, ctx.arena, "no-such", "1.2", &top));
    vg_ctx_free(&ctx);
}

static void test_age(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    const struct vg_release *r = NULL;
    assert_int_equal(vg_aging_newest_date(c, &r), 202609);
    assert_non_null(r);
    assert_int_equal(vg_aging_months(202609, 20261206), 3);
    assert_int_equal(vg_aging_months(202609, 20270301), 6);
    assert_int_equal(vg_aging_months(202611, 20261130), 0);
    vg_ctx_free(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_releases),
        cmocka_unit_test(test_platforms),
        cmocka_unit_test(test_age),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
