/* The end-to-end harness's queries to a collector (GetRun, WaitVerdict,
 * GetEvents) and its JSON helpers (see harness.h). The processes live in
 * harness.c. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define H_CALL_MS 10000 /* one query */

/* ---- queries ------------------------------------------------------------- */

/* One request on a fresh client; the reply (if any) is kept in h. */
static int
call(h_env_t *h, const h_proc_t *c, sl_pb_request_t *req, int timeout_ms,
     sl_err_t *err)
{
    sl_client_t *cl = NULL;
    sl_wire_free(&h->reply);
    int rc = sl_client_new(&cl, c->listen, err);
    if (rc == SL_OK) {
        rc = sl_client_call(cl, req, timeout_ms, &h->reply, err);
    }
    sl_client_destroy(&cl);
    return rc;
}

/* The run of a RUN reply, or an SL_EPROTO error. */
static int
run_of_reply(h_env_t *h, const char *run_id, int rc, const sl_pb_run_t **run,
             sl_err_t *err)
{
    *run = NULL;
    if (rc == SL_OK && h->reply->kind_case != SLUICE__V1__REPLY__KIND_RUN) {
        rc = sl_err_set(err, SL_EPROTO, "run %s: reply of kind %d", run_id,
                        (int)h->reply->kind_case);
    }
    if (rc == SL_OK) {
        *run = h->reply->run;
    }
    return rc;
}

int
h_run_query(h_env_t *h, const h_proc_t *c, const char *run_id,
            const sl_pb_run_t **run, sl_err_t *err)
{
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    Sluice__V1__GetRun gr;
    sluice__v1__get_run__init(&gr);
    gr.run_id = (char *)(uintptr_t)run_id;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_RUN;
    req.get_run = &gr;
    int rc = call(h, c, &req, H_CALL_MS, err);
    return run_of_reply(h, run_id, rc, run, err);
}

const sl_pb_run_t *
h_run_get(h_env_t *h, const h_proc_t *c, const char *run_id)
{
    const sl_pb_run_t *run = NULL;
    sl_err_t err = {0};
    int rc = h_run_query(h, c, run_id, &run, &err);
    if (rc != SL_OK) {
        print_error("GetRun %s on %s: %s\n", run_id, c->name,
                    sl_err_msg(&err, rc));
        fail();
    }
    return run;
}

const sl_pb_run_t *
h_wait_verdict(h_env_t *h, const h_proc_t *c, const char *run_id,
               uint32_t timeout_ms)
{
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    Sluice__V1__WaitVerdict wv;
    sluice__v1__wait_verdict__init(&wv);
    const sl_pb_run_t *run = NULL;
    sl_err_t err = {0};
    wv.run_id = (char *)(uintptr_t)run_id;
    wv.timeout_ms = timeout_ms;
    wv.final_only = 1;
    req.kind_case = SLUICE__V1__REQUEST__KIND_WAIT_VERDICT;
    req.wait_verdict = &wv;
    int rc = call(h, c, &req, (int)timeout_ms + H_CALL_MS, &err);
    rc = run_of_reply(h, run_id, rc, &run, &err);
    if (rc != SL_OK) {
        print_error("WaitVerdict %s on %s: %s\n", run_id, c->name,
                    sl_err_msg(&err, rc));
        fail();
    }
    return run;
}

static const char *
counts_str(const uint64_t v[5], char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "%llu/%llu/%llu/%llu/%llu",
                   (unsigned long long)v[0], (unsigned long long)v[1],
                   (unsigned long long)v[2], (unsigned long long)v[3],
                   (unsigned long long)v[4]);
    return buf;
}

void
h_assert_tests_at(const char *file, int line, const sl_pb_run_t *r,
                  uint64_t total, uint64_t passed, uint64_t failed,
                  uint64_t errors, uint64_t skipped)
{
    const Sluice__V1__TestCounts *t = r->tests;
    uint64_t want[5] = {total, passed, failed, errors, skipped}, got[5] = {0};
    char g[128], w[128];
    if (t != NULL) {
        uint64_t v[5] = {t->total, t->passed, t->failed, t->errors, t->skipped};
        memcpy(got, v, sizeof got);
    }
    if (t == NULL || memcmp(got, want, sizeof got) != 0) {
        print_error("run %s: tests total/passed/failed/errors/skipped are "
                    "%s, want %s\n",
                    r->run_id, counts_str(got, g, sizeof g),
                    counts_str(want, w, sizeof w));
        _fail(file, line);
    }
}

/* One page of GetEvents after after_lsn; must be a whole chunk. */
static const sl_pb_chunk_t *
events_page(h_env_t *h, const h_proc_t *c, const char *run_id,
            uint64_t after_lsn)
{
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    Sluice__V1__GetEvents ge;
    sluice__v1__get_events__init(&ge);
    sl_err_t err = {0};
    ge.run_id = (char *)(uintptr_t)run_id;
    ge.after_lsn = after_lsn;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_EVENTS;
    req.get_events = &ge;
    int rc = call(h, c, &req, H_CALL_MS, &err);
    if (rc == SL_OK && (h->reply->kind_case != SLUICE__V1__REPLY__KIND_CHUNK ||
                        h->reply->chunk->n_lsn != h->reply->chunk->n_events)) {
        rc = sl_err_set(&err, SL_EPROTO, "not a well-formed LogChunk");
    }
    if (rc != SL_OK) {
        print_error("GetEvents %s on %s: %s\n", run_id, c->name,
                    sl_err_msg(&err, rc));
        fail();
    }
    return h->reply->chunk;
}

/* An event visitor and its context. */
typedef struct visit {
    h_event_fn *fn;
    void *ctx;
} visit_t;

