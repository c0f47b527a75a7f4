/* The end-to-end harness's processes: setup and teardown, the daemons and
 * the agent (see harness.h; the queries and JSON are in harness_query.c).
 * Built with _XOPEN_SOURCE=700 for nftw and _DEFAULT_SOURCE for wait4
 * (CMakeLists.txt). */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "sluice/clock.h"

#define H_READY_MS 20000 /* start to ready file (sanitizer builds are slow) */
#define H_STOP_MS  10000 /* SIGTERM to exit */
#define H_AGENT_MS 45000 /* one agent run; below the tests' TIMEOUT 60 */
#define H_MAX_ARGS 64

/* ---- small helpers ---------------------------------------------------- */

static void h_fmt(char *buf, size_t cap, const char *fmt, ...) SL_PRINTF(3, 4);

/* snprintf that fails the test on truncation. */
static void
h_fmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) {
        print_error("harness: string too long for %zu bytes: %s\n", cap, buf);
        fail();
    }
}

char *
h_path(const h_env_t *h, const char *name, char *buf)
{
    h_fmt(buf, H_PATH, "%s/%s", h->dir, name);
    return buf;
}

/* The whole file as a NUL-terminated string (caller frees), NULL if it
 * cannot be read. */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (f != NULL && buf != NULL) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1) {
            break;
        }
        char *grown = realloc(buf, cap * 2);
        if (grown == NULL) {
            free(buf);
        }
        buf = grown;
        cap *= 2;
    }
    if (f == NULL || buf == NULL || ferror(f)) {
        free(buf);
        buf = NULL;
    } else {
        buf[len] = '\0';
    }
    if (f != NULL) {
        (void)fclose(f);
    }
    return buf;
}

/* Waits up to ms for a SIGCHLD. SIGCHLD is blocked in every thread (the
 * mask is set in h_setup, before libzmq starts any), so one that arrives
 * between a waitpid and this call stays pending and ends the wait at once:
 * a child's exit is noticed without sleeping. Callers cap ms, so even a
 * signal taken elsewhere costs only a short delay, never correctness. */
static void
tick(int ms)
{
    sigset_t chld;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    (void)sigemptyset(&chld);
    (void)sigaddset(&chld, SIGCHLD);
    (void)sigtimedwait(&chld, NULL, &ts);
}

/* ---- environment of the children --------------------------------------- */

static void env_add(h_env_t *h, int *n, const char *fmt, ...) SL_PRINTF(3, 4);

static void
env_add(h_env_t *h, int *n, const char *fmt, ...)
{
    va_list ap;
    if (*n >= H_MAX_ENV) {
        return;
    }
    va_start(ap, fmt);
    int len = vsnprintf(h->env_store[*n], H_PATH, fmt, ap);
    va_end(ap);
    if (len > 0 && len < H_PATH) { /* a variable too long is left out */
        h->envp[*n] = h->env_store[*n];
        (*n)++;
    }
}

/* Children get a small fixed environment: no CI variables (they would
 * change the run's metadata), HOME and the spool inside the temp dir, and
 * sanitizer exit codes no program uses, so that a sanitizer report can
 * never pass for an expected exit status such as 1. */
static void
make_env(h_env_t *h)
{
    const char *path = getenv("PATH"), *asan = getenv("ASAN_OPTIONS");
    const char *ubsan = getenv("UBSAN_OPTIONS"), *lsan = getenv("LSAN_OPTIONS");
    const char *tsan = getenv("TSAN_OPTIONS");
    int n = 0;
    env_add(h, &n, "PATH=%s", path != NULL ? path : "/usr/bin:/bin");
    env_add(h, &n, "HOME=%s", h->dir);
    env_add(h, &n, "SLUICE_SPOOL=%s", h->spool);
    env_add(h, &n, "LC_ALL=C");
    env_add(h, &n, "ASAN_OPTIONS=%s%sexitcode=86", asan ? asan : "",
            asan ? ":" : "");
    env_add(h, &n, "UBSAN_OPTIONS=%s%sexitcode=87:print_stacktrace=1",
            ubsan ? ubsan : "", ubsan ? ":" : "");
    if (lsan != NULL) {
        env_add(h, &n, "LSAN_OPTIONS=%s", lsan);
    }
    if (tsan != NULL) {
        env_add(h, &n, "TSAN_OPTIONS=%s", tsan);
    }
    h->envp[n] = NULL;
}

