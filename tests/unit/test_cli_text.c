/* cli/cli_text.c: text from the collector shown safely (widths in
 * characters, controls and bytes that are not UTF-8 as '?'), and the
 * figures every command formats the same way. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cli.h"

static void
put_is(const char *in, size_t width, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cli_put(f, in, width);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(buf, want);
    free(buf);
}

static void
test_width_put(void **state)
{
    (void)state;
    assert_int_equal(cli_width("abc"), 3);
    assert_int_equal(cli_width("± é"), 3);
    assert_int_equal(cli_width("\xff\xfe"), 2);
    put_is("a±", 4, "a±  ");
    put_is("a\nb\x1b[0m", 0, "a?b?[0m");
    put_is("\xc2\x9b"
           "x\x7f\xff",
           0, "?x??");
}

static void
test_num(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(cli_num(100, buf), "100");
    assert_string_equal(cli_num(0.0217469123, buf), "0.0217469");
    assert_string_equal(cli_num(1234567.8, buf), "1.23457e+06");
    assert_string_equal(cli_num(NAN, buf), "-");
    assert_string_equal(cli_num(-INFINITY, buf), "-");
}

static void
test_pct_text(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(cli_pct(12.34, buf), "+12.3%");
    assert_string_equal(cli_pct(-4, buf), "-4.0%");
    assert_string_equal(cli_pct(-0.0077, buf), "0.0%");
    assert_string_equal(cli_pct(0.049, buf), "0.0%");
    assert_string_equal(cli_pct(0.06, buf), "+0.1%");
    assert_string_equal(cli_pct(999999.94, buf), "+999999.9%");
    assert_string_equal(cli_pct(1e152, buf), "+1e+152%");
    assert_string_equal(cli_pct(-2.5e6, buf), "-2.5e+06%");
    assert_string_equal(cli_pct(INFINITY, buf), "+inf%");
}

static void
test_subject(void **state)
{
    (void)state;
    assert_true(cli_subject_is("parse", "parse"));
    assert_true(cli_subject_is("parse [latency]", "parse"));
    assert_true(cli_subject_is("parse latency", "parse"));
    assert_true(cli_subject_is("parse[latency]", "parse"));
    assert_false(cli_subject_is("parser", "parse"));
    assert_false(cli_subject_is("pars", "parse"));
    assert_false(cli_subject_is("", "parse"));
    assert_false(cli_subject_is("parse", ""));
}

static void
test_age(void **state)
{
    (void)state;
    char buf[32];
    const int64_t s = 1000000;
    assert_string_equal(cli_age(12 * s, buf), "12s");
    assert_string_equal(cli_age((4 * 60 + 10) * s, buf), "4m 10s");
    assert_string_equal(cli_age((2 * 3600 + 5 * 60 + 9) * s, buf), "2h 5m");
    assert_string_equal(cli_age((3 * 86400 + 4 * 3600 + 1) * s, buf), "3d 4h");
    assert_string_equal(cli_age(-5, buf), "0s");
}

static void
test_short_commit(void **state)
{
    (void)state;
    char buf[11];
    assert_string_equal(cli_short_commit("0123456789abcdef", buf),
                        "0123456789");
    assert_string_equal(cli_short_commit("abc", buf), "abc");
    assert_string_equal(cli_short_commit("", buf), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_put), cmocka_unit_test(test_num),
        cmocka_unit_test(test_pct_text),  cmocka_unit_test(test_subject),
        cmocka_unit_test(test_age),       cmocka_unit_test(test_short_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
