/*
 * inventory.c - the inventory document (docs/adopt.md) read into plain
 * structs, and its GPUs mapped to catalog models.
 *
 * Shared by `vgpuc import` (import.c) and `vgpuc drift` (drift.c), so that
 * both read one document the same way: every member they use is checked
 * (VG8001 on the first problem, nothing produced), names are carried as
 * strings and never matched as patterns.
 */
#include "driver/inventory.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "core/diag.h"
#include "core/source.h"
#include "base/strbuf.h"

#define INVENTORY_VERSION 1

struct rd {
    struct vg_ctx *ctx;
    uint32_t file;
    int bad;
};

/* ---- reading ------------------------------------------------------------ */

static void bad(struct rd *r, const char *ptr, const char *fmt, const char *a)
{
    if (r->bad)
        return;
    r->bad = 1;
    const struct vg_source *src = vg_source_get(r->ctx, r->file);
    uint32_t end = src && src->len ? 1 : 0;
    char msg[256];
    snprintf(msg, sizeof msg, fmt, a ? a : "");
    struct vg_diag *d =
        vg_diag_emit(r->ctx, VG8001, vg_span_make(r->file, 0, end), "invalid inventory: `%s`: %s", ptr, msg);
    vg_diag_help(r->ctx, d, "the document is written by the script of `vgpuc inventory`; docs/adopt.md has its schema");
}

/* Member `key` of obj: of JSON type `type`, or NULL/absent when `nullable`. */
static json_t *member(struct rd *r, json_t *obj, const char *ptr, const char *key, json_type type, int nullable)
{
    if (r->bad)
        return NULL;
    char at[700];
    snprintf(at, sizeof at, "%.500s/%.100s", ptr, key);
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (!nullable)
            bad(r, at, "%smissing", NULL);
        return NULL;
    }
    if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v))) {
        static const char *const names[] = {"an object", "an array",  "a string",  "an integer",
                                            "a number",  "a boolean", "a boolean", "null"};
        bad(r, at, "expected %s", names[type]);
        return NULL;
    }
    return v;
}

/* A string value at JSON pointer `at`: no control or invisible character. */
static const char *text_value(struct rd *r, json_t *v, const char *at, int nullable)
{
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    enum vg_char_class cls;
    uint32_t cp;
    if (n == 0 && !nullable) {
        bad(r, at, "%sempty", NULL);
        return NULL;
    }
    if (strlen(s) != n || vg_text_unsafe(s, n, &cls, &cp)) {
        char what[64];
        snprintf(what, sizeof what, "U+%04" PRIX32, strlen(s) != n ? 0u : cp);
        bad(r, at, "holds the control or invisible character %s", what);
        return NULL;
    }
    return vg_strndup(r->ctx->arena, s, n);
}

/* A name or text member: a string with no control or invisible character. */
static const char *text(struct rd *r, json_t *obj, const char *ptr, const char *key, int nullable)
{
    json_t *v = member(r, obj, ptr, key, JSON_STRING, nullable);
    if (!v)
        return NULL;
    char at[700];
    snprintf(at, sizeof at, "%.500s/%.100s", ptr, key);
    return text_value(r, v, at, nullable);
}

static long long integer(struct rd *r, json_t *obj, const char *ptr, const char *key, long long dflt)
{
    json_t *v = member(r, obj, ptr, key, JSON_INTEGER, dflt != -2);
    if (!v)
        return dflt;
    long long x = (long long)json_integer_value(v);
    if (x < 0) {
        char at[700];
        snprintf(at, sizeof at, "%.500s/%.100s", ptr, key);
        bad(r, at, "%snegative", NULL);
    }
    return x;
}

