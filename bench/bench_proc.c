/* Helpers of the benchmarks; see bench.h. Linux only: CPU and memory
 * figures come from /proc. */
#include "bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "sluice/parse.h"

extern char **environ;

#define READY_TIMEOUT_S 10.0
#define STOP_TIMEOUT_S  15.0

double
bench_mono_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
bench_thread_cpu_s(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    (void)nanosleep(&ts, NULL);
}

/* snprintf into buf; SL_ETOOBIG when it does not fit. */
int
bench_fmt(char *buf, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, cap, f, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap ? SL_ETOOBIG : SL_OK;
}

/* Reads at most cap - 1 bytes of path into buf and NUL-terminates it.
 * Returns the length, or -1 when the file cannot be read. */
static long
read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t len = 0;
    ssize_t n = 0;
    while (len + 1 < cap) {
        n = read(fd, buf + len, cap - 1 - len);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    (void)close(fd);
    buf[len] = '\0';
    return n < 0 ? -1 : (long)len;
}

/* Parses the decimal token of at most 31 bytes starting at p. */
static int
parse_token(const char *p, size_t len, uint64_t *out)
{
    char tok[32];
    if (len == 0 || len >= sizeof tok) {
        return SL_EINPUT;
    }
    memcpy(tok, p, len);
    tok[len] = '\0';
    return sl_parse_u64(tok, 0, UINT64_MAX, out);
}

/* Removes path and everything below it (the scratch directory). */
void
bench_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        (void)unlink(path);
        return;
    }
    DIR *d = opendir(path);
    while (d != NULL) {
        struct dirent *e = readdir(d);
        if (e == NULL) {
            break;
        }
        char child[BENCH_PATH_CAP];
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            bench_fmt(child, sizeof child, "%s/%s", path, e->d_name) == SL_OK) {
            bench_rm_rf(child);
        }
    }
    if (d != NULL) {
        (void)closedir(d);
    }
    (void)rmdir(path);
}

/* ---- /proc: CPU per thread and peak RSS -------------------------------- */

/* /proc/PID/task/TID/stat: "tid (comm) state ..."; counting from 1, utime
 * is field 14 and stime 15 (proc(5)); comm may hold spaces and parens. */
static int
parse_stat(const char *buf, bench_task_t *t)
{
    const char *open = strchr(buf, '(');
    const char *close = strrchr(buf, ')');
    if (open == NULL || close == NULL || close < open) {
        return SL_EINPUT;
    }
    size_t clen = (size_t)(close - open - 1);
    clen = clen < sizeof t->comm ? clen : sizeof t->comm - 1;
    memcpy(t->comm, open + 1, clen);
    t->comm[clen] = '\0';
    const char *p = close + 1;
    for (int field = 3; field <= 15; field++) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (field >= 14 &&
            parse_token(p, len, field == 14 ? &t->utime : &t->stime) != SL_OK) {
            return SL_EINPUT;
        }
        p += len;
    }
    return SL_OK;
}

void
bench_snap_take(long pid, bench_snap_t *s)
{
    char dir[64], path[BENCH_PATH_CAP], buf[1024];
    s->n = 0;
    DIR *d = bench_fmt(dir, sizeof dir, "/proc/%ld/task", pid) == SL_OK
                 ? opendir(dir)
                 : NULL;
    while (d != NULL && s->n < BENCH_MAX_TASKS) {
        struct dirent *e = readdir(d);
        uint64_t tid = 0;
        if (e == NULL) {
            break;
        }
        bench_task_t *t = &s->t[s->n];
        if (sl_parse_u64(e->d_name, 1, INT32_MAX, &tid) == SL_OK &&
            bench_fmt(path, sizeof path, "%s/%s/stat", dir, e->d_name) ==
                SL_OK &&
            read_small(path, buf, sizeof buf) > 0 &&
            parse_stat(buf, t) == SL_OK) {
            t->tid = (long)tid;
            s->n++;
        }
    }
    if (d != NULL) {
        (void)closedir(d);
    }
}

static const bench_task_t *
snap_find(const bench_snap_t *s, long tid)
{
    for (int i = 0; i < s->n; i++) {
        if (s->t[i].tid == tid) {
            return &s->t[i];
        }
    }
    return NULL;
}

