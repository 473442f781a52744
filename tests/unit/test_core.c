/*
 * test_core.c - the small shared modules: arena, strbuf, hash, suggest, and
 * the line/column arithmetic of source.c.
 */
#include "unit.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arena.h"
#include "core/ctx.h"
#include "core/vg_limits.h"
#include "base/hash.h"
#include "core/source.h"
#include "base/utf8.h"
#include "base/strbuf.h"
#include "base/suggest.h"

static void test_arena_zeroed_aligned_and_large(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new();
    unsigned char *p = vg_alloc(a, 33);
    for (int i = 0; i < 33; i++)
        assert_int_equal(p[i], 0);
    assert_int_equal((uintptr_t)p % 16, 0);
    /* A block larger than any chunk gets its own, and small ones keep working. */
    unsigned char *big = vg_alloc(a, 8u << 20);
    big[(8u << 20) - 1] = 7;
    char *s = vg_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(vg_sprintf(a, "%s-%03d", "vdi", 7), "vdi-007");
    assert_true(vg_arena_used(a) >= (8u << 20) + 48);
    vg_arena_free(a);
}

static void test_arena_grow_keeps_contents(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new();
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 10000; i++)
        VG_PUSH(a, v, n, cap, i * 3);
    assert_int_equal(n, 10000);
    assert_true(cap >= n);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(v[i], i * 3);
    vg_arena_free(a);
}

/* vg_alloc_uninit (inline while the chunk has room): 16-byte aligned blocks
 * that do not overlap, across chunk ends and around a block too large for
 * any chunk, counted by vg_arena_used; and with vg_alloc_fail_after armed
 * every call is a failure point (exit 2), as for the other allocations. */
static void test_arena_uninit_fast_path(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new();
    enum { N = 3000 };
    static unsigned char *blk[N];
    static size_t len[N];
    size_t want = 0;
    for (size_t i = 0; i < N; i++) {
        len[i] = i == 1500 ? (size_t)9 << 20 : 1 + (i * 37) % 300;
        blk[i] = vg_alloc_uninit(a, len[i]);
        assert_int_equal((uintptr_t)blk[i] % 16, 0);
        memset(blk[i], (int)(i % 251), len[i]);
        want += (len[i] + 15) & ~(size_t)15;
    }
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(blk[i][0], i % 251);
        assert_int_equal(blk[i][len[i] - 1], i % 251);
    }
    assert_int_equal(vg_arena_used(a), want);
    vg_arena_free(a);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        struct vg_arena *b = vg_arena_new();
        (void)vg_alloc_uninit(b, 16); /* a chunk with room for the next two */
        vg_alloc_fail_after(2);
        (void)vg_alloc_uninit(b, 16);
        (void)vg_alloc_uninit(b, 16); /* the second from now: fails */
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 2);
}

static void *prepare_often(void *arg)
{
    for (int i = 0; i < 200; i++)
        vg_arena_prepare(arg);
    return NULL;
}

/* vg_arena_prepare from another thread while the arena is in use (the
 * scanner does that, scan.c): every allocation stays zeroed and intact, and
 * a child arena is left alone. TSan (make check-tsan) watches the races. */
static void test_arena_prepared_by_another_thread(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new();
    struct vg_arena *child = vg_arena_new_child(a);
    vg_arena_prepare(child); /* nothing for a child */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, prepare_often, a), 0);
    unsigned char *blocks[64];
    for (size_t i = 0; i < 64; i++) { /* 64 x 1 MiB: many 4 MiB chunks */
        blocks[i] = vg_alloc(a, (size_t)1 << 20);
        for (size_t k = 0; k < ((size_t)1 << 20); k += 4093)
            assert_int_equal(blocks[i][k], 0);
        memset(blocks[i], (int)i + 1, (size_t)1 << 20);
        unsigned char *small = vg_alloc(child, 100);
        assert_int_equal(small[99], 0);
    }
    pthread_join(t, NULL);
    vg_arena_prepare(a);
    vg_arena_prepare(a); /* one kept ready at most; freed with the arena */
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(blocks[i][i * 1000], (unsigned char)(i + 1));
    vg_arena_free(a);
}

/* A big arena (a second thread's, vg_arena_new_big) hands out its first
 * megabytes from one chunk: 3 MiB of small allocations are back to back,
 * where an arena growing from 16 KB moves to a new chunk several times; an
 * arena told to grow big (vg_arena_grow_big) moves once, to a big chunk.
 * They are zeroed and keep their contents as any arena's. */
