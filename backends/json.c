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
    /* the middle of the last VM object written (vm): its bytes in sb */
    const struct vg_vm *mid_vm;
    size_t mid_at, mid_len;
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
/* A key as the literal and its length (no strlen per value); NOKEY: an array item. */
#define KEY(s) s, sizeof(s) - 1
#define NOKEY NULL, 0

/* A line break and the indent of the deepest level, copied from as far as a
 * level needs (no memset of a length known only at run time). */
static const char nl_indent[] = "\n                                                ";
_Static_assert(sizeof nl_indent >= 1 + 2 * INDENT_MAX + 1, "nl_indent holds INDENT_MAX levels");

/* The bytes of one piece written straight into the buffer: room for n, then
 * the new end (and its NUL) once written. */
static inline char *room(struct jw *w, size_t n)
{
    if (n >= w->sb->cap - w->sb->len || !w->sb->data) /* vg_sb_reserve's test, inline: a call per piece */
        vg_sb_reserve(w->sb, n);
    return w->sb->data + w->sb->len;
}

static inline void wrote(struct jw *w, char *end)
{
    *end = '\0';
    w->sb->len = (size_t)(end - w->sb->data);
}

#define KEY_ROOM (1 + 1 + 2 * INDENT_MAX + 1 + KEY_MAX + 3) /* separator, indent, quoted key */

/* The separator, the line break and indent, and the quoted key, written at o
 * (KEY_ROOM bytes of room); returns the end. */
static char *put_key(struct jw *w, char *o, const char *k, size_t kl)
{
    if (!w->first)
        *o++ = ',';
    w->first = 0;
    if (w->depth) { /* the room holds the deepest indent: one copy of fixed size */
        memcpy(o, nl_indent, 1 + 2 * INDENT_MAX);
        o += 1 + 2 * (size_t)w->depth;
    }
    if (k) {
        *o++ = '"';
        memcpy(o, k, kl);
        o += kl;
        memcpy(o, "\": ", 3);
        o += 3;
    }
    return o;
}

static void key(struct jw *w, const char *k, size_t kl)
{
    if (w->depth > INDENT_MAX || kl > KEY_MAX) { /* not in this file's documents */
        if (!w->first)
            vg_sb_putc(w->sb, ',');
        w->first = 0;
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
    wrote(w, put_key(w, room(w, KEY_ROOM), k, kl));
}

static void jopen(struct jw *w, const char *k, size_t kl, char c)
{
    key(w, k, kl);
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
        size_t n = 1 + 2 * (size_t)w->depth;
        char *o = room(w, 1 + 2 * INDENT_MAX + 1);
        memcpy(o, nl_indent, 1 + 2 * INDENT_MAX);
        o[n] = c;
        wrote(w, o + n + 1);
    }
    w->first = 0;
}

/* Bytes JSON takes as they are in a string (vg_sb_json_str escapes the rest). */
static inline int json_plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f; }

static void str(struct jw *w, const char *k, size_t kl, const char *v)
{
    if (v && w->depth <= INDENT_MAX && kl <= KEY_MAX) { /* the key and a value with nothing to escape at once */
        size_t n = 0;
        while (json_plain((unsigned char)v[n]))
            n++;
        if (!v[n]) {
            char *o = put_key(w, room(w, KEY_ROOM + n + 2), k, kl);
            *o++ = '"';
            memcpy(o, v, n);
            o += n;
            *o++ = '"';
            wrote(w, o);
            return;
        }
    }
    key(w, k, kl);
    if (v)
        vg_sb_json_str(w->sb, v);
    else
        vg_sb_add(w->sb, "null", 4);
}

static void put_u(struct jw *w, unsigned long long v)
{
    char b[24];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char *o = room(w, sizeof b);
    memcpy(o, b + i, sizeof b - i);
    wrote(w, o + (sizeof b - i));
}

static void num(struct jw *w, const char *k, size_t kl, unsigned long long v)
{
    key(w, k, kl);
    put_u(w, v);
}

static void boolean(struct jw *w, const char *k, size_t kl, int v)
{
    key(w, k, kl);
    vg_sb_puts(w->sb, v ? "true" : "false");
}

static void version_ref(struct jw *w, const char *k, size_t kl, const struct vg_version_ref *r)
{
    jopen(w, k, kl, '{');
    str(w, KEY("text"), r->text);
    jopen(w, KEY("releases"), '[');
    for (size_t i = 0; i < r->nrel; i++)
        str(w, NOKEY, r->rel[i]->name);
    jclose(w, ']');
    jclose(w, '}');
}

/* A GPU model's PCI ids as 4 upper-case hex digits, or null when the catalog
 * has none (0 = unverified). */
static void pci(struct jw *w, const struct vg_gpu *g)
{
    if (!g || !g->vendor_id || !g->device_id) {
        key(w, KEY("pci"));
        vg_sb_puts(w->sb, "null");
        return;
    }
    jopen(w, KEY("pci"), '{');
    key(w, KEY("vendor"));
    vg_sb_printf(w->sb, "\"%04X\"", (unsigned)g->vendor_id);
    key(w, KEY("device"));
    vg_sb_printf(w->sb, "\"%04X\"", (unsigned)g->device_id);
    jclose(w, '}');
}

