/* Retention (docs/storage.md, "Retention"): the writer thread rewrites the
 * events of old runs in place as smaller stubs, a few hundred records per
 * transaction between ingest groups. A stub keeps the event's identity and
 * the fields the summaries and the gate read, drops the bulky ones (a
 * TestCase's captured output and properties, a coverage_file's per-file
 * counts), and carries the BLAKE2b-256 of the original bytes, which the
 * chain goes on hashing (sluice/chain.h). */
#include "collector.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sluice/chain.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/run.h"

#define RETAIN_RECORDS 256  /* records rewritten per transaction at most */
#define RETAIN_SCAN 2000    /* runs looked at per transaction at most */
#define RUN_ID_MAX 256

struct collector_retain {
    collector_t *c;
    int64_t next_us;       /* when the next pass starts */
    int active;            /* a pass is under way */
    uint8_t key[8 + RUN_ID_MAX]; /* run_time key last looked at, newest
                                    first; len 0: the pass starts */
    size_t key_len;
    zhashx_t *counts;      /* project -> judged runs seen in this pass */
    char run_id[RUN_ID_MAX + 1]; /* the run being rewritten, "" none */
    uint64_t next_lsn;     /* its next LSN to look at */
    uint64_t runs, records, bytes; /* this pass's figures */
};

collector_retain_t *
collector_retain_new(collector_t *c)
{
    const collector_cfg_t *cfg = c->cfg;
    if (cfg->retain_age_ms == 0 && cfg->retain_runs == 0) {
        return NULL;
    }
    collector_retain_t *r = calloc(1, sizeof *r);
    if (r == NULL) {
        SL_ERROR("retain", "out of memory: retention is off");
        return NULL;
    }
    r->c = c;
    r->next_us = sl_now_us(); /* a pass at start */
    return r;
}

void
collector_retain_free(collector_retain_t **rp)
{
    if (*rp != NULL) {
        zhashx_destroy(&(*rp)->counts);
        free(*rp);
        *rp = NULL;
    }
}

long
collector_retain_wait(const collector_retain_t *r, int64_t now_us)
{
    if (r == NULL) {
        return -1;
    }
    if (r->active || now_us >= r->next_us) {
        return 0;
    }
    int64_t ms = (r->next_us - now_us + 999) / 1000;
    return ms > 60000 ? 60000 : (long)ms;
}

/* Whether run (judged) is past the limits: count is its rank among its
 * project's judged runs, newest first, from 1. */
static int
past_limits(const collector_cfg_t *cfg, const sl_pb_run_t *run,
            uint64_t count, int64_t now_us)
{
    int64_t t = run->finished_us ? run->finished_us : run->updated_us;
    t = t ? t : run->created_us;
    if (cfg->retain_runs > 0 && count > cfg->retain_runs) {
        return 1;
    }
    return cfg->retain_age_ms > 0 && now_us > t &&
           (uint64_t)(now_us - t) / 1000 >= cfg->retain_age_ms;
}

/* Scans run_time backwards from where the pass stopped for the next run
 * to prune: r->run_id set. Returns 0 at the end of the pass (or on a store
 * error), 1 with a run, 2 when the scan budget ran out first. */
