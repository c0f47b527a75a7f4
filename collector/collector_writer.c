/* The writer thread: takes every batch already queued into one LMDB write
 * transaction (group commit), acknowledges them only after the commit, then
 * publishes what was stored, with its LSNs, on the PUB socket. */
#include "collector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/chain.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/run.h"

#define RUN_ID_MAX 256

typedef struct item {
    zframe_t *identity;
    collector_batch_t *b;
    int rc;             /* SL_OK, or why the batch was refused */
    uint64_t high;      /* highest contiguous seq after this batch */
    uint32_t stored;    /* events newly stored */
    uint64_t first_lsn; /* LSN of the first stored event */
    size_t first_ev;    /* index into the group's offsets */
    size_t first_idx;   /* index in the batch of the first stored event */
    struct cached *run;
} item_t;

typedef struct cached {
    sl_pb_run_t *run;
    int is_new;
    int in_branch_idx;  /* the run_branch entry is written (or due) */
    int dirty;          /* events were stored: the record is written */
    int verdict_now;    /* a verdict was stored in this group */
} cached_t;

typedef struct wgroup {
    collector_t *c;
    uint64_t head;      /* the last LSN committed */
    item_t *items;
    size_t n, cap;
    cached_t **runs;    /* each its own allocation: items point to them */
    size_t nruns, runs_cap;
    uint8_t *arena;     /* packed events of the group */
    size_t arena_len, arena_cap;
    size_t *off;        /* start of each stored event in the arena */
    size_t noff, off_cap;
    uint8_t chain[SL_CHAIN_LEN]; /* h(head), or the seed (sluice/chain.h) */
    int chain_flags;             /* SL_PUT_APPEND unless the chain runs
                                    past the log (chain_start) */
    uint8_t *hashes;    /* the chain hash of each stored event */
    size_t hashes_cap;
    int64_t now_us;
} group_t;

static int
grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return SL_OK;
    }
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need) {
        ncap *= 2;
    }
    void *na = realloc(*arr, ncap * elem);
    if (na == NULL) {
        return SL_ENOMEM;
    }
    *arr = na;
    *cap = ncap;
    return SL_OK;
}

static cached_t *
cache_get(group_t *g, sl_txn_t *txn, const char *run_id)
{
    for (size_t i = 0; i < g->nruns; i++) {
        if (strcmp(g->runs[i]->run->run_id, run_id) == 0) {
            return g->runs[i];
        }
    }
    if (grow((void **)&g->runs, &g->runs_cap, g->nruns + 1,
             sizeof *g->runs) != SL_OK) {
        return NULL;
    }
    cached_t *ce = calloc(1, sizeof *ce);
    if (ce == NULL) {
        return NULL;
    }
    int rc = collector_load_run(txn, run_id, &ce->run);
    if (rc == SL_ENOTFOUND) {
        ce->run = sl_run_new(run_id);
        ce->is_new = 1;
    }
    if (ce->run == NULL) {
        free(ce);
        return NULL;
    }
    ce->in_branch_idx = collector_run_branch_ready(ce->run);
    g->runs[g->nruns++] = ce;
    return ce;
}

static int
check_batch(const sl_pb_batch_t *b)
{
    size_t idlen = strlen(b->run_id);
    if (idlen == 0 || idlen > RUN_ID_MAX || b->stream == 0 ||
        b->n_events == 0 || b->first_seq == 0) {
        return SL_EPROTO;
    }
    for (size_t i = 0; i < b->n_events; i++) {
        if (b->events[i]->seq != b->first_seq + i) {
            return SL_EPROTO;
        }
        if (b->events[i]->pruned || b->events[i]->pruned_digest.len > 0) {
            return SL_EPROTO; /* only retention makes stubs (chain.h) */
        }
    }
    return SL_OK;
}

/* Appends event i as stored: the bytes it came in, then run_id (field 1),
 * stream (2) and time_us (4). Protobuf takes the last value of a field, so
 * these win over anything the sender put there, without packing the event
 * again. */
