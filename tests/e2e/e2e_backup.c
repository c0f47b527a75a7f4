/* Scenario: `sluice backup DIR` copies the live store while ingest goes
 * on, and the copy restores (docs/storage.md, "Backup and restore").
 *
 * A collector holds three runs; a large push runs in the background while
 * `sluice backup` is asked for. The collector is started with the test hook
 * SLUICE_BACKUP_TEST_HOLD, so its backup worker waits after the copy,
 * before renaming it into place: while the backup is held (its client has
 * no answer yet), two more pushes must complete and queries must answer.
 * Released, the backup succeeds; a push after it too. A second collector
 * started on the backup dir (the restore) lists the runs stored before the
 * backup and none of those pushed after it, reads back every event up to
 * the backup's head LSN exactly as the original holds it (ReadLog from
 * both), has the same store id, and goes on from head + 1. Refusals: a
 * DIR that exists and is not empty, a file, a relative path: exit 2 and
 * nothing written. */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define BIG_TESTS 20000
#define WAIT_MS   60000

static void
write_big(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("<?xml version=\"1.0\"?>\n<testsuite name=\"big\">\n", f);
    for (int i = 0; i < BIG_TESTS; i++) {
        fprintf(f, "  <testcase classname=\"big.Suite\" name=\"t%d\" "
                   "time=\"0.001\"/>\n", i);
    }
    fputs("</testsuite>\n", f);
    assert_false(ferror(f));
    assert_int_equal(fclose(f), 0);
}

/* Adds NAME=VALUE to the environment of every child started after. */
static void
env_put(h_env_t *h, const char *var)
{
    int n = 0;
    while (h->envp[n] != NULL) {
        n++;
    }
    assert_true(n < H_MAX_ENV);
    assert_true(strlen(var) < H_PATH); /* env_store slots are H_PATH */
    strcpy(h->env_store[n], var);
    h->envp[n] = h->env_store[n];
    h->envp[n + 1] = NULL;
}

/* Starts argv in the background with stdout to out (stderr to out.err). */
static pid_t
spawn_bg(h_env_t *h, const char *const argv[], const char *out)
{
    char err[H_PATH + 8];
    (void)snprintf(err, sizeof err, "%s.err", out);
    posix_spawn_file_actions_t fa;
    assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(
                         &fa, 0, "/dev/null", O_RDONLY, 0), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(
                         &fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(
                         &fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
    pid_t pid = 0;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL,
                                 (char *const *)(uintptr_t)argv, h->envp), 0);
    (void)posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static int
exit_status(pid_t pid, const char *out)
{
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char err[H_PATH + 8];
        (void)snprintf(err, sizeof err, "%s.err", out);
        char *text = h_read(err);
        print_error("%s: status %d: %s\n", out, st, text);
        free(text);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Waits (deadline, not a timing assertion: a safety net) for path. */
static void
wait_file(const char *path)
{
    struct stat st;
    for (int i = 0; i < WAIT_MS / 20 && stat(path, &st) != 0; i++) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
    }
    assert_int_equal(stat(path, &st), 0);
}

static void
push(h_env_t *h, const h_proc_t *c, const char *run_id)
{
    const h_result_t *r = h_agent(h, "push", "--collector", c->listen,
                                  "--project", "demo", "--run-id", run_id,
                                  H_FIXTURE("failing.xml"), NULL);
    if (r->status != 0) {
        print_error("push %s: %s\n", run_id, r->err);
    }
    assert_int_equal(r->status, 0);
}

/* One ReadLog page from c starting at from. */
static sl_pb_reply_t *
read_log(const h_proc_t *c, uint64_t from)
{
    sl_client_t *cl = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_client_new(&cl, c->listen, &err), SL_OK);
    Sluice__V1__ReadLog q;
    sl_pb_request_t req;
    sluice__v1__read_log__init(&q);
    sluice__v1__request__init(&req);
    q.from_lsn = from;
    q.limit = 500;
    req.kind_case = SLUICE__V1__REQUEST__KIND_READ_LOG;
    req.read_log = &q;
    sl_pb_reply_t *rep = NULL;
    int rc = sl_client_call(cl, &req, 10000, &rep, &err);
    if (rc != SL_OK) {
        print_error("ReadLog: %s\n", sl_err_msg(&err, rc));
    }
    assert_int_equal(rc, SL_OK);
    assert_int_equal(rep->kind_case, SLUICE__V1__REPLY__KIND_CHUNK);
    sl_client_destroy(&cl);
    return rep;
}

