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
    const char *runner, *base_branch, *base_commit, *expect;
    const char *format;
    const char *diff;    /* --diff: a unified diff for patch coverage */
    const char *spool;
    const char *log_level;
    uint64_t wait_ms;    /* 0: do not wait for the verdict */
    uint64_t timeout_ms; /* no ack for this long: collector unreachable */
    uint64_t window;     /* un-acknowledged batches in flight at most */
    int json, no_finish, help;
    int github;            /* --github: annotations and step summary */
    const char *junit_out; /* --junit-out F: the verdict as JUnit XML */
} agent_cfg_t;

/* Run metadata resolved from flags, the CI environment and git. */
typedef struct agent_meta {
    char run_id[257];
    char project[257], branch[257], commit[129];
    char ci[32], job[257], url[1025];
    char runner[129], base_branch[257], base_commit[129];
    char expect[8][16]; /* kinds declared by --expect */
    size_t n_expect;
} agent_meta_t;

/* The kinds --expect takes. */
#define AGENT_KINDS "tests, coverage, benchmarks, findings, patch"

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

/* ---- the verdict for CI systems (verdict_out.c, docs/ci.md) ----
 * Each takes a run record with every sub-message present (a Run reply
 * checked for meta and verdict) and reports sl_verdict_of(r). */

/* Writes s as GitHub workflow command data ('%', CR, LF escaped as %25,
 * %0D, %0A) or, property nonzero, as a property value (':' and ',' too, as
 * %3A and %2C); invalid UTF-8 and other control characters but tab become
 * '?'. */
void agent_gh_escape(FILE *out, const char *s, int property);
/* One workflow command per reason: "::error title=sluice: RULE[ SUBJECT]::
 * MESSAGE\nFIGURES" for fail and incomplete, ::warning for warn; and an
 * ::error for the verdict itself when it fails with no failing reason or
 * is still pending. SL_EIO. */
int agent_gh_annotations(const sl_pb_run_t *r, FILE *out) SL_NODISCARD;
/* Writes s for Markdown: sanitized, cut at max_cols characters, with
 * \ ` * _ [ ] < > | ~ & # ! backslash-escaped. */
void agent_md_escape(FILE *out, const char *s, size_t max_cols);
/* The step summary section: a heading with the status, the run, a table
 * of the reasons, the baseline line and the rules checked. SL_EIO. */
int agent_gh_summary(const sl_pb_run_t *r, int64_t now_us, FILE *out)
    SL_NODISCARD;
/* Appends that section to path (created if missing) in one write.
 * SL_EIO / SL_ENOMEM, with the message in err. */
int agent_gh_summary_append(const sl_pb_run_t *r, int64_t now_us,
                            const char *path, sl_err_t *err) SL_NODISCARD;
/* Writes s as XML 1.0 text (attr 0) or attribute value (attr nonzero):
 * & < > escaped, and " ' tab LF as well in attributes, CR always; invalid
 * UTF-8 and the characters XML 1.0 forbids or discourages (C0 controls
 * but tab, LF, CR; DEL and C1; U+FFFE, U+FFFF) become '?'. */
void agent_xml_escape(FILE *out, const char *s, int attr);
/* The verdict as JUnit XML: one <testsuite name="sluice gate">, one
 * <testcase classname="sluice.FAMILY" name="RULE[ SUBJECT]"> per rule
 * checked (one per reason when the rule has several) and per reason whose
 * rule is not listed, a <failure> for fail and incomplete reasons, warn
 * passing with a <system-out>; a "verdict" case when the verdict fails
 * with no failing reason (<failure>), is pending (<error>), or nothing
 * else would be in the report. SL_EIO. */
int agent_junit(const sl_pb_run_t *r, FILE *out) SL_NODISCARD;
/* agent_junit into path atomically (a temp file beside it, fsync,
 * rename). SL_EIO / SL_EINVAL with the message in err. */
int agent_junit_write(const sl_pb_run_t *r, const char *path,
                      sl_err_t *err) SL_NODISCARD;
/* What cfg asks for (--github: annotations on stdout, or stderr with
 * --json, and the summary appended to $GITHUB_STEP_SUMMARY when set;
 * --junit-out F). Prints each failure on stderr; returns nonzero if any
 * output failed. */
int agent_verdict_outputs(const agent_cfg_t *cfg, const sl_pb_run_t *r);

int agent_cmd_push(int argc, char **argv, int finish_only);
int agent_cmd_flush(int argc, char **argv);

#endif
