#include "sluice/parse.h"

#include <string.h>

int
sl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0') {
        return SL_EINVAL;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return SL_EINVAL;
        }
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return SL_EINVAL;
        }
        v = v * 10 + d;
    }
    if (v < min || v > max) {
        return SL_EINVAL;
    }
    *out = v;
    return SL_OK;
}

/* Splits s into its leading digits (copied into num) and the rest. */
static int
split_number(const char *s, char *num, size_t cap, const char **unit)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n >= cap) {
        return SL_EINVAL;
    }
    memcpy(num, s, n);
    num[n] = '\0';
    *unit = s + n;
    return SL_OK;
}

static int
scaled(const char *s, const char *const *units, const uint64_t *mult,
       uint64_t max, uint64_t *out)
{
    char num[24];
    const char *unit;
    uint64_t v;
    int rc = split_number(s, num, sizeof num, &unit);
    if (rc == SL_OK) {
        rc = sl_parse_u64(num, 0, UINT64_MAX, &v);
    }
    if (rc != SL_OK) {
        return rc;
    }
    for (size_t i = 0; units[i] != NULL; i++) {
        if (strcmp(unit, units[i]) == 0) {
            if (mult[i] != 0 && v > max / mult[i]) {
                return SL_EINVAL;
            }
            *out = v * mult[i];
            return *out <= max ? SL_OK : SL_EINVAL;
        }
    }
    return SL_EINVAL;
}

int
sl_parse_duration_ms(const char *s, uint64_t max_ms, uint64_t *out)
{
    static const char *const units[] = {"", "ms", "s", "m", "h", "d", NULL};
    static const uint64_t mult[] = {1000, 1, 1000, 60000, 3600000, 86400000};
    return scaled(s, units, mult, max_ms, out);
}

int
sl_parse_size(const char *s, uint64_t max, uint64_t *out)
{
    static const char *const units[] = {"", "K", "M", "G", "T", NULL};
    static const uint64_t mult[] = {1, 1ull << 10, 1ull << 20, 1ull << 30,
                                    1ull << 40};
    return scaled(s, units, mult, max, out);
}

static int
parse_tcp(const char *hp)
{
    const char *colon = strrchr(hp, ':');
    uint64_t port;
    if (colon == NULL || colon == hp) {
        return SL_EINVAL;
    }
    if (strcmp(colon + 1, "*") == 0) {
        return SL_OK;
    }
    return sl_parse_u64(colon + 1, 1, 65535, &port);
}

int
sl_parse_endpoint(const char *s)
{
    if (s == NULL) {
        return SL_EINVAL;
    }
    if (strncmp(s, "tcp://", 6) == 0) {
        return parse_tcp(s + 6);
    }
    if (strncmp(s, "ipc://", 6) == 0 && s[6] != '\0') {
        return SL_OK;
    }
    if (strncmp(s, "inproc://", 9) == 0 && s[9] != '\0') {
        return SL_OK;
    }
    return SL_EINVAL;
}

/* Nonzero for a dotted-quad 127.x.y.z host followed by ':'. */
static int
is_ipv4_loopback(const char *h)
{
    uint64_t octet;
    char part[4];
    for (int i = 0; i < 4; i++) {
        size_t n = strspn(h, "0123456789");
        if (n == 0 || n > 3 || h[n] != (i < 3 ? '.' : ':')) {
            return 0;
        }
        memcpy(part, h, n);
        part[n] = '\0';
        if (sl_parse_u64(part, 0, 255, &octet) != SL_OK ||
            (i == 0 && octet != 127)) {
            return 0;
        }
        h += n + 1;
    }
    return 1;
}

int
sl_endpoint_is_local(const char *s)
{
    static const char *const local[] = {"tcp://localhost:", "tcp://[::1]:",
                                        "tcp://lo:",
                                        "ipc://", "inproc://", NULL};
    for (size_t i = 0; local[i] != NULL; i++) {
        if (strncmp(s, local[i], strlen(local[i])) == 0) {
            return 1;
        }
    }
    return strncmp(s, "tcp://", 6) == 0 && is_ipv4_loopback(s + 6);
}

/* ---- times ------------------------------------------------------------- */

/* Reads exactly n digits at *p as a number in [lo, hi] and moves past them.
 * More digits after the n are left for the caller to refuse. */
static int
time_digits(const char **p, size_t n, uint64_t lo, uint64_t hi, int64_t *out)
{
    char num[8];
    uint64_t v = 0;
    if (n >= sizeof num || strspn(*p, "0123456789") < n) {
        return SL_EINVAL;
    }
    memcpy(num, *p, n);
    num[n] = '\0';
    *p += n;
    int rc = sl_parse_u64(num, lo, hi, &v);
    *out = (int64_t)v;
    return rc;
}

