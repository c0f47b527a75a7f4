/* sluice bench NAME: one benchmark's series on a branch (series.h) with
 * its baseline band and change points, and the runs whose verdicts named
 * it; a table, or JSON with the same data. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "md.h"
#include "series.h"
#include "sluice/clock.h"
#include "sluice/json.h"
#include "sluice/run.h"
#include "verdict.h"

#define LAST_MAX 1000 /* sl_changepoints searches the last 1000 values */

typedef struct bench_cfg {
    cli_common_t common;
    const char *project, *branch, *measure;
    uint64_t last;
    int json;
} bench_cfg_t;

/* clang-format off */
#define BENCH_OPT(n, t, f, d, lo, hi, arg, help)                               \
    {n, t, offsetof(bench_cfg_t, f), d, lo, hi, NULL, arg, help, NULL}

static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(bench_cfg_t),
    BENCH_OPT("project", SL_OPT_STR, project, NULL, 0, 0, "P",
              "only project P (default: every project that has NAME)"),
    BENCH_OPT("branch", SL_OPT_STR, branch, "main", 0, 0, "B",
              "the branch whose runs make the series"),
    BENCH_OPT("measure", SL_OPT_STR, measure, NULL, 0, 0, "M",
              "only measure M of NAME (default: every measure)"),
    BENCH_OPT("last", SL_OPT_U64, last, "30", 1, LAST_MAX, "N",
              "the newest N finished runs of the branch that have NAME"),
    BENCH_OPT("json", SL_OPT_FLAG, json, NULL, 0, 0, NULL,
              "print the same data as JSON"),
    {0},
};
/* clang-format on */

static const cli_usage_t bench_usage = {
    "bench",
    "[OPTION]... NAME",
    "Shows benchmark NAME over the newest N finished runs of the branch\n"
    "that have it, oldest first: RUN, COMMIT, FINISHED, VALUE, UNIT and N\n"
    "(samples); then the baseline band, mean +- 2 sd of the last 10 values;\n"
    "the change points of the series (E-divisive, Welch's t-test\n"
    "Bonferroni-bounded, p < 0.01, segments of at least 3 runs), each naming\n"
    "the run and commit where the level moved; and the runs, of any branch, "
    "met while reading back to\n"
    "the oldest of those, whose verdict or early verdict has a reason about\n"
    "NAME (its subject is NAME, or NAME and a measure). A series per\n"
    "project and measure. N is at most 1000. NAME in no finished run of the\n"
    "branch: exit status 2.\n",
    options,
    0,
};

/* The figures of one series: values, band, change points. A band or
 * change points the statistics refuse (a value too large) are not
 * computed: band_ok or cp_ok 0. */
typedef struct figures {
    double *x;
    cli_band_t band;
    cli_cp_t *cp;
    size_t k;
    int band_ok, cp_ok;
} figures_t;

static int
figures_of(const cli_series_t *s, figures_t *f)
{
    memset(f, 0, sizeof *f);
    f->x = cli_series_values(s);
    if (f->x == NULL) {
        return SL_ENOMEM;
    }
    int rc = cli_band(f->x, s->n, &f->band);
    f->band_ok = rc == SL_OK;
    rc = rc == SL_OK || rc == SL_EINVAL ? cli_changes(f->x, s->n, &f->cp, &f->k)
                                        : rc;
    f->cp_ok = rc == SL_OK;
    return rc == SL_EINVAL ? SL_OK : rc;
}

static void
figures_fini(figures_t *f)
{
    free(f->x);
    free(f->cp);
}

/* ---- text -------------------------------------------------------------- */

