/* sluice gate replay: the stored history judged again with a proposed
 * policy. The whole log is read from the collector and folded by the
 * gate's own code (gate_fold, the same judging, baselines, flaky tests,
 * early verdicts and alerts) into a throwaway state in a temporary
 * directory; nothing is sent and nothing stored changes. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "cli.h"
#include "gate.h"
#include "sluice/clock.h"
#include "sluice/json.h"
#include "sluice/log.h"
#include "sluice/parse.h"
#include "sluice/policy.h"
#include "sluice/run.h"

#define READ_PAGE 2000

typedef struct replay_cfg {
    cli_common_t common;
    const char *policy, *project, *since;
    int json;
} replay_cfg_t;

#define REPLAY_OPT(n, t, f, d, arg, help)                                      \
    {n, t, offsetof(replay_cfg_t, f), d, 0, 0, NULL, arg, help, NULL}

static const sl_opt_t replay_options[] = {
    REPLAY_OPT("policy", SL_OPT_STR, policy, NULL, "F",
               "the proposed policy file (YAML, as sluice-gate --policy "
               "takes)"),
    REPLAY_OPT("project", SL_OPT_STR, project, NULL, "P",
               "count only runs of project P (every run still forms "
               "baselines)"),
    REPLAY_OPT("since", SL_OPT_STR, since, NULL, "TIME",
               "count only runs finished at or after TIME (ISO 8601 or "
               "unix seconds); earlier ones still form baselines"),
    REPLAY_OPT("json", SL_OPT_FLAG, json, NULL, NULL,
               "print the counts, changes and alerts as JSON"),
    CLI_COMMON_OPTS(replay_cfg_t),
    {0},
};

static const cli_usage_t replay_usage = {
    "gate replay",
    "--policy F [--project P] [--since TIME] [--json] [THRESHOLD FLAG]...",
    "Runs the stored history through a proposed policy, as sluice-gate\n"
    "would have judged it: reads the whole log from the collector and folds\n"
    "it with the gate's own code into a temporary state (baselines, flaky\n"
    "tests, early verdicts and alerts included), then prints how many runs\n"
    "would have passed, warned, failed or been incomplete, how many\n"
    "verdicts differ from the stored ones, and the alerts it would have\n"
    "raised. Nothing is sent, stored or changed. The threshold flags\n"
    "(below, as sluice-gate takes them) override the file.\n",
    replay_options,
    0,
};

typedef struct judged {
    char *run_id;
    int status;   /* the proposed final verdict */
    int early;    /* an early fail was proposed */
} judged_t;

typedef struct replay {
    const replay_cfg_t *cfg;
    int64_t since_us;
    judged_t *runs;
    size_t n, cap;
    char **alerts; /* "run\tkind\tmessage" */
    size_t n_alerts;
    int oom;
} replay_t;

static int
counted(const replay_t *rp, const sl_pb_run_t *r)
{
    const char *p = rp->cfg->project;
    return (p == NULL || strcmp(r->meta->project, p) == 0) &&
           r->finished_us >= rp->since_us;
}

/* Appends a judged run; rp->oom on failure. */
static void
add_judged(replay_t *rp, const char *run_id, int status, int early)
{
    if (rp->n == rp->cap) {
        size_t cap = rp->cap ? rp->cap * 2 : 64;
        judged_t *na = realloc(rp->runs, cap * sizeof *na);
        if (na == NULL) {
            rp->oom = 1;
            return;
        }
        rp->runs = na;
        rp->cap = cap;
    }
    rp->runs[rp->n] = (judged_t){strdup(run_id), status, early};
    rp->oom |= rp->runs[rp->n].run_id == NULL;
    rp->n++;
}

static void
on_verdict(void *ctx, const sl_pb_run_t *r, const sl_pb_verdict_t *v)
{
    replay_t *rp = ctx;
    if (v->early) {
        /* the run is not finished yet: its final verdict says whether it
         * counts; the early fail is noted against it then */
        add_judged(rp, r->run_id, -1, 1);
        return;
    }
    if (!counted(rp, r)) {
        return;
    }
    for (size_t i = rp->n; i-- > 0;) {
        if (rp->runs[i].status == -1 && rp->runs[i].run_id != NULL &&
            strcmp(rp->runs[i].run_id, r->run_id) == 0) {
            rp->runs[i].status = v->status;
            return;
        }
    }
    add_judged(rp, r->run_id, v->status, 0);
}

