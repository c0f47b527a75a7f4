/* sluice-collector: stores what agents send in an append-only LMDB log,
 * publishes it in log order and answers queries. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "sluice/daemon.h"
#include "sluice/log.h"
#include "sluice/opt.h"
#include "sluice/ready.h"

#define OPT(n, t, f, d, lo, hi, env, arg, help)                                \
    {n, t, offsetof(collector_cfg_t, f), d, lo, hi, env, arg, help, NULL}

static const sl_opt_t options[] = {
    OPT("data", SL_OPT_STR, data, "./sluice-data", 0, 0, "SLUICE_DATA", "DIR",
        "directory of the LMDB store (created if missing)"),
    OPT("listen", SL_OPT_STR, listen, "tcp://127.0.0.1:7730", 0, 0,
        "SLUICE_LISTEN", "E", "ROUTER endpoint for ingest and queries"),
    OPT("publish", SL_OPT_STR, publish, "tcp://127.0.0.1:7731", 0, 0,
        "SLUICE_PUBLISH", "E", "PUB endpoint for the event stream"),
    OPT("ready-file", SL_OPT_STR, ready_file, NULL, 0, 0, NULL, "F",
        "write the bound endpoints to F once listening"),
    OPT("map-size", SL_OPT_SIZE, map_size, "16G", 1u << 20, 1ull << 40,
        "SLUICE_MAP_SIZE", "SIZE",
        "largest the store may grow; past it batches are refused, not acked"),
    OPT("max-batches", SL_OPT_U64, max_batches, "256", 1, 65536, NULL, "N",
        "batches group-committed in one transaction at most"),
    OPT("retain-age", SL_OPT_DUR, retain_age_ms, "0", 0, 36500ull * 86400000,
        "SLUICE_RETAIN_AGE", "DUR",
        "prune judged runs finished DUR ago or more, e.g. 90d (0: off)"),
    OPT("retain-runs", SL_OPT_U64, retain_runs, "0", 0, 1u << 30,
        "SLUICE_RETAIN_RUNS", "N",
        "prune judged runs past the newest N of each project (0: off)"),
    OPT("retain-period", SL_OPT_DUR, retain_period, "10m", 1, 86400000, NULL,
        "D", "time between retention passes (short ones: for tests)"),
    OPT("allow-remote", SL_OPT_FLAG, allow_remote, NULL, 0, 0, NULL, NULL,
        "allow binding plain TCP beyond loopback"),
    OPT("log-level", SL_OPT_STR, log_level, "info", 0, 0, "SLUICE_LOG_LEVEL",
        "L", "error, warn, info or debug"),
    OPT("help", SL_OPT_FLAG, help, NULL, 0, 0, NULL, NULL,
        "show this help and exit"),
    {0},
};

static const char about[] =
    "Stores events from sluice agents and the gate in an "
    "append-only LMDB log,\npublishes them in log order and "
    "answers queries. SIGINT/SIGTERM stop it cleanly.\n"
    "'sluice backup DIR' makes it write a compacted copy of the store to\n"
    "DIR on this host while ingest goes on (docs/storage.md).\n"
    "With --retain-age or --retain-runs, a pass at start and every\n"
    "--retain-period rewrites the events of runs past the limits as smaller\n"
    "stubs: captured test output and per-file coverage are dropped, run\n"
    "summaries and verdicts kept, 'sluice verify' still passes\n"
    "(docs/storage.md, \"Retention\").\n";

static int
write_ready(collector_t *c)
{
    const char *keys[] = {"listen", "publish"};
    const char *vals[] = {zsock_endpoint(c->router), zsock_endpoint(c->pub)};
    sl_err_t err = {0};
    if (c->cfg->ready_file == NULL) {
        return SL_OK;
    }
    int rc = sl_ready_write(c->cfg->ready_file, keys, vals, 2, &err);
    if (rc != SL_OK) {
        SL_ERROR("collector", "%s", err.msg);
    }
    return rc;
}

static int
serve(const collector_cfg_t *cfg)
{
    collector_t c;
    sl_err_t err = {0};
    int rc = collector_open(&c, cfg, &err);
    if (rc != SL_OK) {
        SL_ERROR("collector", "%s", sl_err_msg(&err, rc));
    } else {
        rc = write_ready(&c);
    }
    if (rc == SL_OK) {
        SL_INFO("collector", "listening on %s, publishing on %s, data in %s",
                zsock_endpoint(c.router), zsock_endpoint(c.pub), cfg->data);
        rc = collector_run(&c, (volatile int *)&sl_daemon_stop);
    }
    collector_close(&c);
    if (rc == SL_OK) {
        SL_INFO("collector", "stopped");
    }
    return rc == SL_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
    collector_cfg_t cfg = {0};
    const sl_daemon_args_t args = {"sluice-collector", about, options, &cfg,
                                   &cfg.help, &cfg.log_level};
    int rc = sl_daemon_parse(&args, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    sl_daemon_signals();
    return serve(&cfg);
}
