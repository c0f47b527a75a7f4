/* What policy_keys.c (the table of keys, their values, flags, help) and
 * policy_file.c (YAML, scopes, resolution) share. Not installed. */
#ifndef SLUICE_POLICY_INT_H
#define SLUICE_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/policy.h"

/* How a value is written: the kinds of SL_POLICY_KEYS (policy.h). */
typedef enum {
    PK_MAX,
    PK_PCT,
    PK_PCT_OFF,
    PK_RATE,
    PK_U32,
    PK_NUM,
    PK_THRESH,
    PK_ENUM,
    PK_NAME,
    PK_URL,
    PK_CMD,
    PK_DUR,
    PK_GLOBS,
    PK_RULES,
} sl_pk_kind_t;

/* One key: of sl_policy_t (sl_pk_keys, indexed by sl_policy_key_t) or of
 * one benchmark rule (sl_pk_rule_keys). */
typedef struct sl_pk {
    const char *name; /* as in a file: "max_test_failures" */
    sl_pk_kind_t kind;
    size_t off, size; /* the field, in its struct */
    double lo, hi;    /* bounds of numbers, U32 and DUR (ms) */
    const char *arg;  /* help placeholder; ENUM: its words, "a|b|c" */
    const char *help;
} sl_pk_t;

extern const sl_pk_t sl_pk_keys[SL_POLICY_NKEYS];

/* The keys of a rule of `benchmarks`, in this order. */
enum {
    RK_MATCH,
    RK_DIRECTION,
    RK_METHOD,
    RK_WINDOW,
    RK_MIN_HISTORY,
    RK_WARN,
    RK_FAIL,
    RK_MIN_CHANGE,
    RK_N
};
extern const sl_pk_t sl_pk_rule_keys[RK_N];

/* Where a value comes from: a plain YAML scalar, a quoted one (so never a
 * number; "" is a value), or a command-line argument (any, "" too). */
typedef enum { PK_PLAIN, PK_QUOTED, PK_ARG } sl_pk_style_t;

/* Parses s[0..len) (s[len] is '\0'; a NUL before it makes the value
 * invalid) as the value of k into base + k->off (GLOBS: base is an
 * sl_policy_t, n_protected is set too). SL_EINVAL with why ("want ...,
 * not 'x'" or "x is out of range (...)") and the field untouched.
 * PK_RULES is never parsed here. */
int sl_pk_parse(const sl_pk_t *k, const char *s, size_t len,
                sl_pk_style_t style, void *base, char *why, size_t cap)
    SL_NODISCARD;

/* What k wants, for "want X, not Y": "a whole number or unlimited". */
void sl_pk_wanted(const sl_pk_t *k, char *buf, size_t cap);

/* s[0..n) for a message: at most 40 bytes, control bytes shown as '?'. */
const char *sl_pk_shown(const char *s, size_t n, char *buf, size_t cap);

/* The key of sl_pk_keys named s[0..n) ('-' and '_' the same), or NULL. */
const sl_pk_t *sl_pk_find(const char *s, size_t n);

/* A known key close to the unknown s (one or two edits), or NULL. */
const char *sl_pk_suggest(const sl_pk_t *keys, size_t n, const char *s);

/* The fields of a rule that its checks look at. */
enum {
    RF_METHOD = 1,
    RF_WARN = 2,
    RF_FAIL = 4,
    RF_WINDOW = 8,
    RF_MIN_HISTORY = 16,
};

/* What to call a rule's fields in a message, and where each came from
 * (" (line 3)", " (the default)", ""): indexed by RF_* bit position. */
typedef struct sl_pk_names {
    const char *name[5];
    const char *from[5];
} sl_pk_names_t;

/* Checks a rule: warn and fail in the unit of its method (welch: above 0
 * and below 1; zscore, iqr: above 0), warn less strict than fail, and
 * min_history at most window. 0 when valid; else the RF_* fields involved
 * with the reason in why. */
int sl_pk_rule_check(const sl_bench_rule_t *r, const sl_pk_names_t *nm,
                     char *why, size_t cap);

/* Writes the value of k in base as text (for --help). */
void sl_pk_format(const sl_pk_t *k, const void *base, char *buf, size_t cap);

/* ---- a parsed file (policy_file.c builds it, policy_scope.c reads it) */

/* One key given by a scope. */
typedef struct pk_entry {
    unsigned key;       /* index into sl_pk_keys */
    uint32_t line, col; /* of its value, from 1 */
    size_t n;           /* GLOBS, RULES: elements in blob */
    void *blob;         /* the field's bytes; GLOBS, RULES: n elements */
} pk_entry_t;

typedef struct pk_scope {
    char *name;            /* the glob or project; NULL for defaults */
    uint32_t line, col;    /* of the name (defaults: of the key) */
    sl_policy_mask_t mask; /* the keys given */
    pk_entry_t *e;
    size_t n;
} pk_scope_t;

typedef struct pk_scopes {
    pk_scope_t *v;
    size_t n, cap;
} pk_scopes_t;

typedef struct pk_project {
    pk_scope_t self;
    pk_scopes_t branches;
} pk_project_t;

struct sl_policy_set {
    char *name; /* the file, for messages */
    pk_scope_t defaults;
    pk_scopes_t branches;
    pk_project_t *projects;
    size_t n_projects, cap_projects;
};

/* Checks the catch-all benchmark rule (bench_method, warn_regression,
 * max_regression, bench_window, bench_min_history) of every chain of
 * scopes of s (NULL: none) a run may get, ending with the keys of ov in
 * mask when mask gives any. SL_EINPUT "NAME:LINE:COL: why" for a scope,
 * SL_EINVAL "--flag: why" for the flags; SL_EINPUT also when the scopes
 * combine into too many different rules to check. */
int sl_pk_check_set(const sl_policy_set_t *s, const sl_policy_t *ov,
                    sl_policy_mask_t mask, sl_err_t *err) SL_NODISCARD;

#endif
