/*
 * test_threads.c - vgpuc's second thread changes nothing: the scanner running
 * ahead of the parser (scan.c), the clusters planned two at a time (plan.c)
 * and the rule families run in two groups (rules.c) give the same result as
 * one thread.
 *
 * Every example and golden case is compiled both ways (model, plan, rules,
 * human and JSON report, with the default error limit and with 1 and 2) and
 * the reports must be byte-identical; then inputs
 * large enough to wrap the lexeme ring many times: a valid estate, the same
 * with comments and blank lines kept (the `fmt` parse), and one full of
 * errors that stops at the error limit while the scanner is still far ahead
 * (the queue must stop it, not hang); and the plan of a many-cluster estate.
 * Last, the switch for one thread (VGPUC_THREADS=1, read by the command line)
 * starts none on an input that would have them.
 * `make check-tsan` runs this file under ThreadSanitizer.
 */
#include "unit.h"

#include "fixture.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "core/diag.h"
#include "driver/cli.h"
#include "model/model.h"
#include "syntax/parse.h"
#include "plan/plan.h"
#include "report/render.h"
#include "rules/rules.h"
#include "base/vg_threads.h"
#include "base/strbuf.h"

/* Threads the last lint() started. */
static unsigned long last_started;

/* Lint a file (text NULL) or a text as `vgpuc lint` does, with the second
 * thread or without (threads -1: as the mode already set decides);
 * error_limit 0 keeps the default. The reports in `formats`, joined. */
static char *lint(const char *path, const char *text, int threads, unsigned error_limit, const enum vg_format *formats,
                  size_t nformats)
{
    if (threads >= 0)
        vg_threads_set(threads);
    unsigned long before = vg_threads_started();
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    if (error_limit)
        ctx.opt.error_limit = error_limit;
    ctx.catalog = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(ctx.catalog);
    uint32_t id = text ? vg_source_add(&ctx, path, text, strlen(text), vg_span_make(0, 0, 0))
                       : vg_source_load(&ctx, path, NULL, vg_span_make(0, 0, 0));
    struct vg_strbuf out;
    vg_sb_init(&out);
    lint_report(&ctx, id, formats, nformats, &out);
    char *s = vg_xstrdup(vg_sb_str(&out));
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
    vg_threads_set(-1);
    last_started = vg_threads_started() - before;
    if (threads < 0)
        return s;
    /* the threaded run really ran on two threads (at least the scanner's), the other on one */
    if (threads ? vg_threads_started() == before : vg_threads_started() != before)
        fail_msg("%s: %lu threads started, with the second thread %s", path, vg_threads_started() - before,
                 threads ? "on" : "off");
    return s;
}

static const enum vg_format human_json[] = {VG_FMT_HUMAN, VG_FMT_JSON};

static char *lint_file(const char *path, int threads, unsigned error_limit)
{
    return lint(path, NULL, threads, error_limit, human_json, 2);
}

static size_t same_both_ways(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".vgpu") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        for (unsigned limit = 0; limit <= 2; limit++) { /* the default, then 1 and 2 errors */
            char *a = lint_file(path, 0, limit), *b = lint_file(path, 1, limit);
            if (strcmp(a, b) != 0) {
                fprintf(stderr, "%s (limit %u): the reports differ\n--- two threads:\n%s\n--- one:\n%s\n", path, limit,
                        b, a);
                fail();
            }
            assert_true(strlen(a) > 0);
            free(a);
            free(b);
        }
        n++;
    }
    closedir(d);
    return n;
}

static void test_examples_and_golden_cases_both_ways(void **state)
{
    (void)state;
    assert_true(same_both_ways("examples") >= 7);
    assert_true(same_both_ways("tests/golden/cases") >= 100);
}

/* ~`vms` VM blocks with a comment, a blank line and a string each: about
 * 9 lexemes a line, so 20k VMs wrap the ring (8 batches of 2048) dozens of
 * times. With `broken`, every VM has a stray `=` (a syntax error). */
static char *estate(size_t vms, int broken)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_puts(&sb,
               "# an estate\n\ncluster c {\n    platform esxi 8.0u2\n    vgpu-manager 19.5\n"
               "    host h[001..400] {\n        gpu L40 x 2\n    }\n");
    for (size_t v = 0; v < vms; v++)
        vg_sb_printf(&sb,
                     "\n    vm vdi-%zu {  # desktop %zu\n        gpu vgpu L40-12Q\n%s"
                     "        guest-driver 19.4 ; os \"windows\"\n    }\n",
                     v, v, broken ? "        memory = 8\n" : "");
    vg_sb_puts(&sb, "}\n");
    char *text = vg_xstrdup(sb.data);
    vg_sb_free(&sb);
    return text;
}

