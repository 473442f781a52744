/*
 * test_rules.c - every VG3xxx-VG6xxx rule on models built from in-memory
 * sources with the built-in catalog: a source that triggers it (with the
 * expected number of diagnostics, after range merging) and a near miss that
 * must not. Also checks what the messages name and the linear cost of the
 * compatibility check on a large cluster.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"
#include "plan/plan.h"
#include "rules/rules.h"

#define LIC "license-server dls { kind dls; version 3.5.0; editions vws vpc vapps vcs }\n"

struct run {
    struct vg_ctx ctx;
    struct vg_model *m;
    struct vg_plan *p;
};

/* Lint src with the built-in catalog and, if given, one more catalog file (YAML text). */
static void run_src_cat(struct run *r, const char *src, const char *catalog_yaml)
{
    vg_ctx_init(&r->ctx);
    r->ctx.opt.today = 20261121;
    char path[] = "/tmp/vgpuc-test-rules-XXXXXX";
    const char *extra[] = {path};
    if (catalog_yaml) {
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        size_t n = strlen(catalog_yaml);
        assert_int_equal(write(fd, catalog_yaml, n), (ssize_t)n);
        close(fd);
    }
    r->ctx.catalog = vg_catalog_load(&r->ctx, extra, catalog_yaml ? 1 : 0);
    if (catalog_yaml)
        unlink(path);
    assert_non_null(r->ctx.catalog);
    uint32_t id = vg_source_add(&r->ctx, "t.vgpu", src, strlen(src), vg_span_make(0, 0, 0));
    r->m = vg_model_build(&r->ctx, &id, 1);
    r->p = vg_plan_build(&r->ctx, r->m);
    vg_rules_run(&r->ctx, r->m, r->p);
    vg_diags_finish(&r->ctx);
}

static void run_src(struct run *r, const char *src) { run_src_cat(r, src, NULL); }

static size_t count(const struct run *r, enum vg_code code)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ctx.diags.n; i++)
        n += r->ctx.diags.v[i]->code == code;
    return n;
}

static const struct vg_diag *first(const struct run *r, enum vg_code code)
{
    for (size_t i = 0; i < r->ctx.diags.n; i++)
        if (r->ctx.diags.v[i]->code == code)
            return r->ctx.diags.v[i];
    return NULL;
}

/* A cluster: platform, manager, extra lines (hosts, VMs, settings). */
static char *cluster(const char *lic, const char *platform, const char *manager, const char *body)
{
    size_t n = strlen(lic) + strlen(platform) + strlen(manager) + strlen(body) + 128;
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%scluster c {\n    platform %s\n    vgpu-manager %s\n%s%s\n}\n", lic, platform, manager,
             *lic ? "    license-server dls\n" : "", body);
    return s;
}

struct rcase {
    enum vg_code code;
    const char *lic, *platform, *manager, *body;
    size_t want;
};

#define ESX "esxi 8.0u2"
#define HCI "azure-stack-hci 22H2"
#define L40H "host esx-01 { gpu L40 }\n"

