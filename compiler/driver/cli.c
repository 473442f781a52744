/*
 * cli.c - the command line: option parsing and help texts (the inputs the
 * arguments name are expanded by inputs.c).
 *
 * One table lists every option with the commands that take it and its help
 * line, so parsing, the per-command rejection of foreign options and the
 * `--help` texts come from the same rows and cannot disagree. Parsing is GNU
 * style (`-f FMT`, `-fFMT`, `--format FMT`, `--format=FMT`, `--` ends the
 * options, options may follow the files) and never prints: errors come back
 * as a message for main.c to show.
 */
#define _XOPEN_SOURCE 700

#include "driver/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/backend.h"
#include "base/hash.h"
#include "base/suggest.h"
#include "base/vg_threads.h"

enum {
    C_LINT = 1 << 0,
    C_BUILD = 1 << 1,
    C_PLAN = 1 << 2,
    C_FMT = 1 << 3,
    C_EXPLAIN = 1 << 4,
    C_RULES = 1 << 5,
    C_CATALOG = 1 << 6,
    C_HELP = 1 << 7,
    C_ROLLOUT = 1 << 8,
    C_LSP = 1 << 9,
    C_INVENTORY = 1 << 10,
    C_IMPORT = 1 << 11,
    C_DRIFT = 1 << 12,
    C_CHECKS = C_LINT | C_BUILD | C_PLAN | C_ROLLOUT, /* commands that run the whole pipeline */
    C_CONFIGURED = C_CHECKS | C_DRIFT,                /* commands that read .vgpuc.yaml */
    C_ALL = 0x1fff
};

