/* Policy files (lib/policy_file.c, policy_scope.c, policy_keys.c): the
 * values loaded for every key, the scopes a run of a project and branch
 * resolves to and their order, every refusal with its exact message
 * (name:LINE:COL: reason), the check of the catch-all benchmark rule over
 * scopes and flags, the files under tests/fixtures/policy and
 * examples/sluice.yml, the caps, and the flags and --help made from the
 * same table of keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sluice/policy.h"

#define FIX(name) SL_SOURCE_DIR "/tests/fixtures/policy/" name
#define BIT(k)    SL_POLICY_BIT(SL_PK_##k)

static int
parse(const char *text, sl_policy_set_t **s, sl_err_t *err)
{
    return sl_policy_parse_set("t.yml", text, strlen(text), s, err);
}

/* The policy text gives a run of project on branch (the text must
 * parse). */
static void
resolved(const char *text, const char *project, const char *branch,
         sl_policy_t *p)
{
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    int rc = parse(text, &s, &err);
    if (rc != SL_OK) {
        print_error("%s\n", err.msg);
    }
    assert_int_equal(rc, SL_OK);
    sl_policy_resolve(s, project, branch, NULL, 0, p);
    sl_policy_set_free(&s);
    assert_null(s);
}

static void
assert_policy(const sl_policy_t *p, double cov, uint64_t failures,
              uint64_t errors, uint64_t critical, uint64_t high,
              uint64_t medium, uint64_t low)
{
    assert_true(p->min_line_coverage == cov);
    assert_int_equal(p->max_failures, failures);
    assert_int_equal(p->max_errors, errors);
    assert_int_equal(p->max_critical, critical);
    assert_int_equal(p->max_high, high);
    assert_int_equal(p->max_medium, medium);
    assert_int_equal(p->max_low, low);
}

static void
test_policy_file_values(void **state)
{
    (void)state;
    sl_policy_t p;
    resolved("defaults:\n"
             "  min_coverage: 62.5\n"
             "  max_test_failures: 1\n"
             "  max_test_errors: 2\n"
             "  max_critical_vulns: 3\n"
             "  max_high_vulns: 18446744073709551614\n"
             "  max_medium_vulns: unlimited\n"
             "  max_low_vulns: 'unlimited'\n",
             NULL, NULL, &p);
    assert_policy(&p, 62.5, 1, 2, 3, SL_POLICY_UNLIMITED - 1,
                  SL_POLICY_UNLIMITED, SL_POLICY_UNLIMITED);
}

/* Keys left out keep sl_policy_defaults; flow style and quoted keys are
 * YAML like any other; an empty mapping or scope changes nothing. */
static void
test_policy_file_partial(void **state)
{
    (void)state;
    sl_policy_t p, d;
    sl_policy_defaults(&d);
    resolved("defaults: {\"max_medium_vulns\": 0, min_coverage: 0}\n", NULL,
             NULL, &p);
    assert_policy(&p, 0, d.max_failures, d.max_errors, d.max_critical,
                  d.max_high, 0, d.max_low);
    static const char *const same[] = {
        "defaults: {}\n",
        "# only comments\n{}\n...\n",
        "branches: {}\nprojects: {}\n",
        "projects: {x: {}, y: {branches: {}}}\nbranches: {'*': {}}\n",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        resolved(same[i], "x", "main", &p);
        assert_memory_equal(&p, &d, sizeof p);
    }
    resolved("%YAML 1.1\n---\ndefaults:\n  max_low_vulns: 9\n", NULL, NULL,
             &p);
    assert_policy(&p, 75, 0, 0, 0, 0, 3, 9);
}

/* Every key of all-keys.yml, each away from its default. */
static void
test_policy_file_every_key(void **state)
{
    (void)state;
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    sl_policy_t p;
    assert_int_equal(sl_policy_load_set(FIX("all-keys.yml"), &s, &err),
                     SL_OK);
    sl_policy_resolve(s, NULL, NULL, NULL, 0, &p);
    sl_policy_set_free(&s);
    assert_policy(&p, 62.5, 1, 2, 3, 4, SL_POLICY_UNLIMITED,
                  SL_POLICY_UNLIMITED);
    assert_int_equal(p.flaky, SL_FLAKY_FAIL);
    assert_true(p.flaky_flip_rate == 0.35);
    assert_int_equal(p.flaky_window, 30);
    assert_true(p.min_branch_coverage == 40);
    assert_true(p.max_coverage_drop == 1.5);
    assert_true(p.min_patch_coverage == 90);
    assert_int_equal(p.count_findings, SL_COUNT_NEW);
    const sl_bench_rule_t *d = &p.bench_default;
    assert_int_equal(d->method, SL_BENCH_ZSCORE);
    assert_true(d->fail == 4 && d->warn == 2.5);
    assert_int_equal(d->window, 25);
    assert_int_equal(d->min_history, 6);
    assert_true(d->min_change == 7.5);
    assert_int_equal(d->direction, SL_DIR_AUTO);
    assert_string_equal(d->match, "*");
    assert_string_equal(p.baseline_branch, "develop");
    assert_int_equal(p.n_protected, 2);
    assert_string_equal(p.protected_branches[0], "develop");
    assert_string_equal(p.protected_branches[1], "release/*");
    assert_string_equal(p.alert_webhook,
                        "https://hooks.example.com/sluice?team=ci");
    assert_string_equal(p.alert_command, "cat > /dev/null");
    assert_int_equal(p.alert_timeout_ms, 1500);
    assert_int_equal(p.n_bench, 2);
    const sl_bench_rule_t *a = &p.bench[0], *b = &p.bench[1];
    assert_string_equal(a->match, "a*");
    assert_int_equal(a->direction, SL_DIR_HIGHER);
    assert_int_equal(a->method, SL_BENCH_WELCH);
    assert_int_equal(a->window, 5);
    assert_int_equal(a->min_history, 2);
    assert_true(a->warn == 0.05 && a->fail == 0.01 && a->min_change == 1);
    /* a rule of match alone: the defaults of a rule */
    assert_string_equal(b->match, "b");
    assert_int_equal(b->direction, SL_DIR_AUTO);
    assert_int_equal(b->method, SL_BENCH_PERCENT);
    assert_int_equal(b->window, 10);
    assert_int_equal(b->min_history, 3);
    assert_true(b->warn == 10 && b->fail == 20 && b->min_change == 5);
}

/* The order of scopes: defaults, top-level branch scopes matching (file
 * order), the project, its branch scopes matching; each replacing only
 * the keys it gives. */
static const char scopes[] =
    "defaults: {min_coverage: 10, max_test_failures: 1, max_low_vulns: 7}\n"
    "branches:\n"
    "  'release/*': {min_coverage: 20, max_high_vulns: 2}\n"
    "  '*': {min_coverage: 30}\n"
    "  'rel*': {max_high_vulns: 3}\n"
    "projects:\n"
    "  api:\n"
    "    max_test_failures: 5\n"
    "    branches:\n"
    "      'release/1.*': {max_test_failures: 6}\n"
    "      '*': {max_critical_vulns: 9}\n"
    "  'api*': {max_test_failures: 99}\n";

static void
test_policy_file_scopes(void **state)
{
    (void)state;
    sl_policy_t p;
    /* no project, no branch: defaults only */
    resolved(scopes, NULL, NULL, &p);
    assert_policy(&p, 10, 1, 0, 0, 0, 3, 7);
    resolved(scopes, "", "", &p);
    assert_policy(&p, 10, 1, 0, 0, 0, 3, 7);
    /* '*' matches any branch; later scopes win */
    resolved(scopes, "web", "main", &p);
    assert_policy(&p, 30, 1, 0, 0, 0, 3, 7);
    /* '*' and '?' match '/': "release/" "*" and "rel*" both match, in
     * order */
    resolved(scopes, "web", "release/1.2/rc1", &p);
    assert_policy(&p, 30, 1, 0, 0, 3, 3, 7);
    /* the project: exact name ('api*' is a name, not a glob) */
    resolved(scopes, "api", "main", &p);
    assert_policy(&p, 30, 5, 0, 9, 0, 3, 7);
    resolved(scopes, "api", "release/1.2", &p);
    assert_policy(&p, 30, 6, 0, 9, 3, 3, 7);
    resolved(scopes, "api2", "main", &p);
    assert_policy(&p, 30, 1, 0, 0, 0, 3, 7);
    resolved(scopes, "api*", "main", &p);
    assert_policy(&p, 30, 99, 0, 0, 0, 3, 7);
    /* a project without a branch: its own scope, no branch scope */
    resolved(scopes, "api", NULL, &p);
    assert_policy(&p, 10, 5, 0, 0, 0, 3, 7);
}

