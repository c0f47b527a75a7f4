/* lib/run.c and lib/run_json.c: folding events into a run record, the
 * per-stream high seq, decoding a stored record, the JSON summary of
 * DESIGN.md's contract (parsed back with yajl_tree) and the names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include <cmocka.h>

#include "sluice/run.h"

#define T0          1795492991000000 /* 2026-11-24T04:03:11Z */
#define T1          1795493000500000 /* 2026-11-24T04:03:20.5Z */
#define STREAM      0xabcdef0123456789ull
#define META_STREAM 100u

/* protobuf-c fields are char *; nothing writes through them here. */
#define S(lit) ((char *)(uintptr_t)(lit))

/* Event storage for one fold; the bodies point into it. */
typedef struct evs {
    Sluice__V1__RunMeta meta1, meta2;
    Sluice__V1__ArtifactBegin begin, begin_again;
    Sluice__V1__ArtifactEnd end;
    Sluice__V1__TestCase tc[5];
    Sluice__V1__RunFinish finish;
    Sluice__V1__Reason reason[2];
    Sluice__V1__Reason *reasons[2];
    sl_pb_verdict_t verdict;
    char rule0[16];
} evs_t;

static void
init_bodies(evs_t *e)
{
    sluice__v1__run_meta__init(&e->meta1);
    sluice__v1__run_meta__init(&e->meta2);
    e->meta1.project = S("core");
    e->meta1.branch = S("main");
    e->meta1.commit = S("abc123");
    e->meta2.project = S("other"); /* ignored: the first value wins */
    e->meta2.ci = S("github");     /* taken: it was empty */
    sluice__v1__artifact_begin__init(&e->begin);
    e->begin.format = S("junit");
    e->begin.path = S("report.xml");
    e->begin.size = 10;
    sluice__v1__artifact_begin__init(&e->begin_again);
    e->begin_again.path = S("again.xml");
    sluice__v1__artifact_end__init(&e->end);
    e->end.events = 5;
    static const int status[5] = {0, 1, 2, 3, 0};
    for (size_t i = 0; i < 5; i++) {
        sluice__v1__test_case__init(&e->tc[i]);
        e->tc[i].status = (Sluice__V1__TestStatus)status[i];
    }
    sluice__v1__run_finish__init(&e->finish);
}

static void
init_verdict(evs_t *e)
{
    for (size_t i = 0; i < 2; i++) {
        sluice__v1__reason__init(&e->reason[i]);
        e->reasons[i] = &e->reason[i];
    }
    (void)snprintf(e->rule0, sizeof e->rule0, "tests.failed");
    e->reason[0].rule = e->rule0;
    e->reason[0].value = 1;
    e->reason[0].message = S("1 test failed");
    e->reason[1].rule = S("perf");
    e->reason[1].value = 12.5;
    e->reason[1].threshold = 10;
    e->reason[1].baseline = 9.5;
    e->reason[1].has_baseline = 1;
    e->reason[1].message = S("slower");
    sluice__v1__verdict__init(&e->verdict);
    e->verdict.status = SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL;
    e->verdict.reasons = e->reasons;
    e->verdict.n_reasons = 2;
    e->verdict.decided_lsn = 111;
}

/* Applies one event with the given body at lsn. */
static void
apply(sl_pb_run_t *r, uint64_t stream, Sluice__V1__Event__BodyCase kind,
      void *body, uint64_t lsn, int64_t now)
{
    sl_pb_event_t ev;
    sluice__v1__event__init(&ev);
    ev.stream = stream;
    ev.body_case = kind;
    ev.meta = body; /* the body is a union: any member will do */
    assert_int_equal(sl_run_apply(r, &ev, lsn, now), SL_OK);
}

