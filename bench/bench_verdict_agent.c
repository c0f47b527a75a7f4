/* bench_verdict's agent processes: the runs a real agent sends, through
 * the lib client the agent uses (one DEALER, requests with ids, many
 * outstanding), each run timed from the ack of its finish to the reply
 * carrying its verdict, and every verdict checked. See bench_verdict.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <czmq.h>
#include <sodium.h>

#include "bench.h"
#include "bench_verdict.h"
#include "sluice/batch.h"
#include "sluice/client.h"
#include "sluice/formats.h"
#include "sluice/parse.h"
#include "sluice/run.h"
#include "sluice/wire.h"

/* ---- runs: ids, content, expectations ----------------------------------- */

/* A phase of an agent process: the warm-up (one run) or the measured
 * runs. Local run k of process p is global run p + k * procs. */
typedef struct phase {
    const char *prefix; /* of the run ids: "warm", "run" */
    uint64_t count;     /* runs of this process */
    uint64_t inflight;  /* at once */
    int measured;
} phase_t;

enum { RS_IDLE, RS_DATA, RS_FINISH, RS_WAIT, RS_DONE };

typedef struct lrun {
    uint8_t st, acks_left, nbatches;
    uint64_t ids[3], last_seq[3], nev[3]; /* the data batches */
    uint64_t fin_id, wait_id;
    int64_t t_fin, t_ack;
} lrun_t;

typedef struct agent {
    const vb_cfg_t *cfg;
    vb_shm_t *shm;
    unsigned p;
    sl_client_t *client;
    zsock_t *sock;
    const phase_t *ph;
    lrun_t *runs;
    uint64_t next, active, done;
    sl_batch_t batch;
} agent_t;

static const char *const areas[] = {"billing",  "catalog",   "checkout",
                                    "identity", "inventory", "payments",
                                    "search",   "shipping"};
static const char *const verbs[] = {"Calculates", "Rejects", "Persists",
                                    "Returns",    "Retries", "Validates",
                                    "Emits",      "Merges"};
static const char *const objects[] = {
    "TaxForRegion", "ExpiredToken",     "PartialRefund",   "DuplicateOrder",
    "EmptyCart",    "CurrencyRounding", "StaleCacheEntry", "ConcurrentUpdate"};

static uint64_t
global_of(const agent_t *a, uint64_t k)
{
    return a->ph->measured ? a->p + k * a->cfg->procs : a->p;
}

static int
run_fails(const vb_cfg_t *cfg, const phase_t *ph, uint64_t g)
{
    return ph->measured && cfg->fail_every > 0 &&
           g % cfg->fail_every == cfg->fail_every - 1;
}

/* Test i of a run: failed (in a failing run) when i % 16 == 5, skipped
 * when i % 25 == 11, else passed. */
static Sluice__V1__TestStatus
test_status(int failing, uint64_t i)
{
    if (failing && i % 16 == 5) {
        return SLUICE__V1__TEST_STATUS__TEST_FAILED;
    }
    return i % 25 == 11 ? SLUICE__V1__TEST_STATUS__TEST_SKIPPED
                        : SLUICE__V1__TEST_STATUS__TEST_PASSED;
}

static void
expected_counts(uint64_t tests, int failing, uint64_t *failed,
                uint64_t *skipped)
{
    *failed = *skipped = 0;
    for (uint64_t i = 0; i < tests; i++) {
        Sluice__V1__TestStatus s = test_status(failing, i);
        *failed += s == SLUICE__V1__TEST_STATUS__TEST_FAILED;
        *skipped += s == SLUICE__V1__TEST_STATUS__TEST_SKIPPED;
    }
}

static int
run_id_of(const agent_t *a, uint64_t k, char *buf, size_t cap)
{
    return bench_fmt(buf, cap, "%s-%06llu", a->ph->prefix,
                     (unsigned long long)global_of(a, k));
}

/* The local index of the run a reply names. SL_EPROTO when it is not one
 * of this process's runs of this phase. */
