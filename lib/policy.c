#include "sluice/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sl_policy_defaults(sl_policy_t *p)
{
    memset(p, 0, sizeof *p);
    p->max_failures = 0;
    p->max_errors = 0;
    p->min_line_coverage = 75.0;
    p->max_critical = 0;
    p->max_high = 0;
    p->max_medium = 3;
    p->max_low = SL_POLICY_UNLIMITED;
    p->flaky = SL_FLAKY_WARN;
    p->flaky_flip_rate = 0.2;
    p->flaky_window = 20;
    p->min_branch_coverage = 0;
    p->max_coverage_drop = -1;
    p->min_patch_coverage = 0;
    p->count_findings = SL_COUNT_ALL;
    sl_bench_rule_t *d = &p->bench_default;
    (void)snprintf(d->match, sizeof d->match, "*");
    d->direction = SL_DIR_AUTO;
    d->method = SL_BENCH_PERCENT;
    d->window = 10;
    d->min_history = 3;
    d->warn = 10;
    d->fail = 20;
    d->min_change = 5;
    (void)snprintf(p->baseline_branch, sizeof p->baseline_branch, "main");
    (void)snprintf(p->protected_branches[0], sizeof p->protected_branches[0],
                   "main");
    p->n_protected = 1;
    p->alert_timeout_ms = 5000;
}
