/*
 * lsp_io.c - the LSP base protocol: framed JSON-RPC messages over stdio.
 *
 * See lsp_io.h. The reader keeps one growing buffer; a message's body is
 * parsed in place by jansson (json_loadb), so a message is copied once. A
 * hostile peer can make it allocate at most VG_LSP_MAX_BODY plus a header
 * line, and can never make it wait for bytes it does not send (EOF ends it).
 */
#include "driver/lsp_io.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"

void vg_lsp_io_init(struct vg_lsp_io *io, int in_fd, int out_fd)
{
    memset(io, 0, sizeof *io);
    io->in_fd = in_fd;
    io->out_fd = out_fd;
}

void vg_lsp_io_free(struct vg_lsp_io *io)
{
    free(io->buf);
    io->buf = NULL;
}

/* Read more bytes; returns 0 at end of input (or a read error). */
static size_t fill(struct vg_lsp_io *io)
{
    if (io->eof)
        return 0;
    if (io->pos > 0) { /* keep the unread part at the front */
        memmove(io->buf, io->buf + io->pos, io->len - io->pos);
        io->len -= io->pos;
        io->pos = 0;
    }
    if (io->cap - io->len < 65536) {
        size_t cap = io->cap ? io->cap * 2 : 131072;
        io->buf = vg_xrealloc(io->buf, cap);
        io->cap = cap;
    }
    for (;;) {
        ssize_t r = read(io->in_fd, io->buf + io->len, io->cap - io->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            io->eof = 1;
            return 0;
        }
        io->len += (size_t)r;
        return (size_t)r;
    }
}

/* Shrink the buffer after a large message so that memory stays bounded. */
static void trim(struct vg_lsp_io *io)
{
    if (io->cap > (4u << 20) && io->len - io->pos < 65536) {
        memmove(io->buf, io->buf + io->pos, io->len - io->pos);
        io->len -= io->pos;
        io->pos = 0;
        io->cap = 131072;
        io->buf = vg_xrealloc(io->buf, io->cap);
    }
}

/* The next line without its "\r\n" or "\n": 1 = got one, 0 = EOF, -1 = too long (skipped). */
static int read_line(struct vg_lsp_io *io, char *line, size_t size)
{
    for (;;) {
        char *nl = io->len > io->pos ? memchr(io->buf + io->pos, '\n', io->len - io->pos) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - (io->buf + io->pos));
            size_t keep = n && nl[-1] == '\r' ? n - 1 : n;
            int ok = keep < size;
            if (ok) {
                memcpy(line, io->buf + io->pos, keep);
                line[keep] = 0;
            }
            io->pos += n + 1;
            return ok ? 1 : -1;
        }
        if (io->len - io->pos > VG_LSP_MAX_HEADER) { /* no newline in sight: drop what we have */
            io->pos = io->len;
            while (fill(io)) {
                nl = io->len > io->pos ? memchr(io->buf + io->pos, '\n', io->len - io->pos) : NULL;
                if (nl) {
                    io->pos += (size_t)(nl - (io->buf + io->pos)) + 1;
                    return -1;
                }
                io->pos = io->len;
            }
            return 0;
        }
        if (!fill(io))
            return 0;
    }
}

/* "Content-Length: 123" (name case-insensitive): 1 and *n, or 0. */
static int content_length(const char *line, size_t *n)
{
    static const char name[] = "content-length:";
    for (size_t i = 0; i < sizeof name - 1; i++)
        if (tolower((unsigned char)line[i]) != name[i])
            return 0;
    const char *p = line + sizeof name - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    size_t v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (SIZE_MAX - 9) / 10)
            return 0;
        v = v * 10 + (size_t)(*p - '0');
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p)
        return 0;
    *n = v;
    return 1;
}

/* A header line "Name: value" whose name is a token. */
static int is_header(const char *line)
{
    const char *c = strchr(line, ':');
    if (!c || c == line)
        return 0;
    for (const char *p = line; p < c; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return 0;
    return 1;
}

/* Throw away n body bytes without keeping them. 0 = EOF first. */
static int skip(struct vg_lsp_io *io, size_t n)
{
    while (n) {
        if (io->pos == io->len) {
            io->pos = io->len = 0;
            if (!fill(io))
                return 0;
        }
        size_t k = io->len - io->pos < n ? io->len - io->pos : n;
        io->pos += k;
        n -= k;
    }
    return 1;
}

enum vg_lsp_read vg_lsp_read(struct vg_lsp_io *io, json_t **msg)
{
    *msg = NULL;
    char line[VG_LSP_MAX_HEADER + 1];
    size_t n = 0;
    int have_len = 0, bad = 0, nlines = 0;
    trim(io);
    for (;;) {
        int r = read_line(io, line, sizeof line);
        if (r == 0)
            return VG_LSP_EOF;
        if (r < 0) {
            bad = 1;
            continue;
        }
        if (!line[0]) {
            if (nlines == 0)
                continue; /* stray blank lines between messages */
            break;
        }
        nlines++;
        size_t v;
        if (content_length(line, &v)) {
            n = v;
            have_len = 1;
            continue;
        }
        if (!is_header(line)) {
            /* garbage: resynchronise on a Content-Length inside it, if any */
            bad = 1;
            const char *cl = strstr(line, "Content-Length:");
            if (cl && content_length(cl, &v)) {
                n = v;
                have_len = 1;
            }
        }
    }
    if (!have_len)
        return VG_LSP_BAD_HEADER;
    if (n > VG_LSP_MAX_BODY)
        return skip(io, n) ? VG_LSP_TOO_LARGE : VG_LSP_EOF;
    while (io->len - io->pos < n)
        if (!fill(io))
            return VG_LSP_EOF;
    json_error_t err;
    json_t *v = json_loadb(io->buf + io->pos, n, JSON_ALLOW_NUL, &err);
    io->pos += n;
    (void)bad;
    if (!v)
        return VG_LSP_BAD_JSON;
    *msg = v;
    return VG_LSP_MSG;
}

int vg_lsp_input_pending(struct vg_lsp_io *io)
{
    if (io->pos < io->len)
        return 1;
    if (io->eof)
        return 1; /* "pending": the next read returns EOF at once */
    struct pollfd p = {io->in_fd, POLLIN, 0};
    int r;
    do
        r = poll(&p, 1, 0);
    while (r < 0 && errno == EINTR);
    return r > 0;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int vg_lsp_write(struct vg_lsp_io *io, const json_t *msg)
{
    if (io->write_failed)
        return -1;
    char *body = json_dumps(msg, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!body) {
        io->write_failed = 1;
        return -1;
    }
    size_t n = strlen(body);
    char head[64];
    int hn = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", n);
    int r = write_all(io->out_fd, head, (size_t)hn) == 0 && write_all(io->out_fd, body, n) == 0 ? 0 : -1;
    free(body);
    if (r)
        io->write_failed = 1;
    return r;
}
