/*
 * unit.h - what every cmocka unit test includes, and the file helpers the
 * tests that touch the file system share (a scratch folder, writing and
 * reading a file, removing the folder). Model and report helpers are in
 * fixture.h.
 */
#ifndef VG_UNIT_H
#define VG_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Write `text` to DIR/NAME, or to NAME when dir is NULL; fails the test when
 * the file cannot be written. Bytes as given (no newline translation). */
static inline void ut_write(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The first 64 KB of a file, in a buffer overwritten by the next call. */
static inline const char *ut_read(const char *path)
{
    static char buf[65536];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* A fresh folder /tmp/vgpuc-PREFIX-XXXXXX, its path in buf; 0 or -1. */
static inline int ut_scratch(char *buf, size_t n, const char *prefix)
{
    snprintf(buf, n, "/tmp/vgpuc-%s-XXXXXX", prefix);
    return mkdtemp(buf) ? 0 : -1;
}

/* Remove a scratch folder made by ut_scratch and everything in it; 0 or -1. */
static inline int ut_remove_tree(const char *dir)
{
    if (strncmp(dir, "/tmp/vgpuc-", 11) != 0 || strchr(dir, '\''))
        return -1;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
