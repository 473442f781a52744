/*
 * plan_render.c - the placement as text, JSON or SVG (`vgpuc plan`, the
 * language server's vgpuc.plan command).
 *
 * Per cluster, per host, per physical GPU its use, profile, VMs, slots and
 * frame buffer; the VMs that could not be placed; and the failover result
 * with its reserve (free GPUs that restarted VMs take). JSON starts with the
 * head every JSON output shares (base/json.h), and a GPU's first members are
 * the ones `build --target json` writes too (vg_plan_json_gpu);
 * SVG is a standalone picture: hosts as columns, GPUs as bars filled per
 * profile, pass-through GPUs hatched, free space grey (the failover
 * reserve outlined in dashed green), hosts whose loss leaves VMs down
 * outlined in red, and a legend. Every name and catalog text is inert in all
 * three (strbuf.c); the SVG escapes it for XML and drops what XML forbids.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "model/model.h"
#include "plan/plan.h"
#include "base/json.h"
#include "base/strbuf.h"

#define PLAN_FORMAT_VERSION "2.0" /* base/json.h; 2.0: the head every JSON output shares */

struct gpuvms {          /* the VMs on each physical GPU */
    uint32_t *first, *n; /* per pgpu: range in vms[] */
    const struct vg_vm **vms;
};

static void gpu_vms_build(struct vg_ctx *ctx, const struct vg_cluster_plan *cp, struct gpuvms *gv)
{
    const struct vg_cluster *cl = cp->cluster;
    size_t n = cp->npgpus ? cp->npgpus : 1, total = 0;
    gv->first = vg_alloc_array(ctx->arena, n, sizeof *gv->first);
    gv->n = vg_alloc_array(ctx->arena, n, sizeof *gv->n);
    for (size_t o = 0; o < cp->norder; o++) {
        const struct vg_placement *pl = &cp->place[cp->order[o]];
        for (uint32_t j = 0; j < pl->ngpus; j++)
            gv->n[pl->gpus[j]]++, total++;
    }
    gv->vms = vg_alloc_array(ctx->arena, total ? total : 1, sizeof *gv->vms);
    uint32_t acc = 0;
    for (size_t i = 0; i < cp->npgpus; i++) {
        gv->first[i] = acc;
        acc += gv->n[i];
        gv->n[i] = 0;
    }
    for (size_t o = 0; o < cp->norder; o++) { /* placement order */
        const struct vg_placement *pl = &cp->place[cp->order[o]];
        for (uint32_t j = 0; j < pl->ngpus; j++)
            gv->vms[gv->first[pl->gpus[j]] + gv->n[pl->gpus[j]]++] = cl->vms[cp->order[o]];
    }
}

const char *vg_pgpu_use_name(enum vg_pgpu_use u)
{
    return u == VG_PGPU_VGPU ? "vgpu" : u == VG_PGPU_PASSTHROUGH ? "passthrough" : "free";
}

static void json_str_or_null(struct vg_strbuf *sb, const char *s)
{
    if (s)
        vg_sb_json_str(sb, s);
    else
        vg_sb_puts(sb, "null");
}

void vg_plan_json_gpu(struct vg_strbuf *sb, const struct vg_pgpu *g, int inert)
{
    void (*put)(struct vg_strbuf *, const char *) = inert ? vg_sb_json_inert : json_str_or_null;
    VG_SB_LIT(sb, "\"index\":"); /* no printf: a plan of 100k VMs writes these for every GPU */
    vg_sb_put_u(sb, g->index);
    VG_SB_LIT(sb, ",\"board\":");
    vg_sb_put_u(sb, g->board);
    VG_SB_LIT(sb, ",\"model\":");
    put(sb, g->model ? g->model->model : NULL);
    VG_SB_LIT(sb, ",\"use\":\"");
    vg_sb_puts(sb, vg_pgpu_use_name(g->use));
    VG_SB_LIT(sb, "\",\"profile\":");
    put(sb, g->use == VG_PGPU_VGPU && g->profile ? g->profile->name : NULL);
}

