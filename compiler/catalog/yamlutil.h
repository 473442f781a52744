/*
 * yamlutil.h - read YAML files (libyaml's parser) into C structs by table.
 *
 * The catalog and the config file are both "a mapping of known keys" all the
 * way down, so one reader serves both: a table of fields (key, kind, offset)
 * per kind of mapping, checked for unknown, duplicate, missing and mistyped
 * keys. Every problem is a VG9003 diagnostic at the YAML line and column; the
 * file's text becomes a source only when the first error needs a location.
 */
#ifndef VG_YAMLUTIL_H
#define VG_YAMLUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "core/diag.h"

struct vg_ctx;

struct vg_yaml {
    struct vg_ctx *ctx;
    const char *path; /* as shown in diagnostics */
    const char *text; /* the bytes parsed (not owned) */
    size_t len;
    uint32_t src;         /* source id, 0 until an error needed one */
    struct vg_arena *tmp; /* the node tree; freed by vg_yaml_free */
    yaml_node_t *nodes;   /* nodes[id - 1], built from libyaml's events */
    size_t nnodes, cap_nodes;
    int root;                   /* 0: empty document */
    unsigned errors;            /* VG9003 reported for this file */
    size_t pos_index, pos_byte; /* last mark index -> byte offset (errors come in order) */
};

enum vg_yf_kind {
    VG_YF_STR,     /* const char * (copied into the arena) */
    VG_YF_U32,     /* uint32_t, decimal */
    VG_YF_U16,     /* uint16_t, decimal or 0x hex */
    VG_YF_BOOL,    /* int: true / false */
    VG_YF_TRI,     /* int8_t: true 1, false 0, unverified -1 */
    VG_YF_RELEASE, /* uint32_t VG_RELNUM: "16.5" */
    VG_YF_RELMAX,  /* the same, or "14.x" (minor VG_RELNUM_ANY_MINOR) for an upper bound */
    VG_YF_MONTH,   /* uint32_t YYYYMM from YYYY-MM */
    VG_YF_STRLIST, /* const char ** at off, size_t count at off2 */
    VG_YF_U16LIST, /* const uint16_t * at off, size_t count at off2 */
    VG_YF_ENUM,    /* int at off: index of the value in `names` (NULL-terminated) */
    VG_YF_MAP,     /* a nested mapping read with `sub` into the same object */
    VG_YF_FUNC,    /* fn(y, value node, object) does the work */
    VG_YF_ANY      /* accepted and ignored (anchors for sources) */
};

struct vg_yaml_fields;

struct vg_yaml_field {
    const char *key;
    enum vg_yf_kind kind;
    int required;
    size_t off, off2;
    const char *const *names;
    const struct vg_yaml_fields *sub;
    int (*fn)(struct vg_yaml *y, yaml_node_t *value, void *obj);
};

struct vg_yaml_fields {
    const char *what; /* "a release entry": used in messages */
    const struct vg_yaml_field *v;
    size_t n; /* at most 64 */
};

/*
 * A YAML file's node tree compiled into the binary at build time
 * (tools/catalog-snap): the built-in catalog starts from these instead of
 * running libyaml at every start. vg_yaml_from_snapshot gives what
 * vg_yaml_parse gives for the same text; the nodes are never written.
 */
struct vg_yaml_snapshot {
    const char *name; /* "releases.yaml" */
    yaml_node_t *nodes;
    size_t nnodes;
    int root;
};
extern const struct vg_yaml_snapshot vg_builtin_snapshot[];
extern const size_t vg_builtin_snapshot_count;
void vg_yaml_from_snapshot(struct vg_yaml *y, struct vg_ctx *ctx, const char *path, const char *text, size_t len,
                           const struct vg_yaml_snapshot *s);

/*
 * Parse text as one YAML document into a node tree (libyaml's node structs,
 * aliases resolved, in a scratch arena: libyaml's own document loader mallocs
 * every node and doubles the load time). Returns 0, or -1 after reporting
 * VG9003 (malformed YAML, an undefined alias, more than one document). An
 * empty file has no root. Call vg_yaml_free in both cases.
 */
int vg_yaml_parse(struct vg_yaml *y, struct vg_ctx *ctx, const char *path, const char *text, size_t len);
void vg_yaml_free(struct vg_yaml *y);
yaml_node_t *vg_yaml_root(struct vg_yaml *y);
yaml_node_t *vg_yaml_node(struct vg_yaml *y, int id);

/*
 * The pairs of a mapping node, in order, for every reader of a mapping (the
 * catalog, the config, vg_yaml_read):
 *
 *     for (struct vg_yaml_pairs p = vg_yaml_pairs(y, map); vg_yaml_next_pair(&p);)
 *         ... p.key, p.value ...
 *
 * A node that is not a mapping (or NULL) has no pairs.
 */
struct vg_yaml_pairs {
    struct vg_yaml *y;
    const yaml_node_pair_t *at, *end;
    yaml_node_t *key, *value;
};
struct vg_yaml_pairs vg_yaml_pairs(struct vg_yaml *y, yaml_node_t *map);
int vg_yaml_next_pair(struct vg_yaml_pairs *p);
/* How many pairs a mapping node has (0 for any other node). */
size_t vg_yaml_npairs(const yaml_node_t *map);
/* The value of the scalar key `key` of a mapping, or NULL (no such key, or not a mapping). */
yaml_node_t *vg_yaml_get(struct vg_yaml *y, yaml_node_t *map, const char *key);

/*
 * Read a whole file into a malloc'd, NUL-terminated buffer (free() it). On
 * failure returns NULL with *why saying why ("No such file or directory").
 */
char *vg_yaml_slurp(const char *path, size_t *len, const char **why);

/* The node's span in the file's source (added now if needed), cut at its first line. */
struct vg_span vg_yaml_span(struct vg_yaml *y, const yaml_node_t *n);
/* Report VG9003 at the node (NULL: the file's start); counts the error. */
struct vg_diag *vg_yaml_error(struct vg_yaml *y, const yaml_node_t *n, const char *fmt, ...) VG_PRINTF(3, 4);

/* A scalar's text, or NULL (after an error naming `key`) if it is not a scalar. */
const char *vg_yaml_scalar(struct vg_yaml *y, yaml_node_t *n, const char *key);
int vg_yaml_is_null(const yaml_node_t *n);
/* "16.5" -> VG_RELNUM(16, 5); "14.x" -> minor VG_RELNUM_ANY_MINOR when any_minor; 0 if malformed. */
uint32_t vg_yaml_relnum(const char *s, int any_minor);

/*
 * Read a mapping by table into obj. Fields absent keep their value (set
 * defaults before). Returns 0, or -1 after reporting every problem found.
 */
int vg_yaml_read(struct vg_yaml *y, yaml_node_t *map, const struct vg_yaml_fields *t, void *obj);

#endif