static int
points_table(const cli_series_set_t *set, const cli_series_t *s)
{
    static const char *const head[6] = {"RUN",   "COMMIT", "FINISHED",
                                        "VALUE", "UNIT",   "N"};
    static const int right[6] = {0, 0, 0, 1, 0, 1};
    cli_table_t t;
    int rc = SL_OK;
    cli_table_init(&t, 6, head, right);
    for (size_t i = 0; rc == SL_OK && i < s->n; i++) {
        const cli_point_t *p = &s->pts[i];
        const cli_run_t *r = &set->runs[p->run];
        char c10[11], when[32], value[32], n[24] = "-";
        if (p->n > 0) {
            (void)snprintf(n, sizeof n, "%" PRIu64, p->n);
        }
        const char *cells[6] = {r->run_id[0] ? r->run_id : "-",
                                r->commit[0] ? cli_short_commit(r->commit, c10)
                                             : "-",
                                sl_time_iso(r->finished_us, when),
                                cli_num(p->value, value),
                                p->unit[0] ? p->unit : "-",
                                n};
        rc = cli_table_add(&t, cells);
    }
    if (rc == SL_OK) {
        cli_table_print(&t, stdout, 0);
    }
    cli_table_fini(&t);
    return rc;
}

static void
text_head(const cli_series_t *s, const bench_cfg_t *cfg)
{
    const cli_point_t *p = &s->pts[s->n - 1];
    fputs("benchmark: ", stdout);
    cli_put(stdout, p->name, 0);
    if (p->measure[0] != '\0') {
        fputs(" [", stdout);
        cli_put(stdout, p->measure, 0);
        fputs("]", stdout);
    }
    fputs("\nproject:   ", stdout);
    cli_put(stdout, p->project[0] ? p->project : "-", 0);
    fputs("\nbranch:    ", stdout);
    cli_put(stdout, cfg->branch, 0);
    printf(", %zu run(s) (at most %" PRIu64 ")\nunit:      ", s->n, cfg->last);
    cli_put(stdout, p->unit[0] ? p->unit : "none", 0);
    printf(", %s is better\n\n", p->lower_is_better ? "lower" : "higher");
}

static void
text_band(const figures_t *f)
{
    char m[32], sd[32], lo[32], hi[32];
    if (!f->band_ok) {
        fputs("\nband:      not computed (a value is out of the range the "
              "statistics take)\n",
              stdout);
        return;
    }
    printf("\nband:      %s ± %s (%s .. %s): mean ± 2 sd of the last %zu "
           "value(s)\n",
           cli_num(f->band.mean, m), cli_num(2 * f->band.sd, sd),
           cli_num(f->band.low, lo), cli_num(f->band.high, hi), f->band.n);
}

static void
text_changes(const cli_series_set_t *set, const cli_series_t *s,
             const figures_t *f)
{
    if (!f->cp_ok) {
        fputs("change points: not computed (a value is out of the range the "
              "statistics take)\n",
              stdout);
        return;
    }
    printf("change points: %zu\n", f->k);
    for (size_t i = 0; i < f->k; i++) {
        const cli_run_t *r = &set->runs[s->pts[f->cp[i].index].run];
        char c10[11], when[32], a[32], b[32], ps[32];
        double pct;
        fputs("  ", stdout);
        cli_put(stdout, r->run_id, 0);
        fputs("  commit ", stdout);
        cli_put(stdout, r->commit[0] ? cli_short_commit(r->commit, c10) : "-",
                0);
        printf("  %s  level %s → %s", sl_time_iso(r->finished_us, when),
               cli_num(f->cp[i].before, a), cli_num(f->cp[i].after, b));
        if (cli_change_pct(f->cp[i].before, f->cp[i].after, &pct)) {
            printf(" (%s)", cli_pct(pct, ps));
        }
        putchar('\n');
    }
}

static int
text_series(const cli_series_set_t *set, const cli_series_t *s,
            const bench_cfg_t *cfg)
{
    figures_t f;
    int rc = figures_of(s, &f);
    if (rc == SL_OK) {
        text_head(s, cfg);
        rc = points_table(set, s);
    }
    if (rc == SL_OK) {
        text_band(&f);
        text_changes(set, s, &f);
    }
    figures_fini(&f);
    return rc;
}

static int
text_flagged_run(const cli_flagged_t *fl, const char *name)
{
    const sl_pb_verdict_t *vs[2] = {fl->early, fl->verdict};
    const char *what[2] = {"early verdict", "verdict"};
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < 2; i++) {
        if (vs[i] == NULL) {
            continue;
        }
        cli_table_t t;
        fputs("  ", stdout);
        cli_put(stdout, fl->run_id, 0);
        fputs("  project ", stdout);
        cli_put(stdout, fl->project[0] ? fl->project : "-", 0);
        fputs(", branch ", stdout);
        cli_put(stdout, fl->branch[0] ? fl->branch : "-", 0);
        printf(": %s %s\n", what[i], sl_verdict_name(vs[i]->status));
        cli_reasons_init(&t);
        rc = cli_reasons_add(&t, vs[i], name);
        if (rc == SL_OK) {
            cli_table_print(&t, stdout, 4);
            cli_reasons_messages(vs[i], name, stdout, 4);
        }
        cli_table_fini(&t);
    }
    return rc;
}

