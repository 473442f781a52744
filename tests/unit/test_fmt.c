/*
 * test_fmt.c - `vgpuc fmt`: the canonical layout, idempotence, the tree and
 * the comments kept, files with errors left alone, --check, --diff, and
 * writes that happen only when the text changes.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/cli.h"
#include "syntax/fmt.h"

struct out {
    struct vg_ctx ctx;
    const struct vg_file_ast *ast;
    struct vg_strbuf text;
};

/* Format `in`; returns 0 when the formatter refused (errors). */
static int format(struct out *o, const char *in)
{
    vg_ctx_init(&o->ctx);
    vg_sb_init(&o->text);
    uint32_t id = vg_source_add(&o->ctx, "t.vgpu", in, strlen(in), (struct vg_span){0});
    o->ast = vg_fmt_source(&o->ctx, id, &o->text);
    return o->ast != NULL;
}

static void release(struct out *o)
{
    vg_sb_free(&o->text);
    vg_ctx_free(&o->ctx);
}

static int same_args(const struct vg_stmt *a, const struct vg_stmt *b)
{
    if (strcmp(a->name, b->name) || a->nargs != b->nargs || a->has_block != b->has_block)
        return 0;
    for (size_t i = 0; i < a->nargs; i++)
        if (a->args[i].kind != b->args[i].kind || a->args[i].len != b->args[i].len ||
            memcmp(a->args[i].text, b->args[i].text, a->args[i].len))
            return 0;
    return 1;
}

static int same_tree(const struct vg_stmt *a, const struct vg_stmt *b)
{
    for (; a && b; a = a->next, b = b->next)
        if (!same_args(a, b) || !same_tree(a->body, b->body))
            return 0;
    return !a && !b;
}

static size_t trimmed(const struct vg_comment *c)
{
    size_t n = c->len;
    while (n && (c->text[n - 1] == ' ' || c->text[n - 1] == '\t'))
        n--;
    return n;
}

/* The formatted text formats to itself, with the same tree and comments. */
static void check_stable(const char *in)
{
    struct out a, b;
    assert_true(format(&a, in));
    assert_true(format(&b, vg_sb_str(&a.text)));
    if (strcmp(vg_sb_str(&a.text), vg_sb_str(&b.text)) != 0) {
        fprintf(stderr, "not idempotent:\n--- once\n%s--- twice\n%s", vg_sb_str(&a.text), vg_sb_str(&b.text));
        fail();
    }
    assert_true(same_tree(a.ast->first, b.ast->first));
    assert_int_equal(a.ast->ncomments, b.ast->ncomments);
    for (size_t i = 0; i < a.ast->ncomments; i++) {
        assert_int_equal(trimmed(&a.ast->comments[i]), trimmed(&b.ast->comments[i]));
        assert_memory_equal(a.ast->comments[i].text, b.ast->comments[i].text, trimmed(&a.ast->comments[i]));
        assert_int_equal(a.ast->comments[i].own_line, b.ast->comments[i].own_line);
    }
    release(&a);
    release(&b);
}

static void check_format(const char *in, const char *want)
{
    struct out o;
    assert_true(format(&o, in));
    if (strcmp(vg_sb_str(&o.text), want) != 0) {
        fprintf(stderr, "--- got\n%s--- want\n%s", vg_sb_str(&o.text), want);
        fail();
    }
    release(&o);
    check_stable(in);
}

static void test_canonical_layout(void **state)
{
    (void)state;
    check_format("license-server dls {\n"
                 "  kind dls\n"
                 "        editions   vws    vpc\n"
                 "}\n"
                 "cluster c {\n"
                 "\tplatform esxi 8.0u2\n"
                 "\ttolerate-host-failures 1\n"
                 "\n\n\n"
                 "\thost esx-[01..04] { gpu L40 x 2 }\n"
                 "\tvm v1 { gpu vgpu L40-12Q; guest-driver 16.5 }\n"
                 "\thost e {}\n"
                 "}\n",
                 "license-server dls {\n"
                 "    kind     dls\n"
                 "    editions vws vpc\n"
                 "}\n"
                 "\n"
                 "cluster c {\n"
                 "    platform               esxi 8.0u2\n"
                 "    tolerate-host-failures 1\n"
                 "\n"
                 "    host esx-[01..04] {\n"
                 "        gpu L40 x 2\n"
                 "    }\n"
                 "    vm v1 {\n"
                 "        gpu          vgpu L40-12Q\n"
                 "        guest-driver 16.5\n"
                 "    }\n"
                 "    host e {}\n"
                 "}\n");
}

