/*
 * catalog_load.c - load the knowledge base: the built-in YAML, then the user's
 * files, merged entry by entry.
 *
 * Each file is a mapping with any of the sections `releases`, `gpus`,
 * `platforms`, `licensing`, `compatibility` (and `defs`, ignored, for YAML
 * anchors). Entries are read through field tables (yamlutil.h), merged by key
 * (a later file's entry replaces an earlier one and records its origin), and
 * only then sorted and indexed (catalog_lookup.c), so a replaced GPU takes its
 * profiles with it. docs/catalog.md documents the schema.
 */
#include "catalog/catalog.h"

#include "core/vg_limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_data.h"
#include "catalog/catalog_index.h"
#include "core/ctx.h"
#include "base/suggest.h"
#include "catalog/yamlutil.h"

/* What one platform entry names, checked against the GPU models at file end. */
struct model_check {
    yaml_node_t *list;
};

struct loader {
    struct vg_ctx *ctx;
    struct vg_catalog *c;
    const char *file;         /* display name of the file being read */
    struct vg_hash merge;     /* "r:16.5", "g:a16", "p:esxi 8.0" -> index + 1 */
    struct vg_hash file_keys; /* keys of this file -> first yaml node */
    size_t cap_rel, cap_gpu, cap_plat, cap_files;
    struct model_check *checks;
    size_t nchecks, cap_checks;
};

static struct vg_origin origin_of(struct loader *L, const yaml_node_t *n)
{
    struct vg_origin o = {L->file, (uint32_t)n->start_mark.line + 1, (uint32_t)n->start_mark.column + 1};
    return o;
}

/*
 * Record an entry's key for this file (a second one is an error) and merge it:
 * replace the earlier file's entry or append. Returns 0 or -1.
 */
static int merge_entry(struct loader *L, struct vg_yaml *y, yaml_node_t *at, const char *kind_name, char tag,
                       const char *name, const char *name2, void ***arr, size_t *n, size_t *cap, void *entry)
{
    char buf[512];
    char prefix[3] = {tag, ':', 0};
    if (!vg_catalog_key(buf, sizeof buf, prefix, name, name2)) {
        vg_yaml_error(y, at, "the %s name is too long", kind_name);
        return -1;
    }
    yaml_node_t *first = vg_hash_get(&L->file_keys, buf);
    if (first) {
        struct vg_diag *d = name2 ? vg_yaml_error(y, at, "duplicate %s `%s %s` in this file", kind_name, name, name2)
                                  : vg_yaml_error(y, at, "duplicate %s `%s` in this file", kind_name, name);
        vg_diag_span(L->ctx, d, vg_yaml_span(y, first), "first defined here");
        vg_diag_help(L->ctx, d,
                     "remove one of them; to replace a built-in entry, put the new one in a `--catalog` file");
        return -1;
    }
    const char *key = vg_strdup(L->ctx->arena, buf);
    vg_hash_put(&L->file_keys, key, at);
    uintptr_t idx = (uintptr_t)vg_hash_get(&L->merge, key);
    if (idx) {
        (*arr)[idx - 1] = entry;
    } else {
        vg_grow(L->ctx->arena, (void **)arr, cap, *n + 1, sizeof(void *));
        (*arr)[(*n)++] = entry;
        vg_hash_set(&L->merge, key, (void *)(uintptr_t)*n);
    }
    return 0;
}

/* ---- releases ---------------------------------------------------------- */

#define FLD(k, kind, req, T, m)                           \
    {                                                     \
        k, kind, req, offsetof(T, m), 0, NULL, NULL, NULL \
    }
#define DRV(k, T, col)                                                                           \
    {                                                                                            \
        k, VG_YF_STR, 0, offsetof(T, driver) + (col) * sizeof(const char *), 0, NULL, NULL, NULL \
    }

static const struct vg_yaml_field host_driver_f[] = {
    DRV("esxi", struct vg_release, VG_DRV_HOST_ESXI),
    DRV("hyperv", struct vg_release, VG_DRV_HOST_HYPERV),
};
static const struct vg_yaml_fields host_driver_t = {"`host-driver`", host_driver_f, 2};
static const struct vg_yaml_field guest_driver_f[] = {
    DRV("windows", struct vg_release, VG_DRV_GUEST_WINDOWS),
    DRV("linux", struct vg_release, VG_DRV_GUEST_LINUX),
};
static const struct vg_yaml_fields guest_driver_t = {"`guest-driver`", guest_driver_f, 2};

