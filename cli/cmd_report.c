/* sluice report --project P --out FILE: one self-contained HTML file (inline
 * CSS and SVG, no script, nothing fetched) with the project's trends on a
 * branch: each benchmark with its baseline band and the runs whose verdict
 * flagged it, coverage, failure and flake rates, the slowest tests of the
 * newest run and the latest verdicts. The data come from ListRuns (the run
 * records), the benchmark series from cli_series_load (series.h) and the
 * test durations from GetEvents of the newest finished run with tests. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report_html.h"
#include "series.h"
#include "sluice/clock.h"
#include "sluice/run.h"

#define LAST_MAX      1000 /* runs read at most (as `sluice bench`) */
#define PAGE          50   /* runs per ListRuns page (series_load.c) */
#define EVENTS_PAGE   1000
#define EVENTS_MAX    1000000 /* test events read for the slowest tests */
#define SLOWEST       20
#define VERDICTS      20
#define BENCH_CHARTS  100

typedef struct report_cfg {
    cli_common_t common;
    const char *project, *branch, *out;
    uint64_t last;
} report_cfg_t;

/* clang-format off */
#define REPORT_OPT(n, t, f, d, lo, hi, arg, help)                              \
    {n, t, offsetof(report_cfg_t, f), d, lo, hi, NULL, arg, help, NULL}

static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(report_cfg_t),
    REPORT_OPT("project", SL_OPT_STR, project, NULL, 0, 0, "P",
               "the project (required)"),
    REPORT_OPT("branch", SL_OPT_STR, branch, "main", 0, 0, "B",
               "the branch whose runs the report shows"),
    REPORT_OPT("out", SL_OPT_STR, out, NULL, 0, 0, "FILE",
               "the HTML file to write (required; replaced atomically)"),
    REPORT_OPT("last", SL_OPT_U64, last, "200", 1, LAST_MAX, "N",
               "the newest N runs of the branch"),
    {0},
};
/* clang-format on */

static const cli_usage_t report_usage = {
    "report",
    "--project P --out FILE [OPTION]...",
    "Writes one self-contained HTML file (inline CSS and SVG charts, no\n"
    "script, nothing loaded from the network) about the newest N runs of\n"
    "project P on branch B: each benchmark's values with its baseline band\n"
    "(mean +- 2 sd of the last 10, as 'sluice bench') and the runs whose\n"
    "verdict flagged it in red; line and branch coverage; failure rate and\n"
    "flake rate per run; the slowest tests of the newest finished run with\n"
    "tests; the latest verdicts with their first reason. N is at most 1000.\n"
    "No run of P on B: exit status 2.\n",
    options,
    0,
};

/* ---- reading ----------------------------------------------------------- */

/* The ListRuns replies, kept whole; runs[] (newest first) points into
 * them. */
typedef struct data {
    sl_pb_reply_t **rep;
    size_t nrep;
    const sl_pb_run_t **runs;
    size_t nruns;
    cli_series_set_t set;
} data_t;

static void
data_fini(data_t *d)
{
    for (size_t i = 0; i < d->nrep; i++) {
        sl_wire_free(&d->rep[i]);
    }
    free(d->rep);
    free(d->runs);
    cli_series_fini(&d->set);
}

