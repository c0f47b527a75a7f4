/* The verdict for CI systems (docs/ci.md): GitHub Actions workflow
 * commands and step summary (--github), JUnit XML (--junit-out F).
 *
 * Every string of a run is hostile: each output escapes by its own rules,
 * and invalid UTF-8 and characters an output cannot carry become '?'. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/clock.h"
#include "sluice/text.h"
#include "sluice/verdict.h"

#define PENDING SLUICE__V1__VERDICT_STATUS__VERDICT_PENDING

/* ---- GitHub workflow commands ----------------------------------------- */

void
agent_gh_escape(FILE *out, const char *s, int property)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        uint32_t cp = 0;
        size_t n = sl_utf8_next(s + i, len - i, &cp);
        if (n == 0) {
            fputc('?', out);
            i++;
            continue;
        }
        if (cp == '%' || cp == '\r' || cp == '\n' ||
            (property && (cp == ':' || cp == ','))) {
            fprintf(out, "%%%02X", (unsigned)cp);
        } else if (cp < 0x20 && cp != '\t') {
            fputc('?', out); /* the log would show it raw */
        } else {
            fwrite(s + i, 1, n, out);
        }
        i += n;
    }
}

/* "sluice: RULE SUBJECT" */
static void
gh_command(FILE *out, const char *cmd, const char *rule, const char *subject,
           const char *msg, const char *figures)
{
    fprintf(out, "::%s title=", cmd);
    agent_gh_escape(out, "sluice: ", 1);
    agent_gh_escape(out, rule, 1);
    if (subject[0] != '\0') {
        agent_gh_escape(out, " ", 1);
        agent_gh_escape(out, subject, 1);
    }
    fputs("::", out);
    agent_gh_escape(out, msg, 0);
    if (msg[0] != '\0' && figures[0] != '\0') {
        agent_gh_escape(out, "\n", 0);
    }
    agent_gh_escape(out, figures, 0);
    fputc('\n', out);
}

/* The verdict itself when no reason says why it fails (an incomplete run
 * with no reason, or no verdict in time). */
static const char *
verdict_why(const sl_pb_run_t *r, const sl_pb_verdict_t *v)
{
    int failing = 0;
    for (size_t i = 0; i < v->n_reasons; i++) {
        failing |= sl_verdict_failing(sl_verdict_reason_status(v,
                                                               v->reasons[i]));
    }
    if (v->status == PENDING) {
        return r->state == SLUICE__V1__RUN_STATE__RUN_FINISHED
                   ? "no verdict in time"
                   : "no verdict in time (the run is not finished)";
    }
    if (sl_verdict_failing(v->status) && !failing) {
        return v->status == SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE
                   ? "the run is incomplete"
                   : "the run fails";
    }
    return NULL;
}

/* GitHub shows 10 annotations of each kind per step and drops the rest
 * unsaid: past that, the 10th says how many more there are. */
#define GH_PER_KIND 10

static void
gh_reason(FILE *out, const sl_pb_verdict_t *v, const Sluice__V1__Reason *re,
          const char *cmd)
{
    char figures[512];
    sl_verdict_cells_t c;
    (void)v;
    sl_verdict_cells(re, &c);
    sl_verdict_figures(&c, figures, sizeof figures);
    gh_command(out, cmd, re->rule, re->subject, re->message, figures);
}

/* The reasons of one kind (errors: failing, else warnings). */
static void
gh_kind(FILE *out, const sl_pb_verdict_t *v, int errors)
{
    const char *cmd = errors ? "error" : "warning";
    size_t n = 0, shown = 0;
    for (size_t i = 0; i < v->n_reasons; i++) {
        n += sl_verdict_failing(sl_verdict_reason_status(v, v->reasons[i])) ==
             errors;
    }
    for (size_t i = 0; i < v->n_reasons; i++) {
        const Sluice__V1__Reason *re = v->reasons[i];
        if (sl_verdict_failing(sl_verdict_reason_status(v, re)) != errors) {
            continue;
        }
        if (n > GH_PER_KIND && shown == GH_PER_KIND - 1) {
            char msg[160];
            (void)snprintf(msg, sizeof msg,
                           "%zu more %s reason(s): every reason is in the "
                           "step's log and summary",
                           n - shown, errors ? "failing" : "warning");
            gh_command(out, cmd, "more", "", msg, "");
            return;
        }
        gh_reason(out, v, re, cmd);
        shown++;
    }
}

