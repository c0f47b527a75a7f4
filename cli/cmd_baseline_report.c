/* sluice baseline report: per-benchmark trends of a branch as Markdown. For
 * each project, the newest N finished runs of the branch (series.h); for
 * each benchmark of them, a table of its values oldest first, the change
 * points found in the series and a summary line. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "md.h"
#include "series.h"
#include "sluice/clock.h"

#define LAST_MAX 1000 /* sl_changepoints searches the last 1000 values */

typedef struct report_cfg {
    cli_common_t common;
    const char *project, *branch;
    uint64_t last;
} report_cfg_t;

/* clang-format off */
#define REPORT_OPT(n, t, f, d, lo, hi, arg, help)                              \
    {n, t, offsetof(report_cfg_t, f), d, lo, hi, NULL, arg, help, NULL}

static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(report_cfg_t),
    REPORT_OPT("project", SL_OPT_STR, project, NULL, 0, 0, "P",
               "only project P (default: every project)"),
    REPORT_OPT("branch", SL_OPT_STR, branch, "main", 0, 0, "B",
               "the branch whose runs make the series"),
    REPORT_OPT("last", SL_OPT_U64, last, "30", 1, LAST_MAX, "N",
               "the newest N finished runs of the branch, per project"),
    {0},
};
/* clang-format on */

static const cli_usage_t report_usage = {
    "baseline report",
    "[OPTION]...",
    "Prints per-benchmark trends as Markdown: per project, a section per\n"
    "benchmark (name [measure], unit, direction) with a table of its values\n"
    "in the newest N finished runs of the branch, oldest first (run, commit,\n"
    "finished, value, +- stddev, samples, change vs the previous run), the\n"
    "change points in that series (E-divisive: a split is kept where\n"
    "Welch's t-test, Bonferroni-bounded over the splits tried, gives\n"
    "p < 0.01; segments of at least 3 runs; docs/gate.md) naming the run and\n"
    "commit where the level moved, and a summary (first to last). N is at\n"
    "most 1000. No finished run of the branch (in project P): exit status\n"
    "2.\n",
    options,
    0,
};

/* The Markdown code span of s, or "-" when out of memory (the report goes
 * on: a missing name is better than no report). */
typedef struct code {
    char *s;
} code_t;

static const char *
code(code_t *c, const char *s)
{
    free(c->s);
    c->s = cli_md_code(s);
    return c->s != NULL ? c->s : "-";
}

/* One row per point: run, commit, finished, value, stddev, n, change. */
static int
series_table(const cli_series_set_t *set, const cli_series_t *s,
             const char *unit, cli_table_t *t)
{
    int rc = SL_OK;
    code_t run = {0}, commit = {0};
    for (size_t i = 0; rc == SL_OK && i < s->n; i++) {
        const cli_point_t *p = &s->pts[i];
        const cli_run_t *r = &set->runs[p->run];
        char when[32], value[96], sd[32] = "-", n[24] = "-", change[32] = "-";
        char num[32], c10[11];
        double pct;
        int other_unit = strcmp(p->unit, unit) != 0;
        (void)snprintf(value, sizeof value, "%s%s%.40s", cli_num(p->value, num),
                       other_unit ? " " : "", other_unit ? p->unit : "");
        if (p->stddev > 0) {
            (void)cli_num(p->stddev, sd);
        }
        if (p->n > 0) {
            (void)snprintf(n, sizeof n, "%" PRIu64, p->n);
        }
        if (i > 0 && cli_change_pct(s->pts[i - 1].value, p->value, &pct)) {
            (void)cli_pct(pct, change);
        }
        const char *cells[7] = {code(&run, r->run_id),
                                code(&commit, cli_short_commit(r->commit, c10)),
                                sl_time_iso(r->finished_us, when),
                                value,
                                sd,
                                n,
                                change};
        rc = cli_table_add(t, cells);
    }
    free(run.s);
    free(commit.s);
    return rc;
}

/* "worse", "better" or "unchanged" for a change of pct percent. */
static const char *
direction(double pct, int lower_is_better)
{
    if (fabs(pct) < 0.05) { /* as cli_pct shows it: 0.0% */
        return "unchanged";
    }
    return (pct > 0) == (lower_is_better != 0) ? "worse" : "better";
}

/* cp NULL with k 1: not computed. */
static void
print_changes(const cli_series_set_t *set, const cli_series_t *s,
              const cli_cp_t *cp, size_t k)
{
    code_t run = {0}, commit = {0};
    if (cp == NULL && k == 1) {
        fputs("Change points: not computed (a value is out of the range the "
              "statistics take).\n\n",
              stdout);
        return;
    }
    if (k == 0) {
        fputs("Change points: none.\n\n", stdout);
        return;
    }
    printf("Change points: %zu.\n\n", k);
    for (size_t i = 0; i < k; i++) {
        const cli_run_t *r = &set->runs[s->pts[cp[i].index].run];
        char when[32], c10[11], a[32], b[32], ps[32], pct_s[48] = "";
        double pct;
        if (cli_change_pct(cp[i].before, cp[i].after, &pct)) {
            (void)snprintf(pct_s, sizeof pct_s, " (%s, %s)", cli_pct(pct, ps),
                           direction(pct, s->pts[0].lower_is_better));
        }
        printf("- at run %s (commit %s, %s): level %s → %s%s\n",
               code(&run, r->run_id),
               code(&commit, cli_short_commit(r->commit, c10)),
               sl_time_iso(r->finished_us, when), cli_num(cp[i].before, a),
               cli_num(cp[i].after, b), pct_s);
    }
    putchar('\n');
    free(run.s);
    free(commit.s);
}

