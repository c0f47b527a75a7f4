/* bench_verdict: verdict latency, from the ack of a run's last event (its
 * finish) to the verdict reaching the agent waiting for it, with many runs
 * in flight at once from several agent processes, next to the raw limits
 * measured in the same run.
 *
 * One run, everything under one mkdtemp directory (removed unless --keep,
 * also after a failure or a signal):
 *   1. spawn the real sluice-collector and sluice-gate (ephemeral loopback
 *      ports, ready files, temp data and state directories);
 *   2. fork --procs agent processes. Each speaks the agent's protocol
 *      through the lib client (one DEALER, requests with ids, many
 *      outstanding): per run a RunMeta batch, one artifact stream of
 *      --tests TestCase events (between ArtifactBegin and ArtifactEnd) in
 *      one batch or two, then, once those are acknowledged, the finish
 *      batch; when the finish is acknowledged (t_ack) it sends WaitVerdict
 *      at once, as `sluice-agent push --wait` does, and takes the reply
 *      carrying the verdict (t_verdict). Each process keeps its share of
 *      --inflight runs going until its share of --runs is done. One
 *      warm-up run per process comes first, then all start together;
 *   3. every verdict is checked (pass, or fail for the runs made to fail,
 *      and the run's test counts): a wrong or missing one fails the bench;
 *   4. SIGTERM the gate and the collector, require exit status 0;
 *   5. the raw limits, with the daemons stopped: a bare DEALER -> ROUTER
 *      echo over tcp loopback with the same message sizes (one round trip
 *      in flight, then --inflight from --procs processes), and bare LMDB
 *      synced commits of one record.
 * Exit status 0 when every run got its verdict and both daemons exited 0;
 * 1 otherwise (the daemons' logs are printed); 2 on a usage error. */
/* MAP_ANONYMOUS is not POSIX; the bench is Linux only anyway (/proc). */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "bench.h"
#include "bench_verdict.h"
#include "sluice/client.h"
#include "sluice/clock.h"
#include "sluice/log.h"
#include "sluice/opt.h"
#include "sluice/store.h"
#include "sluice/wire.h"

#ifndef SL_COLLECTOR_PATH
#error "SL_COLLECTOR_PATH must name the sluice-collector binary"
#endif
#ifndef SL_GATE_PATH
#error "SL_GATE_PATH must name the sluice-gate binary"
#endif

#define KID_STOP_S    5.0 /* a child told to stop has this long */
#define LMDB_MAP_SIZE (64ull << 20)
#define MS(ns)        ((double)(ns) / 1e6)
#define US(ns)        ((double)(ns) / 1e3)

volatile sig_atomic_t vb_stop;

#define OPT(n, t, f, d, lo, hi, env, arg, help)                                \
    {                                                                          \
        n, t, offsetof(vb_cfg_t, f), d, lo, hi, env, arg, help, NULL             \
    }

static const sl_opt_t options[] = {
    OPT("runs", SL_OPT_U64, runs, "2000", 1, 10000000, NULL, "N",
        "runs to push and wait for in all (after one warm-up run per "
        "process)"),
    OPT("inflight", SL_OPT_U64, inflight, "100", 1, 5000, NULL, "N",
        "runs in flight at once, over all agent processes"),
    OPT("procs", SL_OPT_U64, procs, "4", 1, VB_MAX_PROCS, NULL, "N",
        "agent processes (at most --inflight)"),
    OPT("tests", SL_OPT_U64, tests, "50", 2, 900, NULL, "N",
        "TestCase events per run"),
    OPT("fail-every", SL_OPT_U64, fail_every, "5", 0, 1000000, NULL, "K",
        "every K-th run has failing tests and must get a fail verdict "
        "(0: none)"),
    OPT("early-wait", SL_OPT_FLAG, early_wait, NULL, 0, 0, NULL, NULL,
        "send WaitVerdict with the finish instead of after its ack"),
    OPT("echo", SL_OPT_U64, echo, "20000", 0, 10000000, NULL, "N",
        "round trips of each bare DEALER/ROUTER echo run (0: skip)"),
    OPT("fsyncs", SL_OPT_U64, fsyncs, "300", 0, 1000000, NULL, "N",
        "bare LMDB synced commits to time (0: skip)"),
    OPT("timeout", SL_OPT_DUR, timeout_ms, "30s", 1000, 3600000, NULL, "DUR",
        "an agent process with no reply for this long fails the bench (and "
        "so does a verdict not there in this long)"),
    OPT("collector", SL_OPT_STR, collector, SL_COLLECTOR_PATH, 0, 0,
        "SLUICE_COLLECTOR_BIN", "PATH", "the sluice-collector to run"),
    OPT("gate", SL_OPT_STR, gate, SL_GATE_PATH, 0, 0, "SLUICE_GATE_BIN",
        "PATH", "the sluice-gate to run"),
    OPT("tmpdir", SL_OPT_STR, tmpdir, "/tmp", 0, 0, "TMPDIR", "DIR",
        "where the scratch directory goes (its disk is what fsync costs)"),
    OPT("log-level", SL_OPT_STR, log_level, "info", 0, 0, NULL, "L",
        "log level of the collector and the gate (info: as deployed)"),
    OPT("keep", SL_OPT_FLAG, keep, NULL, 0, 0, NULL, NULL,
        "keep the scratch directory (printed) instead of removing it"),
    OPT("help", SL_OPT_FLAG, help, NULL, 0, 0, NULL, NULL,
        "show this help and exit"),
    {0},
};

