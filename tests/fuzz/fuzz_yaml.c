/*
 * fuzz_yaml.c - libFuzzer target for the YAML loaders: the catalog and the
 * project config `.vgpuc.yaml`.
 *
 * Both loaders read files by path, so each input is written to one file,
 * /tmp/vgpuc-fuzz-<pid>/.vgpuc.yaml (overwritten per input, removed at exit),
 * and read twice: as an extra catalog file merged over the built-in one, and
 * as a config file (its catalog paths put through the confinement check, and
 * the config search run over its folder). When the merged catalog loads, a fixed design that uses
 * every platform family is compiled against it (model, plan, rules, reports,
 * scripts), because the rules and backends trust catalog data: a zero, a huge
 * count or a missing driver there must not crash them either. Every input
 * gets fresh contexts, freed after it, so LeakSanitizer sees per-input leaks.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "driver/config.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One design per platform family the built-in catalog knows, sharing one license server. */
static const char design[] =
    "license-server dls-east {\n"
    "    kind     dls\n"
    "    version  3.5.0\n"
    "    editions vws vpc vapps vcs\n"
    "}\n"
    "cluster hci {\n"
    "    platform               azure-stack-hci 22H2\n"
    "    vgpu-manager           16.5\n"
    "    license-server         dls-east\n"
    "    tolerate-host-failures 1\n"
    "    gpu-partitions         4\n"
    "    host hci-[01..03] { gpu A16 x 2 }\n"
    "    vm vdi-[01..08] {\n"
    "        gpu vgpu A16-4Q\n"
    "        guest-driver 538.33\n"
    "        os windows\n"
    "        migration restart\n"
    "        memory 16GB\n"
    "    }\n"
    "    vm cad-01 { gpu passthrough A16\n host hci-01\n migration none\n memory 64GB }\n"
    "}\n"
    "cluster local {\n"
    "    platform               azure-local 12.2504\n"
    "    vgpu-manager           19.1\n"
    "    license-server         dls-east\n"
    "    gpu-partitions         6\n"
    "    host al-[1..2] { gpu L40S x 2 }\n"
    "    vm viz-[1..6] { gpu vgpu L40S-8Q\n guest-driver 19.1\n migration live\n generation 2\n memory 32GB }\n"
    "}\n"
    "cluster ws {\n"
    "    platform               windows-server 2025\n"
    "    edition                datacenter\n"
    "    vgpu-manager           19.1\n"
    "    license-server         dls-east\n"
    "    gpu-partitions         4\n"
    "    host ws-[1..2] { gpu L4 x 2 }\n"
    "    vm eng-[1..4] { gpu vgpu L4-6Q\n guest-driver 19.1\n migration live\n memory 32GB }\n"
    "}\n"
    "cluster vsan {\n"
    "    platform               esxi 8.0u3\n"
    "    vcenter                8.0u3\n"
    "    vgpu-manager           19.1\n"
    "    license-server         dls-east\n"
    "    tolerate-host-failures 1\n"
    "    vgpu-mode              mixed-size\n"
    "    host esx-[01..03] { gpu L40 x 2 }\n"
    "    host esx-ai { gpu A100 }\n"
    "    vm ml-[01..06] { gpu vgpu L40-12Q\n guest-driver 19.1\n os linux\n migration live\n memory 64GB }\n"
    "    vm ai-01 { gpu vgpu A100-3-20C\n host esx-ai\n guest-driver 19.1\n os linux\n migration none\n memory 64GB }\n"
    "    vm train-01 { gpu passthrough L40\n host esx-03\n os linux\n migration none\n memory 256GB\n"
    "                  firmware efi }\n"
    "}\n";

static char dir_path[64], file_path[96];

static void remove_temp(void)
{
    unlink(file_path);
    rmdir(dir_path);
}

/* Make the per-process folder once; an unusable /tmp is a harness failure, not a finding. */
static void init_temp(void)
{
    snprintf(dir_path, sizeof dir_path, "/tmp/vgpuc-fuzz-%ld", (long)getpid());
    snprintf(file_path, sizeof file_path, "%s/%s", dir_path, VG_CONFIG_NAME);
    if (mkdir(dir_path, 0700) != 0 && access(dir_path, W_OK) != 0) {
        perror(dir_path);
        abort();
    }
    atexit(remove_temp);
}

static void write_input(const uint8_t *data, size_t size)
{
    int fd = open(file_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(file_path);
        abort();
    }
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            perror(file_path);
            abort();
        }
        off += (size_t)w;
    }
    close(fd);
}

static void fuzz_catalog(void)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.opt.today = VG_FUZZ_TODAY;
    const char *extra[] = {file_path};
    ctx.catalog = vg_catalog_load(&ctx, extra, 1);
    if (ctx.catalog) {
        /* lookups by every driver column, as the model does for versions */
        const struct vg_release *out[8];
        enum vg_driver_kind kind;
        static const char *const words[] = {"16.5", "19.1", "538.33", "535.161.05", "99.0", "14.x", ""};
        for (size_t i = 0; i < sizeof words / sizeof *words; i++)
            vg_fuzz_sink += vg_catalog_resolve_any(ctx.catalog, words[i], &kind, out, 8);
        uint32_t id = vg_source_add(&ctx, "design.vgpu", design, sizeof design - 1, vg_span_make(0, 0, 0));
        vg_fuzz_compile(&ctx, &id, 1);
    } else {
        vg_diags_finish(&ctx);
        vg_fuzz_render_all(&ctx, 0);
    }
    vg_ctx_free(&ctx);
}

static void fuzz_config(void)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    struct vg_config cfg;
    if (vg_config_load(&ctx, file_path, &cfg) == 0) {
        vg_config_apply_rules(&cfg, &ctx.opt);
        vg_fuzz_sink += cfg.nrules + cfg.ncatalogs + (size_t)cfg.fail_on;
        /* its catalog paths, confined to the config's folder as the pipeline does */
        const char *roots[1] = {dir_path};
        ctx.opt.read_roots = roots;
        ctx.opt.nread_roots = 1;
        for (size_t i = 0; i < cfg.ncatalogs; i++) {
            char *real = realpath(cfg.catalogs[i], NULL);
            if (real)
                vg_fuzz_sink += (size_t)vg_path_confined(&ctx, real);
            free(real);
        }
        ctx.opt.nread_roots = 0;
    }
    /* the search that found it: ownership, mode and the stops on the way up */
    char *found = vg_config_find(dir_path, NULL, NULL);
    vg_fuzz_sink += found != NULL;
    free(found);
    vg_diags_finish(&ctx);
    vg_fuzz_render_all(&ctx, 0);
    vg_ctx_free(&ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir_path[0])
        init_temp();
    write_input(data, size);
    fuzz_catalog();
    fuzz_config();
    return 0;
}