/* Takes rep (freed on failure): its runs up to last. */
static int
data_add(data_t *d, sl_pb_reply_t *rep, uint64_t last, sl_err_t *err)
{
    const Sluice__V1__RunList *l = rep->runs;
    sl_pb_reply_t **nr = realloc(d->rep, (d->nrep + 1) * sizeof *nr);
    const sl_pb_run_t **runs =
        nr != NULL ? realloc(d->runs, (d->nruns + l->n_runs) * sizeof *runs +
                                          sizeof *runs)
                   : NULL;
    if (nr != NULL) {
        d->rep = nr;
    }
    if (runs == NULL) {
        sl_wire_free(&rep);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    d->runs = runs;
    d->rep[d->nrep++] = rep;
    for (size_t i = 0; i < l->n_runs && d->nruns < last; i++) {
        const sl_pb_run_t *r = l->runs[i];
        if (r->meta == NULL || r->tests == NULL || r->verdict == NULL) {
            return sl_err_set(err, SL_EPROTO, "incomplete run record");
        }
        d->runs[d->nruns++] = r;
    }
    return SL_OK;
}

static int
fetch_runs(sl_client_t *cl, const report_cfg_t *cfg, data_t *d, sl_err_t *err)
{
    Sluice__V1__ListRuns q;
    sl_pb_request_t req;
    sluice__v1__list_runs__init(&q);
    sluice__v1__request__init(&req);
    q.project = (char *)(uintptr_t)cfg->project;
    q.branch = (char *)(uintptr_t)cfg->branch;
    q.limit = PAGE;
    req.kind_case = SLUICE__V1__REQUEST__KIND_LIST_RUNS;
    req.list_runs = &q;
    for (;;) {
        sl_pb_reply_t *rep = NULL;
        int rc = cli_call(cl, &cfg->common, &req, SLUICE__V1__REPLY__KIND_RUNS,
                          &rep, err);
        if (rc != SL_OK) {
            return rc;
        }
        const Sluice__V1__RunList *l = rep->runs; /* d will own rep */
        rc = data_add(d, rep, cfg->last, err);
        if (rc != SL_OK || l->next_cursor.len == 0 || d->nruns >= cfg->last) {
            return rc;
        }
        q.cursor = l->next_cursor; /* points into a reply d keeps */
    }
}

/* One test of the slowest list. */
typedef struct slow {
    char *name;
    double time_s;
    Sluice__V1__TestStatus status;
} slow_t;

typedef struct slowest {
    const sl_pb_run_t *run; /* whose tests (NULL: none) */
    slow_t t[SLOWEST];
    size_t n;
    uint64_t read; /* test events read */
    int capped;    /* stopped at EVENTS_MAX */
} slowest_t;

static void
slowest_fini(slowest_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->t[i].name);
    }
}

static char *
test_name(const Sluice__V1__TestCase *t)
{
    if (t->id[0] != '\0') {
        return strdup(t->id);
    }
    size_t n = strlen(t->classname) + strlen(t->name) + 2;
    char *s = malloc(n);
    if (s != NULL) {
        (void)snprintf(s, n, "%s%s%s", t->classname,
                       t->classname[0] ? "." : "", t->name);
    }
    return s;
}

/* Keeps t when it is among the SLOWEST slowest so far (sorted, slowest
 * first). */
static int
slowest_take(slowest_t *s, const Sluice__V1__TestCase *t)
{
    double v = isfinite(t->time_s) ? t->time_s : 0;
    s->read++;
    if (s->n == SLOWEST && v <= s->t[SLOWEST - 1].time_s) {
        return SL_OK;
    }
    char *name = test_name(t);
    if (name == NULL) {
        return SL_ENOMEM;
    }
    size_t i = s->n;
    if (s->n < SLOWEST) {
        s->n++;
    } else {
        i = SLOWEST - 1; /* the fastest kept makes room */
        free(s->t[i].name);
    }
    while (i > 0 && s->t[i - 1].time_s < v) {
        s->t[i] = s->t[i - 1];
        i--;
    }
    s->t[i] = (slow_t){name, v, t->status};
    return SL_OK;
}

