/*
 * import.c - an inventory document (docs/adopt.md) as a `.vgpu` file.
 *
 * Three steps: read the document (driver/inventory.c: VG8001 on the first problem,
 * nothing produced); map what the
 * live cluster has to the language through the catalog (PCI ids to models,
 * the host driver to a release, the OS build to a platform, a partition size
 * to a profile); write the file, with VMs of identical configuration and
 * consecutive numbered names folded into one range. Whatever cannot be mapped
 * is left out and said in a comment; nothing is guessed, except the one
 * choice the inventory cannot tell (a GPU-P partition's series), which the
 * comment beside it names.
 */
#include "driver/import.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "catalog/catalog.h"
#include "core/diag.h"
#include "driver/inventory.h"
#include "core/source.h"

/* ---- writing ------------------------------------------------------------ */

static int is_word(const char *s)
{
    if (!*s || !(isalnum((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || strchr("_.+-", *s)))
            return 0;
    return 1;
}

/* A name as a word when it is one, else as a string (never range-expanded). */
static void put_name(struct vg_strbuf *sb, const char *s)
{
    if (is_word(s)) {
        vg_sb_puts(sb, s);
        return;
    }
    vg_sb_putc(sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            vg_sb_putc(sb, '\\');
        vg_sb_putc(sb, *s);
    }
    vg_sb_putc(sb, '"');
}

static int put_size(struct vg_strbuf *sb, long long b)
{
    const long long mib = 1024LL * 1024;
    if (b > 0 && b % (1024 * mib) == 0)
        vg_sb_printf(sb, "%lldGB", b / (1024 * mib));
    else if (b > 0 && b % mib == 0)
        vg_sb_printf(sb, "%lldMB", b / mib);
    else
        return -1;
    return 0;
}

static const struct vg_inv_gpu *host_gpu(const struct vg_inventory *inv, const char *host, const char *lp)
{
    for (size_t i = 0; i < inv->nhosts; i++)
        if (inv->hosts[i].reachable && strcmp(inv->hosts[i].name, host) == 0)
            for (size_t k = 0; k < inv->hosts[i].ngpus; k++)
                if (lp && inv->hosts[i].gpus[k].location_path && strcmp(inv->hosts[i].gpus[k].location_path, lp) == 0)
                    return &inv->hosts[i].gpus[k];
    return NULL;
}

/* The model of a device assigned from a pool (its GPU is chosen when the VM
 * starts): the one model of the host's dismounted and assigned GPUs. */
static const struct vg_gpu *pool_model(const struct vg_inventory *inv, const char *host)
{
    const struct vg_gpu *m = NULL;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct vg_inv_host *h = &inv->hosts[i];
        if (!h->reachable || strcmp(h->name, host) != 0)
            continue;
        for (size_t k = 0; k < h->ngpus; k++) {
            const struct vg_inv_gpu *g = &h->gpus[k];
            if (strcmp(g->mode, "dismounted") != 0 && strcmp(g->mode, "assigned") != 0)
                continue;
            if (!g->model || (m && m != g->model))
                return NULL;
            m = g->model;
        }
    }
    return m;
}

/* The model of the host's partitionable GPUs, if they are all one mapped model. */
static const struct vg_gpu *host_gpup_model(const struct vg_inventory *inv, const char *host)
{
    const struct vg_gpu *m = NULL;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct vg_inv_host *h = &inv->hosts[i];
        if (!h->reachable || strcmp(h->name, host) != 0)
            continue;
        for (size_t k = 0; k < h->ngpus; k++) {
            if (strcmp(h->gpus[k].mode, "partitionable") != 0)
                continue;
            if (!h->gpus[k].model || (m && m != h->gpus[k].model))
                return NULL;
            m = h->gpus[k].model;
        }
    }
    return m;
}

static int same_set(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++) {
        size_t k = 0;
        while (k < nb && strcmp(a[i], b[k]) != 0)
            k++;
        if (k == nb)
            return 0;
    }
    return 1;
}

/* Where a DDA VM runs: on a standalone host, or where its possible owners
 * are not known or are only the host it runs on, that host (`host`); on a
 * cluster, no line when its possible owners are every node with its model
 * (what the build script sets when the file names none), else `hosts`. */