struct parsed {
    size_t stmts, comments, blank_lines, diags, errors;
    unsigned long long sum; /* of spans and name lengths: any difference shows */
};

static void walk(const struct vg_stmt *s, struct parsed *p)
{
    for (; s; s = s->next) {
        p->stmts++;
        p->sum += s->span.start * 3ull + s->span.end + strlen(s->name);
        for (size_t i = 0; i < s->nargs; i++)
            p->sum += s->args[i].span.start + s->args[i].len * 7ull + (unsigned)s->args[i].kind;
        walk(s->body, p);
    }
}

static struct parsed parse_big(const char *text, int threads, int keep_trivia, unsigned error_limit)
{
    vg_threads_set(threads);
    unsigned long before = vg_threads_started();
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.opt.error_limit = error_limit;
    uint32_t id = vg_source_add(&ctx, "big.vgpu", text, strlen(text), vg_span_make(0, 0, 0));
    struct vg_file_ast *ast = keep_trivia ? vg_parse(&ctx, id) : vg_parse_code(&ctx, id);
    struct parsed p = {0};
    walk(ast->first, &p);
    p.comments = ast->ncomments;
    for (size_t i = 0; i < ast->ncomments; i++)
        p.sum += ast->comments[i].span.start * 5ull + ast->comments[i].len + (unsigned)ast->comments[i].own_line;
    p.blank_lines = ast->nblank_lines;
    for (size_t i = 0; i < ast->nblank_lines; i++)
        p.sum += ast->blank_lines[i] * 11ull;
    p.diags = ctx.diags.n;
    p.errors = vg_diag_error_count(&ctx);
    vg_ctx_free(&ctx);
    vg_threads_set(-1);
    assert_int_equal(vg_threads_started() - before, threads ? 1 : 0); /* the scanner ran ahead, or did not */
    return p;
}

static void assert_same(struct parsed a, struct parsed b)
{
    assert_int_equal(a.stmts, b.stmts);
    assert_int_equal(a.comments, b.comments);
    assert_int_equal(a.blank_lines, b.blank_lines);
    assert_int_equal(a.diags, b.diags);
    assert_int_equal(a.errors, b.errors);
    assert_true(a.sum == b.sum);
}

static void test_large_file_wraps_the_ring(void **state)
{
    (void)state;
    char *text = estate(20000, 0);
    struct parsed a = parse_big(text, 0, 0, 0), b = parse_big(text, 1, 0, 0);
    assert_same(a, b);
    assert_int_equal(a.stmts, 1 + 4 + 20000 * 4); /* cluster, its four lines, four per VM */
    assert_int_equal(a.errors, 0);
    assert_int_equal(a.comments, 0); /* the compiler's parse keeps no trivia */
    /* with trivia, as `fmt` parses: the comments and blank lines arrive in order */
    a = parse_big(text, 0, 1, 0);
    b = parse_big(text, 1, 1, 0);
    assert_same(a, b);
    assert_int_equal(a.comments, 20001);
    assert_int_equal(a.blank_lines, 20001);
    free(text);
}

static void test_error_limit_stops_a_scanner_far_ahead(void **state)
{
    (void)state;
    char *text = estate(20000, 1);
    for (unsigned limit = 1; limit <= 1000; limit *= 10) {
        struct parsed a = parse_big(text, 0, 0, limit), b = parse_big(text, 1, 0, limit);
        assert_same(a, b);
        assert_int_equal(a.errors, limit);
    }
    struct parsed a = parse_big(text, 0, 0, 0), b = parse_big(text, 1, 0, 0);
    assert_same(a, b);
    assert_int_equal(a.errors, 20000); /* no limit: one per broken statement */
    free(text);
}

/* Lint a text with an error limit; the JSON report. */
static char *lint_text(const char *text, int threads, unsigned error_limit)
{
    return lint("t.vgpu", text, threads, error_limit, human_json + 1, 1);
}

/* text has a compat error (VG3001) and a capacity error (VG5001); with an
 * error limit of 1 the compat error is the one kept, on one thread and on
 * two alike (started: the threads the two-thread run must start; 0: not
 * checked). */
