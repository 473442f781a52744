/*
 * hyperv.c - the Hyper-V / Azure Stack HCI / Azure Local / Windows Server
 * deployment script (`vgpuc build --target hyperv`).
 *
 * A script is a reconciler (docs/backends.md): its logic is PowerShell, in
 * backends/powershell/common.ps1 and hyperv.ps1, embedded by the build. This
 * file writes only what is particular to one cluster: the header comment,
 * #Requires, the script's param() block, the embedded runtime, the declared
 * state as one $VgpucDeclared object (names only as single-quoted literals,
 * control characters as [char] values), and the one call of the entry
 * function Invoke-VgpucHyperV. From the plan it takes, per host and GPU
 * model, how many GPUs go to DDA (those its DDA VMs run on plus, on a
 * cluster, the failover reserve for DDA VMs, so that the GPU pool can restart
 * them elsewhere), and per VM its host, possible and preferred owners.
 * A cluster with `vm-management arc` adds its resource group: the runtime
 * then attaches GPUs with `az stack-hci-vm gpu attach` after the same host
 * preparation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ps.h"

/* The GPU models of one cluster are a handful (the catalog has about a dozen):
 * a small table indexed by position, searched linearly. */
#define MAX_MODELS 64

struct hv {
    struct vg_arena *a;
    const struct vg_cluster *c;
    const struct vg_cluster_plan *p;
    int clustered, gpup, dda;
    const struct vg_gpu *models[MAX_MODELS];
    size_t nmodels;
    uint32_t *total;          /* [host * nmodels + model]: GPUs of that model */
    uint32_t *dda_n;          /* [host * nmodels + model]: GPUs given to DDA */
    unsigned char *gpup_host; /* host may serve GPU-P VMs */
    struct vg_hash preferred; /* "model/host" -> rendered preferred owners */
    uint32_t *turn;           /* [vm index]: the VM's rank by name, where its preferred owners start */
};

static const char *const params[] = {
    "# Change only these VMs (exact names; wildcard characters are plain text).",
    "# The pre-flight still reads and checks every host and VM.",
    "[string[]]$VMName = @(),",
    "# Change only these hosts and the VMs on them (exact names).",
    "[string[]]$HostName = @(),",
    "# Also remove the GPUs of VMs the file does not declare (never the VMs), and",
    "# give back to the host the GPUs dismounted for DDA that no declared VM uses.",
    "[switch]$RemoveUndeclared,",
    "# Seconds to wait for a guest to shut down (it is never turned off).",
    "[ValidateRange(1, 86400)]",
    "[int]$ShutdownTimeoutSeconds = 600,",
    "# Write a JSON record of the plan and of every step to this file.",
    "[string]$LogPath = ''",
    NULL,
};

static const char *const runtime[] = {"common.ps1", "hyperv.ps1", NULL};

static int model_index(struct hv *x, const struct vg_gpu *m)
{
    for (size_t i = 0; i < x->nmodels; i++)
        if (x->models[i] == m)
            return (int)i;
    if (!m || x->nmodels == MAX_MODELS)
        return -1;
    x->models[x->nmodels] = m;
    return (int)x->nmodels++;
}

static void compute_flags(struct hv *x)
{
    const struct vg_cluster *c = x->c;
    x->clustered = c->nhosts > 1 || !c->family || strcmp(c->family, "windows-server") != 0;
    for (size_t i = 0; i < c->nvms; i++) {
        if (c->vms[i]->mode == VG_MODE_VGPU)
            x->gpup = 1;
        else if (c->vms[i]->mode == VG_MODE_PASSTHROUGH)
            x->dda = 1;
    }
    if (!x->p->partitions)
        x->gpup = 0;
}

