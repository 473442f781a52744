/*
 * test_catalog.c - the knowledge base: the built-in YAML loads cleanly and
 * holds the sourced facts, driver strings resolve to releases, user files
 * merge over it, and every kind of bad file is VG9003 at the right place.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "catalog/catalog_data.h"
#include "catalog/yamlutil.h"

static const struct vg_catalog *load(struct vg_ctx *ctx, const char *yaml, char *path_out)
{
    char path[] = "/tmp/vgpuc-test-catalog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(yaml);
    assert_int_equal(write(fd, yaml, n), (ssize_t)n);
    close(fd);
    const char *extra[] = {path};
    const struct vg_catalog *c = vg_catalog_load(ctx, extra, 1);
    unlink(path);
    if (path_out)
        strcpy(path_out, path);
    return c;
}

/* The one VG9003 diagnostic of a bad file: its line, column and message. */
static const struct vg_diag *expect_error(struct vg_ctx *ctx, const char *yaml, uint32_t line, uint32_t col,
                                          const char *needle)
{
    const struct vg_catalog *c = load(ctx, yaml, NULL);
    assert_null(c);
    assert_true(ctx->diags.n >= 1);
    const struct vg_diag *d = ctx->diags.v[0];
    assert_int_equal(d->code, VG9003);
    const struct vg_source *src = vg_source_get(ctx, d->span.file);
    assert_non_null(src);
    struct vg_loc loc = vg_source_loc(src, d->span.start);
    if (loc.line != line || loc.col != col || !strstr(d->message, needle))
        fail_msg("got %u:%u %s", loc.line, loc.col, d->message);
    return d;
}

/*
 * What the catalog's own YAML says, read with libyaml's document API apart from
 * the loader under test: the entries of the sequence `key` of catalog/FILE
 * (root mapping), and for each the scalar of `field` and the length of its
 * sequence `list` (NULL: none). So a new release, GPU or platform version is
 * one YAML entry and no edit of this test.
 */
struct entry {
    char name[64];
    size_t nlist;
};

static const yaml_node_t *member(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

static size_t yaml_entries(const char *file, const char *key, const char *field, const char *list, struct entry *out,
                           size_t max)
{
    char path[256];
    snprintf(path, sizeof path, "catalog/%s", file);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run the unit tests from the repository root)", path);
    yaml_parser_t parser;
    yaml_document_t doc;
    assert_true(yaml_parser_initialize(&parser));
    yaml_parser_set_input_file(&parser, f);
    assert_true(yaml_parser_load(&parser, &doc));
    const yaml_node_t *seq = member(&doc, yaml_document_get_root_node(&doc), key);
    assert_non_null(seq);
    assert_int_equal(seq->type, YAML_SEQUENCE_NODE);
    size_t n = 0;
    for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++, n++) {
        const yaml_node_t *item = yaml_document_get_node(&doc, *i);
        const yaml_node_t *name = member(&doc, item, field);
        const yaml_node_t *l = list ? member(&doc, item, list) : NULL;
        assert_true(n < max);
        assert_true(name && name->type == YAML_SCALAR_NODE && name->data.scalar.length < sizeof out[n].name);
        memcpy(out[n].name, name->data.scalar.value, name->data.scalar.length + 1);
        out[n].nlist = l && l->type == YAML_SEQUENCE_NODE
            ? (size_t)(l->data.sequence.items.top - l->data.sequence.items.start)
            : 0;
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return n;
}

static struct entry yaml_list[1024];

