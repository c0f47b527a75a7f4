/* sluice-agent push / finish: validate every file, then stream its events
 * to the collector, finish the run and optionally wait for the verdict.
 *
 * Every file is parsed twice: first to validate it whole (so a bad file
 * sends nothing at all: a push either stores all of its files or none),
 * then to stream it. Memory stays bounded by one batch either way.
 *
 * With --diff, the diff is parsed before anything else (a bad one sends
 * nothing), and the coverage parsers report their lines to the patch
 * (sluice/patch.h) during the validating pass, so patch coverage costs no
 * extra read of the files; its one PatchCoverage event (stream
 * SL_STREAM_PATCH, seq 1) goes after the files and before the finish. */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sluice/clock.h"
#include "sluice/diff.h"
#include "sluice/log.h"
#include "sluice/opt.h"
#include "sluice/patch.h"
#include "sluice/run.h"
#include "sluice/verdict.h"

typedef struct file {
    const char *path;
    const sl_format_t *fmt;
    uint8_t digest[SL_DIGEST_BYTES];
    uint64_t size, events; /* events: records the file holds */
    struct stat st;        /* as pass 1 found it */
} file_t;

/* Nonzero when path is no longer the file pass 1 read: another inode,
 * size or modification time. (A change within one timestamp tick that
 * keeps the size goes unseen; the record count is checked too.) */
static int
file_changed(const file_t *f)
{
    struct stat now;
    return stat(f->path, &now) != 0 || now.st_dev != f->st.st_dev ||
           now.st_ino != f->st.st_ino || now.st_size != f->st.st_size ||
           now.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
           now.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec;
}

static int
digest_file(file_t *f, sl_err_t *err)
{
    if (stat(f->path, &f->st) != 0) {
        return sl_err_set(err, SL_EIO, "%s: %s", f->path, strerror(errno));
    }
    int rc = sl_file_digest(f->path, f->digest, &f->size, err);
    if (rc == SL_OK && file_changed(f)) {
        rc = sl_err_set(err, SL_EINPUT, "%s: changed while being read",
                        f->path);
    }
    return rc;
}

static int
count_event(void *ctx, const sl_pb_event_t *ev)
{
    (void)ev;
    (*(uint64_t *)ctx)++;
    return SL_OK;
}

/* Pass 1: every file must parse whole before anything is sent. With a
 * patch, the coverage parsers give it their lines on the way. */
static int
validate(file_t *files, int n, const sl_format_t *forced, sl_patch_t *patch,
         sl_err_t *err)
{
    for (int i = 0; i < n; i++) {
        file_t *f = &files[i];
        sl_sink_t count = {.ctx = &f->events, .emit = count_event};
        sl_sink_t sink = count;
        if (patch != NULL) {
            sl_patch_sink(patch, &count, &sink);
        }
        int rc = digest_file(f, err);
        if (rc == SL_OK) {
            rc = sl_format_parse_file(f->path, forced, &sink, &f->fmt, err);
        }
        if (rc == SL_OK && file_changed(f)) {
            rc = sl_err_set(err, SL_EINPUT, "%s: changed while being read",
                            f->path);
        }
        if (rc != SL_OK) {
            return rc;
        }
    }
    return SL_OK;
}

static int
send_one(agent_sender_t *s, const char *run_id, uint64_t stream,
         sl_pb_event_t *ev)
{
    agent_stream_t st;
    agent_stream_init(&st, s, run_id, stream);
    int rc = agent_stream_add(&st, ev);
    int rc2 = agent_stream_close(&st);
    return rc != SL_OK ? rc : rc2;
}

