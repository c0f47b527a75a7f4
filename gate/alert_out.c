/* Alert delivery: one worker thread takes deliveries off a bounded queue
 * and does them one at a time, so a webhook that never answers costs the
 * gate one thread's time, never a verdict's (docs/alerts.md). */
#include "alert_out.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sluice/clock.h"
#include "sluice/json.h"
#include "sluice/log.h"
#include "sluice/run.h"

extern char **environ;

typedef enum { JOB_WEBHOOK, JOB_COMMAND } job_kind_t;

/* One delivery, in one allocation: the struct, the target, the body. */
typedef struct job {
    struct job *next;
    job_kind_t kind;
    uint64_t timeout_ms;
    size_t len;
    const char *body; /* len bytes, after target */
    char target[];    /* the URL or the command, NUL-terminated */
} job_t;

struct gate_alerts {
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* a job was queued, or stop was set */
    job_t *head, *tail;
    size_t n, max;
    int stop;
    uint64_t delivered, failed, dropped;
    pthread_t worker;
};

/* What a log line names as the destination: a webhook URL's scheme and
 * host only, since its path and user info often carry a secret token. */
static const char *
dest_name(job_kind_t kind, const char *target, char *buf, size_t cap)
{
    if (kind == JOB_COMMAND) {
        return "command";
    }
    const char *sep = strstr(target, "://");
    if (sep == NULL) {
        return "webhook";
    }
    const char *host = sep + 3;
    size_t alen = strcspn(host, "/?#");
    const char *at = memchr(host, '@', alen);
    while (at != NULL) { /* the last '@' ends the user info */
        alen -= (size_t)(at + 1 - host);
        host = at + 1;
        at = memchr(host, '@', alen);
    }
    int n = snprintf(buf, cap, "webhook %.*s://%.*s", (int)(sep - target),
                     target, (int)alen, host);
    return n > 0 ? buf : "webhook";
}

/* A SIGPIPE raised by a write in this thread stays pending (the worker
 * blocks every signal); take it so it never reaches anyone. */
static void
eat_sigpipe(void)
{
    sigset_t s;
    struct timespec zero = {0, 0};
    (void)sigemptyset(&s);
    (void)sigaddset(&s, SIGPIPE);
    while (sigtimedwait(&s, NULL, &zero) > 0) {
    }
}

/* ---- webhook ---- */

typedef struct sink {
    size_t got;
    int cut;
} sink_t;

/* Discards the reply body; past GATE_ALERT_REPLY_MAX it ends the
 * transfer (CURLE_WRITE_ERROR), the status already read. */
static size_t
discard(char *p, size_t size, size_t nmemb, void *ud)
{
    sink_t *s = ud;
    size_t len = size * nmemb;
    (void)p;
    if (len > GATE_ALERT_REPLY_MAX - s->got) {
        s->cut = 1;
        return 0;
    }
    s->got += len;
    return len;
}

static int
set_options(CURL *c, const job_t *j, struct curl_slist *hdr, sink_t *sink,
            char *errbuf)
{
    long ms = (long)j->timeout_ms;
    const char *url = j->target; /* curl's type checks want a pointer */
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
    /* No signals from libcurl in a thread (its resolver timeouts). */
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
           CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                            (curl_off_t)j->len) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "sluice-gate") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, sink) != CURLE_OK;
    return bad ? SL_ESYS : SL_OK;
}

/* POSTs the body; 1 for a 2xx reply, else 0 with why filled. */
static int
post_webhook(const job_t *j, char *why, size_t cap)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    sink_t sink = {0, 0};
    CURL *c = curl_easy_init();
    struct curl_slist *hdr =
        curl_slist_append(NULL, "Content-Type: application/json");
    struct curl_slist *h2 = hdr ? curl_slist_append(hdr, "Expect:") : NULL;
    int ok = 0;
    if (c == NULL || h2 == NULL ||
        set_options(c, j, h2, &sink, errbuf) != SL_OK) {
        (void)snprintf(why, cap, "libcurl would not set up the request");
        goto done;
    }
    CURLcode res = curl_easy_perform(c);
    long status = 0;
    (void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (res != CURLE_OK && !(res == CURLE_WRITE_ERROR && sink.cut)) {
        (void)snprintf(why, cap, "%s",
                       errbuf[0] ? errbuf : curl_easy_strerror(res));
    } else if (status < 200 || status > 299) {
        (void)snprintf(why, cap, "HTTP status %ld", status);
    } else {
        ok = 1;
    }
done:
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return ok;
}

/* ---- command ---- */

