/* sluice events R: every stored event of a run in log order, one line each
 * (or one JSON object per line with --json), paged with GetEvents. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "sluice/json.h"
#include "sluice/clock.h"
#include "sluice/run.h"

#define PAGE_MAX 1000

typedef struct events_cfg {
    cli_common_t common;
    uint64_t limit;
    int json;
} events_cfg_t;

/* clang-format off */
static const sl_opt_t options[] = {
    CLI_COMMON_OPTS(events_cfg_t),
    {"limit", SL_OPT_U64, offsetof(events_cfg_t, limit), NULL, 1, UINT64_MAX,
     NULL, "N", "print the first N events only (default: all)", NULL},
    {"json", SL_OPT_FLAG, offsetof(events_cfg_t, json), NULL, 0, 0, NULL, NULL,
     "print one JSON object per event and line (JSON lines)", NULL},
    {0},
};
/* clang-format on */

static const cli_usage_t events_usage = {
    "events",
    "[OPTION]... RUN",
    "Prints every event of a run in log order: LSN, time (UTC), kind and a\n"
    "description. With --json each line is an object with lsn, time,\n"
    "time_us, stream (hex), seq, kind and the fields of the event's body.\n",
    options,
    0,
};

/* Where events go: a text line or a JSON line each. */
typedef struct out {
    const events_cfg_t *cfg;
    yajl_gen g;
    uint64_t n; /* events printed */
} out_t;

static const char *
kind_name(Sluice__V1__Event__BodyCase k)
{
    switch (k) {
    case SLUICE__V1__EVENT__BODY_META:
        return "meta";
    case SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN:
        return "artifact_begin";
    case SLUICE__V1__EVENT__BODY_ARTIFACT_END:
        return "artifact_end";
    case SLUICE__V1__EVENT__BODY_TEST:
        return "test";
    case SLUICE__V1__EVENT__BODY_FINISH:
        return "finish";
    case SLUICE__V1__EVENT__BODY_VERDICT:
        return "verdict";
    case SLUICE__V1__EVENT__BODY_COVERAGE_FILE:
        return "coverage_file";
    case SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL:
        return "coverage_total";
    case SLUICE__V1__EVENT__BODY_BENCHMARK:
        return "benchmark";
    case SLUICE__V1__EVENT__BODY_FINDING:
        return "finding";
    case SLUICE__V1__EVENT__BODY_PATCH:
        return "patch";
    case SLUICE__V1__EVENT__BODY_PIN:
        return "pin";
    case SLUICE__V1__EVENT__BODY_ALERT:
        return "alert";
    default:
        return "unknown";
    }
}

static const char *
test_status_name(Sluice__V1__TestStatus s)
{
    static const char *const names[] = {"passed", "failed", "errored",
                                        "skipped"};
    return (unsigned)s < 4 ? names[s] : "unknown";
}

/* ---- text -------------------------------------------------------------- */

/* "a/b/c" from the non-empty parts. */
static void
put_path(const char *const *parts, size_t n)
{
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (parts[i][0] != '\0') {
            fputs(first ? "" : "/", stdout);
            cli_put(stdout, parts[i], 0);
            first = 0;
        }
    }
}

static void
text_meta(const Sluice__V1__RunMeta *m)
{
    const char *names[] = {"project", "branch", "commit"};
    const char *vals[] = {m->project, m->branch, m->commit};
    for (size_t i = 0; i < 3; i++) {
        printf("%s%s=", i ? " " : "", names[i]);
        cli_put(stdout, vals[i], 0);
    }
}

static const char *
severity_name(Sluice__V1__Severity s)
{
    static const char *const names[] = {"none", "low", "medium", "high",
                                        "critical"};
    return (unsigned)s < 5 ? names[s] : "unknown";
}

