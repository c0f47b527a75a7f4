/* Unified diffs (sluice/diff.h): a line reader over an fd, a state machine
 * over its lines (outside a file, in a file between hunks, in a hunk) and
 * the tables of what is kept: one record per file that adds lines, the
 * runs of its added lines, its path. */
#include "sluice/diff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes of a line looked at: a longer line is handed out cut there and
 * the rest of it skipped (a hunk line needs one byte, a header line its
 * path, which is refused long before). A 100 MB line costs no memory. */
#define DIFF_KEEP (64u << 10)
#define DIFF_BUF  (2 * DIFF_KEEP)
/* A "--- " line is kept raw until its "+++ " comes: room for a quoted
 * path of SL_DIFF_PATH_MAX bytes (4 per byte when escaped) and a tail. */
#define DIFF_MINUS_MAX (4 * SL_DIFF_PATH_MAX + 64)

/* A file being kept: offsets into the diff's tables. */
typedef struct diff_rec {
    size_t path_off, path_len;
    size_t run_off, nruns;
    uint64_t added, line;
} diff_rec_t;

struct sl_diff {
    diff_rec_t *recs;
    size_t nrecs, recs_cap;
    sl_diff_run_t *runs;
    size_t nruns, runs_cap;
    char *paths; /* NUL-terminated paths, one after the other */
    size_t paths_len, paths_cap;
    sl_diff_file_t *files; /* the views, made when the parse ends */
    uint64_t added;
};

enum { DIFF_OUT, DIFF_FILE, DIFF_HUNK };

typedef struct diff_parse {
    int fd;
    const char *name;
    sl_err_t *err;
    char *buf;
    size_t pos, end; /* bytes not handed out yet: buf[pos, end) */
    int eof;
    int skipping;    /* dropping the rest of a line cut at DIFF_KEEP */
    uint64_t bytes;  /* read so far */
    uint64_t lineno; /* of the line last handed out */
    sl_diff_t *d;
    int state;
    int git;                     /* in a "diff --git" section */
    int git_prefixed;            /* whose header shows git's a/ b/ prefixes */
    int headers;                 /* a file header was seen */
    uint64_t text_line;          /* first non-blank line, 0: none yet */
    int keep;                    /* the file's lines are kept (not deleted) */
    int hunk_ended;              /* the previous line ended a hunk */
    uint64_t old_left, new_left; /* lines the hunk still owes */
    uint64_t newno;              /* number of the next new line */
    uint64_t hunk_line;          /* line of the hunk's header */
    uint64_t last_end;           /* last new line of the previous hunk */
    int minus_ok;                /* the previous line was a "--- " */
    int minus_long;              /* ... too long to keep */
    size_t minus_len;
    char minus[DIFF_MINUS_MAX];
    char old_path[SL_DIFF_PATH_MAX + 1];
    char new_path[SL_DIFF_PATH_MAX + 1];
} diff_parse_t;

/* ---- messages ------------------------------------------------------------ */

/* s[len] for a message: printable ASCII as is, other bytes as '?', cut
 * with "..." past cap - 1 bytes. */
static const char *
diff_quote(char *dst, size_t cap, const char *s, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (j + 1 == cap && len > j && cap > 4) {
        memcpy(dst + cap - 4, "...", 3);
    }
    dst[j] = '\0';
    return dst;
}

/* "name:LINE: reason" into err; returns rc. */
static int diff_fail_at(diff_parse_t *p, uint64_t line, int rc, const char *fmt,
                        ...) SL_PRINTF(4, 5);
static int
diff_fail_at(diff_parse_t *p, uint64_t line, int rc, const char *fmt, ...)
{
    char reason[200];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return sl_err_set(p->err, rc, "%s:%llu: %s", p->name,
                      (unsigned long long)(line > 0 ? line : 1), reason);
}

#define diff_fail(p, rc, ...) diff_fail_at(p, (p)->lineno, rc, __VA_ARGS__)

/* ---- the reader ---------------------------------------------------------- */

