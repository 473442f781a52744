/*
 * test_render.c - the output formats: exact human/short text (labels, notes,
 * help, multi-line and empty spans, tabs, UTF-8 columns, long lines, no
 * location, colour), JSON, SARIF, GitHub escaping and the summary line.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/ctx.h"
#include "report/render.h"
#include "core/suppress.h"

struct fix {
    struct vg_ctx ctx;
    struct vg_strbuf out;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    vg_ctx_init(&f->ctx);
    vg_sb_init(&f->out);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    vg_sb_free(&f->out);
    vg_ctx_free(&f->ctx);
    free(f);
    return 0;
}

static uint32_t add(struct fix *f, const char *path, const char *text)
{
    return vg_source_add(&f->ctx, path, text, strlen(text), vg_span_make(0, 0, 0));
}

/* The span of the n-th (0-based) occurrence of `needle` in file `id`. */
static struct vg_span find(struct fix *f, uint32_t id, const char *needle, int nth)
{
    const struct vg_source *s = vg_source_get(&f->ctx, id);
    const char *p = s->text;
    for (;;) {
        p = strstr(p, needle);
        assert_non_null(p);
        if (nth-- == 0)
            break;
        p++;
    }
    uint32_t at = (uint32_t)(p - s->text);
    return vg_span_make(id, at, at + (uint32_t)strlen(needle));
}

static const char *render(struct fix *f, enum vg_format fmt, int color)
{
    struct vg_render_opts o = {color, 1, "1.2.3"};
    vg_diags_finish(&f->ctx);
    f->out.len = 0;
    if (f->out.data)
        f->out.data[0] = 0;
    vg_render(&f->ctx, fmt, &o, &f->out);
    return vg_sb_str(&f->out);
}

static const char cluster[] = "cluster c {\n"
                              "    host h1 {\n"
                              "        vgpu-manager   16.5\n"
                              "    }\n"
                              "    vm a {\n"
                              "        gpu vgpu A16-4Q\n"
                              "    }\n"
                              "    # padding\n"
                              "    vm b {\n"
                              "        guest-driver 17.1\n"
                              "    }\n"
                              "}\n";

static void test_human_labels(void **state)
{
    struct fix *f = *state;
    uint32_t id = add(f, "clusters/c.vgpu", cluster);
    struct vg_diag *d = vg_diag_emit(&f->ctx, VG3001, find(f, id, "17.1", 0),
                                     "guest driver 17.1 is from a newer branch than the vGPU Manager 16.5 on `h1`");
    vg_diag_label(&f->ctx, d, "R550 (vGPU 17) guest driver");
    vg_diag_span(&f->ctx, d, find(f, id, "16.5", 0), "R535 (vGPU 16) on every host");
    vg_diag_note(&f->ctx, d, "a guest VM driver from a later branch than the vGPU Manager fails to load");
    vg_diag_help(&f->ctx, d, "use a 16.x guest driver");
    assert_string_equal(render(f, VG_FMT_HUMAN, 0),
                        "clusters/c.vgpu:10:22: error: guest driver 17.1 is from a newer branch than the vGPU "
                        "Manager 16.5 on `h1` [VG3001]\n"
                        "   |\n"
                        "10 |         guest-driver 17.1\n"
                        "   |                      ^^^^ R550 (vGPU 17) guest driver\n"
                        " 3 |         vgpu-manager   16.5\n"
                        "   |                        ---- R535 (vGPU 16) on every host\n"
                        "   = note: a guest VM driver from a later branch than the vGPU Manager fails to load\n"
                        "   = help: use a 16.x guest driver\n"
                        "   = see: vgpuc explain VG3001\n");
    assert_string_equal(render(f, VG_FMT_SHORT, 0),
                        "clusters/c.vgpu:10:22: error: guest driver 17.1 is from a newer branch than the vGPU "
                        "Manager 16.5 on `h1` [VG3001]\n");
}

static void test_human_same_line_and_other_file(void **state)
{
    struct fix *f = *state;
    uint32_t a = add(f, "a.vgpu", "vm x {\n    host h9\n}\n");
    uint32_t b = add(f, "lib/b.vgpu", "host h1 { }\n");
    struct vg_diag *d = vg_diag_emit(&f->ctx, VG1006, find(f, a, "h9", 0), "no host `h9`");
    vg_diag_span(&f->ctx, d, find(f, a, "host", 0), "in this directive");
    vg_diag_span(&f->ctx, d, find(f, b, "h1", 0), "a host of that cluster");
    assert_string_equal(render(f, VG_FMT_HUMAN, 0),
                        "a.vgpu:2:10: error: no host `h9` [VG1006]\n"
                        "  |\n"
                        "2 |     host h9\n"
                        "  |          ^^\n"
                        "  |     ---- in this directive\n"
                        " --> lib/b.vgpu:1:6\n"
                        "  |\n"
                        "1 | host h1 { }\n"
                        "  |      -- a host of that cluster\n"
                        "  = see: vgpuc explain VG1006\n");
}

