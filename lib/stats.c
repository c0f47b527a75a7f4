/* The gate's statistics: summaries, Student's t, Welch's test, the four
 * benchmark comparisons and E-divisive change points. docs/gate.md gives
 * the formulas; the comments here say why the code computes them as it
 * does. */
#include "sluice/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- inputs and summaries ---------------------------------------------- */

/* Values past SL_STATS_MAX_ABS are refused so that no sum of squares over
 * any array that fits in memory can overflow to inf (and then NaN). */
static int
check_values(const double *x, size_t n)
{
    if (n > 0 && x == NULL) {
        return SL_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(x[i]) < SL_STATS_MAX_ABS)) { /* NaN fails too */
            return SL_EINVAL;
        }
    }
    return SL_OK;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* R's type 7: h = (n - 1) p, interpolated between the order statistics
 * either side of h. s is sorted, n >= 1. */
static double
quantile7(const double *s, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) {
        return s[n - 1];
    }
    double frac = h - (double)lo;
    return s[lo] + frac * (s[lo + 1] - s[lo]);
}

/* Two passes (mean, then squared deviations) rather than one running sum
 * of squares: no cancellation when the spread is small beside the mean. */
static void
mean_sd(const double *x, size_t n, double *mean, double *sd)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
    }
    double m = n > 0 ? sum / (double)n : 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        ss += (x[i] - m) * (x[i] - m);
    }
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
}

int
sl_stats_summarize(const double *x, size_t n, sl_stats_t *s)
{
    if (s == NULL) {
        return SL_EINVAL;
    }
    memset(s, 0, sizeof *s);
    int rc = check_values(x, n);
    if (rc != SL_OK || n == 0) {
        return rc;
    }
    if (n > SIZE_MAX / sizeof(double)) {
        return SL_ENOMEM;
    }
    double *sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL) {
        return SL_ENOMEM;
    }
    memcpy(sorted, x, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    s->n = n;
    mean_sd(x, n, &s->mean, &s->sd);
    s->median = quantile7(sorted, n, 0.5);
    s->q1 = quantile7(sorted, n, 0.25);
    s->q3 = quantile7(sorted, n, 0.75);
    s->min = sorted[0];
    s->max = sorted[n - 1];
    free(sorted);
    return SL_OK;
}

/* ---- Student's t ------------------------------------------------------- */

/* log Gamma(x) for x > 0 by Lanczos (g = 7, 9 terms; about 1e-15
 * relative), with the reflection formula below 0.5. Our own rather than
 * lgamma(3), which writes the global signgam and so is not thread-safe. */
static double
log_gamma(double x)
{
    static const double c[9] = {
        0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
        771.32342877765313,   -176.61502916214059,   12.507343278686905,
        -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    };
    const double pi = 3.14159265358979323846;
    if (x < 0.5) {
        return log(pi / fabs(sin(pi * x))) - log_gamma(1 - x);
    }
    x -= 1;
    double a = c[0];
    for (int i = 1; i < 9; i++) {
        a += c[i] / (x + i);
    }
    double t = x + 7.5;
    return 0.91893853320467274178 + (x + 0.5) * log(t) - t + log(a);
}

/* One step of the modified Lentz method with the partial numerator aa:
 * updates c and d and returns the factor the fraction is multiplied by. */
static double
lentz_step(double aa, double *c, double *d)
{
    const double tiny = 1e-300;
    *d = 1 + aa * *d;
    *d = 1 / (fabs(*d) < tiny ? tiny : *d);
    *c = 1 + aa / *c;
    *c = fabs(*c) < tiny ? tiny : *c;
    return *d * *c;
}

/* The continued fraction of the incomplete beta function (its even and
 * odd partial numerators alternate), evaluated by the modified Lentz
 * method; converges fast for x < (a + 1) / (a + b + 2), in about
 * sqrt(max(a, b)) steps. */
static double
beta_cf(double a, double b, double x)
{
    double c = 1;
    double d = 1 - (a + b) * x / (a + 1);
    d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
    double h = d;
    for (int m = 1; m <= 20000; m++) {
        double m2 = 2.0 * m;
        h *= lentz_step(m * (b - m) * x / ((a + m2 - 1) * (a + m2)), &c, &d);
        double f = lentz_step(
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)), &c, &d);
        h *= f;
        if (fabs(f - 1) < 1e-15) {
            break;
        }
    }
    return h;
}

/* log Gamma(x) - log Gamma(x + b) for x >= 10 from Stirling's series,
 * arranged so that no two large terms cancel: subtracting two Lanczos
 * values loses about |log Gamma(x)| ulps (1e-9 relative in P(T > t) at
 * df 1e6). The series is cut after x^-11 (error < 1e-15 at x = 10). */