static int
local_of(const agent_t *a, const char *run_id, uint64_t *k)
{
    size_t plen = strlen(a->ph->prefix);
    uint64_t g = 0;
    if (run_id == NULL || strncmp(run_id, a->ph->prefix, plen) != 0 ||
        run_id[plen] != '-' ||
        sl_parse_u64(run_id + plen + 1, 0, UINT64_MAX, &g) != SL_OK) {
        return SL_EPROTO;
    }
    uint64_t procs = a->ph->measured ? a->cfg->procs : 1;
    uint64_t base = a->ph->measured ? a->p : g;
    if (g < base || g != a->p + (g - base) / procs * procs ||
        (g - base) / procs >= a->ph->count) {
        return SL_EPROTO;
    }
    *k = (g - base) / procs;
    return SL_OK;
}

/* ---- an agent process: sending ------------------------------------------ */

static int
agent_fail(agent_t *a, int rc, const char *fmt, ...) SL_PRINTF(3, 4);

/* Records why this process fails (the parent prints it) and says it now. */
static int
agent_fail(agent_t *a, int rc, const char *fmt, ...)
{
    vb_proc_t *me = &a->shm->proc[a->p];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(me->why, sizeof me->why, fmt, ap);
    va_end(ap);
    if (!vb_stop) { /* a signal is no failure to explain */
        fprintf(stderr, "bench_verdict: agent %u: %s\n", a->p, me->why);
    }
    return rc;
}

/* Sends the batch as one request of run_id; *id receives its id. */
static int
send_batch(agent_t *a, const char *run_id, uint64_t stream,
           uint64_t first_seq, uint64_t *id)
{
    *id = sl_client_next_id(a->client);
    zframe_t *f = sl_batch_request(&a->batch, *id, run_id, stream, first_seq);
    sl_batch_reset(&a->batch);
    if (f == NULL) {
        return agent_fail(a, SL_ENOMEM, "out of memory");
    }
    if (zframe_send(&f, a->sock, 0) != 0) {
        zframe_destroy(&f);
        return agent_fail(a, SL_EIO, "send: %s", zmq_strerror(errno));
    }
    return SL_OK;
}

static int
add_event(agent_t *a, sl_pb_event_t *ev, uint64_t seq)
{
    ev->seq = seq;
    int rc = sl_batch_add(&a->batch, ev);
    return rc == SL_OK ? rc : agent_fail(a, rc, "out of memory");
}

/* Sends the batch built so far as data batch number r->nbatches. */
static int
send_data(agent_t *a, lrun_t *r, const char *run_id, uint64_t stream,
          uint64_t first, uint64_t last)
{
    uint8_t b = r->nbatches++;
    r->last_seq[b] = last;
    r->nev[b] = last - first + 1;
    return send_batch(a, run_id, stream, first, &r->ids[b]);
}

/* The run's RunMeta, on the stream named by its content as the agent
 * names it. */
static int
send_meta(agent_t *a, lrun_t *r, const char *run_id, uint64_t g)
{
    char commit[41];
    Sluice__V1__RunMeta meta;
    sl_pb_event_t ev;
    uint8_t d[SL_DIGEST_BYTES];
    size_t n;
    sluice__v1__run_meta__init(&meta);
    sluice__v1__event__init(&ev);
    (void)snprintf(commit, sizeof commit, "%016llx%024llx",
                   (unsigned long long)g * 0x9e3779b97f4a7c15ull,
                   (unsigned long long)g);
    meta.project = (char *)(uintptr_t)"bench-verdict";
    meta.branch = (char *)(uintptr_t)"feature/bench";
    meta.commit = commit;
    meta.ci = (char *)(uintptr_t)"bench";
    meta.job = (char *)(uintptr_t)"verdict";
    ev.body_case = SLUICE__V1__EVENT__BODY_META;
    ev.meta = &meta;
    uint8_t *buf = sl_wire_pack(&meta.base, &n);
    if (buf == NULL) {
        return agent_fail(a, SL_ENOMEM, "out of memory");
    }
    (void)crypto_generichash(d, sizeof d, buf, n, NULL, 0);
    free(buf);
    int rc = add_event(a, &ev, 1);
    return rc == SL_OK ? send_data(a, r, run_id, sl_stream_of(d), 1, 1) : rc;
}

