/* JUnit XML test reports, reached through the format table (formats.c).
 * Private to lib/formats: programs use sl_format_find("junit"). */
#ifndef SLUICE_FORMATS_JUNIT_H
#define SLUICE_FORMATS_JUNIT_H

#include <stddef.h>

#include "sluice/formats.h"

/* Nonzero when the root element in head is <testsuites> or <testsuite>. */
int sl_junit_sniff(const char *head, size_t len);

/* Streams a JUnit report from fd into sink, one test record per
 * <testcase> at its end tag; memory does not grow with the file. The fd
 * stays the caller's. Returns as sl_format_t.parse. */
int sl_junit_parse(int fd, const char *path, const sl_sink_t *sink,
                   sl_err_t *err) SL_NODISCARD;

#endif
