/* sl_judge: the rules that need more than the run (lib/judge.c): declared
 * kinds and incomplete artifacts, flaky tests in each mode, branch
 * coverage, coverage drop against the baseline, patch coverage, new
 * findings only, benchmarks against baseline runs, the status order and
 * the rules checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/policy.h"

static sl_pb_run_t *
new_run(const char *id)
{
    sl_pb_run_t *r = sl_run_new(id);
    assert_non_null(r);
    r->state = SLUICE__V1__RUN_STATE__RUN_FINISHED;
    r->last_lsn = 7;
    return r;
}

static const Sluice__V1__Reason *
reason_of(const sl_pb_verdict_t *v, const char *rule, const char *subject)
{
    for (size_t i = 0; i < v->n_reasons; i++) {
        if (strcmp(v->reasons[i]->rule, rule) == 0 &&
            (subject == NULL || strcmp(v->reasons[i]->subject, subject) == 0)) {
            return v->reasons[i];
        }
    }
    return NULL;
}

static int
was_checked(const sl_pb_verdict_t *v, const char *rule)
{
    for (size_t i = 0; i < v->n_rules_checked; i++) {
        if (strcmp(v->rules_checked[i], rule) == 0) {
            return 1;
        }
    }
    return 0;
}

static sl_pb_verdict_t *
judge(const sl_judge_in_t *in)
{
    sl_pb_verdict_t *v = NULL;
    assert_int_equal(sl_judge(in, &v), SL_OK);
    assert_non_null(v);
    return v;
}

static void
set_expect(sl_pb_run_t *r, const char *a, const char *b)
{
    r->meta->expect = calloc(2, sizeof *r->meta->expect);
    assert_non_null(r->meta->expect);
    r->meta->expect[0] = strdup(a);
    r->meta->expect[1] = strdup(b);
    r->meta->n_expect = 2;
}

/* Declared kinds: tests present, coverage missing -> incomplete, never
 * pass; a failing rule still makes it fail. */
static void
test_judge_expect(void **state)
{
    (void)state;
    sl_pb_run_t *r = new_run("e");
    set_expect(r, "tests", "coverage");
    r->tests->total = r->tests->passed = 3;
    sl_judge_in_t in = {.run = r};
    sl_pb_verdict_t *v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE);
    const Sluice__V1__Reason *x = reason_of(v, "run.complete", "coverage");
    assert_non_null(x);
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE);
    assert_null(reason_of(v, "run.complete", "tests"));
    assert_true(was_checked(v, "run.complete"));
    sl_wire_free(&v);
    r->tests->failed = 1;
    r->tests->total = 4;
    v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    sl_wire_free(&v);
    sl_run_free(&r);
}

/* An artifact whose stream never ended: incomplete. */
static void
test_judge_artifact_gap(void **state)
{
    (void)state;
    sl_pb_run_t *r = new_run("g");
    Sluice__V1__Artifact *a = malloc(sizeof *a);
    assert_non_null(a);
    sluice__v1__artifact__init(a);
    a->path = strdup("junit.xml");
    a->format = strdup("junit");
    a->complete = 0;
    r->artifacts = malloc(sizeof *r->artifacts);
    r->artifacts[0] = a;
    r->n_artifacts = 1;
    sl_judge_in_t in = {.run = r};
    sl_pb_verdict_t *v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE);
    const Sluice__V1__Reason *x = reason_of(v, "run.complete", "junit.xml");
    assert_non_null(x);
    assert_non_null(strstr(x->message, "not received whole"));
    sl_wire_free(&v);
    a->complete = 1;
    v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    sl_wire_free(&v);
    sl_run_free(&r);
}

/* Flaky tests: warn (default) excuses the flaky failure; fail counts it;
 * ignore neither names nor excuses it. */
