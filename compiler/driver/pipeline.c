/*
 * pipeline.c - the shared front half of lint, plan and build, and the report.
 *
 * vg_pipeline_run turns the parsed command line into one compilation: config
 * and options into the context, the catalog, the inputs, the model, the plan,
 * the rules. vg_pipeline_report renders the finished diagnostics once per
 * requested format and decides the exit code. The streams follow docs/vgpuc.1: the
 * report on stdout (stderr for build), the summary on stderr, machine formats
 * never mixed with anything else (a JSON or SARIF report on stderr gets no
 * summary and no names of the config and catalog files beside it).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver/cli.h"
#include "driver/config.h"
#include "base/hash.h"
#include "model/model.h"
#include "plan/plan.h"
#include "rules/rules.h"
#include "driver/pipeline.h"

/* The folder of an input (stdin: of its --stdin-filename, else "."). */
static const char *input_dir(struct vg_ctx *ctx, const struct vg_cli *cli, const char *path)
{
    if (strcmp(path, "-") == 0)
        path = cli->stdin_filename ? cli->stdin_filename : "-";
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    return vg_strndup(ctx->arena, path, slash == path ? 1 : (size_t)(slash - path));
}

struct configs {
    struct vg_ctx *ctx;
    struct vg_hash by_dir;  /* input folder -> struct found (one walk per folder) */
    struct vg_hash ignored; /* config paths already reported as ignored */
    struct vg_hash roots;   /* real paths already in ctx->opt.read_roots */
    const char **roots_v;
    size_t nroots, cap_roots;
};

struct found {
    const char *path; /* the config, or NULL */
    const char *real; /* its real path ("" for none): what is compared */
};

static void config_ignored(void *arg, const char *path, const char *why)
{
    struct configs *cs = arg;
    if (vg_hash_get(&cs->ignored, path))
        return;
    const char *key = vg_strdup(cs->ctx->arena, path);
    vg_hash_put(&cs->ignored, key, (void *)key);
    struct vg_diag *d =
        vg_diag_emit(cs->ctx, VG9004, vg_span_make(0, 0, 0), "ignored the config file `%s`: %s", path, why);
    vg_diag_help(cs->ctx, d, "make it yours and writable only by you, or name it with `--config FILE`");
}

static const struct found *config_for(struct configs *cs, const char *dir)
{
    struct found *f = vg_hash_get(&cs->by_dir, dir);
    if (f)
        return f;
    f = vg_alloc(cs->ctx->arena, sizeof *f);
    char *path = vg_config_find(dir, config_ignored, cs);
    f->path = path ? vg_strdup(cs->ctx->arena, path) : NULL;
    char *real = path ? realpath(path, NULL) : NULL;
    f->real = real ? vg_strdup(cs->ctx->arena, real) : path ? f->path : "";
    free(real);
    free(path);
    vg_hash_put(&cs->by_dir, vg_strdup(cs->ctx->arena, dir), f);
    return f;
}

static void add_root(struct configs *cs, const char *real)
{
    if (!real || vg_hash_get(&cs->roots, real))
        return;
    const char *r = vg_strdup(cs->ctx->arena, real);
    vg_hash_put(&cs->roots, r, (void *)r);
    VG_PUSH(cs->ctx->arena, cs->roots_v, cs->nroots, cs->cap_roots, r);
}

/* The project root of a folder: its repository, else the config's folder
 * when the config is above it, else the folder itself (real paths). */
static void add_project_root(struct configs *cs, const char *dir, const char *config_real)
{
    char *repo = vg_repo_root(dir);
    if (repo) {
        add_root(cs, repo);
        free(repo);
        return;
    }
    char *real = realpath(dir, NULL);
    if (real && config_real && *config_real) {
        const char *slash = strrchr(config_real, '/');
        size_t n = slash ? (size_t)(slash - config_real) : 0;
        if (n && strncmp(real, config_real, n) == 0 && (real[n] == '/' || real[n] == '\0')) {
            add_root(cs, vg_strndup(cs->ctx->arena, config_real, n));
            free(real);
            return;
        }
    }
    add_root(cs, real);
    free(real);
}

/*
 * The config of the run: --config, or none with --no-config, or the one that
 * governs every input (each input's nearest trusted .vgpuc.yaml). Inputs
 * governed by different configs are refused: one run applies one set of
 * rule levels, and a lab/ config must not silence prod/. Sets *path (NULL:
 * none); returns -1 after reporting VG9003.
 */
