/* sl_policy_judge: the built-in policy (fail on any failed or errored
 * test), every reason with its rule, value and threshold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/policy.h"

static sl_pb_run_t *
run_with(uint64_t passed, uint64_t failed, uint64_t errors, uint64_t skipped)
{
    sl_pb_run_t *r = sl_run_new("p-1");
    assert_non_null(r);
    r->tests->passed = passed;
    r->tests->failed = failed;
    r->tests->errors = errors;
    r->tests->skipped = skipped;
    r->tests->total = passed + failed + errors + skipped;
    r->last_lsn = 42;
    return r;
}

static void
test_policy_pass(void **state)
{
    (void)state;
    sl_pb_run_t *r = run_with(5, 0, 0, 2);
    sl_pb_verdict_t *v = NULL;
    assert_int_equal(sl_policy_judge(r, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    assert_int_equal(v->n_reasons, 0);
    assert_int_equal(v->decided_lsn, 42);
    sl_wire_free(&v);
    sl_run_free(&r);
}

static void
test_policy_fail_reasons(void **state)
{
    (void)state;
    sl_pb_run_t *r = run_with(3, 2, 1, 0);
    sl_pb_verdict_t *v = NULL;
    assert_int_equal(sl_policy_judge(r, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(v->n_reasons, 2);
    assert_string_equal(v->reasons[0]->rule, "tests.failed");
    assert_true(v->reasons[0]->value == 2.0);
    assert_true(v->reasons[0]->threshold == 0.0);
    assert_false(v->reasons[0]->has_baseline);
    assert_string_equal(v->reasons[0]->message,
                        "2 test(s) failed (maximum 0)");
    assert_string_equal(v->reasons[1]->rule, "tests.errors");
    assert_true(v->reasons[1]->value == 1.0);
    sl_wire_free(&v);
    sl_run_free(&r);
}

static void
test_policy_errors_alone_fail(void **state)
{
    (void)state;
    sl_pb_run_t *r = run_with(0, 0, 1, 0);
    sl_pb_verdict_t *v = NULL;
    assert_int_equal(sl_policy_judge(r, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(v->n_reasons, 1);
    assert_string_equal(v->reasons[0]->rule, "tests.errors");
    sl_wire_free(&v);
    sl_run_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_pass),
        cmocka_unit_test(test_policy_fail_reasons),
        cmocka_unit_test(test_policy_errors_alone_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
