/*
 * model.h - the resolved model: license servers, clusters, hosts, VMs.
 *
 * Built by model/ (model.c, build.c, names.c, resolve.c) from the syntax trees
 * after the schema check and range expansion; every reference (license server,
 * pinned host, GPU model, profile, platform, release) is resolved against the
 * model and the catalog. Objects keep the spans of the directives that set
 * them; a span with file 0 means the value is a default. Hosts and VMs made by
 * one range statement share their spans and a `range_group`, which lets rules
 * report them once. A VM's directive spans are read with vg_vm_at(): they are
 * kept once per statement layout, not per VM (struct vg_vm_spans).
 */
#ifndef VG_MODEL_H
#define VG_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "syntax/ast.h"
#include "catalog/catalog.h"
#include "core/ctx.h"
#include "base/hash.h"

enum vg_gpu_mode { VG_MODE_NONE = 0, VG_MODE_VGPU, VG_MODE_PASSTHROUGH };
enum vg_migration { VG_MIG_RESTART = 0, VG_MIG_LIVE, VG_MIG_NONE };
enum vg_os { VG_OS_WINDOWS = 0, VG_OS_LINUX };
enum vg_license_kind { VG_LIC_DLS = 1, VG_LIC_CLS, VG_LIC_LEGACY };
enum vg_graphics { VG_GRAPHICS_SHARED_DIRECT = 0, VG_GRAPHICS_SHARED };
enum vg_vgpu_mode { VG_VGPU_SAME_SIZE = 0, VG_VGPU_MIXED_SIZE };
enum vg_ws_edition { VG_EDITION_UNSET = 0, VG_EDITION_DATACENTER, VG_EDITION_STANDARD };
enum vg_firmware { VG_FW_EFI = 0, VG_FW_BIOS };

#define VG_MAX_RELEASES_PER_VERSION 4

/* A `vgpu-manager` or `guest-driver` value as written, and what it maps to
 * (32 bytes: every VM has one). */
struct vg_version_ref {
    const char *text;                    /* NULL if not given */
    const struct vg_release *const *rel; /* nrel of them, ascending; shared by
                                            every ref to the same value */
    struct vg_span span;
    uint16_t nrel;     /* 0 = unknown (VG2003 reported) or not given; at
                                 most VG_MAX_RELEASES_PER_VERSION */
    uint8_t is_driver; /* written as a driver version, not a release */
};

struct vg_license_server {
    const char *name;
    struct vg_span span, name_span;
    enum vg_license_kind kind;
    struct vg_span kind_span;
    const char *version;
    struct vg_span version_span; /* NULL if not given */
    unsigned editions;
    struct vg_span editions_span; /* VG_ED_* set */
};

struct vg_cluster;

struct vg_host_gpu {            /* one `gpu MODEL x N` line of a host */
    const struct vg_gpu *model; /* NULL if unknown (VG2001 reported) */
    const char *model_name;
    uint32_t boards; /* N */
    struct vg_span span;
};

struct vg_host {
    const char *name;
    struct vg_span span, name_span;
    uint32_t index; /* declaration order within the cluster */
    struct vg_cluster *cluster;
    struct vg_host_gpu *gpus;
    size_t ngpus;
    uint32_t npgpus;               /* physical GPUs: sum of boards x gpus_per_board */
    struct vg_version_ref manager; /* effective: the host's own or the cluster's */
    int manager_own;               /* set on the host itself */
    enum vg_graphics graphics;
    struct vg_span graphics_span;
    enum vg_vgpu_mode vgpu_mode;
    struct vg_span vgpu_mode_span;
    uint32_t range_group; /* 0 = declared alone */
    int drained;          /* rollout.c: in maintenance; placement uses none of its GPUs */
};

/* Where the directives of a `vm` statement are, by directive: what rules and
 * scripts point at when they speak of one line of a VM. */
enum vg_vm_at {
    VG_AT_GPU,     /* the `gpu` statement */
    VG_AT_GPU_ARG, /* its profile or model word */
    VG_AT_OS,
    VG_AT_MIGRATION,
    VG_AT_PIN, /* `host` */
    VG_AT_HOSTS,
    VG_AT_MEMORY,
    VG_AT_FIRMWARE,
    VG_AT_GENERATION, /* not given: the default 2 */
    VG_AT_MMIO,
    VG_AT_N
};

/* The spans of one `vm` statement's directives (the schema check
 * records them absolute, model/builder.h), relative to the statement's
 * start (file 0: not given). Shared by the VMs of the statement, and by the
 * statements written alike (VMs each in a block of the same lines): a 100k-VM
 * estate keeps a few hundred of them, not 100k (docs/performance.md). */
struct vg_vm_spans {
    struct vg_span at[VG_AT_N];
};

/* One per VM (100k in a large estate): what its statement shares with other
 * VMs is behind `spans`. 168 bytes, no padding; the fields that placement and
 * the rule families read of every VM come first, in its first 64 bytes, the
 * guest driver next, what only some checks and the scripts read last: a pass
 * over a cluster's VMs reads two cache lines of each, not all of it. The
 * small enums are stored in a byte each. */
