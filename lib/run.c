#include "sluice/run.h"

#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "sluice/clock.h"

/* Replaces *field with a malloc'ed copy of s (protobuf-c frees it). */
static int
set_str(char **field, const char *s)
{
    char *d = strdup(s != NULL ? s : "");
    if (d == NULL) {
        return SL_ENOMEM;
    }
    if (*field != NULL && *field != protobuf_c_empty_string) {
        free(*field);
    }
    *field = d;
    return SL_OK;
}

/* Allocates any missing sub-message so callers never see NULL. */
static int
fill_subs(sl_pb_run_t *r)
{
    if (r->meta == NULL && (r->meta = malloc(sizeof *r->meta)) != NULL) {
        sluice__v1__run_meta__init(r->meta);
    }
    if (r->tests == NULL && (r->tests = malloc(sizeof *r->tests)) != NULL) {
        sluice__v1__test_counts__init(r->tests);
    }
    if (r->verdict == NULL &&
        (r->verdict = malloc(sizeof *r->verdict)) != NULL) {
        sluice__v1__verdict__init(r->verdict);
    }
    if (r->coverage == NULL &&
        (r->coverage = malloc(sizeof *r->coverage)) != NULL) {
        sluice__v1__coverage__init(r->coverage);
    }
    if (r->findings == NULL &&
        (r->findings = malloc(sizeof *r->findings)) != NULL) {
        sluice__v1__finding_counts__init(r->findings);
    }
    return r->meta && r->tests && r->verdict && r->coverage && r->findings
               ? SL_OK
               : SL_ENOMEM;
}

sl_pb_run_t *
sl_run_new(const char *run_id)
{
    sl_pb_run_t *r = malloc(sizeof *r);
    if (r == NULL) {
        return NULL;
    }
    sluice__v1__run_record__init(r);
    if (set_str(&r->run_id, run_id) != SL_OK || fill_subs(r) != SL_OK) {
        sl_run_free(&r);
    }
    return r;
}

int
sl_run_decode(const void *buf, size_t len, sl_pb_run_t **out, sl_err_t *err)
{
    void *m;
    int rc = sl_wire_unpack(&sluice__v1__run_record__descriptor, buf, len,
                            &m, err);
    if (rc != SL_OK) {
        return rc;
    }
    sl_pb_run_t *r = m;
    if (fill_subs(r) != SL_OK) {
        sl_run_free(&r);
        return sl_err_set(err, SL_ENOMEM, "run record: out of memory");
    }
    *out = r;
    return SL_OK;
}

void
sl_run_free(sl_pb_run_t **rp)
{
    sl_wire_free(rp);
}

uint64_t
sl_run_high_seq(const sl_pb_run_t *r, uint64_t stream)
{
    for (size_t i = 0; i < r->n_streams; i++) {
        if (r->streams[i]->stream == stream) {
            return r->streams[i]->high_seq;
        }
    }
    return 0;
}

/* Appends p to a protobuf-c repeated field (array of pointers). */
static int
push_ptr(void ***arr, size_t *n, void *p)
{
    void **na = realloc(*arr, (*n + 1) * sizeof *na);
    if (na == NULL) {
        return SL_ENOMEM;
    }
    na[*n] = p;
    *arr = na;
    (*n)++;
    return SL_OK;
}

int
sl_run_set_high_seq(sl_pb_run_t *r, uint64_t stream, uint64_t seq)
{
    for (size_t i = 0; i < r->n_streams; i++) {
        if (r->streams[i]->stream == stream) {
            r->streams[i]->high_seq = seq;
            return SL_OK;
        }
    }
    Sluice__V1__StreamMark *m = malloc(sizeof *m);
    if (m == NULL) {
        return SL_ENOMEM;
    }
    sluice__v1__stream_mark__init(m);
    m->stream = stream;
    m->high_seq = seq;
    int rc = push_ptr((void ***)&r->streams, &r->n_streams, m);
    if (rc != SL_OK) {
        free(m);
    }
    return rc;
}

