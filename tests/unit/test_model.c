/*
 * test_model.c - the resolved model: every field and its default, ranges,
 * duplicates (VG1004), bad ranges (VG1005), references (VG1006), includes
 * (VG1009), and catalog references (VG2001-VG2004).
 */
#include "unit.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "core/vg_limits.h"
#include "model/model.h"

static const char seed0[] = "license-server dls-east {\n"
                            "    kind     dls\n"
                            "    version  3.4.1\n"
                            "    editions vws vpc\n"
                            "}\n"
                            "cluster hci-prod {\n"
                            "    platform       azure-stack-hci 22H2\n"
                            "    vgpu-manager   16.5\n"
                            "    license-server dls-east\n"
                            "    tolerate-host-failures 1\n"
                            "    gpu-partitions 4\n"
                            "    host hci-node-[01..04] {\n"
                            "        gpu A16 x 2\n"
                            "    }\n"
                            "    vm vdi-[001..024] {\n"
                            "        gpu vgpu A16-4Q\n"
                            "        guest-driver 16.3\n"
                            "        os windows\n"
                            "        migration restart\n"
                            "    }\n"
                            "    vm cad-01 {\n"
                            "        gpu passthrough A16\n"
                            "        host hci-node-01\n"
                            "        migration none\n"
                            "    }\n"
                            "}\n";

static void test_seed_model(void **state)
{
    (void)state;
    struct fx *f = build(seed0);
    if (f->ctx.diags.n)
        dump(f);
    assert_int_equal(f->ctx.diags.n, 0);
    const struct vg_model *m = f->m;
    assert_int_equal(m->nlicenses, 1);
    assert_int_equal(m->nclusters, 1);
    assert_int_equal(m->nfiles, 1);
    const struct vg_license_server *l = m->licenses[0];
    assert_string_equal(l->name, "dls-east");
    assert_int_equal(l->kind, VG_LIC_DLS);
    assert_string_equal(l->version, "3.4.1");
    assert_int_equal(l->editions, VG_ED_VWS | VG_ED_VPC);
    const struct vg_cluster *c = m->clusters[0];
    assert_ptr_equal(vg_hash_get(&m->cluster_by_name, "hci-prod"), c);
    assert_non_null(c->platform);
    assert_int_equal(c->kind, VG_FAMILY_HYPERV);
    assert_string_equal(c->family, "azure-stack-hci");
    assert_string_equal(c->version, "22H2");
    assert_ptr_equal(c->license, l);
    assert_int_equal(c->tolerate, 1);
    assert_int_equal(c->gpu_partitions, 4);
    assert_int_equal(c->manager.nrel, 1);
    assert_string_equal(c->manager.rel[0]->name, "16.5");
    assert_int_equal(c->manager.is_driver, 0);
    assert_int_equal(c->manager.span.start, off(f, "16.5", 0));
    assert_int_equal(c->nhosts, 4);
    assert_int_equal(c->nvms, 25);
    const struct vg_host *h = c->hosts[2];
    assert_string_equal(h->name, "hci-node-03");
    assert_int_equal(h->index, 2);
    assert_ptr_equal(h->cluster, c);
    assert_int_equal(h->ngpus, 1);
    assert_string_equal(h->gpus[0].model->model, "A16");
    assert_int_equal(h->gpus[0].boards, 2);
    assert_int_equal(h->npgpus, 8); /* 2 boards x 4 GPUs */
    assert_int_equal(h->manager_own, 0);
    assert_string_equal(h->manager.rel[0]->name, "16.5");
    assert_int_not_equal(h->range_group, 0);
    assert_int_equal(c->hosts[0]->range_group, h->range_group);
    assert_int_equal(h->name_span.start, off(f, "hci-node-[01..04]", 0));
    const struct vg_vm *vm = c->vms[9];
    assert_string_equal(vm->name, "vdi-010");
    assert_int_equal(vm->mode, VG_MODE_VGPU);
    assert_string_equal(vm->profile->name, "A16-4Q");
    assert_string_equal(vm->gpu_model->model, "A16");
    assert_int_equal(vm->count, 1);
    assert_int_equal(vm->guest.nrel, 1);
    assert_string_equal(vm->guest.rel[0]->name, "16.3");
    assert_int_equal(vm->migration, VG_MIG_RESTART);
    assert_int_equal(vg_vm_at(vm, VG_AT_GPU_ARG).start, off(f, "A16-4Q", 0));
    const struct vg_vm *cad = c->vms[24];
    assert_string_equal(cad->name, "cad-01");
    assert_int_equal(cad->index, 24);
    assert_int_equal(cad->range_group, 0);
    assert_int_equal(cad->mode, VG_MODE_PASSTHROUGH);
    assert_null(cad->profile);
    assert_string_equal(cad->gpu_model->model, "A16");
    assert_ptr_equal(cad->pin, c->hosts[0]);
    assert_int_equal(cad->migration, VG_MIG_NONE);
    assert_true(vg_vm_may_run_on(cad, c->hosts[0]));
    assert_false(vg_vm_may_run_on(cad, c->hosts[1]));
    assert_true(vg_vm_may_run_on(vm, c->hosts[3]));
    done(f);
}

