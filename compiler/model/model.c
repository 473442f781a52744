/*
 * model.c - the front end: syntax trees -> the resolved model.
 *
 * Parses the root files and follows their `include`s (an included file is read
 * at the point of its include, once per run, so its declarations come first),
 * has schema.c check and store every block, expands name ranges, and resolves
 * every reference: license servers (VG1006), pinned hosts (VG1006), GPU models
 * (VG2001), profiles (VG2002), releases and drivers (VG2003) and platforms
 * (VG2004) against the catalog. Duplicate names are VG1004; cluster, host and
 * VM names are compared as Windows and vSphere compare them: without case,
 * and a host name without a trailing dot.
 *
 * A host or VM statement is checked once, into a template, and the template is
 * then copied for every name of its range: a range of 100 000 VMs costs one
 * check, one diagnostic per problem, and 100 000 copies.
 *
 * The parser hands over each top-level block as soon as its `}` is read, and
 * its tree is released once the block is built, so the whole tree of a large
 * file never exists at once; diagnostics are queued in the order of a parse
 * that read the whole file first (defer_begin).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "model/model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/aging.h"
#include "core/vg_limits.h"
#include "syntax/parse.h"
#include "model/schema.h"
#include "base/strbuf.h"
#include "base/suggest.h"
#include "catalog/yamlutil.h"
#include "model/range.h"

/* Above this many hosts, "did you mean" over host names is not worth the time. */
#define SUGGEST_MAX_HOSTS 5000u

struct host_group {            /* one `host NAME { ... }` statement */
    struct vg_host tmpl;
    const struct vg_arg *name; /* NULL: the name was invalid */
    size_t first, count;       /* hosts made from it in cluster->hosts */
};

struct vm_group {              /* one `vm NAME { ... }` statement */
    struct vg_vm tmpl;
    const struct vg_arg *name;
    const struct vg_arg *pin;
    const struct vg_stmt *hosts;
};

struct cluster_build {
    struct vg_cluster *c;
    struct vg_arg license_ref; /* a copy: the tree is gone when licenses are resolved */
    int has_license_ref;
    struct vg_arena *scratch;  /* the groups below; released when the cluster is built */
    const char *family_name;   /* from the `platform` line, if its family is known */
    struct host_group **hg; size_t nhg, cap_hg;
    struct vm_group **vg; size_t nvg, cap_vg;
    int bad_host_names;        /* a host name failed to expand: no VG1006 for pins */
    uint32_t *host_seen;       /* per host index: the `hosts` list that last named it */
    uint32_t hosts_stamp;
    const char **host_names;   /* "did you mean" candidates, built on first use */
};

struct file_rec {              /* a file read in this run, by canonical path */
    uint32_t id;
    int done;
};

struct inc_frame {
    const char *key, *display;
    struct vg_span at;         /* the include that brought it in; file 0 for a root */
};

struct builder {
    struct vg_ctx *ctx;
    const struct vg_catalog *cat;
    struct vg_model *m;
    struct cluster_build **cbs; size_t ncbs, cap_cbs;
    struct cluster_build *cur;
    struct vg_hash files;      /* canonical path -> struct file_rec */
    struct inc_frame stack[VG_MAX_INCLUDE_DEPTH + 1];
    size_t depth;
    uint32_t range_groups;
    size_t objects;
    int objects_full;
    uint64_t host_refs, pgpus; /* `hosts` references and physical GPUs so far */
    int host_refs_full, pgpus_full;
    int bad_license_names;
    /* diagnostics queued aside while a root file is parsed (defer_begin) */
    struct vg_diags deferred;
    int deferring;
    uint32_t error_limit;
    /* resolved versions by (interned text, column): most refs repeat a few values */
    struct version_memo {
        const char *text;
        int kind, any_host, is_driver;
        const struct vg_release *const *rel;
        uint32_t nrel;
    } versions[64];
    const char *aged[16]; /* versions already warned about as newer than the catalog (VG2005) */
};

/* --- small helpers -------------------------------------------------------- */

static struct vg_span arg_subspan(const struct vg_arg *a, size_t from, size_t to)
{
    return vg_span_make(a->span.file, a->span.start + (uint32_t)from, a->span.start + (uint32_t)to);
}