/* GPU-P: the hosts that a GPU-P VM may run on (x->gpup_host), once x->total is known. */
static void gpup_hosts(struct hv *x)
{
    const struct vg_cluster *c = x->c;
    unsigned char *gpup_model = vg_alloc_array(x->a, x->nmodels + 1, 1);
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        if (vm->mode != VG_MODE_VGPU)
            continue;
        if (vm->pin) {
            x->gpup_host[vm->pin->index] = 1;
        } else if (vm->nallowed) {
            for (size_t k = 0; k < vm->nallowed; k++)
                x->gpup_host[vm->allowed[k]->index] = 1;
        } else {
            int m = model_index(x, vm->gpu_model);
            if (m >= 0)
                gpup_model[m] = 1;
        }
    }
    for (size_t h = 0; h < c->nhosts; h++)
        for (size_t m = 0; m < x->nmodels; m++)
            if (gpup_model[m] && x->total[h * x->nmodels + m])
                x->gpup_host[h] = 1;
}

/*
 * Per host and model: the GPUs, and those the plan gives to DDA. On a
 * cluster, a host also keeps in its pool as many of its reserve GPUs of a
 * model as the DDA VMs of one failed host (the largest, times the declared
 * host failures) could need there. Linear in hosts, GPUs and VMs.
 */
static void compute_gpus(struct hv *x)
{
    const struct vg_cluster *c = x->c;
    const struct vg_cluster_plan *p = x->p;
    size_t nh = c->nhosts;

    for (size_t h = 0; h < nh; h++)
        for (size_t g = 0; g < c->hosts[h]->ngpus; g++)
            (void)model_index(x, c->hosts[h]->gpus[g].model);
    x->total = vg_alloc_array(x->a, nh * x->nmodels + 1, sizeof *x->total);
    x->dda_n = vg_alloc_array(x->a, nh * x->nmodels + 1, sizeof *x->dda_n);
    x->gpup_host = vg_alloc_array(x->a, nh + 1, 1);

    uint32_t *free_reserve = vg_alloc_array(x->a, nh * x->nmodels + 1, sizeof *free_reserve);
    for (size_t i = 0; p->pgpus && i < p->npgpus; i++) {
        const struct vg_pgpu *g = &p->pgpus[i];
        int m = model_index(x, g->model);
        if (m < 0)
            continue;
        size_t k = g->host->index * x->nmodels + (size_t)m;
        x->total[k]++;
        if (g->use == VG_PGPU_PASSTHROUGH)
            x->dda_n[k]++;
        else if (g->use == VG_PGPU_FREE && p->reserve && p->reserve[i])
            free_reserve[k]++;
    }
    /* Hosts without a plan (placement failed earlier) still list their GPUs. */
    for (size_t h = 0; h < nh && !p->pgpus; h++)
        for (size_t g = 0; g < c->hosts[h]->ngpus; g++) {
            const struct vg_host_gpu *hg = &c->hosts[h]->gpus[g];
            int m = model_index(x, hg->model);
            if (m >= 0)
                x->total[h * x->nmodels + (size_t)m] += hg->boards * hg->model->gpus_per_board;
        }

    gpup_hosts(x);
    /* Clustered DDA: the failover reserve for DDA VMs that can move. */
    if (!x->clustered || !x->dda || !c->tolerate || !p->place)
        return;
    uint32_t *moving = vg_alloc_array(x->a, nh * x->nmodels + 1, sizeof *moving);
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        const struct vg_placement *pl = &p->place[vm->index];
        int m = model_index(x, vm->gpu_model);
        if (vm->mode != VG_MODE_PASSTHROUGH || vm->pin || vm->nallowed == 1 || !pl->host || m < 0)
            continue;
        moving[pl->host->index * x->nmodels + (size_t)m] += vm->count ? vm->count : 1;
    }
    for (size_t m = 0; m < x->nmodels; m++) {
        uint32_t worst = 0;
        for (size_t h = 0; h < nh; h++)
            if (moving[h * x->nmodels + m] > worst)
                worst = moving[h * x->nmodels + m];
        worst *= c->tolerate;
        for (size_t h = 0; h < nh; h++) {
            size_t k = h * x->nmodels + m;
            x->dda_n[k] += free_reserve[k] < worst ? free_reserve[k] : worst;
        }
    }
}

static void put_hosts(struct vg_strbuf *sb, struct vg_host *const *hosts, size_t n)
{
    vg_sb_puts(sb, "@(");
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_puts(sb, ", ");
        vg_ps_string(sb, hosts[i]->name);
    }
    vg_sb_putc(sb, ')');
}

