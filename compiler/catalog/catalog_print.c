/*
 * catalog_print.c - what the knowledge base knows, for `vgpuc catalog`: the
 * merged catalog as text or JSON (vg_catalog_print in catalog.h).
 *
 * Text is one aligned table per section (GPUs with their profiles), with
 * unverified facts marked and each entry's origin (file:line); json is one
 * document with the same content. Every catalog text is inert (strbuf.c):
 * a catalog file may come from a pull request.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/aging.h"
#include "catalog/catalog.h"
#include "core/ctx.h"
#include "base/json.h"
#include "base/strbuf.h"

/* base/json.h; 2.0: the head every JSON output shares (the tool added, the version a string) */
#define CATALOG_FORMAT_VERSION "2.0"

#define MAX_COLS 12

/* A text table: cells are arena strings, columns padded to their widest cell. */
struct table {
    struct vg_arena *a;
    const char *(*rows)[MAX_COLS];
    size_t n, cap, ncols;
};

static void table_row(struct table *t, const char *const *cells)
{
    vg_grow(t->a, (void **)&t->rows, &t->cap, t->n + 1, sizeof *t->rows);
    for (size_t i = 0; i < t->ncols; i++)
        t->rows[t->n][i] = cells[i] ? vg_inert(t->a, cells[i]) : "";
    t->n++;
}

static void table_print(const struct table *t, const char *indent, struct vg_strbuf *out)
{
    size_t w[MAX_COLS] = {0};
    for (size_t r = 0; r < t->n; r++)
        for (size_t i = 0; i < t->ncols; i++)
            if (strlen(t->rows[r][i]) > w[i])
                w[i] = strlen(t->rows[r][i]);
    for (size_t r = 0; r < t->n; r++) {
        size_t last = t->ncols;
        while (last > 1 && !t->rows[r][last - 1][0])
            last--; /* no trailing blanks */
        vg_sb_puts(out, indent);
        for (size_t i = 0; i < last; i++)
            vg_sb_printf(out, "%-*s%s", i + 1 < last ? (int)w[i] : 0, t->rows[r][i], i + 1 < last ? "  " : "\n");
    }
}

static const char *relnum_text(struct vg_arena *a, uint32_t n)
{
    if (!n)
        return NULL;
    if (n % 1000 == VG_RELNUM_ANY_MINOR)
        return vg_sprintf(a, "%u.x", n / 1000);
    return vg_sprintf(a, "%u.%u", n / 1000, n % 1000);
}

static const char *origin_text(struct vg_arena *a, const struct vg_origin *o)
{
    return vg_sprintf(a, "%s:%u", vg_inert(a, o->file), o->line);
}

