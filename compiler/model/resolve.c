/*
 * resolve.c - the references of the model resolved against the catalog and
 * the model itself.
 *
 * GPU models (VG2001), vGPU profiles (VG2002), vGPU releases and driver
 * versions (VG2003, and VG2005 for one newer than the catalog), platforms
 * (VG2004, VG2006), the hosts a VM names (VG1006) and the license servers
 * clusters name (VG1006). Each unknown name gets the nearest known one as a
 * hint, never one that names another GPU.
 */
#include "model/builder.h"

#include <string.h>
#include <strings.h>

#include "catalog/aging.h"
#include "base/suggest.h"
#include "model/range.h"

/* Above this many hosts, "did you mean" over host names is not worth the time. */
#define SUGGEST_MAX_HOSTS 5000u

/* What each driver column holds, as found and as wanted. */
static const char *const driver_kind_names[VG_DRV_COUNT] = {
    [VG_DRV_HOST_ESXI] = "ESXi vGPU Manager",
    [VG_DRV_HOST_HYPERV] = "Hyper-V vGPU Manager",
    [VG_DRV_GUEST_WINDOWS] = "Windows guest driver",
    [VG_DRV_GUEST_LINUX] = "Linux guest driver",
};
static const char *const driver_kind_wanted[VG_DRV_COUNT] = {
    [VG_DRV_HOST_ESXI] = "a vGPU Manager for ESXi",
    [VG_DRV_HOST_HYPERV] = "a vGPU Manager for the Hyper-V family",
    [VG_DRV_GUEST_WINDOWS] = "a Windows guest driver",
    [VG_DRV_GUEST_LINUX] = "a Linux guest driver",
};

enum vg_driver_kind vg_mb_host_column(enum vg_family f)
{
    return f == VG_FAMILY_VSPHERE ? VG_DRV_HOST_ESXI : VG_DRV_HOST_HYPERV;
}

/* A release or driver newer than every one of its branch in the catalog: taken
   as a release of that branch, with a warning (VG2005) once per value. */
static int aged_version(struct builder *b, struct vg_version_ref *ref, enum vg_driver_kind kind,
                        enum vg_driver_kind column, int any_host, struct version_memo *memo)
{
    struct vg_ctx *ctx = b->ctx;
    const struct vg_release *top = NULL;
    const struct vg_release *r = vg_aging_release(b->cat, ctx->arena, ref->text, kind, &top);
    if (!r && any_host)
        r = vg_aging_release(b->cat, ctx->arena, ref->text,
                             kind == VG_DRV_HOST_ESXI ? VG_DRV_HOST_HYPERV : VG_DRV_HOST_ESXI, &top);
    if (!r)
        return 0;
    ref->rel = vg_alloc_copy(ctx->arena, &r, sizeof r);
    ref->nrel = 1;
    ref->is_driver = strcmp(r->name, ref->text) != 0; /* "19.x" for a driver */
    *memo = (struct version_memo){ref->text, (int)column, any_host, ref->is_driver, ref->rel, ref->nrel};
    size_t seen = 0;
    while (seen < 16 && b->aged[seen] && strcmp(b->aged[seen], ref->text) != 0)
        seen++;
    if (seen < 16 && b->aged[seen])
        return 1; /* the same value again (the Manager's release as a guest driver): said once */
    if (seen < 16)
        b->aged[seen] = ref->text;
    const char *branch = top->branch ? vg_sprintf(ctx->arena, "branch %s (vGPU %u)", top->branch, top->major)
                                     : vg_sprintf(ctx->arena, "vGPU %u", top->major);
    struct vg_diag *d;
    if (ref->is_driver) {
        d = vg_diag_emit(ctx, VG2005, ref->span,
                         "driver `%s` is newer than every vGPU %u driver the catalog knows: taken as a release of %s",
                         ref->text, top->major, branch);
        if (top->driver[kind])
            vg_diag_note(ctx, d, "the newest the catalog knows is %s (vGPU %s)", top->driver[kind], top->name);
    } else {
        d = vg_diag_emit(ctx, VG2005, ref->span,
                         "vGPU %s is newer than every %u.x release the catalog knows: taken as a release of %s",
                         ref->text, top->major, branch);
        vg_diag_note(ctx, d, "the newest the catalog knows is %s", top->name);
    }
    vg_diag_label(ctx, d, "not in the catalog");
    vg_diag_note(ctx, d, "the branch rules apply; checks that need the release's own drivers or date do not");
    vg_diag_help(ctx, d, "add the release to a catalog file and pass it with `--catalog FILE` (docs/catalog.md)");
    return 1;
}

