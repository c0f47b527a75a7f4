/* Per-file coverage tables of the line-based formats (covtab.h). */
#include "covtab.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#define COVTAB_SET_MIN 16u /* slots of a set's first table */

void
sl_covtab_init(sl_covtab_t *t)
{
    memset(t, 0, sizeof *t);
}

static void
covtab_file_fini(sl_covfile_t *f)
{
    free(f->path);
    free(f->lines);
    free(f->fns.v);
    free(f->brs.v);
    free(f->blocks.slots);
}

void
sl_covtab_fini(sl_covtab_t *t)
{
    for (size_t i = 0; i < t->nfiles; i++) {
        covtab_file_fini(&t->files[i]);
    }
    free(t->files);
    free(t->index.slots);
    sl_covtab_init(t);
}

/* Charges n more bytes to the budget. */
static int
covtab_charge(sl_covtab_t *t, size_t n)
{
    if (n > SL_COVTAB_MEM_MAX - t->mem) {
        return SL_ETOOBIG;
    }
    t->mem += n;
    return SL_OK;
}

/* splitmix64's finalizer: every input bit moves every output bit. */
static uint64_t
covtab_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

void
sl_covtab_hash(const char *s, size_t len, uint64_t *h1, uint64_t *h2)
{
    /* Two lanes with unrelated seeds, fed the same words. */
    uint64_t a = covtab_mix(UINT64_C(0x243f6a8885a308d3) ^ (uint64_t)len);
    uint64_t b = covtab_mix(UINT64_C(0x13198a2e03707344) ^ (uint64_t)len);
    for (; len >= 8; s += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        a = covtab_mix(a ^ w);
        b = covtab_mix(b + w) ^ (b >> 17);
    }
    uint64_t w = 0;
    memcpy(&w, s, len);
    *h1 = covtab_mix(a ^ w ^ ((uint64_t)len << 59));
    *h2 = covtab_mix(b + w + ((uint64_t)len << 61));
}

static uint32_t
covtab_slot(const sl_covset_t *s, uint64_t a, uint64_t b)
{
    return (uint32_t)covtab_mix(a ^ covtab_mix(b)) & (s->cap - 1);
}

/* Doubles s (or gives it its first table), rehashing what it holds. */
static int
covtab_grow(sl_covtab_t *t, sl_covset_t *s)
{
    uint32_t cap = s->cap == 0 ? COVTAB_SET_MIN : s->cap * 2;
    if (cap == 0 || covtab_charge(t, (size_t)(cap - s->cap) *
                                         sizeof(sl_covent_t)) != SL_OK) {
        return SL_ETOOBIG;
    }
    sl_covent_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) {
        return SL_ENOMEM;
    }
    sl_covset_t n = {slots, cap, s->n};
    for (uint32_t i = 0; i < s->cap; i++) {
        const sl_covent_t *e = &s->slots[i];
        if (e->used) {
            uint32_t j = covtab_slot(&n, e->a, e->b);
            while (slots[j].used) {
                j = (j + 1) & (cap - 1);
            }
            slots[j] = *e;
        }
    }
    free(s->slots);
    *s = n;
    return SL_OK;
}

int
sl_covtab_put(sl_covtab_t *t, sl_covset_t *s, uint64_t a, uint64_t b,
              uint32_t **val, int *added)
{
    /* At most half full: probes stay short. */
    if (s->n >= s->cap / 2) {
        int rc = covtab_grow(t, s);
        if (rc != SL_OK) {
            return rc;
        }
    }
    uint32_t j = covtab_slot(s, a, b);
    for (;; j = (j + 1) & (s->cap - 1)) {
        sl_covent_t *e = &s->slots[j];
        if (!e->used) {
            e->used = 1;
            e->a = a;
            e->b = b;
            e->val = 0;
            s->n++;
            *val = &e->val;
            *added = 1;
            return SL_OK;
        }
        if (e->a == a && e->b == b) {
            *val = &e->val;
            *added = 0;
            return SL_OK;
        }
    }
}

static int
covtab_add_file(sl_covtab_t *t, const char *path, size_t len)
{
    if (t->nfiles == t->cap) {
        size_t cap = t->cap == 0 ? 64 : t->cap * 2;
        if (covtab_charge(t, (cap - t->cap) * sizeof(sl_covfile_t)) !=
            SL_OK) {
            return SL_ETOOBIG;
        }
        sl_covfile_t *files = realloc(t->files, cap * sizeof *files);
        if (files == NULL) {
            return SL_ENOMEM;
        }
        t->files = files;
        t->cap = cap;
    }
    if (covtab_charge(t, len + 1) != SL_OK) {
        return SL_ETOOBIG;
    }
    sl_covfile_t *f = &t->files[t->nfiles];
    memset(f, 0, sizeof *f);
    f->path = malloc(len + 1);
    if (f->path == NULL) {
        return SL_ENOMEM;
    }
    memcpy(f->path, path, len);
    f->path[len] = '\0';
    f->path_len = len;
    t->nfiles++;
    return SL_OK;
}

