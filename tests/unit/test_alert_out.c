/* gate/alert_out.c against a real HTTP server (a thread on 127.0.0.1,
 * port 0) and real /bin/sh commands: the POST as it arrives, non-2xx and
 * redirects as failures, a dead webhook that never blocks a post, refused
 * connections, queue drops, the command's stdin, its timeout kill (with its
 * process group) and exit status, and no zombie left. Every assertion is
 * on counts and bytes; waits have generous deadlines and never decide. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert_out.h"
#include "sluice/clock.h"

#define WAIT_MS 20000 /* a deadline for things that take milliseconds */
#define REQ_MAX (4u << 20)

/* ---- the HTTP server ---- */

typedef struct srv {
    int lfd;
    int wake[2]; /* a byte here ends the thread */
    uint16_t port;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int status;  /* the reply's status; 0: hold the connection, no reply */
    int release; /* a held connection is let go (closed, no reply) */
    int stop;
    size_t requests; /* requests read whole */
    char line[256];  /* the last request's line */
    char head[8192]; /* the last request's header lines */
    char *body;      /* the last request's body */
    size_t body_len;
} srv_t;

/* Reads from fd into buf until want bytes or the peer stops; -1 when the
 * server is told to stop first. */
static ssize_t
read_some(srv_t *s, int fd, char *buf, size_t cap)
{
    struct pollfd p[2] = {{fd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0 || (p[1].revents & POLLIN)) {
        return -1;
    }
    return read(fd, buf, cap);
}

/* The value of header name in head (0 when absent). */
static size_t
header_num(const char *head, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *p = head; p != NULL && *p; p = strchr(p, '\n')) {
        p += *p == '\n';
        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            return (size_t)strtoul(p + nlen + 1, NULL, 10);
        }
    }
    return 0;
}

/* Reads one request: line, headers, Content-Length bytes of body. */
static int
read_request(srv_t *s, int fd, char *buf, size_t *used, char **body_at)
{
    char *end = NULL;
    while (end == NULL) {
        if (*used >= REQ_MAX) {
            return -1;
        }
        ssize_t n = read_some(s, fd, buf + *used, REQ_MAX - *used);
        if (n <= 0) {
            return -1;
        }
        *used += (size_t)n;
        buf[*used] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    *body_at = end + 4;
    size_t want = header_num(buf, "Content-Length");
    while ((size_t)(buf + *used - *body_at) < want) {
        ssize_t n = read_some(s, fd, buf + *used, REQ_MAX - *used);
        if (n <= 0) {
            return -1;
        }
        *used += (size_t)n;
    }
    return (int)want;
}

static void
record(srv_t *s, const char *buf, const char *body, size_t blen)
{
    const char *eol = strstr(buf, "\r\n");
    size_t llen = (size_t)(eol - buf);
    (void)snprintf(s->line, sizeof s->line, "%.*s", (int)llen, buf);
    (void)snprintf(s->head, sizeof s->head, "%.*s", (int)(body - 2 - (eol + 2)),
                   eol + 2);
    free(s->body);
    s->body = malloc(blen + 1);
    if (s->body != NULL) {
        memcpy(s->body, body, blen);
        s->body[blen] = '\0';
    }
    s->body_len = blen;
    s->requests++;
}

static void
answer(srv_t *s, int fd)
{
    char reply[256];
    int n = snprintf(reply, sizeof reply,
                     "HTTP/1.1 %d X\r\nContent-Length: 2\r\n"
                     "Location: http://127.0.0.1:%u/elsewhere\r\n"
                     "Connection: close\r\n\r\nok",
                     s->status, (unsigned)s->port);
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(fd, reply + off, (size_t)n - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
}

static void
serve_one(srv_t *s, int fd, char *buf)
{
    size_t used = 0;
    char *body = NULL;
    int blen = read_request(s, fd, buf, &used, &body);
    if (blen < 0) {
        return;
    }
    (void)pthread_mutex_lock(&s->mu);
    record(s, buf, body, (size_t)blen);
    (void)pthread_cond_broadcast(&s->cv);
    while (s->status == 0 && !s->release && !s->stop) {
        (void)pthread_cond_wait(&s->cv, &s->mu);
    }
    int status = s->status, held = s->release;
    s->release = 0;
    (void)pthread_mutex_unlock(&s->mu);
    if (status != 0 && !held) {
        answer(s, fd);
    }
}

static void *
srv_main(void *arg)
{
    srv_t *s = arg;
    char *buf = malloc(REQ_MAX + 1);
    for (;;) {
        struct pollfd p[2] = {{s->lfd, POLLIN, 0}, {s->wake[0], POLLIN, 0}};
        if (buf == NULL || poll(p, 2, -1) < 0 || (p[1].revents & POLLIN)) {
            break;
        }
        int fd = accept(s->lfd, NULL, NULL);
        if (fd >= 0) {
            serve_one(s, fd, buf);
            (void)close(fd);
        }
    }
    free(buf);
    return NULL;
}

static srv_t *
srv_start(int status)
{
    srv_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->status = status;
    struct sockaddr_in sa = {0};
    socklen_t slen = sizeof sa;
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(s->lfd, 64), 0);
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &slen), 0);
    s->port = ntohs(sa.sin_port);
    assert_int_equal(pipe(s->wake), 0);
    assert_int_equal(pthread_mutex_init(&s->mu, NULL), 0);
    assert_int_equal(pthread_cond_init(&s->cv, NULL), 0);
    assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
    return s;
}