static void test_human_multiline_empty_tabs_utf8(void **state)
{
    struct fix *f = *state;
    uint32_t id = add(f, "t.vgpu", "vm x {\n\tgpu\tvgpu A16\n    name \"caf\xC3\xA9 \xE2\x82\xAC\" bad\n}");
    /* multi-line: from `{` on line 1 to the end: marks to the end of line 1 */
    struct vg_span open = find(f, id, "{", 0);
    open.end = (uint32_t)strlen(vg_source_get(&f->ctx, id)->text);
    vg_diag_emit(&f->ctx, VG1001, open, "block never closed");
    /* tabs: `vgpu` after a tab at column 5 (code points), display column 9 */
    vg_diag_emit(&f->ctx, VG1003, find(f, id, "vgpu", 0), "tabbed");
    /* UTF-8: `bad` is at code-point column 19 (9 bytes more) */
    vg_diag_emit(&f->ctx, VG1003, find(f, id, "bad", 0), "after utf-8");
    /* empty span at the end of the file */
    struct vg_span eof = vg_span_make(id, open.end, open.end);
    vg_diag_emit(&f->ctx, VG1008, eof, "empty");
    assert_string_equal(render(f, VG_FMT_HUMAN, 0),
                        "t.vgpu:1:6: error: block never closed [VG1001]\n"
                        "  |\n"
                        "1 | vm x {\n"
                        "  |      ^\n"
                        "  = see: vgpuc explain VG1001\n"
                        "\n"
                        "t.vgpu:2:6: error: tabbed [VG1003]\n"
                        "  |\n"
                        "2 |     gpu vgpu A16\n"
                        "  |         ^^^^\n"
                        "  = see: vgpuc explain VG1003\n"
                        "\n"
                        "t.vgpu:3:19: error: after utf-8 [VG1003]\n"
                        "  |\n"
                        "3 |     name \"caf\xC3\xA9 \xE2\x82\xAC\" bad\n"
                        "  |                   ^^^\n"
                        "  = see: vgpuc explain VG1003\n"
                        "\n"
                        "t.vgpu:4:2: error: empty [VG1008]\n"
                        "  |\n"
                        "4 | }\n"
                        "  |  ^\n"
                        "  = see: vgpuc explain VG1008\n");
}

static void test_human_long_line_and_controls(void **state)
{
    struct fix *f = *state;
    char text[400];
    memset(text, 'a', 300);
    memcpy(text + 250, "TARGET", 6);
    text[10] = '\x1b'; /* an escape byte must never reach the terminal */
    memcpy(text + 300, "\n", 2);
    uint32_t id = add(f, "long.vgpu", text);
    vg_diag_emit(&f->ctx, VG1003, find(f, id, "TARGET", 0), "far right");
    vg_diag_emit(&f->ctx, VG1003, vg_span_make(id, 10, 11), "escape");
    const char *out = render(f, VG_FMT_HUMAN, 0);
    assert_null(strchr(out, '\x1b'));
    char want[2048];
    char aa[200];
    memset(aa, 'a', sizeof aa);
    /* second one: ws = 0, 117 columns then "..." */
    snprintf(want, sizeof want,
             "long.vgpu:1:11: error: escape [VG1003]\n"
             "  |\n"
             "1 | %.10s\xEF\xBF\xBD%.106s...\n"
             "  |           ^\n"
             "  = see: vgpuc explain VG1003\n"
             "\n"
             "long.vgpu:1:251: error: far right [VG1003]\n"
             "  |\n"
             "1 | ...%.20sTARGET%.44s\n"
             "  |                        ^^^^^^\n"
             "  = see: vgpuc explain VG1003\n",
             aa, aa, aa, aa);
    assert_string_equal(out, want);
}

static void test_human_no_location_merged_dropped_color(void **state)
{
    struct fix *f = *state;
    struct vg_diag *d = vg_diag_emit(&f->ctx, VG9003, vg_span_make(0, 0, 0), "cannot read `x.yaml`");
    vg_diag_help(&f->ctx, d, "check the path");
    f->ctx.diags.dropped_errors = 3;
    assert_string_equal(render(f, VG_FMT_HUMAN, 0),
                        "vgpuc: error: cannot read `x.yaml` [VG9003]\n"
                        "  = help: check the path\n"
                        "  = see: vgpuc explain VG9003\n"
                        "\n"
                        "3 more errors not shown (--error-limit)\n");
    assert_string_equal(render(f, VG_FMT_SHORT, 1),
                        "\033[1mvgpuc:\033[0m \033[1;31merror:\033[0m \033[1mcannot read `x.yaml`\033[0m [VG9003]\n"
                        "3 more errors not shown (--error-limit)\n");
}

