/* Patch coverage (sluice/patch.h): the diff's added lines as one bitmap
 * of two bits per line (instrumented, covered), the diff's files sorted by
 * file name so a report's file finds its candidates by binary search, and
 * a cache of the report file last looked up (a report gives its lines
 * file by file, so one look-up serves a whole file). */
#include "sluice/patch.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/run.h"

#define PATCH_SEEN 1u /* an instrumented line */
#define PATCH_HIT  2u /* ... that ran */

typedef struct patch_name {
    const char *name; /* the diff file's last component */
    size_t len;
    size_t file;
} patch_name_t;

struct sl_patch {
    const sl_diff_t *diff;
    size_t nfiles;
    size_t *roff;        /* per file: index of its first run in cum */
    uint64_t *cum;       /* per run: index of its first line in marks */
    unsigned *best;      /* per file: score of the report files it takes */
    uint8_t *marks;      /* PATCH_* per added line, 2 bits each */
    patch_name_t *names; /* the files by name */
    /* The report file last looked up, and the diff files it feeds. */
    char *last;
    size_t last_len, last_cap;
    int has_last;
    size_t *targets;
    size_t ntargets;
    unsigned score;
    uint64_t marks_made;
    uint64_t reports;
    sl_sink_t inner;
};

/* ---- path components ----------------------------------------------------- */

static int
patch_sep(char c, int bs)
{
    return c == '/' || (bs && c == '\\');
}

/* The component of s that ends at *end, skipping empty and "." ones:
 * returns its length (0: none left) with *start at it, and moves *end
 * there. bs: '\' separates too. */
static size_t
patch_comp(const char *s, size_t *end, int bs, size_t *start)
{
    size_t e = *end;
    for (;;) {
        while (e > 0 && patch_sep(s[e - 1], bs)) {
            e--;
        }
        size_t b = e;
        while (b > 0 && !patch_sep(s[b - 1], bs)) {
            b--;
        }
        if (e - b == 1 && s[b] == '.') {
            e = b;
            continue;
        }
        *start = b;
        *end = b;
        return e - b;
    }
}

/* Trailing components diff path d and report path r share. */
static unsigned
patch_score(const char *d, size_t dlen, const char *r, size_t rlen)
{
    unsigned n = 0;
    for (;;) {
        size_t ds = 0, rs = 0;
        size_t dn = patch_comp(d, &dlen, 0, &ds);
        size_t rn = patch_comp(r, &rlen, 1, &rs);
        if (dn == 0 || dn != rn || memcmp(d + ds, r + rs, dn) != 0) {
            return n;
        }
        n++;
    }
}

static int
patch_name_cmp(const void *x, const void *y)
{
    const patch_name_t *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, n);
    if (c != 0) {
        return c;
    }
    return a->len != b->len ? (a->len < b->len ? -1 : 1)
                            : (a->file > b->file) - (a->file < b->file);
}

/* ---- the patch ----------------------------------------------------------- */

/* Numbers every added line (cum) and sorts the files by name. */
static void
patch_index(sl_patch_t *p)
{
    uint64_t idx = 0;
    size_t run = 0;
    for (size_t f = 0; f < p->nfiles; f++) {
        const sl_diff_file_t *df = sl_diff_file(p->diff, f);
        p->roff[f] = run;
        for (size_t k = 0; k < df->nruns; k++) {
            p->cum[run++] = idx;
            idx += (uint64_t)df->runs[k].last - df->runs[k].first + 1;
        }
        size_t end = df->path_len, start = 0;
        size_t n = patch_comp(df->path, &end, 0, &start);
        p->names[f].name = df->path + start;
        p->names[f].len = n;
        p->names[f].file = f;
    }
    qsort(p->names, p->nfiles, sizeof *p->names, patch_name_cmp);
}