/* CPU seconds of thread i of b since a: user in *u, system in *sy. */
static void
task_delta(const bench_snap_t *a, const bench_snap_t *b, int i, double *u,
           double *sy)
{
    double hz = (double)sysconf(_SC_CLK_TCK);
    const bench_task_t *t = &b->t[i];
    const bench_task_t *t0 = snap_find(a, t->tid);
    *u = (double)(t->utime - (t0 != NULL ? t0->utime : 0)) / hz;
    *sy = (double)(t->stime - (t0 != NULL ? t0->stime : 0)) / hz;
}

static void
print_cpu_line(const char *indent, const char *label, double u, double sy,
               const bench_span_t *span)
{
    printf("%s%-*s user %5.2f s  sys %5.2f s  = %4.0f%% of a core, "
           "%5.2f us/event\n",
           indent, (int)(20 - strlen(indent)), label, u, sy,
           100.0 * (u + sy) / span->wall,
           (u + sy) * 1e6 / (double)(span->events ? span->events : 1));
}

/* Prints the CPU one process used between two snapshots, in total and per
 * thread; returns the total user and system seconds. */
/* A thread's name in the report: "main", its comm, or unnamed when it
 * kept the comm of the process (unnamed pthreads do). */
static const char *
task_label(const bench_snap_t *b, int i, long pid, const char *unnamed)
{
    const bench_task_t *main_task = snap_find(b, pid);
    if (b->t[i].tid == pid) {
        return "main";
    }
    if (main_task != NULL && strcmp(b->t[i].comm, main_task->comm) == 0) {
        return unnamed;
    }
    return b->t[i].comm;
}

void
bench_print_cpu(const char *who, long pid, const char *unnamed,
                const bench_snap_t *a, const bench_snap_t *b,
                const bench_span_t *span, double *user, double *sys)
{
    double tu = 0, ts = 0, u, sy;
    for (int i = 0; i < b->n; i++) {
        task_delta(a, b, i, &u, &sy);
        tu += u;
        ts += sy;
    }
    print_cpu_line("  ", who, tu, ts, span);
    for (int i = 0; i < b->n; i++) {
        task_delta(a, b, i, &u, &sy);
        if (u + sy > 0) {
            print_cpu_line("    ", task_label(b, i, pid, unnamed), u, sy, span);
        }
    }
    *user = tu;
    *sys = ts;
}

void
bench_snap_cpu(const bench_snap_t *a, const bench_snap_t *b, double *user,
               double *sys)
{
    double u, sy;
    *user = *sys = 0;
    for (int i = 0; i < b->n; i++) {
        task_delta(a, b, i, &u, &sy);
        *user += u;
        *sys += sy;
    }
}

/* "cpu  user nice system idle iowait irq softirq steal ..." (proc(5)). */
void
bench_machine_take(bench_machine_t *m)
{
    char buf[512];
    uint64_t v[8] = {0};
    memset(m, 0, sizeof *m);
    if (read_small("/proc/stat", buf, sizeof buf) <= 0 ||
        strncmp(buf, "cpu ", 4) != 0) {
        return;
    }
    const char *p = buf + 4;
    for (int i = 0; i < 8; i++) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " \n");
        if (parse_token(p, len, &v[i]) != SL_OK) {
            return;
        }
        p += len;
    }
    m->busy = v[0] + v[1] + v[2] + v[5] + v[6];
    m->idle = v[3];
    m->iowait = v[4];
    m->steal = v[7];
}

void
bench_print_machine(const bench_machine_t *a, const bench_machine_t *b,
                    double ours_s)
{
    double hz = (double)sysconf(_SC_CLK_TCK);
    double busy = (double)(b->busy - a->busy);
    double idle = (double)(b->idle - a->idle);
    double iow = (double)(b->iowait - a->iowait);
    double steal = (double)(b->steal - a->steal);
    double all = busy + idle + iow + steal;
    double others = busy / hz - ours_s;
    if (all <= 0) {
        return;
    }
    printf("  machine: busy %.0f%%, idle %.0f%%, iowait %.0f%%, steal %.0f%% "
           "of all cores' time; other processes used %.2f s CPU%s\n",
           100 * busy / all, 100 * idle / all, 100 * iow / all,
           100 * steal / all, others > 0 ? others : 0.0,
           others > 0.05 && others > 0.1 * all / hz
               ? " (other load: the figures are disturbed)"
               : "");
}

