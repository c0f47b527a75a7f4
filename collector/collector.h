/* sluice-collector internals: the main thread owns the ROUTER (ingest and
 * queries) and answers queries; the writer thread owns the LMDB write
 * transactions and the PUB socket. They talk over an inproc PAIR pipe:
 *
 *   main -> writer   "B" identity batch*     a decoded batch (ownership
 *                                            passes to the writer)
 *   main -> writer   "$TERM"                 stop
 *   writer -> main   "A" identity reply      a reply to forward
 *   writer -> main   "V" run_id              a verdict was committed */
#ifndef SLUICE_COLLECTOR_H
#define SLUICE_COLLECTOR_H

#include <pthread.h>
#include <stdint.h>

#include <czmq.h>

#include "sluice/store.h"
#include "sluice/wire.h"

/* Databases of the collector's environment (see docs/storage.md). */
enum {
    CDB_LOG = 0,      /* LSN (u64 BE) -> packed Event */
    CDB_RUNS = 1,     /* run id -> packed RunRecord */
    CDB_RUN_TIME = 2, /* created_us (u64 BE) + run id -> "" */
    CDB_RUN_LOG = 3,  /* run id + NUL + first LSN (u64 BE) -> count (u32 BE) */
    CDB_META = 4,     /* "store_id" -> 16 random bytes made with the store */
    CDB_CHAIN = 5,    /* LSN (u64 BE) -> its 32-byte hash (sluice/chain.h) */
};

/* A batch on its way to the writer: decoded (in an arena) for checking and
 * folding, and located in its frame so each event is stored as it came. */
typedef struct collector_batch {
    sl_pb_request_t *req; /* lives in arena */
    sl_arena_t *arena;
    zframe_t *body;       /* the packed Request the ranges point into */
    sl_range_t *ranges;   /* one per event */
} collector_batch_t;

void collector_batch_free(collector_batch_t **bp);

typedef struct collector_cfg {
    const char *data;
    const char *listen;
    const char *publish;
    const char *ready_file;
    const char *log_level;
    uint64_t map_size;
    uint64_t max_batches; /* batches taken into one transaction at most */
    int allow_remote;
    int help;
} collector_cfg_t;

typedef struct collector {
    const collector_cfg_t *cfg;
    sl_store_t *store;
    zsock_t *router;
    zsock_t *pub;      /* used by the writer thread only */
    zsock_t *pipe_main;
    zsock_t *pipe_writer;
    pthread_t writer;
    int writer_started;
    zlist_t *waiters;  /* main thread: pending WaitVerdict requests */
    uint8_t store_id[16];
    volatile int *stop; /* collector_run's stop flag */
} collector_t;

/* Opens the store and binds every socket (ready file written by main). */
int collector_open(collector_t *c, const collector_cfg_t *cfg, sl_err_t *err)
    SL_NODISCARD;
/* Runs the main loop until *stop is set. */
int collector_run(collector_t *c, volatile int *stop) SL_NODISCARD;
void collector_close(collector_t *c);

/* Writer thread entry (arg: collector_t *). */
void *collector_writer_main(void *arg);

/* Answers a query request (list_runs, get_run, get_events, read_log) in
 * one read transaction and returns the packed Reply (an Error reply when
 * the query fails). NULL only on OOM. The caller owns the frame. */
zframe_t *collector_query(collector_t *c, const sl_pb_request_t *req);

/* A packed Reply carrying an Error. NULL on OOM. */
zframe_t *collector_error_frame(uint64_t id, int rc, const char *msg);

/* Packs a Reply carrying run (or the error rc when run is NULL). */
zframe_t *collector_run_frame(uint64_t id, const sl_pb_run_t *run, int rc);

/* Reads a run record; SL_ENOTFOUND when absent. */
int collector_load_run(sl_txn_t *txn, const char *run_id, sl_pb_run_t **out)
    SL_NODISCARD;

#endif