static const char **names(struct rd *r, json_t *arr, const char *ptr, size_t *n)
{
    *n = json_array_size(arr);
    const char **out = vg_alloc_array(r->ctx->arena, *n ? *n : 1, sizeof *out);
    char at[700];
    for (size_t i = 0; i < *n && !r->bad; i++) {
        json_t *v = json_array_get(arr, i);
        snprintf(at, sizeof at, "%.500s/%zu", ptr, i);
        if (!json_is_string(v))
            bad(r, at, "expected %s", "a string");
        else
            out[i] = text_value(r, v, at, 0);
    }
    return out;
}

static void read_gpu(struct rd *r, json_t *o, const char *ptr, struct vg_inv_gpu *g)
{
    g->mode = text(r, o, ptr, "mode", 0);
    g->location_path = text(r, o, ptr, "location_path", 1);
    g->friendly = text(r, o, ptr, "friendly_name", 1);
    g->vendor = text(r, o, ptr, "vendor_id", 1);
    g->device = text(r, o, ptr, "device_id", 1);
    g->subsystem = text(r, o, ptr, "subsystem_id", 1);
    g->partition_count = integer(r, o, ptr, "partition_count", -1);
}

/* The optional guest fields of a VM (both platforms). */
static void read_guest(struct rd *r, json_t *o, const char *ptr, struct vg_inv_vm *v)
{
    v->guest_driver = text(r, o, ptr, "guest_driver", 1);
    v->guest_os = text(r, o, ptr, "guest_os", 1);
    v->guest_error = text(r, o, ptr, "guest_driver_error", 1);
    if (v->guest_os && strcmp(v->guest_os, "windows") != 0 && strcmp(v->guest_os, "linux") != 0) {
        char at[700];
        snprintf(at, sizeof at, "%.500s/guest_os", ptr);
        bad(r, at, "%sneither windows nor linux", NULL);
    }
}

static void read_vm(struct rd *r, json_t *o, const char *ptr, const char *host, struct vg_inv_vm *v)
{
    char at[700];
    v->name = text(r, o, ptr, "name", 0);
    v->host = host;
    v->memory = integer(r, o, ptr, "memory_startup_bytes", -2);
    v->generation = integer(r, o, ptr, "generation", -2);
    v->low_mmio = integer(r, o, ptr, "low_mmio_bytes", -2);
    v->high_mmio = integer(r, o, ptr, "high_mmio_bytes", -2);
    v->adapters = integer(r, o, ptr, "gpu_partition_adapters", -2);
    read_guest(r, o, ptr, v);
    json_t *devs = member(r, o, ptr, "assignable_devices", JSON_ARRAY, 0);
    v->ndevices = devs ? json_array_size(devs) : 0;
    v->devices = vg_alloc_array(r->ctx->arena, v->ndevices ? v->ndevices : 1, sizeof *v->devices);
    v->pools = vg_alloc_array(r->ctx->arena, v->ndevices ? v->ndevices : 1, sizeof *v->pools);
    for (size_t i = 0; i < v->ndevices && !r->bad; i++) {
        json_t *d = json_array_get(devs, i);
        snprintf(at, sizeof at, "%.500s/assignable_devices/%zu", ptr, i);
        if (!json_is_object(d)) {
            bad(r, at, "expected %s", "an object");
            break;
        }
        v->devices[i] = text(r, d, at, "location_path", 1);
        v->pools[i] = text(r, d, at, "pool", 1);
    }
    json_t *own = member(r, o, ptr, "possible_owners", JSON_ARRAY, 1);
    v->owners_known = own != NULL;
    snprintf(at, sizeof at, "%.500s/possible_owners", ptr);
    if (own)
        v->owners = names(r, own, at, &v->nowners);
    json_t *pref = member(r, o, ptr, "preferred_owners", JSON_ARRAY, 1);
    v->preferred_known = pref != NULL;
    snprintf(at, sizeof at, "%.500s/preferred_owners", ptr);
    if (pref)
        v->preferred = names(r, pref, at, &v->npreferred);
}

/* ---- the vSphere document (inventory-vmware.ps1) ------------------------- */

