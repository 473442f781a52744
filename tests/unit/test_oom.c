/*
 * test_oom.c - allocation failure ends the run with exit 2, never a crash.
 *
 * A first child counts the allocations of the whole pipeline on a real file
 * (catalog, model, plan, rules, JSON and human reports): every malloc-family
 * call and every arena allocation, N in all. Then each n of 1..N forks a child
 * whose n-th allocation fails (vg_alloc_fail_after): it must exit with status
 * 2 after the out-of-memory message, never die from a signal nor finish; and
 * with n = N + 1 the run must finish, so N is exact.
 */
#include "unit.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"
#include "base/vg_threads.h"
#include "plan/plan.h"
#include "report/render.h"
#include "rules/rules.h"

static const char input[] = "license-server dls { kind dls\n version 3.4.1 }\n"
                            "cluster c {\n  platform esxi 8.0u2\n  vgpu-manager 16.5\n  license-server dls\n"
                            "  host h-[1..4] { gpu L40 x 2 }\n"
                            "  vm v-[001..020] { gpu vgpu L40-12Q; guest-driver 16.5 }\n}\n";

/* The pipeline, one thread (so the order of allocations is fixed). */
static void run_pipeline(void)
{
    struct vg_ctx ctx;
    vg_ctx_init(&ctx);
    ctx.catalog = vg_catalog_load(&ctx, NULL, 0);
    if (!ctx.catalog)
        _exit(4);
    uint32_t id = vg_source_add(&ctx, "t.vgpu", input, sizeof input - 1, vg_span_make(0, 0, 0));
    struct vg_model *m = vg_model_build(&ctx, &id, 1);
    struct vg_plan *p = vg_plan_build(&ctx, m);
    vg_rules_run(&ctx, m, p);
    vg_diags_finish(&ctx);
    struct vg_render_opts o = {0, 1, "test"};
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_render(&ctx, VG_FMT_JSON, &o, &sb);
    vg_render(&ctx, VG_FMT_HUMAN, &o, &sb);
    vg_sb_free(&sb);
    vg_ctx_free(&ctx);
}

/* Exit status of a child whose n-th allocation fails (0: none fails); with
 * count set, the child writes the number of allocations it made there. */
static int run_child(unsigned long n, int fd)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        vg_threads_set(0);
        vg_alloc_fail_after(n ? n : ULONG_MAX);
        run_pipeline();
        if (fd >= 0) {
            unsigned long made = ULONG_MAX - vg_alloc_countdown();
            if (write(fd, &made, sizeof made) != sizeof made)
                _exit(5);
        }
        _exit(0);
    }
    int status;
    assert_true(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status))
        fail_msg("allocation %lu: the child died from signal %d", n, WTERMSIG(status));
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static unsigned long count_allocations(void)
{
    int fds[2];
    unsigned long made = 0;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(run_child(0, fds[1]), 0);
    assert_int_equal(read(fds[0], &made, sizeof made), (ssize_t)sizeof made);
    close(fds[0]);
    close(fds[1]);
    return made;
}

static void test_every_allocation_fails_cleanly(void **state)
{
    (void)state;
    unsigned long n = count_allocations();
    /* the catalog alone makes thousands: a count this low means they are not counted */
    assert_true(n > 1000);
    print_message("%lu allocations\n", n);
    for (unsigned long i = 1; i <= n; i++) {
        int rc = run_child(i, -1);
        if (rc != 2)
            fail_msg("allocation %lu of %lu failed, and the run exited %d, not 2", i, n, rc);
    }
    assert_int_equal(run_child(n + 1, -1), 0); /* one past the last: nothing fails */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