static void test_human_merged_note(void **state)
{
    struct fix *f = *state;
    uint32_t id = add(f, "r.vgpu", "vm vdi-[001..005] { }\n");
    static const char *const names[] = {"vdi-001", "vdi-002", "vdi-003", "vdi-004", "vdi-005"};
    for (int i = 0; i < 5; i++) {
        struct vg_diag *d = vg_diag_emit(&f->ctx, VG5001, find(f, id, "vdi", 0), "no room for `%s`", names[i]);
        vg_diag_subject(d, names[i]);
    }
    assert_string_equal(render(f, VG_FMT_HUMAN, 0),
                        "r.vgpu:1:4: error: no room for `vdi-001` (and 4 more from this range: `vdi-002`, "
                        "`vdi-003`, `vdi-004`, \xE2\x80\xA6) [VG5001]\n"
                        "  |\n"
                        "1 | vm vdi-[001..005] { }\n"
                        "  |    ^^^\n"
                        "  = note: 4 more from this range: `vdi-002`, `vdi-003`, `vdi-004`, `vdi-005`\n"
                        "  = see: vgpuc explain VG5001\n");
}

static void test_suppressed_hidden(void **state)
{
    struct fix *f = *state;
    uint32_t id = add(f, "s.vgpu", "# vgpuc: disable-next-line=VG1003 -- known\nvm x { }\n");
    vg_suppress_comment(&f->ctx, find(f, id, "# vgpuc", 0), " vgpuc: disable-next-line=VG1003 -- known", 41, 1);
    vg_diag_emit(&f->ctx, VG1003, find(f, id, "vm", 0), "hidden");
    assert_string_equal(render(f, VG_FMT_HUMAN, 0), "");
    assert_string_equal(render(f, VG_FMT_GITHUB, 0), "");
    assert_non_null(strstr(render(f, VG_FMT_JSON, 0), "\"suppress_reason\": \"known\""));
    const char *sarif = render(f, VG_FMT_SARIF, 0);
    assert_non_null(strstr(sarif, "\"kind\": \"inSource\",\n"));
    assert_non_null(strstr(sarif, "\"justification\": \"known\""));
}

static void test_json(void **state)
{
    struct fix *f = *state;
    uint32_t id = add(f, "j.vgpu", "vm \xC3\xA9 {\n  gpu x\n}\n");
    struct vg_diag *d = vg_diag_emit(&f->ctx, VG3003, find(f, id, "x", 0), "a \"quoted\" message");
    vg_diag_span(&f->ctx, d, find(f, id, "\xC3\xA9", 0), NULL);
    vg_diag_note(&f->ctx, d, "n1");
    vg_diag_help(&f->ctx, d, "h1");
    vg_diag_emit(&f->ctx, VG5006, vg_span_make(0, 0, 0), "info");
    assert_string_equal(render(f, VG_FMT_JSON, 0),
                        "{\n"
                        "  \"format_version\": \"1.0\",\n"
                        "  \"tool\": {\n"
                        "    \"name\": \"vgpuc\",\n"
                        "    \"version\": \"1.2.3\"\n"
                        "  },\n"
                        "  \"summary\": {\n"
                        "    \"files\": 1,\n"
                        "    \"errors\": 0,\n"
                        "    \"warnings\": 1,\n"
                        "    \"infos\": 1,\n"
                        "    \"suppressed\": 0,\n"
                        "    \"dropped_errors\": 0\n"
                        "  },\n"
                        "  \"diagnostics\": [\n"
                        "    {\n"
                        "      \"code\": \"VG5006\",\n"
                        "      \"slug\": \"unused-gpu-capacity\",\n"
                        "      \"level\": \"info\",\n"
                        "      \"message\": \"info\",\n"
                        "      \"range\": null,\n"
                        "      \"label\": null,\n"
                        "      \"labels\": [],\n"
                        "      \"notes\": [],\n"
                        "      \"help\": [],\n"
                        "      \"suppressed\": false,\n"
                        "      \"suppress_reason\": null,\n"
                        "      \"merged\": 0,\n"
                        "      \"merged_names\": []\n"
                        "    },\n"
                        "    {\n"
                        "      \"code\": \"VG3003\",\n"
                        "      \"slug\": \"guest-driver-previous-branch\",\n"
                        "      \"level\": \"warning\",\n"
                        "      \"message\": \"a \\\"quoted\\\" message\",\n"
                        "      \"range\": {\n"
                        "        \"file\": \"j.vgpu\",\n"
                        "        \"start\": {\n"
                        "          \"line\": 2,\n"
                        "          \"column\": 7,\n"
                        "          \"byte\": 14\n"
                        "        },\n"
                        "        \"end\": {\n"
                        "          \"line\": 2,\n"
                        "          \"column\": 8,\n"
                        "          \"byte\": 15\n"
                        "        }\n"
                        "      },\n"
                        "      \"label\": null,\n"
                        "      \"labels\": [\n"
                        "        {\n"
                        "          \"range\": {\n"
                        "            \"file\": \"j.vgpu\",\n"
                        "            \"start\": {\n"
                        "              \"line\": 1,\n"
                        "              \"column\": 4,\n"
                        "              \"byte\": 3\n"
                        "            },\n"
                        "            \"end\": {\n"
                        "              \"line\": 1,\n"
                        "              \"column\": 5,\n"
                        "              \"byte\": 5\n"
                        "            }\n"
                        "          },\n"
                        "          \"message\": null\n"
                        "        }\n"
                        "      ],\n"
                        "      \"notes\": [\n"
                        "        \"n1\"\n"
                        "      ],\n"
                        "      \"help\": [\n"
                        "        \"h1\"\n"
                        "      ],\n"
                        "      \"suppressed\": false,\n"
                        "      \"suppress_reason\": null,\n"
                        "      \"merged\": 0,\n"
                        "      \"merged_names\": []\n"
                        "    }\n"
                        "  ]\n"
                        "}\n");
}

