/* Scenario: the agent's spool. With no collector the push keeps its
 * batches on disk and exits 3; once a collector listens there, `flush`
 * sends them, empties the spool, and the run is stored whole. */
#include <string.h>

#include "harness.h"

static void
test_spool(void **state)
{
    h_env_t *h = *state;
    char ep[H_EP], spool[H_PATH], data[H_PATH];
    h_unused_endpoint(h, "collector.sock", ep, sizeof ep);
    (void)h_path(h, "agent-spool", spool);

    const h_result_t *r = h_agent(
        h, "push", "--collector", ep, "--project", "demo", "--branch", "main",
        "--commit", "c0ffee", "--run-id", "spool-1", "--timeout", "500ms",
        "--spool", spool, H_FIXTURE("pytest.xml"), NULL);
    assert_int_equal(r->status, 3);
    assert_string_equal(r->out, "");
    h_assert_contains(r->err, "unreachable");
    h_assert_contains(r->err, "spool-1");
    assert_int_equal(h_count_files(spool, ".spool"), 1);
    assert_int_equal(h_count_files(spool, ".tmp"), 0);

    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), ep);
    r = h_agent(h, "flush", "--collector", ep, "--spool", spool, NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    assert_string_equal(r->out,
                        "1 spool file(s) sent, 11 event(s) newly stored\n");
    assert_int_equal(h_count_files(spool, ".spool"), 0);
    assert_int_equal(h_count_files(spool, ".tmp"), 0);

    const sl_pb_run_t *run = h_run_get(h, c, "spool-1");
    h_assert_tests(run, 7, 4, 1, 1, 1);
    assert_int_equal(run->state, SLUICE__V1__RUN_STATE__RUN_FINISHED);
    assert_int_equal(run->events, 11);
    assert_string_equal(run->meta->project, "demo");
    h_events_t ev;
    h_events(h, c, "spool-1", &ev);
    assert_int_equal(ev.n, 11);
    assert_int_equal(ev.head_lsn, 11);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spool, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