static void test_builtin_loads(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(c);
    assert_int_equal(ctx.diags.n, 0);
    assert_int_equal(c->nfiles, 4);
    assert_string_equal(c->files[0], "<built-in>/gpus.yaml");

    /* every release of releases.yaml, with its number, in order */
    size_t n = yaml_entries("releases.yaml", "releases", "release", NULL, yaml_list, 1024);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const struct vg_release *r = vg_catalog_release(c, yaml_list[i].name);
        if (!r)
            fail_msg("release %s missing", yaml_list[i].name);
        unsigned major, minor;
        assert_int_equal(sscanf(yaml_list[i].name, "%u.%u", &major, &minor), 2);
        assert_int_equal(r->num, VG_RELNUM(major, minor));
        assert_non_null(r->source);
    }
    assert_int_equal(c->nreleases, n);
    for (size_t i = 1; i < c->nreleases; i++)
        assert_true(c->releases[i - 1]->num < c->releases[i]->num);

    /* every GPU model of gpus.yaml with its profiles */
    n = yaml_entries("gpus.yaml", "gpus", "model", "profiles", yaml_list, 1024);
    for (size_t i = 0; i < n; i++) {
        const struct vg_gpu *g = vg_catalog_gpu(c, yaml_list[i].name);
        if (!g)
            fail_msg("GPU %s missing", yaml_list[i].name);
        assert_int_equal(g->nprofiles, yaml_list[i].nlist);
    }
    assert_int_equal(c->ngpus, n);
    for (size_t i = 0; i < c->ngpus; i++) {
        const struct vg_gpu *g = c->gpus[i];
        assert_true(g->nprofiles > 0);
        for (size_t j = 0; j < g->nprofiles; j++) {
            assert_ptr_equal(g->profiles[j].gpu, g);
            assert_ptr_equal(vg_catalog_profile(c, g->profiles[j].name), &g->profiles[j]);
            assert_true(g->profiles[j].fb_mb <= g->fb_mb);
        }
        /* every model has its PCI id and its source says where the id comes from,
           or its note says why there is none */
        if (g->device_id ? g->vendor_id != 0x10DE || !strstr(g->source, "PCI id")
                         : !g->note || !strstr(g->note, "no PCI id"))
            fail_msg("GPU %s: PCI id %04X:%04X without its source or reason", g->model, g->vendor_id, g->device_id);
    }
    assert_int_equal(c->nplatforms, yaml_entries("platforms.yaml", "platforms", "family", NULL, yaml_list, 1024));
    vg_ctx_free(&ctx);
}

static void test_facts(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(c);

    const struct vg_release *r = vg_catalog_release(c, "16.5");
    assert_string_equal(r->branch, "R535");
    assert_int_equal(r->lts, 1);
    assert_string_equal(r->date, "2024-03-26");
    assert_string_equal(r->driver[VG_DRV_HOST_HYPERV], "538.33");
    assert_string_equal(r->driver[VG_DRV_GUEST_LINUX], "535.161.08");
    assert_int_equal(r->branch_eos, 202607);
    assert_true(r->verified);
    r = vg_catalog_release(c, "13.0");
    assert_null(r->driver[VG_DRV_HOST_HYPERV]); /* no Windows vGPU Manager before 15.0 */
    assert_true(r->verified);
    r = vg_catalog_release(c, "16.12");
    assert_null(r->driver[VG_DRV_HOST_HYPERV]); /* unverified */
    assert_false(r->verified);
    r = vg_catalog_release(c, "20.0");
    assert_int_equal(r->lts, -1);
    assert_null(r->date);
    assert_int_equal(r->branch_eos, 0);
    assert_int_equal(vg_catalog_release(c, "17.0")->lts, 0);

    const struct vg_gpu *g = vg_catalog_gpu(c, "a16"); /* case-insensitive */
    assert_string_equal(g->model, "A16");
    assert_int_equal(g->gpus_per_board, 4);
    assert_int_equal(g->fb_mb, 16384);
    g = vg_catalog_gpu(c, "A2");
    assert_int_equal(g->vendor_id, 0x10DE);
    assert_int_equal(g->device_id, 0x25B6);
    assert_int_equal(g->npartition_counts, 4);
    assert_int_equal(g->partition_counts[0], 16);
    assert_true(g->partition_counts_verified);
    assert_false(vg_catalog_gpu(c, "A16")->partition_counts_verified);
    assert_int_equal(vg_catalog_gpu(c, "L40")->mmio64_gb, 128);
    assert_true(vg_catalog_gpu(c, "L40")->mmio_verified);
    assert_false(vg_catalog_gpu(c, "L40S")->mmio_verified);
    assert_null(vg_catalog_gpu(c, "A16X"));

    const struct vg_profile *p = vg_catalog_profile(c, "l40s-1q");
    assert_string_equal(p->name, "L40S-1Q");
    assert_int_equal(p->series, 'Q');
    assert_int_equal(p->max_same, 32);
    assert_int_equal(p->max_mixed, 18);
    assert_false(p->mixed_verified);
    p = vg_catalog_profile(c, "L40S-4C");
    assert_int_equal(p->max_mixed, 8);
    assert_true(p->mixed_verified);
    p = vg_catalog_profile(c, "A16-2B");
    assert_false(p->verified);
    assert_string_equal(p->gpu->model, "A16");
    assert_true(vg_catalog_profile(c, "A100-3-20C")->mig);
    assert_false(vg_catalog_profile(c, "A100-20C")->mig);
    assert_int_equal(vg_catalog_profile(c, "A100D-80C")->fb_mb, 81920);

    const struct vg_licensing *lic = &c->licensing;
    assert_int_equal(lic->nls_min_release, VG_RELNUM(13, 0));
    assert_int_equal(lic->legacy_incompatible_from, VG_RELNUM(15, 0));
    assert_int_equal(lic->series_editions['Q' - 'A'], VG_ED_VWS);
    assert_int_equal(lic->series_editions['B' - 'A'], VG_ED_VPC | VG_ED_VWS);
    assert_int_equal(lic->series_editions['A' - 'A'], VG_ED_VAPPS);
    assert_int_equal(lic->series_editions['C' - 'A'], VG_ED_VCS);
    assert_int_equal(lic->ndls_min, 1);
    assert_int_equal(lic->dls_min[0].from_release, VG_RELNUM(18, 0));
    assert_string_equal(lic->dls_min[0].dls_version, "3.4");
    vg_ctx_free(&ctx);
}

