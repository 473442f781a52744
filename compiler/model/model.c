/*
 * model.c - the front end: syntax trees -> the resolved model.
 *
 * Parses the root files and follows their `include`s (an included file is read
 * at the point of its include, once per run, so its declarations come first;
 * cycles, depth and missing files are VG1009), and hands every top-level block
 * to build.c, which checks it against the schema, expands its names (names.c)
 * and resolves its references (resolve.c).
 *
 * The parser hands over each top-level block as soon as its `}` is read, and
 * its tree is released once the block is built, so the whole tree of a large
 * file never exists at once; diagnostics are queued in the order of a parse
 * that read the whole file first (defer_begin).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "model/builder.h"

#include <stdlib.h>
#include <string.h>

#include "syntax/parse.h"
#include "base/strbuf.h"

static void read_file(struct builder *b, uint32_t id, const char *key, struct vg_span at);

/* Canonical key of a path (realpath), or the path itself when it does not exist. */
static const char *canonical(struct vg_arena *a, const char *path)
{
    char *rp = realpath(path, NULL);
    if (!rp)
        return vg_strdup(a, path);
    char *r = vg_strdup(a, rp);
    free(rp);
    return r;
}

static void read_include(struct builder *b, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_ctx *ctx = b->ctx;
    const struct vg_source *src = vg_source_get(ctx, st->span.file);
    const char *rel = v->a->text;
    const char *slash = src ? strrchr(src->path, '/') : NULL;
    const char *path =
        rel[0] == '/' || !slash ? rel : vg_sprintf(ctx->arena, "%.*s/%s", (int)(slash - src->path), src->path, rel);
    const char *key = canonical(ctx->arena, path);
    for (size_t i = 0; i < b->depth; i++) {
        if (strcmp(b->stack[i].key, key) != 0)
            continue;
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        for (size_t k = i; k < b->depth; k++)
            vg_sb_printf(&sb, "`%s` -> ", b->stack[k].display);
        vg_sb_printf(&sb, "`%s`", b->stack[i].display);
        struct vg_diag *d = vg_diag_emit(ctx, VG1009, st->span, "include cycle: %s", vg_sb_str(&sb));
        vg_sb_free(&sb);
        vg_diag_label(ctx, d, "closes the cycle");
        for (size_t k = i + 1; k < b->depth; k++)
            vg_diag_span(ctx, d, b->stack[k].at, "`%s` includes `%s` here", b->stack[k - 1].display,
                         b->stack[k].display);
        vg_diag_help(ctx, d, "remove one of these includes; a file may include another only once in a chain");
        return;
    }
    struct file_rec *fr = vg_hash_get(&b->files, key);
    if (fr && fr->done)
        return;                            /* read once per run; a file that failed is reported once */
    if (b->depth > VG_MAX_INCLUDE_DEPTH) { /* the root and VG_MAX_INCLUDE_DEPTH includes */
        struct vg_diag *d =
            vg_diag_emit(ctx, VG1009, st->span, "includes nested more than %u deep", VG_MAX_INCLUDE_DEPTH);
        vg_diag_note(ctx, d, "`%s` is not read", path);
        return;
    }
    if (ctx->sources.n >= VG_MAX_FILES) {
        vg_diag_emit(ctx, VG1009, st->span, "more than %u input files", VG_MAX_FILES);
        return;
    }
    const char *real = path;
    uint32_t id = fr ? fr->id : vg_source_include(ctx, path, st->span, &real);
    if (id) {
        read_file(b, id, key, st->span);
        return;
    }
    fr = vg_alloc(ctx->arena, sizeof *fr); /* missing, outside or unreadable: once is enough */
    fr->done = 1;
    vg_hash_put(&b->files, key, fr);
}

static void top_child(void *bp, const struct vg_directive *d, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct builder *b = bp;
    switch (d->child) {
    case VG_BLOCK_LICENSE: vg_mb_read_license(b, st, v); break;
    case VG_BLOCK_CLUSTER: vg_mb_read_cluster(b, st, v); break;
    default:
        if (v->a)
            read_include(b, st, v);
        break;
    }
}

/*
 * While a root file is parsed, the diagnostics of the model (and of the files
 * it includes) go to a queue of their own, `deferred`, which is appended to
 * the context's after the root's parse: the queue then holds what it held when
 * the whole tree was parsed first (the root's syntax errors, then the rest, in
 * the same order), and --error-limit keeps the same errors. The deferred queue
 * has the same limits (an error past them could never be shown), so it never
 * holds more than that; what it dropped is counted when it is appended.
 * Suppression comments stay in the context's queue.
 */
static void defer_begin(struct builder *b)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_diags root = ctx->diags;
    ctx->diags = b->deferred;
    ctx->diags.supp = root.supp;
    ctx->diags.nsupp = root.nsupp;
    ctx->diags.cap_supp = root.cap_supp;
    b->deferred = root;
    b->error_limit = ctx->opt.error_limit; /* the aside queue keeps the same limits: it never holds
                                              more than could be shown (docs/language.md, Limits) */
}

