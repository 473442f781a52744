/*
 * yamlutil.c - the table-driven YAML reader shared by the catalog and config.
 *
 * libyaml's events become a node tree (nodes with marks); this file turns marks into
 * byte spans, and mappings into struct fields through a field table, so that
 * every loader reports unknown keys (with the allowed ones and a suggestion),
 * duplicate keys, missing keys and wrong types the same way, as VG9003.
 */
#include "catalog/yamlutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/relnum.h"
#include "base/hash.h"
#include "core/ctx.h"
#include "core/vg_limits.h"
#include "base/utf8.h"
#include "base/strbuf.h"
#include "base/suggest.h"

/* An open sequence or mapping while its events arrive. */
struct open_node {
    int id;
    int *items; /* sequence items, or mapping key, value, key, value ... */
    size_t n, cap;
};

static int add_node(struct vg_yaml *y, yaml_node_type_t type, const yaml_event_t *e)
{
    yaml_node_t n;
    memset(&n, 0, sizeof n);
    n.type = type;
    n.start_mark = e->start_mark;
    n.end_mark = e->end_mark;
    VG_PUSH(y->tmp, y->nodes, y->nnodes, y->cap_nodes, n);
    return (int)y->nnodes;
}

/* Anchors name nodes for later aliases; a later anchor of the same name wins. */
static void set_anchor(struct vg_yaml *y, struct vg_hash *anchors, const yaml_char_t *name, int id)
{
    if (name)
        vg_hash_set(anchors, vg_strdup(y->tmp, (const char *)name), (void *)(intptr_t)id);
}

/* The file as a source for locations. Its lines are never printed: a config
 * or catalog path may name any file (a key, a token), and a file that is not
 * the YAML it should be is reported by location only. */
static uint32_t yaml_source(struct vg_yaml *y)
{
    uint32_t id = vg_source_add(y->ctx, y->path, y->text, y->len, (struct vg_span){0, 0, 0});
    struct vg_source *src = (struct vg_source *)vg_source_get(y->ctx, id);
    if (src)
        src->hide_text = 1;
    return id;
}

static void report_parser(struct vg_yaml *y, yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        vg_die_oom();
    if (p->error == YAML_READER_ERROR) {
        /* reader errors carry a byte offset, not a mark */
        size_t off = p->problem_offset < y->len ? p->problem_offset : y->len;
        if (!y->src)
            y->src = yaml_source(y);
        vg_diag_emit(y->ctx, VG9003, vg_span_make(y->src, (uint32_t)off, (uint32_t)(off < y->len ? off + 1 : off)),
                     "malformed YAML: %s", p->problem ? p->problem : "unreadable input");
        y->errors++;
        return;
    }
    yaml_node_t at;
    memset(&at, 0, sizeof at);
    at.start_mark = at.end_mark = p->problem_mark;
    struct vg_diag *d = vg_yaml_error(y, &at, "malformed YAML: %s", p->problem ? p->problem : "syntax error");
    if (p->context) {
        at.start_mark = at.end_mark = p->context_mark;
        vg_diag_span(y->ctx, d, vg_yaml_span(y, &at), "%s", p->context);
    }
}

/* A node with only the marks of an event, for an error located at it. */
static yaml_node_t event_node(const yaml_event_t *e)
{
    yaml_node_t at;
    memset(&at, 0, sizeof at);
    at.start_mark = e->start_mark;
    at.end_mark = e->end_mark;
    return at;
}

/* A scalar event as a node (its anchor recorded); its id. */
static int add_scalar(struct vg_yaml *y, struct vg_hash *anchors, const yaml_event_t *e)
{
    int id = add_node(y, YAML_SCALAR_NODE, e);
    yaml_node_t *n = &y->nodes[id - 1];
    n->data.scalar.value = (yaml_char_t *)vg_strndup(y->tmp, (const char *)e->data.scalar.value, e->data.scalar.length);
    n->data.scalar.length = e->data.scalar.length;
    n->data.scalar.style = e->data.scalar.style;
    set_anchor(y, anchors, e->data.scalar.anchor, id);
    return id;
}

