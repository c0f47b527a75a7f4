/* SARIF 2.1.0 static analysis logs, reached through the format table
 * (formats.c). Private to lib/formats: programs use sl_format_find("sarif"). */
#ifndef SLUICE_FORMATS_SARIF_H
#define SLUICE_FORMATS_SARIF_H

#include <stddef.h>

#include "sluice/formats.h"

/* Nonzero when head is a JSON object with a "runs" array and either
 * "version": "2.1.0" or a "$schema" naming SARIF. Stops reading head as
 * soon as it has decided. */
int sl_sarif_sniff(const char *head, size_t len);

/* Streams a SARIF log from fd into sink, one finding per result. Reads the
 * file twice (rules first, then results), so fd must be seekable; memory
 * does not grow with the number of results (the rules table is capped, see
 * docs/formats.md). The fd stays the caller's. Returns as
 * sl_format_t.parse. */
int sl_sarif_parse(int fd, const char *path, const sl_sink_t *sink,
                   sl_err_t *err) SL_NODISCARD;

#endif
