/* Benchmark series: grouping and the figures drawn from them (series.h).
 * No I/O here; series_load.c reads the runs. */
#include "series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/stats.h"

static void
run_fini(cli_run_t *r)
{
    free(r->run_id);
    free(r->project);
    free(r->branch);
    free(r->commit);
}

static void
flagged_fini(cli_flagged_t *f)
{
    free(f->run_id);
    free(f->project);
    free(f->branch);
    free(f->commit);
    sl_wire_free(&f->verdict);
    sl_wire_free(&f->early);
}

void
cli_series_fini(cli_series_set_t *set)
{
    for (size_t i = 0; i < set->nruns; i++) {
        run_fini(&set->runs[i]);
    }
    for (size_t i = 0; i < set->npts; i++) {
        free(set->pts[i].name);
        free(set->pts[i].measure);
        free(set->pts[i].unit);
    }
    for (size_t i = 0; i < set->nflagged; i++) {
        flagged_fini(&set->flagged[i]);
    }
    for (size_t i = 0; i < set->nprojects; i++) {
        free(set->projects[i].name);
    }
    free(set->runs);
    free(set->pts);
    free(set->flagged);
    free(set->projects);
    memset(set, 0, sizeof *set);
}

static int
same_group(const cli_point_t *a, const cli_point_t *b)
{
    return strcmp(a->project, b->project) == 0 &&
           strcmp(a->name, b->name) == 0 && strcmp(a->measure, b->measure) == 0;
}

static int
cmp_point(const void *pa, const void *pb)
{
    const cli_point_t *a = pa, *b = pb;
    int c = strcmp(a->project, b->project);
    c = c != 0 ? c : strcmp(a->name, b->name);
    c = c != 0 ? c : strcmp(a->measure, b->measure);
    if (c != 0) {
        return c;
    }
    if (a->finished_us != b->finished_us) {
        return a->finished_us < b->finished_us ? -1 : 1;
    }
    return (a->last_lsn > b->last_lsn) - (a->last_lsn < b->last_lsn);
}

void
cli_series_sort(cli_series_set_t *set)
{
    if (set->npts > 1) {
        qsort(set->pts, set->npts, sizeof *set->pts, cmp_point);
    }
}

int
cli_series_next(const cli_series_set_t *set, size_t *pos, cli_series_t *s)
{
    size_t i = *pos;
    if (i >= set->npts) {
        return 0;
    }
    size_t j = i + 1;
    while (j < set->npts && same_group(&set->pts[i], &set->pts[j])) {
        j++;
    }
    s->pts = set->pts + i;
    s->n = j - i;
    *pos = j;
    return 1;
}

double *
cli_series_values(const cli_series_t *s)
{
    double *x = malloc((s->n ? s->n : 1) * sizeof *x);
    for (size_t i = 0; x != NULL && i < s->n; i++) {
        x[i] = s->pts[i].value;
    }
    return x;
}

static double
mean_of(const double *x, size_t from, size_t to)
{
    double sum = 0;
    for (size_t i = from; i < to; i++) {
        sum += x[i];
    }
    return to > from ? sum / (double)(to - from) : 0;
}

void
cli_levels(const double *x, size_t n, const size_t *cp, size_t k, cli_cp_t *out)
{
    for (size_t i = 0; i < k; i++) {
        size_t from = i > 0 ? cp[i - 1] : 0;
        size_t to = i + 1 < k ? cp[i + 1] : n;
        out[i].index = cp[i];
        out[i].before = mean_of(x, from, cp[i]);
        out[i].after = mean_of(x, cp[i], to);
    }
}

int
cli_changes(const double *x, size_t n, cli_cp_t **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n < 2 * CLI_CP_MIN_SIZE) {
        return SL_OK; /* no split can leave both sides long enough */
    }
    size_t *idx = malloc(n * sizeof *idx);
    if (idx == NULL) {
        return SL_ENOMEM;
    }
    size_t k = 0;
    int rc = sl_changepoints(x, n, CLI_CP_ALPHA, CLI_CP_MIN_SIZE, idx, n, &k);
    if (rc == SL_OK && k > 0) {
        *out = malloc(k * sizeof **out);
        if (*out == NULL) {
            rc = SL_ENOMEM;
        } else {
            cli_levels(x, n, idx, k, *out);
            *nout = k;
        }
    }
    free(idx);
    return rc;
}

int
cli_change_pct(double from, double to, double *pct)
{
    if (from == 0 || !isfinite(from) || !isfinite(to)) {
        return 0;
    }
    *pct = (to - from) / fabs(from) * 100.0;
    return 1;
}

int
cli_band(const double *x, size_t n, cli_band_t *b)
{
    size_t k = n < CLI_BAND_LAST ? n : CLI_BAND_LAST;
    sl_stats_t st;
    int rc = sl_stats_summarize(x + (n - k), k, &st);
    if (rc != SL_OK) {
        return rc;
    }
    b->n = k;
    b->mean = st.mean;
    b->sd = st.sd;
    b->low = st.mean - CLI_BAND_SDS * st.sd;
    b->high = st.mean + CLI_BAND_SDS * st.sd;
    return SL_OK;
}
