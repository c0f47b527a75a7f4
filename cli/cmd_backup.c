/* sluice backup DIR [--json]: asks the collector for a compacted copy of
 * its live store in DIR, on the collector's host (docs/storage.md, "Backup
 * and restore"). Ingest goes on while the copy is made. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sluice/json.h"

typedef struct backup_cfg {
    cli_common_t common;
    int json;
} backup_cfg_t;

/* clang-format off */
/* The common options, but a copy of a large store takes longer than the
 * 5 s a query is given. */
static const sl_opt_t options[] = {
    {"collector", SL_OPT_STR, offsetof(backup_cfg_t, common.collector),
     CLI_DEFAULT_COLLECTOR, 0, 0, "SLUICE_COLLECTOR", "E",
     "the collector's query endpoint", NULL},
    {"timeout", SL_OPT_DUR, offsetof(backup_cfg_t, common.timeout_ms), "10m",
     1, 3600000, NULL, "DUR",
     "give up waiting for the copy after DUR (the collector still finishes "
     "it)", NULL},
    {"help", SL_OPT_FLAG, offsetof(backup_cfg_t, common.help), NULL, 0, 0,
     NULL, NULL, "show this help and exit", NULL},
    {"json", SL_OPT_FLAG, offsetof(backup_cfg_t, json), NULL, 0, 0, NULL,
     NULL, "print the backup's figures as a JSON object", NULL},
    {0},
};
/* clang-format on */

static const cli_usage_t backup_usage = {
    "backup",
    "[OPTION]... DIR",
    "Makes a consistent, compacted copy of the collector's live store in\n"
    "DIR (DIR/data.mdb) without stopping ingest. DIR is a path on the\n"
    "collector's host, written by the collector: it must be absolute and\n"
    "must not exist or be an empty directory (else exit 2, nothing\n"
    "written). Prints the copy's LSN range, runs and size. To restore:\n"
    "stop the collector and start it with --data DIR (docs/storage.md).\n",
    options,
    0,
};

static void
print_text(const Sluice__V1__BackupDone *d)
{
    printf("backup written to ");
    cli_put(stdout, d->dir, 0);
    printf(" (on the collector's host)\n"
           "log:   LSN %llu..%llu\n"
           "runs:  %llu\n"
           "bytes: %llu\n",
           (unsigned long long)d->first_lsn, (unsigned long long)d->head_lsn,
           (unsigned long long)d->runs, (unsigned long long)d->bytes);
}

static int
print_json(const Sluice__V1__BackupDone *d)
{
    char hex[2 * 16 + 1] = "";
    for (size_t i = 0; i < d->store_id.len && i < 16; i++) {
        (void)snprintf(hex + 2 * i, 3, "%02x", d->store_id.data[i]);
    }
    yajl_gen g = sl_json_new(0);
    if (g == NULL) {
        return SL_ENOMEM;
    }
    yajl_gen_map_open(g);
    sl_json_kstr(g, "dir", d->dir);
    sl_json_ku64(g, "first_lsn", d->first_lsn);
    sl_json_ku64(g, "head_lsn", d->head_lsn);
    sl_json_ku64(g, "runs", d->runs);
    sl_json_ku64(g, "bytes", d->bytes);
    sl_json_kstr(g, "store_id", hex);
    yajl_gen_map_close(g);
    int rc = sl_json_flush(g, stdout);
    yajl_gen_free(g);
    if (rc == SL_OK && putchar('\n') == EOF) {
        rc = SL_EIO;
    }
    return rc;
}

int
cli_cmd_backup(int argc, char **argv)
{
    backup_cfg_t cfg = {0};
    int nrest = 0;
    int st = cli_parse(&backup_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 1) {
        return cli_usage_error(&backup_usage, "one DIR expected");
    }
    const char *dir = argv[1];
    if (dir[0] != '/') {
        return cli_usage_error(&backup_usage,
                               "DIR must be an absolute path (it is a path "
                               "on the collector's host)");
    }
    sl_client_t *cl = NULL;
    st = cli_connect(&cfg.common, &cl);
    if (st != CLI_CONTINUE) {
        return st;
    }
    Sluice__V1__Backup q;
    sl_pb_request_t req;
    sluice__v1__backup__init(&q);
    sluice__v1__request__init(&req);
    q.dir = (char *)(uintptr_t)dir;
    req.kind_case = SLUICE__V1__REQUEST__KIND_BACKUP;
    req.backup = &q;
    sl_pb_reply_t *rep = NULL;
    sl_err_t err = {0};
    int rc = cli_call(cl, &cfg.common, &req,
                      SLUICE__V1__REPLY__KIND_BACKUP_DONE, &rep, &err);
    sl_client_destroy(&cl);
    if (rc != SL_OK) {
        return cli_fail(rc, &err);
    }
    if (cfg.json) {
        rc = print_json(rep->backup_done);
    } else {
        print_text(rep->backup_done);
    }
    sl_wire_free(&rep);
    if (rc != SL_OK) {
        fprintf(stderr, "sluice: cannot write the output\n");
        return CLI_EXIT_ERROR;
    }
    return cli_done(CLI_EXIT_OK);
}
