/* The JUnit parser, the format table and the expat wrapper (sluice/xml.h),
 * on reports written by real runners (pytest, ctest), hand-written ones
 * shaped like Surefire and PHPUnit output, and hostile documents. */
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

#include "sluice/formats.h"
#include "sluice/xml.h"

#define FIXTURES SL_SOURCE_DIR "/tests/fixtures/junit/"

/* ---- a sink that records what it is given ------------------------------ */

typedef struct rec {
    char suite[SL_TEST_NAME_MAX + 1];
    char classname[SL_TEST_NAME_MAX + 1];
    char name[SL_TEST_NAME_MAX + 1];
    char file[SL_TEST_NAME_MAX + 1];
    char message[SL_TEST_MESSAGE_MAX + 1];
    Sluice__V1__TestStatus status;
    double time_s;
    unsigned line;
} rec_t;

#define REC_MAX 8

typedef struct seen {
    size_t n;
    size_t by_status[4];
    size_t stop_after; /* the sink says SL_EFULL at this call; 0: never */
    rec_t rec[REC_MAX];
} seen_t;

static void
copy_capped(char *dst, const char *src, size_t cap)
{
    assert_non_null(src);
    size_t n = strlen(src);
    assert_true(n <= cap); /* the parser's cap, checked on every record */
    memcpy(dst, src, n + 1);
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
    assert_true(tc->status >= SLUICE__V1__TEST_STATUS__TEST_PASSED && tc->status <= SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    s->by_status[tc->status]++;
    if (s->n < REC_MAX) {
        rec_t *r = &s->rec[s->n];
        copy_capped(r->suite, tc->suite, SL_TEST_NAME_MAX);
        copy_capped(r->classname, tc->classname, SL_TEST_NAME_MAX);
        copy_capped(r->name, tc->name, SL_TEST_NAME_MAX);
        copy_capped(r->file, tc->file, SL_TEST_NAME_MAX);
        copy_capped(r->message, tc->message, SL_TEST_MESSAGE_MAX);
        r->status = tc->status;
        r->time_s = tc->time_s;
        r->line = tc->line;
    }
    s->n++;
    return SL_OK;
}

static seen_t *
seen_new(void)
{
    seen_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    return s;
}

static int
parse_path(const char *path, const sl_format_t *forced, seen_t *s,
           sl_err_t *err)
{
    sl_sink_t sink = {.ctx = s, .emit = record};
    const sl_format_t *used = NULL;
    int rc = sl_format_parse_file(path, forced, &sink, &used, err);
    if (rc == SL_OK) {
        assert_ptr_equal(used,
                         forced != NULL ? forced : sl_format_find("junit"));
    }
    return rc;
}

static void
assert_counts(const seen_t *s, size_t pass, size_t fail, size_t error,
              size_t skip)
{
    assert_int_equal(s->n, pass + fail + error + skip);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_PASSED], pass);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_FAILED], fail);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_ERRORED], error);
    assert_int_equal(s->by_status[SLUICE__V1__TEST_STATUS__TEST_SKIPPED], skip);
}

static void
assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0) {
        fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
    }
}

/* ---- temporary files: a group directory, one file per test --------------- */

typedef struct tmp {
    char dir[64];
    char path[128];
} tmp_t;

