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
#include <stdint.h>

#include "base/arena.h"

struct vg_strbuf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len, cap;
};

void vg_sb_init(struct vg_strbuf *sb);
void vg_sb_free(struct vg_strbuf *sb);
void vg_sb_add(struct vg_strbuf *sb, const char *s, size_t n);
/* Room for n more bytes and the NUL: a writer may then put up to n bytes at
 * data + len itself, add them to len and write the NUL after them. */
void vg_sb_reserve(struct vg_strbuf *sb, size_t n);
void vg_sb_puts(struct vg_strbuf *sb, const char *s);
/* A string literal, its length known at compile time. */
#define VG_SB_LIT(sb, lit) vg_sb_add((sb), "" lit, sizeof(lit) - 1)
/* v in decimal, as printf's %u / %zu / %llu write it. */
void vg_sb_put_u(struct vg_strbuf *sb, unsigned long long v);
void vg_sb_putc(struct vg_strbuf *sb, char c);
void vg_sb_printf(struct vg_strbuf *sb, const char *fmt, ...) VG_PRINTF(2, 3);
/* Append items[0..n) separated by ", ", each between two `quote` strings ("" or "`"). */
void vg_sb_join(struct vg_strbuf *sb, const char *const *items, size_t n, const char *quote);
/* The same as one string in the arena: "a, b, c" (no length limit). */
const char *vg_join(struct vg_arena *a, const char *const *items, size_t n, const char *quote);
void vg_sb_vprintf(struct vg_strbuf *sb, const char *fmt, va_list ap);
/* JSON string literal with quotes, escaping per RFC 8259 (UTF-8 passed through). */
void vg_sb_json_str(struct vg_strbuf *sb, const char *s);
const char *vg_sb_str(struct vg_strbuf *sb); /* "" when empty */

/*
 * Inert text: the one escaping that every output channel applies to what came
 * from an input (messages, labels, notes, help, paths, names, catalog text).
 * C0 controls, DEL, C1 controls, U+2028/U+2029, bidirectional controls,
 * zero-width and other invisible format characters are shown escaped
 * (`\n`, `\t`, `\x1B`, `\u{202E}`), and so is a byte that is not valid
 * UTF-8 (`\xFF`), and the second `#` of an Azure Pipelines `##vso[` command
 * (`#\x23vso[`); everything else is copied. The result holds no byte that a
 * terminal, a CI log or an editor would act on, and no line break.
 */
enum vg_char_class {
    VG_CHAR_PLAIN = 0,
    VG_CHAR_CONTROL,   /* C0 (tab and line breaks too), DEL, C1 */
    VG_CHAR_INVISIBLE, /* bidi controls, zero-width characters, U+2028/U+2029, BOM */
    VG_CHAR_INVALID    /* not UTF-8 */
};
/* The class of the character at s (avail bytes); *len its length, *cp its code point. */
enum vg_char_class vg_char_class(const unsigned char *s, size_t avail, size_t *len, uint32_t *cp);
/* Whether any character of s[0..n) is not VG_CHAR_PLAIN (the first such in *cls, *cp). */
int vg_text_unsafe(const char *s, size_t n, enum vg_char_class *cls, uint32_t *cp);
void vg_sb_add_inert(struct vg_strbuf *sb, const char *s, size_t n);
void vg_sb_put_inert(struct vg_strbuf *sb, const char *s);
/* A JSON string literal of the inert text of s (NULL: `null`). */
void vg_sb_json_inert(struct vg_strbuf *sb, const char *s);
/* XML character data of the inert text of s (`&<>"'` as entities); code
 * points that XML 1.0 forbids or calls non-characters are dropped. */
void vg_sb_xml_inert(struct vg_strbuf *sb, const char *s);
/* s itself when nothing needs escaping, else its inert copy in the arena. */
const char *vg_inert(struct vg_arena *a, const char *s);

/*
 * Write the buffer to `path` atomically: a temporary file in the same folder,
 * fsync, rename. Returns 0, or -1 with errno set (nothing at `path` changed).
 */
int vg_write_file_atomic(const char *path, const char *data, size_t len);
/*
 * The two halves of it, for writing several files all or nothing: every
 * temporary file first (vg_write_temp: its malloc'd name, or NULL with errno),
 * then every rename (vg_commit_temp frees the name; on failure it removes the
 * temporary file). vg_discard_temp removes one that will not be renamed.
 */
char *vg_write_temp(const char *path, const char *data, size_t len);
int vg_commit_temp(char *tmp, const char *path);
void vg_discard_temp(char *tmp);
/*
 * Replace an existing file's contents atomically, keeping what it is: a
 * symbolic link is written through to its target (which keeps its place),
 * and the new file gets the old one's mode and owner. Returns 0, or -1 with
 * errno set (the file unchanged).
 */
int vg_rewrite_file(const char *path, const char *data, size_t len);

#endif