static void
srv_stop(srv_t **sp)
{
    srv_t *s = *sp;
    (void)pthread_mutex_lock(&s->mu);
    s->stop = 1;
    (void)pthread_cond_broadcast(&s->cv);
    (void)pthread_mutex_unlock(&s->mu);
    assert_int_equal(write(s->wake[1], "x", 1), 1);
    assert_int_equal(pthread_join(s->th, NULL), 0);
    (void)close(s->lfd);
    (void)close(s->wake[0]);
    (void)close(s->wake[1]);
    (void)pthread_cond_destroy(&s->cv);
    (void)pthread_mutex_destroy(&s->mu);
    free(s->body);
    free(s);
    *sp = NULL;
}

/* Waits (deadline) until the server has read n requests. */
static void
srv_wait(srv_t *s, size_t n)
{
    int64_t end = sl_mono_ms() + WAIT_MS;
    (void)pthread_mutex_lock(&s->mu);
    while (s->requests < n && sl_mono_ms() < end) {
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        (void)pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    size_t got = s->requests;
    (void)pthread_mutex_unlock(&s->mu);
    assert_true(got >= n);
}

static void
srv_set(srv_t *s, int status, int release)
{
    (void)pthread_mutex_lock(&s->mu);
    s->status = status;
    s->release = release;
    (void)pthread_cond_broadcast(&s->cv);
    (void)pthread_mutex_unlock(&s->mu);
}

static char *
url_of(const srv_t *s, char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "http://127.0.0.1:%u/hook/secret-token",
                   (unsigned)s->port);
    return buf;
}

/* ---- helpers ---- */

typedef struct fixture {
    char dir[64];
} fixture_t;

typedef struct counts {
    uint64_t delivered, failed, dropped;
} counts_t;

static counts_t
counts(gate_alerts_t *a)
{
    counts_t c;
    gate_alerts_counts(a, &c.delivered, &c.failed, &c.dropped);
    return c;
}

/* Waits (deadline) until n deliveries have ended, delivered or failed. */
static counts_t
wait_done(gate_alerts_t *a, uint64_t n)
{
    int64_t end = sl_mono_ms() + WAIT_MS;
    counts_t c = counts(a);
    while (c.delivered + c.failed < n && sl_mono_ms() < end) {
        struct timespec ts = {0, 5 * 1000000L};
        (void)nanosleep(&ts, NULL);
        c = counts(a);
    }
    assert_true(c.delivered + c.failed >= n);
    return c;
}

static gate_alerts_t *
alerts_new(size_t queue_max)
{
    gate_alerts_t *a = NULL;
    assert_int_equal(gate_alerts_new(&a, queue_max, NULL), SL_OK);
    assert_non_null(a);
    return a;
}

