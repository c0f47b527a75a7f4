/* The run summary as JSON (DESIGN.md, "The user's contract"). */
#include "sluice/run.h"

#include <math.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "sluice/clock.h"

static void
key(yajl_gen g, const char *k)
{
    (void)yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void
kv_str(yajl_gen g, const char *k, const char *v)
{
    key(g, k);
    (void)yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

static void
kv_int(yajl_gen g, const char *k, uint64_t v)
{
    key(g, k);
    (void)yajl_gen_integer(g, (long long)v);
}

static void
kv_num(yajl_gen g, const char *k, double v)
{
    key(g, k);
    if (isfinite(v)) {
        (void)yajl_gen_double(g, v);
    } else {
        (void)yajl_gen_null(g);
    }
}

static void
kv_time(yajl_gen g, const char *k, int64_t us)
{
    char buf[32];
    key(g, k);
    if (us == 0) {
        (void)yajl_gen_null(g);
        return;
    }
    (void)sl_time_iso(us, buf);
    (void)yajl_gen_string(g, (const unsigned char *)buf, strlen(buf));
}

static void
gen_tests(yajl_gen g, const Sluice__V1__TestCounts *t)
{
    key(g, "tests");
    (void)yajl_gen_map_open(g);
    kv_int(g, "total", t->total);
    kv_int(g, "passed", t->passed);
    kv_int(g, "failed", t->failed);
    kv_int(g, "errors", t->errors);
    kv_int(g, "skipped", t->skipped);
    (void)yajl_gen_map_close(g);
}

/* Coverage, benchmarks and findings come with later formats; until a run
 * has them they are null / empty / zero. */
static void
gen_other_kinds(yajl_gen g)
{
    key(g, "coverage");
    (void)yajl_gen_null(g);
    key(g, "benchmarks");
    (void)yajl_gen_array_open(g);
    (void)yajl_gen_array_close(g);
    key(g, "findings");
    (void)yajl_gen_map_open(g);
    kv_int(g, "critical", 0);
    kv_int(g, "high", 0);
    kv_int(g, "medium", 0);
    kv_int(g, "low", 0);
    key(g, "by_rule");
    (void)yajl_gen_map_open(g);
    (void)yajl_gen_map_close(g);
    (void)yajl_gen_map_close(g);
}

static void
gen_verdict(yajl_gen g, const sl_pb_verdict_t *v)
{
    key(g, "verdict");
    (void)yajl_gen_map_open(g);
    kv_str(g, "status", sl_verdict_name(v->status));
    key(g, "reasons");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < v->n_reasons; i++) {
        const Sluice__V1__Reason *r = v->reasons[i];
        (void)yajl_gen_map_open(g);
        kv_str(g, "rule", r->rule);
        kv_num(g, "value", r->value);
        kv_num(g, "threshold", r->threshold);
        if (r->has_baseline) {
            kv_num(g, "baseline", r->baseline);
        } else {
            key(g, "baseline");
            (void)yajl_gen_null(g);
        }
        kv_str(g, "message", r->message);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
    (void)yajl_gen_map_close(g);
}

static void
gen_artifacts(yajl_gen g, const sl_pb_run_t *r)
{
    key(g, "artifacts");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < r->n_artifacts; i++) {
        const Sluice__V1__Artifact *a = r->artifacts[i];
        (void)yajl_gen_map_open(g);
        kv_str(g, "path", a->path);
        kv_str(g, "format", a->format);
        kv_int(g, "size", a->size);
        key(g, "complete");
        (void)yajl_gen_bool(g, a->complete);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
}

static void
gen_run(yajl_gen g, const sl_pb_run_t *r)
{
    (void)yajl_gen_map_open(g);
    kv_str(g, "run_id", r->run_id);
    kv_str(g, "project", r->meta->project);
    kv_str(g, "branch", r->meta->branch);
    kv_str(g, "commit", r->meta->commit);
    kv_str(g, "ci", r->meta->ci);
    kv_str(g, "state", sl_state_name(r->state));
    kv_time(g, "created", r->created_us);
    kv_time(g, "finished", r->finished_us);
    kv_int(g, "events", r->events);
    gen_tests(g, r->tests);
    gen_other_kinds(g);
    gen_verdict(g, r->verdict);
    gen_artifacts(g, r);
    (void)yajl_gen_map_close(g);
}

int
sl_run_json(const sl_pb_run_t *r, FILE *out)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    (void)yajl_gen_config(g, yajl_gen_beautify, 1);
    gen_run(g, r);
    const unsigned char *buf;
    size_t len;
    int rc = SL_OK;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok ||
        fwrite(buf, 1, len, out) != len) {
        rc = SL_EIO;
    }
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