/* Resolve a vgpu-manager / guest-driver value; VG2003 if the catalog does not know it. */
void vg_mb_resolve_version(struct builder *b, struct vg_version_ref *ref, enum vg_driver_kind kind, int any_host)
{
    if (!ref->text || !b->cat)
        return;
    struct version_memo *memo =
        &b->versions[(((uintptr_t)ref->text >> 3) ^ (uintptr_t)kind * 31u ^ (uintptr_t)any_host * 7u) & 63u];
    if (memo->text == ref->text && memo->kind == (int)kind && memo->any_host == any_host) {
        ref->rel = memo->rel;
        ref->nrel = memo->nrel;
        ref->is_driver = memo->is_driver;
        return;
    }
    const struct vg_release *rel[VG_MAX_RELEASES_PER_VERSION];
    enum vg_driver_kind column = kind;
    size_t n = vg_catalog_resolve(b->cat, ref->text, kind, rel, VG_MAX_RELEASES_PER_VERSION);
    if (!n && any_host) { /* platform unknown: either host column will do */
        kind = kind == VG_DRV_HOST_ESXI ? VG_DRV_HOST_HYPERV : VG_DRV_HOST_ESXI;
        n = vg_catalog_resolve(b->cat, ref->text, kind, rel, VG_MAX_RELEASES_PER_VERSION);
    }
    if (n) {
        ref->rel = vg_alloc_copy(b->ctx->arena, rel, n * sizeof *rel);
        ref->nrel = (uint32_t)n;
        ref->is_driver = vg_catalog_release(b->cat, ref->text) == NULL;
        *memo = (struct version_memo){ref->text, (int)column, any_host, ref->is_driver, ref->rel, ref->nrel};
        return;
    }
    struct vg_ctx *ctx = b->ctx;
    const struct vg_release *other[VG_MAX_RELEASES_PER_VERSION];
    enum vg_driver_kind found = kind;
    n = vg_catalog_resolve_any(b->cat, ref->text, &found, other, VG_MAX_RELEASES_PER_VERSION);
    if (n && found != kind && found < VG_DRV_COUNT) {
        const char *names[VG_MAX_RELEASES_PER_VERSION];
        for (size_t i = 0; i < n; i++)
            names[i] = other[i]->name;
        struct vg_diag *d = vg_diag_emit(ctx, VG2003, ref->span, "`%s` is the %s %s, not %s", ref->text,
                                         vg_mb_join_names(ctx->arena, names, n, ""), driver_kind_names[found],
                                         driver_kind_wanted[kind]);
        vg_diag_help(ctx, d, "give the vGPU release (such as `%s`) or the version of %s", other[n - 1]->name,
                     driver_kind_wanted[kind]);
        return;
    }
    if (aged_version(b, ref, kind, column, any_host, memo))
        return;
    struct vg_diag *d = vg_diag_emit(ctx, VG2003, ref->span, "unknown vGPU release or driver `%s`", ref->text);
    vg_diag_help(ctx, d, "if it is a release newer than the catalog, add it with `--catalog FILE`");
}

static const char *const *gpu_models(struct builder *b, size_t *n)
{
    const char **v = vg_alloc_array(b->ctx->arena, b->cat->ngpus + 1, sizeof *v);
    for (size_t i = 0; i < b->cat->ngpus; i++)
        v[i] = b->cat->gpus[i]->model;
    *n = b->cat->ngpus;
    return v;
}

/* Is `a` another spelling of model `b`: the same letters and the same numbers,
   case, separators and leading zeros aside ("l04" and "L4", "RTX PRO 6000" and
   "RTX-PRO-6000")? "A30" is not "A10": a different number names a different
   GPU, so it is never offered as a typo fix. */
