/*
 * schema.h - the one table of directives: which is allowed where, with what.
 *
 * Every directive of the language is one row of the table in schema.c: the
 * block it belongs to, its argument form, whether it may repeat or must be
 * present, the platform family it applies to, and the function that stores
 * its value. vg_schema_walk() checks one block's statements against the table
 * (VG1002 unknown directive, VG1003 bad arguments, VG1007 repeated, VG1008
 * missing, VG1010 wrong platform) and stores the values into a vg_target;
 * statements that open a block, and `include`, are handed back to the caller
 * (model.c for `include`, build.c for blocks), which builds the objects.
 */
#ifndef VG_SCHEMA_H
#define VG_SCHEMA_H

#include <stdint.h>

#include "syntax/ast.h"
#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"

enum vg_block {
    VG_BLOCK_NONE = 0, /* "no block follows" */
    VG_BLOCK_TOP,
    VG_BLOCK_LICENSE,
    VG_BLOCK_CLUSTER,
    VG_BLOCK_HOST,
    VG_BLOCK_VM,
    VG_BLOCK_VM_MANAGEMENT, /* `vm-management arc { ... }` in a cluster */
    VG_BLOCK_COUNT
};

/* Argument forms. */
enum vg_args {
    VG_ARGS_PATH,       /* one string: include */
    VG_ARGS_NAME,       /* one word or string */
    VG_ARGS_NAMES,      /* one or more words or strings */
    VG_ARGS_VERSION,    /* one word or string */
    VG_ARGS_ENUM,       /* one word of `enums` */
    VG_ARGS_ENUMS,      /* one or more words of `enums`, OR-ed together */
    VG_ARGS_COUNT,      /* digits, min..max */
    VG_ARGS_SIZE,       /* digits + unit */
    VG_ARGS_PLATFORM,   /* FAMILY V */
    VG_ARGS_MODEL,      /* MODEL [x N] */
    VG_ARGS_MODE_MODEL, /* (one of `enums`) NAME [x N] */
    VG_ARGS_MMIO        /* low S high S, either or both */
};

enum { VG_DIR_ONCE = 1, VG_DIR_REQUIRED = 2 };

/* Argument values after checking; which fields are set depends on the form. */
struct vg_argv {
    int ival;                   /* enum value, enum bit set (ENUMS), mode */
    uint64_t n, n2;             /* count / size / `x N` (default 1); mmio low, high */
    const struct vg_arg *a, *b; /* the name/version/model word; platform version */
    struct vg_span span;        /* all arguments */
};

/*
 * What a walk found in a block whose every statement was stored without a
 * problem, per statement: its row and its checked values. A block of the same
 * statements (VMs written alike) is then stored from it without being
 * checked again (vg_schema_replay): docs/performance.md,
 * "Round 11 — less work per byte".
 */
#define VG_SCHEMA_REC_MAX 16
struct vg_schema_rec {
    size_t n;
    int clean; /* every statement found, applicable, given once, with a store
                  and valid words as arguments; no block, no syntax error */
    struct vg_schema_rec_stmt {
        uint64_t n, n2;
        int ival;
        uint16_t row;
        uint16_t a; /* index of vg_argv.a in the arguments */
    } st[VG_SCHEMA_REC_MAX];
};

/* Where a block's directives store their values. */
struct vg_target {
    struct vg_license_server *license;
    struct vg_cluster *cluster;
    struct vg_host *host;
    size_t host_gpus_cap;
    const struct vg_arg **gpu_words; /* host `gpu MODEL`: the model words, one per host->gpus[] */
    size_t ngpu_words, cap_gpu_words;
    struct vg_vm *vm;                      /* a `vm` statement's template */
    struct vg_span *vm_at;                 /* its directives' spans, absolute (enum vg_vm_at) */
    struct vg_arc *arc;                    /* `vm-management arc { ... }` */
    const struct vg_arg *license_ref;      /* cluster `license-server NAME` */
    const struct vg_arg *pin;              /* vm `host NAME` */
    const struct vg_stmt *hosts;           /* vm `hosts NAME...` */
    const struct vg_arg *gpu_word;         /* vm `gpu MODE WORD`: profile or model */
    const struct vg_arg *family, *version; /* cluster `platform` */
    /* out: directives suggested for misspelt ones ("did you mean"), so
     * that a misspelt required directive is not also reported missing */
    const char *suggested[8];
    size_t nsuggested;
    struct vg_schema_rec *rec; /* if not NULL: filled by vg_schema_walk */
};

