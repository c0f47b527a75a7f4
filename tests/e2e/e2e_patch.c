/* Scenario: patch coverage. A push of a coverage report with --diff (the
 * diff of tests/fixtures/diff/patch.diff, made by git from the report's
 * own sources) stores one PatchCoverage event, and `sluice run R --json`
 * shows exactly the figures counted by hand below; `sluice check --diff`
 * computes the same offline. A malformed diff, a missing one, or a diff
 * without any coverage report stores nothing and exits 2. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "sluice/run.h"

#define FIX(dir, name) SL_SOURCE_DIR "/tests/fixtures/" dir "/" name

/* gcovr.xml (gcovr 5.2 over tests/fixtures/cobertura/src/c, <source>.):
 *   main.c lines: 7 9 10(5) 11(4) 13 17 20 21 22 23 24(0) 26 27
 *   lib/calc.c lines: 5 7 8(0) 10 11 13(0) 17 19 20 21(0) 22(0) 24(0)
 *                     29(0) 31(0) 32(0) 34(0)
 * (hits 1 unless given). patch.diff adds (new line numbers):
 *   src/c/main.c      11, 19-25 -> 8 added; in the report: 11 (4),
 *                     20 21 22 23 (1), 24 (0) -> 6 coverable, 5 covered
 *                     (19 "(void)argv;" and 25 "}" are not lines of it)
 *   src/c/lib/calc.c  27-35 (calc_unused) -> 9 added; 29 31 32 34, all
 *                     0 hits -> 4 coverable, 0 covered
 *   README.md         2-4 -> 3 added, matching no report file
 * Total: 20 added, 10 coverable, 5 covered, rate 0.5, 3 files. */
#define ADDED     20
#define COVERABLE 10
#define COVERED   5
#define FILES     3

static void
assert_patch(yajl_val j)
{
    assert_int_equal(h_json_int(j, H_JPATH("patch", "lines_added")), ADDED);
    assert_int_equal(h_json_int(j, H_JPATH("patch", "lines_coverable")),
                     COVERABLE);
    assert_int_equal(h_json_int(j, H_JPATH("patch", "lines_covered")), COVERED);
    assert_true(fabs(h_json_num(j, H_JPATH("patch", "rate")) - 0.5) < 1e-12);
    assert_int_equal(h_json_int(j, H_JPATH("patch", "files")), FILES);
}

typedef struct patch_seen {
    size_t n;
    uint64_t stream, seq;
    uint64_t added, coverable, covered;
} patch_seen_t;

static void
on_event(const sl_pb_event_t *e, uint64_t lsn, void *ctx)
{
    patch_seen_t *s = ctx;
    (void)lsn;
    if (e->body_case != SLUICE__V1__EVENT__BODY_PATCH) {
        return;
    }
    s->n++;
    s->stream = e->stream;
    s->seq = e->seq;
    s->added = e->patch->lines_added;
    s->coverable = e->patch->lines_coverable;
    s->covered = e->patch->lines_covered;
}