struct vg_vm {
    const char *name;
    const struct vg_profile *profile; /* vgpu */
    const struct vg_gpu *gpu_model;   /* vgpu: profile->gpu; passthrough: the model */
    struct vg_host *pin;              /* `host` */
    struct vg_host *prefer;           /* rollout.c: where it runs now; placement tries it first */
    uint32_t index;                   /* declaration order within the cluster */
    uint32_t count;                   /* x N, default 1 */
    uint32_t nallowed;                /* `hosts` */
    uint32_t range_group;
    uint8_t mode;            /* enum vg_gpu_mode: VG_MODE_NONE if `gpu` is missing/invalid */
    uint8_t migration;       /* enum vg_migration */
    uint8_t os;              /* enum vg_os */
    uint8_t firmware;        /* enum vg_firmware */
    uint8_t generation;      /* 1 or 2, default 2 */
    uint8_t parked;          /* rollout.c: 1 = down in this state, not placed; 2 = leaves a
                                drained host, placed after the VMs that stay */
    uint8_t also_other_mode; /* a second `gpu` line of the other mode (VG6004) */
    struct vg_version_ref guest;
    struct vg_host **allowed;        /* `hosts`, nallowed of them */
    const struct vg_vm_spans *spans; /* NULL: none given (a VM built by hand) */
    struct vg_cluster *cluster;
    uint64_t memory_bytes;        /* 0 = not given */
    uint64_t mmio_low, mmio_high; /* 0 = default */
    struct vg_span span, name_span;
};

/* The span of one directive of the VM's statement (file 0 if not given). */
static inline struct vg_span vg_vm_at(const struct vg_vm *vm, enum vg_vm_at which)
{
    struct vg_span s = {0, 0, 0};
    if (vm->spans && vm->spans->at[which].file) {
        s = vm->spans->at[which];
        s.start += vm->span.start; /* unsigned: exact even when it wrapped */
        s.end += vm->span.start;
    }
    return s;
}

/* `vm-management arc { resource-group NAME }`: the cluster's VMs are Azure
 * Local VMs enabled by Azure Arc, whose GPUs are attached with
 * `az stack-hci-vm gpu attach --resource-group NAME --vm-name VM`. */
struct vg_arc {
    const char *resource_group; /* NULL only if missing or invalid (VG1008, VG1003) */
    struct vg_span span;        /* the `vm-management` statement */
    struct vg_span resource_group_span;
};

struct vg_cluster {
    const char *name;
    struct vg_span span, name_span;
    uint32_t index;
    const struct vg_platform *platform; /* NULL if unknown (VG2004) or missing */
    const char *family, *version;       /* as written */
    enum vg_family kind;                /* from the family name, even if version unknown; 0 if none */
    struct vg_span platform_span;
    enum vg_ws_edition edition;
    struct vg_span edition_span;
    const char *vcenter;
    struct vg_span vcenter_span;
    struct vg_version_ref manager; /* cluster default */
    struct vg_license_server *license;
    struct vg_span license_span;
    uint32_t tolerate;
    struct vg_span tolerate_span; /* 0..2 */
    uint32_t gpu_partitions;
    struct vg_span partitions_span; /* 0 = derive */
    enum vg_graphics graphics;
    struct vg_span graphics_span;
    enum vg_vgpu_mode vgpu_mode;
    struct vg_span vgpu_mode_span;
    struct vg_arc *arc; /* NULL: VMs managed with the Hyper-V cmdlets */
    struct vg_host **hosts;
    size_t nhosts, cap_hosts;
    struct vg_vm **vms;
    size_t nvms, cap_vms;
    struct vg_hash host_by_name;
};

struct vg_model {
    struct vg_license_server **licenses;
    size_t nlicenses, cap_licenses;
    struct vg_cluster **clusters;
    size_t nclusters, cap_clusters;
    struct vg_hash license_by_name, cluster_by_name;
    struct vg_file_ast **files;
    size_t nfiles, cap_files; /* every parsed file, includes too */
    uint32_t nroots;          /* files given on the command line */
};

/*
 * Front end for a set of root files already added as sources: parse each,
 * follow includes (relative to the including file; cycles and missing files
 * are VG1009), check the schema, expand ranges and build the model. Always
 * returns a model (possibly partial); errors are in ctx->diags.
 */
struct vg_model *vg_model_build(struct vg_ctx *ctx, const uint32_t *roots, size_t nroots);

/*
 * The most hosts one cluster of the family may have (VG6010): 64 nodes in a
 * Windows Server failover cluster, 96 hosts in a vSphere cluster; an unknown
 * family gets the larger. The failover check is skipped above it.
 */
uint32_t vg_cluster_max_hosts(enum vg_family family);

/*
 * The MMIO space a Hyper-V VM gets: the file's `mmio`, else Microsoft's DDA
 * guidance for a GPU (3 GB low, 33,280 MB high: learn.microsoft.com/windows-server/
 * virtualization/hyper-v/deploy/deploying-graphics-devices-using-dda) for
 * pass-through and 1 GB / 32 GB for GPU-P. The build script sets these and
 * `vgpuc drift` expects them.
 */
void vg_vm_mmio(const struct vg_vm *vm, uint64_t *low, uint64_t *high);

/* True if every host the VM may run on is allowed (pin / hosts / any). */
int vg_vm_may_run_on(const struct vg_vm *vm, const struct vg_host *h);
const char *vg_mode_name(enum vg_gpu_mode m);       /* "vgpu", "passthrough" */
const char *vg_migration_name(enum vg_migration m); /* "live", "restart", "none" */

#endif