/* ---- setup and teardown ------------------------------------------------ */

int
h_setup(void **state)
{
    h_env_t *h = calloc(1, sizeof *h);
    const char *tmp = getenv("TMPDIR");
    sigset_t chld;
    if (h == NULL) {
        return -1;
    }
    int n = snprintf(h->dir, sizeof h->dir, "%s/sluice-e2e-XXXXXX",
                     tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof h->dir || mkdtemp(h->dir) == NULL) {
        print_error("harness: mkdtemp %s: %s\n", h->dir, strerror(errno));
        free(h);
        return -1;
    }
    (void)h_path(h, "spool", h->spool);
    make_env(h);
    (void)sigemptyset(&chld);
    (void)sigaddset(&chld, SIGCHLD);
    (void)pthread_sigmask(SIG_BLOCK, &chld, NULL);
#ifdef __linux__
    /* Orphans of our children become ours, so h_finish sees them too. */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
#endif
    *state = h;
    return 0;
}

/* Reaps p if it exits within ms; returns 1 once it is reaped. */
static int
reap(h_proc_t *p, int ms)
{
    int64_t deadline = sl_mono_ms() + ms;
    while (p->pid > 0) {
        int st = 0;
        struct rusage ru;
        memset(&ru, 0, sizeof ru);
        pid_t r = wait4(p->pid, &st, WNOHANG, &ru);
        if (r == p->pid || (r < 0 && errno != EINTR)) {
            p->status = r == p->pid ? st : -1;
            p->max_rss_kib = ru.ru_maxrss;
            p->pid = 0;
            break;
        }
        int64_t left = deadline - sl_mono_ms();
        if (left <= 0) {
            return 0;
        }
        tick(left < 50 ? (int)left : 50);
    }
    return 1;
}

static void
dump_file(const h_proc_t *p, const char *what, const char *path)
{
    char *text = slurp(path);
    (void)fprintf(stderr, "---- %s %s (%s) ----\n%s", p->name, what, path,
                  text != NULL ? text : "(unreadable)\n");
    free(text);
}

