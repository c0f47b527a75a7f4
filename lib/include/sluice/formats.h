/* Artifact formats: one parser module per format in lib/formats/, all
 * registered in one table (formats.c) that detection walks. The agent and
 * `sluice check` share them.
 *
 * A parser reads a file as a stream with bounded memory and calls the sink
 * once per record. Strings handed to the sink are valid only for the call. */
#ifndef SLUICE_FORMATS_H
#define SLUICE_FORMATS_H

#include <stddef.h>

#include "sluice/err.h"

/* Same numbers as sluice.v1.TestStatus. */
typedef enum {
    SL_TEST_PASSED = 0,
    SL_TEST_FAILED = 1,
    SL_TEST_ERRORED = 2,
    SL_TEST_SKIPPED = 3,
} sl_test_status_t;

/* Caps on what one test case carries (longer text is cut, UTF-8 safe). */
#define SL_TEST_NAME_MAX 1024   /* suite, classname, name, file */
#define SL_TEST_MESSAGE_MAX 4096 /* failure/error/skip message + body */

typedef struct sl_test_case {
    const char *suite;     /* never NULL; "" when absent */
    const char *classname; /* never NULL */
    const char *name;      /* never NULL */
    sl_test_status_t status;
    double time_s;         /* 0 when absent */
    const char *message;   /* never NULL */
    const char *file;      /* never NULL */
    unsigned line;         /* 0 when absent */
} sl_test_case_t;

/* Receives the records of one file. A callback returns SL_OK to go on or a
 * negative SL_E* to stop the parse, which then returns that code. */
typedef struct sl_sink {
    void *ctx;
    int (*test)(void *ctx, const sl_test_case_t *tc);
} sl_sink_t;

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
#define SL_FORMAT_SNIFF_BYTES 4096

/* The format whose sniff accepts head, or NULL. */
const sl_format_t *sl_format_detect(const char *head, size_t len);

/* The format named name, or NULL. */
const sl_format_t *sl_format_find(const char *name);

/* The table, terminated by an entry with name NULL. */
const sl_format_t *sl_format_table(void);

/* Opens path, detects its format unless forced is given, and parses it into
 * sink. *used (if not NULL) gets the format. SL_EINPUT when no format
 * matches (the message lists the known ones); else as sl_format_t.parse. */
int sl_format_parse_file(const char *path, const sl_format_t *forced,
                         const sl_sink_t *sink, const sl_format_t **used,
                         sl_err_t *err) SL_NODISCARD;

#endif
