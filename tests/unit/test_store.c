/* lib/store.c on a real LMDB environment in a temporary directory: put and
 * get, the sticky error of a failed transaction (nothing of it is stored),
 * MDB_MAP_FULL as SL_EFULL, cursors, and big-endian keys. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sluice/store.h"

static const char *const dbs[] = {"one", "two", NULL};

typedef struct fixture {
    char dir[64];
    int next; /* each test opens its own environment dir/envN */
} fixture_t;

/* Removes path and everything below it. */
static int
rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                char sub[512];
                (void)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                (void)rm_rf(sub);
            }
        }
        if (d != NULL) {
            (void)closedir(d);
        }
        return rmdir(path);
    }
    return unlink(path);
}

static int
group_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    (void)snprintf(f->dir, sizeof f->dir, "%s/sl-store-XXXXXX",
                   tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
group_teardown(void **state)
{
    fixture_t *f = *state;
    int rc = rm_rf(f->dir);
    free(f);
    return rc;
}

/* A fresh environment of map_size bytes; the test closes it. */
static sl_store_t *
open_fresh(void **state, uint64_t map_size)
{
    fixture_t *f = *state;
    char dir[128];
    (void)snprintf(dir, sizeof dir, "%s/env%d", f->dir, f->next++);
    sl_store_cfg_t cfg = {dir, dbs, map_size};
    sl_store_t *s = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_store_open(&s, &cfg, &err), SL_OK);
    assert_non_null(s);
    return s;
}

static sl_val_t
str_val(const char *s)
{
    return (sl_val_t){s, strlen(s)};
}

/* Asserts db holds key -> want (NULL: key absent) in a read transaction. */
static void
check_value(sl_store_t *s, int db, const sl_val_t *key, const char *want)
{
    sl_txn_t txn;
    sl_val_t v = {0};
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RO), SL_OK);
    int rc = sl_store_get(&txn, db, key, &v);
    if (want == NULL) {
        assert_int_equal(rc, SL_ENOTFOUND);
        assert_int_equal(txn.rc, SL_OK);
    } else {
        assert_int_equal(rc, SL_OK);
        assert_int_equal(v.len, strlen(want));
        assert_memory_equal(v.data, want, v.len);
    }
    sl_store_abort(&txn);
}

static void
test_store_put_get(void **state)
{
    sl_store_t *s = open_fresh(state, 1u << 20);
    sl_val_t k = str_val("key"), v1 = str_val("in one"), v2 = str_val("in two"),
             gone = str_val("gone");
    sl_txn_t txn;
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    sl_store_put(&txn, 0, &k, &v1, 0);
    sl_store_put(&txn, 1, &k, &v2, 0);
    sl_store_put(&txn, 0, &gone, &v1, 0);
    sl_store_del(&txn, 0, &gone);
    sl_val_t missing = str_val("missing");
    sl_store_del(&txn, 0, &missing); /* deleting nothing is fine */
    assert_int_equal(sl_store_commit(&txn), SL_OK);
    check_value(s, 0, &k, "in one");
    check_value(s, 1, &k, "in two");
    check_value(s, 0, &gone, NULL);
    check_value(s, 1, &missing, NULL);
    /* NOOVERWRITE on an existing key fails the transaction. */
    sl_val_t other = str_val("other");
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    sl_store_put(&txn, 0, &k, &other, SL_PUT_NOOVERWRITE);
    assert_int_equal(txn.rc, SL_ESTORE);
    assert_int_equal(sl_store_commit(&txn), SL_ESTORE);
    check_value(s, 0, &k, "in one");
    sl_store_close(&s);
    assert_null(s);
}

static void
put_lsn(sl_txn_t *txn, uint64_t lsn, const char *v)
{
    uint8_t key[8];
    sl_be64_put(key, lsn);
    sl_val_t k = {key, 8}, val = str_val(v);
    sl_store_put(txn, 0, &k, &val, SL_PUT_APPEND);
}

static void
expect_lsn(sl_store_t *s, uint64_t lsn, const char *want)
{
    uint8_t key[8];
    sl_be64_put(key, lsn);
    sl_val_t k = {key, 8};
    check_value(s, 0, &k, want);
}

static void
test_store_append_order_is_sticky(void **state)
{
    sl_store_t *s = open_fresh(state, 1u << 20);
    sl_txn_t txn;
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    put_lsn(&txn, 1, "a");
    put_lsn(&txn, 3, "c");
    assert_int_equal(txn.rc, SL_OK);
    put_lsn(&txn, 2, "b"); /* out of order: MDB_KEYEXIST from MDB_APPEND */
    assert_int_equal(txn.rc, SL_ESTORE);
    assert_non_null(strstr(txn.err.msg, "put"));
    put_lsn(&txn, 4, "d"); /* a no-op now */
    uint8_t key[8];
    sl_be64_put(key, 1);
    sl_val_t k = {key, 8}, v;
    assert_int_equal(sl_store_get(&txn, 0, &k, &v), SL_ESTORE);
    assert_int_equal(sl_store_commit(&txn), SL_ESTORE);
    assert_null(txn.txn);
    for (uint64_t lsn = 1; lsn <= 4; lsn++) {
        expect_lsn(s, lsn, NULL);
    }
    /* The store itself is fine: the next transaction commits. */
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    put_lsn(&txn, 1, "a");
    assert_int_equal(sl_store_commit(&txn), SL_OK);
    expect_lsn(s, 1, "a");
    sl_store_close(&s);
}

