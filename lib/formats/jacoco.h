/* JaCoCo XML coverage reports, reached through the format table
 * (formats.c). Private to lib/formats: programs use
 * sl_format_find("jacoco"). */
#ifndef SLUICE_FORMATS_JACOCO_H
#define SLUICE_FORMATS_JACOCO_H

#include <stddef.h>

#include "sluice/formats.h"

/* Nonzero when the root element in head is <report> and the head names
 * JaCoCo's DTD ("-//JACOCO//DTD Report") or holds a <sessioninfo>. */
int sl_jacoco_sniff(const char *head, size_t len);

/* Streams a JaCoCo report from fd into sink: one coverage_file record per
 * <sourcefile> at its end tag, then one coverage_total. Memory does not
 * grow with the file. The fd stays the caller's. Returns as
 * sl_format_t.parse. */
int sl_jacoco_parse(int fd, const char *path, const sl_sink_t *sink,
                    sl_err_t *err) SL_NODISCARD;

#endif
