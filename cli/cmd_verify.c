/* sluice verify [--from LSN] [--json]: walks the collector's log through
 * ReadLog pages and recomputes every record's chain hash from the one
 * before (sluice/chain.h, docs/storage.md "The chain"), trusting nothing
 * but the bytes and hashes it reads. Stops at the first record that does
 * not match. --from N trusts the stored hash of record N-1. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "sluice/chain.h"
#include "sluice/json.h"

#define READ_PAGE 1000

typedef struct verify_cfg {
    cli_common_t common;
    uint64_t from;
    int json;
} verify_cfg_t;

/* clang-format off */
static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(verify_cfg_t),
    {"from", SL_OPT_U64, offsetof(verify_cfg_t, from), "1", 1, UINT64_MAX - 1,
     NULL, "LSN", "start at LSN, trusting the stored hash of LSN-1", NULL},
    {"json", SL_OPT_FLAG, offsetof(verify_cfg_t, json), NULL, 0, 0, NULL, NULL,
     "print the outcome as JSON", NULL},
    {0},
};
/* clang-format on */

static const cli_usage_t verify_usage = {
    "verify",
    "[OPTION]...",
    "Reads the collector's log from --from to its head and recomputes each\n"
    "record's chain hash, BLAKE2b-256(previous hash || LSN || digest), the\n"
    "digest being BLAKE2b-256 of the record's bytes (of the original bytes\n"
    "for a retention stub: its pruned_digest).\n"
    "Names the first record whose stored hash does not match, a missing LSN,\n"
    "or a record without a hash after the chain started (exit 1). Records\n"
    "stored before the collector kept a chain are counted, not verified.\n",
    options,
    0,
};

/* Where the walk stopped. */
typedef struct outcome {
    sl_chain_verdict_t verdict;
    uint64_t lsn;          /* the failing record */
    uint8_t expected[SL_CHAIN_LEN];
    uint8_t stored[SL_CHAIN_LEN];
    size_t stored_len;
    uint64_t records;      /* records taken (the anchor not counted) */
    uint8_t store_id[16];
    size_t store_id_len;
    uint64_t head_lsn;     /* the log's head when the walk began */
} outcome_t;

static int
read_page(sl_client_t *cl, const verify_cfg_t *cfg, uint64_t from,
          sl_pb_reply_t **rep)
{
    sl_pb_request_t req;
    sluice__v1__request__init(&req);
    Sluice__V1__ReadLog rl;
    sluice__v1__read_log__init(&rl);
    rl.from_lsn = from;
    rl.limit = READ_PAGE;
    req.kind_case = SLUICE__V1__REQUEST__KIND_READ_LOG;
    req.read_log = &rl;
    sl_err_t err = {0};
    int rc = cli_call(cl, &cfg->common, &req, SLUICE__V1__REPLY__KIND_CHUNK,
                      rep, &err);
    return rc == SL_OK ? CLI_CONTINUE : cli_fail(rc, &err);
}

/* The first page names the store and the head; later pages must come
 * from the same store. */
static int
check_store(const sl_pb_chunk_t *c, outcome_t *o, sl_chain_walk_t *w)
{
    if (o->store_id_len == 0) {
        if (c->store_id.len == 0 || c->store_id.len > sizeof o->store_id) {
            fprintf(stderr, "sluice verify: the collector sent no store id\n");
            return CLI_EXIT_ERROR;
        }
        o->store_id_len = c->store_id.len;
        memcpy(o->store_id, c->store_id.data, c->store_id.len);
        o->head_lsn = c->head_lsn;
        sl_chain_walk_init(w, o->store_id, o->store_id_len);
        return CLI_CONTINUE;
    }
    if (c->store_id.len != o->store_id_len ||
        memcmp(c->store_id.data, o->store_id, o->store_id_len) != 0) {
        fprintf(stderr, "sluice verify: the collector's store changed "
                        "during the walk\n");
        return CLI_EXIT_ERROR;
    }
    return CLI_CONTINUE;
}

/* Steps through one page. Returns 1 when the walk is over (a failure or
 * the head reached), 0 to read on. */
static int
walk_page(const verify_cfg_t *cfg, const sl_pb_chunk_t *c, sl_chain_walk_t *w,
          outcome_t *o)
{
    size_t n = c->n_lsn < c->n_events ? c->n_lsn : c->n_events;
    for (size_t i = 0; i < n; i++) {
        uint64_t lsn = c->lsn[i];
        const ProtobufCBinaryData *ev = &c->events[i];
        const ProtobufCBinaryData *h = i < c->n_chain ? &c->chain[i] : NULL;
        size_t hlen = h != NULL ? h->len : 0;
        if (lsn < cfg->from) {
            if (lsn == cfg->from - 1) { /* the record --from trusts */
                sl_chain_walk_anchor(w, lsn, hlen ? h->data : NULL, hlen);
            }
            continue;
        }
        o->verdict = sl_chain_walk_step(w, lsn, ev->data, ev->len,
                                        hlen ? h->data : NULL, hlen,
                                        o->expected);
        if (o->verdict != SL_CHAIN_OK) {
            o->lsn = lsn;
            o->stored_len = hlen;
            if (hlen == SL_CHAIN_LEN) {
                memcpy(o->stored, h->data, hlen);
            }
            return 1;
        }
        o->records++;
        if (lsn >= o->head_lsn) {
            return 1;
        }
    }
    return n == 0;
}

