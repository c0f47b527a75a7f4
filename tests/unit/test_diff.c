/* The unified diff parser (lib/diff.c) on diffs written by git and GNU
 * diff (tests/fixtures/diff, made by its make-fixtures.sh: renames,
 * deletions, binary files, quoted paths, "\ No newline", CRLF, prefixes,
 * a patch mail) and on malformed and hostile input written here, each
 * with its exact message, and at every cap. */
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
#include "sluice/diff.h"

#define DIFF_DIR SL_SOURCE_DIR "/tests/fixtures/diff/"

/* The diff as text, one line per file: "path:RUNS" with RUNS like
 * "2,4-6" (the file's runs of added lines). Checks that every file's
 * added count is its runs' and that the total is the sum. */
static char *
render(const sl_diff_t *d)
{
    size_t cap = 1 << 16, len = 0;
    char *s = ft_zalloc(cap);
    uint64_t total = 0;
    for (size_t i = 0; i < sl_diff_nfiles(d); i++) {
        const sl_diff_file_t *f = sl_diff_file(d, i);
        assert_int_equal(strlen(f->path), f->path_len);
        len += (size_t)snprintf(s + len, cap - len, "%s:", f->path);
        uint64_t added = 0;
        for (size_t k = 0; k < f->nruns; k++) {
            const sl_diff_run_t *r = &f->runs[k];
            assert_true(r->first <= r->last);
            assert_true(k == 0 || r->first > f->runs[k - 1].last + 1);
            added += (uint64_t)r->last - r->first + 1;
            len += (size_t)(r->first == r->last
                                ? snprintf(s + len, cap - len, "%s%u",
                                           k ? "," : "", r->first)
                                : snprintf(s + len, cap - len, "%s%u-%u",
                                           k ? "," : "", r->first, r->last));
            assert_true(len < cap);
        }
        assert_int_equal(added, f->added);
        total += added;
        len += (size_t)snprintf(s + len, cap - len, "\n");
        assert_true(len < cap);
    }
    assert_int_equal(total, sl_diff_lines_added(d));
    return s;
}

/* Parses path, which must succeed, and compares its rendering. */
static void
expect_diff(const char *path, const char *want)
{
    sl_diff_t *d = NULL;
    sl_err_t err = {0};
    int rc = sl_diff_parse_file(path, &d, &err);
    if (rc != SL_OK) {
        fail_msg("%s: %s", path, err.msg);
    }
    char *got = render(d);
    assert_string_equal(got, want);
    free(got);
    sl_diff_destroy(&d);
    assert_null(d);
}

/* Writes doc[len] to a temp file, expects the parse to fail with rc and
 * err.msg "<path><rest>", and *out to stay NULL. */
static void
expect_error_len(void **state, const char *doc, size_t len, int rc,
                 const char *rest)
{
    const char *path = ft_tmp_write(state, "x.diff", doc, len);
    sl_diff_t *d = (sl_diff_t *)1;
    sl_err_t err = {0};
    assert_int_equal(sl_diff_parse_file(path, &d, &err), rc);
    assert_null(d);
    assert_int_equal(err.rc, rc);
    char want[512];
    (void)snprintf(want, sizeof want, "%s%s", path, rest);
    assert_string_equal(err.msg, want);
}

static void
expect_error(void **state, const char *doc, int rc, const char *rest)
{
    expect_error_len(state, doc, strlen(doc), rc, rest);
}

/* Writes doc to a temp file and expects it to parse into want. */
static void
expect_doc(void **state, const char *doc, size_t len, const char *want)
{
    expect_diff(ft_tmp_write(state, "x.diff", doc, len), want);
}

/* ---- diffs written by git and GNU diff ----------------------------------- */

/* kinds.diff: git diff of every kind of change. Kept: a new file, CRLF
 * lines, a changed file, a rename with a line added, "\ No newline" on
 * either side, a path with a space (git ends it with a TAB) and a quoted
 * one; skipped: the deleted file, both binary files, the mode change and
 * the rename without changes. */
static const char kinds[] = "added.c:1\n"
                            "crlf.c:2-3\n"
                            "keep.c:2,4\n"
                            "new.c:3\n"
                            "nonl.c:2-3\n"
                            "sp ace.c:2\n"
                            "tail.c:1-2\n"
                            "t\303\251st.c:2\n";