/* ---- signals ------------------------------------------------------------ */

static void
on_signal(int sig)
{
    (void)sig;
    vb_stop = 1;
}

/* No SA_RESTART: a blocking read or poll returns EINTR and sees the flag. */
static void
signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    (void)sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
}

/* In a forked child: die with the bench, and keep our handler over the
 * ones czmq installs at its first use. */
static void
child_init(pid_t parent)
{
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0UL, 0UL, 0UL);
    if (getppid() != parent) {
        _exit(1); /* the bench died before the prctl */
    }
    (void)zsys_init();
    zsys_handler_set(NULL);
    signals_install();
}

/* ---- the bench process -------------------------------------------------- */

typedef struct lat_fig {
    int64_t p50, p90, p99, max;
    size_t n;
} lat_fig_t;

typedef struct bench {
    const vb_cfg_t *cfg;
    char dir[BENCH_PATH_CAP];
    bench_coll_t coll;
    pid_t gate_pid;
    char gate_state[BENCH_PATH_CAP], gate_ready[BENCH_PATH_CAP];
    char gate_log[BENCH_PATH_CAP], gate_ep[256];
    vb_shm_t *shm;
    pid_t kids[VB_MAX_PROCS + 1];
    int nkids;
    int coll_status, gate_status, daemons_stopped;
    bench_snap_t c0, c1, g0, g1;
    bench_machine_t m0, m1;
    int64_t t_go, t_end;
    double agents_cpu_s;
    uint64_t done, pass, fail;
    lat_fig_t lat, ack, echo1, echon, fsync;
    size_t req_len, rep_len;
} bench_t;

static int
shm_new(bench_t *b)
{
    const vb_cfg_t *cfg = b->cfg;
    size_t head = (sizeof(vb_shm_t) + 63) / 64 * 64;
    size_t runs = (size_t)cfg->runs * sizeof(vb_res_t);
    size_t bytes = head + (runs + 63) / 64 * 64 +
                   (size_t)(cfg->echo ? cfg->echo : 1) * sizeof(int64_t);
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        fprintf(stderr, "bench_verdict: mmap %zu bytes: %s\n", bytes,
                strerror(errno));
        return SL_ENOMEM;
    }
    b->shm = m; /* zero-filled */
    b->shm->bytes = bytes;
    b->shm->run = (vb_res_t *)(void *)((uint8_t *)m + head);
    b->shm->echo =
        (int64_t *)(void *)((uint8_t *)m + head + (runs + 63) / 64 * 64);
    return SL_OK;
}

/* Forks a child that runs fn(arg) and exits with its status. The child
 * is remembered in b->kids, to be waited for or killed. */
static int
fork_kid(bench_t *b, int (*fn)(void *), void *arg)
{
    pid_t parent = getpid();
    (void)fflush(NULL); /* or the child's exit would print it again */
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench_verdict: fork: %s\n", strerror(errno));
        return SL_ESYS;
    }
    if (pid == 0) {
        child_init(parent);
        int code = fn(arg);
        (void)fflush(NULL);
        exit(code);
    }
    b->kids[b->nkids++] = pid;
    return SL_OK;
}

static int
kids_alive(const bench_t *b)
{
    int n = 0;
    for (int i = 0; i < b->nkids; i++) {
        n += b->kids[i] > 0;
    }
    return n;
}

/* Nonzero while *pid runs; a daemon that exited is reaped and said. */
static int
daemon_alive(const char *who, pid_t *pid)
{
    int st = 0;
    if (*pid <= 0) {
        return 0;
    }
    if (waitpid(*pid, &st, WNOHANG) != *pid) {
        return 1;
    }
    fprintf(stderr, "bench_verdict: the %s exited during the bench (status "
            "0x%x)\n", who, (unsigned)st);
    *pid = 0;
    return 0;
}

