/*
 * config.c - find and read `.vgpuc.yaml`: the failing level, rule levels and
 * extra catalog files of a project.
 *
 * Discovery walks from the input's folder upwards: lexically while the path
 * given allows it (so diagnostics show the path as the user would write it),
 * then through the real parent folders; it stops after the repository root,
 * the home folder or the top of a file system, and skips a file that another
 * user owns or could have written (SECURITY.md). Reading uses the table
 * reader of yamlutil.c, so problems are VG9003 at their YAML location.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "driver/config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ctx.h"
#include "base/suggest.h"
#include "catalog/yamlutil.h"

#include <unistd.h>

/* What the search looks at while it walks up (one walk per folder of input). */
struct search {
    void (*ignored)(void *arg, const char *path, const char *why);
    void *arg;
    char *home; /* real path of $HOME, or NULL */
};

/* dir + "/" + name, malloc'd; "." gives the bare name. */
static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    char *p = vg_xmalloc(n + strlen(name) + 2);
    if (strcmp(dir, ".") == 0)
        strcpy(p, name);
    else if (n && dir[n - 1] == '/')
        strcat(strcpy(p, dir), name);
    else
        strcat(strcat(strcpy(p, dir), "/"), name);
    return p;
}

static char *candidate(const char *dir) { return join_path(dir, VG_CONFIG_NAME); }

