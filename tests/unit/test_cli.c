/*
 * test_cli.c - unit tests of the command line: option parsing (GNU forms,
 * values, per-command rejection, defaults), help texts and input expansion.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/backend.h"
#include "base/vg_threads.h"
#include "driver/cli.h"

#define ARGV(...) ((char *[]){"vgpuc", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"vgpuc", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cli, err, ...) vg_cli_parse(cli, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), err, sizeof err)

static char err[512];

static int parse_ok(struct vg_cli *cli, int argc, char **argv)
{
    int r = vg_cli_parse(cli, argc, argv, err, sizeof err);
    if (r != VG_CLI_RUN)
        print_message("unexpected: %s\n", err);
    return r;
}

static void expect_error(const char *needle, int argc, char **argv)
{
    struct vg_cli cli;
    assert_int_equal(vg_cli_parse(&cli, argc, argv, err, sizeof err), VG_CLI_ERROR);
    if (!strstr(err, needle))
        print_message("message was: %s\n", err);
    assert_non_null(strstr(err, needle));
    vg_cli_free(&cli);
}
#define EXPECT_ERROR(needle, ...) expect_error(needle, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void lint_defaults(void **state)
{
    (void)state;
    unsetenv("VGPUC_CATALOG");
    struct vg_cli cli;
    assert_int_equal(parse_ok(&cli, ARGC("lint", "a.vgpu"), ARGV("lint", "a.vgpu")), VG_CLI_RUN);
    assert_string_equal(cli.command, "lint");
    assert_int_equal(cli.format, VG_FMT_HUMAN);
    assert_int_equal(cli.format_set, 0);
    assert_int_equal(cli.fail_on, VG_LEVEL_WARNING);
    assert_int_equal(cli.fail_on_set, 0);
    assert_int_equal(cli.error_limit, 50);
    assert_int_equal(cli.error_limit_set, 0);
    assert_int_equal(cli.today_set, 0);
    assert_int_equal(cli.quiet, 0);
    assert_int_equal(cli.nreports, 0);
    assert_int_equal(cli.nrules, 0);
    assert_int_equal(cli.ncatalogs, 0);
    assert_int_equal(cli.ninputs, 1);
    assert_string_equal(cli.inputs[0], "a.vgpu");
    vg_cli_free(&cli);

    assert_int_equal(parse_ok(&cli, ARGC("build", "a.vgpu"), ARGV("build", "a.vgpu")), VG_CLI_RUN);
    assert_int_equal(cli.fail_on, VG_LEVEL_ERROR);
    assert_int_equal(cli.target, 0);
    vg_cli_free(&cli);
    assert_int_equal(parse_ok(&cli, ARGC("plan", "a.vgpu"), ARGV("plan", "a.vgpu")), VG_CLI_RUN);
    assert_int_equal(cli.fail_on, VG_LEVEL_ERROR);
    vg_cli_free(&cli);
}

static void format_forms(void **state)
{
    (void)state;
    struct vg_cli cli;
    char *forms[][4] = {{"lint", "-f", "json", "x"},
                        {"lint", "--format", "json", "x"},
                        {"lint", "--format=json", "x", NULL},
                        {"lint", "-fjson", "x", NULL},
                        {"lint", "x", "-f", "json"}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *argv[6] = {"vgpuc"};
        int argc = 1;
        for (int j = 0; j < 4 && forms[i][j]; j++)
            argv[argc++] = forms[i][j];
        assert_int_equal(parse_ok(&cli, argc, argv), VG_CLI_RUN);
        assert_int_equal(cli.format, VG_FMT_JSON);
        assert_int_equal(cli.format_set, 1);
        assert_int_equal(cli.ninputs, 1);
        assert_string_equal(cli.inputs[0], "x");
        vg_cli_free(&cli);
    }
    /* bundled short options */
    assert_int_equal(PARSE(&cli, err, "lint", "-qfsarif", "x"), VG_CLI_RUN);
    assert_int_equal(cli.quiet, 1);
    assert_int_equal(cli.format, VG_FMT_SARIF);
    vg_cli_free(&cli);
    /* plan, rules and catalog take their own formats in format_arg */
    assert_int_equal(PARSE(&cli, err, "plan", "--format", "svg", "x"), VG_CLI_RUN);
    assert_string_equal(cli.format_arg, "svg");
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "rules", "--format=markdown"), VG_CLI_RUN);
    assert_string_equal(cli.format_arg, "markdown");
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "catalog", "-f", "json", "gpus"), VG_CLI_RUN);
    assert_string_equal(cli.format_arg, "json");
    assert_string_equal(cli.section, "gpus");
    assert_int_equal(cli.ninputs, 1);
    vg_cli_free(&cli);

    EXPECT_ERROR("invalid value `xml` for `--format`", "lint", "-f", "xml", "x");
    EXPECT_ERROR("human, short, json, sarif, github", "lint", "-f", "xml", "x");
    EXPECT_ERROR("invalid value `sarif` for `--format`: expected one of text, json, svg", "plan", "-f", "sarif", "x");
    EXPECT_ERROR("text, json, markdown", "rules", "--format", "svg");
    EXPECT_ERROR("`--format` needs a value", "lint", "x", "--format");
    EXPECT_ERROR("`-f` needs a value", "lint", "x", "-f");
}

