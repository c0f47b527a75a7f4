/* JaCoCo XML coverage (report.dtd, "-//JACOCO//DTD Report 1.1//EN"), as
 * org.jacoco.report's XMLFormatter writes it for the Maven and Gradle
 * plugins, the Ant task and the CLI:
 *
 *   <report name><sessioninfo .../>
 *     <group name> ... (any depth, optional)
 *       <package name="com/example">
 *         <class ...><method ...><counter .../></method>...</class>
 *         <sourcefile name="Cart.java">
 *           <line nr mi ci mb cb/> ...
 *           <counter type="LINE" missed covered/> ...
 *         </sourcefile>
 *         <counter .../> ...
 *       </package>
 *     <counter type="LINE|BRANCH|METHOD|..." missed covered/> ...
 *   </report>
 *
 * - One record per <sourcefile>, at its end tag: path is the package name,
 *   "/" and the sourcefile name (just the name in the default package,
 *   whose name is ""); groups are not part of the path. Its figures are
 *   the sourcefile's own LINE, BRANCH and METHOD counters (direct
 *   children): valid = missed + covered. JaCoCo leaves out a counter
 *   whose total is 0; an absent one gives 0.
 * - The total is the report's own counters (direct children of <report>),
 *   each type absent there taken from the sums of the file records.
 * - Counters of classes, methods, packages and groups, and the other
 *   counter types (INSTRUCTION, COMPLEXITY, CLASS), are checked but not
 *   used; so are the <line> elements (nr, mi, ci, mb, cb), but for a sink
 *   that wants line coverage (jac_line).
 *
 * Refused: another root element, a <counter> without type, missed or
 * covered, or with two counters of one type in one element (where used),
 * numbers that are not whole decimals (signs, fractions, overflow),
 * missed + covered or a sum over 64 bits, a <package> without name or
 * inside a <package>, a <sourcefile> without name, outside a <package>
 * or inside another, a path over SL_COV_PATH_MAX bytes, a <line> without
 * nr. */
#include "jacoco.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cobertura.h"
#include "sluice/parse.h"
#include "sluice/xml.h"

enum { JAC_LINE, JAC_BRANCH, JAC_METHOD, JAC_KINDS };

typedef struct jac_counts {
    int has[JAC_KINDS];
    uint64_t valid[JAC_KINDS];
    uint64_t covered[JAC_KINDS];
} jac_counts_t;

typedef struct jacoco {
    const sl_sink_t *sink;
    int want_lines;         /* the sink has a line callback */
    unsigned package_depth; /* of the open <package>; 0 outside */
    unsigned source_depth;  /* of the open <sourcefile>; 0 outside */
    size_t package_len;     /* of path: the package name and its "/" */
    jac_counts_t file;      /* the open sourcefile's counters */
    jac_counts_t report;    /* the report's own counters */
    jac_counts_t sum;       /* of the file records */
    uint64_t files;
    char path[SL_COV_PATH_MAX + 1];
} jacoco_t;

static const char *const jac_type[JAC_KINDS] = {"LINE", "BRANCH", "METHOD"};

/* The kind of a counter type; JAC_KINDS for a type not used. */
static int
jac_kind(const char *type)
{
    for (int k = 0; k < JAC_KINDS; k++) {
        if (strcmp(type, jac_type[k]) == 0) {
            return k;
        }
    }
    return JAC_KINDS;
}

/* The counters a <counter> at depth d belongs to, or NULL if unused. */
static jac_counts_t *
jac_counter_owner(jacoco_t *j, unsigned d)
{
    if (j->source_depth != 0 && d == j->source_depth + 1) {
        return &j->file;
    }
    return d == 2 ? &j->report : NULL;
}

