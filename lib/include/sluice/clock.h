#ifndef SLUICE_CLOCK_H
#define SLUICE_CLOCK_H

#include <stdint.h>

/* Wall clock, microseconds since the epoch. */
int64_t sl_now_us(void);

/* Monotonic clock in milliseconds, for deadlines. */
int64_t sl_mono_ms(void);

/* Formats a wall-clock time as ISO 8601 UTC ("2026-11-24T03:41:00Z").
 * buf must hold 32 bytes. Returns buf. */
char *sl_time_iso(int64_t us, char *buf);

#endif
