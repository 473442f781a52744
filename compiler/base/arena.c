/*
 * arena.c - bump allocator in growing chunks, plus the checked malloc wrappers.
 *
 * Chunks double up to 4 MiB and then stay at that size; a request larger than a
 * chunk gets a chunk of its own. Nothing is freed individually. Big chunks are
 * 2 MiB aligned and marked for transparent huge pages where the system offers
 * them: a 100k-VM lint touches ~100 MB of arena, and faulting that in 4 KiB
 * pages cost about a third of its time (docs/performance.md).
 *
 * Child arenas (vg_arena_new_child) take chunks of one fixed size, cut from
 * the root's (huge-page) chunks; when a child is freed its chunks go to a
 * spare list of the root, from which every arena of the family takes chunks
 * before asking for new memory. So the memory of a syntax tree released block
 * by block is reused by the model built from it instead of being added to it.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) on Linux; guarded below */
#include "base/arena.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct chunk {
    struct chunk *next;
    size_t size;
    int carved; /* a child chunk cut from a chunk of the root: never freed on its own */
    _Alignas(16) unsigned char data[];
};

struct vg_arena {
    struct vg_arena_fast fast; /* first (arena.h): the free part of `head`, bytes handed out */
    struct chunk *head;
    size_t next_size;
    struct vg_arena *parent, *children, *prev, *next; /* child arenas, doubly linked */
    struct chunk *spare;                              /* root only: carved chunks of freed children */
    /* root only: a big chunk whose pages another thread has already faulted
     * in (vg_arena_prepare), for the next big chunk this arena needs */
    _Atomic(struct chunk *) ready;
};

/* Child arenas hold one top-level block of a syntax tree (~100 KB) or the
 * scratch of one cluster: small chunks waste little at their ends. */
#define CHILD_CHUNK ((size_t)16 << 10)

/* Atomic: the scanner's thread (scan.c) allocates too. Extern: the inline
 * vg_alloc_uninit (arena.h) leaves every allocation to the slow path while
 * it is armed. */
_Atomic unsigned long vg_alloc_countdown_;
#define fail_countdown vg_alloc_countdown_

void vg_alloc_fail_after(unsigned long n) { atomic_store(&fail_countdown, n); }

unsigned long vg_alloc_countdown(void) { return atomic_load(&fail_countdown); }

static int should_fail(void)
{
    unsigned long n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    while (n != 0) {
        if (atomic_compare_exchange_weak(&fail_countdown, &n, n - 1))
            return n == 1;
    }
    return 0;
}

void vg_die_oom(void)
{
    static const char msg[] = "vgpuc: error: out of memory\n";
    fwrite(msg, 1, sizeof msg - 1, stderr);
    exit(2);
}

void *vg_xmalloc(size_t n)
{
    void *p = should_fail() ? NULL : malloc(n ? n : 1);
    if (!p)
        vg_die_oom();
    return p;
}

void *vg_xcalloc(size_t n, size_t sz)
{
    void *p = should_fail() ? NULL : calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        vg_die_oom();
    return p;
}

void *vg_xrealloc(void *p, size_t n)
{
    void *q = should_fail() ? NULL : realloc(p, n ? n : 1);
    if (!q)
        vg_die_oom();
    return q;
}

char *vg_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(vg_xmalloc(n), s, n);
}

#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_CHUNK ((size_t)4 << 20)

