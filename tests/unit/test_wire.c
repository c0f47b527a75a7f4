/* lib/wire.c: pack/unpack round trip, and every way hostile bytes are
 * refused: truncation, garbage, the size cap and the allocation budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/batch.h"
#include "sluice/wire.h"

/* A Request carrying a Batch of two events; all storage is static. */
static void
make_request(sl_pb_request_t *req)
{
    static sl_pb_batch_t b;
    static sl_pb_event_t e1;
    static sl_pb_event_t e2;
    static Sluice__V1__TestCase tc;
    static Sluice__V1__RunMeta meta;
    static sl_pb_event_t *evs[] = {&e1, &e2};
    sluice__v1__batch__init(&b);
    sluice__v1__event__init(&e1);
    sluice__v1__event__init(&e2);
    sluice__v1__test_case__init(&tc);
    static char run[] = "run-1", suite[] = "suite", name[] = "test \"q\"",
                msg[] = "boom", project[] = "proj";
    sluice__v1__run_meta__init(&meta);
    tc.suite = suite;
    tc.name = name;
    tc.message = msg;
    tc.status = SLUICE__V1__TEST_STATUS__TEST_FAILED;
    tc.time_s = 0.25;
    tc.line = 42;
    e1.seq = 5;
    e1.body_case = SLUICE__V1__EVENT__BODY_TEST;
    e1.test = &tc;
    meta.project = project;
    e2.seq = 6;
    e2.body_case = SLUICE__V1__EVENT__BODY_META;
    e2.meta = &meta;
    b.run_id = run;
    b.stream = 0xfedcba9876543210ull;
    b.first_seq = 5;
    b.events = evs;
    b.n_events = 2;
    sluice__v1__request__init(req);
    req->id = 42;
    req->kind_case = SLUICE__V1__REQUEST__KIND_BATCH;
    req->batch = &b;
}

static void
test_wire_round_trip(void **state)
{
    (void)state;
    sl_pb_request_t req;
    make_request(&req);
    zframe_t *f = sl_wire_frame(&req.base);
    assert_non_null(f);
    void *m = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_wire_unpack(&sluice__v1__request__descriptor,
                                    zframe_data(f), zframe_size(f), &m, &err),
                     SL_OK);
    sl_pb_request_t *got = m;
    assert_int_equal(got->id, 42);
    assert_int_equal(got->kind_case, SLUICE__V1__REQUEST__KIND_BATCH);
    const sl_pb_batch_t *b = got->batch;
    assert_string_equal(b->run_id, "run-1");
    assert_true(b->stream == 0xfedcba9876543210ull);
    assert_int_equal(b->first_seq, 5);
    assert_int_equal(b->n_events, 2);
    assert_int_equal(b->events[0]->seq, 5);
    assert_int_equal(b->events[0]->body_case, SLUICE__V1__EVENT__BODY_TEST);
    assert_string_equal(b->events[0]->test->name, "test \"q\"");
    assert_string_equal(b->events[0]->test->message, "boom");
    assert_string_equal(b->events[0]->test->classname, "");
    assert_int_equal(b->events[0]->test->status,
                     SLUICE__V1__TEST_STATUS__TEST_FAILED);
    assert_true(b->events[0]->test->time_s == 0.25);
    assert_int_equal(b->events[0]->test->line, 42);
    assert_int_equal(b->events[1]->body_case, SLUICE__V1__EVENT__BODY_META);
    assert_string_equal(b->events[1]->meta->project, "proj");
    sl_wire_free(&m);
    assert_null(m);
    sl_wire_free(&m); /* NULL-safe */
    zframe_destroy(&f);
}

static void
test_wire_append(void **state)
{
    (void)state;
    sl_pb_request_t req;
    make_request(&req);
    zframe_t *f = sl_wire_frame(&req.base);
    size_t n = zframe_size(f);
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    assert_int_equal(sl_wire_append(&req.base, &buf, &cap, &len), SL_OK);
    assert_int_equal(sl_wire_append(&req.base, &buf, &cap, &len), SL_OK);
    assert_int_equal(len, 2 * n);
    assert_true(cap >= len);
    assert_memory_equal(buf, zframe_data(f), n);
    assert_memory_equal(buf + n, zframe_data(f), n);
    free(buf);
    zframe_destroy(&f);
}

