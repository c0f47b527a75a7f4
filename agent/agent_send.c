/* The batch window. Acks name the highest contiguous seq stored per
 * (run, stream); a batch is done when its last seq is at or below it. A
 * batch without an ack is resent after a second (the collector drops what
 * it already holds); with no ack at all for --timeout, the collector counts
 * as unreachable and every batch not acknowledged goes to the spool. */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/clock.h"
#include "sluice/daemon.h"
#include "sluice/log.h"

#define RESEND_MS 1000

int
agent_sender_init(agent_sender_t *s, const agent_cfg_t *cfg, sl_err_t *err)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->last_progress_ms = sl_mono_ms();
    int rc = sl_client_new(&s->client, cfg->collector, err);
    if (rc == SL_OK) {
        /* Never block in a send: with the collector down, libzmq's queue
         * fills and a blocking send would stop the clock that decides to
         * spool. A refused send is simply resent later. */
        zsock_set_sndtimeo(sl_client_sock(s->client), 0);
        sl_client_set_stop(s->client, &sl_daemon_stop);
    }
    return rc;
}

static void
inflight_free(agent_inflight_t *f)
{
    zframe_destroy(&f->frame);
    free(f->run_id);
}

/* The collector is gone (or we must stop): every batch in flight moves to
 * the spool, and so does everything sent from now on. */
static int
go_unreachable(agent_sender_t *s)
{
    int rc = SL_OK;
    if (!s->unreachable && !s->interrupted) {
        SL_WARN("agent", "%s from the collector at %s for %llu ms; "
                "spooling %zu batch(es)",
                s->refusal[0] ? "only refusals" : "no answer",
                s->cfg->collector, (unsigned long long)s->cfg->timeout_ms,
                s->n);
    }
    s->unreachable = 1;
    for (size_t i = 0; i < s->n; i++) {
        if (rc == SL_OK) {
            rc = agent_spool_write(s, s->q[i].frame);
        }
        inflight_free(&s->q[i]);
    }
    s->n = 0;
    return rc;
}

static void
on_ack(agent_sender_t *s, const Sluice__V1__Ack *a)
{
    size_t j = 0, n0 = s->n;
    for (size_t i = 0; i < s->n; i++) {
        agent_inflight_t *f = &s->q[i];
        if (f->stream == a->stream && f->last_seq <= a->high_seq &&
            strcmp(f->run_id, a->run_id) == 0) {
            inflight_free(f);
            continue;
        }
        s->q[j++] = *f;
    }
    s->n = j;
    s->stored += a->stored;
    /* Only an ack that releases a batch is progress: a gap or a resend
     * acked again does not keep a refusing collector looking alive. */
    if (s->n < n0 || a->stored > 0) {
        s->last_progress_ms = sl_mono_ms();
        s->refusal[0] = '\0';
    }
}

static void
on_reply(agent_sender_t *s, const sl_pb_reply_t *r)
{
    if (r->kind_case == SLUICE__V1__REPLY__KIND_ACK) {
        on_ack(s, r->ack);
    } else if (r->kind_case == SLUICE__V1__REPLY__KIND_ERROR) {
        /* Kept and resent; a refusal is no progress, so a collector that
         * keeps refusing (store full) ends in the spool and exit 3. */
        SL_WARN("agent", "collector refused a batch: %s",
                r->error->message);
        (void)snprintf(s->refusal, sizeof s->refusal, "%s",
                       r->error->message);
    }
}

static void
resend_all(agent_sender_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (zframe_send(&s->q[i].frame, sl_client_sock(s->client),
                        ZFRAME_REUSE) != 0) {
            break;
        }
    }
    s->last_send_ms = sl_mono_ms();
}

/* Takes replies for up to wait_ms; resends or gives up as due. */
static int
pump(agent_sender_t *s, int wait_ms)
{
    sl_pb_reply_t *r = NULL;
    int rc = sl_client_recv(s->client, wait_ms, &r, NULL);
    if (rc == SL_OK) {
        on_reply(s, r);
        sl_wire_free(&r);
        /* Take what else is queued without waiting. */
        while (sl_client_recv(s->client, 0, &r, NULL) == SL_OK) {
            on_reply(s, r);
            sl_wire_free(&r);
        }
    }
    if (rc == SL_EINTR || sl_daemon_stop) {
        /* Told to stop: what is in flight must not be lost. */
        s->interrupted = 1;
        return go_unreachable(s);
    }
    int64_t now = sl_mono_ms();
    if (s->n > 0 && now - s->last_progress_ms >= (int64_t)s->cfg->timeout_ms) {
        return go_unreachable(s);
    }
    if (s->n > 0 && now - s->last_send_ms >= RESEND_MS &&
        now - s->last_progress_ms >= RESEND_MS) {
        resend_all(s);
    }
    return SL_OK;
}

