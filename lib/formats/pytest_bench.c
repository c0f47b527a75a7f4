/* pytest-benchmark JSON: what --benchmark-json writes, and the files
 * --benchmark-save / --benchmark-autosave keep in .benchmarks/ (the same
 * document; stats.data only with --benchmark-save-data):
 *
 *   {"machine_info": {...}, "commit_info": {...}, "benchmarks": [
 *     {"group", "name", "fullname", "params", "extra_info", "options",
 *      "stats": {"min", "max", "mean", "stddev", "rounds", "median", ...,
 *                "data": [seconds per iteration, one per round]}}, ...],
 *    "datetime", "version"}
 *
 * One record per benchmark, at its closing brace: name is fullname
 * ("test_file.py::test_fn[param]", unique in a run and stable across
 * runs), else name; value stats.mean and stddev stats.stddev (the
 * sample's own, else of stats.data), in seconds; samples stats.data.
 * Required: fullname or name, stats, stats.mean. When both stats.rounds and
 * stats.data are there they must agree. Everything else is skipped. */
#include "bench.h"

#include <stdlib.h>

#include "bench_common.h"

/* Where a value sits in the document. */
enum { PY_OTHER, PY_ROOT, PY_LIST, PY_BENCH, PY_FIELD, PY_STAT, PY_DATUM };

typedef struct pyb {
    const sl_sink_t *sink;
    sl_bench_t b;         /* b.name holds fullname */
    sl_text_t short_name; /* name */
    int seen_list;        /* the root's "benchmarks" array */
    int has_fullname, has_name, has_stats, has_data, has_rounds;
    uint64_t rounds;
    char short_buf[SL_TEST_NAME_MAX + 1];
} pyb_t;

static int
py_place(sl_jsonin_t *j, unsigned lvl)
{
    if (lvl == 0) {
        return PY_ROOT;
    }
    if (!sl_jsonin_at(j, 1, "benchmarks")) {
        return PY_OTHER;
    }
    switch (lvl) {
    case 1:
        return PY_LIST;
    case 2:
        return PY_BENCH;
    case 3:
        return PY_FIELD;
    case 4:
        return sl_jsonin_at(j, 3, "stats") ? PY_STAT : PY_OTHER;
    case 5:
        return sl_jsonin_at(j, 3, "stats") && sl_jsonin_at(j, 4, "data")
                   ? PY_DATUM
                   : PY_OTHER;
    default:
        return PY_OTHER;
    }
}

static void
py_begin(pyb_t *p)
{
    sl_bench_reset(&p->b);
    p->b.unit = "s";
    p->b.lower_is_better = 1;
    sl_text_clear(&p->short_name);
    p->has_fullname = p->has_name = p->has_stats = 0;
    p->has_data = p->has_rounds = 0;
}

/* A container opened where a scalar belongs: which one is wrong. */
static int
py_open_field(pyb_t *p, sl_jsonin_t *j, unsigned lvl, int is_array)
{
    if (lvl == 3 && sl_jsonin_at(j, 3, "stats")) {
        p->has_stats = 1;
        return is_array ? sl_bench_want(j, "stats", "an object") : SL_OK;
    }
    if (lvl == 3 &&
        (sl_jsonin_at(j, 3, "fullname") || sl_jsonin_at(j, 3, "name"))) {
        return sl_bench_want(j, sl_jsonin_key(j, 3), "a string");
    }
    if (lvl == 4 && sl_jsonin_at(j, 4, "data")) {
        p->has_data = 1;
        return is_array ? SL_OK : sl_bench_want(j, "stats.data", "an array");
    }
    if (lvl == 4 &&
        (sl_jsonin_at(j, 4, "mean") || sl_jsonin_at(j, 4, "stddev") ||
         sl_jsonin_at(j, 4, "rounds"))) {
        return sl_jsonin_fail(j, SL_EINPUT, "stats.%s: want a number",
                              sl_jsonin_key(j, 4));
    }
    return SL_OK;
}

static int
py_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    pyb_t *p = ctx;
    unsigned lvl = sl_jsonin_depth(j) - 1;
    switch (py_place(j, lvl)) {
    case PY_ROOT:
        return is_array ? sl_jsonin_fail(j, SL_EINPUT,
                                         "not a pytest-benchmark report "
                                         "(the root is an array)")
                        : SL_OK;
    case PY_LIST:
        p->seen_list = 1;
        return is_array ? SL_OK : sl_bench_want(j, "benchmarks", "an array");
    case PY_BENCH:
        py_begin(p);
        return is_array ? sl_bench_want(j, "benchmarks[]", "objects") : SL_OK;
    case PY_FIELD:
    case PY_STAT:
        return py_open_field(p, j, lvl, is_array);
    case PY_DATUM:
        return sl_bench_want(j, "stats.data", "numbers");
    default:
        return SL_OK;
    }
}

static int
py_field(pyb_t *p, sl_jsonin_t *j, sl_json_type_t type, const char *s,
         size_t len)
{
    if (sl_jsonin_at(j, 3, "fullname")) {
        p->has_fullname = 1;
        return sl_bench_name(j, type, s, len, "fullname", &p->b.name);
    }
    if (sl_jsonin_at(j, 3, "name")) {
        p->has_name = 1;
        return sl_bench_name(j, type, s, len, "name", &p->short_name);
    }
    if (sl_jsonin_at(j, 3, "stats")) {
        return sl_bench_want(j, "stats", "an object");
    }
    return SL_OK;
}

