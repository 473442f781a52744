/*
 * test_hash.c - the name maps (hash.c): keyed, so chosen names do not
 * collide, and names compared as the platforms compare them.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

/* FNV-1a, the unkeyed hash vgpuc used before issue 13. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

/*
 * 2000 names chosen, as an attacker with the source could, so that FNV-1a
 * puts them all in slot 0 of a table of 4096: with it every insertion scans
 * the run of the ones before (n^2/2 = 2 million probes). Keyed, the same
 * names cost about two probes each.
 */
static void test_chosen_names_do_not_collide(void **state)
{
    (void)state;
    enum { N = 2000, MASK = 4095 };
    struct vg_arena *a = vg_arena_new();
    char **names = malloc(N * sizeof *names);
    size_t n = 0;
    char buf[32];
    for (unsigned long i = 0; n < N; i++) {
        snprintf(buf, sizeof buf, "vm-%08lx", i);
        if ((fnv1a(buf) & MASK) == 0)
            names[n++] = vg_strdup(a, buf);
    }
    struct vg_hash h;
    vg_hash_init(&h, a);
    vg_hash_reserve(&h, N); /* 4096 slots, as the model reserves them */
    unsigned long long p0 = vg_hash_probes;
    for (size_t i = 0; i < N; i++)
        assert_null(vg_hash_put(&h, names[i], names[i]));
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal(vg_hash_get(&h, names[i]), names[i]);
    unsigned long long probes = vg_hash_probes - p0;
    assert_true(probes < 10ull * 2 * N);
    free(names);
    vg_arena_free(a);
}

static void test_names_without_case(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new();
    struct vg_hash vms, hosts, exact;
    vg_hash_init_names(&vms, a, VG_HASH_NOCASE);
    vg_hash_init_names(&hosts, a, VG_HASH_HOSTNAME);
    vg_hash_init(&exact, a);
    int x, y;
    assert_null(vg_hash_put(&vms, "CAD-01", &x));
    assert_ptr_equal(vg_hash_put(&vms, "cad-01", &y), &x);
    assert_null(vg_hash_put(&vms, "cad-01.", &y)); /* a VM name keeps its dot */
    assert_null(vg_hash_put(&hosts, "hv01.", &x));
    assert_ptr_equal(vg_hash_get(&hosts, "HV01"), &x);
    assert_ptr_equal(vg_hash_get(&hosts, "hv01."), &x);
    assert_null(vg_hash_get(&hosts, "hv01.."));
    assert_null(vg_hash_get(&hosts, "hv0"));
    assert_null(vg_hash_put(&exact, "A", &x));
    assert_null(vg_hash_put(&exact, "a", &y));
    assert_null(vg_hash_put(&vms, "\xc3\x84", &x)); /* only ASCII letters fold */
    assert_null(vg_hash_put(&vms, "\xc3\xa4", &y));
    vg_arena_free(a);
}

/* vg_hash_key_cmp agrees with the map: 0 exactly when the map takes two keys
 * for one, and an order (antisymmetric, a shorter prefix first) otherwise,
 * over every pair of a list of names that differ in case, a dot, bytes >= 0x80
 * and length. */
static void test_key_order_agrees_with_the_map(void **state)
{
    (void)state;
    static const char *const names[] = {"",         "a",    "A",     "a.",     "ab",     "AB",
                                        "aB.",      "b",    "vm-09", "VM-10",  "vm-10.", "\xc3\x84",
                                        "\xc3\xa4", "hv01", "HV01.", "hv01..", "zz",     "Z"};
    static const int folds[] = {0, VG_HASH_NOCASE, VG_HASH_HOSTNAME};
    size_t n = sizeof names / sizeof names[0];
    for (size_t f = 0; f < 3; f++) {
        struct vg_arena *a = vg_arena_new();
        struct vg_hash m;
        vg_hash_init_names(&m, a, folds[f]);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                int c = vg_hash_key_cmp(&m, names[i], names[j]), r = vg_hash_key_cmp(&m, names[j], names[i]);
                assert_int_equal(c<0, r> 0); /* antisymmetric */
                assert_int_equal(c == 0, r == 0);
                struct vg_hash one; /* the map's own answer: does j find i's entry? */
                vg_hash_init_names(&one, a, folds[f]);
                int x;
                vg_hash_put(&one, names[i], &x);
                assert_int_equal(c == 0, vg_hash_get(&one, names[j]) == &x);
            }
        struct vg_hash nc;
        vg_hash_init_names(&nc, a, VG_HASH_NOCASE);
        assert_true(vg_hash_key_cmp(&nc, "vm-09", "VM-10") < 0); /* folded, not bytes ('V' < 'v') */
        assert_true(vg_hash_key_cmp(&nc, "ab", "abc") < 0);
        vg_arena_free(a);
    }
}

/* The fold of eight bytes at once (hash.c) must be the fold of each byte:
 * every byte value, in every position of the word. */
static void test_fold_word_is_bytewise(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        unsigned char want = c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : (unsigned char)c;
        for (int pos = 0; pos < 8; pos++) {
            /* the other bytes: a letter, a non-letter next to the letters, a UTF-8 byte */
            uint64_t w = 0x5a40c35b7a605b41ull, fw = vg_hash_fold_word(0x5a40c35b7a605b41ull);
            w = (w & ~(0xffull << (8 * pos))) | ((uint64_t)c << (8 * pos));
            uint64_t got = vg_hash_fold_word(w);
            assert_int_equal((got >> (8 * pos)) & 0xff, want);
            assert_int_equal(got & ~(0xffull << (8 * pos)), fw & ~(0xffull << (8 * pos)));
        }
    }
    assert_int_equal(vg_hash_fold_word(0x5a40c35b7a605b41ull), 0x7a40c35b7a605b61ull);
}

/* Names of every length up to 24, differing only in the case of one letter
 * anywhere (a full word or the last bytes), are one key; differing in any
 * other byte, not. */
static void test_names_without_case_any_length(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new();
    for (size_t len = 1; len <= 24; len++) {
        for (size_t at = 0; at < len; at++) {
            struct vg_hash m;
            vg_hash_init_names(&m, a, VG_HASH_NOCASE);
            char *lower = vg_alloc(a, len + 1), *upper = vg_alloc(a, len + 1), *other = vg_alloc(a, len + 1);
            for (size_t i = 0; i < len; i++)
                lower[i] = (char)('a' + (i * 7) % 26);
            memcpy(upper, lower, len + 1);
            memcpy(other, lower, len + 1);
            upper[at] = (char)(upper[at] - 32);
            other[at] = (char)(other[at] == 'a' ? '`' : other[at] - 33); /* not a case variant */
            int x, y;
            assert_null(vg_hash_put(&m, lower, &x));
            assert_ptr_equal(vg_hash_get(&m, upper), &x);
            assert_null(vg_hash_get(&m, other));
            assert_null(vg_hash_put(&m, other, &y));
        }
    }
    vg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chosen_names_do_not_collide),   cmocka_unit_test(test_names_without_case),
        cmocka_unit_test(test_fold_word_is_bytewise),         cmocka_unit_test(test_names_without_case_any_length),
        cmocka_unit_test(test_key_order_agrees_with_the_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
