/*
 * rollout.c - the rollout scripts (`vgpuc rollout -o DIR`): one PowerShell
 * script per planned cluster that runs the plan of compiler/rollout.c host by
 * host (docs/rollout.md, "Running a rollout").
 *
 * As for `vgpuc build`, the logic is PowerShell in backends/powershell/
 * (common.ps1, hyperv.ps1 for its readers, guest.ps1 for the guest phase,
 * rollout.ps1 for the record of the no-change steps, rollout-hyperv.ps1;
 * common.ps1, vmware.ps1 for its readers, guest.ps1 and guest-vmware.ps1 for
 * the guest phase, rollout.ps1, rollout-vmware.ps1), embedded by the
 * build; this file
 * writes only the header, the script's param() block, the plan as one
 * $VgpucRollout object (names only as single-quoted literals, control
 * characters as [char] values) and the call of the entry function. The plan
 * is written in the order of the JSON plan (the Hyper-V family's with the
 * cluster's `vm-management arc` resource group, whose VMs are stopped and
 * started through Azure): the license server step, then
 * per host batch its hosts (release and host driver before and after), the
 * VMs that leave them (how and where) and the VMs started again on resume,
 * and the guest driver groups. One row per target (a table, not ifs).
 */
#include <stdio.h>
#include <string.h>

#include "rollout/rollout.h"
#include "rules/rules.h"
#include "ps.h"

static const char *const hyperv_params[] = {
    "# The vGPU Manager package to install for each release the plan moves hosts to:",
    "# the path of its .inf on every host, e.g. @{ '19.5' = 'C:\\vgpu\\19.5\\Display.Driver\\nvgridswhci.inf' }",
    "# (NVIDIA's Azure Stack HCI / Azure Local host driver package; installed with pnputil).",
    "[hashtable]$DriverPackage = @{},",
    "# The plan upgrades the license server first: say that it is done.",
    "[switch]$LicenseServerReady,",
    "# Guest driver steps done inside the VMs by their owners (step numbers of the plan):",
    "# a host step that needs them waits for them.",
    "[int[]]$GuestStepDone = @(),",
    "# Credentials valid inside the Windows guests: the script then reads each guest's",
    "# NVIDIA driver (PowerShell Direct from its node) and a guest step whose VMs all",
    "# run the new driver is done (no -GuestStepDone needed). Read only.",
    "[System.Management.Automation.PSCredential]$GuestCredential = [System.Management.Automation.PSCredential]::Empty,",
    "# Seconds to wait for a guest to shut down (it is never turned off).",
    "[ValidateRange(1, 86400)]",
    "[int]$ShutdownTimeoutSeconds = 600,",
    "# Seconds to wait for a host to come back after its restart.",
    "[ValidateRange(60, 86400)]",
    "[int]$RestartTimeoutSeconds = 1800,",
    "# Write a JSON record of the plan and of every step to this file.",
    "[string]$LogPath = ''",
    NULL,
};

static const char *const hyperv_runtime[] = {"common.ps1",  "hyperv.ps1",         "guest.ps1",
                                             "rollout.ps1", "rollout-hyperv.ps1", NULL};
static const char *const hyperv_modules[] = {"Hyper-V", "FailoverClusters"};

