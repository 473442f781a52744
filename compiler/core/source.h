/*
 * source.h - source files, byte-offset spans and their line tables.
 *
 * Every location in vgpuc is a span of byte offsets into one loaded file; line
 * and column (1-based, columns in Unicode code points) are computed only when a
 * diagnostic is rendered, from one line-start table per file.
 */
#ifndef VG_SOURCE_H
#define VG_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct vg_ctx;

/* file 0 means "no location" (command line, built-in defaults). */
struct vg_span {
    uint32_t file;
    uint32_t start, end; /* byte offsets, end exclusive */
};

struct vg_loc {
    uint32_t line, col; /* 1-based; col counts code points */
};

struct vg_source {
    uint32_t id;
    const char *path; /* as given by the user or resolved for an include */
    const char *text; /* NUL-terminated copy; may contain NULs if invalid */
    size_t len;
    uint32_t *line_starts; /* offsets of each line start; [0] = 0 */
    uint32_t nlines;
    struct vg_span included_at; /* span of the include directive, or file 0 */
    int valid;                  /* passed the UTF-8 / NUL / line-length checks */
    int hide_text;              /* never print its lines (failed the byte checks, or a
                            YAML config or catalog file): location only */
    int mapped;                 /* text is a read-only mapping of the file (source.c) */
    int lines_owned;            /* line_starts is malloc'd, not in the arena */
};

/* The text an editor holds for a file, by its resolved path (the language
 * server's open buffers), or NULL to read the file from disk. */
typedef const char *(*vg_source_overlay_fn)(void *cookie, const char *real, size_t *len);

struct vg_sources {
    struct vg_source **v; /* v[id - 1] */
    size_t n, cap;
    vg_source_overlay_fn overlay; /* consulted for includes; NULL = disk only */
    void *overlay_cookie;
};

static inline struct vg_span vg_span_make(uint32_t file, uint32_t start, uint32_t end)
{
    struct vg_span s = {file, start, end};
    return s;
}
static inline int vg_span_valid(struct vg_span s) { return s.file != 0; }
/* `a` if it has a location, else `b`. */
static inline struct vg_span vg_span_or(struct vg_span a, struct vg_span b) { return a.file ? a : b; }

/*
 * Add an in-memory buffer as a source (copied into the arena) and build its
 * line table. Checks it (UTF-8, NUL, line length, size) and reports VG1009 at
 * the offending location; `valid` says whether it passed. Returns the id.
 */
uint32_t vg_source_add(struct vg_ctx *ctx, const char *path, const char *text, size_t len, struct vg_span included_at);
/*
 * Read a file (or "-" for stdin, named `display` when not NULL) and add it.
 * A missing or unreadable file, a directory, or one over the size limit is
 * reported as VG1009 at `included_at` (or without location) and returns 0.
 */
uint32_t vg_source_load(struct vg_ctx *ctx, const char *path, const char *display, struct vg_span included_at);
/*
 * Load an included file: `path` must resolve (symbolic links followed) inside
 * one of ctx->opt.read_roots, else VG1013 at `at` and 0. *real receives the
 * resolved path (arena) when it exists, else `path`.
 */
uint32_t vg_source_include(struct vg_ctx *ctx, const char *path, struct vg_span at, const char **real);
/* Whether the real path `real` is inside one of ctx->opt.read_roots (or there are none). */
int vg_path_confined(const struct vg_ctx *ctx, const char *real);
/*
 * Open a file to read it: never blocks (a FIFO, a terminal or a device is
 * refused, not waited on), only a regular file is kept. Returns the
 * descriptor with *st filled, or -1 with *why saying why ("not a regular
 * file", "is a directory", strerror).
 */
int vg_open_regular(const char *path, struct stat *st, const char **why);
const struct vg_source *vg_source_get(const struct vg_ctx *ctx, uint32_t id);
/* Release what the sources hold outside the arena: file mappings, line
 * tables (vg_ctx_free does). */
void vg_sources_release(struct vg_ctx *ctx);
struct vg_loc vg_source_loc(const struct vg_source *src, uint32_t offset);
/* Line `line` (1-based) without its newline; *len receives its length. */
const char *vg_source_line(const struct vg_source *src, uint32_t line, size_t *len);

#endif