static const struct rcase cases[] = {
    /* VG30xx */
    {VG3001, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 20.0 }", 1},
    {VG3001, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.1 }", 0},
    {VG3002, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 17.6 }", 1},
    {VG3002, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 16.5 }", 0}, /* previous LTS */
    {VG3003, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 16.5 }", 1},
    {VG3003, LIC, ESX, "20.0", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG3003, LIC, ESX, "18.0", L40H "vm v { gpu vgpu L40-48Q; guest-driver 15.0 }", 0}, /* no LTS pair before 19 */
    {VG3004, LIC, ESX, "19.1", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG3004, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    {VG3005, LIC, ESX, "19.2",
     L40H "host esx-02 { gpu L40; vgpu-manager 19.1 }\n"
          "vm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.1 }",
     1},
    {VG3005, LIC, ESX, "19.2",
     L40H "host esx-02 { gpu L40; vgpu-manager 19.2 }\n"
          "vm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.1 }",
     0},
    /* a guest that fits one host's Manager and not the other's: one VG3001, naming that host */
    {VG3001, LIC, ESX, "19.2",
     L40H "host esx-02 { gpu L40; vgpu-manager 20.0 }\n"
          "vm v-[1..2] { gpu vgpu L40-48Q; guest-driver 20.0 }",
     1},
    {VG3006, LIC, "esxi 8.0", "14.4", L40H "vm v { gpu passthrough L40; migration none }", 1},
    {VG3006, LIC, "esxi 8.0", "15.0", L40H "vm v { gpu passthrough L40; migration none }", 0},
    {VG3007, LIC, ESX, "18.0", L40H "vm v-[1..3] { gpu vgpu L40-48Q; guest-driver 18.0 }", 2},
    {VG3007, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    /* VG31xx */
    {VG3101, "license-server dls { kind legacy }\n", ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }",
     1},
    {VG3101, "license-server dls { kind dls; version 3.3.1 }\n", ESX, "19.2",
     L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG3101, "license-server dls { kind dls; version 3.4 }\n", ESX, "19.2",
     L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    {VG3102, "license-server dls { kind dls; editions vpc }\n", ESX, "19.2",
     L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG3102, "license-server dls { kind dls; editions vws }\n", ESX, "19.2",
     "host esx-01 { gpu A16 }\nvm v { gpu vgpu A16-2B; guest-driver 19.2 }", 0},
    {VG3103, "", ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG3103, "", ESX, "19.2", L40H "vm v { gpu passthrough L40; migration none }", 0},
    /* VG4xxx */
    {VG4001, LIC, HCI, "19.2", "host h-[1..2] { gpu A16 }\nvm v { gpu vgpu A16-8Q; guest-driver 19.2; migration live }",
     1},
    {VG4001, LIC, ESX, "19.2", L40H "vm v { gpu passthrough L40; migration live }", 1},
    {VG4001, LIC, HCI, "19.2", "host h-[1..2] { gpu A16 }\nvm v { gpu vgpu A16-8Q; guest-driver 19.2 }", 0},
    {VG4002, LIC, "azure-local 12.2504", "17.6",
     "host h-[1..2] { gpu A16 }\nvm v-[1..2] { gpu vgpu A16-8Q; guest-driver 17.6; migration live }", 2},
    {VG4002, LIC, "azure-local 12.2504", "19.2",
     "host h-[1..2] { gpu A16 }\nvm v-[1..2] { gpu vgpu A16-8Q; guest-driver 19.2; migration live }", 0},
    {VG4003, LIC, ESX, "19.2",
     "host e-[1..2] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2; migration live }", 1},
    {VG4003, LIC, ESX, "19.2",
     "host e-[1..3] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2; migration live }", 0},
    {VG4004, LIC, ESX, "19.2",
     "host e-[1..2] { gpu L40 }\nvm v { gpu vgpu L40-48Q; guest-driver 19.2; migration live }", 1},
    {VG4004, LIC, ESX, "19.2", "host e-[1..2] { gpu L40 }\nvm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    {VG4005, LIC, "windows-server 2025", "19.2",
     "edition standard\nhost h-[1..2] { gpu A16 }\nvm v { gpu vgpu A16-8Q; guest-driver 19.2; migration live }", 1},
    {VG4005, LIC, "windows-server 2025", "19.2",
     "edition datacenter\nhost h-[1..2] { gpu A16 }\nvm v { gpu vgpu A16-8Q; guest-driver 19.2; migration live }", 0},
    {VG4005, LIC, "windows-server 2025", "19.2", /* standalone host: Standard is enough */
     "edition standard\nhost h-1 { gpu A16 }\nvm v { gpu vgpu A16-8Q; guest-driver 19.2; migration live }", 0},
    {VG4006, LIC, ESX, "19.2", L40H "vm v { gpu passthrough L40 }", 1},
    {VG4006, LIC, ESX, "19.2", L40H "vm v { gpu passthrough L40; migration none }", 0},
    /* VG5xxx */
    {VG5001, LIC, ESX, "19.2", L40H "vm v-[1..3] { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG5001, LIC, ESX, "19.2", L40H "vm v-[1..1] { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    {VG5002, LIC, ESX, "19.2",
     "host e-[1..2] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2; host e-1 }", 1},
    {VG5002, LIC, ESX, "19.2",
     "host e-[1..2] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2; hosts e-1 e-2 }", 0},
    {VG5003, LIC, ESX, "19.2",
     "tolerate-host-failures 1\nhost e-[1..2] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG5003, LIC, ESX, "19.2",
     "tolerate-host-failures 1\nhost e-[1..3] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    {VG5003, LIC, ESX, "19.2",
     "tolerate-host-failures 1\nhost e-[1..2] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2; "
     "migration none }",
     0},
    {VG5004, LIC, HCI, "19.2", "vgpu-mode mixed-size\nhost h { gpu A16 }\nvm v { gpu vgpu A16-8Q; guest-driver 19.2 }",
     1},
    {VG5004, LIC, "esxi 8.0u3", "16.5",
     "vgpu-mode mixed-size\nhost h { gpu L40 }\nvm v { gpu vgpu L40-24Q; guest-driver 16.5 }", 1},
    {VG5004, LIC, "esxi 8.0u3", "19.2",
     "vgpu-mode mixed-size\nhost h { gpu L40 }\nvm v { gpu vgpu L40-24Q; guest-driver 19.2 }", 0},
    {VG5005, LIC, HCI, "19.2", "host h { gpu A16 }\nvm v { gpu vgpu A16-16Q x 2; guest-driver 19.2 }", 1},
    {VG5005, LIC, ESX, "19.2", "host h { gpu L40 x 2 }\nvm v { gpu vgpu L40-24Q x 2; guest-driver 19.2 }",
     1}, /* Q-series */
    {VG5005, LIC, ESX, "19.2", "host h { gpu L40 x 2 }\nvm v { gpu vgpu L40-48C x 2; guest-driver 19.2 }", 0},
    {VG5006, LIC, ESX, "19.2", "host h { gpu L40 x 2 }\nvm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG5006, LIC, ESX, "19.2", "host h { gpu L40 x 2 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    /* tolerate-host-failures: the empty host that a failure needs is the reserve; spares beyond it merge */
    {VG5006, LIC, ESX, "19.2",
     "tolerate-host-failures 1\nhost e-[1..10] { gpu L40 x 2 }\n"
     "vm v-[1..18] { gpu vgpu L40-48Q; guest-driver 19.2 }",
     0},
    {VG5006, LIC, ESX, "19.2",
     "tolerate-host-failures 1\nhost e-[1..10] { gpu L40 x 2 }\nhost s-[1..3] { gpu L40 x 2 }\n"
     "vm v-[1..18] { gpu vgpu L40-48Q; guest-driver 19.2 }",
     1},
    /* VMs that are never restarted need no reserve */
    {VG5006, LIC, ESX, "19.2",
     "tolerate-host-failures 1\nhost e-[1..10] { gpu L40 x 2 }\n"
     "vm v-[1..18] { gpu vgpu L40-48Q; guest-driver 19.2; migration none }",
     1},
    /* VG6xxx */
    {VG6001, LIC, HCI, "19.2", "host h { gpu L4 }\nvm v { gpu vgpu L4-24Q; guest-driver 19.2 }", 1},
    {VG6001, LIC, HCI, "19.2", "host h { gpu L4 }\nvm v { gpu passthrough L4; migration none }", 0},
    {VG6002, LIC, HCI, "19.2",
     "host h1 { gpu A16 }\nhost h2 { gpu A2 }\nvm v-[1..4] { gpu vgpu A16-16Q; guest-driver 19.2 }", 1},
    {VG6002, LIC, HCI, "19.2", "host h-[1..2] { gpu A16 }\nvm v-[1..8] { gpu vgpu A16-16Q; guest-driver 19.2 }", 0},
    {VG6003, LIC, HCI, "19.2",
     "gpu-partitions 3\nhost h { gpu A16 }\nvm v-[1..4] { gpu vgpu A16-4Q; guest-driver 19.2 }", 1},
    {VG6003, LIC, HCI, "19.2",
     "gpu-partitions 4\nhost h { gpu A16 }\nvm v-[1..8] { gpu vgpu A16-8Q; guest-driver 19.2 }", 1},
    {VG6003, LIC, HCI, "19.2",
     "host h { gpu A16 }\nvm a { gpu vgpu A16-8Q; guest-driver 19.2 }\nvm b { gpu vgpu A16-4Q; guest-driver 19.2 }", 1},
    {VG6003, LIC, HCI, "19.2",
     "gpu-partitions 4\nhost h { gpu A16 }\nvm v-[1..16] { gpu vgpu A16-4Q; guest-driver 19.2 }", 0},
    {VG6004, LIC, ESX, "19.2",
     "host h { gpu L40 x 2 }\nvm v {\ngpu vgpu L40-48Q\ngpu passthrough L40\nguest-driver 19.2\n}", 1},
    {VG6004, LIC, ESX, "19.2", "host h { gpu L40 x 2 }\nvm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 0},
    {VG6005, LIC, ESX, "19.2", "graphics shared\n" L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2 }", 1},
    {VG6005, LIC, ESX, "19.2", "graphics shared\n" L40H "vm v { gpu passthrough L40; migration none }", 0},
    {VG6006, LIC, ESX, "19.2", L40H "vm v { gpu passthrough L40; firmware bios; migration none }", 1},
    {VG6006, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48C; guest-driver 19.2; firmware bios }", 1},
    {VG6006, LIC, ESX, "19.2", L40H "vm v { gpu vgpu L40-48Q; guest-driver 19.2; firmware bios }", 0},
    {VG6007, LIC, "windows-server 2022", "19.2",
     "host h { gpu L40 }\nvm v { gpu passthrough L40; migration none; mmio low 4GB high 32GB }", 1},
    {VG6007, LIC, "windows-server 2022", "19.2",
     "host h { gpu L40 }\nvm v { gpu passthrough L40; migration none; mmio low 3GB high 32GB }", 0},
    {VG6008, LIC, "azure-local 12.2504", "19.2",
     "host h { gpu A16 }\nvm v { gpu vgpu A16-16Q; guest-driver 19.2; generation 1 }", 1},
    {VG6008, LIC, "windows-server 2022", "19.2",
     "host h { gpu L40 }\nvm v { gpu passthrough L40; migration none; generation 1 }", 0},
    {VG6009, LIC, HCI, "19.2", "vm-management arc { resource-group rg }\nhost h { gpu A16 }", 1},
    {VG6009, LIC, "azure-stack-hci 21H2", "19.2", "vm-management arc { resource-group rg }\nhost h { gpu A16 }", 1},
    {VG6009, LIC, "windows-server 2025", "19.2", "vm-management arc { resource-group rg }\nhost h { gpu A16 }", 1},
    {VG6009, LIC, "azure-stack-hci 23H2", "19.2", "vm-management arc { resource-group rg }\nhost h { gpu A16 }", 0},
    {VG6009, LIC, "azure-local 11.2504", "19.2", "vm-management arc { resource-group rg }\nhost h { gpu A16 }", 0},
    {VG6009, LIC, "azure-local 12.2506", "19.2", "vm-management arc { resource-group rg }\nhost h { gpu A16 }", 0},
    {VG6009, LIC, HCI, "19.2", "host h { gpu A16 }", 0}, /* not declared */
};

static void test_rule_table(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct rcase *c = &cases[i];
        char *src = cluster(c->lic, c->platform, c->manager, c->body);
        struct run r;
        run_src(&r, src);
        size_t got = count(&r, c->code);
        if (got != c->want) {
            fprintf(stderr, "case %zu: %s: want %zu, got %zu\n%s", i, vg_code_info(c->code)->id, c->want, got, src);
            for (size_t k = 0; k < r.ctx.diags.n; k++)
                fprintf(stderr, "  %s %s\n", vg_code_info(r.ctx.diags.v[k]->code)->id, r.ctx.diags.v[k]->message);
            bad++;
        }
        vg_ctx_free(&r.ctx);
        free(src);
    }
    assert_int_equal(bad, 0);
}

static void test_messages_name_things(void **state)
{
    (void)state;
    struct run r;
    char *src = cluster(LIC, ESX, "19.2",
                        "host esx-01 { gpu L40 }\nhost esx-02 { gpu L40; vgpu-manager 20.0 }\n"
                        "vm vm-[1..2] { gpu vgpu L40-48Q; guest-driver 20.0 }");
    run_src(&r, src);
    const struct vg_diag *d = first(&r, VG3001);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "`esx-01`"));
    assert_null(strstr(d->message, "esx-02"));
    assert_int_equal(d->merged, 1); /* vm-1 and vm-2: one diagnostic */
    assert_true(d->nlabels >= 1);   /* the Manager's span */
    assert_true(d->nhelps == 1);
    vg_ctx_free(&r.ctx);
    free(src);

    src = cluster(
        LIC, ESX, "19.2",
        "tolerate-host-failures 1\nhost e-[1..2] { gpu L40 }\nvm v-[1..2] { gpu vgpu L40-48Q; guest-driver 19.2 }");
    run_src(&r, src);
    d = first(&r, VG5003);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "losing `e-1`"));
    assert_non_null(strstr(d->message, "`v-1`"));
    vg_ctx_free(&r.ctx);
    free(src);
}

/* VG5006 with a failover reserve: it counts only GPUs beyond the reserve and says so. */
static void test_unused_beyond_reserve(void **state)
{
    (void)state;
    struct run r;
    char *src = cluster(LIC, ESX, "19.2",
                        "tolerate-host-failures 1\nhost e-[1..9] { gpu L40 x 2 }\nhost big { gpu L40 x 4 }\n"
                        "host s-[1..2] { gpu L40 x 3 }\nvm v-[1..18] { gpu vgpu L40-48Q; guest-driver 19.2 }");
    run_src(&r, src);
    assert_int_equal(count(&r, VG5006), 2);
    const struct vg_diag *d = first(&r, VG5006);
    /* `big`: 2 of its 4 GPUs take the VMs of a failed host, 2 are beyond the reserve */
    assert_non_null(strstr(d->message, "`big` has 2 of 4 GPUs that no VM uses, beyond the failover reserve"));
    assert_int_equal(d->nnotes, 1);
    assert_non_null(strstr(d->notes[0], "is the 2 free GPUs that VMs restart on when 1 host fails"));
    assert_non_null(strstr(d->notes[0], "the worst failure needs 2"));
    d = r.ctx.diags.v[1];
    assert_int_equal(d->code, VG5006);
    assert_int_equal(d->merged, 1); /* s-1 and s-2: one diagnostic */
    assert_non_null(strstr(d->message, "has 3 of 3 GPUs that no VM uses, beyond the failover reserve"));
    vg_ctx_free(&r.ctx);
    free(src);
}

/* The previous-LTS-branch allowance comes from the catalog: a --catalog file moves it or turns it off. */
static void test_lts_pair_from_catalog(void **state)
{
    (void)state;
    static const struct {
        const char *manager, *guest, *yaml;
        enum vg_code want, not ;
    } t[] = {
        {"16.5", "13.4", NULL, VG3002, VG3003},
        {"16.5", "13.4", "compatibility: {lts-pair-from: \"16.0\", source: site}\n", VG3003, VG3002},
        {"19.2", "16.5", NULL, VG3003, VG3002},
        {"19.2", "16.5", "compatibility: {lts-pair-from: never, source: site}\n", VG3002, VG3003},
        {"19.2", "16.5", "compatibility: {lts-pair-from: \"19.3\", source: site}\n", VG3002, VG3003},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char body[128];
        snprintf(body, sizeof body, L40H "vm v { gpu vgpu L40-48Q; guest-driver %s }", t[i].guest);
        char *src = cluster(LIC, ESX, t[i].manager, body);
        struct run r;
        run_src_cat(&r, src, t[i].yaml);
        if (count(&r, t[i].want) != 1 || count(&r, t[i].not ) != 0)
            fail_msg("case %zu: want one %s and no %s", i, vg_code_info(t[i].want)->id, vg_code_info(t[i].not )->id);
        const struct vg_diag *d = first(&r, t[i].want);
        if (t[i].want == VG3002 && t[i].yaml && strstr(t[i].yaml, "never"))
            assert_null(strstr(d->notes[0], "long-term-support"));
        if (t[i].want == VG3003)
            assert_non_null(strstr(d->notes[1], "allowed from vGPU"));
        vg_ctx_free(&r.ctx);
        free(src);
    }
}

/* The compatibility check is per distinct Manager value: 20000 VMs on 500 hosts stay fast. */
static void test_compat_scales(void **state)
{
    (void)state;
    char *body = malloc(256);
    assert_non_null(body);
    snprintf(body, 256, "host e-[1..500] { gpu A16 x 10 }\nvm v-[1..20000] { gpu vgpu A16-1Q; guest-driver 20.0 }");
    char *src = cluster(LIC, ESX, "19.2", body);
    struct run r;
    run_src(&r, src);
    assert_int_equal(count(&r, VG3001), 1); /* one merged diagnostic for the whole range */
    assert_int_equal(first(&r, VG3001)->merged, 19999);
    assert_int_equal(r.p->clusters[0].nunplaced, 0);
    vg_ctx_free(&r.ctx);
    free(src);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_messages_name_things),
        cmocka_unit_test(test_compat_scales),
        cmocka_unit_test(test_unused_beyond_reserve),
        cmocka_unit_test(test_lts_pair_from_catalog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
