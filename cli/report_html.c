/* HTML and SVG pieces of `sluice report` (report_html.h): no collector, no
 * globals. */
#include "report_html.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ---- the buffer -------------------------------------------------------- */

void
rep_buf_fini(rep_buf_t *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static int
reserve(rep_buf_t *b, size_t more)
{
    if (b->oom) {
        return 0;
    }
    if (more >= SIZE_MAX / 4 - b->len) {
        b->oom = 1;
        return 0;
    }
    size_t need = b->len + more + 1;
    if (need <= b->cap) {
        return 1;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) {
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    if (s == NULL) {
        b->oom = 1;
        return 0;
    }
    b->s = s;
    b->cap = cap;
    return 1;
}

static void
put_n(rep_buf_t *b, const char *s, size_t n)
{
    if (reserve(b, n)) {
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
    }
}

void
rep_put(rep_buf_t *b, const char *s)
{
    put_n(b, s, strlen(s));
}

void
rep_printf(rep_buf_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        put_n(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n)) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
rep_text(rep_buf_t *b, const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    while (*p != '\0') {
        if (max_chars > 0 && chars == max_chars) {
            rep_put(b, "\xE2\x80\xA6"); /* the ellipsis */
            return;
        }
        size_t n = cli_utf8_len(p);
        if (n == 0) {
            rep_put(b, "\xEF\xBF\xBD"); /* U+FFFD for a stray byte */
            p++;
            chars++;
            continue;
        }
        if (cli_utf8_unsafe(p, n)) {
            p += n; /* a control character: dropped */
            continue;
        }
        switch (*p) {
        case '&': rep_put(b, "&amp;"); break;
        case '<': rep_put(b, "&lt;"); break;
        case '>': rep_put(b, "&gt;"); break;
        case '"': rep_put(b, "&quot;"); break;
        case '\'': rep_put(b, "&#39;"); break;
        default: put_n(b, (const char *)p, n); break;
        }
        p += n;
        chars++;
    }
}

/* ---- the y axis -------------------------------------------------------- */

size_t
rep_ticks(double lo, double hi, double *first, double *step)
{
    double span = hi - lo;
    if (!isfinite(lo) || !isfinite(hi) || !(span > 0) || !isfinite(span)) {
        *first = isfinite(lo) ? lo : 0;
        *step = isfinite(span) && span > 0 ? span : 1;
        return 2;
    }
    double raw = span / 5;
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    double mult = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
    *step = mult * mag;
    *first = floor(lo / *step) * *step;
    size_t n = 2;
    while (n < 12 && *first + (double)(n - 1) * *step < hi) {
        n++;
    }
    return n;
}

/* ---- charts ------------------------------------------------------------ */

#define W      900
#define H      300
#define LEFT   72.0
#define RIGHT  880.0
#define TOP    34.0
#define BOTTOM 250.0

typedef struct frame {
    double lo, hi; /* the y axis */
    size_t n;
} frame_t;

static double
x_of(const frame_t *f, size_t i)
{
    if (f->n <= 1) {
        return (LEFT + RIGHT) / 2;
    }
    return LEFT + (RIGHT - LEFT) * (double)i / (double)(f->n - 1);
}

static double
y_of(const frame_t *f, double v)
{
    double t = (v - f->lo) / (f->hi - f->lo);
    t = t < -0.05 ? -0.05 : t > 1.05 ? 1.05 : t;
    return BOTTOM - (BOTTOM - TOP) * t;
}

/* The data's range (and the band's); 0 when there is no finite point. */
static int
data_range(const rep_chart_t *c, double *lo, double *hi)
{
    int any = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t l = 0; l < c->nlines; l++) {
        for (size_t i = 0; i < c->n; i++) {
            double v = c->lines[l].y[i];
            if (isfinite(v)) {
                any = 1;
                *lo = v < *lo ? v : *lo;
                *hi = v > *hi ? v : *hi;
            }
        }
    }
    if (any && c->has_band && isfinite(c->band_lo) && isfinite(c->band_hi)) {
        *lo = c->band_lo < *lo ? c->band_lo : *lo;
        *hi = c->band_hi > *hi ? c->band_hi : *hi;
    }
    return any;
}

static void
frame_of(const rep_chart_t *c, double lo, double hi, frame_t *f, double *first,
         double *step, size_t *nticks)
{
    if (c->fixed_y) {
        lo = c->y_lo;
        hi = c->y_hi;
    } else if (!(hi - lo > 1e-9 * fmax(fabs(lo), fabs(hi)))) {
        /* one value (or a spread lost in rounding): a band around it */
        double d = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
        lo -= d;
        hi += d;
    } else {
        double m = (hi - lo) * 0.08;
        lo -= m;
        hi += m;
    }
    *nticks = rep_ticks(lo, hi, first, step);
    f->lo = c->fixed_y ? lo : *first;
    f->hi = c->fixed_y ? hi : *first + (double)(*nticks - 1) * *step;
    if (!(f->hi > f->lo) || !isfinite(f->hi - f->lo)) {
        f->lo = lo;
        f->hi = lo + 1;
    }
    f->n = c->n;
}

static void
axes(rep_buf_t *b, const rep_chart_t *c, const frame_t *f, double first,
     double step, size_t nticks)
{
    rep_printf(b,
               "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
               "y2=\"%.1f\"/><line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" "
               "x2=\"%.1f\" y2=\"%.1f\"/>",
               LEFT, TOP, LEFT, BOTTOM, LEFT, BOTTOM, RIGHT, BOTTOM);
    for (size_t i = 0; i < nticks; i++) {
        double v = first + (double)i * step;
        if (v < f->lo - step * 1e-9 || v > f->hi + step * 1e-9) {
            continue;
        }
        double y = y_of(f, v);
        rep_printf(b,
                   "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                   "y2=\"%.1f\"/><text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
                   "text-anchor=\"end\">%.6g</text>",
                   LEFT, y, RIGHT, y, LEFT - 6, y + 4, fabs(v) < step * 1e-9 ? 0.0 : v);
    }
    rep_printf(b,
               "<text class=\"unit\" x=\"14\" y=\"%.1f\" transform=\"rotate(-90 "
               "14 %.1f)\" text-anchor=\"middle\">",
               (TOP + BOTTOM) / 2, (TOP + BOTTOM) / 2);
    rep_text(b, c->y_unit != NULL ? c->y_unit : "", 40);
    rep_put(b, "</text>");
    /* up to 6 run names under the x axis */
    size_t shown = c->n < 6 ? c->n : 6;
    size_t last = (size_t)-1;
    for (size_t k = 0; k < shown; k++) {
        size_t i = shown > 1 ? k * (c->n - 1) / (shown - 1) : 0;
        if (i == last) {
            continue;
        }
        last = i;
        rep_printf(b,
                   "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
                   "text-anchor=\"middle\">",
                   x_of(f, i), BOTTOM + 18);
        rep_text(b, c->xlabel != NULL ? c->xlabel[i] : "", 16);
        rep_put(b, "</text>");
    }
    rep_printf(b,
               "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\" "
               "text-anchor=\"middle\">runs, oldest to newest (%zu)</text>",
               (LEFT + RIGHT) / 2, BOTTOM + 40, c->n);
}

static void
band(rep_buf_t *b, const rep_chart_t *c, const frame_t *f)
{
    if (!c->has_band || !isfinite(c->band_lo) || !isfinite(c->band_hi)) {
        return;
    }
    double y1 = y_of(f, c->band_hi), y2 = y_of(f, c->band_lo);
    rep_printf(b,
               "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
               "height=\"%.1f\"><title>",
               LEFT, y1, RIGHT - LEFT, y2 - y1 > 1 ? y2 - y1 : 1);
    rep_text(b, c->band_label != NULL ? c->band_label : "band", 0);
    rep_printf(b, ": %.6g to %.6g</title></rect>", c->band_lo, c->band_hi);
}

static void
line(rep_buf_t *b, const rep_chart_t *c, const frame_t *f, const rep_line_t *l)
{
    int pen = 0;
    rep_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"",
               l->color);
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(l->y[i])) {
            pen = 0;
            continue;
        }
        rep_printf(b, "%s%.1f %.1f ", pen ? "L" : "M", x_of(f, i),
                   y_of(f, l->y[i]));
        pen = 1;
    }
    rep_put(b, "\"/>");
    for (size_t i = 0; i < c->n; i++) {
        if (!isfinite(l->y[i])) {
            continue;
        }
        int red = l->mark != NULL && l->mark[i];
        rep_printf(b,
                   "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" "
                   "fill=\"%s\"><title>",
                   red ? "flagged" : "point", x_of(f, i), y_of(f, l->y[i]),
                   red ? 6 : 3, red ? "#d62728" : l->color);
        rep_text(b, c->xlabel != NULL ? c->xlabel[i] : "", 80);
        rep_printf(b, ": %.6g%s</title></circle>", l->y[i],
                   red ? " (flagged by its verdict)" : "");
    }
}

