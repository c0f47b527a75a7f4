/* lcov tracefiles (.info), as geninfo/lcov 1.16 write them and as other
 * tools do (llvm-cov export -format=lcov, c8/istanbul, grcov, ...).
 *
 * A record is "SF:<path>", its data lines, and "end_of_record"; "TN:"
 * names a test. The figures are those `lcov --summary` prints (with
 * --rc lcov_branch_coverage=1), recomputed from the data lines:
 * - lines: distinct DA line numbers of the file; covered when one of
 *   their DA lines has a count > 0;
 * - functions: distinct names in FN and FNDA lines; covered when one of
 *   their FNDA lines has a count > 0 (names told apart by a 128-bit hash);
 * - branches: distinct (line, block, branch) of BRDA lines; covered when
 *   one of them was taken a number of times > 0 ("-" is not taken);
 * - a file in several records (lcov -a writes one per test name; geninfo
 *   one per object file that includes a header) is merged into one, as
 *   lcov does; a file without DA lines is dropped, as lcov does.
 * LF/LH, BRF/BRH and FNF/FNH are checked (hit <= found) but not used:
 * tools disagree with lcov on them (llvm-cov counts a function
 * instantiated twice once in FNF, lcov twice).
 * Lines with other upper-case keys (VER, FNL, FNA, ...) are ignored.
 * A sink that wants line coverage gets each DA line as it comes (its
 * record's SF path, the line, the count). */
#include "lcov.h"

#include <stdlib.h>
#include <string.h>

#include "covtab.h"
#include "lines.h"

/* The summary lines a record may carry, checked in pairs. */
enum { LCOV_LF, LCOV_LH, LCOV_BRF, LCOV_BRH, LCOV_FNF, LCOV_FNH, LCOV_SUMS };

typedef struct lcov {
    sl_lines_t lines;
    sl_covtab_t tab;
    sl_err_t *err;
    const sl_sink_t *sink; /* its line callback, when want_lines */
    int want_lines;
    const char *line; /* the line being parsed, for columns */
    size_t cur;       /* index of the record's file in tab */
    int in_record;
    uint64_t sf_line; /* line of the record's SF */
    uint64_t records;
    uint64_t sums[LCOV_SUMS];
    unsigned sums_seen; /* bit i: sums[i] was given in this record */
    sl_covrun_t fns;    /* the record's functions and branches */
    sl_covrun_t brs;
} lcov_t;

/* "path:LINE:COL: reason", COL being that of at in the current line. */
#define lcov_fail(lc, rc, at, ...)                                          \
    sl_lines_fail(&(lc)->lines, (lc)->err, rc,                              \
                  (size_t)((at) - (lc)->line) + 1, __VA_ARGS__)

/* Fails for a table code (covtab.h) at the start of the line. */
static int
lcov_table_fail(lcov_t *lc, int rc)
{
    char why[160];
    return lcov_fail(lc, rc, lc->line, "%s",
                     sl_covtab_why(rc,
                                   "files, lines, functions and branches",
                                   why, sizeof why));
}

/* The message for a number sl_lines_u64 refused (r) at at. */
static int
lcov_num_fail(lcov_t *lc, int r, const char *at, const char *end,
              uint64_t max, const char *what)
{
    if (r == SL_LINES_NUM_OVER) {
        return lcov_fail(lc, SL_EINPUT, at, "%s over %llu", what,
                         (unsigned long long)max);
    }
    return lcov_fail(lc, SL_EINPUT, at, "%s is not a number%s", what,
                     *at == '-' && at + 1 < end && (unsigned)(at[1] - '0') <= 9u
                         ? " (negative)"
                         : "");
}

/* Reads a number of at most max at *p and moves past it. */
static inline int
lcov_num(lcov_t *lc, const char **p, const char *end, uint64_t max,
         const char *what, uint64_t *out)
{
    const char *at = *p;
    int r = sl_lines_u64(p, end, max, out);
    return r == SL_LINES_NUM_OK ? SL_OK
                                : lcov_num_fail(lc, r, at, end, max, what);
}

