/* The run summary as JSON (DESIGN.md, "The user's contract"). */
#include "sluice/run.h"

#include <string.h>

#include "sluice/clock.h"
#include "sluice/json.h"
#include "sluice/verdict.h"

static void
gen_tests(yajl_gen g, const Sluice__V1__TestCounts *t)
{
    sl_json_str(g, "tests");
    (void)yajl_gen_map_open(g);
    sl_json_ku64(g, "total", t->total);
    sl_json_ku64(g, "passed", t->passed);
    sl_json_ku64(g, "failed", t->failed);
    sl_json_ku64(g, "errors", t->errors);
    sl_json_ku64(g, "skipped", t->skipped);
    (void)yajl_gen_map_close(g);
}

/* covered / valid, or null when nothing was measured. */
static void
gen_rate(yajl_gen g, const char *k, uint64_t covered, uint64_t valid)
{
    sl_json_knum(g, k, valid > 0 ? (double)covered / (double)valid : 0,
                 valid > 0);
}

void
sl_run_json_coverage(yajl_gen g, const Sluice__V1__Coverage *c, int rates)
{
    sl_json_ku64(g, "lines_valid", c->lines_valid);
    sl_json_ku64(g, "lines_covered", c->lines_covered);
    if (rates) {
        gen_rate(g, "line_rate", c->lines_covered, c->lines_valid);
    }
    sl_json_ku64(g, "branches_valid", c->branches_valid);
    sl_json_ku64(g, "branches_covered", c->branches_covered);
    if (rates) {
        gen_rate(g, "branch_rate", c->branches_covered, c->branches_valid);
    }
    sl_json_ku64(g, "functions_valid", c->functions_valid);
    sl_json_ku64(g, "functions_covered", c->functions_covered);
}

/* null when no coverage report came with the run. */
static void
gen_coverage(yajl_gen g, const sl_pb_run_t *r)
{
    const Sluice__V1__Coverage *c = r->coverage;
    sl_json_str(g, "coverage");
    if (r->coverage_reports == 0) {
        (void)yajl_gen_null(g);
        return;
    }
    (void)yajl_gen_map_open(g);
    sl_run_json_coverage(g, c, 1);
    sl_json_ku64(g, "files", c->files);
    sl_json_ku64(g, "reports", r->coverage_reports);
    (void)yajl_gen_map_close(g);
}

/* Only when the run has patch coverage (a push or check with --diff):
 * rate is covered / coverable, null when no added line is coverable. */
static void
gen_patch(yajl_gen g, const sl_pb_run_t *r)
{
    const Sluice__V1__PatchCoverage *p = r->patch;
    if (p == NULL) {
        return;
    }
    sl_json_str(g, "patch");
    (void)yajl_gen_map_open(g);
    sl_json_ku64(g, "lines_added", p->lines_added);
    sl_json_ku64(g, "lines_coverable", p->lines_coverable);
    sl_json_ku64(g, "lines_covered", p->lines_covered);
    gen_rate(g, "rate", p->lines_covered, p->lines_coverable);
    sl_json_ku64(g, "files", p->files);
    (void)yajl_gen_map_close(g);
}

void
sl_run_json_benchmark(yajl_gen g, const Sluice__V1__Benchmark *b)
{
    sl_json_kstr(g, "name", b->name);
    if (b->measure[0] != '\0') {
        sl_json_kstr(g, "measure", b->measure);
    }
    sl_json_knum(g, "value", b->value, 1);
    sl_json_kstr(g, "unit", b->unit);
    sl_json_kbool(g, "lower_is_better", b->lower_is_better);
    sl_json_knum(g, "stddev", b->stddev, b->stddev > 0);
    sl_json_str(g, "samples");
    (void)yajl_gen_array_open(g);
    for (size_t k = 0; k < b->n_samples; k++) {
        sl_json_num(g, b->samples[k]);
    }
    (void)yajl_gen_array_close(g);
    sl_json_ku64(g, "samples_total", b->samples_total);
}

static void
gen_benchmarks(yajl_gen g, const sl_pb_run_t *r)
{
    sl_json_str(g, "benchmarks");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < r->n_benchmarks; i++) {
        (void)yajl_gen_map_open(g);
        sl_run_json_benchmark(g, r->benchmarks[i]);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
}

static void
gen_findings(yajl_gen g, const Sluice__V1__FindingCounts *f)
{
    sl_json_str(g, "findings");
    (void)yajl_gen_map_open(g);
    sl_json_ku64(g, "critical", f->critical);
    sl_json_ku64(g, "high", f->high);
    sl_json_ku64(g, "medium", f->medium);
    sl_json_ku64(g, "low", f->low);
    sl_json_ku64(g, "none", f->none);
    sl_json_str(g, "by_rule");
    (void)yajl_gen_map_open(g);
    for (size_t i = 0; i < f->n_by_rule; i++) {
        sl_json_ku64(g, f->by_rule[i]->rule, f->by_rule[i]->count);
    }
    (void)yajl_gen_map_close(g);
    (void)yajl_gen_map_close(g);
}

