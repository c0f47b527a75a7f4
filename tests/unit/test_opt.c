/* lib/opt.c: defaults, environment fallback, --k=v and --k v, bounds,
 * unknown options, flags, DUR_OPT's implicit value, positional arguments
 * compacted into argv, and the --help table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/opt.h"

typedef struct cfg {
    const char *name;
    uint64_t n;
    uint64_t dur;
    uint64_t size;
    int flag;
    uint64_t wait;
    int help;
} cfg_t;

#define ENV_NAME "SL_TEST_OPT_NAME"
#define ENV_DUR  "SL_TEST_OPT_DUR"

/* clang-format off */
static const sl_opt_t table[] = {
    {"name", SL_OPT_STR, offsetof(cfg_t, name), "dflt", 0, 0, ENV_NAME, "S",
     "a name", NULL},
    {"n", SL_OPT_U64, offsetof(cfg_t, n), "7", 1, 100, NULL, "N", "a count",
     NULL},
    {"dur", SL_OPT_DUR, offsetof(cfg_t, dur), "5s", 10, 60000, ENV_DUR, "DUR",
     "a duration", NULL},
    {"size", SL_OPT_SIZE, offsetof(cfg_t, size), "1M", 1024, 1u << 30, NULL,
     "SIZE", "a size", NULL},
    {"flag", SL_OPT_FLAG, offsetof(cfg_t, flag), NULL, 0, 0, NULL, NULL,
     "a flag", NULL},
    {"wait", SL_OPT_DUR_OPT, offsetof(cfg_t, wait), NULL, 0, 3600000, NULL,
     "SECS", "wait for it", "300s"},
    {"help", SL_OPT_FLAG, offsetof(cfg_t, help), NULL, 0, 0, NULL, NULL,
     "show help", NULL},
    {0},
};
/* clang-format on */

/* Parses a NULL-terminated argument list into *c. */
static int
parse(cfg_t *c, char **argv, int *nrest, char **rest, sl_err_t *err)
{
    int argc = 0;
    while (argv[argc] != NULL) {
        argc++;
    }
    memset(c, 0, sizeof *c);
    return sl_opt_parse(table, c, argc, argv, nrest, rest, err);
}

static int
setup(void **state)
{
    (void)state;
    return unsetenv(ENV_NAME) != 0 || unsetenv(ENV_DUR) != 0;
}

static void
test_opt_defaults(void **state)
{
    (void)state;
    cfg_t c;
    char *argv[] = {NULL};
    char *rest[1];
    int nrest = -1;
    sl_err_t err = {0};
    assert_int_equal(parse(&c, argv, &nrest, rest, &err), SL_OK);
    assert_int_equal(nrest, 0);
    assert_string_equal(c.name, "dflt");
    assert_int_equal(c.n, 7);
    assert_int_equal(c.dur, 5000);
    assert_int_equal(c.size, 1u << 20);
    assert_int_equal(c.flag, 0);
    assert_int_equal(c.wait, 0);
    assert_int_equal(err.rc, SL_OK);
}

static void
test_opt_env_fallback(void **state)
{
    (void)state;
    cfg_t c;
    char *none[] = {NULL};
    char a0[] = "--name=cli", *given[] = {a0, NULL};
    char *rest[2];
    int nrest;
    sl_err_t err = {0};
    assert_int_equal(setenv(ENV_NAME, "fromenv", 1), 0);
    assert_int_equal(setenv(ENV_DUR, "250ms", 1), 0);
    assert_int_equal(parse(&c, none, &nrest, rest, &err), SL_OK);
    assert_string_equal(c.name, "fromenv");
    assert_int_equal(c.dur, 250);
    /* The command line beats the environment. */
    assert_int_equal(parse(&c, given, &nrest, rest, &err), SL_OK);
    assert_string_equal(c.name, "cli");
    /* An empty variable counts as unset. */
    assert_int_equal(setenv(ENV_NAME, "", 1), 0);
    assert_int_equal(parse(&c, none, &nrest, rest, &err), SL_OK);
    assert_string_equal(c.name, "dflt");
    /* A bad value in the environment is an error naming the option. */
    assert_int_equal(setenv(ENV_DUR, "soon", 1), 0);
    assert_int_equal(parse(&c, none, &nrest, rest, &err), SL_EINVAL);
    assert_string_equal(err.msg, "--dur: invalid value 'soon'");
}

static void
test_opt_forms(void **state)
{
    (void)state;
    cfg_t c;
    char a0[] = "--n=42", a1[] = "--dur", a2[] = "1m", a3[] = "--size",
         a4[] = "4K", a5[] = "--name", a6[] = "--flag";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, NULL};
    char *rest[7];
    int nrest = -1;
    sl_err_t err = {0};
    assert_int_equal(parse(&c, argv, &nrest, rest, &err), SL_OK);
    assert_int_equal(c.n, 42);
    assert_int_equal(c.dur, 60000);
    assert_int_equal(c.size, 4096);
    /* "--name --flag": a value may look like an option. */
    assert_string_equal(c.name, "--flag");
    assert_int_equal(c.flag, 0);
    assert_int_equal(nrest, 0);
}

