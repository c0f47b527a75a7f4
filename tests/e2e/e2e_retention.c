/* Scenario: retention (docs/storage.md, "Retention"). A collector with
 * --retain-runs 2 and a 1 s period takes 4 judged runs of one project, each
 * with captured test output and per-file coverage. Its periodic pass turns
 * the events of the 2 oldest into stubs: the same LSNs and kinds, the
 * output and per-file coverage gone, `sluice run --json` unchanged; the 2
 * newest are untouched; `sluice verify` passes, also after a restart (whose
 * pass at start prunes nothing again). A stub whose pruned_digest is
 * changed in LMDB with the collector stopped is named by verify.
 * --retain-age: a run finished longer ago than the age is pruned, a
 * fresh one is not. A sender's batch whose events carry stub fields is
 * refused (check_batch) and stores nothing. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define RUNS 4
#define MAXEV 64

typedef struct snap {
    size_t n;
    uint64_t lsn[MAXEV];
    int kind[MAXEV];
    int output[MAXEV]; /* a TestCase with system_out or system_err */
    int pruned[MAXEV];
    int path[MAXEV];   /* a coverage_file with its path */
} snap_t;

static void
snap_fn(const sl_pb_event_t *e, uint64_t lsn, void *ctx)
{
    snap_t *s = ctx;
    assert_true(s->n < MAXEV);
    s->lsn[s->n] = lsn;
    s->kind[s->n] = (int)e->body_case;
    s->output[s->n] = e->body_case == SLUICE__V1__EVENT__BODY_TEST &&
                      (e->test->system_out[0] || e->test->system_err[0]);
    s->path[s->n] = e->body_case == SLUICE__V1__EVENT__BODY_COVERAGE_FILE &&
                    e->coverage_file->path[0];
    s->pruned[s->n] = e->pruned;
    if (e->pruned) {
        assert_int_equal(e->pruned_digest.len, 32);
    }
    s->n++;
}

static void
snap(h_env_t *h, const h_proc_t *c, const char *run_id, snap_t *s)
{
    h_events_t ev;
    memset(s, 0, sizeof *s);
    h_events_each(h, c, run_id, &ev, snap_fn, s);
    assert_int_equal(ev.n, s->n);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static const char junit[] =
    "<?xml version=\"1.0\"?>\n<testsuite name=\"ret\" tests=\"3\">\n"
    "<testcase classname=\"ret.A\" name=\"loud\" time=\"0.1\">"
    "<system-out>a line of captured output that retention drops, long "
    "enough to be worth dropping: 0123456789 0123456789 0123456789"
    "</system-out><system-err>and some of stderr too, as long as that"
    "</system-err></testcase>\n"
    "<testcase classname=\"ret.A\" name=\"quiet\" time=\"0.1\"/>\n"
    "<testcase classname=\"ret.B\" name=\"loud2\" time=\"0.2\">"
    "<system-out>more captured output: abcdefghijklmnopqrstuvwxyz "
    "abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz</system-out>"
    "</testcase>\n</testsuite>\n";

static const char cobertura[] =
    "<?xml version=\"1.0\"?>\n<coverage line-rate=\"0.75\" lines-valid=\"4\" "
    "lines-covered=\"3\" version=\"1\"><packages><package name=\"p\">"
    "<classes><class name=\"A\" filename=\"src/main/java/com/example/"
    "retention/AVeryLongClassName.java\"><lines><line number=\"1\" "
    "hits=\"1\"/><line number=\"2\" hits=\"0\"/></lines></class>"
    "<class name=\"B\" filename=\"src/main/java/com/example/retention/"
    "AnotherLongClassName.java\"><lines><line number=\"1\" hits=\"1\"/>"
    "<line number=\"2\" hits=\"1\"/></lines></class></classes></package>"
    "</packages></coverage>\n";

/* Changes the last byte of the pruned_digest of the stub at lsn (its
 * field 30 is followed by field 31, 3 bytes, at the end of the record as
 * packed by protobuf-c in field order). */
static void
tamper_digest(const char *dir, uint64_t lsn)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    uint8_t key[8];
    for (int i = 0; i < 8; i++) {
        key[i] = (uint8_t)(lsn >> (56 - 8 * i));
    }
    MDB_val k = {8, key}, v;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "log", 0, &dbi), 0);
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    uint8_t *copy = malloc(v.mv_size);
    assert_non_null(copy);
    memcpy(copy, v.mv_data, v.mv_size);
    assert_true(v.mv_size > 40);
    assert_int_equal(copy[v.mv_size - 3], 0xf8); /* field 31 */
    assert_int_equal(copy[v.mv_size - 38], 0xf2); /* field 30 */
    copy[v.mv_size - 4] ^= 0x01;
    MDB_val nv = {v.mv_size, copy};
    assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
    free(copy);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static const h_result_t *
