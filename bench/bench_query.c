/* bench_query: TestHistory latency over a test's 100,000 results.
 *
 * Builds a scratch collector store whose `tests` index holds N results of
 * one test (and as many of 19 other tests beside it), written by the
 * collector's own hook (collector_index_test, as the writer calls it for
 * each TestCase event; the log itself is not written), then measures, in
 * this process:
 *   - query: collector_query() answering TestHistory{limit 50}: a read
 *     transaction, the index walk, the reply packed (no ZeroMQ hop);
 *   - raw:   a bare read transaction and cursor over the same 50 keys,
 *     each value copied out: the floor for this read.
 *
 * Then ListRuns of one branch: a second scratch store holds RUNS run
 * records (default 1,000,000) over 50 branches of each of 20 projects
 * (1 in 1,000 runs per branch), each with its run_time and run_branch
 * entries as the writer puts them (collector_index_run_branch), and
 * measures:
 *   - query: collector_query() answering ListRuns{project, branch, limit
 *     50}, the newest page, through the run_branch index;
 *   - raw:   a bare cursor over the same 50 run_branch keys, each run
 *     record read and copied out;
 *   - scan:  the path ListRuns took before the index, done here by hand:
 *     the run_time index walked back from the newest, each run record
 *     decoded and matched, until 50 of the branch are found (the
 *     collector stopped at 20,000 entries per request and returned a
 *     cursor, so this is one request's worth of work or more).
 * Usage: bench_query [N] [ITERATIONS] [RUNS] (defaults 100000, 2000 and
 * 1000000; RUNS 0 skips the ListRuns part). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "collector.h"
#include "sluice/run.h"

#define OTHER_TESTS 19
#define TARGET "demo.queue.test_queue.test_fifo_order"

static int
fill(sl_store_t *s, const char *test, uint64_t n, uint64_t *lsn)
{
    sl_pb_run_t *run = sl_run_new("run-0");
    if (run == NULL) {
        return SL_ENOMEM;
    }
    Sluice__V1__TestCase tc;
    sluice__v1__test_case__init(&tc);
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.body_case = SLUICE__V1__EVENT__BODY_TEST;
    ev.test = &tc;
    tc.id = (char *)(uintptr_t)test;
    tc.time_s = 0.003;
    char *proj = run->meta->project, *br = run->meta->branch;
    run->meta->project = (char *)(uintptr_t) "demo";
    run->meta->branch = (char *)(uintptr_t) "main";
    int rc = SL_OK;
    for (uint64_t i = 0; i < n && rc == SL_OK;) {
        sl_txn_t txn;
        rc = sl_store_begin(s, &txn, SL_TXN_RW);
        for (uint64_t k = 0; rc == SL_OK && k < 10000 && i < n; k++, i++) {
            tc.status = i % 7 == 0 ? SLUICE__V1__TEST_STATUS__TEST_FAILED
                                   : SLUICE__V1__TEST_STATUS__TEST_PASSED;
            *lsn += 1;
            collector_index_test(&txn, run, &ev, *lsn, (int64_t)*lsn);
        }
        rc = rc == SL_OK ? sl_store_commit(&txn) : rc;
    }
    run->meta->project = proj;
    run->meta->branch = br;
    sl_run_free(&run);
    return rc;
}

#define PROJECTS 20
#define BRANCHES 50
#define PICK_PROJECT "proj-07"
#define PICK_BRANCH "branch-13"

/* RUNS run records: run i of project i % 20, branch (i / 20) % 50. */
static int
fill_runs(sl_store_t *s, uint64_t n)
{
    sl_pb_run_t *run = sl_run_new("run-0");
    if (run == NULL) {
        return SL_ENOMEM;
    }
    char id[32], proj[16], br[16];
    char *id0 = run->run_id, *proj0 = run->meta->project;
    char *br0 = run->meta->branch;
    run->run_id = id;
    run->meta->project = proj;
    run->meta->branch = br;
    int rc = SL_OK;
    for (uint64_t i = 0; i < n && rc == SL_OK;) {
        sl_txn_t txn;
        rc = sl_store_begin(s, &txn, SL_TXN_RW);
        for (uint64_t k = 0; rc == SL_OK && k < 20000 && i < n; k++, i++) {
            (void)snprintf(id, sizeof id, "run-%08llu", (unsigned long long)i);
            (void)snprintf(proj, sizeof proj, "proj-%02d",
                           (int)(i % PROJECTS));
            (void)snprintf(br, sizeof br, "branch-%02d",
                           (int)(i / PROJECTS % BRANCHES));
            run->created_us = 1700000000000000 + (int64_t)i * 1000;
            size_t len;
            uint8_t *buf = sl_wire_pack(&run->base, &len);
            if (buf == NULL) {
                rc = SL_ENOMEM;
                break;
            }
            uint8_t tk[8 + 32];
            size_t idlen = strlen(id);
            sl_be64_put(tk, (uint64_t)run->created_us);
            memcpy(tk + 8, id, idlen);
            sl_val_t k1 = {id, idlen}, v1 = {buf, len};
            sl_val_t k2 = {tk, 8 + idlen}, empty = {"", 0};
            sl_store_put(&txn, CDB_RUNS, &k1, &v1, 0);
            sl_store_put(&txn, CDB_RUN_TIME, &k2, &empty, 0);
            collector_index_run_branch(&txn, run);
            free(buf);
        }
        rc = rc == SL_OK ? sl_store_commit(&txn) : rc;
    }
    run->run_id = id0;
    run->meta->project = proj0;
    run->meta->branch = br0;
    sl_run_free(&run);
    return rc;
}