static struct chunk *new_chunk(size_t size)
{
    if (sizeof(struct chunk) + size < HUGE_CHUNK)
        return vg_xmalloc(sizeof(struct chunk) + size);
    void *p = NULL;
    if (should_fail() || posix_memalign(&p, HUGE_PAGE, sizeof(struct chunk) + size) != 0)
        vg_die_oom();
#ifdef MADV_HUGEPAGE
    madvise(p, (sizeof(struct chunk) + size) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint: failure is fine */
#endif
    return p;
}

struct vg_arena *vg_arena_new(void)
{
    struct vg_arena *a = vg_xcalloc(1, sizeof *a);
    a->next_size = 16 * 1024;
    atomic_init(&a->ready, NULL);
    return a;
}

struct vg_arena *vg_arena_new_big(void)
{
    struct vg_arena *a = vg_arena_new();
    vg_arena_grow_big(a);
    return a;
}

void vg_arena_grow_big(struct vg_arena *a) { a->next_size = HUGE_CHUNK; }

struct vg_arena *vg_arena_new_child(struct vg_arena *parent)
{
    struct vg_arena *a = vg_arena_new();
    a->parent = parent;
    a->next = parent->children;
    if (a->next)
        a->next->prev = a;
    parent->children = a;
    return a;
}

void vg_arena_adopt(struct vg_arena *parent, struct vg_arena *a)
{
    if (a == parent)
        return;
    free(atomic_exchange(&a->ready, NULL)); /* only a root keeps one */
    a->parent = parent;
    a->prev = NULL;
    a->next = parent->children;
    if (a->next)
        a->next->prev = a;
    parent->children = a;
}

static struct vg_arena *root_of(struct vg_arena *a)
{
    while (a->parent)
        a = a->parent;
    return a;
}

/* Free the malloc'd chunks of a list; carved ones live inside them, so every
 * link is read before anything is freed. */
static void free_chunks(struct chunk *c)
{
    struct chunk *own = NULL;
    for (struct chunk *next; c; c = next) {
        next = c->next;
        if (!c->carved) {
            c->next = own;
            own = c;
        }
    }
    for (struct chunk *next; own; own = next) {
        next = own->next;
        free(own);
    }
}

void vg_arena_free(struct vg_arena *a)
{
    if (!a)
        return;
    while (a->children)
        vg_arena_free(a->children);
    if (!a->parent) {
        free_chunks(a->head);
        free(atomic_load(&a->ready));
        free(a);
        return;
    }
    if (a->prev)
        a->prev->next = a->next;
    else
        a->parent->children = a->next;
    if (a->next)
        a->next->prev = a->prev;
    struct vg_arena *root = root_of(a);
    for (struct chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        if (c->carved) {
            c->next = root->spare;
            root->spare = c;
        } else {
            free(c);
        }
    }
    free(a);
}

void vg_arena_prepare(struct vg_arena *a)
{
    if (a->parent || atomic_load(&a->ready))
        return;
    struct chunk *c = new_chunk(HUGE_CHUNK);
    c->size = HUGE_CHUNK;
    c->carved = 0;
    /* one write per page: the kernel clears each (huge) page as it maps it */
    for (size_t i = 0; i < HUGE_CHUNK; i += 4096)
        c->data[i] = 0;
    struct chunk *none = NULL;
    if (!atomic_compare_exchange_strong(&a->ready, &none, c))
        free(c);
}

static void *bump(struct vg_arena *a, size_t need);

/*
 * A chunk of at least `need` bytes for `a`: a spare one if it fits; for a
 * child, one carved from the root (big, huge-page chunks); else a new one.
 */
static struct chunk *take_chunk(struct vg_arena *a, size_t need)
{
    struct vg_arena *root = root_of(a);
    struct chunk *c;
    if (need <= CHILD_CHUNK && root->spare) {
        c = root->spare;
        root->spare = c->next;
        return c;
    }
    if (a->parent && need <= CHILD_CHUNK) {
        c = bump(root, sizeof *c + CHILD_CHUNK);
        c->size = CHILD_CHUNK;
        c->carved = 1;
        return c;
    }
    size_t size = a->parent ? need : a->next_size;
    if (size < need || root->spare)
        size = need; /* while spares last, a big request must not start a fresh big chunk */
    else if (!a->parent && a->next_size < HUGE_CHUNK)
        a->next_size *= 2;
    c = size == HUGE_CHUNK && !a->parent ? atomic_exchange(&a->ready, NULL) : NULL;
    if (c)
        return c;
    c = new_chunk(size);
    c->size = size;
    c->carved = 0;
    return c;
}

/* `need` (a multiple of 16) bytes, not zeroed. The free part of the head
 * chunk is a->fast (cur .. end); a chunk behind the head is full. */
static void *bump(struct vg_arena *a, size_t need)
{
    if ((size_t)(a->fast.end - a->fast.cur) < need) {
        struct chunk *c = take_chunk(a, need);
        if (a->head && c->size == need && a->fast.end > a->fast.cur) {
            /* A large block: keep the current chunk at the head for small ones. */
            c->next = a->head->next;
            a->head->next = c;
            return c->data;
        }
        c->next = a->head;
        a->head = c;
        a->fast.cur = c->data;
        a->fast.end = c->data + c->size;
    }
    void *p = a->fast.cur;
    a->fast.cur += need;
    return p;
}

size_t vg_arena_used(const struct vg_arena *a) { return a->fast.total; }

static const unsigned char zero16[16];

/* Every arena allocation is a point where vg_alloc_fail_after can fail the
 * run, not only those that take a new chunk: the tests count and fail them all. */
static int bump_fails(void)
{
    return atomic_load_explicit(&fail_countdown, memory_order_relaxed) != 0 && should_fail();
}

void *vg_alloc(struct vg_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n || bump_fails())
        vg_die_oom();
    void *p = bump(a, need);
    a->fast.total += need;
    if (need && need <= 128) {
        /* Most requests are small nodes (a statement is 112 bytes): fixed-size
         * stores, no memset call (the padding up to `need` is ours to clear). */
        unsigned char *q = p;
        for (size_t i = 0; i < need; i += 16)
            memcpy(q + i, zero16, 16);
    } else {
        memset(p, 0, n);
    }
    return p;
}

