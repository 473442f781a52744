/*
 * compat.c - VG3001-VG3007: vGPU Manager and guest driver compatibility,
 * releases per platform version, branch end of support.
 *
 * NVIDIA (the vGPU release notes' "Which vGPU Manager and guest driver
 * combinations work", cited in catalog/releases.yaml): the same release or the same branch works (a
 * guest newer than the host inside a branch negotiates down: VG3004); a host
 * one branch newer than the guest works with a caveat (VG3003), and so does
 * an LTS host with a guest of the previous LTS branch from the release the
 * catalog names (`compatibility: lts-pair-from`); a guest from a newer branch
 * (VG3001) or any other older one (VG3002) fails to load. "Branch" is the
 * release's major. Every vGPU VM is checked against every distinct Manager
 * value of the hosts it may run on or fail over to; hosts that share a value
 * are one case, and each (guest release, host release) pair is judged once,
 * so the work stays linear in VMs + hosts.
 */
#include "rules/rules.h"

#include <stdio.h>
#include <string.h>

#include "catalog/aging.h"
#include "catalog/catalog.h"
#include "base/strbuf.h"

enum verdict { V_OK = 0, V_NEWER_RELEASE, V_PREVIOUS_BRANCH, V_TOO_OLD, V_NEWER_BRANCH };

struct mcase { /* one distinct vGPU Manager value */
    const struct vg_version_ref *ref;
    struct vg_host *first; /* first host that has it */
    size_t nhosts;
    int is_default; /* the cluster's `vgpu-manager` */
};

struct cstate {
    struct vg_ctx *ctx;
    const struct vg_catalog *cat;
    int8_t *memo; /* nreleases^2, -1 = not judged yet */
    size_t nrel;
    const struct vg_release *last_g, *last_h; /* the pair judged last (VMs in a row */
    enum verdict last_v;                      /* mostly share it): no index search */
};

/* A major alone for its first release (a branch), else MAJOR.MINOR. */
static const char *release_text(struct vg_ctx *ctx, uint32_t num)
{
    if (num % 1000 == 0)
        return vg_sprintf(ctx->arena, "%u", num / 1000);
    return vg_sprintf(ctx->arena, "%u.%u", num / 1000, num % 1000);
}

static size_t release_index(const struct vg_catalog *c, const struct vg_release *r)
{
    size_t lo = 0, hi = c->nreleases;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->releases[mid]->num < r->num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nreleases && c->releases[lo] == r ? lo : SIZE_MAX;
}

/* The newest LTS major below `major` in the catalog, 0 if none. */
static unsigned previous_lts(const struct vg_catalog *c, unsigned major)
{
    unsigned best = 0;
    for (size_t i = 0; i < c->nreleases; i++)
        if (c->releases[i]->lts == 1 && c->releases[i]->major < major && c->releases[i]->major > best)
            best = c->releases[i]->major;
    return best;
}

static enum verdict judge_pair(const struct vg_catalog *c, const struct vg_release *g, const struct vg_release *h)
{
    if (g->major == h->major)
        return g->num > h->num ? V_NEWER_RELEASE : V_OK;
    if (g->major > h->major)
        return V_NEWER_BRANCH;
    if (h->major == g->major + 1)
        return V_PREVIOUS_BRANCH;
    if (c->compat.lts_pair_from && h->num >= c->compat.lts_pair_from && h->lts == 1 && g->lts == 1 &&
        previous_lts(c, h->major) == g->major)
        return V_PREVIOUS_BRANCH;
    return V_TOO_OLD;
}

static enum verdict judge_indexed(struct cstate *cs, const struct vg_release *g, const struct vg_release *h)
{
    size_t gi = release_index(cs->cat, g), hi = release_index(cs->cat, h);
    if (gi == SIZE_MAX || hi == SIZE_MAX)
        return judge_pair(cs->cat, g, h);
    int8_t *m = &cs->memo[gi * cs->nrel + hi];
    if (*m < 0)
        *m = (int8_t)judge_pair(cs->cat, g, h);
    return (enum verdict) * m;
}