static int
group_setup(void **state)
{
    tmp_t *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return -1;
    }
    const char *base = getenv("TMPDIR");
    int n = snprintf(t->dir, sizeof t->dir, "%s/sl-junit-XXXXXX",
                     base != NULL && strlen(base) < 40 ? base : "/tmp");
    if (n < 0 || (size_t)n >= sizeof t->dir || mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int
group_teardown(void **state)
{
    tmp_t *t = *state;
    (void)unlink(t->path); /* the last test's file, if any */
    int rc = rmdir(t->dir);
    free(t);
    return rc;
}

/* Writes data (len bytes, repeated times) to <dir>/<name>: t->path. */
static const char *
tmp_write(void **state, const char *name, const char *data, size_t len,
          size_t times)
{
    tmp_t *t = *state;
    (void)unlink(t->path);
    int n = snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
    assert_true(n > 0 && (size_t)n < sizeof t->path);
    FILE *f = fopen(t->path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < times; i++) {
        assert_int_equal(fwrite(data, 1, len, f), len);
    }
    assert_int_equal(fclose(f), 0);
    return t->path;
}

static const char *
tmp_doc(void **state, const char *doc)
{
    return tmp_write(state, "doc.xml", doc, strlen(doc), 1);
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
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "pytest.xml", NULL, s, &err), SL_OK);
    assert_counts(s, 4, 1, 1, 1); /* "1 failed, 4 passed, 1 skipped, 1 error" */
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(s->rec[i].name, names[i]);
        assert_string_equal(s->rec[i].suite, "pytest");
        assert_string_equal(s->rec[i].classname, "test_sample");
        assert_true(s->rec[i].time_s >= 0 && s->rec[i].time_s < 10);
    }
    assert_int_equal(s->rec[4].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_prefix(s->rec[4].message,
                  "AssertionError: cart total is off by one cent\n"
                  "assert 999 == 1000\n +  where 999 = sum([250, 250, 499])\n"
                  "def test_cart_total():\n");
    assert_non_null(strstr(s->rec[4].message, "test_sample.py:45: "));
    assert_int_equal(s->rec[5].status, SLUICE__V1__TEST_STATUS__TEST_ERRORED);
    assert_prefix(s->rec[5].message, "failed on setup with \"ConnectionError: "
                                     "database unavailable: connection "
                                     "refused\"\n@pytest.fixture");
    assert_int_equal(s->rec[6].status, SLUICE__V1__TEST_STATUS__TEST_SKIPPED);
    assert_prefix(s->rec[6].message,
                  "payment sandbox is not reachable from CI\n");
    free(s);
}

static void
test_junit_ctest(void **state)
{
    (void)state;
    static const char *const names[] = {"unit.config", "unit.queue",
                                        "unit.store", "e2e.ingest"};
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "ctest.xml", NULL, s, &err), SL_OK);
    assert_counts(s, 3, 1, 0, 0); /* "1 tests failed out of 4" */
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(s->rec[i].name, names[i]);
        assert_string_equal(s->rec[i].classname, names[i]);
        assert_string_equal(s->rec[i].suite, "(empty)");
        assert_string_equal(s->rec[i].message, ""); /* no system-out */
        assert_int_equal(s->rec[i].status,
                         i == 3 ? SLUICE__V1__TEST_STATUS__TEST_FAILED : SLUICE__V1__TEST_STATUS__TEST_PASSED);
    }
    free(s);
}

/* ---- hand-written reports (also the demo's) ----------------------------- */

static void
test_junit_passing(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "passing.xml", NULL, s, &err), SL_OK);
    assert_counts(s, 5, 0, 0, 0);
    assert_string_equal(s->rec[0].suite, "demo.config");
    assert_string_equal(s->rec[0].classname, "demo.config.test_loader");
    assert_string_equal(s->rec[0].name, "test_defaults");
    assert_string_equal(s->rec[0].file, "tests/test_loader.py");
    assert_int_equal(s->rec[0].line, 12);
    assert_true(s->rec[0].time_s == 0.004);
    assert_string_equal(s->rec[4].suite, "demo.queue");
    assert_string_equal(s->rec[4].name, "test_capacity_limit");
    assert_int_equal(s->rec[4].line, 33);
    assert_true(s->rec[4].time_s == 0.392);
    assert_string_equal(s->rec[4].message, ""); /* system-out is not kept */
    free(s);
}

