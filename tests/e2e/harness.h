/* The end-to-end harness: real sluice-collector, sluice-gate and
 * sluice-agent processes in a temporary directory.
 *
 * Every test gets an h_env_t from h_setup (cmocka setup) and ends with
 * h_finish, which stops every daemon still running (SIGTERM, exit status 0
 * required) and checks that no child process is left. h_teardown (cmocka
 * teardown, run also after a failed assertion) kills whatever is still
 * running, prints the logs of every process when the test did not reach
 * h_finish, and removes the directory.
 *
 * Daemons bind tcp://127.0.0.1:* and report their endpoints in a ready
 * file; nothing here uses a fixed port or sleeps to synchronise. The
 * harness's own failures go through cmocka (print_error + fail), so any
 * helper may end the test. SL_E2E_LOG_LEVEL=debug in the environment is
 * passed to the daemons as --log-level, for reading a failure's logs. */
#ifndef SL_E2E_HARNESS_H
#define SL_E2E_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <yajl/yajl_tree.h>

#include <cmocka.h>

#include "sluice/client.h"

#define H_PATH      512
#define H_EP        128
#define H_MAX_PROCS 128
#define H_MAX_ENV   16

/* A fixture file by name, e.g. H_FIXTURE("pytest.xml"). */
#define H_FIXTURE(name) SL_SOURCE_DIR "/tests/fixtures/junit/" name
/* A JSON path for h_json_*: H_JPATH("tests", "total"). */
#define H_JPATH(...) ((const char *[]){__VA_ARGS__, NULL})

/* One child process (a daemon or one agent run). */
typedef struct h_proc {
    char name[32];    /* "collector.1", "gate.2", "agent.7" */
    char cmd[1024];   /* its command line, for failure reports */
    pid_t pid;        /* 0 once reaped */
    int status;       /* its waitpid status, once reaped */
    long max_rss_kib; /* its peak resident set (wait4), once reaped */
    int daemon;       /* stopped by h_stop / h_finish */
    char out[H_PATH]; /* its stdout and stderr, captured to files */
    char err[H_PATH];
    char ready[H_PATH]; /* daemons: the ready file */
    char listen[H_EP];  /* collector: endpoints read from the ready file */
    char publish[H_EP];
} h_proc_t;

/* What one agent run did. out and err are NUL-terminated. */
typedef struct h_result {
    int status; /* exit status */
    long max_rss_kib; /* peak resident set size */
    char *out;
    char *err;
} h_result_t;

/* A summary of one run's events (GetEvents, every page). */
typedef struct h_events {
    size_t n;           /* events returned */
    uint64_t first_lsn; /* lowest LSN (0: none) */
    uint64_t last_lsn;  /* highest LSN */
    uint64_t head_lsn;  /* the log's newest LSN when read */
    size_t by_body[16]; /* count per Event.body_case */
    size_t undecodable; /* events that did not unpack */
    size_t foreign;     /* events naming another run */
    int ascending;      /* LSNs strictly increasing */
} h_events_t;

typedef struct h_env {
    char dir[H_PATH];   /* the temp dir, removed at teardown */
    char spool[H_PATH]; /* SLUICE_SPOOL of every agent run */
    h_proc_t procs[H_MAX_PROCS];
    int nprocs;
    char env_store[H_MAX_ENV][H_PATH];
    char *envp[H_MAX_ENV + 1]; /* the environment of every child */
    h_result_t agent;          /* the last agent run */
    sl_pb_reply_t *reply;      /* the last query's reply */
    yajl_val json;             /* the last parsed JSON */
    int passed;                /* h_finish reached */
} h_env_t;

/* cmocka setup/teardown: *state becomes / is an h_env_t. */
int h_setup(void **state);
int h_teardown(void **state);

/* dir/name into buf (H_PATH bytes); returns buf. */
char *h_path(const h_env_t *h, const char *name, char *buf);

/* Starts a collector storing in data_dir (a path in h->dir), listening on
 * listen (NULL: tcp://127.0.0.1:*), and waits for its ready file. The
 * returned proc (owned by h) carries the endpoints. */
h_proc_t *h_collector_start(h_env_t *h, const char *data_dir,
                            const char *listen);
/* The same, with more collector arguments up to NULL, e.g.
 * h_collector_start_args(h, data, NULL, "--map-size", "1M", NULL). */
h_proc_t *h_collector_start_args(h_env_t *h, const char *data_dir,
                                 const char *listen, ...)
    __attribute__((sentinel));

/* Starts a gate following collector c with its state in state_dir and
 * waits for its ready file. */
h_proc_t *h_gate_start(h_env_t *h, const h_proc_t *c, const char *state_dir);
/* The same, with more gate arguments up to NULL, e.g.
 * h_gate_start_args(h, c, state, "--policy", path, NULL). */