static double
log_gamma_ratio(double x, double b)
{
    static const double c[6] = {1.0 / 12,    -1.0 / 360, 1.0 / 1260,
                                -1.0 / 1680, 1.0 / 1188, -691.0 / 360360};
    double corr = 0;
    for (int side = 0; side < 2; side++) {
        double z = side == 0 ? x : x + b;
        double z2 = z * z, zk = z, sum = 0;
        for (int k = 0; k < 6; k++) {
            sum += c[k] / zk;
            zk *= z2;
        }
        corr += side == 0 ? sum : -sum;
    }
    return -(x - 0.5) * log1p(b / x) - b * log(x + b) + b + corr;
}

/* log B(a, b) = log Gamma(a) + log Gamma(b) - log Gamma(a + b). */
static double
log_beta(double a, double b)
{
    double big = a > b ? a : b;
    double small = a > b ? b : a;
    if (big >= 10) {
        return log_gamma(small) + log_gamma_ratio(big, small);
    }
    return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
}

/* The regularized incomplete beta I_x(a, b), given x, y = 1 - x and their
 * logarithms, each computed by the caller without a difference (near
 * x = 1, log(x) of a rounded x is off by a whole ulp, times a). */
static double
inc_beta(double a, double b, const double xy[2], const double lxy[2])
{
    if (xy[0] <= 0) {
        return 0;
    }
    if (xy[1] <= 0) {
        return 1;
    }
    double front = exp(a * lxy[0] + b * lxy[1] - log_beta(a, b));
    if (xy[0] < (a + 1) / (a + b + 2)) {
        return front * beta_cf(a, b, xy[0]) / a;
    }
    return 1 - front * beta_cf(b, a, xy[1]) / b;
}

/* P(T > t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2) for t > 0. Both
 * x and 1 - x are formed as 1 / (1 + ratio), and their logarithms by
 * log1p, so that neither is a difference (exact tails) and t^2 = inf
 * gives 0 and 1, not NaN. */
double
sl_stats_t_sf(double t, double df)
{
    if (isnan(t) || isnan(df) || df <= 0) {
        return NAN;
    }
    if (isinf(t)) {
        return t > 0 ? 0.0 : 1.0;
    }
    if (isinf(df)) {
        return 0.5 * erfc(t * 0.70710678118654752440);
    }
    if (t == 0) {
        return 0.5;
    }
    double t2 = t * t;
    const double xy[2] = {1 / (1 + t2 / df), 1 / (1 + df / t2)};
    const double lxy[2] = {-log1p(t2 / df), -log1p(df / t2)};
    double tail = 0.5 * inc_beta(df / 2, 0.5, xy, lxy);
    return t > 0 ? tail : 1 - tail;
}

/* ---- Welch's t-test ---------------------------------------------------- */

int
sl_stats_welch(const double *a, size_t na, const double *b, size_t nb,
               double *t, double *df, double *p)
{
    if (t == NULL || df == NULL || p == NULL || na < 2 || nb < 2 ||
        check_values(a, na) != SL_OK || check_values(b, nb) != SL_OK) {
        return SL_EINVAL;
    }
    double ma, sa, mb, sb;
    mean_sd(a, na, &ma, &sa);
    mean_sd(b, nb, &mb, &sb);
    double ea = sa * sa / (double)na; /* squared standard errors */
    double eb = sb * sb / (double)nb;
    double se2 = ea + eb;
    double diff = mb - ma;
    if (se2 == 0) {
        *df = (double)(na + nb - 2);
        *t = diff == 0 ? 0 : copysign(INFINITY, diff);
        *p = diff == 0 ? 1 : 0;
        return SL_OK;
    }
    /* df = se2^2 / (ea^2/(na-1) + eb^2/(nb-1)), written with the shares
     * ea/se2 and eb/se2 (which add up to 1) so that squaring tiny errors
     * cannot underflow into 0/0. */
    double ra = ea / se2;
    double rb = eb / se2;
    *df = 1 / (ra * ra / (double)(na - 1) + rb * rb / (double)(nb - 1));
    *t = diff / sqrt(se2);
    double pp = 2 * sl_stats_t_sf(fabs(*t), *df);
    *p = pp > 1 ? 1 : pp;
    return SL_OK;
}

/* ---- one benchmark against its baseline -------------------------------- */

typedef enum {
    PAST_GE, /* flagged at stat >= threshold (change, z) */
    PAST_GT, /* stat > threshold: strictly beyond the fence */
    PAST_LT, /* stat < threshold (p-values) */
} past_t;