/* Fills empty meta fields from a later meta event; the first value wins. */
static int
apply_meta(Sluice__V1__RunMeta *dst, const Sluice__V1__RunMeta *src)
{
    char **d[] = {&dst->project, &dst->branch,  &dst->commit,
                  &dst->ci,      &dst->job,     &dst->url,
                  &dst->runner,  &dst->base_branch, &dst->base_commit};
    const char *s[] = {src->project, src->branch,      src->commit,
                       src->ci,      src->job,         src->url,
                       src->runner,  src->base_branch, src->base_commit};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        if (**d[i] == '\0' && s[i][0] != '\0' &&
            set_str(d[i], s[i]) != SL_OK) {
            return SL_ENOMEM;
        }
    }
    /* The kinds declared: the first meta that declares any. */
    if (dst->n_expect == 0 && src->n_expect > 0) {
        size_t n = src->n_expect < 16 ? src->n_expect : 16;
        char **e = calloc(n, sizeof *e);
        if (e == NULL) {
            return SL_ENOMEM;
        }
        dst->expect = e;
        for (size_t i = 0; i < n; i++) {
            if (set_str(&e[i], src->expect[i]) != SL_OK) {
                return SL_ENOMEM; /* e[i..] NULL: freed as far as set */
            }
            dst->n_expect = i + 1;
        }
    }
    return SL_OK;
}

static void
apply_test(Sluice__V1__TestCounts *c, Sluice__V1__TestStatus status)
{
    c->total++;
    switch (status) {
    case SLUICE__V1__TEST_STATUS__TEST_FAILED:
        c->failed++;
        break;
    case SLUICE__V1__TEST_STATUS__TEST_ERRORED:
        c->errors++;
        break;
    case SLUICE__V1__TEST_STATUS__TEST_SKIPPED:
        c->skipped++;
        break;
    default:
        c->passed++;
        break;
    }
}

static Sluice__V1__Artifact *
find_artifact(sl_pb_run_t *r, uint64_t stream)
{
    for (size_t i = 0; i < r->n_artifacts; i++) {
        if (r->artifacts[i]->stream == stream) {
            return r->artifacts[i];
        }
    }
    return NULL;
}

static int
apply_artifact(sl_pb_run_t *r, uint64_t stream,
               const Sluice__V1__ArtifactBegin *b)
{
    if (find_artifact(r, stream) != NULL) {
        return SL_OK;
    }
    if (r->n_artifacts >= SL_RUN_ARTIFACTS_MAX) {
        r->capped = 1;
        return SL_OK;
    }
    Sluice__V1__Artifact *a = malloc(sizeof *a);
    if (a == NULL) {
        return SL_ENOMEM;
    }
    sluice__v1__artifact__init(a);
    a->stream = stream;
    a->size = b->size;
    int rc = set_str(&a->format, b->format);
    if (rc == SL_OK) {
        rc = set_str(&a->path, b->path);
    }
    if (rc == SL_OK) {
        rc = push_ptr((void ***)&r->artifacts, &r->n_artifacts, a);
    }
    if (rc != SL_OK) {
        sl_wire_free(&a);
    }
    return rc;
}

/* A report's totals add to the run's: a run's coverage is the sum of its
 * reports (docs/formats.md says why a file in two reports counts twice). */
/* a + b, stopping at UINT64_MAX rather than wrapping. */
static uint64_t
sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void
apply_coverage(sl_pb_run_t *r, const Sluice__V1__Coverage *c)
{
    Sluice__V1__Coverage *t = r->coverage;
    t->lines_valid = sat_add(t->lines_valid, c->lines_valid);
    t->lines_covered = sat_add(t->lines_covered, c->lines_covered);
    t->branches_valid = sat_add(t->branches_valid, c->branches_valid);
    t->branches_covered = sat_add(t->branches_covered, c->branches_covered);
    t->functions_valid = sat_add(t->functions_valid, c->functions_valid);
    t->functions_covered =
        sat_add(t->functions_covered, c->functions_covered);
    t->files = sat_add(t->files, c->files);
    r->coverage_reports++;
}

