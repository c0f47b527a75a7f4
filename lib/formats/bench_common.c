/* What the benchmark parsers share (bench_common.h): the sample buffer and
 * its thinning, the statistics, the record, and checked reading of values.
 */
#include "bench_common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
sl_bench_init(sl_bench_t *b)
{
    memset(b, 0, sizeof *b);
    sl_text_init(&b->name, b->name_buf, sizeof b->name_buf);
    sl_text_init(&b->measure, b->measure_buf, sizeof b->measure_buf);
    sl_bench_reset(b);
}

void
sl_bench_reset(sl_bench_t *b)
{
    sl_text_clear(&b->name);
    sl_text_clear(&b->measure);
    b->unit = "";
    b->lower_is_better = 1;
    b->has_mean = b->has_stddev = 0;
    b->mean = b->stddev = 0;
    b->total = 0;
    b->run_mean = b->run_m2 = 0;
    b->nheld = 0;
    b->stride = 1;
}

void
sl_bench_fini(sl_bench_t *b)
{
    free(b->held);
    b->held = NULL;
    b->cap = b->nheld = 0;
}

/* Room for one more held sample: the buffer grows by doubling up to
 * SL_BENCH_HOLD_MAX, then every other sample goes and the stride doubles.
 * Returns 0 when the sample at position pos is not to be held. */
static int
bench_make_room(sl_bench_t *b, uint64_t pos, int *nomem)
{
    if (b->nheld == SL_BENCH_HOLD_MAX) {
        for (size_t i = 0; i < b->nheld / 2; i++) {
            b->held[i] = b->held[2 * i];
        }
        b->nheld /= 2;
        b->stride *= 2;
        if (pos % b->stride != 0) {
            return 0; /* cannot happen: HOLD_MAX is even; kept for safety */
        }
    }
    if (b->nheld == b->cap) {
        size_t cap = b->cap == 0 ? 64 : b->cap * 2;
        cap = cap < SL_BENCH_HOLD_MAX ? cap : SL_BENCH_HOLD_MAX;
        double *p = realloc(b->held, cap * sizeof *p);
        if (p == NULL) {
            *nomem = 1;
            return 0;
        }
        b->held = p;
        b->cap = cap;
    }
    return 1;
}

int
sl_bench_add(sl_bench_t *b, double x)
{
    uint64_t pos = b->total++;
    double delta = x - b->run_mean;
    b->run_mean += delta / (double)b->total;
    b->run_m2 += delta * (x - b->run_mean);
    if (pos % b->stride != 0) {
        return SL_OK;
    }
    int nomem = 0;
    if (bench_make_room(b, pos, &nomem)) {
        b->held[b->nheld++] = x;
    }
    return nomem ? SL_ENOMEM : SL_OK;
}

/* Picks exactly SL_BENCH_SAMPLES_MAX of the held samples, evenly spaced.
 * In place: the source index i * n / MAX is never below i. */
static void
bench_pick(sl_bench_t *b)
{
    if (b->nheld <= SL_BENCH_SAMPLES_MAX) {
        return;
    }
    uint64_t n = b->nheld;
    for (uint64_t i = 0; i < SL_BENCH_SAMPLES_MAX; i++) {
        b->held[i] = b->held[i * n / SL_BENCH_SAMPLES_MAX];
    }
    b->nheld = SL_BENCH_SAMPLES_MAX;
}

int
sl_bench_emit(sl_bench_t *b, sl_jsonin_t *j, const sl_sink_t *sink)
{
    double value = b->has_mean ? b->mean : b->run_mean;
    double sd = b->stddev;
    if (!b->has_stddev) {
        sd = b->total > 1 ? sqrt(b->run_m2 / (double)(b->total - 1)) : 0.0;
    }
    if (!isfinite(value) || !isfinite(sd)) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "benchmark \"%.64s\": the statistics of its "
                              "samples overflow",
                              b->name.data);
    }
    bench_pick(b);
    Sluice__V1__Benchmark rec;
    sluice__v1__benchmark__init(&rec);
    rec.name = b->name.data;
    rec.measure = b->measure.data;
    rec.value = value;
    sl_text_t unit;
    sl_text_init(&unit, b->unit_buf, sizeof b->unit_buf);
    sl_text_set(&unit, b->unit);
    rec.unit = unit.data;
    rec.lower_is_better = b->lower_is_better;
    rec.n_samples = b->nheld;
    rec.samples = b->held;
    rec.stddev = sd;
    rec.samples_total = b->total;
    return sl_sink_emit(sink, SLUICE__V1__EVENT__BODY_BENCHMARK, &rec);
}

