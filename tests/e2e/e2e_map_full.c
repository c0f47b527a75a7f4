/* Scenario: a full store is an operational state, never a crash, and
 * nothing of a refused batch is acknowledged (DESIGN.md, Storage). A
 * collector with a 1 MiB map takes the first part of a 30,000-test run and
 * then refuses the rest (MDB_MAP_FULL poisons the transaction): the agent,
 * getting no ack that releases anything, spools what is unacknowledged and
 * exits 3; the collector logs the refusal, keeps answering queries, and
 * stops cleanly. Restarted on the same store with a 64 MiB map, it takes
 * the spool (flush) and then holds the whole run with every event exactly
 * once: had any refused batch been acked, the agent would have dropped it
 * and the run would stay short of its tests and its finish. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sluice/parse.h"

#define RUN     "mapfull-1"
#define NTESTS  30000
#define NEVENTS (NTESTS + 4) /* meta, begin, the tests, end, finish */
#define PREFIX  "test_case_"

/* The file's test i fails or is skipped on these, and passes otherwise. */
#define FAILS(i)   ((i) % 1000 == 7)
#define SKIPPED(i) ((i) % 1000 == 500)

/* What one GetEvents read of the run found, beyond h_events_t. */
typedef struct tally {
    unsigned char seen[NTESTS]; /* times test i was read (capped) */
    size_t stray;               /* tests of a name the file does not have */
} tally_t;

static int
write_case(FILE *f, unsigned i)
{
    const char *mod = "tests/storage/test_segment";
    if (FAILS(i)) {
        return fprintf(f,
                       "    <testcase classname=\"tests.storage.test_segment"
                       "%03u\" name=\"" PREFIX "%05u\" file=\"%s%03u.py\" "
                       "line=\"%u\" time=\"0.004\">\n      <failure message="
                       "\"assert 41 == 42\">%s%03u.py:%u: AssertionError"
                       "</failure>\n    </testcase>\n",
                       i / 100, i, mod, i / 100, 10 + i % 100 * 7, mod, i / 100,
                       12 + i % 100 * 7);
    }
    if (SKIPPED(i)) {
        return fprintf(f,
                       "    <testcase classname=\"tests.storage.test_segment"
                       "%03u\" name=\"" PREFIX "%05u\" time=\"0.000\">\n"
                       "      <skipped message=\"needs a big-endian host\"/>"
                       "\n    </testcase>\n",
                       i / 100, i);
    }
    return fprintf(f,
                   "    <testcase classname=\"tests.storage.test_segment%03u\" "
                   "name=\"" PREFIX "%05u\" file=\"%s%03u.py\" line=\"%u\" "
                   "time=\"0.%03u\"/>\n",
                   i / 100, i, mod, i / 100, 10 + i % 100 * 7, 1 + i % 9);
}

/* A pytest-style JUnit file of NTESTS small test cases; path gets its
 * name. */
static void
write_junit(const h_env_t *h, char *path)
{
    FILE *f = fopen(h_path(h, "big.xml", path), "w");
    assert_non_null(f);
    int bad = fprintf(f,
                      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                      "<testsuites>\n  <testsuite name=\"pytest\" "
                      "errors=\"0\" failures=\"%d\" skipped=\"%d\" "
                      "tests=\"%d\" time=\"61.250\" "
                      "hostname=\"ci-runner-7\">\n",
                      NTESTS / 1000, NTESTS / 1000, NTESTS) < 0;
    for (unsigned i = 0; i < NTESTS && !bad; i++) {
        bad = write_case(f, i) < 0;
    }
    bad |= fprintf(f, "  </testsuite>\n</testsuites>\n") < 0;
    bad |= fclose(f) != 0;
    assert_false(bad);
}

/* h_event_fn: counts each test event by the number in its name. */
static void
tally_event(const sl_pb_event_t *e, uint64_t lsn, void *ctx)
{
    tally_t *t = ctx;
    uint64_t i = 0;
    (void)lsn;
    if (e->body_case != SLUICE__V1__EVENT__BODY_TEST) {
        return;
    }
    const char *name = e->test->name;
    if (strncmp(name, PREFIX, strlen(PREFIX)) != 0 ||
        sl_parse_u64(name + strlen(PREFIX), 0, NTESTS - 1, &i) != SL_OK) {
        t->stray++;
    } else if (t->seen[i] < 255) {
        t->seen[i]++;
    }
}

/* Reads the run's events. The log holds this run only, so its events
 * must be LSNs 1..n with no hole (a refused group gives its LSNs back),
 * and its tests exactly the file's first `tests`, each once (a stream is
 * stored as a prefix). */
static void
read_events(h_env_t *h, const h_proc_t *c, uint64_t tests, h_events_t *ev,
            tally_t *t)
{
    memset(t, 0, sizeof *t);
    h_events_each(h, c, RUN, ev, tally_event, t);
    assert_int_equal(ev->head_lsn, ev->n);
    assert_int_equal(ev->first_lsn, ev->n > 0 ? 1 : 0);
    assert_int_equal(ev->last_lsn, ev->n);
    assert_true(ev->ascending);
    assert_int_equal(ev->undecodable, 0);
    assert_int_equal(ev->foreign, 0);
    assert_int_equal(ev->by_body[SLUICE__V1__EVENT__BODY_TEST], tests);
    assert_int_equal(t->stray, 0);
    for (uint64_t i = 0; i < NTESTS; i++) {
        if (t->seen[i] != (i < tests ? 1 : 0)) {
            print_error("test %llu read %u time(s), want %d (%llu stored)\n",
                        (unsigned long long)i, t->seen[i], i < tests,
                        (unsigned long long)tests);
            fail();
        }
    }
}