static int
pack_event(group_t *g, const item_t *it, size_t i)
{
    const sl_pb_batch_t *b = it->b->req->batch;
    const sl_range_t *r = &it->b->ranges[i];
    size_t idlen = strlen(b->run_id);
    int rc = grow((void **)&g->off, &g->off_cap, g->noff + 2, sizeof *g->off);
    rc = rc == SL_OK ? grow((void **)&g->arena, &g->arena_cap,
                            g->arena_len + r->len + idlen + 32, 1)
                     : rc;
    if (rc != SL_OK) {
        return rc;
    }
    uint8_t *p = g->arena + g->arena_len;
    memcpy(p, (const uint8_t *)zframe_data(it->b->body) + r->off, r->len);
    size_t n = r->len;
    p[n++] = 0x0a;
    n += sl_wire_varint(p + n, idlen);
    memcpy(p + n, b->run_id, idlen);
    n += idlen;
    p[n++] = 0x11;
    for (int k = 0; k < 8; k++) {
        p[n++] = (uint8_t)(b->stream >> (8 * k));
    }
    p[n++] = 0x20;
    n += sl_wire_varint(p + n, (uint64_t)g->now_us);
    g->off[g->noff++] = g->arena_len;
    g->arena_len += n;
    g->off[g->noff] = g->arena_len;
    return SL_OK;
}

static void
put_run_log(sl_txn_t *txn, const char *run_id, uint64_t first, uint32_t n)
{
    uint8_t key[RUN_ID_MAX + 9];
    uint8_t val[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16),
                      (uint8_t)(n >> 8), (uint8_t)n};
    size_t len = strlen(run_id);
    memcpy(key, run_id, len + 1);
    sl_be64_put(key + len + 1, first);
    sl_val_t k = {key, len + 9}, v = {val, 4};
    sl_store_put(txn, CDB_RUN_LOG, &k, &v, 0);
}

/* Chains the event just packed (the group's last) under LSN g->head:
 * its hash from the previous one, put in the same transaction, and kept
 * for the PUB chunk. */
static void
chain_put(group_t *g, sl_txn_t *txn, const uint8_t key[8])
{
    if (grow((void **)&g->hashes, &g->hashes_cap, g->noff * SL_CHAIN_LEN,
             1) != SL_OK) {
        txn->rc = txn->rc != SL_OK ? txn->rc : SL_ENOMEM;
        return;
    }
    size_t i = g->noff - 1;
    uint8_t *h = g->hashes + i * SL_CHAIN_LEN;
    sl_chain_next(h, g->chain, g->head, g->arena + g->off[i],
                  g->off[i + 1] - g->off[i]);
    memcpy(g->chain, h, SL_CHAIN_LEN);
    sl_val_t k = {key, 8}, v = {h, SL_CHAIN_LEN};
    sl_store_put(txn, CDB_CHAIN, &k, &v, g->chain_flags);
}

/* Stores the events of it's batch above the run's high seq. */
static void
store_events(group_t *g, sl_txn_t *txn, item_t *it, size_t from)
{
    const sl_pb_batch_t *b = it->b->req->batch;
    sl_pb_run_t *run = it->run->run;
    it->first_lsn = g->head + 1;
    it->first_ev = g->noff;
    it->first_idx = from;
    for (size_t i = from; i < b->n_events && txn->rc == SL_OK; i++) {
        sl_pb_event_t *ev = b->events[i];
        uint8_t key[8];
        ev->stream = b->stream; /* the batch names it (protocol.md) */
        sl_be64_put(key, ++g->head);
        if (pack_event(g, it, i) != SL_OK ||
            sl_run_apply(run, ev, g->head, g->now_us) != SL_OK) {
            txn->rc = SL_ENOMEM;
            break;
        }
        sl_val_t k = {key, 8};
        sl_val_t v = {g->arena + g->off[g->noff - 1],
                      g->off[g->noff] - g->off[g->noff - 1]};
        sl_store_put(txn, CDB_LOG, &k, &v, SL_PUT_APPEND);
        collector_index_test(txn, run, ev, g->head, g->now_us);
        chain_put(g, txn, key);
        if (ev->body_case == SLUICE__V1__EVENT__BODY_VERDICT) {
            it->run->verdict_now = 1;
        }
        it->stored++;
    }
    put_run_log(txn, b->run_id, it->first_lsn, it->stored);
}

static void
store_batch(group_t *g, sl_txn_t *txn, item_t *it)
{
    const sl_pb_batch_t *b = it->b->req->batch;
    it->rc = check_batch(b);
    if (it->rc != SL_OK) {
        return;
    }
    it->run = cache_get(g, txn, b->run_id);
    if (it->run == NULL) {
        txn->rc = txn->rc != SL_OK ? txn->rc : SL_ENOMEM;
        return;
    }
    uint64_t high = sl_run_high_seq(it->run->run, b->stream);
    uint64_t last = b->first_seq + b->n_events - 1;
    it->high = high;
    if (last <= high || b->first_seq > high + 1) {
        return; /* a resend (acked again) or a gap (the sender resends) */
    }
    store_events(g, txn, it, (size_t)(high + 1 - b->first_seq));
    it->run->dirty = 1;
    if (sl_run_set_high_seq(it->run->run, b->stream, last) != SL_OK) {
        txn->rc = SL_ENOMEM;
    }
    it->high = last;
}

