/* The line reader of the line-based formats (lines.h). */
#include "lines.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINES_BUF (SL_LINES_MAX + SL_LINES_CHUNK)

int
sl_lines_init(sl_lines_t *l, int fd, const char *path, sl_err_t *err)
{
    memset(l, 0, sizeof *l);
    l->fd = fd;
    l->path = path;
    l->nul = SIZE_MAX;
    l->buf = malloc(LINES_BUF);
    if (l->buf == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    return SL_OK;
}

void
sl_lines_fini(sl_lines_t *l)
{
    free(l->buf);
    l->buf = NULL;
}

int
sl_lines_fail(const sl_lines_t *l, sl_err_t *err, int rc, size_t col,
              const char *fmt, ...)
{
    char reason[200];
    va_list ap;
    va_start(ap, fmt);
    /* A cut reason is still a useful message. */
    (void)vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    unsigned long long line = l->lineno > 0 ? l->lineno : 1;
    return sl_err_set(err, rc, "%s:%llu:%zu: %s", l->path, line,
                      col > 0 ? col : 1, reason);
}

/* Moves what is left to the front of the buffer and reads once after it:
 * at least SL_LINES_CHUNK bytes of room, since a caller never keeps more
 * than SL_LINES_MAX unread. Remembers the first NUL read. */
static int
lines_fill(sl_lines_t *l, sl_err_t *err)
{
    if (l->pos > 0) {
        memmove(l->buf, l->buf + l->pos, l->end - l->pos);
        l->end -= l->pos;
        l->scan -= l->pos;
        l->nul -= l->nul != SIZE_MAX ? l->pos : 0;
        l->pos = 0;
    }
    ssize_t r;
    do {
        r = read(l->fd, l->buf + l->end, LINES_BUF - l->end);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        int e = errno;
        return sl_lines_fail(l, err, SL_EIO, 1, "read: %s", strerror(e));
    }
    if (r == 0) {
        l->eof = 1;
        return SL_OK;
    }
    if (l->nul == SIZE_MAX) {
        const char *z = memchr(l->buf + l->end, '\0', (size_t)r);
        l->nul = z != NULL ? (size_t)(z - l->buf) : SIZE_MAX;
    }
    l->end += (size_t)r;
    if (!l->started) {
        const char *b = l->buf;
        size_t n = l->end;
        sl_lines_skip_bom(&b, &n);
        l->pos = l->scan = l->end - n;
        l->started = 1;
    }
    return SL_OK;
}

/* Hands out the n bytes at pos as the next line and consumes used bytes
 * (n plus its "\n", if any). */
static int
lines_hand_out(sl_lines_t *l, size_t n, size_t used, const char **line,
               size_t *len, sl_err_t *err)
{
    const char *s = l->buf + l->pos;
    l->lineno++;
    if (l->nul < l->pos + n) {
        return sl_lines_fail(l, err, SL_EINPUT, l->nul - l->pos + 1,
                             "NUL byte");
    }
    if (n > SL_LINES_MAX) {
        return sl_lines_fail(l, err, SL_ETOOBIG, 1,
                             "line longer than %u bytes", SL_LINES_MAX);
    }
    l->pos += used;
    l->scan = l->pos;
    n -= n > 0 && s[n - 1] == '\r';
    *line = s;
    *len = n;
    return 1;
}

int
sl_lines_next_slow(sl_lines_t *l, const char **line, size_t *len,
                   sl_err_t *err)
{
    for (;;) {
        const char *nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
        if (nl != NULL) {
            size_t n = (size_t)(nl - (l->buf + l->pos));
            return lines_hand_out(l, n, n + 1, line, len, err);
        }
        l->scan = l->end;
        size_t avail = l->end - l->pos;
        if (l->eof) {
            return avail == 0 ? 0
                              : lines_hand_out(l, avail, avail, line, len, err);
        }
        if (avail > SL_LINES_MAX) {
            l->lineno++;
            return sl_lines_fail(l, err, SL_ETOOBIG, 1,
                                 "line longer than %u bytes", SL_LINES_MAX);
        }
        int rc = lines_fill(l, err);
        if (rc != SL_OK) {
            return rc;
        }
    }
}

char *
sl_lines_quote(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = len < cap ? len : cap - 4;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        dst[i] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    if (n < len) {
        memcpy(dst + n, "...", 3);
        n += 3;
    }
    dst[n] = '\0';
    return dst;
}
