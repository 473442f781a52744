/*
 * drift.c - the differences between a declared cluster and an inventory of
 * the live one, as diagnostics (VG8002-VG8014).
 *
 * What is expected of the live cluster is what the Hyper-V build script
 * (backends/hyperv.c) declares to its runtime: the hosts and their GPUs, the
 * vGPU Manager release of every host that serves GPU-P, the plan's partition
 * count, per VM its GPU (mode, count, model), memory when the file names it,
 * generation (default 2), MMIO (the file's, else the runtime's defaults,
 * model.h), its pinned host and, on a cluster, its possible owners and the
 * preferred owners within them. Each
 * difference is reported once, at the line that declares it: a host's GPU
 * line, the cluster's `gpu-partitions`, a VM's `gpu`, `memory`, `host`...;
 * live objects that the file does not declare are reported at the cluster's
 * name. A vSphere inventory is compared the same way where it can be: the
 * vGPU type of each vGPU (`grid_` and the profile), the PCI id of each
 * DirectPath I/O device, memory, the pinned host, the hosts DRS binds each
 * VM to, the hosts' graphics type, vGPU mode and passthrough GPUs, and the
 * vCenter's vgpu.hotmigrate.enabled (VG8013); it has no generation, and the
 * 64-bit MMIO is what the script derives from the GPU, so neither is
 * compared. A VM's guest driver, when the inventory read it (guest
 * credentials), is compared with its `guest-driver` (VG8014). Live names are untrusted text: shown through vg_inert, looked up in
 * hashes, never matched as patterns. Linear in hosts, GPUs and VMs.
 */
#include "driver/drift.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "core/diag.h"
#include "base/hash.h"
#include "core/source.h"
#include "base/strbuf.h"

struct drift {
    struct vg_ctx *ctx;
    const struct vg_cluster *c;
    const struct vg_cluster_plan *cp;
    const struct vg_inventory *inv;
    struct vg_hash live_hosts; /* name -> struct vg_inv_host */
    struct vg_hash live_vms;   /* name -> struct vg_inv_vm */
    struct vg_hash decl_vms;   /* name -> struct vg_vm */
    int clustered;             /* the runtime sets owners (backends/hyperv.c) */
    int all_read;              /* every live host was read: a VM not found is missing */
    int vmware;                /* a vSphere inventory: vGPU types and PCI ids per VM, no
                                  generation, MMIO derived by the script, DRS not owners */
    unsigned char *vgpu_host;  /* vSphere, per host index: vGPU VMs may run there */
    size_t n;
};

static const char *live(const struct drift *d, const char *s) { return vg_inert(d->ctx->arena, s); }

static const char *size_text(struct vg_arena *a, uint64_t b)
{
    const uint64_t mib = 1024ull * 1024;
    if (b && b % (1024 * mib) == 0)
        return vg_sprintf(a, "%" PRIu64 "GB", b / (1024 * mib));
    if (b && b % mib == 0)
        return vg_sprintf(a, "%" PRIu64 "MB", b / mib);
    return vg_sprintf(a, "%" PRIu64 " bytes", b);
}

/* ---- the cluster -------------------------------------------------------- */

/* The declared cluster the inventory describes: by name, else the one that
 * shares the most hosts with it. */
static const struct vg_cluster *match_cluster(const struct vg_model *m, const struct vg_inventory *inv, int *by_name)
{
    *by_name = 0;
    if (inv->cluster) {
        const struct vg_cluster *c = vg_hash_get(&m->cluster_by_name, inv->cluster);
        if (c) {
            *by_name = 1;
            return c;
        }
    }
    const struct vg_cluster *best = NULL;
    size_t most = 0;
    for (size_t i = 0; i < m->nclusters; i++) {
        size_t shared = 0;
        for (size_t k = 0; k < inv->nhosts; k++)
            shared += vg_hash_get(&m->clusters[i]->host_by_name, inv->hosts[k].name) != NULL;
        if (shared > most) {
            most = shared;
            best = m->clusters[i];
        }
    }
    return best;
}

/* ---- hosts -------------------------------------------------------------- */

/* A GPU whose PCI id several models share and whose name does not say which
 * (a dismounted A2 or A16 is a "3D Video Controller") is the one of those
 * models that the host declares, as the build script's runtime matches it. */
static void name_shared_ids(const struct vg_host *h, struct vg_inv_host *lh)
{
    for (size_t k = 0; k < lh->ngpus; k++) {
        struct vg_inv_gpu *g = &lh->gpus[k];
        const struct vg_gpu *only = NULL;
        size_t n = 0;
        for (size_t i = 0; i < h->ngpus && !g->model; i++)
            if (h->gpus[i].model != only && vg_inv_gpu_has_id(g, h->gpus[i].model)) {
                only = h->gpus[i].model;
                n++;
            }
        if (n == 1)
            g->model = only;
    }
}

/* A dismounted device that PnP does not list and whose instance path the host
 * does not report has no PCI id: its model cannot be known (docs/adopt.md). */
static int unidentified(const struct vg_inv_gpu *g) { return !g->model && !g->vendor && !g->device; }