static void test_resolve(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    const struct vg_release *out[4];

    assert_int_equal(vg_catalog_resolve(c, "538.33", VG_DRV_HOST_HYPERV, out, 4), 2);
    assert_string_equal(out[0]->name, "16.4");
    assert_string_equal(out[1]->name, "16.5");
    assert_int_equal(vg_catalog_resolve(c, "535.161.05", VG_DRV_HOST_ESXI, out, 4), 2);
    assert_string_equal(out[0]->name, "16.4");
    assert_string_equal(out[1]->name, "16.5");
    assert_int_equal(vg_catalog_resolve(c, "552.55", VG_DRV_HOST_HYPERV, out, 4), 2);
    assert_string_equal(out[1]->name, "17.3");
    assert_int_equal(vg_catalog_resolve(c, "538.15", VG_DRV_GUEST_WINDOWS, out, 4), 1);
    assert_string_equal(out[0]->name, "16.3");
    assert_int_equal(vg_catalog_resolve(c, "16.5", VG_DRV_GUEST_WINDOWS, out, 4), 1);
    assert_string_equal(out[0]->name, "16.5");
    assert_int_equal(vg_catalog_resolve(c, "999.1", VG_DRV_HOST_ESXI, out, 4), 0);
    assert_int_equal(vg_catalog_resolve(c, "538.15", VG_DRV_HOST_ESXI, out, 4), 0);   /* wrong column */
    assert_int_equal(vg_catalog_resolve(c, "538.33", VG_DRV_HOST_HYPERV, out, 1), 1); /* max honoured */

    enum vg_driver_kind kind = VG_DRV_HOST_ESXI;
    assert_int_equal(vg_catalog_resolve_any(c, "535.161.08", &kind, out, 4), 1);
    assert_int_equal(kind, VG_DRV_GUEST_LINUX);
    assert_int_equal(vg_catalog_resolve_any(c, "19.0", &kind, out, 4), 1);
    assert_int_equal(kind, VG_DRV_COUNT);
    assert_int_equal(vg_catalog_resolve_any(c, "nope", &kind, out, 4), 0);
    vg_ctx_free(&ctx);
}

