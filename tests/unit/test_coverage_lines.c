/* The line-based coverage formats: lcov tracefiles and Go coverprofiles
 * (lib/formats/lcov.c, gocover.c and their line reader, lines.c), on
 * files written by real tools (tests/fixtures/lcov, tests/fixtures/gocover:
 * the expected figures are the tools' own, from their expected.txt) and on
 * hostile input. */
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

#define LCOV_DIR SL_SOURCE_DIR "/tests/fixtures/lcov/"
#define GO_DIR   SL_SOURCE_DIR "/tests/fixtures/gocover/"

/* ---- a sink that records coverage records ------------------------------- */

/* covered/valid pairs, as expected.txt lists them */
typedef struct figs {
    const char *path;
    uint64_t lines_covered, lines_valid;
    uint64_t functions_covered, functions_valid;
    uint64_t branches_covered, branches_valid;
} figs_t;

#define REC_MAX 16

typedef struct seen {
    size_t nfiles;
    size_t ntotals;
    size_t stop_after; /* the sink says SL_EFULL at this call; 0: never */
    size_t calls;
    int total_last;    /* no file record came after the total */
    char path[REC_MAX][4100];
    figs_t file[REC_MAX];
    figs_t total;
    uint64_t total_files;
} seen_t;

static void
copy_figs(figs_t *f, const Sluice__V1__Coverage *c)
{
    f->lines_covered = c->lines_covered;
    f->lines_valid = c->lines_valid;
    f->functions_covered = c->functions_covered;
    f->functions_valid = c->functions_valid;
    f->branches_covered = c->branches_covered;
    f->branches_valid = c->branches_valid;
}

static int
record(void *ctx, const sl_pb_event_t *ev)
{
    seen_t *s = ctx;
    s->calls++;
    if (s->stop_after != 0 && s->calls == s->stop_after) {
        return SL_EFULL;
    }
    if (ev->body_case == SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL) {
        s->ntotals++;
        s->total_last = 1;
        copy_figs(&s->total, ev->coverage_total);
        assert_string_equal(ev->coverage_total->path, "");
        s->total_files = ev->coverage_total->files;
        return SL_OK;
    }
    assert_int_equal(ev->body_case, SLUICE__V1__EVENT__BODY_COVERAGE_FILE);
    s->total_last = 0;
    const Sluice__V1__Coverage *c = ev->coverage_file;
    assert_true(c->lines_covered <= c->lines_valid);
    assert_true(c->branches_covered <= c->branches_valid);
    assert_true(c->functions_covered <= c->functions_valid);
    assert_int_equal(c->files, 0);
    if (s->nfiles < REC_MAX) {
        assert_true(strlen(c->path) < sizeof s->path[0]);
        strcpy(s->path[s->nfiles], c->path);
        copy_figs(&s->file[s->nfiles], c);
        s->file[s->nfiles].path = s->path[s->nfiles];
    }
    s->nfiles++;
    return SL_OK;
}

static seen_t *
seen_new(void)
{
    return ft_zalloc(sizeof(seen_t));
}

/* Parses path (detected) into s; on success the format used must be the
 * one named want. */
static int
parse_path(const char *path, const char *want, seen_t *s, sl_err_t *err)
{
    sl_sink_t sink = {.ctx = s, .emit = record};
    return ft_parse(path, NULL, want, &sink, err);
}

static void
assert_figs(const figs_t *got, const figs_t *want)
{
    if (want->path != NULL) {
        assert_string_equal(got->path, want->path);
    }
    assert_int_equal(got->lines_covered, want->lines_covered);
    assert_int_equal(got->lines_valid, want->lines_valid);
    assert_int_equal(got->functions_covered, want->functions_covered);
    assert_int_equal(got->functions_valid, want->functions_valid);
    assert_int_equal(got->branches_covered, want->branches_covered);
    assert_int_equal(got->branches_valid, want->branches_valid);
}

/* Parses path (detected as fmt), and checks every file record in order,
 * then the one total, last, with the sums and the number of files. */
