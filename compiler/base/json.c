/*
 * json.c - what every JSON output shares: the head (format version and tool,
 * one convention for all; json.h) and the layout, compact JSON as the
 * renderers and printers write it re-indented for people.
 */
#include "base/json.h"

#ifndef VGPUC_VERSION
#define VGPUC_VERSION "0.0.0"
#endif

void vg_json_head(struct vg_strbuf *sb, const char *format_version, const char *tool_version)
{
    vg_sb_puts(sb, "\"format_version\":");
    vg_sb_json_str(sb, format_version);
    vg_sb_puts(sb, ",\"tool\":{\"name\":\"vgpuc\",\"version\":");
    vg_sb_json_str(sb, tool_version ? tool_version : VGPUC_VERSION);
    vg_sb_putc(sb, '}');
}

/*
 * Re-indent a compact JSON text (as the renderers write it) with two spaces
 * per level; empty arrays and objects stay on one line. Strings are copied
 * untouched, so this never changes a value.
 */
/* The bytes that change the layout outside strings; everything else is
 * copied in runs. */
static const unsigned char layout[256] = {
    ['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, [','] = 1, [':'] = 1,
};

/* A line break and the indent of `depth`, in one append when it fits. */
static void newline(struct vg_strbuf *out, int depth)
{
    static const char pad[] = "\n                                                                ";
    size_t n = 1 + 2 * (size_t)(depth > 0 ? depth : 0);
    if (n <= sizeof pad - 1) {
        vg_sb_add(out, pad, n);
        return;
    }
    vg_sb_putc(out, '\n');
    for (int k = 0; k < depth; k++)
        vg_sb_add(out, "  ", 2);
}

void vg_json_pretty(const char *s, size_t n, struct vg_strbuf *out)
{
    int depth = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !layout[(unsigned char)s[j]])
            j++;
        vg_sb_add(out, s + i, j - i);
        if (j >= n)
            break;
        char c = s[j];
        i = j + 1;
        switch (c) {
        case '"': { /* the string, escapes included, as it is */
            size_t k = i;
            while (k < n && s[k] != '"')
                k += s[k] == '\\' && k + 1 < n ? 2 : 1;
            i = k < n ? k + 1 : n;
            vg_sb_add(out, s + j, i - j);
            break;
        }
        case '{':
        case '[':
            if (i < n && (s[i] == '}' || s[i] == ']')) { /* empty: one line */
                vg_sb_add(out, s + j, 2);
                i++;
                break;
            }
            vg_sb_putc(out, c);
            newline(out, ++depth);
            break;
        case '}':
        case ']':
            newline(out, --depth);
            vg_sb_putc(out, c);
            break;
        case ',':
            vg_sb_putc(out, c);
            newline(out, depth);
            break;
        default: /* ':' */ vg_sb_add(out, ": ", 2);
        }
    }
    vg_sb_putc(out, '\n');
}
