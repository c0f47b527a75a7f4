/* The gate's state: its fold of each run, the checkpoint and the verdicts
 * not yet acknowledged, in one LMDB environment. */
#include "gate.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/batch.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/policy.h"
#include "sluice/run.h"

static const sl_val_t lsn_key = {"lsn", 3};

static const sl_val_t store_key = {"store", 5};

int
gate_load_checkpoint(gate_t *g)
{
    sl_txn_t txn;
    sl_val_t v;
    (void)sl_store_begin(g->store, &txn, SL_TXN_RO);
    int rc = sl_store_get(&txn, GDB_META, &lsn_key, &v);
    if (rc == SL_OK && v.len == 8) {
        g->last_lsn = sl_be64_get(v.data);
    }
    int rc2 = sl_store_get(&txn, GDB_META, &store_key, &v);
    if (rc2 == SL_OK && v.len == sizeof g->store_id) {
        memcpy(g->store_id, v.data, sizeof g->store_id);
    }
    sl_store_abort(&txn);
    rc = rc == SL_ENOTFOUND ? SL_OK : rc;
    return rc != SL_OK ? rc : rc2 == SL_ENOTFOUND ? SL_OK : rc2;
}

int
gate_check_store(gate_t *g, const sl_pb_chunk_t *c)
{
    static const uint8_t none[16];
    if (c->store_id.len != sizeof g->store_id) {
        return SL_OK; /* a collector that names no store */
    }
    if (memcmp(g->store_id, none, sizeof none) == 0) {
        sl_txn_t txn;
        sl_val_t v = {c->store_id.data, c->store_id.len};
        (void)sl_store_begin(g->store, &txn, SL_TXN_RW);
        sl_store_put(&txn, GDB_META, &store_key, &v, 0);
        int rc = sl_store_commit(&txn);
        if (rc == SL_OK) {
            memcpy(g->store_id, c->store_id.data, sizeof g->store_id);
        }
        return rc;
    }
    if (memcmp(g->store_id, c->store_id.data, sizeof g->store_id) != 0) {
        SL_ERROR("gate", "the collector serves another store than the one "
                 "this gate state follows (its LSNs would be misread): "
                 "start the gate with a fresh --state");
        return SL_EPROTO;
    }
    return SL_OK;
}

static void
put_msg(sl_txn_t *txn, int db, const char *key, const ProtobufCMessage *m)
{
    size_t n;
    uint8_t *buf = sl_wire_pack(m, &n);
    if (buf == NULL) {
        txn->rc = txn->rc != SL_OK ? txn->rc : SL_ENOMEM;
        return;
    }
    sl_val_t k = {key, strlen(key)}, v = {buf, n};
    sl_store_put(txn, db, &k, &v, 0);
    free(buf);
}

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

/* Judges a run whose finish was just folded: the verdict becomes pending
 * (and counts in g->judged until it is sent). */
static void
judge(gate_t *g, sl_txn_t *txn, const sl_pb_run_t *r)
{
    sl_pb_verdict_t *v = NULL;
    sl_policy_t p;
    sl_policy_resolve(g->cfg->policy_set, r->meta->project, r->meta->branch,
                      &g->cfg->overrides, g->cfg->overrides_mask, &p);
    if (sl_policy_judge(r, &p, &v) != SL_OK) {
        txn->rc = txn->rc != SL_OK ? txn->rc : SL_ENOMEM;
        return;
    }
    SL_INFO("gate", "run %s: %s (%zu reason(s))", r->run_id,
            sl_verdict_name(v->status), v->n_reasons);
    put_msg(txn, GDB_PENDING, r->run_id, &v->base);
    sl_wire_free(&v);
    g->judged++;
}

/* Folds one event. The run is judged once: at its first finish, unless the
 * log already holds its verdict. */
static void
fold_one(gate_t *g, sl_txn_t *txn, const sl_pb_event_t *ev, uint64_t lsn)
{
    sl_pb_run_t *r = load_run(txn, ev->run_id);
    if (r == NULL) {
        txn->rc = txn->rc != SL_OK ? txn->rc : SL_ENOMEM;
        return;
    }
    int was_finished = r->state == SLUICE__V1__RUN_STATE__RUN_FINISHED;
    int had_verdict =
        r->verdict->status != SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    if (sl_run_apply(r, ev, lsn, sl_now_us()) != SL_OK) {
        txn->rc = txn->rc != SL_OK ? txn->rc : SL_ENOMEM;
    } else if (ev->body_case == SLUICE__V1__EVENT__BODY_VERDICT) {
        sl_val_t k = {r->run_id, strlen(r->run_id)};
        sl_store_del(txn, GDB_PENDING, &k); /* stored: nothing to resend */
    } else if (!was_finished && !had_verdict &&
               r->state == SLUICE__V1__RUN_STATE__RUN_FINISHED) {
        judge(g, txn, r);
    }
    put_msg(txn, GDB_RUNS, r->run_id, &r->base);
    sl_run_free(&r);
}