static enum verdict judge(struct cstate *cs, const struct vg_release *g, const struct vg_release *h)
{
    if (g == cs->last_g && h == cs->last_h)
        return cs->last_v;
    cs->last_g = g;
    cs->last_h = h;
    cs->last_v = judge_indexed(cs, g, h);
    return cs->last_v;
}

/* Worst verdict over every (guest, host) release pair; the pair in *gw, *hw. */
static enum verdict judge_refs(struct cstate *cs, const struct vg_version_ref *guest, const struct vg_version_ref *mgr,
                               const struct vg_release **gw, const struct vg_release **hw)
{
    enum verdict worst = V_OK;
    *gw = guest->rel[0];
    *hw = mgr->rel[0];
    for (size_t i = 0; i < guest->nrel; i++)
        for (size_t j = 0; j < mgr->nrel; j++) {
            enum verdict v = judge(cs, guest->rel[i], mgr->rel[j]);
            if (v > worst) {
                worst = v;
                *gw = guest->rel[i];
                *hw = mgr->rel[j];
            }
        }
    return worst;
}

static int same_releases(const struct vg_version_ref *a, const struct vg_version_ref *b)
{
    if (a->nrel != b->nrel)
        return 0;
    for (size_t i = 0; i < a->nrel; i++)
        if (a->rel[i] != b->rel[i])
            return 0;
    return 1;
}

static const char *where(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct mcase *mc)
{
    if (mc->nhosts == cl->nhosts && cl->nhosts > 1)
        return "every host";
    if (mc->nhosts == 1)
        return vg_sprintf(ctx->arena, "`%s`", mc->first->name);
    return vg_sprintf(ctx->arena, "`%s` and %zu other host%s", mc->first->name, mc->nhosts - 1,
                      mc->nhosts == 2 ? "" : "s");
}

/* "esx-01 esx-02": the hosts whose Manager is of `major` or later (NULL if none;
   the first 8 when there are more). */
static const char *upgraded_hosts(struct vg_ctx *ctx, const struct vg_cluster *cl, unsigned major)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    size_t n = 0;
    for (size_t i = 0; i < cl->nhosts && n < 8; i++) {
        const struct vg_version_ref *r = &cl->hosts[i]->manager;
        if (r->nrel && r->rel[0]->major >= major) {
            vg_sb_printf(&sb, "%s%s", n ? " " : "", cl->hosts[i]->name);
            n++;
        }
    }
    const char *out = n ? vg_strdup(ctx->arena, vg_sb_str(&sb)) : NULL;
    vg_sb_free(&sb);
    return out;
}

/* What every report of a guest driver against a Manager shares. */
struct report {
    struct cstate *cs;
    const struct vg_cluster *cl;
    const struct vg_vm *vm;
    const struct vg_release *g, *h; /* the guest's release and the Manager's */
    const char *gt, *ht, *on;       /* both as written, and the hosts */
};

/* VG3001: a guest driver from a newer branch than the Manager. */
static struct vg_diag *report_newer_branch(const struct report *r)
{
    struct vg_ctx *ctx = r->cs->ctx;
    const struct vg_release *g = r->g, *h = r->h;
    const char *up;
    struct vg_diag *d = vg_diag_emit(ctx, VG3001, r->vm->guest.span,
                                     "guest driver %s of `%s` is from a newer branch than the vGPU Manager %s on %s",
                                     r->gt, r->vm->name, r->ht, r->on);
    vg_diag_note(ctx, d, "a guest driver from a later branch than the vGPU Manager fails to load");
    if (!r->vm->pin && !r->vm->nallowed && (up = upgraded_hosts(ctx, r->cl, g->major)) != NULL)
        /* a rolling upgrade: some hosts already run a Manager new enough */
        vg_diag_help(ctx, d,
                     "keep `%s` on the upgraded hosts (`hosts %s`) until every host runs vGPU %u, use a %u.x guest "
                     "driver (%s matches %s), or upgrade %s",
                     r->vm->name, up, g->major, h->major, h->name, r->on, r->on);
    else
        vg_diag_help(ctx, d, "use a %u.x guest driver (%s matches the hosts), or upgrade the hosts to vGPU %u",
                     h->major, h->name, g->major);
    return d;
}

