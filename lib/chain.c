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

/* Reads a varint at *p (< end). Returns 0 when it is cut short or longer
 * than 10 bytes. */
static int
varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *out = v;
            return 1;
        }
    }
    return 0;
}

int
sl_chain_stub(const void *ev, size_t len, uint8_t digest[SL_CHAIN_LEN])
{
    const uint8_t *p = ev, *end = p + len, *dig = NULL;
    uint64_t pruned = 0, tag, v;
    while (p < end) {
        if (!varint(&p, end, &tag)) {
            return 0;
        }
        switch (tag & 7) {
        case 0:
            if (!varint(&p, end, &v)) {
                return 0;
            }
            pruned = tag >> 3 == SL_CHAIN_F_PRUNED ? v : pruned;
            break;
        case 1:
        case 5:
            if ((size_t)(end - p) < ((tag & 7) == 1 ? 8u : 4u)) {
                return 0;
            }
            p += (tag & 7) == 1 ? 8 : 4;
            break;
        case 2:
            if (!varint(&p, end, &v) || v > (uint64_t)(end - p)) {
                return 0;
            }
            if (tag >> 3 == SL_CHAIN_F_DIGEST) {
                dig = v == SL_CHAIN_LEN ? p : NULL; /* the last one wins */
            }
            p += v;
            break;
        default:
            return 0;
        }
    }
    if (pruned == 0 || dig == NULL) {
        return 0;
    }
    memcpy(digest, dig, SL_CHAIN_LEN);
    return 1;
}

void
sl_chain_digest(uint8_t out[SL_CHAIN_LEN], const void *ev, size_t len)
{
    if (!sl_chain_stub(ev, len, out)) {
        (void)crypto_generichash(out, SL_CHAIN_LEN, ev, len, NULL, 0);
    }
}

void
sl_chain_link(uint8_t out[SL_CHAIN_LEN], const uint8_t prev[SL_CHAIN_LEN],
              uint64_t lsn, const uint8_t digest[SL_CHAIN_LEN])
{
    crypto_generichash_state st;
    uint8_t key[8];
    sl_be64_put(key, lsn);
    (void)crypto_generichash_init(&st, NULL, 0, SL_CHAIN_LEN);
    (void)crypto_generichash_update(&st, prev, SL_CHAIN_LEN);
    (void)crypto_generichash_update(&st, key, sizeof key);
    (void)crypto_generichash_update(&st, digest, SL_CHAIN_LEN);
    (void)crypto_generichash_final(&st, out, SL_CHAIN_LEN);
}

void
sl_chain_next(uint8_t out[SL_CHAIN_LEN], const uint8_t prev[SL_CHAIN_LEN],
              uint64_t lsn, const void *ev, size_t len)
{
    uint8_t d[SL_CHAIN_LEN];
    sl_chain_digest(d, ev, len);
    sl_chain_link(out, prev, lsn, d);
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
