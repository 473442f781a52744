/*
 * cmd_rollout.c - `vgpuc rollout`: read CURRENT and DESIRED, lint both, plan
 * the rollout (rollout.c), print the plan on stdout and the diagnostics on
 * stderr.
 *
 * CURRENT is a second file, or DESIRED as committed at a git revision
 * (`--from-git REV`: `git -C DIR show REV:./FILE`, run with an argument
 * vector, never a shell; REV may not start with `-` or hold `:`), or, with
 * `--drain HOST` and one file, DESIRED itself. Both end states are linted
 * like `vgpuc lint`: DESIRED's diagnostics are all shown, CURRENT's errors
 * too; the rollout is planned only when neither has an error. The plan is
 * printed in every case (a JSON document always has its shape), and the exit
 * code is 1 when some cluster has no safe order. With `-o DIR` the rollout
 * script of every cluster (backends/rollout.c) is written too, all or
 * nothing, and only when every cluster has a plan and a script target.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/backend.h"
#include "driver/cli.h"
#include "core/vg_limits.h"
#include "model/model.h"
#include "plan/plan.h"
#include "rollout/rollout.h"
#include "rules/rules.h"
#include "base/strbuf.h"
#include "base/suggest.h"
#include "core/suppress.h"
#include "driver/pipeline.h"

/* Everything a pipe gives until its end, in a malloc'd buffer with room for a
 * final NUL; *toobig when it holds more than VG_MAX_FILE_BYTES (or memory ran out). */
static char *read_all(int fd, size_t *len, int *toobig)
{
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (cap - *len < 65536) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                *toobig = 1;
                break;
            }
            buf = nb;
        }
        ssize_t n = read(fd, buf + *len, cap - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        *len += (size_t)n;
        if (*len > VG_MAX_FILE_BYTES) {
            *toobig = 1;
            break;
        }
    }
    return buf;
}

/* `git -C DIR show REV:./BASE` into a malloc'd buffer; NULL with errno-like text in err. */
static char *git_show(const char *rev, const char *path, size_t *len, char *err, size_t errsize)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *spec = malloc(strlen(rev) + strlen(path) + 4);
    char *buf = NULL;
    *len = 0;
    if (!dir || !spec) {
        snprintf(err, errsize, "out of memory");
        goto out;
    }
    sprintf(spec, "%s:./%s", rev, slash ? slash + 1 : path);
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errsize, "cannot run git: %s", strerror(errno));
        goto out;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errsize, "cannot run git: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        goto out;
    }
    if (pid == 0) {
        char *argv[] = {"git", "-C", dir, "--no-pager", "show", spec, NULL};
        close(fd[0]);
        if (dup2(fd[1], STDOUT_FILENO) < 0)
            _exit(127);
        close(fd[1]);
        execvp("git", argv);
        _exit(127);
    }
    close(fd[1]);
    int toobig = 0;
    buf = read_all(fd[0], len, &toobig);
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (toobig) {
        snprintf(err, errsize, "the file at that revision is larger than %u MiB", VG_MAX_FILE_BYTES >> 20);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            snprintf(err, errsize, "cannot run `git` (is it installed and on PATH?)");
        else
            snprintf(err, errsize, "`git show %s` failed (see git's message above)", spec);
    } else {
        buf[*len] = 0;
        goto out;
    }
    free(buf);
    buf = NULL;
out:
    free(dir);
    free(spec);
    return buf;
}

/* "HOST,HOST" split in place into the arena. */
static const char **split_order(struct vg_ctx *ctx, const char *s, size_t *n)
{
    size_t cap = 1;
    for (const char *c = s; *c; c++)
        cap += *c == ',';
    const char **v = vg_alloc_array(ctx->arena, cap, sizeof *v);
    *n = 0;
    const char *start = s;
    for (const char *c = s;; c++)
        if (*c == ',' || !*c) {
            if (c > start)
                v[(*n)++] = vg_strndup(ctx->arena, start, (size_t)(c - start));
            if (!*c)
                break;
            start = c + 1;
        }
    return v;
}

