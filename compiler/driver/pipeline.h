/*
 * pipeline.h - the shared front half of lint, plan, build and rollout: the
 * config and options into the context, the catalog, the inputs, the model,
 * the plan, the rules; and the report rendered once per format (pipeline.c).
 */
#ifndef VG_PIPELINE_H
#define VG_PIPELINE_H

#include <stddef.h>

#include "driver/cli.h"

/*
 * The shared front half of lint, plan and build: apply the config and the
 * options to ctx, load the catalog, expand the inputs (files, directories
 * searched recursively for *.vgpu in sorted order, "-" for stdin), build the
 * model and the plan, run the rules, finish the diagnostics. Returns 0, or 2
 * when the run could not go on (bad config or catalog, no input readable);
 * *model and *plan may be NULL then. *nfiles receives the number of inputs.
 */
int vg_pipeline_run(struct vg_ctx *ctx, struct vg_cli *cli, struct vg_model **model, struct vg_plan **plan,
                    size_t *nfiles);
/*
 * The first part of vg_pipeline_run, for commands that build their models
 * themselves (rollout): config and options into ctx, then the catalog.
 * Returns 0, or 2 with the diagnostics finished.
 */
int vg_pipeline_setup(struct vg_ctx *ctx, struct vg_cli *cli, const char *const *paths, size_t n);
/*
 * Render the diagnostics in cli->format to `out` (stdout or stderr), write the
 * --report files, print the summary to stderr unless -q; returns the exit
 * code for cli->fail_on (0 or 1), or 2 if a report could not be written.
 */
int vg_pipeline_report(struct vg_ctx *ctx, struct vg_cli *cli, size_t nfiles, int to_stderr);
/* Whether the finished diagnostics reach cli->fail_on (the exit code 1). */
int vg_pipeline_fails(const struct vg_ctx *ctx, const struct vg_cli *cli);

#endif