/* The fold every test starts from: 13 events at LSN 100..112. */
static sl_pb_run_t *
folded(evs_t *e)
{
    init_bodies(e);
    init_verdict(e);
    sl_pb_run_t *r = sl_run_new("r1");
    assert_non_null(r);
    uint64_t lsn = 100;
    apply(r, META_STREAM, SLUICE__V1__EVENT__BODY_META, &e->meta1, lsn++, T0);
    apply(r, META_STREAM, SLUICE__V1__EVENT__BODY_META, &e->meta2, lsn++, T0);
    apply(r, STREAM, SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN, &e->begin, lsn++,
          T0);
    for (size_t i = 0; i < 5; i++) {
        apply(r, STREAM, SLUICE__V1__EVENT__BODY_TEST, &e->tc[i], lsn++, T0);
    }
    apply(r, STREAM, SLUICE__V1__EVENT__BODY_ARTIFACT_BEGIN, &e->begin_again,
          lsn++, T0);
    apply(r, STREAM, SLUICE__V1__EVENT__BODY_ARTIFACT_END, &e->end, lsn++, T0);
    assert_string_equal(sl_run_status(r), "open");
    apply(r, SL_STREAM_FINISH, SLUICE__V1__EVENT__BODY_FINISH, &e->finish,
          lsn++, T1);
    assert_string_equal(sl_run_status(r), "pending");
    apply(r, SL_STREAM_VERDICT, SLUICE__V1__EVENT__BODY_VERDICT, &e->verdict,
          lsn++, T1);
    apply(r, 7, SLUICE__V1__EVENT__BODY__NOT_SET, NULL, lsn++, T1);
    return r;
}

/* Everything the fold of folded() must have produced. */
static void
check_folded(const sl_pb_run_t *r)
{
    assert_string_equal(r->run_id, "r1");
    assert_string_equal(r->meta->project, "core");
    assert_string_equal(r->meta->branch, "main");
    assert_string_equal(r->meta->commit, "abc123");
    assert_string_equal(r->meta->ci, "github");
    assert_string_equal(r->meta->job, "");
    assert_int_equal(r->tests->total, 5);
    assert_int_equal(r->tests->passed, 2);
    assert_int_equal(r->tests->failed, 1);
    assert_int_equal(r->tests->errors, 1);
    assert_int_equal(r->tests->skipped, 1);
    assert_int_equal(r->n_artifacts, 1);
    assert_string_equal(r->artifacts[0]->path, "report.xml");
    assert_string_equal(r->artifacts[0]->format, "junit");
    assert_int_equal(r->artifacts[0]->size, 10);
    assert_true(r->artifacts[0]->stream == STREAM);
    assert_int_equal(r->artifacts[0]->complete, 1);
    assert_int_equal(r->state, SLUICE__V1__RUN_STATE__RUN_FINISHED);
    assert_int_equal(r->events, 13);
    assert_int_equal(r->first_lsn, 100);
    assert_int_equal(r->last_lsn, 112);
    assert_int_equal(r->created_us, T0);
    assert_int_equal(r->finished_us, T1);
    assert_int_equal(r->updated_us, T1);
    assert_int_equal(r->verdict->status,
                     SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL);
    assert_int_equal(r->verdict->n_reasons, 2);
    assert_string_equal(r->verdict->reasons[0]->rule, "tests.failed");
    assert_true(r->verdict->reasons[1]->baseline == 9.5);
    assert_int_equal(r->verdict->decided_lsn, 111);
}

static void
test_run_new(void **state)
{
    (void)state;
    sl_pb_run_t *r = sl_run_new("fresh");
    assert_non_null(r);
    assert_string_equal(r->run_id, "fresh");
    assert_non_null(r->meta);
    assert_non_null(r->tests);
    assert_non_null(r->verdict);
    assert_string_equal(r->meta->project, "");
    assert_int_equal(r->tests->total, 0);
    assert_int_equal(r->first_lsn, 0);
    assert_string_equal(sl_run_status(r), "open");
    sl_run_free(&r);
    assert_null(r);
    sl_run_free(&r);
}

static void
test_run_fold(void **state)
{
    (void)state;
    evs_t e;
    sl_pb_run_t *r = folded(&e);
    check_folded(r);
    assert_string_equal(sl_run_status(r), "fail");
    /* The verdict is a deep copy: the event's storage can go. */
    memset(e.rule0, 'X', sizeof e.rule0 - 1);
    e.reason[1].value = -1;
    assert_string_equal(r->verdict->reasons[0]->rule, "tests.failed");
    assert_true(r->verdict->reasons[1]->value == 12.5);
    sl_run_free(&r);
}