static void keeps_compat_error(const char *text, unsigned long started)
{
    char *all = lint_text(text, 0, 0);
    assert_non_null(strstr(all, "VG3001"));
    assert_non_null(strstr(all, "VG5001"));
    char *one = lint_text(text, 0, 1), *two = lint_text(text, 1, 1);
    if (started)
        assert_int_equal(last_started, started);
    assert_string_equal(one, two);
    assert_non_null(strstr(one, "VG3001"));
    assert_null(strstr(one, "VG5001"));
    free(all);
    free(one);
    free(two);
}

/* A compat error (first group) and a capacity error (second group): with an
 * error limit of 1 the one kept is the one a single thread emits first. */
static void test_rule_groups_keep_the_order_of_errors(void **state)
{
    (void)state;
    static const char text[] = "license-server dls { kind dls; version 3.5.0; editions vws vpc vapps vcs }\n"
                               "cluster c {\n    platform esxi 8.0u2\n    vgpu-manager 19.2\n"
                               "    license-server dls\n    host esx-01 { gpu L40 }\n"
                               "    vm vm-02 { gpu vgpu L40-48Q; guest-driver 19.2 }\n"
                               "    vm vm-01 { gpu vgpu L40-48Q; guest-driver 20.0 }\n}\n";
    keeps_compat_error(text, 2); /* the scanner's, and the second group of rule families */
}

/* The families run cluster by cluster, each into a queue of its own: a
 * capacity error (VG5001) in the first cluster and a compat error (VG3001)
 * in the second keep the order of the families one after the other, so with
 * an error limit of 1 the compat error is the one kept, on one thread and on
 * two. Queued in the order the checks ran, the capacity error would be. */
static void test_rule_families_keep_their_order_across_clusters(void **state)
{
    (void)state;
    static const char text[] = "license-server dls { kind dls; version 3.5.0; editions vws vpc vapps vcs }\n"
                               "cluster a {\n    platform esxi 8.0u2\n    vgpu-manager 19.2\n"
                               "    license-server dls\n    host esx-01 { gpu L40 }\n"
                               "    vm vm-01 { gpu vgpu L40-48Q; guest-driver 19.2 }\n"
                               "    vm vm-02 { gpu vgpu L40-48Q; guest-driver 19.2 }\n}\n"
                               "cluster b {\n    platform esxi 8.0u2\n    vgpu-manager 19.2\n"
                               "    license-server dls\n    host esx-02 { gpu L40 }\n"
                               "    vm vm-03 { gpu vgpu L40-48Q; guest-driver 20.0 }\n}\n";
    keeps_compat_error(text, 0);
}

/* Clusters of different sizes, some over capacity (unplaced VMs, failing
 * host sets), some with pinned VMs. */
static char *many_clusters(size_t n)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (size_t c = 0; c < n; c++) {
        size_t hosts = 2 + c % 3, vms = 6 + 5 * (c % 7);
        vg_sb_printf(&sb,
                     "cluster c%zu {\n    platform esxi 8.0u2\n    vgpu-manager 19.5\n"
                     "    tolerate-host-failures %zu\n    host h%zu-[1..%zu] {\n        gpu L40 x 2\n    }\n",
                     c, 1 + c % 2, c, hosts);
        for (size_t v = 0; v < vms; v++)
            vg_sb_printf(&sb, "    vm v%zu-%zu {\n        gpu vgpu %s\n        guest-driver 19.4\n%s    }\n", c, v,
                         v % 3 ? "L40-12Q" : "L40-24Q", v == 1 ? "        host h0-1\n" : "");
        vg_sb_puts(&sb, "}\n");
    }
    char *text = vg_xstrdup(sb.data);
    vg_sb_free(&sb);
    return text;
}

