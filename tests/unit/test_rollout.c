/*
 * test_rollout.c - the rollout planner (compiler/rollout/rollout.c): the order of
 * steps, the moves, the checks of every state, the infeasible cases with
 * their VG7001, the intermediate-release search (VG7002), inventory changes
 * (VG7003), and that planning leaves the desired model as it was.
 */
#include "unit.h"

#include "fixture.h"
#include "rollout/rollout.h"

/* Two texts built into one context, as `vgpuc rollout` does. */
struct pair {
    struct fx *f;
    struct vg_model *cur, *want;
};

static struct pair build2(const char *cur, const char *want)
{
    struct pair p;
    p.f = prepare();
    uint32_t a = vg_source_add(&p.f->ctx, "current.vgpu", cur, strlen(cur), vg_span_make(0, 0, 0));
    uint32_t b = vg_source_add(&p.f->ctx, "desired.vgpu", want, strlen(want), vg_span_make(0, 0, 0));
    p.cur = vg_model_build(&p.f->ctx, &a, 1);
    p.want = vg_model_build(&p.f->ctx, &b, 1);
    p.f->text = want;
    assert_int_equal(vg_diag_error_count(&p.f->ctx), 0);
    return p;
}

static struct vg_rollout *plan(struct pair *p, const struct vg_ro_options *o)
{
    struct vg_ro_options def;
    memset(&def, 0, sizeof def);
    def.at_once = 1;
    return vg_rollout_plan(&p->f->ctx, p->cur, p->want, o ? o : &def);
}

#define LIC "license-server dls { kind dls\n version 3.5.0\n editions vws vpc vapps }\n"

/* An HCI A16 GPU-P cluster: 4 hosts, 20 VDI VMs and a pinned DDA VM. */
static const char *hci(char *buf, size_t n, const char *mgr, const char *guest)
{
    snprintf(buf, n,
             LIC "cluster c {\n platform azure-stack-hci 22H2\n vgpu-manager %s\n license-server dls\n"
                 " gpu-partitions 4\n tolerate-host-failures 1\n host h[1..4] { gpu A16 x 2 }\n"
                 " vm v[01..20] { gpu vgpu A16-4Q\n guest-driver %s\n migration restart }\n"
                 " vm cad { gpu passthrough A16\n host h1\n migration none }\n}\n",
             mgr, guest);
    return buf;
}

static size_t steps_of(const struct vg_ro_cluster *rc, enum vg_ro_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < rc->nsteps; i++)
        n += rc->steps[i].kind == k;
    return n;
}

static void hosts_first_then_guests(void **state)
{
    (void)state;
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "16.5", "16.5"), hci(b, sizeof b, "19.5", "19.5"));
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    const struct vg_ro_cluster *rc = &ro->clusters[0];
    assert_int_equal(rc->nsteps, 5);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(rc->steps[i].kind, VG_RO_HOSTS);
        assert_string_equal(rc->steps[i].hosts[0].mgr_from->text, "16.5");
        assert_string_equal(rc->steps[i].hosts[0].mgr_to->text, "19.5");
    }
    assert_string_equal(rc->steps[0].hosts[0].host->name, "h1");
    assert_int_equal(rc->steps[4].kind, VG_RO_GUESTS); /* 19.x guests need every host on 19 first */
    assert_int_equal(rc->steps[4].nvms, 20);
    assert_int_equal(rc->nwaypoints, 0);
    /* the pinned DDA VM with `migration none` stays down through h1's window and comes back there */
    const struct vg_ro_step *s = &rc->steps[0];
    int found = 0;
    for (size_t m = 0; m < s->nmoves; m++)
        if (!strcmp(s->moves[m].vm->name, "cad")) {
            found = 1;
            assert_int_equal(s->moves[m].how, VG_RO_DOWN);
            assert_null(s->moves[m].to);
        }
    assert_true(found);
    assert_int_equal(s->nbacks, 1);
    assert_string_equal(s->backs[0].to->name, "h1");
    assert_int_equal(s->downtime, VG_RO_DT_WINDOW);
    /* every VM that left h1 went to another host, by restart */
    for (size_t m = 0; m < s->nmoves; m++)
        if (s->moves[m].how == VG_RO_RESTART)
            assert_true(s->moves[m].to && strcmp(s->moves[m].to->name, "h1") != 0);
    /* states: the start, and per host drained + resumed, and the guest step */
    assert_int_equal(rc->nstates, 1 + 4 * 2 + 1);
    assert_int_equal(count(p.f, VG7001), 0);
    done(p.f);
}

