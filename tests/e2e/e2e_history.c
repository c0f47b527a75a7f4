/* Scenario: the same JUnit files pushed over several runs and commits build
 * a test's history in the collector's tests index: `sluice test ID` shows
 * each run's status newest first, the failure and flake rates, the first
 * failure and the last pass, the same figures in --json, and the same
 * after a collector restart; an unknown id, or one in two projects with
 * no --project, exits 2. `sluice coverage` gives the line and branch
 * series of runs with lcov and Cobertura reports, oldest first. Both page
 * through the collector past its per-request caps. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define FIX(dir, name) SL_SOURCE_DIR "/tests/fixtures/" dir "/" name
#define FIFO "demo.queue.test_queue.test_fifo_order"

static void
push(h_env_t *h, const h_proc_t *c, const char *project, const char *run,
     const char *commit, const char *file, const char *file2)
{
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--project", project,
                "--branch", "main", "--commit", commit, "--run-id", run, file,
                file2, NULL);
    /* a failing test fails no verdict here: no gate runs */
    if (r->status != 0) {
        print_error("push %s: %d\n%s\n", run, r->status, r->err);
        fail();
    }
}

/* The table's line for run (" rN "), which must hold status. */
static const char *
assert_row(const char *out, const char *run, const char *status)
{
    char needle[32];
    (void)snprintf(needle, sizeof needle, "  %s  ", run);
    const char *p = strstr(out, needle);
    assert_non_null(p);
    const char *eol = strchr(p, '\n');
    assert_non_null(eol);
    const char *s = strstr(p, status);
    assert_true(s != NULL && s < eol);
    return p;
}

static void
assert_history_json(h_env_t *h, yajl_val j)
{
    static const char *const runs[] = {"r5", "r4", "r3", "r2", "r1"};
    static const char *const st[] = {"passed", "failed", "passed", "failed",
                                     "passed"};
    assert_string_equal(h_json_str(j, H_JPATH("project")), "demo");
    assert_string_equal(h_json_str(j, H_JPATH("test_id")), FIFO);
    yajl_val a = h_json_array(j, H_JPATH("results"), 5);
    for (size_t i = 0; i < 5; i++) {
        yajl_val e = a->u.array.values[i];
        assert_string_equal(h_json_str(e, H_JPATH("run_id")), runs[i]);
        assert_string_equal(h_json_str(e, H_JPATH("status")), st[i]);
        assert_string_equal(h_json_str(e, H_JPATH("branch")), "main");
    }
    /* failing.xml gives the test 0.006 s, passing.xml 0.003 s */
    assert_true(fabs(h_json_num(a->u.array.values[1],
                                H_JPATH("duration_s")) - 0.006) < 1e-9);
    assert_int_equal(h_json_int(j, H_JPATH("summary", "runs")), 5);
    assert_int_equal(h_json_int(j, H_JPATH("summary", "failed")), 2);
    /* c2 both passed (r3) and failed (r2): both results are flaky */
    assert_int_equal(h_json_int(j, H_JPATH("summary", "flaky")), 2);
    assert_true(fabs(h_json_num(j, H_JPATH("summary", "failure_rate")) -
                     0.4) < 1e-12);
    assert_true(fabs(h_json_num(j, H_JPATH("summary", "flake_rate")) - 0.4) <
                1e-12);
    assert_string_equal(
        h_json_str(j, H_JPATH("summary", "first_failure", "run_id")), "r2");
    assert_string_equal(
        h_json_str(j, H_JPATH("summary", "first_failure", "commit")), "c2");
    assert_string_equal(
        h_json_str(j, H_JPATH("summary", "last_pass", "run_id")), "r5");
    (void)h;
}

