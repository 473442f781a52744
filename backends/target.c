/*
 * target.c - the build targets: their names, extensions, and which one a
 * cluster needs.
 *
 * One table maps a target to its command-line name, file extension, the
 * platform family it deploys (which decides the target under `--target
 * auto`), its emitter and its byte-order mark: `build` asks it for all four,
 * and the command line asks it which names each command's `--target` takes
 * (its `--help` text and its checks).
 */
#include <string.h>

#include "backend.h"

typedef void (*emitter)(const struct vg_ctx *, const struct vg_cluster *, const struct vg_cluster_plan *,
                        const struct vg_emit_info *, struct vg_strbuf *);

/* Every target, one row: its name, its file extension, the platform family
 * it deploys (0: every cluster), its emitter, and whether a script with a
 * non-ASCII byte starts with a UTF-8 BOM (Windows PowerShell 5.1 reads a
 * BOM-less file in the ANSI code page; JSON never has one). */
static const struct {
    enum vg_target t;
    const char *name, *ext;
    enum vg_family family;
    emitter emit;
    int bom;
} targets[] = {
    {VG_TARGET_AUTO, "auto", "", 0, NULL, 0},
    {VG_TARGET_HYPERV, "hyperv", ".ps1", VG_FAMILY_HYPERV, vg_emit_hyperv, 1},
    {VG_TARGET_VMWARE, "vmware", ".ps1", VG_FAMILY_VSPHERE, vg_emit_vmware, 1},
    {VG_TARGET_JSON, "json", ".json", 0, vg_emit_json, 0},
};
#define NTARGETS (sizeof targets / sizeof targets[0])

int vg_target_parse(const char *s)
{
    for (size_t i = 0; s && i < NTARGETS; i++)
        if (strcmp(s, targets[i].name) == 0)
            return (int)targets[i].t;
    return -1;
}

const char *vg_target_name(enum vg_target t)
{
    for (size_t i = 0; i < NTARGETS; i++)
        if (targets[i].t == t)
            return targets[i].name;
    return "?";
}

const char *vg_target_ext(enum vg_target t)
{
    for (size_t i = 0; i < NTARGETS; i++)
        if (targets[i].t == t)
            return targets[i].ext;
    return "";
}

enum vg_target vg_target_for(const struct vg_cluster *c)
{
    /* c->kind comes from the family name even when the version is unknown. */
    enum vg_family f = c->platform ? c->platform->kind : c->kind;
    for (size_t i = 0; f && i < NTARGETS; i++)
        if (targets[i].family == f)
            return targets[i].t;
    return VG_TARGET_AUTO;
}

void vg_target_emit(enum vg_target t, const struct vg_ctx *ctx, const struct vg_cluster *c,
                    const struct vg_cluster_plan *p, const struct vg_emit_info *info, struct vg_strbuf *out)
{
    for (size_t i = 0; i < NTARGETS; i++)
        if (targets[i].t == t && targets[i].emit)
            targets[i].emit(ctx, c, p, info, out);
}

int vg_target_bom(enum vg_target t)
{
    for (size_t i = 0; i < NTARGETS; i++)
        if (targets[i].t == t)
            return targets[i].bom;
    return 0;
}

int vg_target_usable(enum vg_target t, enum vg_target_use use)
{
    for (size_t i = 0; i < NTARGETS; i++) {
        if (targets[i].t != t)
            continue;
        switch (use) {
        case VG_USE_BUILD: return 1;
        /* a rollout or an inventory script is written for a platform family */
        case VG_USE_ROLLOUT: return t == VG_TARGET_AUTO || (targets[i].family && vg_rollout_target_supported(t));
        case VG_USE_INVENTORY: return targets[i].family != 0;
        }
    }
    return 0;
}

void vg_target_names(enum vg_target_use use, struct vg_strbuf *out)
{
    const char *sep = "";
    for (size_t i = 0; i < NTARGETS; i++) {
        if (!vg_target_usable(targets[i].t, use))
            continue;
        vg_sb_printf(out, "%s%s", sep, targets[i].name);
        sep = "|";
    }
}
