/* What the two daemons (collector, gate) share at start: the command line
 * through their option table, the log level, and SIGINT/SIGTERM. */
#ifndef SLUICE_DAEMON_H
#define SLUICE_DAEMON_H

#include <signal.h>
#include <stdio.h>

#include "sluice/opt.h"

/* The one global besides the log threshold: set by SIGINT/SIGTERM (in the
 * daemons and in the agent). */
extern volatile sig_atomic_t sl_daemon_stop;

typedef struct sl_daemon_args {
    const char *prog;        /* "sluice-collector" */
    const char *about;       /* printed by --help above the options */
    const sl_opt_t *options;
    void *cfg;
    const int *help;         /* the cfg's --help flag */
    const char *const *log_level; /* the cfg's --log-level */
} sl_daemon_args_t;

/* Parses argv into a->cfg. Returns -1 when the daemon should start, else
 * the exit status to leave with (0 after --help, 2 on a usage error, with
 * the message on stderr). */
int sl_daemon_parse(const sl_daemon_args_t *a, int argc, char **argv);

/* Replaces czmq's signal handlers with one that sets sl_daemon_stop, so the
 * flag is the only shutdown path. Call before creating sockets. */
void sl_daemon_signals(void);

#endif
