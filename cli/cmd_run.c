/* sluice run R [--json]: the summary of one run. --json prints exactly
 * sl_run_json's output (DESIGN.md, "The user's contract"). */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "sluice/clock.h"
#include "sluice/run.h"

typedef struct run_cfg {
    cli_common_t common;
    int json;
} run_cfg_t;

/* clang-format off */
static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(run_cfg_t),
    {"json", SL_OPT_FLAG, offsetof(run_cfg_t, json), NULL, 0, 0, NULL, NULL,
     "print the run summary as JSON (the documented contract)", NULL},
    {0},
};
/* clang-format on */

static const cli_usage_t run_usage = {
    "run",
    "[OPTION]... RUN",
    "Shows one run: its metadata, state, test counts, verdict with every\n"
    "reason, and artifacts.\n",
    options,
    0,
};

/* One "name: value" line with the value shown safely. */
static void
line(const char *name, const char *value)
{
    printf("%-10s ", name);
    cli_put(stdout, value[0] != '\0' ? value : "-", 0);
    putchar('\n');
}

static void
print_times(const sl_pb_run_t *r)
{
    char buf[32];
    line("state:", sl_state_name(r->state));
    line("created:", r->created_us ? sl_time_iso(r->created_us, buf) : "-");
    line("finished:", r->finished_us ? sl_time_iso(r->finished_us, buf) : "-");
    printf("%-10s %" PRIu64 " (LSN %" PRIu64 "..%" PRIu64 ")\n",
           "events:", r->events, r->first_lsn, r->last_lsn);
    if (r->pruned) {
        printf("%-10s yes: retention dropped its outputs and per-file "
               "coverage from the log\n",
               "pruned:");
    }
}

static void
print_artifacts(const sl_pb_run_t *r)
{
    printf("artifacts: %zu\n", r->n_artifacts);
    for (size_t i = 0; i < r->n_artifacts; i++) {
        const Sluice__V1__Artifact *a = r->artifacts[i];
        printf("  %-8s ", a->format[0] != '\0' ? a->format : "-");
        cli_put(stdout, a->path, 0);
        printf("  %" PRIu64 " bytes%s\n", a->size,
               a->complete ? "" : "  (incomplete)");
    }
}

static void
print_run(const sl_pb_run_t *r)
{
    line("run:", r->run_id);
    line("project:", r->meta->project);
    line("branch:", r->meta->branch);
    line("commit:", r->meta->commit);
    line("ci:", r->meta->ci);
    if (r->meta->url[0] != '\0') {
        line("url:", r->meta->url);
    }
    print_times(r);
    /* The verdict block lists the tests, coverage, benchmarks and
     * findings of the run, then the reasons. */
    sl_run_print_verdict(r, stdout);
    print_artifacts(r);
}

/* Fetches run_id; *out is a record with every sub-message present. */
static int
fetch_run(sl_client_t *cl, const run_cfg_t *cfg, const char *run_id,
          sl_pb_reply_t **out, sl_err_t *err)
{
    Sluice__V1__GetRun q;
    sl_pb_request_t req;
    sluice__v1__get_run__init(&q);
    sluice__v1__request__init(&req);
    q.run_id = (char *)(uintptr_t)run_id;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_RUN;
    req.get_run = &q;
    int rc =
        cli_call(cl, &cfg->common, &req, SLUICE__V1__REPLY__KIND_RUN, out, err);
    if (rc == SL_OK &&
        ((*out)->run->meta == NULL || (*out)->run->tests == NULL ||
         (*out)->run->verdict == NULL)) {
        sl_wire_free(out);
        rc = sl_err_set(err, SL_EPROTO, "incomplete run record from %s",
                        cfg->common.collector);
    }
    return rc;
}

static int
show(sl_client_t *cl, const run_cfg_t *cfg, const char *run_id)
{
    sl_err_t err = {0};
    sl_pb_reply_t *rep = NULL;
    int rc = fetch_run(cl, cfg, run_id, &rep, &err);
    if (rc == SL_ENOTFOUND) {
        return cli_no_such_run(run_id);
    }
    if (rc != SL_OK) {
        return cli_fail(rc, &err);
    }
    int status = CLI_EXIT_OK;
    if (cfg->json) {
        rc = sl_run_json(rep->run, stdout);
        status = rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, NULL);
    } else {
        print_run(rep->run);
    }
    sl_wire_free(&rep);
    return cli_done(status);
}

int
cli_cmd_run(int argc, char **argv)
{
    run_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&run_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 1 || argv[1][0] == '\0') {
        return cli_usage_error(&run_usage, "expected exactly one RUN id");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = show(cl, &cfg, argv[1]);
    }
    sl_client_destroy(&cl);
    return st;
}
