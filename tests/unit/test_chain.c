/* The log's hash chain (lib/chain.c): known vectors computed independently
 * (Python hashlib.blake2b, digest_size=32), order and every input
 * mattering, and the walk `sluice verify` does: matches, a changed record,
 * a missing LSN, a missing hash after the chain started, records from
 * before the chain, and --from's anchor; retention stubs chained by their
 * pruned_digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sluice/chain.h"

static const uint8_t store_id[16] = {0, 1, 2,  3,  4,  5,  6,  7,
                                     8, 9, 10, 11, 12, 13, 14, 15};

static const char *
hex(const uint8_t h[SL_CHAIN_LEN])
{
    static char buf[2 * SL_CHAIN_LEN + 1];
    return sl_chain_hex(h, buf);
}

static void
test_vectors(void **state)
{
    (void)state;
    uint8_t seed[SL_CHAIN_LEN], h1[SL_CHAIN_LEN], h2[SL_CHAIN_LEN];
    sl_chain_seed(seed, store_id, sizeof store_id);
    assert_string_equal(hex(seed), "c7cb5d1a1a214f1d833a21fe6c7b2420"
                                   "e417c2f220784cbe90072975131bc367");
    sl_chain_next(h1, seed, 1, "abc", 3);
    assert_string_equal(hex(h1), "8d0a8bf7f8eb67f812b65ba1701d7643"
                                 "b9f744f23a461988040ba1baa0618882");
    sl_chain_next(h2, h1, 2, "", 0);
    assert_string_equal(hex(h2), "e6aaa52e809431c77068b4912b8dc338"
                                 "b7b0e7affe1819a3661220b7252996b9");
    /* out may be prev */
    memcpy(h2, seed, sizeof h2);
    sl_chain_next(h2, h2, 1, "abc", 3);
    assert_memory_equal(h2, h1, SL_CHAIN_LEN);
}

/* Each of the previous hash, the LSN and the bytes changes the hash, and
 * so does the order of two records. */
static void
test_inputs_matter(void **state)
{
    (void)state;
    uint8_t seed[SL_CHAIN_LEN], a[SL_CHAIN_LEN], b[SL_CHAIN_LEN];
    uint8_t ab[SL_CHAIN_LEN], ba[SL_CHAIN_LEN];
    sl_chain_seed(seed, store_id, sizeof store_id);
    sl_chain_next(a, seed, 1, "abc", 3);
    sl_chain_next(b, seed, 2, "abc", 3);
    assert_memory_not_equal(a, b, SL_CHAIN_LEN);
    sl_chain_next(b, seed, 1, "abd", 3);
    assert_memory_not_equal(a, b, SL_CHAIN_LEN);
    sl_chain_next(b, a, 1, "abc", 3);
    assert_memory_not_equal(a, b, SL_CHAIN_LEN);
    sl_chain_next(ab, a, 2, "xyz", 3); /* abc then xyz */
    sl_chain_next(b, seed, 1, "xyz", 3);
    sl_chain_next(ba, b, 2, "abc", 3); /* xyz then abc */
    assert_memory_not_equal(ab, ba, SL_CHAIN_LEN);
    uint8_t other[16] = {1};
    sl_chain_seed(b, other, sizeof other);
    assert_memory_not_equal(seed, b, SL_CHAIN_LEN);
}

/* A log of n records "rec-<lsn>", chained from lsn first on (records
 * before first have no hash). */
#define N 8
typedef struct log {
    char ev[N + 1][16];
    uint8_t h[N + 1][SL_CHAIN_LEN];
    size_t hlen[N + 1];
} log_t;

static void
make_log(log_t *l, uint64_t first)
{
    uint8_t prev[SL_CHAIN_LEN];
    sl_chain_seed(prev, store_id, sizeof store_id);
    for (uint64_t i = 1; i <= N; i++) {
        (void)snprintf(l->ev[i], sizeof l->ev[i], "rec-%llu",
                       (unsigned long long)i);
        l->hlen[i] = i >= first ? SL_CHAIN_LEN : 0;
        if (i >= first) {
            sl_chain_next(l->h[i], prev, i, l->ev[i], strlen(l->ev[i]));
            memcpy(prev, l->h[i], SL_CHAIN_LEN);
        }
    }
}