static const struct vg_yaml_field release_f[] = {
    FLD("release", VG_YF_STR, 1, struct vg_release, name),
    FLD("branch", VG_YF_STR, 0, struct vg_release, branch),
    FLD("lts", VG_YF_TRI, 1, struct vg_release, lts),
    FLD("date", VG_YF_STR, 0, struct vg_release, date),
    {"host-driver", VG_YF_MAP, 1, 0, 0, NULL, &host_driver_t, NULL},
    {"guest-driver", VG_YF_MAP, 1, 0, 0, NULL, &guest_driver_t, NULL},
    FLD("branch-end-of-support", VG_YF_MONTH, 0, struct vg_release, branch_eos),
    FLD("packages", VG_YF_STR, 0, struct vg_release, packages),
    FLD("verified", VG_YF_BOOL, 0, struct vg_release, verified),
    FLD("note", VG_YF_STR, 0, struct vg_release, note),
    FLD("source", VG_YF_STR, 1, struct vg_release, source),
};
static const struct vg_yaml_fields release_t = {"a release entry", release_f, sizeof release_f / sizeof *release_f};

/* YYYY-MM or YYYY-MM-DD */
static int valid_date(const char *s)
{
    size_t n = strlen(s);
    if (n != 7 && n != 10)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return 0;
    }
    int mo = (s[5] - '0') * 10 + (s[6] - '0');
    int day = n == 10 ? (s[8] - '0') * 10 + (s[9] - '0') : 1;
    return mo >= 1 && mo <= 12 && day >= 1 && day <= 31;
}

static int each_item(struct vg_yaml *y, yaml_node_t *seq, const char *section, void *obj,
                     int (*fn)(struct loader *, struct vg_yaml *, yaml_node_t *), struct loader *L)
{
    if (vg_yaml_is_null(seq))
        return 0;
    if (seq->type != YAML_SEQUENCE_NODE) {
        vg_yaml_error(y, seq, "`%s` must be a list of entries (lines starting with `- `)", section);
        return -1;
    }
    int rc = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++)
        if (fn(L, y, vg_yaml_node(y, *it)) < 0)
            rc = -1;
    (void)obj;
    return rc;
}

static int read_release(struct loader *L, struct vg_yaml *y, yaml_node_t *item)
{
    struct vg_release *r = vg_alloc(L->ctx->arena, sizeof *r);
    r->verified = 1;
    if (vg_yaml_read(y, item, &release_t, r) < 0)
        return -1;
    int rc = 0;
    r->num = vg_yaml_relnum(r->name, 0);
    if (!r->num) {
        struct vg_diag *d = vg_yaml_error(y, vg_yaml_get(y, item, "release"),
                                          "`release` must be MAJOR.MINOR such as \"16.5\", not `%s`", r->name);
        vg_diag_help(L->ctx, d, "write the release as NVIDIA numbers it, without leading zeros");
        return -1;
    }
    r->major = (uint16_t)(r->num / 1000);
    r->minor = (uint16_t)(r->num % 1000);
    if (r->date && !valid_date(r->date)) {
        vg_yaml_error(y, vg_yaml_get(y, item, "date"), "`date` must be YYYY-MM-DD or YYYY-MM, not `%s`", r->date);
        rc = -1;
    }
    r->origin = origin_of(L, item);
    if (merge_entry(L, y, item, "release", 'r', r->name, NULL, (void ***)&L->c->releases, &L->c->nreleases, &L->cap_rel,
                    r) < 0)
        rc = -1;
    return rc;
}

static int read_releases(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    return each_item(y, v, "releases", obj, read_release, obj);
}

/* ---- GPUs and profiles --------------------------------------------------- */

struct profile_row {
    struct vg_profile p;
    int series;
};

static const char *const series_names[] = {"A", "B", "C", "Q", NULL};

static const struct vg_yaml_field profile_f[] = {
    FLD("name", VG_YF_STR, 1, struct profile_row, p.name),
    {"series", VG_YF_ENUM, 1, offsetof(struct profile_row, series), 0, series_names, NULL, NULL},
    FLD("fb", VG_YF_U32, 1, struct profile_row, p.fb_mb),
    FLD("max", VG_YF_U16, 1, struct profile_row, p.max_same),
    FLD("mixed", VG_YF_U16, 0, struct profile_row, p.max_mixed),
    FLD("mixed-verified", VG_YF_BOOL, 0, struct profile_row, p.mixed_verified),
    FLD("mig", VG_YF_BOOL, 0, struct profile_row, p.mig),
    FLD("verified", VG_YF_BOOL, 0, struct profile_row, p.verified),
    FLD("source", VG_YF_STR, 0, struct profile_row, p.source),
};
static const struct vg_yaml_fields profile_t = {"a profile", profile_f, sizeof profile_f / sizeof *profile_f};

