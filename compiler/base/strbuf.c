/*
 * strbuf.c - growable buffer, JSON string escaping, the inert text of every
 * output channel, and atomic file output (one file, or several all or nothing).
 */
#define _XOPEN_SOURCE 700 /* realpath, fchown */

#include "base/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/utf8.h"

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
    if (n < sb->cap - sb->len) { /* room for the bytes and the NUL: the usual case */
        memcpy(sb->data + sb->len, s, n);
        sb->len += n;
        sb->data[sb->len] = '\0';
        return;
    }
    reserve(sb, n);
    if (n)
        memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void vg_sb_reserve(struct vg_strbuf *sb, size_t n)
{
    if (n >= sb->cap - sb->len || !sb->data)
        reserve(sb, n);
}

void vg_sb_put_u(struct vg_strbuf *sb, unsigned long long v)
{
    char b[24];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    vg_sb_add(sb, b + i, sizeof b - i);
}

void vg_sb_puts(struct vg_strbuf *sb, const char *s) { vg_sb_add(sb, s, strlen(s)); }

void vg_sb_putc(struct vg_strbuf *sb, char c)
{
    if (sb->cap - sb->len > 1) {
        sb->data[sb->len++] = c;
        sb->data[sb->len] = '\0';
        return;
    }
    vg_sb_add(sb, &c, 1);
}

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

void vg_sb_join(struct vg_strbuf *sb, const char *const *items, size_t n, const char *quote)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_puts(sb, ", ");
        vg_sb_puts(sb, quote);
        vg_sb_puts(sb, items[i]);
        vg_sb_puts(sb, quote);
    }
}

const char *vg_join(struct vg_arena *a, const char *const *items, size_t n, const char *quote)
{
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_join(&sb, items, n, quote);
    const char *r = vg_strdup(a, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return r;
}

static inline int json_plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f; }