/* vGPU slots of a GPU in same-size mode (0 = not slot-bound: free or mixed). */
static uint32_t gpu_slots(const struct vg_cluster_plan *cp, const struct vg_pgpu *g)
{
    if (g->use != VG_PGPU_VGPU || !g->profile)
        return 0;
    enum vg_vgpu_mode mode = vg_span_valid(g->host->vgpu_mode_span) ? g->host->vgpu_mode : cp->cluster->vgpu_mode;
    if (mode == VG_VGPU_MIXED_SIZE)
        return 0;
    if (g->profile->mig && g->model->mig_slices)
        return 0; /* MIG instances of several sizes: counted in slices, not slots */
    uint32_t c = g->profile->max_same;
    if (cp->partitions && cp->partitions < c)
        c = cp->partitions;
    return c;
}

static const char *platform_text(struct vg_ctx *ctx, const struct vg_cluster *cl)
{
    if (!cl->family)
        return "no platform";
    return vg_sprintf(ctx->arena, "%s %s", cl->family, cl->version ? cl->version : "");
}

/* ---- text ---------------------------------------------------------------- */

static void names_text(struct vg_strbuf *sb, struct vg_vm *const *vms, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_puts(sb, ", ");
        vg_sb_put_inert(sb, vms[i]->name);
    }
}

/* One physical GPU's line of `vgpuc plan`: model, board, use, profile, how
 * full it is, whether it is failover reserve, and its VMs. */
static void gpu_line(struct vg_ctx *ctx, const struct vg_cluster_plan *cp, const struct gpuvms *gv, uint32_t i,
                     struct vg_strbuf *sb)
{
    const struct vg_pgpu *g = &cp->pgpus[i];
    const char *prof = g->use == VG_PGPU_VGPU ? g->profile->name : "-";
    uint32_t slots = gpu_slots(cp, g);
    int mig = g->use == VG_PGPU_VGPU && g->profile->mig && g->model->mig_slices;
    const char *use = mig        ? vg_sprintf(ctx->arena, "%u/%u MIG slices", g->mig_used, g->model->mig_slices)
        : g->use == VG_PGPU_VGPU ? (slots ? vg_sprintf(ctx->arena, "%u/%u slots", g->nvgpus, slots)
                                          : vg_sprintf(ctx->arena, "%u vGPUs mixed", g->nvgpus))
                                 : "-";
    vg_sb_printf(sb, "    gpu %-2u %-6s board %u  %-11s %-10s %-14s", g->index, vg_inert(ctx->arena, g->model->model),
                 g->board, vg_pgpu_use_name(g->use), vg_inert(ctx->arena, prof), use);
    vg_sb_printf(sb, "  %u/%u MB", g->used_fb_mb, g->model->fb_mb);
    if (cp->reserve[i])
        vg_sb_puts(sb, "  failover reserve");
    if (gv->n[i]) {
        vg_sb_puts(sb, "  ");
        names_text(sb, (struct vg_vm *const *)&gv->vms[gv->first[i]], gv->n[i]);
    }
    vg_sb_putc(sb, '\n');
}

