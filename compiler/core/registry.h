/*
 * registry.h - the code registry: every diagnostic code (codes.def) as an enum
 * and a table of its slug, default level, summary and explain text, and the
 * lookups by code, slug and level name (registry.c).
 */
#ifndef VG_REGISTRY_H
#define VG_REGISTRY_H

enum vg_level { VG_LEVEL_OFF = 0, VG_LEVEL_INFO, VG_LEVEL_WARNING, VG_LEVEL_ERROR };

enum vg_code {
#define VG_CODE(id, slug, level, implemented, summary, explain) id,
#include "core/codes.def"
#undef VG_CODE
    VG_CODE_COUNT
};

struct vg_code_info {
    const char *id;      /* "VG1001" */
    const char *slug;    /* "syntax-error" */
    enum vg_level level; /* default level */
    int implemented;     /* 0 while the rule is only registered */
    const char *summary; /* one line */
    const char *explain; /* markdown-ish long text: what, why, example, fix, source */
};

const struct vg_code_info *vg_code_info(enum vg_code code);
/* A code ("VG3001", case-insensitive) or slug; -1 if unknown. */
int vg_code_lookup(const char *code_or_slug);
/* The code or slug nearest to an unknown `word` ("did you mean"), or NULL. */
const char *vg_code_suggest(const char *word);
const char *vg_level_name(enum vg_level level); /* "error", "warning", "info", "off" */
int vg_level_parse(const char *s);              /* -1 if unknown */

#endif
