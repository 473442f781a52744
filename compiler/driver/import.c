/*
 * import.c - an inventory document (docs/adopt.md) as a `.vgpu` file.
 *
 * Three steps: read the JSON with jansson into plain structs, checking every
 * member it uses (VG8001 on the first problem, nothing produced); map what the
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
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "catalog/catalog.h"
#include "core/diag.h"
#include "core/source.h"

#define INVENTORY_VERSION 1

struct rd {
    struct vg_ctx *ctx;
    uint32_t file;
    int bad;
};

struct igpu {
    const char *mode, *location_path, *friendly, *vendor, *device, *subsystem;
    long long partition_count; /* -1 = none */
    const struct vg_gpu *model; /* NULL = not mapped */
    const char *why;            /* why not mapped */
};

struct ivm {
    const char *name, *host;
    long long memory, low_mmio, high_mmio, generation, adapters;
    const char **devices; size_t ndevices; /* location paths (NULL: from a pool) */
    const char **pools;                    /* the pool of each device, or NULL */
    const char **owners; size_t nowners; int owners_known;
    const char *body; /* the block's text: VMs with equal bodies may fold */
};

struct ihost {
    const char *name, *driver, *os_build;
    int reachable;
    struct igpu *gpus; size_t ngpus;
    const char *body;
};

struct inv {
    const char *cluster; int clustered;
    const char **nodes; size_t nnodes;
    struct ihost *hosts; size_t nhosts;
    struct ivm *vms; size_t nvms;
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
        static const char *const names[] = {"an object", "an array", "a string", "an integer", "a number",
                                            "a boolean", "a boolean", "null"};
        bad(r, at, "expected %s", names[type]);
        return NULL;
    }
    return v;
}

/* A name or text member: a string with no control or invisible character. */
static const char *text(struct rd *r, json_t *obj, const char *ptr, const char *key, int nullable)
{
    json_t *v = member(r, obj, ptr, key, JSON_STRING, nullable);
    if (!v)
        return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    enum vg_char_class cls;
    uint32_t cp;
    char at[700];
    snprintf(at, sizeof at, "%.500s/%.100s", ptr, key);
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
        json_t *wrap = json_object();
        json_object_set(wrap, "v", v);
        out[i] = text(r, wrap, at, "v", 0);
        json_decref(wrap);
    }
    return out;
}

static void read_gpu(struct rd *r, json_t *o, const char *ptr, struct igpu *g)
{
    g->mode = text(r, o, ptr, "mode", 0);
    g->location_path = text(r, o, ptr, "location_path", 1);
    g->friendly = text(r, o, ptr, "friendly_name", 1);
    g->vendor = text(r, o, ptr, "vendor_id", 1);
    g->device = text(r, o, ptr, "device_id", 1);
    g->subsystem = text(r, o, ptr, "subsystem_id", 1);
    g->partition_count = integer(r, o, ptr, "partition_count", -1);
}

static void read_vm(struct rd *r, json_t *o, const char *ptr, const char *host, struct ivm *v)
{
    char at[700];
    v->name = text(r, o, ptr, "name", 0);
    v->host = host;
    v->memory = integer(r, o, ptr, "memory_startup_bytes", -2);
    v->generation = integer(r, o, ptr, "generation", -2);
    v->low_mmio = integer(r, o, ptr, "low_mmio_bytes", -2);
    v->high_mmio = integer(r, o, ptr, "high_mmio_bytes", -2);
    v->adapters = integer(r, o, ptr, "gpu_partition_adapters", -2);
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
}