static void read_vmware_vm(struct rd *r, json_t *o, const char *ptr, const char *host, struct vg_inv_vm *v)
{
    struct vg_arena *a = r->ctx->arena;
    char at[700];
    v->name = text(r, o, ptr, "name", 0);
    v->host = host;
    long long mb = integer(r, o, ptr, "memory_mb", -2);
    v->memory = mb > 0 && mb < (1LL << 40) ? mb * 1024 * 1024 : 0;
    v->generation = -1;
    v->firmware = text(r, o, ptr, "firmware", 1);
    read_guest(r, o, ptr, v);
    long long gb = integer(r, o, ptr, "mmio_64bit_gb", 0);
    v->high_mmio = gb > 0 && gb < (1LL << 30) ? gb << 30 : 0;
    json_t *prof = member(r, o, ptr, "vgpu_profiles", JSON_ARRAY, 0);
    snprintf(at, sizeof at, "%.500s/vgpu_profiles", ptr);
    size_t n = 0;
    if (prof)
        v->profiles = names(r, prof, at, &n);
    v->adapters = (long long)n;
    json_t *devs = member(r, o, ptr, "passthrough_devices", JSON_ARRAY, 0);
    v->ndevices = devs ? json_array_size(devs) : 0;
    v->pt_vendor = vg_alloc_array(a, v->ndevices ? v->ndevices : 1, sizeof *v->pt_vendor);
    v->pt_device = vg_alloc_array(a, v->ndevices ? v->ndevices : 1, sizeof *v->pt_device);
    v->pt_subvendor = vg_alloc_array(a, v->ndevices ? v->ndevices : 1, sizeof *v->pt_subvendor);
    v->pt_subdevice = vg_alloc_array(a, v->ndevices ? v->ndevices : 1, sizeof *v->pt_subdevice);
    for (size_t i = 0; i < v->ndevices && !r->bad; i++) {
        json_t *d = json_array_get(devs, i);
        snprintf(at, sizeof at, "%.500s/passthrough_devices/%zu", ptr, i);
        if (!json_is_object(d)) {
            bad(r, at, "expected %s", "an object");
            break;
        }
        v->pt_vendor[i] = text(r, d, at, "vendor_id", 0);
        v->pt_device[i] = text(r, d, at, "device_id", 0);
        v->pt_subvendor[i] = text(r, d, at, "sub_vendor_id", 1);
        v->pt_subdevice[i] = text(r, d, at, "sub_device_id", 1);
    }
}

/* vSphere: what the build script sets on a host and its GPUs (graphics type,
 * passthrough), read for drift. */
static void read_vmware_gpu_state(struct rd *r, json_t *g, const char *at, struct vg_inv_gpu *ig, const char *gt,
                                  json_t *pe)
{
    ig->graphics_type = gt;
    ig->passthrough_enabled = pe && json_is_true(pe);
    json_t *pa = member(r, g, at, "passthrough_active", JSON_TRUE, 1);
    ig->passthrough_active = pa && json_is_true(pa);
}

/* vSphere: the vCenter's advanced settings (absent in documents written
 * before they were collected: then not compared). */
static void read_vmware_settings(struct rd *r, json_t *vc, struct vg_inventory *inv)
{
    json_t *adv = member(r, vc, "/vcenter", "advanced_settings", JSON_OBJECT, 1);
    inv->hotmigrate_read = adv != NULL;
    if (adv)
        inv->hotmigrate = text(r, adv, "/vcenter/advanced_settings", "vgpu.hotmigrate.enabled", 1);
}