static void model_left_as_desired(void **state)
{
    (void)state;
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "16.5", "16.5"), hci(b, sizeof b, "19.5", "19.5"));
    plan(&p, NULL);
    const struct vg_cluster *cl = p.want->clusters[0];
    for (size_t h = 0; h < cl->nhosts; h++) {
        assert_string_equal(cl->hosts[h]->manager.text, "19.5");
        assert_int_equal(cl->hosts[h]->drained, 0);
    }
    for (size_t i = 0; i < cl->nvms; i++) {
        assert_null(cl->vms[i]->prefer);
        assert_int_equal(cl->vms[i]->parked, 0);
        if (cl->vms[i]->mode == VG_MODE_VGPU)
            assert_string_equal(cl->vms[i]->guest.text, "19.5");
    }
    assert_int_equal(cl->tolerate, 1);
    done(p.f);
}

static void intermediate_release(void **state)
{
    (void)state;
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "16.5", "16.5"), hci(b, sizeof b, "20.1", "20.1"));
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    const struct vg_ro_cluster *rc = &ro->clusters[0];
    assert_int_equal(rc->nwaypoints, 1);
    assert_string_equal(rc->waypoints[0]->name,
                        "19.6"); /* the LTS pair: 16 guests on 19, 19 guests on 20 (19.6 is the newest 19.x) */
    assert_int_equal(steps_of(rc, VG_RO_HOSTS), 8);
    assert_int_equal(steps_of(rc, VG_RO_GUESTS), 2);
    assert_string_equal(rc->steps[3].hosts[0].mgr_to->text, "19.6");
    assert_int_equal(rc->steps[4].kind, VG_RO_GUESTS);
    assert_string_equal(rc->steps[4].guest_to->text, "19.6");
    assert_string_equal(rc->steps[5].hosts[0].mgr_from->text, "19.6");
    assert_string_equal(rc->steps[5].hosts[0].mgr_to->text, "20.1");
    assert_int_equal(rc->steps[9].kind, VG_RO_GUESTS);
    assert_int_equal(count(p.f, VG7002), 1);
    assert_int_equal(count(p.f, VG7001), 0);
    done(p.f);
}

static void one_branch_needs_no_intermediate(void **state)
{
    (void)state; /* near miss of the above: 19 -> 20 goes directly */
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "19.5", "19.5"), hci(b, sizeof b, "20.1", "20.1"));
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    assert_int_equal(ro->clusters[0].nwaypoints, 0);
    assert_int_equal(count(p.f, VG7002), 0);
    done(p.f);
}

static void lowered_driver_rule_goes_directly(void **state)
{
    (void)state; /* --rule VG3002=warning: 16.x guests on 20.x hosts no longer block, no waypoint */
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "16.5", "16.5"), hci(b, sizeof b, "20.1", "20.1"));
    p.f->ctx.opt.rule_level[VG3002] = VG_LEVEL_WARNING;
    vg_rollout_states = 0;
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    assert_int_equal(ro->clusters[0].nwaypoints, 0);
    assert_int_equal(ro->clusters[0].nsteps, 5);
    assert_int_equal(vg_rollout_states, 1 + 4 * 2 + 1); /* no candidate skipped by the driver pre-check */
    done(p.f);
}

static void guests_first_when_going_down(void **state)
{
    (void)state; /* 19 -> 18: an 18 guest runs on a 19 host; a 19 guest does not run on an 18 host */
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "19.5", "19.5"), hci(b, sizeof b, "18.4", "18.4"));
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    const struct vg_ro_cluster *rc = &ro->clusters[0];
    assert_int_equal(rc->steps[0].kind, VG_RO_GUESTS);
    assert_int_equal(steps_of(rc, VG_RO_HOSTS), 4);
    done(p.f);
}

