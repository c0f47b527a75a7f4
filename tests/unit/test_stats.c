/* lib/stats.c: summaries, Student's t against reference values, Welch's
 * test, the four benchmark methods on hand-made inputs, E-divisive change
 * points on synthetic series, and the simulation the issue asks for
 * (deterministic: our own PRNG with fixed seeds). Reference values come
 * from mpmath at 40 digits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/stats.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a deterministic generator: splitmix64 and Box-Muller ------------- */

typedef struct rng {
    uint64_t s;
    int has_spare;
    double spare;
} rng_t;

static uint64_t
rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() below is finite. */
static double
rng_unit(rng_t *r)
{
    return ((double)(rng_next(r) >> 11) + 0.5) * 0x1p-53;
}

static double
rng_norm(rng_t *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double rad = sqrt(-2 * log(rng_unit(r)));
    double ang = 6.283185307179586 * rng_unit(r);
    r->spare = rad * sin(ang);
    r->has_spare = 1;
    return rad * cos(ang);
}

static void
assert_rel(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        fail_msg("got %.17g, want %.17g (relative %.3g > %.3g)", got, want,
                 fabs(got - want) / fabs(want), rel);
    }
}

/* ---- summaries ---------------------------------------------------------- */

static void
test_stats_summarize(void **state)
{
    (void)state;
    const double x[] = {3, 1, 4, 1, 5, 9, 2, 6};
    sl_stats_t s;
    assert_int_equal(sl_stats_summarize(x, N_OF(x), &s), SL_OK);
    assert_int_equal(s.n, 8);
    assert_rel(s.mean, 3.875, 1e-15);
    assert_rel(s.sd, 2.7483761439387128714, 1e-14);
    assert_rel(s.median, 3.5, 1e-15);
    assert_rel(s.q1, 1.75, 1e-15); /* R: quantile(x, .25, type = 7) */
    assert_rel(s.q3, 5.25, 1e-15);
    assert_true(s.min == 1 && s.max == 9);
    /* Odd n: the quartiles fall between order statistics too. */
    const double y[] = {10, 20, 30, 40, 50};
    assert_int_equal(sl_stats_summarize(y, N_OF(y), &s), SL_OK);
    assert_true(s.median == 30 && s.q1 == 20 && s.q3 == 40);
    /* One value: no spread; none: all zero. */
    assert_int_equal(sl_stats_summarize(y, 1, &s), SL_OK);
    assert_true(s.n == 1 && s.mean == 10 && s.sd == 0 && s.q1 == 10 &&
                s.q3 == 10 && s.median == 10);
    assert_int_equal(sl_stats_summarize(NULL, 0, &s), SL_OK);
    assert_true(s.n == 0 && s.mean == 0 && s.max == 0);
}

static void
test_stats_summarize_refuses(void **state)
{
    (void)state;
    sl_stats_t s;
    const double bad[][3] = {
        {1, NAN, 2}, {1, INFINITY, 2}, {-INFINITY, 1, 2}, {1e300, 1, 2}};
    for (size_t i = 0; i < N_OF(bad); i++) {
        assert_int_equal(sl_stats_summarize(bad[i], 3, &s), SL_EINVAL);
    }
    assert_int_equal(sl_stats_summarize(NULL, 3, &s), SL_EINVAL);
    assert_int_equal(sl_stats_summarize(bad[0], 1, NULL), SL_EINVAL);
}

/* ---- Student's t --------------------------------------------------------- */

static const struct {
    double t, df, sf;
} t_ref[] = {
    /* tables: two-sided 0.05 at t 2.228, df 10 and t 12.706, df 1 */
    {2.228, 10, 0.025005885908555682681},
    {12.706, 1, 0.025000401179066593952},
    {1.0, 1, 0.25}, /* Cauchy: 1/2 - atan(1)/pi */
    {0.5, 2.5, 0.32884895993485734467},
    {3.0, 7.3, 0.0094902755115667531555},
    {-1.5, 4, 0.896},
    {10, 3, 0.0010641995292070750287},
    {40, 5, 9.2059810858864771776e-8},
    {2.0, 30, 0.02731252248149155196},
    {1.96, 1000, 0.025136592477874359217},
    {0.1, 0.5, 0.47316581056430320084},
    {5, 100, 1.2250867067519002115e-6},
    {0.01, 2, 0.49646455447910048569},
    {25, 1.5, 0.0030128100059839899817},
    {-3, 12, 0.99446665215698315297},
    {6, 50.5, 1.059208480299435645e-7},
    {2.5, 10000.0, 0.006217609775291848433},
    {1.0, 1000000.0, 0.15865537491678906464},
    {1e3, 2, 4.9999925000125002e-07},
    {1e10, 1, 3.1830988618379065e-11},
    {0.5, 0.01, 0.48859017668467969},
    {50, 200, 2.7102877398912426e-115},
    {3, 0.2, 0.30141302651756297},
    {-20, 3.5, 0.99995087091756729},
    {1e-8, 5, 0.49999999620393309},
    {8, 1e5, 6.2869599381281864e-16},
};

