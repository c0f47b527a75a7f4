/* sluice baseline pin|unpin|show|check|report: the baseline a project's
 * runs are compared with.
 *
 * A pin is a BaselinePin event of the control run "baseline/<project>"
 * (stream SL_STREAM_CONTROL), so it is in the audit log like everything
 * else and the gate meets it in log order; the control run's record holds
 * the pin in force (RunRecord.pin). The event's seq is the stream's high
 * seq + 1, read from that record. Two pins sent at once may pick the same
 * seq: the collector stores the first and acks the other with stored 0,
 * and this tool then reads the record again and sends at the next seq, so
 * both are stored, in the collector's order, and the later one is in
 * force. `check` (the comparison the gate's verdict carries) is in
 * cmd_baseline_check.c, `report` in cmd_baseline_report.c. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "md.h"
#include "sluice/clock.h"
#include "sluice/json.h"
#include "sluice/run.h"

#define CONTROL_PREFIX "baseline/"
#define RUN_ID_MAX     256 /* the collector's (docs/protocol.md) */
#define PIN_TRIES      8   /* sends racing with other pinners */
#define PAGE_MAX       1000

/* ---- pin, unpin ------------------------------------------------------ */

typedef struct pin_cfg {
    cli_common_t common;
    const char *project, *runner;
    int json;
} pin_cfg_t;

/* clang-format off */
#define PIN_OPT(n, t, f, arg, help)                                            \
    {n, t, offsetof(pin_cfg_t, f), NULL, 0, 0, NULL, arg, help, NULL}

static const sl_opt_t pin_options[] = {
    CLI_COMMON_OPTS(pin_cfg_t),
    PIN_OPT("runner", SL_OPT_STR, runner, "R",
            "the runner class the pin applies to (default: any)"),
    {0},
};

static const sl_opt_t unpin_options[] = {
    CLI_COMMON_OPTS(pin_cfg_t),
    PIN_OPT("project", SL_OPT_STR, project, "P", "the project (required)"),
    PIN_OPT("runner", SL_OPT_STR, runner, "R",
            "the runner class the unpin applies to (default: any)"),
    {0},
};

static const sl_opt_t show_options[] = {
    CLI_COMMON_OPTS(pin_cfg_t),
    PIN_OPT("project", SL_OPT_STR, project, "P", "the project (required)"),
    PIN_OPT("json", SL_OPT_FLAG, json, NULL,
            "print the pin in force and every pin event as JSON"),
    {0},
};
/* clang-format on */

static const cli_usage_t pin_usage = {
    "baseline pin",
    "[OPTION]... RUN",
    "Makes the finished run RUN the baseline of its project: the gate\n"
    "compares the project's runs with it instead of the recent runs of the\n"
    "baseline branch, until 'sluice baseline unpin'. The pin is stored as\n"
    "an event of the control run baseline/PROJECT, in the log.\n"
    "RUN that does not exist or is not finished: exit status 2, nothing\n"
    "stored.\n",
    pin_options,
    0,
};

static const cli_usage_t unpin_usage = {
    "baseline unpin",
    "--project P [OPTION]...",
    "Returns project P to the rolling baseline (the recent runs of its\n"
    "baseline branch). A project that was never pinned: exit status 2.\n",
    unpin_options,
    0,
};

static const cli_usage_t show_usage = {
    "baseline show",
    "--project P [OPTION]...",
    "Shows the pin in force for project P (the control run's record) and\n"
    "every pin and unpin stored, oldest first.\n",
    show_options,
    0,
};

/* "baseline/<project>" into buf (RUN_ID_MAX + 1 bytes). */
static int
control_id(const cli_usage_t *u, const char *project, char *buf)
{
    char msg[128];
    if (project == NULL || project[0] == '\0') {
        return cli_usage_error(u, "--project P is required");
    }
    size_t n = strlen(CONTROL_PREFIX) + strlen(project);
    if (n > RUN_ID_MAX) {
        (void)snprintf(msg, sizeof msg,
                       "project name too long for a pin (%zu bytes; at "
                       "most %zu)",
                       strlen(project), RUN_ID_MAX - strlen(CONTROL_PREFIX));
        return cli_usage_error(u, msg);
    }
    (void)snprintf(buf, RUN_ID_MAX + 1, CONTROL_PREFIX "%s", project);
    return CLI_CONTINUE;
}

