/*
 * schema.c - the table of directives and the checks it drives.
 *
 * A new directive is one row here plus, if it stores a value, a small store
 * function next to its siblings. vg_schema_walk() reads one block: it finds
 * each statement's row (VG1002), checks the platform family (VG1010), once-only
 * directives (VG1007), the arguments and the presence of a block (VG1003),
 * stores the value or hands block statements to build.c, and finally reports
 * required directives that are missing (VG1008). A block found clean can be
 * recorded, and a block of the same statements stored from the record
 * without the checks (vg_schema_replay: VMs written alike).
 */
#include "model/schema.h"

#include <string.h>

#include "core/vg_limits.h"
#include "core/source.h"
#include "base/utf8.h"
#include "base/strbuf.h"
#include "base/suggest.h"
#include "model/values.h"

/* --- enumerated values ------------------------------------------------------ */

static const struct vg_enum_val license_kinds[] = {
    {"dls", VG_LIC_DLS}, {"cls", VG_LIC_CLS}, {"legacy", VG_LIC_LEGACY}, {NULL, 0}};
static const struct vg_enum_val editions[] = {{"vws", VG_ED_VWS}, {"vpc", VG_ED_VPC},   {"vapps", VG_ED_VAPPS},
                                              {"vcs", VG_ED_VCS}, {"nvaie", VG_ED_VCS}, {NULL, 0}};
static const struct vg_enum_val ws_editions[] = {
    {"datacenter", VG_EDITION_DATACENTER}, {"standard", VG_EDITION_STANDARD}, {NULL, 0}};
static const struct vg_enum_val graphics[] = {
    {"shared-direct", VG_GRAPHICS_SHARED_DIRECT}, {"shared", VG_GRAPHICS_SHARED}, {NULL, 0}};
static const struct vg_enum_val vgpu_modes[] = {
    {"same-size", VG_VGPU_SAME_SIZE}, {"mixed-size", VG_VGPU_MIXED_SIZE}, {NULL, 0}};
static const struct vg_enum_val gpu_modes[] = {{"vgpu", VG_MODE_VGPU}, {"passthrough", VG_MODE_PASSTHROUGH}, {NULL, 0}};
static const struct vg_enum_val oses[] = {{"windows", VG_OS_WINDOWS}, {"linux", VG_OS_LINUX}, {NULL, 0}};
static const struct vg_enum_val migrations[] = {
    {"live", VG_MIG_LIVE}, {"restart", VG_MIG_RESTART}, {"none", VG_MIG_NONE}, {NULL, 0}};
static const struct vg_enum_val firmwares[] = {{"efi", VG_FW_EFI}, {"bios", VG_FW_BIOS}, {NULL, 0}};
static const struct vg_enum_val generations[] = {{"1", 1}, {"2", 2}, {NULL, 0}};
/* who manages the cluster's VMs; without the directive, Hyper-V itself */
static const struct vg_enum_val vm_managers[] = {{"arc", 1}, {NULL, 0}};

/* --- store functions: one per directive that has a value -------------------- */

#define STORE(fn) \
    static void fn(struct vg_ctx *ctx, struct vg_target *t, const struct vg_stmt *st, const struct vg_argv *v)

STORE(store_lic_kind)
{
    t->license->kind = (enum vg_license_kind)v->ival;
    t->license->kind_span = v->span;
}
STORE(store_lic_version)
{
    t->license->version = v->a->text;
    t->license->version_span = v->span;
}
STORE(store_lic_editions)
{
    t->license->editions = (unsigned)v->ival;
    t->license->editions_span = v->span;
}

STORE(store_platform)
{
    t->family = v->a;
    t->version = v->b;
    t->cluster->family = v->a->text;
    t->cluster->version = v->b->text;
    t->cluster->platform_span = v->span;
}
STORE(store_edition)
{
    t->cluster->edition = (enum vg_ws_edition)v->ival;
    t->cluster->edition_span = v->span;
}
STORE(store_vcenter)
{
    t->cluster->vcenter = v->a->text;
    t->cluster->vcenter_span = v->span;
}
STORE(store_cluster_manager)
{
    t->cluster->manager.text = v->a->text;
    t->cluster->manager.span = v->span;
}
STORE(store_cluster_license)
{
    t->license_ref = v->a;
    t->cluster->license_span = v->span;
}
STORE(store_tolerate)
{
    t->cluster->tolerate = (uint32_t)v->n;
    t->cluster->tolerate_span = v->span;
}
STORE(store_partitions)
{
    t->cluster->gpu_partitions = (uint32_t)v->n;
    t->cluster->partitions_span = v->span;
}
STORE(store_cluster_graphics)
{
    t->cluster->graphics = (enum vg_graphics)v->ival;
    t->cluster->graphics_span = v->span;
}
STORE(store_cluster_vgpu_mode)
{
    t->cluster->vgpu_mode = (enum vg_vgpu_mode)v->ival;
    t->cluster->vgpu_mode_span = v->span;
}

