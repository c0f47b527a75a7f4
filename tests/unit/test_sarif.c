/* The SARIF 2.1.0 parser on logs written by real tools (flawfinder, the
 * clang static analyzer), hand-written ones shaped like CodeQL, Semgrep
 * and Trivy output, detection against the other formats, and hostile
 * documents. Expected figures come from the tools' own text reports
 * (flawfinder.txt, clang.txt) or are hand-counted in README.md. */
#include <fcntl.h>
#include <setjmp.h>
#include <sodium.h>
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
#include "sluice/jsonin.h"
#include "sarif_rules.h" /* SARIF_MSGS_PER_RULE (lib/formats) */

#define FIXTURES SL_SOURCE_DIR "/tests/fixtures/sarif/"

/* ---- a sink that records what it is given ------------------------------ */

typedef struct rec {
    char tool[SL_TEST_NAME_MAX + 1];
    char rule_id[SL_TEST_NAME_MAX + 1];
    char level[16];
    char message[SL_TEST_MESSAGE_MAX + 1];
    char uri[SL_TEST_NAME_MAX + 1];
    char fingerprint[40];
    Sluice__V1__Severity severity;
    double security_severity;
    int has_security_severity;
    unsigned line, column;
} rec_t;

#define REC_MAX 32

typedef struct seen {
    size_t n;
    size_t by_severity[5];
    size_t stop_after; /* the sink says SL_EFULL at this call; 0: never */
    rec_t rec[REC_MAX];
} seen_t;

static int
record(void *ctx, const sl_pb_event_t *ev)
{
    seen_t *s = ctx;
    assert_int_equal(ev->body_case, SLUICE__V1__EVENT__BODY_FINDING);
    const Sluice__V1__Finding *f = ev->finding;
    if (s->stop_after != 0 && s->n + 1 == s->stop_after) {
        return SL_EFULL;
    }
    assert_true(f->severity >= SLUICE__V1__SEVERITY__SEVERITY_NONE &&
                f->severity <= SLUICE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_int_equal(strlen(f->fingerprint), 32);
    s->by_severity[f->severity]++;
    if (s->n < REC_MAX) {
        rec_t *r = &s->rec[s->n];
        ft_copy_capped(r->tool, f->tool, SL_TEST_NAME_MAX);
        ft_copy_capped(r->rule_id, f->rule_id, SL_TEST_NAME_MAX);
        ft_copy_capped(r->level, f->level, sizeof r->level - 1);
        ft_copy_capped(r->message, f->message, SL_TEST_MESSAGE_MAX);
        ft_copy_capped(r->uri, f->uri, SL_TEST_NAME_MAX);
        ft_copy_capped(r->fingerprint, f->fingerprint, 32);
        r->severity = f->severity;
        r->security_severity = f->security_severity;
        r->has_security_severity = f->has_security_severity;
        r->line = f->line;
        r->column = f->column;
    }
    s->n++;
    return SL_OK;
}

static seen_t *
seen_new(void)
{
    return ft_zalloc(sizeof(seen_t));
}

static const sl_format_t *
sarif(void)
{
    return ft_format("sarif");
}

/* Parses path into s (detected unless forced): sarif, or the forced one. */
static int
parse_path(const char *path, const sl_format_t *forced, seen_t *s,
           sl_err_t *err)
{
    sl_sink_t sink = {.ctx = s, .emit = record};
    return ft_parse(path, forced, "sarif", &sink, err);
}

static seen_t *
parse_ok(const char *path)
{
    seen_t *s = seen_new();
    sl_err_t err = {0};
    int rc = parse_path(path, NULL, s, &err);
    if (rc != SL_OK) {
        fail_msg("%s: %s", path, err.msg);
    }
    return s;
}

/* crit, high, medium, low, none: the findings of each severity. */
static void
assert_severities(const seen_t *s, size_t crit, size_t high, size_t medium,
                  size_t low, size_t none)
{
    assert_int_equal(s->n, crit + high + medium + low + none);
    assert_int_equal(s->by_severity[SLUICE__V1__SEVERITY__SEVERITY_CRITICAL],
                     crit);
    assert_int_equal(s->by_severity[SLUICE__V1__SEVERITY__SEVERITY_HIGH], high);
    assert_int_equal(s->by_severity[SLUICE__V1__SEVERITY__SEVERITY_MEDIUM],
                     medium);
    assert_int_equal(s->by_severity[SLUICE__V1__SEVERITY__SEVERITY_LOW], low);
    assert_int_equal(s->by_severity[SLUICE__V1__SEVERITY__SEVERITY_NONE], none);
}

static size_t
count_rule(const seen_t *s, const char *rule_id)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n && i < REC_MAX; i++) {
        n += strcmp(s->rec[i].rule_id, rule_id) == 0;
    }
    return n;
}

/* Every fingerprint differs from every other. */
static void
assert_fingerprints_distinct(const seen_t *s)
{
    for (size_t i = 0; i < s->n && i < REC_MAX; i++) {
        for (size_t k = i + 1; k < s->n && k < REC_MAX; k++) {
            if (strcmp(s->rec[i].fingerprint, s->rec[k].fingerprint) == 0) {
                fail_msg("findings %zu and %zu share %s", i, k,
                         s->rec[i].fingerprint);
            }
        }
    }
}

/* a and b hold the same findings, each moved down by delta lines. */
static void
assert_moved(const seen_t *a, const seen_t *b, unsigned delta)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n && i < REC_MAX; i++) {
        assert_string_equal(a->rec[i].rule_id, b->rec[i].rule_id);
        assert_string_equal(a->rec[i].fingerprint, b->rec[i].fingerprint);
        if (a->rec[i].line != 0) {
            assert_int_equal(a->rec[i].line + delta, b->rec[i].line);
        }
    }
}

/* The documented fingerprint: hex BLAKE2b-128 over length-prefixed fields
 * (4 bytes, big-endian), NULL-terminated list. */
static void
expected_fp(char hex[33], ...)
{
    crypto_generichash_state st;
    assert_int_equal(sodium_init() >= 0, 1);
    assert_int_equal(crypto_generichash_init(&st, NULL, 0, 16), 0);
    va_list ap;
    va_start(ap, hex);
    for (const char *f = va_arg(ap, const char *); f != NULL;
         f = va_arg(ap, const char *)) {
        size_t n = strlen(f);
        unsigned char len[4] = {(unsigned char)(n >> 24),
                                (unsigned char)(n >> 16),
                                (unsigned char)(n >> 8), (unsigned char)n};
        assert_int_equal(crypto_generichash_update(&st, len, 4), 0);
        assert_int_equal(
            crypto_generichash_update(&st, (const unsigned char *)f, n), 0);
    }
    va_end(ap);
    unsigned char out[16];
    assert_int_equal(crypto_generichash_final(&st, out, 16), 0);
    assert_non_null(sodium_bin2hex(hex, 33, out, 16));
}

