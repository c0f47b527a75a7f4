/* bench_ingest: events per second from one agent process to a running
 * collector, acknowledged (durably committed) end to end, next to the rate
 * of bare LMDB puts of the same bytes with the same batch size.
 *
 * One run, everything under one mkdtemp directory (removed unless --keep):
 *   1. spawn the real sluice-collector on ephemeral ports, wait for its
 *      ready file;
 *   2. connect a SUB to its PUB endpoint (so publishing is on, with a
 *      subscriber); a thread decodes and counts what arrives;
 *   3. push --events TestCase events through agent_stream / agent_sender
 *      (one run id, one stream, batches of SL_BATCH_EVENTS, the agent's
 *      credit window) and drain until every batch is acknowledged;
 *   4. read the collector's peak RSS and CPU, SIGTERM it, require exit 0;
 *   5. put the same packed events (as the collector stores them) into
 *      scratch LMDB environments: one commit per batch, and one per
 *      --group batches.
 * It prints the figures, the CPU of every thread of both processes during
 * the push (to see which side is the bottleneck) and one RESULT line for
 * scripts. Exit status 0 when every event was acknowledged and the
 * collector exited 0; 1 otherwise; 2 on usage errors. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "agent.h"
#include "bench.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/opt.h"
#include "sluice/store.h"
#include "sluice/wire.h"

#ifndef SL_COLLECTOR_PATH
#error "SL_COLLECTOR_PATH must name the sluice-collector binary"
#endif

#define BENCH_STREAM    0x5eedb0a7c0ffee01ull
#define PUSH_TIMEOUT_MS 30000 /* no ack for this long: give up */
#define SUB_IDLE_S      1.0 /* the push is over and nothing came for this long */
#define LMDB_MAP_SIZE   (16ull << 30)

typedef struct ingest_cfg {
    uint64_t events;
    uint64_t window;
    uint64_t group;
    const char *collector;
    const char *tmpdir;
    const char *log_level;
    int no_sub, no_lmdb, keep, help;
} ingest_cfg_t;

#define OPT(n, t, f, d, lo, hi, env, arg, help)                                \
    {                                                                          \
        n, t, offsetof(ingest_cfg_t, f), d, lo, hi, env, arg, help, NULL       \
    }

static const sl_opt_t options[] = {
    OPT("events", SL_OPT_U64, events, "1000000", 1, 1000000000, NULL, "N",
        "test-case events to push"),
    OPT("window", SL_OPT_U64, window, "32", 1, 4096, NULL, "N",
        "un-acknowledged batches in flight at most (the agent's --window)"),
    OPT("group", SL_OPT_U64, group, "32", 1, 65536, NULL, "N",
        "batches per commit in the second bare-LMDB run"),
    OPT("collector", SL_OPT_STR, collector, SL_COLLECTOR_PATH, 0, 0,
        "SLUICE_COLLECTOR_BIN", "PATH", "the sluice-collector to measure"),
    OPT("tmpdir", SL_OPT_STR, tmpdir, "/tmp", 0, 0, "TMPDIR", "DIR",
        "where the scratch directory goes (its disk is what fsync costs)"),
    OPT("log-level", SL_OPT_STR, log_level, "warn", 0, 0, NULL, "L",
        "log level of the bench and of the collector"),
    OPT("no-sub", SL_OPT_FLAG, no_sub, NULL, 0, 0, NULL, NULL,
        "do not subscribe to the PUB stream"),
    OPT("no-lmdb", SL_OPT_FLAG, no_lmdb, NULL, 0, 0, NULL, NULL,
        "skip the bare-LMDB baseline"),
    OPT("keep", SL_OPT_FLAG, keep, NULL, 0, 0, NULL, NULL,
        "keep the scratch directory (printed) instead of removing it"),
    OPT("help", SL_OPT_FLAG, help, NULL, 0, 0, NULL, NULL,
        "show this help and exit"),
    {0},
};

/* ---- test cases --------------------------------------------------------- */

/* Realistic JUnit-style names: suites and classes of 40-60 bytes, test
 * names of 40-50, failure messages of about 100. Made once, before any
 * timing; events point into the pool. */