static void
test_diff_git_kinds(void **state)
{
    (void)state;
    expect_diff(DIFF_DIR "kinds.diff", kinds);
    sl_diff_t *d = NULL;
    assert_int_equal(sl_diff_parse_file(DIFF_DIR "kinds.diff", &d, NULL),
                     SL_OK);
    assert_int_equal(sl_diff_nfiles(d), 8);
    assert_int_equal(sl_diff_lines_added(d), 12);
    assert_int_equal(sl_diff_file(d, 0)->line, 5);  /* "+++ b/added.c" */
    assert_int_equal(sl_diff_file(d, 7)->line, 88); /* the quoted one */
    sl_diff_destroy(&d);
    sl_diff_destroy(&d); /* NULL-safe */
    sl_diff_destroy(NULL);
}

/* With --binary, git writes the binary files as base85 "literal" blocks:
 * skipped as well. */
static void
test_diff_git_binary(void **state)
{
    (void)state;
    expect_diff(DIFF_DIR "kinds-binary.diff", kinds);
}

/* git's prefixes: none (--no-prefix), mnemonic (c/ and w/), and a patch
 * mail from git format-patch (message, diffstat, "-- " signature). */
static void
test_diff_git_prefixes(void **state)
{
    (void)state;
    expect_diff(DIFF_DIR "noprefix.diff", "keep.c:2,4\nnew.c:1-3\n");
    expect_diff(DIFF_DIR "mnemonic.diff", "keep.c:5\n");
    expect_diff(DIFF_DIR "format-patch.diff", "keep.c:2,4\nnew.c:1-3\n");
}

/* GNU diff -ruN of two trees: the trees' names are dropped, the new file
 * (old side at the epoch) kept, the deleted one (new side at the epoch)
 * adds nothing. */
static void
test_diff_plain(void **state)
{
    (void)state;
    expect_diff(DIFF_DIR "diff-ruN.diff", "src/f.c:3\nsrc/g.c:1-2\n");
}

/* The e2e scenario's diff (tests/e2e/e2e_patch.c). */
static void
test_diff_patch_fixture(void **state)
{
    (void)state;
    expect_diff(
        DIFF_DIR "patch.diff",
        "README.md:2-4\nsrc/c/lib/calc.c:27-35\nsrc/c/main.c:11,19-25\n");
}

/* ---- what the fixtures do not show --------------------------------------- */

static void
test_diff_empty(void **state)
{
    expect_doc(state, "", 0, ""); /* git diff of two equal trees */
    expect_doc(state, "\n \n\t\n", 5, "");
}

/* A diff with CRLF line ends (saved on Windows), its last line without an
 * end; a plain diff -u of two files in one folder keeps its path. */
static void
test_diff_crlf_and_plain(void **state)
{
    static const char crlf[] = "--- a/x.c\r\n+++ b/x.c\r\n"
                               "@@ -1 +1,3 @@\r\n a\r\n+b\r\n+c";
    expect_doc(state, crlf, sizeof crlf - 1, "x.c:2-3\n");
    static const char same[] = "--- src/x.c.orig\t2024-01-01\n"
                               "+++ src/x.c\t2024-01-02\n"
                               "@@ -1 +1 @@\n-a\n+b\n";
    expect_doc(state, same, sizeof same - 1, "src/x.c:1\n");
    static const char one[] = "--- x.c.orig\n+++ x.c\n@@ -1 +1 @@\n-a\n+b\n";
    expect_doc(state, one, sizeof one - 1, "x.c:1\n");
}

/* An empty line in a hunk is a context line whose space was stripped (git
 * apply takes it so); -U0 hunks; a file whose hunks only remove lines is
 * not kept; a "--- " in a commit message does not start a file. */
static void
test_diff_hunks(void **state)
{
    static const char doc[] = "Subject: fix\n--- not a header\n"
                              "--- a/x.c\n+++ b/x.c\n"
                              "@@ -1,3 +1,4 @@\n a\n\n+b\n c\n"
                              "@@ -10,0 +11,2 @@\n+d\n+e\n"
                              "@@ -20 +21,0 @@\n-f\n"
                              "--- a/y.c\n+++ b/y.c\n@@ -1,2 +1 @@\n a\n-b\n";
    expect_doc(state, doc, sizeof doc - 1, "x.c:3,11-12\n");
}

/* Content is not looked at: a 1 MiB added line, NUL bytes and a long
 * line outside hunks cost nothing and are fine. */
