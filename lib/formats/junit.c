/* JUnit XML: the de-facto format of Ant, Maven Surefire, Gradle, pytest,
 * ctest, PHPUnit, go-junit-report and many more. There is no one schema;
 * this reader takes what those tools write:
 *
 * - root <testsuites> or <testsuite>; <testsuite> may nest (PHPUnit) and a
 *   test case belongs to its innermost suite ("" when it has none);
 * - <testcase name classname time file line>, whose direct children
 *   <failure>, <error> and <skipped> give the status. When one test case
 *   has several, the first failure or error wins over a skip; the
 *   message is the element's message attribute and its text, joined by a
 *   newline and cut at SL_TEST_MESSAGE_MAX on a UTF-8 boundary;
 * - Maven's rerun children (<flakyFailure>, <flakyError>, <rerunFailure>,
 *   <rerunError>) are ignored: a test with only flaky ones passed in the
 *   end and counts as passed; one that never passed also has a <failure>
 *   or <error> and counts as that;
 * - <system-out>, <system-err>, <properties> and anything unknown are
 *   skipped without keeping their text;
 * - time is seconds: digits with an optional fraction and exponent, and
 *   thousands commas in groups of three ("1,234.5", Surefire); absent or
 *   empty means 0. NaN, infinities, signs and more than JUNIT_TIME_MAX are
 *   refused. line is an unsigned int; absent or empty means 0. */
#include "junit.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/parse.h"
#include "sluice/xml.h"

#define JUNIT_SUITES_MAX 64  /* nested <testsuite> levels */
#define JUNIT_TIME_MAX   1e9 /* seconds (31 years): beyond is garbage */

typedef struct junit {
    const sl_sink_t *sink;
    unsigned nsuites;
    unsigned suite_depth[JUNIT_SUITES_MAX];
    char suite[JUNIT_SUITES_MAX][SL_TEST_NAME_MAX + 1];
    unsigned case_depth;    /* depth of the open <testcase>; 0 outside */
    unsigned capture_depth; /* depth of the status child whose text counts */
    int body_seen;          /* that child's text has begun */
    Sluice__V1__TestStatus status;
    double time_s;
    unsigned line;
    sl_text_t classname, name, file, message;
    char classname_buf[SL_TEST_NAME_MAX + 1];
    char name_buf[SL_TEST_NAME_MAX + 1];
    char file_buf[SL_TEST_NAME_MAX + 1];
    char message_buf[SL_TEST_MESSAGE_MAX + 1];
    char empty[1];
} junit_t;

/* A decimal number as read: significand m (at most 18 digits kept) and a
 * power of ten. */
typedef struct junit_num {
    uint64_t m;
    long exp10;
    size_t digits;
} junit_num_t;

static int
junit_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A thousands comma: exactly three digits follow before a non-digit. */
static int
junit_is_group_comma(const char *s)
{
    return s[0] == ',' && junit_is_digit(s[1]) && junit_is_digit(s[2]) &&
           junit_is_digit(s[3]) && !junit_is_digit(s[4]);
}

/* Reads a run of digits into n; frac: they follow the decimal point. */
static const char *
junit_digits(const char *s, junit_num_t *n, int frac)
{
    for (;; s++) {
        if (!frac && n->digits > 0 && junit_is_group_comma(s)) {
            continue;
        }
        if (!junit_is_digit(*s)) {
            return s;
        }
        n->digits++;
        if (n->m < UINT64_C(100000000000000000)) {
            n->m = n->m * 10 + (uint64_t)(*s - '0');
            n->exp10 -= frac;
        } else {
            n->exp10 += !frac; /* digits past the 18th only scale */
        }
    }
}

/* Reads [eE][+-]digits, saturating far past any useful exponent. */
static const char *
junit_exponent(const char *s, junit_num_t *n)
{
    if (*s != 'e' && *s != 'E') {
        return s;
    }
    s++;
    long sign = *s == '-' ? -1 : 1;
    s += *s == '-' || *s == '+';
    if (!junit_is_digit(*s)) {
        return s - 1; /* leaves junk behind: refused by the caller */
    }
    long e = 0;
    for (; junit_is_digit(*s); s++) {
        e = e < 100000 ? e * 10 + (*s - '0') : e;
    }
    n->exp10 += sign * e;
    return s;
}

