/* The verdict for people and CI systems: the table (lib/verdict.c via
 * sl_run_print_verdict), the verdict part of the run JSON
 * (lib/run_json.c), GitHub workflow commands and step summary, and JUnit
 * XML (agent/verdict_out.c), each from Verdict messages built here with
 * every field the gate of issue 4 fills. JUnit output is parsed back with
 * expat; JSON with yajl_tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <expat.h>
#include <yajl/yajl_tree.h>

#include <cmocka.h>

#include "agent.h"
#include "sluice/text.h"
#include "sluice/verdict.h"

#define NOW    1795492991000000 /* 2026-11-24T04:03:11Z */
#define HOUR   3600000000LL
#define S(lit) ((char *)(uintptr_t)(lit))

/* One run record on the stack, strings static: nothing to free. */
typedef struct fixture {
    sl_pb_run_t run;
    Sluice__V1__RunMeta meta;
    Sluice__V1__TestCounts tests;
    Sluice__V1__Coverage coverage;
    Sluice__V1__FindingCounts findings;
    sl_pb_verdict_t verdict, early;
    Sluice__V1__Baseline baseline;
    Sluice__V1__Reason reason[8];
    Sluice__V1__Reason *reasons[8];
    char *run_ids[5];
    char *rules[8];
} fixture_t;

static void
fixture_init(fixture_t *f)
{
    memset(f, 0, sizeof *f);
    sluice__v1__run_record__init(&f->run);
    sluice__v1__run_meta__init(&f->meta);
    sluice__v1__test_counts__init(&f->tests);
    sluice__v1__coverage__init(&f->coverage);
    sluice__v1__finding_counts__init(&f->findings);
    sluice__v1__verdict__init(&f->verdict);
    sluice__v1__verdict__init(&f->early);
    sluice__v1__baseline__init(&f->baseline);
    for (size_t i = 0; i < 8; i++) {
        sluice__v1__reason__init(&f->reason[i]);
        f->reasons[i] = &f->reason[i];
    }
    f->run.run_id = S("r1");
    f->run.meta = &f->meta;
    f->run.tests = &f->tests;
    f->run.coverage = &f->coverage;
    f->run.findings = &f->findings;
    f->run.verdict = &f->verdict;
    f->run.state = SLUICE__V1__RUN_STATE__RUN_FINISHED;
    f->meta.project = S("demo");
    f->meta.branch = S("main");
    f->meta.commit = S("0123456789abcdef0123456789abcdef01234567");
    f->verdict.reasons = f->reasons;
}

/* A failing verdict with three reasons (a test count, a benchmark with
 * every baseline figure, a warning on coverage), a baseline and the rules
 * checked. */
static void
fixture_three(fixture_t *f)
{
    fixture_init(f);
    Sluice__V1__Reason *r = f->reason;
    r[0].rule = S("tests.failed");
    r[0].value = 2;
    r[0].threshold = 0;
    r[0].status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    r[0].message = S("2 test(s) failed (maximum 0)");
    r[1].rule = S("perf.regression");
    r[1].subject = S("parse_json");
    r[1].unit = S("ms");
    r[1].value = 12.5;
    r[1].threshold = 10;
    r[1].baseline = 10.1;
    r[1].has_baseline = 1;
    r[1].baseline_spread = 0.3;
    r[1].baseline_n = 5;
    r[1].change_pct = 23.76;
    r[1].statistic = S("t");
    r[1].statistic_value = 5.123;
    r[1].p_value = 0.0012;
    r[1].method = S("percent");
    r[1].status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    r[1].message = S("parse_json is 23.8% slower than the baseline");
    r[2].rule = S("coverage.line");
    r[2].unit = S("%");
    r[2].value = 74.3;
    r[2].threshold = 75;
    r[2].status = SLUICE__V1__VERDICT_STATUS__VERDICT_WARN;
    r[2].message = S("line coverage 74.30% is below 75.00%");
    f->verdict.n_reasons = 3;
    f->verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    static const char *ids[] = {"r9", "r8", "r7", "r6", "r5"};
    for (size_t i = 0; i < 5; i++) {
        f->run_ids[i] = S(ids[i]);
    }
    f->baseline.branch = S("main");
    f->baseline.run_ids = f->run_ids;
    f->baseline.n_run_ids = 5;
    f->baseline.commit = S("fedcba9876543210fedcba9876543210fedcba98");
    f->baseline.finished_us = NOW - 2 * HOUR - 60000000;
    f->baseline.base_commit = S("89abcdef0123456789abcdef0123456789abcdef");
    f->baseline.base_found = 1;
    f->verdict.baseline = &f->baseline;
    static const char *rules[] = {"tests.failed", "tests.errors",
                                  "coverage.line", "perf.regression",
                                  "findings.critical"};
    for (size_t i = 0; i < 5; i++) {
        f->rules[i] = S(rules[i]);
    }
    f->verdict.rules_checked = f->rules;
    f->verdict.n_rules_checked = 5;
}

