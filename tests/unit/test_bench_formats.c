/* The benchmark parsers (pytest-benchmark, Google Benchmark, hyperfine,
 * Bencher Metric Format) on files written by the real tools, hand-written
 * BMF from Bencher's documentation, generated files (thinning, interleaved
 * runs) and hostile documents.
 *
 * The expected figures of the real tools' files come from their own console
 * reports of the same runs, kept in tests/fixtures/bench/expected/ (one .txt
 * per file) and quoted beside each check; tolerances are half the last digit
 * printed. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt_test.h"
#include "sluice/formats.h"

#define FIXTURES SL_SOURCE_DIR "/tests/fixtures/bench/"

/* ---- a sink that records what it is given ------------------------------ */

typedef struct brec {
    char name[SL_TEST_NAME_MAX + 1];
    char measure[SL_TEST_NAME_MAX + 1];
    char unit[16];
    double value, stddev;
    int lower;
    size_t n;
    uint64_t total;
    double min, max;
    double *samples; /* a copy of the kept samples */
} brec_t;

#define REC_MAX 24

typedef struct seen {
    size_t n;
    size_t stop_after; /* the sink says SL_EFULL at this call; 0: never */
    brec_t rec[REC_MAX];
} seen_t;

static void
record_samples(brec_t *r, const Sluice__V1__Benchmark *b)
{
    r->n = b->n_samples;
    r->total = b->samples_total;
    r->samples = NULL;
    if (r->n == 0) {
        return;
    }
    r->samples = malloc(r->n * sizeof *r->samples);
    assert_non_null(r->samples);
    memcpy(r->samples, b->samples, r->n * sizeof *r->samples);
    r->min = r->max = r->samples[0];
    for (size_t i = 1; i < r->n; i++) {
        r->min = fmin(r->min, r->samples[i]);
        r->max = fmax(r->max, r->samples[i]);
    }
}

static int
record(void *ctx, const sl_pb_event_t *ev)
{
    seen_t *s = ctx;
    assert_int_equal(ev->body_case, SLUICE__V1__EVENT__BODY_BENCHMARK);
    const Sluice__V1__Benchmark *b = ev->benchmark;
    if (s->stop_after != 0 && s->n + 1 == s->stop_after) {
        return SL_EFULL;
    }
    /* Whatever the file: at most the cap, never more than the file had. */
    assert_true(b->n_samples <= SL_BENCH_SAMPLES_MAX);
    assert_true(b->n_samples <= b->samples_total);
    assert_true(isfinite(b->value) && isfinite(b->stddev));
    if (s->n < REC_MAX) {
        brec_t *r = &s->rec[s->n];
        ft_copy_capped(r->name, b->name, SL_TEST_NAME_MAX);
        ft_copy_capped(r->measure, b->measure, SL_TEST_NAME_MAX);
        ft_copy_capped(r->unit, b->unit, sizeof r->unit - 1);
        r->value = b->value;
        r->stddev = b->stddev;
        r->lower = b->lower_is_better;
        record_samples(r, b);
    }
    s->n++;
    return SL_OK;
}

static seen_t *
seen_new(void)
{
    return ft_zalloc(sizeof(seen_t));
}

static void
seen_free(seen_t *s)
{
    for (size_t i = 0; i < REC_MAX; i++) {
        free(s->rec[i].samples);
    }
    free(s);
}

/* Parses path (detected unless forced); on success the format used must be
 * want (or the forced one). */
static int
parse_path(const char *path, const sl_format_t *forced, const char *want,
           seen_t *s, sl_err_t *err)
{
    sl_sink_t sink = {.ctx = s, .emit = record};
    return ft_parse(path, forced, want, &sink, err);
}

static seen_t *
parse_ok(const char *path, const char *want)
{
    seen_t *s = seen_new();
    sl_err_t err = {0};
    int rc = parse_path(path, NULL, want, s, &err);
    if (rc != SL_OK) {
        fail_msg("%s: rc %d: %s", path, rc, err.msg);
    }
    return s;
}

static void
assert_near(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        fail_msg("%.12g is not %.12g within %g", got, want, tol);
    }
}

/* One record: name, unit, direction, value and stddev within tol, and its
 * sample count (kept and total). */
static void
assert_bench(const brec_t *r, const char *name, const char *unit, double value,
             double stddev, double tol, uint64_t samples)
{
    assert_string_equal(r->name, name);
    assert_string_equal(r->measure, "");
    assert_string_equal(r->unit, unit);
    assert_true(r->lower);
    assert_near(r->value, value, tol);
    assert_near(r->stddev, stddev, tol);
    assert_int_equal(r->n, samples);
    assert_int_equal(r->total, samples);
}

/* ---- temporary files: a group directory, one file per test --------------- */

static int
group_setup(void **state)
{
    return ft_tmp_setup(state, "sl-bench", "doc.json");
}

/* Parses path (detected unless forced) and expects rc and exactly the
 * message "<path><rest>". */
static void
expect_error(const char *path, const sl_format_t *forced, int rc,
             const char *rest)
{
    seen_t *s = seen_new();
    sl_sink_t sink = {.ctx = s, .emit = record};
    ft_expect_error(path, forced, &sink, rc, rest);
    seen_free(s);
}

static void
expect_doc_error(void **state, const char *format_name, const char *doc, int rc,
                 const char *rest)
{
    expect_error(ft_tmp_doc(state, doc),
                 format_name != NULL ? ft_format(format_name) : NULL, rc, rest);
}

/* ---- pytest-benchmark -----------------------------------------------------
 */

/* expected/pytest-benchmark.txt, "Name (time in us)":
 *   test_checksum_small   10.7700  44.8030  11.4561  2.1840  906  1
 *   test_checksum_sized[1000]  58.4940  110.2150  61.1223  4.7480  318  1
 *   test_checksum_sized[4000]  236.6770  281.2780  244.6302  8.5701  79  1
 *   test_sort_fixed_rounds  79.2962  104.2475  82.5641  5.3099  25  4 */