#define NSUITES 64
#define NNAMES  4096
#define NMSGS   16
#define STRMAX  160

typedef struct pool {
    char suite[NSUITES][STRMAX];
    char cls[NSUITES][STRMAX];
    char name[NNAMES][STRMAX];
    char msg[NMSGS][STRMAX];
} pool_t;

static const char *const areas[] = {"billing",  "catalog",   "checkout",
                                    "identity", "inventory", "payments",
                                    "search",   "shipping"};
static const char *const layers[] = {"api", "core",   "service", "storage",
                                     "web", "worker", "client",  "events"};
static const char *const nouns[] = {"Invoice", "Ledger", "Refund", "Session",
                                    "Token",   "Cart",   "Order",  "Stock"};
static const char *const roles[] = {"Repository", "Service", "Controller",
                                    "Validator",  "Mapper",  "Scheduler",
                                    "Gateway",    "Resolver"};
static const char *const verbs[] = {"Calculates", "Rejects", "Persists",
                                    "Returns",    "Retries", "Validates",
                                    "Emits",      "Merges"};
static const char *const objects[] = {
    "TaxForRegion", "ExpiredToken",     "PartialRefund",   "DuplicateOrder",
    "EmptyCart",    "CurrencyRounding", "StaleCacheEntry", "ConcurrentUpdate"};
static const char *const conds[] = {
    "WithDiscount", "WhenCacheIsCold", "UnderLoad",   "AfterTimeout",
    "ForGuestUser", "OnSecondRetry",   "InBatchMode", "WithoutAuth"};

static int
pool_fill(pool_t *p)
{
    int rc = SL_OK;
    for (unsigned i = 0; i < NSUITES && rc == SL_OK; i++) {
        rc = bench_fmt(p->suite[i], STRMAX, "com.example.%s.%s.%s%sTest",
                       areas[i % 8], layers[i / 8 % 8], nouns[i * 5 % 8],
                       roles[(i * 3 + 1) % 8]);
        if (rc == SL_OK) {
            rc = bench_fmt(p->cls[i], STRMAX, "%s$%s", p->suite[i],
                           conds[i * 7 % 8]);
        }
    }
    for (unsigned j = 0; j < NNAMES && rc == SL_OK; j++) {
        rc = bench_fmt(p->name[j], STRMAX, "test%s%s%s_%04u", verbs[j % 8],
                       objects[j / 8 % 8], conds[j / 64 % 8], j);
    }
    for (unsigned k = 0; k < NMSGS && rc == SL_OK; k++) {
        rc = bench_fmt(p->msg[k], STRMAX,
                       "expected:<%u> but was:<%u> at com.example.%s.%sTest."
                       "verify(%sTest.java:%u): amounts differ",
                       100 + k * 37, 99 + k * 41, areas[k % 8],
                       nouns[k / 2 % 8], nouns[k / 2 % 8], 40 + k * 13);
    }
    return rc;
}

/* Event i (from 0): ~256 tests per suite, 2% failed with a message, 1%
 * skipped, the rest passed. */
static void
fill_event(pool_t *p, uint64_t i, sl_pb_event_t *ev, Sluice__V1__TestCase *tc)
{
    sluice__v1__event__init(ev);
    sluice__v1__test_case__init(tc);
    size_t s = (size_t)(i / 256 % NSUITES);
    tc->suite = p->suite[s];
    tc->classname = p->cls[s];
    tc->name = p->name[i % NNAMES];
    tc->time_s = (double)(i % 997) * 0.0013;
    if (i % 50 == 7) {
        tc->status = SLUICE__V1__TEST_STATUS__TEST_FAILED;
        tc->message = p->msg[i / 50 % NMSGS];
    } else if (i % 100 == 13) {
        tc->status = SLUICE__V1__TEST_STATUS__TEST_SKIPPED;
    }
    ev->body_case = SLUICE__V1__EVENT__BODY_TEST;
    ev->test = tc;
}

/* ---- the subscriber ----------------------------------------------------- */

