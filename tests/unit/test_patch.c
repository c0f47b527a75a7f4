/* Line-level coverage and patch coverage: the line callback of the four
 * coverage parsers (cobertura.c, jacoco.c, lcov.c, gocover.c) on the
 * fixtures written by the real tools (the expected lines are read off the
 * fixtures, quoted beside each assertion), and the patch computation of
 * lib/patch.c with its path matching (sluice/patch.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt_test.h"
#include "sluice/diff.h"
#include "sluice/patch.h"

#define FIX(dir, name) SL_SOURCE_DIR "/tests/fixtures/" dir "/" name

/* ---- a sink recording line reports --------------------------------------- */

#define LINES_MAX 64

typedef struct line_rec {
    char path[128];
    uint64_t first, last, hits;
} line_rec_t;

typedef struct lines {
    size_t n;   /* calls */
    size_t hit; /* calls with hits > 0 */
    size_t records;
    int fail_at; /* the callback answers SL_ENOMEM at this call (1..) */
    line_rec_t rec[LINES_MAX];
} lines_t;

static int
on_line(void *ctx, const char *path, uint64_t first, uint64_t last,
        uint64_t hits)
{
    lines_t *l = ctx;
    if (l->fail_at != 0 && (size_t)l->fail_at == l->n + 1) {
        return SL_ENOMEM;
    }
    if (l->n < LINES_MAX) {
        line_rec_t *r = &l->rec[l->n];
        assert_true(strlen(path) < sizeof r->path);
        strcpy(r->path, path);
        r->first = first;
        r->last = last;
        r->hits = hits;
    }
    l->n++;
    l->hit += hits > 0;
    return SL_OK;
}

static int
on_record(void *ctx, const sl_pb_event_t *ev)
{
    (void)ev;
    ((lines_t *)ctx)->records++;
    return SL_OK;
}

/* Parses path (format want, detected) into a recording sink. */
static lines_t *
lines_of(const char *path, const char *want)
{
    lines_t *l = ft_zalloc(sizeof *l);
    sl_sink_t sink = {
        .ctx = l, .emit = on_record, .line_ctx = l, .line = on_line};
    sl_err_t err = {0};
    if (ft_parse(path, NULL, want, &sink, &err) != SL_OK) {
        fail_msg("%s: %s", path, err.msg);
    }
    return l;
}

/* Asserts the call i reported path, first..last, hits. */
static void
assert_line(const lines_t *l, size_t i, const char *path, uint64_t first,
            uint64_t last, uint64_t hits)
{
    assert_true(i < l->n && i < LINES_MAX);
    const line_rec_t *r = &l->rec[i];
    assert_string_equal(r->path, path);
    assert_int_equal(r->first, first);
    assert_int_equal(r->last, last);
    assert_int_equal(r->hits, hits);
}

/* The index of the first call that reported path and line first. */
static size_t
find_line(const lines_t *l, const char *path, uint64_t first)
{
    for (size_t i = 0; i < l->n && i < LINES_MAX; i++) {
        if (strcmp(l->rec[i].path, path) == 0 && l->rec[i].first == first) {
            return i;
        }
    }
    fail_msg("no line %s:%llu reported", path, (unsigned long long)first);
    return 0;
}

/* ---- the line callback of each format ------------------------------------ */

/* gcovr.xml: <source>.</source>; main.c 13 lines (12 run), lib/calc.c 16
 * (7 run): one call per class/lines/line, the filename joined to ".". */
static void
test_lines_cobertura_gcovr(void **state)
{
    (void)state;
    lines_t *l = lines_of(FIX("cobertura", "gcovr.xml"), "cobertura");
    assert_int_equal(l->n, 29);   /* lines-valid="29" */
    assert_int_equal(l->hit, 19); /* lines-covered="19" */
    /* <line number="7" hits="1" branch="false"/>, the first of main.c */
    assert_line(l, 0, "./main.c", 7, 7, 1);
    /* <line number="10" hits="5" branch="true" ...> */
    assert_line(l, 2, "./main.c", 10, 10, 5);
    /* <line number="24" hits="0" branch="false"/> */
    assert_line(l, 10, "./main.c", 24, 24, 0);
    /* lib/calc.c: <line number="5" hits="1"/> first, <line number="34"
     * hits="0"/> last */
    assert_line(l, 13, "./lib/calc.c", 5, 5, 1);
    assert_line(l, 28, "./lib/calc.c", 34, 34, 0);
    free(l);
}

