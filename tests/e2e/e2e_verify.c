/* Scenario: the tamper-evident trail (docs/storage.md, "The chain").
 * `sluice verify` passes over runs pushed one after another and over one
 * big file (many batches in flight, so groups of several batches per
 * transaction); after one byte of one stored record is changed directly in
 * LMDB with the collector stopped, it names that LSN (exit 1), while
 * --from the next LSN passes (it trusts the stored hash before it); a
 * restarted collector continues the chain. A store from before the chain
 * (its chain db emptied) is reported as such, chained from the seed after
 * the upgrade, and a hash removed after that is named. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

enum { T_FLIP, T_DEL_CHAIN, T_DROP_CHAIN };

/* Changes the stopped collector's store in dir: T_FLIP changes one byte of
 * the log record lsn, T_DEL_CHAIN removes the chain hash of lsn,
 * T_DROP_CHAIN empties the chain db (a store from before it). */
static void
tamper(const char *dir, uint64_t lsn, int how)
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
    assert_int_equal(mdb_dbi_open(txn, how == T_FLIP ? "log" : "chain", 0,
                                  &dbi), 0);
    if (how == T_FLIP) {
        assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
        uint8_t *copy = malloc(v.mv_size);
        assert_non_null(copy);
        memcpy(copy, v.mv_data, v.mv_size);
        copy[v.mv_size / 2] ^= 0x01;
        MDB_val nv = {v.mv_size, copy};
        assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
        free(copy);
    } else if (how == T_DEL_CHAIN) {
        assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
    } else {
        assert_int_equal(mdb_drop(txn, dbi, 0), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void
push(h_env_t *h, const h_proc_t *c, const char *run_id, const char *file)
{
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "demo", "--branch",
        "main", "--commit", "c0ffee", "--run-id", run_id, file, NULL);
    assert_int_equal(r->status, 0);
}

/* A JUnit file of n test cases at path. */
static void
write_junit(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "<?xml version=\"1.0\"?>\n<testsuite name=\"big\" "
               "tests=\"%d\">\n", n);
    for (int i = 0; i < n; i++) {
        fprintf(f, "  <testcase classname=\"big.Class%d\" name=\"test_%d\" "
                   "time=\"0.001\"/>\n", i % 50, i);
    }
    fprintf(f, "</testsuite>\n");
    assert_int_equal(fclose(f), 0);
}

static uint64_t
head_of(h_env_t *h, const h_proc_t *c, const char *run_id)
{
    h_events_t ev;
    h_events(h, c, run_id, &ev);
    return ev.head_lsn;
}

static const h_result_t *
verify(h_env_t *h, const h_proc_t *c, const char *from, int json)
{
    const char *f = from != NULL ? from : "1";
    if (json) {
        return h_cli(h, "verify", "--collector", c->listen, "--from", f,
                     "--json", NULL);
    }
    return h_cli(h, "verify", "--collector", c->listen, "--from", f, NULL);
}

static void
assert_verified(const h_result_t *r, uint64_t n, uint64_t a, uint64_t b)
{
    char want[128];
    (void)snprintf(want, sizeof want,
                   "verified %llu records, LSN %llu..%llu, head hash ",
                   (unsigned long long)n, (unsigned long long)a,
                   (unsigned long long)b);
    if (r->status != 0) {
        fprintf(stderr, "verify: %s%s", r->out, r->err);
    }
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, want);
}

static void
test_tamper(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], big[H_PATH], from[32];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    push(h, c, "v-1", H_FIXTURE("pytest.xml"));
    push(h, c, "v-2", H_FIXTURE("ctest.xml"));
    push(h, c, "v-3", H_FIXTURE("passing.xml"));
    write_junit(h_path(h, "big.xml", big), 5000);
    push(h, c, "v-big", big);
    uint64_t head = head_of(h, c, "v-big");
    assert_true(head > 5000);
    assert_verified(verify(h, c, NULL, 0), head, 1, head);
    const h_result_t *r = verify(h, c, NULL, 1);
    assert_int_equal(r->status, 0);
    yajl_val j = h_json(h, r->out);
    assert_int_equal(h_json_int(j, H_JPATH("verified")), (long long)head);
    assert_int_equal(strlen(h_json_str(j, H_JPATH("last_hash"))), 64);
    char head_hash[65];
    strcpy(head_hash, h_json_str(j, H_JPATH("last_hash")));

    /* one byte of LSN 5 changed behind the collector's back */
    h_stop(h, c);
    tamper(data, 5, T_FLIP);
    c = h_collector_start(h, data, NULL);
    r = verify(h, c, NULL, 0);
    assert_int_equal(r->status, 1);
    h_assert_contains(r->out, "LSN 5 does not match: expected hash ");
    r = verify(h, c, NULL, 1);
    assert_int_equal(r->status, 1);
    j = h_json(h, r->out);
    assert_int_equal(h_json_int(j, H_JPATH("failure", "lsn")), 5);
    assert_string_equal(h_json_str(j, H_JPATH("failure", "kind")),
                        "mismatch");
    assert_int_equal(h_json_int(j, H_JPATH("verified")), 4);
    assert_string_not_equal(h_json_str(j, H_JPATH("failure", "expected")),
                            h_json_str(j, H_JPATH("failure", "stored")));
    assert_int_equal(verify(h, c, "5", 0)->status, 1);
    r = verify(h, c, "6", 0);
    assert_verified(r, head - 5, 6, head);
    h_assert_contains(r->out, head_hash); /* the same head as before */
    h_assert_contains(r->out, "the stored hash of LSN 5 was trusted");

    /* the restarted collector continued the chain */
    push(h, c, "v-4", H_FIXTURE("failing.xml"));
    uint64_t head2 = head_of(h, c, "v-4");
    assert_true(head2 > head);
    assert_verified(verify(h, c, "6", 0), head2 - 5, 6, head2);
    (void)snprintf(from, sizeof from, "%llu", (unsigned long long)head + 1);
    assert_verified(verify(h, c, from, 0), head2 - head, head + 1, head2);
    h_finish(h);
}

static void
test_upgrade(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    push(h, c, "u-1", H_FIXTURE("pytest.xml"));
    uint64_t head = head_of(h, c, "u-1");
    h_stop(h, c);
    tamper(data, 0, T_DROP_CHAIN); /* as if stored before the chain */
    c = h_collector_start(h, data, NULL);
    const h_result_t *r = verify(h, c, NULL, 0);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "verified 0 records: no chained record from "
                              "LSN 1\n");
    char want[128];
    (void)snprintf(want, sizeof want,
                   "LSN 1..%llu were stored before the chain (not verified)",
                   (unsigned long long)head);
    h_assert_contains(r->out, want);

    push(h, c, "u-2", H_FIXTURE("ctest.xml"));
    uint64_t head2 = head_of(h, c, "u-2");
    r = verify(h, c, NULL, 0);
    assert_verified(r, head2 - head, head + 1, head2);
    h_assert_contains(r->out, want);

    /* a chained record that lost its hash */
    h_stop(h, c);
    tamper(data, head + 2, T_DEL_CHAIN);
    c = h_collector_start(h, data, NULL);
    r = verify(h, c, NULL, 1);
    assert_int_equal(r->status, 1);
    yajl_val j = h_json(h, r->out);
    assert_int_equal(h_json_int(j, H_JPATH("failure", "lsn")),
                     (long long)(head + 2));
    assert_string_equal(h_json_str(j, H_JPATH("failure", "kind")),
                        "missing hash");
    assert_int_equal(h_json_int(j, H_JPATH("unchained")), (long long)head);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tamper, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(test_upgrade, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