static int same_model_name(const char *a, const char *b)
{
    for (;;) {
        while (*a && !((*a | 32) >= 'a' && (*a | 32) <= 'z') && !(*a >= '0' && *a <= '9'))
            a++;
        while (*b && !((*b | 32) >= 'a' && (*b | 32) <= 'z') && !(*b >= '0' && *b <= '9'))
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (*a >= '0' && *a <= '9') {
            if (!(*b >= '0' && *b <= '9'))
                return 0;
            while (*a == '0' && a[1] >= '0' && a[1] <= '9')
                a++;
            while (*b == '0' && b[1] >= '0' && b[1] <= '9')
                b++;
            size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
            if (la != lb || strncmp(a, b, la) != 0)
                return 0;
            a += la;
            b += lb;
        } else {
            if ((*a | 32) != (*b | 32))
                return 0;
            a++;
            b++;
        }
    }
}

const struct vg_gpu *vg_mb_resolve_gpu(struct builder *b, const char *model, struct vg_span span)
{
    if (!b->cat)
        return NULL;
    const struct vg_gpu *g = vg_catalog_gpu(b->cat, model);
    if (g)
        return g;
    struct vg_ctx *ctx = b->ctx;
    struct vg_diag *d = vg_diag_emit(ctx, VG2001, span, "unknown GPU model `%s`", model);
    const struct vg_profile *p = vg_catalog_profile(b->cat, model);
    if (p) {
        vg_diag_note(ctx, d, "`%s` is a vGPU profile of the %s", model, p->gpu->model);
        return NULL;
    }
    size_t n;
    const char *const *models = gpu_models(b, &n);
    const char *s = NULL;
    for (size_t i = 0; i < n && !s; i++)
        if (same_model_name(model, models[i]))
            s = models[i];
    if (s) {
        vg_diag_help(ctx, d, "did you mean `%s`?", s);
    } else {
        vg_diag_note(ctx, d, "`%s` is not in the catalog (`vgpuc catalog gpus` lists the %zu models it knows)", model,
                     n);
        vg_diag_help(ctx, d, "if it is a GPU with NVIDIA vGPU support, add it with `--catalog FILE` (docs/catalog.md)");
    }
    return NULL;
}

const struct vg_profile *vg_mb_resolve_profile(struct builder *b, const char *name, struct vg_span span)
{
    if (!b->cat)
        return NULL;
    if (name && name == b->profile_text)
        return b->profile_hit;
    const struct vg_profile *p = vg_catalog_profile(b->cat, name);
    if (p) {
        b->profile_text = name;
        b->profile_hit = p;
        return p;
    }
    struct vg_ctx *ctx = b->ctx;
    struct vg_diag *d = vg_diag_emit(ctx, VG2002, span, "unknown vGPU profile `%s`", name);
    const struct vg_gpu *g = vg_catalog_gpu(b->cat, name);
    if (g) {
        vg_diag_note(ctx, d, "`%s` is a GPU model; a vGPU profile also names the size%s%s%s", name,
                     g->nprofiles ? ", such as `" : "", g->nprofiles ? g->profiles[0].name : "",
                     g->nprofiles ? "`" : "");
        vg_diag_help(ctx, d, "for whole GPUs write `gpu passthrough %s`", name);
        return NULL;
    }
    /* the GPU the name is of: the longest model or type prefix it starts with, then a dash */
    const struct vg_gpu *of = NULL;
    size_t best = 0;
    for (size_t i = 0; i < b->cat->ngpus; i++) {
        const struct vg_gpu *c = b->cat->gpus[i];
        const char *pre = c->profile_prefix ? c->profile_prefix : c->model;
        size_t l = strlen(pre);
        if (l > best && strncasecmp(name, pre, l) == 0 && name[l] == '-') {
            of = c;
            best = l;
        }
    }
    if (!of) { /* never offer a profile of another GPU as a typo fix */
        const char *dash = strchr(name, '-');
        vg_diag_note(ctx, d, "the catalog has no GPU model or vGPU type prefix `%.*s`",
                     (int)(dash ? (size_t)(dash - name) : strlen(name)), name);
        vg_diag_help(ctx, d,
                     "`vgpuc catalog gpus` lists the GPUs and their profiles; add others with `--catalog FILE`");
        return NULL;
    }
    size_t n = 0, cap = 0;
    const char **cands = NULL;
    for (size_t j = 0; j < of->nprofiles; j++)
        VG_PUSH(ctx->arena, cands, n, cap, of->profiles[j].name);
    vg_mb_help_suggest(ctx, d, name, cands, n);
    return NULL;
}

