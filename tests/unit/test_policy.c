/* sl_policy_judge: the default thresholds and overrides (tests, line
 * coverage, findings by severity), every reason with its rule, value and
 * threshold. */
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
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
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
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
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
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(v->n_reasons, 1);
    assert_string_equal(v->reasons[0]->rule, "tests.errors");
    sl_wire_free(&v);
    sl_run_free(&r);
}

static void
test_policy_coverage(void **state)
{
    (void)state;
    sl_pb_run_t *r = run_with(1, 0, 0, 0);
    sl_pb_verdict_t *v = NULL;
    /* No coverage report: no coverage rule, whatever the minimum. */
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
    assert_int_equal(v->n_reasons, 0);
    sl_wire_free(&v);
    r->coverage_reports = 1;
    r->coverage->lines_valid = 400;
    r->coverage->lines_covered = 299; /* 74.75% < 75% */
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(v->n_reasons, 1);
    assert_string_equal(v->reasons[0]->rule, "coverage.line");
    assert_true(v->reasons[0]->value == 74.75);
    assert_true(v->reasons[0]->threshold == 75.0);
    assert_string_equal(v->reasons[0]->message,
                        "line coverage 74.75% (299 of 400 lines) is below "
                        "75.00%");
    sl_wire_free(&v);
    r->coverage->lines_covered = 300; /* exactly 75%: passes */
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    sl_wire_free(&v);
    sl_policy_t p;
    sl_policy_defaults(&p);
    p.min_line_coverage = 80;
    assert_int_equal(sl_policy_judge(r, &p, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_true(v->reasons[0]->threshold == 80.0);
    sl_wire_free(&v);
    sl_run_free(&r);
}

static void
test_policy_findings(void **state)
{
    (void)state;
    sl_pb_run_t *r = run_with(1, 0, 0, 0);
    sl_pb_verdict_t *v = NULL;
    r->findings->medium = 3; /* at the maximum */
    r->findings->low = 1000; /* no maximum by default */
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    sl_wire_free(&v);
    r->findings->critical = 1;
    r->findings->high = 2;
    r->findings->medium = 4;
    assert_int_equal(sl_policy_judge(r, NULL, &v), SL_OK);
    assert_int_equal(v->n_reasons, 3);
    assert_string_equal(v->reasons[0]->rule, "findings.critical");
    assert_string_equal(v->reasons[1]->rule, "findings.high");
    assert_string_equal(v->reasons[1]->message,
                        "2 high finding(s) (maximum 0)");
    assert_string_equal(v->reasons[2]->rule, "findings.medium");
    assert_true(v->reasons[2]->threshold == 3.0);
    sl_wire_free(&v);
    sl_policy_t p;
    sl_policy_defaults(&p);
    p.max_critical = p.max_high = p.max_medium = SL_POLICY_UNLIMITED;
    p.max_failures = 5;
    r->tests->failed = 5;
    assert_int_equal(sl_policy_judge(r, &p, &v), SL_OK);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    sl_wire_free(&v);
    sl_run_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_pass),
        cmocka_unit_test(test_policy_fail_reasons),
        cmocka_unit_test(test_policy_coverage),
        cmocka_unit_test(test_policy_findings),
        cmocka_unit_test(test_policy_errors_alone_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
