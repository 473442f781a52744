/*
 * test_schema.c - the directive table: argument values, VG1002, VG1003,
 * VG1007, VG1008 and VG1010, each with a near miss that must stay quiet;
 * `vm-management arc { resource-group NAME }` into the model.
 */
#include "unit.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"
#include "model/schema.h"
#include "model/values.h"

#define CLUSTER_HEAD "cluster c {\n    platform esxi 8.0u2\n    vgpu-manager 16.5\n"
#define HOSTS "    host h1 { gpu L40 x 2 }\n"

/* --- values ------------------------------------------------------------------ */

static void test_count_values(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(vg_value_count("4", 0, 64, &v), VG_VALUE_OK);
    assert_int_equal(v, 4);
    assert_int_equal(vg_value_count("007", 0, 64, &v), VG_VALUE_OK);
    assert_int_equal(v, 7);
    assert_int_equal(vg_value_count("65", 1, 64, &v), VG_VALUE_RANGE);
    assert_int_equal(vg_value_count("0", 1, 64, &v), VG_VALUE_RANGE);
    assert_int_equal(vg_value_count("-1", 0, 64, &v), VG_VALUE_NOT_NUMBER);
    assert_int_equal(vg_value_count("4x", 0, 64, &v), VG_VALUE_NOT_NUMBER);
    assert_int_equal(vg_value_count("", 0, 64, &v), VG_VALUE_NOT_NUMBER);
    assert_int_equal(vg_value_count("99999999999999999999999", 0, UINT64_MAX, &v), VG_VALUE_RANGE);
}

static void test_size_values(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(vg_value_size("512MB", &v), VG_VALUE_OK);
    assert_int_equal(v, 512ull << 20);
    assert_int_equal(vg_value_size("32GB", &v), VG_VALUE_OK);
    assert_int_equal(v, 32ull << 30);
    assert_int_equal(vg_value_size("1GiB", &v), VG_VALUE_OK);
    assert_int_equal(v, 1ull << 30);
    assert_int_equal(vg_value_size("2TiB", &v), VG_VALUE_OK);
    assert_int_equal(v, 2ull << 40);
    assert_int_equal(vg_value_size("16gb", &v), VG_VALUE_OK);
    assert_int_equal(v, 16ull << 30);
    assert_int_equal(vg_value_size("16", &v), VG_VALUE_NO_UNIT);
    assert_int_equal(vg_value_size("16KB", &v), VG_VALUE_BAD_UNIT);
    assert_int_equal(vg_value_size("GB", &v), VG_VALUE_NOT_NUMBER);
    assert_int_equal(vg_value_size("16777216TB", &v), VG_VALUE_RANGE); /* 2^24 TiB = 2^64 */
    assert_int_equal(vg_value_size("16777215TB", &v), VG_VALUE_OK);
    assert_int_equal(vg_value_size("99999999999999999999GB", &v), VG_VALUE_RANGE);
}

static void test_enum_values(void **state)
{
    (void)state;
    static const struct vg_enum_val vals[] = {{"a", 1}, {"b", 2}, {"c", 3}, {NULL, 0}};
    assert_int_equal(vg_value_enum(vals, "b"), 1);
    assert_int_equal(vg_value_enum(vals, "B"), -1);
    struct vg_arena *a = vg_arena_new();
    assert_string_equal(vg_value_enum_list(a, vals), "`a`, `b` or `c`");
    size_t n;
    const char *const *names = vg_value_enum_names(a, vals, &n);
    assert_int_equal(n, 3);
    assert_string_equal(names[2], "c");
    vg_arena_free(a);
}

static void test_table_lookup(void **state)
{
    (void)state;
    assert_non_null(vg_schema_find(VG_BLOCK_VM, "gpu"));
    assert_non_null(vg_schema_find(VG_BLOCK_HOST, "gpu"));
    assert_ptr_not_equal(vg_schema_find(VG_BLOCK_VM, "gpu"), vg_schema_find(VG_BLOCK_HOST, "gpu"));
    assert_null(vg_schema_find(VG_BLOCK_VM, "vcenter"));
    assert_int_equal(vg_schema_find(VG_BLOCK_CLUSTER, "vcenter")->families, 1u << VG_FAMILY_VSPHERE);
    assert_int_equal(vg_schema_find(VG_BLOCK_LICENSE, "kind")->flags, VG_DIR_ONCE | VG_DIR_REQUIRED);
    assert_string_equal(vg_block_name(VG_BLOCK_VM), "vm");
}

