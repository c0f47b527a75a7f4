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
    CDB_TESTS = 5,    /* project NUL test id NUL LSN (u64 BE) -> result */
    CDB_CHAIN = 6,    /* LSN (u64 BE) -> its 32-byte hash (sluice/chain.h) */
    CDB_RUN_BRANCH = 7, /* project NUL branch NUL created_us (u64 BE) run id
                           -> "" (collector_runidx.c) */
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
    uint64_t retain_age_ms; /* prune judged runs finished this long ago */
    uint64_t retain_runs;   /* prune judged runs past the newest N of their
                               project (0 and 0: retention off) */
    uint64_t retain_period; /* ms between retention passes */
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
    struct collector_backup *backup; /* the backup running, if any */
} collector_t;

typedef struct collector_backup collector_backup_t;

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

/* Backup (collector_backup.c). Starts the copy req->backup asks for in a
 * worker thread and takes *identity for its reply: NULL then. A refusal
 * (another backup running, a DIR that is empty or too long) is returned
 * at once as an Error reply, *identity untouched. */
zframe_t *collector_backup_start(collector_t *c, zframe_t **identity,
                                 const sl_pb_request_t *req);
/* The finished backup's reply, with *identity set to its client (both the
 * caller's); NULL while none has finished. wait: wait for the running one
 * (at close). */
zframe_t *collector_backup_poll(collector_t *c, zframe_t **identity,
                                int wait);

/* A packed Reply carrying an Error. NULL on OOM. */
zframe_t *collector_error_frame(uint64_t id, int rc, const char *msg);

/* Packs a Reply carrying run (or the error rc when run is NULL). */
zframe_t *collector_run_frame(uint64_t id, const sl_pb_run_t *run, int rc);

/* Reads a run record; SL_ENOTFOUND when absent. */
int collector_load_run(sl_txn_t *txn, const char *run_id, sl_pb_run_t **out)
    SL_NODISCARD;

/* ---- retention (collector_retain.c, docs/storage.md "Retention") ---- */

typedef struct collector_retain collector_retain_t;

/* The writer's retention state; NULL when retention is off (or OOM). The
 * first pass is due at once. */
collector_retain_t *collector_retain_new(collector_t *c);
void collector_retain_free(collector_retain_t **rp);
/* ms until a retention step is due: 0 now (a pass is under way or due),
 * -1 never (r NULL). */
long collector_retain_wait(const collector_retain_t *r, int64_t now_us);
/* One small transaction of the pass (starting one if none is under way):
 * at most a few hundred records rewritten. */
void collector_retain_step(collector_retain_t *r, int64_t now_us);

/* ---- the tests index (collector_tests.c, docs/storage.md) ---- */

#define COLLECTOR_TKEY_PART 96 /* bytes of a key part (longer: hashed) */
#define COLLECTOR_TKEY_MAX (2 * (COLLECTOR_TKEY_PART + 1) + 8)

/* A result as the index holds it; the strings point into the value and are
 * valid as long as it is (LMDB: until the transaction ends). */
typedef struct collector_test_rec {
    int status;      /* Sluice__V1__TestStatus */
    int flaky;
    int64_t time_us; /* when stored */
    double time_s;
    const char *run_id, *branch, *commit;
} collector_test_rec_t;

/* Writes project NUL test_id NUL into out (COLLECTOR_TKEY_MAX bytes, the
 * last 8 left for the LSN), long parts hashed. Returns its length. */
size_t collector_test_prefix(uint8_t *out, const char *project,
                             const char *test_id);
/* Indexes ev, stored at lsn for run, when it is a TestCase (else nothing).
 * Errors stick in txn. */
void collector_index_test(sl_txn_t *txn, const sl_pb_run_t *run,
                          const sl_pb_event_t *ev, uint64_t lsn,
                          int64_t now_us);
/* Reads an index value; SL_ESTORE when it is malformed. */
int collector_test_decode(const sl_val_t *v, collector_test_rec_t *out)
    SL_NODISCARD;

/* ---- the run_branch index (collector_runidx.c, docs/storage.md) ---- */

#define COLLECTOR_RUN_ID_MAX 256 /* the writer refuses longer run ids */
#define COLLECTOR_RBKEY_MAX (COLLECTOR_TKEY_MAX + COLLECTOR_RUN_ID_MAX)

/* Writes project NUL branch NUL into out (COLLECTOR_RBKEY_MAX bytes), long
 * parts hashed as in the tests index. Returns its length. */
size_t collector_run_branch_prefix(uint8_t *out, const char *project,
                                   const char *branch);
/* Whether run's meta names both a project and a branch (it has an entry). */
int collector_run_branch_ready(const sl_pb_run_t *run);
/* Puts run's entry (nothing when not ready). Errors stick in txn. */
void collector_index_run_branch(sl_txn_t *txn, const sl_pb_run_t *run);
/* Fills the index from the run records once, for a store made before it
 * existed (a mark in `meta` says it is done). */
int collector_run_branch_backfill(sl_store_t *s, sl_err_t *err)
    SL_NODISCARD;

#endif