/* VmHWM of /proc/PID/status in KiB; 0 when it cannot be read. */
uint64_t
bench_peak_rss_kib(long pid)
{
    char path[64], buf[8192];
    uint64_t v = 0;
    if (bench_fmt(path, sizeof path, "/proc/%ld/status", pid) != SL_OK ||
        read_small(path, buf, sizeof buf) <= 0) {
        return 0;
    }
    const char *p = strstr(buf, "\nVmHWM:");
    if (p == NULL) {
        return 0;
    }
    p += strlen("\nVmHWM:");
    p += strspn(p, " \t");
    return parse_token(p, strspn(p, "0123456789"), &v) == SL_OK ? v : 0;
}

/* ---- latency figures --------------------------------------------------- */

int64_t
bench_mono_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void
bench_sort_i64(int64_t *v, size_t n)
{
    if (n > 1) {
        qsort(v, n, sizeof *v, cmp_i64);
    }
}

/* Nearest rank: the smallest value with at least p% of them at or below. */
int64_t
bench_pct(const int64_t *sorted, size_t n, double p)
{
    if (n == 0) {
        return 0;
    }
    double rank = p / 100.0 * (double)n;
    size_t k = (size_t)rank;
    k = (double)k < rank ? k + 1 : k; /* ceil */
    k = k == 0 ? 1 : k > n ? n : k;
    return sorted[k - 1];
}

/* ---- any daemon as a child process ------------------------------------ */

int
bench_spawn(pid_t *pid, char *const argv[], const char *log)
{
    posix_spawn_file_actions_t fa;
    int e = posix_spawn_file_actions_init(&fa);
    if (e == 0) {
        e = posix_spawn_file_actions_addopen(
            &fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (e == 0) {
        e = posix_spawn_file_actions_adddup2(&fa, 1, 2);
    }
    if (e == 0) {
        e = posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
    }
    (void)posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        *pid = 0;
        fprintf(stderr, "bench: cannot start %s: %s\n", argv[0], strerror(e));
        return SL_ESYS;
    }
    return SL_OK;
}

/* Copies the value of "key=value\n" in buf into out. */
static int
ready_value(const char *buf, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = buf;
    while (*p != '\0') {
        size_t len = strcspn(p, "\n");
        if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            len -= klen + 1;
            if (len == 0 || len >= cap) {
                return SL_EINPUT;
            }
            memcpy(out, p + klen + 1, len);
            out[len] = '\0';
            return SL_OK;
        }
        p += len;
        p += *p == '\n';
    }
    return SL_ENOTFOUND;
}

/* Nonzero when buf names every key (values copied into vals). */
static int
ready_all(const char *buf, int nkeys, const char *const keys[],
          char *const vals[], size_t cap)
{
    for (int i = 0; i < nkeys; i++) {
        if (ready_value(buf, keys[i], vals[i], cap) != SL_OK) {
            return 0;
        }
    }
    return 1;
}

int
bench_wait_ready(const char *who, pid_t *pid, const char *path, int nkeys,
                 const char *const keys[], char *const vals[], size_t cap,
                 const volatile sig_atomic_t *stop)
{
    double deadline = bench_mono_s() + READY_TIMEOUT_S;
    char buf[4096];
    while (bench_mono_s() < deadline) {
        if (read_small(path, buf, sizeof buf) > 0 &&
            ready_all(buf, nkeys, keys, vals, cap)) {
            return SL_OK;
        }
        int st = 0;
        if (waitpid(*pid, &st, WNOHANG) == *pid) {
            *pid = 0;
            fprintf(stderr, "bench: the %s exited (status 0x%x) before it "
                    "was ready\n", who, (unsigned)st);
            return SL_EIO;
        }
        if (stop != NULL && *stop) {
            return SL_EINTR;
        }
        nap_ms(5);
    }
    fprintf(stderr, "bench: no ready file from the %s after %.0f s\n", who,
            READY_TIMEOUT_S);
    return SL_ETIMEDOUT;
}