static void plan_text(struct vg_ctx *ctx, const struct vg_plan *p, struct vg_strbuf *sb)
{
    for (size_t c = 0; c < p->nclusters; c++) {
        const struct vg_cluster_plan *cp = &p->clusters[c];
        const struct vg_cluster *cl = cp->cluster;
        struct gpuvms gv;
        gpu_vms_build(ctx, cp, &gv);
        if (c)
            vg_sb_putc(sb, '\n');
        vg_sb_puts(sb, "cluster ");
        vg_sb_put_inert(sb, cl->name);
        vg_sb_puts(sb, " (");
        vg_sb_put_inert(sb, platform_text(ctx, cl));
        vg_sb_printf(sb, "): %zu host%s, %zu GPU%s, %zu VM%s placed, %zu not placed", cl->nhosts,
                     cl->nhosts == 1 ? "" : "s", cp->npgpus, cp->npgpus == 1 ? "" : "s", cp->norder - cp->nunplaced,
                     cp->norder - cp->nunplaced == 1 ? "" : "s", cp->nunplaced);
        if (cp->partitions)
            vg_sb_printf(sb, ", GPU-P partitions %u", cp->partitions);
        vg_sb_putc(sb, '\n');
        for (size_t h = 0; h < cl->nhosts; h++) {
            vg_sb_puts(sb, "  host ");
            vg_sb_put_inert(sb, cl->hosts[h]->name);
            vg_sb_putc(sb, '\n');
            if (cp->host_first[h] == cp->host_first[h + 1])
                vg_sb_puts(sb, "    (no GPUs)\n");
            for (uint32_t i = cp->host_first[h]; i < cp->host_first[h + 1]; i++)
                gpu_line(ctx, cp, &gv, i, sb);
        }
        if (cp->nunplaced) {
            vg_sb_puts(sb, "  not placed:");
            for (size_t o = 0, k = 0; o < cp->norder; o++)
                if (!cp->place[cp->order[o]].host) {
                    vg_sb_puts(sb, k++ ? ", " : " ");
                    vg_sb_put_inert(sb, cl->vms[cp->order[o]]->name);
                }
            vg_sb_putc(sb, '\n');
        }
        if (cl->tolerate) {
            vg_sb_printf(sb, "  failover (tolerate-host-failures %u): %zu host set%s tried, ", cl->tolerate,
                         cp->nsets_tried, cp->nsets_tried == 1 ? "" : "s");
            if (!cp->nfailovers)
                vg_sb_puts(sb, "every VM can restart elsewhere\n");
            else
                vg_sb_printf(sb, "%zu leave VMs down\n", cp->nfailovers);
            if (cp->nreserve)
                vg_sb_printf(sb, "    reserve: %zu free GPU%s for restarted VMs, at most %u needed in one failure\n",
                             cp->nreserve, cp->nreserve == 1 ? "" : "s", cp->reserve_worst);
            for (size_t f = 0; f < cp->nfailovers; f++) {
                const struct vg_failover *fo = &cp->failovers[f];
                vg_sb_puts(sb, "    losing ");
                vg_sb_put_inert(sb, fo->failed[0]->name);
                if (fo->nfailed > 1) {
                    vg_sb_puts(sb, " + ");
                    vg_sb_put_inert(sb, fo->failed[1]->name);
                }
                vg_sb_printf(sb, ": %zu down: ", fo->ndown);
                names_text(sb, fo->down, fo->ndown);
                vg_sb_putc(sb, '\n');
            }
        }
    }
}

/* ---- json ---------------------------------------------------------------- */

static void json_names(struct vg_strbuf *sb, struct vg_vm *const *vms, size_t n)
{
    vg_sb_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_sb_putc(sb, ',');
        vg_sb_json_inert(sb, vms[i]->name);
    }
    vg_sb_putc(sb, ']');
}