static void put_dda_place(struct vg_strbuf *sb, const struct vg_inventory *inv, const struct vg_inv_vm *v,
                          const struct vg_gpu *m)
{
    if (!inv->clustered || !v->owners_known || (v->nowners == 1 && strcmp(v->owners[0], v->host) == 0)) {
        vg_sb_puts(sb, "host ");
        put_name(sb, v->host);
        vg_sb_putc(sb, '\n');
        return;
    }
    size_t nwith = 0;
    int same = 1;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct vg_inv_host *h = &inv->hosts[i];
        int has = 0;
        for (size_t k = 0; h->reachable && k < h->ngpus && !has; k++)
            has = h->gpus[k].model == m;
        if (!has)
            continue;
        nwith++;
        size_t j = 0;
        while (j < v->nowners && strcmp(v->owners[j], h->name) != 0)
            j++;
        same &= j < v->nowners;
    }
    if (same && nwith == v->nowners)
        return;
    vg_sb_puts(sb, "hosts");
    for (size_t i = 0; i < v->nowners; i++) {
        vg_sb_putc(sb, ' ');
        put_name(sb, v->owners[i]);
    }
    vg_sb_putc(sb, '\n');
}

/* The VM's guest driver and OS, as the guest reported them (an inventory run
 * with guest credentials): the one release of the catalog with that guest
 * driver, the driver itself when releases share it, else a comment; never a
 * guess. */
static void put_guest(struct vg_ctx *ctx, const struct vg_inv_vm *v, struct vg_strbuf *sb)
{
    if (v->guest_os)
        vg_sb_printf(sb, "os %s\n", v->guest_os);
    if (!v->guest_driver) {
        if (v->guest_error)
            vg_sb_printf(sb, "# guest-driver: not read: %s\n", v->guest_error);
        else
            vg_sb_puts(sb, "# guest-driver: not in the inventory (guest driver versions need guest credentials)\n");
        return;
    }
    if (!v->guest_os) {
        vg_sb_printf(sb, "# guest-driver: guest driver %s, on a guest OS the inventory does not name\n",
                     v->guest_driver);
        return;
    }
    const struct vg_release *rel[8];
    enum vg_driver_kind kind = strcmp(v->guest_os, "linux") == 0 ? VG_DRV_GUEST_LINUX : VG_DRV_GUEST_WINDOWS;
    size_t nrel = vg_catalog_resolve(ctx->catalog, v->guest_driver, kind, rel, 8);
    if (nrel == 1)
        vg_sb_printf(sb, "guest-driver %s  # guest driver %s\n", rel[0]->name, v->guest_driver);
    else if (nrel > 1)
        vg_sb_printf(sb, "guest-driver %s  # releases %s to %s share this driver\n", v->guest_driver, rel[0]->name,
                     rel[nrel - 1]->name);
    else
        vg_sb_printf(sb, "# guest-driver: guest driver %s is no release of the catalog\n", v->guest_driver);
}

/* The `gpu` line of a Hyper-V VM: its GPU-P partitions as a Q profile of the
 * size they have, its DDA devices as whole GPUs (and where they run), or a
 * comment saying why not. */