/* One argument list that must fail with exactly msg. */
static void
refused(const char *arg, const char *next, const char *msg)
{
    cfg_t c;
    char a0[64], a1[64];
    char *argv[] = {a0, a1, NULL};
    char *rest[2];
    int nrest;
    sl_err_t err = {0};
    (void)snprintf(a0, sizeof a0, "%s", arg);
    (void)snprintf(a1, sizeof a1, "%s", next ? next : "");
    if (next == NULL) {
        argv[1] = NULL;
    }
    assert_int_equal(parse(&c, argv, &nrest, rest, &err), SL_EINVAL);
    assert_int_equal(err.rc, SL_EINVAL);
    assert_string_equal(err.msg, msg);
}

static void
test_opt_errors(void **state)
{
    (void)state;
    refused("--n=0", NULL, "--n: invalid value '0'");
    refused("--n=101", NULL, "--n: invalid value '101'");
    refused("--n", "x", "--n: invalid value 'x'");
    refused("--dur=5ms", NULL, "--dur: invalid value '5ms'");
    refused("--dur=2h", NULL, "--dur: invalid value '2h'");
    refused("--size=1", NULL, "--size: invalid value '1'");
    refused("--n", NULL, "--n needs a value");
    refused("--nope=1", NULL, "unknown option --nope (see --help)");
    refused("--na", NULL, "unknown option --na (see --help)");
    refused("--names=x", NULL, "unknown option --names (see --help)");
    refused("--flag=1", NULL, "--flag takes no value");
}

static void
test_opt_dur_opt(void **state)
{
    (void)state;
    cfg_t c;
    char a0[] = "--wait", a1[] = "--wait=10", a2[] = "10";
    char *alone[] = {a0, NULL}, *eq[] = {a1, NULL}, *sep[] = {a0, a2, NULL};
    char *rest[2];
    int nrest;
    sl_err_t err = {0};
    assert_int_equal(parse(&c, alone, &nrest, rest, &err), SL_OK);
    assert_int_equal(c.wait, 300000);
    assert_int_equal(parse(&c, eq, &nrest, rest, &err), SL_OK);
    assert_int_equal(c.wait, 10000);
    /* The value is optional, so it never takes the next argument. */
    assert_int_equal(parse(&c, sep, &nrest, rest, &err), SL_OK);
    assert_int_equal(c.wait, 300000);
    assert_int_equal(nrest, 1);
    assert_string_equal(rest[0], "10");
}

static void
test_opt_positional(void **state)
{
    (void)state;
    cfg_t c;
    char a0[] = "a", a1[] = "--n=3", a2[] = "b", a3[] = "-", a4[] = "--",
         a5[] = "--flag", a6[] = "c";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, NULL};
    int nrest = -1;
    sl_err_t err = {0};
    /* rest may be argv itself: positional arguments only move forward. */
    assert_int_equal(parse(&c, argv, &nrest, argv, &err), SL_OK);
    assert_int_equal(nrest, 5);
    assert_string_equal(argv[0], "a");
    assert_string_equal(argv[1], "b");
    assert_string_equal(argv[2], "-");
    assert_string_equal(argv[3], "--flag");
    assert_string_equal(argv[4], "c");
    assert_int_equal(c.n, 3);
    assert_int_equal(c.flag, 0);
}

static void
test_opt_short_help(void **state)
{
    (void)state;
    cfg_t c;
    char a0[] = "-h";
    char *argv[] = {a0, NULL};
    char *rest[1];
    int nrest;
    sl_err_t err = {0};
    assert_int_equal(parse(&c, argv, &nrest, rest, &err), SL_OK);
    assert_int_equal(c.help, 1);
    assert_int_equal(nrest, 0);
}

static void
test_opt_help_text(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    sl_opt_help(table, f);
    assert_int_equal(fclose(f), 0);
    assert_non_null(strstr(text, "  --name S "));
    assert_non_null(strstr(text, "a name (default dflt) [env " ENV_NAME "]\n"));
    assert_non_null(strstr(text, "  --dur DUR "));
    assert_non_null(
        strstr(text, "a duration (default 5s) [env " ENV_DUR "]\n"));
    assert_non_null(strstr(text, "  --wait[=SECS] "));
    assert_non_null(strstr(text, "a flag\n"));
    /* One line per option, in table order. */
    size_t lines = 0;
    for (const char *p = text; *p != '\0'; p++) {
        lines += *p == '\n';
    }
    assert_int_equal(lines, 7);
    assert_true(strstr(text, "--name") < strstr(text, "--help"));
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_opt_defaults, setup),
        cmocka_unit_test_setup(test_opt_env_fallback, setup),
        cmocka_unit_test_setup(test_opt_forms, setup),
        cmocka_unit_test_setup(test_opt_errors, setup),
        cmocka_unit_test_setup(test_opt_dur_opt, setup),
        cmocka_unit_test_setup(test_opt_positional, setup),
        cmocka_unit_test_setup(test_opt_short_help, setup),
        cmocka_unit_test(test_opt_help_text),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    (void)unsetenv(ENV_NAME);
    (void)unsetenv(ENV_DUR);
    return failed;
}