/* SIGTERM, then waitpid against a deadline; needing SIGKILL is a failure. */
int
bench_stop(const char *who, pid_t *pid, int *status)
{
    if (*pid <= 0) {
        return SL_EINVAL;
    }
    if (kill(*pid, SIGTERM) != 0) {
        return SL_ESYS;
    }
    double deadline = bench_mono_s() + STOP_TIMEOUT_S;
    for (;;) {
        pid_t r = waitpid(*pid, status, WNOHANG);
        if (r == *pid) {
            *pid = 0;
            return SL_OK;
        }
        if ((r < 0 && errno != EINTR) || bench_mono_s() > deadline) {
            break;
        }
        nap_ms(5);
    }
    (void)kill(*pid, SIGKILL);
    (void)waitpid(*pid, status, 0);
    *pid = 0;
    fprintf(stderr, "bench: the %s ignored SIGTERM for %.0f s\n", who,
            STOP_TIMEOUT_S);
    return SL_ETIMEDOUT;
}

void
bench_dump_file(const char *who, const char *path)
{
    char buf[16384];
    if (read_small(path, buf, sizeof buf) > 0) {
        fprintf(stderr, "---- %s log (%s) ----\n%s----\n", who, path, buf);
    }
}

/* ---- the collector process --------------------------------------------- */

int
bench_coll_paths(bench_coll_t *c, const char *dir)
{
    int rc = bench_fmt(c->data, sizeof c->data, "%s/data", dir);
    if (rc == SL_OK) {
        rc = bench_fmt(c->ready, sizeof c->ready, "%s/ready", dir);
    }
    if (rc == SL_OK) {
        rc = bench_fmt(c->log, sizeof c->log, "%s/collector.log", dir);
    }
    return rc;
}

int
bench_coll_spawn(bench_coll_t *c, const char *bin, const char *log_level,
                 int nextra, char **extra)
{
    const char *fixed[] = {bin,
                           "--data",
                           c->data,
                           "--listen",
                           "tcp://127.0.0.1:*",
                           "--publish",
                           "tcp://127.0.0.1:*",
                           "--ready-file",
                           c->ready,
                           "--log-level",
                           log_level};
    enum { NFIXED = sizeof fixed / sizeof fixed[0] };
    char *argv[NFIXED + BENCH_MAX_EXTRA + 1];
    int n = 0;
    for (; n < (int)NFIXED; n++) {
        argv[n] = (char *)(uintptr_t)fixed[n];
    }
    for (int i = 0; i < nextra && i < BENCH_MAX_EXTRA; i++) {
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    return bench_spawn(&c->pid, argv, c->log);
}

int
bench_coll_wait_ready(bench_coll_t *c)
{
    static const char *const keys[] = {"listen", "publish"};
    char *const vals[] = {c->listen, c->publish};
    return bench_wait_ready("collector", &c->pid, c->ready, 2, keys, vals,
                            sizeof c->listen, NULL);
}

int
bench_coll_stop(bench_coll_t *c, int *status)
{
    return bench_stop("collector", &c->pid, status);
}

void
bench_coll_dump_log(const bench_coll_t *c)
{
    bench_dump_file("collector", c->log);
}

/* Raw LMDB here, not sl_store: the store module has no call for the last
 * transaction id, and this only reads a stopped collector's files. */
static int
log_entries(MDB_env *env, uint64_t *events)
{
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_stat st;
    int mrc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (mrc == 0) {
        mrc = mdb_dbi_open(txn, "log", 0, &dbi);
    }
    if (mrc == 0) {
        mrc = mdb_stat(txn, dbi, &st);
    }
    if (mrc == 0) {
        *events = (uint64_t)st.ms_entries;
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    return mrc;
}

int
bench_coll_store_info(const bench_coll_t *c, uint64_t *txns, uint64_t *events)
{
    MDB_env *env = NULL;
    MDB_envinfo info;
    int mrc = mdb_env_create(&env);
    if (mrc == 0) {
        mrc = mdb_env_set_maxdbs(env, 16);
    }
    if (mrc == 0) {
        mrc = mdb_env_open(env, c->data, MDB_RDONLY | MDB_NOTLS, 0644);
    }
    if (mrc == 0) {
        mrc = mdb_env_info(env, &info);
    }
    if (mrc == 0) {
        *txns = (uint64_t)info.me_last_txnid;
        mrc = log_entries(env, events);
    }
    if (env != NULL) {
        mdb_env_close(env);
    }
    if (mrc != 0) {
        fprintf(stderr, "bench: store %s: %s\n", c->data, mdb_strerror(mrc));
        return SL_ESTORE;
    }
    return SL_OK;
}
