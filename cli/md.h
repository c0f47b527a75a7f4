/* Markdown (GitHub-flavoured) for `sluice baseline report`: code spans and
 * tables that stay well-formed whatever a name from the collector holds,
 * and the aligned text tables of the other commands. Pure string functions
 * (no collector, no globals), checked by tests/unit/test_cli_md.c. */
#ifndef SLUICE_CLI_MD_H
#define SLUICE_CLI_MD_H

#include <stddef.h>
#include <stdio.h>

#include "sluice/err.h"

/* s as a code span (CommonMark 6.1): fenced by one backtick more than the
 * longest run of backticks in s, with a space inside each fence when s
 * starts or ends with a backtick (or would otherwise lose a space to the
 * stripping rule). Control characters and bytes that are not UTF-8 become
 * '?'. An empty s gives "-". Returns a malloc'ed string (caller frees)
 * or NULL on OOM. */
char *cli_md_code(const char *s);

#define CLI_TABLE_COLS_MAX 16

/* A table built row by row, printed with its columns padded to their
 * widest cell (in UTF-8 characters). */
typedef struct cli_table {
    size_t ncols;
    const char *const *head; /* ncols headings (borrowed) */
    const int *right;        /* ncols flags: right-aligned (borrowed) */
    char **cells;            /* nrows * ncols, owned */
    size_t nrows, cap;
} cli_table_t;

/* ncols is 1..CLI_TABLE_COLS_MAX; head and right must outlive t. */
void cli_table_init(cli_table_t *t, size_t ncols, const char *const *head,
                    const int *right);
void cli_table_fini(cli_table_t *t);

/* Adds a row of ncols cells, copied (NULL: empty). SL_ENOMEM. */
int cli_table_add(cli_table_t *t, const char *const *cells) SL_NODISCARD;

/* As text: the headings, then each row, columns two spaces apart; control
 * characters and bytes that are not UTF-8 shown as '?'. indent spaces
 * before each line. */
void cli_table_print(const cli_table_t *t, FILE *out, int indent);

/* As a Markdown table: the header row, the delimiter row ("---", "--:"
 * when right-aligned) and every row, each cell padded to its column's
 * width. Cells are Markdown inline text (e.g. from cli_md_code): '|' is
 * written "\|" (which GFM undoes even inside a code span), control
 * characters and bytes that are not UTF-8 as '?'. */
void cli_table_print_md(const cli_table_t *t, FILE *out);

#endif