static void test_platforms(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);

    const struct vg_platform *p = vg_catalog_platform(c, "azure-stack-hci", "22h2");
    assert_non_null(p);
    assert_string_equal(p->version, "22H2");
    assert_int_equal(p->kind, VG_FAMILY_HYPERV);
    assert_int_equal(p->host_driver, VG_DRV_HOST_HYPERV);
    assert_true(vg_platform_supports(p->vgpu_models, p->nvgpu_models, "A16"));
    assert_false(vg_platform_supports(p->vgpu_models, p->nvgpu_models, "L4"));
    assert_false(p->lm_vgpu);
    assert_int_equal(p->max_vgpus_per_vm, 1);
    assert_int_equal(p->vgpu_min, VG_RELNUM(15, 0));
    assert_false(p->vgpu_range_verified);

    p = vg_catalog_platform(c, "Azure-Local", "12.2504");
    assert_true(p->lm_vgpu);
    assert_int_equal(p->lm_vgpu_min, VG_RELNUM(18, 0));
    assert_true(p->gpu_vm_gen2_only);
    assert_string_equal(p->os_build, "26100");
    assert_true(vg_platform_supports(p->vgpu_models, p->nvgpu_models, "h100"));
    assert_false(vg_platform_supports(p->vgpu_models, p->nvgpu_models, "T4"));
    assert_true(vg_platform_supports(p->passthrough_models, p->npassthrough_models, "T4"));
    assert_false(vg_catalog_platform(c, "azure-local", "11.2504")->lm_vgpu);
    /* Azure Local VMs enabled by Azure Arc: 23H2 and every Azure Local version, nothing older */
    assert_true(p->arc_vms);
    assert_true(vg_catalog_platform(c, "azure-local", "10.2411")->arc_vms);
    assert_true(vg_catalog_platform(c, "azure-stack-hci", "23H2")->arc_vms);
    assert_false(vg_catalog_platform(c, "azure-stack-hci", "22H2")->arc_vms);
    assert_false(vg_catalog_platform(c, "windows-server", "2025")->arc_vms);
    assert_false(vg_catalog_platform(c, "esxi", "8.0u3")->arc_vms);

    p = vg_catalog_platform(c, "windows-server", "2025");
    assert_true(p->lm_needs_datacenter);
    assert_true(vg_platform_supports(p->vgpu_models, p->nvgpu_models, "L2"));
    assert_int_equal(vg_catalog_platform(c, "windows-server", "2019")->nvgpu_models, 0);

    p = vg_catalog_platform(c, "esxi", "6.7u1");
    assert_int_equal(p->kind, VG_FAMILY_VSPHERE);
    assert_true(p->lm_vgpu);
    assert_int_equal(p->vgpu_max, VG_RELNUM(14, VG_RELNUM_ANY_MINOR));
    assert_false(vg_catalog_platform(c, "esxi", "6.7")->lm_vgpu);
    assert_true(vg_platform_supports(p->vgpu_models, p->nvgpu_models, "anything"));
    assert_false(vg_catalog_platform(c, "esxi", "8.0u2")->mixed_size);
    p = vg_catalog_platform(c, "esxi", "8.0u3");
    assert_true(p->mixed_size);
    assert_int_equal(p->mixed_size_min, VG_RELNUM(17, 0));
    assert_true(vg_catalog_platform(c, "esxi", "7.0u3")->multi_vgpu_full_fb);
    assert_null(vg_catalog_platform(c, "esxi", "5.5"));
    assert_null(vg_catalog_platform(c, "esxi 8.0", "u2"));

    assert_true(vg_catalog_has_family(c, "esxi"));
    assert_true(vg_catalog_has_family(c, "Windows-Server"));
    assert_false(vg_catalog_has_family(c, "xenserver"));
    assert_false(vg_catalog_has_family(c, "esxi 8.0"));

    /* sorted by family (first appearance), then order */
    for (size_t i = 1; i < c->nplatforms; i++)
        if (strcmp(c->platforms[i - 1]->family, c->platforms[i]->family) == 0)
            assert_true(c->platforms[i - 1]->order < c->platforms[i]->order);
    vg_ctx_free(&ctx);
}

/* The built-in catalog's numbers of releases and GPUs, what a merge adds to. */
static void builtin_sizes(size_t *nreleases, size_t *ngpus)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(c);
    *nreleases = c->nreleases;
    *ngpus = c->ngpus;
    vg_ctx_free(&ctx);
}