static int
slowest_chunk(slowest_t *s, const sl_pb_chunk_t *ch, uint64_t *after,
              sl_err_t *err)
{
    if (ch->n_lsn != ch->n_events) {
        return sl_err_set(err, SL_EPROTO, "malformed log chunk");
    }
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < ch->n_events; i++) {
        if (ch->lsn[i] <= *after) {
            return sl_err_set(err, SL_EPROTO, "events out of log order");
        }
        *after = ch->lsn[i];
        void *m = NULL;
        rc = sl_wire_unpack(&sluice__v1__event__descriptor, ch->events[i].data,
                            ch->events[i].len, &m, err);
        const sl_pb_event_t *e = m;
        if (rc == SL_OK && e->body_case == SLUICE__V1__EVENT__BODY_TEST) {
            rc = slowest_take(s, e->test);
            rc = rc == SL_OK ? rc : sl_err_set(err, rc, "out of memory");
        }
        sl_wire_free(&m);
    }
    return rc;
}

/* The test events of the newest finished run that has tests. */
static int
fetch_slowest(sl_client_t *cl, const report_cfg_t *cfg, const data_t *d,
              slowest_t *s, sl_err_t *err)
{
    for (size_t i = 0; s->run == NULL && i < d->nruns; i++) {
        if (d->runs[i]->state == SLUICE__V1__RUN_STATE__RUN_FINISHED &&
            d->runs[i]->tests->total > 0) {
            s->run = d->runs[i];
        }
    }
    if (s->run == NULL) {
        return SL_OK;
    }
    Sluice__V1__GetEvents q;
    sl_pb_request_t req;
    sluice__v1__get_events__init(&q);
    sluice__v1__request__init(&req);
    q.run_id = s->run->run_id;
    q.limit = EVENTS_PAGE;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_EVENTS;
    req.get_events = &q;
    for (uint64_t seen = 0;;) {
        sl_pb_reply_t *rep = NULL;
        int rc = cli_call(cl, &cfg->common, &req,
                          SLUICE__V1__REPLY__KIND_CHUNK, &rep, err);
        rc = rc == SL_OK ? slowest_chunk(s, rep->chunk, &q.after_lsn, err) : rc;
        size_t got = rep != NULL ? rep->chunk->n_events : 0;
        sl_wire_free(&rep);
        seen += got;
        s->capped = seen >= EVENTS_MAX;
        if (rc != SL_OK || got == 0 || s->capped) {
            return rc;
        }
    }
}

/* ---- figures ----------------------------------------------------------- */

/* The benchmark's label as the gate names it: "name" or "name/measure". */
static void
bench_label(const cli_point_t *p, char *buf, size_t len)
{
    (void)snprintf(buf, len, "%s%s%s", p->name, p->measure[0] ? "/" : "",
                   p->measure);
}

static int
verdict_flags(const sl_pb_verdict_t *v, const char *label)
{
    for (size_t i = 0; v != NULL && i < v->n_reasons; i++) {
        const Sluice__V1__Reason *x = v->reasons[i];
        if (strcmp(x->rule, "bench.regression") == 0 &&
            strcmp(x->subject, label) == 0) {
            return 1;
        }
    }
    return 0;
}

static const sl_pb_run_t *
run_by_id(const data_t *d, const char *run_id)
{
    for (size_t i = 0; i < d->nruns; i++) {
        if (strcmp(d->runs[i]->run_id, run_id) == 0) {
            return d->runs[i];
        }
    }
    return NULL;
}

static uint64_t
count_rule(const sl_pb_verdict_t *v, const char *rule)
{
    uint64_t n = 0;
    for (size_t i = 0; v != NULL && i < v->n_reasons; i++) {
        n += strcmp(v->reasons[i]->rule, rule) == 0;
    }
    return n;
}

static double
pct(uint64_t part, uint64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : NAN;
}

/* ---- the page ---------------------------------------------------------- */

static const char css[] =
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222;"
    "max-width:1000px}h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:"
    "1px solid #ddd}h3{font-size:1.05em;margin-bottom:.2em}"
    ".meta,.note{color:#555;font-size:.9em}table{border-collapse:collapse;"
    "font-size:.9em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:"
    "left;vertical-align:top}td.num{text-align:right}.pass{color:#1a7f37}"
    ".warn{color:#b35900}.fail{color:#d62728;font-weight:bold}"
    ".pending,.incomplete{color:#6f42c1}svg.chart{display:block;border:1px "
    "solid #eee;background:#fff}.axis{stroke:#333}.grid{stroke:#eee}"
    ".tick,.unit,.legend{font-size:11px;fill:#444}.band{fill:#1f77b4;"
    "fill-opacity:.15}.nodata{font-size:20px;fill:#888}.empty{fill:#fafafa;"
    "stroke:#eee}\n";