/* Reaps the children that exited. SL_EIO when one failed or a daemon died
 * (when daemons is nonzero). */
static int
kids_reap(bench_t *b, int daemons)
{
    int rc = SL_OK;
    for (int i = 0; i < b->nkids; i++) {
        int st = 0;
        if (b->kids[i] > 0 && waitpid(b->kids[i], &st, WNOHANG) == b->kids[i]) {
            b->kids[i] = 0;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                rc = SL_EIO;
            }
        }
    }
    if (daemons && (!daemon_alive("gate", &b->gate_pid) ||
                    !daemon_alive("collector", &b->coll.pid))) {
        rc = SL_EIO;
    }
    return rc;
}

static void
nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    (void)nanosleep(&ts, NULL);
}

/* Waits until every child exited 0. SL_EIO as soon as one fails (or a
 * daemon dies), SL_EINTR on a signal. */
static int
kids_wait(bench_t *b, int daemons)
{
    while (kids_alive(b) > 0) {
        int rc = kids_reap(b, daemons);
        if (rc != SL_OK) {
            return rc;
        }
        if (vb_stop) {
            return SL_EINTR;
        }
        nap_ms(10);
    }
    return kids_reap(b, daemons);
}

/* SIGTERM to every child still running, SIGKILL after KID_STOP_S. */
static void
kids_kill(bench_t *b)
{
    for (int i = 0; i < b->nkids; i++) {
        if (b->kids[i] > 0) {
            (void)kill(b->kids[i], SIGTERM);
        }
    }
    double deadline = bench_mono_s() + KID_STOP_S;
    while (kids_alive(b) > 0 && bench_mono_s() < deadline) {
        (void)kids_reap(b, 0);
        nap_ms(5);
    }
    for (int i = 0; i < b->nkids; i++) {
        if (b->kids[i] > 0) {
            (void)kill(b->kids[i], SIGKILL);
            (void)waitpid(b->kids[i], NULL, 0);
            b->kids[i] = 0;
        }
    }
    b->nkids = 0;
}

/* ---- the daemons -------------------------------------------------------- */

static int
daemons_start(bench_t *b)
{
    static const char *const ckeys[] = {"listen", "publish"};
    static const char *const gkeys[] = {"collector"};
    char *const cvals[] = {b->coll.listen, b->coll.publish};
    char *const gvals[] = {b->gate_ep};
    const vb_cfg_t *cfg = b->cfg;
    int rc = bench_coll_paths(&b->coll, b->dir);
    rc = rc == SL_OK ? bench_fmt(b->gate_state, sizeof b->gate_state,
                                 "%s/gate-state", b->dir)
                     : rc;
    rc = rc == SL_OK ? bench_fmt(b->gate_ready, sizeof b->gate_ready,
                                 "%s/gate.ready", b->dir)
                     : rc;
    rc = rc == SL_OK ? bench_fmt(b->gate_log, sizeof b->gate_log,
                                 "%s/gate.log", b->dir)
                     : rc;
    rc = rc == SL_OK ? bench_coll_spawn(&b->coll, cfg->collector,
                                        cfg->log_level, 0, NULL)
                     : rc;
    rc = rc == SL_OK ? bench_wait_ready("collector", &b->coll.pid,
                                        b->coll.ready, 2, ckeys, cvals,
                                        sizeof b->coll.listen, &vb_stop)
                     : rc;
    if (rc == SL_OK) {
        const char *argv[] = {cfg->gate,      "--collector",  b->coll.listen,
                              "--subscribe",  b->coll.publish, "--state",
                              b->gate_state,  "--ready-file", b->gate_ready,
                              "--log-level",  cfg->log_level, NULL};
        rc = bench_spawn(&b->gate_pid, (char *const *)(uintptr_t)argv,
                         b->gate_log);
    }
    return rc == SL_OK ? bench_wait_ready("gate", &b->gate_pid,
                                          b->gate_ready, 1, gkeys, gvals,
                                          sizeof b->gate_ep, &vb_stop)
                       : rc;
}

/* SIGTERM to one daemon; it must exit 0 in time. */
static int
daemon_stop(const char *who, pid_t *pid, int *status)
{
    if (*pid <= 0) {
        return SL_EIO; /* it died earlier (said then) */
    }
    int rc = bench_stop(who, pid, status);
    if (rc == SL_OK && (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)) {
        fprintf(stderr, "bench_verdict: the %s exited with status 0x%x\n",
                who, (unsigned)*status);
        rc = SL_EIO;
    }
    return rc;
}

