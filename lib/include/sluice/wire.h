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
typedef Sluice__V1__GateNotes sl_pb_gate_notes_t;

/* Unpacks len bytes as a message of type desc into *out, with an allocation
 * budget proportional to len. The caller frees *out with sl_wire_free.
 * SL_ETOOBIG over SL_WIRE_MAX_MSG, SL_EINPUT when the bytes do not decode
 * or exceed the budget. */
int sl_wire_unpack(const ProtobufCMessageDescriptor *desc, const void *buf,
                   size_t len, void **out, sl_err_t *err) SL_NODISCARD;

/* Frees a message from sl_wire_unpack and NULLs *msg_p; NULL-safe. */
void sl_wire_free(void *msg_p);

/* An arena a message is decoded into: one free for the whole message. */
typedef struct sl_arena sl_arena_t;

/* Like sl_wire_unpack, but every allocation comes from a new arena (*arena)
 * under the same budget: much cheaper for large messages that are only
 * read (a batch of 1,000 events is ~6,000 allocations otherwise). The
 * message must not be edited or passed to sl_wire_free; sl_arena_free
 * releases it. */
int sl_wire_unpack_arena(const ProtobufCMessageDescriptor *desc,
                         const void *buf, size_t len, void **out,
                         sl_arena_t **arena, sl_err_t *err) SL_NODISCARD;
void sl_arena_free(sl_arena_t **ap);

/* A byte range inside a buffer. */
typedef struct sl_range {
    size_t off, len;
} sl_range_t;

/* Finds where each Batch.events entry lies inside a packed Request that
 * holds one batch (as sent), so the events can be stored as they came
 * instead of being packed again. out (n entries) receives the ranges in
 * order. SL_EPROTO when the layout is not one batch with exactly n events
 * (e.g. a batch split over several fields, which protobuf would merge). */
int sl_wire_batch_ranges(const uint8_t *buf, size_t len, sl_range_t *out,
                         size_t n) SL_NODISCARD;

/* Packs m into a new malloc'ed buffer (*len bytes; the caller frees it).
 * NULL on OOM. */
uint8_t *sl_wire_pack(const ProtobufCMessage *m, size_t *len);

/* A deep copy of m (freed with sl_wire_free): packed and unpacked again.
 * SL_ENOMEM / SL_EINPUT. */
int sl_wire_clone(const ProtobufCMessage *m, void **out) SL_NODISCARD;

/* Packs m into a new frame. NULL on OOM. The caller owns the frame. */
zframe_t *sl_wire_frame(const ProtobufCMessage *m);

/* Packs m and sends it as the last frame of a message on sock (after any
 * frames sent before with ZFRAME_MORE). SL_EIO when zmq refuses. */
int sl_wire_send(zsock_t *sock, const ProtobufCMessage *m) SL_NODISCARD;

/* Packs m into a growing buffer at *len (realloc'ed as needed).
 * SL_ENOMEM on failure. */
int sl_wire_append(const ProtobufCMessage *m, uint8_t **buf, size_t *cap,
                   size_t *len) SL_NODISCARD;

/* Writes v as a protobuf varint to out (10 bytes at most); returns its
 * length. */
size_t sl_wire_varint(uint8_t *out, uint64_t v);

/* Applies the message-size cap and linger 0 to a socket. */
void sl_wire_socket_limits(zsock_t *sock);

#endif