/* The flags (overrides) come last and replace only the keys of mask. */
static void
test_policy_file_overrides(void **state)
{
    (void)state;
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    sl_policy_t ov, p;
    sl_policy_mask_t mask = 0;
    assert_int_equal(parse(scopes, &s, &err), SL_OK);
    sl_policy_defaults(&ov);
    ov.max_failures = 42;  /* not in the mask: ignored */
    assert_int_equal(sl_policy_set_key(&ov, &mask, "max-high-vulns", "8",
                                       &err),
                     SL_OK);
    assert_int_equal(sl_policy_set_key(&ov, &mask, "min_coverage", "0", &err),
                     SL_OK);
    assert_int_equal(mask, BIT(MAX_HIGH_VULNS) | BIT(MIN_COVERAGE));
    assert_int_equal(sl_policy_check_overrides(s, &ov, mask, &err), SL_OK);
    sl_policy_resolve(s, "api", "release/1.2", &ov, mask, &p);
    assert_policy(&p, 0, 6, 0, 9, 8, 3, 7);
    /* no file: the defaults and the flags */
    sl_policy_resolve(NULL, "api", "main", &ov, mask, &p);
    assert_policy(&p, 0, 0, 0, 0, 8, 3, SL_POLICY_UNLIMITED);
    sl_policy_resolve(NULL, NULL, NULL, NULL, 0, &p);
    sl_policy_t d;
    sl_policy_defaults(&d);
    assert_memory_equal(&p, &d, sizeof p);
    sl_policy_set_free(&s);
    sl_policy_set_free(&s); /* NULL-safe */
}

/* protected_branches follows the baseline branch unless given. */
static void
test_policy_file_protected(void **state)
{
    (void)state;
    sl_policy_t p;
    resolved("defaults: {baseline_branch: develop}\n", "x", "main", &p);
    assert_int_equal(p.n_protected, 1);
    assert_string_equal(p.protected_branches[0], "develop");
    assert_true(sl_policy_protected(&p, "develop"));
    assert_false(sl_policy_protected(&p, "main"));
    resolved("defaults: {baseline_branch: develop}\n"
             "branches: {'hotfix/*': {protected_branches: ['hotfix/*', "
             "'v?.*']}}\n",
             "x", "hotfix/a/b", &p);
    assert_int_equal(p.n_protected, 2);
    assert_true(sl_policy_protected(&p, "hotfix/a/b"));
    assert_true(sl_policy_protected(&p, "v1.2/x"));
    assert_false(sl_policy_protected(&p, "develop"));
    assert_false(sl_policy_protected(&p, ""));
    assert_false(sl_policy_protected(&p, NULL));
    resolved("defaults: {protected_branches: []}\n", NULL, "main", &p);
    assert_int_equal(p.n_protected, 0);
    assert_false(sl_policy_protected(&p, "main"));
    sl_policy_defaults(&p);
    assert_true(sl_policy_protected(&p, "main"));
}

/* Benchmark rules: the first matching one, else the catch-all; a scope's
 * benchmarks replaces the list; bench_method alone brings its
 * thresholds. */
static void
test_policy_file_bench_rules(void **state)
{
    (void)state;
    static const char text[] =
        "defaults:\n"
        "  benchmarks:\n"
        "    - {match: 'parse_*', method: zscore}\n"
        "    - {match: 'io/*', method: welch, warn: off}\n"
        "    - {match: 'parse_json', method: iqr}\n"
        "    - {match: 'x', fail: off, warn: 0}\n"
        "projects:\n"
        "  p: {benchmarks: [], bench_method: iqr}\n"
        "  q: {bench_method: welch, warn_regression: 0.2}\n";
    sl_policy_t p;
    resolved(text, "a", "main", &p);
    assert_int_equal(p.n_bench, 4);
    const sl_bench_rule_t *r = sl_policy_bench_rule(&p, "parse_json");
    assert_ptr_equal(r, &p.bench[0]);
    assert_true(r->warn == 2 && r->fail == 3);
    r = sl_policy_bench_rule(&p, "io/read/4k");
    assert_ptr_equal(r, &p.bench[1]);
    assert_true(r->warn == -1 && r->fail == 0.001);
    assert_true(p.bench[2].warn == 1.5 && p.bench[2].fail == 3);
    assert_true(p.bench[3].warn == 0 && p.bench[3].fail == -1);
    assert_ptr_equal(sl_policy_bench_rule(&p, "other"), &p.bench_default);
    assert_true(p.bench_default.warn == 10 && p.bench_default.fail == 20);
    resolved(text, "p", "main", &p);
    assert_int_equal(p.n_bench, 0);
    assert_ptr_equal(sl_policy_bench_rule(&p, "parse_json"),
                     &p.bench_default);
    assert_int_equal(p.bench_default.method, SL_BENCH_IQR);
    assert_true(p.bench_default.warn == 1.5 && p.bench_default.fail == 3);
    resolved(text, "q", "main", &p);
    assert_int_equal(p.bench_default.method, SL_BENCH_WELCH);
    assert_true(p.bench_default.warn == 0.2);
    assert_true(p.bench_default.fail == 0.001);
}

typedef struct refusal {
    const char *text;
    const char *msg;
} refusal_t;