static const struct {
    const char *name;
    double min, max, mean, stddev; /* us */
    uint64_t rounds;
} pytest_expected[] = {
    {"test_bench_sample.py::test_checksum_small", 10.7700, 44.8030, 11.4561,
     2.1840, 906},
    {"test_bench_sample.py::test_checksum_sized[1000]", 58.4940, 110.2150,
     61.1223, 4.7480, 318},
    {"test_bench_sample.py::test_checksum_sized[4000]", 236.6770, 281.2780,
     244.6302, 8.5701, 79},
    {"test_bench_sample.py::test_sort_fixed_rounds", 79.2962, 104.2475, 82.5641,
     5.3099, 25},
};

static void
test_pytest_json(void **state)
{
    (void)state;
    seen_t *s = parse_ok(FIXTURES "pytest-benchmark.json", "pytest-benchmark");
    assert_int_equal(s->n, 4);
    for (size_t i = 0; i < 4; i++) {
        const brec_t *r = &s->rec[i];
        assert_bench(r, pytest_expected[i].name, "s",
                     pytest_expected[i].mean * 1e-6,
                     pytest_expected[i].stddev * 1e-6, 0.00005e-6,
                     pytest_expected[i].rounds);
        /* The samples are the rounds: their extremes are the table's. */
        assert_near(r->min, pytest_expected[i].min * 1e-6, 0.00005e-6);
        assert_near(r->max, pytest_expected[i].max * 1e-6, 0.00005e-6);
    }
    seen_free(s);
}

static void
test_pytest_saved_without_data(void **state)
{
    (void)state;
    /* --benchmark-save without --benchmark-save-data: no stats.data. */
    seen_t *s =
        parse_ok(FIXTURES "pytest-benchmark-saved.json", "pytest-benchmark");
    assert_int_equal(s->n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_bench(&s->rec[i], pytest_expected[i].name, "s",
                     pytest_expected[i].mean * 1e-6,
                     pytest_expected[i].stddev * 1e-6, 0.00005e-6, 0);
    }
    seen_free(s);
}

static void
test_pytest_rules(void **state)
{
    /* name when there is no fullname; stddev of the data when the stats
     * have none; unknown members and nested extras skipped. */
    const char *path = ft_tmp_doc(
        state, "{\"benchmarks\": [{\"name\": \"t\", \"extra_info\": {\"a\": "
               "[1, {\"stats\": 1}]}, \"stats\": {\"mean\": 2, \"rounds\": 3,"
               " \"data\": [1, 2, 3], \"outliers\": \"0;0\"}}], "
               "\"version\": \"3.2.2\"}");
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(
        parse_path(path, ft_format("pytest-benchmark"), NULL, s, &err), SL_OK);
    assert_int_equal(s->n, 1);
    assert_bench(&s->rec[0], "t", "s", 2, 1, 0, 3);
    assert_true(s->rec[0].samples[0] == 1 && s->rec[0].samples[2] == 3);
    seen_free(s);
}

/* ---- Google Benchmark ---------------------------------------------------- */

static void
test_gbench_plain(void **state)
{
    (void)state;
    /* expected/gbench.txt:
     *   BM_Checksum/64     66.7 ns ...
     *   BM_Checksum/1024   1040 ns ...
     *   BM_Sleep          0.617 ms ...
     *   BM_Broken        ERROR OCCURRED: ... (no record) */
    seen_t *s = parse_ok(FIXTURES "gbench.json", "gbench");
    assert_int_equal(s->n, 3);
    assert_bench(&s->rec[0], "BM_Checksum/64", "ns", 66.7, 0, 0.05, 1);
    assert_bench(&s->rec[1], "BM_Checksum/1024", "ns", 1040, 0, 0.5, 1);
    assert_bench(&s->rec[2], "BM_Sleep", "ms", 0.617, 0, 0.0005, 1);
    seen_free(s);
}

static void
assert_samples(const brec_t *r, const double *want, size_t n, double tol)
{
    assert_int_equal(r->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_near(r->samples[i], want[i], tol);
    }
}

static void
test_gbench_repetitions(void **state)
{
    (void)state;
    /* expected/gbench-reps.txt: five runs each, then _mean and _stddev. */
    static const double c64[] = {65.6, 64.8, 72.6, 85.2, 80.5};
    static const double c1024[] = {1058, 1076, 1065, 1173, 1103};
    static const double sleep[] = {0.602, 0.595, 0.580, 0.582, 0.583};
    seen_t *s = parse_ok(FIXTURES "gbench-reps.json", "gbench");
    assert_int_equal(s->n, 3);
    /* BM_Checksum/64_mean 73.8 ns, _stddev 9.01 ns */
    assert_bench(&s->rec[0], "BM_Checksum/64", "ns", 73.8, 9.01, 0.05, 5);
    assert_near(s->rec[0].stddev, 9.01, 0.005);
    assert_samples(&s->rec[0], c64, 5, 0.05);
    /* BM_Checksum/1024_mean 1095 ns, _stddev 46.9 ns */
    assert_bench(&s->rec[1], "BM_Checksum/1024", "ns", 1095, 46.9, 0.5, 5);
    assert_near(s->rec[1].stddev, 46.9, 0.05);
    assert_samples(&s->rec[1], c1024, 5, 0.5);
    /* BM_Sleep_mean 0.588 ms, _stddev 0.010 ms */
    assert_bench(&s->rec[2], "BM_Sleep", "ms", 0.588, 0.010, 0.0005, 5);
    assert_samples(&s->rec[2], sleep, 5, 0.0005);
    seen_free(s);
}

static void
test_gbench_aggregates_only(void **state)
{
    (void)state;
    /* expected/gbench-aggregates.txt (--benchmark_report_aggregates_only):
     *   BM_Checksum/64_mean 65.0 ns, _stddev 0.244 ns
     *   BM_Checksum/1024_mean 1045 ns, _stddev 5.08 ns
     *   BM_Sleep_mean 0.581 ms, _stddev 0.003 ms */
    seen_t *s = parse_ok(FIXTURES "gbench-aggregates.json", "gbench");
    assert_int_equal(s->n, 3);
    assert_bench(&s->rec[0], "BM_Checksum/64", "ns", 65.0, 0.244, 0.05, 0);
    assert_near(s->rec[0].stddev, 0.244, 0.0005);
    assert_bench(&s->rec[1], "BM_Checksum/1024", "ns", 1045, 5.08, 0.5, 0);
    assert_near(s->rec[1].stddev, 5.08, 0.005);
    assert_bench(&s->rec[2], "BM_Sleep", "ms", 0.581, 0.003, 0.0005, 0);
    seen_free(s);
}