/* 1 if every name is a host (is_vm = 0) or VM of `m`; else prints the usage error. */
static int names_exist(const struct vg_model *m, const char *opt, const char *const *names, size_t n, int is_vm)
{
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t k = 0; k < m->nclusters && !found; k++) {
            const struct vg_cluster *cl = m->clusters[k];
            if (!is_vm) {
                found = vg_hash_get(&cl->host_by_name, names[i]) != NULL;
                continue;
            }
            for (size_t j = 0; j < cl->nvms && !found; j++)
                found = strcmp(cl->vms[j]->name, names[i]) == 0;
        }
        if (found)
            continue;
        const char *cands[64];
        size_t nc = 0;
        for (size_t k = 0; k < m->nclusters; k++) {
            const struct vg_cluster *cl = m->clusters[k];
            size_t cnt = is_vm ? cl->nvms : cl->nhosts;
            for (size_t j = 0; j < cnt && nc < 64; j++)
                cands[nc++] = is_vm ? cl->vms[j]->name : cl->hosts[j]->name;
        }
        const char *s = vg_suggest(names[i], cands, nc);
        fprintf(stderr, "vgpuc: error: `--%s %s`: no %s of that name in DESIRED%s%s%s\n", opt, names[i],
                is_vm ? "VM" : "host", s ? "; did you mean `" : "", s ? s : "", s ? "`?" : "");
        return 0;
    }
    return 1;
}

/* What `-o DIR` writes: one script per cluster, in the order of the rollout. */
struct scripts {
    struct vg_script *v;
    enum vg_target *target;
    size_t n;
};

/*
 * `-o DIR`: the target and file of every cluster's rollout script, before the
 * report is rendered: a platform with no rollout script (VG7201), a `--target`
 * that cannot roll the cluster out (VG7202), a file name over 255 bytes
 * (VG7203), two clusters on one file (VG7204) and no cluster at all (VG7205)
 * are diagnostics like any other, in every format. Returns 1 if one was
 * found: then nothing is written, whatever the level of the code.
 */
static int name_scripts(struct vg_ctx *ctx, const struct vg_cli *cli, const struct vg_rollout *ro, struct scripts *out)
{
    size_t n = ro->nclusters;
    const char *dir = vg_script_dir(ctx->arena, cli->outdir);
    struct vg_hash files;
    vg_hash_init_names(&files, ctx->arena, VG_HASH_NOCASE); /* Windows and macOS ignore case */
    out->v = vg_alloc_array(ctx->arena, n ? n : 1, sizeof *out->v);
    out->target = vg_alloc_array(ctx->arena, n ? n : 1, sizeof *out->target);
    out->n = n;
    if (!n) {
        struct vg_diag *d = vg_diag_emit(ctx, VG7205, vg_span_make(0, 0, 0),
                                         "DESIRED declares no cluster, so there is no rollout script to write");
        vg_diag_help(ctx, d, "give the files that declare the clusters, or drop `-o`");
        return 1;
    }
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const struct vg_cluster *c = ro->clusters[i].cl;
        enum vg_target need = vg_target_for(c);
        enum vg_target t = cli->target == VG_TARGET_AUTO ? need : (enum vg_target)cli->target;
        struct vg_span at = c->platform_span.file ? c->platform_span : c->name_span;
        struct vg_script *sc = &out->v[i];
        struct vg_diag *d;
        out->target[i] = t;
        if (t != need) {
            d = vg_diag_emit(ctx, VG7202, at, "cluster `%s` runs on `%s`, which `--target %s` cannot roll out", c->name,
                             c->family ? c->family : "?", vg_target_name(t));
            vg_diag_help(ctx, d, "use `--target auto` (the default) for this cluster");
            bad = 1;
            continue;
        }
        if (!vg_rollout_target_supported(t)) {
            if (t == VG_TARGET_AUTO) {
                d = vg_diag_emit(ctx, VG7201, at, "cluster `%s` has no known platform family, so no rollout script",
                                 c->name);
                vg_diag_help(ctx, d,
                             "give it a `platform` the catalog knows, or run the plan by hand from the "
                             "runbook");
            } else {
                d = vg_diag_emit(ctx, VG7201, at, "cluster `%s`: no rollout script for `%s` yet", c->name,
                                 vg_target_name(t));
                vg_diag_help(ctx, d, "run the plan by hand from the runbook, or plan this cluster without `-o`");
            }
            bad = 1;
            continue;
        }
        sc->file = vg_script_file_name(ctx->arena, vg_sprintf(ctx->arena, "%s-rollout", c->name), ".ps1");
        if (strlen(sc->file) > 255) {
            d = vg_diag_emit(ctx, VG7203, c->name_span,
                             "cluster `%.40s...` is too long for the file name of its rollout script (255 bytes)",
                             c->name);
            vg_diag_label(ctx, d, "its file name would be %zu bytes", strlen(sc->file));
            bad = 1;
            continue;
        }
        const struct vg_script *first = vg_hash_put(&files, sc->file, sc);
        if (first) {
            const struct vg_cluster *other = ro->clusters[first - out->v].cl;
            d = vg_diag_emit(ctx, VG7204, c->name_span,
                             "the rollout scripts of clusters `%s` and `%s` would both be written to `%s`", other->name,
                             c->name, sc->file);
            vg_script_clash(ctx, d, other, first->file);
            bad = 1;
            continue;
        }
        sc->path = vg_sprintf(ctx->arena, "%s/%s", dir, sc->file);
        sc->bom = vg_target_bom(t);
    }
    return bad;
}

