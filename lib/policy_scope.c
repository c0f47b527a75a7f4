/* Scopes: the policy of a run (sl_policy_resolve), and the check that no
 * run can get an invalid catch-all benchmark rule.
 *
 * The catch-all rule is made of five keys (bench_method, warn_regression,
 * max_regression, bench_window, bench_min_history) that different scopes
 * may give: `defaults` may set welch while a branch scope sets
 * max_regression 20, which is no p-value. Which scopes a run gets depends
 * on its project and branch, so the check follows every chain of scopes a
 * run may get (defaults, then each top-level branch scope either applying
 * or not, then a project and its branch scopes likewise), keeping the set
 * of different rules possible at each step; a step whose result is
 * invalid is refused where it gives a key. Two branch scopes whose globs
 * never match the same branch are still taken as possibly both applying:
 * the check may refuse a file whose every real run would be valid, never
 * the reverse. */
#include "policy_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- resolution ---------------------------------------------------------- */

/* Copies key id of src (a policy, or entry bytes) into p. */
static void
put_key(sl_policy_t *p, size_t id, const void *bytes, size_t n)
{
    const sl_pk_t *k = &sl_pk_keys[id];
    if (k->kind == PK_GLOBS) {
        n = n < SL_POLICY_GLOBS ? n : SL_POLICY_GLOBS;
        if (n > 0) {
            memcpy(p->protected_branches, bytes,
                   n * sizeof p->protected_branches[0]);
        }
        p->n_protected = n;
    } else if (k->kind == PK_RULES) {
        n = n < SL_POLICY_BENCH_RULES ? n : SL_POLICY_BENCH_RULES;
        if (n > 0) {
            memcpy(p->bench, bytes, n * sizeof p->bench[0]);
        }
        p->n_bench = n;
    } else {
        memcpy((char *)p + k->off, bytes, k->size);
    }
}

/* bench_method given without a threshold: the method's default. */
static void
method_fill(sl_policy_t *p, sl_policy_mask_t given)
{
    double w, f;
    if (!(given & SL_POLICY_BIT(SL_PK_BENCH_METHOD))) {
        return;
    }
    sl_policy_method_defaults(p->bench_default.method, &w, &f);
    if (!(given & SL_POLICY_BIT(SL_PK_WARN_REGRESSION))) {
        p->bench_default.warn = w;
    }
    if (!(given & SL_POLICY_BIT(SL_PK_MAX_REGRESSION))) {
        p->bench_default.fail = f;
    }
}

static void
apply_scope(sl_policy_t *p, const pk_scope_t *sc, sl_policy_mask_t *acc)
{
    for (size_t i = 0; i < sc->n; i++) {
        put_key(p, sc->e[i].key, sc->e[i].blob, sc->e[i].n);
    }
    method_fill(p, sc->mask);
    *acc |= sc->mask;
}

/* The branch scopes of list matching branch, in order. */
static void
apply_branches(sl_policy_t *p, const pk_scopes_t *list, const char *branch,
               sl_policy_mask_t *acc)
{
    for (size_t i = 0; i < list->n; i++) {
        if (fnmatch(list->v[i].name, branch, 0) == 0) {
            apply_scope(p, &list->v[i], acc);
        }
    }
}

static const pk_project_t *
find_project(const sl_policy_set_t *s, const char *project)
{
    for (size_t i = 0; i < s->n_projects; i++) {
        if (strcmp(s->projects[i].self.name, project) == 0) {
            return &s->projects[i];
        }
    }
    return NULL;
}

static void
apply_overrides(sl_policy_t *p, const sl_policy_t *ov, sl_policy_mask_t mask)
{
    for (size_t id = 0; id < SL_POLICY_NKEYS; id++) {
        const sl_pk_t *k = &sl_pk_keys[id];
        if (!(mask & SL_POLICY_BIT(id))) {
            continue;
        }
        if (k->kind == PK_GLOBS) {
            put_key(p, id, ov->protected_branches, ov->n_protected);
        } else if (k->kind == PK_RULES) {
            put_key(p, id, ov->bench, ov->n_bench);
        } else {
            put_key(p, id, (const char *)ov + k->off, 0);
        }
    }
    method_fill(p, mask);
}