static void
test_wire_truncated(void **state)
{
    (void)state;
    sl_pb_request_t req;
    make_request(&req);
    zframe_t *f = sl_wire_frame(&req.base);
    size_t n = zframe_size(f);
    assert_true(n > 40);
    /* Bytes 0-1 are the id; from byte 2 on the batch is cut short. */
    for (size_t cut = 3; cut < n; cut++) {
        void *m = (void *)f;
        sl_err_t err = {0};
        assert_int_equal(sl_wire_unpack(&sluice__v1__request__descriptor,
                                        zframe_data(f), cut, &m, &err),
                         SL_EINPUT);
        assert_null(m);
        assert_int_equal(err.rc, SL_EINPUT);
    }
    sl_err_t err = {0};
    void *m = NULL;
    assert_int_equal(sl_wire_unpack(&sluice__v1__request__descriptor,
                                    zframe_data(f), n - 1, &m, &err),
                     SL_EINPUT);
    char want[80];
    (void)snprintf(want, sizeof want,
                   "sluice.v1.Request: %zu bytes do not decode", n - 1);
    assert_string_equal(err.msg, want);
    zframe_destroy(&f);
}

static void
test_wire_garbage(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11}, /* varint */
        {"\x0f", 1},                                          /* wire type 7 */
        {"\x00\x01", 2},          /* field number 0 */
        {"\x12\x7f\x0a\x01x", 5}, /* batch longer than the message */
        {"\x12\x02\x22\xff", 4},  /* an event of 0x7f.. bytes */
        {"\x08", 1},              /* id without its value */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *m = NULL;
        sl_err_t err = {0};
        assert_int_equal(sl_wire_unpack(&sluice__v1__request__descriptor,
                                        bad[i].bytes, bad[i].len, &m, &err),
                         SL_EINPUT);
        assert_null(m);
    }
}

static void
test_wire_size_cap(void **state)
{
    (void)state;
    uint8_t *buf = calloc(1, (size_t)SL_WIRE_MAX_MSG + 1);
    assert_non_null(buf);
    void *m = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_wire_unpack(&sluice__v1__request__descriptor, buf,
                                    (size_t)SL_WIRE_MAX_MSG + 1, &m, &err),
                     SL_ETOOBIG);
    assert_null(m);
    assert_string_equal(err.msg,
                        "sluice.v1.Request: message of 16777217 bytes");
    /* Exactly at the cap is fine: a GetRun whose run_id fills it (tag, a
     * 4-byte length, the string). */
    size_t len = (size_t)SL_WIRE_MAX_MSG - 5;
    buf[0] = 0x0a;
    for (size_t i = 0; i < 4; i++) {
        buf[1 + i] = (uint8_t)((len >> (7 * i)) & 0x7f) | (i < 3 ? 0x80 : 0);
    }
    memset(buf + 5, 'r', len);
    assert_int_equal(sl_wire_unpack(&sluice__v1__get_run__descriptor, buf,
                                    (size_t)SL_WIRE_MAX_MSG, &m, &err),
                     SL_OK);
    assert_int_equal(strlen(((Sluice__V1__GetRun *)m)->run_id), len);
    sl_wire_free(&m);
    free(buf);
}

/* n empty entries of field 1 (tag 0x0a, length 0). */
static uint8_t *
empty_entries(size_t n)
{
    uint8_t *buf = malloc(2 * n);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = 0x0a;
        buf[2 * i + 1] = 0x00;
    }
    return buf;
}

static void
test_wire_budget(void **state)
{
    (void)state;
    /* Two bytes per entry, each costing a RunRecord (well over 100 bytes)
     * and a pointer: 200 KB of input, far below the size cap, asking for
     * about 15 MB. */
    uint8_t *buf = empty_entries(100000);
    void *m = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_wire_unpack(&sluice__v1__run_list__descriptor, buf,
                                    200000, &m, &err),
                     SL_EINPUT);
    assert_null(m);
    assert_string_equal(err.msg,
                        "sluice.v1.RunList: 200000 bytes do not decode");
    /* The same shape, small, decodes: it was the budget that refused. */
    assert_int_equal(
        sl_wire_unpack(&sluice__v1__run_list__descriptor, buf, 200, &m, NULL),
        SL_OK);
    assert_int_equal(((Sluice__V1__RunList *)m)->n_runs, 100);
    sl_wire_free(&m);
    free(buf);
}

static void
test_wire_socket_limits(void **state)
{
    (void)state;
    zsock_t *s = zsock_new(ZMQ_DEALER);
    assert_non_null(s);
    sl_wire_socket_limits(s);
    assert_int_equal(zsock_maxmsgsize(s), SL_WIRE_MAX_MSG);
    assert_int_equal(zsock_linger(s), 0);
    zsock_destroy(&s);
}

