/*
 * input.c - loading input files into the compilation: checking their bytes,
 * building their line tables, confining includes (declared in source.h).
 *
 * Input is checked once, here, before the scanner sees it: the size limit,
 * NUL bytes, invalid UTF-8 and over-long lines are VG1009 at their location.
 * A UTF-8 BOM is skipped by the scanner (it is kept in the text so that byte
 * offsets stay those of the file); CRLF line endings are accepted. A large
 * regular file is mapped rather than read (see map_file).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "core/source.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ctx.h"
#include "base/utf8.h"
#include "core/diag.h"
#include "core/vg_limits.h"

/*
 * The byte check and the line table. The usual file (plain ASCII, no NUL, no
 * over-long line) takes one pass (plain_lines: 64 bytes at a time). Any
 * other file takes the byte-exact path, which reports what is wrong in byte
 * order. The times of each version are in docs/performance.md.
 */
#define ONES ((uint64_t)0x0101010101010101ull)
#define HIGHS ((uint64_t)0x8080808080808080ull)

struct checker {
    struct vg_ctx *ctx;
    struct vg_source *src;
    int bad_utf8, bad_nul, bad_long;
};

/* Non-zero if any byte of w is zero (the classic bit trick; exact for "any"). */
static inline uint64_t has_zero_byte(uint64_t w) { return (w - ONES) & ~w & HIGHS; }

/* Number of '\n' bytes in t[0..n): zero bytes of t ^ '\n', counted exactly. */
static size_t count_newlines(const unsigned char *t, size_t n)
{
    const uint64_t nl = ONES * '\n', low7 = ONES * 0x7f;
    size_t count = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        w ^= nl;
        /* high bit of each byte set iff the byte is zero, with no carries between bytes */
        uint64_t z = ~(((w & low7) + low7) | w | low7);
        count += (size_t)(((z >> 7) * ONES) >> 56); /* sum of the 0/1 bytes */
    }
    for (; i < n; i++)
        count += t[i] == '\n';
    return count;
}

/* Append a line start to the malloc'd table *v of *cap entries. */
static inline void push_start(uint32_t **v, size_t *n, size_t *cap, size_t start)
{
    if (*n == *cap) {
        *cap *= 2;
        *v = vg_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = (uint32_t)start;
}

/*
 * The usual file, in one pass: plain ASCII, no NUL, every line within the
 * length limit. Line starts go to a table that grows as needed (malloc'd:
 * pages not reached are never touched). Returns 0, with nothing kept, at the
 * first byte or line that needs the byte-exact path. With SSE2 (every x86-64)
 * 64 bytes are checked and their newlines found at once: lines are short
 * (~25 bytes), so a memchr call and a check per line cost more than the
 * bytes. Per 64 bytes: one test for a NUL or a byte >= 0x80 in any of them,
 * one for room in the table, and one for the length limit, which no line can
 * break in a block that ends within VG_MAX_LINE_BYTES of the current line's
 * start (then each newline is checked); a newline costs a store.
 */
static int plain_lines(const unsigned char *t, size_t len, uint32_t **starts, uint32_t *nstarts)
{
    size_t cap = len / 16 + 64, n = 0, i = 0, line = 0; /* line: where the current line starts */
    uint32_t *v = vg_xmalloc(cap * sizeof *v);
    v[n++] = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    for (; i + 64 <= len; i += 64) {
        const __m128i *q = (const __m128i *)(const void *)(t + i);
        __m128i x0 = _mm_loadu_si128(q), x1 = _mm_loadu_si128(q + 1), x2 = _mm_loadu_si128(q + 2),
                x3 = _mm_loadu_si128(q + 3);
        /* a byte >= 0x80 sets its sign bit in the OR; a NUL is the minimum */
        __m128i high = _mm_or_si128(_mm_or_si128(x0, x1), _mm_or_si128(x2, x3));
        __m128i low = _mm_min_epu8(_mm_min_epu8(x0, x1), _mm_min_epu8(x2, x3));
        if (_mm_movemask_epi8(high) | _mm_movemask_epi8(_mm_cmpeq_epi8(low, zero)))
            goto not_plain;
        uint64_t m = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x0, nl)) |
            (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x1, nl)) << 16 |
            (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x2, nl)) << 32 |
            (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x3, nl)) << 48;
        if (!m)
            continue;
        if (n + 64 > cap) {
            cap *= 2;
            v = vg_xrealloc(v, cap * sizeof *v);
        }
        if (i + 64 - line > VG_MAX_LINE_BYTES) { /* a line may be too long: check each */
            for (uint64_t k = m; k; k &= k - 1) {
                size_t at = i + (size_t)__builtin_ctzll(k);
                if (at - line > VG_MAX_LINE_BYTES)
                    goto not_plain;
                line = at + 1;
            }
        }
        for (; m; m &= m - 1)
            v[n++] = (uint32_t)(i + (size_t)__builtin_ctzll(m) + 1);
        line = v[n - 1];
    }