static void check_gpus(struct drift *d, const struct vg_host *h, struct vg_inv_host *lh)
{
    name_shared_ids(h, lh);
    uint32_t nunknown = 0;
    for (size_t k = 0; k < lh->ngpus; k++)
        nunknown += unidentified(&lh->gpus[k]);
    int folded = 0; /* the unidentified devices were reported with a model they may be */
    /* per declared GPU line: the live GPUs of its model */
    for (size_t i = 0; i < h->ngpus; i++) {
        const struct vg_host_gpu *hg = &h->gpus[i];
        if (!hg->model)
            continue;
        int first = 1; /* a model on two lines is counted on the first */
        for (size_t j = 0; j < i; j++)
            first &= h->gpus[j].model != hg->model;
        if (!first)
            continue;
        uint32_t want = 0, have = 0;
        for (size_t j = i; j < h->ngpus; j++)
            if (h->gpus[j].model == hg->model)
                want += h->gpus[j].boards * (hg->model->gpus_per_board ? hg->model->gpus_per_board : 1);
        for (size_t k = 0; k < lh->ngpus; k++)
            have += lh->gpus[k].model == hg->model;
        if (have == want)
            continue;
        if (have < want && nunknown && have + nunknown >= want && !folded) {
            /* Reported once: the missing GPUs may be the devices without a PCI id. */
            folded = 1;
            struct vg_diag *u = vg_diag_emit(d->ctx, VG8004, hg->span,
                                             "host `%s` has %" PRIu32 " %s GPU%s and %" PRIu32
                                             " dismounted device%s whose PCI id it does not "
                                             "report; the file declares %" PRIu32 " %s",
                                             h->name, have, hg->model->model, have == 1 ? "" : "s", nunknown,
                                             nunknown == 1 ? "" : "s", want, hg->model->model);
            vg_diag_subject(u, h->name);
            vg_diag_label(d->ctx, u, "declared here");
            vg_diag_help(d->ctx, u, "%s",
                         "a dismounted device that PnP does not list and that Get-VMHostAssignableDevice shows "
                         "without an instance path cannot be identified: check it on the host (mount it back, "
                         "or read its instance path), then run the inventory again");
            d->n++;
            continue;
        }
        struct vg_diag *g = vg_diag_emit(d->ctx, VG8004, hg->span,
                                         "host `%s` has %" PRIu32 " %s GPU%s, the file "
                                         "declares %" PRIu32,
                                         h->name, have, hg->model->model, have == 1 ? "" : "s", want);
        vg_diag_subject(g, h->name);
        vg_diag_label(d->ctx, g, "declared here");
        vg_diag_help(d->ctx, g, "%s",
                     have < want ? "a GPU was removed, failed or is not seen by the host: check the "
                                   "hardware, or declare what it has"
                                 : "declare the GPUs the host has");
        d->n++;
    }
    /* live GPUs of a model the host does not declare, and unknown ones */
    for (size_t k = 0; k < lh->ngpus; k++) {
        const struct vg_inv_gpu *g = &lh->gpus[k];
        int declared = 0, seen = 0;
        for (size_t i = 0; i < h->ngpus && g->model; i++)
            declared |= h->gpus[i].model == g->model;
        for (size_t j = 0; j < k && g->model; j++)
            seen |= lh->gpus[j].model == g->model;
        if (declared || seen || (folded && unidentified(g)))
            continue;
        struct vg_diag *x;
        if (g->model) {
            uint32_t have = 0;
            for (size_t j = k; j < lh->ngpus; j++)
                have += lh->gpus[j].model == g->model;
            x = vg_diag_emit(d->ctx, VG8004, h->name_span, "host `%s` has %" PRIu32 " %s GPU%s, the file declares none",
                             h->name, have, g->model->model, have == 1 ? "" : "s");
            vg_diag_help(d->ctx, x, "declare them with `gpu %s x N` in the host", g->model->model);
        } else {
            x = vg_diag_emit(d->ctx, VG8004, h->name_span,
                             "host `%s` has an NVIDIA GPU at %s that the file does not "
                             "declare: %s",
                             h->name, live(d, g->location_path ? g->location_path : "?"),
                             live(d, g->why ? g->why : "no model"));
            vg_diag_help(d->ctx, x, "a model the catalog lacks can be added with `--catalog FILE` (docs/catalog.md)");
        }
        vg_diag_subject(x, h->name);
        d->n++;
    }
}

/* The live driver is one of the declared releases' host drivers; a release
 * whose host driver for the platform the catalog does not give (19.2 on
 * Windows) cannot be compared, as the build script's runtime does not. */
static int driver_matches(const struct drift *d, const struct vg_host *h, const char *drv)
{
    enum vg_driver_kind kind = d->c->platform ? d->c->platform->host_driver : VG_DRV_HOST_HYPERV;
    int known = 0;
    for (uint32_t i = 0; i < h->manager.nrel; i++) {
        known |= h->manager.rel[i]->driver[kind] != NULL;
        if (h->manager.rel[i]->driver[kind] && strcmp(h->manager.rel[i]->driver[kind], drv) == 0)
            return 1;
    }
    if (h->manager.is_driver)
        return h->manager.text && strcmp(h->manager.text, drv) == 0;
    return !known;
}

/* GPU-P VMs are placed on the host: the runtime requires the vGPU Manager there. */
static int serves_gpup(const struct drift *d, const struct vg_host *h)
{
    for (size_t i = 0; d->cp && i < d->cp->npgpus; i++)
        if (d->cp->pgpus[i].host == h && d->cp->pgpus[i].use == VG_PGPU_VGPU)
            return 1;
    return 0;
}

static void check_manager(struct drift *d, const struct vg_host *h, const struct vg_inv_host *lh)
{
    if (!h->manager.text)
        return;
    struct vg_span at = vg_span_or(h->manager.span, h->name_span);
    struct vg_diag *x = NULL;
    if (lh->driver && !driver_matches(d, h, lh->driver)) {
        const struct vg_release *rel[4];
        size_t nrel = vg_catalog_resolve(d->ctx->catalog, lh->driver,
                                         d->c->platform ? d->c->platform->host_driver : VG_DRV_HOST_HYPERV, rel, 4);
        x = vg_diag_emit(d->ctx, VG8005, at, "host `%s` runs NVIDIA host driver %s (%s), the file declares `%s`",
                         h->name, live(d, lh->driver),
                         nrel ? vg_sprintf(d->ctx->arena, "vGPU %s", rel[0]->name) : "no release of the catalog",
                         h->manager.text);
        vg_diag_help(d->ctx, x,
                     "upgrade or roll back the host (`vgpuc rollout` plans it), or declare the release it "
                     "runs");
    } else if (!lh->driver && serves_gpup(d, h)) {
        x = vg_diag_emit(d->ctx, VG8005, at,
                         "host `%s` has no NVIDIA vGPU Manager, the file declares `%s` for its "
                         "GPU-P VMs",
                         h->name, h->manager.text);
        vg_diag_help(d->ctx, x, "install the vGPU Manager of the declared release on the host");
    }
    if (x) {
        vg_diag_subject(x, h->name);
        vg_diag_label(d->ctx, x, "declared here");
        d->n++;
    }
}

static void check_partitions(struct drift *d, const struct vg_host *h, const struct vg_inv_host *lh)
{
    uint32_t want = d->cp ? d->cp->partitions : 0;
    if (!want)
        return;
    for (size_t k = 0; k < lh->ngpus; k++) {
        const struct vg_inv_gpu *g = &lh->gpus[k];
        if (strcmp(g->mode, "partitionable") != 0 || g->partition_count < 0 || g->partition_count == want)
            continue;
        struct vg_span at = vg_span_or(d->c->partitions_span, h->name_span);
        struct vg_diag *x =
            vg_diag_emit(d->ctx, VG8006, at,
                         "host `%s`: the GPU at %s has %lld partitions, the "
                         "cluster's count is %" PRIu32 "%s",
                         h->name, live(d, g->location_path ? g->location_path : "?"), g->partition_count, want,
                         vg_span_valid(d->c->partitions_span) ? "" : " (derived from its profiles)");
        vg_diag_subject(x, h->name);
        vg_diag_help(d->ctx, x,
                     "the build script sets the count (with no GPU-P VM running on the GPU); or declare "
                     "`gpu-partitions %lld`",
                     g->partition_count);
        d->n++;
        return; /* one per host: its GPUs were set together */
    }
}