static sl_chain_verdict_t
step(sl_chain_walk_t *w, const log_t *l, uint64_t i, uint8_t *exp)
{
    return sl_chain_walk_step(w, i, l->ev[i], strlen(l->ev[i]),
                              l->hlen[i] ? l->h[i] : NULL, l->hlen[i], exp);
}

static void
test_walk(void **state)
{
    (void)state;
    log_t l;
    uint8_t exp[SL_CHAIN_LEN];
    sl_chain_walk_t w;
    make_log(&l, 1);
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    for (uint64_t i = 1; i <= N; i++) {
        assert_int_equal(step(&w, &l, i, exp), SL_CHAIN_OK);
    }
    assert_int_equal(w.verified, N);
    assert_int_equal(w.first_chained, 1);
    assert_memory_equal(w.prev, l.h[N], SL_CHAIN_LEN);

    /* one byte of record 5 changed: 1..4 match, 5 does not */
    l.ev[5][0] = 'R';
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    for (uint64_t i = 1; i <= 4; i++) {
        assert_int_equal(step(&w, &l, i, exp), SL_CHAIN_OK);
    }
    assert_int_equal(step(&w, &l, 5, exp), SL_CHAIN_MISMATCH);
    assert_memory_not_equal(exp, l.h[5], SL_CHAIN_LEN);
    assert_int_equal(w.last_lsn, 4); /* not advanced */
    /* --from 6 trusts the stored h(5) and passes */
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    sl_chain_walk_anchor(&w, 5, l.h[5], SL_CHAIN_LEN);
    for (uint64_t i = 6; i <= N; i++) {
        assert_int_equal(step(&w, &l, i, exp), SL_CHAIN_OK);
    }
    assert_int_equal(w.verified, N - 5);
    /* a record missing: 3 after 1 */
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    assert_int_equal(step(&w, &l, 1, exp), SL_CHAIN_OK);
    assert_int_equal(step(&w, &l, 3, exp), SL_CHAIN_GAP);
    /* a stored hash of the wrong length */
    l.hlen[2] = 31;
    assert_int_equal(step(&w, &l, 2, exp), SL_CHAIN_MISMATCH);
    /* the walk from 1 must start at LSN 1 */
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    assert_int_equal(step(&w, &l, 2, exp), SL_CHAIN_GAP);
}

/* A store from before the chain: records 1..3 without hashes, the chain
 * from the seed at 4. A hash missing after that is a failure. */
static void
test_walk_upgrade(void **state)
{
    (void)state;
    log_t l;
    uint8_t exp[SL_CHAIN_LEN];
    sl_chain_walk_t w;
    make_log(&l, 4);
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    for (uint64_t i = 1; i <= N; i++) {
        assert_int_equal(step(&w, &l, i, exp), SL_CHAIN_OK);
    }
    assert_int_equal(w.unchained, 3);
    assert_int_equal(w.verified, N - 3);
    assert_int_equal(w.first_chained, 4);
    assert_int_equal(w.first_lsn, 1);
    /* --from 4: record 3 has no hash, so 4 is computed from the seed */
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    sl_chain_walk_anchor(&w, 3, NULL, 0);
    assert_int_equal(step(&w, &l, 4, exp), SL_CHAIN_OK);
    /* the hash of 6 removed: a failure once the chain started */
    l.hlen[6] = 0;
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    for (uint64_t i = 1; i <= 5; i++) {
        assert_int_equal(step(&w, &l, i, exp), SL_CHAIN_OK);
    }
    assert_int_equal(step(&w, &l, 6, exp), SL_CHAIN_MISSING);
    /* a chain from another store's seed does not match */
    uint8_t other[16] = {9};
    sl_chain_walk_init(&w, other, sizeof other);
    assert_int_equal(step(&w, &l, 1, exp), SL_CHAIN_OK); /* unchained */
    assert_int_equal(step(&w, &l, 2, exp), SL_CHAIN_OK);
    assert_int_equal(step(&w, &l, 3, exp), SL_CHAIN_OK);
    assert_int_equal(step(&w, &l, 4, exp), SL_CHAIN_MISMATCH);
}

/* A stub: seq 7 (field 3), pruned_digest (30) = BLAKE2b-256("original"),
 * pruned (31) = 1; vector from Python hashlib.blake2b(digest_size=32). */
