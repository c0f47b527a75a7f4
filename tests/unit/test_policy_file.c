/* Policy files (lib/policy_file.c): the values loaded, every refusal with
 * its exact message (name:LINE:COL: reason), the files under
 * tests/fixtures/policy and examples/sluice.yml, the 1 MiB cap, and the
 * value parsers the command line of `sluice check` shares. */
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

/* A policy with every field set to a value no file here gives, to show
 * that a refused parse leaves *p untouched. */
static void
poison(sl_policy_t *p)
{
    p->max_failures = 111;
    p->max_errors = 111;
    p->min_line_coverage = 11.1;
    p->max_critical = 111;
    p->max_high = 111;
    p->max_medium = 111;
    p->max_low = 111;
}

static int
parse(const char *text, sl_policy_t *p, sl_err_t *err)
{
    return sl_policy_parse("t.yml", text, strlen(text), p, err);
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
    sl_err_t err = {0};
    poison(&p);
    assert_int_equal(parse("defaults:\n"
                           "  min_coverage: 62.5\n"
                           "  max_test_failures: 1\n"
                           "  max_test_errors: 2\n"
                           "  max_critical_vulns: 3\n"
                           "  max_high_vulns: 18446744073709551614\n"
                           "  max_medium_vulns: unlimited\n"
                           "  max_low_vulns: 'unlimited'\n",
                           &p, &err),
                     SL_OK);
    assert_policy(&p, 62.5, 1, 2, 3, SL_POLICY_UNLIMITED - 1,
                  SL_POLICY_UNLIMITED, SL_POLICY_UNLIMITED);
    assert_int_equal(err.rc, SL_OK);
}

/* Keys left out keep sl_policy_defaults; flow style and quoted keys are
 * YAML like any other. */