static const char *const vmware_params[] = {
    "# The vCenter to connect to; every PowerCLI call uses this one connection.",
    "[Parameter(Mandatory)]",
    "[string]$Server,",
    "[pscredential]$Credential,",
    "# The NVIDIA vGPU Manager host component to install for each release the plan moves hosts to:",
    "# the absolute datastore path of its offline bundle on the hosts, e.g.",
    "# @{ '18.4' = '/vmfs/volumes/datastore1/nvidia/NVD-AIE-800_570.172.07-1OEM.800.1.0.20613240_24669489.zip' }",
    "# (installed with esxcli software component apply).",
    "[hashtable]$DepotPath = @{},",
    "# The NVIDIA GPU Management Daemon component of each release, which NVIDIA installs and",
    "# updates with the host driver: the absolute datastore path of its offline bundle, e.g.",
    "# @{ '18.4' = '/vmfs/volumes/datastore1/nvidia/nvd-gpu-mgmt-daemon_570.172.07-0.0.0000_BUILD.zip' }",
    "# (installed after the driver, before the reboot). Required for a host that has the daemon",
    "# of another release.",
    "[hashtable]$DaemonDepotPath = @{},",
    "# The plan upgrades the license server first: say that it is done.",
    "[switch]$LicenseServerReady,",
    "# Guest driver steps done inside the VMs by their owners (step numbers of the plan):",
    "# a host step that needs them waits for them.",
    "[int[]]$GuestStepDone = @(),",
    "# Credentials valid inside the guests: the script then reads each guest's NVIDIA",
    "# driver (nvidia-smi through VMware Tools, Invoke-VMScript) and a guest step whose",
    "# VMs all run the new driver is done (no -GuestStepDone needed). Read only.",
    "[System.Management.Automation.PSCredential]$GuestCredential = [System.Management.Automation.PSCredential]::Empty,",
    "# Seconds to wait for a guest to shut down (it is never powered off).",
    "[ValidateRange(1, 86400)]",
    "[int]$ShutdownTimeoutSeconds = 600,",
    "# Seconds to wait for a host to reconnect after its reboot.",
    "[ValidateRange(60, 86400)]",
    "[int]$RestartTimeoutSeconds = 1800,",
    "# Write a JSON record of the plan and of every step to this file.",
    "[string]$LogPath = ''",
    NULL,
};

static const char *const vmware_runtime[] = {"common.ps1",  "vmware.ps1",         "guest.ps1", "guest-vmware.ps1",
                                             "rollout.ps1", "rollout-vmware.ps1", NULL};
static const char *const vmware_modules[] = {"VMware.VimAutomation.Core"};

static const struct rollout_target {
    enum vg_target target;
    const char *name;
    const char *const *params;
    const char *const *runtime;
    const char *const *modules;
    size_t nmodules;
    const char *entry;
} targets[] = {
    {VG_TARGET_HYPERV, "hyperv", hyperv_params, hyperv_runtime, hyperv_modules, 2,
     "exit (Invoke-VgpucRolloutHyperV -Rollout $VgpucRollout -DriverPackage $DriverPackage "
     "-LicenseServerReady:$LicenseServerReady -GuestStepDone $GuestStepDone -GuestCredential $GuestCredential "
     "-ShutdownTimeoutSeconds $ShutdownTimeoutSeconds "
     "-RestartTimeoutSeconds $RestartTimeoutSeconds -LogPath $LogPath)\n"},
    {VG_TARGET_VMWARE, "vmware", vmware_params, vmware_runtime, vmware_modules, 1,
     "exit (Invoke-VgpucRolloutVmware -Rollout $VgpucRollout -Server $Server -Credential $Credential "
     "-DepotPath $DepotPath -DaemonDepotPath $DaemonDepotPath -LicenseServerReady:$LicenseServerReady "
     "-GuestStepDone $GuestStepDone -GuestCredential $GuestCredential "
     "-ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -RestartTimeoutSeconds $RestartTimeoutSeconds "
     "-LogPath $LogPath)\n"},
};

int vg_rollout_target_supported(enum vg_target t)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (targets[i].target == t)
            return 1;
    return 0;
}

/* `'text'`, or `$null` for NULL. */
static void str_or_null(struct vg_strbuf *sb, const char *s)
{
    if (s)
        vg_ps_string(sb, s);
    else
        vg_sb_puts(sb, "$null");
}

static void emit_license(struct vg_strbuf *sb, const struct vg_ro_step *s, size_t index)
{
    vg_sb_printf(sb, "        [pscustomobject]@{ Kind = 'license-server'; Index = %zu; Name = ", index);
    str_or_null(sb, s->lic_to ? s->lic_to->name : s->lic_from ? s->lic_from->name : NULL);
    vg_sb_puts(sb, "; FromVersion = ");
    str_or_null(sb, s->lic_from ? s->lic_from->version : NULL);
    vg_sb_puts(sb, "; ToVersion = ");
    str_or_null(sb, s->lic_to ? s->lic_to->version : NULL);
    vg_sb_puts(sb, " }");
}

