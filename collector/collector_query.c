/* Queries, answered by the main thread from one read transaction each. The
 * reply is packed before the transaction ends: LMDB's data is only valid
 * until then. */
#include "collector.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/run.h"

#define LIST_DEFAULT 50
#define LIST_MAX 1000
#define READ_DEFAULT 1000
#define READ_MAX 10000
#define READ_MAX_BYTES (4u << 20)
/* Runs one ListRuns may look at: a filter that matches little returns a
 * cursor to go on from instead of holding the main thread. */
#define LIST_SCAN_MAX 20000

int
collector_load_run(sl_txn_t *txn, const char *run_id, sl_pb_run_t **out)
{
    sl_val_t k = {run_id, strlen(run_id)}, v;
    *out = NULL;
    int rc = sl_store_get(txn, CDB_RUNS, &k, &v);
    if (rc != SL_OK) {
        return rc;
    }
    return sl_run_decode(v.data, v.len, out, NULL);
}

zframe_t *
collector_error_frame(uint64_t id, int rc, const char *msg)
{
    Sluice__V1__Error e;
    sluice__v1__error__init(&e);
    Sluice__V1__Reply r;
    sluice__v1__reply__init(&r);
    e.code = rc;
    e.message = (char *)(uintptr_t)msg;
    r.id = id;
    r.kind_case = SLUICE__V1__REPLY__KIND_ERROR;
    r.error = &e;
    return sl_wire_frame(&r.base);
}

zframe_t *
collector_run_frame(uint64_t id, const sl_pb_run_t *run, int rc)
{
    if (run == NULL) {
        return collector_error_frame(id, rc, rc == SL_ENOTFOUND
                                                 ? "no such run"
                                                 : sl_strerror(rc));
    }
    Sluice__V1__Reply r;
    sluice__v1__reply__init(&r);
    r.id = id;
    r.kind_case = SLUICE__V1__REPLY__KIND_RUN;
    r.run = (sl_pb_run_t *)(uintptr_t)run;
    return sl_wire_frame(&r.base);
}

static zframe_t *
get_run(sl_txn_t *txn, uint64_t id, const Sluice__V1__GetRun *q)
{
    sl_pb_run_t *run = NULL;
    int rc = collector_load_run(txn, q->run_id, &run);
    zframe_t *f = collector_run_frame(id, run, rc);
    sl_run_free(&run);
    return f;
}

static int
run_matches(const sl_pb_run_t *r, const Sluice__V1__ListRuns *q)
{
    return (q->project[0] == '\0' || strcmp(q->project, r->meta->project) == 0)
        && (q->branch[0] == '\0' || strcmp(q->branch, r->meta->branch) == 0)
        && (q->status[0] == '\0' || strcmp(q->status, sl_run_status(r)) == 0)
        && strncmp(r->meta->commit, q->commit_prefix,
                   strlen(q->commit_prefix)) == 0
        && (q->job[0] == '\0' || strcmp(r->meta->job, q->job) == 0)
        && r->created_us >= q->since_us;
}

/* The index a ListRuns walks: run_branch under "project NUL branch NUL"
 * when both are given, else run_time (prefix empty). Their keys end alike:
 * created_us (u64 BE) run id. next_cursor is the last key looked at; a
 * run_branch one is led by CURSOR_BRANCH, which no run_time key starts
 * with (created_us's high byte stays 0 until the year 3000), so neither is
 * taken for the other. */
#define CURSOR_BRANCH 'b'

typedef struct list_idx {
    int db;
    uint8_t prefix[COLLECTOR_RBKEY_MAX];
    size_t plen;
} list_idx_t;

static void
list_idx_init(list_idx_t *ix, const Sluice__V1__ListRuns *q)
{
    ix->db = CDB_RUN_TIME;
    ix->plen = 0;
    if (q->project[0] != '\0' && q->branch[0] != '\0') {
        ix->db = CDB_RUN_BRANCH;
        ix->plen = collector_run_branch_prefix(ix->prefix, q->project,
                                               q->branch);
    }
}

/* Positions the index at the newest entry to list: before the cursor, or
 * at or before until_us, or the last of the prefix. SL_EINVAL for a cursor
 * of the other index or of another branch. */
