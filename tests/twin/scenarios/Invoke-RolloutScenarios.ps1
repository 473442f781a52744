<#
.SYNOPSIS
Runs the rollout scripts of `vgpuc rollout -o DIR` in the twin (docs/testing.md,
"Rollout scenarios").

.DESCRIPTION
Each case of $Cases is a rollout (CURRENT, DESIRED, rollout options). The
script is generated, the twin's state is CURRENT declared and converged (the
scenario generator's declared state, VMs where `vgpuc plan` places them in
CURRENT) with the maintenance fields (hosts[].paused, driver_pending, the
packages of the plan's releases), and these checks run:

  converge   exit 0; every host runs the plan's last host driver, none paused,
             nothing pending; every VM in the power state it had, on the host
             the plan's last move gives it; no live-migrate VM was stopped
  rerun      the converged state: exit 0, zero mutating calls (drains: see
             drain-rerun)
  drain-rerun a drain (no change on the host leaves no live trace): run with
             -LogPath, then again with the same -LogPath: zero mutating calls
             (the log records the no-change steps done); with a new log the
             drain is done again; planted: the record not read (Hyper-V
             and vSphere); vSphere: a recorded host found in maintenance
             mode is done again (planted: the record trusted anyway); both:
             a drain declined with -Confirm (every prompt for the drained
             host answered No, Invoke-TwinRun -Decline) is not recorded and
             the rerun with the same log drains (planted: recorded anyway);
             the declined run ends exit 0 and its summary names each change
             answered No as not done (planted: those lines removed; also
             in drain-decline)
  preview    -WhatIf: exit 0, zero mutating calls, state byte-identical
  faults     a fault on each mutating call of the converge run (first call of
             each command and target): exit 1, every VM in its power state or
             a warning naming it, no node left paused unless the output says so;
             then the same state run again without the fault (resume): the
             converge check
  preflight  one problem each (a host on another driver, a VM missing, two VMs
             of one name, no package, a package not on one host, a node
             down, a VM elsewhere, a saved VM):
             exit 1, zero mutating calls, a line naming the problem
  planted    copies of the script with one fault planted in its runtime (VMs
             not moved before the drain, VMs that stayed down not started, a
             guest turned off, a node not resumed, a wrong driver not refused):
             the check named must catch each
  node-failure a node fails during the rollout (the twin's node-failure fault
             at a chosen mutating call: the drained node during its install,
             the node a VM is being started on, a node outside the step): the
             script stops (exit 1), leaves the cluster serviceable (no node
             left paused unless a line says so, every VM running, or named in
             a warning, or taken down by the failure itself), the invariants
             hold; the node comes back (its pending driver loaded, as its
             reboot would), and the script run again converges
  batch      (Hyper-V, --hosts-at-once) the call log, per batch: every node
             drained before any installs, every install before any restart,
             one Restart-Computer -Wait naming every node of the batch, every
             restart before any resume; with DrainSeconds (each drain taking
             that long on the virtual clock) the drains of a batch overlapping
             (the twin's node-drain events); planted: the batch one host after
             another, the nodes restarted one by one, each drain waited for
             before the next, drains with -Wait, the nodes not resumed after a
             failure (node-failure adds two points inside each batch)
  arc        Azure Local VMs enabled by Arc (`vm-management arc`): the
             converge run stops and starts them only through Azure (az
             stack-hci-vm stop|start, the twin refuses Stop-/Start-VM of an
             Arc VM); refused with zero calls when az is missing or Azure
             does not know a VM in the resource group; planted: the VMs
             stopped with Stop-VM, caught
  host-failure (vSphere) a host other than the upgraded one fails (the
             node-failure fault: it stops responding, vSphere HA restarts
             its VMs where they can start) before the drain, during it, as
             the drained host enters maintenance mode and after the reboot;
             and the step's first rebooted host fails while it reboots (never
             back: named in a warning, left in maintenance mode, the other
             hosts of its batch finished): exit 1, no VM moved onto it, no
             later step started, the cluster serviceable, the invariants; the
             host comes back (in maintenance mode, when it failed rebooting)
             and the rerun converges
  batch      (vSphere, --hosts-at-once) each batch's hosts together, phase by
             phase: every host of a batch in maintenance mode before any of
             them installs, each rebooted once and the reboots overlapping (the
             twin's hosts take RebootSeconds to come back, seen by vCenter
             RebootUnseenSeconds after the call), and the maintenance-mode
             entries overlapping (MaintenanceSeconds each); a host of the batch
             fails as it is to enter maintenance mode (the others leave it, no
             install) and as it is to reboot (the others, rebooting, are waited
             for, verified and leave maintenance mode); the rerun converges;
             planted: the hosts one by one, each maintenance-mode entry waited
             for before the next, maintenance mode entered synchronously, each
             reboot waited for before the next, the wait not comparing boot times, a failed reboot not
             waiting for the others
  host-failure-step2, host-failure-drain (vSphere) the host-failure checks
             in the second host step of a multi-host rollout, and in a
             `--drain HOST` run (no change; a failure in or after its last
             step fails the run: exit 1); a VM vSphere HA restarted that no
             step moves may stay where HA put it
  stale-module (vSphere) a host reboots with its old nvidia module loaded:
             the verify fails, the host stays in maintenance mode, the rerun
             converges
  daemon     (vSphere) a host has another NVIDIA component beside the driver
             (no daemon): the rollout converges, a note names it, it is left as
             it is, the rerun changes nothing; every host of the plan has the
             NVIDIA GPU Management Daemon of another release and no
             -DaemonDepotPath is given: refused, zero calls, the host and its
             daemon's version named
  daemon-update (vSphere) every host has the daemon of its release; with
             -DaemonDepotPath the rollout installs the daemon of the new
             release after the driver, before the reboot: converge (driver and
             daemon of the new release on every host, each daemon install a
             step done in the -LogPath record), rerun (zero calls),
             preview (the daemon install shown, zero calls), the pre-flight
             refusals (no daemon depot: both versions named; a relative path),
             a daemon depot missing on the datastore (the twin refuses the
             install; the host stays in maintenance mode, named), a fault at
             each mutating call (each apply by its depot) and the resumed run;
             planted: the daemon not installed, the refusal skipped, the
             daemon reinstalled on a rerun
  license    a rollout that upgrades the license server first: refused until
             -LicenseServerReady says it is done, then converges
  legs       a rollout through an intermediate release: the first run stops at
             the guest step (exit 1, waiting), the owners upgrade the guests
             (the state edited), the second with -GuestStepDone converges
  guests     the guest phase (docs/rollout.md): with -GuestCredential the
             script reads each guest's driver through PowerShell Direct, waits
             and names the VMs still to upgrade, and goes on by itself once they
             all run the new driver; wrong credentials: still waiting, the
             error named; -GuestStepDone without the upgrade: the twin records
             the vGPUs that fail to load (the invariant below catches it);
             on vSphere (ESXi L40 17.6 -> 18.4) the guests are read through
             VMware Tools (Invoke-VMScript): every VM of the guest step is named
             with what it runs and needs, a guest left on the old driver is
             named and only it, wrong credentials and a powered-off guest are
             named with why, and the step is done once all run the new driver

Every check that runs a script also asserts the rollout's two invariants on
the twin's events (tests/twin/README.md, "Guest drivers"): no VM ever ran with
a vGPU that failed to load (its guest driver incompatible with the host's vGPU
Manager), and no VM the plan live-migrates ever went down.
Prints each failure and `N passed, M failed`; exit 1 when any failed.

The checks are in three files this script dot-sources: RolloutScenarios.Shared.ps1
(the verdicts, the guest drivers and invariants, the drain rerun and decline checks of
both platforms), RolloutScenarios.HyperV.ps1 (Invoke-Case and the Hyper-V family
checks) and RolloutScenarios.VSphere.ps1 (Invoke-VmwCase and the vSphere checks).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$Vgpuc,
    [Parameter(Mandatory)][string]$Work,
    [string]$Filter = '',
    # Run only these checks of each case (e.g. planted, or converge,rerun); default all.
    [string[]]$Only = @()
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
Import-Module -Name (Join-Path $PSScriptRoot 'ScenarioModel.psm1')
Import-Module -Name (Join-Path $PSScriptRoot 'ScenarioState.psm1')
Import-Module -Name (Join-Path $PSScriptRoot 'ScenarioVmware.psm1')
Import-Module -Name (Join-Path $root 'tests/twin/Twin.psm1')

$Today = '2026-11-21'
$Cases = @(
    @{ Name = 'hci-small-16.5-to-19.5'; Args = @('tests/twin/scenarios/rollout/hci-small-16.5.vgpu', 'tests/twin/scenarios/rollout/hci-small-19.5.vgpu')
        Checks = @('converge', 'rerun', 'preview', 'faults', 'preflight', 'planted', 'node-failure') }
    @{ Name = 'hci-small-license'; Args = @('tests/twin/scenarios/rollout/hci-small-16.5-dls33.vgpu', 'tests/twin/scenarios/rollout/hci-small-19.5.vgpu')
        Checks = @('license') }
    @{ Name = 'hci-a16-16.5-to-19.5'; Args = @('tests/golden/rollout/in/hci-16.5.vgpu', 'tests/golden/rollout/in/hci-19.5.vgpu')
        Checks = @('converge', 'rerun', 'preview') }
    @{ Name = 'hci-a16-two-at-once'; DrainSeconds = 60; Args = @('--hosts-at-once', '2', '--order', 'hci-node-04,hci-node-03', 'tests/golden/rollout/in/hci-16.5.vgpu', 'tests/golden/rollout/in/hci-19.5.vgpu')
        Checks = @('converge', 'rerun', 'preview', 'batch', 'drain-decline', 'faults', 'node-failure') }
    @{ Name = 'hci-a16-16.5-to-20.1'; Args = @('tests/golden/rollout/in/hci-16.5.vgpu', 'tests/golden/rollout/in/hci-20.1.vgpu')
        Checks = @('legs', 'guests') }
    @{ Name = 'drain-mixed-dda-gpup'; Args = @('--drain', 'hci-01', 'examples/mixed-dda-gpup.vgpu'); Checks = @('converge', 'preview', 'drain-rerun') }
    @{ Name = 'drain-hci-a16-gpup'; Args = @('--drain', 'hci-node-01', 'examples/hci-a16-gpup.vgpu'); Checks = @('converge', 'preview', 'drain-rerun') }
    @{ Name = 'drain-ws2025-gpup-live'; Args = @('--drain', 'ws-gpu-1', 'examples/ws2025-gpup-live.vgpu'); Checks = @('converge', 'preview', 'drain-rerun') }
    @{ Name = 'drain-azure-local-12'; Args = @('--drain', 'al-node-02', 'examples/azure-local-12.vgpu'); Checks = @('converge', 'preview', 'drain-rerun') }
    @{ Name = 'drain-azure-local-arc'; Args = @('--drain', 'azl-branch-01', 'examples/azure-local-arc.vgpu'); Checks = @('converge', 'preview', 'drain-rerun', 'faults', 'arc') }
    # vSphere (Invoke-VmwCase, below): the same checks on the vCenter twin, plus vLCM.
    @{ Name = 'esxi-l40-17.6-to-18.4'; Platform = 'vmware'; Args = @('tests/golden/rollout/in/esxi-17.6.vgpu', 'tests/golden/rollout/in/esxi-18.4.vgpu')
        Checks = @('converge', 'rerun', 'preview', 'faults', 'preflight', 'planted', 'vlcm', 'host-failure', 'stale-module', 'guests') }
    # Two hosts at once: each batch's hosts together, phase by phase (the hosts take 300 s
    # to reboot on the virtual clock, so reboots one after another are seen, and vCenter
    # sees each reboot only 30 s after the call, so the one wait must compare boot times;
    # entering maintenance mode takes 60 s, so entries one after another are seen too).
    @{ Name = 'esxi-l40-two-at-once'; Platform = 'vmware'; RebootSeconds = 300; RebootUnseenSeconds = 30; MaintenanceSeconds = 60; Args = @('--hosts-at-once', '2', 'tests/golden/rollout/in/esxi-17.6.vgpu', 'tests/golden/rollout/in/esxi-18.4.vgpu')
        Checks = @('converge', 'rerun', 'preview', 'faults', 'batch', 'host-failure') }
    @{ Name = 'drain-esxi-l40-vgpu'; Platform = 'vmware'; Args = @('--drain', 'esx-01', 'examples/esxi-l40-vgpu.vgpu'); Checks = @('converge', 'preview', 'drain-rerun') }
    @{ Name = 'esxi-l40-daemon'; Platform = 'vmware'; Args = @('tests/golden/rollout/in/esxi-17.6.vgpu', 'tests/golden/rollout/in/esxi-18.4.vgpu'); Checks = @('daemon') }
    @{ Name = 'esxi-l40-daemon-update'; Platform = 'vmware'; Args = @('tests/golden/rollout/in/esxi-17.6.vgpu', 'tests/golden/rollout/in/esxi-18.4.vgpu'); Checks = @('daemon-update') }
    @{ Name = 'esxi-l40-later-step-failure'; Platform = 'vmware'; Args = @('tests/golden/rollout/in/esxi-17.6.vgpu', 'tests/golden/rollout/in/esxi-18.4.vgpu'); Checks = @('host-failure-step2') }
    @{ Name = 'drain-esxi-l40-failure'; Platform = 'vmware'; Args = @('--drain', 'esx-01', 'examples/esxi-l40-vgpu.vgpu'); Checks = @('host-failure-drain') }
)

$script:Pass = 0
$script:Fail = 0

# The checks, per platform (dot-sourced: their functions run in this script's scope).
. (Join-Path $PSScriptRoot 'RolloutScenarios.Shared.ps1')
. (Join-Path $PSScriptRoot 'RolloutScenarios.HyperV.ps1')
. (Join-Path $PSScriptRoot 'RolloutScenarios.VSphere.ps1')

$script:Catalog = Get-ScenarioCatalog -Vgpuc $Vgpuc
$started = Get-Date
foreach ($case in $Cases) {
    if ($Filter -and $case.Name -notlike $Filter) { continue }
    $Only = @($Only | ForEach-Object { $_ -split ',' } | Where-Object { $_ })   # `-Only a,b` through pwsh -File
    if ($Only.Count -gt 0) {
        $case.Checks = @($case.Checks | Where-Object { $Only -contains $_ })
    }
    try {
        if ($case.ContainsKey('Platform') -and $case.Platform -eq 'vmware') { Invoke-VmwCase $case } else { Invoke-Case $case }
    } catch {
        $script:Fail++
        Write-Host ('FAIL {0}: {1}' -f $case.Name, $_.Exception.Message)
        Write-Host $_.ScriptStackTrace
    }
}
Write-Host ('rollout scenarios: {0:N0} s' -f ((Get-Date) - $started).TotalSeconds)
Write-Host ('{0} passed, {1} failed' -f $script:Pass, $script:Fail)
if ($script:Fail -gt 0) { exit 1 }
exit 0
