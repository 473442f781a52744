/*
 * build.c - the blocks of a file as model objects: clusters, their hosts and
 * VMs, license servers.
 *
 * schema.c checks every statement of a block and stores its values; this file
 * creates the objects, resolves what they name (resolve.c) and fills in the
 * cluster's defaults. A host or VM statement is checked once, into a template,
 * and the template is then copied for every name of its range (names.c): a
 * range of 100 000 VMs costs one check, one diagnostic per problem, and
 * 100 000 copies. Duplicate names are VG1004; cluster, host and VM names are
 * compared as Windows and vSphere compare them: without case, and a host name
 * without a trailing dot.
 */
#include "model/builder.h"

#include <string.h>

static struct vg_block_info inner_info(struct builder *b, struct cluster_build *cb, enum vg_block block,
                                       const char *kind, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_block_info bi = {block,
                               kind,
                               v->a ? v->a->text : "",
                               v->a ? v->a->span : st->name_span,
                               cb->c->kind,
                               cb->family_name,
                               st->broken || !v->a,
                               &b->schema_memo};
    return bi;
}

static void read_host(struct builder *b, struct cluster_build *cb, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_ctx *ctx = b->ctx;
    struct host_group *g = vg_alloc(cb->scratch, sizeof *g);
    g->name = v->a;
    g->tmpl.span = st->span;
    g->tmpl.name_span = v->a ? v->a->span : st->name_span;
    g->tmpl.cluster = cb->c;
    struct vg_target t = {0};
    t.cluster = cb->c;
    t.host = &g->tmpl;
    struct vg_block_info bi = inner_info(b, cb, VG_BLOCK_HOST, "host", st, v);
    vg_schema_walk(ctx, &bi, st->body, &t, NULL, NULL);
    uint64_t npgpus = 0;
    for (size_t i = 0; i < g->tmpl.ngpus; i++) {
        struct vg_host_gpu *hg = &g->tmpl.gpus[i];
        hg->model = vg_mb_resolve_gpu(b, hg->model_name, t.gpu_words[i]->span);
        if (hg->model)
            npgpus += (uint64_t)hg->boards * hg->model->gpus_per_board;
    }
    if (npgpus > VG_MAX_HOST_GPUS) {
        struct vg_diag *d = vg_diag_emit(ctx, VG1003, st->span, "host `%s` has %llu physical GPUs; at most %u",
                                         v->a ? v->a->text : "", (unsigned long long)npgpus, VG_MAX_HOST_GPUS);
        vg_diag_help(ctx, d, "a server holds a few GPU boards; check the `gpu` lines and their `x N` counts");
        g->tmpl.ngpus = 0; /* the host is not planned with thousands of GPUs */
        npgpus = 0;
    }
    g->tmpl.npgpus = (uint32_t)npgpus;
    if (g->tmpl.manager_own)
        vg_mb_resolve_version(b, &g->tmpl.manager, vg_mb_host_column(cb->c->kind), !cb->c->kind);
    if (v->a)
        VG_PUSH(cb->scratch, cb->hg, cb->nhg, cb->cap_hg, g);
}

/* A VM group as its statement starts it; the walk or the replay stores the rest. */
static inline void vm_group_init(struct vm_group *g, struct cluster_build *cb, const struct vg_stmt *st,
                                 const struct vg_argv *v)
{
    *g = (struct vm_group){.tmpl = {.span = st->span,
                                    .name_span = v->a ? v->a->span : st->name_span,
                                    .cluster = cb->c,
                                    .count = 1,
                                    .generation = 2},
                           .name = v->a};
}