void
sl_policy_resolve(const sl_policy_set_t *s, const char *project,
                  const char *branch, const sl_policy_t *overrides,
                  sl_policy_mask_t mask, sl_policy_t *out)
{
    sl_policy_mask_t acc = 0;
    int has_branch = branch != NULL && branch[0] != '\0';
    sl_policy_defaults(out);
    if (s != NULL) {
        apply_scope(out, &s->defaults, &acc);
        if (has_branch) {
            apply_branches(out, &s->branches, branch, &acc);
        }
        const pk_project_t *p = project != NULL && project[0] != '\0'
                                    ? find_project(s, project)
                                    : NULL;
        if (p != NULL) {
            apply_scope(out, &p->self, &acc);
        }
        if (p != NULL && has_branch) {
            apply_branches(out, &p->branches, branch, &acc);
        }
    }
    if (overrides != NULL && mask != 0) {
        apply_overrides(out, overrides, mask);
        acc |= mask;
    }
    if (!(acc & SL_POLICY_BIT(SL_PK_PROTECTED_BRANCHES))) {
        (void)snprintf(out->protected_branches[0],
                       sizeof out->protected_branches[0], "%s",
                       out->baseline_branch);
        out->n_protected = 1;
    }
}

/* ---- the catch-all check ------------------------------------------------- */

#define CA_MAX 32 /* different rules followed at once */
#define CA_FIELDS 5
/* from[] of a threshold that is its method's default */
#define FROM_METHOD 0x80000000u

/* The keys of the five fields, by RF_* bit position. */
static const size_t ca_key[CA_FIELDS] = {
    SL_PK_BENCH_METHOD, SL_PK_WARN_REGRESSION, SL_PK_MAX_REGRESSION,
    SL_PK_BENCH_WINDOW, SL_PK_BENCH_MIN_HISTORY};

/* One possible catch-all rule, and the line each field was given at (0:
 * built in). */
typedef struct ca {
    sl_bench_rule_t r;
    uint32_t from[CA_FIELDS];
} ca_t;

typedef struct ca_set {
    ca_t v[CA_MAX];
    size_t n;
} ca_set_t;

/* What one scope (or the flags: sc NULL) gives of the five fields. */
typedef struct delta {
    int given; /* RF_* */
    sl_bench_rule_t r;
    uint32_t line[CA_FIELDS], col[CA_FIELDS];
    const pk_scope_t *sc;
} delta_t;

typedef struct ca_ctx {
    const sl_policy_set_t *s;
    sl_err_t *err;
} ca_ctx_t;

/* Field i of src into dst. */
static void
ca_copy(sl_bench_rule_t *dst, const sl_bench_rule_t *src, size_t i)
{
    switch (i) {
    case 0:
        dst->method = src->method;
        break;
    case 1:
        dst->warn = src->warn;
        break;
    case 2:
        dst->fail = src->fail;
        break;
    case 3:
        dst->window = src->window;
        break;
    default:
        dst->min_history = src->min_history;
        break;
    }
}

static void
delta_of_scope(const pk_scope_t *sc, delta_t *d)
{
    memset(d, 0, sizeof *d);
    d->sc = sc;
    for (size_t e = 0; e < sc->n; e++) {
        for (size_t i = 0; i < CA_FIELDS; i++) {
            const sl_pk_t *k = &sl_pk_keys[ca_key[i]];
            if (sc->e[e].key != ca_key[i]) {
                continue;
            }
            memcpy((char *)&d->r +
                       (k->off - offsetof(sl_policy_t, bench_default)),
                   sc->e[e].blob, k->size);
            d->given |= 1 << i;
            d->line[i] = sc->e[e].line;
            d->col[i] = sc->e[e].col;
        }
    }
}

