/* Folding events into the gate's state and judging runs: per-run notes
 * (failed and flaky tests, findings' fingerprints), per-test history,
 * baseline indexes, pins, early verdicts, final verdicts and alerts.
 * docs/gate.md describes what each rule compares with. */
#include "gate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sluice/batch.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/policy.h"
#include "sluice/run.h"
#include "sluice/stats.h"

#define KEY_PART_MAX 255   /* bytes of a copied name (base_t) */
#define KEY_PART_KEEP 96   /* bytes of one key part (longer: hashed) */
#define BASE_RUNS_MAX 100  /* baseline runs loaded at most */
#define CP_SERIES 50       /* change points: the last values searched */
#define CP_ALPHA 0.001     /* docs/gate.md, Change points */
#define CP_MIN_SIZE 3
#define FLIP_MIN_HISTORY 5 /* baseline outcomes before flips count */
#define RING 4             /* commits remembered per test */
#define UNCONST(p) ((void *)(uintptr_t)(p))

/* ---- keys: parts joined by NUL, numbers big-endian ---- */

typedef struct gkey {
    uint8_t b[511]; /* LMDB's largest key */
    size_t n;
} gkey_t;

/* Appends s and a NUL. A part longer than KEY_PART_KEEP bytes is stored as
 * its first KEY_PART_KEEP - 33 bytes, '#' and the hex BLAKE2b-128 of the
 * whole: keys of four parts and a number stay far below LMDB's 511-byte
 * limit (a longer key fails the put and, with it, the whole fold), and
 * distinct long strings stay distinct. */
static gkey_t *
gk_str(gkey_t *k, const char *s)
{
    size_t len = strlen(s);
    char part[KEY_PART_KEEP + 1];
    if (len > KEY_PART_KEEP) {
        uint8_t d[16];
        (void)crypto_generichash(d, sizeof d, (const uint8_t *)s, len, NULL,
                                 0);
        size_t keep = KEY_PART_KEEP - 33;
        memcpy(part, s, keep);
        part[keep] = '#';
        for (size_t i = 0; i < sizeof d; i++) {
            (void)snprintf(part + keep + 1 + 2 * i, 3, "%02x", d[i]);
        }
        s = part;
        len = KEY_PART_KEEP;
    }
    if (k->n + len + 1 <= sizeof k->b) {
        memcpy(k->b + k->n, s, len);
        k->b[k->n + len] = '\0';
        k->n += len + 1;
    }
    return k;
}

static gkey_t *
gk_u64(gkey_t *k, uint64_t v)
{
    if (k->n + 8 <= sizeof k->b) {
        sl_be64_put(k->b + k->n, v);
        k->n += 8;
    }
    return k;
}

static sl_val_t
gk_val(const gkey_t *k)
{
    return (sl_val_t){k->b, k->n};
}

static void
fail_txn(sl_txn_t *txn, int rc)
{
    if (txn->rc == SL_OK) {
        txn->rc = rc;
    }
}

static void
put_packed(sl_txn_t *txn, int db, const gkey_t *key, const ProtobufCMessage *m)
{
    size_t n;
    uint8_t *buf = sl_wire_pack(m, &n);
    if (buf == NULL) {
        fail_txn(txn, SL_ENOMEM);
        return;
    }
    sl_val_t k = gk_val(key), v = {buf, n};
    sl_store_put(txn, db, &k, &v, 0);
    free(buf);
}

/* ---- the run's policy ---- */

static void
policy_of(const gate_t *g, const sl_pb_run_t *r, sl_policy_t *p)
{
    sl_policy_resolve(g->cfg->policy_set, r->meta->project, r->meta->branch,
                      &g->cfg->overrides, g->cfg->overrides_mask, p);
}

static const char *
base_branch_of(const sl_pb_run_t *r, const sl_policy_t *p)
{
    return r->meta->base_branch[0] != '\0' ? r->meta->base_branch
                                           : p->baseline_branch;
}

static int
on_base_branch(const sl_pb_run_t *r, const sl_policy_t *p)
{
    return r->meta->branch[0] != '\0' &&
           strcmp(r->meta->branch, p->baseline_branch) == 0;
}

/* ---- notes ---- */

static sl_pb_gate_notes_t *
load_notes(sl_txn_t *txn, const char *run_id)
{
    gkey_t k = {0};
    sl_val_t key = gk_val(gk_str(&k, run_id)), v;
    void *m = NULL;
    if (sl_store_get(txn, GDB_NOTES, &key, &v) == SL_OK &&
        sl_wire_unpack(&sluice__v1__gate_notes__descriptor, v.data, v.len,
                       &m, NULL) == SL_OK) {
        return m;
    }
    sl_pb_gate_notes_t *n = malloc(sizeof *n);
    if (n != NULL) {
        sluice__v1__gate_notes__init(n);
    }
    return n;
}

static void
save_notes(sl_txn_t *txn, const char *run_id, const sl_pb_gate_notes_t *n)
{
    gkey_t k = {0};
    put_packed(txn, GDB_NOTES, gk_str(&k, run_id), &n->base);
}