static const char *join(struct vg_arena *a, const char *const *v, size_t n)
{
    if (n == 1 && strcmp(v[0], "*") == 0)
        return "any";
    if (n == 0)
        return "none";
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (size_t i = 0; i < n; i++)
        vg_sb_printf(&sb, "%s%s", i ? "," : "", v[i]);
    const char *s = vg_strdup(a, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return s;
}

static const char *const edition_names[] = {"vws", "vpc", "vapps", "vcs"};
static const char *const drv_key[VG_DRV_COUNT] = {"host_esxi", "host_hyperv", "guest_windows", "guest_linux"};

static void text_releases(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    struct table t = {a, NULL, 0, 0, 11};
    const char *head[] = {"RELEASE",     "BRANCH",         "LTS",    "DATE", "ESXI HOST", "HYPER-V HOST", "WIN GUEST",
                          "LINUX GUEST", "END OF SUPPORT", "ORIGIN", ""};
    table_row(&t, head);
    for (size_t i = 0; i < c->nreleases; i++) {
        const struct vg_release *r = c->releases[i];
        const char *row[MAX_COLS] = {
            r->name,
            r->branch ? r->branch : "?",
            r->lts < 0   ? "?"
                : r->lts ? "yes"
                         : "no",
            r->date ? r->date : "?",
            r->driver[0] ? r->driver[0] : "-",
            r->driver[1] ? r->driver[1] : "-",
            r->driver[2] ? r->driver[2] : "-",
            r->driver[3] ? r->driver[3] : "-",
            r->branch_eos ? vg_sprintf(a, "%04u-%02u", r->branch_eos / 100, r->branch_eos % 100) : "?",
            origin_text(a, &r->origin),
            r->verified ? "" : "unverified"};
        table_row(&t, row);
    }
    vg_sb_printf(out, "releases (%zu):\n", c->nreleases);
    table_print(&t, "  ", out);
}

static void text_gpus(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    vg_sb_printf(out, "gpus (%zu):\n", c->ngpus);
    for (size_t i = 0; i < c->ngpus; i++) {
        const struct vg_gpu *g = c->gpus[i];
        struct vg_strbuf parts;
        vg_sb_init(&parts);
        for (size_t j = 0; j < g->npartition_counts; j++)
            vg_sb_printf(&parts, "%s%u", j ? "," : "", g->partition_counts[j]);
        vg_sb_printf(out, "  %s (%s)%s%s, %u MB per GPU, %u GPU%s per board", vg_inert(a, g->model),
                     vg_inert(a, g->name), g->arch ? ", " : "", g->arch ? vg_inert(a, g->arch) : "", g->fb_mb,
                     g->gpus_per_board, g->gpus_per_board == 1 ? "" : "s");
        if (g->device_id)
            vg_sb_printf(out, ", PCI %04X:%04X", g->vendor_id, g->device_id);
        if (g->subdevice_id)
            vg_sb_printf(out, " subsystem %04X:%04X", g->subvendor_id, g->subdevice_id);
        if (g->vgpu_min)
            vg_sb_printf(out, ", from vGPU %s", relnum_text(a, g->vgpu_min));
        if (g->profile_prefix)
            vg_sb_printf(out, ", vGPU types %s-*", g->profile_prefix);
        vg_sb_puts(out, "\n");
        vg_sb_printf(out, "    ESXi 64-bit MMIO: %s%s", g->large_bar ? "" : "not needed",
                     g->large_bar ? vg_sprintf(a, "%u GB", g->mmio64_gb) : "");
        vg_sb_printf(out, "%s; GPU-P partition counts: %s%s\n", g->mmio_verified ? "" : " (unverified)",
                     g->npartition_counts ? vg_sb_str(&parts) : "none",
                     g->npartition_counts && !g->partition_counts_verified ? " (unverified)" : "");
        vg_sb_printf(out, "    origin: %s%s\n", origin_text(a, &g->origin), g->verified ? "" : " (unverified)");
        if (g->note)
            vg_sb_printf(out, "    note: %s\n", vg_inert(a, g->note));
        vg_sb_free(&parts);
        if (!g->nprofiles)
            continue;
        struct table t = {a, NULL, 0, 0, 6};
        const char *head[] = {"PROFILE", "SERIES", "FB MB", "MAX", "MIXED", ""};
        table_row(&t, head);
        for (size_t j = 0; j < g->nprofiles; j++) {
            const struct vg_profile *p = &g->profiles[j];
            const char *flags = p->mig ? "MIG" : "";
            if (!p->verified || (p->max_mixed && !p->mixed_verified))
                flags = vg_sprintf(a, "%s%s%s", flags, *flags ? ", " : "",
                                   !p->verified ? "max unverified" : "mixed unverified");
            const char *row[MAX_COLS] = {p->name,
                                         vg_sprintf(a, "%c", p->series),
                                         vg_sprintf(a, "%u", p->fb_mb),
                                         vg_sprintf(a, "%u", p->max_same),
                                         p->max_mixed ? vg_sprintf(a, "%u", p->max_mixed) : "-",
                                         flags};
            table_row(&t, row);
        }
        table_print(&t, "    ", out);
    }
}

static void text_platforms(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    struct table t = {a, NULL, 0, 0, 10};
    const char *head[] = {"PLATFORM",      "HOST DRIVER",
                          "VGPU RELEASES", "GPU-P/VGPU MODELS",
                          "PASS-THROUGH",  "LIVE MIGRATION",
                          "MIXED SIZE",    "PER VM",
                          "ORIGIN",        ""};
    table_row(&t, head);
    for (size_t i = 0; i < c->nplatforms; i++) {
        const struct vg_platform *p = c->platforms[i];
        const char *lo = relnum_text(a, p->vgpu_min), *hi = relnum_text(a, p->vgpu_max);
        const char *range = lo && hi ? vg_sprintf(a, "%s-%s", lo, hi)
            : lo                     ? vg_sprintf(a, "%s+", lo)
            : hi                     ? vg_sprintf(a, "up to %s", hi)
                                     : "any";
        if (!p->vgpu_range_verified)
            range = vg_sprintf(a, "%s (unverified)", range);
        const char *lm = !p->lm_vgpu ? "no"
            : p->lm_vgpu_min         ? vg_sprintf(a, "vGPU %s+", relnum_text(a, p->lm_vgpu_min))
                                     : "vGPU";
        if (p->lm_vgpu && p->lm_needs_datacenter)
            lm = vg_sprintf(a, "%s, Datacenter", lm);
        const char *per_vm = p->max_vgpus_per_vm ? vg_sprintf(a, "%u", p->max_vgpus_per_vm)
            : p->multi_vgpu_full_fb              ? "C-series full FB"
            : p->multi_vgpu_c_only               ? "C-series"
                                                 : "-";
        if (p->multi_vgpu_full_fb_series && !p->multi_vgpu_full_fb)
            per_vm = vg_sprintf(a, "%s%s%s full FB", per_vm[0] == '-' ? "" : per_vm, per_vm[0] == '-' ? "" : "; ",
                                p->multi_vgpu_full_fb_series);
        const char *flags = p->gpu_vm_gen2_only ? "gen2 only" : "";
        if (p->arc_vms)
            flags = vg_sprintf(a, "%s%sArc VMs", flags, *flags ? ", " : "");
        if (!p->verified)
            flags = vg_sprintf(a, "%s%sunverified", flags, *flags ? ", " : "");
        const char *row[MAX_COLS] = {
            vg_sprintf(a, "%s %s", p->family, p->version),
            p->host_driver == VG_DRV_HOST_HYPERV ? "hyperv" : "esxi",
            range,
            join(a, p->vgpu_models, p->nvgpu_models),
            join(a, p->passthrough_models, p->npassthrough_models),
            lm,
            p->mixed_size ? (p->mixed_size_min ? vg_sprintf(a, "vGPU %s+", relnum_text(a, p->mixed_size_min)) : "yes")
                          : "no",
            per_vm,
            origin_text(a, &p->origin),
            flags};
        table_row(&t, row);
    }
    vg_sb_printf(out, "platforms (%zu):\n", c->nplatforms);
    table_print(&t, "  ", out);
}

/* ---- json ------------------------------------------------------------------ */

static void json_kv(struct vg_strbuf *out, const char *key, const char *val, int comma)
{
    vg_sb_printf(out, "%s\"%s\":", comma ? "," : "", key);
    vg_sb_json_inert(out, val);
}

static void json_num(struct vg_strbuf *out, const char *key, unsigned long v)
{
    vg_sb_printf(out, ",\"%s\":%lu", key, v);
}
static void json_bool(struct vg_strbuf *out, const char *key, int v)
{
    vg_sb_printf(out, ",\"%s\":%s", key, v ? "true" : "false");
}

static void json_origin(struct vg_strbuf *out, const struct vg_origin *o)
{
    vg_sb_puts(out, ",\"origin\":{");
    json_kv(out, "file", o->file, 0);
    vg_sb_printf(out, ",\"line\":%u,\"column\":%u}", o->line, o->col);
}

static void json_list(struct vg_strbuf *out, const char *key, const char *const *v, size_t n)
{
    vg_sb_printf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_putc(out, ',');
        vg_sb_json_inert(out, v[i]);
    }
    vg_sb_putc(out, ']');
}

