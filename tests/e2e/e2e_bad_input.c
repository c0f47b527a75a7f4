/* Scenario: "bad input never crashes anything and never half-stores". A
 * hostile or broken file is refused by the agent with its path and
 * line:column and exit status 2, and nothing of the push is stored: not
 * even the good files pushed together with a bad one. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

typedef struct bad {
    const char *file;
    const char *where; /* what follows the path in the message */
} bad_t;

static const bad_t bads[] = {
    {H_FIXTURE("truncated.xml"), ":5:5:"},
    {H_FIXTURE("entity.xml"), ":3:16:"},
    {H_FIXTURE("external-entity.xml"), ":3:43:"},
    {H_FIXTURE("bad-utf8.xml"), ":5:42:"},
    {H_FIXTURE("empty.xml"), ": empty file"},
};

static void
assert_not_stored(h_env_t *h, const h_proc_t *c, const char *run_id)
{
    const sl_pb_run_t *run = NULL;
    sl_err_t err = {0};
    h_events_t ev;
    int rc = h_run_query(h, c, run_id, &run, &err);
    assert_int_equal(rc, SL_ENOTFOUND);
    assert_null(run);
    assert_string_equal(err.msg, "no such run");
    h_events(h, c, run_id, &ev);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.head_lsn, 0); /* the whole log is still empty */
}

/* Pushes good (unless NULL) and bad->file in one push under run_id and
 * checks the refusal: exit 2, bad->file and its position named, nothing
 * stored. --window 1 makes the agent wait for each batch's ack before it
 * builds the next, so anything it sent before noticing the bad file would
 * be stored (and seen here) rather than dropped unsent at exit. */
static void
push_refused(h_env_t *h, const h_proc_t *c, const char *run_id,
             const char *good, const bad_t *bad)
{
    char want[H_PATH + 64];
    const h_result_t *r =
        good != NULL
            ? h_agent(h, "push", "--collector", c->listen, "--window", "1",
                      "--project", "demo", "--run-id", run_id, good, bad->file,
                      NULL)
            : h_agent(h, "push", "--collector", c->listen, "--window", "1",
                      "--project", "demo", "--run-id", run_id, bad->file, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    int n = snprintf(want, sizeof want, "%s%s", bad->file, bad->where);
    assert_true(n > 0 && (size_t)n < sizeof want);
    h_assert_contains(r->err, want);
    assert_not_stored(h, c, run_id);
}

static void
test_bad_input(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], run_id[64];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        int n = snprintf(run_id, sizeof run_id, "bad-%zu", i + 1);
        assert_true(n > 0 && (size_t)n < sizeof run_id);
        push_refused(h, c, run_id, NULL, &bads[i]);
    }
    /* A good file first, then the bad one, in one push: all or nothing. */
    push_refused(h, c, "bad-mixed", H_FIXTURE("passing.xml"), &bads[0]);
    assert_true(h_count_files(h->spool, ".spool") <= 0);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_input, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