static size_t chunk_moves(struct vg_arena *a)
{
    size_t moves = 0;
    unsigned char *prev = NULL;
    for (size_t i = 0; i < ((size_t)3 << 20) / 48; i++) { /* 3 MiB of 48 bytes */
        unsigned char *p = vg_alloc(a, 48);
        assert_int_equal(p[47], 0);
        memset(p, (int)(i & 0xff), 48);
        moves += prev && p != prev + 48;
        prev = p;
    }
    return moves;
}

static void test_arena_big_starts_big(void **state)
{
    (void)state;
    struct vg_arena *big = vg_arena_new_big(), *small = vg_arena_new();
    assert_int_equal(chunk_moves(big), 0);
    assert_true(chunk_moves(small) >= 5); /* 16 KB, 32 KB, ... 2 MB */
    assert_int_equal(vg_arena_used(big), (size_t)3 << 20);
    struct vg_arena *grown = vg_arena_new();
    unsigned char *first = vg_alloc(grown, 4000);
    memset(first, 7, 4000);
    vg_arena_grow_big(grown);
    assert_int_equal(chunk_moves(grown), 1); /* out of the 16 KB chunk, once */
    assert_int_equal(first[3999], 7);
    vg_arena_free(grown);
    struct vg_arena *child = vg_arena_new_child(big); /* its children carve from it as from any root */
    unsigned char *c = vg_alloc(child, 100);
    assert_int_equal(c[99], 0);
    vg_arena_free(small);
    vg_arena_free(big);
}

static void test_strbuf_json_escaping(void **state)
{
    (void)state;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    assert_string_equal(vg_sb_str(&sb), "");
    vg_sb_json_str(&sb, "a\"b\\c\nd\te\x01 \xE2\x80\x98q\xE2\x80\x99");
    assert_string_equal(vg_sb_str(&sb), "\"a\\\"b\\\\c\\nd\\te\\u0001 \xE2\x80\x98q\xE2\x80\x99\"");
    vg_sb_free(&sb);
    vg_sb_printf(&sb, "%d %s", 42, "x");
    vg_sb_putc(&sb, '!');
    assert_string_equal(vg_sb_str(&sb), "42 x!");
    assert_int_equal(sb.len, 5);
    vg_sb_free(&sb);
}

/* The plain path of vg_sb_json_str (nothing to escape: one reserve and one
 * copy) across the buffer's growth, next to strings it must not take. */
static void test_strbuf_json_plain_path(void **state)
{
    (void)state;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    char want[8192], word[64];
    size_t wl = 0;
    for (size_t i = 0; i < 300; i++) {
        size_t n = i % 40;
        for (size_t j = 0; j < n; j++)
            word[j] = (char)('a' + (i + j) % 26);
        word[n] = 0;
        vg_sb_json_str(&sb, word);
        want[wl++] = '"';
        memcpy(want + wl, word, n);
        wl += n;
        want[wl++] = '"';
        want[wl] = 0;
        assert_int_equal(sb.len, wl);
    }
    assert_string_equal(vg_sb_str(&sb), want);
    vg_sb_free(&sb);
    vg_sb_json_str(&sb, "vdi\x7f");
    vg_sb_json_str(&sb, "");
    vg_sb_json_str(&sb, NULL);
    vg_sb_json_str(&sb, "h\"");
    assert_string_equal(vg_sb_str(&sb), "\"vdi\\u007f\"\"\"\"\"\"h\\\"\"");
    vg_sb_free(&sb);
    vg_sb_reserve(&sb, 10); /* room then written by the caller */
    memcpy(sb.data + sb.len, "0123456789", 10);
    sb.len += 10;
    sb.data[sb.len] = 0;
    assert_string_equal(vg_sb_str(&sb), "0123456789");
    vg_sb_free(&sb);
}

/* vg_sb_put_u writes what printf's %llu writes. */
static void test_strbuf_put_u(void **state)
{
    (void)state;
    static const unsigned long long v[] = {0, 1, 9, 10, 99, 100, 4294967295ull, 4294967296ull, 18446744073709551615ull};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        char want[32];
        snprintf(want, sizeof want, "%llu", v[i]);
        vg_sb_put_u(&sb, v[i]);
        assert_string_equal(vg_sb_str(&sb), want);
        vg_sb_free(&sb);
    }
}