static void defer_end(struct builder *b)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_diags side = ctx->diags;
    ctx->diags = b->deferred;
    ctx->diags.supp = side.supp;
    ctx->diags.nsupp = side.nsupp;
    ctx->diags.cap_supp = side.cap_supp;
    b->deferred = side;
}

/*
 * The error limit for a file included while a root file is parsed: the
 * errors held aside and the root's syntax errors so far. (When the root's
 * whole tree was parsed first, its syntax errors after the include counted
 * too; docs/language.md, Limits.)
 */
static int deferred_limit(void *bp)
{
    const struct builder *b = bp;
    const struct vg_ctx *ctx = b->ctx;
    size_t held = ctx->diags.distinct[VG_LEVEL_ERROR];
    size_t root = b->deferred.distinct[VG_LEVEL_ERROR];
    return b->error_limit && held + root >= b->error_limit;
}

/* Queue the deferred diagnostics as if they were emitted now (same limit). */
static void defer_flush(struct builder *b)
{
    vg_diags_replay(b->ctx, &b->deferred);
    memset(&b->deferred, 0, sizeof b->deferred);
}

/*
 * One top-level statement, as soon as the parser has read it. A block is read
 * completely when its reader returns and nothing in the model points into its
 * body, so the body's arena is released now: the tree of a 100k-VM file is
 * ~80 MB, and only one block of it is ever held (docs/performance.md).
 */
static void top_stmt(void *bp, struct vg_stmt *st)
{
    struct builder *b = bp;
    int outer = !b->deferring;
    if (outer) {
        b->deferring = 1;
        defer_begin(b);
    }
    struct vg_block_info bi = {VG_BLOCK_TOP, "file", "", {0, 0, 0}, 0, NULL, 1, &b->schema_memo};
    struct vg_target t = {0};
    vg_schema_walk(b->ctx, &bi, st, &t, top_child, b); /* st->next is NULL: this one only */
    if (st->own) {
        vg_arena_free(st->own);
        st->own = NULL;
        st->body = NULL;
    }
    if (outer) {
        defer_end(b);
        b->deferring = 0;
    }
}

static void read_file(struct builder *b, uint32_t id, const char *key, struct vg_span at)
{
    struct vg_ctx *ctx = b->ctx;
    struct file_rec *fr = vg_hash_get(&b->files, key);
    if (!fr) {
        fr = vg_alloc(ctx->arena, sizeof *fr);
        fr->id = id;
        vg_hash_put(&b->files, key, fr);
    }
    fr->done = 1;
    /* the file's place in the list comes before the files it includes */
    size_t slot = b->m->nfiles;
    VG_PUSH(ctx->arena, b->m->files, b->m->nfiles, b->m->cap_files, NULL);
    const struct vg_source *src = vg_source_get(ctx, id);
    struct inc_frame f = {key, src ? src->path : "", at};
    b->stack[b->depth++] = f;
    /* nothing here reads comments or blank lines (suppressions are taken
     * during the parse): they are not even kept */
    b->m->files[slot] = b->deferring ? vg_parse_stream_limit(ctx, id, top_stmt, b, deferred_limit)
                                     : vg_parse_stream(ctx, id, top_stmt, b);
    b->depth--;
    if (!b->depth)
        defer_flush(b);
}

struct vg_model *vg_model_build(struct vg_ctx *ctx, const uint32_t *roots, size_t nroots)
{
    struct builder b;
    memset(&b, 0, sizeof b);
    b.ctx = ctx;
    b.cat = ctx->catalog;
    b.m = vg_alloc(ctx->arena, sizeof *b.m);
    b.m->nroots = (uint32_t)nroots;
    vg_hash_init(&b.m->license_by_name, ctx->arena);
    vg_hash_init_names(&b.m->cluster_by_name, ctx->arena, VG_HASH_NOCASE);
    vg_hash_init(&b.files, ctx->arena);
    const char **keys = vg_alloc_array(ctx->arena, nroots + 1, sizeof *keys);
    /* roots first, so that a root that another root includes is read once */
    for (size_t i = 0; i < nroots; i++) {
        const struct vg_source *src = vg_source_get(ctx, roots[i]);
        keys[i] = canonical(ctx->arena, src ? src->path : "");
        if (!vg_hash_get(&b.files, keys[i])) {
            struct file_rec *fr = vg_alloc(ctx->arena, sizeof *fr);
            fr->id = roots[i];
            vg_hash_put(&b.files, keys[i], fr);
        }
    }
    for (size_t i = 0; i < nroots; i++) {
        struct file_rec *fr = vg_hash_get(&b.files, keys[i]);
        if (!fr->done && fr->id == roots[i])
            read_file(&b, roots[i], keys[i], vg_span_make(0, 0, 0));
    }
    vg_mb_resolve_licenses(&b);
    return b.m;
}
