/* Streaming JSON over yajl (sluice/jsonin.h).
 *
 * yajl keeps an unfinished token in its own buffer across yajl_parse
 * calls, with no cap: the reader counts the bytes fed since the last
 * token it saw and refuses past token_max. Inside a callback,
 * yajl_get_bytes_consumed is the offset in the current chunk just past the
 * token being delivered, which gives every message its line and column. */
#include "sluice/jsonin.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#include "sluice/text.h"

typedef struct frame {
    int is_array;
    int begun;        /* a member or element has begun */
    uint64_t index;   /* of the current member or element */
    int key_ok;       /* key holds the whole current key */
    char key[SL_JSONIN_KEY_MAX + 1];
} frame_t;

struct sl_jsonin {
    yajl_handle h;
    const sl_jsonin_cfg_t *cfg;
    void *ctx;
    const char *path;
    sl_err_t *err;
    unsigned depth, max_depth;
    size_t token_max;
    frame_t *frames;     /* max_depth + 1 of them */
    /* Position of the current chunk's first byte. */
    const unsigned char *chunk;
    size_t chunk_len;
    unsigned long line, col; /* at the chunk's start, from 1 */
    uint64_t chunk_off;      /* bytes before the chunk */
    uint64_t mark;           /* offset just past the last token seen */
    int partial;             /* sniffing: the end of input is not an error */
    int rc;                  /* the first failure */
};

/* Advances (line, col) over s[n]: columns count characters, not bytes. */
static void
jsonin_advance(const unsigned char *s, size_t n, unsigned long *line,
               unsigned long *col)
{
    const unsigned char *end = s + n;
    for (;;) {
        const unsigned char *nl = memchr(s, '\n', (size_t)(end - s));
        if (nl == NULL) {
            break;
        }
        (*line)++;
        *col = 1;
        s = nl + 1;
    }
    for (; s < end; s++) {
        *col += (*s & 0xC0u) != 0x80u;
    }
}

/* The offset in the current chunk the parser has reached. */
static size_t
jsonin_consumed(const sl_jsonin_t *j)
{
    size_t off = j->h != NULL ? yajl_get_bytes_consumed(j->h) : 0;
    return off <= j->chunk_len ? off : j->chunk_len;
}

int
sl_jsonin_fail(sl_jsonin_t *j, int rc, const char *fmt, ...)
{
    if (j->rc == SL_OK) {
        char reason[200];
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        /* The parser stands just past the token it delivered (or the
         * byte it choked on): name the last byte of it. */
        unsigned long line = j->line, col = j->col;
        size_t off = j->chunk != NULL ? jsonin_consumed(j) : 0;
        if (off > 0) {
            jsonin_advance(j->chunk, off - 1, &line, &col);
        }
        j->rc = sl_err_set(j->err, rc, "%s:%lu:%lu: %s", j->path, line, col,
                           reason);
    }
    return rc;
}

unsigned
sl_jsonin_depth(const sl_jsonin_t *j)
{
    return j->depth;
}

const char *
sl_jsonin_key(const sl_jsonin_t *j, unsigned level)
{
    if (level == 0 || level > j->depth) {
        return NULL;
    }
    const frame_t *f = &j->frames[level - 1];
    return !f->is_array && f->key_ok ? f->key : NULL;
}

uint64_t
sl_jsonin_index(const sl_jsonin_t *j, unsigned level)
{
    if (level == 0 || level > j->depth) {
        return 0;
    }
    return j->frames[level - 1].index;
}

int
sl_jsonin_at(const sl_jsonin_t *j, unsigned level, const char *key)
{
    const char *k = sl_jsonin_key(j, level);
    return k != NULL && strcmp(k, key) == 0;
}

/* ---- yajl callbacks ---------------------------------------------------- */

/* yajl stops on 0. A callback's code is kept with a default message. */
static int
jsonin_ret(sl_jsonin_t *j, int rc)
{
    if (rc != SL_OK) {
        (void)sl_jsonin_fail(j, rc, "%s", sl_strerror(rc));
        return 0;
    }
    j->mark = j->chunk_off + jsonin_consumed(j);
    return 1;
}

/* A value begins in the innermost container: arrays count elements. */
static void
jsonin_value(sl_jsonin_t *j)
{
    if (j->depth > 0 && j->frames[j->depth - 1].is_array) {
        frame_t *f = &j->frames[j->depth - 1];
        f->index = f->begun ? f->index + 1 : 0;
        f->begun = 1;
    }
}

static int
jsonin_scalar(sl_jsonin_t *j, sl_json_type_t type, const char *s, size_t len)
{
    if (j->rc != SL_OK) {
        return 0;
    }
    jsonin_value(j);
    int rc = SL_OK;
    if (j->cfg->scalar != NULL) {
        rc = j->cfg->scalar(j->ctx, j, type, s, len);
    }
    return jsonin_ret(j, rc);
}

static int
jsonin_on_null(void *ud)
{
    return jsonin_scalar(ud, SL_JSON_NULL, "null", 4);
}

