/* The one table of artifact formats. Detection walks it in order, so a
 * format whose sniff is more specific goes first. */
#include "sluice/formats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junit.h"
#include "sarif.h"

static const sl_format_t sl_formats[] = {
    {"junit", "JUnit XML test results (Surefire, Gradle, pytest, ctest, ...)",
     sl_junit_sniff, sl_junit_parse},
    {"sarif", "SARIF 2.1.0 static analysis and security scan results",
     sl_sarif_sniff, sl_sarif_parse},
    {NULL, NULL, NULL, NULL},
};

int
sl_sink_emit(const sl_sink_t *sink, Sluice__V1__Event__BodyCase body_case,
             void *body)
{
    if (sink == NULL || sink->emit == NULL) {
        return SL_OK;
    }
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.body_case = body_case;
    switch (body_case) {
    case SLUICE__V1__EVENT__BODY_TEST:
        ev.test = body;
        break;
    case SLUICE__V1__EVENT__BODY_COVERAGE_FILE:
        ev.coverage_file = body;
        break;
    case SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL:
        ev.coverage_total = body;
        break;
    case SLUICE__V1__EVENT__BODY_BENCHMARK:
        ev.benchmark = body;
        break;
    case SLUICE__V1__EVENT__BODY_FINDING:
        ev.finding = body;
        break;
    default:
        return SL_EINVAL; /* not a record a parser makes */
    }
    return sink->emit(sink->ctx, &ev);
}

const sl_format_t *
sl_format_table(void)
{
    return sl_formats;
}

const sl_format_t *
sl_format_detect(const char *head, size_t len)
{
    for (const sl_format_t *f = sl_formats; f->name != NULL; f++) {
        if (f->sniff(head, len)) {
            return f;
        }
    }
    return NULL;
}

const sl_format_t *
sl_format_find(const char *name)
{
    for (const sl_format_t *f = sl_formats; f->name != NULL; f++) {
        if (name != NULL && strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

/* "path: unknown format (known: a, b, c)" */
static int
format_unknown(const char *path, sl_err_t *err)
{
    char known[128] = "";
    size_t n = 0;
    for (const sl_format_t *f = sl_formats; f->name != NULL; f++) {
        int w = snprintf(known + n, sizeof known - n, "%s%s", n > 0 ? ", " : "",
                         f->name);
        if (w < 0 || (size_t)w >= sizeof known - n) {
            break; /* the list is cut; the message stays useful */
        }
        n += (size_t)w;
    }
    return sl_err_set(err, SL_EINPUT, "%s: unknown format (known: %s)", path,
                      known);
}

/* Reads up to cap bytes from the start of fd without moving its offset, so
 * the parser then reads the file from its first byte. */
static int
format_read_head(int fd, char *head, size_t cap, size_t *len)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t r = pread(fd, head + n, cap - n, (off_t)n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    *len = n;
    return 0;
}

static int
format_parse_fd(int fd, const char *path, const sl_format_t *forced,
                const sl_sink_t *sink, const sl_format_t **used, sl_err_t *err)
{
    size_t len = 0;
    char *head = malloc(SL_FORMAT_SNIFF_BYTES);
    if (head == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    if (format_read_head(fd, head, SL_FORMAT_SNIFF_BYTES, &len) != 0) {
        free(head);
        return sl_err_set(err, SL_EIO, "%s: read: %s", path, strerror(errno));
    }
    const sl_format_t *f =
        forced != NULL ? forced : sl_format_detect(head, len);
    free(head);
    if (len == 0) {
        return sl_err_set(err, SL_EINPUT, "%s: empty file", path);
    }
    if (f == NULL) {
        return format_unknown(path, err);
    }
    if (used != NULL) {
        *used = f;
    }
    return f->parse(fd, path, sink, err);
}

int
sl_format_parse_file(const char *path, const sl_format_t *forced,
                     const sl_sink_t *sink, const sl_format_t **used,
                     sl_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return sl_err_set(err, SL_EIO, "%s: %s", path, strerror(errno));
    }
    int rc = format_parse_fd(fd, path, forced, sink, used, err);
    /* A read-only close cannot lose data, but say so if it fails. */
    if (close(fd) != 0 && rc == SL_OK) {
        rc = sl_err_set(err, SL_EIO, "%s: close: %s", path, strerror(errno));
    }
    return rc;
}