static void read_vm(struct builder *b, struct cluster_build *cb, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_ctx *ctx = b->ctx;
    /* not vg_alloc: its memset of the group (a call of ~230 instructions per
     * VM) costs more than the stores of the zeroes */
    struct vm_group *g = vg_alloc_uninit(cb->scratch, sizeof *g);
    vm_group_init(g, cb, st, v);
    struct vg_vm *vm = &g->tmpl;
    struct vg_target t = {0};
    t.cluster = cb->c;
    t.vm = vm;
    t.vm_at = g->at;
    struct vg_block_info bi = inner_info(b, cb, VG_BLOCK_VM, "vm", st, v);
    size_t emits = ctx->diags.emits;
    /* a VM written as the one read before without a diagnostic: its
     * statements' checks would pass again; only the stores are done */
    int like = cb->vm_like && !bi.broken && vg_schema_replay(ctx, &cb->vm_rec, cb->vm_like, st->body, &t);
    if (!like) {
        if (cb->vm_like) { /* stored in part, then found different: afresh */
            vm_group_init(g, cb, st, v);
            t = (struct vg_target){.cluster = cb->c, .vm = vm, .vm_at = g->at};
        }
        t.rec = &cb->vm_rec;
        vg_schema_walk(ctx, &bi, st->body, &t, NULL, NULL);
    }
    g->pin = t.pin;
    g->hosts = t.hosts;
    if (vm->mode == VG_MODE_VGPU && !vm->guest.text && !bi.broken && !vg_schema_suggested(&t, "guest-driver")) {
        struct vg_diag *d =
            vg_diag_emit(ctx, VG1008, bi.name_span, "vm `%s` has a vGPU but no `guest-driver`", bi.name);
        vg_diag_span(ctx, d, g->at[VG_AT_GPU], "vGPU given here");
        vg_diag_help(ctx, d, "add `guest-driver V`: the vGPU release or guest driver version installed in the VM");
    }
    if (t.gpu_word) {
        if (vm->mode == VG_MODE_VGPU) {
            vm->profile = vg_mb_resolve_profile(b, t.gpu_word->text, t.gpu_word->span);
            vm->gpu_model = vm->profile ? vm->profile->gpu : NULL;
        } else {
            vm->gpu_model = vg_mb_resolve_gpu(b, t.gpu_word->text, t.gpu_word->span);
        }
    }
    vg_mb_resolve_version(b, &vm->guest, vm->os == VG_OS_LINUX ? VG_DRV_GUEST_LINUX : VG_DRV_GUEST_WINDOWS, 0);
    if (ctx->diags.emits != emits)
        cb->vm_like = NULL;
    else if (!like)
        cb->vm_like = !bi.broken && cb->vm_rec.clean && st->body ? st->body : NULL;
    if (v->a)
        VG_PUSH(cb->scratch, cb->vg, cb->nvg, cb->cap_vg, g);
}

/* `vm-management arc { ... }`: the body is checked even when the argument
 * was wrong; the cluster is Arc-managed only with a valid one. */
static void read_vm_management(struct builder *b, struct cluster_build *cb, const struct vg_stmt *st,
                               const struct vg_argv *v)
{
    struct vg_arc *arc = vg_alloc(b->ctx->arena, sizeof *arc);
    arc->span = st->span;
    struct vg_target t = {0};
    t.cluster = cb->c;
    t.arc = arc;
    struct vg_block_info bi = inner_info(b, cb, VG_BLOCK_VM_MANAGEMENT, "vm-management", st, v);
    vg_schema_walk(b->ctx, &bi, st->body, &t, NULL, NULL);
    if (v->a)
        cb->c->arc = arc;
}

static void cluster_child(void *bp, const struct vg_directive *d, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct builder *b = bp;
    switch (d->child) {
    case VG_BLOCK_HOST: read_host(b, b->cur, st, v); break;
    case VG_BLOCK_VM_MANAGEMENT: read_vm_management(b, b->cur, st, v); break;
    default: read_vm(b, b->cur, st, v); break;
    }
}

