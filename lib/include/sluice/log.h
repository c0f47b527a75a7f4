/* One stderr line per event: "2026-11-24T03:41:00.123Z level component: msg".
 * The macros test the level before formatting. */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include "sluice/err.h"

typedef enum {
    SL_LOG_ERROR = 0,
    SL_LOG_WARN = 1,
    SL_LOG_INFO = 2,
    SL_LOG_DEBUG = 3,
} sl_log_level_t;

/* The process-wide threshold; read by the macros. Set once at start. */
extern sl_log_level_t sl_log_threshold;

void sl_log(sl_log_level_t level, const char *component, const char *fmt, ...)
    SL_PRINTF(3, 4);

/* Parses "error", "warn", "info" or "debug". */
int sl_log_level_parse(const char *s, sl_log_level_t *out) SL_NODISCARD;

#define SL_LOG(lvl, comp, ...)                                                 \
    do {                                                                       \
        if ((lvl) <= sl_log_threshold) {                                       \
            sl_log((lvl), (comp), __VA_ARGS__);                                \
        }                                                                      \
    } while (0)
#define SL_ERROR(comp, ...) SL_LOG(SL_LOG_ERROR, comp, __VA_ARGS__)
#define SL_WARN(comp, ...) SL_LOG(SL_LOG_WARN, comp, __VA_ARGS__)
#define SL_INFO(comp, ...) SL_LOG(SL_LOG_INFO, comp, __VA_ARGS__)
#define SL_DEBUG(comp, ...) SL_LOG(SL_LOG_DEBUG, comp, __VA_ARGS__)

#endif
