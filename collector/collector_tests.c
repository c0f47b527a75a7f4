/* The `tests` index: one entry per stored TestCase event, keyed by project,
 * test id and LSN, so that one test's history is one range of keys read
 * backwards (docs/storage.md). */
#include "collector.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define VAL_HEAD 18 /* status, flags, time_us, time_s */
#define STR_MAX 255 /* bytes kept of branch and commit */

/* Appends s and a NUL at out[n]. A part over COLLECTOR_TKEY_PART bytes is
 * its first COLLECTOR_TKEY_PART - 33 bytes, '#' and the hex BLAKE2b-128 of
 * the whole, as the gate cuts its key parts (gate/gate_fold.c): the key
 * stays under LMDB's 511 bytes and distinct long ids stay distinct. */
static size_t
put_part(uint8_t *out, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (len <= COLLECTOR_TKEY_PART) {
        memcpy(out + n, s, len);
        out[n + len] = '\0';
        return n + len + 1;
    }
    uint8_t d[16];
    size_t keep = COLLECTOR_TKEY_PART - 33;
    (void)crypto_generichash(d, sizeof d, (const uint8_t *)s, len, NULL, 0);
    memcpy(out + n, s, keep);
    out[n + keep] = '#';
    for (size_t i = 0; i < sizeof d; i++) {
        char hex[3];
        (void)snprintf(hex, sizeof hex, "%02x", d[i]);
        memcpy(out + n + keep + 1 + 2 * i, hex, 2);
    }
    out[n + COLLECTOR_TKEY_PART] = '\0';
    return n + COLLECTOR_TKEY_PART + 1;
}

size_t
collector_test_prefix(uint8_t *out, const char *project, const char *test_id)
{
    return put_part(out, put_part(out, 0, project), test_id);
}

static size_t
put_str(uint8_t *out, const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    memcpy(out, s, len);
    out[len] = '\0';
    return len + 1;
}

void
collector_index_test(sl_txn_t *txn, const sl_pb_run_t *run,
                     const sl_pb_event_t *ev, uint64_t lsn, int64_t now_us)
{
    if (ev->body_case != SLUICE__V1__EVENT__BODY_TEST || txn->rc != SL_OK) {
        return;
    }
    const Sluice__V1__TestCase *tc = ev->test;
    const char *id = tc->id[0] != '\0' ? tc->id : tc->name;
    uint8_t key[COLLECTOR_TKEY_MAX];
    uint8_t val[VAL_HEAD + 3 * (STR_MAX + 1) + 2];
    size_t kn = collector_test_prefix(key, run->meta->project, id);
    sl_be64_put(key + kn, lsn);
    uint64_t bits;
    memcpy(&bits, &tc->time_s, sizeof bits);
    val[0] = (uint8_t)tc->status;
    val[1] = tc->flaky ? 1 : 0;
    sl_be64_put(val + 2, (uint64_t)now_us);
    sl_be64_put(val + 10, bits);
    size_t vn = VAL_HEAD;
    vn += put_str(val + vn, run->run_id, STR_MAX + 1);
    vn += put_str(val + vn, run->meta->branch, STR_MAX);
    vn += put_str(val + vn, run->meta->commit, STR_MAX);
    sl_val_t k = {key, kn + 8}, v = {val, vn};
    sl_store_put(txn, CDB_TESTS, &k, &v, 0);
}

/* The next NUL-terminated string of v from *pos, or NULL. */
static const char *
take_str(const sl_val_t *v, size_t *pos)
{
    const char *s = (const char *)v->data + *pos;
    const char *end = memchr(s, '\0', v->len - *pos);
    if (end == NULL) {
        return NULL;
    }
    *pos += (size_t)(end - s) + 1;
    return s;
}

int
collector_test_decode(const sl_val_t *v, collector_test_rec_t *out)
{
    const uint8_t *p = v->data;
    size_t pos = VAL_HEAD;
    if (v->len <= VAL_HEAD) {
        return SL_ESTORE;
    }
    uint64_t bits = sl_be64_get(p + 10);
    out->status = p[0];
    out->flaky = p[1] & 1;
    out->time_us = (int64_t)sl_be64_get(p + 2);
    memcpy(&out->time_s, &bits, sizeof bits);
    out->run_id = take_str(v, &pos);
    out->branch = out->run_id ? take_str(v, &pos) : NULL;
    out->commit = out->branch ? take_str(v, &pos) : NULL;
    return out->commit != NULL ? SL_OK : SL_ESTORE;
}