static int
spawn_sh(const char *cmd, int in_fd, pid_t *pid)
{
    static const int dfl[] = {SIGPIPE, SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
                              SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM};
    char *argv[] = {(char *)(uintptr_t) "/bin/sh", (char *)(uintptr_t) "-c",
                    (char *)(uintptr_t)cmd, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, def;
    (void)sigemptyset(&none);
    (void)sigemptyset(&def);
    for (size_t i = 0; i < sizeof dfl / sizeof dfl[0]; i++) {
        (void)sigaddset(&def, dfl[i]);
    }
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0) {
        return rc;
    }
    rc = posix_spawnattr_init(&at);
    if (rc != 0) {
        (void)posix_spawn_file_actions_destroy(&fa);
        return rc;
    }
    /* stdin: the pipe; stdout joins stderr, the gate's log. Its own
     * process group, so a timeout kills whatever it started too. The
     * worker's mask blocks every signal: the child starts with none
     * blocked and the usual ones at their defaults. */
    rc = posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, 2, 1);
    rc = rc ? rc
            : posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
                                                POSIX_SPAWN_SETSIGMASK |
                                                POSIX_SPAWN_SETSIGDEF);
    rc = rc ? rc : posix_spawnattr_setpgroup(&at, 0);
    rc = rc ? rc : posix_spawnattr_setsigmask(&at, &none);
    rc = rc ? rc : posix_spawnattr_setsigdefault(&at, &def);
    rc = rc ? rc : posix_spawn(pid, "/bin/sh", &fa, &at, argv, environ);
    (void)posix_spawnattr_destroy(&at);
    (void)posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Writes the body to the command's stdin (non-blocking, so the deadline
 * holds). Returns 1 when the deadline passed first. A command that closes
 * its stdin early ends the writing (EPIPE): its exit status decides. */
static int
feed(int fd, const char *p, size_t len, int64_t deadline)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, p + off, len - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN) {
            eat_sigpipe();
            return 0;
        }
        int64_t left = deadline - sl_mono_ms();
        if (left <= 0) {
            return 1;
        }
        struct pollfd pfd = {fd, POLLOUT, 0};
        (void)poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
    }
    return 0;
}

/* Waits for pid until the deadline, then kills its process group and
 * reaps it: no zombie is left either way. Returns 1 when it was killed. */
static int
reap(pid_t pid, int64_t deadline, int late, int *status)
{
    long step_ms = 1;
    while (!late) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) {
            return r == pid ? 0 : -1;
        }
        int64_t left = deadline - sl_mono_ms();
        if (left <= 0) {
            break;
        }
        /* No portable way to wait for a child with a deadline: poll,
         * backing off to 50 ms. */
        long ms = step_ms < left ? step_ms : (long)left;
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        (void)nanosleep(&ts, NULL);
        step_ms = step_ms < 50 ? step_ms * 2 : 50;
    }
    (void)kill(-pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return 1;
}

/* Close-on-exec for both ends, non-blocking writes. 0 or an errno. */
static int
set_fd_flags(int fds[2])
{
    int bad = fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0;
    bad |= fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0;
    int fl = fcntl(fds[1], F_GETFL);
    bad |= fl < 0 || fcntl(fds[1], F_SETFL, fl | O_NONBLOCK) != 0;
    return !bad ? 0 : errno != 0 ? errno : EINVAL;
}

/* Runs /bin/sh -c target with the body on stdin; 1 for exit status 0,
 * else 0 with why filled. */
static int
run_command(const job_t *j, char *why, size_t cap)
{
    int fds[2];
    pid_t pid = -1;
    if (pipe(fds) != 0) {
        (void)snprintf(why, cap, "pipe: %s", strerror(errno));
        return 0;
    }
    int64_t deadline = sl_mono_ms() + (int64_t)j->timeout_ms;
    int rc = set_fd_flags(fds);
    rc = rc != 0 ? rc : spawn_sh(j->target, fds[0], &pid);
    rc = rc == 0 && pid <= 0 ? ECHILD : rc;
    (void)close(fds[0]);
    if (rc != 0) {
        (void)close(fds[1]);
        (void)snprintf(why, cap, "cannot start /bin/sh: %s", strerror(rc));
        return 0;
    }
    int late = feed(fds[1], j->body, j->len, deadline);
    (void)close(fds[1]);
    int status = 0;
    int killed = reap(pid, deadline, late, &status);
    if (killed < 0) {
        (void)snprintf(why, cap, "pid %ld: exit status lost: %s", (long)pid,
                       strerror(errno));
    } else if (killed) {
        (void)snprintf(why, cap, "pid %ld killed after the timeout (%llu ms)",
                       (long)pid, (unsigned long long)j->timeout_ms);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return 1;
    } else if (WIFEXITED(status)) {
        (void)snprintf(why, cap, "pid %ld exited %d", (long)pid,
                       WEXITSTATUS(status));
    } else {
        (void)snprintf(why, cap, "pid %ld killed by signal %d", (long)pid,
                       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    return 0;
}

/* ---- the queue and the worker ---- */

static int
deliver(const job_t *j)
{
    char why[CURL_ERROR_SIZE + 64] = "";
    char dest[160];
    int ok = j->kind == JOB_WEBHOOK ? post_webhook(j, why, sizeof why)
                                    : run_command(j, why, sizeof why);
    eat_sigpipe();
    if (ok) {
        SL_DEBUG("alert", "delivered to %s",
                 dest_name(j->kind, j->target, dest, sizeof dest));
    } else {
        SL_WARN("alert", "delivery to %s failed: %s",
                dest_name(j->kind, j->target, dest, sizeof dest), why);
    }
    return ok;
}

static void *
worker_main(void *arg)
{
    gate_alerts_t *a = arg;
    (void)pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->stop && a->head == NULL) {
            (void)pthread_cond_wait(&a->cv, &a->mu);
        }
        if (a->stop) {
            break;
        }
        job_t *j = a->head;
        a->head = j->next;
        a->tail = a->head ? a->tail : NULL;
        a->n--;
        (void)pthread_mutex_unlock(&a->mu);
        int ok = deliver(j);
        free(j);
        (void)pthread_mutex_lock(&a->mu);
        if (ok) {
            a->delivered++;
        } else {
            a->failed++;
        }
    }
    (void)pthread_mutex_unlock(&a->mu);
    return NULL;
}

