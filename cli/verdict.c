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

static void
json_baseline(yajl_gen g, const Sluice__V1__Baseline *b)
{
    sl_json_str(g, "baseline");
    if (b == NULL) {
        (void)yajl_gen_null(g);
        return;
    }
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "branch", b->branch);
    sl_json_str(g, "run_ids");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < b->n_run_ids; i++) {
        sl_json_str(g, b->run_ids[i]);
    }
    (void)yajl_gen_array_close(g);
    sl_json_kstr(g, "commit", b->commit);
    sl_json_ktime(g, "finished", b->finished_us);
    sl_json_kbool(g, "pinned", b->pinned);
    sl_json_kstr(g, "base_commit", b->base_commit);
    sl_json_kbool(g, "base_found", b->base_found);
    sl_json_kstr(g, "runner", b->runner);
    (void)yajl_gen_map_close(g);
}

static void
json_reason(yajl_gen g, const Sluice__V1__Reason *r)
{
    int pending = r->status == SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING;
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "rule", r->rule);
    sl_json_str(g, "status");
    if (pending) {
        (void)yajl_gen_null(g);
    } else {
        sl_json_str(g, sl_verdict_name(r->status));
    }
    sl_json_kstr(g, "subject", r->subject);
    sl_json_kstr(g, "unit", r->unit);
    sl_json_knum(g, "value", r->value, 1);
    sl_json_knum(g, "threshold", r->threshold, 1);
    sl_json_knum(g, "baseline", r->baseline, r->has_baseline);
    sl_json_knum(g, "baseline_spread", r->baseline_spread, r->has_baseline);
    sl_json_knum(g, "baseline_n", r->baseline_n, r->has_baseline);
    sl_json_knum(g, "change_pct", r->change_pct, r->has_baseline);
    sl_json_kstr(g, "method", r->method);
    sl_json_kstr(g, "statistic", r->statistic);
    sl_json_knum(g, "statistic_value", r->statistic_value,
                 r->statistic[0] != '\0');
    sl_json_knum(g, "p_value", r->p_value, r->p_value > 0);
    sl_json_kstr(g, "message", r->message);
    (void)yajl_gen_map_close(g);
}

void
cli_json_verdict(yajl_gen g, const sl_pb_verdict_t *v, const char *subject)
{
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "status", sl_verdict_name(v->status));
    sl_json_kbool(g, "early", v->early);
    sl_json_ku64(g, "decided_lsn", v->decided_lsn);
    json_baseline(g, v->baseline);
    sl_json_str(g, "rules_checked");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < v->n_rules_checked; i++) {
        sl_json_str(g, v->rules_checked[i]);
    }
    (void)yajl_gen_array_close(g);
    sl_json_str(g, "reasons");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < v->n_reasons; i++) {
        if (wanted(v->reasons[i], subject)) {
            json_reason(g, v->reasons[i]);
        }
    }
    (void)yajl_gen_array_close(g);
    (void)yajl_gen_map_close(g);
}
