/* The collector's main thread: ROUTER for ingest and queries, forwarding
 * batches to the writer thread and answering queries and verdict waits. */
#include "collector.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/parse.h"
#include "sluice/ready.h"
#include "sluice/run.h"

#define WAITERS_MAX 10000
#define WAIT_MAX_MS 3600000u

typedef struct waiter {
    zframe_t *identity;
    uint64_t id;
    char *run_id;
    int64_t deadline_ms;
    int final_only; /* an early fail does not answer */
} waiter_t;

static int
bind_one(zsock_t *s, const char *ep, int allow_remote, sl_err_t *err)
{
    if (sl_parse_endpoint(ep) != SL_OK) {
        return sl_err_set(err, SL_EINVAL, "invalid endpoint '%s'", ep);
    }
    if (!allow_remote && !sl_endpoint_is_local(ep)) {
        return sl_err_set(err, SL_EINVAL,
                          "%s is not loopback: plain TCP beyond this machine "
                          "needs --allow-remote", ep);
    }
    sl_wire_socket_limits(s);
    if (zsock_bind(s, "%s", ep) < 0) {
        return sl_err_set(err, SL_EIO, "bind %s: %s", ep, zmq_strerror(errno));
    }
    return SL_OK;
}

static int
make_sockets(collector_t *c, sl_err_t *err)
{
    char pipe_ep[64];
    (void)snprintf(pipe_ep, sizeof pipe_ep, "inproc://sl-writer-%p",
                   (void *)c);
    c->router = zsock_new(ZMQ_ROUTER);
    c->pub = zsock_new(ZMQ_PUB);
    c->pipe_main = zsock_new(ZMQ_PAIR);
    c->pipe_writer = zsock_new(ZMQ_PAIR);
    c->waiters = zlist_new();
    if (!c->router || !c->pub || !c->pipe_main || !c->pipe_writer ||
        !c->waiters || zsock_bind(c->pipe_main, "%s", pipe_ep) != 0 ||
        zsock_connect(c->pipe_writer, "%s", pipe_ep) != 0) {
        return sl_err_set(err, SL_ENOMEM, "cannot create sockets");
    }
    /* A PUB never blocks; a slow subscriber loses messages and catches up
     * from the log (it sees the LSN gap). */
    zsock_set_sndhwm(c->pub, 100000);
    zsock_set_router_mandatory(c->router, 0);
    int rc = bind_one(c->router, c->cfg->listen, c->cfg->allow_remote, err);
    if (rc == SL_OK) {
        rc = bind_one(c->pub, c->cfg->publish, c->cfg->allow_remote, err);
    }
    return rc;
}

/* Reads the store's id, making it when the store is new. */
static int
load_store_id(collector_t *c, sl_err_t *err)
{
    sl_txn_t txn;
    sl_val_t k = {"store_id", 8}, v;
    (void)sl_store_begin(c->store, &txn, SL_TXN_RW);
    int rc = sl_store_get(&txn, CDB_META, &k, &v);
    if (rc == SL_OK && v.len == sizeof c->store_id) {
        memcpy(c->store_id, v.data, sizeof c->store_id);
    } else if (rc == SL_ENOTFOUND) {
        randombytes_buf(c->store_id, sizeof c->store_id);
        sl_val_t nv = {c->store_id, sizeof c->store_id};
        sl_store_put(&txn, CDB_META, &k, &nv, 0);
    }
    rc = sl_store_commit(&txn);
    if (rc != SL_OK) {
        return sl_err_set(err, rc, "%s: store id: %s", c->cfg->data,
                          sl_err_msg(&txn.err, rc));
    }
    return SL_OK;
}

