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
    static const char *const units[] = {"", "ms", "s", "m", "h", NULL};
    static const uint64_t mult[] = {1000, 1, 1000, 60000, 3600000};
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