static int
push_inflight(agent_sender_t *s, zframe_t **frame, const char *run_id,
              uint64_t stream, uint64_t last_seq, uint64_t id)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        agent_inflight_t *nq = realloc(s->q, cap * sizeof *nq);
        if (nq == NULL) {
            return SL_ENOMEM;
        }
        s->q = nq;
        s->cap = cap;
    }
    agent_inflight_t *f = &s->q[s->n];
    f->run_id = strdup(run_id);
    if (f->run_id == NULL) {
        return SL_ENOMEM;
    }
    f->frame = *frame;
    *frame = NULL;
    f->stream = stream;
    f->last_seq = last_seq;
    f->id = id;
    s->n++;
    return SL_OK;
}

int
agent_sender_send(agent_sender_t *s, zframe_t **frame, const char *run_id,
                  uint64_t stream, uint64_t last_seq, uint64_t id)
{
    int rc = SL_OK;
    if (s->n == 0) {
        s->last_progress_ms = sl_mono_ms();
    }
    while (rc == SL_OK && !s->unreachable &&
           (s->n >= s->cfg->window || sl_daemon_stop)) {
        rc = pump(s, s->n >= s->cfg->window ? 100 : 0);
    }
    if (rc == SL_OK && s->unreachable) {
        rc = agent_spool_write(s, *frame);
    } else if (rc == SL_OK) {
        if (zframe_send(frame, sl_client_sock(s->client), ZFRAME_REUSE) != 0) {
            SL_DEBUG("agent", "send deferred; resent later");
        }
        s->last_send_ms = sl_mono_ms();
        rc = push_inflight(s, frame, run_id, stream, last_seq, id);
    }
    zframe_destroy(frame);
    return rc;
}

int
agent_sender_drain(agent_sender_t *s)
{
    int rc = SL_OK;
    while (rc == SL_OK && s->n > 0) {
        rc = pump(s, 100);
    }
    return rc;
}

int
agent_sender_fini(agent_sender_t *s, sl_err_t *err)
{
    int rc = SL_OK;
    for (size_t i = 0; i < s->n; i++) {
        inflight_free(&s->q[i]);
    }
    free(s->q);
    s->q = NULL;
    s->n = 0;
    if (s->spool != NULL) {
        int bad = fflush(s->spool) != 0 || fsync(fileno(s->spool)) != 0;
        bad |= fclose(s->spool) != 0;
        s->spool = NULL;
        if (bad || rename(s->spool_tmp, s->spool_path) != 0) {
            rc = sl_err_set(err, SL_EIO, "spool %s: cannot write",
                            s->spool_tmp);
        }
    }
    sl_client_destroy(&s->client);
    return rc;
}

void
agent_stream_init(agent_stream_t *st, agent_sender_t *s, const char *run_id,
                  uint64_t stream)
{
    st->sender = s;
    st->run_id = run_id;
    st->stream = stream;
    st->next_seq = 1;
    st->batch_seq = 1;
    sl_batch_init(&st->batch);
}

static int
stream_flush(agent_stream_t *st)
{
    if (st->batch.n == 0) {
        return SL_OK;
    }
    uint64_t id = sl_client_next_id(st->sender->client);
    zframe_t *f = sl_batch_request(&st->batch, id, st->run_id, st->stream,
                                   st->batch_seq);
    if (f == NULL) {
        return SL_ENOMEM;
    }
    int rc = agent_sender_send(st->sender, &f, st->run_id, st->stream,
                               st->next_seq - 1, id);
    st->batch_seq = st->next_seq;
    sl_batch_reset(&st->batch);
    return rc;
}

int
agent_stream_add(agent_stream_t *st, sl_pb_event_t *ev)
{
    ev->seq = st->next_seq++;
    int rc = sl_batch_add(&st->batch, ev);
    if (rc == SL_OK && sl_batch_full(&st->batch)) {
        rc = stream_flush(st);
    }
    return rc;
}

int
agent_stream_close(agent_stream_t *st)
{
    int rc = stream_flush(st);
    sl_batch_fini(&st->batch);
    return rc;
}