/* VG3002: a guest driver older than the branches the Manager supports. */
static struct vg_diag *report_too_old(const struct report *r)
{
    struct vg_ctx *ctx = r->cs->ctx;
    const struct vg_catalog *cat = r->cs->cat;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG3002, r->vm->guest.span, "guest driver %s of `%s` is too old for the vGPU Manager %s on %s",
                     r->gt, r->vm->name, r->ht, r->on);
    if (cat->compat.lts_pair_from)
        vg_diag_note(ctx, d,
                     "NVIDIA supports guest drivers of the Manager's branch and of the previous branch only "
                     "(from vGPU %s also the previous long-term-support branch)",
                     release_text(ctx, cat->compat.lts_pair_from));
    else
        vg_diag_note(ctx, d, "NVIDIA supports guest drivers of the Manager's branch and of the previous branch only");
    vg_diag_help(ctx, d, "upgrade the guest driver to a %u.x release (%s matches the hosts)", r->h->major, r->h->name);
    return d;
}

/* VG3003: a guest driver of the branch before the Manager's (or of the previous LTS branch). */
static struct vg_diag *report_previous_branch(const struct report *r)
{
    struct vg_ctx *ctx = r->cs->ctx;
    struct vg_diag *d = vg_diag_emit(ctx, VG3003, r->vm->guest.span,
                                     r->h->major == r->g->major + 1
                                         ? "guest driver %s of `%s` is from the branch before the vGPU Manager %s on %s"
                                         : "guest driver %s of `%s` is from the long-term-support branch before the "
                                           "vGPU Manager %s on %s",
                                     r->gt, r->vm->name, r->ht, r->on);
    vg_diag_note(ctx, d, "supported, but only the features, hardware and guest OSes supported by both releases");
    vg_diag_help(ctx, d, "upgrade the guest driver to a %u.x release", r->h->major);
    return d;
}

/* VG3004: a guest driver newer than the Manager, in the same branch. */
static struct vg_diag *report_newer_release(const struct report *r)
{
    struct vg_ctx *ctx = r->cs->ctx;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG3004, r->vm->guest.span, "guest driver %s of `%s` is newer than the vGPU Manager %s on %s",
                     r->gt, r->vm->name, r->ht, r->on);
    vg_diag_note(ctx, d, "same branch: NVIDIA documents no direction; the guest negotiates down to the host");
    vg_diag_help(ctx, d, "use guest driver %s or upgrade the hosts to %s", r->h->name, r->g->name);
    return d;
}

/* One row per verdict: its code and its report. */
static const struct {
    enum vg_code code;
    struct vg_diag *(*report)(const struct report *r);
} verdicts[] = {
    [V_OK] = {VG3001, NULL},
    [V_NEWER_RELEASE] = {VG3004, report_newer_release},
    [V_PREVIOUS_BRANCH] = {VG3003, report_previous_branch},
    [V_TOO_OLD] = {VG3002, report_too_old},
    [V_NEWER_BRANCH] = {VG3001, report_newer_branch},
};

static void report_vm(struct cstate *cs, const struct vg_cluster *cl, const struct vg_vm *vm, const struct mcase *mc,
                      enum verdict v, const struct vg_release *g, const struct vg_release *h)
{
    struct vg_ctx *ctx = cs->ctx;
    if (v == V_OK || !vg_diag_enabled(ctx, verdicts[v].code))
        return; /* off (a rollout state checks errors only): no message to make */
    struct report r = {cs, cl, vm, g, h, NULL, NULL, NULL};
    r.gt = vg_rules_version_text(ctx, &vm->guest);
    r.ht = vg_rules_version_text(ctx, mc->ref);
    r.on = where(ctx, cl, mc);
    struct vg_diag *d = verdicts[v].report(&r);
    vg_diag_subject(d, vm->name);
    vg_diag_label(ctx, d, "%s (vGPU %u) guest driver", g->branch ? g->branch : g->name, g->major);
    if (vg_span_valid(mc->ref->span))
        vg_diag_span(ctx, d, mc->ref->span, "%s (vGPU %u) on %s", h->branch ? h->branch : h->name, h->major, r.on);
    if (v == V_PREVIOUS_BRANCH && h->major != g->major + 1)
        vg_diag_note(ctx, d,
                     "the previous long-term-support branch is allowed from vGPU %s (the catalog's "
                     "`compatibility: lts-pair-from`)",
                     release_text(ctx, cs->cat->compat.lts_pair_from));
}

