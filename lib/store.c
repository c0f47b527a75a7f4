#include "sluice/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

struct sl_store {
    MDB_env *env;
    MDB_dbi dbi[SL_STORE_MAX_DBS];
    int ndbi;
};

int
sl_rc_from_mdb(int mdb_rc)
{
    switch (mdb_rc) {
    case MDB_SUCCESS:
        return SL_OK;
    case MDB_NOTFOUND:
        return SL_ENOTFOUND;
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
        return SL_EFULL;
    case ENOMEM:
        return SL_ENOMEM;
    case ENOSPC:
        return SL_EFULL;
    case EIO:
        return SL_EIO;
    default:
        return SL_ESTORE;
    }
}

static int
txn_fail(sl_txn_t *txn, int mdb_rc, const char *what)
{
    if (txn->rc == SL_OK) {
        txn->rc = sl_rc_from_mdb(mdb_rc);
        (void)sl_err_set(&txn->err, txn->rc, "%s: %s", what,
                         mdb_strerror(mdb_rc));
    }
    return txn->rc;
}

static int
open_dbs(sl_store_t *s, const char *const *dbs, sl_err_t *err)
{
    MDB_txn *t;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &t);
    for (int i = 0; mrc == 0 && dbs[i] != NULL; i++) {
        if (i >= SL_STORE_MAX_DBS) {
            mdb_txn_abort(t);
            return sl_err_set(err, SL_EINVAL, "too many databases");
        }
        mrc = mdb_dbi_open(t, dbs[i], MDB_CREATE, &s->dbi[i]);
        s->ndbi = i + 1;
    }
    if (mrc == 0) {
        mrc = mdb_txn_commit(t);
    } else {
        mdb_txn_abort(t);
    }
    if (mrc != 0) {
        return sl_err_set(err, sl_rc_from_mdb(mrc), "open databases: %s",
                          mdb_strerror(mrc));
    }
    return SL_OK;
}

static int
open_env(sl_store_t *s, const sl_store_cfg_t *cfg, sl_err_t *err)
{
    int mrc = mdb_env_create(&s->env);
    if (mrc == 0) {
        mrc = mdb_env_set_maxdbs(s->env, SL_STORE_MAX_DBS);
    }
    if (mrc == 0) {
        mrc = mdb_env_set_mapsize(s->env, (size_t)cfg->map_size);
    }
    if (mrc == 0) {
        mrc = mdb_env_set_maxreaders(s->env, 126);
    }
    if (mrc == 0) {
        /* Durable: no WRITEMAP (SIGBUS on a full disk), no *SYNC flags.
         * NOTLS: a read transaction is not tied to its thread's reader
         * slot, so the collector's main thread can hold one per query while
         * its writer thread writes. */
        mrc = mdb_env_open(s->env, cfg->dir, MDB_NOTLS, 0644);
    }
    if (mrc != 0) {
        return sl_err_set(err, sl_rc_from_mdb(mrc), "%s: %s", cfg->dir,
                          mdb_strerror(mrc));
    }
    int dead = 0;
    mrc = mdb_reader_check(s->env, &dead);
    if (mrc != 0) {
        return sl_err_set(err, SL_ESTORE, "%s: reader check: %s", cfg->dir,
                          mdb_strerror(mrc));
    }
    return SL_OK;
}

int
sl_store_open(sl_store_t **out, const sl_store_cfg_t *cfg, sl_err_t *err)
{
    *out = NULL;
    if (mkdir(cfg->dir, 0755) != 0 && errno != EEXIST) {
        return sl_err_set(err, SL_EIO, "%s: %s", cfg->dir, strerror(errno));
    }
    sl_store_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return sl_err_set(err, SL_ENOMEM, "store: out of memory");
    }
    int rc = open_env(s, cfg, err);
    if (rc == SL_OK) {
        rc = open_dbs(s, cfg->dbs, err);
    }
    if (rc != SL_OK) {
        sl_store_close(&s);
        return rc;
    }
    *out = s;
    return SL_OK;
}

int
sl_store_copy(sl_store_t *s, const char *dir, sl_err_t *err)
{
    /* LMDB copies from a read transaction of its own: writers go on. */
    int mrc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
    if (mrc != 0) {
        return sl_err_set(err, mrc == ENOSPC ? SL_EFULL : SL_EIO,
                          "copy to %s: %s", dir, mdb_strerror(mrc));
    }
    return SL_OK;
}

void
sl_store_close(sl_store_t **sp)
{
    if (sp == NULL || *sp == NULL) {
        return;
    }
    if ((*sp)->env != NULL) {
        mdb_env_close((*sp)->env);
    }
    free(*sp);
    *sp = NULL;
}

int
sl_store_begin(sl_store_t *s, sl_txn_t *txn, int rw)
{
    memset(txn, 0, sizeof *txn);
    txn->store = s;
    MDB_txn *t = NULL;
    int mrc = mdb_txn_begin(s->env, NULL, rw ? 0 : MDB_RDONLY, &t);
    if (mrc != 0) {
        return txn_fail(txn, mrc, "begin");
    }
    txn->txn = t;
    return SL_OK;
}