static int read_profiles(struct vg_yaml *y, yaml_node_t *seq, void *obj)
{
    struct vg_gpu *g = obj;
    if (seq->type != YAML_SEQUENCE_NODE) {
        vg_yaml_error(y, seq,
                      "`profiles` must be a list of profiles such as `- {name: A16-1Q, series: Q, fb: 1024, max: 16}`");
        return -1;
    }
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    g->profiles = vg_alloc_array(y->ctx->arena, n ? n : 1, sizeof *g->profiles);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct profile_row row;
        memset(&row, 0, sizeof row);
        row.p.verified = 1;
        row.p.mixed_verified = 1;
        if (vg_yaml_read(y, vg_yaml_node(y, seq->data.sequence.items.start[i]), &profile_t, &row) < 0) {
            rc = -1;
            continue;
        }
        row.p.series = series_names[row.series][0];
        g->profiles[g->nprofiles++] = row.p;
    }
    return rc;
}

static const struct vg_yaml_field pci_f[] = {
    FLD("vendor", VG_YF_U16, 1, struct vg_gpu, vendor_id),
    FLD("device", VG_YF_U16, 1, struct vg_gpu, device_id),
    FLD("subvendor", VG_YF_U16, 0, struct vg_gpu, subvendor_id),
    FLD("subdevice", VG_YF_U16, 0, struct vg_gpu, subdevice_id),
};
static const struct vg_yaml_fields pci_t = {"`pci`", pci_f, 4};

/* A GPU entry as read: the GPU and the default profile source per series. */
/* g comes first, so the vg_gpu offsets of gpu_f apply to the row as well */
struct gpu_row {
    struct vg_gpu g;
    const char *series_source[4]; /* A, B, C, Q */
};

static const struct vg_yaml_field series_source_f[] = {
    FLD("A", VG_YF_STR, 0, struct gpu_row, series_source[0]),
    FLD("B", VG_YF_STR, 0, struct gpu_row, series_source[1]),
    FLD("C", VG_YF_STR, 0, struct gpu_row, series_source[2]),
    FLD("Q", VG_YF_STR, 0, struct gpu_row, series_source[3]),
};
static const struct vg_yaml_fields series_source_t = {"`profile-sources`", series_source_f, 4};

static const struct vg_yaml_field gpu_f[] = {
    FLD("model", VG_YF_STR, 1, struct vg_gpu, model),
    FLD("name", VG_YF_STR, 0, struct vg_gpu, name),
    FLD("arch", VG_YF_STR, 0, struct vg_gpu, arch),
    FLD("fb", VG_YF_U32, 1, struct vg_gpu, fb_mb),
    FLD("profile-prefix", VG_YF_STR, 0, struct vg_gpu, profile_prefix),
    FLD("vgpu-min", VG_YF_RELEASE, 0, struct vg_gpu, vgpu_min),
    FLD("mig-slices", VG_YF_U16, 0, struct vg_gpu, mig_slices),
    FLD("gpus-per-board", VG_YF_U16, 0, struct vg_gpu, gpus_per_board),
    {"pci", VG_YF_MAP, 0, 0, 0, NULL, &pci_t, NULL},
    FLD("large-bar", VG_YF_BOOL, 0, struct vg_gpu, large_bar),
    FLD("mmio64-gb", VG_YF_U32, 0, struct vg_gpu, mmio64_gb),
    FLD("mmio-verified", VG_YF_BOOL, 0, struct vg_gpu, mmio_verified),
    {"partition-counts", VG_YF_U16LIST, 0, offsetof(struct vg_gpu, partition_counts),
     offsetof(struct vg_gpu, npartition_counts), NULL, NULL, NULL},
    FLD("partition-counts-verified", VG_YF_BOOL, 0, struct vg_gpu, partition_counts_verified),
    FLD("verified", VG_YF_BOOL, 0, struct vg_gpu, verified),
    FLD("note", VG_YF_STR, 0, struct vg_gpu, note),
    FLD("source", VG_YF_STR, 1, struct vg_gpu, source),
    {"profile-sources", VG_YF_MAP, 0, 0, 0, NULL, &series_source_t, NULL},
    {"profiles", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_profiles},
};
static const struct vg_yaml_fields gpu_t = {"a GPU entry", gpu_f, sizeof gpu_f / sizeof *gpu_f};