/* ---- temporary files: a group directory, one file per test --------------- */

static int
group_setup(void **state)
{
    return ft_tmp_setup(state, "sl-sarif", "doc.sarif");
}

/* A one-run log: rules is the driver's rules array, results the results. */
static const char *
tmp_log(void **state, const char *rules, const char *results)
{
    char doc[8192];
    int n = snprintf(doc, sizeof doc,
                     "{\"version\": \"2.1.0\", \"runs\": [{\n"
                     "\"tool\": {\"driver\": {\"name\": \"t\", \"rules\": "
                     "[%s]}},\n\"results\": [%s]}]}\n",
                     rules, results);
    assert_true(n > 0 && (size_t)n < sizeof doc);
    return ft_tmp_doc(state, doc);
}

/* ---- flawfinder: the tool's text report gives the expected figures ------ */

typedef struct hit {
    unsigned line, level;
    char name[64]; /* "buffer/strcpy": category/function */
} hit_t;

/* Reads the "vuln.c:LINE:  [LEVEL] (CATEGORY) NAME:" lines of flawfinder's
 * text report and its "Hits = N" line. */
static size_t
read_flawfinder_report(const char *path, hit_t *hits, size_t cap,
                       unsigned *total)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    size_t n = 0;
    *total = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "Hits = ", 7) == 0) {
            for (const char *p = line + 7; *p >= '0' && *p <= '9'; p++) {
                *total = *total * 10 + (unsigned)(*p - '0');
            }
        }
        if (strncmp(line, "vuln.c:", 7) != 0) {
            continue;
        }
        assert_true(n < cap);
        hit_t *h = &hits[n++];
        const char *p = line + 7;
        for (h->line = 0; *p >= '0' && *p <= '9'; p++) {
            h->line = h->line * 10 + (unsigned)(*p - '0');
        }
        p = strchr(p, '[');
        assert_non_null(p);
        h->level = (unsigned)(p[1] - '0');
        const char *cat = strchr(p, '(') + 1;
        const char *cat_end = strchr(cat, ')');
        const char *name = cat_end + 2;
        const char *name_end = strchr(name, ':');
        assert_non_null(name_end);
        int w = snprintf(h->name, sizeof h->name, "%.*s/%.*s",
                         (int)(cat_end - cat), cat, (int)(name_end - name),
                         name);
        assert_true(w > 0 && (size_t)w < sizeof h->name);
    }
    assert_int_equal(fclose(f), 0);
    return n;
}

/* flawfinder's own mapping (_to_sarif_level): risk 4-5 error, 3 warning,
 * 0-2 note; ours: error high, warning medium, note low. */
static Sluice__V1__Severity
flawfinder_severity(unsigned level)
{
    return level >= 4   ? SLUICE__V1__SEVERITY__SEVERITY_HIGH
           : level == 3 ? SLUICE__V1__SEVERITY__SEVERITY_MEDIUM
                        : SLUICE__V1__SEVERITY__SEVERITY_LOW;
}

/* Every hit of the text report is one finding (same line, same
 * category/name at the start of the message, the mapped severity). */
static void
check_flawfinder(const char *sarif_path, const char *report)
{
    hit_t hits[REC_MAX];
    unsigned total = 0;
    size_t n = read_flawfinder_report(report, hits, REC_MAX, &total);
    assert_int_equal(n, total);
    seen_t *s = parse_ok(sarif_path);
    assert_int_equal(s->n, total);
    int used[REC_MAX] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        size_t len = strlen(hits[i].name);
        for (; k < s->n; k++) {
            const rec_t *r = &s->rec[k];
            if (!used[k] && r->line == hits[i].line &&
                strncmp(r->message, hits[i].name, len) == 0 &&
                r->message[len] == ':') {
                break;
            }
        }
        if (k == s->n) {
            fail_msg("no finding for %s at line %u", hits[i].name,
                     hits[i].line);
        }
        used[k] = 1;
        assert_int_equal(s->rec[k].severity,
                         flawfinder_severity(hits[i].level));
        assert_string_equal(s->rec[k].tool, "Flawfinder");
        assert_string_equal(s->rec[k].uri, "vuln.c"); /* uriBaseId dropped */
        assert_false(s->rec[k].has_security_severity);
    }
    free(s);
}

static void
test_sarif_flawfinder(void **state)
{
    (void)state;
    check_flawfinder(FIXTURES "flawfinder.sarif", FIXTURES "flawfinder.txt");
    check_flawfinder(FIXTURES "flawfinder-moved.sarif",
                     FIXTURES "flawfinder-moved.txt");
    /* "Hits = 12", "Hits@level = [0] 0 [1] 2 [2] 4 [3] 2 [4] 4 [5] 0" */
    seen_t *s = parse_ok(FIXTURES "flawfinder.sarif");
    assert_severities(s, 0, 4, 2, 6, 0);
    assert_int_equal(count_rule(s, "FF1013"), 3); /* buffer/char x3 */
    assert_int_equal(count_rule(s, "FF1001"), 1); /* buffer/strcpy */
    assert_int_equal(count_rule(s, "FF1044"), 1); /* shell/system */
    assert_int_equal(count_rule(s, "FF1015"), 1); /* buffer/sprintf */
    /* The result's level wins over the rule's (strcat: rule error, hit 1). */
    assert_string_equal(s->rec[2].rule_id, "FF1005");
    assert_string_equal(s->rec[2].level, "note");
    assert_int_equal(s->rec[2].column, 5);
    assert_fingerprints_distinct(s);
    /* {"contextHash/v1": sha256 of the stripped line "char line[32];"}:
     * "fingerprints" mode. */
    char want[33];
    expected_fp(want, "fingerprints", "Flawfinder", "FF1013", "vuln.c",
                "contextHash/v1",
                "4a1a33bcd36a7d6126510c513ae90db65316f49f632a967135d4ed5518"
                "484132",
                NULL);
    assert_string_equal(s->rec[0].fingerprint, want);
    free(s);
}

static void
test_sarif_flawfinder_moved(void **state)
{
    (void)state;
    seen_t *a = parse_ok(FIXTURES "flawfinder.sarif");
    seen_t *b = parse_ok(FIXTURES "flawfinder-moved.sarif");
    assert_moved(a, b, 3);
    assert_fingerprints_distinct(b);
    free(a);
    free(b);
}