static void plan_json(struct vg_ctx *ctx, const struct vg_plan *p, struct vg_strbuf *sb)
{
    vg_sb_putc(sb, '{');
    vg_json_head(sb, PLAN_FORMAT_VERSION, NULL);
    vg_sb_puts(sb, ",\"clusters\":[");
    for (size_t c = 0; c < p->nclusters; c++) {
        const struct vg_cluster_plan *cp = &p->clusters[c];
        const struct vg_cluster *cl = cp->cluster;
        struct gpuvms gv;
        gpu_vms_build(ctx, cp, &gv);
        vg_sb_puts(sb, c ? ",\n{" : "\n{");
        vg_sb_puts(sb, "\"name\":");
        vg_sb_json_inert(sb, cl->name);
        vg_sb_puts(sb, ",\"platform\":");
        if (cl->family)
            vg_sb_json_inert(sb, platform_text(ctx, cl));
        else
            vg_sb_puts(sb, "null");
        vg_sb_printf(sb, ",\"gpu_partitions\":%u,\"hosts\":[", cp->partitions);
        for (size_t h = 0; h < cl->nhosts; h++) {
            vg_sb_puts(sb, h ? ",{\"name\":" : "{\"name\":");
            vg_sb_json_inert(sb, cl->hosts[h]->name);
            vg_sb_puts(sb, ",\"gpus\":[");
            for (uint32_t i = cp->host_first[h]; i < cp->host_first[h + 1]; i++) {
                const struct vg_pgpu *g = &cp->pgpus[i];
                vg_sb_puts(sb, i > cp->host_first[h] ? ",{" : "{");
                vg_plan_json_gpu(sb, g, 1);
                VG_SB_LIT(sb, ",\"vgpus\":");
                vg_sb_put_u(sb, g->nvgpus);
                VG_SB_LIT(sb, ",\"slots\":");
                vg_sb_put_u(sb, gpu_slots(cp, g));
                VG_SB_LIT(sb, ",\"used_fb_mb\":");
                vg_sb_put_u(sb, g->used_fb_mb);
                VG_SB_LIT(sb, ",\"fb_mb\":");
                vg_sb_put_u(sb, g->model->fb_mb);
                if (cp->reserve[i])
                    VG_SB_LIT(sb, ",\"reserve\":true,\"vms\":");
                else
                    VG_SB_LIT(sb, ",\"reserve\":false,\"vms\":");
                json_names(sb, (struct vg_vm *const *)&gv.vms[gv.first[i]], gv.n[i]);
                vg_sb_putc(sb, '}');
            }
            vg_sb_puts(sb, "]}");
        }
        vg_sb_puts(sb, "],\"unplaced\":[");
        for (size_t o = 0, k = 0; o < cp->norder; o++)
            if (!cp->place[cp->order[o]].host) {
                if (k++)
                    vg_sb_putc(sb, ',');
                vg_sb_json_inert(sb, cl->vms[cp->order[o]]->name);
            }
        vg_sb_printf(sb,
                     "],\"failover\":{\"tolerate\":%u,\"sets_tried\":%zu,\"reserve_gpus\":%zu,"
                     "\"reserve_worst\":%u,\"failing\":[",
                     cl->tolerate, cp->nsets_tried, cp->nreserve, cp->reserve_worst);
        for (size_t f = 0; f < cp->nfailovers; f++) {
            const struct vg_failover *fo = &cp->failovers[f];
            vg_sb_puts(sb, f ? ",{\"failed\":[" : "{\"failed\":[");
            for (uint32_t j = 0; j < fo->nfailed; j++) {
                if (j)
                    vg_sb_putc(sb, ',');
                vg_sb_json_inert(sb, fo->failed[j]->name);
            }
            vg_sb_puts(sb, "],\"down\":");
            json_names(sb, fo->down, fo->ndown);
            vg_sb_putc(sb, '}');
        }
        vg_sb_puts(sb, "]}}");
    }
    vg_sb_puts(sb, "\n]}\n");
}

/* ---- svg ----------------------------------------------------------------- */

#define SVG_COL_W 220 /* one host column */
#define SVG_BAR_W 180
#define SVG_BAR_H 18
#define SVG_ROW_H 24
#define SVG_COLS 6 /* host columns per row of hosts */
#define SVG_MAX_NAMES 12

static const char *const palette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948",
                                      "#76b7b2", "#ff9da7", "#9c755f", "#e15759", "#bab0ac"};
#define NPALETTE (sizeof palette / sizeof palette[0])

/* Every text from an input: inert, XML-escaped, XML-illegal code points dropped. */
static void xml_text(struct vg_strbuf *sb, const char *s) { vg_sb_xml_inert(sb, s); }

struct legend {
    const char **names;
    size_t n, cap;
    struct vg_hash idx;
};

static size_t colour_of(struct vg_ctx *ctx, struct legend *lg, const char *profile)
{
    void *v = vg_hash_get(&lg->idx, profile);
    if (v)
        return (size_t)(uintptr_t)v - 1;
    VG_PUSH(ctx->arena, lg->names, lg->n, lg->cap, profile);
    vg_hash_put(&lg->idx, profile, (void *)(uintptr_t)lg->n);
    return lg->n - 1;
}

/* What the SVG's parts share while it is drawn: the body, the legend of
 * profiles met so far, the next row and the widest row and title. */
struct svg {
    struct vg_ctx *ctx;
    struct legend lg;
    struct vg_strbuf body;
    double y;
    size_t maxcols, maxtitle;
};

