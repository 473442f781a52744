/*
 * json.h - what every JSON output of vgpuc shares (json.c): the head that
 * names its format version and the tool, and the layout for people.
 *
 * The convention (docs/architecture.md, "JSON outputs"): every document is an
 * object that starts with `"format_version": "MAJOR.MINOR"` (a string; an
 * additive change, a new key, bumps the minor number and a consumer ignores
 * keys it does not know; any other change bumps the major number) and
 * `"tool": {"name": "vgpuc", "version": "X.Y.Z"}`.
 */
#ifndef VG_JSON_H
#define VG_JSON_H

#include <stddef.h>

#include "base/strbuf.h"

/* The members every document starts with, written compact after its `{`:
 * `"format_version":"<format_version>","tool":{"name":"vgpuc","version":...}`;
 * tool_version NULL is this build's version (VGPUC_VERSION). */
void vg_json_head(struct vg_strbuf *sb, const char *format_version, const char *tool_version);

/* Re-indent compact JSON (two spaces per level), with a final newline. */
void vg_json_pretty(const char *json, size_t len, struct vg_strbuf *out);

#endif