static void
flush_runs(group_t *g, sl_txn_t *txn)
{
    for (size_t i = 0; i < g->nruns && txn->rc == SL_OK; i++) {
        cached_t *ce = g->runs[i];
        if (!ce->dirty) {
            continue; /* only resends or gaps: nothing changed */
        }
        size_t n;
        uint8_t *buf = sl_wire_pack(&ce->run->base, &n);
        if (buf == NULL) {
            txn->rc = SL_ENOMEM;
            break;
        }
        sl_val_t k = {ce->run->run_id, strlen(ce->run->run_id)};
        sl_val_t v = {buf, n};
        sl_store_put(txn, CDB_RUNS, &k, &v, 0);
        free(buf);
        if (ce->is_new) {
            uint8_t tk[8 + RUN_ID_MAX];
            sl_be64_put(tk, (uint64_t)ce->run->created_us);
            memcpy(tk + 8, k.data, k.len);
            sl_val_t tkv = {tk, 8 + k.len}, empty = {"", 0};
            sl_store_put(txn, CDB_RUN_TIME, &tkv, &empty, 0);
        }
        /* Project and branch are each set once (the first meta naming
         * them wins): the entry is written when both first are. */
        if (!ce->in_branch_idx && collector_run_branch_ready(ce->run)) {
            collector_index_run_branch(txn, ce->run);
            ce->in_branch_idx = 1;
        }
    }
}

/* Sends a frame back to main for the sender of it. */
static void
send_reply(group_t *g, item_t *it, zframe_t *reply)
{
    zmsg_t *m = zmsg_new();
    if (m == NULL || reply == NULL) {
        zmsg_destroy(&m);
        zframe_destroy(&reply);
        return;
    }
    (void)zmsg_addstr(m, "A");
    (void)zmsg_append(m, &it->identity);
    (void)zmsg_append(m, &reply);
    if (zmsg_send(&m, g->c->pipe_writer) != 0) {
        zmsg_destroy(&m);
    }
}

static zframe_t *
ack_frame(const item_t *it)
{
    const sl_pb_batch_t *b = it->b->req->batch;
    Sluice__V1__Ack ack;
    sluice__v1__ack__init(&ack);
    Sluice__V1__Reply r;
    sluice__v1__reply__init(&r);
    ack.run_id = b->run_id;
    ack.stream = b->stream;
    ack.high_seq = it->high;
    ack.stored = it->stored;
    r.id = it->b->req->id;
    r.kind_case = SLUICE__V1__REPLY__KIND_ACK;
    r.ack = &ack;
    return sl_wire_frame(&r.base);
}

/* Sends [topic][LogChunk of the n stored events of it picked by idx]:
 * idx[i] counts from the batch's first stored event. */
static void
send_chunk(group_t *g, const item_t *it, const char *topic,
           const uint32_t *idx, uint32_t n)
{
    uint64_t *lsn = malloc(n * sizeof *lsn);
    ProtobufCBinaryData *ev = malloc(n * sizeof *ev);
    ProtobufCBinaryData *hs = malloc(n * sizeof *hs);
    Sluice__V1__LogChunk chunk;
    sluice__v1__log_chunk__init(&chunk);
    int ok = lsn != NULL && ev != NULL && hs != NULL;
    for (uint32_t i = 0; ok && i < n; i++) {
        size_t k = it->first_ev + idx[i];
        lsn[i] = it->first_lsn + idx[i];
        ev[i].data = g->arena + g->off[k];
        ev[i].len = g->off[k + 1] - g->off[k];
        hs[i].data = g->hashes + k * SL_CHAIN_LEN;
        hs[i].len = SL_CHAIN_LEN;
    }
    zframe_t *f = NULL;
    if (ok) {
        chunk.n_lsn = chunk.n_events = n;
        chunk.lsn = lsn;
        chunk.events = ev;
        chunk.head_lsn = g->head;
        chunk.store_id.data = g->c->store_id;
        chunk.store_id.len = sizeof g->c->store_id;
        chunk.n_chain = n;
        chunk.chain = hs;
        f = sl_wire_frame(&chunk.base);
    }
    if (f == NULL || zstr_sendm(g->c->pub, topic) != 0 ||
        zframe_send(&f, g->c->pub, 0) != 0) {
        SL_WARN("writer", "publish of LSN %llu on %s failed",
                (unsigned long long)(it->first_lsn + idx[0]), topic);
    }
    zframe_destroy(&f);
    free(lsn);
    free(ev);
    free(hs);
}

