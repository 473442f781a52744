/*
 * json.h - JSON layout shared by every JSON output (json.c).
 */
#ifndef VG_JSON_H
#define VG_JSON_H

#include <stddef.h>

#include "base/strbuf.h"

/* Re-indent compact JSON (two spaces per level), with a final newline. */
void vg_json_pretty(const char *json, size_t len, struct vg_strbuf *out);

#endif