/* Adds TestCase i (seq i + 2: the ArtifactBegin is seq 1). */
static int
add_test(agent_t *a, int failing, uint64_t g, uint64_t i)
{
    char suite[96], cls[112], name[96], msg[256];
    Sluice__V1__TestCase tc;
    sl_pb_event_t ev;
    sluice__v1__test_case__init(&tc);
    sluice__v1__event__init(&ev);
    (void)snprintf(suite, sizeof suite, "com.example.%s.%sServiceTest",
                   areas[(g + i / 10) % 8], objects[i / 10 % 8]);
    (void)snprintf(cls, sizeof cls, "%s$Nested%llu", suite,
                   (unsigned long long)(i / 5 % 4));
    (void)snprintf(name, sizeof name, "test%s%s_%03llu", verbs[i % 8],
                   objects[(i / 8) % 8], (unsigned long long)i);
    tc.suite = suite;
    tc.classname = cls;
    tc.name = name;
    tc.time_s = (double)((g * 7 + i * 13) % 997) * 0.0013;
    tc.status = test_status(failing, i);
    if (tc.status == SLUICE__V1__TEST_STATUS__TEST_FAILED) {
        (void)snprintf(msg, sizeof msg,
                       "expected:<%llu> but was:<%llu> at %s.verify("
                       "ServiceTest.java:%llu): amounts differ",
                       (unsigned long long)(100 + i), (unsigned long long)i,
                       suite, (unsigned long long)(40 + i));
        tc.message = msg;
    }
    ev.body_case = SLUICE__V1__EVENT__BODY_TEST;
    ev.test = &tc;
    return add_event(a, &ev, i + 2);
}

typedef struct edge_ctx {
    agent_t *a;
    uint64_t seq;
} edge_ctx_t;

/* The sink of sl_artifact_emit: adds the ArtifactBegin or End it makes. */
static int
edge_emit(void *ctx, const sl_pb_event_t *edge)
{
    edge_ctx_t *e = ctx;
    sl_pb_event_t ev = *edge;
    return add_event(e->a, &ev, e->seq);
}

/* One artifact stream, as the agent sends a JUnit file: ArtifactBegin,
 * the tests, ArtifactEnd; in one batch (even runs) or two (odd runs). */
static int
send_artifact(agent_t *a, lrun_t *r, const char *run_id, uint64_t g)
{
    uint8_t d[SL_DIGEST_BYTES];
    uint64_t tests = a->cfg->tests, total = tests + 2;
    uint64_t split = g % 2 ? total / 2 : total; /* the first batch's last */
    int failing = run_fails(a->cfg, a->ph, g);
    (void)crypto_generichash(d, sizeof d, (const uint8_t *)run_id,
                             strlen(run_id), (const uint8_t *)"junit", 5);
    uint64_t stream = sl_stream_of(d), first = 1;
    sl_artifact_t art = {"junit", "build/test-results/TEST-bench.xml",
                         total * 180, d, sizeof d, tests};
    edge_ctx_t ec = {a, 1};
    sl_sink_t sink = {.ctx = &ec, .emit = edge_emit};
    int rc = sl_artifact_emit(&sink, &art, 0);
    for (uint64_t seq = 1; seq <= total && rc == SL_OK; seq++) {
        if (seq > 1 && seq < total) {
            rc = add_test(a, failing, g, seq - 2);
        } else if (seq == total) {
            ec.seq = total;
            rc = sl_artifact_emit(&sink, &art, 1);
        }
        if (rc == SL_OK && (seq == split || seq == total)) {
            rc = send_data(a, r, run_id, stream, first, seq);
            first = seq + 1;
        }
    }
    return rc;
}

static int
send_wait(agent_t *a, lrun_t *r, const char *run_id)
{
    sl_pb_request_t req;
    Sluice__V1__WaitVerdict wv;
    sluice__v1__request__init(&req);
    sluice__v1__wait_verdict__init(&wv);
    wv.run_id = (char *)(uintptr_t)run_id;
    wv.timeout_ms = (uint32_t)a->cfg->timeout_ms;
    req.id = r->wait_id = sl_client_next_id(a->client);
    req.kind_case = SLUICE__V1__REQUEST__KIND_WAIT_VERDICT;
    req.wait_verdict = &wv;
    int rc = sl_wire_send(a->sock, &req.base);
    return rc == SL_OK ? rc
                       : agent_fail(a, rc, "send: %s", zmq_strerror(errno));
}