/* Every script named by name_scripts, all or nothing. Returns VG_EXIT_OK, or
 * VG_EXIT_FAILURE when the folder or a file could not be written. */
static int write_scripts(struct vg_ctx *ctx, const struct vg_cli *cli, const struct vg_rollout *ro, struct scripts *out)
{
    struct vg_hash digests;
    vg_hash_init(&digests, ctx->arena);
    for (size_t i = 0; i < out->n; i++) {
        struct vg_emit_info info;
        vg_script_source_info(ctx, &digests, ro->clusters[i].cl, &info);
        vg_sb_init(&out->v[i].text);
        vg_emit_rollout(ctx, out->target[i], &ro->clusters[i], &info, &out->v[i].text);
    }
    int rc = VG_EXIT_OK;
    if (vg_script_make_dirs(cli->outdir) != 0) {
        fprintf(stderr, "vgpuc: error: cannot create the output folder `%s`: %s\n", vg_inert(ctx->arena, cli->outdir),
                strerror(errno));
        rc = VG_EXIT_FAILURE;
    } else if (vg_scripts_write(ctx, out->v, out->n) != 0) {
        rc = VG_EXIT_FAILURE;
    }
    for (size_t i = 0; i < out->n; i++)
        vg_sb_free(&out->v[i].text);
    return rc;
}

/* Lint one end state in a scratch context; its diagnostics go to ctx (only
 * errors when errors_only). Returns the number of errors. */
static size_t lint_state(struct vg_ctx *ctx, struct vg_model *m, int errors_only)
{
    struct vg_ctx sc = *ctx;
    sc.arena = vg_arena_new();
    memset(&sc.diags, 0, sizeof sc.diags);
    sc.opt.error_limit = 0;
    vg_suppress_copy(&sc, ctx);
    struct vg_plan *p = vg_plan_build(&sc, m);
    vg_rules_run(&sc, m, p);
    vg_suppress_apply(&sc);
    size_t nerr = 0;
    struct vg_diags keep;
    memset(&keep, 0, sizeof keep);
    size_t cap = 0;
    for (size_t i = 0; i < sc.diags.n; i++) {
        struct vg_diag *d = sc.diags.v[i];
        if (d->code == VG9001)
            continue; /* ctx reports unused suppressions itself, once */
        if (d->level == VG_LEVEL_ERROR && !d->suppressed)
            nerr++;
        if (errors_only && d->level != VG_LEVEL_ERROR && !d->suppressed)
            continue;      /* suppressed ones go too: ctx then sees their suppressions used */
        d->suppressed = 0; /* ctx applies the suppressions again */
        VG_PUSH(sc.arena, keep.v, keep.n, cap, d);
    }
    vg_diags_replay(ctx, &keep);
    vg_arena_adopt(ctx->arena, sc.arena);
    return nerr;
}

/*
 * The sources of DESIRED and CURRENT: *want, and *cur (a second file, DESIRED
 * at a git revision, or DESIRED itself for a drain). Returns VG_EXIT_OK, or
 * VG_EXIT_FAILURE when one could not be read (said on stderr, or queued).
 */
static int load_states(struct vg_ctx *ctx, const struct vg_cli *cli, uint32_t *want, uint32_t *cur)
{
    const char *want_path = cli->ninputs == 2 ? cli->inputs[1] : cli->inputs[0];
    const char *stdin_name = cli->stdin_filename ? cli->stdin_filename : "<stdin>";
    int run = VG_EXIT_OK;
    *want = vg_source_load(ctx, want_path, strcmp(want_path, "-") == 0 ? stdin_name : NULL, vg_span_make(0, 0, 0));
    *cur = 0;
    if (cli->from_git) {
        char err[512];
        size_t len;
        char *text = strcmp(want_path, "-") == 0 ? NULL : git_show(cli->from_git, want_path, &len, err, sizeof err);
        if (!text) {
            fprintf(stderr, "vgpuc: error: cannot read `%s` at revision `%s`: %s\n", want_path, cli->from_git,
                    strcmp(want_path, "-") == 0 ? "stdin has no revision" : err);
            return VG_EXIT_FAILURE;
        }
        *cur = vg_source_add(ctx, vg_sprintf(ctx->arena, "%s:%s", cli->from_git, want_path), text, len,
                             vg_span_make(0, 0, 0));
        free(text);
    } else if (cli->ninputs == 2) {
        if (strcmp(cli->inputs[0], "-") == 0 && strcmp(cli->inputs[1], "-") == 0) {
            fprintf(stderr, "vgpuc: error: CURRENT and DESIRED cannot both be stdin\n");
            return VG_EXIT_FAILURE;
        }
        *cur = vg_source_load(ctx, cli->inputs[0], strcmp(cli->inputs[0], "-") == 0 ? stdin_name : NULL,
                              vg_span_make(0, 0, 0));
        if (!*cur)
            run = VG_EXIT_FAILURE;
    } else {
        *cur = *want; /* a drain: the same state before and after */
    }
    if (!*want)
        run = VG_EXIT_FAILURE;
    return run;
}

