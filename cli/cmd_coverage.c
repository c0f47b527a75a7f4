/* sluice coverage: the line and branch coverage series of a project's runs
 * (the run records ListRuns returns whole), oldest first, with the change
 * from the run before. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sluice/clock.h"
#include "sluice/json.h"

/* Runs per ListRuns page: a record can carry many benchmark samples, and a
 * page is one reply under the wire's 16 MiB cap (as `sluice bench`). */
#define PAGE_RUNS 50
#define CURSOR_MAX 512
#define LAST_MAX 100000

typedef struct cov_cfg {
    cli_common_t common;
    const char *project, *branch;
    uint64_t last;
    int json;
} cov_cfg_t;

/* clang-format off */
#define COV_OPT(n, t, f, d, lo, hi, arg, help)                                 \
    {n, t, offsetof(cov_cfg_t, f), d, lo, hi, NULL, arg, help, NULL}

static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(cov_cfg_t),
    COV_OPT("project", SL_OPT_STR, project, NULL, 0, 0, "P",
            "only runs of project P"),
    COV_OPT("branch", SL_OPT_STR, branch, NULL, 0, 0, "B",
            "only runs of branch B"),
    COV_OPT("last", SL_OPT_U64, last, "20", 1, LAST_MAX, "N",
            "the newest N runs that have coverage"),
    COV_OPT("json", SL_OPT_FLAG, json, NULL, 0, 0, NULL,
            "print {project, branch, points [...]} as JSON"),
    {0},
};
/* clang-format on */

static const cli_usage_t cov_usage = {
    "coverage",
    "[OPTION]...",
    "Shows the coverage of the newest runs that have any, oldest first:\n"
    "CREATED (UTC), RUN, BRANCH, COMMIT (10 characters), LINES\n"
    "(covered/valid), LINE% and its change from the row above in points,\n"
    "BRANCHES, BRANCH% and its change. A run's figures are the sum of its\n"
    "coverage reports. No run with coverage: exit 2.\n",
    options,
    0,
};

/* The replies received, kept whole, and the runs with coverage in them,
 * newest first. */
typedef struct cov {
    sl_pb_reply_t **rep;
    size_t nrep;
    const sl_pb_run_t **run;
    size_t n;
} cov_t;

static void
cov_free(cov_t *c)
{
    for (size_t i = 0; i < c->nrep; i++) {
        sl_wire_free(&c->rep[i]);
    }
    free(c->rep);
    free(c->run);
}

/* Takes rep; keeps its runs with coverage, up to max, and rep with them
 * (freed when it holds none). */
