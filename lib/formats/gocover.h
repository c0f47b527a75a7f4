/* Go coverprofiles, reached through the format table (formats.c). Private
 * to lib/formats: programs use sl_format_find("gocover"). */
#ifndef SLUICE_FORMATS_GOCOVER_H
#define SLUICE_FORMATS_GOCOVER_H

#include <stddef.h>

#include "sluice/formats.h"

/* Nonzero when head starts with the line "mode: set", "mode: count" or
 * "mode: atomic". */
int sl_gocover_sniff(const char *head, size_t len);

/* Reads a Go coverprofile from fd and, once all of it is read and found
 * valid, emits one coverage_file record per source file and then one
 * coverage_total. Memory: the line buffer and the per-file block tables,
 * capped (lines.h, covtab.h). The fd stays the caller's. Returns as
 * sl_format_t.parse. */
int sl_gocover_parse(int fd, const char *path, const sl_sink_t *sink,
                     sl_err_t *err) SL_NODISCARD;

#endif