static const struct command {
    const char *name;
    int (*run)(struct vg_cli *); /* the command (NULL: help, which main.c answers) */
    unsigned bit;
    const char *usage;   /* after "vgpuc NAME " */
    const char *summary; /* one line for the general help */
    const char *about;   /* paragraph of the command's help */
    const char *exits;   /* the exit status lines */
} commands[] = {
    {"lint", vg_cmd_lint, C_LINT, "[OPTIONS] FILE|DIR|-...", "check files and print diagnostics",
     "Parse and check .vgpu files and print the diagnostics on stdout. A directory\n"
     "is searched recursively for *.vgpu files; '-' reads stdin.\n",
     "  0  no diagnostic at or above --fail-on\n"
     "  1  diagnostics at or above --fail-on\n"
     "  2  could not run: bad usage, unreadable file, invalid config or catalog\n"},
    {"build", vg_cmd_build, C_BUILD, "[OPTIONS] FILE|DIR|-...", "check, then write one deployment script per cluster",
     "Check the files, then write one deployment script per cluster (DIR/<cluster>.ps1,\n"
     "or .json for --target json). Nothing is written when any error is found.\n"
     "Diagnostics go to stderr.\n",
     "  0  scripts written\n"
     "  1  diagnostics at or above --fail-on; nothing written\n"
     "  2  could not run: bad usage, unreadable file, invalid config or catalog\n"},
    {"plan", vg_cmd_plan, C_PLAN, "[OPTIONS] FILE|DIR|-...", "show where every VM is placed",
     "Show the placement: for every host and physical GPU, which VMs and profiles,\n"
     "the free slots, and the failover result.\n",
     "  0  no diagnostic at or above --fail-on\n"
     "  1  diagnostics at or above --fail-on\n"
     "  2  could not run: bad usage, unreadable file, invalid config or catalog\n"},
    {"rollout", vg_cmd_rollout, C_ROLLOUT, "[OPTIONS] CURRENT DESIRED | --from-git REV DESIRED | --drain HOST FILE",
     "plan a rolling upgrade or host drain, every step checked",
     "Plan the steps from CURRENT to DESIRED for every cluster: the license server,\n"
     "then per host drain -> change (vGPU Manager, GPU-P partitions, graphics, vGPU\n"
     "mode) -> restart -> verify -> resume, and the guest driver upgrades. Every state\n"
     "in between is checked with every rule; a step that breaks one is never planned.\n"
     "With --from-git REV, CURRENT is DESIRED as committed at REV (read with\n"
     "`git show`). The plan goes to stdout, the diagnostics to stderr. With -o DIR,\n"
     "also write per cluster DIR/CLUSTER-rollout.ps1, a script that runs the plan\n"
     "host by host (Hyper-V family: drain, vGPU Manager install, restart, verify,\n"
     "resume), all or nothing and only when every cluster has a plan. See\n"
     "docs/rollout.md.\n",
     "  0  a plan for every cluster (and nothing at or above --fail-on)\n"
     "  1  no safe order for some cluster, or rule errors in CURRENT or DESIRED\n"
     "  2  could not run: bad usage, unreadable file or revision, invalid config or catalog\n"},
    {"fmt", vg_cmd_fmt, C_FMT, "[OPTIONS] FILE|DIR|-...", "rewrite files in the canonical layout",
     "Rewrite .vgpu files in the canonical layout. A file with syntax errors is never\n"
     "rewritten.\n",
     "  0  files formatted (with --check: every file already formatted)\n"
     "  1  syntax errors, or with --check: files that would change\n"
     "  2  could not run: bad usage or unreadable file\n"},
    {"explain", vg_cmd_explain, C_EXPLAIN, "CODE|SLUG", "print the long text of a rule",
     "Print what a rule checks, why, an example that triggers it and the fix.\n",
     "  0  printed\n"
     "  2  unknown code or bad usage\n"},
    {"rules", vg_cmd_rules, C_RULES, "[OPTIONS]", "list every rule",
     "List every rule: code, slug, default level and summary.\n",
     "  0  printed\n"
     "  2  bad usage\n"},
    {"catalog", vg_cmd_catalog, C_CATALOG, "[OPTIONS] [gpus|releases|platforms]", "show what the knowledge base knows",
     "Show the GPU models, vGPU releases, platform versions, the driver\n"
     "compatibility rule and the licensing facts of the catalog, with the --catalog\n"
     "files merged over the built-in one and where each entry came from. A section\n"
     "word shows only that section (releases include the compatibility rule).\n",
     "  0  printed\n"
     "  2  bad usage or invalid catalog file\n"},
    {"lsp", vg_cmd_lsp, C_LSP, "[OPTIONS]", "run the language server (LSP over stdio) for editors",
     "Run a Language Server Protocol 3.17 server on stdin/stdout for an editor:\n"
     "diagnostics as you type (the file's .vgpuc.yaml and inline suppressions\n"
     "honoured, as by lint), completion, hover, go to definition, references,\n"
     "document symbols, folding, formatting, quick fixes and the vgpuc.plan\n"
     "command. See docs/editors.md.\n",
     "  0  the client sent shutdown, then exit\n"
     "  1  the client went away without shutdown\n"
     "  2  bad usage\n"},
    {"inventory", vg_cmd_inventory, C_INVENTORY, "--target hyperv|vmware [-o FILE | --stdout]",
     "write the read-only script that inventories a running cluster",
     "Write the inventory script: a read-only PowerShell script that reads what a\n"
     "running cluster has (hosts, NVIDIA GPUs, vGPU Manager, GPU pools or graphics\n"
     "and passthrough, VMs with GPUs, owners or DRS rules) and writes one JSON\n"
     "document (docs/adopt.md). It changes nothing. --target hyperv: a Hyper-V\n"
     "cluster or standalone hosts; --target vmware: a vSphere cluster, through\n"
     "PowerCLI. Default file: inventory-TARGET.ps1 in the current folder.\n",
     "  0  script written\n"
     "  2  bad usage or the file could not be written\n"},
    {"import", vg_cmd_import, C_IMPORT, "[-o FILE] INVENTORY.json", "write a .vgpu file from an inventory document",
     "Read the JSON document of the inventory script and write the cluster it\n"
     "describes as a .vgpu file in the canonical layout, on stdout or to FILE.\n"
     "Driver versions become releases, PCI ids models, partition sizes profiles\n"
     "(through the catalog); VMs of one configuration fold into ranges; what\n"
     "cannot be mapped is left out with a comment. An invalid document is an\n"
     "error located in it (VG8001) and nothing is written.\n",
     "  0  file written\n"
     "  2  bad usage, unreadable or invalid inventory, file not written\n"},
    {"drift", vg_cmd_drift, C_DRIFT, "[OPTIONS] FILE INVENTORY.json",
     "compare a .vgpu file with an inventory of the live cluster",
     "Compare the cluster FILE declares with the JSON document of the inventory\n"
     "script (see `vgpuc inventory`) and report every difference as a diagnostic\n"
     "(VG8002-VG8014) at the line that declares it, or at the cluster's name for\n"
     "live hosts and VMs the file does not declare: hosts, their GPUs, the vGPU\n"
     "Manager, GPU-P partition counts, per VM its GPU, memory, generation, MMIO,\n"
     "pinned host and possible owners, as the build script would set them. The\n"
     "rules do not run (that is `vgpuc lint`). See docs/adopt.md.\n",
     "  0  no drift\n"
     "  1  drift at or above --fail-on\n"
     "  2  could not compare: bad usage, unreadable file, errors in FILE, invalid\n"
     "     inventory (VG8001), invalid config or catalog\n"},
    {"help", NULL, C_HELP, "[COMMAND]", "show the help of a command", "Show the help of vgpuc or of one command.\n",
     "  0  printed\n"
     "  2  unknown command\n"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

enum opt_id {
    O_HELP = 1,
    O_FORMAT,
    O_REPORT,
    O_COLOR,
    O_FAIL_ON,
    O_RULE,
    O_CONFIG,
    O_NO_CONFIG,
    O_CATALOG,
    O_STDIN_FILENAME,
    O_QUIET,
    O_TODAY,
    O_ERROR_LIMIT,
    O_NO_INLINE,
    O_TARGET,
    O_OUTPUT,
    O_STDOUT,
    O_CHECK,
    O_DIFF,
    O_ALLOW_READ,
    O_VERBOSE,
    O_DIAGNOSTICS,
    O_FROM_GIT,
    O_DRAIN,
    O_AT_ONCE,
    O_ORDER,
    O_ALLOW_DOWN,
    O_KEEP_FAILOVER,
    O_STDIO
};

/* An option may have several rows when its values or help differ by command. */
static const struct option {
    enum opt_id id;
    char shrt;
    const char *lng;
    const char *arg; /* metavariable; NULL = takes no value */
    unsigned cmds;
    const char *help;
} options[] = {
    {O_FORMAT, 'f', "format", "FMT", C_LINT | C_DRIFT, "human|short|json|sarif|github (default human)"},
    {O_FORMAT, 'f', "format", "FMT", C_BUILD, "diagnostics: human|short|json|sarif|github (default human)"},
    {O_FORMAT, 'f', "format", "FMT", C_PLAN, "text|json|svg (default text)"},
    {O_FORMAT, 'f', "format", "FMT", C_ROLLOUT, "the plan: text|json|svg (default text)"},
    {O_DIAGNOSTICS, 0, "diagnostics", "FMT", C_ROLLOUT,
     "diagnostics on stderr: human|short|json|sarif|github (default human)"},
    {O_FROM_GIT, 0, "from-git", "REV", C_ROLLOUT, "CURRENT is DESIRED as committed at git revision REV"},
    {O_DRAIN, 0, "drain", "HOST", C_ROLLOUT, "also drain HOST with no change (repeatable)"},
    {O_AT_ONCE, 0, "hosts-at-once", "N", C_ROLLOUT, "hosts drained at the same time (default 1)"},
    {O_ORDER, 0, "order", "HOST,...", C_ROLLOUT, "take these hosts first, in this order"},
    {O_ALLOW_DOWN, 0, "allow-down", "VM", C_ROLLOUT, "VM may stay down while its host is drained (repeatable)"},
    {O_KEEP_FAILOVER, 0, "keep-failover", NULL, C_ROLLOUT, "keep tolerate-host-failures while hosts are drained"},
    {O_OUTPUT, 'o', "output", "DIR", C_ROLLOUT,
     "also write a rollout script per cluster to DIR/CLUSTER-rollout.ps1 (created if missing)"},
    {O_TARGET, 0, "target", "TARGET", C_ROLLOUT, "(with -o; default auto: by platform)"},
    {O_FORMAT, 'f', "format", "FMT", C_RULES, "text|json|markdown (default text)"},
    {O_FORMAT, 'f', "format", "FMT", C_CATALOG, "text|json (default text)"},
    {O_REPORT, 0, "report", "FMT:PATH", C_CONFIGURED, "also write the diagnostics in FMT to PATH (repeatable)"},
    {O_COLOR, 0, "color", "WHEN", C_CONFIGURED | C_FMT, "auto|always|never (default auto; NO_COLOR honoured)"},
    {O_FAIL_ON, 0, "fail-on", "LEVEL", C_LINT | C_DRIFT,
     "error|warning|info|none: exit 1 at this level (default warning)"},
    {O_FAIL_ON, 0, "fail-on", "LEVEL", C_BUILD | C_PLAN | C_ROLLOUT,
     "error|warning|info|none: exit 1 at this level (default error)"},
    {O_RULE, 0, "rule", "CODE=LEVEL", C_CONFIGURED, "set a rule (code or slug) to off|info|warning|error (repeatable)"},
    {O_CONFIG, 0, "config", "FILE", C_CONFIGURED, "read this config instead of the nearest .vgpuc.yaml"},
    {O_NO_CONFIG, 0, "no-config", NULL, C_CONFIGURED, "read no config file"},
    {O_CATALOG, 0, "catalog", "FILE", C_CONFIGURED | C_CATALOG | C_LSP | C_IMPORT,
     "merge a YAML catalog file over the built-in one (repeatable)"},
    {O_ALLOW_READ, 0, "allow-read", "DIR", C_CONFIGURED,
     "includes and config catalogs may also be read from DIR (repeatable)"},
    {O_STDIN_FILENAME, 0, "stdin-filename", "NAME", C_CHECKS | C_FMT, "the name of '-' (stdin) in messages"},
    {O_QUIET, 'q', "quiet", NULL, C_CONFIGURED | C_FMT, "no summary line on stderr"},
    {O_VERBOSE, 'v', "verbose", NULL, C_CONFIGURED, "name the config and catalog files used, on stderr"},
    {O_TODAY, 0, "today", "YYYY-MM-DD", C_CONFIGURED | C_LSP,
     "the date for end-of-support checks (default: today, UTC)"},
    {O_TODAY, 0, "today", "YYYY-MM-DD", C_CATALOG, "the date the ages are counted to (default: today, UTC)"},
    {O_ERROR_LIMIT, 0, "error-limit", "N", C_CHECKS, "stop after N errors (default 50; 0 = no limit)"},
    {O_NO_INLINE, 0, "no-inline-suppressions", NULL, C_CONFIGURED, "ignore '# vgpuc:' suppression comments"},
    {O_TARGET, 0, "target", "TARGET", C_BUILD, "(default auto: by platform)"},
    {O_OUTPUT, 'o', "output", "DIR", C_BUILD, "write the scripts to DIR, created if missing (default .)"},
    {O_STDOUT, 0, "stdout", NULL, C_BUILD, "write the scripts to stdout"},
    {O_TARGET, 0, "target", "TARGET", C_INVENTORY, "(required)"},
    {O_OUTPUT, 'o', "output", "FILE", C_INVENTORY, "write the script to FILE (default inventory-TARGET.ps1)"},
    {O_STDOUT, 0, "stdout", NULL, C_INVENTORY, "write the script to stdout"},
    {O_OUTPUT, 'o', "output", "FILE", C_IMPORT, "write the .vgpu file to FILE (default: stdout)"},
    {O_CHECK, 0, "check", NULL, C_FMT, "change nothing; list the files that would change"},
    {O_DIFF, 0, "diff", NULL, C_FMT, "change nothing; print the changes as a unified diff"},
    {O_STDIO, 0, "stdio", NULL, C_LSP, "talk over stdin/stdout (the default; accepted for editor clients)"},
    {O_HELP, 'h', "help", NULL, C_ALL, "show this help"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

static const char *const color_names[] = {"auto", "always", "never"};
static const char *const fail_on_names[] = {"none", "info", "warning", "error"}; /* = enum vg_level */
static const char *const plan_formats[] = {"text", "json", "svg"};

/* Which use of the target table a command's `--target` names. */
static enum vg_target_use target_use(unsigned cmd_bit)
{
    return cmd_bit == C_ROLLOUT ? VG_USE_ROLLOUT : cmd_bit == C_INVENTORY ? VG_USE_INVENTORY : VG_USE_BUILD;
}

static const char *const rules_formats[] = {"text", "json", "markdown"};
static const char *const catalog_formats[] = {"text", "json"};
static const char *const catalog_sections[] = {"gpus", "releases", "platforms"};

struct parser {
    struct vg_cli *cli;
    const struct command *cmd;
    char *err;
    size_t errsize;
    int color_choice; /* index into color_names */
};

static int fail(struct parser *p, const char *fmt, ...) VG_PRINTF(2, 3);
static int fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errsize, fmt, ap);
    va_end(ap);
    return VG_CLI_ERROR;
}

/* `--target` names a target the command has no script for: a usage error
 * listing the ones it has. */
static int bad_target(struct parser *p, const char *cmd, enum vg_target_use use)
{
    struct vg_strbuf names;
    vg_sb_init(&names);
    vg_target_names(use, &names);
    int rc = fail(p, "`vgpuc %s --target` takes %s", cmd, vg_sb_str(&names));
    vg_sb_free(&names);
    return rc;
}

static int pick(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

/* "a, b, c" for an error message. */
static const char *join(char *buf, size_t size, const char *const *names, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
    return buf;
}

static int bad_value(struct parser *p, const char *opt, const char *v, const char *const *names, size_t n)
{
    char list[200];
    return fail(p, "invalid value `%s` for `--%s`: expected one of %s", v, opt, join(list, sizeof list, names, n));
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown_command(struct parser *p, const char *name)
{
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *s = vg_suggest(name, names, NCOMMANDS);
    if (s)
        return fail(p, "unknown command `%s`; did you mean `%s`?", name, s);
    return fail(p, "unknown command `%s`", name);
}

/* YYYY-MM-DD, a real calendar date, as YYYYMMDD. */
static int parse_date(const char *s, uint32_t *out)
{
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return -1;
    if (s[10])
        return -1;
    unsigned y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y == 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    *out = y * 10000 + m * 100 + d;
    return 0;
}

static int parse_count(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int set_format(struct parser *p, const char *v)
{
    struct vg_cli *cli = p->cli;
    cli->format_arg = v;
    const char *const *names = NULL;
    size_t n = 0;
    switch (p->cmd->bit) {
    case C_PLAN:
    case C_ROLLOUT: names = plan_formats, n = 3; break;
    case C_RULES: names = rules_formats, n = 3; break;
    case C_CATALOG: names = catalog_formats, n = 2; break;
    default: {
        int f = vg_format_parse(v);
        if (f < 0) {
            const char *fmts[VG_FMT_GITHUB + 1];
            for (int i = 0; i <= VG_FMT_GITHUB; i++)
                fmts[i] = vg_format_name((enum vg_format)i);
            return bad_value(p, "format", v, fmts, VG_FMT_GITHUB + 1);
        }
        cli->format = (enum vg_format)f;
        cli->format_set = 1;
        return 0;
    }
    }
    if (pick(v, names, n) < 0)
        return bad_value(p, "format", v, names, n);
    cli->format_set = 1;
    return 0;
}

static int set_report(struct parser *p, const char *v)
{
    struct vg_cli *cli = p->cli;
    const char *colon = strchr(v, ':');
    if (!colon || colon == v || !colon[1])
        return fail(p, "invalid value `%s` for `--report`: expected FORMAT:PATH", v);
    char fmt[32];
    size_t n = (size_t)(colon - v);
    if (n >= sizeof fmt)
        n = sizeof fmt - 1;
    memcpy(fmt, v, n);
    fmt[n] = 0;
    int f = vg_format_parse(fmt);
    if (f < 0) {
        const char *fmts[VG_FMT_GITHUB + 1];
        for (int i = 0; i <= VG_FMT_GITHUB; i++)
            fmts[i] = vg_format_name((enum vg_format)i);
        return bad_value(p, "report", fmt, fmts, VG_FMT_GITHUB + 1);
    }
    if (cli->nreports == VG_MAX_REPORTS)
        return fail(p, "too many `--report` options (at most %d)", VG_MAX_REPORTS);
    cli->reports[cli->nreports].format = (enum vg_format)f;
    cli->reports[cli->nreports].path = colon + 1;
    cli->nreports++;
    return 0;
}

static int set_rule(struct parser *p, const char *v)
{
    struct vg_cli *cli = p->cli;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v)
        return fail(p, "invalid value `%s` for `--rule`: expected CODE=LEVEL, e.g. VG3003=off", v);
    char name[64];
    size_t n = (size_t)(eq - v);
    if (n >= sizeof name)
        return fail(p, "unknown rule `%.*s`", (int)n, v);
    memcpy(name, v, n);
    name[n] = 0;
    int code = vg_code_lookup(name);
    if (code < 0) {
        const char *s = vg_code_suggest(name);
        if (s)
            return fail(p, "unknown rule `%s` in `--rule`; did you mean `%s`?", name, s);
        return fail(p, "unknown rule `%s` in `--rule` (see `vgpuc rules`)", name);
    }
    int level = vg_level_parse(eq + 1);
    if (level < 0) {
        static const char *const levels[] = {"off", "info", "warning", "error"};
        return bad_value(p, "rule", eq + 1, levels, 4);
    }
    if (cli->nrules == sizeof cli->rules / sizeof cli->rules[0])
        return fail(p, "too many `--rule` options (at most %zu)", sizeof cli->rules / sizeof cli->rules[0]);
    cli->rules[cli->nrules].code = code;
    cli->rules[cli->nrules].level = level;
    cli->nrules++;
    return 0;
}

static int apply(struct parser *p, const struct option *o, const char *v)
{
    struct vg_cli *cli = p->cli;
    int i;
    switch (o->id) {
    case O_HELP: return VG_CLI_HELP;
    case O_FORMAT: return set_format(p, v);
    case O_REPORT: return set_report(p, v);
    case O_COLOR:
        if ((i = pick(v, color_names, 3)) < 0)
            return bad_value(p, "color", v, color_names, 3);
        p->color_choice = i;
        return 0;
    case O_FAIL_ON:
        if ((i = pick(v, fail_on_names, 4)) < 0)
            return bad_value(p, "fail-on", v, (const char *const[]){"error", "warning", "info", "none"}, 4);
        cli->fail_on = i;
        cli->fail_on_set = 1;
        return 0;
    case O_RULE: return set_rule(p, v);
    case O_CONFIG: cli->config_path = v; return 0;
    case O_NO_CONFIG: cli->no_config = 1; return 0;
    case O_CATALOG: cli->catalogs[cli->ncatalogs++] = v; return 0;
    case O_ALLOW_READ: cli->allow_read[cli->nallow_read++] = v; return 0;
    case O_VERBOSE: cli->verbose = 1; return 0;
    case O_STDIN_FILENAME: cli->stdin_filename = v; return 0;
    case O_QUIET: cli->quiet = 1; return 0;
    case O_TODAY:
        if (parse_date(v, &cli->today) < 0)
            return fail(p, "invalid value `%s` for `--today`: expected a date YYYY-MM-DD", v);
        cli->today_set = 1;
        return 0;
    case O_ERROR_LIMIT:
        if (parse_count(v, &cli->error_limit) < 0)
            return fail(p, "invalid value `%s` for `--error-limit`: expected a number (0 = no limit)", v);
        cli->error_limit_set = 1;
        return 0;
    case O_NO_INLINE: cli->no_inline_suppressions = 1; return 0;
    case O_TARGET:
        if ((i = vg_target_parse(v)) < 0) {
            const char *names[VG_TARGET_JSON + 1];
            for (int t = 0; t <= VG_TARGET_JSON; t++)
                names[t] = vg_target_name((enum vg_target)t);
            return bad_value(p, "target", v, names, VG_TARGET_JSON + 1);
        }
        cli->target = i;
        return 0;
    case O_OUTPUT: cli->outdir = v; return 0;
    case O_STDOUT: cli->to_stdout = 1; return 0;
    case O_CHECK: cli->check = 1; return 0;
    case O_DIFF: cli->diff = 1; return 0;
    case O_STDIO: return 0;
    case O_DIAGNOSTICS:
        if ((i = vg_format_parse(v)) < 0) {
            const char *fmts[VG_FMT_GITHUB + 1];
            for (int f = 0; f <= VG_FMT_GITHUB; f++)
                fmts[f] = vg_format_name((enum vg_format)f);
            return bad_value(p, "diagnostics", v, fmts, VG_FMT_GITHUB + 1);
        }
        cli->format = (enum vg_format)i;
        return 0;
    case O_FROM_GIT:
        if (!*v || v[0] == '-' || strchr(v, ':') || strpbrk(v, " \t\n"))
            return fail(p,
                        "invalid value `%s` for `--from-git`: expected a revision such as HEAD or v1.2 (no `-` "
                        "first, no `:`, no spaces)",
                        v);
        cli->from_git = v;
        return 0;
    case O_DRAIN: cli->drain[cli->ndrain++] = v; return 0;
    case O_AT_ONCE:
        if (parse_count(v, &cli->at_once) < 0 || cli->at_once == 0)
            return fail(p, "invalid value `%s` for `--hosts-at-once`: expected a number of hosts, 1 or more", v);
        return 0;
    case O_ORDER: cli->order = v; return 0;
    case O_ALLOW_DOWN: cli->allow_down[cli->nallow_down++] = v; return 0;
    case O_KEEP_FAILOVER: cli->keep_failover = 1; return 0;
    }
    return 0;
}

/* The row of a long (or short, when lng is NULL) option for this command. */
static int find_option(struct parser *p, const char *lng, size_t len, char shrt, const struct option **out)
{
    int known = 0;
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        int match = lng ? (strlen(o->lng) == len && strncmp(o->lng, lng, len) == 0) : (o->shrt && o->shrt == shrt);
        if (!match)
            continue;
        known = 1;
        if (o->cmds & p->cmd->bit) {
            *out = o;
            return 0;
        }
    }
    if (known) {
        if (lng)
            return fail(p, "`vgpuc %s` does not take `--%.*s`", p->cmd->name, (int)len, lng);
        return fail(p, "`vgpuc %s` does not take `-%c`", p->cmd->name, shrt);
    }
    if (!lng)
        return fail(p, "unknown option `-%c`", shrt);
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(len < 60 ? len : 60), lng);
    const char *cands[NOPTIONS];
    size_t n = 0;
    for (size_t i = 0; i < NOPTIONS; i++)
        if (options[i].cmds & p->cmd->bit)
            cands[n++] = options[i].lng;
    const char *s = vg_suggest(word, cands, n);
    if (s)
        return fail(p, "unknown option `--%s`; did you mean `--%s`?", word, s);
    return fail(p, "unknown option `--%s`", word);
}

/* One "-x..." or "--name[=value]" word; may consume the next argument. */
static int parse_option(struct parser *p, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const struct option *o = NULL;
    int r;
    if (a[1] == '-') {
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if ((r = find_option(p, name, len, 0, &o)) != 0)
            return r;
        if (!o->arg) {
            if (eq)
                return fail(p, "`--%s` takes no value", o->lng);
            return apply(p, o, NULL);
        }
        if (eq)
            return apply(p, o, eq + 1);
        if (*i + 1 >= argc)
            return fail(p, "`--%s` needs a value (%s)", o->lng, o->arg);
        return apply(p, o, argv[++*i]);
    }
    for (const char *c = a + 1; *c; c++) { /* bundled short options: -qfjson */
        if ((r = find_option(p, NULL, 0, *c, &o)) != 0)
            return r;
        if (!o->arg) {
            if ((r = apply(p, o, NULL)) != 0)
                return r;
            continue;
        }
        if (c[1])
            return apply(p, o, c + 1);
        if (*i + 1 >= argc)
            return fail(p, "`-%c` needs a value (%s)", *c, o->arg);
        return apply(p, o, argv[++*i]);
    }
    return 0;
}

/* Positional arguments that are not files: explain, rules, catalog, help. */
static int check_positionals(struct parser *p)
{
    struct vg_cli *cli = p->cli;
    const char *cmd = p->cmd->name;
    switch (p->cmd->bit) {
    case C_EXPLAIN:
        if (cli->ninputs != 1)
            return fail(p, cli->ninputs ? "`vgpuc explain` takes one code" : "`vgpuc explain` needs a code or slug");
        return 0;
    case C_LSP:
        if (cli->ninputs)
            return fail(p, "`vgpuc lsp` takes no arguments, got `%s`", cli->inputs[0]);
        return 0;
    case C_RULES:
        if (cli->ninputs)
            return fail(p, "`vgpuc rules` takes no arguments, got `%s`", cli->inputs[0]);
        return 0;
    case C_CATALOG:
        if (cli->ninputs > 1)
            return fail(p, "`vgpuc catalog` takes at most one section");
        if (cli->ninputs == 1) {
            if (pick(cli->inputs[0], catalog_sections, 3) < 0)
                return bad_value(p, "catalog section", cli->inputs[0], catalog_sections, 3);
            cli->section = cli->inputs[0];
        }
        return 0;
    case C_IMPORT:
        if (cli->ninputs != 1)
            return fail(p, "`vgpuc import` takes one inventory document");
        return 0;
    case C_DRIFT:
        if (cli->ninputs != 2)
            return fail(p, "`vgpuc drift` takes FILE and INVENTORY.json, got %zu argument%s", cli->ninputs,
                        cli->ninputs == 1 ? "" : "s");
        return 0;
    case C_INVENTORY:
        if (cli->ninputs)
            return fail(p, "`vgpuc inventory` takes no files, got `%s`", cli->inputs[0]);
        if (!vg_target_usable(cli->target, VG_USE_INVENTORY))
            return bad_target(p, "inventory", VG_USE_INVENTORY);
        if (cli->to_stdout && cli->outdir)
            return fail(p, "`--output` and `--stdout` cannot be used together");
        return 0;
    case C_HELP:
        if (cli->ninputs > 1)
            return fail(p, "`vgpuc help` takes at most one command");
        if (cli->ninputs == 1 && !find_command(cli->inputs[0]))
            return unknown_command(p, cli->inputs[0]);
        return 0;
    case C_ROLLOUT: {
        size_t want = cli->from_git ? 1 : 2;
        if (cli->target != VG_TARGET_AUTO && !cli->outdir)
            return fail(p, "`--target` writes rollout scripts: give the folder with `-o DIR`");
        if (cli->target == VG_TARGET_JSON)
            return fail(p, "`vgpuc rollout --target` names a script target; the JSON plan is `--format json`");
        if (cli->ninputs == want || (cli->ndrain && !cli->from_git && cli->ninputs == 1))
            return 0;
        if (cli->from_git)
            return fail(p, "`vgpuc rollout --from-git REV` takes one file (DESIRED), got %zu", cli->ninputs);
        return fail(p, "`vgpuc rollout` takes CURRENT and DESIRED (or one file with `--drain HOST`), got %zu file%s",
                    cli->ninputs, cli->ninputs == 1 ? "" : "s");
    }
    default:
        if (!cli->ninputs)
            return fail(p, "no input files; usage: vgpuc %s %s", cmd, p->cmd->usage);
        if (cli->to_stdout && cli->outdir)
            return fail(p, "`--output` and `--stdout` cannot be used together");
        return 0;
    }
}

/* Room for every argument plus every VGPUC_CATALOG entry; the env copy lives after the array. */
static void init_catalogs(struct vg_cli *cli, int argc)
{
    const char *env = getenv("VGPUC_CATALOG");
    size_t elen = env ? strlen(env) : 0, n = (size_t)argc + 1;
    for (size_t i = 0; i < elen; i++)
        n += env[i] == ':';
    const char **v = vg_xmalloc(n * sizeof *v + elen + 2);
    char *copy = (char *)(v + n);
    cli->catalogs = v;
    if (!env)
        return;
    memcpy(copy, env, elen + 1);
    for (char *s = copy; *s;) {
        char *colon = strchr(s, ':');
        if (colon)
            *colon = 0;
        if (*s)
            v[cli->ncatalogs++] = s;
        if (!colon)
            break;
        s = colon + 1;
    }
}

/* VGPUC_THREADS=1 runs every step on one thread; 2 (or unset, or empty) lets
 * the steps of a large input take a second thread when there is a second
 * core (base/vg_threads.h). Read here and nowhere else. */
static int read_threads(struct parser *p)
{
    const char *v = getenv("VGPUC_THREADS");
    int one = v && strcmp(v, "1") == 0;
    if (!one && v && *v && strcmp(v, "2") != 0)
        return fail(p,
                    "invalid value `%s` for VGPUC_THREADS: expected 1 (one thread) or 2 (a second thread for "
                    "large inputs, the default)",
                    v);
    vg_threads_set(one ? 0 : -1);
    return 0;
}

static int resolve_color(const struct parser *p)
{
    if (p->color_choice == 1)
        return 1;
    if (p->color_choice == 2)
        return 0;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return 0;
    /* build and rollout write their diagnostics to stderr; the others to stdout */
    return isatty(p->cmd->bit & (C_BUILD | C_ROLLOUT) ? STDERR_FILENO : STDOUT_FILENO);
}

int vg_cli_parse(struct vg_cli *cli, int argc, char **argv, char *err, size_t errsize)
{
    struct parser p = {cli, NULL, err, errsize, 0};
    memset(cli, 0, sizeof *cli);
    err[0] = 0;
    cli->error_limit = 50;
    if (argc < 2)
        return fail(&p, "no command; usage: vgpuc COMMAND [OPTIONS] [FILE...]");
    const char *first = argv[1];
    if (strcmp(first, "--version") == 0)
        return argc == 2 ? VG_CLI_VERSION : fail(&p, "`--version` takes no arguments");
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0)
        return argc == 2 ? VG_CLI_HELP : fail(&p, "`%s` takes no arguments", first);
    if (first[0] == '-')
        return fail(&p, "expected a command before `%s`", first);
    if (!(p.cmd = find_command(first)))
        return unknown_command(&p, first);
    cli->command = p.cmd->name;
    cli->fail_on = p.cmd->bit & (C_LINT | C_DRIFT) ? VG_LEVEL_WARNING : VG_LEVEL_ERROR;
    cli->inputs = vg_xmalloc((size_t)argc * sizeof *cli->inputs);
    cli->allow_read = vg_xmalloc((size_t)argc * sizeof *cli->allow_read);
    cli->drain = vg_xmalloc((size_t)argc * sizeof *cli->drain);
    cli->allow_down = vg_xmalloc((size_t)argc * sizeof *cli->allow_down);
    init_catalogs(cli, argc);

    int only_files = 0, r;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || a[1] == 0) {
            cli->inputs[cli->ninputs++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_files = 1;
            continue;
        }
        if ((r = parse_option(&p, argc, argv, &i)) != 0)
            return r;
    }
    if (p.cmd->bit == C_HELP) {
        if ((r = check_positionals(&p)) != 0)
            return r;
        cli->command = cli->ninputs ? find_command(cli->inputs[0])->name : NULL;
        return VG_CLI_HELP;
    }
    if ((r = check_positionals(&p)) != 0)
        return r;
    if ((r = read_threads(&p)) != 0) /* after the options: `--help` still helps */
        return r;
    cli->color = resolve_color(&p);
    return VG_CLI_RUN;
}