/* Every directive is found in its own block only (the lookup searches a
 * block's rows alone), first and last rows of each block included. */
static void test_table_lookup_every_block(void **state)
{
    (void)state;
    static const struct {
        enum vg_block block;
        const char *name;
    } rows[] = {
        {VG_BLOCK_TOP, "include"},
        {VG_BLOCK_TOP, "license-server"},
        {VG_BLOCK_TOP, "cluster"},
        {VG_BLOCK_LICENSE, "kind"},
        {VG_BLOCK_LICENSE, "version"},
        {VG_BLOCK_LICENSE, "editions"},
        {VG_BLOCK_CLUSTER, "platform"},
        {VG_BLOCK_CLUSTER, "tolerate-host-failures"},
        {VG_BLOCK_CLUSTER, "host"},
        {VG_BLOCK_CLUSTER, "vm"},
        {VG_BLOCK_HOST, "gpu"},
        {VG_BLOCK_HOST, "vgpu-mode"},
        {VG_BLOCK_VM, "gpu"},
        {VG_BLOCK_VM, "hosts"},
        {VG_BLOCK_VM, "mmio"},
        {VG_BLOCK_CLUSTER, "vm-management"},
        {VG_BLOCK_VM_MANAGEMENT, "resource-group"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct vg_directive *d = vg_schema_find(rows[i].block, rows[i].name);
        assert_non_null(d);
        assert_string_equal(d->name, rows[i].name);
        assert_int_equal(d->block, rows[i].block);
    }
    assert_null(vg_schema_find(VG_BLOCK_TOP, "vm"));
    assert_null(vg_schema_find(VG_BLOCK_LICENSE, "platform"));
    assert_null(vg_schema_find(VG_BLOCK_HOST, "mmio"));
    assert_null(vg_schema_find(VG_BLOCK_VM, "cluster"));
    assert_null(vg_schema_find(VG_BLOCK_VM, "hostss"));
    assert_null(vg_schema_find(VG_BLOCK_NONE, "gpu"));
    assert_null(vg_schema_find(VG_BLOCK_CLUSTER, "resource-group"));
    assert_null(vg_schema_find(VG_BLOCK_VM_MANAGEMENT, "vm"));
}

/* --- VG1002 ------------------------------------------------------------------ */

static void test_vg1002_unknown(void **state)
{
    (void)state;
    struct fx *f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpuu vgpu L40-12Q\n guest-driver 16.5 }\n}\n");
    expect(f, VG1002, "unknown directive `gpuu` in `vm`", "gpuu", 0);
    assert_true(has_text(find(f, VG1002), "did you mean `gpu`?"));
    assert_int_equal(count(f, VG1002), 1);
    assert_int_equal(count(f, VG1008), 0); /* the misspelt `gpu` is not also missing */
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu vgpu L40-12Q\n guest-drivr 16.5 }\n}\n");
    assert_int_equal(count(f, VG1002), 1);
    assert_int_equal(count(f, VG1008), 0);
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm v1 { accelerator vgpu L40-12Q\n guest-driver 16.5 }\n}\n");
    assert_int_equal(count(f, VG1008), 1); /* no suggestion: still missing */
    done(f);
}

static void test_vg1002_other_block(void **state)
{
    (void)state;
    struct fx *f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu vgpu L40-12Q\n guest-driver 16.5\n vcenter 8.0u2 }\n}\n");
    expect(f, VG1002, "unknown directive `vcenter` in `vm`", "vcenter 8.0u2 }", 0);
    assert_true(has_text(find(f, VG1002), "belongs in a `cluster` block"));
    done(f);
    f = build("host h1 { gpu A16 }\n");
    expect(f, VG1002, "unknown directive `host` at the top level", "host", 0);
    assert_true(has_text(find(f, VG1002), "`host` belongs in a `cluster` block or in a `vm` block"));
    done(f);
}