static void
delta_of_flags(const sl_policy_t *ov, sl_policy_mask_t mask, delta_t *d)
{
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < CA_FIELDS; i++) {
        if (mask & SL_POLICY_BIT(ca_key[i])) {
            ca_copy(&d->r, &ov->bench_default, i);
            d->given |= 1 << i;
        }
    }
}

static void
ca_apply(const ca_t *in, const delta_t *d, ca_t *out)
{
    *out = *in;
    for (size_t i = 0; i < CA_FIELDS; i++) {
        if (d->given & (1 << i)) {
            ca_copy(&out->r, &d->r, i);
            out->from[i] = d->line[i];
        }
    }
    if (!(d->given & RF_METHOD)) {
        return;
    }
    double w, f;
    sl_policy_method_defaults(out->r.method, &w, &f);
    if (!(d->given & RF_WARN)) {
        out->r.warn = w;
        out->from[1] = FROM_METHOD | d->line[0];
    }
    if (!(d->given & RF_FAIL)) {
        out->r.fail = f;
        out->from[2] = FROM_METHOD | d->line[0];
    }
}

/* Refuses the invalid rule t that step d made (why: the reason, bad: the
 * fields involved) where d gives one of them. */
static int
ca_refuse(const ca_ctx_t *c, const delta_t *d, int bad, const char *why)
{
    static const int order[CA_FIELDS] = {1, 2, 4, 3, 0};
    size_t at = CA_FIELDS;
    for (size_t i = 0; i < CA_FIELDS && at == CA_FIELDS; i++) {
        int bit = 1 << order[i];
        at = (bad & bit) && (d->given & bit) ? (size_t)order[i] : at;
    }
    for (size_t i = 0; i < CA_FIELDS && at == CA_FIELDS; i++) {
        at = d->given & (1 << i) ? i : at;
    }
    at = at < CA_FIELDS ? at : 0;
    if (d->sc == NULL) {
        char flag[48];
        (void)snprintf(flag, sizeof flag, "%s", sl_pk_keys[ca_key[at]].name);
        for (char *p = flag; *p != '\0'; p++) {
            *p = *p == '_' ? '-' : *p;
        }
        return sl_err_set(c->err, SL_EINVAL, "--%s: %s", flag, why);
    }
    return sl_err_set(c->err, SL_EINPUT, "%s:%u:%u: %s", c->s->name,
                      d->line[at], d->col[at], why);
}

/* Checks t, made by step d. */
static int
ca_check(const ca_ctx_t *c, const ca_t *t, const delta_t *d)
{
    sl_pk_names_t nm;
    char from[CA_FIELDS][48], m[16], why[224];
    sl_pk_format(&sl_pk_rule_keys[RK_METHOD], &t->r, m, sizeof m);
    for (size_t i = 0; i < CA_FIELDS; i++) {
        uint32_t line = t->from[i] & ~FROM_METHOD;
        nm.name[i] = sl_pk_keys[ca_key[i]].name;
        if (d->given & (1 << i)) {
            from[i][0] = '\0';
        } else if (t->from[i] & FROM_METHOD) {
            (void)snprintf(from[i], sizeof from[i], " (%s's default)", m);
        } else if (line == 0) {
            (void)snprintf(from[i], sizeof from[i], " (default)");
        } else {
            (void)snprintf(from[i], sizeof from[i], " (%sline %u)",
                           d->sc == NULL ? "policy " : "", line);
        }
        nm.from[i] = from[i];
    }
    int bad = sl_pk_rule_check(&t->r, &nm, why, sizeof why);
    return bad == 0 ? SL_OK : ca_refuse(c, d, bad, why);
}

static int
ca_same(const ca_t *a, const ca_t *b)
{
    return a->r.method == b->r.method && a->r.warn == b->r.warn &&
           a->r.fail == b->r.fail && a->r.window == b->r.window &&
           a->r.min_history == b->r.min_history;
}