/* The control stream's high seq (0: the control run does not exist). */
static int
control_high(sl_client_t *cl, const cli_common_t *c, const char *ctl,
             uint64_t *high, sl_err_t *err)
{
    sl_pb_reply_t *rep = NULL;
    int rc = cli_get_run(cl, c, ctl, &rep, err);
    *high = rc == SL_OK ? sl_run_high_seq(rep->run, SL_STREAM_CONTROL) : 0;
    sl_wire_free(&rep);
    return rc == SL_ENOTFOUND ? SL_OK : rc;
}

/* Sends the pin as event seq of the control run; *stored: the collector
 * stored it (0: that seq was taken). */
static int
send_pin(sl_client_t *cl, const cli_common_t *c, const char *ctl,
         Sluice__V1__BaselinePin *pin, uint64_t seq, int *stored, sl_err_t *err)
{
    sl_pb_event_t ev, *evp = &ev;
    Sluice__V1__Batch b;
    sl_pb_request_t req;
    sluice__v1__event__init(&ev);
    sluice__v1__batch__init(&b);
    sluice__v1__request__init(&req);
    ev.seq = seq;
    ev.body_case = SLUICE__V1__EVENT__BODY_PIN;
    ev.pin = pin;
    b.run_id = (char *)(uintptr_t)ctl;
    b.stream = SL_STREAM_CONTROL;
    b.first_seq = seq;
    b.n_events = 1;
    b.events = &evp;
    req.kind_case = SLUICE__V1__REQUEST__KIND_BATCH;
    req.batch = &b;
    sl_pb_reply_t *rep = NULL;
    int rc = cli_call(cl, c, &req, SLUICE__V1__REPLY__KIND_ACK, &rep, err);
    if (rc == SL_OK && rep->ack->stream != SL_STREAM_CONTROL) {
        rc = sl_err_set(err, SL_EPROTO, "an ack for another stream");
    }
    *stored = rc == SL_OK && rep->ack->stored == 1;
    sl_wire_free(&rep);
    return rc;
}

/* Stores pin in the control run ctl: the next seq, again when another pin
 * took it first. *seq: the seq stored. */
static int
store_pin(sl_client_t *cl, const cli_common_t *c, const char *ctl,
          Sluice__V1__BaselinePin *pin, uint64_t *seq, sl_err_t *err)
{
    for (int i = 0; i < PIN_TRIES; i++) {
        uint64_t high = 0;
        int stored = 0;
        int rc = control_high(cl, c, ctl, &high, err);
        rc = rc == SL_OK ? send_pin(cl, c, ctl, pin, high + 1, &stored, err)
                         : rc;
        if (rc != SL_OK || stored) {
            *seq = high + 1;
            return rc;
        }
    }
    return sl_err_set(err, SL_EIO,
                      "%s: other pins kept taking the next event; nothing "
                      "stored, try again",
                      ctl);
}

/* RUN must exist, be finished and have a project. */
static int
pin_target(sl_client_t *cl, const pin_cfg_t *cfg, const char *run_id,
           sl_pb_reply_t **rep)
{
    sl_err_t err = {0};
    int rc = cli_get_run(cl, &cfg->common, run_id, rep, &err);
    if (rc == SL_ENOTFOUND) {
        return cli_no_such_run(run_id);
    }
    if (rc != SL_OK) {
        return cli_fail(rc, &err);
    }
    const sl_pb_run_t *r = (*rep)->run;
    const char *why = r->state != SLUICE__V1__RUN_STATE__RUN_FINISHED
                          ? "is not finished (a baseline must be complete)"
                      : r->meta->project[0] == '\0' ? "has no project"
                                                    : NULL;
    if (why != NULL) {
        fprintf(stderr, "sluice baseline pin: run '");
        cli_put(stderr, run_id, 0);
        fprintf(stderr, "' %s; nothing pinned\n", why);
        sl_wire_free(rep);
        return CLI_EXIT_USAGE;
    }
    return CLI_CONTINUE;
}

