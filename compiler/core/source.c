/*
 * source.c - line and column arithmetic on a loaded source: the line and
 * column (in code points, base/utf8.h) of a byte offset, the text of a line.
 * Nothing here needs the compilation context (loading is input.c).
 */
#include "core/source.h"

#include <string.h>

#include "base/utf8.h"

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