enum vg_family vg_mb_family_kind(const struct vg_catalog *cat, const char *family)
{
    if (!cat)
        return 0;
    for (size_t i = 0; i < cat->nplatforms; i++)
        if (strcmp(cat->platforms[i]->family, family) == 0)
            return cat->platforms[i]->kind;
    return 0;
}

void vg_mb_resolve_platform(struct builder *b, struct cluster_build *cb, const struct vg_arg *fam,
                            const struct vg_arg *ver)
{
    if (!fam || !b->cat)
        return;
    struct vg_ctx *ctx = b->ctx;
    const struct vg_catalog *cat = b->cat;
    const char **names = vg_alloc_array(ctx->arena, cat->nplatforms + 1, sizeof *names);
    size_t n = 0;
    if (!vg_catalog_has_family(cat, fam->text)) {
        for (size_t i = 0; i < cat->nplatforms; i++) /* sorted by family: skip repeats */
            if (!n || strcmp(names[n - 1], cat->platforms[i]->family) != 0)
                names[n++] = cat->platforms[i]->family;
        struct vg_diag *d = vg_diag_emit(ctx, VG2004, fam->span, "unknown platform family `%s`", fam->text);
        vg_diag_note(ctx, d, "the families are %s", vg_mb_join_names(ctx->arena, names, n, "`"));
        vg_mb_help_suggest(ctx, d, fam->text, names, n);
        return;
    }
    cb->c->platform = vg_catalog_platform(cat, fam->text, ver->text);
    if (cb->c->platform)
        return;
    const struct vg_platform *top = NULL;
    cb->c->platform = vg_aging_platform(cat, ctx->arena, fam->text, ver->text, &top);
    if (cb->c->platform) {
        struct vg_diag *d = vg_diag_emit(
            ctx, VG2006, ver->span, "`%s %s` is newer than every `%s %.*s.x` version the catalog knows: taken as %s",
            fam->text, ver->text, fam->text, (int)(strchr(ver->text, '.') - ver->text), ver->text, top->version);
        vg_diag_label(ctx, d, "not in the catalog");
        vg_diag_note(ctx, d, "what %s %s supports (GPU models, live migration, vGPU releases) is assumed for it",
                     fam->text, top->version);
        vg_diag_help(ctx, d, "add the version to a catalog file and pass it with `--catalog FILE` (docs/catalog.md)");
        return;
    }
    for (size_t i = 0; i < cat->nplatforms; i++)
        if (strcmp(cat->platforms[i]->family, fam->text) == 0)
            names[n++] = cat->platforms[i]->version;
    struct vg_diag *d = vg_diag_emit(ctx, VG2004, ver->span, "unknown `%s` version `%s`", fam->text, ver->text);
    vg_diag_note(ctx, d, "the catalog knows `%s` %s", fam->text, vg_mb_join_names(ctx->arena, names, n, ""));
    const char *s = vg_suggest(ver->text, names, n);
    if (s)
        vg_diag_help(ctx, d, "did you mean `%s`?", s);
    else
        vg_diag_help(ctx, d, "if it is newer than the catalog, add it with `--catalog FILE`");
}

/* --- hosts and VMs --------------------------------------------------------- */
static const char *const *host_candidates(struct builder *b, struct cluster_build *cb, size_t *n)
{
    struct vg_cluster *c = cb->c;
    *n = 0;
    if (c->nhosts > SUGGEST_MAX_HOSTS)
        return NULL;
    if (!cb->host_names) {
        cb->host_names = vg_alloc_array(b->ctx->arena, c->nhosts + 1, sizeof *cb->host_names);
        for (size_t i = 0; i < c->nhosts; i++)
            cb->host_names[i] = c->hosts[i]->name;
    }
    *n = c->nhosts;
    return cb->host_names;
}

static void no_such_host(struct builder *b, struct cluster_build *cb, const char *name, struct vg_span span)
{
    if (cb->bad_host_names)
        return; /* the host may be the one whose name failed */
    struct vg_ctx *ctx = b->ctx;
    struct vg_diag *d = vg_diag_emit(ctx, VG1006, span, "no host named `%s` in cluster `%s`", name, cb->c->name);
    size_t n;
    const char *const *cands = host_candidates(b, cb, &n);
    vg_mb_help_suggest(ctx, d, name, cands, n);
}

