/* cli/series.c: grouping benchmark points into series in time order, and
 * the figures drawn from a series (levels around change points, the band,
 * changes in percent). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "series.h"

static void
test_levels(void **state)
{
    (void)state;
    const double x[] = {1, 1, 1, 5, 5, 5, 5, 9, 9, 9};
    const size_t cp[] = {3, 7};
    cli_cp_t out[2];
    cli_levels(x, 10, cp, 2, out);
    assert_int_equal(out[0].index, 3);
    assert_true(out[0].before == 1 && out[0].after == 5);
    assert_int_equal(out[1].index, 7);
    assert_true(out[1].before == 5 && out[1].after == 9);
}

/* A level shift after run 10: the change point is the 11th value (index
 * 10) and the levels are the two means. Too short a series has none. */
static void
test_changes(void **state)
{
    (void)state;
    double x[20];
    for (size_t i = 0; i < 20; i++) {
        x[i] = (i < 10 ? 100.0 : 150.0) + (i % 2 ? 1.0 : -1.0);
    }
    cli_cp_t *cp = NULL;
    size_t k = 0;
    assert_int_equal(cli_changes(x, 20, &cp, &k), SL_OK);
    assert_int_equal(k, 1);
    assert_int_equal(cp[0].index, 10);
    assert_true(cp[0].before == 100.0 && cp[0].after == 150.0);
    free(cp);
    assert_int_equal(cli_changes(x, 2 * CLI_CP_MIN_SIZE - 1, &cp, &k), SL_OK);
    assert_int_equal(k, 0);
    assert_null(cp);
    /* A flat series: none. */
    for (size_t i = 0; i < 20; i++) {
        x[i] = 100.0 + (double)(i % 3);
    }
    assert_int_equal(cli_changes(x, 20, &cp, &k), SL_OK);
    assert_int_equal(k, 0);
    free(cp);
}

static void
test_change_pct(void **state)
{
    (void)state;
    double pct = 7;
    assert_true(cli_change_pct(100, 150, &pct) && pct == 50.0);
    assert_true(cli_change_pct(200, 150, &pct) && pct == -25.0);
    /* From a negative level, up is +. */
    assert_true(cli_change_pct(-100, -50, &pct) && pct == 50.0);
    pct = 7;
    assert_false(cli_change_pct(0, 5, &pct));
    assert_false(cli_change_pct(NAN, 5, &pct));
    assert_false(cli_change_pct(5, INFINITY, &pct));
    assert_true(pct == 7);
}

/* The last 10 values only: the 2 first (far off) do not count. */
static void
test_band(void **state)
{
    (void)state;
    const double x[] = {1000, 1000, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    cli_band_t b;
    assert_int_equal(cli_band(x, 12, &b), SL_OK);
    assert_int_equal(b.n, 10);
    assert_true(b.mean == 5.5);
    /* sample sd of 1..10: sqrt(82.5 / 9) */
    assert_true(fabs(b.sd - sqrt(82.5 / 9)) < 1e-12);
    assert_true(fabs(b.low - (5.5 - 2 * b.sd)) < 1e-12);
    assert_true(fabs(b.high - (5.5 + 2 * b.sd)) < 1e-12);
    assert_int_equal(cli_band(x + 10, 2, &b), SL_OK);
    assert_int_equal(b.n, 2);
    assert_true(b.mean == 9.5);
    assert_int_equal(cli_band(x + 11, 1, &b), SL_OK);
    assert_true(b.mean == 10 && b.sd == 0 && b.low == 10 && b.high == 10);
}

/* ---- grouping ------------------------------------------------------------ */

static cli_point_t
pt(const char *project, const char *name, const char *measure, int64_t finished,
   uint64_t lsn, double value)
{
    cli_point_t p;
    memset(&p, 0, sizeof p);
    p.project = project;
    p.name = strdup(name);
    p.measure = strdup(measure);
    p.unit = strdup("ns");
    p.finished_us = finished;
    p.last_lsn = lsn;
    p.value = value;
    return p;
}

/* Points met newest first, mixed: each (project, name, measure) becomes
 * one contiguous series, oldest first; equal times order by LSN. */
static void
test_grouping(void **state)
{
    (void)state;
    cli_series_set_t set;
    memset(&set, 0, sizeof set);
    cli_point_t pts[] = {
        pt("b", "x", "", 30, 3, 3),  pt("a", "x", "lat", 30, 3, 13),
        pt("a", "x", "", 30, 9, 23), pt("a", "x", "", 30, 8, 22),
        pt("a", "x", "", 10, 1, 21), pt("a", "x", "lat", 10, 1, 11),
        pt("b", "x", "", 10, 1, 1),  pt("a", "y", "", 20, 2, 31),
    };
    set.npts = set.pts_cap = sizeof pts / sizeof pts[0];
    set.pts = malloc(sizeof pts);
    memcpy(set.pts, pts, sizeof pts);
    cli_series_sort(&set);
    const double want[][3] = {{21, 22, 23}, {11, 13, 0}, {31, 0, 0}, {1, 3, 0}};
    const size_t want_n[] = {3, 2, 1, 2};
    size_t pos = 0, g = 0;
    cli_series_t s;
    while (cli_series_next(&set, &pos, &s)) {
        assert_true(g < 4);
        assert_int_equal(s.n, want_n[g]);
        double *x = cli_series_values(&s);
        for (size_t i = 0; i < s.n; i++) {
            assert_true(x[i] == want[g][i]);
        }
        free(x);
        g++;
    }
    assert_int_equal(g, 4);
    assert_int_equal(pos, set.npts);
    assert_false(cli_series_next(&set, &pos, &s));
    cli_series_fini(&set);
    assert_null(set.pts);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),     cmocka_unit_test(test_changes),
        cmocka_unit_test(test_change_pct), cmocka_unit_test(test_band),
        cmocka_unit_test(test_grouping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