/* The run's last event, once everything else of it is acknowledged (the
 * agent drains before it finishes). */
static int
send_finish(agent_t *a, lrun_t *r, uint64_t k)
{
    char run_id[64];
    Sluice__V1__RunFinish fin;
    sl_pb_event_t ev;
    sluice__v1__run_finish__init(&fin);
    sluice__v1__event__init(&ev);
    ev.body_case = SLUICE__V1__EVENT__BODY_FINISH;
    ev.finish = &fin;
    int rc = run_id_of(a, k, run_id, sizeof run_id);
    rc = rc == SL_OK ? add_event(a, &ev, 1) : rc;
    rc = rc == SL_OK ? send_batch(a, run_id, SL_STREAM_FINISH, 1, &r->fin_id)
                     : rc;
    r->t_fin = bench_mono_ns();
    r->st = RS_FINISH;
    if (rc == SL_OK && a->cfg->early_wait) {
        rc = send_wait(a, r, run_id);
    }
    return rc;
}

static int
start_run(agent_t *a, uint64_t k)
{
    char run_id[64];
    lrun_t *r = &a->runs[k];
    uint64_t g = global_of(a, k);
    memset(r, 0, sizeof *r);
    int rc = run_id_of(a, k, run_id, sizeof run_id);
    rc = rc == SL_OK ? send_meta(a, r, run_id, g) : rc;
    rc = rc == SL_OK ? send_artifact(a, r, run_id, g) : rc;
    r->acks_left = r->nbatches;
    r->st = RS_DATA;
    a->active++;
    return rc;
}

/* ---- an agent process: replies ------------------------------------------ */

static int
on_data_ack(agent_t *a, lrun_t *r, uint64_t k, const sl_pb_reply_t *rep)
{
    const Sluice__V1__Ack *ack = rep->ack;
    for (uint8_t b = 0; r->st == RS_DATA && b < r->nbatches; b++) {
        if (r->ids[b] != rep->id) {
            continue;
        }
        if (ack->high_seq != r->last_seq[b] || ack->stored != r->nev[b]) {
            return agent_fail(a, SL_EPROTO,
                              "batch %u of %s acknowledged with high_seq "
                              "%llu and %u stored, not %llu and %llu",
                              b, ack->run_id,
                              (unsigned long long)ack->high_seq, ack->stored,
                              (unsigned long long)r->last_seq[b],
                              (unsigned long long)r->nev[b]);
        }
        r->ids[b] = 0; /* ids are never 0: a second ack finds nothing */
        return --r->acks_left == 0 ? send_finish(a, r, k) : SL_OK;
    }
    return agent_fail(a, SL_EPROTO, "unexpected ack of request %llu (%s)",
                      (unsigned long long)rep->id, ack->run_id);
}

static int
on_ack(agent_t *a, const sl_pb_reply_t *rep, int64_t now)
{
    const Sluice__V1__Ack *ack = rep->ack;
    uint64_t k = 0;
    if (ack == NULL || local_of(a, ack->run_id, &k) != SL_OK) {
        return agent_fail(a, SL_EPROTO, "ack of request %llu names no run "
                          "of this process", (unsigned long long)rep->id);
    }
    lrun_t *r = &a->runs[k];
    if (r->st != RS_FINISH || rep->id != r->fin_id) {
        return on_data_ack(a, r, k, rep);
    }
    if (ack->stream != SL_STREAM_FINISH || ack->high_seq != 1 ||
        ack->stored != 1) {
        return agent_fail(a, SL_EPROTO, "finish of %s acknowledged with "
                          "high_seq %llu and %u stored", ack->run_id,
                          (unsigned long long)ack->high_seq, ack->stored);
    }
    r->t_ack = now;
    r->st = RS_WAIT;
    return a->cfg->early_wait ? SL_OK : send_wait(a, r, ack->run_id);
}