static void vm_gpu(struct vg_strbuf *sb, const struct vg_inventory *inv, const struct vg_inv_vm *v,
                   long long partitions)
{
    if (v->adapters > 0 && v->ndevices > 0)
        vg_sb_puts(sb, "# gpu: both GPU-P partitions and DDA devices; declare one of them by hand\n");
    else if (v->adapters > 0) {
        const struct vg_gpu *m = host_gpup_model(inv, v->host);
        const struct vg_profile *p = NULL;
        if (m && partitions > 0)
            for (size_t i = 0; i < m->nprofiles && !p; i++)
                if (m->profiles[i].series == 'Q' && (long long)m->profiles[i].fb_mb * partitions == (long long)m->fb_mb)
                    p = &m->profiles[i];
        if (p) {
            vg_sb_printf(sb,
                         "# GPU-P: a partition of %" PRIu32 " MB of %s; the series is the license, not in the "
                         "inventory: Q written\n",
                         p->fb_mb, m->model);
            vg_sb_printf(sb, "gpu vgpu %s", p->name);
            if (v->adapters > 1)
                vg_sb_printf(sb, " x %lld", v->adapters);
            vg_sb_putc(sb, '\n');
        } else if (!m) {
            vg_sb_puts(sb, "# gpu: GPU-P, but the host's partitionable GPUs are not one known model\n");
        } else {
            vg_sb_printf(sb, "# gpu: GPU-P on %s with %lld partitions per GPU: no Q profile has that size\n", m->model,
                         partitions);
        }
    } else {
        const struct vg_gpu *m = NULL;
        int ok = 1;
        for (size_t i = 0; i < v->ndevices; i++) {
            const struct vg_inv_gpu *g = v->devices[i] ? host_gpu(inv, v->host, v->devices[i]) : NULL;
            const struct vg_gpu *gm = g ? g->model : (!v->devices[i] && v->pools[i] ? pool_model(inv, v->host) : NULL);
            if (!gm || (m && m != gm))
                ok = 0;
            else
                m = gm;
        }
        if (ok && m) {
            vg_sb_printf(sb, "gpu passthrough %s", m->model);
            if (v->ndevices > 1)
                vg_sb_printf(sb, " x %zu", v->ndevices);
            vg_sb_putc(sb, '\n');
            put_dda_place(sb, inv, v, m);
        } else {
            vg_sb_puts(sb, "# gpu: DDA devices whose GPU model is not known\n");
        }
    }
}

static const char *vm_body(struct vg_ctx *ctx, const struct vg_inventory *inv, const struct vg_inv_vm *v,
                           long long partitions)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vm_gpu(&sb, inv, v, partitions);
    put_guest(ctx, v, &sb);
    if (v->adapters > 0 && v->owners_known && !same_set(v->owners, v->nowners, inv->nodes, inv->nnodes)) {
        vg_sb_puts(&sb, "hosts");
        for (size_t i = 0; i < v->nowners; i++) {
            vg_sb_putc(&sb, ' ');
            put_name(&sb, v->owners[i]);
        }
        vg_sb_putc(&sb, '\n');
    } else if (v->adapters > 0 && !inv->clustered) {
        vg_sb_puts(&sb, "host ");
        put_name(&sb, v->host);
        vg_sb_putc(&sb, '\n');
    }
    vg_sb_puts(&sb, "memory ");
    if (put_size(&sb, v->memory) < 0) {
        sb.len -= strlen("memory ");
        vg_sb_printf(&sb, "# memory: %lld bytes is no whole number of MB\n", v->memory);
    } else {
        vg_sb_putc(&sb, '\n');
    }
    vg_sb_printf(&sb, "generation %lld\n", v->generation);
    size_t mark = sb.len;
    vg_sb_puts(&sb, "mmio low ");
    if (put_size(&sb, v->low_mmio) == 0) {
        vg_sb_puts(&sb, " high ");
        if (put_size(&sb, v->high_mmio) == 0) {
            vg_sb_putc(&sb, '\n');
            mark = 0;
        }
    }
    if (mark) {
        sb.len = mark;
        vg_sb_printf(&sb, "# mmio: low %lld high %lld bytes: not whole MB\n", v->low_mmio, v->high_mmio);
    }
    const char *s = vg_strdup(ctx->arena, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return s;
}

/* prefix + trailing digits of a name: the digits' offset, or 0 when none. */
static size_t digits_at(const char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && isdigit((unsigned char)s[i - 1]))
        i--;
    return i < n && i > 0 ? i : 0;
}

/* v[j] continues the range that ends with v[j-1]: same body, same prefix, same width, next number. */
static int follows(const struct vg_inv_vm *a, const struct vg_inv_vm *b)
{
    size_t da = digits_at(a->name), db = digits_at(b->name);
    if (!da || da != db || strlen(a->name) != strlen(b->name) || strncmp(a->name, b->name, da) != 0)
        return 0;
    if (strcmp(a->body, b->body) != 0 || !is_word(a->name) || !is_word(b->name))
        return 0;
    return strtoull(b->name + db, NULL, 10) == strtoull(a->name + da, NULL, 10) + 1;
}

