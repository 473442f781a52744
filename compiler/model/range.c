/*
 * range.c - numeric name ranges: `vdi-[001..120]` is vdi-001 ... vdi-120.
 *
 * The scanner keeps a word's raw text; the schema stage calls vg_range_parse
 * to split it into prefix, bounds and suffix, and vg_range_name to spell each
 * name. Bounds are read with an overflow check and the count is checked
 * against VG_MAX_RANGE_NAMES before anyone loops over it, so a hostile range
 * costs nothing. Zero padding is the width of `lo` as written.
 */
#include "model/range.h"

#include <string.h>

#include "core/vg_limits.h"

_Static_assert(VG_MAX_RANGE_NAMES == 100000u, "update the \"more than 100000 names\" message");

/* Digits kept per bound: 18 always fit in a uint64_t without overflow. */
#define MAX_DIGITS 18

static int fail(const char **err, size_t *es, size_t *ee, const char *msg, size_t start, size_t end)
{
    *err = msg;
    *es = start;
    *ee = end;
    return -1;
}

/* A bound: digits in word[start, end). Returns 0, or -1 with *bad set. */
static int read_bound(const char *word, size_t start, size_t end, uint64_t *v, const char **msg, size_t *bad)
{
    *v = 0;
    if (start == end) {
        *msg = "a range bound is missing: write `[lo..hi]` with two numbers";
        *bad = start;
        return -1;
    }
    for (size_t i = start; i < end; i++) {
        if (word[i] < '0' || word[i] > '9') {
            *msg = "a range bound must be digits only";
            *bad = i;
            return -1;
        }
    }
    if (end - start > MAX_DIGITS) {
        *msg = "a range bound has more than 18 digits";
        *bad = start;
        return -1;
    }
    for (size_t i = start; i < end; i++)
        *v = *v * 10 + (uint64_t)(word[i] - '0');
    return 0;
}

int vg_range_parse(const char *word, size_t len, struct vg_range *r, const char **err, size_t *err_start,
                   size_t *err_end)
{
    memset(r, 0, sizeof *r);
    r->prefix = word;
    r->prefix_len = len;
    *err = NULL;
    *err_start = *err_end = 0;
    const char *open = memchr(word, '[', len);
    const char *close = memchr(word, ']', len);
    if (!open) {
        if (close)
            return fail(err, err_start, err_end, "`]` without a `[` before it", (size_t)(close - word),
                        (size_t)(close - word) + 1);
        return 0;
    }
    size_t o = (size_t)(open - word);
    const char *c = memchr(open, ']', len - o);
    if (!c)
        return fail(err, err_start, err_end, "unclosed `[`: a range is written `[lo..hi]`", o, o + 1);
    size_t cl = (size_t)(c - word);
    if (close && close < open)
        return fail(err, err_start, err_end, "`]` without a `[` before it", (size_t)(close - word),
                    (size_t)(close - word) + 1);
    const char *second = memchr(c, '[', len - cl);
    const char *second_close = memchr(c + 1, ']', len - cl - 1);
    if (second || second_close) {
        size_t s = second ? (size_t)(second - word) : (size_t)(second_close - word);
        const char *e = second ? memchr(second, ']', len - s) : NULL;
        return fail(err, err_start, err_end, "a word may hold only one `[lo..hi]` range", s,
                    e ? (size_t)(e - word) + 1 : s + 1);
    }
    /* inside the brackets: lo..hi */
    const char *dots = NULL;
    for (size_t i = o + 1; i + 1 < cl; i++)
        if (word[i] == '.' && word[i + 1] == '.') {
            dots = word + i;
            break;
        }
    if (!dots)
        return fail(err, err_start, err_end, "a range needs two bounds: `[lo..hi]`, e.g. `[1..4]`", o, cl + 1);
    size_t d = (size_t)(dots - word);
    const char *msg;
    size_t bad;
    if (read_bound(word, o + 1, d, &r->lo, &msg, &bad) || read_bound(word, d + 2, cl, &r->hi, &msg, &bad))
        return fail(err, err_start, err_end, msg, bad, bad + 1);
    if (r->lo > r->hi)
        return fail(err, err_start, err_end, "the range is empty: its first number is greater than its last", o,
                    cl + 1);
    if (r->hi - r->lo >= VG_MAX_RANGE_NAMES)
        return fail(err, err_start, err_end, "the range has more than 100000 names", o, cl + 1);
    r->prefix_len = o;
    r->suffix = word + cl + 1;
    r->suffix_len = len - cl - 1;
    r->width = (unsigned)(d - o - 1);
    return 1;
}

/* Append n bytes of src at *pos, as far as a buffer of `size` bytes holds
 * them with its NUL (snprintf's truncation). */
static void put_bounded(char *buf, size_t size, size_t *pos, const char *src, size_t n)
{
    if (*pos + 1 < size) {
        size_t room = size - 1 - *pos;
        memcpy(buf + *pos, src, n < room ? n : room);
    }
    *pos += n;
}

/* prefix, i zero-padded to the width of `lo` as written, suffix: what
 * snprintf("%.*s%0*llu%.*s") writes, without its format parsing (a range of
 * 100k names spelt 100k times). */
size_t vg_range_name(const struct vg_range *r, uint64_t i, char *buf, size_t bufsize)
{
    char digits[24], zeros[MAX_DIGITS];
    size_t nd = 0;
    do {
        digits[sizeof digits - 1 - nd++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    size_t pad = r->width > nd ? r->width - nd : 0; /* width <= MAX_DIGITS: read_bound's limit */
    if (pad > sizeof zeros)
        pad = sizeof zeros;
    memset(zeros, '0', pad);
    size_t n = 0;
    put_bounded(buf, bufsize, &n, r->prefix, r->prefix_len);
    put_bounded(buf, bufsize, &n, zeros, pad);
    put_bounded(buf, bufsize, &n, digits + sizeof digits - nd, nd);
    put_bounded(buf, bufsize, &n, r->suffix, r->suffix_len);
    if (bufsize)
        buf[n < bufsize ? n : bufsize - 1] = '\0';
    return n < bufsize ? n : (bufsize ? bufsize - 1 : 0);
}