static void
page_head(rep_buf_t *b, const report_cfg_t *cfg, const data_t *d)
{
    char now[32];
    rep_put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
               "charset=\"utf-8\">\n<title>sluice report: ");
    rep_text(b, cfg->project, 0);
    rep_put(b, " (");
    rep_text(b, cfg->branch, 0);
    rep_printf(b, ")</title>\n<style>%s</style>\n</head>\n<body>\n", css);
    rep_put(b, "<h1>sluice report: ");
    rep_text(b, cfg->project, 0);
    rep_put(b, "</h1>\n<p class=\"meta\">branch ");
    rep_text(b, cfg->branch, 0);
    rep_printf(b,
               ", the newest %zu run(s) (at most %" PRIu64
               "), generated %s</p>\n<p class=\"meta\"><a "
               "href=\"#benchmarks\">benchmarks</a> · <a "
               "href=\"#coverage\">coverage</a> · <a "
               "href=\"#failures\">failures and flaky tests</a> · <a "
               "href=\"#slowest\">slowest tests</a> · <a "
               "href=\"#verdicts\">latest verdicts</a></p>\n",
               d->nruns, cfg->last, sl_time_iso(sl_now_us(), now));
}

static void
status_cell(rep_buf_t *b, Sluice__V1__VerdictStatus st)
{
    const char *name = sl_verdict_name(st);
    rep_printf(b, "<td class=\"%s\">%s</td>", name, name);
}

/* One benchmark series: its heading, figures and chart. */
static int
bench_chart(rep_buf_t *b, const data_t *d, const cli_series_t *s)
{
    const cli_point_t *p0 = &s->pts[0];
    char label[1024];
    bench_label(p0, label, sizeof label);
    double *y = cli_series_values(s);
    unsigned char *mark = calloc(s->n, 1);
    const char **xl = calloc(s->n, sizeof *xl);
    if (y == NULL || mark == NULL || xl == NULL) {
        free(y), free(mark), free(xl);
        return SL_ENOMEM;
    }
    size_t flagged = 0;
    for (size_t i = 0; i < s->n; i++) {
        xl[i] = d->set.runs[s->pts[i].run].run_id;
        const sl_pb_run_t *r = run_by_id(d, xl[i]);
        mark[i] = r != NULL && (verdict_flags(r->verdict, label) ||
                                verdict_flags(r->early_verdict, label));
        flagged += mark[i];
    }
    cli_band_t band;
    int band_ok = cli_band(y, s->n, &band) == SL_OK;
    rep_put(b, "<h3>");
    rep_text(b, label, 200);
    rep_put(b, " (");
    rep_text(b, p0->unit[0] ? p0->unit : "no unit", 40);
    rep_printf(b, ", %s is better)</h3>\n<p class=\"note\">%zu run(s); ",
               p0->lower_is_better ? "lower" : "higher", s->n);
    if (band_ok) {
        rep_printf(b, "baseline band %.6g ± %.3g (mean ± 2 sd of the last %zu)",
                   band.mean, CLI_BAND_SDS * band.sd, band.n);
    } else {
        rep_put(b, "baseline band not computed");
    }
    rep_printf(b, "; %zu run(s) flagged by their verdict</p>\n", flagged);
    rep_chart_t c = {.title = label, .y_unit = p0->unit, .n = s->n,
                     .xlabel = xl, .nlines = 1, .has_band = band_ok,
                     .band_lo = band.low, .band_hi = band.high,
                     .band_label = "baseline band (mean ± 2 sd, last 10)"};
    c.lines[0] = (rep_line_t){"value", "#1f77b4", y, mark};
    rep_svg_chart(b, &c);
    free(y), free(mark), free(xl);
    return SL_OK;
}