static void
expect_report(const char *path, const char *fmt, const figs_t *files,
              size_t n, const figs_t *total)
{
    seen_t *s = seen_new();
    sl_err_t err = {0};
    int rc = parse_path(path, fmt, s, &err);
    if (rc != SL_OK) {
        fail_msg("%s: %s", path, err.msg);
    }
    assert_int_equal(s->nfiles, n);
    for (size_t i = 0; i < n; i++) {
        assert_figs(&s->file[i], &files[i]);
    }
    assert_int_equal(s->ntotals, 1);
    assert_true(s->total_last);
    assert_figs(&s->total, total);
    assert_int_equal(s->total_files, n);
    free(s);
}

/* ---- temporary files: a group directory, one file per test --------------- */

static int
group_setup(void **state)
{
    return ft_tmp_setup(state, "sl-covlines", "doc");
}

/* Reads a whole fixture into a malloc'd, NUL-terminated buffer. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    assert_true(*len > 0 && *len < (1 << 16) - 1);
    buf[*len] = '\0';
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* ---- lcov: files written by geninfo/lcov 1.16 and llvm-cov 14 ------------ */

/* The figures below are expected.txt's: `lcov --rc
 * lcov_branch_coverage=1 --summary` of each file, and of each source file
 * alone (lcov --extract). */
static void
test_lcov_geninfo(void **state)
{
    (void)state;
    /* clamp.h comes in two records, first and last (one per object file
     * that includes it, gcda files in the order geninfo found them):
     * merged into one, reported where first seen. */
    static const figs_t files[] = {
        {"/src/stats/clamp.h", 6, 6, 1, 1, 4, 4},
        {"/src/stats/main.c", 7, 9, 1, 1, 4, 6},
        {"/src/stats/stats.c", 11, 17, 2, 3, 6, 10},
    };
    static const figs_t total = {NULL, 24, 32, 4, 5, 14, 20};
    expect_report(LCOV_DIR "geninfo.info", "lcov", files, 3, &total);
}

/* merged.info's figures (lcov --summary and --extract, expected.txt), which
 * its CRLF and byte-order-mark variants must give too. */
static const figs_t merged_files[] = {
    {"/src/stats/clamp.h", 6, 6, 1, 1, 4, 4},
    {"/src/stats/main.c", 9, 9, 1, 1, 5, 6},
    {"/src/stats/stats.c", 11, 17, 2, 3, 6, 10},
};
static const figs_t merged_total = {NULL, 26, 32, 4, 5, 15, 20};

static void
test_lcov_merged(void **state)
{
    (void)state;
    /* lcov -a: each file once per test name, with LF/LH & co. */
    expect_report(LCOV_DIR "merged.info", "lcov", merged_files, 3,
                  &merged_total);
}

static void
test_lcov_initial(void **state)
{
    (void)state;
    /* lcov -c -i: every count 0, every branch "-". */
    static const figs_t files[] = {
        {"/src/stats/clamp.h", 0, 6, 0, 1, 0, 4},
        {"/src/stats/main.c", 0, 9, 0, 1, 0, 6},
        {"/src/stats/stats.c", 0, 17, 0, 3, 0, 10},
    };
    static const figs_t total = {NULL, 0, 32, 0, 5, 0, 20};
    expect_report(LCOV_DIR "initial.info", "lcov", files, 3, &total);
}

static void
test_lcov_llvm(void **state)
{
    (void)state;
    /* llvm-cov writes FNF:1 and BRF:4 for clamp.h where lcov counts two
     * functions (main.c:clamp, stats.c:clamp) and 8 branches: lcov's
     * figures are the ones kept. */
    static const figs_t files[] = {
        {"/src/stats/clamp.h", 9, 9, 2, 2, 6, 8},
        {"/src/stats/main.c", 10, 13, 1, 1, 4, 6},
        {"/src/stats/stats.c", 16, 25, 2, 3, 6, 10},
    };
    static const figs_t total = {NULL, 35, 47, 5, 6, 16, 24};
    expect_report(LCOV_DIR "llvm.info", "lcov", files, 3, &total);
}

/* CRLF line ends: the same figures. */
static void
test_lcov_crlf(void **state)
{
    size_t len;
    char *lf = slurp(LCOV_DIR "merged.info", &len);
    char *crlf = malloc(2 * len);
    assert_non_null(crlf);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (lf[i] == '\n') {
            crlf[n++] = '\r';
        }
        crlf[n++] = lf[i];
    }
    const char *path = ft_tmp_write(state, "crlf.info", crlf, n);
    expect_report(path, "lcov", merged_files, 3, &merged_total);
    free(lf);
    free(crlf);
}