static void check_vms(struct cstate *cs, const struct vg_cluster *cl, const struct mcase *cases, size_t ncases,
                      const uint32_t *case_of_host)
{
    uint8_t *seen = vg_alloc_array(cs->ctx->arena, ncases ? ncases : 1, 1);
    uint32_t *list = vg_alloc_array(cs->ctx->arena, ncases ? ncases : 1, sizeof *list);
    /* the verdicts depend on the guest's releases and the hosts it may run on
       alone: VMs in a row mostly share both (one statement, or blocks alike),
       and those after one that passed pass too */
    const struct vg_vm *passed = NULL;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_vm *vm = cl->vms[i];
        if (vm->mode != VG_MODE_VGPU || !vm->guest.nrel)
            continue;
        if (passed && vm->guest.rel == passed->guest.rel && vm->guest.nrel == passed->guest.nrel &&
            vm->pin == passed->pin && vm->allowed == passed->allowed && vm->nallowed == passed->nallowed)
            continue;
        passed = vm;
        /* the distinct cases among the hosts it may run on */
        size_t n = 0;
        memset(seen, 0, ncases);
        struct vg_host *const *hs = vm->pin ? &vm->pin : vm->nallowed ? (struct vg_host *const *)vm->allowed : NULL;
        size_t nh = vm->pin ? 1 : vm->nallowed;
        if (!hs)
            for (size_t c = 0; c < ncases; c++)
                list[n++] = (uint32_t)c;
        for (size_t j = 0; hs && j < nh; j++) {
            uint32_t c = case_of_host[hs[j]->index];
            if (c != UINT32_MAX && !seen[c]) {
                seen[c] = 1;
                list[n++] = c;
            }
        }
        for (size_t j = 0; j < n; j++) {
            const struct vg_release *g = NULL, *h = NULL;
            enum verdict v = judge_refs(cs, &vm->guest, cases[list[j]].ref, &g, &h);
            if (v != V_OK) {
                report_vm(cs, cl, vm, &cases[list[j]], v, g, h);
                passed = NULL;
            }
        }
    }
}

/* VG3005: more than one Manager release among the hosts. */
static void check_mixed(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct mcase *cases, size_t ncases)
{
    for (size_t c = 1; c < ncases; c++) {
        if (same_releases(cases[0].ref, cases[c].ref))
            continue;
        struct vg_diag *d =
            vg_diag_emit(ctx, VG3005, vg_span_or(cases[c].ref->span, cases[c].first->span),
                         "hosts of cluster `%s` run different vGPU Manager releases: %s on %s, %s on %s", cl->name,
                         vg_rules_version_text(ctx, cases[0].ref), where(ctx, cl, &cases[0]),
                         vg_rules_version_text(ctx, cases[c].ref), where(ctx, cl, &cases[c]));
        vg_diag_label(ctx, d, "differs from the other hosts");
        if (vg_span_valid(cases[0].ref->span))
            vg_diag_span(ctx, d, cases[0].ref->span, "%s here", vg_rules_version_text(ctx, cases[0].ref));
        vg_diag_note(ctx, d, "every VM is checked against every host it may run on or fail over to");
        vg_diag_help(ctx, d, "run one vGPU Manager release on every host of the cluster");
        return;
    }
}

