/*
 * range.h - numeric name ranges: `vdi-[001..120]` names vdi-001 ... vdi-120
 * (range.c); the model expands them into hosts and VMs.
 */
#ifndef VG_RANGE_H
#define VG_RANGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A word's numeric range: `vdi-[001..120]` -> prefix "vdi-", lo 1, hi 120,
 * width 3, suffix "". Returns 1 if the word has a range, 0 if none, -1 if the
 * range is malformed (lo > hi, too many names, two ranges, digits missing),
 * with a message in *err (static string) and the byte range of the bad part
 * relative to the word in *err_start and *err_end.
 */
struct vg_range {
    const char *prefix;
    size_t prefix_len;
    const char *suffix;
    size_t suffix_len;
    uint64_t lo, hi;
    unsigned width; /* digits of lo as written: zero padding */
};
int vg_range_parse(const char *word, size_t len, struct vg_range *r, const char **err, size_t *err_start,
                   size_t *err_end);
/* Write name number i (lo <= i <= hi) of the range into buf; returns length. */
size_t vg_range_name(const struct vg_range *r, uint64_t i, char *buf, size_t bufsize);

#endif