verify(h_env_t *h, const h_proc_t *c)
{
    return h_cli(h, "verify", "--collector", c->listen, NULL);
}

/* s with its first from replaced by to (malloc'ed); from must be there. */
static char *
replaced(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    assert_non_null(p);
    size_t head = (size_t)(p - s), lf = strlen(from), lt = strlen(to);
    char *out = malloc(strlen(s) - lf + lt + 1);
    assert_non_null(out);
    memcpy(out, s, head);
    memcpy(out + head, to, lt);
    strcpy(out + head + lt, p + lf);
    return out;
}

static void
test_retention(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gstate[H_PATH], jfile[H_PATH], cfile[H_PATH];
    char ids[RUNS][16];
    char *json[RUNS];
    snap_t before[RUNS], after;
    write_file(h_path(h, "ret.xml", jfile), junit);
    write_file(h_path(h, "cov.xml", cfile), cobertura);
    h_proc_t *c = h_collector_start_args(h, h_path(h, "data", data), NULL,
                                         "--retain-runs", "2",
                                         "--retain-period", "1s", NULL);
    h_proc_t *g = h_gate_start(h, c, h_path(h, "gate", gstate));
    for (int i = 0; i < RUNS; i++) {
        (void)snprintf(ids[i], sizeof ids[i], "ret-%d", i + 1);
        const h_result_t *r = h_agent(
            h, "push", "--collector", c->listen, "--project", "ret",
            "--branch", "main", "--commit", "c0ffee", "--run-id", ids[i],
            jfile, cfile, NULL);
        assert_int_equal(r->status, 0);
        const sl_pb_run_t *run = h_wait_verdict(h, c, ids[i], 20000);
        assert_int_not_equal(run->verdict->status,
                             SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING);
        /* the newest judged run: never pruned yet */
        assert_false(run->pruned);
        snap(h, c, ids[i], &before[i]);
        size_t outputs = 0, paths = 0;
        for (size_t k = 0; k < before[i].n; k++) {
            outputs += (size_t)before[i].output[k];
            paths += (size_t)before[i].path[k];
            assert_false(before[i].pruned[k]);
        }
        assert_int_equal(outputs, 2);
        assert_int_equal(paths, 2);
        r = h_cli(h, "run", ids[i], "--collector", c->listen, "--json", NULL);
        assert_int_equal(r->status, 0);
        json[i] = strdup(r->out);
        assert_non_null(json[i]);
    }
    h_stop(h, g);

    /* the periodic pass prunes the 2 oldest (bounded wait, not timed) */
    for (int tries = 0; tries < 200; tries++) {
        if (h_run_get(h, c, ids[0])->pruned &&
            h_run_get(h, c, ids[1])->pruned) {
            break;
        }
        (void)nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    for (int i = 0; i < RUNS; i++) {
        int old = i < RUNS - 2;
        assert_int_equal(h_run_get(h, c, ids[i])->pruned, old);
        const h_result_t *r =
            h_cli(h, "run", ids[i], "--collector", c->listen, "--json", NULL);
        assert_int_equal(r->status, 0);
        /* the summary and verdict as before; only "pruned" turned true */
        char *want = old ? replaced(json[i], "\"pruned\": false",
                                    "\"pruned\": true")
                         : strdup(json[i]);
        assert_non_null(want);
        assert_string_equal(r->out, want);
        free(want);
        snap(h, c, ids[i], &after);
        assert_int_equal(after.n, before[i].n);
        size_t stubs = 0;
        for (size_t k = 0; k < after.n; k++) {
            assert_int_equal(after.lsn[k], before[i].lsn[k]);
            assert_int_equal(after.kind[k], before[i].kind[k]);
            int bulky = before[i].output[k] || before[i].path[k];
            assert_int_equal(after.pruned[k], old && bulky);
            assert_int_equal(after.output[k], before[i].output[k] && !old);
            assert_int_equal(after.path[k], before[i].path[k] && !old);
            stubs += (size_t)after.pruned[k];
        }
        assert_int_equal(stubs, old ? 4 : 0);
    }
    const h_result_t *r = verify(h, c);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "verified ");

    /* a restart: its pass at start changes nothing, the chain goes on */
    h_stop(h, c);
    c = h_collector_start_args(h, data, NULL, "--retain-runs", "2", NULL);
    r = h_agent(h, "push", "--collector", c->listen, "--project", "ret",
                "--run-id", "ret-5", jfile, NULL);
    assert_int_equal(r->status, 0);
    assert_int_equal(verify(h, c)->status, 0);

    /* a stub's digest changed behind the collector's back */
    snap(h, c, ids[0], &after);
    uint64_t lsn = 0;
    for (size_t k = 0; k < after.n && lsn == 0; k++) {
        lsn = after.pruned[k] ? after.lsn[k] : 0;
    }
    assert_true(lsn > 0);
    h_stop(h, c);
    tamper_digest(data, lsn);
    c = h_collector_start(h, data, NULL);
    r = h_cli(h, "verify", "--collector", c->listen, "--json", NULL);
    assert_int_equal(r->status, 1);
    yajl_val j = h_json(h, r->out);
    assert_int_equal(h_json_int(j, H_JPATH("failure", "lsn")),
                     (long long)lsn);
    assert_string_equal(h_json_str(j, H_JPATH("failure", "kind")),
                        "mismatch");
    for (int i = 0; i < RUNS; i++) {
        free(json[i]);
    }
    h_finish(h);
}