/* "lines 19/29 branches 6/16 functions 4/5" (what the format has). */
static void
text_coverage(const Sluice__V1__Coverage *c)
{
    if (c->path[0] != '\0') {
        cli_put(stdout, c->path, 0);
        putchar(' ');
    } else {
        printf("%" PRIu64 " files ", c->files);
    }
    printf("lines %" PRIu64 "/%" PRIu64, c->lines_covered, c->lines_valid);
    if (c->branches_valid > 0) {
        printf(" branches %" PRIu64 "/%" PRIu64, c->branches_covered,
               c->branches_valid);
    }
    if (c->functions_valid > 0) {
        printf(" functions %" PRIu64 "/%" PRIu64, c->functions_covered,
               c->functions_valid);
    }
}

static void
text_finding(const Sluice__V1__Finding *f)
{
    printf("%s ", severity_name(f->severity));
    cli_put(stdout, f->rule_id, 0);
    putchar(' ');
    cli_put(stdout, f->uri, 0);
    printf(":%u", f->line);
}

static void
text_benchmark(const Sluice__V1__Benchmark *b)
{
    cli_put(stdout, b->name, 0);
    if (b->measure[0] != '\0') {
        putchar(' ');
        cli_put(stdout, b->measure, 0);
    }
    printf(" %g ", b->value);
    cli_put(stdout, b->unit, 0);
    printf(" (%zu samples)", b->n_samples);
}

static void
text_body(const sl_pb_event_t *ev)
{
    switch (ev->body_case) {
    case SLUICE__V1__EVENT__BODY_META:
        text_meta(ev->meta);
        break;
    case SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN:
        cli_put(stdout, ev->artifact_begin->format, 0);
        putchar(' ');
        cli_put(stdout, ev->artifact_begin->path, 0);
        printf(" %" PRIu64 " bytes", ev->artifact_begin->size);
        break;
    case SLUICE__V1__EVENT__BODY_TEST: {
        const Sluice__V1__TestCase *t = ev->test;
        const char *parts[] = {t->suite, t->classname, t->name};
        printf("%s ", test_status_name(t->status));
        put_path(parts, 3);
        printf(" %.3fs", t->time_s);
        break;
    }
    case SLUICE__V1__EVENT__BODY_ARTIFACT_END:
        printf("%" PRIu64 " events", ev->artifact_end->events);
        break;
    case SLUICE__V1__EVENT__BODY_VERDICT:
        printf("%s%s (%zu reason%s)", ev->verdict->early ? "early " : "",
               sl_verdict_name(ev->verdict->status), ev->verdict->n_reasons,
               ev->verdict->n_reasons == 1 ? "" : "s");
        break;
    case SLUICE__V1__EVENT__BODY_PATCH:
        printf("%" PRIu64 " of %" PRIu64 " added lines covered (%" PRIu64
               " added)",
               ev->patch->lines_covered, ev->patch->lines_coverable,
               ev->patch->lines_added);
        break;
    case SLUICE__V1__EVENT__BODY_PIN:
        if (ev->pin->run_id[0] != '\0') {
            fputs("pin ", stdout);
            cli_put(stdout, ev->pin->run_id, 0);
        } else {
            fputs("unpin", stdout);
        }
        if (ev->pin->runner[0] != '\0') {
            fputs(" (runner ", stdout);
            cli_put(stdout, ev->pin->runner, 0);
            putchar(')');
        }
        break;
    case SLUICE__V1__EVENT__BODY_ALERT:
        cli_put(stdout, ev->alert->kind, 0);
        fputs(": ", stdout);
        cli_put(stdout, ev->alert->message, 0);
        break;
    case SLUICE__V1__EVENT__BODY_FINISH:
        fputs("run finished", stdout);
        break;
    case SLUICE__V1__EVENT__BODY_COVERAGE_FILE:
        text_coverage(ev->coverage_file);
        break;
    case SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL:
        text_coverage(ev->coverage_total);
        break;
    case SLUICE__V1__EVENT__BODY_BENCHMARK:
        text_benchmark(ev->benchmark);
        break;
    case SLUICE__V1__EVENT__BODY_FINDING:
        text_finding(ev->finding);
        break;
    default:
        fputs("(a body this version does not know)", stdout);
        break;
    }
}