static int
add_note(sl_pb_gate_notes_t *n, const char *id,
         Sluice__V1__TestStatus status, sl_flaky_why_t flaky, double flips)
{
    if (n->n_tests >= SL_JUDGE_TESTS_MAX) {
        n->tests_more += status == SLUICE__V1__TEST_STATUS__TEST_FAILED ||
                         status == SLUICE__V1__TEST_STATUS__TEST_ERRORED;
        return SL_OK;
    }
    Sluice__V1__GateTest *t = malloc(sizeof *t);
    Sluice__V1__GateTest **na =
        realloc(n->tests, (n->n_tests + 1) * sizeof *na);
    if (na != NULL) {
        n->tests = na;
    }
    if (t == NULL || na == NULL) {
        free(t);
        return SL_ENOMEM;
    }
    sluice__v1__gate_test__init(t);
    t->id = strdup(id);
    t->status = status;
    t->flaky = flaky;
    t->flip_rate = flaky == SL_FLAKY_FLIPS ? flips : 0;
    if (t->id == NULL) {
        free(t);
        return SL_ENOMEM;
    }
    n->tests[n->n_tests++] = t;
    return SL_OK;
}

/* ---- per-test history: baseline outcomes and outcomes per commit ---- */

/* The outcomes of a test on one commit. */
typedef struct slot {
    char commit[65];
    uint8_t flags;     /* 1: passed, 2: failed */
    uint64_t pass_run; /* tag of the run that first passed it here */
    uint64_t fail_run; /* and of the one that first failed it */
} slot_t;

typedef struct thist {
    uint8_t version; /* 2 */
    uint8_t n;       /* baseline outcomes in bits (at most 64) */
    uint8_t nring;
    uint8_t pad;
    uint64_t bits;   /* newest in bit 0; 1: failed */
    slot_t ring[RING]; /* newest first */
} thist_t;

enum { SEEN_PASS = 1, SEEN_FAIL = 2 };

static void
load_hist(sl_txn_t *txn, const gkey_t *k, thist_t *h)
{
    sl_val_t key = gk_val(k), v;
    memset(h, 0, sizeof *h);
    if (sl_store_get(txn, GDB_TESTS, &key, &v) == SL_OK &&
        v.len == sizeof *h) {
        memcpy(h, v.data, sizeof *h);
    }
    if (h->version != 2 || h->n > 64 || h->nring > RING) {
        memset(h, 0, sizeof *h);
    }
    h->version = 2;
}

/* A run's tag in the ring: 8 bytes of the BLAKE2b of its id, never 0. */
static uint64_t
run_tag(const char *run_id)
{
    uint8_t d[16];
    uint64_t t;
    (void)crypto_generichash(d, sizeof d, (const uint8_t *)run_id,
                             strlen(run_id), NULL, 0);
    memcpy(&t, d, sizeof t);
    return t != 0 ? t : 1;
}

/* The ring slot of commit, made the newest (a new one when absent). */
static slot_t *
commit_slot(thist_t *h, const char *commit)
{
    size_t i = 0;
    while (i < h->nring && strncmp(h->ring[i].commit, commit, 64) != 0) {
        i++;
    }
    if (i == h->nring) {
        if (h->nring < RING) {
            h->nring++;
        }
        i = h->nring - 1u;
        memset(&h->ring[i], 0, sizeof h->ring[i]);
        (void)snprintf(h->ring[i].commit, sizeof h->ring[i].commit, "%s",
                       commit);
    }
    thist_t t = *h;
    memmove(&h->ring[1], &h->ring[0], i * sizeof h->ring[0]);
    h->ring[0] = t.ring[i];
    return &h->ring[0];
}

/* Share of flips between consecutive baseline outcomes, over the last
 * window ones; -1 with too little history. */
static double
flip_rate(const thist_t *h, uint32_t window)
{
    uint32_t w = h->n < window ? h->n : window;
    if (w < FLIP_MIN_HISTORY) {
        return -1;
    }
    uint64_t x = (h->bits ^ (h->bits >> 1)) &
                 (w - 1 >= 64 ? UINT64_MAX : ((1ull << (w - 1)) - 1));
    return (double)__builtin_popcountll(x) / (double)(w - 1);
}

static int
is_failure(Sluice__V1__TestStatus s)
{
    return s == SLUICE__V1__TEST_STATUS__TEST_FAILED ||
           s == SLUICE__V1__TEST_STATUS__TEST_ERRORED;
}

/* Records a test's outcome in its history and notes it when it failed or
 * is flaky. */