static void test_defaults(void **state)
{
    (void)state;
    struct fx *f = build("license-server l { kind cls }\n"
                         "cluster c {\n    platform esxi 8.0u2\n    host h { gpu L40 }\n"
                         "    vm v { gpu vgpu L40-12Q; guest-driver 535.161.08; os linux }\n}\n");
    if (f->ctx.diags.n)
        dump(f);
    assert_int_equal(f->ctx.diags.n, 0);
    assert_int_equal(f->m->licenses[0]->editions, VG_ED_ALL);
    assert_null(f->m->licenses[0]->version);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_int_equal(c->kind, VG_FAMILY_VSPHERE);
    assert_null(c->license);
    assert_int_equal(c->tolerate, 0);
    assert_int_equal(c->gpu_partitions, 0);
    assert_int_equal(c->graphics, VG_GRAPHICS_SHARED_DIRECT);
    assert_int_equal(c->vgpu_mode, VG_VGPU_SAME_SIZE);
    assert_null(c->manager.text);
    assert_int_equal(c->manager.nrel, 0);
    const struct vg_host *h = c->hosts[0];
    assert_int_equal(h->npgpus, 1);
    assert_int_equal(h->gpus[0].boards, 1);
    assert_int_equal(h->graphics_span.file, 0);
    assert_int_equal(h->range_group, 0);
    const struct vg_vm *vm = c->vms[0];
    assert_int_equal(vm->os, VG_OS_LINUX);
    assert_int_equal(vm->migration, VG_MIG_RESTART);
    assert_int_equal(vg_vm_at(vm, VG_AT_MIGRATION).file, 0);
    assert_int_equal(vm->firmware, VG_FW_EFI);
    assert_int_equal(vm->generation, 2);
    assert_int_equal(vm->count, 1);
    assert_int_equal(vm->memory_bytes, 0);
    assert_int_equal(vm->mmio_low, 0);
    assert_null(vm->pin);
    assert_int_equal(vm->nallowed, 0);
    /* a Linux guest driver version resolves through the Linux column */
    assert_int_equal(vm->guest.nrel, 1);
    assert_string_equal(vm->guest.rel[0]->name, "16.5");
    assert_int_equal(vm->guest.is_driver, 1);
    assert_string_equal(vg_mode_name(vm->mode), "vgpu");
    assert_string_equal(vg_mode_name(VG_MODE_PASSTHROUGH), "passthrough");
    assert_string_equal(vg_migration_name(VG_MIG_LIVE), "live");
    assert_string_equal(vg_migration_name(vm->migration), "restart");
    assert_string_equal(vg_migration_name(VG_MIG_NONE), "none");
    done(f);
}

static void test_every_field(void **state)
{
    (void)state;
    struct fx *f = build(
        "license-server l { kind legacy; version 2022.1; editions vcs nvaie vapps }\n"
        "cluster c {\n    platform esxi 8.0u3\n    vcenter 8.0u2\n    vgpu-manager 535.161.05\n"
        "    graphics shared\n    vgpu-mode mixed-size\n    license-server l\n"
        "    host h1 { gpu L40 x 2; gpu L4 x 3; vgpu-manager 17.0; graphics shared-direct; vgpu-mode same-size }\n"
        "    host h2 { gpu L40 }\n"
        "    vm v { gpu passthrough L4 x 2; os linux; migration live; hosts h1 h2; memory 64GB; firmware bios }\n"
        "}\n");
    if (f->ctx.diags.n)
        dump(f);
    assert_int_equal(f->ctx.diags.n, 0);
    const struct vg_license_server *l = f->m->licenses[0];
    assert_int_equal(l->kind, VG_LIC_LEGACY);
    assert_int_equal(l->editions, VG_ED_VCS | VG_ED_VAPPS);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_string_equal(c->vcenter, "8.0u2");
    assert_int_equal(c->graphics, VG_GRAPHICS_SHARED);
    assert_int_equal(c->vgpu_mode, VG_VGPU_MIXED_SIZE);
    /* 535.161.05 is the ESXi host driver of 16.4 and 16.5: both */
    assert_int_equal(c->manager.nrel, 2);
    assert_string_equal(c->manager.rel[0]->name, "16.4");
    assert_string_equal(c->manager.rel[1]->name, "16.5");
    assert_int_equal(c->manager.is_driver, 1);
    const struct vg_host *h1 = c->hosts[0], *h2 = c->hosts[1];
    assert_int_equal(h1->ngpus, 2);
    assert_int_equal(h1->npgpus, 2 + 3);
    assert_int_equal(h1->manager_own, 1);
    assert_string_equal(h1->manager.rel[0]->name, "17.0");
    assert_int_equal(h1->graphics, VG_GRAPHICS_SHARED_DIRECT);
    assert_int_equal(h1->vgpu_mode, VG_VGPU_SAME_SIZE);
    /* h2 inherits from the cluster, with the cluster's spans */
    assert_int_equal(h2->manager_own, 0);
    assert_int_equal(h2->manager.nrel, 2);
    assert_int_equal(h2->graphics, VG_GRAPHICS_SHARED);
    assert_int_equal(h2->graphics_span.start, c->graphics_span.start);
    assert_int_equal(h2->vgpu_mode, VG_VGPU_MIXED_SIZE);
    const struct vg_vm *vm = c->vms[0];
    assert_int_equal(vm->mode, VG_MODE_PASSTHROUGH);
    assert_int_equal(vm->count, 2);
    assert_string_equal(vm->gpu_model->model, "L4");
    assert_int_equal(vm->migration, VG_MIG_LIVE);
    assert_int_equal(vm->nallowed, 2);
    assert_ptr_equal(vm->allowed[1], h2);
    assert_int_equal(vm->memory_bytes, 64ull << 30);
    assert_int_equal(vm->firmware, VG_FW_BIOS);
    assert_true(vg_vm_may_run_on(vm, h2));
    done(f);
}

