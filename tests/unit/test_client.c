/* lib/client.c against a real ROUTER on tcp://127.0.0.1:* served by a
 * thread of this process: replies are matched by id (stale ones skipped),
 * an unanswered call is SL_EUNREACH after its timeout, an Error reply is
 * its code and message. Assertions run on the main thread only. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sluice/client.h"
#include "sluice/clock.h"

typedef enum {
    SRV_STALE,   /* two replies with other ids, then the right one */
    SRV_SILENT,  /* never answers */
    SRV_LATE,    /* answers request 1 only after request 2 came */
    SRV_ERROR,   /* an Error reply: SL_EGAP */
    SRV_BADCODE, /* an Error reply with a code that is no SL_E* */
} srv_mode_t;

typedef struct server {
    zsock_t *router;
    srv_mode_t mode;
    char token[64];  /* the run id our requests carry */
    uint64_t ids[2]; /* ids of the requests received */
    int nreq;
    pthread_t th;
} server_t;

/* A GetRun request for the server's token. */
typedef struct call {
    sl_pb_request_t req;
    Sluice__V1__GetRun q;
} call_t;

static int
send_reply(zsock_t *router, zframe_t *ident, const sl_pb_reply_t *rep)
{
    if (zframe_send(&ident, router, ZFRAME_MORE | ZFRAME_REUSE) != 0) {
        return SL_EIO;
    }
    return sl_wire_send(router, &rep->base);
}

static int
send_ack(zsock_t *router, zframe_t *ident, uint64_t id, uint32_t stored)
{
    Sluice__V1__Ack ack;
    sl_pb_reply_t rep;
    sluice__v1__ack__init(&ack);
    sluice__v1__reply__init(&rep);
    ack.stored = stored;
    rep.id = id;
    rep.kind_case = SLUICE__V1__REPLY__KIND_ACK;
    rep.ack = &ack;
    return send_reply(router, ident, &rep);
}

static int
send_error(zsock_t *router, zframe_t *ident, uint64_t id, int code)
{
    Sluice__V1__Error e;
    sl_pb_reply_t rep;
    char msg[] = "gap at 5";
    sluice__v1__error__init(&e);
    sluice__v1__reply__init(&rep);
    e.code = code;
    e.message = msg;
    rep.id = id;
    rep.kind_case = SLUICE__V1__REPLY__KIND_ERROR;
    rep.error = &e;
    return send_reply(router, ident, &rep);
}

/* Takes the request in m if it is one of ours: an ephemeral port may have
 * been some other program's a moment ago, and its peers may still be
 * reconnecting to it and sending. */
static int
take_ours(server_t *s, zmsg_t *m)
{
    zframe_t *body = zmsg_pop(m);
    void *p = NULL;
    int ours = 0;
    if (body != NULL &&
        sl_wire_unpack(&sluice__v1__request__descriptor, zframe_data(body),
                       zframe_size(body), &p, NULL) == SL_OK) {
        const sl_pb_request_t *req = p;
        ours = req->kind_case == SLUICE__V1__REQUEST__KIND_GET_RUN &&
               strcmp(req->get_run->run_id, s->token) == 0 && s->nreq < 2;
        if (ours) {
            s->ids[s->nreq++] = req->id;
        }
    }
    sl_wire_free(&p);
    zframe_destroy(&body);
    return ours;
}

/* Receives our next request; returns its sender's identity (NULL when none
 * came within the socket's receive timeout). */
static zframe_t *
recv_request(server_t *s)
{
    for (;;) {
        zmsg_t *m = zmsg_recv(s->router);
        zframe_t *ident = m != NULL ? zmsg_pop(m) : NULL;
        int ours = ident != NULL && take_ours(s, m);
        zmsg_destroy(&m);
        if (ident == NULL || ours) {
            return ident;
        }
        zframe_destroy(&ident);
    }
}

static void *
server_main(void *arg)
{
    server_t *s = arg;
    zframe_t *ident = recv_request(s), *ident2 = NULL;
    uint64_t id = s->ids[0];
    if (ident == NULL) {
        return NULL;
    }
    switch (s->mode) {
    case SRV_STALE:
        (void)send_ack(s->router, ident, id - 1, 1);
        (void)send_ack(s->router, ident, id + 1, 2);
        (void)send_ack(s->router, ident, id, 3);
        break;
    case SRV_LATE:
        ident2 = recv_request(s);
        (void)send_ack(s->router, ident, id, 1);
        (void)send_ack(s->router, ident, s->ids[1], 2);
        break;
    case SRV_ERROR:
        (void)send_error(s->router, ident, id, SL_EGAP);
        break;
    case SRV_BADCODE:
        (void)send_error(s->router, ident, id, 7);
        break;
    case SRV_SILENT:
        break;
    }
    zframe_destroy(&ident);
    zframe_destroy(&ident2);
    return NULL;
}