/* VG3006: a Manager release with no host package for the platform version. */
static void check_platform(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct mcase *cases, size_t ncases)
{
    const struct vg_platform *pf = cl->platform;
    if (!pf || (!pf->vgpu_min && !pf->vgpu_max))
        return;
    for (size_t c = 0; c < ncases; c++) {
        const struct vg_version_ref *r = cases[c].ref;
        const struct vg_release *bad = NULL;
        for (size_t i = 0; i < r->nrel && !bad; i++)
            if ((pf->vgpu_min && r->rel[i]->num < pf->vgpu_min) || (pf->vgpu_max && r->rel[i]->num > pf->vgpu_max))
                bad = r->rel[i];
        if (!bad)
            continue;
        struct vg_diag *d = vg_diag_emit(ctx, VG3006, vg_span_or(r->span, cases[c].first->span),
                                         "vGPU %s has no vGPU Manager package for %s %s (hosts: %s)", bad->name,
                                         pf->family, pf->version, where(ctx, cl, &cases[c]));
        vg_diag_label(ctx, d, "vGPU %s", bad->name);
        if (vg_span_valid(cl->platform_span))
            vg_diag_span(ctx, d, cl->platform_span, "%s %s", pf->family, pf->version);
        unsigned lo_major = pf->vgpu_min / 1000, lo_minor = pf->vgpu_min % 1000;
        unsigned hi_major = pf->vgpu_max / 1000, hi_minor = pf->vgpu_max % 1000;
        if (pf->vgpu_min && pf->vgpu_max)
            vg_diag_help(ctx, d, "use a vGPU release from %u.%u to %u.%s on %s %s", lo_major, lo_minor, hi_major,
                         hi_minor == VG_RELNUM_ANY_MINOR ? "x" : vg_sprintf(ctx->arena, "%u", hi_minor), pf->family,
                         pf->version);
        else if (pf->vgpu_min)
            vg_diag_help(ctx, d, "use vGPU %u.%u or later on %s %s", lo_major, lo_minor, pf->family, pf->version);
        else
            vg_diag_help(ctx, d, "use vGPU %u.%s or earlier on %s %s, or a newer platform version", hi_major,
                         hi_minor == VG_RELNUM_ANY_MINOR ? "x" : vg_sprintf(ctx->arena, "%u", hi_minor), pf->family,
                         pf->version);
        if (!pf->vgpu_range_verified)
            vg_diag_note(ctx, d,
                         "the catalog's release range for %s %s is host-package evidence, not NVIDIA's support matrix "
                         "(unverified)",
                         pf->family, pf->version);
    }
}

/* VG3008: a GPU model used for vGPU on hosts whose Manager predates the first
   release that supports the model (the catalog's `vgpu-min` of the GPU). */
static void check_gpu_min(struct vg_ctx *ctx, const struct vg_cluster *cl, const struct mcase *cases, size_t ncases,
                          const uint32_t *case_of_host)
{
    const struct vg_gpu *models[8];
    size_t nmodels = 0;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_gpu *g = cl->vms[i]->mode == VG_MODE_VGPU ? cl->vms[i]->gpu_model : NULL;
        if (!g || !g->vgpu_min)
            continue;
        size_t k = 0;
        while (k < nmodels && models[k] != g)
            k++;
        if (k == nmodels && nmodels < sizeof models / sizeof *models)
            models[nmodels++] = g;
    }
    for (size_t k = 0; k < nmodels; k++) {
        const struct vg_gpu *g = models[k];
        for (size_t c = 0; c < ncases; c++) {
            const struct vg_version_ref *r = cases[c].ref;
            if (!r->nrel || r->rel[r->nrel - 1]->num >= g->vgpu_min)
                continue; /* every release the value may be is new enough, or one may be */
            const struct vg_host *first = NULL;
            size_t n = 0;
            for (size_t h = 0; h < cl->nhosts; h++) {
                if (case_of_host[h] != c)
                    continue;
                for (size_t j = 0; j < cl->hosts[h]->ngpus; j++)
                    if (cl->hosts[h]->gpus[j].model == g) {
                        first = first ? first : cl->hosts[h];
                        n++;
                        break;
                    }
            }
            if (!n)
                continue;
            const struct vg_release *old = r->rel[r->nrel - 1];
            const char *hosts = n == cl->nhosts && n > 1 ? "every host"
                : n == 1                                 ? vg_sprintf(ctx->arena, "`%s`", first->name)
                         : vg_sprintf(ctx->arena, "`%s` and %zu other host%s", first->name, n - 1, n == 2 ? "" : "s");
            struct vg_diag *d =
                vg_diag_emit(ctx, VG3008, vg_span_or(r->span, first->span),
                             "vGPU Manager %s on %s predates vGPU %u.%u, the first release that "
                             "supports the %s",
                             vg_rules_version_text(ctx, r), hosts, g->vgpu_min / 1000, g->vgpu_min % 1000, g->model);
            vg_diag_label(ctx, d, "vGPU %s", old->name);
            vg_diag_help(ctx, d, "use vGPU %u.%u or later on the hosts with %s GPUs", g->vgpu_min / 1000,
                         g->vgpu_min % 1000, g->model);
            vg_diag_note(ctx, d, "the Manager does not offer the %s's vGPU types before %u.%u", g->model,
                         g->vgpu_min / 1000, g->vgpu_min % 1000);
        }
    }
}

