/*
 * test_drift.c - compiler/driver/drift.c without the command around it: a
 * declared cluster against an inventory document that matches it (no
 * difference), and against documents that differ in one thing each: the
 * diagnostic's code and its line, once. The twin plants the same kinds of
 * drift in a converged cluster (tests/twin/adopt); this runs them under the
 * sanitizers. A vSphere document too: no drift, another vGPU type, another
 * vGPU Manager component.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/strbuf.h"
#include "catalog/catalog.h"
#include "core/ctx.h"
#include "core/diag.h"
#include "core/source.h"
#include "driver/drift.h"
#include "driver/inventory.h"
#include "model/model.h"
#include "plan/plan.h"

static const char vgpu[] = "license-server dls {\n"             /* 1 */
                           "    kind dls\n"                     /* 2 */
                           "    version 3.5.0\n"                /* 3 */
                           "    editions vws\n"                 /* 4 */
                           "}\n"                                /* 5 */
                           "cluster c {\n"                      /* 6 */
                           "    platform azure-local 12.2504\n" /* 7 */
                           "    vgpu-manager 19.1\n"            /* 8 */
                           "    license-server dls\n"           /* 9 */
                           "    gpu-partitions 2\n"             /* 10 */
                           "    host n-[1..2] {\n"              /* 11 */
                           "        gpu A16 x 1\n"              /* 12 */
                           "    }\n"                            /* 13 */
                           "    vm vdi-[01..02] {\n"            /* 14 */
                           "        gpu vgpu A16-8Q\n"          /* 15 */
                           "        guest-driver 19.1\n"        /* 16 */
                           "        memory 16GB\n"              /* 17 */
                           "    }\n"                            /* 18 */
                           "}\n";

#define A16(lp, parts)                                                                                      \
    "{\"mode\": \"partitionable\", \"location_path\": \"" lp "\", \"vendor_id\": \"10DE\", \"device_id\": " \
    "\"25B6\", \"subsystem_id\": \"14A910DE\", \"friendly_name\": \"NVIDIA A16\", \"partition_count\": " parts "}"
#define VM(name, mem, adapters)                                                                               \
    "{\"name\": \"" name "\", \"memory_startup_bytes\": " mem ", \"generation\": 2, "                         \
    "\"low_mmio_bytes\": 1073741824, \"high_mmio_bytes\": 34359738368, \"gpu_partition_adapters\": " adapters \
    ", \"assignable_devices\": [], \"possible_owners\": [\"n-1\", \"n-2\"]}"
#define HOST(name, drv, gpus, vms)                                                                       \
    "{\"name\": \"" name "\", \"reachable\": true, \"os_build\": null, \"nvidia_driver\": \"" drv "\", " \
    "\"gpus\": [" gpus "], \"vms\": [" vms "]}"
#define FOUR(parts) A16("a", parts) "," A16("b", parts) "," A16("c", parts) "," A16("d", parts)
#define DOC(h1, h2)                                                                                             \
    "{\"inventory_version\": 1, \"platform\": \"hyperv\", \"cluster\": {\"name\": \"c\", \"nodes\": [\"n-1\", " \
    "\"n-2\"]}, \"hosts\": [" h1 "," h2 "]}"

#define MEM16 "17179869184"
#define N1 HOST("n-1", "581.15", FOUR("2"), VM("vdi-01", MEM16, "1"))
#define N2 HOST("n-2", "581.15", FOUR("2"), VM("vdi-02", MEM16, "1"))