/* Expects the byte c at *p and moves past it. */
static int
lcov_expect(lcov_t *lc, const char **p, const char *end, char c,
            const char *want)
{
    if (*p == end || **p != c) {
        return lcov_fail(lc, SL_EINPUT, *p, "want %s", want);
    }
    (*p)++;
    return SL_OK;
}

static int
lcov_end_of_line(lcov_t *lc, const char *p, const char *end, const char *want)
{
    return p == end ? SL_OK
                    : lcov_fail(lc, SL_EINPUT, p, "want %s (junk at the end)",
                                want);
}

/* DA:<line>,<count>[,<checksum>] */
static int
lcov_da(lcov_t *lc, const char *p, const char *end)
{
    static const char want[] = "DA:LINE,COUNT[,CHECKSUM]";
    uint64_t line, count;
    int rc = lcov_num(lc, &p, end, UINT32_MAX, "line number", &line);
    rc = rc != SL_OK ? rc : lcov_expect(lc, &p, end, ',', want);
    rc = rc != SL_OK ? rc : lcov_num(lc, &p, end, UINT64_MAX, "count", &count);
    if (rc == SL_OK && p != end && (*p != ',' || p + 1 == end)) {
        rc = lcov_end_of_line(lc, p, end, want);
    }
    if (rc != SL_OK) {
        return rc;
    }
    sl_covfile_t *f = &lc->tab.files[lc->cur];
    if (line / 4 >= f->lines_bytes) {
        rc = sl_covtab_lines(&lc->tab, f, line);
        if (rc != SL_OK) {
            return lcov_table_fail(lc, rc);
        }
    }
    uint8_t *b = &f->lines[line / 4];
    unsigned shift = (unsigned)(line % 4) * 2;
    unsigned was = (unsigned)(*b >> shift);
    unsigned now = SL_COVTAB_LINE_SEEN | (count > 0 ? SL_COVTAB_LINE_HIT : 0);
    f->lines_valid += !(was & SL_COVTAB_LINE_SEEN);
    f->lines_covered += (now & ~was & SL_COVTAB_LINE_HIT) != 0;
    *b = (uint8_t)(*b | (now << shift));
    if (lc->want_lines) {
        rc = lc->sink->line(lc->sink->line_ctx, f->path, line, line, count);
        if (rc != SL_OK) {
            return lcov_fail(lc, rc, lc->line, "line coverage: %s",
                             sl_strerror(rc));
        }
    }
    return SL_OK;
}

/* Counts function name[len] of the record's file, hit when count > 0. */
static int
lcov_function(lcov_t *lc, const char *name, const char *end, uint64_t count)
{
    if (name == end) {
        return lcov_fail(lc, SL_EINPUT, name, "empty function name");
    }
    uint64_t h1, h2;
    sl_covtab_hash(name, (size_t)(end - name), &h1, &h2);
    int rc = sl_covtab_run_add(&lc->tab, &lc->fns, h1, h2, 2u | (count > 0));
    return rc == SL_OK ? SL_OK : lcov_table_fail(lc, rc);
}

/* FN:<line>,[<end line>,]<name> (the end line is lcov 2's) */
static int
lcov_fn(lcov_t *lc, const char *p, const char *end)
{
    static const char want[] = "FN:LINE,NAME";
    uint64_t line;
    int rc = lcov_num(lc, &p, end, UINT32_MAX, "line number", &line);
    rc = rc != SL_OK ? rc : lcov_expect(lc, &p, end, ',', want);
    if (rc != SL_OK) {
        return rc;
    }
    const char *q = p;
    if (sl_lines_u64(&q, end, UINT32_MAX, &line) == SL_LINES_NUM_OK &&
        q < end && *q == ',') {
        p = q + 1;
    }
    return lcov_function(lc, p, end, 0);
}

