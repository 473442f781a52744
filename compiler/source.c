/*
 * source.c - loading input files, checking their bytes, line tables.
 *
 * Input is checked once, here, before the scanner sees it: the size limit,
 * NUL bytes, invalid UTF-8 and over-long lines are VG1009 at their location.
 * A UTF-8 BOM is skipped by the scanner (it is kept in the text so that byte
 * offsets stay those of the file); CRLF line endings are accepted.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "diag.h"
#include "limits.h"

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

static void check_bytes(struct vg_ctx *ctx, struct vg_source *src)
{
    const unsigned char *t = (const unsigned char *)src->text;
    size_t line_start = 0;
    int bad_utf8 = 0, bad_nul = 0, bad_long = 0;
    for (size_t i = 0; i < src->len;) {
        unsigned char c = t[i];
        if (c == '\n') {
            line_start = i + 1;
            i++;
            continue;
        }
        if (!bad_long && i - line_start >= VG_MAX_LINE_BYTES) {
            bad_long = 1;
            vg_diag_emit(ctx, VG1009, vg_span_make(src->id, (uint32_t)line_start, (uint32_t)line_start),
                         "line longer than %u KiB", VG_MAX_LINE_BYTES >> 10);
        }
        if (c == 0) {
            if (!bad_nul++) {
                struct vg_diag *d = vg_diag_emit(ctx, VG1009, vg_span_make(src->id, (uint32_t)i, (uint32_t)i + 1),
                                                 "NUL byte in input");
                vg_diag_help(ctx, d, "a .vgpu file is UTF-8 text; is this a binary or UTF-16 file?");
            }
            i++;
            continue;
        }
        int n = c < 0x80 ? 1 : vg_utf8_seq_len(t + i, src->len - i);
        if (n == 0) {
            if (!bad_utf8++) {
                struct vg_diag *d = vg_diag_emit(ctx, VG1009, vg_span_make(src->id, (uint32_t)i, (uint32_t)i + 1),
                                                 "invalid UTF-8 byte 0x%02x", c);
                vg_diag_help(ctx, d, "save the file as UTF-8");
            }
            n = 1;
        }
        i += (size_t)n;
    }
    src->valid = !bad_utf8 && !bad_nul && !bad_long;
}

static void build_lines(struct vg_ctx *ctx, struct vg_source *src)
{
    size_t n = 1;
    for (size_t i = 0; i < src->len; i++)
        n += src->text[i] == '\n';
    src->line_starts = vg_alloc_array(ctx->arena, n, sizeof *src->line_starts);
    src->nlines = 0;
    src->line_starts[src->nlines++] = 0;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n')
            src->line_starts[src->nlines++] = (uint32_t)(i + 1);
}

uint32_t vg_source_add(struct vg_ctx *ctx, const char *path, const char *text, size_t len,
                       struct vg_span included_at)
{
    struct vg_source *src = vg_alloc(ctx->arena, sizeof *src);
    src->path = vg_strdup(ctx->arena, path);
    char *copy = vg_alloc(ctx->arena, len + 1);
    memcpy(copy, text, len);
    src->text = copy;
    src->len = len;
    src->included_at = included_at;
    VG_PUSH(ctx->arena, ctx->sources.v, ctx->sources.n, ctx->sources.cap, src);
    src->id = (uint32_t)ctx->sources.n;
    build_lines(ctx, src);
    check_bytes(ctx, src);
    return src->id;
}

static struct vg_diag *load_error(struct vg_ctx *ctx, struct vg_span at, const char *path, const char *why)
{
    return vg_diag_emit(ctx, VG1009, at, "cannot read `%s`: %s", path, why);
}

uint32_t vg_source_load(struct vg_ctx *ctx, const char *path, const char *display, struct vg_span included_at)
{
    const char *name = display ? display : path;
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        load_error(ctx, included_at, name, strerror(errno));
        return 0;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        load_error(ctx, included_at, name, "is a directory");
        close(fd);
        return 0;
    }
    size_t cap = 64 * 1024, len = 0;
    if (!is_stdin && S_ISREG(st.st_mode) && (size_t)st.st_size + 1 > cap)
        cap = (size_t)st.st_size + 1;
    if (cap > (size_t)VG_MAX_FILE_BYTES + 1)
        cap = (size_t)VG_MAX_FILE_BYTES + 1;
    char *buf = vg_xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > VG_MAX_FILE_BYTES)
                break;
            cap = cap * 2 > (size_t)VG_MAX_FILE_BYTES + 1 ? (size_t)VG_MAX_FILE_BYTES + 1 : cap * 2;
            buf = vg_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            if (!is_stdin)
                close(fd);
            load_error(ctx, included_at, name, strerror(e));
            return 0;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (!is_stdin)
        close(fd);
    if (len > VG_MAX_FILE_BYTES) {
        free(buf);
        struct vg_diag *d = vg_diag_emit(ctx, VG1009, included_at, "`%s` is larger than the %u MiB limit", name,
                                         VG_MAX_FILE_BYTES >> 20);
        vg_diag_help(ctx, d, "split the file and join the parts with `include`");
        return 0;
    }
    uint32_t id = vg_source_add(ctx, name, buf, len, included_at);
    free(buf);
    return id;
}

const struct vg_source *vg_source_get(const struct vg_ctx *ctx, uint32_t id)
{
    if (id == 0 || id > ctx->sources.n)
        return NULL;
    return ctx->sources.v[id - 1];
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
