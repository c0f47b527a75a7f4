/* Policies: the thresholds a run is judged with (sl_policy_t), where they
 * come from (built-in defaults, a policy file with scopes per project and
 * branch glob, command-line flags) and the judging itself (judge.c).
 *
 * Every threshold has one key, spelled the same in the policy file
 * (max_test_failures) and on the command line (--max-test-failures) of
 * `sluice check`, `sluice-gate` and `sluice gate replay`: the table
 * SL_POLICY_KEYS below is the single list of them. docs/policy.md describes
 * every key and scope. */
#ifndef SLUICE_POLICY_H
#define SLUICE_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/opt.h"
#include "sluice/run.h"

#define SL_POLICY_UNLIMITED UINT64_MAX

#define SL_POLICY_NAME_MAX 256   /* bytes of a glob, branch, URL, command */
#define SL_POLICY_BENCH_RULES 32 /* benchmark rules per scope */
#define SL_POLICY_GLOBS 16       /* globs in protected_branches */

typedef enum {
    SL_BENCH_PERCENT = 0, /* change of the candidate's mean, in % */
    SL_BENCH_ZSCORE = 1,  /* (candidate - mean) / sd of the baseline runs */
    SL_BENCH_WELCH = 2,   /* Welch's t-test, candidate vs baseline samples */
    SL_BENCH_IQR = 3,     /* candidate median past a Tukey fence */
} sl_bench_method_t;

typedef enum {
    SL_DIR_AUTO = 0,   /* as the file says (Benchmark.lower_is_better) */
    SL_DIR_LOWER = 1,  /* lower is better (times) */
    SL_DIR_HIGHER = 2, /* higher is better (throughput) */
} sl_bench_dir_t;

typedef enum {
    SL_FLAKY_WARN = 0,   /* a flaky test warns (default) */
    SL_FLAKY_FAIL = 1,   /* a flaky failure counts as a failure */
    SL_FLAKY_IGNORE = 2, /* flaky tests are neither named nor counted */
} sl_flaky_mode_t;

typedef enum {
    SL_COUNT_ALL = 0, /* every finding counts (default) */
    SL_COUNT_NEW = 1, /* only findings whose fingerprint the baseline lacks */
} sl_count_mode_t;

/* One performance rule: the first whose glob matches a benchmark's name
 * judges it. Thresholds are in the method's unit: percent for percent,
 * |z| for zscore, the p-value for welch (flagged below it), the fence
 * multiplier k for iqr. Statistical methods (zscore, welch, iqr) flag only
 * a change of at least min_change percent as well. */
typedef struct sl_bench_rule {
    char match[SL_POLICY_NAME_MAX]; /* fnmatch glob on the name */
    sl_bench_dir_t direction;
    sl_bench_method_t method;
    uint32_t window;      /* baseline runs compared with, default 10 */
    uint32_t min_history; /* fewer baseline runs: not judged, default 3 */
    double warn, fail;    /* thresholds; a negative value turns one off */
    double min_change;    /* percent, default 5 */
} sl_bench_rule_t;

typedef struct sl_policy {
    /* tests */
    uint64_t max_failures;   /* max_test_failures, default 0 */
    uint64_t max_errors;     /* max_test_errors, default 0 */
    sl_flaky_mode_t flaky;   /* flaky_tests, default warn */
    double flaky_flip_rate;  /* flaky_flip_rate: share of flips between
                                consecutive baseline outcomes making a
                                test flaky, 0 to 1 (0: off), default 0.2 */
    uint32_t flaky_window;   /* flaky_window: baseline outcomes looked at,
                                2 to 64, default 20 */
    /* coverage: percentages 0..100; 0 (minimums) turns a rule off */
    double min_line_coverage;   /* min_coverage, default 75 */
    double min_branch_coverage; /* min_branch_coverage, default 0 */
    double max_coverage_drop;   /* max_coverage_drop: percentage points
                                   of line coverage below the baseline;
                                   negative: off (default) */
    double min_patch_coverage;  /* min_patch_coverage, default 0 */
    /* security */
    uint64_t max_critical;      /* max_critical_vulns, default 0 */
    uint64_t max_high;          /* max_high_vulns, default 0 */
    uint64_t max_medium;        /* max_medium_vulns, default 3 */
    uint64_t max_low;           /* max_low_vulns, default unlimited */
    sl_count_mode_t count_findings; /* count_findings: all | new */
    /* performance: the rules, then a catch-all rule made of the bench_*
     * keys (method percent, warn 10, fail max_regression 20, window 10,
     * min_history 3, min_change 5, direction auto). */
    sl_bench_rule_t bench[SL_POLICY_BENCH_RULES]; /* benchmarks: [...] */
    size_t n_bench;
    sl_bench_rule_t bench_default; /* max_regression (its fail),
                                      warn_regression, bench_method,
                                      bench_window, bench_min_history,
                                      bench_min_change */
    /* baselines */
    char baseline_branch[SL_POLICY_NAME_MAX]; /* default "main" */
    char protected_branches[SL_POLICY_GLOBS][SL_POLICY_NAME_MAX];
    size_t n_protected; /* protected_branches: failed tests there fail the
                           run early; default: the baseline branch */
    /* alerts (raised on the baseline branch) */
    char alert_webhook[SL_POLICY_NAME_MAX]; /* http(s) URL, "" none */
    char alert_command[SL_POLICY_NAME_MAX]; /* run by /bin/sh -c with the
                                               alert JSON on stdin */
    uint64_t alert_timeout_ms; /* per webhook POST or command, 5000 */
} sl_policy_t;

