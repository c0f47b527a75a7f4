/* Backup: a compacted copy of the live store, written by a worker thread so
 * that neither the main loop (queries, acks) nor the writer (ingest) waits
 * for it. LMDB copies from a read transaction of its own, so writers go on
 * committing while the copy runs; the copy is the store as of that one
 * transaction. See docs/storage.md, "Backup and restore".
 *
 * The worker checks DIR, copies into DIR.tmp, fsyncs it, reads it back
 * (head LSN, runs, store id: the reply describes the copy, not the live
 * store), renames DIR.tmp to DIR and fsyncs the parent. The main loop
 * collects its reply with collector_backup_poll (it wakes at least every
 * 200 ms). One backup at a time. */
#include "collector.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "sluice/log.h"

#define BACKUP_DIR_MAX 1024

struct collector_backup {
    collector_t *c;
    pthread_t thread;
    atomic_int done;
    zframe_t *identity; /* the client's, kept for the reply */
    uint64_t id;
    char dir[BACKUP_DIR_MAX];
    char tmp[BACKUP_DIR_MAX + 8];
    const char *hold;   /* SLUICE_BACKUP_TEST_HOLD (tests only) */
    zframe_t *reply;    /* set by the worker before done */
};

/* What the copy holds, read back from it. */
typedef struct copy_facts {
    uint64_t head_lsn, first_lsn, bytes, runs;
    uint8_t store_id[16];
} copy_facts_t;

/* DIR must be absolute and must not exist or be an empty directory whose
 * parent exists. */
static int
check_dir(const char *dir, sl_err_t *err)
{
    struct stat st;
    if (dir[0] != '/') {
        return sl_err_set(err, SL_EINVAL,
                          "backup: '%s' is not an absolute path (DIR is a "
                          "path on the collector's host)", dir);
    }
    if (lstat(dir, &st) != 0) {
        return errno == ENOENT ? SL_OK
                               : sl_err_set(err, SL_EIO, "backup: %s: %s",
                                            dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return sl_err_set(err, SL_EINVAL, "backup: %s exists and is not a "
                          "directory", dir);
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return sl_err_set(err, SL_EIO, "backup: %s: %s", dir,
                          strerror(errno));
    }
    int empty = 1;
    for (struct dirent *e = readdir(d); e != NULL && empty; e = readdir(d)) {
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    }
    (void)closedir(d);
    return empty ? SL_OK
                 : sl_err_set(err, SL_EINVAL, "backup: %s exists and is not "
                              "empty", dir);
}

static int
fsync_path(const char *path, int dir, sl_err_t *err)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? SL_OK : SL_EIO;
    if (rc != SL_OK) {
        (void)sl_err_set(err, SL_EIO, "backup: fsync %s: %s", path,
                         strerror(errno));
    }
    if (fd >= 0) {
        (void)close(fd);
    }
    return rc;
}

/* The oldest and newest key of the log, the number of runs and the store
 * id, from a read-only open of the copy (no lock file is made). */
static int
read_copy(const char *dir, copy_facts_t *f, sl_err_t *err)
{
    MDB_env *env = NULL;
    MDB_txn *t = NULL;
    MDB_cursor *cur = NULL;
    MDB_dbi log, runs, meta;
    MDB_val k, v;
    MDB_stat st;
    int mrc = mdb_env_create(&env);
    mrc = mrc ? mrc : mdb_env_set_maxdbs(env, SL_STORE_MAX_DBS);
    mrc = mrc ? mrc : mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK, 0644);
    mrc = mrc ? mrc : mdb_txn_begin(env, NULL, MDB_RDONLY, &t);
    mrc = mrc ? mrc : mdb_dbi_open(t, "log", 0, &log);
    mrc = mrc ? mrc : mdb_dbi_open(t, "runs", 0, &runs);
    mrc = mrc ? mrc : mdb_dbi_open(t, "meta", 0, &meta);
    mrc = mrc ? mrc : mdb_stat(t, runs, &st);
    if (mrc == 0) {
        f->runs = st.ms_entries;
        k.mv_data = (void *)(uintptr_t)"store_id", k.mv_size = 8;
        mrc = mdb_get(t, meta, &k, &v);
    }
    if (mrc == 0 && v.mv_size == sizeof f->store_id) {
        memcpy(f->store_id, v.mv_data, sizeof f->store_id);
    }
    mrc = mrc ? mrc : mdb_cursor_open(t, log, &cur);
    if (mrc == 0) {
        mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        if (mrc == 0 && k.mv_size == 8) {
            f->first_lsn = sl_be64_get(k.mv_data);
            mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
            f->head_lsn = mrc == 0 && k.mv_size == 8
                              ? sl_be64_get(k.mv_data) : 0;
        }
        mrc = mrc == MDB_NOTFOUND ? 0 : mrc;
    }
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    if (t != NULL) {
        mdb_txn_abort(t);
    }
    mdb_env_close(env);
    if (mrc != 0) {
        return sl_err_set(err, SL_ESTORE, "backup: the copy in %s does not "
                          "read back: %s", dir, mdb_strerror(mrc));
    }
    return SL_OK;
}

/* Tests only: after the copy and before it is renamed into place, makes
 * the file b->hold + ".held" and waits until the file b->hold exists (or
 * the collector stops): a test then ingests while a backup is running. */