static int
list_start(sl_cursor_t *cur, const list_idx_t *ix,
           const Sluice__V1__ListRuns *q, sl_val_t *k, sl_val_t *v)
{
    uint8_t key[COLLECTOR_RBKEY_MAX];
    const uint8_t *c = q->cursor.data;
    size_t clen = q->cursor.len;
    int branch = ix->db == CDB_RUN_BRANCH;
    sl_val_t seek = {NULL, 0};
    memcpy(key, ix->prefix, ix->plen);
    if (clen > 0) {
        if ((c[0] == CURSOR_BRANCH) != branch ||
            (branch && (clen <= 1 + ix->plen + 8 ||
                        memcmp(c + 1, ix->prefix, ix->plen) != 0))) {
            return SL_EINVAL;
        }
        seek = branch ? (sl_val_t){c + 1, clen - 1} : (sl_val_t){c, clen};
    } else if (q->until_us > 0) {
        sl_be64_put(key + ix->plen, (uint64_t)q->until_us + 1);
        seek = (sl_val_t){key, ix->plen + 8};
    } else if (branch) {
        sl_be64_put(key + ix->plen, UINT64_MAX);
        seek = (sl_val_t){key, ix->plen + 8};
    }
    if (seek.len == 0) {
        return sl_cursor_seek(cur, SL_SEEK_LAST, NULL, k, v);
    }
    int rc = sl_cursor_seek(cur, SL_SEEK_GE, &seek, k, v);
    if (rc == SL_ENOTFOUND) {
        return sl_cursor_seek(cur, SL_SEEK_LAST, NULL, k, v);
    }
    return rc == SL_OK ? sl_cursor_prev(cur, k, v) : rc;
}

typedef struct run_list {
    sl_pb_run_t **runs;
    size_t n;
} run_list_t;

static void
run_list_free(run_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        sl_run_free(&l->runs[i]);
    }
    free(l->runs);
}

static int
collect_runs(sl_txn_t *txn, const Sluice__V1__ListRuns *q, run_list_t *l,
             uint8_t *next, size_t *next_len)
{
    size_t limit = q->limit == 0 ? LIST_DEFAULT
                 : q->limit > LIST_MAX ? LIST_MAX : q->limit;
    list_idx_t ix;
    list_idx_init(&ix, q);
    size_t lead = ix.db == CDB_RUN_BRANCH ? 1 : 0; /* CURSOR_BRANCH */
    size_t head = ix.plen + 8;
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    int rc = sl_cursor_open(txn, ix.db, &cur);
    l->runs = calloc(limit, sizeof *l->runs);
    rc = rc == SL_OK && l->runs == NULL ? SL_ENOMEM : rc;
    rc = rc == SL_OK ? list_start(&cur, &ix, q, &k, &v) : rc;
    size_t scanned = 0;
    for (; rc == SL_OK && l->n < limit; rc = sl_cursor_prev(&cur, &k, &v)) {
        if (k.len <= head || k.len > COLLECTOR_RBKEY_MAX ||
            memcmp(k.data, ix.prefix, ix.plen) != 0 ||
            (int64_t)sl_be64_get((const uint8_t *)k.data + ix.plen) <
                q->since_us) {
            rc = SL_ENOTFOUND;
            break;
        }
        if (++scanned > LIST_SCAN_MAX) {
            break; /* next holds where to go on */
        }
        char id[COLLECTOR_RUN_ID_MAX + 50];
        (void)snprintf(id, sizeof id, "%.*s", (int)(k.len - head),
                       (const char *)k.data + head);
        sl_pb_run_t *r = NULL;
        if (collector_load_run(txn, id, &r) == SL_OK && run_matches(r, q)) {
            l->runs[l->n++] = r;
        } else {
            sl_run_free(&r);
        }
        next[0] = CURSOR_BRANCH;
        memcpy(next + lead, k.data, k.len);
        *next_len = lead + k.len;
    }
    sl_cursor_close(&cur);
    if (rc != SL_OK) {
        *next_len = 0; /* the index is exhausted */
    }
    return rc == SL_ENOTFOUND ? SL_OK : rc;
}

