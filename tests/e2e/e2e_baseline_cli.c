/* Scenario: the baseline commands of `sluice` against a real collector.
 * `baseline pin` stores a BaselinePin event in the control run
 * baseline/<project> (its record then holds the pin), `unpin` another,
 * and a pin of an unknown or unfinished run is refused with exit status 2
 * and nothing stored. `baseline check` prints the figures of a verdict
 * stored in the log exactly as the gate stores one. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "sluice/batch.h"
#include "sluice/run.h"

#define BENCH_FIXTURE(name) SL_SOURCE_DIR "/tests/fixtures/bench/" name
#define SHIFT_RUNS          20
/* A string literal as the char * protobuf-c fields are. */
#define S(lit)                                                                 \
    ((char *)(uintptr_t)(lit)) /* runs 1..10 near 100 ns, 11..20 near 150 ns   \
                                */

static void
push(h_env_t *h, const h_proc_t *c, const char *project, const char *branch,
     const char *commit, const char *run_id, const char *file,
     const char *file2)
{
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", project, "--branch",
        branch, "--commit", commit, "--run-id", run_id, file, file2, NULL);
    if (r->status != 0) {
        print_error("push %s: status %d\n%s%s", run_id, r->status, r->out,
                    r->err);
    }
    assert_int_equal(r->status, 0);
}

/* ---- pins -------------------------------------------------------------- */

typedef struct pins {
    size_t n;
    char run_id[4][64];
    char runner[4][64];
    uint64_t seq[4];
} pins_t;

static void
collect_pin(const sl_pb_event_t *e, uint64_t lsn, void *ctx)
{
    pins_t *p = ctx;
    (void)lsn;
    if (e->body_case != SLUICE__V1__EVENT__BODY_PIN || p->n >= 4) {
        return;
    }
    assert_int_equal(e->stream, SL_STREAM_CONTROL);
    (void)snprintf(p->run_id[p->n], 64, "%s", e->pin->run_id);
    (void)snprintf(p->runner[p->n], 64, "%s", e->pin->runner);
    p->seq[p->n++] = e->seq;
}

/* The pin events of the control run, and every event it has. */
static void
read_pins(h_env_t *h, const h_proc_t *c, const char *ctl, pins_t *p,
          h_events_t *ev)
{
    memset(p, 0, sizeof *p);
    h_events_each(h, c, ctl, ev, collect_pin, p);
}

/* Two pins of main-1 (any runner, then linux-x64): events 1 and 2. */
static void
pin_twice(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r =
        h_cli(h, "baseline", "pin", "--collector", c->listen, "main-1", NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    h_assert_contains(r->out, "pinned run main-1 as the baseline of project "
                              "demo (runner any)\n  branch main, commit "
                              "c0ffee1, finished ");
    h_assert_contains(r->out, "stored as event 1 of baseline/demo\n");
    const sl_pb_run_t *ctl = h_run_get(h, c, "baseline/demo");
    assert_non_null(ctl->pin);
    assert_string_equal(ctl->pin->project, "demo");
    assert_string_equal(ctl->pin->run_id, "main-1");
    assert_string_equal(ctl->pin->runner, "");

    r = h_cli(h, "baseline", "pin", "--collector", c->listen, "--runner",
              "linux-x64", "main-1", NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "(runner linux-x64)");
    h_assert_contains(r->out, "stored as event 2 of baseline/demo\n");
    ctl = h_run_get(h, c, "baseline/demo");
    assert_string_equal(ctl->pin->runner, "linux-x64");
    assert_int_equal(sl_run_high_seq(ctl, SL_STREAM_CONTROL), 2);
}

/* Unknown, unfinished: exit 2, why, and nothing stored. */
static void
pin_refused(h_env_t *h, const h_proc_t *c)
{
    pins_t p;
    h_events_t ev;
    const h_result_t *r =
        h_cli(h, "baseline", "pin", "--collector", c->listen, "nope", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "sluice: no such run 'nope'\n");
    r = h_cli(h, "baseline", "pin", "--collector", c->listen, "open-1", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "sluice baseline pin: run 'open-1' is not "
                                "finished (a baseline must be complete); "
                                "nothing pinned\n");
    read_pins(h, c, "baseline/demo", &p, &ev);
    assert_int_equal(ev.n, 2);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.run_id[0], "main-1");
    assert_string_equal(p.runner[1], "linux-x64");
    assert_true(p.seq[0] == 1 && p.seq[1] == 2);
}