static void
test_gbench_random_interleaving(void **state)
{
    (void)state;
    /* expected/gbench-interleaved.txt (--benchmark_enable_random_
     * interleaving, 3 repetitions): BM_Broken came first this time. */
    static const double c64[] = {65.1, 65.2, 65.6};
    static const double c1024[] = {1039, 1038, 1048};
    seen_t *s = parse_ok(FIXTURES "gbench-interleaved.json", "gbench");
    assert_int_equal(s->n, 3);
    /* BM_Checksum/64_mean 65.3 ns, _stddev 0.273 ns */
    assert_bench(&s->rec[0], "BM_Checksum/64", "ns", 65.3, 0.273, 0.05, 3);
    assert_samples(&s->rec[0], c64, 3, 0.05);
    /* BM_Checksum/1024_mean 1042 ns, _stddev 5.45 ns */
    assert_bench(&s->rec[1], "BM_Checksum/1024", "ns", 1042, 5.45, 0.5, 3);
    assert_samples(&s->rec[1], c1024, 3, 0.5);
    /* BM_Sleep_mean 0.585 ms, _stddev 0.005 ms */
    assert_bench(&s->rec[2], "BM_Sleep", "ms", 0.585, 0.005, 0.0005, 3);
    seen_free(s);
}

/* One run object of a generated Google Benchmark file. */
static void
gb_run(FILE *f, int first, const char *name, const char *type,
       const char *extra, double real_time)
{
    assert_true(fprintf(f,
                        "%s{\"name\": \"%s\", \"run_name\": \"%s\", "
                        "\"run_type\": \"%s\", \"repetitions\": 2, %s"
                        "\"iterations\": 10, \"real_time\": %.17g, "
                        "\"cpu_time\": 1, \"time_unit\": \"us\"}\n",
                        first ? "" : ",", name, name, type, extra,
                        real_time) > 0);
}

static void
test_gbench_interleaved_runs(void **state)
{
    /* Runs of two benchmarks interleaved (not what Google Benchmark
     * writes, but read): each gets its own samples and aggregates. */
    FILE *f = ft_tmp_open(state);
    assert_true(fputs("{\"context\": {}, \"benchmarks\": [\n", f) >= 0);
    gb_run(f, 1, "A", "iteration", "", 10);
    gb_run(f, 0, "B", "iteration", "", 100);
    gb_run(f, 0, "A", "iteration", "", 20);
    gb_run(f, 0, "B", "iteration", "\"skipped\": true, ", 0);
    gb_run(f, 0, "B", "aggregate", "\"aggregate_name\": \"median\", ", 7);
    gb_run(f, 0, "A", "aggregate", "\"aggregate_name\": \"mean\", ", 15);
    gb_run(f, 0, "A", "aggregate", "\"aggregate_name\": \"stddev\", ", 3);
    assert_true(fputs("]}\n", f) >= 0);
    seen_t *s = seen_new();
    sl_err_t err = {0};
    assert_int_equal(
        parse_path(ft_tmp_close(state, f), NULL, "gbench", s, &err), SL_OK);
    assert_int_equal(s->n, 2);
    /* B is complete first (its aggregate came and A's run followed). */
    assert_bench(&s->rec[0], "B", "us", 100, 0, 0, 1);
    /* A: the mean of its samples, the stddev aggregate. */
    assert_bench(&s->rec[1], "A", "us", 15, 3, 0, 2);
    assert_true(s->rec[1].samples[0] == 10 && s->rec[1].samples[1] == 20);
    seen_free(s);
}

static void
test_gbench_open_cap(void **state)
{
    /* 17 benchmarks with their first repetitions interleaved. */
    FILE *f = ft_tmp_open(state);
    assert_true(fputs("{\"benchmarks\": [\n", f) >= 0);
    for (int i = 0; i < 17; i++) {
        char name[8];
        (void)snprintf(name, sizeof name, "B%d", i);
        gb_run(f, i == 0, name, "iteration", "", 1);
    }
    assert_true(fputs("]}\n", f) >= 0);
    expect_error(ft_tmp_close(state, f), NULL, SL_ETOOBIG,
                 ":18:146: runs of more than 16 benchmarks interleave");
    /* A benchmark whose runs come back after its aggregates. */
    f = ft_tmp_open(state);
    assert_true(fputs("{\"benchmarks\": [\n", f) >= 0);
    gb_run(f, 1, "A", "iteration", "", 1);
    gb_run(f, 0, "A", "aggregate", "\"aggregate_name\": \"mean\", ", 1);
    gb_run(f, 0, "B", "iteration", "", 1);
    gb_run(f, 0, "A", "iteration", "", 1);
    assert_true(fputs("]}\n", f) >= 0);
    expect_error(ft_tmp_close(state, f), NULL, SL_EINPUT,
                 ":5:142: runs of \"A\" resume after its record (its "
                 "aggregates came already)");
}

static void
test_gbench_old_and_skipped(void **state)
{
    /* Older versions: no run_name or run_type. A 1.8 "skipped" run and an
     * errored one are not samples; BigO/RMS aggregates are skipped. */
    const char *path = ft_tmp_doc(
        state,
        "{\"context\": {\"num_cpus\": 2}, \"benchmarks\": [\n"
        "{\"name\": \"BM_old/8\", \"iterations\": 5, \"real_time\": 4.5,"
        " \"cpu_time\": 4, \"time_unit\": \"ns\"},\n"
        "{\"name\": \"BM_s\", \"run_name\": \"BM_s\", \"run_type\": "
        "\"iteration\", \"repetitions\": 1, \"repetition_index\": 0, "
        "\"skipped\": true, \"skip_message\": \"no GPU\", \"iterations\": 0,"
        " \"real_time\": 0, \"cpu_time\": 0, \"time_unit\": \"ns\"},\n"
        "{\"name\": \"BM_old_BigO\", \"run_name\": \"BM_old\", \"run_type\": "
        "\"aggregate\", \"aggregate_name\": \"BigO\", \"cpu_coefficient\": "
        "0.5, \"real_coefficient\": 0.5, \"big_o\": \"N\", \"time_unit\": "
        "\"ns\"},\n"
        "{\"name\": \"BM_old_RMS\", \"run_name\": \"BM_old\", \"run_type\": "
        "\"aggregate\", \"aggregate_name\": \"RMS\", \"rms\": 0.01}\n]}\n");
    seen_t *s = parse_ok(path, "gbench");
    assert_int_equal(s->n, 1);
    assert_bench(&s->rec[0], "BM_old/8", "ns", 4.5, 0, 0, 1);
    seen_free(s);
}