static void test_vg1002_ok_keyword_as_name(void **state)
{
    (void)state;
    /* keywords are contextual: a VM called `host`, a host called `vm` */
    struct fx *f =
        build(CLUSTER_HEAD "    host vm { gpu L40 }\n    vm host { gpu vgpu L40-12Q; guest-driver 16.5 }\n}\n");
    assert_int_equal(f->ctx.diags.n, 0);
    assert_string_equal(f->m->clusters[0]->hosts[0]->name, "vm");
    assert_string_equal(f->m->clusters[0]->vms[0]->name, "host");
    done(f);
}

/* --- VG1003 ------------------------------------------------------------------ */

static void test_vg1003_enum(void **state)
{
    (void)state;
    struct fx *f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu vgpu L40-12Q; guest-driver 16.5; os linx }\n}\n");
    expect(f, VG1003, "`os` expects `windows` or `linux`, found `linx`", "linx }", 0);
    assert_true(has_text(find(f, VG1003), "did you mean `linux`?"));
    done(f);
    f = build("license-server l { kind dls; editions vws vpx }\n");
    expect(f, VG1003, "`editions` expects `vws`, `vpc`, `vapps`, `vcs` or `nvaie`, found `vpx`", "vpx", 0);
    done(f);
}

static void test_vg1003_counts(void **state)
{
    (void)state;
    struct fx *f = build(CLUSTER_HEAD "    tolerate-host-failures 3\n" HOSTS "}\n");
    expect(f, VG1003, "must be from 0 to 2", "3\n", 0);
    done(f);
    f = build(CLUSTER_HEAD "    host h1 { gpu L40 x 65 }\n}\n");
    expect(f, VG1003, "count `65` of `gpu` is out of range: it must be from 1 to 64", "65", 0);
    done(f);
    f = build(CLUSTER_HEAD "    host h1 { gpu L40 x 0 }\n}\n");
    expect(f, VG1003, "out of range", "0 }", 0);
    done(f);
    f = build(CLUSTER_HEAD "    host h1 { gpu L40 x two }\n}\n");
    expect(f, VG1003, "expects a count (digits), found `two`", "two", 0);
    done(f);
    f = build(CLUSTER_HEAD "    host h1 { gpu L40 times 2 }\n}\n");
    expect(f, VG1003, "unexpected `times` in `gpu`", "times", 0);
    done(f);
    f = build(CLUSTER_HEAD "    host h1 { gpu L40 x }\n}\n");
    expect(f, VG1003, "`x` must be followed by a count", "x }", 0);
    done(f);
}

static void test_vg1003_sizes_and_arity(void **state)
{
    (void)state;
    struct fx *f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu vgpu L40-12Q; guest-driver 16.5; memory 32 }\n}\n");
    expect(f, VG1003, "size `32` has no unit", "32 }", 0);
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu vgpu L40-12Q; guest-driver 16.5; memory 0GB }\n}\n");
    expect(f, VG1003, "must be more than 0", "0GB", 0);
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm my vm { gpu vgpu L40-12Q; guest-driver 16.5 }\n}\n");
    expect(f, VG1003, "too many arguments for `vm`", "vm {", 0);
    assert_true(has_text(find(f, VG1003), "in quotes"));
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu L40-12Q; guest-driver 16.5 }\n}\n");
    expect(f, VG1003, "needs a mode", "L40-12Q", 0);
    done(f);
    f = build("include licensing.vgpu\n");
    expect(f, VG1003, "`include` expects a quoted path", "licensing", 0);
    done(f);
    f = build(CLUSTER_HEAD "    platform\n" HOSTS "}\n");
    assert_int_equal(count(f, VG1007), 1); /* the second platform is a repeat first */
    done(f);
}

static void test_vg1003_blocks(void **state)
{
    (void)state;
    struct fx *f = build("cluster c\n");
    expect(f, VG1003, "`cluster` needs a block", "cluster", 0);
    done(f);
    f = build("license-server l { kind dls { } }\n");
    expect(f, VG1003, "`kind` takes no block", "{ }", 0);
    done(f);
    f = build("license-server l { kind cls; version 3.4 }\n");
    expect(f, VG1003, "`version` does not apply to a `cls` license server", "3.4", 0);
    done(f);
}

static void test_vg1003_ok(void **state)
{
    (void)state;
    struct fx *f =
        build(CLUSTER_HEAD "    tolerate-host-failures 2\n    host h1 { gpu L40 x 64 }\n"
                           "    vm v1 { gpu vgpu L40-12Q x 1; guest-driver 16.5; memory 16GiB; os linux }\n}\n");
    assert_int_equal(f->ctx.diags.n, 0);
    done(f);
}