/* Hosts with one L40 each; with two, draining either leaves no room. */
static const char *tight_mig(char *buf, size_t n, const char *mgr, int hosts, const char *mig)
{
    snprintf(buf, n,
             LIC "cluster e {\n platform esxi 8.0u2\n vcenter 8.0u2\n vgpu-manager %s\n license-server dls\n"
                 " host x[1..%d] { gpu L40 }\n"
                 " vm m[1..6] { gpu vgpu L40-12Q\n guest-driver %s\n os linux\n migration %s }\n}\n",
             mgr, hosts, mgr, mig);
    return buf;
}

static const char *tight(char *buf, size_t n, const char *mgr, int hosts)
{
    return tight_mig(buf, n, mgr, hosts, "restart");
}

static void no_room_is_vg7001(void **state)
{
    (void)state;
    char a[2048], b[2048];
    struct pair p = build2(tight(a, sizeof a, "17.6", 2), tight(b, sizeof b, "18.4", 2));
    struct vg_rollout *ro = plan(&p, NULL);
    assert_false(ro->ok);
    assert_false(ro->clusters[0].planned);
    assert_int_equal(ro->clusters[0].nsteps, 0);
    const struct vg_diag *d = find(p.f, VG7001);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "draining `x1`"));
    assert_non_null(strstr(d->message, "VG5001"));
    int capacity_help = 0;
    for (size_t i = 0; i < d->nhelps; i++)
        capacity_help |= strstr(d->helps[i], "--allow-down") != NULL;
    assert_true(capacity_help);
    assert_int_not_equal(d->span.file, 0); /* located */
    done(p.f);
}

static void room_on_a_third_host(void **state)
{
    (void)state; /* near miss: a third host takes the drained host's VMs */
    char a[2048], b[2048];
    struct pair p = build2(tight_mig(a, sizeof a, "17.6", 3, "live"), tight_mig(b, sizeof b, "18.4", 3, "live"));
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    const struct vg_ro_step *s = &ro->clusters[0].steps[0];
    assert_int_equal(s->kind, VG_RO_HOSTS);
    for (size_t m = 0; m < s->nmoves; m++)
        assert_int_equal(s->moves[m].how, VG_RO_LIVE); /* `migration live` keeps its promise */
    assert_int_equal(s->downtime, VG_RO_DT_NONE);
    assert_int_equal(count(p.f, VG7001), 0);
    done(p.f);
}

static void allow_down_opens_a_window(void **state)
{
    (void)state;
    char a[2048], b[2048];
    struct pair p = build2(tight(a, sizeof a, "17.6", 2), tight(b, sizeof b, "17.6", 2));
    const char *down[] = {"m1", "m2", "m3", "m4", "m5", "m6"};
    const char *drain[] = {"x1"};
    struct vg_ro_options o;
    memset(&o, 0, sizeof o);
    o.at_once = 1;
    o.drain = drain;
    o.ndrain = 1;
    struct vg_rollout *ro = plan(&p, &o);
    assert_false(ro->ok); /* x1's four VMs have no room on x2 */
    assert_int_equal(count(p.f, VG7001), 1);
    done(p.f);
    p = build2(tight(a, sizeof a, "17.6", 2), tight(b, sizeof b, "17.6", 2));
    o.allow_down = down;
    o.nallow_down = 6;
    ro = plan(&p, &o);
    assert_true(ro->ok);
    const struct vg_ro_step *s = &ro->clusters[0].steps[0];
    assert_int_equal(ro->clusters[0].nsteps, 1); /* a drain: one host step, no change */
    assert_ptr_equal(s->hosts[0].mgr_from, s->hosts[0].mgr_to);
    assert_int_equal(s->downtime, VG_RO_DT_WINDOW);
    for (size_t m = 0; m < s->nmoves; m++)
        assert_int_equal(s->moves[m].how, VG_RO_DOWN);
    done(p.f);
}

static void migration_none_stays_down(void **state)
{
    (void)state; /* an unpinned `migration none` VM is not restarted elsewhere: it waits for its host */
    char a[2048];
    tight_mig(a, sizeof a, "18.4", 3, "none");
    struct pair p = build2(a, a);
    const char *drain[] = {"x1"};
    struct vg_ro_options o;
    memset(&o, 0, sizeof o);
    o.at_once = 1;
    o.drain = drain;
    o.ndrain = 1;
    struct vg_rollout *ro = plan(&p, &o);
    assert_true(ro->ok);
    const struct vg_ro_step *s = &ro->clusters[0].steps[0];
    assert_true(s->nmoves > 0);
    for (size_t m = 0; m < s->nmoves; m++) {
        assert_int_equal(s->moves[m].how, VG_RO_DOWN);
        assert_string_equal(s->moves[m].why, "`migration none`");
    }
    assert_int_equal(s->nbacks, s->nmoves);
    done(p.f);
}