static int
text_out(const cli_series_set_t *set, const bench_cfg_t *cfg, const char *name)
{
    size_t pos = 0, nseries = 0;
    cli_series_t s;
    int rc = SL_OK;
    while (rc == SL_OK && cli_series_next(set, &pos, &s)) {
        fputs(nseries++ ? "\n" : "", stdout);
        rc = text_series(set, &s, cfg);
    }
    if (rc == SL_OK) {
        printf("\nflagged by verdicts: %zu run(s)\n", set->nflagged);
    }
    for (size_t i = 0; rc == SL_OK && i < set->nflagged; i++) {
        rc = text_flagged_run(&set->flagged[i], name);
    }
    return rc;
}

/* ---- JSON -------------------------------------------------------------- */

static void
json_points(yajl_gen g, const cli_series_set_t *set, const cli_series_t *s)
{
    sl_json_str(g, "points");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < s->n; i++) {
        const cli_point_t *p = &s->pts[i];
        const cli_run_t *r = &set->runs[p->run];
        (void)yajl_gen_map_open(g);
        sl_json_kstr(g, "run_id", r->run_id);
        sl_json_kstr(g, "commit", r->commit);
        sl_json_ktime(g, "finished", r->finished_us);
        sl_json_knum(g, "value", p->value, 1);
        sl_json_kstr(g, "unit", p->unit);
        sl_json_knum(g, "stddev", p->stddev, p->stddev > 0);
        sl_json_ku64(g, "samples", p->n);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
}

static void
json_band(yajl_gen g, const figures_t *f)
{
    const cli_band_t *b = &f->band;
    sl_json_str(g, "band");
    if (!f->band_ok) {
        (void)yajl_gen_null(g);
        return;
    }
    (void)yajl_gen_map_open(g);
    sl_json_ku64(g, "n", b->n);
    sl_json_knum(g, "mean", b->mean, 1);
    sl_json_knum(g, "sd", b->sd, 1);
    sl_json_knum(g, "low", b->low, 1);
    sl_json_knum(g, "high", b->high, 1);
    (void)yajl_gen_map_close(g);
}

static void
json_changes(yajl_gen g, const cli_series_set_t *set, const cli_series_t *s,
             const figures_t *f)
{
    sl_json_str(g, "change_points");
    if (!f->cp_ok) {
        (void)yajl_gen_null(g);
        return;
    }
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < f->k; i++) {
        const cli_run_t *r = &set->runs[s->pts[f->cp[i].index].run];
        double pct = 0;
        int has = cli_change_pct(f->cp[i].before, f->cp[i].after, &pct);
        (void)yajl_gen_map_open(g);
        sl_json_ku64(g, "index", f->cp[i].index);
        sl_json_kstr(g, "run_id", r->run_id);
        sl_json_kstr(g, "commit", r->commit);
        sl_json_ktime(g, "finished", r->finished_us);
        sl_json_knum(g, "before", f->cp[i].before, 1);
        sl_json_knum(g, "after", f->cp[i].after, 1);
        sl_json_knum(g, "change_pct", pct, has);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
}

static int
json_series(yajl_gen g, const cli_series_set_t *set, const cli_series_t *s)
{
    figures_t f;
    const cli_point_t *p = &s->pts[s->n - 1];
    int rc = figures_of(s, &f);
    if (rc == SL_OK) {
        (void)yajl_gen_map_open(g);
        sl_json_kstr(g, "project", p->project);
        sl_json_kstr(g, "name", p->name);
        sl_json_kstr(g, "measure", p->measure);
        sl_json_kstr(g, "unit", p->unit);
        sl_json_kbool(g, "lower_is_better", p->lower_is_better);
        json_points(g, set, s);
        json_band(g, &f);
        json_changes(g, set, s, &f);
        (void)yajl_gen_map_close(g);
    }
    figures_fini(&f);
    return rc;
}

