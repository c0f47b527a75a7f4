/* Markdown code spans, and tables as text or Markdown (md.h). */
#include "md.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Copies s into out (room for strlen(s) + 1) with every unsafe sequence as
 * '?'; returns the bytes written (NUL not counted). */
static size_t
sanitize(const char *s, char *out)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
        size_t n = cli_utf8_len(p);
        if (cli_utf8_unsafe(p, n)) {
            out[o++] = '?';
        } else {
            memcpy(out + o, p, n);
            o += n;
        }
        p += n != 0 ? n : 1;
    }
    out[o] = '\0';
    return o;
}

static size_t
longest_tick_run(const char *s)
{
    size_t best = 0, run = 0;
    for (; *s != '\0'; s++) {
        run = *s == '`' ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

char *
cli_md_code(const char *s)
{
    size_t len = strlen(s);
    if (len == 0) {
        return strdup("-");
    }
    char *clean = malloc(len + 1);
    if (clean == NULL) {
        return NULL;
    }
    len = sanitize(s, clean);
    size_t fence = longest_tick_run(clean) + 1;
    int all_space = strspn(clean, " ") == len;
    /* A space inside each fence keeps a backtick at either end from joining
     * the fence, and one stripped from text that starts and ends with a
     * space is ours, not the text's (CommonMark 6.1). */
    int pad = clean[0] == '`' || clean[len - 1] == '`' ||
              (!all_space && clean[0] == ' ' && clean[len - 1] == ' ');
    char *out = malloc(2 * fence + 2 * (size_t)pad + len + 1);
    if (out != NULL) {
        size_t o = fence;
        memset(out, '`', fence);
        out[o] = ' ';
        o += (size_t)pad;
        memcpy(out + o, clean, len);
        o += len;
        out[o] = ' ';
        o += (size_t)pad;
        memset(out + o, '`', fence);
        out[o + fence] = '\0';
    }
    free(clean);
    return out;
}

void
cli_table_init(cli_table_t *t, size_t ncols, const char *const *head,
               const int *right)
{
    assert(ncols >= 1 && ncols <= CLI_TABLE_COLS_MAX);
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->head = head;
    t->right = right;
}

void
cli_table_fini(cli_table_t *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    memset(t, 0, sizeof *t);
}

int
cli_table_add(cli_table_t *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        char **nc = realloc(t->cells, cap * t->ncols * sizeof *nc);
        if (nc == NULL) {
            return SL_ENOMEM;
        }
        t->cells = nc;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] != NULL ? cells[i] : "");
        if (row[i] == NULL) {
            for (size_t j = 0; j < i; j++) {
                free(row[j]);
            }
            return SL_ENOMEM;
        }
    }
    t->nrows++;
    return SL_OK;
}

static const char *
cell(const cli_table_t *t, size_t row, size_t col)
{
    return row == 0 ? t->head[col] : t->cells[(row - 1) * t->ncols + col];
}

/* Characters of s as a Markdown cell: '|' takes two. */
static size_t
md_width(const char *s)
{
    size_t w = cli_width(s);
    for (; *s != '\0'; s++) {
        w += *s == '|';
    }
    return w;
}

/* The width of each column over the headings and rows. */
static void
widths(const cli_table_t *t, int md, size_t *width)
{
    for (size_t i = 0; i < t->ncols; i++) {
        width[i] = md ? 3 : 0; /* a Markdown delimiter needs three */
        for (size_t r = 0; r <= t->nrows; r++) {
            size_t w = md ? md_width(cell(t, r, i)) : cli_width(cell(t, r, i));
            width[i] = w > width[i] ? w : width[i];
        }
    }
}

static void
pad(FILE *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        (void)fputc(' ', out);
    }
}

void
cli_table_print(const cli_table_t *t, FILE *out, int indent)
{
    size_t width[CLI_TABLE_COLS_MAX];
    widths(t, 0, width);
    for (size_t r = 0; r <= t->nrows; r++) {
        pad(out, (size_t)indent);
        for (size_t i = 0; i < t->ncols; i++) {
            const char *s = cell(t, r, i);
            size_t gap = width[i] - cli_width(s);
            int last = i + 1 == t->ncols;
            if (t->right[i]) {
                pad(out, gap);
            }
            cli_put(out, s, 0);
            if (!t->right[i] && !last) {
                pad(out, gap);
            }
            pad(out, last ? 0 : 2);
        }
        (void)fputc('\n', out);
    }
}

/* s as a Markdown cell: '|' as "\|", unsafe sequences as '?'. */
static void
put_md(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
        size_t n = cli_utf8_len(p);
        if (cli_utf8_unsafe(p, n)) {
            (void)fputc('?', out);
        } else {
            (void)fputs(*p == '|' ? "\\" : "", out);
            (void)fwrite(p, 1, n, out);
        }
        p += n != 0 ? n : 1;
    }
}

void
cli_table_print_md(const cli_table_t *t, FILE *out)
{
    size_t width[CLI_TABLE_COLS_MAX];
    widths(t, 1, width);
    for (size_t r = 0; r <= t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            const char *s = cell(t, r, i);
            size_t gap = width[i] - md_width(s);
            (void)fputs("| ", out);
            pad(out, t->right[i] ? gap : 0);
            put_md(out, s);
            pad(out, t->right[i] ? 0 : gap);
            (void)fputc(' ', out);
        }
        (void)fputs("|\n", out);
        if (r == 0) {
            for (size_t i = 0; i < t->ncols; i++) {
                (void)fputs("| ", out);
                for (size_t k = 0; k + 1 < width[i]; k++) {
                    (void)fputc('-', out);
                }
                (void)fprintf(out, "%c ", t->right[i] ? ':' : '-');
            }
            (void)fputs("|\n", out);
        }
    }
}
