#include "sluice/client.h"

#include <stdlib.h>

#include "sluice/clock.h"

struct sl_client {
    zsock_t *sock;
    char *endpoint;
    uint64_t next_id;
    const volatile sig_atomic_t *stop;
};

/* Waits are cut into slices this long so a stop flag is seen. */
#define STOP_SLICE_MS 100

int
sl_client_new(sl_client_t **out, const char *endpoint, sl_err_t *err)
{
    sl_client_t *c = calloc(1, sizeof *c);
    *out = NULL;
    if (c == NULL) {
        return sl_err_set(err, SL_ENOMEM, "client: out of memory");
    }
    c->sock = zsock_new(ZMQ_DEALER);
    c->endpoint = strdup(endpoint);
    c->next_id = (uint64_t)sl_now_us();
    if (c->sock == NULL || c->endpoint == NULL) {
        sl_client_destroy(&c);
        return sl_err_set(err, SL_ENOMEM, "client: cannot make a socket");
    }
    sl_wire_socket_limits(c->sock);
    if (zsock_connect(c->sock, "%s", endpoint) != 0) {
        sl_client_destroy(&c);
        return sl_err_set(err, SL_EINVAL, "invalid collector endpoint '%s'",
                          endpoint);
    }
    *out = c;
    return SL_OK;
}

void
sl_client_destroy(sl_client_t **cp)
{
    if (cp == NULL || *cp == NULL) {
        return;
    }
    zsock_destroy(&(*cp)->sock);
    free((*cp)->endpoint);
    free(*cp);
    *cp = NULL;
}

void
sl_client_set_stop(sl_client_t *c, const volatile sig_atomic_t *flag)
{
    c->stop = flag;
}

zsock_t *
sl_client_sock(sl_client_t *c)
{
    return c->sock;
}

uint64_t
sl_client_next_id(sl_client_t *c)
{
    return ++c->next_id;
}

int
sl_client_recv(sl_client_t *c, int timeout_ms, sl_pb_reply_t **out,
               sl_err_t *err)
{
    *out = NULL;
    zmq_pollitem_t item = {zsock_resolve(c->sock), 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&item, 1, timeout_ms);
    if (n < 0) {
        return errno == EINTR ? SL_EINTR : SL_EIO;
    }
    if (n == 0) {
        return SL_ETIMEDOUT;
    }
    zframe_t *f = zframe_recv(c->sock);
    if (f == NULL) {
        return SL_EIO;
    }
    int rc = sl_wire_unpack(&sluice__v1__reply__descriptor, zframe_data(f),
                            zframe_size(f), (void **)out, err);
    zframe_destroy(&f);
    return rc;
}

/* Waits for the reply to id, dropping others, until deadline. */
static int
await(sl_client_t *c, uint64_t id, int64_t deadline, sl_pb_reply_t **out,
      sl_err_t *err)
{
    for (;;) {
        int64_t left = deadline - sl_mono_ms();
        if (c->stop != NULL && *c->stop) {
            return sl_err_set(err, SL_EINTR, "interrupted");
        }
        if (left <= 0) {
            return sl_err_set(err, SL_EUNREACH,
                              "no answer from the collector at %s",
                              c->endpoint);
        }
        int slice = c->stop != NULL && left > STOP_SLICE_MS ? STOP_SLICE_MS
                                                             : (int)left;
        int rc = sl_client_recv(c, slice, out, err);
        if (rc == SL_ETIMEDOUT || rc == SL_EINTR) {
            continue;
        }
        if (rc != SL_OK || (*out)->id == id) {
            return rc;
        }
        sl_wire_free(out);
    }
}

int
sl_client_call(sl_client_t *c, sl_pb_request_t *req, int timeout_ms,
               sl_pb_reply_t **out, sl_err_t *err)
{
    *out = NULL;
    req->id = sl_client_next_id(c);
    int rc = sl_wire_send(c->sock, &req->base);
    if (rc != SL_OK) {
        return sl_err_set(err, rc, "cannot send to %s", c->endpoint);
    }
    rc = await(c, req->id, sl_mono_ms() + timeout_ms, out, err);
    if (rc == SL_OK && (*out)->kind_case == SLUICE__V1__REPLY__KIND_ERROR) {
        int code = (*out)->error->code < 0 ? (*out)->error->code : SL_EPROTO;
        (void)sl_err_set(err, code, "%s", (*out)->error->message);
        sl_wire_free(out);
        return code;
    }
    return rc;
}
