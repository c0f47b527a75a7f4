/* Alert delivery for the gate: a webhook POST (libcurl) or a command
 * (/bin/sh -c, the alert's JSON on its stdin), done by one worker thread so
 * that no verdict ever waits for a delivery (docs/alerts.md).
 *
 * A post with a webhook and a command makes two deliveries, each counted
 * on its own: delivered (2xx reply; exit status 0), failed (anything else:
 * no connection, timeout, non-2xx, killed, non-zero exit) or dropped (the
 * queue was full, memory ran out, or the worker stopped first). Every
 * failure and drop is logged (component "alert"). */
#ifndef SLUICE_GATE_ALERT_OUT_H
#define SLUICE_GATE_ALERT_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/wire.h"

/* A timeout_ms of 0 means this; larger ones are cut to the maximum. */
#define GATE_ALERT_TIMEOUT_MS     5000u
#define GATE_ALERT_TIMEOUT_MAX_MS 600000u
/* A webhook's reply body is read (and thrown away) up to this size; a
 * longer one is cut off, and the status line still decides. */
#define GATE_ALERT_REPLY_MAX ((size_t)64 * 1024)
/* Bytes of one alert's JSON at most: larger bodies are dropped. */
#define GATE_ALERT_BODY_MAX (1u << 20)

typedef struct gate_alerts gate_alerts_t;

/* Starts the delivery worker (and libcurl's global state, released by
 * gate_alerts_destroy). queue_max deliveries (at least 1) may wait behind
 * the one under way; when the queue is full, a new delivery is dropped and
 * counted, and the older ones are kept. SL_ENOMEM, SL_ESYS (no thread, or
 * libcurl would not start). */
int gate_alerts_new(gate_alerts_t **out, size_t queue_max,
                    sl_err_t *err) SL_NODISCARD;

/* Queues one delivery to webhook (an http:// or https:// URL) and one to
 * command, each when it is not NULL or "", with a copy of json[0..len).
 * It never blocks on the network or a process: it takes a mutex for as long
 * as a queue push takes. timeout_ms bounds each delivery as a whole (0:
 * GATE_ALERT_TIMEOUT_MS). Nothing is returned: the outcome shows in the
 * counts and the log. */
void gate_alerts_post(gate_alerts_t *a, const char *webhook,
                      const char *command, uint64_t timeout_ms,
                      const char *json, size_t len);

/* The deliveries delivered, failed and dropped so far (any pointer may be
 * NULL; a NULL a gives zeros). */
void gate_alerts_counts(gate_alerts_t *a, uint64_t *delivered, uint64_t *failed,
                        uint64_t *dropped);

/* Stops the worker: the delivery under way gets at most its timeout, the
 * rest of the queue is dropped (counted and logged, with the totals). NULL
 * safe; nulls *ap. */
void gate_alerts_destroy(gate_alerts_t **ap);

/* The alert's JSON, the body POSTed and written to the command's stdin:
 * {"kind", "project", "branch", "commit", "run_id", "subject", "message",
 *  "reason": {rule, status, subject, value, unit, threshold, baseline,
 *  baseline_spread, baseline_n, change_pct, method, statistic,
 *  statistic_value, p_value, message} or null}, compact, UTF-8 (bad bytes
 * become '?'). run_id may be NULL (""). *out is malloc'ed (the caller
 * frees it) and NUL-terminated; *len excludes the NUL. SL_ENOMEM. */
int gate_alert_json(const Sluice__V1__Alert *a, const char *run_id, char **out,
                    size_t *len) SL_NODISCARD;

#endif
