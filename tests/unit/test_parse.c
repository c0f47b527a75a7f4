/* lib/parse.c: numbers with bounds and overflow, durations, sizes, times,
 * endpoints and which endpoints count as local. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sluice/parse.h"

#define SENTINEL 0x5A5A5A5Au

/* Every refused input leaves *out untouched. */
static void
u64_refused(const char *s, uint64_t min, uint64_t max)
{
    uint64_t v = SENTINEL;
    assert_int_equal(sl_parse_u64(s, min, max, &v), SL_EINVAL);
    assert_int_equal(v, SENTINEL);
}

static void
test_parse_u64_values(void **state)
{
    (void)state;
    uint64_t v = SENTINEL;
    assert_int_equal(sl_parse_u64("0", 0, 10, &v), SL_OK);
    assert_int_equal(v, 0);
    assert_int_equal(sl_parse_u64("007", 0, 10, &v), SL_OK);
    assert_int_equal(v, 7);
    assert_int_equal(sl_parse_u64("18446744073709551615", 0, UINT64_MAX, &v),
                     SL_OK);
    assert_true(v == UINT64_MAX);
    assert_int_equal(sl_parse_u64("18446744073709551614", 0, UINT64_MAX, &v),
                     SL_OK);
    assert_true(v == UINT64_MAX - 1);
}

static void
test_parse_u64_bounds(void **state)
{
    (void)state;
    uint64_t v = SENTINEL;
    assert_int_equal(sl_parse_u64("5", 5, 5, &v), SL_OK);
    assert_int_equal(v, 5);
    u64_refused("4", 5, 10);
    u64_refused("11", 5, 10);
    u64_refused("0", 1, 65535);
    u64_refused("65536", 1, 65535);
}

static void
test_parse_u64_overflow(void **state)
{
    (void)state;
    u64_refused("18446744073709551616", 0, UINT64_MAX);
    u64_refused("18446744073709551620", 0, UINT64_MAX);
    u64_refused("99999999999999999999", 0, UINT64_MAX);
    u64_refused("184467440737095516150", 0, UINT64_MAX);
}

static void
test_parse_u64_garbage(void **state)
{
    (void)state;
    const char *bad[] = {"",   "-1",   "+1",  " 1",  "1 ",           "1a",
                         "a1", "0x10", "1.5", "1e3", "\xef\xbc\x91", "1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        u64_refused(bad[i], 0, UINT64_MAX);
    }
    u64_refused(NULL, 0, UINT64_MAX);
}

static void
test_parse_duration(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t ms;
    } ok[] = {{"250ms", 250}, {"5s", 5000}, {"2m", 120000}, {"1h", 3600000},
              {"2d", 172800000}, {"7", 7000}, {"0", 0}, {"0ms", 0}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = SENTINEL;
        assert_int_equal(sl_parse_duration_ms(ok[i].s, UINT64_MAX, &v), SL_OK);
        assert_int_equal(v, ok[i].ms);
    }
    const char *bad[] = {"",
                         "s",
                         "5S",
                         "5 s",
                         "5sec",
                         "-5s",
                         "1.5s",
                         "5w",
                         "ms5",
                         "5ms ",
                         "99999999999999999999999ms",
                         "18446744073709551615h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = SENTINEL;
        assert_int_equal(sl_parse_duration_ms(bad[i], UINT64_MAX, &v),
                         SL_EINVAL);
    }
}

static void
test_parse_duration_max(void **state)
{
    (void)state;
    uint64_t v = SENTINEL;
    assert_int_equal(sl_parse_duration_ms("2m", 120000, &v), SL_OK);
    assert_int_equal(v, 120000);
    assert_int_equal(sl_parse_duration_ms("2m", 119999, &v), SL_EINVAL);
    assert_int_equal(sl_parse_duration_ms("120001ms", 120000, &v), SL_EINVAL);
    /* A bare number is seconds, so 121 is over a 2-minute cap. */
    assert_int_equal(sl_parse_duration_ms("121", 120000, &v), SL_EINVAL);
}