/* "A16", "A16 and L4", "A16, L4 and T4" */
static const char *join_names(struct vg_arena *a, const char *const *v, size_t n, const char *quote)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_puts(&sb, i + 1 == n ? " and " : ", ");
        vg_sb_printf(&sb, "%s%s%s", quote, v[i], quote);
    }
    const char *r = vg_strdup(a, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return r;
}

static void help_suggest(struct vg_ctx *ctx, struct vg_diag *d, const char *word, const char *const *cands,
                         size_t n)
{
    const char *s = vg_suggest(word, cands, n);
    if (s)
        vg_diag_help(ctx, d, "did you mean `%s`?", s);
}

/* --- names and ranges ------------------------------------------------------ */

struct names {
    const char **v;
    size_t n;
    uint32_t group;            /* range group, 0 for a single name */
    const char *one;           /* v of a single name: no allocation per VM */
};

/*
 * The names a name argument stands for. A range in a word is expanded; bad
 * ranges are VG1005 at the bad part. Counts against VG_MAX_OBJECTS when
 * `objects` is set. Returns 0 (and no names) on error.
 */
static int expand_name(struct builder *b, const struct vg_arg *a, int objects, struct names *out)
{
    struct vg_ctx *ctx = b->ctx;
    memset(out, 0, sizeof *out);
    struct vg_range r;
    const char *err = NULL;
    size_t es = 0, ee = 0;
    int rc = a->kind == VG_ARG_WORD ? vg_range_parse(a->text, a->len, &r, &err, &es, &ee) : 0;
    if (rc < 0) {
        struct vg_diag *d = vg_diag_emit(ctx, VG1005, arg_subspan(a, es, ee), "bad range in `%s`: %s", a->text,
                                         err ? err : "malformed");
        vg_diag_help(ctx, d, "write one range as `[lo..hi]` with lo <= hi and at most %u names",
                     VG_MAX_RANGE_NAMES);
        return 0;
    }
    uint64_t count = rc ? r.hi - r.lo + 1 : 1;
    if (rc && (r.hi < r.lo || count > VG_MAX_RANGE_NAMES)) { /* vg_range_parse promises this; keep it safe */
        vg_diag_emit(ctx, VG1005, a->span, "range `%s` has more than %u names", a->text, VG_MAX_RANGE_NAMES);
        return 0;
    }
    if (objects) {
        if (b->objects_full)
            return 0;
        if (b->objects + count > VG_MAX_OBJECTS) {
            b->objects_full = 1;
            struct vg_diag *d = vg_diag_emit(ctx, VG1005, a->span,
                                             "too many hosts and VMs: more than %u after range expansion",
                                             VG_MAX_OBJECTS);
            vg_diag_note(ctx, d, "hosts and VMs after this one are not read");
            return 0;
        }
        b->objects += count;
    }
    out->n = (size_t)count;
    if (!rc) {
        out->one = a->text;
        out->v = &out->one;
        return 1;
    }
    out->v = vg_alloc_array(ctx->arena, out->n, sizeof *out->v);
    out->group = ++b->range_groups;
    /* one block for all names: no per-name allocation overhead */
    size_t each = r.prefix_len + r.suffix_len + 22;
    char *buf = vg_alloc_array(ctx->arena, out->n, each);
    for (size_t i = 0; i < out->n; i++) {
        char *p = buf + i * each;
        vg_range_name(&r, r.lo + i, p, each);
        out->v[i] = p;
    }
    return 1;
}

/* How many names a name argument will make, without diagnostics: sizes the
 * cluster's arrays and hashes once instead of doubling them (a doubled table
 * leaves the old one in the arena). */
static size_t name_count(const struct vg_arg *a)
{
    struct vg_range r;
    const char *err;
    size_t es, ee;
    if (!a || a->kind != VG_ARG_WORD || vg_range_parse(a->text, a->len, &r, &err, &es, &ee) <= 0 || r.hi < r.lo)
        return 1;
    return r.hi - r.lo < VG_MAX_RANGE_NAMES ? (size_t)(r.hi - r.lo + 1) : 1;
}

/* Room for n more hosts or VMs of one cluster, within the object limit. */
static size_t room(const struct builder *b, size_t n)
{
    size_t left = b->objects < VG_MAX_OBJECTS ? VG_MAX_OBJECTS - b->objects : 0;
    return n < left ? n : left;
}