static void emit_move(struct vg_strbuf *sb, const struct vg_ro_move *mv)
{
    vg_sb_puts(sb, "                [pscustomobject]@{ Vm = ");
    vg_ps_string(sb, mv->vm->name);
    vg_sb_puts(sb, "; From = ");
    str_or_null(sb, mv->from ? mv->from->name : NULL);
    vg_sb_puts(sb, "; To = ");
    str_or_null(sb, mv->to ? mv->to->name : NULL);
    vg_sb_printf(sb, "; How = '%s' }\n", vg_ro_how_name(mv->how));
}

static void emit_moves(struct vg_strbuf *sb, const char *field, const struct vg_ro_move *v, size_t n)
{
    vg_sb_printf(sb, "            %s = @(", field);
    if (n)
        vg_sb_putc(sb, '\n');
    for (size_t i = 0; i < n; i++)
        emit_move(sb, &v[i]);
    vg_sb_printf(sb, "%s)\n", n ? "            " : "");
}

static void emit_hosts_step(struct vg_strbuf *sb, const struct vg_ro_cluster *rc, const struct vg_ro_step *s,
                            size_t index)
{
    enum vg_driver_kind hk = vg_ro_host_kind(rc->cl);
    vg_sb_printf(sb, "        [pscustomobject]@{\n            Kind = 'hosts'; Index = %zu; Leg = %u; Downtime = '%s'\n",
                 index, s->leg, vg_ro_downtime_name(s->downtime));
    vg_sb_puts(sb, "            Hosts = @(\n");
    for (size_t i = 0; i < s->nhosts; i++) {
        const struct vg_ro_host *h = &s->hosts[i];
        vg_sb_puts(sb, "                [pscustomobject]@{ Name = ");
        vg_ps_string(sb, h->host->name);
        vg_sb_puts(sb, "; FromRelease = ");
        str_or_null(sb, vg_ro_release(h->mgr_from));
        vg_sb_puts(sb, "; ToRelease = ");
        str_or_null(sb, vg_ro_release(h->mgr_to));
        vg_sb_puts(sb, "; FromDriver = ");
        str_or_null(sb, vg_ro_driver(h->mgr_from, hk));
        vg_sb_puts(sb, "; ToDriver = ");
        str_or_null(sb, vg_ro_driver(h->mgr_to, hk));
        vg_sb_printf(sb, "; FromPartitions = %u; ToPartitions = %u }\n", h->part_from, h->part_to);
    }
    vg_sb_puts(sb, "            )\n");
    emit_moves(sb, "Moves", s->moves, s->nmoves);
    emit_moves(sb, "Returns", s->backs, s->nbacks);
    vg_sb_puts(sb, "        }");
}

static void emit_guests_step(struct vg_strbuf *sb, const struct vg_ro_step *s, size_t index)
{
    vg_sb_printf(sb,
                 "        [pscustomobject]@{\n            Kind = 'guests'; Index = %zu; Leg = %u; Downtime = '%s'\n",
                 index, s->leg, vg_ro_downtime_name(s->downtime));
    vg_sb_puts(sb, "            FromRelease = ");
    str_or_null(sb, vg_ro_release(s->guest_from));
    vg_sb_puts(sb, "; ToRelease = ");
    str_or_null(sb, vg_ro_release(s->guest_to));
    vg_sb_puts(sb, "\n            WindowsDriver = ");
    str_or_null(sb, vg_ro_driver(s->guest_to, VG_DRV_GUEST_WINDOWS));
    vg_sb_puts(sb, "; LinuxDriver = ");
    str_or_null(sb, vg_ro_driver(s->guest_to, VG_DRV_GUEST_LINUX));
    vg_sb_puts(sb, "\n            Vms = @(\n");
    for (size_t i = 0; i < s->nvms; i++) {
        vg_sb_puts(sb, "                [pscustomobject]@{ Name = ");
        vg_ps_string(sb, s->vms[i]->name);
        vg_sb_printf(sb, "; Os = '%s' }\n", s->vms[i]->os == VG_OS_LINUX ? "linux" : "windows");
    }
    vg_sb_puts(sb, "            )\n        }");
}