int
collector_open(collector_t *c, const collector_cfg_t *cfg, sl_err_t *err)
{
    static const char *const dbs[] = {"log",  "runs",  "run_time", "run_log",
                                      "meta", "tests", "chain",    "run_branch",
                                      NULL};
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    sl_store_cfg_t scfg = {cfg->data, dbs, cfg->map_size};
    /* Picks libsodium's fastest BLAKE2b for this CPU (the writer hashes
     * every event into the chain); the portable one is about 1.5 times as
     * slow. */
    if (sodium_init() < 0) {
        return sl_err_set(err, SL_ESYS, "libsodium failed to initialise");
    }
    int rc = sl_store_open(&c->store, &scfg, err);
    if (rc == SL_OK) {
        rc = load_store_id(c, err);
    }
    if (rc == SL_OK) {
        rc = collector_run_branch_backfill(c->store, err);
    }
    if (rc == SL_OK) {
        rc = make_sockets(c, err);
    }
    if (rc == SL_OK) {
        if (pthread_create(&c->writer, NULL, collector_writer_main, c) != 0) {
            return sl_err_set(err, SL_ESYS, "cannot start the writer");
        }
        c->writer_started = 1;
    }
    return rc;
}

static void
waiter_free(waiter_t **wp)
{
    if (*wp != NULL) {
        zframe_destroy(&(*wp)->identity);
        free((*wp)->run_id);
        free(*wp);
        *wp = NULL;
    }
}

static void on_pipe(collector_t *c);

/* Hands m to the writer without ever blocking while the writer blocks on
 * us: when the pipe is full (the writer is behind and may itself be
 * waiting to hand acks back), the writer's messages are taken first.
 * Blocking on the send alone deadlocked both threads under load (bench/
 * bench_verdict at 100 runs in flight). -1 (m untouched) when interrupted
 * by a stop, unless stopping (the writer's own stop message). */
static int
pipe_send(collector_t *c, zmsg_t **m, int stopping)
{
    void *h = zsock_resolve(c->pipe_main);
    while (stopping || c->stop == NULL || !*c->stop) {
        zmq_pollitem_t it = {h, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0};
        int n = zmq_poll(&it, 1, 200);
        if (n > 0 && (it.revents & ZMQ_POLLOUT)) {
            return zmsg_send(m, c->pipe_main);
        }
        if (n > 0 && (it.revents & ZMQ_POLLIN)) {
            on_pipe(c);
        }
    }
    return -1;
}

static void backup_reply(collector_t *c, int wait);

void
collector_close(collector_t *c)
{
    /* A backup running reads the store: it ends before the store closes. */
    backup_reply(c, 1);
    if (c->writer_started) {
        zmsg_t *m = zmsg_new();
        if (m == NULL || zmsg_addstr(m, "$TERM") != 0 ||
            pipe_send(c, &m, 1) != 0) {
            SL_ERROR("collector", "cannot stop the writer");
        }
        zmsg_destroy(&m);
        (void)pthread_join(c->writer, NULL);
    }
    while (c->waiters != NULL && zlist_size(c->waiters) > 0) {
        waiter_t *w = zlist_pop(c->waiters);
        waiter_free(&w);
    }
    zlist_destroy(&c->waiters);
    zsock_destroy(&c->router);
    zsock_destroy(&c->pub);
    zsock_destroy(&c->pipe_main);
    zsock_destroy(&c->pipe_writer);
    sl_store_close(&c->store);
}

/* Sends [identity][reply] on the ROUTER. Takes both frames. */
static void
route(collector_t *c, zframe_t **identity, zframe_t **reply)
{
    if (*reply == NULL || zframe_send(identity, c->router, ZFRAME_MORE |
                                      ZFRAME_REUSE) != 0 ||
        zframe_send(reply, c->router, 0) != 0) {
        SL_DEBUG("collector", "reply not sent");
    }
    zframe_destroy(identity);
    zframe_destroy(reply);
}

/* Answers a waiter from the stored run: the run when it has a verdict, or
 * an early fail (its final verdict follows; nothing can undo the fail), or
 * when forced, at the deadline; else keeps waiting. Returns 1 if
 * answered. */