static void
test_parse_size(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t v;
    } ok[] = {{"0", 0},
              {"512", 512},
              {"4K", 4096},
              {"16M", 16u << 20},
              {"16G", 16ull << 30},
              {"1T", 1ull << 40},
              {"16777215T", UINT64_MAX - (1ull << 40) + 1}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint64_t v = SENTINEL;
        assert_int_equal(sl_parse_size(ok[i].s, UINT64_MAX, &v), SL_OK);
        assert_true(v == ok[i].v);
    }
    const char *bad[] = {"",    "K",         "1k",
                         "1KB", "1 K",       "1.5M",
                         "-1",  "16777216T", "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = SENTINEL;
        assert_int_equal(sl_parse_size(bad[i], UINT64_MAX, &v), SL_EINVAL);
        assert_int_equal(v, SENTINEL);
    }
    uint64_t v = 0;
    assert_int_equal(sl_parse_size("2K", 2048, &v), SL_OK);
    assert_int_equal(sl_parse_size("2K", 2047, &v), SL_EINVAL);
}

static void
test_parse_endpoint(void **state)
{
    (void)state;
    const char *ok[] = {"tcp://127.0.0.1:7730",
                        "tcp://127.0.0.1:*",
                        "tcp://[::1]:80",
                        "tcp://collector.example:65535",
                        "tcp://*:1",
                        "ipc:///tmp/sluice.sock",
                        "inproc://q"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(sl_parse_endpoint(ok[i]), SL_OK);
    }
    const char *bad[] = {"",
                         "tcp://",
                         "tcp://host",
                         "tcp://:80",
                         "tcp://host:0",
                         "tcp://host:65536",
                         "tcp://host:x",
                         "tcp://host:80x",
                         "tcp://host:",
                         "ipc://",
                         "inproc://",
                         "udp://host:1",
                         "127.0.0.1:7730",
                         "TCP://host:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sl_parse_endpoint(bad[i]), SL_EINVAL);
    }
    assert_int_equal(sl_parse_endpoint(NULL), SL_EINVAL);
}

static void
test_parse_endpoint_is_local(void **state)
{
    (void)state;
    const char *local[] = {"tcp://127.0.0.1:7730",
                           "tcp://127.1.2.3:*",
                           "tcp://localhost:1",
                           "tcp://[::1]:80",
                           "tcp://lo:1",
                           "ipc:///tmp/x",
                           "inproc://x"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        assert_int_equal(sl_endpoint_is_local(local[i]), 1);
    }
    const char *remote[] = {"tcp://0.0.0.0:7730",
                            "tcp://*:7730",
                            "tcp://10.0.0.1:1",
                            "tcp://192.168.1.127:1",
                            "tcp://localhost.example.com:1",
                            "tcp://[::]:1",
                            "tcp://eth0:1",
                            "tcp://127.evil.example:1",
                            "tcp://127.0.0.1.example.com:1",
                            "tcp://127.0.0.256:1"};
    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++) {
        assert_int_equal(sl_endpoint_is_local(remote[i]), 0);
    }
}

/* ---- times: expected values from Python's datetime, not from us ---- */

typedef struct time_case {
    const char *s;
    int64_t us;
} time_case_t;

static void
time_accepted(const time_case_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t v = SENTINEL;
        int rc = sl_parse_time_us(c[i].s, &v);
        if (rc != SL_OK || v != c[i].us) {
            fail_msg("'%s': rc %d, %lld, want %lld", c[i].s, rc, (long long)v,
                     (long long)c[i].us);
        }
    }
}

static void
time_refused(const char *s)
{
    int64_t v = SENTINEL;
    int rc = sl_parse_time_us(s, &v);
    if (rc != SL_EINVAL || v != SENTINEL) {
        fail_msg("'%s': rc %d, %lld, want refused", s ? s : "(null)", rc,
                 (long long)v);
    }
}

static void
test_parse_time_unix(void **state)
{
    (void)state;
    static const time_case_t ok[] = {
        {"0", 0},
        {"1", 1000000},
        {"007", 7000000},
        {"1764000000", INT64_C(1764000000000000)},
        {"9223372036854", INT64_C(9223372036854000000)}, /* INT64_MAX/1e6 */
    };
    time_accepted(ok, sizeof ok / sizeof ok[0]);
    time_refused("9223372036855"); /* times 10^6 overflows int64 */
    time_refused("18446744073709551615");
    time_refused("18446744073709551616");
    time_refused("99999999999999999999999999");
    time_refused("-1");
    time_refused("+1");
    time_refused(" 1");
    time_refused("1 ");
    time_refused("1.5");
}