static void
on_alert(void *ctx, const sl_pb_run_t *r, const Sluice__V1__Alert *a,
         const sl_policy_t *p)
{
    (void)p;
    replay_t *rp = ctx;
    if (!counted(rp, r)) {
        return;
    }
    size_t len = strlen(r->run_id) + strlen(a->kind) + strlen(a->message) + 3;
    char *s = malloc(len);
    char **na = realloc(rp->alerts, (rp->n_alerts + 1) * sizeof *na);
    if (na != NULL) {
        rp->alerts = na;
    }
    if (s == NULL || na == NULL) {
        free(s);
        rp->oom = 1;
        return;
    }
    (void)snprintf(s, len, "%s\t%s\t%s", r->run_id, a->kind, a->message);
    rp->alerts[rp->n_alerts++] = s;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb;
    (void)flag;
    (void)f;
    return remove(path);
}

/* Reads the log page by page into the throwaway gate. */
static int
fold_log(sl_client_t *cl, const replay_cfg_t *cfg, gate_t *g,
         uint64_t *events)
{
    for (;;) {
        sl_pb_request_t req;
        sluice__v1__request__init(&req);
        Sluice__V1__ReadLog rl;
        sluice__v1__read_log__init(&rl);
        rl.from_lsn = g->last_lsn + 1;
        rl.limit = READ_PAGE;
        req.kind_case = SLUICE__V1__REQUEST__KIND_READ_LOG;
        req.read_log = &rl;
        sl_pb_reply_t *rep = NULL;
        sl_err_t err = {0};
        int rc = cli_call(cl, &cfg->common, &req,
                          SLUICE__V1__REPLY__KIND_CHUNK, &rep, &err);
        if (rc != SL_OK) {
            return cli_fail(rc, &err);
        }
        const sl_pb_chunk_t *c = rep->chunk;
        size_t n = c->n_lsn < c->n_events ? c->n_lsn : c->n_events;
        int gap = 0;
        rc = n > 0 ? gate_fold(g, c, &gap) : SL_OK;
        gate_send_fresh(g, 0); /* a replay sends nothing */
        *events += n;
        sl_wire_free(&rep);
        if (rc != SL_OK) {
            fprintf(stderr, "sluice gate replay: the temporary state: %s\n",
                    sl_strerror(rc));
            return CLI_EXIT_ERROR;
        }
        if (n == 0 || gap) {
            return CLI_CONTINUE;
        }
    }
}

/* The stored final verdict of run_id in the folded state. */
static int
stored_status(gate_t *g, const char *run_id)
{
    sl_txn_t txn;
    sl_val_t k = {run_id, strlen(run_id)}, v;
    sl_pb_run_t *r = NULL;
    int st = SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    (void)sl_store_begin(g->store, &txn, SL_TXN_RO);
    if (sl_store_get(&txn, GDB_RUNS, &k, &v) == SL_OK &&
        sl_run_decode(v.data, v.len, &r, NULL) == SL_OK) {
        st = r->verdict->status;
    }
    sl_run_free(&r);
    sl_store_abort(&txn);
    return st;
}