static void test_sarif(void **state)
{
    struct fix *f = *state;
    uint32_t id = add(f, "dir one/c:x.vgpu", "vm a {\n  gpu {x}\n}\n");
    struct vg_diag *d = vg_diag_emit(&f->ctx, VG1001, find(f, id, "{x}", 0), "unexpected `{`");
    vg_diag_span(&f->ctx, d, find(f, id, "vm", 0), "in this VM");
    const char *s = render(f, VG_FMT_SARIF, 0);
    assert_non_null(strstr(s, "\"version\": \"2.1.0\""));
    assert_non_null(strstr(s, "\"columnKind\": \"unicodeCodePoints\""));
    assert_non_null(strstr(s, "\"uri\": \"dir%20one/c%3Ax.vgpu\",\n"));
    assert_non_null(strstr(s, "\"uriBaseId\": \"%SRCROOT%\""));
    assert_non_null(strstr(s, "\"text\": \"unexpected `{{`\""));
    assert_non_null(strstr(s, "\"startLine\": 2,\n"));
    assert_non_null(strstr(s, "\"startColumn\": 7,\n"));
    assert_non_null(strstr(s, "\"endColumn\": 10\n"));
    assert_non_null(strstr(s, "\"relatedLocations\": ["));
    assert_non_null(strstr(s, "\"ruleIndex\": 0,"));
    assert_non_null(strstr(s, "\"id\": \"VG9003\""));
    assert_non_null(strstr(s, "\"semanticVersion\": \"1.2.3\""));
    assert_non_null(strstr(s, "\"level\": \"note\""));
    /* every rule once, in registry order, so ruleIndex is the enum value */
    const char *p = s;
    for (int c = 0; c < VG_CODE_COUNT; c++) {
        char want[64];
        snprintf(want, sizeof want, "\"id\": \"%s\"", vg_code_info((enum vg_code)c)->id);
        p = strstr(p, want);
        assert_non_null(p);
    }
}

static void test_github(void **state)
{
    struct fix *f = *state;
    uint32_t id = add(f, "a,b:c%.vgpu", "vm x { }\n");
    struct vg_diag *d = vg_diag_emit(&f->ctx, VG3003, find(f, id, "x", 0), "100%% of: `a`, `b`\nline2");
    vg_diag_help(&f->ctx, d, "fix, it");
    vg_diag_emit(&f->ctx, VG5006, vg_span_make(0, 0, 0), "idle");
    vg_diag_emit(&f->ctx, VG1001, find(f, id, "vm", 0), "bad");
    assert_string_equal(render(f, VG_FMT_GITHUB, 0),
                        "::notice title=VG5006 unused-gpu-capacity::idle\n"
                        "::error file=a%2Cb%3Ac%25.vgpu,line=1,col=1,endLine=1,endColumn=3,title=VG1001 "
                        "syntax-error::bad\n"
                        "::warning file=a%2Cb%3Ac%25.vgpu,line=1,col=4,endLine=1,endColumn=5,title=VG3003 "
                        "guest-driver-previous-branch::100%25 of: `a`, `b`\\nline2%0Ahelp: fix, it\n");
}