/* ---- clang --analyze: results before tool, no level, no fingerprints ---- */

static void
test_sarif_clang(void **state)
{
    (void)state;
    /* clang.txt: "analyzer.c:11:12: warning: Dereference of null pointer
     * (loaded from variable 'p') [core.NullDereference]", "analyzer.c:21:1:
     * warning: Potential leak of memory pointed to by 'q' [unix.Malloc]",
     * "2 warnings generated." */
    FILE *f = fopen(FIXTURES "clang.txt", "r");
    assert_non_null(f);
    char line[512];
    int warnings = 0, total = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        warnings += strstr(line, ": warning: ") != NULL;
        if (strstr(line, " warnings generated.") != NULL) {
            total = line[0] - '0';
        }
    }
    assert_int_equal(fclose(f), 0);
    assert_int_equal(warnings, 2);
    assert_int_equal(total, 2);
    seen_t *s = parse_ok(FIXTURES "clang.sarif");
    assert_severities(s, 0, 0, 2, 0, 0); /* no level anywhere: warning */
    assert_string_equal(s->rec[0].tool, "clang");
    assert_string_equal(s->rec[0].rule_id, "core.NullDereference");
    assert_string_equal(s->rec[0].level, "warning");
    assert_string_equal(s->rec[0].message,
                        "Dereference of null pointer (loaded from variable "
                        "'p')");
    assert_int_equal(s->rec[0].line, 11);
    assert_int_equal(s->rec[0].column, 12);
    assert_string_equal(s->rec[1].rule_id, "unix.Malloc");
    assert_string_equal(s->rec[1].message,
                        "Potential leak of memory pointed to by 'q'");
    assert_int_equal(s->rec[1].line, 21);
    assert_int_equal(s->rec[1].column, 1);
    assert_true(strncmp(s->rec[1].uri, "file:///", 8) == 0);
    /* No fingerprints in the file: derived, without the line. */
    char want[33];
    expected_fp(want, "derived", "clang", "unix.Malloc", s->rec[1].uri,
                s->rec[1].message, "", NULL);
    assert_string_equal(s->rec[1].fingerprint, want);
    seen_t *m = parse_ok(FIXTURES "clang-moved.sarif");
    assert_moved(s, m, 3);
    assert_fingerprints_distinct(s);
    free(s);
    free(m);
}

/* ---- hand-written: CodeQL, Semgrep, Trivy -------------------------------- */