/* Publishes what it stored: topic "run/<project>/" with every stored
 * event; then, when some are alerts, "alert/<project>/" with those only
 * (protocol.md, PUB stream). */
static void
publish(group_t *g, const item_t *it)
{
    if (it->stored == 0) {
        return;
    }
    const sl_pb_batch_t *b = it->b->req->batch;
    const char *project = it->run->run->meta->project;
    uint32_t *idx = malloc(it->stored * sizeof *idx);
    if (idx == NULL) {
        SL_WARN("writer", "publish of LSN %llu failed: out of memory",
                (unsigned long long)it->first_lsn);
        return;
    }
    char topic[320];
    uint32_t nalerts = 0;
    for (uint32_t i = 0; i < it->stored; i++) {
        idx[i] = i;
    }
    (void)snprintf(topic, sizeof topic, "run/%s/", project);
    send_chunk(g, it, topic, idx, it->stored);
    for (uint32_t i = 0; i < it->stored; i++) {
        if (b->events[it->first_idx + i]->body_case ==
            SLUICE__V1__EVENT__BODY_ALERT) {
            idx[nalerts++] = i;
        }
    }
    if (nalerts > 0) {
        (void)snprintf(topic, sizeof topic, "alert/%s/", project);
        send_chunk(g, it, topic, idx, nalerts);
    }
    free(idx);
}

static void
notify_verdicts(group_t *g)
{
    for (size_t i = 0; i < g->nruns; i++) {
        if (g->runs[i]->verdict_now &&
            zstr_sendx(g->c->pipe_writer, "V", g->runs[i]->run->run_id,
                       NULL) != 0) {
            SL_WARN("writer", "verdict notice for %s lost",
                    g->runs[i]->run->run_id);
        }
    }
}

static void
finish_group(group_t *g, int rc, const char *why)
{
    for (size_t i = 0; i < g->n; i++) {
        item_t *it = &g->items[i];
        int irc = rc != SL_OK ? rc : it->rc;
        if (irc == SL_OK) {
            publish(g, it);
            send_reply(g, it, ack_frame(it));
        } else {
            const char *msg = rc != SL_OK ? why : "malformed batch";
            send_reply(g, it, collector_error_frame(it->b->req->id, irc, msg));
        }
        zframe_destroy(&it->identity);
        collector_batch_free(&it->b);
    }
    if (rc == SL_OK) {
        notify_verdicts(g);
    }
    for (size_t i = 0; i < g->nruns; i++) {
        sl_run_free(&g->runs[i]->run);
        free(g->runs[i]);
    }
    g->n = g->nruns = g->noff = g->arena_len = 0;
}

static void
commit_group(group_t *g)
{
    sl_txn_t txn;
    uint64_t head0 = g->head;
    uint8_t chain0[SL_CHAIN_LEN];
    memcpy(chain0, g->chain, sizeof chain0);
    g->now_us = sl_now_us();
    (void)sl_store_begin(g->c->store, &txn, SL_TXN_RW);
    for (size_t i = 0; i < g->n && txn.rc == SL_OK; i++) {
        store_batch(g, &txn, &g->items[i]);
    }
    flush_runs(g, &txn);
    int rc = sl_store_commit(&txn);
    if (rc != SL_OK) {
        /* Nothing of the group is acknowledged: the senders keep it. */
        SL_ERROR("writer", "%zu batch(es) refused, not acknowledged: %s",
                 g->n, sl_err_msg(&txn.err, rc));
        g->head = head0;
        memcpy(g->chain, chain0, sizeof chain0);
    }
    finish_group(g, rc, rc == SL_EFULL ? "store is full (the operator must "
                                         "raise --map-size or free disk)"
                                       : sl_err_msg(&txn.err, rc));
}

