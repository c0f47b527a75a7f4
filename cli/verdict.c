/* A verdict's comparison for people and as JSON (verdict.h). */
#include "verdict.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sluice/json.h"
#include "sluice/run.h"

void
cli_reasons_init(cli_table_t *t)
{
    static const char *const head[CLI_REASON_COLS] = {
        "STATUS", "RULE",   "SUBJECT", "THRESHOLD", "BASELINE",
        "VALUE",  "CHANGE", "METHOD",  "STATISTIC", "P"};
    static const int right[CLI_REASON_COLS] = {0, 0, 0, 1, 1, 1, 1, 0, 0, 1};
    cli_table_init(t, CLI_REASON_COLS, head, right);
}

static int
wanted(const Sluice__V1__Reason *r, const char *subject)
{
    return subject == NULL || cli_subject_is(r->subject, subject);
}

/* "v unit" (unit when set). */
static void
with_unit(char *buf, size_t cap, double v, const char *unit)
{
    char num[32];
    (void)snprintf(buf, cap, "%s%s%s", cli_num(v, num), unit[0] ? " " : "",
                   unit);
}

/* "mean ± spread unit (n N)", or "-" without a baseline. */
static void
baseline_cell(char *buf, size_t cap, const Sluice__V1__Reason *r)
{
    char mean[32], spread[32];
    if (!r->has_baseline) {
        (void)snprintf(buf, cap, "-");
        return;
    }
    (void)snprintf(buf, cap, "%s ± %s%s%s (n %" PRIu32 ")",
                   cli_num(r->baseline, mean),
                   cli_num(r->baseline_spread, spread), r->unit[0] ? " " : "",
                   r->unit, r->baseline_n);
}

static int
add_reason(cli_table_t *t, const Sluice__V1__Reason *r)
{
    char base[160], value[96], threshold[32], change[32], stat[64], p[32];
    baseline_cell(base, sizeof base, r);
    with_unit(value, sizeof value, r->value, r->unit);
    (void)cli_num(r->threshold, threshold);
    (void)snprintf(change, sizeof change, "-");
    if (r->has_baseline) {
        (void)cli_pct(r->change_pct, change);
    }
    (void)snprintf(stat, sizeof stat, "-");
    if (r->statistic[0] != '\0') {
        char num[32];
        (void)snprintf(stat, sizeof stat, "%.20s %s", r->statistic,
                       cli_num(r->statistic_value, num));
    }
    (void)snprintf(p, sizeof p, "-");
    if (r->p_value > 0) {
        (void)snprintf(p, sizeof p, "%.3g", r->p_value);
    }
    int pending = r->status == SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    const char *cells[CLI_REASON_COLS] = {pending ? "-"
                                                  : sl_verdict_name(r->status),
                                          r->rule[0] ? r->rule : "-",
                                          r->subject[0] ? r->subject : "-",
                                          threshold,
                                          base,
                                          value,
                                          change,
                                          r->method[0] ? r->method : "-",
                                          stat,
                                          p};
    return cli_table_add(t, cells);
}

int
cli_reasons_add(cli_table_t *t, const sl_pb_verdict_t *v, const char *subject)
{
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < v->n_reasons; i++) {
        if (wanted(v->reasons[i], subject)) {
            rc = add_reason(t, v->reasons[i]);
        }
    }
    return rc;
}

void
cli_reasons_messages(const sl_pb_verdict_t *v, const char *subject, FILE *out,
                     int indent)
{
    for (size_t i = 0; i < v->n_reasons; i++) {
        const Sluice__V1__Reason *r = v->reasons[i];
        if (!wanted(r, subject) || r->message[0] == '\0') {
            continue;
        }
        fprintf(out, "%*s", indent, "");
        cli_put(out, r->rule, 0);
        if (r->subject[0] != '\0') {
            fputc(' ', out);
            cli_put(out, r->subject, 0);
        }
        fputs(": ", out);
        cli_put(out, r->message, 0);
        fputc('\n', out);
    }
}

static int
keep_reason(const Sluice__V1__Reason *r, void *ctx)
{
    return wanted(r, ctx);
}

void
cli_json_verdict(yajl_gen g, const sl_pb_verdict_t *v, const char *subject)
{
    sl_run_json_verdict(g, v, keep_reason, (void *)(uintptr_t)subject);
}
