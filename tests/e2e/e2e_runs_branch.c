/* Scenario: runs of two projects and two branches; `sluice runs --project P
 * --branch B` (the collector's run_branch index) lists exactly that
 * branch's runs newest first, the same runs as the run_time walk filtered
 * by project (--branch alone); ListRuns pages across its cursor, which no
 * other branch or index accepts; since/until and --status combine with it;
 * a run whose meta comes after its first events joins the index then; a
 * restarted collector answers the same. */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define NRUNS 12
#define H_CALL_MS 10000

/* a<i>: project p2 when i % 3 == 2, else p1; branch dev when i is odd;
 * left open (--no-finish) when i % 4 == 0. p1/main: a10 a6 a4 a0. */
static void
push_all(h_env_t *h, const h_proc_t *c)
{
    for (int i = 0; i < NRUNS; i++) {
        char run[16];
        (void)snprintf(run, sizeof run, "a%d", i);
        const char *project = i % 3 == 2 ? "p2" : "p1";
        const char *branch = i % 2 ? "dev" : "main";
        const h_result_t *r =
            i % 4 == 0
                ? h_agent(h, "push", "--collector", c->listen, "--project",
                          project, "--branch", branch, "--commit", "c1",
                          "--run-id", run, "--no-finish",
                          H_FIXTURE("passing.xml"), NULL)
                : h_agent(h, "push", "--collector", c->listen, "--project",
                          project, "--branch", branch, "--commit", "c1",
                          "--run-id", run, H_FIXTURE("passing.xml"), NULL);
        if (r->status != 0) {
            print_error("push %s: %d\n%s\n", run, r->status, r->err);
            fail();
        }
    }
}

typedef struct lq {
    const char *project, *branch, *status;
    int64_t since_us, until_us;
    uint32_t limit;
    ProtobufCBinaryData cursor;
} lq_t;

/* One ListRuns: its rc, the reply in *rep (the caller frees it). */
static int
list_call(const h_proc_t *c, const lq_t *in, sl_pb_reply_t **rep,
          sl_err_t *err)
{
    Sluice__V1__ListRuns q;
    sluice__v1__list_runs__init(&q);
    q.project = (char *)(uintptr_t)(in->project ? in->project : "");
    q.branch = (char *)(uintptr_t)(in->branch ? in->branch : "");
    q.status = (char *)(uintptr_t)(in->status ? in->status : "");
    q.since_us = in->since_us;
    q.until_us = in->until_us;
    q.limit = in->limit;
    q.cursor = in->cursor;
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    req.kind_case = SLUICE__V1__REQUEST__KIND_LIST_RUNS;
    req.list_runs = &q;
    sl_client_t *cl = NULL;
    *rep = NULL;
    int rc = sl_client_new(&cl, c->listen, err);
    rc = rc == SL_OK ? sl_client_call(cl, &req, H_CALL_MS, rep, err) : rc;
    sl_client_destroy(&cl);
    return rc;
}

/* One ListRuns that must succeed; returns the reply (the caller frees). */
static sl_pb_reply_t *
list_page(const h_proc_t *c, const lq_t *in)
{
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    int rc = list_call(c, in, &rep, &err);
    if (rc != SL_OK) {
        print_error("ListRuns: %s\n", sl_err_msg(&err, rc));
        fail();
    }
    return rep;
}

/* One ListRuns whose cursor the collector must refuse. */
static void
list_refused(const h_proc_t *c, const lq_t *in)
{
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    int rc = list_call(c, in, &rep, &err);
    assert_int_equal(rc, SL_EINVAL);
    assert_null(rep);
    assert_string_equal(sl_err_msg(&err, rc), "bad cursor");
}

/* Asserts the runs of a RUNS reply are want (NULL-terminated). */
static void
assert_runs(const sl_pb_reply_t *rep, const char *const *want)
{
    assert_int_equal(rep->kind_case, SLUICE__V1__REPLY__KIND_RUNS);
    size_t n = 0;
    while (want[n] != NULL) {
        n++;
    }
    assert_int_equal(rep->runs->n_runs, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rep->runs->runs[i]->run_id, want[i]);
    }
}