static int
benchmarks(rep_buf_t *b, const data_t *d)
{
    rep_put(b, "<h2 id=\"benchmarks\">Benchmarks</h2>\n");
    size_t pos = 0, drawn = 0, more = 0;
    cli_series_t s;
    while (cli_series_next(&d->set, &pos, &s)) {
        if (drawn == BENCH_CHARTS) {
            more++;
            continue;
        }
        int rc = bench_chart(b, d, &s);
        if (rc != SL_OK) {
            return rc;
        }
        drawn++;
    }
    if (drawn == 0) {
        rep_put(b, "<p class=\"note\">No finished run of the branch has a "
                   "benchmark.</p>\n");
        rep_chart_t c = {.title = "benchmarks", .y_unit = ""};
        rep_svg_chart(b, &c);
    }
    if (more > 0) {
        rep_printf(b, "<p class=\"note\">%zu more benchmark(s) not drawn "
                      "(at most %d).</p>\n", more, BENCH_CHARTS);
    }
    return SL_OK;
}

/* The finished runs, oldest first (the x axis of the run charts). */
typedef struct timeline {
    const sl_pb_run_t **r;
    const char **xl;
    size_t n;
    double *y[4]; /* line %, branch %, failure %, flake % */
} timeline_t;

static void
timeline_fini(timeline_t *t)
{
    free(t->r);
    free(t->xl);
    for (size_t i = 0; i < 4; i++) {
        free(t->y[i]);
    }
}

static void
timeline_point(timeline_t *t, size_t k, const sl_pb_run_t *r)
{
    const Sluice__V1__Coverage *cv = r->coverage;
    int cov = r->coverage_reports > 0 && cv != NULL;
    const Sluice__V1__TestCounts *tc = r->tests;
    t->y[0][k] = cov ? pct(cv->lines_covered, cv->lines_valid) : NAN;
    t->y[1][k] = cov ? pct(cv->branches_covered, cv->branches_valid) : NAN;
    t->y[2][k] = pct(tc->failed + tc->errors, tc->total);
    t->y[3][k] = pct(count_rule(r->verdict, "tests.flaky"), tc->total);
}

static int
timeline_of(const data_t *d, timeline_t *t)
{
    memset(t, 0, sizeof *t);
    size_t cap = d->nruns + 1;
    t->r = calloc(cap, sizeof *t->r);
    t->xl = calloc(cap, sizeof *t->xl);
    int ok = t->r != NULL && t->xl != NULL;
    for (size_t i = 0; i < 4; i++) {
        t->y[i] = calloc(cap, sizeof(double));
        ok = ok && t->y[i] != NULL;
    }
    if (!ok) {
        return SL_ENOMEM;
    }
    for (size_t i = d->nruns; i-- > 0;) {
        const sl_pb_run_t *r = d->runs[i];
        if (r->state == SLUICE__V1__RUN_STATE__RUN_FINISHED) {
            t->r[t->n] = r;
            t->xl[t->n] = r->run_id;
            timeline_point(t, t->n++, r);
        }
    }
    return SL_OK;
}

/* 0 to a little over the highest rate (at least 5%, at most 100%). */
static double
rate_top(const timeline_t *t)
{
    double hi = 0;
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 2; j < 4; j++) {
            hi = isfinite(t->y[j][i]) && t->y[j][i] > hi ? t->y[j][i] : hi;
        }
    }
    hi *= 1.15;
    return hi < 5 ? 5 : hi > 100 ? 100 : hi;
}

