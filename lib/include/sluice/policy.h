/* Judging a run against thresholds. One set of thresholds (sl_policy_t)
 * for now: the defaults below, which `sluice check` lets the command line
 * override. (Policy files per project and branch, baselines and the
 * statistics come with the gate's policies.)
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

#endif