/* ---- vSphere: host and vCenter settings (VG8013) --------------------------- */

/* Hosts that may run a vGPU VM, as backends/vmware.c marks them: the pinned
 * or allowed hosts of vGPU VMs, and every host with the GPU model of an
 * unpinned one. Linear in VMs and declared GPUs. */
static void vmw_mark_vgpu_hosts(struct drift *d)
{
    const struct vg_cluster *c = d->c;
    struct vg_hash models;
    vg_hash_init(&models, d->ctx->arena);
    d->vgpu_host = vg_alloc(d->ctx->arena, c->nhosts + 1);
    memset(d->vgpu_host, 0, c->nhosts + 1);
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        if (vm->mode != VG_MODE_VGPU || !vm->gpu_model)
            continue;
        if (vm->pin)
            d->vgpu_host[vm->pin->index] = 1;
        else if (vm->nallowed)
            for (size_t k = 0; k < vm->nallowed; k++)
                d->vgpu_host[vm->allowed[k]->index] = 1;
        else
            vg_hash_put(&models, vm->gpu_model->model, (void *)vm->gpu_model);
    }
    for (size_t i = 0; i < c->nhosts; i++)
        for (size_t g = 0; g < c->hosts[i]->ngpus; g++)
            if (c->hosts[i]->gpus[g].model && vg_hash_get(&models, c->hosts[i]->gpus[g].model->model))
                d->vgpu_host[i] = 1;
}

static void host_setting(struct drift *d, const struct vg_host *h, struct vg_span at, const char *msg, const char *help)
{
    struct vg_diag *x = vg_diag_emit(d->ctx, VG8013, vg_span_or(at, h->name_span), "host `%s`: %s", h->name, msg);
    vg_diag_subject(x, h->name);
    vg_diag_help(d->ctx, x, "%s", help);
    d->n++;
}

/* The host default graphics type and, on a host that may run vGPU VMs, the
 * active graphics type and vGPU mode of its GPUs that are not enabled for
 * passthrough (vmware.ps1, Get-VgpucVmwGraphicsDiff). One diagnostic per
 * kind and host. */
static void vmw_check_graphics(struct drift *d, const struct vg_host *h, const struct vg_inv_host *lh)
{
    struct vg_arena *a = d->ctx->arena;
    int vgpu = d->vgpu_host[h->index] && h->graphics == VG_GRAPHICS_SHARED_DIRECT;
    if (!vgpu && !vg_span_valid(h->graphics_span))
        return;
    const char *want = h->graphics == VG_GRAPHICS_SHARED ? "shared" : "sharedDirect";
    const char *help = "the build script sets the graphics type and restarts Xorg (with the host's vGPU VMs "
                       "stopped); or declare `graphics` as the host has it";
    if (lh->default_graphics && strcmp(lh->default_graphics, want) != 0) {
        host_setting(d, h, h->graphics_span,
                     vg_sprintf(a, "the default graphics type is %s, the file needs %s%s",
                                live(d, lh->default_graphics), want, vgpu ? " (vGPU VMs may run on it)" : ""),
                     help);
        return; /* the active types follow the default */
    }
    if (!vgpu)
        return;
    size_t wrong = 0, mode = 0;
    const struct vg_inv_gpu *first = NULL, *first_mode = NULL;
    for (size_t k = 0; k < lh->ngpus; k++) {
        const struct vg_inv_gpu *g = &lh->gpus[k];
        if (g->passthrough_enabled || !g->model)
            continue;
        if (!g->graphics_type || strcmp(g->graphics_type, "sharedDirect") != 0) {
            first = first ? first : g;
            wrong++;
        }
        int mixed = g->vgpu_mode && strcmp(g->vgpu_mode, "mixedSize") == 0;
        if (mixed != (h->vgpu_mode == VG_VGPU_MIXED_SIZE)) {
            first_mode = first_mode ? first_mode : g;
            mode++;
        }
    }
    if (first)
        host_setting(d, h, h->graphics_span,
                     vg_sprintf(a,
                                "the GPU at %s%s runs graphics type %s, vGPUs need "
                                "sharedDirect",
                                live(d, first->location_path),
                                wrong > 1 ? vg_sprintf(a, " (and %zu more)", wrong - 1) : "",
                                first->graphics_type ? live(d, first->graphics_type) : "none"),
                     help);
    else if (first_mode)
        host_setting(d, h, h->vgpu_mode_span,
                     vg_sprintf(a,
                                "the GPU at %s%s runs vGPU mode %s, the file declares "
                                "%s",
                                live(d, first_mode->location_path),
                                mode > 1 ? vg_sprintf(a, " (and %zu more)", mode - 1) : "",
                                first_mode->vgpu_mode ? live(d, first_mode->vgpu_mode) : "none",
                                h->vgpu_mode == VG_VGPU_MIXED_SIZE ? "mixed-size" : "same-size"),
                     "the build script sets the vGPU mode with the graphics type; or declare `vgpu-mode` as the "
                     "host runs it");
}

/* Per declared model: the GPUs enabled for passthrough against the number the
 * plan gives to DirectPath I/O VMs on the host (vmware.ps1 enables those and
 * reports the others as drift). */
static void vmw_check_passthrough(struct drift *d, const struct vg_host *h, const struct vg_inv_host *lh)
{
    const struct vg_cluster_plan *p = d->cp;
    uint32_t first = p && p->host_first ? p->host_first[h->index] : 0;
    for (size_t i = 0; i < h->ngpus; i++) {
        const struct vg_gpu *m = h->gpus[i].model;
        int seen = 0;
        for (size_t j = 0; j < i && m; j++)
            seen |= h->gpus[j].model == m;
        if (!m || seen)
            continue;
        uint32_t want = 0, have = 0, inactive = 0;
        for (uint32_t k = 0; p && p->pgpus && k < h->npgpus && first + k < p->npgpus; k++)
            want += p->pgpus[first + k].use == VG_PGPU_PASSTHROUGH && p->pgpus[first + k].model == m;
        for (size_t k = 0; k < lh->ngpus; k++)
            if (lh->gpus[k].model == m && lh->gpus[k].passthrough_enabled) {
                have++;
                inactive += !lh->gpus[k].passthrough_active;
            }
        if (have == want)
            continue;
        host_setting(d, h, h->gpus[i].span,
                     vg_sprintf(d->ctx->arena,
                                "%" PRIu32 " %s GPU%s enabled for "
                                "passthrough%s, the plan gives %" PRIu32 " to DirectPath I/O VMs",
                                have, m->model, have == 1 ? " is" : "s are",
                                inactive ? vg_sprintf(d->ctx->arena,
                                                      " (%" PRIu32 " not active "
                                                      "until a reboot)",
                                                      inactive)
                                         : "",
                                want),
                     have < want ? "the build script enables passthrough on the GPUs it gives to DirectPath I/O VMs "
                                   "(a reboot in maintenance mode activates it)"
                                 : "a GPU enabled for passthrough serves no vGPU: the build script's "
                                   "-RemoveUndeclared disables it; or declare the DirectPath I/O VM that uses it");
    }
}