static void
test_stats_t_sf_reference(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_OF(t_ref); i++) {
        assert_rel(sl_stats_t_sf(t_ref[i].t, t_ref[i].df), t_ref[i].sf, 1e-10);
    }
    /* Symmetry, and the edges. */
    assert_rel(sl_stats_t_sf(-2.228, 10), 1 - 0.025005885908555682681, 1e-12);
    assert_true(sl_stats_t_sf(0, 3) == 0.5);
    assert_true(sl_stats_t_sf(INFINITY, 3) == 0);
    assert_true(sl_stats_t_sf(-INFINITY, 3) == 1);
    assert_true(sl_stats_t_sf(1e200, 3) >= 0); /* t^2 = inf: no NaN */
    assert_rel(sl_stats_t_sf(1.959963984540054, INFINITY), 0.025, 1e-12);
    assert_true(isnan(sl_stats_t_sf(1, 0)));
    assert_true(isnan(sl_stats_t_sf(1, -2)));
    assert_true(isnan(sl_stats_t_sf(NAN, 2)));
    assert_true(isnan(sl_stats_t_sf(1, NAN)));
}

/* ---- Welch --------------------------------------------------------------- */

static void
test_stats_welch(void **state)
{
    (void)state;
    const double a[] = {19.8, 20.4, 19.6, 17.8, 18.5,
                        18.9, 18.3, 18.9, 19.5, 22.0};
    const double b[] = {28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7,
                        27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0,
                        23.9, 21.6, 24.3, 20.4, 23.9, 13.3};
    double t, df, p;
    assert_int_equal(sl_stats_welch(a, N_OF(a), b, N_OF(b), &t, &df, &p),
                     SL_OK);
    assert_rel(t, 2.2255120399698535109, 1e-12);
    assert_rel(df, 24.524634944257347044, 1e-12);
    assert_rel(p, 0.035484530830010196465, 1e-10);
    /* b against a: t changes sign, df and p do not. */
    double t2, df2, p2;
    assert_int_equal(sl_stats_welch(b, N_OF(b), a, N_OF(a), &t2, &df2, &p2),
                     SL_OK);
    assert_true(t2 == -t && df2 == df && p2 == p);
}

static void
test_stats_welch_edges(void **state)
{
    (void)state;
    const double c5[] = {5, 5, 5};
    const double c7[] = {7, 7, 7, 7};
    double t, df, p;
    assert_int_equal(sl_stats_welch(c5, 3, c5, 3, &t, &df, &p), SL_OK);
    assert_true(t == 0 && p == 1 && df == 4);
    assert_int_equal(sl_stats_welch(c5, 3, c7, 4, &t, &df, &p), SL_OK);
    assert_true(isinf(t) && t > 0 && p == 0 && df == 5);
    assert_int_equal(sl_stats_welch(c7, 4, c5, 3, &t, &df, &p), SL_OK);
    assert_true(isinf(t) && t < 0 && p == 0);
    /* Tiny spreads: the df stays a number. */
    const double ta[] = {1, 1 + 1e-15, 1 - 1e-15};
    const double tb[] = {2, 2, 2 + 4e-15};
    assert_int_equal(sl_stats_welch(ta, 3, tb, 3, &t, &df, &p), SL_OK);
    assert_true(!isnan(t) && !isnan(df) && !isnan(p) && p < 1e-6);
    assert_int_equal(sl_stats_welch(c5, 1, c7, 4, &t, &df, &p), SL_EINVAL);
    assert_int_equal(sl_stats_welch(c5, 3, c7, 1, &t, &df, &p), SL_EINVAL);
    const double bad[] = {1, NAN, 3};
    assert_int_equal(sl_stats_welch(bad, 3, c7, 4, &t, &df, &p), SL_EINVAL);
}

/* ---- the four methods --------------------------------------------------- */

/* mean 100, sd sqrt(2.5) */
static const double base5[] = {100, 102, 98, 101, 99};