static const refusal_t refusals[] = {
    /* the document */
    {"", "t.yml:1:1: no document: want a mapping of defaults, branches and "
         "projects (see examples/sluice.yml)"},
    {"# nothing\n", "t.yml:2:1: no document: want a mapping of defaults, "
                    "branches and projects (see examples/sluice.yml)"},
    {"- 1\n", "t.yml:1:1: want a mapping of defaults, branches and projects "
              "(see examples/sluice.yml), not a list"},
    {"80\n", "t.yml:1:1: want a mapping of defaults, branches and projects "
             "(see examples/sluice.yml), not '80'"},
    {"defaults:\n", "t.yml:1:10: defaults: want a mapping of thresholds, "
                    "not an empty value"},
    {"defaults: [1]\n", "t.yml:1:11: defaults: want a mapping of "
                        "thresholds, not a list"},
    {"stages: {}\n", "t.yml:1:1: unknown top-level key 'stages' (known: "
                     "defaults, branches, projects)"},
    {"[a]: 1\n", "t.yml:1:1: a key must be a string, not a list"},
    {"defaults: {}\ndefaults: {}\n", "t.yml:2:1: duplicate key 'defaults' "
                                     "(first at line 1)"},
    {"branches: {}\nprojects: {}\nbranches: {}\n",
     "t.yml:3:1: duplicate key 'branches' (first at line 1)"},
    /* keys */
    {"defaults:\n  max_warnings: 3\n",
     "t.yml:2:3: unknown key 'max_warnings' in defaults (the keys: "
     "docs/policy.md)"},
    {"defaults:\n  min_coverag: 3\n",
     "t.yml:2:3: unknown key 'min_coverag' in defaults (did you mean "
     "min_coverage?)"},
    {"defaults:\n  max-test-errors: 3\n",
     "t.yml:2:3: unknown key 'max-test-errors' in defaults (did you mean "
     "max_test_errors?)"},
    {"defaults: {\"a\\e[31m\": 1}\n",
     "t.yml:1:12: unknown key 'a?[31m' in defaults (the keys: "
     "docs/policy.md)"},
    {"defaults:\n  branches: {}\n",
     "t.yml:2:3: unknown key 'branches' in defaults (branches is a "
     "top-level key, or a key of a project)"},
    {"projects:\n  a:\n    projects: {}\n",
     "t.yml:3:5: unknown key 'projects' in projects.a (the keys: "
     "docs/policy.md)"},
    {"branches:\n  main:\n    branches: {}\n",
     "t.yml:3:5: unknown key 'branches' in branches.main (branches is a "
     "top-level key, or a key of a project)"},
    {"defaults:\n  ? [a]\n  : 1\n", "t.yml:2:5: a key of defaults must be "
                                    "a string, not a list"},
    {"defaults:\n  max_high_vulns: 1\n  max_high_vulns: 2\n",
     "t.yml:3:3: duplicate key 'max_high_vulns' (first at line 2)"},
    {"projects:\n  a:\n    branches: {}\n    branches: {}\n",
     "t.yml:4:5: duplicate key 'branches' (first at line 3)"},
    /* scopes */
    {"branches: [main]\n", "t.yml:1:11: branches: want a mapping of branch "
                           "globs to thresholds, not a list"},
    {"branches:\n  main: 80\n", "t.yml:2:9: branches.main: want a mapping "
                                "of thresholds, not '80'"},
    {"branches:\n  '': {}\n", "t.yml:2:3: branches: want a branch glob of 1 "
                              "to 255 bytes without control characters, "
                              "not the quoted string ''"},
    {"branches:\n  \"a\\tb\": {}\n",
     "t.yml:2:3: branches: want a branch glob of 1 to 255 bytes without "
     "control characters, not the quoted string 'a?b'"},
    {"branches:\n  main: {}\n  'main': {}\n",
     "t.yml:3:3: duplicate branch glob 'main' (first at line 2)"},
    {"projects: [a]\n", "t.yml:1:11: projects: want a mapping of project "
                        "names to thresholds, not a list"},
    {"projects:\n  a: {}\n  b: {}\n  a: {}\n",
     "t.yml:4:3: duplicate project 'a' (first at line 2)"},
    {"projects:\n  \"a\\x01\": {}\n",
     "t.yml:2:3: projects: want a project name of 1 to 255 bytes without "
     "control characters, not the quoted string 'a?'"},
    {"projects:\n  a:\n    branches:\n      x: {min_coverage: 101}\n",
     "t.yml:4:25: min_coverage: 101 is out of range (0 to 100)"},
    {"projects:\n  a:\n    branches:\n      x:\n        bogus: 1\n",
     "t.yml:5:9: unknown key 'bogus' in projects.a.branches.x (the keys: "
     "docs/policy.md)"},
    /* values */
    {"defaults:\n  max_high_vulns: lots\n",
     "t.yml:2:19: max_high_vulns: want a whole number or unlimited, not "
     "'lots'"},
    {"defaults:\n  max_high_vulns: -1\n",
     "t.yml:2:19: max_high_vulns: want a whole number or unlimited, not "
     "'-1'"},
    {"defaults:\n  max_high_vulns: 0x10\n",
     "t.yml:2:19: max_high_vulns: want a whole number or unlimited, not "
     "'0x10'"},
    {"defaults:\n  max_high_vulns: \"3\"\n",
     "t.yml:2:19: max_high_vulns: want a whole number or unlimited, not the "
     "quoted string '3'"},
    {"defaults:\n  max_high_vulns:\n",
     "t.yml:2:18: max_high_vulns: want a whole number or unlimited, not an "
     "empty value"},
    {"defaults:\n  max_high_vulns: [1]\n",
     "t.yml:2:19: max_high_vulns: want a whole number or unlimited, not a "
     "list"},
    {"defaults:\n  max_low_vulns: 18446744073709551615\n",
     "t.yml:2:18: max_low_vulns: 18446744073709551615 is out of range (at "
     "most 18446744073709551614, or unlimited)"},
    {"defaults:\n  min_coverage: 100.01\n",
     "t.yml:2:17: min_coverage: 100.01 is out of range (0 to 100)"},
    {"defaults:\n  min_coverage: 80%\n",
     "t.yml:2:17: min_coverage: want a percentage from 0 to 100, not '80%'"},
    {"defaults:\n  min_coverage: 1e2\n",
     "t.yml:2:17: min_coverage: want a percentage from 0 to 100, not '1e2'"},
    {"defaults:\n  min_coverage: .5\n",
     "t.yml:2:17: min_coverage: want a percentage from 0 to 100, not '.5'"},
    {"defaults:\n  min_coverage: off\n",
     "t.yml:2:17: min_coverage: want a percentage from 0 to 100, not 'off'"},
    {"defaults:\n  min_coverage: {a: 1}\n",
     "t.yml:2:17: min_coverage: want a percentage from 0 to 100, not a "
     "mapping"},
    {"defaults:\n  max_coverage_drop: none\n",
     "t.yml:2:22: max_coverage_drop: want a percentage from 0 to 100, or "
     "off, not 'none'"},
    {"defaults:\n  flaky_tests: warning\n",
     "t.yml:2:16: flaky_tests: want one of warn/fail/ignore, not 'warning'"},
    {"defaults:\n  flaky_tests:\n",
     "t.yml:2:15: flaky_tests: want one of warn/fail/ignore, not an empty "
     "value"},
    {"defaults:\n  flaky_flip_rate: 1.5\n",
     "t.yml:2:20: flaky_flip_rate: 1.5 is out of range (0 to 1)"},
    {"defaults:\n  flaky_window: 1\n",
     "t.yml:2:17: flaky_window: 1 is out of range (2 to 64)"},
    {"defaults:\n  flaky_window: 65\n",
     "t.yml:2:17: flaky_window: 65 is out of range (2 to 64)"},
    {"defaults:\n  flaky_window: 99999999999999999999999\n",
     "t.yml:2:17: flaky_window: 99999999999999999999999 is out of range (2 "
     "to 64)"},
    {"defaults:\n  flaky_window: 2.0\n",
     "t.yml:2:17: flaky_window: want a whole number from 2 to 64, not "
     "'2.0'"},
    {"defaults:\n  count_findings: New\n",
     "t.yml:2:19: count_findings: want one of all/new, not 'New'"},
    {"defaults:\n  bench_method: ttest\n",
     "t.yml:2:17: bench_method: want one of percent/zscore/welch/iqr, not "
     "'ttest'"},
    {"defaults:\n  bench_window: 0\n",
     "t.yml:2:17: bench_window: 0 is out of range (1 to 1000)"},
    {"defaults:\n  bench_window: 1001\n",
     "t.yml:2:17: bench_window: 1001 is out of range (1 to 1000)"},
    {"defaults:\n  max_regression: -5\n",
     "t.yml:2:19: max_regression: want a number from 0 to 1000000, or off, "
     "not '-5'"},
    {"defaults:\n  max_regression: 1000001\n",
     "t.yml:2:19: max_regression: 1000001 is out of range (0 to 1000000)"},
    {"defaults:\n  bench_min_change: off\n",
     "t.yml:2:21: bench_min_change: want a number from 0 to 1000000, not "
     "'off'"},
    {"defaults:\n  baseline_branch:\n",
     "t.yml:2:19: baseline_branch: want a name without control characters, "
     "not an empty value"},
    {"defaults:\n  baseline_branch: ''\n",
     "t.yml:2:20: baseline_branch: want a name without control characters, "
     "not the quoted string ''"},
    {"defaults:\n  baseline_branch: \"a\\nb\"\n",
     "t.yml:2:20: baseline_branch: want a name without control characters, "
     "not the quoted string 'a?b'"},
    {"defaults:\n  protected_branches: main\n",
     "t.yml:2:23: protected_branches: want a list of branch globs, not "
     "'main'"},
    {"defaults:\n  protected_branches: [main, [x]]\n",
     "t.yml:2:30: protected_branches: want a name without control "
     "characters, not a list"},
    {"defaults:\n  protected_branches: [a, b, c, d, e, f, g, h, i, j, k, l, "
     "m, n, o, p, q]\n",
     "t.yml:2:72: protected_branches: more than 16 globs"},
    {"defaults:\n  alert_webhook: ftp://x\n",
     "t.yml:2:18: alert_webhook: want an http:// or https:// URL, not "
     "'ftp://x'"},
    {"defaults:\n  alert_webhook: http://\n",
     "t.yml:2:18: alert_webhook: want an http:// or https:// URL, not "
     "'http://'"},
    {"defaults:\n  alert_webhook: 'https://a b'\n",
     "t.yml:2:18: alert_webhook: want an http:// or https:// URL, not the "
     "quoted string 'https://a b'"},
    {"defaults:\n  alert_webhook:\n",
     "t.yml:2:17: alert_webhook: want an http:// or https:// URL, not an "
     "empty value"},
    {"defaults:\n  alert_command: \"a\\nb\"\n",
     "t.yml:2:18: alert_command: want a command without control "
     "characters, not the quoted string 'a?b'"},
    {"defaults:\n  alert_timeout: 0s\n",
     "t.yml:2:18: alert_timeout: want a duration from 1ms to 10m (500ms, "
     "5s), not '0s'"},
    {"defaults:\n  alert_timeout: 11m\n",
     "t.yml:2:18: alert_timeout: want a duration from 1ms to 10m (500ms, "
     "5s), not '11m'"},
    {"defaults:\n  alert_timeout: 5 s\n",
     "t.yml:2:18: alert_timeout: want a duration from 1ms to 10m (500ms, "
     "5s), not '5 s'"},
    /* benchmark rules */
    {"defaults:\n  benchmarks: {match: a}\n",
     "t.yml:2:15: benchmarks: want a list of rules ({match: GLOB, ...}), not "
     "a mapping"},
    {"defaults:\n  benchmarks: [a]\n",
     "t.yml:2:16: benchmarks[0]: want a mapping with match and optionally "
     "direction, method, window, min_history, warn, fail, min_change, not "
     "'a'"},
    {"defaults:\n  benchmarks:\n    - {match: a}\n    - {method: iqr}\n",
     "t.yml:4:7: benchmarks[1]: match is required (a glob on benchmark "
     "names)"},
    {"defaults:\n  benchmarks:\n    - {match: a, limit: 3}\n",
     "t.yml:3:18: unknown key 'limit' in benchmarks[0] (known: match, "
     "direction, method, window, min_history, warn, fail, min_change)"},
    {"defaults:\n  benchmarks:\n    - {match: a, match: b}\n",
     "t.yml:3:18: duplicate key 'match' (first at line 3)"},
    {"defaults:\n  benchmarks:\n    - {match: a, direction: up}\n",
     "t.yml:3:29: direction: want one of auto/lower/higher, not 'up'"},
    {"defaults:\n  benchmarks:\n    - {match: a, window: 0}\n",
     "t.yml:3:26: window: 0 is out of range (1 to 1000)"},
    {"defaults:\n  benchmarks:\n    - {match: a, method: welch, fail: 0.5}\n",
     "t.yml:3:39: benchmarks[0]: warn 0.01 (welch's default) is not above "
     "fail 0.5: a warning must come before a failure"},
    {"defaults:\n  benchmarks:\n    - {match: a, method: welch, fail: 1}\n",
     "t.yml:3:39: benchmarks[0]: fail 1 is not a p-value (above 0, below 1) "
     "as method welch needs"},
    {"defaults:\n  benchmarks:\n    - {match: a, fail: 0.5, method: welch,"
     " warn: 0}\n",
     "t.yml:3:50: benchmarks[0]: warn 0 is not a p-value (above 0, below 1) "
     "as method welch needs"},
    {"defaults:\n  benchmarks:\n    - {match: a, method: zscore, warn: 0}\n",
     "t.yml:3:40: benchmarks[0]: warn 0 must be above 0 for method zscore"},
    {"defaults:\n  benchmarks:\n    - {match: a, warn: 20}\n",
     "t.yml:3:24: benchmarks[0]: warn 20 is not below fail 20 (percent's "
     "default): a warning must come before a failure"},
    {"defaults:\n  benchmarks:\n    - {match: a, min_history: 11}\n",
     "t.yml:3:31: benchmarks[0]: min_history 11 is more than window 10 "
     "(default)"},
    {"defaults:\n  benchmarks:\n    - {match: a, window: 2}\n",
     "t.yml:3:26: benchmarks[0]: min_history 3 (default) is more than "
     "window 2"},
    /* the catch-all rule, over scopes */
    {"defaults:\n  bench_method: welch\nbranches:\n  main: "
     "{max_regression: 20}\n",
     "t.yml:4:26: max_regression 20 is not a p-value (above 0, below 1) as "
     "bench_method welch (line 2) needs"},
    {"defaults:\n  warn_regression: 15\nprojects:\n  a: {branches: {x: "
     "{max_regression: 12}}}\n",
     "t.yml:4:38: warn_regression 15 (line 2) is not below max_regression "
     "12: a warning must come before a failure"},
    {"branches:\n  a: {bench_window: 5}\n  b: {bench_min_history: 6}\n",
     "t.yml:3:26: bench_min_history 6 is more than bench_window 5 (line 2)"},
    {"defaults:\n  bench_min_history: 6\nprojects:\n  p: {bench_window: 5}\n",
     "t.yml:4:21: bench_min_history 6 (line 2) is more than bench_window 5"},
    {"defaults:\n  bench_method: iqr\n  warn_regression: 0\n",
     "t.yml:3:20: warn_regression 0 must be above 0 for bench_method iqr"},
    {"defaults: {max_regression: 5}\n",
     "t.yml:1:28: warn_regression 10 (default) is not below max_regression "
     "5: a warning must come before a failure"},
    {"defaults: {max_regression: 50}\nprojects:\n  p: {bench_method: zscore,"
     " warn_regression: 3}\n",
     "t.yml:3:46: warn_regression 3 is not below max_regression 3 (zscore's "
     "default): a warning must come before a failure"},
    /* YAML itself */
    {"defaults: &d {}\n",
     "t.yml:1:11: anchors and aliases are not allowed (&d)"},
    {"defaults:\n  max_low_vulns: *n\n",
     "t.yml:2:18: anchors and aliases are not allowed (*n)"},
    {"defaults: !!map {}\n",
     "t.yml:1:11: tags are not allowed (tag:yaml.org,2002:map)"},
    {"defaults:\n  max_low_vulns: !big 5\n",
     "t.yml:2:18: tags are not allowed (!big)"},
    {"defaults: {}\n---\ndefaults: {}\n",
     "t.yml:2:1: more than one document (a policy file holds one)"},
    {"defaults: {}\n--- x\n",
     "t.yml:2:1: more than one document (a policy file holds one)"},
    {"defaults: {\n", "t.yml:2:1: did not find expected node content "
                      "(while parsing a flow node at line 2)"},
    {"defaults:\n  min_coverage: 80\n max_high_vulns: 2\n",
     "t.yml:3:2: did not find expected key (while parsing a block mapping "
     "at line 1)"},
    {"defaults:\n\tmin_coverage: 80\n",
     "t.yml:2:1: found character that cannot start any token (while "
     "scanning for the next token at line 2)"},
    {"defaults:\n  min_coverage: \xff\n",
     "t.yml:2:17: invalid leading UTF-8 octet"},
    {"%YAML 2.0\n---\n{}\n", "t.yml:1:1: found incompatible YAML document"},
};