static void
test_patch_push(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "calc", "--branch",
        "feature", "--commit", "c0ffee", "--run-id", "patch-1", "--diff",
        FIX("diff", "patch.diff"), FIX("junit", "pytest.xml"),
        FIX("cobertura", "gcovr.xml"), NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    /* One PatchCoverage event, on its reserved stream, seq 1. */
    h_events_t ev;
    patch_seen_t seen = {0};
    h_events_each(h, c, "patch-1", &ev, on_event, &seen);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.stream, SL_STREAM_PATCH);
    assert_int_equal(seen.seq, 1);
    assert_int_equal(seen.added, ADDED);
    assert_int_equal(seen.coverable, COVERABLE);
    assert_int_equal(seen.covered, COVERED);
    r = h_cli(h, "run", "patch-1", "--json", "--collector", c->listen, NULL);
    assert_int_equal(r->status, 0);
    char *online = strdup(r->out);
    assert_non_null(online);
    yajl_val j = h_json(h, online);
    assert_patch(j);
    /* The same push again: stored once (the patch stream holds seq 1). */
    r = h_agent(h, "push", "--collector", c->listen, "--project", "calc",
                "--branch", "feature", "--commit", "c0ffee", "--run-id",
                "patch-1", "--diff", FIX("diff", "patch.diff"),
                FIX("cobertura", "gcovr.xml"), NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "0 event(s) newly stored");
    memset(&seen, 0, sizeof seen);
    h_events_each(h, c, "patch-1", &ev, on_event, &seen);
    assert_int_equal(seen.n, 1);
    /* Offline, the same figures. */
    r = h_cli(h, "check", "--json", "--diff", FIX("diff", "patch.diff"),
              FIX("junit", "pytest.xml"), FIX("cobertura", "gcovr.xml"), NULL);
    assert_int_equal(r->status, 1); /* pytest.xml has a failure */
    assert_string_equal(r->err, "");
    yajl_val offline = h_json(h, r->out);
    assert_patch(offline);
    yajl_val on = yajl_tree_parse(online, NULL, 0);
    assert_non_null(on);
    assert_true(
        h_json_equal(yajl_tree_get(on, H_JPATH("patch"), yajl_t_any),
                     yajl_tree_get(offline, H_JPATH("patch"), yajl_t_any)));
    yajl_tree_free(on);
    free(online);
    /* Without --diff there is no "patch" member. */
    r = h_cli(h, "check", "--json", FIX("cobertura", "gcovr.xml"), NULL);
    assert_null(yajl_tree_get(h_json(h, r->out), H_JPATH("patch"), yajl_t_any));
    h_finish(h);
}

static void
assert_not_stored(h_env_t *h, const h_proc_t *c, const char *run_id)
{
    const sl_pb_run_t *run = NULL;
    sl_err_t err = {0};
    h_events_t ev;
    assert_int_equal(h_run_query(h, c, run_id, &run, &err), SL_ENOTFOUND);
    h_events(h, c, run_id, &ev);
    assert_int_equal(ev.n, 0);
    assert_int_equal(ev.head_lsn, 0); /* the whole log is still empty */
}

/* Pushes the coverage report with --diff diff (and more files up to NULL)
 * and expects exit 2, want in stderr and nothing stored. */
static void
push_refused(h_env_t *h, const h_proc_t *c, const char *diff, const char *file,
             const char *want)
{
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--window", "1",
                "--run-id", "refused", "--diff", diff, file, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    h_assert_contains(r->err, want);
    assert_not_stored(h, c, "refused");
    r = h_cli(h, "check", "--diff", diff, file, NULL);
    assert_int_equal(r->status, 2);
    assert_string_equal(r->out, "");
    h_assert_contains(r->err, want);
}

static void
test_patch_refused(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], bad[H_PATH], want[2 * H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    /* A hunk whose body has one line fewer than its header says. */
    h_path(h, "bad.diff", bad);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    assert_true(fputs("diff --git a/main.c b/main.c\n--- a/main.c\n"
                      "+++ b/main.c\n@@ -1,2 +1,4 @@\n a\n+b\n b\n"
                      "diff --git a/x.c b/x.c\n",
                      f) >= 0);
    assert_int_equal(fclose(f), 0);
    (void)snprintf(want, sizeof want,
                   "%s:8: not a hunk line (want ' ', '-', '+' or '\\') (the "
                   "hunk of line 4 has 0 old and 1 new lines to go)",
                   bad);
    push_refused(h, c, bad, FIX("cobertura", "gcovr.xml"), want);
    (void)snprintf(want, sizeof want, "%s: No such file or directory",
                   h_path(h, "none.diff", bad));
    push_refused(h, c, bad, FIX("cobertura", "gcovr.xml"), want);
    /* Test results only: there is nothing to tell patch coverage from. */
    push_refused(h, c, FIX("diff", "patch.diff"), FIX("junit", "pytest.xml"),
                 "--diff: no coverage report among the files (patch "
                 "coverage needs one: cobertura, jacoco, lcov or gocover)");
    assert_true(h_count_files(h->spool, ".spool") <= 0);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_patch_push, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_patch_refused, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