static sl_cmp_in_t
cmp_in(sl_cmp_method_t m, double warn, double fail, double value)
{
    sl_cmp_in_t in = {0};
    in.method = m;
    in.lower_is_better = 1;
    in.warn = warn;
    in.fail = fail;
    in.min_change = 5;
    in.min_history = 3;
    in.base_values = base5;
    in.n_base = N_OF(base5);
    in.value = value;
    return in;
}

static sl_cmp_t
cmp_ok(const sl_cmp_in_t *in)
{
    sl_cmp_t out;
    assert_int_equal(sl_cmp_bench(in, &out), SL_OK);
    assert_false(isnan(out.stat) || isnan(out.change_pct) ||
                 isnan(out.base_mean) || isnan(out.base_spread) ||
                 isnan(out.candidate) || isnan(out.p));
    assert_true(out.status == SL_CMP_SKIP ? out.why != NULL : out.why == NULL);
    return out;
}

static void
test_cmp_percent(void **state)
{
    (void)state;
    sl_cmp_in_t in = cmp_in(SL_CMP_PERCENT, 10, 20, 105);
    sl_cmp_t out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_PASS);
    assert_string_equal(out.stat_name, "change");
    assert_rel(out.base_mean, 100, 1e-15);
    assert_rel(out.base_spread, sqrt(2.5), 1e-15);
    assert_int_equal(out.base_n, 5);
    assert_rel(out.change_pct, 5, 1e-13);
    assert_true(out.stat == out.change_pct && out.candidate == 105);
    in.value = 110; /* the threshold itself flags */
    assert_int_equal(cmp_ok(&in).status, SL_CMP_WARN);
    in.value = 125;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_FAIL);
    in.value = 75; /* 25% better: never flagged */
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_PASS);
    assert_rel(out.change_pct, -25, 1e-13);
    /* Higher is better: the signs turn round. */
    in.lower_is_better = 0;
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_FAIL);
    assert_rel(out.change_pct, 25, 1e-13);
    in.value = 125;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_PASS);
    in.value = 88;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_WARN);
    /* A level turned off. */
    in.fail = -1;
    in.value = 50;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_WARN);
    in.warn = -1;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_PASS);
}

static void
test_cmp_skips_without_history(void **state)
{
    (void)state;
    for (int m = SL_CMP_PERCENT; m <= SL_CMP_IQR; m++) {
        sl_cmp_in_t in = cmp_in((sl_cmp_method_t)m, 1, 2, 1000);
        in.n_base = 2;
        sl_cmp_t out = cmp_ok(&in);
        assert_int_equal(out.status, SL_CMP_SKIP);
        assert_string_equal(out.why, "too little history");
        assert_int_equal(out.base_n, 2);
        assert_rel(out.base_mean, 101, 1e-15); /* still reported */
        in.n_base = 0;
        assert_int_equal(cmp_ok(&in).status, SL_CMP_SKIP);
    }
    /* zscore needs two runs for a spread whatever min_history says. */
    sl_cmp_in_t in = cmp_in(SL_CMP_ZSCORE, 2, 3, 1000);
    in.min_history = 1;
    in.n_base = 1;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_SKIP);
    in.n_base = 2;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_FAIL);
}

static void
test_cmp_zscore(void **state)
{
    (void)state;
    sl_cmp_in_t in = cmp_in(SL_CMP_ZSCORE, 2, 3, 106);
    sl_cmp_t out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_FAIL);
    assert_string_equal(out.stat_name, "z");
    assert_rel(out.stat, 6 / sqrt(2.5), 1e-14);
    assert_rel(out.change_pct, 6, 1e-13);
    /* z 2.53 but only 4%: under min_change, so not flagged. */
    in.value = 104;
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_PASS);
    assert_rel(out.stat, 4 / sqrt(2.5), 1e-14);
    in.min_change = 3;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_WARN);
    in.value = 90; /* z -6.3: better */
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_PASS);
    assert_true(out.stat < -6);
    in.lower_is_better = 0;
    in.value = 94;
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_FAIL);
    assert_rel(out.stat, 6 / sqrt(2.5), 1e-14);
    in.value = 106;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_PASS);
}

static void
test_cmp_zscore_flat_baseline(void **state)
{
    (void)state;
    const double flat[] = {100, 100, 100};
    sl_cmp_in_t in = cmp_in(SL_CMP_ZSCORE, 2, 3, 106);
    in.base_values = flat;
    in.n_base = 3;
    sl_cmp_t out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_FAIL);
    assert_true(isinf(out.stat) && out.stat > 0 && out.base_spread == 0);
    in.value = 103; /* infinitely significant, but under min_change */
    assert_int_equal(cmp_ok(&in).status, SL_CMP_PASS);
    in.value = 100;
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_PASS);
    assert_true(out.stat == 0 && out.change_pct == 0);
    in.value = 50;
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_PASS);
    assert_true(isinf(out.stat) && out.stat < 0);
}