/* ---- hyperfine ------------------------------------------------------------
 */

static void
test_hyperfine(void **state)
{
    (void)state;
    /* expected/hyperfine.txt:
     *   Benchmark 1: sleep 10ms (--command-name for "sleep 0.01")
     *     Time (mean ± σ):  11.4 ms ±  0.2 ms
     *     Range (min … max): 11.2 ms … 11.7 ms    10 runs
     *   Benchmark 2: sleep 0.02
     *     Time (mean ± σ):  21.7 ms ±  0.7 ms
     *     Range (min … max): 20.9 ms … 23.1 ms    10 runs */
    seen_t *s = parse_ok(FIXTURES "hyperfine.json", "hyperfine");
    assert_int_equal(s->n, 2);
    assert_bench(&s->rec[0], "sleep 10ms", "s", 0.0114, 0.0002, 0.00005, 10);
    assert_near(s->rec[0].min, 0.0112, 0.00005);
    assert_near(s->rec[0].max, 0.0117, 0.00005);
    assert_bench(&s->rec[1], "sleep 0.02", "s", 0.0217, 0.0007, 0.00005, 10);
    assert_near(s->rec[1].min, 0.0209, 0.00005);
    assert_near(s->rec[1].max, 0.0231, 0.00005);
    seen_free(s);
}

static void
test_hyperfine_params_and_one_run(void **state)
{
    (void)state;
    /* expected/hyperfine-params.txt (-L t 0.005,0.015, 5 runs):
     *   sleep 0.005: 6.3 ms ± 0.7 ms;  sleep 0.015: 16.8 ms ± 1.3 ms */
    seen_t *s = parse_ok(FIXTURES "hyperfine-params.json", "hyperfine");
    assert_int_equal(s->n, 2);
    assert_bench(&s->rec[0], "sleep 0.005", "s", 0.0063, 0.0007, 0.00005, 5);
    assert_bench(&s->rec[1], "sleep 0.015", "s", 0.0168, 0.0013, 0.00005, 5);
    seen_free(s);
    /* expected/hyperfine-one-run.txt: "Time (abs ≡): 11.3 ms"; the file's
     * stddev is null: 0 of the one sample. */
    s = parse_ok(FIXTURES "hyperfine-one-run.json", "hyperfine");
    assert_int_equal(s->n, 1);
    assert_bench(&s->rec[0], "sleep 0.01", "s", 0.0113, 0, 0.00005, 1);
    seen_free(s);
}

/* ---- Bencher Metric Format ------------------------------------------------
 */

static void
assert_bmf(const brec_t *r, const char *name, const char *measure,
           const char *unit, int lower, double value)
{
    assert_string_equal(r->name, name);
    assert_string_equal(r->measure, measure);
    assert_string_equal(r->unit, unit);
    assert_int_equal(r->lower, lower);
    assert_true(r->value == value);
    assert_true(r->stddev == 0);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->total, 0);
}

static void
test_bmf_docs_example(void **state)
{
    (void)state;
    /* The example of bencher.dev/docs/reference/bencher-metric-format. */
    seen_t *s = parse_ok(FIXTURES "bmf.json", "bmf");
    assert_int_equal(s->n, 4);
    assert_bmf(&s->rec[0], "benchmark_name", "latency", "ns", 1, 88.0);
    assert_bmf(&s->rec[1], "benchmark_name", "throughput", "ops/s", 0, 5.55);
    assert_bmf(&s->rec[2], "/bin/sh -c ./my_build_script.sh", "build-time", "s",
               1, 87.0);
    assert_bmf(&s->rec[3], "my_binary", "file-size", "bytes", 1, 42.0);
    seen_free(s);
}

static void
test_bmf_custom_measures(void **state)
{
    (void)state;
    seen_t *s = parse_ok(FIXTURES "bmf-custom.json", "bmf");
    assert_int_equal(s->n, 4);
    assert_bmf(&s->rec[0], "parser::parse_report", "latency", "ns", 1, 15234.5);
    /* A measure Bencher does not define: no unit, lower is better. */
    assert_bmf(&s->rec[1], "parser::parse_report", "instructions", "", 1,
               48213);
    /* Built-in measures by name as well as by slug. */
    assert_bmf(&s->rec[2], "parser::parse_report", "Throughput", "ops/s", 0,
               65641.3);
    assert_bmf(&s->rec[3], "store::append/1024", "latency", "ns", 1, 3200);
    seen_free(s);
}

/* ---- thinning -------------------------------------------------------------
 */

/* Sample i of the generated files: distinct, exact in a double. */
static double
sample_at(uint64_t i)
{
    return 1000.0 + (double)i * 0.25;
}

/* 50,000 samples are held with stride 4 (the first power of two leaving at
 * most 20,000 of them: 12,500), then exactly 10,000 are picked among the
 * 12,500 held: held[i * 12500 / 10000], i.e. sample 4 * that. */
static void
assert_thinned(const brec_t *r, uint64_t total)
{
    assert_int_equal(r->total, total);
    assert_int_equal(r->n, SL_BENCH_SAMPLES_MAX);
    for (uint64_t i = 0; i < SL_BENCH_SAMPLES_MAX; i++) {
        uint64_t held = i * 12500 / SL_BENCH_SAMPLES_MAX;
        if (r->samples[i] != sample_at(4 * held)) {
            fail_msg("kept sample %llu is %g", (unsigned long long)i,
                     r->samples[i]);
        }
    }
}