/* The directive spans of a `vm` statement are kept relative to its start,
 * one set per layout: VMs each in a block of the same lines share one, a
 * block written otherwise gets its own, and every span still points at its
 * own line (docs/performance.md, round 9). */
static void test_vm_spans_shared(void **state)
{
    (void)state;
    struct fx *f =
        build("cluster c {\n    platform esxi 8.0u2\n    vgpu-manager 16.5\n"
              "    host h1 { gpu A16 x 2 }\n"
              "    vm a1 {\n        gpu vgpu A16-4Q\n        guest-driver 16.3\n        migration live\n    }\n"
              "    # a comment between two blocks alike\n"
              "    vm a2 {\n        gpu vgpu A16-4Q\n        guest-driver 16.3\n        migration live\n    }\n"
              "    vm a3 {\n        gpu  vgpu A16-4Q\n        guest-driver 16.3\n        migration live\n    }\n"
              "    vm r-[1..3] { gpu vgpu A16-4Q; guest-driver 16.3; host h1; memory 8GB }\n"
              "}\n");
    if (f->ctx.diags.n)
        dump(f);
    assert_int_equal(f->ctx.diags.n, 0);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_int_equal(c->nvms, 6);
    const uint32_t gpu_at[3] = {off(f, "gpu vgpu", 0), off(f, "gpu vgpu", 1), off(f, "gpu  vgpu", 0)};
    for (int i = 0; i < 3; i++) { /* a1, a2, a3: their own `gpu`, `A16-4Q` and `live` */
        const struct vg_vm *vm = c->vms[i];
        assert_int_equal(vg_vm_at(vm, VG_AT_GPU).file, vm->span.file);
        assert_int_equal(vg_vm_at(vm, VG_AT_GPU).start, gpu_at[i]);
        assert_int_equal(vg_vm_at(vm, VG_AT_GPU).end, off(f, "A16-4Q", i) + 6);
        assert_int_equal(vg_vm_at(vm, VG_AT_GPU_ARG).start, off(f, "A16-4Q", i));
        assert_int_equal(vg_vm_at(vm, VG_AT_MIGRATION).start, off(f, "live", i));
        assert_int_equal(vg_vm_at(vm, VG_AT_PIN).file, 0);
        assert_int_equal(vg_vm_at(vm, VG_AT_MEMORY).file, 0);
    }
    assert_ptr_equal(c->vms[0]->spans, c->vms[1]->spans);     /* written alike */
    assert_ptr_not_equal(c->vms[1]->spans, c->vms[2]->spans); /* one more blank */
    for (int i = 3; i < 6; i++) {                             /* a range: one statement */
        const struct vg_vm *vm = c->vms[i];
        assert_ptr_equal(vm->spans, c->vms[3]->spans);
        assert_int_equal(vg_vm_at(vm, VG_AT_GPU_ARG).start, off(f, "A16-4Q", 3));
        assert_int_equal(vg_vm_at(vm, VG_AT_PIN).start, off(f, "host h1", 1) + 5); /* the value */
        assert_int_equal(vg_vm_at(vm, VG_AT_MEMORY).start, off(f, "8GB", 0));
        assert_int_equal(vg_vm_at(vm, VG_AT_MIGRATION).file, 0);
    }
    done(f);
}

/* --- ranges, VG1004, VG1005 --------------------------------------------------- */

#define HEAD "cluster c {\n    platform esxi 8.0u2\n    vgpu-manager 16.5\n"

/* The schema walk remembers rows and enum values by the interned word's
 * address: the same word is a different row in another block, a valid value
 * of one enum is wrong in another, and an unknown word is reported each time. */
