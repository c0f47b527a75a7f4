/* Cobertura XML coverage, as gcovr, coverage.py and Cobertura 2 (Java)
 * write it (coverage-04.dtd):
 *
 *   <coverage line-rate lines-valid lines-covered branches-valid ...>
 *     <packages><package name><classes>
 *       <class name filename>
 *         <methods><method name signature><lines><line .../></lines>
 *         </method></methods>
 *         <lines><line number hits branch condition-coverage="50% (1/2)"/>
 *       </class> ...
 *
 * - A file's lines are the <line> elements of its classes' own <lines>
 *   (class/lines/line): one valid line each, covered when hits > 0. Its
 *   branches come from lines with branch="true": "P% (n/m)" adds m valid
 *   and n covered. Lines under <method> repeat class lines in the Java
 *   flavor and are not counted again.
 * - A file's functions are the <method> elements of its classes; one is
 *   covered when any of its lines has hits > 0. gcovr and coverage.py
 *   write <methods/> empty: their files have no function figures.
 * - Several <class> elements may name one filename (the Java flavor: a
 *   class, its nested and anonymous classes, other top-level classes of
 *   the file). Classes are merged per file within a <package> in a table
 *   of at most COB_FILES_MAX files and COB_ARENA_BYTES of paths, emitted
 *   in order of first appearance when the package ends. A full table is
 *   emitted early and emptied; a file seen again after that, or in
 *   another package, gets another record with the rest of its figures.
 * - A sink that wants line coverage gets each line of a class's own
 *   <lines> (number, hits), its path being the class's filename joined
 *   to the report's <source> when it has exactly one (cob_linepath).
 * - The total takes the root's lines-valid/lines-covered,
 *   branches-valid/branches-covered and functions-valid/functions-covered
 *   (gcovr) pairs where present, else the sums of the file records.
 *
 * Refused: another root element, a <coverage> without line-rate (Clover),
 * a root pair with one half missing or covered > valid, a <class> without
 * filename or inside a <class>, a filename over SL_COV_PATH_MAX bytes, a
 * <line> without number or hits, numbers that are not whole decimals
 * (signs, fractions, overflow), branch other than "true"/"false", a
 * branch line without a well-formed condition-coverage or with n > m, and
 * sums that overflow 64 bits. */
#include "cobertura.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/parse.h"
#include "sluice/xml.h"

#define COB_FILES_MAX   1024         /* files merged per package */
#define COB_ARENA_BYTES (256u << 10) /* their paths, NULs included */
#define COB_SLOTS       2048u        /* hash slots: a power of two */

enum { COB_LINES, COB_BRANCHES, COB_FUNCTIONS, COB_KINDS };

typedef struct cob_counts {
    uint64_t valid[COB_KINDS];
    uint64_t covered[COB_KINDS];
} cob_counts_t;

typedef struct cob_file {
    uint64_t hash;
    size_t off; /* path in the arena, NUL-terminated */
    size_t len;
    cob_counts_t n;
} cob_file_t;

typedef struct cobertura {
    const sl_sink_t *sink;
    int root_has[COB_KINDS];
    cob_counts_t root;     /* the root's own figures, where root_has */
    cob_counts_t sum;      /* of every class line and method */
    uint64_t files;        /* records emitted */
    unsigned class_depth;  /* of the open <class>; 0 outside */
    unsigned method_depth; /* of the open <method>; 0 outside */
    int method_hit;
    cob_file_t *cur; /* the open class's file */
    size_t nfiles;
    size_t arena_len;
    uint16_t slot[COB_SLOTS]; /* index + 1 into file; 0: free */
    cob_file_t file[COB_FILES_MAX];
    char arena[COB_ARENA_BYTES];
    /* For a sink that wants line coverage (cob_linepath). */
    int want_lines;
    int in_source;     /* in a <source> (coverage/sources/source) */
    unsigned nsources; /* <source> elements ended */
    int source_cut;    /* the first one is over SL_COV_PATH_MAX bytes */
    size_t source_len;
    char source[SL_COV_PATH_MAX + 1];          /* the first one's text */
    char linepath[2 * SL_COV_PATH_MAX + 2]; /* the open class's */
} cobertura_t;

static const char *const cob_kind[COB_KINDS] = {"line", "branch", "function"};