typedef struct sub {
    zsock_t *sock;
    pthread_t thread;
    int started;
    uint64_t expect;   /* the last LSN the push stores */
    atomic_int pushed; /* set by main once every batch is acknowledged */
    /* Written by the thread, read by main after the join. */
    uint64_t events, msgs, gaps, bad, first_lsn, last_lsn;
    double last_recv_s, cpu_s;
} sub_t;

/* Waits for the SUB's handshake with the PUB (so the subscription is on
 * its way before the first event is published). */
static int
sub_handshake(sub_t *s, const char *endpoint)
{
    char mon_ep[64];
    void *raw = zsock_resolve(s->sock);
    int rc =
        bench_fmt(mon_ep, sizeof mon_ep, "inproc://bench-sub-%p", (void *)s);
    if (rc != SL_OK ||
        zmq_socket_monitor(raw, mon_ep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED) != 0) {
        return SL_EIO;
    }
    zsock_t *mon = zsock_new(ZMQ_PAIR);
    if (mon == NULL || zsock_connect(mon, "%s", mon_ep) != 0) {
        rc = SL_ENOMEM;
    } else if (zsock_connect(s->sock, "%s", endpoint) != 0) {
        rc = SL_EINVAL;
    } else {
        zsock_set_rcvtimeo(mon, 5000);
        zmsg_t *m = zmsg_recv(mon);
        rc = m != NULL ? SL_OK : SL_ETIMEDOUT;
        zmsg_destroy(&m);
    }
    (void)zmq_socket_monitor(raw, NULL, 0);
    zsock_destroy(&mon);
    return rc;
}

static void
sub_take(sub_t *s, zmsg_t *m)
{
    zframe_t *topic = zmsg_first(m);
    zframe_t *body = zmsg_next(m);
    void *msg = NULL;
    if (topic == NULL || body == NULL ||
        sl_wire_unpack(&sluice__v1__log_chunk__descriptor, zframe_data(body),
                       zframe_size(body), &msg, NULL) != SL_OK) {
        s->bad++;
        return;
    }
    sl_pb_chunk_t *c = msg;
    if (c->n_lsn > 0) {
        s->gaps += c->lsn[0] != s->last_lsn + 1;
        s->first_lsn = s->first_lsn != 0 ? s->first_lsn : c->lsn[0];
        s->last_lsn = c->lsn[c->n_lsn - 1];
    }
    s->events += c->n_events;
    s->msgs++;
    sl_wire_free(&c);
}

static void *
sub_main(void *arg)
{
    sub_t *s = arg;
    (void)prctl(PR_SET_NAME, "bench-sub", 0UL, 0UL, 0UL);
    double idle_from = bench_mono_s();
    /* Lives until the push is over, so its CPU shows in the snapshots. */
    for (;;) {
        zmsg_t *m = zmsg_recv(s->sock);
        double now = bench_mono_s();
        int pushed = atomic_load(&s->pushed);
        if (m != NULL) {
            sub_take(s, m);
            zmsg_destroy(&m);
            s->last_recv_s = idle_from = now;
        } else if (pushed &&
                   (s->last_lsn >= s->expect || now - idle_from > SUB_IDLE_S)) {
            break;
        }
    }
    s->cpu_s = bench_thread_cpu_s();
    return NULL;
}

static int
sub_start(sub_t *s, const char *endpoint, uint64_t expect)
{
    s->expect = expect;
    atomic_init(&s->pushed, 0);
    s->sock = zsock_new(ZMQ_SUB);
    if (s->sock == NULL) {
        return SL_ENOMEM;
    }
    sl_wire_socket_limits(s->sock);
    zsock_set_rcvhwm(s->sock, 100000);
    zsock_set_subscribe(s->sock, "");
    zsock_set_rcvtimeo(s->sock, 100);
    int rc = sub_handshake(s, endpoint);
    if (rc == SL_OK && pthread_create(&s->thread, NULL, sub_main, s) != 0) {
        rc = SL_ESYS;
    }
    s->started = rc == SL_OK;
    if (rc != SL_OK) {
        fprintf(stderr, "bench_ingest: cannot subscribe to %s: %s\n", endpoint,
                sl_strerror(rc));
    }
    return rc;
}

