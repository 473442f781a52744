/*
 * registry.c - the code table generated from codes.def, and lookups.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/registry.h"

#include "base/suggest.h"

static const struct vg_code_info table[VG_CODE_COUNT] = {
#define VG_CODE(id, slug, level, implemented, summary, explain) {#id, slug, level, implemented, summary, explain},
#include "core/codes.def"
#undef VG_CODE
};

const struct vg_code_info *vg_code_info(enum vg_code code)
{
    return (unsigned)code < VG_CODE_COUNT ? &table[code] : NULL;
}

int vg_code_lookup(const char *s)
{
    for (int i = 0; i < VG_CODE_COUNT; i++)
        if (strcasecmp(s, table[i].id) == 0 || strcmp(s, table[i].slug) == 0)
            return i;
    return -1;
}

static const char *const level_names[] = {"off", "info", "warning", "error"};

const char *vg_level_name(enum vg_level level) { return (unsigned)level < 4 ? level_names[level] : "?"; }

int vg_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

const char *vg_code_suggest(const char *word)
{
    const char *cands[2 * VG_CODE_COUNT];
    for (int i = 0; i < VG_CODE_COUNT; i++) {
        cands[2 * i] = table[i].id;
        cands[2 * i + 1] = table[i].slug;
    }
    return vg_suggest(word, cands, 2 * VG_CODE_COUNT);
}
