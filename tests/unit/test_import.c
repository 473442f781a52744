/*
 * test_import.c - compiler/driver/import.c without the command around it: the
 * catalog mappings (driver to release, PCI id and name to model, partitions to
 * profile, OS build to platform), folding of hosts and VMs into ranges, the
 * comments for what cannot be mapped, and VG8001 located at the right byte
 * or member for invalid documents (with nothing appended to the output).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "core/diag.h"
#include "driver/import.h"
#include "core/source.h"
#include "base/strbuf.h"

/* Import `json`; returns the result, the text in *out (caller frees). */
static int import(struct vg_ctx *ctx, const char *json, struct vg_strbuf *out)
{
    vg_ctx_init(ctx);
    ctx->catalog = vg_catalog_load(ctx, NULL, 0);
    assert_non_null(ctx->catalog);
    uint32_t f = vg_source_add(ctx, "inv.json", json, strlen(json), vg_span_make(0, 0, 0));
    vg_sb_init(out);
    return vg_import_inventory(ctx, f, out);
}

#define VM(name, host_extra)                                                              \
    "{\"name\": \"" name "\", \"memory_startup_bytes\": 17179869184, \"generation\": 2, " \
    "\"low_mmio_bytes\": 1073741824, \"high_mmio_bytes\": 34359738368, " host_extra "}"
#define GPUP "\"gpu_partition_adapters\": 1, \"assignable_devices\": [], \"possible_owners\": [\"n-1\", \"n-2\"]"
#define A16(lp)                                                                                                       \
    "{\"mode\": \"partitionable\", \"location_path\": \"" lp "\", \"vendor_id\": \"10DE\", \"device_id\": \"25B6\", " \
    "\"subsystem_id\": \"14A910DE\", \"friendly_name\": \"NVIDIA A16\", \"partition_count\": 2}"
#define HOST(name, vms)                                                                                      \
    "{\"name\": \"" name "\", \"reachable\": true, \"os_build\": \"26100\", \"nvidia_driver\": \"581.15\", " \
    "\"gpus\": [" A16("a") "," A16("b") "," A16("c") "," A16("d") "], \"vms\": [" vms "]}"

static const char good[] =
    "{\"inventory_version\": 1, \"platform\": \"hyperv\", "
    "\"cluster\": {\"name\": \"c\", \"nodes\": [\"n-1\", \"n-2\"]}, \"hosts\": [" HOST(
        "n-2", VM("vdi-03", GPUP)) "," HOST("n-1", VM("vdi-01", GPUP) "," VM("vdi-02", GPUP)) "]}";

static void test_maps_and_folds(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    struct vg_strbuf out;
    assert_int_equal(import(&ctx, good, &out), 0);
    const char *s = vg_sb_str(&out);
    assert_non_null(strstr(s, "cluster c {"));
    assert_non_null(strstr(s, "vgpu-manager 19.1  # host driver 581.15")); /* the Windows column */
    assert_non_null(strstr(s, "gpu-partitions 2"));
    assert_non_null(strstr(s, "host n-[1..2] {"));   /* equal hosts fold */
    assert_non_null(strstr(s, "gpu A16 x 1"));       /* 4 GPUs = 1 board */
    assert_non_null(strstr(s, "vm vdi-[01..03] {")); /* equal VMs fold across hosts */
    assert_non_null(strstr(s, "gpu vgpu A16-8Q"));   /* 16 GB / 2 partitions */
    assert_null(strstr(s, "hosts "));                /* owners = every node: not written */
    assert_non_null(strstr(s, "memory 16GB"));
    assert_non_null(strstr(s, "mmio low 1GB high 32GB"));
    /* OS build 26100 is several Azure Local versions: named, not guessed */
    assert_non_null(strstr(s, "# platform: OS build 26100 is more than one catalog platform version"));
    assert_null(strstr(s, "\n    platform "));
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
}

static void test_owner_subset_and_gap(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"inventory_version\": 1, \"platform\": \"hyperv\", "
        "\"cluster\": {\"name\": \"c\", \"nodes\": [\"n-1\", \"n-2\"]}, \"hosts\": [" HOST(
            "n-1",
            VM("vdi-01", GPUP) "," VM("vdi-03", GPUP) "," VM(
                "vdi-04",
                "\"gpu_partition_adapters\": 1, \"assignable_devices\": [], \"possible_owners\": [\"n-1\"]")) "]}";
    struct vg_ctx ctx;
    struct vg_strbuf out;
    assert_int_equal(import(&ctx, doc, &out), 0);
    const char *s = vg_sb_str(&out);
    assert_non_null(strstr(s, "vm vdi-01 {")); /* 01 and 03 are not consecutive */
    assert_non_null(strstr(s, "vm vdi-03 {"));
    assert_non_null(strstr(s, "vm vdi-04 {")); /* other owners: another block */
    assert_non_null(strstr(s, "hosts n-1\n"));
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
}

/* The one VG8001 of a bad document: its line and column and a message part. */
static void expect_bad(const char *doc, uint32_t line, uint32_t col, const char *needle)
{
    struct vg_ctx ctx;
    struct vg_strbuf out;
    assert_int_equal(import(&ctx, doc, &out), -1);
    assert_int_equal(out.len, 0);
    assert_int_equal(ctx.diags.n, 1);
    const struct vg_diag *d = ctx.diags.v[0];
    assert_int_equal(d->code, VG8001);
    struct vg_loc loc = vg_source_loc(vg_source_get(&ctx, d->span.file), d->span.start);
    if (loc.line != line || loc.col != col || !strstr(d->message, needle))
        fail_msg("got %u:%u %s", loc.line, loc.col, d->message);
    vg_sb_free(&out);
    vg_ctx_free(&ctx);
}

static void test_invalid(void **state)
{
    (void)state;
    expect_bad("{\"inventory_version\": 1,\n \"platform\": \"hyperv\",\n \"hosts\": [ }", 3, 13, "invalid inventory");
    expect_bad("{\"inventory_version\": 3, \"platform\": \"hyperv\", \"hosts\": []}", 1, 1,
               "`/inventory_version`: version 3");
    expect_bad("{\"inventory_version\": 1, \"platform\": \"hyperv\", \"hosts\": [{\"name\": \"a\\u0085b\", "
               "\"reachable\": false}]}",
               1, 1, "`/hosts/0/name`: holds the control or invisible character U+0085");
    expect_bad("{\"inventory_version\": 1, \"platform\": \"hyperv\", \"hosts\": [{\"name\": \"h\", "
               "\"reachable\": true, \"gpus\": [], \"vms\": [{\"name\": \"v\"}]}]}",
               1, 1, "`/hosts/0/vms/0/memory_startup_bytes`: missing");
    expect_bad("{\"inventory_version\": 1, \"platform\": \"hyperv\", \"hosts\": \"x\"}", 1, 1,
               "`/hosts`: expected an array");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maps_and_folds),
        cmocka_unit_test(test_owner_subset_and_gap),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