static void
run_charts(rep_buf_t *b, const timeline_t *t)
{
    rep_put(b, "<h2 id=\"coverage\">Coverage</h2>\n<p class=\"note\">Line "
               "and branch coverage of each finished run that sent a "
               "coverage report (the sum of its reports' totals).</p>\n");
    rep_chart_t c = {.title = "coverage", .y_unit = "%", .n = t->n,
                     .xlabel = t->xl, .nlines = 2, .fixed_y = 1,
                     .y_lo = 0, .y_hi = 100};
    c.lines[0] = (rep_line_t){"line coverage %", "#1f77b4", t->y[0], NULL};
    c.lines[1] = (rep_line_t){"branch coverage %", "#2ca02c", t->y[1], NULL};
    rep_svg_chart(b, &c);
    rep_put(b, "<h2 id=\"failures\">Failures and flaky tests</h2>\n<p "
               "class=\"note\">Failure rate: failed and errored tests over "
               "all tests of the run. Flake rate: tests the verdict named "
               "flaky (<code>tests.flaky</code>) over all tests.</p>\n");
    rep_chart_t f = {.title = "failure and flake rate", .y_unit = "%",
                     .n = t->n, .xlabel = t->xl, .nlines = 2, .fixed_y = 1,
                     .y_lo = 0, .y_hi = rate_top(t)};
    f.lines[0] = (rep_line_t){"failure rate %", "#d62728", t->y[2], NULL};
    f.lines[1] = (rep_line_t){"flake rate %", "#ff7f0e", t->y[3], NULL};
    rep_svg_chart(b, &f);
}

static const char *
test_status(Sluice__V1__TestStatus st)
{
    switch (st) {
    case SLUICE__V1__TEST_STATUS__TEST_FAILED: return "fail";
    case SLUICE__V1__TEST_STATUS__TEST_ERRORED: return "error";
    case SLUICE__V1__TEST_STATUS__TEST_SKIPPED: return "skipped";
    default: return "pass";
    }
}

static void
slowest_table(rep_buf_t *b, const slowest_t *s)
{
    rep_put(b, "<h2 id=\"slowest\">Slowest tests</h2>\n");
    if (s->run == NULL || s->n == 0) {
        rep_put(b, "<p class=\"note\">no data: no finished run of the branch "
                   "has test results.</p>\n");
        return;
    }
    rep_put(b, "<p class=\"note\">Of run <code>");
    rep_text(b, s->run->run_id, 0);
    rep_printf(b, "</code> (%" PRIu64 " test result(s) read%s).</p>\n<table>"
                  "<tr><th>#</th><th>test</th><th>time (s)</th><th>status"
                  "</th></tr>\n", s->read,
               s->capped ? ", stopped at the cap" : "");
    for (size_t i = 0; i < s->n; i++) {
        const char *st = test_status(s->t[i].status);
        rep_printf(b, "<tr><td class=\"num\">%zu</td><td>", i + 1);
        rep_text(b, s->t[i].name, 200);
        rep_printf(b, "</td><td class=\"num\">%.3f</td><td class=\"%s\">%s"
                      "</td></tr>\n", s->t[i].time_s,
                   strcmp(st, "pass") == 0 ? "pass" : "fail", st);
    }
    rep_put(b, "</table>\n");
}

static void
first_reason(rep_buf_t *b, const sl_pb_verdict_t *v)
{
    if (v->n_reasons == 0) {
        rep_put(b, "-");
        return;
    }
    const Sluice__V1__Reason *x = v->reasons[0];
    rep_put(b, "<code>");
    rep_text(b, x->rule, 80);
    rep_put(b, "</code> ");
    rep_text(b, x->subject, 120);
    rep_put(b, x->subject[0] ? ": " : "");
    rep_text(b, x->message, 300);
    if (v->n_reasons > 1) {
        rep_printf(b, " <span class=\"note\">(+%zu more)</span>",
                   v->n_reasons - 1);
    }
}

