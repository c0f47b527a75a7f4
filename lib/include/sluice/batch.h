/* Building batch requests without a copy per event: each event is packed
 * once, as it is produced, into the encoding of Batch.events; the Request
 * around it is written when the batch is sent. Senders (the agent, the
 * gate) never hold more than one batch of parsed records. */
#ifndef SLUICE_BATCH_H
#define SLUICE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/wire.h"

/* Events per batch, and bytes per batch, that senders aim for. */
#define SL_BATCH_EVENTS 1000
#define SL_BATCH_BYTES (1u << 20)

typedef struct sl_batch {
    uint8_t *buf; /* encoded Batch.events fields */
    size_t len, cap;
    uint32_t n;   /* events in buf */
} sl_batch_t;

void sl_batch_init(sl_batch_t *b);
void sl_batch_fini(sl_batch_t *b);
/* Empties the batch, keeping its buffer. */
void sl_batch_reset(sl_batch_t *b);
/* Nonzero when the batch should be sent before another event is added. */
int sl_batch_full(const sl_batch_t *b);

/* Packs ev (its seq must follow the previous one) into the batch.
 * SL_ENOMEM. */
int sl_batch_add(sl_batch_t *b, const sl_pb_event_t *ev) SL_NODISCARD;

/* A new frame holding Request{id, Batch{run_id, stream, first_seq,
 * events}}. NULL on OOM. The caller owns it. */
zframe_t *sl_batch_request(const sl_batch_t *b, uint64_t id,
                           const char *run_id, uint64_t stream,
                           uint64_t first_seq);

#endif
