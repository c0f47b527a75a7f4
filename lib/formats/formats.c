/* The one table of artifact formats. Detection walks it in order, so a
 * format whose sniff is more specific goes first. */
#include "sluice/formats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "junit.h"

static const sl_format_t sl_formats[] = {
    {"junit", "JUnit XML test results (Surefire, Gradle, pytest, ctest, ...)",
     sl_junit_sniff, sl_junit_parse},
    {NULL, NULL, NULL, NULL},
};

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
    char head[SL_FORMAT_SNIFF_BYTES];
    size_t len = 0;
    if (format_read_head(fd, head, sizeof head, &len) != 0) {
        return sl_err_set(err, SL_EIO, "%s: read: %s", path, strerror(errno));
    }
    if (len == 0) {
        return sl_err_set(err, SL_EINPUT, "%s: empty file", path);
    }
    const sl_format_t *f =
        forced != NULL ? forced : sl_format_detect(head, len);
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