static void
note_test(gate_t *g, sl_txn_t *txn, const sl_pb_run_t *r,
          const sl_policy_t *p, uint64_t me, sl_pb_gate_notes_t *notes,
          const Sluice__V1__TestCase *tc)
{
    (void)g;
    if (tc->status == SLUICE__V1__TEST_STATUS__TEST_SKIPPED ||
        r->meta->project[0] == '\0') {
        return; /* no history without the run's meta */
    }
    const char *id = tc->id[0] != '\0' ? tc->id : tc->name;
    int failed = is_failure(tc->status);
    gkey_t k = {0};
    gk_str(gk_str(gk_str(&k, r->meta->project), r->meta->runner), id);
    thist_t h;
    load_hist(txn, &k, &h);
    double flips = flip_rate(&h, p->flaky_window);
    /* the other outcome seen on this commit by another run (of this
     * runner class: the key has it); the run's own outcomes (one suite in
     * two files) are no rerun */
    uint8_t seen = 0;
    if (r->meta->commit[0] != '\0') {
        slot_t *sl = commit_slot(&h, r->meta->commit);
        seen |= (sl->flags & SEEN_PASS) && sl->pass_run != me ? SEEN_PASS : 0;
        seen |= (sl->flags & SEEN_FAIL) && sl->fail_run != me ? SEEN_FAIL : 0;
        if (!(sl->flags & (failed ? SEEN_FAIL : SEEN_PASS))) {
            *(failed ? &sl->fail_run : &sl->pass_run) = me;
        }
        sl->flags |= failed ? SEEN_FAIL : SEEN_PASS;
    }
    if (on_base_branch(r, p)) {
        h.bits = (h.bits << 1) | (failed ? 1u : 0u);
        h.n = h.n < 64 ? (uint8_t)(h.n + 1) : 64;
    }
    sl_val_t key = gk_val(&k), v = {&h, sizeof h};
    sl_store_put(txn, GDB_TESTS, &key, &v, 0);
    sl_flaky_why_t why = SL_FLAKY_NOT;
    if (tc->flaky) {
        why = SL_FLAKY_RERUN;
    } else if (failed && (seen & SEEN_PASS)) {
        why = SL_FLAKY_SAME_COMMIT;
    } else if (!failed && (seen & SEEN_FAIL)) {
        why = SL_FLAKY_SAME_COMMIT;
    } else if (failed && p->flaky_flip_rate > 0 &&
               flips >= p->flaky_flip_rate) {
        why = SL_FLAKY_FLIPS;
    }
    if ((failed || why != SL_FLAKY_NOT) &&
        add_note(notes, id, tc->status, why, flips) != SL_OK) {
        fail_txn(txn, SL_ENOMEM);
    }
}

/* ---- baselines ---- */

typedef struct base {
    sl_pb_run_t *runs[BASE_RUNS_MAX];
    size_t n;
    Sluice__V1__Baseline about;
    char *ids[BASE_RUNS_MAX];
    char branch[300], runner[300]; /* about's (meta strings are <= 256) */
} base_t;

static void
base_free(base_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        sl_run_free(&b->runs[i]);
    }
    b->n = 0;
}

static sl_pb_run_t *
get_run(sl_txn_t *txn, const char *run_id)
{
    sl_val_t k = {run_id, strlen(run_id)}, v;
    sl_pb_run_t *r = NULL;
    if (sl_store_get(txn, GDB_RUNS, &k, &v) == SL_OK &&
        sl_run_decode(v.data, v.len, &r, NULL) != SL_OK) {
        r = NULL;
    }
    return r;
}

/* The pin in force for the run's project and runner (its own class
 * first, then any), or NULL. */
static sl_pb_run_t *
pinned_run(sl_txn_t *txn, const sl_pb_run_t *r)
{
    const char *runners[] = {r->meta->runner, ""};
    for (size_t i = 0; i < 2; i++) {
        gkey_t k = {0};
        sl_val_t key = gk_val(gk_str(gk_str(&k, r->meta->project),
                                     runners[i])),
                 v;
        if (sl_store_get(txn, GDB_PINS, &key, &v) == SL_OK) {
            char id[300];
            (void)snprintf(id, sizeof id, "%.*s", (int)v.len,
                           (const char *)v.data);
            return get_run(txn, id);
        }
        if (runners[0][0] == '\0') {
            break;
        }
    }
    return NULL;
}

static uint64_t
finish_lsn_of(sl_txn_t *txn, const char *run_id)
{
    sl_pb_gate_notes_t *n = load_notes(txn, run_id);
    uint64_t lsn = n != NULL ? n->finish_lsn : 0;
    sl_wire_free(&n);
    return lsn;
}

/* Loads up to want runs of the index prefix (project, branch, runner)
 * finished at or before limit, newest first, skipping skip_id. */
static void
walk_index(sl_txn_t *txn, const gkey_t *prefix, uint64_t limit,
           const char *skip_id, size_t want, base_t *b)
{
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    gkey_t seek = *prefix;
    gk_u64(&seek, limit == UINT64_MAX ? limit : limit + 1);
    sl_val_t sk = gk_val(&seek);
    if (sl_cursor_open(txn, GDB_BASE, &cur) != SL_OK) {
        return;
    }
    int rc = sl_cursor_seek(&cur, SL_SEEK_GE, &sk, &k, &v);
    rc = rc == SL_OK ? sl_cursor_prev(&cur, &k, &v)
                     : sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v);
    while (rc == SL_OK && b->n < want) {
        if (k.len != prefix->n + 8 ||
            memcmp(k.data, prefix->b, prefix->n) != 0) {
            break;
        }
        char id[300];
        (void)snprintf(id, sizeof id, "%.*s", (int)v.len,
                       (const char *)v.data);
        if (strcmp(id, skip_id) != 0) {
            sl_pb_run_t *r = get_run(txn, id);
            if (r != NULL) {
                b->runs[b->n++] = r;
            }
        }
        rc = sl_cursor_prev(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
}

/* How many baseline runs to load: the largest window any rule of p needs,
 * four times over (runs of the branch that lack a benchmark, coverage or a
 * scan are skipped by the rules that need them: a window counts the runs
 * that carry it), at least the change-point series, at most
 * BASE_RUNS_MAX. */
static size_t
window_of(const sl_policy_t *p, int for_change_points)
{
    size_t w = p->bench_default.window;
    for (size_t i = 0; i < p->n_bench; i++) {
        w = p->bench[i].window > w ? p->bench[i].window : w;
    }
    w = w < 1 ? 4 : 4 * w;
    w = for_change_points && w < CP_SERIES ? CP_SERIES : w;
    return w > BASE_RUNS_MAX ? BASE_RUNS_MAX : w;
}

/* The newest baseline run that carries a security scan: what new findings
 * are new against. NULL: none (every finding is new). */
static const sl_pb_run_t *
findings_base(const base_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const sl_pb_run_t *r = b->runs[i];
        for (size_t k = 0; k < r->n_artifacts; k++) {
            if (strcmp(r->artifacts[k]->format, "sarif") == 0) {
                return r;
            }
        }
    }
    return NULL;
}