static const char vsphere[] = "license-server dls {\n"      /* 1 */
                              "    kind dls\n"              /* 2 */
                              "    version 3.5.0\n"         /* 3 */
                              "    editions vws\n"          /* 4 */
                              "}\n"                         /* 5 */
                              "cluster v {\n"               /* 6 */
                              "    platform esxi 8.0u2\n"   /* 7 */
                              "    vcenter 8.0u2\n"         /* 8 */
                              "    vgpu-manager 19.1\n"     /* 9 */
                              "    license-server dls\n"    /* 10 */
                              "    host esx-[1..2] {\n"     /* 11 */
                              "        gpu L40 x 1\n"       /* 12 */
                              "    }\n"                     /* 13 */
                              "    vm ml-[1..2] {\n"        /* 14 */
                              "        gpu vgpu L40-12Q\n"  /* 15 */
                              "        guest-driver 19.1\n" /* 16 */
                              "        os linux\n"          /* 17 */
                              "        memory 16GB\n"       /* 18 */
                              "    }\n"                     /* 19 */
                              "}\n";

#define VSVM(name, host, prof)                                                                       \
    "{\"name\": \"" name "\", \"host\": \"" host "\", \"firmware\": \"efi\", \"memory_mb\": 16384, " \
    "\"mmio_64bit_gb\": null, \"vgpu_profiles\": [\"" prof "\"], \"passthrough_devices\": []}"
#define VSHOST(name, ver, vm)                                                                               \
    "{\"name\": \"" name "\", \"reachable\": true, \"esxi_version\": \"8.0.2\", \"nvidia_component\": "     \
    "{\"name\": \"NVD-AIE-800\", \"version\": \"" ver "-1OEM.800.1.0.20613240\"}, \"gpus\": [{\"pci_id\": " \
    "\"0000:3b:00.0\", \"vendor_id\": \"10DE\", \"device_id\": \"26B5\", \"device_name\": \"NVIDIA L40\", " \
    "\"graphics_type\": \"sharedDirect\", \"vgpu_mode\": null, \"passthrough_enabled\": false}], \"vms\": [" vm "]}"
#define VSDOC(h1, h2)                                                                                    \
    "{\"inventory_version\": 1, \"platform\": \"vmware\", \"vcenter\": {\"name\": \"vc\", \"version\": " \
    "\"8.0.2\"}, \"cluster\": {\"name\": \"v\", \"nodes\": [\"esx-1\", \"esx-2\"], \"drs_groups\": [], " \
    "\"drs_rules\": []}, \"hosts\": [" h1 "," h2 "]}"

/* Compare `text` with `json`; returns the number of differences, the queue finished in ctx. */
static size_t drift_of(struct vg_ctx *ctx, const char *text, const char *json)
{
    vg_ctx_init(ctx);
    ctx->opt.today = 20261121;
    ctx->catalog = vg_catalog_load(ctx, NULL, 0);
    assert_non_null(ctx->catalog);
    uint32_t f = vg_source_add(ctx, "c.vgpu", text, strlen(text), vg_span_make(0, 0, 0));
    uint32_t j = vg_source_add(ctx, "inv.json", json, strlen(json), vg_span_make(0, 0, 0));
    struct vg_model *m = vg_model_build(ctx, &f, 1);
    struct vg_plan *p = vg_plan_build(ctx, m);
    assert_int_equal(vg_diag_error_count(ctx), 0);
    struct vg_inventory inv;
    assert_int_equal(vg_inventory_read(ctx, j, &inv), 0);
    size_t n = vg_drift_compare(ctx, m, p, &inv);
    vg_diags_finish(ctx);
    return n;
}

static size_t drift(struct vg_ctx *ctx, const char *json) { return drift_of(ctx, vgpu, json); }

/* The one diagnostic of the queue has `code` at `line` of c.vgpu. */
static void expect_one(struct vg_ctx *ctx, enum vg_code code, uint32_t line, const char *text)
{
    assert_int_equal(ctx->diags.n, 1);
    const struct vg_diag *d = ctx->diags.v[0];
    assert_int_equal(d->code, code);
    struct vg_loc at = vg_source_loc(vg_source_get(ctx, d->span.file), d->span.start);
    assert_int_equal(at.line, line);
    if (!strstr(d->message, text))
        fail_msg("message `%s` lacks `%s`", d->message, text);
}

static void test_no_drift(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    assert_int_equal(drift(&ctx, DOC(N1, N2)), 0);
    assert_int_equal(ctx.diags.n, 0);
    vg_ctx_free(&ctx);
}