/* The run ids of `sluice runs ARGS --json`, each checked against project. */
static void
assert_cli_runs(h_env_t *h, const h_proc_t *c, const char *status,
                const char *const *want)
{
    const h_result_t *r =
        status ? h_cli(h, "runs", "--collector", c->listen, "--project", "p1",
                       "--branch", "main", "--status", status, "--json", NULL)
               : h_cli(h, "runs", "--collector", c->listen, "--project", "p1",
                       "--branch", "main", "--json", NULL);
    assert_int_equal(r->status, 0);
    size_t n = 0;
    while (want[n] != NULL) {
        n++;
    }
    yajl_val a = h_json(h, r->out);
    assert_true(YAJL_IS_ARRAY(a));
    assert_int_equal(a->u.array.len, n);
    for (size_t i = 0; i < n; i++) {
        yajl_val e = a->u.array.values[i];
        assert_string_equal(h_json_str(e, H_JPATH("run_id")), want[i]);
        assert_string_equal(h_json_str(e, H_JPATH("project")), "p1");
        assert_string_equal(h_json_str(e, H_JPATH("branch")), "main");
    }
}

/* The index's answer equals the run_time walk's (--branch alone) with the
 * other project's runs left out: same runs, same order, same content. */
static void
assert_same_as_scan(h_env_t *h, const h_proc_t *c, const char *project,
                    const char *branch)
{
    const h_result_t *r = h_cli(h, "runs", "--collector", c->listen,
                                "--project", project, "--branch", branch,
                                "--json", NULL);
    assert_int_equal(r->status, 0);
    char err[128];
    yajl_val idx = yajl_tree_parse(r->out, err, sizeof err);
    assert_non_null(idx);
    r = h_cli(h, "runs", "--collector", c->listen, "--branch", branch,
              "--json", NULL);
    assert_int_equal(r->status, 0);
    yajl_val all = h_json(h, r->out);
    assert_true(YAJL_IS_ARRAY(idx) && YAJL_IS_ARRAY(all));
    size_t j = 0;
    for (size_t i = 0; i < all->u.array.len; i++) {
        yajl_val e = all->u.array.values[i];
        if (strcmp(h_json_str(e, H_JPATH("project")), project) != 0) {
            continue;
        }
        assert_true(j < idx->u.array.len);
        assert_true(h_json_equal(e, idx->u.array.values[j++]));
    }
    assert_int_equal(j, idx->u.array.len);
    assert_true(j > 0);
    yajl_tree_free(idx);
}

/* Pages p1/main one run at a time: order (n runs), then an empty page. */
static void
test_paging(const h_proc_t *c, const char *const *order, size_t n)
{
    lq_t q = {.project = "p1", .branch = "main", .limit = 1};
    sl_pb_reply_t *rep = NULL;
    for (size_t i = 0; i <= n; i++) {
        rep = list_page(c, &q);
        const char *want[] = {i < n ? order[i] : NULL, NULL};
        assert_runs(rep, want);
        if (i == n) {
            break;
        }
        /* a run_branch cursor: another branch or index refuses it */
        assert_true(rep->runs->next_cursor.len > 1);
        assert_int_equal(rep->runs->next_cursor.data[0], 'b');
        lq_t other = {.project = "p1", .branch = "dev",
                      .cursor = rep->runs->next_cursor};
        list_refused(c, &other);
        other = (lq_t){.project = "p1", .cursor = rep->runs->next_cursor};
        list_refused(c, &other);
        static uint8_t keep[1024];
        assert_true(rep->runs->next_cursor.len <= sizeof keep);
        memcpy(keep, rep->runs->next_cursor.data, rep->runs->next_cursor.len);
        q.cursor = (ProtobufCBinaryData){rep->runs->next_cursor.len, keep};
        sl_wire_free(&rep);
    }
    assert_int_equal(rep->runs->next_cursor.len, 0);
    sl_wire_free(&rep);

    /* a run_time cursor is refused by the index */
    lq_t t = {.branch = "main", .limit = 1};
    rep = list_page(c, &t);
    assert_true(rep->runs->next_cursor.len > 8);
    assert_int_equal(rep->runs->next_cursor.data[0], 0);
    lq_t mixed = {.project = "p1", .branch = "main",
                  .cursor = rep->runs->next_cursor};
    list_refused(c, &mixed);
    sl_wire_free(&rep);
}

static void
test_bounds(h_env_t *h, const h_proc_t *c)
{
    int64_t t4 = h_run_get(h, c, "a4")->created_us;
    int64_t t6 = h_run_get(h, c, "a6")->created_us;
    assert_true(t4 < t6);
    lq_t q = {.project = "p1", .branch = "main", .since_us = t4,
              .until_us = t6};
    sl_pb_reply_t *rep = list_page(c, &q);
    assert_runs(rep, (const char *const[]){"a6", "a4", NULL});
    assert_int_equal(rep->runs->next_cursor.len, 0);
    sl_wire_free(&rep);
    q.since_us = t4 + 1;
    q.status = "open"; /* a6 is pending, a4 is before since */
    rep = list_page(c, &q);
    assert_runs(rep, (const char *const[]){NULL});
    sl_wire_free(&rep);
    q.since_us = 0;
    q.until_us = t6 - 1;
    rep = list_page(c, &q);
    assert_runs(rep, (const char *const[]){"a4", "a0", NULL});
    sl_wire_free(&rep);
}