static void test_schema_memo_keys(void **state)
{
    (void)state;
    struct fx *f = build(HEAD "    host h { gpu L40 x 2 }\n"
                              "    vm a { gpu passthrough L40; migration none; os windows }\n"
                              "    vm b { gpu passthrough L40; os none; gpux 1 }\n"
                              "    vm c { gpu passthrough L40; os linux; gpux 1 }\n}\n");
    const struct vg_cluster *c = f->m->clusters[0];
    assert_int_equal(c->nhosts, 1);
    assert_int_equal(c->hosts[0]->ngpus, 1); /* the host's `gpu`, a row of its own */
    assert_int_equal(c->nvms, 3);
    assert_int_equal(c->vms[0]->mode, VG_MODE_PASSTHROUGH); /* the VM's `gpu` row, not the host's */
    assert_int_equal(c->vms[0]->migration, VG_MIG_NONE);
    assert_int_equal(c->vms[0]->os, VG_OS_WINDOWS);
    assert_int_equal(c->vms[2]->os, VG_OS_LINUX);
    assert_int_equal(count(f, VG1003), 1); /* `os none`: `none` is a migration, not an os */
    expect(f, VG1003, "`os` expects `windows` or `linux`, found `none`", "none; gpux", 0);
    assert_int_equal(count(f, VG1002), 2); /* `gpux`, twice */
    done(f);
}

/* A VM written as the one before it, which was read without a diagnostic,
 * is stored from the schema walk's record of that one (build.c read_vm,
 * schema.c vg_schema_replay): its values and spans must be its own, and
 * whatever would be reported of it still is. */
static void test_vms_alike_checked_once(void **state)
{
    (void)state;
    struct fx *f =
        build(HEAD "    host h1 { gpu A16 x 2 }\n"
                   "    vm a { os linux }\n"
                   "    vm b { os linux }\n"
                   "    vm c { os linux }\n"
                   "    vm d { gpu vgpu A16-4Q; guest-driver 16.3; os linux; migration restart; host h1 }\n"
                   "    vm e { gpu vgpu A16-4Q; guest-driver 16.3; os linux; migration restart; host h1 }\n"
                   "    vm g { gpu vgpu A16-4Q; guest-driver 16.3; os linx; migration restart; host h1 }\n"
                   "    vm i { gpu vgpu A16-4Q; guest-driver 16.3; os linux; migration restart; host h1 }\n"
                   "    vm j { gpu vgpu A16-4Q; guest-driver 16.3; os linux; migration restart; host h1; os linux }\n"
                   "    vm k { gpu vgpu A16-4Q; guest-driver 16.3; os linux; migration restart; host h2 }\n"
                   "}\n");
    /* a, b, c: each has no `gpu` (the walk's own VG1008: a VM read with a
     * diagnostic is not a record to store others from) */
    assert_int_equal(count(f, VG1008), 3);
    const char *no_gpu[] = {"vm `a` has no `gpu`", "vm `b` has no `gpu`", "vm `c` has no `gpu`"};
    size_t k = 0;
    for (size_t i = 0; i < f->ctx.diags.n; i++)
        if (f->ctx.diags.v[i]->code == VG1008)
            assert_string_equal(f->ctx.diags.v[i]->message, no_gpu[k++]);
    /* g: the same directives as e, another word: checked */
    assert_int_equal(count(f, VG1003), 1);
    expect(f, VG1003, "`os` expects `windows` or `linux`, found `linx`", "linx", 0);
    /* j: one more statement, given twice */
    assert_int_equal(count(f, VG1007), 1);
    /* k: pinned to a host that does not exist */
    assert_int_equal(count(f, VG1006), 1);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_int_equal(c->nvms, 9);
    for (size_t i = 3; i < 9; i++) {
        const struct vg_vm *vm = c->vms[i];
        assert_int_equal(vm->mode, VG_MODE_VGPU);
        assert_non_null(vm->profile);
        assert_string_equal(vm->profile->name, "A16-4Q");
        assert_string_equal(vm->guest.text, "16.3");
        assert_int_equal(vm->guest.nrel, 1);
        assert_int_equal(vm->migration, VG_MIG_RESTART);
        assert_int_equal(vm->guest.span.start, off(f, "16.3", (int)i - 3));
        assert_int_equal(vg_vm_at(vm, VG_AT_GPU_ARG).start, off(f, "A16-4Q", (int)i - 3));
        assert_int_equal(vg_vm_at(vm, VG_AT_PIN).start, off(f, "host h", (int)i - 2) + 5);
        if (i != 8)
            assert_ptr_equal(vm->pin, c->hosts[0]);
    }
    assert_int_equal(c->vms[4]->os, VG_OS_LINUX);
    assert_int_equal(c->vms[6]->os, VG_OS_LINUX);
    assert_null(c->vms[8]->pin);
    done(f);
}