/* `host NAME` and `hosts NAME...` of one VM statement, resolved once for all its VMs. */
void vg_mb_resolve_vm_hosts(struct builder *b, struct cluster_build *cb, struct vm_group *g)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_cluster *c = cb->c;
    if (g->pin) {
        g->tmpl.pin = vg_hash_get(&c->host_by_name, g->pin->text);
        if (!g->tmpl.pin)
            no_such_host(b, cb, g->pin->text, g->pin->span);
    }
    if (!g->hosts)
        return;
    struct vg_host **v = NULL;
    size_t n = 0, cap = 0;
    /* each host once (the planner and the rules walk the list per VM), and
     * every VM's list counts against VG_MAX_HOST_REFS */
    uint32_t stamp = ++cb->hosts_stamp;
    if (!cb->host_seen)
        cb->host_seen = vg_alloc_array(cb->scratch, c->nhosts + 1, sizeof *cb->host_seen);
    uint64_t nvms = vg_mb_name_count(g->name);
    for (size_t i = 0; i < g->hosts->nargs && !b->host_refs_full; i++) {
        const struct vg_arg *a = &g->hosts->args[i];
        struct vg_range r;
        const char *err = NULL;
        size_t es = 0, ee = 0;
        int rc = a->kind == VG_ARG_WORD ? vg_range_parse(a->text, a->len, &r, &err, &es, &ee) : 0;
        if (rc < 0 || (rc && (r.hi < r.lo || r.hi - r.lo >= VG_MAX_RANGE_NAMES))) {
            struct names bad;
            vg_mb_expand_name(b, a, 0, &bad); /* reports the range */
            continue;
        }
        uint64_t count = rc ? r.hi - r.lo + 1 : 1;
        if (b->host_refs + count * nvms > VG_MAX_HOST_REFS) { /* each name, for each VM of the statement */
            b->host_refs_full = 1;
            struct vg_diag *d = vg_diag_emit(ctx, VG1005, a->span,
                                             "too many `hosts` references: more than %u, counting the names of "
                                             "each VM's `hosts`",
                                             VG_MAX_HOST_REFS);
            vg_diag_note(ctx, d, "the `hosts` lists from here on are not read");
            n = 0;
            break;
        }
        b->host_refs += count * nvms;
        char buf[256];
        for (uint64_t k = 0; k < count; k++) {
            /* names made one at a time: nothing kept but the hosts found */
            const char *name = a->text;
            if (rc) {
                size_t need = r.prefix_len + r.suffix_len + 22;
                char *p = need <= sizeof buf ? buf : vg_alloc(cb->scratch, need);
                vg_range_name(&r, r.lo + k, p, need);
                name = p;
            }
            struct vg_host *h = vg_hash_get(&c->host_by_name, name);
            if (!h) {
                no_such_host(b, cb, vg_strdup(ctx->arena, name), a->span);
                break; /* one report per argument */
            }
            if (cb->host_seen[h->index] == stamp)
                continue;
            cb->host_seen[h->index] = stamp;
            VG_PUSH(ctx->arena, v, n, cap, h);
        }
    }
    g->tmpl.allowed = n ? v : NULL;
    g->tmpl.nallowed = n;
}

void vg_mb_resolve_licenses(struct builder *b)
{
    struct vg_ctx *ctx = b->ctx;
    const char **names = NULL;
    for (size_t i = 0; i < b->ncbs; i++) {
        struct cluster_build *cb = b->cbs[i];
        if (!cb->has_license_ref)
            continue;
        cb->c->license = vg_hash_get(&b->m->license_by_name, cb->license_ref.text);
        if (cb->c->license || b->bad_license_names)
            continue;
        struct vg_diag *d =
            vg_diag_emit(ctx, VG1006, cb->license_ref.span, "no license server named `%s`", cb->license_ref.text);
        if (!names) {
            names = vg_alloc_array(ctx->arena, b->m->nlicenses + 1, sizeof *names);
            for (size_t k = 0; k < b->m->nlicenses; k++)
                names[k] = b->m->licenses[k]->name;
        }
        if (b->m->nlicenses)
            vg_mb_help_suggest(ctx, d, cb->license_ref.text, names, b->m->nlicenses);
        else
            vg_diag_help(ctx, d, "declare it with `license-server %s { kind dls }`, or include the file that does",
                         cb->license_ref.text);
    }
}
