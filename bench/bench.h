/* Helpers of the benchmarks: clocks, scratch directories, the CPU and
 * memory figures /proc gives for a process and its threads, and the
 * collector as a child process (spawn, ready file, SIGTERM, its store). */
#ifndef SLUICE_BENCH_H
#define SLUICE_BENCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sluice/err.h"

#define BENCH_PATH_CAP  4096
#define BENCH_MAX_TASKS 64
#define BENCH_MAX_EXTRA 32 /* arguments passed through to the collector */

/* Monotonic clock, and the calling thread's CPU time, in seconds. */
double bench_mono_s(void);
double bench_thread_cpu_s(void);

/* snprintf into buf; SL_ETOOBIG when it does not fit. */
int bench_fmt(char *buf, size_t cap, const char *f, ...)
    SL_PRINTF(3, 4) SL_NODISCARD;

/* Removes path and everything below it. */
void bench_rm_rf(const char *path);

/* ---- CPU per thread (/proc/PID/task/TID/stat) ---- */

typedef struct bench_task {
    long tid;
    char comm[32];
    uint64_t utime, stime; /* clock ticks */
} bench_task_t;

typedef struct bench_snap {
    bench_task_t t[BENCH_MAX_TASKS];
    int n;
} bench_snap_t;

/* The threads of pid and their CPU so far (threads that cannot be read are
 * left out). */
void bench_snap_take(long pid, bench_snap_t *s);

typedef struct bench_span {
    double wall;     /* seconds between the two snapshots */
    uint64_t events; /* for the per-event figure */
} bench_span_t;

/* Prints what one process used between snapshots a and b, in total and per
 * thread: the thread whose tid is pid is "main", a thread that kept the
 * process's name is called unnamed, the others by their name. *user and
 * *sys receive the totals in seconds. */
void bench_print_cpu(const char *who, long pid, const char *unnamed,
                     const bench_snap_t *a, const bench_snap_t *b,
                     const bench_span_t *span, double *user, double *sys);

/* The machine's CPU time so far, from the first line of /proc/stat, in
 * clock ticks summed over all cores. */
typedef struct bench_machine {
    uint64_t busy, idle, iowait, steal;
} bench_machine_t;

void bench_machine_take(bench_machine_t *m);

/* Prints how busy, idle, waiting for I/O and stolen the cores were between
 * a and b, as percentages of all the cores' time, and the CPU seconds that
 * processes other than ours (ours_s in all) used meanwhile. */
void bench_print_machine(const bench_machine_t *a, const bench_machine_t *b,
                         double ours_s);

/* The CPU seconds (user in *user, system in *sys) all threads of one
 * process used between snapshots a and b, without printing. */
void bench_snap_cpu(const bench_snap_t *a, const bench_snap_t *b,
                    double *user, double *sys);

/* VmHWM of /proc/PID/status in KiB; 0 when it cannot be read. */
uint64_t bench_peak_rss_kib(long pid);

/* ---- latency figures ---- */

/* Sorts v[0..n) ascending. */
void bench_sort_i64(int64_t *v, size_t n);
/* The p-th percentile (0..100) of sorted v[0..n), nearest rank; 0 when n
 * is 0. */
int64_t bench_pct(const int64_t *sorted, size_t n, double p);
/* The monotonic clock in nanoseconds. */
int64_t bench_mono_ns(void);

/* ---- any daemon as a child process ---- */

/* posix_spawns argv[0] with argv (NULL-terminated), its stdout and stderr
 * into the file log (truncated). *pid receives its pid. SL_ESYS (message
 * on stderr). */
int bench_spawn(pid_t *pid, char *const argv[], const char *log)
    SL_NODISCARD;

/* Polls the ready file path against a deadline until it names every one
 * of the nkeys keys, and copies their values into vals[i] (cap bytes
 * each). SL_EIO when the process *pid exits first (it is reaped: *pid
 * becomes 0), SL_EINTR when *stop is set (stop may be NULL),
 * SL_ETIMEDOUT. who names the process in messages. */
int bench_wait_ready(const char *who, pid_t *pid, const char *path,
                     int nkeys, const char *const keys[], char *const vals[],
                     size_t cap, const volatile sig_atomic_t *stop)
    SL_NODISCARD;

/* SIGTERM to *pid, then waitpid against a deadline; *status gets the wait
 * status and *pid becomes 0. SL_ETIMEDOUT when it needed SIGKILL,
 * SL_EINVAL when *pid is not running (0). */
int bench_stop(const char *who, pid_t *pid, int *status) SL_NODISCARD;

/* Prints the file at path (a daemon's log, its first 16 KiB) on stderr. */
void bench_dump_file(const char *who, const char *path);

/* ---- the collector as a child process ---- */

typedef struct bench_coll {
    pid_t pid; /* 0 once reaped */
    char data[BENCH_PATH_CAP], ready[BENCH_PATH_CAP], log[BENCH_PATH_CAP];
    char listen[256], publish[256]; /* from the ready file */
} bench_coll_t;

/* Names the data directory, ready file and log of a collector in dir.
 * SL_ETOOBIG when dir is too long. */
int bench_coll_paths(bench_coll_t *c, const char *dir) SL_NODISCARD;

/* posix_spawns bin with --data, ephemeral --listen and --publish, the ready
 * file, log_level and the nextra extra arguments (at most BENCH_MAX_EXTRA),
 * stdout and stderr into c->log. SL_ESYS (message on stderr). */
int bench_coll_spawn(bench_coll_t *c, const char *bin, const char *log_level,
                     int nextra, char **extra) SL_NODISCARD;

/* Polls the ready file against a deadline and reads the endpoints from it.
 * SL_EIO when the collector exits first, SL_ETIMEDOUT. */
int bench_coll_wait_ready(bench_coll_t *c) SL_NODISCARD;

/* SIGTERM, then waitpid against a deadline; *status gets the wait status.
 * SL_ETIMEDOUT when it needed SIGKILL. */
int bench_coll_stop(bench_coll_t *c, int *status) SL_NODISCARD;

/* Prints the collector's log on stderr. */
void bench_coll_dump_log(const bench_coll_t *c);

/* Reads a stopped collector's store: the write transactions it committed
 * (group commits plus the one opening its databases) and the events in
 * its log database. SL_ESTORE. */
int bench_coll_store_info(const bench_coll_t *c, uint64_t *txns,
                          uint64_t *events) SL_NODISCARD;

#endif