/*
 * Lint both states and plan the rollout: *ro stays NULL when either state has
 * an error. Returns VG_EXIT_OK, or VG_EXIT_FAILURE for a `--drain`, `--order`
 * or `--allow-down` name that DESIRED does not have (said on stderr).
 */
static int plan_states(struct vg_ctx *ctx, const struct vg_cli *cli, uint32_t want_id, uint32_t cur_id,
                       struct vg_rollout **ro)
{
    struct vg_model *want = vg_model_build(ctx, &want_id, 1);
    struct vg_model *cur = cur_id == want_id ? want : vg_model_build(ctx, &cur_id, 1);
    size_t nerr = vg_diag_error_count(ctx);
    if (cur != want)
        nerr += lint_state(ctx, cur, 1);
    nerr += lint_state(ctx, want, 0);
    if (nerr)
        return VG_EXIT_OK;
    struct vg_ro_options o;
    memset(&o, 0, sizeof o);
    o.at_once = cli->at_once ? cli->at_once : 1;
    o.order = cli->order ? split_order(ctx, cli->order, &o.norder) : NULL;
    o.drain = cli->drain;
    o.ndrain = cli->ndrain;
    o.allow_down = cli->allow_down;
    o.nallow_down = cli->nallow_down;
    o.keep_failover = cli->keep_failover;
    if (!names_exist(want, "drain", o.drain, o.ndrain, 0) || !names_exist(want, "order", o.order, o.norder, 0) ||
        !names_exist(want, "allow-down", o.allow_down, o.nallow_down, 1))
        return VG_EXIT_FAILURE;
    *ro = vg_rollout_plan(ctx, cur, want, &o);
    return VG_EXIT_OK;
}

/* The plan on stdout in --format; 0, or -1 when stdout could not be written. */
static int print_plan(struct vg_ctx *ctx, const char *fmt, const struct vg_rollout *ro)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    if (!strcmp(fmt, "json"))
        vg_rollout_json(ctx, ro, &sb);
    else if (!strcmp(fmt, "svg"))
        vg_rollout_svg(ctx, ro, &sb);
    else
        vg_rollout_text(ctx, ro, &sb);
    int rc = fwrite(vg_sb_str(&sb), 1, sb.len, stdout) != sb.len || fflush(stdout) != 0 ? -1 : 0;
    vg_sb_free(&sb);
    return rc;
}

int vg_cmd_rollout(struct vg_cli *cli)
{
    const char *fmt = cli->format_arg ? cli->format_arg : "text";
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    int run = vg_pipeline_setup(&ctx, cli, cli->inputs, cli->ninputs);
    size_t nfiles = cli->from_git ? 1 : cli->ninputs;
    struct vg_rollout *ro = NULL;
    struct scripts out = {NULL, NULL, 0};
    int bad = 0;
    uint32_t want_id = 0, cur_id = 0;
    if (run == VG_EXIT_OK)
        run = load_states(&ctx, cli, &want_id, &cur_id);
    if (run == VG_EXIT_OK && plan_states(&ctx, cli, want_id, cur_id, &ro) != VG_EXIT_OK) {
        vg_ctx_free(&ctx);
        return VG_EXIT_FAILURE;
    }
    vg_diags_finish(&ctx);
    if (run == VG_EXIT_OK && cli->outdir && ro && ro->ok && !vg_pipeline_fails(&ctx, cli)) {
        bad = name_scripts(&ctx, cli, ro, &out); /* before the report: its errors are in it */
        vg_diags_finish_late(&ctx);
    }
    int rc = vg_pipeline_report(&ctx, cli, nfiles, 1);
    if (run == VG_EXIT_OK && ctx.catalog && print_plan(&ctx, fmt, ro) != 0)
        run = VG_EXIT_FAILURE;
    if (run == VG_EXIT_OK && ro && !ro->ok)
        rc = rc == VG_EXIT_FAILURE ? rc : VG_EXIT_FINDINGS;
    if (rc == VG_EXIT_OK && bad)
        rc = VG_EXIT_FINDINGS; /* with the code turned off or --fail-on none too */
    if (run == VG_EXIT_OK && rc == VG_EXIT_OK && out.v)
        rc = write_scripts(&ctx, cli, ro, &out);
    vg_ctx_free(&ctx);
    return run ? run : rc;
}