static void double_dash_and_stdin(void **state)
{
    (void)state;
    struct vg_cli cli;
    assert_int_equal(PARSE(&cli, err, "lint", "-q", "--", "-f", "--x", "-"), VG_CLI_RUN);
    assert_int_equal(cli.quiet, 1);
    assert_int_equal(cli.ninputs, 3);
    assert_string_equal(cli.inputs[0], "-f");
    assert_string_equal(cli.inputs[1], "--x");
    assert_string_equal(cli.inputs[2], "-");
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "lint", "-", "--stdin-filename", "prod/a.vgpu"), VG_CLI_RUN);
    assert_string_equal(cli.inputs[0], "-");
    assert_string_equal(cli.stdin_filename, "prod/a.vgpu");
    vg_cli_free(&cli);
}

static void unknown_and_rejected(void **state)
{
    (void)state;
    EXPECT_ERROR("unknown option `--frobnicate`", "lint", "--frobnicate", "x");
    EXPECT_ERROR("did you mean `--format`?", "lint", "--formt", "json", "x");
    EXPECT_ERROR("unknown option `-z`", "lint", "-z", "x");
    EXPECT_ERROR("`vgpuc lint` does not take `--target`", "lint", "--target", "hyperv", "x");
    EXPECT_ERROR("`vgpuc lint` does not take `-o`", "lint", "-o", "out", "x");
    EXPECT_ERROR("`vgpuc lint` does not take `--check`", "lint", "--check", "x");
    EXPECT_ERROR("`vgpuc fmt` does not take `--rule`", "fmt", "--rule", "VG3003=off", "x");
    EXPECT_ERROR("`vgpuc rules` does not take `--fail-on`", "rules", "--fail-on", "none");
    EXPECT_ERROR("`vgpuc explain` does not take `-f`", "explain", "-f", "json", "VG3001");
    EXPECT_ERROR("`vgpuc explain` does not take `--format`", "explain", "--format=json", "VG3001");
    EXPECT_ERROR("`--quiet` takes no value", "lint", "--quiet=1", "x");
    EXPECT_ERROR("unknown command `lnit`; did you mean `lint`?", "lnit", "x");
    EXPECT_ERROR("expected a command", "-q", "lint");
    EXPECT_ERROR("no input files", "lint", "-q");
    EXPECT_ERROR("no input files", "build", "--stdout");
    EXPECT_ERROR("cannot be used together", "build", "--stdout", "-o", "out", "x");
    EXPECT_ERROR("needs a code", "explain");
    EXPECT_ERROR("takes one code", "explain", "VG3001", "VG3002");
    EXPECT_ERROR("takes no arguments", "rules", "x");
    EXPECT_ERROR("expected one of gpus, releases, platforms", "catalog", "profiles");

    struct vg_cli cli;
    assert_int_equal(vg_cli_parse(&cli, 1, (char *[]){"vgpuc", NULL}, err, sizeof err), VG_CLI_ERROR);
    assert_non_null(strstr(err, "no command"));
    vg_cli_free(&cli);
    /* the command is known for the "try 'vgpuc lint --help'" hint */
    assert_int_equal(PARSE(&cli, err, "lint", "--bogus", "x"), VG_CLI_ERROR);
    assert_string_equal(cli.command, "lint");
    vg_cli_free(&cli);
}