static void
text_event(uint64_t lsn, const sl_pb_event_t *ev, int first)
{
    char when[32];
    if (first) {
        printf("%-8s %-20s %-14s %s\n", "LSN", "TIME", "KIND", "DETAIL");
    }
    printf("%-8" PRIu64 " %-20s %-14s ", lsn, sl_time_iso(ev->time_us, when),
           kind_name(ev->body_case));
    text_body(ev);
    putchar('\n');
}

/* ---- JSON -------------------------------------------------------------- */

static void
js_meta(yajl_gen g, const Sluice__V1__RunMeta *m)
{
    sl_json_kstr(g, "project", m->project);
    sl_json_kstr(g, "branch", m->branch);
    sl_json_kstr(g, "commit", m->commit);
    sl_json_kstr(g, "ci", m->ci);
    sl_json_kstr(g, "job", m->job);
    sl_json_kstr(g, "url", m->url);
}

static void
js_artifact_begin(yajl_gen g, const Sluice__V1__ArtifactBegin *b)
{
    char hex[2 * 64 + 1] = "";
    size_t n = b->digest.len < 64 ? b->digest.len : 64;
    for (size_t i = 0; i < n; i++) {
        (void)snprintf(hex + 2 * i, 3, "%02x", b->digest.data[i]);
    }
    sl_json_kstr(g, "format", b->format);
    sl_json_kstr(g, "path", b->path);
    sl_json_ku64(g, "size", b->size);
    sl_json_kstr(g, "digest", hex);
}

static void
js_test(yajl_gen g, const Sluice__V1__TestCase *t)
{
    sl_json_kstr(g, "suite", t->suite);
    sl_json_kstr(g, "classname", t->classname);
    sl_json_kstr(g, "name", t->name);
    sl_json_kstr(g, "status", test_status_name(t->status));
    sl_json_knum(g, "time_s", t->time_s, 1);
    sl_json_kstr(g, "message", t->message);
    sl_json_kstr(g, "file", t->file);
    sl_json_ku64(g, "line", t->line);
    sl_json_kstr(g, "id", t->id);
    sl_json_kbool(g, "flaky", t->flaky);
    sl_json_ku64(g, "reruns", t->reruns);
    sl_json_kstr(g, "system_out", t->system_out);
    sl_json_kstr(g, "system_err", t->system_err);
    sl_json_str(g, "properties");
    (void)yajl_gen_map_open(g);
    for (size_t i = 0; i < t->n_properties; i++) {
        sl_json_kstr(g, t->properties[i]->name, t->properties[i]->value);
    }
    (void)yajl_gen_map_close(g);
}

static void
js_coverage(yajl_gen g, const Sluice__V1__Coverage *c)
{
    if (c->path[0] != '\0') {
        sl_json_kstr(g, "path", c->path);
    } else {
        sl_json_ku64(g, "files", c->files);
    }
    sl_run_json_coverage(g, c, 0);
}

static void
js_finding(yajl_gen g, const Sluice__V1__Finding *f)
{
    sl_json_kstr(g, "tool", f->tool);
    sl_json_kstr(g, "rule_id", f->rule_id);
    sl_json_kstr(g, "level", f->level);
    sl_json_kstr(g, "severity", severity_name(f->severity));
    sl_json_knum(g, "security_severity", f->security_severity,
                 f->has_security_severity);
    sl_json_kstr(g, "message", f->message);
    sl_json_kstr(g, "uri", f->uri);
    sl_json_ku64(g, "line", f->line);
    sl_json_ku64(g, "column", f->column);
    sl_json_kstr(g, "fingerprint", f->fingerprint);
}

static void
js_verdict(yajl_gen g, const sl_pb_verdict_t *v)
{
    sl_json_kstr(g, "status", sl_verdict_name(v->status));
    sl_json_kbool(g, "early", v->early);
    sl_json_ku64(g, "decided_lsn", v->decided_lsn);
    sl_json_reasons(g, v);
}