static void test_range_padding(void **state)
{
    (void)state;
    struct fx *f = build(HEAD "    host n[8..11] { gpu L40 }\n    host \"x-[1..2]\" { gpu L40 }\n}\n");
    assert_int_equal(f->ctx.diags.n, 0);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_int_equal(c->nhosts, 5);
    assert_string_equal(c->hosts[0]->name, "n8");
    assert_string_equal(c->hosts[3]->name, "n11");
    assert_string_equal(c->hosts[4]->name, "x-[1..2]"); /* strings are never expanded */
    done(f);
    f = build(HEAD "    host n-[008..010]-a { gpu L40 }\n}\n");
    assert_string_equal(f->m->clusters[0]->hosts[0]->name, "n-008-a");
    assert_string_equal(f->m->clusters[0]->hosts[2]->name, "n-010-a");
    done(f);
}

static void test_range_limits(void **state)
{
    (void)state;
    struct fx *f = build(HEAD "    host h { gpu L40 }\n    vm v-[1..100000] { gpu passthrough L40 }\n}\n");
    assert_int_equal(f->ctx.diags.n, 0);
    assert_int_equal(f->m->clusters[0]->nvms, 100000);
    assert_string_equal(f->m->clusters[0]->vms[99999]->name, "v-100000");
    done(f);
    f = build(HEAD "    vm v-[1..100001] { gpu passthrough L40 }\n}\n");
    expect(f, VG1005, "more than 100000 names", "[1..100001]", 0);
    assert_int_equal(f->m->clusters[0]->nvms, 0);
    done(f);
    clock_t t0 = clock();
    f = build(HEAD "    vm v-[1..99999999999] { gpu passthrough L40 }\n}\n");
    assert_int_equal(count(f, VG1005), 1);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
    done(f);
    f = build(HEAD "    host h-[5..1] { gpu L40 }\n    vm v { gpu passthrough L40; host h-1 }\n}\n");
    expect(f, VG1005, "bad range in `h-[5..1]`", "[5..1]", 0);
    assert_int_equal(count(f, VG1006), 0); /* no cascade on the pin */
    done(f);
    f = build(HEAD "    host h-[1..2]-[1..2] { gpu L40 }\n}\n");
    assert_int_equal(count(f, VG1005), 1);
    done(f);
    f = build("cluster c-[1..2] {\n    platform esxi 8.0u2\n}\n");
    expect(f, VG1005, "a cluster name cannot hold a range", "c-[1..2]", 0);
    done(f);
}

static void test_vg1004_duplicates(void **state)
{
    (void)state;
    struct fx *f = build(HEAD "    host h { gpu L40 }\n    vm vdi-[001..020] { gpu passthrough L40 }\n"
                              "    vm vdi-010 { gpu passthrough L40 }\n}\n");
    expect(f, VG1004, "VM `vdi-010` is declared twice in cluster `c`", "vdi-010", 0);
    const struct vg_diag *d = find(f, VG1004);
    assert_int_equal(d->nlabels, 1);
    assert_int_equal(d->labels[0].span.start, off(f, "vdi-[001..020]", 0));
    assert_true(has_text(d, "`vdi-010` is also declared here"));
    assert_int_equal(f->m->clusters[0]->nvms, 20);
    done(f);
    /* overlapping ranges: one diagnostic for the run */
    f = build(HEAD "    host h-[1..10] { gpu L40 }\n    host h-[5..20] { gpu L40 }\n}\n");
    assert_int_equal(count(f, VG1004), 1);
    expect(f, VG1004, "6 host names, `h-5` to `h-10`, are declared twice", "h-[5..20]", 0);
    assert_int_equal(f->m->clusters[0]->nhosts, 20);
    done(f);
    f = build("license-server a { kind dls }\nlicense-server a { kind cls }\n"
              "cluster x { platform esxi 8.0u2 }\ncluster x { platform esxi 8.0u2 }\n");
    assert_int_equal(count(f, VG1004), 2);
    expect(f, VG1004, "license server `a` is declared twice", "a { kind cls", 0);
    assert_int_equal(f->m->nlicenses, 1);
    assert_int_equal(f->m->nclusters, 1);
    done(f);
}

/* VM names in increasing order are checked without a table (build.c); the
 * first name out of order puts the names before it into the table. A name
 * repeated after that is found, and two names that differ in case only are
 * one name, also in increasing byte order (`VM-1` < `vm-1`). */
static void test_vg1004_after_names_in_order(void **state)
{
    (void)state;
    struct fx *f = build(HEAD "    host h { gpu L40 }\n    vm vm-a { gpu passthrough L40 }\n"
                              "    vm vm-c { gpu passthrough L40 }\n    vm vm-b { gpu passthrough L40 }\n"
                              "    vm vm-d { gpu passthrough L40 }\n    vm vm-a { gpu passthrough L40 }\n}\n");
    assert_int_equal(count(f, VG1004), 1);
    expect(f, VG1004, "VM `vm-a` is declared twice in cluster `c`", "vm-a {", 1);
    assert_int_equal(f->m->clusters[0]->nvms, 4);
    done(f);
    f = build(HEAD "    host h { gpu L40 }\n    vm VM-1 { gpu passthrough L40 }\n"
                   "    vm vm-1 { gpu passthrough L40 }\n    vm vm-2 { gpu passthrough L40 }\n}\n");
    assert_int_equal(count(f, VG1004), 1);
    expect(f, VG1004, "VM `vm-1` is declared twice in cluster `c`", "vm-1 {", 0);
    assert_true(has_text(find(f, VG1004), "`VM-1` and `vm-1` are one name"));
    assert_int_equal(f->m->clusters[0]->nvms, 2);
    done(f);
}