static int
jac_counter(jacoco_t *j, sl_xml_t *x, const char **attrs, unsigned d)
{
    const char *type = sl_xml_attr(attrs, "type");
    const char *mv = sl_xml_attr(attrs, "missed");
    const char *cv = sl_xml_attr(attrs, "covered");
    if (type == NULL || mv == NULL || cv == NULL) {
        return sl_xml_fail(x, SL_EINPUT, "<counter> without %s",
                           type == NULL ? "type"
                           : mv == NULL ? "missed"
                                        : "covered");
    }
    uint64_t missed = 0;
    uint64_t covered = 0;
    int rc = sl_xml_u64(x, "missed", mv, UINT64_MAX, &missed);
    if (rc == SL_OK) {
        rc = sl_xml_u64(x, "covered", cv, UINT64_MAX, &covered);
    }
    if (rc == SL_OK && missed > UINT64_MAX - covered) {
        return sl_xml_fail(x, SL_EINPUT, "%.40s counter overflows 64 bits",
                           type);
    }
    int k = jac_kind(type);
    jac_counts_t *owner = jac_counter_owner(j, d);
    if (rc != SL_OK || k == JAC_KINDS || owner == NULL) {
        return rc;
    }
    if (owner->has[k]) {
        return sl_xml_fail(x, SL_EINPUT, "a second %s counter", jac_type[k]);
    }
    owner->has[k] = 1;
    owner->valid[k] = missed + covered;
    owner->covered[k] = covered;
    return SL_OK;
}

static int
jac_package(jacoco_t *j, sl_xml_t *x, const char **attrs, unsigned d)
{
    if (j->package_depth != 0) {
        return sl_xml_fail(x, SL_EINPUT, "<package> inside a <package>");
    }
    const char *name = sl_xml_attr(attrs, "name");
    if (name == NULL) {
        return sl_xml_fail(x, SL_EINPUT, "<package> without a name");
    }
    size_t n = strlen(name);
    /* The path needs room for "/" and a name of at least one byte. */
    if (n + 2 > SL_COV_PATH_MAX) {
        return sl_xml_fail(x, SL_ETOOBIG, "path longer than %d bytes",
                           SL_COV_PATH_MAX);
    }
    memcpy(j->path, name, n);
    j->path[n] = '/';
    j->package_len = n > 0 ? n + 1 : 0; /* the default package: no "/" */
    j->package_depth = d;
    return SL_OK;
}

static int
jac_sourcefile(jacoco_t *j, sl_xml_t *x, const char **attrs, unsigned d)
{
    if (j->package_depth == 0 || j->source_depth != 0) {
        return sl_xml_fail(x, SL_EINPUT, "<sourcefile> %s",
                           j->package_depth == 0 ? "outside a <package>"
                                                 : "inside a <sourcefile>");
    }
    const char *name = sl_xml_attr(attrs, "name");
    if (name == NULL || *name == '\0') {
        return sl_xml_fail(x, SL_EINPUT, "<sourcefile> without a name");
    }
    size_t n = strlen(name);
    if (n > SL_COV_PATH_MAX - j->package_len) {
        return sl_xml_fail(x, SL_ETOOBIG, "path longer than %d bytes",
                           SL_COV_PATH_MAX);
    }
    memcpy(j->path + j->package_len, name, n + 1);
    memset(&j->file, 0, sizeof j->file);
    j->source_depth = d;
    return SL_OK;
}

/* <line nr mi ci mb cb/>: checked; the figures come from the counters.
 * A sink that wants line coverage gets the line when it has instructions
 * (mi + ci > 0), run ci times (JaCoCo counts a line covered when one of
 * its instructions ran). */
static int
jac_line(jacoco_t *j, sl_xml_t *x, const char **attrs)
{
    static const char *const names[] = {"nr", "mi", "ci", "mb", "cb"};
    uint64_t v[5] = {0};
    if (sl_xml_attr(attrs, "nr") == NULL) {
        return sl_xml_fail(x, SL_EINPUT, "<line> without nr");
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *a = sl_xml_attr(attrs, names[i]);
        int rc = a == NULL ? SL_OK
                           : sl_xml_u64(x, names[i], a, UINT32_MAX, &v[i]);
        if (rc != SL_OK) {
            return rc;
        }
    }
    if (!j->want_lines || v[1] + v[2] == 0) {
        return SL_OK;
    }
    int rc = j->sink->line(j->sink->line_ctx, j->path, v[0], v[0], v[2]);
    return rc == SL_OK ? SL_OK
                       : sl_xml_fail(x, rc, "line coverage: %s",
                                     sl_strerror(rc));
}

