/* A verdict for people: the cells of its reasons, its baseline in one
 * line, and the aligned table (verdict.h). */
#include "sluice/verdict.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/text.h"

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one column */

const sl_pb_verdict_t *
sl_verdict_of(const sl_pb_run_t *r)
{
    if (r->verdict->status == SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING &&
        r->early_verdict != NULL &&
        r->early_verdict->status !=
            SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING) {
        return r->early_verdict;
    }
    return r->verdict;
}

Sluice__V1__VerdictStatus
sl_verdict_reason_status(const sl_pb_verdict_t *v,
                         const Sluice__V1__Reason *re)
{
    switch (re->status) {
    case SLUICE__V1__VERDICT_STATUS__VERDICT_WARN:
    case SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL:
    case SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE:
        return re->status;
    default:
        break;
    }
    /* A gate that sets no status per reason: the verdict says it. */
    if (v->status == SLUICE__V1__VERDICT_STATUS__VERDICT_WARN ||
        v->status == SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE) {
        return v->status;
    }
    return SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
}

int
sl_verdict_failing(Sluice__V1__VerdictStatus status)
{
    return status == SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL ||
           status == SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE;
}

/* Characters a terminal must not get raw: C0 and C1 controls, DEL, the
 * line and paragraph separators and the bidirectional overrides (which
 * reorder what a reader sees). */
static int
is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static size_t
count_chars(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    uint32_t cp;
    while (i < len) {
        size_t k = sl_utf8_next(s + i, len - i, &cp);
        i += k > 0 ? k : 1;
        n++;
    }
    return n;
}

size_t
sl_verdict_cell(const char *s, size_t max_cols, char *buf, size_t cap)
{
    size_t len = strlen(s), total = count_chars(s, len);
    size_t keep = total <= max_cols ? total : max_cols > 0 ? max_cols - 1 : 0;
    size_t i = 0, o = 0, cols = 0;
    int cut = total > keep && max_cols > 0;
    if (cap == 0) {
        return 0;
    }
    while (i < len && cols < keep) {
        uint32_t cp;
        size_t n = sl_utf8_next(s + i, len - i, &cp);
        const char *src = s + i;
        size_t k = n;
        if (n == 0 || is_control(cp)) {
            src = "?";
            k = 1;
            n = n > 0 ? n : 1;
        }
        if (o + k + sizeof ELLIPSIS > cap) { /* room for the mark and NUL */
            cut = 1;
            break;
        }
        memcpy(buf + o, src, k);
        o += k;
        i += n;
        cols++;
    }
    if (cut && o + sizeof ELLIPSIS <= cap) {
        memcpy(buf + o, ELLIPSIS, sizeof ELLIPSIS - 1);
        o += sizeof ELLIPSIS - 1;
        cols++;
    }
    buf[o] = '\0';
    return cols;
}

/* A figure for people: whole numbers whole (up to 1e15), 1000 and more
 * with one decimal, smaller ones in 4 significant digits: "2",
 * "65.52", "1234.5", "0.001234". */
static void
num_text(char *buf, size_t cap, double v)
{
    double a = fabs(v);
    if (a < 1e15 && v == floor(v)) {
        (void)snprintf(buf, cap, "%.0f", v);
    } else if (a >= 1000 && a < 1e15) {
        (void)snprintf(buf, cap, "%.1f", v);
    } else {
        (void)snprintf(buf, cap, "%.4g", v);
    }
}

void
sl_verdict_commit(const char *commit, char *buf, size_t cap)
{
    /* 13 columns: a longer commit ends in the mark, cut off below */
    size_t n = sl_verdict_cell(commit, 13, buf, cap), i = 0;
    size_t len = strlen(buf);
    uint32_t cp;
    for (size_t k = 0; k < 12 && k < n; k++) {
        size_t step = sl_utf8_next(buf + i, len - i, &cp);
        i += step > 0 ? step : 1;
    }
    buf[i] = '\0';
}