static void test_vg1004_ok(void **state)
{
    (void)state;
    /* the same VM name in two clusters, and a host and a VM with one name */
    struct fx *f = build(
        HEAD "    host a { gpu L40 }\n    vm a { gpu passthrough L40 }\n}\n"
             "cluster d {\n    platform esxi 8.0u2\n    host a { gpu L40 }\n    vm a { gpu passthrough L40 }\n}\n");
    assert_int_equal(count(f, VG1004), 0);
    done(f);
}

/* --- VG1006 ------------------------------------------------------------------ */

static void test_vg1006_references(void **state)
{
    (void)state;
    struct fx *f =
        build(HEAD "    license-server dls-eats\n    host node-01 { gpu L40 }\n"
                   "    vm v { gpu passthrough L40; host node-10 }\n}\nlicense-server dls-east { kind dls }\n");
    assert_int_equal(count(f, VG1006), 2);
    expect(f, VG1006, "no host named `node-10` in cluster `c`", "node-10", 0);
    for (size_t i = 0; i < f->ctx.diags.n; i++) {
        const struct vg_diag *d = f->ctx.diags.v[i];
        if (strstr(d->message, "license server")) {
            assert_string_equal(d->message, "no license server named `dls-eats`");
            assert_true(has_text(d, "did you mean `dls-east`?"));
        } else {
            assert_true(has_text(d, "did you mean `node-01`?"));
        }
    }
    done(f);
    f = build(HEAD "    host n-[1..3] { gpu L40 }\n    vm v { gpu passthrough L40; hosts n-[2..4] }\n}\n");
    expect(f, VG1006, "no host named `n-4`", "n-[2..4]", 0);
    done(f);
}

static void test_vg1006_ok_forward(void **state)
{
    (void)state;
    /* a VM may pin a host declared later; a cluster may name a license server declared later */
    struct fx *f =
        build(HEAD "    license-server l\n    vm v { gpu passthrough L40; host late }\n"
                   "    vm w { gpu passthrough L40; hosts n-[1..2] late }\n"
                   "    host late { gpu L40 }\n    host n-[1..2] { gpu L40 }\n}\nlicense-server l { kind dls }\n");
    if (f->ctx.diags.n)
        dump(f);
    assert_int_equal(f->ctx.diags.n, 0);
    const struct vg_cluster *c = f->m->clusters[0];
    assert_ptr_equal(c->vms[0]->pin, c->hosts[0]);
    assert_int_equal(c->vms[1]->nallowed, 3);
    assert_false(vg_vm_may_run_on(c->vms[0], c->hosts[1]));
    assert_true(vg_vm_may_run_on(c->vms[1], c->hosts[2]));
    assert_ptr_equal(c->license, f->m->licenses[0]);
    done(f);
}

/* --- includes (VG1009) ----------------------------------------------------------- */

static char tmpdir[64];

static struct fx *build_path(const char *name)
{
    struct fx *f = prepare();
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    uint32_t id = vg_source_load(&f->ctx, path, NULL, vg_span_make(0, 0, 0));
    assert_int_not_equal(id, 0);
    f->text = vg_source_get(&f->ctx, id)->text;
    f->m = vg_model_build(&f->ctx, &id, 1);
    return f;
}

static int setup_dir(void **state)
{
    (void)state;
    return ut_scratch(tmpdir, sizeof tmpdir, "model");
}

static int remove_dir(void **state)
{
    (void)state;
    return ut_remove_tree(tmpdir);
}

/* The tree is handed to the model block by block; diagnostics are queued as
 * if the whole file had been parsed first: its syntax errors, then the rest. */
static void test_streamed_blocks_keep_the_order_of_errors(void **state)
{
    (void)state;
    static const char text[] = "cluster a {\n    platform esxi 8.0u2\n    bogus 1\n}\n"
                               "cluster b {\n    platform esxi 8.0u2\n    = 1\n}\n";
    struct fx *f = build(text);
    assert_int_equal(count(f, VG1002), 1);
    assert_int_equal(count(f, VG1001), 1);
    assert_int_equal(f->ctx.diags.v[0]->code, VG1001); /* queued first, though read later */
    assert_int_equal(f->m->nfiles, 1);
    for (const struct vg_stmt *st = f->m->files[0]->first; st; st = st->next)
        assert_null(st->body); /* released once read */
    done(f);

    f = prepare();
    f->ctx.opt.error_limit = 1;
    f->text = text;
    uint32_t id = vg_source_add(&f->ctx, "t.vgpu", text, strlen(text), vg_span_make(0, 0, 0));
    f->m = vg_model_build(&f->ctx, &id, 1);
    assert_int_equal(count(f, VG1001), 1); /* the syntax error is the one kept */
    assert_int_equal(count(f, VG1002), 0);
    assert_int_equal(f->ctx.diags.dropped_errors, 1);
    assert_int_equal(f->m->nclusters, 2);
    done(f);
}

