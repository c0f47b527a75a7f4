/* sluice-gate internals.
 *
 * The gate is a consumer of the collector's log. It folds events into
 * per-run state kept in its own LMDB environment together with the last
 * LSN processed (one transaction per chunk, so a restart resumes exactly
 * where it stopped), judges a run when its finish event arrives, and sends
 * the verdict back as an event (stream SL_STREAM_VERDICT, seq 1: the
 * collector stores it once however often it is sent). A verdict is kept as
 * pending until the collector acknowledges it, and sent again after a
 * restart. */
#ifndef SLUICE_GATE_H
#define SLUICE_GATE_H

#include <stdint.h>

#include "sluice/client.h"
#include "sluice/policy.h"
#include "sluice/store.h"

enum {
    GDB_RUNS = 0,    /* run id -> packed RunRecord (the gate's fold) */
    GDB_META = 1,    /* "lsn" -> u64 BE: the last LSN processed;
                        "store" -> the id of the collector store followed */
    GDB_PENDING = 2, /* run id NUL stream(BE64) -> packed Batch not yet
                        acknowledged (verdict, early verdict, alerts) */
    GDB_BASE = 3,    /* project NUL branch NUL runner NUL finish LSN(BE64)
                        -> run id: the runs baselines are drawn from */
    GDB_COMMITS = 4, /* project NUL branch NUL runner NUL commit NUL ->
                        finish LSN(BE64) of its latest run */
    GDB_PINS = 5,    /* project NUL runner NUL -> the pinned run id */
    GDB_TESTS = 6,   /* project NUL test id NUL -> thist_t (gate_fold.c) */
    GDB_NOTES = 7,   /* run id NUL -> packed GateNotes */
    GDB_FP = 8,      /* run id NUL fingerprint NUL -> severity (1 byte) */
    GDB_CP = 9,      /* project NUL branch NUL benchmark NUL measure NUL
                        -> run id of the last change point reported */
};

typedef struct gate_cfg {
    const char *collector;
    const char *subscribe;
    const char *state;
    const char *ready_file;
    const char *policy_file; /* --policy (NULL: none) */
    const char *log_level;
    uint64_t timeout_ms;
    uint64_t map_size;
    int help;
    /* What runs are judged with (loaded once, in main): the policy file
     * (NULL: none) and the threshold flags given (mask: which). A run's
     * policy is sl_policy_resolve of them for its project and branch. */
    sl_policy_set_t *policy_set;
    sl_policy_t overrides;
    sl_policy_mask_t overrides_mask;
} gate_cfg_t;

struct gate;

/* A pending batch made by the fold under way, sent right after its
 * commit (the resend tick covers the rest). */
typedef struct gate_fresh {
    uint8_t *buf; /* packed Batch */
    size_t len;
    uint64_t stream;
} gate_fresh_t;

/* Replay and tests: told of every verdict (early ones too) and alert. */
typedef void (*gate_verdict_fn)(void *ctx, const sl_pb_run_t *r,
                                const sl_pb_verdict_t *v);
typedef void (*gate_alert_fn)(void *ctx, const sl_pb_run_t *r,
                              const Sluice__V1__Alert *a,
                              const sl_policy_t *p);

typedef struct gate {
    const gate_cfg_t *cfg;
    sl_store_t *store;
    zsock_t *sub;
    sl_client_t *query;  /* ReadLog requests (request/reply) */
    sl_client_t *sender; /* verdict batches (acks arrive asynchronously) */
    uint64_t last_lsn;   /* the checkpoint */
    uint8_t store_id[16]; /* the collector store followed (all 0: none yet) */
    int64_t last_resend_ms;
    uint64_t verdicts;   /* sent since start */
    gate_fresh_t *fresh; /* made by the last fold, not sent yet */
    size_t n_fresh;
    gate_verdict_fn on_verdict; /* NULL: none */
    gate_alert_fn on_alert;     /* NULL: none */
    void *cb_ctx;
    struct fold_cache *cache; /* the run being folded (gate_fold.c) */
    struct gate_alerts *alerts; /* webhook and command deliveries (live
                                   gate only; alert_out.h) */
} gate_t;

int gate_open(gate_t *g, const gate_cfg_t *cfg, sl_err_t *err) SL_NODISCARD;
/* Opens only the state (cfg->state): `sluice gate replay` folds the log
 * into a throwaway state with no sockets. */
int gate_open_state(gate_t *g, const gate_cfg_t *cfg, sl_err_t *err)
    SL_NODISCARD;
int gate_run(gate_t *g, volatile int *stop) SL_NODISCARD;
void gate_close(gate_t *g);

/* Folds the entries of chunk c that follow the checkpoint into the state
 * in one transaction and advances the checkpoint. *gap is set when an entry
 * past checkpoint + 1 shows that some were missed (the entries from there
 * on are left for a catch-up). */
int gate_fold(gate_t *g, const sl_pb_chunk_t *c, int *gap) SL_NODISCARD;
/* gate_fold of chunks c[0..n) in order, in one transaction (one synced
 * commit for all the live chunks that were waiting). */
int gate_fold_many(gate_t *g, const sl_pb_chunk_t *const *c, size_t n,
                   int *gap) SL_NODISCARD;

/* Checks that chunk c comes from the store the state follows (the first
 * chunk ever seen names it). SL_EPROTO, logged, for another store: its
 * LSNs mean nothing against this checkpoint. */
int gate_check_store(gate_t *g, const sl_pb_chunk_t *c) SL_NODISCARD;
/* Checks that the log of a ReadLog reply (its head_lsn is the log's head
 * when read; a live chunk's may be older) reaches the checkpoint.
 * SL_EPROTO, logged, when it ends before it: a store restored from an
 * older backup, whose new events the gate would skip. */
int gate_check_head(gate_t *g, const sl_pb_chunk_t *c) SL_NODISCARD;



/* Reads the checkpoint from the state. */
int gate_load_checkpoint(gate_t *g) SL_NODISCARD;

/* Sends every pending batch to the collector (start, resend tick). */
int gate_send_pending(gate_t *g) SL_NODISCARD;
/* Sends the batches the last fold made (g->fresh) and forgets them; drops
 * them unsent when sent is 0 (the fold did not commit). */
void gate_send_fresh(gate_t *g, int send);
/* Drops the pending send of (run_id, stream) once the collector holds
 * all of it (high_seq); alerts it stored just now (stored > 0) are then
 * delivered to their policy's webhook and command. */
int gate_ack(gate_t *g, const char *run_id, uint64_t stream,
             uint64_t high_seq, uint32_t stored) SL_NODISCARD;

/* Folds one event of the log at lsn into the state (gate_fold.c): the
 * run's record and notes, histories, indexes, pins; judges the run at its
 * finish. Errors are left in txn. */
void gate_fold_event(gate_t *g, sl_txn_t *txn, const sl_pb_event_t *ev,
                     uint64_t lsn);
/* The key of the pending send of (run_id, stream) in GDB_PENDING into
 * out; returns its length. */
#define GATE_KEY_MAX 512
size_t gate_pending_key(const char *run_id, uint64_t stream,
                        uint8_t out[GATE_KEY_MAX]);

/* Writes the run gate_fold_event keeps in memory into txn (txn NULL, or
 * failed: drops it). Called before each commit. */
void gate_fold_flush(gate_t *g, sl_txn_t *txn);
/* Drops the cache for good (gate_close). */
void gate_fold_close(gate_t *g);

#endif
