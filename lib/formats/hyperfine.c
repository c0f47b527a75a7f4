/* hyperfine --export-json:
 *
 *   {"results": [
 *     {"command", "mean", "stddev" (null after one run), "median", "user",
 *      "system", "min", "max", "times": [seconds, one per run],
 *      "exit_codes": [...], "parameters": {...} (with -P / -L)}, ...]}
 *
 * One record per result, at its closing brace: name is command (which
 * holds the --command-name when one was given), value mean, stddev stddev
 * (else of times), samples times, unit seconds. Required: command, mean.
 * exit_codes, user, system and everything else are skipped. */
#include "bench.h"

#include <stdlib.h>

#include "bench_common.h"

enum { HF_OTHER, HF_ROOT, HF_LIST, HF_RESULT, HF_FIELD, HF_TIME };

typedef struct hyperfine {
    const sl_sink_t *sink;
    sl_bench_t b;
    int seen_list, has_command;
} hyperfine_t;

static int
hf_place(sl_jsonin_t *j, unsigned lvl)
{
    if (lvl == 0) {
        return HF_ROOT;
    }
    if (!sl_jsonin_at(j, 1, "results")) {
        return HF_OTHER;
    }
    switch (lvl) {
    case 1:
        return HF_LIST;
    case 2:
        return HF_RESULT;
    case 3:
        return HF_FIELD;
    case 4:
        return sl_jsonin_at(j, 3, "times") ? HF_TIME : HF_OTHER;
    default:
        return HF_OTHER;
    }
}

static int
hf_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    hyperfine_t *h = ctx;
    unsigned lvl = sl_jsonin_depth(j) - 1;
    switch (hf_place(j, lvl)) {
    case HF_ROOT:
        return is_array ? sl_jsonin_fail(j, SL_EINPUT,
                                         "not a hyperfine export "
                                         "(the root is an array)")
                        : SL_OK;
    case HF_LIST:
        h->seen_list = 1;
        return is_array ? SL_OK : sl_bench_want(j, "results", "an array");
    case HF_RESULT:
        sl_bench_reset(&h->b);
        h->b.unit = "s";
        h->has_command = 0;
        return is_array ? sl_bench_want(j, "results[]", "objects") : SL_OK;
    case HF_FIELD:
        if (sl_jsonin_at(j, 3, "times")) {
            return is_array ? SL_OK : sl_bench_want(j, "times", "an array");
        }
        if (sl_jsonin_at(j, 3, "command") || sl_jsonin_at(j, 3, "mean") ||
            sl_jsonin_at(j, 3, "stddev")) {
            return sl_jsonin_fail(j, SL_EINPUT, "%s: want a scalar",
                                  sl_jsonin_key(j, 3));
        }
        return SL_OK;
    case HF_TIME:
        return sl_bench_want(j, "times", "numbers");
    default:
        return SL_OK;
    }
}

static int
hf_field(hyperfine_t *h, sl_jsonin_t *j, sl_json_type_t type, const char *s,
         size_t len)
{
    if (sl_jsonin_at(j, 3, "command")) {
        h->has_command = 1;
        return sl_bench_name(j, type, s, len, "command", &h->b.name);
    }
    if (sl_jsonin_at(j, 3, "mean")) {
        h->b.has_mean = 1;
        return sl_bench_time(j, type, s, len, "mean", &h->b.mean);
    }
    if (sl_jsonin_at(j, 3, "stddev")) {
        /* null after a single run: none given */
        h->b.has_stddev = type != SL_JSON_NULL;
        return h->b.has_stddev
                   ? sl_bench_time(j, type, s, len, "stddev", &h->b.stddev)
                   : SL_OK;
    }
    if (sl_jsonin_at(j, 3, "times")) {
        return sl_bench_want(j, "times", "an array");
    }
    return SL_OK;
}

static int
hf_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
          size_t len)
{
    hyperfine_t *h = ctx;
    double x = 0;
    int rc = SL_OK;
    switch (hf_place(j, sl_jsonin_depth(j))) {
    case HF_ROOT:
        return sl_jsonin_fail(j, SL_EINPUT,
                              "not a hyperfine export "
                              "(the root is not an object)");
    case HF_LIST:
        h->seen_list = 1;
        return sl_bench_want(j, "results", "an array");
    case HF_RESULT:
        return sl_bench_want(j, "results[]", "objects");
    case HF_FIELD:
        return hf_field(h, j, type, s, len);
    case HF_TIME:
        rc = sl_bench_time(j, type, s, len, "times[]", &x);
        return rc == SL_OK ? sl_bench_add(&h->b, x) : rc;
    default:
        return SL_OK;
    }
}

static int
hf_close(void *ctx, sl_jsonin_t *j, int is_array)
{
    hyperfine_t *h = ctx;
    (void)is_array;
    switch (hf_place(j, sl_jsonin_depth(j) - 1)) {
    case HF_ROOT:
        return h->seen_list ? SL_OK
                            : sl_jsonin_fail(j, SL_EINPUT,
                                             "not a hyperfine export "
                                             "(no \"results\" array)");
    case HF_RESULT:
        if (!h->has_command || !h->b.has_mean) {
            return sl_jsonin_fail(j, SL_EINPUT, "result without \"%s\"",
                                  h->has_command ? "mean" : "command");
        }
        return sl_bench_emit(&h->b, j, h->sink);
    default:
        return SL_OK;
    }
}

/* ---- detection --------------------------------------------------------- */

/* Yes once one member of results[] has had both a "command" string and a
 * "mean" number; no when the root is not an object. */
#define HF_SAW_COMMAND 1u
#define HF_SAW_MEAN    2u

static int
hf_sniff_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    sl_bench_sniff_t *sn = ctx;
    unsigned lvl = sl_jsonin_depth(j) - 1;
    if (lvl == 0 && is_array) {
        return sl_bench_decide(sn, -1);
    }
    if (hf_place(j, lvl) == HF_RESULT) {
        sn->seen = 0;
    }
    return SL_OK;
}

static int
hf_sniff_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
                size_t len)
{
    sl_bench_sniff_t *sn = ctx;
    unsigned lvl = sl_jsonin_depth(j);
    (void)s, (void)len;
    if (lvl == 0) {
        return sl_bench_decide(sn, -1);
    }
    if (lvl != 3 || hf_place(j, lvl) != HF_FIELD) {
        return SL_OK;
    }
    if (sl_jsonin_at(j, 3, "command") && type == SL_JSON_STRING) {
        sn->seen |= HF_SAW_COMMAND;
    } else if (sl_jsonin_at(j, 3, "mean") && type == SL_JSON_NUMBER) {
        sn->seen |= HF_SAW_MEAN;
    }
    return sn->seen == (HF_SAW_COMMAND | HF_SAW_MEAN) ? sl_bench_decide(sn, 1)
                                                      : SL_OK;
}

int
sl_hyperfine_sniff(const char *head, size_t len)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = hf_sniff_open,
        .scalar = hf_sniff_scalar,
    };
    return sl_bench_sniff_run(head, len, &cfg);
}

int
sl_hyperfine_parse(int fd, const char *path, const sl_sink_t *sink,
                   sl_err_t *err)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = hf_open,
        .close = hf_close,
        .scalar = hf_scalar,
    };
    hyperfine_t *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    h->sink = sink;
    sl_bench_init(&h->b);
    int rc = sl_jsonin_parse_fd(fd, path, &cfg, h, err);
    sl_bench_fini(&h->b);
    free(h);
    return rc;
}