static void
test_diff_long_lines(void **state)
{
    size_t big = 1u << 20;
    char *doc = ft_zalloc(2 * big + 256);
    size_t n = 0;
    memset(doc, 'j', big);
    n += big;
    n += (size_t)sprintf(doc + n, "\n--- a/x.c\n+++ b/x.c\n@@ -1 +1,3 @@\n+");
    memset(doc + n, 'y', big);
    n += big;
    memcpy(doc + n, "\n+\0\0\n \n", 8);
    n += 8;
    expect_doc(state, doc, n, "x.c:1-2\n");
    free(doc);
}

/* ---- malformed ----------------------------------------------------------- */

static const char hdr[] = "--- a/x.c\n+++ b/x.c\n";

/* hdr followed by body. */
static void
expect_body_error(void **state, const char *body, int rc, const char *rest)
{
    char doc[1024];
    (void)snprintf(doc, sizeof doc, "%s%s", hdr, body);
    expect_error(state, doc, rc, rest);
}

static void
test_diff_bad_hunk_headers(void **state)
{
    static const char bad[] = ":3: bad hunk header (want @@ -A,B +C,D @@)";
    expect_body_error(state, "@@ -1 +1 @\n", SL_EINPUT, bad);
    expect_body_error(state, "@@ -a +1 @@\n", SL_EINPUT, bad);
    expect_body_error(state, "@@ -1,2 +1,3\n", SL_EINPUT, bad);
    expect_body_error(state, "@@ +1 -1 @@\n", SL_EINPUT, bad);
    expect_body_error(state, "@@ -1, +1 @@\n", SL_EINPUT, bad);
    expect_body_error(state, "@@ -1 +99999999999 @@\n", SL_ETOOBIG,
                      ":3: hunk header: a number over 2147483647");
    expect_body_error(state, "@@ -1 +2147483647,2 @@\n", SL_ETOOBIG,
                      ":3: hunk past line 2147483647");
    expect_body_error(state, "@@ -0,0 +0,0 @@\n", SL_EINPUT,
                      ":3: empty hunk (no old and no new line)");
    expect_body_error(state, "@@ -1 +0,1 @@\n", SL_EINPUT,
                      ":3: hunk header: line 0 with lines in the range");
    expect_body_error(state, "@@ -5 +5 @@\n-a\n+b\n@@ -1 +1 @@\n-c\n+d\n",
                      SL_EINPUT,
                      ":6: hunk starts at new line 1, within or before the "
                      "previous hunk (to line 5)");
    expect_error(state, "@@ -1 +1 @@\n-a\n+b\n", SL_EINPUT,
                 ":1: hunk header without a file header ('--- ' and '+++ ' "
                 "lines) before it");
}

/* Bodies that do not match their headers' counts. */
static void
test_diff_bad_hunk_bodies(void **state)
{
    expect_body_error(state, "@@ -1,2 +1,2 @@\n a\n+b\n", SL_EINPUT,
                      ":5: truncated: the hunk of line 3 lacks 1 old and 0 "
                      "new lines");
    expect_body_error(state, "@@ -1 +1 @@\n-a\n+b\n+c\n", SL_EINPUT,
                      ":6: '+' line after the hunk of line 3 ended (its "
                      "header counts fewer lines)");
    expect_body_error(state, "@@ -1 +1,2 @@\n-a\n-b\n", SL_EINPUT,
                      ":5: '-' line past the hunk's old lines (the hunk of "
                      "line 3 has 0 old and 2 new lines to go)");
    expect_body_error(state, "@@ -1 +1,2 @@\n+a\n+b\n+c\n", SL_EINPUT,
                      ":6: '+' line past the hunk's new lines (the hunk of "
                      "line 3 has 1 old and 0 new lines to go)");
    expect_body_error(state, "@@ -2 +2,2 @@\n-a\n+b\n c\n", SL_EINPUT,
                      ":6: context line past the hunk's counts (the hunk of "
                      "line 3 has 0 old and 1 new lines to go)");
    expect_body_error(state, "@@ -1 +1 @@\nxyz\n", SL_EINPUT,
                      ":4: not a hunk line (want ' ', '-', '+' or '\\') (the "
                      "hunk of line 3 has 1 old and 1 new lines to go)");
    expect_body_error(state, "@@ -1 +1 @@\n-a\n+b\n-c\n", SL_EINPUT,
                      ":6: '-' line after the hunk of line 3 ended (its "
                      "header counts fewer lines)");
    expect_body_error(state,
                      "@@ -1 +1 @@\n-a\n+b\n\\ No newline at end of "
                      "file\n+c\n",
                      SL_EINPUT,
                      ":7: '+' line after the hunk of line 3 ended (its "
                      "header counts fewer lines)");
}