static void
sub_finish(sub_t *s)
{
    atomic_store(&s->pushed, 1);
    if (s->started) {
        (void)pthread_join(s->thread, NULL);
        s->started = 0;
    }
    zsock_destroy(&s->sock);
}

/* ---- the push (end to end) ---------------------------------------------- */

typedef struct push_result {
    double t0, secs;
    uint64_t stored;
    double cpu_s; /* of the pushing thread */
} push_result_t;

/* Streams cfg->events test cases and waits for every ack. */
static int
push_stream(const ingest_cfg_t *cfg, agent_sender_t *s, pool_t *p,
            const char *run_id)
{
    agent_stream_t st;
    int rc = SL_OK;
    agent_stream_init(&st, s, run_id, BENCH_STREAM);
    for (uint64_t i = 0; i < cfg->events && rc == SL_OK; i++) {
        sl_pb_event_t ev;
        Sluice__V1__TestCase tc;
        fill_event(p, i, &ev, &tc);
        rc = agent_stream_add(&st, &ev);
    }
    /* Sends what is left (or spools it) and frees the batch either way. */
    int rc2 = agent_stream_close(&st);
    rc = rc != SL_OK ? rc : rc2;
    rc = rc == SL_OK ? agent_sender_drain(s) : rc;
    return rc == SL_OK && s->unreachable ? SL_EUNREACH : rc;
}

/* The push through the agent's sender, timed from the first event handed
 * to the stream to the last ack. */
static int
push_events(const ingest_cfg_t *cfg, const bench_coll_t *c, const char *spool,
            pool_t *p, const char *run_id, push_result_t *out)
{
    agent_cfg_t acfg;
    memset(&acfg, 0, sizeof acfg);
    acfg.collector = c->listen;
    acfg.spool = spool; /* used only if the collector stops answering */
    acfg.window = cfg->window;
    acfg.timeout_ms = PUSH_TIMEOUT_MS;
    agent_sender_t s;
    sl_err_t err = {0};
    int rc = agent_sender_init(&s, &acfg, &err);
    if (rc != SL_OK) {
        fprintf(stderr, "bench_ingest: %s\n", sl_err_msg(&err, rc));
        return rc;
    }
    double cpu0 = bench_thread_cpu_s();
    out->t0 = bench_mono_s();
    rc = push_stream(cfg, &s, p, run_id);
    out->secs = bench_mono_s() - out->t0;
    out->cpu_s = bench_thread_cpu_s() - cpu0;
    out->stored = s.stored;
    int rc2 = agent_sender_fini(&s, &err);
    rc = rc != SL_OK ? rc : rc2;
    if (rc != SL_OK) {
        fprintf(stderr, "bench_ingest: push failed: %s\n",
                sl_err_msg(&err, rc));
    }
    return rc;
}

/* ---- bare LMDB ---------------------------------------------------------- */

typedef struct lmdb_result {
    double secs;    /* in puts and commits only */
    uint64_t bytes; /* values put */
    uint64_t commits;
} lmdb_result_t;

/* Packs events first .. first + n - 1 as the collector stores them (run id,
 * stream, seq and time filled in); off[j] is where event j starts. */
static int
pack_batch(pool_t *p, char *run_id, uint64_t first, size_t n, uint8_t **buf,
           size_t *cap, size_t *off)
{
    size_t len = 0;
    int64_t now = sl_now_us();
    for (size_t j = 0; j < n; j++) {
        sl_pb_event_t ev;
        Sluice__V1__TestCase tc;
        fill_event(p, first - 1 + j, &ev, &tc);
        ev.run_id = run_id;
        ev.stream = BENCH_STREAM;
        ev.seq = first + j;
        ev.time_us = now;
        off[j] = len;
        int rc = sl_wire_append(&ev.base, buf, cap, &len);
        if (rc != SL_OK) {
            return rc;
        }
    }
    off[n] = len;
    return SL_OK;
}