static void
test_sarif_codeql(void **state)
{
    (void)state;
    seen_t *s = parse_ok(FIXTURES "codeql.sarif");
    assert_severities(s, 3, 4, 2, 1, 0);
    assert_int_equal(count_rule(s, "cpp/unbounded-write"), 2);
    assert_int_equal(count_rule(s, "cpp/path-injection"), 2);
    assert_int_equal(count_rule(s, "py/command-line-injection"), 1);
    const rec_t *r = &s->rec[0];
    assert_string_equal(r->tool, "CodeQL");
    assert_string_equal(r->level, "error");
    assert_int_equal(r->severity, SLUICE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_true(r->has_security_severity && r->security_severity == 9.3);
    assert_string_equal(r->uri, "src/server.c"); /* %SRCROOT% dropped */
    assert_int_equal(r->line, 42);
    assert_int_equal(r->column, 5);
    char want[33];
    expected_fp(want, "partialFingerprints", "CodeQL", "cpp/unbounded-write",
                "src/server.c", "primaryLocationLineHash", "d6a7f0c5e3a5c1b2:1",
                "primaryLocationStartColumnFingerprint", "0", NULL);
    assert_string_equal(r->fingerprint, want);
    /* ruleIndex alone gives the rule, its level and its score. */
    r = &s->rec[1];
    assert_string_equal(r->rule_id, "cpp/path-injection");
    assert_string_equal(r->level, "warning");
    assert_true(r->security_severity == 7.5);
    assert_int_equal(r->severity, SLUICE__V1__SEVERITY__SEVERITY_HIGH);
    /* rule.id with rule.index */
    assert_string_equal(s->rec[2].rule_id,
                        "cpp/integer-multiplication-cast-to-long");
    assert_int_equal(s->rec[2].severity, SLUICE__V1__SEVERITY__SEVERITY_HIGH);
    /* No security-severity: the rule's level (note) gives low. */
    assert_string_equal(s->rec[4].level, "note");
    assert_false(s->rec[4].has_security_severity);
    assert_int_equal(s->rec[4].severity, SLUICE__V1__SEVERITY__SEVERITY_LOW);
    /* The result's own security-severity (a number) beats the rule's. */
    assert_true(s->rec[6].security_severity == 4.2);
    assert_int_equal(s->rec[6].severity, SLUICE__V1__SEVERITY__SEVERITY_MEDIUM);
    /* Run 2: rules in tool.extensions[0], found by index alone. */
    assert_string_equal(s->rec[8].rule_id, "py/command-line-injection");
    assert_true(s->rec[8].security_severity == 9.8);
    assert_string_equal(s->rec[8].level, "error");
    assert_fingerprints_distinct(s);
    seen_t *m = parse_ok(FIXTURES "codeql-moved.sarif");
    assert_moved(s, m, 5);
    free(s);
    free(m);
}

static void
test_sarif_semgrep(void **state)
{
    (void)state;
    seen_t *s = parse_ok(FIXTURES "semgrep.sarif");
    assert_severities(s, 0, 2, 2, 1, 0);
    assert_int_equal(
        count_rule(s, "python.lang.security.audit.subprocess-shell-true."
                      "subprocess-shell-true"),
        2);
    for (size_t i = 0; i < s->n; i++) {
        assert_string_equal(s->rec[i].tool, "Semgrep OSS");
        assert_false(s->rec[i].has_security_severity);
    }
    /* Levels come from the rules' defaultConfiguration. */
    assert_string_equal(s->rec[0].level, "error");
    assert_string_equal(s->rec[2].level, "warning");
    assert_string_equal(s->rec[4].level, "note");
    assert_string_equal(s->rec[2].uri, "app/db.py");
    assert_int_equal(s->rec[2].line, 19);
    /* No fingerprints: tool, rule, uri, message and snippet. */
    char want[33];
    expected_fp(want, "derived", "Semgrep OSS",
                "python.lang.security.audit.formatted-sql-query."
                "formatted-sql-query",
                "app/db.py",
                "Detected possible formatted SQL query. Use parameterized "
                "queries instead.",
                "    cur.execute(\"SELECT * FROM users WHERE name = '%s'\" % "
                "name)",
                NULL);
    assert_string_equal(s->rec[2].fingerprint, want);
    assert_fingerprints_distinct(s);
    free(s);
}

static void
test_sarif_trivy(void **state)
{
    (void)state;
    seen_t *s = parse_ok(FIXTURES "trivy.sarif");
    assert_severities(s, 1, 3, 2, 1, 1);
    assert_int_equal(count_rule(s, "CVE-2023-4911"), 2);
    assert_string_equal(s->rec[0].tool, "Trivy");
    assert_string_equal(s->rec[0].uri, "library/python");
    assert_int_equal(s->rec[0].line, 0); /* no region */
    assert_int_equal(s->rec[0].column, 0);
    assert_true(s->rec[0].security_severity == 7.8);
    assert_true(s->rec[2].security_severity == 9.8); /* a JSON number */
    assert_int_equal(s->rec[2].severity,
                     SLUICE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal(s->rec[4].uri, "requirements.txt");
    assert_int_equal(s->rec[4].line, 4);
    /* "0.0" is a score: none, whatever the level says. */
    assert_string_equal(s->rec[7].level, "note");
    assert_true(s->rec[7].has_security_severity);
    assert_int_equal(s->rec[7].severity, SLUICE__V1__SEVERITY__SEVERITY_NONE);
    assert_true(strncmp(s->rec[0].message, "Package: libc6\nInstalled", 24) ==
                0);
    /* Same rule, same location, different message: different findings. */
    assert_fingerprints_distinct(s);
    free(s);
}

/* ---- rules, levels, messages -------------------------------------------- */

static void
test_sarif_results_before_tool(void **state)
{
    const char *path = ft_tmp_doc(
        state,
        "{\"runs\": [{\"results\": [\n"
        "  {\"ruleIndex\": 1, \"message\": {\"text\": \"by index\"}},\n"
        "  {\"ruleId\": \"A\", \"message\": {\"text\": \"by id\"}},\n"
        "  {\"ruleId\": \"A/sub\", \"message\": {\"text\": \"hierarchical\"}},\n"
        "  {\"ruleId\": \"Z\", \"message\": {\"text\": \"unknown rule\"}},\n"
        "  {\"ruleId\": \"B\", \"kind\": \"pass\", \"message\": {\"text\": "
        "\"passed\"}},\n"
        "  {\"ruleId\": \"B\", \"kind\": \"review\", \"message\": {\"text\": "
        "\"review\"}},\n"
        "  {\"ruleIndex\": -1, \"ruleId\": \"B\", \"level\": \"none\", "
        "\"message\": {\"text\": \"explicit\"}}\n"
        "], \"tool\": {\"driver\": {\"rules\": [\n"
        "  {\"id\": \"A\", \"defaultConfiguration\": {\"level\": \"note\"}},\n"
        "  {\"id\": \"B\", \"defaultConfiguration\": {\"level\": \"error\"},\n"
        "   \"properties\": {\"security-severity\": \"9.1\"}}\n"
        "], \"name\": \"late\"}}}], \"version\": \"2.1.0\"}\n");
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
    assert_int_equal(s->n, 7);
    assert_string_equal(s->rec[0].tool, "late");
    assert_string_equal(s->rec[0].rule_id, "B");
    assert_string_equal(s->rec[0].level, "error");
    assert_int_equal(s->rec[0].severity,
                     SLUICE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal(s->rec[1].level, "note");
    assert_int_equal(s->rec[1].severity, SLUICE__V1__SEVERITY__SEVERITY_LOW);
    assert_string_equal(s->rec[2].rule_id, "A/sub"); /* kept as written */
    assert_string_equal(s->rec[2].level, "note");    /* rule A's */
    assert_string_equal(s->rec[3].level, "warning"); /* §3.27.10 default */
    assert_int_equal(s->rec[3].severity, SLUICE__V1__SEVERITY__SEVERITY_MEDIUM);
    /* kind pass: level none, not a problem whatever the score. */
    assert_string_equal(s->rec[4].level, "none");
    assert_int_equal(s->rec[4].severity, SLUICE__V1__SEVERITY__SEVERITY_NONE);
    assert_true(s->rec[4].has_security_severity);
    /* kind review: level none, but the score still counts. */
    assert_string_equal(s->rec[5].level, "none");
    assert_int_equal(s->rec[5].severity,
                     SLUICE__V1__SEVERITY__SEVERITY_CRITICAL);
    assert_string_equal(s->rec[6].level, "none");
    free(s);
}

static void
test_sarif_message_strings(void **state)
{
    const char *path = tmp_log(
        state,
        "{\"id\": \"M\", \"messageStrings\": {"
        "\"default\": {\"text\": \"{0} flows to {1} {{not {2}}}\"},"
        "\"other\": {\"text\": \"other\"}}}",
        "{\"ruleId\": \"M\", \"message\": {\"id\": \"default\", "
        "\"arguments\": [\"x\", \"sink()\"]}},\n"
        "{\"ruleId\": \"M\", \"message\": {\"id\": \"missing\"}},\n"
        "{\"ruleId\": \"M\", \"message\": {\"text\": \"plain {0} {{\"}},\n"
        "{\"ruleId\": \"M\", \"message\": {\"text\": \"{0}{{{1}}}{9}\", "
        "\"arguments\": [\"a\", \"b\"]}},\n"
        "{\"ruleId\": \"M\", \"message\": {\"id\": \"other\"}}");
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
    assert_int_equal(s->n, 5);
    assert_string_equal(s->rec[0].message, "x flows to sink() {not {2}}");
    assert_string_equal(s->rec[1].message, "missing"); /* the id */
    assert_string_equal(s->rec[2].message, "plain {0} {{"); /* no arguments */
    assert_string_equal(s->rec[3].message, "a{b}{9}");
    assert_string_equal(s->rec[4].message, "other");
    free(s);
}

/* Only the first SARIF_MSGS_PER_RULE messageStrings of a rule are kept
 * (each result's message.id is looked up among them): a later one shows as
 * its id, an earlier one is still resolved. */
static void
test_sarif_message_strings_cap(void **state)
{
    char rules[8192];
    size_t n = (size_t)snprintf(rules, sizeof rules,
                                "{\"id\": \"M\", \"messageStrings\": {");
    for (unsigned i = 0; i <= SARIF_MSGS_PER_RULE; i++) {
        n += (size_t)snprintf(rules + n, sizeof rules - n,
                              "%s\"m%u\": {\"text\": \"text %u\"}",
                              i ? ", " : "", i, i);
        assert_true(n < sizeof rules);
    }
    (void)snprintf(rules + n, sizeof rules - n, "}}");
    char results[256];
    (void)snprintf(results, sizeof results,
                   "{\"ruleId\": \"M\", \"message\": {\"id\": \"m%u\"}},\n"
                   "{\"ruleId\": \"M\", \"message\": {\"id\": \"m%u\"}}",
                   SARIF_MSGS_PER_RULE - 1, SARIF_MSGS_PER_RULE);
    const char *path = tmp_log(state, rules, results);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
    assert_int_equal(s->n, 2);
    char want[32];
    (void)snprintf(want, sizeof want, "text %u", SARIF_MSGS_PER_RULE - 1);
    assert_string_equal(s->rec[0].message, want);
    (void)snprintf(want, sizeof want, "m%u", SARIF_MSGS_PER_RULE);
    assert_string_equal(s->rec[1].message, want); /* past the cap: the id */
    free(s);
}

static void
test_sarif_fingerprint_rules(void **state)
{
    /* partialFingerprints beat fingerprints; keys are sorted; the line
     * never counts; the first location only. */
    const char *path = tmp_log(
        state, "{\"id\": \"R\"}",
        "{\"ruleId\": \"R\", \"message\": {\"text\": \"m\"},"
        " \"partialFingerprints\": {\"b\": \"2\", \"a\": \"1\"},"
        " \"fingerprints\": {\"x\": \"9\"},"
        " \"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
        "{\"uri\": \"f.c\"}, \"region\": {\"startLine\": 3}}},"
        " {\"physicalLocation\": {\"artifactLocation\": {\"uri\": \"g.c\"},"
        " \"region\": {\"startLine\": 9}}}]},\n"
        "{\"ruleId\": \"R\", \"message\": {\"text\": \"m\"},"
        " \"fingerprints\": {\"x\": \"9\"}},\n"
        "{\"ruleId\": \"R\", \"message\": {\"text\": \"m\"},"
        " \"partialFingerprints\": {},"
        " \"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
        "{\"uri\": \"f.c\"}, \"region\": {\"startLine\": 7, \"snippet\": "
        "{\"text\": \"s\"}}}}]}");
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
    assert_int_equal(s->n, 3);
    char want[33];
    expected_fp(want, "partialFingerprints", "t", "R", "f.c", "a", "1", "b",
                "2", NULL);
    assert_string_equal(s->rec[0].fingerprint, want);
    assert_string_equal(s->rec[0].uri, "f.c");
    assert_int_equal(s->rec[0].line, 3);
    expected_fp(want, "fingerprints", "t", "R", "", "x", "9", NULL);
    assert_string_equal(s->rec[1].fingerprint, want);
    expected_fp(want, "derived", "t", "R", "f.c", "m", "s", NULL);
    assert_string_equal(s->rec[2].fingerprint, want);
    assert_int_equal(s->rec[2].line, 7);
    free(s);
}

/* ---- detection ----------------------------------------------------------- */

static const char *const sarif_fixtures[] = {
    "flawfinder.sarif",   "flawfinder-moved.sarif", "clang.sarif",
    "clang-moved.sarif",  "codeql.sarif",           "codeql-moved.sarif",
    "semgrep.sarif",      "trivy.sarif",
};

static void
test_sarif_detect_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sarif_fixtures / sizeof *sarif_fixtures;
         i++) {
        char path[512];
        (void)snprintf(path, sizeof path, "%s%s", FIXTURES, sarif_fixtures[i]);
        /* SARIF only, whatever else the table holds. */
        ft_assert_sniffed_file(path, "sarif");
    }
    /* Not SARIF: hyperfine's export and a JUnit report. */
    static const char *const others[] = {
        FIXTURES "hyperfine.json",
        SL_SOURCE_DIR "/tests/fixtures/junit/pytest.xml",
    };
    for (size_t i = 0; i < 2; i++) {
        size_t len = 0;
        char *head = ft_read_head(others[i], &len);
        assert_false(sarif()->sniff(head, len));
        free(head);
    }
}

static int
sniff(const char *head)
{
    return sarif()->sniff(head, strlen(head));
}

static void
test_sarif_detect_shapes(void **state)
{
    (void)state;
    assert_true(sniff("{\"version\": \"2.1.0\", \"runs\": ["));
    assert_true(sniff("\xEF\xBB\xBF {\"$schema\": \"https://json.schemastore."
                      "org/SARIF-2.1.0.json\", \"runs\": []}"));
    assert_true(sniff("{\"runs\": [{\"results\": []}], \"version\": \"2.1.0\""));
    /* A schema naming SARIF is enough: the parser then names the version. */
    assert_true(sniff("{\"$schema\": \"sarif-2.0.0\", \"version\": \"2.0.0\","
                      " \"runs\": []}"));
    assert_false(sniff("{\"version\": \"2.0.0\", \"runs\": []}"));
    assert_false(sniff("{\"version\": \"2.1.0\"}"));
    assert_false(sniff("{\"version\": \"2.1.0\", \"runs\": {}}"));
    assert_false(sniff("{\"version\": \"2.1.0\", \"ru"));
    assert_false(sniff("{\"x\": {\"version\": \"2.1.0\", \"runs\": []}}"));
    assert_false(sniff("[{\"version\": \"2.1.0\", \"runs\": []}]"));
    assert_false(sniff("\"sarif\""));
    assert_false(sniff(""));
    assert_false(sniff("<testsuites>"));
    /* Benchmark formats: pytest-benchmark has a "version" of its own,
     * hyperfine a "results" array, Google Benchmark "benchmarks". */
    assert_false(sniff("{\"machine_info\": {}, \"benchmarks\": [], "
                       "\"datetime\": \"2024-01-01\", \"version\": \"4.0.0\"}"));
    assert_false(sniff("{\"results\": [{\"command\": \"true\", \"mean\": 1}]}"));
    assert_false(sniff("{\"context\": {\"date\": \"x\"}, \"benchmarks\": "
                       "[{\"name\": \"BM\", \"real_time\": 1}]}"));
    assert_false(sniff("{\"bench\": {\"latency\": {\"value\": 1.0}}}"));
    /* Deep nesting in the head: refused by the reader's depth cap. */
    char deep[4096];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    assert_false(sniff(deep));
}

/* ---- hostile and broken input ------------------------------------------- */

/* Parses path (format detected unless forced) and expects rc and exactly
 * the message "<path><rest>", with nothing emitted. */
static void
expect_error(const char *path, const sl_format_t *forced, int rc,
             const char *rest)
{
    seen_t *s = seen_new();
    sl_sink_t sink = {.ctx = s, .emit = record};
    ft_expect_error(path, forced, &sink, rc, rest);
    assert_int_equal(s->n, 0);
    free(s);
}

/* Detection finds no format for path; the message lists the known ones
 * (sarif among them, whatever else the table holds). */
static void
expect_unknown(const char *path)
{
    expect_error(path, NULL, SL_EINPUT, ft_known_formats());
    assert_non_null(strstr(ft_known_formats(), "sarif"));
}

static void
test_sarif_truncated(void **state)
{
    (void)state;
    expect_error(FIXTURES "truncated.sarif", NULL, SL_EINPUT,
                 ":76:34: truncated document");
}

static void
test_sarif_bad_utf8(void **state)
{
    (void)state;
    expect_error(FIXTURES "bad-utf8.sarif", NULL, SL_EINPUT,
                 ":5:59: lexical error: invalid bytes in UTF8 string.");
}

static void
test_sarif_deep(void **state)
{
    /* 100k nested arrays, then 100k nested objects: refused at level 64. */
    FILE *f = ft_tmp_open(state);
    assert_true(fputs("{\"version\": \"2.1.0\", \"runs\": [{\"x\": ", f) >= 0);
    for (int i = 0; i < 100000; i++) {
        assert_true(fputc('[', f) != EOF);
    }
    const char *path = ft_tmp_close(state, f);
    char rest[64];
    /* At the 62nd '[' (three containers were open before). */
    (void)snprintf(rest, sizeof rest, ":1:%d: nested deeper than 64",
                   36 + 62);
    expect_error(path, NULL, SL_ETOOBIG, rest);
    f = ft_tmp_open(state);
    for (int i = 0; i < 100000; i++) {
        assert_true(fputs("{\"a\":", f) >= 0);
    }
    path = ft_tmp_close(state, f);
    (void)snprintf(rest, sizeof rest, ":1:%d: nested deeper than 64",
                   64 * 5 + 1);
    expect_error(path, sarif(), SL_ETOOBIG, rest);
}

static void
test_sarif_bad_scores(void **state)
{
    expect_error(FIXTURES "sev-overflow.sarif", NULL, SL_EINPUT,
                 ":5:60: security-severity 1e999 is not a score from 0 to 10");
    expect_error(FIXTURES "nan.sarif", NULL, SL_EINPUT,
                 ":5:56: lexical error: invalid char in json text.");
    static const char *const bad[] = {
        "10.5",     "-1",      "1e999",   "\"1e999\"", "\"NaN\"",  "\"nan\"",
        "\"inf\"",  "\"\"",    "\" 8.8\"", "\"8.8 \"", "\"0x5\"",  "\"8,8\"",
        "\"+8.8\"", "\"08.8\"", "\"8.\"",  "\"high\"", "true",     "[8.8]",
        "{}",       "null",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char rule[128];
        (void)snprintf(rule, sizeof rule,
                       "{\"id\": \"R\", \"properties\": "
                       "{\"security-severity\": %s}}",
                       bad[i]);
        const char *path =
            tmp_log(state, rule, "{\"ruleId\": \"R\", \"message\": "
                                 "{\"text\": \"m\"}}");
        seen_t *s = seen_new();
        sl_err_t err = {0};
        if (parse_path(path, NULL, s, &err) != SL_EINPUT) {
            fail_msg("security-severity %s was accepted", bad[i]);
        }
        assert_non_null(strstr(err.msg, "doc.sarif:2:"));
        assert_non_null(strstr(err.msg, "security-severity"));
        assert_int_equal(s->n, 0);
        free(s);
    }
    static const struct {
        const char *text;
        double want;
        Sluice__V1__Severity sev;
    } ok[] = {
        {"0", 0, SLUICE__V1__SEVERITY__SEVERITY_NONE},
        {"\"0.1\"", 0.1, SLUICE__V1__SEVERITY__SEVERITY_LOW},
        {"3.9", 3.9, SLUICE__V1__SEVERITY__SEVERITY_LOW},
        {"\"4.0\"", 4.0, SLUICE__V1__SEVERITY__SEVERITY_MEDIUM},
        {"6.9", 6.9, SLUICE__V1__SEVERITY__SEVERITY_MEDIUM},
        {"\"7\"", 7.0, SLUICE__V1__SEVERITY__SEVERITY_HIGH},
        {"8.95", 8.95, SLUICE__V1__SEVERITY__SEVERITY_HIGH},
        {"\"9.0\"", 9.0, SLUICE__V1__SEVERITY__SEVERITY_CRITICAL},
        {"\"1e1\"", 10.0, SLUICE__V1__SEVERITY__SEVERITY_CRITICAL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char result[160];
        (void)snprintf(result, sizeof result,
                       "{\"ruleId\": \"R\", \"level\": \"error\", \"message\":"
                       " {\"text\": \"m\"}, \"properties\": "
                       "{\"security-severity\": %s}}",
                       ok[i].text);
        const char *path = tmp_log(state, "{\"id\": \"R\"}", result);
        seen_t *s = seen_new();
        sl_err_t err = {0};
        assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
        assert_int_equal(s->n, 1);
        assert_true(s->rec[0].has_security_severity);
        assert_true(s->rec[0].security_severity == ok[i].want);
        if (s->rec[0].severity != ok[i].sev) {
            fail_msg("%s gave severity %d", ok[i].text, s->rec[0].severity);
        }
        free(s);
    }
}

static void
test_sarif_version(void **state)
{
    (void)state;
    expect_error(FIXTURES "version-2.0.0.sarif", NULL, SL_EINPUT,
                 ":3:20: SARIF version \"2.0.0\" is not supported (want "
                 "2.1.0)");
}

static void
test_sarif_no_runs(void **state)
{
    expect_unknown(FIXTURES "no-runs.sarif");
    expect_error(FIXTURES "no-runs.sarif", sarif(), SL_EINPUT,
                 ":4:1: not a SARIF log (no \"runs\")");
    const char *path =
        ft_tmp_doc(state, "{\"version\": \"2.1.0\",\n \"runs\": null}");
    expect_error(path, sarif(), SL_EINPUT,
                 ":2:13: runs must be an array (got null)");
    path = ft_tmp_doc(state, "{\"runs\": [], \"version\": 2.1}");
    expect_error(path, sarif(), SL_EINPUT,
                 ":1:27: version must be a string (got a number)");
    /* An empty runs array is a clean log. */
    path = ft_tmp_doc(state, "{\"version\": \"2.1.0\", \"runs\": []}");
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
    assert_int_equal(s->n, 0);
    free(s);
}

static void
test_sarif_no_message(void **state)
{
    (void)state;
    expect_error(FIXTURES "no-message.sarif", NULL, SL_EINPUT,
                 ":8:81: result has no message (message.text or "
                 "message.id)");
}

static void
test_sarif_required_fields(void **state)
{
    static const struct {
        const char *rules, *results, *rest;
    } cases[] = {
        {"{\"name\": \"no id\"}", "", ":2:60: a rule of runs[0] has no id"},
        {"{\"id\": \"R\", \"defaultConfiguration\": {\"level\": \"high\"}}", "",
         ":2:95: level \"high\" is not one of none, note, warning, error"},
        {"{\"id\": \"R\"}",
         "{\"ruleId\": \"R\", \"kind\": \"bad\", \"message\": {\"text\": "
         "\"m\"}}",
         ":3:41: kind \"bad\" is not a SARIF kind"},
        {"{\"id\": \"R\"}",
         "{\"ruleIndex\": 1, \"message\": {\"text\": \"m\"}}",
         ":3:54: rule index 1 is not a rule of tool.driver"},
        {"{\"id\": \"R\"}",
         "{\"rule\": {\"index\": 0, \"toolComponent\": {\"index\": 2}}, "
         "\"message\": {\"text\": \"m\"}}",
         ":3:91: rule index 0 is not a rule of tool.extensions[2]"},
        /* one past any extension index: not wrapped round to the driver */
        {"{\"id\": \"R\"}",
         "{\"rule\": {\"index\": 0, \"toolComponent\": {\"index\": "
         "4294967295}}, \"message\": {\"text\": \"m\"}}",
         ":3:100: toolComponent.index 4294967295 is not an extension"},
        {"{\"id\": \"R\"}",
         "{\"ruleIndex\": \"0\", \"message\": {\"text\": \"m\"}}",
         ":3:29: result.ruleIndex must be an integer (got a string)"},
        {"{\"id\": \"R\"}", "{\"ruleIndex\": -2, \"message\": {\"text\": \"m\"}}",
         ":3:28: result.ruleIndex -2 is not an index (-1 to 4294967295)"},
        {"{\"id\": \"R\"}",
         "{\"message\": {\"text\": \"m\"}, \"locations\": [{\"physicalLocation\":"
         " {\"region\": {\"startLine\": 4294967296}}}]}",
         ":3:109: result.locations[].physicalLocation.region.startLine "
         "4294967296 is not 0 to 4294967295"},
        {"{\"id\": \"R\"}",
         "{\"message\": {\"text\": 5}}",
         ":3:34: result.message.text must be a string (got a number)"},
        {"{\"id\": \"R\"}", "{\"message\": \"text\"}",
         ":3:30: result.message must be an object (got a string)"},
        {"{\"id\": \"R\"}",
         "{\"message\": {\"text\": \"m\"}, \"partialFingerprints\": "
         "{\"k\": 1}}",
         ":3:69: result.partialFingerprints.* must be a string (got a "
         "number)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = tmp_log(state, cases[i].rules, cases[i].results);
        expect_error(path, NULL, SL_EINPUT, cases[i].rest);
    }
    const char *path = ft_tmp_doc(
        state, "{\"version\": \"2.1.0\", \"runs\": [\n"
               "{\"tool\": {\"driver\": {\"name\": \"a\"}}},\n"
               "{\"tool\": {\"driver\": {\"version\": \"1\"}}, \"results\": []}"
               "]}");
    expect_error(path, NULL, SL_EINPUT, ":3:53: runs[1] has no tool.driver.name");
    path = ft_tmp_doc(state, "{\"version\": \"2.1.0\", \"runs\": [{}]}");
    expect_error(path, NULL, SL_EINPUT, ":1:32: runs[0] has no tool.driver.name");
}

static void
test_sarif_not_sarif(void **state)
{
    (void)state;
    /* A JUnit report and a hyperfine export forced as SARIF. */
    expect_error(SL_SOURCE_DIR "/tests/fixtures/junit/pytest.xml", sarif(),
                 SL_EINPUT, ":1:1: not a SARIF log (not a JSON object)");
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "hyperfine.json", sarif(), s, &err),
                     SL_EINPUT);
    assert_non_null(strstr(err.msg, "hyperfine.json:"));
    assert_non_null(strstr(err.msg, ": not a SARIF log (no \"version\")"));
    assert_int_equal(s->n, 0);
    free(s);
    const sl_format_t *d = NULL;
    assert_int_equal(sl_format_detect_file(FIXTURES "hyperfine.json", &d,
                                           NULL),
                     SL_OK);
    assert_ptr_equal(d, sl_format_find("hyperfine"));
}

static void
test_sarif_empty(void **state)
{
    const char *path = ft_tmp_doc(state, "");
    expect_error(path, sarif(), SL_EINPUT, ": empty file");
    /* Past the table, the parser itself refuses it too. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    sl_err_t err = {0};
    assert_int_equal(sarif()->parse(fd, "e.sarif", NULL, &err), SL_EINPUT);
    assert_string_equal(err.msg, "e.sarif:1:1: empty document");
    assert_int_equal(close(fd), 0);
    path = ft_tmp_doc(state, " \n ");
    expect_error(path, sarif(), SL_EINPUT, ":2:2: truncated document");
}

static void
test_sarif_not_seekable(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "{}", 2), 2);
    assert_int_equal(close(p[1]), 0);
    sl_err_t err = {0};
    assert_int_equal(sarif()->parse(p[0], "pipe", NULL, &err), SL_EIO);
    assert_string_equal(err.msg,
                        "pipe: cannot read it twice: Illegal seek");
    assert_int_equal(close(p[0]), 0);
}

static void
test_sarif_sink_stops(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    s->stop_after = 2;
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "trivy.sarif", NULL, s, &err),
                     SL_EFULL);
    assert_int_equal(s->n, 1);
    assert_string_equal(err.msg, FIXTURES "trivy.sarif:97:9: store is full");
    free(s);
    /* A NULL sink takes everything. */
    assert_int_equal(sl_format_parse_file(FIXTURES "codeql.sarif", NULL, NULL,
                                          NULL, &err),
                     SL_OK);
}

/* ---- caps ---------------------------------------------------------------- */

static void
test_sarif_caps_utf8(void **state)
{
    /* A 2000-sign rule id and message: cut on a character boundary. */
    char *e = ft_euros(2000);
    size_t len = strlen(e) * 3 + 256;
    char *rules = malloc(len), *results = malloc(len);
    assert_non_null(rules);
    assert_non_null(results);
    (void)snprintf(rules, len,
                   "{\"id\": \"%s\", \"defaultConfiguration\": "
                   "{\"level\": \"error\"}}",
                   e);
    (void)snprintf(results, len,
                   "{\"ruleIndex\": 0, \"message\": {\"text\": \"%s\"}}", e);
    char *doc = malloc(2 * len);
    assert_non_null(doc);
    (void)snprintf(doc, 2 * len,
                   "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\":"
                   " {\"name\": \"t\", \"rules\": [%s]}}, \"results\": [%s]}]}",
                   rules, results);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(ft_tmp_doc(state, doc), NULL, s, &err), SL_OK);
    assert_int_equal(strlen(s->rec[0].rule_id), 341 * 3);
    assert_memory_equal(s->rec[0].rule_id, e, 341u * 3);
    assert_string_equal(s->rec[0].level, "error"); /* found by index */
    assert_int_equal(strlen(s->rec[0].message), 1365 * 3);
    free(s);
    free(doc);
    free(rules);
    free(results);
    free(e);
}