static void
test_run_high_seq(void **state)
{
    (void)state;
    sl_pb_run_t *r = sl_run_new("r");
    assert_int_equal(sl_run_high_seq(r, 5), 0);
    assert_int_equal(sl_run_set_high_seq(r, 5, 3), SL_OK);
    assert_int_equal(sl_run_set_high_seq(r, STREAM, 7), SL_OK);
    assert_int_equal(sl_run_set_high_seq(r, 5, 9), SL_OK);
    assert_int_equal(sl_run_high_seq(r, 5), 9);
    assert_int_equal(sl_run_high_seq(r, STREAM), 7);
    assert_int_equal(sl_run_high_seq(r, 6), 0);
    assert_int_equal(r->n_streams, 2);
    sl_run_free(&r);
}

static void
test_run_decode(void **state)
{
    (void)state;
    evs_t e;
    sl_pb_run_t *r = folded(&e);
    assert_int_equal(sl_run_set_high_seq(r, STREAM, 7), SL_OK);
    zframe_t *f = sl_wire_frame(&r->base);
    sl_run_free(&r);
    sl_pb_run_t *d = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_run_decode(zframe_data(f), zframe_size(f), &d, &err),
                     SL_OK);
    check_folded(d);
    assert_int_equal(sl_run_high_seq(d, STREAM), 7);
    sl_run_free(&d);
    /* A record without sub-messages still gets them all. */
    assert_int_equal(sl_run_decode("", 0, &d, &err), SL_OK);
    assert_non_null(d->meta);
    assert_non_null(d->tests);
    assert_non_null(d->verdict);
    assert_string_equal(d->run_id, "");
    sl_run_free(&d);
    assert_int_equal(
        sl_run_decode(zframe_data(f), zframe_size(f) - 1, &d, &err), SL_EINPUT);
    assert_null(d);
    zframe_destroy(&f);
}

#define JPATH(...) ((const char *[]){__VA_ARGS__, NULL})

static const char *
jstr(yajl_val root, const char **path)
{
    yajl_val v = yajl_tree_get(root, path, yajl_t_string);
    assert_non_null(v);
    return YAJL_GET_STRING(v);
}

static long long
jint(yajl_val root, const char **path)
{
    yajl_val v = yajl_tree_get(root, path, yajl_t_number);
    assert_non_null(v);
    assert_true(YAJL_IS_INTEGER(v));
    return YAJL_GET_INTEGER(v);
}

static double
jdouble(yajl_val root, const char **path)
{
    yajl_val v = yajl_tree_get(root, path, yajl_t_number);
    assert_non_null(v);
    assert_true(YAJL_IS_DOUBLE(v));
    return YAJL_GET_DOUBLE(v);
}

/* The JSON text of r, parsed. */
static yajl_val
json_of(const sl_pb_run_t *r)
{
    char *text = NULL, errbuf[128];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(sl_run_json(r, f), SL_OK);
    assert_int_equal(fclose(f), 0);
    yajl_val root = yajl_tree_parse(text, errbuf, sizeof errbuf);
    free(text);
    assert_non_null(root);
    assert_true(YAJL_IS_OBJECT(root));
    return root;
}

static void
check_json_reasons(yajl_val root)
{
    yajl_val rs =
        yajl_tree_get(root, JPATH("verdict", "reasons"), yajl_t_array);
    assert_non_null(rs);
    assert_int_equal(YAJL_GET_ARRAY(rs)->len, 2);
    yajl_val r0 = YAJL_GET_ARRAY(rs)->values[0];
    yajl_val r1 = YAJL_GET_ARRAY(rs)->values[1];
    assert_string_equal(jstr(r0, JPATH("rule")), "tests.failed");
    assert_string_equal(jstr(r0, JPATH("message")), "1 test failed");
    assert_true(jdouble(r0, JPATH("value")) == 1.0);
    assert_true(jdouble(r0, JPATH("threshold")) == 0.0);
    assert_non_null(yajl_tree_get(r0, JPATH("baseline"), yajl_t_null));
    assert_true(jdouble(r1, JPATH("value")) == 12.5);
    assert_true(jdouble(r1, JPATH("threshold")) == 10.0);
    assert_true(jdouble(r1, JPATH("baseline")) == 9.5);
}

