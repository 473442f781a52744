/*
 * rollout_render.c - the rollout plan as a text runbook, a JSON document and
 * an SVG timeline (rollout.h).
 *
 * Text: per cluster a header (what changes, how many states were checked),
 * then numbered steps: for a host step the VMs that leave the drained hosts
 * (live migration, shutdown and start on a named host, or down until the
 * host is back), the change, restart, verification and resume (a step of
 * several hosts phase by phase over all of them, as the scripts run it:
 * host_phases); for a guest
 * step the VMs and the driver to install; for the license server its change;
 * each with its downtime class. JSON (format_version "2.1", docs/rollout.md) has
 * the same facts as data, in the order a script runs them. SVG draws one row
 * per host and one column per step, each cell coloured by the vGPU Manager
 * release the host runs after that step, drained cells hatched; every text
 * is escaped.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "rollout/rollout.h"
#include "rules/rules.h"
#include "base/json.h"
#include "base/strbuf.h"

#define ROLLOUT_FORMAT_VERSION "2.1" /* base/json.h; 2.0: the head every JSON output shares; 2.1: phases */
#define TEXT_MAX_NAMES 8

static const char *kind_name(enum vg_ro_kind k)
{
    static const char *const n[] = {"license-server", "hosts", "guests"};
    return n[k];
}

static const char *graphics_name(enum vg_graphics g) { return g == VG_GRAPHICS_SHARED ? "shared" : "shared-direct"; }
static const char *mode_name(enum vg_vgpu_mode m) { return m == VG_VGPU_MIXED_SIZE ? "mixed-size" : "same-size"; }

static const char *lic_kind(enum vg_license_kind k)
{
    return k == VG_LIC_DLS ? "dls" : k == VG_LIC_CLS ? "cls" : k == VG_LIC_LEGACY ? "legacy" : "?";
}

static const char *lic_text(struct vg_ctx *ctx, const struct vg_license_server *l)
{
    if (!l)
        return "none";
    return vg_sprintf(ctx->arena, "%s %s%s%s", l->name, lic_kind(l->kind), l->version ? " " : "",
                      l->version ? l->version : "");
}

/* The driver version of a release for one column (host or guest), NULL if unknown. */
const char *vg_ro_driver(const struct vg_version_ref *v, enum vg_driver_kind k)
{
    if (!v || v->nrel != 1)
        return v && v->is_driver ? v->text : NULL;
    return v->is_driver && (k == VG_DRV_HOST_ESXI || k == VG_DRV_HOST_HYPERV) ? v->text : v->rel[0]->driver[k];
}

const char *vg_ro_release(const struct vg_version_ref *v)
{
    if (!v || !v->text)
        return NULL;
    return v->nrel ? v->rel[v->nrel - 1]->name : v->text;
}

enum vg_driver_kind vg_ro_host_kind(const struct vg_cluster *cl)
{
    return cl->platform                 ? cl->platform->host_driver
        : cl->kind == VG_FAMILY_VSPHERE ? VG_DRV_HOST_ESXI
                                        : VG_DRV_HOST_HYPERV;
}

static const char *platform_text(struct vg_ctx *ctx, const struct vg_cluster *cl)
{
    return vg_sprintf(ctx->arena, "%s %s", cl->family ? cl->family : "?", cl->version ? cl->version : "");
}

/* ---- text ------------------------------------------------------------------------ */

static void vm_names(struct vg_strbuf *sb, const struct vg_vm *const *vms, size_t n)
{
    size_t shown = n < TEXT_MAX_NAMES ? n : TEXT_MAX_NAMES;
    for (size_t i = 0; i < shown; i++)
        vg_sb_printf(sb, "%s%s", i ? ", " : "", vms[i]->name);
    if (n > shown)
        vg_sb_printf(sb, " and %zu more", n - shown);
}