static void
test_thinning_gbench(void **state)
{
    /* 50,000 repetitions: value and stddev are of all 50,000. */
    FILE *f = ft_tmp_open(state);
    assert_true(fputs("{\"benchmarks\": [\n", f) >= 0);
    for (uint64_t i = 0; i < 50000; i++) {
        assert_true(fprintf(f,
                            "%s{\"name\": \"BM_many\", \"run_type\": "
                            "\"iteration\", \"repetitions\": 50000, "
                            "\"repetition_index\": %llu, \"real_time\": "
                            "%.17g, \"time_unit\": \"ns\"}\n",
                            i == 0 ? "" : ",", (unsigned long long)i,
                            sample_at(i)) > 0);
    }
    assert_true(fputs("]}\n", f) >= 0);
    seen_t *s = parse_ok(ft_tmp_close(state, f), "gbench");
    assert_int_equal(s->n, 1);
    assert_thinned(&s->rec[0], 50000);
    /* mean 1000 + 0.25 * 49999 / 2; stddev 0.25 * sqrt(n (n + 1) / 12) */
    assert_near(s->rec[0].value, 1000.0 + 0.25 * 49999 / 2, 1e-9);
    assert_near(s->rec[0].stddev, 0.25 * sqrt(50000.0 * 50001.0 / 12.0), 1e-6);
    seen_free(s);
}

static void
test_thinning_pytest_hyperfine(void **state)
{
    /* pytest-benchmark stats.data and hyperfine times: the file's own mean
     * stays the value; the samples are thinned the same way. */
    static const char *const heads[] = {
        "{\"benchmarks\": [{\"fullname\": \"t\", \"stats\": {\"mean\": 7, "
        "\"data\": [",
        "{\"results\": [{\"command\": \"c\", \"mean\": 7, \"times\": [",
    };
    static const char *const tails[] = {"]}}]}\n", "]}]}\n"};
    for (size_t k = 0; k < 2; k++) {
        FILE *f = ft_tmp_open(state);
        assert_true(fputs(heads[k], f) >= 0);
        for (uint64_t i = 0; i < 50000; i++) {
            assert_true(fprintf(f, "%s%.17g", i == 0 ? "" : ",", sample_at(i)) >
                        0);
        }
        assert_true(fputs(tails[k], f) >= 0);
        seen_t *s = parse_ok(ft_tmp_close(state, f),
                             k == 0 ? "pytest-benchmark" : "hyperfine");
        assert_int_equal(s->n, 1);
        assert_thinned(&s->rec[0], 50000);
        assert_true(s->rec[0].value == 7);
        assert_near(s->rec[0].stddev, 0.25 * sqrt(50000.0 * 50001.0 / 12.0),
                    1e-6);
        seen_free(s);
    }
}

static void
test_thinning_edges(void **state)
{
    /* Exactly the cap: all kept. One more: the cap, evenly picked. */
    static const uint64_t counts[] = {SL_BENCH_SAMPLES_MAX,
                                      SL_BENCH_SAMPLES_MAX + 1};
    for (size_t k = 0; k < 2; k++) {
        FILE *f = ft_tmp_open(state);
        assert_true(fputs("{\"results\": [{\"command\": \"c\", \"mean\": 1, "
                          "\"times\": [",
                          f) >= 0);
        for (uint64_t i = 0; i < counts[k]; i++) {
            assert_true(fprintf(f, "%s%.17g", i == 0 ? "" : ",", sample_at(i)) >
                        0);
        }
        assert_true(fputs("]}]}\n", f) >= 0);
        seen_t *s = parse_ok(ft_tmp_close(state, f), "hyperfine");
        const brec_t *r = &s->rec[0];
        assert_int_equal(r->total, counts[k]);
        assert_int_equal(r->n, SL_BENCH_SAMPLES_MAX);
        for (uint64_t i = 0; i < SL_BENCH_SAMPLES_MAX; i++) {
            assert_true(r->samples[i] ==
                        sample_at(i * counts[k] / SL_BENCH_SAMPLES_MAX));
        }
        seen_free(s);
    }
}

/* ---- detection ------------------------------------------------------------
 */

static void
test_detect_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *file, *format;
    } fixtures[] = {
        {"pytest-benchmark.json", "pytest-benchmark"},
        {"pytest-benchmark-saved.json", "pytest-benchmark"},
        {"truncated.json", "pytest-benchmark"},
        {"gbench.json", "gbench"},
        {"gbench-reps.json", "gbench"},
        {"gbench-aggregates.json", "gbench"},
        {"gbench-interleaved.json", "gbench"},
        {"hyperfine.json", "hyperfine"},
        {"hyperfine-params.json", "hyperfine"},
        {"hyperfine-one-run.json", "hyperfine"},
        {"bmf.json", "bmf"},
        {"bmf-custom.json", "bmf"},
        {"sarif.json", "sarif"},
    };
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char path[256];
        (void)snprintf(path, sizeof path, "%s%s", FIXTURES, fixtures[i].file);
        ft_assert_sniffed_file(path, fixtures[i].format);
    }
}