/* Adds t to set unless it holds it. SL_ETOOBIG when full. */
static int
ca_add(ca_set_t *set, const ca_t *t)
{
    for (size_t i = 0; i < set->n; i++) {
        if (ca_same(&set->v[i], t)) {
            return SL_OK;
        }
    }
    if (set->n == CA_MAX) {
        return SL_ETOOBIG;
    }
    set->v[set->n++] = *t;
    return SL_OK;
}

/* One step: d applies to every rule of *set (always) or may (then the
 * rules without it stay possible too). */
static int
ca_step(const ca_ctx_t *c, ca_set_t *set, const delta_t *d, int always)
{
    ca_set_t next;
    next.n = 0;
    if (d->given == 0) {
        return SL_OK;
    }
    if (!always) {
        next = *set;
    }
    for (size_t i = 0; i < set->n; i++) {
        ca_t t;
        ca_apply(&set->v[i], d, &t);
        int rc = ca_check(c, &t, d);
        if (rc == SL_OK && ca_add(&next, &t) != SL_OK && d->sc != NULL) {
            return sl_err_set(
                c->err, SL_EINPUT,
                "%s:%u:%u: with this scope, more than %d different "
                "catch-all benchmark rules (bench_method, warn_regression, "
                "max_regression, bench_window, bench_min_history) are "
                "possible; give these keys in fewer scopes",
                c->s->name, d->sc->line, d->sc->col, CA_MAX);
        }
        if (rc != SL_OK) {
            return rc;
        }
    }
    *set = next;
    return SL_OK;
}

static int
ca_step_scope(const ca_ctx_t *c, ca_set_t *set, const pk_scope_t *sc,
              int always)
{
    delta_t d;
    delta_of_scope(sc, &d);
    return ca_step(c, set, &d, always);
}

/* The chains of project p from the rules of top: its scope, then each of
 * its branch scopes maybe, then the flags (ov, when given). */
static int
ca_project(const ca_ctx_t *c, const ca_set_t *top, const pk_project_t *p,
           const delta_t *ov)
{
    ca_set_t *set = malloc(sizeof *set);
    if (set == NULL) {
        return sl_err_set(c->err, SL_ENOMEM, "out of memory");
    }
    *set = *top;
    int rc = ca_step_scope(c, set, &p->self, 1);
    for (size_t i = 0; rc == SL_OK && i < p->branches.n; i++) {
        rc = ca_step_scope(c, set, &p->branches.v[i], 0);
    }
    rc = rc == SL_OK ? ca_step(c, set, ov, 1) : rc;
    free(set);
    return rc;
}

int
sl_pk_check_set(const sl_policy_set_t *s, const sl_policy_t *ov,
                sl_policy_mask_t mask, sl_err_t *err)
{
    ca_ctx_t c = {s, err};
    delta_t dov;
    sl_policy_t d;
    ca_set_t *top = malloc(sizeof *top);
    if (top == NULL) {
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    sl_policy_defaults(&d);
    memset(top, 0, sizeof *top);
    top->v[0].r = d.bench_default;
    top->n = 1;
    delta_of_flags(ov != NULL ? ov : &d, ov != NULL ? mask : 0, &dov);
    int rc = SL_OK;
    if (s != NULL) {
        rc = ca_step_scope(&c, top, &s->defaults, 1);
        for (size_t i = 0; rc == SL_OK && i < s->branches.n; i++) {
            rc = ca_step_scope(&c, top, &s->branches.v[i], 0);
        }
        for (size_t i = 0; rc == SL_OK && i < s->n_projects; i++) {
            rc = ca_project(&c, top, &s->projects[i], &dov);
        }
    }
    rc = rc == SL_OK ? ca_step(&c, top, &dov, 1) : rc;
    free(top);
    return rc;
}

int
sl_policy_check_overrides(const sl_policy_set_t *s,
                          const sl_policy_t *overrides, sl_policy_mask_t mask,
                          sl_err_t *err)
{
    return sl_pk_check_set(s, overrides, mask, err);
}