static void
print_report(const replay_t *rp, gate_t *g, uint64_t events)
{
    const replay_cfg_t *cfg = rp->cfg;
    size_t by[5] = {0}, was[5] = {0}, changed = 0, early = 0, runs = 0;
    for (size_t i = 0; i < rp->n; i++) {
        const judged_t *j = &rp->runs[i];
        if (j->status < 0) {
            continue; /* an early fail of a run never finished or counted */
        }
        int s = stored_status(g, j->run_id);
        runs++;
        by[j->status % 5]++;
        was[s % 5]++;
        changed += s != j->status;
        early += j->early != 0;
    }
    static const char *const names[] = {"pending", "pass", "warn", "fail",
                                        "incomplete"};
    if (cfg->json) {
        yajl_gen y = yajl_gen_alloc(NULL);
        yajl_gen_config(y, yajl_gen_beautify, 1);
        yajl_gen_map_open(y);
        sl_json_str(y, "policy");
        sl_json_str(y, cfg->policy);
        sl_json_str(y, "events");
        yajl_gen_integer(y, (long long)events);
        sl_json_str(y, "runs");
        yajl_gen_integer(y, (long long)runs);
        const char *const keys[] = {"would", "stored"};
        const size_t *arr[] = {by, was};
        for (size_t k = 0; k < 2; k++) {
            sl_json_str(y, keys[k]);
            yajl_gen_map_open(y);
            for (size_t s = 1; s < 5; s++) {
                sl_json_str(y, names[s]);
                yajl_gen_integer(y, (long long)arr[k][s]);
            }
            if (k == 1) {
                sl_json_str(y, "pending");
                yajl_gen_integer(y, (long long)arr[k][0]);
            }
            yajl_gen_map_close(y);
        }
        sl_json_str(y, "early_fails");
        yajl_gen_integer(y, (long long)early);
        sl_json_str(y, "changed");
        yajl_gen_integer(y, (long long)changed);
        sl_json_str(y, "alerts");
        yajl_gen_array_open(y);
        for (size_t i = 0; i < rp->n_alerts; i++) {
            char *s = rp->alerts[i], *t1 = strchr(s, '\t');
            char *t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
            if (t2 == NULL) {
                continue;
            }
            yajl_gen_map_open(y);
            sl_json_str(y, "run_id");
            yajl_gen_string(y, (const unsigned char *)s, (size_t)(t1 - s));
            sl_json_str(y, "kind");
            yajl_gen_string(y, (const unsigned char *)t1 + 1,
                            (size_t)(t2 - t1 - 1));
            sl_json_str(y, "message");
            sl_json_str(y, t2 + 1);
            yajl_gen_map_close(y);
        }
        yajl_gen_array_close(y);
        yajl_gen_map_close(y);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(y, &buf, &len);
        fwrite(buf, 1, len, stdout);
        fputc('\n', stdout);
        yajl_gen_free(y);
        return;
    }
    printf("replayed %llu event(s) with %s: %zu run(s) judged",
           (unsigned long long)events, cfg->policy, runs);
    if (cfg->project != NULL) {
        printf(" (project %s)", cfg->project);
    }
    if (cfg->since != NULL) {
        printf(" (finished since %s)", cfg->since);
    }
    printf("\n\n%-12s %8s %8s\n", "verdict", "would", "stored");
    for (size_t s = 1; s < 5; s++) {
        printf("%-12s %8zu %8zu\n", names[s], by[s], was[s]);
    }
    if (was[0] > 0) {
        printf("%-12s %8s %8zu\n", "pending", "-", was[0]);
    }
    printf("\n%zu verdict(s) would change; %zu early fail(s)\n", changed,
           early);
    printf("\n%zu alert(s) would be raised%s\n", rp->n_alerts,
           rp->n_alerts ? ":" : "");
    for (size_t i = 0; i < rp->n_alerts; i++) {
        char *s = rp->alerts[i], *t1 = strchr(s, '\t');
        char *t2 = t1 != NULL ? strchr(t1 + 1, '\t') : NULL;
        if (t2 != NULL) {
            *t1 = *t2 = '\0';
            printf("  ");
            cli_put(stdout, s, 0);
            printf("  %s  ", t1 + 1);
            *t1 = *t2 = '\t';
            cli_put(stdout, t2 + 1, 0);
            fputc('\n', stdout);
        }
    }
}