/* Every refusal is checked and each mismatch printed before the test
 * fails, so one run shows them all. */
static void
test_policy_file_refusals(void **state)
{
    (void)state;
    size_t wrong = 0;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        sl_policy_set_t *s = (sl_policy_set_t *)&wrong; /* overwritten */
        sl_err_t err = {0};
        int rc = parse(refusals[i].text, &s, &err);
        if (rc != SL_EINPUT || strcmp(err.msg, refusals[i].msg) != 0) {
            print_error("refusal %zu: rc %d, message\n  %s\nwanted\n  %s\n",
                        i, rc, err.msg, refusals[i].msg);
            wrong++;
        }
        assert_null(s);
    }
    assert_int_equal(wrong, 0);
}

/* A NUL inside a double-quoted key or value is not the key or word it
 * starts with. */
static void
test_policy_file_nul(void **state)
{
    (void)state;
    static const char text[] = "defaults: {max_low_vulns: \"unlimited\\0\"}";
    static const char key[] = "defaults: {\"min_coverage\\0\": 5}";
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0}, err2 = {0};
    assert_int_equal(
        sl_policy_parse_set("t.yml", text, sizeof text - 1, &s, &err),
        SL_EINPUT);
    assert_string_equal(err.msg, "t.yml:1:27: max_low_vulns: want a whole "
                                 "number or unlimited, not the quoted string "
                                 "'unlimited?'");
    assert_int_equal(
        sl_policy_parse_set("t.yml", key, sizeof key - 1, &s, &err2),
        SL_EINPUT);
    assert_string_equal(err2.msg, "t.yml:1:12: unknown key 'min_coverage?' "
                                  "in defaults (the keys: docs/policy.md)");
}