/* The vCenter's vgpu.hotmigrate.enabled: true when a vGPU VM declares
 * `migration live` (backends/vmware.c HotMigrate), reported at the first. */
static void vmw_check_hotmigrate(struct drift *d)
{
    const struct vg_vm *first = NULL;
    for (size_t i = 0; i < d->c->nvms && !first; i++)
        if (d->c->vms[i]->mode == VG_MODE_VGPU && d->c->vms[i]->migration == VG_MIG_LIVE)
            first = d->c->vms[i];
    if (!first || !d->inv->hotmigrate_read || (d->inv->hotmigrate && strcasecmp(d->inv->hotmigrate, "true") == 0))
        return;
    struct vg_diag *x = vg_diag_emit(d->ctx, VG8013, vg_span_or(vg_vm_at(first, VG_AT_MIGRATION), first->name_span),
                                     "vCenter "
                                     "`%s` has vgpu.hotmigrate.enabled %s, `%s` declares `migration live` (vGPU "
                                     "vMotion needs true)",
                                     live(d, d->inv->vcenter ? d->inv->vcenter : "?"),
                                     d->inv->hotmigrate ? live(d, d->inv->hotmigrate) : "not set", first->name);
    vg_diag_subject(x, first->name);
    vg_diag_help(d->ctx, x, "the build script sets it to true; or declare `migration restart`");
    d->n++;
}

/* ---- Hyper-V: the GPUs dismounted for DDA (VG8013) -------------------------- */

#define HV_MODELS 16

/* Per host and declared model, the GPUs the build script keeps dismounted for
 * DDA, as backends/hyperv.c counts them (compute_gpus): those the plan gives
 * to DDA VMs and, for clustered DDA that tolerates host failures, as many of
 * the host's reserve GPUs as the moving DDA VMs of the worst host need. Then
 * the live GPUs of the model that are dismounted or assigned. Linear in GPUs
 * and VMs. */
/* The GPUs of each declared model (models[], *nm of them) that the build
 * script keeps dismounted for DDA on each host: want[host * *nm + model]; NULL
 * when there is no plan. */
static uint32_t *hv_dda_wanted(struct drift *d, const struct vg_gpu **models, size_t *nmodels)
{
    const struct vg_cluster *c = d->c;
    const struct vg_cluster_plan *p = d->cp;
    size_t nh = c->nhosts, nm = 0;
    if (!p || !p->pgpus || !nh)
        return NULL;
    for (size_t i = 0; i < p->npgpus && nm < HV_MODELS; i++) {
        size_t m = 0;
        while (m < nm && models[m] != p->pgpus[i].model)
            m++;
        if (m == nm)
            models[nm++] = p->pgpus[i].model;
    }
    uint32_t *want = vg_alloc_array(d->ctx->arena, nh * nm + 1, sizeof *want);
    uint32_t *reserve = vg_alloc_array(d->ctx->arena, nh * nm + 1, sizeof *reserve);
    uint32_t *moving = vg_alloc_array(d->ctx->arena, nh * nm + 1, sizeof *moving);
    memset(want, 0, (nh * nm + 1) * sizeof *want);
    memset(reserve, 0, (nh * nm + 1) * sizeof *reserve);
    memset(moving, 0, (nh * nm + 1) * sizeof *moving);
    int dda = 0;
    for (size_t i = 0; i < p->npgpus; i++) {
        const struct vg_pgpu *g = &p->pgpus[i];
        size_t m = 0;
        while (m < nm && models[m] != g->model)
            m++;
        if (m == nm)
            continue;
        size_t k = g->host->index * nm + m;
        want[k] += g->use == VG_PGPU_PASSTHROUGH;
        reserve[k] += g->use == VG_PGPU_FREE && p->reserve && p->reserve[i];
    }
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        const struct vg_placement *pl = p->place ? &p->place[vm->index] : NULL;
        dda |= vm->mode == VG_MODE_PASSTHROUGH;
        size_t m = 0;
        while (m < nm && models[m] != vm->gpu_model)
            m++;
        if (vm->mode != VG_MODE_PASSTHROUGH || vm->pin || vm->nallowed == 1 || !pl || !pl->host || m == nm)
            continue;
        moving[pl->host->index * nm + m] += vm->count ? vm->count : 1;
    }
    if (d->clustered && dda && c->tolerate && p->place)
        for (size_t m = 0; m < nm; m++) {
            uint32_t worst = 0;
            for (size_t h = 0; h < nh; h++)
                worst = moving[h * nm + m] > worst ? moving[h * nm + m] : worst;
            worst *= c->tolerate;
            for (size_t h = 0; h < nh; h++)
                want[h * nm + m] += reserve[h * nm + m] < worst ? reserve[h * nm + m] : worst;
        }
    *nmodels = nm;
    return want;
}

/* VG8013: per host and declared model, the live GPUs that are dismounted or
 * assigned against those the build script keeps for DDA (hv_dda_wanted). */
static void hv_check_dda_gpus(struct drift *d)
{
    const struct vg_cluster *c = d->c;
    const struct vg_gpu *models[HV_MODELS];
    size_t nm = 0;
    uint32_t *want = hv_dda_wanted(d, models, &nm);
    if (!want)
        return;
    for (size_t h = 0; h < c->nhosts; h++) {
        const struct vg_host *host = c->hosts[h];
        const struct vg_inv_host *lh = vg_hash_get(&d->live_hosts, host->name);
        if (!lh || !lh->reachable)
            continue;
        for (size_t i = 0; i < host->ngpus; i++) {
            const struct vg_gpu *mod = host->gpus[i].model;
            size_t m = 0;
            while (m < nm && models[m] != mod)
                m++;
            int first = 1;
            for (size_t j = 0; j < i; j++)
                first &= host->gpus[j].model != mod;
            if (!mod || m == nm || !first)
                continue;
            uint32_t have = 0, total = 0;
            for (size_t k = 0; k < lh->ngpus; k++)
                if (lh->gpus[k].model == mod) {
                    total++;
                    have += strcmp(lh->gpus[k].mode, "dismounted") == 0 || strcmp(lh->gpus[k].mode, "assigned") == 0;
                }
            uint32_t w = want[h * nm + m];
            uint32_t per = mod->gpus_per_board ? mod->gpus_per_board : 1, decl = 0;
            for (size_t j = i; j < host->ngpus; j++)
                decl += host->gpus[j].model == mod ? host->gpus[j].boards * per : 0;
            if (have == w || total != decl)
                continue; /* a GPU missing or extra is VG8004 */
            host_setting(d, host, host->gpus[i].span,
                         vg_sprintf(d->ctx->arena,
                                    "%" PRIu32 " %s GPU%s dismounted "
                                    "for DDA, the plan needs %" PRIu32 "%s",
                                    have, mod->model, have == 1 ? " is" : "s are", w,
                                    c->tolerate && d->clustered ? " (its DDA VMs and their failover reserve)"
                                                                : " (its DDA VMs)"),
                         have < w ? "the build script disables and dismounts the GPUs it gives to DDA (pooled on a "
                                    "cluster); a GPU mounted back by hand is not there for its VM"
                                  : "the build script mounts a GPU that no DDA VM needs back for GPU-P; or declare the "
                                    "DDA VM that uses it");
        }
    }
}