/* "12.5 ms", "74.3%" or "2": a figure and its (sanitized) unit. */
static void
num_unit(char *buf, size_t cap, double v, const char *unit)
{
    char u[64], n[48];
    (void)sl_verdict_cell(unit, 16, u, sizeof u);
    num_text(n, sizeof n, v);
    int w = snprintf(buf, cap, "%s%s%s", n,
                     u[0] == '\0' || strcmp(u, "%") == 0 ? "" : " ", u);
    if (w < 0 && cap > 0) {
        buf[0] = '\0';
    } /* a longer one is cut at cap, which the callers size for */
}

static void
threshold_cell(const Sluice__V1__Reason *re, char *buf, size_t cap)
{
    static const struct {
        const char *method, *prefix, *suffix;
    } by_method[] = {{"percent", "", "%"},
                     {"zscore", "|z| ", ""},
                     {"welch", "p ", ""},
                     {"iqr", "k ", ""}};
    char n[48];
    num_text(n, sizeof n, re->threshold);
    for (size_t i = 0; i < sizeof by_method / sizeof by_method[0]; i++) {
        if (strcmp(re->method, by_method[i].method) == 0) {
            (void)snprintf(buf, cap, "%s%s%s", by_method[i].prefix, n,
                           by_method[i].suffix);
            return;
        }
    }
    num_unit(buf, cap, re->threshold, re->unit);
}

static void
baseline_cell(const Sluice__V1__Reason *re, char *buf, size_t cap)
{
    char mean[64];
    buf[0] = '\0';
    if (!re->has_baseline) {
        return;
    }
    num_unit(mean, sizeof mean, re->baseline, re->unit);
    sl_text_t t;
    sl_text_init(&t, buf, cap);
    sl_text_set(&t, mean);
    char more[64];
    if (re->baseline_spread > 0) {
        char n[48];
        num_text(n, sizeof n, re->baseline_spread);
        (void)snprintf(more, sizeof more, " %s %s",
                       strcmp(re->method, "iqr") == 0 ? "IQR" : "\xc2\xb1",
                       n);
        sl_text_append(&t, more, strlen(more));
    }
    if (re->baseline_n > 0) {
        (void)snprintf(more, sizeof more, ", n=%" PRIu32, re->baseline_n);
        sl_text_append(&t, more, strlen(more));
    }
}

static void
change_cell(const Sluice__V1__Reason *re, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (re->change_pct != 0) { /* proto3: 0 is not set */
        (void)snprintf(buf, cap, "%+.1f%%", re->change_pct);
    }
}

/* "t=5.12, p=0.0012" */
static void
stat_cell(const Sluice__V1__Reason *re, char *buf, size_t cap)
{
    char part[64], name[32];
    sl_text_t t;
    sl_text_init(&t, buf, cap);
    if (re->statistic[0] != '\0') {
        (void)sl_verdict_cell(re->statistic, 8, name, sizeof name);
        (void)snprintf(part, sizeof part, "%s=%.3g", name,
                       re->statistic_value);
        sl_text_append(&t, part, strlen(part));
    }
    if (re->p_value > 0) {
        (void)snprintf(part, sizeof part, "%sp=%.2g", t.len ? ", " : "",
                       re->p_value);
        sl_text_append(&t, part, strlen(part));
    }
}

/* sep unless t is empty */
static void
append_sep(sl_text_t *t, const char *sep)
{
    if (t->len > 0) {
        sl_text_append(t, sep, strlen(sep));
    }
}

void
sl_verdict_cells(const Sluice__V1__Reason *re, sl_verdict_cells_t *c)
{
    num_unit(c->value, sizeof c->value, re->value, re->unit);
    threshold_cell(re, c->threshold, sizeof c->threshold);
    baseline_cell(re, c->baseline, sizeof c->baseline);
    change_cell(re, c->change, sizeof c->change);
    stat_cell(re, c->stat, sizeof c->stat);
}

