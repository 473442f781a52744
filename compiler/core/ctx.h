/*
 * ctx.h - one compilation: its arena, sources, diagnostics, catalog, options.
 *
 * Everything that a stage needs travels in this struct; there is no global
 * state, so a test or the fuzzer can run many compilations in one process.
 */
#ifndef VG_CTX_H
#define VG_CTX_H

#include <stdint.h>

#include "base/arena.h"
#include "core/diag.h"
#include "core/source.h"

struct vg_catalog;

struct vg_options {
    uint32_t today;       /* YYYYMMDD, for end-of-support checks */
    uint32_t error_limit; /* errors kept before the rest are dropped; 0 = no limit */
    int no_inline_suppressions;
    /* Real paths of the folders that includes may come from (the project
     * roots and --allow-read); none = no confinement (unit tests, fuzzers). */
    const char **read_roots;
    size_t nread_roots;
    int8_t rule_level[VG_CODE_COUNT]; /* -1 = the registry's default, else enum vg_level */
};

struct vg_ctx {
    struct vg_arena *arena;
    struct vg_sources sources;
    struct vg_diags diags;
    const struct vg_catalog *catalog;
    struct vg_options opt;
};

/* A fresh context with default options (today = the system date, UTC). */
void vg_ctx_init(struct vg_ctx *ctx);
void vg_ctx_free(struct vg_ctx *ctx);

#endif
