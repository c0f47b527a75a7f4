/* A verdict as the comparison the gate made, for people (a table of the
 * reasons' figures) and as JSON (every field of sluice.v1.Verdict), shared
 * by `sluice baseline check` and `sluice bench`. */
#ifndef SLUICE_CLI_VERDICT_H
#define SLUICE_CLI_VERDICT_H

#include <stdio.h>
#include <yajl/yajl_gen.h>

#include "md.h"
#include "sluice/wire.h"

/* The columns of cli_reasons_table. */
#define CLI_REASON_COLS 10

/* Starts t with the reason columns: STATUS, RULE, SUBJECT, THRESHOLD,
 * BASELINE (mean +- spread unit (n N)), VALUE, CHANGE, METHOD, STATISTIC,
 * P. */
void cli_reasons_init(cli_table_t *t);
/* Adds a row per reason of v (with subject: only those naming it, see
 * cli_subject_is). SL_ENOMEM. */
int cli_reasons_add(cli_table_t *t, const sl_pb_verdict_t *v,
                    const char *subject) SL_NODISCARD;

/* Prints "rule subject: message" per reason (with subject: only those
 * naming it), each after indent spaces; nothing for an empty message. */
void cli_reasons_messages(const sl_pb_verdict_t *v, const char *subject,
                          FILE *out, int indent);

/* The Verdict as a JSON object into g: status, early, decided_lsn,
 * baseline (null: none), rules_checked, reasons (with subject: only those
 * naming it) with every field, figures that are absent as null. */
void cli_json_verdict(yajl_gen g, const sl_pb_verdict_t *v,
                      const char *subject);

#endif