/* Checks the verdict and the test counts against what the run sent. */
static int
check_run(agent_t *a, const sl_pb_run_t *run, uint64_t g, int8_t *want)
{
    uint64_t tests = a->cfg->tests, failed, skipped;
    int failing = run_fails(a->cfg, a->ph, g);
    const Sluice__V1__TestCounts *t = run->tests;
    expected_counts(tests, failing, &failed, &skipped);
    *want = failing ? SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL
                    : SLUICE__V1__VERDICT_STATUS__VERDICT_PASS;
    if (run->verdict == NULL || (int)run->verdict->status != *want) {
        return agent_fail(
            a, SL_EPROTO, "WRONG VERDICT for %s: %s, expected %s",
            run->run_id,
            run->verdict ? sl_verdict_name(run->verdict->status) : "none",
            sl_verdict_name((Sluice__V1__VerdictStatus)*want));
    }
    if (t == NULL || t->total != tests || t->failed != failed ||
        t->skipped != skipped || t->passed != tests - failed - skipped) {
        return agent_fail(a, SL_EPROTO, "run %s: wrong test counts in the "
                          "verdict's record", run->run_id);
    }
    return SL_OK;
}

static int
on_run(agent_t *a, const sl_pb_reply_t *rep, int64_t now)
{
    const sl_pb_run_t *run = rep->run;
    uint64_t k = 0;
    int8_t want = 0;
    if (run == NULL || local_of(a, run->run_id, &k) != SL_OK) {
        return agent_fail(a, SL_EPROTO, "a run record (request %llu) for "
                          "no run of this process",
                          (unsigned long long)rep->id);
    }
    lrun_t *r = &a->runs[k];
    if (r->st != RS_WAIT || rep->id != r->wait_id) {
        return agent_fail(a, SL_EPROTO, "a run record for %s (request %llu) "
                          "before its finish was acknowledged or twice",
                          run->run_id, (unsigned long long)rep->id);
    }
    uint64_t g = global_of(a, k);
    int rc = check_run(a, run, g, &want);
    if (rc == SL_OK && a->ph->measured) {
        vb_res_t *v = &a->shm->run[g];
        v->lat_ns = now - r->t_ack;
        v->ack_ns = r->t_ack - r->t_fin;
        v->reply_bytes =
            (uint32_t)protobuf_c_message_get_packed_size(&rep->base);
        v->expect = v->got = want;
        v->done = 1;
    }
    r->st = RS_DONE;
    a->active--;
    a->done++;
    return rc;
}

static int
on_reply(agent_t *a, const sl_pb_reply_t *rep, int64_t now)
{
    switch (rep->kind_case) {
    case SLUICE__V1__REPLY__KIND_ACK:
        return on_ack(a, rep, now);
    case SLUICE__V1__REPLY__KIND_RUN:
        return on_run(a, rep, now);
    case SLUICE__V1__REPLY__KIND_ERROR:
        return agent_fail(a, SL_EPROTO, "request %llu refused: %s",
                          (unsigned long long)rep->id,
                          rep->error ? rep->error->message : "?");
    default:
        return agent_fail(a, SL_EPROTO, "unexpected reply (kind %d)",
                          (int)rep->kind_case);
    }
}

/* What the runs in flight wait for, for a timeout's message. */
static void
describe_waits(const agent_t *a, char *buf, size_t cap)
{
    uint64_t n[RS_DONE + 1] = {0};
    for (uint64_t k = 0; k < a->next; k++) {
        n[a->runs[k].st]++;
    }
    (void)snprintf(buf, cap, "%llu for data acks, %llu for the finish ack, "
                   "%llu for the verdict",
                   (unsigned long long)n[RS_DATA],
                   (unsigned long long)n[RS_FINISH],
                   (unsigned long long)n[RS_WAIT]);
}

/* Takes every reply that is there (waiting 100 ms for the first), each
 * timed as it is received. */
