/*
 * test_aging.c - versions newer than the catalog: which are taken as the newest
 * entry of their branch or track, and which stay unknown; the catalog's age.
 *
 * The newest entries are found in the catalog here, not written down, and the
 * versions "newer than the catalog" are far ahead (19.99, 12.9912): a release
 * or platform version added to the catalog changes nothing in this file.
 */
#include "unit.h"

#include "catalog/aging.h"
#include "catalog/catalog.h"
#include "core/ctx.h"

#include <stdio.h>
#include <stdlib.h>

/* The release of `major` with the highest number. */
static const struct vg_release *newest_release(const struct vg_catalog *c, unsigned major)
{
    const struct vg_release *top = NULL;
    for (size_t i = 0; i < c->nreleases; i++)
        if (c->releases[i]->major == major && (!top || c->releases[i]->num > top->num))
            top = c->releases[i];
    assert_non_null(top);
    return top;
}

/* The platform of `family` whose version starts with `track` and whose order is highest. */
static const struct vg_platform *newest_platform(const struct vg_catalog *c, const char *family, const char *track)
{
    const struct vg_platform *top = NULL;
    for (size_t i = 0; i < c->nplatforms; i++) {
        const struct vg_platform *p = c->platforms[i];
        if (strcmp(p->family, family) == 0 && strncmp(p->version, track, strlen(track)) == 0 &&
            (!top || p->order > top->order))
            top = p;
    }
    assert_non_null(top);
    return top;
}

static void test_releases(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(c);
    const struct vg_release *top = NULL, *r;

    const struct vg_release *top19 = newest_release(c, 19);
    r = vg_aging_release(c, ctx.arena, "19.99", VG_DRV_HOST_ESXI, &top); /* newer release of a known branch */
    assert_non_null(r);
    assert_string_equal(r->name, "19.99");
    assert_int_equal(r->num, VG_RELNUM(19, 99));
    assert_string_equal(r->branch, top19->branch);
    assert_int_equal(r->lts, top19->lts);
    assert_false(r->verified);
    assert_null(r->driver[VG_DRV_HOST_ESXI]);
    assert_ptr_equal(top, top19);

    assert_null(vg_aging_release(c, ctx.arena, top19->name, VG_DRV_HOST_ESXI, &top)); /* known: not aging */
    assert_null(vg_aging_release(c, ctx.arena, "99.0", VG_DRV_HOST_ESXI, &top));      /* unknown branch */
    assert_null(vg_aging_release(c, ctx.arena, "19.07", VG_DRV_HOST_ESXI, &top));     /* malformed */

    /* drivers: the branch prefix must name one branch, and the driver be newer than all of it */
    r = vg_aging_release(c, ctx.arena, "582.99", VG_DRV_GUEST_WINDOWS, &top); /* looks like a release */
    assert_non_null(r);
    assert_string_equal(r->name, "19.x");
    assert_int_equal(r->major, 19);
    assert_true(r->num > top19->num);
    assert_non_null(vg_aging_release(c, ctx.arena, "580.200.01", VG_DRV_GUEST_LINUX, &top));
    assert_null(vg_aging_release(c, ctx.arena, "580.100.01", VG_DRV_GUEST_LINUX, &top)); /* older: a typo */
    assert_null(vg_aging_release(c, ctx.arena, "580.200.01", VG_DRV_GUEST_WINDOWS,
                                 &top)); /* older than 582.78, the newest vGPU 19 Windows guest */
    assert_null(vg_aging_release(c, ctx.arena, "999.1.1", VG_DRV_HOST_ESXI, &top));     /* unknown prefix */
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

    const struct vg_platform *top12 = newest_platform(c, "azure-local", "12.");
    p = vg_aging_platform(c, ctx.arena, "azure-local", "12.9912", &top);
    assert_non_null(p);
    assert_string_equal(p->version, "12.9912");
    assert_ptr_equal(top, top12);
    assert_false(p->verified);
    assert_int_equal(p->lm_vgpu, top->lm_vgpu);
    p = vg_aging_platform(c, ctx.arena, "azure-local", "11.9912", &top); /* the 11.x track too */
    assert_non_null(p);
    assert_ptr_equal(top, newest_platform(c, "azure-local", "11."));
    assert_non_null(vg_aging_platform(c, ctx.arena, "esxi", "9.9u9", &top));
    assert_ptr_equal(top, newest_platform(c, "esxi", "9."));

    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "12.2500", &top));      /* older */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", top12->version, &top)); /* known */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "99.2701", &top));      /* unknown track */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "12.26120", &top));     /* longer digit run */
    assert_null(vg_aging_platform(c, ctx.arena, "azure-local", "12.2612-x", &top));    /* other shape */
    assert_null(vg_aging_platform(c, ctx.arena, "windows-server", "2028", &top));      /* no track */
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
    /* the newest date of any release, and that release */
    uint32_t newest = 0;
    for (size_t i = 0; i < c->nreleases; i++)
        if (c->releases[i]->date) {
            uint32_t ym = (uint32_t)atoi(c->releases[i]->date) * 100u + (uint32_t)atoi(c->releases[i]->date + 5);
            newest = ym > newest ? ym : newest;
        }
    assert_true(newest >= 202609); /* the catalog's dates are read at all */
    assert_int_equal(vg_aging_newest_date(c, &r), newest);
    assert_non_null(r);
    assert_non_null(r->date);
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