static void
put_batch(sl_txn_t *txn, const uint8_t *buf, const size_t *off, size_t n,
          uint64_t first)
{
    for (size_t j = 0; j < n; j++) {
        uint8_t key[8];
        sl_be64_put(key, first + j);
        sl_val_t k = {key, sizeof key};
        sl_val_t v = {buf + off[j], off[j + 1] - off[j]};
        sl_store_put(txn, 0, &k, &v, SL_PUT_APPEND);
    }
}

/* Puts events into a fresh environment in dir, batches of SL_BATCH_EVENTS
 * with MDB_APPEND and u64 BE keys, one synced commit per group batches.
 * Only the puts and commits are timed (packing is not). */
static int
lmdb_run(const char *dir, pool_t *p, char *run_id, uint64_t events,
         uint64_t group, lmdb_result_t *out)
{
    static const char *const dbs[] = {"log", NULL};
    sl_store_cfg_t scfg = {dir, dbs, LMDB_MAP_SIZE};
    sl_store_t *s = NULL;
    sl_txn_t txn = {0};
    size_t off[SL_BATCH_EVENTS + 1], cap = 0;
    uint8_t *buf = NULL;
    uint64_t nb = (events + SL_BATCH_EVENTS - 1) / SL_BATCH_EVENTS;
    int rc = sl_store_open(&s, &scfg, &txn.err);
    for (uint64_t b = 0; b < nb && rc == SL_OK; b++) {
        uint64_t first = b * SL_BATCH_EVENTS + 1;
        size_t n =
            (size_t)(events - first + 1 < SL_BATCH_EVENTS ? events - first + 1
                                                          : SL_BATCH_EVENTS);
        rc = pack_batch(p, run_id, first, n, &buf, &cap, off);
        double t0 = bench_mono_s();
        if (rc == SL_OK && b % group == 0) {
            rc = sl_store_begin(s, &txn, SL_TXN_RW);
        }
        if (rc == SL_OK) {
            put_batch(&txn, buf, off, n, first);
            out->bytes += off[n];
        }
        if (rc == SL_OK && ((b + 1) % group == 0 || b + 1 == nb)) {
            rc = sl_store_commit(&txn);
            out->commits++;
        }
        out->secs += bench_mono_s() - t0;
    }
    sl_store_abort(&txn);
    if (rc != SL_OK) {
        fprintf(stderr, "bench_ingest: bare LMDB in %s: %s\n", dir,
                sl_err_msg(&txn.err, rc));
    }
    free(buf);
    sl_store_close(&s);
    return rc;
}

/* ---- the run ------------------------------------------------------------ */

typedef struct ingest {
    const ingest_cfg_t *cfg;
    char dir[BENCH_PATH_CAP], spool[BENCH_PATH_CAP];
    char run_id[64];
    pool_t *pool;
    bench_coll_t coll;
    sub_t sub;
    push_result_t push;
    bench_snap_t cc0, cc1, bc0, bc1; /* collector and bench, before/after */
    bench_machine_t m0, m1;
    long coll_pid;
    uint64_t rss_kib, store_bytes;
    int coll_status, coll_stopped;
    uint64_t coll_txns, coll_logged; /* read from its store once stopped */
    lmdb_result_t l1, lg;
    int lmdb_done;
} ingest_t;

static int
ingest_setup(ingest_t *b)
{
    char tmpl[BENCH_PATH_CAP];
    int rc =
        bench_fmt(tmpl, sizeof tmpl, "%s/sluice-bench-XXXXXX", b->cfg->tmpdir);
    if (rc != SL_OK || mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "bench_ingest: cannot make a directory in %s: %s\n",
                b->cfg->tmpdir, strerror(errno));
        return SL_EIO;
    }
    memcpy(b->dir, tmpl, sizeof b->dir);
    rc = bench_fmt(b->spool, sizeof b->spool, "%s/spool", b->dir);
    if (rc == SL_OK) {
        rc = bench_coll_paths(&b->coll, b->dir);
    }
    if (rc == SL_OK) {
        rc = bench_fmt(b->run_id, sizeof b->run_id, "bench-%ld-%lld",
                       (long)getpid(), (long long)time(NULL));
    }
    b->pool = malloc(sizeof *b->pool);
    if (rc == SL_OK && (b->pool == NULL || pool_fill(b->pool) != SL_OK)) {
        rc = SL_ENOMEM;
    }
    return rc;
}