static void
test_junit_failing(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "failing.xml", NULL, s, &err), SL_OK);
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
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "phpunit-nested.xml", NULL, s, &err),
                     SL_OK);
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
test_junit_surefire_flaky(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "surefire-flaky.xml", NULL, s, &err),
                     SL_OK);
    /* Flaky tests passed on a rerun: passed; alwaysFails never did. */
    assert_counts(s, 3, 1, 0, 0);
    assert_string_equal(s->rec[1].name, "flakyNetwork");
    assert_int_equal(s->rec[1].status, SLUICE__V1__TEST_STATUS__TEST_PASSED);
    assert_string_equal(s->rec[1].message, "");
    assert_true(s->rec[1].time_s == 1234.5); /* "1,234.5" */
    assert_string_equal(s->rec[2].name, "alwaysFails");
    assert_int_equal(s->rec[2].status, SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_string_equal(s->rec[2].message,
                        "expected: <3> but was: <2>\n"
                        "org.opentest4j.AssertionFailedError: expected: <3> "
                        "but was: <2>\n\tat com.example.demo.CartTest."
                        "alwaysFails(CartTest.java:42)");
    assert_string_equal(s->rec[3].name, "flakyLookup");
    assert_int_equal(s->rec[3].status, SLUICE__V1__TEST_STATUS__TEST_PASSED);
    assert_string_equal(s->rec[3].suite, "com.example.demo.CartTest");
    free(s);
}

static void
test_junit_doctype_dtd(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    /* Names an external DTD: parsed without fetching it. */
    assert_int_equal(parse_path(FIXTURES "doctype-dtd.xml", NULL, s, &err),
                     SL_OK);
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
    sl_err_t err = {0};
    char want[sizeof err.msg];
    int n = snprintf(want, sizeof want, "%s%s", path, rest);
    assert_true(n > 0 && (size_t)n < sizeof want);
    assert_int_equal(parse_path(path, forced, s, &err), rc);
    assert_int_equal(err.rc, rc);
    assert_string_equal(err.msg, want);
    free(s);
}