static void
test_diff_bad_paths(void **state)
{
    expect_error(state, "--- a/x\n+++ \"b/x\\q\"\n", SL_EINPUT,
                 ":2: bad escape in a quoted path");
    expect_error(state, "--- a/x\n+++ \"b/x\\000\"\n", SL_EINPUT,
                 ":2: bad escape in a quoted path");
    expect_error(state, "--- a/x\n+++ \"b/x\\40\"\n", SL_EINPUT,
                 ":2: bad escape in a quoted path");
    expect_error(state, "--- \"a/x\n+++ b/x\n", SL_EINPUT,
                 ":1: quoted path without its end");
    expect_error(state, "--- a/x\n+++ \"b/x\"y\n", SL_EINPUT,
                 ":2: junk after a quoted path");
    expect_error(state, "--- a/x\n+++ \n", SL_EINPUT, ":2: empty path");
    expect_error(state, "--- a/x\n+++ \t2024\n", SL_EINPUT, ":2: empty path");
    expect_error_len(state, "--- a/x\n+++ b/x\0y\n", 17, SL_EINPUT,
                     ":2: NUL byte in a path");
    expect_error_len(state, "--- a/x\n+++ \"b/x\0\"\n", 19, SL_EINPUT,
                     ":2: NUL byte in a path");
    /* Escapes git writes are read back. */
    static const char esc[] = "--- a/x\n+++ \"b/a\\tb\\\\c\\\"d\\303\\251\"\n"
                              "@@ -1 +1 @@\n-a\n+b\n";
    expect_doc(state, esc, sizeof esc - 1, "a\tb\\c\"d\303\251:1\n");
}

static void
test_diff_refused(void **state)
{
    expect_error(state, "hello\nworld\n", SL_EINPUT,
                 ":1: not a unified diff (no file header: '--- ' and '+++ ' "
                 "lines, or 'diff --git')");
    expect_error(state, "\n\nfoo\n", SL_EINPUT,
                 ":3: not a unified diff (no file header: '--- ' and '+++ ' "
                 "lines, or 'diff --git')");
    expect_error(state, "diff --cc x.c\nindex 1,2..3\n", SL_EINPUT,
                 ":1: a combined diff (of a merge) is not supported: give "
                 "git diff BASE...HEAD");
    expect_body_error(state, "@@@ -1 -1 +1 @@@\n", SL_EINPUT,
                      ":3: a combined diff (of a merge) is not supported: "
                      "give git diff BASE...HEAD");
    /* A path twice: its line numbers would mean two versions. */
    expect_error(state,
                 "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n"
                 "--- a/y.c\n+++ b/y.c\n@@ -1 +1 @@\n-a\n+b\n"
                 "--- a/x.c\n+++ b/x.c\n@@ -3 +3 @@\n-a\n+b\n",
                 SL_EINPUT, ":12: x.c is in the diff twice (first at line 2)");
    sl_diff_t *d = (sl_diff_t *)1;
    sl_err_t err = {0};
    assert_int_equal(sl_diff_parse_file("/nonexistent/x.diff", &d, &err),
                     SL_EIO);
    assert_null(d);
    assert_string_equal(err.msg,
                        "/nonexistent/x.diff: No such file or directory");
}

/* ---- caps ---------------------------------------------------------------- */

/* A path of SL_DIFF_PATH_MAX bytes is kept whole. */
static void
test_diff_path_cap(void **state)
{
    char *doc = ft_zalloc(2 * SL_DIFF_PATH_MAX + 64);
    char *want = ft_zalloc(SL_DIFF_PATH_MAX + 8);
    char *p = doc + sprintf(doc, "--- a/x\n+++ ");
    memset(p, 'p', SL_DIFF_PATH_MAX);
    strcpy(p + SL_DIFF_PATH_MAX, "\n@@ -1 +1 @@\n-a\n+b\n");
    memset(want, 'p', SL_DIFF_PATH_MAX);
    strcpy(want + SL_DIFF_PATH_MAX, ":1\n");
    expect_doc(state, doc, strlen(doc), want);
    free(want);
    free(doc);
}

/* One byte over, unquoted and quoted. */
static void
test_diff_path_over(void **state)
{
    char *doc = ft_zalloc(2 * SL_DIFF_PATH_MAX + 64);
    char *p = doc + sprintf(doc, "--- a/x\n+++ ");
    memset(p, 'p', SL_DIFF_PATH_MAX + 1);
    strcpy(p + SL_DIFF_PATH_MAX + 1, "\n");
    expect_error(state, doc, SL_ETOOBIG, ":2: path longer than 4096 bytes");
    p = doc + sprintf(doc, "--- a/x\n+++ \"");
    memset(p, 'p', SL_DIFF_PATH_MAX + 1);
    strcpy(p + SL_DIFF_PATH_MAX + 1, "\"\n");
    expect_error(state, doc, SL_ETOOBIG, ":2: path longer than 4096 bytes");
    free(doc);
}

