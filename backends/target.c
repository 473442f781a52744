/*
 * target.c - the build targets: their names, extensions, and which one a
 * cluster needs.
 *
 * One table maps a target to its command-line name and file extension; the
 * platform family of a cluster decides its target under `--target auto`.
 */
#include <string.h>

#include "backend.h"

static const struct {
    enum vg_target t;
    const char *name, *ext;
} targets[] = {
    {VG_TARGET_AUTO, "auto", ""},
    {VG_TARGET_HYPERV, "hyperv", ".ps1"},
    {VG_TARGET_VMWARE, "vmware", ".ps1"},
    {VG_TARGET_JSON, "json", ".json"},
};

int vg_target_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof targets / sizeof targets[0]; i++)
        if (strcmp(s, targets[i].name) == 0)
            return (int)targets[i].t;
    return -1;
}

const char *vg_target_name(enum vg_target t)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (targets[i].t == t)
            return targets[i].name;
    return "?";
}

const char *vg_target_ext(enum vg_target t)
{
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++)
        if (targets[i].t == t)
            return targets[i].ext;
    return "";
}

enum vg_target vg_target_for(const struct vg_cluster *c)
{
    /* c->kind comes from the family name even when the version is unknown. */
    switch (c->platform ? c->platform->kind : c->kind) {
    case VG_FAMILY_HYPERV: return VG_TARGET_HYPERV;
    case VG_FAMILY_VSPHERE: return VG_TARGET_VMWARE;
    }
    return VG_TARGET_AUTO;
}
