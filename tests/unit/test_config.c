/*
 * test_config.c - `.vgpuc.yaml`: discovery from a folder upwards, reading
 * fail-on, rule levels and catalog paths, and VG9003 at the YAML location
 * for unknown keys, rules and levels.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/config.h"
#include "core/ctx.h"

/* A scratch folder /tmp/vgpuc-cfg-XXXXXX with a/b inside. */
static char *scratch(void)
{
    static char dir[64];
    assert_int_equal(ut_scratch(dir, sizeof dir, "cfg"), 0);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    return dir;
}

static void cleanup(const char *dir) { assert_int_equal(ut_remove_tree(dir), 0); }

static int load_text(struct vg_ctx *ctx, const char *text, struct vg_config *cfg)
{
    char path[] = "/tmp/vgpuc-cfg-file-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ut_write(NULL, path, text);
    int rc = vg_config_load(ctx, path, cfg);
    unlink(path);
    return rc;
}

static const struct vg_diag *expect_error(struct vg_ctx *ctx, const char *text, uint32_t line, uint32_t col,
                                          const char *needle)
{
    struct vg_config cfg;
    assert_int_equal(load_text(ctx, text, &cfg), -1);
    assert_true(ctx->diags.n >= 1);
    const struct vg_diag *d = ctx->diags.v[0];
    assert_int_equal(d->code, VG9003);
    struct vg_loc loc = vg_source_loc(vg_source_get(ctx, d->span.file), d->span.start);
    if (loc.line != line || loc.col != col || !strstr(d->message, needle))
        fail_msg("got %u:%u %s", loc.line, loc.col, d->message);
    return d;
}

static void test_load(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    struct vg_config cfg;
    char *dir = scratch();
    char path[128];
    snprintf(path, sizeof path, "%s/a/%s", dir, VG_CONFIG_NAME);
    ut_write(NULL, path,
             "fail-on: error\n"
             "rules:\n"
             "  VG3003: off\n"
             "  branch-end-of-support: error\n"
             "catalog: [site.yaml, /etc/vgpuc/extra.yaml]\n");
    assert_int_equal(vg_config_load(&ctx, path, &cfg), 0);
    assert_int_equal(ctx.diags.n, 0);
    assert_true(cfg.fail_on_set);
    assert_int_equal(cfg.fail_on, VG_LEVEL_ERROR);
    assert_int_equal(cfg.nrules, 2);
    assert_int_equal(cfg.rules[0].code, VG3003);
    assert_int_equal(cfg.rules[0].level, VG_LEVEL_OFF);
    assert_int_equal(cfg.rules[1].code, VG3007);
    assert_int_equal(cfg.rules[1].level, VG_LEVEL_ERROR);
    assert_int_equal(cfg.ncatalogs, 2);
    char want[160];
    snprintf(want, sizeof want, "%s/a/site.yaml", dir);
    assert_string_equal(cfg.catalogs[0], want);
    assert_string_equal(cfg.catalogs[1], "/etc/vgpuc/extra.yaml");

    vg_config_apply_rules(&cfg, &ctx.opt);
    assert_int_equal(ctx.opt.rule_level[VG3003], VG_LEVEL_OFF);
    assert_int_equal(ctx.opt.rule_level[VG3007], VG_LEVEL_ERROR);
    assert_int_equal(ctx.opt.rule_level[VG3001], -1);
    cleanup(dir);
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* "none" and an empty file */
    assert_int_equal(load_text(&ctx, "fail-on: none\n", &cfg), 0);
    assert_true(cfg.fail_on_set);
    assert_int_equal(cfg.fail_on, VG_LEVEL_OFF);
    assert_int_equal(load_text(&ctx, "# nothing\n", &cfg), 0);
    assert_false(cfg.fail_on_set);
    assert_int_equal(cfg.nrules + cfg.ncatalogs, 0);
    assert_int_equal(ctx.diags.n, 0);
    vg_ctx_free(&ctx);
}