static void
verdicts_table(rep_buf_t *b, const data_t *d)
{
    rep_printf(b, "<h2 id=\"verdicts\">Latest verdicts</h2>\n<table><tr><th>"
                  "run</th><th>commit</th><th>finished</th><th>status</th>"
                  "<th>tests</th><th>first reason</th></tr>\n");
    for (size_t i = 0; i < d->nruns && i < VERDICTS; i++) {
        const sl_pb_run_t *r = d->runs[i];
        char c10[11], when[32] = "open";
        if (r->finished_us != 0) {
            (void)sl_time_iso(r->finished_us, when);
        }
        rep_put(b, "<tr><td>");
        rep_text(b, r->run_id, 80);
        rep_put(b, "</td><td><code>");
        rep_text(b, cli_short_commit(r->meta->commit, c10), 0);
        rep_printf(b, "</code></td><td>%s</td>", when);
        status_cell(b, r->verdict->status);
        rep_printf(b, "<td class=\"num\">%" PRIu64 "/%" PRIu64 "</td><td>",
                   r->tests->passed, r->tests->total);
        first_reason(b, r->verdict);
        rep_put(b, "</td></tr>\n");
    }
    rep_put(b, "</table>\n");
}

static int
render(rep_buf_t *b, const report_cfg_t *cfg, const data_t *d,
       const slowest_t *s)
{
    timeline_t t = {0};
    page_head(b, cfg, d);
    int rc = benchmarks(b, d);
    rc = rc == SL_OK ? timeline_of(d, &t) : rc;
    if (rc == SL_OK) {
        run_charts(b, &t);
        slowest_table(b, s);
        verdicts_table(b, d);
        rep_put(b, "<p class=\"meta\">Written by <code>sluice report</code>; "
                   "every figure comes from the collector's run records "
                   "and events.</p>\n</body>\n</html>\n");
    }
    timeline_fini(&t);
    return rc == SL_OK && b->oom ? SL_ENOMEM : rc;
}

/* ---- the command ------------------------------------------------------- */

static int
report(sl_client_t *cl, const report_cfg_t *cfg)
{
    data_t d = {0};
    slowest_t s = {0};
    rep_buf_t b = {0};
    sl_err_t err = {0};
    cli_walk_t w = {cfg->project, cfg->branch, NULL, NULL, cfg->last};
    int st = CLI_EXIT_OK;
    int rc = fetch_runs(cl, cfg, &d, &err);
    if (rc == SL_OK && d.nruns == 0) {
        fprintf(stderr, "sluice report: project '%s' has no runs on branch "
                        "'%s'; nothing written\n", cfg->project, cfg->branch);
        st = CLI_EXIT_USAGE;
        goto done;
    }
    rc = rc == SL_OK ? cli_series_load(cl, &cfg->common, &w, &d.set, &err) : rc;
    rc = rc == SL_OK ? fetch_slowest(cl, cfg, &d, &s, &err) : rc;
    if (rc == SL_OK && render(&b, cfg, &d, &s) != SL_OK) {
        rc = sl_err_set(&err, SL_ENOMEM, "out of memory");
    }
    rc = rc == SL_OK ? rep_write_file(cfg->out, b.s, b.len, &err) : rc;
    if (rc == SL_OK) {
        printf("wrote %s: %zu run(s) of %s on %s, %zu benchmark value(s)\n",
               cfg->out, d.nruns, cfg->project, cfg->branch, d.set.npts);
    }
    st = rc == SL_OK ? cli_done(CLI_EXIT_OK) : cli_fail(rc, &err);
done:
    rep_buf_fini(&b);
    slowest_fini(&s);
    data_fini(&d);
    return st;
}

int
cli_cmd_report(int argc, char **argv)
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
    if (cfg.project == NULL || cfg.project[0] == '\0') {
        return cli_usage_error(&report_usage, "--project P is required");
    }
    if (cfg.out == NULL || cfg.out[0] == '\0') {
        return cli_usage_error(&report_usage, "--out FILE is required");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = report(cl, &cfg);
    }
    sl_client_destroy(&cl);
    return st;
}
