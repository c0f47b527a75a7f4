/* The JUnit parser, the format table and the expat wrapper (sluice/xml.h),
 * on reports written by real runners (pytest, ctest, gotestsum, PHPUnit),
 * hand-written ones shaped like Surefire, jest-junit and go-junit-report
 * output (tests/fixtures/junit/README.md says from which docs), and hostile
 * documents. Expected counts of the real runners' reports come from the
 * summary lines the runners printed, which make-fixtures.sh recorded in
 * expected.txt. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fmt_test.h"
#include "sluice/formats.h"
#include "sluice/xml.h"

#define FIXTURES SL_SOURCE_DIR "/tests/fixtures/junit/"

/* ---- a sink that records what it is given ------------------------------ */

typedef struct rec {
    char suite[SL_TEST_NAME_MAX + 1];
    char classname[SL_TEST_NAME_MAX + 1];
    char name[SL_TEST_NAME_MAX + 1];
    char file[SL_TEST_NAME_MAX + 1];
    char id[SL_TEST_NAME_MAX + 1];
    char message[SL_TEST_MESSAGE_MAX + 1];
    char out[SL_TEST_OUTPUT_MAX + 1];
    char err[SL_TEST_OUTPUT_MAX + 1];
    char prop_name[SL_TEST_PROPS_MAX][SL_TEST_PROP_MAX + 1];
    char prop_value[SL_TEST_PROPS_MAX][SL_TEST_PROP_MAX + 1];
    size_t nprops;
    Sluice__V1__TestStatus status;
    double time_s;
    unsigned line;
    int flaky;
    unsigned reruns;
} rec_t;

#define REC_MAX 12 /* records kept whole */
#define IDS_MAX 64 /* ids kept */

typedef struct seen {
    size_t n;
    size_t by_status[4];
    size_t flaky;
    size_t stop_after; /* the sink says SL_EFULL at this call; 0: never */
    char ids[IDS_MAX][SL_TEST_NAME_MAX + 1];
    rec_t rec[REC_MAX];
} seen_t;

static void
record_props(rec_t *r, const Sluice__V1__TestCase *tc)
{
    assert_true(tc->n_properties <= SL_TEST_PROPS_MAX);
    r->nprops = tc->n_properties;
    for (size_t i = 0; i < tc->n_properties; i++) {
        ft_copy_capped(r->prop_name[i], tc->properties[i]->name,
                       SL_TEST_PROP_MAX);
        ft_copy_capped(r->prop_value[i], tc->properties[i]->value,
                       SL_TEST_PROP_MAX);
    }
}

static void
record_one(rec_t *r, const Sluice__V1__TestCase *tc)
{
    ft_copy_capped(r->suite, tc->suite, SL_TEST_NAME_MAX);
    ft_copy_capped(r->classname, tc->classname, SL_TEST_NAME_MAX);
    ft_copy_capped(r->name, tc->name, SL_TEST_NAME_MAX);
    ft_copy_capped(r->file, tc->file, SL_TEST_NAME_MAX);
    ft_copy_capped(r->id, tc->id, SL_TEST_NAME_MAX);
    ft_copy_capped(r->message, tc->message, SL_TEST_MESSAGE_MAX);
    ft_copy_capped(r->out, tc->system_out, SL_TEST_OUTPUT_MAX);
    ft_copy_capped(r->err, tc->system_err, SL_TEST_OUTPUT_MAX);
    record_props(r, tc);
    r->status = tc->status;
    r->time_s = tc->time_s;
    r->line = tc->line;
    r->flaky = tc->flaky;
    r->reruns = tc->reruns;
}

static int
record(void *ctx, const sl_pb_event_t *ev)
{
    seen_t *s = ctx;
    assert_int_equal(ev->body_case, SLUICE__V1__EVENT__BODY_TEST);
    const Sluice__V1__TestCase *tc = ev->test;
    if (s->stop_after != 0 && s->n + 1 == s->stop_after) {
        return SL_EFULL;
    }
    assert_true(tc->status >= SLUICE__V1__TEST_STATUS__TEST_PASSED &&
                tc->status <= SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    /* Every test has an id, and only a passed test can be flaky. */
    assert_true(tc->id[0] != '\0' || tc->name[0] == '\0');
    assert_true(!tc->flaky ||
                tc->status == SLUICE__V1__TEST_STATUS__TEST_PASSED);
    s->by_status[tc->status]++;
    s->flaky += tc->flaky != 0;
    if (s->n < REC_MAX) {
        record_one(&s->rec[s->n], tc);
    }
    if (s->n < IDS_MAX) {
        ft_copy_capped(s->ids[s->n], tc->id, SL_TEST_NAME_MAX);
    }
    s->n++;
    return SL_OK;
}

static seen_t *
seen_new(void)
{
    return ft_zalloc(sizeof(seen_t));
}

/* Parses path into s (detected unless forced): junit, or the forced one. */
static int
parse_path(const char *path, const sl_format_t *forced, seen_t *s,
           sl_err_t *err)
{
    sl_sink_t sink = {.ctx = s, .emit = record};
    return ft_parse(path, forced, "junit", &sink, err);
}

/* Parses a file that must parse. */
static seen_t *
parse_ok(const char *path)
{
    seen_t *s = seen_new();
    sl_err_t err = {0};
    if (parse_path(path, NULL, s, &err) != SL_OK) {
        fail_msg("%s", err.msg);
    }
    return s;
}

/* Parses a fixture that must parse. */
static seen_t *
parse_fixture(const char *name)
{
    char path[256];
    int n = snprintf(path, sizeof path, "%s%s", FIXTURES, name);
    assert_true(n > 0 && (size_t)n < sizeof path);
    return parse_ok(path);
}

static void
assert_counts(const seen_t *s, size_t pass, size_t fail, size_t error,
              size_t skip)
{
    assert_int_equal(s->n, pass + fail + error + skip);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_PASSED], pass);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_FAILED], fail);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_ERRORED],
                     error);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_SKIPPED], skip);
}

static void
assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0) {
        fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
    }
}

static void
assert_prop(const rec_t *r, size_t i, const char *name, const char *value)
{
    assert_true(i < r->nprops);
    assert_string_equal(r->prop_name[i], name);
    assert_string_equal(r->prop_value[i], value);
}

/* ---- what the runners said: expected.txt -------------------------------- */

/* The summary line make-fixtures.sh recorded for file ("<file>: <line>"). */
static void
summary_line(const char *file, char *line, size_t cap)
{
    FILE *f = fopen(FIXTURES "expected.txt", "r");
    assert_non_null(f);
    size_t flen = strlen(file);
    int found = 0;
    while (!found && fgets(line, (int)cap, f) != NULL) {
        found = strncmp(line, file, flen) == 0 && line[flen] == ':';
    }
    assert_int_equal(fclose(f), 0);
    if (!found) {
        fail_msg("expected.txt has no line for %s", file);
    }
    memmove(line, line + flen + 2, strlen(line + flen + 2) + 1);
    line[strcspn(line, "\n")] = '\0';
}

/* A count in a summary line: the number after key when key ends in a space
 * ("Tests: 8", "out of 4"), else the number before it ("3 failures").
 * 0 when key is absent (a runner leaves out what it has none of). */
static size_t
summary_count(const char *line, const char *key)
{
    const char *at = strstr(line, key);
    if (at == NULL) {
        return 0;
    }
    const char *p = at + strlen(key);
    if (key[strlen(key) - 1] != ' ') {
        for (p = at - 1; p > line && p[-1] >= '0' && p[-1] <= '9'; p--) {
        }
        assert_true(p < at - 1 && at[-1] == ' '); /* "<digits> <key>" */
    }
    size_t n = 0;
    assert_true(*p >= '0' && *p <= '9');
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (size_t)(*p - '0');
    }
    return n;
}

typedef struct counts {
    size_t total, pass, fail, error, skip;
} counts_t;

static void
assert_summary(const seen_t *s, const counts_t *c)
{
    assert_int_equal(c->total, c->pass + c->fail + c->error + c->skip);
    assert_counts(s, c->pass, c->fail, c->error, c->skip);
}