static void
test_parse_time_dates(void **state)
{
    (void)state;
    static const time_case_t ok[] = {
        {"1970-01-01", 0},
        {"1970-01-02", INT64_C(86400000000)},
        {"2000-02-29", INT64_C(951782400000000)},
        {"2024-02-29", INT64_C(1709164800000000)},
        {"2024-03-01", INT64_C(1709251200000000)},
        {"2026-11-24", INT64_C(1795478400000000)},
        {"2026-11-24Z", INT64_C(1795478400000000)},
        {"2026-11-24+02:00", INT64_C(1795471200000000)},
    };
    time_accepted(ok, sizeof ok / sizeof ok[0]);
}

static void
test_parse_time_clock(void **state)
{
    (void)state;
    static const time_case_t ok[] = {
        {"2026-11-24T03:41", INT64_C(1795491660000000)},
        {"2026-11-24T03:41Z", INT64_C(1795491660000000)},
        {"2026-11-24T03:41:00Z", INT64_C(1795491660000000)},
        {"2026-11-24 03:41:07", INT64_C(1795491667000000)},
        {"2024-02-29T23:59:59Z", INT64_C(1709251199000000)},
        {"2024-02-29T00:00:00", INT64_C(1709164800000000)},
        {"9999-12-31T23:59:59.999999Z", INT64_C(253402300799999999)},
    };
    time_accepted(ok, sizeof ok / sizeof ok[0]);
}

static void
test_parse_time_offsets(void **state)
{
    (void)state;
    static const time_case_t ok[] = {
        {"2026-11-24T03:41:00+00:00", INT64_C(1795491660000000)},
        {"2026-11-24T03:41:00-00:00", INT64_C(1795491660000000)},
        {"2026-11-24T03:41:00+05:30", INT64_C(1795471860000000)},
        {"2026-11-24T03:41:00-08:00", INT64_C(1795520460000000)},
        {"2026-11-24T03:41+05:30", INT64_C(1795471860000000)},
        {"1970-01-01T00:00-00:01", 60000000},
        {"1970-01-02T00:00+23:59", 60000000},
        {"1970-01-01T05:30+05:30", 0},
    };
    time_accepted(ok, sizeof ok / sizeof ok[0]);
}

static void
test_parse_time_fraction(void **state)
{
    (void)state;
    static const time_case_t ok[] = {
        {"2026-11-24T03:41:00.5Z", INT64_C(1795491660500000)},
        {"2026-11-24T03:41:00.05", INT64_C(1795491660050000)},
        {"2026-11-24T03:41:00.000001Z", INT64_C(1795491660000001)},
        {"2026-11-24T03:41:00.123456", INT64_C(1795491660123456)},
        /* truncated, not rounded, past microseconds */
        {"2026-11-24T03:41:00.123456789Z", INT64_C(1795491660123456)},
        {"2026-11-24T03:41:00.9999999999999999999999",
         INT64_C(1795491660999999)},
        {"2026-11-24T03:41:00.999999999-01:00", INT64_C(1795495260999999)},
        {"2026-11-24T03:41:00.0+05:30", INT64_C(1795471860000000)},
    };
    time_accepted(ok, sizeof ok / sizeof ok[0]);
}

static void
time_refused_all(const char *const *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        time_refused(bad[i]);
    }
}

static void
test_parse_time_refused_date(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2023-02-29",  "2100-02-29",  "2026-02-30",  "2026-04-31", "2026-13-01",
        "2026-00-10",  "2026-01-00",  "2026-01-32",  "1969-12-31", "0000-01-01",
        "10000-01-01", "2026-1-24",   "2026-011-24", "26-11-24",   "2026/11/24",
        "20261124-",   "-2026-11-24", "+2026-11-24"};
    time_refused_all(bad, sizeof bad / sizeof bad[0]);
}

