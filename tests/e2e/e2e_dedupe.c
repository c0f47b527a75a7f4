/* Scenario: promise 2, "nothing is stored twice". Pushing the same file
 * again under the same run id (a re-run CI step) stores nothing and is
 * still acknowledged; the same file under another run id is that run's. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define PYTEST_EVENTS 11 /* meta, begin, 7 tests, end, finish */

static void
push(h_env_t *h, const h_proc_t *c, const char *run_id, int stored)
{
    char want[256];
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                "--branch", "main", "--commit", "c0ffee", "--run-id", run_id,
                H_FIXTURE("pytest.xml"), NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    int n = snprintf(want, sizeof want,
                     "run %s: 1 file(s), %d event(s) newly stored, "
                     "finished\n",
                     run_id, stored);
    assert_true(n > 0 && (size_t)n < sizeof want);
    assert_string_equal(r->out, want);
}

static void
check_run(h_env_t *h, const h_proc_t *c, const char *run_id)
{
    const sl_pb_run_t *run = h_run_get(h, c, run_id);
    h_assert_tests(run, 7, 4, 1, 1, 1);
    assert_int_equal(run->events, PYTEST_EVENTS);
    assert_int_equal(run->n_artifacts, 1);
}

static void
test_dedupe(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_events_t first, again, other;
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);

    push(h, c, "dup-1", PYTEST_EVENTS);
    h_events(h, c, "dup-1", &first);
    assert_int_equal(first.n, PYTEST_EVENTS);
    assert_int_equal(first.head_lsn, PYTEST_EVENTS);

    push(h, c, "dup-1", 0);
    check_run(h, c, "dup-1");
    h_events(h, c, "dup-1", &again);
    assert_int_equal(again.n, PYTEST_EVENTS);
    assert_int_equal(again.first_lsn, first.first_lsn);
    assert_int_equal(again.last_lsn, first.last_lsn);
    assert_int_equal(again.head_lsn, first.head_lsn); /* log unchanged */

    push(h, c, "dup-2", PYTEST_EVENTS);
    check_run(h, c, "dup-2");
    h_events(h, c, "dup-2", &other);
    assert_int_equal(other.n, PYTEST_EVENTS);
    assert_int_equal(other.first_lsn, first.head_lsn + 1);
    assert_int_equal(other.head_lsn, 2 * PYTEST_EVENTS);
    check_run(h, c, "dup-1"); /* untouched by dup-2 */
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dedupe, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