/* The one-scan path of vg_sb_json_inert (printable ASCII) and the strings it
 * must leave to the inert and escaping paths. */
static void test_strbuf_json_inert_paths(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"vdi-0001", "\"vdi-0001\""},
        {"", "\"\""},
        {"a b~", "\"a b~\""},
        {"x ##vso[y", "\"x #\\\\x23vso[y\""}, /* the inert form, then JSON-escaped */
        {"#1", "\"#1\""},
        {"q\"", "\"q\\\"\""},
        {"b\\", "\"b\\\\\""},
        {"t\x7f", "\"t\\\\x7F\""},
        {"\xc3\xa4", "\"\xc3\xa4\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        vg_sb_json_inert(&sb, cases[i][0]);
        assert_string_equal(vg_sb_str(&sb), cases[i][1]);
        vg_sb_free(&sb);
    }
}

static void test_atomic_write_replaces_or_leaves_untouched(void **state)
{
    (void)state;
    char dir[] = "/tmp/vgpuc-core-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], buf[32] = {0};
    snprintf(path, sizeof path, "%s/out.ps1", dir);
    assert_int_equal(vg_write_file_atomic(path, "first", 5), 0);
    assert_int_equal(vg_write_file_atomic(path, "second", 6), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 6);
    fclose(f);
    assert_string_equal(buf, "second");
    /* A folder that does not exist: -1, and nothing is created. */
    char bad[96];
    snprintf(bad, sizeof bad, "%s/missing/out.ps1", dir);
    assert_int_equal(vg_write_file_atomic(bad, "x", 1), -1);
    struct stat st;
    assert_int_not_equal(stat(bad, &st), 0);
    unlink(path);
    rmdir(dir);
}

static void test_hash_put_get_set_and_growth(void **state)
{
    (void)state;
    struct vg_arena *a = vg_arena_new();
    struct vg_hash m;
    vg_hash_init(&m, a);
    assert_null(vg_hash_get(&m, "missing"));
    char **keys = vg_alloc_array(a, 5000, sizeof *keys);
    for (int i = 0; i < 5000; i++) {
        keys[i] = vg_sprintf(a, "vdi-%04d", i);
        assert_null(vg_hash_put(&m, keys[i], keys[i]));
    }
    assert_int_equal(m.n, 5000);
    assert_true(m.cap >= 2 * m.n);
    for (int i = 0; i < 5000; i++)
        assert_ptr_equal(vg_hash_get(&m, keys[i]), keys[i]);
    /* put keeps the first value and returns it; set replaces. */
    assert_ptr_equal(vg_hash_put(&m, "vdi-0007", "other"), keys[7]);
    vg_hash_set(&m, "vdi-0007", "other");
    assert_string_equal(vg_hash_get(&m, "vdi-0007"), "other");
    assert_ptr_equal(vg_hash_getn(&m, "vdi-0001xyz", 8), keys[1]);
    vg_arena_free(a);
}

static void test_suggest_nearest_within_limit(void **state)
{
    (void)state;
    const char *const directives[] = {"gpu", "guest-driver", "os", "migration", "host", "hosts", "memory"};
    size_t n = sizeof directives / sizeof *directives;
    assert_string_equal(vg_suggest("guest-drvier", directives, n), "guest-driver"); /* transposition */
    assert_string_equal(vg_suggest("gpuu", directives, n), "gpu");
    assert_string_equal(vg_suggest("MIGRATION", directives, n), "migration"); /* case-insensitive */
    assert_null(vg_suggest("firmware", directives, n));                       /* nothing close */
    assert_int_equal(vg_edit_distance("L40S", "L40"), 1);
    assert_int_equal(vg_edit_distance("ab", "ba"), 1);
    assert_int_equal(vg_edit_distance("", "abc"), 3);
}

/* Write `size` bytes of lines to `path`. */
static void write_lines(const char *path, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc(i % 40 == 39 ? '\n' : 'a' + (int)(i % 26), f);
    fclose(f);
}

/* A large file is mapped, a page-multiple one read; both end in a NUL. A
 * mapped file truncated under vgpuc's feet ends it with exit 2, not a crash. */