static void put_block(struct vg_strbuf *out, const char *body)
{
    for (const char *p = body; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        vg_sb_puts(out, "        ");
        vg_sb_add(out, p, n);
        vg_sb_putc(out, '\n');
        p += n + (nl ? 1 : 0);
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct vg_inv_vm *)a)->name, ((const struct vg_inv_vm *)b)->name);
}

/* What the `vgpu-manager` line says of each platform's hosts. */
struct manager_words {
    enum vg_driver_kind column;
    const char *some_missing, *none, *differ;
};
static const struct manager_words hyperv_manager = {
    VG_DRV_HOST_HYPERV, "some hosts have no NVIDIA driver (DDA-only hosts need none)",
    "no host reports an NVIDIA driver", "the hosts run different NVIDIA drivers; declare it per host"};
static const struct manager_words vmware_manager = {
    VG_DRV_HOST_ESXI, "some hosts have no NVIDIA vGPU Manager component",
    "no host has an NVIDIA vGPU Manager component", "the hosts run different vGPU Managers; declare it per host"};

/* vgpu-manager: the release of the one host driver of the reachable hosts. */
static void put_manager(const struct vg_catalog *c, const struct vg_inventory *inv, const struct manager_words *w,
                        struct vg_strbuf *out)
{
    const char *drv = NULL;
    int agree = 1, missing = 0;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct vg_inv_host *h = &inv->hosts[i];
        if (!h->reachable)
            continue;
        if (!h->driver)
            missing = 1;
        else if (drv && strcmp(drv, h->driver) != 0)
            agree = 0;
        else
            drv = h->driver;
    }
    const struct vg_release *rel[8];
    size_t nrel = drv && agree ? vg_catalog_resolve(c, drv, w->column, rel, 8) : 0;
    if (missing && drv)
        vg_sb_printf(out, "    # vgpu-manager: %s\n", w->some_missing);
    if (!drv)
        vg_sb_printf(out, "    # vgpu-manager: %s\n", w->none);
    else if (!agree)
        vg_sb_printf(out, "    # vgpu-manager: %s\n", w->differ);
    else if (nrel == 1)
        vg_sb_printf(out, "    vgpu-manager %s  # host driver %s\n", rel[0]->name, drv);
    else if (nrel > 1)
        vg_sb_printf(out, "    vgpu-manager %s  # releases %s to %s share this driver\n", drv, rel[0]->name,
                     rel[nrel - 1]->name);
    else
        vg_sb_printf(out, "    # vgpu-manager: host driver %s is no release of the catalog\n", drv);
}

static void put_cluster_head(struct vg_ctx *ctx, const struct vg_inventory *inv, long long *partitions,
                             struct vg_strbuf *out)
{
    const struct vg_catalog *c = ctx->catalog;
    /* platform: the one catalog platform of the hosts' OS build */
    const char *build = NULL;
    int builds_agree = 1;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct vg_inv_host *h = &inv->hosts[i];
        if (!h->reachable)
            continue;
        if (!h->os_build || (build && strcmp(build, h->os_build) != 0))
            builds_agree = 0;
        else
            build = h->os_build;
    }
    const struct vg_platform *plat = NULL;
    size_t nplat = 0;
    for (size_t i = 0; builds_agree && build && i < c->nplatforms; i++)
        if (c->platforms[i]->os_build && strcmp(c->platforms[i]->os_build, build) == 0) {
            plat = c->platforms[i];
            nplat++;
        }
    if (nplat == 1)
        vg_sb_printf(out, "    platform %s %s\n", plat->family, plat->version);
    else if (!build || !builds_agree)
        vg_sb_puts(out, "    # platform: the hosts' OS builds are not all in the inventory, or differ\n");
    else
        vg_sb_printf(out, "    # platform: OS build %s is %s catalog platform version%s\n", build,
                     nplat ? "more than one" : "no", nplat ? "; name it" : "");
    put_manager(c, inv, &hyperv_manager, out);
    /* gpu-partitions: the one partition count of the partitionable GPUs */
    long long pc = -1;
    int pagree = 1;
    for (size_t i = 0; i < inv->nhosts; i++)
        for (size_t k = 0; k < inv->hosts[i].ngpus; k++) {
            const struct vg_inv_gpu *g = &inv->hosts[i].gpus[k];
            if (strcmp(g->mode, "partitionable") != 0 || g->partition_count < 0)
                continue;
            if (pc >= 0 && pc != g->partition_count)
                pagree = 0;
            pc = g->partition_count;
        }
    *partitions = pagree ? pc : -1;
    if (pc >= 0 && pagree)
        vg_sb_printf(out, "    gpu-partitions %lld\n", pc);
    else if (pc >= 0)
        vg_sb_puts(out, "    # gpu-partitions: the GPUs have different partition counts\n");
}

