/* The gate's loop: live chunks from the PUB stream, catch-up reads from the
 * log whenever an LSN gap shows (or at start, or when idle), verdict acks. */
#include "gate.h"

#include <string.h>

#include "alert_out.h"
#include "sluice/clock.h"
#include "sluice/daemon.h"
#include "sluice/log.h"
#include "sluice/parse.h"

#define IDLE_MS 250      /* a catch-up read when nothing arrived this long */
#define RESEND_MS 1000   /* pending verdicts are sent again this often */
#define READ_PAGE 1000
#define LIVE_BATCH 64  /* live chunks folded in one transaction at most */
#define ALERT_QUEUE 256  /* deliveries waiting at most (alert_out.h) */

int
gate_open_state(gate_t *g, const gate_cfg_t *cfg, sl_err_t *err)
{
    static const char *const dbs[] = {"runs",  "meta",    "pending", "base",
                                      "commits", "pins",  "tests",   "notes",
                                      "fp",    "cp",      NULL};
    memset(g, 0, sizeof *g);
    g->cfg = cfg;
    sl_store_cfg_t scfg = {cfg->state, dbs, cfg->map_size};
    int rc = sl_store_open(&g->store, &scfg, err);
    return rc == SL_OK ? gate_load_checkpoint(g) : rc;
}

int
gate_open(gate_t *g, const gate_cfg_t *cfg, sl_err_t *err)
{
    int rc = gate_open_state(g, cfg, err);
    rc = rc == SL_OK ? gate_alerts_new(&g->alerts, ALERT_QUEUE, err) : rc;
    rc = rc == SL_OK ? sl_client_new(&g->query, cfg->collector, err) : rc;
    rc = rc == SL_OK ? sl_client_new(&g->sender, cfg->collector, err) : rc;
    if (rc != SL_OK) {
        return rc;
    }
    /* A catch-up read must not hold a SIGTERM for its whole timeout. */
    sl_client_set_stop(g->query, &sl_daemon_stop);
    /* Sends never wait: with the collector away and its queue full, what
     * is not sent is pending and goes on the resend tick. */
    zsock_set_sndtimeo(sl_client_sock(g->sender), 0);
    if (sl_parse_endpoint(cfg->subscribe) != SL_OK) {
        return sl_err_set(err, SL_EINVAL, "invalid endpoint '%s'",
                          cfg->subscribe);
    }
    g->sub = zsock_new(ZMQ_SUB);
    if (g->sub == NULL) {
        return sl_err_set(err, SL_ENOMEM, "cannot make a socket");
    }
    sl_wire_socket_limits(g->sub);
    zsock_set_rcvhwm(g->sub, 100000);
    zsock_set_subscribe(g->sub, "run/");
    if (zsock_connect(g->sub, "%s", cfg->subscribe) != 0) {
        return sl_err_set(err, SL_EINVAL, "cannot connect to %s",
                          cfg->subscribe);
    }
    return SL_OK;
}

void
gate_close(gate_t *g)
{
    gate_fold_close(g);
    gate_send_fresh(g, 0);
    gate_alerts_destroy(&g->alerts);
    zsock_destroy(&g->sub);
    sl_client_destroy(&g->query);
    sl_client_destroy(&g->sender);
    sl_store_close(&g->store);
}

/* Folds a chunk and sends the verdicts it produced. */
static int
fold_and_send(gate_t *g, const sl_pb_chunk_t *c, int *gap)
{
    int rc = gate_fold(g, c, gap);
    if (rc != SL_OK) {
        return rc;
    }
    /* New batches go out at once; older pending ones on the resend tick. */
    gate_send_fresh(g, 1);
    return SL_OK;
}

/* Reads the log from the checkpoint to its head (Clone pattern catch-up).
 * A collector that does not answer is tried again at the next tick. */
static int
catch_up(gate_t *g)
{
    for (;;) {
        sl_pb_request_t req;
        sluice__v1__request__init(&req);
        Sluice__V1__ReadLog rl;
        sluice__v1__read_log__init(&rl);
        sl_pb_reply_t *rep = NULL;
        sl_err_t err = {0};
        rl.from_lsn = g->last_lsn + 1;
        rl.limit = READ_PAGE;
        req.kind_case = SLUICE__V1__REQUEST__KIND_READ_LOG;
        req.read_log = &rl;
        int rc = sl_client_call(g->query, &req, (int)g->cfg->timeout_ms, &rep,
                                &err);
        if (rc != SL_OK || rep->kind_case != SLUICE__V1__REPLY__KIND_CHUNK) {
            SL_DEBUG("gate", "catch-up: %s", sl_err_msg(&err, rc));
            sl_wire_free(&rep);
            return SL_OK;
        }
        const sl_pb_chunk_t *c = rep->chunk;
        int gap = 0;
        rc = gate_check_store(g, c);
        rc = rc == SL_OK ? gate_check_head(g, c) : rc;
        if (rc != SL_OK) {
            sl_wire_free(&rep);
            return rc;
        }
        size_t n = c->n_lsn < c->n_events ? c->n_lsn : c->n_events;
        rc = n > 0 ? fold_and_send(g, c, &gap) : SL_OK;
        sl_wire_free(&rep);
        if (rc != SL_OK || n == 0 || gap) {
            return rc;
        }
    }
}