/* How the rollout scripts run each phase of a host step over the hosts of a
 * batch (`--hosts-at-once`; backends/powershell/rollout-hyperv.ps1 and
 * rollout-vmware.ps1, docs/rollout.md "A batch of hosts"): phase by phase,
 * in this order, and `together` when the hosts of the batch do it at the same
 * time rather than one after another: the drains (Suspend-ClusterNode -Drain
 * without -Wait, one wait on DrainStatus; on vSphere maintenance mode entered
 * with Set-VMHost -RunAsync, one wait on the tasks) and the restarts. The text
 * runbook and the JSON `phases` of a host step both read this table. */
enum ro_phase { PH_MOVE, PH_DRAIN, PH_CHANGE, PH_RESTART, PH_VERIFY, PH_RESUME, PH_START, PH_COUNT };
static const struct {
    const char *action; /* the JSON name */
    int together;
} host_phases[PH_COUNT] = {
    [PH_MOVE] = {"move", 0},       [PH_DRAIN] = {"drain", 1},   [PH_CHANGE] = {"change", 0},
    [PH_RESTART] = {"restart", 1}, [PH_VERIFY] = {"verify", 0}, [PH_RESUME] = {"resume", 0},
    [PH_START] = {"start", 0},
};

/* The VMs that leave host h, one line each. */
static void text_host_moves(const struct vg_ro_step *s, const struct vg_ro_host *h, struct vg_strbuf *sb)
{
    for (size_t m = 0; m < s->nmoves; m++) {
        const struct vg_ro_move *mv = &s->moves[m];
        if (mv->from != h->host)
            continue;
        if (mv->how == VG_RO_LIVE)
            vg_sb_printf(sb, "          %-16s live-migrate to %s", mv->vm->name, mv->to->name);
        else if (mv->how == VG_RO_RESTART)
            vg_sb_printf(sb, "          %-16s shut down, start on %s", mv->vm->name, mv->to->name);
        else
            vg_sb_printf(sb, "          %-16s shut down, stays down until %s is back", mv->vm->name, h->host->name);
        vg_sb_printf(sb, "  (%s)\n", mv->why);
    }
}

/* The VMs of other hosts that make room for the drained hosts' VMs. */
static void text_room_moves(const struct vg_ro_step *s, struct vg_strbuf *sb)
{
    for (size_t m = 0; m < s->nmoves; m++) {
        const struct vg_ro_move *mv = &s->moves[m];
        int from_batch = 0;
        for (size_t i = 0; i < s->nhosts; i++)
            from_batch |= mv->from == s->hosts[i].host;
        if (!from_batch)
            vg_sb_printf(sb, "        also %s %s from %s to %s  (%s)\n",
                         mv->how == VG_RO_LIVE ? "live-migrate" : "restart", mv->vm->name, mv->from->name, mv->to->name,
                         mv->why);
    }
}

/* The change lines of host h: the release, partitions, graphics, mode. */
static void text_host_change(struct vg_ctx *ctx, enum vg_driver_kind hk, const struct vg_ro_host *h,
                             struct vg_strbuf *sb)
{
    if (h->mgr_from != h->mgr_to &&
        !(vg_ro_release(h->mgr_from) && vg_ro_release(h->mgr_to) &&
          strcmp(vg_ro_release(h->mgr_from), vg_ro_release(h->mgr_to)) == 0)) {
        const char *df = vg_ro_driver(h->mgr_from, hk), *dt = vg_ro_driver(h->mgr_to, hk);
        vg_sb_printf(sb, "        change %s: vGPU Manager %s -> %s", h->host->name,
                     vg_rules_version_text(ctx, h->mgr_from), vg_rules_version_text(ctx, h->mgr_to));
        if (df && dt)
            vg_sb_printf(sb, " (host driver %s -> %s)", df, dt);
        vg_sb_putc(sb, '\n');
    } else if (h->part_from == h->part_to && h->graphics_from == h->graphics_to && h->mode_from == h->mode_to) {
        vg_sb_printf(sb, "        change %s: nothing (maintenance only)\n", h->host->name);
    }
    if (h->part_from != h->part_to)
        vg_sb_printf(sb, "        change %s: GPU-P partition count %u -> %u\n", h->host->name, h->part_from,
                     h->part_to);
    if (h->graphics_from != h->graphics_to)
        vg_sb_printf(sb, "        change %s: graphics %s -> %s\n", h->host->name, graphics_name(h->graphics_from),
                     graphics_name(h->graphics_to));
    if (h->mode_from != h->mode_to)
        vg_sb_printf(sb, "        change %s: vGPU mode %s -> %s\n", h->host->name, mode_name(h->mode_from),
                     mode_name(h->mode_to));
}