/* A reason: the contract's keys (rule, value, threshold, baseline,
 * message), then the ones the gate set (proto3: a zero or empty field is
 * not set). */
static void
gen_reason(yajl_gen g, const Sluice__V1__Reason *re)
{
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "rule", re->rule);
    sl_json_knum(g, "value", re->value, 1);
    sl_json_knum(g, "threshold", re->threshold, 1);
    sl_json_knum(g, "baseline", re->baseline, re->has_baseline);
    sl_json_kstr(g, "message", re->message);
    if (re->status != SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING) {
        sl_json_kstr(g, "status", sl_verdict_name(re->status));
    }
    const char *strs[][2] = {{"subject", re->subject},
                             {"unit", re->unit},
                             {"method", re->method}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        if (strs[i][1][0] != '\0') {
            sl_json_kstr(g, strs[i][0], strs[i][1]);
        }
    }
    if (re->baseline_spread != 0) {
        sl_json_knum(g, "baseline_spread", re->baseline_spread, 1);
    }
    if (re->baseline_n != 0) {
        sl_json_ku64(g, "baseline_n", re->baseline_n);
    }
    if (re->change_pct != 0) {
        sl_json_knum(g, "change_pct", re->change_pct, 1);
    }
    if (re->statistic[0] != '\0') {
        sl_json_kstr(g, "statistic", re->statistic);
        sl_json_knum(g, "statistic_value", re->statistic_value, 1);
    }
    if (re->p_value != 0) {
        sl_json_knum(g, "p_value", re->p_value, 1);
    }
    (void)yajl_gen_map_close(g);
}

/* null when the verdict had nothing to compare with. */
static void
gen_baseline(yajl_gen g, const Sluice__V1__Baseline *b)
{
    sl_json_str(g, "baseline");
    if (b == NULL) {
        (void)yajl_gen_null(g);
        return;
    }
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "branch", b->branch);
    sl_json_str(g, "run_ids");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < b->n_run_ids; i++) {
        sl_json_str(g, b->run_ids[i]);
    }
    (void)yajl_gen_array_close(g);
    sl_json_kstr(g, "commit", b->commit);
    sl_json_ktime(g, "finished", b->finished_us);
    sl_json_kbool(g, "pinned", b->pinned);
    if (b->base_commit[0] != '\0') {
        sl_json_kstr(g, "base_commit", b->base_commit);
        sl_json_kbool(g, "base_found", b->base_found);
    }
    if (b->runner[0] != '\0') {
        sl_json_kstr(g, "runner", b->runner);
    }
    (void)yajl_gen_map_close(g);
}

void
sl_run_json_verdict(yajl_gen g, const sl_pb_verdict_t *v,
                    int (*keep)(const Sluice__V1__Reason *r, void *ctx),
                    void *ctx)
{
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "status", sl_verdict_name(v->status));
    sl_json_str(g, "reasons");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < v->n_reasons; i++) {
        if (keep == NULL || keep(v->reasons[i], ctx)) {
            gen_reason(g, v->reasons[i]);
        }
    }
    (void)yajl_gen_array_close(g);
    sl_json_ku64(g, "decided_lsn", v->decided_lsn);
    sl_json_kbool(g, "early", v->early);
    gen_baseline(g, v->baseline);
    sl_json_str(g, "rules_checked");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < v->n_rules_checked; i++) {
        sl_json_str(g, v->rules_checked[i]);
    }
    (void)yajl_gen_array_close(g);
    if (v->policy[0] != '\0') {
        sl_json_kstr(g, "policy", v->policy);
    }
    (void)yajl_gen_map_close(g);
}

static void
gen_verdict(yajl_gen g, const char *key, const sl_pb_verdict_t *v)
{
    sl_json_str(g, key);
    sl_run_json_verdict(g, v, NULL, NULL);
}

static void
gen_artifacts(yajl_gen g, const sl_pb_run_t *r)
{
    sl_json_str(g, "artifacts");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < r->n_artifacts; i++) {
        const Sluice__V1__Artifact *a = r->artifacts[i];
        (void)yajl_gen_map_open(g);
        sl_json_kstr(g, "path", a->path);
        sl_json_kstr(g, "format", a->format);
        sl_json_ku64(g, "size", a->size);
        sl_json_kbool(g, "complete", a->complete);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
}