/* Preferred owners: the placed host first, then the other owners starting
 * at a place that turns with the VM (`turn`), so that the VMs of one host do
 * not all fail over to the same node. */
static void put_preferred(struct vg_strbuf *sb, struct vg_host *const *hosts, size_t n, const struct vg_host *placed,
                          size_t turn)
{
    size_t at = n;
    for (size_t i = 0; i < n; i++)
        if (hosts[i] == placed)
            at = i;
    if (at == n) { /* placed outside its owners (cannot happen after the rules) */
        put_hosts(sb, hosts, n);
        return;
    }
    vg_sb_puts(sb, "@(");
    vg_ps_string(sb, placed->name);
    for (size_t k = 0; k + 1 < n; k++) {
        size_t j = (turn + k) % (n - 1); /* index among the others */
        vg_sb_puts(sb, ", ");
        vg_ps_string(sb, hosts[j < at ? j : j + 1]->name);
    }
    vg_sb_putc(sb, ')');
}

/* The hosts a VM may run on when the file names them (`host`, else `hosts`);
 * 0 = every host with its model. */
static size_t owners_of(const struct vg_vm *vm, struct vg_host *const **out)
{
    if (vm->pin) {
        *out = &vm->pin;
        return 1;
    }
    *out = vm->nallowed ? vm->allowed : NULL;
    return vm->nallowed;
}

/* Hosts with the VM's model, in declaration order, as possible owners
 * (`placed` NULL) or preferred owners: rendered once per (model, placed host,
 * turn) and shared, so that the lists of a large estate stay linear. */
static const char *model_hosts(struct hv *x, const struct vg_gpu *model, const struct vg_host *placed, size_t turn)
{
    const struct vg_cluster *c = x->c;
    int m = model_index(x, model);
    char key[80];
    const char *r;
    snprintf(key, sizeof key, "%d/%u/%zu/%d", m, placed ? placed->index : 0, turn, placed != NULL);
    if ((r = vg_hash_get(&x->preferred, key)))
        return r;
    struct vg_host **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t h = 0; h < c->nhosts; h++)
        if (m >= 0 && x->total[h * x->nmodels + (size_t)m])
            VG_PUSH(x->a, v, n, cap, c->hosts[h]);
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    if (placed)
        put_preferred(&sb, v, n, placed, turn);
    else
        put_hosts(&sb, v, n);
    r = vg_strdup(x->a, vg_sb_str(&sb));
    vg_sb_free(&sb);
    vg_hash_put(&x->preferred, vg_strdup(x->a, key), (void *)r);
    return r;
}

static int by_vm_name(const void *a, const void *b)
{
    const struct vg_vm *x = *(const struct vg_vm *const *)a, *y = *(const struct vg_vm *const *)b;
    return strcmp(x->name, y->name);
}

/* Where each VM's preferred owners start turning: its rank by name, not its
 * place in the file, so that the same cluster written in another order (a
 * file made by `vgpuc import`, blocks moved) gives the same preferred owners
 * and its script changes nothing. */
static void compute_turns(struct hv *x)
{
    const struct vg_cluster *c = x->c;
    const struct vg_vm **v = vg_alloc_array(x->a, c->nvms + 1, sizeof *v);
    x->turn = vg_alloc_array(x->a, c->nvms + 1, sizeof *x->turn);
    for (size_t i = 0; i < c->nvms; i++)
        v[i] = c->vms[i];
    qsort(v, c->nvms, sizeof *v, by_vm_name);
    for (size_t i = 0; i < c->nvms; i++)
        x->turn[v[i]->index] = (uint32_t)i;
}

static void put_bytes(struct vg_strbuf *sb, uint64_t v) { vg_ps_bytes(sb, v); }

static void emit_models(struct vg_strbuf *sb, const struct hv *x)
{
    vg_sb_puts(sb, "    Models = @(\n");
    for (size_t i = 0; i < x->nmodels; i++) {
        const struct vg_gpu *g = x->models[i];
        vg_sb_puts(sb, "        [pscustomobject]@{ Model = ");
        vg_ps_string(sb, g->model);
        if (g->vendor_id)
            vg_sb_printf(sb, "; Ids = @('%04X:%04X') }\n", g->vendor_id, g->device_id);
        else
            vg_sb_puts(sb, "; Ids = @() }\n");
    }
    vg_sb_puts(sb, "    )\n");
}