void
sl_verdict_figures(const sl_verdict_cells_t *c, char *buf, size_t cap)
{
    const char *name[] = {"value", "threshold", "baseline", "change"};
    const char *cell[] = {c->value, c->threshold, c->baseline, c->change};
    sl_text_t t;
    sl_text_init(&t, buf, cap);
    for (size_t i = 0; i < 4; i++) {
        if (cell[i][0] != '\0') {
            append_sep(&t, ", ");
            sl_text_append(&t, name[i], strlen(name[i]));
            sl_text_append(&t, " ", 1);
            sl_text_append(&t, cell[i], strlen(cell[i]));
        }
    }
    if (c->stat[0] != '\0') {
        append_sep(&t, c->change[0] != '\0' ? " " : ", ");
        sl_text_append(&t, "(", 1);
        sl_text_append(&t, c->stat, strlen(c->stat));
        sl_text_append(&t, ")", 1);
    }
}

/* ---- the baseline line ------------------------------------------------ */

/* "45 s", "12 min", "5 h", "3 days". */
static void
age_text(int64_t us, char *buf, size_t cap)
{
    int64_t s = us > 0 ? us / 1000000 : 0;
    if (s < 60) {
        (void)snprintf(buf, cap, "%" PRId64 " s", s);
    } else if (s < 3600) {
        (void)snprintf(buf, cap, "%" PRId64 " min", s / 60);
    } else if (s < 48 * 3600) {
        (void)snprintf(buf, cap, "%" PRId64 " h", s / 3600);
    } else {
        (void)snprintf(buf, cap, "%" PRId64 " days", s / 86400);
    }
}

/* Appends s sanitized and cut at max_cols. */
static void
append_cell(sl_text_t *t, const char *s, size_t max_cols)
{
    char c[256];
    (void)sl_verdict_cell(s, max_cols, c, sizeof c);
    sl_text_append(t, c, strlen(c));
}

static void
append_str(sl_text_t *t, const char *s)
{
    sl_text_append(t, s, strlen(s));
}

/* "5 run(s) of main (r9, r8, r7 and 2 more)" */
static void
baseline_runs(sl_text_t *t, const Sluice__V1__Baseline *b)
{
    char num[32];
    if (b->n_run_ids == 0) {
        append_str(t, "no run");
    } else {
        (void)snprintf(num, sizeof num, "%zu run(s)", b->n_run_ids);
        append_str(t, num);
    }
    if (b->branch[0] != '\0') {
        append_str(t, " of ");
        append_cell(t, b->branch, 40);
    }
    for (size_t i = 0; i < b->n_run_ids && i < 3; i++) {
        append_str(t, i == 0 ? " (" : ", ");
        append_cell(t, b->run_ids[i], 40);
    }
    if (b->n_run_ids > 3) {
        (void)snprintf(num, sizeof num, " and %zu more", b->n_run_ids - 3);
        append_str(t, num);
    }
    if (b->n_run_ids > 0) {
        append_str(t, ")");
    }
}

void
sl_verdict_baseline_text(const sl_pb_verdict_t *v, int64_t now_us,
                         char *buf, size_t cap)
{
    const Sluice__V1__Baseline *b = v->baseline;
    char age[32];
    sl_text_t t;
    sl_text_init(&t, buf, cap);
    if (b == NULL) {
        return;
    }
    baseline_runs(&t, b);
    if (b->commit[0] != '\0') {
        char c[64];
        sl_verdict_commit(b->commit, c, sizeof c);
        append_str(&t, ", newest at commit ");
        append_str(&t, c);
    }
    if (b->finished_us > 0) {
        age_text(now_us - b->finished_us, age, sizeof age);
        append_str(&t, b->commit[0] != '\0' ? ", finished " : ", newest "
                                                              "finished ");
        append_str(&t, age);
        append_str(&t, " ago");
    }
    if (b->pinned) {
        append_str(&t, "; pinned");
    }
    if (b->base_commit[0] != '\0') {
        char c[64];
        sl_verdict_commit(b->base_commit, c, sizeof c);
        append_str(&t, "; merge-base ");
        append_str(&t, c);
        append_str(&t, b->base_found ? " found" : " not found (rolling "
                                                  "baseline)");
    }
    if (b->runner[0] != '\0') {
        append_str(&t, "; runner ");
        append_cell(&t, b->runner, 40);
    }
}