static void
test_sarif_fingerprint_caps(void **state)
{
    char entries[32 * 16 + 64] = "";
    size_t n = 0;
    for (int i = 0; i < 33; i++) {
        n += (size_t)snprintf(entries + n, sizeof entries - n,
                              "%s\"k%d\": \"v\"", i > 0 ? ", " : "", i);
    }
    char result[SL_JSONIN_KEY_MAX + 128];
    (void)snprintf(result, sizeof result,
                   "{\"message\": {\"text\": \"m\"}, \"fingerprints\": {%s}}",
                   entries);
    const char *path = tmp_log(state, "", result);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_ETOOBIG);
    assert_non_null(strstr(err.msg, ": more than 32 fingerprints"));
    free(s);
    char key[SL_JSONIN_KEY_MAX + 2];
    memset(key, 'k', SL_JSONIN_KEY_MAX + 1);
    key[SL_JSONIN_KEY_MAX + 1] = '\0';
    (void)snprintf(result, sizeof result,
                   "{\"message\": {\"text\": \"m\"}, \"partialFingerprints\": "
                   "{\"%s\": \"v\"}}",
                   key);
    path = tmp_log(state, "", result);
    expect_error(path, NULL, SL_ETOOBIG,
                 ":3:1095: partialFingerprints key longer than 1024 bytes");
}