/* (candidate - base) / |base| in percent, signed so that + is worse. A
 * zero base gives +-inf for any difference, 0 for none. */
static double
change_of(double cand, double base, double sign)
{
    double diff = sign * (cand - base);
    if (base == 0) {
        return diff == 0 ? 0 : copysign(INFINITY, diff);
    }
    return diff / fabs(base) * 100;
}

/* num / den for a spread den >= 0: a zero spread makes any worse
 * difference infinitely significant, and no difference none (never 0/0).
 */
static double
ratio_of(double num, double den)
{
    if (den > 0) {
        return num / den;
    }
    return num == 0 ? 0 : copysign(INFINITY, num);
}

static int
past(double v, double thr, past_t how)
{
    if (thr < 0) {
        return 0; /* this level is off */
    }
    switch (how) {
    case PAST_GE:
        return v >= thr;
    case PAST_GT:
        return v > thr;
    default:
        return v < thr;
    }
}

/* The level a worse statistic reaches. Only a worse change is ever
 * flagged (change_pct > 0), and for the statistical methods only one of at
 * least min_change percent. */
static sl_cmp_status_t
level_of(const sl_cmp_in_t *in, const sl_cmp_t *out, double v, past_t how)
{
    double floor_pct = 0;
    if (in->method != SL_CMP_PERCENT && in->min_change > 0) {
        floor_pct = in->min_change;
    }
    if (!(out->change_pct > 0) || out->change_pct < floor_pct) {
        return SL_CMP_PASS;
    }
    if (past(v, in->fail, how)) {
        return SL_CMP_FAIL;
    }
    return past(v, in->warn, how) ? SL_CMP_WARN : SL_CMP_PASS;
}

static double
worse_sign(const sl_cmp_in_t *in)
{
    return in->lower_is_better ? 1.0 : -1.0;
}

static void
cmp_percent(const sl_cmp_in_t *in, sl_cmp_t *out)
{
    out->candidate = in->value;
    out->change_pct = change_of(in->value, out->base_mean, worse_sign(in));
    out->stat = out->change_pct;
    out->status = level_of(in, out, out->stat, PAST_GE);
}

static void
cmp_zscore(const sl_cmp_in_t *in, sl_cmp_t *out)
{
    out->candidate = in->value;
    out->change_pct = change_of(in->value, out->base_mean, worse_sign(in));
    double diff = worse_sign(in) * (in->value - out->base_mean);
    out->stat = ratio_of(diff, out->base_spread);
    out->status = level_of(in, out, out->stat, PAST_GE);
}

static int
cmp_welch(const sl_cmp_in_t *in, sl_cmp_t *out)
{
    if (in->n_samples < 2 || in->n_base_samples < 2) {
        out->status = SL_CMP_SKIP;
        out->why = "no samples";
        return SL_OK;
    }
    double t, df, p, sd_unused;
    int rc = sl_stats_welch(in->base_samples, in->n_base_samples, in->samples,
                            in->n_samples, &t, &df, &p);
    if (rc != SL_OK) {
        return rc;
    }
    /* The change is measured between the means the test compares. */
    mean_sd(in->samples, in->n_samples, &out->candidate, &sd_unused);
    mean_sd(in->base_samples, in->n_base_samples, &out->base_mean,
            &out->base_spread);
    out->change_pct = change_of(out->candidate, out->base_mean, worse_sign(in));
    out->stat = worse_sign(in) * t;
    out->p = p;
    out->status = out->stat > 0 ? level_of(in, out, p, PAST_LT) : SL_CMP_PASS;
    return SL_OK;
}

static int
median_of(const double *x, size_t n, double *median)
{
    sl_stats_t s;
    int rc = sl_stats_summarize(x, n, &s);
    *median = s.median;
    return rc;
}

/* The figures iqr's fence is built from: each baseline run's median when
 * the caller says which samples are whose, else the runs' values. */
static int
fence_figures(const sl_cmp_in_t *in, double *figs)
{
    size_t at = 0;
    for (size_t i = 0; i < in->n_base; i++) {
        size_t k = in->base_sample_counts ? in->base_sample_counts[i] : 0;
        figs[i] = in->base_values[i];
        if (k > 0) {
            int rc = median_of(in->base_samples + at, k, &figs[i]);
            if (rc != SL_OK) {
                return rc;
            }
        }
        at += k;
    }
    return SL_OK;
}

