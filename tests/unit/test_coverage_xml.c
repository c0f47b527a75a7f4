/* The Cobertura and JaCoCo parsers on reports written by real tools
 * (gcovr, coverage.py, Cobertura 2, JaCoCo), whose own figures are in
 * tests/fixtures/{cobertura,jacoco}/expected.txt, on detection, and on
 * hostile documents. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt_test.h"
#include "sluice/formats.h"

#define COB   SL_SOURCE_DIR "/tests/fixtures/cobertura/"
#define JAC   SL_SOURCE_DIR "/tests/fixtures/jacoco/"
#define JUNIT SL_SOURCE_DIR "/tests/fixtures/junit/"

/* ---- a sink that records what it is given ------------------------------ */

/* One record's figures: lines, branches, functions (valid, covered). */
typedef struct figs {
    uint64_t lv, lc, bv, bc, fv, fc;
} figs_t;

typedef struct rec {
    char path[4097];
    figs_t f;
} rec_t;

#define REC_MAX 8

typedef struct seen {
    size_t n;       /* coverage_file records */
    size_t totals;  /* coverage_total records */
    size_t stop_at; /* the sink says SL_EFULL at this call; 0: never */
    size_t calls;
    figs_t total;
    uint64_t total_files;
    rec_t rec[REC_MAX];
} seen_t;

static void
figs_from(figs_t *f, const Sluice__V1__Coverage *cv)
{
    f->lv = cv->lines_valid;
    f->lc = cv->lines_covered;
    f->bv = cv->branches_valid;
    f->bc = cv->branches_covered;
    f->fv = cv->functions_valid;
    f->fc = cv->functions_covered;
}

static int
record(void *ctx, const sl_pb_event_t *ev)
{
    seen_t *s = ctx;
    if (++s->calls == s->stop_at) {
        return SL_EFULL;
    }
    assert_int_equal(s->totals, 0); /* nothing after the total */
    if (ev->body_case == SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL) {
        assert_string_equal(ev->coverage_total->path, "");
        figs_from(&s->total, ev->coverage_total);
        s->total_files = ev->coverage_total->files;
        s->totals++;
        return SL_OK;
    }
    assert_int_equal(ev->body_case, SLUICE__V1__EVENT__BODY_COVERAGE_FILE);
    const Sluice__V1__Coverage *cv = ev->coverage_file;
    assert_non_null(cv->path);
    assert_true(strlen(cv->path) > 0 && strlen(cv->path) <= 4096);
    assert_int_equal(cv->files, 0);
    assert_true(cv->lines_covered <= cv->lines_valid);
    assert_true(cv->branches_covered <= cv->branches_valid);
    assert_true(cv->functions_covered <= cv->functions_valid);
    if (s->n < REC_MAX) {
        memcpy(s->rec[s->n].path, cv->path, strlen(cv->path) + 1);
        figs_from(&s->rec[s->n].f, cv);
    }
    s->n++;
    return SL_OK;
}

static seen_t *
seen_new(void)
{
    return ft_zalloc(sizeof(seen_t));
}

/* Parses path (detected); on success checks that the format used is the
 * one named want and that exactly one total came last. */
static int
parse_as(const char *path, const char *want, seen_t *s, sl_err_t *err)
{
    sl_sink_t sink = {.ctx = s, .emit = record};
    int rc = ft_parse(path, NULL, want, &sink, err);
    if (rc == SL_OK) {
        assert_int_equal(s->totals, 1);
        assert_int_equal(s->total_files, s->n);
    }
    return rc;
}

static void
assert_figs(const figs_t *got, const figs_t *want, const char *what)
{
    if (memcmp(got, want, sizeof *got) != 0) {
        fail_msg("%s: got lines %" PRIu64 "/%" PRIu64 " branches %" PRIu64
                 "/%" PRIu64 " functions %" PRIu64 "/%" PRIu64 ", want %" PRIu64
                 "/%" PRIu64 " %" PRIu64 "/%" PRIu64 " %" PRIu64 "/%" PRIu64,
                 what, got->lc, got->lv, got->bc, got->bv, got->fc, got->fv,
                 want->lc, want->lv, want->bc, want->bv, want->fc, want->fv);
    }
}