/* Finds the baseline of r: the pinned run and the runs before it on its
 * branch; else the runs of the baseline branch up to r's merge-base when
 * a run of that commit is known; else the latest ones. */
static void
find_baseline(sl_txn_t *txn, const sl_pb_run_t *r, const sl_policy_t *p,
              size_t want, base_t *b)
{
    memset(b, 0, sizeof *b);
    sluice__v1__baseline__init(&b->about);
    const char *branch = base_branch_of(r, p);
    const char *runner = r->meta->runner;
    uint64_t limit = UINT64_MAX;
    sl_pb_run_t *pin = pinned_run(txn, r);
    if (pin != NULL) {
        limit = finish_lsn_of(txn, pin->run_id);
        b->about.pinned = limit != 0;
        if (b->about.pinned) {
            branch = pin->meta->branch; /* the runner stays the run's own */
        }
    }
    /* copies: pin is freed below */
    (void)snprintf(b->branch, sizeof b->branch, "%s", branch);
    (void)snprintf(b->runner, sizeof b->runner, "%s", runner);
    branch = b->branch;
    runner = b->runner;
    if (!b->about.pinned && r->meta->base_commit[0] != '\0') {
        gkey_t k = {0};
        gk_str(gk_str(gk_str(gk_str(&k, r->meta->project), branch), runner),
               r->meta->base_commit);
        sl_val_t key = gk_val(&k), v;
        if (sl_store_get(txn, GDB_COMMITS, &key, &v) == SL_OK && v.len == 8) {
            limit = sl_be64_get(v.data);
            b->about.base_found = 1;
        }
    }
    gkey_t prefix = {0};
    gk_str(gk_str(gk_str(&prefix, r->meta->project), branch), runner);
    walk_index(txn, &prefix, limit, r->run_id, want, b);
    sl_run_free(&pin);
    /* about: borrowed strings, valid while b->runs and r live */
    b->about.branch = UNCONST(branch);
    b->about.runner = UNCONST(runner);
    b->about.base_commit = r->meta->base_commit;
    for (size_t i = 0; i < b->n; i++) {
        b->ids[i] = b->runs[i]->run_id;
    }
    b->about.run_ids = b->ids;
    b->about.n_run_ids = b->n;
    if (b->n > 0) {
        b->about.commit = b->runs[0]->meta->commit;
        b->about.finished_us = b->runs[0]->finished_us;
    }
}

/* Adds r to the baseline indexes of its project, branch and runner. */
static void
index_run(sl_txn_t *txn, const sl_pb_run_t *r, uint64_t finish_lsn)
{
    gkey_t k = {0};
    gk_str(gk_str(gk_str(&k, r->meta->project), r->meta->branch),
           r->meta->runner);
    gkey_t c = k;
    gk_u64(&k, finish_lsn);
    sl_val_t key = gk_val(&k), v = {r->run_id, strlen(r->run_id)};
    sl_store_put(txn, GDB_BASE, &key, &v, 0);
    if (r->meta->commit[0] != '\0') {
        uint8_t be[8];
        sl_be64_put(be, finish_lsn);
        gk_str(&c, r->meta->commit);
        sl_val_t ck = gk_val(&c), cv = {be, 8};
        sl_store_put(txn, GDB_COMMITS, &ck, &cv, 0);
    }
}