/* The releases the plan moves hosts to, for the header. */
static const char *releases_text(struct vg_arena *a, const struct vg_ro_cluster *rc)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    struct vg_hash seen;
    vg_hash_init(&seen, a);
    enum vg_driver_kind hk = vg_ro_host_kind(rc->cl);
    for (size_t i = 0; i < rc->nsteps; i++)
        for (size_t k = 0; rc->steps[i].kind == VG_RO_HOSTS && k < rc->steps[i].nhosts; k++) {
            const struct vg_ro_host *h = &rc->steps[i].hosts[k];
            const char *rel = vg_ro_release(h->mgr_to);
            if (!rel || vg_hash_get(&seen, rel))
                continue;
            vg_hash_put(&seen, rel, (void *)rel);
            const char *d = vg_ro_driver(h->mgr_to, hk);
            vg_sb_printf(&sb, "%s%s%s%s%s", sb.len ? ", " : "", rel, d ? " (host driver " : "", d ? d : "",
                         d ? ")" : "");
        }
    const char *r = sb.len ? vg_strdup(a, vg_sb_str(&sb)) : NULL;
    vg_sb_free(&sb);
    return r;
}

void vg_emit_rollout(const struct vg_ctx *ctx, enum vg_target t, const struct vg_ro_cluster *rc,
                     const struct vg_emit_info *info, struct vg_strbuf *out)
{
    const struct rollout_target *rt = NULL;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (targets[i].target == t)
            rt = &targets[i];
    if (!rt)
        return;
    const struct vg_cluster *c = rc->cl;
    char *platform = vg_sprintf(ctx->arena, "%s %s", c->family ? c->family : "?", c->version ? c->version : "?");
    struct vg_ps_header hd;
    memset(&hd, 0, sizeof hd);
    hd.info = info;
    hd.cluster = c->name;
    hd.platform = platform;
    hd.target = vg_sprintf(ctx->arena, "%s rollout", rt->name);
    hd.releases = releases_text(ctx->arena, rc);
    hd.modules = rt->modules;
    hd.nmodules = rt->nmodules;
    hd.params = rt->params;
    hd.runtime = rt->runtime;
    vg_ps_header(out, &hd);

    vg_sb_puts(out, "$VgpucRollout = [pscustomobject]@{\n    Cluster = ");
    vg_ps_string(out, c->name);
    vg_sb_puts(out, "\n    Platform = ");
    vg_ps_string(out, platform);
    if (t == VG_TARGET_HYPERV) {
        vg_sb_puts(out, "\n    Arc = ");
        if (c->arc && c->arc->resource_group) {
            vg_sb_puts(out, "[pscustomobject]@{ ResourceGroup = ");
            vg_ps_string(out, c->arc->resource_group);
            vg_sb_puts(out, " }");
        } else {
            vg_sb_puts(out, "$null");
        }
    }
    vg_sb_puts(out, "\n    Steps = @(\n");
    for (size_t i = 0; i < rc->nsteps; i++) {
        const struct vg_ro_step *s = &rc->steps[i];
        if (s->kind == VG_RO_LICENSE)
            emit_license(out, s, i + 1);
        else if (s->kind == VG_RO_HOSTS)
            emit_hosts_step(out, rc, s, i + 1);
        else
            emit_guests_step(out, s, i + 1);
        vg_sb_putc(out, '\n');
    }
    vg_sb_puts(out, "    )\n}\n\n");
    vg_sb_puts(out, rt->entry);
}
