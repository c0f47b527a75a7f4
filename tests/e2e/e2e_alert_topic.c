/* Scenario: alert events on their own topic. A client stores a run with
 * Alert events (stream SL_STREAM_ALERT) through a real collector; a
 * subscriber on "alert/" receives only those alerts, with their LSNs, on
 * "alert/<project>/", and a subscriber on "run/" receives them in the
 * batch's normal chunk, the same bytes under the same LSNs. A gate
 * following the collector meanwhile still judges the next run. */
#include <string.h>

#include "harness.h"
#include "sluice/batch.h"
#include "sluice/run.h"

#define CALL_MS 5000
#define RECV_MS 10000
#define WARM    "warm-up"

static void
send_batch(sl_client_t *cl, sl_batch_t *b, const char *run_id, uint64_t stream,
           uint64_t first_seq, uint32_t stored)
{
    zframe_t *f =
        sl_batch_request(b, sl_client_next_id(cl), run_id, stream, first_seq);
    assert_non_null(f);
    sl_batch_reset(b);
    assert_int_equal(zframe_send(&f, sl_client_sock(cl), 0), 0);
    sl_pb_reply_t *r = NULL;
    assert_int_equal(sl_client_recv(cl, CALL_MS, &r, NULL), SL_OK);
    assert_int_equal(r->kind_case, SLUICE__V1__REPLY__KIND_ACK);
    assert_int_equal(r->ack->stored, stored);
    sl_wire_free(&r);
}

static void
add_alert(sl_batch_t *b, uint64_t seq, const char *kind)
{
    sl_pb_event_t ev;
    Sluice__V1__Alert al;
    sluice__v1__event__init(&ev);
    sluice__v1__alert__init(&al);
    al.kind = (char *)(uintptr_t)kind;
    al.project = (char *)(uintptr_t) "alerts-demo";
    al.branch = (char *)(uintptr_t) "main";
    al.subject = (char *)(uintptr_t) "BM_parse";
    ev.seq = seq;
    ev.body_case = SLUICE__V1__EVENT__BODY_ALERT;
    ev.alert = &al;
    assert_int_equal(sl_batch_add(b, &ev), SL_OK);
}

static void
add_test(sl_batch_t *b, uint64_t seq)
{
    sl_pb_event_t ev;
    Sluice__V1__TestCase t;
    sluice__v1__event__init(&ev);
    sluice__v1__test_case__init(&t);
    t.name = (char *)(uintptr_t) "t";
    ev.seq = seq;
    ev.body_case = SLUICE__V1__EVENT__BODY_TEST;
    ev.test = &t;
    assert_int_equal(sl_batch_add(b, &ev), SL_OK);
}

static zsock_t *
subscriber(const h_proc_t *c, const char *prefix)
{
    zsock_t *s = zsock_new(ZMQ_SUB);
    assert_non_null(s);
    sl_wire_socket_limits(s);
    zsock_set_subscribe(s, prefix);
    zsock_set_rcvtimeo(s, RECV_MS);
    assert_int_equal(zsock_connect(s, "%s", c->publish), 0);
    return s;
}

/* One published message: its topic and its chunk (the caller frees). */
typedef struct pub {
    char *topic;
    sl_pb_chunk_t *chunk;
} pub_t;

static void
pub_free(pub_t *p)
{
    free(p->topic);
    sl_wire_free(&p->chunk);
}

static sl_pb_event_t *
event_of(const sl_pb_chunk_t *c, size_t i)
{
    sl_pb_event_t *e = NULL;
    assert_true(i < c->n_events);
    assert_int_equal(sl_wire_unpack(&sluice__v1__event__descriptor,
                                    c->events[i].data, c->events[i].len,
                                    (void **)&e, NULL),
                     SL_OK);
    return e;
}

/* Receives the next message (deadline RECV_MS); 0 when none came. */
static int
recv_pub(zsock_t *s, pub_t *p)
{
    zmsg_t *m = zmsg_recv(s);
    if (m == NULL) {
        return 0;
    }
    assert_int_equal(zmsg_size(m), 2);
    p->topic = zmsg_popstr(m);
    zframe_t *body = zmsg_pop(m);
    p->chunk = NULL;
    assert_int_equal(sl_wire_unpack(&sluice__v1__log_chunk__descriptor,
                                    zframe_data(body), zframe_size(body),
                                    (void **)&p->chunk, NULL),
                     SL_OK);
    zframe_destroy(&body);
    zmsg_destroy(&m);
    assert_int_equal(p->chunk->n_lsn, p->chunk->n_events);
    assert_true(p->chunk->n_events > 0);
    return 1;
}

/* The next message that is not about the warm-up run. */
static void
recv_real(zsock_t *s, pub_t *p)
{
    for (;;) {
        assert_true(recv_pub(s, p));
        sl_pb_event_t *e = event_of(p->chunk, 0);
        int warm = strcmp(e->run_id, WARM) == 0;
        sl_wire_free(&e);
        if (!warm) {
            return;
        }
        pub_free(p);
    }
}

/* PUB drops what goes out before a subscription has reached it: store
 * warm-up alerts until both subscribers have seen one. */