static void
test_sarif_rules_cap(void **state)
{
    /* 65537 rules in one run: over the per-run cap. */
    FILE *f = ft_tmp_open(state);
    assert_true(fputs("{\"version\": \"2.1.0\", \"runs\": [{\"tool\": "
                      "{\"driver\": {\"name\": \"t\", \"rules\": [\n",
                      f) >= 0);
    for (int i = 0; i < 65537; i++) {
        assert_true(fprintf(f, "%s{\"id\": \"R%d\"}\n", i > 0 ? "," : "",
                            i) > 0);
    }
    assert_true(fputs("]}}}]}\n", f) >= 0);
    expect_error(ft_tmp_close(state, f), NULL, SL_ETOOBIG,
                 ":65538:2: more than 65536 rules in runs[0]");
}

static void
test_sarif_many_results(void **state)
{
    /* 100k results, rules last: every one resolved, fixed memory. */
    FILE *f = ft_tmp_open(state);
    assert_true(fputs("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [\n",
                      f) >= 0);
    for (int i = 0; i < 100000; i++) {
        assert_true(fprintf(f,
                            "%s{\"ruleId\": \"R%d\", \"message\": {\"text\": "
                            "\"finding %d\"}, \"locations\": "
                            "[{\"physicalLocation\": {\"artifactLocation\": "
                            "{\"uri\": \"src/f%d.c\"}, \"region\": "
                            "{\"startLine\": %d}}}]}\n",
                            i > 0 ? "," : "", i % 3, i, i % 50, i + 1) > 0);
    }
    assert_true(fputs("], \"tool\": {\"driver\": {\"name\": \"t\", \"rules\": "
                      "[{\"id\": \"R0\", \"properties\": "
                      "{\"security-severity\": \"9.5\"}}, {\"id\": \"R1\", "
                      "\"defaultConfiguration\": {\"level\": \"error\"}}, "
                      "{\"id\": \"R2\", \"defaultConfiguration\": "
                      "{\"level\": \"note\"}}]}}}]}\n",
                      f) >= 0);
    const char *path = ft_tmp_close(state, f);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(path, NULL, s, &err), SL_OK);
    assert_severities(s, 33334, 33333, 0, 33333, 0);
    assert_int_equal(s->rec[5].line, 6);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sarif_flawfinder),
        cmocka_unit_test(test_sarif_flawfinder_moved),
        cmocka_unit_test(test_sarif_clang),
        cmocka_unit_test(test_sarif_codeql),
        cmocka_unit_test(test_sarif_semgrep),
        cmocka_unit_test(test_sarif_trivy),
        cmocka_unit_test(test_sarif_results_before_tool),
        cmocka_unit_test(test_sarif_message_strings),
        cmocka_unit_test(test_sarif_message_strings_cap),
        cmocka_unit_test(test_sarif_fingerprint_rules),
        cmocka_unit_test(test_sarif_detect_fixtures),
        cmocka_unit_test(test_sarif_detect_shapes),
        cmocka_unit_test(test_sarif_truncated),
        cmocka_unit_test(test_sarif_bad_utf8),
        cmocka_unit_test(test_sarif_deep),
        cmocka_unit_test(test_sarif_bad_scores),
        cmocka_unit_test(test_sarif_version),
        cmocka_unit_test(test_sarif_no_runs),
        cmocka_unit_test(test_sarif_no_message),
        cmocka_unit_test(test_sarif_required_fields),
        cmocka_unit_test(test_sarif_not_sarif),
        cmocka_unit_test(test_sarif_empty),
        cmocka_unit_test(test_sarif_not_seekable),
        cmocka_unit_test(test_sarif_sink_stops),
        cmocka_unit_test(test_sarif_caps_utf8),
        cmocka_unit_test(test_sarif_fingerprint_caps),
        cmocka_unit_test(test_sarif_rules_cap),
        cmocka_unit_test(test_sarif_many_results),
    };
    return cmocka_run_group_tests(tests, group_setup, ft_tmp_teardown);
}