void *vg_alloc_array(struct vg_arena *a, size_t n, size_t sz)
{
    if (sz && n > SIZE_MAX / sz)
        vg_die_oom();
    return vg_alloc(a, n * sz);
}

/* Memory whose every byte the caller writes at once: zeroing it first was
 * ~5 % of a large lint. */
static void *alloc_raw(struct vg_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n || bump_fails())
        vg_die_oom();
    void *p = bump(a, need);
    a->fast.total += need;
    return p;
}

void *vg_alloc_uninit_slow(struct vg_arena *a, size_t n) { return alloc_raw(a, n); }

void *vg_alloc_array_uninit(struct vg_arena *a, size_t n, size_t sz)
{
    if (sz && n > SIZE_MAX / sz)
        vg_die_oom();
    return alloc_raw(a, n * sz);
}

void *vg_alloc_copy(struct vg_arena *a, const void *src, size_t n)
{
    void *p = alloc_raw(a, n);
    if (n)
        memcpy(p, src, n);
    return p;
}

char *vg_strndup(struct vg_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        vg_die_oom();
    char *p = alloc_raw(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vg_strdup(struct vg_arena *a, const char *s) { return vg_strndup(a, s, strlen(s)); }

/* Formatted once into a buffer on the stack and copied: a message or a note
 * fits (glibc's vsnprintf costs ~3,000 instructions for one, and a text
 * measured first was formatted twice); a longer text is formatted again
 * into its place. */
char *vg_vsprintf(struct vg_arena *a, const char *fmt, va_list ap)
{
    char buf[320];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(buf, sizeof buf, fmt, ap2);
    va_end(ap2);
    if (n < 0) { /* an encoding error: an empty text */
        n = 0;
        buf[0] = '\0';
    }
    char *p = vg_alloc_array_uninit(a, (size_t)n + 1, 1);
    if ((size_t)n < sizeof buf)
        memcpy(p, buf, (size_t)n + 1);
    else
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *vg_sprintf(struct vg_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vg_vsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void vg_grow(struct vg_arena *a, void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    if (elem && ncap > SIZE_MAX / elem)
        vg_die_oom();
    /* the old elements are copied, only the new tail is zeroed */
    size_t keep = *v ? *cap * elem : 0;
    char *nv = alloc_raw(a, ncap * elem);
    if (keep)
        memcpy(nv, *v, keep);
    memset(nv + keep, 0, ncap * elem - keep);
    *v = nv;
    *cap = ncap;
}