static void
print_summary(const cli_series_t *s, const char *unit)
{
    char a[32], b[32], ps[32], pct_s[48] = "";
    double first = s->pts[0].value, last = s->pts[s->n - 1].value, pct;
    if (s->n > 1 && cli_change_pct(first, last, &pct)) {
        (void)snprintf(pct_s, sizeof pct_s, " (%s, %s)", cli_pct(pct, ps),
                       direction(pct, s->pts[s->n - 1].lower_is_better));
    }
    printf("Summary: %s → %s", cli_num(first, a), cli_num(last, b));
    if (unit[0] != '\0') {
        putchar(' ');
        cli_put(stdout, unit, 0);
    }
    printf("%s over %zu run(s).\n\n", pct_s, s->n);
}

static void
print_heading(const cli_series_t *s)
{
    const cli_point_t *newest = &s->pts[s->n - 1];
    code_t c = {0};
    printf("### %s", code(&c, newest->name));
    if (newest->measure[0] != '\0') {
        printf(" [%s]", code(&c, newest->measure));
    }
    printf(" (%s, %s is better)\n\n",
           newest->unit[0] ? code(&c, newest->unit) : "no unit",
           newest->lower_is_better ? "lower" : "higher");
    free(c.s);
}

static int
print_series(const cli_series_set_t *set, const cli_series_t *s)
{
    static const char *const head[7] = {"run",  "commit",  "finished", "value",
                                        "± sd", "samples", "change"};
    static const int right[7] = {0, 0, 0, 1, 1, 1, 1};
    const char *unit = s->pts[s->n - 1].unit;
    cli_table_t t;
    cli_cp_t *cp = NULL;
    size_t k = 0;
    double *x = cli_series_values(s);
    cli_table_init(&t, 7, head, right);
    int rc = x == NULL ? SL_ENOMEM : series_table(set, s, unit, &t);
    rc = rc == SL_OK ? cli_changes(x, s->n, &cp, &k) : rc;
    if (rc == SL_EINVAL) {
        rc = SL_OK; /* printed as not computed */
        k = 1;
    }
    if (rc == SL_OK) {
        print_heading(s);
        cli_table_print_md(&t, stdout);
        putchar('\n');
        print_changes(set, s, cp, k);
        print_summary(s, unit);
    }
    cli_table_fini(&t);
    free(cp);
    free(x);
    return rc;
}

static int
cmp_project(const void *a, const void *b)
{
    return strcmp(((const cli_project_t *)a)->name,
                  ((const cli_project_t *)b)->name);
}

static int
print_project(const cli_series_set_t *set, const cli_project_t *p,
              const report_cfg_t *cfg)
{
    code_t c = {0};
    printf("## Project %s\n\n", code(&c, p->name));
    printf("The newest %" PRIu64 " finished run(s) of %s (at most %" PRIu64
           "), oldest first.\n\n",
           p->runs, code(&c, cfg->branch), cfg->last);
    free(c.s);
    size_t pos = 0, shown = 0;
    cli_series_t s;
    int rc = SL_OK;
    while (rc == SL_OK && cli_series_next(set, &pos, &s)) {
        if (strcmp(s.pts[0].project, p->name) == 0) {
            rc = print_series(set, &s);
            shown++;
        }
    }
    if (rc == SL_OK && shown == 0) {
        fputs("No benchmarks in these runs.\n\n", stdout);
    }
    return rc;
}

static int
report(const cli_series_set_t *set, const report_cfg_t *cfg)
{
    code_t c = {0};
    printf("# Benchmark trends on %s\n\n", code(&c, cfg->branch));
    free(c.s);
    printf("Change points: E-divisive, kept where Welch's t-test "
           "(Bonferroni-bounded) gives p < %g, segments of at least %d runs. "
           "Change: vs the previous "
           "run.\n\n",
           CLI_CP_ALPHA, CLI_CP_MIN_SIZE);
    qsort(set->projects, set->nprojects, sizeof *set->projects, cmp_project);
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < set->nprojects; i++) {
        rc = print_project(set, &set->projects[i], cfg);
    }
    return rc;
}

static int
run_report(sl_client_t *cl, const report_cfg_t *cfg)
{
    cli_series_set_t set = {0};
    cli_walk_t w = {cfg->project, cfg->branch, NULL, NULL, cfg->last};
    sl_err_t err = {0};
    int st = CLI_EXIT_OK;
    int rc = cli_series_load(cl, &cfg->common, &w, &set, &err);
    if (rc == SL_OK && set.nprojects == 0) {
        fputs("sluice baseline report: no finished run of branch '", stderr);
        cli_put(stderr, cfg->branch, 0);
        if (cfg->project != NULL) {
            fputs("' in project '", stderr);
            cli_put(stderr, cfg->project, 0);
        }
        fputs("'\n", stderr);
        st = CLI_EXIT_USAGE;
    } else if (rc == SL_OK) {
        rc = report(&set, cfg);
        st = rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, NULL);
    } else {
        st = cli_fail(rc, &err);
    }
    cli_series_fini(&set);
    return cli_done(st);
}

int
cli_baseline_report(int argc, char **argv)
{
    report_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&report_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 0) {
        return cli_usage_error(&report_usage, "unexpected argument");
    }
    if (cfg.branch[0] == '\0') {
        return cli_usage_error(&report_usage, "--branch: empty");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = run_report(cl, &cfg);
    }
    sl_client_destroy(&cl);
    return st;
}