static void
test_detect_heads(void **state)
{
    (void)state;
    static const struct {
        const char *head, *format;
    } cases[] = {
        {"", NULL},
        {"{}", NULL},
        {"[]", NULL},
        {"[{\"benchmarks\": [{\"fullname\": \"x\"}]}]", NULL},
        {"{\"a\": 1}", NULL},
        {"\"benchmarks\"", NULL},
        {"{\"benchmarks\": []}", NULL},
        {"{\"results\": []}", NULL},
        {"{\"a\": {\"b\": {\"value\": \"1\"}}}", NULL},
        {"{\"a\": {\"b\": {\"value\": 1, \"note\": \"x\"}}}", NULL},
        {"{\"a\": {\"b\": {\"lower_value\": 1}}}", NULL},
        {"{\"a\": {\"b\": {\"value\": [1]}}}", NULL},
        {"{\"a\": {\"b\": {\"value\": NaN}}}", NULL},
        {"<testsuites>", "junit"},
        /* cut short: undecided is no */
        {"{\"results\": [{\"command\": \"x\", \"mean\": 0.01", NULL},
        {"{\"results\": [{\"command\": \"x\", \"mean\": 0.01,", "hyperfine"},
        {"{\"benchmarks\": [{\"group\": null, \"fullname\": \"t", NULL},
        {"{\"benchmarks\": [{\"group\": null, \"fullname\": \"t\"",
         "pytest-benchmark"},
        {"{\"machine_info\": {\"python_implementation\": \"CPython\"",
         "pytest-benchmark"},
        {"{\"context\": {\"num_cpus\": 2,", "gbench"},
        {"{\"context\": {\"num_cpus\": \"2\",", NULL},
        {"{\"benchmarks\": [{\"name\": \"BM_x\", \"run_name\": \"BM_x\"",
         "gbench"},
        {"{\"a\": {\"latency\": {\"value\": 1}", "bmf"},
        {"{\"a\": {\"latency\": {\"value\": 1", NULL},
        {"\xEF\xBB\xBF{\"a\": {}, \"b\": {\"m\": {\"upper_value\": 2, "
         "\"value\": -1e3}}}",
         "bmf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ft_assert_sniffed(cases[i].head, cases[i].head, strlen(cases[i].head),
                          cases[i].format);
    }
}

static void
test_format_table(void **state)
{
    (void)state;
    static const char *const names[] = {"pytest-benchmark", "gbench",
                                        "hyperfine", "bmf"};
    for (size_t i = 0; i < 4; i++) {
        const sl_format_t *f = ft_format(names[i]);
        assert_non_null(f->what);
        assert_non_null(f->sniff);
        assert_non_null(f->parse);
    }
    /* BMF, the loosest sniff, comes after the other three. */
    int bmf_seen = 0;
    for (const sl_format_t *f = sl_format_table(); f->name != NULL; f++) {
        bmf_seen |= strcmp(f->name, "bmf") == 0;
        for (size_t i = 0; i < 3; i++) {
            assert_false(bmf_seen && strcmp(f->name, names[i]) == 0);
        }
    }
    assert_true(bmf_seen);
}

/* ---- hostile and broken input ---------------------------------------------
 */

static void
test_hostile_truncated_empty(void **state)
{
    /* The first 3000 bytes of pytest-benchmark.json: cut in a number. */
    expect_error(FIXTURES "truncated.json", NULL, SL_EINPUT,
                 ":85:25: truncated document");
    expect_doc_error(state, NULL, "", SL_EINPUT, ": empty file");
    expect_doc_error(state, "gbench", "", SL_EINPUT, ": empty file");
    expect_doc_error(state, "bmf", "  \n", SL_EINPUT,
                     ":2:1: truncated document");
}

static void
test_hostile_nan_infinity(void **state)
{
    /* Google Benchmark writes NaN (a cv whose mean is 0): detected by its
     * context, refused as not JSON. */
    expect_doc_error(state, NULL,
                     "{\"context\": {\"num_cpus\": 2}, \"benchmarks\": [\n"
                     "{\"name\": \"BM_z_cv\", \"run_name\": \"BM_z\", "
                     "\"run_type\": \"aggregate\", \"aggregate_name\": "
                     "\"cv\", \"real_time\": NaN}]}",
                     SL_EINPUT,
                     ":2:103: lexical error: invalid char in json text.");
    expect_doc_error(
        state, "hyperfine",
        "{\"results\": [{\"command\": \"x\", \"mean\": Infinity}]}", SL_EINPUT,
        ":1:39: lexical error: invalid char in json text.");
    expect_doc_error(state, "pytest-benchmark",
                     "{\"benchmarks\": [{\"name\": \"t\", \"stats\": "
                     "{\"mean\": -Infinity}}]}",
                     SL_EINPUT,
                     ":1:49: lexical error: malformed number, a digit is "
                     "required after the minus sign.");
    /* Not detected as anything: the sniff never decides. */
    expect_doc_error(state, NULL,
                     "{\"results\": [{\"command\": \"x\", \"mean\": NaN}]}",
                     SL_EINPUT, ft_known_formats());
}

static void
test_hostile_overflow(void **state)
{
    expect_doc_error(state, NULL,
                     "{\"results\": [{\"command\": \"x\", \"mean\": 1e999}]}",
                     SL_EINPUT, ":1:43: mean: number out of range (1e999)");
    expect_doc_error(state, "pytest-benchmark",
                     "{\"benchmarks\": [{\"name\": \"t\", \"stats\": "
                     "{\"mean\": 1, \"data\": [1, -1e999]}}]}",
                     SL_EINPUT,
                     ":1:69: stats.data[]: number out of range (-1e999)");
    expect_doc_error(state, NULL, "{\"a\": {\"latency\": {\"value\": 1e400}}}",
                     SL_EINPUT, ":1:33: value: number out of range (1e400)");
    expect_doc_error(state, "gbench",
                     "{\"benchmarks\": [{\"name\": \"a\", \"repetitions\": "
                     "99999999999999999999999}]}",
                     SL_EINPUT,
                     ":1:68: repetitions: want a count from 0 to 4294967295, "
                     "not 99999999999999999999999");
    /* Finite samples whose statistics overflow a double. */
    expect_doc_error(state, "hyperfine",
                     "{\"results\": [{\"command\": \"x\", \"mean\": 1, "
                     "\"stddev\": null, \"times\": [1e308, 1.7e308, 0]}]}",
                     SL_EINPUT,
                     ":1:86: benchmark \"x\": the statistics of its samples "
                     "overflow");
}

static void
test_hostile_deep(void **state)
{
    /* 100k nested arrays under a member every parser skips. */
    static const char *const names[] = {"pytest-benchmark", "gbench",
                                        "hyperfine", "bmf"};
    static const char *const heads[] = {
        "{\"x\": ", "{\"x\": ", "{\"x\": ", "{\"b\": {\"m\": {\"x\": "};
    static const int cols[] = {71, 71, 71, 81};
    for (size_t i = 0; i < 4; i++) {
        FILE *f = ft_tmp_open(state);
        assert_true(fputs(heads[i], f) >= 0);
        for (int k = 0; k < 100000; k++) {
            assert_true(fputc('[', f) != EOF);
        }
        const char *path = ft_tmp_close(state, f);
        char rest[64];
        (void)snprintf(rest, sizeof rest, ":1:%d: nested deeper than 64",
                       cols[i] - 1); /* the 65th bracket's column */
        expect_error(path, ft_format(names[i]), SL_ETOOBIG, rest);
    }
}

