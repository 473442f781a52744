/*
 * test_oom.c - allocation failure ends the run with exit 2, never a crash.
 *
 * Each case forks; the child makes the N-th allocation from now fail
 * (vg_alloc_fail_after) and runs the whole front of the pipeline on a real
 * file. The child must either finish normally (exit 0: N was past its last
 * allocation) or exit with status 2 after printing the out-of-memory message
 * - never die from a signal.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "core/ctx.h"
#include "model/model.h"
#include "plan/plan.h"
#include "rules/rules.h"

static const char input[] =
    "license-server dls { kind dls\n version 3.4.1 }\n"
    "cluster c {\n  platform esxi 8.0u2\n  vgpu-manager 16.5\n  license-server dls\n"
    "  host h-[1..4] { gpu L40 x 2 }\n"
    "  vm v-[001..020] { gpu vgpu L40-12Q; guest-driver 16.5 }\n}\n";

static int run_child(unsigned long n)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        vg_alloc_fail_after(n);
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
        vg_ctx_free(&ctx);
        _exit(0);
    }
    int status;
    assert_true(waitpid(pid, &status, 0) == pid);
    assert_false(WIFSIGNALED(status));
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_every_early_allocation_fails_cleanly(void **state)
{
    (void)state;
    int saw_oom = 0;
    for (unsigned long n = 1; n <= 400; n += (n < 64 ? 1 : 7)) {
        int rc = run_child(n);
        assert_true(rc == 0 || rc == 2);
        saw_oom |= rc == 2;
    }
    assert_true(saw_oom); /* the early failures did reach the allocator */
}

static void test_late_failure_is_reported(void **state)
{
    (void)state;
    /* Far past startup: the first allocation of the rules or renderers. */
    int rc = run_child(100000);
    assert_true(rc == 0 || rc == 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_early_allocation_fails_cleanly),
        cmocka_unit_test(test_late_failure_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