static int
send_meta(agent_sender_t *s, const agent_meta_t *m)
{
    Sluice__V1__RunMeta meta;
    sluice__v1__run_meta__init(&meta);
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    meta.project = (char *)(uintptr_t)m->project;
    meta.branch = (char *)(uintptr_t)m->branch;
    meta.commit = (char *)(uintptr_t)m->commit;
    meta.ci = (char *)(uintptr_t)m->ci;
    meta.job = (char *)(uintptr_t)m->job;
    meta.url = (char *)(uintptr_t)m->url;
    meta.runner = (char *)(uintptr_t)m->runner;
    meta.base_branch = (char *)(uintptr_t)m->base_branch;
    meta.base_commit = (char *)(uintptr_t)m->base_commit;
    char *expect[8];
    for (size_t i = 0; i < m->n_expect; i++) {
        expect[i] = (char *)(uintptr_t)m->expect[i];
    }
    meta.expect = expect;
    meta.n_expect = m->n_expect;
    ev.body_case = SLUICE__V1__EVENT__BODY_META;
    ev.meta = &meta;
    /* Named by content, so the same metadata sent twice is stored once. */
    uint8_t d[16];
    size_t n;
    uint8_t *buf = sl_wire_pack(&meta.base, &n);
    if (buf == NULL) {
        return SL_ENOMEM;
    }
    (void)crypto_generichash(d, sizeof d, buf, n, NULL, 0);
    free(buf);
    return send_one(s, m->run_id, sl_stream_of(d), &ev);
}

static int
send_finish(agent_sender_t *s, const char *run_id)
{
    Sluice__V1__RunFinish fin;
    sluice__v1__run_finish__init(&fin);
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.body_case = SLUICE__V1__EVENT__BODY_FINISH;
    ev.finish = &fin;
    return send_one(s, run_id, SL_STREAM_FINISH, &ev);
}

typedef struct stream_sink {
    agent_stream_t st;
    uint64_t events;
} stream_sink_t;

static int
stream_event(void *ctx, const sl_pb_event_t *rec)
{
    stream_sink_t *ss = ctx;
    sl_pb_event_t ev = *rec; /* shallow: only seq is set on the copy */
    ss->events++;
    return agent_stream_add(&ss->st, &ev);
}

/* Adds an artifact's begin or end event, which is not one of its
 * records. */
static int
stream_edge(void *ctx, const sl_pb_event_t *edge)
{
    stream_sink_t *ss = ctx;
    sl_pb_event_t ev = *edge;
    return agent_stream_add(&ss->st, &ev);
}

static int
stream_edges(stream_sink_t *ss, const file_t *f, int end)
{
    sl_sink_t sink = {.ctx = ss, .emit = stream_edge};
    sl_artifact_t a = {f->fmt->name, f->path, f->size, f->digest,
                       sizeof f->digest, ss->events};
    return sl_artifact_emit(&sink, &a, end);
}

/* Pass 2: one stream per file, begin, records, end. */
static int
send_file(agent_sender_t *s, const char *run_id, const file_t *f,
          sl_err_t *err)
{
    stream_sink_t ss = {.events = 0};
    agent_stream_init(&ss.st, s, run_id, sl_stream_of(f->digest));
    sl_sink_t sink = {.ctx = &ss, .emit = stream_event};
    int rc = file_changed(f) ? SL_EINPUT : stream_edges(&ss, f, 0);
    if (rc == SL_OK) {
        rc = sl_format_parse_file(f->path, f->fmt, &sink, NULL, err);
    }
    if (rc == SL_EINPUT ||
        (rc == SL_OK && (ss.events != f->events || file_changed(f)))) {
        /* the end is never sent: the artifact stays incomplete */
        rc = sl_err_set(err, SL_EINPUT, "%s: changed while being sent",
                        f->path);
    }
    if (rc == SL_OK) {
        rc = stream_edges(&ss, f, 1);
    }
    int rc2 = agent_stream_close(&ss.st);
    return rc != SL_OK ? rc : rc2;
}

/* Waits for the verdict (when asked) and prints the result. Returns the
 * exit status. */