/* Every event 1..head of a equals b's, byte for byte, at the same LSN. */
static void
compare_logs(const h_proc_t *a, const h_proc_t *b, uint64_t head)
{
    uint64_t next = 1;
    while (next <= head) {
        sl_pb_reply_t *ra = read_log(a, next), *rb = read_log(b, next);
        const Sluice__V1__LogChunk *ca = ra->chunk, *cb = rb->chunk;
        assert_true(ca->n_lsn > 0);
        assert_int_equal(ca->store_id.len, 16);
        assert_memory_equal(ca->store_id.data, cb->store_id.data, 16);
        size_t n = 0;
        for (; n < ca->n_lsn && ca->lsn[n] <= head; n++) {
            assert_true(n < cb->n_lsn);
            assert_int_equal(ca->lsn[n], next);
            assert_int_equal(cb->lsn[n], next);
            assert_int_equal(ca->events[n].len, cb->events[n].len);
            assert_memory_equal(ca->events[n].data, cb->events[n].data,
                                ca->events[n].len);
            next++;
        }
        /* The copy holds nothing past head. */
        assert_true(n == cb->n_lsn || cb->lsn[n] > head);
        assert_int_equal(cb->head_lsn, head);
        sl_wire_free(&ra);
        sl_wire_free(&rb);
    }
}

static int
runs_has(h_env_t *h, yajl_val arr, const char *run_id)
{
    (void)h;
    for (size_t i = 0; i < arr->u.array.len; i++) {
        if (strcmp(h_json_str(arr->u.array.values[i], H_JPATH("run_id")),
                   run_id) == 0) {
            return 1;
        }
    }
    return 0;
}