static void
test_run_json_contract(void **state)
{
    (void)state;
    evs_t e;
    sl_pb_run_t *r = folded(&e);
    yajl_val root = json_of(r);
    assert_string_equal(jstr(root, JPATH("run_id")), "r1");
    assert_string_equal(jstr(root, JPATH("project")), "core");
    assert_string_equal(jstr(root, JPATH("branch")), "main");
    assert_string_equal(jstr(root, JPATH("commit")), "abc123");
    assert_string_equal(jstr(root, JPATH("state")), "finished");
    assert_string_equal(jstr(root, JPATH("created")), "2026-11-24T04:03:11Z");
    assert_string_equal(jstr(root, JPATH("finished")), "2026-11-24T04:03:20Z");
    assert_int_equal(jint(root, JPATH("tests", "total")), 5);
    assert_int_equal(jint(root, JPATH("tests", "passed")), 2);
    assert_int_equal(jint(root, JPATH("tests", "failed")), 1);
    assert_int_equal(jint(root, JPATH("tests", "errors")), 1);
    assert_int_equal(jint(root, JPATH("tests", "skipped")), 1);
    assert_non_null(yajl_tree_get(root, JPATH("coverage"), yajl_t_null));
    yajl_val b = yajl_tree_get(root, JPATH("benchmarks"), yajl_t_array);
    assert_non_null(b);
    assert_int_equal(YAJL_GET_ARRAY(b)->len, 0);
    const char *sev[] = {"critical", "high", "medium", "low"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(jint(root, JPATH("findings", sev[i])), 0);
    }
    assert_non_null(
        yajl_tree_get(root, JPATH("findings", "by_rule"), yajl_t_object));
    assert_string_equal(jstr(root, JPATH("verdict", "status")), "fail");
    check_json_reasons(root);
    yajl_tree_free(root);
    sl_run_free(&r);
}

static void
test_run_json_new_run(void **state)
{
    (void)state;
    sl_pb_run_t *r = sl_run_new("with \"quotes\" and \n");
    yajl_val root = json_of(r);
    assert_string_equal(jstr(root, JPATH("run_id")), "with \"quotes\" and \n");
    assert_string_equal(jstr(root, JPATH("state")), "open");
    assert_non_null(yajl_tree_get(root, JPATH("created"), yajl_t_null));
    assert_non_null(yajl_tree_get(root, JPATH("finished"), yajl_t_null));
    assert_string_equal(jstr(root, JPATH("verdict", "status")), "pending");
    yajl_val a = yajl_tree_get(root, JPATH("verdict", "reasons"), yajl_t_array);
    assert_non_null(a);
    assert_int_equal(YAJL_GET_ARRAY(a)->len, 0);
    assert_int_equal(jint(root, JPATH("tests", "total")), 0);
    yajl_tree_free(root);
    sl_run_free(&r);
}

static void
test_run_names(void **state)
{
    (void)state;
    assert_string_equal(sl_verdict_name(0), "pending");
    assert_string_equal(sl_verdict_name(1), "pass");
    assert_string_equal(sl_verdict_name(2), "warn");
    assert_string_equal(sl_verdict_name(3), "fail");
    assert_string_equal(sl_verdict_name(4), "incomplete");
    assert_string_equal(sl_verdict_name((Sluice__V1__VerdictStatus)99), "pending");
    assert_string_equal(sl_state_name(0), "open");
    assert_string_equal(sl_state_name(1), "finished");
    assert_string_equal(sl_state_name(9), "open");
}

static void
test_run_print_verdict(void **state)
{
    (void)state;
    evs_t e;
    sl_pb_run_t *r = folded(&e);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    sl_run_print_verdict(r, f);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(
        text, "verdict: fail  run r1  project core  branch main  commit "
              "abc123\n"
              "  tests       5: 2 passed, 1 failed, 1 errors, 1 skipped\n"
              "  status  rule          value  threshold  baseline  message\n"
              "  fail    tests.failed  1      0                    1 test "
              "failed\n"
              "  fail    perf          12.5   10         9.5       slower\n");
    free(text);
    sl_run_free(&r);
}

/* Coverage totals add up over reports, a benchmark is replaced by a later
 * one of the same name and measure, findings count by severity and rule;
 * all of it survives encode/decode and reaches the JSON summary. */