static zframe_t *
list_runs(sl_txn_t *txn, uint64_t id, const Sluice__V1__ListRuns *q)
{
    run_list_t l = {0};
    uint8_t next[1 + COLLECTOR_RBKEY_MAX];
    size_t next_len = 0;
    int rc = collect_runs(txn, q, &l, next, &next_len);
    zframe_t *f;
    if (rc != SL_OK) {
        f = collector_error_frame(id, rc, rc == SL_EINVAL
                                              ? "bad cursor"
                                              : sl_strerror(rc));
    } else {
        Sluice__V1__RunList list;
        sluice__v1__run_list__init(&list);
        Sluice__V1__Reply r;
        sluice__v1__reply__init(&r);
        list.runs = l.runs;
        list.n_runs = l.n;
        list.next_cursor.data = next;
        list.next_cursor.len = next_len;
        r.id = id;
        r.kind_case = SLUICE__V1__REPLY__KIND_RUNS;
        r.runs = &list;
        f = sl_wire_frame(&r.base);
    }
    run_list_free(&l);
    return f;
}

/* A LogChunk being filled with borrowed LMDB data: each entry with its
 * chain hash, read in the same transaction (empty when it has none). */
typedef struct chunk {
    sl_txn_t *txn;
    uint64_t *lsn;
    ProtobufCBinaryData *ev;
    ProtobufCBinaryData *chain;
    size_t n, max, bytes;
} chunk_t;

static int
chunk_init(chunk_t *c, sl_txn_t *txn, uint32_t limit)
{
    c->max = limit == 0 ? READ_DEFAULT : limit > READ_MAX ? READ_MAX : limit;
    c->n = c->bytes = 0;
    c->txn = txn;
    c->lsn = malloc(c->max * sizeof *c->lsn);
    c->ev = malloc(c->max * sizeof *c->ev);
    c->chain = malloc(c->max * sizeof *c->chain);
    return c->lsn && c->ev && c->chain ? SL_OK : SL_ENOMEM;
}

static void
chunk_chain(chunk_t *c, uint64_t lsn)
{
    uint8_t key[8];
    sl_be64_put(key, lsn);
    sl_val_t k = {key, 8}, v = {"", 0};
    if (sl_store_get(c->txn, CDB_CHAIN, &k, &v) != SL_OK) {
        v.data = "";
        v.len = 0;
    }
    c->chain[c->n].data = (uint8_t *)(uintptr_t)v.data;
    c->chain[c->n].len = v.len;
}

/* Adds one entry; returns 0 when the chunk is full. */
static int
chunk_add(chunk_t *c, uint64_t lsn, const sl_val_t *v)
{
    if (c->n >= c->max || (c->n > 0 && c->bytes + v->len > READ_MAX_BYTES)) {
        return 0;
    }
    chunk_chain(c, lsn);
    c->lsn[c->n] = lsn;
    c->ev[c->n].data = (uint8_t *)(uintptr_t)v->data;
    c->ev[c->n].len = v->len;
    c->n++;
    c->bytes += v->len;
    return 1;
}

static uint64_t
log_head(sl_txn_t *txn)
{
    sl_cursor_t cur = {0};
    sl_val_t k = {0}, v;
    uint64_t head = 0;
    if (sl_cursor_open(txn, CDB_LOG, &cur) == SL_OK &&
        sl_cursor_seek(&cur, SL_SEEK_LAST, NULL, &k, &v) == SL_OK) {
        head = sl_be64_get(k.data);
    }
    sl_cursor_close(&cur);
    return head;
}

static zframe_t *
chunk_frame(const collector_t *co, sl_txn_t *txn, uint64_t id, chunk_t *c,
            int rc)
{
    zframe_t *f;
    if (rc != SL_OK && rc != SL_ENOTFOUND) {
        f = collector_error_frame(id, rc, sl_strerror(rc));
    } else {
        Sluice__V1__LogChunk ch;
        sluice__v1__log_chunk__init(&ch);
        Sluice__V1__Reply r;
        sluice__v1__reply__init(&r);
        ch.n_lsn = ch.n_events = ch.n_chain = c->n;
        ch.chain = c->chain;
        ch.lsn = c->lsn;
        ch.events = c->ev;
        ch.head_lsn = log_head(txn);
        ch.store_id.data = (uint8_t *)(uintptr_t)co->store_id;
        ch.store_id.len = sizeof co->store_id;
        r.id = id;
        r.kind_case = SLUICE__V1__REPLY__KIND_CHUNK;
        r.chunk = &ch;
        f = sl_wire_frame(&r.base);
    }
    free(c->lsn);
    free(c->ev);
    free(c->chain);
    return f;
}