/* What call wrote to cap_f, NUL-terminated, into var (freed by the
 * caller). */
#define CAPTURE(var, call)                                                     \
    do {                                                                       \
        FILE *cap_f;                                                           \
        size_t cap_len = 0;                                                    \
        (var) = NULL;                                                          \
        cap_f = open_memstream(&(var), &cap_len);                              \
        assert_non_null(cap_f);                                                \
        call;                                                                  \
        assert_int_equal(fclose(cap_f), 0);                                    \
    } while (0)

/* Characters (code points) of a line; the text must be valid UTF-8. */
static size_t
line_cols(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    uint32_t cp;
    while (i < len) {
        size_t k = sl_utf8_next(s + i, len - i, &cp);
        assert_true(k > 0);
        assert_false(cp < 0x20 || (cp >= 0x7F && cp < 0xA0));
        i += k;
        n++;
    }
    return n;
}

/* Every line of text is valid UTF-8 with no control character, and at
 * most max columns wide. */
static void
assert_lines_within(const char *text, size_t max)
{
    const char *p = text;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        size_t cols = line_cols(p, (size_t)(nl - p));
        if (cols > max) {
            print_error("line of %zu columns: %.*s\n", cols, (int)(nl - p), p);
        }
        assert_true(cols <= max);
        p = nl + 1;
    }
}

/* ---- the table ---------------------------------------------------------- */

static void
test_table_three_reasons(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    char *text;
    CAPTURE(text, sl_run_print_verdict_at(&f.run, NOW, cap_f));
    assert_string_equal(
        text,
        "verdict: fail  run r1  project demo  branch main  commit "
        "0123456789ab\n"
        "  status  rule             subject     value    threshold  "
        "baseline            change\n"
        "  fail    tests.failed                 2        0\n"
        "          2 test(s) failed (maximum 0)\n"
        "  fail    perf.regression  parse_json  12.5 ms  10%        "
        "10.1 ms \xc2\xb1 0.3, n=5  +23.8%\n"
        "          parse_json is 23.8% slower than the baseline (t=5.12, "
        "p=0.0012)\n"
        "  warn    coverage.line                74.3%    75%\n"
        "          line coverage 74.30% is below 75.00%\n"
        "  baseline: 5 run(s) of main (r9, r8, r7 and 2 more), newest at "
        "commit fedcba987654, finished 2 h\n"
        "            ago; merge-base 89abcdef0123 found\n"
        "  rules checked: 5\n");
    assert_lines_within(text, SL_VERDICT_COLS);
    free(text);
}

/* Short messages fit the line: they are the last column. The kinds of
 * results come between the status line and the table. An early verdict
 * says so, and a pending final one does not hide it. */
static void
test_table_inline_early(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    f.tests.total = 3;
    f.tests.passed = 2;
    f.tests.failed = 1;
    f.reason[0].rule = S("tests.failed");
    f.reason[0].value = 1;
    f.reason[0].message = S("1 test(s) failed");
    f.early = f.verdict;
    f.early.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    f.early.early = 1;
    f.early.n_reasons = 1;
    f.run.early_verdict = &f.early;
    f.run.state = SLUICE__V1__RUN_STATE__RUN_OPEN;
    f.meta.commit = S("abc");
    assert_ptr_equal(sl_verdict_of(&f.run), &f.early);
    char *text;
    CAPTURE(text, sl_run_print_verdict_at(&f.run, NOW, cap_f));
    assert_string_equal(
        text, "verdict: fail (early)  run r1  project demo  branch main  "
              "commit abc\n"
              "  tests       3: 2 passed, 1 failed, 0 errors, 0 skipped\n"
              "  status  rule          value  threshold  message\n"
              "  fail    tests.failed  1      0          1 test(s) failed\n");
    free(text);
    /* once the final verdict is given, it is the one shown */
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_PASS;
    assert_ptr_equal(sl_verdict_of(&f.run), &f.verdict);
    CAPTURE(text, sl_run_print_verdict_at(&f.run, NOW, cap_f));
    assert_string_equal(
        text, "verdict: pass  run r1  project demo  branch main  commit abc\n"
              "  tests       3: 2 passed, 1 failed, 0 errors, 0 skipped\n");
    free(text);
}

/* Hostile cells: very long, invalid UTF-8, terminal escapes, bidi
 * overrides. Every line stays within 100 columns where the table can
 * squeeze, nothing raw reaches the terminal, and cuts fall on character
 * boundaries. */
