/* sluice: queries the collector for people (runs, one run, its events).
 * The command table and the helpers every command shares. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cli.h"
#include "sluice/formats.h"
#include "sluice/parse.h"
#include "sluice/policy.h"

typedef struct cli_cmd {
    const char *name;
    cli_cmd_fn fn;
    const char *help;
} cli_cmd_t;

static const cli_cmd_t commands[] = {
    {"runs", cli_cmd_runs, "list runs, newest first, with filters"},
    {"run", cli_cmd_run, "show the summary and verdict of one run"},
    {"events", cli_cmd_events, "show every event of one run in log order"},
    {"gate", cli_cmd_gate,
     "gate replay: judge the stored history with a proposed policy"},
    {"check", cli_cmd_check,
     "judge artifact files offline (no collector): summary and verdict"},
    {"baseline", cli_cmd_baseline,
     "pin, unpin, show, check (the gate's comparison), report (trends)"},
    {"bench", cli_cmd_bench,
     "one benchmark's series on a branch: band, change points, verdicts"},
    {"test", cli_cmd_test,
     "one test's history across runs: failure and flake rate"},
    {"coverage", cli_cmd_coverage,
     "the line and branch coverage series, oldest first"},
    {"backup", cli_cmd_backup,
     "copy the collector's live store into DIR on its host"},
    {"report", cli_cmd_report, "write an HTML report: trends, slowest tests, verdicts"},
    {"verify", cli_cmd_verify,
     "recompute the log's hash chain; name the first record that differs"},
    {NULL, NULL, NULL},
};

static const char exit_text[] =
    "exit status: 0 ok, 1 other error, 2 usage error or nothing matches (no\n"
    "such run, test, benchmark, coverage or verdict), 3 collector unreachable\n";

static void
usage(FILE *out)
{
    fprintf(out, "usage: sluice COMMAND [OPTION]... [ARG]...\n\n"
                 "Queries the sluice collector, or judges artifacts "
                 "offline.\n\ncommands:\n");
    for (const cli_cmd_t *c = commands; c->name != NULL; c++) {
        fprintf(out, "  %-10s %s\n", c->name, c->help);
    }
    fprintf(out,
            "\n'sluice COMMAND --help' shows a command's options ('sluice "
            "baseline --help'\nits subcommands). Every command but check "
            "takes\n"
            "--collector E (env SLUICE_COLLECTOR, default %s)\n"
            "and --timeout DUR (default 5s).\n\n%s",
            CLI_DEFAULT_COLLECTOR, exit_text);
}

static void
command_usage(const cli_usage_t *u, FILE *out)
{
    fprintf(out, "usage: sluice %s %s\n\n%s\noptions:\n", u->cmd, u->synopsis,
            u->about);
    sl_opt_help(u->options, out);
    if (u->offline) {
        /* check: its threshold flags come from the table of policy keys */
        fprintf(out, "\nthreshold flags (each overrides its key of the "
                     "policy file and its scopes;\nsee docs/policy.md):\n");
        sl_policy_flags_help(out);
        fprintf(out, "\n");
        sl_format_help(out);
        fprintf(out, "\nexit status: 0 pass, 1 fail (or another error), 2 "
                     "usage error or a file\nthat does not parse\n");
        return;
    }
    fprintf(out, "\n%s", exit_text);
}

int
cli_usage_error(const cli_usage_t *u, const char *msg)
{
    fprintf(stderr, "sluice %s: %s\nTry 'sluice %s --help'.\n", u->cmd, msg,
            u->cmd);
    return CLI_EXIT_USAGE;
}

int
cli_parse(const cli_usage_t *u, void *cfg, int argc, char **argv, int *nrest)
{
    sl_err_t err = {0};
    cli_common_t *c = cfg;
    int rc = sl_opt_parse(u->options, cfg, argc - 1, argv + 1, nrest, argv + 1,
                          &err);
    if (rc != SL_OK) {
        return cli_usage_error(u, sl_err_msg(&err, rc));
    }
    if (c->help) {
        command_usage(u, stdout);
        return cli_done(CLI_EXIT_OK);
    }
    if (!u->offline && sl_parse_endpoint(c->collector) != SL_OK) {
        char msg[320];
        (void)snprintf(msg, sizeof msg,
                       "--collector: invalid endpoint '%s' "
                       "(tcp://HOST:PORT, ipc://PATH)",
                       c->collector);
        return cli_usage_error(u, msg);
    }
    return CLI_CONTINUE;
}

int
cli_connect(const cli_common_t *c, sl_client_t **out)
{
    sl_err_t err = {0};
    int rc = sl_client_new(out, c->collector, &err);
    return rc == SL_OK ? CLI_CONTINUE : cli_fail(rc, &err);
}

int
cli_call(sl_client_t *cl, const cli_common_t *c, sl_pb_request_t *req,
         Sluice__V1__Reply__KindCase want, sl_pb_reply_t **out, sl_err_t *err)
{
    int rc = sl_client_call(cl, req, (int)c->timeout_ms, out, err);
    if (rc == SL_OK && (*out)->kind_case != want) {
        sl_wire_free(out);
        return sl_err_set(err, SL_EPROTO,
                          "unexpected reply from the collector at %s",
                          c->collector);
    }
    return rc;
}

int
cli_get_run(sl_client_t *cl, const cli_common_t *c, const char *run_id,
            sl_pb_reply_t **out, sl_err_t *err)
{
    Sluice__V1__GetRun q;
    sl_pb_request_t req;
    sluice__v1__get_run__init(&q);
    sluice__v1__request__init(&req);
    q.run_id = (char *)(uintptr_t)run_id;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_RUN;
    req.get_run = &q;
    int rc = cli_call(cl, c, &req, SLUICE__V1__REPLY__KIND_RUN, out, err);
    if (rc == SL_OK &&
        ((*out)->run->meta == NULL || (*out)->run->tests == NULL ||
         (*out)->run->verdict == NULL)) {
        sl_wire_free(out);
        rc = sl_err_set(err, SL_EPROTO, "incomplete run record from %s",
                        c->collector);
    }
    return rc;
}

int
cli_fail(int rc, const sl_err_t *err)
{
    fprintf(stderr, "sluice: %s\n", sl_err_msg(err, rc));
    switch (rc) {
    case SL_EUNREACH:
        return CLI_EXIT_UNREACH;
    case SL_EINVAL:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_ERROR;
    }
}

int
cli_no_such_run(const char *run_id)
{
    fprintf(stderr, "sluice: no such run '%s'\n", run_id);
    return CLI_EXIT_USAGE;
}

int
cli_done(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "sluice: cannot write the output: %s\n",
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    return status;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return cli_done(CLI_EXIT_OK);
    }
    for (const cli_cmd_t *c = commands; c->name != NULL; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            /* czmq would catch SIGINT and turn it into an error of every
             * call; a query tool should just stop. */
            (void)zsys_init();
            zsys_handler_set(NULL);
            return c->fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "sluice: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
