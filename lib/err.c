#include "sluice/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static const struct {
    int rc;
    const char *text;
} sl_errors[] = {
    {SL_OK, "ok"},
    {SL_ENOMEM, "out of memory or over budget"},
    {SL_EINVAL, "invalid argument"},
    {SL_EINPUT, "malformed input"},
    {SL_EIO, "input/output error"},
    {SL_ENOTFOUND, "not found"},
    {SL_EFULL, "store is full"},
    {SL_ESTORE, "store error"},
    {SL_ETIMEDOUT, "timed out"},
    {SL_EPROTO, "protocol error"},
    {SL_EUNREACH, "peer unreachable"},
    {SL_EGAP, "sequence gap"},
    {SL_ETOOBIG, "over a size or depth limit"},
    {SL_EINTR, "interrupted"},
    {SL_ESYS, "system error"},
};

const char *
sl_strerror(int rc)
{
    for (size_t i = 0; i < sizeof sl_errors / sizeof sl_errors[0]; i++) {
        if (sl_errors[i].rc == rc) {
            return sl_errors[i].text;
        }
    }
    return "unknown error";
}

int
sl_err_set(sl_err_t *err, int rc, const char *fmt, ...)
{
    if (err == NULL || err->rc != SL_OK) {
        return rc;
    }
    err->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    /* Truncation is acceptable for a message; the buffer stays terminated. */
    (void)vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return rc;
}

const char *
sl_err_msg(const sl_err_t *err, int rc)
{
    if (err != NULL && err->rc != SL_OK && err->msg[0] != '\0') {
        return err->msg;
    }
    return sl_strerror(rc);
}

int
sl_rc_from_errno(int e)
{
    switch (e) {
    case 0:
        return SL_OK;
    case ENOMEM:
        return SL_ENOMEM;
    case EINVAL:
        return SL_EINVAL;
    case ENOENT:
        return SL_ENOTFOUND;
    case EIO:
        return SL_EIO;
    case EINTR:
        return SL_EINTR;
    case ETIMEDOUT:
    case EAGAIN:
        return SL_ETIMEDOUT;
    case ENOSPC:
        return SL_EFULL;
    default:
        return SL_ESYS;
    }
}
