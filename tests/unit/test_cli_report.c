/* cli/report_html.c: escaping of collector text, the y axis ticks, charts
 * (points, flagged points, the band, "no data") and the atomic write. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report_html.h"

static void
text_is(const char *in, size_t max, const char *want)
{
    rep_buf_t b = {0};
    rep_text(&b, in, max);
    assert_false(b.oom);
    assert_string_equal(b.s != NULL ? b.s : "", want);
    rep_buf_fini(&b);
}

static void
test_report_escape(void **state)
{
    (void)state;
    text_is("a<b>&\"c'", 0, "a&lt;b&gt;&amp;&quot;c&#39;");
    text_is("<script>alert(1)</script>", 0,
            "&lt;script&gt;alert(1)&lt;/script&gt;");
    text_is("tab\there\nnl\x1b[31mred\x7f", 0, "tabherenl[31mred");
    text_is("\xc2\x85x", 0, "x");                   /* C1 control: dropped */
    text_is("\xff\xfe", 0, "\xEF\xBF\xBD\xEF\xBF\xBD"); /* not UTF-8 */
    text_is("é ±", 0, "é ±");
    text_is("abcdef", 3, "abc\xE2\x80\xA6");
    text_is("", 0, "");
}

static void
test_report_ticks(void **state)
{
    (void)state;
    double first, step;
    size_t n = rep_ticks(0, 100, &first, &step);
    assert_true(first == 0 && step == 20 && n == 6);
    n = rep_ticks(0.0093, 0.0131, &first, &step);
    assert_true(fabs(step - 0.001) < 1e-12);
    assert_true(first <= 0.0093 && first + (double)(n - 1) * step >= 0.0131);
    assert_true(n >= 2 && n <= 12);
    n = rep_ticks(5, 5, &first, &step); /* no span: two ticks */
    assert_int_equal(n, 2);
    n = rep_ticks(-1e308, 1e308, &first, &step); /* span overflows */
    assert_int_equal(n, 2);
    assert_true(isfinite(first) && isfinite(step));
}

static void
test_report_chart(void **state)
{
    (void)state;
    static const double y[3] = {1.0, NAN, 3.0};
    static const unsigned char mark[3] = {0, 0, 1};
    static const char *const xl[3] = {"r<1>", "r2", "r3"};
    rep_chart_t c = {.title = "t&t", .y_unit = "ms", .n = 3, .xlabel = xl,
                     .nlines = 1, .has_band = 1, .band_lo = 0.5,
                     .band_hi = 1.5, .band_label = "band"};
    c.lines[0] = (rep_line_t){"value", "#123456", y, mark};
    rep_buf_t b = {0};
    rep_svg_chart(&b, &c);
    assert_false(b.oom);
    assert_non_null(strstr(b.s, "<svg class=\"chart\""));
    assert_non_null(strstr(b.s, "<title>t&amp;t</title>"));
    assert_non_null(strstr(b.s, "<rect class=\"band\""));
    assert_non_null(strstr(b.s, "r&lt;1&gt;"));
    assert_null(strstr(b.s, "r<1>"));
    /* two points (NAN is a gap), the last one flagged */
    size_t circles = 0;
    for (const char *p = strstr(b.s, "<circle class=\"point\""); p != NULL;
         p = strstr(p + 1, "<circle class=\"point\"")) {
        circles++;
    }
    assert_int_equal(circles, 1);
    assert_non_null(strstr(b.s, "<circle class=\"flagged\""));
    assert_non_null(strstr(b.s, "r3: 3 (flagged by its verdict)"));
    assert_null(strstr(b.s, "no data"));
    assert_non_null(strstr(b.s, "</svg>"));
    rep_buf_fini(&b);

    static const double none[2] = {NAN, NAN};
    rep_chart_t e = {.title = "empty", .n = 2, .xlabel = xl, .nlines = 1};
    e.lines[0] = (rep_line_t){"value", "#123456", none, NULL};
    rep_svg_chart(&b, &e);
    assert_non_null(strstr(b.s, ">no data</text></svg>"));
    rep_buf_fini(&b);
    rep_chart_t z = {.title = "nothing"};
    rep_svg_chart(&b, &z);
    assert_non_null(strstr(b.s, ">no data</text></svg>"));
    rep_buf_fini(&b);
}

static void
test_report_write(void **state)
{
    (void)state;
    char dir[] = "/tmp/sluice-report-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], bad[256];
    (void)snprintf(path, sizeof path, "%s/r.html", dir);
    sl_err_t err = {0};
    assert_int_equal(rep_write_file(path, "old", 3, &err), SL_OK);
    assert_int_equal(rep_write_file(path, "<p>new</p>", 10, &err), SL_OK);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[32] = {0};
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 10);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(buf, "<p>new</p>");
    (void)snprintf(bad, sizeof bad, "%s/no/such/dir/r.html", dir);
    assert_int_equal(rep_write_file(bad, "x", 1, &err), SL_EIO);
    assert_non_null(strstr(err.msg, "cannot create a file beside"));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* no temp file was left */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_escape),
        cmocka_unit_test(test_report_ticks),
        cmocka_unit_test(test_report_chart),
        cmocka_unit_test(test_report_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