static void
legend(rep_buf_t *b, const rep_chart_t *c)
{
    double x = LEFT;
    int marks = 0;
    for (size_t l = 0; l < c->nlines; l++) {
        rep_printf(b,
                   "<rect x=\"%.1f\" y=\"10\" width=\"14\" height=\"4\" "
                   "fill=\"%s\"/><text class=\"legend\" x=\"%.1f\" y=\"16\">",
                   x, c->lines[l].color, x + 18);
        rep_text(b, c->lines[l].label, 40);
        rep_put(b, "</text>");
        x += 40 + 7.0 * (double)cli_width(c->lines[l].label);
        for (size_t i = 0; c->lines[l].mark != NULL && i < c->n; i++) {
            marks |= c->lines[l].mark[i] != 0;
        }
    }
    if (c->has_band) {
        rep_printf(b,
                   "<rect class=\"band\" x=\"%.1f\" y=\"6\" width=\"14\" "
                   "height=\"12\"/><text class=\"legend\" x=\"%.1f\" "
                   "y=\"16\">",
                   x, x + 18);
        rep_text(b, c->band_label != NULL ? c->band_label : "band", 60);
        rep_put(b, "</text>");
        x += 40 + 7.0 * (double)cli_width(c->band_label ? c->band_label : "");
    }
    if (marks) {
        rep_printf(b,
                   "<circle cx=\"%.1f\" cy=\"12\" r=\"6\" fill=\"#d62728\"/>"
                   "<text class=\"legend\" x=\"%.1f\" y=\"16\">flagged by "
                   "the run's verdict</text>",
                   x + 6, x + 18);
    }
}