/* Reads the collector's figures and stops it; its exit must be 0. */
static int
ingest_stop_collector(ingest_t *b)
{
    char path[BENCH_PATH_CAP];
    struct stat st;
    b->rss_kib = bench_peak_rss_kib(b->coll_pid);
    if (bench_fmt(path, sizeof path, "%s/data.mdb", b->coll.data) == SL_OK &&
        stat(path, &st) == 0) {
        b->store_bytes = (uint64_t)st.st_size;
    }
    int rc = bench_coll_stop(&b->coll, &b->coll_status);
    b->coll_stopped = rc == SL_OK;
    if (rc == SL_OK &&
        (!WIFEXITED(b->coll_status) || WEXITSTATUS(b->coll_status) != 0)) {
        fprintf(stderr, "bench_ingest: the collector exited with status 0x%x\n",
                (unsigned)b->coll_status);
        rc = SL_EIO;
    }
    if (rc == SL_OK) {
        rc = bench_coll_store_info(&b->coll, &b->coll_txns, &b->coll_logged);
    }
    if (rc == SL_OK && b->coll_logged != b->cfg->events) {
        fprintf(stderr,
                "bench_ingest: the collector's log holds %llu events, "
                "not %llu\n",
                (unsigned long long)b->coll_logged,
                (unsigned long long)b->cfg->events);
        rc = SL_EIO;
    }
    return rc;
}

static int
ingest_e2e(ingest_t *b, int nextra, char **extra)
{
    int rc = bench_coll_spawn(&b->coll, b->cfg->collector, b->cfg->log_level,
                              nextra, extra);
    b->coll_pid = (long)b->coll.pid;
    rc = rc == SL_OK ? bench_coll_wait_ready(&b->coll) : rc;
    if (rc == SL_OK && !b->cfg->no_sub) {
        rc = sub_start(&b->sub, b->coll.publish, b->cfg->events);
    }
    if (rc == SL_OK) {
        bench_snap_take(b->coll_pid, &b->cc0);
        bench_snap_take((long)getpid(), &b->bc0);
        bench_machine_take(&b->m0);
        rc = push_events(b->cfg, &b->coll, b->spool, b->pool, b->run_id,
                         &b->push);
        bench_snap_take(b->coll_pid, &b->cc1);
        bench_snap_take((long)getpid(), &b->bc1);
        bench_machine_take(&b->m1);
    }
    sub_finish(&b->sub);
    int rc2 = b->coll.pid > 0 ? ingest_stop_collector(b) : SL_OK;
    rc = rc != SL_OK ? rc : rc2;
    if (rc != SL_OK) {
        bench_coll_dump_log(&b->coll);
    }
    return rc;
}

static int
ingest_lmdb(ingest_t *b)
{
    char d1[BENCH_PATH_CAP], dg[BENCH_PATH_CAP];
    int rc = bench_fmt(d1, sizeof d1, "%s/lmdb-1", b->dir);
    if (rc == SL_OK) {
        rc = bench_fmt(dg, sizeof dg, "%s/lmdb-%llu", b->dir,
                       (unsigned long long)b->cfg->group);
    }
    if (rc == SL_OK) {
        rc = lmdb_run(d1, b->pool, b->run_id, b->cfg->events, 1, &b->l1);
    }
    bench_rm_rf(d1); /* the page cache and disk of the next run start even */
    if (rc == SL_OK) {
        rc = lmdb_run(dg, b->pool, b->run_id, b->cfg->events, b->cfg->group,
                      &b->lg);
    }
    b->lmdb_done = rc == SL_OK;
    return rc;
}

/* ---- the report --------------------------------------------------------- */

static double
rate(uint64_t events, double secs)
{
    return secs > 0 ? (double)events / secs : 0;
}