/* Moves what is left to the front and reads once after it. */
static int
diff_fill(diff_parse_t *p)
{
    memmove(p->buf, p->buf + p->pos, p->end - p->pos);
    p->end -= p->pos;
    p->pos = 0;
    ssize_t n;
    do {
        n = read(p->fd, p->buf + p->end, DIFF_BUF - p->end);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return sl_err_set(p->err, SL_EIO, "%s: %s", p->name, strerror(errno));
    }
    p->eof = n == 0;
    p->end += (size_t)n;
    p->bytes += (uint64_t)n;
    if (p->bytes > SL_DIFF_SIZE_MAX) {
        return sl_err_set(p->err, SL_ETOOBIG, "%s: diff larger than %u MiB",
                          p->name, SL_DIFF_SIZE_MAX >> 20);
    }
    return SL_OK;
}

static int
diff_give(diff_parse_t *p, const char *s, size_t n, const char **line,
          size_t *len)
{
    p->lineno++;
    *line = s;
    *len = n > 0 && s[n - 1] == '\r' ? n - 1 : n;
    return 1;
}

/* The next line (without its end, valid until the next call): 1, 0 at
 * the end, or a negative SL_E* code. */
static int
diff_next(diff_parse_t *p, const char **line, size_t *len)
{
    for (;;) {
        char *s = p->buf + p->pos;
        size_t avail = p->end - p->pos;
        const char *nl = memchr(s, '\n', avail);
        if (nl != NULL) {
            size_t n = (size_t)(nl - s);
            p->pos += n + 1;
            if (p->skipping) {
                p->skipping = 0; /* the end of a cut line */
                continue;
            }
            return diff_give(p, s, n, line, len);
        }
        if (p->skipping) {
            p->pos = p->end;
        } else if (avail >= DIFF_KEEP || (p->eof && avail > 0)) {
            p->pos = p->end;
            p->skipping = !p->eof;
            return diff_give(p, s, avail > DIFF_KEEP ? DIFF_KEEP : avail, line,
                             len);
        }
        if (p->eof) {
            return 0;
        }
        int rc = diff_fill(p);
        if (rc != SL_OK) {
            return rc;
        }
    }
}

/* ---- the tables ---------------------------------------------------------- */

/* Makes room for one more element of size sz in *v (n used, *cap). */
static int
diff_grow(void **v, size_t n, size_t *cap, size_t sz, size_t first)
{
    if (n < *cap) {
        return SL_OK;
    }
    size_t c = *cap == 0 ? first : *cap * 2;
    void *nv = realloc(*v, c * sz);
    if (nv == NULL) {
        return SL_ENOMEM;
    }
    *v = nv;
    *cap = c;
    return SL_OK;
}

static int
diff_oom(diff_parse_t *p)
{
    return diff_fail(p, SL_ENOMEM, "out of memory");
}

/* Opens the record of a kept file named path[len]. */
static int
diff_rec_open(diff_parse_t *p, const char *path, size_t len)
{
    sl_diff_t *d = p->d;
    if (d->nrecs == SL_DIFF_FILES_MAX) {
        return diff_fail(p, SL_ETOOBIG, "more than %u files add lines",
                         SL_DIFF_FILES_MAX);
    }
    if (len + 1 > SL_DIFF_PATHS_MAX - d->paths_len) {
        return diff_fail(p, SL_ETOOBIG, "paths of the files over %u MiB",
                         SL_DIFF_PATHS_MAX >> 20);
    }
    while (d->paths_len + len + 1 > d->paths_cap) {
        size_t c = d->paths_cap == 0 ? 4096 : d->paths_cap * 2;
        char *np = realloc(d->paths, c);
        if (np == NULL) {
            return diff_oom(p);
        }
        d->paths = np;
        d->paths_cap = c;
    }
    if (diff_grow((void **)&d->recs, d->nrecs, &d->recs_cap, sizeof *d->recs,
                  64) != SL_OK) {
        return diff_oom(p);
    }
    diff_rec_t *r = &d->recs[d->nrecs++];
    memset(r, 0, sizeof *r);
    r->path_off = d->paths_len;
    r->path_len = len;
    r->run_off = d->nruns;
    r->line = p->lineno;
    memcpy(d->paths + d->paths_len, path, len);
    d->paths[d->paths_len + len] = '\0';
    d->paths_len += len + 1;
    return SL_OK;
}

