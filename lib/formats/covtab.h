/* The tables the coverage parsers of line-based formats (lcov, Go
 * coverprofiles) keep until the end of a report. Private to lib/formats.
 *
 * Both formats may report one source file in several places of a file
 * (lcov: one record per test name, or a header compiled into several
 * objects; Go: every test binary of `go test -coverpkg` reports every
 * package), and their own tools merge those reports. Matching them takes
 * a table per source file of what was counted, kept to the end: its
 * lines (lcov, a bitmap of 2 bits per line number), its functions and
 * branches (lcov, sorted arrays merged at the end of each record) or its
 * blocks (Go, a hash set, so a repeat is caught at its line). All of it is charged
 * to one budget of SL_COVTAB_MEM_MAX bytes per parse; past it the parse
 * fails with SL_ETOOBIG. Files are emitted in the order first seen. */
#ifndef SLUICE_FORMATS_COVTAB_H
#define SLUICE_FORMATS_COVTAB_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/err.h"
#include "sluice/formats.h"

#define SL_COVTAB_MEM_MAX (64u << 20) /* bytes of tables per parse */

/* A hash set of 128-bit keys (a, b), each with a 32-bit value. */
typedef struct sl_covent {
    uint64_t a, b;
    uint32_t val;
    uint32_t used;
} sl_covent_t;

typedef struct sl_covset {
    sl_covent_t *slots;
    uint32_t cap; /* a power of two, or 0 */
    uint32_t n;
} sl_covset_t;

/* A sorted set of keys (a, b), each with a value val = weight << 1 | hit,
 * held in an array of exactly n entries. */
typedef struct sl_covarr {
    sl_covent_t *v;
    size_t n;
} sl_covarr_t;

/* Entries gathered while reading one run of a file (an lcov record),
 * merged into the file's sl_covarr_t at its end. */
typedef struct sl_covrun {
    sl_covent_t *v;
    size_t n, cap;
    int unsorted; /* an entry came after a greater one */
} sl_covrun_t;

/* One source file: its figures so far and what they were counted from. */
typedef struct sl_covfile {
    char *path; /* NUL-terminated, owned */
    size_t path_len;
    uint64_t lines_valid, lines_covered;
    uint64_t branches_valid, branches_covered;
    uint64_t functions_valid, functions_covered;
    uint8_t *lines;      /* lcov: 2 bits per line number (SL_COVTAB_LINE_*) */
    size_t lines_bytes;  /* of the bitmap: it covers 4 * lines_bytes lines */
    sl_covarr_t fns;     /* lcov: function name hash -> hit */
    sl_covarr_t brs;     /* lcov: (line, block, branch) -> taken */
    sl_covset_t blocks;  /* Go: (start, end) -> statements, covered */
} sl_covfile_t;

#define SL_COVTAB_LINE_SEEN 1u /* the line is instrumented */
#define SL_COVTAB_LINE_HIT  2u /* ... and was run */

typedef struct sl_covtab {
    sl_covfile_t *files; /* in the order first seen */
    size_t nfiles, cap;
    sl_covset_t index; /* hash of a path -> index in files */
    size_t mem;        /* bytes charged to the budget */
} sl_covtab_t;

void sl_covtab_init(sl_covtab_t *t);
/* Frees every table. NULL-safe on an initialized or finished t. */
void sl_covtab_fini(sl_covtab_t *t);

/* The index of path[len] (no NUL in it) in t->files, added with zero
 * figures when new. Returns SL_OK, SL_ETOOBIG (budget), SL_ENOMEM, or
 * SL_EINPUT when another path has the same 128-bit hash. */
int sl_covtab_file(sl_covtab_t *t, const char *path, size_t len, size_t *idx)
    SL_NODISCARD;

/* Finds key (a, b) in s, or adds it with value 0: *val points at its
 * value (valid until the next put into s) and *added says which.
 * Returns SL_OK, SL_ETOOBIG (budget), SL_ENOMEM. */
int sl_covtab_put(sl_covtab_t *t, sl_covset_t *s, uint64_t a, uint64_t b,
                  uint32_t **val, int *added) SL_NODISCARD;

/* Adds key (a, b) with val (weight << 1 | hit) to r. Returns SL_OK,
 * SL_ETOOBIG (budget), SL_ENOMEM. */
int sl_covtab_run_add(sl_covtab_t *t, sl_covrun_t *r, uint64_t a, uint64_t b,
                      uint32_t val) SL_NODISCARD;

/* Merges r into the sorted set *into and empties r: a key counts once
 * (the weight of its first entry), hit when any of its entries is. Adds
 * the weights of the keys new to *into to *valid, and those of the keys
 * that became hit to *covered. Returns SL_OK, SL_ETOOBIG, SL_ENOMEM. */
int sl_covtab_run_merge(sl_covtab_t *t, sl_covrun_t *r, sl_covarr_t *into,
                        uint64_t *valid, uint64_t *covered) SL_NODISCARD;

/* Frees r's storage (its charge stays on t until t is finished). */
void sl_covtab_run_fini(sl_covrun_t *r);

/* Grows f's line bitmap to cover line number line. Returns SL_OK,
 * SL_ETOOBIG (budget), SL_ENOMEM. */
int sl_covtab_lines(sl_covtab_t *t, sl_covfile_t *f, uint64_t line)
    SL_NODISCARD;

/* A 128-bit hash of s[len], as two 64-bit halves. */
void sl_covtab_hash(const char *s, size_t len, uint64_t *h1, uint64_t *h2);

/* The reason of a table code (SL_ETOOBIG, SL_EINPUT, else out of memory)
 * into buf, for a parser's "path:LINE: reason"; kept says what the
 * tables hold ("files and blocks"). Returns buf. */
const char *sl_covtab_why(int rc, const char *kept, char *buf, size_t cap);

/* Emits one coverage_file record per file (in the order first seen;
 * those with lines_valid 0 skipped when skip_empty) and then one
 * coverage_total: the sums, with files the number of file records.
 * Returns SL_OK or the sink's code. */
int sl_covtab_emit(const sl_covtab_t *t, const sl_sink_t *sink,
                   int skip_empty) SL_NODISCARD;

#endif