void vg_sb_json_str(struct vg_strbuf *sb, const char *s)
{
    size_t n = 0;
    while (s && json_plain((unsigned char)s[n]))
        n++;
    if (s && !s[n]) { /* nothing to escape (names, versions): the quotes and the text at once */
        vg_sb_reserve(sb, n + 2);
        char *o = sb->data + sb->len;
        o[0] = '"';
        memcpy(o + 1, s, n);
        o[n + 1] = '"';
        o[n + 2] = '\0';
        sb->len += n + 2;
        return;
    }
    vg_sb_putc(sb, '"');
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; p && *p; p++) {
        if (json_plain(*p))
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

/* --- inert text ------------------------------------------------------------ */

/* Invisible or direction-changing code points (Unicode format characters that
 * reorder or hide text: "Trojan Source", CVE-2021-42574). */
static int invisible(uint32_t c)
{
    return c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 ||
        (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF ||
        (c >= 0xFFF9 && c <= 0xFFFB);
}

enum vg_char_class vg_char_class(const unsigned char *s, size_t avail, size_t *len, uint32_t *cp)
{
    unsigned char c = s[0];
    *len = 1;
    *cp = c;
    if (c < 0x80)
        return c < 0x20 || c == 0x7f ? VG_CHAR_CONTROL : VG_CHAR_PLAIN;
    uint32_t v;
    int n = vg_utf8_decode(s, avail, &v);
    if (!n)
        return VG_CHAR_INVALID;
    *len = (size_t)n;
    *cp = v;
    if (v < 0xa0)
        return VG_CHAR_CONTROL; /* C1 */
    return invisible(v) ? VG_CHAR_INVISIBLE : VG_CHAR_PLAIN;
}

/* Bytes that may start something to escape: all but printable ASCII. */
static inline int maybe_unsafe(unsigned char c) { return c < 0x20 || c >= 0x7f; }

/* `##vso[` starts an Azure Pipelines logging command wherever it is in a
 * line of the log: its second `#` is shown as `\x23`. */
static int vso_at(const unsigned char *p, const unsigned char *end)
{
    static const char cmd[] = "##vso[";
    if (end - p < 6)
        return 0;
    for (int i = 0; i < 6; i++)
        if ((p[i] | (i >= 2 && i <= 4 ? 0x20 : 0)) != (unsigned char)cmd[i])
            return 0;
    return 1;
}

/* Whether vg_sb_add_inert would change s[0..n). */
static int needs_inert(const char *s, size_t n)
{
    if (vg_text_unsafe(s, n, NULL, NULL))
        return 1;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    for (; (p = memchr(p, '#', (size_t)(end - p))) != NULL; p++)
        if (vso_at(p, end))
            return 1;
    return 0;
}

int vg_text_unsafe(const char *s, size_t n, enum vg_char_class *cls, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (!maybe_unsafe(p[i])) {
            i++;
            continue;
        }
        size_t len;
        uint32_t c;
        enum vg_char_class k = vg_char_class(p + i, n - i, &len, &c);
        if (k != VG_CHAR_PLAIN) {
            if (cls)
                *cls = k;
            if (cp)
                *cp = c;
            return 1;
        }
        i += len;
    }
    return 0;
}

void vg_sb_add_inert(struct vg_strbuf *sb, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *run = p, *end = p + n;
    while (p < end) {
        if (*p == '#' && vso_at(p, end)) {
            vg_sb_add(sb, (const char *)run, (size_t)(p - run));
            vg_sb_add(sb, "#\\x23", 5);
            p += 2;
            run = p;
            continue;
        }
        if (!maybe_unsafe(*p)) {
            p++;
            continue;
        }
        size_t len;
        uint32_t c;
        enum vg_char_class k = vg_char_class(p, (size_t)(end - p), &len, &c);
        if (k == VG_CHAR_PLAIN) {
            p += len;
            continue;
        }
        vg_sb_add(sb, (const char *)run, (size_t)(p - run));
        if (k == VG_CHAR_INVALID)
            vg_sb_printf(sb, "\\x%02X", *p);
        else if (c == '\n')
            vg_sb_add(sb, "\\n", 2);
        else if (c == '\r')
            vg_sb_add(sb, "\\r", 2);
        else if (c == '\t')
            vg_sb_add(sb, "\\t", 2);
        else if (c < 0x80)
            vg_sb_printf(sb, "\\x%02X", (unsigned)c);
        else
            vg_sb_printf(sb, "\\u{%X}", (unsigned)c);
        p += len;
        run = p;
    }
    vg_sb_add(sb, (const char *)run, (size_t)(p - run));
}

void vg_sb_put_inert(struct vg_strbuf *sb, const char *s)
{
    if (s)
        vg_sb_add_inert(sb, s, strlen(s));
}

const char *vg_inert(struct vg_arena *a, const char *s)
{
    if (!s || !needs_inert(s, strlen(s)))
        return s;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_sb_put_inert(&sb, s);
    const char *r = vg_strdup(a, vg_sb_str(&sb));
    vg_sb_free(&sb);
    return r;
}

void vg_sb_json_inert(struct vg_strbuf *sb, const char *s)
{
    if (!s) {
        vg_sb_puts(sb, "null");
        return;
    }
    /* printable ASCII without `"`, `\\` or `#` (names, nearly always): nothing
     * to make inert and nothing to escape, so one scan and one copy */
    const unsigned char *u = (const unsigned char *)s;
    size_t n = 0;
    while (u[n] >= 0x20 && u[n] < 0x7f && u[n] != '"' && u[n] != '\\' && u[n] != '#')
        n++;
    if (!u[n]) {
        vg_sb_reserve(sb, n + 2);
        char *o = sb->data + sb->len;
        o[0] = '"';
        memcpy(o + 1, s, n);
        o[n + 1] = '"';
        o[n + 2] = '\0';
        sb->len += n + 2;
        return;
    }
    if (!needs_inert(s, strlen(s))) {
        vg_sb_json_str(sb, s);
        return;
    }
    struct vg_strbuf t;
    vg_sb_init(&t);
    vg_sb_put_inert(&t, s);
    vg_sb_json_str(sb, vg_sb_str(&t));
    vg_sb_free(&t);
}

/* XML 1.0 Char minus the non-characters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF). */
static int xml_allowed(uint32_t c) { return !((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE); }

void vg_sb_xml_inert(struct vg_strbuf *sb, const char *s)
{
    if (!s)
        return;
    struct vg_strbuf t;
    vg_sb_init(&t);
    vg_sb_put_inert(&t, s); /* only printable characters and valid UTF-8 are left */
    const unsigned char *p = (const unsigned char *)vg_sb_str(&t), *end = p + t.len;
    while (p < end) {
        switch (*p) {
        case '&':
            vg_sb_puts(sb, "&amp;");
            p++;
            continue;
        case '<':
            vg_sb_puts(sb, "&lt;");
            p++;
            continue;
        case '>':
            vg_sb_puts(sb, "&gt;");
            p++;
            continue;
        case '"':
            vg_sb_puts(sb, "&quot;");
            p++;
            continue;
        case '\'':
            vg_sb_puts(sb, "&apos;");
            p++;
            continue;
        default: break;
        }
        size_t len;
        uint32_t c;
        vg_char_class(p, (size_t)(end - p), &len, &c);
        if (xml_allowed(c))
            vg_sb_add(sb, (const char *)p, len);
        p += len;
    }
    vg_sb_free(&t);
}

/* Write data to a new temporary file next to `path`, with `mode`, and (when
 * uid is not -1) that owner; fsync'd and closed. Returns its malloc'd name,
 * or NULL with errno set (nothing left behind). The name is short and its
 * own (`.vgpuc.tmp.XXXXXX` in the folder of `path`), so a file name of the
 * full 255 bytes still has a temporary file. */
static char *write_temp(const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid)
{
    static const char name[] = ".vgpuc.tmp.XXXXXX";
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    char *tmp = vg_xmalloc(dlen + sizeof name);
    memcpy(tmp, path, dlen);
    memcpy(tmp + dlen, name, sizeof name);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return NULL;
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
    if (uid != (uid_t)-1 && fchown(fd, uid, gid) != 0)
        goto fail;
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return tmp;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
    return NULL;
}

char *vg_write_temp(const char *path, const char *data, size_t len)
{
    return write_temp(path, data, len, 0644, (uid_t)-1, (gid_t)-1);
}

int vg_commit_temp(char *tmp, const char *path)
{
    int rc = rename(tmp, path);
    int e = errno;
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    errno = e;
    return rc;
}

void vg_discard_temp(char *tmp)
{
    if (!tmp)
        return;
    unlink(tmp);
    free(tmp);
}

int vg_write_file_atomic(const char *path, const char *data, size_t len)
{
    char *tmp = vg_write_temp(path, data, len);
    return tmp ? vg_commit_temp(tmp, path) : -1;
}

int vg_rewrite_file(const char *path, const char *data, size_t len)
{
    char *real = realpath(path, NULL); /* a symbolic link is written through, not replaced */
    if (!real)
        return -1;
    struct stat st;
    char *tmp = NULL;
    if (stat(real, &st) == 0) {
        int own = st.st_uid != geteuid() || st.st_gid != getegid();
        tmp = write_temp(real, data, len, st.st_mode & 07777, own ? st.st_uid : (uid_t)-1, own ? st.st_gid : (gid_t)-1);
    }
    int rc = tmp ? vg_commit_temp(tmp, real) : -1;
    int e = errno;
    free(real);
    errno = e;
    return rc;
}