static void
assert_rec(const seen_t *s, size_t i, const char *path, figs_t want)
{
    assert_true(i < s->n);
    assert_string_equal(s->rec[i].path, path);
    assert_figs(&s->rec[i].f, &want, path);
}

/* ---- temporary files: a group directory, one file per test --------------- */

static int
group_setup(void **state)
{
    return ft_tmp_setup(state, "sl-covxml", "doc.xml");
}

/* ---- Cobertura written by real tools (figures: cobertura/expected.txt) -- */

static void
test_cobertura_gcovr(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(COB "gcovr.xml", "cobertura", s, &err), SL_OK);
    assert_int_equal(s->n, 2);
    /* "main.c 13 12", "-b: main.c 4 3"; <methods/> is empty: no functions */
    assert_rec(s, 0, "main.c", (figs_t){13, 12, 4, 3, 0, 0});
    /* "lib/calc.c 16 7", "-b: lib/calc.c 12 3" */
    assert_rec(s, 1, "lib/calc.c", (figs_t){16, 7, 12, 3, 0, 0});
    /* "lines: (19 out of 29)", "functions: (4 out of 5)", "branches: (6 out
     * of 16)": the root's own pairs, functions included. */
    assert_figs(&s->total, &(figs_t){29, 19, 16, 6, 5, 4}, "total");
    free(s);
}

static void
test_cobertura_coveragepy(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(COB "coveragepy.xml", "cobertura", s, &err),
                     SL_OK);
    assert_int_equal(s->n, 3);
    /* coverage json: covered_lines/num_statements, branches likewise */
    assert_rec(s, 0, "shop/__init__.py", (figs_t){0, 0, 0, 0, 0, 0});
    assert_rec(s, 1, "shop/cart.py", (figs_t){14, 12, 6, 3, 0, 0});
    assert_rec(s, 2, "shop/price.py", (figs_t){16, 12, 8, 5, 0, 0});
    /* coverage report: "TOTAL 30 6 14 2 73%"; json: 8 of 14 branches */
    assert_figs(&s->total, &(figs_t){30, 24, 14, 8, 0, 0}, "total");
    free(s);
}

static void
test_cobertura_java(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(COB "cobertura.xml", "cobertura", s, &err),
                     SL_OK);
    assert_int_equal(s->n, 3);
    /* Lines and branches: cobertura-report's HTML, per class. Functions:
     * no Cobertura report counts them; by our rule (a method is covered
     * when one of its lines has hits), counted by hand in the XML. */
    /* Main 5/7 1/2; methods <init> (0 hits), main */
    assert_rec(s, 0, "com/example/app/Main.java", (figs_t){7, 5, 2, 1, 2, 1});
    /* Cart 11/14 3/6 + Cart$Line 4/4 N/A + Rounding 2/5 1/2; methods
     * <init> add clear(0) total, Line.<init>, Rounding.<init>(0) off */
    assert_rec(s, 1, "com/example/shop/Cart.java",
               (figs_t){23, 17, 8, 4, 7, 5});
    /* Price 8/11 4/8; methods <init>(0) neverCalled(0) parse */
    assert_rec(s, 2, "com/example/shop/Price.java",
               (figs_t){11, 8, 8, 4, 3, 1});
    /* summaryXml: lines-covered="30" lines-valid="41" branches-covered="9"
     * branches-valid="18"; functions: the sum of the files. */
    assert_figs(&s->total, &(figs_t){41, 30, 18, 9, 12, 7}, "total");
    free(s);
}

/* ---- Cobertura: how classes become files, and totals --------------------- */