int
sl_patch_new(sl_patch_t **out, const sl_diff_t *diff)
{
    *out = NULL;
    sl_patch_t *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return SL_ENOMEM;
    }
    p->diff = diff;
    p->nfiles = sl_diff_nfiles(diff);
    size_t runs = 0;
    for (size_t f = 0; f < p->nfiles; f++) {
        runs += sl_diff_file(diff, f)->nruns;
    }
    uint64_t lines = sl_diff_lines_added(diff);
    p->roff = calloc(p->nfiles + 1, sizeof *p->roff);
    p->cum = calloc(runs + 1, sizeof *p->cum);
    p->best = calloc(p->nfiles + 1, sizeof *p->best);
    p->names = calloc(p->nfiles + 1, sizeof *p->names);
    p->targets = calloc(p->nfiles + 1, sizeof *p->targets);
    p->marks = calloc((size_t)(lines / 4 + 1), 1);
    if (p->roff == NULL || p->cum == NULL || p->best == NULL ||
        p->names == NULL || p->targets == NULL || p->marks == NULL) {
        sl_patch_destroy(&p);
        return SL_ENOMEM;
    }
    patch_index(p);
    *out = p;
    return SL_OK;
}

void
sl_patch_destroy(sl_patch_t **pp)
{
    if (pp == NULL || *pp == NULL) {
        return;
    }
    sl_patch_t *p = *pp;
    free(p->roff);
    free(p->cum);
    free(p->best);
    free(p->marks);
    free(p->names);
    free(p->targets);
    free(p->last);
    free(p);
    *pp = NULL;
}

/* ---- report lines -------------------------------------------------------- */

/* The diff files report file path[len] feeds: those it scores highest
 * with, if at least 1 (patch.h). */
static int
patch_resolve(sl_patch_t *p, const char *path, size_t len)
{
    if (len + 1 > p->last_cap) {
        char *l = realloc(p->last, len + 1);
        if (l == NULL) {
            p->has_last = 0;
            return SL_ENOMEM;
        }
        p->last = l;
        p->last_cap = len + 1;
    }
    memcpy(p->last, path, len + 1);
    p->last_len = len;
    p->has_last = 1;
    p->ntargets = 0;
    p->score = 0;
    size_t end = len, start = 0;
    patch_name_t key = {NULL, 0, 0};
    key.len = patch_comp(path, &end, 1, &start);
    key.name = path + start;
    /* The first entry of that name: key.file 0 sorts before them all. */
    size_t lo = 0, hi = p->nfiles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (patch_name_cmp(&p->names[mid], &key) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; lo < p->nfiles && key.len > 0 && p->names[lo].len == key.len &&
           memcmp(p->names[lo].name, key.name, key.len) == 0;
         lo++) {
        size_t f = p->names[lo].file;
        const sl_diff_file_t *df = sl_diff_file(p->diff, f);
        unsigned s = patch_score(df->path, df->path_len, path, len);
        if (s > p->score) {
            p->score = s;
            p->ntargets = 0;
        }
        if (s == p->score) {
            p->targets[p->ntargets++] = f;
        }
    }
    return SL_OK;
}

static void
patch_set(uint8_t *marks, uint64_t i, unsigned v)
{
    marks[i / 4] = (uint8_t)(marks[i / 4] | v << (i % 4 * 2));
}

/* Forgets what worse matches gave file f. */
static void
patch_clear(sl_patch_t *p, size_t f)
{
    const sl_diff_file_t *df = sl_diff_file(p->diff, f);
    uint64_t i = df->nruns > 0 ? p->cum[p->roff[f]] : 0;
    for (uint64_t end = i + df->added; i < end; i++) {
        p->marks[i / 4] = (uint8_t)(p->marks[i / 4] & ~(3u << (i % 4 * 2)));
    }
}

