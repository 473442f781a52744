/*
 * cmd_build.c - `vgpuc build`: check, then write one deployment script per
 * cluster.
 *
 * All or nothing: the diagnostics go to stderr, and if any reaches --fail-on
 * (default error), nothing is written; nor when a cluster's platform does not
 * match an explicit --target or two clusters would write the same file, which
 * are diagnostics too (VG7101-VG7104), queued before the report is rendered. Otherwise
 * each script is generated in memory just before it is written (one buffer
 * reused for every cluster) to a temporary file next to DIR/<cluster>.<ext>,
 * and only when all were written are they renamed into place (or each is
 * written to stdout in turn).
 * File names come from cluster names but can never leave DIR. The file
 * name, header facts, folder creation and all-or-nothing write are shared
 * with `vgpuc rollout -o` (vg_script_* in cli.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/ps.h"
#include "backends/sha256.h"
#include "driver/cli.h"
#include "base/hash.h"
#include "model/model.h"
#include "plan/plan.h"
#include "base/strbuf.h"
#include "driver/pipeline.h"

/* Windows device names: refused as a file name with any extension, in any case. */
static const char *const reserved_names[] = {"CON", "PRN", "AUX", "NUL", "COM", "LPT"};

static int reserved(const char *base, size_t n)
{
    for (size_t i = 0; i < sizeof reserved_names / sizeof *reserved_names; i++) {
        const char *w = reserved_names[i];
        size_t k = 0;
        while (k < 3 && k < n && (base[k] & ~0x20) == w[k])
            k++;
        if (k < 3)
            continue;
        if (n == 3 && i < 4)
            return 1;
        if (n == 4 && i >= 4 && base[3] >= '0' && base[3] <= '9')
            return 1; /* COM0..COM9, LPT0..LPT9 */
    }
    return 0;
}

/*
 * The file name for a cluster, valid on Linux, Windows and macOS: characters
 * outside [A-Za-z0-9._-] become `_`; a leading dot becomes `_` too, so no
 * name is hidden, `.` or `..`; a Windows device name (`CON`, `nul.x`,
 * `COM1`) gets a leading `_`. Two names that differ only in case are the same
 * file on Windows and macOS: name_files() compares them without case.
 */
char *vg_script_file_name(struct vg_arena *a, const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    char *r = vg_alloc(a, n + e + 3);
    char *p = r;
    size_t base = strcspn(name, ".");
    if (reserved(name, base))
        *p++ = '_';
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == '-';
        *p++ = ok && !(i == 0 && c == '.') ? c : '_';
    }
    if (n == 0)
        *p++ = '_';
    memcpy(p, ext, e + 1);
    return r;
}

/* Split an absolute path into its components, resolving "." and ".." lexically. */
static size_t path_parts(struct vg_arena *a, const char *path, const char **part, size_t max)
{
    size_t n = 0;
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (n)
                n--;
        } else if (len && !(len == 1 && s[0] == '.') && n < max) {
            char *c = vg_alloc(a, len + 1);
            memcpy(c, s, len);
            c[len] = 0;
            part[n++] = c;
        }
        s = e;
    }
    return n;
}

/* The source path for the script header, relative to the current folder and
   never absolute, so that a build in CI and on a laptop give the same bytes:
   "./a/../a/b.vgpu" -> "a/b.vgpu"; "/home/u/site/b.vgpu" run in /home/u -> "site/b.vgpu". */
static const char *header_path(struct vg_arena *a, const char *path)
{
    enum { MAXP = 256 };
    const char *p[MAXP], *w[MAXP];
    char *cwd = getcwd(NULL, 0);
    if (!cwd) { /* no current folder: as given, else the file name alone */
        const char *base = strrchr(path, '/');
        return path[0] != '/' ? path : base && base[1] ? base + 1 : "<unknown>";
    }
    size_t nw = path_parts(a, cwd, w, MAXP), np, common = 0;
    np = path_parts(a, path[0] == '/' ? path : vg_sprintf(a, "%s/%s", cwd, path), p, MAXP);
    free(cwd);
    while (common < np && common < nw && strcmp(p[common], w[common]) == 0)
        common++;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (size_t i = common; i < nw; i++)
        vg_sb_puts(&sb, "../");
    for (size_t i = common; i < np; i++)
        vg_sb_printf(&sb, "%s%s", i > common ? "/" : "", p[i]);
    const char *out = vg_strdup(a, sb.len ? vg_sb_str(&sb) : ".");
    vg_sb_free(&sb);
    return out;
}