/* Ends the file being read: a kept file that added nothing is dropped. */
static void
diff_file_end(diff_parse_t *p)
{
    sl_diff_t *d = p->d;
    if (p->keep && d->recs[d->nrecs - 1].added == 0) {
        d->paths_len = d->recs[--d->nrecs].path_off;
    }
    p->keep = 0;
    p->state = DIFF_OUT;
}

/* Line n of the new file is an added line. */
static int
diff_add(diff_parse_t *p, uint64_t n)
{
    sl_diff_t *d = p->d;
    diff_rec_t *r = &d->recs[d->nrecs - 1];
    if (r->nruns > 0 && d->runs[d->nruns - 1].last + 1 == n) {
        d->runs[d->nruns - 1].last = (uint32_t)n;
    } else {
        if (d->nruns == SL_DIFF_RUNS_MAX) {
            return diff_fail(p, SL_ETOOBIG, "more than %u runs of added lines",
                             SL_DIFF_RUNS_MAX);
        }
        if (diff_grow((void **)&d->runs, d->nruns, &d->runs_cap,
                      sizeof *d->runs, 256) != SL_OK) {
            return diff_oom(p);
        }
        d->runs[d->nruns].first = d->runs[d->nruns].last = (uint32_t)n;
        d->nruns++;
        r->nruns++;
    }
    r->added++;
    d->added++;
    return SL_OK;
}

/* ---- paths --------------------------------------------------------------- */

/* The byte of the escape at s[*i] (just past the backslash) of a C-quoted
 * path as git writes it, or -1. */
static int
diff_unescape(const char *s, size_t n, size_t *i)
{
    static const char from[] = "abtnvfr\"\\";
    static const char to[] = "\a\b\t\n\v\f\r\"\\";
    if (*i >= n) {
        return -1;
    }
    const char *e = memchr(from, s[*i], sizeof from - 1);
    if (e != NULL) {
        (*i)++;
        return (unsigned char)to[e - from];
    }
    if (*i + 3 > n || s[*i] < '0' || s[*i] > '3' || s[*i + 1] < '0' ||
        s[*i + 1] > '7' || s[*i + 2] < '0' || s[*i + 2] > '7') {
        return -1;
    }
    int v = (s[*i] - '0') << 6 | (s[*i + 1] - '0') << 3 | (s[*i + 2] - '0');
    *i += 3;
    return v == 0 ? -1 : v; /* a NUL cannot be in a path */
}

/* Unquotes the path "..." at s[n] into out; *rest gets the offset past the
 * closing quote. */
static int
diff_unquote(diff_parse_t *p, uint64_t line, const char *s, size_t n, char *out,
             size_t *len, size_t *rest)
{
    size_t j = 0;
    for (size_t i = 1; i < n;) {
        int c = (unsigned char)s[i];
        if (c == '"') {
            *len = j;
            *rest = i + 1;
            return SL_OK;
        }
        i++;
        if (c == '\0') {
            return diff_fail_at(p, line, SL_EINPUT, "NUL byte in a path");
        }
        if (c == '\\' && (c = diff_unescape(s, n, &i)) < 0) {
            return diff_fail_at(p, line, SL_EINPUT,
                                "bad escape in a quoted path");
        }
        if (j == SL_DIFF_PATH_MAX) {
            return diff_fail_at(p, line, SL_ETOOBIG,
                                "path longer than %u bytes", SL_DIFF_PATH_MAX);
        }
        out[j++] = (char)c;
    }
    return diff_fail_at(p, line, SL_EINPUT, "quoted path without its end");
}

/* The path of a "--- " or "+++ " line (s[n] past the marker) into
 * out[SL_DIFF_PATH_MAX + 1], NUL-terminated. */
