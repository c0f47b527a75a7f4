/* Scenario: the collector's answers to what a well-behaved agent never
 * sends, over its real ROUTER socket: malformed and gap batches, resends,
 * undecodable bytes, WaitVerdict deadlines and ListRuns paging. */
#include <string.h>

#include "harness.h"
#include "sluice/batch.h"

#define CALL_MS 5000

/* A batch request of n test events numbered seq[0..n). */
static zframe_t *
batch_of(const char *run_id, const uint64_t *seq, size_t n)
{
    sl_batch_t b;
    sl_batch_init(&b);
    for (size_t i = 0; i < n; i++) {
        sl_pb_event_t ev;
        Sluice__V1__TestCase t;
        sluice__v1__event__init(&ev);
        sluice__v1__test_case__init(&t);
        t.name = (char *)(uintptr_t) "t";
        ev.seq = seq[i];
        ev.body_case = SLUICE__V1__EVENT__BODY_TEST;
        ev.test = &t;
        assert_int_equal(sl_batch_add(&b, &ev), SL_OK);
    }
    zframe_t *f = sl_batch_request(&b, 7, run_id, 0x5151, seq[0]);
    sl_batch_fini(&b);
    assert_non_null(f);
    return f;
}

/* Sends a raw frame and returns the reply (caller frees). */
static sl_pb_reply_t *
send_raw(sl_client_t *cl, zframe_t *f)
{
    sl_pb_reply_t *r = NULL;
    assert_int_equal(zframe_send(&f, sl_client_sock(cl), 0), 0);
    assert_int_equal(sl_client_recv(cl, CALL_MS, &r, NULL), SL_OK);
    return r;
}

static void
expect_ack(sl_client_t *cl, zframe_t *f, uint64_t high, uint32_t stored)
{
    sl_pb_reply_t *r = send_raw(cl, f);
    assert_int_equal(r->kind_case, SLUICE__V1__REPLY__KIND_ACK);
    assert_int_equal(r->ack->high_seq, high);
    assert_int_equal(r->ack->stored, stored);
    sl_wire_free(&r);
}

static void
expect_error(sl_client_t *cl, zframe_t *f, int code, const char *msg)
{
    sl_pb_reply_t *r = send_raw(cl, f);
    assert_int_equal(r->kind_case, SLUICE__V1__REPLY__KIND_ERROR);
    assert_int_equal(r->error->code, code);
    h_assert_contains(r->error->message, msg);
    sl_wire_free(&r);
}

static void
check_batches(h_env_t *h, const h_proc_t *c, sl_client_t *cl)
{
    const sl_pb_run_t *run = NULL;
    /* Not consecutive: refused, nothing stored. */
    expect_error(cl, batch_of("p-1", (uint64_t[]){1, 3}, 2), SL_EPROTO,
                 "malformed batch");
    /* Starts past seq 1 of a new stream: a gap, acked at 0, no run made. */
    expect_ack(cl, batch_of("p-1", (uint64_t[]){5, 6}, 2), 0, 0);
    assert_int_equal(h_run_query(h, c, "p-1", &run, NULL), SL_ENOTFOUND);
    /* Stored once; the resend and an overlapping batch add only what is
     * new. */
    expect_ack(cl, batch_of("p-1", (uint64_t[]){1, 2, 3}, 3), 3, 3);
    expect_ack(cl, batch_of("p-1", (uint64_t[]){1, 2, 3}, 3), 3, 0);
    expect_ack(cl, batch_of("p-1", (uint64_t[]){3, 4}, 2), 4, 1);
    run = h_run_get(h, c, "p-1");
    assert_int_equal(run->events, 4);
    assert_int_equal(run->tests->total, 4);
    assert_int_equal(run->last_lsn, 4);
    /* Bytes that are no Request. */
    expect_error(cl, zframe_new("\xff\xff\xff", 3), SL_EINPUT,
                 "do not decode");
}

static sl_pb_reply_t *
wait_verdict(sl_client_t *cl, const char *run_id, uint32_t ms, int *rc)
{
    sl_pb_request_t req;
    Sluice__V1__WaitVerdict wv;
    sluice__v1__request__init(&req);
    sluice__v1__wait_verdict__init(&wv);
    wv.run_id = (char *)(uintptr_t)run_id;
    wv.timeout_ms = ms;
    req.kind_case = SLUICE__V1__REQUEST__KIND_WAIT_VERDICT;
    req.wait_verdict = &wv;
    sl_pb_reply_t *r = NULL;
    *rc = sl_client_call(cl, &req, CALL_MS, &r, NULL);
    return r;
}

static void
check_wait_deadlines(sl_client_t *cl)
{
    int rc;
    /* An open run without a verdict: the run, still pending, at the
     * deadline. */
    sl_pb_reply_t *r = wait_verdict(cl, "p-1", 100, &rc);
    assert_int_equal(rc, SL_OK);
    assert_int_equal(r->kind_case, SLUICE__V1__REPLY__KIND_RUN);
    assert_int_equal(r->run->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING);
    sl_wire_free(&r);
    /* A run that never appears: timed out. */
    r = wait_verdict(cl, "nobody", 100, &rc);
    assert_int_equal(rc, SL_ETIMEDOUT);
    assert_null(r);
}

/* Three runs, listed two per page: the cursor leads to the third. */
static void
check_paging(h_env_t *h, const h_proc_t *c, sl_client_t *cl)
{
    for (int i = 0; i < 2; i++) {
        const h_result_t *a =
            h_agent(h, "push", "--collector", c->listen, "--run-id",
                    i == 0 ? "p-2" : "p-3", H_FIXTURE("passing.xml"), NULL);
        assert_int_equal(a->status, 0);
    }
    sl_pb_request_t req;
    Sluice__V1__ListRuns lr;
    sluice__v1__request__init(&req);
    sluice__v1__list_runs__init(&lr);
    lr.limit = 2;
    req.kind_case = SLUICE__V1__REQUEST__KIND_LIST_RUNS;
    req.list_runs = &lr;
    sl_pb_reply_t *r = NULL;
    assert_int_equal(sl_client_call(cl, &req, CALL_MS, &r, NULL), SL_OK);
    assert_int_equal(r->runs->n_runs, 2);
    assert_string_equal(r->runs->runs[0]->run_id, "p-3");
    assert_string_equal(r->runs->runs[1]->run_id, "p-2");
    assert_true(r->runs->next_cursor.len > 0);
    uint8_t cursor[512];
    size_t len = r->runs->next_cursor.len;
    memcpy(cursor, r->runs->next_cursor.data, len);
    sl_wire_free(&r);
    lr.cursor.data = cursor;
    lr.cursor.len = len;
    assert_int_equal(sl_client_call(cl, &req, CALL_MS, &r, NULL), SL_OK);
    assert_int_equal(r->runs->n_runs, 1);
    assert_string_equal(r->runs->runs[0]->run_id, "p-1");
    assert_int_equal(r->runs->next_cursor.len, 0);
    sl_wire_free(&r);
}

static void
test_protocol(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    sl_client_t *cl = NULL;
    assert_int_equal(sl_client_new(&cl, c->listen, NULL), SL_OK);
    check_batches(h, c, cl);
    check_wait_deadlines(cl);
    check_paging(h, c, cl);
    sl_client_destroy(&cl);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_protocol, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