static void test_errors(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    const struct vg_diag *d;

    vg_ctx_init(&ctx);
    d = expect_error(&ctx, "rules:\n  VG3003: off\nfail_on: error\n", 3, 1, "unknown key `fail_on` in the config file");
    assert_string_equal(d->helps[0], "did you mean `fail-on`?");
    assert_non_null(strstr(d->notes[0], "`fail-on`, `rules`, `catalog`"));
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    d = expect_error(&ctx, "rules:\n  VG3030: off\n", 2, 3, "unknown rule `VG3030`");
    assert_string_equal(d->helps[0], "did you mean `VG3003`?");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    d = expect_error(&ctx, "rules:\n  branch-end-of-support: eror\n", 2, 26, "unknown level `eror` for rule");
    assert_string_equal(d->helps[0], "did you mean `error`?");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* the same rule by code and by slug */
    d = expect_error(&ctx, "rules:\n  VG3007: off\n  branch-end-of-support: error\n", 3, 3,
                     "rule `VG3007` is set twice");
    assert_int_equal(d->nlabels, 1);
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    d = expect_error(&ctx, "fail-on: warnings\n", 1, 10, "unknown level `warnings` for `fail-on`");
    assert_string_equal(d->helps[0], "did you mean `warning`?");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    expect_error(&ctx, "catalog: site.yaml\n", 1, 10, "`catalog` must be a list");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    expect_error(&ctx, "rules: {VG3003: off\n", 2, 1, "malformed YAML");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    struct vg_config cfg;
    assert_int_equal(vg_config_load(&ctx, "/nonexistent/.vgpuc.yaml", &cfg), -1);
    assert_int_equal(ctx.diags.v[0]->code, VG9003);
    assert_non_null(strstr(ctx.diags.v[0]->message, "cannot read config file"));
    vg_ctx_free(&ctx);
}

static void test_find(void **state)
{
    (void)state;
    char *dir = scratch();
    char path[128], sub[128];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    char *found = vg_config_find(sub, NULL, NULL);
    /* nothing in the scratch tree; anything found lies above /tmp */
    if (found)
        assert_null(strstr(found, dir));
    free(found);

    snprintf(path, sizeof path, "%s/%s", dir, VG_CONFIG_NAME);
    ut_write(NULL, path, "fail-on: error\n");
    found = vg_config_find(sub, NULL, NULL);
    assert_non_null(found);
    assert_string_equal(found, path);
    free(found);

    /* a relative folder gives a relative path while inside it */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(path, sizeof path, "%s/a", dir);
    assert_int_equal(chdir(path), 0);
    found = vg_config_find("b", NULL, NULL);
    assert_non_null(found);
    snprintf(path, sizeof path, "%s/%s", dir, VG_CONFIG_NAME);
    assert_string_equal(found, path); /* above ".": the real folder */
    free(found);
    assert_int_equal(chdir(dir), 0);
    found = vg_config_find("a/b", NULL, NULL);
    assert_string_equal(found, VG_CONFIG_NAME);
    free(found);
    found = vg_config_find("a/b/../b", NULL, NULL);
    assert_string_equal(found, path);
    free(found);
    assert_int_equal(chdir(cwd), 0);

    /* the nearest one wins */
    snprintf(path, sizeof path, "%s/a/b/%s", dir, VG_CONFIG_NAME);
    ut_write(NULL, path, "fail-on: none\n");
    found = vg_config_find(sub, NULL, NULL);
    assert_string_equal(found, path);
    free(found);
    cleanup(dir);
}

static int nignored;
static char ignored_why[128];
static void on_ignored(void *arg, const char *path, const char *why)
{
    (void)arg;
    (void)path;
    if (!nignored++) /* the first one: the scratch tree's (anything above /tmp comes later) */
        snprintf(ignored_why, sizeof ignored_why, "%s", why);
}

/* A config that others could have written is skipped (VG9004), and the
 * search stops at a repository root (a folder with `.git`). */
static void test_find_trust_and_stops(void **state)
{
    (void)state;
    char *dir = scratch();
    char path[128], sub[128], git[128];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    snprintf(path, sizeof path, "%s/a/%s", dir, VG_CONFIG_NAME);
    ut_write(NULL, path, "fail-on: error\n");
    assert_int_equal(chmod(path, 0666), 0);
    nignored = 0;
    char *found = vg_config_find(sub, on_ignored, NULL);
    if (found)
        assert_null(strstr(found, dir)); /* nothing of the scratch tree */
    free(found);
    assert_true(nignored >= 1);
    assert_string_equal(ignored_why, "other users can write it");

    assert_int_equal(chmod(path, 0644), 0);
    snprintf(git, sizeof git, "%s/a", dir);
    assert_int_equal(chmod(git, 0777), 0); /* a folder others can write */
    nignored = 0;
    found = vg_config_find(sub, on_ignored, NULL);
    if (found)
        assert_null(strstr(found, dir));
    free(found);
    assert_true(nignored >= 1);
    assert_string_equal(ignored_why, "other users can write its folder");
    assert_int_equal(chmod(git, 0700), 0);

    /* a repository root below the config ends the search */
    snprintf(git, sizeof git, "%s/a/b/.git", dir);
    assert_int_equal(mkdir(git, 0700), 0);
    nignored = 0;
    found = vg_config_find(sub, on_ignored, NULL);
    assert_null(found);
    assert_int_equal(nignored, 0);
    free(found);
    char *repo = vg_repo_root(sub);
    assert_non_null(repo);
    assert_non_null(strstr(repo, "/a/b"));
    free(repo);
    cleanup(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_find_trust_and_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