/* FNDA:<count>,<name> */
static int
lcov_fnda(lcov_t *lc, const char *p, const char *end)
{
    uint64_t count;
    int rc = lcov_num(lc, &p, end, UINT64_MAX, "count", &count);
    rc = rc != SL_OK ? rc : lcov_expect(lc, &p, end, ',', "FNDA:COUNT,NAME");
    return rc != SL_OK ? rc : lcov_function(lc, p, end, count);
}

/* The count of BRDA: a number, or "-" when the branch's block never ran. */
static int
lcov_taken(lcov_t *lc, const char **p, const char *end, uint64_t *taken)
{
    if (*p < end && **p == '-' && *p + 1 == end) {
        (*p)++;
        *taken = 0;
        return SL_OK;
    }
    return lcov_num(lc, p, end, UINT64_MAX, "taken count", taken);
}

/* BRDA:<line>,[e]<block>,<branch>,<taken> ("e": lcov 2's exception
 * branches, counted apart from the others) */
static int
lcov_brda(lcov_t *lc, const char *p, const char *end)
{
    static const char want[] = "BRDA:LINE,BLOCK,BRANCH,TAKEN";
    uint64_t line, block, branch, taken;
    int rc = lcov_num(lc, &p, end, UINT32_MAX, "line number", &line);
    rc = rc != SL_OK ? rc : lcov_expect(lc, &p, end, ',', want);
    uint64_t exc = rc == SL_OK && p < end && *p == 'e';
    p += exc;
    rc = rc != SL_OK ? rc : lcov_num(lc, &p, end, UINT32_MAX, "block", &block);
    rc = rc != SL_OK ? rc : lcov_expect(lc, &p, end, ',', want);
    rc = rc != SL_OK ? rc
                     : lcov_num(lc, &p, end, UINT32_MAX, "branch", &branch);
    rc = rc != SL_OK ? rc : lcov_expect(lc, &p, end, ',', want);
    rc = rc != SL_OK ? rc : lcov_taken(lc, &p, end, &taken);
    rc = rc != SL_OK ? rc : lcov_end_of_line(lc, p, end, want);
    if (rc != SL_OK) {
        return rc;
    }
    rc = sl_covtab_run_add(&lc->tab, &lc->brs, line << 32 | block,
                           exc << 32 | branch, 2u | (taken > 0));
    return rc == SL_OK ? SL_OK : lcov_table_fail(lc, rc);
}

/* LF, LH, BRF, BRH, FNF, FNH: a number each; the hit one of a pair may
 * not exceed the found one. */
static int
lcov_sum(lcov_t *lc, const char *p, const char *end, unsigned which)
{
    static const char *const names[LCOV_SUMS] = {"LF",  "LH",  "BRF",
                                                 "BRH", "FNF", "FNH"};
    const char *at = p;
    uint64_t v;
    int rc = lcov_num(lc, &p, end, UINT64_MAX, names[which], &v);
    rc = rc != SL_OK ? rc : lcov_end_of_line(lc, p, end, "KEY:NUMBER");
    if (rc != SL_OK) {
        return rc;
    }
    lc->sums[which] = v;
    lc->sums_seen |= 1u << which;
    unsigned found = which & ~1u, hit = found + 1;
    unsigned both = 1u << found | 1u << hit;
    if ((lc->sums_seen & both) == both && lc->sums[hit] > lc->sums[found]) {
        return lcov_fail(lc, SL_EINPUT, at, "%s %llu is more than %s %llu",
                         names[hit], (unsigned long long)lc->sums[hit],
                         names[found], (unsigned long long)lc->sums[found]);
    }
    return SL_OK;
}