static int read_doc(struct rd *r, json_t *doc, struct inv *inv)
{
    struct vg_arena *a = r->ctx->arena;
    char at[700];
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
    if (platform && strcmp(platform, "hyperv") != 0)
        bad(r, "/platform", "`%s`; this vgpuc imports `hyperv` inventories", platform);
    json_t *cl = member(r, doc, "", "cluster", JSON_OBJECT, 1);
    if (cl) {
        inv->clustered = 1;
        inv->cluster = text(r, cl, "/cluster", "name", 0);
        json_t *nodes = member(r, cl, "/cluster", "nodes", JSON_ARRAY, 0);
        if (nodes)
            inv->nodes = names(r, nodes, "/cluster/nodes", &inv->nnodes);
    }
    json_t *hosts = member(r, doc, "", "hosts", JSON_ARRAY, 0);
    if (r->bad)
        return -1;
    inv->nhosts = json_array_size(hosts);
    inv->hosts = vg_alloc_array(a, inv->nhosts ? inv->nhosts : 1, sizeof *inv->hosts);
    size_t vcap = 0;
    for (size_t i = 0; i < inv->nhosts && !r->bad; i++) {
        json_t *h = json_array_get(hosts, i);
        struct ihost *ih = &inv->hosts[i];
        snprintf(at, sizeof at, "/hosts/%zu", i);
        if (!json_is_object(h)) {
            bad(r, at, "expected %s", "an object");
            break;
        }
        ih->name = text(r, h, at, "name", 0);
        json_t *reach = member(r, h, at, "reachable", JSON_TRUE, 0);
        ih->reachable = reach && json_is_true(reach);
        if (!ih->reachable)
            continue;
        ih->driver = text(r, h, at, "nvidia_driver", 1);
        ih->os_build = text(r, h, at, "os_build", 1);
        json_t *gpus = member(r, h, at, "gpus", JSON_ARRAY, 0);
        json_t *vms = member(r, h, at, "vms", JSON_ARRAY, 0);
        if (r->bad)
            break;
        ih->ngpus = json_array_size(gpus);
        ih->gpus = vg_alloc_array(a, ih->ngpus ? ih->ngpus : 1, sizeof *ih->gpus);
        for (size_t k = 0; k < ih->ngpus && !r->bad; k++) {
            char gat[800];
            snprintf(gat, sizeof gat, "%.600s/gpus/%zu", at, k);
            json_t *g = json_array_get(gpus, k);
            if (!json_is_object(g))
                bad(r, gat, "expected %s", "an object");
            else
                read_gpu(r, g, gat, &ih->gpus[k]);
        }
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
            read_vm(r, v, vat, ih->name, &inv->vms[inv->nvms++]);
        }
    }
    return r->bad ? -1 : 0;
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

/* The catalog model of a GPU by PCI vendor and device id, told apart by the
 * device's friendly name where models share an id (A2 and A16). */
static void map_gpu(const struct vg_catalog *c, struct vg_arena *a, struct igpu *g)
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
    if (n == 1 || (n > 1 && found)) {
        g->model = found;
    } else if (n > 1) {
        g->why = vg_sprintf(a, "PCI %s:%s is one of %s; the device name (%s) does not say which", g->vendor,
                            g->device, vg_sb_str(&cands), g->friendly ? g->friendly : "none");
    } else {
        g->why = vg_sprintf(a, "PCI %s:%s is no GPU of the catalog", g->vendor ? g->vendor : "?",
                            g->device ? g->device : "?");
    }
    vg_sb_free(&cands);
}

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

