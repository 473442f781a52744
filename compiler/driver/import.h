/*
 * import.h - an inventory document (docs/adopt.md, version 1, written by the
 * inventory script of `vgpuc inventory`) turned into a `.vgpu` file.
 *
 * The JSON is read with jansson. An invalid document (not JSON, truncated,
 * another schema version, a member of the wrong type, a name holding a control
 * or invisible character) is a VG8001 diagnostic in ctx, located at the byte
 * where jansson stopped or at the document with the JSON pointer of the member
 * in the message; nothing is produced then. The text is unformatted: the
 * command passes it through the fmt engine.
 */
#ifndef VG_IMPORT_H
#define VG_IMPORT_H

#include <stdint.h>

#include "core/ctx.h"
#include "base/strbuf.h"

/*
 * Read source `file` (already loaded into ctx) as an inventory document and
 * append the `.vgpu` text to `out`. Uses ctx->catalog to map driver versions
 * to releases, PCI ids to models and partition sizes to profiles. Returns 0,
 * or -1 when the document is invalid (VG8001 queued, `out` unchanged).
 */
int vg_import_inventory(struct vg_ctx *ctx, uint32_t file, struct vg_strbuf *out);

#endif
