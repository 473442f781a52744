/*
 * json.c - `vgpuc build --target json`: the resolved model and plan of one
 * cluster as a JSON document for other tools (Ansible, a CMDB).
 *
 * It starts with the head every JSON output shares (docs/architecture.md,
 * "JSON outputs": the format version, "2.0", and the tool object of
 * vg_json_head); a physical GPU's first members are those of `plan -f json`
 * (vg_plan_json_gpu), in the same order. Keys are in a fixed order and arrays
 * in declaration order, so the same input gives the same bytes. Values are
 * the resolved ones (ranges expanded, catalog lookups and defaults applied,
 * placement done). The document is written laid out as vg_json_pretty lays
 * out the others, directly: a build of 100k VMs writes millions of values,
 * and a compact text re-indented afterwards cost as much again.
 */
#include "backend.h"

#include <string.h>

#ifndef VGPUC_VERSION
#define VGPUC_VERSION "0.0.0"
#endif

/* 2.0: the head every JSON output shares ("tool" an object) */
#define JSON_FORMAT_VERSION "2.0"

struct jw {
    struct vg_strbuf *sb;
    int depth;
    int first;
};

/*
 * The writer appends each piece once: the separator, the line break and
 * indent, and the quoted key go to the buffer in one vg_sb_add, and numbers
 * are converted here rather than through printf (a build of 100k VMs writes
 * millions of them). Keys are the fixed identifiers of this file: ASCII
 * without anything JSON escapes.
 */
#define INDENT_MAX 24 /* depth written from one buffer; deeper goes piece by piece */
#define KEY_MAX 40

static void key(struct jw *w, const char *k)
{
    char buf[1 + 1 + 2 * INDENT_MAX + 1 + KEY_MAX + 3];
    size_t n = 0, kl = k ? strlen(k) : 0;
    if (!w->first)
        buf[n++] = ',';
    w->first = 0;
    if (w->depth > INDENT_MAX || kl > KEY_MAX) { /* not in this file's documents */
        vg_sb_add(w->sb, buf, n);
        if (w->depth)
            vg_sb_putc(w->sb, '\n');
        for (int i = 0; i < w->depth; i++)
            vg_sb_puts(w->sb, "  ");
        if (k) {
            vg_sb_json_str(w->sb, k);
            vg_sb_puts(w->sb, ": ");
        }
        return;
    }
    if (w->depth) {
        buf[n++] = '\n';
        memset(buf + n, ' ', 2 * (size_t)w->depth);
        n += 2 * (size_t)w->depth;
    }
    if (k) {
        buf[n++] = '"';
        memcpy(buf + n, k, kl);
        n += kl;
        memcpy(buf + n, "\": ", 3);
        n += 3;
    }
    vg_sb_add(w->sb, buf, n);
}

static void jopen(struct jw *w, const char *k, char c)
{
    key(w, k);
    vg_sb_putc(w->sb, c);
    w->depth++;
    w->first = 1;
}

static void jclose(struct jw *w, char c)
{
    w->depth--;
    if (w->first || w->depth > INDENT_MAX) {
        if (!w->first) {
            vg_sb_putc(w->sb, '\n');
            for (int i = 0; i < w->depth; i++)
                vg_sb_puts(w->sb, "  ");
        }
        vg_sb_putc(w->sb, c);
    } else { /* the line break, the indent and the bracket at once */
        char buf[1 + 2 * INDENT_MAX + 1];
        size_t n = 2 * (size_t)w->depth;
        buf[0] = '\n';
        memset(buf + 1, ' ', n);
        buf[n + 1] = c;
        vg_sb_add(w->sb, buf, n + 2);
    }
    w->first = 0;
}

static void str(struct jw *w, const char *k, const char *v)
{
    key(w, k);
    if (v)
        vg_sb_json_str(w->sb, v);
    else
        vg_sb_add(w->sb, "null", 4);
}

static void put_u(struct vg_strbuf *sb, unsigned long long v)
{
    char b[24];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    vg_sb_add(sb, b + i, sizeof b - i);
}

static void num(struct jw *w, const char *k, unsigned long long v)
{
    key(w, k);
    put_u(w->sb, v);
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
    const char *drv =
        h->manager.nrel && h->cluster->platform ? h->manager.rel[0]->driver[h->cluster->platform->host_driver] : NULL;
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
        /* the members of vg_plan_json_gpu (plan -f json), in its order */
        num(w, "index", pg->index);
        num(w, "board", pg->board);
        str(w, "model", pg->model ? pg->model->model : NULL);
        str(w, "use", vg_pgpu_use_name(pg->use));
        str(w, "profile", pg->profile ? pg->profile->name : NULL);
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
        put_u(w->sb, p->pgpus[pl->gpus[k]].index);
    }
    jclose(w, ']');
    jclose(w, '}');
    jclose(w, '}');
}

void vg_emit_json(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                  const struct vg_emit_info *info, struct vg_strbuf *out)
{
    struct jw w = {out, 0, 1};
    (void)ctx;

    jopen(&w, NULL, '{');
    str(&w, "format_version", JSON_FORMAT_VERSION); /* the shared head (base/json.c vg_json_head) */
    jopen(&w, "tool", '{');
    str(&w, "name", "vgpuc");
    str(&w, "version", VGPUC_VERSION);
    jclose(&w, '}');
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
    str(&w, "edition",
        c->edition == VG_EDITION_DATACENTER     ? "datacenter"
            : c->edition == VG_EDITION_STANDARD ? "standard"
                                                : NULL);
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
    vg_sb_putc(out, '\n');
}
