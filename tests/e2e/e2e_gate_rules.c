/* Scenario: each kind of gate rule through the real collector, gate and
 * agent: benchmarks against a baseline of main's runs (and against main up
 * to a pull request's merge-base), alerts on main, early verdicts on a
 * protected branch, flaky tests, declared kinds (--expect). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WAIT "--wait=20"

/* A hyperfine file: one command, "work", with 10 samples around mean
 * (spread +-2%, fixed pattern). */
static const char *
hyperfine(h_env_t *h, const char *name, double mean, char *path)
{
    static const double shape[10] = {-0.02, 0.01, 0.0,   0.015, -0.01,
                                     0.02,  -0.015, 0.005, -0.005, 0.0};
    FILE *f = fopen(h_path(h, name, path), "w");
    assert_non_null(f);
    fprintf(f, "{\"results\": [{\"command\": \"work\", \"mean\": %.9f, "
               "\"stddev\": %.9f, \"median\": %.9f, \"user\": 0.001, "
               "\"system\": 0.001, \"min\": %.9f, \"max\": %.9f, "
               "\"times\": [",
            mean, mean * 0.013, mean, mean * 0.98, mean * 1.02);
    for (int i = 0; i < 10; i++) {
        fprintf(f, "%s%.9f", i ? ", " : "", mean * (1 + shape[i]));
    }
    fprintf(f, "], \"exit_codes\": [0,0,0,0,0,0,0,0,0,0]}]}\n");
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Pushes one hyperfine run of project "perf" and returns the exit status. */
static int
push_bench(h_env_t *h, const h_proc_t *c, const char *run_id,
           const char *branch, const char *commit, double mean,
           const char *base_commit)
{
    char file[H_PATH], name[64];
    (void)snprintf(name, sizeof name, "%s.json", run_id);
    hyperfine(h, name, mean, file);
    const h_result_t *r =
        base_commit != NULL
            ? h_agent(h, "push", "--collector", c->listen, "--project",
                      "perf", "--branch", branch, "--commit", commit,
                      "--run-id", run_id, "--base-branch", "main",
                      "--base-commit", base_commit, WAIT, file, NULL)
            : h_agent(h, "push", "--collector", c->listen, "--project",
                      "perf", "--branch", branch, "--commit", commit,
                      "--run-id", run_id, WAIT, file, NULL);
    return r->status;
}

static const Sluice__V1__Reason *
find_reason(const sl_pb_verdict_t *v, const char *rule)
{
    for (size_t i = 0; i < v->n_reasons; i++) {
        if (strcmp(v->reasons[i]->rule, rule) == 0) {
            return v->reasons[i];
        }
    }
    return NULL;
}

typedef struct count_ctx {
    int body;
    size_t n;
    char kinds[256];
    char messages[2048];
} count_ctx_t;

static void
count_alerts(const sl_pb_event_t *e, uint64_t lsn, void *ctx)
{
    (void)lsn;
    count_ctx_t *cc = ctx;
    if (e->body_case == SLUICE__V1__EVENT__BODY_ALERT) {
        cc->n++;
        size_t len = strlen(cc->kinds);
        (void)snprintf(cc->kinds + len, sizeof cc->kinds - len, "%s ",
                       e->alert->kind);
        len = strlen(cc->messages);
        (void)snprintf(cc->messages + len, sizeof cc->messages - len, "%s\n",
                       e->alert->message);
    }
}

/* Five runs of main at 10 ms form the baseline; a topic run 30% slower
 * fails and one 15% slower warns, each reason carrying the figures. */
static void
check_regression(h_env_t *h, const h_proc_t *c)
{
    char id[32], commit[32];
    for (int i = 1; i <= 5; i++) {
        (void)snprintf(id, sizeof id, "main-%d", i);
        (void)snprintf(commit, sizeof commit, "m%d", i);
        assert_int_equal(push_bench(h, c, id, "main", commit, 0.010, NULL),
                         0);
    }
    assert_int_equal(push_bench(h, c, "topic-slow", "topic", "t1", 0.013,
                                NULL),
                     1);
    const sl_pb_run_t *r = h_run_get(h, c, "topic-slow");
    assert_int_equal(r->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    const Sluice__V1__Reason *x = find_reason(r->verdict, "bench.regression");
    assert_non_null(x);
    assert_string_equal(x->subject, "work");
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(x->baseline_n, 5);
    assert_true(fabs(x->baseline - 0.010) < 1e-9);
    assert_true(fabs(x->change_pct - 30.0) < 0.01);
    assert_string_equal(x->method, "percent");
    assert_string_equal(x->unit, "s");
    h_assert_contains(x->message, "n = 5");
    const Sluice__V1__Baseline *b = r->verdict->baseline;
    assert_non_null(b);
    assert_string_equal(b->branch, "main");
    assert_int_equal(b->n_run_ids, 5);
    assert_string_equal(b->run_ids[0], "main-5"); /* newest first */
    assert_string_equal(b->run_ids[4], "main-1");
    assert_string_equal(b->commit, "m5");
    assert_false(b->pinned);

    assert_int_equal(push_bench(h, c, "topic-warn", "topic", "t2", 0.0115,
                                NULL),
                     0);
    r = h_run_get(h, c, "topic-warn");
    assert_int_equal(r->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
    x = find_reason(r->verdict, "bench.regression");
    assert_non_null(x);
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
}

/* main slows down to 13 ms (m6..m8): the first of those runs raises a
 * regression alert. A pull request run at 13 ms whose merge-base is m5 is
 * compared with main up to m5 (10 ms: fail); the same run without a
 * merge-base is compared with the latest main runs (warn). */
static void
check_merge_base_and_alerts(h_env_t *h, const h_proc_t *c)
{
    assert_int_equal(push_bench(h, c, "main-6", "main", "m6", 0.013, NULL),
                     1);
    /* against main-1..6 (mean 10.5 ms): +23.8%, still a fail */
    assert_int_equal(push_bench(h, c, "main-7", "main", "m7", 0.013, NULL),
                     1);
    /* against main-1..7 (10.86 ms): +19.7%, a warning */
    assert_int_equal(push_bench(h, c, "main-8", "main", "m8", 0.013, NULL),
                     0);
    h_events_t ev;
    count_ctx_t cc = {0};
    h_events_each(h, c, "main-6", &ev, count_alerts, &cc);
    assert_true(cc.n >= 1);
    h_assert_contains(cc.kinds, "regression");
    assert_int_equal(h_run_get(h, c, "main-6")->alerts, cc.n);
    /* main-8 ends the third run at the new level: the change-point search
     * (min_size 3) names main-6 */
    cc = (count_ctx_t){0};
    h_events_each(h, c, "main-8", &ev, count_alerts, &cc);
    h_assert_contains(cc.kinds, "change_point");
    h_assert_contains(cc.messages, "at run main-6, commit m6");
    const h_result_t *ev_out =
        h_cli(h, "events", "--collector", c->listen, "main-8", NULL);
    assert_int_equal(ev_out->status, 0);
    h_assert_contains(ev_out->out, "alert          change_point: work:");
    cc = (count_ctx_t){0};
    h_events_each(h, c, "topic-slow", &ev, count_alerts, &cc);
    assert_int_equal(cc.n, 0); /* not the baseline branch: no alert */

    assert_int_equal(push_bench(h, c, "pr-base", "topic", "t3", 0.013, "m5"),
                     1);
    const sl_pb_run_t *r = h_run_get(h, c, "pr-base");
    const Sluice__V1__Baseline *b = r->verdict->baseline;
    assert_non_null(b);
    assert_true(b->base_found);
    assert_string_equal(b->base_commit, "m5");
    assert_string_equal(b->run_ids[0], "main-5");
    assert_int_equal(b->n_run_ids, 5);

    assert_int_equal(push_bench(h, c, "pr-latest", "topic", "t4", 0.013,
                                NULL),
                     0);
    r = h_run_get(h, c, "pr-latest");
    assert_int_equal(r->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
    assert_string_equal(r->verdict->baseline->run_ids[0], "main-8");
    assert_int_equal(r->verdict->baseline->n_run_ids, 8);

    /* A merge-base main never ran: the latest runs, and the verdict says
     * the merge-base was not found. */
    assert_int_equal(push_bench(h, c, "pr-unknown", "topic", "t5", 0.013,
                                "0000000"),
                     0);
    b = h_run_get(h, c, "pr-unknown")->verdict->baseline;
    assert_false(b->base_found);
    assert_string_equal(b->base_commit, "0000000");
}

/* `sluice baseline pin main-3`: runs are compared with main-3 and the runs
 * before it (10 ms: a 13 ms run fails, pinned); unpin: the rolling
 * baseline again. */
static void
check_pin(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_cli(h, "baseline", "pin", "--collector",
                                c->listen, "main-3", NULL);
    assert_int_equal(r->status, 0);
    assert_int_equal(push_bench(h, c, "pr-pinned", "topic", "t6", 0.013,
                                NULL),
                     1);
    const Sluice__V1__Baseline *b =
        h_run_get(h, c, "pr-pinned")->verdict->baseline;
    assert_true(b->pinned);
    assert_int_equal(b->n_run_ids, 3);
    assert_string_equal(b->run_ids[0], "main-3");
    assert_string_equal(b->commit, "m3");
    r = h_cli(h, "baseline", "unpin", "--collector", c->listen, "--project",
              "perf", NULL);
    assert_int_equal(r->status, 0);
    assert_int_equal(push_bench(h, c, "pr-unpinned", "topic", "t7", 0.013,
                                NULL),
                     0);
    b = h_run_get(h, c, "pr-unpinned")->verdict->baseline;
    assert_false(b->pinned);
    assert_string_equal(b->run_ids[0], "main-8");
}

/* Ten runs of main with test results only: the benchmark's baseline is
 * the newest runs that carry it (main-8..1, mean 11.1 ms), not the newest
 * ten runs (none of which has it): 13 ms warns. */
static void
check_sparse_baseline(h_env_t *h, const h_proc_t *c)
{
    for (int i = 1; i <= 10; i++) {
        char id[16];
        (void)snprintf(id, sizeof id, "tests-%d", i);
        const h_result_t *r = h_agent(
            h, "push", "--collector", c->listen, "--project", "perf",
            "--branch", "main", "--commit", id, "--run-id", id, WAIT,
            H_FIXTURE("passing.xml"), NULL);
        assert_int_equal(r->status, 0);
    }
    assert_int_equal(push_bench(h, c, "pr-sparse", "topic", "t8", 0.013,
                                NULL),
                     0);
    const Sluice__V1__Reason *x = find_reason(
        h_run_get(h, c, "pr-sparse")->verdict, "bench.regression");
    assert_non_null(x);
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
    assert_int_equal(x->baseline_n, 8);
}

/* A baseline run whose figure the statistics refuse (1e300) is left out,
 * not a reason to stop judging: project "odd", 4 runs at 10 ms, one at
 * 1e300 s, then 20 ms fails against the four. */
static void
check_absurd_value(h_env_t *h, const h_proc_t *c)
{
    static const double means[] = {0.010, 0.010, 0.010, 0.010, 1e300};
    char file[H_PATH], name[32], id[16];
    for (size_t i = 0; i < 5; i++) {
        (void)snprintf(id, sizeof id, "odd-%zu", i + 1);
        (void)snprintf(name, sizeof name, "%s.json", id);
        hyperfine(h, name, means[i], file);
        const h_result_t *r = h_agent(
            h, "push", "--collector", c->listen, "--project", "odd",
            "--branch", "main", "--commit", id, "--run-id", id, WAIT, file,
            NULL);
        (void)r;
    }
    hyperfine(h, "odd-topic.json", 0.020, file);
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "odd", "--branch",
        "topic", "--commit", "odd-t", "--run-id", "odd-topic", WAIT, file,
        NULL);
    assert_int_equal(r->status, 1);
    const Sluice__V1__Reason *x = find_reason(
        h_run_get(h, c, "odd-topic")->verdict, "bench.regression");
    assert_non_null(x);
    assert_int_equal(x->baseline_n, 4);
}

static void
test_benchmarks(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gate));
    check_regression(h, c);
    check_merge_base_and_alerts(h, c);
    check_pin(h, c);
    check_sparse_baseline(h, c);
    check_absurd_value(h, c);
    h_finish(h);
}

/* A failed test on main (protected by default) fails the run early: the
 * waiting agent gets the early fail, the final verdict follows, and each
 * is stored once. */
static void
check_early(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "t", "--branch",
        "main", "--commit", "e1", "--run-id", "early-1", WAIT,
        H_FIXTURE("failing.xml"), NULL);
    assert_int_equal(r->status, 1);
    const sl_pb_run_t *run = h_wait_verdict(h, c, "early-1", 20000);
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_non_null(run->early_verdict);
    assert_true(run->early_verdict->early);
    assert_int_equal(run->early_verdict->n_reasons, 1);
    assert_string_equal(run->early_verdict->reasons[0]->rule, "tests.failed");
    h_events_t ev;
    h_events(h, c, "early-1", &ev);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_VERDICT], 2);

    /* The same failures on a topic branch: no early verdict. */
    r = h_agent(h, "push", "--collector", c->listen, "--project", "t",
                "--branch", "topic", "--commit", "e2", "--run-id", "late-1",
                WAIT, H_FIXTURE("failing.xml"), NULL);
    assert_int_equal(r->status, 1);
    run = h_run_get(h, c, "late-1");
    assert_null(run->early_verdict);
    h_events(h, c, "late-1", &ev);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_VERDICT], 1);
}