static void check_hosts(struct drift *d)
{
    const struct vg_cluster *c = d->c;
    for (size_t i = 0; i < c->nhosts; i++) {
        const struct vg_host *h = c->hosts[i];
        struct vg_inv_host *lh = vg_hash_get(&d->live_hosts, h->name);
        struct vg_diag *x = NULL;
        if (!lh) {
            x = vg_diag_emit(d->ctx, VG8003, h->name_span, "host `%s` is not in the inventory of %s%s%s", h->name,
                             d->inv->cluster ? "cluster `" : "the hosts read",
                             d->inv->cluster ? live(d, d->inv->cluster) : "", d->inv->cluster ? "`" : "");
            vg_diag_help(d->ctx, x, "add the host to the cluster, or remove it from the file");
        } else if (!lh->reachable) {
            x = vg_diag_emit(d->ctx, VG8003, h->name_span, "host `%s` could not be read by the inventory: %s", h->name,
                             live(d, lh->error ? lh->error : "no reason given"));
            vg_diag_help(d->ctx, x,
                         "its GPUs and VMs were not compared: make it reachable and run the inventory again");
        }
        if (x) {
            vg_diag_subject(x, h->name);
            d->n++;
            continue;
        }
        check_gpus(d, h, lh);
        check_manager(d, h, lh);
        check_partitions(d, h, lh);
        if (d->vmware) {
            vmw_check_graphics(d, h, lh);
            vmw_check_passthrough(d, h, lh);
        }
    }
    for (size_t k = 0; k < d->inv->nhosts; k++) {
        const struct vg_inv_host *lh = &d->inv->hosts[k];
        if (vg_hash_get(&c->host_by_name, lh->name))
            continue;
        size_t ngpus = lh->reachable ? lh->ngpus : 0;
        struct vg_diag *x = vg_diag_emit(d->ctx, VG8003, c->name_span,
                                         "live host `%s` (%zu NVIDIA GPU%s) is not "
                                         "declared in cluster `%s`",
                                         live(d, lh->name), ngpus, ngpus == 1 ? "" : "s", c->name);
        vg_diag_help(d->ctx, x, "declare it with `host NAME { gpu MODEL x N }` (`vgpuc import` writes it)");
        d->n++;
    }
}

/* ---- VMs ---------------------------------------------------------------- */

static const struct vg_inv_gpu *live_gpu(const struct drift *d, const char *host, const char *lp)
{
    const struct vg_inv_host *lh = vg_hash_get(&d->live_hosts, host);
    for (size_t k = 0; lh && lp && k < lh->ngpus; k++)
        if (lh->gpus[k].location_path && strcmp(lh->gpus[k].location_path, lp) == 0)
            return &lh->gpus[k];
    return NULL;
}

static const char *live_gpu_text(const struct drift *d, const struct vg_inv_vm *lv)
{
    struct vg_arena *a = d->ctx->arena;
    const char *part = d->vmware ? "vGPU" : "GPU partition adapter";
    const char *dev = d->vmware ? "DirectPath I/O device" : "DDA device";
    if (lv->adapters > 0 && lv->ndevices > 0)
        return vg_sprintf(a, "%lld %s%s and %zu %s%s", lv->adapters, part, lv->adapters == 1 ? "" : "s", lv->ndevices,
                          dev, lv->ndevices == 1 ? "" : "s");
    if (lv->adapters > 0)
        return vg_sprintf(a, "%lld %s%s", lv->adapters, part, lv->adapters == 1 ? "" : "s");
    return vg_sprintf(a, "%zu %s%s", lv->ndevices, dev, lv->ndevices == 1 ? "" : "s");
}

static int check_vm_gpu(struct drift *d, const struct vg_vm *vm, const struct vg_inv_vm *lv)
{
    uint32_t n = vm->count ? vm->count : 1;
    const char *want = vm->mode == VG_MODE_VGPU ? vm->profile->name : vm->gpu_model->model;
    int ok = vm->mode == VG_MODE_VGPU ? lv->adapters == (long long)n && lv->ndevices == 0
                                      : lv->adapters == 0 && lv->ndevices == n;
    struct vg_diag *x = NULL;
    if (!ok) {
        const char *kind = d->vmware ? (vm->mode == VG_MODE_VGPU ? "vGPU" : "DirectPath I/O")
                                     : (vm->mode == VG_MODE_VGPU ? "GPU-P" : "DDA");
        x = vg_diag_emit(d->ctx, VG8009, vg_vm_at(vm, VG_AT_GPU), "`%s` has %s, the file declares %s%s %s", vm->name,
                         live_gpu_text(d, lv), n > 1 ? vg_sprintf(d->ctx->arena, "%" PRIu32 " x ", n) : "", kind, want);
        vg_diag_help(d->ctx, x,
                     "the build script changes the VM's GPU to the declared one (stopping it in a "
                     "maintenance window); or declare what it has");
    } else if (d->vmware && vm->mode == VG_MODE_VGPU) {
        /* the vSphere vGPU type: "grid_" and the profile's name (backends/vmware.c) */
        for (long long i = 0; i < lv->adapters && !x; i++) {
            const char *t = lv->profiles[i];
            if (strncasecmp(t, "grid_", 5) == 0 && strcasecmp(t + 5, vm->profile->name) == 0)
                continue;
            x = vg_diag_emit(d->ctx, VG8009, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                             "`%s` has the vGPU type %s, "
                             "the file declares %s",
                             vm->name, live(d, t), want);
            vg_diag_help(d->ctx, x,
                         "the build script gives the VM its declared profile (with the VM off); or "
                         "declare the one it has");
        }
    } else if (d->vmware) {
        for (size_t i = 0; i < lv->ndevices && !x; i++) {
            struct vg_inv_gpu g = {.vendor = lv->pt_vendor[i], .device = lv->pt_device[i]};
            /* A2 and A16 share an id: the subsystem, where the device names one, says which */
            const struct vg_gpu *by_sub = vg_inv_model_by_subsystem(d->ctx->catalog, lv->pt_vendor[i], lv->pt_device[i],
                                                                    lv->pt_subvendor[i], lv->pt_subdevice[i]);
            if (vm->gpu_model->vendor_id &&
                (!vg_inv_gpu_has_id(&g, vm->gpu_model) || (by_sub && by_sub != vm->gpu_model))) {
                x = vg_diag_emit(d->ctx, VG8009, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                                 "`%s` has a DirectPath "
                                 "I/O device %s:%s, the file declares %s",
                                 vm->name, live(d, lv->pt_vendor[i]), live(d, lv->pt_device[i]), want);
                vg_diag_help(d->ctx, x, "give the VM a GPU of the declared model, or declare the one it has");
            }
        }
    } else if (vm->mode == VG_MODE_PASSTHROUGH) {
        for (size_t i = 0; i < lv->ndevices && !x; i++) {
            const struct vg_inv_gpu *g = live_gpu(d, lv->host, lv->devices[i]);
            if (g && g->model && g->model != vm->gpu_model) {
                x = vg_diag_emit(d->ctx, VG8009, vg_span_or(vg_vm_at(vm, VG_AT_GPU_ARG), vg_vm_at(vm, VG_AT_GPU)),
                                 "`%s` has a %s GPU "
                                 "(%s), the file declares DDA %s",
                                 vm->name, g->model->model, live(d, lv->devices[i]), want);
                vg_diag_help(d->ctx, x, "give the VM a GPU of the declared model, or declare the one it has");
            }
        }
    }
    if (!x)
        return 0;
    vg_diag_subject(x, vm->name);
    vg_diag_label(d->ctx, x, "declared here");
    d->n++;
    return 1;
}

