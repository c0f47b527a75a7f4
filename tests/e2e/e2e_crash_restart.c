/* Scenario: promise 1, "nothing acknowledged is ever lost". Runs pushed
 * (an exit status 0 means every batch was acknowledged, i.e. committed)
 * survive a kill -9 of the collector; the restarted collector serves them
 * unchanged, still deduplicates against them, and appends after them. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

typedef struct pushed {
    const char *run_id, *file;
    uint64_t tests[5]; /* total, passed, failed, errors, skipped */
    uint64_t events;   /* meta, begin, tests, end, finish */
} pushed_t;

static const pushed_t runs[] = {
    {"crash-1", H_FIXTURE("pytest.xml"), {7, 4, 1, 1, 1}, 11},
    {"crash-2", H_FIXTURE("ctest.xml"), {4, 3, 1, 0, 0}, 8},
    {"crash-3", H_FIXTURE("passing.xml"), {5, 5, 0, 0, 0}, 9},
};
#define NRUNS (sizeof runs / sizeof runs[0])

/* Pushes one run (no gate, no --wait) and checks the agent's report of
 * how many events were newly stored. */
static void
push(h_env_t *h, const h_proc_t *c, const pushed_t *p, uint64_t stored)
{
    char want[256];
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "demo", "--branch",
        "main", "--commit", "c0ffee", "--run-id", p->run_id, p->file, NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    int n = snprintf(want, sizeof want,
                     "run %s: 1 file(s), %llu event(s) newly stored, "
                     "finished\n",
                     p->run_id, (unsigned long long)stored);
    assert_true(n > 0 && (size_t)n < sizeof want);
    assert_string_equal(r->out, want);
}

static void
check_run(h_env_t *h, const h_proc_t *c, const pushed_t *p)
{
    const sl_pb_run_t *run = h_run_get(h, c, p->run_id);
    h_assert_tests(run, p->tests[0], p->tests[1], p->tests[2], p->tests[3],
                   p->tests[4]);
    assert_int_equal(run->state, SLUICE__V1__RUN_STATE__RUN_FINISHED);
    assert_int_equal(run->events, p->events);
    assert_string_equal(run->meta->project, "demo");
    assert_int_equal(run->n_artifacts, 1);
    assert_string_equal(run->artifacts[0]->path, p->file);
    assert_true(run->artifacts[0]->complete);
}

/* The run's events as stored: all of them, in one contiguous LSN range
 * (each push here is alone on the collector). */
static void
check_events(h_env_t *h, const h_proc_t *c, const pushed_t *p, h_events_t *ev)
{
    h_events(h, c, p->run_id, ev);
    assert_int_equal(ev->n, p->events);
    assert_int_equal(ev->last_lsn - ev->first_lsn + 1, p->events);
    assert_true(ev->ascending);
    assert_int_equal(ev->undecodable, 0);
    assert_int_equal(ev->foreign, 0);
    assert_int_equal(ev->by_body[SLUICE__V1__EVENT__BODY_META], 1);
    assert_int_equal(ev->by_body[SLUICE__V1__EVENT__BODY_TEST], p->tests[0]);
    assert_int_equal(ev->by_body[SLUICE__V1__EVENT__BODY_FINISH], 1);
}

static void
test_crash_restart(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_events_t before[NRUNS], after;
    uint64_t head = 0;
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    for (size_t i = 0; i < NRUNS; i++) {
        push(h, c, &runs[i], runs[i].events);
        check_events(h, c, &runs[i], &before[i]);
        head += runs[i].events;
    }
    assert_int_equal(before[NRUNS - 1].head_lsn, head); /* LSNs from 1 */
    h_crash(h, c);

    c = h_collector_start(h, data, NULL);
    for (size_t i = 0; i < NRUNS; i++) {
        check_run(h, c, &runs[i]);
        check_events(h, c, &runs[i], &after);
        assert_int_equal(after.first_lsn, before[i].first_lsn);
        assert_int_equal(after.last_lsn, before[i].last_lsn);
        assert_int_equal(after.head_lsn, head);
    }
    /* The same file again: everything is a duplicate, also after a crash. */
    push(h, c, &runs[0], 0);
    static const pushed_t more = {
        "crash-4", H_FIXTURE("failing.xml"), {6, 3, 1, 1, 1}, 10};
    push(h, c, &more, more.events);
    check_run(h, c, &more);
    check_events(h, c, &more, &after);
    assert_int_equal(after.first_lsn, head + 1);
    assert_int_equal(after.head_lsn, head + more.events);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crash_restart, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