static void
test_hostile_missing_fields(void **state)
{
    expect_doc_error(state, NULL,
                     "{\"benchmarks\": [{\"fullname\": \"t::a\", \"stats\": "
                     "{\"stddev\": 1, \"rounds\": 0}}]}",
                     SL_EINPUT, ":1:73: benchmark \"t::a\": no stats.mean");
    expect_doc_error(state, NULL,
                     "{\"benchmarks\": [{\"fullname\": \"t::a\"}]}", SL_EINPUT,
                     ":1:36: benchmark \"t::a\": no stats");
    expect_doc_error(state, "pytest-benchmark",
                     "{\"benchmarks\": [{\"stats\": {\"mean\": 1}}]}",
                     SL_EINPUT,
                     ":1:38: benchmark without \"fullname\" or \"name\"");
    expect_doc_error(state, NULL,
                     "{\"results\": [{\"command\": \"x\", \"stddev\": 1, "
                     "\"mean\": 2}, {\"command\": \"y\", \"times\": [1]}]}",
                     SL_EINPUT, ":1:85: result without \"mean\"");
    expect_doc_error(state, "hyperfine", "{\"results\": [{\"mean\": 2}]}",
                     SL_EINPUT, ":1:24: result without \"command\"");
    expect_doc_error(state, NULL,
                     "{\"context\": {\"num_cpus\": 2}, \"benchmarks\": "
                     "[{\"name\": \"a\", \"time_unit\": \"ns\"}]}",
                     SL_EINPUT, ":1:76: run of \"a\" without real_time");
    expect_doc_error(state, "gbench", "{\"benchmarks\": [{\"real_time\": 1}]}",
                     SL_EINPUT, ":1:32: run without \"run_name\" or \"name\"");
    expect_doc_error(state, NULL,
                     "{\"b\": {\"latency\": {\"value\": 1}, \"throughput\": "
                     "{\"upper_value\": 1}}}",
                     SL_EINPUT,
                     ":1:64: benchmark \"b\" measure \"throughput\": no "
                     "\"value\"");
}

static void
test_hostile_wrong_types(void **state)
{
    static const struct {
        const char *format, *doc, *rest;
    } cases[] = {
        {"pytest-benchmark", "{\"benchmarks\": {}}",
         ":1:16: benchmarks: want an array"},
        {"pytest-benchmark", "{\"benchmarks\": [[]]}",
         ":1:17: benchmarks[]: want objects"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"name\": \"t\", \"stats\": {\"mean\": "
         "\"fast\"}}]}",
         ":1:54: stats.mean: want a number, not a string"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"name\": 5, \"stats\": {\"mean\": 1}}]}",
         ":1:26: name: want a string, not a number"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"name\": \"t\", \"stats\": [1]}]}",
         ":1:40: stats: want an object"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"name\": \"t\", \"stats\": {\"mean\": 1, "
         "\"data\": {}}}]}",
         ":1:60: stats.data: want an array"},
        {"pytest-benchmark", "[{\"benchmarks\": []}]",
         ":1:1: not a pytest-benchmark report (the root is an array)"},
        {"gbench",
         "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1, \"time_unit\": "
         "\"min\"}]}",
         ":1:64: time_unit: want ns, us, ms or s, not \"min\""},
        {"gbench", "{\"benchmarks\": [{\"name\": \"a\", \"run_type\": \"x\"}]}",
         ":1:45: run_type: want \"iteration\" or \"aggregate\""},
        {"gbench",
         "{\"benchmarks\": [{\"name\": \"a\", \"error_occurred\": \"yes\"}]}",
         ":1:53: error_occurred: want true or false, not a string"},
        {"gbench",
         "{\"benchmarks\": [{\"name\": \"a\", \"repetitions\": 1.5}]}",
         ":1:48: repetitions: want a count from 0 to 4294967295, not 1.5"},
        {"gbench", "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": [1]}]}",
         ":1:44: real_time: want a scalar"},
        {"gbench", "{\"benchmarks\": [{\"name\": \"\\u0000x\"}]}",
         ":1:34: name: holds a NUL character"},
        {"gbench", "{\"benchmarks\": [{\"name\": \"\"}]}",
         ":1:27: name: empty"},
        {"hyperfine",
         "{\"results\": [{\"command\": \"x\", \"mean\": 1, \"times\": "
         "[\"1\"]}]}",
         ":1:54: times[]: want a number, not a string"},
        {"hyperfine",
         "{\"results\": [{\"command\": \"x\", \"mean\": 1, \"times\": 5}]}",
         ":1:51: times: want an array"},
        {"hyperfine",
         "{\"results\": [{\"command\": \"x\", \"mean\": 1, \"times\": "
         "[-0.5]}]}",
         ":1:55: times[]: negative time (-0.5)"},
        {"hyperfine", "{\"results\": [{\"command\": \"x\", \"mean\": true}]}",
         ":1:42: mean: want a number, not a boolean"},
        {"bmf", "{\"b\": [1]}",
         ":1:7: benchmark \"b\": want an object of "
         "measures"},
        {"bmf", "{\"b\": {\"m\": 3}}",
         ":1:13: benchmark \"b\" measure \"m\": want an object with "
         "\"value\""},
        {"bmf", "{\"b\": {\"m\": {\"value\": null}}}",
         ":1:26: value: want a number, not null"},
        {"bmf", "{\"\": {\"m\": {\"value\": 1}}}",
         ":1:6: empty benchmark name"},
        {"bmf", "7",
         ":1:2: not a Bencher Metric Format document (the root is "
         "not an object)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_doc_error(state, cases[i].format, cases[i].doc, SL_EINPUT,
                         cases[i].rest);
    }
}

