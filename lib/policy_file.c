/* Policy files: the thresholds of sl_policy_t read from YAML.
 *
 * libyaml's event parser (yaml_parser_parse) is used rather than its
 * document loader: the loader builds a whole tree and resolves aliases, so
 * an alias bomb costs memory before anything could refuse it. Here every
 * event is checked as it arrives (no anchor, alias or tag) and the walk
 * stops at the first thing it refuses. The walk never descends into a
 * value it does not expect, so the nesting it handles is fixed: the root
 * mapping, `defaults`, and scalars. */
#include "sluice/policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "sluice/parse.h"

/* ---- values (shared with the command line of `sluice check`) --------- */

int
sl_policy_parse_pct(const char *s, double *out)
{
    size_t n = strspn(s, "0123456789");
    if (n == 0) {
        return SL_EINVAL;
    }
    if (s[n] == '.') {
        size_t frac = strspn(s + n + 1, "0123456789");
        if (frac == 0) {
            return SL_EINVAL;
        }
        n += 1 + frac;
    }
    if (s[n] != '\0') {
        return SL_EINVAL;
    }
    /* Only digits and one '.' get here, so strtod cannot stop early; a
     * huge number becomes HUGE_VAL, which is over 100 too. */
    double v = strtod(s, NULL);
    if (!(v <= 100.0)) {
        return SL_ETOOBIG;
    }
    *out = v;
    return SL_OK;
}

int
sl_policy_parse_max(const char *s, uint64_t *out)
{
    if (strcmp(s, "unlimited") == 0) {
        *out = SL_POLICY_UNLIMITED;
        return SL_OK;
    }
    size_t n = strspn(s, "0123456789");
    if (n == 0 || s[n] != '\0') {
        return SL_EINVAL;
    }
    uint64_t v = 0;
    if (sl_parse_u64(s, 0, SL_POLICY_UNLIMITED - 1, &v) != SL_OK) {
        return SL_ETOOBIG; /* digits only: it failed on the range */
    }
    *out = v;
    return SL_OK;
}

/* ---- the walk ------------------------------------------------------------ */

typedef enum { KEY_PCT, KEY_MAX } key_kind_t;

/* The keys of `defaults`, in the order the messages list them. */
static const struct key {
    const char *name;
    key_kind_t kind;
    size_t off; /* into sl_policy_t */
} keys[] = {
    {"min_coverage", KEY_PCT, offsetof(sl_policy_t, min_line_coverage)},
    {"max_test_failures", KEY_MAX, offsetof(sl_policy_t, max_failures)},
    {"max_test_errors", KEY_MAX, offsetof(sl_policy_t, max_errors)},
    {"max_critical_vulns", KEY_MAX, offsetof(sl_policy_t, max_critical)},
    {"max_high_vulns", KEY_MAX, offsetof(sl_policy_t, max_high)},
    {"max_medium_vulns", KEY_MAX, offsetof(sl_policy_t, max_medium)},
    {"max_low_vulns", KEY_MAX, offsetof(sl_policy_t, max_low)},
};
#define NKEYS (sizeof keys / sizeof keys[0])

typedef struct pf {
    yaml_parser_t yp;
    yaml_event_t ev; /* the current event */
    int have_ev;     /* ev must be deleted */
    const char *name;
    const char *text;
    size_t len;
    sl_err_t *err;
    sl_policy_t pol;           /* filled in; copied out on success */
    size_t key_line[NKEYS];    /* where each key of defaults was (0: not) */
    size_t defaults_line;      /* where defaults was (0: not yet) */
} pf_t;

static int vrefuse(pf_t *f, size_t line, size_t col, const char *fmt,
                   va_list ap) SL_PRINTF(4, 0);
static int refuse(pf_t *f, const char *fmt, ...) SL_PRINTF(2, 3);

/* SL_EINPUT with "name:LINE:COL: reason"; line and col count from 0, as
 * libyaml's marks do. */
static int
vrefuse(pf_t *f, size_t line, size_t col, const char *fmt, va_list ap)
{
    char why[224];
    (void)vsnprintf(why, sizeof why, fmt, ap);
    return sl_err_set(f->err, SL_EINPUT, "%s:%zu:%zu: %s", f->name, line + 1,
                      col + 1, why);
}

/* Refuses at the start of the current event. */
static int
refuse(pf_t *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrefuse(f, f->ev.start_mark.line, f->ev.start_mark.column, fmt,
                     ap);
    va_end(ap);
    return rc;
}

static int refuse_at(pf_t *f, size_t line, size_t col, const char *fmt, ...)
    SL_PRINTF(4, 5);