/* VG3007: one warning per version as written (a range of VMs shares it). */
/* The first release of r whose branch is past its end of support, or r->nrel. */
static size_t first_past_eos(const struct vg_ctx *ctx, const struct vg_version_ref *r)
{
    uint32_t month = ctx->opt.today / 100;
    size_t first = 0;
    while (first < r->nrel && (!r->rel[first]->branch_eos || month <= r->rel[first]->branch_eos))
        first++;
    return first;
}

static void check_eos(struct vg_ctx *ctx, const struct vg_version_ref *r, struct vg_hash *done, const char *what)
{
    if (!r->nrel || !vg_span_valid(r->span) || !vg_diag_enabled(ctx, VG3007))
        return;
    /* decide first: most references are supported, and those cost no key */
    uint32_t month = ctx->opt.today / 100;
    size_t first = first_past_eos(ctx, r);
    if (first == r->nrel)
        return;
    char key[48];
    snprintf(key, sizeof key, "%u:%u", r->span.file, r->span.start);
    if (vg_hash_get(done, key))
        return;
    vg_hash_put(done, vg_strdup(ctx->arena, key), (void *)1);
    for (size_t i = first; i < r->nrel; i++) {
        const struct vg_release *rel = r->rel[i];
        if (!rel->branch_eos || month <= rel->branch_eos)
            continue;
        struct vg_diag *d =
            vg_diag_emit(ctx, VG3007, r->span, "%s %s: branch %s (vGPU %u) reached its end of support in %04u-%02u",
                         what, vg_rules_version_text(ctx, r), rel->branch ? rel->branch : "?", rel->major,
                         rel->branch_eos / 100, rel->branch_eos % 100);
        vg_diag_label(ctx, d, "no more fixes or security updates");
        vg_diag_note(ctx, d, "as of %04u-%02u-%02u (set with --today)", ctx->opt.today / 10000,
                     ctx->opt.today / 100 % 100, ctx->opt.today % 100);
        vg_diag_help(ctx, d, "move to a release of a supported branch");
        if (!rel->verified)
            vg_diag_note(ctx, d, "the catalog marks release %s as unverified", rel->name);
        return;
    }
}

/* VG2007: once per run, at the first vgpu-manager, when the newest dated release
   the catalog knows is VG_AGING_OLD_MONTHS or more before --today. */
static void check_catalog_age(struct vg_ctx *ctx, const struct vg_model *m)
{
    const struct vg_version_ref *at = NULL;
    for (size_t k = 0; k < m->nclusters && !at; k++)
        if (m->clusters[k]->manager.text)
            at = &m->clusters[k]->manager;
    for (size_t k = 0; k < m->nclusters && !at; k++)
        for (size_t h = 0; h < m->clusters[k]->nhosts && !at; h++)
            if (m->clusters[k]->hosts[h]->manager_own)
                at = &m->clusters[k]->hosts[h]->manager;
    const struct vg_release *newest = NULL;
    uint32_t ym = vg_aging_newest_date(ctx->catalog, &newest);
    if (!at || !ym)
        return;
    int months = vg_aging_months(ym, ctx->opt.today);
    if (months < VG_AGING_OLD_MONTHS)
        return;
    struct vg_diag *d = vg_diag_emit(
        ctx, VG2007, at->span,
        "the catalog's newest vGPU release (%s, %04u-%02u) is %d months older than %04u-%02u-%02u", newest->name,
        ym / 100, ym % 100, months, ctx->opt.today / 10000, ctx->opt.today / 100 % 100, ctx->opt.today % 100);
    vg_diag_note(ctx, d,
                 "NVIDIA ships a release every quarter: newer releases are taken by their branch (VG2005), "
                 "and what changed since is unknown to vgpuc");
    vg_diag_help(ctx, d,
                 "update vgpuc, or add the newer releases with `--catalog FILE`; `vgpuc catalog` shows the "
                 "age of each part");
}

