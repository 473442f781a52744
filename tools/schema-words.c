/*
 * schema-words.c - print the words of the .vgpu language from the schema
 * table (compiler/model/schema.c), for the checks that keep the editor
 * grammars and the fuzz dictionary in step with it
 * (tests/validators/check-textmate.sh).
 *
 * Usage: schema-words
 *
 * One line per row, tab-separated:
 *   directive BLOCK NAME CHILD ARGS   CHILD: the block that follows, or "-";
 *                                     ARGS: the argument form (path, name, ...)
 *   enum      BLOCK NAME VALUE    one line per value a directive takes
 * BLOCK is top, license-server, cluster, host, vm or vm-management.
 * A new directive is one row of the schema table; this prints it, and the
 * checks then fail until every editor grammar and the dictionary know it.
 */
#include <stdio.h>

#include "model/schema.h"
#include "model/values.h"

static const char *const block_words[VG_BLOCK_COUNT] = {
    [VG_BLOCK_NONE] = "-",
    [VG_BLOCK_TOP] = "top",
    [VG_BLOCK_LICENSE] = "license-server",
    [VG_BLOCK_CLUSTER] = "cluster",
    [VG_BLOCK_HOST] = "host",
    [VG_BLOCK_VM] = "vm",
    [VG_BLOCK_VM_MANAGEMENT] = "vm-management",
};

static const char *const args_words[] = {
    [VG_ARGS_PATH] = "path",
    [VG_ARGS_NAME] = "name",
    [VG_ARGS_NAMES] = "names",
    [VG_ARGS_VERSION] = "version",
    [VG_ARGS_ENUM] = "enum",
    [VG_ARGS_ENUMS] = "enums",
    [VG_ARGS_COUNT] = "count",
    [VG_ARGS_SIZE] = "size",
    [VG_ARGS_PLATFORM] = "platform",
    [VG_ARGS_MODEL] = "model",
    [VG_ARGS_MODE_MODEL] = "mode-model",
    [VG_ARGS_MMIO] = "mmio",
};

int main(void)
{
    size_t n;
    const struct vg_directive *rows = vg_schema_rows(&n);
    for (size_t i = 0; i < n; i++) {
        const struct vg_directive *d = &rows[i];
        printf("directive\t%s\t%s\t%s\t%s\n", block_words[d->block], d->name, block_words[d->child],
               args_words[d->args]);
        for (const struct vg_enum_val *e = d->enums; e && e->name; e++)
            printf("enum\t%s\t%s\t%s\n", block_words[d->block], d->name, e->name);
    }
    return ferror(stdout) ? 1 : 0;
}