/* Cobertura 2 (Java): <source>src/java</source>; Cart.java's lines come
 * from three classes; lines under <method> repeat them and are not
 * reported again. coverage.py: <source>src/py</source>. */
static void
test_lines_cobertura_java_py(void **state)
{
    (void)state;
    lines_t *l = lines_of(FIX("cobertura", "cobertura.xml"), "cobertura");
    assert_int_equal(l->n, 41); /* lines-valid="41" */
    assert_int_equal(l->hit, 30);
    /* class com.example.shop.Cart: <line number="27" hits="1" ...>,
     * <line number="37" hits="0" ...> */
    const char *cart = "src/java/com/example/shop/Cart.java";
    assert_line(l, find_line(l, cart, 27), cart, 27, 27, 1);
    assert_line(l, find_line(l, cart, 37), cart, 37, 37, 0);
    assert_line(l, find_line(l, cart, 22), cart, 22, 22, 2);
    free(l);
    l = lines_of(FIX("cobertura", "coveragepy.xml"), "cobertura");
    assert_int_equal(l->n, 30); /* coverage.py: 30 statements, 24 run */
    assert_int_equal(l->hit, 24);
    /* shop/cart.py: <line number="3" hits="1"/> first */
    assert_line(l, 0, "src/py/shop/cart.py", 3, 3, 1);
    free(l);
}

/* jacoco.xml: <line nr mi ci>, hits = ci; package path + sourcefile. */
static void
test_lines_jacoco(void **state)
{
    (void)state;
    lines_t *l = lines_of(FIX("jacoco", "jacoco.xml"), "jacoco");
    assert_int_equal(l->n, 35); /* LINE missed 5 + covered 30 */
    assert_int_equal(l->hit, 30);
    /* <line nr="11" mi="0" ci="4" mb="0" cb="0"/>, Main.java's first */
    assert_line(l, 0, "com/example/app/Main.java", 11, 11, 4);
    /* <line nr="14" mi="2" ci="8" mb="1" cb="1"/> */
    assert_line(l, 3, "com/example/app/Main.java", 14, 14, 8);
    const char *cart = "com/example/shop/Cart.java";
    /* <line nr="27" mi="0" ci="11" .../>, <line nr="37" mi="4" ci="0" .../> */
    assert_line(l, find_line(l, cart, 27), cart, 27, 27, 11);
    assert_line(l, find_line(l, cart, 37), cart, 37, 37, 0);
    /* Price.java: <line nr="22" mi="12" ci="0" mb="4" cb="0"/>, last */
    assert_line(l, 34, "com/example/shop/Price.java", 22, 22, 0);
    free(l);
}

/* geninfo.info: one call per DA line (38), clamp.h in two records. */
static void
test_lines_lcov(void **state)
{
    (void)state;
    lines_t *l = lines_of(FIX("lcov", "geninfo.info"), "lcov");
    assert_int_equal(l->n, 38); /* grep -c '^DA:' */
    /* SF:/src/stats/clamp.h, DA:7,3 first; DA:10,0 */
    assert_line(l, 0, "/src/stats/clamp.h", 7, 7, 3);
    assert_line(l, 2, "/src/stats/clamp.h", 10, 10, 0);
    /* SF:/src/stats/main.c, DA:12,4 */
    assert_line(l, find_line(l, "/src/stats/main.c", 12), "/src/stats/main.c",
                12, 12, 4);
    /* the second clamp.h record (line 71): DA:7,3 again */
    size_t again = 0;
    for (size_t i = 0; i < l->n && i < LINES_MAX; i++) {
        again += strcmp(l->rec[i].path, "/src/stats/clamp.h") == 0 &&
                 l->rec[i].first == 7;
    }
    assert_int_equal(again, 2);
    free(l);
}

/* set.out: one call per block, its start to end line, its count. */
static void
test_lines_gocover(void **state)
{
    (void)state;
    lines_t *l = lines_of(FIX("gocover", "set.out"), "gocover");
    assert_int_equal(l->n, 18);
    const char *geom = "example.com/shapes/geom/geom.go";
    /* geom.go:5.21,6.11 1 1 */
    assert_line(l, 0, geom, 5, 6, 1);
    /* geom.go:17.12,19.3 1 0 */
    assert_line(l, 7, geom, 17, 19, 0);
    /* report.go:22.26,24.3 1 0, the last */
    assert_line(l, 17, "example.com/shapes/report/report.go", 22, 24, 0);
    free(l);
}