/* Profiles are named after their GPU ("A16-4Q" on `A16`); unique in the file. */
static int check_profiles(struct loader *L, struct vg_yaml *y, yaml_node_t *item, struct gpu_row *row)
{
    struct vg_gpu *g = &row->g;
    yaml_node_t *seq = vg_yaml_get(y, item, "profiles");
    int rc = 0;
    const char *prefix = g->profile_prefix ? g->profile_prefix : g->model;
    size_t mlen = strlen(prefix);
    for (size_t i = 0; i < g->nprofiles; i++) {
        struct vg_profile *p = &g->profiles[i];
        yaml_node_t *at = vg_yaml_get(y, vg_yaml_node(y, seq->data.sequence.items.start[i]), "name");
        p->gpu = g;
        if (!p->source) {
            const char *by_series = row->series_source[strchr("ABCQ", p->series) - "ABCQ"];
            p->source = by_series ? by_series : g->source;
        }
        if (strlen(p->name) <= mlen + 1 || p->name[mlen] != '-' || strncmp(p->name, prefix, mlen) != 0) {
            struct vg_diag *d = vg_yaml_error(y, at, "profile `%s` is not named after its GPU `%s`", p->name, prefix);
            vg_diag_help(L->ctx, d, "profile names start with the %s and a dash, such as `%s-4Q`",
                         g->profile_prefix ? "`profile-prefix`" : "model", prefix);
            rc = -1;
            continue;
        }
        char buf[256];
        if (!vg_catalog_key(buf, sizeof buf, "q:", p->name, NULL))
            continue;
        yaml_node_t *first = vg_hash_get(&L->file_keys, buf);
        if (first) {
            struct vg_diag *d = vg_yaml_error(y, at, "duplicate profile `%s` in this file", p->name);
            vg_diag_span(L->ctx, d, vg_yaml_span(y, first), "first defined here");
            rc = -1;
            continue;
        }
        vg_hash_put(&L->file_keys, vg_strdup(L->ctx->arena, buf), at);
        if (p->mig) { /* NAME-<slices>-<GB><series>[ME|GFX]: the slices and the media extensions */
            const char *r = p->name + mlen + 1;
            char *end;
            unsigned long n = strtoul(r, &end, 10);
            p->mig_slices = (uint16_t)(end != r && *end == '-' && n < 100 ? n : 0);
            size_t len = strlen(p->name);
            p->media_ext = len > 2 && strcmp(p->name + len - 2, "ME") == 0;
            if (!p->mig_slices && g->mig_slices) {
                vg_yaml_error(y, at, "MIG profile `%s` does not name its slices (such as `%s-1-10C`)", p->name, prefix);
                rc = -1;
            } else if (g->mig_slices && p->mig_slices > g->mig_slices) {
                vg_yaml_error(y, at, "MIG profile `%s` takes %u slices, more than the `mig-slices: %u` of `%s`",
                              p->name, p->mig_slices, g->mig_slices, g->model);
                rc = -1;
            }
        }
    }
    return rc;
}

/* A PCI id of 0x0000 or 0xFFFF is no device (0xFFFF is what an empty slot reads);
   the generated PowerCLI would match nothing with it, so it is refused here. The
   subsystem ids are optional, but come as a pair. */
static int check_pci(struct vg_yaml *y, yaml_node_t *item, const struct vg_gpu *g)
{
    yaml_node_t *pci = vg_yaml_get(y, item, "pci");
    static const char *const keys[] = {"vendor", "device", "subvendor", "subdevice"};
    static const char *const what[] = {"vendor", "device", "subsystem vendor", "subsystem device"};
    static const char *const like[] = {"10DE", "25B6", "10DE", "157E"};
    const uint16_t ids[] = {g->vendor_id, g->device_id, g->subvendor_id, g->subdevice_id};
    int rc = 0;
    if (!pci)
        return 0;
    for (int i = 0; i < 4; i++) {
        yaml_node_t *at = vg_yaml_get(y, pci, keys[i]);
        if (i >= 2 && !at && vg_yaml_get(y, pci, keys[i == 2 ? 3 : 2])) {
            vg_yaml_error(y, vg_yaml_get(y, pci, keys[i == 2 ? 3 : 2]), "`%s` needs `%s` (the subsystem is a pair)",
                          keys[i == 2 ? 3 : 2], keys[i]);
            rc = -1;
        } else if ((i < 2 || at) && (ids[i] == 0 || ids[i] == 0xFFFF)) {
            vg_yaml_error(y, at, "`%s` must be a PCI %s id from a source (such as 0x%s), not 0x%04X", keys[i], what[i],
                          like[i], ids[i]);
            rc = -1;
        }
    }
    return rc;
}