static int
cmp_iqr(const sl_cmp_in_t *in, sl_cmp_t *out)
{
    double *figs = malloc(in->n_base * sizeof *figs); /* n_base >= 1 */
    if (figs == NULL) {
        return SL_ENOMEM;
    }
    sl_stats_t f = {0};
    int rc = fence_figures(in, figs);
    if (rc == SL_OK) {
        rc = sl_stats_summarize(figs, in->n_base, &f);
    }
    free(figs);
    out->candidate = in->value;
    if (rc == SL_OK && in->n_samples > 0) {
        rc = median_of(in->samples, in->n_samples, &out->candidate);
    }
    if (rc != SL_OK) {
        return rc;
    }
    /* A robust method measures its change from a robust centre too: a
     * run's outlier moves its mean, not the median of the runs. */
    out->base_mean = f.median;
    out->base_spread = f.q3 - f.q1;
    double beyond =
        in->lower_is_better ? out->candidate - f.q3 : f.q1 - out->candidate;
    out->change_pct = change_of(out->candidate, out->base_mean, worse_sign(in));
    out->stat = ratio_of(beyond, out->base_spread);
    out->status = level_of(in, out, out->stat, PAST_GT);
    return SL_OK;
}

/* Everything sl_cmp_bench refuses: see stats.h. */
static int
check_cmp_in(const sl_cmp_in_t *in)
{
    if ((unsigned)in->method > SL_CMP_IQR || isnan(in->warn) ||
        isnan(in->fail) || isnan(in->min_change) ||
        !(fabs(in->value) < SL_STATS_MAX_ABS) ||
        check_values(in->base_values, in->n_base) != SL_OK ||
        check_values(in->base_samples, in->n_base_samples) != SL_OK ||
        check_values(in->samples, in->n_samples) != SL_OK) {
        return SL_EINVAL;
    }
    if (in->base_sample_counts == NULL) {
        return SL_OK;
    }
    size_t total = 0;
    for (size_t i = 0; i < in->n_base; i++) {
        if (in->base_sample_counts[i] > in->n_base_samples - total) {
            return SL_EINVAL;
        }
        total += in->base_sample_counts[i];
    }
    return total == in->n_base_samples ? SL_OK : SL_EINVAL;
}

int
sl_cmp_bench(const sl_cmp_in_t *in, sl_cmp_t *out)
{
    static const char *const names[] = {"change", "z", "t", "fence"};
    if (in == NULL || out == NULL) {
        return SL_EINVAL;
    }
    memset(out, 0, sizeof *out);
    int rc = check_cmp_in(in);
    if (rc != SL_OK) {
        return rc;
    }
    out->stat_name = names[in->method];
    out->base_n = in->n_base;
    mean_sd(in->base_values, in->n_base, &out->base_mean, &out->base_spread);
    size_t need = in->min_history;
    size_t least = in->method == SL_CMP_ZSCORE ? 2 : 1; /* an sd needs 2 */
    if (in->n_base < need || in->n_base < least) {
        out->status = SL_CMP_SKIP;
        out->why = "too little history";
        return SL_OK;
    }
    switch (in->method) {
    case SL_CMP_PERCENT:
        cmp_percent(in, out);
        return SL_OK;
    case SL_CMP_ZSCORE:
        cmp_zscore(in, out);
        return SL_OK;
    case SL_CMP_WELCH:
        return cmp_welch(in, out);
    default:
        return cmp_iqr(in, out);
    }
}

/* ---- change points ----------------------------------------------------- */

typedef struct cp_seg {
    size_t s, e; /* [s, e) */
} cp_seg_t;

typedef struct cp_work {
    const double *y; /* the values searched */
    size_t m;        /* how many */
    size_t min_size;
    double alpha;
    double *before;  /* per index k of the segment at hand: the sum of */
    double *after;   /* |y_k - y_i| over its earlier / later values */
    cp_seg_t *stack; /* segments still to search: disjoint, each at least */
    size_t n_stack;  /* min_size >= 2 long, so at most m / 2 of them */
    size_t *found;   /* accepted splits, at most m / 2 as well */
    size_t n_found;
} cp_work_t;

static int
cp_work_init(cp_work_t *w, const double *y, size_t m)
{
    memset(w, 0, sizeof *w);
    w->y = y;
    w->m = m;
    w->before = malloc(m * sizeof *w->before);
    w->after = malloc(m * sizeof *w->after);
    w->stack = malloc((m / 2 + 1) * sizeof *w->stack);
    w->found = malloc((m / 2 + 1) * sizeof *w->found);
    if (w->before == NULL || w->after == NULL || w->stack == NULL ||
        w->found == NULL) {
        return SL_ENOMEM;
    }
    return SL_OK;
}

static void
cp_work_fini(cp_work_t *w)
{
    free(w->before);
    free(w->after);
    free(w->stack);
    free(w->found);
}

