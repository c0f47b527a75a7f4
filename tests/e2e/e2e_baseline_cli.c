/* Scenario: the baseline commands of `sluice` against a real collector.
 * `baseline pin` stores a BaselinePin event in the control run
 * baseline/<project> (its record then holds the pin), `unpin` another,
 * and a pin of an unknown or unfinished run is refused with exit status 2
 * and nothing stored; a pin whose seq another pin took is sent again at
 * the next seq. `baseline check` prints the figures of a verdict
 * stored in the log exactly as the gate stores one. `baseline report` and
 * `bench NAME` read runs pushed by sluice-agent (a real benchmark fixture,
 * and a BMF file written here whose level moves after run 10): the change
 * point is named at run 11 with its commit. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- two pinners at once ---------------------------------------------------
 */

/* A collector that answers as one would when another pin takes the seq
 * this one picked: the first batch is acked with stored 0 (seq 2 was
 * stored by someone else), the second, at the next seq, stored. It serves
 * one `sluice baseline pin main-1` exactly (5 requests). Runs in a thread:
 * no cmocka calls here, what it saw is checked after the join. */
typedef struct racer {
    zsock_t *router;
    uint64_t seqs[2]; /* first_seq of each batch */
    char pin_run[2][32];
    int batches, requests, bad;
} racer_t;

static sl_pb_run_t *
racer_record(const char *run_id, uint64_t high)
{
    sl_pb_run_t *r = sl_run_new(run_id);
    if (r == NULL) {
        return NULL;
    }
    if (strcmp(run_id, "main-1") == 0) {
        /* project is protobuf-c's shared empty string, which
         * sl_run_free leaves alone: replaced, not freed. */
        r->meta->project = strdup("demo");
        r->state = SLUICE__V1__RUN_STATE__RUN_FINISHED;
        r->finished_us = 1795000000000000;
    } else if (sl_run_set_high_seq(r, SL_STREAM_CONTROL, high) != SL_OK) {
        sl_run_free(&r);
    }
    return r;
}

/* The reply to req; *high is the control stream's high seq. */
static zframe_t *
racer_reply(racer_t *rc, const sl_pb_request_t *req, uint64_t *high)
{
    sl_pb_reply_t rep;
    Sluice__V1__Ack ack;
    sl_pb_run_t *run = NULL;
    sluice__v1__reply__init(&rep);
    sluice__v1__ack__init(&ack);
    rep.id = req->id;
    if (req->kind_case == SLUICE__V1__REQUEST__KIND_GET_RUN) {
        run = racer_record(req->get_run->run_id, *high);
        rep.kind_case = SLUICE__V1__REPLY__KIND_RUN;
        rep.run = run;
    } else if (req->kind_case == SLUICE__V1__REQUEST__KIND_BATCH &&
               rc->batches < 2 && req->batch->n_events == 1 &&
               req->batch->events[0]->body_case ==
                   SLUICE__V1__EVENT__BODY_PIN) {
        const sl_pb_batch_t *b = req->batch;
        rc->seqs[rc->batches] = b->first_seq;
        (void)snprintf(rc->pin_run[rc->batches], 32, "%s",
                       b->events[0]->pin->run_id);
        ack.stored = rc->batches++ == 0 ? 0 : 1; /* the first loses */
        *high = b->first_seq;
        ack.run_id = b->run_id;
        ack.stream = b->stream;
        ack.high_seq = *high;
        rep.kind_case = SLUICE__V1__REPLY__KIND_ACK;
        rep.ack = &ack;
    } else {
        rc->bad++;
    }
    zframe_t *f = rep.kind_case != 0 ? sl_wire_frame(&rep.base) : NULL;
    sl_run_free(&run);
    return f;
}

