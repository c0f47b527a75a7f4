/* Artifact formats: one parser module per format in lib/formats/, all
 * registered in one table (formats.c) that detection walks. The agent and
 * `sluice check` share them.
 *
 * A parser reads a file as a stream with bounded memory and calls the sink
 * once per record. Strings handed to the sink are valid only for the call. */
#ifndef SLUICE_FORMATS_H
#define SLUICE_FORMATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/err.h"
#include "sluice/wire.h"

/* What a parser hands the sink: one sluice.v1.Event per record, with only
 * its body set (body_case and the matching member: test, coverage_file,
 * coverage_total, benchmark or finding). run_id, stream, seq and time_us
 * are left empty; the caller fills them. The event and everything it
 * points to belong to the parser and are valid only during the call. */

/* Caps on what one record carries (longer text is cut on a UTF-8
 * boundary). Documented in docs/formats.md. */
#define SL_TEST_NAME_MAX 1024      /* suite, classname, name, file, ids */
#define SL_TEST_MESSAGE_MAX 4096   /* failure/error/skip message + body */
#define SL_TEST_OUTPUT_MAX 16384   /* system-out, system-err, each */
#define SL_TEST_PROPS_MAX 64       /* properties kept per test case */
#define SL_TEST_PROP_MAX 1024      /* a property's name or value */
#define SL_BENCH_SAMPLES_MAX 10000 /* samples kept per benchmark */

/* Line-level coverage, for patch coverage (sluice/patch.h): the coverage
 * parsers (cobertura, jacoco, lcov, gocover) call it for the instrumented
 * lines of each source file: lines first..last (one line but for Go's
 * blocks) of path (NUL-terminated, as the report names it; Cobertura's
 * filename joined to its one <source>), run hits times. A line may be
 * reported more than once (several records, classes or blocks of one
 * file): it is covered when any report of it has hits > 0. What is
 * reported per format is in docs/formats.md, "Patch coverage". Returns
 * SL_OK to go on or a negative SL_E* to stop the parse. */
typedef int (*sl_sink_line_fn)(void *line_ctx, const char *path,
                               uint64_t first, uint64_t last, uint64_t hits);

/* Receives the records of one file. emit returns SL_OK to go on or a
 * negative SL_E* to stop the parse, which then returns that code. line is
 * optional: NULL (as a sink initialized without it has) asks for no line
 * data, and the parsers then do no work for it. */
typedef struct sl_sink {
    void *ctx;
    int (*emit)(void *ctx, const sl_pb_event_t *ev);
    void *line_ctx;
    sl_sink_line_fn line;
} sl_sink_t;

/* Nonzero when sink asks for line-level coverage. */
static inline int
sl_sink_wants_lines(const sl_sink_t *sink)
{
    return sink != NULL && sink->line != NULL;
}

/* Hands a record to the sink: sets ev->body_case and the body member to
 * body (a Sluice__V1__TestCase, __Coverage, __Benchmark or __Finding as
 * body_case says) and calls sink->emit. A NULL sink or emit accepts
 * everything. */
int sl_sink_emit(const sl_sink_t *sink, Sluice__V1__Event__BodyCase body_case,
                 void *body) SL_NODISCARD;

/* An artifact file as its stream's first and last events describe it. */
typedef struct sl_artifact {
    const char *format; /* the format's name */
    const char *path;
    uint64_t size;      /* bytes */
    const uint8_t *digest; /* BLAKE2b-128 of the content, or NULL */
    size_t digest_len;
    uint64_t events;    /* records between begin and end (for the end) */
} sl_artifact_t;

/* Hands sink the ArtifactBegin (end 0) or ArtifactEnd (end 1) event of a,
 * as every stream of an artifact starts and ends. */
int sl_artifact_emit(const sl_sink_t *sink, const sl_artifact_t *a, int end)
    SL_NODISCARD;

typedef struct sl_format {
    const char *name; /* "junit", ... as given to --format */
    const char *what; /* one line for --help */
    /* Nonzero when the first bytes of a file look like this format. */
    int (*sniff)(const char *head, size_t len);
    /* Parses the whole stream from fd. Errors name path and, where known,
     * line and column: "path:LINE:COL: reason". Returns SL_OK, SL_EINPUT
     * (malformed), SL_ETOOBIG (a cap), SL_EIO, or the sink's code. */
    int (*parse)(int fd, const char *path, const sl_sink_t *sink,
                 sl_err_t *err);
} sl_format_t;

/* How many bytes detection looks at. */
#define SL_FORMAT_SNIFF_BYTES 65536

/* The format whose sniff accepts head, or NULL. */
const sl_format_t *sl_format_detect(const char *head, size_t len);

/* The format named name, or NULL. */
const sl_format_t *sl_format_find(const char *name);

/* The table, terminated by an entry with name NULL. */
const sl_format_t *sl_format_table(void);

/* Opens path and detects its format from its first bytes into *out.
 * SL_EIO, or SL_EINPUT for an empty file or one no format accepts (the
 * message lists the known formats). */
int sl_format_detect_file(const char *path, const sl_format_t **out,
                          sl_err_t *err) SL_NODISCARD;

/* BLAKE2b-128 of the file's content into digest, and its size: what names
 * an artifact's stream, so the same content is the same artifact.
 * SL_EIO. */
#define SL_DIGEST_BYTES 16
int sl_file_digest(const char *path, uint8_t digest[SL_DIGEST_BYTES],
                   uint64_t *size, sl_err_t *err) SL_NODISCARD;

/* The stream an artifact of this content goes to: the first 8 bytes of
 * its digest; ids below 16 are reserved (SL_STREAM_* in run.h). */
uint64_t sl_stream_of(const uint8_t digest[SL_DIGEST_BYTES]);

/* Prints "formats (detected from content; --format F forces one):" and one
 * line per format, for --help. */
void sl_format_help(FILE *out);

/* Opens path, detects its format unless forced is given, and parses it into
 * sink. *used (if not NULL) gets the format. SL_EINPUT when no format
 * matches (the message lists the known ones); else as sl_format_t.parse. */
int sl_format_parse_file(const char *path, const sl_format_t *forced,
                         const sl_sink_t *sink, const sl_format_t **used,
                         sl_err_t *err) SL_NODISCARD;

#endif
