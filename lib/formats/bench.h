/* Benchmark result formats, reached through the format table (formats.c).
 * Private to lib/formats: programs use sl_format_find("pytest-benchmark"),
 * "gbench", "hyperfine" or "bmf". docs/formats.md describes each mapping.
 *
 * Each parse streams the file from fd (which stays the caller's) and emits
 * one Benchmark record per benchmark (per benchmark and measure for BMF);
 * memory does not grow with the number of benchmarks. Returns as
 * sl_format_t.parse. Each sniff is nonzero when the head of a file shows
 * that format (see bench_common.h for how they stop early). */
#ifndef SLUICE_FORMATS_BENCH_H
#define SLUICE_FORMATS_BENCH_H

#include <stddef.h>

#include "sluice/formats.h"

int sl_pytest_bench_sniff(const char *head, size_t len);
int sl_pytest_bench_parse(int fd, const char *path, const sl_sink_t *sink,
                          sl_err_t *err) SL_NODISCARD;

int sl_gbench_sniff(const char *head, size_t len);
int sl_gbench_parse(int fd, const char *path, const sl_sink_t *sink,
                    sl_err_t *err) SL_NODISCARD;

int sl_hyperfine_sniff(const char *head, size_t len);
int sl_hyperfine_parse(int fd, const char *path, const sl_sink_t *sink,
                       sl_err_t *err) SL_NODISCARD;

int sl_bmf_sniff(const char *head, size_t len);
int sl_bmf_parse(int fd, const char *path, const sl_sink_t *sink,
                 sl_err_t *err) SL_NODISCARD;

#endif
