/* Scenario: the verdict reaches CI systems. Through a real collector and
 * gate, `sluice-agent push --wait --github --junit-out F` of a failing run
 * prints the table and one GitHub ::error workflow command per reason,
 * appends a Markdown section to $GITHUB_STEP_SUMMARY (what the step wrote
 * before stays), writes F as JUnit XML with one failure per reason (parsed
 * back with expat), leaves no temp file beside it, and exits 1. With
 * --json, stdout is the JSON alone and the commands go to stderr. A
 * passing run writes a passing report; a report that cannot be written
 * is said on stderr and the verdict keeps the exit status. --github or
 * --junit-out without --wait is refused with exit 2 before anything is
 * sent. */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define EX(path) SL_SOURCE_DIR "/examples/" path
/* By default: 1 failed, 1 errored, 65.5% of lines, 4 high findings. */
#define FAILING                                                                \
    EX("junit/failing.xml"), EX("coverage/cobertura.xml"),                     \
        EX("sarif/flawfinder.sarif")
/* 5 passed, 75.0% of lines: a pass. */
#define PASSING EX("junit/passing.xml"), EX("coverage/lcov.info")

/* Adds NAME=value to the environment of every child from now on. */
static void
env_put(h_env_t *h, const char *name, const char *value)
{
    int n = 0;
    while (h->envp[n] != NULL) {
        n++;
    }
    assert_true(n < H_MAX_ENV);
    int len = snprintf(h->env_store[n], H_PATH, "%s=%s", name, value);
    assert_true(len > 0 && len < H_PATH);
    h->envp[n] = h->env_store[n];
    h->envp[n + 1] = NULL;
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static size_t
count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p != NULL;
         p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* ---- JUnit, read back with expat ---- */

typedef struct junit {
    size_t suites, cases, failures, errors;
    char suite_tests[16], suite_failures[16];
    char names[32][256];
    char messages[32][256]; /* failure message of case i */
} junit_t;

static void
copy_attr(char *dst, size_t cap, const XML_Char **a, const char *name)
{
    dst[0] = '\0';
    for (size_t i = 0; a[i] != NULL; i += 2) {
        if (strcmp(a[i], name) == 0) {
            (void)snprintf(dst, cap, "%s", a[i + 1]);
        }
    }
}

static void XMLCALL
on_start(void *ctx, const XML_Char *el, const XML_Char **a)
{
    junit_t *j = ctx;
    if (strcmp(el, "testsuite") == 0) {
        j->suites++;
        copy_attr(j->suite_tests, sizeof j->suite_tests, a, "tests");
        copy_attr(j->suite_failures, sizeof j->suite_failures, a,
                  "failures");
    } else if (strcmp(el, "testcase") == 0 && j->cases < 32) {
        copy_attr(j->names[j->cases++], sizeof j->names[0], a, "name");
    } else if (strcmp(el, "failure") == 0 && j->cases > 0) {
        j->failures++;
        copy_attr(j->messages[j->cases - 1], sizeof j->messages[0], a,
                  "message");
    } else if (strcmp(el, "error") == 0) {
        j->errors++;
    }
}

static void XMLCALL
on_end(void *ctx, const XML_Char *el)
{
    (void)ctx;
    (void)el;
}

static void
junit_read(const char *path, junit_t *j)
{
    char *xml = h_read(path);
    memset(j, 0, sizeof *j);
    XML_Parser p = XML_ParserCreate("UTF-8");
    assert_non_null(p);
    XML_SetUserData(p, j);
    XML_SetElementHandler(p, on_start, on_end);
    int ok = XML_Parse(p, xml, (int)strlen(xml), 1) == XML_STATUS_OK;
    if (!ok) {
        print_error("%s: %s\n%s\n", path,
                    XML_ErrorString(XML_GetErrorCode(p)), xml);
    }
    XML_ParserFree(p);
    free(xml);
    assert_true(ok);
}

/* ---- scenarios ---- */

/* The reasons of the stored verdict, as the GitHub commands and JUnit
 * cases must name them. */
static void
assert_outputs(h_env_t *h, const h_proc_t *c, const char *run_id,
               const char *commands, const char *junit_path)
{
    const sl_pb_run_t *run = h_run_get(h, c, run_id);
    const sl_pb_verdict_t *v = run->verdict;
    assert_int_equal(v->status, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(v->n_reasons, 4); /* tests x2, coverage, high */
    assert_int_equal(count(commands, "::error title=sluice%3A "), 4);
    assert_int_equal(count(commands, "::warning "), 0);
    /* one case per rule checked (9 here), a failure for each reason */
    junit_t j;
    junit_read(junit_path, &j);
    assert_int_equal(j.suites, 1);
    assert_int_equal(v->n_rules_checked, 9);
    assert_int_equal(j.cases, 9);
    assert_int_equal(j.failures, 4);
    assert_int_equal(j.errors, 0);
    assert_string_equal(j.suite_tests, "9");
    assert_string_equal(j.suite_failures, "4");
    for (size_t i = 0; i < v->n_reasons; i++) {
        char want[512];
        (void)snprintf(want, sizeof want, "::error title=sluice%%3A %s::",
                       v->reasons[i]->rule);
        h_assert_contains(commands, want);
        size_t k = 0;
        while (k < j.cases && strcmp(j.names[k], v->reasons[i]->rule) != 0) {
            k++;
        }
        assert_true(k < j.cases);
        assert_string_equal(j.messages[k], v->reasons[i]->message);
    }
}

static void
test_ci_output_failing(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH], summary[H_PATH], junit[H_PATH];
    char out_dir[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gstate));
    h_path(h, "summary.md", summary);
    write_file(summary, "## Tests\n\nwritten by an earlier command\n");
    env_put(h, "GITHUB_STEP_SUMMARY", summary);
    h_path(h, "reports", out_dir);
    h_path(h, "reports/sluice-junit.xml", junit);
    assert_int_equal(mkdir(out_dir, 0755), 0);

    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "demo", "--branch",
        "feature/ci", "--commit", "0123456789abcdef0123", "--run-id", "ci-1",
        "--wait=20", "--github", "--junit-out", junit, FAILING, NULL);
    if (r->status != 1) {
        print_error("status %d\n%s%s", r->status, r->out, r->err);
    }
    assert_int_equal(r->status, 1);
    /* the table, then the commands */
    h_assert_contains(r->out, "verdict: fail  run ci-1  project demo  branch "
                              "feature/ci  commit 0123456789ab\n");
    h_assert_contains(r->out, "  status  rule ");
    h_assert_contains(r->out, "\n  fail    tests.failed ");
    h_assert_contains(r->out, "::error title=sluice%3A tests.failed::1 "
                              "test(s) failed (maximum 0): "
                              "demo.queue.test_queue.test_fifo_order%0Avalue "
                              "1, threshold 0\n");
    h_assert_contains(r->out, "::error title=sluice%3A coverage.line::line "
                              "coverage 65.52%25 (19 of 29 lines) is below "
                              "75.00%25%0Avalue 65.52, threshold 75\n");
    assert_true(strstr(r->out, "::error") > strstr(r->out, "  status"));
    assert_string_equal(r->err, "");
    char *out = strdup(r->out);
    assert_non_null(out);
    assert_outputs(h, c, "ci-1", out, junit);
    free(out);
    /* nothing but the report in its directory (with . and ..) */
    assert_int_equal(h_count_files(out_dir, ""), 3);

    char *md = h_read(summary);
    assert_int_equal(strncmp(md, "## Tests\n\nwritten by an earlier "
                                 "command\n\n### ",
                             strlen("## Tests\n\nwritten by an earlier "
                                    "command\n\n### ")),
                     0);
    h_assert_contains(md, " sluice: fail\n\nrun ci-1, project demo, branch "
                          "feature/ci, commit 0123456789ab\n");
    h_assert_contains(md, "| status | rule | value | threshold | message |\n"
                          "| --- | --- | ---: | ---: | --- |\n");
    h_assert_contains(md, "| fail | tests.errors | 1 | 0 | 1 test(s) "
                          "errored (maximum 0): "
                          "demo.queue.test\\_queue.test\\_persist |\n");
    assert_int_equal(count(md, "\n| fail | "), 4);
    free(md);

    /* --json: stdout is the JSON alone, the commands go to stderr (the
     * runner reads both); the summary gets a second section */
    r = h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                "--branch", "feature/ci", "--commit", "ci2",
                "--run-id", "ci-2", "--wait=20", "--json", "--github",
                "--junit-out", junit, FAILING, NULL);
    assert_int_equal(r->status, 1);
    yajl_val jv = h_json(h, r->out);
    assert_string_equal(h_json_str(jv, H_JPATH("verdict", "status")), "fail");
    (void)h_json_array(jv, H_JPATH("verdict", "reasons"), 4);
    (void)h_json_array(jv, H_JPATH("verdict", "rules_checked"), 9);
    assert_null(strstr(r->out, "::error"));
    char *err = strdup(r->err);
    assert_non_null(err);
    assert_outputs(h, c, "ci-2", err, junit);
    free(err);
    md = h_read(summary);
    assert_int_equal(count(md, " sluice: fail\n"), 2);
    h_assert_contains(md, "run ci-2, project demo");
    free(md);
    h_finish(h);
}

