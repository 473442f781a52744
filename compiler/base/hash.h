/*
 * hash.h - an open-addressing string -> pointer map (arena-backed), keyed.
 *
 * Used wherever names are looked up (hosts, VMs, catalog entries), so that no
 * lookup is a linear scan and no step of the compiler is quadratic.
 */
#ifndef VG_HASH_H
#define VG_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

struct vg_hash_slot {
    const char *key; /* NULL = empty; the key is not copied */
    size_t klen;
    uint64_t h;
    void *val;
};

struct vg_hash {
    struct vg_arena *arena;
    struct vg_hash_slot *slots;
    size_t cap, n;
    int fold; /* 0: bytes; VG_HASH_NOCASE, VG_HASH_HOSTNAME: see below */
};

/* How names compare, as the platforms compare them: Windows and vSphere do
 * not tell `HV01` from `hv01`, and a DNS name may end in a dot. */
enum { VG_HASH_NOCASE = 1, VG_HASH_HOSTNAME = 2 /* no case, one trailing dot ignored */ };

/* A keyed hash (SipHash-1-3, random key per process): inputs cannot choose colliding names. */
uint64_t vg_hash_bytes(const char *s, size_t n);
/* Eight bytes (a little-endian word) with their ASCII letters lowered, as the
 * name maps fold them before hashing; other bytes unchanged. */
uint64_t vg_hash_fold_word(uint64_t w);
void vg_hash_init(struct vg_hash *m, struct vg_arena *a);
/* A map whose keys are names compared with `fold` (ASCII letters without case). */
void vg_hash_init_names(struct vg_hash *m, struct vg_arena *a, int fold);
void *vg_hash_get(const struct vg_hash *m, const char *key);
void *vg_hash_getn(const struct vg_hash *m, const char *key, size_t klen);
/* Insert; if the key exists, return its old value and keep it (no replace). */
void *vg_hash_put(struct vg_hash *m, const char *key, void *val);
/* Make room for n more keys at once (no table doubling, and no old tables
 * left in the arena, while they are inserted). */
void vg_hash_reserve(struct vg_hash *m, size_t n);
/* Insert or replace. */
void vg_hash_set(struct vg_hash *m, const char *key, void *val);
/* Two keys in an order that agrees with the map's comparison: 0 when the map
 * takes them for one key, else < 0 or > 0 (bytes, folded as the map folds
 * them). Keys that come in strictly increasing order cannot repeat, which a
 * caller can check without a table. */
int vg_hash_key_cmp(const struct vg_hash *m, const char *a, const char *b);
/* Probe counter for the linearity test (issue 7), per thread: a large plan
 * also runs on a second thread (plan.c). */
extern _Thread_local unsigned long long vg_hash_probes;

#endif