/* One physical GPU: a bar, free or reserve, with its VMs as segments (hatched when passed through). */
static void svg_gpu(struct svg *s, const struct vg_cluster_plan *cp, const struct gpuvms *gv, uint32_t i, double gx,
                    double gy)
{
    struct vg_strbuf *body = &s->body;
    const struct vg_pgpu *g = &cp->pgpus[i];
    vg_sb_printf(body, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" class=\"%s\"><title>", gx, gy, SVG_BAR_W,
                 SVG_BAR_H, cp->reserve[i] ? "free reserve" : "free");
    vg_sb_printf(body, "GPU %u (", g->index);
    xml_text(body, g->model->model);
    vg_sb_printf(body, ", board %u): %s, %u/%u MB%s", g->board, vg_pgpu_use_name(g->use), g->used_fb_mb,
                 g->model->fb_mb, cp->reserve[i] ? ", failover reserve" : "");
    vg_sb_puts(body, "</title></rect>\n");
    const struct vg_vm *const *vms = &gv->vms[gv->first[i]];
    if (g->use == VG_PGPU_PASSTHROUGH) {
        vg_sb_printf(body, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" class=\"pt\"><title>", gx, gy,
                     SVG_BAR_W, SVG_BAR_H);
        vg_sb_puts(body, "pass-through: ");
        xml_text(body, gv->n[i] ? vms[0]->name : "?");
        vg_sb_puts(body, "</title></rect>\n");
    } else {
        double sx = gx;
        for (uint32_t j = 0; j < gv->n[i]; j++) {
            const struct vg_profile *pr = vms[j]->profile;
            double w = (double)SVG_BAR_W * pr->fb_mb / g->model->fb_mb;
            size_t col = colour_of(s->ctx, &s->lg, pr->name);
            vg_sb_printf(body,
                         "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\" fill=\"%s\" "
                         "class=\"seg\"><title>",
                         sx, gy, w, SVG_BAR_H, palette[col % NPALETTE]);
            xml_text(body, vms[j]->name);
            vg_sb_puts(body, ": ");
            xml_text(body, pr->name);
            vg_sb_puts(body, "</title></rect>\n");
            sx += w;
        }
    }
    vg_sb_printf(body, "<text x=\"%.0f\" y=\"%.0f\" class=\"%s\">%u %s%s</text>\n", gx + 4, gy + 13,
                 g->use == VG_PGPU_PASSTHROUGH ? "ptlabel" : "gpulabel", g->index,
                 g->use == VG_PGPU_PASSTHROUGH ? "PT " : "",
                 g->use != VG_PGPU_FREE ? ""
                     : cp->reserve[i]   ? "free (failover reserve)"
                                        : "free");
    if (g->use == VG_PGPU_PASSTHROUGH && gv->n[i]) {
        vg_sb_printf(body, "<text x=\"%.0f\" y=\"%.0f\" class=\"ptlabel\">", gx + 40, gy + 13);
        xml_text(body, vms[0]->name);
        vg_sb_puts(body, "</text>\n");
    }
}

/* One host: a column with its name (and how many VMs its loss leaves down) and its GPUs. */
static void svg_host(struct svg *s, const struct vg_cluster_plan *cp, const struct gpuvms *gv, size_t h, double x,
                     double height, size_t down)
{
    struct vg_strbuf *body = &s->body;
    const struct vg_host *host = cp->cluster->hosts[h];
    vg_sb_printf(body, "<g class=\"host\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%.0f\" class=\"%s\"/>\n", x,
                 s->y, SVG_COL_W - 12, height, down ? "hostbox failing" : "hostbox");
    vg_sb_printf(body, "<text x=\"%.0f\" y=\"%.0f\" class=\"hostname\">", x + 8, s->y + 18);
    xml_text(body, host->name);
    if (down)
        vg_sb_printf(body, " (loss: %zu down)", down);
    vg_sb_puts(body, "</text>\n");
    for (uint32_t i = cp->host_first[h]; i < cp->host_first[h + 1]; i++)
        svg_gpu(s, cp, gv, i, x + 8, s->y + 28 + (double)(i - cp->host_first[h]) * SVG_ROW_H);
    vg_sb_puts(body, "</g>\n");
}

