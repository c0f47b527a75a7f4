/* sluice baseline check RUN: the comparison the gate made for a run, from
 * its verdict (and early verdict): the baseline runs and how they were
 * chosen, the rules checked, and per reason its figures. */
#include <inttypes.h>

#include "cli.h"
#include "md.h"
#include "sluice/clock.h"
#include "sluice/json.h"
#include "sluice/run.h"
#include "verdict.h"

typedef struct check_cfg {
    cli_common_t common;
    int json;
} check_cfg_t;

/* clang-format off */
static const sl_opt_t check_options[] = {
    CLI_COMMON_OPTS(check_cfg_t),
    {"json", SL_OPT_FLAG, offsetof(check_cfg_t, json), NULL, 0, 0, NULL, NULL,
     "print {run_id, project, branch, commit, verdict, early_verdict}: each "
     "verdict with every field", NULL},
    {0},
};
/* clang-format on */

static const cli_usage_t check_usage = {
    "baseline check",
    "[OPTION]... RUN",
    "Prints the comparison the gate made for RUN: the baseline runs (newest\n"
    "first), the age of the newest, whether it was pinned or found from the\n"
    "run's merge-base, the rules checked, then per reason its figures:\n"
    "threshold, baseline mean +- spread (n runs), the run's value, the\n"
    "change (+ is worse), method, statistic and p. The early verdict, when\n"
    "the gate gave one, comes first. A run the gate has not judged yet:\n"
    "exit status 2.\n",
    check_options,
    0,
};

static void
put_list(const char *label, char *const *items, size_t n)
{
    printf("%s", label);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", stdout);
        cli_put(stdout, items[i], 0);
    }
    fputs(n ? "\n" : "-\n", stdout);
}

/* "newest RUN (commit C, finished T, AGE before this run)". */
static void
print_newest(const Sluice__V1__Baseline *b, int64_t at_us)
{
    char when[32], age[32];
    fputs("  newest:      ", stdout);
    cli_put(stdout, b->n_run_ids ? b->run_ids[0] : "-", 0);
    fputs(" (commit ", stdout);
    cli_put(stdout, b->commit[0] ? b->commit : "-", 0);
    if (b->finished_us == 0) {
        fputs(")\n", stdout);
        return;
    }
    int64_t d = at_us - b->finished_us;
    printf(", finished %s, %s %s this run)\n",
           sl_time_iso(b->finished_us, when), cli_age(d < 0 ? -d : d, age),
           d < 0 ? "after" : "before");
}

static void
print_baseline(const Sluice__V1__Baseline *b, int64_t at_us)
{
    if (b == NULL) {
        fputs("baseline:      none (nothing to compare with)\n", stdout);
        return;
    }
    fputs("baseline:      branch ", stdout);
    cli_put(stdout, b->branch[0] ? b->branch : "-", 0);
    printf(", %zu run(s)%s\n", b->n_run_ids, b->pinned ? ", pinned" : "");
    print_newest(b, at_us);
    put_list("  runs:        ", b->run_ids, b->n_run_ids);
    fputs("  runner:      ", stdout);
    cli_put(stdout, b->runner[0] ? b->runner : "any", 0);
    fputs("\n  merge-base:  ", stdout);
    if (b->base_commit[0] == '\0') {
        fputs("not sent (the newest baseline runs were used)\n", stdout);
    } else {
        cli_put(stdout, b->base_commit, 0);
        fputs(b->base_found ? " (a baseline run of it was found)\n"
                            : " (no baseline run of it: the newest were "
                              "used)\n",
              stdout);
    }
}