/* The defaults above. */
void sl_policy_defaults(sl_policy_t *p);

/* The rule judging benchmark name under p: the first matching rule, else
 * p->bench_default. Never NULL. */
const sl_bench_rule_t *sl_policy_bench_rule(const sl_policy_t *p,
                                            const char *name);

/* Nonzero when branch matches one of p's protected_branches globs. */
int sl_policy_protected(const sl_policy_t *p, const char *branch);

/* ---- keys, scopes, files and flags (policy_keys.c, policy_file.c) ----
 *
 * A policy file is one YAML document, a mapping of:
 *   defaults:  KEYS                  applies to every run
 *   branches:  {GLOB: KEYS, ...}     runs of a branch matching GLOB
 *   projects:  {NAME: KEYS + branches: {GLOB: KEYS}}
 * KEYS is a mapping of the keys of SL_POLICY_KEYS (each optional). A run
 * of project P on branch B gets: the built-in defaults, then `defaults`,
 * then every top-level branch scope matching B (file order), then
 * projects.P (NAME is matched exactly), then every branch scope of
 * projects.P matching B, then the command-line flags: each later one
 * replacing only the keys it gives. Two keys go with others: a scope (or
 * the flags) giving bench_method without max_regression or
 * warn_regression gives those the method's defaults, as a rule of
 * `benchmarks` does.
 * GLOB is matched by fnmatch(3) without flags: `*` and `?` match any
 * character, '/' included (the glob "release*" matches "release/1.2"). An
 * empty or absent branch (project) matches no branch (project) scope.
 * protected_branches, when no scope or flag gives it, is the baseline
 * branch of the run's policy.
 * Refused with "NAME:LINE:COL: reason": YAML errors, anything but one
 * mapping document, unknown or duplicate keys, wrong types, values out of
 * range, anchors, aliases, tags, over SL_POLICY_FILE_MAX bytes, and
 * scopes that combine into an invalid catch-all benchmark rule (e.g.
 * bench_method welch in defaults, max_regression 20 on a branch: a p-value
 * must be below 1). docs/policy.md describes every key. */

#define SL_POLICY_FILE_MAX (1u << 20) /* bytes: 1 MiB */
#define SL_POLICY_PROJECTS 1024      /* entries of projects */
#define SL_POLICY_BRANCH_SCOPES 64   /* entries of one branches mapping */

/* The keys, in the order --help lists them:
 *   X(ID, name, kind, field of sl_policy_t, lo, hi, arg, help)
 * kind says how a value is written (policy_keys.c reads them):
 *   MAX     digits, or unlimited               (uint64_t)
 *   PCT     a percentage: digits[.digits], lo to hi   (double)
 *   PCT_OFF a percentage, or off (stored as -1)
 *   RATE    digits[.digits], lo to hi          (double)
 *   U32     digits, lo to hi                   (uint32_t)
 *   NUM     digits[.digits], lo to hi          (double)
 *   THRESH  digits[.digits] up to hi, or off (-1); the unit and range of
 *           the catch-all rule's method apply on top (see benchmarks)
 *   ENUM    one of the words of arg, "a|b|c" (the enum's values 0, 1, 2)
 *   NAME    a branch name: 1 to SL_POLICY_NAME_MAX - 1 bytes, no control
 *           characters
 *   URL     "" (none), or http:// or https:// and a host, no spaces
 *   CMD     a command for /bin/sh -c, "" (none): no control characters
 *   DUR     a duration (500ms, 5s, 2m), lo to hi milliseconds
 *   GLOBS   up to SL_POLICY_GLOBS globs (NAME rules): a YAML sequence in
 *           a file, comma-separated on the command line ("" none)
 *   RULES   the benchmark rules (a file only: no flag) */