/* Flaky: a failure that passed on a rerun within the run (Surefire's
 * flakyFailure) and a test that failed then passed on the same commit
 * are named and warn. */
static void
check_flaky(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "t", "--branch",
        "topic", "--commit", "f1", "--run-id", "flaky-a", WAIT,
        H_FIXTURE("failing.xml"), NULL);
    assert_int_equal(r->status, 1);
    r = h_agent(h, "push", "--collector", c->listen, "--project", "t",
                "--branch", "topic", "--commit", "f1", "--run-id", "flaky-b",
                WAIT, H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
    const sl_pb_run_t *run = h_run_get(h, c, "flaky-b");
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
    const Sluice__V1__Reason *x = find_reason(run->verdict, "tests.flaky");
    assert_non_null(x);
    h_assert_contains(x->message, "same commit");
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
}

/* Six runs of main that alternate failing.xml and passing.xml (each its own
 * commit): test_fifo_order flips, so its failure on a topic branch warns;
 * test_persist (errored, and absent from passing.xml) still fails it. */
static void
check_flips(h_env_t *h, const h_proc_t *c)
{
    for (int i = 1; i <= 6; i++) {
        char id[16];
        (void)snprintf(id, sizeof id, "flip-%d", i);
        const h_result_t *r = h_agent(
            h, "push", "--collector", c->listen, "--project", "flip",
            "--branch", "main", "--commit", id, "--run-id", id, WAIT,
            i % 2 ? H_FIXTURE("failing.xml") : H_FIXTURE("passing.xml"),
            NULL);
        assert_int_equal(r->status, i % 2 ? 1 : 0);
        (void)h_wait_verdict(h, c, id, 20000); /* the final one, in order */
    }
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "flip", "--branch",
        "topic", "--commit", "flip-t", "--run-id", "flip-topic", WAIT,
        H_FIXTURE("failing.xml"), NULL);
    assert_int_equal(r->status, 1);
    const sl_pb_run_t *run = h_run_get(h, c, "flip-topic");
    const Sluice__V1__Reason *x = find_reason(run->verdict, "tests.flaky");
    assert_non_null(x);
    assert_string_equal(x->subject, "demo.queue.test_queue.test_fifo_order");
    h_assert_contains(x->message, "flips between pass and fail in 100% of");
    assert_null(find_reason(run->verdict, "tests.failed"));
    assert_non_null(find_reason(run->verdict, "tests.errors"));
}

