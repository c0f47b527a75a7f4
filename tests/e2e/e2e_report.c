/* Scenario: `sluice report` over runs pushed through the real collector and
 * gate. Project "web" on main: seven runs with JUnit, lcov or Cobertura,
 * the hyperfine fixture, a BMF file whose benchmark name holds
 * markup, clang's SARIF, and a generated hyperfine file whose "work" is
 * 10 ms in runs 1-6 and 13 ms in run 7 (the gate flags it: bench.regression); run 4 fails a
 * test and run 5, on the same commit, passes it (tests.flaky). The report
 * is one HTML file with its SVG charts, the project and benchmark names,
 * the flagged point, the verdicts, the markup escaped, nothing loaded from
 * outside and no script. A project with no runs: exit status 2, no file.
 * Then, when Debian's chromium is installed, the file is opened headless:
 * its DOM (--dump-dom) holds the charts, the page logs no console message,
 * and its screenshot is kept as ${CMAKE_BINARY_DIR}/artifacts/report.png
 * (with report.html beside it). Without chromium the test checks the HTML,
 * says that the browser part was skipped and exits 77 (ctest: skipped). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WAIT            "--wait=20"
#define FIX(dir, name)  SL_SOURCE_DIR "/tests/fixtures/" dir "/" name
#define SKIP_RC         77
#define BROWSER_SECONDS 90

/* A string as posix_spawn's char * argv takes it. */
#define S(lit) ((char *)(uintptr_t)(lit))

static int browser_skipped;

/* A hyperfine file: one command, "work", 10 samples within 2% of mean. */
static void
hyperfine(h_env_t *h, const char *name, double mean, char *path)
{
    static const double shape[10] = {-0.02, 0.01,   0.0,   0.015,  -0.01,
                                     0.02,  -0.015, 0.005, -0.005, 0.0};
    FILE *f = fopen(h_path(h, name, path), "w");
    assert_non_null(f);
    fprintf(f, "{\"results\": [{\"command\": \"work\", \"mean\": %.9f, "
               "\"stddev\": %.9f, \"median\": %.9f, \"min\": %.9f, \"max\": "
               "%.9f, \"times\": [",
            mean, mean * 0.013, mean, mean * 0.98, mean * 1.02);
    for (int i = 0; i < 10; i++) {
        fprintf(f, "%s%.9f", i ? ", " : "", mean * (1 + shape[i]));
    }
    fprintf(f, "]}]}\n");
    assert_int_equal(fclose(f), 0);
}

/* A BMF file whose benchmark name is markup: the report must escape it. */
static void
bmf_markup(h_env_t *h, double value, char *path)
{
    FILE *f = fopen(h_path(h, "markup.json", path), "w");
    assert_non_null(f);
    fprintf(f, "{\"<img src=x onerror=alert(1)>&\\\"'\": {\"latency\": "
               "{\"value\": %.3f}}}\n",
            value);
    assert_int_equal(fclose(f), 0);
}

static void
push(h_env_t *h, const h_proc_t *c, int i, const char *junit,
     const char *commit)
{
    char id[16], work[H_PATH], name[32], markup[H_PATH];
    (void)snprintf(id, sizeof id, "web-%d", i);
    (void)snprintf(name, sizeof name, "work-%d.json", i);
    hyperfine(h, name, i == 7 ? 0.013 : 0.010, work);
    bmf_markup(h, 50.0 + i, markup);
    const char *cov = i % 2 ? FIX("lcov", "geninfo.info")
                            : FIX("cobertura", "cobertura.xml");
    const h_result_t *r = h_agent(
        h, "push", "--collector", c->listen, "--project", "web", "--branch",
        "main", "--commit", commit, "--run-id", id, WAIT, junit, cov,
        FIX("sarif", "clang.sarif"), FIX("bench", "hyperfine.json"),
        work, markup, NULL);
    if (r->status != 0 && r->status != 1) {
        print_error("push %s: status %d\n%s%s", id, r->status, r->out, r->err);
        fail();
    }
}

static size_t
count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p != NULL;
         p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void
assert_absent(const char *html, const char *needle)
{
    if (strstr(html, needle) != NULL) {
        print_error("the report holds \"%s\"\n", needle);
        fail();
    }
}