/* The GPU models of a cluster's hosts (few distinct ones; pointers compared). */
static size_t cluster_models(struct vg_arena *a, struct cluster_build *cb, const struct vg_gpu ***out)
{
    const struct vg_gpu **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < cb->nhg; i++) {
        const struct host_group *g = cb->hg[i];
        if (!g->count)
            continue;
        for (size_t j = 0; j < g->tmpl.ngpus; j++) {
            const struct vg_gpu *m = g->tmpl.gpus[j].model;
            size_t k = 0;
            while (k < n && v[k] != m)
                k++;
            if (m && k == n)
                VG_PUSH(a, v, n, cap, m);
        }
    }
    *out = v;
    return n;
}

static void check_profile_hosts(struct builder *b, struct cluster_build *cb, const struct vm_group *g,
                                const struct vg_gpu *const *models, size_t nmodels)
{
    const struct vg_vm *vm = &g->tmpl;
    if (!vm->profile || !nmodels)
        return;
    for (size_t i = 0; i < nmodels; i++)
        if (models[i] == vm->profile->gpu)
            return;
    struct vg_ctx *ctx = b->ctx;
    const char **names = vg_alloc_array(ctx->arena, nmodels, sizeof *names);
    for (size_t i = 0; i < nmodels; i++)
        names[i] = models[i]->model;
    struct vg_diag *d = vg_diag_emit(
        ctx, VG2002, g->at[VG_AT_GPU_ARG], "profile `%s` needs %s GPUs, but the hosts of `%s` have only %s GPUs",
        vm->profile->name, vm->profile->gpu->model, cb->c->name, vg_mb_join_names(ctx->arena, names, nmodels, ""));
    /* the profile is the likelier mistake: offer the hosts' profile of the same size and series */
    const struct vg_profile *alt = NULL;
    for (size_t i = 0; i < nmodels && !alt; i++)
        for (size_t j = 0; j < models[i]->nprofiles && !alt; j++) {
            const struct vg_profile *q = &models[i]->profiles[j];
            if (q->series == vm->profile->series && q->fb_mb == vm->profile->fb_mb && q->mig == vm->profile->mig)
                alt = q;
        }
    if (alt)
        vg_diag_help(ctx, d, "use `%s` (the same size on the hosts' %s), or add a host with %s GPUs", alt->name,
                     alt->gpu->model, vm->profile->gpu->model);
    else
        vg_diag_help(ctx, d, "choose a profile of %s (`vgpuc catalog gpus`), or add a host with %s GPUs",
                     vg_mb_join_names(ctx->arena, names, nmodels, ""), vm->profile->gpu->model);
}

/* The hosts of every host group of a cluster, names expanded, each a copy of
 * its group's template with the cluster's defaults filled in. */
static void add_hosts(struct builder *b, struct cluster_build *cb, struct dup_run *run)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_cluster *c = cb->c;
    for (size_t i = 0; i < cb->nhg; i++) {
        struct host_group *g = cb->hg[i];
        struct names names;
        if (!vg_mb_expand_name(b, g->name, 1, &names)) {
            cb->bad_host_names = 1;
            continue;
        }
        struct vg_host *tmpl = &g->tmpl;
        if (!b->pgpus_full && b->pgpus + (uint64_t)tmpl->npgpus * names.n > VG_MAX_PGPUS) {
            b->pgpus_full = 1;
            struct vg_diag *d = vg_diag_emit(
                ctx, VG1005, g->name->span, "too many physical GPUs: more than %u after range expansion", VG_MAX_PGPUS);
            vg_diag_note(ctx, d, "the GPUs of this host and of the hosts after it are not planned");
        }
        if (b->pgpus_full) {
            tmpl->ngpus = 0;
            tmpl->npgpus = 0;
        }
        b->pgpus += (uint64_t)tmpl->npgpus * names.n;
        if (!tmpl->manager_own)
            tmpl->manager = c->manager;
        if (!tmpl->graphics_span.file) {
            tmpl->graphics = c->graphics;
            tmpl->graphics_span = c->graphics_span;
        }
        if (!tmpl->vgpu_mode_span.file) {
            tmpl->vgpu_mode = c->vgpu_mode;
            tmpl->vgpu_mode_span = c->vgpu_mode_span;
        }
        tmpl->range_group = names.group;
        struct vg_host *hosts = vg_alloc_array_uninit(ctx->arena, names.n, sizeof *hosts); /* copies of tmpl */
        vg_grow(ctx->arena, (void **)&c->hosts, &c->cap_hosts, c->nhosts + names.n, sizeof *c->hosts);
        g->first = c->nhosts;
        for (size_t k = 0; k < names.n; k++) {
            struct vg_host *h = &hosts[k];
            *h = *tmpl;
            h->name = names.v[k];
            struct vg_host *old = vg_hash_put(&c->host_by_name, h->name, h);
            if (old) {
                vg_mb_dup_add(ctx, run, h->name, h->name_span, old->name_span, old->name);
                continue;
            }
            h->index = (uint32_t)c->nhosts;
            c->hosts[c->nhosts++] = h;
        }
        g->count = c->nhosts - g->first;
    }
}

