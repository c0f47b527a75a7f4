/* Text that came from the collector, shown safely: UTF-8 widths, and
 * control characters or bytes that are not UTF-8 shown as '?' (a stored
 * name must not drive the terminal); and figures, times and names
 * formatted the same way by every command. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

size_t
cli_utf8_len(const unsigned char *p)
{
    size_t n = p[0] < 0x80                    ? 1
               : p[0] >= 0xC2 && p[0] <= 0xDF ? 2
               : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
               : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
                                              : 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

int
cli_utf8_unsafe(const unsigned char *p, size_t n)
{
    /* C0 controls, DEL, C1 controls (U+0080..U+009F; U+009B is a CSI to
     * some terminals) and bytes that are not UTF-8. */
    int c1 = n == 2 && p[0] == 0xC2 && p[1] <= 0x9F;
    return n == 0 || c1 || (n == 1 && (*p < 0x20 || *p == 0x7F));
}

size_t
cli_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; w++) {
        size_t n = cli_utf8_len(p);
        p += n != 0 ? n : 1;
    }
    return w;
}

void
cli_put(FILE *out, const char *s, size_t width)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; w++) {
        size_t n = cli_utf8_len(p);
        if (cli_utf8_unsafe(p, n)) {
            (void)fputc('?', out);
        } else {
            (void)fwrite(p, 1, n, out);
        }
        p += n != 0 ? n : 1;
    }
    for (; w < width; w++) {
        (void)fputc(' ', out);
    }
}

char *
cli_num(double v, char *buf)
{
    if (!isfinite(v)) {
        (void)snprintf(buf, 32, "-");
    } else {
        (void)snprintf(buf, 32, "%.6g", v);
    }
    return buf;
}

char *
cli_pct(double pct, char *buf)
{
    /* What rounds to 0.0 shows unsigned: "-0.0%" reads as a change. */
    if (fabs(pct) < 0.05) {
        (void)snprintf(buf, 32, "0.0%%");
    } else if (!(fabs(pct) < 1e6)) {
        (void)snprintf(buf, 32, "%+.3g%%", pct); /* "+1e+152%" */
    } else {
        (void)snprintf(buf, 32, "%+.1f%%", pct);
    }
    return buf;
}

char *
cli_short_commit(const char *commit, char *buf)
{
    size_t n = strnlen(commit, 10);
    memcpy(buf, commit, n);
    buf[n] = '\0';
    return buf;
}

char *
cli_age(int64_t us, char *buf)
{
    uint64_t s = us > 0 ? (uint64_t)us / 1000000u : 0;
    uint64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
    if (d > 0) {
        (void)snprintf(buf, 32, "%" PRIu64 "d %" PRIu64 "h", d, h);
    } else if (h > 0) {
        (void)snprintf(buf, 32, "%" PRIu64 "h %" PRIu64 "m", h, m);
    } else if (m > 0) {
        (void)snprintf(buf, 32, "%" PRIu64 "m %" PRIu64 "s", m, s % 60);
    } else {
        (void)snprintf(buf, 32, "%" PRIu64 "s", s);
    }
    return buf;
}

int
cli_subject_is(const char *subject, const char *name)
{
    size_t n = strlen(name);
    return n > 0 && strncmp(subject, name, n) == 0 &&
           (subject[n] == '\0' || subject[n] == ' ' || subject[n] == '[');
}

void
cli_put_row(FILE *out, const char *const *col, const size_t *width, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cli_put(out, col[i], i + 1 < n ? width[i] + 2 : 0);
    }
    fputc('\n', out);
}