/* ---- numbers ------------------------------------------------------------ */

/* Reads the digits at *s up to the character end into *out and moves *s
 * past end. */
static int
cob_take(const char **s, char end, uint64_t *out)
{
    char num[24];
    size_t n = strspn(*s, "0123456789");
    if (n == 0 || n >= sizeof num || (*s)[n] != end) {
        return SL_EINPUT;
    }
    memcpy(num, *s, n);
    num[n] = '\0';
    *s += n + 1;
    return sl_parse_u64(num, 0, UINT64_MAX, out) == SL_OK ? SL_OK : SL_EINPUT;
}

/* condition-coverage="50% (1/2)": a percentage (not checked), then
 * covered/valid branches in parentheses. */
static int
cob_condition(const char *s, uint64_t *covered, uint64_t *valid)
{
    size_t n = strspn(s, "0123456789.");
    if (n == 0 || strncmp(s + n, "% (", 3) != 0) {
        return SL_EINPUT;
    }
    s += n + 3;
    if (cob_take(&s, '/', covered) != SL_OK ||
        cob_take(&s, ')', valid) != SL_OK || *s != '\0') {
        return SL_EINPUT;
    }
    return SL_OK;
}

/* Adds to the open class's file and to the sums, refusing overflow. */
static int
cob_count(cobertura_t *c, sl_xml_t *x, int kind, uint64_t valid,
          uint64_t covered)
{
    cob_counts_t *f = &c->cur->n;
    if (valid > UINT64_MAX - c->sum.valid[kind] ||
        covered > UINT64_MAX - c->sum.covered[kind]) {
        return sl_xml_fail(x, SL_EINPUT, "%s count overflows 64 bits",
                           cob_kind[kind]);
    }
    c->sum.valid[kind] += valid; /* a file's part of the sum cannot */
    c->sum.covered[kind] += covered;
    f->valid[kind] += valid;
    f->covered[kind] += covered;
    return SL_OK;
}

/* ---- the per-package table of files --------------------------------- */

static uint64_t
cob_hash(const char *s, size_t n)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    }
    return h;
}

static void
cob_record(Sluice__V1__Coverage *cv, const cob_counts_t *n)
{
    cv->lines_valid = n->valid[COB_LINES];
    cv->lines_covered = n->covered[COB_LINES];
    cv->branches_valid = n->valid[COB_BRANCHES];
    cv->branches_covered = n->covered[COB_BRANCHES];
    cv->functions_valid = n->valid[COB_FUNCTIONS];
    cv->functions_covered = n->covered[COB_FUNCTIONS];
}

/* Emits every file in the table, in order of first appearance, and
 * empties it. */
static int
cob_flush(cobertura_t *c)
{
    for (size_t i = 0; i < c->nfiles; i++) {
        Sluice__V1__Coverage cv;
        sluice__v1__coverage__init(&cv);
        cv.path = c->arena + c->file[i].off;
        cob_record(&cv, &c->file[i].n);
        int rc =
            sl_sink_emit(c->sink, SLUICE__V1__EVENT__BODY_COVERAGE_FILE, &cv);
        if (rc != SL_OK) {
            return rc;
        }
        c->files++;
    }
    c->nfiles = 0;
    c->arena_len = 0;
    memset(c->slot, 0, sizeof c->slot);
    return SL_OK;
}

/* The slot holding path f[n], or the free slot where it goes. */
static size_t
cob_slot(const cobertura_t *c, const char *f, size_t n, uint64_t h)
{
    size_t i = (size_t)h & (COB_SLOTS - 1);
    while (c->slot[i] != 0) {
        const cob_file_t *e = &c->file[c->slot[i] - 1];
        if (e->hash == h && e->len == n &&
            memcmp(c->arena + e->off, f, n) == 0) {
            break;
        }
        i = (i + 1) & (COB_SLOTS - 1);
    }
    return i;
}

/* Points c->cur at the entry for path f[n], adding one (after a flush
 * when the table is full). */