static void
test_diff_files_cap(void **state)
{
    FILE *f = ft_tmp_open_as(state, "files.diff");
    for (unsigned i = 0; i <= SL_DIFF_FILES_MAX; i++) {
        assert_true(
            fprintf(f, "--- a/f%u\n+++ b/f%u\n@@ -0,0 +1 @@\n+x\n", i, i) > 0);
    }
    const char *path = ft_tmp_close(state, f);
    sl_diff_t *d = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_diff_parse_file(path, &d, &err), SL_ETOOBIG);
    assert_null(d);
    char want[256];
    (void)snprintf(want, sizeof want,
                   "%s:400002: more than 100000 files add lines", path);
    assert_string_equal(err.msg, want);
}

/* Added lines alternating with context lines: one run each. */
static void
test_diff_runs_cap(void **state)
{
    uint64_t runs = (uint64_t)SL_DIFF_RUNS_MAX + 1;
    FILE *f = ft_tmp_open_as(state, "runs.diff");
    assert_true(fprintf(f, "--- a/x\n+++ b/x\n@@ -1,%llu +1,%llu @@\n",
                        (unsigned long long)runs,
                        (unsigned long long)(2 * runs)) > 0);
    for (uint64_t i = 0; i < runs; i++) {
        assert_int_equal(fwrite("+\n\n", 1, 3, f), 3);
    }
    const char *path = ft_tmp_close(state, f);
    sl_diff_t *d = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_diff_parse_file(path, &d, &err), SL_ETOOBIG);
    assert_null(d);
    char want[256];
    (void)snprintf(want, sizeof want,
                   "%s:8388612: more than 4194304 runs of added lines", path);
    assert_string_equal(err.msg, want);
}

/* A sparse file one byte over the size cap: read, never stored. */
static void
test_diff_size_cap(void **state)
{
    FILE *f = ft_tmp_open_as(state, "big.diff");
    assert_int_equal(ftruncate(fileno(f), (off_t)SL_DIFF_SIZE_MAX + 1), 0);
    const char *path = ft_tmp_close(state, f);
    sl_diff_t *d = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_diff_parse_file(path, &d, &err), SL_ETOOBIG);
    assert_null(d);
    char want[256];
    (void)snprintf(want, sizeof want, "%s: diff larger than 256 MiB", path);
    assert_string_equal(err.msg, want);
}

/* The parse from an fd reads from its offset, and leaves it open. */
static void
test_diff_fd(void **state)
{
    static const char doc[] = "junk\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n";
    const char *path = ft_tmp_write(state, "fd.diff", doc, sizeof doc - 1);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(lseek(fd, 5, SEEK_SET), 5);
    sl_diff_t *d = NULL;
    assert_int_equal(sl_diff_parse_fd(fd, "named", &d, NULL), SL_OK);
    char *got = render(d);
    assert_string_equal(got, "x:1\n");
    free(got);
    sl_diff_destroy(&d);
    assert_int_equal(close(fd), 0);
}

static int
group_setup(void **state)
{
    return ft_tmp_setup(state, "sl-diff", "x.diff");
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
        cmocka_unit_test(test_diff_git_kinds),
        cmocka_unit_test(test_diff_git_binary),
        cmocka_unit_test(test_diff_git_prefixes),
        cmocka_unit_test(test_diff_plain),
        cmocka_unit_test(test_diff_patch_fixture),
        cmocka_unit_test(test_diff_empty),
        cmocka_unit_test(test_diff_crlf_and_plain),
        cmocka_unit_test(test_diff_hunks),
        cmocka_unit_test(test_diff_long_lines),
        cmocka_unit_test(test_diff_bad_hunk_headers),
        cmocka_unit_test(test_diff_bad_hunk_bodies),
        cmocka_unit_test(test_diff_bad_paths),
        cmocka_unit_test(test_diff_refused),
        cmocka_unit_test(test_diff_path_cap),
        cmocka_unit_test(test_diff_path_over),
        cmocka_unit_test(test_diff_files_cap),
        cmocka_unit_test(test_diff_runs_cap),
        cmocka_unit_test(test_diff_size_cap),
        cmocka_unit_test(test_diff_fd),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