/* clang-format off */
#define SL_POLICY_KEYS(X)                                                      \
    X(MAX_TEST_FAILURES, "max_test_failures", MAX, max_failures, 0, 0, "N",    \
      "fail when more than N tests failed; N or unlimited")                    \
    X(MAX_TEST_ERRORS, "max_test_errors", MAX, max_errors, 0, 0, "N",          \
      "fail when more than N tests errored; N or unlimited")                   \
    X(FLAKY_TESTS, "flaky_tests", ENUM, flaky, 0, 0, "warn|fail|ignore",       \
      "a flaky test warns, counts as a failure, or is ignored")                \
    X(FLAKY_FLIP_RATE, "flaky_flip_rate", RATE, flaky_flip_rate, 0, 1, "R",    \
      "share of flips between consecutive baseline outcomes making a test "    \
      "flaky, 0 to 1; 0: off")                                                 \
    X(FLAKY_WINDOW, "flaky_window", U32, flaky_window, 2, 64, "N",             \
      "baseline outcomes of a test looked at for flips, 2 to 64")              \
    X(MIN_COVERAGE, "min_coverage", PCT, min_line_coverage, 0, 100, "PCT",     \
      "fail when line coverage is below PCT percent; 0: off")                  \
    X(MIN_BRANCH_COVERAGE, "min_branch_coverage", PCT, min_branch_coverage,    \
      0, 100, "PCT", "fail when branch coverage is below PCT percent; 0: off") \
    X(MAX_COVERAGE_DROP, "max_coverage_drop", PCT_OFF, max_coverage_drop, 0,   \
      100, "PP|off", "fail when line coverage is more than PP percentage "     \
      "points below the baseline's")                                           \
    X(MIN_PATCH_COVERAGE, "min_patch_coverage", PCT, min_patch_coverage, 0,    \
      100, "PCT", "fail when coverage of the changed lines is below PCT "      \
      "percent; 0: off")                                                       \
    X(MAX_CRITICAL_VULNS, "max_critical_vulns", MAX, max_critical, 0, 0, "N",  \
      "fail when more than N critical findings; N or unlimited")               \
    X(MAX_HIGH_VULNS, "max_high_vulns", MAX, max_high, 0, 0, "N",              \
      "fail when more than N high findings; N or unlimited")                   \
    X(MAX_MEDIUM_VULNS, "max_medium_vulns", MAX, max_medium, 0, 0, "N",        \
      "fail when more than N medium findings; N or unlimited")                 \
    X(MAX_LOW_VULNS, "max_low_vulns", MAX, max_low, 0, 0, "N",                 \
      "fail when more than N low findings; N or unlimited")                    \
    X(COUNT_FINDINGS, "count_findings", ENUM, count_findings, 0, 0,            \
      "all|new", "the maxima count all findings, or only those the baseline "  \
      "lacks")                                                                 \
    X(MAX_REGRESSION, "max_regression", THRESH, bench_default.fail, 0, 1e6,    \
      "T|off", "catch-all benchmark rule: fail past T, in bench_method's "     \
      "unit (percent: % worse; zscore: |z|; welch: p-value; iqr: fence k)")    \
    X(WARN_REGRESSION, "warn_regression", THRESH, bench_default.warn, 0, 1e6,  \
      "T|off", "catch-all benchmark rule: warn past T, as max_regression")     \
    X(BENCH_METHOD, "bench_method", ENUM, bench_default.method, 0, 0,          \
      "percent|zscore|welch|iqr", "catch-all benchmark rule: the method "      \
      "(given alone, its default thresholds come with it)")                    \
    X(BENCH_WINDOW, "bench_window", U32, bench_default.window, 1, 1000, "N",   \
      "catch-all benchmark rule: baseline runs compared with, 1 to 1000")      \
    X(BENCH_MIN_HISTORY, "bench_min_history", U32, bench_default.min_history,  \
      1, 1000, "N", "catch-all benchmark rule: fewer baseline runs are not "   \
      "judged; at most bench_window")                                          \
    X(BENCH_MIN_CHANGE, "bench_min_change", NUM, bench_default.min_change, 0,  \
      1e6, "PCT", "catch-all benchmark rule: zscore, welch and iqr flag only " \
      "a change of PCT percent or more")                                       \
    X(BASELINE_BRANCH, "baseline_branch", NAME, baseline_branch, 0, 0, "B",    \
      "the branch whose recent runs are the baseline")                         \
    X(PROTECTED_BRANCHES, "protected_branches", GLOBS, protected_branches, 0,  \
      0, "G,G", "branch globs where a failed test fails the run at once")      \
    X(ALERT_WEBHOOK, "alert_webhook", URL, alert_webhook, 0, 0, "URL",         \
      "POST alerts (JSON) to this http:// or https:// URL; \"\": none")        \
    X(ALERT_COMMAND, "alert_command", CMD, alert_command, 0, 0, "CMD",         \
      "run CMD by /bin/sh -c with each alert (JSON) on stdin; \"\": none")     \
    X(ALERT_TIMEOUT, "alert_timeout", DUR, alert_timeout_ms, 1, 600000,        \
      "DUR", "time allowed to one webhook POST or command, 1ms to 10m")        \
    X(BENCHMARKS, "benchmarks", RULES, bench, 0, 0, NULL,                      \
      "benchmark rules, the first matching a name judging it")