static void test_merge(void **state)
{
    (void)state;
    size_t nreleases, ngpus;
    builtin_sizes(&nreleases, &ngpus);
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    char path[64];
    const struct vg_catalog *c = load(&ctx,
                                      "releases:\n"
                                      "  - release: \"16.5\"\n"
                                      "    branch: R535\n"
                                      "    lts: true\n"
                                      "    host-driver: {esxi: 535.161.99}\n"
                                      "    guest-driver: {windows: 538.99, linux: 535.161.98}\n"
                                      "    source: site\n"
                                      "  - release: \"22.0\"\n"
                                      "    branch: R600\n"
                                      "    lts: false\n"
                                      "    host-driver: {esxi: 600.1, hyperv: 601.1}\n"
                                      "    guest-driver: {windows: 601.2, linux: 600.2}\n"
                                      "    source: site\n"
                                      "gpus:\n"
                                      "  - model: A2\n"
                                      "    fb: 16384\n"
                                      "    source: site\n"
                                      "    profiles:\n"
                                      "      - {name: A2-16Q, series: Q, fb: 16384, max: 1}\n",
                                      path);
    assert_non_null(c);
    assert_int_equal(ctx.diags.n, 0);
    assert_int_equal(c->nfiles, 5);
    assert_string_equal(c->files[4], path);
    assert_int_equal(c->nreleases, nreleases + 1); /* 16.5 replaced, 22.0 added */
    assert_string_equal(c->releases[c->nreleases - 1]->name, "22.0");

    const struct vg_release *r = vg_catalog_release(c, "16.5");
    assert_string_equal(r->source, "site");
    assert_string_equal(r->origin.file, path);
    assert_int_equal(r->origin.line, 2);
    assert_int_equal(r->origin.col, 5);
    assert_string_equal(vg_catalog_release(c, "16.4")->origin.file, "<built-in>/releases.yaml");

    /* the old 16.5 host driver now names only 16.4 */
    const struct vg_release *out[4];
    assert_int_equal(vg_catalog_resolve(c, "535.161.05", VG_DRV_HOST_ESXI, out, 4), 1);
    assert_string_equal(out[0]->name, "16.4");
    assert_int_equal(vg_catalog_resolve(c, "601.1", VG_DRV_HOST_HYPERV, out, 4), 1);
    assert_string_equal(out[0]->name, "22.0");

    /* the replaced GPU takes its profiles with it; its position stays */
    const struct vg_gpu *g = vg_catalog_gpu(c, "A2");
    assert_ptr_equal(c->gpus[0], g);
    assert_int_equal(g->nprofiles, 1);
    assert_string_equal(g->name, "NVIDIA A2");
    assert_int_equal(g->gpus_per_board, 1);
    assert_string_equal(g->profiles[0].source, "site"); /* inherits the GPU's source */
    assert_null(vg_catalog_profile(c, "A2-4Q"));
    assert_non_null(vg_catalog_profile(c, "A2-16Q"));
    assert_int_equal(c->ngpus, ngpus); /* A2 replaced, nothing added */
    vg_ctx_free(&ctx);
}