static void
fold_kinds(sl_pb_run_t *r)
{
    Sluice__V1__Coverage file, tot[2];
    sluice__v1__coverage__init(&file);
    file.path = S("a.c");
    file.lines_valid = 1000; /* a file record never counts: only totals */
    apply(r, 40, SLUICE__V1__EVENT__BODY_COVERAGE_FILE, &file, 200, T0);
    for (size_t i = 0; i < 2; i++) {
        sluice__v1__coverage__init(&tot[i]);
        tot[i].lines_valid = 10 * (i + 1);
        tot[i].lines_covered = 5 * (i + 1) + i;
        tot[i].branches_valid = 4;
        tot[i].branches_covered = 1;
        tot[i].files = 2;
        apply(r, 40 + i, SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL, &tot[i],
              201 + i, T0);
    }
    double samples[3] = {1.0, 2.0, 4.5};
    Sluice__V1__Benchmark b[3];
    const char *names[3] = {"parse", "parse", "parse"};
    const char *measures[3] = {"", "throughput", ""};
    for (size_t i = 0; i < 3; i++) {
        sluice__v1__benchmark__init(&b[i]);
        b[i].name = S(names[i]);
        b[i].measure = S(measures[i]);
        b[i].value = 10.0 * (double)(i + 1);
        b[i].unit = S("ns");
        b[i].lower_is_better = 1;
        apply(r, 50, SLUICE__V1__EVENT__BODY_BENCHMARK, &b[i], 203 + i, T0);
    }
    b[2].samples = samples; /* the replacement, as packed, has samples */
    b[2].n_samples = 3;
    b[2].samples_total = 3;
    apply(r, 50, SLUICE__V1__EVENT__BODY_BENCHMARK, &b[2], 206, T0);
    Sluice__V1__Finding f[4];
    const int sev[4] = {4, 3, 3, 0};
    const char *rules[4] = {"CWE-78", "CWE-120", "CWE-120", "style"};
    for (size_t i = 0; i < 4; i++) {
        sluice__v1__finding__init(&f[i]);
        f[i].severity = (Sluice__V1__Severity)sev[i];
        f[i].rule_id = S(rules[i]);
        apply(r, 60, SLUICE__V1__EVENT__BODY_FINDING, &f[i], 207 + i, T0);
    }
}

static void
check_kinds(const sl_pb_run_t *r)
{
    assert_int_equal(r->coverage_reports, 2);
    assert_int_equal(r->coverage->lines_valid, 30);
    assert_int_equal(r->coverage->lines_covered, 16);
    assert_int_equal(r->coverage->branches_valid, 8);
    assert_int_equal(r->coverage->files, 4);
    assert_int_equal(r->n_benchmarks, 2);
    assert_true(r->benchmarks[0]->value == 30.0);
    assert_int_equal(r->benchmarks[0]->n_samples, 3);
    assert_string_equal(r->benchmarks[1]->measure, "throughput");
    assert_int_equal(r->findings->critical, 1);
    assert_int_equal(r->findings->high, 2);
    assert_int_equal(r->findings->none, 1);
    assert_int_equal(r->findings->n_by_rule, 3);
    assert_string_equal(r->findings->by_rule[1]->rule, "CWE-120");
    assert_int_equal(r->findings->by_rule[1]->count, 2);
}

static void
test_run_other_kinds(void **state)
{
    (void)state;
    sl_pb_run_t *r = sl_run_new("k");
    fold_kinds(r);
    check_kinds(r);
    size_t n = 0;
    uint8_t *buf = sl_wire_pack(&r->base, &n);
    assert_non_null(buf);
    sl_pb_run_t *d = NULL;
    sl_err_t err = {0};
    assert_int_equal(sl_run_decode(buf, n, &d, &err), SL_OK);
    free(buf);
    check_kinds(d);
    yajl_val root = json_of(d);
    assert_int_equal(jint(root, JPATH("coverage", "lines_valid")), 30);
    assert_int_equal(jint(root, JPATH("coverage", "lines_covered")), 16);
    assert_true(jdouble(root, JPATH("coverage", "line_rate")) == 16.0 / 30);
    assert_true(jdouble(root, JPATH("coverage", "branch_rate")) == 0.25);
    assert_int_equal(jint(root, JPATH("coverage", "reports")), 2);
    yajl_val bs = yajl_tree_get(root, JPATH("benchmarks"), yajl_t_array);
    assert_int_equal(YAJL_GET_ARRAY(bs)->len, 2);
    yajl_val b0 = YAJL_GET_ARRAY(bs)->values[0];
    assert_string_equal(jstr(b0, JPATH("name")), "parse");
    assert_true(YAJL_IS_TRUE(yajl_tree_get(b0, JPATH("lower_is_better"),
                                           yajl_t_true)));
    yajl_val sm = yajl_tree_get(b0, JPATH("samples"), yajl_t_array);
    assert_int_equal(YAJL_GET_ARRAY(sm)->len, 3);
    assert_true(YAJL_GET_DOUBLE(YAJL_GET_ARRAY(sm)->values[2]) == 4.5);
    assert_int_equal(jint(root, JPATH("findings", "critical")), 1);
    assert_int_equal(jint(root, JPATH("findings", "high")), 2);
    assert_int_equal(jint(root, JPATH("findings", "by_rule", "CWE-120")), 2);
    yajl_tree_free(root);
    sl_run_free(&d);
    sl_run_free(&r);
}