int
sl_covtab_file(sl_covtab_t *t, const char *path, size_t len, size_t *idx)
{
    uint64_t a, b;
    sl_covtab_hash(path, len, &a, &b);
    uint32_t *val;
    int added;
    int rc = sl_covtab_put(t, &t->index, a, b, &val, &added);
    if (rc != SL_OK) {
        return rc;
    }
    if (added) {
        rc = covtab_add_file(t, path, len);
        if (rc != SL_OK) {
            return rc; /* the parse fails: t is only freed from now on */
        }
        *val = (uint32_t)(t->nfiles - 1);
    }
    const sl_covfile_t *f = &t->files[*val];
    if (f->path_len != len || memcmp(f->path, path, len) != 0) {
        return SL_EINPUT; /* two paths with one 128-bit hash: unheard of */
    }
    *idx = *val;
    return SL_OK;
}

int
sl_covtab_lines(sl_covtab_t *t, sl_covfile_t *f, uint64_t line)
{
    uint64_t need = line / 4 + 1;
    if (need <= f->lines_bytes) {
        return SL_OK;
    }
    if (need > SL_COVTAB_MEM_MAX) {
        return SL_ETOOBIG;
    }
    size_t bytes = f->lines_bytes * 2 > need ? f->lines_bytes * 2 : need;
    bytes = bytes < 64 ? 64 : bytes;
    if (covtab_charge(t, bytes - f->lines_bytes) != SL_OK) {
        return SL_ETOOBIG;
    }
    uint8_t *p = realloc(f->lines, bytes);
    if (p == NULL) {
        return SL_ENOMEM;
    }
    memset(p + f->lines_bytes, 0, bytes - f->lines_bytes);
    f->lines = p;
    f->lines_bytes = bytes;
    return SL_OK;
}

int
sl_covtab_run_add(sl_covtab_t *t, sl_covrun_t *r, uint64_t a, uint64_t b,
                  uint32_t val)
{
    if (r->n == r->cap) {
        size_t cap = r->cap == 0 ? 256 : r->cap * 2;
        if (covtab_charge(t, (cap - r->cap) * sizeof(sl_covent_t)) != SL_OK) {
            return SL_ETOOBIG;
        }
        sl_covent_t *v = realloc(r->v, cap * sizeof *v);
        if (v == NULL) {
            return SL_ENOMEM;
        }
        r->v = v;
        r->cap = cap;
    }
    if (r->n > 0) {
        const sl_covent_t *last = &r->v[r->n - 1];
        r->unsorted |= last->a > a || (last->a == a && last->b > b);
    }
    sl_covent_t *e = &r->v[r->n++];
    e->a = a;
    e->b = b;
    e->val = val;
    e->used = 1;
    return SL_OK;
}

