/*
 * utf8.h - the one UTF-8 decoder of vgpuc (RFC 3629): every reader of text
 * (the source loader, the scanner, the YAML reader, the language server, the
 * renderers' inert text) decodes with it.
 *
 * Valid is what RFC 3629 allows: the shortest form, at most U+10FFFF, no
 * surrogates (U+D800..U+DFFF).
 */
#ifndef VG_UTF8_H
#define VG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode the sequence at s (avail bytes there): its length (1..4) with the
 * code point in *cp, or 0 when it is not valid UTF-8 (*cp is then s[0]). */
static inline int vg_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char c = s[0];
    *cp = c;
    if (c < 0x80)
        return 1;
    int n;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
        v = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
        v = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
        v = c & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)n > avail)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static inline int vg_utf8_seq_len(const unsigned char *s, size_t avail)
{
    uint32_t cp;
    return vg_utf8_decode(s, avail, &cp);
}

/* Number of code points in text[0..n) (bytes that do not continue a sequence). */
uint32_t vg_utf8_count(const char *text, size_t n);

#endif