static int
cov_add(cov_t *c, sl_pb_reply_t *rep, uint64_t max, sl_err_t *err)
{
    const Sluice__V1__RunList *l = rep->runs;
    sl_pb_reply_t **nr = realloc(c->rep, (c->nrep + 1) * sizeof *nr);
    const sl_pb_run_t **rr =
        nr ? realloc(c->run, (c->n + l->n_runs + 1) * sizeof *rr) : NULL;
    if (nr != NULL) {
        c->rep = nr;
    }
    if (rr == NULL) {
        sl_wire_free(&rep);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    c->run = rr;
    size_t n0 = c->n;
    for (size_t i = 0; i < l->n_runs && c->n < max; i++) {
        const sl_pb_run_t *r = l->runs[i];
        if (r->coverage_reports > 0 && r->coverage != NULL &&
            r->meta != NULL) {
            c->run[c->n++] = r;
        }
    }
    if (c->n > n0) {
        c->rep[c->nrep++] = rep;
    } else {
        sl_wire_free(&rep);
    }
    return SL_OK;
}

/* Follows next_cursor until cfg->last runs with coverage are held or the
 * collector has no more runs. */
static int
fetch(sl_client_t *cl, const cov_cfg_t *cfg, cov_t *c, sl_err_t *err)
{
    Sluice__V1__ListRuns q;
    sluice__v1__list_runs__init(&q);
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    req.kind_case = SLUICE__V1__REQUEST__KIND_LIST_RUNS;
    req.list_runs = &q;
    q.project = (char *)(uintptr_t)(cfg->project ? cfg->project : "");
    q.branch = (char *)(uintptr_t)(cfg->branch ? cfg->branch : "");
    q.limit = PAGE_RUNS;
    uint8_t cursor[CURSOR_MAX];
    for (;;) {
        sl_pb_reply_t *rep = NULL;
        int rc = cli_call(cl, &cfg->common, &req, SLUICE__V1__REPLY__KIND_RUNS,
                          &rep, err);
        if (rc != SL_OK) {
            return rc;
        }
        size_t len = rep->runs->next_cursor.len;
        if (len > sizeof cursor) {
            sl_wire_free(&rep);
            return sl_err_set(err, SL_EPROTO, "cursor too long");
        }
        if (len > 0) {
            memcpy(cursor, rep->runs->next_cursor.data, len);
        }
        rc = cov_add(c, rep, cfg->last, err);
        if (rc != SL_OK || len == 0 || c->n >= cfg->last) {
            return rc;
        }
        q.cursor.data = cursor;
        q.cursor.len = len;
    }
}

/* ---- output ----------------------------------------------------------- */

static double
rate(uint64_t k, uint64_t n)
{
    return n > 0 ? (double)k / (double)n : 0.0;
}

enum { C_TIME, C_RUN, C_BRANCH, C_COMMIT, C_LINES, C_LRATE, C_LCHG,
       C_BRANCHES, C_BRATE, C_BCHG, NCOLS };

typedef struct row {
    const char *col[NCOLS];
    char time[32], commit[11], lines[48], lrate[16], lchg[24];
    char branches[48], brate[16], bchg[24];
} row_t;

/* The rate of covered of valid as "85.00%" into buf (16 bytes), and its
 * change from the previous point's (prev NULL: none) in points. */
static void
fmt_rate(uint64_t covered, uint64_t valid, uint64_t pcov, uint64_t pvalid,
         int has_prev, char *buf, char *chg)
{
    if (valid == 0) {
        strcpy(buf, "-");
        strcpy(chg, "-");
        return;
    }
    (void)snprintf(buf, 16, "%.2f%%", 100.0 * rate(covered, valid));
    if (!has_prev || pvalid == 0) {
        strcpy(chg, "-");
        return;
    }
    double d = 100.0 * (rate(covered, valid) - rate(pcov, pvalid));
    (void)snprintf(chg, 24, "%+.2f", d > -0.005 && d < 0.005 ? 0.0 : d);
}

static void
row_of(const sl_pb_run_t *r, const sl_pb_run_t *prev, row_t *w)
{
    const Sluice__V1__Coverage *c = r->coverage;
    const Sluice__V1__Coverage *p = prev ? prev->coverage : NULL;
    w->col[C_TIME] = r->created_us ? sl_time_iso(r->created_us, w->time) : "-";
    w->col[C_RUN] = r->run_id;
    w->col[C_BRANCH] = r->meta->branch;
    w->col[C_COMMIT] = cli_short_commit(r->meta->commit, w->commit);
    (void)snprintf(w->lines, sizeof w->lines, "%" PRIu64 "/%" PRIu64,
                   c->lines_covered, c->lines_valid);
    (void)snprintf(w->branches, sizeof w->branches, "%" PRIu64 "/%" PRIu64,
                   c->branches_covered, c->branches_valid);
    fmt_rate(c->lines_covered, c->lines_valid, p ? p->lines_covered : 0,
             p ? p->lines_valid : 0, p != NULL, w->lrate, w->lchg);
    fmt_rate(c->branches_covered, c->branches_valid,
             p ? p->branches_covered : 0, p ? p->branches_valid : 0,
             p != NULL, w->brate, w->bchg);
    w->col[C_LINES] = w->lines;
    w->col[C_LRATE] = w->lrate;
    w->col[C_LCHG] = w->lchg;
    w->col[C_BRANCHES] = w->branches;
    w->col[C_BRATE] = w->brate;
    w->col[C_BCHG] = w->bchg;
    for (size_t i = 0; i < NCOLS; i++) {
        w->col[i] = w->col[i][0] != '\0' ? w->col[i] : "-";
    }
}

static void
print_row(const char *const *col, const size_t *width)
{
    cli_put_row(stdout, col, width, NCOLS);
}

/* Runs are held newest first; rows go oldest first. */
static void
print_table(const cov_t *c)
{
    static const char *const head[NCOLS] = {
        "CREATED",  "RUN",   "BRANCH", "COMMIT", "LINES",
        "LINE%",    "CHANGE", "BRANCHES", "BRANCH%", "CHANGE"};
    size_t width[NCOLS];
    row_t w;
    for (size_t i = 0; i < NCOLS; i++) {
        width[i] = strlen(head[i]);
    }
    for (size_t j = c->n; j-- > 0;) {
        row_of(c->run[j], j + 1 < c->n ? c->run[j + 1] : NULL, &w);
        for (size_t i = 0; i < NCOLS; i++) {
            size_t n = cli_width(w.col[i]);
            width[i] = n > width[i] ? n : width[i];
        }
    }
    print_row(head, width);
    for (size_t j = c->n; j-- > 0;) {
        row_of(c->run[j], j + 1 < c->n ? c->run[j + 1] : NULL, &w);
        print_row(w.col, width);
    }
}

static void
json_point(yajl_gen g, const sl_pb_run_t *r, const sl_pb_run_t *prev)
{
    const Sluice__V1__Coverage *c = r->coverage;
    const Sluice__V1__Coverage *p = prev ? prev->coverage : NULL;
    (void)yajl_gen_map_open(g);
    sl_json_ktime(g, "created", r->created_us);
    sl_json_kstr(g, "run_id", r->run_id);
    sl_json_kstr(g, "project", r->meta->project);
    sl_json_kstr(g, "branch", r->meta->branch);
    sl_json_kstr(g, "commit", r->meta->commit);
    sl_json_ku64(g, "lines_valid", c->lines_valid);
    sl_json_ku64(g, "lines_covered", c->lines_covered);
    sl_json_knum(g, "line_rate", rate(c->lines_covered, c->lines_valid),
                 c->lines_valid > 0);
    sl_json_knum(g, "line_change",
                 p ? rate(c->lines_covered, c->lines_valid) -
                         rate(p->lines_covered, p->lines_valid)
                   : 0,
                 p != NULL && c->lines_valid > 0 && p->lines_valid > 0);
    sl_json_ku64(g, "branches_valid", c->branches_valid);
    sl_json_ku64(g, "branches_covered", c->branches_covered);
    sl_json_knum(g, "branch_rate",
                 rate(c->branches_covered, c->branches_valid),
                 c->branches_valid > 0);
    sl_json_knum(g, "branch_change",
                 p ? rate(c->branches_covered, c->branches_valid) -
                         rate(p->branches_covered, p->branches_valid)
                   : 0,
                 p != NULL && c->branches_valid > 0 && p->branches_valid > 0);
    (void)yajl_gen_map_close(g);
}

static int
print_json(const cov_t *c, const cov_cfg_t *cfg)
{
    yajl_gen g = sl_json_new(0);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "project", cfg->project ? cfg->project : "");
    sl_json_kstr(g, "branch", cfg->branch ? cfg->branch : "");
    sl_json_str(g, "points");
    (void)yajl_gen_array_open(g);
    for (size_t j = c->n; j-- > 0;) {
        json_point(g, c->run[j], j + 1 < c->n ? c->run[j + 1] : NULL);
    }
    (void)yajl_gen_array_close(g);
    (void)yajl_gen_map_close(g);
    int rc = sl_json_flush(g, stdout);
    fputs("\n", stdout);
    yajl_gen_free(g);
    return rc;
}

static int
show(sl_client_t *cl, const cov_cfg_t *cfg)
{
    cov_t c = {0};
    sl_err_t err = {0};
    int st = CLI_EXIT_OK;
    int rc = fetch(cl, cfg, &c, &err);
    if (rc == SL_OK && c.n == 0) {
        fprintf(stderr, "sluice: no runs with coverage");
        if (cfg->project != NULL) {
            fprintf(stderr, " in project ");
            cli_put(stderr, cfg->project, 0);
        }
        if (cfg->branch != NULL) {
            fprintf(stderr, " on branch ");
            cli_put(stderr, cfg->branch, 0);
        }
        fprintf(stderr, "\n");
        st = CLI_EXIT_USAGE;
    } else if (rc == SL_OK && cfg->json) {
        rc = print_json(&c, cfg);
    } else if (rc == SL_OK) {
        print_table(&c);
    }
    cov_free(&c);
    return cli_done(rc == SL_OK ? st : cli_fail(rc, &err));
}

int
cli_cmd_coverage(int argc, char **argv)
{
    cov_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&cov_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 0) {
        return cli_usage_error(&cov_usage, "unexpected argument");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = show(cl, &cfg);
    }
    sl_client_destroy(&cl);
    return st;
}