static void test_large_file_mapped_and_truncated(void **state)
{
    (void)state;
    char path[] = "/tmp/vgpuc-map-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const size_t sizes[] = {300001, 266240 /* 65 pages */, 1000};
    const int mapped[] = {1, 0, 0};
    for (size_t k = 0; k < 3; k++) {
        write_lines(path, sizes[k]);
        struct vg_ctx ctx;
        vg_ctx_init(&ctx);
        uint32_t id = vg_source_load(&ctx, path, NULL, vg_span_make(0, 0, 0));
        const struct vg_source *src = vg_source_get(&ctx, id);
        assert_non_null(src);
        assert_int_equal(src->mapped, mapped[k]);
        assert_int_equal(src->len, sizes[k]);
        assert_int_equal(src->text[src->len], '\0');
        size_t last = sizes[k] - 1;
        assert_int_equal(src->text[last], last % 40 == 39 ? '\n' : 'a' + (int)(last % 26));
        assert_true(src->valid);
        assert_int_equal(src->nlines, sizes[k] / 40 + 1);
        if (src->mapped) {
            fflush(NULL);
            pid_t pid = fork();
            assert_true(pid >= 0);
            if (pid == 0) {
                int devnull = open("/dev/null", O_WRONLY);
                dup2(devnull, STDERR_FILENO);
                if (truncate(path, 0) != 0)
                    _exit(3);
                volatile char c = src->text[src->len - 1]; /* past the new end: SIGBUS */
                (void)c;
                _exit(4);
            }
            int status;
            assert_int_equal(waitpid(pid, &status, 0), pid);
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 2);
        }
        vg_ctx_free(&ctx);
    }
    unlink(path);
}

/* The line table and the byte check, sixteen bytes at a time or byte by byte
 * (input.c): random short lines, with a UTF-8 character, a NUL or a bad byte
 * planted at every offset of the first 40 bytes and of the last 20 (the
 * vectorised part and the tail), and lines of exactly the length limit and
 * one byte more, give the line starts counted naively, and are valid exactly
 * when they should be. */
static void check_lines(const char *text, size_t len, int want_valid, int want_plain)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    uint32_t id = vg_source_add(&ctx, "t.vgpu", text, len, vg_span_make(0, 0, 0));
    const struct vg_source *src = vg_source_get(&ctx, id);
    assert_int_equal(src->valid, want_valid);
    assert_int_equal(ctx.diags.n, want_valid ? 0 : 1);
    assert_int_equal(src->lines_owned, want_plain); /* the one-pass path took it (its table is malloc'd) */
    uint32_t n = 1;
    assert_int_equal(src->line_starts[0], 0);
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            assert_true(n < src->nlines);
            assert_int_equal(src->line_starts[n], i + 1);
            n++;
        }
    assert_int_equal(src->nlines, n);
    vg_ctx_free(&ctx);
}

static void test_source_lines_every_offset(void **state)
{
    (void)state;
    static char text[4096];
    uint32_t x = 88172645u;
    size_t len = 0;
    while (len < 1000) { /* lines of 0..40 bytes, many of 0..3 */
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t n = (x >> 28) % 3 == 0 ? x % 4 : x % 41; /* short lines: several newlines in 16 bytes */
        for (size_t i = 0; i < n; i++)
            text[len++] = (char)('a' + (x >> (i % 24)) % 26);
        text[len++] = '\n';
    }
    check_lines(text, len, 1, 1);
    check_lines(text, len - 1, 1, 1); /* no newline at the end */
    for (size_t k = 0; k < 60; k++) {
        size_t at = k < 40 ? k : len - 61 + k;
        char keep[2] = {text[at], text[at + 1]};
        memcpy(text + at, "\xC3\xA9", 2); /* é: valid, but not plain */
        check_lines(text, len, 1, 0);
        text[at + 1] = keep[1];
        text[at] = 0; /* NUL */
        check_lines(text, len, 0, 0);
        text[at] = (char)0xFF; /* not UTF-8 */
        check_lines(text, len, 0, 0);
        text[at] = keep[0];
        text[at + 1] = keep[1];
    }
    /* a line of exactly the limit, then one byte longer, at two alignments */
    size_t big = VG_MAX_LINE_BYTES + 200;
    char *t = malloc(big);
    assert_non_null(t);
    for (size_t pre = 0; pre < 2; pre++) {
        memset(t, 'w', big);
        t[pre] = '\n';
        t[pre + 1 + VG_MAX_LINE_BYTES] = '\n';
        check_lines(t, pre + 2 + VG_MAX_LINE_BYTES + 100, 1, 1); /* its end in a 64-byte block */
        check_lines(t, pre + 2 + VG_MAX_LINE_BYTES, 1, 1);       /* or in the tail */
        check_lines(t, pre + 1 + VG_MAX_LINE_BYTES, 1, 1);       /* the last line at the limit */
        t[pre + 1 + VG_MAX_LINE_BYTES] = 'w';
        t[pre + 2 + VG_MAX_LINE_BYTES] = '\n';
        check_lines(t, pre + 3 + VG_MAX_LINE_BYTES + 100, 0, 0);
        check_lines(t, pre + 3 + VG_MAX_LINE_BYTES, 0, 0);
        check_lines(t, pre + 2 + VG_MAX_LINE_BYTES, 0, 0); /* the last line one over */
    }
    free(t);
}