/* Cluster and license server names are never ranges: nothing could refer to them. */
static int check_single_name(struct builder *b, const struct vg_arg *a, const char *what)
{
    struct vg_range r;
    const char *err;
    size_t es, ee;
    if (a->kind != VG_ARG_WORD || vg_range_parse(a->text, a->len, &r, &err, &es, &ee) == 0)
        return 1;
    struct vg_diag *d = vg_diag_emit(b->ctx, VG1005, a->span, "a %s name cannot hold a range", what);
    vg_diag_help(b->ctx, d, "ranges make hosts and VMs; write the %s name in quotes to keep the brackets", what);
    return 0;
}

/* --- duplicates ------------------------------------------------------------ */

/* Duplicates from one range against one earlier statement are reported once. */
struct dup_run {
    const char *what, *where;  /* "VM", " in cluster `c`" */
    const char *first, *last;
    size_t n;
    struct vg_span later, earlier;
    const char *other;         /* the earlier name, when it is spelt differently */
};

static void dup_flush(struct vg_ctx *ctx, struct dup_run *r)
{
    if (!r->n)
        return;
    struct vg_diag *d;
    if (r->n == 1) {
        d = vg_diag_emit(ctx, VG1004, r->later, "%s `%s` is declared twice%s", r->what, r->first, r->where);
        vg_diag_span(ctx, d, r->earlier, "`%s` is also declared here", r->other ? r->other : r->first);
        if (r->other)
            vg_diag_note(ctx, d, "`%s` and `%s` are one name to Windows and vSphere: they compare names without "
                                 "case%s", r->other, r->first,
                         strcmp(r->what, "host") == 0 ? ", and a host name without a trailing dot" : "");
        vg_diag_subject(d, r->first);
    } else {
        d = vg_diag_emit(ctx, VG1004, r->later, "%zu %s names, `%s` to `%s`, are declared twice%s", r->n, r->what,
                         r->first, r->last, r->where);
        vg_diag_span(ctx, d, r->earlier, "`%s` to `%s` are also declared here", r->first, r->last);
    }
    vg_diag_help(ctx, d, "give every %s its own name", r->what);
    r->n = 0;
}

static void dup_add(struct vg_ctx *ctx, struct dup_run *r, const char *name, struct vg_span later,
                    struct vg_span earlier, const char *earlier_name)
{
    if (r->n && (r->earlier.file != earlier.file || r->earlier.start != earlier.start ||
                 r->later.start != later.start))
        dup_flush(ctx, r);
    if (!r->n) {
        r->first = name;
        r->later = later;
        r->earlier = earlier;
    }
    r->last = name;
    r->other = r->n == 0 && strcmp(name, earlier_name) != 0 ? earlier_name : NULL;
    r->n++;
}

/* --- catalog references ---------------------------------------------------- */

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

static enum vg_driver_kind host_column(enum vg_family f)
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
static void resolve_version(struct builder *b, struct vg_version_ref *ref, enum vg_driver_kind kind, int any_host)
{
    if (!ref->text || !b->cat)
        return;
    struct version_memo *memo = &b->versions[(((uintptr_t)ref->text >> 3) ^ (uintptr_t)kind * 31u ^
                                              (uintptr_t)any_host * 7u) & 63u];
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
                                         join_names(ctx->arena, names, n, ""), driver_kind_names[found],
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

static const struct vg_gpu *resolve_gpu(struct builder *b, const char *model, struct vg_span span)
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

static const struct vg_profile *resolve_profile(struct builder *b, const char *name, struct vg_span span)
{
    if (!b->cat)
        return NULL;
    const struct vg_profile *p = vg_catalog_profile(b->cat, name);
    if (p)
        return p;
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
        vg_diag_help(ctx, d, "`vgpuc catalog gpus` lists the GPUs and their profiles; add others with `--catalog FILE`");
        return NULL;
    }
    size_t n = 0, cap = 0;
    const char **cands = NULL;
    for (size_t j = 0; j < of->nprofiles; j++)
        VG_PUSH(ctx->arena, cands, n, cap, of->profiles[j].name);
    help_suggest(ctx, d, name, cands, n);
    return NULL;
}

static enum vg_family family_kind(const struct vg_catalog *cat, const char *family)
{
    if (!cat)
        return 0;
    for (size_t i = 0; i < cat->nplatforms; i++)
        if (strcmp(cat->platforms[i]->family, family) == 0)
            return cat->platforms[i]->kind;
    return 0;
}

