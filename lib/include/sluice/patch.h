/* Patch coverage: of the lines a diff adds (sluice/diff.h), how many the
 * run's coverage reports know as instrumented (coverable) and how many of
 * those ran (covered), as Codecov defines it: the rate is covered /
 * coverable. An added blank line or comment is in no report, so it is
 * added but not coverable.
 *
 * Shared by `sluice-agent push --diff` and `sluice check --diff`: parse
 * the diff first, make a patch over it, parse every artifact through the
 * sink sl_patch_sink gives (it forwards the records to the caller's sink
 * and takes the coverage parsers' line reports), then read the result.
 *
 * Matching paths. The diff names files from the top of the repository
 * ("src/foo.c"); reports name them absolute ("/ci/work/src/foo.c"),
 * relative to a source root ("foo.c", Cobertura's filename with its
 * <source> joined when there is one), or by package ("com/x/Foo.java").
 * Paths are compared by their components ('/', and '\' in report paths;
 * empty and "." components ignored) from the last one back: the score of
 * a pair is the number of trailing components they share, 0 when even
 * the file names differ.
 * - A report's file feeds the diff file(s) it scores highest with (at
 *   least 1), so "/ci/work/src/foo.c" goes to "src/foo.c", not to
 *   "test/foo.c" of the same diff.
 * - A diff file takes its lines from the report files of the highest
 *   score it gets: ties (the same file in several reports, or under
 *   several roots) add up, a line being covered when any of them ran it;
 *   a better match found later replaces what a worse one gave.
 * - A diff file no report file matches adds its lines to lines_added
 *   only. Reports name no repository root, so a report's file that the
 *   diff does not touch can still match one it does when their trailing
 *   components agree (diff "foo.c", report "/ci/work/lib/foo.c"): make
 *   report paths absolute or relative to the repository where you can.
 *
 * Memory: two bits per added line, a word per run of added lines, and
 * the diff's file list sorted by file name; nothing per report line. */
#ifndef SLUICE_PATCH_H
#define SLUICE_PATCH_H

#include <stdint.h>

#include "sluice/diff.h"
#include "sluice/err.h"
#include "sluice/formats.h"
#include "sluice/wire.h"

/* Line marks one patch makes at most (a line of a report range that falls
 * on an added line is one mark): hostile Go profiles of overlapping
 * blocks spanning a huge added file would otherwise cost hours. */
#define SL_PATCH_MARKS_MAX (UINT64_C(1) << 32)

typedef struct sl_patch sl_patch_t;

/* A patch over diff (borrowed: it must outlive the patch) into *out, freed
 * with sl_patch_destroy. SL_OK or SL_ENOMEM. */
int sl_patch_new(sl_patch_t **out, const sl_diff_t *diff) SL_NODISCARD;
/* Frees *pp and NULLs it. NULL-safe. */
void sl_patch_destroy(sl_patch_t **pp);

/* Fills *out with a sink that passes every record to inner (copied: the
 * caller's ctx must outlive the parse; inner's own line callback is not
 * used) and gives the coverage parsers' line reports to p. Every
 * coverage_total record passing through counts a coverage report. */
void sl_patch_sink(sl_patch_t *p, const sl_sink_t *inner, sl_sink_t *out);

/* The line callback of sl_patch_sink's sink (sl_sink_line_fn), ctx being
 * the patch: lines first..last of the report's file path ran hits times.
 * SL_OK, SL_ENOMEM, or SL_ETOOBIG past SL_PATCH_MARKS_MAX. */
int sl_patch_line(void *ctx, const char *path, uint64_t first, uint64_t last,
                  uint64_t hits) SL_NODISCARD;

/* Coverage reports seen through the sink (coverage_total records). */
uint64_t sl_patch_reports(const sl_patch_t *p);

/* The result into *out (initialized here): lines added, coverable and
 * covered, and the diff's files that add lines. SL_EINVAL with "--diff:
 * no coverage report among the files ..." in err when no coverage report
 * went through the sink: patch coverage needs one. */
int sl_patch_result(const sl_patch_t *p, Sluice__V1__PatchCoverage *out,
                    sl_err_t *err) SL_NODISCARD;

/* ev (initialized here) as the PatchCoverage event of pc, for stream
 * SL_STREAM_PATCH, seq 1. ev points at pc. */
void sl_patch_event(sl_pb_event_t *ev, Sluice__V1__PatchCoverage *pc);

#endif