static int
refuse_at(pf_t *f, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrefuse(f, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

/* s[0..n) for a message: at most 40 bytes, control bytes shown as '?' (a
 * double-quoted YAML string may hold any of them, "\e" included). */
static const char *
shown(const unsigned char *s, size_t n, char *buf, size_t cap)
{
    size_t i = 0;
    for (; i < n && i + 4 < cap && i < 40; i++) {
        buf[i] = s[i] < 0x20 || s[i] == 0x7f ? '?' : (char)s[i];
    }
    if (i < n) {
        memcpy(buf + i, "...", 4);
    } else {
        buf[i] = '\0';
    }
    return buf;
}

/* The current event as a value, for "not ..." in messages. */
static const char *
described(const pf_t *f, char *buf, size_t cap)
{
    const yaml_event_t *e = &f->ev;
    char v[48];
    if (e->type == YAML_MAPPING_START_EVENT) {
        return "a mapping";
    }
    if (e->type == YAML_SEQUENCE_START_EVENT) {
        return "a list";
    }
    if (e->type != YAML_SCALAR_EVENT) {
        return "nothing";
    }
    int plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (plain && e->data.scalar.length == 0) {
        return "an empty value";
    }
    (void)snprintf(buf, cap, "%s'%s'", plain ? "" : "the quoted string ",
                   shown(e->data.scalar.value, e->data.scalar.length, v,
                         sizeof v));
    return buf;
}

/* Line and column (from 0, in characters) of byte offset off: libyaml's
 * reader errors give only the offset. */
static void
offset_mark(const pf_t *f, size_t off, size_t *line, size_t *col)
{
    *line = 0;
    *col = 0;
    for (size_t i = 0; i < off && i < f->len; i++) {
        unsigned char c = (unsigned char)f->text[i];
        if (c == '\n') {
            (*line)++;
            *col = 0;
        } else if ((c & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static int
syntax_error(pf_t *f)
{
    const yaml_parser_t *y = &f->yp;
    const char *problem = y->problem != NULL ? y->problem : "syntax error";
    if (y->error == YAML_MEMORY_ERROR) {
        return sl_err_set(f->err, SL_ENOMEM, "%s: out of memory", f->name);
    }
    if (y->error == YAML_READER_ERROR) {
        size_t line, col;
        offset_mark(f, y->problem_offset, &line, &col);
        return refuse_at(f, line, col, "%s", problem);
    }
    if (y->context != NULL) {
        return refuse_at(f, y->problem_mark.line, y->problem_mark.column,
                         "%s (%s at line %zu)", problem, y->context,
                         y->context_mark.line + 1);
    }
    return refuse_at(f, y->problem_mark.line, y->problem_mark.column, "%s",
                     problem);
}

/* Refuses anchors, aliases and tags on the current event. */
static int
check_props(pf_t *f)
{
    const yaml_event_t *e = &f->ev;
    const yaml_char_t *anchor = NULL, *tag = NULL;
    char buf[48];
    if (e->type == YAML_ALIAS_EVENT) {
        anchor = e->data.alias.anchor;
        return refuse(f, "anchors and aliases are not allowed (*%s)",
                      shown(anchor, strlen((const char *)anchor), buf,
                            sizeof buf));
    }
    if (e->type == YAML_SCALAR_EVENT) {
        anchor = e->data.scalar.anchor;
        tag = e->data.scalar.tag;
    } else if (e->type == YAML_MAPPING_START_EVENT) {
        anchor = e->data.mapping_start.anchor;
        tag = e->data.mapping_start.tag;
    } else if (e->type == YAML_SEQUENCE_START_EVENT) {
        anchor = e->data.sequence_start.anchor;
        tag = e->data.sequence_start.tag;
    }
    if (anchor != NULL) {
        return refuse(f, "anchors and aliases are not allowed (&%s)",
                      shown(anchor, strlen((const char *)anchor), buf,
                            sizeof buf));
    }
    if (tag != NULL) {
        return refuse(f, "tags are not allowed (%s)",
                      shown(tag, strlen((const char *)tag), buf, sizeof buf));
    }
    return SL_OK;
}

/* Moves to the next event. */
static int
next(pf_t *f)
{
    if (f->have_ev) {
        yaml_event_delete(&f->ev);
        f->have_ev = 0;
    }
    if (!yaml_parser_parse(&f->yp, &f->ev)) {
        return syntax_error(f);
    }
    f->have_ev = 1;
    return check_props(f);
}

/* The current event as a key of the mapping `where` (NULL: the root). */
static int
key_text(pf_t *f, const char *where, const char **key)
{
    char buf[96];
    if (f->ev.type != YAML_SCALAR_EVENT) {
        return refuse(f, "a key%s%s must be a string, not %s",
                      where != NULL ? " of " : "", where != NULL ? where : "",
                      described(f, buf, sizeof buf));
    }
    *key = (const char *)f->ev.data.scalar.value;
    return SL_OK;
}

/* Nonzero when the current scalar is exactly s (a double-quoted one may
 * hold a NUL). */
static int
scalar_is(const pf_t *f, const char *s)
{
    return f->ev.data.scalar.length == strlen(s) &&
           memcmp(f->ev.data.scalar.value, s, f->ev.data.scalar.length) == 0;
}

/* The value (the current event) of a threshold key k. */
static int
set_value(pf_t *f, const struct key *k)
{
    const yaml_event_t *e = &f->ev;
    int scalar = e->type == YAML_SCALAR_EVENT;
    int plain = scalar && e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    const char *s = scalar ? (const char *)e->data.scalar.value : NULL;
    char *at = (char *)&f->pol + k->off;
    int rc = SL_EINVAL;
    if (k->kind == KEY_PCT && plain) {
        rc = sl_policy_parse_pct(s, (double *)(void *)at);
    } else if (k->kind == KEY_MAX && (plain || scalar_is(f, "unlimited"))) {
        rc = sl_policy_parse_max(s, (uint64_t *)(void *)at);
    }
    char buf[96];
    if (rc == SL_EINVAL) {
        return refuse(f, "%s: want %s, not %s", k->name,
                      k->kind == KEY_PCT ? "a percentage from 0 to 100"
                                         : "a whole number or unlimited",
                      described(f, buf, sizeof buf));
    }
    if (rc == SL_ETOOBIG) {
        return refuse(f, "%s: %s is out of range (%s)", k->name,
                      shown((const unsigned char *)s, strlen(s), buf,
                            sizeof buf),
                      k->kind == KEY_PCT ? "0 to 100"
                                         : "at most 18446744073709551614, "
                                           "or unlimited");
    }
    return rc;
}

static const struct key *
find_key(const pf_t *f)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (scalar_is(f, keys[i].name)) {
            return &keys[i];
        }
    }
    return NULL;
}

/* One key of `defaults` (the current event) and its value. */
static int
defaults_entry(pf_t *f)
{
    const char *name = NULL;
    char buf[48];
    int rc = key_text(f, "defaults", &name);
    const struct key *k = rc == SL_OK ? find_key(f) : NULL;
    if (rc == SL_OK && k == NULL) {
        return refuse(f,
                      "unknown key '%s' in defaults (known: min_coverage, "
                      "max_test_failures, max_test_errors, "
                      "max_critical_vulns, max_high_vulns, "
                      "max_medium_vulns, max_low_vulns)",
                      shown((const unsigned char *)name,
                            f->ev.data.scalar.length, buf, sizeof buf));
    }
    size_t *seen = k != NULL ? &f->key_line[k - keys] : NULL;
    if (rc == SL_OK && *seen != 0) {
        return refuse(f, "duplicate key '%s' (first at line %zu)", k->name,
                      *seen);
    }
    if (rc == SL_OK) {
        *seen = f->ev.start_mark.line + 1;
        rc = next(f);
    }
    return rc == SL_OK ? set_value(f, k) : rc;
}

/* The value of `defaults` (the current event) through its end. */
static int
walk_defaults(pf_t *f)
{
    char buf[96];
    if (f->ev.type != YAML_MAPPING_START_EVENT) {
        return refuse(f, "defaults: want a mapping of thresholds, not %s",
                      described(f, buf, sizeof buf));
    }
    int rc = next(f);
    while (rc == SL_OK && f->ev.type != YAML_MAPPING_END_EVENT) {
        rc = defaults_entry(f);
        rc = rc == SL_OK ? next(f) : rc;
    }
    return rc;
}

/* One key of the root (the current event) and its value. */
static int
root_entry(pf_t *f)
{
    const char *name = NULL;
    char buf[48];
    int rc = key_text(f, NULL, &name);
    if (rc == SL_OK && !scalar_is(f, "defaults")) {
        return refuse(f,
                      "top-level key '%s' is not supported yet (only "
                      "defaults is, for now)",
                      shown((const unsigned char *)name,
                            f->ev.data.scalar.length, buf, sizeof buf));
    }
    if (rc == SL_OK && f->defaults_line != 0) {
        return refuse(f, "duplicate key 'defaults' (first at line %zu)",
                      f->defaults_line);
    }
    if (rc == SL_OK) {
        f->defaults_line = f->ev.start_mark.line + 1;
        rc = next(f);
    }
    return rc == SL_OK ? walk_defaults(f) : rc;
}

/* The root node (the current event) through its end. */
static int
walk_root(pf_t *f)
{
    char buf[96];
    if (f->ev.type != YAML_MAPPING_START_EVENT) {
        return refuse(f,
                      "want a mapping with the key defaults (see "
                      "examples/sluice.yml), not %s",
                      described(f, buf, sizeof buf));
    }
    int rc = next(f);
    while (rc == SL_OK && f->ev.type != YAML_MAPPING_END_EVENT) {
        rc = root_entry(f);
        rc = rc == SL_OK ? next(f) : rc;
    }
    return rc;
}

/* The stream: exactly one document. */
static int
walk(pf_t *f)
{
    int rc = next(f); /* stream start */
    rc = rc == SL_OK ? next(f) : rc;
    if (rc == SL_OK && f->ev.type == YAML_STREAM_END_EVENT) {
        return refuse(f, "no document: want a mapping with the key "
                         "defaults (see examples/sluice.yml)");
    }
    rc = rc == SL_OK ? next(f) : rc; /* the root node */
    rc = rc == SL_OK ? walk_root(f) : rc;
    rc = rc == SL_OK ? next(f) : rc; /* document end */
    rc = rc == SL_OK ? next(f) : rc;
    if (rc == SL_OK && f->ev.type != YAML_STREAM_END_EVENT) {
        return refuse(f, "more than one document (a policy file holds one)");
    }
    return rc;
}

int
sl_policy_parse(const char *name, const char *text, size_t len,
                sl_policy_t *p, sl_err_t *err)
{
    if (len > SL_POLICY_FILE_MAX) {
        return sl_err_set(err, SL_ETOOBIG,
                          "%s: over 1 MiB, the cap of a policy file", name);
    }
    pf_t *f = calloc(1, sizeof *f); /* yaml_parser_t is large */
    if (f == NULL || !yaml_parser_initialize(&f->yp)) {
        free(f);
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", name);
    }
    f->name = name;
    f->text = text;
    f->len = len;
    f->err = err;
    sl_policy_defaults(&f->pol);
    yaml_parser_set_input_string(&f->yp, (const unsigned char *)text, len);
    int rc = walk(f);
    if (rc == SL_OK) {
        *p = f->pol;
    }
    if (f->have_ev) {
        yaml_event_delete(&f->ev);
    }
    yaml_parser_delete(&f->yp);
    free(f);
    return rc;
}

/* ---- the file ------------------------------------------------------------ */

/* Reads the file at path whole into *out (malloc'd, the caller frees it):
 * at most SL_POLICY_FILE_MAX bytes, read to its end (a pipe has no size to
 * trust). */
static int
read_capped(const char *path, char **out, size_t *len, sl_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return sl_err_set(err, sl_rc_from_errno(e), "%s: cannot open: %s",
                          path, strerror(e));
    }
    char *buf = malloc(SL_POLICY_FILE_MAX + 1);
    size_t n = 0;
    int rc = buf != NULL ? SL_OK : SL_ENOMEM;
    while (rc == SL_OK && n <= SL_POLICY_FILE_MAX) {
        ssize_t got = read(fd, buf + n, SL_POLICY_FILE_MAX + 1 - n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            int e = errno;
            rc = sl_err_set(err, sl_rc_from_errno(e), "%s: cannot read: %s",
                            path, strerror(e));
        } else if (got == 0) {
            break;
        }
        n += got > 0 ? (size_t)got : 0;
    }
    (void)close(fd); /* read-only: nothing to lose */
    if (rc == SL_OK && n > SL_POLICY_FILE_MAX) {
        rc = sl_err_set(err, SL_ETOOBIG,
                        "%s: over 1 MiB, the cap of a policy file", path);
    }
    if (rc != SL_OK) {
        free(buf);
        return rc == SL_ENOMEM ? sl_err_set(err, rc, "out of memory") : rc;
    }
    *out = buf;
    *len = n;
    return SL_OK;
}

int
sl_policy_load(const char *path, sl_policy_t *p, sl_err_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = read_capped(path, &text, &len, err);
    if (rc == SL_OK) {
        rc = sl_policy_parse(path, text, len, p, err);
    }
    free(text);
    return rc;
}

/* Placeholder until policy sets land: the overrides when any is given. */
void
sl_policy_resolve(const sl_policy_set_t *s, const char *project,
                  const char *branch, const sl_policy_t *overrides,
                  sl_policy_mask_t mask, sl_policy_t *out)
{
    (void)s;
    (void)project;
    (void)branch;
    if (mask != 0 && overrides != NULL) {
        *out = *overrides;
    } else {
        sl_policy_defaults(out);
    }
}
