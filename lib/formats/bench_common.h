/* What the four benchmark parsers (pytest-benchmark, Google Benchmark,
 * hyperfine, Bencher Metric Format) share. Private to lib/formats.
 *
 * sl_bench_t is one benchmark being read: its name, unit and direction, the
 * file's own mean and standard deviation when it gives them, and its raw
 * samples. Every sample feeds a running mean and variance (Welford), so
 * value and stddev cover all of them; at most SL_BENCH_SAMPLES_MAX are kept
 * for the record, thinned evenly and deterministically:
 *
 * - while reading, every sample whose position is a multiple of the stride
 *   (1 at first) is held, up to SL_BENCH_HOLD_MAX; when the buffer is full
 *   every other held sample is dropped and the stride doubles;
 * - at the end, when more than SL_BENCH_SAMPLES_MAX are held, exactly
 *   SL_BENCH_SAMPLES_MAX are picked among them at evenly spaced positions
 *   (held[i * held / MAX] for i = 0 .. MAX - 1).
 *
 * So memory is SL_BENCH_HOLD_MAX doubles per open benchmark whatever the
 * number of samples, and the same file always gives the same samples. */
#ifndef SLUICE_FORMATS_BENCH_COMMON_H
#define SLUICE_FORMATS_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/formats.h"
#include "sluice/jsonin.h"
#include "sluice/text.h"

#define SL_BENCH_HOLD_MAX ((size_t)2 * SL_BENCH_SAMPLES_MAX) /* held */

typedef struct sl_bench {
    sl_text_t name, measure;
    const char *unit; /* static text: "ns", "s", "ops/s", "" */
    char unit_buf[8]; /* the record's copy (protobuf-c wants char *) */
    int lower_is_better;
    int has_mean, has_stddev; /* the file's own figures */
    double mean, stddev;
    uint64_t total;          /* samples seen */
    double run_mean, run_m2; /* Welford over all of them */
    double *held;            /* the samples kept so far */
    size_t nheld, cap;
    uint64_t stride;
    char name_buf[SL_TEST_NAME_MAX + 1];
    char measure_buf[SL_TEST_NAME_MAX + 1];
} sl_bench_t;

/* Makes b empty, with no samples buffer yet. */
void sl_bench_init(sl_bench_t *b);
/* Empties b for the next benchmark (keeps its buffer). */
void sl_bench_reset(sl_bench_t *b);
/* Frees b's buffer. */
void sl_bench_fini(sl_bench_t *b);

/* Adds one sample (see above). SL_OK or SL_ENOMEM. */
int sl_bench_add(sl_bench_t *b, double x) SL_NODISCARD;

/* Emits b as a Benchmark record: value is the file's own mean, else the
 * mean of all samples; stddev the file's own, else the sample standard
 * deviation (n - 1) of all samples, 0 with fewer than two. The caller
 * makes sure there is a mean. SL_EINPUT (through j) when the statistics
 * overflow; else the sink's code. */
int sl_bench_emit(sl_bench_t *b, sl_jsonin_t *j,
                  const sl_sink_t *sink) SL_NODISCARD;

/* The static spelling of a time unit ("ns", "us", "ms", "s") or NULL. */
const char *sl_bench_time_unit(const char *s, size_t len);

/* ---- reading values, with messages "path:LINE:COL: WHAT: ..." ---------- */

/* "WHAT: want WANT" (SL_EINPUT). */
int sl_bench_want(sl_jsonin_t *j, const char *what, const char *want);

/* A finite number (SL_EINPUT: not a number, or out of range). */
int sl_bench_number(sl_jsonin_t *j, sl_json_type_t type, const char *s,
                    size_t len, const char *what, double *out) SL_NODISCARD;

/* A time: a finite number, not negative. */
int sl_bench_time(sl_jsonin_t *j, sl_json_type_t type, const char *s,
                  size_t len, const char *what, double *out) SL_NODISCARD;

/* An unsigned integer up to max. */
int sl_bench_count(sl_jsonin_t *j, sl_json_type_t type, const char *s,
                   size_t len, const char *what, uint64_t max,
                   uint64_t *out) SL_NODISCARD;

/* A boolean. */
int sl_bench_bool(sl_jsonin_t *j, sl_json_type_t type, const char *s,
                  const char *what, int *out) SL_NODISCARD;

/* A name: a non-empty string without NUL, cut at the text's cap. */
int sl_bench_name(sl_jsonin_t *j, sl_json_type_t type, const char *s,
                  size_t len, const char *what, sl_text_t *out) SL_NODISCARD;

/* ---- detection --------------------------------------------------------- */

/* What a sniffer has decided: 1 yes, -1 no, 0 not yet. */
typedef struct sl_bench_sniff {
    int verdict;
    uint64_t seen; /* a sniffer's own flags */
} sl_bench_sniff_t;

/* Records the verdict and returns the code that stops the sniff. */
int sl_bench_decide(sl_bench_sniff_t *s, int verdict);

/* Runs cfg's callbacks (ctx: an sl_bench_sniff_t) over head. Nonzero when
 * they said yes before the head ended or turned out not to be JSON. */
int sl_bench_sniff_run(const char *head, size_t len,
                       const sl_jsonin_cfg_t *cfg);

#endif
