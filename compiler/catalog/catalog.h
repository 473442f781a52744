/*
 * catalog.h - the knowledge base: vGPU releases, GPU models and profiles,
 * platform versions and what they support, licensing.
 *
 * All of it is data read with libyaml from the catalog/ YAML files (embedded in the
 * binary at build time) and from user files merged over it (--catalog,
 * VGPUC_CATALOG). The C code holds rules, never a version number or a profile
 * table. Every entry records its `source:` and where it was read from.
 */
#ifndef VG_CATALOG_H
#define VG_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/hash.h"
#include "catalog/relnum.h"

struct vg_ctx;

enum vg_family { VG_FAMILY_HYPERV = 1, VG_FAMILY_VSPHERE = 2 };

/* Which driver column a driver-version string is matched against. */
enum vg_driver_kind {
    VG_DRV_HOST_ESXI,   /* "Linux vGPU Manager" column: ESXi (and KVM) hosts */
    VG_DRV_HOST_HYPERV, /* "Windows vGPU Manager": Azure Stack HCI / Azure Local / WS2025 */
    VG_DRV_GUEST_WINDOWS,
    VG_DRV_GUEST_LINUX,
    VG_DRV_COUNT
};

/* Editions served by a license server, bit set. */
enum { VG_ED_VWS = 1, VG_ED_VPC = 2, VG_ED_VAPPS = 4, VG_ED_VCS = 8, VG_ED_ALL = 15 };

struct vg_origin {
    const char *file;   /* "<built-in>/releases.yaml" or the user's path */
    uint32_t line, col; /* 1-based position of the entry in that file */
};

struct vg_release {
    const char *name; /* "16.5" */
    uint32_t num;     /* VG_RELNUM(16, 5) */
    uint16_t major, minor;
    const char *branch;               /* "R535" */
    int8_t lts;                       /* 1 long-term support, 0 production, -1 unverified */
    const char *date;                 /* "2024-03-26", "2025-07" or NULL if unverified */
    const char *driver[VG_DRV_COUNT]; /* NULL where not published / unverified */
    uint32_t branch_eos;              /* branch end of support as YYYYMM; 0 = unknown */
    int verified;                     /* 0 if any fact of the entry is marked unverified */
    const char *source;
    struct vg_origin origin;
    const char *packages; /* host-package evidence ("Azure Local; vSphere 8.0"), may be NULL */
    const char *note;     /* free text (what is unverified and why), may be NULL */
};

struct vg_gpu;

struct vg_profile {
    const char *name;   /* "A16-4Q" */
    char series;        /* 'Q', 'B', 'A', 'C' */
    uint32_t fb_mb;     /* frame buffer */
    uint16_t max_same;  /* max per physical GPU in same-size (equal) mode */
    uint16_t max_mixed; /* in mixed-size mode; 0 = not known */
    int mig;            /* MIG-backed (A100-3-20C style) */
    int verified;       /* 0 if max_same was derived, not sourced */
    const struct vg_gpu *gpu;
    const char *source;
    int mixed_verified;  /* 0 if max_mixed comes from an unverified source */
    uint16_t mig_slices; /* MIG-backed: compute slices (the N of A100-N-20C); 0 otherwise */
    int media_ext;       /* MIG with media extensions (A100-1-5CME): one per GPU */
};

struct vg_gpu {
    const char *model; /* "A16" */
    const char *name;  /* "NVIDIA A16" */
    uint32_t fb_mb;    /* per physical GPU */
    uint16_t gpus_per_board;
    uint16_t vendor_id, device_id;       /* PCI ids (0 if unverified) */
    uint16_t subvendor_id, subdevice_id; /* PCI subsystem, only where two models share a
                                            device id (A2, A16); 0 = not in the catalog */
    const char *arch;                    /* "Ampere", "Ada Lovelace", ... */
    int large_bar;                       /* needs 64-bit MMIO + EFI when passed through (ESXi) */
    uint32_t mmio64_gb;                  /* ESXi pciPassthru.64bitMMIOSizeGB per GPU; 0 = none needed */
    const uint16_t *partition_counts;
    size_t npartition_counts; /* GPU-P ValidPartitionCounts */
    int partition_counts_verified;
    struct vg_profile *profiles;
    size_t nprofiles;
    int verified;
    const char *source;
    struct vg_origin origin;
    int mmio_verified; /* 0 if large_bar / mmio64_gb were derived, not sourced */
    const char *note;
    const char *profile_prefix; /* vGPU type prefix where it is not the model ("DC"); NULL = model */
    uint32_t vgpu_min;          /* first vGPU release that supports the model; 0 = not known */
    uint16_t mig_slices;        /* compute slices of the whole GPU when MIG-backed profiles of
                              different sizes may share it (7 on A100); 0 = one profile per GPU */
};

