/* Judging a run: every rule of docs/gate.md, against its policy and, where
 * a rule compares, its baseline runs. Pure: the gate, `sluice gate replay`
 * and `sluice check` give it what they know. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/policy.h"
#include "sluice/stats.h"

#define FLAKY_REASONS_MAX 20 /* named one by one; the rest in one reason */
#define NAMES_IN_MESSAGE 10  /* failed tests named in tests.failed */

typedef struct judge {
    const sl_judge_in_t *in;
    const sl_policy_t *p;
    sl_pb_verdict_t *v;
    int rc;
    int fails, warns, incomplete;
} judge_t;

static char *
dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

/* Adds a reason; returns it (NULL after an error, which j->rc keeps). */
static Sluice__V1__Reason *
reason(judge_t *j, Sluice__V1__VerdictStatus status, const char *rule,
       const char *subject, double value, double threshold, const char *fmt,
       ...)
{
    if (j->rc != SL_OK) {
        return NULL;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    Sluice__V1__Reason *r = malloc(sizeof *r);
    Sluice__V1__Reason **na =
        realloc(j->v->reasons, (j->v->n_reasons + 1) * sizeof *na);
    if (na != NULL) {
        j->v->reasons = na;
    }
    if (r == NULL || na == NULL) {
        free(r);
        j->rc = SL_ENOMEM;
        return NULL;
    }
    sluice__v1__reason__init(r);
    r->rule = dup_or_empty(rule);
    r->message = dup_or_empty(msg);
    r->subject = dup_or_empty(subject);
    r->status = status;
    r->value = value;
    r->threshold = threshold;
    j->v->reasons[j->v->n_reasons++] = r;
    if (r->rule == NULL || r->message == NULL || r->subject == NULL) {
        j->rc = SL_ENOMEM;
        return NULL;
    }
    switch (status) {
    case SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL:
        j->fails++;
        break;
    case SLUICE__V1__VERDICT_STATUS__VERDICT_WARN:
        j->warns++;
        break;
    case SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE:
        j->incomplete++;
        break;
    default:
        break;
    }
    return r;
}

static void
set_str(judge_t *j, char **field, const char *s)
{
    if (j->rc != SL_OK) {
        return;
    }
    char *d = dup_or_empty(s);
    if (d == NULL) {
        j->rc = SL_ENOMEM;
        return;
    }
    if (*field != NULL && *field != protobuf_c_empty_string) {
        free(*field);
    }
    *field = d;
}

/* Notes that rule (with subject, when given: "rule:subject") was
 * evaluated. */
static void
checked(judge_t *j, const char *rule, const char *subject)
{
    if (j->rc != SL_OK) {
        return;
    }
    char buf[1200];
    if (subject != NULL && subject[0] != '\0') {
        (void)snprintf(buf, sizeof buf, "%s:%s", rule, subject);
    } else {
        (void)snprintf(buf, sizeof buf, "%s", rule);
    }
    char **na = realloc(j->v->rules_checked,
                        (j->v->n_rules_checked + 1) * sizeof *na);
    char *d = strdup(buf);
    if (na != NULL) {
        j->v->rules_checked = na;
    }
    if (na == NULL || d == NULL) {
        free(d);
        j->rc = SL_ENOMEM;
        return;
    }
    na[j->v->n_rules_checked++] = d;
}

static const char *
count_str(uint64_t n, char *buf, size_t len)
{
    if (n == SL_POLICY_UNLIMITED) {
        return "unlimited";
    }
    (void)snprintf(buf, len, "%llu", (unsigned long long)n);
    return buf;
}

/* A maximum rule: fails when count > max. */
static void
judge_max(judge_t *j, const char *rule, uint64_t count, uint64_t max,
          const char *what)
{
    checked(j, rule, NULL);
    if (max == SL_POLICY_UNLIMITED || count <= max) {
        return;
    }
    char b[32];
    (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL, rule, NULL,
                 (double)count, (double)max, "%llu %s (maximum %s)",
                 (unsigned long long)count, what,
                 count_str(max, b, sizeof b));
}

/* ---- completeness ---- */

static int
has_format(const sl_pb_run_t *r, const char *const *formats)
{
    for (size_t i = 0; i < r->n_artifacts; i++) {
        for (size_t k = 0; formats[k] != NULL; k++) {
            if (strcmp(r->artifacts[i]->format, formats[k]) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* Whether the run holds the kind it declared (RunMeta.expect). -1: the
 * kind is unknown. */
static int
has_kind(const sl_pb_run_t *r, const char *kind)
{
    static const char *const sarif[] = {"sarif", NULL};
    if (strcmp(kind, "tests") == 0) {
        return r->tests->total > 0;
    }
    if (strcmp(kind, "coverage") == 0) {
        return r->coverage_reports > 0;
    }
    if (strcmp(kind, "benchmarks") == 0) {
        return r->n_benchmarks > 0;
    }
    if (strcmp(kind, "findings") == 0) {
        return has_format(r, sarif);
    }
    if (strcmp(kind, "patch") == 0) {
        return r->patch != NULL;
    }
    return -1;
}

static void
judge_complete(judge_t *j)
{
    const sl_pb_run_t *r = j->in->run;
    if (r->meta->n_expect == 0 && r->n_artifacts == 0) {
        return;
    }
    checked(j, "run.complete", NULL);
    for (size_t i = 0; i < r->meta->n_expect; i++) {
        const char *k = r->meta->expect[i];
        int has = has_kind(r, k);
        if (has == 0) {
            (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE,
                         "run.complete", k, 0, 1,
                         "the run declared %s (--expect) but sent none", k);
        } else if (has < 0) {
            (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE,
                         "run.complete", k, 0, 1,
                         "the run declared an unknown kind '%s'", k);
        }
    }
    for (size_t i = 0; i < r->n_artifacts; i++) {
        const Sluice__V1__Artifact *a = r->artifacts[i];
        if (!a->complete) {
            (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE,
                         "run.complete", a->path, 0, 1,
                         "%s (%s) was not received whole: events are "
                         "missing from its stream",
                         a->path, a->format);
        }
    }
}

/* ---- tests ---- */

static const char *
flaky_why(const sl_test_note_t *t, char *buf, size_t len)
{
    switch (t->flaky) {
    case SL_FLAKY_RERUN:
        return "failed, then passed on a rerun within the run";
    case SL_FLAKY_SAME_COMMIT:
        return "failed and passed on the same commit";
    case SL_FLAKY_FLIPS:
        (void)snprintf(buf, len,
                       "flips between pass and fail in %.0f%% of its recent "
                       "baseline runs",
                       100.0 * t->flip_rate);
        return buf;
    default:
        return "";
    }
}

static int
is_failure(const sl_test_note_t *t)
{
    return t->status == SLUICE__V1__TEST_STATUS__TEST_FAILED ||
           t->status == SLUICE__V1__TEST_STATUS__TEST_ERRORED;
}

/* tests.failed / tests.errors: count over max, naming the first tests of
 * that status that count (flaky ones aside when flaky tests warn). */
static void
judge_counted(judge_t *j, const char *rule, Sluice__V1__TestStatus status,
              uint64_t count, uint64_t max, const char *what)
{
    checked(j, rule, NULL);
    if (max == SL_POLICY_UNLIMITED || count <= max) {
        return;
    }
    char names[700] = "";
    size_t len = 0, listed = 0;
    for (size_t i = 0; i < j->in->n_tests && listed < NAMES_IN_MESSAGE; i++) {
        const sl_test_note_t *n = &j->in->tests[i];
        if (n->status != status ||
            (n->flaky != SL_FLAKY_NOT && j->p->flaky == SL_FLAKY_WARN)) {
            continue;
        }
        int w = snprintf(names + len, sizeof names - len, "%s%s",
                         listed ? ", " : ": ", n->id);
        if (w < 0 || (size_t)w >= sizeof names - len) {
            break;
        }
        len += (size_t)w;
        listed++;
    }
    char b[32];
    (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL, rule, NULL,
                 (double)count, (double)max, "%llu %s (maximum %s)%s%s",
                 (unsigned long long)count, what, count_str(max, b, sizeof b),
                 names, listed > 0 && count > listed ? ", ..." : "");
}

static void
judge_tests(judge_t *j)
{
    const sl_judge_in_t *in = j->in;
    const sl_policy_t *p = j->p;
    const Sluice__V1__TestCounts *t = in->run->tests;
    uint64_t flaky_failed = 0, flaky_errors = 0;
    size_t named = 0, flaky_total = 0;
    if (p->flaky != SL_FLAKY_IGNORE) {
        checked(j, "tests.flaky", NULL);
    }
    for (size_t i = 0; i < in->n_tests && j->rc == SL_OK; i++) {
        const sl_test_note_t *n = &in->tests[i];
        if (n->flaky == SL_FLAKY_NOT || p->flaky == SL_FLAKY_IGNORE) {
            continue;
        }
        flaky_total++;
        if (p->flaky == SL_FLAKY_WARN && is_failure(n)) {
            if (n->status == SLUICE__V1__TEST_STATUS__TEST_FAILED) {
                flaky_failed++;
            } else {
                flaky_errors++;
            }
        }
        if (named < FLAKY_REASONS_MAX) {
            char buf[128];
            named++;
            (void)reason(j,
                         p->flaky == SL_FLAKY_FAIL && is_failure(n)
                             ? SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL
                             : SLUICE__V1__VERDICT_STATUS__VERDICT_WARN,
                         "tests.flaky", n->id, 1, 0, "%s is flaky: %s%s",
                         n->id, flaky_why(n, buf, sizeof buf),
                         is_failure(n) && p->flaky == SL_FLAKY_WARN
                             ? " (its failure warns instead of failing)"
                             : "");
        }
    }
    if (flaky_total > named) {
        (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_WARN,
                     "tests.flaky", "", (double)flaky_total, 0,
                     "%zu more flaky test(s) not named here",
                     flaky_total - named);
    }
    /* Failures that count: all, less the flaky ones when flaky warns. */
    uint64_t failed = t->failed - (flaky_failed < t->failed ? flaky_failed
                                                             : t->failed);
    uint64_t errors = t->errors - (flaky_errors < t->errors ? flaky_errors
                                                             : t->errors);
    judge_counted(j, "tests.failed", SLUICE__V1__TEST_STATUS__TEST_FAILED,
                  failed, p->max_failures, "test(s) failed");
    judge_counted(j, "tests.errors", SLUICE__V1__TEST_STATUS__TEST_ERRORED,
                  errors, p->max_errors, "test(s) errored");
}

/* ---- coverage ---- */

static double
line_rate(const Sluice__V1__Coverage *c)
{
    return 100.0 * (double)c->lines_covered / (double)c->lines_valid;
}

/* The newest baseline run with line coverage, or NULL. */
static const sl_pb_run_t *
base_with_coverage(const sl_baseline_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const sl_pb_run_t *r = b->runs[i];
        if (r->coverage_reports > 0 && r->coverage->lines_valid > 0) {
            return r;
        }
    }
    return NULL;
}

static void
judge_coverage(judge_t *j)
{
    const sl_pb_run_t *r = j->in->run;
    const sl_policy_t *p = j->p;
    const Sluice__V1__Coverage *c = r->coverage;
    int has_lines = r->coverage_reports > 0 && c->lines_valid > 0;
    if (has_lines && p->min_line_coverage > 0) {
        double pct = line_rate(c);
        checked(j, "coverage.line", NULL);
        if (pct < p->min_line_coverage) {
            (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL,
                         "coverage.line", NULL, pct, p->min_line_coverage,
                         "line coverage %.2f%% (%llu of %llu lines) is "
                         "below %.2f%%",
                         pct, (unsigned long long)c->lines_covered,
                         (unsigned long long)c->lines_valid,
                         p->min_line_coverage);
        }
    }
    if (r->coverage_reports > 0 && c->branches_valid > 0 &&
        p->min_branch_coverage > 0) {
        double pct =
            100.0 * (double)c->branches_covered / (double)c->branches_valid;
        checked(j, "coverage.branch", NULL);
        if (pct < p->min_branch_coverage) {
            (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL,
                         "coverage.branch", NULL, pct, p->min_branch_coverage,
                         "branch coverage %.2f%% (%llu of %llu branches) "
                         "is below %.2f%%",
                         pct, (unsigned long long)c->branches_covered,
                         (unsigned long long)c->branches_valid,
                         p->min_branch_coverage);
        }
    }
    const sl_pb_run_t *b = base_with_coverage(&j->in->base);
    if (has_lines && p->max_coverage_drop >= 0 && b != NULL) {
        double now = line_rate(c), then = line_rate(b->coverage);
        double drop = then - now;
        checked(j, "coverage.drop", NULL);
        if (drop > p->max_coverage_drop) {
            Sluice__V1__Reason *x = reason(
                j, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL, "coverage.drop",
                NULL, now, p->max_coverage_drop,
                "line coverage dropped %.2f points, from %.2f%% (run %s, "
                "commit %.12s) to %.2f%% (maximum drop %.2f)",
                drop, then, b->run_id, b->meta->commit, now,
                p->max_coverage_drop);
            if (x != NULL) {
                x->baseline = then;
                x->has_baseline = 1;
                x->baseline_n = 1;
                set_str(j, &x->unit, "%");
            }
        }
    }
    const Sluice__V1__PatchCoverage *pc = r->patch;
    if (pc != NULL && pc->lines_coverable > 0 && p->min_patch_coverage > 0) {
        double pct =
            100.0 * (double)pc->lines_covered / (double)pc->lines_coverable;
        checked(j, "coverage.patch", NULL);
        if (pct < p->min_patch_coverage) {
            (void)reason(j, SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL,
                         "coverage.patch", NULL, pct, p->min_patch_coverage,
                         "patch coverage %.2f%% (%llu of %llu added lines "
                         "that can be covered) is below %.2f%%",
                         pct, (unsigned long long)pc->lines_covered,
                         (unsigned long long)pc->lines_coverable,
                         p->min_patch_coverage);
        }
    }
}

/* ---- security ---- */

static void
judge_findings(judge_t *j)
{
    const sl_judge_in_t *in = j->in;
    const sl_policy_t *p = j->p;
    const Sluice__V1__FindingCounts *f = in->run->findings;
    int only_new = p->count_findings == SL_COUNT_NEW && in->has_new;
    uint64_t n[5] = {f->none, f->low, f->medium, f->high, f->critical};
    if (only_new) {
        memcpy(n, in->new_findings, sizeof n);
    }
    const char *adj = only_new ? "new " : "";
    char what[4][40];
    static const char *const sev[] = {"critical", "high", "medium", "low"};
    for (size_t i = 0; i < 4; i++) {
        (void)snprintf(what[i], sizeof what[i], "%s%s finding(s)", adj,
                       sev[i]);
    }
    judge_max(j, "findings.critical", n[4], p->max_critical, what[0]);
    judge_max(j, "findings.high", n[3], p->max_high, what[1]);
    judge_max(j, "findings.medium", n[2], p->max_medium, what[2]);
    judge_max(j, "findings.low", n[1], p->max_low, what[3]);
}

/* ---- performance ---- */

static int
same_bench(const Sluice__V1__Benchmark *a, const Sluice__V1__Benchmark *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->measure, b->measure) == 0;
}

static const Sluice__V1__Benchmark *
find_bench(const sl_pb_run_t *r, const Sluice__V1__Benchmark *b)
{
    for (size_t i = 0; i < r->n_benchmarks; i++) {
        if (same_bench(r->benchmarks[i], b)) {
            return r->benchmarks[i];
        }
    }
    return NULL;
}

/* A baseline figure the statistics can take: its value and samples
 * finite and below SL_STATS_MAX_ABS (a run that is not is left out of
 * the baseline rather than turning the comparison off). */
static int
usable(const Sluice__V1__Benchmark *o)
{
    if (!isfinite(o->value) || fabs(o->value) >= SL_STATS_MAX_ABS) {
        return 0;
    }
    for (size_t i = 0; i < o->n_samples; i++) {
        if (!isfinite(o->samples[i]) ||
            fabs(o->samples[i]) >= SL_STATS_MAX_ABS) {
            return 0;
        }
    }
    return 1;
}

static const char *const method_names[] = {"percent", "zscore", "welch",
                                           "iqr"};

/* The benchmark's display name: "name" or "name/measure". */
static void
bench_label(const Sluice__V1__Benchmark *b, char *buf, size_t len)
{
    if (b->measure[0] != '\0') {
        (void)snprintf(buf, len, "%s/%s", b->name, b->measure);
    } else {
        (void)snprintf(buf, len, "%s", b->name);
    }
}

static void
judge_one_bench(judge_t *j, const Sluice__V1__Benchmark *b)
{
    const sl_baseline_t *base = &j->in->base;
    char label[600];
    bench_label(b, label, sizeof label);
    const sl_bench_rule_t *rule = sl_policy_bench_rule(j->p, b->name);
    size_t cap = rule->window < base->n ? rule->window : base->n;
    double *vals = malloc((cap + 1) * sizeof *vals);
    size_t *counts = malloc((cap + 1) * sizeof *counts);
    size_t nv = 0, ns = 0;
    for (size_t i = 0; i < base->n && nv < rule->window && vals && counts;
         i++) {
        const Sluice__V1__Benchmark *o = find_bench(base->runs[i], b);
        if (o != NULL && usable(o)) {
            counts[nv] = o->n_samples;
            vals[nv++] = o->value;
            ns += o->n_samples;
        }
    }
    double *samples = malloc((ns + 1) * sizeof *samples);
    if (vals == NULL || samples == NULL || counts == NULL) {
        free(vals);
        free(counts);
        free(samples);
        j->rc = SL_ENOMEM;
        return;
    }
    ns = 0;
    for (size_t i = 0, k = 0; i < base->n && k < nv; i++) {
        const Sluice__V1__Benchmark *o = find_bench(base->runs[i], b);
        if (o != NULL && usable(o)) {
            if (o->n_samples > 0) {
                memcpy(samples + ns, o->samples,
                       o->n_samples * sizeof *samples);
            }
            ns += o->n_samples;
            k++;
        }
    }
    int lower = rule->direction == SL_DIR_AUTO ? b->lower_is_better
                : rule->direction == SL_DIR_LOWER;
    sl_cmp_in_t ci = {
        .method = (sl_cmp_method_t)rule->method,
        .lower_is_better = lower,
        .warn = rule->warn,
        .fail = rule->fail,
        .min_change = rule->min_change,
        .min_history = rule->min_history,
        .base_values = vals,
        .n_base = nv,
        .base_samples = samples,
        .n_base_samples = ns,
        .value = b->value,
        .samples = b->samples,
        .n_samples = b->n_samples,
        .base_sample_counts = counts,
    };
    sl_cmp_t co;
    int rc = sl_cmp_bench(&ci, &co);
    free(vals);
    free(counts);
    free(samples);
    if (rc == SL_EINVAL) {
        return; /* NaN, infinite or absurd figures: not judged */
    }
    if (rc != SL_OK) {
        j->rc = rc;
        return;
    }
    if (co.status == SL_CMP_SKIP) {
        return;
    }
    checked(j, "bench.regression", label);
    if (co.status == SL_CMP_PASS) {
        return;
    }
    const char *m = method_names[rule->method & 3];
    char stat[96] = "";
    if (rule->method == SL_BENCH_WELCH) {
        (void)snprintf(stat, sizeof stat, ", t = %.2f, p = %.2g", co.stat,
                       co.p);
    } else if (rule->method != SL_BENCH_PERCENT) {
        (void)snprintf(stat, sizeof stat, ", %s = %.2f", co.stat_name,
                       co.stat);
    }
    double threshold = co.status == SL_CMP_FAIL ? rule->fail : rule->warn;
    const Sluice__V1__Baseline *about = base->about;
    Sluice__V1__Reason *x = reason(
        j,
        co.status == SL_CMP_FAIL ? SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL
                                 : SLUICE__V1__VERDICT_STATUS__VERDICT_WARN,
        "bench.regression", label, co.candidate, threshold,
        "%s: %.6g %s against a baseline of %.6g ± %.3g %s (n = %zu, %s "
        "runs%s%s), %+.1f%% (%s%s, %s threshold %g)",
        label, co.candidate, b->unit, co.base_mean, co.base_spread, b->unit,
        co.base_n, about != NULL ? about->branch : "baseline",
        about != NULL && about->pinned ? ", pinned" : "",
        about != NULL && about->base_found ? ", up to the merge-base" : "",
        co.change_pct, m, stat, co.status == SL_CMP_FAIL ? "fail" : "warn",
        threshold);
    if (x == NULL) {
        return;
    }
    x->baseline = co.base_mean;
    x->has_baseline = 1;
    x->baseline_spread = co.base_spread;
    x->baseline_n = (uint32_t)co.base_n;
    x->change_pct = co.change_pct;
    x->statistic_value = co.stat;
    x->p_value = co.p;
    set_str(j, &x->unit, b->unit);
    if (rule->method != SL_BENCH_PERCENT) { /* percent: change_pct says it */
        set_str(j, &x->statistic, co.stat_name);
    }
    set_str(j, &x->method, m);
}

static void
judge_benchmarks(judge_t *j)
{
    const sl_pb_run_t *r = j->in->run;
    for (size_t i = 0; i < r->n_benchmarks && j->rc == SL_OK; i++) {
        judge_one_bench(j, r->benchmarks[i]);
    }
}

int
sl_judge(const sl_judge_in_t *in, sl_pb_verdict_t **out)
{
    sl_policy_t defaults;
    const sl_policy_t *p = in->policy;
    if (p == NULL) {
        sl_policy_defaults(&defaults);
        p = &defaults;
    }
    *out = NULL;
    sl_pb_verdict_t *v = malloc(sizeof *v);
    if (v == NULL) {
        return SL_ENOMEM;
    }
    sluice__v1__verdict__init(v);
    judge_t j = {.in = in, .p = p, .v = v, .rc = SL_OK};
    if (in->run->state == SLUICE__V1__RUN_STATE__RUN_FINISHED) {
        judge_complete(&j);
    }
    judge_tests(&j);
    judge_coverage(&j);
    judge_findings(&j);
    judge_benchmarks(&j);
    if (j.rc == SL_OK && in->base.about != NULL && in->base.n > 0) {
        j.rc = sl_wire_clone(&in->base.about->base, (void **)&v->baseline);
    }
    if (j.rc == SL_OK) {
        char *snap = NULL;
        j.rc = sl_policy_snapshot(p, &snap);
        if (j.rc == SL_OK) {
            v->policy = snap;
        }
    }
    if (j.rc != SL_OK) {
        sl_wire_free(&v);
        return j.rc;
    }
    v->status = j.fails > 0        ? SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL
                : j.incomplete > 0 ? SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE
                : j.warns > 0      ? SLUICE__V1__VERDICT_STATUS__VERDICT_WARN
                                   : SLUICE__V1__VERDICT_STATUS__VERDICT_PASS;
    v->decided_lsn = in->run->last_lsn;
    *out = v;
    return SL_OK;
}

int
sl_policy_judge(const sl_pb_run_t *r, const sl_policy_t *p,
                sl_pb_verdict_t **out)
{
    sl_judge_in_t in = {.run = r, .policy = p};
    return sl_judge(&in, out);
}