/* Not reruns: one run with the suite in two files (one passes the test,
 * one fails it), and another runner class passing on the same commit. */
static void
check_not_flaky(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "nf", "--branch",
        "topic", "--commit", "n1", "--run-id", "two-files", WAIT,
        H_FIXTURE("failing.xml"), H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 1);
    const sl_pb_run_t *run = h_run_get(h, c, "two-files");
    assert_null(find_reason(run->verdict, "tests.flaky"));
    assert_non_null(find_reason(run->verdict, "tests.failed"));
    r = h_agent(h, "push", "--collector", c->listen, "--project", "nf",
                "--branch", "topic", "--commit", "n2", "--runner", "linux",
                "--run-id", "on-linux", WAIT, H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
    r = h_agent(h, "push", "--collector", c->listen, "--project", "nf",
                "--branch", "topic", "--commit", "n2", "--runner", "windows",
                "--run-id", "on-windows", WAIT, H_FIXTURE("failing.xml"),
                NULL);
    assert_int_equal(r->status, 1);
    assert_null(find_reason(h_run_get(h, c, "on-windows")->verdict,
                            "tests.flaky"));
}

/* Project, branch and runner names of 200-250 bytes (the agent takes up to
 * 256): the gate's keys stay within LMDB's limit, the run is judged and
 * the gate goes on. */