static void test_errors(void **state)
{
    (void)state;
    static const char head[] = "releases:\n  - release: \"21.0\"\n    branch: R600\n";
    static const char tail[] = "    host-driver: {esxi: 600.1}\n    guest-driver: {windows: 601.2, linux: 600.2}\n"
                               "    source: site\n";
    char buf[1024];
    struct vg_ctx ctx;
    const struct vg_diag *d;

    vg_ctx_init(&ctx); /* malformed YAML */
    d = expect_error(&ctx, "releases:\n  - release: \"21.0\"\n    branch: [R600\n    lts: true\n", 4, 8,
                     "malformed YAML");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* unknown key, with the allowed ones and a suggestion */
    snprintf(buf, sizeof buf, "%s    lts: true\n    brnch: R600\n%s", head, tail);
    d = expect_error(&ctx, buf, 5, 5, "unknown key `brnch` in a release entry");
    assert_int_equal(d->nhelps, 1);
    assert_string_equal(d->helps[0], "did you mean `branch`?");
    assert_non_null(strstr(d->notes[0], "allowed keys: `release`, `branch`"));
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* missing field */
    d = expect_error(&ctx,
                     "releases:\n  - release: \"21.0\"\n    branch: R600\n    lts: true\n"
                     "    host-driver: {esxi: 600.1}\n    guest-driver: {windows: 601.2, linux: 600.2}\n",
                     2, 5, "missing the required key `source`");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* duplicate entry in one file */
    snprintf(buf, sizeof buf, "%s    lts: true\n%s  - release: \"21.0\"\n    branch: R600\n    lts: true\n%s", head,
             tail, tail);
    d = expect_error(&ctx, buf, 8, 5, "duplicate release `21.0` in this file");
    assert_int_equal(d->nlabels, 1);
    assert_int_equal(vg_source_loc(vg_source_get(&ctx, d->span.file), d->labels[0].span.start).line, 2);
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* duplicate key in one mapping */
    snprintf(buf, sizeof buf, "%s    lts: true\n    lts: false\n%s", head, tail);
    d = expect_error(&ctx, buf, 5, 5, "duplicate key `lts`");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* wrong type */
    snprintf(buf, sizeof buf, "%s    lts: maybe\n%s", head, tail);
    d = expect_error(&ctx, buf, 4, 10, "`lts` must be `true`, `false` or `unverified`, not `maybe`");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* a list where a value belongs */
    snprintf(buf, sizeof buf, "%s    lts: [true]\n%s", head, tail);
    d = expect_error(&ctx, buf, 4, 10, "`lts` takes a single value, not a list");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* a release number that is not MAJOR.MINOR */
    d = expect_error(&ctx,
                     "releases:\n  - {release: \"21.00\", branch: R600, lts: true, host-driver: {},\n"
                     "     guest-driver: {}, source: x}\n",
                     2, 15, "`release` must be MAJOR.MINOR");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* unknown section */
    d = expect_error(&ctx, "release:\n  - {}\n", 1, 1, "unknown key `release` in a catalog file");
    assert_string_equal(d->helps[0], "did you mean `releases`?");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* a platform naming an unknown GPU */
    d = expect_error(&ctx,
                     "platforms:\n  - {family: esxi, version: \"9.1\", order: 910, host-driver: esxi,\n"
                     "     vgpu-models: [L40, L4OS], passthrough-models: [\"*\"], lm-vgpu: true, source: x}\n",
                     3, 25, "unknown GPU model `L4OS`");
    assert_string_equal(d->helps[0], "did you mean `L40S`?");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* a profile not named after its GPU */
    d = expect_error(&ctx,
                     "gpus:\n  - model: X1\n    fb: 1024\n    source: x\n    profiles:\n"
                     "      - {name: A16-1Q, series: Q, fb: 1024, max: 1}\n",
                     6, 16, "profile `A16-1Q` is not named after its GPU `X1`");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* an unknown enum value */
    d = expect_error(&ctx,
                     "gpus:\n  - model: X1\n    fb: 1024\n    source: x\n    profiles:\n"
                     "      - {name: X1-1Q, series: q, fb: 1024, max: 1}\n",
                     6, 31, "`series` must be one of `A`, `B`, `C`, `Q`, not `q`");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* a PCI id that is no device */
    d = expect_error(&ctx,
                     "gpus:\n  - model: X1\n    fb: 1024\n    pci: {vendor: 0x10DE, device: 0xFFFF}\n"
                     "    source: x\n",
                     4, 35, "`device` must be a PCI device id from a source (such as 0x25B6), not 0xFFFF");
    vg_ctx_free(&ctx);
    vg_ctx_init(&ctx);
    d = expect_error(&ctx,
                     "gpus:\n  - model: X1\n    fb: 1024\n    pci: {vendor: 0, device: 0x25B6}\n"
                     "    source: x\n",
                     4, 19, "`vendor` must be a PCI vendor id from a source (such as 0x10DE), not 0x0000");
    vg_ctx_free(&ctx);
    vg_ctx_init(&ctx); /* a subsystem device id without its vendor, and a subsystem of 0xFFFF */
    d = expect_error(
        &ctx,
        "gpus:\n  - model: X1\n    fb: 1024\n    pci: {vendor: 0x10DE, device: 0x25B6, subdevice: 0x157E}\n"
        "    source: x\n",
        4, 54, "`subdevice` needs `subvendor` (the subsystem is a pair)");
    vg_ctx_free(&ctx);
    vg_ctx_init(&ctx);
    d = expect_error(&ctx,
                     "gpus:\n  - model: X1\n    fb: 1024\n"
                     "    pci: {vendor: 0x10DE, device: 0x25B6, subvendor: 0x10DE, subdevice: 0xFFFF}\n    source: x\n",
                     4, 73, "`subdevice` must be a PCI subsystem device id from a source (such as 0x157E), not 0xFFFF");
    vg_ctx_free(&ctx);
    vg_ctx_init(&ctx); /* the pair is read */
    {
        const char *ok =
            "gpus:\n  - model: X1\n    fb: 1024\n"
            "    pci: {vendor: 0x10DE, device: 0x25B6, subvendor: 0x10DE, subdevice: 0x14A9}\n    source: x\n";
        const struct vg_catalog *c = load(&ctx, ok, NULL);
        const struct vg_gpu *x1 = NULL;
        assert_non_null(c);
        for (size_t i = 0; i < c->ngpus; i++)
            if (strcmp(c->gpus[i]->model, "X1") == 0)
                x1 = c->gpus[i];
        assert_non_null(x1);
        assert_int_equal(x1->subvendor_id, 0x10DE);
        assert_int_equal(x1->subdevice_id, 0x14A9);
    }
    vg_ctx_free(&ctx);
    vg_ctx_init(&ctx); /* a PCI id without its device */
    d = expect_error(&ctx, "gpus:\n  - model: X1\n    fb: 1024\n    pci: {vendor: 0x10DE}\n    source: x\n", 4, 10,
                     "missing the required key `device`");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* a file that cannot be read */
    const char *missing[] = {"/nonexistent/vgpuc/catalog.yaml"};
    assert_null(vg_catalog_load(&ctx, missing, 1));
    assert_int_equal(ctx.diags.n, 1);
    assert_int_equal(ctx.diags.v[0]->code, VG9003);
    assert_int_equal(ctx.diags.v[0]->span.file, 0);
    assert_non_null(strstr(ctx.diags.v[0]->message, "cannot read catalog file `/nonexistent/vgpuc/catalog.yaml`"));
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* non-ASCII text before the error: columns count code points */
    d = expect_error(&ctx, "releases:\n  - {release: \"21.0\", note: \"élan\", bogus: 1}\n", 2, 37,
                     "unknown key `bogus`");
    vg_ctx_free(&ctx);
}

