/* One libFuzzer target per artifact format: SL_FUZZ_FORMAT names the
 * format (compile definition). Each input goes through the format's sniff,
 * through detection, and through its parser from a real file descriptor
 * (a memfd), with a sink that reads every field of every record and
 * every line report, so a sanitizer sees any bad pointer a parser hands
 * out. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sluice/formats.h"

#ifndef SL_FUZZ_FORMAT
#error "define SL_FUZZ_FORMAT"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
touch_str(const char *s)
{
    return s != NULL ? strlen(s) : 0;
}

/* Reads every string and number of a record. */
static int
touch(void *ctx, const sl_pb_event_t *ev)
{
    size_t *sum = ctx;
    switch (ev->body_case) {
    case SLUICE__V1__EVENT__BODY_TEST: {
        const Sluice__V1__TestCase *t = ev->test;
        *sum += touch_str(t->suite) + touch_str(t->classname) +
                touch_str(t->name) + touch_str(t->message) +
                touch_str(t->file) + touch_str(t->system_out) +
                touch_str(t->system_err) + touch_str(t->id) +
                (size_t)t->status + t->line + t->reruns;
        for (size_t i = 0; i < t->n_properties; i++) {
            *sum += touch_str(t->properties[i]->name) +
                    touch_str(t->properties[i]->value);
        }
        break;
    }
    case SLUICE__V1__EVENT__BODY_COVERAGE_FILE:
    case SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL: {
        const Sluice__V1__Coverage *c = ev->coverage_file != NULL
                                            ? ev->coverage_file
                                            : ev->coverage_total;
        *sum += touch_str(c->path) + (size_t)(c->lines_valid +
                c->lines_covered + c->branches_valid + c->functions_valid);
        break;
    }
    case SLUICE__V1__EVENT__BODY_BENCHMARK: {
        const Sluice__V1__Benchmark *b = ev->benchmark;
        *sum += touch_str(b->name) + touch_str(b->measure) +
                touch_str(b->unit);
        for (size_t i = 0; i < b->n_samples; i++) {
            *sum += b->samples[i] > 0;
        }
        break;
    }
    case SLUICE__V1__EVENT__BODY_FINDING: {
        const Sluice__V1__Finding *f = ev->finding;
        *sum += touch_str(f->tool) + touch_str(f->rule_id) +
                touch_str(f->level) + touch_str(f->message) +
                touch_str(f->uri) + touch_str(f->fingerprint) +
                (size_t)f->severity + f->line + f->column;
        break;
    }
    default:
        abort(); /* a parser emitted something that is not a record */
    }
    return SL_OK;
}

/* Reads a line report (sluice/patch.h's input): its path whole, and the
 * range must be in order. */
static int
touch_line(void *ctx, const char *path, uint64_t first, uint64_t last,
           uint64_t hits)
{
    size_t *sum = ctx;
    if (first > last) {
        abort();
    }
    *sum += touch_str(path) + (size_t)(first + last + hits);
    return SL_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const sl_format_t *f = sl_format_find(SL_FUZZ_FORMAT);
    if (f == NULL) {
        abort();
    }
    size_t head = size < SL_FORMAT_SNIFF_BYTES ? size : SL_FORMAT_SNIFF_BYTES;
    (void)f->sniff((const char *)data, head);
    (void)sl_format_detect((const char *)data, head);
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            abort();
        }
        off += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        abort();
    }
    size_t sum = 0;
    sl_sink_t sink = {.ctx = &sum, .emit = touch, .line_ctx = &sum,
                      .line = touch_line};
    sl_err_t err = {0};
    int rc = f->parse(fd, "fuzz", &sink, &err);
    /* A failure always says why. */
    if (rc != SL_OK && err.msg[0] == '\0') {
        abort();
    }
    (void)close(fd);
    return 0;
}