static void test_include_relative(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/sub", tmpdir);
    mkdir(dir, 0700);
    ut_write(tmpdir, "sub/licensing.vgpu", "license-server dls-east { kind dls }\n");
    ut_write(tmpdir, "sub/common.vgpu", "include \"licensing.vgpu\"\n");
    ut_write(tmpdir, "main.vgpu",
             "include \"sub/licensing.vgpu\"\ninclude \"sub/common.vgpu\"\n"
             "cluster c {\n    platform esxi 8.0u2\n    license-server dls-east\n}\n");
    struct fx *f = build_path("main.vgpu");
    if (f->ctx.diags.n)
        dump(f);
    assert_int_equal(f->ctx.diags.n, 0); /* licensing.vgpu is read once: no VG1004 */
    assert_int_equal(f->m->nfiles, 3);
    assert_int_equal(f->m->nroots, 1);
    assert_int_equal(f->m->nlicenses, 1);
    assert_ptr_equal(f->m->clusters[0]->license, f->m->licenses[0]);
    done(f);
}

static void test_include_missing_and_cycle(void **state)
{
    (void)state;
    ut_write(tmpdir, "m.vgpu", "include \"nowhere.vgpu\"\n");
    struct fx *f = build_path("m.vgpu");
    expect(f, VG1009, "nowhere.vgpu", "include", 0);
    done(f);
    ut_write(tmpdir, "a.vgpu", "include \"b.vgpu\"\nlicense-server a { kind dls }\n");
    ut_write(tmpdir, "b.vgpu", "include \"a.vgpu\"\n");
    f = build_path("a.vgpu");
    assert_int_equal(count(f, VG1009), 1);
    const struct vg_diag *d = find(f, VG1009);
    assert_non_null(strstr(d->message, "include cycle: "));
    assert_non_null(strstr(d->message, "a.vgpu` -> `"));
    assert_non_null(strstr(d->message, "b.vgpu` -> `"));
    assert_int_not_equal(d->span.file, 1); /* the include in b.vgpu closes it */
    assert_int_equal(d->nlabels, 1);
    assert_int_equal(d->labels[0].span.file, 1);
    assert_int_equal(f->m->nlicenses, 1);
    done(f);
}

static void test_include_depth(void **state)
{
    (void)state;
    char name[32], text[64];
    for (int i = 0; i <= VG_MAX_INCLUDE_DEPTH + 1; i++) {
        snprintf(name, sizeof name, "d%d.vgpu", i);
        snprintf(text, sizeof text, "include \"d%d.vgpu\"\n", i + 1);
        ut_write(tmpdir, name, text);
    }
    snprintf(name, sizeof name, "d%d.vgpu", VG_MAX_INCLUDE_DEPTH + 2);
    ut_write(tmpdir, name, "");
    struct fx *f = build_path("d0.vgpu");
    assert_int_equal(count(f, VG1009), 1);
    expect(f, VG1009, "includes nested more than 16 deep", NULL, 0);
    assert_int_equal(f->m->nfiles, VG_MAX_INCLUDE_DEPTH + 1);
    done(f);
    /* exactly the limit is fine */
    snprintf(name, sizeof name, "d%d.vgpu", VG_MAX_INCLUDE_DEPTH);
    ut_write(tmpdir, name, "");
    f = build_path("d0.vgpu");
    assert_int_equal(count(f, VG1009), 0);
    done(f);
}

/* --- VG2001-VG2004 --------------------------------------------------------------- */

static void test_vg2001_gpu_model(void **state)
{
    (void)state;
    struct fx *f = build(HEAD "    host h { gpu A61 x 2 }\n    vm v { gpu passthrough L4O }\n}\n");
    assert_int_equal(count(f, VG2001), 2);
    expect(f, VG2001, "unknown GPU model `A61`", "A61", 0);
    /* A61 may be another GPU: no "did you mean" naming a different model number */
    assert_false(has_text(find(f, VG2001), "did you mean"));
    assert_true(has_text(find(f, VG2001), "`A61` is not in the catalog"));
    assert_null(f->m->clusters[0]->hosts[0]->gpus[0].model);
    assert_int_equal(f->m->clusters[0]->hosts[0]->npgpus, 0);
    done(f);
    f = build(HEAD "    host h { gpu a-016 x 2 }\n}\n"); /* another spelling of A16 */
    assert_true(has_text(find(f, VG2001), "did you mean `A16`?"));
    done(f);
    f = build(HEAD "    host h { gpu L40 }\n    vm v { gpu passthrough L40 }\n}\n");
    assert_int_equal(count(f, VG2001), 0);
    done(f);
}