/* A UTF-8 byte order mark before the first line (Windows tools write
 * one): detected, and the same figures. */
static void
test_bom(void **state)
{
    size_t len;
    char *plain = slurp(LCOV_DIR "merged.info", &len);
    char *bom = malloc(len + 3);
    assert_non_null(bom);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, plain, len);
    const char *path = ft_tmp_write(state, "bom.info", bom, len + 3);
    expect_report(path, "lcov", merged_files, 3, &merged_total);
    const sl_format_t *go = sl_format_find("gocover");
    assert_true(go->sniff("\xEF\xBB\xBFmode: set\n", 13));
    static const char gdoc[] = "\xEF\xBB\xBFmode: set\na.go:1.1,2.2 3 1\n";
    const char *gpath = ft_tmp_write(state, "bom.out", gdoc, sizeof gdoc - 1);
    static const figs_t gfile = {"a.go", 3, 3, 0, 0, 0, 0};
    static const figs_t gtotal = {NULL, 3, 3, 0, 0, 0, 0};
    expect_report(gpath, "gocover", &gfile, 1, &gtotal);
    free(plain);
    free(bom);
}

/* The rules the fixtures do not show: DA lines repeated in a record,
 * FNDA without FN, lcov 2's FN with an end line, "e" branches, unknown
 * keys, files without DA dropped, a third record hitting what the second
 * already hit (counted once), no final newline. */
static void
test_lcov_rules(void **state)
{
    const char *path = ft_tmp_doc(
        state, "VER:2\n"
               "TN:\nSF:/a.c\nFN:1,5,f\nFNDA:0,f\nFNDA:2,g\nFNL:0,1,5\n"
               "DA:1,0\nDA:2,3\nDA:2,0\nDA:1,0\n"
               "BRDA:2,0,0,-\nBRDA:2,0,1,1\nBRDA:2,e0,0,1\n"
               "BRDA:2,0,1,0\nLF:2\nLH:1\nend_of_record\n"
               "\nSF:/empty.h\nFN:1,h\nFNDA:1,h\nend_of_record\n"
               "TN:second\nSF:/a.c\nDA:1,1\nDA:7,0\nFNDA:1,f\n"
               "BRDA:2,0,0,4\nend_of_record\n"
               "SF:/a.c\nFNDA:3,f\nBRDA:2,0,0,1\nDA:1,5\nend_of_record");
    static const figs_t files[] = {{"/a.c", 2, 3, 2, 2, 3, 3}};
    static const figs_t total = {NULL, 2, 3, 2, 2, 3, 3};
    expect_report(path, "lcov", files, 1, &total);
}

/* ---- Go: profiles written by go test (go 1.19) --------------------------- */

/* expected.txt: go tool cover -func's total on the whole profile and on
 * each file's lines alone, and the statements behind it. */
static void
expect_go(const char *name, const figs_t *files, size_t n,
          const char *const *pct, const figs_t *total, const char *tpct)
{
    char path[512];
    (void)snprintf(path, sizeof path, "%s%s", GO_DIR, name);
    expect_report(path, "gocover", files, n, total);
    char got[16];
    for (size_t i = 0; i < n; i++) {
        (void)snprintf(got, sizeof got, "%.1f%%",
                       100.0 * (double)files[i].lines_covered /
                           (double)files[i].lines_valid);
        assert_string_equal(got, pct[i]);
    }
    (void)snprintf(got, sizeof got, "%.1f%%",
                   100.0 * (double)total->lines_covered /
                       (double)total->lines_valid);
    assert_string_equal(got, tpct);
}

static void
test_go_modes(void **state)
{
    (void)state;
    /* go test ./... -coverprofile: geom first for set and atomic, report
     * first for count (the order the packages finished). */
    static const figs_t geom = {"example.com/shapes/geom/geom.go", 7, 13,
                                0,  0, 0, 0};
    static const figs_t report = {"example.com/shapes/report/report.go",
                                  3, 7, 0, 0, 0, 0};
    static const figs_t total = {NULL, 10, 20, 0, 0, 0, 0};
    const figs_t gr[] = {geom, report}, rg[] = {report, geom};
    static const char *const gp[] = {"53.8%", "42.9%"};
    static const char *const rp[] = {"42.9%", "53.8%"};
    expect_go("set.out", gr, 2, gp, &total, "50.0%");
    expect_go("atomic.out", gr, 2, gp, &total, "50.0%");
    expect_go("count.out", rg, 2, rp, &total, "50.0%");
}

