/* Cobertura XML coverage reports (gcovr, coverage.py, Cobertura 2 for
 * Java, ...), reached through the format table (formats.c). Private to
 * lib/formats: programs use sl_format_find("cobertura"). */
#ifndef SLUICE_FORMATS_COBERTURA_H
#define SLUICE_FORMATS_COBERTURA_H

#include <stddef.h>

#include "sluice/formats.h"

/* Longest source path a coverage record carries (Linux's PATH_MAX); a
 * longer one is refused (SL_ETOOBIG), never cut: a cut path could merge
 * two files. Shared with jacoco.c. */
#define SL_COV_PATH_MAX 4096

/* Nonzero when the NUL-terminated lit occurs in s[len] (a sniff's head,
 * not NUL-terminated). Shared with jacoco.c. */
int sl_cov_contains(const char *s, size_t len, const char *lit);

/* Nonzero when the root element in head is <coverage> and the head holds
 * a line-rate attribute (Clover also writes <coverage>, without one). */
int sl_cobertura_sniff(const char *head, size_t len);

/* Streams a Cobertura report from fd into sink: one coverage_file record
 * per source file, then one coverage_total. Memory is bounded (see
 * docs/formats.md for the per-package table and its caps). The fd stays
 * the caller's. Returns as sl_format_t.parse. */
int sl_cobertura_parse(int fd, const char *path, const sl_sink_t *sink,
                       sl_err_t *err) SL_NODISCARD;

#endif
