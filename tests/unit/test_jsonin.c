/* lib/formats/jsonin.c: the streaming JSON reader every JSON format uses:
 * levels, keys and indexes as callbacks see them, the caps, the errors
 * with their line and column, numbers, and sniffing a cut head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sluice/jsonin.h"

/* Writes "L<level> <key or [index]> <type> <text>" per scalar, and
 * "{" / "[" / "}" / "]" with the level, into log. */
typedef struct trace {
    char log[2048];
    size_t len;
    int stop_at; /* scalar callback count that returns SL_EFULL; 0: never */
    int scalars;
} trace_t;

static void trace_add(trace_t *t, const char *fmt, ...) SL_PRINTF(2, 3);

static void
trace_add(trace_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->log + t->len, sizeof t->log - t->len, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof t->log - t->len);
    t->len += (size_t)n;
}

static void
trace_where(trace_t *t, sl_jsonin_t *j, unsigned level)
{
    const char *k = sl_jsonin_key(j, level);
    if (level == 0) {
        trace_add(t, "root");
    } else if (k != NULL) {
        trace_add(t, "%s", k);
    } else {
        trace_add(t, "[%llu]", (unsigned long long)sl_jsonin_index(j, level));
    }
}

static int
on_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    trace_t *t = ctx;
    trace_add(t, "%c", is_array ? '[' : '{');
    trace_where(t, j, sl_jsonin_depth(j) - 1);
    trace_add(t, " ");
    return SL_OK;
}

static int
on_close(void *ctx, sl_jsonin_t *j, int is_array)
{
    trace_t *t = ctx;
    (void)j;
    trace_add(t, "%c ", is_array ? ']' : '}');
    return SL_OK;
}

static int
on_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
          size_t len)
{
    trace_t *t = ctx;
    if (++t->scalars == t->stop_at) {
        return sl_jsonin_fail(j, SL_EFULL, "stop here");
    }
    trace_where(t, j, sl_jsonin_depth(j));
    trace_add(t, "=%d:%.*s ", (int)type, (int)len, s);
    return SL_OK;
}

static const sl_jsonin_cfg_t cfg = {on_open, on_close, on_scalar, 0, 0};

static int
parse(const char *doc, trace_t *t, sl_err_t *err)
{
    memset(t, 0, sizeof *t);
    return sl_jsonin_parse_mem(doc, strlen(doc), "t.json", &cfg, t, err);
}

static void
test_jsonin_levels_keys_indexes(void **state)
{
    (void)state;
    trace_t t;
    sl_err_t err = {0};
    const char *doc = "{\"a\": [1, {\"b\": true}, null], \"c\": \"x\\u00e9\","
                      " \"d\": {}}";
    assert_int_equal(parse(doc, &t, &err), SL_OK);
    assert_string_equal(t.log, "{root [a [0]=2:1 {[1] b=1:true } [2]=0:null ] "
                               "c=3:x\xc3\xa9 {d } } ");
    /* Members count from 0 too: the index of "c" is 1. */
    assert_int_equal(parse("[[], 5]", &t, &err), SL_OK);
    assert_string_equal(t.log, "[root [[0] ] [1]=2:5 ] ");
}