int
agent_gh_annotations(const sl_pb_run_t *r, FILE *out)
{
    const sl_pb_verdict_t *v = sl_verdict_of(r);
    gh_kind(out, v, 1);
    gh_kind(out, v, 0);
    const char *why = verdict_why(r, v);
    if (why != NULL) {
        char msg[512];
        (void)snprintf(msg, sizeof msg, "run %s: %s", r->run_id, why);
        gh_command(out, "error", "verdict", "", msg, "");
    }
    return ferror(out) ? SL_EIO : SL_OK;
}

/* ---- GitHub step summary (Markdown) ------------------------------------ */

/* s sanitized, cut at max_cols, with what Markdown would read as markup
 * backslash-escaped (CommonMark: any ASCII punctuation may be). */
void
agent_md_escape(FILE *out, const char *s, size_t max_cols)
{
    char *buf = malloc(4 * max_cols + 8);
    if (buf == NULL) {
        fputc('?', out);
        return;
    }
    (void)sl_verdict_cell(s, max_cols, buf, 4 * max_cols + 8);
    for (const char *p = buf; *p != '\0'; p++) {
        if (strchr("\\`*_[]<>|~&#!", *p) != NULL) {
            fputc('\\', out);
        }
        fputc(*p, out);
    }
    free(buf);
}

static const char *
md_icon(Sluice__V1__VerdictStatus st)
{
    switch (st) {
    case SLUICE__V1__VERDICT_STATUS__VERDICT_PASS:
        return "\xe2\x9c\x85"; /* U+2705 check mark */
    case SLUICE__V1__VERDICT_STATUS__VERDICT_WARN:
        return "\xe2\x9a\xa0\xef\xb8\x8f"; /* U+26A0 U+FE0F warning */
    case SLUICE__V1__VERDICT_STATUS__VERDICT_FAIL:
    case SLUICE__V1__VERDICT_STATUS__VERDICT_INCOMPLETE:
        return "\xe2\x9d\x8c"; /* U+274C cross */
    default:
        return "\xe2\x8f\xb3"; /* U+23F3 hourglass */
    }
}

static void
md_heading(const sl_pb_run_t *r, const sl_pb_verdict_t *v, FILE *out)
{
    const char *labels[] = {"run", "project", "branch", "commit"};
    const char *vals[] = {r->run_id, r->meta->project, r->meta->branch,
                          r->meta->commit};
    fprintf(out, "\n### %s sluice: %s%s\n\n", md_icon(v->status),
            sl_verdict_name(v->status), v->early ? " (early)" : "");
    const char *sep = "";
    for (size_t i = 0; i < 4; i++) {
        char commit[64];
        if (vals[i][0] == '\0') {
            continue;
        }
        if (i == 3) {
            sl_verdict_commit(vals[i], commit, sizeof commit);
        }
        fprintf(out, "%s%s ", sep, labels[i]);
        agent_md_escape(out, i == 3 ? commit : vals[i], 100);
        sep = ", ";
    }
    if (sep[0] != '\0') {
        fputs("\n\n", out);
    }
}

enum { M_SUBJECT, M_BASELINE, M_CHANGE, M_N };

/* Rows of the summary's table at most: GitHub takes 1 MiB of summary per
 * step, and a row can take a few kB. */
#define MD_ROWS 200

static void
md_row(const sl_pb_verdict_t *v, const Sluice__V1__Reason *re,
       const int shown[M_N], FILE *out)
{
    sl_verdict_cells_t c;
    char change[128];
    sl_verdict_cells(re, &c);
    (void)snprintf(change, sizeof change, "%s%s%s%s", c.change,
                   c.change[0] && c.stat[0] ? " " : "", c.stat[0] ? "(" : "",
                   c.stat);
    if (c.stat[0] != '\0') {
        (void)snprintf(change + strlen(change), sizeof change - strlen(change),
                       ")");
    }
    fprintf(out, "| %s | ", sl_verdict_name(sl_verdict_reason_status(v, re)));
    agent_md_escape(out, re->rule, 200);
    const char *opt[M_N] = {re->subject, c.baseline, change};
    for (int k = 0; k < M_N; k++) {
        if (k == M_BASELINE) {
            fputs(" | ", out);
            agent_md_escape(out, c.value, 100);
            fputs(" | ", out);
            agent_md_escape(out, c.threshold, 100);
        }
        if (shown[k]) {
            fputs(" | ", out);
            agent_md_escape(out, opt[k], 200);
        }
    }
    fputs(" | ", out);
    agent_md_escape(out, re->message, 1000);
    fputs(" |\n", out);
}