/* Header facts of the file a cluster was declared in (digest computed once per file). */
void vg_script_source_info(struct vg_ctx *ctx, struct vg_hash *digests, const struct vg_cluster *c,
                           struct vg_emit_info *info)
{
    const struct vg_source *src = c->span.file ? vg_source_get(ctx, c->span.file) : NULL;
    char *hex;
    info->tool_version = "vgpuc " VGPUC_VERSION;
    info->source_path = src ? vg_inert(ctx->arena, header_path(ctx->arena, src->path))
                            : "<unknown>"; /* a file name may hold a line break */
    info->source_sha256 = "";
    if (!src)
        return;
    hex = vg_hash_get(digests, src->path);
    if (!hex) {
        hex = vg_alloc(ctx->arena, 65);
        vg_sha256_hex(src->text, src->len, hex);
        vg_hash_put(digests, src->path, hex);
    }
    info->source_sha256 = hex;
}

const char *vg_script_dir(struct vg_arena *a, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return vg_strndup(a, dir, n);
}

void vg_script_clash(struct vg_ctx *ctx, struct vg_diag *d, const struct vg_cluster *other, const char *file)
{
    vg_diag_span(ctx, d, other->name_span, "`%s` is written to `%s`", other->name, file);
    vg_diag_note(ctx, d,
                 "characters outside [A-Za-z0-9._-] and a leading dot become `_` in file names, "
                 "and Windows and macOS do not tell upper from lower case");
    vg_diag_help(ctx, d, "rename one of the clusters");
}

