/*
 * config.h - the project configuration file `.vgpuc.yaml`.
 *
 *     fail-on: warning                  # error | warning | info | none
 *     rules:                            # code or slug -> off | info | warning | error
 *       VG3003: off
 *       branch-end-of-support: error
 *     catalog: [site-releases.yaml]     # extra catalog files, relative to this file
 *
 * It is found from the input's folder upwards; the command line overrides it.
 * An unknown key, rule or level is VG9003 at its YAML line and column.
 */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <stddef.h>

struct vg_ctx;
struct vg_options;

#define VG_CONFIG_NAME ".vgpuc.yaml"

struct vg_config_rule {
    int code;  /* enum vg_code */
    int level; /* enum vg_level */
};

struct vg_config {
    const char *path; /* the file read */
    int fail_on;
    int fail_on_set; /* enum vg_level; VG_LEVEL_OFF = none */
    struct vg_config_rule *rules;
    size_t nrules; /* in file order */
    const char **catalogs;
    size_t ncatalogs; /* resolved against the config's folder */
};

/*
 * The nearest trusted `.vgpuc.yaml` in `dir` or a folder above it, as a
 * malloc'd path (relative when `dir` is, while it stays inside it; free()
 * it), or NULL. The search stops after the repository root (a folder that
 * holds `.git`), the home folder and the last folder of a file system. A
 * file not owned by the user or root, or writable by group or others, or in
 * a folder writable by group or others, is not used: it is passed to
 * `ignored` (with why) and the search goes on above it.
 */
char *vg_config_find(const char *dir, void (*ignored)(void *arg, const char *path, const char *why), void *arg);

/* The repository root above `dir` (the nearest folder holding `.git`) as a
 * malloc'd real path, or NULL. */
char *vg_repo_root(const char *dir);

/*
 * Read `path` into *out (memory from ctx->arena). Returns 0, or -1 after
 * reporting VG9003 (unreadable file, malformed YAML, unknown key, rule or level).
 */
int vg_config_load(struct vg_ctx *ctx, const char *path, struct vg_config *out);

/* Set the rule levels of the config into opt (the CLI's --rule is applied after). */
void vg_config_apply_rules(const struct vg_config *cfg, struct vg_options *opt);

#endif