/* Whatever is pushed, a run record stays far below the 16 MiB decode cap:
 * past each cap the summary leaves the rest to the log and says so. */
static void
test_run_caps(void **state)
{
    (void)state;
    sl_pb_run_t *r = sl_run_new("caps");
    static double samples[10000];
    char name[32];
    Sluice__V1__Benchmark b;
    sluice__v1__benchmark__init(&b);
    b.name = name;
    b.unit = S("ns");
    b.samples = samples;
    b.n_samples = 10000;
    b.samples_total = 10000;
    uint64_t lsn = 1;
    for (unsigned i = 0; i < SL_RUN_BENCHMARKS_MAX + 5; i++) {
        (void)snprintf(name, sizeof name, "bench-%u", i);
        apply(r, 70, SLUICE__V1__EVENT__BODY_BENCHMARK, &b, lsn++, T0);
    }
    assert_int_equal(r->n_benchmarks, SL_RUN_BENCHMARKS_MAX);
    size_t kept = 0;
    for (size_t i = 0; i < r->n_benchmarks; i++) {
        kept += r->benchmarks[i]->n_samples;
        assert_int_equal(r->benchmarks[i]->samples_total, 10000);
    }
    assert_int_equal(kept, SL_RUN_SAMPLES_MAX / 10000 * 10000);
    assert_true(r->capped);
    Sluice__V1__Finding f;
    sluice__v1__finding__init(&f);
    f.rule_id = name;
    f.severity = SLUICE__V1__SEVERITY__SEVERITY_LOW;
    for (unsigned i = 0; i < SL_RUN_RULES_MAX + 10; i++) {
        (void)snprintf(name, sizeof name, "rule-%u", i);
        apply(r, 71, SLUICE__V1__EVENT__BODY_FINDING, &f, lsn++, T0);
    }
    assert_int_equal(r->findings->low, SL_RUN_RULES_MAX + 10);
    assert_int_equal(r->findings->n_by_rule, SL_RUN_RULES_MAX + 1);
    Sluice__V1__RuleCount *other = r->findings->by_rule[SL_RUN_RULES_MAX];
    assert_string_equal(other->rule, SL_RUN_OTHER_RULES);
    assert_int_equal(other->count, 10);
    Sluice__V1__Coverage c;
    sluice__v1__coverage__init(&c);
    c.lines_valid = UINT64_MAX - 1;
    apply(r, 72, SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL, &c, lsn++, T0);
    apply(r, 73, SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL, &c, lsn++, T0);
    assert_true(r->coverage->lines_valid == UINT64_MAX); /* no wrap */
    size_t n = 0;
    uint8_t *buf = sl_wire_pack(&r->base, &n);
    assert_non_null(buf);
    assert_true(n < SL_WIRE_MAX_MSG / 4);
    sl_pb_run_t *d = NULL;
    assert_int_equal(sl_run_decode(buf, n, &d, NULL), SL_OK);
    assert_true(d->capped);
    free(buf);
    sl_run_free(&d);
    sl_run_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_new),
        cmocka_unit_test(test_run_fold),
        cmocka_unit_test(test_run_high_seq),
        cmocka_unit_test(test_run_decode),
        cmocka_unit_test(test_run_json_contract),
        cmocka_unit_test(test_run_json_new_run),
        cmocka_unit_test(test_run_names),
        cmocka_unit_test(test_run_print_verdict),
        cmocka_unit_test(test_run_other_kinds),
        cmocka_unit_test(test_run_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
