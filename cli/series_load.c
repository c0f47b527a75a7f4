/* Reading benchmark series from the collector (series.h): one walk over
 * ListRuns, newest first, keeping small copies of what the report needs so
 * that no reply (a page of whole run records) outlives its page. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "series.h"
#include "sluice/run.h"

/* Runs per ListRuns page: a record may carry many samples, and a page is
 * one reply under the wire's size cap. */
#define PAGE 50

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) {
        return SL_OK;
    }
    size_t n = *cap ? 2 * *cap : 16;
    n = n < need ? need : n;
    void *q = realloc(*p, n * size);
    if (q == NULL) {
        return SL_ENOMEM;
    }
    *p = q;
    *cap = n;
    return SL_OK;
}

static cli_project_t *
project_find(const cli_series_set_t *set, const char *name)
{
    for (size_t i = 0; i < set->nprojects; i++) {
        if (strcmp(set->projects[i].name, name) == 0) {
            return &set->projects[i];
        }
    }
    return NULL;
}

static cli_project_t *
project_get(cli_series_set_t *set, const char *name)
{
    cli_project_t *p = project_find(set, name);
    if (p != NULL || grow((void **)&set->projects, &set->projects_cap,
                          set->nprojects + 1, sizeof *set->projects) != SL_OK) {
        return p;
    }
    p = &set->projects[set->nprojects];
    p->runs = 0;
    p->name = strdup(name);
    if (p->name == NULL) {
        return NULL;
    }
    set->nprojects++;
    return p;
}

static int
bench_wanted(const cli_walk_t *w, const Sluice__V1__Benchmark *b)
{
    return (w->name == NULL || strcmp(b->name, w->name) == 0) &&
           (w->measure == NULL || strcmp(b->measure, w->measure) == 0) &&
           isfinite(b->value);
}

static int
add_point(cli_series_set_t *set, const cli_run_t *run, size_t ri,
          const Sluice__V1__Benchmark *b)
{
    if (grow((void **)&set->pts, &set->pts_cap, set->npts + 1,
             sizeof *set->pts) != SL_OK) {
        return SL_ENOMEM;
    }
    cli_point_t *p = &set->pts[set->npts];
    memset(p, 0, sizeof *p);
    p->run = ri;
    p->project = run->project;
    p->finished_us = run->finished_us;
    p->last_lsn = run->last_lsn;
    p->name = strdup(b->name);
    p->measure = strdup(b->measure);
    p->unit = strdup(b->unit);
    p->lower_is_better = b->lower_is_better;
    p->value = b->value;
    p->stddev = b->stddev;
    p->n = b->samples_total > 0 ? b->samples_total : b->n_samples;
    set->npts++; /* freed by cli_series_fini even when a copy failed */
    return p->name && p->measure && p->unit ? SL_OK : SL_ENOMEM;
}

/* Copies the run (finished, of the series' branch) and its benchmarks. */
static int
add_run(cli_series_set_t *set, const cli_walk_t *w, const sl_pb_run_t *r)
{
    if (grow((void **)&set->runs, &set->runs_cap, set->nruns + 1,
             sizeof *set->runs) != SL_OK) {
        return SL_ENOMEM;
    }
    size_t ri = set->nruns;
    cli_run_t *run = &set->runs[ri];
    run->run_id = strdup(r->run_id);
    run->project = strdup(r->meta->project);
    run->branch = strdup(r->meta->branch);
    run->commit = strdup(r->meta->commit);
    run->finished_us = r->finished_us;
    run->last_lsn = r->last_lsn;
    set->nruns++;
    if (!run->run_id || !run->project || !run->branch || !run->commit) {
        return SL_ENOMEM;
    }
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < r->n_benchmarks; i++) {
        if (bench_wanted(w, r->benchmarks[i])) {
            rc = add_point(set, &set->runs[ri], ri, r->benchmarks[i]);
        }
    }
    return rc;
}

static int
has_wanted(const cli_walk_t *w, const sl_pb_run_t *r)
{
    for (size_t i = 0; i < r->n_benchmarks; i++) {
        if (bench_wanted(w, r->benchmarks[i])) {
            return 1;
        }
    }
    return 0;
}

static int
verdict_names(const sl_pb_verdict_t *v, const char *name)
{
    for (size_t i = 0; v != NULL && i < v->n_reasons; i++) {
        if (cli_subject_is(v->reasons[i]->subject, name)) {
            return 1;
        }
    }
    return 0;
}

static int
clone_if_named(const sl_pb_verdict_t *v, const char *name,
               sl_pb_verdict_t **out)
{
    if (!verdict_names(v, name)) {
        return SL_OK;
    }
    return sl_wire_clone(&v->base, (void **)out);
}