static void *
racer_serve(void *arg)
{
    racer_t *rc = arg;
    uint64_t high = 1; /* one pin stored before */
    for (; rc->requests < 5; rc->requests++) {
        zmsg_t *m = zmsg_recv(rc->router);
        zframe_t *id = m ? zmsg_pop(m) : NULL, *body = m ? zmsg_pop(m) : NULL;
        sl_pb_request_t *req = NULL;
        zframe_t *out = NULL;
        if (body != NULL &&
            sl_wire_unpack(&sluice__v1__request__descriptor, zframe_data(body),
                           zframe_size(body), (void **)&req, NULL) == SL_OK) {
            out = racer_reply(rc, req, &high);
        }
        if (out == NULL || zframe_send(&id, rc->router, ZFRAME_MORE) != 0 ||
            zframe_send(&out, rc->router, 0) != 0) {
            rc->bad++;
        }
        sl_wire_free(&req);
        zframe_destroy(&id);
        zframe_destroy(&body);
        zframe_destroy(&out);
        zmsg_destroy(&m);
        if (rc->bad) {
            break;
        }
    }
    return NULL;
}

/* The seq a pin picked was taken: it reads the record again and is stored
 * at the next seq. */
static void
test_pin_race(void **state)
{
    h_env_t *h = *state;
    racer_t rc = {0};
    pthread_t t;
    rc.router = zsock_new_router("@tcp://127.0.0.1:*");
    assert_non_null(rc.router);
    zsock_set_rcvtimeo(rc.router, 30000);
    char ep[H_EP];
    (void)snprintf(ep, sizeof ep, "%s", zsock_endpoint(rc.router));
    assert_int_equal(pthread_create(&t, NULL, racer_serve, &rc), 0);
    const h_result_t *r =
        h_cli(h, "baseline", "pin", "--collector", ep, "main-1", NULL);
    assert_int_equal(pthread_join(t, NULL), 0);
    zsock_destroy(&rc.router);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    h_assert_contains(r->out, "stored as event 3 of baseline/demo\n");
    assert_int_equal(rc.bad, 0);
    assert_int_equal(rc.requests, 5);
    assert_int_equal(rc.batches, 2);
    assert_true(rc.seqs[0] == 2 && rc.seqs[1] == 3);
    assert_string_equal(rc.pin_run[0], "main-1");
    assert_string_equal(rc.pin_run[1], "main-1");
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

/* ---- report and bench ------------------------------------------------------
 */

/* Run i's value of "parse" (latency, ns): a level of 100, then 150 from
 * run 11, with a little deterministic noise. */
static double
shift_value(int i)
{
    return (i <= 10 ? 100.0 : 150.0) + 0.5 * (double)((i * 7) % 5 - 2);
}

static void
write_bmf(h_env_t *h, int i, char *path)
{
    char name[32];
    (void)snprintf(name, sizeof name, "bmf-%d.json", i);
    FILE *f = fopen(h_path(h, name, path), "w");
    assert_non_null(f);
    assert_true(fprintf(f, "{\"parse\": {\"latency\": {\"value\": %.17g}}}\n",
                        shift_value(i)) > 0);
    assert_int_equal(fclose(f), 0);
}

static void
push_shift(h_env_t *h, const h_proc_t *c)
{
    for (int i = 1; i <= SHIFT_RUNS; i++) {
        char path[H_PATH], commit[48], run_id[32];
        write_bmf(h, i, path);
        (void)snprintf(commit, sizeof commit, "c%02dabcdef0123456789", i);
        (void)snprintf(run_id, sizeof run_id, "shift-%d", i);
        push(h, c, "shift", "main", commit, run_id, path,
             BENCH_FIXTURE("hyperfine.json"));
    }
}

/* A run of another branch whose verdict flags parse (and something else,
 * which bench leaves out). */
static void
flag_parse(h_env_t *h, const h_proc_t *c)
{
    char path[H_PATH];
    write_bmf(h, 99, path);
    push(h, c, "shift", "feature", "fe11", "pr-flag", path, NULL);
    Sluice__V1__Reason bench, tests, other,
        *reasons[3] = {&bench, &tests, &other};
    reasons_init(&bench, &tests, "parse [latency]");
    reasons_init(&other, &tests, "parser");
    sl_pb_verdict_t v;
    sluice__v1__verdict__init(&v);
    v.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    v.n_reasons = 3;
    v.reasons = reasons;
    store_verdict(c, "pr-flag", SL_STREAM_VERDICT, &v);
}

static size_t
count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p != NULL;
         p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void
check_report(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_cli(h, "baseline", "report", "--collector",
                                c->listen, "--project", "shift", NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    h_assert_contains(r->out, "# Benchmark trends on `main`\n");
    h_assert_contains(r->out, "## Project `shift`\n\nThe newest 20 finished "
                              "run(s) of `main` (at most 30), oldest "
                              "first.\n");
    h_assert_contains(r->out, "### `parse` [`latency`] (`ns`, lower is "
                              "better)\n\n| run        | commit       | ");
    h_assert_contains(r->out, "| `shift-1`  | `c01abcdef0` | ");
    h_assert_contains(r->out, "|   100 |    - |       - |      - |\n");
    h_assert_contains(r->out, "|   150 |    - |       - | +51.5% |\n");
    h_assert_contains(r->out, "Change points: 1.\n\n- at run `shift-11` "
                              "(commit `c11abcdef0`, ");
    h_assert_contains(r->out, "): level 100 → 150 (+50.0%, worse)\n");
    h_assert_contains(r->out, "Summary: 100 → 149 ns (+49.0%, worse) over "
                              "20 run(s).\n");
    /* hyperfine's benchmarks are the same in every run: none changes. */
    h_assert_contains(r->out, "### `sleep 10ms` (`s`, lower is better)");
    assert_int_equal(count(r->out, "\n### "), 3);
    assert_int_equal(count(r->out, "Change points: none.\n"), 2);
    assert_int_equal(count(r->out, "Change points: 1.\n"), 1);

    /* The last 5 runs: one level, too short to split. */
    r = h_cli(h, "baseline", "report", "--collector", c->listen, "--last", "5",
              NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "The newest 5 finished run(s) of `main` (at "
                              "most 5)");
    assert_null(strstr(r->out, "`shift-15`"));
    h_assert_contains(r->out, "| `shift-16` |");
    assert_null(strstr(r->out, "Change points: 1."));

    r = h_cli(h, "baseline", "report", "--collector", c->listen, "--project",
              "nobody", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "sluice baseline report: no finished run of "
                                "branch 'main' in project 'nobody'\n");
}

static void
check_bench_text(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r = h_cli(h, "bench", "--collector", c->listen,
                                "--project", "shift", "parse", NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    h_assert_contains(r->out, "benchmark: parse [latency]\nproject:   shift\n"
                              "branch:    main, 20 run(s) (at most 30)\n"
                              "unit:      ns, lower is better\n\n"
                              "RUN       COMMIT      FINISHED              "
                              "VALUE  UNIT  N\nshift-1   c01abcdef0  ");
    h_assert_contains(r->out, "shift-20  c20abcdef0  ");
    h_assert_contains(r->out, "): mean ± 2 sd of the last 10 value(s)\n"
                              "change points: 1\n  shift-11  commit "
                              "c11abcdef0  ");
    h_assert_contains(r->out, "level 100 → 150 (+50.0%)\n\n"
                              "flagged by verdicts: 1 run(s)\n"
                              "  pr-flag  project shift, branch feature: "
                              "verdict fail\n");
    h_assert_contains(r->out, "    fail    bench.regression  parse [latency]");
    assert_null(strstr(r->out, "parser"));
    assert_null(strstr(r->out, "tests.failed"));

    r = h_cli(h, "bench", "--collector", c->listen, "--project", "shift",
              "nope", NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "sluice bench: no benchmark 'nope' in the "
                                "finished runs of branch 'main' of project "
                                "'shift'\n");
}

static void
check_bench_json(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r =
        h_cli(h, "bench", "--collector", c->listen, "--json", "parse", NULL);
    assert_int_equal(r->status, 0);
    yajl_val j = h_json(h, r->out);
    yajl_val series = h_json_array(j, H_JPATH("series"), 1);
    yajl_val s = series->u.array.values[0];
    assert_string_equal(h_json_str(s, H_JPATH("measure")), "latency");
    yajl_val pts = h_json_array(s, H_JPATH("points"), SHIFT_RUNS);
    for (int i = 0; i < SHIFT_RUNS; i++) {
        yajl_val p = pts->u.array.values[i];
        char want[32];
        (void)snprintf(want, sizeof want, "shift-%d", i + 1);
        assert_string_equal(h_json_str(p, H_JPATH("run_id")), want);
        assert_true(h_json_num(p, H_JPATH("value")) == shift_value(i + 1));
    }
    yajl_val cps = h_json_array(s, H_JPATH("change_points"), 1);
    yajl_val cp = cps->u.array.values[0];
    assert_int_equal(h_json_int(cp, H_JPATH("index")), 10);
    assert_string_equal(h_json_str(cp, H_JPATH("run_id")), "shift-11");
    assert_string_equal(h_json_str(cp, H_JPATH("commit")),
                        "c11abcdef0123456789");
    double mean = 0, var = 0;
    for (int i = 11; i <= 20; i++) {
        mean += shift_value(i) / 10;
    }
    for (int i = 11; i <= 20; i++) {
        var += (shift_value(i) - mean) * (shift_value(i) - mean) / 9;
    }
    assert_int_equal(h_json_int(s, H_JPATH("band", "n")), 10);
    assert_true(fabs(h_json_num(s, H_JPATH("band", "mean")) - mean) < 1e-9);
    assert_true(fabs(h_json_num(s, H_JPATH("band", "sd")) - sqrt(var)) < 1e-9);
    yajl_val fl = h_json_array(j, H_JPATH("flagged"), 1);
    assert_string_equal(h_json_str(fl->u.array.values[0], H_JPATH("run_id")),
                        "pr-flag");
    (void)h_json_array(fl->u.array.values[0], H_JPATH("verdict", "reasons"), 1);
}

static void
test_report_bench(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    push_shift(h, c);
    flag_parse(h, c);
    check_report(h, c);
    check_bench_text(h, c);
    check_bench_json(h, c);
    h_finish(h);
}

/* A value the statistics refuse (1e150, over their 1e100): the series is
 * still shown, its change points and band are "not computed", and the
 * command succeeds. */
static void
test_out_of_range(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], path[H_PATH], run_id[16];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    for (int i = 1; i <= 6; i++) {
        FILE *f = fopen(h_path(h, "huge.json", path), "w");
        assert_non_null(f);
        assert_true(fprintf(f, "{\"huge\": {\"latency\": {\"value\": %s}}}\n",
                            i < 6 ? "1" : "1e150") > 0);
        assert_int_equal(fclose(f), 0);
        (void)snprintf(run_id, sizeof run_id, "huge-%d", i);
        push(h, c, "huge", "main", "c0", run_id, path, NULL);
    }
    const h_result_t *r = h_cli(h, "baseline", "report", "--collector",
                                c->listen, "--project", "huge", NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "| `huge-6` | `c0`   | ");
    h_assert_contains(r->out, "| 1e+150 |    - |       - | +1e+152% |\n");
    h_assert_contains(r->out, "Change points: not computed (a value is out "
                              "of the range the statistics take).\n");
    h_assert_contains(r->out, "Summary: 1 → 1e+150 ns (+1e+152%, worse) over "
                              "6 run(s).\n");
    r = h_cli(h, "bench", "--collector", c->listen, "huge", NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "band:      not computed (a value is out of the "
                              "range the statistics take)\nchange points: "
                              "not computed");
    r = h_cli(h, "bench", "--collector", c->listen, "--json", "huge", NULL);
    assert_int_equal(r->status, 0);
    yajl_val j = h_json(h, r->out);
    yajl_val s = h_json_array(j, H_JPATH("series"), 1)->u.array.values[0];
    (void)h_json_array(s, H_JPATH("points"), 6);
    assert_true(YAJL_IS_NULL(yajl_tree_get(s, H_JPATH("band"), yajl_t_any)));
    assert_true(
        YAJL_IS_NULL(yajl_tree_get(s, H_JPATH("change_points"), yajl_t_any)));
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pin_unpin, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_pin_race, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_check, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_report_bench, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