static void
show_unpin(h_env_t *h, const h_proc_t *c)
{
    pins_t p;
    h_events_t ev;
    const h_result_t *r = h_cli(h, "baseline", "show", "--collector", c->listen,
                                "--project", "demo", NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "pinned:   main-1 (runner linux-x64)\n"
                              "history:  2 pin event(s)\n");
    h_assert_contains(r->out, "  pin     main-1  linux-x64\n");

    r = h_cli(h, "baseline", "unpin", "--collector", c->listen, "--project",
              "demo", NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, "unpinned project demo (runner any): back "
                                "to the rolling baseline\n  stored as event "
                                "3 of baseline/demo\n");
    const sl_pb_run_t *ctl = h_run_get(h, c, "baseline/demo");
    assert_string_equal(ctl->pin->run_id, "");
    read_pins(h, c, "baseline/demo", &p, &ev);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.run_id[2], "");
    assert_true(p.seq[2] == 3);

    r = h_cli(h, "baseline", "show", "--collector", c->listen, "--project",
              "demo", "--json", NULL);
    assert_int_equal(r->status, 0);
    yajl_val j = h_json(h, r->out);
    assert_true(YAJL_IS_NULL(yajl_tree_get(j, H_JPATH("pin"), yajl_t_any)));
    yajl_val hist = h_json_array(j, H_JPATH("history"), 3);
    assert_string_equal(h_json_str(hist->u.array.values[0], H_JPATH("run_id")),
                        "main-1");
    assert_string_equal(h_json_str(hist->u.array.values[2], H_JPATH("action")),
                        "unpin");
}

/* A project never pinned: nothing to unpin, nothing stored. */
static void
unpin_refused(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_cli(h, "baseline", "unpin", "--collector",
                                c->listen, "--project", "other", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "sluice baseline unpin: project 'other' was "
                                "never pinned; nothing to unpin\n");
    const sl_pb_run_t *none = NULL;
    sl_err_t err = {0};
    assert_int_equal(h_run_query(h, c, "baseline/other", &none, &err),
                     SL_ENOTFOUND);
    r = h_cli(h, "baseline", "unpin", "--collector", c->listen, NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "--project P is required");
}

static void
test_pin_unpin(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    push(h, c, "demo", "main", "c0ffee1", "main-1",
         BENCH_FIXTURE("gbench-reps.json"), NULL);
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "demo", "--run-id",
        "open-1", "--no-finish", BENCH_FIXTURE("hyperfine.json"), NULL);
    assert_int_equal(r->status, 0);
    pin_twice(h, c);
    pin_refused(h, c);
    show_unpin(h, c);
    unpin_refused(h, c);
    h_finish(h);
}

/* ---- a verdict stored as the gate stores one ----------------------------- */

/* Sends v as event 1 of stream (SL_STREAM_VERDICT or SL_STREAM_EARLY) of
 * run_id, as gate/gate_state.c send_verdict does, and waits for the ack. */
static void
store_verdict(const h_proc_t *c, const char *run_id, uint64_t stream,
              sl_pb_verdict_t *v)
{
    sl_client_t *cl = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_client_new(&cl, c->listen, &err), SL_OK);
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.seq = 1;
    ev.body_case = SLUICE__V1__EVENT__BODY_VERDICT;
    ev.verdict = v;
    sl_batch_t b;
    sl_batch_init(&b);
    assert_int_equal(sl_batch_add(&b, &ev), SL_OK);
    zframe_t *f =
        sl_batch_request(&b, sl_client_next_id(cl), run_id, stream, 1);
    assert_non_null(f);
    assert_int_equal(zframe_send(&f, sl_client_sock(cl), 0), 0);
    sl_pb_reply_t *rep = NULL;
    assert_int_equal(sl_client_recv(cl, 20000, &rep, &err), SL_OK);
    assert_int_equal(rep->kind_case, SLUICE__V1__REPLY__KIND_ACK);
    assert_int_equal(rep->ack->stored, 1);
    sl_wire_free(&rep);
    sl_batch_fini(&b);
    sl_client_destroy(&cl);
}

/* A benchmark reason with every figure, and a tests reason without a
 * baseline. */
static void
reasons_init(Sluice__V1__Reason *bench, Sluice__V1__Reason *tests,
             const char *subject)
{
    sluice__v1__reason__init(bench);
    bench->rule = S("bench.regression");
    bench->status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    bench->subject = (char *)(uintptr_t)subject;
    bench->unit = S("ns");
    bench->value = 150;
    bench->threshold = 10;
    bench->baseline = 100;
    bench->has_baseline = 1;
    bench->baseline_spread = 2;
    bench->baseline_n = 3;
    bench->change_pct = 50;
    bench->statistic = S("t");
    bench->statistic_value = 25.5;
    bench->p_value = 0.0001;
    bench->method = S("welch");
    bench->message = S("parse is 50.0% slower than the baseline");
    sluice__v1__reason__init(tests);
    tests->rule = S("tests.failed");
    tests->status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    tests->value = 1;
    tests->threshold = 0;
    tests->message = S("1 failed test(s) (maximum 0)");
}