static const char cob_head[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE coverage SYSTEM "
    "\"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n";

static void
test_cobertura_classes_merge(void **state)
{
    /* a.c's classes are not consecutive: merged within their package; in
     * another package a.c gets a record of its own. No root counts: the
     * total is the sums. */
    FILE *f = ft_tmp_open(state);
    fprintf(f,
            "%s<coverage line-rate=\"0.5\" branch-rate=\"0\">\n"
            "<packages><package name=\"p\"><classes>\n"
            "<class name=\"A\" filename=\"a.c\"><lines>\n"
            "<line number=\"1\" hits=\"1\"/>\n"
            "<line number=\"2\" hits=\"0\" branch=\"true\" "
            "condition-coverage=\"25%% (1/4)\"/></lines></class>\n"
            "<class name=\"B\" filename=\"b.c\"><methods>\n"
            "<method name=\"m\"><lines><line number=\"3\" hits=\"0\"/>"
            "</lines></method>\n"
            "<method name=\"n\"><lines><line number=\"4\" hits=\"7\"/>"
            "</lines></method>\n"
            "<method name=\"empty\"/></methods><lines>"
            "<line number=\"3\" hits=\"0\"/><line number=\"4\" hits=\"7\"/>"
            "</lines></class>\n"
            "<class name=\"A$1\" filename=\"a.c\"><lines>\n"
            "<line number=\"9\" hits=\"3\" branch=\"false\"/></lines>"
            "</class>\n"
            "</classes></package>\n"
            "<package name=\"q\"><classes><class name=\"A$2\" "
            "filename=\"a.c\"><lines><line number=\"12\" hits=\"0\"/>"
            "</lines></class></classes></package>\n"
            "</packages></coverage>\n",
            cob_head);
    const char *path = ft_tmp_close(state, f);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(path, "cobertura", s, &err), SL_OK);
    assert_int_equal(s->n, 3);
    assert_rec(s, 0, "a.c", (figs_t){3, 2, 4, 1, 0, 0});
    assert_rec(s, 1, "b.c", (figs_t){2, 1, 0, 0, 3, 1});
    assert_rec(s, 2, "a.c", (figs_t){1, 0, 0, 0, 0, 0});
    assert_figs(&s->total, &(figs_t){6, 3, 4, 1, 3, 1}, "total");
    free(s);
}

static void
test_cobertura_table_cap(void **state)
{
    /* 1100 files in one package, then the first again: the table holds
     * 1024, is emitted when the 1025th comes, and f0.c then starts anew. */
    FILE *f = ft_tmp_open(state);
    fprintf(f,
            "%s<coverage line-rate=\"1\" lines-valid=\"5000\" "
            "lines-covered=\"4000\"><packages><package name=\"p\">",
            cob_head);
    for (int i = 0; i <= 1100; i++) {
        fprintf(f,
                "<class filename=\"dir/f%d.c\"><lines><line number=\"1\" "
                "hits=\"%d\"/></lines></class>\n",
                i % 1100, i == 1100 ? 0 : 1);
    }
    fputs("</package></packages></coverage>\n", f);
    const char *path = ft_tmp_close(state, f);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(path, "cobertura", s, &err), SL_OK);
    assert_int_equal(s->n, 1024 + 76 + 1);
    assert_rec(s, 0, "dir/f0.c", (figs_t){1, 1, 0, 0, 0, 0});
    assert_rec(s, 1, "dir/f1.c", (figs_t){1, 1, 0, 0, 0, 0});
    /* The root's figures win over the sums (1101/1100). */
    assert_figs(&s->total, &(figs_t){5000, 4000, 0, 0, 0, 0}, "total");
    free(s);
}

static void
test_cobertura_sink_stops(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    s->stop_at = 2;
    sl_err_t err = {0};
    assert_int_equal(parse_as(COB "gcovr.xml", "cobertura", s, &err), SL_EFULL);
    assert_int_equal(s->n, 1);
    assert_int_equal(s->totals, 0);
    /* At the end of the second package (its </package>). */
    assert_string_equal(strstr(err.msg, "gcovr.xml:"),
                        "gcovr.xml:82:5: store is full");
    free(s);
}

/* ---- JaCoCo (figures: jacoco/expected.txt) ---------------------------------
 */