/* The test counts of the file's first n tests. */
static void
assert_tests_of_prefix(const sl_pb_run_t *run, uint64_t n)
{
    uint64_t failed = 0, skipped = 0;
    for (uint64_t i = 0; i < n; i++) {
        failed += FAILS(i);
        skipped += SKIPPED(i);
    }
    h_assert_tests(run, n, n - failed - skipped, failed, 0, skipped);
}

/* The run as the full store holds it: part of it, open, consistent with
 * the log. "no such run" is right too when not even the meta's batch fit
 * (it is small and sent first, so it does in practice). Returns how many
 * of its events are stored. */
static uint64_t
check_partial(h_env_t *h, const h_proc_t *c)
{
    const sl_pb_run_t *run = NULL;
    sl_err_t err = {0};
    h_events_t ev;
    tally_t *t = malloc(sizeof *t);
    assert_non_null(t);
    int rc = h_run_query(h, c, RUN, &run, &err);
    if (rc == SL_ENOTFOUND) {
        read_events(h, c, 0, &ev, t);
        assert_int_equal(ev.n, 0);
        free(t);
        return 0;
    }
    assert_int_equal(rc, SL_OK);
    assert_int_equal(run->state, SLUICE__V1__RUN_STATE__RUN_OPEN);
    uint64_t events = run->events;
    uint64_t tests = run->tests != NULL ? run->tests->total : 0;
    /* 1 MiB cannot hold 30,000 tests: the refusal came before the end. */
    assert_true(events > 0 && events < NEVENTS && tests < NTESTS);
    assert_tests_of_prefix(run, tests);
    read_events(h, c, tests, &ev, t); /* run points into a freed reply now */
    assert_int_equal(ev.n, events);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_FINISH], 0);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_ARTIFACT_END], 0);
    assert_true(ev.by_body[SLUICE__V1__EVENT__BODY_META] <= 1);
    free(t);
    return events;
}

/* The whole run, every event once. */
static void
check_whole(h_env_t *h, const h_proc_t *c)
{
    h_events_t ev;
    tally_t *t = malloc(sizeof *t);
    assert_non_null(t);
    const sl_pb_run_t *run = h_run_get(h, c, RUN);
    assert_int_equal(run->state, SLUICE__V1__RUN_STATE__RUN_FINISHED);
    assert_int_equal(run->events, NEVENTS);
    assert_string_equal(run->meta->project, "demo");
    assert_tests_of_prefix(run, NTESTS);
    read_events(h, c, NTESTS, &ev, t);
    assert_int_equal(ev.n, NEVENTS);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_META], 1);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN], 1);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_ARTIFACT_END], 1);
    assert_int_equal(ev.by_body[SLUICE__V1__EVENT__BODY_FINISH], 1);
    free(t);
}

/* Pushes the file into the full store: refused, spooled, exit 3. */
static void
push_refused(h_env_t *h, const h_proc_t *c, const char *xml, const char *spool)
{
    const h_result_t *r =
        h_agent(h, "push", "--collector", c->listen, "--project", "demo",
                "--branch", "main", "--commit", "c0ffee", "--run-id", RUN,
                "--timeout", "2s", "--spool", spool, xml, NULL);
    assert_int_equal(r->status, 3);
    assert_string_equal(r->out, "");
    h_assert_contains(r->err, "collector refused a batch");
    h_assert_contains(r->err, "run " RUN " kept in");
    assert_int_equal(h_count_files(spool, ".spool"), 1);
    assert_int_equal(h_count_files(spool, ".tmp"), 0);
}

static void
test_map_full(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], spool[H_PATH], xml[H_PATH], want[128];
    write_junit(h, xml);
    (void)h_path(h, "agent-spool", spool);
    h_proc_t *c = h_collector_start_args(h, h_path(h, "data", data), NULL,
                                         "--map-size", "1M", NULL);
    push_refused(h, c, xml, spool);
    uint64_t stored = check_partial(h, c); /* alive, answering */
    h_stop(h, c);
    char *log = h_read(c->err);
    h_assert_contains(log, "not acknowledged");
    free(log);

    c = h_collector_start_args(h, data, NULL, "--map-size", "64M", NULL);
    /* A batch still queued when the agent gave up may have been stored
     * since; the spool holds it too, and the collector drops it then. */
    uint64_t stored2 = check_partial(h, c);
    assert_true(stored2 >= stored);
    const h_result_t *r =
        h_agent(h, "flush", "--collector", c->listen, "--spool", spool, NULL);
    assert_int_equal(r->status, 0);
    assert_string_equal(r->err, "");
    int n = snprintf(want, sizeof want,
                     "1 spool file(s) sent, %llu event(s) newly stored\n",
                     (unsigned long long)(NEVENTS - stored2));
    assert_true(n > 0 && (size_t)n < sizeof want);
    assert_string_equal(r->out, want);
    assert_int_equal(h_count_files(spool, ".spool"), 0);
    assert_int_equal(h_count_files(spool, ".tmp"), 0);
    check_whole(h, c);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_full, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
