/* The scaffolding the format unit tests share (test_junit, test_sarif,
 * test_bench_formats, test_coverage_xml, test_coverage_lines): a group's
 * temporary directory, parsing a file into a test's own recording sink,
 * checking the error a file draws, and which formats of the table sniff a
 * file head.
 *
 * Every helper but the group setup and teardown (which return cmocka's
 * codes) fails the running cmocka test on a broken expectation, or on a
 * file it cannot write or read. */
#ifndef SL_FMT_TEST_H
#define SL_FMT_TEST_H

#include <stddef.h>
#include <stdio.h>

#include "sluice/formats.h"

/* ---- temporary files: a group directory, one file per test --------------- */

/* cmocka group setup: makes $TMPDIR/<prefix>-XXXXXX (/tmp when TMPDIR is
 * unset or long) and puts in *state what the ft_tmp_* calls below take,
 * with name as the default file name. Call it from the test's own group
 * setup, which picks prefix and name. Returns 0, or -1 (no memory, a name
 * too long, mkdtemp failed). One file at a time: opening the next removes
 * the last. */
int ft_tmp_setup(void **state, const char *prefix, const char *name);

/* cmocka group teardown: removes the last file and the directory, frees the
 * state. Returns rmdir's result. */
int ft_tmp_teardown(void **state);

/* Opens <dir>/<default name> (ft_tmp_open) or <dir>/<name> (ft_tmp_open_as)
 * for writing, replacing the last test's file. The caller closes it with
 * ft_tmp_close. */
FILE *ft_tmp_open(void **state);
FILE *ft_tmp_open_as(void **state, const char *name);

/* Closes f (opened by ft_tmp_open*) and returns its path, which stays valid
 * until the next file is opened. */
const char *ft_tmp_close(void **state, FILE *f);

/* Writes data[len] to <dir>/<name> and returns its path. */
const char *ft_tmp_write(void **state, const char *name, const char *data,
                         size_t len);

/* Writes the string doc to <dir>/<default name> and returns its path. */
const char *ft_tmp_doc(void **state, const char *doc);

/* ---- parsing into a test's sink ------------------------------------------ */

/* size bytes of zeroes, for the caller to free (a test's record). */
void *ft_zalloc(size_t size);

/* The table's format named name, which must be there. */
const sl_format_t *ft_format(const char *name);

/* Parses path into sink, its format detected unless forced, and returns
 * sl_format_parse_file's rc (err filled as it fills it). On SL_OK the
 * format used must be forced, or when nothing is forced the one named
 * want; with neither, success fails the test. */
int ft_parse(const char *path, const sl_format_t *forced, const char *want,
             const sl_sink_t *sink, sl_err_t *err);

/* Parses path into sink (format detected unless forced) and expects the
 * error rc (never SL_OK), err.rc equal to it and err.msg exactly
 * "<path><rest>". What the sink received is the caller's to check. */
void ft_expect_error(const char *path, const sl_format_t *forced,
                     const sl_sink_t *sink, int rc, const char *rest);

/* ": unknown format (known: a, b, ...)": the rest of the message
 * detection gives a file no format accepts, built from the table as
 * formats.c builds it. Static storage, the same on every call. */
const char *ft_known_formats(void);

/* Copies the string src (which must be there) into dst, checking the
 * parser's cap on it (at most cap bytes) and that any cut fell on a
 * character boundary (src is whole UTF-8). */
void ft_copy_capped(char *dst, const char *src, size_t cap);

/* n euro signs (U+20AC, 3 bytes each) as a new string the caller frees:
 * text that a byte cap would cut inside a character. */
char *ft_euros(size_t n);

/* ---- detection ----------------------------------------------------------- */

/* The first SL_FORMAT_SNIFF_BYTES of path (at least one byte) in a new
 * buffer the caller frees; *len gets how many were read. */
char *ft_read_head(const char *path, size_t *len);

/* Of the table's sniffs, exactly the one of the format named want (NULL:
 * none) accepts head[len], and detection gives that format (NULL: none).
 * what names the head in a failure. */
void ft_assert_sniffed(const char *what, const char *head, size_t len,
                       const char *want);

/* ft_assert_sniffed on the head of the file path. */
void ft_assert_sniffed_file(const char *path, const char *want);

#endif