static void
test_policy_file_partial(void **state)
{
    (void)state;
    sl_policy_t p, d;
    sl_err_t err = {0};
    sl_policy_defaults(&d);
    poison(&p);
    assert_int_equal(parse("defaults: {\"max_medium_vulns\": 0, "
                           "min_coverage: 0}\n",
                           &p, &err),
                     SL_OK);
    assert_policy(&p, 0, d.max_failures, d.max_errors, d.max_critical,
                  d.max_high, 0, d.max_low);
    poison(&p);
    assert_int_equal(parse("defaults: {}\n", &p, &err), SL_OK);
    assert_policy(&p, 75, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    poison(&p);
    assert_int_equal(parse("# only comments\n{}\n...\n", &p, &err), SL_OK);
    assert_policy(&p, 75, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    poison(&p);
    assert_int_equal(parse("%YAML 1.1\n---\ndefaults:\n  max_low_vulns: 9\n",
                           &p, &err),
                     SL_OK);
    assert_policy(&p, 75, 0, 0, 0, 0, 3, 9);
}

typedef struct refusal {
    const char *text;
    const char *msg;
} refusal_t;

static const refusal_t refusals[] = {
    {"", "t.yml:1:1: no document: want a mapping with the key defaults "
         "(see examples/sluice.yml)"},
    {"# nothing\n", "t.yml:2:1: no document: want a mapping with the key "
                    "defaults (see examples/sluice.yml)"},
    {"- 1\n", "t.yml:1:1: want a mapping with the key defaults (see "
              "examples/sluice.yml), not a list"},
    {"80\n", "t.yml:1:1: want a mapping with the key defaults (see "
             "examples/sluice.yml), not '80'"},
    {"defaults:\n", "t.yml:1:10: defaults: want a mapping of thresholds, "
                    "not an empty value"},
    {"defaults: [1]\n", "t.yml:1:11: defaults: want a mapping of "
                        "thresholds, not a list"},
    {"projects: {}\n", "t.yml:1:1: top-level key 'projects' is not "
                       "supported yet (only defaults is, for now)"},
    {"defaults: {}\ndefaults: {}\n", "t.yml:2:1: duplicate key 'defaults' "
                                     "(first at line 1)"},
    {"defaults:\n  max_warnings: 3\n",
     "t.yml:2:3: unknown key 'max_warnings' in defaults (known: "
     "min_coverage, max_test_failures, max_test_errors, max_critical_vulns, "
     "max_high_vulns, max_medium_vulns, max_low_vulns)"},
    {"defaults: {\"a\\e[31m\": 1}\n",
     "t.yml:1:12: unknown key 'a?[31m' in defaults (known: min_coverage, "
     "max_test_failures, max_test_errors, max_critical_vulns, "
     "max_high_vulns, max_medium_vulns, max_low_vulns)"},
    {"defaults:\n  ? [a]\n  : 1\n", "t.yml:2:5: a key of defaults must be "
                                    "a string, not a list"},
    {"defaults:\n  max_high_vulns: 1\n  max_high_vulns: 2\n",
     "t.yml:3:3: duplicate key 'max_high_vulns' (first at line 2)"},
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
    {"defaults:\n  min_coverage: {a: 1}\n",
     "t.yml:2:17: min_coverage: want a percentage from 0 to 100, not a "
     "mapping"},
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
        sl_policy_t p;
        sl_err_t err = {0};
        poison(&p);
        int rc = parse(refusals[i].text, &p, &err);
        if (rc != SL_EINPUT || strcmp(err.msg, refusals[i].msg) != 0) {
            print_error("refusal %zu: rc %d, message\n  %s\nwanted\n  %s\n",
                        i, rc, err.msg, refusals[i].msg);
            wrong++;
        }
        assert_policy(&p, 11.1, 111, 111, 111, 111, 111, 111);
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
    sl_policy_t p;
    sl_err_t err = {0};
    assert_int_equal(sl_policy_parse("t.yml", text, sizeof text - 1, &p, &err),
                     SL_EINPUT);
    assert_string_equal(err.msg, "t.yml:1:27: max_low_vulns: want a whole "
                                 "number or unlimited, not the quoted string "
                                 "'unlimited?'");
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
    {FIX("unknown-key.yml"),
     "3:3: unknown key 'max_warnings' in defaults (known: min_coverage, "
     "max_test_failures, max_test_errors, max_critical_vulns, "
     "max_high_vulns, max_medium_vulns, max_low_vulns)"},
    {FIX("duplicate.yml"), "4:3: duplicate key 'max_high_vulns' (first at "
                           "line 2)"},
    {FIX("projects.yml"), "3:1: top-level key 'projects' is not supported "
                          "yet (only defaults is, for now)"},
    {FIX("not-mapping.yml"), "1:1: want a mapping with the key defaults "
                             "(see examples/sluice.yml), not a list"},
    {FIX("anchors.yml"), "2:11: anchors and aliases are not allowed (&a)"},
    {FIX("alias.yml"), "2:19: anchors and aliases are not allowed "
                       "(*limit)"},
    {FIX("tag.yml"), "2:19: tags are not allowed (tag:yaml.org,2002:int)"},
    {FIX("two-docs.yml"), "3:1: more than one document (a policy file "
                          "holds one)"},
    {FIX("syntax.yml"), "3:2: did not find expected key (while parsing a "
                        "block mapping at line 1)"},
    {FIX("empty.yml"), "1:1: no document: want a mapping with the key "
                       "defaults (see examples/sluice.yml)"},
};

static void
test_policy_file_fixtures(void **state)
{
    (void)state;
    sl_policy_t p;
    sl_err_t err = {0};
    assert_int_equal(sl_policy_load(FIX("lenient.yml"), &p, &err), SL_OK);
    assert_policy(&p, 60, 1, 1, 0, 4, 3, SL_POLICY_UNLIMITED);
    assert_int_equal(sl_policy_load(FIX("strict.yml"), &p, &err), SL_OK);
    assert_policy(&p, 80, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    assert_int_equal(sl_policy_load(FIX("all-keys.yml"), &p, &err), SL_OK);
    assert_policy(&p, 62.5, 1, 2, 3, 4, SL_POLICY_UNLIMITED,
                  SL_POLICY_UNLIMITED);
    assert_int_equal(sl_policy_load(FIX("empty-defaults.yml"), &p, &err),
                     SL_OK);
    assert_policy(&p, 75, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    assert_int_equal(
        sl_policy_load(SL_SOURCE_DIR "/examples/sluice.yml", &p, &err), SL_OK);
    assert_policy(&p, 80, 0, 0, 0, 0, 3, SL_POLICY_UNLIMITED);
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        char want[512];
        sl_err_t e = {0};
        (void)snprintf(want, sizeof want, "%s:%s", bad_files[i].file,
                       bad_files[i].msg);
        assert_int_equal(sl_policy_load(bad_files[i].file, &p, &e),
                         SL_EINPUT);
        assert_string_equal(e.msg, want);
    }
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
    sl_policy_t p;
    sl_err_t err = {0};
    write_comments(path, SL_POLICY_FILE_MAX + 1);
    assert_int_equal(sl_policy_load(path, &p, &err), SL_ETOOBIG);
    (void)snprintf(want, sizeof want,
                   "%s: over 1 MiB, the cap of a policy file", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(unlink(path), 0);
    /* Exactly 1 MiB is read (and refused only for holding no document). */
    char path2[] = "/tmp/sl-policy-XXXXXX";
    sl_err_t err2 = {0};
    write_comments(path2, SL_POLICY_FILE_MAX);
    assert_int_equal(sl_policy_load(path2, &p, &err2), SL_EINPUT);
    (void)snprintf(want, sizeof want,
                   "%s:16385:1: no document: want a mapping with the key "
                   "defaults (see examples/sluice.yml)",
                   path2);
    assert_string_equal(err2.msg, want);
    assert_int_equal(unlink(path2), 0);
}

static void
test_policy_file_unreadable(void **state)
{
    (void)state;
    sl_policy_t p;
    sl_err_t err = {0};
    assert_int_equal(sl_policy_load(FIX("no-such.yml"), &p, &err),
                     SL_ENOTFOUND);
    assert_string_equal(err.msg, FIX("no-such.yml") ": cannot open: No such "
                                                    "file or directory");
    sl_err_t err2 = {0};
    assert_int_not_equal(sl_policy_load(FIX(""), &p, &err2), SL_OK);
    assert_string_equal(err2.msg, FIX("") ": cannot read: Is a directory");
}

/* The value parsers `sluice check` uses for its flags. */
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
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_file_values),
        cmocka_unit_test(test_policy_file_partial),
        cmocka_unit_test(test_policy_file_refusals),
        cmocka_unit_test(test_policy_file_nul),
        cmocka_unit_test(test_policy_file_fixtures),
        cmocka_unit_test(test_policy_file_size_cap),
        cmocka_unit_test(test_policy_file_unreadable),
        cmocka_unit_test(test_policy_file_values_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