static int
jsonin_on_bool(void *ud, int v)
{
    return jsonin_scalar(ud, SL_JSON_BOOL, v ? "true" : "false", v ? 4 : 5);
}

static int
jsonin_on_number(void *ud, const char *s, size_t len)
{
    return jsonin_scalar(ud, SL_JSON_NUMBER, s, len);
}

/* yajl checks only the shape of UTF-8 (it lets overlong forms, encoded
 * surrogates and code points past U+10FFFF through, and decodes a lone
 * \udc00 into one): every string and key is checked strictly. */
static int
jsonin_utf8(sl_jsonin_t *j, const unsigned char *s, size_t len)
{
    size_t bad = sl_utf8_bad((const char *)s, len);
    if (bad == len) {
        return SL_OK;
    }
    return sl_jsonin_fail(j, SL_EINPUT,
                          "invalid UTF-8 in a string (byte 0x%02x at offset "
                          "%zu of it)",
                          s[bad], bad);
}

static int
jsonin_on_string(void *ud, const unsigned char *s, size_t len)
{
    sl_jsonin_t *j = ud;
    if (j->rc == SL_OK && jsonin_utf8(j, s, len) != SL_OK) {
        return 0;
    }
    return jsonin_scalar(ud, SL_JSON_STRING, (const char *)s, len);
}

static int
jsonin_open(sl_jsonin_t *j, int is_array)
{
    if (j->rc != SL_OK) {
        return 0;
    }
    jsonin_value(j);
    if (j->depth == j->max_depth) {
        (void)sl_jsonin_fail(j, SL_ETOOBIG, "nested deeper than %u",
                             j->max_depth);
        return 0;
    }
    frame_t *f = &j->frames[j->depth++];
    f->is_array = is_array;
    f->begun = 0;
    f->index = 0;
    f->key_ok = 0;
    f->key[0] = '\0';
    int rc = SL_OK;
    if (j->cfg->open != NULL) {
        rc = j->cfg->open(j->ctx, j, is_array);
    }
    return jsonin_ret(j, rc);
}

static int
jsonin_close(sl_jsonin_t *j, int is_array)
{
    if (j->rc != SL_OK) {
        return 0;
    }
    int rc = SL_OK;
    if (j->cfg->close != NULL) {
        rc = j->cfg->close(j->ctx, j, is_array);
    }
    j->depth--;
    return jsonin_ret(j, rc);
}

static int
jsonin_on_start_map(void *ud)
{
    return jsonin_open(ud, 0);
}

static int
jsonin_on_end_map(void *ud)
{
    return jsonin_close(ud, 0);
}

static int
jsonin_on_start_array(void *ud)
{
    return jsonin_open(ud, 1);
}

static int
jsonin_on_end_array(void *ud)
{
    return jsonin_close(ud, 1);
}

static int
jsonin_on_key(void *ud, const unsigned char *s, size_t len)
{
    sl_jsonin_t *j = ud;
    if (j->rc != SL_OK || jsonin_utf8(j, s, len) != SL_OK) {
        return 0;
    }
    frame_t *f = &j->frames[j->depth - 1];
    f->index = f->begun ? f->index + 1 : 0;
    f->begun = 1;
    /* A key longer than the cap, or holding a NUL, never matches. */
    f->key_ok = len <= SL_JSONIN_KEY_MAX && memchr(s, '\0', len) == NULL;
    size_t n = f->key_ok ? len : 0;
    memcpy(f->key, s, n);
    f->key[n] = '\0';
    return jsonin_ret(j, SL_OK);
}

static const yajl_callbacks jsonin_callbacks = {
    jsonin_on_null,      jsonin_on_bool,      NULL, NULL,
    jsonin_on_number,    jsonin_on_string,    jsonin_on_start_map,
    jsonin_on_key,       jsonin_on_end_map,   jsonin_on_start_array,
    jsonin_on_end_array,
};

/* ---- driving ----------------------------------------------------------- */

