/* Scenario: a policy file with scopes sets the thresholds.
 *
 * `sluice check --policy F` judges with the file's defaults, or with the
 * scopes of --project P and --branch B; a threshold flag overrides the
 * file and its scopes; an invalid file or flag is refused with its exact
 * message and exit status 2. A real sluice-gate started with --policy
 * judges each pushed run with the scopes of its own project and branch
 * (two runs of the same files get different verdicts), its threshold
 * flags override the file, and one given an invalid file or flag exits 2
 * with the message before it opens its state. Both --help list every
 * threshold flag with its default, as sl_policy_flags_help prints them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "sluice/policy.h"

#define EX(path)  SL_SOURCE_DIR "/examples/" path
#define POL(name) SL_SOURCE_DIR "/tests/fixtures/policy/" name

/* By default: 1 failed, 1 errored, 65.5% of lines, 4 high, 2 medium, 6
 * low: a fail. Under lenient.yml: a pass. */
#define FAILING EX("junit/failing.xml"), EX("coverage/cobertura.xml"),         \
                EX("sarif/flawfinder.sarif")
/* By default: 5 passed, 75.0% of lines: a pass. Under strict.yml
 * (min_coverage 80): a fail. */
#define PASSING EX("junit/passing.xml"), EX("coverage/lcov.info")

/* The rules of the reasons of a `sluice check` text output, in order,
 * separated by spaces ("" for none). */
static void
assert_rules(const char *out, const char *want)
{
    static const char *const rules[] = {
        "tests.failed",   "tests.errors",  "coverage.line",
        "findings.critical", "findings.high", "findings.medium",
        "findings.low"};
    char got[160] = "";
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        char fail[64], warn[64];
        (void)snprintf(fail, sizeof fail, "\n  fail    %s ", rules[i]);
        (void)snprintf(warn, sizeof warn, "\n  warn    %s ", rules[i]);
        if (strstr(out, fail) != NULL || strstr(out, warn) != NULL) {
            size_t n = strlen(got);
            (void)snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "",
                           rules[i]);
        }
    }
    if (strcmp(got, want) != 0) {
        print_error("rules '%s', wanted '%s' in\n%s", got, want, out);
    }
    assert_string_equal(got, want);
}

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
    h_assert_contains(r->out, "4 high finding(s) (maximum 3)");
    assert_rules(r->out, "findings.high"); /* the rest: still the file's */
    h_finish(h);
}

/* The scopes of scopes.yml through --project and --branch. */
static void
test_policy_check_scopes(void **state)
{
    h_env_t *h = *state;
    const char *f = POL("scopes.yml");
    const h_result_t *r = h_cli(h, "check", "--policy", f, "--project",
                                "demo", "--branch", "feature/x", FAILING,
                                NULL);
    assert_int_equal(r->status, 0);
    assert_rules(r->out, "");
    /* demo on main: main's scope of demo puts max_test_failures back */
    r = h_cli(h, "check", "--policy", f, "--project", "demo", "--branch",
              "main", FAILING, NULL);
    assert_int_equal(r->status, 1);
    assert_rules(r->out, "tests.failed");
    /* another project: the defaults (medium 5, low 100 on any branch) */
    r = h_cli(h, "check", "--policy", f, "--project", "other", "--branch",
              "feature/x", FAILING, NULL);
    assert_int_equal(r->status, 1);
    assert_rules(r->out, "tests.failed tests.errors coverage.line "
                         "findings.high");
    /* no --branch: no branch scope (nor demo's scope of main) */
    r = h_cli(h, "check", "--policy", f, "--project", "demo", FAILING, NULL);
    assert_int_equal(r->status, 0);
    r = h_cli(h, "check", "--policy", f, "--branch", "release/1.0", PASSING,
              NULL);
    assert_int_equal(r->status, 1);
    assert_rules(r->out, "coverage.line");
    h_assert_contains(r->out, "is below 80.00%");
    r = h_cli(h, "check", "--policy", f, "--branch", "main", PASSING, NULL);
    assert_int_equal(r->status, 0);
    /* a flag overrides the scope that set the key */
    r = h_cli(h, "check", "--policy", f, "--project", "demo", "--branch",
              "main", "--max-test-failures=1", FAILING, NULL);
    assert_int_equal(r->status, 0);
    r = h_cli(h, "check", "--policy", f, "--branch", "release/1.0",
              "--min-coverage", "75", PASSING, NULL);
    assert_int_equal(r->status, 0);
    h_finish(h);
}

/* Invalid files and flags: the exact message on stderr, nothing on
 * stdout, exit status 2. */