static void
gen_run(yajl_gen g, const sl_pb_run_t *r)
{
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "run_id", r->run_id);
    sl_json_kstr(g, "project", r->meta->project);
    sl_json_kstr(g, "branch", r->meta->branch);
    sl_json_kstr(g, "commit", r->meta->commit);
    sl_json_kstr(g, "ci", r->meta->ci);
    sl_json_kstr(g, "state", sl_state_name(r->state));
    sl_json_ktime(g, "created", r->created_us);
    sl_json_ktime(g, "finished", r->finished_us);
    sl_json_ku64(g, "events", r->events);
    gen_tests(g, r->tests);
    gen_coverage(g, r);
    gen_patch(g, r);
    gen_benchmarks(g, r);
    gen_findings(g, r->findings);
    gen_verdict(g, "verdict", r->verdict);
    if (r->early_verdict != NULL) {
        gen_verdict(g, "early_verdict", r->early_verdict);
    }
    gen_artifacts(g, r);
    sl_json_kbool(g, "capped", r->capped);
    sl_json_kbool(g, "pruned", r->pruned);
    (void)yajl_gen_map_close(g);
}

int
sl_run_json(const sl_pb_run_t *r, FILE *out)
{
    yajl_gen g = sl_json_new(1);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    gen_run(g, r);
    int rc = sl_json_flush(g, out);
    yajl_gen_free(g);
    return rc;
}

static double
pct(uint64_t covered, uint64_t valid)
{
    return valid > 0 ? 100.0 * (double)covered / (double)valid : 0.0;
}

/* "lines 80.0% (8/10)"; nothing when the format had none. */
static void
print_cov(FILE *out, const char *what, uint64_t covered, uint64_t valid)
{
    if (valid > 0) {
        fprintf(out, ", %s %.1f%% (%llu/%llu)", what, pct(covered, valid),
                (unsigned long long)covered, (unsigned long long)valid);
    }
}

/* One line per kind the run has. */
static void
print_kinds(const sl_pb_run_t *r, FILE *out)
{
    const Sluice__V1__TestCounts *t = r->tests;
    if (t->total > 0) {
        fprintf(out, "  tests       %llu: %llu passed, %llu failed, %llu "
                     "errors, %llu skipped\n",
                (unsigned long long)t->total, (unsigned long long)t->passed,
                (unsigned long long)t->failed, (unsigned long long)t->errors,
                (unsigned long long)t->skipped);
    }
    if (r->coverage_reports > 0) {
        const Sluice__V1__Coverage *c = r->coverage;
        fprintf(out, "  coverage    %llu file(s)",
                (unsigned long long)c->files);
        print_cov(out, "lines", c->lines_covered, c->lines_valid);
        print_cov(out, "branches", c->branches_covered, c->branches_valid);
        print_cov(out, "functions", c->functions_covered, c->functions_valid);
        fputc('\n', out);
    }
    for (size_t i = 0; i < r->n_benchmarks; i++) {
        const Sluice__V1__Benchmark *b = r->benchmarks[i];
        fprintf(out, "  benchmark   %s%s%s: %g %s (%s is better, %zu "
                     "sample(s))\n",
                b->name, b->measure[0] ? " " : "", b->measure, b->value,
                b->unit, b->lower_is_better ? "lower" : "higher",
                b->n_samples);
    }
    if (r->capped) {
        fprintf(out, "  capped      the summary left out some samples, "
                     "benchmarks, rules or artifacts;\n"
                     "              every record is in the log (sluice "
                     "events)\n");
    }
    const Sluice__V1__FindingCounts *f = r->findings;
    if (f->critical + f->high + f->medium + f->low + f->none > 0) {
        fprintf(out, "  findings    %llu critical, %llu high, %llu medium, "
                     "%llu low, %llu none\n",
                (unsigned long long)f->critical, (unsigned long long)f->high,
                (unsigned long long)f->medium, (unsigned long long)f->low,
                (unsigned long long)f->none);
    }
}

/* "verdict: fail (early)  run r1  project demo  branch main  commit
 * 0123456789ab": what is known of the run, sanitized. */
static void
print_status(const sl_pb_run_t *r, const sl_pb_verdict_t *v, FILE *out)
{
    static const struct {
        const char *label;
        size_t cols;
    } parts[] = {{"run", 64}, {"project", 40}, {"branch", 40}, {"commit", 0}};
    const char *vals[] = {r->run_id, r->meta->project, r->meta->branch,
                          r->meta->commit};
    char cell[256];
    fprintf(out, "verdict: %s%s", sl_verdict_name(v->status),
            v->early ? " (early)" : "");
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (vals[i][0] == '\0') {
            continue;
        }
        if (i == 3) {
            sl_verdict_commit(vals[i], cell, sizeof cell);
        } else {
            (void)sl_verdict_cell(vals[i], parts[i].cols, cell, sizeof cell);
        }
        fprintf(out, "  %s %s", parts[i].label, cell);
    }
    fputc('\n', out);
}

void
sl_run_print_verdict_at(const sl_pb_run_t *r, int64_t now_us, FILE *out)
{
    const sl_pb_verdict_t *v = sl_verdict_of(r);
    print_status(r, v, out);
    print_kinds(r, out);
    sl_verdict_print_reasons(v, now_us, out);
}

void
sl_run_print_verdict(const sl_pb_run_t *r, FILE *out)
{
    sl_run_print_verdict_at(r, sl_now_us(), out);
}