static void resolve_platform(struct builder *b, struct cluster_build *cb, const struct vg_arg *fam,
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
        vg_diag_note(ctx, d, "the families are %s", join_names(ctx->arena, names, n, "`"));
        help_suggest(ctx, d, fam->text, names, n);
        return;
    }
    cb->c->platform = vg_catalog_platform(cat, fam->text, ver->text);
    if (cb->c->platform)
        return;
    const struct vg_platform *top = NULL;
    cb->c->platform = vg_aging_platform(cat, ctx->arena, fam->text, ver->text, &top);
    if (cb->c->platform) {
        struct vg_diag *d = vg_diag_emit(ctx, VG2006, ver->span,
                                         "`%s %s` is newer than every `%s %.*s.x` version the catalog knows: taken as %s",
                                         fam->text, ver->text, fam->text, (int)(strchr(ver->text, '.') - ver->text),
                                         ver->text, top->version);
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
    vg_diag_note(ctx, d, "the catalog knows `%s` %s", fam->text, join_names(ctx->arena, names, n, ""));
    const char *s = vg_suggest(ver->text, names, n);
    if (s)
        vg_diag_help(ctx, d, "did you mean `%s`?", s);
    else
        vg_diag_help(ctx, d, "if it is newer than the catalog, add it with `--catalog FILE`");
}

/* --- hosts and VMs --------------------------------------------------------- */

static struct vg_block_info inner_info(struct cluster_build *cb, enum vg_block block, const char *kind,
                                       const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_block_info bi = {block, kind, v->a ? v->a->text : "", v->a ? v->a->span : st->name_span,
                               cb->c->kind, cb->family_name, st->broken || !v->a};
    return bi;
}

static void read_host(struct builder *b, struct cluster_build *cb, const struct vg_stmt *st,
                      const struct vg_argv *v)
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
    struct vg_block_info bi = inner_info(cb, VG_BLOCK_HOST, "host", st, v);
    vg_schema_walk(ctx, &bi, st->body, &t, NULL, NULL);
    uint64_t npgpus = 0;
    for (size_t i = 0; i < g->tmpl.ngpus; i++) {
        struct vg_host_gpu *hg = &g->tmpl.gpus[i];
        hg->model = resolve_gpu(b, hg->model_name, t.gpu_words[i]->span);
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
        resolve_version(b, &g->tmpl.manager, host_column(cb->c->kind), !cb->c->kind);
    if (v->a)
        VG_PUSH(cb->scratch, cb->hg, cb->nhg, cb->cap_hg, g);
}

static void read_vm(struct builder *b, struct cluster_build *cb, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_ctx *ctx = b->ctx;
    struct vm_group *g = vg_alloc(cb->scratch, sizeof *g);
    struct vg_vm *vm = &g->tmpl;
    g->name = v->a;
    vm->span = st->span;
    vm->name_span = v->a ? v->a->span : st->name_span;
    vm->cluster = cb->c;
    vm->count = 1;
    vm->generation = 2;
    struct vg_target t = {0};
    t.cluster = cb->c;
    t.vm = vm;
    struct vg_block_info bi = inner_info(cb, VG_BLOCK_VM, "vm", st, v);
    vg_schema_walk(ctx, &bi, st->body, &t, NULL, NULL);
    g->pin = t.pin;
    g->hosts = t.hosts;
    if (vm->mode == VG_MODE_VGPU && !vm->guest.text && !bi.broken && !vg_schema_suggested(&t, "guest-driver")) {
        struct vg_diag *d = vg_diag_emit(ctx, VG1008, bi.name_span, "vm `%s` has a vGPU but no `guest-driver`",
                                         bi.name);
        vg_diag_span(ctx, d, vm->gpu_span, "vGPU given here");
        vg_diag_help(ctx, d, "add `guest-driver V`: the vGPU release or guest driver version installed in the VM");
    }
    if (t.gpu_word) {
        if (vm->mode == VG_MODE_VGPU) {
            vm->profile = resolve_profile(b, t.gpu_word->text, t.gpu_word->span);
            vm->gpu_model = vm->profile ? vm->profile->gpu : NULL;
        } else {
            vm->gpu_model = resolve_gpu(b, t.gpu_word->text, t.gpu_word->span);
        }
    }
    resolve_version(b, &vm->guest, vm->os == VG_OS_LINUX ? VG_DRV_GUEST_LINUX : VG_DRV_GUEST_WINDOWS, 0);
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
    struct vg_block_info bi = inner_info(cb, VG_BLOCK_VM_MANAGEMENT, "vm-management", st, v);
    vg_schema_walk(b->ctx, &bi, st->body, &t, NULL, NULL);
    if (v->a)
        cb->c->arc = arc;
}