/* The VMs of a cluster that could not be placed, the first SVG_MAX_NAMES by name. */
static void svg_unplaced(struct svg *s, const struct vg_cluster_plan *cp)
{
    struct vg_strbuf *body = &s->body;
    vg_sb_printf(body, "<text x=\"10\" y=\"%.0f\" class=\"warn\">not placed: ", s->y + 4);
    for (size_t o = 0, k = 0; o < cp->norder && k <= SVG_MAX_NAMES; o++)
        if (!cp->place[cp->order[o]].host) {
            if (k++ == SVG_MAX_NAMES) {
                vg_sb_puts(body, ", \xE2\x80\xA6");
                break;
            }
            if (k > 1)
                vg_sb_puts(body, ", ");
            xml_text(body, cp->cluster->vms[cp->order[o]]->name);
        }
    vg_sb_puts(body, "</text>\n");
    s->y += 18;
}

/* One cluster: its title, its hosts SVG_COLS to a row, its unplaced VMs. */
static void svg_cluster(struct svg *s, const struct vg_cluster_plan *cp)
{
    struct vg_ctx *ctx = s->ctx;
    const struct vg_cluster *cl = cp->cluster;
    struct gpuvms gv;
    gpu_vms_build(ctx, cp, &gv);
    /* hosts whose loss leaves VMs down, and how many */
    size_t *down = vg_alloc_array(ctx->arena, cl->nhosts + 1, sizeof *down);
    for (size_t f = 0; f < cp->nfailovers; f++)
        for (uint32_t j = 0; j < cp->failovers[f].nfailed; j++)
            down[cp->failovers[f].failed[j]->index] += cp->failovers[f].ndown;
    struct vg_strbuf title;
    vg_sb_init(&title);
    vg_sb_printf(&title, "cluster %s (%s): %zu VMs placed, %zu not placed", cl->name, platform_text(ctx, cl),
                 cp->norder - cp->nunplaced, cp->nunplaced);
    if (cl->tolerate)
        vg_sb_printf(&title, "; failover: %zu of %zu host sets leave VMs down", cp->nfailovers, cp->nsets_tried);
    vg_sb_printf(&s->body, "<text x=\"10\" y=\"%.0f\" class=\"cluster\">", s->y);
    xml_text(&s->body, vg_sb_str(&title));
    if (title.len > s->maxtitle)
        s->maxtitle = title.len;
    vg_sb_free(&title);
    vg_sb_puts(&s->body, "</text>\n");
    s->y += 16;
    for (size_t h0 = 0; h0 < cl->nhosts; h0 += SVG_COLS) {
        uint32_t rows = 1;
        for (size_t h = h0; h < cl->nhosts && h < h0 + SVG_COLS; h++) {
            uint32_t n = cp->host_first[h + 1] - cp->host_first[h];
            rows = n > rows ? n : rows;
        }
        size_t ncols = cl->nhosts - h0 < SVG_COLS ? cl->nhosts - h0 : SVG_COLS;
        s->maxcols = ncols > s->maxcols ? ncols : s->maxcols;
        double height = 30 + rows * SVG_ROW_H + 8;
        for (size_t h = h0; h < h0 + ncols; h++)
            svg_host(s, cp, &gv, h, 10 + (double)(h - h0) * SVG_COL_W, height, down[h]);
        s->y += height + 10;
    }
    if (cp->nunplaced)
        svg_unplaced(s, cp);
    s->y += 20;
}

