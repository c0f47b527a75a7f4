/* Statistics for the gate's performance rules and change points
 * (docs/gate.md gives every formula). Pure functions over arrays of
 * doubles; no allocation except where a function says so; no global state
 * (safe to call from several threads).
 *
 * Inputs: every value must be finite with a magnitude below
 * SL_STATS_MAX_ABS (so no sum or square can overflow); anything else (NaN,
 * +-inf, 1e300) is refused with SL_EINVAL, never guessed at. */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stddef.h>

#include "sluice/err.h"

/* |value| must be below it */
#define SL_STATS_MAX_ABS 1e100
/* sl_changepoints searches only the last 1000 values of a longer series */
#define SL_CHANGEPOINTS_MAX_N 1000

typedef struct sl_stats {
    size_t n;
    double mean;
    double sd; /* sample standard deviation (n - 1); 0 when n < 2 */
    double median;
    double q1, q3; /* quartiles (linear interpolation, as R's type 7) */
    double min, max;
} sl_stats_t;

/* Summarizes x[0..n) (n may be 0: all zero). Allocates a sorted copy.
 * SL_EINVAL (x NULL with n > 0, a value out of range), SL_ENOMEM. */
int sl_stats_summarize(const double *x, size_t n, sl_stats_t *s) SL_NODISCARD;

/* Student's t distribution with df degrees of freedom (df > 0, not
 * necessarily whole; +inf gives the normal distribution): P(T > t).
 * t may be +-inf (0 or 1). NaN when t or df is NaN or df <= 0. */
double sl_stats_t_sf(double t, double df);

/* Welch's t-test of b against a: t = (mean_b - mean_a) / sqrt(va/na +
 * vb/nb), Welch-Satterthwaite df, two-sided p. SL_EINVAL when either side
 * has fewer than 2 values or a value is out of range. Both sides constant:
 * equal means give t 0, p 1; different means give t +-inf, p 0 (a clean
 * step); df is then na + nb - 2. Never NaN. */
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
    double min_change;  /* percent, statistical methods only (< 0: 0) */
    size_t min_history; /* baseline runs needed */
    /* the baseline (the caller passes the window's runs): one value (the
     * mean) per run, newest first, and the runs' samples pooled (may be
     * empty) */
    const double *base_values;
    size_t n_base;
    const double *base_samples;
    size_t n_base_samples;
    /* the candidate */
    double value;
    const double *samples;
    size_t n_samples;
    /* Optional (NULL: unknown): how many of base_samples each baseline run
     * holds, n_base counts in base_values' order, each run's samples
     * contiguous in base_samples; they must add up to n_base_samples. iqr
     * uses it to build its fence from each run's median (a run without
     * samples contributes its value); without it the fence is built from
     * base_values. */
    const size_t *base_sample_counts;
} sl_cmp_in_t;

typedef enum {
    SL_CMP_PASS = 0,
    SL_CMP_WARN = 1,
    SL_CMP_FAIL = 2,
    SL_CMP_SKIP = 3, /* not judged: too little history, or the method
                        needs samples the run or baseline lacks */
} sl_cmp_status_t;

/* Every figure is finite except where said; none is ever NaN. */
typedef struct sl_cmp {
    sl_cmp_status_t status;
    const char *why;       /* for SKIP: a static phrase, else NULL */
    double base_mean;      /* the centre the candidate is compared
                              with: percent, zscore: the mean of
                              base_values; welch: of base_samples; iqr:
                              the median of the fence's figures. SKIP:
                              the mean of base_values. */
    double base_spread;    /* percent, zscore: sd of base_values; welch:
                              sd of base_samples; iqr: the IQR of the
                              fence's figures (the runs' medians) */
    size_t base_n;         /* baseline runs used */
    double candidate;      /* percent, zscore: value; welch: the mean of
                              samples; iqr: their median (value when the
                              run has none) */
    double change_pct;     /* (candidate - base_mean) / |base_mean| * 100,
                              signed so that + is worse; +-inf when
                              base_mean is 0 and the candidate is not */
    const char *stat_name; /* "change", "z", "t", "fence" */
    double stat;           /* the statistic, signed so that + is worse:
                              change_pct; z; Welch's t; IQRs past the
                              quartile. z and fence are +-inf when the
                              spread is 0, t when both sides are
                              constant. */
    double p;              /* welch's two-sided p, else 0 */
} sl_cmp_t;

/* Compares in's candidate with its baseline by in->method: fills *out
 * (status PASS, WARN, FAIL or SKIP with a why). Only a worse candidate is
 * ever flagged. SL_EINVAL (a NULL array with a count, a value out of
 * range, a NaN threshold, an unknown method, counts not adding up),
 * SL_ENOMEM. */
int sl_cmp_bench(const sl_cmp_in_t *in, sl_cmp_t *out) SL_NODISCARD;

/* Change points of x[0..n) (a series in time order), E-divisive style as
 * Apache Otava (Hunter) does: the split maximizing the energy divergence
 * of pairwise distances, kept when a two-sided Welch t-test of the values
 * either side of it gives p < alpha / k, k the number of splits searched
 * in that segment (Bonferroni: the best of k splits is tested, so alpha
 * bounds the chance that a segment of pure noise is split); then each
 * side is searched again. O(n^2) time per level of splitting. Segments are at least min_size long (min_size < 2 counts as 2). Only the
 * last SL_CHANGEPOINTS_MAX_N values are searched (indices stay x's).
 * Writes at most max indices (each the first index of the new level) in
 * increasing order to idx and their count to *n_idx; when more are found
 * the latest max are kept. SL_EINVAL (alpha not in (0, 1], a value out of
 * range, NULL arrays), SL_ENOMEM. */
int sl_changepoints(const double *x, size_t n, double alpha, size_t min_size,
                    size_t *idx, size_t max, size_t *n_idx) SL_NODISCARD;

#endif
