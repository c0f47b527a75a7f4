/* The run-summary model: a run record (sluice.v1.RunRecord) folded from the
 * events of one run, shared by the collector (its runs database), the gate
 * (its own per-run state) and `sluice run --json` / `sluice check`.
 *
 * Records made or decoded here have every sub-message allocated (meta,
 * tests, verdict are never NULL) and every field malloc'ed, so they are
 * freed by sl_run_free and can be edited in place. */
#ifndef SLUICE_RUN_H
#define SLUICE_RUN_H

#include <stdio.h>

#include <yajl/yajl_gen.h>

#include "sluice/wire.h"

/* Reserved stream ids (artifact streams are digests of the content). */
#define SL_STREAM_FINISH 1u
#define SL_STREAM_VERDICT 2u
#define SL_STREAM_ALERT 3u   /* the gate's alerts about the run, seq 1.. */
#define SL_STREAM_EARLY 4u   /* the gate's early verdict, seq 1 */
#define SL_STREAM_CONTROL 5u /* control runs ("baseline/<project>") */
#define SL_STREAM_PATCH 6u   /* the agent's patch coverage, seq 1.. */

/* What one run record keeps at most, so that it always packs well under
 * SL_WIRE_MAX_MSG whatever was pushed: past a cap the summary leaves the
 * rest out (it stays in the log) and sets the record's capped flag.
 * Samples past the cap are dropped from the benchmark that brings them
 * (its value and samples_total stay); rules past the cap count under
 * SL_RUN_OTHER_RULES. */
#define SL_RUN_SAMPLES_MAX    131072u /* samples over all benchmarks */
#define SL_RUN_BENCHMARKS_MAX 2048u
#define SL_RUN_RULES_MAX      1024u
#define SL_RUN_ARTIFACTS_MAX  1024u
#define SL_RUN_OTHER_RULES    "(other rules)"

/* A new open run. NULL on OOM. */
sl_pb_run_t *sl_run_new(const char *run_id);
/* Decodes a stored record. SL_EINPUT / SL_ENOMEM. */
int sl_run_decode(const void *buf, size_t len, sl_pb_run_t **out,
                  sl_err_t *err) SL_NODISCARD;
void sl_run_free(sl_pb_run_t **rp);

/* Folds one stored event into the run: counts, meta, artifacts, state,
 * verdict, LSN range. SL_ENOMEM on OOM (the record stays consistent). */
int sl_run_apply(sl_pb_run_t *r, const sl_pb_event_t *ev, uint64_t lsn,
                 int64_t now_us) SL_NODISCARD;

/* The highest contiguous seq stored for stream (0: none). */
uint64_t sl_run_high_seq(const sl_pb_run_t *r, uint64_t stream);
/* Records the highest contiguous seq of stream. SL_ENOMEM. */
int sl_run_set_high_seq(sl_pb_run_t *r, uint64_t stream, uint64_t seq)
    SL_NODISCARD;

/* "pass", "warn", "fail" or "pending". */
const char *sl_verdict_name(Sluice__V1__VerdictStatus status);
/* "open" or "finished". */
const char *sl_state_name(Sluice__V1__RunState state);
/* The status filter value of a run: its verdict name, or "open". */
const char *sl_run_status(const sl_pb_run_t *r);

/* Writes the run summary of DESIGN.md's contract as JSON to out. Its
 * verdict {status, reasons [{rule, value, threshold, baseline, message,
 * and the reason's other fields the gate set}], early, baseline (null:
 * none), rules_checked}, and early_verdict alike when the run has one.
 * SL_EIO / SL_ENOMEM. */
int sl_run_json(const sl_pb_run_t *r, FILE *out) SL_NODISCARD;

/* The figures of a Coverage message as members of the JSON object open in
 * g: lines, branches and functions valid and covered, with
 * line_rate and branch_rate when rates is nonzero. */
void sl_run_json_coverage(yajl_gen g, const Sluice__V1__Coverage *c,
                          int rates);

/* A benchmark's members (name, measure when set, value, unit,
 * lower_is_better, stddev, samples, samples_total) into the JSON object
 * open in g. */
void sl_run_json_benchmark(yajl_gen g, const Sluice__V1__Benchmark *b);

/* The verdict v as a JSON object into g (the run JSON's "verdict"):
 * status, reasons (each with the contract's keys, then those the gate
 * set), decided_lsn, early, baseline (null: none), rules_checked. keep
 * (NULL: all) chooses the reasons written. */
void sl_run_json_verdict(yajl_gen g, const sl_pb_verdict_t *v,
                         int (*keep)(const Sluice__V1__Reason *r, void *ctx),
                         void *ctx);

/* Writes the verdict for people (sluice-agent push --wait, sluice run R,
 * sluice check): the status line (status, "(early)" for an early verdict,
 * run id, project, branch, commit), a line per kind of result the run has,
 * then the table of reasons, the baseline and the rules checked
 * (verdict.h). The verdict is sl_verdict_of(r); now_us dates the
 * baseline's age. */
void sl_run_print_verdict_at(const sl_pb_run_t *r, int64_t now_us,
                             FILE *out);
/* sl_run_print_verdict_at now. */
void sl_run_print_verdict(const sl_pb_run_t *r, FILE *out);

#endif
