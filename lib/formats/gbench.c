/* Google Benchmark JSON (--benchmark_format=json, or --benchmark_out with
 * --benchmark_out_format=json):
 *
 *   {"context": {...}, "benchmarks": [
 *     {"name", "run_name", "run_type": "iteration" | "aggregate",
 *      "repetitions", "repetition_index", "threads", "aggregate_name",
 *      "error_occurred", "error_message", "skipped", "skip_message",
 *      "iterations", "real_time", "cpu_time", "time_unit", <counters>}, ...]}
 *
 * One record per run_name (the benchmark with its arguments, without the
 * "_mean" suffixes of its aggregates): samples are the real_time of its
 * successful iteration runs (one per repetition), value their mean, or
 * the "mean" aggregate when the file has only aggregates
 * (--benchmark_report_aggregates_only); stddev the "stddev" aggregate when
 * present, else of the samples; unit time_unit. cpu_time, counters, the
 * other aggregates (median, cv, user statistics, BigO, RMS) are skipped.
 *
 * Runs with error_occurred or skipped true are not measurements: they are
 * not samples, and a benchmark none of whose runs succeeded (and with no
 * mean aggregate) gives no record.
 *
 * Google Benchmark writes all runs of one benchmark together, also with
 * --benchmark_enable_random_interleaving (it reports a benchmark after its
 * last repetition). Interleaved runs are read too, with up to GB_OPEN_MAX
 * benchmarks open at once (SL_ETOOBIG past that). An open benchmark is
 * complete, and its record emitted, once a run of another benchmark
 * follows it and no more of its runs are due: it has had an aggregate
 * (aggregates come last), or it has one repetition (or repetitions is not
 * written), or all its repetitions came and fewer than two succeeded (no
 * aggregates are computed then). The end of the array completes the rest.
 * A run of one of the last GB_OPEN_MAX benchmarks emitted is refused.
 *
 * Older Google Benchmark versions wrote no run_name or run_type: then
 * "name" names the benchmark and a run is an aggregate only when it has
 * aggregate_name. */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

#define GB_OPEN_MAX 16 /* benchmarks whose runs may interleave */
#define GB_AGG_MAX  63 /* bytes of an aggregate_name kept */

enum { GB_UNSET, GB_ITERATION, GB_AGGREGATE };

/* The run being read. */
typedef struct gb_run {
    sl_text_t name, run_name, agg;
    int has_name, has_run_name, has_agg;
    int type;
    int has_reps, has_index, has_time;
    uint64_t reps, index;
    double real_time;
    const char *unit;
    int error, skipped;
    char name_buf[SL_TEST_NAME_MAX + 1];
    char run_name_buf[SL_TEST_NAME_MAX + 1];
    char agg_buf[GB_AGG_MAX + 1];
} gb_run_t;

/* A benchmark whose runs are being gathered. */
typedef struct gb_open {
    int used;
    uint64_t first;     /* index of its first run */
    uint64_t reps;      /* 0: not written */
    uint64_t iter_runs; /* iteration runs, successful or not */
    uint64_t ok_runs;
    int has_agg, has_agg_mean;
    double agg_mean;
    sl_bench_t b; /* name, unit, samples, the stddev aggregate */
} gb_open_t;

typedef struct gbench {
    const sl_sink_t *sink;
    int seen_list;
    uint64_t nruns;
    gb_run_t run;
    gb_open_t open[GB_OPEN_MAX];
    size_t ndone; /* emitted so far; the last GB_OPEN_MAX names kept */
    char done[GB_OPEN_MAX][SL_TEST_NAME_MAX + 1];
} gbench_t;

/* Where a value sits: the root, the benchmarks array, a run, a run's
 * member, or anywhere else. */
enum { GB_OTHER, GB_ROOT, GB_LIST, GB_RUN, GB_FIELD };