/* 1: a config to use; 0: none here; the untrusted ones are reported and skipped. */
static int consider(struct search *s, const char *dir, const char *c)
{
    struct stat st, dst;
    if (stat(c, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    const char *why = NULL;
    uid_t me = geteuid();
    if (st.st_uid != me && st.st_uid != 0)
        why = "it is owned by another user";
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        why = "other users can write it";
    else if (stat(dir, &dst) == 0 && (dst.st_mode & (S_IWGRP | S_IWOTH)))
        why = "other users can write its folder";
    if (!why)
        return 1;
    if (s->ignored)
        s->ignored(s->arg, c, why);
    return 0;
}

/* Whether the search ends at `dir`: the repository root, the home folder,
 * or the top folder of a file system. */
static int last_folder(struct search *s, const char *dir)
{
    char *git = join_path(dir, ".git");
    struct stat st, up;
    int stop = lstat(git, &st) == 0;
    free(git);
    if (stop)
        return 1;
    if (s->home) {
        char *r = realpath(dir, NULL);
        stop = r && strcmp(r, s->home) == 0;
        free(r);
        if (stop)
            return 1;
    }
    char *parent = join_path(dir, "..");
    stop = stat(dir, &st) == 0 && stat(parent, &up) == 0 && st.st_dev != up.st_dev;
    free(parent);
    return stop;
}

static int has_dotdot(const char *p)
{
    for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
            return 1;
    return 0;
}

/* Cut the last component: "a/b" -> "a", "a" -> ".", "/a" -> "/". Returns 0 at "." or "/". */
static int to_parent(char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = 0;
    if (strcmp(p, ".") == 0 || strcmp(p, "/") == 0)
        return 0;
    char *slash = strrchr(p, '/');
    if (!slash)
        strcpy(p, ".");
    else if (slash == p)
        p[1] = 0;
    else
        *slash = 0;
    return 1;
}

char *vg_repo_root(const char *dir)
{
    char *abs = realpath(dir && *dir ? dir : ".", NULL);
    while (abs) {
        char *git = join_path(abs, ".git");
        struct stat st;
        int found = lstat(git, &st) == 0;
        free(git);
        if (found)
            return abs;
        if (!to_parent(abs))
            break;
    }
    free(abs);
    return NULL;
}

/* One folder of the walk: 1 = found (*out set), -1 = stop here, 0 = go on up. */
static int step(struct search *s, const char *dir, char **out)
{
    char *c = candidate(dir);
    if (consider(s, dir, c)) {
        *out = c;
        return 1;
    }
    free(c);
    return last_folder(s, dir) ? -1 : 0;
}

char *vg_config_find(const char *dir, void (*ignored)(void *arg, const char *path, const char *why), void *arg)
{
    struct search s = {ignored, arg, NULL};
    const char *home = getenv("HOME");
    if (home && *home)
        s.home = realpath(home, NULL);
    char *cur = vg_xstrdup(dir && *dir ? dir : ".");
    char *found = NULL;
    int r = 0, checked_cur = 0;
    if (!has_dotdot(cur)) {
        /* lexically while the path as given allows it: diagnostics show the
         * path as the user would write it */
        while ((r = step(&s, cur, &found)) == 0 && to_parent(cur))
            ;
        checked_cur = 1;
        if (r || strcmp(cur, "/") == 0) {
            free(cur);
            free(s.home);
            return found;
        }
    }
    /* above the path as given: the real folders */
    char *abs = realpath(cur, NULL);
    free(cur);
    if (abs && (!checked_cur || to_parent(abs)))
        while ((r = step(&s, abs, &found)) == 0 && to_parent(abs))
            ;
    free(abs);
    free(s.home);
    return found;
}

static const char *const level_words[] = {"none", "info", "warning", "error", NULL};

static int read_fail_on(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    struct vg_config *cfg = obj;
    const char *s = vg_yaml_scalar(y, v, "fail-on");
    if (!s)
        return -1;
    for (int i = 0; level_words[i]; i++)
        if (strcmp(s, level_words[i]) == 0) {
            cfg->fail_on = i; /* the index is the enum vg_level; "none" is VG_LEVEL_OFF */
            cfg->fail_on_set = 1;
            return 0;
        }
    struct vg_diag *d = vg_yaml_error(y, v, "unknown level `%s` for `fail-on`", s);
    const char *near = vg_suggest(s, level_words, 4);
    if (near)
        vg_diag_help(y->ctx, d, "did you mean `%s`?", near);
    vg_diag_note(y->ctx, d, "`fail-on` takes `error`, `warning`, `info` or `none`");
    return -1;
}

static int read_rules(struct vg_yaml *y, yaml_node_t *map, void *obj)
{
    struct vg_config *cfg = obj;
    if (vg_yaml_is_null(map))
        return 0;
    if (map->type != YAML_MAPPING_NODE) {
        vg_yaml_error(y, map, "`rules` must map rule codes or slugs to levels, such as `VG3003: off`");
        return -1;
    }
    size_t n = vg_yaml_npairs(map);
    cfg->rules = vg_alloc_array(y->ctx->arena, n ? n : 1, sizeof *cfg->rules);
    yaml_node_t **seen = vg_alloc_array(y->ctx->arena, VG_CODE_COUNT, sizeof *seen);
    int rc = 0;
    for (struct vg_yaml_pairs p = vg_yaml_pairs(y, map); vg_yaml_next_pair(&p);) {
        yaml_node_t *k = p.key, *v = p.value;
        const char *name = vg_yaml_scalar(y, k, "rules");
        if (!name) {
            rc = -1;
            continue;
        }
        int code = vg_code_lookup(name);
        if (code < 0) {
            struct vg_diag *d = vg_yaml_error(y, k, "unknown rule `%s`", name);
            const char *near = vg_code_suggest(name);
            if (near)
                vg_diag_help(y->ctx, d, "did you mean `%s`?", near);
            else
                vg_diag_help(y->ctx, d, "`vgpuc rules` lists every code and slug");
            rc = -1;
            continue;
        }
        if (seen[code]) {
            struct vg_diag *d = vg_yaml_error(y, k, "rule `%s` is set twice", vg_code_info((enum vg_code)code)->id);
            vg_diag_span(y->ctx, d, vg_yaml_span(y, seen[code]), "first set here");
            rc = -1;
            continue;
        }
        seen[code] = k;
        const char *lv = vg_yaml_scalar(y, v, name);
        if (!lv) {
            rc = -1;
            continue;
        }
        int level = vg_level_parse(lv);
        if (level < 0) {
            static const char *const levels[] = {"off", "info", "warning", "error"};
            struct vg_diag *d = vg_yaml_error(y, v, "unknown level `%s` for rule `%s`", lv, name);
            const char *near = vg_suggest(lv, levels, 4);
            if (near)
                vg_diag_help(y->ctx, d, "did you mean `%s`?", near);
            vg_diag_note(y->ctx, d, "a rule's level is `off`, `info`, `warning` or `error`");
            rc = -1;
            continue;
        }
        cfg->rules[cfg->nrules].code = code;
        cfg->rules[cfg->nrules].level = level;
        cfg->nrules++;
    }
    return rc;
}

static const struct vg_yaml_field config_f[] = {
    {"fail-on", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_fail_on},
    {"rules", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_rules},
    {"catalog", VG_YF_STRLIST, 0, offsetof(struct vg_config, catalogs), offsetof(struct vg_config, ncatalogs), NULL,
     NULL, NULL},
};
static const struct vg_yaml_fields config_t = {"the config file", config_f, sizeof config_f / sizeof *config_f};

int vg_config_load(struct vg_ctx *ctx, const char *path, struct vg_config *out)
{
    memset(out, 0, sizeof *out);
    out->path = vg_strdup(ctx->arena, path);
    size_t len;
    const char *why;
    char *text = vg_yaml_slurp(path, &len, &why);
    if (!text) {
        vg_diag_emit(ctx, VG9003, (struct vg_span){0, 0, 0}, "cannot read config file `%s`: %s", path, why);
        return -1;
    }
    struct vg_yaml y;
    int rc = vg_yaml_parse(&y, ctx, out->path, text, len);
    if (rc == 0) {
        yaml_node_t *root = vg_yaml_root(&y);
        if (root && !vg_yaml_is_null(root))
            rc = vg_yaml_read(&y, root, &config_t, out);
    }
    vg_yaml_free(&y);
    free(text);
    if (rc < 0)
        return -1;
    /* catalog paths are relative to the config file's folder */
    const char *slash = strrchr(out->path, '/');
    if (slash) {
        size_t dlen = (size_t)(slash - out->path) + 1;
        for (size_t i = 0; i < out->ncatalogs; i++)
            if (out->catalogs[i][0] != '/')
                out->catalogs[i] = vg_sprintf(ctx->arena, "%.*s%s", (int)dlen, out->path, out->catalogs[i]);
    }
    return 0;
}

void vg_config_apply_rules(const struct vg_config *cfg, struct vg_options *opt)
{
    for (size_t i = 0; i < cfg->nrules; i++)
        opt->rule_level[cfg->rules[i].code] = (int8_t)cfg->rules[i].level;
}
