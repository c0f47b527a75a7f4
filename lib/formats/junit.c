/* JUnit XML: the de-facto format of Ant, Maven Surefire and Failsafe,
 * Gradle, pytest, jest-junit, go-junit-report, gotestsum, ctest, PHPUnit and
 * many more. There is no one schema; this reader takes what those tools
 * write (docs/formats.md, "Test results: JUnit XML", is the user's side):
 *
 * - root <testsuites> or <testsuite>; <testsuite> may nest (PHPUnit) and a
 *   test case belongs to its innermost suite ("" when it has none);
 * - <testcase name classname time file line>: one record each, sent at its
 *   end tag. name is required;
 * - its direct children <failure>, <error> and <skipped> give the status.
 *   When one test case has several, the first failure or error wins over a
 *   skip; the message is the element's message attribute and its text,
 *   joined by a newline and cut at SL_TEST_MESSAGE_MAX on a UTF-8 boundary.
 *   <warning> (PHPUnit 9) is no status: PHPUnit itself passes the run;
 * - Maven's reruns: each <flakyFailure>, <flakyError>, <rerunFailure> and
 *   <rerunError> child is one failed attempt that was run again (reruns).
 *   A test with flaky children and no failure, error or skip passed in the
 *   end: flaky, and its message is the first flaky child's (message
 *   attribute and <stackTrace>). The output nested in those children is
 *   that of other attempts and is not kept;
 * - the test case's own <system-out> and <system-err> (direct children;
 *   several are joined) are kept verbatim up to SL_TEST_OUTPUT_MAX;
 * - its <properties><property name value/> (or the value as the element's
 *   text) are kept, the first SL_TEST_PROPS_MAX of them, each name and
 *   value cut at SL_TEST_PROP_MAX. Suite-level properties and output
 *   describe a whole suite (Surefire's JVM, go.version) and are skipped;
 * - id, a test's identity across runs: classname "." name; name alone when
 *   classname is empty or the same as name (ctest, jest-junit's default);
 *   without a classname, the innermost suite's name "." name. Longer than
 *   SL_TEST_NAME_MAX it is cut and ends in "~" and 16 hex digits of the
 *   FNV-1a 64 hash of the whole, so long ids that share a prefix differ;
 * - time is seconds: digits with an optional fraction and exponent, and
 *   thousands commas in groups of three ("1,234.5", Surefire); absent or
 *   empty means 0. NaN, infinities, signs and more than JUNIT_TIME_MAX are
 *   refused. line is an unsigned int; absent or empty means 0.
 *
 * Text is looked at only inside the element being kept: the rest of the
 * document's text costs one comparison per piece expat hands over. */
#include "junit.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/parse.h"
#include "sluice/xml.h"

#define JUNIT_SUITES_MAX 64  /* nested <testsuite> levels */
#define JUNIT_TIME_MAX   1e9 /* seconds (31 years): beyond is garbage */
#define JUNIT_HASH_LEN   17  /* "~" and 16 hex digits ending a cut id */

