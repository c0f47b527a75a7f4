/* Scenario: one push carries artifacts of every kind (test results,
 * coverage in two formats, benchmarks, a security scan), detected by
 * content; the run summary holds the figures the tools themselves
 * reported, and `sluice check` on the same files, with no server, gives
 * the same summary and verdict. A bad file or a wrong --format stores
 * nothing and exits 2. */
#include <math.h>
#include <string.h>

#include "harness.h"

#define FIX(dir, name) SL_SOURCE_DIR "/tests/fixtures/" dir "/" name

static const char *const files[] = {
    FIX("junit", "pytest.xml"),     /* pytest: 1 failed, 4 passed, 1
                                       skipped, 1 error */
    FIX("cobertura", "gcovr.xml"),  /* gcovr: lines 19/29, branches 6/16,
                                       functions 4/5, 2 files */
    FIX("lcov", "geninfo.info"),    /* lcov --summary: lines 24/32,
                                       functions 4/5, branches 14/20, 3 */
    FIX("bench", "hyperfine.json"), /* hyperfine: 11.4 ms ± 0.2, 21.7 ms
                                       ± 0.7, 10 runs each */
    FIX("sarif", "flawfinder.sarif"),
};
#define NFILES (sizeof files / sizeof files[0])

static const char *const formats[NFILES] = {"junit", "cobertura", "lcov",
                                            "hyperfine", "sarif"};

/* Every figure the tools printed for those files. */
static void
assert_kinds(yajl_val j)
{
    assert_int_equal(h_json_int(j, H_JPATH("tests", "total")), 7);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "passed")), 4);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "failed")), 1);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "errors")), 1);
    assert_int_equal(h_json_int(j, H_JPATH("tests", "skipped")), 1);
    /* A run's coverage is the sum of its reports. */
    assert_int_equal(h_json_int(j, H_JPATH("coverage", "lines_valid")), 61);
    assert_int_equal(h_json_int(j, H_JPATH("coverage", "lines_covered")), 43);
    assert_int_equal(h_json_int(j, H_JPATH("coverage", "branches_valid")),
                     36);
    assert_int_equal(h_json_int(j, H_JPATH("coverage", "branches_covered")),
                     20);
    assert_int_equal(h_json_int(j, H_JPATH("coverage", "functions_valid")),
                     10);
    assert_int_equal(
        h_json_int(j, H_JPATH("coverage", "functions_covered")), 8);
    assert_int_equal(h_json_int(j, H_JPATH("coverage", "files")), 5);
    assert_int_equal(h_json_int(j, H_JPATH("coverage", "reports")), 2);
    assert_true(fabs(h_json_num(j, H_JPATH("coverage", "line_rate")) -
                     43.0 / 61.0) < 1e-12);
    yajl_val b = h_json_array(j, H_JPATH("benchmarks"), 2);
    static const char *const names[2] = {"sleep 10ms", "sleep 0.02"};
    static const double means_ms[2] = {11.4, 21.7};
    for (size_t i = 0; i < 2; i++) {
        yajl_val bi = b->u.array.values[i];
        assert_string_equal(h_json_str(bi, H_JPATH("name")), names[i]);
        assert_string_equal(h_json_str(bi, H_JPATH("unit")), "s");
        assert_true(YAJL_IS_TRUE(
            yajl_tree_get(bi, H_JPATH("lower_is_better"), yajl_t_any)));
        /* hyperfine prints the mean rounded to 0.1 ms */
        double v = h_json_num(bi, H_JPATH("value")) * 1000.0;
        assert_true(fabs(v - means_ms[i]) <= 0.05);
        h_json_array(bi, H_JPATH("samples"), 10);
    }
    /* flawfinder: "Hits = 12", levels 4-5 error (high), 3 warning
     * (medium), 0-2 note (low): Hits@level [1] 2 [2] 4 [3] 2 [4] 4. */
    assert_int_equal(h_json_int(j, H_JPATH("findings", "critical")), 0);
    assert_int_equal(h_json_int(j, H_JPATH("findings", "high")), 4);
    assert_int_equal(h_json_int(j, H_JPATH("findings", "medium")), 2);
    assert_int_equal(h_json_int(j, H_JPATH("findings", "low")), 6);
}