/* A run whose first events come before its meta: the index takes it when
 * the meta names project and branch. */
static void
test_late_meta(h_env_t *h, const h_proc_t *c)
{
    Sluice__V1__TestCase tc;
    sluice__v1__test_case__init(&tc);
    tc.id = (char *)(uintptr_t) "t.late";
    tc.status = SLUICE__V1__TEST_STATUS__TEST_PASSED;
    Sluice__V1__RunMeta meta;
    sluice__v1__run_meta__init(&meta);
    meta.project = (char *)(uintptr_t) "p1";
    meta.branch = (char *)(uintptr_t) "main";
    for (int step = 0; step < 2; step++) {
        sl_pb_event_t ev, *evs[1] = {&ev};
        sluice__v1__event__init(&ev);
        ev.seq = 1;
        if (step == 0) {
            ev.body_case = SLUICE__V1__EVENT__BODY_TEST;
            ev.test = &tc;
        } else {
            ev.body_case = SLUICE__V1__EVENT__BODY_META;
            ev.meta = &meta;
        }
        Sluice__V1__Batch b;
        sluice__v1__batch__init(&b);
        b.run_id = (char *)(uintptr_t) "late";
        b.stream = 7001 + (uint64_t)step;
        b.first_seq = 1;
        b.n_events = 1;
        b.events = evs;
        sl_pb_request_t req;
        sluice__v1__request__init(&req);
        req.kind_case = SLUICE__V1__REQUEST__KIND_BATCH;
        req.batch = &b;
        sl_client_t *cl = NULL;
        sl_pb_reply_t *rep = NULL;
        sl_err_t err = {0};
        int rc = sl_client_new(&cl, c->listen, &err);
        rc = rc == SL_OK ? sl_client_call(cl, &req, H_CALL_MS, &rep, &err)
                         : rc;
        sl_client_destroy(&cl);
        assert_int_equal(rc, SL_OK);
        assert_int_equal(rep->kind_case, SLUICE__V1__REPLY__KIND_ACK);
        sl_wire_free(&rep);
        lq_t q = {.project = "p1", .branch = "main", .limit = 2};
        rep = list_page(c, &q);
        assert_runs(rep, step == 0 ? (const char *const[]){"a10", "a6", NULL}
                                   : (const char *const[]){"late", "a10",
                                                           NULL});
        sl_wire_free(&rep);
    }
    (void)h;
}

/* A store made before the index: its run_branch entries and the mark that
 * they were built are removed (the collector stopped), so the next start
 * must build them again from the run records. */
static void
forget_index(const char *dir)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi idx, meta;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "run_branch", 0, &idx), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    assert_int_equal(mdb_drop(txn, idx, 0), 0); /* empty it */
    MDB_val k = {strlen("run_branch"), (void *)(uintptr_t) "run_branch"};
    assert_int_equal(mdb_del(txn, meta, &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void
test_runs_branch(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    push_all(h, c);
    assert_cli_runs(h, c, NULL,
                    (const char *const[]){"a10", "a6", "a4", "a0", NULL});
    assert_cli_runs(h, c, "open", (const char *const[]){"a4", "a0", NULL});
    assert_cli_runs(h, c, "pending", (const char *const[]){"a10", "a6", NULL});
    assert_same_as_scan(h, c, "p1", "main");
    assert_same_as_scan(h, c, "p1", "dev");
    assert_same_as_scan(h, c, "p2", "main");
    assert_same_as_scan(h, c, "p2", "dev");
    test_paging(c, (const char *const[]){"a10", "a6", "a4", "a0"}, 4);
    test_bounds(h, c);
    test_late_meta(h, c);

    /* The index is in the store: a restarted collector answers the same. */
    h_stop(h, c);
    c = h_collector_start(h, data, NULL);
    assert_cli_runs(h, c, NULL, (const char *const[]){"late", "a10", "a6",
                                                      "a4", "a0", NULL});
    assert_same_as_scan(h, c, "p1", "dev");
    test_paging(c, (const char *const[]){"late", "a10", "a6", "a4", "a0"},
                5);

    /* An older store without the index gets it built at start. */
    h_stop(h, c);
    forget_index(data);
    c = h_collector_start(h, data, NULL);
    assert_cli_runs(h, c, NULL, (const char *const[]){"late", "a10", "a6",
                                                      "a4", "a0", NULL});
    assert_same_as_scan(h, c, "p2", "main");
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_branch, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
