/*
 * fuzz_pipeline.c - libFuzzer target for the whole pipeline, in memory.
 *
 * Input bytes are one .vgpu file: parse -> schema/model -> plan -> rules ->
 * every diagnostic renderer (each report checked to be inert) -> (when
 * error-free) the cluster's script and its JSON, as `vgpuc build` would write
 * them. Includes are confined to the working folder (the project root), so
 * the confinement checks run on every include an input names. The built-in catalog is loaded once
 * per process (it is read-only afterwards); everything else lives in a fresh
 * context freed after each input, so LeakSanitizer sees any per-input leak.
 * Inputs of odd length take the second thread (scanner, planner, rules) as a
 * large file does, so both ways are fuzzed.
 * Any crash, leak, sanitizer report or timeout is a bug; each one found
 * becomes a file in tests/fuzz/regressions/fuzz_pipeline/ (docs/fuzzing.md).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "harness.h"
#include "base/vg_threads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vg_ctx catalog_ctx;
    static const struct vg_catalog *catalog;
    static const char *roots[1];
    if (!catalog) {
        /* includes are confined to the working folder, as to a project root */
        roots[0] = realpath(".", NULL);
        if (!roots[0])
            abort();
        vg_ctx_init(&catalog_ctx);
        catalog = vg_catalog_load(&catalog_ctx, NULL, 0);
        if (!catalog)
            abort(); /* the built-in catalog must always load */
    }
    vg_threads_set((int)(size & 1));
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.catalog = catalog;
    ctx.opt.today = VG_FUZZ_TODAY;
    ctx.opt.read_roots = roots;
    ctx.opt.nread_roots = 1;
    /* "fuzz.vgpu" has no folder, so an `include` resolves against the cwd */
    uint32_t id = vg_source_add(&ctx, "fuzz.vgpu", (const char *)data, size, vg_span_make(0, 0, 0));
    vg_fuzz_compile(&ctx, &id, 1);
    vg_ctx_free(&ctx);
    return 0;
}