static void keep_failover_needs_more_room(void **state)
{
    (void)state;
    char a[2048], b[2048];
    /* 3 hosts with tolerate 1: draining one is the tolerated failure; keeping
     * the failover check as well would need room for two hosts' VMs */
    const char *fmt = LIC "cluster e {\n platform esxi 8.0u2\n vcenter 8.0u2\n vgpu-manager %s\n"
                          " license-server dls\n tolerate-host-failures 1\n host x[1..3] { gpu L40 }\n"
                          " vm m[1..6] { gpu vgpu L40-12Q\n guest-driver %s\n os linux\n migration live }\n}\n";
    snprintf(a, sizeof a, fmt, "17.6", "17.6");
    snprintf(b, sizeof b, fmt, "18.4", "18.4");
    struct pair p = build2(a, b);
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    done(p.f);
    p = build2(a, b);
    struct vg_ro_options o;
    memset(&o, 0, sizeof o);
    o.at_once = 1;
    o.keep_failover = 1;
    ro = plan(&p, &o);
    assert_false(ro->ok);
    const struct vg_diag *d = find(p.f, VG7001);
    assert_non_null(d);
    int failover = 0;
    for (size_t i = 0; i < d->nnotes; i++)
        failover |= strstr(d->notes[i], "VG5003:") != NULL;
    assert_true(failover);
    done(p.f);
}

static void two_hosts_at_once(void **state)
{
    (void)state;
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "16.5", "16.5"), hci(b, sizeof b, "19.5", "19.5"));
    struct vg_ro_options o;
    memset(&o, 0, sizeof o);
    o.at_once = 2;
    const char *order[] = {"h3", "h4"};
    o.order = order;
    o.norder = 2;
    struct vg_rollout *ro = plan(&p, &o);
    assert_true(ro->ok);
    const struct vg_ro_cluster *rc = &ro->clusters[0];
    assert_int_equal(steps_of(rc, VG_RO_HOSTS), 2);
    assert_int_equal(rc->steps[0].nhosts, 2);
    assert_string_equal(rc->steps[0].hosts[0].host->name, "h3"); /* the preferred order */
    assert_string_equal(rc->steps[0].hosts[1].host->name, "h4");
    done(p.f);
}

static void previous_branch_as_error_has_no_order(void **state)
{
    (void)state;
    char a[2048], b[2048];
    struct pair p = build2(hci(a, sizeof a, "16.5", "16.5"), hci(b, sizeof b, "17.6", "17.6"));
    p.f->ctx.opt.rule_level[VG3003] = VG_LEVEL_ERROR; /* --rule VG3003=error */
    struct vg_rollout *ro = plan(&p, NULL);
    assert_false(ro->ok);
    const struct vg_diag *d = find(p.f, VG7001);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "VG3003"));
    assert_non_null(strstr(d->label, "`v01`")); /* the VM */
    done(p.f);
}

static void license_server_first(void **state)
{
    (void)state;
    char a[2048], b[2048];
    hci(a, sizeof a, "17.6", "17.6");
    hci(b, sizeof b, "18.4", "18.4");
    char *v = strstr(a, "3.5.0"); /* CURRENT: DLS 3.3.0, too old for vGPU 18 */
    memcpy(v, "3.3.0", 5);
    struct pair p = build2(a, b);
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    const struct vg_ro_cluster *rc = &ro->clusters[0];
    assert_int_equal(rc->steps[0].kind, VG_RO_LICENSE);
    assert_string_equal(rc->steps[0].lic_from->version, "3.3.0");
    assert_string_equal(rc->steps[0].lic_to->version, "3.5.0");
    assert_int_equal(rc->steps[1].kind, VG_RO_HOSTS);
    done(p.f);
}