h_proc_t *h_gate_start_args(h_env_t *h, const h_proc_t *c,
                            const char *state_dir, ...)
    __attribute__((sentinel));
/* Starts a gate as h_gate_start_args does but does not wait for its ready
 * file: for a gate that must refuse to start (h_expect_exit). */
h_proc_t *h_gate_spawn_args(h_env_t *h, const h_proc_t *c,
                            const char *state_dir, ...)
    __attribute__((sentinel));

/* SIGTERM, then waits (deadline); needing SIGKILL or an exit status other
 * than 0 fails the test. */
void h_stop(h_env_t *h, h_proc_t *p);

/* Waits (deadline) for p to exit on its own with status want; returns its
 * stderr (owned by the caller, free it). */
char *h_expect_exit(h_env_t *h, h_proc_t *p, int want);

/* SIGKILL (a crash): the process must die of it. */
void h_crash(h_env_t *h, h_proc_t *p);

/* Runs sluice-agent with the arguments up to NULL and waits for it
 * (deadline). The result is owned by h and valid until the next call. */
const h_result_t *h_agent(h_env_t *h, ...) __attribute__((sentinel));
/* The same for the `sluice` tool. */
const h_result_t *h_cli(h_env_t *h, ...) __attribute__((sentinel));

/* ---- queries and JSON (harness_query.c) ---- */

/* GetRun: returns the rc of the call; on SL_OK *run points into the reply,
 * owned by h and valid until the next query. */
int h_run_query(h_env_t *h, const h_proc_t *c, const char *run_id,
                const sl_pb_run_t **run, sl_err_t *err);
/* GetRun that must succeed. */
const sl_pb_run_t *h_run_get(h_env_t *h, const h_proc_t *c, const char *run_id);
/* WaitVerdict for the final verdict (an early fail does not answer it)
 * with timeout_ms: the run as the collector answered (its verdict may
 * still be pending when the deadline passed). */
const sl_pb_run_t *h_wait_verdict(h_env_t *h, const h_proc_t *c,
                                  const char *run_id, uint32_t timeout_ms);
/* Asserts the run's test counts (a failure names the caller's line). */
#define h_assert_tests(...) h_assert_tests_at(__FILE__, __LINE__, __VA_ARGS__)
void h_assert_tests_at(const char *file, int line, const sl_pb_run_t *r,
                       uint64_t total, uint64_t passed, uint64_t failed,
                       uint64_t errors, uint64_t skipped);

/* Reads every event of run_id (GetEvents) into *ev. */
void h_events(h_env_t *h, const h_proc_t *c, const char *run_id,
              h_events_t *ev);
/* Called with each event h_events reads that unpacks, in LSN order; e is
 * valid only during the call, which must not query (the page it comes from
 * is h's last reply). */
typedef void h_event_fn(const sl_pb_event_t *e, uint64_t lsn, void *ctx);
/* h_events that also calls fn(event, its LSN, ctx) for each event. */
void h_events_each(h_env_t *h, const h_proc_t *c, const char *run_id,
                   h_events_t *ev, h_event_fn *fn, void *ctx);

/* Parses text as JSON (must succeed); the tree is owned by h until the
 * next parse. */
yajl_val h_json(h_env_t *h, const char *text);
/* The integer / string at path (NULL-terminated keys); must exist. */
long long h_json_int(yajl_val root, const char **path);
const char *h_json_str(yajl_val root, const char **path);
double h_json_num(yajl_val root, const char **path);
/* The array at path, which must have len elements (a->u.array.values). */
yajl_val h_json_array(yajl_val root, const char **path, size_t len);

/* Nonzero when two JSON trees are equal: same keys in the same order, and
 * numbers written the same. */
int h_json_equal(yajl_val a, yajl_val b);

/* Fails (printing both) unless needle occurs in text. */
#define h_assert_contains(text, needle)                                        \
    h_assert_contains_at(__FILE__, __LINE__, (text), (needle))
void h_assert_contains_at(const char *file, int line, const char *text,
                          const char *needle);

/* The whole file at path as a NUL-terminated string (the caller frees
 * it); fails the test if it cannot be read. E.g. a daemon's log, p->err. */
char *h_read(const char *path);

/* Number of entries of dir whose names end in suffix (-1: no dir). */
int h_count_files(const char *dir, const char *suffix);

/* An endpoint nothing listens on until a daemon binds it: ipc:// on a
 * socket file named name in h->dir. Not "bind tcp://127.0.0.1:*, read the
 * port, close": czmq resolves ":*" by trying ports upwards from 49152, so a
 * port just closed is the very next one any other test's daemon takes. */
void h_unused_endpoint(const h_env_t *h, const char *name, char *ep,
                       size_t cap);

/* Stops every daemon still running (newest first), checks that no child
 * process is left, and marks the test as passed. The last call of every
 * test. */
void h_finish(h_env_t *h);

#endif
