#include "sluice/daemon.h"

#include <string.h>

#include <czmq.h>

#include "sluice/log.h"

volatile sig_atomic_t sl_daemon_stop;

static void
on_signal(int sig)
{
    (void)sig;
    sl_daemon_stop = 1;
}

int
sl_daemon_parse(const sl_daemon_args_t *a, int argc, char **argv)
{
    int nrest = 0;
    sl_err_t err = {0};
    if (sl_opt_parse(a->options, a->cfg, argc - 1, argv + 1, &nrest,
                     argv + 1, &err) != SL_OK) {
        fprintf(stderr, "%s: %s\n", a->prog, err.msg);
        return 2;
    }
    if (*a->help) {
        printf("usage: %s [OPTION]...\n\n%s\n", a->prog, a->about);
        sl_opt_help(a->options, stdout);
        return 0;
    }
    if (nrest > 0) {
        fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n",
                a->prog, argv[1]);
        return 2;
    }
    if (sl_log_level_parse(*a->log_level, &sl_log_threshold) != SL_OK) {
        fprintf(stderr, "%s: bad --log-level '%s' (see --help)\n", a->prog,
                *a->log_level);
        return 2;
    }
    return -1;
}

void
sl_daemon_signals(void)
{
    /* czmq installs its own SIGINT/SIGTERM handlers in zsys_init. */
    (void)zsys_init();
    zsys_handler_set(NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
}