static void json_rel(struct vg_arena *a, struct vg_strbuf *out, const char *key, uint32_t n)
{
    json_kv(out, key, relnum_text(a, n), 1);
}

static void json_releases(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    vg_sb_puts(out, ",\"releases\":[");
    for (size_t i = 0; i < c->nreleases; i++) {
        const struct vg_release *r = c->releases[i];
        vg_sb_puts(out, i ? ",{" : "{");
        json_kv(out, "release", r->name, 0);
        json_kv(out, "branch", r->branch, 1);
        vg_sb_printf(out, ",\"lts\":%s", r->lts < 0 ? "null" : r->lts ? "true" : "false");
        json_kv(out, "date", r->date, 1);
        vg_sb_puts(out, ",\"drivers\":{");
        for (int k = 0; k < VG_DRV_COUNT; k++)
            json_kv(out, drv_key[k], r->driver[k], k > 0);
        vg_sb_putc(out, '}');
        json_kv(out, "branch_end_of_support",
                r->branch_eos ? vg_sprintf(a, "%04u-%02u", r->branch_eos / 100, r->branch_eos % 100) : NULL, 1);
        json_kv(out, "packages", r->packages, 1);
        json_bool(out, "verified", r->verified);
        json_kv(out, "note", r->note, 1);
        json_kv(out, "source", r->source, 1);
        json_origin(out, &r->origin);
        vg_sb_putc(out, '}');
    }
    vg_sb_putc(out, ']');
}