/* --- VG1007 ------------------------------------------------------------------ */

static void test_vg1007_repeated(void **state)
{
    (void)state;
    struct fx *f =
        build(CLUSTER_HEAD HOSTS "    vm v1 { gpu vgpu L40-12Q; guest-driver 16.5; os linux; os windows }\n}\n");
    expect(f, VG1007, "`os` is given twice in `vm`", "os windows", 0);
    const struct vg_diag *d = find(f, VG1007);
    assert_int_equal(d->nlabels, 1);
    assert_int_equal(d->labels[0].span.start, off(f, "os linux", 0));
    assert_int_equal(f->m->clusters[0]->vms[0]->os, VG_OS_LINUX); /* the first one counts */
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu vgpu L40-12Q; gpu vgpu L40-24Q; guest-driver 16.5 }\n}\n");
    expect(f, VG1007, "`gpu` is given twice in this VM", "gpu vgpu L40-24Q", 0);
    done(f);
    f = build(CLUSTER_HEAD "    host h1 { gpu L40; gpu L40 x 2 }\n}\n");
    expect(f, VG1007, "GPU model `L40` is given twice in this host", "gpu L40 x 2", 0);
    done(f);
}

static void test_vg1007_ok(void **state)
{
    (void)state;
    /* a host may have two GPU models; a VM's second `gpu` of the other mode is VG6004's */
    struct fx *f = build(CLUSTER_HEAD "    host h1 { gpu L40; gpu L4 x 2 }\n"
                                      "    vm v1 { gpu vgpu L40-12Q; gpu passthrough L4; guest-driver 16.5 }\n}\n");
    assert_int_equal(count(f, VG1007), 0);
    const struct vg_vm *vm = f->m->clusters[0]->vms[0];
    assert_int_equal(vm->also_other_mode, 1);
    assert_int_equal(vm->mode, VG_MODE_VGPU);
    done(f);
}

/* --- VG1008 ------------------------------------------------------------------ */

static void test_vg1008_missing(void **state)
{
    (void)state;
    struct fx *f = build("cluster prod {\n" HOSTS "}\n");
    expect(f, VG1008, "cluster `prod` has no `platform`", "prod", 0);
    done(f);
    f = build("license-server dls-1 { version 3.4.1 }\n");
    expect(f, VG1008, "license server `dls-1` has no `kind`", "dls-1", 0);
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm v1 { os linux }\n}\n");
    expect(f, VG1008, "vm `v1` has no `gpu`", "v1", 0);
    done(f);
    f = build(CLUSTER_HEAD HOSTS "    vm vdi-[1..3] { gpu vgpu L40-12Q }\n}\n");
    expect(f, VG1008, "vm `vdi-[1..3]` has a vGPU but no `guest-driver`", "vdi-[1..3]", 0);
    assert_int_equal(count(f, VG1008), 1); /* once per statement, not per VM */
    done(f);
}

static void test_vg1008_ok(void **state)
{
    (void)state;
    /* pass-through needs no guest driver */
    struct fx *f = build(CLUSTER_HEAD HOSTS "    vm v1 { gpu passthrough L40 }\n}\n");
    assert_int_equal(count(f, VG1008), 0);
    done(f);
}

/* --- VG1010 ------------------------------------------------------------------ */

static void test_vg1010_wrong_platform(void **state)
{
    (void)state;
    struct fx *f = build("cluster c {\n    vcenter 8.0u2\n    platform azure-stack-hci 22H2\n}\n");
    expect(f, VG1010, "`vcenter` does not apply to platform `azure-stack-hci`", "vcenter", 0);
    assert_true(has_text(find(f, VG1010), "vSphere"));
    assert_null(f->m->clusters[0]->vcenter);
    done(f);
    f = build(CLUSTER_HEAD "    gpu-partitions 4\n" HOSTS "    vm v1 { gpu passthrough L40; generation 1 }\n}\n");
    assert_int_equal(count(f, VG1010), 2);
    expect(f, VG1010, "`gpu-partitions` does not apply to platform `esxi`", "gpu-partitions", 0);
    done(f);
    f = build("cluster c {\n    platform azure-local 12.2504\n    edition datacenter\n}\n");
    expect(f, VG1010, "`edition` does not apply to platform `azure-local`", "edition", 0);
    assert_true(has_text(find(f, VG1010), "only to `windows-server`"));
    done(f);
    f = build("cluster c {\n    platform windows-server 2025\n    host h { gpu L4; graphics shared }\n"
              "    vm v { gpu passthrough L4; firmware bios; mmio low 1GB high 32GB }\n}\n");
    assert_int_equal(count(f, VG1010), 2);
    done(f);
}