static void
check_long_names(h_env_t *h, const h_proc_t *c)
{
    char project[201], branch[251], runner[101];
    memset(project, 'p', sizeof project - 1);
    project[sizeof project - 1] = '\0';
    memset(branch, 'b', sizeof branch - 1);
    branch[sizeof branch - 1] = '\0';
    memset(runner, 'r', sizeof runner - 1);
    runner[sizeof runner - 1] = '\0';
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", project,
        "--branch", branch, "--runner", runner, "--commit", "l1",
        "--run-id", "long-1", WAIT, H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
    r = h_agent(h, "push", "--collector", c->listen, "--project", "t",
                "--branch", "topic", "--commit", "l2", "--run-id", "after-long",
                WAIT, H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
}

/* --expect tests,coverage with only test results: incomplete, exit 1. */
static void
check_expect(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "t", "--branch",
        "topic", "--commit", "x1", "--run-id", "expect-1", "--expect",
        "tests,coverage", WAIT, H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 1);
    const sl_pb_run_t *run = h_run_get(h, c, "expect-1");
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE);
    const Sluice__V1__Reason *x = find_reason(run->verdict, "run.complete");
    assert_non_null(x);
    assert_string_equal(x->subject, "coverage");
    r = h_agent(h, "push", "--collector", c->listen, "--run-id", "expect-2",
                "--expect", "tests,nonsense", H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "unknown kind 'nonsense'");
}

