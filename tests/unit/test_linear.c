/*
 * test_linear.c - no quadratic step (issue 7): the whole pipeline (parse,
 * schema, model, placement with failover, rules, diagnostics, human report)
 * runs over a synthetic estate of n and of 4n VMs, and the work it counts -
 * hash probes (vg_hash_probes), placement probes (vg_plan_probes), arena bytes
 * and diagnostics - may grow at most about 4x (5x allowed for hash tables
 * doubling at different points). Not timed: the counters are exact, so the
 * test is as stable as the code. Two shapes are scaled: more clusters of one
 * size, and one cluster with more hosts and VMs (a step quadratic in the VMs
 * of a cluster shows only there).
 */
#include "unit.h"

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"
#include "plan/plan.h"
#include "report/render.h"
#include "rules/rules.h"
#include "base/strbuf.h"
#include "base/vg_threads.h"

struct work {
    unsigned long long hash, plan, bytes, diags;
    size_t vms;
};

/*
 * `clusters` clusters of `hosts` two-GPU hosts (one range) and `vms` VMs each,
 * every VM a block of its own with a comment, like tools/gen-cluster writes.
 * L40-12Q: four per L40, eight per host; the estate is half full, so failover
 * of one host always fits.
 */
static char *estate(size_t clusters, size_t hosts, size_t vms)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_puts(&sb, "license-server dls {\n    kind dls\n    version 3.4.1\n    editions vws vpc\n}\n");
    for (size_t c = 0; c < clusters; c++) {
        vg_sb_printf(&sb,
                     "\ncluster c%zu {\n    platform esxi 8.0u2\n    vgpu-manager 19.5\n"
                     "    license-server dls\n    tolerate-host-failures 1\n\n"
                     "    host h%zu-[1..%zu] {\n        gpu L40 x 2\n    }\n",
                     c, c, hosts);
        for (size_t v = 0; v < vms; v++)
            vg_sb_printf(&sb,
                         "\n    vm vdi-%zu-%zu {  # desktop %zu\n        gpu vgpu L40-12Q\n"
                         "        guest-driver 19.4\n        os windows\n        migration live\n    }\n",
                         c, v, v);
        vg_sb_puts(&sb, "}\n");
    }
    char *text = vg_xstrdup(vg_sb_str(&sb));
    vg_sb_free(&sb);
    return text;
}

static struct work run(size_t clusters, size_t hosts, size_t vms)
{
    char *text = estate(clusters, hosts, vms);
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.opt.error_limit = 0;
    ctx.opt.rule_level[VG6010] = VG_LEVEL_OFF; /* 400 hosts is more than vSphere allows in a cluster */
    ctx.catalog = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(ctx.catalog);
    unsigned long long h0 = vg_hash_probes, p0 = vg_plan_probes;
    size_t b0 = vg_arena_used(ctx.arena);

    uint32_t id = vg_source_add(&ctx, "estate.vgpu", text, strlen(text), vg_span_make(0, 0, 0));
    struct vg_strbuf out;
    vg_sb_init(&out);
    static const enum vg_format human[] = {VG_FMT_HUMAN};
    struct vg_model *m = lint_report(&ctx, id, human, 1, &out);

    struct work w = {vg_hash_probes - h0, vg_plan_probes - p0, vg_arena_used(ctx.arena) - b0, ctx.diags.n, 0};
    for (size_t i = 0; i < m->nclusters; i++)
        w.vms += m->clusters[i]->nvms;
    assert_int_equal(vg_diag_error_count(&ctx), 0); /* the estate is valid: all of it is checked */
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
    free(text);
    return w;
}

/* big <= 5 * small: at most about linear for 4x the input */
static void assert_linear(const char *what, unsigned long long small, unsigned long long big)
{
    if (big > 5 * small + 16) {
        fprintf(stderr, "%s: %llu for n, %llu for 4n\n", what, small, big);
        fail_msg("%s grows faster than linearly", what);
    }
}

static void check(struct work a, struct work b)
{
    assert_int_equal(b.vms, 4 * a.vms); /* the model holds every VM */
    assert_true(a.hash > 0 && a.plan > 0);
    assert_linear("hash probes", a.hash, b.hash);
    assert_linear("placement probes", a.plan, b.plan);
    assert_linear("arena bytes", a.bytes, b.bytes);
    assert_linear("diagnostics", a.diags, b.diags);
}

static void test_more_clusters_cost_linearly(void **state)
{
    (void)state;
    check(run(10, 16, 60), run(40, 16, 60));
}

static void test_bigger_cluster_costs_linearly(void **state)
{
    (void)state;
    check(run(1, 100, 400), run(1, 400, 1600));
}

/* The counter really sees a quadratic step: n lookups into a table of n
 * colliding keys cost n^2 probes, which the bound above rejects. */
static void test_counter_detects_quadratic_work(void **state)
{
    (void)state;
    unsigned long long cost[2];
    for (int k = 0; k < 2; k++) {
        size_t n = k ? 800 : 200;
        struct vg_arena *a = vg_arena_new();
        struct vg_hash h;
        vg_hash_init(&h, a);
        unsigned long long p0 = vg_hash_probes;
        char buf[32];
        for (size_t i = 0; i < n; i++) {
            snprintf(buf, sizeof buf, "k%zu", i);
            vg_hash_put(&h, vg_strdup(a, buf), a);
        }
        /* a linear scan over all keys per lookup, as a quadratic step would do */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                snprintf(buf, sizeof buf, "k%zu", j);
                assert_non_null(vg_hash_get(&h, buf));
            }
        cost[k] = vg_hash_probes - p0;
        vg_arena_free(a);
    }
    assert_true(cost[1] > 5 * cost[0] + 16);
}

int main(void)
{
    /* the counters are per thread: count everything on this one */
    vg_threads_set(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_more_clusters_cost_linearly),
        cmocka_unit_test(test_bigger_cluster_costs_linearly),
        cmocka_unit_test(test_counter_detects_quadratic_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