static void
test_jsonin_errors_name_line_and_column(void **state)
{
    (void)state;
    trace_t t;
    struct {
        const char *doc;
        int rc;
        const char *msg;
    } cases[] = {
        {"", SL_EINPUT, "t.json:1:1: empty document"},
        {"{\"a\": [1,\n 2", SL_EINPUT, "t.json:2:3: truncated document"},
        {"{\"a\": NaN}", SL_EINPUT, "t.json:1:7: "},
        {"{\"a\": Infinity}", SL_EINPUT, "t.json:1:7: "},
        {"[1] [2]", SL_EINPUT, "t.json:1:"},
        {"{\"a\": 1, /* c */ \"b\": 2}", SL_EINPUT, "t.json:1:"},
        {"[\"\xff\"]", SL_EINPUT, "t.json:1:"},
        {"{\n  \"k\":\n   \"v\" \"w\"}", SL_EINPUT, "t.json:3:"},
        /* yajl lets these through; the strict check does not */
        {"[\"\xc0\xaf\"]", SL_EINPUT,
         "t.json:1:4: invalid UTF-8 in a string (byte 0xc0 at offset 0"},
        {"[\"ab\xed\xa0\x80\"]", SL_EINPUT,
         "t.json:1:6: invalid UTF-8 in a string (byte 0xed at offset 2"},
        {"[\"\xf7\xbf\xbf\xbf\"]", SL_EINPUT, "t.json:1:"},
        {"[\"\\udc00\"]", SL_EINPUT, "t.json:1:9: invalid UTF-8"},
        {"{\"k\xed\xb0\x80\": 1}", SL_EINPUT, "t.json:1:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_err_t err = {0};
        assert_int_equal(parse(cases[i].doc, &t, &err), cases[i].rc);
        if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0) {
            fail_msg("case %zu: \"%s\" does not start with \"%s\"", i,
                     err.msg, cases[i].msg);
        }
    }
}

static void
test_jsonin_callback_stops(void **state)
{
    (void)state;
    trace_t t;
    memset(&t, 0, sizeof t);
    t.stop_at = 2;
    sl_err_t err = {0};
    const char *doc = "[1,\n  2, 3]";
    assert_int_equal(
        sl_jsonin_parse_mem(doc, strlen(doc), "t.json", &cfg, &t, &err),
        SL_EFULL);
    assert_string_equal(err.msg, "t.json:2:3: stop here");
}

static void
test_jsonin_caps(void **state)
{
    (void)state;
    /* 100k nested arrays: refused at the depth cap, no recursion. */
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    assert_non_null(deep);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    sl_err_t err = {0};
    sl_jsonin_cfg_t c = {0};
    assert_int_equal(sl_jsonin_parse_mem(deep, 2 * n, "d.json", &c, NULL,
                                         &err),
                     SL_ETOOBIG);
    assert_string_equal(err.msg, "d.json:1:65: nested deeper than 64");
    free(deep);
    /* A string longer than the token cap, across many chunks. */
    size_t big = 3 * SL_JSONIN_CHUNK;
    char *s = malloc(big + 3);
    assert_non_null(s);
    s[0] = '"';
    memset(s + 1, 'a', big);
    s[big + 1] = '"';
    s[big + 2] = '\0';
    c.token_max = SL_JSONIN_CHUNK;
    sl_err_t err2 = {0};
    assert_int_equal(sl_jsonin_parse_mem(s, big + 2, "s.json", &c, NULL,
                                         &err2),
                     SL_ETOOBIG);
    assert_non_null(strstr(err2.msg, "token longer than 65536 bytes"));
    c.token_max = 0; /* the default cap takes it */
    assert_int_equal(sl_jsonin_parse_mem(s, big + 2, "s.json", &c, NULL,
                                         NULL),
                     SL_OK);
    free(s);
}

