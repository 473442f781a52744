/*
 * diff.h - a unified diff of two texts (diff.c).
 */
#ifndef VG_DIFF_H
#define VG_DIFF_H

#include <stddef.h>

#include "base/strbuf.h"

/* Append to `out` the unified diff (3 lines of context) from `old` to `new_`,
 * both named `name` in the --- and +++ lines. */
void vg_unified_diff(const char *name, const char *old, size_t oldlen, const char *new_, size_t newlen,
                     struct vg_strbuf *out);

#endif
