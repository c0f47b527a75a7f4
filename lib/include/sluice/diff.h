/* Unified diffs, as `git diff` writes them (also `git diff --binary`,
 * `git format-patch`, and plain `diff -u` / `diff -ruN`): for each file
 * the diff adds lines to, its path in the new tree and the sorted line
 * numbers of the added lines in the new file. What patch coverage
 * (sluice/patch.h) is computed over.
 *
 * The diff is read as a stream (one 128 KiB buffer, whatever its size);
 * what is kept is the paths and the runs of consecutive added lines.
 * - A file is a "--- OLD" line followed by a "+++ NEW" line, then its
 *   hunks "@@ -A[,B] +C[,D] @@". NEW "/dev/null" (a deleted file) is
 *   skipped; so is a file that adds no line (only removals, a rename or
 *   a mode change, binary files: git writes no "+++" for those).
 * - Paths: git's C-quoted form ("b/t\303\251st.c") is unquoted; an
 *   unquoted path ends at a TAB (git's marker after a name with a space,
 *   diff's timestamp). In a git diff (a "diff --git" header) the new path
 *   loses git's one-letter prefix ("b/", or the mnemonic "w/", "i/"...)
 *   unless the header shows --no-prefix. In a plain diff, the first
 *   component is dropped when OLD and NEW both have more than one and
 *   their first components differ (`diff -ruN old new`: "new/src/x.c"
 *   becomes "src/x.c").
 * - Hunk bodies must match their headers' counts: ' ' (or an empty line,
 *   a context line whose space was stripped) counts one old and one new
 *   line, '-' one old, '+' one new (an added line), '\' ("\ No newline at
 *   end of file") none. A line ending in CR LF is read without the CR.
 * - Hunks of a file must come in order of their new lines, and a path may
 *   not be given twice.
 * - Lines outside hunks that are no file header (index, mode, rename and
 *   similarity lines, "Binary files ... differ", a GIT binary patch, a
 *   commit message) are skipped. Combined diffs of merges ("diff --cc",
 *   "@@@") are refused. An empty file is an empty diff (no change); a file
 *   with text but no file header is refused: it is not a diff.
 * Errors name the diff's path and the line: "path:LINE: reason". */
#ifndef SLUICE_DIFF_H
#define SLUICE_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/err.h"

/* Caps (documented in docs/formats.md, "Patch coverage"). */
#define SL_DIFF_SIZE_MAX   (256u << 20) /* bytes of diff read */
#define SL_DIFF_FILES_MAX  100000u      /* files with added lines */
#define SL_DIFF_PATH_MAX   4096u        /* bytes of one path, unquoted */
#define SL_DIFF_PATHS_MAX  (32u << 20)  /* bytes of all paths kept */
#define SL_DIFF_LINENO_MAX 0x7fffffffu  /* a line number in a file */
#define SL_DIFF_RUNS_MAX   (4u << 20)   /* runs of added lines, all files */

/* Added lines first..last (inclusive) of a file's new version. */
typedef struct sl_diff_run {
    uint32_t first, last;
} sl_diff_run_t;

/* One file of the diff that adds lines. */
typedef struct sl_diff_file {
    const char *path; /* the new path, NUL-terminated */
    size_t path_len;
    const sl_diff_run_t *runs; /* ascending, disjoint, never adjacent */
    size_t nruns;
    uint64_t added; /* lines added: the runs' lengths summed */
    uint64_t line;  /* line of the diff with its "+++" */
} sl_diff_file_t;

/* A parsed diff. Opaque; read with the accessors below. */
typedef struct sl_diff sl_diff_t;

/* Parses the diff read from fd (from its offset to the end; the fd stays
 * the caller's) into *out, which the caller frees with sl_diff_destroy.
 * name is used in messages. Returns SL_OK; SL_EINPUT (malformed), with
 * "name:LINE: reason"; SL_ETOOBIG (a cap); SL_EIO; SL_ENOMEM. On error
 * *out is NULL. */
int sl_diff_parse_fd(int fd, const char *name, sl_diff_t **out,
                     sl_err_t *err) SL_NODISCARD;

/* sl_diff_parse_fd on the file at path, named path in messages. */
int sl_diff_parse_file(const char *path, sl_diff_t **out,
                       sl_err_t *err) SL_NODISCARD;

/* Frees *dp and NULLs it. NULL-safe. */
void sl_diff_destroy(sl_diff_t **dp);

/* The number of files that add lines, and file i of them (i < that
 * number), in the order of the diff. Valid as long as d. */
size_t sl_diff_nfiles(const sl_diff_t *d);
const sl_diff_file_t *sl_diff_file(const sl_diff_t *d, size_t i);

/* Lines added, all files. */
uint64_t sl_diff_lines_added(const sl_diff_t *d);

#endif