static int
cob_file_open(cobertura_t *c, const char *f, size_t n)
{
    uint64_t h = cob_hash(f, n);
    size_t i = cob_slot(c, f, n, h);
    if (c->slot[i] == 0) {
        if (c->nfiles == COB_FILES_MAX ||
            COB_ARENA_BYTES - c->arena_len < n + 1) {
            int rc = cob_flush(c);
            if (rc != SL_OK) {
                return rc;
            }
            i = (size_t)h & (COB_SLOTS - 1);
        }
        cob_file_t *e = &c->file[c->nfiles];
        memset(e, 0, sizeof *e);
        e->hash = h;
        e->off = c->arena_len;
        e->len = n;
        memcpy(c->arena + e->off, f, n);
        c->arena[e->off + n] = '\0';
        c->arena_len += n + 1;
        c->slot[i] = (uint16_t)++c->nfiles;
    }
    c->cur = &c->file[c->slot[i] - 1];
    return SL_OK;
}

/* ---- elements ------------------------------------------------------------ */

/* One pair of root attributes (lines-valid and lines-covered, ...). */
static int
cob_root_pair(cobertura_t *c, sl_xml_t *x, const char **attrs, int kind)
{
    static const char *const names[COB_KINDS][2] = {
        {"lines-valid", "lines-covered"},
        {"branches-valid", "branches-covered"},
        {"functions-valid", "functions-covered"},
    };
    const char *v = sl_xml_attr(attrs, names[kind][0]);
    const char *cv = sl_xml_attr(attrs, names[kind][1]);
    if (v == NULL && cv == NULL) {
        return SL_OK;
    }
    if (v == NULL || cv == NULL) {
        return sl_xml_fail(x, SL_EINPUT, "%s without %s",
                           names[kind][v == NULL], names[kind][v != NULL]);
    }
    uint64_t *valid = &c->root.valid[kind];
    uint64_t *covered = &c->root.covered[kind];
    int rc = sl_xml_u64(x, names[kind][0], v, UINT64_MAX, valid);
    if (rc == SL_OK) {
        rc = sl_xml_u64(x, names[kind][1], cv, UINT64_MAX, covered);
    }
    if (rc == SL_OK && *covered > *valid) {
        return sl_xml_fail(x, SL_EINPUT,
                           "%s=\"%" PRIu64 "\" is more than %s=\"%" PRIu64 "\"",
                           names[kind][1], *covered, names[kind][0], *valid);
    }
    c->root_has[kind] = rc == SL_OK;
    return rc;
}

static int
cob_root(cobertura_t *c, sl_xml_t *x, const char *name, const char **attrs)
{
    if (strcmp(name, "coverage") != 0) {
        return sl_xml_fail(x, SL_EINPUT,
                           "not a Cobertura report (root element %.64s)", name);
    }
    if (sl_xml_attr(attrs, "line-rate") == NULL) {
        return sl_xml_fail(x, SL_EINPUT,
                           "not a Cobertura report (<coverage> "
                           "without line-rate)");
    }
    for (int kind = 0; kind < COB_KINDS; kind++) {
        int rc = cob_root_pair(c, x, attrs, kind);
        if (rc != SL_OK) {
            return rc;
        }
    }
    return SL_OK;
}

/* The path line coverage names the class's file by: its filename joined
 * to the report's <source> when there is exactly one (gcovr, coverage.py
 * and Cobertura write filenames relative to it) and the filename is not
 * absolute; else the filename. */
static void
cob_linepath(cobertura_t *c, const char *f, size_t n)
{
    size_t s = c->source_len;
    if (c->nsources == 1 && !c->source_cut && s > 0 && f[0] != '/') {
        memcpy(c->linepath, c->source, s);
        c->linepath[s] = '/';
        memcpy(c->linepath + s + 1, f, n + 1);
    } else {
        memcpy(c->linepath, f, n + 1);
    }
}

static int
cob_class_begin(cobertura_t *c, sl_xml_t *x, const char **attrs, unsigned d)
{
    const char *f = sl_xml_attr(attrs, "filename");
    if (f == NULL || *f == '\0') {
        return sl_xml_fail(x, SL_EINPUT, "<class> without a filename");
    }
    size_t n = strlen(f);
    if (n > SL_COV_PATH_MAX) {
        return sl_xml_fail(x, SL_ETOOBIG, "filename longer than %d bytes",
                           SL_COV_PATH_MAX);
    }
    int rc = cob_file_open(c, f, n);
    if (rc == SL_OK) {
        c->class_depth = d;
    }
    if (c->want_lines) {
        cob_linepath(c, f, n);
    }
    return rc;
}