static int
gb_place(sl_jsonin_t *j, unsigned lvl)
{
    if (lvl == 0) {
        return GB_ROOT;
    }
    if (lvl > 3 || !sl_jsonin_at(j, 1, "benchmarks")) {
        return GB_OTHER;
    }
    return lvl == 1 ? GB_LIST : lvl == 2 ? GB_RUN : GB_FIELD;
}

/* ---- emitting ---------------------------------------------------------- */

static int
gb_emit(gbench_t *g, gb_open_t *e, sl_jsonin_t *j)
{
    int rc = SL_OK;
    sl_text_t done;
    sl_text_init(&done, g->done[g->ndone % GB_OPEN_MAX], sizeof g->done[0]);
    sl_text_set(&done, e->b.name.data);
    g->ndone++;
    if (e->b.total > 0 || e->has_agg_mean) {
        e->b.has_mean = e->b.total == 0;
        e->b.mean = e->agg_mean;
        rc = sl_bench_emit(&e->b, j, g->sink);
    }
    e->used = 0;
    return rc;
}

/* No more runs are due for e (the current run is another benchmark's). */
static int
gb_complete(const gb_open_t *e)
{
    if (e->has_agg || e->reps <= 1) {
        return 1;
    }
    return e->iter_runs >= e->reps && e->ok_runs < 2;
}

/* Emits, in the order they first appeared, the open benchmarks that are
 * complete (all of them when all is set), except keep. */
static int
gb_flush(gbench_t *g, sl_jsonin_t *j, const gb_open_t *keep, int all)
{
    for (;;) {
        gb_open_t *next = NULL;
        for (size_t i = 0; i < GB_OPEN_MAX; i++) {
            gb_open_t *e = &g->open[i];
            if (e->used && e != keep && (all || gb_complete(e)) &&
                (next == NULL || e->first < next->first)) {
                next = e;
            }
        }
        if (next == NULL) {
            return SL_OK;
        }
        int rc = gb_emit(g, next, j);
        if (rc != SL_OK) {
            return rc;
        }
    }
}

/* ---- gathering runs ---------------------------------------------------- */

static int
gb_was_done(const gbench_t *g, const char *name)
{
    size_t n = g->ndone < GB_OPEN_MAX ? g->ndone : GB_OPEN_MAX;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(g->done[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The open benchmark named name, opened when new. */
static int
gb_find(gbench_t *g, sl_jsonin_t *j, const char *name, gb_open_t **out)
{
    gb_open_t *slot = NULL;
    for (size_t i = 0; i < GB_OPEN_MAX; i++) {
        gb_open_t *e = &g->open[i];
        if (e->used && strcmp(e->b.name.data, name) == 0) {
            *out = e;
            return SL_OK;
        }
        slot = slot == NULL && !e->used ? e : slot;
    }
    if (gb_was_done(g, name)) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "runs of \"%.64s\" resume after its record "
                              "(its aggregates came already)",
                              name);
    }
    if (slot == NULL) {
        return sl_jsonin_fail(j, SL_ETOOBIG,
                              "runs of more than %d benchmarks interleave",
                              GB_OPEN_MAX);
    }
    sl_bench_reset(&slot->b);
    sl_text_set(&slot->b.name, name);
    slot->used = 1;
    slot->first = g->nruns;
    slot->reps = slot->iter_runs = slot->ok_runs = 0;
    slot->has_agg = slot->has_agg_mean = 0;
    *out = slot;
    return SL_OK;
}

/* real_time and time_unit of a run that counts, in e's unit. */
static int
gb_time(const gb_run_t *r, gb_open_t *e, sl_jsonin_t *j, double *out)
{
    const char *name = e->b.name.data;
    if (!r->has_time || r->unit == NULL) {
        return sl_jsonin_fail(j, SL_EINPUT, "run of \"%.64s\" without %s", name,
                              r->has_time ? "time_unit" : "real_time");
    }
    if (r->real_time < 0) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "run of \"%.64s\": negative real_time", name);
    }
    if (*e->b.unit != '\0' && strcmp(e->b.unit, r->unit) != 0) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "run of \"%.64s\": time_unit %s, earlier runs "
                              "%s",
                              name, r->unit, e->b.unit);
    }
    e->b.unit = r->unit;
    *out = r->real_time;
    return SL_OK;
}