static void
test_policy_check_invalid(void **state)
{
    h_env_t *h = *state;
    static const struct {
        const char *file, *msg;
    } bad[] = {
        {POL("syntax.yml"), ":3:2: did not find expected key (while "
                            "parsing a block mapping at line 1)"},
        {POL("unknown-top.yml"), ":3:1: unknown top-level key 'stages' "
                                 "(known: defaults, branches, projects)"},
        {POL("welch-scope.yml"), ":7:21: max_regression 20 is not a p-value "
                                 "(above 0, below 1) as bench_method welch "
                                 "(line 4) needs"},
        {POL("rule-no-match.yml"), ":5:7: benchmarks[1]: match is required "
                                   "(a glob on benchmark names)"},
        {POL("bad-url.yml"), ":3:20: alert_webhook: want an http:// or "
                             "https:// URL, not "
                             "'ftp://hooks.example.com/x'"},
        {POL("no-such.yml"), ": cannot open: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[512];
        (void)snprintf(want, sizeof want, "sluice check: %s%s\n", bad[i].file,
                       bad[i].msg);
        const h_result_t *r =
            h_cli(h, "check", "--policy", bad[i].file, PASSING, NULL);
        assert_int_equal(r->status, 2);
        assert_string_equal(r->out, "");
        assert_string_equal(r->err, want);
    }
    const h_result_t *r =
        h_cli(h, "check", "--max-high-vulns", "lots", PASSING, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "sluice check: --max-high-vulns: want a "
                                "whole number or unlimited, not 'lots'\n"
                                "Try 'sluice check --help'.\n");
    /* a flag that makes no valid rule with the file's scopes */
    r = h_cli(h, "check", "--policy", POL("scopes.yml"), "--bench-window",
              "2", PASSING, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "sluice check: --bench-window: "
                                "bench_min_history 3 (default) is more than "
                                "bench_window 2\n"
                                "Try 'sluice check --help'.\n");
    r = h_cli(h, "check", "--min-coverage", PASSING, NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "--min-coverage: want a percentage from 0 to "
                              "100, not '");
    h_finish(h);
}

/* sl_policy_flags_help's text, owned by the caller. */
static char *
flags_help(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    sl_policy_flags_help(f);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* --help of check and of the gate: every threshold flag with its
 * default. */
static void
test_policy_help(void **state)
{
    h_env_t *h = *state;
    char *flags = flags_help();
    sl_policy_t d;
    sl_policy_defaults(&d);
    const h_result_t *r = h_cli(h, "check", "--help", NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "--policy F");
    h_assert_contains(r->out, "--project P");
    h_assert_contains(r->out, "--branch B");
    h_assert_contains(r->out, flags);
    /* what the defaults are, as the run judged by default shows */
    h_assert_contains(r->out, "--min-coverage PCT");
    h_assert_contains(r->out, "(default 75)");
    h_assert_contains(r->out, "(default unlimited)");

    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    h_proc_t *g = h_gate_spawn_args(h, c, h_path(h, "gate", gstate),
                                    "--help", NULL);
    char *err = h_expect_exit(h, g, 0);
    assert_string_equal(err, "");
    free(err);
    char *out = h_read(g->out);
    h_assert_contains(out, "--policy F");
    h_assert_contains(out, flags);
    free(out);
    free(flags);
    h_finish(h);
}

static void
push(h_env_t *h, const h_proc_t *c, const char *project, const char *branch,
     const char *run_id, int want, const char *f1, const char *f2,
     const char *f3)
{
    /* Each run its own commit: one commit's runs that fail and pass the
     * same test would name it flaky. */
    const h_result_t *r =
        f3 != NULL
            ? h_agent(h, "push", "--collector", c->listen, "--project",
                      project, "--branch", branch, "--commit", run_id,
                      "--run-id", run_id, "--wait=20", f1, f2, f3, NULL)
            : h_agent(h, "push", "--collector", c->listen, "--project",
                      project, "--branch", branch, "--commit", run_id,
                      "--run-id", run_id, "--wait=20", f1, f2, NULL);
    if (r->status != want) {
        print_error("push %s: status %d, wanted %d\n%s%s", run_id, r->status,
                    want, r->out, r->err);
    }
    assert_int_equal(r->status, want);
}

/* The rules of the run's verdict, in order, separated by spaces. */
static void
assert_verdict(h_env_t *h, const h_proc_t *c, const char *run_id,
               Sluice__V1__VerdictStatus status, const char *rules)
{
    /* the final verdict (a push on main may return at the early one) */
    const sl_pb_run_t *run = h_wait_verdict(h, c, run_id, 20000);
    char got[160] = "";
    assert_non_null(run->verdict);
    for (size_t i = 0; i < run->verdict->n_reasons; i++) {
        size_t n = strlen(got);
        (void)snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "",
                       run->verdict->reasons[i]->rule);
    }
    if (run->verdict->status != status || strcmp(got, rules) != 0) {
        print_error("run %s: status %d, rules '%s'; wanted %d, '%s'\n",
                    run_id, run->verdict->status, got, status, rules);
    }
    assert_int_equal(run->verdict->status, status);
    assert_string_equal(got, rules);
}

#define PASS SLUICE__V1__VERDICT_STATUS__VERDICT_PASS
#define FAIL SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL

/* One gate, one file: each run is judged with the scopes of its own
 * project and branch. */
static void
test_policy_gate_scopes(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start_args(h, c, h_path(h, "gate", gstate), "--policy",
                            POL("scopes.yml"), NULL);
    push(h, c, "demo", "feature/x", "demo-feature", 0, FAILING);
    assert_verdict(h, c, "demo-feature", PASS, "");
    push(h, c, "demo", "main", "demo-main", 1, FAILING);
    assert_verdict(h, c, "demo-main", FAIL, "tests.failed");
    push(h, c, "other", "feature/x", "other-feature", 1, FAILING);
    assert_verdict(h, c, "other-feature", FAIL,
                   "tests.failed tests.errors coverage.line findings.high");
    push(h, c, "other", "release/1.0", "other-release", 1, PASSING, NULL);
    assert_verdict(h, c, "other-release", FAIL, "coverage.line");
    assert_true(h_run_get(h, c, "other-release")->verdict->reasons[0]
                    ->threshold == 80.0);
    push(h, c, "other", "main", "other-main", 0, PASSING, NULL);
    assert_verdict(h, c, "other-main", PASS, "");
    h_finish(h);
}

/* The gate's threshold flags override the file and its scopes, in both
 * directions: demo on main passes its tests, fails its findings. */
static void
test_policy_gate_flags(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    h_proc_t *g = h_gate_start_args(h, c, h_path(h, "gate", gstate),
                                    "--policy", POL("scopes.yml"),
                                    "--max-test-failures", "1",
                                    "--max-high-vulns=3", NULL);
    push(h, c, "demo", "main", "demo-main", 1, FAILING);
    assert_verdict(h, c, "demo-main", FAIL, "findings.high");
    assert_true(h_wait_verdict(h, c, "demo-main", 20000)->verdict->reasons[0]
                    ->threshold == 3.0);
    /* without a file: the defaults and the flags */
    char gstate2[H_PATH];
    h_stop(h, g);
    (void)h_gate_start_args(h, c, h_path(h, "gate2", gstate2),
                            "--min-coverage", "70", NULL);
    push(h, c, "demo", "release/2", "strict-2", 0, PASSING, NULL);
    assert_verdict(h, c, "strict-2", PASS, "");
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
    push(h, c, "demo", "main", "strict-1", 1, PASSING, NULL);
    assert_verdict(h, c, "strict-1", FAIL, "coverage.line");
    assert_true(h_run_get(h, c, "strict-1")->verdict->reasons[0]->threshold ==
                80.0);
    h_finish(h);
}

/* An invalid policy or flag: exit 2 with the message, before the state
 * is made or the ready file written. */
static void
test_policy_gate_invalid(void **state)
{
    h_env_t *h = *state;
    static const struct {
        const char *args[4];
        const char *msg;
    } bad[] = {
        {{"--policy", POL("anchors.yml"), NULL},
         "sluice-gate: " POL("anchors.yml") ":2:11: anchors and aliases are "
         "not allowed (&a)\n"},
        {{"--policy", POL("no-such.yml"), NULL},
         "sluice-gate: " POL("no-such.yml") ": cannot open: No such file or "
         "directory\n"},
        {{"--policy", POL("welch-scope.yml"), NULL},
         "sluice-gate: " POL("welch-scope.yml") ":7:21: max_regression 20 is "
         "not a p-value (above 0, below 1) as bench_method welch (line 4) "
         "needs\n"},
        {{"--policy", POL("branch-in-defaults.yml"), NULL},
         "sluice-gate: " POL("branch-in-defaults.yml") ":2:3: unknown key "
         "'branches' in defaults (branches is a top-level key, or a key of a "
         "project)\n"},
        {{"--max-medium-vulns", "-1", NULL},
         "sluice-gate: --max-medium-vulns: want a whole number or "
         "unlimited, not '-1' (see --help)\n"},
        {{"--policy", POL("scopes.yml"), "--bench-window", "2"},
         "sluice-gate: --bench-window: bench_min_history 3 (default) is more "
         "than bench_window 2\n"},
    };
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_path(h, "gate", gstate);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const *a = bad[i].args;
        h_proc_t *g = h_gate_spawn_args(h, c, gstate, a[0], a[1], a[2], a[3],
                                        NULL);
        char *err = h_expect_exit(h, g, 2);
        assert_string_equal(err, bad[i].msg);
        free(err);
        assert_int_not_equal(access(gstate, F_OK), 0);
        assert_int_not_equal(access(g->ready, F_OK), 0);
    }
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policy_check, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_check_scopes, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_check_invalid, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_help, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_gate_scopes, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_gate_flags, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_gate_strict, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_policy_gate_invalid, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