static void cluster_child(void *bp, const struct vg_directive *d, const struct vg_stmt *st,
                          const struct vg_argv *v)
{
    struct builder *b = bp;
    switch (d->child) {
    case VG_BLOCK_HOST: read_host(b, b->cur, st, v); break;
    case VG_BLOCK_VM_MANAGEMENT: read_vm_management(b, b->cur, st, v); break;
    default: read_vm(b, b->cur, st, v); break;
    }
}

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
    help_suggest(ctx, d, name, cands, n);
}

/* `host NAME` and `hosts NAME...` of one VM statement, resolved once for all its VMs. */
static void resolve_vm_hosts(struct builder *b, struct cluster_build *cb, struct vm_group *g)
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
    uint64_t nvms = name_count(g->name);
    for (size_t i = 0; i < g->hosts->nargs && !b->host_refs_full; i++) {
        const struct vg_arg *a = &g->hosts->args[i];
        struct vg_range r;
        const char *err = NULL;
        size_t es = 0, ee = 0;
        int rc = a->kind == VG_ARG_WORD ? vg_range_parse(a->text, a->len, &r, &err, &es, &ee) : 0;
        if (rc < 0 || (rc && (r.hi < r.lo || r.hi - r.lo >= VG_MAX_RANGE_NAMES))) {
            struct names bad;
            expand_name(b, a, 0, &bad); /* reports the range */
            continue;
        }
        uint64_t count = rc ? r.hi - r.lo + 1 : 1;
        if (b->host_refs + count * nvms > VG_MAX_HOST_REFS) { /* each name, for each VM of the statement */
            b->host_refs_full = 1;
            struct vg_diag *d = vg_diag_emit(ctx, VG1005, a->span,
                                             "too many `hosts` references: more than %u, counting the names of "
                                             "each VM's `hosts`", VG_MAX_HOST_REFS);
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
    struct vg_diag *d = vg_diag_emit(ctx, VG2002, vm->gpu_arg_span,
                                     "profile `%s` needs %s GPUs, but the hosts of `%s` have only %s GPUs",
                                     vm->profile->name, vm->profile->gpu->model, cb->c->name,
                                     join_names(ctx->arena, names, nmodels, ""));
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
                     join_names(ctx->arena, names, nmodels, ""), vm->profile->gpu->model);
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
        if (!expand_name(b, g->name, 1, &names)) {
            cb->bad_host_names = 1;
            continue;
        }
        struct vg_host *tmpl = &g->tmpl;
        if (!b->pgpus_full && b->pgpus + (uint64_t)tmpl->npgpus * names.n > VG_MAX_PGPUS) {
            b->pgpus_full = 1;
            struct vg_diag *d = vg_diag_emit(ctx, VG1005, g->name->span,
                                             "too many physical GPUs: more than %u after range expansion",
                                             VG_MAX_PGPUS);
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
                dup_add(ctx, run, h->name, h->name_span, old->name_span, old->name);
                continue;
            }
            h->index = (uint32_t)c->nhosts;
            c->hosts[c->nhosts++] = h;
        }
        g->count = c->nhosts - g->first;
    }
}

/* The VMs of every VM group of a cluster, their hosts resolved and their
 * profiles checked against them, names expanded; `nvms` is the cluster's
 * count, for one block of VMs. */