typedef struct fixture {
    const char *file;
    const char *msg; /* after "<path>:" */
} fixture_t;

static const fixture_t bad_files[] = {
    {FIX("bad-type.yml"), "3:19: max_high_vulns: want a whole number or "
                          "unlimited, not 'lots'"},
    {FIX("bad-range.yml"), "2:17: min_coverage: 120 is out of range (0 to "
                           "100)"},
    {FIX("quoted-number.yml"), "2:21: max_medium_vulns: want a whole number "
                               "or unlimited, not the quoted string '5'"},
    {FIX("unknown-key.yml"), "3:3: unknown key 'max_warnings' in defaults "
                             "(the keys: docs/policy.md)"},
    {FIX("unknown-top.yml"), "3:1: unknown top-level key 'stages' (known: "
                             "defaults, branches, projects)"},
    {FIX("branch-in-defaults.yml"),
     "2:3: unknown key 'branches' in defaults (branches is a top-level key, "
     "or a key of a project)"},
    {FIX("duplicate.yml"), "4:3: duplicate key 'max_high_vulns' (first at "
                           "line 2)"},
    {FIX("not-mapping.yml"), "1:1: want a mapping of defaults, branches and "
                             "projects (see examples/sluice.yml), not a "
                             "list"},
    {FIX("anchors.yml"), "2:11: anchors and aliases are not allowed (&a)"},
    {FIX("alias.yml"), "2:19: anchors and aliases are not allowed "
                       "(*limit)"},
    {FIX("tag.yml"), "2:19: tags are not allowed (tag:yaml.org,2002:int)"},
    {FIX("two-docs.yml"), "3:1: more than one document (a policy file "
                          "holds one)"},
    {FIX("syntax.yml"), "3:2: did not find expected key (while parsing a "
                        "block mapping at line 1)"},
    {FIX("empty.yml"), "1:1: no document: want a mapping of defaults, "
                       "branches and projects (see examples/sluice.yml)"},
    {FIX("welch-scope.yml"), "7:21: max_regression 20 is not a p-value "
                             "(above 0, below 1) as bench_method welch "
                             "(line 4) needs"},
    {FIX("rule-no-match.yml"), "5:7: benchmarks[1]: match is required (a "
                               "glob on benchmark names)"},
    {FIX("bad-url.yml"), "3:20: alert_webhook: want an http:// or https:// "
                         "URL, not 'ftp://hooks.example.com/x'"},
};

static void
load_resolved(const char *path, const char *project, const char *branch,
              sl_policy_t *p)
{
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    int rc = sl_policy_load_set(path, &s, &err);
    if (rc != SL_OK) {
        print_error("%s\n", err.msg);
    }
    assert_int_equal(rc, SL_OK);
    sl_policy_resolve(s, project, branch, NULL, 0, p);
    sl_policy_set_free(&s);
}

static void
test_policy_file_fixtures(void **state)
{
    (void)state;
    sl_policy_t p;
    load_resolved(FIX("lenient.yml"), "x", "main", &p);
    assert_policy(&p, 60, 1, 1, 0, 4, 3, SL_POLICY_UNLIMITED);
    load_resolved(FIX("strict.yml"), "x", "main", &p);
    assert_policy(&p, 80, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    load_resolved(FIX("empty-defaults.yml"), "x", "main", &p);
    assert_policy(&p, 75, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    /* scopes.yml: what e2e_policy.c relies on */
    load_resolved(FIX("scopes.yml"), "demo", "feature/x", &p);
    assert_policy(&p, 60, 1, 1, 0, 4, 5, 100);
    load_resolved(FIX("scopes.yml"), "demo", "main", &p);
    assert_policy(&p, 60, 0, 1, 0, 4, 5, 100);
    load_resolved(FIX("scopes.yml"), "other", "feature/x", &p);
    assert_policy(&p, 75, 0, 0, 0, 0, 5, 100);
    load_resolved(FIX("scopes.yml"), "other", "release/1.0", &p);
    assert_policy(&p, 80, 0, 0, 0, 0, 5, 100);
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        char want[512];
        sl_err_t e = {0};
        sl_policy_set_t *s = NULL;
        (void)snprintf(want, sizeof want, "%s:%s", bad_files[i].file,
                       bad_files[i].msg);
        assert_int_equal(sl_policy_load_set(bad_files[i].file, &s, &e),
                         SL_EINPUT);
        assert_string_equal(e.msg, want);
        assert_null(s);
    }
}

/* examples/sluice.yml: its scopes as its comments tell. */
static void
test_policy_file_example(void **state)
{
    (void)state;
    const char *ex = SL_SOURCE_DIR "/examples/sluice.yml";
    sl_policy_t p;
    load_resolved(ex, "web", "main", &p);
    assert_policy(&p, 80, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    assert_int_equal(p.n_bench, 5);
    assert_int_equal(sl_policy_bench_rule(&p, "parse_json")->method,
                     SL_BENCH_ZSCORE);
    assert_int_equal(sl_policy_bench_rule(&p, "io_read")->method,
                     SL_BENCH_WELCH);
    assert_true(sl_policy_bench_rule(&p, "io_read")->fail == 0.001);
    assert_int_equal(sl_policy_bench_rule(&p, "throughput_x")->method,
                     SL_BENCH_IQR);
    assert_true(sl_policy_bench_rule(&p, "noisy_a")->fail < 0);
    assert_ptr_equal(sl_policy_bench_rule(&p, "other"), &p.bench_default);
    assert_true(sl_policy_protected(&p, "release/1.2"));
    assert_string_equal(p.alert_webhook, "");
    assert_string_equal(p.alert_command, "cat >> sluice-alerts.jsonl");
    load_resolved(ex, "web", "release/1.2", &p);
    assert_policy(&p, 85, 0, 0, 0, 0, 0, SL_POLICY_UNLIMITED);
    load_resolved(ex, "web", "dependabot/npm/x", &p);
    assert_true(p.min_line_coverage == 0);
    load_resolved(ex, "api", "main", &p);
    assert_true(p.min_branch_coverage == 60 && p.max_coverage_drop == 1);
    assert_int_equal(p.count_findings, SL_COUNT_NEW);
    load_resolved(ex, "api", "feature", &p);
    assert_true(p.max_coverage_drop < 0);
    load_resolved(ex, "legacy", "main", &p);
    assert_policy(&p, 50, 2, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    assert_int_equal(p.n_bench, 0);
    assert_int_equal(p.bench_default.method, SL_BENCH_ZSCORE);
    assert_true(p.bench_default.warn == 2 && p.bench_default.fail == 3);
}

/* Writes n bytes of comment lines (64 bytes each) to a new temp file
 * named after the template path. */
static void
write_comments(char *path, size_t n)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        assert_true(fputc(i % 64 == 63 ? '\n' : '#', f) != EOF);
    }
    assert_int_equal(fclose(f), 0);
}

static void
test_policy_file_size_cap(void **state)
{
    (void)state;
    char path[] = "/tmp/sl-policy-XXXXXX";
    char want[128];
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    write_comments(path, SL_POLICY_FILE_MAX + 1);
    assert_int_equal(sl_policy_load_set(path, &s, &err), SL_ETOOBIG);
    (void)snprintf(want, sizeof want,
                   "%s: over 1 MiB, the cap of a policy file", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(unlink(path), 0);
    /* Exactly 1 MiB is read (and refused only for holding no document). */
    char path2[] = "/tmp/sl-policy-XXXXXX";
    sl_err_t err2 = {0};
    write_comments(path2, SL_POLICY_FILE_MAX);
    assert_int_equal(sl_policy_load_set(path2, &s, &err2), SL_EINPUT);
    (void)snprintf(want, sizeof want,
                   "%s:16385:1: no document: want a mapping of defaults, "
                   "branches and projects (see examples/sluice.yml)",
                   path2);
    assert_string_equal(err2.msg, want);
    assert_int_equal(unlink(path2), 0);
    sl_err_t err3 = {0};
    assert_int_equal(sl_policy_parse_set("big", "{}", SL_POLICY_FILE_MAX + 1,
                                         &s, &err3),
                     SL_ETOOBIG);
    assert_string_equal(err3.msg, "big: over 1 MiB, the cap of a policy "
                                  "file");
}

static void
test_policy_file_unreadable(void **state)
{
    (void)state;
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_policy_load_set(FIX("no-such.yml"), &s, &err),
                     SL_ENOTFOUND);
    assert_string_equal(err.msg, FIX("no-such.yml") ": cannot open: No such "
                                                    "file or directory");
    sl_err_t err2 = {0};
    assert_int_not_equal(sl_policy_load_set(FIX(""), &s, &err2), SL_OK);
    assert_string_equal(err2.msg, FIX("") ": cannot read: Is a directory");
    assert_null(s);
}

/* Appends printf output to a growing text. */
static void
add(char **text, size_t *len, const char *fmt, ...) SL_PRINTF(3, 4);

static void
add(char **text, size_t *len, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    char *t = realloc(*text, *len + (size_t)n + 1);
    assert_non_null(t);
    memcpy(t + *len, buf, (size_t)n + 1);
    *text = t;
    *len += (size_t)n;
}

/* A file of nproj projects with nbr branch scopes each: refused with want
 * when non-NULL, else parsed and resolved for project p<last>. */
static void
caps_file(size_t nproj, size_t nbr, size_t nrules, const char *want)
{
    char *t = NULL;
    size_t len = 0;
    add(&t, &len, nrules > 0 ? "defaults:\n  benchmarks:\n"
                             : "defaults: {}\n");
    for (size_t i = 0; i < nrules; i++) {
        add(&t, &len, "    - {match: 'b%zu'}\n", i);
    }
    add(&t, &len, "projects:\n");
    for (size_t i = 0; i < nproj; i++) {
        add(&t, &len, "  p%zu:\n    max_test_failures: %zu\n    branches:%s\n",
            i, i, nbr == 0 ? " {}" : "");
        for (size_t b = 0; b < nbr; b++) {
            add(&t, &len, "      'x%zu*': {max_high_vulns: %zu}\n", b, b);
        }
    }
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    int rc = sl_policy_parse_set("t.yml", t, len, &s, &err);
    free(t);
    if (want != NULL) {
        assert_int_equal(rc, SL_EINPUT);
        assert_string_equal(err.msg, want);
        return;
    }
    assert_int_equal(rc, SL_OK);
    char proj[32];
    sl_policy_t p;
    (void)snprintf(proj, sizeof proj, "p%zu", nproj - 1);
    sl_policy_resolve(s, proj, "x1y", NULL, 0, &p);
    sl_policy_set_free(&s);
    assert_int_equal(p.max_failures, nproj - 1);
    assert_int_equal(p.max_high, nbr > 1 ? 1 : 0);
    assert_int_equal(p.n_bench, nrules);
}

static void
test_policy_file_caps(void **state)
{
    (void)state;
    caps_file(SL_POLICY_PROJECTS, 2, SL_POLICY_BENCH_RULES, NULL);
    caps_file(SL_POLICY_PROJECTS + 1, 0, 0,
              "t.yml:3075:3: projects: more than 1024 projects");
    caps_file(2, SL_POLICY_BRANCH_SCOPES, 1, NULL);
    caps_file(1, SL_POLICY_BRANCH_SCOPES + 1, 0,
              "t.yml:70:7: projects.p0.branches: more than 64 branch scopes");
    caps_file(1, 1, SL_POLICY_BENCH_RULES + 1,
              "t.yml:35:7: benchmarks: more than 32 rules");
}

/* Scopes that each give a different part of the catch-all rule make
 * more rules possible at once than the check follows: refused, not
 * slow. */
static void
test_policy_file_catch_all_cap(void **state)
{
    (void)state;
    char *t = NULL;
    size_t len = 0;
    add(&t, &len, "branches:\n");
    for (size_t i = 0; i < 6; i++) {
        add(&t, &len, "  'a%zu': {max_regression: %zu}\n", i, 30 + i);
        add(&t, &len, "  'b%zu': {bench_window: %zu}\n", i, 20 + i);
    }
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_policy_parse_set("t.yml", t, len, &s, &err),
                     SL_EINPUT);
    free(t);
    assert_string_equal(err.msg,
                        "t.yml:11:3: with this scope, more than 32 different "
                        "catch-all benchmark rules (bench_method, "
                        "warn_regression, max_regression, bench_window, "
                        "bench_min_history) are possible; give these keys "
                        "in fewer scopes");
}