static void
js_body(yajl_gen g, const sl_pb_event_t *ev)
{
    switch (ev->body_case) {
    case SLUICE__V1__EVENT__BODY_META:
        js_meta(g, ev->meta);
        break;
    case SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN:
        js_artifact_begin(g, ev->artifact_begin);
        break;
    case SLUICE__V1__EVENT__BODY_TEST:
        js_test(g, ev->test);
        break;
    case SLUICE__V1__EVENT__BODY_ARTIFACT_END:
        sl_json_ku64(g, "events", ev->artifact_end->events);
        break;
    case SLUICE__V1__EVENT__BODY_VERDICT:
        js_verdict(g, ev->verdict);
        break;
    case SLUICE__V1__EVENT__BODY_COVERAGE_FILE:
        js_coverage(g, ev->coverage_file);
        break;
    case SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL:
        js_coverage(g, ev->coverage_total);
        break;
    case SLUICE__V1__EVENT__BODY_BENCHMARK:
        sl_run_json_benchmark(g, ev->benchmark);
        break;
    case SLUICE__V1__EVENT__BODY_FINDING:
        js_finding(g, ev->finding);
        break;
    case SLUICE__V1__EVENT__BODY_PATCH:
        sl_json_ku64(g, "lines_added", ev->patch->lines_added);
        sl_json_ku64(g, "lines_coverable", ev->patch->lines_coverable);
        sl_json_ku64(g, "lines_covered", ev->patch->lines_covered);
        sl_json_ku64(g, "files", ev->patch->files);
        break;
    case SLUICE__V1__EVENT__BODY_PIN:
        sl_json_kstr(g, "project", ev->pin->project);
        sl_json_kstr(g, "run_id", ev->pin->run_id);
        sl_json_kstr(g, "runner", ev->pin->runner);
        break;
    case SLUICE__V1__EVENT__BODY_ALERT:
        sl_json_kstr(g, "alert_kind", ev->alert->kind);
        sl_json_kstr(g, "project", ev->alert->project);
        sl_json_kstr(g, "branch", ev->alert->branch);
        sl_json_kstr(g, "commit", ev->alert->commit);
        sl_json_kstr(g, "subject", ev->alert->subject);
        sl_json_kstr(g, "message", ev->alert->message);
        break;
    default:
        break;
    }
}

static int
json_event(yajl_gen g, uint64_t lsn, const sl_pb_event_t *ev)
{
    char when[32], stream[17];
    (void)snprintf(stream, sizeof stream, "%016" PRIx64, ev->stream);
    (void)yajl_gen_map_open(g);
    sl_json_ku64(g, "lsn", lsn);
    sl_json_kstr(g, "time", sl_time_iso(ev->time_us, when));
    sl_json_str(g, "time_us");
    (void)yajl_gen_integer(g, ev->time_us);
    sl_json_kstr(g, "stream", stream);
    sl_json_ku64(g, "seq", ev->seq);
    sl_json_kstr(g, "kind", kind_name(ev->body_case));
    js_body(g, ev);
    (void)yajl_gen_map_close(g);
    int rc = sl_json_flush(g, stdout);
    if (rc == SL_OK && putchar('\n') == EOF) {
        rc = SL_EIO;
    }
    yajl_gen_reset(g, NULL);
    return rc;
}

/* ---- paging ------------------------------------------------------------ */

/* Prints the events of one chunk, which must come after *after in log
 * order; moves *after to the last one printed. */
static int
print_chunk(out_t *o, const sl_pb_chunk_t *ch, uint64_t *after, sl_err_t *err)
{
    if (ch->n_lsn != ch->n_events) {
        return sl_err_set(err, SL_EPROTO,
                          "log chunk with %zu LSNs for %zu "
                          "events",
                          ch->n_lsn, ch->n_events);
    }
    uint64_t limit = o->cfg->limit;
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < ch->n_events; i++) {
        if (ch->lsn[i] <= *after) {
            return sl_err_set(err, SL_EPROTO, "events out of log order");
        }
        if (limit != 0 && o->n >= limit) {
            break;
        }
        void *m = NULL;
        rc = sl_wire_unpack(&sluice__v1__event__descriptor, ch->events[i].data,
                            ch->events[i].len, &m, err);
        if (rc == SL_OK && o->cfg->json) {
            rc = json_event(o->g, ch->lsn[i], m);
        } else if (rc == SL_OK) {
            text_event(ch->lsn[i], m, o->n == 0);
        }
        sl_wire_free(&m);
        *after = ch->lsn[i];
        o->n++;
    }
    return rc;
}

