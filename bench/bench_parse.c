/* bench_parse: parse throughput of the artifact parsers on big files, beside
 * the raw limit each one is built on, in the same run:
 *
 * - XML formats: bare expat over the same file (no handlers: the limit of
 *   the library we parse with) and `xmllint --stream --noout` (libxml2's
 *   streaming reader, a child process, timed from spawn to exit);
 * - JSON formats: bare yajl with no callbacks;
 * - line formats (lcov, Go): read() plus memchr for every newline.
 *
 * Every figure is the median of --reps runs (default 5) after one warm-up
 * read that puts the file in the page cache. Then, with --push, the agent
 * pushes each file to a real collector and its peak RSS (wait4's
 * ru_maxrss) is printed: the memory promise of docs/formats.md.
 *
 *   bench_parse [--reps N] [--push] FILE...
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#include "bench.h"
#include "sluice/formats.h"

extern char **environ;

#define CHUNK (64u << 10)
/* posix_spawn takes char *const argv[]; nothing writes through them. */
#define ARG(s) ((char *)(uintptr_t)(s))
#define REPS_MAX 50

typedef double (*timed_fn)(const char *path, uint64_t *records);

static int
open_or_die(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "bench_parse: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    return fd;
}

static int
count_record(void *ctx, const sl_pb_event_t *ev)
{
    (void)ev;
    (*(uint64_t *)ctx)++;
    return SL_OK;
}

static const sl_format_t *bench_fmt_used;

/* Our parser, through the same entry point the agent uses. */
static double
run_ours(const char *path, uint64_t *records)
{
    sl_sink_t sink = {.ctx = records, .emit = count_record};
    sl_err_t err = {0};
    double t0 = bench_mono_s();
    int rc = sl_format_parse_file(path, bench_fmt_used, &sink, NULL, &err);
    double t = bench_mono_s() - t0;
    if (rc != SL_OK) {
        fprintf(stderr, "bench_parse: %s\n", sl_err_msg(&err, rc));
        exit(1);
    }
    return t;
}

static double
run_expat(const char *path, uint64_t *records)
{
    int fd = open_or_die(path);
    XML_Parser p = XML_ParserCreate(NULL);
    double t0 = bench_mono_s();
    for (;;) {
        void *buf = XML_GetBuffer(p, CHUNK);
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 || XML_ParseBuffer(p, (int)n, n == 0) != XML_STATUS_OK) {
            fprintf(stderr, "bench_parse: expat: %s\n", path);
            exit(1);
        }
        if (n == 0) {
            break;
        }
    }
    double t = bench_mono_s() - t0;
    XML_ParserFree(p);
    (void)close(fd);
    *records = 0;
    return t;
}

static double
run_yajl(const char *path, uint64_t *records)
{
    static const yajl_callbacks none = {0};
    int fd = open_or_die(path);
    unsigned char *buf = malloc(CHUNK);
    yajl_handle h = yajl_alloc(&none, NULL, NULL);
    double t0 = bench_mono_s();
    ssize_t n;
    while ((n = read(fd, buf, CHUNK)) > 0) {
        if (yajl_parse(h, buf, (size_t)n) != yajl_status_ok) {
            fprintf(stderr, "bench_parse: yajl: %s\n", path);
            exit(1);
        }
    }
    if (n < 0 || yajl_complete_parse(h) != yajl_status_ok) {
        fprintf(stderr, "bench_parse: yajl: %s\n", path);
        exit(1);
    }
    double t = bench_mono_s() - t0;
    yajl_free(h);
    free(buf);
    (void)close(fd);
    *records = 0;
    return t;
}

static double
run_lines(const char *path, uint64_t *records)
{
    int fd = open_or_die(path);
    char *buf = malloc(CHUNK);
    uint64_t lines = 0;
    double t0 = bench_mono_s();
    ssize_t n;
    while ((n = read(fd, buf, CHUNK)) > 0) {
        for (char *p = buf, *end = buf + n;
             (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
            lines++;
        }
    }
    double t = bench_mono_s() - t0;
    free(buf);
    (void)close(fd);
    *records = lines;
    return t;
}

/* Spawns argv with stdout and stderr to /dev/null; waits; returns the wall
 * time, and the child's peak RSS in KiB in *rss. Exits on failure. */
static double
run_child(char **argv, long *rss_kib, int *status)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double t0 = bench_mono_s();
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        fprintf(stderr, "bench_parse: %s: %s\n", argv[0], strerror(e));
        exit(1);
    }
    struct rusage ru;
    if (wait4(pid, status, 0, &ru) != pid) {
        perror("wait4");
        exit(1);
    }
    *rss_kib = ru.ru_maxrss;
    return bench_mono_s() - t0;
}