static void
backup_restore(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], bk[H_PATH], big[H_PATH], release[H_PATH];
    char held[H_PATH + 8], bk_out[H_PATH], push_out[H_PATH], var[H_PATH + 32];
    h_path(h, "data", data);
    h_path(h, "backup", bk);
    h_path(h, "big.xml", big);
    h_path(h, "release", release);
    h_path(h, "backup.json", bk_out);
    h_path(h, "big-push.out", push_out);
    (void)snprintf(held, sizeof held, "%s.held", release);
    (void)snprintf(var, sizeof var, "SLUICE_BACKUP_TEST_HOLD=%s", release);
    write_big(big);
    env_put(h, var);
    h_proc_t *c = h_collector_start(h, data, NULL);
    push(h, c, "before-1");
    push(h, c, "before-2");
    push(h, c, "before-3");

    /* A large push and the backup, both in the background. */
    const char *const push_argv[] = {SL_AGENT_BIN, "push", "--collector", c->listen,
                         "--project", "demo", "--run-id", "big", big, NULL};
    pid_t pusher = spawn_bg(h, push_argv, push_out);
    const char *const bk_argv[] = {SL_CLI_BIN, "backup", "--collector", c->listen,
                       "--json", bk, NULL};
    pid_t backup = spawn_bg(h, bk_argv, bk_out);

    /* The worker holds after the copy: the backup is not answered yet, and
     * ingest and queries go on. */
    wait_file(held);
    push(h, c, "during-1");
    push(h, c, "during-2");
    const sl_pb_run_t *run = h_run_get(h, c, "during-2");
    assert_true(run->tests->total > 0);
    uint64_t total = run->tests->total;
    int st = 0;
    assert_int_equal(waitpid(backup, &st, WNOHANG), 0); /* still waiting */
    char tmp[H_PATH + 8];
    (void)snprintf(tmp, sizeof tmp, "%s.tmp", bk);
    struct stat sb;
    assert_int_equal(stat(tmp, &sb), 0);   /* the copy, not yet in place */
    assert_int_not_equal(stat(bk, &sb), 0);

    FILE *f = fopen(release, "w");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(exit_status(backup, bk_out), 0);
    assert_int_equal(exit_status(pusher, push_out), 0);
    assert_int_not_equal(stat(tmp, &sb), 0); /* renamed into place */
    char *text = h_read(bk_out);
    yajl_val j = h_json(h, text);
    free(text);
    uint64_t head = (uint64_t)h_json_int(j, H_JPATH("head_lsn"));
    uint64_t nruns = (uint64_t)h_json_int(j, H_JPATH("runs"));
    assert_int_equal(h_json_int(j, H_JPATH("first_lsn")), 1);
    assert_string_equal(h_json_str(j, H_JPATH("dir")), bk);
    assert_true(h_json_int(j, H_JPATH("bytes")) > 0);
    char path[H_PATH + 16];
    (void)snprintf(path, sizeof path, "%s/data.mdb", bk);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal((long long)sb.st_size, h_json_int(j, H_JPATH("bytes")));
    assert_true(nruns >= 3);

    /* What was pushed while the backup was held is past its head. */
    h_events_t ev;
    h_events(h, c, "before-3", &ev);
    assert_true(ev.last_lsn <= head);
    h_events(h, c, "during-1", &ev);
    assert_true(ev.first_lsn > head);
    push(h, c, "after-1");
    /* a gate that followed the live store past the backup's head */
    char gstate[H_PATH];
    h_proc_t *g = h_gate_start(h, c, h_path(h, "gate", gstate));
    (void)h_wait_verdict(h, c, "after-1", 20000);
    h_stop(h, g);

    /* The restore: a collector on the backup dir. */
    h_proc_t *r = h_collector_start(h, bk, NULL);
    /* that gate state is past the restored log's end: the gate refuses
     * it (else it would skip what is stored from head + 1 on) */
    g = h_gate_spawn_args(h, r, gstate, NULL);
    char *gerr = h_expect_exit(h, g, 1);
    h_assert_contains(gerr, "before this gate's checkpoint");
    free(gerr);
    compare_logs(c, r, head);
    const h_result_t *res = h_cli(h, "runs", "--collector", r->listen,
                                  "--json", "--limit", "1000", NULL);
    assert_int_equal(res->status, 0);
    yajl_val arr = h_json(h, res->out);
    assert_true(YAJL_IS_ARRAY(arr));
    assert_int_equal(arr->u.array.len, nruns);
    assert_true(runs_has(h, arr, "before-1"));
    assert_true(runs_has(h, arr, "before-2"));
    assert_true(runs_has(h, arr, "before-3"));
    assert_false(runs_has(h, arr, "during-1"));
    assert_false(runs_has(h, arr, "during-2"));
    assert_false(runs_has(h, arr, "after-1"));
    run = h_run_get(h, r, "before-2"); /* the same file as during-2 */
    assert_int_equal(run->tests->total, total);
    /* The restored store takes writes from head + 1. */
    push(h, r, "restored-1");
    h_events(h, r, "restored-1", &ev);
    assert_int_equal(ev.first_lsn, head + 1);
    h_finish(h);
}

static void
refusals(void **state)
{
    h_env_t *h = *state;
    char data[H_PATH], full[H_PATH], file[H_PATH], path[H_PATH + 16];
    h_proc_t *c = h_collector_start(h, h_path(h, "data", data), NULL);
    push(h, c, "one");

    /* An existing directory that is not empty. */
    h_path(h, "full", full);
    assert_int_equal(mkdir(full, 0700), 0);
    (void)snprintf(path, sizeof path, "%s/keep", full);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    const h_result_t *r = h_cli(h, "backup", "--collector", c->listen, full,
                                NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "exists and is not empty");
    assert_int_equal(h_count_files(full, ""), 3); /* ".", "..", keep */
    (void)snprintf(path, sizeof path, "%s.tmp", full);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);

    /* A file. */
    h_path(h, "file", file);
    f = fopen(file, "w");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    r = h_cli(h, "backup", "--collector", c->listen, file, NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "not a directory");

    /* A relative path: refused by the tool before asking. */
    r = h_cli(h, "backup", "--collector", c->listen, "rel/dir", NULL);
    assert_int_equal(r->status, 2);
    h_assert_contains(r->err, "absolute path");

    /* An empty existing directory is used. */
    h_path(h, "empty", path);
    assert_int_equal(mkdir(path, 0700), 0);
    r = h_cli(h, "backup", "--collector", c->listen, path, NULL);
    assert_int_equal(r->status, 0);
    h_assert_contains(r->out, "runs:  1\n");
    assert_int_equal(h_count_files(path, ".mdb"), 1);
    h_finish(h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(backup_restore, h_setup, h_teardown),
        cmocka_unit_test_setup_teardown(refusals, h_setup, h_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