static void
report_collector(const ingest_t *b)
{
    uint64_t batches = (b->cfg->events + SL_BATCH_EVENTS - 1) / SL_BATCH_EVENTS;
    /* One write transaction opened its databases; the rest are groups. */
    uint64_t groups = b->coll_txns > 1 ? b->coll_txns - 1 : 0;
    printf("collector peak RSS (VmHWM): %.1f MiB; store %.1f MiB; ",
           (double)b->rss_kib / 1024.0, (double)b->store_bytes / 1048576.0);
    if (b->coll_stopped && WIFEXITED(b->coll_status)) {
        printf("exit status %d\n", WEXITSTATUS(b->coll_status));
    } else {
        printf("did not exit cleanly\n");
    }
    printf("collector commits: %llu group commit(s) for %llu batches "
           "(%.1f batches per commit); its log holds %llu events\n",
           (unsigned long long)groups, (unsigned long long)batches,
           groups > 0 ? (double)batches / (double)groups : 0.0,
           (unsigned long long)b->coll_logged);
}

static void
report_sub(const ingest_t *b)
{
    const sub_t *s = &b->sub;
    double lag =
        s->msgs > 0 ? s->last_recv_s - (b->push.t0 + b->push.secs) : 0.0;
    printf("PUB events received: %llu of %llu (%llu messages, LSN "
           "%llu..%llu, %llu gap(s), %llu undecodable); the last one came "
           "%.3f s %s the last ack\n",
           (unsigned long long)s->events, (unsigned long long)b->cfg->events,
           (unsigned long long)s->msgs, (unsigned long long)s->first_lsn,
           (unsigned long long)s->last_lsn, (unsigned long long)s->gaps,
           (unsigned long long)s->bad, lag < 0 ? -lag : lag,
           lag < 0 ? "before" : "after");
}

static void
report_e2e(const ingest_t *b)
{
    const ingest_cfg_t *cfg = b->cfg;
    double e2e = rate(b->push.stored, b->push.secs);
    printf("sluice bench_ingest: %llu TestCase events, batches of %d, "
           "window %llu, %ld cores\n",
           (unsigned long long)cfg->events, SL_BATCH_EVENTS,
           (unsigned long long)cfg->window, sysconf(_SC_NPROCESSORS_ONLN));
    printf("end to end (acknowledged): %llu of %llu events stored in "
           "%.3f s = %.0f events/s (target 1000000: %s)\n",
           (unsigned long long)b->push.stored, (unsigned long long)cfg->events,
           b->push.secs, e2e, e2e >= 1e6 ? "met" : "NOT met");
    report_collector(b);
    if (!cfg->no_sub) {
        report_sub(b);
    }
}

static void
report_lmdb(const ingest_t *b)
{
    uint64_t n = b->cfg->events;
    double e2e = rate(b->push.stored, b->push.secs);
    double r1 = rate(n, b->l1.secs), rg = rate(n, b->lg.secs);
    printf("bare LMDB, MDB_APPEND, synced commit per batch of %d: %.0f "
           "events/s (%llu commits, %.3f s, %.0f bytes/event)\n",
           SL_BATCH_EVENTS, r1, (unsigned long long)b->l1.commits, b->l1.secs,
           (double)b->l1.bytes / (double)n);
    printf("bare LMDB, MDB_APPEND, synced commit per %llu batches: %.0f "
           "events/s (%llu commits, %.3f s)\n",
           (unsigned long long)b->cfg->group, rg,
           (unsigned long long)b->lg.commits, b->lg.secs);
    printf("ratio end-to-end / bare LMDB (commit per batch): %.3f; "
           "(commit per %llu batches): %.3f\n",
           r1 > 0 ? e2e / r1 : 0.0, (unsigned long long)b->cfg->group,
           rg > 0 ? e2e / rg : 0.0);
}