/* A span relative to `base` (file 0: not given, kept all zero so that equal
 * layouts compare equal). */
static inline struct vg_span rel_span(struct vg_span s, uint32_t base)
{
    struct vg_span r = {0, 0, 0};
    if (s.file) {
        r.file = s.file;
        r.start = s.start - base; /* unsigned: vg_vm_at adds it back */
        r.end = s.end - base;
    }
    return r;
}

/* The spans of a VM statement relative to its start, shared with the
 * statement before when they are the same (VMs each in a block of the same
 * lines): one `struct vg_vm_spans` per distinct layout, not per VM. */
static const struct vg_vm_spans *vm_spans(struct builder *b, struct cluster_build *cb, const struct vm_group *g)
{
    const struct vg_vm_spans *last = cb->last_spans;
    uint32_t base = g->tmpl.span.start;
    if (last) { /* compared where they are: no relative copy made and compared */
        int i = 0;
        for (; i < VG_AT_N; i++) {
            struct vg_span s = g->at[i], l = last->at[i];
            if (s.file != l.file || (s.file && (s.start - base != l.start || s.end - base != l.end)))
                break;
        }
        if (i == VG_AT_N)
            return last;
    }
    struct vg_vm_spans rel;
    for (int i = 0; i < VG_AT_N; i++)
        rel.at[i] = rel_span(g->at[i], base);
    cb->last_spans = vg_alloc_copy(b->ctx->arena, &rel, sizeof rel);
    return cb->last_spans;
}

/* The VM names of a cluster, checked for duplicates. Names that come in
 * strictly increasing order (as the table compares them: without case) cannot
 * repeat, so while they do no table is built; the first name out of order
 * puts the VMs before it into the table, and every name from then on is
 * looked up. A file of ranges written in order, or of VMs written one by one
 * in name order, never hashes a VM name. */
struct vm_names {
    struct vg_hash by_name;
    size_t nvms; /* the cluster's count, to size the table at once */
    int hashed;
};

/* The VM already declared with vm's name, or NULL (vm then counts as declared). */
static struct vg_vm *vm_name_taken(struct vm_names *vn, const struct vg_cluster *c, struct vg_vm *vm)
{
    if (!vn->hashed) {
        if (!c->nvms || vg_hash_key_cmp(&vn->by_name, c->vms[c->nvms - 1]->name, vm->name) < 0)
            return NULL;
        vn->hashed = 1;
        vg_hash_reserve(&vn->by_name, vn->nvms);
        for (size_t i = 0; i < c->nvms; i++) /* distinct: they were in increasing order */
            vg_hash_put(&vn->by_name, c->vms[i]->name, c->vms[i]);
    }
    return vg_hash_put(&vn->by_name, vm->name, vm);
}

/* The VMs of every VM group of a cluster, their hosts resolved and their
 * profiles checked against them, names expanded; `nvms` is the cluster's
 * count, for one block of VMs. */