static void
assert_jacoco_run(const seen_t *s)
{
    assert_int_equal(s->n, 3);
    /* "FILE com/example/app/Main.java LINE 0 5 BRANCH 1 1 METHOD 0 1" */
    assert_rec(s, 0, "com/example/app/Main.java", (figs_t){5, 5, 2, 1, 1, 1});
    /* "... Cart.java LINE 4 17 BRANCH 4 4 METHOD 1 5" */
    assert_rec(s, 1, "com/example/shop/Cart.java",
               (figs_t){21, 17, 8, 4, 6, 5});
    /* "... Price.java LINE 1 8 BRANCH 4 4 METHOD 1 1" */
    assert_rec(s, 2, "com/example/shop/Price.java", (figs_t){9, 8, 8, 4, 2, 1});
    /* "TOTAL LINE 5 30 BRANCH 9 9 METHOD 2 7" */
    assert_figs(&s->total, &(figs_t){35, 30, 18, 9, 9, 7}, "total");
}

static void
test_jacoco_report(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(JAC "jacoco.xml", "jacoco", s, &err), SL_OK);
    assert_jacoco_run(s);
    free(s);
}

static void
test_jacoco_groups(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(JAC "jacoco-groups.xml", "jacoco", s, &err),
                     SL_OK);
    assert_jacoco_run(s); /* groups change nothing */
    free(s);
}

static const char jac_head[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" "
    "\"report.dtd\">\n";

static void
test_jacoco_default_package_sums(void **state)
{
    /* The default package: no "/". No report counters: the sums. Counter
     * types not used (INSTRUCTION, CLASS) and an absent BRANCH. */
    FILE *f = ft_tmp_open(state);
    fprintf(f,
            "%s<report name=\"r\">\n"
            "<package name=\"\"><sourcefile name=\"Hello.java\">"
            "<line nr=\"3\" mi=\"0\" ci=\"4\"/>"
            "<counter type=\"INSTRUCTION\" missed=\"1\" covered=\"4\"/>"
            "<counter type=\"LINE\" missed=\"1\" covered=\"2\"/>"
            "<counter type=\"METHOD\" missed=\"0\" covered=\"1\"/>"
            "<counter type=\"CLASS\" missed=\"0\" covered=\"1\"/>"
            "</sourcefile></package>\n"
            "<package name=\"a/b\"><sourcefile name=\"C.java\">"
            "<counter type=\"LINE\" missed=\"3\" covered=\"0\"/>"
            "<counter type=\"BRANCH\" missed=\"2\" covered=\"2\"/>"
            "</sourcefile></package>\n"
            "<counter type=\"BRANCH\" missed=\"1\" covered=\"2\"/>"
            "</report>\n",
            jac_head);
    const char *path = ft_tmp_close(state, f);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(path, "jacoco", s, &err), SL_OK);
    assert_int_equal(s->n, 2);
    assert_rec(s, 0, "Hello.java", (figs_t){3, 2, 0, 0, 1, 1});
    assert_rec(s, 1, "a/b/C.java", (figs_t){3, 0, 4, 2, 0, 0});
    /* LINE and METHOD: sums; BRANCH: the report's own 1+2. */
    assert_figs(&s->total, &(figs_t){6, 2, 3, 2, 1, 1}, "total");
    free(s);
}

/* ---- detection ----------------------------------------------------------- */

static void
test_coverage_detect(void **state)
{
    (void)state;
    ft_assert_sniffed_file(COB "gcovr.xml", "cobertura");
    ft_assert_sniffed_file(COB "coveragepy.xml", "cobertura");
    ft_assert_sniffed_file(COB "cobertura.xml", "cobertura");
    ft_assert_sniffed_file(COB "covered-gt-valid.xml", "cobertura");
    ft_assert_sniffed_file(JAC "jacoco.xml", "jacoco");
    ft_assert_sniffed_file(JAC "jacoco-groups.xml", "jacoco");
    ft_assert_sniffed_file(JAC "bad-counter.xml", "jacoco");
    ft_assert_sniffed_file(JUNIT "pytest.xml", "junit");
    ft_assert_sniffed_file(JUNIT "ctest.xml", "junit");
    assert_ptr_equal(sl_format_find("cobertura"), &sl_format_table()[1]);
    assert_ptr_equal(sl_format_find("jacoco"), &sl_format_table()[2]);
    /* Clover writes <coverage> too, without line-rate; other <report>s
     * are not JaCoCo without its DTD or a <sessioninfo>. */
    static const char clover[] =
        "<?xml version=\"1.0\"?>\n<coverage generated=\"1\" "
        "clover=\"4.4.1\"><project/></coverage>";
    static const char report[] = "<report name=\"x\"><package/></report>";
    static const char session[] = "<report name=\"x\">\n  <sessioninfo "
                                  "id=\"h\" start=\"1\" dump=\"2\"/>";
    assert_null(sl_format_detect(clover, sizeof clover - 1));
    assert_null(sl_format_detect(report, sizeof report - 1));
    assert_ptr_equal(sl_format_detect(session, sizeof session - 1),
                     sl_format_find("jacoco"));
}