static void add_vms(struct builder *b, struct cluster_build *cb, struct vg_hash *vm_by_name, size_t nvms,
                    struct dup_run *run)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_cluster *c = cb->c;
    const struct vg_gpu **models;
    size_t nmodels = cluster_models(ctx->arena, cb, &models);
    struct vg_vm *vm_pool = NULL;
    size_t nvm_pool = 0;
    for (size_t i = 0; i < cb->nvg; i++) {
        struct vm_group *g = cb->vg[i];
        resolve_vm_hosts(b, cb, g);
        check_profile_hosts(b, cb, g, models, nmodels);
        struct names names;
        if (!expand_name(b, g->name, 1, &names))
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
        for (size_t k = 0; k < names.n; k++) {
            struct vg_vm *vm = &vms[k];
            *vm = g->tmpl;
            vm->name = names.v[k];
            struct vg_vm *old = vg_hash_put(vm_by_name, vm->name, vm);
            if (old) {
                dup_add(ctx, run, vm->name, vm->name_span, old->name_span, old->name);
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
    resolve_platform(b, cb, t->family, t->version);
    resolve_version(b, &c->manager, host_column(c->kind), !c->kind);
    char *where = vg_sprintf(ctx->arena, " in cluster `%s`", c->name);

    size_t nhosts = 0, nvms = 0;
    for (size_t i = 0; i < cb->nhg; i++)
        nhosts += name_count(cb->hg[i]->name);
    for (size_t i = 0; i < cb->nvg; i++)
        nvms += name_count(cb->vg[i]->name);
    nhosts = room(b, nhosts);
    nvms = room(b, nvms);
    vg_hash_reserve(&c->host_by_name, nhosts);
    /* VM names are only checked for duplicates here: the table is scratch
     * (~7 MB at 100k VMs if it stayed in the model) */
    struct vg_hash vm_by_name;
    vg_hash_init_names(&vm_by_name, cb->scratch, VG_HASH_NOCASE);
    vg_hash_reserve(&vm_by_name, nvms);
    c->hosts = vg_alloc_array(ctx->arena, nhosts + 1, sizeof *c->hosts);
    c->cap_hosts = nhosts + 1;
    c->vms = vg_alloc_array(ctx->arena, nvms + 1, sizeof *c->vms);
    c->cap_vms = nvms + 1;

    struct dup_run run = {"host", where, NULL, NULL, 0, {0, 0, 0}, {0, 0, 0}, NULL};
    add_hosts(b, cb, &run);
    dup_flush(ctx, &run);

    run.what = "VM";
    add_vms(b, cb, &vm_by_name, nvms, &run);
    dup_flush(ctx, &run);
}

/* --- top level ------------------------------------------------------------- */

static void read_cluster(struct builder *b, const struct vg_stmt *st, const struct vg_argv *v)
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
        check_single_name(b, v->a, "cluster");
    /* the platform decides which directives apply (VG1010), wherever it is written */
    for (const struct vg_stmt *s = st->body; s; s = s->next) {
        if (strcmp(s->name, "platform") == 0 && s->nargs >= 1) {
            c->kind = family_kind(b->cat, s->args[0].text);
            if (c->kind)
                cb->family_name = s->args[0].text;
            break;
        }
    }
    struct vg_target t = {0};
    t.cluster = c;
    struct vg_block_info bi = {VG_BLOCK_CLUSTER, "cluster", c->name, c->name_span, c->kind, cb->family_name,
                               st->broken || !v->a};
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
        struct dup_run r = {"cluster", "", c->name, c->name, 1, c->name_span, old->name_span,
                            strcmp(c->name, old->name) ? old->name : NULL};
        dup_flush(ctx, &r);
        return;
    }
    c->index = (uint32_t)b->m->nclusters;
    VG_PUSH(ctx->arena, b->m->clusters, b->m->nclusters, b->m->cap_clusters, c);
    VG_PUSH(ctx->arena, b->cbs, b->ncbs, b->cap_cbs, cb);
}