/* Findings of run_id whose fingerprint base_id lacks, by severity. */
static void
count_new_findings(sl_txn_t *txn, const char *run_id, const char *base_id,
                   uint64_t out[5])
{
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    gkey_t prefix = {0};
    gk_str(&prefix, run_id);
    sl_val_t pk = gk_val(&prefix);
    memset(out, 0, 5 * sizeof *out);
    if (sl_cursor_open(txn, GDB_FP, &cur) != SL_OK) {
        return;
    }
    int rc = sl_cursor_seek(&cur, SL_SEEK_GE, &pk, &k, &v);
    while (rc == SL_OK && k.len > prefix.n &&
           memcmp(k.data, prefix.b, prefix.n) == 0) {
        gkey_t bk = {0};
        gk_str(&bk, base_id);
        size_t fl = k.len - prefix.n;
        if (bk.n + fl <= sizeof bk.b) {
            memcpy(bk.b + bk.n, (const uint8_t *)k.data + prefix.n, fl);
            bk.n += fl;
        }
        sl_val_t bkey = gk_val(&bk), bv;
        if (sl_store_get(txn, GDB_FP, &bkey, &bv) == SL_ENOTFOUND &&
            v.len == 1 && ((const uint8_t *)v.data)[0] < 5) {
            out[((const uint8_t *)v.data)[0]]++;
        }
        rc = sl_cursor_next(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
}

/* ---- pending sends: one Batch per (run, stream) ---- */

size_t
gate_pending_key(const char *run_id, uint64_t stream, uint8_t out[GATE_KEY_MAX])
{
    gkey_t k = {0};
    gk_u64(gk_str(&k, run_id), stream);
    memcpy(out, k.b, k.n);
    return k.n;
}

static void
put_pending(gate_t *g, sl_txn_t *txn, const char *run_id, uint64_t stream,
            sl_pb_event_t **evs, size_t n)
{
    sl_pb_batch_t b;
    sluice__v1__batch__init(&b);
    b.run_id = UNCONST(run_id);
    b.stream = stream;
    b.first_seq = 1;
    b.events = evs;
    b.n_events = n;
    gkey_t k = {0};
    gk_u64(gk_str(&k, run_id), stream);
    size_t len;
    uint8_t *buf = sl_wire_pack(&b.base, &len);
    if (buf == NULL) {
        fail_txn(txn, SL_ENOMEM);
        return;
    }
    sl_val_t key = gk_val(&k), v = {buf, len};
    sl_store_put(txn, GDB_PENDING, &key, &v, 0);
    /* also kept in memory, to be sent right after the commit */
    gate_fresh_t *na = realloc(g->fresh, (g->n_fresh + 1) * sizeof *na);
    if (na == NULL) {
        free(buf); /* sent on the resend tick instead */
        return;
    }
    g->fresh = na;
    g->fresh[g->n_fresh++] = (gate_fresh_t){buf, len, stream};
}

static void
put_pending_verdict(gate_t *g, sl_txn_t *txn, const char *run_id,
                    uint64_t stream, sl_pb_verdict_t *v)
{
    sl_pb_event_t ev, *evs[1] = {&ev};
    sluice__v1__event__init(&ev);
    ev.seq = 1;
    ev.body_case = SLUICE__V1__EVENT__BODY_VERDICT;
    ev.verdict = v;
    put_pending(g, txn, run_id, stream, evs, 1);
}

/* ---- early verdicts ---- */

/* An early fail: failed tests on a protected branch past the maximum
 * (flaky ones aside unless flaky tests fail), or critical findings past
 * theirs (new ones when only new ones count). Made once per run. */
static void
check_early(gate_t *g, sl_txn_t *txn, const sl_pb_run_t *r,
            const sl_policy_t *p, sl_pb_gate_notes_t *n)
{
    if (n->early_sent || r->state == SLUICE__V1__RUN_STATE__RUN_FINISHED) {
        return;
    }
    uint64_t failed = n->tests_more, errors = 0;
    for (size_t i = 0; i < n->n_tests; i++) {
        const Sluice__V1__GateTest *t = n->tests[i];
        if (t->flaky != SL_FLAKY_NOT && p->flaky == SL_FLAKY_WARN) {
            continue;
        }
        failed += t->status == SLUICE__V1__TEST_STATUS__TEST_FAILED;
        errors += t->status == SLUICE__V1__TEST_STATUS__TEST_ERRORED;
    }
    int prot = sl_policy_protected(p, r->meta->branch);
    uint64_t crit =
        p->count_findings == SL_COUNT_NEW ? n->new_critical : n->critical;
    char msg[300];
    const char *rule = NULL;
    double value = 0, threshold = 0;
    if (prot && p->max_failures != SL_POLICY_UNLIMITED &&
        failed > p->max_failures) {
        rule = "tests.failed";
        value = (double)failed;
        threshold = (double)p->max_failures;
        (void)snprintf(msg, sizeof msg,
                       "%llu test(s) failed on protected branch %s "
                       "(maximum %llu): nothing later can undo it",
                       (unsigned long long)failed, r->meta->branch,
                       (unsigned long long)p->max_failures);
    } else if (prot && p->max_errors != SL_POLICY_UNLIMITED &&
               errors > p->max_errors) {
        rule = "tests.errors";
        value = (double)errors;
        threshold = (double)p->max_errors;
        (void)snprintf(msg, sizeof msg,
                       "%llu test(s) errored on protected branch %s "
                       "(maximum %llu): nothing later can undo it",
                       (unsigned long long)errors, r->meta->branch,
                       (unsigned long long)p->max_errors);
    } else if (p->max_critical != SL_POLICY_UNLIMITED &&
               crit > p->max_critical) {
        rule = "findings.critical";
        value = (double)crit;
        threshold = (double)p->max_critical;
        (void)snprintf(msg, sizeof msg,
                       "%llu %scritical finding(s) (maximum %llu): nothing "
                       "later can undo it",
                       (unsigned long long)crit,
                       p->count_findings == SL_COUNT_NEW ? "new " : "",
                       (unsigned long long)p->max_critical);
    }
    if (rule == NULL) {
        return;
    }
    sl_pb_verdict_t v;
    Sluice__V1__Reason rs, *rp[1] = {&rs};
    sluice__v1__verdict__init(&v);
    sluice__v1__reason__init(&rs);
    rs.rule = UNCONST(rule);
    rs.message = msg;
    rs.value = value;
    rs.threshold = threshold;
    rs.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    v.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    v.early = 1;
    v.reasons = rp;
    v.n_reasons = 1;
    v.decided_lsn = r->last_lsn;
    SL_INFO("gate", "run %s: early fail (%s)", r->run_id, rule);
    put_pending_verdict(g, txn, r->run_id, SL_STREAM_EARLY, &v);
    n->early_sent = 1;
    if (g->on_verdict != NULL) {
        g->on_verdict(g->cb_ctx, r, &v);
    }
}

/* ---- alerts ---- */

typedef struct alerts {
    sl_pb_event_t *ev[64];
    size_t n;
} alerts_t;

static void
alert(alerts_t *a, const sl_pb_run_t *r, const char *kind,
      const char *subject, const Sluice__V1__Reason *why, const char *msg)
{
    if (a->n >= sizeof a->ev / sizeof a->ev[0]) {
        return;
    }
    Sluice__V1__Alert al;
    sluice__v1__alert__init(&al);
    al.kind = UNCONST(kind);
    al.project = r->meta->project;
    al.branch = r->meta->branch;
    al.commit = r->meta->commit;
    al.subject = UNCONST(subject);
    al.message = UNCONST(msg);
    al.reason = UNCONST(why);
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.seq = a->n + 1;
    ev.body_case = SLUICE__V1__EVENT__BODY_ALERT;
    ev.alert = &al;
    void *copy = NULL;
    if (sl_wire_clone(&ev.base, &copy) == SL_OK) {
        a->ev[a->n++] = copy;
    }
}

/* Change points of each benchmark of r over the baseline branch's series
 * (r newest): an alert for a change point not reported before. */
static void
change_points(sl_txn_t *txn, const sl_pb_run_t *r, const base_t *b,
              alerts_t *a)
{
    const sl_pb_run_t *series[CP_SERIES];
    double x[CP_SERIES];
    for (size_t bi = 0; bi < r->n_benchmarks; bi++) {
        const Sluice__V1__Benchmark *bm = r->benchmarks[bi];
        size_t n = 0;
        /* oldest first: the baseline runs reversed, then r */
        size_t take = b->n < CP_SERIES - 1 ? b->n : CP_SERIES - 1;
        for (size_t i = take; i-- > 0;) {
            for (size_t k = 0; k < b->runs[i]->n_benchmarks; k++) {
                const Sluice__V1__Benchmark *o = b->runs[i]->benchmarks[k];
                if (strcmp(o->name, bm->name) == 0 &&
                    strcmp(o->measure, bm->measure) == 0) {
                    series[n] = b->runs[i];
                    x[n++] = o->value;
                    break;
                }
            }
        }
        series[n] = r;
        x[n++] = bm->value;
        size_t idx[8], nidx = 0;
        if (sl_changepoints(x, n, CP_ALPHA, CP_MIN_SIZE, idx, 8, &nidx) !=
                SL_OK ||
            nidx == 0) {
            continue;
        }
        const sl_pb_run_t *at = series[idx[nidx - 1]];
        gkey_t k = {0};
        gk_str(gk_str(gk_str(gk_str(&k, r->meta->project), r->meta->branch),
                      bm->name),
               bm->measure);
        sl_val_t key = gk_val(&k), v;
        if (sl_store_get(txn, GDB_CP, &key, &v) == SL_OK &&
            v.len == strlen(at->run_id) &&
            memcmp(v.data, at->run_id, v.len) == 0) {
            continue; /* reported already */
        }
        sl_val_t nv = {at->run_id, strlen(at->run_id)};
        sl_store_put(txn, GDB_CP, &key, &nv, 0);
        double before = 0, after = 0;
        size_t c = idx[nidx - 1];
        for (size_t i = 0; i < n; i++) {
            *(i < c ? &before : &after) += x[i];
        }
        before /= (double)c;
        after /= (double)(n - c);
        char msg[800];
        (void)snprintf(msg, sizeof msg,
                       "%s: level moved from %.6g to %.6g %s (%+.1f%%) at "
                       "run %s, commit %.12s (E-divisive over the last %zu "
                       "runs of %s)",
                       bm->name, before, after, bm->unit,
                       before != 0 ? 100.0 * (after - before) / before : 0.0,
                       at->run_id, at->meta->commit, n, r->meta->branch);
        alert(a, r, "change_point", bm->name, NULL, msg);
    }
}

static void
raise_alerts(gate_t *g, sl_txn_t *txn, const sl_pb_run_t *r,
             const sl_policy_t *p, const sl_pb_verdict_t *v, const base_t *b,
             const uint64_t new_findings[5], int has_new)
{
    alerts_t a = {0};
    for (size_t i = 0; i < v->n_reasons; i++) {
        const Sluice__V1__Reason *x = v->reasons[i];
        if (strcmp(x->rule, "bench.regression") == 0) {
            alert(&a, r, "regression", x->subject, x, x->message);
        } else if (strcmp(x->rule, "coverage.drop") == 0) {
            alert(&a, r, "coverage_drop", "coverage.line", x, x->message);
        }
    }
    if (has_new && new_findings[3] + new_findings[4] > 0) {
        char msg[200];
        (void)snprintf(msg, sizeof msg,
                       "%llu new critical and %llu new high finding(s) on "
                       "%s (absent from run %s)",
                       (unsigned long long)new_findings[4],
                       (unsigned long long)new_findings[3], r->meta->branch,
                       b->n > 0 ? b->runs[0]->run_id : "-");
        alert(&a, r, "new_finding", "findings", NULL, msg);
    }
    change_points(txn, r, b, &a);
    if (a.n == 0) {
        return;
    }
    put_pending(g, txn, r->run_id, SL_STREAM_ALERT, a.ev, a.n);
    for (size_t i = 0; i < a.n; i++) {
        SL_INFO("gate", "run %s: alert %s: %s", r->run_id, a.ev[i]->alert->kind,
                a.ev[i]->alert->message);
        if (g->on_alert != NULL) {
            g->on_alert(g->cb_ctx, r, a.ev[i]->alert, p);
        }
        sl_wire_free(&a.ev[i]);
    }
}

/* ---- judging ---- */

static void
judge(gate_t *g, sl_txn_t *txn, const sl_pb_run_t *r,
      sl_pb_gate_notes_t *notes, uint64_t lsn)
{
    sl_policy_t p;
    policy_of(g, r, &p);
    int base_branch = on_base_branch(r, &p);
    base_t b;
    find_baseline(txn, r, &p, window_of(&p, base_branch), &b);
    sl_test_note_t *tn = calloc(notes->n_tests + 1, sizeof *tn);
    sl_judge_in_t in = {.run = r, .policy = &p};
    in.base.runs = (const sl_pb_run_t *const *)b.runs;
    in.base.n = b.n;
    in.base.about = &b.about;
    for (size_t i = 0; tn != NULL && i < notes->n_tests; i++) {
        tn[i].id = notes->tests[i]->id;
        tn[i].status = notes->tests[i]->status;
        tn[i].flaky = (sl_flaky_why_t)notes->tests[i]->flaky;
        tn[i].flip_rate = notes->tests[i]->flip_rate;
    }
    in.tests = tn;
    in.n_tests = tn != NULL ? notes->n_tests : 0;
    const sl_pb_run_t *fb = findings_base(&b);
    if (fb != NULL) {
        count_new_findings(txn, r->run_id, fb->run_id, in.new_findings);
        in.has_new = 1;
    }
    sl_pb_verdict_t *v = NULL;
    int rc = tn != NULL ? sl_judge(&in, &v) : SL_ENOMEM;
    if (rc != SL_OK) {
        fail_txn(txn, rc);
    } else {
        SL_INFO("gate", "run %s: %s (%zu reason(s), baseline %zu run(s))",
                r->run_id, sl_verdict_name(v->status), v->n_reasons, b.n);
        put_pending_verdict(g, txn, r->run_id, SL_STREAM_VERDICT, v);
        if (g->on_verdict != NULL) {
            g->on_verdict(g->cb_ctx, r, v);
        }
        if (base_branch) {
            raise_alerts(g, txn, r, &p, v, &b, in.new_findings, in.has_new);
        }
    }
    notes->finish_lsn = lsn;
    if (r->meta->project[0] != '\0' && r->meta->branch[0] != '\0') {
        index_run(txn, r, lsn);
    }
    sl_wire_free(&v);
    free(tn);
    base_free(&b);
}

/* ---- folding ---- */

static sl_pb_run_t *
load_run(sl_txn_t *txn, const char *run_id)
{
    sl_val_t k = {run_id, strlen(run_id)}, v;
    sl_pb_run_t *r = NULL;
    if (sl_store_get(txn, GDB_RUNS, &k, &v) == SL_OK &&
        sl_run_decode(v.data, v.len, &r, NULL) != SL_OK) {
        SL_WARN("gate", "state of run %s does not decode; started anew",
                run_id);
    }
    return r != NULL ? r : sl_run_new(run_id);
}

static void
fold_pin(sl_txn_t *txn, const Sluice__V1__BaselinePin *pin)
{
    gkey_t k = {0};
    sl_val_t key = gk_val(gk_str(gk_str(&k, pin->project), pin->runner));
    if (pin->run_id[0] == '\0') {
        sl_store_del(txn, GDB_PINS, &key);
    } else {
        sl_val_t v = {pin->run_id, strlen(pin->run_id)};
        sl_store_put(txn, GDB_PINS, &key, &v, 0);
    }
}

/* What a test or finding event adds to the run's notes, and the early
 * verdict it may make. */
static void
fold_notes(gate_t *g, sl_txn_t *txn, const sl_pb_run_t *r,
           const sl_policy_t *p, uint64_t tag, sl_pb_gate_notes_t *n,
           const sl_pb_event_t *ev)
{
    int decisive; /* the event can make an early fail: a failure, or a
                     critical finding (a pass never does) */
    if (ev->body_case == SLUICE__V1__EVENT__BODY_TEST) {
        note_test(g, txn, r, p, tag, n, ev->test);
        decisive = is_failure(ev->test->status);
    } else {
        decisive = ev->finding->severity ==
                   SLUICE__V1__SEVERITY__SEVERITY_CRITICAL;
        const Sluice__V1__Finding *f = ev->finding;
        uint8_t sev = f->severity < 5 ? (uint8_t)f->severity : 0;
        int again = 0; /* this fingerprint came earlier in the run */
        if (f->fingerprint[0] != '\0') {
            gkey_t k = {0};
            gk_str(gk_str(&k, r->run_id), f->fingerprint);
            sl_val_t key = gk_val(&k), v = {&sev, 1}, old;
            again = sl_store_get(txn, GDB_FP, &key, &old) == SL_OK;
            sl_store_put(txn, GDB_FP, &key, &v, 0);
        }
        if (f->severity == SLUICE__V1__SEVERITY__SEVERITY_CRITICAL) {
            n->critical++;
        }
        /* new ones counted as the final verdict counts them: distinct
         * fingerprints absent from the newest baseline run with a scan */
        if (f->severity == SLUICE__V1__SEVERITY__SEVERITY_CRITICAL &&
            f->fingerprint[0] != '\0' && !again) {
            if (n->findings_base[0] == '\0') { /* once per run */
                base_t b;
                find_baseline(txn, r, p, window_of(p, 0), &b);
                const sl_pb_run_t *fb = findings_base(&b);
                char *id = strdup(fb != NULL ? fb->run_id : " ");
                base_free(&b);
                if (id == NULL) {
                    fail_txn(txn, SL_ENOMEM);
                    return;
                }
                if (n->findings_base != protobuf_c_empty_string) {
                    free(n->findings_base);
                }
                n->findings_base = id;
            }
            int none = strcmp(n->findings_base, " ") == 0; /* no scan */
            gkey_t k = {0};
            gk_str(gk_str(&k, none ? "" : n->findings_base), f->fingerprint);
            sl_val_t key = gk_val(&k), v;
            n->new_critical +=
                none || sl_store_get(txn, GDB_FP, &key, &v) == SL_ENOTFOUND;
        }
    }
    if (decisive) {
        check_early(g, txn, r, p, n);
    }
}

/* Drops what the log now holds from the pending sends. */
static void
drop_pending(sl_txn_t *txn, const char *run_id, uint64_t stream)
{
    gkey_t k = {0};
    sl_val_t key = gk_val(gk_u64(gk_str(&k, run_id), stream));
    sl_store_del(txn, GDB_PENDING, &key);
}

/* The run being folded, kept across the events of one chunk (a chunk is
 * one transaction) and written back when another run comes or the chunk
 * ends: a run's events mostly come together, and its record and notes
 * would otherwise be decoded and encoded again for every event. */
typedef struct fold_cache {
    sl_pb_run_t *r;
    sl_pb_gate_notes_t *notes; /* loaded when first needed */
    sl_policy_t p;
    int have_policy;
    uint64_t tag; /* run_tag of r: once per run, not per event */
} fold_cache_t;

static fold_cache_t *
cache_of(gate_t *g)
{
    if (g->cache == NULL) {
        g->cache = calloc(1, sizeof(fold_cache_t));
    }
    return g->cache;
}

void
gate_fold_flush(gate_t *g, sl_txn_t *txn)
{
    fold_cache_t *fc = g->cache;
    if (fc == NULL || fc->r == NULL) {
        return;
    }
    if (txn != NULL && txn->rc == SL_OK) {
        size_t n;
        uint8_t *buf = sl_wire_pack(&fc->r->base, &n);
        if (buf == NULL) {
            fail_txn(txn, SL_ENOMEM);
        } else {
            sl_val_t k = {fc->r->run_id, strlen(fc->r->run_id)},
                     v = {buf, n};
            sl_store_put(txn, GDB_RUNS, &k, &v, 0); /* keyed without NUL */
            free(buf);
        }
        if (fc->notes != NULL) {
            save_notes(txn, fc->r->run_id, fc->notes);
        }
    }
    sl_run_free(&fc->r);
    sl_wire_free(&fc->notes);
    fc->have_policy = 0;
}

void
gate_fold_close(gate_t *g)
{
    gate_fold_flush(g, NULL);
    free(g->cache);
    g->cache = NULL;
}

static sl_pb_gate_notes_t *
cached_notes(fold_cache_t *fc, sl_txn_t *txn)
{
    if (fc->notes == NULL) {
        fc->notes = load_notes(txn, fc->r->run_id);
    }
    if (fc->notes == NULL) {
        fail_txn(txn, SL_ENOMEM);
    }
    return fc->notes;
}

static const sl_policy_t *
cached_policy(gate_t *g, fold_cache_t *fc)
{
    if (!fc->have_policy) {
        policy_of(g, fc->r, &fc->p);
        fc->have_policy = 1;
    }
    return &fc->p;
}

void
gate_fold_event(gate_t *g, sl_txn_t *txn, const sl_pb_event_t *ev,
                uint64_t lsn)
{
    fold_cache_t *fc = cache_of(g);
    if (fc == NULL) {
        fail_txn(txn, SL_ENOMEM);
        return;
    }
    if (fc->r != NULL && strcmp(fc->r->run_id, ev->run_id) != 0) {
        gate_fold_flush(g, txn);
    }
    if (fc->r == NULL) {
        if ((fc->r = load_run(txn, ev->run_id)) == NULL) {
            fail_txn(txn, SL_ENOMEM);
            return;
        }
        fc->tag = run_tag(ev->run_id);
    }
    sl_pb_run_t *r = fc->r;
    int was_finished = r->state == SLUICE__V1__RUN_STATE__RUN_FINISHED;
    int had_verdict =
        r->verdict->status != SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    /* times as stored, so a replay sees the same ages */
    int64_t now = ev->time_us != 0 ? ev->time_us : sl_now_us();
    if (sl_run_apply(r, ev, lsn, now) != SL_OK) {
        fail_txn(txn, SL_ENOMEM);
        return;
    }
    sl_pb_gate_notes_t *n = NULL;
    switch (ev->body_case) {
    case SLUICE__V1__EVENT__BODY_META:
        fc->have_policy = 0; /* project and branch known now */
        break;
    case SLUICE__V1__EVENT__BODY_VERDICT:
        drop_pending(txn, r->run_id, ev->stream); /* stored */
        break;
    case SLUICE__V1__EVENT__BODY_PIN:
        fold_pin(txn, ev->pin);
        break;
    case SLUICE__V1__EVENT__BODY_TEST:
    case SLUICE__V1__EVENT__BODY_FINDING:
        if (!was_finished && (n = cached_notes(fc, txn)) != NULL) {
            fold_notes(g, txn, r, cached_policy(g, fc), fc->tag, n, ev);
        }
        break;
    case SLUICE__V1__EVENT__BODY_FINISH:
        if (!was_finished && !had_verdict &&
            (n = cached_notes(fc, txn)) != NULL) {
            judge(g, txn, r, n, lsn);
        }
        break;
    default:
        break;
    }
}
