/*
 * license.c - VG3101-VG3103: the license server against the releases and
 * profile series of each cluster's vGPU VMs.
 *
 * The catalog's licensing section holds the facts (catalog/licensing.yaml,
 * each with its NVIDIA `source:`): the
 * legacy server is incompatible from some release on, NLS (dls / cls) serves
 * clients from a first release, a DLS appliance has a minimum version per
 * release, and each profile series needs one of a set of editions. Only vGPU
 * VMs are checked: a pass-through VM runs NVIDIA's native driver, which the
 * vGPU license server does not gate.
 */
#include "rules/rules.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"

struct relseen { /* the oldest and newest release in a cluster */
    const struct vg_release *lo, *hi;
    const char *lo_who, *hi_who;
    struct vg_span lo_span, hi_span;
};

static void see(struct relseen *s, const struct vg_version_ref *r, const char *who)
{
    for (size_t i = 0; i < r->nrel; i++) {
        if (!s->lo || r->rel[i]->num < s->lo->num) {
            s->lo = r->rel[i];
            s->lo_who = who;
            s->lo_span = r->span;
        }
        if (!s->hi || r->rel[i]->num > s->hi->num) {
            s->hi = r->rel[i];
            s->hi_who = who;
            s->hi_span = r->span;
        }
    }
}

/* Compare dotted versions numerically ("3.4.1" vs "3.4"); missing parts are 0. */
static int version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        else if (*a)
            break;
        if (*b == '.')
            b++;
        else if (*b)
            break;
    }
    return 0;
}

static const char *kind_name(enum vg_license_kind k)
{
    return k == VG_LIC_DLS ? "dls" : k == VG_LIC_CLS ? "cls" : "legacy";
}

static const char *editions_text(struct vg_ctx *ctx, unsigned set)
{
    static const char *const names[] = {"vws", "vpc", "vapps", "vcs"};
    static const unsigned bits[] = {VG_ED_VWS, VG_ED_VPC, VG_ED_VAPPS, VG_ED_VCS};
    char buf[64] = "";
    for (size_t i = 0; i < 4; i++)
        if (set & bits[i]) {
            if (*buf)
                strcat(buf, " or ");
            strcat(buf, names[i]);
        }
    return vg_strdup(ctx->arena, *buf ? buf : "none");
}

static struct vg_diag *incompatible(struct vg_ctx *ctx, const struct vg_cluster *cl, const char *fmt_detail,
                                    const struct vg_release *rel, const char *who, struct vg_span rel_span)
{
    const struct vg_license_server *ls = cl->license;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG3101, vg_span_or(cl->license_span, cl->name_span),
                     "license server `%s` (%s) cannot license vGPU %s used by %s: %s", ls->name, kind_name(ls->kind),
                     rel->name, who ? vg_sprintf(ctx->arena, "`%s`", who) : "the hosts", fmt_detail);
    vg_diag_label(ctx, d, "used by cluster `%s`", cl->name);
    if (vg_span_valid(rel_span))
        vg_diag_span(ctx, d, rel_span, "vGPU %s", rel->name);
    if (vg_span_valid(ls->kind_span))
        vg_diag_span(ctx, d, ls->kind_span, "`kind %s`", kind_name(ls->kind));
    return d;
}

static void check_server(struct vg_ctx *ctx, const struct vg_licensing *lic, const struct vg_cluster *cl,
                         const struct relseen *s)
{
    const struct vg_license_server *ls = cl->license;
    if (ls->kind == VG_LIC_LEGACY) {
        if (lic->legacy_incompatible_from && s->hi && s->hi->num >= lic->legacy_incompatible_from) {
            struct vg_diag *d =
                incompatible(ctx, cl,
                             vg_sprintf(ctx->arena, "the legacy license server does not serve vGPU %u.%u and later",
                                        lic->legacy_incompatible_from / 1000, lic->legacy_incompatible_from % 1000),
                             s->hi, s->hi_who, s->hi_span);
            vg_diag_help(ctx, d, "move to the NVIDIA License System (`kind dls` or `kind cls`)");
            if (!lic->legacy_verified)
                vg_diag_note(ctx, d, "documented for vGPU 15.x and 19.x; presumed for the other branches (unverified)");
        }
        return;
    }
    if (lic->nls_min_release && s->lo && s->lo->num < lic->nls_min_release) {
        struct vg_diag *d = incompatible(ctx, cl,
                                         vg_sprintf(ctx->arena, "the NVIDIA License System serves vGPU %u.%u and later",
                                                    lic->nls_min_release / 1000, lic->nls_min_release % 1000),
                                         s->lo, s->lo_who, s->lo_span);
        vg_diag_help(ctx, d, "upgrade to vGPU %u.%u or later", lic->nls_min_release / 1000,
                     lic->nls_min_release % 1000);
    }
    if (ls->kind != VG_LIC_DLS || !ls->version || !s->hi)
        return;
    const struct vg_dls_min *need = NULL; /* the strictest entry that applies */
    for (size_t i = 0; i < lic->ndls_min; i++)
        if (s->hi->num >= lic->dls_min[i].from_release &&
            (!need || version_cmp(lic->dls_min[i].dls_version, need->dls_version) > 0))
            need = &lic->dls_min[i];
    if (!need || version_cmp(ls->version, need->dls_version) >= 0)
        return;
    struct vg_diag *d =
        incompatible(ctx, cl,
                     vg_sprintf(ctx->arena, "vGPU %u.%u and later need DLS %s or later, not %s",
                                need->from_release / 1000, need->from_release % 1000, need->dls_version, ls->version),
                     s->hi, s->hi_who, s->hi_span);
    if (vg_span_valid(ls->version_span))
        vg_diag_span(ctx, d, ls->version_span, "DLS %s", ls->version);
    vg_diag_help(ctx, d, "upgrade the DLS appliance `%s` to %s or later", ls->name, need->dls_version);
}

