/* sluice check [OPTION]... FILE...: the offline quality gate. Every file is
 * parsed by the agent's parsers (lib/formats), its records are folded into
 * a run summary by the code the collector and the gate use (sl_run_apply),
 * and the summary is judged by the gate's rules (sl_policy_judge) under
 * the policy sl_policy_resolve gives for --project and --branch. No
 * server is involved. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sluice/clock.h"
#include "sluice/diff.h"
#include "sluice/formats.h"
#include "sluice/patch.h"
#include "sluice/policy.h"
#include "sluice/run.h"

typedef struct check_cfg {
    cli_common_t common;
    const char *format;
    int json;
    const char *diff; /* --diff: patch coverage over this unified diff */
    const char *policy;
    const char *project, *branch; /* the scope of the policy file */
} check_cfg_t;

/* The threshold flags (--max-test-failures N, ...) are not in this table:
 * sl_policy_take_flags takes them out of argv first, from the one table of
 * policy keys, and command_usage (main.c) lists them. */
static const sl_opt_t options[] = {
    {"format", SL_OPT_STR, offsetof(check_cfg_t, format), NULL, 0, 0, NULL,
     "F", "parse every FILE as F instead of detecting it (formats below)",
     NULL},
    {"json", SL_OPT_FLAG, offsetof(check_cfg_t, json), NULL, 0, 0, NULL, NULL,
     "print the run summary as JSON (as 'sluice run --json' does)", NULL},
    {"diff", SL_OPT_STR, offsetof(check_cfg_t, diff), NULL, 0, 0, NULL,
     "FILE", "patch coverage: of the lines the unified diff FILE adds (git "
     "diff BASE...HEAD), how many the coverage FILEs cover, as a push "
     "with --diff computes it", NULL},
    {"policy", SL_OPT_STR, offsetof(check_cfg_t, policy), NULL, 0, 0, NULL,
     "F", "judge with the policy file F (YAML, docs/policy.md); the "
     "threshold flags below override it", NULL},
    {"project", SL_OPT_STR, offsetof(check_cfg_t, project), NULL, 0, 0, NULL,
     "P", "judge as a run of project P (its scope in the policy file)",
     NULL},
    {"branch", SL_OPT_STR, offsetof(check_cfg_t, branch), NULL, 0, 0, NULL,
     "B", "judge as a run on branch B (the branch scopes matching it)",
     NULL},
    {"help", SL_OPT_FLAG, offsetof(check_cfg_t, common.help), NULL, 0, 0,
     NULL, NULL, "show this help and exit", NULL},
    {0},
};

static const cli_usage_t check_usage = {
    "check",
    "[OPTION]... FILE...",
    "Parses CI artifacts (test results, coverage, benchmarks, security\n"
    "scans; the format of each is detected from its content), prints the\n"
    "run summary and judges it with the gate's rules, all in this process:\n"
    "no collector is needed. Exit status 1 when the verdict is fail.\n"
    "The thresholds are the defaults below, changed by --policy F (its\n"
    "defaults, then the scopes of --project P and --branch B), then by\n"
    "each threshold flag given.\n"
    "A file named twice, or two files of the same content, count once, as\n"
    "a push stores them once. Benchmark regressions need a baseline, so\n"
    "only the gate judges them.\n"
    "With --diff, the JSON summary (--json) has the patch coverage\n"
    "(\"patch\"); a bad diff, or no coverage report among the files, is a\n"
    "usage error (exit status 2).\n",
    options,
    1,
};

/* The run being folded: pseudo LSNs count the records. */
typedef struct check_run {
    sl_pb_run_t *run;
    uint64_t lsn;
    uint64_t stream;
    int64_t now;
    /* failed and errored tests, and those that passed on a rerun, as the
     * gate notes them (no history here: no other flaky kind) */
    sl_test_note_t *tests;
    size_t n_tests;
    sl_patch_t *patch; /* --diff: takes the coverage files' lines */
} check_run_t;

static int
check_note(check_run_t *c, const Sluice__V1__TestCase *t)
{
    int failed = t->status == SLUICE__V1__TEST_STATUS__TEST_FAILED ||
                 t->status == SLUICE__V1__TEST_STATUS__TEST_ERRORED;
    if ((!failed && !t->flaky) || c->n_tests >= SL_JUDGE_TESTS_MAX) {
        return SL_OK;
    }
    sl_test_note_t *na = realloc(c->tests, (c->n_tests + 1) * sizeof *na);
    if (na == NULL) {
        return SL_ENOMEM;
    }
    c->tests = na;
    char *id = strdup(t->id[0] != '\0' ? t->id : t->name);
    if (id == NULL) {
        return SL_ENOMEM;
    }
    na[c->n_tests++] = (sl_test_note_t){
        id, t->status, t->flaky ? SL_FLAKY_RERUN : SL_FLAKY_NOT, 0};
    return SL_OK;
}