/* --retain-age 2s: the first run, once two seconds old, is pruned by a
 * pass; a run pushed just after is not (it is younger than the age). */
static void
test_retention_age(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], jfile[H_PATH];
    write_file(h_path(h, "ret.xml", jfile), junit);
    h_proc_t *c = h_collector_start_args(h, h_path(h, "data", data), NULL,
                                         "--retain-age", "2s",
                                         "--retain-period", "1s", NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", data));
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "age", "--branch",
        "main", "--commit", "a1", "--run-id", "old-1", "--wait=20", jfile,
        NULL);
    assert_int_equal(r->status, 0);
    int pruned = 0;
    for (int i = 0; i < 200 && !pruned; i++) { /* deadline 20 s */
        pruned = h_run_get(h, c, "old-1")->pruned;
        if (!pruned) {
            (void)nanosleep(&(struct timespec){0, 100000000}, NULL);
        }
    }
    assert_true(pruned);
    r = h_agent(h, "push", "--collector", c->listen, "--project", "age",
                "--branch", "main", "--commit", "a2", "--run-id", "new-1",
                "--wait=20", jfile, NULL);
    assert_int_equal(r->status, 0);
    assert_false(h_run_get(h, c, "new-1")->pruned);
    r = h_cli(h, "verify", "--collector", c->listen, NULL);
    assert_int_equal(r->status, 0);
    h_finish(h);
}

/* A sender may not store a stub: a batch whose event carries pruned or
 * pruned_digest is refused as malformed and nothing of it is stored (the
 * chain would otherwise take the sender's digest for the bytes). */
static void
test_retention_refuses_stubs(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    uint8_t digest[32] = {1};
    for (int which = 0; which < 3; which++) { /* 2: the same, no stub */
        Sluice__V1__TestCase tc;
        sluice__v1__test_case__init(&tc);
        tc.id = (char *)(uintptr_t) "t.stub";
        sl_pb_event_t ev, *evs[1] = {&ev};
        sluice__v1__event__init(&ev);
        ev.seq = 1;
        ev.body_case = SLUICE__V1__EVENT__BODY_TEST;
        ev.test = &tc;
        if (which == 0) {
            ev.pruned = 1;
        } else if (which == 1) {
            ev.pruned_digest.data = digest;
            ev.pruned_digest.len = sizeof digest;
        }
        Sluice__V1__Batch b;
        sluice__v1__batch__init(&b);
        b.run_id = (char *)(uintptr_t) "stub-run";
        b.stream = 9001;
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
        rc = rc == SL_OK ? sl_client_call(cl, &req, 10000, &rep, &err) : rc;
        sl_client_destroy(&cl);
        if (which < 2) {
            /* the collector's Error reply, as the client returns it */
            assert_int_equal(rc, SL_EPROTO);
            sl_err_t e2 = {0};
            const sl_pb_run_t *none = NULL;
            assert_int_equal(h_run_query(h, c, "stub-run", &none, &e2),
                             SL_ENOTFOUND);
        } else {
            assert_int_equal(rc, SL_OK);
            assert_int_equal(rep->kind_case, SLUICE__V1__REPLY__KIND_ACK);
            assert_int_equal(rep->ack->stored, 1);
        }
        sl_wire_free(&rep);
    }
    assert_int_equal(h_run_get(h, c, "stub-run")->events, 1);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_retention, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_retention_age, h_setup,
                                        h_teardown),
        cmocka_unit_test_setup_teardown(test_retention_refuses_stubs, h_setup,
                                        h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