/* "the vGPU Manager is 18.4 (driver 570.172.07)" for host h. */
static void text_verify(struct vg_ctx *ctx, enum vg_driver_kind hk, const struct vg_ro_host *h, struct vg_strbuf *sb)
{
    const char *dt = vg_ro_driver(h->mgr_to, hk);
    vg_sb_printf(sb, "%s%s%s%s", vg_rules_version_text(ctx, h->mgr_to), dt ? " (driver " : "", dt ? dt : "",
                 dt ? ")" : "");
}

/* The hosts of a step as "a, b, c". */
static void text_host_list(const struct vg_ro_step *s, struct vg_strbuf *sb)
{
    for (size_t i = 0; i < s->nhosts; i++)
        vg_sb_printf(sb, "%s%s", i ? ", " : "", s->hosts[i].host->name);
}

/* The VMs started again on host h when it resumes: "; start a, b on h". */
static void text_host_starts(const struct vg_ro_step *s, const struct vg_ro_host *h, struct vg_strbuf *sb)
{
    size_t nb = 0;
    for (size_t b = 0; b < s->nbacks; b++)
        if (s->backs[b].to == h->host)
            vg_sb_printf(sb, "%s%s", nb++ ? ", " : "; start ", s->backs[b].vm->name);
    if (nb)
        vg_sb_printf(sb, " on %s", h->host->name);
}

/* One host: drain (its VMs under it), change, restart, verify, resume. */
static void text_one_host(struct vg_ctx *ctx, enum vg_driver_kind hk, const struct vg_ro_step *s, struct vg_strbuf *sb)
{
    const struct vg_ro_host *h = &s->hosts[0];
    vg_sb_printf(sb, "        drain %s\n", h->host->name);
    text_host_moves(s, h, sb);
    text_host_change(ctx, hk, h, sb);
    vg_sb_printf(sb, "        restart %s; verify the vGPU Manager is ", h->host->name);
    text_verify(ctx, hk, h, sb);
    vg_sb_printf(sb, "\n        resume %s", h->host->name);
    text_host_starts(s, h, sb);
    vg_sb_putc(sb, '\n');
    text_room_moves(s, sb);
}

/* A batch, phase by phase as the scripts run it (host_phases): the VMs of
 * every host leave (grouped by host), then each phase over all the hosts. */
static void text_batch(struct vg_ctx *ctx, enum vg_driver_kind hk, const struct vg_ro_step *s, struct vg_strbuf *sb)
{
    static const char *const how[] = {" one after another", " together"};
    for (size_t i = 0; i < s->nhosts; i++) {
        const struct vg_ro_host *h = &s->hosts[i];
        int any = 0;
        for (size_t m = 0; m < s->nmoves && !any; m++)
            any = s->moves[m].from == h->host;
        if (!any)
            continue;
        vg_sb_printf(sb, "        move the VMs off %s\n", h->host->name);
        text_host_moves(s, h, sb);
    }
    text_room_moves(s, sb);
    vg_sb_puts(sb, "        drain ");
    text_host_list(s, sb);
    vg_sb_printf(sb, "%s\n", how[host_phases[PH_DRAIN].together]);
    for (size_t i = 0; i < s->nhosts; i++)
        text_host_change(ctx, hk, &s->hosts[i], sb);
    vg_sb_puts(sb, "        restart ");
    text_host_list(s, sb);
    vg_sb_printf(sb, "%s; verify ", how[host_phases[PH_RESTART].together]);
    int same = 1;
    for (size_t i = 1; i < s->nhosts; i++)
        same &= s->hosts[i].mgr_to == s->hosts[0].mgr_to ||
            strcmp(vg_rules_version_text(ctx, s->hosts[i].mgr_to), vg_rules_version_text(ctx, s->hosts[0].mgr_to)) == 0;
    if (same) {
        vg_sb_puts(sb, "the vGPU Manager of each is ");
        text_verify(ctx, hk, &s->hosts[0], sb);
    } else {
        for (size_t i = 0; i < s->nhosts; i++) {
            vg_sb_printf(sb, "%s%s runs vGPU Manager ", i ? ", " : "", s->hosts[i].host->name);
            text_verify(ctx, hk, &s->hosts[i], sb);
        }
    }
    vg_sb_puts(sb, "\n        resume ");
    text_host_list(s, sb);
    vg_sb_putc(sb, '\n');
    for (size_t i = 0; i < s->nhosts; i++) {
        struct vg_strbuf starts;
        vg_sb_init(&starts);
        text_host_starts(s, &s->hosts[i], &starts);
        if (starts.len)
            vg_sb_printf(sb, "        %s\n", starts.data + 2); /* without the leading "; " */
        vg_sb_free(&starts);
    }
}