static int
answer_waiter(collector_t *c, waiter_t *w, int force)
{
    sl_txn_t txn;
    sl_pb_run_t *run = NULL;
    int rc = sl_store_begin(c->store, &txn, SL_TXN_RO);
    rc = rc == SL_OK ? collector_load_run(&txn, w->run_id, &run) : rc;
    sl_store_abort(&txn);
    int done = run != NULL &&
               (run->verdict->status !=
                    SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING ||
                (!w->final_only && run->early_verdict != NULL &&
                 run->early_verdict->status ==
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL));
    if (done || force) {
        zframe_t *f = run != NULL || rc != SL_ENOTFOUND
                          ? collector_run_frame(w->id, run, rc)
                          : collector_error_frame(w->id, SL_ETIMEDOUT,
                                                  "no such run yet");
        route(c, &w->identity, &f);
    }
    sl_run_free(&run);
    return done || force;
}

static void
add_waiter(collector_t *c, zframe_t **identity, const sl_pb_request_t *req)
{
    const Sluice__V1__WaitVerdict *q = req->wait_verdict;
    waiter_t *w = calloc(1, sizeof *w);
    if (w == NULL || zlist_size(c->waiters) >= WAITERS_MAX) {
        free(w);
        zframe_t *f = collector_error_frame(req->id, SL_ENOMEM,
                                            "too many waiters");
        route(c, identity, &f);
        return;
    }
    w->identity = *identity;
    *identity = NULL;
    w->id = req->id;
    w->run_id = strdup(q->run_id);
    w->final_only = q->final_only;
    uint32_t ms = q->timeout_ms > WAIT_MAX_MS ? WAIT_MAX_MS : q->timeout_ms;
    w->deadline_ms = sl_mono_ms() + ms;
    if (w->run_id == NULL || answer_waiter(c, w, ms == 0)) {
        waiter_free(&w);
    } else if (zlist_append(c->waiters, w) != 0) {
        waiter_free(&w);
    }
}

/* Checks waiters for run_id (NULL: only deadlines). */
static void
poke_waiters(collector_t *c, const char *run_id)
{
    int64_t now = sl_mono_ms();
    waiter_t *w = zlist_first(c->waiters);
    while (w != NULL) {
        waiter_t *next = zlist_next(c->waiters);
        int match = run_id != NULL && strcmp(w->run_id, run_id) == 0;
        int expired = now >= w->deadline_ms;
        if ((match || expired) && answer_waiter(c, w, expired)) {
            zlist_remove(c->waiters, w);
            waiter_free(&w);
        }
        w = next;
    }
}

static int64_t
next_timeout(collector_t *c)
{
    int64_t t = 200, now = sl_mono_ms();
    for (waiter_t *w = zlist_first(c->waiters); w != NULL;
         w = zlist_next(c->waiters)) {
        if (w->deadline_ms - now < t) {
            t = w->deadline_ms - now;
        }
    }
    return t < 0 ? 0 : t;
}

void
collector_batch_free(collector_batch_t **bp)
{
    if (bp == NULL || *bp == NULL) {
        return;
    }
    sl_arena_free(&(*bp)->arena);
    zframe_destroy(&(*bp)->body);
    free((*bp)->ranges);
    free(*bp);
    *bp = NULL;
}

/* Hands a batch to the writer. Takes *identity, *body, *req and *arena. */
static void
forward_batch(collector_t *c, zframe_t **identity, zframe_t **body,
              sl_pb_request_t **req, sl_arena_t **arena)
{
    collector_batch_t *b = calloc(1, sizeof *b);
    size_t n = (*req)->batch->n_events;
    zmsg_t *m = zmsg_new();
    if (b != NULL) {
        b->req = *req;
        b->arena = *arena;
        b->body = *body;
        b->ranges = calloc(n ? n : 1, sizeof *b->ranges);
        *req = NULL, *arena = NULL, *body = NULL;
    }
    if (b == NULL || b->ranges == NULL ||
        sl_wire_batch_ranges(zframe_data(b->body), zframe_size(b->body),
                             b->ranges, n) != SL_OK) {
        zframe_t *f = collector_error_frame(b ? b->req->id : 0, SL_EPROTO,
                                            "malformed batch");
        route(c, identity, &f);
    } else if (m != NULL && zmsg_addstr(m, "B") == 0 &&
               zmsg_append(m, identity) == 0 &&
               zmsg_addmem(m, &b, sizeof b) == 0 &&
               pipe_send(c, &m, 0) == 0) {
        b = NULL; /* the writer owns it now */
    }
    zmsg_destroy(&m);
    zframe_destroy(identity);
    collector_batch_free(&b);
}