/* The end of a sequence or mapping: its items or pairs laid out; its id. */
static int close_node(struct vg_yaml *y, struct open_node o, const yaml_event_t *e)
{
    yaml_node_t *n = &y->nodes[o.id - 1];
    n->end_mark = e->end_mark;
    if (n->type == YAML_SEQUENCE_NODE) {
        n->data.sequence.items.start = o.items;
        /* o.items is NULL for an empty sequence: no pointer arithmetic on it */
        n->data.sequence.items.top = n->data.sequence.items.end = o.n ? o.items + o.n : o.items;
    } else {
        /* int pairs laid out as yaml_node_pair_t {key, value} */
        yaml_node_pair_t *pairs = vg_alloc_array(y->tmp, o.n / 2 + 1, sizeof *pairs);
        for (size_t i = 0; i + 1 < o.n; i += 2) {
            pairs[i / 2].key = o.items[i];
            pairs[i / 2].value = o.items[i + 1];
        }
        n->data.mapping.pairs.start = pairs;
        n->data.mapping.pairs.top = n->data.mapping.pairs.end = pairs + o.n / 2;
    }
    return o.id;
}

/* The nodes being built from libyaml's events: the open collections and the anchors. */
struct tree {
    struct vg_hash anchors;
    struct open_node *stack;
    size_t depth, cap_stack;
    int docs;
};

/* One event into the tree. Returns 0 to go on, 1 at the end of the stream, -1
 * after reporting a second document or an alias with no anchor. */
static int take_event(struct vg_yaml *y, struct tree *t, yaml_event_t *e)
{
    int id = 0;
    switch (e->type) {
    case YAML_STREAM_END_EVENT: return 1;
    case YAML_DOCUMENT_START_EVENT:
        if (++t->docs > 1) {
            yaml_node_t at = event_node(e);
            vg_yaml_error(y, &at, "a catalog or config file holds one YAML document, found a second one");
            return -1;
        }
        break;
    case YAML_SCALAR_EVENT: id = add_scalar(y, &t->anchors, e); break;
    case YAML_ALIAS_EVENT:
        id = (int)(intptr_t)vg_hash_get(&t->anchors, (const char *)e->data.alias.anchor);
        if (!id) {
            yaml_node_t at = event_node(e);
            vg_yaml_error(y, &at, "malformed YAML: the alias `*%s` names no anchor before it",
                          (const char *)e->data.alias.anchor);
            return -1;
        }
        break;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int seq = e->type == YAML_SEQUENCE_START_EVENT;
        struct open_node o = {add_node(y, seq ? YAML_SEQUENCE_NODE : YAML_MAPPING_NODE, e), NULL, 0, 0};
        set_anchor(y, &t->anchors, seq ? e->data.sequence_start.anchor : e->data.mapping_start.anchor, o.id);
        VG_PUSH(y->tmp, t->stack, t->depth, t->cap_stack, o);
        return 0;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: id = close_node(y, t->stack[--t->depth], e); break;
    default: break;
    }
    /* a finished node goes to its parent, or is the root */
    if (id) {
        if (t->depth)
            VG_PUSH(y->tmp, t->stack[t->depth - 1].items, t->stack[t->depth - 1].n, t->stack[t->depth - 1].cap, id);
        else
            y->root = id;
    }
    return 0;
}

int vg_yaml_parse(struct vg_yaml *y, struct vg_ctx *ctx, const char *path, const char *text, size_t len)
{
    memset(y, 0, sizeof *y);
    y->ctx = ctx;
    y->path = path;
    y->text = text;
    y->len = len;
    y->tmp = vg_arena_new();
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        y->pos_byte = 3; /* libyaml does not count the BOM in mark.index */

    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        vg_die_oom();
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    /* about one node per 10 bytes of catalog YAML: grow once, not log(n) times */
    vg_grow(y->tmp, (void **)&y->nodes, &y->cap_nodes, len / 10 + 16, sizeof *y->nodes);
    struct tree t = {{0}, NULL, 0, 0, 0};
    vg_hash_init(&t.anchors, y->tmp);
    int rc = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            report_parser(y, &p);
            rc = -1;
            break;
        }
        int r = take_event(y, &t, &e);
        yaml_event_delete(&e);
        if (r) {
            rc = r < 0 ? -1 : 0;
            break;
        }
    }
    yaml_parser_delete(&p);
    if (rc < 0)
        y->root = 0;
    return rc;
}