static int
pump(agent_t *a, int64_t *last)
{
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    for (int wait_ms = 100;; wait_ms = 0) {
        int rc = sl_client_recv(a->client, wait_ms, &rep, &err);
        if (rc == SL_ETIMEDOUT || rc == SL_EINTR) {
            break;
        }
        if (rc != SL_OK) {
            return agent_fail(a, rc, "reply: %s", sl_err_msg(&err, rc));
        }
        int64_t now = bench_mono_ns();
        *last = now;
        rc = on_reply(a, rep, now);
        sl_wire_free(&rep);
        if (rc != SL_OK) {
            return rc;
        }
    }
    if (vb_stop) {
        return agent_fail(a, SL_EINTR, "stopped by a signal (the bench "
                          "stops every agent once one fails)");
    }
    if (bench_mono_ns() - *last > (int64_t)a->cfg->timeout_ms * 1000000) {
        char what[160];
        describe_waits(a, what, sizeof what);
        return agent_fail(a, SL_ETIMEDOUT, "no reply for %.0f s; runs "
                          "waiting: %s", (double)a->cfg->timeout_ms / 1e3,
                          what);
    }
    return SL_OK;
}

static int
phase_run(agent_t *a, const phase_t *ph)
{
    a->ph = ph;
    a->next = a->active = a->done = 0;
    a->runs = calloc(ph->count ? ph->count : 1, sizeof *a->runs);
    if (a->runs == NULL) {
        return agent_fail(a, SL_ENOMEM, "out of memory");
    }
    int rc = SL_OK;
    int64_t last = bench_mono_ns();
    while (rc == SL_OK && a->done < ph->count) {
        while (rc == SL_OK && a->active < ph->inflight &&
               a->next < ph->count) {
            rc = start_run(a, a->next++);
        }
        rc = rc == SL_OK ? pump(a, &last) : rc;
    }
    free(a->runs);
    a->runs = NULL;
    return rc;
}

/* Says "warmed up" to the bench and waits for the start: EOF on go_fd. */
static int
barrier(agent_t *a, int ready_fd, int go_fd)
{
    char c = 'r';
    ssize_t n = write(ready_fd, &c, 1);
    (void)close(ready_fd);
    if (n != 1) {
        return agent_fail(a, SL_EIO, "ready pipe: %s", strerror(errno));
    }
    for (;;) {
        n = read(go_fd, &c, 1);
        if (n == 0) {
            return SL_OK;
        }
        if (vb_stop || (n < 0 && errno != EINTR)) {
            return agent_fail(a, SL_EINTR, "stopped before the start");
        }
    }
}

static double
cpu_self_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return 0;
    }
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* An agent process: warm-up run, barrier, its measured runs. Returns the
 * exit status. */
int
vb_agent_main(const vb_cfg_t *cfg, vb_shm_t *shm, unsigned p, const char *ep,
           int ready_fd, int go_fd)
{
    agent_t a = {.cfg = cfg, .shm = shm, .p = p};
    vb_proc_t *me = &shm->proc[p];
    sl_err_t err = {0};
    phase_t warm = {"warm", 1, 1, 0};
    phase_t meas = {"run", vb_share(cfg->runs, cfg->procs, p),
                    vb_share(cfg->inflight, cfg->procs, p), 1};
    sl_batch_init(&a.batch);
    int rc = sl_client_new(&a.client, ep, &err);
    if (rc != SL_OK) {
        rc = agent_fail(&a, rc, "%s", sl_err_msg(&err, rc));
    } else {
        a.sock = sl_client_sock(a.client);
        rc = phase_run(&a, &warm);
    }
    rc = rc == SL_OK ? barrier(&a, ready_fd, go_fd) : rc;
    if (rc == SL_OK) {
        double cpu0 = cpu_self_s();
        me->t_go = bench_mono_ns();
        rc = phase_run(&a, &meas);
        me->t_end = bench_mono_ns();
        me->cpu_s = cpu_self_s() - cpu0;
        me->done = a.done;
    }
    sl_batch_fini(&a.batch);
    sl_client_destroy(&a.client);
    return rc == SL_OK ? 0 : 1;
}


/* Process p's share of n (runs, or runs in flight). */
uint64_t
vb_share(uint64_t n, uint64_t procs, unsigned p)
{
    return n / procs + (p < n % procs);
}
