/*
 * gen-cluster.c - synthetic but valid .vgpu estates for the benchmark.
 *
 * Usage: gen-cluster [-s SHAPE] VMS OUT.vgpu OUT.yaml
 *
 * Writes clusters until VMS VMs exist: ESXi 8.0u2 clusters with L40 or L40S
 * boards and Azure Stack HCI 22H2 GPU-P clusters with A16 boards, with
 * comments and several profiles. SHAPE (issue 19) is one of
 *   estate  (the default) clusters of 16 hosts, about 90 % full, surviving one
 *           host failure, one range of ten VMs per cluster, the rest one block
 *           per VM with a trailing comment: the project's own estate;
 *   blocks  clusters of 60 hosts, about 90 % full, no VM ranges: every VM its
 *           own block under a comment line, as a hand-written or imported
 *           estate looks;
 *   limits  clusters at the platforms' size limits (64 Hyper-V nodes, 96
 *           vSphere hosts), densely packed: exactly the VMs that survive two
 *           host failures (`tolerate-host-failures 2`), one block per VM.
 * The same estate is written as YAML (OUT.yaml) for the libyaml baseline.
 * Output is a pure function of SHAPE and VMS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shape {
    const char *family, *version, *model, *profile, *guest, *manager, *mig;
    unsigned boards, slots_per_host; /* vGPU slots per host with this profile */
};

/* Slots: L40-12Q = 4 per GPU x 2 boards; L40S-8Q = 6 x 2; A16-4Q = 4 x 4 GPUs x 2 boards. */
static const struct shape shapes[] = {
    {"esxi", "8.0u2", "L40", "L40-12Q", "19.4", "19.5", "live", 2, 8},
    {"azure-stack-hci", "22H2", "A16", "A16-4Q", "19.4", "19.5", "restart", 2, 32},
    {"esxi", "8.0u2", "L40S", "L40S-8Q", "19.5", "19.5", "restart", 2, 12},
};

static int die(const char *what)
{
    perror(what);
    return 2;
}