static void
test_parse_time_refused_clock(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2026-11-24T24:00", "2026-11-24T23:60", "2026-11-24T23:59:60",
        "2026-11-24T", "2026-11-24T03", "2026-11-24T03:", "2026-11-24T3:41",
        "2026-11-24T03:4", "2026-11-24T03:41:", "2026-11-24T03:41:0",
        "2026-11-24T03:41:00.", "2026-11-24T03:41:00.Z",
        "2026-11-24T03:41:00,5", "2026-11-24t03:41", "2026-11-24TT03:41",
        /* a fraction of a minute is not taken */
        "2026-11-24T03:41.5"};
    time_refused_all(bad, sizeof bad / sizeof bad[0]);
}

static void
test_parse_time_refused_zone(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2026-11-24T03:41z", "2026-11-24T03:41:00+24:00",
        "2026-11-24T03:41:00+05:60", "2026-11-24T03:41:00+0530",
        "2026-11-24T03:41:00+05", "2026-11-24T03:41:00+5:30",
        "2026-11-24T03:41:00ZZ", "2026-11-24T03:41:00Z+01:00",
        "2026-11-24T03:41:00+", "2026-11-24T03:41:00 +01:00",
        /* before the epoch once the offset is applied */
        "1970-01-01T00:00+00:01", "1970-01-01T04:59:59.999999+05:00",
        "1969-12-31T23:59:59Z",
        /* after the epoch, but the year is still out of range */
        "1969-12-31T23:30-01:00"};
    time_refused_all(bad, sizeof bad / sizeof bad[0]);
}

static void
test_parse_time_refused_garbage(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "bogus",
                                      "now",
                                      "T03:41",
                                      "1e9",
                                      "0x10",
                                      " 2026-11-24",
                                      "2026-11-24x",
                                      "2026-11-24 ",
                                      "2026-11-24T03:41:00Zx",
                                      "2026-11-24T03:41:00 ",
                                      "2026-11-24T03:41:00+05:30x",
                                      "2026-11-24T03:41:00\n",
                                      "2026-11-24\t"};
    time_refused_all(bad, sizeof bad / sizeof bad[0]);
    time_refused(NULL);
}

/* Every day from 1970 to 2400 is accepted exactly once, each one day after
 * the last, and no other YYYY-MM-DD is: this checks month lengths and the
 * leap rule (2100, 2200, 2300 are not leap years; 2000 and 2400 are). */
static void
test_parse_time_every_day(void **state)
{
    (void)state;
    char buf[16];
    int64_t prev = -INT64_C(86400000000), days = 0;
    for (int y = 1970; y <= 2400; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int d = 1; d <= 31; d++) {
                int64_t v = 0;
                int n = snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
                assert_int_equal(n, 10);
                if (sl_parse_time_us(buf, &v) != SL_OK) {
                    continue;
                }
                if (v != prev + INT64_C(86400000000)) {
                    fail_msg("%s: %lld after %lld", buf, (long long)v,
                             (long long)prev);
                }
                prev = v;
                days++;
            }
        }
    }
    assert_int_equal(days, 157420); /* (date(2401,1,1)-date(1970,1,1)).days */
    time_refused("2100-02-29");
    time_refused("2300-02-29");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_u64_values),
        cmocka_unit_test(test_parse_u64_bounds),
        cmocka_unit_test(test_parse_u64_overflow),
        cmocka_unit_test(test_parse_u64_garbage),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_duration_max),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_time_unix),
        cmocka_unit_test(test_parse_time_dates),
        cmocka_unit_test(test_parse_time_clock),
        cmocka_unit_test(test_parse_time_offsets),
        cmocka_unit_test(test_parse_time_fraction),
        cmocka_unit_test(test_parse_time_refused_date),
        cmocka_unit_test(test_parse_time_refused_clock),
        cmocka_unit_test(test_parse_time_refused_zone),
        cmocka_unit_test(test_parse_time_refused_garbage),
        cmocka_unit_test(test_parse_time_every_day),
        cmocka_unit_test(test_parse_endpoint),
        cmocka_unit_test(test_parse_endpoint_is_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
