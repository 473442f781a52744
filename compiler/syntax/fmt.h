/*
 * fmt.h - the canonical layout of .vgpu files (`vgpuc fmt`, the language server).
 *
 * vg_fmt_source is the formatter without the command around it, for the
 * command itself and for tests (idempotence, tree preservation).
 */
#ifndef VG_FMT_H
#define VG_FMT_H

#include <stdint.h>

#include "syntax/ast.h"
#include "core/ctx.h"
#include "base/strbuf.h"

/*
 * Parse source `file` and append its canonical text to `out`. Returns the
 * tree, or NULL (nothing appended) when the source is invalid or reading it
 * queued any error: such a file must not be rewritten.
 */
const struct vg_file_ast *vg_fmt_source(struct vg_ctx *ctx, uint32_t file, struct vg_strbuf *out);

#endif