/* "1 failed, 4 passed, 1 skipped, 1 error" */
static counts_t
pytest_summary(const char *file)
{
    char line[256];
    summary_line(file, line, sizeof line);
    counts_t c = {0, summary_count(line, "passed"),
                  summary_count(line, "failed"), summary_count(line, "error"),
                  summary_count(line, "skipped")};
    c.total = c.pass + c.fail + c.error + c.skip;
    return c;
}

/* "DONE 8 tests, 1 skipped, 3 failures" (and ", N errors" when any) */
static counts_t
gotestsum_summary(const char *file)
{
    char line[256];
    summary_line(file, line, sizeof line);
    counts_t c = {
        summary_count(line, "DONE "), 0, summary_count(line, "failures"),
        summary_count(line, "errors"), summary_count(line, "skipped")};
    c.pass = c.total - c.fail - c.error - c.skip;
    return c;
}

/* "Tests: 8, Assertions: 6, Errors: 1, Failures: 2, Skipped: 1." */
static counts_t
phpunit_summary(const char *file)
{
    char line[256];
    summary_line(file, line, sizeof line);
    counts_t c = {
        summary_count(line, "Tests: "), 0, summary_count(line, "Failures: "),
        summary_count(line, "Errors: "), summary_count(line, "Skipped: ")};
    c.pass = c.total - c.fail - c.error - c.skip;
    return c;
}

/* ---- temporary files: a group directory, one file per test --------------- */

static int
group_setup(void **state)
{
    return ft_tmp_setup(state, "sl-junit", "doc.xml");
}

/* ---- reports from real runners ------------------------------------------ */