/* ---- the table -------------------------------------------------------- */

enum { C_STATUS, C_RULE, C_SUBJECT, C_VALUE, C_THRESHOLD, C_BASELINE,
       C_CHANGE, C_MESSAGE, C_N };

static const char *const heads[C_N] = {"status",    "rule",     "subject",
                                       "value",     "threshold", "baseline",
                                       "change",    "message"};
/* The widest a cell gets before it is cut, and the narrowest a column is
 * squeezed to when the table is too wide. */
static const size_t caps[C_N] = {10, 40, 40, 24, 24, 40, 16, 1000};
static const size_t mins[C_N] = {0, 16, 12, 0, 0, 0, 0, 0};

typedef struct row {
    char cell[C_N][4 * 1000 + 4];
} row_t;

typedef struct layout {
    size_t w[C_N];
    int shown[C_N];
    int inline_msg; /* the message is the last column */
} layout_t;

static void
row_of(const sl_pb_verdict_t *v, const Sluice__V1__Reason *re, row_t *row)
{
    sl_verdict_cells_t c;
    sl_verdict_cells(re, &c);
    char msg[1200];
    sl_text_t t;
    sl_text_init(&t, msg, sizeof msg);
    sl_text_set(&t, re->message);
    if (c.stat[0] != '\0') {
        append_sep(&t, " ");
        sl_text_append(&t, "(", 1);
        sl_text_append(&t, c.stat, strlen(c.stat));
        sl_text_append(&t, ")", 1);
    }
    const char *raw[C_N] = {
        sl_verdict_name(sl_verdict_reason_status(v, re)),
        re->rule, re->subject, c.value, c.threshold, c.baseline, c.change,
        msg};
    for (int k = 0; k < C_N; k++) {
        (void)sl_verdict_cell(raw[k], caps[k], row->cell[k],
                              sizeof row->cell[k]);
    }
}

static size_t
cols_of(const char *s)
{
    return count_chars(s, strlen(s));
}

static size_t
table_width(const layout_t *l)
{
    size_t w = 0;
    for (int k = 0; k < C_MESSAGE; k++) {
        w += l->shown[k] ? l->w[k] + 2 : 0;
    }
    return w; /* the indent of 2 plus each column and its gap, but the
                 last column's gap: the same sum */
}

/* Squeezes the text columns (subject, then rule) until the table fits
 * SL_VERDICT_COLS or they are at their minimum; figures are never cut
 * short of their caps. */
static void
squeeze(layout_t *l)
{
    static const int order[] = {C_SUBJECT, C_RULE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        size_t w = table_width(l), k = (size_t)order[i];
        if (w <= SL_VERDICT_COLS) {
            return;
        }
        size_t excess = w - SL_VERDICT_COLS;
        if (l->shown[k] && l->w[k] > mins[k]) {
            size_t room = l->w[k] - mins[k];
            l->w[k] -= excess < room ? excess : room;
        }
    }
}

static void
measure(const sl_pb_verdict_t *v, layout_t *l, row_t *row)
{
    memset(l, 0, sizeof *l);
    for (int k = 0; k < C_N; k++) {
        l->w[k] = cols_of(heads[k]);
    }
    l->shown[C_STATUS] = l->shown[C_RULE] = 1;
    l->shown[C_VALUE] = l->shown[C_THRESHOLD] = 1;
    for (size_t i = 0; i < v->n_reasons; i++) {
        row_of(v, v->reasons[i], row);
        for (int k = 0; k < C_N; k++) {
            size_t n = cols_of(row->cell[k]);
            l->w[k] = n > l->w[k] ? n : l->w[k];
            l->shown[k] |= n > 0;
        }
    }
    squeeze(l);
    l->inline_msg =
        table_width(l) + l->w[C_MESSAGE] <= SL_VERDICT_COLS;
    l->shown[C_MESSAGE] = l->inline_msg && l->shown[C_MESSAGE];
}