static int
diff_path(diff_parse_t *p, uint64_t line, const char *s, size_t n, char *out,
          size_t *len)
{
    size_t rest = 0;
    if (n > 0 && s[0] == '"') {
        int rc = diff_unquote(p, line, s, n, out, len, &rest);
        if (rc != SL_OK) {
            return rc;
        }
        if (rest < n && s[rest] != '\t') {
            return diff_fail_at(p, line, SL_EINPUT, "junk after a quoted path");
        }
    } else {
        const char *tab = memchr(s, '\t', n);
        *len = tab != NULL ? (size_t)(tab - s) : n;
        if (*len > SL_DIFF_PATH_MAX) {
            return diff_fail_at(p, line, SL_ETOOBIG,
                                "path longer than %u bytes", SL_DIFF_PATH_MAX);
        }
        if (memchr(s, '\0', *len) != NULL) {
            return diff_fail_at(p, line, SL_EINPUT, "NUL byte in a path");
        }
        memcpy(out, s, *len);
    }
    if (*len == 0) {
        return diff_fail_at(p, line, SL_EINPUT, "empty path");
    }
    out[*len] = '\0';
    return SL_OK;
}

/* The length of path's first component and its '/', or 0 when it has a
 * single component. */
static size_t
diff_first_component(const char *path, size_t len)
{
    const char *slash = memchr(path, '/', len);
    return slash != NULL && (size_t)(slash - path) + 1 < len
               ? (size_t)(slash - path) + 1
               : 0;
}

/* How much of the new path is a prefix to drop (see diff.h). */
static size_t
diff_prefix(const diff_parse_t *p, size_t old_len, size_t new_len)
{
    const char *o = p->old_path, *n = p->new_path;
    if (p->git) {
        return p->git_prefixed && new_len > 2 && n[0] != '/' && n[1] == '/' ? 2
                                                                            : 0;
    }
    size_t fo = diff_first_component(o, old_len);
    size_t fn = diff_first_component(n, new_len);
    if (strcmp(o, "/dev/null") == 0 || fo == 0 || fn == 0) {
        return 0;
    }
    return fo != fn || memcmp(o, n, fn) != 0 ? fn : 0;
}

/* ---- header lines -------------------------------------------------------- */

/* "+++ NEW" after "--- OLD": a file begins. */
static int
diff_plus(diff_parse_t *p, const char *s, size_t n)
{
    if (p->state != DIFF_OUT) {
        diff_file_end(p);
    }
    p->headers = 1;
    if (p->minus_long) {
        return diff_fail_at(p, p->lineno - 1, SL_ETOOBIG,
                            "path longer than %u bytes", SL_DIFF_PATH_MAX);
    }
    size_t old_len = 0, new_len = 0;
    int rc = diff_path(p, p->lineno - 1, p->minus, p->minus_len, p->old_path,
                       &old_len);
    if (rc == SL_OK) {
        rc = diff_path(p, p->lineno, s, n, p->new_path, &new_len);
    }
    if (rc != SL_OK) {
        return rc;
    }
    p->state = DIFF_FILE;
    p->last_end = 0;
    if (strcmp(p->new_path, "/dev/null") == 0) {
        return SL_OK; /* a deleted file: its hunks are read, not kept */
    }
    size_t skip = diff_prefix(p, old_len, new_len);
    rc = diff_rec_open(p, p->new_path + skip, new_len - skip);
    p->keep = rc == SL_OK;
    return rc;
}

static void
diff_minus(diff_parse_t *p, const char *s, size_t n)
{
    p->minus_ok = 1;
    p->minus_long = n > sizeof p->minus;
    p->minus_len = p->minus_long ? 0 : n;
    memcpy(p->minus, s, p->minus_len);
}

/* "diff --git A B": a git section begins; A tells whether the paths have
 * git's prefixes (a/ b/, or the mnemonic c/ i/ w/ o/). */
static void
diff_git(diff_parse_t *p, const char *s, size_t n)
{
    if (p->state != DIFF_OUT) {
        diff_file_end(p);
    }
    p->headers = 1;
    p->git = 1;
    if (n > 0 && s[0] == '"') {
        s++;
        n--;
    }
    p->git_prefixed = n > 2 && s[0] != '/' && s[1] == '/';
}

/* Reads the number at *s (up to end, at most SL_DIFF_LINENO_MAX). */
static int
diff_num(const char **s, const char *end, uint64_t *out)
{
    const char *q = *s;
    uint64_t v = 0;
    for (; q < end && *q >= '0' && *q <= '9'; q++) {
        v = v * 10 + (uint64_t)(*q - '0');
        if (v > SL_DIFF_LINENO_MAX) {
            return SL_ETOOBIG;
        }
    }
    if (q == *s) {
        return SL_EINPUT;
    }
    *s = q;
    *out = v;
    return SL_OK;
}