STORE(store_host_gpu)
{
    struct vg_host *h = t->host;
    for (size_t i = 0; i < h->ngpus; i++) { /* a handful of lines at most */
        if (strcmp(h->gpus[i].model_name, v->a->text) == 0) {
            struct vg_diag *d =
                vg_diag_emit(ctx, VG1007, st->span, "GPU model `%s` is given twice in this host", v->a->text);
            vg_diag_span(ctx, d, h->gpus[i].span, "first given here");
            vg_diag_help(ctx, d, "give the number of boards once: `gpu %s x N`", v->a->text);
            return;
        }
    }
    struct vg_host_gpu g = {NULL, v->a->text, (uint32_t)v->n, st->span};
    VG_PUSH(ctx->arena, h->gpus, h->ngpus, t->host_gpus_cap, g);
    VG_PUSH(ctx->arena, t->gpu_words, t->ngpu_words, t->cap_gpu_words, v->a);
}
STORE(store_host_manager)
{
    t->host->manager.text = v->a->text;
    t->host->manager.span = v->span;
    t->host->manager_own = 1;
}
STORE(store_host_graphics)
{
    t->host->graphics = (enum vg_graphics)v->ival;
    t->host->graphics_span = v->span;
}
STORE(store_host_vgpu_mode)
{
    t->host->vgpu_mode = (enum vg_vgpu_mode)v->ival;
    t->host->vgpu_mode_span = v->span;
}

STORE(store_vm_gpu)
{
    struct vg_vm *vm = t->vm;
    if (vm->mode != VG_MODE_NONE) {
        if ((int)vm->mode == v->ival) {
            struct vg_diag *d = vg_diag_emit(ctx, VG1007, st->span, "`gpu` is given twice in this VM");
            vg_diag_span(ctx, d, t->vm_at[VG_AT_GPU], "first given here");
            vg_diag_help(ctx, d, "give several GPUs of one kind with `x N` on one `gpu` line");
        } else {
            vm->also_other_mode = 1; /* reported by VG6004 with both lines */
        }
        return;
    }
    vm->mode = (enum vg_gpu_mode)v->ival;
    vm->count = (uint32_t)v->n;
    t->vm_at[VG_AT_GPU] = st->span;
    t->vm_at[VG_AT_GPU_ARG] = v->a->span;
    t->gpu_word = v->a;
}
STORE(store_vm_guest)
{
    t->vm->guest.text = v->a->text;
    t->vm->guest.span = v->span;
}
STORE(store_vm_os)
{
    t->vm->os = (enum vg_os)v->ival;
    t->vm_at[VG_AT_OS] = v->span;
}
STORE(store_vm_migration)
{
    t->vm->migration = (enum vg_migration)v->ival;
    t->vm_at[VG_AT_MIGRATION] = v->span;
}
STORE(store_vm_pin)
{
    t->pin = v->a;
    t->vm_at[VG_AT_PIN] = v->span;
}
STORE(store_vm_hosts)
{
    t->hosts = st;
    t->vm_at[VG_AT_HOSTS] = v->span;
}
STORE(store_vm_memory)
{
    t->vm->memory_bytes = v->n;
    t->vm_at[VG_AT_MEMORY] = v->span;
}
STORE(store_vm_firmware)
{
    t->vm->firmware = (enum vg_firmware)v->ival;
    t->vm_at[VG_AT_FIRMWARE] = v->span;
}
STORE(store_vm_generation)
{
    t->vm->generation = (uint32_t)v->ival;
    t->vm_at[VG_AT_GENERATION] = v->span;
}
STORE(store_vm_mmio)
{
    t->vm->mmio_low = v->n;
    t->vm->mmio_high = v->n2;
    t->vm_at[VG_AT_MMIO] = v->span;
}

/*
 * An Azure resource group name: 1 to 90 characters, letters or digits, `-`,
 * `_`, `(`, `)` and `.`, not ending with `.` (Azure SDK for .NET,
 * ManagedResourceGroupName: "no longer than 90 characters ... alphanumeric
 * characters (Char.IsLetterOrDigit()) and '-', '_', '(', ')' and '.' ...
 * cannot end with '.'"). Other non-ASCII characters are taken as letters (the
 * Unicode classes are Azure's to check), except the ones that are surely not:
 * C1 controls, no-break and other spaces, General Punctuation (typographic
 * quotes, zero-width and direction marks) and the byte order mark, which a
 * script must never receive in a name. Returns the offending character's
 * byte offset (its code point in *cp), or -1 when the name is valid.
 */