typedef struct junit {
    const sl_sink_t *sink;
    unsigned nsuites;
    unsigned suite_depth[JUNIT_SUITES_MAX];
    char suite[JUNIT_SUITES_MAX][SL_TEST_NAME_MAX + 1];
    /* The open <testcase> (case_depth 0 outside one) and what it has. */
    unsigned case_depth;
    unsigned capture_depth; /* the element whose text goes to capture */
    sl_text_t *capture;
    int capture_message;  /* message rules: leading space dropped, "\n" */
    int body_seen;        /* the message's text has begun */
    unsigned flaky_depth; /* the flaky child giving the message; 0: none */
    unsigned props_depth; /* the test case's <properties>; 0: none */
    Sluice__V1__TestStatus status;
    uint32_t nflaky; /* flaky children */
    uint32_t reruns; /* flaky and rerun children */
    double time_s;
    unsigned line;
    sl_text_t classname, name, file, message, out, err, id;
    size_t nprops;
    sl_text_t prop_name[SL_TEST_PROPS_MAX];
    sl_text_t prop_value[SL_TEST_PROPS_MAX];
    Sluice__V1__Property prop[SL_TEST_PROPS_MAX];
    Sluice__V1__Property *props[SL_TEST_PROPS_MAX];
    char classname_buf[SL_TEST_NAME_MAX + 1];
    char name_buf[SL_TEST_NAME_MAX + 1];
    char file_buf[SL_TEST_NAME_MAX + 1];
    char id_buf[SL_TEST_NAME_MAX + 1];
    char message_buf[SL_TEST_MESSAGE_MAX + 1];
    char out_buf[SL_TEST_OUTPUT_MAX + 1];
    char err_buf[SL_TEST_OUTPUT_MAX + 1];
    char prop_name_buf[SL_TEST_PROPS_MAX][SL_TEST_PROP_MAX + 1];
    char prop_value_buf[SL_TEST_PROPS_MAX][SL_TEST_PROP_MAX + 1];
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

/* The attributes of a <testcase> that are read, found in one pass over
 * them (a report may hold hundreds of thousands of test cases). */
enum { JA_NAME, JA_CLASSNAME, JA_FILE, JA_TIME, JA_LINE, JA_COUNT };

static void
junit_case_attrs(const char **attrs, const char *v[JA_COUNT])
{
    static const char *const names[JA_COUNT] = {"name", "classname", "file",
                                                "time", "line"};
    for (size_t k = 0; k < JA_COUNT; k++) {
        v[k] = NULL;
    }
    /* expat refuses a repeated attribute: each is seen at most once. */
    for (size_t i = 0; attrs[i] != NULL; i += 2) {
        for (size_t k = 0; k < JA_COUNT; k++) {
            if (attrs[i][0] == names[k][0] && strcmp(attrs[i], names[k]) == 0) {
                v[k] = attrs[i + 1];
                break;
            }
        }
    }
}

static int
junit_case_numbers(junit_t *j, sl_xml_t *x, const char *const v[JA_COUNT])
{
    const char *tv = v[JA_TIME];
    const char *lv = v[JA_LINE];
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
        sl_xml_u64(x, "line", lv, UINT_MAX, &u) != SL_OK) {
        return SL_EINPUT;
    }
    j->line = (unsigned)u;
    return SL_OK;
}

/* FNV-1a, 64 bits: enough to tell apart ids that share their first
 * kilobyte, with no key and no dependency. */
static uint64_t
junit_fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* What goes before the name in the id: the class, else the suite, or
 * nothing (NULL). A class equal to the name adds nothing. */
static const char *
junit_id_prefix(const junit_t *j, const char *classname, const char *name)
{
    if (classname != NULL && *classname != '\0') {
        return strcmp(classname, name) == 0 ? NULL : classname;
    }
    const char *suite = j->nsuites > 0 ? j->suite[j->nsuites - 1] : "";
    return *suite != '\0' ? suite : NULL;
}

/* id = prefix "." name, from the attributes as written (before any cut). */
static void
junit_make_id(junit_t *j, const char *prefix, const char *name)
{
    size_t plen = prefix != NULL ? strlen(prefix) : 0;
    size_t nlen = strlen(name);
    size_t total = plen + (prefix != NULL) + nlen;
    int cut = total > SL_TEST_NAME_MAX;
    sl_text_init(&j->id, j->id_buf,
                 sizeof j->id_buf - (cut ? JUNIT_HASH_LEN : 0));
    if (prefix != NULL) {
        sl_text_append(&j->id, prefix, plen);
        sl_text_append(&j->id, ".", 1);
    }
    sl_text_append(&j->id, name, nlen);
    if (!cut) {
        return;
    }
    uint64_t h = junit_fnv1a(UINT64_C(0xcbf29ce484222325), prefix, plen);
    h = junit_fnv1a(h, ".", prefix != NULL);
    h = junit_fnv1a(h, name, nlen);
    (void)snprintf(j->id_buf + j->id.len, JUNIT_HASH_LEN + 1, "~%016llx",
                   (unsigned long long)h);
}