static int
report(const agent_cfg_t *cfg, agent_sender_t *s, const agent_meta_t *m)
{
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    Sluice__V1__WaitVerdict wv;
    sluice__v1__wait_verdict__init(&wv);
    Sluice__V1__GetRun gr;
    sluice__v1__get_run__init(&gr);
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    wv.run_id = gr.run_id = (char *)(uintptr_t)m->run_id;
    wv.timeout_ms = (uint32_t)cfg->wait_ms;
    req.kind_case = cfg->wait_ms ? SLUICE__V1__REQUEST__KIND_WAIT_VERDICT
                                 : SLUICE__V1__REQUEST__KIND_GET_RUN;
    req.wait_verdict = &wv;
    if (!cfg->wait_ms) {
        req.get_run = &gr;
    }
    int rc = sl_client_call(s->client, &req, (int)(cfg->wait_ms + 5000),
                            &rep, &err);
    if (rc != SL_OK || rep->kind_case != SLUICE__V1__REPLY__KIND_RUN) {
        fprintf(stderr, "sluice-agent: run %s: %s\n", m->run_id,
                sl_err_msg(&err, rc != SL_OK ? rc : SL_EPROTO));
        sl_wire_free(&rep);
        return AGENT_EXIT_UNREACHABLE;
    }
    const sl_pb_run_t *run = rep->run;
    if (run->meta == NULL || run->verdict == NULL || run->tests == NULL) {
        fprintf(stderr, "sluice-agent: run %s: incomplete run record\n",
                m->run_id);
        sl_wire_free(&rep);
        return AGENT_EXIT_UNREACHABLE;
    }
    /* an early fail counts until the final verdict comes */
    Sluice__V1__VerdictStatus status = sl_verdict_of(run)->status;
    int out_rc = SL_OK;
    if (cfg->json) {
        out_rc = sl_run_json(run, stdout);
        fputc('\n', stdout);
    } else if (cfg->wait_ms) {
        sl_run_print_verdict(run, stdout);
    }
    if (cfg->wait_ms) {
        /* a failed output is reported; the verdict still sets the exit
         * status (docs/ci.md) */
        (void)agent_verdict_outputs(cfg, run);
    }
    sl_wire_free(&rep);
    if (sl_verdict_failing(status)) {
        return AGENT_EXIT_FAIL;
    }
    if (cfg->wait_ms && status == SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING) {
        fprintf(stderr, "sluice-agent: run %s: no verdict within %llu ms\n",
                m->run_id, (unsigned long long)cfg->wait_ms);
        return AGENT_EXIT_UNREACHABLE;
    }
    return out_rc != SL_OK ? AGENT_EXIT_UNREACHABLE : AGENT_EXIT_OK;
}

/* Sends the spool, the meta, every file, the patch coverage (pc, when
 * not NULL) and the finish; drains. */
static int
send_all(agent_sender_t *s, const agent_meta_t *m, const file_t *files,
         int n, Sluice__V1__PatchCoverage *pc, int finish, sl_err_t *err)
{
    char **taken = NULL;
    size_t ntaken = 0;
    int rc = agent_spool_flush(s, &taken, &ntaken, err);
    if (rc == SL_OK) {
        rc = send_meta(s, m);
    }
    for (int i = 0; rc == SL_OK && i < n; i++) {
        rc = send_file(s, m->run_id, &files[i], err);
    }
    if (rc == SL_OK && pc != NULL) {
        sl_pb_event_t ev;
        sl_patch_event(&ev, pc);
        rc = send_one(s, m->run_id, SL_STREAM_PATCH, &ev);
    }
    if (rc == SL_OK && finish) {
        /* Everything of the run is stored before its finish, so the gate
         * never judges a run ahead of its results. */
        rc = agent_sender_drain(s);
        rc = rc == SL_OK ? send_finish(s, m->run_id) : rc;
    }
    if (rc == SL_OK) {
        rc = agent_sender_drain(s);
    }
    int rc2 = agent_sender_fini(s, err);
    /* Old spool files go once all of them is acknowledged or respooled. */
    agent_spool_done(&taken, ntaken, rc == SL_OK && rc2 == SL_OK);
    return rc != SL_OK ? rc : rc2;
}