static void read_vmware_drs(struct rd *r, json_t *cl, struct vg_inventory *inv)
{
    struct vg_arena *a = r->ctx->arena;
    char at[700];
    json_t *groups = member(r, cl, "/cluster", "drs_groups", JSON_ARRAY, 0);
    json_t *rules = member(r, cl, "/cluster", "drs_rules", JSON_ARRAY, 0);
    if (r->bad)
        return;
    inv->ngroups = json_array_size(groups);
    inv->groups = vg_alloc_array(a, inv->ngroups ? inv->ngroups : 1, sizeof *inv->groups);
    for (size_t i = 0; i < inv->ngroups && !r->bad; i++) {
        json_t *g = json_array_get(groups, i);
        snprintf(at, sizeof at, "/cluster/drs_groups/%zu", i);
        if (!json_is_object(g)) {
            bad(r, at, "expected %s", "an object");
            return;
        }
        inv->groups[i].name = text(r, g, at, "name", 0);
        inv->groups[i].type = text(r, g, at, "type", 0);
        json_t *m = member(r, g, at, "members", JSON_ARRAY, 0);
        char mat[760];
        snprintf(mat, sizeof mat, "%.700s/members", at);
        if (m)
            inv->groups[i].members = names(r, m, mat, &inv->groups[i].nmembers);
    }
    inv->nrules = json_array_size(rules);
    inv->rules = vg_alloc_array(a, inv->nrules ? inv->nrules : 1, sizeof *inv->rules);
    for (size_t i = 0; i < inv->nrules && !r->bad; i++) {
        json_t *x = json_array_get(rules, i);
        snprintf(at, sizeof at, "/cluster/drs_rules/%zu", i);
        if (!json_is_object(x)) {
            bad(r, at, "expected %s", "an object");
            return;
        }
        inv->rules[i].name = text(r, x, at, "name", 0);
        inv->rules[i].type = text(r, x, at, "type", 0);
        inv->rules[i].vm_group = text(r, x, at, "vm_group", 1);
        inv->rules[i].host_group = text(r, x, at, "host_group", 1);
        json_t *en = member(r, x, at, "enabled", JSON_TRUE, 0);
        inv->rules[i].enabled = en && json_is_true(en);
    }
}

/* What differs between the Hyper-V and the vSphere document, per host. */
struct host_reader {
    void (*facts)(struct rd *r, json_t *h, const char *at, struct vg_inv_host *ih); /* driver, versions */
    void (*gpus)(struct rd *r, json_t *gpus, const char *at, struct vg_inv_host *ih);
    void (*vm)(struct rd *r, json_t *o, const char *ptr, const char *host, struct vg_inv_vm *v);
};

static void hyperv_facts(struct rd *r, json_t *h, const char *at, struct vg_inv_host *ih)
{
    ih->driver = text(r, h, at, "nvidia_driver", 1);
    ih->os_build = text(r, h, at, "os_build", 1);
}

static void hyperv_gpus(struct rd *r, json_t *gpus, const char *at, struct vg_inv_host *ih)
{
    ih->ngpus = json_array_size(gpus);
    ih->gpus = vg_alloc_array(r->ctx->arena, ih->ngpus ? ih->ngpus : 1, sizeof *ih->gpus);
    for (size_t k = 0; k < ih->ngpus && !r->bad; k++) {
        char gat[800];
        snprintf(gat, sizeof gat, "%.600s/gpus/%zu", at, k);
        json_t *g = json_array_get(gpus, k);
        if (!json_is_object(g))
            bad(r, gat, "expected %s", "an object");
        else
            read_gpu(r, g, gat, &ih->gpus[k]);
    }
}

static void vmware_facts(struct rd *r, json_t *h, const char *at, struct vg_inv_host *ih)
{
    ih->version = text(r, h, at, "esxi_version", 1);
    ih->default_graphics = text(r, h, at, "default_graphics_type", 1);
    json_t *comp = member(r, h, at, "nvidia_component", JSON_OBJECT, 1);
    if (comp) {
        char cat[760];
        snprintf(cat, sizeof cat, "%.700s/nvidia_component", at);
        const char *ver = text(r, comp, cat, "version", 0);
        /* "550.54.16-1OEM.800.1.0.20613240": the driver is what precedes the '-' */
        ih->driver = ver ? vg_strndup(r->ctx->arena, ver, strcspn(ver, "-")) : NULL;
    }
}