static void setting(struct drift *d, const struct vg_vm *vm, struct vg_span at, const char *what, const char *has,
                    const char *declared, const char *dflt)
{
    struct vg_diag *x = vg_diag_emit(d->ctx, VG8010, vg_span_or(at, vm->name_span),
                                     "`%s` has %s %s, the file "
                                     "declares %s%s",
                                     vm->name, what, has, declared, dflt);
    vg_diag_subject(x, vm->name);
    vg_diag_help(d->ctx, x, "the build script sets it when the VM is off; or declare what it has");
    d->n++;
}

static void check_vm_settings(struct drift *d, const struct vg_vm *vm, const struct vg_inv_vm *lv)
{
    struct vg_arena *a = d->ctx->arena;
    if (vm->memory_bytes && lv->memory != (long long)vm->memory_bytes)
        setting(d, vm, vg_vm_at(vm, VG_AT_MEMORY), "startup memory", size_text(a, (uint64_t)lv->memory),
                size_text(a, vm->memory_bytes), "");
    if (d->vmware)
        return; /* no generation; the script derives the 64-bit MMIO from the GPU */
    uint32_t gen = vm->generation ? vm->generation : 2;
    if (lv->generation != (long long)gen)
        setting(d, vm, vg_vm_at(vm, VG_AT_GENERATION), "generation", vg_sprintf(a, "%lld", lv->generation),
                vg_sprintf(a, "%" PRIu32, gen), vg_span_valid(vg_vm_at(vm, VG_AT_GENERATION)) ? "" : " (the default)");
    uint64_t low, high;
    vg_vm_mmio(vm, &low, &high);
    if (lv->low_mmio != (long long)low || lv->high_mmio != (long long)high)
        setting(d, vm, vg_vm_at(vm, VG_AT_MMIO), "MMIO",
                vg_sprintf(a, "low %s high %s", size_text(a, (uint64_t)lv->low_mmio),
                           size_text(a, (uint64_t)lv->high_mmio)),
                vg_sprintf(a, "low %s high %s", size_text(a, low), size_text(a, high)),
                vg_span_valid(vg_vm_at(vm, VG_AT_MMIO)) ? ""
                    : vm->mode == VG_MODE_PASSTHROUGH   ? " (the DDA default)"
                                                        : " (the GPU-P default)");
}

static int has_host(struct vg_host *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (vg_hash_get(&v[i]->cluster->host_by_name, name) == v[i])
            return 1;
    return 0;
}

/* The possible owners the runtime sets: `host`, else `hosts`, else every host
 * with the VM's model (backends/hyperv.c). */
static size_t declared_owners(const struct drift *d, const struct vg_vm *vm, struct vg_host *const **out)
{
    if (vm->pin) {
        *out = &vm->pin;
        return 1;
    }
    if (vm->nallowed) {
        *out = vm->allowed;
        return vm->nallowed;
    }
    struct vg_host **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t h = 0; h < d->c->nhosts; h++) {
        int has = 0;
        for (size_t g = 0; g < d->c->hosts[h]->ngpus && !has; g++)
            has = d->c->hosts[h]->gpus[g].model == vm->gpu_model;
        if (has)
            VG_PUSH(d->ctx->arena, v, n, cap, d->c->hosts[h]);
    }
    *out = v;
    return n;
}

/* vSphere: the hosts an enabled DRS VM-host rule binds the VM to against
 * `host` / `hosts` (the build script's should-run-on rule), none when the
 * file names none. */
static void vmw_check_drs(struct drift *d, const struct vg_vm *vm, const struct vg_inv_vm *lv)
{
    const char *const *live_hosts = NULL;
    size_t nlive = vg_inv_drs_hosts(d->inv, lv->name, &live_hosts);
    struct vg_host *const *own = vm->pin ? &vm->pin : vm->allowed;
    size_t nown = vm->pin ? 1 : vm->nallowed;
    int same = nown == nlive;
    for (size_t i = 0; same && i < nlive; i++)
        same = has_host(own, nown, live_hosts[i]);
    if (same)
        return;
    struct vg_strbuf has, want;
    vg_sb_init(&has);
    vg_sb_init(&want);
    for (size_t i = 0; i < nlive; i++)
        vg_sb_printf(&has, "%s`%s`", i ? ", " : "", live(d, live_hosts[i]));
    for (size_t i = 0; i < nown; i++)
        vg_sb_printf(&want, "%s`%s`", i ? ", " : "", own[i]->name);
    struct vg_diag *x = vg_diag_emit(
        d->ctx, VG8011, vg_span_or(vg_vm_at(vm, VG_AT_HOSTS), vg_span_or(vg_vm_at(vm, VG_AT_PIN), vm->name_span)),
        "`%s` is bound by DRS to %s, the file %s%s", vm->name,
        nlive ? vg_sb_str(&has) : "no host (no enabled VM-host rule)", nown ? "allows " : "names no host",
        nown ? vg_sb_str(&want) : "");
    vg_diag_subject(x, vm->name);
    vg_diag_help(d->ctx, x, "%s",
                 nown ? "the build script keeps the VM's DRS groups and should-run-on rule "
                        "(vgpuc-VM-*); or declare `hosts` as DRS binds it"
                      : "declare the hosts (`hosts A B`), or remove the VM from the DRS group "
                        "(the build script's -RemoveUndeclared does for vgpuc-made groups)");
    vg_sb_free(&has);
    vg_sb_free(&want);
    d->n++;
}