/* Seconds as JUnit writers print them; SL_EINPUT when it is not one. */
static int
junit_parse_time(const char *s, double *out)
{
    junit_num_t n = {0, 0, 0};
    const char *p = junit_digits(s, &n, 0);
    if (*p == '.') {
        p = junit_digits(p + 1, &n, 1);
    }
    p = junit_exponent(p, &n);
    if (n.digits == 0 || *p != '\0') {
        return SL_EINPUT;
    }
    if (n.m != 0 && n.exp10 > 30) {
        return SL_EINPUT; /* at least 1e30 */
    }
    /* Past 1e-400 the time is 0 (and the loop stays short). */
    double v = n.exp10 < -400 ? 0.0 : (double)n.m;
    double scale = 1.0;
    for (long e = n.exp10 < 0 ? -n.exp10 : n.exp10; e > 0 && v != 0.0; e--) {
        scale *= 10.0; /* exact up to 1e22, which covers real input */
    }
    v = n.exp10 < 0 ? v / scale : v * scale;
    if (!(v <= JUNIT_TIME_MAX)) {
        return SL_EINPUT;
    }
    *out = v;
    return SL_OK;
}

static int
junit_case_numbers(junit_t *j, sl_xml_t *x, const char **attrs)
{
    const char *tv = sl_xml_attr(attrs, "time");
    const char *lv = sl_xml_attr(attrs, "line");
    j->time_s = 0;
    j->line = 0;
    if (tv != NULL && *tv != '\0' &&
        junit_parse_time(tv, &j->time_s) != SL_OK) {
        return sl_xml_fail(x, SL_EINPUT,
                           "bad time \"%.40s\" (want seconds, 0 to %.0f)", tv,
                           JUNIT_TIME_MAX);
    }
    uint64_t u = 0;
    if (lv != NULL && *lv != '\0' &&
        sl_parse_u64(lv, 0, UINT_MAX, &u) != SL_OK) {
        return sl_xml_fail(x, SL_EINPUT, "bad line \"%.40s\" (want 0 to %u)",
                           lv, UINT_MAX);
    }
    j->line = (unsigned)u;
    return SL_OK;
}

static int
junit_case_begin(junit_t *j, sl_xml_t *x, const char **attrs, unsigned d)
{
    int rc = junit_case_numbers(j, x, attrs);
    if (rc != SL_OK) {
        return rc;
    }
    sl_text_set(&j->classname, sl_xml_attr(attrs, "classname"));
    sl_text_set(&j->name, sl_xml_attr(attrs, "name"));
    sl_text_set(&j->file, sl_xml_attr(attrs, "file"));
    sl_text_clear(&j->message);
    j->status = SLUICE__V1__TEST_STATUS__TEST_PASSED;
    j->case_depth = d;
    j->capture_depth = 0;
    return SL_OK;
}

/* The status a child element gives: 1 and *status for <failure>, <error>
 * and <skipped>; 0 for any other (rerun/flaky, output, properties). */
static int
junit_status_of(const char *name, Sluice__V1__TestStatus *status)
{
    static const struct {
        const char *name;
        Sluice__V1__TestStatus status;
    } kids[] = {
        {"failure", SLUICE__V1__TEST_STATUS__TEST_FAILED},
        {"error", SLUICE__V1__TEST_STATUS__TEST_ERRORED},
        {"skipped", SLUICE__V1__TEST_STATUS__TEST_SKIPPED},
    };
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++) {
        if (strcmp(name, kids[i].name) == 0) {
            *status = kids[i].status;
            return 1;
        }
    }
    return 0;
}

/* A failure or an error beats a skip, which beats a pass. */
static int
junit_rank(Sluice__V1__TestStatus status)
{
    switch (status) {
    case SLUICE__V1__TEST_STATUS__TEST_PASSED:
        return 0;
    case SLUICE__V1__TEST_STATUS__TEST_SKIPPED:
        return 1;
    default:
        return 2;
    }
}

static int
junit_case_child(junit_t *j, sl_xml_t *x, const char *name, const char **attrs,
                 unsigned d)
{
    if (strcmp(name, "testcase") == 0 || strcmp(name, "testsuite") == 0) {
        return sl_xml_fail(x, SL_EINPUT, "<%s> inside a <testcase>", name);
    }
    Sluice__V1__TestStatus status;
    if (d != j->case_depth + 1 || !junit_status_of(name, &status) ||
        junit_rank(status) <= junit_rank(j->status)) {
        return SL_OK;
    }
    j->status = status;
    sl_text_set(&j->message, sl_xml_attr(attrs, "message"));
    j->capture_depth = d;
    j->body_seen = 0;
    return SL_OK;
}