static void
test_go_merged(void **state)
{
    (void)state;
    /* -coverpkg=./...: every block is listed by both test binaries; a
     * block counts once, covered when either run covered it. */
    static const figs_t files[] = {
        {"example.com/shapes/report/report.go", 3, 7, 0, 0, 0, 0},
        {"example.com/shapes/geom/geom.go", 11, 13, 0, 0, 0, 0},
    };
    static const figs_t total = {NULL, 14, 20, 0, 0, 0, 0};
    static const char *const pct[] = {"42.9%", "84.6%"};
    expect_go("merged.out", files, 2, pct, &total, "70.0%");
}

static void
test_go_rules(void **state)
{
    /* CRLF, a blank line, no final newline, a path with ':' and spaces,
     * a block repeated twice (counted once), a block of 0 statements. */
    const char *path =
        ft_tmp_doc(state, "mode: set\r\nC:\\my dir\\a.go:1.2,3.4 2 0\r\n\r\n"
                          "C:\\my dir\\a.go:5.1,5.9 3 1\r\n"
                          "C:\\my dir\\a.go:1.2,3.4 2 1\r\nb.go:1.1,1.2 0 1\n"
                          "C:\\my dir\\a.go:1.2,3.4 2 5");
    static const figs_t files[] = {{"C:\\my dir\\a.go", 5, 5, 0, 0, 0, 0},
                                   {"b.go", 0, 0, 0, 0, 0, 0}};
    static const figs_t total = {NULL, 5, 5, 0, 0, 0, 0};
    expect_report(path, "gocover", files, 2, &total);
    /* Just a mode line (a package without statements): a total of 0. */
    path = ft_tmp_doc(state, "mode: atomic\n");
    expect_report(path, "gocover", files, 0, &(figs_t){NULL, 0, 0, 0, 0, 0, 0});
}

/* ---- detection ------------------------------------------------------------ */

/* Every fixture is detected as its format and no other sniff accepts it. */
static void
expect_only(const char *path, const char *want)
{
    size_t len;
    char *head = slurp(path, &len); /* the whole file: a head */
    ft_assert_sniffed(path, head, len, want);
    free(head);
}

static void
test_detect(void **state)
{
    (void)state;
    static const char *const lcov[] = {"geninfo.info", "merged.info",
                                       "initial.info", "llvm.info"};
    static const char *const go[] = {"set.out", "count.out", "atomic.out",
                                     "merged.out"};
    char path[512];
    for (size_t i = 0; i < 4; i++) {
        (void)snprintf(path, sizeof path, "%s%s", LCOV_DIR, lcov[i]);
        expect_only(path, "lcov");
        (void)snprintf(path, sizeof path, "%s%s", GO_DIR, go[i]);
        expect_only(path, "gocover");
    }
}

static void
test_detect_others(void **state)
{
    (void)state;
    const sl_format_t *lcov = ft_format("lcov"), *go = ft_format("gocover");
    /* XML, JSON and near misses are neither. */
    static const char *const heads[] = {
        "<?xml version=\"1.0\"?>\n<coverage/>",
        "{\"coverage\": {\"SF:\": 1}}",
        "[]",
        "mode: sets\nx.go:1.1,1.2 1 1\n",
        "mode: unknown\n",
        " mode: set\n",
        "mode:set\n",
        "tn:\nsf:/a.c\n",
        " SF:/a.c\n",
        "",
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        size_t len = strlen(heads[i]);
        if (lcov->sniff(heads[i], len) || go->sniff(heads[i], len)) {
            fail_msg("taken: \"%s\"", heads[i]);
        }
    }
    size_t len;
    char *xml = slurp(SL_SOURCE_DIR "/tests/fixtures/junit/pytest.xml", &len);
    assert_false(lcov->sniff(xml, len) || go->sniff(xml, len));
    free(xml);
    /* A mode line cut by the 64 KiB head, or ending in CRLF. */
    assert_true(go->sniff("mode: count", 11));
    assert_true(go->sniff("mode: count\r\n", 13));
    assert_true(lcov->sniff("SF:/a.c\n", 8));
}

/* ---- hostile input: "path:LINE:COL: reason" ------------------------------ */