static int choose_config(struct configs *cs, const struct vg_cli *cli, const char *const *inputs, size_t n,
                         const char **path)
{
    *path = NULL;
    if (cli->no_config)
        return 0;
    if (cli->config_path) {
        *path = cli->config_path;
        return 0;
    }
    const struct found *first = NULL;
    const char *first_input = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct found *f = config_for(cs, input_dir(cs->ctx, cli, inputs[i]));
        if (!first) {
            first = f;
            first_input = inputs[i];
            continue;
        }
        if (strcmp(f->real, first->real) == 0)
            continue;
        struct vg_diag *d =
            vg_diag_emit(cs->ctx, VG9003, vg_span_make(0, 0, 0),
                         "the inputs are governed by different configs: `%s` by %s%s%s, `%s` by %s%s%s", first_input,
                         first->path ? "`" : "", first->path ? first->path : "none", first->path ? "`" : "", inputs[i],
                         f->path ? "`" : "", f->path ? f->path : "none", f->path ? "`" : "");
        vg_diag_note(cs->ctx, d, "one run applies one config: rule levels of one folder must not silence another");
        vg_diag_help(cs->ctx, d,
                     "check each folder in a run of its own, or choose one with `--config FILE` or "
                     "`--no-config`");
        return -1;
    }
    *path = first ? first->path : NULL;
    return 0;
}

