/*
 * lsp_io.h - JSON-RPC 2.0 framing of the language server over two file
 * descriptors (LSP "base protocol": `Content-Length: N\r\n\r\n` + N bytes).
 *
 * The reader never trusts the peer: header lines are bounded, a body larger
 * than VG_LSP_MAX_BODY is read and thrown away (not buffered), a malformed
 * header makes the reader resynchronise on the next `Content-Length:` line,
 * and the end of input at any point is reported as such. JSON is parsed and
 * written by jansson; nothing here knows an LSP method.
 */
#ifndef VG_LSP_IO_H
#define VG_LSP_IO_H

#include <stddef.h>

#include <jansson.h>

#define VG_LSP_MAX_BODY (64u << 20) /* 64 MiB: a source is at most 64 MiB too */
#define VG_LSP_MAX_HEADER 4096      /* one header line */

struct vg_lsp_io {
    int in_fd, out_fd;
    char *buf;
    size_t len, pos, cap; /* read buffer: [pos, len) not yet consumed */
    int eof;
    int write_failed;
};

enum vg_lsp_read {
    VG_LSP_MSG = 0,    /* *msg holds a JSON value (owned by the caller) */
    VG_LSP_BAD_JSON,   /* a framed body that is not JSON: answer ParseError */
    VG_LSP_TOO_LARGE,  /* a body over the limit, skipped: answer ParseError */
    VG_LSP_BAD_HEADER, /* a header that is not LSP, skipped up to the next message */
    VG_LSP_EOF         /* the client went away (possibly mid-message) */
};

void vg_lsp_io_init(struct vg_lsp_io *io, int in_fd, int out_fd);
void vg_lsp_io_free(struct vg_lsp_io *io);
/* Read the next message; blocks. */
enum vg_lsp_read vg_lsp_read(struct vg_lsp_io *io, json_t **msg);
/* Is a byte waiting (buffered, or readable on in_fd without blocking)? */
int vg_lsp_input_pending(struct vg_lsp_io *io);
/* Write one message (steals no reference). Returns 0, or -1 when the client
 * is gone (the output is closed); later writes are dropped. */
int vg_lsp_write(struct vg_lsp_io *io, const json_t *msg);

#endif