static void
test_jsonin_bom_and_keys_past_cap(void **state)
{
    (void)state;
    trace_t t;
    sl_err_t err = {0};
    assert_int_equal(parse("\xEF\xBB\xBF{\"a\":1}", &t, &err), SL_OK);
    assert_string_equal(t.log, "{root a=2:1 } ");
    char doc[SL_JSONIN_KEY_MAX + 64];
    char key[SL_JSONIN_KEY_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    (void)snprintf(doc, sizeof doc, "{\"%s\": 1, \"a\\u0000b\": 2}", key);
    assert_int_equal(parse(doc, &t, &err), SL_OK);
    /* Neither key matches anything: both are reported by index. */
    assert_string_equal(t.log, "{root [0]=2:1 [1]=2:2 } ");
}

static void
test_jsonin_numbers(void **state)
{
    (void)state;
    double d = 0;
    uint64_t u = 0;
    assert_int_equal(sl_jsonin_double("1.5e3", 5, &d), SL_OK);
    assert_true(d == 1500.0);
    assert_int_equal(sl_jsonin_double("-0.25", 5, &d), SL_OK);
    assert_true(d == -0.25);
    assert_int_equal(sl_jsonin_double("1e999", 5, &d), SL_EINPUT);
    assert_int_equal(sl_jsonin_double("-1e999", 6, &d), SL_EINPUT);
    assert_int_equal(sl_jsonin_double("1e-999", 6, &d), SL_OK);
    assert_true(d == 0.0);
    assert_int_equal(sl_jsonin_double("1e-310", 6, &d), SL_OK); /* subnormal */
    assert_true(d > 0.0 && d < 1e-300);
    assert_int_equal(sl_jsonin_double("12x", 3, &d), SL_EINPUT);
    assert_int_equal(sl_jsonin_double("", 0, &d), SL_EINPUT);
    assert_int_equal(sl_jsonin_u64("18446744073709551615", 20, UINT64_MAX, &u),
                     SL_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(sl_jsonin_u64("18446744073709551616", 20, UINT64_MAX, &u),
                     SL_EINPUT);
    assert_int_equal(sl_jsonin_u64("100", 3, 99, &u), SL_EINPUT);
    assert_int_equal(sl_jsonin_u64("-1", 2, 99, &u), SL_EINPUT);
    assert_int_equal(sl_jsonin_u64("1.0", 3, 99, &u), SL_EINPUT);
}

static void
test_jsonin_from_fd(void **state)
{
    (void)state;
    char path[] = "/tmp/sl-jsonin-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* Bigger than a chunk, so the line count spans chunks. */
    FILE *f = fdopen(dup(fd), "w");
    assert_non_null(f);
    fputs("[\n", f);
    for (int i = 0; i < 20000; i++) {
        fprintf(f, "  {\"n\": %d},\n", i);
    }
    fputs("  {\"n\": oops}\n]\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    sl_err_t err = {0};
    sl_jsonin_cfg_t c = {0};
    assert_int_equal(sl_jsonin_parse_fd(fd, "big.json", &c, NULL, &err),
                     SL_EINPUT);
    assert_int_equal(strncmp(err.msg, "big.json:20002:", 15), 0);
    (void)close(fd);
    (void)unlink(path);
}

/* A sniffer decides on a cut head and stops as soon as it knows. */
static int
sniff_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *s,
             size_t len)
{
    (void)s, (void)len, (void)type;
    if (sl_jsonin_depth(j) == 1 && sl_jsonin_at(j, 1, "version")) {
        *(int *)ctx = 1;
        return SL_EFULL;
    }
    return SL_OK;
}

static void
test_jsonin_sniff(void **state)
{
    (void)state;
    sl_jsonin_cfg_t c = {.scalar = sniff_scalar};
    int found = 0;
    const char *head = "{\"x\": [1, 2], \"version\": \"2.1.0\", \"runs\": [{\"to";
    assert_int_equal(sl_jsonin_sniff(head, strlen(head), &c, &found), SL_EFULL);
    assert_int_equal(found, 1);
    found = 0;
    /* Cut before the key: valid so far, nothing found. */
    assert_int_equal(sl_jsonin_sniff(head, 20, &c, &found), SL_OK);
    assert_int_equal(found, 0);
    assert_int_equal(sl_jsonin_sniff("<?xml", 5, &c, &found), SL_EINPUT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonin_levels_keys_indexes),
        cmocka_unit_test(test_jsonin_errors_name_line_and_column),
        cmocka_unit_test(test_jsonin_callback_stops),
        cmocka_unit_test(test_jsonin_caps),
        cmocka_unit_test(test_jsonin_bom_and_keys_past_cap),
        cmocka_unit_test(test_jsonin_numbers),
        cmocka_unit_test(test_jsonin_from_fd),
        cmocka_unit_test(test_jsonin_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
