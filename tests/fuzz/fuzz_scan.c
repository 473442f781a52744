/*
 * fuzz_scan.c - libFuzzer target for the repeated bodies (grammar/lexer.l,
 * echo_body; compiler/syntax/parse.c, repeat_body): a body that is the same
 * bytes as the last one read whole gets that one's lexemes, moved, instead
 * of being scanned, and the statements read from them, moved.
 *
 * The input is written out twice, one copy after the other, so that every
 * block body in it is met a second time; the lexemes of that text must be
 * those of the scanner that repeats nothing (scan_oracle.h), field by field,
 * and its tree and diagnostics, parsed as `lint` parses (the parser driver
 * repeating the statements of a repeated body), those of the `fmt` parse.
 * A difference aborts, like a crash. Inputs of odd length take the scanner's
 * own thread, as a large file does. Each finding becomes a file in
 * tests/fuzz/regressions/fuzz_scan/ (docs/fuzzing.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = vg_xmalloc(2 * size + 1);
    memcpy(text, data, size);
    memcpy(text + size, data, size);
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    uint32_t file = vg_source_add(&ctx, "fuzz.vgpu", text, 2 * size, vg_span_make(0, 0, 0));
    free(text);
    if (vg_source_get(&ctx, file)->valid) { /* the parser scans only a valid source */
        struct vg_oracle_lexemes want, got;
        vg_oracle_scan(&ctx, file, 1, (int)(size & 1), &want);
        vg_oracle_scan(&ctx, file, 0, (int)(size & 1), &got);
        if (want.echoes || want.markers || got.bad_marker || vg_oracle_diff(&want, &got) != SIZE_MAX)
            abort();
        const struct vg_source *src = vg_source_get(&ctx, file);
        if (!vg_oracle_same_parse(src->text, src->len, (int)(size & 1)))
            abort();
        free(want.v);
        free(got.v);
    }
    vg_ctx_free(&ctx);
    return 0;
}