static int
print_verdict(const char *what, const sl_pb_verdict_t *v, int64_t at_us)
{
    cli_table_t t;
    printf("%-14s %s (decided at LSN %" PRIu64 ")\n", what,
           sl_verdict_name(v->status), v->decided_lsn);
    print_baseline(v->baseline, at_us);
    printf("rules checked: %zu\n", v->n_rules_checked);
    if (v->n_rules_checked > 0) {
        put_list("  ", v->rules_checked, v->n_rules_checked);
    }
    printf("reasons:       %zu\n", v->n_reasons);
    if (v->n_reasons == 0) {
        return SL_OK;
    }
    cli_reasons_init(&t);
    int rc = cli_reasons_add(&t, v, NULL);
    if (rc == SL_OK) {
        cli_table_print(&t, stdout, 2);
        cli_reasons_messages(v, NULL, stdout, 2);
    }
    cli_table_fini(&t);
    return rc;
}

static int
check_text(const sl_pb_run_t *r)
{
    char when[32];
    int64_t at = r->finished_us ? r->finished_us : sl_now_us();
    fputs("run:           ", stdout);
    cli_put(stdout, r->run_id, 0);
    const char *names[] = {"project", "branch", "commit"};
    const char *vals[] = {r->meta->project, r->meta->branch, r->meta->commit};
    for (size_t i = 0; i < 3; i++) {
        printf("%s%s ", i ? ", " : " (", names[i]);
        cli_put(stdout, vals[i][0] ? vals[i] : "-", 0);
    }
    printf(")\n%-14s %s%s%s\n", "state:", sl_state_name(r->state),
           r->finished_us ? " at " : "",
           r->finished_us ? sl_time_iso(r->finished_us, when) : "");
    int rc = SL_OK;
    if (r->early_verdict != NULL) {
        rc = print_verdict("early verdict:", r->early_verdict, at);
        putchar('\n');
    }
    if (rc == SL_OK &&
        r->verdict->status != SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING) {
        rc = print_verdict("verdict:", r->verdict, at);
    } else if (rc == SL_OK) {
        fputs("verdict:       pending (the run is not judged yet)\n", stdout);
    }
    return rc;
}

static int
check_json(const sl_pb_run_t *r)
{
    yajl_gen g = sl_json_new(1);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "run_id", r->run_id);
    sl_json_kstr(g, "project", r->meta->project);
    sl_json_kstr(g, "branch", r->meta->branch);
    sl_json_kstr(g, "commit", r->meta->commit);
    sl_json_str(g, "verdict");
    if (r->verdict->status != SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING) {
        cli_json_verdict(g, r->verdict, NULL);
    } else {
        (void)yajl_gen_null(g);
    }
    sl_json_str(g, "early_verdict");
    if (r->early_verdict != NULL) {
        cli_json_verdict(g, r->early_verdict, NULL);
    } else {
        (void)yajl_gen_null(g);
    }
    (void)yajl_gen_map_close(g);
    int rc = sl_json_flush(g, stdout);
    yajl_gen_free(g);
    return rc;
}

static int
do_check(sl_client_t *cl, const check_cfg_t *cfg, const char *run_id)
{
    sl_err_t err = {0};
    sl_pb_reply_t *rep = NULL;
    int rc = cli_get_run(cl, &cfg->common, run_id, &rep, &err);
    if (rc == SL_ENOTFOUND) {
        return cli_no_such_run(run_id);
    }
    if (rc != SL_OK) {
        return cli_fail(rc, &err);
    }
    const sl_pb_run_t *r = rep->run;
    int st = CLI_EXIT_OK;
    if (r->verdict->status == SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING &&
        r->early_verdict == NULL) {
        fputs("sluice baseline check: run '", stderr);
        cli_put(stderr, run_id, 0);
        fprintf(stderr,
                "' has no verdict yet (%s): the gate has not "
                "judged it\n",
                sl_state_name(r->state));
        st = CLI_EXIT_USAGE;
    } else {
        rc = cfg->json ? check_json(r) : check_text(r);
        st = rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, NULL);
    }
    sl_wire_free(&rep);
    return cli_done(st);
}

int
cli_baseline_check(int argc, char **argv)
{
    check_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&check_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 1 || argv[1][0] == '\0') {
        return cli_usage_error(&check_usage, "expected exactly one RUN id");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = do_check(cl, &cfg, argv[1]);
    }
    sl_client_destroy(&cl);
    return st;
}