static void text_host_step(struct vg_ctx *ctx, const struct vg_ro_cluster *rc, const struct vg_ro_step *s,
                           struct vg_strbuf *sb)
{
    enum vg_driver_kind hk = vg_ro_host_kind(rc->cl);
    if (s->nhosts == 1)
        text_one_host(ctx, hk, s, sb);
    else
        text_batch(ctx, hk, s, sb);
}

static void text_cluster(struct vg_ctx *ctx, const struct vg_ro_cluster *rc, size_t *stepno, struct vg_strbuf *sb)
{
    const struct vg_cluster *cl = rc->cl;
    vg_sb_printf(sb, "rollout of cluster %s (%s): %zu host%s, %zu VM%s\n", cl->name, platform_text(ctx, cl), cl->nhosts,
                 cl->nhosts == 1 ? "" : "s", cl->nvms, cl->nvms == 1 ? "" : "s");
    if (!rc->cur) {
        vg_sb_puts(sb, "  no plan: the cluster is not in CURRENT (see the diagnostics)\n");
        return;
    }
    if (!rc->planned) {
        vg_sb_puts(sb,
                   "  no plan: no safe order exists or the files differ in more than a rollout changes (see "
                   "the diagnostics)\n");
        return;
    }
    if (rc->nwaypoints) {
        vg_sb_puts(sb, "  through vGPU");
        for (size_t w = 0; w < rc->nwaypoints; w++)
            vg_sb_printf(sb, "%s %s", w ? "," : "", rc->waypoints[w]->name);
        vg_sb_puts(sb, " (no direct order keeps every guest driver loadable)\n");
    }
    vg_sb_printf(sb, "  %zu state%s checked with every rule, none with an error\n", rc->nstates,
                 rc->nstates == 1 ? "" : "s");
    if (!rc->nsteps)
        vg_sb_puts(sb, "  nothing to do: CURRENT and DESIRED agree and no host is drained\n");
    for (size_t k = 0; k < rc->nsteps; k++) {
        const struct vg_ro_step *s = &rc->steps[k];
        ++*stepno;
        switch (s->kind) {
        case VG_RO_LICENSE:
            vg_sb_printf(sb, "\nstep %zu  license server  downtime: %s\n", *stepno, vg_ro_downtime_name(s->downtime));
            vg_sb_printf(sb, "        change license server %s -> %s, before any host moves\n",
                         lic_text(ctx, s->lic_from), lic_text(ctx, s->lic_to));
            break;
        case VG_RO_HOSTS:
            vg_sb_printf(sb, "\nstep %zu  host%s ", *stepno, s->nhosts == 1 ? "" : "s");
            for (size_t i = 0; i < s->nhosts; i++)
                vg_sb_printf(sb, "%s%s", i ? ", " : "", s->hosts[i].host->name);
            vg_sb_printf(sb, "  downtime: %s\n", vg_ro_downtime_name(s->downtime));
            text_host_step(ctx, rc, s, sb);
            break;
        case VG_RO_GUESTS: {
            const char *w = vg_ro_driver(s->guest_to, VG_DRV_GUEST_WINDOWS),
                       *l = vg_ro_driver(s->guest_to, VG_DRV_GUEST_LINUX);
            vg_sb_printf(sb, "\nstep %zu  guest driver of %zu VM%s  downtime: %s\n", *stepno, s->nvms,
                         s->nvms == 1 ? "" : "s", vg_ro_downtime_name(s->downtime));
            vg_sb_puts(sb, "        ");
            vm_names(sb, s->vms, s->nvms);
            vg_sb_printf(sb, "\n        update the guest driver %s -> %s inside each VM",
                         vg_rules_version_text(ctx, s->guest_from), vg_rules_version_text(ctx, s->guest_to));
            if (w || l)
                vg_sb_printf(sb, " (%s%s%s%s%s)", w ? "Windows " : "", w ? w : "", w && l ? ", " : "",
                             l ? "Linux " : "", l ? l : "");
            vg_sb_puts(sb, " and restart it\n");
            break;
        }
        }
        vg_sb_puts(sb, "        checked: every rule passes after this step\n");
    }
}

