/* Scenario: big artifacts stream through the agent with bounded memory. A
 * JUnit report of about 100 MB (300,000 test cases, a quarter of them
 * failing with a stack trace and captured output) and an lcov tracefile of
 * about 50 MB are pushed to a real collector; every record is stored, and
 * the agent's peak resident set stays under 64 MiB (DESIGN.md's bound for
 * the agent; not checked in sanitizer builds, whose shadow memory counts
 * in the resident set). The files are written by the test itself. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define JUNIT_TESTS  300000
#define JUNIT_FAIL   4 /* one test in four fails */
#define LCOV_FILES   5000
#define LCOV_LINES   800 /* DA lines per file */
#define RSS_MAX_KIB  (64 * 1024)

static FILE *
create(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    return f;
}

static void
close_ok(FILE *f)
{
    assert_false(ferror(f));
    assert_int_equal(fclose(f), 0);
}

/* Failure text as Surefire writes it: a message attribute, a stack trace
 * with escaped characters, captured output. */
static void
junit_failure(FILE *f, int i)
{
    fprintf(f,
            "      <failure message=\"expected: &lt;%d&gt; but was: "
            "&lt;%d&gt;\" type=\"org.opentest4j.AssertionFailedError\">"
            "org.opentest4j.AssertionFailedError: expected: &lt;%d&gt; but "
            "was: &lt;%d&gt;\n",
            i % 97, i % 89, i % 97, i % 89);
    for (int k = 0; k < 12; k++) {
        fprintf(f, "\tat com.example.shop.cart.CartTest.test_%d(CartTest."
                   "java:%d)\n",
                i, 40 + k);
    }
    fprintf(f, "</failure>\n      <system-out>cart %d: 3 items, total "
               "%d.%02d EUR &amp; free shipping\n</system-out>\n",
            i, i % 500, i % 100);
}

static void
write_junit(const char *path)
{
    FILE *f = create(path);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
    for (int i = 0; i < JUNIT_TESTS; i++) {
        if (i % 60 == 0) {
            fprintf(f, "%s  <testsuite name=\"com.example.shop.Suite%d\" "
                       "tests=\"60\" time=\"1.5\">\n",
                    i ? "  </testsuite>\n" : "", i / 60);
        }
        fprintf(f, "    <testcase name=\"test_%d\" classname=\"com.example."
                   "shop.cart.CartTest%d\" time=\"0.%03d\"",
                i, i / 60, i % 1000);
        if (i % JUNIT_FAIL != 0) {
            fputs("/>\n", f);
            continue;
        }
        fputs(">\n", f);
        junit_failure(f, i);
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    close_ok(f);
}

/* Returns the number of lines with hits, as lcov --summary counts them. */
static uint64_t
write_lcov(const char *path)
{
    FILE *f = create(path);
    uint64_t hit = 0;
    for (int i = 0; i < LCOV_FILES; i++) {
        fprintf(f, "TN:\nSF:/src/project/module%d/file%d.c\n", i / 50, i);
        for (int k = 1; k <= 4; k++) {
            fprintf(f, "FN:%d,function_%d_%d\n", k * 100, i, k);
            fprintf(f, "FNDA:%d,function_%d_%d\n", k % 2 ? 0 : i + k, i, k);
        }
        fputs("FNF:4\nFNH:2\n", f);
        int lh = 0;
        for (int line = 1; line <= LCOV_LINES; line++) {
            int hits = (line + i) % 3 ? line * 7 : 0;
            lh += hits > 0;
            fprintf(f, "DA:%d,%d\n", line, hits);
            if (line % 20 == 0) {
                fprintf(f, "BRDA:%d,0,0,%d\nBRDA:%d,0,1,-\n", line, line,
                        line);
            }
        }
        fprintf(f, "BRF:%d\nBRH:%d\nLF:%d\nLH:%d\nend_of_record\n",
                LCOV_LINES / 20 * 2, LCOV_LINES / 20, LCOV_LINES, lh);
        hit += (uint64_t)lh;
    }
    close_ok(f);
    return hit;
}

static void
assert_rss(const h_result_t *r, const char *what)
{
    printf("%s: agent peak RSS %ld KiB\n", what, r->max_rss_kib);
#ifndef SL_E2E_SANITIZED
    if (r->max_rss_kib >= RSS_MAX_KIB) {
        print_error("%s: agent peak RSS %ld KiB, want < %d\n", what,
                    r->max_rss_kib, RSS_MAX_KIB);
        fail();
    }
#else
    (void)r, (void)what;
#endif
}

static void
test_big_files(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], xml[H_PATH], info[H_PATH];
    write_junit(h_path(h, "big.xml", xml));
    uint64_t lines_hit = write_lcov(h_path(h, "big.info", info));
    struct stat st;
    assert_int_equal(stat(xml, &st), 0);
    printf("big.xml: %lld bytes\n", (long long)st.st_size);
    assert_true(st.st_size > 100 * 1000 * 1000);
    assert_int_equal(stat(info, &st), 0);
    printf("big.info: %lld bytes\n", (long long)st.st_size);
    assert_true(st.st_size > 50 * 1000 * 1000);
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);

    const h_result_t *r = h_agent(h, "push", "--collector", c->listen,
                                  "--run-id", "big-junit", xml, NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "300004 event(s) newly stored");
    assert_rss(r, "100 MB JUnit");
    const sl_pb_run_t *run = h_run_get(h, c, "big-junit");
    h_assert_tests(run, JUNIT_TESTS, JUNIT_TESTS - JUNIT_TESTS / JUNIT_FAIL,
                   JUNIT_TESTS / JUNIT_FAIL, 0, 0);

    r = h_agent(h, "push", "--collector", c->listen, "--run-id", "big-lcov",
                info, NULL);
    assert_int_equal(r->status, 0);
    assert_rss(r, "50 MB lcov");
    run = h_run_get(h, c, "big-lcov");
    assert_int_equal(run->coverage_reports, 1);
    assert_int_equal(run->coverage->files, LCOV_FILES);
    assert_int_equal(run->coverage->lines_valid,
                     (uint64_t)LCOV_FILES * LCOV_LINES);
    assert_int_equal(run->coverage->lines_covered, lines_hit);
    assert_int_equal(run->coverage->branches_valid,
                     (uint64_t)LCOV_FILES * (LCOV_LINES / 20) * 2);
    assert_int_equal(run->coverage->branches_covered,
                     (uint64_t)LCOV_FILES * (LCOV_LINES / 20));
    assert_int_equal(run->coverage->functions_valid, LCOV_FILES * 4);
    assert_int_equal(run->coverage->functions_covered, LCOV_FILES * 2);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_big_files, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