/* Asks for pages after the last LSN printed until one comes back empty. */
static int
walk(sl_client_t *cl, out_t *o, const char *run_id, sl_err_t *err)
{
    Sluice__V1__GetEvents q;
    sl_pb_request_t req;
    uint64_t limit = o->cfg->limit;
    sluice__v1__get_events__init(&q);
    sluice__v1__request__init(&req);
    q.run_id = (char *)(uintptr_t)run_id;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_EVENTS;
    req.get_events = &q;
    for (;;) {
        uint64_t left = limit != 0 ? limit - o->n : PAGE_MAX;
        q.limit = left < PAGE_MAX ? (uint32_t)left : PAGE_MAX;
        sl_pb_reply_t *rep = NULL;
        int rc = cli_call(cl, &o->cfg->common, &req,
                          SLUICE__V1__REPLY__KIND_CHUNK, &rep, err);
        rc = rc == SL_OK ? print_chunk(o, rep->chunk, &q.after_lsn, err) : rc;
        size_t got = rep != NULL ? rep->chunk->n_events : 0;
        sl_wire_free(&rep);
        if (rc != SL_OK || got == 0 || (limit != 0 && o->n >= limit)) {
            return rc;
        }
    }
}

/* A run with no events at all may not exist: GetRun tells. */
static int
check_exists(sl_client_t *cl, const events_cfg_t *cfg, const char *run_id,
             sl_err_t *err)
{
    Sluice__V1__GetRun q;
    sl_pb_request_t req;
    sl_pb_reply_t *rep = NULL;
    sluice__v1__get_run__init(&q);
    sluice__v1__request__init(&req);
    q.run_id = (char *)(uintptr_t)run_id;
    req.kind_case = SLUICE__V1__REQUEST__KIND_GET_RUN;
    req.get_run = &q;
    int rc = cli_call(cl, &cfg->common, &req, SLUICE__V1__REPLY__KIND_RUN, &rep,
                      err);
    sl_wire_free(&rep);
    return rc;
}

static int
show(sl_client_t *cl, const events_cfg_t *cfg, const char *run_id)
{
    out_t o = {cfg, NULL, 0};
    sl_err_t err = {0};
    int rc = SL_OK;
    if (cfg->json) {
        /* Collector strings are not checked for UTF-8; sl_json_str
         * copes. */
        o.g = sl_json_new(0);
        rc = o.g == NULL ? SL_ENOMEM : SL_OK;
    }
    rc = rc == SL_OK ? walk(cl, &o, run_id, &err) : rc;
    if (rc == SL_OK && o.n == 0) {
        rc = check_exists(cl, cfg, run_id, &err);
    }
    if (o.g != NULL) {
        yajl_gen_free(o.g);
    }
    if (rc == SL_ENOTFOUND) {
        return cli_no_such_run(run_id);
    }
    return cli_done(rc == SL_OK ? CLI_EXIT_OK : cli_fail(rc, &err));
}

int
cli_cmd_events(int argc, char **argv)
{
    events_cfg_t cfg = {0};
    sl_client_t *cl = NULL;
    int nrest = 0;
    int st = cli_parse(&events_usage, &cfg, argc, argv, &nrest);
    if (st != CLI_CONTINUE) {
        return st;
    }
    if (nrest != 1 || argv[1][0] == '\0') {
        return cli_usage_error(&events_usage, "expected exactly one RUN id");
    }
    st = cli_connect(&cfg.common, &cl);
    if (st == CLI_CONTINUE) {
        st = show(cl, &cfg, argv[1]);
    }
    sl_client_destroy(&cl);
    return st;
}