/* mkdir -p: like terraform and bicep, -o creates the folder it is given. */
int vg_script_make_dirs(const char *dir)
{
    char *p = vg_xstrdup(dir);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

/*
 * The target and file of every cluster, before the report is rendered: a
 * cluster with no script target (VG7101), one that an explicit --target cannot
 * deploy (VG7102), a file name over 255 bytes (VG7103) and two clusters on one
 * file (VG7104) are diagnostics like any other, in every format. Returns 1 if
 * one was found: then nothing is written, whatever the level of the code.
 */
static int name_files(struct vg_ctx *ctx, const struct vg_cli *cli, const struct vg_model *m, struct vg_script *out,
                      enum vg_target *target)
{
    const char *dir = vg_script_dir(ctx->arena, cli->outdir ? cli->outdir : ".");
    struct vg_hash files;
    int bad = 0;

    vg_hash_init_names(&files, ctx->arena, VG_HASH_NOCASE); /* Windows and macOS ignore case */
    for (size_t i = 0; i < m->nclusters; i++) {
        const struct vg_cluster *c = m->clusters[i];
        enum vg_target need = vg_target_for(c);
        enum vg_target t = cli->target == VG_TARGET_AUTO ? need : (enum vg_target)cli->target;
        struct vg_span at = c->platform_span.file ? c->platform_span : c->name_span;
        struct vg_diag *d;
        const struct vg_script *first;

        target[i] = t;
        if (need == VG_TARGET_AUTO && t != VG_TARGET_JSON) {
            d = vg_diag_emit(ctx, VG7101, at, "cluster `%s` has no known platform family, so no script target",
                             c->name);
            vg_diag_help(ctx, d, "give it a `platform` the catalog knows, or build with `--target json`");
            bad = 1;
            continue;
        }
        if (t != VG_TARGET_JSON && t != need) {
            d = vg_diag_emit(ctx, VG7102, at, "cluster `%s` runs on `%s`, which `--target %s` cannot deploy", c->name,
                             c->family ? c->family : "?", vg_target_name(t));
            vg_diag_help(ctx, d, "use `--target %s` (or `--target auto`) for this cluster", vg_target_name(need));
            bad = 1;
            continue;
        }
        out[i].file = vg_script_file_name(ctx->arena, c->name, vg_target_ext(t));
        if (strlen(out[i].file) > 255) {
            d = vg_diag_emit(ctx, VG7103, c->name_span, "cluster `%.40s...` is too long for a file name (255 bytes)",
                             c->name);
            vg_diag_label(ctx, d, "its file name would be %zu bytes", strlen(out[i].file));
            bad = 1;
            continue;
        }
        first = vg_hash_put(&files, out[i].file, &out[i]);
        if (first) {
            const struct vg_cluster *other = m->clusters[first - out];
            d = vg_diag_emit(ctx, VG7104, c->name_span, "clusters `%s` and `%s` would both be written to `%s`",
                             other->name, c->name, out[i].file);
            vg_script_clash(ctx, d, other, first->file);
            bad = 1;
            continue;
        }
        out[i].path = vg_sprintf(ctx->arena, "%s/%s", dir, out[i].file);
        out[i].bom = vg_target_bom(t);
    }
    return bad;
}

/* What generate_one needs to write any cluster's script. */
struct gen {
    struct vg_ctx *ctx;
    const struct vg_model *m;
    const struct vg_plan *plan;
    const enum vg_target *target;
    struct vg_hash digests; /* a source file's SHA-256, computed once */
};

/*
 * Cluster i's script into `text`, emptied first. The scripts are written one
 * by one from one buffer (vg_scripts_fill): a build of 100k VMs writes ~70 MB
 * of JSON, and a buffer per script held it all at once, every page of it
 * fresh memory the kernel had to clear.
 */
static void generate_one(void *arg, size_t i, struct vg_strbuf *text)
{
    struct gen *g = arg;
    struct vg_emit_info info;
    vg_script_source_info(g->ctx, &g->digests, g->m->clusters[i], &info);
    text->len = 0;
    if (text->data)
        text->data[0] = '\0';
    vg_target_emit(g->target[i], g->ctx, g->m->clusters[i], &g->plan->clusters[i], &info, text);
}

/* Scripts with any non-ASCII byte start with a BOM when their target says so
 * (target.c: the PowerShell ones, for Windows PowerShell 5.1). */
static int needs_bom(const struct vg_script *s)
{
    const char *data = s->text.data ? s->text.data : "";
    return s->bom && vg_ps_needs_bom(data, s->text.len);
}

static int write_stdout(const struct vg_script *s)
{
    const char *data = s->text.data ? s->text.data : "";
    if ((needs_bom(s) && fwrite(VG_PS_BOM, 1, 3, stdout) != 3) || fwrite(data, 1, s->text.len, stdout) != s->text.len)
        return -1;
    return 0;
}

/* The script in a temporary file next to its place; its name, or NULL (errno). */
static char *write_temp(const struct vg_script *s)
{
    const char *data = s->text.data ? s->text.data : "";
    struct stat st;
    if (lstat(s->path, &st) == 0 && S_ISDIR(st.st_mode)) {
        errno = EISDIR; /* the rename would fail after others were done */
        return NULL;
    }
    if (!needs_bom(s))
        return vg_write_temp(s->path, data, s->text.len);
    char *buf = vg_xmalloc(s->text.len + 3);
    memcpy(buf, VG_PS_BOM, 3);
    memcpy(buf + 3, data, s->text.len);
    char *tmp = vg_write_temp(s->path, buf, s->text.len + 3);
    int e = errno;
    free(buf);
    errno = e;
    return tmp;
}

/*
 * All or nothing: every script goes to a temporary file first; only when all
 * were written are they renamed into place. A full disk or a write error
 * half-way leaves every existing script as it was, and no temporary file.
 * With `fill`, each script's text is made just before it is written, in one
 * buffer reused from script to script.
 */
int vg_scripts_fill(struct vg_ctx *ctx, struct vg_script *scripts, size_t n, vg_script_fill_fn *fill, void *arg)
{
    char **tmp = vg_alloc_array(ctx->arena, n ? n : 1, sizeof *tmp);
    struct vg_strbuf buf;
    vg_sb_init(&buf);
    for (size_t i = 0; i < n; i++) {
        if (fill) {
            fill(arg, i, &buf);
            scripts[i].text = buf;
        }
        tmp[i] = write_temp(&scripts[i]);
        int e = errno;
        if (fill) {
            buf = scripts[i].text;
            vg_sb_init(&scripts[i].text);
        }
        if (tmp[i] != NULL)
            continue;
        fprintf(stderr, "vgpuc: error: cannot write `%s`: %s\n", vg_inert(ctx->arena, scripts[i].path), strerror(e));
        fprintf(stderr, "  = note: nothing was written; every existing script is unchanged\n");
        for (size_t k = 0; k < i; k++)
            vg_discard_temp(tmp[k]);
        vg_sb_free(&buf);
        return -1;
    }
    vg_sb_free(&buf);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = scripts[i].path;
        if (vg_commit_temp(tmp[i], path) != 0) {
            fprintf(stderr, "vgpuc: error: cannot rename into `%s`: %s\n", vg_inert(ctx->arena, path), strerror(errno));
            rc = -1;
        }
    }
    return rc;
}