static void
report_cpu(const ingest_t *b, double *cu, double *cs, double *bu, double *bs)
{
    bench_span_t span = {b->push.secs, b->push.stored};
    printf("CPU during the push (%.3f s wall; %ld cores = %.0f%% at most):\n",
           span.wall, sysconf(_SC_NPROCESSORS_ONLN),
           100.0 * (double)sysconf(_SC_NPROCESSORS_ONLN));
    bench_print_cpu("collector", b->coll_pid, "writer", &b->cc0, &b->cc1, &span,
                    cu, cs);
    bench_print_cpu("bench", (long)getpid(), "thread", &b->bc0, &b->bc1, &span,
                    bu, bs);
    bench_print_machine(&b->m0, &b->m1, *cu + *cs + *bu + *bs);
    printf("    (bench main = the agent's packing, sending and acks: %.2f s "
           "CPU; bench-sub = PUB decoding: %.2f s CPU in all)\n",
           b->push.cpu_s, b->sub.cpu_s);
}

static void
report(const ingest_t *b)
{
    double cu = 0, cs = 0, bu = 0, bs = 0;
    report_e2e(b);
    if (b->lmdb_done) {
        report_lmdb(b);
    }
    if (b->push.secs > 0) {
        report_cpu(b, &cu, &cs, &bu, &bs);
    }
    double e2e = rate(b->push.stored, b->push.secs);
    double r1 = rate(b->cfg->events, b->l1.secs);
    printf("RESULT events=%llu secs=%.3f e2e_eps=%.0f lmdb_eps=%.0f "
           "lmdb_group_eps=%.0f ratio=%.3f rss_kib=%llu pub_events=%llu "
           "coll_user=%.2f coll_sys=%.2f bench_user=%.2f bench_sys=%.2f\n",
           (unsigned long long)b->push.stored, b->push.secs, e2e, r1,
           rate(b->cfg->events, b->lg.secs), r1 > 0 ? e2e / r1 : 0.0,
           (unsigned long long)b->rss_kib, (unsigned long long)b->sub.events,
           cu, cs, bu, bs);
}

static int
ingest(const ingest_cfg_t *cfg, int nextra, char **extra)
{
    ingest_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return 1;
    }
    b->cfg = cfg;
    int rc = ingest_setup(b);
    if (rc == SL_OK) {
        rc = ingest_e2e(b, nextra, extra);
    }
    if (rc == SL_OK && b->push.stored != cfg->events) {
        fprintf(stderr, "bench_ingest: only %llu of %llu events stored\n",
                (unsigned long long)b->push.stored,
                (unsigned long long)cfg->events);
        rc = SL_EIO;
    }
    if (rc == SL_OK && !cfg->no_lmdb) {
        rc = ingest_lmdb(b);
    }
    if (rc == SL_OK) {
        report(b);
    } else {
        printf("bench_ingest: FAILED (%s); no figures\n", sl_strerror(rc));
    }
    if (cfg->keep) {
        printf("kept %s\n", b->dir);
    } else if (b->dir[0] != '\0') {
        bench_rm_rf(b->dir);
    }
    free(b->pool);
    free(b);
    return rc == SL_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
    ingest_cfg_t cfg;
    sl_err_t err = {0};
    int nrest = 0;
    memset(&cfg, 0, sizeof cfg);
    if (sl_opt_parse(options, &cfg, argc - 1, argv + 1, &nrest, argv + 1,
                     &err) != SL_OK) {
        fprintf(stderr, "bench_ingest: %s\n", err.msg);
        return 2;
    }
    if (cfg.help) {
        printf("usage: bench_ingest [OPTION]... [-- COLLECTOR-OPTION...]\n\n"
               "Pushes test-case events from one agent to a fresh "
               "sluice-collector and reports\nevents/s acknowledged end to "
               "end next to bare LMDB puts (see bench/README.md).\n\n");
        sl_opt_help(options, stdout);
        return 0;
    }
    if (nrest > BENCH_MAX_EXTRA ||
        sl_log_level_parse(cfg.log_level, &sl_log_threshold) != SL_OK) {
        fprintf(stderr, "bench_ingest: too many collector arguments or bad "
                        "--log-level (see --help)\n");
        return 2;
    }
    /* czmq's SIGINT handler would only set zsys_interrupted: keep the
     * default, so Ctrl-C stops the bench (and the collector, same group). */
    if (zsys_init() == NULL) {
        return 1;
    }
    zsys_handler_set(NULL);
    return ingest(&cfg, nrest, argv + 1);
}
