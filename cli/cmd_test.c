/* sluice test ID: one test's results across runs, newest first, from the
 * collector's tests index, and a summary of them: runs seen, failure rate,
 * flake rate, first failure and last pass. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sluice/clock.h"
#include "sluice/json.h"

#define PAGE_MAX  1000 /* the collector's own cap on one TestHistory */
#define LIMIT_MAX 100000

typedef struct test_cfg {
    cli_common_t common;
    const char *project;
    uint64_t limit;
    int json;
} test_cfg_t;

/* clang-format off */
#define TEST_OPT(n, t, f, d, lo, hi, arg, help)                                \
    {n, t, offsetof(test_cfg_t, f), d, lo, hi, NULL, arg, help, NULL}

static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(test_cfg_t),
    TEST_OPT("project", SL_OPT_STR, project, NULL, 0, 0, "P",
             "the test of project P (default: the one project that has it)"),
    TEST_OPT("limit", SL_OPT_U64, limit, "50", 1, LIMIT_MAX, "N",
             "the newest N results at most (the summary covers them)"),
    TEST_OPT("json", SL_OPT_FLAG, json, NULL, 0, 0, NULL,
             "print {project, test_id, summary, results} as JSON"),
    {0},
};
/* clang-format on */

static const cli_usage_t test_usage = {
    "test",
    "[OPTION]... ID",
    "Shows one test's results across runs, newest first: TIME (UTC, when\n"
    "stored), RUN, BRANCH, COMMIT (10 characters), STATUS and DURATION, then\n"
    "a summary of those results: runs seen, failure rate (failed or errored\n"
    "of those not skipped), flake rate (marked flaky, or on a commit that\n"
    "both passed and failed), the first (oldest) failure and the last pass.\n"
    "ID is the test's id (TestCase.id: classname.name for JUnit), or its\n"
    "name when the report gave none.\n",
    options,
    0,
};

/* The results received, newest first; the strings point into the replies. */
typedef struct hist {
    sl_pb_reply_t **rep;
    size_t nrep;
    const Sluice__V1__TestResult **r;
    size_t n;
    const char *project;
} hist_t;

static void
hist_free(hist_t *h)
{
    for (size_t i = 0; i < h->nrep; i++) {
        sl_wire_free(&h->rep[i]);
    }
    free(h->rep);
    free(h->r);
}

