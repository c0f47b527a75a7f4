#include "sluice/ready.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
write_lines(FILE *f, const char *const *keys, const char *const *values, int n)
{
    for (int i = 0; i < n; i++) {
        if (fprintf(f, "%s=%s\n", keys[i], values[i]) < 0) {
            return -1;
        }
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        return -1;
    }
    return 0;
}

int
sl_ready_write(const char *path, const char *const *keys,
               const char *const *values, int n, sl_err_t *err)
{
    char tmp[4096];
    int len = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (len < 0 || (size_t)len >= sizeof tmp) {
        return sl_err_set(err, SL_EINVAL, "%s: path too long", path);
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return sl_err_set(err, SL_EIO, "%s: %s", tmp, strerror(errno));
    }
    int bad = write_lines(f, keys, values, n);
    if (fclose(f) != 0 || bad != 0) {
        (void)unlink(tmp);
        return sl_err_set(err, SL_EIO, "%s: write failed", tmp);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        (void)unlink(tmp);
        return sl_err_set(err, SL_EIO, "%s: %s", path, strerror(e));
    }
    return SL_OK;
}