int main(int argc, char **argv)
{
    /* One row per shape: hosts per cluster (ESXi, Hyper-V), host failures to
       survive, tenths of the surviving capacity to fill, one range per cluster,
       a comment line over every VM. */
    static const struct {
        const char *name;
        unsigned esxi_hosts, hv_hosts, tolerate, fill_tenths;
        int range, comment_line;
    } forms[] = {
        {"estate", 16, 16, 1, 0, 1, 0},
        {"blocks", 60, 60, 1, 0, 0, 1},
        {"limits", 96, 64, 2, 10, 0, 0},
    };
    unsigned form = 0;
    if (argc == 6 && !strcmp(argv[1], "-s")) {
        for (form = 0; form < sizeof forms / sizeof *forms && strcmp(forms[form].name, argv[2]); form++)
            ;
        argc -= 2;
        argv += 2;
    }
    if (argc != 4 || form == sizeof forms / sizeof *forms) {
        fprintf(stderr, "usage: gen-cluster [-s estate|blocks|limits] VMS OUT.vgpu OUT.yaml\n");
        return 2;
    }
    long want = strtol(argv[1], NULL, 10);
    FILE *v = fopen(argv[2], "w"), *y = fopen(argv[3], "w");
    if (!v || !y)
        return die("gen-cluster");
    fprintf(v,
            "# Synthetic estate of %ld VMs written by tools/gen-cluster for `make bench`.\n\n"
            "license-server dls-bench {\n    kind     dls\n    version  3.4.1\n    editions vws vpc\n}\n",
            want);
    fprintf(y,
            "# Synthetic estate of %ld VMs (YAML twin of the .vgpu file).\n"
            "license-servers:\n  - name: dls-bench\n    kind: dls\n    version: \"3.4.1\"\n"
            "    editions: [vws, vpc]\nclusters:\n",
            want);
    long made = 0;
    for (unsigned c = 0; made < want; c++) {
        const struct shape *s = &shapes[c % (sizeof shapes / sizeof *shapes)];
        unsigned hosts = s->family[0] == 'a' ? forms[form].hv_hosts : forms[form].esxi_hosts;
        unsigned cap = s->slots_per_host * hosts;
        long n = forms[form].fill_tenths ? (long)(s->slots_per_host * (hosts - forms[form].tolerate))
                                         : (long)(cap * 9 / 10); /* about 90 % full */
        if (n > want - made)
            n = want - made;
        fprintf(v, "\n# Cluster %u: %s %s with %s, %s VMs (%ld of %u slots)\n", c, s->family, s->version, s->model,
                s->profile, n, cap);
        fprintf(v,
                "cluster c%04u {\n    platform               %s %s\n    vgpu-manager           %s\n"
                "    license-server         dls-bench\n    tolerate-host-failures %u\n",
                c, s->family, s->version, s->manager, forms[form].tolerate);
        fprintf(y,
                "  - name: c%04u\n    platform: {family: %s, version: \"%s\"}\n    vgpu-manager: \"%s\"\n"
                "    license-server: dls-bench\n    tolerate-host-failures: %u\n",
                c, s->family, s->version, s->manager, forms[form].tolerate);
        if (s->family[0] == 'a') {
            fprintf(v, "    gpu-partitions         4\n");
            fprintf(y, "    gpu-partitions: 4\n");
        }
        fprintf(v, "\n    host h%04u-[01..%02u] {\n        gpu %s x %u\n    }\n", c, hosts, s->model, s->boards);
        fprintf(y, "    hosts:\n      - name: h%04u-[01..%02u]\n        gpus: [{model: %s, count: %u}]\n    vms:\n", c,
                hosts, s->model, s->boards);
        long i = 0;
        /* One range of ten VMs per cluster, the rest written one by one. */
        if (forms[form].range && n >= 20) {
            fprintf(v,
                    "\n    vm r%04u-[01..10] {\n        gpu          vgpu %s\n        guest-driver %s\n"
                    "        migration    %s\n    }\n",
                    c, s->profile, s->guest, s->mig);
            fprintf(y,
                    "      - name: r%04u-[01..10]\n        gpu: {mode: vgpu, profile: %s}\n"
                    "        guest-driver: \"%s\"\n        migration: %s\n",
                    c, s->profile, s->guest, s->mig);
            i = 10;
        }
        for (; i < n && forms[form].comment_line; i++) {
            fprintf(v,
                    "\n    # desktop %ld, pool %u\n    vm vdi-%04u-%04ld {\n        gpu          vgpu %s\n"
                    "        guest-driver %s\n        os           windows\n        migration    %s\n    }\n",
                    i, c, c, i, s->profile, s->guest, s->mig);
            fprintf(y,
                    "      # desktop %ld, pool %u\n      - name: vdi-%04u-%04ld\n"
                    "        gpu: {mode: vgpu, profile: %s}\n        guest-driver: \"%s\"\n        os: windows\n"
                    "        migration: %s\n",
                    i, c, c, i, s->profile, s->guest, s->mig);
        }
        for (; i < n; i++) {
            fprintf(v,
                    "\n    vm vdi-%04u-%04ld {  # desktop %ld\n        gpu          vgpu %s\n"
                    "        guest-driver %s\n        os           windows\n        migration    %s\n    }\n",
                    c, i, i, s->profile, s->guest, s->mig);
            fprintf(y,
                    "      - name: vdi-%04u-%04ld  # desktop %ld\n        gpu: {mode: vgpu, profile: %s}\n"
                    "        guest-driver: \"%s\"\n        os: windows\n        migration: %s\n",
                    c, i, i, s->profile, s->guest, s->mig);
        }
        fprintf(v, "}\n");
        made += n;
    }
    if (fclose(v) || fclose(y))
        return die("gen-cluster");
    return 0;
}