static void json_gpus(struct vg_strbuf *out, const struct vg_catalog *c)
{
    vg_sb_puts(out, ",\"gpus\":[");
    for (size_t i = 0; i < c->ngpus; i++) {
        const struct vg_gpu *g = c->gpus[i];
        vg_sb_puts(out, i ? ",{" : "{");
        json_kv(out, "model", g->model, 0);
        json_kv(out, "name", g->name, 1);
        json_kv(out, "arch", g->arch, 1);
        json_num(out, "fb_mb", g->fb_mb);
        json_num(out, "gpus_per_board", g->gpus_per_board);
        if (g->device_id) {
            vg_sb_printf(out, ",\"pci\":{\"vendor\":\"0x%04X\",\"device\":\"0x%04X\"", g->vendor_id, g->device_id);
            if (g->subdevice_id)
                vg_sb_printf(out, ",\"subvendor\":\"0x%04X\",\"subdevice\":\"0x%04X\"", g->subvendor_id,
                             g->subdevice_id);
            vg_sb_puts(out, "}");
        }
        json_kv(out, "profile_prefix", g->profile_prefix, 1);
        if (g->vgpu_min)
            vg_sb_printf(out, ",\"vgpu_min\":\"%u.%u\"", g->vgpu_min / 1000, g->vgpu_min % 1000);
        else
            vg_sb_puts(out, ",\"vgpu_min\":null");
        json_bool(out, "large_bar", g->large_bar);
        json_num(out, "mmio64_gb", g->mmio64_gb);
        json_bool(out, "mmio_verified", g->mmio_verified);
        vg_sb_puts(out, ",\"partition_counts\":[");
        for (size_t j = 0; j < g->npartition_counts; j++)
            vg_sb_printf(out, "%s%u", j ? "," : "", g->partition_counts[j]);
        vg_sb_putc(out, ']');
        json_bool(out, "partition_counts_verified", g->partition_counts_verified);
        json_bool(out, "verified", g->verified);
        json_kv(out, "note", g->note, 1);
        json_kv(out, "source", g->source, 1);
        json_origin(out, &g->origin);
        vg_sb_puts(out, ",\"profiles\":[");
        for (size_t j = 0; j < g->nprofiles; j++) {
            const struct vg_profile *p = &g->profiles[j];
            vg_sb_puts(out, j ? ",{" : "{");
            json_kv(out, "name", p->name, 0);
            vg_sb_printf(out, ",\"series\":\"%c\"", p->series);
            json_num(out, "fb_mb", p->fb_mb);
            json_num(out, "max", p->max_same);
            if (p->max_mixed) {
                json_num(out, "max_mixed", p->max_mixed);
                json_bool(out, "mixed_verified", p->mixed_verified);
            }
            json_bool(out, "mig", p->mig);
            json_bool(out, "verified", p->verified);
            json_kv(out, "source", p->source, 1);
            vg_sb_putc(out, '}');
        }
        vg_sb_puts(out, "]}");
    }
    vg_sb_putc(out, ']');
}

