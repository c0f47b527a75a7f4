#include "sluice/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The one process-wide setting besides the signal flag: written once at
 * start, before any thread exists. */
sl_log_level_t sl_log_threshold = SL_LOG_INFO;

static const char *const sl_level_names[] = {"error", "warn", "info", "debug"};

void
sl_log(sl_log_level_t level, const char *component, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    (void)gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                     sl_level_names[level], component);
    if (n < 0 || (size_t)n >= sizeof line) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = m < 0 ? (size_t)n : strlen(line);
    /* One write per line so concurrent threads do not interleave. */
    line[len < sizeof line - 1 ? len : sizeof line - 2] = '\n';
    len = len < sizeof line - 1 ? len + 1 : sizeof line - 1;
    (void)fwrite(line, 1, len, stderr);
}

int
sl_log_level_parse(const char *s, sl_log_level_t *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, sl_level_names[i]) == 0) {
            *out = (sl_log_level_t)i;
            return SL_OK;
        }
    }
    return SL_EINVAL;
}