/* The `gpus` of one ESXi host (at: the host's JSON pointer). */
static void vmware_gpus(struct rd *r, json_t *gpus, const char *at, struct vg_inv_host *ih)
{
    ih->ngpus = json_array_size(gpus);
    ih->gpus = vg_alloc_array(r->ctx->arena, ih->ngpus ? ih->ngpus : 1, sizeof *ih->gpus);
    for (size_t k = 0; k < ih->ngpus && !r->bad; k++) {
        char gat[800];
        snprintf(gat, sizeof gat, "%.600s/gpus/%zu", at, k);
        json_t *g = json_array_get(gpus, k);
        if (!json_is_object(g)) {
            bad(r, gat, "expected %s", "an object");
            break;
        }
        struct vg_inv_gpu *ig = &ih->gpus[k];
        ig->location_path = text(r, g, gat, "pci_id", 0);
        ig->vendor = text(r, g, gat, "vendor_id", 1);
        ig->device = text(r, g, gat, "device_id", 1);
        ig->friendly = text(r, g, gat, "device_name", 1);
        json_t *pe = member(r, g, gat, "passthrough_enabled", JSON_TRUE, 0);
        const char *gt = text(r, g, gat, "graphics_type", 1);
        ig->mode = pe && json_is_true(pe) ? "passthrough" : gt ? gt : "none";
        read_vmware_gpu_state(r, g, gat, ig, gt, pe);
        ig->vgpu_mode = text(r, g, gat, "vgpu_mode", 1);
        ig->partition_count = -1;
    }
}

static const struct host_reader hyperv_reader = {hyperv_facts, hyperv_gpus, read_vm};
static const struct host_reader vmware_reader = {vmware_facts, vmware_gpus, read_vmware_vm};

/* `cluster`: its name and nodes. */
static void read_cluster(struct rd *r, json_t *cl, struct vg_inventory *inv)
{
    inv->clustered = 1;
    inv->cluster = text(r, cl, "/cluster", "name", 0);
    json_t *nodes = member(r, cl, "/cluster", "nodes", JSON_ARRAY, 0);
    if (nodes)
        inv->nodes = names(r, nodes, "/cluster/nodes", &inv->nnodes);
}

/* `hosts`, each with its GPUs and VMs, the same shape in both documents. */
static int read_hosts(struct rd *r, json_t *doc, struct vg_inventory *inv, const struct host_reader *hr)
{
    struct vg_arena *a = r->ctx->arena;
    char at[700];
    json_t *hosts = member(r, doc, "", "hosts", JSON_ARRAY, 0);
    if (r->bad)
        return -1;
    inv->nhosts = json_array_size(hosts);
    inv->hosts = vg_alloc_array(a, inv->nhosts ? inv->nhosts : 1, sizeof *inv->hosts);
    size_t vcap = 0;
    for (size_t i = 0; i < inv->nhosts && !r->bad; i++) {
        json_t *h = json_array_get(hosts, i);
        struct vg_inv_host *ih = &inv->hosts[i];
        snprintf(at, sizeof at, "/hosts/%zu", i);
        if (!json_is_object(h)) {
            bad(r, at, "expected %s", "an object");
            break;
        }
        ih->name = text(r, h, at, "name", 0);
        json_t *reach = member(r, h, at, "reachable", JSON_TRUE, 0);
        ih->reachable = reach && json_is_true(reach);
        ih->error = text(r, h, at, "error", 1);
        if (!ih->reachable)
            continue;
        hr->facts(r, h, at, ih);
        json_t *gpus = member(r, h, at, "gpus", JSON_ARRAY, 0);
        json_t *vms = member(r, h, at, "vms", JSON_ARRAY, 0);
        if (r->bad)
            break;
        hr->gpus(r, gpus, at, ih);
        for (size_t k = 0; k < json_array_size(vms) && !r->bad; k++) {
            char vat[800];
            snprintf(vat, sizeof vat, "%.600s/vms/%zu", at, k);
            json_t *v = json_array_get(vms, k);
            if (!json_is_object(v)) {
                bad(r, vat, "expected %s", "an object");
                break;
            }
            vg_grow(a, (void **)&inv->vms, &vcap, inv->nvms + 1, sizeof *inv->vms);
            memset(&inv->vms[inv->nvms], 0, sizeof *inv->vms);
            hr->vm(r, v, vat, ih->name, &inv->vms[inv->nvms++]);
        }
    }
    return r->bad ? -1 : 0;
}

