/* Bencher Metric Format (bencher.dev/docs/reference/bencher-metric-format):
 *
 *   {"<benchmark>": {"<measure>": {"value": n, "lower_value": n,
 *                                  "upper_value": n}, ...}, ...}
 *
 * One record per benchmark and measure, at the measure's closing brace:
 * name and measure are the keys, value is value. The file carries no unit
 * or direction: they come from the measure (table below). lower_value and
 * upper_value must be numbers when present but are not kept (the record has
 * no place for them); other members of a measure are skipped. A BMF file
 * has no samples and no stddev.
 *
 * Keys are read through the JSON reader, which keeps keys of at most
 * SL_JSONIN_KEY_MAX bytes: a longer benchmark or measure name is refused
 * (Bencher allows benchmark names of 1024 characters). */
#include "bench.h"

#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

typedef struct bmf {
    const sl_sink_t *sink;
    sl_bench_t b;
    int has_value;
} bmf_t;

/* Bencher's built-in measures, by slug or name. Any other measure: no
 * unit, lower is better. */
static void
bmf_measure(sl_bench_t *b, const char *measure)
{
    static const struct {
        const char *slug, *name, *unit;
        int lower_is_better;
    } known[] = {
        {"latency", "Latency", "ns", 1},
        {"throughput", "Throughput", "ops/s", 0},
        {"build-time", "Build Time", "s", 1},
        {"file-size", "File Size", "bytes", 1},
    };
    b->unit = "";
    b->lower_is_better = 1;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(measure, known[i].slug) == 0 ||
            strcmp(measure, known[i].name) == 0) {
            b->unit = known[i].unit;
            b->lower_is_better = known[i].lower_is_better;
        }
    }
}

/* The key of the value at lvl as a benchmark or measure name. */
static int
bmf_key(sl_jsonin_t *j, unsigned lvl, const char *what, sl_text_t *out)
{
    const char *k = sl_jsonin_key(j, lvl);
    if (k == NULL) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "%s name longer than %u bytes or holding a NUL",
                              what, SL_JSONIN_KEY_MAX);
    }
    if (*k == '\0') {
        return sl_jsonin_fail(j, SL_EINPUT, "empty %s name", what);
    }
    sl_text_set(out, k);
    return SL_OK;
}

/* A benchmark (lvl 1) or a measure (lvl 2) that is not an object. */
static int
bmf_want_object(sl_jsonin_t *j, unsigned lvl)
{
    const char *bench = sl_jsonin_key(j, 1);
    const char *measure = lvl == 2 ? sl_jsonin_key(j, 2) : NULL;
    if (lvl == 1) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "benchmark \"%.64s\": want an object of measures",
                              bench != NULL ? bench : "?");
    }
    return sl_jsonin_fail(j, SL_EINPUT,
                          "benchmark \"%.64s\" measure \"%.64s\": want an "
                          "object with \"value\"",
                          bench != NULL ? bench : "?",
                          measure != NULL ? measure : "?");
}

static int
bmf_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    bmf_t *m = ctx;
    unsigned lvl = sl_jsonin_depth(j) - 1;
    if (lvl == 0 && is_array) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "not a Bencher Metric Format "
                              "document (the root is an array)");
    }
    if (lvl == 1 || lvl == 2) {
        if (is_array) {
            return bmf_want_object(j, lvl);
        }
        int rc = bmf_key(j, lvl, lvl == 1 ? "benchmark" : "measure",
                         lvl == 1 ? &m->b.name : &m->b.measure);
        if (rc == SL_OK && lvl == 2) {
            m->has_value = 0;
            bmf_measure(&m->b, m->b.measure.data);
        }
        return rc;
    }
    if (lvl == 3 &&
        (sl_jsonin_at(j, 3, "value") || sl_jsonin_at(j, 3, "lower_value") ||
         sl_jsonin_at(j, 3, "upper_value"))) {
        return sl_jsonin_fail(j, SL_EINPUT, "%s: want a number",
                              sl_jsonin_key(j, 3));
    }
    return SL_OK;
}

static int
bmf_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
           size_t len)
{
    bmf_t *m = ctx;
    double x = 0;
    switch (sl_jsonin_depth(j)) {
    case 0:
        return sl_jsonin_fail(j, SL_EINPUT,
                              "not a Bencher Metric Format "
                              "document (the root is not an "
                              "object)");
    case 1:
    case 2:
        return bmf_want_object(j, sl_jsonin_depth(j));
    case 3:
        if (sl_jsonin_at(j, 3, "value")) {
            m->has_value = 1;
            return sl_bench_number(j, type, s, len, "value", &m->b.mean);
        }
        if (sl_jsonin_at(j, 3, "lower_value") ||
            sl_jsonin_at(j, 3, "upper_value")) {
            return sl_bench_number(j, type, s, len, sl_jsonin_key(j, 3), &x);
        }
        return SL_OK;
    default:
        return SL_OK;
    }
}

static int
bmf_close(void *ctx, sl_jsonin_t *j, int is_array)
{
    bmf_t *m = ctx;
    (void)is_array;
    if (sl_jsonin_depth(j) - 1 != 2) {
        return SL_OK;
    }
    if (!m->has_value) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "benchmark \"%.64s\" measure \"%.64s\": no "
                              "\"value\"",
                              m->b.name.data, m->b.measure.data);
    }
    m->b.has_mean = 1;
    return sl_bench_emit(&m->b, j, m->sink);
}

/* ---- detection --------------------------------------------------------- */

/* Yes when the first measure object closes having had a numeric "value"
 * and only numeric value, lower_value and upper_value members, inside an
 * object of objects; no as soon as anything else shows. */
static int
bmf_sniff_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    unsigned lvl = sl_jsonin_depth(j) - 1;
    return is_array || lvl > 2 ? sl_bench_decide(ctx, -1) : SL_OK;
}

static int
bmf_sniff_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
                 size_t len)
{
    sl_bench_sniff_t *sn = ctx;
    (void)s, (void)len;
    if (sl_jsonin_depth(j) != 3 || type != SL_JSON_NUMBER) {
        return sl_bench_decide(sn, -1);
    }
    if (sl_jsonin_at(j, 3, "value")) {
        sn->seen = 1;
        return SL_OK;
    }
    return sl_jsonin_at(j, 3, "lower_value") ||
                   sl_jsonin_at(j, 3, "upper_value")
               ? SL_OK
               : sl_bench_decide(sn, -1);
}

static int
bmf_sniff_close(void *ctx, sl_jsonin_t *j, int is_array)
{
    sl_bench_sniff_t *sn = ctx;
    (void)is_array;
    if (sl_jsonin_depth(j) - 1 != 2) {
        return SL_OK;
    }
    return sl_bench_decide(sn, sn->seen ? 1 : -1);
}

int
sl_bmf_sniff(const char *head, size_t len)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = bmf_sniff_open,
        .close = bmf_sniff_close,
        .scalar = bmf_sniff_scalar,
    };
    return sl_bench_sniff_run(head, len, &cfg);
}

int
sl_bmf_parse(int fd, const char *path, const sl_sink_t *sink, sl_err_t *err)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = bmf_open,
        .close = bmf_close,
        .scalar = bmf_scalar,
    };
    bmf_t *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    m->sink = sink;
    sl_bench_init(&m->b);
    int rc = sl_jsonin_parse_fd(fd, path, &cfg, m, err);
    sl_bench_fini(&m->b);
    free(m);
    return rc;
}
