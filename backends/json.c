/*
 * json.c - `vgpuc build --target json`: the resolved model and plan of one
 * cluster as a JSON document for other tools (Ansible, a CMDB).
 *
 * It starts with the head every JSON output shares (base/json.h: the format
 * version, "2.0", and the tool); a physical GPU's first members are those of
 * `plan -f json` (vg_plan_json_gpu). Keys are in a fixed order and arrays in
 * declaration order, so the same input gives the same bytes. Values are the
 * resolved ones (ranges expanded, catalog lookups and defaults applied,
 * placement done).
 */
#include "backend.h"

#include "base/json.h"

/* base/json.h; 2.0: the head every JSON output shares ("tool" an object) */
#define JSON_FORMAT_VERSION "2.0"

/* A compact JSON writer; vg_emit_json lays the document out for people with
 * vg_json_pretty, as every JSON output of vgpuc is laid out. */
struct jw {
    struct vg_strbuf *sb;
    int first;
};

static void key(struct jw *w, const char *k)
{
    if (!w->first)
        vg_sb_putc(w->sb, ',');
    w->first = 0;
    if (k) {
        vg_sb_json_str(w->sb, k);
        vg_sb_putc(w->sb, ':');
    }
}

static void jopen(struct jw *w, const char *k, char c)
{
    key(w, k);
    vg_sb_putc(w->sb, c);
    w->first = 1;
}

static void jclose(struct jw *w, char c)
{
    vg_sb_putc(w->sb, c);
    w->first = 0;
}

static void str(struct jw *w, const char *k, const char *v)
{
    key(w, k);
    if (v)
        vg_sb_json_str(w->sb, v);
    else
        vg_sb_puts(w->sb, "null");
}

static void num(struct jw *w, const char *k, unsigned long long v)
{
    key(w, k);
    vg_sb_printf(w->sb, "%llu", v);
}

static void boolean(struct jw *w, const char *k, int v)
{
    key(w, k);
    vg_sb_puts(w->sb, v ? "true" : "false");
}

static void version_ref(struct jw *w, const char *k, const struct vg_version_ref *r)
{
    jopen(w, k, '{');
    str(w, "text", r->text);
    jopen(w, "releases", '[');
    for (size_t i = 0; i < r->nrel; i++)
        str(w, NULL, r->rel[i]->name);
    jclose(w, ']');
    jclose(w, '}');
}

/* A GPU model's PCI ids as 4 upper-case hex digits, or null when the catalog
 * has none (0 = unverified). */
static void pci(struct jw *w, const struct vg_gpu *g)
{
    if (!g || !g->vendor_id || !g->device_id) {
        key(w, "pci");
        vg_sb_puts(w->sb, "null");
        return;
    }
    jopen(w, "pci", '{');
    key(w, "vendor");
    vg_sb_printf(w->sb, "\"%04X\"", (unsigned)g->vendor_id);
    key(w, "device");
    vg_sb_printf(w->sb, "\"%04X\"", (unsigned)g->device_id);
    jclose(w, '}');
}

/* `vm-management arc`: null when the cluster's VMs are not Arc VMs. */
static void arc(struct jw *w, const struct vg_arc *a)
{
    if (!a) {
        key(w, "arc");
        vg_sb_puts(w->sb, "null");
        return;
    }
    jopen(w, "arc", '{');
    str(w, "resource_group", a->resource_group);
    jclose(w, '}');
}

static const char *graphics_name(enum vg_graphics g) { return g == VG_GRAPHICS_SHARED ? "shared" : "shared-direct"; }
static const char *vgpu_mode_name(enum vg_vgpu_mode m) { return m == VG_VGPU_MIXED_SIZE ? "mixed-size" : "same-size"; }

static void host(struct jw *w, const struct vg_host *h, const struct vg_cluster_plan *p)
{
    const char *drv = h->manager.nrel && h->cluster->platform
                          ? h->manager.rel[0]->driver[h->cluster->platform->host_driver]
                          : NULL;
    uint32_t first = p->host_first ? p->host_first[h->index] : 0;

    jopen(w, NULL, '{');
    str(w, "name", h->name);
    jopen(w, "gpus", '[');
    for (size_t g = 0; g < h->ngpus; g++) {
        jopen(w, NULL, '{');
        str(w, "model", h->gpus[g].model ? h->gpus[g].model->model : h->gpus[g].model_name);
        num(w, "boards", h->gpus[g].boards);
        pci(w, h->gpus[g].model);
        jclose(w, '}');
    }
    jclose(w, ']');
    num(w, "physical_gpus", h->npgpus);
    version_ref(w, "vgpu_manager", &h->manager);
    str(w, "host_driver", drv);
    str(w, "graphics", graphics_name(h->graphics));
    str(w, "vgpu_mode", vgpu_mode_name(h->vgpu_mode));
    jopen(w, "pgpus", '[');
    for (uint32_t g = 0; p->pgpus && g < h->npgpus && first + g < p->npgpus; g++) {
        const struct vg_pgpu *pg = &p->pgpus[first + g];
        jopen(w, NULL, '{');
        vg_plan_json_gpu(w->sb, pg, 0); /* the members every JSON placement starts with */
        w->first = 0;
        num(w, "used_fb_mb", pg->used_fb_mb);
        num(w, "vgpus", pg->nvgpus);
        jclose(w, '}');
    }
    jclose(w, ']');
    jclose(w, '}');
}