static void
check_notes_free(check_run_t *c)
{
    for (size_t i = 0; i < c->n_tests; i++) {
        free((void *)(uintptr_t)c->tests[i].id);
    }
    free(c->tests);
    c->tests = NULL;
    c->n_tests = 0;
}

static int
check_apply(check_run_t *c, sl_pb_event_t *ev)
{
    ev->stream = c->stream;
    return sl_run_apply(c->run, ev, ++c->lsn, c->now);
}

static int
check_emit(void *ctx, const sl_pb_event_t *rec)
{
    sl_pb_event_t ev = *rec;
    int rc = rec->body_case == SLUICE__V1__EVENT__BODY_TEST
                 ? check_note(ctx, rec->test)
                 : SL_OK;
    return rc == SL_OK ? check_apply(ctx, &ev) : rc;
}

static int
check_file(check_run_t *c, const char *path, const sl_format_t *forced,
           sl_err_t *err)
{
    const sl_format_t *fmt = forced;
    uint8_t digest[SL_DIGEST_BYTES];
    uint64_t size = 0;
    int rc = sl_file_digest(path, digest, &size, err);
    if (rc != SL_OK) {
        return rc;
    }
    /* The stream is named by the content, as a push names it; one already
     * folded is skipped, as the collector skips what it holds. */
    c->stream = sl_stream_of(digest);
    if (sl_run_high_seq(c->run, c->stream) != 0) {
        return SL_OK;
    }
    rc = fmt != NULL ? SL_OK : sl_format_detect_file(path, &fmt, err);
    sl_sink_t fold = {.ctx = c, .emit = check_emit};
    sl_sink_t sink = fold;
    if (c->patch != NULL) {
        sl_patch_sink(c->patch, &fold, &sink);
    }
    sl_artifact_t a = {.path = path, .size = size, .digest = digest,
                       .digest_len = sizeof digest};
    uint64_t first = c->lsn;
    if (rc == SL_OK) {
        a.format = fmt->name;
        rc = sl_artifact_emit(&sink, &a, 0);
    }
    if (rc == SL_OK) {
        rc = sl_format_parse_file(path, fmt, &sink, NULL, err);
    }
    if (rc == SL_OK) {
        a.events = c->lsn - first - 1; /* the records after the begin */
        rc = sl_artifact_emit(&sink, &a, 1);
    }
    if (rc == SL_OK &&
        sl_run_set_high_seq(c->run, c->stream, c->lsn - first) != SL_OK) {
        rc = sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    return rc;
}

/* The thresholds: the defaults, the policy file's scopes for the project
 * and branch, then the flags given (over, mask). */
static int
check_policy(const check_cfg_t *cfg, const sl_policy_t *over,
             sl_policy_mask_t mask, sl_policy_t *p)
{
    sl_policy_set_t *set = NULL;
    sl_err_t err = {0};
    if (cfg->policy != NULL) {
        int rc = sl_policy_load_set(cfg->policy, &set, &err);
        if (rc != SL_OK) {
            fprintf(stderr, "sluice check: %s\n", sl_err_msg(&err, rc));
            return rc == SL_ENOMEM || rc == SL_ESYS ? CLI_EXIT_ERROR
                                                    : CLI_EXIT_USAGE;
        }
    }
    if (sl_policy_check_overrides(set, over, mask, &err) != SL_OK) {
        sl_policy_set_free(&set);
        return cli_usage_error(&check_usage, err.msg);
    }
    sl_policy_resolve(set, cfg->project, cfg->branch, over, mask, p);
    sl_policy_set_free(&set);
    return CLI_CONTINUE;
}

/* The patch coverage event, as a push with --diff sends it. */
static int
check_patch(check_run_t *c, sl_err_t *err)
{
    Sluice__V1__PatchCoverage pc;
    int rc = sl_patch_result(c->patch, &pc, err);
    if (rc == SL_OK) {
        sl_pb_event_t ev;
        sl_patch_event(&ev, &pc);
        c->stream = SL_STREAM_PATCH;
        rc = check_apply(c, &ev);
    }
    return rc;
}

/* Folds every file, then the finish and the verdict, as the gate would. */
static int
check_run(check_run_t *c, char **files, int n, const sl_format_t *forced,
          const sl_policy_t *p, sl_err_t *err)
{
    for (int i = 0; i < n; i++) {
        int rc = check_file(c, files[i], forced, err);
        if (rc != SL_OK) {
            return rc;
        }
    }
    if (c->patch != NULL) {
        int rc = check_patch(c, err);
        if (rc != SL_OK) {
            return rc;
        }
    }
    Sluice__V1__RunFinish fin;
    sluice__v1__run_finish__init(&fin);
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.body_case = SLUICE__V1__EVENT__BODY_FINISH;
    ev.finish = &fin;
    c->stream = SL_STREAM_FINISH;
    int rc = check_apply(c, &ev);
    sl_pb_verdict_t *v = NULL;
    if (rc == SL_OK) {
        sl_judge_in_t in = {.run = c->run, .policy = p, .tests = c->tests,
                            .n_tests = c->n_tests};
        rc = sl_judge(&in, &v);
    }
    if (rc == SL_OK) {
        ev.body_case = SLUICE__V1__EVENT__BODY_VERDICT;
        ev.verdict = v;
        c->stream = SL_STREAM_VERDICT;
        rc = check_apply(c, &ev);
    }
    sl_wire_free(&v);
    return rc != SL_OK ? sl_err_set(err, rc, "%s", sl_strerror(rc)) : rc;
}

/* The command line: the threshold flags (taken out of argv first), the
 * options, the FILEs (compacted into argv[1..1+*n)), and the policy they
 * make. */
static int
check_args(check_cfg_t *cfg, int argc, char **argv, int *n, sl_policy_t *p)
{
    sl_policy_t over;
    sl_policy_mask_t mask = 0;
    sl_err_t err = {0};
    sl_policy_defaults(&over);
    if (sl_policy_take_flags(options, &over, &mask, &argc, argv, &err) !=
        SL_OK) {
        return cli_usage_error(&check_usage, err.msg);
    }
    int st = cli_parse(&check_usage, cfg, argc, argv, n);
    return st == CLI_CONTINUE ? check_policy(cfg, &over, mask, p) : st;
}

int
cli_cmd_check(int argc, char **argv)
{
    check_cfg_t cfg = {0};
    int n = 0;
    sl_policy_t policy;
    int st = check_args(&cfg, argc, argv, &n, &policy);
    if (st != CLI_CONTINUE) {
        return st;
    }
    const sl_format_t *forced = NULL;
    if (cfg.format != NULL && (forced = sl_format_find(cfg.format)) == NULL) {
        return cli_usage_error(&check_usage, "--format: unknown format (see "
                                             "--help)");
    }
    if (n == 0) {
        return cli_usage_error(&check_usage, "no FILE given");
    }
    check_run_t c = {.run = sl_run_new("check"), .now = sl_now_us()};
    if (c.run == NULL) {
        fprintf(stderr, "sluice check: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    sl_err_t err = {0};
    sl_diff_t *diff = NULL;
    int rc = cfg.diff != NULL ? sl_diff_parse_file(cfg.diff, &diff, &err)
                              : SL_OK;
    if (rc == SL_OK && diff != NULL && sl_patch_new(&c.patch, diff) != SL_OK) {
        rc = sl_err_set(&err, SL_ENOMEM, "%s: out of memory", cfg.diff);
    }
    if (rc == SL_OK) {
        rc = check_run(&c, argv + 1, n, forced, &policy, &err);
    }
    sl_patch_destroy(&c.patch);
    sl_diff_destroy(&diff);
    if (rc != SL_OK) {
        fprintf(stderr, "sluice check: %s\n", sl_err_msg(&err, rc));
        check_notes_free(&c);
        sl_run_free(&c.run);
        return rc == SL_ENOMEM || rc == SL_ESYS ? CLI_EXIT_ERROR
                                                : CLI_EXIT_USAGE;
    }
    if (cfg.json) {
        rc = sl_run_json(c.run, stdout);
        putchar('\n');
    } else {
        sl_run_print_verdict(c.run, stdout);
    }
    int fail = c.run->verdict->status ==
               SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    check_notes_free(&c);
    sl_run_free(&c.run);
    return cli_done(rc != SL_OK ? CLI_EXIT_ERROR
                    : fail      ? CLI_EXIT_ERROR
                                : CLI_EXIT_OK);
}
