/* Go coverprofiles, as `go test -coverprofile` writes them:
 *
 *   mode: set|count|atomic
 *   <file>:<startLine>.<startCol>,<endLine>.<endCol> <numStmt> <count>
 *
 * Figures are statements, as `go tool cover -func` and `go test -cover`
 * count them: lines_valid is the number of statements of a file's blocks,
 * lines_covered that of its blocks with a count > 0. A block (same file,
 * start and end) listed more than once, as in profiles of `go test
 * -coverpkg` where every test binary reports every package, counts once
 * and is covered when any of its copies has a count > 0: go tool cover
 * merges them so (set: count |= ; count, atomic: count +=). Its copies
 * must agree on numStmt, as go tool cover demands. Blocks are kept per
 * file in a table until the end, within the budget of covtab.h. Lines are
 * parsed from their end, as go tool cover does, so a file name may hold
 * ':', '.', ',' and spaces. Branches and functions stay 0. A sink that
 * wants line coverage gets every block with statements as the lines from
 * its start to its end line, with its count (each copy of a block). */
#include "gocover.h"

#include <stdlib.h>
#include <string.h>

#include "covtab.h"
#include "lines.h"

#define GOCOVER_STMTS_MAX 0x7fffffffu /* numStmt of one block */

typedef struct gocover {
    sl_lines_t lines;
    sl_covtab_t tab;
    sl_err_t *err;
    const sl_sink_t *sink; /* its line callback, when want_lines */
    int want_lines;
    const char *line; /* the line being parsed, for columns */
    int has_mode;
    size_t last; /* index in tab of the file of the previous block */
    int has_last;
} gocover_t;

/* One block line, parsed. */
typedef struct gocover_block {
    const char *file;
    size_t file_len;
    uint64_t sl, sc, el, ec, stmts, count;
} gocover_block_t;

#define gocover_fail(g, rc, at, ...)                                        \
    sl_lines_fail(&(g)->lines, (g)->err, rc,                                \
                  (size_t)((at) - (g)->line) + 1, __VA_ARGS__)

static const char gocover_want[] =
    "want FILE:LINE.COL,LINE.COL STATEMENTS COUNT";

/* The mode line: "mode: set", "mode: count" or "mode: atomic". */
static int
gocover_mode(gocover_t *g, const char *s, size_t len)
{
    static const char *const modes[] = {"set", "count", "atomic"};
    if (len < 6 || memcmp(s, "mode: ", 6) != 0) {
        return gocover_fail(g, SL_EINPUT, s,
                            "not a Go coverprofile (line 1 is not "
                            "\"mode: set|count|atomic\")");
    }
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strlen(modes[i]) == len - 6 &&
            memcmp(s + 6, modes[i], len - 6) == 0) {
            g->has_mode = 1;
            return SL_OK;
        }
    }
    char q[24];
    return gocover_fail(g, SL_EINPUT, s + 6,
                        "unknown mode \"%s\" (want set, count or atomic)",
                        sl_lines_quote(q, sizeof q, s + 6, len - 6));
}

/* Reads the number between sep (the last one before *end, at or after s)
 * and *end, and moves *end to sep. */
static int
gocover_back(gocover_t *g, const char *s, const char **end, char sep,
             uint64_t max, const char *what, uint64_t *out)
{
    const char *p = *end;
    while (p > s && p[-1] != sep) {
        p--;
    }
    if (p == s) {
        return gocover_fail(g, SL_EINPUT, s, "no '%c' before the %s (%s)", sep,
                            what, gocover_want);
    }
    const char *q = p;
    int r = sl_lines_u64(&q, *end, max, out);
    if (r == SL_LINES_NUM_OVER) {
        return gocover_fail(g, SL_EINPUT, p, "%s over %llu", what,
                            (unsigned long long)max);
    }
    if (r != SL_LINES_NUM_OK || q != *end) {
        int negative =
            p + 1 < *end && *p == '-' && (unsigned)(p[1] - '0') <= 9u;
        return gocover_fail(g, SL_EINPUT, p, "%s is not a number%s (%s)", what,
                            negative ? " (negative)" : "", gocover_want);
    }
    *end = p - 1;
    return SL_OK;
}

/* Splits a block line, last field first, as go tool cover does. */
static int
gocover_split(gocover_t *g, const char *s, size_t len, gocover_block_t *b)
{
    const char *end = s + len;
    int rc = gocover_back(g, s, &end, ' ', UINT64_MAX, "count", &b->count);
    rc = rc != SL_OK ? rc
                     : gocover_back(g, s, &end, ' ', GOCOVER_STMTS_MAX,
                                    "statement count", &b->stmts);
    rc = rc != SL_OK ? rc
                     : gocover_back(g, s, &end, '.', UINT32_MAX, "end column",
                                    &b->ec);
    rc = rc != SL_OK ? rc
                     : gocover_back(g, s, &end, ',', UINT32_MAX, "end line",
                                    &b->el);
    rc = rc != SL_OK ? rc
                     : gocover_back(g, s, &end, '.', UINT32_MAX,
                                    "start column", &b->sc);
    rc = rc != SL_OK ? rc
                     : gocover_back(g, s, &end, ':', UINT32_MAX, "start line",
                                    &b->sl);
    if (rc != SL_OK) {
        return rc;
    }
    b->file = s;
    b->file_len = (size_t)(end - s);
    return SL_OK;
}

static int
gocover_table_fail(gocover_t *g, int rc)
{
    char why[160];
    return gocover_fail(g, rc, g->line, "%s",
                        sl_covtab_why(rc, "files and blocks", why,
                                      sizeof why));
}

