#ifndef SLUICE_READY_H
#define SLUICE_READY_H

#include "sluice/err.h"

/* Writes "key=value" lines to path atomically (temp file, fsync, rename), so
 * a reader never sees a partial file. keys and values are n entries each.
 * SL_EIO on failure (message in err). */
int sl_ready_write(const char *path, const char *const *keys,
                   const char *const *values, int n, sl_err_t *err)
    SL_NODISCARD;

#endif