/* No child of this process is left: every command was reaped. */
static void
assert_no_child(void)
{
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static char *
path_in(const fixture_t *f, const char *name, char *buf)
{
    (void)snprintf(buf, 256, "%s/%s", f->dir, name);
    return buf;
}

/* The file's bytes (the caller frees); NULL when absent. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    (void)fclose(fp);
    *len = n;
    return buf;
}

static const char *const ALERT =
    "{\"kind\":\"regression\",\"project\":\"demo\"}";

/* ---- webhook ---- */

static void
test_webhook_posts_json(void **state)
{
    (void)state;
    srv_t *s = srv_start(200);
    gate_alerts_t *a = alerts_new(8);
    char url[128];
    gate_alerts_post(a, url_of(s, url, sizeof url), NULL, 5000, ALERT,
                     strlen(ALERT));
    counts_t c = wait_done(a, 1);
    assert_int_equal(c.delivered, 1);
    assert_int_equal(c.failed, 0);
    assert_int_equal(c.dropped, 0);
    (void)pthread_mutex_lock(&s->mu);
    assert_string_equal(s->line, "POST /hook/secret-token HTTP/1.1");
    assert_int_equal(header_num(s->head, "Content-Length"), strlen(ALERT));
    assert_non_null(strstr(s->head, "Content-Type: application/json\r\n"));
    assert_null(strstr(s->head, "Expect:"));
    assert_int_equal(s->body_len, strlen(ALERT));
    assert_memory_equal(s->body, ALERT, strlen(ALERT));
    (void)pthread_mutex_unlock(&s->mu);
    gate_alerts_destroy(&a);
    assert_null(a);
    srv_stop(&s);
}

/* A 500 and a redirect both fail; the redirect is not followed. */
static void
test_webhook_non_2xx_fails(void **state)
{
    (void)state;
    srv_t *s = srv_start(500);
    gate_alerts_t *a = alerts_new(8);
    char url[128];
    gate_alerts_post(a, url_of(s, url, sizeof url), "", 5000, ALERT,
                     strlen(ALERT));
    counts_t c = wait_done(a, 1);
    assert_int_equal(c.delivered, 0);
    assert_int_equal(c.failed, 1);
    srv_set(s, 302, 0);
    gate_alerts_post(a, url, NULL, 5000, ALERT, strlen(ALERT));
    c = wait_done(a, 2);
    assert_int_equal(c.delivered, 0);
    assert_int_equal(c.failed, 2);
    gate_alerts_destroy(&a);
    (void)pthread_mutex_lock(&s->mu);
    assert_int_equal(s->requests, 2); /* nothing went to the Location */
    assert_string_equal(s->line, "POST /hook/secret-token HTTP/1.1");
    (void)pthread_mutex_unlock(&s->mu);
    srv_stop(&s);
}

/* A webhook that accepts and never answers: 20 posts all return, the one
 * under way times out (failed), the rest are failed or dropped. */
static void
test_webhook_dead_never_blocks(void **state)
{
    (void)state;
    srv_t *s = srv_start(0);
    gate_alerts_t *a = alerts_new(4);
    char url[128];
    (void)url_of(s, url, sizeof url);
    gate_alerts_post(a, url, NULL, 300, ALERT, strlen(ALERT));
    srv_wait(s, 1); /* the worker is now stuck in it */
    for (int i = 1; i < 20; i++) {
        gate_alerts_post(a, url, NULL, 300, ALERT, strlen(ALERT));
    }
    counts_t c = counts(a);
    assert_int_equal(c.delivered, 0);
    /* Whatever the timing: at most one under way and 4 queued. */
    assert_true(c.dropped + c.failed >= 20 - 1 - 4);
    c = wait_done(a, 1); /* the timeout fired */
    assert_true(c.failed >= 1);
    gate_alerts_destroy(&a);
    srv_stop(&s);
}

/* A queue of 1 behind a held delivery: 2 of 3 more are dropped; the held
 * one fails when the server closes it unanswered, the queued one is
 * delivered. */
static void
test_queue_overflow_drops_newest(void **state)
{
    (void)state;
    srv_t *s = srv_start(0);
    gate_alerts_t *a = alerts_new(1);
    char url[128];
    (void)url_of(s, url, sizeof url);
    gate_alerts_post(a, url, NULL, 60000, "1", 1);
    srv_wait(s, 1);
    gate_alerts_post(a, url, NULL, 60000, "2", 1);
    gate_alerts_post(a, url, NULL, 60000, "3", 1);
    gate_alerts_post(a, url, NULL, 60000, "4", 1);
    counts_t c = counts(a);
    assert_int_equal(c.dropped, 2);
    assert_int_equal(c.delivered + c.failed, 0);
    srv_set(s, 200, 1);
    c = wait_done(a, 2);
    assert_int_equal(c.failed, 1);
    assert_int_equal(c.delivered, 1);
    assert_int_equal(c.dropped, 2);
    gate_alerts_destroy(&a);
    (void)pthread_mutex_lock(&s->mu);
    assert_string_equal(s->body, "2"); /* the older one was kept */
    (void)pthread_mutex_unlock(&s->mu);
    srv_stop(&s);
}

/* A closed port (bound, not listening, so nothing else takes it), and
 * schemes other than http/https, fail. */
static void
test_webhook_refused_and_schemes(void **state)
{
    (void)state;
    struct sockaddr_in sa = {0};
    socklen_t slen = sizeof sa;
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &slen), 0);
    char url[128];
    (void)snprintf(url, sizeof url, "http://127.0.0.1:%u/",
                   (unsigned)ntohs(sa.sin_port));
    gate_alerts_t *a = alerts_new(8);
    gate_alerts_post(a, url, NULL, 5000, ALERT, strlen(ALERT));
    gate_alerts_post(a, "file:///etc/hostname", NULL, 5000, ALERT,
                     strlen(ALERT));
    (void)snprintf(url, sizeof url, "ftp://127.0.0.1:%u/",
                   (unsigned)ntohs(sa.sin_port));
    gate_alerts_post(a, url, NULL, 5000, ALERT, strlen(ALERT));
    gate_alerts_post(a, "not a url", NULL, 5000, ALERT, strlen(ALERT));
    counts_t c = wait_done(a, 4);
    assert_int_equal(c.delivered, 0);
    assert_int_equal(c.failed, 4);
    gate_alerts_destroy(&a);
    (void)close(fd);
}