static void values(void **state)
{
    (void)state;
    struct vg_cli cli;
    assert_int_equal(PARSE(&cli, err, "lint", "--fail-on", "none", "--error-limit=0", "--today", "2024-02-29",
                           "--no-inline-suppressions", "--config", "c.yaml", "--no-config", "x"),
                     VG_CLI_RUN);
    assert_int_equal(cli.fail_on, VG_LEVEL_OFF);
    assert_int_equal(cli.fail_on_set, 1);
    assert_int_equal(cli.error_limit, 0);
    assert_int_equal(cli.error_limit_set, 1);
    assert_int_equal(cli.today, 20240229);
    assert_int_equal(cli.today_set, 1);
    assert_int_equal(cli.no_inline_suppressions, 1);
    assert_string_equal(cli.config_path, "c.yaml");
    assert_int_equal(cli.no_config, 1);
    vg_cli_free(&cli);

    const char *levels[] = {"error", "warning", "info"};
    for (int i = 0; i < 3; i++) {
        char *argv[] = {"vgpuc", "lint", "--fail-on", (char *)levels[i], "x", NULL};
        assert_int_equal(parse_ok(&cli, 5, argv), VG_CLI_RUN);
        assert_int_equal(cli.fail_on, VG_LEVEL_ERROR - i);
        vg_cli_free(&cli);
    }
    EXPECT_ERROR("invalid value `fatal` for `--fail-on`", "lint", "--fail-on", "fatal", "x");
    EXPECT_ERROR("`--today`", "lint", "--today", "2026-02-29", "x");
    EXPECT_ERROR("`--today`", "lint", "--today", "2026-13-01", "x");
    EXPECT_ERROR("`--today`", "lint", "--today", "2026-1-01", "x");
    EXPECT_ERROR("`--today`", "lint", "--today", "2026-04-31", "x");
    EXPECT_ERROR("`--today`", "lint", "--today", "yesterday", "x");
    EXPECT_ERROR("`--error-limit`", "lint", "--error-limit", "-1", "x");
    EXPECT_ERROR("`--error-limit`", "lint", "--error-limit", "99999999999", "x");
    EXPECT_ERROR("`--error-limit`", "lint", "--error-limit", "", "x");

    assert_int_equal(PARSE(&cli, err, "build", "--target", "vmware", "-o", "out", "x"), VG_CLI_RUN);
    assert_int_equal(cli.target, VG_TARGET_VMWARE);
    assert_string_equal(cli.outdir, "out");
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "build", "--target=json", "--stdout", "x"), VG_CLI_RUN);
    assert_int_equal(cli.to_stdout, 1);
    vg_cli_free(&cli);
    EXPECT_ERROR("invalid value `azure` for `--target`", "build", "--target", "azure", "x");
    assert_int_equal(PARSE(&cli, err, "fmt", "--check", "--diff", "x"), VG_CLI_RUN);
    assert_int_equal(cli.check, 1);
    assert_int_equal(cli.diff, 1);
    vg_cli_free(&cli);
}

static void rules_and_reports(void **state)
{
    (void)state;
    struct vg_cli cli;
    assert_int_equal(PARSE(&cli, err, "lint", "--rule", "VG3003=off", "--rule=branch-end-of-support=error", "--rule",
                           "vg5006=info", "x"),
                     VG_CLI_RUN);
    assert_int_equal(cli.nrules, 3);
    assert_int_equal(cli.rules[0].code, VG3003);
    assert_int_equal(cli.rules[0].level, VG_LEVEL_OFF);
    assert_int_equal(cli.rules[1].code, VG3007);
    assert_int_equal(cli.rules[1].level, VG_LEVEL_ERROR);
    assert_int_equal(cli.rules[2].code, VG5006);
    assert_int_equal(cli.rules[2].level, VG_LEVEL_INFO);
    vg_cli_free(&cli);
    EXPECT_ERROR("unknown rule `VG9999`", "lint", "--rule", "VG9999=off", "x");
    EXPECT_ERROR("did you mean `syntax-error`?", "lint", "--rule", "syntax-eror=off", "x");
    EXPECT_ERROR("invalid value `loud` for `--rule`", "lint", "--rule", "VG3003=loud", "x");
    EXPECT_ERROR("expected CODE=LEVEL", "lint", "--rule", "VG3003", "x");

    assert_int_equal(PARSE(&cli, err, "lint", "--report", "json:out/r.json", "--report=sarif:r.sarif", "x"),
                     VG_CLI_RUN);
    assert_int_equal(cli.nreports, 2);
    assert_int_equal(cli.reports[0].format, VG_FMT_JSON);
    assert_string_equal(cli.reports[0].path, "out/r.json");
    assert_int_equal(cli.reports[1].format, VG_FMT_SARIF);
    assert_string_equal(cli.reports[1].path, "r.sarif");
    vg_cli_free(&cli);
    EXPECT_ERROR("expected FORMAT:PATH", "lint", "--report", "json", "x");
    EXPECT_ERROR("expected FORMAT:PATH", "lint", "--report", "json:", "x");
    EXPECT_ERROR("invalid value `xml` for `--report`", "lint", "--report", "xml:a", "x");
}