/* The gate first: it is the collector's client. Both are stopped. */
static int
daemons_stop(bench_t *b)
{
    int rc = daemon_stop("gate", &b->gate_pid, &b->gate_status);
    int rc2 = daemon_stop("collector", &b->coll.pid, &b->coll_status);
    b->daemons_stopped = rc == SL_OK && rc2 == SL_OK;
    return rc != SL_OK ? rc : rc2;
}

/* ---- the verdict phase -------------------------------------------------- */

typedef struct agent_arg {
    bench_t *b;
    unsigned p;
    int ready_wr, go_rd;  /* the child's ends */
    int ready_rd, go_wr;  /* the bench's ends, closed in the child */
} agent_arg_t;

static int
agent_kid(void *arg)
{
    const agent_arg_t *x = arg;
    (void)close(x->ready_rd);
    (void)close(x->go_wr);
    return vb_agent_main(x->b->cfg, x->b->shm, x->p, x->b->coll.listen,
                      x->ready_wr, x->go_rd);
}

/* Waits for every agent process's warm-up byte. */
static int
agents_ready(bench_t *b, int fd)
{
    uint64_t got = 0;
    while (got < b->cfg->procs) {
        struct pollfd pf = {fd, POLLIN, 0};
        char buf[VB_MAX_PROCS];
        if (poll(&pf, 1, 100) > 0) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n == 0) {
                return SL_EIO; /* every writer is gone: some died */
            }
            got += n > 0 ? (uint64_t)n : 0;
        }
        int rc = kids_reap(b, 1);
        if (rc != SL_OK) {
            return rc;
        }
        if (vb_stop) {
            return SL_EINTR;
        }
    }
    return SL_OK;
}

static int
agents_fork(bench_t *b, agent_arg_t *args, int ready[2], int go[2])
{
    int rc = SL_OK;
    for (unsigned p = 0; rc == SL_OK && p < b->cfg->procs; p++) {
        args[p] = (agent_arg_t){b, p, ready[1], go[0], ready[0], go[1]};
        rc = fork_kid(b, agent_kid, &args[p]);
    }
    (void)close(ready[1]);
    (void)close(go[0]);
    return rc;
}

/* Forks the agents, lets them warm up, starts them together (closing the
 * go pipe) and waits for them; CPU snapshots around the measured part. */
static int
agents_run(bench_t *b)
{
    int ready[2], go[2];
    agent_arg_t args[VB_MAX_PROCS];
    if (pipe(ready) != 0) {
        return SL_ESYS;
    }
    if (pipe(go) != 0) {
        (void)close(ready[0]);
        (void)close(ready[1]);
        return SL_ESYS;
    }
    int rc = agents_fork(b, args, ready, go);
    rc = rc == SL_OK ? agents_ready(b, ready[0]) : rc;
    if (rc == SL_OK) {
        bench_snap_take((long)b->coll.pid, &b->c0);
        bench_snap_take((long)b->gate_pid, &b->g0);
        bench_machine_take(&b->m0);
    }
    (void)close(go[1]);
    (void)close(ready[0]);
    rc = rc == SL_OK ? kids_wait(b, 1) : rc;
    if (rc == SL_OK) {
        bench_snap_take((long)b->coll.pid, &b->c1);
        bench_snap_take((long)b->gate_pid, &b->g1);
        bench_machine_take(&b->m1);
    }
    kids_kill(b); /* none left unless it failed */
    return rc;
}

static void
lat_fig(int64_t *v, size_t n, lat_fig_t *f)
{
    bench_sort_i64(v, n);
    f->n = n;
    f->p50 = bench_pct(v, n, 50);
    f->p90 = bench_pct(v, n, 90);
    f->p99 = bench_pct(v, n, 99);
    f->max = n > 0 ? v[n - 1] : 0;
}

/* Reads what the agents wrote: every run must have its (right) verdict. */
static int
collect(bench_t *b)
{
    const vb_cfg_t *cfg = b->cfg;
    int64_t *lat = malloc((size_t)cfg->runs * sizeof *lat);
    int64_t *ack = malloc((size_t)cfg->runs * sizeof *ack);
    uint64_t bytes = 0;
    size_t n = 0;
    for (uint64_t g = 0; lat != NULL && ack != NULL && g < cfg->runs; g++) {
        const vb_res_t *v = &b->shm->run[g];
        if (v->done && v->got == v->expect) {
            lat[n] = v->lat_ns;
            ack[n++] = v->ack_ns;
            bytes += v->reply_bytes;
            b->fail += v->got == SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
        }
    }
    b->done = n;
    b->pass = n - b->fail;
    b->rep_len = n > 0 ? (size_t)(bytes / n) : 0;
    lat_fig(lat, n, &b->lat);
    lat_fig(ack, n, &b->ack);
    free(lat);
    free(ack);
    for (uint64_t p = 0; p < cfg->procs; p++) {
        const vb_proc_t *pr = &b->shm->proc[p];
        b->t_go = p == 0 || pr->t_go < b->t_go ? pr->t_go : b->t_go;
        b->t_end = pr->t_end > b->t_end ? pr->t_end : b->t_end;
        b->agents_cpu_s += pr->cpu_s;
    }
    if (n != cfg->runs) {
        fprintf(stderr, "bench_verdict: MISSING VERDICTS: %zu of %llu runs "
                "got theirs\n", n, (unsigned long long)cfg->runs);
        return SL_EIO;
    }
    return SL_OK;
}