/* Nothing to deliver to is no delivery; an oversized body is dropped. */
static void
test_post_edges(void **state)
{
    (void)state;
    gate_alerts_t *a = alerts_new(8);
    gate_alerts_post(a, NULL, NULL, 0, ALERT, strlen(ALERT));
    gate_alerts_post(a, "", "", 0, ALERT, strlen(ALERT));
    char *big = calloc(1, GATE_ALERT_BODY_MAX + 1);
    assert_non_null(big);
    gate_alerts_post(a, NULL, "cat >/dev/null", 0, big,
                     GATE_ALERT_BODY_MAX + 1);
    free(big);
    counts_t c = counts(a);
    assert_int_equal(c.delivered + c.failed, 0);
    assert_int_equal(c.dropped, 1);
    gate_alerts_destroy(&a);
    gate_alerts_destroy(&a); /* NULL-safe */
    gate_alerts_post(NULL, "http://x/", NULL, 0, ALERT, strlen(ALERT));
}

/* ---- command ---- */

/* One post with a webhook and a command: both get the same bytes (a body
 * larger than a pipe's buffer, so the stdin is written in parts). */
static void
test_command_gets_json_on_stdin(void **state)
{
    fixture_t *f = *state;
    char out[256], cmd[300], url[128];
    (void)snprintf(cmd, sizeof cmd, "cat > '%s'", path_in(f, "out.json", out));
    size_t len = 300000;
    char *body = malloc(len);
    assert_non_null(body);
    for (size_t i = 0; i < len; i++) {
        body[i] = (char)('a' + i % 26);
    }
    srv_t *s = srv_start(204);
    gate_alerts_t *a = alerts_new(8);
    gate_alerts_post(a, url_of(s, url, sizeof url), cmd, 10000, body, len);
    counts_t c = wait_done(a, 2);
    assert_int_equal(c.delivered, 2);
    gate_alerts_destroy(&a);
    size_t got = 0;
    char *file = slurp(out, &got);
    assert_non_null(file);
    assert_int_equal(got, len);
    assert_memory_equal(file, body, len);
    srv_t *keep = s;
    (void)pthread_mutex_lock(&keep->mu);
    int same = keep->body_len == len && memcmp(keep->body, body, len) == 0;
    (void)pthread_mutex_unlock(&keep->mu);
    assert_true(same);
    free(file);
    free(body);
    srv_stop(&s);
    assert_no_child();
}

