/*
 * test_range.c - `[lo..hi]` name ranges: splitting, zero padding, naming,
 * every malformed form with the place of its error, and the size limit.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "core/vg_limits.h"
#include "model/range.h"

static int parse_word(const char *w, struct vg_range *r, const char **err, size_t *es, size_t *ee)
{
    return vg_range_parse(w, strlen(w), r, err, es, ee);
}

static void test_no_range(void **state)
{
    (void)state;
    struct vg_range r;
    const char *err;
    size_t es, ee;
    assert_int_equal(parse_word("hci-node-01", &r, &err, &es, &ee), 0);
    assert_null(err);
    assert_int_equal(parse_word("", &r, &err, &es, &ee), 0);
}

static void test_padded_range(void **state)
{
    (void)state;
    struct vg_range r;
    const char *err;
    size_t es, ee;
    assert_int_equal(parse_word("vdi-[001..120]", &r, &err, &es, &ee), 1);
    assert_int_equal(r.prefix_len, 4);
    assert_memory_equal(r.prefix, "vdi-", 4);
    assert_int_equal(r.suffix_len, 0);
    assert_int_equal(r.lo, 1);
    assert_int_equal(r.hi, 120);
    assert_int_equal(r.width, 3);
    char buf[32];
    assert_int_equal(vg_range_name(&r, 5, buf, sizeof buf), 7);
    assert_string_equal(buf, "vdi-005");
    vg_range_name(&r, 120, buf, sizeof buf);
    assert_string_equal(buf, "vdi-120");
}

static void test_unpadded_range_with_suffix(void **state)
{
    (void)state;
    struct vg_range r;
    const char *err;
    size_t es, ee;
    assert_int_equal(parse_word("h[1..120].lab", &r, &err, &es, &ee), 1);
    assert_int_equal(r.width, 1);
    assert_int_equal(r.suffix_len, 4);
    char buf[32];
    vg_range_name(&r, 7, buf, sizeof buf);
    assert_string_equal(buf, "h7.lab");
    vg_range_name(&r, 120, buf, sizeof buf);
    assert_string_equal(buf, "h120.lab");
    /* a width below the number of digits never truncates */
    assert_int_equal(parse_word("[09..10]", &r, &err, &es, &ee), 1);
    assert_int_equal(r.prefix_len, 0);
    vg_range_name(&r, 9, buf, sizeof buf);
    assert_string_equal(buf, "09");
    vg_range_name(&r, 10, buf, sizeof buf);
    assert_string_equal(buf, "10");
    /* one name */
    assert_int_equal(parse_word("x[3..3]", &r, &err, &es, &ee), 1);
    assert_int_equal(r.hi - r.lo, 0);
}

static void test_name_truncates_to_buffer(void **state)
{
    (void)state;
    struct vg_range r;
    const char *err;
    size_t es, ee;
    assert_int_equal(parse_word("node-[0001..0002]", &r, &err, &es, &ee), 1);
    char buf[6];
    assert_int_equal(vg_range_name(&r, 2, buf, sizeof buf), 5);
    assert_string_equal(buf, "node-");
}

struct bad_case {
    const char *word;
    const char *msg;   /* part of the message */
    size_t start, end; /* the bad part */
};

static void test_malformed_ranges(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"v[5..1]", "greater than its last", 1, 7},
        {"a[1..2]b[3..4]", "only one", 8, 14},
        {"a[1..2]b]", "only one", 8, 9},
        {"v[a..3]", "digits only", 2, 3},
        {"v[1..3x]", "digits only", 6, 7},
        {"v[..3]", "bound is missing", 2, 3},
        {"v[1..]", "bound is missing", 5, 6},
        {"v[1-3]", "two bounds", 1, 6},
        {"v[]", "two bounds", 1, 3},
        {"v[1..3", "unclosed `[`", 1, 2},
        {"v]1", "without a `[`", 1, 2},
        {"v]1[1..2]", "without a `[`", 1, 2},
        {"v[1..1234567890123456789]", "more than 18 digits", 5, 6},
        {"v[1..99999999999]", "more than 100000 names", 1, 17},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_range r;
        const char *err = NULL;
        size_t es = 99, ee = 99;
        int rc = parse_word(cases[i].word, &r, &err, &es, &ee);
        if (rc != -1 || !err || !strstr(err, cases[i].msg) || es != cases[i].start || ee != cases[i].end) {
            fprintf(stderr, "%s: rc %d, err %s, [%zu,%zu)\n", cases[i].word, rc, err ? err : "(none)", es, ee);
            fail();
        }
    }
}

static void test_size_limit(void **state)
{
    (void)state;
    struct vg_range r;
    const char *err;
    size_t es, ee;
    char w[64];
    snprintf(w, sizeof w, "vm-[1..%u]", VG_MAX_RANGE_NAMES);
    assert_int_equal(parse_word(w, &r, &err, &es, &ee), 1);
    assert_int_equal(r.hi - r.lo + 1, VG_MAX_RANGE_NAMES);
    snprintf(w, sizeof w, "vm-[0..%u]", VG_MAX_RANGE_NAMES);
    assert_int_equal(parse_word(w, &r, &err, &es, &ee), -1);
    assert_non_null(strstr(err, "more than"));
    /* huge bounds far apart: rejected without looping */
    assert_int_equal(parse_word("x[100000000000000000..999999999999999999]", &r, &err, &es, &ee), -1);
    assert_int_equal(parse_word("x[999999999999999990..999999999999999999]", &r, &err, &es, &ee), 1);
    char buf[64];
    vg_range_name(&r, r.hi, buf, sizeof buf);
    assert_string_equal(buf, "x999999999999999999");
}

/* vg_range_name spells a name as snprintf("%.*s%0*llu%.*s") does, at every
 * buffer size (truncation and the NUL included), for padded and unpadded
 * bounds, suffixes and the widest bound. */
static void test_name_as_printf_writes_it(void **state)
{
    (void)state;
    static const char *const words[] = {"vdi-[001..120]", "h[1..20].lab", "[999999999999900000..999999999999999999]",
                                        "x[7..7]y", "a-[000000000000000001..000000000000000003]-z"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        struct vg_range r;
        const char *err;
        size_t es, ee;
        assert_int_equal(parse_word(words[w], &r, &err, &es, &ee), 1);
        uint64_t probes[] = {r.lo, r.lo + (r.hi - r.lo) / 2, r.hi};
        for (size_t k = 0; k < 3; k++) {
            for (size_t size = 0; size <= 64; size++) {
                char got[64], want[64];
                memset(got, '#', sizeof got);
                memset(want, '#', sizeof want);
                int n = snprintf(want, size, "%.*s%0*llu%.*s", (int)r.prefix_len, r.prefix, (int)r.width,
                                 (unsigned long long)probes[k], (int)r.suffix_len, r.suffix);
                size_t ret = vg_range_name(&r, probes[k], got, size);
                assert_int_equal(ret, (size_t)n < size ? (size_t)n : (size ? size - 1 : 0));
                assert_memory_equal(got, want, sizeof got);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_range),
        cmocka_unit_test(test_padded_range),
        cmocka_unit_test(test_unpadded_range_with_suffix),
        cmocka_unit_test(test_name_truncates_to_buffer),
        cmocka_unit_test(test_malformed_ranges),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_name_as_printf_writes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
