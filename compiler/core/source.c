/*
 * source.c - line and column arithmetic on a loaded source: UTF-8 sequences,
 * code points, the line and column of a byte offset, the text of a line.
 * Nothing here needs the compilation context (loading is input.c).
 */
#include "core/source.h"

#include <string.h>

int vg_utf8_seq_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    int n;
    unsigned min;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2; min = 0x80; cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3; min = 0x800; cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4; min = 0x10000; cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)n > avail)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

uint32_t vg_utf8_count(const char *text, size_t n)
{
    uint32_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)text[i] & 0xc0) != 0x80)
            count++;
    return count;
}

struct vg_loc vg_source_loc(const struct vg_source *src, uint32_t offset)
{
    struct vg_loc loc = {1, 1};
    if (!src)
        return loc;
    if (offset > src->len)
        offset = (uint32_t)src->len;
    uint32_t lo = 0, hi = src->nlines; /* find the last line start <= offset */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (src->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t start = src->line_starts[lo];
    loc.line = lo + 1;
    uint32_t skip = 0;
    if (lo == 0 && src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0 && offset >= 3)
        skip = 3; /* a BOM is not a column */
    loc.col = 1 + vg_utf8_count(src->text + start + skip, offset - start - skip);
    return loc;
}

const char *vg_source_line(const struct vg_source *src, uint32_t line, size_t *len)
{
    if (!src || line == 0 || line > src->nlines) {
        *len = 0;
        return "";
    }
    uint32_t start = src->line_starts[line - 1];
    uint32_t end = line < src->nlines ? src->line_starts[line] - 1 : (uint32_t)src->len;
    if (end > start && src->text[end - 1] == '\r')
        end--;
    *len = end - start;
    return src->text + start;
}