void vg_rollout_text(struct vg_ctx *ctx, const struct vg_rollout *ro, struct vg_strbuf *sb)
{
    if (!ro) {
        vg_sb_puts(sb, "no rollout planned: CURRENT or DESIRED has errors (see the diagnostics)\n");
        return;
    }
    size_t stepno = 0;
    if (!ro->nclusters)
        vg_sb_puts(sb, "no cluster to roll out\n");
    for (size_t k = 0; k < ro->nclusters; k++) {
        if (k)
            vg_sb_putc(sb, '\n');
        text_cluster(ctx, &ro->clusters[k], &stepno, sb);
    }
}

/* ---- JSON --------------------------------------------------------------------------- */

static void json_ver(struct vg_strbuf *sb, const struct vg_version_ref *v, enum vg_driver_kind k, int guest)
{
    vg_sb_puts(sb, "{\"release\":");
    const char *r = vg_ro_release(v);
    if (r)
        vg_sb_json_str(sb, r);
    else
        vg_sb_puts(sb, "null");
    vg_sb_puts(sb, ",\"as_written\":");
    if (v && v->text)
        vg_sb_json_str(sb, v->text);
    else
        vg_sb_puts(sb, "null");
    if (guest) {
        const char *w = vg_ro_driver(v, VG_DRV_GUEST_WINDOWS), *l = vg_ro_driver(v, VG_DRV_GUEST_LINUX);
        vg_sb_puts(sb, ",\"windows_driver\":");
        if (w)
            vg_sb_json_str(sb, w);
        else
            vg_sb_puts(sb, "null");
        vg_sb_puts(sb, ",\"linux_driver\":");
        if (l)
            vg_sb_json_str(sb, l);
        else
            vg_sb_puts(sb, "null");
    } else {
        const char *d = vg_ro_driver(v, k);
        vg_sb_puts(sb, ",\"driver\":");
        if (d)
            vg_sb_json_str(sb, d);
        else
            vg_sb_puts(sb, "null");
    }
    vg_sb_putc(sb, '}');
}

static void json_lic(struct vg_strbuf *sb, const struct vg_license_server *l)
{
    if (!l) {
        vg_sb_puts(sb, "null");
        return;
    }
    vg_sb_puts(sb, "{\"name\":");
    vg_sb_json_str(sb, l->name);
    vg_sb_puts(sb, ",\"kind\":");
    vg_sb_json_str(sb, lic_kind(l->kind));
    vg_sb_puts(sb, ",\"version\":");
    if (l->version)
        vg_sb_json_str(sb, l->version);
    else
        vg_sb_puts(sb, "null");
    vg_sb_putc(sb, '}');
}

static void json_move(struct vg_strbuf *sb, const struct vg_ro_move *mv)
{
    vg_sb_puts(sb, "{\"vm\":");
    vg_sb_json_str(sb, mv->vm->name);
    vg_sb_puts(sb, ",\"from\":");
    if (mv->from)
        vg_sb_json_str(sb, mv->from->name);
    else
        vg_sb_puts(sb, "null");
    vg_sb_puts(sb, ",\"to\":");
    if (mv->to)
        vg_sb_json_str(sb, mv->to->name);
    else
        vg_sb_puts(sb, "null");
    vg_sb_printf(sb, ",\"how\":\"%s\",\"migration\":\"%s\",\"reason\":", vg_ro_how_name(mv->how),
                 vg_migration_name(mv->vm->migration));
    vg_sb_json_str(sb, mv->why ? mv->why : "");
    vg_sb_putc(sb, '}');
}