/* The records are those of a sink without a line callback; a callback
 * that fails stops the parse with a message naming where. */
static void
test_lines_records_and_failure(void **state)
{
    (void)state;
    /* where: the second line reported (gcovr.xml line 14: <line
     * number="9"...> after 12 spaces; jacoco.xml's one line, column 994:
     * <line nr="12"...>; geninfo.info line 6: DA:9,3; set.out line 3:
     * the second block). */
    static const struct {
        const char *path, *format;
        size_t records;
        const char *where; /* the message after the path */
    } cases[] = {
        {FIX("cobertura", "gcovr.xml"), "cobertura", 3,
         ":14:13: line coverage: out of memory or over budget"},
        {FIX("jacoco", "jacoco.xml"), "jacoco", 4,
         ":1:994: line coverage: out of memory or over budget"},
        {FIX("lcov", "geninfo.info"), "lcov", 4,
         ":6:1: line coverage: out of memory or over budget"},
        {FIX("gocover", "set.out"), "gocover", 3,
         ":3:1: line coverage: out of memory or over budget"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lines_t *l = lines_of(cases[i].path, cases[i].format);
        assert_int_equal(l->records, cases[i].records);
        free(l);
        lines_t fl = {.fail_at = 2};
        sl_sink_t sink = {
            .ctx = &fl, .emit = on_record, .line_ctx = &fl, .line = on_line};
        ft_expect_error(cases[i].path, NULL, &sink, SL_ENOMEM, cases[i].where);
    }
}

/* ---- patch coverage ------------------------------------------------------ */

/* A patch over the diff doc (written to a temp file and parsed). */
typedef struct pt {
    sl_diff_t *diff;
    sl_patch_t *patch;
} pt_t;

static void
pt_open(void **state, pt_t *t, const char *doc)
{
    const char *path = ft_tmp_write(state, "p.diff", doc, strlen(doc));
    sl_err_t err = {0};
    if (sl_diff_parse_file(path, &t->diff, &err) != SL_OK) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(sl_patch_new(&t->patch, t->diff), SL_OK);
}

static void
pt_close(pt_t *t)
{
    sl_patch_destroy(&t->patch);
    assert_null(t->patch);
    sl_patch_destroy(&t->patch);
    sl_diff_destroy(&t->diff);
}

/* Parses the report at path through the patch's sink: every record
 * still reaches the inner sink, as many as a parse without the patch
 * gives. */
static void
pt_feed_file(pt_t *t, const char *path)
{
    lines_t with = {0}, without = {0};
    sl_sink_t inner = {.ctx = &with, .emit = on_record};
    sl_sink_t sink;
    sl_patch_sink(t->patch, &inner, &sink);
    sl_err_t err = {0};
    if (sl_format_parse_file(path, NULL, &sink, NULL, &err) != SL_OK) {
        fail_msg("%s", err.msg);
    }
    sl_sink_t plain = {.ctx = &without, .emit = on_record};
    assert_int_equal(sl_format_parse_file(path, NULL, &plain, NULL, NULL),
                     SL_OK);
    assert_true(with.records > 0);
    assert_int_equal(with.records, without.records);
}

/* An lcov report doc, fed through the patch. */
static void
pt_feed(void **state, pt_t *t, const char *doc)
{
    pt_feed_file(t, ft_tmp_write(state, "r.info", doc, strlen(doc)));
}

static void
pt_expect(const pt_t *t, uint64_t added, uint64_t coverable, uint64_t covered,
          uint32_t files)
{
    Sluice__V1__PatchCoverage pc;
    sl_err_t err = {0};
    if (sl_patch_result(t->patch, &pc, &err) != SL_OK) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(pc.lines_added, added);
    assert_int_equal(pc.lines_coverable, coverable);
    assert_int_equal(pc.lines_covered, covered);
    assert_int_equal(pc.files, files);
}

/* patch.diff (README.md 2-4, src/c/lib/calc.c 27-35, src/c/main.c 11 and
 * 19-25) over gcovr.xml, whose paths are "./main.c" and "./lib/calc.c":
 * main.c: 11 (hits 4), 20 21 22 23 (hits 1), 24 (hits 0) are lines of
 * the report, 19 and 25 are not: 8 added, 6 coverable, 5 covered;
 * calc.c: 29 31 32 34 are lines, all with hits 0: 9, 4, 0; README.md:
 * 3 added. Total 20, 10, 5 over 3 files. */
static void
test_patch_gcovr(void **state)
{
    (void)state;
    pt_t t = {0};
    sl_err_t err = {0};
    assert_int_equal(
        sl_diff_parse_file(FIX("diff", "patch.diff"), &t.diff, &err), SL_OK);
    assert_int_equal(sl_patch_new(&t.patch, t.diff), SL_OK);
    pt_feed_file(&t, FIX("cobertura", "gcovr.xml"));
    assert_int_equal(sl_patch_reports(t.patch), 1);
    pt_expect(&t, 20, 10, 5, 3);
    /* The same report again changes nothing but the report count. */
    pt_feed_file(&t, FIX("cobertura", "gcovr.xml"));
    assert_int_equal(sl_patch_reports(t.patch), 2);
    pt_expect(&t, 20, 10, 5, 3);
    pt_close(&t);
}

/* Go blocks cover every line from start to end; a line in two blocks is
 * covered when either ran. set.out: geom.go 14.12,16.3 (1), 17.2,17.12
 * (1), 17.12,19.3 (0), 20.2,20.10 (1), 24.25,26.2 (0). Added 16-22:
 * 16 covered, 17 covered (17.2 ran), 18 19 not, 20 covered, 21 22 in no
 * block: 7 added, 5 coverable, 3 covered. */
static void
test_patch_gocover(void **state)
{
    pt_t t = {0};
    pt_open(state, &t,
            "--- a/src/geom/geom.go\n+++ b/src/geom/geom.go\n"
            "@@ -15,0 +16,7 @@\n+a\n+b\n+c\n+d\n+e\n+f\n+g\n");
    pt_feed_file(&t, FIX("gocover", "set.out"));
    pt_expect(&t, 7, 5, 3, 1);
    pt_close(&t);
}

/* jacoco.xml names Cart.java by package: com/example/shop/Cart.java. The
 * diff adds 26-28 (ci 2, 11, 5: covered) and 36-40 (37 mi 4 ci 0, 38
 * mi 10 ci 0, 40 mi 1 ci 0; 36 and 39 no line): 8 added, 6 coverable, 3
 * covered. */
static void
test_patch_jacoco(void **state)
{
    pt_t t = {0};
    pt_open(state, &t,
            "diff --git a/shop/src/main/java/com/example/shop/Cart.java "
            "b/shop/src/main/java/com/example/shop/Cart.java\n"
            "--- a/shop/src/main/java/com/example/shop/Cart.java\n"
            "+++ b/shop/src/main/java/com/example/shop/Cart.java\n"
            "@@ -25,0 +26,3 @@\n+a\n+b\n+c\n"
            "@@ -32,0 +36,5 @@\n+a\n+b\n+c\n+d\n+e\n");
    pt_feed_file(&t, FIX("jacoco", "jacoco.xml"));
    pt_expect(&t, 8, 6, 3, 1);
    pt_close(&t);
}

static const char two_foos[] =
    "--- a/src/foo.c\n+++ b/src/foo.c\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"
    "--- a/test/foo.c\n+++ b/test/foo.c\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"
    "--- a/docs/x.md\n+++ b/docs/x.md\n@@ -0,0 +1,2 @@\n+a\n+b\n";

/* A report's file feeds the diff files it shares the most trailing
 * components with: /ci/repo/src/foo.c is src/foo.c's, not test/foo.c's;
 * docs/x.md matches nothing. */
static void
test_patch_suffix(void **state)
{
    pt_t t = {0};
    pt_open(state, &t, two_foos);
    pt_feed(state, &t,
            "SF:/ci/repo/src/foo.c\nDA:1,1\nDA:2,0\nend_of_record\n");
    pt_expect(&t, 8, 2, 1, 3);
    /* A report of the other file, by its relative path: test/foo.c. */
    pt_feed(state, &t, "SF:test/foo.c\nDA:3,2\nend_of_record\n");
    pt_expect(&t, 8, 3, 2, 3);
    pt_close(&t);
    /* Only the file name in common: both diff files tie, and both take
     * it (no report says which one it is). */
    pt_open(state, &t, two_foos);
    pt_feed(state, &t, "SF:foo.c\nDA:1,1\nend_of_record\n");
    pt_expect(&t, 8, 2, 2, 3);
    pt_close(&t);
}

/* A diff file takes the report files of its best score: a worse match
 * seen before or after a better one is not counted. */
static void
test_patch_best_match(void **state)
{
    static const char *const reports[2] = {
        /* shares only "foo.c" */
        "SF:/elsewhere/foo.c\nDA:1,1\nDA:2,1\nDA:3,1\nend_of_record\n",
        /* shares "src/a/foo.c" */
        "SF:/ci/src/a/foo.c\nDA:1,0\nDA:2,1\nend_of_record\n",
    };
    for (int order = 0; order < 2; order++) {
        pt_t t = {0};
        pt_open(state, &t,
                "--- a/src/a/foo.c\n+++ b/src/a/foo.c\n"
                "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n");
        pt_feed(state, &t, reports[order]);
        pt_feed(state, &t, reports[1 - order]);
        pt_expect(&t, 3, 2, 1, 1);
        pt_close(&t);
    }
}

/* Equal scores add up: the file in two reports under two roots; a line
 * is covered when either ran it. */
static void
test_patch_ties(void **state)
{
    pt_t t = {0};
    pt_open(state, &t,
            "--- a/src/foo.c\n+++ b/src/foo.c\n"
            "@@ -0,0 +1,4 @@\n+a\n+b\n+c\n+d\n");
    pt_feed(state, &t, "SF:/a/src/foo.c\nDA:1,1\nDA:2,0\nend_of_record\n");
    pt_feed(state, &t, "SF:/b/src/foo.c\nDA:2,3\nDA:3,0\nend_of_record\n");
    pt_expect(&t, 4, 3, 2, 1);
    pt_close(&t);
}

/* "." and empty components are ignored, '\' separates in report paths,
 * a report line outside the added lines is ignored. */
static void
test_patch_path_forms(void **state)
{
    pt_t t = {0};
    pt_open(state, &t,
            "--- ./src/foo.c.orig\n+++ ./src/./foo.c\n"
            "@@ -1 +1,2 @@\n-x\n+a\n+b\n");
    pt_feed(state, &t,
            "SF:C:\\ci\\src\\foo.c\nDA:1,1\nDA:7,1\nend_of_record\n");
    pt_feed(state, &t, "SF:.//src/.//foo.c\nDA:2,0\nend_of_record\n");
    pt_expect(&t, 2, 2, 1, 1);
    pt_close(&t);
}

/* No coverage report among the files: patch coverage cannot be told. */
static void
test_patch_needs_coverage(void **state)
{
    pt_t t = {0};
    pt_open(state, &t, two_foos);
    pt_feed_file(&t, FIX("junit", "pytest.xml"));
    assert_int_equal(sl_patch_reports(t.patch), 0);
    Sluice__V1__PatchCoverage pc;
    sl_err_t err = {0};
    assert_int_equal(sl_patch_result(t.patch, &pc, &err), SL_EINVAL);
    assert_string_equal(err.msg,
                        "--diff: no coverage report among the files (patch "
                        "coverage needs one: cobertura, jacoco, lcov or "
                        "gocover)");
    pt_close(&t);
    /* An empty diff with a report: nothing added, nothing to cover. */
    pt_open(state, &t, "");
    pt_feed(state, &t, "SF:/a/foo.c\nDA:1,1\nend_of_record\n");
    pt_expect(&t, 0, 0, 0, 0);
    sl_pb_event_t ev;
    assert_int_equal(sl_patch_result(t.patch, &pc, NULL), SL_OK);
    sl_patch_event(&ev, &pc);
    assert_int_equal(ev.body_case, SLUICE__V1__EVENT__BODY_PATCH);
    assert_ptr_equal(ev.patch, &pc);
    pt_close(&t);
}

static int
group_setup(void **state)
{
    return ft_tmp_setup(state, "sl-patch", "r.info");
}

static int
group_teardown(void **state)
{
    return ft_tmp_teardown(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_cobertura_gcovr),
        cmocka_unit_test(test_lines_cobertura_java_py),
        cmocka_unit_test(test_lines_jacoco),
        cmocka_unit_test(test_lines_lcov),
        cmocka_unit_test(test_lines_gocover),
        cmocka_unit_test(test_lines_records_and_failure),
        cmocka_unit_test(test_patch_gcovr),
        cmocka_unit_test(test_patch_gocover),
        cmocka_unit_test(test_patch_jacoco),
        cmocka_unit_test(test_patch_suffix),
        cmocka_unit_test(test_patch_best_match),
        cmocka_unit_test(test_patch_ties),
        cmocka_unit_test(test_patch_path_forms),
        cmocka_unit_test(test_patch_needs_coverage),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