static void emit_hosts(struct vg_strbuf *sb, const struct hv *x)
{
    const struct vg_cluster *c = x->c;
    vg_sb_puts(sb, "    Hosts = @(\n");
    for (size_t h = 0; h < c->nhosts; h++) {
        const struct vg_host *host = c->hosts[h];
        const char *drv = vg_ps_host_driver(host);
        uint32_t dda = 0, total = 0;
        for (size_t m = 0; m < x->nmodels; m++) {
            dda += x->dda_n[h * x->nmodels + m];
            total += x->total[h * x->nmodels + m];
        }
        int serves = x->gpup && x->gpup_host[h] && total > dda;
        vg_sb_puts(sb, "        [pscustomobject]@{ Name = ");
        vg_ps_string(sb, host->name);
        vg_sb_puts(sb, "; Driver = ");
        if (drv)
            vg_ps_string(sb, drv);
        else
            vg_sb_puts(sb, "$null");
        vg_sb_printf(sb, "; ServesGpuP = %s; DdaOnly = %s; Gpus = @(", vg_ps_bool(serves),
                     vg_ps_bool(!serves && dda > 0));
        int any = 0;
        for (size_t m = 0; m < x->nmodels; m++) {
            size_t k = h * x->nmodels + m;
            if (!x->total[k])
                continue;
            vg_sb_puts(sb, any ? ", " : "");
            any = 1;
            vg_sb_puts(sb, "[pscustomobject]@{ Model = ");
            vg_ps_string(sb, x->models[m]->model);
            vg_sb_printf(sb, "; Count = %u; Dda = %u }", x->total[k], x->dda_n[k]);
        }
        vg_sb_puts(sb, ") }\n");
    }
    vg_sb_puts(sb, "    )\n");
}

static void emit_vms(struct vg_strbuf *sb, struct hv *x)
{
    const struct vg_cluster *c = x->c;
    const struct vg_cluster_plan *p = x->p;
    vg_sb_puts(sb, "    Vms = @(\n");
    for (size_t i = 0; i < c->nvms; i++) {
        const struct vg_vm *vm = c->vms[i];
        const struct vg_placement *pl = p->place ? &p->place[vm->index] : NULL;
        const struct vg_host *placed = pl ? pl->host : NULL;
        int dda = vm->mode == VG_MODE_PASSTHROUGH;
        struct vg_host *const *own;
        size_t nown;
        if (vm->mode == VG_MODE_NONE)
            continue;
        vg_sb_puts(sb, "        [pscustomobject]@{ Name = ");
        vg_ps_string(sb, vm->name);
        vg_sb_printf(sb, "; Mode = '%s'; Model = ", dda ? "Dda" : "GpuP");
        if (vm->gpu_model)
            vg_ps_string(sb, vm->gpu_model->model);
        else
            vg_sb_puts(sb, "$null");
        vg_sb_printf(sb, "; Count = %u; Host = ", vm->count ? vm->count : 1);
        if (placed)
            vg_ps_string(sb, placed->name);
        else
            vg_sb_puts(sb, "$null");
        /* Possible owners; preferred owners start at the placed host and go
         * round the others, so that VMs do not all fail over to one node. */
        nown = owners_of(vm, &own);
        vg_sb_puts(sb, "; Owners = ");
        if (own)
            put_hosts(sb, own, nown);
        else if (vm->gpu_model)
            vg_sb_puts(sb, model_hosts(x, vm->gpu_model, NULL, 0));
        else
            vg_sb_puts(sb, "@()");
        vg_sb_puts(sb, "; Preferred = ");
        if (!x->clustered || !placed || (own && nown < 2) || (!own && !vm->gpu_model)) {
            vg_sb_puts(sb, "@()");
        } else if (own) {
            put_preferred(sb, own, nown, placed, x->turn[vm->index] % (nown - 1));
        } else {
            size_t n = 0;
            int m = model_index(x, vm->gpu_model);
            for (size_t h = 0; m >= 0 && h < c->nhosts; h++)
                n += x->total[h * x->nmodels + (size_t)m] != 0;
            if (n < 2)
                vg_sb_puts(sb, "@()");
            else
                vg_sb_puts(sb, model_hosts(x, vm->gpu_model, placed, x->turn[vm->index] % (n - 1)));
        }
        vg_sb_printf(sb, "; MemoryBytes = ");
        put_bytes(sb, vm->memory_bytes);
        /* the declared generation, or the language's default 2: checked, never changed */
        uint64_t low, high;
        vg_vm_mmio(vm, &low, &high); /* the file's, else Microsoft's guidance */
        vg_sb_printf(sb, "; Generation = %u; LowMmio = ", vm->generation ? vm->generation : 2);
        put_bytes(sb, low);
        vg_sb_puts(sb, "; HighMmio = ");
        put_bytes(sb, high);
        vg_sb_printf(sb, "; Live = %s }\n",
                     vg_ps_bool(!dda && vm->migration == VG_MIG_LIVE && c->platform && c->platform->lm_vgpu));
    }
    vg_sb_puts(sb, "    )\n");
}