static void read_license(struct builder *b, const struct vg_stmt *st, const struct vg_argv *v)
{
    struct vg_ctx *ctx = b->ctx;
    struct vg_license_server *l = vg_alloc(ctx->arena, sizeof *l);
    l->name = v->a ? v->a->text : "";
    l->span = st->span;
    l->name_span = v->a ? v->a->span : st->name_span;
    l->editions = VG_ED_ALL;
    struct vg_target t = {0};
    t.license = l;
    struct vg_block_info bi = {VG_BLOCK_LICENSE, "license server", l->name, l->name_span, 0, NULL,
                               st->broken || !v->a};
    vg_schema_walk(ctx, &bi, st->body, &t, NULL, NULL);
    if (l->kind == VG_LIC_CLS && l->version) {
        struct vg_diag *d = vg_diag_emit(ctx, VG1003, l->version_span,
                                         "`version` does not apply to a `cls` license server");
        vg_diag_note(ctx, d, "the Cloud License Service is run by NVIDIA; it has no version to install");
        vg_diag_help(ctx, d, "remove `version`");
    }
    if (!v->a || !check_single_name(b, v->a, "license server")) {
        b->bad_license_names = 1;
        return;
    }
    struct vg_license_server *old = vg_hash_put(&b->m->license_by_name, l->name, l);
    if (old) {
        struct dup_run r = {"license server", "", l->name, l->name, 1, l->name_span, old->name_span, NULL};
        dup_flush(ctx, &r);
        return;
    }
    VG_PUSH(ctx->arena, b->m->licenses, b->m->nlicenses, b->m->cap_licenses, l);
}

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
    const char *path = rel[0] == '/' || !slash
                           ? rel
                           : vg_sprintf(ctx->arena, "%.*s/%s", (int)(slash - src->path), src->path, rel);
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
        return; /* read once per run; a file that failed is reported once */
    if (b->depth > VG_MAX_INCLUDE_DEPTH) { /* the root and VG_MAX_INCLUDE_DEPTH includes */
        struct vg_diag *d = vg_diag_emit(ctx, VG1009, st->span, "includes nested more than %u deep",
                                         VG_MAX_INCLUDE_DEPTH);
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
    case VG_BLOCK_LICENSE: read_license(b, st, v); break;
    case VG_BLOCK_CLUSTER: read_cluster(b, st, v); break;
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
    struct vg_block_info bi = {VG_BLOCK_TOP, "file", "", {0, 0, 0}, 0, NULL, 1};
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

static void resolve_licenses(struct builder *b)
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
        struct vg_diag *d = vg_diag_emit(ctx, VG1006, cb->license_ref.span, "no license server named `%s`",
                                         cb->license_ref.text);
        if (!names) {
            names = vg_alloc_array(ctx->arena, b->m->nlicenses + 1, sizeof *names);
            for (size_t k = 0; k < b->m->nlicenses; k++)
                names[k] = b->m->licenses[k]->name;
        }
        if (b->m->nlicenses)
            help_suggest(ctx, d, cb->license_ref.text, names, b->m->nlicenses);
        else
            vg_diag_help(ctx, d, "declare it with `license-server %s { kind dls }`, or include the file that does",
                         cb->license_ref.text);
    }
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
    resolve_licenses(&b);
    return b.m;
}

/* --- queries --------------------------------------------------------------- */

/* The platforms' own cluster sizes (codes.def VG6010 gives the sources). */
static const struct {
    enum vg_family family;
    uint32_t max_hosts;
} cluster_limits[] = {
    {VG_FAMILY_HYPERV, 64},  /* Hyper-V scalability in Windows Server: nodes per cluster */
    {VG_FAMILY_VSPHERE, 96}, /* vSphere 7.0/8.0 configuration maximums: hosts per cluster */
};

uint32_t vg_cluster_max_hosts(enum vg_family family)
{
    uint32_t most = 0;
    for (size_t i = 0; i < sizeof cluster_limits / sizeof *cluster_limits; i++) {
        if (cluster_limits[i].family == family)
            return cluster_limits[i].max_hosts;
        if (cluster_limits[i].max_hosts > most)
            most = cluster_limits[i].max_hosts;
    }
    return most;
}

int vg_vm_may_run_on(const struct vg_vm *vm, const struct vg_host *h)
{
    if (h->cluster != vm->cluster)
        return 0;
    if (vm->pin && vm->pin != h)
        return 0;
    if (!vm->nallowed)
        return !vm->hosts_span.file; /* `hosts` whose names all failed: nowhere */
    for (size_t i = 0; i < vm->nallowed; i++)
        if (vm->allowed[i] == h)
            return 1;
    return 0;
}

const char *vg_mode_name(enum vg_gpu_mode m)
{
    switch (m) {
    case VG_MODE_VGPU: return "vgpu";
    case VG_MODE_PASSTHROUGH: return "passthrough";
    default: return "none";
    }
}

const char *vg_migration_name(enum vg_migration m)
{
    switch (m) {
    case VG_MIG_LIVE: return "live";
    case VG_MIG_NONE: return "none";
    default: return "restart";
    }
}