/* Everything a cluster plan says, by name. */
static void digest(const struct vg_plan *p, struct vg_strbuf *sb)
{
    for (size_t c = 0; c < p->nclusters; c++) {
        const struct vg_cluster_plan *cp = &p->clusters[c];
        const struct vg_cluster *cl = cp->cluster;
        vg_sb_printf(sb, "%s %zu %zu %zu %u %zu %u|", cl->name, cp->npgpus, cp->nunplaced, cp->nsets_tried,
                     cp->partitions, cp->nreserve, cp->reserve_worst);
        for (size_t g = 0; g < cp->npgpus; g++) {
            const struct vg_pgpu *pg = &cp->pgpus[g];
            vg_sb_printf(sb, "%s/%u %d %s %u %u %d,", pg->host->name, pg->index, (int)pg->use,
                         pg->profile ? pg->profile->name : "-", pg->used_fb_mb, pg->nvgpus, cp->reserve[g]);
        }
        for (size_t v = 0; v < cl->nvms; v++) {
            const struct vg_placement *pl = &cp->place[v];
            vg_sb_printf(sb, "%s@%s>%s:", cl->vms[v]->name, pl->host ? pl->host->name : "-",
                         pl->live_target ? pl->live_target->name : "-");
            for (uint32_t k = 0; k < pl->ngpus; k++)
                vg_sb_printf(sb, "%u.", pl->gpus[k]);
        }
        for (size_t o = 0; o < cp->norder; o++)
            vg_sb_printf(sb, "%u;", cp->order[o]);
        for (size_t f = 0; f < cp->nfailovers; f++) {
            const struct vg_failover *fo = &cp->failovers[f];
            for (uint32_t k = 0; k < fo->nfailed; k++)
                vg_sb_printf(sb, "!%s", fo->failed[k]->name);
            for (size_t k = 0; k < fo->ndown; k++)
                vg_sb_printf(sb, "~%s", fo->down[k]->name);
        }
        vg_sb_puts(sb, "\n");
    }
}

static void test_clusters_planned_two_at_a_time(void **state)
{
    (void)state;
    char *text = many_clusters(60);
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.catalog = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(ctx.catalog);
    uint32_t id = vg_source_add(&ctx, "many.vgpu", text, strlen(text), vg_span_make(0, 0, 0));
    struct vg_model *m = vg_model_build(&ctx, &id, 1);
    assert_int_equal(m->nclusters, 60);
    struct vg_strbuf a, b;
    vg_sb_init(&a);
    vg_sb_init(&b);
    vg_threads_set(0);
    digest(vg_plan_build(&ctx, m), &a);
    vg_threads_set(1);
    unsigned long before = vg_threads_started();
    for (int round = 0; round < 5; round++) { /* the split between the threads varies */
        vg_sb_free(&b);
        vg_sb_init(&b);
        digest(vg_plan_build(&ctx, m), &b);
        assert_string_equal(a.data, b.data);
    }
    assert_int_equal(vg_threads_started() - before, 5); /* each plan had its second thread */
    vg_threads_set(-1);
    assert_non_null(strstr(a.data, "~"));  /* some host sets fail: the test covers failover */
    assert_non_null(strstr(a.data, "@-")); /* and unplaced VMs */
    vg_sb_free(&a);
    vg_sb_free(&b);
    vg_ctx_free(&ctx);
    free(text);
}

/* The mode VGPUC_THREADS sets through the command line, as `vgpuc lint`
 * parses it; then the lint of `text` in that mode. */
static char *lint_with_env(const char *value, const char *text)
{
    if (value)
        setenv("VGPUC_THREADS", value, 1);
    else
        unsetenv("VGPUC_THREADS");
    struct vg_cli cli;
    char err[512];
    assert_int_equal(vg_cli_parse(&cli, 3, (char *[]){"vgpuc", "lint", "big.vgpu", NULL}, err, sizeof err), VG_CLI_RUN);
    vg_cli_free(&cli);
    unsetenv("VGPUC_THREADS");
    return lint("big.vgpu", text, -1, 0, human_json, 2);
}

static void test_one_thread_switch(void **state)
{
    (void)state;
    char *text = estate(25000, 0); /* the scanner's thread and the rule groups' */
    char *one = lint_with_env("1", text);
    assert_int_equal(last_started, 0);
    int cores = sysconf(_SC_NPROCESSORS_ONLN) > 1; /* by default, a second thread only with a second core */
    static const char *const defaults[] = {"2", "", NULL};
    for (size_t i = 0; i < 3; i++) {
        char *two = lint_with_env(defaults[i], text);
        assert_int_equal(last_started, cores ? 2 : 0);
        assert_string_equal(one, two);
        free(two);
    }
    vg_threads_set(-1);
    free(one);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_and_golden_cases_both_ways),
        cmocka_unit_test(test_large_file_wraps_the_ring),
        cmocka_unit_test(test_error_limit_stops_a_scanner_far_ahead),
        cmocka_unit_test(test_clusters_planned_two_at_a_time),
        cmocka_unit_test(test_one_thread_switch),
        cmocka_unit_test(test_rule_groups_keep_the_order_of_errors),
        cmocka_unit_test(test_rule_families_keep_their_order_across_clusters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