int
gate_alerts_new(gate_alerts_t **out, size_t queue_max, sl_err_t *err)
{
    *out = NULL;
    gate_alerts_t *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return sl_err_set(err, SL_ENOMEM, "alerts: out of memory");
    }
    a->max = queue_max > 0 ? queue_max : 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(a);
        return sl_err_set(err, SL_ESYS, "alerts: libcurl would not start");
    }
    (void)pthread_mutex_init(&a->mu, NULL);
    (void)pthread_cond_init(&a->cv, NULL);
    /* The worker blocks every signal: SIGINT/SIGTERM stay with the main
     * thread, and a SIGPIPE it raises stays with it (eat_sigpipe). */
    sigset_t all, old;
    (void)sigfillset(&all);
    (void)pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&a->worker, NULL, worker_main, a);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        (void)pthread_cond_destroy(&a->cv);
        (void)pthread_mutex_destroy(&a->mu);
        curl_global_cleanup();
        free(a);
        return sl_err_set(err, SL_ESYS, "alerts: no thread: %s", strerror(rc));
    }
    *out = a;
    return SL_OK;
}

static job_t *
job_new(job_kind_t kind, const char *target, uint64_t timeout_ms,
        const char *json, size_t len)
{
    size_t tlen = strlen(target);
    job_t *j = malloc(sizeof *j + tlen + 1 + len);
    if (j == NULL) {
        return NULL;
    }
    j->next = NULL;
    j->kind = kind;
    j->timeout_ms = timeout_ms;
    j->len = len;
    memcpy(j->target, target, tlen + 1);
    memcpy(j->target + tlen + 1, json, len);
    j->body = j->target + tlen + 1;
    return j;
}

static void
enqueue(gate_alerts_t *a, job_kind_t kind, const char *target,
        uint64_t timeout_ms, const char *json, size_t len)
{
    char dest[160];
    const char *why = NULL;
    job_t *j = NULL;
    if (len > GATE_ALERT_BODY_MAX) {
        why = "the alert is over 1 MiB";
    } else {
        j = job_new(kind, target, timeout_ms, json, len);
        why = j == NULL ? "out of memory" : NULL;
    }
    (void)pthread_mutex_lock(&a->mu);
    if (j != NULL && (a->stop || a->n >= a->max)) {
        why = a->stop ? "stopping" : "the queue is full";
    }
    if (why == NULL) {
        *(a->tail ? &a->tail->next : &a->head) = j;
        a->tail = j;
        a->n++;
        (void)pthread_cond_signal(&a->cv);
        j = NULL;
    } else {
        a->dropped++;
    }
    size_t waiting = a->n;
    (void)pthread_mutex_unlock(&a->mu);
    if (why != NULL) {
        SL_WARN("alert", "delivery to %s dropped: %s (%zu waiting)",
                dest_name(kind, target, dest, sizeof dest), why, waiting);
    }
    free(j);
}

void
gate_alerts_post(gate_alerts_t *a, const char *webhook, const char *command,
                 uint64_t timeout_ms, const char *json, size_t len)
{
    if (a == NULL || json == NULL) {
        return;
    }
    if (timeout_ms == 0) {
        timeout_ms = GATE_ALERT_TIMEOUT_MS;
    }
    if (timeout_ms > GATE_ALERT_TIMEOUT_MAX_MS) {
        timeout_ms = GATE_ALERT_TIMEOUT_MAX_MS;
    }
    if (webhook != NULL && webhook[0] != '\0') {
        enqueue(a, JOB_WEBHOOK, webhook, timeout_ms, json, len);
    }
    if (command != NULL && command[0] != '\0') {
        enqueue(a, JOB_COMMAND, command, timeout_ms, json, len);
    }
}