/* clang-format on */

/* SL_PK_MAX_TEST_FAILURES, ...: a key's index, and its bit in a mask. */
typedef enum {
#define SL_POLICY_KEY_ID(id, ...) SL_PK_##id,
    SL_POLICY_KEYS(SL_POLICY_KEY_ID)
#undef SL_POLICY_KEY_ID
    SL_POLICY_NKEYS
} sl_policy_key_t;

typedef struct sl_policy_set sl_policy_set_t; /* a parsed file */

/* Which keys a scope or the command line gives: one bit per key. */
typedef uint64_t sl_policy_mask_t;
#define SL_POLICY_BIT(k) ((sl_policy_mask_t)1 << (k))

/* Parses the policy document text[0..len) (named name in messages) into a
 * new set (*out, freed with sl_policy_set_free). SL_EINPUT (refused, err
 * says where and why), SL_ETOOBIG (over SL_POLICY_FILE_MAX), SL_ENOMEM. */
int sl_policy_parse_set(const char *name, const char *text, size_t len,
                        sl_policy_set_t **out, sl_err_t *err) SL_NODISCARD;
/* sl_policy_parse_set of a file (it may be a pipe), read to its end but
 * no further than the cap; adds SL_ENOTFOUND, SL_EIO, ... ("PATH: cannot
 * open: why") for one that cannot be read. */
int sl_policy_load_set(const char *path, sl_policy_set_t **out, sl_err_t *err)
    SL_NODISCARD;
/* Frees *s (NULL-safe) and NULLs it. */
void sl_policy_set_free(sl_policy_set_t **s);

/* The policy of a run of project on branch: the built-in defaults, the
 * scopes of s that apply (s may be NULL: none), then the keys of
 * overrides named in mask (overrides may be NULL when mask is 0). */
void sl_policy_resolve(const sl_policy_set_t *s, const char *project,
                       const char *branch, const sl_policy_t *overrides,
                       sl_policy_mask_t mask, sl_policy_t *out);

/* Checks that the keys of overrides named in mask (the command line) make
 * a valid catch-all benchmark rule over every scope of s (NULL: none) they
 * may follow, as the file's own scopes were checked when parsed.
 * SL_EINVAL with "--flag: reason" in err. */
int sl_policy_check_overrides(const sl_policy_set_t *s,
                              const sl_policy_t *overrides,
                              sl_policy_mask_t mask, sl_err_t *err)
    SL_NODISCARD;

/* Sets key (a policy-file key, or a flag name without "--": dashes and
 * underscores are the same) of *p from its text value, and its bit in
 * *mask. bench_method also sets the catch-all's warn and fail to the
 * method's defaults unless their bits are in *mask already. SL_EINVAL
 * (unknown key, benchmarks, or a bad value: err says which and why, as
 * "--flag-name: reason"); *p untouched then. */
int sl_policy_set_key(sl_policy_t *p, sl_policy_mask_t *mask, const char *key,
                      const char *value, sl_err_t *err) SL_NODISCARD;

/* Command-line flags: if argv[*i] is a threshold flag ("--key V" or
 * "--key=V"), applies it with sl_policy_set_key, sets *i to the index of
 * the next argument to look at and returns 1; returns 0 (*i untouched)
 * for any other argument; -1 with err set for a bad value or a missing
 * one. */
int sl_policy_flag(sl_policy_t *p, sl_policy_mask_t *mask, int argc,
                   char **argv, int *i, sl_err_t *err);

