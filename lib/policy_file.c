/* Policy files: YAML into a set of scopes (sl_policy_set_t).
 *
 * libyaml's event parser (yaml_parser_parse) is used rather than its
 * document loader: the loader builds a whole tree and resolves aliases, so
 * an alias bomb costs memory before anything could refuse it. Here every
 * event is checked as it arrives (no anchor, alias or tag) and the walk
 * stops at the first thing it refuses. The walk never descends into a
 * value it does not expect, so the nesting it handles is fixed: the root
 * mapping, its scopes (projects holding branch scopes), the keys of a
 * scope, and the lists of protected_branches and benchmarks.
 *
 * A key's value is parsed by the key table (policy_keys.c) into a scratch
 * policy and its bytes kept as an entry of the scope; resolving a run's
 * policy (policy_scope.c) copies the entries of the scopes that apply. */
#include "policy_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

typedef struct pf {
    yaml_parser_t yp;
    yaml_event_t ev; /* the current event */
    int have_ev;     /* ev must be deleted */
    const char *name;
    const char *text;
    size_t len;
    sl_err_t *err;
    sl_policy_set_t *set; /* being built */
    sl_policy_t scratch;  /* values parsed, before they become entries */
} pf_t;

static int vrefuse(pf_t *f, size_t line, size_t col, const char *fmt,
                   va_list ap) SL_PRINTF(4, 0);
static int refuse(pf_t *f, const char *fmt, ...) SL_PRINTF(2, 3);
static int refuse_at(pf_t *f, size_t line, size_t col, const char *fmt, ...)
    SL_PRINTF(4, 5);

/* SL_EINPUT with "name:LINE:COL: reason"; line and col count from 0, as
 * libyaml's marks do. */
