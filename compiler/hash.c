/*
 * hash.c - FNV-1a hashing, linear probing, load factor kept under 1/2.
 */
#include "hash.h"

#include <string.h>

_Thread_local unsigned long long vg_hash_probes;

uint64_t vg_hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

void vg_hash_init(struct vg_hash *m, struct vg_arena *a)
{
    memset(m, 0, sizeof *m);
    m->arena = a;
}

static struct vg_hash_slot *find(const struct vg_hash *m, const char *key, size_t klen, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        vg_hash_probes++;
        struct vg_hash_slot *s = &m->slots[i];
        if (!s->key || (s->h == h && s->klen == klen && memcmp(s->key, key, klen) == 0))
            return s;
    }
}

static void rehash(struct vg_hash *m, size_t ncap)
{
    struct vg_hash_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = vg_alloc_array(m->arena, ncap, sizeof *m->slots);
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key)
            *find(m, old[i].key, old[i].klen, old[i].h) = old[i];
}

static void grow(struct vg_hash *m) { rehash(m, m->cap ? m->cap * 2 : 16); }

void vg_hash_reserve(struct vg_hash *m, size_t n)
{
    size_t ncap = m->cap ? m->cap : 16;
    while ((m->n + n + 1) * 2 > ncap) /* the load bound of slot_for */
        ncap *= 2;
    if (ncap != m->cap)
        rehash(m, ncap);
}

void *vg_hash_getn(const struct vg_hash *m, const char *key, size_t klen)
{
    if (!m->cap)
        return NULL;
    struct vg_hash_slot *s = find(m, key, klen, vg_hash_bytes(key, klen));
    return s->key ? s->val : NULL;
}

void *vg_hash_get(const struct vg_hash *m, const char *key) { return vg_hash_getn(m, key, strlen(key)); }

static struct vg_hash_slot *slot_for(struct vg_hash *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap)
        grow(m);
    size_t klen = strlen(key);
    uint64_t h = vg_hash_bytes(key, klen);
    struct vg_hash_slot *s = find(m, key, klen, h);
    if (!s->key) {
        s->key = key;
        s->klen = klen;
        s->h = h;
        s->val = NULL;
        m->n++;
    }
    return s;
}

void *vg_hash_put(struct vg_hash *m, const char *key, void *val)
{
    struct vg_hash_slot *s = slot_for(m, key);
    if (s->val)
        return s->val;
    s->val = val;
    return NULL;
}

void vg_hash_set(struct vg_hash *m, const char *key, void *val) { slot_for(m, key)->val = val; }