static void
test_hostile_impossible_counts(void **state)
{
    expect_doc_error(state, "gbench",
                     "{\"benchmarks\": [{\"name\": \"a\", \"repetitions\": 3, "
                     "\"repetition_index\": 3}]}",
                     SL_EINPUT, ":1:70: repetition_index 3 of 3 repetitions");
    expect_doc_error(
        state, "gbench",
        "{\"benchmarks\": [{\"name\": \"a\", \"repetitions\": 0}]}", SL_EINPUT,
        ":1:46: repetitions: want at least 1");
    expect_doc_error(state, "gbench",
                     "{\"benchmarks\": [\n"
                     "{\"name\": \"a\", \"repetitions\": 1, \"real_time\": 1, "
                     "\"time_unit\": \"ns\"},\n"
                     "{\"name\": \"a\", \"repetitions\": 1, \"real_time\": 1, "
                     "\"time_unit\": \"ns\"}]}",
                     SL_EINPUT,
                     ":3:66: more iteration runs of \"a\" than its 1 "
                     "repetitions");
    expect_doc_error(state, "gbench",
                     "{\"benchmarks\": [\n"
                     "{\"name\": \"a\", \"repetitions\": 2, \"real_time\": 1, "
                     "\"time_unit\": \"ns\"},\n"
                     "{\"name\": \"a\", \"repetitions\": 2, \"real_time\": 1, "
                     "\"time_unit\": \"ms\"}]}",
                     SL_EINPUT,
                     ":3:66: run of \"a\": time_unit ms, earlier runs ns");
    expect_doc_error(
        state, "pytest-benchmark",
        "{\"benchmarks\": [{\"name\": \"t\", \"stats\": {\"mean\": 1,"
        " \"rounds\": 3, \"data\": [1, 1]}}]}",
        SL_EINPUT,
        ":1:80: benchmark \"t\": stats.rounds is 3 but "
        "stats.data holds 2");
}

static void
test_hostile_forced_foreign(void **state)
{
    (void)state;
    /* Each real fixture forced as another of our formats. */
    expect_error(FIXTURES "hyperfine.json", ft_format("gbench"), SL_EINPUT,
                 ":72:1: not a Google Benchmark report (no \"benchmarks\" "
                 "array)");
    expect_error(FIXTURES "hyperfine.json", ft_format("pytest-benchmark"),
                 SL_EINPUT,
                 ":72:1: not a pytest-benchmark report (no \"benchmarks\" "
                 "array)");
    expect_error(FIXTURES "gbench.json", ft_format("hyperfine"), SL_EINPUT,
                 ":102:1: not a hyperfine export (no \"results\" array)");
    expect_error(FIXTURES "gbench.json", ft_format("pytest-benchmark"),
                 SL_EINPUT, ":54:5: benchmark \"BM_Checksum/64\": no stats");
    expect_error(FIXTURES "gbench.json", ft_format("bmf"), SL_EINPUT,
                 ":3:39: benchmark \"context\" measure \"date\": want an "
                 "object with \"value\"");
    expect_error(FIXTURES "pytest-benchmark.json", ft_format("gbench"),
                 SL_EINPUT,
                 ":973:9: run of \"test_checksum_small\" without real_time");
    expect_error(FIXTURES "sarif.json", ft_format("bmf"), SL_EINPUT,
                 ":2:60: benchmark \"$schema\": want an object of measures");
    expect_error(FIXTURES "bmf.json", ft_format("hyperfine"), SL_EINPUT,
                 ":24:1: not a hyperfine export (no \"results\" array)");
    expect_error(SL_SOURCE_DIR "/tests/fixtures/junit/passing.xml",
                 ft_format("gbench"), SL_EINPUT,
                 ":1:1: lexical error: invalid char in json text.");
}

static void
test_hostile_bad_utf8(void **state)
{
    expect_doc_error(state, "hyperfine",
                     "{\"results\": [{\"command\": \"sleep \xff\xfe\", "
                     "\"mean\": 1}]}",
                     SL_EINPUT,
                     ":1:33: lexical error: invalid bytes in UTF8 "
                     "string.");
}

static void
test_sink_stops(void **state)
{
    (void)state;
    seen_t *s = seen_new();
    s->stop_after = 2;
    sl_err_t err = {0};
    assert_int_equal(parse_path(FIXTURES "hyperfine.json", NULL, NULL, s, &err),
                     SL_EFULL);
    assert_int_equal(s->n, 1);
    assert_string_equal(err.msg, FIXTURES "hyperfine.json:70:5: store is full");
    seen_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pytest_json),
        cmocka_unit_test(test_pytest_saved_without_data),
        cmocka_unit_test(test_pytest_rules),
        cmocka_unit_test(test_gbench_plain),
        cmocka_unit_test(test_gbench_repetitions),
        cmocka_unit_test(test_gbench_aggregates_only),
        cmocka_unit_test(test_gbench_random_interleaving),
        cmocka_unit_test(test_gbench_interleaved_runs),
        cmocka_unit_test(test_gbench_open_cap),
        cmocka_unit_test(test_gbench_old_and_skipped),
        cmocka_unit_test(test_hyperfine),
        cmocka_unit_test(test_hyperfine_params_and_one_run),
        cmocka_unit_test(test_bmf_docs_example),
        cmocka_unit_test(test_bmf_custom_measures),
        cmocka_unit_test(test_thinning_gbench),
        cmocka_unit_test(test_thinning_pytest_hyperfine),
        cmocka_unit_test(test_thinning_edges),
        cmocka_unit_test(test_detect_fixtures),
        cmocka_unit_test(test_detect_heads),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_hostile_truncated_empty),
        cmocka_unit_test(test_hostile_nan_infinity),
        cmocka_unit_test(test_hostile_overflow),
        cmocka_unit_test(test_hostile_deep),
        cmocka_unit_test(test_hostile_missing_fields),
        cmocka_unit_test(test_hostile_wrong_types),
        cmocka_unit_test(test_hostile_impossible_counts),
        cmocka_unit_test(test_hostile_forced_foreign),
        cmocka_unit_test(test_hostile_bad_utf8),
        cmocka_unit_test(test_sink_stops),
    };
    return cmocka_run_group_tests(tests, group_setup, ft_tmp_teardown);
}