/* Marks lines first..last of diff file f: instrumented, hit if hits. */
static int
patch_mark(sl_patch_t *p, size_t f, uint64_t first, uint64_t last,
           uint64_t hits)
{
    if (p->score < p->best[f]) {
        return SL_OK;
    }
    if (p->score > p->best[f]) {
        patch_clear(p, f);
        p->best[f] = p->score;
    }
    const sl_diff_file_t *df = sl_diff_file(p->diff, f);
    const sl_diff_run_t *r = df->runs;
    size_t lo = 0, hi = df->nruns;
    while (lo < hi) { /* the first run that ends at or after first */
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].last < first) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    unsigned v = PATCH_SEEN | (hits > 0 ? PATCH_HIT : 0);
    for (size_t k = lo; k < df->nruns && r[k].first <= last; k++) {
        uint64_t a = first > r[k].first ? first : r[k].first;
        uint64_t b = last < r[k].last ? last : r[k].last;
        p->marks_made += b - a + 1;
        if (p->marks_made > SL_PATCH_MARKS_MAX) {
            return SL_ETOOBIG;
        }
        uint64_t i = p->cum[p->roff[f] + k] + (a - r[k].first);
        for (uint64_t end = i + (b - a) + 1; i < end; i++) {
            patch_set(p->marks, i, v);
        }
    }
    return SL_OK;
}

int
sl_patch_line(void *ctx, const char *path, uint64_t first, uint64_t last,
              uint64_t hits)
{
    sl_patch_t *p = ctx;
    size_t len = strlen(path);
    if (!p->has_last || len != p->last_len || memcmp(path, p->last, len) != 0) {
        int rc = patch_resolve(p, path, len);
        if (rc != SL_OK) {
            return rc;
        }
    }
    for (size_t t = 0; t < p->ntargets && first <= last; t++) {
        int rc = patch_mark(p, p->targets[t], first, last, hits);
        if (rc != SL_OK) {
            return rc;
        }
    }
    return SL_OK;
}

/* ---- the sink and the result --------------------------------------------- */

static int
patch_emit(void *ctx, const sl_pb_event_t *ev)
{
    sl_patch_t *p = ctx;
    if (ev->body_case == SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL) {
        p->reports++;
    }
    return p->inner.emit != NULL ? p->inner.emit(p->inner.ctx, ev) : SL_OK;
}

void
sl_patch_sink(sl_patch_t *p, const sl_sink_t *inner, sl_sink_t *out)
{
    memset(&p->inner, 0, sizeof p->inner);
    if (inner != NULL) {
        p->inner.ctx = inner->ctx;
        p->inner.emit = inner->emit;
    }
    out->ctx = p;
    out->emit = patch_emit;
    out->line_ctx = p;
    out->line = sl_patch_line;
}

uint64_t
sl_patch_reports(const sl_patch_t *p)
{
    return p->reports;
}

int
sl_patch_result(const sl_patch_t *p, Sluice__V1__PatchCoverage *out,
                sl_err_t *err)
{
    sluice__v1__patch_coverage__init(out);
    if (p->reports == 0) {
        return sl_err_set(err, SL_EINVAL,
                          "--diff: no coverage report among the files "
                          "(patch coverage needs one: cobertura, jacoco, "
                          "lcov or gocover)");
    }
    uint64_t lines = sl_diff_lines_added(p->diff), seen = 0, hit = 0;
    for (uint64_t i = 0; i < lines; i++) {
        unsigned v = (unsigned)(p->marks[i / 4] >> (i % 4 * 2)) & 3u;
        seen += (v & PATCH_SEEN) != 0;
        hit += (v & PATCH_HIT) != 0;
    }
    out->lines_added = lines;
    out->lines_coverable = seen;
    out->lines_covered = hit;
    out->files = p->nfiles > UINT32_MAX ? UINT32_MAX : (uint32_t)p->nfiles;
    return SL_OK;
}

void
sl_patch_event(sl_pb_event_t *ev, Sluice__V1__PatchCoverage *pc)
{
    sluice__v1__event__init(ev);
    ev->stream = SL_STREAM_PATCH;
    ev->body_case = SLUICE__V1__EVENT__BODY_PATCH;
    ev->patch = pc;
}