void
rep_svg_chart(rep_buf_t *b, const rep_chart_t *c)
{
    double lo, hi, first, step;
    size_t nticks;
    frame_t f;
    rep_printf(b,
               "<svg class=\"chart\" "
               "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "role=\"img\"><title>",
               W, H, W, H);
    rep_text(b, c->title != NULL ? c->title : "", 0);
    rep_put(b, "</title>");
    if (!data_range(c, &lo, &hi)) {
        rep_printf(b,
                   "<rect class=\"empty\" x=\"1\" y=\"1\" width=\"%d\" "
                   "height=\"%d\"/><text class=\"nodata\" x=\"%d\" y=\"%d\" "
                   "text-anchor=\"middle\">no data</text></svg>\n",
                   W - 2, H - 2, W / 2, H / 2);
        return;
    }
    frame_of(c, lo, hi, &f, &first, &step, &nticks);
    band(b, c, &f);
    axes(b, c, &f, first, step, nticks);
    for (size_t l = 0; l < c->nlines; l++) {
        line(b, c, &f, &c->lines[l]);
    }
    legend(b, c);
    rep_put(b, "</svg>\n");
}

/* ---- the file ---------------------------------------------------------- */

static int
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int
rep_write_file(const char *path, const char *data, size_t len, sl_err_t *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    if (tmp == NULL) {
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return sl_err_set(err, SL_EIO, "cannot create a file beside '%s': %s",
                          path, strerror(e));
    }
    const char *what = "write";
    int ok = fchmod(fd, 0644) == 0 || (what = "chmod", 0);
    ok = ok && (write_all(fd, data, len) == 0 || (what = "write", 0));
    ok = ok && (fsync(fd) == 0 || (what = "sync", 0));
    int e = errno;
    if (close(fd) != 0 && ok) {
        e = errno;
        what = "close";
        ok = 0;
    }
    if (ok && rename(tmp, path) != 0) {
        what = "rename the temporary file to";
        e = errno;
        ok = 0;
    }
    if (!ok) {
        (void)unlink(tmp);
        free(tmp);
        return sl_err_set(err, SL_EIO, "cannot %s '%s': %s", what, path,
                          strerror(e));
    }
    free(tmp);
    return SL_OK;
}