/* "-A[,B]" or "+C[,D]" at *s: start and count (1 when not given). */
static int
diff_range(const char **s, const char *end, char sign, uint64_t *start,
           uint64_t *count)
{
    if (*s == end || **s != sign) {
        return SL_EINPUT;
    }
    (*s)++;
    int rc = diff_num(s, end, start);
    *count = 1;
    if (rc == SL_OK && *s < end && **s == ',') {
        (*s)++;
        rc = diff_num(s, end, count);
    }
    return rc;
}

/* Checks a hunk's ranges: in bounds, and after the file's last hunk. */
static int
diff_hunk_check(diff_parse_t *p, uint64_t a, uint64_t b, uint64_t c,
                uint64_t dd)
{
    if (a + b > SL_DIFF_LINENO_MAX + 1 || c + dd > SL_DIFF_LINENO_MAX + 1) {
        return diff_fail(p, SL_ETOOBIG, "hunk past line %u",
                         SL_DIFF_LINENO_MAX);
    }
    if ((b > 0 && a == 0) || (dd > 0 && c == 0)) {
        return diff_fail(p, SL_EINPUT,
                         "hunk header: line 0 with lines in the range");
    }
    if (b == 0 && dd == 0) {
        return diff_fail(p, SL_EINPUT, "empty hunk (no old and no new line)");
    }
    if (dd > 0 ? c <= p->last_end : c < p->last_end) {
        return diff_fail(p, SL_EINPUT,
                         "hunk starts at new line %llu, within or before "
                         "the previous hunk (to line %llu)",
                         (unsigned long long)c,
                         (unsigned long long)p->last_end);
    }
    return SL_OK;
}

/* "@@ -A[,B] +C[,D] @@[ section]" */
static int
diff_hunk(diff_parse_t *p, const char *s, size_t n)
{
    static const char want[] = "bad hunk header (want @@ -A,B +C,D @@)";
    if (p->state == DIFF_OUT) {
        return diff_fail(p, SL_EINPUT,
                         "hunk header without a file header ('--- ' and "
                         "'+++ ' lines) before it");
    }
    const char *q = s + 3, *end = s + n;
    uint64_t a, b, c, dd;
    int rc = diff_range(&q, end, '-', &a, &b);
    if (rc == SL_OK && (q == end || *q++ != ' ')) {
        rc = SL_EINPUT;
    }
    rc = rc != SL_OK ? rc : diff_range(&q, end, '+', &c, &dd);
    if (rc == SL_OK && (end - q < 3 || memcmp(q, " @@", 3) != 0)) {
        rc = SL_EINPUT;
    }
    if (rc == SL_ETOOBIG) {
        return diff_fail(p, rc, "hunk header: a number over %u",
                         SL_DIFF_LINENO_MAX);
    }
    if (rc != SL_OK) {
        return diff_fail(p, rc, "%s", want);
    }
    rc = diff_hunk_check(p, a, b, c, dd);
    if (rc != SL_OK) {
        return rc;
    }
    p->state = DIFF_HUNK;
    p->old_left = b;
    p->new_left = dd;
    p->newno = c;
    p->hunk_line = p->lineno;
    p->last_end = dd > 0 ? c + dd - 1 : c;
    return SL_OK;
}

/* ---- hunk bodies --------------------------------------------------------- */

static int
diff_mismatch(diff_parse_t *p, const char *what)
{
    return diff_fail(p, SL_EINPUT,
                     "%s (the hunk of line %llu has %llu old and %llu new "
                     "lines to go)",
                     what, (unsigned long long)p->hunk_line,
                     (unsigned long long)p->old_left,
                     (unsigned long long)p->new_left);
}

