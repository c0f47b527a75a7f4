/* The one table of artifact formats. Detection walks it in order, so a
 * format whose sniff is more specific goes first: the XML formats by their
 * root element, then SARIF (its "version" and "runs"), the benchmark JSON
 * formats with Bencher's loose shape last among them, and the line
 * formats by their first lines. */
#include "sluice/formats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bench.h"
#include "cobertura.h"
#include "gocover.h"
#include "jacoco.h"
#include "junit.h"
#include "lcov.h"
#include "sarif.h"

#define FORMAT_READ_CHUNK (64u << 10) /* bytes hashed at a time */

static const sl_format_t sl_formats[] = {
    {"junit", "JUnit XML test results (Surefire, Gradle, pytest, ctest, ...)",
     sl_junit_sniff, sl_junit_parse},
    {"cobertura", "Cobertura XML coverage (gcovr, coverage.py, Cobertura)",
     sl_cobertura_sniff, sl_cobertura_parse},
    {"jacoco", "JaCoCo XML coverage (Maven, Gradle, Ant, CLI)",
     sl_jacoco_sniff, sl_jacoco_parse},
    {"sarif", "SARIF 2.1.0 static analysis and security scan results",
     sl_sarif_sniff, sl_sarif_parse},
    {"pytest-benchmark", "pytest-benchmark JSON (--benchmark-json)",
     sl_pytest_bench_sniff, sl_pytest_bench_parse},
    {"gbench", "Google Benchmark JSON (--benchmark_out)", sl_gbench_sniff,
     sl_gbench_parse},
    {"hyperfine", "hyperfine --export-json results",
     sl_hyperfine_sniff, sl_hyperfine_parse},
    {"bmf", "Bencher Metric Format JSON (bencher.dev)",
     sl_bmf_sniff, sl_bmf_parse},
    {"lcov", "lcov tracefiles (geninfo, llvm-cov, c8/istanbul, grcov, ...)",
     sl_lcov_sniff, sl_lcov_parse},
    {"gocover", "Go coverprofiles (go test -coverprofile)", sl_gocover_sniff,
     sl_gocover_parse},
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

int
sl_artifact_emit(const sl_sink_t *sink, const sl_artifact_t *a, int end)
{
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    Sluice__V1__ArtifactBegin b;
    sluice__v1__artifact_begin__init(&b);
    Sluice__V1__ArtifactEnd e;
    sluice__v1__artifact_end__init(&e);
    if (end) {
        e.events = a->events;
        ev.body_case = SLUICE__V1__EVENT__BODY_ARTIFACT_END;
        ev.artifact_end = &e;
    } else {
        /* protobuf-c's fields are not const; nothing writes through them */
        b.format = (char *)(uintptr_t)a->format;
        b.path = (char *)(uintptr_t)a->path;
        b.size = a->size;
        b.digest.data = (uint8_t *)(uintptr_t)a->digest;
        b.digest.len = a->digest != NULL ? a->digest_len : 0;
        ev.body_case = SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN;
        ev.artifact_begin = &b;
    }
    return sink != NULL && sink->emit != NULL ? sink->emit(sink->ctx, &ev)
                                              : SL_OK;
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

/* Detects the format of the file open as fd. */
static int
format_detect_fd(int fd, const char *path, const sl_format_t **out,
                 sl_err_t *err)
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
    *out = len > 0 ? sl_format_detect(head, len) : NULL;
    free(head);
    if (len == 0) {
        return sl_err_set(err, SL_EINPUT, "%s: empty file", path);
    }
    return *out != NULL ? SL_OK : format_unknown(path, err);
}

static int
format_parse_fd(int fd, const char *path, const sl_format_t *forced,
                const sl_sink_t *sink, const sl_format_t **used, sl_err_t *err)
{
    const sl_format_t *f = forced;
    int rc = f != NULL ? SL_OK : format_detect_fd(fd, path, &f, err);
    if (rc != SL_OK) {
        return rc;
    }
    char byte;
    size_t len = 0;
    if (forced != NULL && format_read_head(fd, &byte, 1, &len) == 0 &&
        len == 0) {
        return sl_err_set(err, SL_EINPUT, "%s: empty file", path);
    }
    if (used != NULL) {
        *used = f;
    }
    return f->parse(fd, path, sink, err);
}

/* Opens path read-only. */
static int
format_open(const char *path, int *fd, sl_err_t *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        return sl_err_set(err, SL_EIO, "%s: %s", path, strerror(errno));
    }
    return SL_OK;
}

static int
format_close(int fd, const char *path, int rc, sl_err_t *err)
{
    /* A read-only close cannot lose data, but say so if it fails. */
    if (close(fd) != 0 && rc == SL_OK) {
        rc = sl_err_set(err, SL_EIO, "%s: close: %s", path, strerror(errno));
    }
    return rc;
}

int
sl_format_detect_file(const char *path, const sl_format_t **out,
                      sl_err_t *err)
{
    int fd;
    int rc = format_open(path, &fd, err);
    if (rc != SL_OK) {
        return rc;
    }
    return format_close(fd, path, format_detect_fd(fd, path, out, err), err);
}

int
sl_format_parse_file(const char *path, const sl_format_t *forced,
                     const sl_sink_t *sink, const sl_format_t **used,
                     sl_err_t *err)
{
    int fd;
    int rc = format_open(path, &fd, err);
    if (rc != SL_OK) {
        return rc;
    }
    rc = format_parse_fd(fd, path, forced, sink, used, err);
    return format_close(fd, path, rc, err);
}

int
sl_file_digest(const char *path, uint8_t digest[SL_DIGEST_BYTES],
               uint64_t *size, sl_err_t *err)
{
    int fd;
    int rc = format_open(path, &fd, err);
    if (rc != SL_OK) {
        return rc;
    }
    crypto_generichash_state st;
    uint8_t *buf = malloc(FORMAT_READ_CHUNK);
    ssize_t n = 0;
    (void)crypto_generichash_init(&st, NULL, 0, SL_DIGEST_BYTES);
    *size = 0;
    while (buf != NULL && (n = read(fd, buf, FORMAT_READ_CHUNK)) != 0) {
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            break;
        }
        (void)crypto_generichash_update(&st, buf, (size_t)n);
        *size += (uint64_t)n;
    }
    if (buf == NULL) {
        rc = sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    } else if (n < 0) {
        rc = sl_err_set(err, SL_EIO, "%s: read: %s", path, strerror(errno));
    }
    free(buf);
    (void)crypto_generichash_final(&st, digest, SL_DIGEST_BYTES);
    return format_close(fd, path, rc, err);
}

uint64_t
sl_stream_of(const uint8_t digest[SL_DIGEST_BYTES])
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | digest[i];
    }
    return v < 16 ? v + 16 : v;
}

void
sl_format_help(FILE *out)
{
    fprintf(out, "formats (detected from content; --format F forces one):\n");
    for (const sl_format_t *f = sl_formats; f->name != NULL; f++) {
        fprintf(out, "  %-18s %s\n", f->name, f->what);
    }
}