static int
hold(collector_backup_t *b, sl_err_t *err)
{
    struct stat st;
    char held[PATH_MAX];
    if (b->hold != NULL &&
        snprintf(held, sizeof held, "%s.held", b->hold) < (int)sizeof held) {
        int fd = open(held, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0) {
            (void)close(fd);
        }
    }
    while (b->hold != NULL && stat(b->hold, &st) != 0) {
        if (*b->c->stop) {
            return sl_err_set(err, SL_EINTR, "backup: the collector stops");
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
    }
    return SL_OK;
}

static void
remove_tmp(const char *tmp)
{
    char path[BACKUP_DIR_MAX + 32];
    (void)snprintf(path, sizeof path, "%s/data.mdb", tmp);
    (void)unlink(path);
    (void)snprintf(path, sizeof path, "%s/lock.mdb", tmp);
    (void)unlink(path);
    (void)rmdir(tmp);
}

static int
do_backup(collector_backup_t *b, copy_facts_t *f, sl_err_t *err)
{
    char path[BACKUP_DIR_MAX + 32];
    struct stat st;
    int rc = check_dir(b->dir, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (mkdir(b->tmp, 0700) != 0) {
        return sl_err_set(err, errno == EEXIST ? SL_EINVAL : SL_EIO,
                          "backup: mkdir %s: %s%s", b->tmp, strerror(errno),
                          errno == EEXIST ? " (left by a backup that did "
                                            "not finish? remove it)" : "");
    }
    (void)snprintf(path, sizeof path, "%s/data.mdb", b->tmp);
    rc = sl_store_copy(b->c->store, b->tmp, err);
    rc = rc == SL_OK ? fsync_path(path, 0, err) : rc;
    rc = rc == SL_OK ? fsync_path(b->tmp, 1, err) : rc;
    rc = rc == SL_OK ? read_copy(b->tmp, f, err) : rc;
    if (rc == SL_OK && stat(path, &st) == 0) {
        f->bytes = (uint64_t)st.st_size;
    }
    rc = rc == SL_OK ? hold(b, err) : rc;
    if (rc == SL_OK && rename(b->tmp, b->dir) != 0) {
        rc = sl_err_set(err, errno == ENOTEMPTY || errno == EEXIST ||
                                     errno == ENOTDIR
                                 ? SL_EINVAL : SL_EIO,
                        "backup: rename %s to %s: %s", b->tmp, b->dir,
                        strerror(errno));
    }
    if (rc != SL_OK) {
        remove_tmp(b->tmp);
        return rc;
    }
    /* The rename itself is durable once the parent is synced. */
    char parent[BACKUP_DIR_MAX];
    (void)snprintf(parent, sizeof parent, "%s", b->dir);
    char *slash = strrchr(parent, '/');
    if (slash == parent) {
        slash[1] = '\0';
    } else if (slash != NULL) {
        *slash = '\0';
    }
    return fsync_path(parent, 1, err);
}

static void *
worker(void *arg)
{
    collector_backup_t *b = arg;
    copy_facts_t f = {0};
    sl_err_t err = {0};
    int rc = do_backup(b, &f, &err);
    if (rc != SL_OK) {
        SL_WARN("collector", "%s", sl_err_msg(&err, rc));
        b->reply = collector_error_frame(b->id, rc, sl_err_msg(&err, rc));
    } else {
        SL_INFO("collector", "backup to %s: LSN %llu..%llu, %llu runs, "
                "%llu bytes", b->dir, (unsigned long long)f.first_lsn,
                (unsigned long long)f.head_lsn, (unsigned long long)f.runs,
                (unsigned long long)f.bytes);
        Sluice__V1__BackupDone d;
        sluice__v1__backup_done__init(&d);
        Sluice__V1__Reply r;
        sluice__v1__reply__init(&r);
        d.dir = b->dir;
        d.head_lsn = f.head_lsn;
        d.first_lsn = f.first_lsn;
        d.bytes = f.bytes;
        d.runs = f.runs;
        d.store_id.data = f.store_id;
        d.store_id.len = sizeof f.store_id;
        r.id = b->id;
        r.kind_case = SLUICE__V1__REPLY__KIND_BACKUP_DONE;
        r.backup_done = &d;
        b->reply = sl_wire_frame(&r.base);
    }
    atomic_store(&b->done, 1);
    return NULL;
}

zframe_t *
collector_backup_start(collector_t *c, zframe_t **identity,
                       const sl_pb_request_t *req)
{
    const char *dir = req->backup->dir;
    size_t len = strlen(dir);
    if (c->backup != NULL) {
        return collector_error_frame(req->id, SL_EINVAL,
                                     "backup: another backup is running");
    }
    if (len == 0 || len >= BACKUP_DIR_MAX) {
        return collector_error_frame(req->id, SL_EINVAL,
                                     "backup: DIR is empty or too long");
    }
    collector_backup_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return collector_error_frame(req->id, SL_ENOMEM, "out of memory");
    }
    b->c = c;
    b->id = req->id;
    memcpy(b->dir, dir, len + 1);
    /* "/a/b/" and "/a/b" are the same directory: DIR.tmp is its sibling. */
    while (len > 1 && b->dir[len - 1] == '/') {
        b->dir[--len] = '\0';
    }
    (void)snprintf(b->tmp, sizeof b->tmp, "%s.tmp", b->dir);
    b->hold = getenv("SLUICE_BACKUP_TEST_HOLD");
    atomic_init(&b->done, 0);
    if (pthread_create(&b->thread, NULL, worker, b) != 0) {
        free(b);
        return collector_error_frame(req->id, SL_ESYS,
                                     "backup: cannot start a thread");
    }
    b->identity = *identity;
    *identity = NULL;
    c->backup = b;
    return NULL;
}

zframe_t *
collector_backup_poll(collector_t *c, zframe_t **identity, int wait)
{
    collector_backup_t *b = c->backup;
    if (b == NULL || (!wait && !atomic_load(&b->done))) {
        return NULL;
    }
    (void)pthread_join(b->thread, NULL);
    zframe_t *reply = b->reply;
    *identity = b->identity;
    free(b);
    c->backup = NULL;
    return reply;
}
