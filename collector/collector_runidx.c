/* The `run_branch` index: one entry per run whose meta names both a project
 * and a branch, keyed project NUL branch NUL created_us (u64 BE) run id, so
 * that a branch's runs are one range of keys read backwards, newest first
 * (docs/storage.md). Parts are cut as the tests index cuts them
 * (collector_test_prefix). */
#include "collector.h"

#include <string.h>

#include "sluice/log.h"
#include "sluice/run.h"

#define BACKFILL_MARK "run_branch"

size_t
collector_run_branch_prefix(uint8_t *out, const char *project,
                            const char *branch)
{
    return collector_test_prefix(out, project, branch);
}

int
collector_run_branch_ready(const sl_pb_run_t *run)
{
    return run->meta != NULL && run->meta->project[0] != '\0' &&
           run->meta->branch[0] != '\0';
}

void
collector_index_run_branch(sl_txn_t *txn, const sl_pb_run_t *run)
{
    size_t idlen = strlen(run->run_id);
    if (txn->rc != SL_OK || !collector_run_branch_ready(run) ||
        idlen > COLLECTOR_RUN_ID_MAX) {
        return;
    }
    uint8_t key[COLLECTOR_RBKEY_MAX];
    size_t n = collector_run_branch_prefix(key, run->meta->project,
                                           run->meta->branch);
    sl_be64_put(key + n, (uint64_t)run->created_us);
    memcpy(key + n + 8, run->run_id, idlen);
    sl_val_t k = {key, n + 8 + idlen}, v = {"", 0};
    sl_store_put(txn, CDB_RUN_BRANCH, &k, &v, 0);
}

int
collector_run_branch_backfill(sl_store_t *s, sl_err_t *err)
{
    sl_txn_t txn;
    sl_cursor_t cur = {0};
    sl_val_t mk = {BACKFILL_MARK, strlen(BACKFILL_MARK)}, k, v;
    (void)sl_store_begin(s, &txn, SL_TXN_RW);
    if (sl_store_get(&txn, CDB_META, &mk, &v) == SL_OK) {
        sl_store_abort(&txn);
        return SL_OK; /* built with the store, or by an earlier open */
    }
    size_t runs = 0;
    int rc = txn.rc == SL_OK ? sl_cursor_open(&txn, CDB_RUNS, &cur) : txn.rc;
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_FIRST, NULL, &k, &v) : rc;
    while (rc == SL_OK && txn.rc == SL_OK) {
        sl_pb_run_t *run = NULL;
        if (sl_run_decode(v.data, v.len, &run, NULL) == SL_OK) {
            collector_index_run_branch(&txn, run);
            runs++;
        }
        sl_run_free(&run);
        rc = sl_cursor_next(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    if (rc != SL_ENOTFOUND && txn.rc == SL_OK) {
        txn.rc = rc;
    }
    sl_val_t mv = {"1", 1};
    sl_store_put(&txn, CDB_META, &mk, &mv, 0);
    rc = sl_store_commit(&txn);
    if (rc != SL_OK) {
        return sl_err_set(err, rc, "run_branch index: %s",
                          sl_err_msg(&txn.err, rc));
    }
    if (runs > 0) {
        SL_INFO("collector", "run_branch index built from %zu runs", runs);
    }
    return SL_OK;
}