struct vg_directive;
typedef void (*vg_store_fn)(struct vg_ctx *ctx, struct vg_target *t, const struct vg_stmt *st, const struct vg_argv *v);

struct vg_directive {
    enum vg_block block;
    const char *name;
    const char *usage; /* the form as documented: "gpu MODEL [x N]" */
    enum vg_args args;
    const struct vg_enum_val *enums;
    uint64_t min, max;       /* COUNT bounds */
    enum vg_block child;     /* the block that must follow, or NONE */
    unsigned flags;          /* VG_DIR_* */
    unsigned families;       /* bit (1 << enum vg_family) it applies to; 0 = all */
    const char *only_family; /* applies to this platform family name only, or NULL */
    vg_store_fn store;       /* NULL: handed to the caller (blocks, include) */
};

/*
 * Directive rows and enum values already found, by the address of the name
 * (docs/performance.md, "Round 9 — the schema walk"). A statement's name and
 * its words are the scanner's interned text, which lives in the context's
 * arena until the context is freed, so within one model build the same
 * address is the same text: a hit is a pointer test instead of a search of
 * the block's rows with strcmp. Direct-mapped: a collision only costs the
 * search. Only names found are kept; a zeroed memo is empty. It also keeps
 * where each block's rows are and which are required, so a walk does not
 * search for them.
 */
#define VG_SCHEMA_MEMO_SLOTS 256u
struct vg_schema_memo {
    struct vg_schema_memo_slot {
        const void *set;  /* the block's entry in schema.c, or the enum's values */
        const char *text; /* the name, by address */
        int index;        /* its row in the table, or its index in the values */
    } slot[VG_SCHEMA_MEMO_SLOTS];
    struct vg_schema_rows {
        uint16_t first, end; /* the block's rows [first, end) of the table */
        uint64_t required;   /* bit i: row i is required (VG1008 if missing) */
    } rows[VG_BLOCK_COUNT];  /* once `ranged` */
    int ranged;
};

/* What vg_schema_walk needs to know about the block it checks. */
struct vg_block_info {
    enum vg_block block;
    const char *kind_name; /* "cluster", "vm", ... for messages */
    const char *name;      /* the block's name as written, for VG1008 */
    struct vg_span name_span;
    enum vg_family family;       /* the cluster's platform family, 0 if unknown */
    const char *family_name;     /* as written, NULL if unknown */
    int broken;                  /* syntax errors inside: no VG1008 */
    struct vg_schema_memo *memo; /* NULL: every name is looked up */
};

/* Called for directives without a store function (blocks, include). */
typedef void (*vg_child_fn)(void *builder, const struct vg_directive *d, const struct vg_stmt *st,
                            const struct vg_argv *v);

/*
 * Check and store every statement of one block. The statements must be
 * siblings starting at `first`. Returns nothing: problems are diagnostics.
 */
void vg_schema_walk(struct vg_ctx *ctx, const struct vg_block_info *bi, const struct vg_stmt *first,
                    struct vg_target *t, vg_child_fn child, void *builder);

/*
 * Store the statements from `first` from `rec`, recorded clean of the block
 * from `like`, if they are that block's statements: the same names and
 * argument words, by the address of their interned text, and no block or
 * syntax error. Its checks passed there and depend on nothing else. Returns
 * 0 when they are not (some may have been stored into `t` then: the caller
 * starts the target afresh and walks the block).
 */
int vg_schema_replay(struct vg_ctx *ctx, const struct vg_schema_rec *rec, const struct vg_stmt *like,
                     const struct vg_stmt *first, struct vg_target *t);

/* The row of `name` in `block`, or NULL. */
const struct vg_directive *vg_schema_find(enum vg_block block, const char *name);
/* Every row of the directive table, in table order (the language server's
 * completion lists the directives of a block from it). */
const struct vg_directive *vg_schema_rows(size_t *n);
/* Was `name` suggested for a misspelt directive of the block? */
int vg_schema_suggested(const struct vg_target *t, const char *name);
/* "cluster", "vm", "the top level"... */
const char *vg_block_name(enum vg_block block);

#endif
