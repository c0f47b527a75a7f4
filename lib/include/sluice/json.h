/* JSON output helpers over yajl_gen, shared by every program that prints
 * JSON: strings are checked as UTF-8 (bad bytes become '?', so output is
 * always valid JSON), doubles print in the fewest digits that read back as
 * the same value, and NaN/infinity become null. */
#ifndef SLUICE_JSON_H
#define SLUICE_JSON_H

#include <stdint.h>
#include <stdio.h>

#include <yajl/yajl_gen.h>

#include "sluice/err.h"

/* A generator with UTF-8 validation on (pretty: indented). NULL on OOM. */
yajl_gen sl_json_new(int pretty);

void sl_json_str(yajl_gen g, const char *s);
void sl_json_kstr(yajl_gen g, const char *k, const char *v);
void sl_json_ku64(yajl_gen g, const char *k, uint64_t v);
/* A number (NaN or infinity: null). */
void sl_json_num(yajl_gen g, double v);
/* present 0 (or v not finite) writes null. */
void sl_json_pnum(yajl_gen g, double v, int present);
void sl_json_knum(yajl_gen g, const char *k, double v, int present);
void sl_json_kbool(yajl_gen g, const char *k, int v);
/* ISO 8601 UTC; us 0 writes null. */
void sl_json_ktime(yajl_gen g, const char *k, int64_t us);

/* "reasons": [{rule, value, threshold, baseline, message}, ...] of a
 * verdict (a sluice.v1.Verdict). */
struct Sluice__V1__Verdict;
void sl_json_reasons(yajl_gen g, const struct Sluice__V1__Verdict *v);

/* Writes what g generated to out and clears it. SL_EIO. */
int sl_json_flush(yajl_gen g, FILE *out) SL_NODISCARD;

#endif