static int
junit_case_begin(junit_t *j, sl_xml_t *x, const char **attrs, unsigned d)
{
    const char *v[JA_COUNT];
    junit_case_attrs(attrs, v);
    if (v[JA_NAME] == NULL) {
        return sl_xml_fail(x, SL_EINPUT, "<testcase> without a name");
    }
    int rc = junit_case_numbers(j, x, v);
    if (rc != SL_OK) {
        return rc;
    }
    sl_text_set(&j->classname, v[JA_CLASSNAME]);
    sl_text_set(&j->name, v[JA_NAME]);
    sl_text_set(&j->file, v[JA_FILE]);
    junit_make_id(j, junit_id_prefix(j, v[JA_CLASSNAME], v[JA_NAME]),
                  v[JA_NAME]);
    sl_text_clear(&j->message);
    sl_text_clear(&j->out);
    sl_text_clear(&j->err);
    j->status = SLUICE__V1__TEST_STATUS__TEST_PASSED;
    j->nflaky = 0;
    j->reruns = 0;
    j->nprops = 0;
    j->capture_depth = 0;
    j->flaky_depth = 0;
    j->props_depth = 0;
    j->case_depth = d;
    return SL_OK;
}

/* From now on, the text of the element at depth d goes to t: verbatim, or
 * by the message's rules. */
static void
junit_capture(junit_t *j, sl_text_t *t, int message, unsigned d)
{
    j->capture = t;
    j->capture_message = message;
    j->capture_depth = d;
    j->body_seen = 0;
}

/* What a direct child of <testcase> is. */
typedef enum junit_kid {
    JUNIT_KID_OTHER,
    JUNIT_KID_STATUS, /* failure, error, skipped */
    JUNIT_KID_FLAKY,  /* failed, then passed on a rerun */
    JUNIT_KID_RERUN,  /* failed, and so did its reruns */
    JUNIT_KID_OUT,
    JUNIT_KID_ERR,
    JUNIT_KID_PROPS,
} junit_kid_t;

static junit_kid_t
junit_kid_of(const char *name, Sluice__V1__TestStatus *status)
{
    static const struct {
        const char *name;
        junit_kid_t kid;
        Sluice__V1__TestStatus status;
    } kids[] = {
        {"failure", JUNIT_KID_STATUS, SLUICE__V1__TEST_STATUS__TEST_FAILED},
        {"error", JUNIT_KID_STATUS, SLUICE__V1__TEST_STATUS__TEST_ERRORED},
        {"skipped", JUNIT_KID_STATUS, SLUICE__V1__TEST_STATUS__TEST_SKIPPED},
        {"system-out", JUNIT_KID_OUT, SLUICE__V1__TEST_STATUS__TEST_PASSED},
        {"system-err", JUNIT_KID_ERR, SLUICE__V1__TEST_STATUS__TEST_PASSED},
        {"properties", JUNIT_KID_PROPS, SLUICE__V1__TEST_STATUS__TEST_PASSED},
        {"flakyFailure", JUNIT_KID_FLAKY, SLUICE__V1__TEST_STATUS__TEST_PASSED},
        {"flakyError", JUNIT_KID_FLAKY, SLUICE__V1__TEST_STATUS__TEST_PASSED},
        {"rerunFailure", JUNIT_KID_RERUN, SLUICE__V1__TEST_STATUS__TEST_PASSED},
        {"rerunError", JUNIT_KID_RERUN, SLUICE__V1__TEST_STATUS__TEST_PASSED},
    };
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++) {
        if (strcmp(name, kids[i].name) == 0) {
            *status = kids[i].status;
            return kids[i].kid;
        }
    }
    return JUNIT_KID_OTHER;
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