static int read_gpu(struct loader *L, struct vg_yaml *y, yaml_node_t *item)
{
    struct gpu_row *row = vg_alloc(L->ctx->arena, sizeof *row);
    struct vg_gpu *g = &row->g;
    g->gpus_per_board = 1;
    g->verified = 1;
    g->mmio_verified = 1;
    g->partition_counts_verified = 1;
    if (vg_yaml_read(y, item, &gpu_t, row) < 0)
        return -1;
    if (!g->name)
        g->name = vg_sprintf(L->ctx->arena, "NVIDIA %s", g->model);
    g->origin = origin_of(L, item);
    int rc = check_profiles(L, y, item, row);
    /* The numbers the planner and the scripts compute with, in their ranges:
     * the MMIO size times the GPUs of a VM (x 64 at most) must stay a 32-bit
     * power of two (2^31 wrapped it to 0), a GPU has some frame buffer. */
    const struct {
        const char *key;
        uint32_t value, min, max;
    } ranges[] = {
        {"mmio64-gb", g->mmio64_gb, 0, VG_MAX_MMIO64_GB},
        {"fb", g->fb_mb, 1, 1u << 20}, /* 1 TiB of frame buffer per GPU */
        {"gpus-per-board", g->gpus_per_board, 1, 64},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        if (ranges[i].value >= ranges[i].min && ranges[i].value <= ranges[i].max)
            continue;
        yaml_node_t *at = vg_yaml_get(y, item, ranges[i].key);
        vg_yaml_error(y, at ? at : item, "`%s` must be from %u to %u, not %u", ranges[i].key, ranges[i].min,
                      ranges[i].max, ranges[i].value);
        rc = -1;
    }
    if (check_pci(y, item, g) < 0)
        rc = -1;
    if (merge_entry(L, y, item, "GPU model", 'g', g->model, NULL, (void ***)&L->c->gpus, &L->c->ngpus, &L->cap_gpu, g) <
        0)
        rc = -1;
    return rc;
}

static int read_gpus(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    return each_item(y, v, "gpus", obj, read_gpu, obj);
}

/* ---- platforms ------------------------------------------------------------ */

struct platform_row {
    struct vg_platform p;
    int host;
};

static const char *const host_names[] = {"hyperv", "esxi", NULL};

static const struct vg_yaml_field platform_f[] = {
    FLD("family", VG_YF_STR, 1, struct platform_row, p.family),
    FLD("version", VG_YF_STR, 1, struct platform_row, p.version),
    FLD("order", VG_YF_U32, 1, struct platform_row, p.order),
    {"host-driver", VG_YF_ENUM, 1, offsetof(struct platform_row, host), 0, host_names, NULL, NULL},
    FLD("os-build", VG_YF_STR, 0, struct platform_row, p.os_build),
    FLD("vgpu-min", VG_YF_RELEASE, 0, struct platform_row, p.vgpu_min),
    FLD("vgpu-max", VG_YF_RELMAX, 0, struct platform_row, p.vgpu_max),
    FLD("vgpu-range-verified", VG_YF_BOOL, 0, struct platform_row, p.vgpu_range_verified),
    {"vgpu-models", VG_YF_STRLIST, 1, offsetof(struct platform_row, p.vgpu_models),
     offsetof(struct platform_row, p.nvgpu_models), NULL, NULL, NULL},
    {"passthrough-models", VG_YF_STRLIST, 1, offsetof(struct platform_row, p.passthrough_models),
     offsetof(struct platform_row, p.npassthrough_models), NULL, NULL, NULL},
    FLD("lm-vgpu", VG_YF_BOOL, 1, struct platform_row, p.lm_vgpu),
    FLD("lm-vgpu-min", VG_YF_RELEASE, 0, struct platform_row, p.lm_vgpu_min),
    FLD("lm-passthrough", VG_YF_BOOL, 0, struct platform_row, p.lm_passthrough),
    FLD("lm-needs-datacenter", VG_YF_BOOL, 0, struct platform_row, p.lm_needs_datacenter),
    FLD("mixed-size", VG_YF_BOOL, 0, struct platform_row, p.mixed_size),
    FLD("mixed-size-min", VG_YF_RELEASE, 0, struct platform_row, p.mixed_size_min),
    FLD("max-vgpus-per-vm", VG_YF_U16, 0, struct platform_row, p.max_vgpus_per_vm),
    FLD("multi-vgpu-c-only", VG_YF_BOOL, 0, struct platform_row, p.multi_vgpu_c_only),
    FLD("multi-vgpu-full-fb", VG_YF_BOOL, 0, struct platform_row, p.multi_vgpu_full_fb),
    FLD("multi-vgpu-full-fb-series", VG_YF_STR, 0, struct platform_row, p.multi_vgpu_full_fb_series),
    FLD("gen2-only", VG_YF_BOOL, 0, struct platform_row, p.gpu_vm_gen2_only),
    FLD("arc-vms", VG_YF_BOOL, 0, struct platform_row, p.arc_vms),
    FLD("verified", VG_YF_BOOL, 0, struct platform_row, p.verified),
    FLD("note", VG_YF_STR, 0, struct platform_row, p.note),
    FLD("source", VG_YF_STR, 1, struct platform_row, p.source),
};
static const struct vg_yaml_fields platform_t = {"a platform entry", platform_f,
                                                 sizeof platform_f / sizeof *platform_f};

/* Family and version are words of the .vgpu language: no spaces, no quotes. */
static int valid_word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '-' || *s == '_' || *s == '+'))
            return 0;
    return 1;
}