/* The cluster group's preferred owners: the build script sets them within
 * the possible owners (`host` / `hosts` / every host with the VM's model),
 * and resets them to those when one lies outside (backends/powershell/
 * hyperv.ps1), so a preferred owner outside them is drift. The order the
 * script turns them in (by the VMs' names) is not compared. Reported with
 * the possible owners' code, once, and only when those are right. */
static void check_vm_preferred(struct drift *d, const struct vg_vm *vm, const struct vg_inv_vm *lv,
                               struct vg_host *const *own, size_t nown)
{
    if (!lv->preferred_known)
        return;
    struct vg_strbuf out, want;
    vg_sb_init(&out);
    vg_sb_init(&want);
    for (size_t i = 0; i < lv->npreferred; i++)
        if (!has_host(own, nown, lv->preferred[i]))
            vg_sb_printf(&out, "%s`%s`", out.len ? ", " : "", live(d, lv->preferred[i]));
    if (out.len) {
        for (size_t i = 0; i < nown; i++)
            vg_sb_printf(&want, "%s`%s`", i ? ", " : "", own[i]->name);
        struct vg_diag *x = vg_diag_emit(
            d->ctx, VG8011, vg_span_or(vg_vm_at(vm, VG_AT_HOSTS), vg_span_or(vg_vm_at(vm, VG_AT_PIN), vm->name_span)),
            "`%s` prefers %s on failover, outside the hosts the file allows (%s%s)", vm->name, vg_sb_str(&out),
            want.len ? vg_sb_str(&want) : "no host", vm->nallowed || vm->pin ? "" : ": every host with its GPU model");
        vg_diag_subject(x, vm->name);
        vg_diag_help(d->ctx, x,
                     "the build script sets the cluster group's preferred owners within its possible owners "
                     "(Set-ClusterOwnerNode -Group); or declare `hosts` with them");
        d->n++;
    }
    vg_sb_free(&out);
    vg_sb_free(&want);
}

static void check_vm_owners(struct drift *d, const struct vg_vm *vm, const struct vg_inv_vm *lv)
{
    struct vg_arena *a = d->ctx->arena;
    if (vm->pin && vg_hash_get(&d->c->host_by_name, lv->host) != vm->pin) {
        struct vg_diag *x = vg_diag_emit(d->ctx, VG8011, vg_span_or(vg_vm_at(vm, VG_AT_PIN), vm->name_span),
                                         "`%s` runs on host "
                                         "`%s`, the file pins it to `%s`",
                                         vm->name, live(d, lv->host), vm->pin->name);
        vg_diag_subject(x, vm->name);
        vg_diag_help(d->ctx, x, "move it back (the build script does, with its GPU), or pin it where it runs");
        d->n++;
        return;
    }
    if (d->vmware) {
        vmw_check_drs(d, vm, lv);
        return;
    }
    if (!d->clustered)
        return;
    struct vg_host *const *own;
    size_t nown = declared_owners(d, vm, &own);
    if (!lv->owners_known) {
        check_vm_preferred(d, vm, lv, own, nown);
        return;
    }
    int same = nown == lv->nowners;
    for (size_t i = 0; same && i < lv->nowners; i++)
        same = has_host(own, nown, lv->owners[i]);
    if (same) {
        check_vm_preferred(d, vm, lv, own, nown);
        return;
    }
    struct vg_strbuf has, want;
    vg_sb_init(&has);
    vg_sb_init(&want);
    for (size_t i = 0; i < lv->nowners; i++)
        vg_sb_printf(&has, "%s`%s`", i ? ", " : "", live(d, lv->owners[i]));
    for (size_t i = 0; i < nown; i++)
        vg_sb_printf(&want, "%s`%s`", i ? ", " : "", own[i]->name);
    struct vg_diag *x = vg_diag_emit(
        d->ctx, VG8011, vg_span_or(vg_vm_at(vm, VG_AT_HOSTS), vg_span_or(vg_vm_at(vm, VG_AT_PIN), vm->name_span)),
        "`%s` may run on %s, the file allows %s%s", vm->name, has.len ? vg_sb_str(&has) : "no host",
        want.len ? vg_sb_str(&want) : "no host", vm->nallowed || vm->pin ? "" : " (every host with its GPU model)");
    vg_diag_subject(x, vm->name);
    vg_diag_help(d->ctx, x,
                 "the build script sets the cluster resource's possible owners; or declare `hosts` as "
                 "they are");
    vg_sb_free(&has);
    vg_sb_free(&want);
    d->n++;
    (void)a;
}

/* The guest driver the guest reported is one of the declared release's
 * guest drivers for its OS (the guest's own word on its OS first). */
static void check_vm_guest(struct drift *d, const struct vg_vm *vm, const struct vg_inv_vm *lv)
{
    if (!vm->guest.text || !lv->guest_driver)
        return;
    int linux_os = lv->guest_os ? strcmp(lv->guest_os, "linux") == 0 : vm->os == VG_OS_LINUX;
    enum vg_driver_kind kind = linux_os ? VG_DRV_GUEST_LINUX : VG_DRV_GUEST_WINDOWS;
    for (uint32_t i = 0; i < vm->guest.nrel; i++)
        if (vm->guest.rel[i]->driver[kind] && strcmp(vm->guest.rel[i]->driver[kind], lv->guest_driver) == 0)
            return;
    if (vm->guest.is_driver && strcmp(vm->guest.text, lv->guest_driver) == 0)
        return;
    const struct vg_release *rel[4];
    size_t nrel = vg_catalog_resolve(d->ctx->catalog, lv->guest_driver, kind, rel, 4);
    struct vg_diag *x = vg_diag_emit(
        d->ctx, VG8014, vg_span_or(vm->guest.span, vm->name_span),
        "`%s` runs %s guest driver %s (%s), the file declares `%s`", vm->name, linux_os ? "Linux" : "Windows",
        live(d, lv->guest_driver),
        nrel ? vg_sprintf(d->ctx->arena, "vGPU %s", rel[0]->name) : "no release of the catalog", vm->guest.text);
    vg_diag_subject(x, vm->name);
    vg_diag_label(d->ctx, x, "declared here");
    vg_diag_help(d->ctx, x,
                 "update the guest driver inside the VM (its owner does; `vgpuc rollout` orders it with "
                 "the hosts), or declare the release it runs");
    d->n++;
}