/* ---- hostile and broken input ------------------------------------------- */

/* Parses path (detected unless forced) and expects rc and exactly
 * "<path><rest>", and no total. */
static void
expect_error(const char *path, const char *forced, int rc, const char *rest)
{
    seen_t *s = seen_new();
    sl_sink_t sink = {.ctx = s, .emit = record};
    ft_expect_error(path, forced != NULL ? ft_format(forced) : NULL, &sink, rc,
                    rest);
    assert_int_equal(s->totals, 0);
    free(s);
}

static void
test_cobertura_hostile_files(void **state)
{
    (void)state;
    expect_error(COB "entity.xml", "cobertura", SL_EINPUT,
                 ":3:16: entity declarations are refused (entity \"lol\")");
    expect_error(COB "external-entity.xml", "cobertura", SL_EINPUT,
                 ":3:43: entity declarations are refused (entity \"xxe\")");
    expect_error(COB "truncated.xml", NULL, SL_EINPUT,
                 ":27:15: unclosed token");
    expect_error(COB "covered-gt-valid.xml", NULL, SL_EINPUT,
                 ":3:1: lines-covered=\"30\" is more than lines-valid=\"29\"");
    expect_error(COB "bad-condition.xml", NULL, SL_EINPUT,
                 ":11:13: condition-coverage \"150% (3/2)\" covers more "
                 "branches than there are");
    expect_error(COB "bad-hits.xml", NULL, SL_EINPUT,
                 ":10:13: bad hits \"-1\" (want 0 to 18446744073709551615)");
}

static void
test_jacoco_hostile_files(void **state)
{
    (void)state;
    expect_error(JAC "entity.xml", "jacoco", SL_EINPUT,
                 ":3:14: entity declarations are refused (entity \"a\")");
    expect_error(JAC "external-entity.xml", NULL, SL_EINPUT,
                 ":3:43: entity declarations are refused (entity \"xxe\")");
    expect_error(JAC "truncated.xml", NULL, SL_EINPUT,
                 ":1:1977: unclosed token");
    expect_error(JAC "bad-counter.xml", NULL, SL_EINPUT,
                 ":7:7: bad missed \"-1\" (want 0 to 18446744073709551615)");
    expect_error(JAC "overflow.xml", NULL, SL_EINPUT,
                 ":6:7: BRANCH counter overflows 64 bits");
}

static void
test_coverage_wrong_format(void **state)
{
    (void)state;
    expect_error(JUNIT "pytest.xml", "cobertura", SL_EINPUT,
                 ":1:39: not a Cobertura report (root element testsuites)");
    expect_error(JUNIT "pytest.xml", "jacoco", SL_EINPUT,
                 ":1:39: not a JaCoCo report (root element testsuites)");
    expect_error(JAC "jacoco.xml", "cobertura", SL_EINPUT,
                 ":1:125: not a Cobertura report (root element report)");
    expect_error(COB "gcovr.xml", "jacoco", SL_EINPUT,
                 ":3:1: not a JaCoCo report (root element coverage)");
    expect_error(COB "gcovr.xml", "junit", SL_EINPUT,
                 ":3:1: not a JUnit report (root element coverage)");
}