/* A batch request of n test events, as the agent builds it. */
static zframe_t *
make_batch(size_t n, uint64_t first_seq)
{
    sl_batch_t b;
    sl_batch_init(&b);
    for (size_t i = 0; i < n; i++) {
        sl_pb_event_t ev;
        Sluice__V1__TestCase t;
        sluice__v1__event__init(&ev);
        sluice__v1__test_case__init(&t);
        char name[32];
        (void)snprintf(name, sizeof name, "test_%zu", i);
        t.name = name;
        t.status = i == 1 ? SLUICE__V1__TEST_STATUS__TEST_FAILED
                          : SLUICE__V1__TEST_STATUS__TEST_PASSED;
        ev.seq = first_seq + i;
        ev.body_case = SLUICE__V1__EVENT__BODY_TEST;
        ev.test = &t;
        assert_int_equal(sl_batch_add(&b, &ev), SL_OK);
    }
    zframe_t *f = sl_batch_request(&b, 77, "run-1", 0x1234, first_seq);
    sl_batch_fini(&b);
    assert_non_null(f);
    return f;
}

static void
test_wire_batch_ranges_and_arena(void **state)
{
    (void)state;
    zframe_t *f = make_batch(3, 5);
    sl_pb_request_t *req = NULL;
    sl_arena_t *arena = NULL;
    assert_int_equal(sl_wire_unpack_arena(&sluice__v1__request__descriptor,
                                          zframe_data(f), zframe_size(f),
                                          (void **)&req, &arena, NULL),
                     SL_OK);
    assert_int_equal(req->id, 77);
    assert_string_equal(req->batch->run_id, "run-1");
    assert_int_equal(req->batch->stream, 0x1234);
    assert_int_equal(req->batch->first_seq, 5);
    assert_int_equal(req->batch->n_events, 3);
    sl_range_t r[3];
    assert_int_equal(sl_wire_batch_ranges(zframe_data(f), zframe_size(f), r, 3),
                     SL_OK);
    for (size_t i = 0; i < 3; i++) {
        sl_pb_event_t *ev = NULL;
        assert_int_equal(sl_wire_unpack(&sluice__v1__event__descriptor,
                                        (uint8_t *)zframe_data(f) + r[i].off,
                                        r[i].len, (void **)&ev, NULL),
                         SL_OK);
        assert_int_equal(ev->seq, 5 + i);
        assert_int_equal(ev->test->status, i == 1 ? 1 : 0);
        sl_wire_free(&ev);
    }
    /* The wrong count is refused. */
    assert_int_equal(sl_wire_batch_ranges(zframe_data(f), zframe_size(f), r, 2),
                     SL_EPROTO);
    sl_arena_free(&arena);
    assert_null(arena);
    zframe_destroy(&f);
}

static void
test_wire_batch_ranges_refuses_two_batches(void **state)
{
    (void)state;
    zframe_t *f = make_batch(1, 1);
    size_t n = zframe_size(f);
    /* The same Request twice in a row is valid protobuf (protobuf-c merges
     * the two batch fields) but not one batch as sent. */
    uint8_t *twice = malloc(2 * n);
    assert_non_null(twice);
    memcpy(twice, zframe_data(f), n);
    memcpy(twice + n, zframe_data(f), n);
    sl_range_t r[2];
    assert_int_equal(sl_wire_batch_ranges(twice, 2 * n, r, 2), SL_EPROTO);
    assert_int_equal(sl_wire_batch_ranges(twice, n - 1, r, 1), SL_EPROTO);
    sl_pb_request_t *req = NULL;
    sl_arena_t *arena = NULL;
    assert_int_equal(sl_wire_unpack_arena(&sluice__v1__request__descriptor,
                                          "\xff\xff\xff", 3, (void **)&req,
                                          &arena, NULL),
                     SL_EINPUT);
    assert_null(arena);
    free(twice);
    zframe_destroy(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_round_trip),
        cmocka_unit_test(test_wire_append),
        cmocka_unit_test(test_wire_truncated),
        cmocka_unit_test(test_wire_garbage),
        cmocka_unit_test(test_wire_size_cap),
        cmocka_unit_test(test_wire_budget),
        cmocka_unit_test(test_wire_batch_ranges_and_arena),
        cmocka_unit_test(test_wire_batch_ranges_refuses_two_batches),
        cmocka_unit_test(test_wire_socket_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
