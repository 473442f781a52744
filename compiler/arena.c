/*
 * arena.c - bump allocator in growing chunks, plus the checked malloc wrappers.
 *
 * Chunks double up to 1 MiB and then stay at that size; a request larger than a
 * chunk gets a chunk of its own. Nothing is freed individually.
 */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

struct vg_arena {
    struct chunk *head;
    size_t next_size;
    size_t total;
};

static unsigned long fail_countdown;

void vg_alloc_fail_after(unsigned long n) { fail_countdown = n; }

static int should_fail(void)
{
    if (fail_countdown == 0)
        return 0;
    return --fail_countdown == 0;
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

struct vg_arena *vg_arena_new(void)
{
    struct vg_arena *a = vg_xcalloc(1, sizeof *a);
    a->next_size = 16 * 1024;
    return a;
}

void vg_arena_free(struct vg_arena *a)
{
    if (!a)
        return;
    for (struct chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

size_t vg_arena_used(const struct vg_arena *a) { return a->total; }

void *vg_alloc(struct vg_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        vg_die_oom();
    struct chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = a->next_size;
        if (size < need)
            size = need;
        else if (a->next_size < (1u << 20))
            a->next_size *= 2;
        c = vg_xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        if (a->head && size == need && a->head->size - a->head->used > 0) {
            /* A large block: keep the current chunk at the head for small ones. */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

void *vg_alloc_array(struct vg_arena *a, size_t n, size_t sz)
{
    if (sz && n > SIZE_MAX / sz)
        vg_die_oom();
    return vg_alloc(a, n * sz);
}

char *vg_strndup(struct vg_arena *a, const char *s, size_t n)
{
    char *p = vg_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vg_strdup(struct vg_arena *a, const char *s) { return vg_strndup(a, s, strlen(s)); }

char *vg_vsprintf(struct vg_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *p = vg_alloc(a, (size_t)n + 1);
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
    void *nv = vg_alloc_array(a, ncap, elem);
    if (*v && *cap)
        memcpy(nv, *v, *cap * elem);
    *v = nv;
    *cap = ncap;
}