static void
json_flagged(yajl_gen g, const cli_flagged_t *fl, const char *name)
{
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "run_id", fl->run_id);
    sl_json_kstr(g, "project", fl->project);
    sl_json_kstr(g, "branch", fl->branch);
    sl_json_kstr(g, "commit", fl->commit);
    sl_json_ktime(g, "finished", fl->finished_us);
    sl_json_str(g, "verdict");
    if (fl->verdict != NULL) {
        cli_json_verdict(g, fl->verdict, name);
    } else {
        (void)yajl_gen_null(g);
    }
    sl_json_str(g, "early_verdict");
    if (fl->early != NULL) {
        cli_json_verdict(g, fl->early, name);
    } else {
        (void)yajl_gen_null(g);
    }
    (void)yajl_gen_map_close(g);
}

static void
json_head(yajl_gen g, const bench_cfg_t *cfg, const char *name)
{
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "name", name);
    sl_json_str(g, "project");
    if (cfg->project != NULL) {
        sl_json_str(g, cfg->project);
    } else {
        (void)yajl_gen_null(g);
    }
    sl_json_kstr(g, "branch", cfg->branch);
    sl_json_ku64(g, "last", cfg->last);
    sl_json_kstr(g, "band_rule", "mean +- 2 sd of the last 10 values");
    sl_json_str(g, "series");
    (void)yajl_gen_array_open(g);
}

static int
json_out(const cli_series_set_t *set, const bench_cfg_t *cfg, const char *name)
{
    yajl_gen g = sl_json_new(1);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    json_head(g, cfg, name);
    size_t pos = 0;
    cli_series_t s;
    int rc = SL_OK;
    while (rc == SL_OK && cli_series_next(set, &pos, &s)) {
        rc = json_series(g, set, &s);
    }
    (void)yajl_gen_array_close(g);
    sl_json_str(g, "flagged");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < set->nflagged; i++) {
        json_flagged(g, &set->flagged[i], name);
    }
    (void)yajl_gen_array_close(g);
    (void)yajl_gen_map_close(g);
    rc = rc == SL_OK ? sl_json_flush(g, stdout) : rc;
    yajl_gen_free(g);
    return rc;
}

/* ---- the command --------------------------------------------------------- */

static int
no_such_bench(const bench_cfg_t *cfg, const char *name)
{
    fputs("sluice bench: no benchmark '", stderr);
    cli_put(stderr, name, 0);
    if (cfg->measure != NULL) {
        fputs("' with measure '", stderr);
        cli_put(stderr, cfg->measure, 0);
    }
    fputs("' in the finished runs of branch '", stderr);
    cli_put(stderr, cfg->branch, 0);
    if (cfg->project != NULL) {
        fputs("' of project '", stderr);
        cli_put(stderr, cfg->project, 0);
    }
    fputs("'\n", stderr);
    return CLI_EXIT_USAGE;
}

static int
show(sl_client_t *cl, const bench_cfg_t *cfg, const char *name)
{
    cli_series_set_t set = {0};
    cli_walk_t w = {cfg->project, cfg->branch, name, cfg->measure, cfg->last};
    sl_err_t err = {0};
    int st;
    int rc = cli_series_load(cl, &cfg->common, &w, &set, &err);
    if (rc != SL_OK) {
        st = cli_fail(rc, &err);
    } else if (set.npts == 0) {
        st = no_such_bench(cfg, name);
    } else {
        rc = cfg->json ? json_out(&set, cfg, name) : text_out(&set, cfg, name);
        st = rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, NULL);
    }
    cli_series_fini(&set);
    return cli_done(st);
}

int
cli_cmd_bench(int argc, char **argv)
{
    bench_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&bench_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 1 || argv[1][0] == '\0') {
        return cli_usage_error(&bench_usage, "expected exactly one NAME");
    }
    if (cfg.branch[0] == '\0') {
        return cli_usage_error(&bench_usage, "--branch: empty");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = show(cl, &cfg, argv[1]);
    }
    sl_client_destroy(&cl);
    return st;
}