/* A command that exits without reading a 1 MiB stdin is delivered (exit
 * 0), and the SIGPIPE of the write does not kill the process. */
static void
test_command_ignoring_stdin(void **state)
{
    (void)state;
    char *body = calloc(1, GATE_ALERT_BODY_MAX);
    assert_non_null(body);
    gate_alerts_t *a = alerts_new(8);
    gate_alerts_post(a, NULL, "exit 0", 10000, body, GATE_ALERT_BODY_MAX);
    gate_alerts_post(a, NULL, "exit 3", 10000, body, GATE_ALERT_BODY_MAX);
    gate_alerts_post(a, NULL, "kill -TERM $$", 10000, ALERT, strlen(ALERT));
    counts_t c = wait_done(a, 3);
    assert_int_equal(c.delivered, 1);
    assert_int_equal(c.failed, 2);
    gate_alerts_destroy(&a);
    free(body);
    assert_no_child();
}

/* Waits (deadline) for a file to appear and returns the number in it. */
static long
wait_pid_file(const char *path)
{
    int64_t end = sl_mono_ms() + WAIT_MS;
    struct stat st;
    while (stat(path, &st) != 0 && sl_mono_ms() < end) {
        struct timespec ts = {0, 5 * 1000000L};
        (void)nanosleep(&ts, NULL);
    }
    size_t len = 0;
    char *text = slurp(path, &len);
    assert_non_null(text);
    long pid = strtol(text, NULL, 10);
    free(text);
    assert_true(pid > 1);
    return pid;
}