static void json_platforms(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    vg_sb_puts(out, ",\"platforms\":[");
    for (size_t i = 0; i < c->nplatforms; i++) {
        const struct vg_platform *p = c->platforms[i];
        vg_sb_puts(out, i ? ",{" : "{");
        json_kv(out, "family", p->family, 0);
        json_kv(out, "version", p->version, 1);
        json_num(out, "order", p->order);
        json_kv(out, "host_driver", p->host_driver == VG_DRV_HOST_HYPERV ? "hyperv" : "esxi", 1);
        json_kv(out, "os_build", p->os_build, 1);
        json_rel(a, out, "vgpu_min", p->vgpu_min);
        json_rel(a, out, "vgpu_max", p->vgpu_max);
        json_bool(out, "vgpu_range_verified", p->vgpu_range_verified);
        json_list(out, "vgpu_models", p->vgpu_models, p->nvgpu_models);
        json_list(out, "passthrough_models", p->passthrough_models, p->npassthrough_models);
        json_bool(out, "lm_vgpu", p->lm_vgpu);
        json_rel(a, out, "lm_vgpu_min", p->lm_vgpu_min);
        json_bool(out, "lm_passthrough", p->lm_passthrough);
        json_bool(out, "lm_needs_datacenter", p->lm_needs_datacenter);
        json_bool(out, "mixed_size", p->mixed_size);
        json_rel(a, out, "mixed_size_min", p->mixed_size_min);
        json_num(out, "max_vgpus_per_vm", p->max_vgpus_per_vm);
        json_bool(out, "multi_vgpu_c_only", p->multi_vgpu_c_only);
        json_bool(out, "multi_vgpu_full_fb", p->multi_vgpu_full_fb);
        json_kv(out, "multi_vgpu_full_fb_series", p->multi_vgpu_full_fb_series, 1);
        json_bool(out, "gen2_only", p->gpu_vm_gen2_only);
        json_bool(out, "arc_vms", p->arc_vms);
        json_bool(out, "verified", p->verified);
        json_kv(out, "note", p->note, 1);
        json_kv(out, "source", p->source, 1);
        json_origin(out, &p->origin);
        vg_sb_putc(out, '}');
    }
    vg_sb_putc(out, ']');
}

static void json_licensing(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    const struct vg_licensing *l = &c->licensing;
    vg_sb_puts(out, ",\"licensing\":{");
    json_kv(out, "nls_min_release", relnum_text(a, l->nls_min_release), 0);
    json_rel(a, out, "legacy_incompatible_from", l->legacy_incompatible_from);
    json_bool(out, "legacy_verified", l->legacy_verified);
    vg_sb_puts(out, ",\"dls_min\":[");
    for (size_t i = 0; i < l->ndls_min; i++) {
        vg_sb_puts(out, i ? ",{" : "{");
        json_kv(out, "from", relnum_text(a, l->dls_min[i].from_release), 0);
        json_kv(out, "dls", l->dls_min[i].dls_version, 1);
        json_kv(out, "source", l->dls_min[i].source, 1);
        vg_sb_putc(out, '}');
    }
    vg_sb_puts(out, "],\"editions\":{");
    int first = 1;
    for (int s = 0; s < 26; s++) {
        if (!l->series_editions[s])
            continue;
        vg_sb_printf(out, "%s\"%c\":[", first ? "" : ",", 'A' + s);
        int f2 = 1;
        for (int e = 0; e < 4; e++)
            if (l->series_editions[s] & (1u << e)) {
                vg_sb_printf(out, "%s\"%s\"", f2 ? "" : ",", edition_names[e]);
                f2 = 0;
            }
        vg_sb_putc(out, ']');
        first = 0;
    }
    vg_sb_putc(out, '}');
    json_kv(out, "source", l->source, 1);
    vg_sb_putc(out, '}');
}

