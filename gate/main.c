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
        "judge with the policy file F (YAML, docs/policy.md), read once "
        "at start"),
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
    "Follows the collector's log and gives every finished run one verdict\n"
    "(pass, warn, fail or incomplete; docs/gate.md). A run is judged with\n"
    "the thresholds below: the built-in defaults, then the scopes of the\n"
    "policy file (--policy F, docs/policy.md) for its project and branch,\n"
    "then the threshold flags given. Without them a run fails on any failed\n"
    "or errored test (a flaky one warns), line coverage below 75% (when it\n"
    "has coverage), any critical or high finding, more than 3 medium\n"
    "findings, or a benchmark 20% worse than its baseline (10% warns): the\n"
    "mean of the last 10 finished runs of main, of the same runner class, up\n"
    "to the run's merge-base when it sent one, or the pinned run. A failed\n"
    "test on main or a critical finding fails a run early, before it\n"
    "finishes. Regressions, coverage drops, new high findings and change\n"
    "points on main raise alerts. An invalid F or flag is refused with exit\n"
    "status 2 before anything starts. SIGINT/SIGTERM stop it cleanly; a\n"
    "restart resumes from its checkpoint.\n";

/* The policy file, checked with the threshold flags (already taken out of
 * argv into cfg->overrides). Returns -1 to go on, else the exit status
 * (the message printed). */
static int
load_policy(gate_cfg_t *cfg)
{
    sl_err_t err = {0};
    int rc = SL_OK;
    if (cfg->policy_file != NULL) {
        rc = sl_policy_load_set(cfg->policy_file, &cfg->policy_set, &err);
    }
    if (rc == SL_OK) {
        rc = sl_policy_check_overrides(cfg->policy_set, &cfg->overrides,
                                       cfg->overrides_mask, &err);
    }
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

/* The command line: the threshold flags (the table of policy keys), then
 * the options. Returns -1 to start, else the exit status. */
static int
parse_args(gate_cfg_t *cfg, int argc, char **argv)
{
    const sl_daemon_args_t args = {"sluice-gate", about, options, cfg,
                                   &cfg->help, &cfg->log_level};
    sl_err_t err = {0};
    sl_policy_defaults(&cfg->overrides);
    if (sl_policy_take_flags(options, &cfg->overrides, &cfg->overrides_mask,
                             &argc, argv, &err) != SL_OK) {
        fprintf(stderr, "sluice-gate: %s (see --help)\n", err.msg);
        return 2;
    }
    int rc = sl_daemon_parse(&args, argc, argv);
    if (rc == 0 && cfg->help) {
        printf("\nthreshold flags (each overrides its key of the policy "
               "file and its scopes;\nsee docs/policy.md):\n");
        sl_policy_flags_help(stdout);
    }
    return rc < 0 ? load_policy(cfg) : rc; /* before any socket or state */
}

int
main(int argc, char **argv)
{
    gate_cfg_t cfg = {0};
    int rc = parse_args(&cfg, argc, argv);
    if (rc < 0) {
        sl_daemon_signals();
        rc = serve(&cfg);
    }
    sl_policy_set_free(&cfg.policy_set);
    return rc;
}
