/*
 * arena.h - the per-compilation allocator and checked malloc wrappers.
 *
 * Every tree node, string, model object and diagnostic of one run comes from one
 * arena and is released at once by vg_arena_free(), so error paths cannot leak.
 * Allocation failure is never returned to the caller: it ends the process with a
 * message and exit code 2 (the "could not run" status), never a segfault.
 */
#ifndef VG_ARENA_H
#define VG_ARENA_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#if defined(__GNUC__)
#define VG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define VG_NORETURN __attribute__((noreturn))
#else
#define VG_PRINTF(fmt, args)
#define VG_NORETURN
#endif

struct vg_arena;

struct vg_arena *vg_arena_new(void);
/* An arena known to grow to megabytes (a second thread's, for a large input):
 * its first chunk is a big one, in huge pages where the system has them,
 * instead of a chunk of 16 KB doubling to that size (each chunk fresh memory
 * the kernel maps a 4 KB page at a time: ~250 page faults per MB). */
struct vg_arena *vg_arena_new_big(void);
/* From now on `a` takes big chunks (a large input is being read into it). */
void vg_arena_grow_big(struct vg_arena *a);
/* Frees the arena, its chunks and its remaining child arenas. */
void vg_arena_free(struct vg_arena *a);
/*
 * An arena for data that dies before its parent (a syntax subtree once its
 * model is built, scratch of one cluster): vg_arena_free() releases it early,
 * and whatever is not released early goes with the parent, so error paths
 * still cannot leak.
 */
struct vg_arena *vg_arena_new_child(struct vg_arena *parent);
/* Make the root arena `a` a child of `parent` (freed with it at the latest):
 * for memory filled on another thread (an arena is used by one thread at a
 * time) that must then live as long as the parent. */
void vg_arena_adopt(struct vg_arena *parent, struct vg_arena *a);
/*
 * For a thread with time to spare while another fills the root arena `a`
 * (the scanner of a large file, scan.c): make the arena's next big chunk now
 * and fault its pages in, so that the kernel's clearing of fresh memory
 * (a quarter of a large lint) happens on this thread. At most one chunk is
 * kept ready; the arena takes it when it needs one. Safe to call from any
 * thread while the arena is in use; does nothing for a child arena.
 */
void vg_arena_prepare(struct vg_arena *a);
/* Zeroed, 16-byte aligned memory that lives until vg_arena_free(). */
void *vg_alloc(struct vg_arena *a, size_t n);
/* Zeroed array of n elements of size sz, with overflow check. */
void *vg_alloc_array(struct vg_arena *a, size_t n, size_t sz);
/* Like vg_alloc_array, but not zeroed: for arrays whose elements are each
 * written before they are read (large blocks copied from a template). */
void *vg_alloc_array_uninit(struct vg_arena *a, size_t n, size_t sz);
/*
 * n bytes, 16-byte aligned, not zeroed: for memory the caller writes at once
 * (a statement and its arguments). Inline: while the arena's current chunk
 * has room, an allocation is a compare and an add (the parser makes one per
 * statement, and a call with the checks of vg_alloc_array_uninit cost ~48
 * instructions). The first member of every struct vg_arena is this view of
 * its current chunk; anything else (a new chunk, the test hook
 * vg_alloc_fail_after armed) takes vg_alloc_uninit_slow.
 */
struct vg_arena_fast {
    unsigned char *cur, *end; /* the free part of the current chunk */
    size_t total;             /* bytes handed out (vg_arena_used) */
};
extern _Atomic unsigned long vg_alloc_countdown_; /* vg_alloc_fail_after's count; 0 = off */
void *vg_alloc_uninit_slow(struct vg_arena *a, size_t n);
static inline void *vg_alloc_uninit(struct vg_arena *a, size_t n)
{
    struct vg_arena_fast *f = (struct vg_arena_fast *)(void *)a;
    size_t need = (n + 15) & ~(size_t)15;
    if (need >= n && (size_t)(f->end - f->cur) >= need &&
        atomic_load_explicit(&vg_alloc_countdown_, memory_order_relaxed) == 0) {
        void *p = f->cur;
        f->cur += need;
        f->total += need;
        return p;
    }
    return vg_alloc_uninit_slow(a, n);
}
/* A 16-byte aligned copy of n bytes of src (not zeroed first). */
void *vg_alloc_copy(struct vg_arena *a, const void *src, size_t n);
char *vg_strndup(struct vg_arena *a, const char *s, size_t n);
char *vg_strdup(struct vg_arena *a, const char *s);
char *vg_sprintf(struct vg_arena *a, const char *fmt, ...) VG_PRINTF(2, 3);
char *vg_vsprintf(struct vg_arena *a, const char *fmt, va_list ap);
/* Bytes handed out so far by this arena itself, not its children (for tests
 * and the benchmark). */
size_t vg_arena_used(const struct vg_arena *a);

/*
 * Grow an arena-backed array to hold at least `need` elements: *v is replaced
 * by a copy twice as large when full (the old block stays in the arena; the
 * total waste is bounded by the final size).
 */
void vg_grow(struct vg_arena *a, void **v, size_t *cap, size_t need, size_t elem);
#define VG_PUSH(a, vec, n, cap, x)                                     \
    do {                                                               \
        vg_grow((a), (void **)&(vec), &(cap), (n) + 1, sizeof *(vec)); \
        (vec)[(n)++] = (x);                                            \
    } while (0)

/* malloc family that never returns NULL: on failure, report and exit 2. */
void *vg_xmalloc(size_t n);
void *vg_xcalloc(size_t n, size_t sz);
void *vg_xrealloc(void *p, size_t n);
char *vg_xstrdup(const char *s);
VG_NORETURN void vg_die_oom(void);

/* Test hook: make the n-th allocation from now fail (0 = never). Every
 * malloc-family call and every arena allocation counts as one. */
void vg_alloc_fail_after(unsigned long n);
/* What is left of that count: after vg_alloc_fail_after(ULONG_MAX), ULONG_MAX
 * minus this is the number of allocations made since (tests sweep them all). */
unsigned long vg_alloc_countdown(void);

#endif