static int
gb_iteration(const gb_run_t *r, gb_open_t *e, sl_jsonin_t *j)
{
    e->iter_runs++;
    if (e->reps != 0 && e->iter_runs > e->reps) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "more iteration runs of \"%.64s\" than its "
                              "%llu repetitions",
                              e->b.name.data, (unsigned long long)e->reps);
    }
    if (r->error || r->skipped) {
        return SL_OK;
    }
    double t = 0;
    int rc = gb_time(r, e, j, &t);
    if (rc != SL_OK) {
        return rc;
    }
    e->ok_runs++;
    return sl_bench_add(&e->b, t);
}

static int
gb_aggregate(const gb_run_t *r, gb_open_t *e, sl_jsonin_t *j)
{
    e->has_agg = 1;
    int mean = strcmp(r->agg.data, "mean") == 0;
    if (r->error || r->skipped ||
        (!mean && strcmp(r->agg.data, "stddev") != 0)) {
        return SL_OK;
    }
    double t = 0;
    int rc = gb_time(r, e, j, &t);
    if (rc == SL_OK && mean) {
        e->has_agg_mean = 1;
        e->agg_mean = t;
    } else if (rc == SL_OK) {
        e->b.has_stddev = 1;
        e->b.stddev = t;
    }
    return rc;
}

/* Checks what a run says of itself before it joins its benchmark. */
static int
gb_check_run(const gb_run_t *r, sl_jsonin_t *j)
{
    if (!r->has_run_name && !r->has_name) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "run without \"run_name\" or \"name\"");
    }
    if (r->has_reps && r->has_index && r->index >= r->reps) {
        return sl_jsonin_fail(
            j, SL_EINPUT, "repetition_index %llu of %llu repetitions",
            (unsigned long long)r->index, (unsigned long long)r->reps);
    }
    if (r->type == GB_AGGREGATE && !r->has_agg) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "aggregate run without \"aggregate_name\"");
    }
    return SL_OK;
}

/* The closing brace of a run. */
static int
gb_run_end(gbench_t *g, sl_jsonin_t *j)
{
    gb_run_t *r = &g->run;
    gb_open_t *e = NULL;
    int rc = gb_check_run(r, j);
    if (rc == SL_OK) {
        rc = gb_find(g, j, (r->has_run_name ? r->run_name : r->name).data, &e);
    }
    if (rc != SL_OK) {
        return rc;
    }
    if (r->has_reps && e->reps != 0 && e->reps != r->reps) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "runs of \"%.64s\" differ in repetitions",
                              e->b.name.data);
    }
    e->reps = r->has_reps ? r->reps : e->reps;
    int agg = r->type == GB_AGGREGATE || (r->type == GB_UNSET && r->has_agg);
    rc = agg ? gb_aggregate(r, e, j) : gb_iteration(r, e, j);
    g->nruns++;
    return rc == SL_OK ? gb_flush(g, j, e, 0) : rc;
}

/* ---- reading a run's members ------------------------------------------- */

static void
gb_run_begin(gb_run_t *r)
{
    sl_text_clear(&r->name);
    sl_text_clear(&r->run_name);
    sl_text_clear(&r->agg);
    r->has_name = r->has_run_name = r->has_agg = 0;
    r->type = GB_UNSET;
    r->has_reps = r->has_index = r->has_time = 0;
    r->unit = NULL;
    r->error = r->skipped = 0;
}

