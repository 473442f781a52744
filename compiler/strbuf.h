/*
 * strbuf.h - a growable byte buffer for renderers and script writers.
 *
 * Output is built in memory and written once (atomically for files), so a
 * failure half-way never leaves a partial report or script behind.
 */
#ifndef VG_STRBUF_H
#define VG_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "arena.h"

struct vg_strbuf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len, cap;
};

void vg_sb_init(struct vg_strbuf *sb);
void vg_sb_free(struct vg_strbuf *sb);
void vg_sb_add(struct vg_strbuf *sb, const char *s, size_t n);
void vg_sb_puts(struct vg_strbuf *sb, const char *s);
void vg_sb_putc(struct vg_strbuf *sb, char c);
void vg_sb_printf(struct vg_strbuf *sb, const char *fmt, ...) VG_PRINTF(2, 3);
void vg_sb_vprintf(struct vg_strbuf *sb, const char *fmt, va_list ap);
/* JSON string literal with quotes, escaping per RFC 8259 (UTF-8 passed through). */
void vg_sb_json_str(struct vg_strbuf *sb, const char *s);
const char *vg_sb_str(struct vg_strbuf *sb); /* "" when empty */

/*
 * Write the buffer to `path` atomically: a temporary file in the same folder,
 * fsync, rename. Returns 0, or -1 with errno set (nothing at `path` changed).
 */
int vg_write_file_atomic(const char *path, const char *data, size_t len);

#endif