/* The one escaping of every output channel (strbuf.c): what a terminal, a CI
 * log or an editor would act on is shown escaped, all else is kept. */
static void test_inert(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain ascii-01", "plain ascii-01"},
        {"a\nb\rc\td", "a\\nb\\rc\\td"},
        {"\x1b[31mred\x07\x7f", "\\x1B[31mred\\x07\\x7F"},
        {"c1 \xc2\x9b x", "c1 \\u{9B} x"},
        {"rlo \xe2\x80\xae x \xe2\x80\x8b \xe2\x81\xa6 \xef\xbb\xbf", "rlo \\u{202E} x \\u{200B} \\u{2066} \\u{FEFF}"},
        {"ls \xe2\x80\xa8 ps \xe2\x80\xa9", "ls \\u{2028} ps \\u{2029}"},
        {"bad \xff \xc3", "bad \\xFF \\xC3"},
        {"M\xc3\xbcller \xe2\x80\x98q\xe2\x80\x99 \xe2\x80\xa6",
         "M\xc3\xbcller \xe2\x80\x98q\xe2\x80\x99 \xe2\x80\xa6"},
        {"x ##vso[task.setvariable variable=a]1 ##VSO[", "x #\\x23vso[task.setvariable variable=a]1 #\\x23VSO["},
        {"# not ##vso", "# not ##vso"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct vg_strbuf sb;
        vg_sb_init(&sb);
        vg_sb_put_inert(&sb, cases[i].in);
        assert_string_equal(vg_sb_str(&sb), cases[i].out);
        vg_sb_free(&sb);
    }
    struct vg_strbuf x;
    vg_sb_init(&x);
    vg_sb_xml_inert(&x, "a<b>&\"'\xef\xbf\xbf\xef\xb7\x90\x1b z");
    assert_string_equal(vg_sb_str(&x), "a&lt;b&gt;&amp;&quot;&apos;\\x1B z");
    vg_sb_free(&x);
}

static void test_summary(void **state)
{
    struct fix *f = *state;
    struct vg_strbuf sb;
    vg_sb_init(&sb);
    vg_render_summary(&f->ctx, 3, &sb);
    assert_string_equal(vg_sb_str(&sb), "no problems in 3 files");
    sb.len = 0;
    vg_render_summary(&f->ctx, 1, &sb);
    assert_string_equal(vg_sb_str(&sb), "no problems in 1 file");
    struct vg_span none = vg_span_make(0, 0, 0);
    vg_diag_emit(&f->ctx, VG1001, none, "e1");
    vg_diag_emit(&f->ctx, VG1002, none, "e2");
    vg_diag_emit(&f->ctx, VG3003, none, "w1");
    vg_diag_emit(&f->ctx, VG5006, none, "i1");
    vg_diag_emit(&f->ctx, VG4004, none, "i2");
    vg_diag_emit(&f->ctx, VG4004, none, "i3");
    sb.len = 0;
    vg_render_summary(&f->ctx, 3, &sb);
    assert_string_equal(vg_sb_str(&sb), "2 errors, 1 warning, 3 infos in 3 files");
    f->ctx.diags.suppressed = 2;
    f->ctx.diags.counts[VG_LEVEL_ERROR] = 1;
    f->ctx.diags.counts[VG_LEVEL_INFO] = 1;
    sb.len = 0;
    vg_render_summary(&f->ctx, 2, &sb);
    assert_string_equal(vg_sb_str(&sb), "1 error, 1 warning, 1 info in 2 files (2 suppressed)");
    vg_sb_free(&sb);
}

static void test_format_names(void **state)
{
    (void)state;
    static const char *const names[] = {"human", "short", "json", "sarif", "github"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(vg_format_parse(names[i]), i);
        assert_string_equal(vg_format_name((enum vg_format)i), names[i]);
    }
    assert_int_equal(vg_format_parse("xml"), -1);
    assert_int_equal(vg_format_parse("JSON"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_human_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human_same_line_and_other_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human_multiline_empty_tabs_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human_long_line_and_controls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human_no_location_merged_dropped_color, setup, teardown),
        cmocka_unit_test_setup_teardown(test_human_merged_note, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suppressed_hidden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sarif, setup, teardown),
        cmocka_unit_test_setup_teardown(test_github, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_inert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
