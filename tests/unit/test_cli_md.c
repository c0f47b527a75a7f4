/* cli/md.c: Markdown code spans that hold any name, and tables (text and
 * Markdown) with escaped, sanitized and aligned cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "md.h"

static void
code_is(const char *in, const char *want)
{
    char *got = cli_md_code(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void
test_md_code_plain(void **state)
{
    (void)state;
    code_is("BM_Checksum/64", "`BM_Checksum/64`");
    code_is("/bin/sh -c ./my_build_script.sh",
            "`/bin/sh -c ./my_build_script.sh`");
    code_is("é ±", "`é ±`");
    code_is("", "-");
}

/* The fence is one backtick longer than the longest run inside; a space
 * pads a backtick at either end (CommonMark 6.1). */
static void
test_md_code_backticks(void **state)
{
    (void)state;
    code_is("a`b", "``a`b``");
    code_is("x``y`z", "```x``y`z```");
    code_is("`x", "`` `x ``");
    code_is("x`", "`` x` ``");
    code_is("`", "`` ` ``");
}

/* Text that starts and ends with a space keeps both: the pad is what the
 * reader strips. All spaces are not stripped at all. */
static void
test_md_code_spaces(void **state)
{
    (void)state;
    code_is(" a ", "`  a  `");
    code_is(" a", "` a`");
    code_is("   ", "`   `");
}

/* Line breaks would end the span (and a table row); controls and bytes
 * that are not UTF-8 would reach the terminal. */
static void
test_md_code_hostile(void **state)
{
    (void)state;
    code_is("a\nb", "`a?b`");
    code_is("a\r\n|b", "`a??|b`");
    code_is("\x1b[31mred", "`?[31mred`");
    code_is("\xff\xfe", "`??`");
    code_is("\xc2\x9b"
            "1m",
            "`?1m`");
    code_is("\x7f", "`?`");
}

/* Prints t through fn into a string (caller frees). */
static char *
printed(const cli_table_t *t, int md, int indent)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    if (md) {
        cli_table_print_md(t, f);
    } else {
        cli_table_print(t, f, indent);
    }
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void
add(cli_table_t *t, const char *a, const char *b, const char *c)
{
    const char *cells[3] = {a, b, c};
    assert_int_equal(cli_table_add(t, cells), SL_OK);
}

static const char *const head3[3] = {"run", "value", "x"};
static const int right3[3] = {0, 1, 0};

/* Columns padded to the widest cell in characters ("±" is one), numbers
 * right-aligned, '|' escaped (and counted), the delimiter at least 3. */
static void
test_md_table(void **state)
{
    (void)state;
    cli_table_t t;
    cli_table_init(&t, 3, head3, right3);
    add(&t, "`r-1`", "98.5", "a|b");
    add(&t, "`main-10`", "± 2", NULL);
    char *got = printed(&t, 1, 0);
    assert_string_equal(got, "| run       | value | x    |\n"
                             "| --------- | ----: | ---- |\n"
                             "| `r-1`     |  98.5 | a\\|b |\n"
                             "| `main-10` |   ± 2 |      |\n");
    free(got);
    cli_table_fini(&t);
}

/* A control character in a cell cannot break the row. */
static void
test_md_table_hostile(void **state)
{
    (void)state;
    cli_table_t t;
    cli_table_init(&t, 3, head3, right3);
    add(&t, "a\nb", "\xff", "|");
    char *got = printed(&t, 1, 0);
    assert_string_equal(got, "| run | value | x   |\n"
                             "| --- | ----: | --- |\n"
                             "| a?b |     ? | \\|  |\n");
    free(got);
    cli_table_fini(&t);
}

/* Text: two spaces between columns, the last not padded, the indent on
 * every line, '|' left as it is. */
static void
test_text_table(void **state)
{
    (void)state;
    cli_table_t t;
    cli_table_init(&t, 3, head3, right3);
    add(&t, "main-1", "5", "a|b");
    add(&t, "r\x1b", "100.25", "");
    char *got = printed(&t, 0, 2);
    assert_string_equal(got, "  run      value  x\n"
                             "  main-1       5  a|b\n"
                             "  r?      100.25  \n");
    free(got);
    cli_table_fini(&t);
}

static void
test_table_empty(void **state)
{
    (void)state;
    cli_table_t t;
    cli_table_init(&t, 3, head3, right3);
    char *got = printed(&t, 1, 0);
    assert_string_equal(got, "| run | value | x   |\n"
                             "| --- | ----: | --- |\n");
    free(got);
    cli_table_fini(&t);
}

/* Many rows: the table grows past its first allocation. */
static void
test_table_grows(void **state)
{
    (void)state;
    cli_table_t t;
    cli_table_init(&t, 3, head3, right3);
    for (int i = 0; i < 100; i++) {
        char n[16];
        (void)snprintf(n, sizeof n, "%d", i);
        add(&t, n, n, n);
    }
    assert_int_equal(t.nrows, 100);
    assert_string_equal(t.cells[99 * 3 + 1], "99");
    cli_table_fini(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md_code_plain),
        cmocka_unit_test(test_md_code_backticks),
        cmocka_unit_test(test_md_code_spaces),
        cmocka_unit_test(test_md_code_hostile),
        cmocka_unit_test(test_md_table),
        cmocka_unit_test(test_md_table_hostile),
        cmocka_unit_test(test_text_table),
        cmocka_unit_test(test_table_empty),
        cmocka_unit_test(test_table_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
