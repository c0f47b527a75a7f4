/* A fast line reader over an fd for the line-based formats (lcov
 * tracefiles, Go coverprofiles). Private to lib/formats.
 *
 * It reads the file in big chunks into one buffer that is allocated once
 * and never grows, finds line ends with memchr and hands out each line in
 * place (no copy, no allocation per line). What every file gets:
 * - a line is its bytes up to "\n"; a "\r" before the "\n" (CRLF) is
 *   dropped, and so is the "\n"; the last line may lack its "\n";
 * - a line longer than SL_LINES_MAX bytes is refused (SL_ETOOBIG) as soon
 *   as that many bytes without a line end are buffered, so a 100 MB line
 *   costs one buffer, not 100 MB;
 * - a NUL byte anywhere is refused (SL_EINPUT): neither format has one,
 *   and a path with one would be cut short;
 * - a UTF-8 byte order mark at the very start is skipped;
 * - lines are counted from 1 for messages "path:LINE:COL: reason", COL
 *   counted in bytes from 1. */
#ifndef SLUICE_FORMATS_LINES_H
#define SLUICE_FORMATS_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sluice/err.h"
#include "sluice/text.h"

#define SL_LINES_MAX      (1u << 20) /* bytes in one line, end excluded */
#define SL_LINES_CHUNK    (1u << 20) /* bytes asked of read() at a time */
#define SL_LINES_PATH_MAX 4096u      /* bytes in a source path */

/* The reader, embedded by its caller (_init/_fini). Fields are private. */
typedef struct sl_lines {
    int fd;
    const char *path;
    char *buf;       /* SL_LINES_MAX + SL_LINES_CHUNK bytes */
    size_t pos, end; /* bytes not yet handed out: buf[pos, end) */
    size_t scan;     /* no "\n" in buf[pos, scan): where memchr goes on */
    size_t nul;      /* first NUL in buf[pos, end), or SIZE_MAX: none */
    uint64_t lineno; /* number of the line last handed out; 0 before */
    int eof;         /* read() returned 0 */
    int started;     /* the first read is done (its BOM skipped) */
} sl_lines_t;

/* A UTF-8 byte order mark at the start of a file (Windows tools write
 * one) is not part of its first line: sniffers and the reader skip it. */
static inline void
sl_lines_skip_bom(const char **head, size_t *len)
{
    if (*len >= 3 && memcmp(*head, "\xEF\xBB\xBF", 3) == 0) {
        *head += 3;
        *len -= 3;
    }
}

/* Prepares l to read fd (from its current offset) and allocates its
 * buffer. path is used only in messages and must outlive l. The fd stays
 * the caller's. Returns SL_OK or SL_ENOMEM. */
int sl_lines_init(sl_lines_t *l, int fd, const char *path, sl_err_t *err)
    SL_NODISCARD;

/* Frees l's buffer. NULL-safe and idempotent. */
void sl_lines_fini(sl_lines_t *l);

/* The slow path of sl_lines_next: refills the buffer, the last line, and
 * every refusal. */
int sl_lines_next_slow(sl_lines_t *l, const char **line, size_t *len,
                       sl_err_t *err) SL_NODISCARD;

/* The next line: *line (not NUL-terminated, valid until the next call)
 * and *len, without its line end. Returns 1 with a line, 0 at the end of
 * the file, or SL_ETOOBIG (line over SL_LINES_MAX), SL_EINPUT (NUL byte)
 * or SL_EIO (read failed), with err set. Inline: a line already buffered
 * costs one memchr. */
static inline int
sl_lines_next(sl_lines_t *l, const char **line, size_t *len, sl_err_t *err)
{
    char *s = l->buf + l->pos;
    const char *nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
    size_t n = nl != NULL ? (size_t)(nl - s) : 0;
    if (nl == NULL || n > SL_LINES_MAX ||
        (l->nul != SIZE_MAX && l->nul < l->pos + n)) {
        return sl_lines_next_slow(l, line, len, err);
    }
    l->lineno++;
    l->pos += n + 1;
    l->scan = l->pos;
    *line = s;
    *len = n - (n > 0 && s[n - 1] == '\r');
    return 1;
}

/* Records rc with "path:LINE:COL: reason" in err, LINE being the line
 * last handed out (1 before any), and returns rc. */
int sl_lines_fail(const sl_lines_t *l, sl_err_t *err, int rc, size_t col,
                  const char *fmt, ...) SL_PRINTF(5, 6);

/* Copies s[len] into dst[cap] (cap >= 4) for a message: printable ASCII
 * as is, any other byte as '?', cut with "..." when it does not fit.
 * Returns dst, NUL-terminated. */
char *sl_lines_quote(char *dst, size_t cap, const char *s, size_t len);

/* What sl_lines_u64 found. */
enum { SL_LINES_NUM_OK = 0, SL_LINES_NUM_NONE = 1, SL_LINES_NUM_OVER = 2 };

/* Reads the decimal digits at *s (up to end) as a number of at most max
 * and moves *s past them. Returns SL_LINES_NUM_OK; SL_LINES_NUM_NONE when
 * *s is not at a digit (*out is then 0); SL_LINES_NUM_OVER when the value is over max (*s
 * is then past all the digits). No sign, no space, no allocation: the
 * parsers' hot path, inline. */
static inline int
sl_lines_u64(const char **s, const char *end, uint64_t max, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    *out = 0;
    /* 19 digits never overflow: multiply-add with no check. */
    const char *stop = end - p > 19 ? p + 19 : end;
    for (; p < stop && (unsigned)(*p - '0') <= 9u; p++) {
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (p == *s) {
        return SL_LINES_NUM_NONE;
    }
    int over = 0;
    for (; p < end && (unsigned)(*p - '0') <= 9u; p++) {
        unsigned d = (unsigned)(*p - '0');
        over |= v > (UINT64_MAX - d) / 10;
        v = v * 10 + d;
    }
    *s = p;
    *out = v;
    return over || v > max ? SL_LINES_NUM_OVER : SL_LINES_NUM_OK;
}

#endif