static void check_editions(struct vg_ctx *ctx, const struct vg_licensing *lic, const struct vg_cluster *cl)
{
    const struct vg_license_server *ls = cl->license;
    for (size_t i = 0; i < cl->nvms; i++) {
        const struct vg_vm *vm = cl->vms[i];
        if (vm->mode != VG_MODE_VGPU || !vm->profile || vm->profile->series < 'A' || vm->profile->series > 'Z')
            continue;
        unsigned need = lic->series_editions[vm->profile->series - 'A'];
        /* an older guest may be licensed by more editions (C-series by vWS before 16.0):
           every release the guest driver may be must be older for that to apply */
        unsigned before = lic->series_editions_before[vm->profile->series - 'A'];
        const struct vg_version_ref *g = &vm->guest;
        if (before && lic->editions_before_release && g->nrel &&
            g->rel[g->nrel - 1]->num < lic->editions_before_release)
            need = before;
        if (!need || (need & ls->editions))
            continue;
        struct vg_diag *d = vg_diag_emit(
            ctx, VG3102, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
            "`%s` uses the %c-series profile `%s`, which needs a %s license, but license server `%s` serves only %s",
            vm->name, vm->profile->series, vm->profile->name, editions_text(ctx, need), ls->name,
            editions_text(ctx, ls->editions));
        vg_diag_subject(d, vm->name);
        vg_diag_label(ctx, d, "needs %s", editions_text(ctx, need));
        if (vg_span_valid(ls->editions_span))
            vg_diag_span(ctx, d, ls->editions_span, "served editions");
        vg_diag_help(ctx, d, "add the edition to `editions` of `%s`, or use a profile of a licensed series", ls->name);
    }
}

/* VG3103: vGPU VMs in a cluster without a `license-server` (a line naming
 * nothing is VG1006 already). */
static void check_no_server(struct vg_ctx *ctx, const struct vg_cluster *cl, size_t nvgpu)
{
    if (vg_span_valid(cl->license_span))
        return;
    struct vg_diag *d =
        vg_diag_emit(ctx, VG3103, vg_span_or(cl->name_span, cl->span),
                     "cluster `%s` has %zu vGPU VM%s but no `license-server`", cl->name, nvgpu, nvgpu == 1 ? "" : "s");
    vg_diag_note(ctx, d, "NVIDIA vGPU guests take their license from the NVIDIA License System");
    vg_diag_help(ctx, d, "add `license-server NAME` to the cluster");
}

struct license_run {
    struct vg_ctx *ctx;
    const struct vg_model *m;
};

static void *license_begin(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p)
{
    (void)p;
    if (!ctx->catalog)
        return NULL;
    struct license_run *st = vg_alloc(ctx->arena, sizeof *st);
    st->ctx = ctx;
    st->m = m;
    return st;
}

static void license_cluster(void *state, size_t k)
{
    struct license_run *st = state;
    struct vg_ctx *ctx = st->ctx;
    const struct vg_licensing *lic = &ctx->catalog->licensing;
    const struct vg_cluster *cl = st->m->clusters[k];
    struct relseen s;
    memset(&s, 0, sizeof s);
    size_t nvgpu = 0;
    const struct vg_release *const *seen = NULL; /* the releases just seen: again, they change nothing */
    for (size_t i = 0; i < cl->nvms; i++)
        if (cl->vms[i]->mode == VG_MODE_VGPU) {
            nvgpu++;
            if (cl->vms[i]->guest.rel != seen || !seen)
                see(&s, &cl->vms[i]->guest, cl->vms[i]->name);
            seen = cl->vms[i]->guest.rel;
        }
    if (!nvgpu)
        return;
    see(&s, &cl->manager, NULL);
    for (size_t h = 0; h < cl->nhosts; h++)
        if (cl->hosts[h]->manager_own)
            see(&s, &cl->hosts[h]->manager, cl->hosts[h]->name);
    if (!cl->license) {
        check_no_server(ctx, cl, nvgpu);
        return;
    }
    check_server(ctx, lic, cl, &s);
    check_editions(ctx, lic, cl);
}

const struct vg_rule_family vg_rules_license = {license_begin, license_cluster};