/* A pass: no command, a passing report, a summary with nothing broken.
 * An unwritable report or summary: said on stderr, the pass stays 0. */
static void
test_ci_output_passing(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH], summary[H_PATH], junit[H_PATH];
    char bad[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gstate));
    env_put(h, "GITHUB_STEP_SUMMARY", h_path(h, "summary.md", summary));
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "demo", "--run-id",
        "ok-1", "--wait=20", "--github", "--junit-out",
        h_path(h, "junit.xml", junit), PASSING, NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "verdict: pass  run ok-1");
    assert_null(strstr(r->out, "::"));
    junit_t j;
    junit_read(junit, &j);
    /* one passing case per rule checked */
    assert_int_equal(j.cases, h_run_get(h, c, "ok-1")->verdict->n_rules_checked);
    assert_true(j.cases >= 8);
    assert_string_equal(j.names[0], "run.complete");
    assert_int_equal(j.failures + j.errors, 0);
    char *md = h_read(summary);
    h_assert_contains(md, " sluice: pass\n");
    h_assert_contains(md, "No rule broken.\n");
    free(md);

    r = h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                "--run-id", "ok-2", "--wait=20", "--junit-out",
                h_path(h, "no-such-dir/junit.xml", bad), PASSING, NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->err, "sluice-agent: --junit-out: ");
    h_assert_contains(r->err, "no-such-dir/junit.xml: No such file or "
                              "directory\n");
    r = h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                "--run-id", "bad-1", "--wait=20", "--junit-out", bad,
                FAILING, NULL);
    assert_int_equal(r->status, 1);
    h_assert_contains(r->err, "no-such-dir/junit.xml: No such file");
    h_finish(h);
}

/* Without --wait there is no verdict to report: exit 2, nothing sent (no
 * collector even runs here). */
static void
test_ci_output_needs_wait(void **state)
{
    h_env_t *h = *state;
    char junit[H_PATH], ep[H_EP];
    h_unused_endpoint(h, "none", ep, sizeof ep);
    const h_result_t *r =
        h_agent(h, "push", "--collector", ep, "--github", PASSING, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    assert_string_equal(r->err, "sluice-agent push: --github reports the "
                                "verdict: give --wait too\n");
    r = h_agent(h, "push", "--collector", ep, "--json", "--junit-out",
                h_path(h, "j.xml", junit), PASSING, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->err, "sluice-agent push: --junit-out reports the "
                                "verdict: give --wait too\n");
    r = h_agent(h, "finish", "--collector", ep, "--run-id", "x", "--github",
                NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "--github reports the verdict");
    r = h_agent(h, "flush", "--collector", ep, "--wait", "--github", NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "report a verdict");
    assert_true(h_count_files(h->spool, "") <= 2); /* nothing spooled */
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ci_output_failing, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_ci_output_passing, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_ci_output_needs_wait, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