static zframe_t *
read_log(const collector_t *co, sl_txn_t *txn, uint64_t id,
         const Sluice__V1__ReadLog *q)
{
    chunk_t c;
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    uint8_t key[8];
    sl_be64_put(key, q->from_lsn);
    sl_val_t seek = {key, 8};
    int rc = chunk_init(&c, txn, q->limit);
    rc = rc == SL_OK ? sl_cursor_open(txn, CDB_LOG, &cur) : rc;
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v) : rc;
    while (rc == SL_OK && chunk_add(&c, sl_be64_get(k.data), &v)) {
        rc = sl_cursor_next(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    return chunk_frame(co, txn, id, &c, rc);
}

/* Adds the run's events of one index range [first, first+count) that are
 * past after. Returns 0 when the chunk is full. */
static int
add_range(sl_txn_t *txn, chunk_t *c, uint64_t first, uint32_t count,
          uint64_t after)
{
    for (uint64_t lsn = first > after ? first : after + 1;
         lsn < first + count; lsn++) {
        uint8_t key[8];
        sl_be64_put(key, lsn);
        sl_val_t k = {key, 8}, v;
        if (sl_store_get(txn, CDB_LOG, &k, &v) != SL_OK) {
            continue;
        }
        if (!chunk_add(c, lsn, &v)) {
            return 0;
        }
    }
    return 1;
}

static zframe_t *
get_events(const collector_t *co, sl_txn_t *txn, uint64_t id,
           const Sluice__V1__GetEvents *q)
{
    chunk_t c;
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    size_t len = strlen(q->run_id);
    uint8_t key[320];
    if (len > 300) {
        return collector_error_frame(id, SL_EINVAL, "run id too long");
    }
    memcpy(key, q->run_id, len + 1);
    sl_be64_put(key + len + 1, 0);
    sl_val_t seek = {key, len + 9};
    int rc = chunk_init(&c, txn, q->limit);
    rc = rc == SL_OK ? sl_cursor_open(txn, CDB_RUN_LOG, &cur) : rc;
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v) : rc;
    while (rc == SL_OK && k.len == len + 9 && v.len == 4 &&
           memcmp(k.data, key, len + 1) == 0) {
        const uint8_t *b = v.data;
        uint32_t n = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                     (uint32_t)b[2] << 8 | b[3];
        uint64_t first = sl_be64_get((const uint8_t *)k.data + len + 1);
        if (first + n > q->after_lsn + 1 &&
            !add_range(txn, &c, first, n, q->after_lsn)) {
            break;
        }
        rc = sl_cursor_next(&cur, &k, &v);
    }
    sl_cursor_close(&cur);
    return chunk_frame(co, txn, id, &c, rc);
}

/* ---- TestHistory: the tests index, newest first ---------------------- */

#define TH_DEFAULT 50
#define TH_MAX 1000
#define TH_PROJECTS_MAX 64    /* projects named in an ambiguous reply */
#define TH_PROJECT_SCAN 10000 /* projects looked at to find test_id */

typedef struct th_state {
    Sluice__V1__TestResult *res; /* limit entries, strings borrowed */
    Sluice__V1__TestResult **ptr;
    size_t n;
    char *projects[TH_PROJECTS_MAX]; /* borrowed from the index keys */
    char pbuf[TH_PROJECTS_MAX][COLLECTOR_TKEY_PART + 1];
    size_t nprojects;
    uint8_t next[COLLECTOR_TKEY_MAX];
    size_t next_len;
} th_state_t;

/* Whether the index holds test_id under the project part p (len bytes, as
 * stored). */
static int
th_has(sl_txn_t *txn, const uint8_t *p, size_t len, const char *test_id)
{
    uint8_t key[COLLECTOR_TKEY_MAX];
    char proj[COLLECTOR_TKEY_PART + 1];
    memcpy(proj, p, len);
    proj[len] = '\0';
    size_t n = collector_test_prefix(key, proj, test_id);
    sl_cursor_t cur = {0};
    sl_val_t seek = {key, n}, k, v;
    int rc = sl_cursor_open(txn, CDB_TESTS, &cur);
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v) : rc;
    int has = rc == SL_OK && k.len == n + 8 && memcmp(k.data, key, n) == 0;
    sl_cursor_close(&cur);
    return has;
}

