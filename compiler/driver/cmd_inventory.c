/*
 * cmd_inventory.c - `vgpuc inventory --target hyperv [-o FILE | --stdout]`.
 *
 * Writes the read-only inventory script (backends/powershell/inventory-*.ps1,
 * embedded at build time, written verbatim) that an administrator runs
 * against a live cluster to get the JSON document `vgpuc import` and
 * `vgpuc drift` read (docs/adopt.md). The script is the repository file byte
 * for byte, so what the twin tests (tests/twin/tests/Inventory.Tests.ps1) is
 * what ships. A file is written atomically: all of it or nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backends/backend.h"
#include "backends/ps.h"
#include "driver/cli.h"
#include "base/strbuf.h"

/* One row per target that has an inventory script. */
static const struct inventory_script {
    enum vg_target target;
    const char *file;
} scripts[] = {
    {VG_TARGET_HYPERV, "inventory-hyperv.ps1"},
};

int vg_cmd_inventory(struct vg_cli *cli)
{
    const struct inventory_script *s = NULL;
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
        if (scripts[i].target == (enum vg_target)cli->target)
            s = &scripts[i];
    const struct vg_embedded_file *f = s ? vg_ps_runtime_file(s->file) : NULL;
    if (!f) {
        fprintf(stderr, "vgpuc: error: no inventory script for target `%s`\n",
                vg_target_name((enum vg_target)cli->target));
        return VG_EXIT_FAILURE;
    }
    if (cli->to_stdout) {
        if (fwrite(f->data, 1, f->len, stdout) != f->len || fflush(stdout) != 0) {
            fprintf(stderr, "vgpuc: error: cannot write the script to stdout: %s\n", strerror(errno));
            return VG_EXIT_FAILURE;
        }
        return VG_EXIT_OK;
    }
    const char *path = cli->outdir ? cli->outdir : s->file;
    if (vg_write_file_atomic(path, f->data, f->len) != 0) {
        fprintf(stderr, "vgpuc: error: %s: cannot write the inventory script: %s\n", path, strerror(errno));
        return VG_EXIT_FAILURE;
    }
    fprintf(stderr, "vgpuc: wrote %s\n", path);
    return VG_EXIT_OK;
}