static int
same_str(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* A benchmark is keyed by (name, measure): a later result replaces an
 * earlier one of the same key. */
static size_t
run_samples(const sl_pb_run_t *r, size_t skip)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_benchmarks; i++) {
        n += i != skip ? r->benchmarks[i]->n_samples : 0;
    }
    return n;
}

static int
apply_benchmark(sl_pb_run_t *r, const Sluice__V1__Benchmark *b)
{
    size_t at = r->n_benchmarks;
    for (size_t i = 0; i < r->n_benchmarks; i++) {
        Sluice__V1__Benchmark *old = r->benchmarks[i];
        if (same_str(old->name, b->name) &&
            same_str(old->measure, b->measure)) {
            at = i;
            break;
        }
    }
    if (at == r->n_benchmarks && at >= SL_RUN_BENCHMARKS_MAX) {
        r->capped = 1;
        return SL_OK;
    }
    Sluice__V1__Benchmark *copy = NULL;
    int rc = sl_wire_clone(&b->base, (void **)&copy);
    if (rc != SL_OK) {
        return rc;
    }
    if (run_samples(r, at) + copy->n_samples > SL_RUN_SAMPLES_MAX) {
        free(copy->samples); /* the copy's own array (protobuf-c) */
        copy->samples = NULL;
        copy->n_samples = 0;
        r->capped = 1;
    }
    if (at < r->n_benchmarks) {
        sl_wire_free(&r->benchmarks[at]);
        r->benchmarks[at] = copy;
        return SL_OK;
    }
    rc = push_ptr((void ***)&r->benchmarks, &r->n_benchmarks, copy);
    if (rc != SL_OK) {
        sl_wire_free(&copy);
    }
    return rc;
}

static int
apply_finding(sl_pb_run_t *r, const Sluice__V1__Finding *f)
{
    Sluice__V1__FindingCounts *c = r->findings;
    switch (f->severity) {
    case SLUICE__V1__SEVERITY__SEVERITY_CRITICAL:
        c->critical++;
        break;
    case SLUICE__V1__SEVERITY__SEVERITY_HIGH:
        c->high++;
        break;
    case SLUICE__V1__SEVERITY__SEVERITY_MEDIUM:
        c->medium++;
        break;
    case SLUICE__V1__SEVERITY__SEVERITY_LOW:
        c->low++;
        break;
    default:
        c->none++;
        break;
    }
    const char *rule = f->rule_id;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < c->n_by_rule; i++) {
            if (same_str(c->by_rule[i]->rule, rule)) {
                c->by_rule[i]->count++;
                return SL_OK;
            }
        }
        if (c->n_by_rule < SL_RUN_RULES_MAX) {
            break;
        }
        rule = SL_RUN_OTHER_RULES; /* full: counted with the others */
        r->capped = 1;
    }
    Sluice__V1__RuleCount *cnt = malloc(sizeof *cnt);
    if (cnt == NULL) {
        return SL_ENOMEM;
    }
    sluice__v1__rule_count__init(cnt);
    cnt->count = 1;
    int rc = set_str(&cnt->rule, rule);
    if (rc == SL_OK) {
        rc = push_ptr((void ***)&c->by_rule, &c->n_by_rule, cnt);
    }
    if (rc != SL_OK) {
        sl_wire_free(&cnt);
    }
    return rc;
}

static int
apply_verdict(sl_pb_run_t *r, const sl_pb_verdict_t *v)
{
    void *copy = NULL;
    int rc = sl_wire_clone(&v->base, &copy);
    if (rc != SL_OK) {
        return rc;
    }
    if (v->early) {
        sl_wire_free(&r->early_verdict);
        r->early_verdict = copy;
    } else {
        sl_wire_free(&r->verdict);
        r->verdict = copy;
    }
    return SL_OK;
}