void
gate_alerts_counts(gate_alerts_t *a, uint64_t *delivered, uint64_t *failed,
                   uint64_t *dropped)
{
    uint64_t n[3] = {0, 0, 0};
    if (a != NULL) {
        (void)pthread_mutex_lock(&a->mu);
        n[0] = a->delivered;
        n[1] = a->failed;
        n[2] = a->dropped;
        (void)pthread_mutex_unlock(&a->mu);
    }
    if (delivered != NULL) {
        *delivered = n[0];
    }
    if (failed != NULL) {
        *failed = n[1];
    }
    if (dropped != NULL) {
        *dropped = n[2];
    }
}

void
gate_alerts_destroy(gate_alerts_t **ap)
{
    gate_alerts_t *a = ap ? *ap : NULL;
    if (a == NULL) {
        return;
    }
    *ap = NULL;
    (void)pthread_mutex_lock(&a->mu);
    a->stop = 1;
    (void)pthread_cond_signal(&a->cv);
    (void)pthread_mutex_unlock(&a->mu);
    (void)pthread_join(a->worker, NULL);
    size_t left = 0;
    while (a->head != NULL) {
        job_t *j = a->head;
        a->head = j->next;
        free(j);
        left++;
    }
    a->dropped += left;
    if (left > 0) {
        SL_WARN("alert", "%zu queued deliveries dropped at shutdown", left);
    }
    SL_INFO("alert", "deliveries: %llu delivered, %llu failed, %llu dropped",
            (unsigned long long)a->delivered, (unsigned long long)a->failed,
            (unsigned long long)a->dropped);
    (void)pthread_cond_destroy(&a->cv);
    (void)pthread_mutex_destroy(&a->mu);
    curl_global_cleanup();
    free(a);
}

/* ---- the JSON body ---- */

static const char *
str(const char *s)
{
    return s != NULL ? s : "";
}

static void
gen_reason(yajl_gen g, const Sluice__V1__Reason *r)
{
    int base = r->has_baseline;
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "rule", str(r->rule));
    sl_json_kstr(g, "status", sl_verdict_name(r->status));
    sl_json_kstr(g, "subject", str(r->subject));
    sl_json_knum(g, "value", r->value, 1);
    sl_json_kstr(g, "unit", str(r->unit));
    sl_json_knum(g, "threshold", r->threshold, 1);
    sl_json_knum(g, "baseline", r->baseline, base);
    sl_json_knum(g, "baseline_spread", r->baseline_spread, base);
    sl_json_ku64(g, "baseline_n", r->baseline_n);
    sl_json_knum(g, "change_pct", r->change_pct, base);
    sl_json_kstr(g, "method", str(r->method));
    sl_json_kstr(g, "statistic", str(r->statistic));
    sl_json_knum(g, "statistic_value", r->statistic_value,
                 r->statistic != NULL && r->statistic[0] != '\0');
    sl_json_knum(g, "p_value", r->p_value, r->p_value != 0);
    sl_json_kstr(g, "message", str(r->message));
    (void)yajl_gen_map_close(g);
}

int
gate_alert_json(const Sluice__V1__Alert *a, const char *run_id, char **out,
                size_t *len)
{
    *out = NULL;
    *len = 0;
    yajl_gen g = sl_json_new(0);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "kind", str(a->kind));
    sl_json_kstr(g, "project", str(a->project));
    sl_json_kstr(g, "branch", str(a->branch));
    sl_json_kstr(g, "commit", str(a->commit));
    sl_json_kstr(g, "run_id", str(run_id));
    sl_json_kstr(g, "subject", str(a->subject));
    sl_json_kstr(g, "message", str(a->message));
    sl_json_str(g, "reason");
    if (a->reason != NULL) {
        gen_reason(g, a->reason);
    } else {
        (void)yajl_gen_null(g);
    }
    (void)yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t n;
    int rc = SL_ENOMEM;
    if (yajl_gen_get_buf(g, &buf, &n) == yajl_gen_status_ok) {
        *out = malloc(n + 2);
        if (*out != NULL) {
            memcpy(*out, buf, n);
            (*out)[n] = '\n'; /* one line: a command may append it to a
                                 JSON Lines file */
            (*out)[n + 1] = '\0';
            *len = n + 1;
            rc = SL_OK;
        }
    }
    yajl_gen_free(g);
    return rc;
}