static int
diff_hunk_line(diff_parse_t *p, const char *s, size_t n)
{
    char c = n > 0 ? s[0] : ' ';
    if (c == ' ') {
        if (p->old_left == 0 || p->new_left == 0) {
            return diff_mismatch(p, "context line past the hunk's counts");
        }
        p->old_left--;
        p->new_left--;
        p->newno++;
    } else if (c == '-') {
        if (p->old_left == 0) {
            return diff_mismatch(p, "'-' line past the hunk's old lines");
        }
        p->old_left--;
    } else if (c == '+') {
        if (p->new_left == 0) {
            return diff_mismatch(p, "'+' line past the hunk's new lines");
        }
        int rc = p->keep ? diff_add(p, p->newno) : SL_OK;
        if (rc != SL_OK) {
            return rc;
        }
        p->new_left--;
        p->newno++;
    } else if (c != '\\') {
        return diff_mismatch(p, "not a hunk line (want ' ', '-', '+' or "
                                "'\\')");
    }
    if (p->old_left == 0 && p->new_left == 0) {
        p->state = DIFF_FILE;
        p->hunk_ended = 1;
    }
    return SL_OK;
}

/* The line right after a hunk (and its "\ No newline" line): one that
 * would continue it means the hunk's header counts fewer lines than its
 * body has. ("-- " is the signature line of `git format-patch`.) */
static int
diff_after_hunk(diff_parse_t *p, const char *s, size_t n)
{
    int more = n > 0 && (s[0] == ' ' || s[0] == '+' || s[0] == '-');
    if (!more || (n >= 4 && memcmp(s, "+++ ", 4) == 0) ||
        (n >= 4 && memcmp(s, "--- ", 4) == 0) ||
        (n == 3 && memcmp(s, "-- ", 3) == 0) ||
        (n == 2 && memcmp(s, "--", 2) == 0)) {
        return SL_OK;
    }
    return diff_fail(p, SL_EINPUT,
                     "'%c' line after the hunk of line %llu ended (its "
                     "header counts fewer lines)",
                     s[0], (unsigned long long)p->hunk_line);
}

static int
diff_starts(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(s, lit, k) == 0;
}

static int
diff_line(diff_parse_t *p, const char *s, size_t n)
{
    if (p->state == DIFF_HUNK) {
        return diff_hunk_line(p, s, n);
    }
    int was_minus = p->minus_ok, ended = p->hunk_ended;
    p->minus_ok = 0;
    /* "\ No newline at end of file" after a hunk's last line still
     * belongs to it: the check waits for the line after. */
    p->hunk_ended = ended && n > 0 && s[0] == '\\';
    int rc = ended ? diff_after_hunk(p, s, n) : SL_OK;
    if (rc != SL_OK) {
        return rc;
    }
    if (diff_starts(s, n, "+++ ") && was_minus) {
        return diff_plus(p, s + 4, n - 4);
    }
    if (diff_starts(s, n, "--- ")) {
        diff_minus(p, s + 4, n - 4);
    } else if (diff_starts(s, n, "@@ ")) {
        return diff_hunk(p, s, n);
    } else if (diff_starts(s, n, "diff --git ")) {
        diff_git(p, s + 11, n - 11);
    } else if (diff_starts(s, n, "@@@ ") || diff_starts(s, n, "diff --cc ") ||
               diff_starts(s, n, "diff --combined ")) {
        return diff_fail(p, SL_EINPUT,
                         "a combined diff (of a merge) is not supported: "
                         "give git diff BASE...HEAD");
    }
    for (size_t i = 0; p->text_line == 0 && i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t') {
            p->text_line = p->lineno; /* s is not NUL-terminated */
        }
    }
    return SL_OK;
}

/* ---- the whole diff ------------------------------------------------------ */

typedef struct diff_key {
    const char *path;
    uint64_t line;
} diff_key_t;