static void add_vms(struct builder *b, struct cluster_build *cb, struct vm_names *vn, size_t nvms, struct dup_run *run)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_cluster *c = cb->c;
    const struct vg_gpu **models;
    size_t nmodels = cluster_models(ctx->arena, cb, &models);
    struct vg_vm *vm_pool = NULL;
    size_t nvm_pool = 0;
    for (size_t i = 0; i < cb->nvg; i++) {
        struct vm_group *g = cb->vg[i];
        vg_mb_resolve_vm_hosts(b, cb, g);
        check_profile_hosts(b, cb, g, models, nmodels);
        struct names names;
        if (!vg_mb_expand_name(b, g->name, 1, &names))
            continue;
        g->tmpl.range_group = names.group;
        /* the cluster's VMs in one block: no alignment padding per VM */
        if (names.n > nvm_pool) {
            nvm_pool = names.n > nvms ? names.n : nvms;
            /* not zeroed: every VM is a copy of its template (~5 % of a lint) */
            vm_pool = vg_alloc_array_uninit(ctx->arena, nvm_pool, sizeof *vm_pool);
        }
        struct vg_vm *vms = vm_pool;
        vm_pool += names.n;
        nvm_pool -= names.n;
        vg_grow(ctx->arena, (void **)&c->vms, &c->cap_vms, c->nvms + names.n, sizeof *c->vms);
        g->tmpl.spans = names.n ? vm_spans(b, cb, g) : NULL;
        for (size_t k = 0; k < names.n; k++) {
            struct vg_vm *vm = &vms[k];
            *vm = g->tmpl;
            vm->name = names.v[k];
            struct vg_vm *old = vm_name_taken(vn, c, vm);
            if (old) {
                vg_mb_dup_add(ctx, run, vm->name, vm->name_span, old->name_span, old->name);
                continue;
            }
            vm->index = (uint32_t)c->nvms;
            c->vms[c->nvms++] = vm;
        }
    }
}

static void finish_cluster(struct builder *b, struct cluster_build *cb, const struct vg_target *t)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_cluster *c = cb->c;
    vg_mb_resolve_platform(b, cb, t->family, t->version);
    vg_mb_resolve_version(b, &c->manager, vg_mb_host_column(c->kind), !c->kind);
    char *where = vg_sprintf(ctx->arena, " in cluster `%s`", c->name);

    size_t nhosts = 0, nvms = 0;
    for (size_t i = 0; i < cb->nhg; i++)
        nhosts += vg_mb_name_count(cb->hg[i]->name);
    for (size_t i = 0; i < cb->nvg; i++)
        nvms += vg_mb_name_count(cb->vg[i]->name);
    nhosts = vg_mb_room(b, nhosts);
    nvms = vg_mb_room(b, nvms);
    vg_hash_reserve(&c->host_by_name, nhosts);
    /* VM names are only checked for duplicates here: the table, if one is
     * needed, is scratch (~7 MB at 100k VMs if it stayed in the model) */
    struct vm_names vn = {.nvms = nvms};
    vg_hash_init_names(&vn.by_name, cb->scratch, VG_HASH_NOCASE);
    c->hosts = vg_alloc_array(ctx->arena, nhosts + 1, sizeof *c->hosts);
    c->cap_hosts = nhosts + 1;
    c->vms = vg_alloc_array(ctx->arena, nvms + 1, sizeof *c->vms);
    c->cap_vms = nvms + 1;

    struct dup_run run = {"host", where, NULL, NULL, 0, {0, 0, 0}, {0, 0, 0}, NULL};
    add_hosts(b, cb, &run);
    vg_mb_dup_flush(ctx, &run);

    run.what = "VM";
    add_vms(b, cb, &vn, nvms, &run);
    vg_mb_dup_flush(ctx, &run);
}

/* --- top level ------------------------------------------------------------- */