/* Takes the threshold flags out of argv[1..*argc) for a program whose
 * other options are opts (sl_opt_t table, its --name V values skipped, so
 * "--branch --x" keeps "--x" as the value of --branch): each is applied
 * to p and mask, the rest stay in order in argv[1..*argc) for
 * sl_opt_parse. Nothing after "--" is looked at. SL_EINVAL with the
 * message of sl_policy_flag. */
int sl_policy_take_flags(const sl_opt_t *opts, sl_policy_t *p,
                         sl_policy_mask_t *mask, int *argc, char **argv,
                         sl_err_t *err) SL_NODISCARD;

/* p as a policy file (every key under `defaults:`, benchmark rules
 * included) into *out (malloc'ed, NUL-terminated): parsed back, it gives
 * p again. The gate stores it in each verdict (Verdict.policy), so a
 * verdict can be re-derived with `sluice gate replay --policy`. SL_ENOMEM. */
int sl_policy_snapshot(const sl_policy_t *p, char **out) SL_NODISCARD;

/* Prints one aligned help line per threshold flag with its default (of
 * sl_policy_defaults). */
void sl_policy_flags_help(FILE *out);

/* A percentage: digits with an optional fraction ("75", "62.5"), from 0
 * to 100, into *out. SL_EINVAL for any other form, SL_ETOOBIG above 100;
 * *out untouched then. */
int sl_policy_parse_pct(const char *s, double *out) SL_NODISCARD;

/* A maximum: digits below SL_POLICY_UNLIMITED, or "unlimited" (which is
 * SL_POLICY_UNLIMITED). SL_EINVAL for any other form, SL_ETOOBIG for a
 * number too large; *out untouched then. */
int sl_policy_parse_max(const char *s, uint64_t *out) SL_NODISCARD;

/* The warn and fail thresholds of method m when a rule leaves them out:
 * percent 10 and 20, zscore 2 and 3, welch 0.01 and 0.001, iqr 1.5 and
 * 3. */
void sl_policy_method_defaults(sl_bench_method_t m, double *warn,
                               double *fail);

/* ---- judging (judge.c) ---- */

/* What the gate knows about one failed or flaky test of the run. */
typedef enum {
    SL_FLAKY_NOT = 0,
    SL_FLAKY_RERUN = 1,       /* failed, then passed on a rerun in the run */
    SL_FLAKY_SAME_COMMIT = 2, /* both outcomes on this commit */
    SL_FLAKY_FLIPS = 3,       /* flips often on the baseline branch */
} sl_flaky_why_t;

typedef struct sl_test_note {
    const char *id;
    Sluice__V1__TestStatus status; /* in this run */
    sl_flaky_why_t flaky;
    double flip_rate; /* for SL_FLAKY_FLIPS */
} sl_test_note_t;

/* What a run is compared with: baseline runs, newest first. */
typedef struct sl_baseline {
    const sl_pb_run_t *const *runs;
    size_t n;
    const Sluice__V1__Baseline *about; /* copied into the verdict; may be
                                          NULL when n is 0 */
} sl_baseline_t;

typedef struct sl_judge_in {
    const sl_pb_run_t *run;
    const sl_policy_t *policy; /* NULL: the defaults */
    sl_baseline_t base;
    /* failed/errored tests and tests that passed only on a rerun, at most
     * SL_JUDGE_TESTS_MAX (the rest are plain failures); may be NULL */
    const sl_test_note_t *tests;
    size_t n_tests;
    /* findings whose fingerprint the newest baseline run lacks, by
     * Severity (index 0..4); has_new 0: unknown (no baseline) */
    uint64_t new_findings[5];
    int has_new;
    /* the run's benchmark samples are in run->benchmarks; a baseline
     * run's in base.runs[i]->benchmarks */
} sl_judge_in_t;

#define SL_JUDGE_TESTS_MAX 1000u

/* Fills *out with a newly allocated verdict for in (every reason with its
 * rule, status, value, threshold and baseline); the caller frees it with
 * sl_wire_free. A finished run missing a declared kind or with an artifact
 * left incomplete is judged VERDICT_INCOMPLETE. SL_ENOMEM. */
int sl_judge(const sl_judge_in_t *in, sl_pb_verdict_t **out) SL_NODISCARD;

/* The run-local judgement (no baseline, no test notes): sl_judge of
 * {r, p}. */
int sl_policy_judge(const sl_pb_run_t *r, const sl_policy_t *p,
                    sl_pb_verdict_t **out) SL_NODISCARD;

#endif
