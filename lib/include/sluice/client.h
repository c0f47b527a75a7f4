/* A request/reply client of the collector's ROUTER endpoint (DEALER), used
 * by the agent, the gate and the CLI. Replies are matched to requests by id;
 * stale replies (to earlier, timed-out requests) are dropped. */
#ifndef SLUICE_CLIENT_H
#define SLUICE_CLIENT_H

#include <signal.h>

#include "sluice/wire.h"

typedef struct sl_client sl_client_t;

/* Connects to endpoint (tcp://, ipc://). Connecting never fails on a peer
 * that is down: that shows as SL_EUNREACH on the first call. */
int sl_client_new(sl_client_t **out, const char *endpoint, sl_err_t *err)
    SL_NODISCARD;
void sl_client_destroy(sl_client_t **cp);

/* Makes calls give up with SL_EINTR soon (within 100 ms) after *flag is
 * set, e.g. by a signal handler, instead of waiting out their timeout. */
void sl_client_set_stop(sl_client_t *c, const volatile sig_atomic_t *flag);

/* The socket, for callers that stream (the agent's batch window). */
zsock_t *sl_client_sock(sl_client_t *c);
/* A fresh request id. */
uint64_t sl_client_next_id(sl_client_t *c);

/* Receives one reply within timeout_ms into *out (caller frees with
 * sl_wire_free). SL_ETIMEDOUT when none came; SL_EINPUT when it does not
 * decode. */
int sl_client_recv(sl_client_t *c, int timeout_ms, sl_pb_reply_t **out,
                   sl_err_t *err) SL_NODISCARD;

/* Sends req (its id is set here) and waits up to timeout_ms for its reply.
 * An Error reply is returned as its code with its message in err (and
 * *out NULL). SL_EUNREACH when nothing answered in time. */
int sl_client_call(sl_client_t *c, sl_pb_request_t *req, int timeout_ms,
                   sl_pb_reply_t **out, sl_err_t *err) SL_NODISCARD;

#endif