/* The compatibility facts that are not per release (shown with the releases). */
static void text_compat(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    const struct vg_compat *k = &c->compat;
    vg_sb_printf(out,
                 "\ncompatibility (%s):\n  lts-pair-from: %s  (a long-term-support Manager from this release on also "
                 "takes guests of the previous LTS branch)\n  source: %s\n",
                 origin_text(a, &k->origin), k->lts_pair_from ? relnum_text(a, k->lts_pair_from) : "never",
                 k->source ? vg_inert(a, k->source) : "-");
}

static void text_licensing(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    const struct vg_licensing *l = &c->licensing;
    vg_sb_printf(out, "licensing:\n  NVIDIA License System (dls, cls) from vGPU %s\n",
                 relnum_text(a, l->nls_min_release));
    vg_sb_printf(out, "  legacy license server incompatible from vGPU %s%s\n",
                 relnum_text(a, l->legacy_incompatible_from),
                 l->legacy_verified ? "" : "  (unverified for some releases)");
    for (size_t i = 0; i < l->ndls_min; i++)
        vg_sb_printf(out, "  vGPU %s and later need DLS %s or later\n", relnum_text(a, l->dls_min[i].from_release),
                     vg_inert(a, l->dls_min[i].dls_version));
    for (int s = 0; s < 26; s++) {
        if (!l->series_editions[s])
            continue;
        vg_sb_printf(out, "  %c-series profiles: licensed by", 'A' + s);
        for (int e = 0; e < 4; e++)
            if (l->series_editions[s] & (1u << e))
                vg_sb_printf(out, " %s", edition_names[e]);
        vg_sb_putc(out, '\n');
    }
    vg_sb_printf(out, "  source: %s\n", l->source ? vg_inert(a, l->source) : "-");
}

static void json_compat(struct vg_arena *a, const struct vg_catalog *c, struct vg_strbuf *out)
{
    const struct vg_compat *k = &c->compat;
    vg_sb_puts(out, ",\"compatibility\":{");
    json_kv(out, "lts_pair_from", k->lts_pair_from ? relnum_text(a, k->lts_pair_from) : "never", 0);
    json_kv(out, "source", k->source, 1);
    json_origin(out, &k->origin);
    vg_sb_putc(out, '}');
}

/* The newest version of each platform family ("azure-local 12.2609"), in the
   catalog's family order. */
static size_t newest_platforms(const struct vg_catalog *c, const struct vg_platform **out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nplatforms; i++) {
        const struct vg_platform *p = c->platforms[i];
        size_t j = 0;
        while (j < n && strcmp(out[j]->family, p->family) != 0)
            j++;
        if (j == n)
            out[n++] = p;
        else if (p->order > out[j]->order)
            out[j] = p;
    }
    return n;
}