static void
test_table_hostile(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    char rule[400], subject[300], msg[3000], unit[40];
    memset(rule, 'r', sizeof rule - 1);
    rule[sizeof rule - 1] = '\0';
    for (size_t i = 0; i + 2 < sizeof subject; i += 2) {
        memcpy(subject + i, "\xc3\xa9", 2); /* é */
    }
    subject[sizeof subject - 2] = '\0';
    subject[5] = '\x1b';
    subject[7] = (char)0xff;
    for (size_t i = 0; i < sizeof msg - 1; i++) {
        msg[i] = i % 7 == 6 ? ' ' : 'm';
    }
    msg[sizeof msg - 1] = '\0';
    msg[10] = '\n';
    memcpy(msg + 20, "\xe2\x80\xae", 3); /* U+202E right-to-left override */
    (void)snprintf(unit, sizeof unit, "m\x1b[31ms");
    f.reason[0].rule = rule;
    f.reason[0].subject = subject;
    f.reason[0].unit = unit;
    f.reason[0].message = msg;
    f.reason[0].value = 1e300;
    f.reason[0].has_baseline = 1;
    f.reason[1].rule = S("b");
    f.reason[1].message = S("short");
    f.verdict.n_reasons = 2;
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    f.run.run_id = S("run\x1b]0;title\x07");
    char *text;
    CAPTURE(text, sl_run_print_verdict_at(&f.run, NOW, cap_f));
    assert_lines_within(text, SL_VERDICT_COLS);
    assert_null(strchr(text, '\x1b'));
    assert_non_null(strstr(text, "run run?]0;title?  project"));
    assert_non_null(strstr(text, "m?[31ms"));
    assert_non_null(strstr(text, "\xc3\xa9\xc3\xa9\xe2\x80\xa6")); /* éé… */
    free(text);
}

