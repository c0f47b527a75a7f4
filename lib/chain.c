/* The log's hash chain (sluice/chain.h). */
#include "sluice/chain.h"

#include <string.h>

#include <sodium.h>

#include "sluice/store.h"

void
sl_chain_seed(uint8_t out[SL_CHAIN_LEN], const void *store_id, size_t len)
{
    (void)crypto_generichash(out, SL_CHAIN_LEN, store_id, len, NULL, 0);
}

void
sl_chain_next(uint8_t out[SL_CHAIN_LEN], const uint8_t prev[SL_CHAIN_LEN],
              uint64_t lsn, const void *ev, size_t len)
{
    crypto_generichash_state st;
    uint8_t key[8];
    sl_be64_put(key, lsn);
    (void)crypto_generichash_init(&st, NULL, 0, SL_CHAIN_LEN);
    (void)crypto_generichash_update(&st, prev, SL_CHAIN_LEN);
    (void)crypto_generichash_update(&st, key, sizeof key);
    (void)crypto_generichash_update(&st, ev, len);
    (void)crypto_generichash_final(&st, out, SL_CHAIN_LEN);
}

char *
sl_chain_hex(const uint8_t h[SL_CHAIN_LEN], char out[2 * SL_CHAIN_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < SL_CHAIN_LEN; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * SL_CHAIN_LEN] = '\0';
    return out;
}

void
sl_chain_walk_init(sl_chain_walk_t *w, const void *store_id, size_t len)
{
    memset(w, 0, sizeof *w);
    sl_chain_seed(w->seed, store_id, len);
    memcpy(w->prev, w->seed, SL_CHAIN_LEN);
}

void
sl_chain_walk_anchor(sl_chain_walk_t *w, uint64_t lsn, const void *stored,
                     size_t stored_len)
{
    w->last_lsn = lsn;
    w->chained = stored != NULL && stored_len == SL_CHAIN_LEN;
    memcpy(w->prev, w->chained ? stored : w->seed, SL_CHAIN_LEN);
}

sl_chain_verdict_t
sl_chain_walk_step(sl_chain_walk_t *w, uint64_t lsn, const void *ev,
                   size_t len, const void *stored, size_t stored_len,
                   uint8_t expected[SL_CHAIN_LEN])
{
    if (lsn != w->last_lsn + 1) {
        return SL_CHAIN_GAP;
    }
    if (stored_len == 0 && w->chained) {
        return SL_CHAIN_MISSING;
    }
    if (stored_len == 0) {
        w->unchained++; /* written before the chain: the seed stays */
    } else {
        sl_chain_next(expected, w->prev, lsn, ev, len);
        if (stored_len != SL_CHAIN_LEN ||
            sodium_memcmp(expected, stored, SL_CHAIN_LEN) != 0) {
            return SL_CHAIN_MISMATCH;
        }
        memcpy(w->prev, expected, SL_CHAIN_LEN);
        w->chained = 1;
        w->verified++;
        w->first_chained = w->first_chained ? w->first_chained : lsn;
    }
    w->first_lsn = w->first_lsn ? w->first_lsn : lsn;
    w->last_lsn = lsn;
    return SL_CHAIN_OK;
}