/* defaults < config < command line. Returns -1 when the config is invalid. */
static int apply_config(struct vg_ctx *ctx, struct vg_cli *cli, struct configs *cs, const char *path,
                        const char ***catalogs, size_t *ncatalogs)
{
    *catalogs = cli->catalogs;
    *ncatalogs = cli->ncatalogs;
    if (!path)
        return 0;
    struct vg_config cfg;
    if (vg_config_load(ctx, path, &cfg) != 0)
        return -1;
    vg_config_apply_rules(&cfg, &ctx->opt);
    if (cfg.fail_on_set && !cli->fail_on_set)
        cli->fail_on = cfg.fail_on;
    if (cfg.ncatalogs) {
        /* the config's catalog files stay in the config's project */
        add_project_root(cs, input_dir(ctx, cli, path), path);
        ctx->opt.read_roots = cs->roots_v;
        ctx->opt.nread_roots = cs->nroots;
        int bad = 0;
        for (size_t i = 0; i < cfg.ncatalogs; i++) {
            char *real = realpath(cfg.catalogs[i], NULL);
            if (real && !vg_path_confined(ctx, real)) {
                struct vg_diag *d =
                    vg_diag_emit(ctx, VG1013, vg_span_make(0, 0, 0),
                                 "the catalog file `%s` of `%s` is outside the project", cfg.catalogs[i], path);
                vg_diag_help(ctx, d,
                             "keep it in the repository, name it with `--catalog FILE`, or allow its "
                             "folder with `--allow-read DIR`");
                bad = 1;
            }
            free(real);
        }
        if (bad)
            return -1;
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

/* `-v` and every build: which config and catalog files this run used. */
static void say_files(struct vg_ctx *ctx, const char *config, const char *const *catalogs, size_t n)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_puts(&sb, "vgpuc: config: ");
    vg_sb_put_inert(&sb, config ? config : "none");
    vg_sb_puts(&sb, "\nvgpuc: catalog: <built-in>");
    for (size_t i = 0; i < n; i++) {
        vg_sb_puts(&sb, ", ");
        vg_sb_put_inert(&sb, catalogs[i]);
    }
    vg_sb_putc(&sb, '\n');
    fputs(vg_sb_str(&sb), stderr);
    vg_sb_free(&sb);
    (void)ctx;
}

/* Options, the inputs' config, rule levels, the catalog and the folders that
 * includes may read: everything before the first source is loaded. */
int vg_pipeline_setup(struct vg_ctx *ctx, struct vg_cli *cli, const char *const *paths, size_t n)
{
    const char **catalogs;
    size_t ncatalogs;
    if (cli->today_set)
        ctx->opt.today = cli->today;
    ctx->opt.error_limit = cli->error_limit;
    ctx->opt.no_inline_suppressions = cli->no_inline_suppressions;

    struct configs cs;
    memset(&cs, 0, sizeof cs);
    cs.ctx = ctx;
    vg_hash_init(&cs.by_dir, ctx->arena);
    vg_hash_init(&cs.ignored, ctx->arena);
    vg_hash_init(&cs.roots, ctx->arena);
    const char *config = NULL;
    for (size_t i = 0; i < cli->nallow_read; i++) {
        char *real = realpath(cli->allow_read[i], NULL);
        if (!real) {
            vg_diag_emit(ctx, VG1009, vg_span_make(0, 0, 0), "cannot use `--allow-read %s`: %s", cli->allow_read[i],
                         strerror(errno));
            vg_diags_finish(ctx);
            return VG_EXIT_FAILURE;
        }
        add_root(&cs, real);
        free(real);
    }
    if (choose_config(&cs, cli, paths, n, &config) != 0 ||
        apply_config(ctx, cli, &cs, config, &catalogs, &ncatalogs) != 0) {
        vg_diags_finish(ctx);
        return VG_EXIT_FAILURE;
    }
    for (size_t i = 0; i < cli->nrules; i++)
        ctx->opt.rule_level[cli->rules[i].code] = (int8_t)cli->rules[i].level;
    /* build's diagnostics are on stderr: a JSON or SARIF document stays alone there */
    int build = strcmp(cli->command, "build") == 0;
    if ((cli->verbose || build) && !(build && vg_format_is_document(cli->format)))
        say_files(ctx, config, catalogs, ncatalogs);

    ctx->catalog = vg_catalog_load(ctx, catalogs, ncatalogs);
    if (!ctx->catalog) {
        vg_diags_finish(ctx);
        return VG_EXIT_FAILURE;
    }

    /* includes stay in the projects of the inputs (and --allow-read) */
    char *config_real = config ? realpath(config, NULL) : NULL;
    for (size_t i = 0; i < n; i++)
        add_project_root(&cs, input_dir(ctx, cli, paths[i]), config_real);
    free(config_real);
    ctx->opt.read_roots = cs.roots_v;
    ctx->opt.nread_roots = cs.nroots;
    return VG_EXIT_OK;
}

int vg_pipeline_run(struct vg_ctx *ctx, struct vg_cli *cli, struct vg_model **model, struct vg_plan **plan,
                    size_t *nfiles)
{
    *model = NULL;
    *plan = NULL;
    *nfiles = 0;
    size_t n, nfailed;
    const char **paths = vg_cli_expand_inputs(ctx, cli, &n, &nfailed);
    if (vg_pipeline_setup(ctx, cli, paths, n) != VG_EXIT_OK)
        return VG_EXIT_FAILURE;

    uint32_t *roots = vg_alloc_array(ctx->arena, n ? n : 1, sizeof *roots);
    size_t nroots = 0;
    const char *stdin_name = cli->stdin_filename ? cli->stdin_filename : "<stdin>";
    for (size_t i = 0; i < n; i++) {
        int is_stdin = strcmp(paths[i], "-") == 0;
        uint32_t id = is_stdin && cli->stdin_text_set
            ? vg_source_add(ctx, stdin_name, cli->stdin_text, cli->stdin_len, vg_span_make(0, 0, 0))
            : vg_source_load(ctx, paths[i], is_stdin ? stdin_name : NULL, vg_span_make(0, 0, 0));
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
            fprintf(stderr, "vgpuc: error: cannot write report `%s`: %s\n", vg_inert(ctx->arena, cli->reports[i].path),
                    strerror(errno));
            rc = VG_EXIT_FAILURE;
        }
    }

    if (!cli->quiet && !(to_stderr && vg_format_is_document(cli->format))) {
        sb.len = 0;
        if (sb.data)
            sb.data[0] = 0;
        vg_render_summary(ctx, nfiles, &sb);
        fprintf(stderr, "%s\n", vg_sb_str(&sb));
    }
    vg_sb_free(&sb);
    if (rc != VG_EXIT_OK)
        return rc;
    return vg_pipeline_fails(ctx, cli) ? VG_EXIT_FINDINGS : VG_EXIT_OK;
}

int vg_pipeline_fails(const struct vg_ctx *ctx, const struct vg_cli *cli)
{
    enum vg_level max = vg_diags_max_level(ctx);
    return cli->fail_on != VG_LEVEL_OFF && max != VG_LEVEL_OFF && (int)max >= cli->fail_on;
}