/* Takes rep (freed on failure). */
static int
hist_add(hist_t *h, sl_pb_reply_t *rep, sl_err_t *err)
{
    const Sluice__V1__TestResults *t = rep->test_results;
    sl_pb_reply_t **nr = realloc(h->rep, (h->nrep + 1) * sizeof *nr);
    const Sluice__V1__TestResult **rr =
        nr ? realloc(h->r, (h->n + t->n_results + 1) * sizeof *rr) : NULL;
    if (nr != NULL) {
        h->rep = nr;
    }
    if (rr == NULL) {
        sl_wire_free(&rep);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    h->r = rr;
    h->rep[h->nrep++] = rep;
    for (size_t i = 0; i < t->n_results; i++) {
        h->r[h->n++] = t->results[i];
    }
    h->project = t->project;
    return SL_OK;
}

/* Follows next_cursor until cfg->limit results are held or none are left.
 * A reply naming several projects ends it with none held. */
static int
fetch(sl_client_t *cl, const test_cfg_t *cfg, const char *id, hist_t *h,
      sl_err_t *err)
{
    Sluice__V1__TestHistory q;
    sluice__v1__test_history__init(&q);
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    req.kind_case = SLUICE__V1__REQUEST__KIND_TEST_HISTORY;
    req.test_history = &q;
    q.project = (char *)(uintptr_t)(cfg->project ? cfg->project : "");
    q.test_id = (char *)(uintptr_t)id;
    for (;;) {
        uint64_t left = cfg->limit - h->n;
        q.limit = left > PAGE_MAX ? PAGE_MAX : (uint32_t)left;
        sl_pb_reply_t *rep = NULL;
        int rc = cli_call(cl, &cfg->common, &req,
                          SLUICE__V1__REPLY__KIND_TEST_RESULTS, &rep, err);
        rc = rc == SL_OK ? hist_add(h, rep, err) : rc;
        if (rc != SL_OK) {
            return rc;
        }
        const Sluice__V1__TestResults *t = h->rep[h->nrep - 1]->test_results;
        if (t->next_cursor.len == 0 || h->n >= cfg->limit ||
            t->n_projects > 0) {
            return SL_OK;
        }
        /* Later pages name the project the first one found. */
        q.project = h->rep[0]->test_results->project;
        q.cursor = t->next_cursor;
    }
}

/* ---- the summary ------------------------------------------------------ */

typedef struct summary {
    uint64_t results, runs, counted, failed, flaky, skipped;
    const Sluice__V1__TestResult *first_fail, *last_pass;
} summary_t;

static int
is_fail(const Sluice__V1__TestResult *r)
{
    return r->status == SLUICE__V1__TEST_STATUS__TEST_FAILED ||
           r->status == SLUICE__V1__TEST_STATUS__TEST_ERRORED;
}

static int
by_run(const void *a, const void *b)
{
    return strcmp((*(const Sluice__V1__TestResult *const *)a)->run_id,
                  (*(const Sluice__V1__TestResult *const *)b)->run_id);
}

static int
by_commit(const void *a, const void *b)
{
    return strcmp((*(const Sluice__V1__TestResult *const *)a)->commit,
                  (*(const Sluice__V1__TestResult *const *)b)->commit);
}

/* Counts the results on a commit that both passed and failed (the flaky
 * flag aside); s is sorted by commit. */
static uint64_t
mixed_commits(const Sluice__V1__TestResult **s, size_t n)
{
    uint64_t flaky = 0;
    for (size_t i = 0, j; i < n; i = j) {
        int pass = 0, fail = 0;
        uint64_t unflagged = 0;
        for (j = i; j < n && strcmp(s[j]->commit, s[i]->commit) == 0; j++) {
            pass |= s[j]->status == SLUICE__V1__TEST_STATUS__TEST_PASSED;
            fail |= is_fail(s[j]);
            unflagged += !s[j]->flaky &&
                                 s[j]->status !=
                                     SLUICE__V1__TEST_STATUS__TEST_SKIPPED
                             ? 1 : 0;
        }
        flaky += pass && fail && s[i]->commit[0] != '\0' ? unflagged : 0;
    }
    return flaky;
}

static int
summarize(const hist_t *h, summary_t *s)
{
    memset(s, 0, sizeof *s);
    const Sluice__V1__TestResult **c = malloc((h->n + 1) * sizeof *c);
    if (c == NULL) {
        return SL_ENOMEM;
    }
    s->results = h->n;
    for (size_t i = 0; i < h->n; i++) {
        const Sluice__V1__TestResult *r = h->r[i];
        int skip = r->status == SLUICE__V1__TEST_STATUS__TEST_SKIPPED;
        s->skipped += skip ? 1 : 0;
        s->counted += skip ? 0 : 1;
        s->failed += is_fail(r) ? 1 : 0;
        s->flaky += r->flaky && !skip ? 1 : 0;
        s->first_fail = is_fail(r) ? r : s->first_fail; /* oldest wins */
        if (s->last_pass == NULL &&
            r->status == SLUICE__V1__TEST_STATUS__TEST_PASSED) {
            s->last_pass = r; /* newest wins */
        }
        c[i] = r;
    }
    qsort(c, h->n, sizeof *c, by_run);
    for (size_t i = 0; i < h->n; i++) {
        s->runs += i == 0 || strcmp(c[i]->run_id, c[i - 1]->run_id) != 0
                       ? 1 : 0;
    }
    qsort(c, h->n, sizeof *c, by_commit);
    s->flaky += mixed_commits(c, h->n);
    free(c);
    return SL_OK;
}

static double
rate(uint64_t k, uint64_t n)
{
    return n > 0 ? (double)k / (double)n : 0.0;
}

/* ---- output ----------------------------------------------------------- */

static const char *
status_name(Sluice__V1__TestStatus st)
{
    switch (st) {
    case SLUICE__V1__TEST_STATUS__TEST_PASSED:
        return "passed";
    case SLUICE__V1__TEST_STATUS__TEST_FAILED:
        return "failed";
    case SLUICE__V1__TEST_STATUS__TEST_ERRORED:
        return "errored";
    case SLUICE__V1__TEST_STATUS__TEST_SKIPPED:
        return "skipped";
    default:
        return "unknown";
    }
}

enum { C_TIME, C_RUN, C_BRANCH, C_COMMIT, C_STATUS, C_DURATION, NCOLS };

typedef struct row {
    const char *col[NCOLS];
    char time[32], commit[11], status[24], dur[40];
} row_t;

static void
row_of(const Sluice__V1__TestResult *r, row_t *w)
{
    w->col[C_TIME] = r->time_us ? sl_time_iso(r->time_us, w->time) : "-";
    w->col[C_RUN] = r->run_id;
    w->col[C_BRANCH] = r->branch;
    w->col[C_COMMIT] = cli_short_commit(r->commit, w->commit);
    (void)snprintf(w->status, sizeof w->status, "%s%s",
                   status_name(r->status), r->flaky ? " (flaky)" : "");
    w->col[C_STATUS] = w->status;
    (void)snprintf(w->dur, sizeof w->dur, "%.3fs", r->time_s);
    w->col[C_DURATION] = w->dur;
    for (size_t i = 0; i < NCOLS; i++) {
        w->col[i] = w->col[i][0] != '\0' ? w->col[i] : "-";
    }
}

static void
print_row(const char *const *col, const size_t *width)
{
    cli_put_row(stdout, col, width, NCOLS);
}

static void
print_where(const char *label, const Sluice__V1__TestResult *r)
{
    char t[32], c[11];
    printf("%-14s", label);
    if (r == NULL) {
        printf("none\n");
        return;
    }
    printf("%s  run ", r->time_us ? sl_time_iso(r->time_us, t) : "-");
    cli_put(stdout, r->run_id, 0);
    printf("  commit ");
    cli_put(stdout, r->commit[0] ? cli_short_commit(r->commit, c) : "-", 0);
    putchar('\n');
}

static void
print_table(const hist_t *h, const char *id, const summary_t *s)
{
    static const char *const head[NCOLS] = {"TIME",   "RUN",    "BRANCH",
                                            "COMMIT", "STATUS", "DURATION"};
    size_t width[NCOLS];
    row_t w;
    for (size_t i = 0; i < NCOLS; i++) {
        width[i] = strlen(head[i]);
    }
    for (size_t j = 0; j < h->n; j++) {
        row_of(h->r[j], &w);
        for (size_t i = 0; i < NCOLS; i++) {
            size_t n = cli_width(w.col[i]);
            width[i] = n > width[i] ? n : width[i];
        }
    }
    printf("test ");
    cli_put(stdout, id, 0);
    printf(" in project ");
    cli_put(stdout, h->project, 0);
    printf("\n\n");
    print_row(head, width);
    for (size_t j = 0; j < h->n; j++) {
        row_of(h->r[j], &w);
        print_row(w.col, width);
    }
    printf("\n%-14s%" PRIu64 " (%" PRIu64 " results, %" PRIu64
           " skipped)\n",
           "runs seen", s->runs, s->results, s->skipped);
    printf("%-14s%.1f%% (%" PRIu64 " of %" PRIu64 ")\n", "failure rate",
           100.0 * rate(s->failed, s->counted), s->failed, s->counted);
    printf("%-14s%.1f%% (%" PRIu64 " of %" PRIu64 ")\n", "flake rate",
           100.0 * rate(s->flaky, s->counted), s->flaky, s->counted);
    print_where("first failure", s->first_fail);
    print_where("last pass", s->last_pass);
}

static void
json_where(yajl_gen g, const char *k, const Sluice__V1__TestResult *r)
{
    sl_json_str(g, k);
    if (r == NULL) {
        (void)yajl_gen_null(g);
        return;
    }
    (void)yajl_gen_map_open(g);
    sl_json_ktime(g, "time", r->time_us);
    sl_json_kstr(g, "run_id", r->run_id);
    sl_json_kstr(g, "branch", r->branch);
    sl_json_kstr(g, "commit", r->commit);
    (void)yajl_gen_map_close(g);
}

static void
json_summary(yajl_gen g, const summary_t *s)
{
    sl_json_str(g, "summary");
    (void)yajl_gen_map_open(g);
    sl_json_ku64(g, "results", s->results);
    sl_json_ku64(g, "runs", s->runs);
    sl_json_ku64(g, "counted", s->counted);
    sl_json_ku64(g, "failed", s->failed);
    sl_json_ku64(g, "flaky", s->flaky);
    sl_json_ku64(g, "skipped", s->skipped);
    sl_json_knum(g, "failure_rate", rate(s->failed, s->counted), 1);
    sl_json_knum(g, "flake_rate", rate(s->flaky, s->counted), 1);
    json_where(g, "first_failure", s->first_fail);
    json_where(g, "last_pass", s->last_pass);
    (void)yajl_gen_map_close(g);
}

static int
print_json(const hist_t *h, const char *id, const summary_t *s)
{
    yajl_gen g = sl_json_new(0);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "project", h->project);
    sl_json_kstr(g, "test_id", id);
    json_summary(g, s);
    sl_json_str(g, "results");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < h->n; i++) {
        const Sluice__V1__TestResult *r = h->r[i];
        (void)yajl_gen_map_open(g);
        sl_json_ktime(g, "time", r->time_us);
        sl_json_kstr(g, "run_id", r->run_id);
        sl_json_kstr(g, "branch", r->branch);
        sl_json_kstr(g, "commit", r->commit);
        sl_json_kstr(g, "status", status_name(r->status));
        sl_json_knum(g, "duration_s", r->time_s, 1);
        sl_json_kbool(g, "flaky", r->flaky);
        sl_json_ku64(g, "lsn", r->lsn);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
    (void)yajl_gen_map_close(g);
    int rc = sl_json_flush(g, stdout);
    fputs("\n", stdout);
    yajl_gen_free(g);
    return rc;
}