void
sl_covtab_run_fini(sl_covrun_t *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

static int
covtab_cmp(const void *x, const void *y)
{
    const sl_covent_t *p = x, *q = y;
    if (p->a != q->a) {
        return p->a < q->a ? -1 : 1;
    }
    return p->b < q->b ? -1 : p->b > q->b;
}

/* Sorts v[n]: insertion sort for the short runs most records have (no
 * call per comparison, no allocation), qsort beyond. */
static void
covtab_sort(sl_covent_t *v, size_t n)
{
    if (n > 64) {
        qsort(v, n, sizeof *v, covtab_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        sl_covent_t e = v[i];
        size_t j = i;
        for (; j > 0 && (v[j - 1].a > e.a ||
                         (v[j - 1].a == e.a && v[j - 1].b > e.b));
             j--) {
            v[j] = v[j - 1];
        }
        v[j] = e;
    }
}

/* Sorts r and folds the entries of one key into its first. */
static void
covtab_run_fold(sl_covrun_t *r)
{
    if (r->unsorted) {
        covtab_sort(r->v, r->n);
    }
    size_t j = 0;
    for (size_t i = 1; i < r->n; i++) {
        if (r->v[i].a == r->v[j].a && r->v[i].b == r->v[j].b) {
            r->v[j].val |= r->v[i].val & 1u;
        } else {
            r->v[++j] = r->v[i];
        }
    }
    r->n = r->n > 0 ? j + 1 : 0;
    r->unsorted = 0;
}

/* Merges the sorted, folded y[ny] into x, which holds nx such entries at
 * its front and has room for nx + ny: from the back, so nothing is
 * overwritten before it is read. The result is x[0, *keep) followed by
 * x[from, nx + ny), from being returned: keys in both leave a gap between.
 * Keys only in y count as new; a key hit in y only becomes hit. */
static size_t
covtab_merge(sl_covent_t *x, size_t nx, const sl_covent_t *y, size_t ny,
             size_t *keep, uint64_t *valid, uint64_t *covered)
{
    size_t i = nx, j = ny, out = nx + ny;
    while (j > 0) {
        int c = i == 0 ? -1 : covtab_cmp(&x[i - 1], &y[j - 1]);
        if (c > 0) {
            x[--out] = x[--i];
            continue;
        }
        const sl_covent_t *e = &y[--j];
        uint32_t w = e->val >> 1;
        if (c < 0) {
            *valid += w;
            *covered += (e->val & 1u) ? w : 0;
            x[--out] = *e;
            continue;
        }
        sl_covent_t m = x[--i];
        *covered += (e->val & ~m.val & 1u) ? m.val >> 1 : 0;
        m.val |= e->val & 1u;
        x[--out] = m;
    }
    *keep = i; /* what is left of x is in place already */
    return out;
}

int
sl_covtab_run_merge(sl_covtab_t *t, sl_covrun_t *r, sl_covarr_t *into,
                    uint64_t *valid, uint64_t *covered)
{
    covtab_run_fold(r);
    if (r->n == 0) {
        return SL_OK;
    }
    size_t most = into->n + r->n;
    if (covtab_charge(t, r->n * sizeof(sl_covent_t)) != SL_OK) {
        return SL_ETOOBIG;
    }
    sl_covent_t *v = realloc(into->v, most * sizeof *v);
    if (v == NULL) {
        return SL_ENOMEM;
    }
    size_t keep;
    size_t from = covtab_merge(v, into->n, r->v, r->n, &keep, valid, covered);
    size_t n = keep + (most - from);
    if (n < most) {
        /* Keys in both: close the gap they left and give the room back
         * (a shrink in place: no copy). */
        memmove(v + keep, v + from, (most - from) * sizeof *v);
        sl_covent_t *fit = realloc(v, n * sizeof *v);
        v = fit != NULL ? fit : v;
        t->mem -= fit != NULL ? (most - n) * sizeof *v : 0;
    }
    into->v = v;
    into->n = n;
    r->n = 0;
    return SL_OK;
}

static void
covtab_record(Sluice__V1__Coverage *c, const sl_covfile_t *f)
{
    c->lines_valid = f->lines_valid;
    c->lines_covered = f->lines_covered;
    c->branches_valid = f->branches_valid;
    c->branches_covered = f->branches_covered;
    c->functions_valid = f->functions_valid;
    c->functions_covered = f->functions_covered;
}

int
sl_covtab_emit(const sl_covtab_t *t, const sl_sink_t *sink, int skip_empty)
{
    sl_covfile_t sum;
    memset(&sum, 0, sizeof sum);
    uint64_t files = 0;
    for (size_t i = 0; i < t->nfiles; i++) {
        const sl_covfile_t *f = &t->files[i];
        if (skip_empty && f->lines_valid == 0) {
            continue;
        }
        Sluice__V1__Coverage c;
        sluice__v1__coverage__init(&c);
        c.path = f->path;
        covtab_record(&c, f);
        int rc = sl_sink_emit(sink, SLUICE__V1__EVENT__BODY_COVERAGE_FILE, &c);
        if (rc != SL_OK) {
            return rc;
        }
        sum.lines_valid += f->lines_valid;
        sum.lines_covered += f->lines_covered;
        sum.branches_valid += f->branches_valid;
        sum.branches_covered += f->branches_covered;
        sum.functions_valid += f->functions_valid;
        sum.functions_covered += f->functions_covered;
        files++;
    }
    Sluice__V1__Coverage total;
    sluice__v1__coverage__init(&total);
    covtab_record(&total, &sum);
    total.files = files;
    return sl_sink_emit(sink, SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL, &total);
}

const char *
sl_covtab_why(int rc, const char *kept, char *buf, size_t cap)
{
    if (rc == SL_ETOOBIG) {
        (void)snprintf(buf, cap,
                       "coverage tables over %u bytes (%s kept to merge "
                       "them)",
                       SL_COVTAB_MEM_MAX, kept);
    } else {
        (void)snprintf(buf, cap, "%s",
                       rc == SL_EINPUT ? "two paths with one hash"
                                       : "out of memory");
    }
    return buf;
}