/* Takes one live message off the SUB socket (called when one is there):
 * its chunk, or NULL for a message that does not decode. *got is 0 when
 * no message came. */
static sl_pb_chunk_t *
recv_chunk(gate_t *g, int *got)
{
    zmsg_t *m = zmsg_recv(g->sub);
    zframe_t *topic = m ? zmsg_pop(m) : NULL;
    zframe_t *body = m ? zmsg_pop(m) : NULL;
    sl_pb_chunk_t *c = NULL;
    *got = m != NULL;
    if (body != NULL &&
        sl_wire_unpack(&sluice__v1__log_chunk__descriptor, zframe_data(body),
                       zframe_size(body), (void **)&c, NULL) != SL_OK) {
        c = NULL;
    }
    zframe_destroy(&topic);
    zframe_destroy(&body);
    zmsg_destroy(&m);
    return c;
}

/* Folds the live chunks waiting on the SUB socket (at most LIVE_BATCH) in
 * one transaction: one synced commit for all of them, not one each. */
static int
on_sub(gate_t *g)
{
    sl_pb_chunk_t *c[LIVE_BATCH];
    size_t n = 0;
    int got = 1, rc = SL_OK;
    while (n < LIVE_BATCH && got && rc == SL_OK) {
        if (n > 0 && !(zsock_events(g->sub) & ZMQ_POLLIN)) {
            break;
        }
        sl_pb_chunk_t *one = recv_chunk(g, &got);
        if (one == NULL) {
            continue;
        }
        size_t k = one->n_lsn < one->n_events ? one->n_lsn : one->n_events;
        rc = gate_check_store(g, one);
        if (rc != SL_OK || k == 0) {
            sl_wire_free(&one);
            continue;
        }
        c[n++] = one;
    }
    if (rc == SL_OK && n > 0 && c[0]->lsn[0] > g->last_lsn + 1) {
        rc = catch_up(g); /* missed some: read them from the log */
    }
    int gap = 0;
    if (rc == SL_OK && n > 0) {
        rc = gate_fold_many(g, (const sl_pb_chunk_t *const *)c, n, &gap);
        gate_send_fresh(g, rc == SL_OK);
    }
    rc = rc == SL_OK && gap ? catch_up(g) : rc;
    for (size_t i = 0; i < n; i++) {
        sl_wire_free(&c[i]);
    }
    return rc;
}

static int
on_sender(gate_t *g)
{
    sl_pb_reply_t *r = NULL;
    int rc = SL_OK;
    while (sl_client_recv(g->sender, 0, &r, NULL) == SL_OK) {
        if (r->kind_case == SLUICE__V1__REPLY__KIND_ACK && r->ack->high_seq) {
            rc = gate_ack(g, r->ack->run_id, r->ack->stream, r->ack->high_seq,
                          r->ack->stored);
        } else if (r->kind_case == SLUICE__V1__REPLY__KIND_ERROR) {
            SL_WARN("gate", "collector refused a verdict: %s",
                    r->error->message);
        }
        sl_wire_free(&r);
    }
    return rc;
}

int
gate_run(gate_t *g, volatile int *stop)
{
    zpoller_t *p = zpoller_new(g->sub, sl_client_sock(g->sender), NULL);
    int rc = p == NULL ? SL_ENOMEM : gate_send_pending(g);
    rc = rc == SL_OK ? catch_up(g) : rc;
    int64_t last_read = sl_mono_ms();
    while (rc == SL_OK && !*stop) {
        void *which = zpoller_wait(p, IDLE_MS);
        if (which == g->sub) {
            rc = on_sub(g);
            last_read = sl_mono_ms();
        }
        /* acks every turn: a busy SUB must not starve them */
        rc = rc == SL_OK && which != NULL ? on_sender(g) : rc;
        int64_t now = sl_mono_ms();
        if (rc == SL_OK && now - last_read >= IDLE_MS) {
            rc = catch_up(g); /* events published before we subscribed */
            last_read = now;
        }
        if (rc == SL_OK && now - g->last_resend_ms >= RESEND_MS) {
            rc = gate_send_pending(g);
        }
    }
    zpoller_destroy(&p);
    return rc;
}