/* `vm-management arc { ... }`: a one-line block spread, the quoted resource
 * group kept as written, the trailing comment kept after the block (as for
 * any one-line block); the result formats to itself. */
static void test_vm_management_arc(void **state)
{
    (void)state;
    check_format("cluster azl {\n"
                 "  platform azure-local 12.2504\n"
                 "  vm-management   arc {resource-group \"rg_(prod).eu-1\"}   # Arc VMs\n"
                 "  host h { gpu A2 }\n"
                 "}\n",
                 "cluster azl {\n"
                 "    platform azure-local 12.2504\n"
                 "    vm-management arc {\n"
                 "        resource-group \"rg_(prod).eu-1\"\n"
                 "    }  # Arc VMs\n"
                 "    host h {\n"
                 "        gpu A2\n"
                 "    }\n"
                 "}\n");
    check_stable("cluster azl {\n    platform azure-local 12.2504\n    vm-management arc {\n"
                 "        resource-group rg-azl\n    }\n}\n");
}

static void test_raw_tokens_kept(void **state)
{
    (void)state;
    check_format("vm \"a \\\"b\\\" \\\\ \\t\" vdi-[001..120] a[1..2]b\n",
                 "vm \"a \\\"b\\\" \\\\ \\t\" vdi-[001..120] a[1..2]b\n");
}

static void test_comments_kept_in_place(void **state)
{
    (void)state;
    check_format("# file header\n"
                 "\n"
                 "include \"a.vgpu\"   # shared\n"
                 "# about c\n"
                 "cluster c {   # open\n"
                 "    platform esxi 8.0u2 # p\n"
                 "    vgpu-manager 16.5      # m\n"
                 "\n"
                 "    # before host\n"
                 "    host h { gpu L40 # g\n"
                 "    }\n"
                 "    # last inside\n"
                 "} # close\n"
                 "# at the end\n",
                 "# file header\n"
                 "\n"
                 "include \"a.vgpu\"  # shared\n"
                 "\n"
                 "# about c\n"
                 "cluster c {  # open\n"
                 "    platform     esxi 8.0u2  # p\n"
                 "    vgpu-manager 16.5        # m\n"
                 "\n"
                 "    # before host\n"
                 "    host h {\n"
                 "        gpu L40  # g\n"
                 "    }\n"
                 "    # last inside\n"
                 "}  # close\n"
                 "# at the end\n");
}

static void test_top_level_spacing(void **state)
{
    (void)state;
    check_format("\n\n\na 1\nb 2\n\n\n\nc 3\nd {\n}\ne 1; f 2\n\n\n",
                 "a 1\n"
                 "b 2\n"
                 "\n"
                 "c 3\n"
                 "\n"
                 "d {}\n"
                 "\n"
                 "e 1\n"
                 "f 2\n");
    check_format("", "");
    check_format("# only a comment", "# only a comment\n");
    check_format("\xEF\xBB\xBF"
                 "a 1\r\nb {\r\n  c 2\r\n}\r\n",
                 "a 1\n\nb {\n    c 2\n}\n");
}

static void test_stable_on_awkward_input(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "a { b { c { d 1 } } }\n",
        "x { # only a comment inside\n}\n",
        "x {\n\n\n    # spaced comment\n\n\n    y 1\n\n\n}\n",
        "# a\n\n# b\ncluster c {\n}\n# tail\n\n# tail 2\n",
        "a 1 # one\nbb 2\nccc 3 # three\n\nd 4 # four\n",
        "vm v { gpu vgpu L40-12Q # trailing after inner\n} # after\nnext 1\n",
        "k;;;\n;\nl 1 ;  m 2 # c\n",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
        check_stable(inputs[i]);
}

static void test_errors_are_refused(void **state)
{
    (void)state;
    struct out o;
    assert_false(format(&o, "a {\n  \"x\" y\n}\n"));
    assert_int_equal(o.text.len, 0);
    release(&o);
    assert_false(format(&o, "a {\n"));
    release(&o);
}

/* --- the command, on real files ------------------------------------------ */

static char dir[64];

static const char *path_of(const char *name)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

/* Run `vgpuc fmt` on one file with stdout captured in *captured. */
static int run_fmt(const char *name, int check, int diff, const char **captured)
{
    struct vg_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.command = "fmt";
    char path[128];
    snprintf(path, sizeof path, "%s", path_of(name));
    const char *inputs[1] = {path};
    cli.inputs = inputs;
    cli.ninputs = 1;
    cli.check = check;
    cli.diff = diff;
    char cap[128];
    snprintf(cap, sizeof cap, "%s/stdout", dir);
    fflush(stdout);
    int saved = dup(1), saved_err = dup(2);
    int fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(null, 2);
    int rc = vg_cmd_fmt(&cli);
    fflush(stdout);
    dup2(saved, 1);
    dup2(saved_err, 2);
    close(fd);
    close(null);
    close(saved);
    close(saved_err);
    *captured = ut_read(cap);
    return rc;
}

