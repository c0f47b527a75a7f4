#include "sluice/wire.h"

#include <stdlib.h>
#include <string.h>

/* protobuf-c allocates a struct per sub-message and a buffer per string, so
 * a message can cost far more memory than its bytes; the budget stops a
 * small hostile message from making the decoder allocate gigabytes. */
typedef struct budget {
    size_t left;
} budget_t;

static void *
budget_alloc(void *data, size_t size)
{
    budget_t *b = data;
    if (size > b->left) {
        return NULL;
    }
    b->left -= size;
    return malloc(size);
}

static void
budget_free(void *data, void *ptr)
{
    (void)data;
    free(ptr);
}

int
sl_wire_unpack(const ProtobufCMessageDescriptor *desc, const void *buf,
               size_t len, void **out, sl_err_t *err)
{
    *out = NULL;
    if (len > SL_WIRE_MAX_MSG) {
        return sl_err_set(err, SL_ETOOBIG, "%s: message of %zu bytes",
                          desc->name, len);
    }
    budget_t b = {.left = len * 48 + 64 * 1024};
    ProtobufCAllocator a = {budget_alloc, budget_free, &b};
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &a, len, buf);
    if (m == NULL) {
        return sl_err_set(err, SL_EINPUT, "%s: %zu bytes do not decode",
                          desc->name, len);
    }
    *out = m;
    return SL_OK;
}

void
sl_wire_free(void *msg_p)
{
    ProtobufCMessage **p = msg_p;
    if (p != NULL && *p != NULL) {
        /* Our allocator frees with free(), as the default one does. */
        protobuf_c_message_free_unpacked(*p, NULL);
        *p = NULL;
    }
}

uint8_t *
sl_wire_pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf != NULL) {
        (void)protobuf_c_message_pack(m, buf);
    }
    return buf;
}

int
sl_wire_clone(const ProtobufCMessage *m, void **out)
{
    size_t n;
    uint8_t *buf = sl_wire_pack(m, &n);
    *out = NULL;
    if (buf == NULL) {
        return SL_ENOMEM;
    }
    int rc = sl_wire_unpack(m->descriptor, buf, n, out, NULL);
    free(buf);
    return rc;
}

zframe_t *
sl_wire_frame(const ProtobufCMessage *m)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    zframe_t *f = zframe_new(NULL, n);
    if (f != NULL) {
        (void)protobuf_c_message_pack(m, zframe_data(f));
    }
    return f;
}

int
sl_wire_send(zsock_t *sock, const ProtobufCMessage *m)
{
    zframe_t *f = sl_wire_frame(m);
    if (f == NULL) {
        return SL_ENOMEM;
    }
    if (zframe_send(&f, sock, 0) != 0) {
        zframe_destroy(&f);
        return SL_EIO;
    }
    return SL_OK;
}

int
sl_wire_append(const ProtobufCMessage *m, uint8_t **buf, size_t *cap,
               size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    if (*len + n > *cap) {
        size_t ncap = *cap ? *cap : 4096;
        while (ncap < *len + n) {
            ncap *= 2;
        }
        uint8_t *nb = realloc(*buf, ncap);
        if (nb == NULL) {
            return SL_ENOMEM;
        }
        *buf = nb;
        *cap = ncap;
    }
    *len += protobuf_c_message_pack(m, *buf + *len);
    return SL_OK;
}

size_t
sl_wire_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

void
sl_wire_socket_limits(zsock_t *sock)
{
    zsock_set_maxmsgsize(sock, SL_WIRE_MAX_MSG);
    zsock_set_linger(sock, 0);
}

/* ---- arena decoding ---------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
} arena_block_t;

struct sl_arena {
    arena_block_t *head;
    size_t left; /* budget */
};

#define ARENA_BLOCK (256 * 1024)

static void *
arena_alloc(void *data, size_t size)
{
    sl_arena_t *a = data;
    size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    arena_block_t *b = a->head;
    if (b == NULL || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        if (cap > a->left) {
            return NULL;
        }
        a->left -= cap;
        b = malloc(sizeof *b + cap);
        if (b == NULL) {
            return NULL;
        }
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = (unsigned char *)b->data + b->used;
    b->used += size;
    return p;
}

static void
arena_free_one(void *data, void *ptr)
{
    (void)data; /* released with the arena */
    (void)ptr;
}

void
sl_arena_free(sl_arena_t **ap)
{
    if (ap == NULL || *ap == NULL) {
        return;
    }
    arena_block_t *b = (*ap)->head;
    while (b != NULL) {
        arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    free(*ap);
    *ap = NULL;
}

int
sl_wire_unpack_arena(const ProtobufCMessageDescriptor *desc, const void *buf,
                     size_t len, void **out, sl_arena_t **arena,
                     sl_err_t *err)
{
    *out = NULL;
    *arena = NULL;
    if (len > SL_WIRE_MAX_MSG) {
        return sl_err_set(err, SL_ETOOBIG, "%s: message of %zu bytes",
                          desc->name, len);
    }
    sl_arena_t *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    a->left = len * 48 + ARENA_BLOCK;
    ProtobufCAllocator pa = {arena_alloc, arena_free_one, a};
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &pa, len, buf);
    if (m == NULL) {
        sl_arena_free(&a);
        return sl_err_set(err, SL_EINPUT, "%s: %zu bytes do not decode",
                          desc->name, len);
    }
    *out = m;
    *arena = a;
    return SL_OK;
}

/* ---- locating batch events --------------------------------------------- */

static int
read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            return SL_OK;
        }
    }
    return SL_EPROTO;
}

/* Reads one field at *pos: its number and, for length-delimited fields,
 * the payload's range; other wire types are skipped. */
static int
next_field(const uint8_t *p, size_t len, size_t *pos, uint32_t *field,
           sl_range_t *payload)
{
    uint64_t tag, n = 0;
    int rc = read_varint(p, len, pos, &tag);
    payload->off = payload->len = 0;
    *field = (uint32_t)(tag >> 3);
    switch (rc == SL_OK ? (int)(tag & 7) : -1) {
    case 0:
        return read_varint(p, len, pos, &n);
    case 1:
        n = 8;
        break;
    case 5:
        n = 4;
        break;
    case 2:
        rc = read_varint(p, len, pos, &n);
        payload->off = *pos;
        payload->len = (size_t)n;
        break;
    default:
        return SL_EPROTO;
    }
    if (rc != SL_OK || n > len - *pos) {
        return SL_EPROTO;
    }
    *pos += (size_t)n;
    return SL_OK;
}

int
sl_wire_batch_ranges(const uint8_t *buf, size_t len, sl_range_t *out,
                     size_t n)
{
    sl_range_t batch = {0, 0}, r;
    size_t pos = 0, found = 0, batches = 0;
    uint32_t field;
    while (pos < len) {
        if (next_field(buf, len, &pos, &field, &r) != SL_OK) {
            return SL_EPROTO;
        }
        if (field == 2) { /* Request.batch */
            batch = r;
            batches++;
        }
    }
    for (pos = batch.off; batches == 1 && pos < batch.off + batch.len;) {
        if (next_field(buf, batch.off + batch.len, &pos, &field, &r) != SL_OK) {
            return SL_EPROTO;
        }
        if (field == 4) { /* Batch.events */
            if (found == n) {
                return SL_EPROTO;
            }
            out[found++] = r;
        }
    }
    return batches == 1 && found == n ? SL_OK : SL_EPROTO;
}
