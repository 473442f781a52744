/*
 * values.h - reading argument values: counts, sizes with units, enum words.
 *
 * The schema checks every argument with these before a directive's value is
 * stored, so the model only ever sees numbers that are in range. Nothing here
 * reports: each function says what went wrong and the caller (schema.c) turns
 * that into a VG1003 with the expected form.
 */
#ifndef VG_VALUES_H
#define VG_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

enum vg_value_err {
    VG_VALUE_OK = 0,
    VG_VALUE_NOT_NUMBER, /* not digits only */
    VG_VALUE_RANGE,      /* below min or above max (counts), or overflow */
    VG_VALUE_NO_UNIT,    /* a size written without unit */
    VG_VALUE_BAD_UNIT    /* a size with an unknown unit */
};

/* A count: decimal digits only (no sign), min <= value <= max. */
enum vg_value_err vg_value_count(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * A size: digits then a unit MB GB TB MiB GiB TiB (case-insensitive), all
 * powers of 1024 as PowerShell's suffixes are. Overflow is VG_VALUE_RANGE.
 */
enum vg_value_err vg_value_size(const char *s, uint64_t *bytes);
/* The accepted size units, for messages: "`MB`, `GB`, `TB`, `MiB`, `GiB` or `TiB`". */
const char *vg_value_size_units(void);

/* One allowed word of an enumerated argument and the value it stands for. */
struct vg_enum_val {
    const char *name;
    int value;
};

/* Index of `s` in the NULL-terminated table, or -1. Exact match. */
int vg_value_enum(const struct vg_enum_val *vals, const char *s);
/* "`a`, `b` or `c`" in the arena. */
const char *vg_value_enum_list(struct vg_arena *a, const struct vg_enum_val *vals);
/* The table's names as an array for vg_suggest(); *n receives the count. */
const char *const *vg_value_enum_names(struct vg_arena *a, const struct vg_enum_val *vals, size_t *n);

#endif