/* One Cobertura document with body inside a package's <classes>. */
static const char *
cob_doc(void **state, const char *root_attrs, const char *body)
{
    FILE *f = ft_tmp_open(state);
    fprintf(f,
            "%s<coverage line-rate=\"1\"%s>\n<packages><package name=\"p\">"
            "<classes>\n%s\n</classes></package></packages></coverage>\n",
            cob_head, root_attrs, body);
    return ft_tmp_close(state, f);
}

static void
test_cobertura_refused(void **state)
{
    static const struct {
        const char *root;
        const char *body;
        int rc;
        const char *rest;
    } bad[] = {
        {"", "<class filename=\"a\"><lines><line number=\"1\" hits=\"1.5\"/>",
         SL_EINPUT, ":5:28: bad hits \"1.5\" (want 0 to 18446744073709551615)"},
        {"",
         "<class filename=\"a\"><lines><line number=\"1\" "
         "hits=\"18446744073709551616\"/>",
         SL_EINPUT,
         ":5:28: bad hits \"18446744073709551616\" (want 0 to "
         "18446744073709551615)"},
        {"", "<class filename=\"a\"><lines><line number=\"x\" hits=\"1\"/>",
         SL_EINPUT, ":5:28: bad number \"x\" (want 0 to 4294967295)"},
        {"", "<class filename=\"a\"><lines><line number=\"1\"/>", SL_EINPUT,
         ":5:28: <line> without hits"},
        {"", "<class filename=\"a\"><lines><line hits=\"1\"/>", SL_EINPUT,
         ":5:28: <line> without number"},
        {"",
         "<class filename=\"a\"><lines><line number=\"1\" hits=\"1\" "
         "branch=\"yes\"/>",
         SL_EINPUT, ":5:28: bad branch \"yes\" (want true or false)"},
        {"",
         "<class filename=\"a\"><lines><line number=\"1\" hits=\"1\" "
         "branch=\"true\"/>",
         SL_EINPUT, ":5:28: branch line without condition-coverage"},
        {"",
         "<class filename=\"a\"><lines><line number=\"1\" hits=\"1\" "
         "branch=\"true\" condition-coverage=\"50%\"/>",
         SL_EINPUT,
         ":5:28: bad condition-coverage \"50%\" (want like \"50% (1/2)\")"},
        {"",
         "<class filename=\"a\"><lines><line number=\"1\" hits=\"1\" "
         "branch=\"true\" condition-coverage=\"50% (-1/2)\"/>",
         SL_EINPUT,
         ":5:28: bad condition-coverage \"50% (-1/2)\" (want like "
         "\"50% (1/2)\")"},
        {"", "<class name=\"no file\">", SL_EINPUT,
         ":5:1: <class> without a filename"},
        {"", "<class filename=\"\">", SL_EINPUT,
         ":5:1: <class> without a filename"},
        {"", "<class filename=\"a\"><class filename=\"b\"/></class>", SL_EINPUT,
         ":5:21: <class> inside a <class>"},
        {" lines-valid=\"3\"", "", SL_EINPUT,
         ":3:1: lines-valid without lines-covered"},
        {" branches-covered=\"3\"", "", SL_EINPUT,
         ":3:1: branches-covered without branches-valid"},
        {" lines-valid=\"-3\" lines-covered=\"1\"", "", SL_EINPUT,
         ":3:1: bad lines-valid \"-3\" (want 0 to 18446744073709551615)"},
        {" lines-valid=\"NaN\" lines-covered=\"1\"", "", SL_EINPUT,
         ":3:1: bad lines-valid \"NaN\" (want 0 to 18446744073709551615)"},
        {" functions-valid=\"1\" functions-covered=\"2\"", "", SL_EINPUT,
         ":3:1: functions-covered=\"2\" is more than functions-valid=\"1\""},
        /* two lines whose branch counts overflow the sum */
        {"",
         "<class filename=\"a\"><lines><line number=\"1\" hits=\"1\" "
         "branch=\"true\" condition-coverage=\"0% "
         "(0/18446744073709551615)\"/>\n<line number=\"2\" hits=\"1\" "
         "branch=\"true\" condition-coverage=\"0% (0/1)\"/>",
         SL_EINPUT, ":6:1: branch count overflows 64 bits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[1024];
        /* Close what the case opened so that only its refusal fails it. */
        int n =
            snprintf(body, sizeof body, "%s%s", bad[i].body,
                     strstr(bad[i].body, "<lines>") != NULL ? "</lines></class>"
                     : strcmp(bad[i].body, "") == 0 ||
                             strstr(bad[i].body, "</class>") != NULL
                         ? ""
                         : "</class>");
        assert_true(n >= 0 && (size_t)n < sizeof body);
        expect_error(cob_doc(state, bad[i].root, body), NULL, bad[i].rc,
                     bad[i].rest);
    }
    /* Clover's <coverage> forced as Cobertura */
    const char *path = ft_tmp_doc(state, "<coverage clover=\"4.4.1\" generated="
                                         "\"1\"><project/></coverage>");
    expect_error(path, "cobertura", SL_EINPUT,
                 ":1:1: not a Cobertura report (<coverage> without "
                 "line-rate)");
}

/* One JaCoCo document with body inside its <report>. */
static const char *
jac_doc(void **state, const char *body)
{
    FILE *f = ft_tmp_open(state);
    fprintf(f, "%s<report name=\"r\">\n%s\n</report>\n", jac_head, body);
    return ft_tmp_close(state, f);
}

static void
test_jacoco_refused(void **state)
{
    static const struct {
        const char *body;
        int rc;
        const char *rest;
    } bad[] = {
        {"<counter type=\"LINE\" missed=\"1\"/>", SL_EINPUT,
         ":3:1: <counter> without covered"},
        {"<counter missed=\"1\" covered=\"1\"/>", SL_EINPUT,
         ":3:1: <counter> without type"},
        {"<counter type=\"LINE\" covered=\"1\"/>", SL_EINPUT,
         ":3:1: <counter> without missed"},
        {"<counter type=\"LINE\" missed=\"1\" covered=\"1e3\"/>", SL_EINPUT,
         ":3:1: bad covered \"1e3\" (want 0 to 18446744073709551615)"},
        {"<counter type=\"LINE\" missed=\" 1\" covered=\"1\"/>", SL_EINPUT,
         ":3:1: bad missed \" 1\" (want 0 to 18446744073709551615)"},
        {"<counter type=\"LINE\" missed=\"1\" covered=\"1\"/>"
         "<counter type=\"LINE\" missed=\"1\" covered=\"1\"/>",
         SL_EINPUT, ":3:46: a second LINE counter"},
        {"<sourcefile name=\"A.java\"/>", SL_EINPUT,
         ":3:1: <sourcefile> outside a <package>"},
        {"<package name=\"p\"><sourcefile name=\"\"/></package>", SL_EINPUT,
         ":3:19: <sourcefile> without a name"},
        {"<package name=\"p\"><sourcefile name=\"A\"><sourcefile name=\"B\"/>"
         "</sourcefile></package>",
         SL_EINPUT, ":3:40: <sourcefile> inside a <sourcefile>"},
        {"<package><sourcefile name=\"A\"/></package>", SL_EINPUT,
         ":3:1: <package> without a name"},
        {"<package name=\"p\"><package name=\"q\"/></package>", SL_EINPUT,
         ":3:19: <package> inside a <package>"},
        {"<package name=\"p\"><sourcefile name=\"A\"><line mi=\"1\"/>"
         "</sourcefile></package>",
         SL_EINPUT, ":3:40: <line> without nr"},
        {"<package name=\"p\"><sourcefile name=\"A\"><line nr=\"1\" "
         "cb=\"-2\"/></sourcefile></package>",
         SL_EINPUT, ":3:40: bad cb \"-2\" (want 0 to 4294967295)"},
        /* two files whose LINE counters overflow the sum */
        {"<package name=\"p\"><sourcefile name=\"A\"><counter type=\"LINE\" "
         "missed=\"18446744073709551615\" covered=\"0\"/></sourcefile>\n"
         "<sourcefile name=\"B\"><counter type=\"LINE\" missed=\"1\" "
         "covered=\"0\"/></sourcefile></package>",
         SL_EINPUT, ":4:67: LINE sum overflows 64 bits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_error(jac_doc(state, bad[i].body), NULL, bad[i].rc, bad[i].rest);
    }
}

static void
test_coverage_deep(void **state)
{
    /* 100k nested elements inside a class and a sourcefile: refused at the
     * wrapper's depth cap, never recursed. */
    static const struct {
        const char *head;
        const char *name;
    } docs[] = {
        {"<coverage line-rate=\"1\"><packages><package name=\"p\"><classes>"
         "<class filename=\"a\">",
         "cobertura"},
        {"<report name=\"r\"><package name=\"p\"><sourcefile name=\"A\">",
         "jacoco"},
    };
    for (size_t d = 0; d < 2; d++) {
        FILE *f = ft_tmp_open(state);
        fputs(docs[d].head, f);
        for (int i = 0; i < 100000; i++) {
            assert_true(fputs("<x>", f) >= 0);
        }
        const char *path = ft_tmp_close(state, f);
        int opened = d == 0 ? 5 : 3;
        char rest[64];
        (void)snprintf(rest, sizeof rest,
                       ":1:%zu: elements nested deeper than 256",
                       strlen(docs[d].head) + (size_t)(256 - opened) * 3 + 1);
        expect_error(path, docs[d].name, SL_ETOOBIG, rest);
    }
}

static void
test_coverage_path_cap(void **state)
{
    char *name = malloc(4098);
    assert_non_null(name);
    memset(name, 'a', 4097);
    name[4097] = '\0';
    char *body = malloc(4200);
    assert_non_null(body);
    (void)snprintf(body, 4200, "<class filename=\"%s\"/>", name);
    expect_error(cob_doc(state, "", body), NULL, SL_ETOOBIG,
                 ":5:1: filename longer than 4096 bytes");
    /* 4096 bytes is fine */
    (void)snprintf(body, 4200, "<class filename=\"%s\"/>", name + 1);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_as(cob_doc(state, "", body), "cobertura", s, &err),
                     SL_OK);
    assert_int_equal(strlen(s->rec[0].path), 4096);
    /* JaCoCo: package "/" name over 4096 */
    name[4000] = '\0';
    (void)snprintf(body, 4200,
                   "<package name=\"%s\"><sourcefile name=\"%s\"/></package>",
                   name, name + 3900);
    expect_error(jac_doc(state, body), NULL, SL_ETOOBIG,
                 ":3:4018: path longer than 4096 bytes");
    free(s);
    free(body);
    free(name);
}

static void
test_coverage_empty_utf8(void **state)
{
    expect_error(ft_tmp_doc(state, ""), "cobertura", SL_EINPUT, ": empty file");
    FILE *f = ft_tmp_open(state);
    fprintf(f, "%s<report name=\"\xff\xfe\"/>", jac_head);
    const char *path = ft_tmp_close(state, f);
    expect_error(path, NULL, SL_EINPUT,
                 ":2:15: not well-formed (invalid token)");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cobertura_gcovr),
        cmocka_unit_test(test_cobertura_coveragepy),
        cmocka_unit_test(test_cobertura_java),
        cmocka_unit_test(test_cobertura_classes_merge),
        cmocka_unit_test(test_cobertura_table_cap),
        cmocka_unit_test(test_cobertura_sink_stops),
        cmocka_unit_test(test_jacoco_report),
        cmocka_unit_test(test_jacoco_groups),
        cmocka_unit_test(test_jacoco_default_package_sums),
        cmocka_unit_test(test_coverage_detect),
        cmocka_unit_test(test_cobertura_hostile_files),
        cmocka_unit_test(test_jacoco_hostile_files),
        cmocka_unit_test(test_coverage_wrong_format),
        cmocka_unit_test(test_cobertura_refused),
        cmocka_unit_test(test_jacoco_refused),
        cmocka_unit_test(test_coverage_deep),
        cmocka_unit_test(test_coverage_path_cap),
        cmocka_unit_test(test_coverage_empty_utf8),
    };
    return cmocka_run_group_tests(tests, group_setup, ft_tmp_teardown);
}