static void
print_pinned(const sl_pb_run_t *r, const char *runner, const char *ctl,
             uint64_t seq)
{
    char when[32];
    fputs("pinned run ", stdout);
    cli_put(stdout, r->run_id, 0);
    fputs(" as the baseline of project ", stdout);
    cli_put(stdout, r->meta->project, 0);
    fputs(" (runner ", stdout);
    cli_put(stdout, runner[0] ? runner : "any", 0);
    fputs(")\n  branch ", stdout);
    cli_put(stdout, r->meta->branch[0] ? r->meta->branch : "-", 0);
    fputs(", commit ", stdout);
    cli_put(stdout, r->meta->commit[0] ? r->meta->commit : "-", 0);
    printf(", finished %s\n  stored as event %" PRIu64 " of ",
           sl_time_iso(r->finished_us, when), seq);
    cli_put(stdout, ctl, 0);
    putchar('\n');
}

static int
do_pin(sl_client_t *cl, const pin_cfg_t *cfg, const char *run_id)
{
    sl_pb_reply_t *rep = NULL;
    char ctl[RUN_ID_MAX + 1];
    int st = pin_target(cl, cfg, run_id, &rep);
    if (st != CLI_CONTINUE) {
        return st;
    }
    const sl_pb_run_t *r = rep->run;
    st = control_id(&pin_usage, r->meta->project, ctl);
    if (st == CLI_CONTINUE) {
        Sluice__V1__BaselinePin pin;
        sluice__v1__baseline_pin__init(&pin);
        pin.project = r->meta->project;
        pin.run_id = r->run_id;
        pin.runner = (char *)(uintptr_t)(cfg->runner ? cfg->runner : "");
        sl_err_t err = {0};
        uint64_t seq = 0;
        int rc = store_pin(cl, &cfg->common, ctl, &pin, &seq, &err);
        if (rc == SL_OK) {
            print_pinned(r, pin.runner, ctl, seq);
        }
        st = rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, &err);
    }
    sl_wire_free(&rep);
    return cli_done(st);
}

static int
do_unpin(sl_client_t *cl, const pin_cfg_t *cfg, const char *ctl)
{
    sl_err_t err = {0};
    uint64_t high = 0, seq = 0;
    int rc = control_high(cl, &cfg->common, ctl, &high, &err);
    if (rc == SL_OK && high == 0) {
        fputs("sluice baseline unpin: project '", stderr);
        cli_put(stderr, cfg->project, 0);
        fputs("' was never pinned; nothing to unpin\n", stderr);
        return CLI_EXIT_USAGE;
    }
    Sluice__V1__BaselinePin pin;
    sluice__v1__baseline_pin__init(&pin);
    pin.project = (char *)(uintptr_t)cfg->project;
    pin.runner = (char *)(uintptr_t)(cfg->runner ? cfg->runner : "");
    rc = rc == SL_OK ? store_pin(cl, &cfg->common, ctl, &pin, &seq, &err) : rc;
    if (rc != SL_OK) {
        return cli_fail(rc, &err);
    }
    fputs("unpinned project ", stdout);
    cli_put(stdout, cfg->project, 0);
    fputs(" (runner ", stdout);
    cli_put(stdout, pin.runner[0] ? pin.runner : "any", 0);
    printf("): back to the rolling baseline\n  stored as event %" PRIu64 " of ",
           seq);
    cli_put(stdout, ctl, 0);
    putchar('\n');
    return cli_done(CLI_EXIT_OK);
}

static int
cmd_pin(int argc, char **argv)
{
    pin_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&pin_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 1 || argv[1][0] == '\0') {
        return cli_usage_error(&pin_usage, "expected exactly one RUN id");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = do_pin(cl, &cfg, argv[1]);
    }
    sl_client_destroy(&cl);
    return st;
}

static int
cmd_unpin(int argc, char **argv)
{
    pin_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    char ctl[RUN_ID_MAX + 1];
    int nrest = 0;
    int st = cli_parse(&unpin_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 0) {
        return cli_usage_error(&unpin_usage, "unexpected argument");
    }
    st = control_id(&unpin_usage, cfg.project, ctl);
    st = st == CLI_CONTINUE ? cli_connect(&cfg.common, &cl) : st;
    if (st == CLI_CONTINUE) {
        st = do_unpin(cl, &cfg, ctl);
    }
    sl_client_destroy(&cl);
    return st;
}

