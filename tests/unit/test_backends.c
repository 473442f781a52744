/*
 * test_backends.c - the hyperv, vmware and json generators on hand-built
 * models and plans: the documented cmdlet forms appear, names are quoted,
 * the plan's DDA GPU choice and owners reach the script, sections depend on
 * the cluster (clustered, GPU-P, DDA, live migration, pinned VMs), and the
 * output is the same bytes every time.
 */
#include "unit.h"

#include "backends/backend.h"

/* Synthetic catalog facts: test data, not real releases or GPUs. */
static struct vg_release rel = {.name = "90.1", .num = 90001};
static const struct vg_release *const rels[] = {&rel};
static struct vg_gpu gpu = {.model = "GX",
                            .name = "Test GX",
                            .fb_mb = 16384,
                            .gpus_per_board = 1,
                            .vendor_id = 0x10DE,
                            .device_id = 0x1234,
                            .large_bar = 1,
                            .mmio64_gb = 48};
static struct vg_profile prof = {.name = "GX-4Q", .series = 'Q', .fb_mb = 4096, .gpu = &gpu};
static struct vg_platform hvplat = {.family = "azure-local",
                                    .version = "99.1",
                                    .kind = VG_FAMILY_HYPERV,
                                    .host_driver = VG_DRV_HOST_HYPERV,
                                    .lm_vgpu = 1};
static struct vg_platform wsplat = {
    .family = "windows-server", .version = "2099", .kind = VG_FAMILY_HYPERV, .host_driver = VG_DRV_HOST_HYPERV};
static struct vg_platform esxplat = {
    .family = "esxi", .version = "99.0", .kind = VG_FAMILY_VSPHERE, .host_driver = VG_DRV_HOST_ESXI};

struct fixture {
    struct vg_ctx ctx;
    struct vg_cluster c;
    struct vg_host h[2], *hp[2];
    struct vg_host_gpu hg[2];
    struct vg_vm v[2], *vp[2];
    struct vg_vm_spans vs;
    struct vg_cluster_plan p;
    struct vg_pgpu pg[4];
    uint32_t first[2], g0, g1;
    struct vg_placement place[2];
};

static struct vg_emit_info info = {"vgpuc 0.0.0-test", "t.vgpu", "00ff"};

static struct fixture *fixture_new(const struct vg_platform *plat, size_t nhosts)
{
    struct fixture *f = test_calloc(1, sizeof *f);
    rel.driver[VG_DRV_HOST_HYPERV] = "111.22";
    rel.driver[VG_DRV_HOST_ESXI] = "111.22.33";
    vg_ctx_init(&f->ctx);
    f->c.name = "prod'x";
    f->c.platform = plat;
    f->c.family = plat->family;
    f->c.version = plat->version;
    f->c.kind = plat->kind;
    for (size_t i = 0; i < 2; i++) {
        f->hg[i] = (struct vg_host_gpu){&gpu, "GX", 2, {0, 0, 0}};
        f->h[i].name = i ? "node-2" : "node-1";
        f->h[i].index = (uint32_t)i;
        f->h[i].cluster = &f->c;
        f->h[i].gpus = &f->hg[i];
        f->h[i].ngpus = 1;
        f->h[i].npgpus = 2;
        f->h[i].manager.rel = rels;
        f->h[i].manager.nrel = 1;
        f->hp[i] = &f->h[i];
        f->first[i] = (uint32_t)(2 * i);
    }
    for (uint32_t k = 0; k < 4; k++)
        f->pg[k] = (struct vg_pgpu){&f->h[k / 2], k % 2, k % 2, &gpu, VG_PGPU_FREE, NULL, 0, 0, 0, 0};
    f->c.hosts = f->hp;
    f->c.nhosts = nhosts;
    /* vm 0: a vGPU / GPU-P VM with live migration */
    f->v[0].name = "vdi'1; $(Remove-Item C:\\)";
    f->v[0].index = 0;
    f->v[0].mode = VG_MODE_VGPU;
    f->v[0].profile = &prof;
    f->v[0].gpu_model = &gpu;
    f->v[0].count = 1;
    f->v[0].migration = VG_MIG_LIVE;
    /* vm 1: one pass-through GPU, pinned to node-1 */
    f->v[1].name = "cad\xE2\x80\x99"
                   "01";
    f->v[1].index = 1;
    f->v[1].mode = VG_MODE_PASSTHROUGH;
    f->v[1].gpu_model = &gpu;
    f->v[1].count = 1;
    f->v[1].migration = VG_MIG_NONE;
    f->v[1].pin = &f->h[0];
    for (size_t i = 0; i < 2; i++) {
        f->v[i].cluster = &f->c;
        f->vp[i] = &f->v[i];
    }
    f->c.vms = f->vp;
    f->c.nvms = 2;
    f->pg[0].use = VG_PGPU_VGPU;
    f->pg[0].profile = &prof;
    f->pg[0].nvgpus = 1;
    f->pg[1].use = VG_PGPU_PASSTHROUGH;
    f->g0 = 0;
    f->g1 = 1;
    f->place[0] = (struct vg_placement){&f->h[0], &f->g0, 1, NULL};
    f->place[1] = (struct vg_placement){&f->h[0], &f->g1, 1, NULL};
    f->p.cluster = &f->c;
    f->p.pgpus = f->pg;
    f->p.npgpus = 2 * nhosts;
    f->p.host_first = f->first;
    f->p.place = f->place;
    f->p.partitions = 4;
    return f;
}