#endif
    for (; i < len; i++) {
        if (t[i] == 0 || t[i] >= 0x80)
            goto not_plain;
        if (t[i] == '\n') {
            if (i - line > VG_MAX_LINE_BYTES)
                goto not_plain;
            line = i + 1;
            push_start(&v, &n, &cap, line);
        }
    }
    if (len - line > VG_MAX_LINE_BYTES)
        goto not_plain;
    *starts = v;
    *nstarts = (uint32_t)n;
    return 1;
not_plain:
    free(v);
    return 0;
}

/* Check the sequences that start in [i, end); returns where the next one starts. */
static size_t check_run(struct checker *k, size_t i, size_t end)
{
    const unsigned char *t = (const unsigned char *)k->src->text;
    while (i < end) {
        if (end - i >= 8) {
            uint64_t w;
            memcpy(&w, t + i, 8);
            if (!(w & HIGHS) && !has_zero_byte(w)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = t[i];
        if (c == 0) {
            if (!k->bad_nul++) {
                struct vg_diag *d = vg_diag_emit(k->ctx, VG1009, vg_span_make(k->src->id, (uint32_t)i, (uint32_t)i + 1),
                                                 "NUL byte in input");
                vg_diag_help(k->ctx, d, "a .vgpu file is UTF-8 text; is this a binary or UTF-16 file?");
            }
            i++;
            continue;
        }
        int n = c < 0x80 ? 1 : vg_utf8_seq_len(t + i, k->src->len - i);
        if (n == 0) {
            if (!k->bad_utf8++) {
                struct vg_diag *d = vg_diag_emit(k->ctx, VG1009, vg_span_make(k->src->id, (uint32_t)i, (uint32_t)i + 1),
                                                 "invalid UTF-8 byte 0x%02x", c);
                vg_diag_help(k->ctx, d, "save the file as UTF-8");
            }
            n = 1;
        }
        i += (size_t)n;
    }
    return i;
}

/*
 * Diagnostics come in byte order, as a byte-at-a-time scan would find them:
 * the first NUL, the first invalid UTF-8 byte, and the first line that has a
 * sequence starting VG_MAX_LINE_BYTES or more bytes after the line start.
 */
static void check_and_index(struct vg_ctx *ctx, struct vg_source *src)
{
    const unsigned char *t = (const unsigned char *)src->text;
    size_t len = src->len;
    if (plain_lines(t, len, &src->line_starts, &src->nlines)) {
        src->lines_owned = 1;
        src->valid = 1;
        return;
    }
    /* not zeroed: the loop below writes an entry per line */
    src->line_starts = vg_alloc_array_uninit(ctx->arena, count_newlines(t, len) + 1, sizeof *src->line_starts);
    src->nlines = 0;
    src->line_starts[src->nlines++] = 0;
    struct checker k = {ctx, src, 0, 0, 0};
    for (size_t start = 0;;) {
        const unsigned char *nl = memchr(t + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - t) : len;
        size_t limit = end - start > VG_MAX_LINE_BYTES ? start + VG_MAX_LINE_BYTES : end;
        size_t i = check_run(&k, start, limit);
        if (i < end) {
            if (!k.bad_long) {
                k.bad_long = 1;
                vg_diag_emit(ctx, VG1009, vg_span_make(src->id, (uint32_t)start, (uint32_t)start),
                             "line longer than %u KiB", VG_MAX_LINE_BYTES >> 10);
            }
            check_run(&k, i, end);
        }
        if (!nl)
            break;
        start = end + 1;
        src->line_starts[src->nlines++] = (uint32_t)start;
    }
    src->valid = !k.bad_utf8 && !k.bad_nul && !k.bad_long;
    src->hide_text = !src->valid; /* perhaps not a .vgpu file at all: show where, not what */
}

/* The source takes `copy` (arena memory or a mapping, len + 1 bytes,
 * NUL-terminated) as its text. */
static uint32_t add_text(struct vg_ctx *ctx, const char *path, char *copy, size_t len, struct vg_span included_at)
{
    struct vg_source *src = vg_alloc(ctx->arena, sizeof *src);
    src->path = vg_strdup(ctx->arena, path);
    src->text = copy;
    src->len = len;
    src->included_at = included_at;
    VG_PUSH(ctx->arena, ctx->sources.v, ctx->sources.n, ctx->sources.cap, src);
    src->id = (uint32_t)ctx->sources.n;
    check_and_index(ctx, src);
    return src->id;
}

uint32_t vg_source_add(struct vg_ctx *ctx, const char *path, const char *text, size_t len, struct vg_span included_at)
{
    char *copy = vg_alloc_array_uninit(ctx->arena, len + 1, 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    return add_text(ctx, path, copy, len, included_at);
}

static struct vg_diag *load_error(struct vg_ctx *ctx, struct vg_span at, const char *path, const char *why)
{
    return vg_diag_emit(ctx, VG1009, at, "cannot read `%s`: %s", path, why);
}

/*
 * A regular file of 256 KiB or more is mapped, not read: no copy, and no
 * fresh memory for the kernel to clear (a 100k-VM lint: -9 %, and less
 * variance). The text must be followed by a NUL: the rest of a file's last
 * mapped page reads as zeros, so a size that is a multiple of the page size
 * is read instead. A mapped file that shrinks while vgpuc reads it would raise
 * SIGBUS past its new end: the handler says so and exits 2 ("could not run"),
 * like any unreadable input; a SIGBUS elsewhere keeps its default action.
 */
#define MAP_MIN_BYTES ((size_t)256 << 10)
#define MAX_MAPS 64

static struct {
    const char *start;
    size_t len;
} maps[MAX_MAPS];
static _Atomic size_t nmaps;

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    const char *at = info ? (const char *)info->si_addr : NULL;
    size_t n = atomic_load(&nmaps);
    for (size_t i = 0; i < n && at; i++)
        if (at >= maps[i].start && at < maps[i].start + maps[i].len + 4096) {
            static const char msg[] = "vgpuc: error: an input file was truncated while it was being read\n";
            ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
            (void)w;
            _exit(2);
        }
    signal(sig, SIG_DFL); /* not ours: die of it as before */
    raise(sig);
}

static char *map_file(int fd, size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t n = atomic_load(&nmaps);
    if (size < MAP_MIN_BYTES || page <= 0 || size % (size_t)page == 0 || n == MAX_MAPS)
        return NULL;
    if (n == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, NULL) != 0)
            return NULL;
    }
    void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return NULL;
    maps[n].start = m;
    maps[n].len = size;
    atomic_store(&nmaps, n + 1);
    return m;
}