/* 20 samples around mid with a fixed spread of about 1 */
static void
fill_samples(double *x, size_t n, double mid)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = mid + (double)((i * 7) % 5) - 2 + 0.1 * (double)(i % 3);
    }
}

static void
test_cmp_welch(void **state)
{
    (void)state;
    double base[60], cand[20];
    fill_samples(base, N_OF(base), 100);
    fill_samples(cand, N_OF(cand), 108);
    sl_cmp_in_t in = cmp_in(SL_CMP_WELCH, 0.01, 0.001, 0);
    in.base_samples = base;
    in.n_base_samples = N_OF(base);
    in.samples = cand;
    in.n_samples = N_OF(cand);
    sl_cmp_t out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_FAIL);
    assert_string_equal(out.stat_name, "t");
    assert_true(out.stat > 20 && out.p < 1e-10 && out.p >= 0);
    /* The samples' means: 100.1 and 108.095. */
    assert_rel(out.base_mean, 100.1, 1e-12);
    assert_rel(out.candidate, 108.095, 1e-12);
    assert_rel(out.change_pct, (108.095 - 100.1) / 100.1 * 100, 1e-12);
    assert_int_equal(out.base_n, 5);
    /* The same change for a higher-is-better benchmark is a gain. */
    in.lower_is_better = 0;
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_PASS);
    assert_true(out.stat < -20 && out.change_pct < -7);
    /* A significant 3% change is under min_change. */
    in.lower_is_better = 1;
    fill_samples(cand, N_OF(cand), 103);
    out = cmp_ok(&in);
    assert_true(out.p < 0.001);
    assert_int_equal(out.status, SL_CMP_PASS);
    in.min_change = 2;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_FAIL);
}

static void
test_cmp_welch_levels_and_skips(void **state)
{
    (void)state;
    /* Noisy samples, a 6% change with t 2.02 (p about 0.06). */
    const double base[] = {90, 110, 95, 105, 100, 92, 108, 97, 103, 100};
    const double cand[] = {96, 116, 101, 111, 106, 98, 114, 103, 109, 106};
    sl_cmp_in_t in = cmp_in(SL_CMP_WELCH, 0.01, 0.001, 0);
    in.base_samples = base;
    in.n_base_samples = N_OF(base);
    in.samples = cand;
    in.n_samples = N_OF(cand);
    sl_cmp_t out = cmp_ok(&in);
    assert_true(out.p > 0.05 && out.p < 0.07); /* not significant */
    assert_rel(out.stat, 6 / sqrt(8.8), 1e-12);
    assert_int_equal(out.status, SL_CMP_PASS);
    in.warn = 0.2; /* a lax rule */
    assert_int_equal(cmp_ok(&in).status, SL_CMP_WARN);
    in.fail = 0.1;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_FAIL);
    /* Samples missing on either side. */
    in.n_samples = 1;
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_SKIP);
    assert_string_equal(out.why, "no samples");
    in.n_samples = N_OF(cand);
    in.n_base_samples = 0;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_SKIP);
}

static void
test_cmp_iqr_from_values(void **state)
{
    (void)state;
    /* q1 99.5, q3 100.5, IQR 1 */
    const double base[] = {100, 101, 99, 100.5, 99.5};
    sl_cmp_in_t in = cmp_in(SL_CMP_IQR, 1.5, 3, 102.5);
    in.base_values = base;
    in.min_change = 0;
    sl_cmp_t out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_WARN);
    assert_string_equal(out.stat_name, "fence");
    assert_rel(out.stat, 2, 1e-12);
    assert_rel(out.base_spread, 1, 1e-12);
    in.value = 103.5; /* on the fail fence: not beyond it */
    assert_int_equal(cmp_ok(&in).status, SL_CMP_WARN);
    in.value = 104;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_FAIL);
    in.min_change = 5; /* 4% */
    assert_int_equal(cmp_ok(&in).status, SL_CMP_PASS);
    in.min_change = 0;
    in.value = 90;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_PASS);
    in.lower_is_better = 0; /* mirrored: below q1 - k IQR */
    out = cmp_ok(&in);
    assert_int_equal(out.status, SL_CMP_FAIL);
    assert_rel(out.stat, 9.5, 1e-12);
    in.value = 97;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_WARN);
    in.value = 110;
    assert_int_equal(cmp_ok(&in).status, SL_CMP_PASS);
}