static void
test_cell(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(sl_verdict_cell("abc", 3, buf, sizeof buf), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(sl_verdict_cell("abcd", 3, buf, sizeof buf), 3);
    assert_string_equal(buf, "ab\xe2\x80\xa6");
    /* é is two bytes, one column: never cut in half */
    assert_int_equal(
        sl_verdict_cell("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, buf, sizeof buf),
        3);
    assert_string_equal(buf, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    /* invalid UTF-8 (a cut sequence, an overlong form), controls, DEL */
    (void)sl_verdict_cell("a\xc3" "b\xc0\xafz\t\x7f\xc2\x85", 20, buf,
                          sizeof buf);
    assert_string_equal(buf, "a?b??z???");
    /* a small buffer cuts too, leaving room for the mark */
    assert_int_equal(sl_verdict_cell("abcdefgh", 20, buf, 8), 5);
    assert_string_equal(buf, "abcd\xe2\x80\xa6");
    sl_verdict_commit("0123456789abcdef", buf, sizeof buf);
    assert_string_equal(buf, "0123456789ab");
    sl_verdict_commit("0123456789a", buf, sizeof buf);
    assert_string_equal(buf, "0123456789a");
}

/* A reason from today's gate: no status (the verdict's says), no unit,
 * no method; the figures it has. */
static void
test_cells_and_status(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    sl_verdict_cells_t c;
    char line[256];
    sl_verdict_cells(&f.reason[1], &c);
    sl_verdict_figures(&c, line, sizeof line);
    assert_string_equal(line, "value 12.5 ms, threshold 10%, baseline "
                              "10.1 ms \xc2\xb1 0.3, n=5, change +23.8% "
                              "(t=5.12, p=0.0012)");
    Sluice__V1__Reason re;
    sluice__v1__reason__init(&re);
    re.value = 65.51724137931035;
    re.threshold = 75;
    sl_verdict_cells(&re, &c);
    sl_verdict_figures(&c, line, sizeof line);
    assert_string_equal(line, "value 65.52, threshold 75");
    re.method = S("zscore");
    re.threshold = 3;
    re.value = 123456.78;
    sl_verdict_cells(&re, &c);
    assert_string_equal(c.threshold, "|z| 3");
    assert_string_equal(c.value, "123456.8");
    re.method = S("iqr");
    re.has_baseline = 1;
    re.baseline_spread = 2;
    re.change_pct = -4.04;
    sl_verdict_cells(&re, &c);
    assert_string_equal(c.baseline, "0 IQR 2");
    assert_string_equal(c.change, "-4.0%");

    sl_pb_verdict_t *v = &f.verdict;
    assert_int_equal(sl_verdict_reason_status(v, &re),
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    v->status = SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE;
    assert_int_equal(sl_verdict_reason_status(v, &re),
                     SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE);
    v->status = SLUICE__V1__VERDICT_STATUS__VERDICT_WARN;
    assert_int_equal(sl_verdict_reason_status(v, &re),
                     SLUICE__V1__VERDICT_STATUS__VERDICT_WARN);
    assert_int_equal(sl_verdict_reason_status(v, &f.reason[0]),
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_true(sl_verdict_failing(SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL));
    assert_true(
        sl_verdict_failing(SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE));
    assert_false(sl_verdict_failing(SLUICE__V1__VERDICT_STATUS__VERDICT_WARN));
    assert_false(
        sl_verdict_failing(SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING));
}

static void
test_baseline_text(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    char buf[512];
    f.baseline.pinned = 1;
    f.baseline.base_found = 0;
    f.baseline.runner = S("linux-x64");
    f.baseline.n_run_ids = 2;
    f.baseline.finished_us = NOW - 3 * 24 * HOUR;
    sl_verdict_baseline_text(&f.verdict, NOW, buf, sizeof buf);
    assert_string_equal(buf, "2 run(s) of main (r9, r8), newest at commit "
                             "fedcba987654, finished 3 days ago; pinned; "
                             "merge-base 89abcdef0123 not found (rolling "
                             "baseline); runner linux-x64");
    f.baseline.n_run_ids = 0;
    f.baseline.commit = S("");
    f.baseline.base_commit = S("");
    f.baseline.runner = S("");
    f.baseline.pinned = 0;
    f.baseline.finished_us = NOW - 90 * 1000000LL;
    sl_verdict_baseline_text(&f.verdict, NOW, buf, sizeof buf);
    assert_string_equal(buf, "no run of main, newest finished 1 min ago");
    f.verdict.baseline = NULL;
    sl_verdict_baseline_text(&f.verdict, NOW, buf, sizeof buf);
    assert_string_equal(buf, "");
}

/* ---- run JSON ------------------------------------------------------------ */

static yajl_val
json_of(const sl_pb_run_t *r)
{
    char *text;
    char errbuf[256];
    CAPTURE(text, assert_int_equal(sl_run_json(r, cap_f), SL_OK));
    yajl_val root = yajl_tree_parse(text, errbuf, sizeof errbuf);
    if (root == NULL) {
        print_error("%s\n%s\n", errbuf, text);
    }
    assert_non_null(root);
    free(text);
    return root;
}

#define JP(...) ((const char *[]){__VA_ARGS__, NULL})

static void
test_run_json_verdict(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    yajl_val root = json_of(&f.run);
    yajl_val reasons = yajl_tree_get(root, JP("verdict", "reasons"),
                                     yajl_t_array);
    assert_non_null(reasons);
    assert_int_equal(YAJL_GET_ARRAY(reasons)->len, 3);
    /* the contract's keys first, then only what is set */
    yajl_val r0 = YAJL_GET_ARRAY(reasons)->values[0];
    static const char *keys0[] = {"rule", "value", "threshold", "baseline",
                                  "message", "status"};
    assert_int_equal(YAJL_GET_OBJECT(r0)->len, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(YAJL_GET_OBJECT(r0)->keys[i], keys0[i]);
    }
    assert_true(YAJL_IS_NULL(yajl_tree_get(r0, JP("baseline"), yajl_t_any)));
    yajl_val r1 = YAJL_GET_ARRAY(reasons)->values[1];
    assert_string_equal(YAJL_GET_STRING(yajl_tree_get(r1, JP("subject"),
                                                      yajl_t_string)),
                        "parse_json");
    assert_string_equal(
        YAJL_GET_STRING(yajl_tree_get(r1, JP("status"), yajl_t_string)),
        "fail");
    assert_string_equal(
        YAJL_GET_STRING(yajl_tree_get(r1, JP("method"), yajl_t_string)),
        "percent");
    assert_string_equal(
        YAJL_GET_STRING(yajl_tree_get(r1, JP("statistic"), yajl_t_string)),
        "t");
    struct {
        const char *k;
        double v;
    } nums[] = {{"baseline", 10.1},       {"baseline_spread", 0.3},
                {"baseline_n", 5},        {"change_pct", 23.76},
                {"statistic_value", 5.123}, {"p_value", 0.0012}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        yajl_val n = yajl_tree_get(r1, JP(nums[i].k), yajl_t_number);
        assert_non_null(n);
        assert_true(YAJL_GET_DOUBLE(n) == nums[i].v);
    }
    yajl_val v = yajl_tree_get(root, JP("verdict"), yajl_t_object);
    assert_true(YAJL_IS_FALSE(yajl_tree_get(v, JP("early"), yajl_t_any)));
    yajl_val ids = yajl_tree_get(v, JP("baseline", "run_ids"), yajl_t_array);
    assert_int_equal(YAJL_GET_ARRAY(ids)->len, 5);
    assert_string_equal(
        YAJL_GET_STRING(yajl_tree_get(v, JP("baseline", "finished"),
                                      yajl_t_string)),
        "2026-11-24T02:02:11Z");
    assert_true(YAJL_IS_TRUE(
        yajl_tree_get(v, JP("baseline", "base_found"), yajl_t_any)));
    assert_null(yajl_tree_get(v, JP("baseline", "runner"), yajl_t_any));
    yajl_val rc = yajl_tree_get(v, JP("rules_checked"), yajl_t_array);
    assert_int_equal(YAJL_GET_ARRAY(rc)->len, 5);
    assert_null(yajl_tree_get(root, JP("early_verdict"), yajl_t_any));
    yajl_tree_free(root);

    /* an early verdict: its own object; no baseline: null */
    f.early.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    f.early.early = 1;
    f.run.early_verdict = &f.early;
    f.verdict.baseline = NULL;
    root = json_of(&f.run);
    assert_true(YAJL_IS_TRUE(
        yajl_tree_get(root, JP("early_verdict", "early"), yajl_t_any)));
    assert_true(YAJL_IS_NULL(
        yajl_tree_get(root, JP("verdict", "baseline"), yajl_t_any)));
    yajl_tree_free(root);
}

/* ---- GitHub --------------------------------------------------------------- */

static void
test_gh_escape(void **state)
{
    (void)state;
    char *text;
    CAPTURE(text, agent_gh_escape(cap_f, "50% a\r\nb:c,d\x1b\t\xff", 0));
    assert_string_equal(text, "50%25 a%0D%0Ab:c,d?\t?");
    free(text);
    CAPTURE(text, agent_gh_escape(cap_f, "50% a\r\nb:c,d", 1));
    assert_string_equal(text, "50%25 a%0D%0Ab%3Ac%2Cd");
    free(text);
}

static void
test_gh_annotations(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    f.reason[0].message = S("2 tests: a,b\nfailed 100%");
    char *text;
    CAPTURE(text, assert_int_equal(agent_gh_annotations(&f.run, cap_f), 0));
    assert_string_equal(
        text,
        "::error title=sluice%3A tests.failed::2 tests: a,b%0Afailed 100%25"
        "%0Avalue 2, threshold 0\n"
        "::error title=sluice%3A perf.regression parse_json::parse_json is "
        "23.8%25 slower than the baseline%0Avalue 12.5 ms, threshold 10%25, "
        "baseline 10.1 ms \xc2\xb1 0.3, n=5, change +23.8%25 (t=5.12, "
        "p=0.0012)\n"
        "::warning title=sluice%3A coverage.line::line coverage 74.30%25 is "
        "below 75.00%25%0Avalue 74.3%25, threshold 75%25\n");
    free(text);

    /* incomplete with no reason, then pending: the verdict itself */
    f.verdict.n_reasons = 0;
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE;
    CAPTURE(text, assert_int_equal(agent_gh_annotations(&f.run, cap_f), 0));
    assert_string_equal(text, "::error title=sluice%3A verdict::run r1: the "
                              "run is incomplete\n");
    free(text);
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    CAPTURE(text, assert_int_equal(agent_gh_annotations(&f.run, cap_f), 0));
    assert_string_equal(text, "::error title=sluice%3A verdict::run r1: no "
                              "verdict in time\n");
    free(text);
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_PASS;
    CAPTURE(text, assert_int_equal(agent_gh_annotations(&f.run, cap_f), 0));
    assert_string_equal(text, "");
    free(text);
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

/* GitHub shows 10 annotations of a kind per step: the 10th says how many
 * more failed. The summary's table stops at 200 rows and says so. */
static void
test_gh_caps(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    Sluice__V1__Reason many[205], *manyp[205];
    for (size_t i = 0; i < 205; i++) {
        sluice__v1__reason__init(&many[i]);
        many[i].rule = S("perf.regression");
        many[i].subject = S("bench");
        many[i].message = S("slower");
        many[i].status = i < 12 ? SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL
                                : SLUICE__V1__VERDICT_STATUS__VERDICT_WARN;
        manyp[i] = &many[i];
    }
    f.verdict.reasons = manyp;
    f.verdict.n_reasons = 15; /* 12 fail, 3 warn */
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    char *text;
    CAPTURE(text, assert_int_equal(agent_gh_annotations(&f.run, cap_f), 0));
    assert_int_equal(count(text, "::error "), 10);
    assert_int_equal(count(text, "::warning "), 3);
    assert_int_equal(count(text, "\n"), 13);
    assert_non_null(strstr(text, "::error title=sluice%3A more::3 more "
                                 "failing reason(s): every reason is in the "
                                 "step's log and summary\n::warning "));
    free(text);
    f.verdict.n_reasons = 205;
    CAPTURE(text, assert_int_equal(agent_gh_annotations(&f.run, cap_f), 0));
    assert_int_equal(count(text, "::error "), 10);
    assert_int_equal(count(text, "::warning "), 10);
    assert_non_null(strstr(text, "::warning title=sluice%3A more::184 more "
                                 "warning reason(s)"));
    free(text);
    CAPTURE(text, assert_int_equal(agent_gh_summary(&f.run, NOW, cap_f), 0));
    assert_int_equal(count(text, "\n| fail | perf.regression | bench | "),
                     12);
    assert_int_equal(count(text, "\n| warn | "), 188); /* 200 - 12 */
    assert_non_null(strstr(text, "\n5 more reason(s) are left out here: "
                                 "sluice run r1 shows them all.\n"));
    free(text);
}

static void
test_gh_summary(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    f.reason[2].message = S("a | b <i>x</i> *y* `z`");
    char *text;
    CAPTURE(text,
            assert_int_equal(agent_gh_summary(&f.run, NOW, cap_f), 0));
    assert_string_equal(
        text,
        "\n### \xe2\x9d\x8c sluice: fail\n\n"
        "run r1, project demo, branch main, commit 0123456789ab\n\n"
        "| status | rule | subject | value | threshold | baseline | change | "
        "message |\n"
        "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |\n"
        "| fail | tests.failed |  | 2 | 0 |  |  | 2 test(s) failed (maximum "
        "0) |\n"
        "| fail | perf.regression | parse\\_json | 12.5 ms | 10% | 10.1 ms "
        "\xc2\xb1 0.3, n=5 | +23.8% (t=5.12, p=0.0012) | parse\\_json is "
        "23.8% "
        "slower than the baseline |\n"
        "| warn | coverage.line |  | 74.3% | 75% |  |  | a \\| b \\<i\\>x\\</"
        "i\\> \\*y\\* \\`z\\` |\n\n"
        "**Baseline:** 5 run(s) of main (r9, r8, r7 and 2 more), newest at "
        "commit fedcba987654, finished 2 h ago; merge-base 89abcdef0123 "
        "found\n\n"
        "Rules checked: 5.\n");
    free(text);

    /* a pass with nothing broken and nothing to compare with */
    fixture_init(&f);
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_PASS;
    f.meta.branch = S("feat|x");
    CAPTURE(text,
            assert_int_equal(agent_gh_summary(&f.run, NOW, cap_f), 0));
    assert_string_equal(text, "\n### \xe2\x9c\x85 sluice: pass\n\n"
                              "run r1, project demo, branch feat\\|x, commit "
                              "0123456789ab\n\n"
                              "No rule broken.\n\n");
    free(text);
}

/* A temp directory for the file tests. */
static int
dir_setup(void **state)
{
    char *dir = malloc(64);
    if (dir == NULL) {
        return -1;
    }
    (void)snprintf(dir, 64, "/tmp/test_verdict_out.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int
dir_teardown(void **state)
{
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    assert_true(n < (1 << 20) - 1);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void
test_gh_summary_append(void **state)
{
    const char *dir = *state;
    char path[256], bad[256];
    fixture_t f;
    fixture_three(&f);
    (void)snprintf(path, sizeof path, "%s/summary.md", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("## tests\n\nearlier step output\n", fp);
    assert_int_equal(fclose(fp), 0);
    sl_err_t err = {0};
    assert_int_equal(agent_gh_summary_append(&f.run, NOW, path, &err), 0);
    assert_int_equal(agent_gh_summary_append(&f.run, NOW, path, &err), 0);
    char *text = slurp(path), *want;
    CAPTURE(want, assert_int_equal(agent_gh_summary(&f.run, NOW, cap_f), 0));
    char *both = malloc(2 * strlen(want) + 64);
    assert_non_null(both);
    (void)sprintf(both, "## tests\n\nearlier step output\n%s%s", want, want);
    assert_string_equal(text, both);
    free(both);
    free(want);
    free(text);
    (void)snprintf(bad, sizeof bad, "%s/no-such-dir/summary.md", dir);
    assert_int_equal(agent_gh_summary_append(&f.run, NOW, bad, &err),
                     SL_EIO);
    assert_non_null(strstr(err.msg, "no-such-dir/summary.md: No such file"));
}

/* ---- JUnit ----------------------------------------------------------------- */

/* What expat read of a JUnit document. */
typedef struct junit_doc {
    int depth, bad;
    size_t suites, cases, failures, errors, sysouts;
    char suite_tests[16], suite_failures[16], suite_errors[16];
    char names[16][512];  /* testcase name attributes, in order */
    char classes[16][64]; /* their classnames */
    char fail_msg[16][512]; /* failure message of case i, "" none */
    char fail_type[16][32];
    char text[4096];      /* character data of failure / system-out */
    int in_text;
} junit_doc_t;

static const char *
attr(const XML_Char **a, const char *name)
{
    for (size_t i = 0; a[i] != NULL; i += 2) {
        if (strcmp(a[i], name) == 0) {
            return a[i + 1];
        }
    }
    return NULL;
}

static void
copy_attr(char *dst, size_t cap, const XML_Char **a, const char *name)
{
    const char *v = attr(a, name);
    (void)snprintf(dst, cap, "%s", v != NULL ? v : "(none)");
}

static void XMLCALL
on_start(void *ctx, const XML_Char *el, const XML_Char **a)
{
    junit_doc_t *d = ctx;
    d->depth++;
    if (strcmp(el, "testsuite") == 0) {
        d->suites++;
        copy_attr(d->suite_tests, sizeof d->suite_tests, a, "tests");
        copy_attr(d->suite_failures, sizeof d->suite_failures, a, "failures");
        copy_attr(d->suite_errors, sizeof d->suite_errors, a, "errors");
    } else if (strcmp(el, "testcase") == 0 && d->cases < 16) {
        copy_attr(d->names[d->cases], sizeof d->names[0], a, "name");
        copy_attr(d->classes[d->cases], sizeof d->classes[0], a,
                  "classname");
        d->cases++;
    } else if (strcmp(el, "failure") == 0 || strcmp(el, "error") == 0) {
        size_t i = d->cases - 1;
        *(strcmp(el, "failure") == 0 ? &d->failures : &d->errors) += 1;
        copy_attr(d->fail_msg[i], sizeof d->fail_msg[0], a, "message");
        copy_attr(d->fail_type[i], sizeof d->fail_type[0], a, "type");
        d->in_text = 1;
    } else if (strcmp(el, "system-out") == 0) {
        d->sysouts++;
        d->in_text = 1;
    }
}

static void XMLCALL
on_end(void *ctx, const XML_Char *el)
{
    junit_doc_t *d = ctx;
    (void)el;
    d->depth--;
    d->in_text = 0;
}

static void XMLCALL
on_text(void *ctx, const XML_Char *s, int len)
{
    junit_doc_t *d = ctx;
    size_t have = strlen(d->text);
    if (d->in_text && have + (size_t)len + 1 < sizeof d->text) {
        memcpy(d->text + have, s, (size_t)len);
        d->text[have + (size_t)len] = '\0';
    }
}

/* Parses xml whole (must be well-formed) into d. */
static void
junit_parse(const char *xml, junit_doc_t *d)
{
    memset(d, 0, sizeof *d);
    XML_Parser p = XML_ParserCreate("UTF-8");
    assert_non_null(p);
    XML_SetUserData(p, d);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    if (XML_Parse(p, xml, (int)strlen(xml), 1) != XML_STATUS_OK) {
        print_error("line %lu: %s\n%s\n",
                    (unsigned long)XML_GetCurrentLineNumber(p),
                    XML_ErrorString(XML_GetErrorCode(p)), xml);
        fail();
    }
    XML_ParserFree(p);
}

static void
test_junit_three(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    char *xml;
    junit_doc_t d;
    CAPTURE(xml, assert_int_equal(agent_junit(&f.run, cap_f), 0));
    junit_parse(xml, &d);
    /* 5 rules checked: 2 broken (fail), 1 warned (passes), 2 held */
    assert_int_equal(d.suites, 1);
    assert_string_equal(d.suite_tests, "5");
    assert_string_equal(d.suite_failures, "2");
    assert_string_equal(d.suite_errors, "0");
    assert_int_equal(d.cases, 5);
    assert_int_equal(d.failures, 2);
    assert_int_equal(d.sysouts, 1);
    static const char *names[] = {"tests.failed", "tests.errors",
                                  "coverage.line", "perf.regression "
                                                   "parse_json",
                                  "findings.critical"};
    static const char *classes[] = {"sluice.tests", "sluice.tests",
                                    "sluice.coverage", "sluice.perf",
                                    "sluice.findings"};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(d.names[i], names[i]);
        assert_string_equal(d.classes[i], classes[i]);
    }
    assert_string_equal(d.fail_msg[0], "2 test(s) failed (maximum 0)");
    assert_string_equal(d.fail_type[0], "fail");
    assert_string_equal(d.fail_msg[1], "");
    assert_string_equal(d.fail_msg[3],
                        "parse_json is 23.8% slower than the baseline");
    assert_non_null(strstr(d.text, "warn: line coverage 74.30% is below "
                                   "75.00%\nvalue 74.3%, threshold 75%"));
    free(xml);
}

/* The rules a gate lists, reasons for rules it does not list, a rule with
 * two reasons (two benchmarks), and a reason whose status comes from the
 * verdict. */
static void
test_junit_rules(void **state)
{
    (void)state;
    fixture_t f;
    fixture_three(&f);
    f.reason[0].status = SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    f.reason[2].rule = S("perf.regression");
    f.reason[2].subject = S("encode");
    f.reason[3].rule = S("custom");
    f.reason[3].message = S("not listed");
    f.verdict.n_reasons = 4;
    f.rules[5] = S("tests.failed"); /* listed twice: one case */
    f.verdict.n_rules_checked = 6;
    char *xml;
    junit_doc_t d;
    CAPTURE(xml, assert_int_equal(agent_junit(&f.run, cap_f), 0));
    junit_parse(xml, &d);
    assert_int_equal(d.cases, 7);
    assert_string_equal(d.names[3], "perf.regression parse_json");
    assert_string_equal(d.names[4], "perf.regression encode");
    assert_string_equal(d.names[6], "custom");
    assert_string_equal(d.classes[6], "sluice.custom");
    assert_string_equal(d.suite_tests, "7");
    assert_string_equal(d.suite_failures, "3"); /* 0, 1, 3; 2 warns */
    assert_string_equal(d.fail_type[0], "fail");
    free(xml);

    /* incomplete with no reason: the verdict fails as a case */
    fixture_init(&f);
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE;
    CAPTURE(xml, assert_int_equal(agent_junit(&f.run, cap_f), 0));
    junit_parse(xml, &d);
    assert_int_equal(d.cases, 1);
    assert_string_equal(d.names[0], "verdict");
    assert_string_equal(d.classes[0], "sluice");
    assert_string_equal(d.suite_failures, "1");
    assert_string_equal(d.fail_type[0], "incomplete");
    free(xml);
    /* pending: an error */
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    CAPTURE(xml, assert_int_equal(agent_junit(&f.run, cap_f), 0));
    junit_parse(xml, &d);
    assert_string_equal(d.suite_errors, "1");
    assert_string_equal(d.suite_failures, "0");
    assert_int_equal(d.errors, 1);
    assert_string_equal(d.fail_msg[0], "no verdict in time");
    free(xml);
    /* a pass with no rule listed: one passing case, never an empty
     * report */
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_PASS;
    CAPTURE(xml, assert_int_equal(agent_junit(&f.run, cap_f), 0));
    junit_parse(xml, &d);
    assert_string_equal(d.suite_tests, "1");
    assert_string_equal(d.suite_failures, "0");
    assert_int_equal(d.failures + d.errors, 0);
    free(xml);
}

/* Markup characters, "]]>", control characters XML 1.0 forbids, invalid
 * UTF-8, U+FFFF: the document stays well-formed and says the same. */
static void
test_junit_escaping(void **state)
{
    (void)state;
    fixture_t f;
    fixture_init(&f);
    f.reason[0].rule = S("a<b>&\"c'.d");
    f.reason[0].subject = S("]]> \x01\x1b\x7f \xff \xef\xbf\xbf");
    f.reason[0].message = S("x < y && \"q\" 'r' ]]>\ttab\nline\rcr\x0c");
    f.verdict.n_reasons = 1;
    f.verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    f.run.run_id = S("run\x02<id>");
    char *xml;
    junit_doc_t d;
    CAPTURE(xml, assert_int_equal(agent_junit(&f.run, cap_f), 0));
    assert_null(strstr(xml, "]]>"));
    junit_parse(xml, &d);
    assert_int_equal(d.cases, 1);
    assert_string_equal(d.names[0], "a<b>&\"c'.d ]]> ??? ? ?");
    assert_string_equal(d.classes[0], "sluice.a<b>&\"c'");
    /* attributes keep tab, LF and CR as character references */
    assert_string_equal(d.fail_msg[0],
                        "x < y && \"q\" 'r' ]]>\ttab\nline\rcr?");
    assert_string_equal(d.suite_failures, "1");
    assert_non_null(strstr(xml, "value=\"run?&lt;id&gt;\""));
    free(xml);
}

static void
test_junit_write(void **state)
{
    const char *dir = *state;
    char path[256], bad[256];
    fixture_t f;
    fixture_three(&f);
    (void)snprintf(path, sizeof path, "%s/junit.xml", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("an older, longer report that must go entirely ..........", fp);
    assert_int_equal(fclose(fp), 0);
    sl_err_t err = {0};
    assert_int_equal(agent_junit_write(&f.run, path, &err), 0);
    char *text = slurp(path), *want;
    CAPTURE(want, assert_int_equal(agent_junit(&f.run, cap_f), 0));
    assert_string_equal(text, want);
    free(want);
    free(text);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* nothing left beside it */
    char cmd[512];
    (void)snprintf(cmd, sizeof cmd, "test \"$(ls '%s' | wc -l)\" -eq 1", dir);
    assert_int_equal(system(cmd), 0);
    (void)snprintf(bad, sizeof bad, "%s/no-such-dir/junit.xml", dir);
    assert_int_equal(agent_junit_write(&f.run, bad, &err), SL_EIO);
    assert_non_null(strstr(err.msg, "no-such-dir/junit.xml: No such file"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_three_reasons),
        cmocka_unit_test(test_table_inline_early),
        cmocka_unit_test(test_table_hostile),
        cmocka_unit_test(test_cell),
        cmocka_unit_test(test_cells_and_status),
        cmocka_unit_test(test_baseline_text),
        cmocka_unit_test(test_run_json_verdict),
        cmocka_unit_test(test_gh_escape),
        cmocka_unit_test(test_gh_annotations),
        cmocka_unit_test(test_gh_summary),
        cmocka_unit_test(test_gh_caps),
        cmocka_unit_test_setup_teardown(test_gh_summary_append, dir_setup,
                                        dir_teardown),
        cmocka_unit_test(test_junit_three),
        cmocka_unit_test(test_junit_rules),
        cmocka_unit_test(test_junit_escaping),
        cmocka_unit_test_setup_teardown(test_junit_write, dir_setup,
                                        dir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
