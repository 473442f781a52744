/*
 * catalog-snap.c - compile the built-in catalog's YAML into C, at build time.
 *
 * Usage: catalog-snap OUT.c FILE...
 *
 * Each file is parsed with the reader vgpuc uses at run time (vg_yaml_parse:
 * libyaml's events into a node tree with marks), and the tree is written out
 * as static C arrays: struct vg_yaml_snapshot vg_builtin_snapshot[], one per
 * file, in the order given. At run time the built-in catalog then starts from
 * those trees instead of running libyaml over 54 KB of YAML on every start
 * (most of the start-up time of a small file's lint; docs/performance.md). The
 * loader reads a snapshot exactly as a parsed file, and a unit test compares
 * the two node by node. A file that does not parse fails the build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "catalog/yamlutil.h"

/* A C string literal for n bytes: octal escapes for anything but plain
 * printable ASCII (no trigraphs, no ambiguity with following digits). */
static void put_str(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?')
            fputc(c, out);
        else
            fprintf(out, "\\%03o", c);
    }
    fputc('"', out);
}

static void put_mark(FILE *out, yaml_mark_t m) { fprintf(out, "{%zu, %zu, %zu}", m.index, m.line, m.column); }

static int snap(FILE *out, struct vg_ctx *ctx, const char *path, size_t k, int *root)
{
    size_t len;
    const char *why;
    char *text = vg_yaml_slurp(path, &len, &why);
    if (!text) {
        fprintf(stderr, "catalog-snap: %s: %s\n", path, why);
        return -1;
    }
    struct vg_yaml y;
    if (vg_yaml_parse(&y, ctx, path, text, len) != 0 || !y.root) {
        fprintf(stderr, "catalog-snap: %s: not valid YAML (vgpuc lint reports where)\n", path);
        return -1;
    }
    /* the items of every sequence and the pairs of every mapping, in one array each */
    size_t nitems = 0, npairs = 0;
    fprintf(out, "static yaml_node_item_t items%zu[] = {0", k);
    for (size_t i = 0; i < y.nnodes; i++)
        if (y.nodes[i].type == YAML_SEQUENCE_NODE)
            for (yaml_node_item_t *it = y.nodes[i].data.sequence.items.start; it < y.nodes[i].data.sequence.items.top;
                 it++)
                fprintf(out, ",%d", *it), nitems++;
    fprintf(out, "};\nstatic yaml_node_pair_t pairs%zu[] = {{0, 0}", k);
    for (size_t i = 0; i < y.nnodes; i++)
        if (y.nodes[i].type == YAML_MAPPING_NODE)
            for (yaml_node_pair_t *p = y.nodes[i].data.mapping.pairs.start; p < y.nodes[i].data.mapping.pairs.top; p++)
                fprintf(out, ",{%d, %d}", p->key, p->value), npairs++;
    fprintf(out, "};\nstatic yaml_node_t nodes%zu[] = {\n", k);
    size_t item = 1, pair = 1; /* index 0 of each array is a placeholder */
    for (size_t i = 0; i < y.nnodes; i++) {
        const yaml_node_t *n = &y.nodes[i];
        fputs("    {.type = ", out);
        switch (n->type) {
        case YAML_SCALAR_NODE:
            fputs("YAML_SCALAR_NODE, .data.scalar = {(yaml_char_t *)", out);
            put_str(out, (const char *)n->data.scalar.value, n->data.scalar.length);
            fprintf(out, ", %zu, (yaml_scalar_style_t)%d}", n->data.scalar.length, (int)n->data.scalar.style);
            break;
        case YAML_SEQUENCE_NODE: {
            size_t c = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
            if (c)
                fprintf(out,
                        "YAML_SEQUENCE_NODE, .data.sequence.items = {items%zu + %zu, items%zu + %zu, items%zu + %zu}",
                        k, item, k, item + c, k, item + c);
            else
                fputs("YAML_SEQUENCE_NODE", out);
            item += c;
            break;
        }
        case YAML_MAPPING_NODE: {
            size_t c = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
            fprintf(out, "YAML_MAPPING_NODE, .data.mapping.pairs = {pairs%zu + %zu, pairs%zu + %zu, pairs%zu + %zu}", k,
                    pair, k, pair + c, k, pair + c);
            pair += c;
            break;
        }
        default: fprintf(stderr, "catalog-snap: %s: unexpected node type %d\n", path, (int)n->type); return -1;
        }
        fputs(", .start_mark = ", out);
        put_mark(out, n->start_mark);
        fputs(", .end_mark = ", out);
        put_mark(out, n->end_mark);
        fputs("},\n", out);
    }
    fputs("};\n\n", out);
    if (item != nitems + 1 || pair != npairs + 1) {
        fprintf(stderr, "catalog-snap: %s: inconsistent tree\n", path);
        return -1;
    }
    *root = y.root;
    vg_yaml_free(&y);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: catalog-snap OUT.c FILE...\n");
        return 2;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    fprintf(out,
            "/* Generated by tools/catalog-snap from the catalog YAML; do not edit. */\n"
            "#include \"catalog/yamlutil.h\"\n\n");
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    int rc = 0;
    int *roots = calloc((size_t)argc, sizeof *roots);
    if (!roots)
        return 2;
    for (int i = 2; i < argc && rc == 0; i++)
        rc = snap(out, &ctx, argv[i], (size_t)i, &roots[i]);
    if (rc == 0) {
        fputs("const struct vg_yaml_snapshot vg_builtin_snapshot[] = {\n", out);
        for (int i = 2; i < argc; i++) {
            const char *base = strrchr(argv[i], '/');
            base = base ? base + 1 : argv[i];
            fputs("    {", out);
            put_str(out, base, strlen(base));
            fprintf(out, ", nodes%d, sizeof nodes%d / sizeof nodes%d[0], %d},\n", i, i, i, roots[i]);
        }
        fprintf(out, "};\nconst size_t vg_builtin_snapshot_count = %d;\n", argc - 2);
    }
    free(roots);
    vg_ctx_free(&ctx);
    if (fclose(out) != 0 || rc != 0) {
        remove(argv[1]);
        return rc ? 1 : 2;
    }
    return 0;
}