/* Patch coverage: summed over the run's patch events (one per diff). */
static int
apply_patch(sl_pb_run_t *r, const Sluice__V1__PatchCoverage *p)
{
    if (r->patch == NULL) {
        if ((r->patch = malloc(sizeof *r->patch)) == NULL) {
            return SL_ENOMEM;
        }
        sluice__v1__patch_coverage__init(r->patch);
    }
    r->patch->lines_added = sat_add(r->patch->lines_added, p->lines_added);
    r->patch->lines_coverable =
        sat_add(r->patch->lines_coverable, p->lines_coverable);
    r->patch->lines_covered =
        sat_add(r->patch->lines_covered, p->lines_covered);
    r->patch->files += p->files;
    return SL_OK;
}

static int
apply_pin(sl_pb_run_t *r, const Sluice__V1__BaselinePin *p)
{
    void *copy = NULL;
    int rc = sl_wire_clone(&p->base, &copy);
    if (rc == SL_OK) {
        sl_wire_free(&r->pin);
        r->pin = copy;
    }
    return rc;
}

int
sl_run_apply(sl_pb_run_t *r, const sl_pb_event_t *ev, uint64_t lsn,
             int64_t now_us)
{
    if (r->first_lsn == 0) {
        r->first_lsn = lsn;
        r->created_us = now_us;
    }
    r->last_lsn = lsn;
    r->updated_us = now_us;
    r->events++;
    switch (ev->body_case) {
    case SLUICE__V1__EVENT__BODY_META:
        return apply_meta(r->meta, ev->meta);
    case SLUICE__V1__EVENT__BODY_TEST:
        apply_test(r->tests, ev->test->status);
        return SL_OK;
    case SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN:
        return apply_artifact(r, ev->stream, ev->artifact_begin);
    case SLUICE__V1__EVENT__BODY_ARTIFACT_END: {
        Sluice__V1__Artifact *a = find_artifact(r, ev->stream);
        if (a != NULL) {
            a->complete = 1;
        }
        return SL_OK;
    }
    case SLUICE__V1__EVENT__BODY_FINISH:
        r->state = SLUICE__V1__RUN_STATE__RUN_FINISHED;
        r->finished_us = now_us;
        return SL_OK;
    case SLUICE__V1__EVENT__BODY_VERDICT:
        return apply_verdict(r, ev->verdict);
    case SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL:
        apply_coverage(r, ev->coverage_total);
        return SL_OK;
    case SLUICE__V1__EVENT__BODY_BENCHMARK:
        return apply_benchmark(r, ev->benchmark);
    case SLUICE__V1__EVENT__BODY_FINDING:
        return apply_finding(r, ev->finding);
    case SLUICE__V1__EVENT__BODY_PATCH:
        return apply_patch(r, ev->patch);
    case SLUICE__V1__EVENT__BODY_PIN:
        return apply_pin(r, ev->pin);
    case SLUICE__V1__EVENT__BODY_ALERT:
        r->alerts++;
        return SL_OK;
    default:
        return SL_OK;
    }
}

const char *
sl_verdict_name(Sluice__V1__VerdictStatus status)
{
    switch (status) {
    case SLUICE__V1__VERDICT_STATUS__VERDICT_PASS:
        return "pass";
    case SLUICE__V1__VERDICT_STATUS__VERDICT_WARN:
        return "warn";
    case SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL:
        return "fail";
    case SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE:
        return "incomplete";
    default:
        return "pending";
    }
}

const char *
sl_state_name(Sluice__V1__RunState state)
{
    return state == SLUICE__V1__RUN_STATE__RUN_FINISHED ? "finished" : "open";
}

const char *
sl_run_status(const sl_pb_run_t *r)
{
    if (r->verdict->status != SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING) {
        return sl_verdict_name(r->verdict->status);
    }
    return r->state == SLUICE__V1__RUN_STATE__RUN_FINISHED ? "pending"
                                                           : "open";
}