int vg_scripts_write(struct vg_ctx *ctx, struct vg_script *scripts, size_t n)
{
    return vg_scripts_fill(ctx, scripts, n, NULL, NULL);
}

/* Every script to standard output, one after the other, from one buffer. */
static int write_all_stdout(struct vg_script *scripts, size_t n, struct gen *g)
{
    struct vg_strbuf buf;
    vg_sb_init(&buf);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        generate_one(g, i, &buf);
        scripts[i].text = buf;
        if (write_stdout(&scripts[i]) != 0) {
            fprintf(stderr, "vgpuc: error: cannot write `<stdout>`: %s\n", strerror(errno));
            rc = -1;
        }
        vg_sb_init(&scripts[i].text);
    }
    vg_sb_free(&buf);
    if (fflush(stdout) != 0)
        rc = -1;
    return rc;
}

int vg_cmd_build(struct vg_cli *cli)
{
    struct vg_ctx ctx;
    struct vg_model *model;
    struct vg_plan *plan;
    struct vg_script *scripts = NULL;
    enum vg_target *target = NULL;
    size_t nfiles, n = 0;
    int rc, bad = 0;

    vg_ctx_init(&ctx);
    rc = vg_pipeline_run(&ctx, cli, &model, &plan, &nfiles);
    if (rc == VG_EXIT_OK && model && plan && !vg_pipeline_fails(&ctx, cli)) {
        n = model->nclusters;
        scripts = vg_alloc_array(ctx.arena, n ? n : 1, sizeof *scripts);
        target = vg_alloc_array(ctx.arena, n ? n : 1, sizeof *target);
        bad = name_files(&ctx, cli, model, scripts, target);
        vg_diags_finish_late(&ctx);
    }
    {
        int rep = vg_pipeline_report(&ctx, cli, nfiles, 1);
        if (rc == VG_EXIT_OK)
            rc = rep;
    }
    if (rc == VG_EXIT_OK && bad)
        rc = VG_EXIT_FINDINGS; /* with the code turned off or --fail-on none too */
    if (rc != VG_EXIT_OK || !scripts)
        goto done;
    struct gen g = {&ctx, model, plan, target, {0}};
    vg_hash_init(&g.digests, ctx.arena);
    if (!cli->to_stdout && cli->outdir && vg_script_make_dirs(cli->outdir) != 0) {
        fprintf(stderr, "vgpuc: error: cannot create the output folder `%s`: %s\n", vg_inert(ctx.arena, cli->outdir),
                strerror(errno));
        rc = VG_EXIT_FAILURE;
        goto done;
    }
    if (cli->to_stdout) {
        if (write_all_stdout(scripts, n, &g) != 0)
            rc = VG_EXIT_FAILURE;
    } else if (vg_scripts_fill(&ctx, scripts, n, generate_one, &g) != 0) {
        rc = VG_EXIT_FAILURE;
    }
done:
    for (size_t i = 0; scripts && i < n; i++)
        vg_sb_free(&scripts[i].text);
    vg_ctx_free(&ctx);
    return rc;
}