static void emit_data(struct vg_strbuf *sb, struct hv *x, const char *platform)
{
    const struct vg_cluster *c = x->c;
    vg_sb_puts(sb, "# --- What the .vgpu file declares (names are literals, never code) ---\n");
    vg_sb_puts(sb, "$VgpucDeclared = [pscustomobject]@{\n    Cluster = ");
    vg_ps_string(sb, c->name);
    vg_sb_puts(sb, "\n    Platform = ");
    vg_ps_string(sb, platform);
    vg_sb_printf(sb, "\n    Clustered = %s\n", vg_ps_bool(x->clustered));
    vg_sb_printf(sb, "    PartitionCount = %u\n", x->gpup ? x->p->partitions : 0);
    /* Arc VMs get DDA GPUs from the dismounted ones (az stack-hci-vm gpu attach), not from a pool. */
    vg_sb_printf(sb, "    PoolName = '%s'\n", x->dda && x->clustered && !c->arc ? "GpuChildPool" : "");
    vg_sb_puts(sb, "    MitigationDriver = $false\n    Arc = ");
    if (c->arc && c->arc->resource_group) {
        vg_sb_puts(sb, "[pscustomobject]@{ ResourceGroup = ");
        vg_ps_string(sb, c->arc->resource_group);
        vg_sb_puts(sb, " }\n");
    } else {
        vg_sb_puts(sb, "$null\n");
    }
    emit_models(sb, x);
    emit_hosts(sb, x);
    emit_vms(sb, x);
    vg_sb_puts(sb, "}\n\n");
}

void vg_emit_hyperv(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                    const struct vg_emit_info *info, struct vg_strbuf *out)
{
    struct hv x;
    const char *modules[] = {"Hyper-V", "FailoverClusters"};
    struct vg_ps_header hd;
    char *platform = vg_sprintf(ctx->arena, "%s %s", c->family ? c->family : "?", c->version ? c->version : "?");

    memset(&x, 0, sizeof x);
    x.a = ctx->arena;
    x.c = c;
    x.p = p;
    vg_hash_init(&x.preferred, ctx->arena);
    compute_flags(&x);
    compute_gpus(&x);
    compute_turns(&x);
    memset(&hd, 0, sizeof hd);
    hd.info = info;
    hd.cluster = c->name;
    hd.platform = platform;
    hd.target = "hyperv";
    hd.releases = vg_ps_releases(ctx->arena, c);
    hd.modules = modules;
    hd.nmodules = x.clustered ? 2 : 1;
    hd.params = params;
    hd.runtime = runtime;
    vg_ps_header(out, &hd);
    emit_data(out, &x, platform);
    vg_sb_puts(out,
               "exit (Invoke-VgpucHyperV -Declared $VgpucDeclared -VMName $VMName -HostName $HostName "
               "-RemoveUndeclared:$RemoveUndeclared -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds "
               "-LogPath $LogPath)\n");
}