static int
gb_string_field(gb_run_t *r, sl_jsonin_t *j, sl_json_type_t type, const char *s,
                size_t len)
{
    if (sl_jsonin_at(j, 3, "name")) {
        r->has_name = 1;
        return sl_bench_name(j, type, s, len, "name", &r->name);
    }
    if (sl_jsonin_at(j, 3, "run_name")) {
        r->has_run_name = 1;
        return sl_bench_name(j, type, s, len, "run_name", &r->run_name);
    }
    if (sl_jsonin_at(j, 3, "aggregate_name")) {
        r->has_agg = 1;
        return sl_bench_name(j, type, s, len, "aggregate_name", &r->agg);
    }
    if (type != SL_JSON_STRING) {
        return sl_bench_want(j, sl_jsonin_key(j, 3), "a string");
    }
    if (sl_jsonin_at(j, 3, "time_unit")) {
        r->unit = sl_bench_time_unit(s, len);
        return r->unit != NULL ? SL_OK
                               : sl_jsonin_fail(j, SL_EINPUT,
                                                "time_unit: want ns, us, ms "
                                                "or s, not \"%.*s\"",
                                                (int)(len < 16 ? len : 16), s);
    }
    if (len == 9 && memcmp(s, "iteration", 9) == 0) {
        r->type = GB_ITERATION;
    } else if (len == 9 && memcmp(s, "aggregate", 9) == 0) {
        r->type = GB_AGGREGATE;
    } else {
        return sl_bench_want(j, "run_type", "\"iteration\" or \"aggregate\"");
    }
    return SL_OK;
}

static int
gb_field(gb_run_t *r, sl_jsonin_t *j, sl_json_type_t type, const char *s,
         size_t len)
{
    const char *key = sl_jsonin_key(j, 3);
    if (key == NULL) {
        return SL_OK;
    }
    if (strcmp(key, "name") == 0 || strcmp(key, "run_name") == 0 ||
        strcmp(key, "aggregate_name") == 0 || strcmp(key, "time_unit") == 0 ||
        strcmp(key, "run_type") == 0) {
        return gb_string_field(r, j, type, s, len);
    }
    if (strcmp(key, "repetitions") == 0) {
        r->has_reps = 1;
        int rc = sl_bench_count(j, type, s, len, key, UINT32_MAX, &r->reps);
        return rc == SL_OK && r->reps == 0 ? sl_bench_want(j, key, "at least 1")
                                           : rc;
    }
    if (strcmp(key, "repetition_index") == 0) {
        r->has_index = 1;
        return sl_bench_count(j, type, s, len, key, UINT32_MAX, &r->index);
    }
    if (strcmp(key, "real_time") == 0) {
        r->has_time = 1;
        return sl_bench_number(j, type, s, len, key, &r->real_time);
    }
    if (strcmp(key, "error_occurred") == 0) {
        return sl_bench_bool(j, type, s, key, &r->error);
    }
    if (strcmp(key, "skipped") == 0) {
        return sl_bench_bool(j, type, s, key, &r->skipped);
    }
    return SL_OK; /* cpu_time, iterations, counters, label, ... */
}

/* The members gb_field reads are scalars. */
static int
gb_field_is_known(sl_jsonin_t *j)
{
    static const char *const known[] = {
        "name",           "run_name",         "run_type",  "aggregate_name",
        "repetitions",    "repetition_index", "real_time", "time_unit",
        "error_occurred", "skipped",
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (sl_jsonin_at(j, 3, known[i])) {
            return 1;
        }
    }
    return 0;
}

/* ---- callbacks --------------------------------------------------------- */

static int
gb_open_cb(void *ctx, sl_jsonin_t *j, int is_array)
{
    gbench_t *g = ctx;
    unsigned lvl = sl_jsonin_depth(j) - 1;
    switch (gb_place(j, lvl)) {
    case GB_ROOT:
        return is_array ? sl_jsonin_fail(j, SL_EINPUT,
                                         "not a Google Benchmark report "
                                         "(the root is an array)")
                        : SL_OK;
    case GB_LIST:
        g->seen_list = 1;
        return is_array ? SL_OK : sl_bench_want(j, "benchmarks", "an array");
    case GB_RUN:
        gb_run_begin(&g->run);
        return is_array ? sl_bench_want(j, "benchmarks[]", "objects") : SL_OK;
    case GB_FIELD:
        return gb_field_is_known(j)
                   ? sl_jsonin_fail(j, SL_EINPUT, "%s: want a scalar",
                                    sl_jsonin_key(j, 3))
                   : SL_OK;
    default:
        return SL_OK;
    }
}

