/* Judging a run. For now one built-in policy: a finished run fails when any
 * test failed or errored, and passes otherwise. (The policy file and the
 * other rule kinds come with the gate's policies.) */
#ifndef SLUICE_POLICY_H
#define SLUICE_POLICY_H

#include "sluice/run.h"

/* Fills *out with a newly allocated verdict (every reason, its rule, value
 * and threshold) for r; the caller frees it with sl_wire_free. SL_ENOMEM. */
int sl_policy_judge(const sl_pb_run_t *r, sl_pb_verdict_t **out)
    SL_NODISCARD;

#endif
