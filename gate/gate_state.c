/* The gate's state: its fold of each run, the checkpoint and the verdicts
 * not yet acknowledged, in one LMDB environment. */
#include "gate.h"

#include <stdlib.h>
#include <string.h>

#include "alert_out.h"
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

int
gate_check_head(gate_t *g, const sl_pb_chunk_t *c)
{
    if (c->head_lsn != 0 && c->head_lsn < g->last_lsn) {
        SL_ERROR("gate", "the collector's log ends at LSN %llu, before this "
                 "gate's checkpoint %llu (a store restored from a backup?): "
                 "the gate would skip what is stored next; start it with a "
                 "fresh --state",
                 (unsigned long long)c->head_lsn,
                 (unsigned long long)g->last_lsn);
        return SL_EPROTO;
    }
    return SL_OK;
}

/* Folds the entries of c past *last into txn. Returns 1 at a gap. */
static int
fold_chunk(gate_t *g, sl_txn_t *txn, const sl_pb_chunk_t *c, uint64_t *last)
{
    const uint64_t *lsn = c->lsn;
    const ProtobufCBinaryData *ev = c->events;
    size_t n = c->n_lsn < c->n_events ? c->n_lsn : c->n_events;
    for (size_t i = 0; i < n && txn->rc == SL_OK; i++) {
        if (lsn[i] <= *last) {
            continue; /* seen already (live and catch-up overlap) */
        }
        if (lsn[i] != *last + 1) {
            return 1;
        }
        sl_pb_event_t *e = NULL;
        if (sl_wire_unpack(&sluice__v1__event__descriptor, ev[i].data,
                           ev[i].len, (void **)&e, NULL) == SL_OK) {
            gate_fold_event(g, txn, e, lsn[i]);
        } else {
            SL_WARN("gate", "LSN %llu does not decode; skipped",
                    (unsigned long long)lsn[i]);
        }
        sl_wire_free(&e);
        *last = lsn[i];
    }
    return 0;
}

int
gate_fold_many(gate_t *g, const sl_pb_chunk_t *const *c, size_t n, int *gap)
{
    sl_txn_t txn;
    uint64_t last = g->last_lsn;
    *gap = 0;
    (void)sl_store_begin(g->store, &txn, SL_TXN_RW);
    for (size_t i = 0; i < n && !*gap && txn.rc == SL_OK; i++) {
        *gap = fold_chunk(g, &txn, c[i], &last);
    }
    gate_fold_flush(g, &txn);
    uint8_t v[8];
    sl_be64_put(v, last);
    sl_val_t val = {v, 8};
    sl_store_put(&txn, GDB_META, &lsn_key, &val, 0);
    int rc = sl_store_commit(&txn);
    if (rc == SL_OK) {
        g->last_lsn = last;
    } else {
        gate_send_fresh(g, 0); /* not stored: not made */
        SL_ERROR("gate", "state: %s", sl_err_msg(&txn.err, rc));
    }
    return rc;
}

int
gate_fold(gate_t *g, const sl_pb_chunk_t *c, int *gap)
{
    return gate_fold_many(g, &c, 1, gap);
}

/* Sends one pending Batch (packed in v) to the collector. */
static int
send_batch(gate_t *g, const sl_val_t *v)
{
    sl_pb_batch_t *b = NULL;
    int rc = sl_wire_unpack(&sluice__v1__batch__descriptor, v->data, v->len,
                            (void **)&b, NULL);
    if (rc != SL_OK) {
        return rc;
    }
    sl_batch_t out;
    sl_batch_init(&out);
    for (size_t i = 0; i < b->n_events && rc == SL_OK; i++) {
        rc = sl_batch_add(&out, b->events[i]);
    }
    zframe_t *f = rc == SL_OK ? sl_batch_request(
                                    &out, sl_client_next_id(g->sender),
                                    b->run_id, b->stream, b->first_seq)
                              : NULL;
    if (f == NULL || zframe_send(&f, sl_client_sock(g->sender), 0) != 0) {
        zframe_destroy(&f);
        rc = SL_EIO;
    }
    sl_batch_fini(&out);
    sl_wire_free(&b);
    g->verdicts++;
    return rc;
}

/* Sends every pending batch: alerts and early verdicts first, then final
 * verdicts, so that once a run's verdict is stored its alerts are too (the
 * collector stores one sender's batches in order). */