static void
junit_status_child(junit_t *j, Sluice__V1__TestStatus status,
                   const char **attrs, unsigned d)
{
    if (junit_rank(status) <= junit_rank(j->status)) {
        return;
    }
    j->status = status;
    sl_text_set(&j->message, sl_xml_attr(attrs, "message"));
    junit_capture(j, &j->message, 1, d);
}

/* The first flaky child of a test that has not failed so far says why it
 * was flaky; a failure, error or skip that comes later replaces that. */
static void
junit_flaky_child(junit_t *j, const char **attrs, unsigned d)
{
    int first = j->nflaky == 0;
    j->nflaky += j->nflaky < UINT32_MAX;
    j->reruns += j->reruns < UINT32_MAX;
    if (!first || j->status != SLUICE__V1__TEST_STATUS__TEST_PASSED) {
        return;
    }
    sl_text_set(&j->message, sl_xml_attr(attrs, "message"));
    junit_capture(j, &j->message, 1, d);
    j->flaky_depth = d;
}

static void
junit_direct_child(junit_t *j, const char *name, const char **attrs, unsigned d)
{
    Sluice__V1__TestStatus status;
    switch (junit_kid_of(name, &status)) {
    case JUNIT_KID_STATUS:
        junit_status_child(j, status, attrs, d);
        break;
    case JUNIT_KID_FLAKY:
        junit_flaky_child(j, attrs, d);
        break;
    case JUNIT_KID_RERUN:
        j->reruns += j->reruns < UINT32_MAX;
        break;
    case JUNIT_KID_OUT:
        junit_capture(j, &j->out, 0, d);
        break;
    case JUNIT_KID_ERR:
        junit_capture(j, &j->err, 0, d);
        break;
    case JUNIT_KID_PROPS:
        j->props_depth = d;
        break;
    case JUNIT_KID_OTHER:
        break;
    }
}

/* <property name value/>, or <property name>value</property>. Past
 * SL_TEST_PROPS_MAX the rest are dropped. */
static void
junit_property(junit_t *j, const char **attrs, unsigned d)
{
    if (j->nprops == SL_TEST_PROPS_MAX) {
        return;
    }
    size_t i = j->nprops++;
    const char *value = sl_xml_attr(attrs, "value");
    sl_text_set(&j->prop_name[i], sl_xml_attr(attrs, "name"));
    sl_text_set(&j->prop_value[i], value);
    if (value == NULL) {
        junit_capture(j, &j->prop_value[i], 0, d);
    }
}