/* Fills st->projects with the projects whose part of the index holds
 * test_id: one seek per project (to the first key past "project NUL"). */
static int
th_projects(sl_txn_t *txn, const char *test_id, th_state_t *st)
{
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    uint8_t seek_b[COLLECTOR_TKEY_PART + 1];
    int rc = sl_cursor_open(txn, CDB_TESTS, &cur);
    rc = rc == SL_OK ? sl_cursor_seek(&cur, SL_SEEK_FIRST, NULL, &k, &v) : rc;
    for (size_t i = 0; rc == SL_OK && i < TH_PROJECT_SCAN; i++) {
        const uint8_t *nul = memchr(k.data, '\0', k.len);
        size_t len = nul ? (size_t)(nul - (const uint8_t *)k.data) : 0;
        if (nul == NULL || len > COLLECTOR_TKEY_PART) {
            rc = SL_ESTORE;
            break;
        }
        if (st->nprojects < TH_PROJECTS_MAX &&
            th_has(txn, k.data, len, test_id)) {
            memcpy(st->pbuf[st->nprojects], k.data, len);
            st->pbuf[st->nprojects][len] = '\0';
            st->projects[st->nprojects] = st->pbuf[st->nprojects];
            st->nprojects++;
        }
        memcpy(seek_b, k.data, len);
        seek_b[len] = 1; /* just past every key of this project */
        sl_val_t seek = {seek_b, len + 1};
        rc = sl_cursor_seek(&cur, SL_SEEK_GE, &seek, &k, &v);
    }
    sl_cursor_close(&cur);
    return rc == SL_ENOTFOUND ? SL_OK : rc;
}

/* Positions cur at the newest entry of prefix to return: before the
 * cursor when there is one. */
static int
th_start(sl_cursor_t *cur, const uint8_t *prefix, size_t plen,
         const ProtobufCBinaryData *from, sl_val_t *k, sl_val_t *v)
{
    uint8_t key[COLLECTOR_TKEY_MAX];
    memcpy(key, prefix, plen);
    sl_be64_put(key + plen, UINT64_MAX);
    sl_val_t seek = {key, plen + 8};
    if (from->len > 0) {
        if (from->len != plen + 8 || memcmp(from->data, prefix, plen) != 0) {
            return SL_EINVAL;
        }
        seek = (sl_val_t){from->data, from->len};
    }
    int rc = sl_cursor_seek(cur, SL_SEEK_GE, &seek, k, v);
    if (rc == SL_ENOTFOUND) {
        return sl_cursor_seek(cur, SL_SEEK_LAST, NULL, k, v);
    }
    return rc == SL_OK ? sl_cursor_prev(cur, k, v) : rc;
}

static int
th_add(th_state_t *st, const sl_val_t *k, const sl_val_t *v, size_t plen)
{
    collector_test_rec_t rec;
    int rc = collector_test_decode(v, &rec);
    if (rc != SL_OK) {
        return rc;
    }
    Sluice__V1__TestResult *r = &st->res[st->n];
    sluice__v1__test_result__init(r);
    r->run_id = (char *)(uintptr_t)rec.run_id;
    r->lsn = sl_be64_get((const uint8_t *)k->data + plen);
    r->time_us = rec.time_us;
    r->status = (Sluice__V1__TestStatus)rec.status;
    r->time_s = rec.time_s;
    r->flaky = rec.flaky;
    r->branch = (char *)(uintptr_t)rec.branch;
    r->commit = (char *)(uintptr_t)rec.commit;
    st->ptr[st->n++] = r;
    memcpy(st->next, k->data, k->len);
    st->next_len = k->len;
    return SL_OK;
}

