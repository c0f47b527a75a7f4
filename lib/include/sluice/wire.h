/* Wire messages: protobuf-c packing and checked, budgeted unpacking, and
 * sending/receiving them as single ZeroMQ frames.
 *
 * The generated sluice.v1 types are used directly by the programs (mirroring
 * every message in a hand-written struct would duplicate the schema); what
 * stays here is every call into protobuf-c that can fail on hostile bytes. */
#ifndef SLUICE_WIRE_H
#define SLUICE_WIRE_H

#include <stddef.h>

#include <czmq.h>

#include "sluice.pb-c.h"
#include "sluice/err.h"

/* The largest message any socket accepts (ZMQ_MAXMSGSIZE) or any decode
 * takes. A batch of 1,000 test cases with full messages stays well below. */
#define SL_WIRE_MAX_MSG (16 * 1024 * 1024)

/* Short names for the generated types. */
typedef Sluice__V1__Event sl_pb_event_t;
typedef Sluice__V1__Batch sl_pb_batch_t;
typedef Sluice__V1__Request sl_pb_request_t;
typedef Sluice__V1__Reply sl_pb_reply_t;
typedef Sluice__V1__RunRecord sl_pb_run_t;
typedef Sluice__V1__LogChunk sl_pb_chunk_t;
typedef Sluice__V1__Verdict sl_pb_verdict_t;

/* Unpacks len bytes as a message of type desc into *out, with an allocation
 * budget proportional to len. The caller frees *out with sl_wire_free.
 * SL_ETOOBIG over SL_WIRE_MAX_MSG, SL_EINPUT when the bytes do not decode
 * or exceed the budget. */
int sl_wire_unpack(const ProtobufCMessageDescriptor *desc, const void *buf,
                   size_t len, void **out, sl_err_t *err) SL_NODISCARD;

/* Frees a message from sl_wire_unpack and NULLs *msg_p; NULL-safe. */
void sl_wire_free(void *msg_p);

/* Packs m into a new frame. NULL on OOM. The caller owns the frame. */
zframe_t *sl_wire_frame(const ProtobufCMessage *m);

/* Packs m and sends it as the last frame of a message on sock (after any
 * frames sent before with ZFRAME_MORE). SL_EIO when zmq refuses. */
int sl_wire_send(zsock_t *sock, const ProtobufCMessage *m) SL_NODISCARD;

/* Packs m into a growing buffer at *len (realloc'ed as needed).
 * SL_ENOMEM on failure. */
int sl_wire_append(const ProtobufCMessage *m, uint8_t **buf, size_t *cap,
                   size_t *len) SL_NODISCARD;

/* Applies the message-size cap and linger 0 to a socket. */
void sl_wire_socket_limits(zsock_t *sock);

#endif