static long bad_resource_group(const char *s, size_t *ncp, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, len = strlen(s);
    *ncp = 0;
    while (i < len) {
        uint32_t c;
        int n = vg_utf8_decode(u + i, len - i, &c);
        ++*ncp;
        *cp = c;
        int ok = c < 0x80 ? (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '_' || c == '(' || c == ')' || c == '.'
                          : n > 1 && c > 0xA0 && !(c >= 0x2000 && c <= 0x206F) && c != 0x3000 && c != 0xFEFF;
        if (!ok)
            return (long)i;
        i += n > 0 ? (size_t)n : 1;
    }
    *cp = '.';
    return len && s[len - 1] == '.' ? (long)(len - 1) : -1;
}

STORE(store_arc_resource_group)
{
    (void)st;
    size_t ncp;
    uint32_t cp = 0;
    long bad = bad_resource_group(v->a->text, &ncp, &cp);
    if (bad >= 0 || ncp == 0 || ncp > 90) {
        struct vg_diag *d;
        if (ncp == 0)
            d = vg_diag_emit(ctx, VG1003, v->a->span, "the resource group name is empty");
        else if (bad >= 0 && v->a->text[bad + 1] == '\0' && v->a->text[bad] == '.')
            d = vg_diag_emit(ctx, VG1003, v->a->span, "resource group `%s` ends with `.`", v->a->text);
        else if (bad >= 0 && cp > 0x20 && cp < 0x7F)
            d = vg_diag_emit(ctx, VG1003, v->a->span,
                             "resource group `%s` has a character Azure does not allow: "
                             "`%c`",
                             v->a->text, (char)cp);
        else if (bad >= 0)
            d = vg_diag_emit(ctx, VG1003, v->a->span,
                             "resource group `%s` has a character Azure does not allow: "
                             "U+%04X",
                             v->a->text, (unsigned)cp);
        else
            d = vg_diag_emit(ctx, VG1003, v->a->span, "resource group `%s` is %zu characters long: Azure allows 90",
                             v->a->text, ncp);
        vg_diag_note(ctx, d,
                     "an Azure resource group name has 1 to 90 letters, digits, `-`, `_`, `(`, `)` and `.`, "
                     "and does not end with `.`");
        return;
    }
    t->arc->resource_group = v->a->text;
    t->arc->resource_group_span = v->span;
}

/* --- the table --------------------------------------------------------------- */

#define HV (1u << VG_FAMILY_HYPERV)
#define VS (1u << VG_FAMILY_VSPHERE)
#define ONCE VG_DIR_ONCE
#define REQ (VG_DIR_ONCE | VG_DIR_REQUIRED)

static const struct vg_directive table[] = {
    /* block, name, usage, args, enums, min, max, child, flags, families, only_family, store */
    {VG_BLOCK_TOP, "include", "include \"PATH\"", VG_ARGS_PATH, NULL, 0, 0, VG_BLOCK_NONE, 0, 0, NULL, NULL},
    {VG_BLOCK_TOP, "license-server", "license-server NAME { ... }", VG_ARGS_NAME, NULL, 0, 0, VG_BLOCK_LICENSE, 0, 0,
     NULL, NULL},
    {VG_BLOCK_TOP, "cluster", "cluster NAME { ... }", VG_ARGS_NAME, NULL, 0, 0, VG_BLOCK_CLUSTER, 0, 0, NULL, NULL},

    {VG_BLOCK_LICENSE, "kind", "kind dls|cls|legacy", VG_ARGS_ENUM, license_kinds, 0, 0, VG_BLOCK_NONE, REQ, 0, NULL,
     store_lic_kind},
    {VG_BLOCK_LICENSE, "version", "version V", VG_ARGS_VERSION, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL,
     store_lic_version},
    {VG_BLOCK_LICENSE, "editions", "editions EDITION...", VG_ARGS_ENUMS, editions, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL,
     store_lic_editions},

    {VG_BLOCK_CLUSTER, "platform", "platform FAMILY VERSION", VG_ARGS_PLATFORM, NULL, 0, 0, VG_BLOCK_NONE, REQ, 0, NULL,
     store_platform},
    {VG_BLOCK_CLUSTER, "edition", "edition datacenter|standard", VG_ARGS_ENUM, ws_editions, 0, 0, VG_BLOCK_NONE, ONCE,
     HV, "windows-server", store_edition},
    {VG_BLOCK_CLUSTER, "vcenter", "vcenter V", VG_ARGS_VERSION, NULL, 0, 0, VG_BLOCK_NONE, ONCE, VS, NULL,
     store_vcenter},
    {VG_BLOCK_CLUSTER, "vgpu-manager", "vgpu-manager V", VG_ARGS_VERSION, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL,
     store_cluster_manager},
    {VG_BLOCK_CLUSTER, "license-server", "license-server NAME", VG_ARGS_NAME, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL,
     store_cluster_license},
    {VG_BLOCK_CLUSTER, "tolerate-host-failures", "tolerate-host-failures 0|1|2", VG_ARGS_COUNT, NULL, 0, 2,
     VG_BLOCK_NONE, ONCE, 0, NULL, store_tolerate},
    /* partition counts are 16-bit in Hyper-V and in the catalog */
    {VG_BLOCK_CLUSTER, "gpu-partitions", "gpu-partitions N", VG_ARGS_COUNT, NULL, 1, UINT16_MAX, VG_BLOCK_NONE, ONCE,
     HV, NULL, store_partitions},
    {VG_BLOCK_CLUSTER, "graphics", "graphics shared-direct|shared", VG_ARGS_ENUM, graphics, 0, 0, VG_BLOCK_NONE, ONCE,
     VS, NULL, store_cluster_graphics},
    {VG_BLOCK_CLUSTER, "vgpu-mode", "vgpu-mode same-size|mixed-size", VG_ARGS_ENUM, vgpu_modes, 0, 0, VG_BLOCK_NONE,
     ONCE, 0, NULL, store_cluster_vgpu_mode},
    {VG_BLOCK_CLUSTER, "vm-management", "vm-management arc { resource-group NAME }", VG_ARGS_ENUM, vm_managers, 0, 0,
     VG_BLOCK_VM_MANAGEMENT, ONCE, HV, NULL, NULL},
    {VG_BLOCK_CLUSTER, "host", "host NAME { ... }", VG_ARGS_NAME, NULL, 0, 0, VG_BLOCK_HOST, 0, 0, NULL, NULL},
    {VG_BLOCK_CLUSTER, "vm", "vm NAME { ... }", VG_ARGS_NAME, NULL, 0, 0, VG_BLOCK_VM, 0, 0, NULL, NULL},

    {VG_BLOCK_HOST, "gpu", "gpu MODEL [x N]", VG_ARGS_MODEL, NULL, 1, VG_MAX_COUNT, VG_BLOCK_NONE, 0, 0, NULL,
     store_host_gpu},
    {VG_BLOCK_HOST, "vgpu-manager", "vgpu-manager V", VG_ARGS_VERSION, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL,
     store_host_manager},
    {VG_BLOCK_HOST, "graphics", "graphics shared-direct|shared", VG_ARGS_ENUM, graphics, 0, 0, VG_BLOCK_NONE, ONCE, VS,
     NULL, store_host_graphics},
    {VG_BLOCK_HOST, "vgpu-mode", "vgpu-mode same-size|mixed-size", VG_ARGS_ENUM, vgpu_modes, 0, 0, VG_BLOCK_NONE, ONCE,
     0, NULL, store_host_vgpu_mode},

    /* `gpu` is once-only, but a second line of the other mode is kept for VG6004 */
    {VG_BLOCK_VM, "gpu", "gpu vgpu PROFILE [x N] | gpu passthrough MODEL [x N]", VG_ARGS_MODE_MODEL, gpu_modes, 1,
     VG_MAX_COUNT, VG_BLOCK_NONE, VG_DIR_REQUIRED, 0, NULL, store_vm_gpu},
    {VG_BLOCK_VM, "guest-driver", "guest-driver V", VG_ARGS_VERSION, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL,
     store_vm_guest},
    {VG_BLOCK_VM, "os", "os windows|linux", VG_ARGS_ENUM, oses, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL, store_vm_os},
    {VG_BLOCK_VM, "migration", "migration live|restart|none", VG_ARGS_ENUM, migrations, 0, 0, VG_BLOCK_NONE, ONCE, 0,
     NULL, store_vm_migration},
    {VG_BLOCK_VM, "host", "host NAME", VG_ARGS_NAME, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL, store_vm_pin},
    {VG_BLOCK_VM, "hosts", "hosts NAME...", VG_ARGS_NAMES, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL, store_vm_hosts},
    {VG_BLOCK_VM, "memory", "memory SIZE", VG_ARGS_SIZE, NULL, 0, 0, VG_BLOCK_NONE, ONCE, 0, NULL, store_vm_memory},
    {VG_BLOCK_VM, "firmware", "firmware efi|bios", VG_ARGS_ENUM, firmwares, 0, 0, VG_BLOCK_NONE, ONCE, VS, NULL,
     store_vm_firmware},
    {VG_BLOCK_VM, "generation", "generation 1|2", VG_ARGS_ENUM, generations, 0, 0, VG_BLOCK_NONE, ONCE, HV, NULL,
     store_vm_generation},
    {VG_BLOCK_VM, "mmio", "mmio low SIZE high SIZE", VG_ARGS_MMIO, NULL, 0, 0, VG_BLOCK_NONE, ONCE, HV, NULL,
     store_vm_mmio},

    {VG_BLOCK_VM_MANAGEMENT, "resource-group", "resource-group NAME", VG_ARGS_NAME, NULL, 0, 0, VG_BLOCK_NONE, REQ, 0,
     NULL, store_arc_resource_group},
};

#define NROWS (sizeof table / sizeof table[0])
_Static_assert(NROWS <= 64, "struct vg_schema_rows keeps the required rows as bits of a uint64_t: widen it");

static const char *const block_names[VG_BLOCK_COUNT] = {
    [VG_BLOCK_NONE] = "",
    [VG_BLOCK_TOP] = "the top level",
    [VG_BLOCK_LICENSE] = "license-server",
    [VG_BLOCK_CLUSTER] = "cluster",
    [VG_BLOCK_HOST] = "host",
    [VG_BLOCK_VM] = "vm",
    [VG_BLOCK_VM_MANAGEMENT] = "vm-management",
};

const char *vg_block_name(enum vg_block block) { return block_names[block]; }

const struct vg_directive *vg_schema_rows(size_t *n)
{
    *n = NROWS;
    return table;
}

/* "in `vm`" or "at the top level" */
static const char *where(enum vg_block b)
{
    switch (b) {
    case VG_BLOCK_TOP: return "at the top level";
    case VG_BLOCK_LICENSE: return "in `license-server`";
    case VG_BLOCK_CLUSTER: return "in `cluster`";
    case VG_BLOCK_HOST: return "in `host`";
    case VG_BLOCK_VM: return "in `vm`";
    case VG_BLOCK_VM_MANAGEMENT: return "in `vm-management`";
    default: return "";
    }
}

static const char *family_desc(unsigned families)
{
    return families == HV ? "Hyper-V family (`azure-stack-hci`, `azure-local`, `windows-server`)"
                          : "vSphere family (`esxi`)";
}

int vg_schema_suggested(const struct vg_target *t, const char *name)
{
    for (size_t i = 0; i < t->nsuggested; i++)
        if (strcmp(t->suggested[i], name) == 0)
            return 1;
    return 0;
}

/* The table is grouped by block in enum order: a block's rows start at the
 * first row whose block is not smaller (a binary search, ~5 steps). */
static size_t block_first_row(enum vg_block block)
{
    size_t lo = 0, hi = NROWS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (table[mid].block < block)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The row of `name` among the block's rows, which start at `first`: the
 * first two bytes rule out nearly every other row before strcmp. */
static const struct vg_directive *find_from(size_t first, enum vg_block block, const char *name)
{
    for (size_t i = first; i < NROWS && table[i].block == block; i++)
        if (table[i].name[0] == name[0] && table[i].name[1] == name[1] && strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

/* A block's rows [first, end) and which of them are required (a bit per row). */
static struct vg_schema_rows block_range(enum vg_block block)
{
    struct vg_schema_rows r = {0, 0, 0};
    size_t i = block_first_row(block);
    r.first = (uint16_t)i;
    for (; i < NROWS && table[i].block == block; i++)
        if (table[i].flags & VG_DIR_REQUIRED)
            r.required |= UINT64_C(1) << i;
    r.end = (uint16_t)i;
    return r;
}

/* The rows of `block`: from the memo, which learns every block's at once. */
static struct vg_schema_rows block_rows(struct vg_schema_memo *m, enum vg_block block)
{
    if (!m)
        return block_range(block);
    if (!m->ranged) {
        for (int b = 0; b < VG_BLOCK_COUNT; b++)
            m->rows[b] = block_range((enum vg_block)b);
        m->ranged = 1;
    }
    return m->rows[block];
}

static struct vg_schema_memo_slot *memo_slot(struct vg_schema_memo *m, const void *set, const char *text)
{
    uint64_t h = ((uint64_t)(uintptr_t)text ^ (uint64_t)(uintptr_t)set << 7) * 0x9e3779b97f4a7c15ull;
    return &m->slot[(h >> 56) & (VG_SCHEMA_MEMO_SLOTS - 1)];
}

/* find_from, remembered in the memo (if any) by the name's address. */
static const struct vg_directive *find_memo(struct vg_schema_memo *m, size_t first, enum vg_block block,
                                            const char *name)
{
    if (!m)
        return find_from(first, block, name);
    const void *set = &block_names[block];
    struct vg_schema_memo_slot *s = memo_slot(m, set, name);
    if (s->text == name && s->set == set)
        return &table[s->index];
    const struct vg_directive *d = find_from(first, block, name);
    if (d)
        *s = (struct vg_schema_memo_slot){set, name, (int)(d - table)};
    return d;
}

/* vg_value_enum, remembered likewise. */
static int enum_memo(struct vg_schema_memo *m, const struct vg_enum_val *vals, const char *text)
{
    if (!m)
        return vg_value_enum(vals, text);
    struct vg_schema_memo_slot *s = memo_slot(m, vals, text);
    if (s->text == text && s->set == vals)
        return s->index;
    int i = vg_value_enum(vals, text);
    if (i >= 0)
        *s = (struct vg_schema_memo_slot){vals, text, i};
    return i;
}

const struct vg_directive *vg_schema_find(enum vg_block block, const char *name)
{
    return find_from(block_first_row(block), block, name);
}

/* --- argument checks ------------------------------------------------------- */

static struct vg_span args_span(const struct vg_stmt *st, size_t from, size_t to)
{
    return vg_span_make(st->args[from].span.file, st->args[from].span.start, st->args[to - 1].span.end);
}

/* The statement's diagnostics are silenced when it already has a syntax error. */
struct check {
    struct vg_ctx *ctx;
    const struct vg_directive *d;
    const struct vg_stmt *st;
    int quiet;
    struct vg_schema_memo *memo;
};

static struct vg_diag *bad(struct check *c, struct vg_span span, const char *fmt, ...) VG_PRINTF(3, 4);
static struct vg_diag *bad(struct check *c, struct vg_span span, const char *fmt, ...)
{
    if (c->quiet)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    char *msg = vg_vsprintf(c->ctx->arena, fmt, ap);
    va_end(ap);
    struct vg_diag *d = vg_diag_emit(c->ctx, VG1003, span, "%s", msg);
    vg_diag_note(c->ctx, d, "the form is `%s`", c->d->usage);
    return d;
}

/* Wrong number of arguments: point at the extra ones, or at the name when some are missing. */
static int bad_count(struct check *c, size_t want_min, size_t want_max)
{
    const struct vg_stmt *st = c->st;
    if (st->nargs > want_max) {
        struct vg_diag *d = bad(c, args_span(st, want_max, st->nargs), "too many arguments for `%s`", c->d->name);
        vg_diag_label(c->ctx, d, "not expected");
        if (c->d->args == VG_ARGS_NAME)
            vg_diag_help(c->ctx, d, "write a name with spaces in quotes: \"my name\"");
        else if (c->d->args == VG_ARGS_SIZE && st->nargs == 2 && st->args[1].text &&
                 strspn(st->args[0].text ? st->args[0].text : "x", "0123456789") == strlen(st->args[0].text) &&
                 strspn(st->args[1].text, "KMGTiBkmgtb") == strlen(st->args[1].text))
            /* `memory 32 GB`: the unit is part of the size */
            vg_diag_help(c->ctx, d, "write the size as one word: `%s %s%s`", c->d->name, st->args[0].text,
                         st->args[1].text);
    } else {
        struct vg_diag *d =
            bad(c, st->name_span, "`%s` needs %s", c->d->name, want_min == 1 ? "an argument" : "more arguments");
        vg_diag_label(c->ctx, d, "expected `%s`", c->d->usage);
    }
    return 0;
}

static int check_enum(struct check *c, const struct vg_enum_val *vals, const struct vg_arg *a, int *out)
{
    int i = a->kind == VG_ARG_WORD ? enum_memo(c->memo, vals, a->text) : -1;
    if (i >= 0) {
        *out = vals[i].value;
        return 1;
    }
    struct vg_arena *ar = c->ctx->arena;
    struct vg_diag *d =
        bad(c, a->span, "`%s` expects %s, found `%s`", c->d->name, vg_value_enum_list(ar, vals), a->text);
    size_t n;
    const char *const *names = vg_value_enum_names(ar, vals, &n);
    const char *s = vg_suggest(a->text, names, n);
    if (s)
        vg_diag_help(c->ctx, d, "did you mean `%s`?", s);
    return 0;
}

static int check_count(struct check *c, const struct vg_arg *a, uint64_t min, uint64_t max, uint64_t *out)
{
    enum vg_value_err e = a->kind == VG_ARG_WORD ? vg_value_count(a->text, min, max, out) : VG_VALUE_NOT_NUMBER;
    if (e == VG_VALUE_OK)
        return 1;
    if (e == VG_VALUE_NOT_NUMBER)
        bad(c, a->span, "`%s` expects a count (digits), found `%s`", c->d->name, a->text);
    else if (max == UINT64_MAX)
        bad(c, a->span, "count `%s` of `%s` is too large", a->text, c->d->name);
    else
        bad(c, a->span, "count `%s` of `%s` is out of range: it must be from %llu to %llu", a->text, c->d->name,
            (unsigned long long)min, (unsigned long long)max);
    return 0;
}

static int check_size(struct check *c, const struct vg_arg *a, uint64_t *out)
{
    enum vg_value_err e = a->kind == VG_ARG_WORD ? vg_value_size(a->text, out) : VG_VALUE_NOT_NUMBER;
    struct vg_diag *d = NULL;
    switch (e) {
    case VG_VALUE_OK:
        if (*out)
            return 1;
        bad(c, a->span, "size of `%s` must be more than 0", c->d->name);
        return 0;
    case VG_VALUE_NOT_NUMBER:
    case VG_VALUE_BAD_UNIT:
        d = bad(c, a->span, "`%s` expects a size such as `16GB`, found `%s`", c->d->name, a->text);
        break;
    case VG_VALUE_NO_UNIT: d = bad(c, a->span, "size `%s` has no unit", a->text); break;
    case VG_VALUE_RANGE: bad(c, a->span, "size `%s` is too large", a->text); return 0;
    }
    vg_diag_help(c->ctx, d, "write the number with a unit: %s (all powers of 1024)", vg_value_size_units());
    return 0;
}

/* `x N` at args[i], args[i+1], if present. */
static int check_times(struct check *c, size_t i, uint64_t *n)
{
    const struct vg_stmt *st = c->st;
    *n = 1;
    if (st->nargs == i)
        return 1;
    const struct vg_arg *x = &st->args[i];
    if (x->kind != VG_ARG_WORD || strcmp(x->text, "x") != 0) {
        struct vg_diag *d = bad(c, x->span, "unexpected `%s` in `%s`", x->text, c->d->name);
        vg_diag_help(c->ctx, d, "give a number of GPUs as `x N`");
        return 0;
    }
    if (st->nargs == i + 1) {
        bad(c, x->span, "`x` must be followed by a count");
        return 0;
    }
    if (st->nargs > i + 2)
        return bad_count(c, i, i + 2);
    return check_count(c, &st->args[i + 1], c->d->min, c->d->max, n);
}

static int check_mmio(struct check *c, struct vg_argv *v)
{
    const struct vg_stmt *st = c->st;
    if (st->nargs != 2 && st->nargs != 4)
        return bad_count(c, 2, 4);
    int seen[2] = {0, 0};
    for (size_t i = 0; i < st->nargs; i += 2) {
        const struct vg_arg *k = &st->args[i];
        int which = strcmp(k->text, "low") == 0 ? 0 : strcmp(k->text, "high") == 0 ? 1 : -1;
        if (k->kind != VG_ARG_WORD || which < 0) {
            bad(c, k->span, "`mmio` expects `low` or `high`, found `%s`", k->text);
            return 0;
        }
        if (seen[which]++) {
            bad(c, k->span, "`mmio %s` is given twice", k->text);
            return 0;
        }
        if (!check_size(c, &st->args[i + 1], which ? &v->n2 : &v->n))
            return 0;
    }
    return 1;
}

static int check_args(struct check *c, struct vg_argv *v)
{
    const struct vg_directive *d = c->d;
    const struct vg_stmt *st = c->st;
    memset(v, 0, sizeof *v);
    if (st->nargs)
        v->span = args_span(st, 0, st->nargs);
    v->a = st->nargs ? &st->args[0] : NULL;
    v->b = st->nargs > 1 ? &st->args[1] : NULL;
    switch (d->args) {
    case VG_ARGS_PATH:
        if (st->nargs != 1)
            return bad_count(c, 1, 1);
        if (v->a->kind != VG_ARG_STRING) {
            struct vg_diag *dg = bad(c, v->a->span, "`include` expects a quoted path, found `%s`", v->a->text);
            vg_diag_help(c->ctx, dg, "write `include \"%s\"`", v->a->text);
            return 0;
        }
        return 1;
    case VG_ARGS_NAME:
    case VG_ARGS_VERSION: return st->nargs == 1 ? 1 : bad_count(c, 1, 1);
    case VG_ARGS_NAMES: return st->nargs >= 1 ? 1 : bad_count(c, 1, VG_MAX_ARGS);
    case VG_ARGS_PLATFORM: return st->nargs == 2 ? 1 : bad_count(c, 2, 2);
    case VG_ARGS_ENUM: return st->nargs == 1 ? check_enum(c, d->enums, v->a, &v->ival) : bad_count(c, 1, 1);
    case VG_ARGS_ENUMS:
        if (!st->nargs)
            return bad_count(c, 1, VG_MAX_ARGS);
        for (size_t i = 0; i < st->nargs; i++) {
            int bit;
            if (!check_enum(c, d->enums, &st->args[i], &bit))
                return 0;
            v->ival |= bit;
        }
        return 1;
    case VG_ARGS_COUNT: return st->nargs == 1 ? check_count(c, v->a, d->min, d->max, &v->n) : bad_count(c, 1, 1);
    case VG_ARGS_SIZE: return st->nargs == 1 ? check_size(c, v->a, &v->n) : bad_count(c, 1, 1);
    case VG_ARGS_MODEL:
        if (!st->nargs)
            return bad_count(c, 1, 3);
        return check_times(c, 1, &v->n);
    case VG_ARGS_MODE_MODEL:
        if (st->nargs < 2) {
            if (st->nargs == 1 && vg_value_enum(d->enums, v->a->text) < 0) {
                struct vg_diag *dg = bad(c, v->a->span, "`gpu` in a VM needs a mode: `vgpu` or `passthrough`");
                vg_diag_help(c->ctx, dg,
                             "write `gpu vgpu %s` for a vGPU profile or `gpu passthrough %s` for whole "
                             "GPUs",
                             v->a->text, v->a->text);
                return 0;
            }
            return bad_count(c, 2, 4);
        }
        if (!check_enum(c, d->enums, v->a, &v->ival))
            return 0;
        v->a = &st->args[1];
        return check_times(c, 2, &v->n);
    case VG_ARGS_MMIO: return check_mmio(c, v);
    }
    return 0;
}

/* --- unknown directives ---------------------------------------------------- */

/* Returns the suggested directive, if any. */
static const char *report_unknown(struct vg_ctx *ctx, enum vg_block block, const struct vg_stmt *st)
{
    const char *cands[NROWS];
    size_t n = 0;
    for (size_t i = 0; i < NROWS; i++)
        if (table[i].block == block)
            cands[n++] = table[i].name;
    struct vg_diag *d = vg_diag_emit(ctx, VG1002, st->name_span, "unknown directive `%s` %s", st->name, where(block));
    if (!d && ctx->opt.rule_level[VG1002] != VG_LEVEL_OFF)
        return NULL; /* past the error limit: no suggestion to compute (a million typos) */
    /* a directive of another block: say where it belongs */
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    for (size_t i = 0; i < NROWS; i++) {
        if (table[i].block == block || strcmp(table[i].name, st->name) != 0)
            continue;
        if (sb.len)
            vg_sb_puts(&sb, " or ");
        if (table[i].block == VG_BLOCK_TOP)
            vg_sb_puts(&sb, "at the top level");
        else
            vg_sb_printf(&sb, "in a `%s` block", block_names[table[i].block]);
    }
    const char *s = NULL;
    if (sb.len) {
        vg_diag_label(ctx, d, "not allowed here");
        vg_diag_note(ctx, d, "`%s` belongs %s", st->name, vg_sb_str(&sb));
    } else {
        s = vg_suggest(st->name, cands, n);
        if (s) {
            vg_diag_help(ctx, d, "did you mean `%s`?", s);
        } else {
            vg_sb_free(&sb);
            vg_sb_init(&sb);
            vg_sb_join(&sb, cands, n, "`");
            vg_diag_note(ctx, d, "allowed %s: %s", where(block), vg_sb_str(&sb));
        }
    }
    vg_sb_free(&sb);
    return s;
}

/* --- the walk -------------------------------------------------------------- */

static int wrong_platform(struct vg_ctx *ctx, const struct vg_block_info *bi, const struct vg_directive *d,
                          const struct vg_stmt *st)
{
    if (!bi->family || !bi->family_name)
        return 0; /* unknown platform: VG1008 or VG2004 says so */
    int ok = !d->families || (d->families & (1u << bi->family));
    if (ok && d->only_family)
        ok = strcmp(d->only_family, bi->family_name) == 0;
    if (ok)
        return 0;
    struct vg_diag *g =
        vg_diag_emit(ctx, VG1010, st->span, "`%s` does not apply to platform `%s`", d->name, bi->family_name);
    if (d->only_family)
        vg_diag_note(ctx, g, "`%s` applies only to `%s` clusters", d->name, d->only_family);
    else
        vg_diag_note(ctx, g, "`%s` applies only to the %s", d->name, family_desc(d->families));
    vg_diag_help(ctx, g, "remove it, or check the cluster's `platform`");
    return 1;
}

/*
 * A quoted string is the only way to put an unusual character into a name or
 * path (a word cannot hold one): a control character is VG1011, an invisible
 * or direction-changing one VG1012, reported once per string. Every output
 * shows them escaped anyway (strbuf.c); this makes the author fix the input.
 */
static void check_string_chars(struct vg_ctx *ctx, const struct vg_stmt *st)
{
    for (size_t i = 0; i < st->nargs; i++) {
        const struct vg_arg *a = &st->args[i];
        enum vg_char_class cls;
        uint32_t cp;
        if (a->kind != VG_ARG_STRING || !vg_text_unsafe(a->text, a->len, &cls, &cp))
            continue;
        if (cls == VG_CHAR_INVISIBLE) {
            struct vg_diag *d =
                vg_diag_emit(ctx, VG1012, a->span,
                             "this string holds the invisible or direction-changing character U+%04X", (unsigned)cp);
            vg_diag_help(ctx, d, "retype the text without it; outputs show it as `\\u{%X}`", (unsigned)cp);
        } else {
            struct vg_diag *d =
                vg_diag_emit(ctx, VG1011, a->span, "this string holds the control character U+%04X", (unsigned)cp);
            vg_diag_note(ctx, d,
                         "a name or path goes into logs, terminals and scripts; a control character there "
                         "can forge or hide output");
            vg_diag_help(ctx, d, "remove it from the string");
        }
    }
}

/* A statement stored after its checks: recorded if it can be replayed. */
static void record(struct vg_schema_rec *r, const struct vg_directive *d, const struct vg_stmt *st,
                   const struct vg_argv *v, int ok)
{
    if (!ok || !d->store || !st->nargs || st->has_block || st->broken || r->n == VG_SCHEMA_REC_MAX) {
        r->clean = 0;
        return;
    }
    for (size_t i = 0; i < st->nargs; i++)
        if (st->args[i].kind != VG_ARG_WORD)
            r->clean = 0;
    r->st[r->n++] =
        (struct vg_schema_rec_stmt){v->n, v->n2, v->ival, (uint16_t)(d - table), (uint16_t)(v->a - st->args)};
}

/* Statement `b` is statement `a` of a clean record (vg_schema_replay). */
static inline int same_stmt(const struct vg_stmt *a, const struct vg_stmt *b)
{
    if (a->name != b->name || a->nargs != b->nargs || b->has_block || b->broken)
        return 0;
    for (size_t i = 0; i < b->nargs; i++)
        if (a->args[i].text != b->args[i].text || a->args[i].len != b->args[i].len || b->args[i].kind != VG_ARG_WORD)
            return 0;
    return 1;
}

int vg_schema_replay(struct vg_ctx *ctx, const struct vg_schema_rec *rec, const struct vg_stmt *like,
                     const struct vg_stmt *first, struct vg_target *t)
{
    const struct vg_schema_rec_stmt *r = rec->st;
    const struct vg_stmt *st = first;
    for (; like && st; like = like->next, st = st->next, r++) {
        if (!same_stmt(like, st))
            return 0;
        struct vg_argv v = {
            r->ival, r->n, r->n2, &st->args[r->a], st->nargs > 1 ? &st->args[1] : NULL, args_span(st, 0, st->nargs)};
        table[r->row].store(ctx, t, st, &v);
    }
    return !like && !st;
}

void vg_schema_walk(struct vg_ctx *ctx, const struct vg_block_info *bi, const struct vg_stmt *first,
                    struct vg_target *t, vg_child_fn child, void *builder)
{
    struct vg_schema_rec *rec = t->rec;
    if (rec) {
        rec->n = 0;
        rec->clean = 1;
    }
    struct vg_span seen[NROWS];
    struct vg_schema_rows rows = block_rows(bi->memo, bi->block);
    size_t first_row = rows.first, end_row = rows.end; /* only this block's rows are used: clear just those */
    memset(seen + first_row, 0, (end_row - first_row) * sizeof *seen);
    for (const struct vg_stmt *st = first; st; st = st->next) {
        const struct vg_directive *d = find_memo(bi->memo, first_row, bi->block, st->name);
        if (!d) {
            const char *s = st->name && st->name[0] ? report_unknown(ctx, bi->block, st) : NULL;
            if (s && t->nsuggested < sizeof t->suggested / sizeof t->suggested[0])
                t->suggested[t->nsuggested++] = s;
            if (rec)
                rec->clean = 0;
            continue;
        }
        size_t row = (size_t)(d - table);
        if (wrong_platform(ctx, bi, d, st)) {
            seen[row] = st->name_span;
            if (rec)
                rec->clean = 0;
            continue;
        }
        if ((d->flags & VG_DIR_ONCE) && seen[row].file) {
            struct vg_diag *g =
                vg_diag_emit(ctx, VG1007, st->span, "`%s` is given twice %s", d->name, where(bi->block));
            vg_diag_span(ctx, g, seen[row], "first given here");
            vg_diag_help(ctx, g, "keep one `%s`", d->name);
            if (rec)
                rec->clean = 0;
            continue;
        }
        if (!seen[row].file)
            seen[row] = st->name_span;
        check_string_chars(ctx, st);
        struct check c = {ctx, d, st, st->broken, bi->memo};
        struct vg_argv v;
        int ok = check_args(&c, &v);
        if (d->child != VG_BLOCK_NONE && !st->has_block) {
            struct vg_diag *g = bad(&c, st->span, "`%s` needs a block", d->name);
            vg_diag_help(ctx, g, "write `%s`", d->usage);
            if (rec)
                rec->clean = 0;
            continue;
        }
        if (rec)
            record(rec, d, st, &v, ok);
        if (d->child == VG_BLOCK_NONE && st->has_block) {
            struct vg_diag *g = bad(&c, st->open_span, "`%s` takes no block", d->name);
            vg_diag_label(ctx, g, "unexpected `{`");
        }
        if (d->store) {
            if (ok)
                d->store(ctx, t, st, &v);
        } else {
            if (!ok)
                v.a = NULL; /* the caller still checks a block's body */
            child(builder, d, st, &v);
        }
    }
    if (bi->broken)
        return;
    for (uint64_t req = rows.required; req; req &= req - 1) { /* the required rows, in table order */
        size_t i = (size_t)__builtin_ctzll(req);
        const struct vg_directive *d = &table[i];
        if (seen[i].file)
            continue;
        if (vg_schema_suggested(t, d->name))
            continue;
        struct vg_diag *g =
            vg_diag_emit(ctx, VG1008, bi->name_span, "%s `%s` has no `%s`", bi->kind_name, bi->name, d->name);
        vg_diag_help(ctx, g, "add `%s`", d->usage);
    }
}