static void
test_judge_flaky_modes(void **state)
{
    (void)state;
    sl_pb_run_t *r = new_run("f");
    r->tests->total = 3;
    r->tests->passed = 1;
    r->tests->failed = 2;
    sl_test_note_t notes[] = {
        {"a.flaky", SLUICE__V1__TEST_STATUS__TEST_FAILED, SL_FLAKY_FLIPS,
         0.4},
        {"a.broken", SLUICE__V1__TEST_STATUS__TEST_FAILED, SL_FLAKY_NOT, 0},
        {"a.rerun", SLUICE__V1__TEST_STATUS__TEST_PASSED, SL_FLAKY_RERUN, 0},
    };
    sl_policy_t p;
    sl_policy_defaults(&p);
    sl_judge_in_t in = {.run = r, .policy = &p, .tests = notes, .n_tests = 3};
    sl_pb_verdict_t *v = judge(&in);
    const Sluice__V1__Reason *x = reason_of(v, "tests.failed", NULL);
    assert_non_null(x);
    assert_true(x->value == 1.0); /* a.broken only */
    assert_string_equal(x->message,
                        "1 test(s) failed (maximum 0): a.broken");
    x = reason_of(v, "tests.flaky", "a.flaky");
    assert_non_null(x);
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
    assert_non_null(strstr(x->message, "40%"));
    assert_non_null(reason_of(v, "tests.flaky", "a.rerun"));
    sl_wire_free(&v);

    r->tests->failed = 1; /* only the flaky one fails: warn */
    notes[1].status = SLUICE__V1__TEST_STATUS__TEST_PASSED;
    v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
    assert_null(reason_of(v, "tests.failed", NULL));
    sl_wire_free(&v);

    p.flaky = SL_FLAKY_FAIL;
    v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    x = reason_of(v, "tests.flaky", "a.flaky");
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_non_null(reason_of(v, "tests.failed", NULL));
    sl_wire_free(&v);

    p.flaky = SL_FLAKY_IGNORE;
    v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_null(reason_of(v, "tests.flaky", NULL));
    assert_false(was_checked(v, "tests.flaky"));
    sl_wire_free(&v);
    sl_run_free(&r);
}

static void
set_coverage(sl_pb_run_t *r, uint64_t lv, uint64_t lc, uint64_t bv,
             uint64_t bc)
{
    r->coverage_reports = 1;
    r->coverage->lines_valid = lv;
    r->coverage->lines_covered = lc;
    r->coverage->branches_valid = bv;
    r->coverage->branches_covered = bc;
}

/* Branch coverage, the drop against the newest baseline run with coverage,
 * patch coverage. */
static void
test_judge_coverage(void **state)
{
    (void)state;
    sl_pb_run_t *r = new_run("c"), *b1 = new_run("b1"), *b2 = new_run("b2");
    set_coverage(r, 100, 80, 10, 4);
    set_coverage(b2, 100, 84, 0, 0); /* b1, the newest, has none */
    const sl_pb_run_t *base[] = {b1, b2};
    sl_policy_t p;
    sl_policy_defaults(&p);
    p.min_branch_coverage = 50;
    p.max_coverage_drop = 3;
    p.min_patch_coverage = 90;
    r->patch = malloc(sizeof *r->patch);
    sluice__v1__patch_coverage__init(r->patch);
    r->patch->lines_added = 12;
    r->patch->lines_coverable = 10;
    r->patch->lines_covered = 7;
    sl_judge_in_t in = {.run = r, .policy = &p};
    in.base.runs = base;
    in.base.n = 2;
    sl_pb_verdict_t *v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_null(reason_of(v, "coverage.line", NULL)); /* 80 >= 75 */
    const Sluice__V1__Reason *x = reason_of(v, "coverage.branch", NULL);
    assert_non_null(x);
    assert_true(x->value == 40.0);
    x = reason_of(v, "coverage.drop", NULL);
    assert_non_null(x);
    assert_true(x->has_baseline);
    assert_true(x->baseline == 84.0);
    assert_non_null(strstr(x->message, "run b2"));
    x = reason_of(v, "coverage.patch", NULL);
    assert_non_null(x);
    assert_true(x->value == 70.0);
    assert_true(was_checked(v, "coverage.patch"));
    sl_wire_free(&v);
    p.max_coverage_drop = 5; /* a 4-point drop is allowed */
    p.min_branch_coverage = 0;
    p.min_patch_coverage = 0;
    v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    assert_true(was_checked(v, "coverage.drop"));
    assert_false(was_checked(v, "coverage.patch"));
    sl_wire_free(&v);
    sl_run_free(&r);
    sl_run_free(&b1);
    sl_run_free(&b2);
}

/* count_findings new: only findings the baseline lacks count, when the
 * gate knows them; without a baseline every finding counts. */
