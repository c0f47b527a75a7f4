/* lib/err.c: the first message wins, the strerror table, NULL buffers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/err.h"

static void
test_err_first_message_wins(void **state)
{
    (void)state;
    sl_err_t err = {0};
    assert_int_equal(
        sl_err_set(&err, SL_EINPUT, "%s:%d: %s", "a.xml", 3, "bad"), SL_EINPUT);
    assert_int_equal(sl_err_set(&err, SL_EIO, "second"), SL_EIO);
    assert_int_equal(err.rc, SL_EINPUT);
    assert_string_equal(err.msg, "a.xml:3: bad");
    assert_string_equal(sl_err_msg(&err, SL_EIO), "a.xml:3: bad");
}

static void
test_err_long_message_is_cut(void **state)
{
    (void)state;
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sl_err_t err = {0};
    assert_int_equal(sl_err_set(&err, SL_ETOOBIG, "%s", big), SL_ETOOBIG);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
}

static void
test_err_null_is_fine(void **state)
{
    (void)state;
    assert_int_equal(sl_err_set(NULL, SL_ENOMEM, "no %s", "memory"), SL_ENOMEM);
    assert_string_equal(sl_err_msg(NULL, SL_ENOMEM),
                        "out of memory or over budget");
    sl_err_t empty = {0};
    assert_string_equal(sl_err_msg(&empty, SL_EIO), "input/output error");
}

static void
test_err_strerror(void **state)
{
    (void)state;
    assert_string_equal(sl_strerror(SL_OK), "ok");
    assert_string_equal(sl_strerror(SL_EINPUT), "malformed input");
    assert_string_equal(sl_strerror(SL_ESYS), "system error");
    /* Every code in the enum has its own text. */
    for (int rc = SL_OK; rc >= SL_ESYS; rc--) {
        assert_string_not_equal(sl_strerror(rc), "unknown error");
    }
    assert_string_equal(sl_strerror(SL_ESYS - 1), "unknown error");
    assert_string_equal(sl_strerror(1), "unknown error");
    assert_string_equal(sl_strerror(-1000), "unknown error");
}

static void
test_err_from_errno(void **state)
{
    (void)state;
    assert_int_equal(sl_rc_from_errno(0), SL_OK);
    assert_int_equal(sl_rc_from_errno(ENOMEM), SL_ENOMEM);
    assert_int_equal(sl_rc_from_errno(ENOENT), SL_ENOTFOUND);
    assert_int_equal(sl_rc_from_errno(EINTR), SL_EINTR);
    assert_int_equal(sl_rc_from_errno(ENOSPC), SL_EFULL);
    assert_int_equal(sl_rc_from_errno(EPERM), SL_ESYS);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_first_message_wins),
        cmocka_unit_test(test_err_long_message_is_cut),
        cmocka_unit_test(test_err_null_is_fine),
        cmocka_unit_test(test_err_strerror),
        cmocka_unit_test(test_err_from_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
