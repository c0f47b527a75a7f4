/* sluice check [OPTION]... FILE...: the offline quality gate. Every file is
 * parsed by the agent's parsers (lib/formats), its records are folded into
 * a run summary by the code the collector and the gate use (sl_run_apply),
 * and the summary is judged by the gate's rules (sl_policy_judge). No
 * server is involved. */
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
    /* The thresholds as given (NULL: not given, so the policy file's or
     * the default stays); named as in sl_policy_t. */
    const char *min_coverage;
    const char *max_failures, *max_errors;
    const char *max_critical, *max_high, *max_medium, *max_low;
} check_cfg_t;

/* The maximum flags: name, the field (of check_cfg_t and sl_policy_t),
 * its default in sl_policy_defaults (for --help) and what it counts. */
#define CHECK_MAXES(X)                                                         \
    X("max-test-failures", max_failures, "0", "tests failed")                  \
    X("max-test-errors", max_errors, "0", "tests errored")                     \
    X("max-critical-vulns", max_critical, "0", "critical findings")            \
    X("max-high-vulns", max_high, "0", "high findings")                        \
    X("max-medium-vulns", max_medium, "3", "medium findings")                  \
    X("max-low-vulns", max_low, "unlimited", "low findings")

/* No table default: a flag left out must not override the policy file,
 * so the defaults live in sl_policy_defaults and --help names them. */
/* clang-format off */
#define CHECK_MAX_OPT(n, f, d, what)                                           \
    {n, SL_OPT_STR, offsetof(check_cfg_t, f), NULL, 0, 0, NULL, "N",           \
     "fail when more than N " what ", N or unlimited (default " d             \
     ", or the policy file's)", NULL},
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
     "F", "judge with the thresholds of the policy file F (YAML, see "
     "examples/sluice.yml); the flags below override it", NULL},
    {"min-coverage", SL_OPT_STR, offsetof(check_cfg_t, min_coverage), NULL, 0,
     0, NULL, "PCT", "fail when line coverage is below PCT percent, 0 to "
     "100, 0: off; only runs with coverage (default 75, or the policy "
     "file's)", NULL},
    CHECK_MAXES(CHECK_MAX_OPT)
    {"help", SL_OPT_FLAG, offsetof(check_cfg_t, common.help), NULL, 0, 0,
     NULL, NULL, "show this help and exit", NULL},
    {0},
};

#define CHECK_MAX_FIELD(n, f, d, what)                                         \
    {"--" n, offsetof(check_cfg_t, f), offsetof(sl_policy_t, f)},
static const struct check_max {
    const char *flag;
    size_t cfg_off, policy_off;
} check_maxes[] = {CHECK_MAXES(CHECK_MAX_FIELD)};
/* clang-format on */

static const cli_usage_t check_usage = {
    "check",
    "[OPTION]... FILE...",
    "Parses CI artifacts (test results, coverage, benchmarks, security\n"
    "scans; the format of each is detected from its content), prints the\n"
    "run summary and judges it with the gate's rules, all in this process:\n"
    "no collector is needed. Exit status 1 when the verdict is fail.\n"
    "The thresholds are the defaults below, changed by --policy F, then by\n"
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
    sl_patch_t *patch; /* --diff: takes the coverage files' lines */
} check_run_t;

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
    return check_apply(ctx, &ev);
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

/* The usage error for the value v of flag: rc SL_ETOOBIG is out of range
 * (range says what is in it), else not a value of its kind. */
static int
check_flag_error(const char *flag, const char *v, int rc, const char *range)
{
    char msg[224];
    (void)snprintf(msg, sizeof msg, "%s: %s '%.64s'%s%s", flag,
                   rc == SL_ETOOBIG ? "out of range:" : "invalid value", v,
                   rc == SL_ETOOBIG ? " " : "", rc == SL_ETOOBIG ? range : "");
    return cli_usage_error(&check_usage, msg);
}

/* The thresholds: the defaults, the policy file's, then the flags given. */
static int
check_policy(const check_cfg_t *cfg, sl_policy_t *p)
{
    sl_policy_defaults(p);
    if (cfg->policy != NULL) {
        sl_err_t err = {0};
        int rc = sl_policy_load(cfg->policy, p, &err);
        if (rc != SL_OK) {
            fprintf(stderr, "sluice check: %s\n", sl_err_msg(&err, rc));
            return rc == SL_ENOMEM || rc == SL_ESYS ? CLI_EXIT_ERROR
                                                    : CLI_EXIT_USAGE;
        }
    }
    if (cfg->min_coverage != NULL) {
        int rc = sl_policy_parse_pct(cfg->min_coverage, &p->min_line_coverage);
        if (rc != SL_OK) {
            return check_flag_error("--min-coverage", cfg->min_coverage, rc,
                                    "(0 to 100)");
        }
    }
    for (size_t i = 0; i < sizeof check_maxes / sizeof check_maxes[0]; i++) {
        const struct check_max *m = &check_maxes[i];
        const char *v =
            *(const char *const *)(const void *)((const char *)cfg +
                                                 m->cfg_off);
        int rc = v == NULL ? SL_OK
                           : sl_policy_parse_max(
                                 v, (uint64_t *)(void *)((char *)p +
                                                         m->policy_off));
        if (rc != SL_OK) {
            return check_flag_error(m->flag, v, rc,
                                    "(at most 18446744073709551614, or "
                                    "unlimited)");
        }
    }
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
        rc = sl_policy_judge(c->run, p, &v);
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

int
cli_cmd_check(int argc, char **argv)
{
    check_cfg_t cfg = {0};
    int n = 0;
    int st = cli_parse(&check_usage, &cfg, argc, argv, &n);
    sl_policy_t policy;
    if (st == CLI_CONTINUE) {
        st = check_policy(&cfg, &policy);
    }
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
    sl_run_free(&c.run);
    return cli_done(rc != SL_OK ? CLI_EXIT_ERROR
                    : fail      ? CLI_EXIT_ERROR
                                : CLI_EXIT_OK);
}
