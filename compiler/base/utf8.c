/*
 * utf8.c - counting the code points of UTF-8 text; the decoder itself is
 * inline in utf8.h, one definition for every reader.
 */
#include "base/utf8.h"

uint32_t vg_utf8_count(const char *text, size_t n)
{
    uint32_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)text[i] & 0xc0) != 0x80)
            count++;
    return count;
}
