/* Statistics for the gate's performance rules and change points
 * (docs/gate.md gives every formula). Pure functions over arrays of
 * doubles; no allocation except where a function says so. */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stddef.h>

#include "sluice/err.h"

typedef struct sl_stats {
    size_t n;
    double mean;
    double sd;     /* sample standard deviation (n - 1); 0 when n < 2 */
    double median;
    double q1, q3; /* quartiles (linear interpolation, as R's type 7) */
    double min, max;
} sl_stats_t;

/* Summarizes x[0..n) (n may be 0: all zero). Allocates a sorted copy.
 * SL_ENOMEM. */
int sl_stats_summarize(const double *x, size_t n, sl_stats_t *s)
    SL_NODISCARD;

/* Student's t distribution with df degrees of freedom (df > 0, not
 * necessarily whole): P(T > t). */
double sl_stats_t_sf(double t, double df);

/* Welch's t-test of b against a: t = (mean_b - mean_a) / sqrt(va/na +
 * vb/nb), Welch-Satterthwaite df, two-sided p. SL_EINVAL when either side
 * has fewer than 2 values; equal constant sides give t 0, p 1. */
int sl_stats_welch(const double *a, size_t na, const double *b, size_t nb,
                   double *t, double *df, double *p) SL_NODISCARD;

/* One benchmark compared with its baseline. */
typedef enum {
    SL_CMP_PERCENT = 0,
    SL_CMP_ZSCORE = 1,
    SL_CMP_WELCH = 2,
    SL_CMP_IQR = 3,
} sl_cmp_method_t; /* the same values as sl_bench_method_t (policy.h) */

typedef struct sl_cmp_in {
    sl_cmp_method_t method;
    int lower_is_better;
    double warn, fail;  /* thresholds in the method's unit; < 0: off */
    double min_change;  /* percent, statistical methods only */
    size_t min_history; /* baseline runs needed */
    /* the baseline: one value (the mean) per run, newest first, and the
     * runs' samples pooled (may be empty) */
    const double *base_values;
    size_t n_base;
    const double *base_samples;
    size_t n_base_samples;
    /* the candidate */
    double value;
    const double *samples;
    size_t n_samples;
} sl_cmp_in_t;

typedef enum {
    SL_CMP_PASS = 0,
    SL_CMP_WARN = 1,
    SL_CMP_FAIL = 2,
    SL_CMP_SKIP = 3, /* not judged: too little history, or the method
                        needs samples the run or baseline lacks */
} sl_cmp_status_t;

typedef struct sl_cmp {
    sl_cmp_status_t status;
    const char *why;        /* for SKIP: a static phrase, else NULL */
    double base_mean;       /* of base_values */
    double base_spread;     /* their sd; for iqr the samples' IQR */
    size_t base_n;          /* baseline runs used */
    double candidate;       /* the candidate's value (iqr: its median) */
    double change_pct;      /* (candidate - base_mean) / base_mean * 100,
                               signed so that + is worse */
    const char *stat_name;  /* "change", "z", "t", "fence" */
    double stat;            /* the statistic's value */
    double p;               /* welch's p, else 0 */
} sl_cmp_t;

/* Compares in's candidate with its baseline by in->method. SL_ENOMEM. */
int sl_cmp_bench(const sl_cmp_in_t *in, sl_cmp_t *out) SL_NODISCARD;

/* Change points of x[0..n) (a series in time order), E-divisive style as
 * Apache Otava (Hunter) does: the split maximizing the energy divergence
 * of pairwise distances, kept when a two-sided Welch t-test of the values
 * either side of it gives p < alpha; then each side is searched again.
 * Segments are at least min_size long. Writes at most max indices (each the
 * first index of the new level) in increasing order to idx and their count
 * to *n_idx. SL_ENOMEM. */
int sl_changepoints(const double *x, size_t n, double alpha, size_t min_size,
                    size_t *idx, size_t max, size_t *n_idx) SL_NODISCARD;

#endif