/* Exit 2 for a test nobody has, or one in several projects. */
static int
not_found(const hist_t *h, const test_cfg_t *cfg, const char *id)
{
    const Sluice__V1__TestResults *t = h->rep[0]->test_results;
    fprintf(stderr, "sluice: ");
    if (t->n_projects > 0) {
        fprintf(stderr, "test '");
        cli_put(stderr, id, 0);
        fprintf(stderr, "' is in several projects (");
        for (size_t i = 0; i < t->n_projects; i++) {
            fprintf(stderr, "%s", i > 0 ? ", " : "");
            cli_put(stderr, t->projects[i], 0);
        }
        fprintf(stderr, "): name one with --project\n");
    } else if (cfg->project != NULL) {
        fprintf(stderr, "no test '");
        cli_put(stderr, id, 0);
        fprintf(stderr, "' in project ");
        cli_put(stderr, cfg->project, 0);
        fprintf(stderr, "\n");
    } else {
        fprintf(stderr, "no test '");
        cli_put(stderr, id, 0);
        fprintf(stderr, "' in any project\n");
    }
    return CLI_EXIT_USAGE;
}

static int
show(sl_client_t *cl, const test_cfg_t *cfg, const char *id)
{
    hist_t h = {0};
    summary_t s;
    sl_err_t err = {0};
    int st = CLI_EXIT_OK;
    int rc = fetch(cl, cfg, id, &h, &err);
    if (rc == SL_OK && h.n == 0) {
        st = not_found(&h, cfg, id);
    } else if (rc == SL_OK) {
        rc = summarize(&h, &s);
        if (rc == SL_OK && cfg->json) {
            rc = print_json(&h, id, &s);
        } else if (rc == SL_OK) {
            print_table(&h, id, &s);
        }
    }
    hist_free(&h);
    return cli_done(rc == SL_OK ? st : cli_fail(rc, &err));
}

int
cli_cmd_test(int argc, char **argv)
{
    test_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&test_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 1 || argv[1][0] == '\0') {
        return cli_usage_error(&test_usage, "want one test ID");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = show(cl, &cfg, argv[1]);
    }
    sl_client_destroy(&cl);
    return st;
}