static int
replay(const replay_cfg_t *cfg, gate_cfg_t *gcfg)
{
    replay_t rp = {.cfg = cfg};
    if (cfg->since != NULL && sl_parse_time_us(cfg->since, &rp.since_us) !=
                                  SL_OK) {
        return cli_usage_error(&replay_usage,
                               "--since: not a time (ISO 8601 or unix "
                               "seconds)");
    }
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    (void)snprintf(path, sizeof path, "%s/sluice-replay-XXXXXX",
                   tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(path) == NULL) {
        perror("sluice gate replay: mkdtemp");
        return CLI_EXIT_ERROR;
    }
    gcfg->state = path;
    sl_log_threshold = SL_LOG_WARN; /* the gate's per-run lines: not here */
    gcfg->map_size = 1ull << 34; /* sparse: grows as needed */
    gate_t g;
    sl_err_t err = {0};
    sl_client_t *cl = NULL;
    uint64_t events = 0;
    int st = CLI_CONTINUE;
    if (gate_open_state(&g, gcfg, &err) != SL_OK) {
        fprintf(stderr, "sluice gate replay: %s\n", err.msg);
        st = CLI_EXIT_ERROR;
    }
    g.on_verdict = on_verdict;
    g.on_alert = on_alert;
    g.cb_ctx = &rp;
    st = st == CLI_CONTINUE ? cli_connect(&cfg->common, &cl) : st;
    st = st == CLI_CONTINUE ? fold_log(cl, cfg, &g, &events) : st;
    if (st == CLI_CONTINUE && rp.oom) {
        fprintf(stderr, "sluice gate replay: out of memory\n");
        st = CLI_EXIT_ERROR;
    }
    if (st == CLI_CONTINUE) {
        print_report(&rp, &g, events);
        st = cli_done(CLI_EXIT_OK);
    }
    sl_client_destroy(&cl);
    gate_fold_close(&g);
    gate_send_fresh(&g, 0);
    sl_store_close(&g.store);
    (void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < rp.n; i++) {
        free(rp.runs[i].run_id);
    }
    free(rp.runs);
    for (size_t i = 0; i < rp.n_alerts; i++) {
        free(rp.alerts[i]);
    }
    free(rp.alerts);
    return st;
}

int
cli_cmd_gate(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "replay") != 0) {
        if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
            printf("usage: sluice gate replay [OPTION]...\n\n%s",
                   replay_usage.about);
            return CLI_EXIT_OK;
        }
        fprintf(stderr, "sluice gate: the only subcommand is 'replay'\n"
                        "Try 'sluice gate replay --help'.\n");
        return CLI_EXIT_USAGE;
    }
    replay_cfg_t cfg = {0};
    gate_cfg_t gcfg = {0};
    sl_err_t err = {0};
    int n = 0;
    int rargc = argc - 1;
    sl_policy_defaults(&gcfg.overrides);
    if (sl_policy_take_flags(replay_options, &gcfg.overrides,
                             &gcfg.overrides_mask, &rargc, argv + 1,
                             &err) != SL_OK) {
        return cli_usage_error(&replay_usage, err.msg);
    }
    int st = cli_parse(&replay_usage, &cfg, rargc, argv + 1, &n);
    if (st == CLI_EXIT_OK && cfg.common.help) {
        printf("\nthreshold flags (each overrides its key of the policy "
               "file and its scopes;\nsee docs/policy.md):\n");
        sl_policy_flags_help(stdout);
        return cli_done(CLI_EXIT_OK);
    }
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (n != 0) {
        return cli_usage_error(&replay_usage, "no positional arguments");
    }
    if (cfg.policy == NULL) {
        return cli_usage_error(&replay_usage, "--policy F is required");
    }
    int rc = sl_policy_load_set(cfg.policy, &gcfg.policy_set, &err);
    rc = rc == SL_OK ? sl_policy_check_overrides(gcfg.policy_set,
                                                 &gcfg.overrides,
                                                 gcfg.overrides_mask, &err)
                     : rc;
    if (rc != SL_OK) {
        fprintf(stderr, "sluice gate replay: %s\n", sl_err_msg(&err, rc));
        sl_policy_set_free(&gcfg.policy_set);
        return CLI_EXIT_USAGE;
    }
    st = replay(&cfg, &gcfg);
    sl_policy_set_free(&gcfg.policy_set);
    return st;
}