/* A new client's GetRun: any answer, "no such run" included, shows that
 * the collector's main thread still serves requests. */
static int
probe_kid(void *arg)
{
    const char *ep = arg;
    sl_client_t *c = NULL;
    sl_pb_request_t req;
    Sluice__V1__GetRun gr;
    sl_pb_reply_t *rep = NULL;
    sluice__v1__request__init(&req);
    sluice__v1__get_run__init(&gr);
    gr.run_id = (char *)(uintptr_t)"probe";
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_RUN;
    req.get_run = &gr;
    int rc = sl_client_new(&c, ep, NULL);
    rc = rc == SL_OK ? sl_client_call(c, &req, 3000, &rep, NULL) : rc;
    sl_wire_free(&rep);
    sl_client_destroy(&c);
    return rc == SL_EUNREACH || rc == SL_EINVAL || rc == SL_ENOMEM ? 1 : 0;
}

/* After the agents failed: says whether the collector still answers, to
 * tell a stuck collector from replies lost on the way. */
static void
probe_collector(bench_t *b)
{
    if (b->coll.pid <= 0 || vb_stop ||
        fork_kid(b, probe_kid, b->coll.listen) != SL_OK) {
        return;
    }
    int rc = kids_wait(b, 0);
    kids_kill(b);
    if (rc == SL_OK) {
        fprintf(stderr, "bench_verdict: the collector still answers a new "
                "client's GetRun\n");
    } else if (rc == SL_EIO) {
        fprintf(stderr, "bench_verdict: the collector does not answer a new "
                "client's GetRun within 3 s: it is stuck (see its threads "
                "with: gdb -p %ld -batch -ex 'thread apply all bt')\n",
                (long)b->coll.pid);
    }
}

/* ---- the raw limits ----------------------------------------------------- */

typedef struct server_arg {
    int rd, wr;
    size_t rep_len;
} server_arg_t;

static int
echo_server_kid(void *arg)
{
    const server_arg_t *s = arg;
    (void)close(s->rd);
    return vb_echo_server(s->wr, s->rep_len);
}

static int
echo_client_kid(void *arg)
{
    return vb_echo_client(arg);
}

/* Reads the server's endpoint: everything until it closes the pipe. */
static int
read_endpoint(int fd, char *ep, size_t cap)
{
    size_t len = 0;
    double deadline = bench_mono_s() + 10.0;
    while (len + 1 < cap && bench_mono_s() < deadline && !vb_stop) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 100) <= 0) {
            continue;
        }
        ssize_t n = read(fd, ep + len, cap - 1 - len);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    ep[len] = '\0';
    return len > 0 ? SL_OK : SL_EIO;
}

/* Forks the echo server and takes it out of b->kids (into *server). */
static int
echo_server_start(bench_t *b, pid_t *server, char *ep, size_t cap)
{
    int pfd[2];
    if (pipe(pfd) != 0) {
        return SL_ESYS;
    }
    server_arg_t sa = {pfd[0], pfd[1], b->rep_len};
    int rc = fork_kid(b, echo_server_kid, &sa);
    if (rc == SL_OK) {
        *server = b->kids[--b->nkids];
    }
    (void)close(pfd[1]);
    rc = rc == SL_OK ? read_endpoint(pfd[0], ep, cap) : rc;
    (void)close(pfd[0]);
    return rc;
}

/* One echo run: clients processes keeping outstanding round trips in
 * flight in all, --echo of them timed. */
