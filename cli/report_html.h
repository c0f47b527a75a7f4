/* The pieces of `sluice report` (cli/cmd_report.c) that need no collector:
 * a growable text buffer, HTML escaping of text that came from the
 * collector, line charts drawn as inline SVG, and writing the file
 * atomically. Pure functions of their arguments, checked by
 * tests/unit/test_cli_report.c. */
#ifndef SLUICE_CLI_REPORT_HTML_H
#define SLUICE_CLI_REPORT_HTML_H

#include <stddef.h>

#include "sluice/err.h"

/* A string built by appending. Out of memory is sticky: every append is a
 * no-op once oom is set, and the caller checks it once at the end. */
typedef struct rep_buf {
    char *s; /* NUL-terminated while not oom; owned */
    size_t len, cap;
    int oom;
} rep_buf_t;

void rep_buf_fini(rep_buf_t *b);
/* Appends s as it is (markup of ours, never text from the collector). */
void rep_put(rep_buf_t *b, const char *s);
/* Appends printf output (markup of ours and numbers). */
void rep_printf(rep_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends text as HTML character data or an attribute value: & < > " '
 * become entities, control characters (C0, DEL, C1) are dropped, bytes
 * that are not UTF-8 become U+FFFD. max_chars > 0 cuts the text after that
 * many characters and appends an ellipsis. */
void rep_text(rep_buf_t *b, const char *s, size_t max_chars);

/* One line of a chart: y[i] for x = i (NAN: no point there, the line
 * breaks). mark (may be NULL): nonzero where the point is drawn red and
 * larger (a run whose verdict flagged it). */
typedef struct rep_line {
    const char *label; /* legend text (escaped) */
    const char *color; /* a CSS colour of ours, e.g. "#1f77b4" */
    const double *y;
    const unsigned char *mark;
} rep_line_t;

#define REP_LINES_MAX 4

/* A line chart over n runs, oldest first. xlabel[i] names run i (escaped;
 * a few are drawn under the axis). A band (has_band) is drawn as a shaded
 * strip from band_lo to band_hi. With fixed_y the y axis spans
 * [y_lo, y_hi] (percentages: 0..100), else the data's range (with the
 * band) and a margin. No finite point at all: the chart says "no data". */
typedef struct rep_chart {
    const char *title;  /* the SVG's <title> (escaped) */
    const char *y_unit; /* under the y axis label (escaped; may be "") */
    size_t n;
    const char *const *xlabel;
    rep_line_t lines[REP_LINES_MAX];
    size_t nlines;
    int has_band;
    double band_lo, band_hi;
    const char *band_label; /* legend text of the band */
    int fixed_y;
    double y_lo, y_hi;
} rep_chart_t;

/* Appends the chart as one <svg> element (width 900, height 300). */
void rep_svg_chart(rep_buf_t *b, const rep_chart_t *c);

/* The y axis: nice tick values covering [lo, hi] (lo < hi): *step and the
 * first tick *first (a multiple of *step at or below lo). Returns the
 * number of ticks (2..12) up to the first at or above hi. */
size_t rep_ticks(double lo, double hi, double *first, double *step);

/* Writes len bytes of data to path atomically: a temp file beside it
 * (path.XXXXXX), fsync, rename. On failure the temp file is removed and
 * path is left as it was. SL_EIO with the reason in err. */
int rep_write_file(const char *path, const char *data, size_t len,
                   sl_err_t *err) SL_NODISCARD;

#endif