/* Receives one pipe message into the group. Returns 1 on "$TERM". */
static int
take(group_t *g, zmsg_t *m)
{
    if (m == NULL) {
        return 1;
    }
    char *tag = zmsg_popstr(m);
    int term = tag == NULL || strcmp(tag, "B") != 0;
    free(tag);
    if (!term && grow((void **)&g->items, &g->cap, g->n + 1,
                      sizeof *g->items) == SL_OK) {
        item_t *it = &g->items[g->n++];
        memset(it, 0, sizeof *it);
        it->identity = zmsg_pop(m);
        zframe_t *p = zmsg_pop(m);
        memcpy(&it->b, zframe_data(p), sizeof it->b);
        zframe_destroy(&p);
    }
    zmsg_destroy(&m);
    return term;
}

static uint64_t
read_head(sl_store_t *s)
{
    sl_txn_t txn;
    sl_cursor_t cur = {0};
    sl_val_t k = {0}, v = {0};
    uint64_t head = 0;
    (void)sl_store_begin(s, &txn, SL_TXN_RO);
    if (sl_cursor_open(&txn, CDB_LOG, &cur) == SL_OK &&
        sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v) == SL_OK &&
        k.len == 8) {
        head = sl_be64_get(k.data);
    }
    sl_cursor_close(&cur);
    sl_store_abort(&txn);
    return head;
}

/* Where the chain goes on after a restart: from h(head) when the chain
 * holds it, else from the seed (a store from before the chain, whose
 * records up to head stay unchained; docs/storage.md). A chain that runs
 * past the log's head means the log's tail was removed: the entries past
 * head are overwritten as the log grows again, so puts stop appending. */
static void
chain_start(group_t *g)
{
    sl_txn_t txn;
    sl_cursor_t cur = {0};
    sl_val_t k = {0}, v = {0};
    uint8_t key[8];
    sl_be64_put(key, g->head);
    sl_val_t hk = {key, 8};
    uint64_t last = 0;
    sl_chain_seed(g->chain, g->c->store_id, sizeof g->c->store_id);
    g->chain_flags = SL_PUT_APPEND;
    (void)sl_store_begin(g->c->store, &txn, SL_TXN_RO);
    if (sl_cursor_open(&txn, CDB_CHAIN, &cur) == SL_OK &&
        sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v) == SL_OK &&
        k.len == 8) {
        last = sl_be64_get(k.data);
    }
    sl_cursor_close(&cur);
    if (g->head > 0 && sl_store_get(&txn, CDB_CHAIN, &hk, &v) == SL_OK &&
        v.len == SL_CHAIN_LEN) {
        memcpy(g->chain, v.data, SL_CHAIN_LEN);
    } else if (g->head > 0) {
        SL_WARN("writer", "LSN %llu..%llu carry no chain hash (stored by a "
                "collector without it): the chain starts from the seed at "
                "LSN %llu", (unsigned long long)(last < g->head ? last + 1 : 1),
                (unsigned long long)g->head, (unsigned long long)g->head + 1);
    }
    if (last > g->head) {
        SL_ERROR("writer", "the chain runs to LSN %llu, the log to LSN %llu: "
                 "the log's tail was removed", (unsigned long long)last,
                 (unsigned long long)g->head);
        g->chain_flags = 0;
    }
    sl_store_abort(&txn);
}

void *
collector_writer_main(void *arg)
{
    group_t g = {.c = arg};
    g.head = read_head(g.c->store);
    chain_start(&g);
    collector_retain_t *retain = collector_retain_new(g.c);
    void *pipe = zsock_resolve(g.c->pipe_writer);
    int term = 0;
    while (!term) {
        long wait = collector_retain_wait(retain, sl_now_us());
        zmq_pollitem_t pi = {pipe, 0, ZMQ_POLLIN, 0};
        int np = wait != 0 ? zmq_poll(&pi, 1, wait) : 1;
        if (np < 0 && zmq_errno() == ETERM) {
            break;
        }
        if (np <= 0) {
            continue; /* a retention step is due, or a signal */
        }
        if (zsock_events(g.c->pipe_writer) & ZMQ_POLLIN) {
            term = take(&g, zmsg_recv(g.c->pipe_writer));
            while (!term && g.n < g.c->cfg->max_batches &&
                   (zsock_events(g.c->pipe_writer) & ZMQ_POLLIN)) {
                term = take(&g, zmsg_recv(g.c->pipe_writer));
            }
            if (g.n > 0) {
                commit_group(&g);
            }
        }
        if (!term && collector_retain_wait(retain, sl_now_us()) == 0) {
            collector_retain_step(retain, sl_now_us());
        }
    }
    collector_retain_free(&retain);
    free(g.items);
    free(g.runs);
    free(g.arena);
    free(g.off);
    free(g.hashes);
    return NULL;
}