static int
echo_run(bench_t *b, const uint8_t *req, uint64_t clients,
         uint64_t outstanding, lat_fig_t *fig)
{
    const vb_cfg_t *cfg = b->cfg;
    char ep[256];
    pid_t server = 0;
    vb_echo_job_t jobs[VB_MAX_PROCS];
    size_t off = 0;
    int st = 0;
    int rc = echo_server_start(b, &server, ep, sizeof ep);
    for (unsigned c = 0; rc == SL_OK && c < clients; c++) {
        jobs[c] = (vb_echo_job_t){ep, req, b->req_len,
                               vb_share(outstanding, clients, c),
                               b->shm->echo + off,
                               (size_t)vb_share(cfg->echo, clients, c),
                               (int64_t)cfg->timeout_ms * 1000000};
        off += jobs[c].n;
        rc = fork_kid(b, echo_client_kid, &jobs[c]);
    }
    rc = rc == SL_OK ? kids_wait(b, 0) : rc;
    kids_kill(b);
    if (server > 0) {
        int rc2 = daemon_stop("echo server", &server, &st);
        rc = rc != SL_OK ? rc : rc2;
    }
    if (rc == SL_OK) {
        lat_fig(b->shm->echo, (size_t)cfg->echo, fig);
    } else {
        fprintf(stderr, "bench_verdict: the echo run failed\n");
    }
    return rc;
}

/* The request the agents send most: a packed WaitVerdict. */
static uint8_t *
wait_request(size_t *len)
{
    sl_pb_request_t req;
    Sluice__V1__WaitVerdict wv;
    sluice__v1__request__init(&req);
    sluice__v1__wait_verdict__init(&wv);
    wv.run_id = (char *)(uintptr_t)"run-000123";
    wv.timeout_ms = 60000;
    req.id = (uint64_t)sl_now_us(); /* as sl_client numbers them */
    req.kind_case = SLUICE__V1__REQUEST__KIND_WAIT_VERDICT;
    req.wait_verdict = &wv;
    return sl_wire_pack(&req.base, len);
}

static int
echo_all(bench_t *b)
{
    const vb_cfg_t *cfg = b->cfg;
    uint8_t *req = wait_request(&b->req_len);
    if (req == NULL) {
        return SL_ENOMEM;
    }
    int rc = echo_run(b, req, 1, 1, &b->echo1);
    rc = rc == SL_OK ? echo_run(b, req, cfg->procs, cfg->inflight, &b->echon)
                     : rc;
    free(req);
    return rc;
}

/* Bare LMDB: one record (the size of a verdict reply's run record) put
 * and committed durably, --fsyncs times, each commit timed. */
static int
fsync_run(bench_t *b)
{
    static const char *const dbs[] = {"log", NULL};
    char dir[BENCH_PATH_CAP];
    size_t n = (size_t)b->cfg->fsyncs, vlen = b->rep_len ? b->rep_len : 256;
    sl_store_cfg_t scfg = {dir, dbs, LMDB_MAP_SIZE};
    sl_store_t *s = NULL;
    sl_txn_t txn = {0};
    int64_t *t = calloc(n, sizeof *t);
    uint8_t *val = malloc(vlen);
    int rc = t != NULL && val != NULL ? SL_OK : SL_ENOMEM;
    rc = rc == SL_OK ? bench_fmt(dir, sizeof dir, "%s/lmdb", b->dir) : rc;
    rc = rc == SL_OK ? sl_store_open(&s, &scfg, &txn.err) : rc;
    for (size_t i = 0; rc == SL_OK && i < n; i++) {
        uint8_t key[8];
        memset(val, (int)(i & 0xff), vlen);
        sl_be64_put(key, i + 1);
        sl_val_t k = {key, sizeof key}, v = {val, vlen};
        int64_t t0 = bench_mono_ns();
        rc = sl_store_begin(s, &txn, SL_TXN_RW);
        sl_store_put(&txn, 0, &k, &v, SL_PUT_APPEND);
        rc = rc == SL_OK ? sl_store_commit(&txn) : rc;
        t[i] = bench_mono_ns() - t0;
    }
    if (rc != SL_OK) {
        fprintf(stderr, "bench_verdict: bare LMDB: %s\n",
                sl_err_msg(&txn.err, rc));
    }
    lat_fig(t, rc == SL_OK ? n : 0, &b->fsync);
    free(t);
    free(val);
    sl_store_close(&s);
    return rc;
}

/* ---- the report --------------------------------------------------------- */

static double
ratio(int64_t a, int64_t b)
{
    return b > 0 ? (double)a / (double)b : 0.0;
}