char *vg_yaml_slurp(const char *path, size_t *len, const char **why)
{
    struct stat st;
    *why = NULL;
    int fd = vg_open_regular(path, &st, why); /* never waits on a FIFO or a terminal */
    if (fd < 0) {
        if (strcmp(*why, "is a directory") == 0)
            *why = "it is a directory";
        return NULL;
    }
    if ((uint64_t)st.st_size > VG_MAX_FILE_BYTES) {
        *why = "it is larger than 64 MiB";
        close(fd);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = vg_xmalloc(cap);
    for (;;) {
        if (n == cap - 1) {
            if (n > VG_MAX_FILE_BYTES) {
                *why = "it is larger than 64 MiB";
                break;
            }
            cap *= 2;
            buf = vg_xrealloc(buf, cap);
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *why = strerror(errno);
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (*why) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

void vg_yaml_from_snapshot(struct vg_yaml *y, struct vg_ctx *ctx, const char *path, const char *text, size_t len,
                           const struct vg_yaml_snapshot *s)
{
    memset(y, 0, sizeof *y);
    y->ctx = ctx;
    y->path = path;
    y->text = text;
    y->len = len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        y->pos_byte = 3; /* as vg_yaml_parse */
    y->nodes = s->nodes;
    y->nnodes = s->nnodes;
    y->root = s->root;
}

void vg_yaml_free(struct vg_yaml *y)
{
    vg_arena_free(y->tmp);
    y->tmp = NULL;
    y->nodes = NULL;
    y->nnodes = 0;
    y->root = 0;
}

yaml_node_t *vg_yaml_root(struct vg_yaml *y) { return y->root ? &y->nodes[y->root - 1] : NULL; }

yaml_node_t *vg_yaml_node(struct vg_yaml *y, int id)
{
    return id > 0 && (size_t)id <= y->nnodes ? &y->nodes[id - 1] : NULL;
}

struct vg_yaml_pairs vg_yaml_pairs(struct vg_yaml *y, yaml_node_t *map)
{
    struct vg_yaml_pairs p = {y, NULL, NULL, NULL, NULL};
    if (map && map->type == YAML_MAPPING_NODE) {
        p.at = map->data.mapping.pairs.start;
        p.end = map->data.mapping.pairs.top;
    }
    return p;
}

int vg_yaml_next_pair(struct vg_yaml_pairs *p)
{
    if (p->at == p->end)
        return 0;
    p->key = vg_yaml_node(p->y, p->at->key);
    p->value = vg_yaml_node(p->y, p->at->value);
    p->at++;
    return 1;
}

size_t vg_yaml_npairs(const yaml_node_t *map)
{
    return map && map->type == YAML_MAPPING_NODE ? (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start)
                                                 : 0;
}

yaml_node_t *vg_yaml_get(struct vg_yaml *y, yaml_node_t *map, const char *key)
{
    for (struct vg_yaml_pairs p = vg_yaml_pairs(y, map); vg_yaml_next_pair(&p);)
        if (p.key->type == YAML_SCALAR_NODE && strcmp((const char *)p.key->data.scalar.value, key) == 0)
            return p.value;
    return NULL;
}

/* mark.index counts characters; walk UTF-8 from the last position asked. */
static uint32_t mark_offset(struct vg_yaml *y, size_t index)
{
    if (index < y->pos_index) {
        y->pos_index = 0;
        y->pos_byte = (y->len >= 3 && memcmp(y->text, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    }
    while (y->pos_index < index && y->pos_byte < y->len) {
        int n = vg_utf8_seq_len((const unsigned char *)y->text + y->pos_byte, y->len - y->pos_byte);
        y->pos_byte += n > 0 ? (size_t)n : 1;
        y->pos_index++;
    }
    return (uint32_t)y->pos_byte;
}

struct vg_span vg_yaml_span(struct vg_yaml *y, const yaml_node_t *n)
{
    if (!y->src)
        y->src = yaml_source(y);
    if (!n)
        return vg_span_make(y->src, 0, 0);
    uint32_t start = mark_offset(y, n->start_mark.index);
    uint32_t end = mark_offset(y, n->end_mark.index);
    uint32_t eol = start;
    while (eol < y->len && y->text[eol] != '\n' && y->text[eol] != '\r')
        eol++;
    if (end > eol || end < start)
        end = eol;
    if (end == start && start < eol)
        end = start + 1;
    return vg_span_make(y->src, start, end);
}

struct vg_diag *vg_yaml_error(struct vg_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
    struct vg_span span = vg_yaml_span(y, n);
    va_list ap;
    va_start(ap, fmt);
    char *msg = vg_vsprintf(y->ctx->arena, fmt, ap);
    va_end(ap);
    y->errors++;
    return vg_diag_emit(y->ctx, VG9003, span, "%s", msg);
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE: return "mapping";
    case YAML_SEQUENCE_NODE: return "list";
    default: return "value";
    }
}

int vg_yaml_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = (const char *)n->data.scalar.value;
    return s[0] == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0;
}

const char *vg_yaml_scalar(struct vg_yaml *y, yaml_node_t *n, const char *key)
{
    if (n->type != YAML_SCALAR_NODE) {
        vg_yaml_error(y, n, "`%s` takes a single value, not a %s", key, node_kind(n));
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

/* Digits without a leading zero (but "0"); value in *out. Returns chars read. */
static size_t parse_num(const char *s, uint32_t limit, uint32_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    while (s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > limit)
            return 0;
        i++;
    }
    if (i == 0 || (i > 1 && s[0] == '0'))
        return 0;
    *out = (uint32_t)v;
    return i;
}

uint32_t vg_yaml_relnum(const char *s, int any_minor)
{
    uint32_t major, minor;
    size_t i = parse_num(s, 4000000u, &major);
    if (!i || s[i] != '.')
        return 0;
    s += i + 1;
    if (any_minor && s[0] == 'x' && s[1] == 0)
        return VG_RELNUM(major, VG_RELNUM_ANY_MINOR);
    i = parse_num(s, VG_RELNUM_ANY_MINOR - 1, &minor);
    if (!i || s[i] != 0)
        return 0;
    return VG_RELNUM(major, minor);
}

/* A catalog or config text may reach a terminal, a log and a script's data:
 * no control, invisible or direction-changing character (VG9003). */
static int check_text(struct vg_yaml *y, yaml_node_t *v, const char *key)
{
    enum vg_char_class cls;
    uint32_t cp;
    if (!vg_text_unsafe((const char *)v->data.scalar.value, v->data.scalar.length, &cls, &cp))
        return 0;
    vg_yaml_error(y, v, "`%s` holds the %s character U+%04X", key,
                  cls == VG_CHAR_INVISIBLE ? "invisible or direction-changing" : "control", (unsigned)cp);
    return -1;
}

/* A number up to 65535, decimal or 0x hexadecimal (PCI ids); -1 if not. */
static int parse_u16(const char *s, uint32_t *u)
{
    if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && s[2]) {
        char *end;
        unsigned long h = strtoul(s + 2, &end, 16);
        if (*end || h > 0xFFFF || s[2] == '-' || s[2] == '+')
            return -1;
        *u = (uint32_t)h;
        return 0;
    }
    return parse_num(s, 0xFFFF, u) == strlen(s) ? 0 : -1;
}

/* A month YYYY-MM as YYYYMM; -1 if not one. */
static int parse_month(const char *s, uint32_t *out)
{
    uint32_t yr, mo;
    if (strlen(s) != 7 || parse_num(s, 9999, &yr) != 4 || s[4] != '-' || s[5] < '0' || s[5] > '1' || s[6] < '0' ||
        s[6] > '9')
        return -1;
    mo = (uint32_t)(s[5] - '0') * 10 + (uint32_t)(s[6] - '0');
    if (mo < 1 || mo > 12)
        return -1;
    *out = yr * 100 + mo;
    return 0;
}

/* A value that does not fit its field's kind: VG9003 saying what was wanted; -1. */
static int wrong_kind(struct vg_yaml *y, const struct vg_yaml_field *f, yaml_node_t *v, const char *s)
{
    static const char *const want[] = {
        [VG_YF_U32] = "a whole number",
        [VG_YF_U16] = "a whole number up to 65535",
        [VG_YF_BOOL] = "`true` or `false`",
        [VG_YF_TRI] = "`true`, `false` or `unverified`",
        [VG_YF_RELEASE] = "a vGPU release such as \"16.5\"",
        [VG_YF_RELMAX] = "a vGPU release such as \"16.5\" or \"16.x\"",
        [VG_YF_MONTH] = "a month such as 2026-07",
    };
    if (f->kind == VG_YF_ENUM) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        size_t n = 0;
        while (f->names[n])
            n++;
        vg_sb_join(&sb, (const char *const *)f->names, n, "`");
        struct vg_diag *d = vg_yaml_error(y, v, "`%s` must be one of %s, not `%s`", f->key, vg_sb_str(&sb), s);
        const char *near = vg_suggest(s, (const char *const *)f->names, n);
        if (near)
            vg_diag_help(y->ctx, d, "did you mean `%s`?", near);
        vg_sb_free(&sb);
    } else {
        vg_yaml_error(y, v, "`%s` must be %s, not `%s`", f->key, want[f->kind], s);
    }
    return -1;
}

static int read_scalar_field(struct vg_yaml *y, const struct vg_yaml_field *f, yaml_node_t *v, void *obj)
{
    char *at = (char *)obj + f->off;
    const char *s = vg_yaml_scalar(y, v, f->key);
    if (!s)
        return -1;
    if (vg_yaml_is_null(v) && f->kind != VG_YF_STR) {
        vg_yaml_error(y, v, "`%s` needs a value", f->key);
        return -1;
    }
    uint32_t u = 0;
    switch (f->kind) {
    case VG_YF_STR:
        if (vg_yaml_is_null(v)) {
            vg_yaml_error(y, v, "`%s` needs a value", f->key);
            return -1;
        }
        if (check_text(y, v, f->key) < 0)
            return -1;
        *(const char **)at = vg_strndup(y->ctx->arena, s, v->data.scalar.length);
        return 0;
    case VG_YF_U32:
        if (parse_num(s, UINT32_MAX, &u) != strlen(s))
            break;
        *(uint32_t *)at = u;
        return 0;
    case VG_YF_U16:
        if (parse_u16(s, &u) < 0)
            break;
        *(uint16_t *)at = (uint16_t)u;
        return 0;
    case VG_YF_BOOL:
        if (strcmp(s, "true") == 0)
            *(int *)at = 1;
        else if (strcmp(s, "false") == 0)
            *(int *)at = 0;
        else
            break;
        return 0;
    case VG_YF_TRI:
        if (strcmp(s, "true") == 0)
            *(int8_t *)at = 1;
        else if (strcmp(s, "false") == 0)
            *(int8_t *)at = 0;
        else if (strcmp(s, "unverified") == 0)
            *(int8_t *)at = -1;
        else
            break;
        return 0;
    case VG_YF_RELEASE:
    case VG_YF_RELMAX:
        u = vg_yaml_relnum(s, f->kind == VG_YF_RELMAX);
        if (!u)
            break;
        *(uint32_t *)at = u;
        return 0;
    case VG_YF_MONTH:
        if (parse_month(s, &u) < 0)
            break;
        *(uint32_t *)at = u;
        return 0;
    case VG_YF_ENUM:
        for (int i = 0; f->names[i]; i++)
            if (strcmp(s, f->names[i]) == 0) {
                *(int *)at = i;
                return 0;
            }
        break;
    default: return 0;
    }
    return wrong_kind(y, f, v, s);
}

static int read_list(struct vg_yaml *y, const struct vg_yaml_field *f, yaml_node_t *v, void *obj)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        vg_yaml_error(y, v, "`%s` must be a list such as [a, b], not a %s", f->key, node_kind(v));
        return -1;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    int rc = 0;
    if (f->kind == VG_YF_STRLIST) {
        const char **out = vg_alloc_array(y->ctx->arena, n ? n : 1, sizeof *out);
        for (size_t i = 0; i < n; i++) {
            yaml_node_t *it = vg_yaml_node(y, v->data.sequence.items.start[i]);
            const char *s = vg_yaml_scalar(y, it, f->key);
            if (!s || vg_yaml_is_null(it)) {
                if (s)
                    vg_yaml_error(y, it, "`%s` has an empty item", f->key);
                rc = -1;
                continue;
            }
            if (check_text(y, it, f->key) < 0) {
                rc = -1;
                continue;
            }
            out[i] = vg_strndup(y->ctx->arena, s, it->data.scalar.length);
        }
        *(const char ***)((char *)obj + f->off) = out;
    } else {
        uint16_t *out = vg_alloc_array(y->ctx->arena, n ? n : 1, sizeof *out);
        for (size_t i = 0; i < n; i++) {
            yaml_node_t *it = vg_yaml_node(y, v->data.sequence.items.start[i]);
            const char *s = vg_yaml_scalar(y, it, f->key);
            uint32_t u = 0;
            if (!s) {
                rc = -1;
            } else if (parse_num(s, 0xFFFF, &u) != strlen(s)) {
                vg_yaml_error(y, it, "`%s` must list whole numbers, not `%s`", f->key, s);
                rc = -1;
            } else {
                out[i] = (uint16_t)u;
            }
        }
        *(const uint16_t **)((char *)obj + f->off) = out;
    }
    *(size_t *)((char *)obj + f->off2) = n;
    return rc;
}

int vg_yaml_read(struct vg_yaml *y, yaml_node_t *map, const struct vg_yaml_fields *t, void *obj)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        if (map)
            vg_yaml_error(y, map, "%s must be a mapping of `key: value` lines, not a %s", t->what, node_kind(map));
        else
            vg_yaml_error(y, NULL, "%s is missing", t->what);
        return -1;
    }
    yaml_node_t *seen[64] = {0};
    uint64_t misspelt = 0;
    int rc = 0;
    for (struct vg_yaml_pairs p = vg_yaml_pairs(y, map); vg_yaml_next_pair(&p);) {
        yaml_node_t *k = p.key, *v = p.value;
        if (k->type != YAML_SCALAR_NODE) {
            vg_yaml_error(y, k, "a key in %s must be a plain word, not a %s", t->what, node_kind(k));
            rc = -1;
            continue;
        }
        const char *key = (const char *)k->data.scalar.value;
        size_t i = 0;
        while (i < t->n && strcmp(key, t->v[i].key) != 0)
            i++;
        if (i == t->n) {
            struct vg_diag *d = vg_yaml_error(y, k, "unknown key `%s` in %s", key, t->what);
            const char *names[64];
            struct vg_strbuf sb;
            vg_sb_init(&sb);
            for (size_t j = 0; j < t->n; j++)
                names[j] = t->v[j].key;
            vg_sb_join(&sb, names, t->n, "`");
            const char *near = vg_suggest(key, names, t->n);
            if (near) {
                vg_diag_help(y->ctx, d, "did you mean `%s`?", near);
                for (size_t j = 0; j < t->n; j++)
                    if (names[j] == near)
                        misspelt |= 1ull << j; /* not "missing" as well */
            }
            vg_diag_note(y->ctx, d, "allowed keys: %s", vg_sb_str(&sb));
            vg_sb_free(&sb);
            rc = -1;
            continue;
        }
        if (seen[i]) {
            struct vg_diag *d = vg_yaml_error(y, k, "duplicate key `%s` in %s", key, t->what);
            vg_diag_span(y->ctx, d, vg_yaml_span(y, seen[i]), "first given here");
            rc = -1;
            continue;
        }
        seen[i] = k;
        const struct vg_yaml_field *f = &t->v[i];
        int r = 0;
        switch (f->kind) {
        case VG_YF_STRLIST:
        case VG_YF_U16LIST: r = read_list(y, f, v, obj); break;
        case VG_YF_MAP: r = vg_yaml_read(y, v, f->sub, obj); break;
        case VG_YF_FUNC: r = f->fn(y, v, obj); break;
        case VG_YF_ANY: break;
        default: r = read_scalar_field(y, f, v, obj); break;
        }
        if (r < 0)
            rc = -1;
    }
    /* all missing keys in one diagnostic */
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    size_t missing = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].required && !seen[i] && !(misspelt >> i & 1))
            vg_sb_printf(&sb, "%s`%s`", missing++ ? ", " : "", t->v[i].key);
    if (missing) {
        vg_yaml_error(y, map, "%s is missing the required key%s %s", t->what, missing > 1 ? "s" : "", vg_sb_str(&sb));
        rc = -1;
    }
    vg_sb_free(&sb);
    return rc;
}
