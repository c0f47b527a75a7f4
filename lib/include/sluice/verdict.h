/* A verdict for people: its reasons as text cells (value, threshold,
 * baseline, change), the baseline it was judged against, and the aligned
 * table `sluice-agent push --wait` and `sluice run R` print. The agent's CI
 * outputs (GitHub annotations and step summary, JUnit XML) build on the
 * same cells, so every output says the same thing.
 *
 * Every string of a verdict is hostile: the cells and the table replace
 * invalid UTF-8 and control characters with '?', so nothing written can
 * drive a terminal. */
#ifndef SLUICE_VERDICT_H
#define SLUICE_VERDICT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/run.h"

/* The table's target width; a table wider than this moves each message to
 * lines of its own, wrapped at this width. */
#define SL_VERDICT_COLS 100

/* The verdict r is judged by: the final one once given, else the early
 * one when the gate sent one, else the final (pending) one. r comes from
 * sl_run_new/sl_run_decode or a Run reply checked for a verdict: never
 * NULL. */
const sl_pb_verdict_t *sl_verdict_of(const sl_pb_run_t *r);

/* What reason re does: its own status when the gate set one, else the
 * verdict's when that is warn or incomplete, else fail. */
Sluice__V1__VerdictStatus sl_verdict_reason_status(
    const sl_pb_verdict_t *v, const Sluice__V1__Reason *re);

/* Nonzero for the statuses that fail a CI job: fail and incomplete. */
int sl_verdict_failing(Sluice__V1__VerdictStatus status);

/* The figures of one reason as text, "" where the reason has none:
 * value "12.5 ms", threshold "10%" (in the method's terms: "|z| 3",
 * "p 0.05", "k 1.5" for zscore, welch and iqr), baseline "10.1 ms ± 0.3,
 * n=5" (IQR instead of ± for iqr), change "+23.8%" (+ is worse), and the
 * test statistic and p-value when set, "t=5.12, p=0.0012". Units and
 * names are sanitized (invalid UTF-8, control characters: '?') and cut. */
typedef struct sl_verdict_cells {
    char value[64];
    char threshold[64];
    char baseline[128];
    char change[32];
    char stat[64];
} sl_verdict_cells_t;

void sl_verdict_cells(const Sluice__V1__Reason *re, sl_verdict_cells_t *c);

/* "value 12.5 ms, threshold 10%, baseline 10.1 ms ± 0.3, n=5, change
 * +23.8% (t=5.12, p=0.0012)": the cells that are set, for one-line
 * outputs. */
void sl_verdict_figures(const sl_verdict_cells_t *c, char *buf, size_t cap);

/* The baseline of v in one line, or "" when v has none: "5 run(s) of main
 * (r9, r8, r7 and 2 more), newest at commit 0123456789ab, finished 2 h
 * ago; pinned; merge-base 89abcdef0123 found; runner linux-x64". now_us
 * gives the age. The text is sanitized. */
void sl_verdict_baseline_text(const sl_pb_verdict_t *v, int64_t now_us,
                              char *buf, size_t cap);

/* Copies s into buf[cap] for a terminal: invalid UTF-8 and control
 * characters become '?', and past max_cols characters the rest is cut
 * (on a character boundary) and "…" ends it. Returns the characters
 * written (a character counts as one column). */
size_t sl_verdict_cell(const char *s, size_t max_cols, char *buf, size_t cap);

/* A commit for people: its first 12 characters, sanitized, with no mark
 * (a git abbreviation). */
void sl_verdict_commit(const char *commit, char *buf, size_t cap);

/* Writes v's reasons as an aligned table (a header, then one row per
 * reason: status, rule, subject, value, threshold, baseline, change, and
 * the message, followed by the statistic in parentheses, inline when the
 * whole fits SL_VERDICT_COLS, else on lines of its own under the row;
 * only the rule and subject columns are narrowed to fit), then the baseline line and the count of
 * rules checked. Columns no reason fills are left out; nothing is written
 * for a verdict with no reasons, no baseline and no rules checked. */
void sl_verdict_print_reasons(const sl_pb_verdict_t *v, int64_t now_us,
                              FILE *out);

#endif
