/*
 * cli.h - the parsed command line, and the commands that main.c dispatches to.
 *
 * cli.c parses every option of every command into one struct vg_cli (and
 * rejects options a command does not take); each command is one function
 * `int vg_cmd_NAME(struct vg_cli *)` returning the process exit code:
 * 0 ok, 1 findings at or above --fail-on (build: nothing written), 2 could not run.
 */
#ifndef VG_CLI_H
#define VG_CLI_H

#include <stddef.h>

#include "core/ctx.h"
#include "report/render.h"
#include "base/strbuf.h"

struct vg_model;
struct vg_plan;

#define VG_MAX_REPORTS 16

enum vg_exit { VG_EXIT_OK = 0, VG_EXIT_FINDINGS = 1, VG_EXIT_FAILURE = 2 };

struct vg_report {
    enum vg_format format;
    const char *path;
};

struct vg_cli {
    const char *command; /* "lint", "build", ... */
    /* common options */
    enum vg_format format;
    int format_set;         /* -f/--format (lint-style formats) */
    const char *format_arg; /* raw --format value (plan/rules/catalog take others) */
    struct vg_report reports[VG_MAX_REPORTS];
    size_t nreports;
    int color; /* resolved from --color and NO_COLOR, isatty(stdout) */
    int fail_on;
    int fail_on_set; /* enum vg_level; VG_LEVEL_OFF = none */
    const char *config_path;
    int no_config;
    const char **catalogs;
    size_t ncatalogs; /* --catalog, after VGPUC_CATALOG entries */
    const char **allow_read;
    size_t nallow_read; /* --allow-read DIR: includes and config
                                                    catalogs may also come from there */
    int verbose;        /* -v: name the config and catalog files used */
    const char *stdin_filename;
    /* The text of '-' when it is not read from stdin: the language server's
     * editor buffer, checked as `lint --stdin-filename NAME -` would. */
    const char *stdin_text;
    size_t stdin_len;
    int stdin_text_set;
    int quiet;
    uint32_t today;
    int today_set; /* --today YYYY-MM-DD as YYYYMMDD */
    uint32_t error_limit;
    int error_limit_set;
    int no_inline_suppressions;
    struct {
        int code;
        int level;
    } rules[256];
    size_t nrules; /* --rule CODE=LEVEL */
    const char **inputs;
    size_t ninputs; /* positional arguments as given */
    /* build */
    int target; /* enum vg_target */
    const char *outdir;
    int to_stdout;
    /* fmt */
    int check, diff;
    /* rollout */
    const char *from_git; /* --from-git REV */
    const char **drain;
    size_t ndrain; /* --drain HOST */
    const char **allow_down;
    size_t nallow_down; /* --allow-down VM */
    const char *order;  /* --order HOST,... as given */
    uint32_t at_once;   /* --hosts-at-once N; 0 = default 1 */
    int keep_failover;
    /* catalog: section name ("gpus", "releases", "platforms") or NULL */
    const char *section;
};

/* What main.c does after vg_cli_parse. */
enum vg_cli_action { VG_CLI_RUN = 0, VG_CLI_HELP, VG_CLI_VERSION, VG_CLI_ERROR };
/*
 * Parse argv (argv[1] is the command) into cli; never prints. Returns an enum
 * vg_cli_action: for VG_CLI_HELP, cli->command is the command whose help is
 * wanted (NULL = the general help); for VG_CLI_ERROR, `err` holds the message
 * (without "vgpuc: error: ") and cli->command the command if it was known.
 * --color is resolved here (NO_COLOR, isatty). Free with vg_cli_free.
 */
int vg_cli_parse(struct vg_cli *cli, int argc, char **argv, char *err, size_t errsize);
void vg_cli_free(struct vg_cli *cli);
/* Run the command of a parsed command line (its row in the one command table
 * of cli.c); returns the process exit code. */
