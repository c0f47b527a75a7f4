/* The run summary as JSON (DESIGN.md, "The user's contract"). */
#include "sluice/run.h"

#include <string.h>

#include "sluice/json.h"

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

/* Coverage, benchmarks and findings come with later formats; until a run
 * has them they are null / empty / zero. */
static void
gen_other_kinds(yajl_gen g)
{
    sl_json_str(g, "coverage");
    (void)yajl_gen_null(g);
    sl_json_str(g, "benchmarks");
    (void)yajl_gen_array_open(g);
    (void)yajl_gen_array_close(g);
    sl_json_str(g, "findings");
    (void)yajl_gen_map_open(g);
    sl_json_ku64(g, "critical", 0);
    sl_json_ku64(g, "high", 0);
    sl_json_ku64(g, "medium", 0);
    sl_json_ku64(g, "low", 0);
    sl_json_str(g, "by_rule");
    (void)yajl_gen_map_open(g);
    (void)yajl_gen_map_close(g);
    (void)yajl_gen_map_close(g);
}

static void
gen_verdict(yajl_gen g, const sl_pb_verdict_t *v)
{
    sl_json_str(g, "verdict");
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "status", sl_verdict_name(v->status));
    sl_json_reasons(g, v);
    (void)yajl_gen_map_close(g);
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
    gen_other_kinds(g);
    gen_verdict(g, r->verdict);
    gen_artifacts(g, r);
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

void
sl_run_print_verdict(const sl_pb_run_t *r, FILE *out)
{
    const sl_pb_verdict_t *v = r->verdict;
    fprintf(out, "verdict: %s  (run %s, %llu tests: %llu passed, %llu "
                 "failed, %llu errors, %llu skipped)\n",
            sl_verdict_name(v->status), r->run_id,
            (unsigned long long)r->tests->total,
            (unsigned long long)r->tests->passed,
            (unsigned long long)r->tests->failed,
            (unsigned long long)r->tests->errors,
            (unsigned long long)r->tests->skipped);
    for (size_t i = 0; i < v->n_reasons; i++) {
        const Sluice__V1__Reason *re = v->reasons[i];
        fprintf(out, "  %-20s %s (value %g, threshold %g)\n", re->rule,
                re->message, re->value, re->threshold);
    }
}