/* The bare read: the newest 50 run_branch keys of the pick and their run
 * records copied out. Returns how many. */
static size_t
raw_runs(sl_store_t *s, uint8_t *sink)
{
    uint8_t key[COLLECTOR_RBKEY_MAX];
    size_t plen = collector_run_branch_prefix(key, PICK_PROJECT, PICK_BRANCH);
    size_t n = 0;
    sl_be64_put(key + plen, UINT64_MAX);
    sl_txn_t txn;
    sl_cursor_t cur = {0};
    sl_val_t seek = {key, plen + 8}, k, v;
    int rc = sl_store_begin(s, &txn, SL_TXN_RO);
    rc = rc == SL_OK ? sl_cursor_open(&txn, CDB_RUN_BRANCH, &cur) : rc;
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v) : rc;
    rc = rc == SL_OK ? sl_cursor_prev(&cur, &k, &v)
                     : sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v);
    while (rc == SL_OK && n < 50 && k.len > plen + 8 &&
           memcmp(k.data, key, plen) == 0) {
        sl_val_t id = {(const uint8_t *)k.data + plen + 8, k.len - plen - 8};
        sl_val_t rec;
        if (sl_store_get(&txn, CDB_RUNS, &id, &rec) == SL_OK) {
            memcpy(sink, rec.data, rec.len < 512 ? rec.len : 512);
            n++;
        }
        rc = sl_cursor_prev(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    sl_store_abort(&txn);
    return n;
}

/* The old path by hand: run_time from the newest, each record decoded and
 * matched, until 50 of the pick. Returns how many; *looked: entries. */
static size_t
scan_runs(sl_store_t *s, size_t *looked)
{
    sl_txn_t txn;
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    size_t n = 0;
    *looked = 0;
    int rc = sl_store_begin(s, &txn, SL_TXN_RO);
    rc = rc == SL_OK ? sl_cursor_open(&txn, CDB_RUN_TIME, &cur) : rc;
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v) : rc;
    while (rc == SL_OK && n < 50 && k.len > 8) {
        char id[64];
        (void)snprintf(id, sizeof id, "%.*s", (int)(k.len - 8),
                       (const char *)k.data + 8);
        sl_pb_run_t *r = NULL;
        (*looked)++;
        if (collector_load_run(&txn, id, &r) == SL_OK &&
            strcmp(r->meta->project, PICK_PROJECT) == 0 &&
            strcmp(r->meta->branch, PICK_BRANCH) == 0) {
            n++;
        }
        sl_run_free(&r);
        rc = sl_cursor_prev(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    sl_store_abort(&txn);
    return n;
}

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_d);
    return v[(size_t)(p * (double)(n - 1))];
}