static void json_step(const struct vg_ro_cluster *rc, const struct vg_ro_step *s, size_t index, struct vg_strbuf *sb)
{
    enum vg_driver_kind hk = vg_ro_host_kind(rc->cl);
    vg_sb_printf(sb, "{\"index\":%zu,\"kind\":\"%s\",\"leg\":%u,\"downtime\":\"%s\"", index, kind_name(s->kind), s->leg,
                 vg_ro_downtime_name(s->downtime));
    if (s->kind == VG_RO_LICENSE) {
        vg_sb_puts(sb, ",\"license_server\":{\"from\":");
        json_lic(sb, s->lic_from);
        vg_sb_puts(sb, ",\"to\":");
        json_lic(sb, s->lic_to);
        vg_sb_puts(sb, "}}");
        return;
    }
    if (s->kind == VG_RO_GUESTS) {
        vg_sb_puts(sb, ",\"guest_driver\":{\"from\":");
        json_ver(sb, s->guest_from, hk, 1);
        vg_sb_puts(sb, ",\"to\":");
        json_ver(sb, s->guest_to, hk, 1);
        vg_sb_puts(sb, "},\"vms\":[");
        for (size_t i = 0; i < s->nvms; i++) {
            vg_sb_puts(sb, i ? ",{\"name\":" : "{\"name\":");
            vg_sb_json_str(sb, s->vms[i]->name);
            vg_sb_printf(sb, ",\"os\":\"%s\"}", s->vms[i]->os == VG_OS_LINUX ? "linux" : "windows");
        }
        vg_sb_puts(sb, "]}");
        return;
    }
    vg_sb_puts(sb, ",\"hosts\":[");
    for (size_t i = 0; i < s->nhosts; i++) {
        const struct vg_ro_host *h = &s->hosts[i];
        vg_sb_puts(sb, i ? ",{\"name\":" : "{\"name\":");
        vg_sb_json_str(sb, h->host->name);
        vg_sb_puts(sb,
                   ",\"actions\":[\"drain\",\"change\",\"restart\",\"verify\",\"resume\"],\"vgpu_manager\":{\"from\":");
        json_ver(sb, h->mgr_from, hk, 0);
        vg_sb_puts(sb, ",\"to\":");
        json_ver(sb, h->mgr_to, hk, 0);
        vg_sb_printf(sb, "},\"gpu_partitions\":{\"from\":%u,\"to\":%u}", h->part_from, h->part_to);
        vg_sb_printf(sb, ",\"graphics\":{\"from\":\"%s\",\"to\":\"%s\"}", graphics_name(h->graphics_from),
                     graphics_name(h->graphics_to));
        vg_sb_printf(sb, ",\"vgpu_mode\":{\"from\":\"%s\",\"to\":\"%s\"}}", mode_name(h->mode_from),
                     mode_name(h->mode_to));
    }
    vg_sb_puts(sb, "],\"moves\":[");
    for (size_t m = 0; m < s->nmoves; m++) {
        if (m)
            vg_sb_putc(sb, ',');
        json_move(sb, &s->moves[m]);
    }
    vg_sb_puts(sb, "],\"returns\":[");
    for (size_t m = 0; m < s->nbacks; m++) {
        if (m)
            vg_sb_putc(sb, ',');
        json_move(sb, &s->backs[m]);
    }
    vg_sb_puts(sb, "],\"phases\":[");
    for (size_t p = 0; p < PH_COUNT; p++)
        vg_sb_printf(sb, "%s{\"action\":\"%s\",\"together\":%s}", p ? "," : "", host_phases[p].action,
                     host_phases[p].together && s->nhosts > 1 ? "true" : "false");
    vg_sb_puts(sb, "]}");
}

