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

/* One reason per counter over its maximum of 0. */
static int
judge_tests(const Sluice__V1__TestCounts *t, sl_pb_verdict_t *v)
{
    char msg[128];
    int rc = SL_OK;
    if (t->failed > 0) {
        (void)snprintf(msg, sizeof msg, "%llu test(s) failed (maximum 0)",
                       (unsigned long long)t->failed);
        rc = add_reason(v, "tests.failed", (double)t->failed, 0, msg);
    }
    if (rc == SL_OK && t->errors > 0) {
        (void)snprintf(msg, sizeof msg, "%llu test(s) errored (maximum 0)",
                       (unsigned long long)t->errors);
        rc = add_reason(v, "tests.errors", (double)t->errors, 0, msg);
    }
    return rc;
}

int
sl_policy_judge(const sl_pb_run_t *r, sl_pb_verdict_t **out)
{
    sl_pb_verdict_t *v = malloc(sizeof *v);
    *out = NULL;
    if (v == NULL) {
        return SL_ENOMEM;
    }
    sluice__v1__verdict__init(v);
    int rc = judge_tests(r->tests, v);
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