/* A finish with no files must name an existing run: given, or derived from
 * the CI (a made-up local id would finish nothing). */
static int
finish_only_ok(const agent_cfg_t *cfg, const agent_meta_t *m, int n,
               int finish)
{
    return n > 0 || !finish || cfg->run_id != NULL ||
           strncmp(m->run_id, "local-", 6) != 0;
}

/* The diff of --diff, parsed, and a patch over it (*diff and *patch stay
 * NULL without --diff). */
static int
load_diff(const agent_cfg_t *cfg, sl_diff_t **diff, sl_patch_t **patch,
          sl_err_t *err)
{
    if (cfg->diff == NULL) {
        return SL_OK;
    }
    int rc = sl_diff_parse_file(cfg->diff, diff, err);
    if (rc == SL_OK && sl_patch_new(patch, *diff) != SL_OK) {
        rc = sl_err_set(err, SL_ENOMEM, "%s: out of memory", cfg->diff);
    }
    return rc;
}

/* Resolves the metadata, reads the diff and validates every file (pass
 * 1), filling *pc when there is a patch. */
static int
prepare(const agent_cfg_t *cfg, agent_meta_t *m, file_t *files, int n,
        int finish, Sluice__V1__PatchCoverage *pc, sl_err_t *err)
{
    const sl_format_t *forced = NULL;
    if (cfg->format != NULL && (forced = sl_format_find(cfg->format)) == NULL) {
        return sl_err_set(err, SL_EINVAL, "unknown --format '%s'",
                          cfg->format);
    }
    int rc = agent_meta_resolve(cfg, m, err);
    if (rc == SL_OK && !finish_only_ok(cfg, m, n, finish)) {
        rc = sl_err_set(err, SL_EINVAL, "finish: give --run-id (or run in "
                        "a CI whose run id sluice derives)");
    }
    sl_diff_t *diff = NULL;
    sl_patch_t *patch = NULL;
    if (rc == SL_OK) {
        rc = load_diff(cfg, &diff, &patch, err);
    }
    if (rc == SL_OK) {
        rc = validate(files, n, forced, patch, err);
    }
    if (rc == SL_OK && patch != NULL) {
        rc = sl_patch_result(patch, pc, err);
    }
    sl_patch_destroy(&patch); /* pc is all that is needed from here */
    sl_diff_destroy(&diff);
    return rc;
}

static int
run_push(const agent_cfg_t *cfg, file_t *files, int n, int finish)
{
    agent_meta_t m;
    agent_sender_t s;
    sl_err_t err = {0};
    Sluice__V1__PatchCoverage pc;
    sluice__v1__patch_coverage__init(&pc);
    int rc = prepare(cfg, &m, files, n, finish, &pc, &err);
    if (rc != SL_OK) {
        fprintf(stderr, "sluice-agent: %s\n", sl_err_msg(&err, rc));
        return AGENT_EXIT_USAGE;
    }
    rc = agent_sender_init(&s, cfg, &err);
    rc = rc == SL_OK ? send_all(&s, &m, files, n,
                                cfg->diff != NULL ? &pc : NULL, finish, &err)
                     : rc;
    if (rc != SL_OK) {
        fprintf(stderr, "sluice-agent: %s\n", sl_err_msg(&err, rc));
        return rc == SL_EINPUT || rc == SL_EINVAL || rc == SL_EIO
                   ? AGENT_EXIT_USAGE
                   : AGENT_EXIT_UNREACHABLE;
    }
    if (s.unreachable) {
        fprintf(stderr, "sluice-agent: %s%s: run %s kept in %s for the next "
                "push or 'sluice-agent flush'\n",
                s.interrupted  ? "interrupted"
                : s.refusal[0] ? "collector refuses the batches: "
                               : "collector unreachable",
                s.interrupted ? "" : s.refusal, m.run_id, s.spool_path);
        return AGENT_EXIT_UNREACHABLE;
    }
    if (!cfg->json) {
        printf("run %s: %d file(s), %llu event(s) newly stored%s\n", m.run_id,
               n, (unsigned long long)s.stored, finish ? ", finished" : "");
    }
    if (!cfg->wait_ms && !cfg->json) {
        return AGENT_EXIT_OK;
    }
    rc = agent_sender_init(&s, cfg, &err);
    int code = rc == SL_OK ? report(cfg, &s, &m) : AGENT_EXIT_UNREACHABLE;
    rc = agent_sender_fini(&s, NULL); /* nothing spooled: cannot fail */
    return rc == SL_OK ? code : AGENT_EXIT_UNREACHABLE;
}