static int read_vmware(struct rd *r, json_t *doc, struct vg_inventory *inv)
{
    json_t *vc = member(r, doc, "", "vcenter", JSON_OBJECT, 0);
    if (vc) {
        inv->vcenter = text(r, vc, "/vcenter", "name", 0);
        inv->vcenter_version = text(r, vc, "/vcenter", "version", 1);
        read_vmware_settings(r, vc, inv);
    }
    json_t *cl = member(r, doc, "", "cluster", JSON_OBJECT, 0);
    if (cl) {
        read_cluster(r, cl, inv);
        read_vmware_drs(r, cl, inv);
    }
    return read_hosts(r, doc, inv, &vmware_reader);
}

static int read_doc(struct rd *r, json_t *doc, struct vg_inventory *inv)
{
    if (!json_is_object(doc)) {
        bad(r, "", "the document is not %s", "an object");
        return -1;
    }
    json_t *ver = member(r, doc, "", "inventory_version", JSON_INTEGER, 0);
    if (ver && json_integer_value(ver) != INVENTORY_VERSION) {
        char v[32];
        snprintf(v, sizeof v, "%" JSON_INTEGER_FORMAT, json_integer_value(ver));
        bad(r, "/inventory_version", "version %s; this vgpuc reads version 1", v);
    }
    const char *platform = text(r, doc, "", "platform", 0);
    if (platform && strcmp(platform, "hyperv") != 0 && strcmp(platform, "vmware") != 0)
        bad(r, "/platform", "`%s`; this vgpuc reads `hyperv` and `vmware` inventories", platform);
    inv->platform = platform;
    if (platform && strcmp(platform, "vmware") == 0)
        return read_vmware(r, doc, inv);
    json_t *cl = member(r, doc, "", "cluster", JSON_OBJECT, 1);
    if (cl)
        read_cluster(r, cl, inv);
    return read_hosts(r, doc, inv, &hyperv_reader);
}

/* ---- mapping ------------------------------------------------------------ */

static unsigned hex16(const char *s)
{
    if (!s || strlen(s) != 4)
        return 0x10000;
    char *end;
    unsigned long v = strtoul(s, &end, 16);
    return *end ? 0x10000 : (unsigned)v;
}

/* The one catalog model of a GPU's PnP subsystem: SUBSYS_ssssvvvv of the
 * instance path is the subsystem device id, then the subsystem vendor id
 * ("157E10DE": 10DE:157E, the A2), or NULL. */
static const struct vg_gpu *by_pnp_subsystem(const struct vg_catalog *c, const struct vg_inv_gpu *g)
{
    if (!g->subsystem || strlen(g->subsystem) != 8)
        return NULL;
    char sd[5], sv[5];
    memcpy(sd, g->subsystem, 4);
    memcpy(sv, g->subsystem + 4, 4);
    sd[4] = sv[4] = 0;
    return vg_inv_model_by_subsystem(c, g->vendor, g->device, sv, sd);
}

/* The catalog model of a GPU by PCI vendor and device id, told apart by the
 * device's friendly name where models share an id (A2 and A16), else by its
 * PCI subsystem. */