/* Consumes the character c at *p. */
static int
time_expect(const char **p, char c)
{
    if (**p != c) {
        return SL_EINVAL;
    }
    (*p)++;
    return SL_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). Computed here rather than with timegm(), which needs
 * _DEFAULT_SOURCE, and mktime(), which would apply the local zone. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* YYYY-MM-DD, years 1970 to 9999, as days since the epoch. The day must
 * exist in that month: 2024-02-29 does, 2023-02-29 does not. */
static int
parse_date(const char **p, int64_t *days)
{
    static const int64_t mdays[] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};
    int64_t y = 0, m = 1, d = 1;
    int rc = time_digits(p, 4, 1970, 9999, &y);
    rc = rc == SL_OK ? time_expect(p, '-') : rc;
    rc = rc == SL_OK ? time_digits(p, 2, 1, 12, &m) : rc;
    rc = rc == SL_OK ? time_expect(p, '-') : rc;
    rc = rc == SL_OK ? time_digits(p, 2, 1, 31, &d) : rc;
    if (rc != SL_OK) {
        return rc;
    }
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap)) {
        return SL_EINVAL;
    }
    *days = days_from_civil(y, m, d);
    return SL_OK;
}

/* HH:MM[:SS[.fraction]] as seconds into the day and microseconds. Digits
 * of the fraction past the sixth are read and dropped (truncated). A
 * fraction only follows seconds: in ISO 8601 "10:30.5" is a fraction of a
 * minute, which we do not take rather than misread as 0.5 s. */
static int
parse_clock(const char **p, int64_t *secs, int64_t *us)
{
    int64_t h = 0, m = 0, s = 0;
    *us = 0;
    int rc = time_digits(p, 2, 0, 23, &h);
    rc = rc == SL_OK ? time_expect(p, ':') : rc;
    rc = rc == SL_OK ? time_digits(p, 2, 0, 59, &m) : rc;
    if (rc == SL_OK && **p == ':') {
        (*p)++;
        rc = time_digits(p, 2, 0, 59, &s);
        if (rc == SL_OK && **p == '.') {
            size_t n = strspn(++*p, "0123456789");
            for (size_t i = 0; i < 6; i++) {
                *us = *us * 10 + (i < n ? (*p)[i] - '0' : 0);
            }
            *p += n;
            rc = n > 0 ? SL_OK : SL_EINVAL;
        }
    }
    *secs = h * 3600 + m * 60 + s;
    return rc;
}

/* "", "Z" or +HH:MM / -HH:MM, as seconds east of UTC. */
static int
parse_zone(const char **p, int64_t *off)
{
    int64_t h = 0, m = 0;
    char sign = **p;
    *off = 0;
    if (sign == '\0') {
        return SL_OK;
    }
    if (sign == 'Z') {
        (*p)++;
        return SL_OK;
    }
    if (sign != '+' && sign != '-') {
        return SL_EINVAL;
    }
    (*p)++;
    int rc = time_digits(p, 2, 0, 23, &h);
    rc = rc == SL_OK ? time_expect(p, ':') : rc;
    rc = rc == SL_OK ? time_digits(p, 2, 0, 59, &m) : rc;
    *off = (sign == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return rc;
}

/* The ISO 8601 forms. The result stays far from overflow: 9999-12-31 plus
 * a day is under 2.6e17 microseconds. */
static int
parse_iso_us(const char *s, int64_t *out)
{
    const char *p = s;
    int64_t days = 0, clock = 0, us = 0, off = 0;
    int rc = parse_date(&p, &days);
    if (rc == SL_OK && (*p == 'T' || *p == ' ')) {
        p++;
        rc = parse_clock(&p, &clock, &us);
    }
    rc = rc == SL_OK ? parse_zone(&p, &off) : rc;
    if (rc != SL_OK || *p != '\0') {
        return SL_EINVAL;
    }
    int64_t t = (days * 86400 + clock - off) * 1000000 + us;
    if (t < 0) {
        return SL_EINVAL;
    }
    *out = t;
    return SL_OK;
}

int
sl_parse_time_us(const char *s, int64_t *out)
{
    uint64_t secs = 0;
    if (s == NULL || *s == '\0') {
        return SL_EINVAL;
    }
    if (s[strspn(s, "0123456789")] != '\0') {
        return parse_iso_us(s, out);
    }
    int rc = sl_parse_u64(s, 0, INT64_MAX / 1000000, &secs);
    if (rc != SL_OK) {
        return rc;
    }
    *out = (int64_t)secs * 1000000;
    return SL_OK;
}