static int
jsonin_init(sl_jsonin_t *j, const char *path, const sl_jsonin_cfg_t *cfg,
            void *ctx, sl_err_t *err)
{
    memset(j, 0, sizeof *j);
    j->cfg = cfg;
    j->ctx = ctx;
    j->path = path;
    j->err = err;
    j->line = j->col = 1;
    j->max_depth = cfg->max_depth != 0 ? cfg->max_depth : SL_JSONIN_DEPTH_MAX;
    j->token_max = cfg->token_max != 0 ? cfg->token_max : SL_JSONIN_TOKEN_MAX;
    j->frames = calloc(j->max_depth, sizeof *j->frames);
    j->h = j->frames != NULL ? yajl_alloc(&jsonin_callbacks, NULL, j) : NULL;
    if (j->h == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    return SL_OK;
}

static void
jsonin_fini(sl_jsonin_t *j)
{
    if (j->h != NULL) {
        yajl_free(j->h);
    }
    free(j->frames);
}

/* Translates a yajl error: its own text, at the offset it stopped. */
static int
jsonin_yajl_error(sl_jsonin_t *j, const unsigned char *buf, size_t len)
{
    if (j->rc != SL_OK) {
        return j->rc; /* a callback stopped the parse and said why */
    }
    unsigned char *msg = yajl_get_error(j->h, 0, buf, len);
    char reason[160] = "malformed JSON";
    if (msg != NULL) {
        /* yajl's text ends in a newline: keep one line. */
        size_t n = strcspn((const char *)msg, "\n");
        (void)snprintf(reason, sizeof reason, "%.*s", (int)n,
                       (const char *)msg);
        yajl_free_error(j->h, msg);
    }
    if (j->chunk_off == 0 && len == 0) {
        return sl_jsonin_fail(j, SL_EINPUT, "empty document");
    }
    return sl_jsonin_fail(j, SL_EINPUT, "%s", reason);
}

/* Feeds one chunk (a BOM at the very start is skipped). */
static int
jsonin_feed(sl_jsonin_t *j, const unsigned char *buf, size_t len)
{
    if (j->chunk_off == 0 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    j->chunk = buf;
    j->chunk_len = len;
    yajl_status st = yajl_parse(j->h, buf, len);
    if (st != yajl_status_ok) {
        return jsonin_yajl_error(j, buf, len);
    }
    jsonin_advance(buf, len, &j->line, &j->col);
    j->chunk_off += len;
    j->chunk = NULL;
    j->chunk_len = 0;
    if (j->chunk_off - j->mark > j->token_max) {
        return sl_jsonin_fail(j, SL_ETOOBIG, "token longer than %zu bytes",
                              j->token_max);
    }
    return SL_OK;
}

static int
jsonin_finish(sl_jsonin_t *j)
{
    if (j->partial) {
        return SL_OK;
    }
    j->chunk = NULL;
    j->chunk_len = 0;
    if (yajl_complete_parse(j->h) != yajl_status_ok) {
        if (j->rc != SL_OK) {
            return j->rc;
        }
        return sl_jsonin_fail(j, SL_EINPUT, "%s",
                              j->chunk_off == 0 ? "empty document"
                                                : "truncated document");
    }
    return SL_OK;
}

static ssize_t
jsonin_read(int fd, void *buf, size_t len)
{
    ssize_t n;
    do {
        n = read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n;
}

int
sl_jsonin_parse_fd(int fd, const char *path, const sl_jsonin_cfg_t *cfg,
                   void *ctx, sl_err_t *err)
{
    sl_jsonin_t j;
    int rc = jsonin_init(&j, path, cfg, ctx, err);
    unsigned char *buf = rc == SL_OK ? malloc(SL_JSONIN_CHUNK) : NULL;
    if (rc == SL_OK && buf == NULL) {
        rc = sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    while (rc == SL_OK) {
        ssize_t n = jsonin_read(fd, buf, SL_JSONIN_CHUNK);
        if (n < 0) {
            rc = sl_err_set(err, SL_EIO, "%s: read: %s", path,
                            strerror(errno));
        } else if (n == 0) {
            rc = jsonin_finish(&j);
            break;
        } else {
            rc = jsonin_feed(&j, buf, (size_t)n);
        }
    }
    free(buf);
    jsonin_fini(&j);
    return rc;
}

static int
jsonin_parse_buf(const char *buf, size_t len, const char *path,
                 const sl_jsonin_cfg_t *cfg, void *ctx, sl_err_t *err,
                 int partial)
{
    sl_jsonin_t j;
    int rc = jsonin_init(&j, path, cfg, ctx, err);
    j.partial = partial;
    /* In chunks, so the token cap applies as it does to files. */
    for (size_t off = 0; rc == SL_OK && off < len; off += SL_JSONIN_CHUNK) {
        size_t n = len - off < SL_JSONIN_CHUNK ? len - off : SL_JSONIN_CHUNK;
        rc = jsonin_feed(&j, (const unsigned char *)buf + off, n);
    }
    if (rc == SL_OK) {
        rc = jsonin_finish(&j);
    }
    jsonin_fini(&j);
    return rc;
}

int
sl_jsonin_parse_mem(const char *buf, size_t len, const char *path,
                    const sl_jsonin_cfg_t *cfg, void *ctx, sl_err_t *err)
{
    return jsonin_parse_buf(buf, len, path, cfg, ctx, err, 0);
}

int
sl_jsonin_sniff(const char *head, size_t len, const sl_jsonin_cfg_t *cfg,
                void *ctx)
{
    return jsonin_parse_buf(head, len, "(head)", cfg, ctx, NULL, 1);
}

/* ---- numbers ----------------------------------------------------------- */

int
sl_jsonin_double(const char *s, size_t len, double *out)
{
    char buf[400];
    if (len == 0 || len >= sizeof buf) {
        return SL_EINPUT; /* no real number is that long */
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + len || !isfinite(v)) {
        return SL_EINPUT;
    }
    *out = v; /* an underflow (to 0 or a subnormal) is fine */
    return SL_OK;
}

int
sl_jsonin_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0 || len > 20) {
        return SL_EINPUT;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return SL_EINPUT;
        }
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10) {
            return SL_EINPUT;
        }
        v = v * 10 + d;
    }
    *out = v;
    return SL_OK;
}