/* The parts of two summaries that come from the files must be equal. */
static void
assert_same_kinds(yajl_val a, yajl_val b)
{
    static const char *const keys[] = {"tests", "coverage", "benchmarks",
                                       "findings"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        yajl_val x = yajl_tree_get(a, H_JPATH(keys[i]), yajl_t_any);
        yajl_val y = yajl_tree_get(b, H_JPATH(keys[i]), yajl_t_any);
        assert_non_null(x);
        assert_non_null(y);
        if (!h_json_equal(x, y)) {
            print_error("summaries differ in \"%s\"\n", keys[i]);
            fail();
        }
    }
    assert_string_equal(h_json_str(a, H_JPATH("verdict", "status")),
                        h_json_str(b, H_JPATH("verdict", "status")));
    yajl_val ra = yajl_tree_get(a, H_JPATH("verdict", "reasons"), yajl_t_any);
    yajl_val rb = yajl_tree_get(b, H_JPATH("verdict", "reasons"), yajl_t_any);
    if (!h_json_equal(ra, rb)) {
        print_error("the verdicts' reasons differ\n");
        fail();
    }
}

static void
test_formats_one_push(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gate));
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "kinds",
        "--branch", "topic", "--commit", "c0ffee", "--run-id", "kinds-1",
        "--wait=20", "--json", files[0], files[1], files[2], files[3],
        files[4], NULL);
    /* The gate's defaults: the failed and errored tests, coverage
     * 70.5% < 75% and flawfinder's high findings all fail the run. */
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "");
    char *pushed = strdup(r->out);
    assert_non_null(pushed);
    yajl_val j = h_json(h, pushed);
    assert_kinds(j);
    yajl_val arts = h_json_array(j, H_JPATH("artifacts"), NFILES);
    for (size_t i = 0; i < NFILES; i++) {
        yajl_val a = arts->u.array.values[i];
        assert_string_equal(h_json_str(a, H_JPATH("path")), files[i]);
        assert_string_equal(h_json_str(a, H_JPATH("format")), formats[i]);
    }
    assert_string_equal(h_json_str(j, H_JPATH("verdict", "status")), "fail");
    /* The same files judged offline: the same summary and verdict. */
    r = h_cli(h, "check", "--json", files[0], files[1], files[2], files[3],
              files[4], NULL);
    assert_int_equal(r->status, 1);
    assert_string_equal(r->err, "");
    yajl_val offline = h_json(h, r->out);
    yajl_val online = yajl_tree_parse(pushed, NULL, 0);
    assert_non_null(online);
    assert_kinds(offline);
    assert_same_kinds(online, offline);
    yajl_tree_free(online);
    free(pushed);
    /* The same content twice counts once, as a push stores it once. */
    r = h_cli(h, "check", "--json", files[0], files[0], NULL);
    assert_int_equal(r->status, 1);
    yajl_val twice = h_json(h, r->out);
    assert_int_equal(h_json_int(twice, H_JPATH("tests", "total")), 7);
    h_json_array(twice, H_JPATH("artifacts"), 1);
    /* Thresholds from the command line turn the verdict around. */
    r = h_cli(h, "check", "--min-coverage", "70", "--max-test-failures", "1",
              "--max-test-errors", "1", "--max-high-vulns", "100",
              "--max-medium-vulns", "100", files[0], files[1], files[2],
              files[3], files[4], NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "verdict: pass");
    h_finish(h);
}

/* One bad file among good ones: exit 2 naming it, nothing stored. */
static void
test_formats_bad_file(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "kinds",
        "--run-id", "kinds-bad", files[0], files[1],
        FIX("cobertura", "covered-gt-valid.xml"), NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "covered-gt-valid.xml:");
    const sl_pb_run_t *run = NULL;
    sl_err_t err = {0};
    assert_int_equal(h_run_query(h, c, "kinds-bad", &run, &err),
                     SL_ENOTFOUND);
    r = h_cli(h, "check", files[0], FIX("cobertura", "covered-gt-valid.xml"),
              NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "covered-gt-valid.xml:");
    assert_string_equal(r->out, "");
    h_finish(h);
}

/* A file of one format forced as another is refused, not misread. */
static void
test_formats_forced_wrong(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--run-id", "forced",
                "--format", "gbench", files[3], NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "hyperfine.json:");
    h_assert_contains(r->err, "not a Google Benchmark report");
    r = h_cli(h, "check", "--format", "lcov", files[1], NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "gcovr.xml:1:");
    r = h_cli(h, "check", "--format", "nope", files[1], NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "--format: unknown format");
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_formats_one_push, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_formats_bad_file, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_formats_forced_wrong, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