static int setup_dir(void **state)
{
    (void)state;
    return ut_scratch(dir, sizeof dir, "test-fmt");
}

static int teardown_dir(void **state)
{
    (void)state;
    static const char *const names[] = {"a.vgpu", "b.vgpu", "bad.vgpu", "stdout"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(path_of(names[i]));
    return rmdir(dir);
}

static void test_cmd_check_diff_write(void **state)
{
    (void)state;
    const char *out;
    ut_write(dir, "a.vgpu", "a 1\nbb {  x 1 }\n");
    assert_int_equal(run_fmt("a.vgpu", 1, 0, &out), 1);
    char want[512];
    snprintf(want, sizeof want, "%s\n", path_of("a.vgpu"));
    assert_string_equal(out, want);
    assert_string_equal(ut_read(path_of("a.vgpu")), "a 1\nbb {  x 1 }\n"); /* --check changes nothing */

    assert_int_equal(run_fmt("a.vgpu", 0, 1, &out), 0);
    snprintf(want, sizeof want, "--- %s\n+++ %s\n@@ -1,2 +1,5 @@\n a 1\n-bb {  x 1 }\n+\n+bb {\n+    x 1\n+}\n",
             path_of("a.vgpu"), path_of("a.vgpu"));
    assert_string_equal(out, want);
    assert_string_equal(ut_read(path_of("a.vgpu")), "a 1\nbb {  x 1 }\n");

    assert_int_equal(run_fmt("a.vgpu", 0, 0, &out), 0);
    assert_string_equal(out, "");
    assert_string_equal(ut_read(path_of("a.vgpu")), "a 1\n\nbb {\n    x 1\n}\n");

    /* formatted: --check is quiet and 0, and a rewrite does not touch the file */
    assert_int_equal(run_fmt("a.vgpu", 1, 0, &out), 0);
    assert_string_equal(out, "");
    struct stat before, after;
    assert_int_equal(stat(path_of("a.vgpu"), &before), 0);
    sleep(1);
    assert_int_equal(run_fmt("a.vgpu", 0, 0, &out), 0);
    assert_int_equal(stat(path_of("a.vgpu"), &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(before.st_mtime, after.st_mtime);
}

static void test_cmd_never_rewrites_a_broken_file(void **state)
{
    (void)state;
    const char *out;
    ut_write(dir, "bad.vgpu", "a  1\nb {\n  \"x\"\n}\n");
    assert_int_equal(run_fmt("bad.vgpu", 0, 0, &out), 1);
    assert_string_equal(ut_read(path_of("bad.vgpu")), "a  1\nb {\n  \"x\"\n}\n");
    assert_int_equal(run_fmt("bad.vgpu", 1, 0, &out), 1);
    assert_string_equal(out, "");
    assert_int_equal(run_fmt("missing.vgpu", 0, 0, &out), 2);
}

static void test_diff_of_distant_changes_has_two_hunks(void **state)
{
    (void)state;
    const char *out;
    char text[512] = "";
    for (int i = 0; i < 20; i++)
        sprintf(text + strlen(text), i == 2 || i == 17 ? "n%02d  1\n" : "n%02d 1\n", i);
    ut_write(dir, "b.vgpu", text);
    assert_int_equal(run_fmt("b.vgpu", 0, 1, &out), 0);
    assert_non_null(strstr(out, "@@ -1,6 +1,6 @@\n n00 1\n n01 1\n-n02  1\n+n02 1\n n03 1\n n04 1\n n05 1\n@@"));
    assert_non_null(strstr(out, "\n@@ -15,6 +15,6 @@\n n14 1\n n15 1\n n16 1\n-n17  1\n+n17 1\n n18 1\n n19 1\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_layout),
        cmocka_unit_test(test_vm_management_arc),
        cmocka_unit_test(test_raw_tokens_kept),
        cmocka_unit_test(test_comments_kept_in_place),
        cmocka_unit_test(test_top_level_spacing),
        cmocka_unit_test(test_stable_on_awkward_input),
        cmocka_unit_test(test_errors_are_refused),
        cmocka_unit_test(test_cmd_check_diff_write),
        cmocka_unit_test(test_cmd_never_rewrites_a_broken_file),
        cmocka_unit_test(test_diff_of_distant_changes_has_two_hunks),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