/* Whether pid is gone or a zombie (killed; someone else reaps it). */
static int
dead(long pid)
{
    char path[64], buf[256];
    (void)snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return 1;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    (void)fclose(fp);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren != NULL && close_paren[1] == ' ' &&
           (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

/* A command past its timeout is killed with its process group (the
 * background sleep it started dies too) and counted failed. The timeouts
 * of 2 s here leave the shell ample time to write its pid file first. */
static void
test_command_timeout_kills_group(void **state)
{
    fixture_t *f = *state;
    char pidf[256], cmd[1024];
    (void)snprintf(cmd, sizeof cmd,
                   "sleep 60 & echo $! > '%s.tmp'; mv '%s.tmp' '%s'; wait",
                   path_in(f, "pid", pidf), pidf, pidf);
    gate_alerts_t *a = alerts_new(8);
    gate_alerts_post(a, NULL, cmd, 2000, ALERT, strlen(ALERT));
    counts_t c = wait_done(a, 1);
    assert_int_equal(c.delivered, 0);
    assert_int_equal(c.failed, 1);
    gate_alerts_destroy(&a);
    assert_no_child();
    long pid = wait_pid_file(pidf);
    int64_t end = sl_mono_ms() + WAIT_MS;
    while (!dead(pid) && sl_mono_ms() < end) {
        struct timespec ts = {0, 5 * 1000000L};
        (void)nanosleep(&ts, NULL);
    }
    assert_true(dead(pid));
}

/* Destroy with a command under way and more queued: the one under way
 * gets its timeout (killed: a 60 s sleep would outlast the test's own
 * limit), the queued ones are dropped, nothing is left running. */
static void
test_destroy_drops_queue(void **state)
{
    fixture_t *f = *state;
    char pidf[256], cmd[1024];
    (void)snprintf(cmd, sizeof cmd,
                   "echo $$ > '%s.tmp'; mv '%s.tmp' '%s'; sleep 60",
                   path_in(f, "started", pidf), pidf, pidf);
    (void)unlink(pidf);
    gate_alerts_t *a = alerts_new(8);
    for (int i = 0; i < 4; i++) {
        gate_alerts_post(a, NULL, cmd, 2000, ALERT, strlen(ALERT));
    }
    long pid = wait_pid_file(pidf);
    gate_alerts_destroy(&a);
    assert_no_child();
    assert_true(dead(pid));
}

/* ---- the JSON body ---- */

static void
test_alert_json(void **state)
{
    (void)state;
    Sluice__V1__Alert al;
    Sluice__V1__Reason r;
    sluice__v1__alert__init(&al);
    sluice__v1__reason__init(&r);
    al.kind = (char *)(uintptr_t) "regression";
    al.project = (char *)(uintptr_t) "demo";
    al.branch = (char *)(uintptr_t) "main";
    al.commit = (char *)(uintptr_t) "abc123";
    al.subject = (char *)(uintptr_t) "BM_parse";
    al.message = (char *)(uintptr_t) "slower by 12.5% \xff";
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(gate_alert_json(&al, "run-7", &json, &len), SL_OK);
    assert_string_equal(
        json, "{\"kind\":\"regression\",\"project\":\"demo\",\"branch\":"
              "\"main\",\"commit\":\"abc123\",\"run_id\":\"run-7\","
              "\"subject\":\"BM_parse\",\"message\":\"slower by 12.5% ?\","
              "\"reason\":null}\n");
    assert_int_equal(len, strlen(json));
    free(json);
    r.rule = (char *)(uintptr_t) "perf.fail_pct";
    r.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    r.subject = (char *)(uintptr_t) "BM_parse";
    r.value = 112.5;
    r.unit = (char *)(uintptr_t) "ns";
    r.threshold = 10;
    r.baseline = 100;
    r.has_baseline = 1;
    r.baseline_spread = 1.5;
    r.baseline_n = 5;
    r.change_pct = 12.5;
    r.method = (char *)(uintptr_t) "welch";
    r.statistic = (char *)(uintptr_t) "t";
    r.statistic_value = 8.25;
    r.p_value = 0.001;
    r.message = (char *)(uintptr_t) "12.5% slower";
    al.reason = &r;
    al.message = (char *)(uintptr_t) "";
    assert_int_equal(gate_alert_json(&al, "run-7", &json, &len), SL_OK);
    assert_string_equal(
        json, "{\"kind\":\"regression\",\"project\":\"demo\",\"branch\":"
              "\"main\",\"commit\":\"abc123\",\"run_id\":\"run-7\",\"subject\":"
              "\"BM_parse\",\"message\":\"\",\"reason\":{\"rule\":"
              "\"perf.fail_pct\",\"status\":\"fail\",\"subject\":"
              "\"BM_parse\",\"value\":112.5,\"unit\":\"ns\",\"threshold\":"
              "10,\"baseline\":100,\"baseline_spread\":1.5,\"baseline_n\":"
              "5,\"change_pct\":12.5,\"method\":\"welch\",\"statistic\":"
              "\"t\",\"statistic_value\":8.25,\"p_value\":0.001,"
              "\"message\":\"12.5% slower\"}}\n");
    free(json);
    /* Without a baseline or a statistic, their figures are null. */
    r.has_baseline = 0;
    r.statistic = (char *)(uintptr_t) "";
    r.p_value = 0;
    assert_int_equal(gate_alert_json(&al, NULL, &json, &len), SL_OK);
    assert_non_null(strstr(json, "\"run_id\":\"\","));
    assert_non_null(strstr(json, "\"baseline\":null,\"baseline_spread\":"
                                 "null,\"baseline_n\":5,\"change_pct\":"
                                 "null"));
    assert_non_null(strstr(json, "\"statistic_value\":null,\"p_value\":"
                                 "null"));
    free(json);
}

static int
group_setup(void **state)
{
    static const char *const proxies[] = {
        "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
    };
    /* The test server is on loopback: no proxy from the environment. */
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++) {
        (void)unsetenv(proxies[i]);
    }
    fixture_t *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    (void)snprintf(f->dir, sizeof f->dir, "%s/sl-alert-XXXXXX",
                   tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
group_teardown(void **state)
{
    fixture_t *f = *state;
    static const char *const names[] = {"out.json", "pid", "pid.tmp", "started",
                                        "started.tmp"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        (void)unlink(path_in(f, names[i], path));
    }
    int rc = rmdir(f->dir);
    free(f);
    return rc;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_json),
        cmocka_unit_test(test_webhook_posts_json),
        cmocka_unit_test(test_webhook_non_2xx_fails),
        cmocka_unit_test(test_webhook_dead_never_blocks),
        cmocka_unit_test(test_queue_overflow_drops_newest),
        cmocka_unit_test(test_webhook_refused_and_schemes),
        cmocka_unit_test(test_post_edges),
        cmocka_unit_test(test_command_gets_json_on_stdin),
        cmocka_unit_test(test_command_ignoring_stdin),
        cmocka_unit_test(test_command_timeout_kills_group),
        cmocka_unit_test(test_destroy_drops_queue),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
