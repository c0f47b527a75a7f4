/* The one place numbers, durations, times and endpoints are parsed (no
 * atoi). */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include <stdint.h>

#include "sluice/err.h"

/* Whole decimal number in [min, max]; no sign, no trailing text.
 * SL_EINVAL otherwise. */
int sl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
    SL_NODISCARD;

/* Duration: a number with unit ms, s, m, h or d ("250ms", "5s", "30d"); a bare
 * number is seconds. Result in milliseconds, at most max_ms. */
int sl_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out)
    SL_NODISCARD;

/* Size: a number with optional K, M, G or T suffix (powers of 1024). */
int sl_parse_size(const char *s, uint64_t max, uint64_t *out) SL_NODISCARD;

/* Point in time, as microseconds since 1970-01-01T00:00:00Z, into *out.
 * Accepted:
 *   - unix seconds: digits only ("1764000000"), at most INT64_MAX / 10^6;
 *   - a date, YYYY-MM-DD, meaning its midnight;
 *   - a date and a clock, YYYY-MM-DDTHH:MM[:SS[.fraction]] (a space may
 *     stand for the T); the fraction, of any length, follows seconds only
 *     and is truncated to microseconds.
 * Either ISO form may end in a zone: Z, +HH:MM or -HH:MM (east of UTC is
 * +); no zone means UTC, never the local zone.
 * Refused: years outside 1970-9999; a day the month lacks (2023-02-29; the
 * leap day 2024-02-29 is fine); month 13, hour 24, minute or second 60 (no
 * leap seconds); fields not of exactly 2 (4 for the year) digits; offsets
 * of 24 hours or more or without the colon (+0530, +05); a lowercase t or
 * z; "T" or "." with nothing after; any trailing text or whitespace; a
 * sign on unix seconds; a result before the epoch (1970-01-01T00:00+01:00);
 * "" and NULL.
 * Returns SL_OK, or SL_EINVAL with *out untouched. */
int sl_parse_time_us(const char *s, int64_t *out) SL_NODISCARD;

/* Endpoint: tcp://HOST:PORT (PORT may be * for an ephemeral bind),
 * ipc://PATH or inproc://NAME. */
int sl_parse_endpoint(const char *s) SL_NODISCARD;

/* Nonzero when a tcp endpoint's host is loopback (127.x, localhost, ::1)
 * or the transport is ipc/inproc. */
int sl_endpoint_is_local(const char *s);

#endif