static void
test_junit_pytest(void **state)
{
    (void)state;
    static const char *const names[] = {
        "test_parse_price",       "test_parse_price_without_currency",
        "test_line_total[1-250]", "test_line_total[4-1000]",
        "test_cart_total",        "test_save_order",
        "test_charge_card"};
    seen_t *s = parse_fixture("pytest.xml");
    counts_t want = pytest_summary("pytest.xml");
    assert_summary(s, &want);
    for (size_t i = 0; i < 7; i++) {
        char id[128];
        (void)snprintf(id, sizeof id, "test_sample.%s", names[i]);
        assert_string_equal(s->rec[i].name, names[i]);
        assert_string_equal(s->rec[i].id, id);
        assert_string_equal(s->rec[i].suite, "pytest");
        assert_string_equal(s->rec[i].classname, "test_sample");
        assert_string_equal(s->rec[i].file, "test_sample.py"); /* xunit1 */
        assert_true(s->rec[i].line > 0);
        assert_true(s->rec[i].time_s >= 0 && s->rec[i].time_s < 10);
        assert_false(s->rec[i].flaky);
        assert_int_equal(s->rec[i].reruns, 0);
    }
    /* record_property() in the test itself */
    assert_int_equal(s->rec[0].nprops, 2);
    assert_prop(&s->rec[0], 0, "ticket", "SHOP-12");
    assert_prop(&s->rec[0], 1, "price_text", "12.50 EUR");
    assert_int_equal(s->rec[1].nprops, 0);
    assert_int_equal(s->rec[4].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_prefix(s->rec[4].message,
                  "AssertionError: cart total is off by one cent\n"
                  "assert 999 == 1000\n +  where 999 = sum([250, 250, 499])\n"
                  "def test_cart_total():\n");
    assert_non_null(strstr(s->rec[4].message, "test_sample.py:"));
    /* -o junit_logging=out-err: pytest's header, then what was printed */
    assert_prefix(s->rec[4].out, "-------------------------------");
    assert_non_null(strstr(s->rec[4].out, " Captured Out "));
    assert_non_null(strstr(s->rec[4].out, "\ncart: [250, 250, 499]\n"));
    assert_non_null(
        strstr(s->rec[4].err, "\npricing service: slow answer (1.2s)\n"));
    assert_null(strstr(s->rec[3].out, "cart:")); /* each test its own */
    assert_int_equal(s->rec[5].status, SLUICE__V1__TEST_STATUS__TEST_ERRORED);
    assert_prefix(s->rec[5].message, "failed on setup with \"ConnectionError: "
                                     "database unavailable: connection "
                                     "refused\"\n@pytest.fixture");
    assert_int_equal(s->rec[6].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_prefix(s->rec[6].message,
                  "payment sandbox is not reachable from CI\n");
    /* pytest writes a skipped test's <system-out> twice: both are kept */
    const char *first = strstr(s->rec[6].out, " Captured Out ");
    assert_non_null(first);
    assert_non_null(strstr(first + 1, " Captured Out "));
    free(s);
}

static void
test_junit_ctest(void **state)
{
    (void)state;
    static const char *const names[] = {"unit.config", "unit.queue",
                                        "unit.store", "e2e.ingest"};
    seen_t *s = parse_fixture("ctest.xml");
    char line[256];
    summary_line("ctest.xml", line, sizeof line);
    /* "75% tests passed, 1 tests failed out of 4" */
    size_t failed = summary_count(line, "tests failed");
    size_t total = summary_count(line, "out of ");
    assert_counts(s, total - failed, failed, 0, 0);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(s->rec[i].name, names[i]);
        assert_string_equal(s->rec[i].classname, names[i]);
        assert_string_equal(s->rec[i].id, names[i]); /* class == name */
        assert_string_equal(s->rec[i].suite, "(empty)");
        assert_string_equal(s->rec[i].message, "");
        assert_string_equal(s->rec[i].err, "");
        assert_int_equal(s->rec[i].status,
                         i == 3 ? SLUICE__V1__TEST_STATUS__TEST_FAILED
                                : SLUICE__V1__TEST_STATUS__TEST_PASSED);
    }
    assert_string_equal(s->rec[0].out, "");
    assert_string_equal(s->rec[1].out, "queue: 12 checks ok\n");
    free(s);
}

static void
test_junit_gotestsum(void **state)
{
    (void)state;
    seen_t *s = parse_fixture("gotestsum.xml");
    counts_t want = gotestsum_summary("gotestsum.xml");
    assert_summary(s, &want);
    for (size_t i = 0; i < s->n; i++) {
        assert_string_equal(s->rec[i].suite, "example.com/sluice/cart");
        assert_string_equal(s->rec[i].classname, "example.com/sluice/cart");
        assert_int_equal(s->rec[i].nprops, 0); /* go.version is the suite's */
        assert_string_equal(s->rec[i].out, "");
    }
    /* A subtest is a test of its own: "TestSlug/punctuation". */
    assert_string_equal(s->rec[1].name, "TestSlug/punctuation");
    assert_string_equal(s->rec[1].id,
                        "example.com/sluice/cart.TestSlug/punctuation");
    assert_int_equal(s->rec[1].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_string_equal(s->rec[1].message,
                        "Failed\n=== RUN   TestSlug/punctuation\n"
                        "    cart_test.go:43: Slug(\"Hi, there!\") = "
                        "\"hi,-there!\", want \"hi-there\"\n"
                        "    --- FAIL: TestSlug/punctuation (0.00s)");
    assert_string_equal(s->rec[3].name, "TestCheckout");
    assert_int_equal(s->rec[3].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_non_null(
        strstr(s->rec[3].message, "payment sandbox is not reachable from CI"));
    free(s);
}

static void
test_junit_phpunit(void **state)
{
    (void)state;
    seen_t *s = parse_fixture("phpunit.xml");
    counts_t want = phpunit_summary("phpunit.xml");
    assert_summary(s, &want);
    /* Suites: "" > "Demo Test Suite" > the class > its data provider. */
    assert_string_equal(s->rec[0].suite, "Demo\\Tests\\CartTest");
    assert_string_equal(s->rec[0].classname, "Demo.Tests.CartTest");
    assert_string_equal(s->rec[0].id, "Demo.Tests.CartTest.testEmptyCart");
    assert_string_equal(s->rec[1].name, "testReceiptIsPrinted");
    assert_string_equal(s->rec[1].out, "receipt: 2 items, 1000 cents\n");
    assert_string_equal(s->rec[2].suite, "Demo\\Tests\\CartTest::testAddItem");
    assert_string_equal(s->rec[2].id, "Demo.Tests.CartTest.testAddItem with "
                                      "data set \"one item\"");
    assert_string_equal(s->rec[4].name,
                        "testAddItem with data set \"rounded price\"");
    assert_int_equal(s->rec[4].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_prefix(s->rec[4].message,
                  "Demo\\Tests\\CartTest::testAddItem with data set \"rounded "
                  "price\" (3, 333, 1000)\nFailed asserting that 999 is "
                  "identical to 1000.");
    /* Out of the data provider's suite: the class again. */
    assert_string_equal(s->rec[5].suite, "Demo\\Tests\\CartTest");
    assert_int_equal(s->rec[6].status, SLUICE__V1__TEST_STATUS__TEST_ERRORED);
    assert_non_null(strstr(s->rec[6].message, "RuntimeException: database"));
    assert_int_equal(s->rec[7].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_string_equal(s->rec[7].message, "");
    for (size_t i = 0; i < s->n; i++) {
        const char *slash = strrchr(s->rec[i].file, '/');
        assert_non_null(slash);
        assert_string_equal(slash, "/CartTest.php");
        assert_true(s->rec[i].line > 30);
    }
    free(s);
}

/* Reads a whole small file into buf; returns its length. */
static size_t
slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    assert_true(n < cap);
    assert_int_equal(fclose(f), 0);
    return n;
}

/* Two runs of one runner (other timestamps, times, temp paths and, for
 * pytest, hostname): the same ids, in the same order, none twice. */
static void
assert_same_ids(const char *run1, const char *run2)
{
    static char a[1 << 16], b[1 << 16];
    char p1[256], p2[256];
    (void)snprintf(p1, sizeof p1, "%s%s", FIXTURES, run1);
    (void)snprintf(p2, sizeof p2, "%s%s", FIXTURES, run2);
    size_t na = slurp(p1, a, sizeof a);
    size_t nb = slurp(p2, b, sizeof b);
    assert_true(na != nb || memcmp(a, b, na) != 0); /* the runs differ */
    seen_t *s1 = parse_fixture(run1);
    seen_t *s2 = parse_fixture(run2);
    assert_int_equal(s1->n, s2->n);
    assert_true(s1->n > 0 && s1->n <= IDS_MAX);
    for (size_t i = 0; i < s1->n; i++) {
        assert_string_equal(s1->ids[i], s2->ids[i]);
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(s1->ids[i], s1->ids[k]);
        }
    }
    free(s1);
    free(s2);
}

static void
test_junit_ids_stable(void **state)
{
    (void)state;
    assert_same_ids("pytest.xml", "pytest-run2.xml");
    assert_same_ids("gotestsum.xml", "gotestsum-run2.xml");
    assert_same_ids("phpunit.xml", "phpunit-run2.xml");
    /* The second runs' own summaries agree with their reports too. */
    seen_t *s = parse_fixture("pytest-run2.xml");
    counts_t want = pytest_summary("pytest-run2.xml");
    assert_summary(s, &want);
    free(s);
    s = parse_fixture("gotestsum-run2.xml");
    want = gotestsum_summary("gotestsum-run2.xml");
    assert_summary(s, &want);
    free(s);
    s = parse_fixture("phpunit-run2.xml");
    want = phpunit_summary("phpunit-run2.xml");
    assert_summary(s, &want);
    free(s);
}

/* ---- hand-written reports (tools not available here) -------------------- */

static void
test_junit_passing(void **state)
{
    (void)state;
    seen_t *s = parse_fixture("passing.xml");
    assert_counts(s, 5, 0, 0, 0);
    assert_string_equal(s->rec[0].suite, "demo.config");
    assert_string_equal(s->rec[0].classname, "demo.config.test_loader");
    assert_string_equal(s->rec[0].name, "test_defaults");
    assert_string_equal(s->rec[0].id, "demo.config.test_loader.test_defaults");
    assert_string_equal(s->rec[0].file, "tests/test_loader.py");
    assert_int_equal(s->rec[0].line, 12);
    assert_true(s->rec[0].time_s == 0.004);
    assert_int_equal(s->rec[0].nprops, 0); /* the suite's python=3.11.2 */
    assert_string_equal(s->rec[4].suite, "demo.queue");
    assert_string_equal(s->rec[4].name, "test_capacity_limit");
    assert_int_equal(s->rec[4].line, 33);
    assert_true(s->rec[4].time_s == 0.392);
    assert_string_equal(s->rec[4].message, "");
    assert_string_equal(s->rec[4].out, "filled 10000 items, rejected 1");
    free(s);
}

static void
test_junit_failing(void **state)
{
    (void)state;
    seen_t *s = parse_fixture("failing.xml");
    assert_counts(s, 3, 1, 1, 1);
    assert_string_equal(s->rec[3].name, "test_fifo_order");
    assert_int_equal(s->rec[3].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_prefix(s->rec[3].message,
                  "AssertionError: expected [1, 2, 3], got [1, 3, 2]\n"
                  "def test_fifo_order():\n        q = Queue()");
    assert_string_equal(s->rec[4].name, "test_persist");
    assert_int_equal(s->rec[4].status, SLUICE__V1__TEST_STATUS__TEST_ERRORED);
    assert_string_equal(
        s->rec[4].message,
        "failed on setup with \"TimeoutError: redis at 127.0.0.1:6379 did "
        "not answer in 1.0s\"\nTimeoutError: redis at 127.0.0.1:6379 did "
        "not answer in 1.0s");
    assert_string_equal(s->rec[4].err,
                        "connecting to redis://127.0.0.1:6379 ...");
    assert_true(s->rec[4].time_s == 1.251);
    assert_string_equal(s->rec[5].name, "test_capacity_limit");
    assert_int_equal(s->rec[5].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_string_equal(s->rec[5].message, "slow: run with --slow");
    free(s);
}

static void
test_junit_phpunit_nested(void **state)
{
    (void)state;
    seen_t *s = parse_fixture("phpunit-nested.xml");
    assert_counts(s, 4, 1, 0, 0);
    assert_string_equal(s->rec[0].suite, "Demo\\Tests\\CartTest");
    assert_string_equal(s->rec[1].suite, "Demo\\Tests\\CartTest::testAddItem");
    assert_string_equal(s->rec[2].suite, "Demo\\Tests\\CartTest::testAddItem");
    assert_string_equal(s->rec[2].name, "testAddItem with data set #1");
    assert_int_equal(s->rec[2].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_prefix(s->rec[2].message, "Demo\\Tests\\CartTest::testAddItem with "
                                     "data set #1 (2, 500)\nFailed");
    /* After the inner suite closes, its parent is the suite again. */
    assert_string_equal(s->rec[3].name, "testClear");
    assert_string_equal(s->rec[3].suite, "Demo\\Tests\\CartTest");
    assert_string_equal(s->rec[4].suite, "Demo\\Tests\\PriceTest");
    assert_string_equal(s->rec[4].file, "/src/tests/PriceTest.php");
    assert_int_equal(s->rec[4].line, 9);
    free(s);
}

static void
test_junit_surefire(void **state)
{
    (void)state;
    seen_t *s = parse_fixture("surefire.xml");
    /* "Tests run: 6, Failures: 1, Errors: 1, Skipped: 1, Flakes: 2" */
    assert_counts(s, 3, 1, 1, 1);
    assert_int_equal(s->flaky, 2);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(s->rec[i].suite, "com.example.demo.CartTest");
        assert_int_equal(s->rec[i].nprops, 0); /* the JVM's, suite-level */
    }
    assert_string_equal(s->rec[0].id, "com.example.demo.CartTest.addsItem");
    assert_string_equal(s->rec[0].out, "added 1 item: <book> & <pen>\n");
    assert_false(s->rec[0].flaky);
    /* Failed twice, passed on the third run: flaky, two reruns; the
     * message says why it flaked; output nested in the flaky children is
     * that of the failed runs and is not kept. */
    assert_string_equal(s->rec[1].name, "flakyNetwork");
    assert_int_equal(s->rec[1].status, SLUICE__V1__TEST_STATUS__TEST_PASSED);
    assert_true(s->rec[1].flaky);
    assert_int_equal(s->rec[1].reruns, 2);
    assert_true(s->rec[1].time_s == 1234.5); /* "1,234.5" */
    assert_string_equal(s->rec[1].message,
                        "Connection reset\njava.net.SocketException: "
                        "Connection reset\n\tat com.example.demo.CartTest."
                        "flakyNetwork(CartTest.java:31)");
    assert_string_equal(s->rec[1].out, "attempt 3: connected\n");
    assert_string_equal(s->rec[1].err, "");
    /* Failed every run: failed, not flaky, two reruns. */
    assert_string_equal(s->rec[2].name, "alwaysFails");
    assert_int_equal(s->rec[2].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_false(s->rec[2].flaky);
    assert_int_equal(s->rec[2].reruns, 2);
    assert_string_equal(s->rec[2].message,
                        "expected: <3> but was: <2>\n"
                        "org.opentest4j.AssertionFailedError: expected: <3> "
                        "but was: <2>\n\tat com.example.demo.CartTest."
                        "alwaysFails(CartTest.java:42)");
    assert_string_equal(s->rec[2].out, "run 1\n");
    assert_string_equal(s->rec[3].name, "brokenSetup");
    assert_int_equal(s->rec[3].status, SLUICE__V1__TEST_STATUS__TEST_ERRORED);
    assert_int_equal(s->rec[3].reruns, 1);
    assert_false(s->rec[3].flaky);
    assert_string_equal(s->rec[3].err,
                        "[main] ERROR Db - 10 of 10 connections in use\n");
    assert_string_equal(s->rec[4].name, "flakyLookup");
    assert_true(s->rec[4].flaky);
    assert_int_equal(s->rec[4].reruns, 1);
    assert_string_equal(s->rec[4].message,
                        "lookup timed out\njava.util.concurrent."
                        "TimeoutException: lookup timed out");
    assert_int_equal(s->rec[5].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_string_equal(s->rec[5].message, "slow: enable with -Pslow");
    free(s);
}

static void
test_junit_jest(void **state)
{
    (void)state;
    /* jest-junit's defaults: classname and name are both "{classname}
     * {title}", so the id is that once; the suite is the first describe. */
    seen_t *s = parse_fixture("jest-junit.xml");
    assert_counts(s, 1, 2, 1, 1);
    assert_string_equal(s->rec[0].suite, "addition");
    assert_string_equal(s->rec[0].id,
                        "addition positive numbers should add up");
    /* Two <failure> elements: the first one is the message. */
    assert_int_equal(s->rec[1].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_prefix(s->rec[1].message,
                  "Error: expect(received).toBe(expected) // Object.is "
                  "equality\n\nExpected: -3\nReceived: -1\n");
    assert_null(strstr(s->rec[1].message, "leaked"));
    assert_int_equal(s->rec[3].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_string_equal(s->rec[3].message, "");
    /* A file that did not load: one <error> test named by the file. */
    assert_int_equal(s->rec[4].status, SLUICE__V1__TEST_STATUS__TEST_ERRORED);
    assert_string_equal(s->rec[4].suite, "__tests__/broken.test.js");
    assert_string_equal(s->rec[4].id,
                        "Test suite failed to run.__tests__/broken.test.js");
    assert_prefix(s->rec[4].message, "● Test suite failed to run\n\n");
    free(s);
    /* classNameTemplate "{classname}", titleTemplate "{title}",
     * ancestorSeparator " › ", suiteNameTemplate "{filepath}",
     * addFileAttribute, testCasePropertiesFile and includeConsoleOutput. */
    s = parse_fixture("jest-junit-templates.xml");
    assert_counts(s, 2, 1, 0, 0);
    assert_string_equal(s->rec[0].suite, "__tests__/cart.test.js");
    assert_string_equal(s->rec[0].classname, "cart › totals");
    assert_string_equal(s->rec[0].id, "cart › totals.sums items");
    assert_string_equal(s->rec[0].file, "__tests__/cart.test.js");
    assert_int_equal(s->rec[0].nprops, 2);
    assert_prop(&s->rec[0], 0, "owner", "checkout-team");
    assert_prop(&s->rec[0], 1, "dd_tags[test.invocations]", "1");
    /* properties after the failure, as jest-junit writes them */
    assert_int_equal(s->rec[1].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_prop(&s->rec[1], 1, "dd_tags[test.invocations]", "3");
    assert_string_equal(s->rec[2].id, "cart.is empty at first");
    assert_int_equal(s->rec[2].nprops, 0);
    /* the console output is the suite's: no test's */
    assert_string_equal(s->rec[2].out, "");
    free(s);
}

static void
test_junit_go_junit_report(void **state)
{
    (void)state;
    seen_t *s = parse_fixture("go-junit-report.xml");
    assert_counts(s, 2, 2, 1, 1);
    assert_string_equal(s->rec[0].id, "example.com/shop/cart.TestTotal");
    assert_string_equal(s->rec[1].message, "Failed"); /* a parent test */
    assert_string_equal(s->rec[3].name, "TestSlug/punctuation");
    assert_string_equal(s->rec[3].message,
                        "Failed\ncart_test.go:43: Slug(\"Hi, there!\") = "
                        "\"hi,-there!\", want \"hi-there\"");
    assert_int_equal(s->rec[4].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_string_equal(s->rec[4].message, "Skipped\ncart_test.go:51: payment "
                                           "sandbox is not reachable from CI");
    assert_string_equal(s->rec[4].out, ""); /* "exit status 1": the suite's */
    /* A package that did not build. */
    assert_string_equal(s->rec[5].suite, "example.com/shop/broken");
    assert_string_equal(s->rec[5].id, "example.com/shop/broken.[build failed]");
    assert_int_equal(s->rec[5].status, SLUICE__V1__TEST_STATUS__TEST_ERRORED);
    assert_string_equal(s->rec[5].message,
                        "Build error\n./broken.go:4:2: undefined: fmt");
    free(s);
}

static void
test_junit_doctype_dtd(void **state)
{
    (void)state;
    /* Names an external DTD: parsed without fetching it. */
    seen_t *s = parse_fixture("doctype-dtd.xml");
    assert_counts(s, 1, 0, 0, 1);
    assert_string_equal(s->rec[1].name, "test_two");
    assert_string_equal(s->rec[1].message, "not today");
    free(s);
}

/* ---- hostile and broken input ------------------------------------------- */

/* Parses path (format detected unless forced) and expects rc and exactly
 * the message "<path><rest>". */
static void
expect_error(const char *path, const sl_format_t *forced, int rc,
             const char *rest)
{
    seen_t *s = seen_new();
    sl_sink_t sink = {.ctx = s, .emit = record};
    ft_expect_error(path, forced, &sink, rc, rest);
    free(s);
}

static const sl_format_t *
junit(void)
{
    return ft_format("junit");
}

static void
test_junit_truncated(void **state)
{
    (void)state;
    expect_error(FIXTURES "truncated.xml", NULL, SL_EINPUT,
                 ":5:5: unclosed token");
}

static void
test_junit_entity_bomb(void **state)
{
    (void)state;
    expect_error(FIXTURES "entity.xml", NULL, SL_EINPUT,
                 ":3:16: entity declarations are refused (entity \"lol\")");
}

static void
test_junit_external_entity(void **state)
{
    (void)state;
    expect_error(FIXTURES "external-entity.xml", NULL, SL_EINPUT,
                 ":3:43: entity declarations are refused (entity \"xxe\")");
}

static void
test_junit_undeclared_entity(void **state)
{
    /* With an external DTD, expat would drop &x; silently: refused, in
     * content and in attribute values. */
    const char *path = ft_tmp_doc(
        state, "<!DOCTYPE testsuites SYSTEM \"junit.dtd\">\n<testsuites>\n"
               "<testsuite name=\"a&amp;b\"><testcase name=\"&#233;\">\n"
               "<failure>&lt;&x;</failure></testcase></testsuite>"
               "</testsuites>");
    expect_error(path, NULL, SL_EINPUT, ":4:14: undeclared entity \"x\"");
    path = ft_tmp_doc(
        state, "<!DOCTYPE testsuites SYSTEM \"junit.dtd\">\n<testsuites>\n"
               "<testsuite name=\"a&amp;b\">\n  <testcase name=\"a&x;\"/>"
               "</testsuite></testsuites>");
    expect_error(path, NULL, SL_EINPUT,
                 ":4:3: undeclared entity in an attribute value");
}

static void
test_junit_bad_utf8(void **state)
{
    (void)state;
    expect_error(FIXTURES "bad-utf8.xml", NULL, SL_EINPUT,
                 ":5:42: not well-formed (invalid token)");
}

static void
test_junit_empty(void **state)
{
    (void)state;
    expect_error(FIXTURES "empty.xml", NULL, SL_EINPUT, ": empty file");
    expect_error(FIXTURES "empty.xml", junit(), SL_EINPUT, ": empty file");
    /* Past the table, the parser itself refuses it too. */
    int fd = open(FIXTURES "empty.xml", O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    sl_err_t err = {0};
    assert_int_equal(junit()->parse(fd, "empty.xml", NULL, &err), SL_EINPUT);
    assert_string_equal(err.msg, "empty.xml:1:1: no element found");
    assert_int_equal(close(fd), 0);
}

static void
test_junit_bad_time(void **state)
{
    (void)state;
    expect_error(FIXTURES "bad-time.xml", NULL, SL_EINPUT,
                 ":5:5: bad time \"NaN\" (want seconds, 0 to 1000000000)");
}

static void
test_junit_not_junit(void **state)
{
    /* A root no format knows: the message lists the known ones. */
    const char *path = ft_tmp_doc(state, "<?xml version=\"1.0\"?>\n<report/>");
    expect_error(path, NULL, SL_EINPUT, ft_known_formats());
    assert_non_null(strstr(ft_known_formats(), "junit"));
    /* A Cobertura report forced through the JUnit parser. */
    expect_error(FIXTURES "not-junit.xml", junit(), SL_EINPUT,
                 ":2:1: not a JUnit report (root element coverage)");
}

static void
test_junit_missing_file(void **state)
{
    (void)state;
    expect_error(FIXTURES "no-such-file.xml", NULL, SL_EIO,
                 ": No such file or directory");
}

static void
test_junit_deep(void **state)
{
    /* 100k nested elements: refused at the 257th level, not recursed. */
    const char *path = ft_tmp_write(state, "deep.xml", "<testsuites>", 12);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    for (int i = 0; i < 100000; i++) {
        assert_true(fputs("<x>", f) >= 0);
    }
    assert_int_equal(fclose(f), 0);
    char rest[64];
    (void)snprintf(rest, sizeof rest, ":1:%d: elements nested deeper than 256",
                   12 + 255 * 3 + 1);
    expect_error(path, NULL, SL_ETOOBIG, rest);
    /* Nested suites have their own, lower cap. */
    f = ft_tmp_open_as(state, "deep.xml");
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(fwrite("<testsuite>", 1, 11, f), 11);
    }
    path = ft_tmp_close(state, f);
    (void)snprintf(rest, sizeof rest,
                   ":1:%d: <testsuite> nested deeper than 64", 64 * 11 + 1);
    expect_error(path, NULL, SL_ETOOBIG, rest);
}

static void
test_junit_huge_token(void **state)
{
    /* One attribute of 5 MiB: over the token cap, refused while read. */
    char chunk[4096];
    memset(chunk, 'a', sizeof chunk);
    const char *path =
        ft_tmp_write(state, "huge.xml", "<testsuites name=\"", 18);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    for (size_t i = 0; i < (5u << 20) / sizeof chunk; i++) {
        assert_int_equal(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
    }
    assert_int_equal(fclose(f), 0);
    expect_error(path, NULL, SL_ETOOBIG,
                 ":1:1: token longer than 4194304 bytes");
}

static void
test_junit_nested_testcase(void **state)
{
    const char *path =
        ft_tmp_doc(state, "<testsuite>\n<testcase name=\"a\">\n"
                          "  <testcase name=\"b\"/>\n</testcase>\n"
                          "</testsuite>\n");
    expect_error(path, NULL, SL_EINPUT, ":3:3: <testcase> inside a <testcase>");
}

static void
test_junit_sink_stops(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    s->stop_after = 3;
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "passing.xml", NULL, s, &err),
                     SL_EFULL);
    assert_int_equal(s->n, 2);
    /* Positioned at the end of the third testcase (an empty element). */
    assert_string_equal(err.msg, FIXTURES "passing.xml:12:120: store is full");
    free(s);
}

/* ---- attributes, caps and rules ----------------------------------------- */

/* Parses one <testcase> with the given attributes; returns the rc. */
static int
parse_case(void **state, const char *attrs, seen_t *s, sl_err_t *err)
{
    char doc[512];
    int n = snprintf(doc, sizeof doc,
                     "<testsuite name=\"s\">\n<testcase name=\"t\" %s/>\n"
                     "</testsuite>\n",
                     attrs);
    assert_true(n > 0 && (size_t)n < sizeof doc);
    memset(s, 0, sizeof *s);
    return parse_path(ft_tmp_doc(state, doc), NULL, s, err);
}

static void
test_junit_time_values(void **state)
{
    static const struct {
        const char *text;
        double want;
    } ok[] = {
        {"0.25", 0.25},      {"3", 3},
        {"1,234.5", 1234.5}, {"12,345,678", 12345678},
        {".5", 0.5},         {"7.", 7},
        {"1.0E-4", 1e-4},    {"2.5e+2", 250},
        {"0001.500", 1.5},   {"", 0},
        {"1e-500", 0},       {"1000000000", 1e9},
    };
    seen_t *s = seen_new();
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char attrs[64];
        sl_err_t err = {0};
        (void)snprintf(attrs, sizeof attrs, "time=\"%s\"", ok[i].text);
        assert_int_equal(parse_case(state, attrs, s, &err), SL_OK);
        assert_int_equal(s->n, 1);
        if (s->rec[0].time_s != ok[i].want) {
            fail_msg("time \"%s\" gave %g", ok[i].text, s->rec[0].time_s);
        }
    }
    free(s);
}

static void
test_junit_time_refused(void **state)
{
    static const char *const bad[] = {
        "NaN",     "nan",     "inf",  "Infinity",   "-1",   "+1",
        "-0",      "1e400",   "1e31", "1000000001", "1,5",  "1,23",
        "12,34.5", "1,234,5", ",123", "1.2.3",      " 1",   "1 ",
        "1e",      "1e+",     "0x10", ".",          "1.5s", "1,234.5,6",
    };
    seen_t *s = seen_new();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char attrs[64];
        sl_err_t err = {0};
        (void)snprintf(attrs, sizeof attrs, "time=\"%s\"", bad[i]);
        if (parse_case(state, attrs, s, &err) != SL_EINPUT) {
            fail_msg("time \"%s\" was accepted", bad[i]);
        }
        assert_non_null(strstr(err.msg, "doc.xml:2:1: bad time \""));
        assert_int_equal(s->n, 0);
    }
    free(s);
}

static void
test_junit_line_values(void **state)
{
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_case(state, "line=\"4294967295\"", s, &err), SL_OK);
    assert_int_equal(s->rec[0].line, 4294967295u);
    assert_int_equal(parse_case(state, "line=\"\"", s, &err), SL_OK);
    assert_int_equal(s->rec[0].line, 0);
    static const char *const bad[] = {"4294967296", "-1", "12a", "+3",
                                      "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char attrs[64];
        sl_err_t e = {0};
        (void)snprintf(attrs, sizeof attrs, "line=\"%s\"", bad[i]);
        assert_int_equal(parse_case(state, attrs, s, &e), SL_EINPUT);
        assert_non_null(strstr(e.msg, "doc.xml:2:1: bad line \""));
    }
    free(s);
}

static void
test_junit_caps_utf8(void **state)
{
    /* 2000 euro signs as the name and as the failure's body. */
    char *e = ft_euros(2000);
    size_t len = strlen(e) * 2 + 200;
    char *doc = malloc(len);
    assert_non_null(doc);
    int n = snprintf(doc, len,
                     "<testsuite><testcase name=\"%s\"><failure message=\"m\">"
                     "%s</failure></testcase></testsuite>",
                     e, e);
    assert_true(n > 0 && (size_t)n < len);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(ft_tmp_doc(state, doc), NULL, s, &err), SL_OK);
    /* Cut on a character boundary: 341 signs fit in 1024 bytes ... */
    assert_int_equal(strlen(s->rec[0].name), 341 * 3);
    assert_memory_equal(s->rec[0].name, e, (size_t)341 * 3);
    /* ... and "m\n" plus 1364 signs in 4096. */
    assert_int_equal(strlen(s->rec[0].message), 2 + 1364 * 3);
    assert_memory_equal(s->rec[0].message, "m\n", 2);
    assert_memory_equal(s->rec[0].message + 2, e, (size_t)1364 * 3);
    free(s);
    free(doc);
    free(e);
}

static void
test_junit_status_rules(void **state)
{
    const char *path = ft_tmp_doc(
        state,
        "<testsuites>\n"
        "<testcase name=\"loose\"/>\n"
        "<testsuite name=\"s\">\n"
        "<testcase name=\"skip-then-fail\"><skipped message=\"s\"/>"
        "<failure message=\"f\">body</failure></testcase>\n"
        "<testcase name=\"fail-then-error\"><failure message=\"f\"/>"
        "<error message=\"e\"/></testcase>\n"
        "<testcase name=\"text\"><failure>  <![CDATA[x < y]]>\n</failure>"
        "<system-out>out</system-out></testcase>\n"
        "</testsuite>\n"
        "<testcase name=\"after\"/>\n"
        "</testsuites>\n");
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
    assert_counts(s, 2, 3, 0, 0);
    assert_string_equal(s->rec[0].suite, ""); /* outside any testsuite */
    assert_int_equal(s->rec[1].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_string_equal(s->rec[1].message, "f\nbody");
    assert_int_equal(s->rec[2].status,
                     SLUICE__V1__TEST_STATUS__TEST_FAILED); /* the first wins */
    assert_string_equal(s->rec[2].message, "f");
    assert_string_equal(s->rec[3].message, "x < y");
    assert_string_equal(s->rec[4].name, "after");
    assert_string_equal(s->rec[4].suite, "");
    free(s);
}

static void
test_junit_no_sink(void **state)
{
    (void)state;
    sl_err_t err = {0};
    assert_int_equal(
        sl_format_parse_file(FIXTURES "failing.xml", NULL, NULL, NULL, &err),
        SL_OK);
    assert_int_equal(err.rc, SL_OK);
    /* and a NULL err is fine on failure */
    assert_int_equal(
        sl_format_parse_file(FIXTURES "truncated.xml", NULL, NULL, NULL, NULL),
        SL_EINPUT);
}

/* ---- output, properties, reruns and ids --------------------------------- */

/* A document of one test case whose body (children) is body. */
static const char *
case_doc(void **state, const char *attrs, const char *body)
{
    size_t len = strlen(attrs) + strlen(body) + 128;
    char *doc = malloc(len);
    assert_non_null(doc);
    int n = snprintf(doc, len,
                     "<testsuites><testsuite name=\"s\">\n<testcase %s>%s"
                     "</testcase></testsuite></testsuites>",
                     attrs, body);
    assert_true(n > 0 && (size_t)n < len);
    const char *path = ft_tmp_doc(state, doc);
    free(doc);
    return path;
}

static void
test_junit_output_cap(void **state)
{
    /* 6000 euro signs (18000 bytes) in <system-out>, in two pieces, and
     * the same in <system-err>: cut at 16384 bytes on a character
     * boundary, 5461 signs (16383 bytes). */
    char *e = ft_euros(3000);
    size_t len = strlen(e) * 4 + 200;
    char *body = malloc(len);
    assert_non_null(body);
    int n = snprintf(body, len,
                     "<system-out>%s</system-out><system-out>%s</system-out>"
                     "<system-err><![CDATA[%s]]>%s</system-err>",
                     e, e, e, e);
    assert_true(n > 0 && (size_t)n < len);
    seen_t *s = parse_ok(case_doc(state, "name=\"t\"", body));
    assert_int_equal(s->n, 1);
    assert_int_equal(strlen(s->rec[0].out), 5461 * 3);
    assert_int_equal(strlen(s->rec[0].err), 5461 * 3);
    assert_memory_equal(s->rec[0].out, e,
                        (size_t)3000 * 3); /* joined in order */
    assert_memory_equal(s->rec[0].out + 9000, e, (size_t)2461 * 3);
    free(s);
    /* Verbatim, white space and all; nested output is not the test's. */
    s = parse_ok(case_doc(state, "name=\"t\"",
                          "<system-out>\n  a &lt; b\n</system-out>"
                          "<failure><system-out>no</system-out></failure>"
                          "<x><system-err>no</system-err></x>"));
    assert_string_equal(s->rec[0].out, "\n  a < b\n");
    assert_string_equal(s->rec[0].err, "");
    assert_string_equal(s->rec[0].message, "");
    free(s);
    free(body);
    free(e);
}

static void
test_junit_properties(void **state)
{
    /* 70 properties: the first 64 kept. Both forms; the attribute wins
     * over the text; a name and a value of 2000 euro signs are cut to
     * 341 (1023 bytes). */
    char *e = ft_euros(2000);
    size_t len = (size_t)70 * 64 + strlen(e) * 2 + 512;
    char *body = malloc(len);
    assert_non_null(body);
    size_t at = (size_t)snprintf(body, len, "<properties>\n");
    at += (size_t)snprintf(body + at, len - at,
                           "<property name=\"%s\" value=\"%s\"/>"
                           "<property name=\"text\">  two\nlines </property>"
                           "<property name=\"both\" value=\"attr\">text"
                           "</property><property value=\"no name\"/>",
                           e, e);
    for (int i = 4; i < 70; i++) {
        at += (size_t)snprintf(body + at, len - at,
                               "<property name=\"p%d\" value=\"%d\"/>", i, i);
    }
    (void)snprintf(body + at, len - at, "</properties>");
    seen_t *s = parse_ok(case_doc(state, "name=\"t\"", body));
    const rec_t *r = &s->rec[0];
    assert_int_equal(r->nprops, SL_TEST_PROPS_MAX);
    assert_int_equal(strlen(r->prop_name[0]), 341 * 3);
    assert_int_equal(strlen(r->prop_value[0]), 341 * 3);
    assert_prop(r, 1, "text", "  two\nlines ");
    assert_prop(r, 2, "both", "attr");
    assert_prop(r, 3, "", "no name");
    assert_prop(r, 63, "p63", "63");
    free(s);
    /* Only <testcase><properties><property>: the suite's, and a
     * <property> elsewhere in the test case, are not the test's. */
    s = parse_ok(ft_tmp_doc(
        state, "<testsuite><properties><property name=\"a\" value=\"1\"/>"
               "</properties><testcase name=\"t\">"
               "<property name=\"b\" value=\"2\"/>"
               "<failure><properties><property name=\"c\" value=\"3\"/>"
               "</properties></failure>"
               "<properties><x><property name=\"d\" value=\"4\"/></x>"
               "<property name=\"e\" value=\"5\"/></properties>"
               "</testcase></testsuite>"));
    assert_int_equal(s->rec[0].nprops, 1);
    assert_prop(&s->rec[0], 0, "e", "5");
    free(s);
    free(body);
    free(e);
}

static void
test_junit_rerun_rules(void **state)
{
    static const struct {
        const char *body;
        Sluice__V1__TestStatus status;
        int flaky;
        unsigned reruns;
        const char *message;
    } cases[] = {
        /* flaky, then a failure after all: failed, not flaky */
        {"<flakyFailure message=\"f1\"/><failure message=\"f2\"/>",
         SLUICE__V1__TEST_STATUS__TEST_FAILED, 0, 1, "f2"},
        {"<failure message=\"f\"/><flakyError message=\"e\"/>",
         SLUICE__V1__TEST_STATUS__TEST_FAILED, 0, 1, "f"},
        /* skipped with flaky children is no flaky pass */
        {"<flakyError message=\"e\"/><skipped message=\"s\"/>",
         SLUICE__V1__TEST_STATUS__TEST_SKIPPED, 0, 1, "s"},
        /* reruns without a failure: passed, not flaky */
        {"<rerunFailure message=\"r\"/><rerunError/>",
         SLUICE__V1__TEST_STATUS__TEST_PASSED, 0, 2, ""},
        /* old style: the stack trace as the child's text */
        {"<flakyFailure message=\"m\">  trace\n</flakyFailure>"
         "<flakyFailure message=\"second\"/>",
         SLUICE__V1__TEST_STATUS__TEST_PASSED, 1, 2, "m\ntrace"},
        /* only the flaky child's own <stackTrace>, not a deeper one */
        {"<flakyFailure><x><stackTrace>no</stackTrace></x>"
         "<stackTrace>yes</stackTrace> tail </flakyFailure>",
         SLUICE__V1__TEST_STATUS__TEST_PASSED, 1, 1, "yes tail"},
        /* PHPUnit 9's <warning> is no status */
        {"<warning type=\"PHPUnit\\Framework\\Warning\">w</warning>",
         SLUICE__V1__TEST_STATUS__TEST_PASSED, 0, 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        seen_t *s = parse_ok(case_doc(state, "name=\"t\"", cases[i].body));
        const rec_t *r = &s->rec[0];
        if (r->status != cases[i].status || r->flaky != cases[i].flaky ||
            r->reruns != cases[i].reruns ||
            strcmp(r->message, cases[i].message) != 0) {
            fail_msg("case %zu: status %d flaky %d reruns %u message \"%s\"", i,
                     r->status, r->flaky, r->reruns, r->message);
        }
        free(s);
    }
}

static void
test_junit_id_rules(void **state)
{
    const char *path =
        ft_tmp_doc(state, "<testsuites>\n<testcase name=\"loose\"/>\n"
                          "<testsuite name=\"pkg\">\n"
                          "<testcase name=\"a\" classname=\"C\"/>\n"
                          "<testcase name=\"same\" classname=\"same\"/>\n"
                          "<testcase name=\"b\" classname=\"\"/>\n"
                          "<testcase name=\"c\"/>\n"
                          "<testcase name=\"\" classname=\"C\"/>\n"
                          "<testsuite><testcase name=\"d\"/></testsuite>\n"
                          "</testsuite></testsuites>\n");
    seen_t *s = parse_ok(path);
    static const char *const want[] = {"loose", "C.a", "same", "pkg.b",
                                       "pkg.c", "C.",  "d"};
    assert_int_equal(s->n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(s->rec[i].id, want[i]);
    }
    free(s);
}

/* The id of a test with classname cls and a name of n euro signs and
 * then tail. */
static void
long_id(void **state, const char *cls, size_t n, const char *tail, char *id)
{
    char *e = ft_euros(n);
    size_t len = strlen(e) + strlen(cls) + strlen(tail) + 64;
    char *attrs = malloc(len);
    assert_non_null(attrs);
    (void)snprintf(attrs, len, "classname=\"%s\" name=\"%s%s\"", cls, e, tail);
    seen_t *s = parse_ok(case_doc(state, attrs, ""));
    memcpy(id, s->rec[0].id, sizeof s->rec[0].id);
    free(s);
    free(attrs);
    free(e);
}

static void
test_junit_id_cap(void **state)
{
    static char a[SL_TEST_NAME_MAX + 1], b[SL_TEST_NAME_MAX + 1];
    static char c[SL_TEST_NAME_MAX + 1];
    /* Exactly 1024 bytes: kept whole ("K." and 340 signs and "xx"). */
    long_id(state, "K", 340, "xx", a);
    assert_int_equal(strlen(a), 1024);
    assert_memory_equal(a, "K.", 2);
    assert_string_equal(a + 1022, "xx");
    /* Longer: cut on a character boundary, then "~" and the hash of the
     * whole id, so ids that differ only past the cut stay apart, and the
     * same test gets the same id every time. */
    long_id(state, "K", 2000, "-one", a);
    long_id(state, "K", 2000, "-two", b);
    long_id(state, "K", 2000, "-one", c);
    assert_true(strlen(a) <= SL_TEST_NAME_MAX);
    assert_int_equal(strlen(a), 2 + 335 * 3 + 17);
    assert_memory_equal(a, "K.", 2);
    assert_int_equal(a[strlen(a) - 17], '~');
    assert_int_equal(strspn(a + strlen(a) - 16, "0123456789abcdef"), 16);
    assert_string_not_equal(a, b);
    assert_memory_equal(a, b, strlen(a) - 16);
    assert_string_equal(a, c);
}

static void
test_junit_missing_name(void **state)
{
    const char *path =
        ft_tmp_doc(state, "<testsuite name=\"s\">\n  <testcase name=\"ok\"/>\n"
                          "  <testcase classname=\"C\" time=\"1\"/>\n"
                          "</testsuite>\n");
    expect_error(path, NULL, SL_EINPUT, ":3:3: <testcase> without a name");
}

/* ---- the format table and detection ------------------------------------- */

static void
test_format_table(void **state)
{
    (void)state;
    const sl_format_t *t = sl_format_table();
    const sl_format_t *j = NULL;
    for (; t->name != NULL; t++) {
        assert_non_null(t->sniff);
        assert_non_null(t->parse);
        if (strcmp(t->name, "junit") == 0) {
            assert_null(j); /* once */
            j = t;
        }
    }
    assert_non_null(j);
    assert_ptr_equal(sl_format_find("junit"), j);
    assert_null(sl_format_find("no-such-format"));
    assert_null(sl_format_find(""));
    assert_null(sl_format_find(NULL));
}

/* Every fixture with a JUnit root is sniffed as junit and as no other
 * format in the table; the Cobertura one is not junit. */
static void
test_format_detect_fixtures(void **state)
{
    (void)state;
    static const char *const files[] = {
        "pytest.xml",
        "pytest-run2.xml",
        "ctest.xml",
        "gotestsum.xml",
        "gotestsum-run2.xml",
        "phpunit.xml",
        "phpunit-run2.xml",
        "phpunit-nested.xml",
        "surefire.xml",
        "jest-junit.xml",
        "jest-junit-templates.xml",
        "go-junit-report.xml",
        "passing.xml",
        "failing.xml",
        "doctype-dtd.xml",
        "truncated.xml",
        "entity.xml",
        "external-entity.xml",
        "bad-utf8.xml",
        "bad-time.xml",
    };
    char path[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        (void)snprintf(path, sizeof path, "%s%s", FIXTURES, files[i]);
        ft_assert_sniffed_file(path, "junit");
    }
    size_t len = 0;
    char *head = ft_read_head(FIXTURES "not-junit.xml", &len);
    assert_false(junit()->sniff(head, len));
    free(head);
}

static const sl_format_t *
detect(const char *head)
{
    return sl_format_detect(head, strlen(head));
}

static void
test_format_detect(void **state)
{
    (void)state;
    const sl_format_t *j = sl_format_find("junit");
    assert_ptr_equal(detect("<testsuites>"), j);
    assert_ptr_equal(detect("<testsuite\n name=\"x\">"), j);
    assert_ptr_equal(detect("<testsuites/>"), j);
    assert_ptr_equal(
        detect("\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<!-- a > b -->\n"
               "<?pi x?><!DOCTYPE testsuites [ <!ELEMENT a \"]>\"> ]>\n"
               "  <testsuites>"),
        j);
    assert_null(detect("<testsuitesx>"));
    assert_ptr_not_equal(detect("<coverage>"), j);
    assert_null(detect("<testsu"));     /* the name may go on */
    assert_null(detect("<testsuites")); /* likewise */
    assert_null(detect("<!-- <testsuites> "));
    assert_null(detect("  \n "));
    assert_null(detect("testsuites"));
    assert_null(detect(""));
    assert_null(detect("<!DOCTYPE testsuites SYSTEM \"x.dtd\""));
}

/* ---- the expat wrapper on its own --------------------------------------- */

typedef struct xml_seen {
    unsigned max_depth;
    size_t starts;
    size_t text;
    char last[16];
} xml_seen_t;

static int
xml_start(void *ctx, sl_xml_t *x, const char *name, const char **attrs)
{
    xml_seen_t *s = ctx;
    (void)snprintf(s->last, sizeof s->last, "%s", name);
    s->starts++;
    if (sl_xml_depth(x) > s->max_depth) {
        s->max_depth = sl_xml_depth(x);
    }
    const char *stop = sl_xml_attr(attrs, "stop");
    if (stop != NULL) {
        return sl_xml_fail(x, SL_EPROTO, "stopped at %s", stop);
    }
    return SL_OK;
}

static int
xml_text(void *ctx, sl_xml_t *x, const char *s, size_t len)
{
    (void)x, (void)s;
    ((xml_seen_t *)ctx)->text += len;
    return SL_OK;
}

static int
xml_parse_path(const char *path, const sl_xml_cfg_t *cfg, xml_seen_t *s,
               sl_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    int rc = sl_xml_parse_fd(fd, path, cfg, s, err);
    assert_int_equal(close(fd), 0);
    return rc;
}

static void
test_xml_caps(void **state)
{
    sl_xml_cfg_t cfg = {.start = xml_start, .text = xml_text, .max_depth = 3};
    xml_seen_t s = {0};
    sl_err_t err = {0};
    const char *path = ft_tmp_doc(state, "<a><b><c>text</c></b></a>");
    assert_int_equal(xml_parse_path(path, &cfg, &s, &err), SL_OK);
    assert_int_equal(s.max_depth, 3);
    assert_int_equal(s.text, 4);
    path = ft_tmp_doc(state, "<a><b><c><d/></c></b></a>");
    assert_int_equal(xml_parse_path(path, &cfg, &s, &err), SL_ETOOBIG);
    assert_non_null(strstr(err.msg, "doc.xml:1:10: elements nested deeper"));
    /* A comment longer than token_max, fed in 64 KiB reads. */
    cfg.token_max = 100000;
    path = ft_tmp_write(state, "doc.xml", "<!--", 4);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    for (int i = 0; i < 200000; i++) {
        assert_true(fputc('-' + (i % 2), f) != EOF); /* "-." never ends */
    }
    assert_int_equal(fclose(f), 0);
    sl_err_t e2 = {0};
    assert_int_equal(xml_parse_path(path, &cfg, &s, &e2), SL_ETOOBIG);
    assert_non_null(strstr(e2.msg, "doc.xml:1:1: token longer than 100000"));
    /* expat keeps every distinct name for the whole parse: a document of
     * ever new element names meets the memory cap instead of growing.
     * The same number of elements with one name stays far below it. */
    cfg.token_max = 0;
    cfg.max_depth = 0;
    cfg.mem_max = 1u << 20;
    for (int distinct = 1; distinct >= 0; distinct--) {
        path = ft_tmp_write(state, "doc.xml", "<a>", 3);
        f = fopen(path, "ab");
        assert_non_null(f);
        for (int i = 0; i < 100000; i++) {
            fprintf(f, "<name_of_an_element_%d/>\n", distinct ? i : 0);
        }
        fputs("</a>\n", f);
        assert_int_equal(fclose(f), 0);
        sl_err_t e3 = {0};
        int rc = xml_parse_path(path, &cfg, &s, &e3);
        if (distinct) {
            assert_int_equal(rc, SL_ETOOBIG);
            assert_non_null(strstr(e3.msg, ": the XML reader would hold more "
                                           "than 1 MiB (too many distinct "
                                           "names, or a huge token)"));
        } else {
            assert_int_equal(rc, SL_OK);
        }
    }
}

static void
test_xml_callback_stops(void **state)
{
    sl_xml_cfg_t cfg = {.start = xml_start};
    xml_seen_t s = {0};
    sl_err_t err = {0};
    const char *path =
        ft_tmp_doc(state, "<a>\n  <b/>\n  <c stop=\"here\"/><d/>\n</a>");
    assert_int_equal(xml_parse_path(path, &cfg, &s, &err), SL_EPROTO);
    assert_string_equal(strstr(err.msg, "doc.xml:"),
                        "doc.xml:3:3: stopped at here");
    assert_int_equal(s.starts, 3); /* <d> was never seen */
}

static void
test_xml_names_utf16(void **state)
{
    /* No namespace processing: the prefix stays in the name. A UTF-16
     * document reaches the callbacks in UTF-8. */
    static const char ascii[] = "<a xmlns:p=\"u\"><p:b stop=\"x\"/></a>";
    char doc[2 + 2 * sizeof ascii];
    memcpy(doc, "\xFF\xFE", 2);
    for (size_t i = 0; i < sizeof ascii - 1; i++) {
        doc[2 + 2 * i] = ascii[i];
        doc[3 + 2 * i] = '\0';
    }
    const char *path =
        ft_tmp_write(state, "doc.xml", doc, 2 + 2 * (sizeof ascii - 1));
    sl_xml_cfg_t cfg = {.start = xml_start};
    xml_seen_t s = {0};
    sl_err_t err = {0};
    assert_int_equal(xml_parse_path(path, &cfg, &s, &err), SL_EPROTO);
    assert_string_equal(s.last, "p:b");
    assert_string_equal(strstr(err.msg, "doc.xml:"),
                        "doc.xml:1:16: stopped at x" /* BOM not counted */);
}

static void
test_xml_text_buffer(void **state)
{
    (void)state;
    char store[8];
    sl_text_t t;
    sl_text_init(&t, store, sizeof store);
    sl_text_append(&t, "abcde", 5);
    sl_text_append(&t, "\xE2\x82\xAC", 3); /* 8 > 7: the euro goes */
    assert_string_equal(t.data, "abcde");
    assert_true(t.cut);
    sl_text_append(&t, "xy", 2); /* no hole after a cut */
    assert_string_equal(t.data, "abcde");
    sl_text_set(&t, "a  \r\n\t");
    assert_false(t.cut);
    sl_text_rtrim(&t);
    assert_string_equal(t.data, "a");
    assert_int_equal(t.len, 1);
    sl_text_set(&t, NULL);
    assert_string_equal(t.data, "");
    char name[8];
    assert_int_equal(sl_xml_sniff_root("<report ", 8, name, sizeof name), 1);
    assert_string_equal(name, "report");
    assert_int_equal(sl_xml_sniff_root("<reportsx ", 10, name, sizeof name), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_junit_pytest),
        cmocka_unit_test(test_junit_ctest),
        cmocka_unit_test(test_junit_gotestsum),
        cmocka_unit_test(test_junit_phpunit),
        cmocka_unit_test(test_junit_ids_stable),
        cmocka_unit_test(test_junit_passing),
        cmocka_unit_test(test_junit_failing),
        cmocka_unit_test(test_junit_phpunit_nested),
        cmocka_unit_test(test_junit_surefire),
        cmocka_unit_test(test_junit_jest),
        cmocka_unit_test(test_junit_go_junit_report),
        cmocka_unit_test(test_junit_doctype_dtd),
        cmocka_unit_test(test_junit_truncated),
        cmocka_unit_test(test_junit_entity_bomb),
        cmocka_unit_test(test_junit_external_entity),
        cmocka_unit_test(test_junit_undeclared_entity),
        cmocka_unit_test(test_junit_bad_utf8),
        cmocka_unit_test(test_junit_empty),
        cmocka_unit_test(test_junit_bad_time),
        cmocka_unit_test(test_junit_not_junit),
        cmocka_unit_test(test_junit_missing_file),
        cmocka_unit_test(test_junit_deep),
        cmocka_unit_test(test_junit_huge_token),
        cmocka_unit_test(test_junit_nested_testcase),
        cmocka_unit_test(test_junit_sink_stops),
        cmocka_unit_test(test_junit_time_values),
        cmocka_unit_test(test_junit_time_refused),
        cmocka_unit_test(test_junit_line_values),
        cmocka_unit_test(test_junit_caps_utf8),
        cmocka_unit_test(test_junit_status_rules),
        cmocka_unit_test(test_junit_no_sink),
        cmocka_unit_test(test_junit_output_cap),
        cmocka_unit_test(test_junit_properties),
        cmocka_unit_test(test_junit_rerun_rules),
        cmocka_unit_test(test_junit_id_rules),
        cmocka_unit_test(test_junit_id_cap),
        cmocka_unit_test(test_junit_missing_name),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_detect),
        cmocka_unit_test(test_format_detect_fixtures),
        cmocka_unit_test(test_xml_caps),
        cmocka_unit_test(test_xml_callback_stops),
        cmocka_unit_test(test_xml_names_utf16),
        cmocka_unit_test(test_xml_text_buffer),
    };
    return cmocka_run_group_tests(tests, group_setup, ft_tmp_teardown);
}