static int read_platform(struct loader *L, struct vg_yaml *y, yaml_node_t *item)
{
    struct platform_row row;
    memset(&row, 0, sizeof row);
    row.p.verified = 1;
    row.p.vgpu_range_verified = 1;
    if (vg_yaml_read(y, item, &platform_t, &row) < 0)
        return -1;
    int rc = 0;
    if (!valid_word(row.p.family)) {
        vg_yaml_error(y, vg_yaml_get(y, item, "family"), "`family` must be one word such as `azure-local`, not `%s`",
                      row.p.family);
        rc = -1;
    }
    if (!valid_word(row.p.version)) {
        vg_yaml_error(y, vg_yaml_get(y, item, "version"), "`version` must be one word such as `8.0u2`, not `%s`",
                      row.p.version);
        rc = -1;
    }
    const char *fs = row.p.multi_vgpu_full_fb_series;
    if (fs && (!*fs || strspn(fs, "ABCQ") != strlen(fs))) {
        vg_yaml_error(y, vg_yaml_get(y, item, "multi-vgpu-full-fb-series"),
                      "`multi-vgpu-full-fb-series` must be profile series letters such as `QC`, not `%s`", fs);
        rc = -1;
    }
    if (rc < 0)
        return -1;
    struct vg_platform *p = vg_alloc(L->ctx->arena, sizeof *p);
    *p = row.p;
    p->kind = row.host == 0 ? VG_FAMILY_HYPERV : VG_FAMILY_VSPHERE;
    p->host_driver = row.host == 0 ? VG_DRV_HOST_HYPERV : VG_DRV_HOST_ESXI;
    p->origin = origin_of(L, item);
    struct model_check mc[2] = {{vg_yaml_get(y, item, "vgpu-models")}, {vg_yaml_get(y, item, "passthrough-models")}};
    for (int i = 0; i < 2; i++)
        VG_PUSH(L->ctx->arena, L->checks, L->nchecks, L->cap_checks, mc[i]);
    if (merge_entry(L, y, item, "platform", 'p', p->family, p->version, (void ***)&L->c->platforms, &L->c->nplatforms,
                    &L->cap_plat, p) < 0)
        return -1;
    return 0;
}

static int read_platforms(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    return each_item(y, v, "platforms", obj, read_platform, obj);
}

/* Every model a platform names must be a GPU of the catalog (or "*"). */
static int check_models(struct loader *L, struct vg_yaml *y)
{
    int rc = 0;
    for (size_t i = 0; i < L->nchecks; i++) {
        yaml_node_t *seq = L->checks[i].list;
        for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
            yaml_node_t *n = vg_yaml_node(y, *it);
            const char *m = (const char *)n->data.scalar.value;
            char buf[256];
            if (strcmp(m, "*") == 0 || (vg_catalog_key(buf, sizeof buf, "g:", m, NULL) && vg_hash_get(&L->merge, buf)))
                continue;
            struct vg_diag *d = vg_yaml_error(y, n, "unknown GPU model `%s`", m);
            const char **names = vg_alloc_array(L->ctx->arena, L->c->ngpus + 1, sizeof *names);
            for (size_t j = 0; j < L->c->ngpus; j++)
                names[j] = L->c->gpus[j]->model;
            const char *near = vg_suggest(m, names, L->c->ngpus);
            if (near)
                vg_diag_help(L->ctx, d, "did you mean `%s`?", near);
            else
                vg_diag_help(L->ctx, d, "define the GPU under `gpus:` in a catalog file, or use \"*\" for any model");
            rc = -1;
        }
    }
    L->nchecks = 0;
    return rc;
}

/* ---- licensing ------------------------------------------------------------ */

static const struct vg_yaml_field dls_f[] = {
    FLD("from", VG_YF_RELEASE, 1, struct vg_dls_min, from_release),
    FLD("dls", VG_YF_STR, 1, struct vg_dls_min, dls_version),
    FLD("source", VG_YF_STR, 1, struct vg_dls_min, source),
};
static const struct vg_yaml_fields dls_t = {"a `dls-min` entry", dls_f, 3};

static int read_dls_min(struct vg_yaml *y, yaml_node_t *seq, void *obj)
{
    struct vg_licensing *lic = obj;
    if (seq->type != YAML_SEQUENCE_NODE) {
        vg_yaml_error(y, seq, "`dls-min` must be a list such as `- {from: \"18.0\", dls: \"3.4\", source: ...}`");
        return -1;
    }
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    lic->dls_min = vg_alloc_array(y->ctx->arena, n ? n : 1, sizeof *lic->dls_min);
    lic->ndls_min = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct vg_dls_min *m = &lic->dls_min[lic->ndls_min];
        if (vg_yaml_read(y, vg_yaml_node(y, seq->data.sequence.items.start[i]), &dls_t, m) < 0)
            rc = -1;
        else
            lic->ndls_min++;
    }
    return rc;
}