static void map_gpu(const struct vg_catalog *c, struct vg_arena *a, struct vg_inv_gpu *g)
{
    unsigned ven = hex16(g->vendor), dev = hex16(g->device);
    const struct vg_gpu *found = NULL;
    size_t n = 0;
    struct vg_strbuf cands;
    vg_sb_init(&cands);
    for (size_t i = 0; i < c->ngpus; i++) {
        const struct vg_gpu *m = c->gpus[i];
        if (m->vendor_id != ven || m->device_id != dev || !ven)
            continue;
        vg_sb_printf(&cands, "%s%s", n ? ", " : "", m->model);
        n++;
        if (!found || (g->friendly && strcmp(g->friendly, m->name) == 0))
            found = m;
        if (n > 1 && !(g->friendly && strcmp(g->friendly, found->name) == 0))
            found = NULL;
    }
    if (n > 1 && !found)
        found = by_pnp_subsystem(c, g); /* A2 and A16: the subsystem says which */
    if (n == 1 || (n > 1 && found)) {
        g->model = found;
    } else if (n > 1) {
        g->why = vg_sprintf(a,
                            "PCI %s:%s is one of %s; neither the device name (%s) nor the PCI subsystem (%s) "
                            "says which",
                            g->vendor, g->device, vg_sb_str(&cands), g->friendly ? g->friendly : "none",
                            g->subsystem ? g->subsystem : "none");
    } else if (!g->vendor && !g->device) {
        g->why = "the host reports no PCI id for it (a dismounted device that PnP does not list, with no "
                 "instance path)";
    } else {
        g->why = vg_sprintf(a, "PCI %s:%s is no GPU of the catalog", g->vendor ? g->vendor : "?",
                            g->device ? g->device : "?");
    }
    vg_sb_free(&cands);
}

static int host_by_name(const void *a, const void *b)
{
    return strcmp(((const struct vg_inv_host *)a)->name, ((const struct vg_inv_host *)b)->name);
}

static int vm_by_name(const void *a, const void *b)
{
    return strcmp((*(const struct vg_inv_vm *const *)a)->name, (*(const struct vg_inv_vm *const *)b)->name);
}

/* The DRS index: each VM of a VM group to the host group of the first
 * enabled VM-host rule (by document order) that binds the group. */
static void index_drs(struct vg_ctx *ctx, struct vg_inventory *inv)
{
    struct vg_hash groups;
    vg_hash_init_names(&inv->drs_pins, ctx->arena, 0);
    vg_hash_init_names(&groups, ctx->arena, 0);
    for (size_t g = 0; g < inv->ngroups; g++)
        vg_hash_put(&groups, inv->groups[g].name, &inv->groups[g]);
    for (size_t r = 0; r < inv->nrules; r++) {
        const struct vg_drs_rule *x = &inv->rules[r];
        if (!x->enabled || !x->vm_group || !x->host_group ||
            (strcmp(x->type, "MustRunOn") != 0 && strcmp(x->type, "ShouldRunOn") != 0))
            continue;
        struct vg_drs_group *vg = vg_hash_get(&groups, x->vm_group), *hg = vg_hash_get(&groups, x->host_group);
        if (!vg || !hg || !hg->nmembers)
            continue;
        for (size_t k = 0; k < vg->nmembers; k++)
            vg_hash_put(&inv->drs_pins, vg->members[k], hg);
    }
}

size_t vg_inv_drs_hosts(const struct vg_inventory *inv, const char *vm, const char *const **out)
{
    const struct vg_drs_group *hg = inv->drs_pins.cap ? vg_hash_get(&inv->drs_pins, vm) : NULL;
    if (!hg)
        return 0;
    *out = hg->members;
    return hg->nmembers;
}