struct compat_run { /* the family's state from one cluster to the next */
    struct cstate cs;
    struct vg_hash eos_done;
    const struct vg_model *m;
};

static void *compat_begin(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    (void)p;
    if (!ctx->catalog)
        return NULL;
    struct compat_run *r = vg_alloc(ctx->arena, sizeof *r);
    r->cs = (struct cstate){ctx, ctx->catalog, NULL, ctx->catalog->nreleases, NULL, NULL, V_OK};
    r->cs.memo = vg_alloc_array(ctx->arena, r->cs.nrel * r->cs.nrel + 1, 1);
    memset(r->cs.memo, -1, r->cs.nrel * r->cs.nrel + 1);
    vg_hash_init(&r->eos_done, ctx->arena);
    r->m = m;
    check_catalog_age(ctx, m);
    return r;
}

static void compat_cluster(void *state, size_t k)
{
    struct compat_run *st = state;
    struct vg_ctx *ctx = st->cs.ctx;
    const struct vg_cluster *cl = st->m->clusters[k];
    struct mcase *cases = NULL;
    size_t ncases = 0, cap = 0;
    uint32_t *case_of_host = vg_alloc_array(ctx->arena, cl->nhosts + 1, sizeof *case_of_host);
    struct vg_hash by_text;
    vg_hash_init(&by_text, ctx->arena);
    int has_vgpu = 0;
    for (size_t i = 0; i < cl->nvms && !has_vgpu; i++)
        has_vgpu = cl->vms[i]->mode == VG_MODE_VGPU;
    for (size_t h = 0; h < cl->nhosts; h++) {
        struct vg_host *host = cl->hosts[h];
        const struct vg_version_ref *r = host->manager_own ? &host->manager : &cl->manager;
        case_of_host[h] = UINT32_MAX;
        if (!r->nrel)
            continue;
        const char *key = host->manager_own ? vg_sprintf(ctx->arena, "h:%s", r->text) : "cluster-default";
        void *v = vg_hash_get(&by_text, key);
        if (!v) {
            struct mcase mc = {r, host, 0, !host->manager_own};
            VG_PUSH(ctx->arena, cases, ncases, cap, mc);
            v = (void *)(uintptr_t)ncases;
            vg_hash_put(&by_text, key, v);
        }
        case_of_host[h] = (uint32_t)((uintptr_t)v - 1);
        cases[case_of_host[h]].nhosts++;
    }
    if (has_vgpu)
        check_vms(&st->cs, cl, cases, ncases, case_of_host);
    check_mixed(ctx, cl, cases, ncases);
    check_platform(ctx, cl, cases, ncases);
    check_gpu_min(ctx, cl, cases, ncases, case_of_host);
    for (size_t c = 0; c < ncases; c++)
        check_eos(ctx, cases[c].ref, &st->eos_done, "vGPU Manager");
    const struct vg_release *const *supported = NULL; /* releases of a guest found supported */
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_version_ref *g = &cl->vms[i]->guest;
        if (cl->vms[i]->mode != VG_MODE_VGPU || (g->rel == supported && g->nrel))
            continue;
        if (g->nrel && first_past_eos(ctx, g) == g->nrel)
            supported = g->rel;
        else
            check_eos(ctx, g, &st->eos_done, "guest driver");
    }
}

const struct vg_rule_family vg_rules_compat = {compat_begin, compat_cluster};

int vg_compat_loads(const struct vg_catalog *c, const struct vg_release *g, const struct vg_release *h)
{
    return judge_pair(c, g, h) < V_TOO_OLD;
}
