/* lcov tracefiles, reached through the format table (formats.c). Private
 * to lib/formats: programs use sl_format_find("lcov"). */
#ifndef SLUICE_FORMATS_LCOV_H
#define SLUICE_FORMATS_LCOV_H

#include <stddef.h>

#include "sluice/formats.h"

/* Nonzero when head starts with "TN:", "SF:" or "VER:". */
int sl_lcov_sniff(const char *head, size_t len);

/* Reads an lcov tracefile from fd and, once all of it is read and found
 * valid, emits one coverage_file record per source file with line data
 * and then one coverage_total. Memory: the line buffer and the merge
 * tables, capped (lines.h, covtab.h). The fd stays the caller's. Returns
 * as sl_format_t.parse. */
int sl_lcov_parse(int fd, const char *path, const sl_sink_t *sink,
                  sl_err_t *err) SL_NODISCARD;

#endif