void vg_sources_release(struct vg_ctx *ctx)
{
    for (size_t i = 0; i < ctx->sources.n; i++) {
        struct vg_source *src = ctx->sources.v[i];
        if (src->lines_owned) {
            free(src->line_starts);
            src->line_starts = NULL;
            src->lines_owned = 0;
        }
        if (src->mapped) {
            size_t n = atomic_load(&nmaps);
            for (size_t k = 0; k < n; k++)
                if (maps[k].start == src->text)
                    maps[k].len = 0, maps[k].start = NULL;
            munmap((void *)src->text, src->len);
            src->text = NULL;
            src->mapped = 0;
        }
    }
}

static uint32_t load(struct vg_ctx *ctx, const char *path, const char *display, struct vg_span included_at,
                     int is_stdin);

int vg_open_regular(const char *path, struct stat *st, const char **why)
{
    /* O_NONBLOCK: opening a FIFO without a writer or a terminal returns at
     * once, and fstat then says what it is; on a regular file it changes nothing. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    if (fstat(fd, st) != 0) {
        *why = strerror(errno);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        *why = S_ISDIR(st->st_mode) ? "is a directory" : "not a regular file";
        close(fd);
        return -1;
    }
    return fd;
}

int vg_path_confined(const struct vg_ctx *ctx, const char *real)
{
    if (!ctx->opt.nread_roots)
        return 1;
    for (size_t i = 0; i < ctx->opt.nread_roots; i++) {
        const char *r = ctx->opt.read_roots[i];
        size_t n = strlen(r);
        if (n == 1 && r[0] == '/')
            return 1;
        if (strncmp(real, r, n) == 0 && (real[n] == '/' || real[n] == '\0'))
            return 1;
    }
    return 0;
}

uint32_t vg_source_include(struct vg_ctx *ctx, const char *path, struct vg_span at, const char **real)
{
    char *rp = realpath(path, NULL);
    *real = path;
    if (!rp)
        return vg_source_load(ctx, path, NULL, at); /* reports it missing or unreadable */
    *real = vg_strdup(ctx->arena, rp);
    free(rp);
    if (!vg_path_confined(ctx, *real)) {
        struct vg_diag *d = vg_diag_emit(ctx, VG1013, at, "`%s` is outside the project", path);
        vg_diag_note(ctx, d,
                     "includes are read only from inside the project: the repository of the input, "
                     "or the folder of its config or of the input itself");
        vg_diag_help(ctx, d, "keep the file in the repository, or allow its folder with `--allow-read DIR`");
        return 0;
    }
    if (ctx->sources.overlay) { /* an open editor buffer wins over the file on disk */
        size_t n = 0;
        const char *text = ctx->sources.overlay(ctx->sources.overlay_cookie, *real, &n);
        if (text && n <= VG_MAX_FILE_BYTES)
            return vg_source_add(ctx, path, text, n, at);
    }
    /* the resolved path is what is opened: a link swapped meanwhile is not followed */
    return load(ctx, *real, path, at, 0);
}