#define OPT(n, t, f, d, lo, hi, env, arg, help)                                \
    {n, t, offsetof(agent_cfg_t, f), d, lo, hi, env, arg, help, NULL}

static const sl_opt_t push_options[] = {
    OPT("collector", SL_OPT_STR, collector, "tcp://127.0.0.1:7730", 0, 0,
        "SLUICE_COLLECTOR", "E", "the collector's endpoint"),
    OPT("project", SL_OPT_STR, project, NULL, 0, 0, "SLUICE_PROJECT", "P",
        "project (default: from the CI, else the git top folder's name)"),
    OPT("branch", SL_OPT_STR, branch, NULL, 0, 0, "SLUICE_BRANCH", "B",
        "branch (default: from the CI, else git)"),
    OPT("commit", SL_OPT_STR, commit, NULL, 0, 0, "SLUICE_COMMIT", "C",
        "commit (default: from the CI, else git)"),
    OPT("run-id", SL_OPT_STR, run_id, NULL, 0, 0, "SLUICE_RUN_ID", "R",
        "run id shared by every push of one CI run (default: from the CI, "
        "else a new one, printed)"),
    OPT("runner", SL_OPT_STR, runner, NULL, 0, 0, "SLUICE_RUNNER", "CLASS",
        "runner class (e.g. linux-x64-8core): benchmarks are compared only "
        "with baseline runs of the same class"),
    OPT("base-branch", SL_OPT_STR, base_branch, NULL, 0, 0,
        "SLUICE_BASE_BRANCH", "B",
        "the branch this run is compared with (default: the pull/merge "
        "request's target from the CI, else the gate policy's baseline "
        "branch)"),
    OPT("base-commit", SL_OPT_STR, base_commit, NULL, 0, 0,
        "SLUICE_BASE_COMMIT", "C",
        "the run's merge-base with the base branch (default: 'git "
        "merge-base HEAD origin/B' when the base branch is known): the "
        "baseline is the base branch's runs up to it"),
    OPT("expect", SL_OPT_STR, expect, NULL, 0, 0, "SLUICE_EXPECT", "KINDS",
        "kinds this run will send, comma-separated (" AGENT_KINDS "): a "
        "run finished without one of them is judged incomplete"),
    OPT("format", SL_OPT_STR, format, NULL, 0, 0, NULL, "F",
        "parse every FILE as F instead of detecting it (formats below)"),
    OPT("diff", SL_OPT_STR, diff, NULL, 0, 0, NULL, "FILE",
        "with the run, send its patch coverage: of the lines the unified "
        "diff FILE adds (git diff BASE...HEAD), how many the coverage FILEs "
        "cover"),
    OPT("no-finish", SL_OPT_FLAG, no_finish, NULL, 0, 0, NULL, NULL,
        "keep the run open for more pushes (finish it later with "
        "'sluice-agent finish')"),
    {"wait", SL_OPT_DUR_OPT, offsetof(agent_cfg_t, wait_ms), NULL, 1, 3600000,
     NULL, "SECS", "wait for the verdict (default 60 s when given alone) "
     "and print it; exit 1 if it fails or is incomplete", "60"},
    OPT("json", SL_OPT_FLAG, json, NULL, 0, 0, NULL, NULL,
        "print the run summary as JSON"),
    OPT("github", SL_OPT_FLAG, github, NULL, 0, 0, NULL, NULL,
        "with --wait: GitHub Actions annotations for the reasons (on stdout, "
        "on stderr with --json), and the verdict appended to "
        "$GITHUB_STEP_SUMMARY when set"),
    OPT("junit-out", SL_OPT_STR, junit_out, NULL, 0, 0, NULL, "F",
        "with --wait: write the verdict to F as JUnit XML, a test case per "
        "rule (GitLab, Jenkins)"),
    OPT("timeout", SL_OPT_DUR, timeout_ms, "10s", 100, 3600000,
        "SLUICE_TIMEOUT", "DUR",
        "with no ack for this long, spool and exit 3"),
    OPT("window", SL_OPT_U64, window, "32", 1, 4096, NULL, "N",
        "batches sent ahead of their acks"),
    OPT("spool", SL_OPT_STR, spool, NULL, 0, 0, "SLUICE_SPOOL", "DIR",
        "where unsent batches wait (default ~/.cache/sluice/spool)"),
    OPT("log-level", SL_OPT_STR, log_level, "warn", 0, 0, "SLUICE_LOG_LEVEL",
        "L", "error, warn, info or debug"),
    OPT("help", SL_OPT_FLAG, help, NULL, 0, 0, NULL, NULL, "show this help"),
    {0},
};