static void
report_verdicts(const bench_t *b)
{
    const vb_cfg_t *cfg = b->cfg;
    double secs = (double)(b->t_end - b->t_go) / 1e9;
    printf("sluice bench_verdict: %llu runs of %llu tests (%llu made to "
           "fail), %llu in flight from %llu agent processes, WaitVerdict "
           "sent %s; %ld cores\n",
           (unsigned long long)cfg->runs, (unsigned long long)cfg->tests,
           (unsigned long long)b->fail, (unsigned long long)cfg->inflight,
           (unsigned long long)cfg->procs,
           cfg->early_wait ? "with the finish" : "on the finish ack",
           sysconf(_SC_NPROCESSORS_ONLN));
    printf("verdict latency, finish ack -> verdict reply: p50 %.3f ms  p90 "
           "%.3f ms  p99 %.3f ms  max %.3f ms (%zu runs)\n",
           MS(b->lat.p50), MS(b->lat.p90), MS(b->lat.p99), MS(b->lat.max),
           b->lat.n);
    printf("finish ack, finish sent -> its ack:           p50 %.3f ms  p90 "
           "%.3f ms  p99 %.3f ms  max %.3f ms\n",
           MS(b->ack.p50), MS(b->ack.p90), MS(b->ack.p99), MS(b->ack.max));
    printf("throughput: %llu runs in %.3f s = %.1f runs/s; every verdict "
           "right (%llu pass, %llu fail); verdict replies of %zu bytes on "
           "average\n",
           (unsigned long long)b->done, secs,
           secs > 0 ? (double)b->done / secs : 0.0,
           (unsigned long long)b->pass, (unsigned long long)b->fail,
           b->rep_len);
}

static void
report_raw(const bench_t *b)
{
    const vb_cfg_t *cfg = b->cfg;
    if (cfg->echo > 0) {
        printf("raw limit: bare DEALER -> ROUTER echo, tcp loopback, libzmq "
               "only, %zu-byte request, %zu-byte reply\n",
               b->req_len, b->rep_len);
        char label[64];
        (void)snprintf(label, sizeof label, "%llu in flight (%llu proc.):",
                       (unsigned long long)cfg->inflight,
                       (unsigned long long)cfg->procs);
        printf("  %-26s p50 %7.1f us  p99 %7.1f us  max %7.1f us (%zu "
               "round trips)\n", "1 in flight (1 proc.):", US(b->echo1.p50),
               US(b->echo1.p99), US(b->echo1.max), b->echo1.n);
        printf("  %-26s p50 %7.1f us  p99 %7.1f us  max %7.1f us\n", label,
               US(b->echon.p50), US(b->echon.p99), US(b->echon.max));
        printf("  ratio verdict latency / echo: p50 %.0fx, p99 %.0fx (1 in "
               "flight); p50 %.0fx, p99 %.0fx (%llu in flight)\n",
               ratio(b->lat.p50, b->echo1.p50), ratio(b->lat.p99, b->echo1.p99),
               ratio(b->lat.p50, b->echon.p50), ratio(b->lat.p99, b->echon.p99),
               (unsigned long long)cfg->inflight);
    }
    if (cfg->fsyncs > 0) {
        printf("raw limit: bare LMDB synced commit of one %zu-byte record "
               "(durable, as the collector and the gate open theirs): p50 "
               "%.3f ms  p99 %.3f ms (%zu commits)\n",
               b->rep_len, MS(b->fsync.p50), MS(b->fsync.p99), b->fsync.n);
        printf("  a verdict waits for two synced commits one after the "
               "other (the gate's state holding the judged run, then the "
               "collector's log holding the verdict): 2 x p50 = %.3f ms; "
               "verdict latency p50 / that = %.1f\n",
               MS(2 * b->fsync.p50), ratio(b->lat.p50, 2 * b->fsync.p50));
    }
}

static void
report_cpu(const bench_t *b)
{
    double secs = (double)(b->t_end - b->t_go) / 1e9;
    double cu, cs, gu, gs;
    bench_snap_cpu(&b->c0, &b->c1, &cu, &cs);
    bench_snap_cpu(&b->g0, &b->g1, &gu, &gs);
    if (secs <= 0) {
        return;
    }
    printf("CPU during the measured runs (%.3f s): collector %.2f s user "
           "%.2f s sys = %.0f%% of a core; gate %.2f s user %.2f s sys = "
           "%.0f%%; agents %.2f s = %.0f%%\n",
           secs, cu, cs, 100 * (cu + cs) / secs, gu, gs,
           100 * (gu + gs) / secs, b->agents_cpu_s,
           100 * b->agents_cpu_s / secs);
    bench_print_machine(&b->m0, &b->m1, cu + cs + gu + gs + b->agents_cpu_s);
}

static void
report(const bench_t *b)
{
    double secs = (double)(b->t_end - b->t_go) / 1e9;
    report_verdicts(b);
    report_raw(b);
    report_cpu(b);
    printf("RESULT runs=%llu inflight=%llu procs=%llu p50_ms=%.3f "
           "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f runs_per_s=%.1f "
           "ack_p50_ms=%.3f echo1_p50_us=%.1f echo1_p99_us=%.1f "
           "echon_p50_us=%.1f echon_p99_us=%.1f fsync_p50_ms=%.3f "
           "fsync_p99_ms=%.3f\n",
           (unsigned long long)b->done, (unsigned long long)b->cfg->inflight,
           (unsigned long long)b->cfg->procs, MS(b->lat.p50), MS(b->lat.p90),
           MS(b->lat.p99), MS(b->lat.max),
           secs > 0 ? (double)b->done / secs : 0.0, MS(b->ack.p50),
           US(b->echo1.p50), US(b->echo1.p99), US(b->echon.p50),
           US(b->echon.p99), MS(b->fsync.p50), MS(b->fsync.p99));
}