static void test_vg1010_ok(void **state)
{
    (void)state;
    struct fx *f =
        build("cluster c {\n    edition standard\n    platform windows-server 2025\n    gpu-partitions 4\n"
              "    host h { gpu L4 }\n    vm v { gpu passthrough L4; generation 2; mmio low 1GB high 32GB }\n}\n");
    assert_int_equal(f->ctx.diags.n, 0);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_int_equal(c->edition, VG_EDITION_STANDARD);
    assert_int_equal(c->gpu_partitions, 4);
    assert_int_equal(c->vms[0]->mmio_low, 1ull << 30);
    assert_int_equal(c->vms[0]->mmio_high, 32ull << 30);
    done(f);
    /* unknown platform: no VG1010 guesses */
    f = build("cluster c {\n    platform esxy 8.0\n    gpu-partitions 4\n}\n");
    assert_int_equal(count(f, VG1010), 0);
    done(f);
}

/* --- vm-management arc ------------------------------------------------------ */

#define AZL "cluster c {\n    platform azure-local 12.2504\n"

static void test_arc_model(void **state)
{
    (void)state;
    const struct vg_directive *d = vg_schema_find(VG_BLOCK_CLUSTER, "vm-management");
    assert_non_null(d);
    assert_int_equal(d->child, VG_BLOCK_VM_MANAGEMENT);
    assert_int_equal(d->families, 1u << VG_FAMILY_HYPERV);
    assert_int_equal(d->flags, VG_DIR_ONCE);
    assert_int_equal(vg_schema_find(VG_BLOCK_VM_MANAGEMENT, "resource-group")->flags, VG_DIR_ONCE | VG_DIR_REQUIRED);
    assert_string_equal(vg_block_name(VG_BLOCK_VM_MANAGEMENT), "vm-management");

    struct fx *f = build(AZL "    vm-management arc {\n        resource-group \"rg_(prod).eu-1\"\n    }\n}\n");
    if (f->ctx.diags.n)
        dump(f);
    assert_int_equal(f->ctx.diags.n, 0);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_non_null(c->arc);
    assert_string_equal(c->arc->resource_group, "rg_(prod).eu-1");
    assert_int_equal(c->arc->span.start, off(f, "vm-management", 0));
    assert_int_equal(c->arc->resource_group_span.start, off(f, "\"rg_", 0));
    done(f);
    /* 90 characters, non-ASCII letters, one line; after the hosts and VMs */
    f = build(AZL "    host h { gpu A16 }\n    vm-management arc { resource-group "
                  "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr }\n}\n");
    assert_int_equal(count(f, VG1003), 0);
    assert_int_equal(strlen(f->m->clusters[0]->arc->resource_group), 90);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"rg-m\xC3\xBCnchen\" }\n}\n");
    assert_int_equal(f->ctx.diags.n, 0);
    assert_string_equal(f->m->clusters[0]->arc->resource_group, "rg-m\xC3\xBCnchen");
    done(f);
    /* without it, Hyper-V manages the VMs */
    f = build(AZL "}\n");
    assert_null(f->m->clusters[0]->arc);
    done(f);
}