static void test_source_line_and_column(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    /* BOM, a CRLF line, and a line with a 3-byte character before the column. */
    static const char text[] = "\xEF\xBB\xBF"
                               "a\r\n"
                               "\xE2\x80\x98x\xE2\x80\x99 y\n"
                               "last";
    uint32_t id = vg_source_add(&ctx, "t.vgpu", text, sizeof text - 1, vg_span_make(0, 0, 0));
    const struct vg_source *src = vg_source_get(&ctx, id);
    assert_non_null(src);
    assert_true(src->valid);
    assert_int_equal(src->nlines, 3);
    struct vg_loc l = vg_source_loc(src, 3); /* `a`, after the BOM */
    assert_int_equal(l.line, 1);
    assert_int_equal(l.col, 1);
    uint32_t y = (uint32_t)(strchr(text, 'y') - text);
    l = vg_source_loc(src, y);
    assert_int_equal(l.line, 2);
    assert_int_equal(l.col, 5); /* ‘ x ’ space y: code points, not bytes */
    size_t len;
    const char *line = vg_source_line(src, 1, &len);
    assert_int_equal(len, 4); /* BOM + `a`, the \r is not part of the line */
    assert_memory_equal(line + 3, "a", 1);
    line = vg_source_line(src, 3, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(line, "last", 4);
    assert_int_equal(vg_source_line(src, 9, &len)[0], '\0');
    assert_int_equal(len, 0);
    assert_null(vg_source_get(&ctx, 0));
    assert_null(vg_source_get(&ctx, 99));
    assert_int_equal(ctx.diags.n, 0);
    vg_ctx_free(&ctx);
}

static void test_utf8_sequences(void **state)
{
    (void)state;
    assert_int_equal(vg_utf8_seq_len((const unsigned char *)"A", 1), 1);
    assert_int_equal(vg_utf8_seq_len((const unsigned char *)"\xC3\xA9", 2), 2);
    assert_int_equal(vg_utf8_seq_len((const unsigned char *)"\xE2\x80\x98", 3), 3);
    assert_int_equal(vg_utf8_seq_len((const unsigned char *)"\xF0\x9F\x98\x80", 4), 4);
    assert_int_equal(vg_utf8_seq_len((const unsigned char *)"\xC0\x80", 2), 0);     /* overlong */
    assert_int_equal(vg_utf8_seq_len((const unsigned char *)"\xED\xA0\x80", 3), 0); /* surrogate */
    assert_int_equal(vg_utf8_seq_len((const unsigned char *)"\xE2\x80", 2), 0);     /* truncated */
    assert_int_equal(vg_utf8_count("\xE2\x80\x98x\xE2\x80\x99", 7), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_zeroed_aligned_and_large),
        cmocka_unit_test(test_arena_grow_keeps_contents),
        cmocka_unit_test(test_arena_uninit_fast_path),
        cmocka_unit_test(test_arena_big_starts_big),
        cmocka_unit_test(test_arena_prepared_by_another_thread),
        cmocka_unit_test(test_strbuf_json_escaping),
        cmocka_unit_test(test_strbuf_json_plain_path),
        cmocka_unit_test(test_strbuf_put_u),
        cmocka_unit_test(test_strbuf_json_inert_paths),
        cmocka_unit_test(test_atomic_write_replaces_or_leaves_untouched),
        cmocka_unit_test(test_hash_put_get_set_and_growth),
        cmocka_unit_test(test_suggest_nearest_within_limit),
        cmocka_unit_test(test_source_line_and_column),
        cmocka_unit_test(test_source_lines_every_offset),
        cmocka_unit_test(test_large_file_mapped_and_truncated),
        cmocka_unit_test(test_utf8_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