static int
py_stat(pyb_t *p, sl_jsonin_t *j, sl_json_type_t type, const char *s,
        size_t len)
{
    if (sl_jsonin_at(j, 4, "mean")) {
        p->b.has_mean = 1;
        return sl_bench_time(j, type, s, len, "stats.mean", &p->b.mean);
    }
    if (sl_jsonin_at(j, 4, "stddev")) {
        p->b.has_stddev = 1;
        return sl_bench_time(j, type, s, len, "stats.stddev", &p->b.stddev);
    }
    if (sl_jsonin_at(j, 4, "rounds")) {
        p->has_rounds = 1;
        return sl_bench_count(j, type, s, len, "stats.rounds", UINT64_MAX,
                              &p->rounds);
    }
    if (sl_jsonin_at(j, 4, "data")) {
        return sl_bench_want(j, "stats.data", "an array");
    }
    return SL_OK;
}

static int
py_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
          size_t len)
{
    pyb_t *p = ctx;
    double x = 0;
    int rc = SL_OK;
    switch (py_place(j, sl_jsonin_depth(j))) {
    case PY_ROOT:
        return sl_jsonin_fail(j, SL_EINPUT,
                              "not a pytest-benchmark report "
                              "(the root is not an object)");
    case PY_LIST:
        p->seen_list = 1;
        return sl_bench_want(j, "benchmarks", "an array");
    case PY_BENCH:
        return sl_bench_want(j, "benchmarks[]", "objects");
    case PY_FIELD:
        return py_field(p, j, type, s, len);
    case PY_STAT:
        return py_stat(p, j, type, s, len);
    case PY_DATUM:
        rc = sl_bench_time(j, type, s, len, "stats.data[]", &x);
        return rc == SL_OK ? sl_bench_add(&p->b, x) : rc;
    default:
        return SL_OK;
    }
}

/* The closing brace of a benchmark: check it, then emit it. */
static int
py_end(pyb_t *p, sl_jsonin_t *j)
{
    if (!p->has_fullname && !p->has_name) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "benchmark without \"fullname\" or \"name\"");
    }
    if (!p->has_fullname) {
        sl_text_set(&p->b.name, p->short_name.data);
    }
    const char *name = p->b.name.data;
    if (!p->has_stats || !p->b.has_mean) {
        return sl_jsonin_fail(j, SL_EINPUT, "benchmark \"%.64s\": no %s", name,
                              p->has_stats ? "stats.mean" : "stats");
    }
    if (p->has_rounds && p->has_data && p->rounds != p->b.total) {
        return sl_jsonin_fail(
            j, SL_EINPUT,
            "benchmark \"%.64s\": stats.rounds is %llu but stats.data holds "
            "%llu",
            name, (unsigned long long)p->rounds,
            (unsigned long long)p->b.total);
    }
    return sl_bench_emit(&p->b, j, p->sink);
}

static int
py_close(void *ctx, sl_jsonin_t *j, int is_array)
{
    pyb_t *p = ctx;
    (void)is_array;
    switch (py_place(j, sl_jsonin_depth(j) - 1)) {
    case PY_ROOT:
        return p->seen_list ? SL_OK
                            : sl_jsonin_fail(j, SL_EINPUT,
                                             "not a pytest-benchmark report "
                                             "(no \"benchmarks\" array)");
    case PY_BENCH:
        return py_end(p, j);
    default:
        return SL_OK;
    }
}

/* ---- detection --------------------------------------------------------- */

/* Yes on benchmarks[].stats (an object) or benchmarks[].fullname, or on
 * machine_info.python_implementation; no when the root is not an object. */
static int
py_sniff_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    sl_bench_sniff_t *s = ctx;
    unsigned lvl = sl_jsonin_depth(j) - 1;
    if (lvl == 0 && is_array) {
        return sl_bench_decide(s, -1);
    }
    if (lvl == 3 && !is_array && py_place(j, lvl) == PY_FIELD &&
        sl_jsonin_at(j, 3, "stats")) {
        return sl_bench_decide(s, 1);
    }
    return SL_OK;
}

static int
py_sniff_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *str,
                size_t len)
{
    sl_bench_sniff_t *s = ctx;
    unsigned lvl = sl_jsonin_depth(j);
    (void)str, (void)len;
    if (lvl == 0) {
        return sl_bench_decide(s, -1);
    }
    if (type != SL_JSON_STRING) {
        return SL_OK;
    }
    if ((lvl == 3 && py_place(j, lvl) == PY_FIELD &&
         sl_jsonin_at(j, 3, "fullname")) ||
        (lvl == 2 && sl_jsonin_at(j, 1, "machine_info") &&
         sl_jsonin_at(j, 2, "python_implementation"))) {
        return sl_bench_decide(s, 1);
    }
    return SL_OK;
}

int
sl_pytest_bench_sniff(const char *head, size_t len)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = py_sniff_open,
        .scalar = py_sniff_scalar,
    };
    return sl_bench_sniff_run(head, len, &cfg);
}

int
sl_pytest_bench_parse(int fd, const char *path, const sl_sink_t *sink,
                      sl_err_t *err)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = py_open,
        .close = py_close,
        .scalar = py_scalar,
    };
    pyb_t *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    p->sink = sink;
    sl_bench_init(&p->b);
    sl_text_init(&p->short_name, p->short_buf, sizeof p->short_buf);
    int rc = sl_jsonin_parse_fd(fd, path, &cfg, p, err);
    sl_bench_fini(&p->b);
    free(p);
    return rc;
}
