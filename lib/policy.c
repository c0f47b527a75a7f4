#include "sluice/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
add_reason(sl_pb_verdict_t *v, const char *rule, double value,
           double threshold, const char *msg)
{
    Sluice__V1__Reason *r = malloc(sizeof *r);
    Sluice__V1__Reason **na =
        realloc(v->reasons, (v->n_reasons + 1) * sizeof *na);
    if (na != NULL) {
        v->reasons = na;
    }
    if (r == NULL || na == NULL) {
        free(r);
        return SL_ENOMEM;
    }
    sluice__v1__reason__init(r);
    r->rule = strdup(rule);
    r->message = strdup(msg);
    if (r->rule == NULL || r->message == NULL) {
        sl_wire_free(&r);
        return SL_ENOMEM;
    }
    r->value = value;
    r->threshold = threshold;
    v->reasons[v->n_reasons++] = r;
    return SL_OK;
}

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

/* A reason when count is over max: "<count> <what> (maximum <max>)". */
static int
judge_max(sl_pb_verdict_t *v, const char *rule, uint64_t count, uint64_t max,
          const char *what)
{
    if (max == SL_POLICY_UNLIMITED || count <= max) {
        return SL_OK;
    }
    char msg[128];
    (void)snprintf(msg, sizeof msg, "%llu %s (maximum %llu)",
                   (unsigned long long)count, what, (unsigned long long)max);
    return add_reason(v, rule, (double)count, (double)max, msg);
}

static int
judge_coverage(const sl_pb_run_t *r, const sl_policy_t *p, sl_pb_verdict_t *v)
{
    const Sluice__V1__Coverage *c = r->coverage;
    if (r->coverage_reports == 0 || c->lines_valid == 0 ||
        !(p->min_line_coverage > 0)) {
        return SL_OK;
    }
    double pct = 100.0 * (double)c->lines_covered / (double)c->lines_valid;
    if (pct >= p->min_line_coverage) {
        return SL_OK;
    }
    char msg[160];
    (void)snprintf(msg, sizeof msg,
                   "line coverage %.2f%% (%llu of %llu lines) is below "
                   "%.2f%%",
                   pct, (unsigned long long)c->lines_covered,
                   (unsigned long long)c->lines_valid, p->min_line_coverage);
    return add_reason(v, "coverage.line", pct, p->min_line_coverage, msg);
}

static int
judge_all(const sl_pb_run_t *r, const sl_policy_t *p, sl_pb_verdict_t *v)
{
    const Sluice__V1__TestCounts *t = r->tests;
    const Sluice__V1__FindingCounts *f = r->findings;
    int rc = judge_max(v, "tests.failed", t->failed, p->max_failures,
                       "test(s) failed");
    rc = rc == SL_OK ? judge_max(v, "tests.errors", t->errors, p->max_errors,
                                 "test(s) errored")
                     : rc;
    rc = rc == SL_OK ? judge_coverage(r, p, v) : rc;
    rc = rc == SL_OK ? judge_max(v, "findings.critical", f->critical,
                                 p->max_critical, "critical finding(s)")
                     : rc;
    rc = rc == SL_OK ? judge_max(v, "findings.high", f->high, p->max_high,
                                 "high finding(s)")
                     : rc;
    rc = rc == SL_OK ? judge_max(v, "findings.medium", f->medium,
                                 p->max_medium, "medium finding(s)")
                     : rc;
    rc = rc == SL_OK ? judge_max(v, "findings.low", f->low, p->max_low,
                                 "low finding(s)")
                     : rc;
    return rc;
}

int
sl_policy_judge(const sl_pb_run_t *r, const sl_policy_t *p,
                sl_pb_verdict_t **out)
{
    sl_policy_t defaults;
    if (p == NULL) {
        sl_policy_defaults(&defaults);
        p = &defaults;
    }
    sl_pb_verdict_t *v = malloc(sizeof *v);
    *out = NULL;
    if (v == NULL) {
        return SL_ENOMEM;
    }
    sluice__v1__verdict__init(v);
    int rc = judge_all(r, p, v);
    if (rc != SL_OK) {
        sl_wire_free(&v);
        return rc;
    }
    v->status = v->n_reasons > 0 ? SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL
                                 : SLUICE__V1__VERDICT_STATUS__VERDICT_PASS;
    v->decided_lsn = r->last_lsn;
    *out = v;
    return SL_OK;
}
