/* The tamper-evident chain over the collector's log (docs/storage.md, "The
 * chain"). Every stored event's LSN has a 32-byte hash
 *
 *   h(LSN) = BLAKE2b-256(h(LSN-1) || LSN as u64 BE || digest)
 *   digest = BLAKE2b-256(the log entry's bytes, exactly as stored)
 *
 * except for a retention stub (an Event with pruned set and a 32-byte
 * pruned_digest, docs/storage.md "Retention"), whose digest is its
 * pruned_digest: the digest of the record it replaced. The hash before
 * the first chained record is the seed, BLAKE2b-256 of the store id, so two
 * stores never share a chain. Changing, removing or reordering a record
 * changes every hash from it on.
 *
 * sl_chain_walk_t checks a sequence of (LSN, event bytes, stored hash) in
 * log order, as `sluice verify` reads it: the records of a store made before
 * the chain (no stored hash) are accepted only before the first chained
 * record; after that every record must carry its hash and LSNs must follow
 * one another. */
#ifndef SLUICE_CHAIN_H
#define SLUICE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#define SL_CHAIN_LEN 32

/* The hash before the first chained record of the store. */
void sl_chain_seed(uint8_t out[SL_CHAIN_LEN], const void *store_id,
                   size_t len);

/* Event field numbers the chain reads (proto/sluice.proto). */
#define SL_CHAIN_F_DIGEST 30 /* Event.pruned_digest */
#define SL_CHAIN_F_PRUNED 31 /* Event.pruned */

/* 1 when the bytes are a retention stub: their top-level fields parse as
 * protobuf, the last Event.pruned is true and the last pruned_digest is 32
 * bytes, copied into digest. 0 otherwise (digest untouched). */
int sl_chain_stub(const void *ev, size_t len, uint8_t digest[SL_CHAIN_LEN]);

/* The digest a record is chained by: its pruned_digest for a stub, else
 * BLAKE2b-256 of its bytes. */
void sl_chain_digest(uint8_t out[SL_CHAIN_LEN], const void *ev, size_t len);

/* h(lsn) from h(lsn - 1) and the record's digest. out may be prev. */
void sl_chain_link(uint8_t out[SL_CHAIN_LEN], const uint8_t prev[SL_CHAIN_LEN],
                   uint64_t lsn, const uint8_t digest[SL_CHAIN_LEN]);

/* h(lsn) from h(lsn - 1) (or the seed) and the stored event bytes
 * (sl_chain_digest, then sl_chain_link). out may be prev. */
void sl_chain_next(uint8_t out[SL_CHAIN_LEN], const uint8_t prev[SL_CHAIN_LEN],
                   uint64_t lsn, const void *ev, size_t len);

/* 64 lowercase hex digits and a NUL into out. Returns out. */
char *sl_chain_hex(const uint8_t h[SL_CHAIN_LEN], char out[2 * SL_CHAIN_LEN + 1]);

typedef enum sl_chain_verdict {
    SL_CHAIN_OK = 0,      /* the record matches (or is unchained, before
                             the chain starts) */
    SL_CHAIN_MISMATCH,    /* its stored hash is not the recomputed one */
    SL_CHAIN_GAP,         /* LSNs last_lsn+1 .. lsn-1 are missing */
    SL_CHAIN_MISSING,     /* no stored hash, after the chain started */
} sl_chain_verdict_t;

typedef struct sl_chain_walk {
    uint8_t seed[SL_CHAIN_LEN];
    uint8_t prev[SL_CHAIN_LEN];  /* h(last_lsn), or the seed */
    uint64_t last_lsn;           /* the last record taken (or anchored) */
    int chained;                 /* prev is a record's hash */
    uint64_t first_lsn;          /* first record stepped, 0 none */
    uint64_t first_chained;      /* first record with a hash, 0 none */
    uint64_t unchained;          /* records before the chain starts */
    uint64_t verified;           /* chained records that matched */
} sl_chain_walk_t;

/* Starts a walk of the store named by store_id, at LSN 1. */
void sl_chain_walk_init(sl_chain_walk_t *w, const void *store_id,
                        size_t len);

/* Starts the walk after record lsn (`verify --from lsn+1`), trusting its
 * stored hash: stored (SL_CHAIN_LEN bytes) or NULL when the record has
 * none or is absent (the next hash is then computed from the seed). */
void sl_chain_walk_anchor(sl_chain_walk_t *w, uint64_t lsn,
                          const void *stored, size_t stored_len);

/* Takes the next record. On SL_CHAIN_MISMATCH expected holds the
 * recomputed hash; on any verdict but SL_CHAIN_OK the walk is not
 * advanced. stored_len 0: the record has no hash. */
sl_chain_verdict_t sl_chain_walk_step(sl_chain_walk_t *w, uint64_t lsn,
                                      const void *ev, size_t len,
                                      const void *stored, size_t stored_len,
                                      uint8_t expected[SL_CHAIN_LEN]);

#endif