void vg_cli_free(struct vg_cli *cli)
{
    free(cli->inputs);
    free(cli->catalogs);
    free(cli->allow_read);
    free(cli->drain);
    free(cli->allow_down);
    cli->drain = cli->allow_down = NULL;
    cli->inputs = NULL;
    cli->catalogs = NULL;
    cli->allow_read = NULL;
}

void vg_cli_help(const char *command, struct vg_strbuf *out)
{
    const struct command *c = command ? find_command(command) : NULL;
    if (!c) {
        vg_sb_puts(out,
                   "vgpuc - check NVIDIA vGPU cluster definitions (.vgpu) and generate\n"
                   "PowerShell deployment scripts for Hyper-V / Azure Local and VMware vSphere\n\n"
                   "usage: vgpuc COMMAND [OPTIONS] [ARGS...]\n\ncommands:\n");
        for (size_t i = 0; i < NCOMMANDS; i++)
            vg_sb_printf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
        vg_sb_puts(out,
                   "\noptions:\n"
                   "  -h, --help   show this help\n"
                   "  --version    print the version\n\n"
                   "Run 'vgpuc help COMMAND' or 'vgpuc COMMAND --help' for the options of a command.\n\n"
                   "exit status:\n"
                   "  0  ok\n"
                   "  1  findings at or above --fail-on (build: nothing written)\n"
                   "  2  could not run: bad usage, unreadable file, invalid config or catalog\n");
        return;
    }
    vg_sb_printf(out, "usage: vgpuc %s %s\n\n%s\noptions:\n", c->name, c->usage, c->about);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        if (!(o->cmds & c->bit))
            continue;
        char head[64];
        int n = o->shrt ? snprintf(head, sizeof head, "-%c, --%s", o->shrt, o->lng)
                        : snprintf(head, sizeof head, "    --%s", o->lng);
        if (o->arg && n > 0 && (size_t)n < sizeof head)
            snprintf(head + n, sizeof head - (size_t)n, " %s", o->arg);
        struct vg_strbuf help;
        vg_sb_init(&help);
        if (o->id == O_TARGET) { /* the values come from the target table (backends/target.c) */
            vg_target_names(target_use(c->bit), &help);
            vg_sb_putc(&help, ' ');
        }
        vg_sb_puts(&help, o->help);
        if (strlen(head) > 26)
            vg_sb_printf(out, "  %s\n  %-26s %s\n", head, "", vg_sb_str(&help));
        else
            vg_sb_printf(out, "  %-26s %s\n", head, vg_sb_str(&help));
        vg_sb_free(&help);
    }
    if (c->bit & C_CONFIGURED)
        vg_sb_puts(out,
                   "\nThe nearest .vgpuc.yaml from each input's folder upwards (up to the repository\n"
                   "root, the home folder or a file-system boundary; one owned by another user or\n"
                   "writable by others is ignored) sets `fail-on`, `rules` and `catalog`; inputs\n"
                   "governed by different configs are refused. Command-line options override it.\n"
                   "VGPUC_CATALOG (colon-separated) adds catalog files before --catalog ones.\n"
                   "VGPUC_THREADS=1 runs on one thread (a large input may otherwise use two).\n"
                   "Includes and the config's catalog files must resolve inside the project (the\n"
                   "repository of the input, else the config's or the input's folder) unless\n"
                   "--allow-read names their folder; only regular files are read.\n");
    vg_sb_printf(out, "\nexit status:\n%s", c->exits);
}

int vg_cli_run(struct vg_cli *cli)
{
    const struct command *c = find_command(cli->command);
    return c && c->run ? c->run(cli) : VG_EXIT_FAILURE;
}
