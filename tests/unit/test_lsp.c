/*
 * test_lsp.c - the language server's positions, URIs, strings (lsp_doc.c)
 * and framing (lsp_io.c), below the protocol that tests/lsp drives.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "driver/lsp.h"
#include "driver/lsp_io.h"

static struct vg_lsp_text text_of(const char *s, uint32_t *lines, size_t *n)
{
    size_t len = strlen(s);
    *n = 0;
    lines[(*n)++] = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n')
            lines[(*n)++] = (uint32_t)(i + 1);
    struct vg_lsp_text t = {s, len, lines, *n};
    return t;
}

static void assert_pos(json_t *p, long line, long ch)
{
    assert_int_equal(json_integer_value(json_object_get(p, "line")), line);
    assert_int_equal(json_integer_value(json_object_get(p, "character")), ch);
    json_decref(p);
}

/* "é" is 2 bytes / 1 UTF-16 unit, "😀" 4 bytes / 2 units (a surrogate pair). */
static void test_positions_utf16_and_utf8(void **state)
{
    (void)state;
    uint32_t lines[8];
    size_t n;
    const char *s = "ab\nx\xc3\xa9\xf0\x9f\x98\x80y\r\nlast";
    struct vg_lsp_text t = text_of(s, lines, &n);
    uint32_t y = (uint32_t)(strchr(s, 'y') - s);
    assert_pos(vg_lsp_position(&t, y, 0), 1, 4);
    assert_pos(vg_lsp_position(&t, y, 1), 1, 7);
    assert_int_equal(vg_lsp_offset(&t, 1, 4, 0), y);
    assert_int_equal(vg_lsp_offset(&t, 1, 7, 1), y);
    /* inside the surrogate pair: the start of the code point */
    assert_int_equal(vg_lsp_offset(&t, 1, 3, 0), y - 4);
    /* past the end of a line: its end, before "\r\n" */
    assert_int_equal(vg_lsp_offset(&t, 1, 999, 0), y + 1);
    /* past the last line, negative line: the end, the start */
    assert_int_equal(vg_lsp_offset(&t, 99, 0, 0), strlen(s));
    assert_int_equal(vg_lsp_offset(&t, -1, 5, 0), 0);
    assert_int_equal(vg_lsp_offset(&t, 2, 2, 0), strlen(s) - 2);
    /* an offset past the text is the end */
    assert_pos(vg_lsp_position(&t, 100000, 0), 2, 4);
}

static void test_invalid_bytes_count_one_unit(void **state)
{
    (void)state;
    uint32_t lines[4];
    size_t n;
    const char *s = "a\xff\xfe"
                    "b";
    struct vg_lsp_text t = text_of(s, lines, &n);
    assert_pos(vg_lsp_position(&t, 3, 0), 0, 3);
    assert_int_equal(vg_lsp_offset(&t, 0, 3, 0), 3);
    json_t *j = vg_lsp_string("a\xff"
                              "b\0c",
                              5);
    assert_non_null(j);
    assert_string_equal(json_string_value(j),
                        "a\xef\xbf\xbd"
                        "b\xef\xbf\xbd"
                        "c");
    json_decref(j);
}

static void test_uris(void **state)
{
    (void)state;
    char *p = vg_lsp_uri_to_path("file:///tmp/a%20b/c%C3%A9.vgpu");
    assert_string_equal(p, "/tmp/a b/c\xc3\xa9.vgpu");
    char *u = vg_lsp_path_to_uri(p);
    assert_string_equal(u, "file:///tmp/a%20b/c%C3%A9.vgpu");
    free(p);
    free(u);
    assert_null(vg_lsp_uri_to_path("untitled:Untitled-1"));
    assert_null(vg_lsp_uri_to_path("file:///tmp/a%00b")); /* no NUL in a path */
    assert_null(vg_lsp_uri_to_path("file://other-host/x"));
    p = vg_lsp_uri_to_path("file://localhost/x%2"); /* a broken escape is kept as written */
    assert_string_equal(p, "/x%2");
    free(p);
}

/* Feed bytes through a pipe and read them back as messages. */
static enum vg_lsp_read read_from(const char *bytes, size_t n, json_t **msg, struct vg_lsp_io *io, int fds[2])
{
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], bytes, n), (ssize_t)n);
    close(fds[1]);
    vg_lsp_io_init(io, fds[0], -1);
    return vg_lsp_read(io, msg);
}

static void test_framing(void **state)
{
    (void)state;
    static const char two[] = "\r\n\r\nX-Junk: 1\r\nContent-Length: 2\r\nContent-Type: x\r\n\r\n{}"
                              "Content-Length: 3\r\n\r\n[1]";
    struct vg_lsp_io io;
    int fds[2];
    json_t *m;
    assert_int_equal(read_from(two, sizeof two - 1, &m, &io, fds), VG_LSP_MSG);
    assert_true(json_is_object(m));
    json_decref(m);
    assert_int_equal(vg_lsp_read(&io, &m), VG_LSP_MSG);
    assert_true(json_is_array(m));
    json_decref(m);
    assert_int_equal(vg_lsp_read(&io, &m), VG_LSP_EOF);
    vg_lsp_io_free(&io);
    close(fds[0]);

    static const char bad[] = "Content-Length: 3\r\n\r\n{x}Content-Length: 2\r\n\r\n{}";
    assert_int_equal(read_from(bad, sizeof bad - 1, &m, &io, fds), VG_LSP_BAD_JSON);
    assert_int_equal(vg_lsp_read(&io, &m), VG_LSP_MSG); /* the next one is read */
    json_decref(m);
    vg_lsp_io_free(&io);
    close(fds[0]);

    static const char nolen[] = "Content-Type: x\r\n\r\n";
    assert_int_equal(read_from(nolen, sizeof nolen - 1, &m, &io, fds), VG_LSP_BAD_HEADER);
    vg_lsp_io_free(&io);
    close(fds[0]);

    static const char huge[] = "Content-Length: 99999999999999999999999\r\n\r\n{}";
    assert_int_equal(read_from(huge, sizeof huge - 1, &m, &io, fds), VG_LSP_BAD_HEADER); /* overflow: not a length */
    vg_lsp_io_free(&io);
    close(fds[0]);

    static const char big[] = "Content-Length: 70000000\r\n\r\n{}";
    assert_int_equal(read_from(big, sizeof big - 1, &m, &io, fds), VG_LSP_EOF); /* skipping, then EOF */
    assert_true(io.cap < (1u << 20));                                           /* nothing buffered */
    vg_lsp_io_free(&io);
    close(fds[0]);

    static const char cut[] = "Content-Length: 10\r\n\r\n{\"a\":";
    assert_int_equal(read_from(cut, sizeof cut - 1, &m, &io, fds), VG_LSP_EOF);
    vg_lsp_io_free(&io);
    close(fds[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions_utf16_and_utf8),
        cmocka_unit_test(test_invalid_bytes_count_one_unit),
        cmocka_unit_test(test_uris),
        cmocka_unit_test(test_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
