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

void
sl_wire_socket_limits(zsock_t *sock)
{
    zsock_set_maxmsgsize(sock, SL_WIRE_MAX_MSG);
    zsock_set_linger(sock, 0);
}