static void color_and_env(void **state)
{
    (void)state;
    struct vg_cli cli;
    assert_int_equal(PARSE(&cli, err, "lint", "--color", "always", "x"), VG_CLI_RUN);
    assert_int_equal(cli.color, 1);
    vg_cli_free(&cli);
    setenv("NO_COLOR", "1", 1);
    assert_int_equal(PARSE(&cli, err, "lint", "--color=always", "x"), VG_CLI_RUN);
    assert_int_equal(cli.color, 1); /* an explicit choice wins over NO_COLOR */
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "lint", "--color=auto", "x"), VG_CLI_RUN);
    assert_int_equal(cli.color, 0);
    vg_cli_free(&cli);
    unsetenv("NO_COLOR");
    assert_int_equal(PARSE(&cli, err, "lint", "--color", "never", "x"), VG_CLI_RUN);
    assert_int_equal(cli.color, 0);
    vg_cli_free(&cli);
    EXPECT_ERROR("expected one of auto, always, never", "lint", "--color", "yes", "x");

    setenv("VGPUC_CATALOG", "a.yaml::b.yaml:", 1);
    assert_int_equal(PARSE(&cli, err, "lint", "--catalog", "c.yaml", "x", "--catalog=d.yaml"), VG_CLI_RUN);
    assert_int_equal(cli.ncatalogs, 4);
    assert_string_equal(cli.catalogs[0], "a.yaml");
    assert_string_equal(cli.catalogs[1], "b.yaml");
    assert_string_equal(cli.catalogs[2], "c.yaml");
    assert_string_equal(cli.catalogs[3], "d.yaml");
    vg_cli_free(&cli);
    unsetenv("VGPUC_CATALOG");
    assert_int_equal(PARSE(&cli, err, "catalog", "--catalog", "c.yaml"), VG_CLI_RUN);
    assert_int_equal(cli.ncatalogs, 1);
    vg_cli_free(&cli);
}

/* VGPUC_THREADS: 1 is one thread whatever the size; 2, empty or unset leave
 * it to the size of the work and the cores; anything else is refused. */
static void threads_env(void **state)
{
    (void)state;
    struct vg_cli cli;
    int cores = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    setenv("VGPUC_THREADS", "1", 1);
    assert_int_equal(PARSE(&cli, err, "lint", "x"), VG_CLI_RUN);
    vg_cli_free(&cli);
    assert_int_equal(vg_threads_want((size_t)1 << 40, 1), 0);
    static const char *const defaults[] = {"2", "", NULL};
    for (size_t i = 0; i < 3; i++) {
        setenv("VGPUC_THREADS", "1", 1); /* each parse decides anew */
        assert_int_equal(PARSE(&cli, err, "plan", "x"), VG_CLI_RUN);
        vg_cli_free(&cli);
        if (defaults[i])
            setenv("VGPUC_THREADS", defaults[i], 1);
        else
            unsetenv("VGPUC_THREADS");
        assert_int_equal(PARSE(&cli, err, "plan", "x"), VG_CLI_RUN);
        vg_cli_free(&cli);
        assert_int_equal(vg_threads_want((size_t)1 << 40, 1), cores);
        assert_int_equal(vg_threads_want(0, 1), 0);
    }
    static const char *const bad[] = {"0", "3", "one", " 1", "1 ", "01", "+1", "2x", "-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        setenv("VGPUC_THREADS", bad[i], 1);
        char needle[64];
        snprintf(needle, sizeof needle, "invalid value `%s` for VGPUC_THREADS: expected 1", bad[i]);
        EXPECT_ERROR(needle, "lint", "x");
    }
    unsetenv("VGPUC_THREADS");
    vg_threads_set(-1);
}