/* Prints what every process of the test wrote. */
static void
dump_logs(const h_env_t *h)
{
    for (int i = 0; i < h->nprocs; i++) {
        const h_proc_t *p = &h->procs[i];
        (void)fprintf(stderr, "---- %s: %s\n", p->name, p->cmd);
        if (!p->daemon) {
            dump_file(p, "stdout", p->out);
        }
        dump_file(p, "stderr", p->err);
    }
    (void)fflush(stderr);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Kills every child still running and reaps stray orphans. */
static void
kill_all(h_env_t *h)
{
    for (int i = 0; i < h->nprocs; i++) {
        h_proc_t *p = &h->procs[i];
        if (p->pid > 0) {
            (void)fprintf(stderr, "harness: killing %s (pid %ld)\n", p->name,
                          (long)p->pid);
            (void)kill(p->pid, SIGKILL);
            if (!reap(p, H_STOP_MS)) {
                (void)fprintf(stderr, "harness: %s survived SIGKILL\n",
                              p->name);
            }
        }
    }
    int st;
    while (waitpid(-1, &st, WNOHANG) > 0) {
        continue;
    }
}

int
h_teardown(void **state)
{
    h_env_t *h = *state;
    int rc = 0;
    if (h == NULL) {
        return 0;
    }
    kill_all(h);
    if (!h->passed) {
        dump_logs(h);
    }
    if (nftw(h->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        print_error("harness: cannot remove %s: %s\n", h->dir, strerror(errno));
        rc = -1;
    }
    free(h->agent.out);
    free(h->agent.err);
    sl_wire_free(&h->reply);
    yajl_tree_free(h->json);
    free(h);
    *state = NULL;
    return rc;
}

/* ---- processes ----------------------------------------------------------- */

typedef struct args {
    char *v[H_MAX_ARGS + 1];
    int n, overflow;
} args_t;

static void
arg(args_t *a, const char *s)
{
    if (a->n >= H_MAX_ARGS) {
        a->overflow = 1;
        return;
    }
    a->v[a->n++] = (char *)(uintptr_t)s; /* posix_spawn's argv is char ** */
    a->v[a->n] = NULL;
}

static void
arg_list(args_t *a, va_list ap)
{
    for (const char *s = va_arg(ap, const char *); s != NULL;
         s = va_arg(ap, const char *)) {
        arg(a, s);
    }
}

static void args_of(args_t *a, ...) __attribute__((sentinel));

static void
args_of(args_t *a, ...)
{
    va_list ap;
    va_start(ap, a);
    arg_list(a, ap);
    va_end(ap);
}

/* SL_E2E_LOG_LEVEL (e.g. debug) is passed to the daemons as --log-level,
 * for investigating a failure; the agent's stderr is checked, so it keeps
 * its default. */
static void
arg_log_level(args_t *a)
{
    const char *level = getenv("SL_E2E_LOG_LEVEL");
    if (level != NULL && *level != '\0') {
        arg(a, "--log-level");
        arg(a, level);
    }
}

static h_proc_t *
proc_new(h_env_t *h, const char *kind, int daemon)
{
    if (h->nprocs >= H_MAX_PROCS) {
        print_error("harness: more than %d processes\n", H_MAX_PROCS);
        fail();
    }
    h_proc_t *p = &h->procs[h->nprocs++];
    char name[64];
    h_fmt(p->name, sizeof p->name, "%s.%d", kind, h->nprocs);
    h_fmt(name, sizeof name, "%s.out", p->name);
    (void)h_path(h, name, p->out);
    h_fmt(name, sizeof name, "%s.err", p->name);
    (void)h_path(h, name, p->err);
    h_fmt(name, sizeof name, "%s.ready", p->name);
    (void)h_path(h, name, p->ready);
    p->daemon = daemon;
    return p;
}

/* stdin from /dev/null, stdout and stderr to p's files. */
static int
spawn_files(posix_spawn_file_actions_t *fa, const h_proc_t *p)
{
    int wr = O_WRONLY | O_CREAT | O_TRUNC;
    int rc = posix_spawn_file_actions_init(fa);
    if (rc != 0) {
        return rc;
    }
    rc = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    rc = rc ? rc : posix_spawn_file_actions_addopen(fa, 1, p->out, wr, 0600);
    rc = rc ? rc : posix_spawn_file_actions_addopen(fa, 2, p->err, wr, 0600);
    if (rc != 0) {
        (void)posix_spawn_file_actions_destroy(fa);
    }
    return rc;
}

/* No signal blocked (ours blocks SIGCHLD) and default dispositions. */
static int
spawn_attrs(posix_spawnattr_t *at)
{
    sigset_t none, dfl;
    int rc = posix_spawnattr_init(at);
    if (rc != 0) {
        return rc;
    }
    (void)sigemptyset(&none);
    (void)sigemptyset(&dfl);
    (void)sigaddset(&dfl, SIGTERM);
    (void)sigaddset(&dfl, SIGINT);
    (void)sigaddset(&dfl, SIGPIPE);
    (void)sigaddset(&dfl, SIGCHLD);
    rc = posix_spawnattr_setsigmask(at, &none);
    rc = rc ? rc : posix_spawnattr_setsigdefault(at, &dfl);
    rc = rc ? rc
            : posix_spawnattr_setflags(
                  at, (short)(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    if (rc != 0) {
        (void)posix_spawnattr_destroy(at);
    }
    return rc;
}

static void
spawn(h_env_t *h, h_proc_t *p, const args_t *a)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    size_t off = 0;
    for (int i = 0; i < a->n && off < sizeof p->cmd; i++) {
        int n = snprintf(p->cmd + off, sizeof p->cmd - off, "%s%s",
                         i ? " " : "", a->v[i]);
        off += n > 0 ? (size_t)n : 0;
    }
    int rc = a->overflow ? E2BIG : spawn_files(&fa, p);
    int rc2 = rc ? rc : spawn_attrs(&at);
    if (rc2 == 0) {
        rc2 = posix_spawn(&p->pid, a->v[0], &fa, &at, a->v, h->envp);
        (void)posix_spawnattr_destroy(&at);
    }
    if (rc == 0) {
        (void)posix_spawn_file_actions_destroy(&fa);
    }
    if (rc2 != 0) {
        p->pid = 0;
        print_error("harness: cannot start %s: %s\n", p->cmd, strerror(rc2));
        fail();
    }
}

/* Fails unless p (reaped) exited with status want. */
static void
check_exit(const h_proc_t *p, int want)
{
    if (!WIFEXITED(p->status)) {
        print_error("%s died of signal %d (wanted exit status %d)\n", p->name,
                    WIFSIGNALED(p->status) ? WTERMSIG(p->status) : -1, want);
        fail();
    }
    if (WEXITSTATUS(p->status) != want) {
        print_error("%s exited with status %d (wanted %d)\n", p->name,
                    WEXITSTATUS(p->status), want);
        fail();
    }
}

/* ---- daemons ------------------------------------------------------------- */

/* Polls for p's ready file until H_READY_MS pass; fails early if p dies.
 * The file is written by rename, so once it exists it is whole. */
static void
wait_ready(h_proc_t *p)
{
    int64_t deadline = sl_mono_ms() + H_READY_MS;
    while (access(p->ready, F_OK) != 0) {
        if (reap(p, 0)) {
            print_error("%s exited before it was ready (status 0x%x)\n",
                        p->name, (unsigned)p->status);
            fail();
        }
        if (sl_mono_ms() >= deadline) {
            print_error("%s: no ready file %s within %d ms\n", p->name,
                        p->ready, H_READY_MS);
            fail();
        }
        tick(10);
    }
}

/* Copies the value of "key=value" in p's ready file into out. */
static void
read_ready(const h_proc_t *p, const char *key, char *out, size_t cap)
{
    char *text = slurp(p->ready);
    size_t klen = strlen(key);
    const char *line = text;
    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        if (len > klen && strncmp(line, key, klen) == 0 && line[klen] == '=' &&
            len - klen - 1 < cap) {
            memcpy(out, line + klen + 1, len - klen - 1);
            out[len - klen - 1] = '\0';
            free(text);
            return;
        }
        line = end != NULL ? end + 1 : NULL;
    }
    print_error("%s: no '%s=' in ready file %s:\n%s\n", p->name, key, p->ready,
                text != NULL ? text : "(unreadable)");
    free(text);
    fail();
}

h_proc_t *
h_collector_start(h_env_t *h, const char *data_dir, const char *listen)
{
    return h_collector_start_args(h, data_dir, listen, NULL);
}

/* A daemon's state must live in the test's temp dir: a relative path
 * would land in the working directory and outlive the test. */
static void
check_inside(const h_env_t *h, const char *what, const char *dir)
{
    size_t n = strlen(h->dir);
    if (strncmp(dir, h->dir, n) != 0 || dir[n] != '/') {
        print_error("%s '%s' is not inside %s: use h_path\n", what, dir,
                    h->dir);
        fail();
    }
}

h_proc_t *
h_collector_start_args(h_env_t *h, const char *data_dir, const char *listen,
                       ...)
{
    check_inside(h, "collector data", data_dir);
    h_proc_t *p = proc_new(h, "collector", 1);
    args_t a = {0};
    va_list ap;
    args_of(&a, SL_COLLECTOR_BIN, "--data", data_dir, "--listen",
            listen != NULL ? listen : "tcp://127.0.0.1:*", "--publish",
            "tcp://127.0.0.1:*", "--ready-file", p->ready, NULL);
    arg_log_level(&a);
    va_start(ap, listen);
    arg_list(&a, ap);
    va_end(ap);
    spawn(h, p, &a);
    wait_ready(p);
    read_ready(p, "listen", p->listen, sizeof p->listen);
    read_ready(p, "publish", p->publish, sizeof p->publish);
    if (listen != NULL && strcmp(listen, p->listen) != 0) {
        print_error("%s listens on %s, not %s\n", p->name, p->listen, listen);
        fail();
    }
    return p;
}

/* Spawns a gate following c with state_dir and the arguments in ap. */
static h_proc_t *
gate_spawn(h_env_t *h, const h_proc_t *c, const char *state_dir, va_list ap)
{
    check_inside(h, "gate state", state_dir);
    h_proc_t *p = proc_new(h, "gate", 1);
    args_t a = {0};
    args_of(&a, SL_GATE_BIN, "--collector", c->listen, "--subscribe",
            c->publish, "--state", state_dir, "--ready-file", p->ready, NULL);
    arg_log_level(&a);
    arg_list(&a, ap);
    spawn(h, p, &a);
    return p;
}

/* Waits for gate p's ready file and checks that it follows c. */
static void
gate_ready(h_proc_t *p, const h_proc_t *c)
{
    wait_ready(p);
    read_ready(p, "collector", p->listen, sizeof p->listen);
    read_ready(p, "subscribe", p->publish, sizeof p->publish);
    if (strcmp(p->listen, c->listen) != 0 ||
        strcmp(p->publish, c->publish) != 0) {
        print_error("%s follows %s and %s, not %s's\n", p->name, p->listen,
                    p->publish, c->name);
        fail();
    }
}

h_proc_t *
h_gate_start(h_env_t *h, const h_proc_t *c, const char *state_dir)
{
    return h_gate_start_args(h, c, state_dir, NULL);
}

h_proc_t *
h_gate_start_args(h_env_t *h, const h_proc_t *c, const char *state_dir, ...)
{
    va_list ap;
    va_start(ap, state_dir);
    h_proc_t *p = gate_spawn(h, c, state_dir, ap);
    va_end(ap);
    gate_ready(p, c);
    return p;
}

h_proc_t *
h_gate_spawn_args(h_env_t *h, const h_proc_t *c, const char *state_dir, ...)
{
    va_list ap;
    va_start(ap, state_dir);
    h_proc_t *p = gate_spawn(h, c, state_dir, ap);
    va_end(ap);
    return p;
}

void
h_stop(h_env_t *h, h_proc_t *p)
{
    (void)h;
    if (p->pid <= 0 || kill(p->pid, SIGTERM) != 0) {
        print_error("cannot stop %s: not running\n", p->name);
        fail();
    }
    if (!reap(p, H_STOP_MS)) {
        (void)kill(p->pid, SIGKILL);
        (void)reap(p, H_STOP_MS);
        print_error("%s did not exit within %d ms of SIGTERM: killed\n",
                    p->name, H_STOP_MS);
        fail();
    }
    check_exit(p, 0);
}

char *
h_expect_exit(h_env_t *h, h_proc_t *p, int want)
{
    (void)h;
    if (p->pid <= 0 || !reap(p, H_STOP_MS)) {
        print_error("%s did not exit by itself within %d ms\n", p->name,
                    H_STOP_MS);
        fail();
    }
    check_exit(p, want);
    char *err = slurp(p->err);
    if (err == NULL) {
        print_error("%s: cannot read its stderr\n", p->name);
        fail();
    }
    return err;
}

void
h_crash(h_env_t *h, h_proc_t *p)
{
    (void)h;
    if (p->pid <= 0 || kill(p->pid, SIGKILL) != 0 || !reap(p, H_STOP_MS)) {
        print_error("cannot kill %s\n", p->name);
        fail();
    }
    if (!WIFSIGNALED(p->status) || WTERMSIG(p->status) != SIGKILL) {
        print_error("%s did not die of SIGKILL (status 0x%x)\n", p->name,
                    (unsigned)p->status);
        fail();
    }
}

/* ---- the agent ----------------------------------------------------------- */

static void
collect_result(h_env_t *h, const h_proc_t *p)
{
    free(h->agent.out);
    free(h->agent.err);
    h->agent.status = WEXITSTATUS(p->status);
    h->agent.max_rss_kib = p->max_rss_kib;
    h->agent.out = slurp(p->out);
    h->agent.err = slurp(p->err);
    if (h->agent.out == NULL || h->agent.err == NULL) {
        print_error("%s: cannot read its output\n", p->name);
        fail();
    }
}

/* Runs bin with the arguments in ap and waits for it (deadline). */
static const h_result_t *
run_tool(h_env_t *h, const char *kind, const char *bin, va_list ap)
{
    h_proc_t *p = proc_new(h, kind, 0);
    args_t a = {0};
    arg(&a, bin);
    arg_list(&a, ap);
    spawn(h, p, &a);
    if (!reap(p, H_AGENT_MS)) {
        (void)kill(p->pid, SIGKILL);
        (void)reap(p, H_STOP_MS);
        print_error("%s still running after %d ms: killed\n", p->name,
                    H_AGENT_MS);
        fail();
    }
    if (!WIFEXITED(p->status)) {
        print_error("%s died of signal %d\n", p->name,
                    WIFSIGNALED(p->status) ? WTERMSIG(p->status) : -1);
        fail();
    }
    collect_result(h, p);
    return &h->agent;
}

const h_result_t *
h_agent(h_env_t *h, ...)
{
    va_list ap;
    va_start(ap, h);
    const h_result_t *r = run_tool(h, "agent", SL_AGENT_BIN, ap);
    va_end(ap);
    return r;
}

const h_result_t *
h_cli(h_env_t *h, ...)
{
    va_list ap;
    va_start(ap, h);
    const h_result_t *r = run_tool(h, "sluice", SL_CLI_BIN, ap);
    va_end(ap);
    return r;
}

/* ---- files, endpoints --------------------------------------------------- */

void
h_assert_contains_at(const char *file, int line, const char *text,
                     const char *needle)
{
    if (text == NULL || strstr(text, needle) == NULL) {
        print_error("expected \"%s\" in:\n%s\n", needle,
                    text != NULL ? text : "(null)");
        _fail(file, line);
    }
}

char *
h_read(const char *path)
{
    char *text = slurp(path);
    if (text == NULL) {
        print_error("harness: cannot read %s\n", path);
        fail();
    }
    return text;
}

int
h_count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    size_t slen = strlen(suffix);
    int n = 0;
    if (d == NULL) {
        return -1;
    }
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len >= slen && strcmp(e->d_name + len - slen, suffix) == 0) {
            n++;
        }
    }
    (void)closedir(d);
    return n;
}