static int
diff_key_cmp(const void *x, const void *y)
{
    const diff_key_t *a = x, *b = y;
    int c = strcmp(a->path, b->path);
    return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

/* A path given twice is refused: its line numbers would mean two
 * versions. Makes the views when all is well. */
static int
diff_finish(diff_parse_t *p)
{
    sl_diff_t *d = p->d;
    diff_key_t *keys = calloc(d->nrecs + 1, sizeof *keys);
    d->files = calloc(d->nrecs + 1, sizeof *d->files);
    if (keys == NULL || d->files == NULL) {
        free(keys);
        return sl_err_set(p->err, SL_ENOMEM, "%s: out of memory", p->name);
    }
    for (size_t i = 0; i < d->nrecs; i++) {
        const diff_rec_t *r = &d->recs[i];
        sl_diff_file_t *f = &d->files[i];
        f->path = d->paths + r->path_off;
        f->path_len = r->path_len;
        f->runs = d->runs + r->run_off;
        f->nruns = r->nruns;
        f->added = r->added;
        f->line = r->line;
        keys[i].path = f->path;
        keys[i].line = f->line;
    }
    qsort(keys, d->nrecs, sizeof *keys, diff_key_cmp);
    int rc = SL_OK;
    for (size_t i = 1; i < d->nrecs && rc == SL_OK; i++) {
        if (strcmp(keys[i - 1].path, keys[i].path) == 0) {
            char q[120];
            rc = diff_fail_at(
                p, keys[i].line, SL_EINPUT,
                "%s is in the diff twice (first at line %llu)",
                diff_quote(q, sizeof q, keys[i].path, strlen(keys[i].path)),
                (unsigned long long)keys[i - 1].line);
        }
    }
    free(keys);
    return rc;
}

static int
diff_end(diff_parse_t *p)
{
    if (p->state == DIFF_HUNK) {
        return diff_fail(p, SL_EINPUT,
                         "truncated: the hunk of line %llu lacks %llu old "
                         "and %llu new lines",
                         (unsigned long long)p->hunk_line,
                         (unsigned long long)p->old_left,
                         (unsigned long long)p->new_left);
    }
    if (p->state != DIFF_OUT) {
        diff_file_end(p);
    }
    if (!p->headers && p->text_line != 0) {
        return diff_fail_at(p, p->text_line, SL_EINPUT,
                            "not a unified diff (no file header: '--- ' "
                            "and '+++ ' lines, or 'diff --git')");
    }
    return diff_finish(p);
}

static int
diff_run(diff_parse_t *p)
{
    for (;;) {
        const char *s = NULL;
        size_t n = 0;
        int r = diff_next(p, &s, &n);
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            return diff_end(p);
        }
        int rc = diff_line(p, s, n);
        if (rc != SL_OK) {
            return rc;
        }
    }
}

void
sl_diff_destroy(sl_diff_t **dp)
{
    if (dp == NULL || *dp == NULL) {
        return;
    }
    sl_diff_t *d = *dp;
    free(d->recs);
    free(d->runs);
    free(d->paths);
    free(d->files);
    free(d);
    *dp = NULL;
}

int
sl_diff_parse_fd(int fd, const char *name, sl_diff_t **out, sl_err_t *err)
{
    *out = NULL;
    diff_parse_t *p = calloc(1, sizeof *p);
    sl_diff_t *d = calloc(1, sizeof *d);
    char *buf = malloc(DIFF_BUF);
    int rc = SL_OK;
    if (p == NULL || d == NULL || buf == NULL) {
        rc = sl_err_set(err, SL_ENOMEM, "%s: out of memory", name);
    } else {
        p->fd = fd;
        p->name = name;
        p->err = err;
        p->buf = buf;
        p->d = d;
        rc = diff_run(p);
    }
    free(buf);
    free(p);
    if (rc != SL_OK) {
        sl_diff_destroy(&d);
        return rc;
    }
    *out = d;
    return SL_OK;
}

int
sl_diff_parse_file(const char *path, sl_diff_t **out, sl_err_t *err)
{
    *out = NULL;
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return sl_err_set(err, SL_EIO, "%s: %s", path, strerror(errno));
    }
    int rc = sl_diff_parse_fd(fd, path, out, err);
    if (close(fd) != 0 && rc == SL_OK) {
        sl_diff_destroy(out);
        rc = sl_err_set(err, SL_EIO, "%s: %s", path, strerror(errno));
    }
    return rc;
}

size_t
sl_diff_nfiles(const sl_diff_t *d)
{
    return d->nrecs;
}

const sl_diff_file_t *
sl_diff_file(const sl_diff_t *d, size_t i)
{
    return &d->files[i];
}

uint64_t
sl_diff_lines_added(const sl_diff_t *d)
{
    return d->added;
}