static int
walk(sl_client_t *cl, const verify_cfg_t *cfg, sl_chain_walk_t *w,
     outcome_t *o)
{
    uint64_t from = cfg->from > 1 ? cfg->from - 1 : 1;
    for (;;) {
        sl_pb_reply_t *rep = NULL;
        int st = read_page(cl, cfg, from, &rep);
        const sl_pb_chunk_t *c = st == CLI_CONTINUE ? rep->chunk : NULL;
        st = st == CLI_CONTINUE ? check_store(c, o, w) : st;
        if (st == CLI_CONTINUE && from == cfg->from - 1 &&
            (c->n_lsn == 0 || c->lsn[0] != from)) {
            sl_chain_walk_anchor(w, from, NULL, 0); /* LSN from is absent */
        }
        int done = st == CLI_CONTINUE ? walk_page(cfg, c, w, o) : 1;
        if (st == CLI_CONTINUE && !done) {
            from = c->lsn[c->n_lsn - 1] + 1;
        }
        sl_wire_free(&rep);
        if (st != CLI_CONTINUE || done) {
            return st;
        }
    }
}

static const char *
verdict_name(sl_chain_verdict_t v)
{
    switch (v) {
    case SL_CHAIN_MISMATCH:
        return "mismatch";
    case SL_CHAIN_GAP:
        return "missing record";
    case SL_CHAIN_MISSING:
        return "missing hash";
    default:
        return "ok";
    }
}

static void
print_text(const verify_cfg_t *cfg, const sl_chain_walk_t *w,
           const outcome_t *o)
{
    char a[2 * SL_CHAIN_LEN + 1], b[2 * SL_CHAIN_LEN + 1];
    switch (o->verdict) {
    case SL_CHAIN_MISMATCH:
        printf("LSN %" PRIu64 " does not match: expected hash %s, stored "
               "%s\n", o->lsn, sl_chain_hex(o->expected, a),
               o->stored_len == SL_CHAIN_LEN ? sl_chain_hex(o->stored, b)
                                             : "(not 32 bytes)");
        break;
    case SL_CHAIN_GAP:
        printf("LSN %" PRIu64 "..%" PRIu64 " missing from the log (the "
               "next record is LSN %" PRIu64 ")\n", w->last_lsn + 1,
               o->lsn - 1, o->lsn);
        break;
    case SL_CHAIN_MISSING:
        printf("LSN %" PRIu64 " carries no chain hash, but the chain holds "
               "the records before it\n", o->lsn);
        break;
    default:
        if (w->verified > 0) {
            printf("verified %" PRIu64 " records, LSN %" PRIu64 "..%" PRIu64
                   ", head hash %s\n", w->verified, w->first_chained,
                   w->last_lsn, sl_chain_hex(w->prev, a));
        } else {
            printf("verified 0 records: no chained record from LSN %" PRIu64
                   "\n", cfg->from);
        }
        break;
    }
    if (w->unchained > 0) {
        printf("LSN %" PRIu64 "..%" PRIu64 " were stored before the chain "
               "(not verified)\n", w->first_lsn,
               w->first_chained ? w->first_chained - 1 : w->last_lsn);
    }
    if (cfg->from > 1) {
        printf("from LSN %" PRIu64 ": the stored hash of LSN %" PRIu64
               " was trusted\n", cfg->from, cfg->from - 1);
    }
}

static int
print_json(const verify_cfg_t *cfg, const sl_chain_walk_t *w,
           const outcome_t *o)
{
    char a[2 * SL_CHAIN_LEN + 1];
    yajl_gen y = sl_json_new(1);
    if (y == NULL) {
        return SL_ENOMEM;
    }
    yajl_gen_map_open(y);
    sl_json_kbool(y, "ok", o->verdict == SL_CHAIN_OK);
    sl_json_ku64(y, "from", cfg->from);
    sl_json_ku64(y, "records", o->records);
    sl_json_ku64(y, "verified", w->verified);
    sl_json_ku64(y, "unchained", w->unchained);
    sl_json_ku64(y, "first_chained_lsn", w->first_chained);
    sl_json_ku64(y, "last_lsn", w->last_lsn);
    sl_json_kstr(y, "last_hash", w->chained ? sl_chain_hex(w->prev, a) : "");
    if (o->verdict != SL_CHAIN_OK) {
        sl_json_str(y, "failure");
        yajl_gen_map_open(y);
        sl_json_kstr(y, "kind", verdict_name(o->verdict));
        sl_json_ku64(y, "lsn", o->lsn);
        if (o->verdict == SL_CHAIN_MISMATCH) {
            sl_json_kstr(y, "expected", sl_chain_hex(o->expected, a));
            sl_json_kstr(y, "stored", o->stored_len == SL_CHAIN_LEN
                                          ? sl_chain_hex(o->stored, a)
                                          : "");
        }
        yajl_gen_map_close(y);
    }
    yajl_gen_map_close(y);
    int rc = sl_json_flush(y, stdout);
    yajl_gen_free(y);
    return rc;
}

int
cli_cmd_verify(int argc, char **argv)
{
    verify_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&verify_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 0) {
        return cli_usage_error(&verify_usage, "takes no arguments");
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "sluice verify: libsodium failed to initialise\n");
        return CLI_EXIT_ERROR;
    }
    sl_chain_walk_t w;
    memset(&w, 0, sizeof w);
    outcome_t o;
    memset(&o, 0, sizeof o);
    st = cli_connect(&cfg.common, &cl);
    st = st == CLI_CONTINUE ? walk(cl, &cfg, &w, &o) : st;
    sl_client_destroy(&cl);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (cfg.json) {
        if (print_json(&cfg, &w, &o) != SL_OK) {
            return cli_done(CLI_EXIT_ERROR);
        }
    } else {
        print_text(&cfg, &w, &o);
    }
    return cli_done(o.verdict == SL_CHAIN_OK ? CLI_EXIT_OK : CLI_EXIT_ERROR);
}