static void put_hosts(struct vg_ctx *ctx, struct vg_inventory *inv, struct vg_strbuf *out)
{
    vg_inventory_map(ctx, inv);
    for (size_t i = 0; i < inv->nhosts; i++) {
        struct vg_inv_host *h = &inv->hosts[i];
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        if (!h->reachable) {
            vg_sb_puts(&sb, "# not reachable when the inventory ran: its GPUs are not known\n");
        } else {
            const struct vg_gpu *seen[64];
            size_t count[64], nseen = 0;
            for (size_t k = 0; k < h->ngpus; k++) {
                struct vg_inv_gpu *g = &h->gpus[k];
                if (!g->model) {
                    vg_sb_printf(&sb, "# gpu at %s: %s\n", g->location_path ? g->location_path : "?", g->why);
                    continue;
                }
                size_t j = 0;
                while (j < nseen && seen[j] != g->model)
                    j++;
                if (j == nseen && nseen < 64) {
                    seen[nseen] = g->model;
                    count[nseen++] = 0;
                }
                if (j < 64)
                    count[j]++;
            }
            for (size_t j = 0; j < nseen; j++) {
                unsigned per = seen[j]->gpus_per_board ? seen[j]->gpus_per_board : 1;
                if (count[j] % per)
                    vg_sb_printf(&sb, "# gpu: %zu %s GPUs are no whole number of boards (%u GPUs each)\n", count[j],
                                 seen[j]->model, per);
                else
                    vg_sb_printf(&sb, "gpu %s x %zu\n", seen[j]->model, count[j] / per);
            }
        }
        h->body = vg_strdup(ctx->arena, vg_sb_str(&sb));
        vg_sb_free(&sb);
    }
    for (size_t i = 0; i < inv->nhosts;) {
        size_t j = i + 1;
        while (j < inv->nhosts) {
            struct vg_inv_vm a = {.name = inv->hosts[j - 1].name, .body = inv->hosts[j - 1].body};
            struct vg_inv_vm b = {.name = inv->hosts[j].name, .body = inv->hosts[j].body};
            if (!follows(&a, &b))
                break;
            j++;
        }
        vg_sb_puts(out, "\n    host ");
        if (j - i > 1) {
            const char *f = inv->hosts[i].name, *l = inv->hosts[j - 1].name;
            size_t d = digits_at(f);
            vg_sb_printf(out, "%.*s[%s..%s]", (int)d, f, f + d, l + d);
        } else {
            put_name(out, inv->hosts[i].name);
        }
        vg_sb_puts(out, " {\n");
        put_block(out, inv->hosts[i].body);
        vg_sb_puts(out, "    }\n");
        i = j;
    }
}

/* ---- vSphere ------------------------------------------------------------ */