/* The index in tab of the block's file; the previous block's is reused
 * without a look-up, as blocks of one file come together. */
static int
gocover_file(gocover_t *g, const gocover_block_t *b, size_t *idx)
{
    const char *s = b->file;
    size_t len = b->file_len;
    if (g->has_last && g->tab.files[g->last].path_len == len &&
        memcmp(g->tab.files[g->last].path, s, len) == 0) {
        *idx = g->last;
        return SL_OK;
    }
    if (len == 0) {
        return gocover_fail(g, SL_EINPUT, s, "empty file name");
    }
    if (len > SL_LINES_PATH_MAX) {
        return gocover_fail(g, SL_ETOOBIG, s, "file name longer than %u bytes",
                            SL_LINES_PATH_MAX);
    }
    size_t bad = sl_utf8_bad(s, len);
    if (bad < len) {
        return gocover_fail(g, SL_EINPUT, s + bad,
                            "invalid UTF-8 in the file name");
    }
    int rc = sl_covtab_file(&g->tab, s, len, idx);
    if (rc != SL_OK) {
        return gocover_table_fail(g, rc);
    }
    g->last = *idx;
    g->has_last = 1;
    return SL_OK;
}

/* Counts block b once per file; a repeat may only add its coverage. */
static int
gocover_count(gocover_t *g, const gocover_block_t *b, size_t idx)
{
    sl_covfile_t *f = &g->tab.files[idx];
    uint32_t *val;
    int added;
    int rc = sl_covtab_put(&g->tab, &f->blocks, b->sl << 32 | b->sc,
                           b->el << 32 | b->ec, &val, &added);
    if (rc != SL_OK) {
        return gocover_table_fail(g, rc);
    }
    uint32_t stmts = (uint32_t)b->stmts;
    if (added) {
        *val = stmts << 1;
        f->lines_valid += stmts;
    } else if (*val >> 1 != stmts) {
        return gocover_fail(g, SL_EINPUT, g->line,
                            "block listed with %u statements, before with %u",
                            stmts, *val >> 1);
    }
    if (b->count > 0 && !(*val & 1u)) {
        *val |= 1u;
        f->lines_covered += stmts;
    }
    return SL_OK;
}

static int
gocover_line(gocover_t *g, const char *s, size_t len)
{
    g->line = s;
    if (!g->has_mode) {
        return gocover_mode(g, s, len);
    }
    if (len == 0) {
        return SL_OK;
    }
    if (len >= 6 && memcmp(s, "mode: ", 6) == 0) {
        return gocover_fail(g, SL_EINPUT, s,
                            "a second mode line (profiles joined without "
                            "dropping it; go tool cover refuses it too)");
    }
    gocover_block_t b;
    int rc = gocover_split(g, s, len, &b);
    if (rc != SL_OK) {
        return rc;
    }
    if (b.el < b.sl || (b.el == b.sl && b.ec < b.sc)) {
        return gocover_fail(g, SL_EINPUT, b.file + b.file_len,
                            "block ends before it starts");
    }
    size_t idx = 0;
    rc = gocover_file(g, &b, &idx);
    if (rc == SL_OK) {
        rc = gocover_count(g, &b, idx);
    }
    if (rc == SL_OK && g->want_lines && b.stmts > 0) {
        rc = g->sink->line(g->sink->line_ctx, g->tab.files[idx].path, b.sl,
                           b.el, b.count);
        if (rc != SL_OK) {
            return gocover_fail(g, rc, s, "line coverage: %s",
                                sl_strerror(rc));
        }
    }
    return rc;
}

static int
gocover_run(gocover_t *g, const sl_sink_t *sink)
{
    g->sink = sink;
    g->want_lines = sl_sink_wants_lines(sink);
    for (;;) {
        const char *s;
        size_t len;
        int r = sl_lines_next(&g->lines, &s, &len, g->err);
        if (r <= 0) {
            if (r < 0) {
                return r;
            }
            break;
        }
        int rc = gocover_line(g, s, len);
        if (rc != SL_OK) {
            return rc;
        }
    }
    if (!g->has_mode) {
        return sl_lines_fail(&g->lines, g->err, SL_EINPUT, 1,
                             "not a Go coverprofile (no mode line)");
    }
    int rc = sl_covtab_emit(&g->tab, sink, 0);
    if (rc != SL_OK) {
        return sl_err_set(g->err, rc, "%s: %s", g->lines.path,
                          sl_strerror(rc));
    }
    return SL_OK;
}

int
sl_gocover_sniff(const char *head, size_t len)
{
    sl_lines_skip_bom(&head, &len);
    static const char *const lines[] = {"mode: set", "mode: count",
                                        "mode: atomic"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        size_t n = strlen(lines[i]);
        if (len >= n && memcmp(head, lines[i], n) == 0 &&
            (len == n || head[n] == '\n' ||
             (head[n] == '\r' && (len == n + 1 || head[n + 1] == '\n')))) {
            return 1;
        }
    }
    return 0;
}

int
sl_gocover_parse(int fd, const char *path, const sl_sink_t *sink,
                 sl_err_t *err)
{
    gocover_t *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    g->err = err;
    sl_covtab_init(&g->tab);
    int rc = sl_lines_init(&g->lines, fd, path, err);
    if (rc == SL_OK) {
        rc = gocover_run(g, sink);
    }
    sl_lines_fini(&g->lines);
    sl_covtab_fini(&g->tab);
    free(g);
    return rc;
}