/* The previous-LTS-branch allowance is catalog data: built in from 19.0, movable and switchable off. */
static void test_compatibility(void **state)
{
    (void)state;
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = vg_catalog_load(&ctx, NULL, 0);
    assert_non_null(c);
    assert_int_equal(c->compat.lts_pair_from, VG_RELNUM(19, 0));
    assert_non_null(strstr(c->compat.source, "docs.nvidia.com/vgpu/19.0/"));
    assert_string_equal(c->compat.origin.file, "<built-in>/releases.yaml");
    vg_ctx_free(&ctx);

    char path[64];
    vg_ctx_init(&ctx);
    c = load(&ctx, "compatibility:\n  lts-pair-from: \"16.0\"\n  source: site\n", path);
    assert_non_null(c);
    assert_int_equal(c->compat.lts_pair_from, VG_RELNUM(16, 0));
    assert_string_equal(c->compat.source, "site");
    assert_string_equal(c->compat.origin.file, path);
    assert_int_equal(c->compat.origin.line, 2);
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    c = load(&ctx, "compatibility: {lts-pair-from: never, source: site}\n", NULL);
    assert_non_null(c);
    assert_int_equal(c->compat.lts_pair_from, 0);
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx);
    expect_error(&ctx, "compatibility:\n  lts-pair-from: \"19\"\n  source: site\n", 2, 18,
                 "`lts-pair-from` must be a vGPU release such as \"19.0\", or `never`, not `19`");
    vg_ctx_free(&ctx);

    vg_ctx_init(&ctx); /* the fact needs its source */
    expect_error(&ctx, "compatibility:\n  lts-pair-from: \"19.0\"\n", 2, 3, "missing the required key `source`");
    vg_ctx_free(&ctx);
}