void vg_rollout_json(struct vg_ctx *ctx, const struct vg_rollout *ro, struct vg_strbuf *sb)
{
    vg_sb_putc(sb, '{');
    vg_json_head(sb, ROLLOUT_FORMAT_VERSION, NULL);
    vg_sb_printf(sb, ",\"kind\":\"rollout\",\"ok\":%s,\"states_checked\":%zu,\"clusters\":[",
                 ro && ro->ok ? "true" : "false", ro ? ro->nstates : (size_t)0);
    size_t index = 0;
    for (size_t k = 0; ro && k < ro->nclusters; k++) {
        const struct vg_ro_cluster *rc = &ro->clusters[k];
        vg_sb_puts(sb, k ? ",{\"name\":" : "{\"name\":");
        vg_sb_json_str(sb, rc->cl->name);
        vg_sb_puts(sb, ",\"platform\":");
        vg_sb_json_str(sb, platform_text(ctx, rc->cl));
        vg_sb_printf(sb, ",\"planned\":%s,\"states_checked\":%zu,\"waypoints\":[", rc->planned ? "true" : "false",
                     rc->nstates);
        for (size_t w = 0; w < rc->nwaypoints; w++) {
            if (w)
                vg_sb_putc(sb, ',');
            vg_sb_json_str(sb, rc->waypoints[w]->name);
        }
        vg_sb_puts(sb, "],\"steps\":[");
        for (size_t i = 0; i < rc->nsteps; i++) {
            if (i)
                vg_sb_putc(sb, ',');
            json_step(rc, &rc->steps[i], ++index, sb);
        }
        vg_sb_puts(sb, "]}");
    }
    vg_sb_puts(sb, "]}\n");
}

/* ---- SVG ------------------------------------------------------------------------------ */

#define COL_W 80
#define ROW_H 22
#define LABEL_W 170
#define HEAD_H 64

static const char *const palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948",
                                      "#76b7b2", "#ff9da7", "#9c755f", "#e15759", "#bab0ac"};
#define NPALETTE (sizeof palette / sizeof palette[0])

static void xml_text(struct vg_strbuf *sb, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': vg_sb_puts(sb, "&amp;"); break;
        case '<': vg_sb_puts(sb, "&lt;"); break;
        case '>': vg_sb_puts(sb, "&gt;"); break;
        case '"': vg_sb_puts(sb, "&quot;"); break;
        case '\'': vg_sb_puts(sb, "&apos;"); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                vg_sb_putc(sb, *s);
        }
    }
}

static size_t colour(const char **seen, size_t *n, const char *rel)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(seen[i], rel) == 0)
            return i;
    if (*n < 64)
        seen[(*n)++] = rel;
    return *n - 1;
}

/* The column heads of a cluster's timeline: start, then each step. */
static void svg_heads(struct vg_ctx *ctx, const struct vg_ro_cluster *rc, struct vg_strbuf *body, double y)
{
    for (size_t i = 0; i <= rc->nsteps; i++) {
        double x = LABEL_W + (double)i * COL_W;
        const char *head = "start", *sub = "";
        if (i) {
            const struct vg_ro_step *s = &rc->steps[i - 1];
            head = vg_sprintf(ctx->arena, "step %zu", i);
            sub = s->kind == VG_RO_LICENSE ? "license"
                : s->kind == VG_RO_GUESTS  ? vg_sprintf(ctx->arena, "guests %s", vg_ro_release(s->guest_to))
                                           : vg_ro_downtime_name(s->downtime);
        }
        vg_sb_printf(body, "<text class=\"head\" x=\"%.0f\" y=\"%.0f\">", x + 4, y + 14);
        xml_text(body, head);
        vg_sb_printf(body, "</text><text class=\"sub\" x=\"%.0f\" y=\"%.0f\">", x + 4, y + 28);
        xml_text(body, sub);
        vg_sb_puts(body, "</text>\n");
    }
}

/* One host's row: its vGPU Manager release after each step, hatched where
 * the step drains it; colours by release (seen[] keeps their order). */