static void
push_usage(FILE *out, const char *verb)
{
    if (strcmp(verb, "push") == 0) {
        fprintf(out, "usage: sluice-agent push [OPTION]... FILE...\n\n"
                "Sends CI artifacts (format detected from content) as one "
                "run's events.\nA push finishes the run unless --no-finish; "
                "several pushes with one\n--run-id add to the same run.\n"
                "With --diff, the run also gets its patch coverage: of the "
                "lines the diff\nadds, those the coverage reports pushed "
                "with it know (coverable) and\nthose they ran (covered); a "
                "bad diff, or no coverage report among the\nfiles, sends "
                "nothing and exits 2. A run takes one patch coverage: a\n"
                "second --diff push to the same run is not stored (the "
                "first one's stays).\n");
    } else if (strcmp(verb, "finish") == 0) {
        fprintf(out, "usage: sluice-agent finish [--run-id R] [OPTION]...\n\n"
                "Finishes a run kept open by 'push --no-finish'. The run id "
                "is --run-id,\nor derived from the CI (GitHub Actions, "
                "GitLab CI, Jenkins) as push does.\n");
    } else {
        fprintf(out, "usage: sluice-agent flush [OPTION]...\n\n"
                "Sends the batches left in the spool by earlier pushes.\n");
    }
    fprintf(out, "\nExit status: 0 pass or warn (or no --wait), 1 fail or "
                 "incomplete, 2 usage or\ninput error, 3 collector unreachable "
                 "or refusing, or interrupted (events\nkept in the spool), or "
                 "no verdict in time. An output of --github or\n--junit-out "
                 "that cannot be written is reported on stderr and leaves the "
                 "exit\nstatus to the verdict.\n\n");
    sl_opt_help(push_options, out);
    if (strcmp(verb, "push") == 0) {
        fputc('\n', out);
        sl_format_help(out);
    }
}

static int
parse_cfg(agent_cfg_t *cfg, int argc, char **argv, int *nfiles)
{
    static char spool[4096];
    sl_err_t err = {0};
    memset(cfg, 0, sizeof *cfg);
    if (sl_opt_parse(push_options, cfg, argc - 1, argv + 1, nfiles, argv + 1,
                     &err) != SL_OK) {
        fprintf(stderr, "sluice-agent %s: %s\n", argv[0], err.msg);
        return AGENT_EXIT_USAGE;
    }
    if (cfg->spool == NULL) {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        (void)snprintf(spool, sizeof spool, "%s%s/sluice/spool",
                       xdg ? xdg : home ? home : ".", xdg ? "" : "/.cache");
        cfg->spool = spool;
    }
    if (sl_log_level_parse(cfg->log_level, &sl_log_threshold) != SL_OK) {
        fprintf(stderr, "sluice-agent: bad --log-level '%s'\n",
                cfg->log_level);
        return AGENT_EXIT_USAGE;
    }
    return AGENT_EXIT_OK;
}

