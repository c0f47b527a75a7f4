/* sluice-agent: parses what a CI run produced and streams it to the
 * collector. */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "sluice/daemon.h"

static int
cmd_push(int argc, char **argv)
{
    return agent_cmd_push(argc, argv, 0);
}

static int
cmd_finish(int argc, char **argv)
{
    return agent_cmd_push(argc, argv, 1);
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"push", cmd_push, "send artifact files as a run's events"},
    {"finish", cmd_finish, "finish a run kept open with push --no-finish"},
    {"flush", agent_cmd_flush, "send what earlier pushes left in the spool"},
};

static void
usage(FILE *out)
{
    fprintf(out, "usage: sluice-agent COMMAND [OPTION]... [FILE]...\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
    }
    fprintf(out, "\n'sluice-agent COMMAND --help' lists its options. Formats: ");
    for (const sl_format_t *f = sl_format_table(); f->name != NULL; f++) {
        fprintf(out, "%s%s", f == sl_format_table() ? "" : ", ", f->name);
    }
    fprintf(out, ".\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
    }
    /* SIGINT/SIGTERM set sl_daemon_stop: the sender then spools what is
     * not acknowledged and the push exits 3. */
    sl_daemon_signals();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "sluice-agent: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return AGENT_EXIT_USAGE;
}
