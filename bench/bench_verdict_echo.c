/* bench_verdict's raw limit: a bare DEALER -> ROUTER echo over tcp
 * loopback, libzmq only (no czmq, no protobuf), one server thread like
 * the collector's main thread. See bench_verdict.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "bench.h"
#include "bench_verdict.h"
#include "sluice/wire.h"

#define ECHO_WARMUP 200 /* round trips per client before timing */

/* Answers one request if one is queued: [identity][body] in, [identity]
 * [rep] out. -1 when none is queued (or on error). */
static int
echo_serve_one(void *s, const uint8_t *rep, size_t len)
{
    zmq_msg_t id, body;
    (void)zmq_msg_init(&id);
    (void)zmq_msg_init(&body);
    int rc = zmq_msg_recv(&id, s, ZMQ_DONTWAIT) < 0 ? -1 : 0;
    rc = rc == 0 && zmq_msg_recv(&body, s, 0) < 0 ? -1 : rc;
    rc = rc == 0 && zmq_msg_send(&id, s, ZMQ_SNDMORE) < 0 ? -1 : rc;
    rc = rc == 0 && zmq_send(s, rep, len, 0) < 0 ? -1 : rc;
    (void)zmq_msg_close(&id);
    (void)zmq_msg_close(&body);
    return rc;
}

static void *
raw_socket(void *ctx, int type)
{
    void *s = zmq_socket(ctx, type);
    int linger = 0;
    int64_t max = SL_WIRE_MAX_MSG;
    if (s != NULL) {
        (void)zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        (void)zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    }
    return s;
}

/* The echo server process: libzmq only, one thread, like the collector's
 * main thread but with nothing to decode. Writes its endpoint to wfd. */
int
vb_echo_server(int wfd, size_t rep_len)
{
    void *ctx = zmq_ctx_new();
    void *s = ctx != NULL ? raw_socket(ctx, ZMQ_ROUTER) : NULL;
    char ep[256];
    size_t eplen = sizeof ep;
    uint8_t *rep = calloc(rep_len ? rep_len : 1, 1);
    int ok = s != NULL && rep != NULL &&
             zmq_bind(s, "tcp://127.0.0.1:*") == 0 &&
             zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &eplen) == 0 &&
             write(wfd, ep, strlen(ep)) == (ssize_t)strlen(ep);
    (void)close(wfd);
    while (ok && !vb_stop) {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 100) > 0) {
            while (echo_serve_one(s, rep, rep_len) == 0) {
            }
        }
    }
    free(rep);
    if (s != NULL) {
        (void)zmq_close(s);
    }
    if (ctx != NULL) {
        (void)zmq_ctx_term(ctx);
    }
    return ok ? 0 : 1;
}


/* Keeps j->outstanding requests in flight until n replies came. Replies
 * come back in order (one connection, one server thread), so reply i
 * answers request i: ring[i % outstanding] is when it was sent. */
static int
echo_loop(void *s, const vb_echo_job_t *j, int64_t *ring, uint8_t *buf,
          size_t cap, size_t n)
{
    size_t sent = 0, got = 0;
    int64_t last = bench_mono_ns();
    while (got < n) {
        while (sent < n && sent - got < j->outstanding) {
            ring[sent % j->outstanding] = bench_mono_ns();
            if (zmq_send(s, j->req, j->req_len, 0) < 0) {
                return -1;
            }
            sent++;
        }
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        (void)zmq_poll(&it, 1, 100);
        while (got < n && zmq_recv(s, buf, cap, ZMQ_DONTWAIT) >= 0) {
            last = bench_mono_ns();
            if (j->out != NULL) {
                j->out[got] = last - ring[got % j->outstanding];
            }
            got++;
        }
        if (vb_stop || bench_mono_ns() - last > j->timeout_ns) {
            return -1;
        }
    }
    return 0;
}

/* An echo client process: ECHO_WARMUP round trips one at a time, then the
 * timed ones. */
int
vb_echo_client(const vb_echo_job_t *j)
{
    void *ctx = zmq_ctx_new();
    void *s = ctx != NULL ? raw_socket(ctx, ZMQ_DEALER) : NULL;
    int64_t *ring = calloc(j->outstanding, sizeof *ring);
    size_t cap = 1u << 16;
    uint8_t *buf = malloc(cap);
    vb_echo_job_t warm = *j;
    warm.outstanding = 1;
    warm.out = NULL;
    int rc = s != NULL && ring != NULL && buf != NULL &&
                     zmq_connect(s, j->ep) == 0
                 ? 0
                 : -1;
    rc = rc == 0 ? echo_loop(s, &warm, ring, buf, cap, ECHO_WARMUP) : rc;
    rc = rc == 0 ? echo_loop(s, j, ring, buf, cap, j->n) : rc;
    free(ring);
    free(buf);
    if (s != NULL) {
        (void)zmq_close(s);
    }
    if (ctx != NULL) {
        (void)zmq_ctx_term(ctx);
    }
    return rc == 0 ? 0 : 1;
}

