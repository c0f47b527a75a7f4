/* bench_verdict's parts. The bench process (bench_verdict.c) runs the
 * daemons and forks the agent processes (bench_verdict_agent.c) and, for
 * the raw limit, the echo processes (bench_verdict_echo.c). They share
 * one MAP_SHARED mapping, made before the forks, where each process
 * writes only its own entries; the bench reads them once they exited. */
#ifndef SLUICE_BENCH_VERDICT_H
#define SLUICE_BENCH_VERDICT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define VB_MAX_PROCS 64

/* The only global: set by SIGINT, SIGTERM and SIGHUP, in the bench and in
 * every process it forks (they inherit the handler). */
extern volatile sig_atomic_t vb_stop;

typedef struct vb_cfg {
    uint64_t runs, inflight, procs, tests, fail_every;
    uint64_t echo, fsyncs, timeout_ms;
    const char *collector, *gate, *tmpdir, *log_level;
    int early_wait, keep, help;
} vb_cfg_t;

typedef struct vb_res { /* one measured run, written by its agent process */
    int64_t lat_ns;   /* finish ack -> verdict reply */
    int64_t ack_ns;   /* finish sent -> its ack */
    uint32_t reply_bytes;
    int8_t expect, got; /* VerdictStatus */
    uint8_t done;
} vb_res_t;

typedef struct vb_proc { /* one agent process */
    int64_t t_go, t_end; /* monotonic ns: all started, own last verdict */
    double cpu_s;        /* user + system between them (getrusage) */
    uint64_t done;
    char why[512];       /* why it failed */
} vb_proc_t;

typedef struct vb_shm {
    vb_proc_t proc[VB_MAX_PROCS];
    vb_res_t *run;   /* --runs entries, indexed by global run number */
    int64_t *echo; /* --echo entries: one echo run's round trips */
    size_t bytes;
} vb_shm_t;


/* Process p's share of n (runs, or runs in flight): n / procs, one more
 * for the first n % procs processes. */
uint64_t vb_share(uint64_t n, uint64_t procs, unsigned p);

/* An agent process (p of cfg->procs) speaking to the collector at
 * endpoint: one warm-up run, then a byte on ready_fd, then it waits for
 * EOF on go_fd and pushes its share of the measured runs, writing
 * shm->run[] for them and shm->proc[p]. Returns the exit status (1 with
 * shm->proc[p].why set on any failure, a wrong verdict included). */
int vb_agent_main(const vb_cfg_t *cfg, vb_shm_t *shm, unsigned p,
                  const char *endpoint, int ready_fd, int go_fd);

/* The echo server process: a ROUTER on tcp://127.0.0.1:* answering every
 * request with rep_len bytes; writes its endpoint to wfd and closes it;
 * runs until vb_stop. Returns the exit status. */
int vb_echo_server(int wfd, size_t rep_len);

/* One echo client process's work. */
typedef struct vb_echo_job {
    const char *ep;
    const uint8_t *req;
    size_t req_len;
    uint64_t outstanding; /* round trips in flight at once */
    int64_t *out;         /* n round-trip times, ns */
    size_t n;
    int64_t timeout_ns;
} vb_echo_job_t;

/* An echo client process: warm-up round trips, then j->n timed ones into
 * j->out. Returns the exit status. */
int vb_echo_client(const vb_echo_job_t *j);

#endif