static void help_and_version(void **state)
{
    (void)state;
    struct vg_cli cli;
    assert_int_equal(PARSE(&cli, err, "--version"), VG_CLI_VERSION);
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "--help"), VG_CLI_HELP);
    assert_null(cli.command);
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "help"), VG_CLI_HELP);
    assert_null(cli.command);
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "help", "build"), VG_CLI_HELP);
    assert_string_equal(cli.command, "build");
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "lint", "--bogus-later-is-fine-after-help", "--help"), VG_CLI_ERROR);
    vg_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "lint", "-h"), VG_CLI_HELP);
    assert_string_equal(cli.command, "lint");
    vg_cli_free(&cli);
    EXPECT_ERROR("unknown command `bild`; did you mean `build`?", "help", "bild");

    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_cli_help("lint", &sb);
    const char *lint_opts[] = {"--format FMT",    "--report FMT:PATH",        "--color WHEN",  "--fail-on LEVEL",
                               "default warning", "--rule CODE=LEVEL",        "--config FILE", "--no-config",
                               "--catalog FILE",  "--stdin-filename NAME",    "--quiet",       "--today YYYY-MM-DD",
                               "--error-limit N", "--no-inline-suppressions", "exit status",   "  2  "};
    for (size_t i = 0; i < sizeof lint_opts / sizeof lint_opts[0]; i++)
        assert_non_null(strstr(vg_sb_str(&sb), lint_opts[i]));
    assert_null(strstr(vg_sb_str(&sb), "--target"));
    assert_null(strstr(vg_sb_str(&sb), "--stdout"));
    sb.len = 0;
    vg_cli_help("build", &sb);
    assert_non_null(strstr(vg_sb_str(&sb), "--target TARGET"));
    assert_non_null(strstr(vg_sb_str(&sb), "-o, --output DIR"));
    assert_non_null(strstr(vg_sb_str(&sb), "default error"));
    sb.len = 0;
    vg_cli_help(NULL, &sb);
    const char *cmds[] = {"lint", "build", "plan", "fmt", "explain", "rules", "catalog", "help", "--version"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        assert_non_null(strstr(vg_sb_str(&sb), cmds[i]));
    vg_sb_free(&sb);
}

static void expand_inputs(void **state)
{
    (void)state;
    char root[64];
    assert_int_equal(ut_scratch(root, sizeof root, "test-cli"), 0);
    char p[256];
    const char *dirs[] = {"sub", "sub/deeper", ".git", "empty"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", root, dirs[i]);
        assert_int_equal(mkdir(p, 0700), 0);
    }
    const char *files[] = {"b.vgpu",      "a.vgpu",    "notes.txt", "sub/c.vgpu", "sub/deeper/d.vgpu",
                           ".git/e.vgpu", "a.vgpu.bak"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", root, files[i]);
        ut_write(NULL, p, "# empty\n");
    }
    char afile[256], emptydir[256];
    snprintf(afile, sizeof afile, "%s/a.vgpu", root);
    snprintf(emptydir, sizeof emptydir, "%s/empty", root);

    struct vg_cli cli;
    assert_int_equal(PARSE(&cli, err, "lint", root, afile, "missing.vgpu", "-"), VG_CLI_RUN);
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    size_t n, nfailed;
    const char **v = vg_cli_expand_inputs(&ctx, &cli, &n, &nfailed);
    const char *want[] = {"a.vgpu", "b.vgpu", "sub/c.vgpu", "sub/deeper/d.vgpu"};
    assert_int_equal(n, 6); /* a.vgpu given twice is kept once; missing and stdin kept */
    assert_int_equal(nfailed, 0);
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", root, want[i]);
        assert_string_equal(v[i], p);
    }
    assert_string_equal(v[4], "missing.vgpu");
    assert_string_equal(v[5], "-");
    assert_int_equal(ctx.diags.n, 0);
    vg_ctx_free(&ctx);
    vg_cli_free(&cli);

    assert_int_equal(PARSE(&cli, err, "lint", emptydir), VG_CLI_RUN);
    vg_ctx_init(&ctx);
    v = vg_cli_expand_inputs(&ctx, &cli, &n, &nfailed);
    assert_int_equal(n, 0);
    assert_int_equal(nfailed, 1);
    assert_int_equal(ctx.diags.n, 1);
    assert_int_equal(ctx.diags.v[0]->code, VG1009);
    assert_non_null(strstr(ctx.diags.v[0]->message, "no `.vgpu` files"));
    vg_ctx_free(&ctx);
    vg_cli_free(&cli);

    for (size_t i = sizeof files / sizeof files[0]; i-- > 0;) {
        snprintf(p, sizeof p, "%s/%s", root, files[i]);
        unlink(p);
    }
    for (size_t i = 4; i-- > 0;) {
        snprintf(p, sizeof p, "%s/%s", root, dirs[i]);
        rmdir(p);
    }
    rmdir(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lint_defaults),        cmocka_unit_test(format_forms), cmocka_unit_test(double_dash_and_stdin),
        cmocka_unit_test(unknown_and_rejected), cmocka_unit_test(values),       cmocka_unit_test(rules_and_reports),
        cmocka_unit_test(color_and_env),        cmocka_unit_test(threads_env),  cmocka_unit_test(help_and_version),
        cmocka_unit_test(expand_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
