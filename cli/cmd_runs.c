/* sluice runs: the runs the collector holds, newest first, filtered by
 * project, branch, status and creation time; a table or a JSON array. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sluice/clock.h"
#include "sluice/parse.h"
#include "sluice/run.h"

#define PAGE_MAX  1000 /* the collector's own cap on one ListRuns */
#define LIMIT_MAX 1000000

typedef struct runs_cfg {
    cli_common_t common;
    const char *project, *branch, *status, *since, *until, *commit, *job;
    uint64_t limit;
    int json;
} runs_cfg_t;

/* clang-format off */
#define RUNS_OPT(n, t, f, d, lo, hi, arg, help)                                \
    {n, t, offsetof(runs_cfg_t, f), d, lo, hi, NULL, arg, help, NULL}

static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(runs_cfg_t),
    RUNS_OPT("project", SL_OPT_STR, project, NULL, 0, 0, "P",
             "only runs of project P"),
    RUNS_OPT("branch", SL_OPT_STR, branch, NULL, 0, 0, "B",
             "only runs of branch B"),
    RUNS_OPT("commit", SL_OPT_STR, commit, NULL, 0, 0, "C",
             "only runs whose commit starts with C"),
    RUNS_OPT("job", SL_OPT_STR, job, NULL, 0, 0, "J",
             "only runs of CI job J (as the agent took it from the CI)"),
    RUNS_OPT("status", SL_OPT_STR, status, NULL, 0, 0, "S",
             "only runs whose status is S: open, pending, pass, warn, fail, "
             "incomplete"),
    RUNS_OPT("since", SL_OPT_STR, since, NULL, 0, 0, "TIME",
             "only runs created at or after TIME (ISO 8601 or unix seconds)"),
    RUNS_OPT("until", SL_OPT_STR, until, NULL, 0, 0, "TIME",
             "only runs created at or before TIME"),
    RUNS_OPT("limit", SL_OPT_U64, limit, "50", 1, LIMIT_MAX, "N",
             "print at most N runs"),
    RUNS_OPT("json", SL_OPT_FLAG, json, NULL, 0, 0, NULL,
             "print a JSON array of run summaries (as 'sluice run --json')"),
    {0},
};
/* clang-format on */

static const cli_usage_t runs_usage = {
    "runs",
    "[OPTION]...",
    "Lists runs, newest first: RUN, PROJECT, BRANCH, COMMIT (10 characters),\n"
    "STATE, VERDICT, TESTS (passed/total) and CREATED (UTC).\n"
    "TIME is 2026-11-24, 2026-11-24T03:41:00Z (seconds, fraction and a\n"
    "+HH:MM offset optional; no offset means UTC) or unix seconds.\n",
    options,
    0,
};

/* ---- the query ------------------------------------------------------- */

/* Checks the filters and fills the ListRuns request from them. */
static int
make_query(const runs_cfg_t *cfg, Sluice__V1__ListRuns *q)
{
    static const char *const statuses[] = {
        "open", "pending", "pass", "warn", "fail", "incomplete", NULL};
    char msg[300];
    int ok = cfg->status == NULL;
    for (size_t i = 0; !ok && statuses[i] != NULL; i++) {
        ok = strcmp(cfg->status, statuses[i]) == 0;
    }
    if (!ok) {
        (void)snprintf(msg, sizeof msg,
                       "--status: invalid value '%s' (open, "
                       "pending, pass, warn, fail or incomplete)",
                       cfg->status);
        return cli_usage_error(&runs_usage, msg);
    }
    const char *names[] = {"since", "until"};
    const char *vals[] = {cfg->since, cfg->until};
    int64_t *dst[] = {&q->since_us, &q->until_us};
    for (size_t i = 0; i < 2; i++) {
        if (vals[i] != NULL && sl_parse_time_us(vals[i], dst[i]) != SL_OK) {
            (void)snprintf(msg, sizeof msg,
                           "--%s: invalid time '%s' (want e.g. "
                           "2026-11-24, 2026-11-24T03:41:00Z or "
                           "unix seconds)",
                           names[i], vals[i]);
            return cli_usage_error(&runs_usage, msg);
        }
    }
    /* until_us 0 means "no upper bound" on the wire. */
    q->until_us = cfg->until != NULL && q->until_us == 0 ? 1 : q->until_us;
    q->project = (char *)(uintptr_t)(cfg->project ? cfg->project : "");
    q->branch = (char *)(uintptr_t)(cfg->branch ? cfg->branch : "");
    q->status = (char *)(uintptr_t)(cfg->status ? cfg->status : "");
    q->commit_prefix = (char *)(uintptr_t)(cfg->commit ? cfg->commit : "");
    q->job = (char *)(uintptr_t)(cfg->job ? cfg->job : "");
    return CLI_CONTINUE;
}