const char *
sl_bench_time_unit(const char *s, size_t len)
{
    static const char *const units[] = {"ns", "us", "ms", "s"};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strlen(units[i]) == len && memcmp(units[i], s, len) == 0) {
            return units[i];
        }
    }
    return NULL;
}

/* ---- values ------------------------------------------------------------ */

static const char *
bench_type_name(sl_json_type_t type)
{
    switch (type) {
    case SL_JSON_NULL:
        return "null";
    case SL_JSON_BOOL:
        return "a boolean";
    case SL_JSON_NUMBER:
        return "a number";
    default:
        return "a string";
    }
}

int
sl_bench_want(sl_jsonin_t *j, const char *what, const char *want)
{
    return sl_jsonin_fail(j, SL_EINPUT, "%s: want %s", what, want);
}

int
sl_bench_number(sl_jsonin_t *j, sl_json_type_t type, const char *s, size_t len,
                const char *what, double *out)
{
    if (type != SL_JSON_NUMBER) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: want a number, not %s", what,
                              bench_type_name(type));
    }
    if (sl_jsonin_double(s, len, out) != SL_OK) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: number out of range (%.*s)",
                              what, (int)(len < 40 ? len : 40), s);
    }
    return SL_OK;
}

int
sl_bench_time(sl_jsonin_t *j, sl_json_type_t type, const char *s, size_t len,
              const char *what, double *out)
{
    int rc = sl_bench_number(j, type, s, len, what, out);
    if (rc == SL_OK && *out < 0) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: negative time (%.*s)", what,
                              (int)(len < 40 ? len : 40), s);
    }
    return rc;
}

int
sl_bench_count(sl_jsonin_t *j, sl_json_type_t type, const char *s, size_t len,
               const char *what, uint64_t max, uint64_t *out)
{
    if (type != SL_JSON_NUMBER) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: want a count, not %s", what,
                              bench_type_name(type));
    }
    if (sl_jsonin_u64(s, len, max, out) != SL_OK) {
        return sl_jsonin_fail(
            j, SL_EINPUT, "%s: want a count from 0 to %llu, not %.*s", what,
            (unsigned long long)max, (int)(len < 40 ? len : 40), s);
    }
    return SL_OK;
}

int
sl_bench_bool(sl_jsonin_t *j, sl_json_type_t type, const char *s,
              const char *what, int *out)
{
    if (type != SL_JSON_BOOL) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: want true or false, not %s",
                              what, bench_type_name(type));
    }
    *out = s[0] == 't';
    return SL_OK;
}

int
sl_bench_name(sl_jsonin_t *j, sl_json_type_t type, const char *s, size_t len,
              const char *what, sl_text_t *out)
{
    if (type != SL_JSON_STRING) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: want a string, not %s", what,
                              bench_type_name(type));
    }
    if (len == 0) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: empty", what);
    }
    if (memchr(s, '\0', len) != NULL) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: holds a NUL character", what);
    }
    sl_text_clear(out);
    sl_text_append(out, s, len);
    return SL_OK;
}

/* ---- detection --------------------------------------------------------- */

int
sl_bench_decide(sl_bench_sniff_t *s, int verdict)
{
    s->verdict = verdict;
    return SL_EINTR; /* any nonzero code stops the sniff; this one is ours */
}

int
sl_bench_sniff_run(const char *head, size_t len, const sl_jsonin_cfg_t *cfg)
{
    sl_bench_sniff_t s = {0, 0};
    (void)sl_jsonin_sniff(head, len, cfg, &s);
    return s.verdict > 0;
}
