/*
 * hash.c - keyed hashing (SipHash-1-3 with a per-process random key), linear
 * probing, load factor kept under 1/2; optionally names compared as the
 * platforms compare them.
 *
 * The key makes the slot of a name unpredictable to whoever writes the input:
 * with an unkeyed hash (FNV-1a before issue 13) a file of chosen names could
 * put them all in one run of slots and make every insertion scan the run,
 * quadratic time. Nothing iterates a table in slot order to produce output,
 * so the random key never changes what vgpuc prints.
 */
#define _DEFAULT_SOURCE /* getrandom */

#include "base/hash.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

_Thread_local unsigned long long vg_hash_probes;

static uint64_t key0, key1;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void make_key(void)
{
    uint64_t k[2] = {0, 0};
    ssize_t got = getrandom(k, sizeof k, GRND_NONBLOCK);
    if (got != (ssize_t)sizeof k) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, k, sizeof k) != (ssize_t)sizeof k) {
            struct timespec ts; /* no entropy source: still differs per run */
            clock_gettime(CLOCK_REALTIME, &ts);
            k[0] ^= (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
            k[1] ^= (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&k;
        }
        if (fd >= 0)
            close(fd);
    }
    key0 = k[0];
    key1 = k[1];
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
/* the four rounds, laid out as in SipHash's reference */
/* clang-format off */
#define SIPROUND                                                                                                  \
    do {                                                                                                          \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                                 \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                                    \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                                    \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                                 \
    } while (0)
/* clang-format on */

static inline unsigned char fold_byte(unsigned char c, int fold)
{
    return fold && c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* The bytes that count: a trailing dot of a host name does not. */
static inline size_t key_len(const char *s, size_t n, int fold)
{
    return fold == VG_HASH_HOSTNAME && n > 1 && s[n - 1] == '.' ? n - 1 : n;
}

/* Eight bytes as one little-endian word; `n` < 8 bytes: the rest zero. */
static inline uint64_t load_word(const unsigned char *s, size_t n)
{
    uint64_t m = 0;
    if (n >= 8) {
        memcpy(&m, s, 8);
    } else {
        for (size_t b = 0; b < n; b++)
            m |= (uint64_t)s[b] << (8 * b);
        return m;
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    m = __builtin_bswap64(m);
#endif
    return m;
}

/* The eight bytes of a word with ASCII letters lowered, all at once: a byte
 * is an upper-case letter when it is below 0x80 and 'A' <= b <= 'Z'; its bit
 * 0x20 is then set. Bytes >= 0x80 (UTF-8) are left alone, as fold_byte
 * leaves them. */
uint64_t vg_hash_fold_word(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t low7 = w & ~high;                      /* each byte's low seven bits */
    uint64_t ge_a = low7 + ones * (0x80 - 'A');     /* bit 7 set: low7 >= 'A' */
    uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1); /* bit 7 set: low7 > 'Z' */
    uint64_t upper = (ge_a & ~gt_z) & ~w & high;    /* and the byte itself below 0x80 */
    return w | (upper >> 2);
}

/* SipHash-1-3 of s[0..n), ASCII letters lowered when fold is set (eight
 * bytes per step: a name costs two or three rounds, not a loop per byte). */
static uint64_t siphash(const unsigned char *s, size_t n, int fold)
{
    pthread_once(&key_once, make_key);
    uint64_t v0 = 0x736f6d6570736575ull ^ key0, v1 = 0x646f72616e646f6dull ^ key1;
    uint64_t v2 = 0x6c7967656e657261ull ^ key0, v3 = 0x7465646279746573ull ^ key1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t m = load_word(s + i, 8);
        if (fold)
            m = vg_hash_fold_word(m);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    /* the last n - i (< 8) bytes: from the word that ends the name when there
     * is one (no loop per byte), else byte by byte */
    uint64_t m = n >= 8 && i < n ? load_word(s + n - 8, 8) >> (8 * (8 - (n - i))) : load_word(s + i, n - i);
    if (fold)
        m = vg_hash_fold_word(m);
    m |= (uint64_t)n << 56;
    v3 ^= m;
    SIPROUND;
    v0 ^= m;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    uint64_t h = v0 ^ v1 ^ v2 ^ v3;
    return h ? h : 1;
}

uint64_t vg_hash_bytes(const char *s, size_t n) { return siphash((const unsigned char *)s, n, 0); }

void vg_hash_init(struct vg_hash *m, struct vg_arena *a)
{
    memset(m, 0, sizeof *m);
    m->arena = a;
}

void vg_hash_init_names(struct vg_hash *m, struct vg_arena *a, int fold)
{
    vg_hash_init(m, a);
    m->fold = fold;
}

static int same_key(const char *a, const char *b, size_t n, int fold)
{
    if (!fold)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (fold_byte((unsigned char)a[i], 1) != fold_byte((unsigned char)b[i], 1))
            return 0;
    return 1;
}

/* klen: the length that counts (key_len) */
static struct vg_hash_slot *find(const struct vg_hash *m, const char *key, size_t klen, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        vg_hash_probes++;
        struct vg_hash_slot *s = &m->slots[i];
        if (!s->key || (s->h == h && s->klen == klen && same_key(s->key, key, klen, m->fold)))
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
    klen = key_len(key, klen, m->fold);
    struct vg_hash_slot *s = find(m, key, klen, siphash((const unsigned char *)key, klen, m->fold));
    return s->key ? s->val : NULL;
}

void *vg_hash_get(const struct vg_hash *m, const char *key) { return vg_hash_getn(m, key, strlen(key)); }

static struct vg_hash_slot *slot_for(struct vg_hash *m, const char *key)
{
    if ((m->n + 1) * 2 > m->cap)
        grow(m);
    size_t klen = key_len(key, strlen(key), m->fold);
    uint64_t h = siphash((const unsigned char *)key, klen, m->fold);
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

int vg_hash_key_cmp(const struct vg_hash *m, const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    if (m->fold != VG_HASH_HOSTNAME) { /* to the first byte that differs folded, the ends included */
        for (;; x++, y++) {
            if (*x == *y) { /* the usual case: no folding */
                if (!*x)
                    return 0;
                continue;
            }
            unsigned char p = fold_byte(*x, m->fold), q = fold_byte(*y, m->fold);
            if (p != q)
                return p < q ? -1 : 1;
        }
    }
    size_t nx = key_len(a, strlen(a), m->fold), ny = key_len(b, strlen(b), m->fold);
    for (size_t i = 0; i < nx && i < ny; i++) {
        unsigned char p = fold_byte(x[i], 1), q = fold_byte(y[i], 1);
        if (p != q)
            return p < q ? -1 : 1;
    }
    return nx < ny ? -1 : nx > ny;
}