/* The replies received, kept whole: the runs (and the paging cursor) point
 * into them. */
typedef struct pages {
    sl_pb_reply_t **rep;
    size_t n;
    uint64_t runs; /* runs held, over every reply */
} pages_t;

static void
pages_free(pages_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        sl_wire_free(&p->rep[i]);
    }
    free(p->rep);
}

/* Takes rep (freed on failure). A record missing a part is refused, as
 * everything below dereferences them. */
static int
pages_add(pages_t *p, sl_pb_reply_t *rep, sl_err_t *err)
{
    const Sluice__V1__RunList *l = rep->runs;
    for (size_t i = 0; i < l->n_runs; i++) {
        if (l->runs[i]->meta == NULL || l->runs[i]->tests == NULL ||
            l->runs[i]->verdict == NULL) {
            sl_wire_free(&rep);
            return sl_err_set(err, SL_EPROTO, "incomplete run record");
        }
    }
    sl_pb_reply_t **nr = realloc(p->rep, (p->n + 1) * sizeof(sl_pb_reply_t *));
    if (nr == NULL) {
        sl_wire_free(&rep);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    p->rep = nr;
    p->rep[p->n++] = rep;
    p->runs += l->n_runs;
    return SL_OK;
}

/* Follows next_cursor until limit runs are held or the collector has no
 * more. */
static int
fetch(sl_client_t *cl, const runs_cfg_t *cfg, Sluice__V1__ListRuns *q,
      pages_t *p, sl_err_t *err)
{
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    req.kind_case = SLUICE__V1__REQUEST__KIND_LIST_RUNS;
    req.list_runs = q;
    for (;;) {
        uint64_t left = cfg->limit - p->runs;
        q->limit = left > PAGE_MAX ? PAGE_MAX : (uint32_t)left;
        sl_pb_reply_t *rep = NULL;
        int rc = cli_call(cl, &cfg->common, &req, SLUICE__V1__REPLY__KIND_RUNS,
                          &rep, err);
        if (rc != SL_OK) {
            return rc;
        }
        const Sluice__V1__RunList *l = rep->runs; /* p will own rep */
        rc = pages_add(p, rep, err);
        if (rc != SL_OK) {
            return rc;
        }
        /* A page may hold no runs but a cursor: the collector caps how
         * many it scans per request. */
        if (l->next_cursor.len == 0 || p->runs >= cfg->limit) {
            return SL_OK;
        }
        q->cursor = l->next_cursor;
    }
}

/* Calls fn for the first limit runs held, newest first. */
typedef void (*run_fn)(const sl_pb_run_t *r, void *ctx);

static void
pages_each(const pages_t *p, uint64_t limit, run_fn fn, void *ctx)
{
    uint64_t done = 0;
    for (size_t i = 0; i < p->n; i++) {
        const Sluice__V1__RunList *l = p->rep[i]->runs;
        for (size_t j = 0; j < l->n_runs && done < limit; j++, done++) {
            fn(l->runs[j], ctx);
        }
    }
}

/* ---- output ---------------------------------------------------------- */

enum {
    C_RUN,
    C_PROJECT,
    C_BRANCH,
    C_COMMIT,
    C_STATE,
    C_VERDICT,
    C_TESTS,
    C_CREATED,
    NCOLS
};

typedef struct row {
    const char *col[NCOLS];
    char commit[11];
    char tests[48];
    char created[32];
} row_t;

static void
row_of(const sl_pb_run_t *r, row_t *w)
{
    size_t n = strnlen(r->meta->commit, sizeof w->commit - 1);
    memcpy(w->commit, r->meta->commit, n);
    w->commit[n] = '\0';
    (void)snprintf(w->tests, sizeof w->tests, "%" PRIu64 "/%" PRIu64,
                   r->tests->passed, r->tests->total);
    w->col[C_RUN] = r->run_id;
    w->col[C_PROJECT] = r->meta->project;
    w->col[C_BRANCH] = r->meta->branch;
    w->col[C_COMMIT] = w->commit;
    w->col[C_STATE] = sl_state_name(r->state);
    w->col[C_VERDICT] = sl_verdict_name(r->verdict->status);
    w->col[C_TESTS] = w->tests;
    w->col[C_CREATED] =
        r->created_us ? sl_time_iso(r->created_us, w->created) : "-";
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
widen(const sl_pb_run_t *r, void *ctx)
{
    size_t *width = ctx;
    row_t w;
    row_of(r, &w);
    for (size_t i = 0; i < NCOLS; i++) {
        size_t n = cli_width(w.col[i]);
        width[i] = n > width[i] ? n : width[i];
    }
}

static void
print_run_row(const sl_pb_run_t *r, void *ctx)
{
    row_t w;
    row_of(r, &w);
    print_row(w.col, ctx);
}

static void
print_table(const pages_t *p, uint64_t limit)
{
    static const char *const head[NCOLS] = {"RUN",    "PROJECT", "BRANCH",
                                            "COMMIT", "STATE",   "VERDICT",
                                            "TESTS",  "CREATED"};
    size_t width[NCOLS];
    for (size_t i = 0; i < NCOLS; i++) {
        width[i] = strlen(head[i]);
    }
    pages_each(p, limit, widen, width);
    print_row(head, width);
    pages_each(p, limit, print_run_row, width);
}

typedef struct json_ctx {
    int rc;
    uint64_t n;
} json_ctx_t;

static void
print_json_run(const sl_pb_run_t *r, void *ctx)
{
    json_ctx_t *j = ctx;
    if (j->rc == SL_OK) {
        fputs(j->n++ > 0 ? "," : "", stdout);
        j->rc = sl_run_json(r, stdout);
    }
}

static int
print_json(const pages_t *p, uint64_t limit)
{
    json_ctx_t j = {SL_OK, 0};
    fputs("[", stdout);
    pages_each(p, limit, print_json_run, &j);
    fputs("]\n", stdout);
    return j.rc;
}

static int
list(sl_client_t *cl, const runs_cfg_t *cfg, Sluice__V1__ListRuns *q)
{
    pages_t p = {0};
    sl_err_t err = {0};
    int rc = fetch(cl, cfg, q, &p, &err);
    if (rc == SL_OK && cfg->json) {
        rc = print_json(&p, cfg->limit);
    } else if (rc == SL_OK) {
        print_table(&p, cfg->limit);
    }
    pages_free(&p);
    return cli_done(rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, &err));
}

int
cli_cmd_runs(int argc, char **argv)
{
    runs_cfg_t cfg = {0};
    Sluice__V1__ListRuns q;
    sl_client_t *cl = NULL;
    int nrest = 0;
    sluice__v1__list_runs__init(&q);
    int st = cli_parse(&runs_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 0) {
        return cli_usage_error(&runs_usage, "unexpected argument");
    }
    st = make_query(&cfg, &q);
    st = st == CLI_CONTINUE ? cli_connect(&cfg.common, &cl) : st;
    if (st == CLI_CONTINUE) {
        st = list(cl, &cfg, &q);
    }
    sl_client_destroy(&cl);
    return st;
}