static void
check_html(const char *html)
{
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    h_assert_contains(html, "<title>sluice report: web (main)</title>");
    h_assert_contains(html, "<h1>sluice report: web</h1>");
    /* the benchmarks: hyperfine's fixture, "work" with its band and the
     * red point of web-7, the markup name escaped */
    h_assert_contains(html, "<h3>work (s, lower is better)</h3>");
    h_assert_contains(html, "baseline band");
    h_assert_contains(html, "1 run(s) flagged by their verdict");
    h_assert_contains(html, "<circle class=\"flagged\"");
    h_assert_contains(html, "web-7: 0.013 (flagged by its verdict)");
    h_assert_contains(html, "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;"
                            "&#39;/latency");
    assert_absent(html, "<img");
    /* a chart per benchmark, coverage, failure and flake rates */
    assert_true(count(html, "<svg") >= 5);
    assert_int_equal(count(html, "<svg"), count(html, "</svg>"));
    h_assert_contains(html, "line coverage %");
    h_assert_contains(html, "flake rate %");
    /* the slowest tests of web-7 and the latest verdicts */
    h_assert_contains(html, "<h2 id=\"slowest\">Slowest tests</h2>\n<p "
                            "class=\"note\">Of run <code>web-7</code>");
    h_assert_contains(html, "<td class=\"fail\">fail</td>");
    h_assert_contains(html, "<code>bench.regression</code> work:");
    h_assert_contains(html, "tests.flaky");
    /* self-contained: nothing fetched, no script */
    assert_absent(html, "http://");
    assert_absent(html, "https://");
    assert_absent(html, "<script");
    assert_absent(html, "<link");
    assert_absent(html, "url(");
}

/* ---- the browser ------------------------------------------------------- */

static const char *
find_chromium(void)
{
    static const char *const paths[] = {"/usr/bin/chromium",
                                        "/usr/bin/chromium-browser", NULL};
    for (size_t i = 0; paths[i] != NULL; i++) {
        if (access(paths[i], X_OK) == 0) {
            return paths[i];
        }
    }
    return NULL;
}

/* Chromium's crash handlers leave its process group (setsid); the
 * harness is a subreaper, so they end up our children. Kills and reaps
 * every child of ours that the harness did not start. */
static void
reap_strays(const h_env_t *h)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        char path[300], buf[512];
        if (e->d_name[0] < '1' || e->d_name[0] > '9') {
            continue;
        }
        (void)snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        size_t n = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f != NULL) {
            (void)fclose(f);
        }
        buf[n] = '\0';
        /* "pid (comm) state ppid ...": comm may hold anything but ')' */
        const char *rp = strrchr(buf, ')');
        long pid = strtol(e->d_name, NULL, 10);
        if (rp == NULL || strlen(rp) < 5 ||
            strtol(rp + 4, NULL, 10) != (long)getpid()) {
            continue;
        }
        int ours = 0;
        for (int i = 0; i < h->nprocs; i++) {
            ours |= h->procs[i].pid == (pid_t)pid;
        }
        if (!ours) {
            (void)kill((pid_t)pid, SIGKILL);
            (void)waitpid((pid_t)pid, NULL, 0);
        }
    }
    assert_int_equal(closedir(d), 0);
}

/* Runs chromium with argv (its output to out), in a process group of its
 * own that is killed whole afterwards, so that no helper process of it
 * outlives the call. Returns its exit status. */
static int
run_browser(h_env_t *h, char *const *argv, const char *out)
{
    char home[H_PATH], env_home[H_PATH + 8];
    (void)snprintf(env_home, sizeof env_home, "HOME=%s",
                   h_path(h, "chromium-home", home));
    (void)mkdir(home, 0700);
    char *envp[] = {env_home, S("LANG=C.UTF-8"), NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(
                         &fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600),
                     0);
    assert_int_equal(posix_spawn_file_actions_adddup2(&fa, 1, 2), 0);
    assert_int_equal(posix_spawnattr_init(&at), 0);
    assert_int_equal(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP), 0);
    assert_int_equal(posix_spawnattr_setpgroup(&at, 0), 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    assert_int_equal(rc, 0);
    int st = 0;
    time_t deadline = time(NULL) + BROWSER_SECONDS;
    pid_t r;
    while ((r = waitpid(pid, &st, WNOHANG)) == 0 && time(NULL) < deadline) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
    }
    /* The whole group: zygote and helpers. The harness is a subreaper, so
     * those that outlived chromium are our children now: reap them. */
    (void)kill(-pid, SIGKILL);
    if (r == 0) {
        (void)waitpid(pid, &st, 0);
    }
    int left;
    while (waitpid(-pid, &left, 0) > 0) {
    }
    reap_strays(h);
    if (r == 0) {
        print_error("chromium did not finish within %d s\n", BROWSER_SECONDS);
        fail();
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        assert_int_equal(fwrite(buf, 1, n, out), n);
    }
    assert_int_equal(fclose(in), 0);
    assert_int_equal(fclose(out), 0);
}

