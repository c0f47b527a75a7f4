#include "sluice/batch.h"

#include <stdlib.h>
#include <string.h>

/* Protobuf wire encoding of the few fields written by hand here; the field
 * numbers are those of proto/sluice.proto (Request.id = 1, Request.batch =
 * 2; Batch.run_id = 1, stream = 2, first_seq = 3, events = 4). */
enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2 };
#define TAG(field, wt) ((uint8_t)((field) << 3 | (wt)))

void
sl_batch_init(sl_batch_t *b)
{
    memset(b, 0, sizeof *b);
}

void
sl_batch_fini(sl_batch_t *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}

void
sl_batch_reset(sl_batch_t *b)
{
    b->len = 0;
    b->n = 0;
}

int
sl_batch_full(const sl_batch_t *b)
{
    return b->n >= SL_BATCH_EVENTS || b->len >= SL_BATCH_BYTES;
}

static int
reserve(sl_batch_t *b, size_t more)
{
    if (b->len + more <= b->cap) {
        return SL_OK;
    }
    size_t cap = b->cap ? b->cap : 64 * 1024;
    while (cap < b->len + more) {
        cap *= 2;
    }
    uint8_t *nb = realloc(b->buf, cap);
    if (nb == NULL) {
        return SL_ENOMEM;
    }
    b->buf = nb;
    b->cap = cap;
    return SL_OK;
}

int
sl_batch_add(sl_batch_t *b, const sl_pb_event_t *ev)
{
    size_t n = protobuf_c_message_get_packed_size(&ev->base);
    if (reserve(b, n + 11) != SL_OK) {
        return SL_ENOMEM;
    }
    b->buf[b->len++] = TAG(4, WT_LEN);
    b->len += sl_wire_varint(b->buf + b->len, n);
    b->len += protobuf_c_message_pack(&ev->base, b->buf + b->len);
    b->n++;
    return SL_OK;
}

zframe_t *
sl_batch_request(const sl_batch_t *b, uint64_t id, const char *run_id,
                 uint64_t stream, uint64_t first_seq)
{
    uint8_t head[64];
    size_t idlen = strlen(run_id), h = 0;
    head[h++] = TAG(1, WT_LEN);
    h += sl_wire_varint(head + h, idlen);
    size_t after_id = h;
    uint8_t tail[32];
    size_t t = 0;
    tail[t++] = TAG(2, WT_FIXED64);
    for (int i = 0; i < 8; i++) {
        tail[t++] = (uint8_t)(stream >> (8 * i));
    }
    tail[t++] = TAG(3, WT_VARINT);
    t += sl_wire_varint(tail + t, first_seq);
    size_t batch_len = after_id + idlen + t + b->len;
    uint8_t req[32];
    size_t r = 0;
    req[r++] = TAG(1, WT_VARINT);
    r += sl_wire_varint(req + r, id);
    req[r++] = TAG(2, WT_LEN);
    r += sl_wire_varint(req + r, batch_len);
    zframe_t *f = zframe_new(NULL, r + batch_len);
    if (f != NULL) {
        uint8_t *p = zframe_data(f);
        memcpy(p, req, r);
        memcpy(p + r, head, after_id);
        memcpy(p + r + after_id, run_id, idlen);
        memcpy(p + r + after_id + idlen, tail, t);
        memcpy(p + r + after_id + idlen + t, b->buf, b->len);
    }
    return f;
}