static void check_vms(struct drift *d)
{
    const struct vg_cluster *c = d->c;
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        const struct vg_inv_vm *lv = vg_hash_get(&d->live_vms, vm->name);
        if (vm->mode == VG_MODE_NONE && lv && vm->also_other_mode == 0) {
            struct vg_diag *x = vg_diag_emit(d->ctx, VG8009, vm->name_span, "`%s` has %s, the file declares no GPU",
                                             vm->name, live_gpu_text(d, lv));
            vg_diag_subject(x, vm->name);
            vg_diag_help(d->ctx, x, "declare its GPU, or take it away (the build script's -RemoveUndeclared)");
            d->n++;
        }
        if (vm->mode == VG_MODE_NONE || (vm->mode == VG_MODE_VGPU && !vm->profile) ||
            (vm->mode == VG_MODE_PASSTHROUGH && !vm->gpu_model))
            continue;
        if (!lv && !d->all_read)
            continue; /* it may be on a host that could not be read (VG8003 says so) */
        if (!lv) {
            struct vg_diag *x = vg_diag_emit(d->ctx, VG8007, vm->name_span,
                                             "`%s` is not in the inventory: no VM of "
                                             "that name holds a GPU on the hosts read",
                                             vm->name);
            vg_diag_subject(x, vm->name);
            vg_diag_help(d->ctx, x,
                         "create it or give it its GPU (the build script gives GPUs, never creates VMs), "
                         "or remove it from the file");
            d->n++;
            continue;
        }
        if (check_vm_gpu(d, vm, lv))
            continue; /* its settings follow the GPU it should have */
        check_vm_settings(d, vm, lv);
        check_vm_owners(d, vm, lv);
        check_vm_guest(d, vm, lv);
    }
    for (size_t k = 0; k < d->inv->nvms; k++) {
        const struct vg_inv_vm *lv = &d->inv->vms[k];
        if (vg_hash_get(&d->decl_vms, lv->name))
            continue;
        struct vg_diag *x = vg_diag_emit(d->ctx, VG8008, c->name_span,
                                         "VM `%s` on host `%s` holds %s but is not "
                                         "declared in cluster `%s`",
                                         live(d, lv->name), live(d, lv->host), live_gpu_text(d, lv), c->name);
        vg_diag_help(d->ctx, x,
                     "declare it (`vgpuc import` writes its block), or take its GPU away (the build "
                     "script's -RemoveUndeclared)");
        d->n++;
    }
}

static void check_platform(struct drift *d)
{
    const struct vg_cluster *c = d->c;
    if (!c->platform || !c->platform->os_build)
        return;
    for (size_t k = 0; k < d->inv->nhosts; k++) {
        const struct vg_inv_host *lh = &d->inv->hosts[k];
        if (!lh->reachable || !lh->os_build || strcmp(lh->os_build, c->platform->os_build) == 0)
            continue;
        const struct vg_host *h = vg_hash_get(&c->host_by_name, lh->name);
        if (!h)
            continue; /* undeclared: reported as such */
        struct vg_diag *x = vg_diag_emit(d->ctx, VG8012, vg_span_or(c->platform_span, c->name_span),
                                         "host `%s` runs "
                                         "OS build %s, the file declares %s %s (build %s)",
                                         h->name, live(d, lh->os_build), c->family, c->version, c->platform->os_build);
        vg_diag_subject(x, h->name);
        vg_diag_help(d->ctx, x, "update the host, or declare the platform version it runs");
        d->n++;
    }
}

size_t vg_drift_compare(struct vg_ctx *ctx, const struct vg_model *m, const struct vg_plan *p, struct vg_inventory *inv)
{
    struct drift d;
    memset(&d, 0, sizeof d);
    d.ctx = ctx;
    d.inv = inv;
    int by_name;
    d.c = match_cluster(m, inv, &by_name);
    if (!d.c) {
        struct vg_span at = m->nclusters ? m->clusters[0]->name_span : vg_span_make(m->nroots ? 1 : 0, 0, 0);
        struct vg_diag *x =
            vg_diag_emit(ctx, VG8002, at,
                         "the inventory's %s%s%s is no cluster of the file: no "
                         "name or host in common",
                         inv->cluster ? "cluster `" : "hosts", inv->cluster ? vg_inert(ctx->arena, inv->cluster) : "",
                         inv->cluster ? "`" : "");
        vg_diag_help(ctx, x, "compare the file that declares this cluster, or run the inventory on its hosts");
        return 1;
    }
    if (inv->cluster && !by_name) {
        struct vg_diag *x = vg_diag_emit(ctx, VG8002, d.c->name_span,
                                         "the live cluster is named `%s`, the file "
                                         "declares `%s` (the same hosts)",
                                         vg_inert(ctx->arena, inv->cluster), d.c->name);
        vg_diag_help(ctx, x, "rename the cluster in the file (the scripts act only on exactly named objects)");
        d.n++;
    }
    for (size_t i = 0; p && i < p->nclusters; i++)
        if (p->clusters[i].cluster == d.c)
            d.cp = &p->clusters[i];
    d.clustered = d.c->nhosts > 1 || !d.c->family || strcmp(d.c->family, "windows-server") != 0;
    d.vmware = inv->platform && strcmp(inv->platform, "vmware") == 0;
    vg_inventory_map(ctx, inv);
    vg_hash_init_names(&d.live_hosts, ctx->arena, VG_HASH_HOSTNAME);
    vg_hash_init_names(&d.live_vms, ctx->arena, VG_HASH_NOCASE);
    vg_hash_init_names(&d.decl_vms, ctx->arena, VG_HASH_NOCASE);
    d.all_read = 1;
    for (size_t k = 0; k < inv->nhosts; k++) {
        vg_hash_put(&d.live_hosts, inv->hosts[k].name, &inv->hosts[k]);
        d.all_read &= inv->hosts[k].reachable;
    }
    for (size_t k = 0; k < inv->nvms; k++)
        vg_hash_put(&d.live_vms, inv->vms[k].name, &inv->vms[k]);
    for (size_t i = 0; i < d.c->nvms; i++)
        vg_hash_put(&d.decl_vms, d.c->vms[i]->name, d.c->vms[i]);
    if (d.vmware) {
        vmw_mark_vgpu_hosts(&d);
        vmw_check_hotmigrate(&d);
    }
    check_platform(&d);
    check_hosts(&d);
    if (!d.vmware)
        hv_check_dda_gpus(&d);
    check_vms(&d);
    return d.n;
}