static const char *const edition_names[] = {"vws", "vpc", "vapps", "vcs", NULL};

/* Series -> editions pairs of `map` into set[]; `release` and `source` are
   read into *until and *source where those are given (editions-before). */
static int editions_into(struct vg_yaml *y, yaml_node_t *map, const char *what, unsigned set_of[26], uint32_t *until,
                         const char **source)
{
    if (map->type != YAML_MAPPING_NODE) {
        vg_yaml_error(y, map, "`%s` must map a profile series to its editions, such as `Q: [vws]`", what);
        return -1;
    }
    int rc = 0;
    for (struct vg_yaml_pairs p = vg_yaml_pairs(y, map); vg_yaml_next_pair(&p);) {
        yaml_node_t *k = p.key, *v = p.value;
        const char *s = vg_yaml_scalar(y, k, what);
        if (!s) {
            rc = -1;
            continue;
        }
        if (until && strcmp(s, "release") == 0) {
            const char *r = vg_yaml_scalar(y, v, "release");
            *until = r ? vg_yaml_relnum(r, 0) : 0;
            if (!*until) {
                vg_yaml_error(y, v, "`release` must be a vGPU release such as \"16.0\"");
                rc = -1;
            }
            continue;
        }
        if (source && strcmp(s, "source") == 0) {
            const char *r = vg_yaml_scalar(y, v, "source");
            *source = r ? vg_strdup(y->ctx->arena, r) : NULL;
            continue;
        }
        if (!(s[0] >= 'A' && s[0] <= 'Z' && s[1] == 0)) {
            vg_yaml_error(y, k, "a profile series is one capital letter such as `Q`, not `%s`", s);
            rc = -1;
            continue;
        }
        if (v->type != YAML_SEQUENCE_NODE) {
            vg_yaml_error(y, v, "the editions of series `%s` must be a list such as [vpc, vws]", s);
            rc = -1;
            continue;
        }
        unsigned set = 0;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *e = vg_yaml_node(y, *it);
            const char *name = vg_yaml_scalar(y, e, "editions");
            int j = 0;
            while (name && edition_names[j] && strcmp(name, edition_names[j]) != 0)
                j++;
            if (!name || !edition_names[j]) {
                if (name) {
                    struct vg_diag *d = vg_yaml_error(y, e, "unknown license edition `%s`", name);
                    const char *near = vg_suggest(name, edition_names, 4);
                    if (near)
                        vg_diag_help(y->ctx, d, "did you mean `%s`?", near);
                    vg_diag_note(y->ctx, d, "editions: `vws`, `vpc`, `vapps`, `vcs`");
                }
                rc = -1;
                continue;
            }
            set |= 1u << j;
        }
        set_of[s[0] - 'A'] = set;
    }
    return rc;
}

static int read_editions(struct vg_yaml *y, yaml_node_t *map, void *obj)
{
    struct vg_licensing *lic = obj;
    return editions_into(y, map, "editions", lic->series_editions, NULL, NULL);
}

/* `editions-before: {release: "16.0", C: [vcs, vws], source: ...}`: the series
   listed there are licensed so for guest releases before `release`. */
static int read_editions_before(struct vg_yaml *y, yaml_node_t *map, void *obj)
{
    struct vg_licensing *lic = obj;
    int rc = editions_into(y, map, "editions-before", lic->series_editions_before, &lic->editions_before_release,
                           &lic->editions_before_source);
    if (rc == 0 && !lic->editions_before_release) {
        vg_yaml_error(y, map, "`editions-before` needs the `release` before which its editions apply");
        rc = -1;
    }
    return rc;
}

static const struct vg_yaml_field licensing_f[] = {
    FLD("nls-min-release", VG_YF_RELEASE, 0, struct vg_licensing, nls_min_release),
    FLD("legacy-incompatible-from", VG_YF_RELEASE, 0, struct vg_licensing, legacy_incompatible_from),
    FLD("legacy-verified", VG_YF_BOOL, 0, struct vg_licensing, legacy_verified),
    {"dls-min", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_dls_min},
    {"editions", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_editions},
    {"editions-before", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_editions_before},
    FLD("source", VG_YF_STR, 0, struct vg_licensing, source),
};
static const struct vg_yaml_fields licensing_t = {"`licensing`", licensing_f, sizeof licensing_f / sizeof *licensing_f};

static int read_licensing(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    struct loader *L = obj;
    return vg_yaml_read(y, v, &licensing_t, &L->c->licensing);
}

/* ---- compatibility ---------------------------------------------------------- */