/* before[] and after[] for the segment [s, e): each pair once, O(n^2). */
static void
distance_sums(cp_work_t *w, size_t s, size_t e)
{
    for (size_t k = s; k < e; k++) {
        w->before[k] = 0;
        w->after[k] = 0;
    }
    for (size_t i = s; i < e; i++) {
        for (size_t j = i + 1; j < e; j++) {
            double d = fabs(w->y[i] - w->y[j]);
            w->after[i] += d;
            w->before[j] += d;
        }
    }
}

/* The split of [s, e) with the largest energy divergence Q (its right
 * side's first index; the earliest of equals). Moving the split one step
 * right carries value t from the right side to the left one, so the three
 * pair sums are updated in O(1) and the whole scan costs the O(n^2) of
 * distance_sums. With L + R = n values either side,
 *   Q = (L R / n) (2 cross / (L R) - within_l / C(L,2) - within_r / C(R,2))
 *     = (2 / n) (cross - R within_l / (L - 1) - L within_r / (R - 1)). */
static size_t
best_split(cp_work_t *w, size_t s, size_t e)
{
    distance_sums(w, s, e);
    double n = (double)(e - s);
    double within_l = 0, within_r = 0, cross = w->after[s]; /* left: {s} */
    for (size_t k = s + 1; k < e; k++) {
        within_r += w->after[k];
    }
    size_t best = s + w->min_size;
    double best_q = -INFINITY;
    for (size_t t = s + 1; t + w->min_size <= e; t++) {
        double l = (double)(t - s), r = (double)(e - t);
        if (t - s >= w->min_size) {
            double q =
                2 / n *
                (cross - r * within_l / (l - 1) - l * within_r / (r - 1));
            if (q > best_q) {
                best_q = q;
                best = t;
            }
        }
        within_l += w->before[t];
        cross += w->after[t] - w->before[t];
        within_r -= w->after[t];
    }
    return best;
}

/* Divides segments until none has a significant best split. */
static int
cp_search(cp_work_t *w)
{
    w->stack[w->n_stack++] = (cp_seg_t){0, w->m};
    while (w->n_stack > 0) {
        cp_seg_t g = w->stack[--w->n_stack];
        if (g.e - g.s < 2 * w->min_size) {
            continue;
        }
        size_t t = best_split(w, g.s, g.e);
        double tt, df, p;
        int rc = sl_stats_welch(w->y + g.s, t - g.s, w->y + t, g.e - t, &tt,
                                &df, &p);
        if (rc != SL_OK) {
            return rc;
        }
        /* The split tested is the best of k, so its own p is optimistic
         * (pure noise of 100 values gave a change point in 4% of series
         * at alpha 0.001). Bonferroni over the k splits searched bounds
         * the chance that a segment of noise is split by alpha. */
        double k = (double)(g.e - g.s - 2 * w->min_size + 1);
        if (!(p * k < w->alpha)) {
            continue;
        }
        w->found[w->n_found++] = t;
        w->stack[w->n_stack++] = (cp_seg_t){g.s, t};
        w->stack[w->n_stack++] = (cp_seg_t){t, g.e};
    }
    return SL_OK;
}

static int
cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a;
    size_t y = *(const size_t *)b;
    return (x > y) - (x < y);
}

int
sl_changepoints(const double *x, size_t n, double alpha, size_t min_size,
                size_t *idx, size_t max, size_t *n_idx)
{
    if (n_idx == NULL || (max > 0 && idx == NULL) ||
        !(alpha > 0 && alpha <= 1)) {
        return SL_EINVAL;
    }
    *n_idx = 0;
    int rc = check_values(x, n);
    size_t off = n > SL_CHANGEPOINTS_MAX_N ? n - SL_CHANGEPOINTS_MAX_N : 0;
    size_t m = n - off;
    min_size = min_size < 2 ? 2 : min_size;
    if (rc != SL_OK || min_size > m / 2) {
        return rc; /* too short for two segments: no change point */
    }
    cp_work_t w;
    rc = cp_work_init(&w, x + off, m);
    w.min_size = min_size;
    w.alpha = alpha;
    if (rc == SL_OK) {
        rc = cp_search(&w);
    }
    if (rc == SL_OK) {
        qsort(w.found, w.n_found, sizeof *w.found, cmp_size);
        size_t first = w.n_found > max ? w.n_found - max : 0;
        for (size_t i = first; i < w.n_found; i++) {
            idx[i - first] = w.found[i] + off;
        }
        *n_idx = w.n_found - first;
    }
    cp_work_fini(&w);
    return rc;
}