static void
on_request(collector_t *c, zframe_t **identity, zframe_t **body)
{
    sl_pb_request_t *req = NULL;
    sl_arena_t *arena = NULL;
    sl_err_t err = {0};
    int rc = sl_wire_unpack_arena(&sluice__v1__request__descriptor,
                                  zframe_data(*body), zframe_size(*body),
                                  (void **)&req, &arena, &err);
    if (rc != SL_OK) {
        zframe_t *f = collector_error_frame(0, rc, err.msg);
        route(c, identity, &f);
        return;
    }
    if (req->kind_case == SLUICE__V1__REQUEST__KIND_BATCH) {
        forward_batch(c, identity, body, &req, &arena);
        return;
    }
    if (req->kind_case == SLUICE__V1__REQUEST__KIND_WAIT_VERDICT) {
        add_waiter(c, identity, req);
    } else if (req->kind_case == SLUICE__V1__REQUEST__KIND_BACKUP) {
        zframe_t *f = collector_backup_start(c, identity, req);
        if (f != NULL) {
            route(c, identity, &f);
        }
    } else {
        zframe_t *f = collector_query(c, req);
        route(c, identity, &f);
    }
    zframe_destroy(identity);
    sl_arena_free(&arena);
}

static void
on_router(collector_t *c)
{
    zmsg_t *m = zmsg_recv(c->router);
    if (m == NULL) {
        return;
    }
    zframe_t *identity = zmsg_pop(m);
    zframe_t *body = zmsg_pop(m);
    if (identity != NULL && body != NULL && zmsg_size(m) == 0) {
        on_request(c, &identity, &body);
    }
    zframe_destroy(&identity);
    zframe_destroy(&body);
    zmsg_destroy(&m);
}

static void
on_pipe(collector_t *c)
{
    zmsg_t *m = zmsg_recv(c->pipe_main);
    char *tag = m ? zmsg_popstr(m) : NULL;
    if (tag != NULL && strcmp(tag, "A") == 0 && zmsg_size(m) == 2) {
        zframe_t *identity = zmsg_pop(m);
        zframe_t *reply = zmsg_pop(m);
        route(c, &identity, &reply);
    } else if (tag != NULL && strcmp(tag, "V") == 0) {
        char *run_id = zmsg_popstr(m);
        if (run_id != NULL) {
            poke_waiters(c, run_id);
        }
        free(run_id);
    }
    free(tag);
    zmsg_destroy(&m);
}

/* Sends a finished backup's reply (wait: the running one's, at close). */
static void
backup_reply(collector_t *c, int wait)
{
    zframe_t *identity = NULL;
    zframe_t *f = collector_backup_poll(c, &identity, wait);
    if (identity != NULL) {
        route(c, &identity, &f);
    }
    zframe_destroy(&f);
}

int
collector_run(collector_t *c, volatile int *stop)
{
    zpoller_t *p = zpoller_new(c->router, c->pipe_main, NULL);
    if (p == NULL) {
        return SL_ENOMEM;
    }
    c->stop = stop;
    while (!*stop) {
        void *which = zpoller_wait(p, (int)next_timeout(c));
        if (which == c->router) {
            on_router(c);
        } else if (which == c->pipe_main) {
            on_pipe(c);
        }
        poke_waiters(c, NULL);
        backup_reply(c, 0);
    }
    zpoller_destroy(&p);
    return SL_OK;
}
