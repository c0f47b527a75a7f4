/* Scenario: promise 3 and "every verdict exactly once". A run finished
 * while the gate is down is judged when it comes back (it catches up from
 * its checkpoint), and further restarts never judge it again. */
#include <string.h>

#include "harness.h"

#define WAIT_MS        20000u
/* meta, begin, 6 tests, end, finish, and two verdicts: the early one
 * (a failed test on main, a protected branch) and the final one */
#define FAILING_EVENTS 12

static void
check_one_verdict(h_env_t *h, const h_proc_t *c, const char *run_id)
{
    h_events_t ev;
    h_events(h, c, run_id, &ev);
    assert_int_equal(ev.undecodable, 0);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_VERDICT], 2);
    assert_int_equal(ev.n, FAILING_EVENTS);
}

/* gate-1 (finished, failing) is pushed while no gate runs: it is stored
 * and waits without a verdict. */
static void
push_while_gate_down(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                "--branch", "main", "--commit", "c0ffee", "--run-id", "gate-1",
                H_FIXTURE("failing.xml"), NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->out, "run gate-1: 1 file(s), 10 event(s) newly "
                                "stored, finished\n");
    const sl_pb_run_t *run = h_run_get(h, c, "gate-1");
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING);
}

/* gate-1 as judged: fail for both reasons, its early and final verdicts
 * once each in the log. */
static void
check_judged(h_env_t *h, const h_proc_t *c, const sl_pb_run_t *run)
{
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(run->verdict->n_reasons, 2);
    assert_non_null(run->early_verdict);
    assert_int_equal(run->early_verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    h_assert_tests(run, 6, 3, 1, 1, 1);
    assert_int_equal(run->events, FAILING_EVENTS);
    check_one_verdict(h, c, "gate-1"); /* a new query: run is gone now */
}

static void
test_gate_restart(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    h_proc_t *g = h_gate_start(h, c, h_path(h, "gate", gstate));
    h_stop(h, g);
    push_while_gate_down(h, c);

    g = h_gate_start(h, c, gstate);
    check_judged(h, c, h_wait_verdict(h, c, "gate-1", WAIT_MS));
    h_stop(h, g);

    (void)h_gate_start(h, c, gstate);
    /* A verdict for a later run shows the gate has read past gate-1. */
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                "--branch", "main", "--commit", "c0ffee2", "--run-id", "gate-2",
                "--wait=20", H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "\nverdict: pass");
    check_judged(h, c, h_run_get(h, c, "gate-1"));
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gate_restart, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