static void test_empty_file_is_fine(void **state)
{
    (void)state;
    size_t nreleases, ngpus;
    builtin_sizes(&nreleases, &ngpus);
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    const struct vg_catalog *c = load(&ctx, "# nothing yet\n", NULL);
    assert_non_null(c);
    assert_int_equal(c->nreleases, nreleases);
    assert_int_equal(c->ngpus, ngpus);
    vg_ctx_free(&ctx);
}

static void same_mark(yaml_mark_t a, yaml_mark_t b)
{
    assert_int_equal(a.index, b.index);
    assert_int_equal(a.line, b.line);
    assert_int_equal(a.column, b.column);
}

/* The node trees compiled in at build time (tools/catalog-snap) are what
 * libyaml makes of the embedded text at run time, node by node. */
static void test_builtin_snapshot_is_the_parse(void **state)
{
    (void)state;
    assert_int_equal(vg_builtin_snapshot_count, vg_builtin_catalog_count);
    for (size_t i = 0; i < vg_builtin_catalog_count; i++) {
        const struct vg_embedded_file *f = &vg_builtin_catalog[i];
        const struct vg_yaml_snapshot *snap = &vg_builtin_snapshot[i];
        assert_string_equal(snap->name, f->name);
        struct vg_ctx ctx;
        vg_ctx_init(&ctx);
        struct vg_yaml a, b;
        assert_int_equal(vg_yaml_parse(&a, &ctx, f->name, f->data, f->len), 0);
        vg_yaml_from_snapshot(&b, &ctx, f->name, f->data, f->len, snap);
        assert_int_equal(a.nnodes, b.nnodes);
        assert_int_equal(a.root, b.root);
        assert_true(a.nnodes > 10);
        for (size_t k = 0; k < a.nnodes; k++) {
            const yaml_node_t *x = &a.nodes[k], *y = &b.nodes[k];
            assert_int_equal(x->type, y->type);
            same_mark(x->start_mark, y->start_mark);
            same_mark(x->end_mark, y->end_mark);
            if (x->type == YAML_SCALAR_NODE) {
                assert_int_equal(x->data.scalar.length, y->data.scalar.length);
                assert_memory_equal(x->data.scalar.value, y->data.scalar.value, x->data.scalar.length);
                assert_int_equal(y->data.scalar.value[y->data.scalar.length], '\0');
                assert_int_equal(x->data.scalar.style, y->data.scalar.style);
            } else if (x->type == YAML_SEQUENCE_NODE) {
                ptrdiff_t n = x->data.sequence.items.top - x->data.sequence.items.start;
                assert_int_equal(n, y->data.sequence.items.top - y->data.sequence.items.start);
                for (ptrdiff_t j = 0; j < n; j++)
                    assert_int_equal(x->data.sequence.items.start[j], y->data.sequence.items.start[j]);
            } else {
                ptrdiff_t n = x->data.mapping.pairs.top - x->data.mapping.pairs.start;
                assert_int_equal(n, y->data.mapping.pairs.top - y->data.mapping.pairs.start);
                for (ptrdiff_t j = 0; j < n; j++) {
                    assert_int_equal(x->data.mapping.pairs.start[j].key, y->data.mapping.pairs.start[j].key);
                    assert_int_equal(x->data.mapping.pairs.start[j].value, y->data.mapping.pairs.start[j].value);
                }
            }
        }
        vg_yaml_free(&a);
        vg_yaml_free(&b);
        vg_ctx_free(&ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_loads), cmocka_unit_test(test_builtin_snapshot_is_the_parse),
        cmocka_unit_test(test_facts),         cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_platforms),     cmocka_unit_test(test_merge),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_empty_file_is_fine),
        cmocka_unit_test(test_compatibility),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