static int
add_flagged(cli_series_set_t *set, const sl_pb_run_t *r, const char *name)
{
    if (grow((void **)&set->flagged, &set->flagged_cap, set->nflagged + 1,
             sizeof *set->flagged) != SL_OK) {
        return SL_ENOMEM;
    }
    cli_flagged_t *f = &set->flagged[set->nflagged++];
    memset(f, 0, sizeof *f);
    f->run_id = strdup(r->run_id);
    f->project = strdup(r->meta->project);
    f->branch = strdup(r->meta->branch);
    f->commit = strdup(r->meta->commit);
    f->finished_us = r->finished_us;
    if (!f->run_id || !f->project || !f->branch || !f->commit) {
        return SL_ENOMEM;
    }
    int rc = clone_if_named(r->verdict, name, &f->verdict);
    return rc == SL_OK ? clone_if_named(r->early_verdict, name, &f->early) : rc;
}

/* Takes what the walk wants of one run record. */
static int
take(cli_series_set_t *set, const cli_walk_t *w, const sl_pb_run_t *r)
{
    int rc = SL_OK;
    set->scanned++;
    if (w->name != NULL && (verdict_names(r->verdict, w->name) ||
                            verdict_names(r->early_verdict, w->name))) {
        rc = add_flagged(set, r, w->name);
    }
    if (rc != SL_OK || r->state != SLUICE__V1__RUN_STATE__RUN_FINISHED ||
        strcmp(r->meta->branch, w->branch) != 0 ||
        (w->project != NULL && strcmp(r->meta->project, w->project) != 0)) {
        return rc;
    }
    const cli_project_t *known = project_find(set, r->meta->project);
    if ((known != NULL && known->runs >= w->last) ||
        (w->name != NULL && !has_wanted(w, r))) {
        return SL_OK;
    }
    cli_project_t *p = project_get(set, r->meta->project);
    if (p == NULL) {
        return SL_ENOMEM;
    }
    p->runs++;
    return add_run(set, w, r);
}

static int
walk_done(const cli_series_set_t *set, const cli_walk_t *w)
{
    const cli_project_t *p =
        w->project != NULL ? project_find(set, w->project) : NULL;
    return p != NULL && p->runs >= w->last;
}

/* Takes the runs of one page; copies its cursor into *cursor (freed by
 * the caller; len 0: no more). */
static int
take_page(cli_series_set_t *set, const cli_walk_t *w,
          const Sluice__V1__RunList *l, ProtobufCBinaryData *cursor,
          sl_err_t *err)
{
    for (size_t i = 0; i < l->n_runs && !walk_done(set, w); i++) {
        const sl_pb_run_t *r = l->runs[i];
        if (r->meta == NULL || r->tests == NULL || r->verdict == NULL) {
            return sl_err_set(err, SL_EPROTO, "incomplete run record");
        }
        if (take(set, w, r) != SL_OK) {
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        }
    }
    free(cursor->data);
    cursor->data = NULL;
    cursor->len = 0;
    if (l->next_cursor.len > 0 && !walk_done(set, w)) {
        cursor->data = malloc(l->next_cursor.len);
        if (cursor->data == NULL) {
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        }
        memcpy(cursor->data, l->next_cursor.data, l->next_cursor.len);
        cursor->len = l->next_cursor.len;
    }
    return SL_OK;
}

int
cli_series_load(sl_client_t *cl, const cli_common_t *c, const cli_walk_t *w,
                cli_series_set_t *set, sl_err_t *err)
{
    Sluice__V1__ListRuns q;
    sl_pb_request_t req;
    sluice__v1__list_runs__init(&q);
    sluice__v1__request__init(&req);
    /* A bench's verdicts may come from any branch: the walk then filters
     * the series' branch itself. */
    q.project = (char *)(uintptr_t)(w->project ? w->project : "");
    q.branch = (char *)(uintptr_t)(w->name ? "" : w->branch);
    q.limit = PAGE;
    req.kind_case = SLUICE__V1__REQUEST__KIND_LIST_RUNS;
    req.list_runs = &q;
    int rc;
    do {
        sl_pb_reply_t *rep = NULL;
        rc = cli_call(cl, c, &req, SLUICE__V1__REPLY__KIND_RUNS, &rep, err);
        rc = rc == SL_OK ? take_page(set, w, rep->runs, &q.cursor, err) : rc;
        sl_wire_free(&rep);
    } while (rc == SL_OK && q.cursor.len > 0);
    free(q.cursor.data);
    if (rc == SL_OK) {
        cli_series_sort(set);
    }
    return rc;
}