static const struct igpu *host_gpu(const struct inv *inv, const char *host, const char *lp)
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
static const struct vg_gpu *pool_model(const struct inv *inv, const char *host)
{
    const struct vg_gpu *m = NULL;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct ihost *h = &inv->hosts[i];
        if (!h->reachable || strcmp(h->name, host) != 0)
            continue;
        for (size_t k = 0; k < h->ngpus; k++) {
            const struct igpu *g = &h->gpus[k];
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
static const struct vg_gpu *host_gpup_model(const struct inv *inv, const char *host)
{
    const struct vg_gpu *m = NULL;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct ihost *h = &inv->hosts[i];
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

static const char *vm_body(struct vg_ctx *ctx, const struct inv *inv, const struct ivm *v, long long partitions)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    const struct vg_catalog *c = ctx->catalog;
    if (v->adapters > 0 && v->ndevices > 0)
        vg_sb_puts(&sb, "# gpu: both GPU-P partitions and DDA devices; declare one of them by hand\n");
    else if (v->adapters > 0) {
        const struct vg_gpu *m = host_gpup_model(inv, v->host);
        const struct vg_profile *p = NULL;
        if (m && partitions > 0)
            for (size_t i = 0; i < m->nprofiles && !p; i++)
                if (m->profiles[i].series == 'Q' && (long long)m->profiles[i].fb_mb * partitions == (long long)m->fb_mb)
                    p = &m->profiles[i];
        if (p) {
            vg_sb_printf(&sb, "# GPU-P: a partition of %" PRIu32 " MB of %s; the series is the license, not in the "
                              "inventory: Q written\n", p->fb_mb, m->model);
            vg_sb_printf(&sb, "gpu vgpu %s", p->name);
            if (v->adapters > 1)
                vg_sb_printf(&sb, " x %lld", v->adapters);
            vg_sb_putc(&sb, '\n');
        } else if (!m) {
            vg_sb_puts(&sb, "# gpu: GPU-P, but the host's partitionable GPUs are not one known model\n");
        } else {
            vg_sb_printf(&sb, "# gpu: GPU-P on %s with %lld partitions per GPU: no Q profile has that size\n", m->model,
                         partitions);
        }
    } else {
        const struct vg_gpu *m = NULL;
        int ok = 1;
        for (size_t i = 0; i < v->ndevices; i++) {
            const struct igpu *g = v->devices[i] ? host_gpu(inv, v->host, v->devices[i]) : NULL;
            const struct vg_gpu *gm = g ? g->model : (!v->devices[i] && v->pools[i] ? pool_model(inv, v->host) : NULL);
            if (!gm || (m && m != gm))
                ok = 0;
            else
                m = gm;
        }
        if (ok && m) {
            vg_sb_printf(&sb, "gpu passthrough %s", m->model);
            if (v->ndevices > 1)
                vg_sb_printf(&sb, " x %zu", v->ndevices);
            vg_sb_puts(&sb, "\nhost ");
            put_name(&sb, v->host);
            vg_sb_putc(&sb, '\n');
        } else {
            vg_sb_puts(&sb, "# gpu: DDA devices whose GPU model is not known\n");
        }
    }
    (void)c;
    vg_sb_puts(&sb, "# guest-driver: not in the inventory (guest driver versions need guest credentials)\n");
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
static int follows(const struct ivm *a, const struct ivm *b)
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
    return strcmp(((const struct ivm *)a)->name, ((const struct ivm *)b)->name);
}

static int host_by_name(const void *a, const void *b)
{
    return strcmp(((const struct ihost *)a)->name, ((const struct ihost *)b)->name);
}

static void put_cluster_head(struct vg_ctx *ctx, const struct inv *inv, long long *partitions, struct vg_strbuf *out)
{
    const struct vg_catalog *c = ctx->catalog;
    /* platform: the one catalog platform of the hosts' OS build */
    const char *build = NULL;
    int builds_agree = 1;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct ihost *h = &inv->hosts[i];
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
    /* vgpu-manager: the release of the one host driver */
    const char *drv = NULL;
    int agree = 1, missing = 0;
    for (size_t i = 0; i < inv->nhosts; i++) {
        const struct ihost *h = &inv->hosts[i];
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
    size_t nrel = drv && agree ? vg_catalog_resolve(c, drv, VG_DRV_HOST_HYPERV, rel, 8) : 0;
    if (missing && drv)
        vg_sb_puts(out, "    # vgpu-manager: some hosts have no NVIDIA driver (DDA-only hosts need none)\n");
    if (!drv)
        vg_sb_puts(out, "    # vgpu-manager: no host reports an NVIDIA driver\n");
    else if (!agree)
        vg_sb_puts(out, "    # vgpu-manager: the hosts run different NVIDIA drivers; declare it per host\n");
    else if (nrel == 1)
        vg_sb_printf(out, "    vgpu-manager %s  # host driver %s\n", rel[0]->name, drv);
    else if (nrel > 1)
        vg_sb_printf(out, "    vgpu-manager %s  # releases %s to %s share this driver\n", drv, rel[0]->name,
                     rel[nrel - 1]->name);
    else
        vg_sb_printf(out, "    # vgpu-manager: host driver %s is no release of the catalog\n", drv);
    /* gpu-partitions: the one partition count of the partitionable GPUs */
    long long pc = -1;
    int pagree = 1;
    for (size_t i = 0; i < inv->nhosts; i++)
        for (size_t k = 0; k < inv->hosts[i].ngpus; k++) {
            const struct igpu *g = &inv->hosts[i].gpus[k];
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

static void put_hosts(struct vg_ctx *ctx, struct inv *inv, struct vg_strbuf *out)
{
    for (size_t i = 0; i < inv->nhosts; i++) {
        struct ihost *h = &inv->hosts[i];
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        if (!h->reachable) {
            vg_sb_puts(&sb, "# not reachable when the inventory ran: its GPUs are not known\n");
        } else {
            const struct vg_gpu *seen[64];
            size_t count[64], nseen = 0;
            for (size_t k = 0; k < h->ngpus; k++)
                map_gpu(ctx->catalog, ctx->arena, &h->gpus[k]);
            /* A device without a name (dismounted, assigned) whose PCI id several
             * models share is the model of a named device of the same PCI id and
             * subsystem (the same board) on the host. */
            for (size_t k = 0; k < h->ngpus; k++) {
                struct igpu *g = &h->gpus[k];
                for (size_t j = 0; j < h->ngpus && !g->model && g->subsystem; j++) {
                    const struct igpu *o = &h->gpus[j];
                    if (o->model && o->subsystem && o->vendor && o->device && g->vendor && g->device &&
                        strcmp(o->subsystem, g->subsystem) == 0 && strcmp(o->vendor, g->vendor) == 0 &&
                        strcmp(o->device, g->device) == 0)
                        g->model = o->model;
                }
            }
            for (size_t k = 0; k < h->ngpus; k++) {
                struct igpu *g = &h->gpus[k];
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
            struct ivm a = {.name = inv->hosts[j - 1].name, .body = inv->hosts[j - 1].body};
            struct ivm b = {.name = inv->hosts[j].name, .body = inv->hosts[j].body};
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

int vg_import_inventory(struct vg_ctx *ctx, uint32_t file, struct vg_strbuf *out)
{
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
    struct inv inv;
    memset(&inv, 0, sizeof inv);
    int rc = read_doc(&r, doc, &inv);
    json_decref(doc);
    if (rc < 0)
        return -1;

    qsort(inv.hosts, inv.nhosts, sizeof *inv.hosts, host_by_name);
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
    long long partitions = -1;
    put_cluster_head(ctx, &inv, &partitions, &sb);
    put_hosts(ctx, &inv, &sb);
    for (size_t i = 0; i < inv.nvms; i++)
        inv.vms[i].body = vm_body(ctx, &inv, &inv.vms[i], partitions);
    qsort(inv.vms, inv.nvms, sizeof *inv.vms, by_name);
    for (size_t i = 0; i < inv.nvms;) {
        if (i + 1 < inv.nvms && strcmp(inv.vms[i].name, inv.vms[i + 1].name) == 0) {
            struct vg_diag *d = vg_diag_emit(ctx, VG8001, vg_span_make(file, 0, src->len ? 1 : 0),
                                             "invalid inventory: two VMs are named `%s`",
                                             vg_inert(ctx->arena, inv.vms[i].name));
            vg_diag_help(ctx, d, "VM names must be unique in a cluster for vgpuc; rename one");
            vg_sb_free(&sb);
            return -1;
        }
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