static void
test_history_test(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    static const char *const runs[] = {"r1", "r2", "r3", "r4", "r5"};
    static const char *const commits[] = {"c1", "c2", "c2", "c3", "c4"};
    for (size_t i = 0; i < 5; i++) {
        push(h, c, "demo", runs[i], commits[i],
             i % 2 ? H_FIXTURE("failing.xml") : H_FIXTURE("passing.xml"),
             NULL);
    }
    const h_result_t *r =
        h_cli(h, "test", "--collector", c->listen, FIFO, "--project", "demo",
              NULL);
    assert_int_equal(r->status, 0);
    /* newest first, each run's status */
    const char *p5 = assert_row(r->out, "r5", "passed");
    const char *p4 = assert_row(r->out, "r4", "failed");
    const char *p3 = assert_row(r->out, "r3", "passed");
    const char *p2 = assert_row(r->out, "r2", "failed");
    const char *p1 = assert_row(r->out, "r1", "passed");
    assert_true(p5 < p4 && p4 < p3 && p3 < p2 && p2 < p1);
    h_assert_contains(r->out, "runs seen     5 (5 results, 0 skipped)");
    h_assert_contains(r->out, "failure rate  40.0% (2 of 5)");
    h_assert_contains(r->out, "flake rate    40.0% (2 of 5)");
    h_assert_contains(r->out, "run r2  commit c2\n");
    h_assert_contains(r->out, "last pass     ");

    r = h_cli(h, "test", "--collector", c->listen, "--json", FIFO, NULL);
    assert_int_equal(r->status, 0);
    assert_history_json(h, h_json(h, r->out));

    r = h_cli(h, "test", "--collector", c->listen, "--limit", "2", "--json",
              FIFO, NULL);
    assert_int_equal(r->status, 0);
    h_json_array(h_json(h, r->out), H_JPATH("results"), 2);

    r = h_cli(h, "test", "--collector", c->listen, "--project", "demo",
              "demo.queue.test_queue.nope", NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err,
                      "no test 'demo.queue.test_queue.nope' in project demo");
    r = h_cli(h, "test", "--collector", c->listen, "--project", "other", FIFO,
              NULL);
    assert_int_equal(r->status, 2);

    /* The index is in the store: a restarted collector answers the same. */
    h_stop(h, c);
    c = h_collector_start(h, data, NULL);
    r = h_cli(h, "test", "--collector", c->listen, "--json", FIFO, NULL);
    assert_int_equal(r->status, 0);
    assert_history_json(h, h_json(h, r->out));

    /* The same id in a second project: name one. */
    push(h, c, "other", "o1", "x1", H_FIXTURE("passing.xml"), NULL);
    r = h_cli(h, "test", "--collector", c->listen, FIFO, NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "several projects (demo, other)");
    r = h_cli(h, "test", "--collector", c->listen, "--json", "--project",
              "other", FIFO, NULL);
    assert_int_equal(r->status, 0);
    h_json_array(h_json(h, r->out), H_JPATH("results"), 1);
    h_finish(h);
}

static void
assert_point(yajl_val p, const char *run, double line, double branch)
{
    assert_string_equal(h_json_str(p, H_JPATH("run_id")), run);
    assert_true(fabs(h_json_num(p, H_JPATH("line_rate")) - line) < 1e-12);
    assert_true(fabs(h_json_num(p, H_JPATH("branch_rate")) - branch) < 1e-12);
}

static void
test_history_coverage(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    const h_result_t *r = h_cli(h, "coverage", "--collector", c->listen, NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "no runs with coverage");
    /* lcov --summary: lines 24/32, branches 14/20; gcovr: lines 19/29,
     * branches 6/16; a run with both sums them. */
    push(h, c, "cov", "v1", "c1", FIX("lcov", "geninfo.info"), NULL);
    push(h, c, "cov", "v2", "c2", FIX("cobertura", "gcovr.xml"), NULL);
    push(h, c, "cov", "v3", "c3", H_FIXTURE("passing.xml"), NULL);
    push(h, c, "cov", "v4", "c4", FIX("lcov", "geninfo.info"),
         FIX("cobertura", "gcovr.xml"));
    r = h_cli(h, "coverage", "--collector", c->listen, "--project", "cov",
              "--json", NULL);
    assert_int_equal(r->status, 0);
    yajl_val j = h_json(h, r->out);
    yajl_val a = h_json_array(j, H_JPATH("points"), 3);
    assert_point(a->u.array.values[0], "v1", 24.0 / 32, 14.0 / 20);
    assert_point(a->u.array.values[1], "v2", 19.0 / 29, 6.0 / 16);
    assert_point(a->u.array.values[2], "v4", 43.0 / 61, 20.0 / 36);
    assert_true(fabs(h_json_num(a->u.array.values[1],
                                H_JPATH("line_change")) -
                     (19.0 / 29 - 24.0 / 32)) < 1e-12);
    assert_true(YAJL_IS_NULL(yajl_tree_get(a->u.array.values[0],
                                           H_JPATH("line_change"),
                                           yajl_t_any)));
    r = h_cli(h, "coverage", "--collector", c->listen, "--project", "cov",
              NULL);
    assert_int_equal(r->status, 0);
    /* the change is of the rates, not of the rounded percentages */
    h_assert_contains(r->out, "  v1   main    c1      24/32  75.00%  -"
                              "       14/20     70.00%   -\n");
    h_assert_contains(r->out, "  v2   main    c2      19/29  65.52%  -9.48"
                              "   6/16      37.50%   -32.50\n");
    h_assert_contains(r->out, "  v4   main    c4      43/61  70.49%  +4.97"
                              "   20/36     55.56%   +18.06\n");
    r = h_cli(h, "coverage", "--collector", c->listen, "--last", "2",
              "--json", NULL);
    assert_int_equal(r->status, 0);
    a = h_json_array(h_json(h, r->out), H_JPATH("points"), 2);
    assert_point(a->u.array.values[0], "v2", 19.0 / 29, 6.0 / 16);
    r = h_cli(h, "coverage", "--collector", c->listen, "--branch", "nope",
              NULL);
    assert_int_equal(r->status, 2);
    h_finish(h);
}