static void
test_judge_new_findings(void **state)
{
    (void)state;
    sl_pb_run_t *r = new_run("s");
    r->findings->high = 3;
    sl_policy_t p;
    sl_policy_defaults(&p);
    p.count_findings = SL_COUNT_NEW;
    sl_judge_in_t in = {.run = r, .policy = &p, .has_new = 1};
    sl_pb_verdict_t *v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    sl_wire_free(&v);
    in.new_findings[SLUICE__V1__SEVERITY__SEVERITY_HIGH] = 1;
    v = judge(&in);
    const Sluice__V1__Reason *x = reason_of(v, "findings.high", NULL);
    assert_non_null(x);
    assert_string_equal(x->message, "1 new high finding(s) (maximum 0)");
    sl_wire_free(&v);
    in.has_new = 0;
    v = judge(&in);
    x = reason_of(v, "findings.high", NULL);
    assert_non_null(x);
    assert_true(x->value == 3.0);
    sl_wire_free(&v);
    sl_run_free(&r);
}

static Sluice__V1__Benchmark *
bench(const char *name, double value)
{
    Sluice__V1__Benchmark *b = malloc(sizeof *b);
    assert_non_null(b);
    sluice__v1__benchmark__init(b);
    b->name = strdup(name);
    b->unit = strdup("ns");
    b->value = value;
    b->lower_is_better = 1;
    return b;
}

static void
add_bench(sl_pb_run_t *r, const char *name, double value)
{
    r->benchmarks = realloc(r->benchmarks,
                            (r->n_benchmarks + 1) * sizeof *r->benchmarks);
    assert_non_null(r->benchmarks);
    r->benchmarks[r->n_benchmarks++] = bench(name, value);
}

/* Benchmarks: the first matching rule judges; too little history skips;
 * the reason carries baseline mean, n, change and the baseline named. */
static void
test_judge_benchmarks(void **state)
{
    (void)state;
    sl_pb_run_t *r = new_run("cand");
    add_bench(r, "parse/big", 130);
    add_bench(r, "net/echo", 130);
    add_bench(r, "new/one", 500);
    sl_pb_run_t *b[4];
    char id[8];
    for (int i = 0; i < 4; i++) {
        (void)snprintf(id, sizeof id, "b%d", i);
        b[i] = new_run(id);
        add_bench(b[i], "parse/big", 100);
        add_bench(b[i], "net/echo", 100);
    }
    sl_policy_t p;
    sl_policy_defaults(&p);
    sl_bench_rule_t *rule = &p.bench[p.n_bench++];
    *rule = p.bench_default;
    (void)snprintf(rule->match, sizeof rule->match, "net/*");
    rule->warn = 40;
    rule->fail = 50;
    Sluice__V1__Baseline about;
    sluice__v1__baseline__init(&about);
    char mainb[] = "main";
    about.branch = mainb;
    const sl_pb_run_t *base[] = {b[0], b[1], b[2], b[3]};
    sl_judge_in_t in = {.run = r, .policy = &p};
    in.base.runs = base;
    in.base.n = 4;
    in.base.about = &about;
    sl_pb_verdict_t *v = judge(&in);
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    const Sluice__V1__Reason *x = reason_of(v, "bench.regression", "parse/big");
    assert_non_null(x);
    assert_int_equal(x->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_true(x->baseline == 100.0);
    assert_int_equal(x->baseline_n, 4);
    assert_true(x->change_pct > 29.99 && x->change_pct < 30.01);
    assert_string_equal(x->method, "percent");
    assert_non_null(strstr(x->message, "main runs"));
    /* net/echo: its own rule (fail at 50%): +30% passes */
    assert_null(reason_of(v, "bench.regression", "net/echo"));
    assert_true(was_checked(v, "bench.regression:net/echo"));
    /* new/one: no history, not judged */
    assert_false(was_checked(v, "bench.regression:new/one"));
    assert_non_null(v->baseline);
    assert_string_equal(v->baseline->branch, "main");
    sl_wire_free(&v);
    /* a window of 2 with min_history 3: not judged at all */
    p.bench_default.window = 2;
    v = judge(&in);
    assert_null(reason_of(v, "bench.regression", "parse/big"));
    sl_wire_free(&v);
    for (int i = 0; i < 4; i++) {
        sl_run_free(&b[i]);
    }
    sl_run_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge_expect),
        cmocka_unit_test(test_judge_artifact_gap),
        cmocka_unit_test(test_judge_flaky_modes),
        cmocka_unit_test(test_judge_coverage),
        cmocka_unit_test(test_judge_new_findings),
        cmocka_unit_test(test_judge_benchmarks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