int
gate_fold(gate_t *g, const sl_pb_chunk_t *c, int *gap)
{
    sl_txn_t txn;
    uint64_t last = g->last_lsn;
    const uint64_t *lsn = c->lsn;
    const ProtobufCBinaryData *ev = c->events;
    size_t n = c->n_lsn < c->n_events ? c->n_lsn : c->n_events;
    *gap = 0;
    (void)sl_store_begin(g->store, &txn, SL_TXN_RW);
    for (size_t i = 0; i < n && txn.rc == SL_OK; i++) {
        if (lsn[i] <= last) {
            continue; /* seen already (live and catch-up overlap) */
        }
        if (lsn[i] != last + 1) {
            *gap = 1;
            break;
        }
        sl_pb_event_t *e = NULL;
        if (sl_wire_unpack(&sluice__v1__event__descriptor, ev[i].data,
                           ev[i].len, (void **)&e, NULL) == SL_OK) {
            fold_one(g, &txn, e, lsn[i]);
        } else {
            SL_WARN("gate", "LSN %llu does not decode; skipped",
                    (unsigned long long)lsn[i]);
        }
        sl_wire_free(&e);
        last = lsn[i];
    }
    uint8_t v[8];
    sl_be64_put(v, last);
    sl_val_t val = {v, 8};
    sl_store_put(&txn, GDB_META, &lsn_key, &val, 0);
    int rc = sl_store_commit(&txn);
    if (rc == SL_OK) {
        g->last_lsn = last;
    } else {
        SL_ERROR("gate", "state: %s", sl_err_msg(&txn.err, rc));
    }
    return rc;
}

static int
send_verdict(gate_t *g, const char *run_id, const sl_val_t *v)
{
    sl_pb_verdict_t *verdict = NULL;
    int rc = sl_wire_unpack(&sluice__v1__verdict__descriptor, v->data, v->len,
                            (void **)&verdict, NULL);
    if (rc != SL_OK) {
        return rc;
    }
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.seq = 1;
    ev.body_case = SLUICE__V1__EVENT__BODY_VERDICT;
    ev.verdict = verdict;
    sl_batch_t b;
    sl_batch_init(&b);
    rc = sl_batch_add(&b, &ev);
    zframe_t *f = rc == SL_OK ? sl_batch_request(
                                    &b, sl_client_next_id(g->sender), run_id,
                                    SL_STREAM_VERDICT, 1)
                              : NULL;
    if (f == NULL || zframe_send(&f, sl_client_sock(g->sender), 0) != 0) {
        zframe_destroy(&f);
        rc = SL_EIO;
    }
    sl_batch_fini(&b);
    sl_wire_free(&verdict);
    g->verdicts++;
    return rc;
}

int
gate_send_pending(gate_t *g)
{
    sl_txn_t txn;
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    char run_id[300];
    (void)sl_store_begin(g->store, &txn, SL_TXN_RO);
    int rc = sl_cursor_open(&txn, GDB_PENDING, &cur);
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_FIRST, NULL, &k, &v) : rc;
    while (rc == SL_OK) {
        (void)snprintf(run_id, sizeof run_id, "%.*s", (int)k.len,
                       (const char *)k.data);
        if (send_verdict(g, run_id, &v) != SL_OK) {
            SL_WARN("gate", "verdict of %s not sent; retried", run_id);
        }
        rc = sl_cursor_next(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    sl_store_abort(&txn);
    g->last_resend_ms = sl_mono_ms();
    g->judged = 0;
    return rc == SL_ENOTFOUND ? SL_OK : rc;
}

int
gate_ack(gate_t *g, const char *run_id)
{
    sl_txn_t txn;
    sl_val_t k = {run_id, strlen(run_id)};
    (void)sl_store_begin(g->store, &txn, SL_TXN_RW);
    sl_store_del(&txn, GDB_PENDING, &k);
    return sl_store_commit(&txn);
}