static void test_arc_diagnostics(void **state)
{
    (void)state;
    struct fx *f = build(AZL "    vm-management arc {\n    }\n}\n");
    expect(f, VG1008, "vm-management `arc` has no `resource-group`", "arc", 0);
    assert_non_null(f->m->clusters[0]->arc);
    assert_null(f->m->clusters[0]->arc->resource_group);
    done(f);
    f = build(AZL "    vm-management arc\n}\n");
    expect(f, VG1003, "`vm-management` needs a block", "vm-management", 0);
    assert_null(f->m->clusters[0]->arc);
    done(f);
    /* a wrong manager: said once, the body is still checked, but nothing is missing */
    f = build(AZL "    vm-management arcs { resource-group rg; custom-location x }\n}\n");
    expect(f, VG1003, "`vm-management` expects `arc`, found `arcs`", "arcs", 0);
    assert_true(has_text(find(f, VG1003), "did you mean `arc`?"));
    expect(f, VG1002, "unknown directive `custom-location` in `vm-management`", "custom-location", 0);
    assert_int_equal(count(f, VG1008), 0);
    assert_null(f->m->clusters[0]->arc);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"rg.\" }\n}\n");
    expect(f, VG1003, "resource group `rg.` ends with `.`", "\"rg.", 0);
    assert_int_equal(count(f, VG1008), 0); /* given, but wrong */
    assert_null(f->m->clusters[0]->arc->resource_group);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"rg x\" }\n}\n");
    expect(f, VG1003, "resource group `rg x` has a character Azure does not allow: U+0020", "\"rg x", 0);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"rg/x\" }\n}\n");
    expect(f, VG1003, "resource group `rg/x` has a character Azure does not allow: `/`", "\"rg/x", 0);
    done(f);
    /* not letters, although not ASCII: a typographic quote, a no-break space, a zero-width space */
    f = build(AZL "    vm-management arc { resource-group \"rg\xE2\x80\x99x\" }\n}\n");
    expect(f, VG1003, "has a character Azure does not allow: U+2019", NULL, 0);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"rg\xC2\xA0x\" }\n}\n");
    expect(f, VG1003, "has a character Azure does not allow: U+00A0", NULL, 0);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"rg\xE2\x80\x8Bx\" }\n}\n");
    expect(f, VG1003, "has a character Azure does not allow: U+200B", NULL, 0);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"rg\\tx\" }\n}\n");
    expect(f, VG1003, "has a character Azure does not allow: U+0009", NULL, 0);
    done(f);
    f = build(AZL "    vm-management arc { resource-group \"\" }\n}\n");
    expect(f, VG1003, "the resource group name is empty", "\"\"", 0);
    done(f);
    f = build(AZL "    vm-management arc { resource-group "
                  "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr }\n}\n");
    expect(f, VG1003, "is 91 characters long: Azure allows 90", "rrr", 0);
    done(f);
    f = build(AZL "    vm-management arc { resource-group a }\n    vm-management arc { resource-group b }\n}\n");
    expect(f, VG1007, "`vm-management` is given twice in `cluster`", "vm-management", 1);
    assert_string_equal(f->m->clusters[0]->arc->resource_group, "a");
    done(f);
    f = build(AZL "    vm-management arc { resource-group a; resource-group b }\n}\n");
    expect(f, VG1007, "`resource-group` is given twice in `vm-management`", "resource-group", 1);
    done(f);
    f = build("cluster c {\n    platform esxi 8.0u2\n    vm-management arc { resource-group rg }\n}\n");
    expect(f, VG1010, "`vm-management` does not apply to platform `esxi`", "vm-management", 0);
    assert_null(f->m->clusters[0]->arc);
    done(f);
    f = build(AZL "    host h { resource-group rg }\n}\n");
    expect(f, VG1002, "unknown directive `resource-group` in `host`", "resource-group", 0);
    assert_true(has_text(find(f, VG1002), "in a `vm-management` block"));
    done(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_values),
        cmocka_unit_test(test_size_values),
        cmocka_unit_test(test_enum_values),
        cmocka_unit_test(test_table_lookup),
        cmocka_unit_test(test_table_lookup_every_block),
        cmocka_unit_test(test_vg1002_unknown),
        cmocka_unit_test(test_vg1002_other_block),
        cmocka_unit_test(test_vg1002_ok_keyword_as_name),
        cmocka_unit_test(test_vg1003_enum),
        cmocka_unit_test(test_vg1003_counts),
        cmocka_unit_test(test_vg1003_sizes_and_arity),
        cmocka_unit_test(test_vg1003_blocks),
        cmocka_unit_test(test_vg1003_ok),
        cmocka_unit_test(test_vg1007_repeated),
        cmocka_unit_test(test_vg1007_ok),
        cmocka_unit_test(test_vg1008_missing),
        cmocka_unit_test(test_vg1008_ok),
        cmocka_unit_test(test_vg1010_wrong_platform),
        cmocka_unit_test(test_vg1010_ok),
        cmocka_unit_test(test_arc_model),
        cmocka_unit_test(test_arc_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