static void
md_table(const sl_pb_run_t *r, const sl_pb_verdict_t *v, FILE *out)
{
    int shown[M_N] = {0};
    for (size_t i = 0; i < v->n_reasons; i++) {
        sl_verdict_cells_t c;
        sl_verdict_cells(v->reasons[i], &c);
        shown[M_SUBJECT] |= v->reasons[i]->subject[0] != '\0';
        shown[M_BASELINE] |= c.baseline[0] != '\0';
        shown[M_CHANGE] |= c.change[0] != '\0' || c.stat[0] != '\0';
    }
    fprintf(out, "| status | rule |%s value | threshold |%s%s message |\n"
                 "| --- | --- |%s ---: | ---: |%s%s --- |\n",
            shown[M_SUBJECT] ? " subject |" : "",
            shown[M_BASELINE] ? " baseline |" : "",
            shown[M_CHANGE] ? " change |" : "",
            shown[M_SUBJECT] ? " --- |" : "",
            shown[M_BASELINE] ? " ---: |" : "",
            shown[M_CHANGE] ? " ---: |" : "");
    for (size_t i = 0; i < v->n_reasons && i < MD_ROWS; i++) {
        md_row(v, v->reasons[i], shown, out);
    }
    fputc('\n', out);
    if (v->n_reasons > MD_ROWS) {
        fprintf(out, "%zu more reason(s) are left out here: sluice run ",
                v->n_reasons - MD_ROWS);
        agent_md_escape(out, r->run_id, 200);
        fputs(" shows them all.\n\n", out);
    }
}

int
agent_gh_summary(const sl_pb_run_t *r, int64_t now_us, FILE *out)
{
    const sl_pb_verdict_t *v = sl_verdict_of(r);
    char base[1024];
    md_heading(r, v, out);
    const char *why = verdict_why(r, v);
    if (v->n_reasons > 0) {
        md_table(r, v, out);
    } else if (why == NULL) {
        fputs("No rule broken.\n\n", out);
    }
    if (why != NULL) {
        agent_md_escape(out, why, 200);
        fputs(".\n\n", out);
    }
    sl_verdict_baseline_text(v, now_us, base, sizeof base);
    if (base[0] != '\0') {
        fputs("**Baseline:** ", out);
        agent_md_escape(out, base, sizeof base);
        fputs("\n\n", out);
    }
    if (v->n_rules_checked > 0) {
        fprintf(out, "Rules checked: %zu.\n", v->n_rules_checked);
    }
    return ferror(out) ? SL_EIO : SL_OK;
}

/* Writes buf[len] whole to fd. */
static int
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int
agent_gh_summary_append(const sl_pb_run_t *r, int64_t now_us,
                        const char *path, sl_err_t *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    int rc = agent_gh_summary(r, now_us, mem);
    if (fclose(mem) != 0 || rc != SL_OK) {
        free(text);
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    /* One write in append mode: what the step wrote before stays. */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    int bad = fd < 0 || write_all(fd, text, len) != 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    free(text);
    if (bad) {
        return sl_err_set(err, SL_EIO, "%s: %s", path, strerror(e));
    }
    return SL_OK;
}

/* ---- JUnit XML ---------------------------------------------------------- */

void
agent_xml_escape(FILE *out, const char *s, int attr)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        uint32_t cp = 0;
        size_t n = sl_utf8_next(s + i, len - i, &cp);
        i += n > 0 ? n : 1;
        if (n == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' &&
                       cp != '\r') ||
            (cp >= 0x7F && cp < 0xA0) || cp == 0xFFFE || cp == 0xFFFF) {
            fputc('?', out); /* not allowed (or discouraged) in XML 1.0 */
        } else if (cp == '&') {
            fputs("&amp;", out);
        } else if (cp == '<') {
            fputs("&lt;", out);
        } else if (cp == '>') {
            fputs("&gt;", out); /* and so no "]]>" either */
        } else if (attr && cp == '"') {
            fputs("&quot;", out);
        } else if (attr && cp == '\'') {
            fputs("&apos;", out);
        } else if (cp == '\r' || (attr && (cp == '\n' || cp == '\t'))) {
            /* a parser would normalize them away */
            fprintf(out, "&#%u;", (unsigned)cp);
        } else {
            fwrite(s + i - n, 1, n, out);
        }
    }
}

/* One test case: a rule checked (re NULL: it held), a reason, or the
 * verdict itself (rule NULL). */
typedef struct junit_walk {
    const sl_pb_run_t *run;
    const sl_pb_verdict_t *v;
    FILE *out;         /* NULL: count only */
    size_t tests, failures, errors;
} junit_walk_t;