static void svg_host_row(struct vg_ctx *ctx, const struct vg_ro_cluster *rc, const struct vg_host *host,
                         struct vg_strbuf *body, double y, const char **seen, size_t *nseen)
{
    const struct vg_host *ch = vg_hash_get(&rc->cur->host_by_name, host->name);
    const struct vg_version_ref *now = ch ? &ch->manager : &host->manager;
    vg_sb_printf(body, "<text class=\"host\" x=\"10\" y=\"%.0f\">", y + 15);
    xml_text(body, host->name);
    vg_sb_puts(body, "</text>\n");
    for (size_t i = 0; i <= rc->nsteps; i++) {
        int drained = 0;
        if (i) {
            const struct vg_ro_step *s = &rc->steps[i - 1];
            for (size_t j = 0; s->kind == VG_RO_HOSTS && j < s->nhosts; j++)
                if (s->hosts[j].host == host) {
                    drained = 1;
                    now = s->hosts[j].mgr_to;
                }
        }
        const char *rel = vg_ro_release(now);
        size_t c = colour(seen, nseen, rel ? rel : "?");
        double x = LABEL_W + (double)i * COL_W;
        vg_sb_printf(body, "<rect class=\"cell%s\" x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" fill=\"%s\"/>",
                     drained ? " drained" : "", x + 1, y + 1, COL_W - 2, ROW_H - 2, palette[c % NPALETTE]);
        if (drained)
            vg_sb_printf(body, "<rect class=\"hatch\" x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\"/>", x + 1, y + 1,
                         COL_W - 2, ROW_H - 2);
        vg_sb_printf(body, "<text class=\"rel\" x=\"%.0f\" y=\"%.0f\">", x + 6, y + 15);
        xml_text(body, rel ? rel : "?");
        vg_sb_puts(body, "</text>\n");
    }
}

void vg_rollout_svg(struct vg_ctx *ctx, const struct vg_rollout *ro, struct vg_strbuf *sb)
{
    struct vg_strbuf body;
    vg_sb_init(&body);
    double y = 10, width = 600;
    const char *seen[64];
    size_t nseen = 0;
    for (size_t k = 0; ro && k < ro->nclusters; k++) {
        const struct vg_ro_cluster *rc = &ro->clusters[k];
        const struct vg_cluster *cl = rc->cl;
        vg_sb_printf(&body, "<text class=\"cluster\" x=\"10\" y=\"%.0f\">", y + 16);
        xml_text(&body,
                 vg_sprintf(ctx->arena, "cluster %s (%s)%s", cl->name, platform_text(ctx, cl),
                            rc->planned ? "" : ": no plan"));
        vg_sb_puts(&body, "</text>\n");
        y += 26;
        if (!rc->planned || !rc->cur)
            continue;
        double w = LABEL_W + (double)(rc->nsteps + 1) * COL_W + 20;
        if (w > width)
            width = w;
        svg_heads(ctx, rc, &body, y);
        y += HEAD_H - 24;
        for (size_t h = 0; h < cl->nhosts; h++) {
            svg_host_row(ctx, rc, cl->hosts[h], &body, y, seen, &nseen);
            y += ROW_H;
        }
        y += 16;
    }
    /* legend */
    vg_sb_printf(&body, "<text class=\"sub\" x=\"10\" y=\"%.0f\">", y + 12);
    xml_text(&body,
             "cell colour: the vGPU Manager release after the step; hatched: drained, changed, restarted and "
             "resumed in that step");
    vg_sb_puts(&body, "</text>\n");
    y += 24;
    vg_sb_printf(sb,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
                 "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
                 width, y, width, y);
    vg_sb_puts(sb,
               "<title>vgpuc rollout plan</title>\n"
               "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
               "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#ffffff\" "
               "stroke-width=\"2\"/></pattern>\n"
               "<style>.cluster{font-size:14px;font-weight:bold}.host{font-weight:bold}.head{font-weight:bold}"
               ".sub{fill:#555555}.cell{stroke:#ffffff}.drained{stroke:#d62728;stroke-width:2}"
               ".hatch{fill:url(#hatch)}.rel{fill:#111111}</style></defs>\n"
               "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    vg_sb_add(sb, body.data ? body.data : "", body.len);
    vg_sb_puts(sb, "</svg>\n");
    vg_sb_free(&body);
}