/* A release, or `never` (0) so that a user file can switch the allowance off. */
static int read_release_or_never(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    uint32_t *at = obj;
    const char *s = vg_yaml_scalar(y, v, "lts-pair-from");
    if (!s)
        return -1;
    if (strcmp(s, "never") == 0) {
        *at = 0;
        return 0;
    }
    uint32_t num = vg_yaml_is_null(v) ? 0 : vg_yaml_relnum(s, 0);
    if (!num) {
        vg_yaml_error(y, v, "`lts-pair-from` must be a vGPU release such as \"19.0\", or `never`, not `%s`", s);
        return -1;
    }
    *at = num;
    return 0;
}

static int read_lts_pair(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    return read_release_or_never(y, v, &((struct vg_compat *)obj)->lts_pair_from);
}

static const struct vg_yaml_field compat_f[] = {
    {"lts-pair-from", VG_YF_FUNC, 1, 0, 0, NULL, NULL, read_lts_pair},
    FLD("source", VG_YF_STR, 1, struct vg_compat, source),
};
static const struct vg_yaml_fields compat_t = {"`compatibility`", compat_f, sizeof compat_f / sizeof *compat_f};

static int read_compat(struct vg_yaml *y, yaml_node_t *v, void *obj)
{
    struct loader *L = obj;
    if (vg_yaml_read(y, v, &compat_t, &L->c->compat) < 0)
        return -1;
    L->c->compat.origin = origin_of(L, v);
    return 0;
}

/* ---- files ------------------------------------------------------------------ */

static const struct vg_yaml_field file_f[] = {
    {"releases", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_releases},
    {"gpus", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_gpus},
    {"platforms", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_platforms},
    {"licensing", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_licensing},
    {"compatibility", VG_YF_FUNC, 0, 0, 0, NULL, NULL, read_compat},
    {"defs", VG_YF_ANY, 0, 0, 0, NULL, NULL, NULL},
};
static const struct vg_yaml_fields file_t = {"a catalog file", file_f, sizeof file_f / sizeof *file_f};

/* One catalog file: `snap` is its node tree compiled in at build time (the
 * built-in files), else NULL and libyaml parses the text. */
static int load_text(struct loader *L, const char *display, const char *text, size_t len,
                     const struct vg_yaml_snapshot *snap)
{
    struct vg_yaml y;
    L->file = display;
    VG_PUSH(L->ctx->arena, L->c->files, L->c->nfiles, L->cap_files, display);
    vg_hash_init(&L->file_keys, L->ctx->arena);
    L->nchecks = 0;
    int rc = 0;
    if (snap)
        vg_yaml_from_snapshot(&y, L->ctx, display, text, len, snap);
    else
        rc = vg_yaml_parse(&y, L->ctx, display, text, len);
    yaml_node_t *root = vg_yaml_root(&y);
    if (rc == 0 && root && !vg_yaml_is_null(root)) {
        rc = vg_yaml_read(&y, root, &file_t, L);
        if (check_models(L, &y) < 0)
            rc = -1;
    }
    vg_yaml_free(&y);
    return rc;
}

static int load_path(struct loader *L, const char *path)
{
    size_t len;
    const char *why;
    char *buf = vg_yaml_slurp(path, &len, &why);
    if (!buf) {
        struct vg_diag *d =
            vg_diag_emit(L->ctx, VG9003, (struct vg_span){0, 0, 0}, "cannot read catalog file `%s`: %s", path, why);
        vg_diag_help(L->ctx, d, "check the `--catalog` options, VGPUC_CATALOG and the `catalog:` list of .vgpuc.yaml");
        return -1;
    }
    int rc = load_text(L, vg_strdup(L->ctx->arena, path), buf, len, NULL);
    free(buf);
    return rc;
}

const struct vg_catalog *vg_catalog_load(struct vg_ctx *ctx, const char *const *extra, size_t nextra)
{
    struct loader L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.c = vg_alloc(ctx->arena, sizeof *L.c);
    L.c->licensing.legacy_verified = 1;
    vg_hash_init(&L.merge, ctx->arena);
    int bad = 0;
    for (size_t i = 0; i < vg_builtin_catalog_count; i++) {
        const struct vg_embedded_file *f = &vg_builtin_catalog[i];
        const struct vg_yaml_snapshot *snap = i < vg_builtin_snapshot_count ? &vg_builtin_snapshot[i] : NULL;
        if (snap && strcmp(snap->name, f->name) != 0)
            snap = NULL; /* not the same file list: parse the text */
        if (load_text(&L, vg_sprintf(ctx->arena, "<built-in>/%s", f->name), f->data, f->len, snap) < 0)
            bad = 1;
    }
    for (size_t i = 0; i < nextra; i++)
        if (load_path(&L, extra[i]) < 0)
            bad = 1;
    if (bad)
        return NULL;
    vg_catalog_index(ctx, L.c);
    return L.c;
}