static double
run_xmllint(const char *path, uint64_t *records)
{
    char *argv[] = {ARG("xmllint"), ARG("--stream"), ARG("--noout"),
                    ARG(path), NULL};
    long rss;
    int status;
    double t = run_child(argv, &rss, &status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_parse: xmllint failed on %s\n", path);
        exit(1);
    }
    *records = 0;
    return t;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median seconds of reps runs of fn; prints "name: MB/s (s)". */
static double
measure(const char *name, timed_fn fn, const char *path, double mb, int reps,
        uint64_t *records)
{
    double t[REPS_MAX];
    for (int i = 0; i < reps; i++) {
        *records = 0;
        t[i] = fn(path, records);
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    double med = t[reps / 2];
    printf("  %-26s %8.1f MB/s   median %.3f s  (min %.3f, max %.3f)\n",
           name, mb / med, med, t[0], t[reps - 1]);
    return med;
}

static int
is_xml(const sl_format_t *f)
{
    return strcmp(f->name, "junit") == 0 || strcmp(f->name, "cobertura") == 0 ||
           strcmp(f->name, "jacoco") == 0;
}

static int
is_lines(const sl_format_t *f)
{
    return strcmp(f->name, "lcov") == 0 || strcmp(f->name, "gocover") == 0;
}

static void
bench_file(const char *path, int reps)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "bench_parse: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    sl_err_t err = {0};
    int rc = sl_format_detect_file(path, &bench_fmt_used, &err);
    if (rc != SL_OK) {
        fprintf(stderr, "bench_parse: %s\n", sl_err_msg(&err, rc));
        exit(2);
    }
    double mb = (double)st.st_size / 1e6;
    uint64_t records = 0, lines = 0;
    (void)run_lines(path, &lines); /* warm the page cache */
    printf("%s: %s, %.1f MB, %llu lines\n", path, bench_fmt_used->name, mb,
           (unsigned long long)lines);
    double ours = measure("sluice parser", run_ours, path, mb, reps, &records);
    printf("  records: %llu\n", (unsigned long long)records);
    uint64_t dummy;
    if (is_xml(bench_fmt_used)) {
        double ex = measure("bare expat (no handlers)", run_expat, path, mb,
                            reps, &dummy);
        double xl = measure("xmllint --stream --noout", run_xmllint, path, mb,
                            reps, &dummy);
        printf("  ratio sluice/bare expat: %.2f   sluice/xmllint --stream: "
               "%.2f\n", ex / ours, xl / ours);
    } else if (is_lines(bench_fmt_used)) {
        double ln = measure("read + memchr per line", run_lines, path, mb,
                            reps, &dummy);
        printf("  ratio sluice/read+memchr: %.2f\n", ln / ours);
    } else {
        double yj = measure("bare yajl (no callbacks)", run_yajl, path, mb,
                            reps, &dummy);
        printf("  ratio sluice/bare yajl: %.2f\n", yj / ours);
    }
    struct rusage ru;
    (void)getrusage(RUSAGE_SELF, &ru);
    printf("  bench_parse peak RSS so far: %.1f MiB\n",
           (double)ru.ru_maxrss / 1024.0);
}

/* Pushes path with the agent to a real collector on loopback and prints
 * the agent's peak RSS. */
static void
bench_push(const char *path, const char *dir)
{
    bench_coll_t c;
    char sub[BENCH_PATH_CAP];
    static int n;
    if (bench_fmt(sub, sizeof sub, "%s/coll-%d", dir, n++) != SL_OK ||
        mkdir(sub, 0700) != 0 || bench_coll_paths(&c, sub) != SL_OK ||
        bench_coll_spawn(&c, SL_COLLECTOR_PATH, "warn", 0, NULL) != SL_OK ||
        bench_coll_wait_ready(&c) != SL_OK) {
        fprintf(stderr, "bench_parse: cannot start the collector\n");
        exit(1);
    }
    char spool[BENCH_PATH_CAP];
    if (bench_fmt(spool, sizeof spool, "%s/spool", sub) != SL_OK) {
        exit(1);
    }
    char *argv[] = {ARG(SL_AGENT_PATH), ARG("push"), ARG("--collector"),
                    c.listen, ARG("--project"), ARG("bench"), ARG("--run-id"),
                    ARG("bench-push"), ARG("--spool"), spool,
                    ARG("--timeout"), ARG("60s"), ARG(path), NULL};
    long rss;
    int status;
    double t = run_child(argv, &rss, &status);
    int stop_status;
    if (bench_coll_stop(&c, &stop_status) != SL_OK) {
        fprintf(stderr, "bench_parse: the collector needed SIGKILL\n");
    }
    int ok = WIFEXITED(status) &&
             (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1);
    printf("%s: agent push %s in %.2f s, agent peak RSS %.1f MiB%s\n", path,
           ok ? "done" : "FAILED", t, (double)rss / 1024.0,
           rss < 64 * 1024 ? " (< 64 MiB)" : " (OVER 64 MiB)");
    if (!ok) {
        bench_coll_dump_log(&c);
        exit(1);
    }
}

int
main(int argc, char **argv)
{
    int reps = 5, push = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--push") == 0) {
            push = 1;
        } else {
            break;
        }
    }
    if (i == argc || reps < 1 || reps > REPS_MAX) {
        fprintf(stderr, "usage: bench_parse [--reps N (1-%d)] [--push] "
                        "FILE...\n", REPS_MAX);
        return 2;
    }
    for (int k = i; k < argc; k++) {
        bench_file(argv[k], reps);
    }
    if (push) {
        char dir[] = "/tmp/sl-bench-parse-XXXXXX";
        if (mkdtemp(dir) == NULL) {
            perror("mkdtemp");
            return 1;
        }
        for (int k = i; k < argc; k++) {
            bench_push(argv[k], dir);
        }
        bench_rm_rf(dir);
    }
    return 0;
}