static void vmw_cluster_head(struct vg_ctx *ctx, const struct vg_inventory *inv, struct vg_strbuf *out)
{
    const char *ver = NULL;
    int agree = 1;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct vg_inv_host *h = &inv->hosts[i];
        if (!h->reachable)
            continue;
        if (!h->version || (ver && strcmp(ver, h->version) != 0))
            agree = 0;
        else
            ver = h->version;
    }
    /* VMHost.Version is "8.0.2"; the catalog names versions "8.0u2": the
     * mapping between them is not in the catalog, so it is left to the reader */
    if (ver && agree)
        vg_sb_printf(out,
                     "    # platform: the hosts run ESXi %s (VMHost.Version); write its catalog version, "
                     "`platform esxi VERSION` (`vgpuc catalog platforms`)\n",
                     ver);
    else
        vg_sb_puts(out, "    # platform: the hosts' ESXi versions are not all in the inventory, or differ\n");
    if (inv->vcenter_version)
        vg_sb_printf(out, "    # vcenter: %s runs %s; write its catalog version, `vcenter VERSION`\n",
                     inv->vcenter ? inv->vcenter : "the vCenter", inv->vcenter_version);
    put_manager(ctx->catalog, inv, &vmware_manager, out);
    /* vgpu-mode: mixed-size when every GPU in vGPU use (Shared Direct) runs it */
    int mixed = 0, other = 0;
    for (size_t i = 0; i < inv->nhosts; i++)
        for (size_t k = 0; inv->hosts[i].reachable && k < inv->hosts[i].ngpus; k++) {
            const struct vg_inv_gpu *g = &inv->hosts[i].gpus[k];
            if (strcmp(g->mode, "sharedDirect") != 0)
                continue;
            if (g->vgpu_mode && strcmp(g->vgpu_mode, "mixedSize") == 0)
                mixed = 1;
            else
                other = 1;
        }
    if (mixed && !other)
        vg_sb_puts(out, "    vgpu-mode mixed-size\n");
    else if (mixed)
        vg_sb_puts(out, "    # vgpu-mode: some GPUs run mixed-size vGPUs, others not; declare it per host\n");
}

/* The catalog profile of a vSphere vGPU type: "grid_" and the profile's name in
 * lower case, as backends/vmware.c writes it. */
static const struct vg_profile *vmw_profile(const struct vg_catalog *c, const char *type)
{
    if (strncasecmp(type, "grid_", 5) != 0)
        return NULL;
    for (size_t i = 0; i < c->ngpus; i++)
        for (size_t k = 0; k < c->gpus[i]->nprofiles; k++)
            if (strcasecmp(c->gpus[i]->profiles[k].name, type + 5) == 0)
                return &c->gpus[i]->profiles[k];
    return NULL;
}

/* The model of a DirectPath I/O device: the host's GPU of the same PCI id
 * (its name tells models that share an id apart). */
static const struct vg_gpu *vmw_device_model(const struct vg_inventory *inv, const char *host, const char *ven,
                                             const char *dev)
{
    const struct vg_gpu *m = NULL;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct vg_inv_host *h = &inv->hosts[i];
        if (!h->reachable || strcmp(h->name, host) != 0)
            continue;
        for (size_t k = 0; k < h->ngpus; k++) {
            const struct vg_inv_gpu *g = &h->gpus[k];
            if (!g->vendor || !g->device || strcasecmp(g->vendor, ven) != 0 || strcasecmp(g->device, dev) != 0)
                continue;
            if (!g->model || (m && m != g->model))
                return NULL;
            m = g->model;
        }
    }
    return m;
}