/* SF:<path>: opens a record. */
static int
lcov_sf(lcov_t *lc, const char *p, const char *end)
{
    if (lc->in_record) {
        return lcov_fail(lc, SL_EINPUT, lc->line,
                         "SF inside a record (no end_of_record for the SF "
                         "of line %llu)",
                         (unsigned long long)lc->sf_line);
    }
    size_t len = (size_t)(end - p);
    if (len == 0) {
        return lcov_fail(lc, SL_EINPUT, p, "empty source path");
    }
    if (len > SL_LINES_PATH_MAX) {
        return lcov_fail(lc, SL_ETOOBIG, p, "source path longer than %u bytes",
                         SL_LINES_PATH_MAX);
    }
    size_t bad = sl_utf8_bad(p, len);
    if (bad < len) {
        return lcov_fail(lc, SL_EINPUT, p + bad, "invalid UTF-8 in the path");
    }
    int rc = sl_covtab_file(&lc->tab, p, len, &lc->cur);
    if (rc != SL_OK) {
        return lcov_table_fail(lc, rc);
    }
    lc->in_record = 1;
    lc->sf_line = lc->lines.lineno;
    lc->sums_seen = 0;
    lc->records++;
    return SL_OK;
}

typedef int (*lcov_data_fn)(lcov_t *lc, const char *p, const char *end);

/* A data line of a record: parsed by fn, or a summary number (fn NULL). */
typedef struct lcov_key {
    char key[5];
    unsigned char len;
    lcov_data_fn fn;
    unsigned sum;
} lcov_key_t;

static const lcov_key_t *
lcov_data_key(const char *key, size_t len)
{
    static const lcov_key_t keys[] = {
        {"DA", 2, lcov_da, 0},      {"BRDA", 4, lcov_brda, 0},
        {"FN", 2, lcov_fn, 0},      {"FNDA", 4, lcov_fnda, 0},
        {"LF", 2, NULL, LCOV_LF},   {"LH", 2, NULL, LCOV_LH},
        {"BRF", 3, NULL, LCOV_BRF}, {"BRH", 3, NULL, LCOV_BRH},
        {"FNF", 3, NULL, LCOV_FNF}, {"FNH", 3, NULL, LCOV_FNH},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (keys[i].len == len && memcmp(keys[i].key, key, len) == 0) {
            return &keys[i];
        }
    }
    return NULL;
}

/* Closes the record: its functions and branches join its file's. */
static int
lcov_end_of_record(lcov_t *lc)
{
    if (!lc->in_record) {
        return lcov_fail(lc, SL_EINPUT, lc->line, "end_of_record without SF");
    }
    lc->in_record = 0;
    sl_covfile_t *f = &lc->tab.files[lc->cur];
    int rc = sl_covtab_run_merge(&lc->tab, &lc->fns, &f->fns,
                                 &f->functions_valid, &f->functions_covered);
    if (rc == SL_OK) {
        rc = sl_covtab_run_merge(&lc->tab, &lc->brs, &f->brs,
                                 &f->branches_valid, &f->branches_covered);
    }
    return rc == SL_OK ? SL_OK : lcov_table_fail(lc, rc);
}

static int
lcov_is_key(const char *s, const char *colon)
{
    if (s == colon) {
        return 0;
    }
    for (; s < colon; s++) {
        if (*s < 'A' || *s > 'Z') {
            return 0;
        }
    }
    return 1;
}

/* A line KEY:VALUE other than DA (the hot path, in lcov_line). */
static int
lcov_keyed(lcov_t *lc, const char *s, const char *colon, const char *end)
{
    size_t klen = (size_t)(colon - s);
    if (klen == 2 && memcmp(s, "SF", 2) == 0) {
        return lcov_sf(lc, colon + 1, end);
    }
    const lcov_key_t *k = lcov_data_key(s, klen);
    if (k == NULL) {
        return SL_OK; /* TN, VER, FNL, FNA, ...: not needed for the figures */
    }
    if (!lc->in_record) {
        return lcov_fail(lc, SL_EINPUT, s,
                         "%s outside a record (no SF before it)", k->key);
    }
    return k->fn != NULL ? k->fn(lc, colon + 1, end)
                         : lcov_sum(lc, colon + 1, end, k->sum);
}