int vg_inventory_read(struct vg_ctx *ctx, uint32_t file, struct vg_inventory *inv)
{
    memset(inv, 0, sizeof *inv);
    const struct vg_source *src = vg_source_get(ctx, file);
    if (!src || !src->valid)
        return -1;
    struct rd r = {ctx, file, 0};
    json_error_t err;
    json_t *doc = json_loadb(src->text, src->len, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        uint32_t at = err.position > 0 ? (uint32_t)err.position : 0;
        if (at > src->len)
            at = (uint32_t)src->len;
        /* jansson's position is past the offending byte; point at it */
        uint32_t start = at > 0 && at <= src->len && src->len ? at - 1 : 0;
        uint32_t end = start < src->len ? start + 1 : start;
        struct vg_diag *d = vg_diag_emit(ctx, VG8001, vg_span_make(file, start, end), "invalid inventory: %s",
                                         vg_inert(ctx->arena, err.text));
        vg_diag_help(ctx, d, "a truncated document is what an interrupted inventory run leaves: run it again");
        return -1;
    }
    int rc = read_doc(&r, doc, inv);
    json_decref(doc);
    if (rc < 0)
        return -1;
    qsort(inv->hosts, inv->nhosts, sizeof *inv->hosts, host_by_name);
    index_drs(ctx, inv);
    /* two VMs of one name: sorted pointers, neighbours compared (n log n) */
    const struct vg_inv_vm **v = vg_alloc_array(ctx->arena, inv->nvms ? inv->nvms : 1, sizeof *v);
    for (size_t i = 0; i < inv->nvms; i++)
        v[i] = &inv->vms[i];
    qsort(v, inv->nvms, sizeof *v, vm_by_name);
    for (size_t i = 0; i + 1 < inv->nvms; i++)
        if (strcmp(v[i]->name, v[i + 1]->name) == 0) {
            struct vg_diag *d =
                vg_diag_emit(ctx, VG8001, vg_span_make(file, 0, src->len ? 1 : 0),
                             "invalid inventory: two VMs are named `%s`", vg_inert(ctx->arena, v[i]->name));
            vg_diag_help(ctx, d, "VM names must be unique in a cluster for vgpuc; rename one");
            return -1;
        }
    return 0;
}

void vg_inventory_map(struct vg_ctx *ctx, struct vg_inventory *inv)
{
    for (size_t i = 0; i < inv->nhosts; i++) {
        struct vg_inv_host *h = &inv->hosts[i];
        if (!h->reachable)
            continue;
        for (size_t k = 0; k < h->ngpus; k++)
            map_gpu(ctx->catalog, ctx->arena, &h->gpus[k]);
        /* A device without a name (dismounted, assigned) whose PCI id several
         * models share is the model of a named device of the same PCI id and
         * subsystem (the same board) on the host. */
        for (size_t k = 0; k < h->ngpus; k++) {
            struct vg_inv_gpu *g = &h->gpus[k];
            for (size_t j = 0; j < h->ngpus && !g->model && g->subsystem; j++) {
                const struct vg_inv_gpu *o = &h->gpus[j];
                if (o->model && o->subsystem && o->vendor && o->device && g->vendor && g->device &&
                    strcmp(o->subsystem, g->subsystem) == 0 && strcmp(o->vendor, g->vendor) == 0 &&
                    strcmp(o->device, g->device) == 0)
                    g->model = o->model;
            }
        }
    }
}

int vg_inv_gpu_has_id(const struct vg_inv_gpu *g, const struct vg_gpu *m)
{
    unsigned ven = hex16(g->vendor), dev = hex16(g->device);
    return m && m->vendor_id && m->vendor_id == ven && m->device_id == dev;
}

const struct vg_gpu *vg_inv_model_by_subsystem(const struct vg_catalog *c, const char *ven, const char *dev,
                                               const char *subven, const char *subdev)
{
    unsigned v = hex16(ven), d = hex16(dev), sv = hex16(subven), sd = hex16(subdev);
    const struct vg_gpu *found = NULL;
    if (!v || sv > 0xFFFF || sd > 0xFFFF || !sd)
        return NULL;
    for (size_t i = 0; i < c->ngpus; i++) {
        const struct vg_gpu *m = c->gpus[i];
        if (m->vendor_id != v || m->device_id != d || m->subvendor_id != sv || m->subdevice_id != sd)
            continue;
        if (found)
            return NULL;
        found = m;
    }
    return found;
}