int vg_cli_run(struct vg_cli *cli);
/* The help text of a command, or the general help when command is NULL or unknown. */
void vg_cli_help(const char *command, struct vg_strbuf *out);
/*
 * cli->inputs expanded: files as given, directories searched recursively for
 * *.vgpu (sorted by bytes, hidden entries skipped, symbolic links to folders
 * not followed, a *.vgpu link to a file outside the folder refused as VG1013),
 * "-" kept; a path given twice is kept once. A directory that
 * cannot be read or holds no .vgpu file is queued as VG1009 and counted in
 * *nfailed. The array and paths live in ctx->arena.
 */
const char **vg_cli_expand_inputs(struct vg_ctx *ctx, const struct vg_cli *cli, size_t *n, size_t *nfailed);

int vg_cmd_lint(struct vg_cli *cli);
int vg_cmd_build(struct vg_cli *cli); /* backends: compiler/driver/cmd_build.c */

/* cmd_build.c, shared with `vgpuc rollout -o`: one script to write. */
struct vg_emit_info;
struct vg_hash;
struct vg_cluster;
struct vg_script {
    const char *path; /* DIR/<file> */
    const char *file; /* <file> */
    int bom;          /* its target starts a non-ASCII script with a BOM */
    struct vg_strbuf text;
};
/* A file name from a cluster name: [A-Za-z0-9._-] kept, the rest `_`, no
 * leading dot, no Windows device name; then `ext` (".ps1"). */
char *vg_script_file_name(struct vg_arena *a, const char *name, const char *ext);
/* The header facts (tool, source path relative to the current folder, its
 * SHA-256, computed once per file in `digests`) of a cluster's file. */
void vg_script_source_info(struct vg_ctx *ctx, struct vg_hash *digests, const struct vg_cluster *c,
                           struct vg_emit_info *info);
/* The output folder without trailing slashes ("out/" -> "out", "/" stays). */
const char *vg_script_dir(struct vg_arena *a, const char *dir);
/* What a file-name collision (VG7104, VG7204) says beside its message: where
 * the other cluster is, why the names are one, what to do. */
void vg_script_clash(struct vg_ctx *ctx, struct vg_diag *d, const struct vg_cluster *other, const char *file);
/* mkdir -p. */
int vg_script_make_dirs(const char *dir);
/* All or nothing: every script to a temporary file, then all renamed into place. */
int vg_scripts_write(struct vg_ctx *ctx, struct vg_script *scripts, size_t n);
/* The same, each script's text made by fill(arg, i, text) just before it is
 * written, into one buffer reused for every script (texts not kept). */
typedef void vg_script_fill_fn(void *arg, size_t i, struct vg_strbuf *text);
int vg_scripts_fill(struct vg_ctx *ctx, struct vg_script *scripts, size_t n, vg_script_fill_fn *fill, void *arg);

int vg_cmd_plan(struct vg_cli *cli);      /* compiler/driver/cmd_plan.c */
int vg_cmd_fmt(struct vg_cli *cli);       /* compiler/driver/fmt.c */
int vg_cmd_explain(struct vg_cli *cli);   /* compiler/driver/cmd_rules.c */
int vg_cmd_rules(struct vg_cli *cli);     /* compiler/driver/cmd_rules.c */
int vg_cmd_catalog(struct vg_cli *cli);   /* compiler/driver/cmd_catalog.c */
int vg_cmd_rollout(struct vg_cli *cli);   /* compiler/driver/cmd_rollout.c */
int vg_cmd_lsp(struct vg_cli *cli);       /* compiler/driver/cmd_lsp.c */
int vg_cmd_inventory(struct vg_cli *cli); /* compiler/driver/cmd_inventory.c */
int vg_cmd_import(struct vg_cli *cli);    /* compiler/driver/cmd_import.c */
int vg_cmd_drift(struct vg_cli *cli);     /* compiler/driver/cmd_drift.c */

#endif