/* One push of 1,205 results of one test id (a suite that runs it 1,205
 * times): the collector answers at most 1,000 per request, so `sluice
 * test --limit 1205` follows the cursor into a second page; the newest
 * result first, no result twice. */
static void
test_history_paging(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], file[H_PATH];
    FILE *f = fopen(h_path(h, "many.xml", file), "w");
    assert_non_null(f);
    fprintf(f, "<testsuite name=\"s\" tests=\"1205\">\n");
    for (int i = 0; i < 1205; i++) {
        fprintf(f, "<testcase classname=\"p.C\" name=\"t\" time=\"%d.001\"/>\n",
                i);
    }
    fprintf(f, "</testsuite>\n");
    assert_int_equal(fclose(f), 0);
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--project", "pg",
                "--branch", "main", "--commit", "c1", "--run-id", "pg-1",
                file, NULL);
    assert_int_equal(r->status, 0);
    r = h_cli(h, "test", "p.C.t", "--collector", c->listen, "--project",
              "pg", "--limit", "1205", "--json", NULL);
    assert_int_equal(r->status, 0);
    yajl_val a = h_json_array(h_json(h, r->out), H_JPATH("results"), 1205);
    /* newest first: the last testcase of the file (time 1204.001) first,
     * the first one last, and strictly decreasing in between */
    double prev = 1e9;
    for (size_t k = 0; k < a->u.array.len; k++) {
        double t = h_json_num(a->u.array.values[k], H_JPATH("duration_s"));
        assert_true(t < prev);
        prev = t;
    }
    assert_true(fabs(h_json_num(a->u.array.values[0],
                                H_JPATH("duration_s")) - 1204.001) < 1e-9);
    r = h_cli(h, "test", "p.C.t", "--collector", c->listen, "--project",
              "pg", "--limit", "1100", "--json", NULL);
    assert_int_equal(r->status, 0);
    (void)h_json_array(h_json(h, r->out), H_JPATH("results"), 1100);
    h_finish(h);
}

/* 55 runs with coverage: `sluice coverage --last 55` reads them over more
 * than one page of runs (50 a page), oldest first. */
static void
test_history_coverage_pages(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    for (int i = 1; i <= 55; i++) {
        char run[16];
        (void)snprintf(run, sizeof run, "cp-%02d", i);
        push(h, c, "cp", run, run, FIX("lcov", "geninfo.info"), NULL);
    }
    const h_result_t *r = h_cli(h, "coverage", "--collector", c->listen,
                                "--project", "cp", "--last", "55", "--json",
                                NULL);
    assert_int_equal(r->status, 0);
    yajl_val a = h_json_array(h_json(h, r->out), H_JPATH("points"), 55);
    assert_string_equal(h_json_str(a->u.array.values[0], H_JPATH("run_id")),
                        "cp-01");
    assert_string_equal(h_json_str(a->u.array.values[54], H_JPATH("run_id")),
                        "cp-55");
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_history_test, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_history_coverage_pages, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_history_paging, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_history_coverage, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
