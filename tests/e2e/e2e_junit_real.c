/* Scenario: reports written by real test runners (pytest, ctest) go through
 * agent, collector and gate, and the agent prints the gate's verdict with
 * the exit status of DESIGN.md's contract. */
#include <string.h>

#include "harness.h"

/* The reasons array must hold exactly the n rules given, each once, each
 * measuring 1 against a threshold of 0, with no baseline and a message. */
static void
assert_reasons(yajl_val j, const char *const *rules, size_t n)
{
    yajl_val a = h_json_array(j, H_JPATH("verdict", "reasons"), n);
    for (size_t r = 0; r < n; r++) {
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
            yajl_val reason = a->u.array.values[i];
            if (strcmp(h_json_str(reason, H_JPATH("rule")), rules[r]) != 0) {
                continue;
            }
            found++;
            assert_true(h_json_num(reason, H_JPATH("value")) == 1.0);
            assert_true(h_json_num(reason, H_JPATH("threshold")) == 0.0);
            assert_non_null(
                yajl_tree_get(reason, H_JPATH("baseline"), yajl_t_null));
            assert_true(h_json_str(reason, H_JPATH("message"))[0] != '\0');
        }
        if (found != 1) {
            print_error("reason %s found %zu times\n", rules[r], found);
            fail();
        }
    }
}

static void
assert_summary(yajl_val j, const char *run_id, long long events,
               const long long t[5])
{
    assert_string_equal(h_json_str(j, H_JPATH("run_id")), run_id);
    assert_string_equal(h_json_str(j, H_JPATH("project")), "demo");
    assert_string_equal(h_json_str(j, H_JPATH("branch")), "topic");
    assert_string_equal(h_json_str(j, H_JPATH("commit")), "c0ffee");
    assert_string_equal(h_json_str(j, H_JPATH("state")), "finished");
    assert_int_equal(h_json_int(j, H_JPATH("events")), events);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "total")), t[0]);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "passed")), t[1]);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "failed")), t[2]);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "errors")), t[3]);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "skipped")), t[4]);
}

static const h_result_t *
push(h_env_t *h, const h_proc_t *c, const char *run_id, const char *file,
     const char *json)
{
    /* Not a protected branch: no early verdict, the final one is awaited. */
    return h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                   "--branch", "topic", "--commit", "c0ffee", "--run-id", run_id,
                   "--wait=20", file, json, NULL);
}

/* pytest.xml: 4 passed, 1 failed, 1 error, 1 skipped; events: meta,
 * begin, 7 tests, end, finish and the gate's verdict. */
static void
check_pytest(h_env_t *h, const h_proc_t *c)
{
    static const long long t[5] = {7, 4, 1, 1, 1};
    static const char *const rules[] = {"tests.failed", "tests.errors"};
    const h_result_t *r =
        push(h, c, "real-pytest", H_FIXTURE("pytest.xml"), "--json");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "");
    yajl_val j = h_json(h, r->out);
    assert_summary(j, "real-pytest", 12, t);
    assert_string_equal(h_json_str(j, H_JPATH("verdict", "status")), "fail");
    assert_reasons(j, rules, 2);
    yajl_val art = h_json_array(j, H_JPATH("artifacts"), 1)->u.array.values[0];
    assert_string_equal(h_json_str(art, H_JPATH("path")),
                        H_FIXTURE("pytest.xml"));
    assert_string_equal(h_json_str(art, H_JPATH("format")), "junit");
    assert_true(
        YAJL_IS_TRUE(yajl_tree_get(art, H_JPATH("complete"), yajl_t_true)));
}

/* ctest.xml: 3 passed, 1 failed; one reason only. */
static void
check_ctest(h_env_t *h, const h_proc_t *c)
{
    static const long long t[5] = {4, 3, 1, 0, 0};
    static const char *const rules[] = {"tests.failed"};
    const h_result_t *r =
        push(h, c, "real-ctest", H_FIXTURE("ctest.xml"), "--json");
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "");
    yajl_val j = h_json(h, r->out);
    assert_summary(j, "real-ctest", 9, t);
    assert_string_equal(h_json_str(j, H_JPATH("verdict", "status")), "fail");
    assert_reasons(j, rules, 1);
}

/* passing.xml, without --json: exit 0, the human lines, and the stored
 * run agrees. */
static void
check_passing(h_env_t *h, const h_proc_t *c)
{
    const h_result_t *r =
        push(h, c, "real-pass", H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    const char *first = "run real-pass: 1 file(s), 9 event(s) newly stored, "
                        "finished\n";
    assert_memory_equal(r->out, first, strlen(first));
    h_assert_contains(r->out, "\nverdict: pass");
    const sl_pb_run_t *run = h_run_get(h, c, "real-pass");
    h_assert_tests(run, 5, 5, 0, 0, 0);
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    assert_int_equal(run->verdict->n_reasons, 0);
    assert_int_equal(run->events, 10);
}

static void
test_junit_real(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gate));
    check_pytest(h, c);
    check_ctest(h, c);
    check_passing(h, c);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_junit_real, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
