/* sluice error codes: SL_OK or a negative SL_E* from one enum, one strerror
 * table, and an optional caller buffer that keeps the first message. */
#ifndef SLUICE_ERR_H
#define SLUICE_ERR_H

#include <stddef.h>

#define SL_NODISCARD __attribute__((warn_unused_result))
#define SL_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum {
    SL_OK = 0,
    SL_ENOMEM = -1,   /* out of memory or over a decode budget */
    SL_EINVAL = -2,   /* bad argument or usage */
    SL_EINPUT = -3,   /* malformed input file or message */
    SL_EIO = -4,      /* read/write failed */
    SL_ENOTFOUND = -5,
    SL_EFULL = -6,    /* store full (MDB_MAP_FULL) */
    SL_ESTORE = -7,   /* other LMDB failure */
    SL_ETIMEDOUT = -8,
    SL_EPROTO = -9,   /* peer broke the protocol */
    SL_EUNREACH = -10, /* peer did not answer */
    SL_EGAP = -11,    /* batch starts past the stored sequence */
    SL_ETOOBIG = -12, /* over a size or depth cap */
    SL_EINTR = -13,   /* interrupted by a signal */
    SL_ESYS = -14,    /* other system error */
};

typedef struct sl_err {
    int rc;
    char msg[256];
} sl_err_t;

/* Static text for rc ("unknown error" for codes outside the enum). */
const char *sl_strerror(int rc);

/* Records rc and the formatted message in err unless err is NULL or already
 * holds an error (the first message wins). Returns rc. */
int sl_err_set(sl_err_t *err, int rc, const char *fmt, ...) SL_PRINTF(3, 4);

/* err->msg if set, else sl_strerror(rc). */
const char *sl_err_msg(const sl_err_t *err, int rc);

/* Translates errno values to SL_E* codes. */
int sl_rc_from_errno(int e);

#endif
