/* One option table per program (or subcommand) drives parsing of
 * --name=value / --name value, environment fallbacks, defaults, bounds and
 * --help. Values land in the caller's config struct at each entry's offset:
 * STR as const char * (borrowed from argv, env or the table), U64, DUR (ms)
 * and SIZE (bytes) as uint64_t, FLAG as int. */
#ifndef SLUICE_OPT_H
#define SLUICE_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/err.h"

typedef enum {
    SL_OPT_STR,
    SL_OPT_U64,
    SL_OPT_DUR,
    SL_OPT_SIZE,
    SL_OPT_FLAG,
    /* A duration whose value is optional: absent → 0, "--x" alone →
     * implicit, "--x=V" → V. */
    SL_OPT_DUR_OPT,
} sl_opt_type_t;

typedef struct sl_opt {
    const char *name;     /* without the leading "--"; NULL ends a table */
    sl_opt_type_t type;
    size_t off;           /* offsetof into the config struct */
    const char *def;      /* default (NULL: none / 0) */
    uint64_t min, max;    /* bounds for U64, DUR, SIZE */
    const char *env;      /* environment variable used when not given */
    const char *arg;      /* placeholder in --help, e.g. "DIR" */
    const char *help;
    const char *implicit; /* DUR_OPT value when given without one */
} sl_opt_t;

/* Fills cfg from defaults, then the environment, then argv[0..argc).
 * Arguments not starting with "--" (and everything after "--") are
 * positional: *nrest counts them and rest[] (argc entries; it may be argv
 * itself, as positional arguments are only ever moved forward) receives
 * them. SL_EINVAL with a message naming the option. */
int sl_opt_parse(const sl_opt_t *table, void *cfg, int argc, char **argv,
                 int *nrest, char **rest, sl_err_t *err) SL_NODISCARD;

/* Prints one aligned line per option, with its default and environment. */
void sl_opt_help(const sl_opt_t *table, FILE *out);

#endif