/* One bare read of the newest 50 entries of test: returns how many. */
static size_t
raw_read(sl_store_t *s, const char *test, uint8_t *sink)
{
    uint8_t key[COLLECTOR_TKEY_MAX];
    size_t plen = collector_test_prefix(key, "demo", test), n = 0;
    sl_be64_put(key + plen, UINT64_MAX);
    sl_txn_t txn;
    sl_cursor_t cur = {0};
    sl_val_t seek = {key, plen + 8}, k, v;
    int rc = sl_store_begin(s, &txn, SL_TXN_RO);
    rc = rc == SL_OK ? sl_cursor_open(&txn, CDB_TESTS, &cur) : rc;
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v) : rc;
    rc = rc == SL_OK ? sl_cursor_prev(&cur, &k, &v)
                     : sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v);
    while (rc == SL_OK && n < 50 && memcmp(k.data, key, plen) == 0) {
        memcpy(sink, v.data, v.len < 512 ? v.len : 512);
        n++;
        rc = sl_cursor_prev(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    sl_store_abort(&txn);
    return n;
}

static void
print_list_runs(uint64_t nruns, double *tq, double *tr, double *ts,
                size_t iters, size_t scan_iters, size_t bytes, size_t looked)
{
    double q50 = pct(tq, iters, 0.5), q99 = pct(tq, iters, 0.99);
    double r50 = pct(tr, iters, 0.5), r99 = pct(tr, iters, 0.99);
    double s50 = pct(ts, scan_iters, 0.5), s99 = pct(ts, scan_iters, 0.99);
    printf("ListRuns project+branch newest 50 of %llu: p50 %.1f us, "
           "p99 %.1f us (reply %zu bytes)\n",
           (unsigned long long)(nruns / (PROJECTS * BRANCHES)), q50, q99,
           bytes);
    printf("bare LMDB cursor, same 50 keys + records: p50 %.1f us, "
           "p99 %.1f us\n", r50, r99);
    printf("ratio (query / raw):                      p50 %.1fx, p99 %.1fx\n",
           q50 / r50, q99 / r99);
    printf("old path (run_time walk + filter, %zu entries, %zu times): "
           "p50 %.1f us, p99 %.1f us\n", looked, scan_iters, s50, s99);
}

/* The ListRuns part (see the top). */
static int
bench_list_runs(uint64_t nruns, size_t iters)
{
    char dir[] = "/tmp/bench-query-XXXXXX";
    static const char *const dbs[] = {"log",  "runs",  "run_time", "run_log",
                                      "meta", "tests", "chain",    "run_branch",
                                      NULL};
    collector_t c;
    memset(&c, 0, sizeof c);
    sl_err_t err = {0};
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    sl_store_cfg_t scfg = {dir, dbs, (uint64_t)8 << 30};
    int rc = sl_store_open(&c.store, &scfg, &err);
    double t0 = bench_mono_s();
    rc = rc == SL_OK ? fill_runs(c.store, nruns) : rc;
    if (rc != SL_OK) {
        fprintf(stderr, "bench_query: %s\n", sl_err_msg(&err, rc));
        sl_store_close(&c.store);
        bench_rm_rf(dir);
        return 1;
    }
    printf("store: %llu runs (%d projects x %d branches) written in %.2f s\n",
           (unsigned long long)nruns, PROJECTS, BRANCHES, bench_mono_s() - t0);
    Sluice__V1__ListRuns q;
    sluice__v1__list_runs__init(&q);
    q.project = (char *)(uintptr_t)PICK_PROJECT;
    q.branch = (char *)(uintptr_t)PICK_BRANCH;
    q.limit = 50;
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    req.kind_case = SLUICE__V1__REQUEST__KIND_LIST_RUNS;
    req.list_runs = &q;
    size_t scan_iters = iters / 20 > 0 ? iters / 20 : 1;
    double *tq = calloc(iters, sizeof *tq), *tr = calloc(iters, sizeof *tr);
    double *ts = calloc(scan_iters, sizeof *ts);
    uint8_t sink[512];
    size_t bytes = 0, got = 0, found = 0, looked = 0;
    for (size_t i = 0; tq && tr && i < iters; i++) {
        double a = bench_mono_s();
        zframe_t *f = collector_query(&c, &req);
        double b = bench_mono_s();
        got = raw_runs(c.store, sink);
        double d = bench_mono_s();
        sl_pb_reply_t *rep = NULL;
        if (f != NULL && i == 0 &&
            sl_wire_unpack(&sluice__v1__reply__descriptor, zframe_data(f),
                           zframe_size(f), (void **)&rep, &err) == SL_OK &&
            rep->kind_case == SLUICE__V1__REPLY__KIND_RUNS) {
            found = rep->runs->n_runs;
        }
        sl_wire_free(&rep);
        bytes = f ? zframe_size(f) : 0;
        zframe_destroy(&f);
        tq[i] = (b - a) * 1e6;
        tr[i] = (d - b) * 1e6;
    }
    for (size_t i = 0; ts && i < scan_iters; i++) {
        double a = bench_mono_s();
        size_t n = scan_runs(c.store, &looked);
        ts[i] = (bench_mono_s() - a) * 1e6;
        found = n == 50 ? found : 0;
    }
    int ok = tq && tr && ts && got == 50 && found == 50 && bytes > 0;
    if (!ok) {
        fprintf(stderr, "bench_query: the run reads found %zu and %zu runs, "
                "not 50 (RUNS under 50,000?)\n", got, found);
    } else {
        print_list_runs(nruns, tq, tr, ts, iters, scan_iters, bytes, looked);
    }
    free(tq);
    free(tr);
    free(ts);
    sl_store_close(&c.store);
    bench_rm_rf(dir);
    return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    size_t iters = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
    char dir[] = "/tmp/bench-query-XXXXXX";
    uint64_t nruns = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000000;
    static const char *const dbs[] = {"log",  "runs",  "run_time", "run_log",
                                      "meta", "tests", "chain",    "run_branch",
                                      NULL};
    collector_t c;
    memset(&c, 0, sizeof c);
    sl_err_t err = {0};
    if (n == 0 || iters == 0 || mkdtemp(dir) == NULL) {
        fprintf(stderr, "usage: bench_query [N] [ITERATIONS]\n");
        return 2;
    }
    sl_store_cfg_t scfg = {dir, dbs, (uint64_t)4 << 30};
    uint64_t lsn = 0;
    int rc = sl_store_open(&c.store, &scfg, &err);
    double t0 = bench_mono_s();
    for (int t = 0; rc == SL_OK && t <= OTHER_TESTS; t++) {
        char other[64];
        (void)snprintf(other, sizeof other, "demo.other.test_%02d", t);
        rc = fill(c.store, t == OTHER_TESTS / 2 ? TARGET : other, n, &lsn);
    }
    if (rc != SL_OK) {
        fprintf(stderr, "bench_query: %s\n", sl_err_msg(&err, rc));
        return 1;
    }
    printf("store: %d tests x %llu results written in %.2f s (%s)\n",
           OTHER_TESTS + 1, (unsigned long long)n, bench_mono_s() - t0, dir);

    Sluice__V1__TestHistory q;
    sluice__v1__test_history__init(&q);
    q.project = (char *)(uintptr_t) "demo";
    q.test_id = (char *)(uintptr_t)TARGET;
    q.limit = 50;
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    req.kind_case = SLUICE__V1__REQUEST__KIND_TEST_HISTORY;
    req.test_history = &q;
    double *tq = calloc(iters, sizeof *tq), *tr = calloc(iters, sizeof *tr);
    uint8_t sink[512];
    size_t bytes = 0, got = 0;
    for (size_t i = 0; tq && tr && i < iters; i++) {
        double a = bench_mono_s();
        zframe_t *f = collector_query(&c, &req);
        double b = bench_mono_s();
        got = raw_read(c.store, TARGET, sink);
        double d = bench_mono_s();
        bytes = f ? zframe_size(f) : 0;
        zframe_destroy(&f);
        tq[i] = (b - a) * 1e6;
        tr[i] = (d - b) * 1e6;
    }
    if (tq == NULL || tr == NULL || got != 50 || bytes == 0) {
        fprintf(stderr, "bench_query: the reads failed (%zu entries)\n", got);
        return 1;
    }
    double q50 = pct(tq, iters, 0.5), q99 = pct(tq, iters, 0.99);
    double r50 = pct(tr, iters, 0.5), r99 = pct(tr, iters, 0.99);
    printf("TestHistory newest 50 of %llu: p50 %.1f us, p99 %.1f us "
           "(reply %zu bytes)\n",
           (unsigned long long)n, q50, q99, bytes);
    printf("bare LMDB cursor, same 50:   p50 %.1f us, p99 %.1f us\n", r50,
           r99);
    printf("ratio (query / raw):         p50 %.1fx, p99 %.1fx\n", q50 / r50,
           q99 / r99);
    free(tq);
    free(tr);
    sl_store_close(&c.store);
    bench_rm_rf(dir);
    return nruns > 0 ? bench_list_runs(nruns, iters) : 0;
}