static int
lcov_line(lcov_t *lc, const char *s, size_t len)
{
    const char *end = s + len;
    lc->line = s;
    /* The lines most of a file is made of first. */
    if (len > 3 && s[0] == 'D' && s[1] == 'A' && s[2] == ':' &&
        lc->in_record) {
        return lcov_da(lc, s + 3, end);
    }
    if (len > 5 && memcmp(s, "BRDA:", 5) == 0 && lc->in_record) {
        return lcov_brda(lc, s + 5, end);
    }
    if (len == 13 && memcmp(s, "end_of_record", 13) == 0) {
        return lcov_end_of_record(lc);
    }
    const char *colon = memchr(s, ':', len);
    if (colon != NULL && lcov_is_key(s, colon)) {
        return lcov_keyed(lc, s, colon, end);
    }
    if (len == 0) {
        return SL_OK;
    }
    return lcov_fail(lc, SL_EINPUT, s,
                     "not an lcov tracefile line (want KEY:VALUE or "
                     "end_of_record)");
}

/* At the end of the file: the last record closed, something counted. */
static int
lcov_finish(lcov_t *lc)
{
    if (lc->in_record) {
        return sl_lines_fail(&lc->lines, lc->err, SL_EINPUT, 1,
                             "truncated: no end_of_record for the SF of "
                             "line %llu",
                             (unsigned long long)lc->sf_line);
    }
    if (lc->records == 0) {
        return sl_lines_fail(&lc->lines, lc->err, SL_EINPUT, 1,
                             "not an lcov tracefile (no SF record)");
    }
    for (size_t i = 0; i < lc->tab.nfiles; i++) {
        if (lc->tab.files[i].lines_valid > 0) {
            return SL_OK;
        }
    }
    return sl_lines_fail(&lc->lines, lc->err, SL_EINPUT, 1,
                         "no record has line data (DA)");
}

static int
lcov_run(lcov_t *lc, const sl_sink_t *sink)
{
    lc->sink = sink;
    lc->want_lines = sl_sink_wants_lines(sink);
    for (;;) {
        const char *s;
        size_t len;
        int r = sl_lines_next(&lc->lines, &s, &len, lc->err);
        if (r <= 0) {
            if (r < 0) {
                return r;
            }
            break;
        }
        int rc = lcov_line(lc, s, len);
        if (rc != SL_OK) {
            return rc;
        }
    }
    int rc = lcov_finish(lc);
    if (rc != SL_OK) {
        return rc;
    }
    rc = sl_covtab_emit(&lc->tab, sink, 1);
    if (rc != SL_OK) {
        return sl_err_set(lc->err, rc, "%s: %s", lc->lines.path,
                          sl_strerror(rc));
    }
    return SL_OK;
}

int
sl_lcov_sniff(const char *head, size_t len)
{
    sl_lines_skip_bom(&head, &len);
    static const char *const starts[] = {"TN:", "SF:", "VER:"};
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        size_t n = strlen(starts[i]);
        if (len >= n && memcmp(head, starts[i], n) == 0) {
            return 1;
        }
    }
    return 0;
}

int
sl_lcov_parse(int fd, const char *path, const sl_sink_t *sink, sl_err_t *err)
{
    lcov_t *lc = calloc(1, sizeof *lc);
    if (lc == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    lc->err = err;
    sl_covtab_init(&lc->tab);
    int rc = sl_lines_init(&lc->lines, fd, path, err);
    if (rc == SL_OK) {
        rc = lcov_run(lc, sink);
    }
    sl_lines_fini(&lc->lines);
    sl_covtab_run_fini(&lc->fns);
    sl_covtab_run_fini(&lc->brs);
    sl_covtab_fini(&lc->tab);
    free(lc);
    return rc;
}