static void
test_tests_rules(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gate));
    check_early(h, c);
    check_flaky(h, c);
    check_flips(h, c);
    check_not_flaky(h, c);
    check_long_names(h, c);
    check_expect(h, c);
    h_finish(h);
}

#define FIX SL_SOURCE_DIR "/tests/fixtures/"

static int
push_files(h_env_t *h, const h_proc_t *c, const char *run_id,
           const char *branch, const char *f1, const char *f2)
{
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "pol", "--branch",
        branch, "--commit", run_id, "--run-id", run_id, WAIT, f1, f2, NULL);
    return r->status;
}

/* Waits (deadline 20 s) until path holds text with needle. */
static char *
wait_for_text(const char *path, const char *needle)
{
    for (int i = 0; i < 400; i++) {
        char *t = access(path, R_OK) == 0 ? h_read(path) : NULL;
        if (t != NULL && strstr(t, needle) != NULL) {
            return t;
        }
        free(t);
        struct timespec ts = {0, 50 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
    }
    fail_msg("%s never held '%s'", path, needle);
    return NULL;
}

/* A policy file turns on what the defaults leave off: branch coverage, the
 * drop against the baseline, only new findings counted, Welch's t-test for
 * "work", and an alert command. */
static void
test_policy_rules(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gate[H_PATH], policy[H_PATH], alerts[H_PATH];
    h_path(h, "alerts.jsonl", alerts);
    FILE *f = fopen(h_path(h, "sluice.yml", policy), "w");
    assert_non_null(f);
    fprintf(f, "defaults:\n"
               "  min_coverage: 0\n"
               "  min_branch_coverage: 40\n"
               "  max_coverage_drop: 2\n"
               "  min_patch_coverage: 60\n"
               "  max_critical_vulns: 1\n"
               "  count_findings: new\n"
               "  max_medium_vulns: unlimited\n"
               "  alert_command: \"cat >> %s\"\n"
               "  benchmarks:\n"
               "    - match: work\n"
               "      method: welch\n",
            alerts);
    assert_int_equal(fclose(f), 0);
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start_args(h, c, h_path(h, "gate", gate), "--policy",
                            policy, NULL);

    /* main-1: coverage 75% lines, 70% branches, a clang scan (2 medium);
     * main-2 the same coverage and flawfinder's 4 high findings, all new
     * against main-1's scan: a fail, and a new_finding alert delivered to
     * the command */
    const char *lcov = FIX "lcov/geninfo.info";
    const char *sarif = FIX "sarif/flawfinder.sarif";
    assert_int_equal(push_files(h, c, "p-main-1", "main", lcov,
                                FIX "sarif/clang.sarif"),
                     0);
    assert_int_equal(push_files(h, c, "p-main-2", "main", lcov, sarif), 1);
    const Sluice__V1__Reason *x =
        find_reason(h_run_get(h, c, "p-main-2")->verdict, "findings.high");
    assert_non_null(x);
    h_assert_contains(x->message, "4 new high finding(s)");
    char *t = wait_for_text(alerts, "\"kind\":\"new_finding\"");
    h_assert_contains(t, "\"run_id\":\"p-main-2\"");
    assert_int_equal(t[strlen(t) - 1], '\n'); /* one alert per line */
    free(t);

    /* the same findings on a topic branch: none new, a pass */
    assert_int_equal(push_files(h, c, "p-topic-sec", "topic", sarif, NULL),
                     0);
    assert_int_equal(h_run_get(h, c, "p-topic-sec")->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);

    /* gcovr: lines 65.5% (main-2: 75%, a drop of 9.5 points), branches
     * 37.5% < 40% */
    assert_int_equal(push_files(h, c, "p-topic-cov", "topic",
                                FIX "cobertura/gcovr.xml", NULL),
                     1);
    const sl_pb_verdict_t *v = h_run_get(h, c, "p-topic-cov")->verdict;
    x = find_reason(v, "coverage.branch");
    assert_non_null(x);
    assert_true(x->value == 37.5);
    x = find_reason(v, "coverage.drop");
    assert_non_null(x);
    assert_true(x->baseline == 75.0);
    h_assert_contains(x->message, "run p-main-2");
    assert_null(find_reason(v, "coverage.patch")); /* no diff: not judged */

    /* with --diff (a git diff of gcovr's own sources): 5 of the 10
     * coverable added lines are covered, 50% < 60% */
    const h_result_t *pr = h_agent(
        h, "push", "--collector", c->listen, "--project", "pol", "--branch",
        "topic", "--commit", "p-topic-patch", "--run-id", "p-topic-patch",
        "--diff", FIX "diff/patch.diff", WAIT, FIX "cobertura/gcovr.xml",
        NULL);
    assert_int_equal(pr->status, 1);
    x = find_reason(h_run_get(h, c, "p-topic-patch")->verdict,
                    "coverage.patch");
    assert_non_null(x);
    assert_true(x->value == 50.0);
    assert_true(x->threshold == 60.0);
    /* the verdict keeps the thresholds it was judged with */
    const char *snap = h_run_get(h, c, "p-topic-patch")->verdict->policy;
    h_assert_contains(snap, "  min_patch_coverage: 60\n");
    h_assert_contains(snap, "  count_findings: new\n");

    /* two critical results with one fingerprint (same rule, file and
     * message: the line is not part of it) are one new critical finding:
     * within max_critical_vulns 1, no early fail, a pass */
    char crit[H_PATH];
    FILE *cf = fopen(h_path(h, "crit.sarif", crit), "w");
    assert_non_null(cf);
    fputs("{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": "
          "{\"name\": \"t\", \"rules\": [{\"id\": \"R1\", \"properties\": "
          "{\"security-severity\": \"9.5\"}}]}}, \"results\": ["
          "{\"ruleId\": \"R1\", \"message\": {\"text\": \"bad\"}, "
          "\"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
          "{\"uri\": \"a.c\"}, \"region\": {\"startLine\": 3}}}]}, "
          "{\"ruleId\": \"R1\", \"message\": {\"text\": \"bad\"}, "
          "\"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
          "{\"uri\": \"a.c\"}, \"region\": {\"startLine\": 9}}}]}]}]}\n",
          cf);
    assert_int_equal(fclose(cf), 0);
    assert_int_equal(push_files(h, c, "p-topic-crit", "topic", crit, NULL),
                     0);
    const sl_pb_run_t *cr = h_wait_verdict(h, c, "p-topic-crit", 20000);
    assert_int_equal(cr->findings->critical, 2);
    assert_null(cr->early_verdict);
    assert_int_equal(cr->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);

    /* Welch: three main runs at 10 ms (10 samples each), a topic run at
     * 11 ms: +10%, t and p in the reason */
    char file[H_PATH];
    for (int i = 3; i <= 5; i++) {
        char id[16], name[32];
        (void)snprintf(id, sizeof id, "p-main-%d", i);
        (void)snprintf(name, sizeof name, "%s.json", id);
        hyperfine(h, name, 0.010, file);
        assert_int_equal(push_files(h, c, id, "main", file, NULL), 0);
    }
    hyperfine(h, "p-topic-perf.json", 0.011, file);
    assert_int_equal(push_files(h, c, "p-topic-perf", "topic", file, NULL),
                     1);
    x = find_reason(h_run_get(h, c, "p-topic-perf")->verdict,
                    "bench.regression");
    assert_non_null(x);
    assert_string_equal(x->method, "welch");
    assert_string_equal(x->statistic, "t");
    assert_true(x->statistic_value > 5);
    assert_true(x->p_value < 0.001);
    assert_int_equal(x->baseline_n, 3);
    assert_true(x->change_pct > 9.9 && x->change_pct < 10.1);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_benchmarks, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_tests_rules, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_rules, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