static void
test_store_map_full(void **state)
{
    sl_store_t *s = open_fresh(state, 1u << 20);
    sl_txn_t txn;
    static char big[4000];
    memset(big, 'x', sizeof big - 1);
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    put_lsn(&txn, 1, "kept");
    assert_int_equal(sl_store_commit(&txn), SL_OK);
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    uint64_t lsn = 2;
    for (; lsn < 10000 && txn.rc == SL_OK; lsn++) {
        put_lsn(&txn, lsn, big);
    }
    /* 1 MiB holds a few hundred such values at most. */
    assert_true(lsn > 10 && lsn < 400);
    assert_int_equal(txn.rc, SL_EFULL);
    assert_non_null(strstr(txn.err.msg, "MDB_MAP_FULL"));
    assert_int_equal(sl_store_commit(&txn), SL_EFULL);
    expect_lsn(s, 1, "kept");
    expect_lsn(s, 2, NULL);
    expect_lsn(s, lsn - 2, NULL);
    /* Full is a state, not a crash: a small transaction still commits. */
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    put_lsn(&txn, 2, "small");
    assert_int_equal(sl_store_commit(&txn), SL_OK);
    expect_lsn(s, 2, "small");
    sl_store_close(&s);
}

static void
expect_at(int rc, const sl_val_t *k, const sl_val_t *v, uint64_t lsn)
{
    char want[16];
    (void)snprintf(want, sizeof want, "v%llu", (unsigned long long)lsn);
    assert_int_equal(rc, SL_OK);
    assert_int_equal(k->len, 8);
    assert_int_equal(sl_be64_get(k->data), lsn);
    assert_int_equal(v->len, strlen(want));
    assert_memory_equal(v->data, want, v->len);
}

/* Seeks and steps over db 0 holding LSNs 10, 20 and 300; db 1 is empty. */
static void
walk_cursor(sl_txn_t *txn)
{
    sl_cursor_t c;
    sl_val_t k, v;
    uint8_t key[8];
    sl_val_t seek = {key, 8};
    assert_int_equal(sl_cursor_open(txn, 0, &c), SL_OK);
    sl_be64_put(key, 15);
    expect_at(sl_cursor_seek(&c, SL_SEEK_GE, &seek, &k, &v), &k, &v, 20);
    sl_be64_put(key, 20);
    expect_at(sl_cursor_seek(&c, SL_SEEK_GE, &seek, &k, &v), &k, &v, 20);
    expect_at(sl_cursor_next(&c, &k, &v), &k, &v, 300);
    assert_int_equal(sl_cursor_next(&c, &k, &v), SL_ENOTFOUND);
    sl_be64_put(key, 301);
    assert_int_equal(sl_cursor_seek(&c, SL_SEEK_GE, &seek, &k, &v),
                     SL_ENOTFOUND);
    expect_at(sl_cursor_seek(&c, SL_SEEK_LAST, NULL, &k, &v), &k, &v, 300);
    expect_at(sl_cursor_prev(&c, &k, &v), &k, &v, 20);
    expect_at(sl_cursor_prev(&c, &k, &v), &k, &v, 10);
    assert_int_equal(sl_cursor_prev(&c, &k, &v), SL_ENOTFOUND);
    expect_at(sl_cursor_seek(&c, SL_SEEK_FIRST, &seek, &k, &v), &k, &v, 10);
    expect_at(sl_cursor_seek(&c, SL_SEEK_GE, NULL, &k, &v), &k, &v, 10);
    assert_int_equal(txn->rc, SL_OK);
    sl_cursor_close(&c);
    assert_null(c.cur);
    sl_cursor_t empty;
    assert_int_equal(sl_cursor_open(txn, 1, &empty), SL_OK);
    assert_int_equal(sl_cursor_seek(&empty, SL_SEEK_LAST, NULL, &k, &v),
                     SL_ENOTFOUND);
    sl_cursor_close(&empty);
}

static void
test_store_cursor(void **state)
{
    sl_store_t *s = open_fresh(state, 1u << 20);
    sl_txn_t txn;
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RW), SL_OK);
    put_lsn(&txn, 10, "v10");
    put_lsn(&txn, 20, "v20");
    put_lsn(&txn, 300, "v300");
    assert_int_equal(sl_store_commit(&txn), SL_OK);
    assert_int_equal(sl_store_begin(s, &txn, SL_TXN_RO), SL_OK);
    walk_cursor(&txn);
    sl_store_abort(&txn);
    sl_store_close(&s);
}

static void
test_store_be64(void **state)
{
    (void)state;
    static const uint8_t want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t b[8], c[8];
    sl_be64_put(b, 0x0102030405060708ull);
    assert_memory_equal(b, want, 8);
    const uint64_t vals[] = {0, 1, 255, 256, 0x8000000000000000ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        sl_be64_put(b, vals[i]);
        assert_true(sl_be64_get(b) == vals[i]);
    }
    /* Byte order is numeric order, which LMDB's memcmp keys rely on. */
    sl_be64_put(b, 255);
    sl_be64_put(c, 256);
    assert_true(memcmp(b, c, 8) < 0);
}

static void
test_store_open_fails_cleanly(void **state)
{
    fixture_t *f = *state;
    char path[128];
    (void)snprintf(path, sizeof path, "%s/a-file", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fclose(fp), 0);
    sl_store_cfg_t cfg = {path, dbs, 1u << 20};
    sl_store_t *s = (sl_store_t *)(uintptr_t)1; /* must be NULLed */
    sl_err_t err = {0};
    int rc = sl_store_open(&s, &cfg, &err);
    assert_int_not_equal(rc, SL_OK);
    assert_int_equal(err.rc, rc);
    assert_null(s);
    assert_non_null(strstr(err.msg, path));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_put_get),
        cmocka_unit_test(test_store_append_order_is_sticky),
        cmocka_unit_test(test_store_map_full),
        cmocka_unit_test(test_store_cursor),
        cmocka_unit_test(test_store_be64),
        cmocka_unit_test(test_store_open_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