static int
gb_scalar_cb(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
             size_t len)
{
    gbench_t *g = ctx;
    switch (gb_place(j, sl_jsonin_depth(j))) {
    case GB_ROOT:
        return sl_jsonin_fail(j, SL_EINPUT,
                              "not a Google Benchmark report "
                              "(the root is not an object)");
    case GB_LIST:
        g->seen_list = 1;
        return sl_bench_want(j, "benchmarks", "an array");
    case GB_RUN:
        return sl_bench_want(j, "benchmarks[]", "objects");
    case GB_FIELD:
        return gb_field(&g->run, j, type, s, len);
    default:
        return SL_OK;
    }
}

static int
gb_close_cb(void *ctx, sl_jsonin_t *j, int is_array)
{
    gbench_t *g = ctx;
    (void)is_array;
    switch (gb_place(j, sl_jsonin_depth(j) - 1)) {
    case GB_ROOT:
        return g->seen_list ? SL_OK
                            : sl_jsonin_fail(j, SL_EINPUT,
                                             "not a Google Benchmark report "
                                             "(no \"benchmarks\" array)");
    case GB_LIST:
        return gb_flush(g, j, NULL, 1);
    case GB_RUN:
        return gb_run_end(g, j);
    default:
        return SL_OK;
    }
}

/* ---- detection --------------------------------------------------------- */

/* Yes on a run member only Google Benchmark writes (run_name, run_type,
 * real_time, time_unit) or on context.library_build_type or
 * context.num_cpus; no when the root is not an object. */
static int
gb_sniff_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
                size_t len)
{
    sl_bench_sniff_t *sn = ctx;
    unsigned lvl = sl_jsonin_depth(j);
    (void)s, (void)len;
    if (lvl == 0) {
        return sl_bench_decide(sn, -1);
    }
    int run_key =
        sl_jsonin_at(j, 3, "run_name") || sl_jsonin_at(j, 3, "run_type") ||
        sl_jsonin_at(j, 3, "real_time") || sl_jsonin_at(j, 3, "time_unit");
    int ctx_key =
        (sl_jsonin_at(j, 2, "library_build_type") && type == SL_JSON_STRING) ||
        (sl_jsonin_at(j, 2, "num_cpus") && type == SL_JSON_NUMBER);
    if ((lvl == 3 && gb_place(j, lvl) == GB_FIELD && run_key) ||
        (lvl == 2 && sl_jsonin_at(j, 1, "context") && ctx_key)) {
        return sl_bench_decide(sn, 1);
    }
    return SL_OK;
}

static int
gb_sniff_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    return sl_jsonin_depth(j) == 1 && is_array ? sl_bench_decide(ctx, -1)
                                               : SL_OK;
}

int
sl_gbench_sniff(const char *head, size_t len)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = gb_sniff_open,
        .scalar = gb_sniff_scalar,
    };
    return sl_bench_sniff_run(head, len, &cfg);
}

int
sl_gbench_parse(int fd, const char *path, const sl_sink_t *sink, sl_err_t *err)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = gb_open_cb,
        .close = gb_close_cb,
        .scalar = gb_scalar_cb,
    };
    gbench_t *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    g->sink = sink;
    gb_run_t *r = &g->run;
    sl_text_init(&r->name, r->name_buf, sizeof r->name_buf);
    sl_text_init(&r->run_name, r->run_name_buf, sizeof r->run_name_buf);
    sl_text_init(&r->agg, r->agg_buf, sizeof r->agg_buf);
    for (size_t i = 0; i < GB_OPEN_MAX; i++) {
        sl_bench_init(&g->open[i].b);
    }
    int rc = sl_jsonin_parse_fd(fd, path, &cfg, g, err);
    for (size_t i = 0; i < GB_OPEN_MAX; i++) {
        sl_bench_fini(&g->open[i].b);
    }
    free(g);
    return rc;
}