/* ---- show -------------------------------------------------------------- */

/* The pin events of the control run, oldest first. */
typedef struct pin_log {
    cli_table_t t; /* TIME, ACTION, RUN, RUNNER */
    yajl_gen g;    /* with --json: the history array being written */
} pin_log_t;

static int
log_pin(pin_log_t *lg, uint64_t lsn, const sl_pb_event_t *ev)
{
    char when[32];
    const Sluice__V1__BaselinePin *p = ev->pin;
    if (lg->g != NULL) {
        (void)yajl_gen_map_open(lg->g);
        sl_json_ku64(lg->g, "lsn", lsn);
        sl_json_ktime(lg->g, "time", ev->time_us);
        sl_json_kstr(lg->g, "action", p->run_id[0] ? "pin" : "unpin");
        sl_json_kstr(lg->g, "run_id", p->run_id);
        sl_json_kstr(lg->g, "runner", p->runner);
        (void)yajl_gen_map_close(lg->g);
        return SL_OK;
    }
    const char *cells[4] = {
        sl_time_iso(ev->time_us, when), p->run_id[0] ? "pin" : "unpin",
        p->run_id[0] ? p->run_id : "-", p->runner[0] ? p->runner : "any"};
    return cli_table_add(&lg->t, cells);
}

static int
log_chunk(pin_log_t *lg, const sl_pb_chunk_t *ch, uint64_t *after,
          sl_err_t *err)
{
    if (ch->n_lsn != ch->n_events) {
        return sl_err_set(err, SL_EPROTO, "malformed log chunk");
    }
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < ch->n_events; i++) {
        sl_pb_event_t *ev = NULL;
        rc = sl_wire_unpack(&sluice__v1__event__descriptor, ch->events[i].data,
                            ch->events[i].len, (void **)&ev, err);
        if (rc == SL_OK && ev->body_case == SLUICE__V1__EVENT__BODY_PIN) {
            rc = log_pin(lg, ch->lsn[i], ev);
        }
        sl_wire_free(&ev);
        *after = ch->lsn[i] > *after ? ch->lsn[i] : *after;
    }
    return rc;
}

static int
read_log(sl_client_t *cl, const cli_common_t *c, const char *ctl, pin_log_t *lg,
         sl_err_t *err)
{
    Sluice__V1__GetEvents q;
    sl_pb_request_t req;
    sluice__v1__get_events__init(&q);
    sluice__v1__request__init(&req);
    q.run_id = (char *)(uintptr_t)ctl;
    q.limit = PAGE_MAX;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_EVENTS;
    req.get_events = &q;
    for (;;) {
        sl_pb_reply_t *rep = NULL;
        int rc =
            cli_call(cl, c, &req, SLUICE__V1__REPLY__KIND_CHUNK, &rep, err);
        uint64_t before = q.after_lsn;
        rc = rc == SL_OK ? log_chunk(lg, rep->chunk, &q.after_lsn, err) : rc;
        sl_wire_free(&rep);
        if (rc != SL_OK || q.after_lsn == before) {
            return rc;
        }
    }
}

static void
show_text(const pin_cfg_t *cfg, const Sluice__V1__BaselinePin *pin,
          const pin_log_t *lg)
{
    fputs("project:  ", stdout);
    cli_put(stdout, cfg->project, 0);
    fputs("\npinned:   ", stdout);
    if (pin != NULL && pin->run_id[0] != '\0') {
        cli_put(stdout, pin->run_id, 0);
        fputs(" (runner ", stdout);
        cli_put(stdout, pin->runner[0] ? pin->runner : "any", 0);
        fputs(")\n", stdout);
    } else {
        fputs("no (the rolling baseline)\n", stdout);
    }
    printf("history:  %zu pin event(s)\n", lg->t.nrows);
    if (lg->t.nrows > 0) {
        cli_table_print(&lg->t, stdout, 2);
    }
}

