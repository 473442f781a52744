/*
 * pipeline.c - the shared front half of lint, plan and build, and the report.
 *
 * vg_pipeline_run turns the parsed command line into one compilation: config
 * and options into the context, the catalog, the inputs, the model, the plan,
 * the rules. vg_pipeline_report renders the finished diagnostics once per
 * requested format and decides the exit code. The streams follow cli.md: the
 * report on stdout (stderr for build), the summary on stderr, machine formats
 * never mixed with anything else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "model.h"
#include "plan.h"
#include "rules/rules.h"

/* The folder where config discovery starts: the first input's (stdin: its --stdin-filename's). */
static char *config_start(struct vg_ctx *ctx, const struct vg_cli *cli)
{
    const char *first = cli->ninputs ? cli->inputs[0] : ".";
    if (strcmp(first, "-") == 0)
        first = cli->stdin_filename ? cli->stdin_filename : "-";
    struct stat st;
    if (stat(first, &st) == 0 && S_ISDIR(st.st_mode))
        return vg_strdup(ctx->arena, first);
    const char *slash = strrchr(first, '/');
    if (!slash)
        return vg_strdup(ctx->arena, ".");
    return vg_strndup(ctx->arena, first, slash == first ? 1 : (size_t)(slash - first));
}

/* defaults < config < command line. Returns -1 when the config is invalid. */
static int apply_config(struct vg_ctx *ctx, struct vg_cli *cli, const char ***catalogs, size_t *ncatalogs)
{
    *catalogs = cli->catalogs;
    *ncatalogs = cli->ncatalogs;
    if (cli->no_config)
        return 0;
    const char *path = cli->config_path;
    char *found = NULL;
    if (!path)
        path = found = vg_config_find(config_start(ctx, cli));
    if (!path)
        return 0;
    struct vg_config cfg;
    int r = vg_config_load(ctx, path, &cfg);
    free(found);
    if (r != 0)
        return -1;
    vg_config_apply_rules(&cfg, &ctx->opt);
    if (cfg.fail_on_set && !cli->fail_on_set)
        cli->fail_on = cfg.fail_on;
    if (cfg.ncatalogs) {
        /* the config's catalog files first: VGPUC_CATALOG and --catalog merge over them */
        const char **v = vg_alloc_array(ctx->arena, cfg.ncatalogs + cli->ncatalogs, sizeof *v);
        memcpy(v, cfg.catalogs, cfg.ncatalogs * sizeof *v);
        if (cli->ncatalogs)
            memcpy(v + cfg.ncatalogs, cli->catalogs, cli->ncatalogs * sizeof *v);
        *catalogs = v;
        *ncatalogs = cfg.ncatalogs + cli->ncatalogs;
    }
    return 0;
}

int vg_pipeline_setup(struct vg_ctx *ctx, struct vg_cli *cli)
{
    const char **catalogs;
    size_t ncatalogs;
    if (cli->today_set)
        ctx->opt.today = cli->today;
    ctx->opt.error_limit = cli->error_limit;
    ctx->opt.no_inline_suppressions = cli->no_inline_suppressions;
    if (apply_config(ctx, cli, &catalogs, &ncatalogs) != 0) {
        vg_diags_finish(ctx);
        return VG_EXIT_FAILURE;
    }
    for (size_t i = 0; i < cli->nrules; i++)
        ctx->opt.rule_level[cli->rules[i].code] = (int8_t)cli->rules[i].level;

    ctx->catalog = vg_catalog_load(ctx, catalogs, ncatalogs);
    if (!ctx->catalog) {
        vg_diags_finish(ctx);
        return VG_EXIT_FAILURE;
    }
    return VG_EXIT_OK;
}

int vg_pipeline_run(struct vg_ctx *ctx, struct vg_cli *cli, struct vg_model **model, struct vg_plan **plan,
                    size_t *nfiles)
{
    *model = NULL;
    *plan = NULL;
    *nfiles = 0;
    if (vg_pipeline_setup(ctx, cli) != VG_EXIT_OK)
        return VG_EXIT_FAILURE;

    size_t n, nfailed;
    const char **paths = vg_cli_expand_inputs(ctx, cli, &n, &nfailed);
    uint32_t *roots = vg_alloc_array(ctx->arena, n ? n : 1, sizeof *roots);
    size_t nroots = 0;
    const char *stdin_name = cli->stdin_filename ? cli->stdin_filename : "<stdin>";
    for (size_t i = 0; i < n; i++) {
        int is_stdin = strcmp(paths[i], "-") == 0;
        uint32_t id = vg_source_load(ctx, paths[i], is_stdin ? stdin_name : NULL, vg_span_make(0, 0, 0));
        if (id)
            roots[nroots++] = id;
        else
            nfailed++; /* never exit 0 when a file could not be read */
    }
    *nfiles = n;
    *model = vg_model_build(ctx, roots, nroots);
    *plan = vg_plan_build(ctx, *model);
    vg_rules_run(ctx, *model, *plan);
    vg_diags_finish(ctx);
    return nfailed ? VG_EXIT_FAILURE : VG_EXIT_OK;
}

int vg_pipeline_report(struct vg_ctx *ctx, struct vg_cli *cli, size_t nfiles, int to_stderr)
{
    int rc = VG_EXIT_OK;
    struct vg_render_opts o = {cli->color, nfiles, VGPUC_VERSION};
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_render(ctx, cli->format, &o, &sb);
    FILE *out = to_stderr ? stderr : stdout;
    if (sb.len && fwrite(sb.data, 1, sb.len, out) != sb.len)
        rc = VG_EXIT_FAILURE;
    if (fflush(out) != 0)
        rc = VG_EXIT_FAILURE;

    o.color = 0; /* report files never get escape codes */
    for (size_t i = 0; i < cli->nreports; i++) {
        sb.len = 0;
        if (sb.data)
            sb.data[0] = 0;
        vg_render(ctx, cli->reports[i].format, &o, &sb);
        if (vg_write_file_atomic(cli->reports[i].path, vg_sb_str(&sb), sb.len) != 0) {
            fprintf(stderr, "vgpuc: error: cannot write report `%s`: %s\n", cli->reports[i].path, strerror(errno));
            rc = VG_EXIT_FAILURE;
        }
    }

    if (!cli->quiet) {
        sb.len = 0;
        if (sb.data)
            sb.data[0] = 0;
        vg_render_summary(ctx, nfiles, &sb);
        fprintf(stderr, "%s\n", vg_sb_str(&sb));
    }
    vg_sb_free(&sb);
    if (rc != VG_EXIT_OK)
        return rc;
    enum vg_level max = vg_diags_max_level(ctx);
    return cli->fail_on != VG_LEVEL_OFF && max != VG_LEVEL_OFF && (int)max >= cli->fail_on ? VG_EXIT_FINDINGS
                                                                                            : VG_EXIT_OK;
}