static void inventory_change_is_vg7003(void **state)
{
    (void)state;
    char a[2048], b[2048];
    hci(a, sizeof a, "16.5", "16.5");
    hci(b, sizeof b, "19.5", "19.5");
    char *h = strstr(b, "h[1..4]");
    h[5] = '5'; /* DESIRED adds h5 */
    struct pair p = build2(a, b);
    struct vg_rollout *ro = plan(&p, NULL);
    assert_false(ro->ok);
    const struct vg_diag *d = find(p.f, VG7003);
    assert_non_null(d);
    assert_non_null(strstr(d->message, "`h5`"));
    assert_int_equal(count(p.f, VG7001), 0);
    done(p.f);
}

static void vm_changes_are_vg7003(void **state)
{
    (void)state;
    char a[2048], b[2048];
    hci(a, sizeof a, "16.5", "16.5");
    hci(b, sizeof b, "19.5", "19.5");
    memcpy(strstr(b, "A16-4Q"), "A16-8Q", 6);     /* a profile change */
    memcpy(strstr(b, " vm cad {") + 4, "cax", 3); /* and `cad` renamed: removed and added */
    struct pair p = build2(a, b);
    struct vg_rollout *ro = plan(&p, NULL);
    assert_false(ro->ok);
    int profile = 0, removed = 0, added = 0;
    for (size_t i = 0; i < p.f->ctx.diags.n; i++) {
        const struct vg_diag *d = p.f->ctx.diags.v[i];
        if (d->code != VG7003)
            continue;
        profile |= strstr(d->message, "`v01` changes its GPU") != NULL;
        removed |= strstr(d->message, "VM `cad` of cluster `c` is not in DESIRED") != NULL;
        added |= strstr(d->message, "VM `cax` of cluster `c` is not in CURRENT") != NULL;
    }
    assert_true(profile);
    assert_true(removed);
    assert_true(added);
    done(p.f);
}

static void nothing_to_do(void **state)
{
    (void)state;
    char a[2048];
    struct pair p = build2(hci(a, sizeof a, "19.5", "19.5"), a);
    struct vg_rollout *ro = plan(&p, NULL);
    assert_true(ro->ok);
    assert_int_equal(ro->clusters[0].nsteps, 0);
    done(p.f);
}

/* Checks grow with hosts, not hosts x VMs: 2 per host + the start + 1 guest step. */
static void states_are_linear(void **state)
{
    (void)state;
    const char *fmt = LIC "cluster c {\n platform azure-stack-hci 22H2\n vgpu-manager %s\n license-server dls\n"
                          " gpu-partitions 4\n host h[01..%d] { gpu A16 x 2 }\n"
                          " vm v[0001..%d] { gpu vgpu A16-4Q\n guest-driver %s\n migration restart }\n}\n";
    size_t n[2];
    for (int k = 0; k < 2; k++) {
        int hosts = k ? 32 : 8, vms = hosts * 28;
        char *a = malloc(4096), *b = malloc(4096);
        snprintf(a, 4096, fmt, "16.5", hosts, vms, "16.5");
        snprintf(b, 4096, fmt, "19.5", hosts, vms, "19.5");
        struct pair p = build2(a, b);
        vg_rollout_states = 0;
        struct vg_rollout *ro = plan(&p, NULL);
        assert_true(ro->ok);
        n[k] = (size_t)vg_rollout_states;
        assert_int_equal(n[k], 1 + 2 * (size_t)hosts + 1);
        done(p.f);
        free(a);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hosts_first_then_guests),
        cmocka_unit_test(model_left_as_desired),
        cmocka_unit_test(intermediate_release),
        cmocka_unit_test(one_branch_needs_no_intermediate),
        cmocka_unit_test(lowered_driver_rule_goes_directly),
        cmocka_unit_test(guests_first_when_going_down),
        cmocka_unit_test(no_room_is_vg7001),
        cmocka_unit_test(room_on_a_third_host),
        cmocka_unit_test(allow_down_opens_a_window),
        cmocka_unit_test(migration_none_stays_down),
        cmocka_unit_test(keep_failover_needs_more_room),
        cmocka_unit_test(two_hosts_at_once),
        cmocka_unit_test(previous_branch_as_error_has_no_order),
        cmocka_unit_test(license_server_first),
        cmocka_unit_test(inventory_change_is_vg7003),
        cmocka_unit_test(vm_changes_are_vg7003),
        cmocka_unit_test(nothing_to_do),
        cmocka_unit_test(states_are_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