static int
junit_case_child(junit_t *j, sl_xml_t *x, const char *name, const char **attrs,
                 unsigned d)
{
    if (strcmp(name, "testcase") == 0 || strcmp(name, "testsuite") == 0) {
        return sl_xml_fail(x, SL_EINPUT, "<%s> inside a <testcase>", name);
    }
    if (d == j->case_depth + 1) {
        junit_direct_child(j, name, attrs, d);
    } else if (j->flaky_depth != 0 && d == j->flaky_depth + 1 &&
               strcmp(name, "stackTrace") == 0) {
        j->capture_depth = d; /* the message goes on, inside the child */
    } else if (j->props_depth != 0 && d == j->props_depth + 1 &&
               strcmp(name, "property") == 0) {
        junit_property(j, attrs, d);
    }
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

/* Keeps the text of the element being captured; everything else is
 * dropped as it comes. A message's text loses its leading white space and
 * follows the message attribute after a newline. */
static int
junit_on_text(void *ctx, sl_xml_t *x, const char *s, size_t len)
{
    junit_t *j = ctx;
    if (j->capture_depth == 0 || sl_xml_depth(x) != j->capture_depth) {
        return SL_OK;
    }
    if (j->capture_message && !j->body_seen) {
        while (len > 0 && junit_is_space(*s)) {
            s++;
            len--;
        }
        if (len == 0) {
            return SL_OK;
        }
        if (j->capture->len > 0) {
            sl_text_append(j->capture, "\n", 1);
        }
        j->body_seen = 1;
    }
    sl_text_append(j->capture, s, len);
    return SL_OK;
}

static int
junit_case_end(junit_t *j)
{
    j->case_depth = 0;
    for (size_t i = 0; i < j->nprops; i++) {
        sluice__v1__property__init(&j->prop[i]);
        j->prop[i].name = j->prop_name[i].data;
        j->prop[i].value = j->prop_value[i].data;
        j->props[i] = &j->prop[i];
    }
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
    tc.system_out = j->out.data;
    tc.system_err = j->err.data;
    tc.n_properties = j->nprops;
    tc.properties = j->props;
    tc.flaky =
        j->nflaky > 0 && j->status == SLUICE__V1__TEST_STATUS__TEST_PASSED;
    tc.reruns = j->reruns;
    tc.id = j->id.data;
    return sl_sink_emit(j->sink, SLUICE__V1__EVENT__BODY_TEST, &tc);
}

/* The captured element ends. Inside a flaky child, the end of its
 * <stackTrace> hands the capture back to the child itself. */
static void
junit_capture_end(junit_t *j, unsigned d)
{
    if (j->capture_message) {
        sl_text_rtrim(j->capture);
    }
    if (j->flaky_depth != 0 && d == j->flaky_depth + 1) {
        j->capture_depth = j->flaky_depth;
        return;
    }
    j->capture_depth = 0;
    j->flaky_depth = 0;
}

static int
junit_on_end(void *ctx, sl_xml_t *x, const char *name)
{
    junit_t *j = ctx;
    unsigned d = sl_xml_depth(x);
    (void)name; /* expat has matched the tags */
    if (j->case_depth == 0) {
        if (j->nsuites > 0 && j->suite_depth[j->nsuites - 1] == d) {
            j->nsuites--;
        }
        return SL_OK;
    }
    if (d == j->capture_depth) {
        junit_capture_end(j, d);
    } else if (d == j->props_depth) {
        j->props_depth = 0;
    } else if (d == j->case_depth) {
        return junit_case_end(j);
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

static junit_t *
junit_new(const sl_sink_t *sink)
{
    /* ~240 KiB of fixed caps: too much for some thread stacks. */
    junit_t *j = calloc(1, sizeof *j);
    if (j == NULL) {
        return NULL;
    }
    j->sink = sink;
    sl_text_init(&j->classname, j->classname_buf, sizeof j->classname_buf);
    sl_text_init(&j->name, j->name_buf, sizeof j->name_buf);
    sl_text_init(&j->file, j->file_buf, sizeof j->file_buf);
    sl_text_init(&j->id, j->id_buf, sizeof j->id_buf);
    sl_text_init(&j->message, j->message_buf, sizeof j->message_buf);
    sl_text_init(&j->out, j->out_buf, sizeof j->out_buf);
    sl_text_init(&j->err, j->err_buf, sizeof j->err_buf);
    for (size_t i = 0; i < SL_TEST_PROPS_MAX; i++) {
        sl_text_init(&j->prop_name[i], j->prop_name_buf[i],
                     sizeof j->prop_name_buf[i]);
        sl_text_init(&j->prop_value[i], j->prop_value_buf[i],
                     sizeof j->prop_value_buf[i]);
    }
    return j;
}

int
sl_junit_parse(int fd, const char *path, const sl_sink_t *sink, sl_err_t *err)
{
    static const sl_xml_cfg_t cfg = {
        .start = junit_on_start,
        .end = junit_on_end,
        .text = junit_on_text,
    };
    junit_t *j = junit_new(sink);
    if (j == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    int rc = sl_xml_parse_fd(fd, path, &cfg, j, err);
    free(j);
    return rc;
}