static void
test_cmp_iqr_from_samples(void **state)
{
    (void)state;
    /* Three runs whose means an outlier spoils; their medians are 100,
     * 101 and 99 (q1 99.5, q3 100.5). */
    const double values[] = {150, 101, 99};
    const double samples[] = {100, 99, 100, 300, 101, 100, 102, 99, 98, 100};
    const size_t counts[] = {4, 3, 3};
    const double cand[] = {104, 1000, 104.2, 103.9, 0};
    sl_cmp_in_t in = cmp_in(SL_CMP_IQR, 1.5, 3, 500);
    in.base_values = values;
    in.n_base = 3;
    in.base_samples = samples;
    in.n_base_samples = N_OF(samples);
    in.base_sample_counts = counts;
    in.samples = cand;
    in.n_samples = N_OF(cand);
    in.min_change = 0;
    sl_cmp_t out = cmp_ok(&in);
    assert_true(out.candidate == 104);     /* the median, not value */
    assert_rel(out.base_mean, 100, 1e-12); /* the runs' medians' median */
    assert_rel(out.base_spread, 1, 1e-12);
    assert_rel(out.change_pct, 4, 1e-12);
    assert_rel(out.stat, 3.5, 1e-12);
    assert_int_equal(out.status, SL_CMP_FAIL);
    /* Without the counts the fence comes from the values {150, 101, 99}:
     * median 101, IQR 25.5. */
    in.base_sample_counts = NULL;
    out = cmp_ok(&in);
    assert_rel(out.base_mean, 101, 1e-12);
    assert_rel(out.base_spread, 25.5, 1e-12);
    assert_int_equal(out.status, SL_CMP_PASS);
    /* Counts must add up to the samples. */
    const size_t short_counts[] = {4, 3, 2};
    in.base_sample_counts = short_counts;
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
    const size_t long_counts[] = {4, 3, 4};
    in.base_sample_counts = long_counts;
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
}

static void
test_cmp_refuses(void **state)
{
    (void)state;
    sl_cmp_t out;
    sl_cmp_in_t in = cmp_in(SL_CMP_PERCENT, 10, 20, NAN);
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
    in = cmp_in(SL_CMP_PERCENT, NAN, 20, 100);
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
    in = cmp_in(SL_CMP_ZSCORE, 2, 3, 100);
    in.min_change = NAN;
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
    in = cmp_in((sl_cmp_method_t)7, 2, 3, 100);
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
    in = cmp_in(SL_CMP_WELCH, 2, 3, 100);
    in.n_samples = 4; /* samples NULL */
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
    const double inf_base[] = {1, INFINITY, 3};
    in = cmp_in(SL_CMP_IQR, 2, 3, 100);
    in.base_values = inf_base;
    in.n_base = 3;
    assert_int_equal(sl_cmp_bench(&in, &out), SL_EINVAL);
    assert_int_equal(sl_cmp_bench(NULL, &out), SL_EINVAL);
    assert_int_equal(sl_cmp_bench(&in, NULL), SL_EINVAL);
}

static void
test_cmp_zero_baseline(void **state)
{
    (void)state;
    const double zeros[] = {0, 0, 0};
    sl_cmp_in_t in = cmp_in(SL_CMP_PERCENT, 10, 20, 1);
    in.base_values = zeros;
    in.n_base = 3;
    sl_cmp_t out = cmp_ok(&in);
    assert_true(isinf(out.change_pct) && out.change_pct > 0);
    assert_int_equal(out.status, SL_CMP_FAIL);
    in.value = 0;
    out = cmp_ok(&in);
    assert_true(out.change_pct == 0 && out.status == SL_CMP_PASS);
}

/* ---- change points ------------------------------------------------------- */

static void
noisy(rng_t *r, double *x, size_t from, size_t to, double level, double sd)
{
    for (size_t i = from; i < to; i++) {
        x[i] = level + sd * rng_norm(r);
    }
}

/* The change points of x[0..n) at alpha 0.001, min_size 5. */
static size_t
cps(const double *x, size_t n, size_t *idx, size_t max)
{
    size_t got = 99;
    assert_int_equal(sl_changepoints(x, n, 0.001, 5, idx, max, &got), SL_OK);
    assert_true(got <= max);
    for (size_t i = 1; i < got; i++) {
        assert_true(idx[i - 1] < idx[i]);
    }
    return got;
}

static int
near(size_t got, size_t want)
{
    return got + 1 >= want && got <= want + 1;
}

/* A step of 5 sd after 30 of 60 values, over 1000 seeds: always found
 * within 1; a second (false) point in a noisy half is rare. */