/* The legend: every profile met with its colour, then the other marks. */
static void svg_legend(struct svg *s)
{
    struct vg_strbuf *body = &s->body;
    const struct legend *lg = &s->lg;
    double lx = 10;
    vg_sb_printf(body, "<text x=\"%.0f\" y=\"%.0f\" class=\"hostname\">legend</text>\n", lx, s->y);
    s->y += 8;
    size_t nitems = lg->n + 2;
    for (size_t i = 0; i < nitems; i++) {
        double ix = lx + (double)(i % 5) * 170, iy = s->y + (double)(i / 5) * 22;
        const char *cls = i < lg->n ? "seg" : i == lg->n ? "pt" : "free";
        if (i < lg->n)
            vg_sb_printf(body, "<rect x=\"%.0f\" y=\"%.0f\" width=\"16\" height=\"14\" fill=\"%s\" class=\"seg\"/>", ix,
                         iy, palette[i % NPALETTE]);
        else
            vg_sb_printf(body, "<rect x=\"%.0f\" y=\"%.0f\" width=\"16\" height=\"14\" class=\"%s\"/>", ix, iy, cls);
        vg_sb_printf(body, "<text x=\"%.0f\" y=\"%.0f\" class=\"gpulabel\">", ix + 22, iy + 11);
        xml_text(body, i < lg->n ? lg->names[i] : i == lg->n ? "pass-through GPU" : "free frame buffer");
        vg_sb_puts(body, "</text>\n");
    }
    s->y += (double)((nitems + 4) / 5) * 22 + 10;
    vg_sb_printf(body,
                 "<rect x=\"%.0f\" y=\"%.0f\" width=\"16\" height=\"14\" class=\"hostbox failing\"/><text x=\"%.0f\" "
                 "y=\"%.0f\" class=\"gpulabel\">host whose loss leaves VMs down</text>\n",
                 lx, s->y, lx + 22, s->y + 11);
    vg_sb_printf(body,
                 "<rect x=\"%.0f\" y=\"%.0f\" width=\"16\" height=\"14\" class=\"free reserve\"/><text x=\"%.0f\" "
                 "y=\"%.0f\" class=\"gpulabel\">failover reserve: a free GPU that restarted VMs take</text>\n",
                 lx + 340, s->y, lx + 362, s->y + 11);
    s->y += 30;
}

static void plan_svg(struct vg_ctx *ctx, const struct vg_plan *p, struct vg_strbuf *sb)
{
    struct svg s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    vg_hash_init(&s.lg.idx, ctx->arena);
    vg_sb_init(&s.body);
    s.y = 40;
    s.maxcols = 1;
    for (size_t c = 0; c < p->nclusters; c++)
        svg_cluster(&s, &p->clusters[c]);
    svg_legend(&s);
    double y = s.y, width = 20 + (double)s.maxcols * SVG_COL_W;
    if (width < 20 + (double)s.maxtitle * 9) /* bold 14px text: about 9px per character */
        width = 20 + (double)s.maxtitle * 9;
    if (width < 880)
        width = 880;
    vg_sb_printf(sb,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
                 "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
                 width, y, width, y);
    vg_sb_puts(sb,
               "<title>vgpuc placement plan</title>\n"
               "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
               "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#555555\"/>"
               "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#999999\" stroke-width=\"3\"/></pattern>\n"
               "<style>.cluster{font-size:14px;font-weight:bold}.hostname{font-weight:bold}"
               ".hostbox{fill:#fafafa;stroke:#888888}.failing{stroke:#d62728;stroke-width:3}"
               ".free{fill:#e6e6e6;stroke:#bbbbbb}.reserve{stroke:#2ca02c;stroke-width:2;stroke-dasharray:4 "
               "2}.pt{fill:url(#hatch);stroke:#333333}"
               ".seg{stroke:#ffffff;stroke-width:1}.gpulabel{fill:#111111}.ptlabel{fill:#ffffff;font-weight:bold}.warn{"
               "fill:#d62728}</style></defs>\n"
               "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    vg_sb_add(sb, s.body.data ? s.body.data : "", s.body.len);
    vg_sb_puts(sb, "</svg>\n");
    vg_sb_free(&s.body);
}

void vg_plan_render(struct vg_ctx *ctx, const struct vg_plan *p, const char *format, struct vg_strbuf *sb)
{
    if (!strcmp(format, "json"))
        plan_json(ctx, p, sb);
    else if (!strcmp(format, "svg"))
        plan_svg(ctx, p, sb);
    else
        plan_text(ctx, p, sb);
}