/* `vm-management arc`: null when the cluster's VMs are not Arc VMs. */
static void arc(struct jw *w, const struct vg_arc *a)
{
    if (!a) {
        key(w, KEY("arc"));
        vg_sb_puts(w->sb, "null");
        return;
    }
    jopen(w, KEY("arc"), '{');
    str(w, KEY("resource_group"), a->resource_group);
    jclose(w, '}');
}

static const char *graphics_name(enum vg_graphics g) { return g == VG_GRAPHICS_SHARED ? "shared" : "shared-direct"; }
static const char *vgpu_mode_name(enum vg_vgpu_mode m) { return m == VG_VGPU_MIXED_SIZE ? "mixed-size" : "same-size"; }
static void host(struct jw *w, const struct vg_host *h, const struct vg_cluster_plan *p)
{
    const char *drv =
        h->manager.nrel && h->cluster->platform ? h->manager.rel[0]->driver[h->cluster->platform->host_driver] : NULL;
    uint32_t first = p->host_first ? p->host_first[h->index] : 0;

    jopen(w, NOKEY, '{');
    str(w, KEY("name"), h->name);
    jopen(w, KEY("gpus"), '[');
    for (size_t g = 0; g < h->ngpus; g++) {
        jopen(w, NOKEY, '{');
        str(w, KEY("model"), h->gpus[g].model ? h->gpus[g].model->model : h->gpus[g].model_name);
        num(w, KEY("boards"), h->gpus[g].boards);
        pci(w, h->gpus[g].model);
        jclose(w, '}');
    }
    jclose(w, ']');
    num(w, KEY("physical_gpus"), h->npgpus);
    version_ref(w, KEY("vgpu_manager"), &h->manager);
    str(w, KEY("host_driver"), drv);
    str(w, KEY("graphics"), graphics_name(h->graphics));
    str(w, KEY("vgpu_mode"), vgpu_mode_name(h->vgpu_mode));
    jopen(w, KEY("pgpus"), '[');
    for (uint32_t g = 0; p->pgpus && g < h->npgpus && first + g < p->npgpus; g++) {
        const struct vg_pgpu *pg = &p->pgpus[first + g];
        jopen(w, NOKEY, '{');
        /* the members of vg_plan_json_gpu (plan -f json), in its order */
        num(w, KEY("index"), pg->index);
        num(w, KEY("board"), pg->board);
        str(w, KEY("model"), pg->model ? pg->model->model : NULL);
        str(w, KEY("use"), vg_pgpu_use_name(pg->use));
        str(w, KEY("profile"), pg->profile ? pg->profile->name : NULL);
        num(w, KEY("used_fb_mb"), pg->used_fb_mb);
        num(w, KEY("vgpus"), pg->nvgpus);
        jclose(w, '}');
    }
    jclose(w, ']');
    jclose(w, '}');
}