/* The flags against the scopes they may follow. */
static void
test_policy_file_check_overrides(void **state)
{
    (void)state;
    static const char text[] = "defaults: {bench_window: 20}\n"
                               "projects:\n"
                               "  p: {bench_method: welch}\n";
    static const struct {
        const char *flags[4];
        const char *msg; /* NULL: accepted */
    } cases[] = {
        /* percent 30 is fine but where p's welch needs a p-value */
        {{"max-regression", "30", NULL},
         "--max-regression: max_regression 30 is not a p-value (above 0, "
         "below 1) as bench_method welch (policy line 3) needs"},
        {{"max-regression", "0.5", NULL},
         "--max-regression: warn_regression 0.01 (welch's default) is not "
         "above max_regression 0.5: a warning must come before a failure"},
        {{"bench-min-history", "21", NULL},
         "--bench-min-history: bench_min_history 21 is more than "
         "bench_window 20 (policy line 1)"},
        {{"bench-method", "welch", "max-regression", "0.002"}, NULL},
        {{"bench-method", "welch", "max-regression", "0.02"},
         "--max-regression: warn_regression 0.01 (welch's default) is not "
         "above max_regression 0.02: a warning must come before a "
         "failure"},
        /* fine for p's welch, not for the percent of other projects */
        {{"max-regression", "0.0001", NULL},
         "--max-regression: warn_regression 10 (default) is not below "
         "max_regression 0.0001: a warning must come before a failure"},
        {{"max-regression", "0.0001", "warn-regression", "0.00005"},
         "--warn-regression: warn_regression 5e-05 is not above "
         "max_regression 0.0001: a warning must come before a failure"},
        {{"bench-method", "zscore", NULL}, NULL},
        {{"warn-regression", "off", "max-regression", "0.5"}, NULL},
        {{"warn-regression", "off", "max-regression", "1.5"},
         "--max-regression: max_regression 1.5 is not a p-value (above 0, "
         "below 1) as bench_method welch (policy line 3) needs"},
        {{"bench-window", "2", NULL},
         "--bench-window: bench_min_history 3 (default) is more than "
         "bench_window 2"},
    };
    sl_policy_set_t *s = NULL;
    sl_err_t err = {0};
    assert_int_equal(parse(text, &s, &err), SL_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_policy_t ov;
        sl_policy_mask_t mask = 0;
        sl_err_t e = {0};
        sl_policy_defaults(&ov);
        for (size_t f = 0; f < 4 && cases[i].flags[f] != NULL; f += 2) {
            assert_int_equal(sl_policy_set_key(&ov, &mask, cases[i].flags[f],
                                               cases[i].flags[f + 1], &e),
                             SL_OK);
        }
        int rc = sl_policy_check_overrides(s, &ov, mask, &e);
        if (cases[i].msg == NULL) {
            assert_int_equal(rc, SL_OK);
            continue;
        }
        assert_int_equal(rc, SL_EINVAL);
        assert_string_equal(e.msg, cases[i].msg);
    }
    /* without a file */
    sl_policy_t ov;
    sl_policy_mask_t mask = 0;
    sl_policy_defaults(&ov);
    assert_int_equal(sl_policy_set_key(&ov, &mask, "max_regression", "5",
                                       &err),
                     SL_OK);
    assert_int_equal(sl_policy_check_overrides(NULL, &ov, mask, &err),
                     SL_EINVAL);
    assert_string_equal(err.msg, "--max-regression: warn_regression 10 "
                                 "(default) is not below max_regression 5: "
                                 "a warning must come before a failure");
    sl_policy_set_free(&s);
}