/* A line's branches: m valid and n covered from condition-coverage when
 * branch="true", none otherwise. */
static int
cob_line_branches(sl_xml_t *x, const char **attrs, uint64_t *covered,
                  uint64_t *valid)
{
    const char *b = sl_xml_attr(attrs, "branch");
    *covered = *valid = 0;
    if (b == NULL || strcmp(b, "false") == 0) {
        return SL_OK;
    }
    if (strcmp(b, "true") != 0) {
        return sl_xml_fail(x, SL_EINPUT,
                           "bad branch \"%.40s\" (want true or false)", b);
    }
    const char *cc = sl_xml_attr(attrs, "condition-coverage");
    if (cc == NULL) {
        return sl_xml_fail(x, SL_EINPUT,
                           "branch line without condition-coverage");
    }
    if (cob_condition(cc, covered, valid) != SL_OK) {
        return sl_xml_fail(x, SL_EINPUT,
                           "bad condition-coverage \"%.40s\" (want like "
                           "\"50%% (1/2)\")",
                           cc);
    }
    if (*covered > *valid) {
        return sl_xml_fail(x, SL_EINPUT,
                           "condition-coverage \"%.40s\" covers more "
                           "branches than there are",
                           cc);
    }
    return SL_OK;
}

/* A <line> of the open class (its own <lines>) or of its open method. */
static int
cob_line(cobertura_t *c, sl_xml_t *x, const char **attrs, int in_method)
{
    const char *num = sl_xml_attr(attrs, "number");
    const char *hv = sl_xml_attr(attrs, "hits");
    if (num == NULL || hv == NULL) {
        return sl_xml_fail(x, SL_EINPUT, "<line> without %s",
                           num == NULL ? "number" : "hits");
    }
    uint64_t line = 0;
    uint64_t hits = 0;
    uint64_t bc = 0;
    uint64_t bv = 0;
    int rc = sl_xml_u64(x, "number", num, UINT32_MAX, &line);
    if (rc == SL_OK) {
        rc = sl_xml_u64(x, "hits", hv, UINT64_MAX, &hits);
    }
    if (rc == SL_OK) {
        rc = cob_line_branches(x, attrs, &bc, &bv);
    }
    if (rc != SL_OK || in_method) {
        c->method_hit |= rc == SL_OK && hits > 0;
        return rc;
    }
    rc = cob_count(c, x, COB_LINES, 1, hits > 0);
    if (rc == SL_OK) {
        rc = cob_count(c, x, COB_BRANCHES, bv, bc);
    }
    if (rc == SL_OK && c->want_lines) {
        rc = c->sink->line(c->sink->line_ctx, c->linepath, line, line, hits);
        if (rc != SL_OK) {
            return sl_xml_fail(x, rc, "line coverage: %s", sl_strerror(rc));
        }
    }
    return rc;
}

/* Inside a <class>: its methods (class/methods/method), its lines
 * (class/lines/line) and its methods' lines (method/lines/line). */
static int
cob_class_child(cobertura_t *c, sl_xml_t *x, const char *name,
                const char **attrs, unsigned d)
{
    if (strcmp(name, "class") == 0) {
        return sl_xml_fail(x, SL_EINPUT, "<class> inside a <class>");
    }
    if (c->method_depth == 0 && d == c->class_depth + 2 &&
        strcmp(name, "method") == 0) {
        c->method_depth = d;
        c->method_hit = 0;
        return SL_OK;
    }
    if (strcmp(name, "line") != 0) {
        return SL_OK;
    }
    if (c->method_depth != 0) {
        return d == c->method_depth + 2 ? cob_line(c, x, attrs, 1) : SL_OK;
    }
    return d == c->class_depth + 2 ? cob_line(c, x, attrs, 0) : SL_OK;
}

static int
cob_on_start(void *ctx, sl_xml_t *x, const char *name, const char **attrs)
{
    cobertura_t *c = ctx;
    unsigned d = sl_xml_depth(x);
    if (d == 1) {
        return cob_root(c, x, name, attrs);
    }
    if (c->want_lines && d == 3 && strcmp(name, "source") == 0) {
        c->in_source = 1;
        return SL_OK;
    }
    if (c->class_depth != 0) {
        return cob_class_child(c, x, name, attrs, d);
    }
    if (strcmp(name, "class") == 0) {
        return cob_class_begin(c, x, attrs, d);
    }
    return SL_OK;
}