/* How old each part of the knowledge is, as of --today (VG2007 uses the same date). */
static void text_age(struct vg_arena *a, const struct vg_catalog *c, uint32_t today, struct vg_strbuf *out)
{
    const struct vg_release *newest = NULL;
    uint32_t ym = vg_aging_newest_date(c, &newest);
    vg_sb_printf(out, "age (as of %04u-%02u-%02u):\n", today / 10000, today / 100 % 100, today % 100);
    if (ym) {
        int months = vg_aging_months(ym, today);
        vg_sb_printf(out, "  releases   newest dated: %s (%04u-%02u), %d month%s old%s; newest listed: %s\n",
                     newest->name, ym / 100, ym % 100, months, months == 1 ? "" : "s",
                     months >= VG_AGING_OLD_MONTHS ? " (old: update vgpuc or add releases with --catalog)" : "",
                     c->nreleases ? c->releases[c->nreleases - 1]->name : "-");
    } else {
        vg_sb_puts(out, "  releases   no dated release\n");
    }
    const struct vg_platform **np = vg_alloc_array(a, c->nplatforms + 1, sizeof *np);
    size_t n = newest_platforms(c, np);
    vg_sb_puts(out, "  platforms  newest per family:");
    for (size_t i = 0; i < n; i++)
        vg_sb_printf(out, "%s %s %s", i ? "," : "", np[i]->family, np[i]->version);
    vg_sb_printf(out, "\n  gpus       %zu models\n", c->ngpus);
}

static void json_age(struct vg_arena *a, const struct vg_catalog *c, uint32_t today, struct vg_strbuf *out)
{
    const struct vg_release *newest = NULL;
    uint32_t ym = vg_aging_newest_date(c, &newest);
    vg_sb_printf(out, ",\"age\":{\"today\":\"%04u-%02u-%02u\"", today / 10000, today / 100 % 100, today % 100);
    if (ym)
        vg_sb_printf(out, ",\"newest_dated_release\":{\"release\":\"%s\",\"date\":\"%04u-%02u\",\"months\":%d}",
                     newest->name, ym / 100, ym % 100, vg_aging_months(ym, today));
    else
        vg_sb_puts(out, ",\"newest_dated_release\":null");
    const struct vg_platform **np = vg_alloc_array(a, c->nplatforms + 1, sizeof *np);
    size_t n = newest_platforms(c, np);
    vg_sb_puts(out, ",\"newest_platforms\":{");
    for (size_t i = 0; i < n; i++) {
        json_kv(out, np[i]->family, np[i]->version, i > 0);
    }
    vg_sb_puts(out, "}}");
}

void vg_catalog_print(struct vg_arena *a, const struct vg_catalog *c, const char *sec, int json, uint32_t today,
                      struct vg_strbuf *out)
{
    int all = sec == NULL;
    if (json) {
        vg_sb_putc(out, '{');
        vg_json_head(out, CATALOG_FORMAT_VERSION, NULL);
        json_list(out, "files", c->files, c->nfiles);
        json_age(a, c, today, out);
        if (all || strcmp(sec, "releases") == 0) {
            json_releases(a, c, out);
            json_compat(a, c, out);
        }
        if (all || strcmp(sec, "gpus") == 0)
            json_gpus(out, c);
        if (all || strcmp(sec, "platforms") == 0)
            json_platforms(a, c, out);
        if (all)
            json_licensing(a, c, out);
        vg_sb_puts(out, "}\n");
    } else {
        vg_sb_puts(out, "files merged (later entries replace earlier ones with the same key):\n");
        for (size_t i = 0; i < c->nfiles; i++)
            vg_sb_printf(out, "  %s\n", vg_inert(a, c->files[i]));
        vg_sb_putc(out, '\n');
        text_age(a, c, today, out);
        if (all || strcmp(sec, "releases") == 0) {
            vg_sb_putc(out, '\n');
            text_releases(a, c, out);
            text_compat(a, c, out);
        }
        if (all || strcmp(sec, "gpus") == 0) {
            vg_sb_putc(out, '\n');
            text_gpus(a, c, out);
        }
        if (all || strcmp(sec, "platforms") == 0) {
            vg_sb_putc(out, '\n');
            text_platforms(a, c, out);
        }
        if (all) {
            vg_sb_putc(out, '\n');
            text_licensing(a, c, out);
        }
    }
}