/* "sluice.tests" for "tests.failed". */
static void
junit_classname(FILE *out, const char *rule)
{
    size_t n = strcspn(rule, ".");
    char *family = strndup(rule, n);
    fputs("sluice.", out);
    agent_xml_escape(out, family != NULL ? family : "rule", 1);
    free(family);
}

static void
junit_reason(junit_walk_t *w, const Sluice__V1__Reason *re)
{
    Sluice__V1__VerdictStatus st = sl_verdict_reason_status(w->v, re);
    char figures[512];
    sl_verdict_cells_t c;
    sl_verdict_cells(re, &c);
    sl_verdict_figures(&c, figures, sizeof figures);
    if (sl_verdict_failing(st)) {
        fputs("      <failure message=\"", w->out);
        agent_xml_escape(w->out, re->message, 1);
        fprintf(w->out, "\" type=\"%s\">", sl_verdict_name(st));
        agent_xml_escape(w->out, figures, 0);
        fputs("</failure>\n", w->out);
    } else {
        /* a warning passes: CI systems know no warn state */
        fprintf(w->out, "      <system-out>%s: ", sl_verdict_name(st));
        agent_xml_escape(w->out, re->message, 0);
        if (figures[0] != '\0') {
            fputc('\n', w->out);
            agent_xml_escape(w->out, figures, 0);
        }
        fputs("</system-out>\n", w->out);
    }
}

static void
junit_case(junit_walk_t *w, const char *rule, const Sluice__V1__Reason *re)
{
    w->tests++;
    if (re != NULL &&
        sl_verdict_failing(sl_verdict_reason_status(w->v, re))) {
        w->failures++;
    }
    if (w->out == NULL) {
        return;
    }
    fputs("    <testcase classname=\"", w->out);
    junit_classname(w->out, rule);
    fputs("\" name=\"", w->out);
    agent_xml_escape(w->out, rule, 1);
    if (re != NULL && re->subject[0] != '\0') {
        fputc(' ', w->out);
        agent_xml_escape(w->out, re->subject, 1);
    }
    if (re == NULL) {
        fputs("\"/>\n", w->out);
        return;
    }
    fputs("\">\n", w->out);
    junit_reason(w, re);
    fputs("    </testcase>\n", w->out);
}

/* Whether a rules_checked entry names re: "rule", or "rule:subject" for
 * rules checked per subject (bench.regression:NAME). */
static int
checked_names(const char *checked, const Sluice__V1__Reason *re)
{
    size_t n = strlen(re->rule);
    return strncmp(checked, re->rule, n) == 0 &&
           (checked[n] == '\0' ||
            (checked[n] == ':' && strcmp(checked + n + 1, re->subject) == 0));
}

static int
rule_listed(const sl_pb_verdict_t *v, const char *rule, size_t upto)
{
    for (size_t i = 0; i < upto && i < v->n_rules_checked; i++) {
        if (strcmp(v->rules_checked[i], rule) == 0) {
            return 1;
        }
    }
    return 0;
}

static int
reason_listed(const sl_pb_verdict_t *v, const Sluice__V1__Reason *re)
{
    for (size_t i = 0; i < v->n_rules_checked; i++) {
        if (checked_names(v->rules_checked[i], re)) {
            return 1;
        }
    }
    return 0;
}

/* The verdict as a test case, when no reason says why it fails, or when
 * there is no test case at all (a report is never empty). */
static void
junit_verdict_case(junit_walk_t *w)
{
    const char *why = verdict_why(w->run, w->v);
    if (why == NULL && w->tests > 0) {
        return;
    }
    w->tests++;
    int pending = w->v->status == PENDING;
    if (pending) {
        w->errors++;
    } else if (why != NULL) {
        w->failures++;
    }
    if (w->out == NULL) {
        return;
    }
    fputs("    <testcase classname=\"sluice\" name=\"verdict\"", w->out);
    if (why == NULL) {
        fputs("/>\n", w->out);
        return;
    }
    fprintf(w->out, ">\n      <%s message=\"", pending ? "error" : "failure");
    agent_xml_escape(w->out, why, 1);
    fprintf(w->out, "\" type=\"%s\"/>\n    </testcase>\n",
            sl_verdict_name(w->v->status));
}

/* Every rule checked (its reasons, or one passing case), then the reasons
 * of rules not in the list, then the verdict's own case if needed. */