static int
vrefuse(pf_t *f, size_t line, size_t col, const char *fmt, va_list ap)
{
    char why[240];
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

static int
refuse_at(pf_t *f, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrefuse(f, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

static int
no_memory(pf_t *f)
{
    return sl_err_set(f->err, SL_ENOMEM, "%s: out of memory", f->name);
}

/* The current scalar, shown for a message. */
static const char *
scalar_shown(const pf_t *f, char *buf, size_t cap)
{
    return sl_pk_shown((const char *)f->ev.data.scalar.value,
                       f->ev.data.scalar.length, buf, cap);
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
                   scalar_shown(f, v, sizeof v));
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
        return no_memory(f);
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
                      sl_pk_shown((const char *)anchor,
                                  strlen((const char *)anchor), buf,
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
                      sl_pk_shown((const char *)anchor,
                                  strlen((const char *)anchor), buf,
                                  sizeof buf));
    }
    if (tag != NULL) {
        return refuse(f, "tags are not allowed (%s)",
                      sl_pk_shown((const char *)tag, strlen((const char *)tag),
                                  buf, sizeof buf));
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

/* Nonzero when the current scalar is exactly s (a double-quoted one may
 * hold a NUL). */
static int
scalar_is(const pf_t *f, const char *s)
{
    return f->ev.data.scalar.length == strlen(s) &&
           memcmp(f->ev.data.scalar.value, s, f->ev.data.scalar.length) == 0;
}

/* Checks that the current event is a key of the mapping `where` (NULL:
 * the root): a scalar. */
static int
check_key(pf_t *f, const char *where)
{
    char buf[96];
    if (f->ev.type != YAML_SCALAR_EVENT) {
        return refuse(f, "a key%s%s must be a string, not %s",
                      where != NULL ? " of " : "", where != NULL ? where : "",
                      described(f, buf, sizeof buf));
    }
    return SL_OK;
}

/* Refuses a key seen before in the same mapping (*first: its line from 1,
 * 0 if not seen), else notes it. */
static int
once(pf_t *f, size_t *first)
{
    char buf[48];
    if (*first != 0) {
        return refuse(f, "duplicate key '%s' (first at line %zu)",
                      scalar_shown(f, buf, sizeof buf), *first);
    }
    *first = f->ev.start_mark.line + 1;
    return SL_OK;
}

/* Checks that the current event starts a mapping (what it holds: for the
 * message). */
static int
want_mapping(pf_t *f, const char *where, const char *what)
{
    char buf[96];
    if (f->ev.type != YAML_MAPPING_START_EVENT) {
        return refuse(f, "%s: want a mapping of %s, not %s", where, what,
                      described(f, buf, sizeof buf));
    }
    return SL_OK;
}

/* ---- values -------------------------------------------------------------- */

/* The value (the current event) of key k, a scalar, into base. */
static int
scalar_value(pf_t *f, const sl_pk_t *k, void *base)
{
    const yaml_event_t *e = &f->ev;
    char why[200], want[96], buf[96];
    if (e->type != YAML_SCALAR_EVENT) {
        sl_pk_wanted(k, want, sizeof want);
        return refuse(f, "%s: want %s, not %s", k->name, want,
                      described(f, buf, sizeof buf));
    }
    sl_pk_style_t st = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                           ? PK_PLAIN
                           : PK_QUOTED;
    if (sl_pk_parse(k, (const char *)e->data.scalar.value,
                    e->data.scalar.length, st, base, why,
                    sizeof why) != SL_OK) {
        return refuse(f, "%s: %s", k->name, why);
    }
    return SL_OK;
}

/* protected_branches: a list of globs, into the scratch policy. */
static int
walk_globs(pf_t *f, const sl_pk_t *k)
{
    char buf[96];
    if (f->ev.type != YAML_SEQUENCE_START_EVENT) {
        return refuse(f, "%s: want a list of branch globs, not %s", k->name,
                      described(f, buf, sizeof buf));
    }
    sl_pk_t item = *k;
    item.kind = PK_NAME;
    item.off = 0;
    item.size = SL_POLICY_NAME_MAX;
    size_t n = 0;
    int rc = next(f);
    while (rc == SL_OK && f->ev.type != YAML_SEQUENCE_END_EVENT) {
        if (n == SL_POLICY_GLOBS) {
            return refuse(f, "%s: more than %d globs", k->name,
                          SL_POLICY_GLOBS);
        }
        rc = scalar_value(f, &item, f->scratch.protected_branches[n++]);
        rc = rc == SL_OK ? next(f) : rc;
    }
    f->scratch.n_protected = n;
    return rc;
}

/* A rule being read: where each key's value was (line from 1; 0: not
 * given) and where the rule starts. */
typedef struct rule_at {
    size_t index;
    size_t key_line[RK_N]; /* of each key, for duplicates */
    size_t line[RK_N], col[RK_N];
    size_t start_line, start_col;
} rule_at_t;

/* One key of a rule (the current event) and its value, into r. */
static int
rule_entry(pf_t *f, sl_bench_rule_t *r, rule_at_t *at)
{
    char where[32], buf[48];
    (void)snprintf(where, sizeof where, "benchmarks[%zu]", at->index);
    int rc = check_key(f, where);
    size_t k = 0;
    while (rc == SL_OK && k < RK_N && !scalar_is(f, sl_pk_rule_keys[k].name)) {
        k++;
    }
    if (rc == SL_OK && k == RK_N) {
        return refuse(f,
                      "unknown key '%s' in %s (known: match, direction, "
                      "method, window, min_history, warn, fail, min_change)",
                      scalar_shown(f, buf, sizeof buf), where);
    }
    rc = rc == SL_OK ? once(f, &at->key_line[k]) : rc;
    rc = rc == SL_OK ? next(f) : rc;
    if (rc == SL_OK) {
        /* the value's position, for the checks of the whole rule */
        at->line[k] = f->ev.start_mark.line + 1;
        at->col[k] = f->ev.start_mark.column;
        rc = scalar_value(f, &sl_pk_rule_keys[k], r);
    }
    return rc;
}

/* Where a rule field the check names comes from, when the rule did not
 * give it. */
static void
rule_names(const sl_bench_rule_t *r, const rule_at_t *at,
           sl_pk_names_t *nm, char *method_default, size_t cap)
{
    static const char *const names[5] = {"method", "warn", "fail", "window",
                                         "min_history"};
    static const int keys[5] = {RK_METHOD, RK_WARN, RK_FAIL, RK_WINDOW,
                                RK_MIN_HISTORY};
    char m[16];
    sl_pk_format(&sl_pk_rule_keys[RK_METHOD], r, m, sizeof m);
    (void)snprintf(method_default, cap, " (%s's default)", m);
    for (int i = 0; i < 5; i++) {
        nm->name[i] = names[i];
        nm->from[i] = at->line[keys[i]] != 0 ? ""
                      : i == 1 || i == 2     ? method_default
                                             : " (default)";
    }
}

/* Fills what a rule left out and checks it as a whole. */
static int
rule_finish(pf_t *f, sl_bench_rule_t *r, const rule_at_t *at)
{
    static const int order[5][2] = {{RF_WARN, RK_WARN},
                                    {RF_FAIL, RK_FAIL},
                                    {RF_MIN_HISTORY, RK_MIN_HISTORY},
                                    {RF_WINDOW, RK_WINDOW},
                                    {RF_METHOD, RK_METHOD}};
    if (at->line[RK_MATCH] == 0) {
        return refuse_at(f, at->start_line, at->start_col,
                         "benchmarks[%zu]: match is required (a glob on "
                         "benchmark names)",
                         at->index);
    }
    double w, fl;
    sl_policy_method_defaults(r->method, &w, &fl);
    r->warn = at->line[RK_WARN] != 0 ? r->warn : w;
    r->fail = at->line[RK_FAIL] != 0 ? r->fail : fl;
    sl_pk_names_t nm;
    char why[200], md[32];
    rule_names(r, at, &nm, md, sizeof md);
    int bad = sl_pk_rule_check(r, &nm, why, sizeof why);
    if (bad == 0) {
        return SL_OK;
    }
    for (size_t i = 0; i < 5; i++) {
        int k = order[i][1];
        if ((bad & order[i][0]) && at->line[k] != 0) {
            return refuse_at(f, at->line[k] - 1, at->col[k],
                             "benchmarks[%zu]: %s", at->index, why);
        }
    }
    return refuse_at(f, at->start_line, at->start_col, "benchmarks[%zu]: %s",
                     at->index, why);
}

/* One rule of benchmarks (the current event) through its end. */
static int
walk_rule(pf_t *f, size_t index, sl_bench_rule_t *r)
{
    char buf[96];
    if (f->ev.type != YAML_MAPPING_START_EVENT) {
        return refuse(f,
                      "benchmarks[%zu]: want a mapping with match and "
                      "optionally direction, method, window, min_history, "
                      "warn, fail, min_change, not %s",
                      index, described(f, buf, sizeof buf));
    }
    rule_at_t at = {.index = index,
                    .start_line = f->ev.start_mark.line,
                    .start_col = f->ev.start_mark.column};
    memset(r, 0, sizeof *r);
    r->direction = SL_DIR_AUTO;
    r->method = SL_BENCH_PERCENT;
    r->window = 10;
    r->min_history = 3;
    r->min_change = 5;
    int rc = next(f);
    while (rc == SL_OK && f->ev.type != YAML_MAPPING_END_EVENT) {
        rc = rule_entry(f, r, &at);
        rc = rc == SL_OK ? next(f) : rc;
    }
    return rc == SL_OK ? rule_finish(f, r, &at) : rc;
}

/* benchmarks: a list of rules, into the scratch policy. */
static int
walk_rules(pf_t *f, const sl_pk_t *k)
{
    char buf[96];
    if (f->ev.type != YAML_SEQUENCE_START_EVENT) {
        return refuse(f, "%s: want a list of rules ({match: GLOB, ...}), "
                         "not %s",
                      k->name, described(f, buf, sizeof buf));
    }
    size_t n = 0;
    int rc = next(f);
    while (rc == SL_OK && f->ev.type != YAML_SEQUENCE_END_EVENT) {
        if (n == SL_POLICY_BENCH_RULES) {
            return refuse(f, "%s: more than %d rules", k->name,
                          SL_POLICY_BENCH_RULES);
        }
        rc = walk_rule(f, n, &f->scratch.bench[n]);
        n++;
        rc = rc == SL_OK ? next(f) : rc;
    }
    f->scratch.n_bench = n;
    return rc;
}

/* ---- scopes -------------------------------------------------------------- */

/* Keeps the value of key id just parsed into the scratch policy as an
 * entry of sc. */
static int
add_entry(pf_t *f, pk_scope_t *sc, size_t id, size_t line, size_t col)
{
    const sl_pk_t *k = &sl_pk_keys[id];
    size_t n = 0, bytes = k->size;
    if (k->kind == PK_GLOBS) {
        n = f->scratch.n_protected;
        bytes = n * sizeof f->scratch.protected_branches[0];
    } else if (k->kind == PK_RULES) {
        n = f->scratch.n_bench;
        bytes = n * sizeof f->scratch.bench[0];
    }
    pk_entry_t *ne = realloc(sc->e, (sc->n + 1) * sizeof *ne);
    if (ne == NULL) {
        return no_memory(f);
    }
    sc->e = ne;
    void *blob = bytes > 0 ? malloc(bytes) : NULL;
    if (bytes > 0 && blob == NULL) {
        return no_memory(f);
    }
    if (bytes > 0) {
        memcpy(blob, (const char *)&f->scratch + k->off, bytes);
    }
    sc->e[sc->n++] = (pk_entry_t){(unsigned)id, (uint32_t)line + 1,
                                  (uint32_t)col + 1, n, blob};
    sc->mask |= SL_POLICY_BIT(id);
    return SL_OK;
}

/* The key of the table named by the current scalar exactly, or NULL. */
static const sl_pk_t *
file_key(const pf_t *f)
{
    for (size_t i = 0; i < SL_POLICY_NKEYS; i++) {
        if (scalar_is(f, sl_pk_keys[i].name)) {
            return &sl_pk_keys[i];
        }
    }
    return NULL;
}

static int
unknown_key(pf_t *f, const char *where, int in_project)
{
    char name[48];
    (void)scalar_shown(f, name, sizeof name);
    const char *raw = (const char *)f->ev.data.scalar.value;
    const char *close =
        strlen(raw) == f->ev.data.scalar.length
            ? sl_pk_suggest(sl_pk_keys, SL_POLICY_NKEYS, raw)
            : NULL;
    if (close != NULL) {
        return refuse(f, "unknown key '%s' in %s (did you mean %s?)", name,
                      where, close);
    }
    if (!in_project && (strcmp(name, "branches") == 0 ||
                        strcmp(name, "projects") == 0)) {
        return refuse(f, "unknown key '%s' in %s (%s is a top-level key%s)",
                      name, where, name,
                      name[0] == 'b' ? ", or a key of a project" : "");
    }
    return refuse(f, "unknown key '%s' in %s (the keys: docs/policy.md)",
                  name, where);
}

static int walk_branches(pf_t *f, pk_scopes_t *list, const char *where);

/* What a scope's keys have been seen at (line from 1, 0: not yet). */
typedef struct seen {
    size_t key[SL_POLICY_NKEYS];
    size_t branches;
} seen_t;

/* One key of a scope (the current event) and its value. */
static int
scope_entry(pf_t *f, pk_scope_t *sc, const char *where, pk_project_t *proj,
            seen_t *seen)
{
    int rc = check_key(f, where);
    if (rc == SL_OK && proj != NULL && scalar_is(f, "branches")) {
        char inner[160];
        (void)snprintf(inner, sizeof inner, "%s.branches", where);
        rc = once(f, &seen->branches);
        rc = rc == SL_OK ? next(f) : rc;
        return rc == SL_OK ? walk_branches(f, &proj->branches, inner) : rc;
    }
    const sl_pk_t *k = rc == SL_OK ? file_key(f) : NULL;
    if (rc == SL_OK && k == NULL) {
        return unknown_key(f, where, proj != NULL);
    }
    size_t id = rc == SL_OK ? (size_t)(k - sl_pk_keys) : 0;
    rc = rc == SL_OK ? once(f, &seen->key[id]) : rc;
    rc = rc == SL_OK ? next(f) : rc;
    if (rc != SL_OK) {
        return rc;
    }
    size_t line = f->ev.start_mark.line, col = f->ev.start_mark.column;
    rc = k->kind == PK_GLOBS   ? walk_globs(f, k)
         : k->kind == PK_RULES ? walk_rules(f, k)
                               : scalar_value(f, k, &f->scratch);
    return rc == SL_OK ? add_entry(f, sc, id, line, col) : rc;
}

/* A scope's mapping (the current event) through its end: its keys, and
 * for a project (proj) its branch scopes. */
static int
walk_scope(pf_t *f, pk_scope_t *sc, const char *where, pk_project_t *proj)
{
    seen_t seen;
    memset(&seen, 0, sizeof seen);
    int rc = want_mapping(f, where, "thresholds");
    rc = rc == SL_OK ? next(f) : rc;
    while (rc == SL_OK && f->ev.type != YAML_MAPPING_END_EVENT) {
        rc = scope_entry(f, sc, where, proj, &seen);
        rc = rc == SL_OK ? next(f) : rc;
    }
    return rc;
}

/* The current event as the name of a scope (a branch glob or a project)
 * in a new string *out. */
static int
scope_name(pf_t *f, const char *where, const char *what, char **out)
{
    char buf[96];
    int rc = check_key(f, where);
    size_t len = rc == SL_OK ? f->ev.data.scalar.length : 0;
    const char *s = rc == SL_OK ? (const char *)f->ev.data.scalar.value : "";
    int bad = len == 0 || len >= SL_POLICY_NAME_MAX || strlen(s) != len;
    for (size_t i = 0; i < len && !bad; i++) {
        bad = (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
    }
    if (rc == SL_OK && bad) {
        return refuse(f,
                      "%s: want a %s of 1 to %d bytes without control "
                      "characters, not %s",
                      where, what, SL_POLICY_NAME_MAX - 1,
                      described(f, buf, sizeof buf));
    }
    if (rc == SL_OK && (*out = strdup(s)) == NULL) {
        return no_memory(f);
    }
    return rc;
}

/* Makes room for one more scope in list. */
static pk_scope_t *
scope_add(pk_scopes_t *list)
{
    if (list->n == list->cap) {
        size_t cap = list->cap == 0 ? 4 : list->cap * 2;
        pk_scope_t *v = realloc(list->v, cap * sizeof *v);
        if (v == NULL) {
            return NULL;
        }
        list->v = v;
        list->cap = cap;
    }
    pk_scope_t *sc = &list->v[list->n++];
    memset(sc, 0, sizeof *sc);
    return sc;
}

/* One branch scope (the current event: its glob) and its keys. */
static int
branch_entry(pf_t *f, pk_scopes_t *list, const char *where)
{
    char buf[48], inner[160];
    char *glob = NULL;
    int rc = scope_name(f, where, "branch glob", &glob);
    for (size_t i = 0; rc == SL_OK && i < list->n; i++) {
        if (strcmp(list->v[i].name, glob) == 0) {
            rc = refuse(f, "duplicate branch glob '%s' (first at line %u)",
                        scalar_shown(f, buf, sizeof buf), list->v[i].line);
        }
    }
    if (rc == SL_OK && list->n == SL_POLICY_BRANCH_SCOPES) {
        rc = refuse(f, "%s: more than %d branch scopes", where,
                    SL_POLICY_BRANCH_SCOPES);
    }
    pk_scope_t *sc = rc == SL_OK ? scope_add(list) : NULL;
    if (rc == SL_OK && sc == NULL) {
        rc = no_memory(f);
    }
    if (rc != SL_OK) {
        free(glob);
        return rc;
    }
    sc->name = glob;
    sc->line = (uint32_t)f->ev.start_mark.line + 1;
    sc->col = (uint32_t)f->ev.start_mark.column + 1;
    (void)snprintf(inner, sizeof inner, "%s.%s", where,
                   sl_pk_shown(glob, strlen(glob), buf, sizeof buf));
    rc = next(f);
    return rc == SL_OK ? walk_scope(f, sc, inner, NULL) : rc;
}

/* A mapping of branch scopes (the current event) through its end. */
static int
walk_branches(pf_t *f, pk_scopes_t *list, const char *where)
{
    int rc = want_mapping(f, where, "branch globs to thresholds");
    rc = rc == SL_OK ? next(f) : rc;
    while (rc == SL_OK && f->ev.type != YAML_MAPPING_END_EVENT) {
        rc = branch_entry(f, list, where);
        rc = rc == SL_OK ? next(f) : rc;
    }
    return rc;
}

/* One project (the current event: its name), its keys and branches. */
static int
project_entry(pf_t *f)
{
    sl_policy_set_t *s = f->set;
    char buf[48], inner[160];
    char *name = NULL;
    int rc = scope_name(f, "projects", "project name", &name);
    for (size_t i = 0; rc == SL_OK && i < s->n_projects; i++) {
        if (strcmp(s->projects[i].self.name, name) == 0) {
            rc = refuse(f, "duplicate project '%s' (first at line %u)",
                        scalar_shown(f, buf, sizeof buf),
                        s->projects[i].self.line);
        }
    }
    if (rc == SL_OK && s->n_projects == SL_POLICY_PROJECTS) {
        rc = refuse(f, "projects: more than %d projects", SL_POLICY_PROJECTS);
    }
    if (rc == SL_OK && s->n_projects == s->cap_projects) {
        size_t cap = s->cap_projects == 0 ? 4 : s->cap_projects * 2;
        pk_project_t *v = realloc(s->projects, cap * sizeof *v);
        rc = v != NULL ? SL_OK : no_memory(f);
        s->projects = v != NULL ? v : s->projects;
        s->cap_projects = v != NULL ? cap : s->cap_projects;
    }
    if (rc != SL_OK) {
        free(name);
        return rc;
    }
    pk_project_t *p = &s->projects[s->n_projects++];
    memset(p, 0, sizeof *p);
    p->self.name = name;
    p->self.line = (uint32_t)f->ev.start_mark.line + 1;
    p->self.col = (uint32_t)f->ev.start_mark.column + 1;
    (void)snprintf(inner, sizeof inner, "projects.%s",
                   sl_pk_shown(name, strlen(name), buf, sizeof buf));
    rc = next(f);
    return rc == SL_OK ? walk_scope(f, &p->self, inner, p) : rc;
}

static int
walk_projects(pf_t *f)
{
    int rc = want_mapping(f, "projects", "project names to thresholds");
    rc = rc == SL_OK ? next(f) : rc;
    while (rc == SL_OK && f->ev.type != YAML_MAPPING_END_EVENT) {
        rc = project_entry(f);
        rc = rc == SL_OK ? next(f) : rc;
    }
    return rc;
}

/* ---- the document -------------------------------------------------------- */

#define ROOT_WANT "a mapping of defaults, branches and projects"

/* One key of the root (the current event) and its value. */
static int
root_entry(pf_t *f, size_t seen[3])
{
    static const char *const keys[3] = {"defaults", "branches", "projects"};
    char buf[48];
    int rc = check_key(f, NULL);
    size_t k = 0;
    while (rc == SL_OK && k < 3 && !scalar_is(f, keys[k])) {
        k++;
    }
    if (rc == SL_OK && k == 3) {
        return refuse(f,
                      "unknown top-level key '%s' (known: defaults, "
                      "branches, projects)",
                      scalar_shown(f, buf, sizeof buf));
    }
    rc = rc == SL_OK ? once(f, &seen[k]) : rc;
    if (rc == SL_OK && k == 0) {
        f->set->defaults.line = (uint32_t)f->ev.start_mark.line + 1;
        f->set->defaults.col = (uint32_t)f->ev.start_mark.column + 1;
    }
    rc = rc == SL_OK ? next(f) : rc;
    if (rc != SL_OK) {
        return rc;
    }
    return k == 0   ? walk_scope(f, &f->set->defaults, "defaults", NULL)
           : k == 1 ? walk_branches(f, &f->set->branches, "branches")
                    : walk_projects(f);
}

/* The root node (the current event) through its end. */
static int
walk_root(pf_t *f)
{
    char buf[96];
    size_t seen[3] = {0, 0, 0};
    if (f->ev.type != YAML_MAPPING_START_EVENT) {
        return refuse(f, "want " ROOT_WANT " (see examples/sluice.yml), "
                         "not %s",
                      described(f, buf, sizeof buf));
    }
    int rc = next(f);
    while (rc == SL_OK && f->ev.type != YAML_MAPPING_END_EVENT) {
        rc = root_entry(f, seen);
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
        return refuse(f, "no document: want " ROOT_WANT " (see "
                         "examples/sluice.yml)");
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

static void
scope_fini(pk_scope_t *sc)
{
    for (size_t i = 0; i < sc->n; i++) {
        free(sc->e[i].blob);
    }
    free(sc->e);
    free(sc->name);
}

static void
scopes_fini(pk_scopes_t *list)
{
    for (size_t i = 0; i < list->n; i++) {
        scope_fini(&list->v[i]);
    }
    free(list->v);
}

void
sl_policy_set_free(sl_policy_set_t **sp)
{
    sl_policy_set_t *s = sp != NULL ? *sp : NULL;
    if (s == NULL) {
        return;
    }
    scope_fini(&s->defaults);
    scopes_fini(&s->branches);
    for (size_t i = 0; i < s->n_projects; i++) {
        scope_fini(&s->projects[i].self);
        scopes_fini(&s->projects[i].branches);
    }
    free(s->projects);
    free(s->name);
    free(s);
    *sp = NULL;
}

int
sl_policy_parse_set(const char *name, const char *text, size_t len,
                    sl_policy_set_t **out, sl_err_t *err)
{
    *out = NULL;
    if (len > SL_POLICY_FILE_MAX) {
        return sl_err_set(err, SL_ETOOBIG,
                          "%s: over 1 MiB, the cap of a policy file", name);
    }
    pf_t *f = calloc(1, sizeof *f); /* yaml_parser_t is large */
    sl_policy_set_t *s = calloc(1, sizeof *s);
    char *copy = strdup(name);
    if (f == NULL || s == NULL || copy == NULL ||
        !yaml_parser_initialize(&f->yp)) {
        free(f);
        free(s);
        free(copy);
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", name);
    }
    s->name = copy;
    f->name = name;
    f->text = text;
    f->len = len;
    f->err = err;
    f->set = s;
    yaml_parser_set_input_string(&f->yp, (const unsigned char *)text, len);
    int rc = walk(f);
    rc = rc == SL_OK ? sl_pk_check_set(s, NULL, 0, err) : rc;
    if (f->have_ev) {
        yaml_event_delete(&f->ev);
    }
    yaml_parser_delete(&f->yp);
    free(f);
    if (rc != SL_OK) {
        sl_policy_set_free(&s);
    }
    *out = s;
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
sl_policy_load_set(const char *path, sl_policy_set_t **out, sl_err_t *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = read_capped(path, &text, &len, err);
    if (rc == SL_OK) {
        rc = sl_policy_parse_set(path, text, len, out, err);
    }
    free(text);
    return rc;
}