void vg_mb_read_cluster(struct builder *b, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_ctx *ctx = b->ctx;
    struct cluster_build *cb = vg_alloc(ctx->arena, sizeof *cb);
    struct vg_cluster *c = vg_alloc(ctx->arena, sizeof *c);
    cb->c = c;
    c->name = v->a ? v->a->text : "";
    c->span = st->span;
    c->name_span = v->a ? v->a->span : st->name_span;
    vg_hash_init_names(&c->host_by_name, ctx->arena, VG_HASH_HOSTNAME);
    if (v->a)
        vg_mb_check_single_name(b, v->a, "cluster");
    /* the platform decides which directives apply (VG1010), wherever it is written */
    for (const struct vg_stmt *s = st->body; s; s = s->next) {
        if (strcmp(s->name, "platform") == 0 && s->nargs >= 1) {
            c->kind = vg_mb_family_kind(b->cat, s->args[0].text);
            if (c->kind)
                cb->family_name = s->args[0].text;
            break;
        }
    }
    struct vg_target t = {0};
    t.cluster = c;
    struct vg_block_info bi = {VG_BLOCK_CLUSTER, "cluster",           c->name,        c->name_span, c->kind,
                               cb->family_name,  st->broken || !v->a, &b->schema_memo};
    b->cur = cb;
    /* the host and VM groups are templates that finish_cluster copies into
     * the model: ~40 MB at 100k VMs that need not outlive the cluster */
    cb->scratch = vg_arena_new_child(ctx->arena);
    vg_schema_walk(ctx, &bi, st->body, &t, cluster_child, b);
    b->cur = NULL;
    if (t.license_ref) {
        cb->license_ref = *t.license_ref;
        cb->has_license_ref = 1;
    }
    finish_cluster(b, cb, &t);
    vg_arena_free(cb->scratch);
    cb->scratch = NULL;
    cb->host_seen = NULL;
    cb->hg = NULL;
    cb->vg = NULL;
    cb->nhg = cb->nvg = cb->cap_hg = cb->cap_vg = 0;
    if (!v->a)
        return;
    struct vg_cluster *old = vg_hash_put(&b->m->cluster_by_name, c->name, c);
    if (old) {
        struct dup_run r = {"cluster", "",           c->name,        c->name,
                            1,         c->name_span, old->name_span, strcmp(c->name, old->name) ? old->name : NULL};
        vg_mb_dup_flush(ctx, &r);
        return;
    }
    c->index = (uint32_t)b->m->nclusters;
    VG_PUSH(ctx->arena, b->m->clusters, b->m->nclusters, b->m->cap_clusters, c);
    VG_PUSH(ctx->arena, b->cbs, b->ncbs, b->cap_cbs, cb);
}

void vg_mb_read_license(struct builder *b, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_license_server *l = vg_alloc(ctx->arena, sizeof *l);
    l->name = v->a ? v->a->text : "";
    l->span = st->span;
    l->name_span = v->a ? v->a->span : st->name_span;
    l->editions = VG_ED_ALL;
    struct vg_target t = {0};
    t.license = l;
    struct vg_block_info bi = {VG_BLOCK_LICENSE,    "license server", l->name, l->name_span, 0, NULL,
                               st->broken || !v->a, &b->schema_memo};
    vg_schema_walk(ctx, &bi, st->body, &t, NULL, NULL);
    if (l->kind == VG_LIC_CLS && l->version) {
        struct vg_diag *d =
            vg_diag_emit(ctx, VG1003, l->version_span, "`version` does not apply to a `cls` license server");
        vg_diag_note(ctx, d, "the Cloud License Service is run by NVIDIA; it has no version to install");
        vg_diag_help(ctx, d, "remove `version`");
    }
    if (!v->a || !vg_mb_check_single_name(b, v->a, "license server")) {
        b->bad_license_names = 1;
        return;
    }
    struct vg_license_server *old = vg_hash_put(&b->m->license_by_name, l->name, l);
    if (old) {
        struct dup_run r = {"license server", "", l->name, l->name, 1, l->name_span, old->name_span, NULL};
        vg_mb_dup_flush(ctx, &r);
        return;
    }
    VG_PUSH(ctx->arena, b->m->licenses, b->m->nlicenses, b->m->cap_licenses, l);
}