static void test_vg2002_profile(void **state)
{
    (void)state;
    struct fx *f = build(HEAD "    host h { gpu L40 }\n    vm v { gpu vgpu L40-12QQ; guest-driver 16.5 }\n}\n");
    expect(f, VG2002, "unknown vGPU profile `L40-12QQ`", "L40-12QQ", 0);
    assert_true(has_text(find(f, VG2002), "did you mean `L40-12Q`?"));
    done(f);
    f = build(HEAD "    host h-[1..2] { gpu A16 }\n    vm v-[1..5] { gpu vgpu L40-12Q; guest-driver 16.5 }\n}\n");
    assert_int_equal(count(f, VG2002), 1); /* once for the range */
    expect(f, VG2002, "profile `L40-12Q` needs L40 GPUs, but the hosts of `c` have only A16 GPUs", "L40-12Q", 0);
    done(f);
    f = build(HEAD
              "    host h { gpu A16 }\n    host g { gpu L40 }\n    vm v { gpu vgpu L40-12Q; guest-driver 16.5 }\n}\n");
    assert_int_equal(count(f, VG2002), 0);
    done(f);
}

static void test_vg2003_release(void **state)
{
    (void)state;
    struct fx *f =
        build(HEAD "    host h { gpu L40; vgpu-manager 23.99 }\n    vm v { gpu vgpu L40-12Q; guest-driver 16.5 }\n}\n");
    expect(f, VG2003, "unknown vGPU release or driver `23.99`", "23.99", 0);
    assert_true(has_text(find(f, VG2003), "--catalog FILE"));
    done(f);
    /* 538.46 is a Windows guest driver, given as a host vGPU Manager */
    f = build("cluster c {\n    platform azure-stack-hci 22H2\n    vgpu-manager 538.46\n}\n");
    expect(f, VG2003, "`538.46` is the 16.5 Windows guest driver, not a vGPU Manager for the Hyper-V family", "538.46",
           0);
    assert_true(has_text(find(f, VG2003), "`16.5`"));
    done(f);
    /* the same driver on the VM resolves */
    f = build(HEAD "    host h { gpu L40 }\n    vm v { gpu vgpu L40-12Q; guest-driver 538.46 }\n}\n");
    assert_int_equal(count(f, VG2003), 0);
    assert_string_equal(f->m->clusters[0]->vms[0]->guest.rel[0]->name, "16.5");
    done(f);
}

static void test_vg2004_platform(void **state)
{
    (void)state;
    struct fx *f = build("cluster c {\n    platform esxy 8.0u2\n}\n");
    expect(f, VG2004, "unknown platform family `esxy`", "esxy", 0);
    assert_true(has_text(find(f, VG2004), "did you mean `esxi`?"));
    assert_int_equal(f->m->clusters[0]->kind, 0);
    done(f);
    f = build("cluster c {\n    platform esxi 5.5\n    gpu-partitions 4\n}\n");
    expect(f, VG2004, "unknown `esxi` version `5.5`", "5.5", 0);
    assert_true(has_text(find(f, VG2004), "8.0u2"));
    assert_null(f->m->clusters[0]->platform);
    assert_int_equal(f->m->clusters[0]->kind, VG_FAMILY_VSPHERE); /* known from the family */
    assert_int_equal(count(f, VG1010), 1);
    done(f);
    f = build("cluster c {\n    platform azure-local 12.2504\n}\n");
    assert_int_equal(count(f, VG2004), 0);
    assert_int_equal(f->m->clusters[0]->kind, VG_FAMILY_HYPERV);
    done(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_model),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_field),
        cmocka_unit_test(test_range_padding),
        cmocka_unit_test(test_range_limits),
        cmocka_unit_test(test_vg1004_duplicates),
        cmocka_unit_test(test_vg1004_ok),
        cmocka_unit_test(test_vg1004_after_names_in_order),
        cmocka_unit_test(test_vg1006_references),
        cmocka_unit_test(test_vg1006_ok_forward),
        cmocka_unit_test(test_streamed_blocks_keep_the_order_of_errors),
        cmocka_unit_test(test_include_relative),
        cmocka_unit_test(test_include_missing_and_cycle),
        cmocka_unit_test(test_include_depth),
        cmocka_unit_test(test_vg2001_gpu_model),
        cmocka_unit_test(test_vg2002_profile),
        cmocka_unit_test(test_vg2003_release),
        cmocka_unit_test(test_vg2004_platform),
        cmocka_unit_test(test_vm_spans_shared),
        cmocka_unit_test(test_schema_memo_keys),
        cmocka_unit_test(test_vms_alike_checked_once),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
