/* The one place numbers, durations and endpoints are parsed (no atoi). */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include <stdint.h>

#include "sluice/err.h"

/* Whole decimal number in [min, max]; no sign, no trailing text.
 * SL_EINVAL otherwise. */
int sl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
    SL_NODISCARD;

/* Duration: a number with unit ms, s, m or h ("250ms", "5s", "2m"); a bare
 * number is seconds. Result in milliseconds, at most max_ms. */
int sl_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out)
    SL_NODISCARD;

/* Size: a number with optional K, M, G or T suffix (powers of 1024). */
int sl_parse_size(const char *s, uint64_t max, uint64_t *out) SL_NODISCARD;

/* Endpoint: tcp://HOST:PORT (PORT may be * for an ephemeral bind),
 * ipc://PATH or inproc://NAME. */
int sl_parse_endpoint(const char *s) SL_NODISCARD;

/* Nonzero when a tcp endpoint's host is loopback (127.x, localhost, ::1)
 * or the transport is ipc/inproc. */
int sl_endpoint_is_local(const char *s);

#endif