static int
jac_on_start(void *ctx, sl_xml_t *x, const char *name, const char **attrs)
{
    jacoco_t *j = ctx;
    unsigned d = sl_xml_depth(x);
    if (d == 1 && strcmp(name, "report") != 0) {
        return sl_xml_fail(x, SL_EINPUT,
                           "not a JaCoCo report (root element %.64s)", name);
    }
    if (strcmp(name, "counter") == 0) {
        return jac_counter(j, x, attrs, d);
    }
    if (strcmp(name, "package") == 0) {
        return jac_package(j, x, attrs, d);
    }
    if (strcmp(name, "sourcefile") == 0) {
        return jac_sourcefile(j, x, attrs, d);
    }
    if (j->source_depth != 0 && d == j->source_depth + 1 &&
        strcmp(name, "line") == 0) {
        return jac_line(j, x, attrs);
    }
    return SL_OK;
}

static void
jac_record(Sluice__V1__Coverage *cv, const jac_counts_t *n)
{
    cv->lines_valid = n->valid[JAC_LINE];
    cv->lines_covered = n->covered[JAC_LINE];
    cv->branches_valid = n->valid[JAC_BRANCH];
    cv->branches_covered = n->covered[JAC_BRANCH];
    cv->functions_valid = n->valid[JAC_METHOD];
    cv->functions_covered = n->covered[JAC_METHOD];
}

static int
jac_sourcefile_end(jacoco_t *j, sl_xml_t *x)
{
    j->source_depth = 0;
    for (int k = 0; k < JAC_KINDS; k++) {
        if (j->file.valid[k] > UINT64_MAX - j->sum.valid[k]) {
            return sl_xml_fail(x, SL_EINPUT, "%s sum overflows 64 bits",
                               jac_type[k]);
        }
        j->sum.valid[k] += j->file.valid[k];
        j->sum.covered[k] += j->file.covered[k]; /* <= valid: no overflow */
    }
    Sluice__V1__Coverage cv;
    sluice__v1__coverage__init(&cv);
    cv.path = j->path;
    jac_record(&cv, &j->file);
    j->files++;
    return sl_sink_emit(j->sink, SLUICE__V1__EVENT__BODY_COVERAGE_FILE, &cv);
}

static int
jac_total(jacoco_t *j)
{
    jac_counts_t t = j->sum;
    for (int k = 0; k < JAC_KINDS; k++) {
        if (j->report.has[k]) {
            t.valid[k] = j->report.valid[k];
            t.covered[k] = j->report.covered[k];
        }
    }
    Sluice__V1__Coverage cv;
    sluice__v1__coverage__init(&cv);
    jac_record(&cv, &t);
    cv.files = j->files;
    return sl_sink_emit(j->sink, SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL, &cv);
}

static int
jac_on_end(void *ctx, sl_xml_t *x, const char *name)
{
    jacoco_t *j = ctx;
    unsigned d = sl_xml_depth(x);
    (void)name; /* expat has matched the tags */
    if (d == j->source_depth) {
        return jac_sourcefile_end(j, x);
    }
    if (d == j->package_depth) {
        j->package_depth = 0;
        return SL_OK;
    }
    return d == 1 ? jac_total(j) : SL_OK;
}

int
sl_jacoco_sniff(const char *head, size_t len)
{
    char root[16];
    if (!sl_xml_sniff_root(head, len, root, sizeof root) ||
        strcmp(root, "report") != 0) {
        return 0;
    }
    return sl_cov_contains(head, len, "-//JACOCO//DTD Report") ||
           sl_cov_contains(head, len, "<sessioninfo");
}

int
sl_jacoco_parse(int fd, const char *path, const sl_sink_t *sink, sl_err_t *err)
{
    static const sl_xml_cfg_t cfg = {
        .start = jac_on_start,
        .end = jac_on_end,
    };
    jacoco_t *j = calloc(1, sizeof *j);
    if (j == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    j->sink = sink;
    j->want_lines = sl_sink_wants_lines(sink);
    int rc = sl_xml_parse_fd(fd, path, &cfg, j, err);
    free(j);
    return rc;
}