static void
junit_walk(junit_walk_t *w)
{
    const sl_pb_verdict_t *v = w->v;
    for (size_t i = 0; i < v->n_rules_checked; i++) {
        const char *rule = v->rules_checked[i];
        int broken = 0;
        if (rule_listed(v, rule, i)) {
            continue; /* listed twice */
        }
        for (size_t k = 0; k < v->n_reasons; k++) {
            if (checked_names(rule, v->reasons[k])) {
                junit_case(w, rule, v->reasons[k]);
                broken = 1;
            }
        }
        if (!broken) {
            junit_case(w, rule, NULL);
        }
    }
    for (size_t k = 0; k < v->n_reasons; k++) {
        if (!reason_listed(v, v->reasons[k])) {
            junit_case(w, v->reasons[k]->rule, v->reasons[k]);
        }
    }
    junit_verdict_case(w);
}

static void
junit_properties(const sl_pb_run_t *r, const sl_pb_verdict_t *v, FILE *out)
{
    const char *names[] = {"run_id", "project", "branch", "commit", "url",
                           "verdict"};
    const char *vals[] = {r->run_id,       r->meta->project, r->meta->branch,
                          r->meta->commit, r->meta->url,
                          sl_verdict_name(v->status)};
    fputs("    <properties>\n", out);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (vals[i][0] != '\0') {
            fprintf(out, "      <property name=\"%s\" value=\"", names[i]);
            agent_xml_escape(out, vals[i], 1);
            fputs("\"/>\n", out);
        }
    }
    fputs("    </properties>\n", out);
}

int
agent_junit(const sl_pb_run_t *r, FILE *out)
{
    junit_walk_t w = {.run = r, .v = sl_verdict_of(r)};
    junit_walk(&w); /* the counts first */
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<testsuites name=\"sluice\" tests=\"%zu\" failures=\"%zu\" "
                 "errors=\"%zu\">\n"
                 "  <testsuite name=\"sluice gate\" tests=\"%zu\" "
                 "failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n",
            w.tests, w.failures, w.errors, w.tests, w.failures, w.errors);
    junit_properties(r, w.v, out);
    w.out = out;
    w.tests = w.failures = w.errors = 0;
    junit_walk(&w);
    fputs("  </testsuite>\n</testsuites>\n", out);
    return ferror(out) ? SL_EIO : SL_OK;
}

/* Writes f whole and durably; closes it. */
static int
junit_finish(FILE *f, const sl_pb_run_t *r)
{
    int rc = agent_junit(r, f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = SL_EIO;
    }
    if (fclose(f) != 0) {
        rc = SL_EIO;
    }
    return rc;
}

int
agent_junit_write(const sl_pb_run_t *r, const char *path, sl_err_t *err)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        return sl_err_set(err, SL_EINVAL, "%s: path too long", path);
    }
    /* A temp file beside it, renamed over it: a reader never sees half a
     * report, and a failed write leaves the old file (or none). */
    int fd = mkstemp(tmp);
    if (fd < 0) {
        return sl_err_set(err, SL_EIO, "%s: %s", path, strerror(errno));
    }
    FILE *f = fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
    int e = errno;
    if (f == NULL) {
        (void)close(fd);
    }
    int rc = f != NULL ? junit_finish(f, r) : SL_EIO;
    e = f != NULL ? errno : e;
    if (rc == SL_OK && rename(tmp, path) != 0) {
        e = errno;
        rc = SL_EIO;
    }
    if (rc != SL_OK) {
        (void)unlink(tmp);
        return sl_err_set(err, SL_EIO, "%s: %s", path,
                          e != 0 ? strerror(e) : "write failed");
    }
    return SL_OK;
}

/* ---- all of them, as the flags ask -------------------------------------- */

int
agent_verdict_outputs(const agent_cfg_t *cfg, const sl_pb_run_t *r)
{
    sl_err_t err = {0};
    int failed = 0;
    if (cfg->github) {
        /* With --json, stdout is the JSON alone: the runner reads workflow
         * commands from stderr as well. */
        FILE *out = cfg->json ? stderr : stdout;
        failed |= agent_gh_annotations(r, out) != SL_OK || fflush(out) != 0;
        const char *summary = getenv("GITHUB_STEP_SUMMARY");
        if (summary != NULL && summary[0] != '\0' &&
            agent_gh_summary_append(r, sl_now_us(), summary, &err) != SL_OK) {
            fprintf(stderr, "sluice-agent: step summary: %s\n", err.msg);
            failed = 1;
        }
    }
    if (cfg->junit_out != NULL) {
        sl_err_t jerr = {0};
        if (agent_junit_write(r, cfg->junit_out, &jerr) != SL_OK) {
            fprintf(stderr, "sluice-agent: --junit-out: %s\n", jerr.msg);
            failed = 1;
        }
    }
    return failed;
}