static void vm(struct jw *w, const struct vg_vm *v, const struct vg_cluster_plan *p)
{
    const struct vg_placement *pl = p->place ? &p->place[v->index] : NULL;

    jopen(w, NULL, '{');
    str(w, "name", v->name);
    str(w, "mode", v->mode == VG_MODE_NONE ? NULL : vg_mode_name(v->mode));
    str(w, "profile", v->profile ? v->profile->name : NULL);
    str(w, "gpu_model", v->gpu_model ? v->gpu_model->model : NULL);
    num(w, "count", v->count ? v->count : 1);
    version_ref(w, "guest_driver", &v->guest);
    str(w, "os", v->os == VG_OS_LINUX ? "linux" : "windows");
    str(w, "migration", vg_migration_name(v->migration));
    str(w, "host", v->pin ? v->pin->name : NULL);
    jopen(w, "hosts", '[');
    for (size_t i = 0; i < v->nallowed; i++)
        str(w, NULL, v->allowed[i]->name);
    jclose(w, ']');
    num(w, "memory_bytes", v->memory_bytes);
    str(w, "firmware", v->firmware == VG_FW_BIOS ? "bios" : "efi");
    num(w, "generation", v->generation ? v->generation : 2);
    jopen(w, "mmio", '{');
    num(w, "low_bytes", v->mmio_low);
    num(w, "high_bytes", v->mmio_high);
    jclose(w, '}');
    jopen(w, "placement", '{');
    str(w, "host", pl && pl->host ? pl->host->name : NULL);
    jopen(w, "gpus", '[');
    for (uint32_t k = 0; pl && k < pl->ngpus; k++) {
        key(w, NULL);
        vg_sb_printf(w->sb, "%u", p->pgpus[pl->gpus[k]].index);
    }
    jclose(w, ']');
    jclose(w, '}');
    jclose(w, '}');
}

void vg_emit_json(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                  const struct vg_emit_info *info, struct vg_strbuf *out)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    struct jw w = {&sb, 1};
    (void)ctx;

    jopen(&w, NULL, '{');
    vg_json_head(&sb, JSON_FORMAT_VERSION, NULL);
    w.first = 0;
    jopen(&w, "source", '{');
    str(&w, "path", info->source_path);
    str(&w, "sha256", info->source_sha256);
    jclose(&w, '}');
    jopen(&w, "cluster", '{');
    str(&w, "name", c->name);
    jopen(&w, "platform", '{');
    str(&w, "family", c->family);
    str(&w, "version", c->version);
    boolean(&w, "known", c->platform != NULL);
    jclose(&w, '}');
    str(&w, "target", vg_target_name(vg_target_for(c)));
    str(&w, "edition", c->edition == VG_EDITION_DATACENTER ? "datacenter"
                       : c->edition == VG_EDITION_STANDARD ? "standard" : NULL);
    str(&w, "vcenter", c->vcenter);
    version_ref(&w, "vgpu_manager", &c->manager);
    str(&w, "license_server", c->license ? c->license->name : NULL);
    num(&w, "tolerate_host_failures", c->tolerate);
    num(&w, "gpu_partitions", p->partitions);
    arc(&w, c->arc);
    jopen(&w, "hosts", '[');
    for (size_t i = 0; i < c->nhosts; i++)
        host(&w, c->hosts[i], p);
    jclose(&w, ']');
    jopen(&w, "vms", '[');
    for (size_t i = 0; i < c->nvms; i++)
        vm(&w, c->vms[i], p);
    jclose(&w, ']');
    jopen(&w, "failover", '{');
    num(&w, "sets_tried", p->nsets_tried);
    num(&w, "unplaced", p->nunplaced);
    jopen(&w, "failing_sets", '[');
    for (size_t i = 0; i < p->nfailovers; i++) {
        const struct vg_failover *f = &p->failovers[i];
        jopen(&w, NULL, '{');
        jopen(&w, "failed_hosts", '[');
        for (uint32_t k = 0; k < f->nfailed; k++)
            str(&w, NULL, f->failed[k]->name);
        jclose(&w, ']');
        jopen(&w, "vms_down", '[');
        for (size_t k = 0; k < f->ndown; k++)
            str(&w, NULL, f->down[k]->name);
        jclose(&w, ']');
        jclose(&w, '}');
    }
    jclose(&w, ']');
    jclose(&w, '}');
    jclose(&w, '}');
    jclose(&w, '}');
    vg_json_pretty(sb.data, sb.len, out);
    vg_sb_free(&sb);
}