static void
test_cp_one_step(void **state)
{
    (void)state;
    int extra = 0;
    for (uint64_t seed = 1; seed <= 1000; seed++) {
        rng_t r = {.s = seed};
        double x[60];
        noisy(&r, x, 0, 30, 100, 1);
        noisy(&r, x, 30, 60, 105, 1);
        size_t idx[8];
        size_t n = cps(x, 60, idx, 8);
        int found = 0;
        for (size_t i = 0; i < n; i++) {
            found |= near(idx[i], 30);
        }
        assert_true(found);
        extra += n > 1;
    }
    printf("change points: one step, 1000 seeds: an extra point in %d\n",
           extra);
    assert_true(extra <= 10);
    /* A clean step is found exactly. */
    double y[20];
    for (size_t i = 0; i < 20; i++) {
        y[i] = i < 13 ? 5 : 6;
    }
    size_t idx[4];
    assert_int_equal(cps(y, 20, idx, 4), 1);
    assert_int_equal(idx[0], 13);
}

static void
test_cp_two_steps(void **state)
{
    (void)state;
    int extra = 0;
    for (uint64_t seed = 1001; seed <= 1200; seed++) {
        rng_t r = {.s = seed};
        double x[90];
        noisy(&r, x, 0, 30, 100, 1);
        noisy(&r, x, 30, 60, 106, 1);
        noisy(&r, x, 60, 90, 97, 1);
        size_t idx[8];
        size_t n = cps(x, 90, idx, 8);
        int found30 = 0, found60 = 0;
        for (size_t i = 0; i < n; i++) {
            found30 |= near(idx[i], 30);
            found60 |= near(idx[i], 60);
        }
        assert_true(found30 && found60);
        extra += n > 2;
        /* Room for one: the latest is kept. */
        size_t one;
        assert_int_equal(cps(x, 90, &one, 1), 1);
        assert_int_equal(one, idx[n - 1]);
        /* Room for none: a count of 0, nothing written. */
        assert_int_equal(cps(x, 90, NULL, 0), 0);
    }
    printf("change points: two steps, 200 seeds: an extra point in %d\n",
           extra);
    assert_true(extra <= 4);
}