int
gate_send_pending(gate_t *g)
{
    sl_txn_t txn;
    sl_val_t k, v;
    if (g->sender == NULL) {
        return SL_OK; /* a replay: nothing is sent */
    }
    (void)sl_store_begin(g->store, &txn, SL_TXN_RO);
    int rc = SL_OK;
    for (int pass = 0; pass < 2 && rc == SL_OK; pass++) {
        sl_cursor_t cur = {0};
        rc = sl_cursor_open(&txn, GDB_PENDING, &cur);
        rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_FIRST, NULL, &k, &v)
                         : rc;
        while (rc == SL_OK) {
            int verdict = k.len >= 8 &&
                          sl_be64_get((const uint8_t *)k.data + k.len - 8) ==
                              SL_STREAM_VERDICT;
            if (verdict == pass && send_batch(g, &v) != SL_OK) {
                SL_WARN("gate", "pending send for %.*s not sent; retried",
                        (int)strnlen(k.data, k.len), (const char *)k.data);
            }
            rc = sl_cursor_next(&cur, &k, &v);
        }
        sl_cursor_close(&cur);
        rc = rc == SL_ENOTFOUND ? SL_OK : rc;
    }
    sl_store_abort(&txn);
    g->last_resend_ms = sl_mono_ms();
    return rc;
}

void
gate_send_fresh(gate_t *g, int send)
{
    for (int pass = 0; pass < 2 && send && g->sender != NULL; pass++) {
        for (size_t i = 0; i < g->n_fresh; i++) {
            sl_val_t v = {g->fresh[i].buf, g->fresh[i].len};
            if ((g->fresh[i].stream == SL_STREAM_VERDICT) == pass &&
                send_batch(g, &v) != SL_OK) {
                SL_WARN("gate", "a verdict or alert batch was not sent; "
                        "retried on the resend tick");
            }
        }
    }
    for (size_t i = 0; i < g->n_fresh; i++) {
        free(g->fresh[i].buf);
    }
    free(g->fresh);
    g->fresh = NULL;
    g->n_fresh = 0;
}

/* Posts the alerts of a pending batch to the webhook and command of each
 * alert's policy (deliveries run in their own thread: never blocks). */
static void
deliver_alerts(gate_t *g, const sl_pb_batch_t *b)
{
    for (size_t i = 0; g->alerts != NULL && i < b->n_events; i++) {
        const sl_pb_event_t *ev = b->events[i];
        if (ev->body_case != SLUICE__V1__EVENT__BODY_ALERT) {
            continue;
        }
        sl_policy_t p;
        sl_policy_resolve(g->cfg->policy_set, ev->alert->project,
                          ev->alert->branch, &g->cfg->overrides,
                          g->cfg->overrides_mask, &p);
        if (p.alert_webhook[0] == '\0' && p.alert_command[0] == '\0') {
            continue;
        }
        char *json = NULL;
        size_t len = 0;
        if (gate_alert_json(ev->alert, b->run_id, &json, &len) == SL_OK) {
            gate_alerts_post(g->alerts, p.alert_webhook, p.alert_command,
                             p.alert_timeout_ms, json, len);
        }
        free(json);
    }
}

int
gate_ack(gate_t *g, const char *run_id, uint64_t stream, uint64_t high_seq,
         uint32_t stored)
{
    sl_txn_t txn;
    uint8_t key[GATE_KEY_MAX];
    sl_val_t k = {key, gate_pending_key(run_id, stream, key)}, v;
    (void)sl_store_begin(g->store, &txn, SL_TXN_RW);
    if (sl_store_get(&txn, GDB_PENDING, &k, &v) == SL_OK) {
        sl_pb_batch_t *b = NULL;
        if (sl_wire_unpack(&sluice__v1__batch__descriptor, v.data, v.len,
                           (void **)&b, NULL) != SL_OK ||
            high_seq >= b->first_seq + b->n_events - 1) {
            sl_store_del(&txn, GDB_PENDING, &k);
            /* Alerts go out once: when the collector first stores them
             * (a refold of the log after a lost state sends them again
             * and the collector stores nothing: no second delivery). */
            if (b != NULL && stream == SL_STREAM_ALERT && stored > 0) {
                deliver_alerts(g, b);
            }
        }
        sl_wire_free(&b);
    }
    return sl_store_commit(&txn);
}
