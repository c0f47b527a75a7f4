/* sluice-gate: judges runs from the collector's log and sends the verdicts
 * back as events. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "gate.h"
#include "sluice/daemon.h"
#include "sluice/log.h"
#include "sluice/opt.h"
#include "sluice/ready.h"

#define OPT(n, t, f, d, lo, hi, env, arg, help)                                \
    {n, t, offsetof(gate_cfg_t, f), d, lo, hi, env, arg, help, NULL}

static const sl_opt_t options[] = {
    OPT("collector", SL_OPT_STR, collector, "tcp://127.0.0.1:7730", 0, 0,
        "SLUICE_COLLECTOR", "E", "the collector's ingest/query endpoint"),
    OPT("subscribe", SL_OPT_STR, subscribe, "tcp://127.0.0.1:7731", 0, 0,
        "SLUICE_SUBSCRIBE", "E", "the collector's event stream"),
    OPT("state", SL_OPT_STR, state, "./sluice-gate-state", 0, 0,
        "SLUICE_GATE_STATE", "DIR", "the gate's own LMDB state"),
    OPT("ready-file", SL_OPT_STR, ready_file, NULL, 0, 0, NULL, "F",
        "write the endpoints to F once connected"),
    OPT("policy", SL_OPT_STR, policy_file, NULL, 0, 0, NULL, "F",
        "judge with the thresholds of the policy file F (YAML, see "
        "examples/sluice.yml), read once at start"),
    OPT("map-size", SL_OPT_SIZE, map_size, "4G", 1u << 20, 1ull << 40,
        "SLUICE_GATE_MAP_SIZE", "SIZE", "largest the gate's state may grow"),
    OPT("timeout", SL_OPT_DUR, timeout_ms, "5s", 100, 600000, NULL, "DUR",
        "how long a log read may take before it is retried"),
    OPT("log-level", SL_OPT_STR, log_level, "info", 0, 0, "SLUICE_LOG_LEVEL",
        "L", "error, warn, info or debug"),
    OPT("help", SL_OPT_FLAG, help, NULL, 0, 0, NULL, NULL,
        "show this help and exit"),
    {0},
};

static const char about[] =
    "Follows the collector's log and gives every finished run "
    "one verdict.\nWithout --policy, a run fails on any failed or errored "
    "test, line coverage\nbelow 75% (when it has coverage), any critical "
    "or high finding, or more\nthan 3 medium findings; else it passes. "
    "--policy F changes these thresholds\n(an invalid F is refused with "
    "exit status 2 before anything starts).\nSIGINT/SIGTERM stop it "
    "cleanly; a restart resumes from its checkpoint.\n";

/* The thresholds: the defaults, or the policy file's. Returns -1 to go
 * on, else the exit status (the message printed). */
static int
load_policy(gate_cfg_t *cfg)
{
    sl_policy_defaults(&cfg->overrides);
    if (cfg->policy_file == NULL) {
        return -1;
    }
    sl_err_t err = {0};
    cfg->overrides_mask = ~(sl_policy_mask_t)0; /* until policy sets land */
    int rc = sl_policy_load(cfg->policy_file, &cfg->overrides, &err);
    if (rc != SL_OK) {
        fprintf(stderr, "sluice-gate: %s\n", sl_err_msg(&err, rc));
        return rc == SL_ENOMEM || rc == SL_ESYS ? 1 : 2;
    }
    return -1;
}

static int
serve(const gate_cfg_t *cfg)
{
    gate_t g;
    sl_err_t err = {0};
    int rc = gate_open(&g, cfg, &err);
    if (rc == SL_OK && cfg->ready_file != NULL) {
        const char *keys[] = {"collector", "subscribe", "state"};
        const char *vals[] = {cfg->collector, cfg->subscribe, cfg->state};
        rc = sl_ready_write(cfg->ready_file, keys, vals, 3, &err);
    }
    if (rc != SL_OK) {
        SL_ERROR("gate", "%s", sl_err_msg(&err, rc));
    } else {
        SL_INFO("gate", "following %s from LSN %llu", cfg->subscribe,
                (unsigned long long)g.last_lsn + 1);
        rc = gate_run(&g, (volatile int *)&sl_daemon_stop);
    }
    gate_close(&g);
    if (rc == SL_OK) {
        SL_INFO("gate", "stopped at LSN %llu",
                (unsigned long long)g.last_lsn);
    }
    return rc == SL_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
    gate_cfg_t cfg = {0};
    const sl_daemon_args_t args = {"sluice-gate", about, options, &cfg,
                                   &cfg.help, &cfg.log_level};
    int rc = sl_daemon_parse(&args, argc, argv);
    if (rc < 0) {
        rc = load_policy(&cfg); /* before any socket or the state */
    }
    if (rc >= 0) {
        return rc;
    }
    sl_daemon_signals();
    return serve(&cfg);
}