static void
show_json_head(yajl_gen g, const pin_cfg_t *cfg, const char *ctl,
               const Sluice__V1__BaselinePin *pin)
{
    (void)yajl_gen_map_open(g);
    sl_json_kstr(g, "project", cfg->project);
    sl_json_kstr(g, "control_run", ctl);
    sl_json_str(g, "pin");
    if (pin != NULL && pin->run_id[0] != '\0') {
        (void)yajl_gen_map_open(g);
        sl_json_kstr(g, "run_id", pin->run_id);
        sl_json_kstr(g, "runner", pin->runner);
        (void)yajl_gen_map_close(g);
    } else {
        (void)yajl_gen_null(g);
    }
    sl_json_str(g, "history");
    (void)yajl_gen_array_open(g);
}

static int
do_show(sl_client_t *cl, const pin_cfg_t *cfg, const char *ctl)
{
    static const char *const head[4] = {"TIME", "ACTION", "RUN", "RUNNER"};
    static const int right[4] = {0};
    sl_err_t err = {0};
    sl_pb_reply_t *rep = NULL;
    pin_log_t lg = {0};
    cli_table_init(&lg.t, 4, head, right);
    int rc = cli_get_run(cl, &cfg->common, ctl, &rep, &err);
    const Sluice__V1__BaselinePin *pin = rc == SL_OK ? rep->run->pin : NULL;
    rc = rc == SL_ENOTFOUND ? SL_OK : rc;
    if (rc == SL_OK && cfg->json) {
        lg.g = sl_json_new(1);
        rc = lg.g == NULL ? SL_ENOMEM : SL_OK;
    }
    if (lg.g != NULL) {
        show_json_head(lg.g, cfg, ctl, pin);
    }
    rc = rc == SL_OK && rep != NULL ? read_log(cl, &cfg->common, ctl, &lg, &err)
                                    : rc;
    if (rc == SL_OK && lg.g != NULL) {
        (void)yajl_gen_array_close(lg.g);
        (void)yajl_gen_map_close(lg.g);
        rc = sl_json_flush(lg.g, stdout);
    } else if (rc == SL_OK) {
        show_text(cfg, pin, &lg);
    }
    if (lg.g != NULL) {
        yajl_gen_free(lg.g);
    }
    cli_table_fini(&lg.t);
    sl_wire_free(&rep);
    return cli_done(rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, &err));
}

static int
cmd_show(int argc, char **argv)
{
    pin_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    char ctl[RUN_ID_MAX + 1];
    int nrest = 0;
    int st = cli_parse(&show_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 0) {
        return cli_usage_error(&show_usage, "unexpected argument");
    }
    st = control_id(&show_usage, cfg.project, ctl);
    st = st == CLI_CONTINUE ? cli_connect(&cfg.common, &cl) : st;
    if (st == CLI_CONTINUE) {
        st = do_show(cl, &cfg, ctl);
    }
    sl_client_destroy(&cl);
    return st;
}

/* ---- the subcommands ----------------------------------------------------- */

static const struct {
    const char *name;
    cli_cmd_fn fn;
    const char *help;
} subs[] = {
    {"pin", cmd_pin, "make a finished run the baseline of its project"},
    {"unpin", cmd_unpin, "return a project to the rolling baseline"},
    {"show", cmd_show, "the pin in force for a project, and every pin"},
    {"check", cli_baseline_check, "the comparison the gate made for a run"},
    {"report", cli_baseline_report,
     "per-benchmark trends and change points as Markdown"},
};

static void
baseline_usage(FILE *out)
{
    fputs("usage: sluice baseline SUBCOMMAND [OPTION]... [ARG]...\n\n"
          "The baseline runs are compared with: the recent runs of the\n"
          "baseline branch, or a run pinned for the project.\n\n"
          "subcommands:\n",
          out);
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        fprintf(out, "  %-8s %s\n", subs[i].name, subs[i].help);
    }
    fputs("\n'sluice baseline SUBCOMMAND --help' shows its options.\n", out);
}

int
cli_cmd_baseline(int argc, char **argv)
{
    if (argc < 2) {
        baseline_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        baseline_usage(stdout);
        return cli_done(CLI_EXIT_OK);
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            return subs[i].fn(argc - 1, argv + 1);
        }
    }
    fputs("sluice baseline: unknown subcommand '", stderr);
    cli_put(stderr, argv[1], 0);
    fputs("'\n\n", stderr);
    baseline_usage(stderr);
    return CLI_EXIT_USAGE;
}
