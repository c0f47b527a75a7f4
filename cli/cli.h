/* The `sluice` query tool: one command table (main.c), one option table per
 * command (cmd_<verb>.c), and the helpers every command shares: parsing the
 * common options, talking to the collector, exit statuses and printing
 * strings that came from the collector. */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sluice/client.h"
#include "sluice/opt.h"

/* Exit statuses (`sluice --help` lists them). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,   /* the collector answered with an error, ... */
    CLI_EXIT_USAGE = 2,   /* bad usage, or no such run */
    CLI_EXIT_UNREACH = 3, /* the collector did not answer in time */
};
/* Returned by the helpers below when the command should go on. */
#define CLI_CONTINUE (-1)

#define CLI_DEFAULT_COLLECTOR "tcp://127.0.0.1:7730"

/* Options every command takes; the first member of each command's config
 * struct, so cli_parse can find them. */
typedef struct cli_common {
    const char *collector;
    uint64_t timeout_ms;
    int help;
} cli_common_t;

/* clang-format off */
/* The option-table entries of cli_common_t for a config struct T. */
#define CLI_COMMON_OPTS(T)                                                     \
    {"collector", SL_OPT_STR, offsetof(T, common.collector),                   \
     CLI_DEFAULT_COLLECTOR, 0, 0, "SLUICE_COLLECTOR", "E",                     \
     "the collector's query endpoint", NULL},                                  \
    {"timeout", SL_OPT_DUR, offsetof(T, common.timeout_ms), "5s", 1,           \
     3600000, NULL, "DUR",                                                     \
     "give up when the collector does not answer a request within DUR",       \
     NULL},                                                                    \
    {"help", SL_OPT_FLAG, offsetof(T, common.help), NULL, 0, 0, NULL, NULL,    \
     "show this help and exit", NULL}
/* clang-format on */

/* What `sluice CMD --help` prints besides the option table. */
typedef struct cli_usage {
    const char *cmd;      /* "runs" */
    const char *synopsis; /* "[OPTION]... RUN" */
    const char *about;    /* one or more lines, each ending in \n */
    const sl_opt_t *options;
    int offline;          /* needs no collector: --collector not checked */
} cli_usage_t;

/* A command: argv[0] is its name, the rest its arguments. Returns the exit
 * status. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

int cli_cmd_runs(int argc, char **argv);
int cli_cmd_run(int argc, char **argv);
int cli_cmd_events(int argc, char **argv);
int cli_cmd_check(int argc, char **argv);
int cli_cmd_gate(int argc, char **argv);
int cli_cmd_baseline(int argc, char **argv);
int cli_cmd_bench(int argc, char **argv);
int cli_cmd_backup(int argc, char **argv);
int cli_cmd_test(int argc, char **argv);
int cli_cmd_coverage(int argc, char **argv);
int cli_cmd_report(int argc, char **argv);
int cli_cmd_verify(int argc, char **argv);
/* `sluice baseline check` (cmd_baseline_check.c) and `report`
 * (cmd_baseline_report.c), dispatched by cli_cmd_baseline: argv[0] is the
 * subcommand. */
int cli_baseline_check(int argc, char **argv);
int cli_baseline_report(int argc, char **argv);

/* Parses argv[1..argc) with u->options into cfg (whose first member is a
 * cli_common_t) and checks the common options. Positional arguments are
 * compacted into argv[1..1+*nrest). Prints the help (stdout, CLI_EXIT_OK)
 * or a usage error (stderr, CLI_EXIT_USAGE) itself; else CLI_CONTINUE. */
int cli_parse(const cli_usage_t *u, void *cfg, int argc, char **argv,
              int *nrest);

/* A usage error of u->cmd: prints msg and a pointer to --help on stderr.
 * Returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_usage_t *u, const char *msg);

/* Connects to the collector. On failure prints why and returns an exit
 * status; else CLI_CONTINUE with *out owned by the caller. */
int cli_connect(const cli_common_t *c, sl_client_t **out);

/* One request: sl_client_call with the command's timeout, and a reply of
 * another kind than want refused as SL_EPROTO. *out is owned by the caller
 * (sl_wire_free). Returns the SL_* code with its message in err. */
int cli_call(sl_client_t *cl, const cli_common_t *c, sl_pb_request_t *req,
             Sluice__V1__Reply__KindCase want, sl_pb_reply_t **out,
             sl_err_t *err) SL_NODISCARD;

/* GetRun: *out is a reply whose run has every sub-message the commands
 * dereference (meta, tests, verdict); caller frees it (sl_wire_free).
 * SL_ENOTFOUND for no such run, else the SL_* code with err's message. */
int cli_get_run(sl_client_t *cl, const cli_common_t *c, const char *run_id,
                sl_pb_reply_t **out, sl_err_t *err) SL_NODISCARD;

/* Prints "sluice: <message>" for rc on stderr and returns its exit status:
 * CLI_EXIT_UNREACH for SL_EUNREACH, CLI_EXIT_USAGE for SL_EINVAL,
 * CLI_EXIT_ERROR otherwise. */
int cli_fail(int rc, const sl_err_t *err);

/* Prints "sluice: no such run 'ID'" on stderr; returns CLI_EXIT_USAGE. */
int cli_no_such_run(const char *run_id);

/* Flushes stdout; a failed write becomes CLI_EXIT_ERROR with a message.
 * Returns status otherwise. */
int cli_done(int status);

/* Columns of text that came from the collector: cli_width counts UTF-8
 * characters; cli_put prints s with control characters and bytes that are
 * not UTF-8 shown as '?' (a stored name must not drive the terminal), padded
 * to width characters (0: none). */
size_t cli_width(const char *s);
void cli_put(FILE *out, const char *s, size_t width);
/* One table row: col[i] padded to width[i] and two spaces, the last one
 * unpadded, then a newline (each cell as cli_put prints it). */
void cli_put_row(FILE *out, const char *const *col, const size_t *width,
                 size_t n);

/* Bytes in the UTF-8 sequence at p, or 0 when it is not one (overlong
 * forms and surrogates pass: what matters here is the terminal). */
size_t cli_utf8_len(const unsigned char *p);
/* Nonzero when the n-byte sequence at p (n from cli_utf8_len) is shown as
 * '?': a C0 or C1 control, DEL, or not UTF-8 (n 0). */
int cli_utf8_unsafe(const unsigned char *p, size_t n);

/* Figures and names, the same in every command. */
/* "%.6g" of v into buf (32 bytes), "-" when not finite. Returns buf. */
char *cli_num(double v, char *buf);
/* A change in percent: "+12.3%", "-4.0%", "0.0%" for what rounds to it,
 * 3 digits from a million on ("+1e+06%"). buf: 32 bytes. Returns buf. */
char *cli_pct(double pct, char *buf);
/* The first 10 characters of commit (as `sluice runs` shows it) into buf
 * (11 bytes). Returns buf. */
char *cli_short_commit(const char *commit, char *buf);
/* A duration: "3d 4h", "2h 5m", "4m 10s", "12s" (negative: "0s"). buf:
 * 32 bytes. Returns buf. */
char *cli_age(int64_t us, char *buf);
/* Nonzero when a verdict reason's subject names the benchmark name: equal,
 * or name followed by a space or '[' (a measure after it). */
int cli_subject_is(const char *subject, const char *name);

#endif
