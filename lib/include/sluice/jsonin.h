/* A safe, streaming JSON reader over yajl shared by every JSON format
 * (pytest-benchmark, Google Benchmark, hyperfine, Bencher, SARIF). Never
 * builds a tree: the caller's callbacks see each container opening and
 * closing and each scalar once, with the keys that lead to it, and memory
 * stays bounded whatever the size of the file.
 *
 * What every document gets, whatever the callbacks:
 * - strict JSON (RFC 8259): no comments, no NaN or Infinity, no trailing
 *   garbage, one value; strings must be valid UTF-8; a UTF-8 byte order
 *   mark at the start is skipped;
 * - at most cfg->max_depth nested containers and cfg->token_max bytes in
 *   one token (a string, a number, a run of white space): SL_ETOOBIG;
 * - malformed, truncated or empty documents: SL_EINPUT.
 *
 * Errors are written "path:LINE:COL: reason" (LINE and COL from 1, COL
 * counted in characters). */
#ifndef SLUICE_JSONIN_H
#define SLUICE_JSONIN_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/err.h"

#define SL_JSONIN_DEPTH_MAX 64u          /* default nesting cap */
#define SL_JSONIN_TOKEN_MAX (16u << 20)  /* default bytes in one token */
#define SL_JSONIN_KEY_MAX 1024u          /* longer keys never match */
#define SL_JSONIN_CHUNK (64u << 10)      /* bytes read at a time */

typedef struct sl_jsonin sl_jsonin_t;

typedef enum {
    SL_JSON_NULL,
    SL_JSON_BOOL,   /* s is "true" or "false" */
    SL_JSON_NUMBER, /* s is the number as written (see sl_jsonin_double) */
    SL_JSON_STRING, /* s is the decoded UTF-8 (may hold NUL bytes) */
} sl_json_type_t;

/* Callbacks return SL_OK to go on or a negative SL_E* to stop the parse,
 * which then returns that code. Any may be NULL. Strings are valid only
 * during the call.
 *
 * Levels: the root value is at level 0, the members of a container at
 * level L are at level L + 1. sl_jsonin_depth is the number of containers
 * open. In scalar, the value is at level depth; in open, the container just
 * opened is at level depth - 1 (and is already counted); in close, the
 * container closing is at level depth - 1 (still counted). */
typedef struct sl_jsonin_cfg {
    int (*open)(void *ctx, sl_jsonin_t *j, int is_array);
    int (*close)(void *ctx, sl_jsonin_t *j, int is_array);
    int (*scalar)(void *ctx, sl_jsonin_t *j, sl_json_type_t type,
                  const char *s, size_t len);
    unsigned max_depth; /* 0: SL_JSONIN_DEPTH_MAX */
    size_t token_max;   /* 0: SL_JSONIN_TOKEN_MAX */
} sl_jsonin_cfg_t;

/* Parses the whole document read from fd (from its current offset to EOF).
 * The fd stays the caller's. Returns SL_OK, SL_EINPUT, SL_ETOOBIG, SL_EIO,
 * SL_ENOMEM or the code a callback stopped with. */
int sl_jsonin_parse_fd(int fd, const char *path, const sl_jsonin_cfg_t *cfg,
                       void *ctx, sl_err_t *err) SL_NODISCARD;

/* Parses a document held in memory (for tests and fuzzing). */
int sl_jsonin_parse_mem(const char *buf, size_t len, const char *path,
                        const sl_jsonin_cfg_t *cfg, void *ctx,
                        sl_err_t *err) SL_NODISCARD;

/* From inside a callback: records rc with "path:LINE:COL: <reason>" at the
 * current position (the first failure wins) and returns rc. */
int sl_jsonin_fail(sl_jsonin_t *j, int rc, const char *fmt, ...)
    SL_PRINTF(3, 4);

/* Containers open now. */
unsigned sl_jsonin_depth(const sl_jsonin_t *j);

/* The key under which the value at level (1 ..) sits in its object, or
 * NULL when its container is an array or the key was longer than
 * SL_JSONIN_KEY_MAX. */
const char *sl_jsonin_key(const sl_jsonin_t *j, unsigned level);

/* The position (from 0) of the value at level (1 ..) among the members or
 * elements of its container. */
uint64_t sl_jsonin_index(const sl_jsonin_t *j, unsigned level);

/* Nonzero when the value at level sits under key (in an object). */
int sl_jsonin_at(const sl_jsonin_t *j, unsigned level, const char *key);

/* A JSON number as written to a finite double. SL_EINPUT when it is not a
 * number or is out of range (overflows to infinity). */
int sl_jsonin_double(const char *s, size_t len, double *out) SL_NODISCARD;

/* A JSON number to an unsigned integer no larger than max: no sign, no
 * fraction, no exponent. SL_EINPUT otherwise. */
int sl_jsonin_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
    SL_NODISCARD;

/* For detection: parses the start of a document (head may be cut short
 * anywhere) with cfg's callbacks, taking the end of head as the end of
 * what is known rather than an error. Returns SL_OK when head holds
 * valid JSON so far, SL_EINPUT when it does not, or the code a callback
 * stopped with (a sniffer stops as soon as it has decided). */
int sl_jsonin_sniff(const char *head, size_t len, const sl_jsonin_cfg_t *cfg,
                    void *ctx);

#endif