static void
count_event(h_events_t *ev, const char *run_id, uint64_t lsn,
            const ProtobufCBinaryData *bytes, const visit_t *vis)
{
    sl_pb_event_t *e = NULL;
    if (ev->n > 0 && lsn <= ev->last_lsn) {
        ev->ascending = 0;
    }
    ev->first_lsn = ev->n == 0 || lsn < ev->first_lsn ? lsn : ev->first_lsn;
    ev->last_lsn = lsn > ev->last_lsn ? lsn : ev->last_lsn;
    ev->n++;
    if (sl_wire_unpack(&sluice__v1__event__descriptor, bytes->data, bytes->len,
                       (void **)&e, NULL) != SL_OK) {
        ev->undecodable++;
        return;
    }
    if ((unsigned)e->body_case < sizeof ev->by_body / sizeof ev->by_body[0]) {
        ev->by_body[e->body_case]++;
    }
    if (e->run_id[0] != '\0' && strcmp(e->run_id, run_id) != 0) {
        ev->foreign++;
    }
    if (vis->fn != NULL) {
        vis->fn(e, lsn, vis->ctx);
    }
    sl_wire_free(&e);
}

void
h_events(h_env_t *h, const h_proc_t *c, const char *run_id, h_events_t *ev)
{
    h_events_each(h, c, run_id, ev, NULL, NULL);
}

void
h_events_each(h_env_t *h, const h_proc_t *c, const char *run_id, h_events_t *ev,
              h_event_fn *fn, void *ctx)
{
    const visit_t vis = {fn, ctx};
    uint64_t after = 0;
    memset(ev, 0, sizeof *ev);
    ev->ascending = 1;
    for (;;) {
        const sl_pb_chunk_t *ch = events_page(h, c, run_id, after);
        ev->head_lsn = ch->head_lsn;
        if (ch->n_lsn == 0) {
            break;
        }
        for (size_t i = 0; i < ch->n_lsn; i++) {
            count_event(ev, run_id, ch->lsn[i], &ch->events[i], &vis);
        }
        if (ch->lsn[ch->n_lsn - 1] <= after) {
            print_error("GetEvents %s: no progress past LSN %llu\n", run_id,
                        (unsigned long long)after);
            fail();
        }
        after = ch->lsn[ch->n_lsn - 1];
    }
}

/* ---- JSON ---------------------------------------------------------------- */

yajl_val
h_json(h_env_t *h, const char *text)
{
    char msg[256] = "";
    yajl_tree_free(h->json);
    h->json = yajl_tree_parse(text, msg, sizeof msg);
    if (h->json == NULL) {
        print_error("not JSON (%s):\n%s\n", msg, text);
        fail();
    }
    return h->json;
}

static const char *
path_str(const char **path, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; path[i] != NULL && off < cap; i++) {
        int n = snprintf(buf + off, cap - off, "%s%s", i ? "." : "", path[i]);
        off += n > 0 ? (size_t)n : 0;
    }
    return buf;
}

/* The value of type at path, which must exist; for numbers, flag (a
 * YAJL_NUMBER_*_VALID bit, or 0) must be set. */
static yajl_val
json_at(yajl_val root, const char **path, yajl_type type, unsigned flag,
        const char *what)
{
    char where[256];
    yajl_val v = yajl_tree_get(root, path, type);
    if (v == NULL || (flag != 0 && (v->u.number.flags & flag) == 0)) {
        print_error("JSON: no %s at %s\n", what,
                    path_str(path, where, sizeof where));
        fail();
    }
    return v;
}

long long
h_json_int(yajl_val root, const char **path)
{
    return json_at(root, path, yajl_t_number, YAJL_NUMBER_INT_VALID, "integer")
        ->u.number.i;
}

const char *
h_json_str(yajl_val root, const char **path)
{
    return json_at(root, path, yajl_t_string, 0, "string")->u.string;
}

yajl_val
h_json_array(yajl_val root, const char **path, size_t len)
{
    char where[256];
    yajl_val v = json_at(root, path, yajl_t_array, 0, "array");
    if (v->u.array.len != len) {
        print_error("JSON: %s has %zu elements, want %zu\n",
                    path_str(path, where, sizeof where), v->u.array.len, len);
        fail();
    }
    return v;
}

double
h_json_num(yajl_val root, const char **path)
{
    return json_at(root, path, yajl_t_number, YAJL_NUMBER_DOUBLE_VALID,
                   "number")
        ->u.number.d;
}

int
h_json_equal(yajl_val a, yajl_val b)
{
    if (a == NULL || b == NULL || a->type != b->type) {
        return a == b;
    }
    switch (a->type) {
    case yajl_t_string:
        return strcmp(a->u.string, b->u.string) == 0;
    case yajl_t_number:
        return strcmp(a->u.number.r, b->u.number.r) == 0;
    case yajl_t_object:
        if (a->u.object.len != b->u.object.len) {
            return 0;
        }
        for (size_t i = 0; i < a->u.object.len; i++) {
            if (strcmp(a->u.object.keys[i], b->u.object.keys[i]) != 0 ||
                !h_json_equal(a->u.object.values[i], b->u.object.values[i])) {
                return 0;
            }
        }
        return 1;
    case yajl_t_array:
        if (a->u.array.len != b->u.array.len) {
            return 0;
        }
        for (size_t i = 0; i < a->u.array.len; i++) {
            if (!h_json_equal(a->u.array.values[i], b->u.array.values[i])) {
                return 0;
            }
        }
        return 1;
    default: /* true, false, null: the type says it all */
        return 1;
    }
}