static void fixture_free(struct fixture *f)
{
    vg_ctx_free(&f->ctx);
    test_free(f);
}

typedef void (*emit_fn)(const struct vg_ctx *, const struct vg_cluster *, const struct vg_cluster_plan *,
                        const struct vg_emit_info *, struct vg_strbuf *);

static char *run(struct fixture *f, emit_fn fn)
{
    struct vg_strbuf sb;
    char *r;
    vg_sb_init(&sb);
    fn(&f->ctx, &f->c, &f->p, &info, &sb);
    r = vg_strdup(f->ctx.arena, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return r;
}

#define HAS(s, sub) assert_non_null(strstr((s), (sub)))
#define HASNT(s, sub) assert_null(strstr((s), (sub)))

/* The data section of a Hyper-V script: from `$VgpucDeclared` to the entry call. */
static const char *hv_data(const char *s)
{
    const char *d = strstr(s, "\n$VgpucDeclared = [pscustomobject]@{\n");
    assert_non_null(d);
    return d;
}

static void test_hyperv_clustered(void **state)
{
    struct fixture *f = fixture_new(&hvplat, 2);
    char *s = run(f, vg_emit_hyperv);
    const char *d = hv_data(s);
    (void)state;
    HAS(s, "#Requires -Modules Hyper-V, FailoverClusters\n");
    /* the script's parameters (docs/backends.md) */
    HAS(s, "[string[]]$VMName = @(),\n");
    HAS(s, "[string[]]$HostName = @(),\n");
    HAS(s, "[switch]$RemoveUndeclared,\n");
    HAS(s, "[int]$ShutdownTimeoutSeconds = 600,\n");
    HAS(s, "[string]$LogPath = ''\n)\n");
    /* the runtime is embedded, the data follows it, one entry call ends the script */
    HAS(s, "function Invoke-VgpucTransaction {");
    HAS(s, "function Invoke-VgpucHyperV {");
    assert_true(strstr(s, "function Invoke-VgpucHyperV {") < d);
    HAS(d, "    Cluster = 'prod''x'\n");
    HAS(d, "    Clustered = $true\n    PartitionCount = 4\n    PoolName = 'GpuChildPool'\n");
    HAS(d, "[pscustomobject]@{ Model = 'GX'; Ids = @('10DE:1234') }");
    /* node-1: its DDA GPU; node-2: none (no failover reserve without tolerate-host-failures) */
    HAS(d,
        "Name = 'node-1'; Driver = '111.22'; ServesGpuP = $true; DdaOnly = $false; Gpus = @([pscustomobject]@{ Model = "
        "'GX'; Count = 2; Dda = 1 }) }");
    HAS(d,
        "Name = 'node-2'; Driver = '111.22'; ServesGpuP = $true; DdaOnly = $false; Gpus = @([pscustomobject]@{ Model = "
        "'GX'; Count = 2; Dda = 0 }) }");
    /* quotes doubled, the Unicode right single quote too */
    HAS(d,
        "Name = 'vdi''1; $(Remove-Item C:\\)'; Mode = 'GpuP'; Model = 'GX'; Count = 1; Host = 'node-1'; "
        "Owners = @('node-1', 'node-2'); Preferred = @('node-1', 'node-2'); MemoryBytes = 0; Generation = 2; "
        "LowMmio = 1GB; HighMmio = 32GB; Live = $true }");
    HAS(d,
        "Name = 'cad\xE2\x80\x99\xE2\x80\x99"
        "01'; Mode = 'Dda'; Model = 'GX'; Count = 1; Host = 'node-1'; "
        "Owners = @('node-1'); Preferred = @(); MemoryBytes = 0; Generation = 2; LowMmio = 3GB; HighMmio = 33280MB; "
        "Live = $false }");
    HAS(d,
        "}\n\nexit (Invoke-VgpucHyperV -Declared $VgpucDeclared -VMName $VMName -HostName $HostName "
        "-RemoveUndeclared:$RemoveUndeclared -ShutdownTimeoutSeconds $ShutdownTimeoutSeconds -LogPath $LogPath)\n");
    /* the script ends with the entry call */
    assert_string_equal(s + strlen(s) - strlen("-LogPath $LogPath)\n"), "-LogPath $LogPath)\n");
    HASNT(s, "-TurnOff");
    HASNT(s, "-ClusterId"); /* must not appear: the parameter does not exist */
    /* a name appears once, in the data section, never in code */
    assert_null(strstr(strstr(s, "vdi''1") + 1, "vdi"));
    fixture_free(f);
}

static void test_hyperv_standalone(void **state)
{
    struct fixture *f = fixture_new(&wsplat, 1);
    char *s;
    const char *d;
    (void)state;
    f->v[0].migration = VG_MIG_RESTART;
    f->v[1].mmio_low = 2ull << 30;
    f->v[1].memory_bytes = 48ull << 30;
    f->v[1].generation = 2;
    f->vs.at[VG_AT_GENERATION].file = 1; /* declared, so checked */
    f->v[1].spans = &f->vs;
    s = run(f, vg_emit_hyperv);
    d = hv_data(s);
    HAS(s, "#Requires -Modules Hyper-V\n");
    HAS(d, "    Clustered = $false\n    PartitionCount = 4\n    PoolName = ''\n");
    HAS(d, "Preferred = @(); MemoryBytes = 48GB; Generation = 2; LowMmio = 2GB; HighMmio = 33280MB; Live = $false }");
    HASNT(s, "#Requires -Modules Hyper-V, FailoverClusters");
    fixture_free(f);
}

/* Clustered DDA with host failures tolerated: the reserve GPUs of other
 * hosts go to the pool for a DDA VM that can move, not only the GPU it runs on. */
static void test_hyperv_dda_reserve(void **state)
{
    struct fixture *f = fixture_new(&hvplat, 2);
    uint8_t reserve[4] = {0, 0, 1, 1};
    char *s;
    (void)state;
    f->c.tolerate = 1;
    f->v[1].pin = NULL; /* cad01 may run on either node */
    f->p.reserve = reserve;
    f->p.nreserve = 2;
    s = run(f, vg_emit_hyperv);
    HAS(s,
        "Name = 'node-2'; Driver = '111.22'; ServesGpuP = $true; DdaOnly = $false; Gpus = @([pscustomobject]@{ Model = "
        "'GX'; Count = 2; Dda = 1 }) }");
    HAS(s,
        "Owners = @('node-1', 'node-2'); Preferred = @('node-1', 'node-2'); MemoryBytes = 0; Generation = 2; LowMmio = "
        "3GB");
    fixture_free(f);
}

/* vm-management arc: the resource group reaches the data, and no GPU pool is
 * used (az stack-hci-vm gpu attach takes DDA GPUs from the dismounted ones). */
static void test_hyperv_arc(void **state)
{
    struct fixture *f = fixture_new(&hvplat, 2);
    struct vg_arc arc = {.resource_group = "rg-'x"};
    char *s;
    (void)state;
    f->c.arc = &arc;
    s = run(f, vg_emit_hyperv);
    HAS(s,
        "    PoolName = ''\n    MitigationDriver = $false\n    Arc = [pscustomobject]@{ ResourceGroup = 'rg-''x' }\n");
    f->c.arc = NULL;
    s = run(f, vg_emit_hyperv);
    HAS(s, "    PoolName = 'GpuChildPool'\n    MitigationDriver = $false\n    Arc = $null\n");
    fixture_free(f);
}

/* A name with control characters never puts a raw control character in the script. */
static void test_hyperv_control_characters(void **state)
{
    struct fixture *f = fixture_new(&wsplat, 1);
    char *s;
    (void)state;
    f->v[0].name = "line\nRemove-Item x\x1b[2J";
    s = run(f, vg_emit_hyperv);
    HAS(s, "Name = ('line' + [char]0x000A + 'Remove-Item x' + [char]0x001B + '[2J'); Mode = 'GpuP'");
    HASNT(s, "\nRemove-Item x");
    for (const char *p = s; *p; p++)
        assert_true((unsigned char)*p >= 0x20 || *p == '\n');
    fixture_free(f);
}

static void test_hyperv_deterministic(void **state)
{
    struct fixture *f = fixture_new(&hvplat, 2);
    char *a = run(f, vg_emit_hyperv), *b = run(f, vg_emit_hyperv);
    (void)state;
    assert_string_equal(a, b);
    fixture_free(f);
}

/* The data section of a vSphere script: from `$VgpucCluster` to the entry call. */
static const char *vmw_data(const char *s)
{
    const char *d = strstr(s, "\n$VgpucCluster = [pscustomobject]@{ Name = ");
    assert_non_null(d);
    return d;
}

static void test_vmware(void **state)
{
    struct fixture *f = fixture_new(&esxplat, 2);
    char *s = run(f, vg_emit_vmware);
    const char *d = vmw_data(s);
    (void)state;
    HAS(s, "#Requires -Modules VMware.VimAutomation.Core\n");
    HAS(s, "[Parameter(Mandatory)]\n    [string]$Server,\n    [pscredential]$Credential,");
    HAS(s, "[string[]]$VMName = @(),\n    [string[]]$HostName = @(),");
    HAS(s, "[switch]$RemoveUndeclared,");
    HAS(s, "[string]$LogPath\n)");
    /* the runtime (common.ps1, then vmware.ps1) before the data, one entry call at the end */
    HAS(s, "function Invoke-VgpucTransaction {");
    HAS(s, "function Invoke-VgpucVmware {");
    assert_true(strstr(s, "function Invoke-VgpucTransaction {") < strstr(s, "function Invoke-VgpucVmware {"));
    assert_true(strstr(s, "function Invoke-VgpucVmware {") < d);
    assert_string_equal(s + strlen(s) - strlen("exit (Invoke-VgpucVmware @VgpucArgs)\n"),
                        "exit (Invoke-VgpucVmware @VgpucArgs)\n");
    HAS(d, "$VgpucCluster = [pscustomobject]@{ Name = 'prod''x'; HotMigrate = $true }\n");
    /* node-1: one GPU of the plan's for DirectPath I/O; node-2 none */
    HAS(d,
        "Name = 'node-1'; Driver = '111.22.33'; VgpuHost = $true; VgpuMode = 'sameSize'; Graphics = 'sharedDirect'; "
        "Gpus = @([pscustomobject]@{ Model = 'GX'; VendorId = 0x10DE; DeviceId = 0x1234; SubVendorId = $null; "
        "SubDeviceId = $null; FbMb = 16384; Count = 2 }); "
        "Passthrough = @([pscustomobject]@{ Model = 'GX'; VendorId = 0x10DE; DeviceId = 0x1234; SubVendorId = $null; "
        "SubDeviceId = $null; Count = 1 }) }");
    HAS(d,
        "Name = 'node-2'; Driver = '111.22.33'; VgpuHost = $true; VgpuMode = 'sameSize'; Graphics = 'sharedDirect'; "
        "Gpus = @([pscustomobject]@{ Model = 'GX'; VendorId = 0x10DE; DeviceId = 0x1234; SubVendorId = $null; "
        "SubDeviceId = $null; FbMb = 16384; Count = 2 }); Passthrough = @() }");
    /* vGPU: the profile string; a Q profile needs no 64-bit MMIO */
    HAS(d,
        "Name = 'vdi''1; $(Remove-Item C:\\)'; Mode = 'vgpu'; Count = 1; Profile = 'grid_gx-4q'; Host = 'node-1'; "
        "Pinned = $false; Owners = @('node-1', 'node-2'); GpuModel = 'GX'; VendorId = $null; DeviceId = $null; "
        "SubVendorId = $null; SubDeviceId = $null; ProfileFbMb = 4096; ProfileMax = 0; ProfileMaxMixed = 0; "
        "MemoryMB = 0; Mmio64Gb = 0; Efi = $false; Firmware = 'efi' }");
    /* pass-through: ids from the catalog, 48 GB rounded up to 64, EFI; the Unicode quote doubled */
    HAS(d,
        "Name = 'cad\xE2\x80\x99\xE2\x80\x99"
        "01'; Mode = 'passthrough'; Count = 1; Profile = $null; Host = 'node-1'; "
        "Pinned = $true; Owners = @('node-1'); GpuModel = 'GX'; VendorId = 0x10DE; DeviceId = 0x1234; "
        "SubVendorId = $null; SubDeviceId = $null; ProfileFbMb = 0; ProfileMax = 0; ProfileMaxMixed = 0; "
        "MemoryMB = 0; Mmio64Gb = 64; Efi = $true; Firmware = 'efi' }");
    /* the vSphere API members, never invented cmdlets */
    HAS(s, "VirtualPCIPassthroughVmiopBackingInfo");
    HAS(s, "VirtualPCIPassthroughDynamicBackingInfo");
    HAS(s, "$spec.MemoryReservationLockedToMax = $true");
    HAS(s, "$services.RestartService('xorg')");
    HAS(s, "Get-VM -Location $inv.Cluster -Server $Connection");
    HASNT(s, "Get-VM -Name");
    HASNT(s, "New-VGpuDevice");  /* must not appear: PowerCLI has no vGPU cmdlets */
    HASNT(s, "Get-VGpuProfile"); /* must not appear: invented cmdlet */
    /* a name appears once, in the data section, never in code */
    assert_null(strstr(strstr(s, "vdi''1") + 1, "vdi"));
    fixture_free(f);
}

/* A C-series vGPU needs 64-bit MMIO (at least 64 GB per GPU, catalog size if larger) and EFI;
 * mixed-size is written per host; no live migration, no pin: no hot-migrate setting. */
static void test_vmware_c_series_mixed(void **state)
{
    struct fixture *f = fixture_new(&esxplat, 2);
    static struct vg_profile cprof = {.name = "GX-8C", .series = 'C', .fb_mb = 8192, .gpu = &gpu};
    char *s;
    (void)state;
    f->v[0].profile = &cprof;
    f->v[0].count = 2;
    f->v[0].migration = VG_MIG_RESTART;
    f->v[1].pin = NULL;
    f->h[1].vgpu_mode = VG_VGPU_MIXED_SIZE;
    s = run(f, vg_emit_vmware);
    HAS(s, "HotMigrate = $false }");
    HAS(s, "Name = 'node-2'; Driver = '111.22.33'; VgpuHost = $true; VgpuMode = 'mixedSize';");
    HAS(s, "Profile = 'grid_gx-8c'; Host = 'node-1'; Pinned = $false;");
    HAS(s,
        "ProfileFbMb = 8192; ProfileMax = 0; ProfileMaxMixed = 0; MemoryMB = 0; Mmio64Gb = 128; Efi = $true; "
        "Firmware = 'efi' }"); /* 64 x 2 GPUs */
    fixture_free(f);
}

/* A model without catalog PCI ids: $null, the runtime reads them on the planned host. */
static void test_vmware_unknown_device_id(void **state)
{
    struct fixture *f = fixture_new(&esxplat, 2);
    char *s;
    (void)state;
    gpu.device_id = 0;
    f->v[0].migration = VG_MIG_RESTART;
    f->v[1].pin = NULL;
    f->v[1].memory_bytes = 64ull << 30;
    s = run(f, vg_emit_vmware);
    gpu.device_id = 0x1234;
    HAS(s,
        "Mode = 'passthrough'; Count = 1; Profile = $null; Host = 'node-1'; Pinned = $false; "
        "Owners = @('node-1', 'node-2'); GpuModel = 'GX'; VendorId = $null; DeviceId = $null; SubVendorId = $null; "
        "SubDeviceId = $null; ProfileFbMb = 0; ProfileMax = 0; ProfileMaxMixed = 0; MemoryMB = 65536;");
    HAS(s, "HotMigrate = $false }");
    fixture_free(f);
}

/* The PCI subsystem where the catalog has it (A2 / A16 share a device id), the vGPU's
 * size and maxima, a declared `graphics shared` (no vGPU host then), `firmware bios`, and
 * no Graphics for a host that declares none and may run no vGPU. */
static void test_vmware_subsystem_graphics_firmware(void **state)
{
    struct fixture *f = fixture_new(&esxplat, 2);
    static struct vg_profile mprof = {
        .name = "GX-4Q", .series = 'Q', .fb_mb = 4096, .max_same = 4, .max_mixed = 3, .gpu = &gpu};
    char *s;
    (void)state;
    gpu.subvendor_id = 0x10DE;
    gpu.subdevice_id = 0x157E;
    f->v[0].profile = &mprof;
    f->v[0].pin = &f->h[0];
    f->v[0].firmware = VG_FW_BIOS;
    f->h[0].graphics = VG_GRAPHICS_SHARED;
    f->h[0].graphics_span.file = 1;
    s = run(f, vg_emit_vmware);
    gpu.subvendor_id = 0;
    gpu.subdevice_id = 0;
    HAS(s,
        "Name = 'node-1'; Driver = '111.22.33'; VgpuHost = $false; VgpuMode = 'sameSize'; Graphics = 'shared'; "
        "Gpus = @([pscustomobject]@{ Model = 'GX'; VendorId = 0x10DE; DeviceId = 0x1234; SubVendorId = 0x10DE; "
        "SubDeviceId = 0x157E; FbMb = 16384; Count = 2 });");
    HAS(s, "Name = 'node-2'; Driver = '111.22.33'; VgpuHost = $false; VgpuMode = 'sameSize'; Graphics = $null;");
    HAS(s,
        "ProfileFbMb = 4096; ProfileMax = 4; ProfileMaxMixed = 3; MemoryMB = 0; Mmio64Gb = 0; Efi = $false; "
        "Firmware = 'bios' }");
    HAS(s, "VendorId = 0x10DE; DeviceId = 0x1234; SubVendorId = 0x10DE; SubDeviceId = 0x157E; ProfileFbMb = 0;");
    fixture_free(f);
}

static void test_json(void **state)
{
    struct fixture *f = fixture_new(&hvplat, 2);
    char *s = run(f, vg_emit_json);
    (void)state;
    {
        static const char want[] = "{\n  \"format_version\": \"2.0\",\n  \"tool\": {\n    \"name\": \"vgpuc\",\n"
                                   "    \"version\": \"" VGPUC_VERSION "\"\n  },\n  \"source\": {";
        assert_memory_equal(s, want, sizeof want - 1);
    }
    HAS(s, "\"gpu_partitions\": 4,\n    \"arc\": null,\n    \"hosts\"");
    HAS(s,
        "\"boards\": 2,\n            \"pci\": {\n              \"vendor\": \"10DE\",\n"
        "              \"device\": \"1234\"\n            }\n");
    HAS(s, "\"name\": \"prod'x\"");
    HAS(s, "\"name\": \"vdi'1; $(Remove-Item C:\\\\)\"");
    HAS(s, "\"target\": \"hyperv\"");
    HAS(s, "\"gpu_partitions\": 4");
    HAS(s, "\"use\": \"passthrough\"");
    HAS(s, "\"placement\": {\n          \"host\": \"node-1\",\n          \"gpus\": [\n            1\n          ]");
    assert_string_equal(s, run(f, vg_emit_json));
    fixture_free(f);
}

/* 1.1: the Arc settings, and PCI ids as 4 upper-case hex digits or null. */
static void test_json_arc_pci(void **state)
{
    static struct vg_gpu hexgpu = {.model = "HX", .gpus_per_board = 1, .vendor_id = 0x10de, .device_id = 0x2b5a};
    static struct vg_gpu noids = {.model = "NX", .gpus_per_board = 1};
    struct fixture *f = fixture_new(&hvplat, 2);
    struct vg_arc arc = {.resource_group = "rg-(prod).eu_1\"x"};
    (void)state;
    f->c.arc = &arc;
    f->hg[0].model = &hexgpu;
    f->hg[1].model = &noids;
    char *s = run(f, vg_emit_json);
    HAS(s, "\"arc\": {\n      \"resource_group\": \"rg-(prod).eu_1\\\"x\"\n    },\n    \"hosts\"");
    HAS(s, "\"pci\": {\n              \"vendor\": \"10DE\",\n              \"device\": \"2B5A\"\n            }");
    HAS(s, "\"boards\": 2,\n            \"pci\": null\n");
    static struct vg_gpu vendor_only = {.model = "VX", .gpus_per_board = 1, .vendor_id = 0x10DE};
    f->hg[1].model = &vendor_only; /* half an id is no id */
    HAS(run(f, vg_emit_json), "\"model\": \"VX\",\n            \"boards\": 2,\n            \"pci\": null\n");
    f->hg[1].model = NULL; /* an unknown model */
    HAS(run(f, vg_emit_json), "\"model\": \"GX\",\n            \"boards\": 2,\n            \"pci\": null\n");
    fixture_free(f);
}

static void test_target_for(void **state)
{
    struct fixture *f = fixture_new(&esxplat, 1);
    (void)state;
    assert_int_equal(vg_target_for(&f->c), VG_TARGET_VMWARE);
    f->c.platform = NULL;
    f->c.kind = VG_FAMILY_HYPERV;
    assert_int_equal(vg_target_for(&f->c), VG_TARGET_HYPERV);
    f->c.kind = 0;
    assert_int_equal(vg_target_for(&f->c), VG_TARGET_AUTO);
    fixture_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hyperv_clustered),
        cmocka_unit_test(test_hyperv_standalone),
        cmocka_unit_test(test_hyperv_dda_reserve),
        cmocka_unit_test(test_hyperv_control_characters),
        cmocka_unit_test(test_hyperv_arc),
        cmocka_unit_test(test_hyperv_deterministic),
        cmocka_unit_test(test_vmware),
        cmocka_unit_test(test_vmware_c_series_mixed),
        cmocka_unit_test(test_vmware_unknown_device_id),
        cmocka_unit_test(test_vmware_subsystem_graphics_firmware),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_arc_pci),
        cmocka_unit_test(test_target_for),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