static int
find_run(collector_retain_t *r, sl_txn_t *txn, int64_t now_us)
{
    sl_cursor_t cur = {0};
    sl_val_t k = {0}, v = {0};
    int rc = sl_cursor_open(txn, CDB_RUN_TIME, &cur);
    if (rc == SL_OK && r->key_len == 0) {
        rc = sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v);
    } else if (rc == SL_OK) {
        sl_val_t seek = {r->key, r->key_len};
        rc = sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v);
        rc = rc == SL_OK ? sl_cursor_prev(&cur, &k, &v) : rc;
    }
    int found = 0;
    for (int n = 0; rc == SL_OK && !found; n++) {
        if (n == RETAIN_SCAN) {
            found = 2;
            break;
        }
        if (k.len <= 8 || k.len > sizeof r->key) {
            rc = sl_cursor_prev(&cur, &k, &v);
            continue;
        }
        memcpy(r->key, k.data, k.len);
        r->key_len = k.len;
        char id[RUN_ID_MAX + 1];
        memcpy(id, (const uint8_t *)k.data + 8, k.len - 8);
        id[k.len - 8] = '\0';
        sl_pb_run_t *run = NULL;
        if (collector_load_run(txn, id, &run) == SL_OK &&
            run->verdict != NULL &&
            run->verdict->status !=
                SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING) {
            const char *project = run->meta ? run->meta->project : "";
            uintptr_t count = (uintptr_t)zhashx_lookup(r->counts, project) + 1;
            zhashx_update(r->counts, project, (void *)count);
            if (!run->pruned && past_limits(r->c->cfg, run, count, now_us)) {
                memcpy(r->run_id, id, sizeof id);
                r->next_lsn = 0;
                found = 1;
            }
        }
        sl_run_free(&run);
        if (!found) {
            rc = sl_cursor_prev(&cur, &k, &v);
        }
    }
    sl_cursor_close(&cur);
    if (rc != SL_OK && rc != SL_ENOTFOUND && txn->rc == SL_OK) {
        txn->rc = rc;
    }
    return found;
}

/* The stub of the stored event v, packed into *out (the caller frees):
 * 1 when it is smaller than v, 0 when v is left as it is (already a stub,
 * nothing bulky, no smaller, or not decodable). */
static int
make_stub(const sl_val_t *v, uint8_t **out, size_t *out_len)
{
    uint8_t digest[SL_CHAIN_LEN];
    sl_pb_event_t *ev = NULL;
    sl_err_t err = {0};
    *out = NULL;
    if (sl_chain_stub(v->data, v->len, digest) ||
        sl_wire_unpack(&sluice__v1__event__descriptor, v->data, v->len,
                       (void **)&ev, &err) != SL_OK) {
        return 0;
    }
    Sluice__V1__TestCase tc, *tc0 = ev->test;
    Sluice__V1__Coverage cov, *cov0 = ev->coverage_file;
    int bulky = 0;
    if (ev->body_case == SLUICE__V1__EVENT__BODY_TEST) {
        tc = *ev->test;
        bulky = tc.system_out[0] || tc.system_err[0] || tc.n_properties;
        static char empty[1] = "";
        tc.system_out = tc.system_err = empty;
        tc.n_properties = 0;
        tc.properties = NULL;
        ev->test = &tc;
    } else if (ev->body_case == SLUICE__V1__EVENT__BODY_COVERAGE_FILE) {
        sluice__v1__coverage__init(&cov);
        bulky = 1;
        ev->coverage_file = &cov;
    }
    if (bulky) {
        (void)crypto_generichash(digest, SL_CHAIN_LEN, v->data, v->len,
                                 NULL, 0);
        ev->pruned = 1;
        ev->pruned_digest.data = digest;
        ev->pruned_digest.len = SL_CHAIN_LEN;
        *out = sl_wire_pack(&ev->base, out_len);
        ev->pruned_digest.data = NULL;
        ev->pruned_digest.len = 0;
    }
    ev->test = tc0;
    ev->coverage_file = cov0;
    sl_wire_free(&ev);
    if (*out != NULL && *out_len >= v->len) {
        free(*out);
        *out = NULL;
    }
    return *out != NULL;
}

/* Rewrites the events of r->run_id from r->next_lsn, at most *budget of
 * them. Returns 1 when every one is done. */