static const uint8_t orig_digest[SL_CHAIN_LEN] = {
    0x3b, 0x22, 0x67, 0xb5, 0x50, 0x61, 0x22, 0x2a, 0x7e, 0x5a, 0xc1,
    0xcc, 0x10, 0x69, 0xd6, 0xe8, 0xf7, 0x73, 0x67, 0xa4, 0xe1, 0x5a,
    0x27, 0x0f, 0x4b, 0xe3, 0x03, 0x1d, 0x5b, 0x94, 0x33, 0xe3};

static size_t
make_stub(uint8_t *out, const uint8_t digest[SL_CHAIN_LEN], int pruned)
{
    size_t n = 0;
    out[n++] = 0x18;
    out[n++] = 7;
    out[n++] = 0xf2;
    out[n++] = 0x01;
    out[n++] = SL_CHAIN_LEN;
    memcpy(out + n, digest, SL_CHAIN_LEN);
    n += SL_CHAIN_LEN;
    out[n++] = 0xf8;
    out[n++] = 0x01;
    out[n++] = (uint8_t)pruned;
    return n;
}

/* A stub is chained by the digest of the record it replaced, so the chain
 * of the original verifies over the stub; a stub whose digest changed, a
 * record with a digest but not pruned, or a malformed one is hashed as
 * bytes and breaks the chain at its LSN. */
static void
test_stub(void **state)
{
    (void)state;
    uint8_t seed[SL_CHAIN_LEN], h1[SL_CHAIN_LEN], h2[SL_CHAIN_LEN];
    uint8_t h3[SL_CHAIN_LEN], d[SL_CHAIN_LEN], exp[SL_CHAIN_LEN];
    uint8_t stub[64];
    sl_chain_seed(seed, store_id, sizeof store_id);
    sl_chain_next(h1, seed, 1, "abc", 3);
    sl_chain_next(h2, h1, 2, "", 0);
    sl_chain_next(h3, h2, 3, "original", 8);
    assert_string_equal(hex(h3), "bed80b859ddc48d55e36c49dc35f7fe4"
                                 "2d3e03b8fcc66b66d07469aca78d0195");
    size_t n = make_stub(stub, orig_digest, 1);
    assert_int_equal(sl_chain_stub(stub, n, d), 1);
    assert_memory_equal(d, orig_digest, SL_CHAIN_LEN);
    sl_chain_next(exp, h2, 3, stub, n);
    assert_memory_equal(exp, h3, SL_CHAIN_LEN);

    sl_chain_walk_t w;
    sl_chain_walk_init(&w, store_id, sizeof store_id);
    assert_int_equal(sl_chain_walk_step(&w, 1, "abc", 3, h1, SL_CHAIN_LEN,
                                        exp), SL_CHAIN_OK);
    assert_int_equal(sl_chain_walk_step(&w, 2, "", 0, h2, SL_CHAIN_LEN, exp),
                     SL_CHAIN_OK);
    sl_chain_walk_t w2 = w;
    assert_int_equal(sl_chain_walk_step(&w, 3, stub, n, h3, SL_CHAIN_LEN,
                                        exp), SL_CHAIN_OK);
    assert_int_equal(w.verified, 3);

    /* the digest altered: a mismatch at LSN 3 */
    stub[10] ^= 1;
    assert_int_equal(sl_chain_walk_step(&w2, 3, stub, n, h3, SL_CHAIN_LEN,
                                        exp), SL_CHAIN_MISMATCH);
    stub[10] ^= 1;
    /* pruned false: hashed as bytes */
    n = make_stub(stub, orig_digest, 0);
    assert_int_equal(sl_chain_stub(stub, n, d), 0);
    assert_int_equal(sl_chain_walk_step(&w2, 3, stub, n, h3, SL_CHAIN_LEN,
                                        exp), SL_CHAIN_MISMATCH);
    /* cut short, or a digest of another length: not a stub */
    n = make_stub(stub, orig_digest, 1);
    assert_int_equal(sl_chain_stub(stub, n - 1, d), 0);
    stub[4] = SL_CHAIN_LEN - 1;
    assert_int_equal(sl_chain_stub(stub, n - 1, d), 0);
    assert_int_equal(sl_chain_stub("", 0, d), 0);
    const uint8_t bad[] = {0x0f}; /* wire type 7 */
    assert_int_equal(sl_chain_stub(bad, sizeof bad, d), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_inputs_matter),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_walk_upgrade),
        cmocka_unit_test(test_stub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
