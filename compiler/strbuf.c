/*
 * strbuf.c - growable buffer, JSON string escaping and atomic file output.
 */
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void vg_sb_init(struct vg_strbuf *sb) { memset(sb, 0, sizeof *sb); }

void vg_sb_free(struct vg_strbuf *sb)
{
    free(sb->data);
    vg_sb_init(sb);
}

static void reserve(struct vg_strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need < sb->len)
        vg_die_oom();
    if (need <= sb->cap)
        return;
    size_t ncap = sb->cap ? sb->cap : 256;
    while (ncap < need) {
        if (ncap > (size_t)-1 / 2)
            vg_die_oom();
        ncap *= 2;
    }
    sb->data = vg_xrealloc(sb->data, ncap);
    sb->cap = ncap;
}

void vg_sb_add(struct vg_strbuf *sb, const char *s, size_t n)
{
    reserve(sb, n);
    if (n)
        memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void vg_sb_puts(struct vg_strbuf *sb, const char *s) { vg_sb_add(sb, s, strlen(s)); }

void vg_sb_putc(struct vg_strbuf *sb, char c) { vg_sb_add(sb, &c, 1); }

void vg_sb_vprintf(struct vg_strbuf *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0)
        return;
    reserve(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void vg_sb_printf(struct vg_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vg_sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

void vg_sb_json_str(struct vg_strbuf *sb, const char *s)
{
    vg_sb_putc(sb, '"');
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; p && *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\' && *p != 0x7f)
            continue; /* part of a run appended at once */
        vg_sb_add(sb, (const char *)run, (size_t)(p - run));
        run = p + 1;
        switch (*p) {
        case '"': vg_sb_add(sb, "\\\"", 2); break;
        case '\\': vg_sb_add(sb, "\\\\", 2); break;
        case '\n': vg_sb_add(sb, "\\n", 2); break;
        case '\r': vg_sb_add(sb, "\\r", 2); break;
        case '\t': vg_sb_add(sb, "\\t", 2); break;
        default: vg_sb_printf(sb, "\\u%04x", *p);
        }
    }
    if (p)
        vg_sb_add(sb, (const char *)run, (size_t)(p - run));
    vg_sb_putc(sb, '"');
}

const char *vg_sb_str(struct vg_strbuf *sb) { return sb->data ? sb->data : ""; }

int vg_write_file_atomic(const char *path, const char *data, size_t len)
{
    size_t plen = strlen(path);
    char *tmp = vg_xmalloc(plen + 16);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    return 0;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
    return -1;
}