/* Parses path (format forced when fmt is not NULL) and expects rc and the
 * message "<path><rest>", and nothing emitted. */
static void
expect_error_at(const char *path, const char *fmt, int rc, const char *rest)
{
    seen_t *s = seen_new();
    sl_sink_t sink = {.ctx = s, .emit = record};
    ft_expect_error(path, fmt != NULL ? ft_format(fmt) : NULL, &sink, rc, rest);
    assert_int_equal(s->calls, 0);
    free(s);
}

static void
expect_error(void **state, const char *doc, const char *fmt, int rc,
             const char *rest)
{
    expect_error_at(ft_tmp_doc(state, doc), fmt, rc, rest);
}

static void
test_lcov_refused(void **state)
{
    static const struct {
        const char *doc, *rest;
    } bad[] = {
        {"TN:\nDA:1,1\nend_of_record\n",
         ":2:1: DA outside a record (no SF before it)"},
        {"SF:/a.c\nDA:1,1\n", ":2:1: truncated: no end_of_record for the SF "
                              "of line 1"},
        {"SF:/a.c\nDA:1,1\nLF:1\nLH:2\nend_of_record\n",
         ":4:4: LH 2 is more than LF 1"},
        {"SF:/a.c\nDA:1,1\nBRH:3\nBRF:2\nend_of_record\n",
         ":4:5: BRH 3 is more than BRF 2"},
        {"SF:/a.c\nFNH:1\nFNF:0\nend_of_record\n",
         ":3:5: FNH 1 is more than FNF 0"},
        {"SF:/a.c\nDA:x,1\nend_of_record\n",
         ":2:4: line number is not a number"},
        {"SF:/a.c\nDA:1,-1\nend_of_record\n",
         ":2:6: count is not a number (negative)"},
        {"SF:/a.c\nDA:1,1.5\nend_of_record\n",
         ":2:7: want DA:LINE,COUNT[,CHECKSUM] (junk at the end)"},
        {"SF:/a.c\nDA:1,18446744073709551616\nend_of_record\n",
         ":2:6: count over 18446744073709551615"},
        {"SF:/a.c\nDA:4294967296,1\nend_of_record\n",
         ":2:4: line number over 4294967295"},
        {"SF:/a.c\nDA:1\nend_of_record\n", ":2:5: want DA:LINE,COUNT[,CHECKSUM]"},
        {"SF:/a.c\nDA:1,1,\nend_of_record\n",
         ":2:7: want DA:LINE,COUNT[,CHECKSUM] (junk at the end)"},
        {"SF:/a.c\nBRDA:1,0,0,x\nend_of_record\n",
         ":2:12: taken count is not a number"},
        {"SF:/a.c\nBRDA:1,0,0\nend_of_record\n",
         ":2:11: want BRDA:LINE,BLOCK,BRANCH,TAKEN"},
        {"SF:/a.c\nBRDA:1,0,0,--\nend_of_record\n",
         ":2:12: taken count is not a number"},
        {"SF:/a.c\nFNDA:1,\nend_of_record\n", ":2:8: empty function name"},
        {"SF:/a.c\nFNDA:,f\nend_of_record\n", ":2:6: count is not a number"},
        {"SF:/a.c\nLF:\nend_of_record\n", ":2:4: LF is not a number"},
        {"SF:/a.c\nSF:/b.c\n", ":2:1: SF inside a record (no end_of_record "
                               "for the SF of line 1)"},
        {"end_of_record\n", ":1:1: end_of_record without SF"},
        {"SF:\nend_of_record\n", ":1:4: empty source path"},
        {"SF:/src/\xff.c\nDA:1,1\nend_of_record\n",
         ":1:9: invalid UTF-8 in the path"},
        {"SF:/src/\xed\xa0\x80.c\nend_of_record\n",
         ":1:9: invalid UTF-8 in the path"},
        {"SF:/a.c\nDA:1,1\nend_of_record\nhello\n",
         ":4:1: not an lcov tracefile line (want KEY:VALUE or end_of_record)"},
        {"SF:/a.c\nda:1,1\nend_of_record\n",
         ":2:1: not an lcov tracefile line (want KEY:VALUE or end_of_record)"},
        {"TN:\nSF:/a.h\nFN:1,f\nend_of_record\n",
         ":4:1: no record has line data (DA)"},
        {"TN:x\n", ":1:1: not an lcov tracefile (no SF record)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_error(state, bad[i].doc, "lcov", SL_EINPUT, bad[i].rest);
    }
}

static void
test_go_refused(void **state)
{
    static const struct {
        const char *doc, *rest;
    } bad[] = {
        {"mode: set\nmode: set\n", ":2:1: a second mode line (profiles joined "
                                   "without dropping it; go tool cover "
                                   "refuses it too)"},
        {"mode: set\na.go:1.2,3.4 1\n",
         ":2:1: no ' ' before the statement count (want FILE:LINE.COL,"
         "LINE.COL STATEMENTS COUNT)"},
        {"mode: set\na.go:1.2,3.4 1 -1\n",
         ":2:16: count is not a number (negative) (want FILE:LINE.COL,"
         "LINE.COL STATEMENTS COUNT)"},
        {"mode: set\na.go:1.2,3.4 1 1x\n",
         ":2:16: count is not a number (want FILE:LINE.COL,LINE.COL "
         "STATEMENTS COUNT)"},
        {"mode: set\na.go:1.2,3.4 1 \n",
         ":2:16: count is not a number (want FILE:LINE.COL,LINE.COL "
         "STATEMENTS COUNT)"},
        {"mode: count\na.go:1.2,3.4 1 18446744073709551616\n",
         ":2:16: count over 18446744073709551615"},
        {"mode: count\na.go:1.2,3.4 2147483648 1\n",
         ":2:14: statement count over 2147483647"},
        {"mode: count\na.go:4294967296.2,3.4 1 1\n",
         ":2:6: start line over 4294967295"},
        {"mode: set\na.go:1.2;3.4 1 1\n",
         ":2:1: no ',' before the end line (want FILE:LINE.COL,LINE.COL "
         "STATEMENTS COUNT)"},
        {"mode: set\na.go:3.4,1.2 1 1\n", ":2:5: block ends before it starts"},
        {"mode: set\na.go:3.4,3.2 1 1\n", ":2:5: block ends before it starts"},
        {"mode: set\n:1.2,3.4 1 1\n", ":2:1: empty file name"},
        {"mode: set\na\xc0\x80.go:1.2,3.4 1 1\n",
         ":2:2: invalid UTF-8 in the file name"},
        {"mode: count\na.go:1.2,3.4 1 1\nb.go:1.1,1.5 1 0\n"
         "a.go:1.2,3.4 2 0\n",
         ":4:1: block listed with 2 statements, before with 1"},
        {"mode: sets\n", ":1:7: unknown mode \"sets\" (want set, count or "
                         "atomic)"},
        {"mode: \n", ":1:7: unknown mode \"\" (want set, count or atomic)"},
        {"a.go:1.2,3.4 1 1\n", ":1:1: not a Go coverprofile (line 1 is not "
                               "\"mode: set|count|atomic\")"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_error(state, bad[i].doc, "gocover", SL_EINPUT, bad[i].rest);
    }
    /* Detection refuses what the parser would (no known mode line); the
     * message lists the formats, among them both of these. */
    expect_error(state, "mode: sets\n", NULL, SL_EINPUT, ft_known_formats());
    assert_non_null(strstr(ft_known_formats(), "lcov"));
    assert_non_null(strstr(ft_known_formats(), "gocover"));
}

/* A file of the other format forced on a parser. */
static void
test_forced_other(void **state)
{
    (void)state;
    expect_error_at(GO_DIR "set.out", "lcov", SL_EINPUT,
                    ":1:1: not an lcov tracefile line (want KEY:VALUE or "
                    "end_of_record)");
    expect_error_at(LCOV_DIR "geninfo.info", "gocover", SL_EINPUT,
                    ":1:1: not a Go coverprofile (line 1 is not "
                    "\"mode: set|count|atomic\")");
    expect_error_at(SL_SOURCE_DIR "/tests/fixtures/junit/pytest.xml", "lcov",
                    SL_EINPUT,
                    ":1:1: not an lcov tracefile line (want KEY:VALUE or "
                    "end_of_record)");
}

static void
test_empty(void **state)
{
    const char *path = ft_tmp_doc(state, "");
    expect_error_at(path, NULL, SL_EINPUT, ": empty file");
    expect_error_at(path, "lcov", SL_EINPUT, ": empty file");
    /* Past the table, each parser refuses it too. */
    static const struct {
        const char *fmt, *msg;
    } alone[] = {
        {"lcov", "empty:1:1: not an lcov tracefile (no SF record)"},
        {"gocover", "empty:1:1: not a Go coverprofile (no mode line)"},
    };
    for (size_t i = 0; i < 2; i++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        sl_err_t err = {0};
        assert_int_equal(
            ft_format(alone[i].fmt)->parse(fd, "empty", NULL, &err), SL_EINPUT);
        assert_string_equal(err.msg, alone[i].msg);
        assert_int_equal(close(fd), 0);
    }
}

static void
test_nul(void **state)
{
    static const char lcov[] = "SF:/a\0b.c\nDA:1,1\nend_of_record\n";
    expect_error_at(ft_tmp_write(state, "nul", lcov, sizeof lcov - 1), NULL,
                    SL_EINPUT, ":1:6: NUL byte");
    static const char go[] = "mode: set\na.go:1.2,3.4 1 1\n\0";
    expect_error_at(ft_tmp_write(state, "nul", go, sizeof go - 1), NULL,
                    SL_EINPUT, ":3:1: NUL byte");
}

/* A line of 100 MB: refused once 1 MiB of it is read. */
static void
test_huge_line(void **state)
{
    static const char *const heads[] = {"SF:/a.c\nDA:1,", "mode: set\na.go"};
    char *chunk = malloc(1 << 20);
    assert_non_null(chunk);
    memset(chunk, '7', 1 << 20);
    for (size_t i = 0; i < 2; i++) {
        const char *path =
            ft_tmp_write(state, "huge", heads[i], strlen(heads[i]));
        FILE *f = fopen(path, "ab");
        assert_non_null(f);
        for (int k = 0; k < 100; k++) {
            assert_int_equal(fwrite(chunk, 1, 1 << 20, f), 1 << 20);
        }
        assert_int_equal(fclose(f), 0);
        expect_error_at(path, NULL, SL_ETOOBIG,
                        ":2:1: line longer than 1048576 bytes");
    }
    free(chunk);
}

static void
test_long_path(void **state)
{
    char doc[8192] = "SF:/";
    memset(doc + 4, 'a', 4096);
    strcpy(doc + 4 + 4096, "\nDA:1,1\nend_of_record\n");
    expect_error(state, doc, NULL, SL_ETOOBIG,
                 ":1:4: source path longer than 4096 bytes");
    /* 4096 bytes is fine. */
    doc[3 + 4096] = '\n';
    memcpy(doc + 4 + 4096, "DA:1,1\nend_of_record\n", 22);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(parse_path(ft_tmp_doc(state, doc), "lcov", s, &err),
                     SL_OK);
    assert_int_equal(strlen(s->path[0]), 4096);
    free(s);
}

/* The merge tables have a budget: a line number far out would need a
 * bitmap of 1 GiB. */
static void
test_budget(void **state)
{
    expect_error(state, "SF:/a.c\nDA:4000000000,1\nend_of_record\n", NULL,
                 SL_ETOOBIG,
                 ":2:1: coverage tables over 67108864 bytes (files, lines, "
                 "functions and branches kept to merge them)");
}

/* The sink stops the parse: its code comes back. */
static void
test_sink_stops(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    s->stop_after = 2;
    sl_err_t err = {0};
    assert_int_equal(parse_path(LCOV_DIR "geninfo.info", "lcov", s, &err),
                     SL_EFULL);
    assert_int_equal(s->nfiles, 1);
    assert_int_equal(s->ntotals, 0);
    assert_string_equal(err.msg, LCOV_DIR "geninfo.info: store is full");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lcov_geninfo),
        cmocka_unit_test(test_lcov_merged),
        cmocka_unit_test(test_lcov_initial),
        cmocka_unit_test(test_lcov_llvm),
        cmocka_unit_test(test_lcov_crlf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_lcov_rules),
        cmocka_unit_test(test_go_modes),
        cmocka_unit_test(test_go_merged),
        cmocka_unit_test(test_go_rules),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_detect_others),
        cmocka_unit_test(test_lcov_refused),
        cmocka_unit_test(test_go_refused),
        cmocka_unit_test(test_forced_other),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_huge_line),
        cmocka_unit_test(test_long_path),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_sink_stops),
    };
    return cmocka_run_group_tests(tests, group_setup, ft_tmp_teardown);
}
