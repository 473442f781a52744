/*
 * inventory.h - the inventory document (docs/adopt.md, version 1), read.
 *
 * The inventory script of `vgpuc inventory` writes one JSON document that
 * describes a live cluster. `vgpuc import` turns it into a `.vgpu` file and
 * `vgpuc drift` compares a `.vgpu` file with it; both read it here, with
 * jansson, every member they use checked. An invalid document (not JSON,
 * truncated, another schema version, a member missing or of the wrong type,
 * a name holding a control or invisible character, two VMs of one name) is
 * a VG8001 diagnostic in ctx, located at the byte where jansson stopped or at
 * the document with the JSON pointer of the member in the message.
 */
#ifndef VG_INVENTORY_H
#define VG_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "base/hash.h"
#include "catalog/catalog.h"
#include "core/ctx.h"

struct vg_inv_gpu {
    const char *mode; /* Hyper-V: partitionable, host, dismounted, assigned;
                                    vSphere: passthrough, sharedDirect, shared (graphics type) */
    const char *location_path, *friendly, *vendor, *device, *subsystem; /* NULL when not read */
    long long partition_count;                                          /* -1 = none */
    const char *vgpu_mode;      /* vSphere: the active vGPU mode (sameSize, mixedSize) or NULL */
    const char *graphics_type;  /* vSphere: the active graphics type (GraphicsInfo) or NULL */
    int passthrough_enabled;    /* vSphere: PciPassthruInfo.PassthruEnabled */
    int passthrough_active;     /* vSphere: PciPassthruInfo.PassthruActive */
    const struct vg_gpu *model; /* set by vg_inventory_map; NULL = not mapped */
    const char *why;            /* why not mapped */
};

struct vg_inv_vm {
    const char *name, *host; /* the host it was found on */
    long long memory, low_mmio, high_mmio, generation, adapters;
    const char **devices;
    size_t ndevices;    /* location paths (NULL: from a pool) */
    const char **pools; /* the pool of each device, or NULL */
    const char **owners;
    size_t nowners;
    int owners_known; /* possible owners */
    const char **preferred;
    size_t npreferred;
    int preferred_known; /* the cluster group's preferred owners */
    /* vSphere: the vGPU profiles (`grid_l40-16q`), the DirectPath I/O devices'
     * PCI ids, the firmware; `adapters` counts the profiles, `ndevices` the
     * devices (`devices` NULL), high_mmio is the 64-bit MMIO size (0: none) */
    const char **profiles;
    const char **pt_vendor, **pt_device;
    const char **pt_subvendor, **pt_subdevice; /* NULL entries: no subsystem read */
    const char *firmware;
    /* With guest credentials (both platforms, optional): the NVIDIA guest
     * driver the guest's nvidia-smi reports, the guest OS ("windows" or
     * "linux"), or why it could not be read; all NULL when not read. */
    const char *guest_driver, *guest_os, *guest_error;
    const char *body; /* import.c: the block's text */
};

struct vg_inv_host {
    const char *name, *driver, *os_build, *error;
    const char *version;          /* vSphere: the ESXi version (VMHost.Version) */
    const char *default_graphics; /* vSphere: HostDefaultGraphicsType, or NULL */
    int reachable;
    struct vg_inv_gpu *gpus;
    size_t ngpus;
    const char *body; /* import.c: the block's text */
};

struct vg_drs_group {
    const char *name, *type;
    const char **members;
    size_t nmembers;
};
struct vg_drs_rule {
    const char *name, *type, *vm_group, *host_group;
    int enabled;
};

struct vg_inventory {
    const char *platform;                  /* "hyperv" or "vmware" */
    const char *vcenter, *vcenter_version; /* vSphere */
    const char *hotmigrate;                /* vSphere: vgpu.hotmigrate.enabled's value, NULL: not set */
    int hotmigrate_read;                   /* the document holds the vCenter's advanced settings */
    struct vg_drs_group *groups;
    size_t ngroups; /* vSphere: the cluster's DRS objects */
    struct vg_drs_rule *rules;
    size_t nrules;
    struct vg_hash drs_pins; /* vSphere: VM name -> the host group (struct vg_drs_group)
                                    of the first enabled MustRunOn/ShouldRunOn rule of its group */
    const char *cluster;
    int clustered; /* NULL, 0: standalone hosts */
    const char **nodes;
    size_t nnodes;
    struct vg_inv_host *hosts;
    size_t nhosts; /* sorted by name */
    struct vg_inv_vm *vms;
    size_t nvms; /* in document order */
};

/*
 * Read source `file` (already loaded into ctx) into *inv (arena memory).
 * Returns 0, or -1 with VG8001 queued.
 */
int vg_inventory_read(struct vg_ctx *ctx, uint32_t file, struct vg_inventory *inv);

/*
 * Map every GPU of every reachable host to its catalog model: the PCI vendor
 * and device id, told apart by the device's name where models share an id
 * (A2 and A16), and a device without a name by a named device of the same
 * PCI id and subsystem on the host. Unmapped GPUs get `why`.
 */
void vg_inventory_map(struct vg_ctx *ctx, struct vg_inventory *inv);

/* The one catalog model of PCI id ven:dev with subsystem subven:subdev (the
 * catalog gives a subsystem where models share a device id: A2, A16), or NULL. */
const struct vg_gpu *vg_inv_model_by_subsystem(const struct vg_catalog *c, const char *ven, const char *dev,
                                               const char *subven, const char *subdev);

/* vSphere: the hosts an enabled DRS VM-host rule (MustRunOn, ShouldRunOn)
 * binds VM `vm` to (*out, the count returned), or 0 when none does. The index
 * is built by vg_inventory_read, linear in the groups' members. */
size_t vg_inv_drs_hosts(const struct vg_inventory *inv, const char *vm, const char *const **out);

/* True when the GPU's PCI vendor and device id are those of catalog model m. */
int vg_inv_gpu_has_id(const struct vg_inv_gpu *g, const struct vg_gpu *m);

#endif
