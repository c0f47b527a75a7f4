/* Scenario: `sluice gate replay` judges the stored history again with a
 * proposed policy (the gate's own code in a throwaway state) and changes
 * nothing: counts per verdict next to the stored ones, the verdicts that
 * would change, the alerts it would raise, --project and --since. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void
write_file(h_env_t *h, const char *name, const char *text, char *path)
{
    FILE *f = fopen(h_path(h, name, path), "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Two failing and one passing run of project "a" on a topic branch, one
 * failing run of project "b", all judged by the live gate's defaults. */
static void
push_history(h_env_t *h, const h_proc_t *c)
{
    static const struct {
        const char *project, *run, *commit, *file;
        int status;
    } runs[] = {
        {"a", "a-1", "c1", H_FIXTURE("failing.xml"), 1},
        {"a", "a-2", "c2", H_FIXTURE("passing.xml"), 0},
        {"a", "a-3", "c3", H_FIXTURE("ctest.xml"), 1},
        {"b", "b-1", "c4", H_FIXTURE("failing.xml"), 1},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        const h_result_t *r = h_agent(
            h, "push", "--collector", c->listen, "--project", runs[i].project,
            "--branch", "topic", "--commit", runs[i].commit, "--run-id",
            runs[i].run, "--wait=20", runs[i].file, NULL);
        assert_int_equal(r->status, runs[i].status);
    }
}

static void
test_replay(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gate[H_PATH], lenient[H_PATH], strict[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gate));
    push_history(h, c);
    h_events_t before;
    h_events(h, c, "a-1", &before);

    /* sluice runs filters by commit prefix and CI job */
    const h_result_t *rr = h_cli(h, "runs", "--collector", c->listen,
                                 "--commit", "c2", "--json", NULL);
    assert_int_equal(rr->status, 0);
    yajl_val runs = h_json(h, rr->out);
    assert_int_equal(runs->u.array.len, 1);
    assert_string_equal(h_json_str(runs->u.array.values[0], H_JPATH("run_id")),
                        "a-2");
    rr = h_cli(h, "runs", "--collector", c->listen, "--job", "nightly",
               "--json", NULL);
    assert_int_equal(rr->status, 0);
    assert_int_equal(h_json(h, rr->out)->u.array.len, 0);

    write_file(h, "lenient.yml",
               "defaults:\n  max_test_failures: unlimited\n"
               "  max_test_errors: unlimited\n",
               lenient);
    const h_result_t *r = h_cli(h, "gate", "replay", "--collector", c->listen,
                                "--policy", lenient, "--json", NULL);
    assert_int_equal(r->status, 0);
    yajl_val j = h_json(h, r->out);
    assert_int_equal(h_json_int(j, H_JPATH("runs")), 4);
    assert_int_equal(h_json_int(j, H_JPATH("would", "pass")), 4);
    assert_int_equal(h_json_int(j, H_JPATH("would", "fail")), 0);
    assert_int_equal(h_json_int(j, H_JPATH("stored", "pass")), 1);
    assert_int_equal(h_json_int(j, H_JPATH("stored", "fail")), 3);
    assert_int_equal(h_json_int(j, H_JPATH("changed")), 3);

    /* --project: only a's runs count (b's still fold) */
    r = h_cli(h, "gate", "replay", "--collector", c->listen, "--policy",
              lenient, "--project", "a", "--json", NULL);
    assert_int_equal(r->status, 0);
    j = h_json(h, r->out);
    assert_int_equal(h_json_int(j, H_JPATH("runs")), 3);
    assert_int_equal(h_json_int(j, H_JPATH("changed")), 2);

    /* the people's table */
    write_file(h, "strict.yml", "defaults:\n  max_test_failures: 0\n", strict);
    r = h_cli(h, "gate", "replay", "--collector", c->listen, "--policy",
              strict, NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "4 run(s) judged");
    h_assert_contains(r->out, "0 verdict(s) would change");

    /* --since in the future: nothing counted */
    r = h_cli(h, "gate", "replay", "--collector", c->listen, "--policy",
              lenient, "--since", "2999-01-01", "--json", NULL);
    assert_int_equal(r->status, 0);
    j = h_json(h, r->out);
    assert_int_equal(h_json_int(j, H_JPATH("runs")), 0);

    /* usage errors */
    r = h_cli(h, "gate", "replay", "--collector", c->listen, NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "--policy F is required");
    r = h_cli(h, "gate", "replay", "--collector", c->listen, "--policy",
              lenient, "--since", "yesterday", NULL);
    assert_int_equal(r->status, 2);

    /* nothing changed in the log */
    h_events_t after;
    h_events(h, c, "a-1", &after);
    assert_int_equal(after.n, before.n);
    assert_int_equal(after.last_lsn, before.last_lsn);
    assert_int_equal(after.head_lsn, before.head_lsn);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replay, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