static void
check_browser(h_env_t *h, const char *report)
{
    const char *chromium = find_chromium();
    if (chromium == NULL) {
        printf("chromium not found (apt-get install chromium): the HTML was "
               "checked, the browser part is SKIPPED\n");
        browser_skipped = 1;
        return;
    }
    char url[H_PATH + 8], png[H_PATH], shot[H_PATH + 16], profile[H_PATH],
        prof_arg[H_PATH + 20], log[H_PATH], dom[H_PATH];
    (void)snprintf(url, sizeof url, "file://%s", report);
    (void)snprintf(shot, sizeof shot, "--screenshot=%s",
                   h_path(h, "report.png", png));
    (void)snprintf(prof_arg, sizeof prof_arg, "--user-data-dir=%s",
                   h_path(h, "chromium-profile", profile));
    char *shot_argv[] = {S(chromium),        S("--headless=new"),
                         S("--disable-gpu"), S("--no-sandbox"),
                         S("--no-first-run"), S("--enable-logging=stderr"),
                         S("--v=0"),          prof_arg,
                         shot,                S("--window-size=1280,2000"),
                         url,                 NULL};
    int st = run_browser(h, shot_argv, h_path(h, "chromium-shot.log", log));
    char *text = h_read(log);
    if (st != 0) {
        print_error("chromium --screenshot: status %d\n%s\n", st, text);
        fail();
    }
    /* a console message of the page: "...:CONSOLE(line)] "text", source:" */
    if (strstr(text, "CONSOLE") != NULL || strstr(text, "Uncaught") != NULL) {
        print_error("the page logged to the console:\n%s\n", text);
        fail();
    }
    free(text);
    struct stat sb;
    assert_int_equal(stat(png, &sb), 0);
    assert_true(sb.st_size > 20000); /* a blank 1280x2000 page is ~10 kB */

    char *dom_argv[] = {S(chromium),         S("--headless=new"),
                        S("--disable-gpu"),  S("--no-sandbox"),
                        S("--no-first-run"), prof_arg,
                        S("--dump-dom"),     url,
                        NULL};
    st = run_browser(h, dom_argv, h_path(h, "chromium-dom.html", dom));
    assert_int_equal(st, 0);
    char *d = h_read(dom);
    assert_true(count(d, "<svg") >= 5);
    h_assert_contains(d, "<h1>sluice report: web</h1>");
    h_assert_contains(d, "class=\"flagged\"");
    free(d);

    char art[H_PATH + 32];
    (void)mkdir(SL_ARTIFACT_DIR, 0755);
    copy_file(png, SL_ARTIFACT_DIR "/report.png");
    copy_file(report, SL_ARTIFACT_DIR "/report.html");
    (void)snprintf(art, sizeof art, "%s", SL_ARTIFACT_DIR "/report.png");
    printf("screenshot kept as %s\n", art);
}

/* Files of dir named report.html.XXXXXX: temp files left behind. */
static int
temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        n += strncmp(e->d_name, "report.html.", 12) == 0;
    }
    assert_int_equal(closedir(d), 0);
    return n;
}

static void
test_report(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], gate[H_PATH], out[H_PATH], none[H_PATH];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    (void)h_gate_start(h, c, h_path(h, "gate", gate));
    static const char *const commits[8] = {"", "c1", "c2", "c3", "c4",
                                           "c4", "c6", "c7"};
    for (int i = 1; i <= 7; i++) {
        push(h, c, i,
             i == 4 ? H_FIXTURE("failing.xml") : H_FIXTURE("passing.xml"),
             commits[i]);
    }
    const sl_pb_run_t *r = h_wait_verdict(h, c, "web-7", 20000);
    assert_int_equal(r->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);

    const h_result_t *res =
        h_cli(h, "report", "--collector", c->listen, "--project", "nobody",
              "--out", h_path(h, "none.html", none), NULL);
    assert_int_equal(res->status, 2);
    h_assert_contains(res->err, "project 'nobody' has no runs on branch "
                                "'main'; nothing written");
    assert_int_equal(access(none, F_OK), -1);

    res = h_cli(h, "report", "--collector", c->listen, "--project", "web",
                "--out", h_path(h, "report.html", out), NULL);
    if (res->status != 0) {
        print_error("sluice report: %d\n%s%s", res->status, res->out,
                    res->err);
    }
    assert_int_equal(res->status, 0);
    h_assert_contains(res->out, "wrote ");
    assert_int_equal(temp_files(h->dir), 0);
    char *html = h_read(out);
    check_html(html);
    free(html);
    check_browser(h, out);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report, h_setup, h_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed == 0 && browser_skipped ? SKIP_RC : failed;
}