/* A final verdict with a baseline and two reasons, and an early one. */
static void
store_pr_verdicts(const h_proc_t *c)
{
    Sluice__V1__Reason bench, tests, *reasons[2] = {&bench, &tests};
    reasons_init(&bench, &tests, "parse [latency]");
    char *runs[3] = {S("main-3"), S("main-2"), S("main-1")};
    char *rules[3] = {S("tests.failed"), S("coverage.line"),
                      S("bench.regression")};
    Sluice__V1__Baseline base;
    sluice__v1__baseline__init(&base);
    base.branch = S("main");
    base.n_run_ids = 3;
    base.run_ids = runs;
    base.commit = S("abc1234567890");
    base.finished_us = 1795000000000000; /* 2026-11-18T...Z */
    base.base_commit = S("abc1234567890");
    base.base_found = 1;
    base.runner = S("linux-x64");
    sl_pb_verdict_t v;
    sluice__v1__verdict__init(&v);
    v.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    v.decided_lsn = 7;
    v.n_reasons = 2;
    v.reasons = reasons;
    v.baseline = &base;
    v.n_rules_checked = 3;
    v.rules_checked = rules;
    store_verdict(c, "pr-1", SL_STREAM_VERDICT, &v);
    v.early = 1;
    v.n_reasons = 1;
    v.reasons = reasons + 1;
    v.baseline = NULL;
    v.decided_lsn = 5;
    store_verdict(c, "pr-1", SL_STREAM_EARLY, &v);
}

static void
check_text_out(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r =
        h_cli(h, "baseline", "check", "--collector", c->listen, "pr-1", NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    h_assert_contains(r->out, "run:           pr-1 (project demo, branch "
                              "feature, commit feedface)\n");
    h_assert_contains(r->out, "early verdict: fail (decided at LSN 5)\n"
                              "baseline:      none (nothing to compare "
                              "with)\n");
    h_assert_contains(r->out, "verdict:       fail (decided at LSN 7)\n"
                              "baseline:      branch main, 3 run(s)\n"
                              "  newest:      main-3 (commit abc1234567890, "
                              "finished 2026-11-18T");
    h_assert_contains(r->out, "  runs:        main-3, main-2, main-1\n"
                              "  runner:      linux-x64\n"
                              "  merge-base:  abc1234567890 (a baseline run "
                              "of it was found)\n"
                              "rules checked: 3\n"
                              "  tests.failed, coverage.line, "
                              "bench.regression\nreasons:       2\n");
    h_assert_contains(r->out, "  STATUS  RULE              SUBJECT          "
                              "THRESHOLD          BASELINE   VALUE  CHANGE  "
                              "METHOD  STATISTIC       P\n"
                              "  fail    bench.regression  parse [latency]  "
                              "       10  100 ± 2 ns (n 3)  150 ns  +50.0%  "
                              "welch   t 25.5     0.0001\n"
                              "  fail    tests.failed      -                "
                              "        0                 -       1       -  "
                              "-       -               -\n");
    h_assert_contains(r->out, "  bench.regression parse [latency]: parse is "
                              "50.0% slower than the baseline\n");
}

static void
check_json_out(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_cli(h, "baseline", "check", "--collector",
                                c->listen, "--json", "pr-1", NULL);
    assert_int_equal(r->status, 0);
    yajl_val j = h_json(h, r->out);
    assert_string_equal(h_json_str(j, H_JPATH("verdict", "status")), "fail");
    yajl_val ids =
        h_json_array(j, H_JPATH("verdict", "baseline", "run_ids"), 3);
    assert_string_equal(ids->u.array.values[0]->u.string, "main-3");
    assert_true(YAJL_IS_TRUE(yajl_tree_get(
        j, H_JPATH("verdict", "baseline", "base_found"), yajl_t_any)));
    yajl_val rs = h_json_array(j, H_JPATH("verdict", "reasons"), 2);
    yajl_val b0 = rs->u.array.values[0];
    assert_true(h_json_num(b0, H_JPATH("p_value")) == 0.0001);
    assert_true(h_json_num(b0, H_JPATH("baseline_spread")) == 2);
    assert_int_equal(h_json_int(b0, H_JPATH("baseline_n")), 3);
    assert_string_equal(h_json_str(b0, H_JPATH("method")), "welch");
    assert_true(YAJL_IS_NULL(
        yajl_tree_get(rs->u.array.values[1], H_JPATH("baseline"), yajl_t_any)));
    (void)h_json_array(j, H_JPATH("verdict", "rules_checked"), 3);
    assert_string_equal(h_json_str(j, H_JPATH("early_verdict", "status")),
                        "fail");
    assert_true(YAJL_IS_NULL(
        yajl_tree_get(j, H_JPATH("early_verdict", "baseline"), yajl_t_any)));
}

static void
test_check(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    push(h, c, "demo", "feature", "feedface", "pr-1", BENCH_FIXTURE("bmf.json"),
         NULL);
    const h_result_t *r =
        h_cli(h, "baseline", "check", "--collector", c->listen, "pr-1", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "sluice baseline check: run 'pr-1' has no "
                                "verdict yet (finished): the gate has not "
                                "judged it\n");
    store_pr_verdicts(c);
    check_text_out(h, c);
    check_json_out(h, c);
    r = h_cli(h, "baseline", "check", "--collector", c->listen, "nope", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "sluice: no such run 'nope'\n");
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pin_unpin, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_check, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