static void
test_cp_none(void **state)
{
    (void)state;
    size_t idx[8], n;
    /* Pure noise: none in the first 20 seeds, and rare over 1000. */
    int any = 0;
    for (uint64_t seed = 100; seed < 1100; seed++) {
        rng_t r = {.s = seed};
        double x[100];
        noisy(&r, x, 0, 100, 50, 2);
        n = cps(x, 100, idx, 8);
        assert_true(seed >= 120 || n == 0);
        any += n > 0;
    }
    printf("change points: noise of 100 values, 1000 seeds: found in %d\n",
           any);
    assert_true(any <= 5);
    /* Constant. */
    double c[50];
    for (size_t i = 0; i < 50; i++) {
        c[i] = 7;
    }
    assert_int_equal(cps(c, 50, idx, 8), 0);
    /* Too short for two segments of min_size, even with a clear step. */
    const double s[] = {1, 1, 1, 1, 9, 9, 9, 9, 9};
    assert_int_equal(cps(s, 9, idx, 8), 0);
    assert_int_equal(sl_changepoints(s, 9, 0.5, 4, idx, 8, &n), SL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(idx[0], 4);
    assert_int_equal(cps(NULL, 0, idx, 8), 0);
    /* min_size 0 and 1 count as 2. */
    assert_int_equal(sl_changepoints(s, 9, 0.5, 0, idx, 8, &n), SL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(idx[0], 4);
}

static void
test_cp_cap_and_refusals(void **state)
{
    (void)state;
    /* 1500 values: only the last 1000 are searched, indices stay x's. */
    static double x[1500];
    rng_t r = {.s = 77};
    noisy(&r, x, 0, 200, 10, 0.1);
    noisy(&r, x, 200, 1200, 20, 0.1);
    noisy(&r, x, 1200, 1500, 30, 0.1);
    size_t idx[8], n;
    assert_int_equal(sl_changepoints(x, 1500, 0.001, 5, idx, 8, &n), SL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(idx[0], 1200);
    assert_int_equal(sl_changepoints(x, 1500, 0, 5, idx, 8, &n), SL_EINVAL);
    assert_int_equal(sl_changepoints(x, 1500, 1.5, 5, idx, 8, &n), SL_EINVAL);
    assert_int_equal(sl_changepoints(x, 1500, NAN, 5, idx, 8, &n), SL_EINVAL);
    assert_int_equal(sl_changepoints(x, 1500, 0.01, 5, NULL, 8, &n), SL_EINVAL);
    assert_int_equal(sl_changepoints(x, 1500, 0.01, 5, idx, 8, NULL),
                     SL_EINVAL);
    x[1400] = NAN;
    assert_int_equal(sl_changepoints(x, 1500, 0.01, 5, idx, 8, &n), SL_EINVAL);
    x[1400] = 1e200;
    assert_int_equal(sl_changepoints(x, 1500, 0.01, 5, idx, 8, &n), SL_EINVAL);
}

/* ---- the simulation ----------------------------------------------------- */

enum { SIM_TRIALS = 200, SIM_RUNS = 10, SIM_SAMPLES = 20 };

/* The defaults the policy parser applies when a rule omits them. */
static const struct {
    const char *name;
    double warn, fail;
} sim_defaults[4] = {{"percent", 10, 20},
                     {"zscore", 2, 3},
                     {"welch", 0.01, 0.001},
                     {"iqr", 1.5, 3}};

typedef struct sim_data {
    double values[SIM_RUNS];
    double samples[SIM_RUNS * SIM_SAMPLES];
    size_t counts[SIM_RUNS];
    double cand[SIM_SAMPLES];
    double value;
} sim_data_t;

typedef struct sim_rates {
    int fail[4], warn[4], skip[4];
} sim_rates_t;

/* One run: 20 samples, each truth * (1 + 0.05 N(0,1)), around a run-level
 * centre truth * (1 + run_sd N(0,1)) (run_sd 0: none); value = mean. */
static double
sim_run(rng_t *r, double truth, double run_sd, double *samples)
{
    double centre = truth * (1 + run_sd * rng_norm(r));
    double sum = 0;
    for (size_t i = 0; i < SIM_SAMPLES; i++) {
        samples[i] = centre * (1 + 0.05 * rng_norm(r));
        sum += samples[i];
    }
    return sum / SIM_SAMPLES;
}

static void
sim_draw(rng_t *r, double slowdown, double run_sd, sim_data_t *d)
{
    for (size_t k = 0; k < SIM_RUNS; k++) {
        d->values[k] = sim_run(r, 100, run_sd, d->samples + k * SIM_SAMPLES);
        d->counts[k] = SIM_SAMPLES;
    }
    d->value = sim_run(r, 100 * (1 + slowdown), run_sd, d->cand);
}

/* How a simulation draws and judges. iqr's fence: from the runs' medians
 * (the counts given), from the runs' values (no counts), or from the
 * pooled samples (passed as if each were a run). */
typedef enum { FENCE_MEDIANS, FENCE_VALUES, FENCE_POOLED } sim_fence_t;

typedef struct sim_cfg {
    uint64_t seed;
    double slowdown; /* the candidate's true change: 0.20 is 20% slower */
    double run_sd;   /* run-level offset noise, 0: none */
    double min_change;
    sim_fence_t fence;
} sim_cfg_t;

static void
sim_judge(const sim_data_t *d, int m, const sim_cfg_t *cfg, sim_rates_t *rates)
{
    sl_cmp_in_t in = {0};
    in.method = (sl_cmp_method_t)m;
    in.lower_is_better = 1;
    in.warn = sim_defaults[m].warn;
    in.fail = sim_defaults[m].fail;
    in.min_change = cfg->min_change;
    in.min_history = 3;
    in.base_values = d->values;
    in.n_base = SIM_RUNS;
    in.base_samples = d->samples;
    in.n_base_samples = (size_t)SIM_RUNS * SIM_SAMPLES;
    if (cfg->fence == FENCE_MEDIANS) {
        in.base_sample_counts = d->counts;
    } else if (cfg->fence == FENCE_POOLED && m == SL_CMP_IQR) {
        in.base_values = d->samples;
        in.n_base = (size_t)SIM_RUNS * SIM_SAMPLES;
    }
    in.value = d->value;
    in.samples = d->cand;
    in.n_samples = SIM_SAMPLES;
    sl_cmp_t out;
    assert_int_equal(sl_cmp_bench(&in, &out), SL_OK);
    rates->fail[m] += out.status == SL_CMP_FAIL;
    rates->warn[m] += out.status == SL_CMP_WARN;
    rates->skip[m] += out.status == SL_CMP_SKIP;
}

/* 200 trials, each with a fresh baseline of 10 runs and a fresh candidate
 * run, all drawn from one generator seeded with cfg->seed. */
static sim_rates_t
simulate(const sim_cfg_t *cfg)
{
    sim_rates_t rates = {{0}, {0}, {0}};
    static sim_data_t d;
    rng_t r = {.s = cfg->seed};
    for (int trial = 0; trial < SIM_TRIALS; trial++) {
        sim_draw(&r, cfg->slowdown, cfg->run_sd, &d);
        for (int m = 0; m < 4; m++) {
            sim_judge(&d, m, cfg, &rates);
        }
    }
    for (int m = 0; m < 4; m++) {
        assert_int_equal(rates.skip[m], 0); /* every trial judged */
    }
    return rates;
}

static void
sim_print(const char *what, const sim_rates_t *r, int only_iqr)
{
    printf("sim %-42s", what);
    for (int m = only_iqr ? SL_CMP_IQR : 0; m < 4; m++) {
        printf(" | %s FAIL %3d/%d WARN %3d/%d", sim_defaults[m].name,
               r->fail[m], SIM_TRIALS, r->warn[m], SIM_TRIALS);
    }
    printf("\n");
}

/* The requirement: benchmarks with 5% noise, 20 samples a run, a
 * baseline of 10 runs, default thresholds: over 200 candidates with no
 * change at most 1% FAIL, over 200 with a real 20% slowdown at least 99%
 * FAIL, for the methods that take samples (welch, iqr). */
static void
test_stats_simulation(void **state)
{
    (void)state;
    sim_cfg_t cfg = {0x5eed0001, 0, 0, 5, FENCE_MEDIANS};
    sim_rates_t same = simulate(&cfg);
    sim_print("noise 5%, no change:", &same, 0);
    cfg = (sim_cfg_t){0x5eed0002, 0.20, 0, 5, FENCE_MEDIANS};
    sim_rates_t slow = simulate(&cfg);
    sim_print("noise 5%, 20% slowdown:", &slow, 0);
    for (int m = SL_CMP_WELCH; m <= SL_CMP_IQR; m++) {
        assert_true(same.fail[m] <= SIM_TRIALS / 100);
        assert_true(slow.fail[m] >= SIM_TRIALS * 99 / 100);
    }
}

/* Printed for the record, not asserted: the same world with a run-level
 * offset of 2% as well; without the min_change guard; and iqr with its
 * fence from the runs' values or from the pooled samples. */
static void
test_stats_simulation_variants(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        sim_cfg_t cfg;
        int only_iqr;
    } v[] = {
        {"run offset 2%, no change:", {0x5eed0003, 0, 0.02, 5, 0}, 0},
        {"run offset 2%, 20% slowdown:", {0x5eed0004, 0.2, 0.02, 5, 0}, 0},
        {"no change, min_change 0:", {0x5eed0001, 0, 0, 0, 0}, 0},
        {"run offset 2%, no change, min_change 0:",
         {0x5eed0003, 0, 0.02, 0, 0},
         0},
        {"no change, fence from values:", {0x5eed0001, 0, 0, 5, 1}, 1},
        {"20% slowdown, fence from values:", {0x5eed0002, 0.2, 0, 5, 1}, 1},
        {"no change, fence from pooled samples:", {0x5eed0001, 0, 0, 5, 2}, 1},
        {"20% slowdown, fence from pooled samples:",
         {0x5eed0002, 0.2, 0, 5, 2},
         1},
    };
    for (size_t i = 0; i < N_OF(v); i++) {
        sim_rates_t r = simulate(&v[i].cfg);
        sim_print(v[i].what, &r, v[i].only_iqr);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_summarize),
        cmocka_unit_test(test_stats_summarize_refuses),
        cmocka_unit_test(test_stats_t_sf_reference),
        cmocka_unit_test(test_stats_welch),
        cmocka_unit_test(test_stats_welch_edges),
        cmocka_unit_test(test_cmp_percent),
        cmocka_unit_test(test_cmp_skips_without_history),
        cmocka_unit_test(test_cmp_zscore),
        cmocka_unit_test(test_cmp_zscore_flat_baseline),
        cmocka_unit_test(test_cmp_welch),
        cmocka_unit_test(test_cmp_welch_levels_and_skips),
        cmocka_unit_test(test_cmp_iqr_from_values),
        cmocka_unit_test(test_cmp_iqr_from_samples),
        cmocka_unit_test(test_cmp_refuses),
        cmocka_unit_test(test_cmp_zero_baseline),
        cmocka_unit_test(test_cp_one_step),
        cmocka_unit_test(test_cp_two_steps),
        cmocka_unit_test(test_cp_none),
        cmocka_unit_test(test_cp_cap_and_refusals),
        cmocka_unit_test(test_stats_simulation),
        cmocka_unit_test(test_stats_simulation_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