static const sl_format_t *
junit(void)
{
    const sl_format_t *f = sl_format_find("junit");
    assert_non_null(f);
    return f;
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
    const char *path = tmp_doc(
        state, "<!DOCTYPE testsuites SYSTEM \"junit.dtd\">\n<testsuites>\n"
               "<testsuite name=\"a&amp;b\"><testcase name=\"&#233;\">\n"
               "<failure>&lt;&x;</failure></testcase></testsuite>"
               "</testsuites>");
    expect_error(path, NULL, SL_EINPUT, ":4:14: undeclared entity \"x\"");
    path = tmp_doc(state,
                   "<!DOCTYPE testsuites SYSTEM \"junit.dtd\">\n<testsuites>\n"
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
    (void)state;
    /* A Cobertura report: detected as that, refused when forced as JUnit. */
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
    const char *path = tmp_write(state, "deep.xml", "<testsuites>", 12, 1);
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
    path = tmp_write(state, "deep.xml", "<testsuite>", 11, 100000);
    (void)snprintf(rest, sizeof rest,
                   ":1:%d: <testsuite> nested deeper than 64", 64 * 11 + 1);
    expect_error(path, NULL, SL_ETOOBIG, rest);
}

static void
test_junit_huge_token(void **state)
{
    /* One attribute of 17 MiB: over the token cap, refused while read. */
    char chunk[4096];
    memset(chunk, 'a', sizeof chunk);
    const char *path =
        tmp_write(state, "huge.xml", "<testsuites name=\"", 18, 1);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    for (size_t i = 0; i < (17u << 20) / sizeof chunk; i++) {
        assert_int_equal(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
    }
    assert_int_equal(fclose(f), 0);
    expect_error(path, NULL, SL_ETOOBIG,
                 ":1:1: token longer than 16777216 bytes");
}

static void
test_junit_nested_testcase(void **state)
{
    const char *path = tmp_doc(state, "<testsuite>\n<testcase name=\"a\">\n"
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
    return parse_path(tmp_doc(state, doc), NULL, s, err);
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

/* A UTF-8 string of n euro signs (3 bytes each). */
static char *
euros(size_t n)
{
    char *p = malloc(n * 3 + 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        memcpy(p + i * 3, "\xE2\x82\xAC", 3);
    }
    p[n * 3] = '\0';
    return p;
}

static void
test_junit_caps_utf8(void **state)
{
    /* 2000 euro signs as the name and as the failure's body. */
    char *e = euros(2000);
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
    assert_int_equal(parse_path(tmp_doc(state, doc), NULL, s, &err), SL_OK);
    /* Cut on a character boundary: 341 signs fit in 1024 bytes ... */
    assert_int_equal(strlen(s->rec[0].name), 341 * 3);
    assert_memory_equal(s->rec[0].name, e, 341u * 3);
    /* ... and "m\n" plus 1364 signs in 4096. */
    assert_int_equal(strlen(s->rec[0].message), 2 + 1364 * 3);
    assert_memory_equal(s->rec[0].message, "m\n", 2);
    assert_memory_equal(s->rec[0].message + 2, e, 1364u * 3);
    free(s);
    free(doc);
    free(e);
}

static void
test_junit_status_rules(void **state)
{
    const char *path = tmp_doc(
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
    assert_int_equal(s->rec[2].status, SLUICE__V1__TEST_STATUS__TEST_FAILED); /* the first wins */
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

/* ---- the format table and detection ------------------------------------- */

static void
test_format_table(void **state)
{
    (void)state;
    const sl_format_t *t = sl_format_table();
    assert_string_equal(t[0].name, "junit");
    assert_ptr_equal(sl_format_find("junit"), &t[0]);
    assert_null(sl_format_find("no-such-format"));
    assert_null(sl_format_find(""));
    assert_null(sl_format_find(NULL));
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
    assert_null(detect("<coverage>"));
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
    const char *path = tmp_doc(state, "<a><b><c>text</c></b></a>");
    assert_int_equal(xml_parse_path(path, &cfg, &s, &err), SL_OK);
    assert_int_equal(s.max_depth, 3);
    assert_int_equal(s.text, 4);
    path = tmp_doc(state, "<a><b><c><d/></c></b></a>");
    assert_int_equal(xml_parse_path(path, &cfg, &s, &err), SL_ETOOBIG);
    assert_non_null(strstr(err.msg, "doc.xml:1:10: elements nested deeper"));
    /* A comment longer than token_max, fed in 64 KiB reads. */
    cfg.token_max = 100000;
    path = tmp_write(state, "doc.xml", "<!--", 4, 1);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    for (int i = 0; i < 200000; i++) {
        assert_true(fputc('-' + (i % 2), f) != EOF); /* "-." never ends */
    }
    assert_int_equal(fclose(f), 0);
    sl_err_t e2 = {0};
    assert_int_equal(xml_parse_path(path, &cfg, &s, &e2), SL_ETOOBIG);
    assert_non_null(strstr(e2.msg, "doc.xml:1:1: token longer than 100000"));
}

static void
test_xml_callback_stops(void **state)
{
    sl_xml_cfg_t cfg = {.start = xml_start};
    xml_seen_t s = {0};
    sl_err_t err = {0};
    const char *path =
        tmp_doc(state, "<a>\n  <b/>\n  <c stop=\"here\"/><d/>\n</a>");
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
        tmp_write(state, "doc.xml", doc, 2 + 2 * (sizeof ascii - 1), 1);
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
        cmocka_unit_test(test_junit_passing),
        cmocka_unit_test(test_junit_failing),
        cmocka_unit_test(test_junit_phpunit_nested),
        cmocka_unit_test(test_junit_surefire_flaky),
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
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_format_detect),
        cmocka_unit_test(test_xml_caps),
        cmocka_unit_test(test_xml_callback_stops),
        cmocka_unit_test(test_xml_names_utf16),
        cmocka_unit_test(test_xml_text_buffer),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