static const char *vmw_vm_body(struct vg_ctx *ctx, const struct vg_inventory *inv, const struct vg_inv_vm *v)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    if (v->adapters > 0 && v->ndevices > 0) {
        vg_sb_puts(&sb, "# gpu: both vGPUs and DirectPath I/O devices; declare one of them by hand\n");
    } else if (v->adapters > 0) {
        const struct vg_profile *p = vmw_profile(ctx->catalog, v->profiles[0]);
        int same = 1;
        for (long long i = 1; i < v->adapters; i++)
            same &= strcasecmp(v->profiles[i], v->profiles[0]) == 0;
        if (p && same) {
            vg_sb_printf(&sb, "gpu vgpu %s", p->name);
            if (v->adapters > 1)
                vg_sb_printf(&sb, " x %lld", v->adapters);
            vg_sb_putc(&sb, '\n');
        } else if (!same) {
            vg_sb_puts(&sb, "# gpu: vGPUs of different profiles; declare one of them by hand\n");
        } else {
            vg_sb_printf(&sb, "# gpu: the vGPU type %s is no profile of the catalog\n", v->profiles[0]);
        }
    } else {
        const struct vg_gpu *m = NULL;
        int ok = 1;
        for (size_t i = 0; i < v->ndevices; i++) {
            const struct vg_gpu *dm = vg_inv_model_by_subsystem(ctx->catalog, v->pt_vendor[i], v->pt_device[i],
                                                                v->pt_subvendor[i], v->pt_subdevice[i]);
            if (!dm)
                dm = vmw_device_model(inv, v->host, v->pt_vendor[i], v->pt_device[i]);
            if (!dm || (m && m != dm))
                ok = 0;
            else
                m = dm;
        }
        if (ok && m) {
            vg_sb_printf(&sb, "gpu passthrough %s", m->model);
            if (v->ndevices > 1)
                vg_sb_printf(&sb, " x %zu", v->ndevices);
            vg_sb_putc(&sb, '\n');
        } else {
            vg_sb_puts(&sb, "# gpu: DirectPath I/O devices whose GPU model is not known\n");
        }
    }
    const char *const *pins;
    size_t npins = vg_inv_drs_hosts(inv, v->name, &pins);
    if (npins) {
        vg_sb_puts(&sb, npins == 1 ? "host" : "hosts");
        for (size_t i = 0; i < npins; i++) {
            vg_sb_putc(&sb, ' ');
            put_name(&sb, pins[i]);
        }
        vg_sb_putc(&sb, '\n');
    }
    put_guest(ctx, v, &sb);
    if (v->memory > 0) {
        size_t mark = sb.len;
        vg_sb_puts(&sb, "memory ");
        if (put_size(&sb, v->memory) == 0) {
            vg_sb_putc(&sb, '\n');
        } else {
            sb.len = mark;
            sb.data[mark] = 0;
            vg_sb_printf(&sb, "# memory: %lld bytes is no whole number of MB\n", v->memory);
        }
    }
    if (v->firmware && strcmp(v->firmware, "bios") == 0)
        vg_sb_puts(&sb, "firmware bios\n");
    const char *s = vg_strdup(ctx->arena, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return s;
}

int vg_import_inventory(struct vg_ctx *ctx, uint32_t file, struct vg_strbuf *out)
{
    struct vg_inventory inv;
    if (vg_inventory_read(ctx, file, &inv) < 0)
        return -1;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_puts(&sb, "# Imported by vgpuc import from an inventory (docs/adopt.md). Review every comment.\n");
    vg_sb_puts(&sb, "# license-server: not in the inventory; declare it and name it in the cluster\n\n");
    vg_sb_puts(&sb, "cluster ");
    if (inv.cluster) {
        put_name(&sb, inv.cluster);
        vg_sb_puts(&sb, " {\n");
    } else {
        put_name(&sb, inv.nhosts ? inv.hosts[0].name : "standalone");
        vg_sb_puts(&sb, " {  # standalone hosts: named after the first one\n");
    }
    int vmware = strcmp(inv.platform, "vmware") == 0;
    long long partitions = -1;
    if (vmware)
        vmw_cluster_head(ctx, &inv, &sb);
    else
        put_cluster_head(ctx, &inv, &partitions, &sb);
    put_hosts(ctx, &inv, &sb);
    for (size_t i = 0; i < inv.nvms; i++)
        inv.vms[i].body = vmware ? vmw_vm_body(ctx, &inv, &inv.vms[i]) : vm_body(ctx, &inv, &inv.vms[i], partitions);
    qsort(inv.vms, inv.nvms, sizeof *inv.vms, by_name);
    for (size_t i = 0; i < inv.nvms;) {
        size_t j = i + 1;
        while (j < inv.nvms && follows(&inv.vms[j - 1], &inv.vms[j]))
            j++;
        vg_sb_puts(&sb, "\n    vm ");
        if (j - i > 1) {
            const char *f = inv.vms[i].name, *l = inv.vms[j - 1].name;
            size_t d = digits_at(f);
            vg_sb_printf(&sb, "%.*s[%s..%s]", (int)d, f, f + d, l + d);
        } else {
            put_name(&sb, inv.vms[i].name);
        }
        vg_sb_puts(&sb, " {\n");
        put_block(&sb, inv.vms[i].body);
        vg_sb_puts(&sb, "    }\n");
        i = j;
    }
    vg_sb_puts(&sb, "}\n");
    vg_sb_add(out, sb.data, sb.len);
    vg_sb_free(&sb);
    return 0;
}