static void test_each_kind_once_at_its_line(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        enum vg_code code;
        uint32_t line;
        const char *text;
    } cases[] = {
        {DOC(HOST("n-1", "581.15", A16("a", "2") "," A16("b", "2") "," A16("c", "2"), VM("vdi-01", MEM16, "1")), N2),
         VG8004, 12, "host `n-1` has 3 A16 GPUs, the file declares 4"},
        {DOC(HOST("n-1", "573.55", FOUR("2"), VM("vdi-01", MEM16, "1")), N2), VG8005, 8,
         "runs NVIDIA host driver 573.55 (vGPU 18.4)"},
        {DOC(HOST("n-1", "581.15", FOUR("4"), VM("vdi-01", MEM16, "1")), N2), VG8006, 10, "has 4 partitions"},
        {DOC(HOST("n-1", "581.15", FOUR("2"), ""), N2), VG8007, 14, "`vdi-01` is not in the inventory"},
        {DOC(HOST("n-1", "581.15", FOUR("2"), VM("vdi-01", MEM16, "1") "," VM("extra", MEM16, "1")), N2), VG8008, 6,
         "VM `extra` on host `n-1` holds 1 GPU partition adapter but is not declared"},
        {DOC(HOST("n-1", "581.15", FOUR("2"), VM("vdi-01", MEM16, "2")), N2), VG8009, 15,
         "`vdi-01` has 2 GPU partition adapters, the file declares GPU-P A16-8Q"},
        {DOC(HOST("n-1", "581.15", FOUR("2"), VM("vdi-01", "8589934592", "1")), N2), VG8010, 17,
         "`vdi-01` has startup memory 8GB, the file declares 16GB"},
        {DOC(N1, "{\"name\": \"n-2\", \"reachable\": false, \"error\": \"WinRM: access denied\"}"), VG8003, 11,
         "host `n-2` could not be read by the inventory: WinRM: access denied"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_ctx ctx;
        size_t n = drift(&ctx, cases[i].doc);
        if (n != 1)
            fail_msg("case %zu: %zu differences", i, n);
        expect_one(&ctx, cases[i].code, cases[i].line, cases[i].text);
        vg_ctx_free(&ctx);
    }
}

static void test_vsphere(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        enum vg_code code;
        uint32_t line;
        const char *text;
    } cases[] = {
        {VSDOC(VSHOST("esx-1", "580.82.02", VSVM("ml-1", "esx-1", "grid_l40-12q")),
               VSHOST("esx-2", "580.82.02", VSVM("ml-2", "esx-2", "grid_l40-12q"))),
         VG_CODE_COUNT, 0, NULL},
        {VSDOC(VSHOST("esx-1", "580.82.02", VSVM("ml-1", "esx-1", "grid_l40-24q")),
               VSHOST("esx-2", "580.82.02", VSVM("ml-2", "esx-2", "grid_l40-12q"))),
         VG8009, 15, "`ml-1` has the vGPU type grid_l40-24q, the file declares L40-12Q"},
        {VSDOC(VSHOST("esx-1", "580.82.02", VSVM("ml-1", "esx-1", "grid_l40-12q")),
               VSHOST("esx-2", "570.172.07", VSVM("ml-2", "esx-2", "grid_l40-12q"))),
         VG8005, 9, "host `esx-2` runs NVIDIA host driver 570.172.07 (vGPU 18.4)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct vg_ctx ctx;
        size_t n = drift_of(&ctx, vsphere, cases[i].doc);
        if (cases[i].code == VG_CODE_COUNT) {
            assert_int_equal(n, 0);
            assert_int_equal(ctx.diags.n, 0);
        } else {
            if (n != 1)
                fail_msg("vSphere case %zu: %zu differences", i, n);
            expect_one(&ctx, cases[i].code, cases[i].line, cases[i].text);
        }
        vg_ctx_free(&ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_drift),
        cmocka_unit_test(test_each_kind_once_at_its_line),
        cmocka_unit_test(test_vsphere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
