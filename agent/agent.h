/* sluice-agent internals. */
#ifndef SLUICE_AGENT_H
#define SLUICE_AGENT_H

#include <stdint.h>
#include <stdio.h>

#include "sluice/batch.h"
#include "sluice/client.h"
#include "sluice/formats.h"

/* Exit statuses of DESIGN.md's contract. */
enum {
    AGENT_EXIT_OK = 0,
    AGENT_EXIT_FAIL = 1,
    AGENT_EXIT_USAGE = 2,
    AGENT_EXIT_UNREACHABLE = 3,
};

typedef struct agent_cfg {
    const char *collector;
    const char *project, *branch, *commit, *run_id;
    const char *format;
    const char *diff;    /* --diff: a unified diff for patch coverage */
    const char *spool;
    const char *log_level;
    uint64_t wait_ms;    /* 0: do not wait for the verdict */
    uint64_t timeout_ms; /* no ack for this long: collector unreachable */
    uint64_t window;     /* un-acknowledged batches in flight at most */
    int json, no_finish, help;
} agent_cfg_t;

/* Run metadata resolved from flags, the CI environment and git. */
typedef struct agent_meta {
    char run_id[257];
    char project[257], branch[257], commit[129];
    char ci[32], job[257], url[1025];
} agent_meta_t;

/* Fills m from cfg, else the environment (GitHub Actions, GitLab CI,
 * Jenkins, SLUICE_*), else git, else defaults; makes a run id when none is
 * given. SL_EINVAL when a value is too long or a run id has bad bytes. */
int agent_meta_resolve(const agent_cfg_t *cfg, agent_meta_t *m,
                       sl_err_t *err) SL_NODISCARD;

/* A batch sent and not yet acknowledged. */
typedef struct agent_inflight {
    zframe_t *frame;  /* the packed Request, kept for resending */
    char *run_id;
    uint64_t stream, last_seq, id;
} agent_inflight_t;

/* The batch window: sends, collects acks, resends, and spools to disk what
 * the collector did not acknowledge in time. */
typedef struct agent_sender {
    sl_client_t *client;
    const agent_cfg_t *cfg;
    agent_inflight_t *q;
    size_t n, cap;
    int64_t last_progress_ms, last_send_ms;
    int unreachable;   /* everything from now on goes to the spool */
    int interrupted;   /* a signal asked us to stop */
    char refusal[256]; /* the last Error reply since the last progress */
    FILE *spool;
    char spool_tmp[4096], spool_path[4096];
    uint64_t stored;   /* events newly stored, as acked */
} agent_sender_t;

int agent_sender_init(agent_sender_t *s, const agent_cfg_t *cfg,
                      sl_err_t *err) SL_NODISCARD;
/* Closes the spool (fsync + rename) if one was written; frees the rest.
 * SL_EIO when the spool could not be made durable. */
int agent_sender_fini(agent_sender_t *s, sl_err_t *err) SL_NODISCARD;

/* Sends (or spools) one batch request. Takes *frame. */
int agent_sender_send(agent_sender_t *s, zframe_t **frame,
                      const char *run_id, uint64_t stream, uint64_t last_seq,
                      uint64_t id) SL_NODISCARD;
/* Waits until every batch is acknowledged or spooled. */
int agent_sender_drain(agent_sender_t *s) SL_NODISCARD;

/* Sends the batches left in the spool directory by earlier pushes. *taken
 * receives the spool files read (deleted by agent_spool_done once they are
 * acknowledged or spooled again). */
int agent_spool_flush(agent_sender_t *s, char ***taken, size_t *ntaken,
                      sl_err_t *err) SL_NODISCARD;
void agent_spool_done(char ***taken, size_t ntaken, int remove);
/* Appends one request to the spool file (opened on first use). */
int agent_spool_write(agent_sender_t *s, zframe_t *frame) SL_NODISCARD;

/* One stream of the run: numbers the events and cuts them into batches. */
typedef struct agent_stream {
    agent_sender_t *sender;
    const char *run_id;
    uint64_t stream;
    uint64_t next_seq;  /* seq of the next event */
    uint64_t batch_seq; /* seq of the batch's first event */
    sl_batch_t batch;
} agent_stream_t;

void agent_stream_init(agent_stream_t *st, agent_sender_t *s,
                       const char *run_id, uint64_t stream);
/* Numbers ev and adds it, sending the batch when full. */
int agent_stream_add(agent_stream_t *st, sl_pb_event_t *ev) SL_NODISCARD;
/* Sends what is left and frees the batch. */
int agent_stream_close(agent_stream_t *st) SL_NODISCARD;

int agent_cmd_push(int argc, char **argv, int finish_only);
int agent_cmd_flush(int argc, char **argv);

#endif