/* Reads up to limit results of (project, test_id), newest first. */
static int
th_read(sl_txn_t *txn, const Sluice__V1__TestHistory *q, const char *project,
        th_state_t *st)
{
    size_t limit = q->limit == 0 ? TH_DEFAULT
                 : q->limit > TH_MAX ? TH_MAX : q->limit;
    uint8_t prefix[COLLECTOR_TKEY_MAX];
    size_t plen = collector_test_prefix(prefix, project, q->test_id);
    sl_cursor_t cur = {0};
    sl_val_t k, v;
    st->res = calloc(limit, sizeof *st->res);
    st->ptr = calloc(limit, sizeof *st->ptr);
    int rc = st->res && st->ptr ? SL_OK : SL_ENOMEM;
    rc = rc == SL_OK ? sl_cursor_open(txn, CDB_TESTS, &cur) : rc;
    rc = rc == SL_OK ? th_start(&cur, prefix, plen, &q->cursor, &k, &v) : rc;
    int more = 0;
    while (rc == SL_OK && k.len == plen + 8 &&
           memcmp(k.data, prefix, plen) == 0) {
        if (st->n == limit) {
            more = 1; /* next holds where to go on */
            break;
        }
        rc = th_add(st, &k, &v, plen);
        rc = rc == SL_OK ? sl_cursor_prev(&cur, &k, &v) : rc;
    }
    rc = rc == SL_ENOTFOUND ? SL_OK : rc;
    st->next_len = more ? st->next_len : 0;
    sl_cursor_close(&cur);
    return rc;
}

static zframe_t *
test_history(sl_txn_t *txn, uint64_t id, const Sluice__V1__TestHistory *q)
{
    th_state_t *st = calloc(1, sizeof *st);
    const char *project = q->project;
    int rc = st == NULL ? SL_ENOMEM : SL_OK;
    if (rc == SL_OK && q->test_id[0] == '\0') {
        rc = SL_EINVAL;
    }
    if (rc == SL_OK && project[0] == '\0') {
        rc = th_projects(txn, q->test_id, st);
        project = st->nprojects == 1 ? st->projects[0] : NULL;
    }
    if (rc == SL_OK && project != NULL) {
        rc = th_read(txn, q, project, st);
    }
    zframe_t *f;
    if (rc != SL_OK) {
        f = collector_error_frame(id, rc, rc == SL_EINVAL
                                              ? "bad test id or cursor"
                                              : sl_strerror(rc));
    } else {
        Sluice__V1__TestResults tr;
        sluice__v1__test_results__init(&tr);
        Sluice__V1__Reply r;
        sluice__v1__reply__init(&r);
        tr.project = (char *)(uintptr_t)(project ? project : "");
        tr.test_id = q->test_id;
        tr.results = st->ptr;
        tr.n_results = st->n;
        tr.next_cursor.data = st->next;
        tr.next_cursor.len = st->next_len;
        if (project == NULL && st->nprojects > 1) {
            tr.projects = st->projects;
            tr.n_projects = st->nprojects;
        }
        r.id = id;
        r.kind_case = SLUICE__V1__REPLY__KIND_TEST_RESULTS;
        r.test_results = &tr;
        f = sl_wire_frame(&r.base);
    }
    if (st != NULL) {
        free(st->res);
        free(st->ptr);
        free(st);
    }
    return f;
}

zframe_t *
collector_query(collector_t *c, const sl_pb_request_t *req)
{
    sl_txn_t txn;
    zframe_t *f = NULL;
    if (sl_store_begin(c->store, &txn, SL_TXN_RO) != SL_OK) {
        return collector_error_frame(req->id, txn.rc, txn.err.msg);
    }
    switch (req->kind_case) {
    case SLUICE__V1__REQUEST__KIND_GET_RUN:
        f = get_run(&txn, req->id, req->get_run);
        break;
    case SLUICE__V1__REQUEST__KIND_LIST_RUNS:
        f = list_runs(&txn, req->id, req->list_runs);
        break;
    case SLUICE__V1__REQUEST__KIND_READ_LOG:
        f = read_log(c, &txn, req->id, req->read_log);
        break;
    case SLUICE__V1__REQUEST__KIND_GET_EVENTS:
        f = get_events(c, &txn, req->id, req->get_events);
        break;
    case SLUICE__V1__REQUEST__KIND_TEST_HISTORY:
        f = test_history(&txn, req->id, req->test_history);
        break;
    default:
        f = collector_error_frame(req->id, SL_EPROTO, "unknown request");
        break;
    }
    sl_store_abort(&txn);
    return f;
}
