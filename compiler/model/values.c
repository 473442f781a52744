/*
 * values.c - counts, sizes and enum words as the schema accepts them.
 *
 * Every conversion is overflow-checked so that no input can wrap a number;
 * units are powers of 1024 (docs/language.md section 2).
 */
#include "model/values.h"

#include <string.h>
#include <strings.h>

#include "base/strbuf.h"

static const struct {
    const char *unit;
    unsigned shift;
} size_units[] = {
    {"MB", 20}, {"GB", 30}, {"TB", 40}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40},
};

/* Digits at s as a number; *end after the last digit. VG_VALUE_RANGE on overflow. */
static enum vg_value_err read_digits(const char *s, const char **end, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return VG_VALUE_NOT_NUMBER;
    int overflow = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            v = v * 10 + d;
    }
    *end = p;
    *out = v;
    return overflow ? VG_VALUE_RANGE : VG_VALUE_OK;
}

enum vg_value_err vg_value_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *end;
    uint64_t v;
    enum vg_value_err e = read_digits(s, &end, &v);
    if (e == VG_VALUE_NOT_NUMBER || (e == VG_VALUE_OK && *end))
        return VG_VALUE_NOT_NUMBER;
    if (e == VG_VALUE_RANGE) /* all digits, but too long */
        return *end ? VG_VALUE_NOT_NUMBER : VG_VALUE_RANGE;
    if (v < min || v > max)
        return VG_VALUE_RANGE;
    *out = v;
    return VG_VALUE_OK;
}

enum vg_value_err vg_value_size(const char *s, uint64_t *bytes)
{
    const char *end;
    uint64_t v;
    enum vg_value_err e = read_digits(s, &end, &v);
    if (e == VG_VALUE_NOT_NUMBER)
        return e;
    if (!*end)
        return VG_VALUE_NO_UNIT;
    for (size_t i = 0; i < sizeof size_units / sizeof size_units[0]; i++) {
        if (strcasecmp(end, size_units[i].unit) != 0)
            continue;
        unsigned sh = size_units[i].shift;
        if (e == VG_VALUE_RANGE || v > (UINT64_MAX >> sh))
            return VG_VALUE_RANGE;
        *bytes = v << sh;
        return VG_VALUE_OK;
    }
    return VG_VALUE_BAD_UNIT;
}

const char *vg_value_size_units(void) { return "`MB`, `GB`, `TB`, `MiB`, `GiB` or `TiB`"; }

int vg_value_enum(const struct vg_enum_val *vals, const char *s)
{
    for (int i = 0; vals[i].name; i++)
        if (strcmp(vals[i].name, s) == 0)
            return i;
    return -1;
}

const char *vg_value_enum_list(struct vg_arena *a, const struct vg_enum_val *vals)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (size_t i = 0; vals[i].name; i++) {
        if (i)
            vg_sb_puts(&sb, vals[i + 1].name ? ", " : " or ");
        vg_sb_printf(&sb, "`%s`", vals[i].name);
    }
    const char *r = vg_strdup(a, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return r;
}

const char *const *vg_value_enum_names(struct vg_arena *a, const struct vg_enum_val *vals, size_t *n)
{
    size_t k = 0;
    while (vals[k].name)
        k++;
    const char **v = vg_alloc_array(a, k ? k : 1, sizeof *v);
    for (size_t i = 0; i < k; i++)
        v[i] = vals[i].name;
    *n = k;
    return v;
}
