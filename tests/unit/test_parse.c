/* lib/parse.c: numbers with bounds and overflow, durations, sizes,
 * endpoints and which endpoints count as local. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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
              {"7", 7000},    {"0", 0},     {"0ms", 0}};
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
                         "5d",
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
        cmocka_unit_test(test_parse_endpoint),
        cmocka_unit_test(test_parse_endpoint_is_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