void
h_unused_endpoint(const h_env_t *h, const char *name, char *ep, size_t cap)
{
    char path[H_PATH];
    (void)h_path(h, name, path);
    /* sockaddr_un's sun_path holds 108 bytes with the NUL. */
    if (strlen(path) >= 108) {
        print_error("harness: %s is too long for an ipc endpoint; set a "
                    "shorter TMPDIR\n",
                    path);
        fail();
    }
    h_fmt(ep, cap, "ipc://%s", path);
}

void
h_finish(h_env_t *h)
{
    int st;
    /* Newest first: a gate stops before the collector it reads from. */
    for (int i = h->nprocs - 1; i >= 0; i--) {
        if (h->procs[i].daemon && h->procs[i].pid > 0) {
            h_stop(h, &h->procs[i]);
        }
    }
    for (int i = 0; i < h->nprocs; i++) {
        if (h->procs[i].pid > 0) {
            print_error("%s is still running\n", h->procs[i].name);
            fail();
        }
    }
    errno = 0;
    pid_t r = waitpid(-1, &st, WNOHANG);
    if (r != -1 || errno != ECHILD) {
        print_error("a child process the harness did not start is left "
                    "(waitpid: %ld)\n",
                    (long)r);
        fail();
    }
    h->passed = 1;
}