static int same_text(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* Whether the members of VM b's object between its name and its placement
 * (vm_middle) are those of VM a's: every field they are written from. */
static int same_middle(const struct vg_vm *a, const struct vg_vm *b)
{
    if (a->mode != b->mode || a->profile != b->profile || a->gpu_model != b->gpu_model || a->count != b->count ||
        !same_text(a->guest.text, b->guest.text) || a->guest.nrel != b->guest.nrel || a->os != b->os ||
        a->migration != b->migration || a->pin != b->pin || a->nallowed != b->nallowed ||
        a->memory_bytes != b->memory_bytes || a->firmware != b->firmware || a->generation != b->generation ||
        a->mmio_low != b->mmio_low || a->mmio_high != b->mmio_high)
        return 0;
    for (size_t i = 0; i < a->guest.nrel; i++)
        if (a->guest.rel[i] != b->guest.rel[i])
            return 0;
    for (size_t i = 0; i < a->nallowed; i++)
        if (a->allowed[i] != b->allowed[i])
            return 0;
    return 1;
}

/* The members of a VM's object between its name and its placement. */
static void vm_middle(struct jw *w, const struct vg_vm *v)
{
    str(w, KEY("mode"), v->mode == VG_MODE_NONE ? NULL : vg_mode_name(v->mode));
    str(w, KEY("profile"), v->profile ? v->profile->name : NULL);
    str(w, KEY("gpu_model"), v->gpu_model ? v->gpu_model->model : NULL);
    num(w, KEY("count"), v->count ? v->count : 1);
    version_ref(w, KEY("guest_driver"), &v->guest);
    str(w, KEY("os"), v->os == VG_OS_LINUX ? "linux" : "windows");
    str(w, KEY("migration"), vg_migration_name(v->migration));
    str(w, KEY("host"), v->pin ? v->pin->name : NULL);
    jopen(w, KEY("hosts"), '[');
    for (size_t i = 0; i < v->nallowed; i++)
        str(w, NOKEY, v->allowed[i]->name);
    jclose(w, ']');
    num(w, KEY("memory_bytes"), v->memory_bytes);
    str(w, KEY("firmware"), v->firmware == VG_FW_BIOS ? "bios" : "efi");
    num(w, KEY("generation"), v->generation ? v->generation : 2);
    jopen(w, KEY("mmio"), '{');
    num(w, KEY("low_bytes"), v->mmio_low);
    num(w, KEY("high_bytes"), v->mmio_high);
    jclose(w, '}');
}

/* A VM's object. VMs are mostly written alike (a pool): when the middle of
 * the object would be the last VM's (same fields, same depth), its bytes are
 * copied from that one's rather than written again (~70 % of the work of a
 * 100k-VM build). */
static void vm(struct jw *w, const struct vg_vm *v, const struct vg_cluster_plan *p)
{
    const struct vg_placement *pl = p->place ? &p->place[v->index] : NULL;

    jopen(w, NOKEY, '{');
    str(w, KEY("name"), v->name); /* so the middle starts after a member, at one depth */
    if (w->mid_vm && same_middle(w->mid_vm, v)) {
        char *o = room(w, w->mid_len);
        memcpy(o, w->sb->data + w->mid_at, w->mid_len);
        wrote(w, o + w->mid_len);
    } else {
        size_t at = w->sb->len;
        vm_middle(w, v);
        w->mid_vm = v;
        w->mid_at = at;
        w->mid_len = w->sb->len - at;
    }
    jopen(w, KEY("placement"), '{');
    str(w, KEY("host"), pl && pl->host ? pl->host->name : NULL);
    jopen(w, KEY("gpus"), '[');
    for (uint32_t k = 0; pl && k < pl->ngpus; k++) {
        key(w, NOKEY);
        put_u(w, p->pgpus[pl->gpus[k]].index);
    }
    jclose(w, ']');
    jclose(w, '}');
    jclose(w, '}');
}

void vg_emit_json(const struct vg_ctx *ctx, const struct vg_cluster *c, const struct vg_cluster_plan *p,
                  const struct vg_emit_info *info, struct vg_strbuf *out)
{
    struct jw w = {out, 0, 1, NULL, 0, 0};
    (void)ctx;

    jopen(&w, NOKEY, '{');
    str(&w, KEY("format_version"), JSON_FORMAT_VERSION); /* the shared head (base/json.c vg_json_head) */
    jopen(&w, KEY("tool"), '{');
    str(&w, KEY("name"), "vgpuc");
    str(&w, KEY("version"), VGPUC_VERSION);
    jclose(&w, '}');
    jopen(&w, KEY("source"), '{');
    str(&w, KEY("path"), info->source_path);
    str(&w, KEY("sha256"), info->source_sha256);
    jclose(&w, '}');
    jopen(&w, KEY("cluster"), '{');
    str(&w, KEY("name"), c->name);
    jopen(&w, KEY("platform"), '{');
    str(&w, KEY("family"), c->family);
    str(&w, KEY("version"), c->version);
    boolean(&w, KEY("known"), c->platform != NULL);
    jclose(&w, '}');
    str(&w, KEY("target"), vg_target_name(vg_target_for(c)));
    str(&w, KEY("edition"),
        c->edition == VG_EDITION_DATACENTER     ? "datacenter"
            : c->edition == VG_EDITION_STANDARD ? "standard"
                                                : NULL);
    str(&w, KEY("vcenter"), c->vcenter);
    version_ref(&w, KEY("vgpu_manager"), &c->manager);
    str(&w, KEY("license_server"), c->license ? c->license->name : NULL);
    num(&w, KEY("tolerate_host_failures"), c->tolerate);
    num(&w, KEY("gpu_partitions"), p->partitions);
    arc(&w, c->arc);
    jopen(&w, KEY("hosts"), '[');
    for (size_t i = 0; i < c->nhosts; i++)
        host(&w, c->hosts[i], p);
    jclose(&w, ']');
    jopen(&w, KEY("vms"), '[');
    for (size_t i = 0; i < c->nvms; i++)
        vm(&w, c->vms[i], p);
    jclose(&w, ']');
    jopen(&w, KEY("failover"), '{');
    num(&w, KEY("sets_tried"), p->nsets_tried);
    num(&w, KEY("unplaced"), p->nunplaced);
    jopen(&w, KEY("failing_sets"), '[');
    for (size_t i = 0; i < p->nfailovers; i++) {
        const struct vg_failover *f = &p->failovers[i];
        jopen(&w, NOKEY, '{');
        jopen(&w, KEY("failed_hosts"), '[');
        for (uint32_t k = 0; k < f->nfailed; k++)
            str(&w, NOKEY, f->failed[k]->name);
        jclose(&w, ']');
        jopen(&w, KEY("vms_down"), '[');
        for (size_t k = 0; k < f->ndown; k++)
            str(&w, NOKEY, f->down[k]->name);
        jclose(&w, ']');
        jclose(&w, '}');
    }
    jclose(&w, ']');
    jclose(&w, '}');
    jclose(&w, '}');
    jclose(&w, '}');
    vg_sb_putc(out, '\n');
}