static int
cob_total(cobertura_t *c)
{
    cob_counts_t t = c->sum;
    for (int kind = 0; kind < COB_KINDS; kind++) {
        if (c->root_has[kind]) {
            t.valid[kind] = c->root.valid[kind];
            t.covered[kind] = c->root.covered[kind];
        }
    }
    Sluice__V1__Coverage cv;
    sluice__v1__coverage__init(&cv);
    cob_record(&cv, &t);
    cv.files = c->files;
    return sl_sink_emit(c->sink, SLUICE__V1__EVENT__BODY_COVERAGE_TOTAL, &cv);
}

/* The text of the first <source>, kept for cob_linepath. */
static int
cob_on_text(void *ctx, sl_xml_t *x, const char *s, size_t len)
{
    cobertura_t *c = ctx;
    (void)x;
    if (!c->in_source || c->nsources > 0) {
        return SL_OK;
    }
    if (len > SL_COV_PATH_MAX - c->source_len) {
        c->source_cut = 1;
    } else {
        memcpy(c->source + c->source_len, s, len);
        c->source_len += len;
    }
    return SL_OK;
}

/* Ends a <source>: its text without the white space around it. */
static void
cob_source_end(cobertura_t *c)
{
    static const char ws[] = " \t\r\n";
    c->in_source = 0;
    if (c->nsources++ > 0) {
        return;
    }
    size_t n = c->source_len;
    while (n > 0 && strchr(ws, c->source[n - 1]) != NULL) {
        n--;
    }
    size_t lead = 0;
    while (lead < n && strchr(ws, c->source[lead]) != NULL) {
        lead++;
    }
    memmove(c->source, c->source + lead, n - lead);
    c->source_len = n - lead;
    /* "/src/" joined to "a.c" is "/src//a.c": one '/' is enough. */
    while (c->source_len > 1 && c->source[c->source_len - 1] == '/') {
        c->source_len--;
    }
}

static int
cob_on_end(void *ctx, sl_xml_t *x, const char *name)
{
    cobertura_t *c = ctx;
    unsigned d = sl_xml_depth(x);
    if (c->in_source && d == 3) {
        cob_source_end(c);
        return SL_OK;
    }
    if (d == c->method_depth) {
        c->method_depth = 0;
        return cob_count(c, x, COB_FUNCTIONS, 1, c->method_hit != 0);
    }
    if (d == c->class_depth) {
        c->class_depth = 0;
        c->cur = NULL;
        return SL_OK;
    }
    if (c->class_depth == 0 && strcmp(name, "package") == 0) {
        return cob_flush(c);
    }
    if (d == 1) {
        int rc = cob_flush(c);
        return rc == SL_OK ? cob_total(c) : rc;
    }
    return SL_OK;
}

int
sl_cov_contains(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = 0; i + n <= len; i++) {
        if (s[i] == lit[0] && memcmp(s + i, lit, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int
sl_cobertura_sniff(const char *head, size_t len)
{
    char root[16];
    if (!sl_xml_sniff_root(head, len, root, sizeof root) ||
        strcmp(root, "coverage") != 0) {
        return 0;
    }
    return sl_cov_contains(head, len, "line-rate");
}

int
sl_cobertura_parse(int fd, const char *path, const sl_sink_t *sink,
                   sl_err_t *err)
{
    static const sl_xml_cfg_t cfg = {
        .start = cob_on_start,
        .end = cob_on_end,
    };
    /* Text is looked at only for line coverage (the <source>). */
    static const sl_xml_cfg_t cfg_lines = {
        .start = cob_on_start,
        .end = cob_on_end,
        .text = cob_on_text,
    };
    /* ~340 KiB of table: on the heap, not the stack. */
    cobertura_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    c->sink = sink;
    c->want_lines = sl_sink_wants_lines(sink);
    int rc = sl_xml_parse_fd(fd, path, c->want_lines ? &cfg_lines : &cfg, c,
                             err);
    free(c);
    return rc;
}