/* Binds the ROUTER, starts its thread and connects *cl to it. */
static void
start(server_t *s, srv_mode_t mode, sl_client_t **cl)
{
    memset(s, 0, sizeof *s);
    s->mode = mode;
    (void)snprintf(s->token, sizeof s->token, "unit-client-%ld-%lld",
                   (long)getpid(), (long long)sl_now_us());
    s->router = zsock_new_router("tcp://127.0.0.1:*");
    assert_non_null(s->router);
    sl_wire_socket_limits(s->router);
    zsock_set_rcvtimeo(s->router, 5000); /* a broken test must not hang */
    assert_int_equal(pthread_create(&s->th, NULL, server_main, s), 0);
    sl_err_t err = {0};
    assert_int_equal(sl_client_new(cl, zsock_endpoint(s->router), &err), SL_OK);
}

static void
stop(server_t *s, sl_client_t **cl)
{
    assert_int_equal(pthread_join(s->th, NULL), 0);
    zsock_destroy(&s->router);
    sl_client_destroy(cl);
    assert_null(*cl);
}

static void
get_run(call_t *c, server_t *s)
{
    sluice__v1__get_run__init(&c->q);
    c->q.run_id = s->token;
    sluice__v1__request__init(&c->req);
    c->req.kind_case = SLUICE__V1__REQUEST__KIND_GET_RUN;
    c->req.get_run = &c->q;
}

static void
test_client_skips_stale_replies(void **state)
{
    (void)state;
    server_t s;
    sl_client_t *cl = NULL;
    start(&s, SRV_STALE, &cl);
    call_t c;
    get_run(&c, &s);
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_client_call(cl, &c.req, 5000, &rep, &err), SL_OK);
    stop(&s, &cl);
    assert_int_equal(s.nreq, 1);
    assert_true(s.ids[0] == c.req.id);
    assert_non_null(rep);
    assert_true(rep->id == c.req.id);
    assert_int_equal(rep->kind_case, SLUICE__V1__REPLY__KIND_ACK);
    assert_int_equal(rep->ack->stored, 3);
    sl_wire_free(&rep);
}

static void
test_client_unanswered_is_unreach(void **state)
{
    (void)state;
    server_t s;
    sl_client_t *cl = NULL;
    start(&s, SRV_SILENT, &cl);
    call_t c;
    get_run(&c, &s);
    sl_pb_reply_t *rep = (sl_pb_reply_t *)(uintptr_t)1; /* must be NULLed */
    sl_err_t err = {0};
    int64_t t0 = sl_mono_ms();
    assert_int_equal(sl_client_call(cl, &c.req, 200, &rep, &err), SL_EUNREACH);
    int64_t took = sl_mono_ms() - t0;
    assert_null(rep);
    assert_true(took >= 199 && took < 3000);
    char want[128];
    (void)snprintf(want, sizeof want, "no answer from the collector at %s",
                   zsock_endpoint(s.router));
    assert_string_equal(err.msg, want);
    stop(&s, &cl);
    assert_int_equal(s.nreq, 1);
}

static void
test_client_late_reply_is_skipped(void **state)
{
    (void)state;
    server_t s;
    sl_client_t *cl = NULL;
    start(&s, SRV_LATE, &cl);
    call_t c1, c2;
    get_run(&c1, &s);
    get_run(&c2, &s);
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_client_call(cl, &c1.req, 150, &rep, &err), SL_EUNREACH);
    sl_err_t err2 = {0};
    assert_int_equal(sl_client_call(cl, &c2.req, 5000, &rep, &err2), SL_OK);
    stop(&s, &cl);
    assert_int_equal(s.nreq, 2);
    assert_true(c1.req.id != c2.req.id);
    assert_true(s.ids[0] == c1.req.id && s.ids[1] == c2.req.id);
    assert_true(rep->id == c2.req.id);
    assert_int_equal(rep->ack->stored, 2); /* not request 1's answer */
    sl_wire_free(&rep);
}

static void
test_client_error_reply(void **state)
{
    (void)state;
    server_t s;
    sl_client_t *cl = NULL;
    start(&s, SRV_ERROR, &cl);
    call_t c;
    get_run(&c, &s);
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_client_call(cl, &c.req, 5000, &rep, &err), SL_EGAP);
    assert_null(rep);
    assert_int_equal(err.rc, SL_EGAP);
    assert_string_equal(err.msg, "gap at 5");
    stop(&s, &cl);
}

static void
test_client_error_reply_bad_code(void **state)
{
    (void)state;
    server_t s;
    sl_client_t *cl = NULL;
    start(&s, SRV_BADCODE, &cl);
    call_t c;
    get_run(&c, &s);
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_client_call(cl, &c.req, 5000, &rep, &err), SL_EPROTO);
    assert_null(rep);
    assert_string_equal(err.msg, "gap at 5");
    stop(&s, &cl);
}

static void
test_client_bad_endpoint(void **state)
{
    (void)state;
    sl_client_t *cl = (sl_client_t *)(uintptr_t)1;
    sl_err_t err = {0};
    assert_int_equal(sl_client_new(&cl, "nope://x", &err), SL_EINVAL);
    assert_null(cl);
    assert_string_equal(err.msg, "invalid collector endpoint 'nope://x'");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_skips_stale_replies),
        cmocka_unit_test(test_client_unanswered_is_unreach),
        cmocka_unit_test(test_client_late_reply_is_skipped),
        cmocka_unit_test(test_client_error_reply),
        cmocka_unit_test(test_client_error_reply_bad_code),
        cmocka_unit_test(test_client_bad_endpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