/* ---- the run ------------------------------------------------------------ */

static int
setup(bench_t *b)
{
    char tmpl[BENCH_PATH_CAP];
    int rc = bench_fmt(tmpl, sizeof tmpl, "%s/sluice-bench-verdict-XXXXXX",
                       b->cfg->tmpdir);
    if (rc != SL_OK || mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "bench_verdict: cannot make a directory in %s: %s\n",
                b->cfg->tmpdir, strerror(errno));
        return SL_EIO;
    }
    memcpy(b->dir, tmpl, sizeof b->dir);
    return shm_new(b);
}

/* Every exit path comes here: children, daemons, mapping, directory. */
static void
teardown(bench_t *b, int failed)
{
    kids_kill(b);
    if (b->gate_pid > 0 || b->coll.pid > 0) {
        (void)daemons_stop(b);
    }
    if (failed && b->dir[0] != '\0') {
        bench_dump_file("gate", b->gate_log);
        bench_coll_dump_log(&b->coll);
    }
    if (b->shm != NULL) {
        for (uint64_t p = 0; failed && p < b->cfg->procs; p++) {
            if (b->shm->proc[p].why[0] != '\0') {
                fprintf(stderr, "bench_verdict: agent %llu failed: %s\n",
                        (unsigned long long)p, b->shm->proc[p].why);
            }
        }
        (void)munmap(b->shm, b->shm->bytes);
    }
    if (b->cfg->keep && b->dir[0] != '\0') {
        printf("kept %s\n", b->dir);
    } else if (b->dir[0] != '\0') {
        bench_rm_rf(b->dir);
    }
}

static int
bench(const vb_cfg_t *cfg)
{
    bench_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return 1;
    }
    b->cfg = cfg;
    int rc = setup(b);
    rc = rc == SL_OK ? daemons_start(b) : rc;
    rc = rc == SL_OK ? agents_run(b) : rc;
    if (rc != SL_OK && rc != SL_EINTR) {
        probe_collector(b);
    }
    if (b->gate_pid > 0 || b->coll.pid > 0) {
        int rc2 = daemons_stop(b);
        rc = rc != SL_OK ? rc : rc2;
    }
    rc = rc == SL_OK ? collect(b) : rc;
    rc = rc == SL_OK && cfg->echo > 0 ? echo_all(b) : rc;
    rc = rc == SL_OK && cfg->fsyncs > 0 ? fsync_run(b) : rc;
    if (rc == SL_OK) {
        report(b);
    } else if (vb_stop) {
        printf("bench_verdict: interrupted; no figures\n");
    } else {
        printf("bench_verdict: FAILED (%s); no figures\n", sl_strerror(rc));
    }
    /* The logs and the agents' reasons only for a failure, not a signal. */
    teardown(b, rc != SL_OK && !vb_stop);
    free(b);
    return rc == SL_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
    vb_cfg_t cfg;
    sl_err_t err = {0};
    int nrest = 0;
    memset(&cfg, 0, sizeof cfg);
    if (sl_opt_parse(options, &cfg, argc - 1, argv + 1, &nrest, argv + 1,
                     &err) != SL_OK) {
        fprintf(stderr, "bench_verdict: %s\n", err.msg);
        return 2;
    }
    if (cfg.help) {
        printf("usage: bench_verdict [OPTION]...\n\n"
               "Runs a sluice-collector and a sluice-gate, pushes runs from "
               "several agent\nprocesses with many in flight, and reports "
               "the latency from the ack of each\nrun's finish to its "
               "verdict, next to a bare ZeroMQ echo and a bare LMDB\nsynced "
               "commit measured in the same run (see bench/README.md).\n\n");
        sl_opt_help(options, stdout);
        return 0;
    }
    if (nrest > 0 || cfg.procs > cfg.inflight ||
        sl_log_level_parse(cfg.log_level, &sl_log_threshold) != SL_OK) {
        fprintf(stderr, "bench_verdict: no arguments are taken, --procs "
                "may not exceed --inflight, --log-level is error, warn, "
                "info or debug (see --help)\n");
        return 2;
    }
    /* Nothing here touches ZeroMQ: the forked processes make their own
     * contexts (a context does not survive fork). */
    signals_install();
    return bench(&cfg);
}