static void
warm_up(sl_client_t *cl, zsock_t *alerts, zsock_t *runs)
{
    sl_batch_t b;
    sl_batch_init(&b);
    int got_a = 0, got_r = 0;
    zsock_set_rcvtimeo(alerts, 50);
    zsock_set_rcvtimeo(runs, 50);
    for (uint64_t seq = 1; (!got_a || !got_r) && seq <= 200; seq++) {
        add_alert(&b, seq, "warm");
        send_batch(cl, &b, WARM, SL_STREAM_ALERT, seq, 1);
        pub_t p;
        while (recv_pub(alerts, &p)) {
            got_a = 1;
            pub_free(&p);
        }
        while (recv_pub(runs, &p)) {
            got_r = 1;
            pub_free(&p);
        }
    }
    assert_true(got_a && got_r);
    zsock_set_rcvtimeo(alerts, RECV_MS);
    zsock_set_rcvtimeo(runs, RECV_MS);
    sl_batch_fini(&b);
}

/* Run a-1: its meta, then [Alert, TestCase, Alert] on the alert stream. */
static void
store_run(sl_client_t *cl)
{
    sl_batch_t b;
    sl_batch_init(&b);
    sl_pb_event_t ev;
    Sluice__V1__RunMeta meta;
    sluice__v1__event__init(&ev);
    sluice__v1__run_meta__init(&meta);
    meta.project = (char *)(uintptr_t) "alerts-demo";
    meta.branch = (char *)(uintptr_t) "main";
    ev.seq = 1;
    ev.body_case = SLUICE__V1__EVENT__BODY_META;
    ev.meta = &meta;
    assert_int_equal(sl_batch_add(&b, &ev), SL_OK);
    send_batch(cl, &b, "a-1", 0x7777, 1, 1);
    add_alert(&b, 1, "regression");
    add_test(&b, 2);
    add_alert(&b, 3, "coverage_drop");
    send_batch(cl, &b, "a-1", SL_STREAM_ALERT, 1, 3);
    sl_batch_fini(&b);
}

static void
check_alert_event(const sl_pb_chunk_t *c, size_t i, uint64_t seq,
                  const char *kind)
{
    sl_pb_event_t *e = event_of(c, i);
    assert_string_equal(e->run_id, "a-1");
    assert_int_equal(e->stream, SL_STREAM_ALERT);
    assert_int_equal(e->seq, seq);
    assert_int_equal(e->body_case, SLUICE__V1__EVENT__BODY_ALERT);
    assert_string_equal(e->alert->kind, kind);
    assert_string_equal(e->alert->project, "alerts-demo");
    sl_wire_free(&e);
}

static void
assert_same_event(const sl_pb_chunk_t *a, size_t i, const sl_pb_chunk_t *b,
                  size_t j)
{
    assert_int_equal(a->lsn[i], b->lsn[j]);
    assert_int_equal(a->events[i].len, b->events[j].len);
    assert_memory_equal(a->events[i].data, b->events[j].data, a->events[i].len);
}

/* The alert subscriber gets the two alerts alone; the run subscriber gets
 * the meta chunk, then all three events, in LSN order. */
static void
check_published(zsock_t *alerts, zsock_t *runs)
{
    pub_t a, meta, r;
    recv_real(alerts, &a);
    assert_string_equal(a.topic, "alert/alerts-demo/");
    assert_int_equal(a.chunk->n_events, 2);
    check_alert_event(a.chunk, 0, 1, "regression");
    check_alert_event(a.chunk, 1, 3, "coverage_drop");
    assert_int_equal(a.chunk->lsn[1], a.chunk->lsn[0] + 2);
    assert_int_equal(a.chunk->store_id.len, 16);
    recv_real(runs, &meta);
    assert_string_equal(meta.topic, "run/alerts-demo/");
    assert_int_equal(meta.chunk->n_events, 1);
    recv_real(runs, &r);
    assert_string_equal(r.topic, "run/alerts-demo/");
    assert_int_equal(r.chunk->n_events, 3);
    assert_int_equal(r.chunk->lsn[0], meta.chunk->lsn[0] + 1);
    assert_same_event(a.chunk, 0, r.chunk, 0);
    assert_same_event(a.chunk, 1, r.chunk, 2);
    assert_int_equal(a.chunk->head_lsn, r.chunk->head_lsn);
    assert_memory_equal(a.chunk->store_id.data, r.chunk->store_id.data, 16);
    pub_free(&a);
    pub_free(&meta);
    pub_free(&r);
}

static void
test_alert_topic(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gstate));
    sl_client_t *cl = NULL;
    assert_int_equal(sl_client_new(&cl, c->listen, NULL), SL_OK);
    zsock_t *alerts = subscriber(c, "alert/");
    zsock_t *runs = subscriber(c, "run/");
    warm_up(cl, alerts, runs);
    store_run(cl);
    check_published(alerts, runs);
    const sl_pb_run_t *run = h_run_get(h, c, "a-1");
    assert_int_equal(run->alerts, 2);
    assert_string_equal(run->meta->project, "alerts-demo");
    /* The gate, on "run/" only, still follows the log past the alerts. */
    const h_result_t *ag =
        h_agent(h, "push", "--collector", c->listen, "--project", "alerts-demo",
                "--run-id", "a-2", "--wait=20", H_FIXTURE("passing.xml"), NULL);
    assert_int_equal(ag->status, 0);
    h_assert_contains(ag->out, "\nverdict: pass");
    zsock_destroy(&alerts);
    zsock_destroy(&runs);
    sl_client_destroy(&cl);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alert_topic, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
