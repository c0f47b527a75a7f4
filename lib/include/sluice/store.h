/* LMDB helpers, Knot style: a transaction lives on the caller's stack and
 * carries a sticky error. Every helper is a no-op once txn->rc is set, and
 * sl_store_commit then aborts and returns that error. MDB codes are
 * translated once, here (sl_rc_from_mdb).
 *
 *   sl_txn_t txn;
 *   sl_store_begin(s, &txn, SL_TXN_RW);
 *   sl_store_put(&txn, SL_DB(0), &k, &v, 0);
 *   return sl_store_commit(&txn);
 *
 * The store is opened durable: never MDB_WRITEMAP, MDB_NOSYNC,
 * MDB_NOMETASYNC or MDB_MAPASYNC. One write transaction at a time; readers
 * never block it. */
#ifndef SLUICE_STORE_H
#define SLUICE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/err.h"

typedef struct sl_store sl_store_t;

/* A borrowed byte range. Data read from the store is valid only until the
 * next update in the same transaction or its end: copy what you keep. */
typedef struct sl_val {
    const void *data;
    size_t len;
} sl_val_t;

enum { SL_TXN_RO = 0, SL_TXN_RW = 1 };
enum { SL_PUT_APPEND = 1, SL_PUT_NOOVERWRITE = 2 };
#define SL_STORE_MAX_DBS 16

typedef struct sl_txn {
    sl_store_t *store;
    void *txn; /* MDB_txn */
    int rc;
    sl_err_t err;
} sl_txn_t;

typedef struct sl_cursor {
    sl_txn_t *txn;
    void *cur; /* MDB_cursor */
} sl_cursor_t;

typedef struct sl_store_cfg {
    const char *dir;          /* created if missing */
    const char *const *dbs;   /* names of the databases, NULL-terminated */
    uint64_t map_size;        /* bytes; the store refuses writes past it */
} sl_store_cfg_t;

/* Opens (creating) the environment in cfg->dir, clears stale readers and
 * opens every named database. SL_ESTORE / SL_EIO with a message. */
int sl_store_open(sl_store_t **out, const sl_store_cfg_t *cfg, sl_err_t *err)
    SL_NODISCARD;
void sl_store_close(sl_store_t **sp);

/* Writes a compacted copy of the store (free pages left out) as
 * dir/data.mdb; dir must exist and hold no data.mdb. The copy is the state
 * of one read transaction, so writers are not blocked while it runs; the
 * caller fsyncs it. SL_EIO / SL_EFULL with a message. */
int sl_store_copy(sl_store_t *s, const char *dir, sl_err_t *err)
    SL_NODISCARD;

/* Translates an LMDB return code. */
int sl_rc_from_mdb(int mdb_rc);

/* Begins a transaction; on failure txn->rc is set (and returned). */
int sl_store_begin(sl_store_t *s, sl_txn_t *txn, int rw);
/* Commits (or aborts if txn->rc is set); returns the final rc. */
int sl_store_commit(sl_txn_t *txn) SL_NODISCARD;
void sl_store_abort(sl_txn_t *txn);

/* db is the index into cfg->dbs. */
void sl_store_put(sl_txn_t *txn, int db, const sl_val_t *key,
                  const sl_val_t *val, int flags);
/* SL_OK, SL_ENOTFOUND (txn->rc untouched), or the sticky error. */
int sl_store_get(sl_txn_t *txn, int db, const sl_val_t *key, sl_val_t *val);
void sl_store_del(sl_txn_t *txn, int db, const sl_val_t *key);

/* Cursors. seek positions at the first key >= key (key NULL: first;
 * SL_SEEK_LAST: the last). next/prev move. Each returns SL_OK with the
 * current pair, SL_ENOTFOUND past the end, or an error. */
enum { SL_SEEK_GE = 0, SL_SEEK_LAST = 1, SL_SEEK_FIRST = 2 };
int sl_cursor_open(sl_txn_t *txn, int db, sl_cursor_t *c);
void sl_cursor_close(sl_cursor_t *c);
int sl_cursor_seek(sl_cursor_t *c, int how, const sl_val_t *key, sl_val_t *k,
                   sl_val_t *v);
int sl_cursor_next(sl_cursor_t *c, sl_val_t *k, sl_val_t *v);
int sl_cursor_prev(sl_cursor_t *c, sl_val_t *k, sl_val_t *v);

/* Big-endian u64 keys sort numerically. */
void sl_be64_put(uint8_t out[8], uint64_t v);
uint64_t sl_be64_get(const void *p);

#endif