static int
junit_suite_push(junit_t *j, sl_xml_t *x, const char **attrs, unsigned d)
{
    if (j->nsuites == JUNIT_SUITES_MAX) {
        return sl_xml_fail(x, SL_ETOOBIG, "<testsuite> nested deeper than %d",
                           JUNIT_SUITES_MAX);
    }
    sl_text_t t;
    sl_text_init(&t, j->suite[j->nsuites], sizeof j->suite[0]);
    sl_text_set(&t, sl_xml_attr(attrs, "name"));
    j->suite_depth[j->nsuites++] = d;
    return SL_OK;
}

static int
junit_on_start(void *ctx, sl_xml_t *x, const char *name, const char **attrs)
{
    junit_t *j = ctx;
    unsigned d = sl_xml_depth(x);
    if (d == 1 && strcmp(name, "testsuites") != 0 &&
        strcmp(name, "testsuite") != 0) {
        return sl_xml_fail(x, SL_EINPUT,
                           "not a JUnit report (root element %.64s)", name);
    }
    if (j->case_depth != 0) {
        return junit_case_child(j, x, name, attrs, d);
    }
    if (strcmp(name, "testsuite") == 0) {
        return junit_suite_push(j, x, attrs, d);
    }
    if (strcmp(name, "testcase") == 0) {
        return junit_case_begin(j, x, attrs, d);
    }
    return SL_OK;
}

static int
junit_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Keeps the text of the status child, without its leading white space,
 * after the message attribute. Everything else is dropped as it comes. */
static int
junit_on_text(void *ctx, sl_xml_t *x, const char *s, size_t len)
{
    junit_t *j = ctx;
    if (j->capture_depth == 0 || sl_xml_depth(x) != j->capture_depth) {
        return SL_OK;
    }
    if (!j->body_seen) {
        while (len > 0 && junit_is_space(*s)) {
            s++;
            len--;
        }
        if (len == 0) {
            return SL_OK;
        }
        if (j->message.len > 0) {
            sl_text_append(&j->message, "\n", 1);
        }
        j->body_seen = 1;
    }
    sl_text_append(&j->message, s, len);
    return SL_OK;
}

static int
junit_case_end(junit_t *j)
{
    j->case_depth = 0;
    Sluice__V1__TestCase tc;
    sluice__v1__test_case__init(&tc);
    tc.suite = j->nsuites > 0 ? j->suite[j->nsuites - 1] : j->empty;
    tc.classname = j->classname.data;
    tc.name = j->name.data;
    tc.status = j->status;
    tc.time_s = j->time_s;
    tc.message = j->message.data;
    tc.file = j->file.data;
    tc.line = j->line;
    return sl_sink_emit(j->sink, SLUICE__V1__EVENT__BODY_TEST, &tc);
}

static int
junit_on_end(void *ctx, sl_xml_t *x, const char *name)
{
    junit_t *j = ctx;
    unsigned d = sl_xml_depth(x);
    (void)name; /* expat has matched the tags */
    if (d == j->capture_depth) {
        j->capture_depth = 0;
        sl_text_rtrim(&j->message);
        return SL_OK;
    }
    if (d == j->case_depth) {
        return junit_case_end(j);
    }
    if (j->nsuites > 0 && j->suite_depth[j->nsuites - 1] == d) {
        j->nsuites--;
    }
    return SL_OK;
}

int
sl_junit_sniff(const char *head, size_t len)
{
    char root[16];
    if (!sl_xml_sniff_root(head, len, root, sizeof root)) {
        return 0;
    }
    return strcmp(root, "testsuites") == 0 || strcmp(root, "testsuite") == 0;
}

int
sl_junit_parse(int fd, const char *path, const sl_sink_t *sink, sl_err_t *err)
{
    static const sl_xml_cfg_t cfg = {
        .start = junit_on_start,
        .end = junit_on_end,
        .text = junit_on_text,
    };
    /* ~70 KiB of fixed caps: too much for some thread stacks. */
    junit_t *j = calloc(1, sizeof *j);
    if (j == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    j->sink = sink;
    sl_text_init(&j->classname, j->classname_buf, sizeof j->classname_buf);
    sl_text_init(&j->name, j->name_buf, sizeof j->name_buf);
    sl_text_init(&j->file, j->file_buf, sizeof j->file_buf);
    sl_text_init(&j->message, j->message_buf, sizeof j->message_buf);
    int rc = sl_xml_parse_fd(fd, path, &cfg, j, err);
    free(j);
    return rc;
}