/* Writes s wrapped at SL_VERDICT_COLS: the first line after first (already
 * written, first_cols wide), the next ones indented by indent. s is
 * sanitized text. */
static void
wrap(FILE *out, const char *s, size_t first_cols, size_t indent)
{
    size_t width = SL_VERDICT_COLS > first_cols + 20
                       ? SL_VERDICT_COLS - first_cols : 20;
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t j = i, cols = 0, brk = 0;
        uint32_t cp;
        while (j < len && cols < width) {
            size_t k = sl_utf8_next(s + j, len - j, &cp);
            j += k > 0 ? k : 1;
            cols++;
            if (s[j - 1] == ' ' && j < len) {
                brk = j; /* after the last space that fits */
            }
        }
        /* the whole rest, or up to a space just past the width, or after
         * the last space that fits, or cut mid-word */
        size_t end = j == len || s[j] == ' ' ? j : brk > i ? brk : j;
        size_t shown = end;
        while (shown > i && s[shown - 1] == ' ') {
            shown--;
        }
        fprintf(out, "%.*s\n", (int)(shown - i), s + i);
        i = end;
        while (i < len && s[i] == ' ') {
            i++;
        }
        if (i < len) {
            fprintf(out, "%*s", (int)indent, "");
            width = SL_VERDICT_COLS > indent + 20 ? SL_VERDICT_COLS - indent
                                                  : 20;
        }
    }
}

/* One table line: the shown cells padded to their widths, trailing blanks
 * dropped. */
static void
print_line(FILE *out, const layout_t *l, const char *const cells[C_N])
{
    char line[8192], cut[4 * 1000 + 4];
    sl_text_t t;
    sl_text_init(&t, line, sizeof line);
    sl_text_append(&t, "  ", 2);
    for (int k = 0; k < C_N; k++) {
        if (!l->shown[k]) {
            continue;
        }
        size_t n = sl_verdict_cell(cells[k], l->w[k], cut, sizeof cut);
        sl_text_append(&t, cut, strlen(cut));
        for (size_t pad = n; pad < l->w[k] + 2; pad++) {
            sl_text_append(&t, " ", 1);
        }
    }
    sl_text_rtrim(&t);
    fprintf(out, "%s\n", t.data);
}

static void
print_rows(const sl_pb_verdict_t *v, const layout_t *l, row_t *row,
           FILE *out)
{
    size_t indent = 2 + l->w[C_STATUS] + 2; /* under the rule */
    print_line(out, l, heads);
    for (size_t i = 0; i < v->n_reasons; i++) {
        row_of(v, v->reasons[i], row);
        const char *cells[C_N];
        for (int k = 0; k < C_N; k++) {
            cells[k] = row->cell[k];
        }
        print_line(out, l, cells);
        if (!l->inline_msg && row->cell[C_MESSAGE][0] != '\0') {
            fprintf(out, "%*s", (int)indent, "");
            wrap(out, row->cell[C_MESSAGE], indent, indent);
        }
    }
}

void
sl_verdict_print_reasons(const sl_pb_verdict_t *v, int64_t now_us, FILE *out)
{
    char base[1024];
    layout_t l;
    if (v->n_reasons > 0) {
        row_t *row = malloc(sizeof *row);
        if (row == NULL) {
            fprintf(out, "  (out of memory: %zu reason(s) not shown)\n",
                    v->n_reasons);
        } else {
            measure(v, &l, row);
            print_rows(v, &l, row, out);
            free(row);
        }
    }
    sl_verdict_baseline_text(v, now_us, base, sizeof base);
    if (base[0] != '\0') {
        fputs("  baseline: ", out);
        wrap(out, base, 12, 12);
    }
    if (v->n_rules_checked > 0) {
        fprintf(out, "  rules checked: %zu\n", v->n_rules_checked);
    }
}
