/* Judging a run against thresholds. One set of thresholds (sl_policy_t)
 * for now: the defaults below, changed by a policy file (policy_file.c,
 * below) and, in `sluice check`, by the command line. (Thresholds per
 * project and branch, baselines and the statistics come later.)
 *
 * Rules, each giving one reason when broken (the verdict fails):
 *   tests.failed        failed tests        > max_failures
 *   tests.errors        errored tests       > max_errors
 *   coverage.line       line coverage %     < min_line_coverage
 *                       (only when the run has coverage with lines)
 *   findings.critical   critical findings   > max_critical
 *   findings.high       high findings       > max_high
 *   findings.medium     medium findings     > max_medium
 *   findings.low        low findings        > max_low
 * A maximum of SL_POLICY_UNLIMITED turns its rule off; a minimum of 0
 * does. */
#ifndef SLUICE_POLICY_H
#define SLUICE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/run.h"

#define SL_POLICY_UNLIMITED UINT64_MAX

typedef struct sl_policy {
    uint64_t max_failures;    /* default 0 */
    uint64_t max_errors;      /* default 0 */
    double min_line_coverage; /* percent; default 75 */
    uint64_t max_critical;    /* default 0 */
    uint64_t max_high;        /* default 0 */
    uint64_t max_medium;      /* default 3 */
    uint64_t max_low;         /* default unlimited */
} sl_policy_t;

/* The defaults above. */
void sl_policy_defaults(sl_policy_t *p);

/* Fills *out with a newly allocated verdict (every reason, its rule, value
 * and threshold) for r under p (NULL: the defaults); the caller frees it
 * with sl_wire_free. SL_ENOMEM. */
int sl_policy_judge(const sl_pb_run_t *r, const sl_policy_t *p,
                    sl_pb_verdict_t **out) SL_NODISCARD;

/* ---- policy files (policy_file.c) ----
 *
 * A policy file is one YAML document: a mapping whose only key, for now,
 * is `defaults`, itself a mapping of these keys, each optional:
 *   min_coverage        percentage, 0 to 100 (0: off)  -> min_line_coverage
 *   max_test_failures   N or unlimited                 -> max_failures
 *   max_test_errors     N or unlimited                 -> max_errors
 *   max_critical_vulns  N or unlimited                 -> max_critical
 *   max_high_vulns      N or unlimited                 -> max_high
 *   max_medium_vulns    N or unlimited                 -> max_medium
 *   max_low_vulns       N or unlimited                 -> max_low
 * Numbers are plain (unquoted) scalars; "unlimited" may be quoted. Refused,
 * each with "NAME:LINE:COL: reason" (LINE and COL from 1): YAML syntax
 * errors, a document that is not a mapping, no document or more than one,
 * another top-level key (not supported yet), an unknown key, a duplicate
 * key, a value of the wrong type or out of range, anchors and aliases (no
 * alias bombs), and tags. */

#define SL_POLICY_FILE_MAX (1u << 20) /* bytes: 1 MiB */

/* A percentage: digits with an optional fraction ("75", "62.5"), from 0
 * to 100, into *out. SL_EINVAL for any other form, SL_ETOOBIG above 100;
 * *out untouched then. */
int sl_policy_parse_pct(const char *s, double *out) SL_NODISCARD;

/* A maximum: digits below SL_POLICY_UNLIMITED, or "unlimited" (which is
 * SL_POLICY_UNLIMITED). SL_EINVAL for any other form, SL_ETOOBIG for a
 * number too large; *out untouched then. */
int sl_policy_parse_max(const char *s, uint64_t *out) SL_NODISCARD;

/* Parses the policy document text[0..len) (named name in messages): *p
 * gets sl_policy_defaults changed by the keys under `defaults`. On error
 * *p is untouched and err says why: SL_EINPUT (the file is refused),
 * SL_ETOOBIG (over SL_POLICY_FILE_MAX), SL_ENOMEM. */
int sl_policy_parse(const char *name, const char *text, size_t len,
                    sl_policy_t *p, sl_err_t *err) SL_NODISCARD;

/* sl_policy_parse of the file at path (at most SL_POLICY_FILE_MAX bytes;
 * it may be a pipe). Adds SL_EIO, SL_ENOTFOUND and the other codes of
 * sl_rc_from_errno for a file that cannot be read. */
int sl_policy_load(const char *path, sl_policy_t *p, sl_err_t *err)
    SL_NODISCARD;

#endif