/* One platform family + version, and what it supports. */
struct vg_platform {
    const char *family;  /* "azure-stack-hci", "azure-local", "windows-server", "esxi" */
    const char *version; /* "22H2", "12.2504", "2025", "8.0u2" */
    enum vg_family kind;
    uint32_t order;                  /* sort key among versions of the family (older < newer) */
    enum vg_driver_kind host_driver; /* VG_DRV_HOST_HYPERV or VG_DRV_HOST_ESXI */
    const char *os_build;            /* "26100", NULL if not relevant */
    /* vGPU releases with a host package for this version: [min, max], 0 = open */
    uint32_t vgpu_min, vgpu_max;
    /* GPU models supported per mode ("*" = any model the catalog knows) */
    const char **vgpu_models;
    size_t nvgpu_models; /* GPU-P / vGPU */
    const char **passthrough_models;
    size_t npassthrough_models; /* DDA / DirectPath I/O */
    /* live migration */
    int lm_vgpu;                           /* GPU-P / vGPU VMs can live-migrate */
    uint32_t lm_vgpu_min;                  /* minimum vGPU release (host and guest) for that; 0 = none */
    int lm_passthrough;                    /* always 0 in the sources; kept as data */
    int lm_needs_datacenter;               /* clustered GPU-P LM needs Datacenter edition (WS2025) */
    int mixed_size;                        /* vgpu-mode mixed-size supported by the platform */
    uint32_t mixed_size_min;               /* minimum vGPU release for mixed size (17.0) */
    uint16_t max_vgpus_per_vm;             /* 0 = no platform limit */
    int multi_vgpu_c_only;                 /* several vGPUs per VM only if all are C-series */
    int multi_vgpu_full_fb;                /* ... and only full-frame-buffer profiles (vSphere 7) */
    const char *multi_vgpu_full_fb_series; /* series allowed several per VM with full-frame-buffer
                                              profiles ("QC", VMware 6.7 U3+); NULL = none */
    int gpu_vm_gen2_only;                  /* GPU VMs must be generation 2 (Azure Local) */
    int arc_vms;                           /* has Azure Local VMs enabled by Azure Arc (`vm-management arc`) */
    int verified;
    const char *source;
    struct vg_origin origin;
    int vgpu_range_verified; /* 0 if [vgpu_min, vgpu_max] is package evidence only */
    const char *note;
};

struct vg_dls_min {
    uint32_t from_release;   /* vGPU >= this ... */
    const char *dls_version; /* ... needs DLS >= this ("3.4") */
    const char *source;
};

struct vg_licensing {
    uint32_t nls_min_release;          /* NLS (dls/cls) needs vGPU >= this (13.0) */
    uint32_t legacy_incompatible_from; /* legacy server unsupported from this (15.0) */
    struct vg_dls_min *dls_min;
    size_t ndls_min;
    unsigned series_editions[26]; /* 'A'..'Z' -> VG_ED_* set that may license it */
    /* for guest releases before editions_before_release, a nonzero entry here
       replaces series_editions (C-series also under vWS before 16.0) */
    uint32_t editions_before_release;
    unsigned series_editions_before[26];
    const char *editions_before_source;
    const char *source;
    int legacy_verified; /* 0: legacy_incompatible_from is presumed for some families */
};

/* Which vGPU Manager and guest driver branches work together, beyond the
 * same branch and the previous one. */
struct vg_compat {
    /* A Manager of a long-term-support branch at this release or later also
     * works with guest drivers of the previous LTS branch; 0 = never. */
    uint32_t lts_pair_from;
    const char *source;
    struct vg_origin origin; /* where `compatibility` was last given */
};

struct vg_catalog {
    struct vg_release **releases;
    size_t nreleases; /* sorted by num */
    struct vg_gpu **gpus;
    size_t ngpus; /* declaration order */
    struct vg_platform **platforms;
    size_t nplatforms; /* by family, then order */
    struct vg_licensing licensing;
    const char **files;
    size_t nfiles; /* files merged, in order */
    /* lookup tables */
    struct vg_hash release_by_name, gpu_by_model, profile_by_name, platform_by_key;
    struct vg_hash driver_index[VG_DRV_COUNT]; /* driver string -> release list */
    struct vg_compat compat;
};

/*
 * Load the built-in catalog, then each extra file in order (later entries with
 * the same key replace earlier ones). Errors are VG9003 diagnostics in ctx with
 * the YAML file, line and column; returns NULL if any file was invalid.
 * The catalog lives in ctx->arena.
 */
const struct vg_catalog *vg_catalog_load(struct vg_ctx *ctx, const char *const *extra, size_t nextra);

const struct vg_release *vg_catalog_release(const struct vg_catalog *c, const char *name);
const struct vg_gpu *vg_catalog_gpu(const struct vg_catalog *c, const char *model);
const struct vg_profile *vg_catalog_profile(const struct vg_catalog *c, const char *name);
const struct vg_platform *vg_catalog_platform(const struct vg_catalog *c, const char *family, const char *version);
/* Any version of that family known? */
int vg_catalog_has_family(const struct vg_catalog *c, const char *family);

/*
 * Resolve a version as written: a release ("16.5") or a driver version of the
 * given kind ("538.33"). Fills out[] with the releases (a host driver shared by
 * 16.4 and 16.5 gives both, ascending) and returns how many (0 = unknown).
 */
size_t vg_catalog_resolve(const struct vg_catalog *c, const char *text, enum vg_driver_kind kind,
                          const struct vg_release **out, size_t max);
/* Like resolve, but over every driver column; *kind_found says which matched
 * (VG_DRV_COUNT when the text is a release name). Columns are tried in enum order. */
size_t vg_catalog_resolve_any(const struct vg_catalog *c, const char *text, enum vg_driver_kind *kind_found,
                              const struct vg_release **out, size_t max);

/* Is the model in the list (handles "*")? */
int vg_platform_supports(const char *const *models, size_t n, const char *model);

/* `vgpuc catalog`: the whole catalog, or one section ("gpus", "releases",
 * "platforms"; NULL = all), as text or JSON, with the ages as of `today`
 * (YYYYMMDD) (catalog_print.c). */
struct vg_strbuf;
struct vg_arena;
void vg_catalog_print(struct vg_arena *a, const struct vg_catalog *c, const char *section, int json, uint32_t today,
                      struct vg_strbuf *out);

#endif
