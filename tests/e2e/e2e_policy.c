/* Scenario: a policy file sets the thresholds. `sluice check --policy F`
 * turns a failing run into a pass and a passing one into a fail, a flag
 * given explicitly overrides the file, and an invalid file is refused with
 * its line:column and exit status 2. A real sluice-gate started with
 * --policy judges pushed runs by the file, and one given an invalid file
 * exits 2 with the message before it opens its state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "sluice/policy.h"

#define EX(path)  SL_SOURCE_DIR "/examples/" path
#define POL(name) SL_SOURCE_DIR "/tests/fixtures/policy/" name

/* By default: 1 failed, 1 errored, 65.5% of lines, 4 high: a fail.
 * Under lenient.yml: a pass. */
#define FAILING EX("junit/failing.xml"), EX("coverage/cobertura.xml"),         \
                EX("sarif/flawfinder.sarif")
/* By default: 5 passed, 75.0% of lines: a pass. Under strict.yml
 * (min_coverage 80): a fail. */
#define PASSING EX("junit/passing.xml"), EX("coverage/lcov.info")

static void
test_policy_check(void **state)
{
    h_env_t *h = *state;
    const h_result_t *r = h_cli(h, "check", FAILING, NULL);
    assert_int_equal(r->status, 1);
    r = h_cli(h, "check", "--policy", POL("lenient.yml"), FAILING, NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    h_assert_contains(r->out, "verdict: pass");

    r = h_cli(h, "check", PASSING, NULL);
    assert_int_equal(r->status, 0);
    r = h_cli(h, "check", "--json", "--policy", POL("strict.yml"), PASSING,
              NULL);
    assert_int_equal(r->status, 1);
    yajl_val j = h_json(h, r->out);
    assert_string_equal(h_json_str(j, H_JPATH("verdict", "status")), "fail");
    yajl_val reasons = h_json_array(j, H_JPATH("verdict", "reasons"), 1);
    yajl_val why = reasons->u.array.values[0];
    assert_string_equal(h_json_str(why, H_JPATH("rule")), "coverage.line");
    assert_true(h_json_num(why, H_JPATH("threshold")) == 80.0);
    assert_true(h_json_num(why, H_JPATH("value")) == 75.0);

    /* A flag given overrides the file; the keys the flags leave alone keep
     * the file's values. */
    r = h_cli(h, "check", "--policy", POL("strict.yml"), "--min-coverage",
              "75", PASSING, NULL);
    assert_int_equal(r->status, 0);
    r = h_cli(h, "check", "--policy", POL("lenient.yml"), "--max-high-vulns",
              "3", FAILING, NULL);
    assert_int_equal(r->status, 1);
    h_assert_contains(r->out, "findings.high");
    h_assert_contains(r->out, "4 high finding(s) (maximum 3)");
    assert_null(strstr(r->out, "tests.failed")); /* still the file's 1 */
    assert_null(strstr(r->out, "coverage.line")); /* still the file's 60 */

    /* An invalid file: its position and why, nothing on stdout, exit 2. */
    r = h_cli(h, "check", "--policy", POL("syntax.yml"), PASSING, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "sluice check: " POL("syntax.yml")
                                ":3:2: did not find expected key (while "
                                "parsing a block mapping at line 1)\n");
    r = h_cli(h, "check", "--policy", POL("projects.yml"), PASSING, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "sluice check: " POL("projects.yml")
                                ":3:1: top-level key 'projects' is not "
                                "supported yet (only defaults is, for now)\n");
    h_finish(h);
}

/* --help states the defaults of sl_policy_defaults. */
static void
test_policy_check_help(void **state)
{
    h_env_t *h = *state;
    sl_policy_t d;
    char want[96];
    sl_policy_defaults(&d);
    const h_result_t *r = h_cli(h, "check", "--help", NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "--policy F");
    (void)snprintf(want, sizeof want, "(default %g, or the policy file's)",
                   d.min_line_coverage);
    h_assert_contains(r->out, want);
    const struct {
        const char *flag;
        uint64_t v;
    } maxes[] = {{"--max-test-failures", d.max_failures},
                 {"--max-test-errors", d.max_errors},
                 {"--max-critical-vulns", d.max_critical},
                 {"--max-high-vulns", d.max_high},
                 {"--max-medium-vulns", d.max_medium},
                 {"--max-low-vulns", d.max_low}};
    for (size_t i = 0; i < sizeof maxes / sizeof maxes[0]; i++) {
        const char *line = strstr(r->out, maxes[i].flag);
        assert_non_null(line);
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        char shown[64];
        if (maxes[i].v == SL_POLICY_UNLIMITED) {
            (void)snprintf(shown, sizeof shown, "(default unlimited,");
        } else {
            (void)snprintf(shown, sizeof shown, "(default %llu,",
                           (unsigned long long)maxes[i].v);
        }
        const char *at = strstr(line, shown);
        assert_true(at != NULL && at < end);
    }
    h_finish(h);
}

static void
push(h_env_t *h, const h_proc_t *c, const char *run_id, int want,
     const char *f1, const char *f2, const char *f3)
{
    const h_result_t *r =
        f3 != NULL ? h_agent(h, "push", "--collector", c->listen, "--project",
                             "demo", "--run-id", run_id, "--wait=20", f1, f2,
                             f3, NULL)
                   : h_agent(h, "push", "--collector", c->listen, "--project",
                             "demo", "--run-id", run_id, "--wait=20", f1, f2,
                             NULL);
    if (r->status != want) {
        print_error("push %s: status %d, wanted %d\n%s%s", run_id, r->status,
                    want, r->out, r->err);
    }
    assert_int_equal(r->status, want);
}

static void
test_policy_gate(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start_args(h, c, h_path(h, "gate", gstate), "--policy",
                            POL("lenient.yml"), NULL);
    push(h, c, "lenient-1", 0, FAILING);
    const sl_pb_run_t *run = h_run_get(h, c, "lenient-1");
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PASS);
    assert_int_equal(run->verdict->n_reasons, 0);
    h_finish(h);
}

static void
test_policy_gate_strict(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start_args(h, c, h_path(h, "gate", gstate), "--policy",
                            POL("strict.yml"), NULL);
    push(h, c, "strict-1", 1, PASSING, NULL);
    const sl_pb_run_t *run = h_run_get(h, c, "strict-1");
    assert_int_equal(run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(run->verdict->n_reasons, 1);
    assert_string_equal(run->verdict->reasons[0]->rule, "coverage.line");
    assert_true(run->verdict->reasons[0]->threshold == 80.0);
    h_finish(h);
}

/* An invalid policy: exit 2 with the message, before the state is made or
 * the ready file written. */
static void
test_policy_gate_invalid(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    h_proc_t *g = h_gate_spawn_args(h, c, h_path(h, "gate", gstate),
                                    "--policy", POL("anchors.yml"), NULL);
    char *err = h_expect_exit(h, g, 2);
    assert_string_equal(err, "sluice-gate: " POL("anchors.yml")
                             ":2:11: anchors and aliases are not allowed "
                             "(&a)\n");
    free(err);
    assert_int_not_equal(access(gstate, F_OK), 0);
    assert_int_not_equal(access(g->ready, F_OK), 0);
    g = h_gate_spawn_args(h, c, gstate, "--policy", POL("no-such.yml"), NULL);
    err = h_expect_exit(h, g, 2);
    assert_string_equal(err, "sluice-gate: " POL("no-such.yml")
                             ": cannot open: No such file or directory\n");
    free(err);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policy_check, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_check_help, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_gate, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_gate_strict, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_gate_invalid, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