int
sl_store_commit(sl_txn_t *txn)
{
    if (txn->txn == NULL) {
        return txn->rc;
    }
    if (txn->rc != SL_OK) {
        sl_store_abort(txn);
        return txn->rc;
    }
    int mrc = mdb_txn_commit(txn->txn);
    txn->txn = NULL;
    if (mrc != 0) {
        return txn_fail(txn, mrc, "commit");
    }
    return SL_OK;
}

void
sl_store_abort(sl_txn_t *txn)
{
    if (txn->txn != NULL) {
        mdb_txn_abort(txn->txn);
        txn->txn = NULL;
    }
}

static MDB_dbi
dbi_of(sl_txn_t *txn, int db)
{
    return txn->store->dbi[db];
}

void
sl_store_put(sl_txn_t *txn, int db, const sl_val_t *key, const sl_val_t *val,
             int flags)
{
    if (txn->rc != SL_OK) {
        return;
    }
    MDB_val k = {key->len, (void *)(uintptr_t)key->data};
    MDB_val v = {val->len, (void *)(uintptr_t)val->data};
    unsigned mf = 0;
    mf |= (flags & SL_PUT_APPEND) ? MDB_APPEND : 0;
    mf |= (flags & SL_PUT_NOOVERWRITE) ? MDB_NOOVERWRITE : 0;
    int mrc = mdb_put(txn->txn, dbi_of(txn, db), &k, &v, mf);
    if (mrc != 0) {
        (void)txn_fail(txn, mrc, "put");
    }
}

int
sl_store_get(sl_txn_t *txn, int db, const sl_val_t *key, sl_val_t *val)
{
    if (txn->rc != SL_OK) {
        return txn->rc;
    }
    MDB_val k = {key->len, (void *)(uintptr_t)key->data};
    MDB_val v;
    int mrc = mdb_get(txn->txn, dbi_of(txn, db), &k, &v);
    if (mrc == MDB_NOTFOUND) {
        return SL_ENOTFOUND;
    }
    if (mrc != 0) {
        return txn_fail(txn, mrc, "get");
    }
    val->data = v.mv_data;
    val->len = v.mv_size;
    return SL_OK;
}

void
sl_store_del(sl_txn_t *txn, int db, const sl_val_t *key)
{
    if (txn->rc != SL_OK) {
        return;
    }
    MDB_val k = {key->len, (void *)(uintptr_t)key->data};
    int mrc = mdb_del(txn->txn, dbi_of(txn, db), &k, NULL);
    if (mrc != 0 && mrc != MDB_NOTFOUND) {
        (void)txn_fail(txn, mrc, "del");
    }
}

int
sl_cursor_open(sl_txn_t *txn, int db, sl_cursor_t *c)
{
    c->txn = txn;
    c->cur = NULL;
    if (txn->rc != SL_OK) {
        return txn->rc;
    }
    MDB_cursor *mc;
    int mrc = mdb_cursor_open(txn->txn, dbi_of(txn, db), &mc);
    if (mrc != 0) {
        return txn_fail(txn, mrc, "cursor");
    }
    c->cur = mc;
    return SL_OK;
}

void
sl_cursor_close(sl_cursor_t *c)
{
    if (c->cur != NULL) {
        mdb_cursor_close(c->cur);
        c->cur = NULL;
    }
}

static int
cursor_get(sl_cursor_t *c, MDB_val *mk, sl_val_t *k, sl_val_t *v,
           MDB_cursor_op op)
{
    if (c->txn->rc != SL_OK || c->cur == NULL) {
        return c->txn->rc != SL_OK ? c->txn->rc : SL_EINVAL;
    }
    MDB_val mv;
    int mrc = mdb_cursor_get(c->cur, mk, &mv, op);
    if (mrc == MDB_NOTFOUND) {
        return SL_ENOTFOUND;
    }
    if (mrc != 0) {
        return txn_fail(c->txn, mrc, "cursor get");
    }
    k->data = mk->mv_data;
    k->len = mk->mv_size;
    v->data = mv.mv_data;
    v->len = mv.mv_size;
    return SL_OK;
}

int
sl_cursor_seek(sl_cursor_t *c, int how, const sl_val_t *key, sl_val_t *k,
               sl_val_t *v)
{
    MDB_val mk = {0, NULL};
    if (how == SL_SEEK_LAST) {
        return cursor_get(c, &mk, k, v, MDB_LAST);
    }
    if (how == SL_SEEK_FIRST || key == NULL) {
        return cursor_get(c, &mk, k, v, MDB_FIRST);
    }
    mk.mv_size = key->len;
    mk.mv_data = (void *)(uintptr_t)key->data;
    return cursor_get(c, &mk, k, v, MDB_SET_RANGE);
}

int
sl_cursor_next(sl_cursor_t *c, sl_val_t *k, sl_val_t *v)
{
    MDB_val mk = {0, NULL};
    return cursor_get(c, &mk, k, v, MDB_NEXT);
}

int
sl_cursor_prev(sl_cursor_t *c, sl_val_t *k, sl_val_t *v)
{
    MDB_val mk = {0, NULL};
    return cursor_get(c, &mk, k, v, MDB_PREV);
}

void
sl_be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

uint64_t
sl_be64_get(const void *p)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}
