/*
 * inputs.c - input discovery: the files and folders of the command line
 * expanded into the .vgpu files to check (vg_cli_expand_inputs in cli.h),
 * shared by lint, plan, build and fmt. Folders are searched recursively in
 * sorted order, hidden entries skipped, links to folders not followed, and a
 * .vgpu link that leaves the folder refused (VG1013).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "driver/cli.h"

struct inputs {
    struct vg_ctx *ctx;
    const char **v;
    size_t n, cap;
    struct vg_hash seen;
    size_t nfailed;
    char *top; /* real path of the folder being walked */
};

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void add_input(struct inputs *in, const char *path)
{
    if (vg_hash_put(&in->seen, path, (void *)path))
        return; /* the same file twice would report every name as a duplicate */
    VG_PUSH(in->ctx->arena, in->v, in->n, in->cap, path);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int has_vgpu_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".vgpu") == 0;
}

/* A `*.vgpu` symbolic link found in a folder must stay in that folder: a
 * pull request must not make `vgpuc lint .` read (and print) a key or a
 * token elsewhere (VG1013; SECURITY.md). A link that resolves nowhere is
 * kept, and reported missing when it is read. */
static int link_inside(struct inputs *in, const char *path)
{
    char *real = realpath(path, NULL);
    if (!real || !in->top) {
        free(real);
        return 1;
    }
    size_t n = strlen(in->top);
    int inside = strcmp(in->top, "/") == 0 || (strncmp(real, in->top, n) == 0 && (real[n] == '/' || real[n] == '\0'));
    free(real);
    if (!inside) {
        struct vg_diag *d = vg_diag_emit(in->ctx, VG1013, vg_span_make(0, 0, 0),
                                         "`%s` is a symbolic link to a file outside the folder being checked", path);
        vg_diag_help(in->ctx, d, "name the file itself on the command line to check it");
    }
    return inside;
}

/* Depth-first, entries sorted by bytes (not strcoll): the same order everywhere. */
static void walk(struct inputs *in, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        vg_diag_emit(in->ctx, VG1009, vg_span_make(0, 0, 0), "cannot read directory `%s`: %s", dir, strerror(errno));
        in->nfailed++;
        return;
    }
    const char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') /* also skips hidden folders such as .git */
            VG_PUSH(in->ctx->arena, names, n, cap, vg_strdup(in->ctx->arena, e->d_name));
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    size_t dlen = strlen(dir);
    int slash = dlen && dir[dlen - 1] == '/';
    for (size_t i = 0; i < n; i++) {
        const char *path = vg_sprintf(in->ctx->arena, "%s%s%s", dir, slash ? "" : "/", names[i]);
        struct stat lst;
        if (lstat(path, &lst) != 0)
            continue;
        if (S_ISDIR(lst.st_mode)) {
            if (depth < 64) /* symbolic links to folders are not followed: no loops */
                walk(in, path, depth + 1);
        } else if (has_vgpu_suffix(names[i]) && (S_ISREG(lst.st_mode) || (S_ISLNK(lst.st_mode) && !is_dir(path)))) {
            if (S_ISLNK(lst.st_mode) && !link_inside(in, path))
                continue;
            add_input(in, path);
        }
    }
}

const char **vg_cli_expand_inputs(struct vg_ctx *ctx, const struct vg_cli *cli, size_t *n, size_t *nfailed)
{
    struct inputs in = {ctx, NULL, 0, 0, {0}, 0, NULL};
    vg_hash_init(&in.seen, ctx->arena);
    for (size_t i = 0; i < cli->ninputs; i++) {
        const char *path = cli->inputs[i];
        if (strcmp(path, "-") == 0 || !is_dir(path)) {
            add_input(&in, path); /* a missing file is reported when it is loaded */
            continue;
        }
        size_t before = in.n, failed = in.nfailed;
        in.top = realpath(path, NULL);
        walk(&in, path, 0);
        free(in.top);
        in.top = NULL;
        if (in.n == before && in.nfailed == failed) {
            vg_diag_emit(ctx, VG1009, vg_span_make(0, 0, 0), "no `.vgpu` files in directory `%s`", path);
            in.nfailed++;
        }
    }
    *n = in.n;
    *nfailed = in.nfailed;
    return in.v;
}