static int
prune_events(collector_retain_t *r, sl_txn_t *txn, int *budget)
{
    sl_cursor_t cur = {0};
    sl_val_t k = {0}, v = {0};
    size_t len = strlen(r->run_id);
    uint8_t key[RUN_ID_MAX + 9];
    memcpy(key, r->run_id, len + 1);
    sl_be64_put(key + len + 1, 0);
    sl_val_t seek = {key, len + 9};
    int rc = sl_cursor_open(txn, CDB_RUN_LOG, &cur);
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v) : rc;
    while (rc == SL_OK && txn->rc == SL_OK && k.len == len + 9 &&
           v.len == 4 && memcmp(k.data, key, len + 1) == 0) {
        const uint8_t *b = v.data;
        uint64_t n = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 |
                     (uint64_t)b[2] << 8 | b[3];
        uint64_t first = sl_be64_get((const uint8_t *)k.data + len + 1);
        uint64_t lsn = first > r->next_lsn ? first : r->next_lsn;
        for (; lsn < first + n && txn->rc == SL_OK; lsn++) {
            if (*budget == 0) {
                r->next_lsn = lsn;
                sl_cursor_close(&cur);
                return 0;
            }
            (*budget)--;
            uint8_t lk[8];
            sl_be64_put(lk, lsn);
            sl_val_t lkv = {lk, 8}, ev = {0};
            uint8_t *stub = NULL;
            size_t stub_len = 0;
            if (sl_store_get(txn, CDB_LOG, &lkv, &ev) == SL_OK &&
                make_stub(&ev, &stub, &stub_len)) {
                r->records++;
                r->bytes += ev.len - stub_len;
                sl_val_t sv = {stub, stub_len};
                sl_store_put(txn, CDB_LOG, &lkv, &sv, 0);
            }
            free(stub);
        }
        r->next_lsn = first + n;
        rc = sl_cursor_next(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    if (rc != SL_OK && rc != SL_ENOTFOUND && txn->rc == SL_OK) {
        txn->rc = rc;
    }
    return 1;
}

/* Marks r->run_id pruned; its summary and verdict stay as they are. */
static void
mark_pruned(collector_retain_t *r, sl_txn_t *txn)
{
    sl_pb_run_t *run = NULL;
    if (collector_load_run(txn, r->run_id, &run) != SL_OK) {
        return;
    }
    run->pruned = 1;
    size_t n;
    uint8_t *buf = sl_wire_pack(&run->base, &n);
    if (buf == NULL) {
        txn->rc = txn->rc != SL_OK ? txn->rc : SL_ENOMEM;
    } else {
        sl_val_t k = {r->run_id, strlen(r->run_id)}, v = {buf, n};
        sl_store_put(txn, CDB_RUNS, &k, &v, 0);
    }
    free(buf);
    sl_run_free(&run);
    r->runs++;
}

void
collector_retain_step(collector_retain_t *r, int64_t now_us)
{
    if (!r->active) {
        zhashx_destroy(&r->counts);
        r->counts = zhashx_new();
        if (r->counts == NULL) {
            r->next_us = now_us + (int64_t)r->c->cfg->retain_period * 1000;
            return;
        }
        r->active = 1;
        r->key_len = 0;
        r->run_id[0] = '\0';
        r->runs = r->records = r->bytes = 0;
    }
    sl_txn_t txn;
    int budget = RETAIN_RECORDS, end = 0;
    char run_id0[RUN_ID_MAX + 1];
    uint64_t next0 = r->next_lsn;
    memcpy(run_id0, r->run_id, sizeof run_id0);
    (void)sl_store_begin(r->c->store, &txn, SL_TXN_RW);
    while (budget > 0 && txn.rc == SL_OK && !end) {
        if (r->run_id[0] == '\0') {
            int f = find_run(r, &txn, now_us);
            if (f != 1) {
                end = f == 0;
                break;
            }
        }
        if (prune_events(r, &txn, &budget) && txn.rc == SL_OK) {
            mark_pruned(r, &txn);
            r->run_id[0] = '\0';
        }
    }
    int rc = sl_store_commit(&txn);
    if (rc != SL_OK) {
        /* Left as it was: the next pass tries again. */
        SL_ERROR("retain", "retention step failed: %s",
                 sl_err_msg(&txn.err, rc));
        memcpy(r->run_id, run_id0, sizeof run_id0);
        r->next_lsn = next0;
        end = 1;
    }
    if (end) {
        if (r->runs > 0) {
            SL_INFO("retain", "pruned %llu run(s): %llu record(s) rewritten, "
                    "%llu bytes dropped", (unsigned long long)r->runs,
                    (unsigned long long)r->records,
                    (unsigned long long)r->bytes);
        }
        r->active = 0;
        r->next_us = now_us + (int64_t)r->c->cfg->retain_period * 1000;
    }
}