/* sl_policy_set_key: every key by its flag name, good and bad values. */
static void
test_policy_file_set_key(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value;
        const char *msg; /* NULL: accepted */
    } cases[] = {
        {"max-test-failures", "unlimited", NULL},
        {"max_test_errors", "7", NULL},
        {"flaky-tests", "ignore", NULL},
        {"flaky-flip-rate", "0.5", NULL},
        {"flaky-window", "64", NULL},
        {"min-coverage", "99.5", NULL},
        {"min-branch-coverage", "50", NULL},
        {"max-coverage-drop", "off", NULL},
        {"min-patch-coverage", "70", NULL},
        {"max-critical-vulns", "1", NULL},
        {"max-high-vulns", "0", NULL},
        {"max-medium-vulns", "3", NULL},
        {"max-low-vulns", "12", NULL},
        {"count-findings", "new", NULL},
        {"max-regression", "off", NULL},
        {"warn-regression", "12.5", NULL},
        {"bench-method", "iqr", NULL},
        {"bench-window", "1000", NULL},
        {"bench-min-history", "1", NULL},
        {"bench-min-change", "0", NULL},
        {"baseline-branch", "trunk", NULL},
        {"protected-branches", "trunk,release/*", NULL},
        {"alert-webhook", "http://127.0.0.1:9/x", NULL},
        {"alert-command", "", NULL},
        {"alert-timeout", "250ms", NULL},
        {"max-test-failures", "", "--max-test-failures: want a whole number "
                                  "or unlimited, not an empty value"},
        {"min-coverage", "101", "--min-coverage: 101 is out of range (0 to "
                                "100)"},
        {"flaky-tests", "sometimes", "--flaky-tests: want one of "
                                     "warn/fail/ignore, not 'sometimes'"},
        {"protected-branches", "a,,b", "--protected-branches: want globs "
                                       "separated by commas, not 'a,,b'"},
        {"protected-branches", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
         "--protected-branches: more than 16 globs"},
        {"alert-timeout", "never", "--alert-timeout: want a duration from "
                                   "1ms to 10m (500ms, 5s), not 'never'"},
        {"baseline-branch", "", "--baseline-branch: want a name without "
                                "control characters, not an empty value"},
        {"benchmarks", "x", "unknown threshold 'benchmarks' (benchmarks: in "
                            "a policy file only)"},
        {"max-warnings", "1", "unknown threshold 'max-warnings'"},
    };
    sl_policy_t p, d;
    sl_policy_mask_t mask = 0, want = 0;
    sl_policy_defaults(&p);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_err_t err = {0};
        sl_policy_t before = p;
        int rc = sl_policy_set_key(&p, &mask, cases[i].key, cases[i].value,
                                   &err);
        if (cases[i].msg == NULL) {
            assert_int_equal(rc, SL_OK);
            want |= SL_POLICY_BIT(i);
        } else {
            assert_int_equal(rc, SL_EINVAL);
            assert_string_equal(err.msg, cases[i].msg);
            assert_memory_equal(&p, &before, sizeof p); /* untouched */
        }
    }
    /* the accepted cases are the keys in table order, but benchmarks */
    assert_int_equal(mask, want);
    assert_int_equal(mask, (SL_POLICY_BIT(SL_POLICY_NKEYS) - 1) &
                               ~BIT(BENCHMARKS));
    sl_policy_defaults(&d);
    assert_int_equal(p.max_failures, SL_POLICY_UNLIMITED);
    assert_int_equal(p.flaky, SL_FLAKY_IGNORE);
    assert_true(p.max_coverage_drop == -1);
    assert_int_equal(p.bench_default.method, SL_BENCH_IQR);
    /* given before the method: the thresholds stay */
    assert_true(p.bench_default.fail == -1 && p.bench_default.warn == 12.5);
    assert_int_equal(p.n_protected, 2);
    assert_string_equal(p.protected_branches[1], "release/*");
    assert_int_equal(p.alert_timeout_ms, 250);
    assert_string_equal(p.alert_webhook, "http://127.0.0.1:9/x");
    /* the method alone brings its thresholds */
    sl_policy_mask_t m2 = 0;
    sl_err_t err = {0};
    assert_int_equal(sl_policy_set_key(&d, &m2, "bench-method", "welch",
                                       &err),
                     SL_OK);
    assert_true(d.bench_default.warn == 0.01 && d.bench_default.fail == 0.001);
    assert_int_equal(sl_policy_set_key(&d, &m2, "protected-branches", "",
                                       &err),
                     SL_OK);
    assert_int_equal(d.n_protected, 0);
}

/* A writable copy of n arguments (freed with args_free). */
static char **
args(const char *const *in, int n)
{
    char **v = calloc((size_t)n + 1, sizeof *v);
    assert_non_null(v);
    for (int i = 0; i < n; i++) {
        v[i] = strdup(in[i]);
        assert_non_null(v[i]);
    }
    return v;
}