/* --github and --junit-out report a verdict: they need --wait. */
static int
ci_outputs_ok(const agent_cfg_t *cfg, const char *verb)
{
    const char *flag = cfg->github ? "--github" : "--junit-out";
    if (cfg->junit_out != NULL && cfg->junit_out[0] == '\0') {
        fprintf(stderr, "sluice-agent %s: --junit-out needs a file name\n",
                verb);
        return 0;
    }
    if ((cfg->github || cfg->junit_out != NULL) && cfg->wait_ms == 0) {
        fprintf(stderr, "sluice-agent %s: %s reports the verdict: give "
                "--wait too\n", verb, flag);
        return 0;
    }
    return 1;
}

int
agent_cmd_push(int argc, char **argv, int finish_only)
{
    agent_cfg_t cfg;
    int n = 0;
    int rc = parse_cfg(&cfg, argc, argv, &n);
    if (rc != AGENT_EXIT_OK || cfg.help) {
        if (cfg.help) {
            push_usage(stdout, argv[0]);
        }
        return rc;
    }
    if ((finish_only && n > 0) || (!finish_only && n == 0)) {
        push_usage(stderr, argv[0]);
        return AGENT_EXIT_USAGE;
    }
    if (!ci_outputs_ok(&cfg, argv[0])) {
        return AGENT_EXIT_USAGE;
    }
    file_t *files = calloc((size_t)n + 1, sizeof *files);
    if (files == NULL) {
        return AGENT_EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        files[i].path = argv[1 + i];
    }
    rc = run_push(&cfg, files, n, finish_only || !cfg.no_finish);
    free(files);
    return rc;
}

int
agent_cmd_flush(int argc, char **argv)
{
    agent_cfg_t cfg;
    int n = 0;
    int rc = parse_cfg(&cfg, argc, argv, &n);
    if (rc != AGENT_EXIT_OK || cfg.help || n > 0 || cfg.diff != NULL) {
        push_usage(cfg.help ? stdout : stderr, "flush");
        return cfg.help ? rc : AGENT_EXIT_USAGE;
    }
    agent_sender_t s;
    sl_err_t err = {0};
    char **taken = NULL;
    size_t ntaken = 0;
    if (cfg.github || cfg.junit_out != NULL) {
        fprintf(stderr, "sluice-agent flush: --github and --junit-out "
                "report a verdict: use them with push or finish\n");
        return AGENT_EXIT_USAGE;
    }
    rc = agent_sender_init(&s, &cfg, &err);
    rc = rc == SL_OK ? agent_spool_flush(&s, &taken, &ntaken, &err) : rc;
    rc = rc == SL_OK ? agent_sender_drain(&s) : rc;
    int rc2 = agent_sender_fini(&s, &err);
    agent_spool_done(&taken, ntaken, rc == SL_OK && rc2 == SL_OK);
    if (rc != SL_OK || rc2 != SL_OK || s.unreachable) {
        const char *why = s.refusal[0] ? "collector refuses the batches, "
                                         "spool kept"
                                       : "collector unreachable, spool kept";
        fprintf(stderr, "sluice-agent: flush: %s\n",
                s.unreachable ? why
                              : sl_err_msg(&err, rc != SL_OK ? rc : rc2));
        return AGENT_EXIT_UNREACHABLE;
    }
    printf("%zu spool file(s) sent, %llu event(s) newly stored\n", ntaken,
           (unsigned long long)s.stored);
    return AGENT_EXIT_OK;
}