/* VG1009: a file over VG_MAX_FILE_BYTES is not read. */
static void too_large(struct vg_ctx *ctx, struct vg_span included_at, const char *name)
{
    struct vg_diag *d =
        vg_diag_emit(ctx, VG1009, included_at, "`%s` is larger than the %u MiB limit", name, VG_MAX_FILE_BYTES >> 20);
    vg_diag_help(ctx, d, "split the file and join the parts with `include`");
}

/* What has been read of a file that read_rest goes on with (malloc'd). */
struct partial {
    char *buf;
    size_t len, cap;
};

/*
 * A regular file of known size, read straight into the arena: no second copy
 * of a 15 MB input. Returns 1 when done (*id the source, or 0 after an error;
 * fd closed); 0 when the file turned out longer than its size said (it grew
 * while being read): then *p holds what was read, for read_rest.
 */
static int read_sized(struct vg_ctx *ctx, int fd, size_t size, const char *name, struct vg_span included_at,
                      uint32_t *id, struct partial *p)
{
    char *text = vg_alloc_array_uninit(ctx->arena, size + 1, 1); /* read() fills it */
    char extra;
    size_t len = 0;
    ssize_t r = 0;
    while (len < size && ((r = read(fd, text + len, size - len)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            len += (size_t)r;
    if (r >= 0 && len == size)
        while ((r = read(fd, &extra, 1)) < 0 && errno == EINTR)
            ;
    if (r < 0) {
        int e = errno;
        close(fd);
        load_error(ctx, included_at, name, strerror(e));
        *id = 0;
        return 1;
    }
    if (len < size || r == 0) {
        close(fd);
        text[len] = '\0';
        *id = add_text(ctx, name, text, len, included_at);
        return 1;
    }
    p->cap = size + 64 * 1024;
    p->buf = vg_xmalloc(p->cap);
    memcpy(p->buf, text, len);
    p->buf[len++] = extra;
    p->len = len;
    return 0;
}

/* The rest of a file (or stdin) after *p, into a source; 0 after an error.
 * Closes fd unless it is stdin. */
static uint32_t read_rest(struct vg_ctx *ctx, int fd, int is_stdin, const char *name, struct vg_span included_at,
                          struct partial *p)
{
    for (;;) {
        if (p->len == p->cap) {
            if (p->cap > VG_MAX_FILE_BYTES)
                break;
            p->cap = p->cap * 2 > (size_t)VG_MAX_FILE_BYTES + 1 ? (size_t)VG_MAX_FILE_BYTES + 1 : p->cap * 2;
            p->buf = vg_xrealloc(p->buf, p->cap);
        }
        ssize_t r = read(fd, p->buf + p->len, p->cap - p->len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(p->buf);
            if (!is_stdin)
                close(fd);
            load_error(ctx, included_at, name, strerror(e));
            return 0;
        }
        if (r == 0)
            break;
        p->len += (size_t)r;
    }
    if (!is_stdin)
        close(fd);
    if (p->len > VG_MAX_FILE_BYTES) {
        free(p->buf);
        too_large(ctx, included_at, name);
        return 0;
    }
    uint32_t id = vg_source_add(ctx, name, p->buf, p->len, included_at);
    free(p->buf);
    return id;
}

static uint32_t load(struct vg_ctx *ctx, const char *path, const char *display, struct vg_span included_at,
                     int is_stdin)
{
    const char *name = display ? display : path;
    struct stat st;
    const char *why = NULL;
    int fd = is_stdin ? STDIN_FILENO : vg_open_regular(path, &st, &why);
    if (fd < 0) {
        load_error(ctx, included_at, name, why);
        return 0;
    }
    if (is_stdin && fstat(fd, &st) != 0)
        memset(&st, 0, sizeof st);
    if (!is_stdin && (uint64_t)st.st_size > VG_MAX_FILE_BYTES) { /* not read at all */
        close(fd);
        too_large(ctx, included_at, name);
        return 0;
    }
    struct partial p = {NULL, 0, 64 * 1024};
    if (!is_stdin && S_ISREG(st.st_mode) && (size_t)st.st_size <= VG_MAX_FILE_BYTES) {
        char *m = map_file(fd, (size_t)st.st_size);
        if (m) {
            close(fd);
            uint32_t id = add_text(ctx, name, m, (size_t)st.st_size, included_at);
            ctx->sources.v[id - 1]->mapped = 1;
            return id;
        }
        uint32_t id;
        if (read_sized(ctx, fd, (size_t)st.st_size, name, included_at, &id, &p))
            return id;
    }
    if (!p.buf) {
        if (!is_stdin && S_ISREG(st.st_mode) && (size_t)st.st_size + 1 > p.cap)
            p.cap = (size_t)st.st_size + 1;
        if (p.cap > (size_t)VG_MAX_FILE_BYTES + 1)
            p.cap = (size_t)VG_MAX_FILE_BYTES + 1;
        p.buf = vg_xmalloc(p.cap);
    }
    return read_rest(ctx, fd, is_stdin, name, included_at, &p);
}

uint32_t vg_source_load(struct vg_ctx *ctx, const char *path, const char *display, struct vg_span included_at)
{
    return load(ctx, path, display, included_at, strcmp(path, "-") == 0);
}

const struct vg_source *vg_source_get(const struct vg_ctx *ctx, uint32_t id)
{
    if (id == 0 || id > ctx->sources.n)
        return NULL;
    return ctx->sources.v[id - 1];
}