static void
args_free(char **v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* sl_policy_flag and sl_policy_take_flags. */
static void
test_policy_file_flags(void **state)
{
    (void)state;
    sl_policy_t p;
    sl_policy_mask_t mask = 0;
    sl_err_t err = {0};
    sl_policy_defaults(&p);
    static const char *const in[] = {"prog", "--max-high-vulns", "4",
                                     "--min-coverage=70", "file", "--json",
                                     "--max-test-errors"};
    char **argv = args(in, 7);
    int i = 1;
    assert_int_equal(sl_policy_flag(&p, &mask, 7, argv, &i, &err), 1);
    assert_int_equal(i, 3);
    assert_int_equal(sl_policy_flag(&p, &mask, 7, argv, &i, &err), 1);
    assert_int_equal(i, 4);
    assert_int_equal(sl_policy_flag(&p, &mask, 7, argv, &i, &err), 0);
    i = 5;
    assert_int_equal(sl_policy_flag(&p, &mask, 7, argv, &i, &err), 0);
    assert_int_equal(i, 5);
    i = 6;
    assert_int_equal(sl_policy_flag(&p, &mask, 7, argv, &i, &err), -1);
    assert_string_equal(err.msg, "--max-test-errors needs a value");
    assert_int_equal(p.max_high, 4);
    assert_true(p.min_line_coverage == 70);
    assert_int_equal(mask, BIT(MAX_HIGH_VULNS) | BIT(MIN_COVERAGE));

    /* take_flags: values of other options are skipped, "--" ends it */
    static const sl_opt_t opts[] = {
        {"branch", SL_OPT_STR, 0, NULL, 0, 0, NULL, "B", "", NULL},
        {"json", SL_OPT_FLAG, 0, NULL, 0, 0, NULL, NULL, "", NULL},
        {0},
    };
    static const char *const in2[] = {
        "prog",  "--branch",       "--max-low-vulns=1", "--json",
        "a.xml", "--max-low-vulns", "2",                "--branch=x",
        "--",    "--max-high-vulns", "9"};
    char **av = args(in2, 11), **av_all = av;
    char *keep[11];
    memcpy(keep, av, sizeof keep);
    int ac = 11;
    sl_policy_mask_t m2 = 0;
    sl_policy_defaults(&p);
    assert_int_equal(sl_policy_take_flags(opts, &p, &m2, &ac, av, &err),
                     SL_OK);
    assert_int_equal(ac, 9);
    const char *rest[] = {"prog",       "--branch", "--max-low-vulns=1",
                          "--json",     "a.xml",    "--branch=x",
                          "--",         "--max-high-vulns", "9"};
    for (int k = 0; k < ac; k++) {
        assert_string_equal(av[k], rest[k]);
    }
    assert_int_equal(m2, BIT(MAX_LOW_VULNS));
    assert_int_equal(p.max_low, 2);
    assert_int_equal(p.max_high, 0);
    memcpy(av_all, keep, sizeof keep); /* to free what was taken out */
    args_free(av_all, 11);
    args_free(argv, 7);
    static const char *const in3[] = {"prog", "x", "--max-low-vulns=lots"};
    char **bad = args(in3, 3);
    int nb = 3;
    sl_err_t e2 = {0};
    assert_int_equal(sl_policy_take_flags(opts, &p, &m2, &nb, bad, &e2),
                     SL_EINVAL);
    assert_string_equal(e2.msg, "--max-low-vulns: want a whole number or "
                                "unlimited, not 'lots'");
    args_free(bad, 3);
}

/* --help: one line per flag (all but benchmarks), each default is the
 * value of sl_policy_defaults: set from the text shown, it changes
 * nothing. */
static void
test_policy_file_help(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    sl_policy_flags_help(f);
    assert_int_equal(fclose(f), 0);
    size_t flags = 0;
    sl_policy_t d;
    sl_policy_defaults(&d);
    for (const char *l = strstr(text, "  --"); l != NULL;
         l = strstr(l + 1, "\n  --")) {
        const char *name = strstr(l, "--") + 2;
        char key[64], value[64];
        size_t n = strcspn(name, " ");
        assert_true(n < sizeof key);
        memcpy(key, name, n);
        key[n] = '\0';
        const char *end = strstr(l + 1, "\n  --");
        const char *def = strstr(l, "(default ");
        assert_true(def != NULL && (end == NULL || def < end));
        def += strlen("(default ");
        n = strcspn(def, ")");
        assert_true(n < sizeof value);
        memcpy(value, def, n);
        value[n] = '\0';
        flags++;
        if (strcmp(value, "none") == 0) {
            assert_true(strcmp(key, "alert-webhook") == 0 ||
                        strcmp(key, "alert-command") == 0);
            continue;
        }
        if (strcmp(key, "protected-branches") == 0) {
            assert_string_equal(value, "the baseline branch");
            continue;
        }
        sl_policy_t p = d;
        sl_policy_mask_t mask = 0;
        sl_err_t err = {0};
        assert_int_equal(sl_policy_set_key(&p, &mask, key, value, &err),
                         SL_OK);
        assert_memory_equal(&p, &d, sizeof p);
    }
    assert_int_equal(flags, SL_POLICY_NKEYS - 1);
    assert_null(strstr(text, "--benchmarks"));
    free(text);
}

/* The value parsers `sluice check` has always shared. */
static void
test_policy_file_values_parse(void **state)
{
    (void)state;
    double d = -1;
    uint64_t u = 7;
    assert_int_equal(sl_policy_parse_pct("0", &d), SL_OK);
    assert_true(d == 0);
    assert_int_equal(sl_policy_parse_pct("100", &d), SL_OK);
    assert_true(d == 100);
    assert_int_equal(sl_policy_parse_pct("70.25", &d), SL_OK);
    assert_true(d == 70.25);
    assert_int_equal(sl_policy_parse_pct("100.5", &d), SL_ETOOBIG);
    assert_int_equal(sl_policy_parse_pct("99999999999999999999999999", &d),
                     SL_ETOOBIG);
    static const char *const bad_pct[] = {"", "-1", " 5", "5 ", "5.", ".5",
                                          "1e2", "0x10", "nan", "inf", "5%"};
    for (size_t i = 0; i < sizeof bad_pct / sizeof bad_pct[0]; i++) {
        assert_int_equal(sl_policy_parse_pct(bad_pct[i], &d), SL_EINVAL);
    }
    assert_true(d == 70.25); /* untouched by the refusals */
    assert_int_equal(sl_policy_parse_max("0", &u), SL_OK);
    assert_int_equal(u, 0);
    assert_int_equal(sl_policy_parse_max("unlimited", &u), SL_OK);
    assert_int_equal(u, SL_POLICY_UNLIMITED);
    assert_int_equal(sl_policy_parse_max("18446744073709551614", &u), SL_OK);
    assert_int_equal(u, SL_POLICY_UNLIMITED - 1);
    assert_int_equal(sl_policy_parse_max("18446744073709551615", &u),
                     SL_ETOOBIG);
    assert_int_equal(sl_policy_parse_max("99999999999999999999", &u),
                     SL_ETOOBIG);
    static const char *const bad_max[] = {"", "-1", "+1", "1.0", "Unlimited",
                                          "unlimited ", "1 ", "0x1"};
    for (size_t i = 0; i < sizeof bad_max / sizeof bad_max[0]; i++) {
        assert_int_equal(sl_policy_parse_max(bad_max[i], &u), SL_EINVAL);
    }
    assert_int_equal(u, SL_POLICY_UNLIMITED - 1);
    double w, f;
    sl_policy_method_defaults(SL_BENCH_PERCENT, &w, &f);
    assert_true(w == 10 && f == 20);
    sl_policy_method_defaults(SL_BENCH_ZSCORE, &w, &f);
    assert_true(w == 2 && f == 3);
    sl_policy_method_defaults(SL_BENCH_WELCH, &w, &f);
    assert_true(w == 0.01 && f == 0.001);
    sl_policy_method_defaults(SL_BENCH_IQR, &w, &f);
    assert_true(w == 1.5 && f == 3);
}

/* A snapshot (what a verdict keeps) parses back to the same policy: every
 * key, protected globs, benchmark rules, quoted names with escapes. */
static void
test_policy_file_snapshot(void **state)
{
    (void)state;
    static const char text[] =
        "defaults:\n"
        "  max_test_failures: 2\n"
        "  flaky_tests: ignore\n"
        "  max_coverage_drop: 1.5\n"
        "  max_low_vulns: 7\n"
        "  count_findings: new\n"
        "  baseline_branch: \"trunk \\\"x\\\"\"\n"
        "  protected_branches: [trunk, \"release/*\"]\n"
        "  alert_command: \"cat >> a.jsonl\"\n"
        "  alert_timeout: 1500ms\n"
        "  benchmarks:\n"
        "    - {match: \"io_*\", method: welch, window: 20}\n"
        "    - {match: startup, warn: off, fail: 15}\n";
    sl_policy_set_t *s = NULL, *s2 = NULL;
    sl_err_t err = {0};
    sl_policy_t p, p2;
    char *snap = NULL, *snap2 = NULL;
    assert_int_equal(sl_policy_parse_set("t.yml", text, sizeof text - 1, &s,
                                         &err),
                     SL_OK);
    sl_policy_resolve(s, "x", "y", NULL, 0, &p);
    assert_int_equal(sl_policy_snapshot(&p, &snap), SL_OK);
    if (sl_policy_parse_set("snap.yml", snap, strlen(snap), &s2, &err) !=
        SL_OK) {
        print_error("%s\n%s\n", err.msg, snap);
        fail();
    }
    sl_policy_resolve(s2, "x", "y", NULL, 0, &p2);
    assert_int_equal(sl_policy_snapshot(&p2, &snap2), SL_OK);
    assert_string_equal(snap, snap2);
    assert_int_equal(p2.max_failures, 2);
    assert_int_equal(p2.flaky, SL_FLAKY_IGNORE);
    assert_true(p2.max_coverage_drop == 1.5);
    assert_string_equal(p2.baseline_branch, "trunk \"x\"");
    assert_int_equal(p2.n_protected, 2);
    assert_string_equal(p2.protected_branches[1], "release/*");
    assert_int_equal(p2.n_bench, 2);
    assert_int_equal(p2.bench[0].method, SL_BENCH_WELCH);
    assert_int_equal(p2.bench[0].window, 20);
    assert_true(p2.bench[1].warn < 0 && p2.bench[1].fail == 15);
    assert_int_equal(p2.alert_timeout_ms, 1500);
    assert_non_null(strstr(snap, "  max_low_vulns: 7\n"));
    free(snap);
    free(snap2);
    sl_policy_set_free(&s);
    sl_policy_set_free(&s2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_file_values),
        cmocka_unit_test(test_policy_file_partial),
        cmocka_unit_test(test_policy_file_every_key),
        cmocka_unit_test(test_policy_file_scopes),
        cmocka_unit_test(test_policy_file_overrides),
        cmocka_unit_test(test_policy_file_protected),
        cmocka_unit_test(test_policy_file_bench_rules),
        cmocka_unit_test(test_policy_file_refusals),
        cmocka_unit_test(test_policy_file_nul),
        cmocka_unit_test(test_policy_file_fixtures),
        cmocka_unit_test(test_policy_file_example),
        cmocka_unit_test(test_policy_file_size_cap),
        cmocka_unit_test(test_policy_file_unreadable),
        cmocka_unit_test(test_policy_file_caps),
        cmocka_unit_test(test_policy_file_catch_all_cap),
        cmocka_unit_test(test_policy_file_check_overrides),
        cmocka_unit_test(test_policy_file_set_key),
        cmocka_unit_test(test_policy_file_flags),
        cmocka_unit_test(test_policy_file_help),
        cmocka_unit_test(test_policy_file_values_parse),
        cmocka_unit_test(test_policy_file_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
