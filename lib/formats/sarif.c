/* SARIF 2.1.0 (OASIS): the log format of CodeQL, Semgrep, Trivy, grype,
 * flawfinder, the clang static analyzer and many more. One finding per
 * runs[].results[]; docs/formats.md ("Security: SARIF 2.1.0") gives every
 * mapping, rule and cap this file implements.
 *
 * Rules (tool.driver.rules[], tool.extensions[].rules[]) carry the default
 * level and the security-severity a result inherits, but JSON does not
 * order members: clang and Semgrep write "results" before "tool". So the
 * file is read twice. Pass 1 checks the whole document (the results too)
 * and builds a capped table of every run's tool name and rules
 * (sarif_rules.c); pass 2 turns each result into a Finding against that
 * table (sarif_result.c) and emits it. Per result the parser keeps only
 * fixed, capped buffers: memory does not grow with the number of results.
 *
 * This file walks the document. Fields are recognized by their path from a
 * base (the root, the open rule, the open result), with "[]" for an array
 * element and "*" for any key, and type-checked wherever they are met. */
#include "sarif.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "sarif_result.h"
#include "sarif_rules.h"
#include "sluice/jsonin.h"

#define SARIF_DEPTH SL_JSONIN_DEPTH_MAX

/* ---- the fields the parser knows --------------------------------------- */

enum { B_ROOT, B_RULE, B_RESULT };
enum {
    T_OBJ = 1, T_ARR = 2, T_STR = 4, T_INDEX = 8, /* integer >= -1 */
    T_U32 = 16, T_SEV = 32, /* number or numeric string */
    T_NULL = 64,            /* null is taken as absent */
};

enum {
    F_ROOT, F_VERSION, F_RUNS, F_RUN, F_TOOL, F_DRIVER, F_DRIVER_NAME,
    F_DRIVER_RULES, F_DRIVER_RULE, F_EXTS, F_EXT, F_EXT_RULES, F_EXT_RULE,
    F_RESULTS, F_RESULT,
    /* relative to the open rule */
    F_RULE_ID, F_RULE_CONF, F_RULE_LEVEL, F_RULE_PROPS, F_RULE_SEV,
    F_RULE_MSGS, F_RULE_MSG, F_RULE_MSG_TEXT,
    /* relative to the open result */
    F_RES_RULE_ID, F_RES_RULE_INDEX, F_RES_RULE, F_RES_REF_ID, F_RES_REF_INDEX,
    F_RES_COMP, F_RES_COMP_INDEX, F_RES_KIND, F_RES_LEVEL, F_RES_MSG,
    F_RES_TEXT, F_RES_MSG_ID, F_RES_ARGS, F_RES_ARG, F_RES_LOCS, F_RES_LOC,
    F_RES_PHYS, F_RES_ART, F_RES_URI, F_RES_REGION, F_RES_LINE, F_RES_COL,
    F_RES_SNIPPET, F_RES_SNIPPET_TEXT, F_RES_PARTIAL, F_RES_PARTIAL_KV,
    F_RES_FULL, F_RES_FULL_KV, F_RES_PROPS, F_RES_SEV,
    F_NONE
};

#define LOC0 "locations/[]/physicalLocation/"
static const struct {
    int base;
    unsigned type;
    const char *pat;
} sarif_fields[F_NONE] = {
    [F_ROOT] = {B_ROOT, T_OBJ, ""},
    [F_VERSION] = {B_ROOT, T_STR, "version"},
    [F_RUNS] = {B_ROOT, T_ARR, "runs"},
    [F_RUN] = {B_ROOT, T_OBJ, "runs/[]"},
    [F_TOOL] = {B_ROOT, T_OBJ, "runs/[]/tool"},
    [F_DRIVER] = {B_ROOT, T_OBJ, "runs/[]/tool/driver"},
    [F_DRIVER_NAME] = {B_ROOT, T_STR, "runs/[]/tool/driver/name"},
    [F_DRIVER_RULES] = {B_ROOT, T_ARR | T_NULL, "runs/[]/tool/driver/rules"},
    [F_DRIVER_RULE] = {B_ROOT, T_OBJ, "runs/[]/tool/driver/rules/[]"},
    [F_EXTS] = {B_ROOT, T_ARR | T_NULL, "runs/[]/tool/extensions"},
    [F_EXT] = {B_ROOT, T_OBJ, "runs/[]/tool/extensions/[]"},
    [F_EXT_RULES] = {B_ROOT, T_ARR | T_NULL,
                     "runs/[]/tool/extensions/[]/rules"},
    [F_EXT_RULE] = {B_ROOT, T_OBJ, "runs/[]/tool/extensions/[]/rules/[]"},
    [F_RESULTS] = {B_ROOT, T_ARR | T_NULL, "runs/[]/results"},
    [F_RESULT] = {B_ROOT, T_OBJ, "runs/[]/results/[]"},
    [F_RULE_ID] = {B_RULE, T_STR, "id"},
    [F_RULE_CONF] = {B_RULE, T_OBJ | T_NULL, "defaultConfiguration"},
    [F_RULE_LEVEL] = {B_RULE, T_STR | T_NULL, "defaultConfiguration/level"},
    [F_RULE_PROPS] = {B_RULE, T_OBJ | T_NULL, "properties"},
    [F_RULE_SEV] = {B_RULE, T_SEV, "properties/security-severity"},
    [F_RULE_MSGS] = {B_RULE, T_OBJ | T_NULL, "messageStrings"},
    [F_RULE_MSG] = {B_RULE, T_OBJ, "messageStrings/*"},
    [F_RULE_MSG_TEXT] = {B_RULE, T_STR, "messageStrings/*/text"},
    [F_RES_RULE_ID] = {B_RESULT, T_STR | T_NULL, "ruleId"},
    [F_RES_RULE_INDEX] = {B_RESULT, T_INDEX, "ruleIndex"},
    [F_RES_RULE] = {B_RESULT, T_OBJ | T_NULL, "rule"},
    [F_RES_REF_ID] = {B_RESULT, T_STR | T_NULL, "rule/id"},
    [F_RES_REF_INDEX] = {B_RESULT, T_INDEX, "rule/index"},
    [F_RES_COMP] = {B_RESULT, T_OBJ | T_NULL, "rule/toolComponent"},
    [F_RES_COMP_INDEX] = {B_RESULT, T_INDEX, "rule/toolComponent/index"},
    [F_RES_KIND] = {B_RESULT, T_STR | T_NULL, "kind"},
    [F_RES_LEVEL] = {B_RESULT, T_STR | T_NULL, "level"},
    [F_RES_MSG] = {B_RESULT, T_OBJ, "message"},
    [F_RES_TEXT] = {B_RESULT, T_STR, "message/text"},
    [F_RES_MSG_ID] = {B_RESULT, T_STR, "message/id"},
    [F_RES_ARGS] = {B_RESULT, T_ARR | T_NULL, "message/arguments"},
    [F_RES_ARG] = {B_RESULT, T_STR, "message/arguments/[]"},
    [F_RES_LOCS] = {B_RESULT, T_ARR | T_NULL, "locations"},
    [F_RES_LOC] = {B_RESULT, T_OBJ, "locations/[]"},
    [F_RES_PHYS] = {B_RESULT, T_OBJ | T_NULL, LOC0 ""},
    [F_RES_ART] = {B_RESULT, T_OBJ | T_NULL, LOC0 "artifactLocation"},
    [F_RES_URI] = {B_RESULT, T_STR | T_NULL, LOC0 "artifactLocation/uri"},
    [F_RES_REGION] = {B_RESULT, T_OBJ | T_NULL, LOC0 "region"},
    [F_RES_LINE] = {B_RESULT, T_U32 | T_NULL, LOC0 "region/startLine"},
    [F_RES_COL] = {B_RESULT, T_U32 | T_NULL, LOC0 "region/startColumn"},
    [F_RES_SNIPPET] = {B_RESULT, T_OBJ | T_NULL, LOC0 "region/snippet"},
    [F_RES_SNIPPET_TEXT] = {B_RESULT, T_STR | T_NULL,
                            LOC0 "region/snippet/text"},
    [F_RES_PARTIAL] = {B_RESULT, T_OBJ | T_NULL, "partialFingerprints"},
    [F_RES_PARTIAL_KV] = {B_RESULT, T_STR, "partialFingerprints/*"},
    [F_RES_FULL] = {B_RESULT, T_OBJ | T_NULL, "fingerprints"},
    [F_RES_FULL_KV] = {B_RESULT, T_STR, "fingerprints/*"},
    [F_RES_PROPS] = {B_RESULT, T_OBJ | T_NULL, "properties"},
    [F_RES_SEV] = {B_RESULT, T_SEV, "properties/security-severity"},
};

/* One element of a field's path: a key, "[]" or "*". */
typedef struct sarif_elem {
    const char *s;
    size_t len;
} sarif_elem_t;

#define SARIF_PAT_MAX 8     /* elements in the longest pattern */
#define SARIF_BUCKET_MAX 16 /* fields of one base and length */

typedef struct sarif {
    int pass; /* 1: check and build the table; 2: resolve and emit */
    const sl_sink_t *sink;
    sl_sarif_rules_t tab;
    sarif_elem_t pat[F_NONE][SARIF_PAT_MAX]; /* the elements, split once */
    /* The fields by base and number of elements, in table order. */
    uint8_t bucket[3][SARIF_PAT_MAX + 1][SARIF_BUCKET_MAX];
    uint8_t nbucket[3][SARIF_PAT_MAX + 1];
    uint8_t is_array[SARIF_DEPTH];
    int seen_version, seen_runs;
    uint32_t run;       /* index of the open run */
    unsigned rule_base; /* level of the open rule (pass 1); 0: none */
    sl_sarif_rule_t *rule; /* the open rule (pass 1) */
    sl_sarif_result_t res;
    sl_sarif_finding_t out;
} sarif_t;

/* ---- small helpers ----------------------------------------------------- */

/* A JSON number as RFC 8259 writes it: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static int
sarif_is_number(const char *s, size_t len)
{
    size_t i = 0;
    i += i < len && s[i] == '-';
    size_t d = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    if (i == d || (s[d] == '0' && i - d > 1)) {
        return 0;
    }
    if (i < len && s[i] == '.') {
        d = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == d) {
            return 0;
        }
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        i += i < len && (s[i] == '+' || s[i] == '-');
        d = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == d) {
            return 0;
        }
    }
    return i == len;
}

/* Splits pat at '/' into out[SARIF_PAT_MAX]; returns the count. */
static unsigned
sarif_split(const char *pat, sarif_elem_t *out)
{
    unsigned n = 0;
    while (*pat != '\0') {
        const char *e = strchr(pat, '/');
        size_t len = e != NULL ? (size_t)(e - pat) : strlen(pat);
        assert(n < SARIF_PAT_MAX); /* the table is ours */
        out[n++] = (sarif_elem_t){pat, len};
        pat += e != NULL ? len + 1 : len;
    }
    return n;
}

/* ---- paths and types --------------------------------------------------- */

/* Nonzero when the value at level sits at base/<field f's pattern>, which
 * has level - base elements. Matched from the end: the last key differs
 * most often. */
static int
sarif_at(const sarif_t *s, sl_jsonin_t *j, unsigned base, unsigned level,
         int f)
{
    for (unsigned l = level; l > base; l--) {
        const sarif_elem_t *e = &s->pat[f][l - base - 1];
        int in_array = s->is_array[l - 1];
        if (e->len == 2 && e->s[0] == '[') {
            if (!in_array) {
                return 0;
            }
        } else if (in_array) {
            return 0;
        } else if (!(e->len == 1 && e->s[0] == '*')) {
            const char *k = sl_jsonin_key(j, l);
            if (k == NULL || memcmp(k, e->s, e->len) != 0 ||
                k[e->len] != '\0') {
                return 0;
            }
        }
    }
    return 1;
}

/* The first field of base kind b (at level base) that the value at level
 * is, or F_NONE. */
static int
sarif_field_in(const sarif_t *s, sl_jsonin_t *j, int b, unsigned base,
               unsigned level)
{
    if (level < base || level - base > SARIF_PAT_MAX) {
        return F_NONE;
    }
    unsigned n = level - base;
    for (unsigned i = 0; i < s->nbucket[b][n]; i++) {
        int f = s->bucket[b][n][i];
        if (sarif_at(s, j, base, level, f)) {
            return f;
        }
    }
    return F_NONE;
}

/* The field the value at level is, or F_NONE: root paths first, then
 * those of the open rule, then those of the open result. */
static int
sarif_field(const sarif_t *s, sl_jsonin_t *j, unsigned level)
{
    int f = sarif_field_in(s, j, B_ROOT, 0, level);
    if (f == F_NONE && s->rule_base != 0) {
        f = sarif_field_in(s, j, B_RULE, s->rule_base, level);
    }
    if (f == F_NONE && s->res.base != 0) {
        f = sarif_field_in(s, j, B_RESULT, s->res.base, level);
    }
    return f;
}

/* What a field wants, for messages. */
static const char *
sarif_want_name(unsigned want)
{
    if (want & T_OBJ) {
        return "an object";
    }
    if (want & T_ARR) {
        return "an array";
    }
    if (want & T_STR) {
        return "a string";
    }
    return want & T_SEV ? "a number or a numeric string" : "an integer";
}

/* What a value is (T_* of sarif_scalar_type, or T_OBJ / T_ARR). */
static const char *
sarif_got_name(unsigned got)
{
    if (got & T_OBJ) {
        return "an object";
    }
    if (got & T_ARR) {
        return "an array";
    }
    if (got & T_STR) {
        return "a string";
    }
    if (got & T_SEV) {
        return "a number";
    }
    return got & T_NULL ? "null" : "a boolean";
}

/* "result.locations[].physicalLocation" from a field's base and pattern. */
static void
sarif_field_name(int f, char *out, size_t cap)
{
    static const char *const prefix[] = {"", "rule.", "result."};
    const char *pre = prefix[sarif_fields[f].base];
    size_t n = strlen(pre) < cap ? strlen(pre) : cap - 1;
    memcpy(out, pre, n);
    for (const char *p = sarif_fields[f].pat; *p != '\0' && n + 1 < cap;
         p++) {
        if (*p == '/' && p[1] == '[') {
            continue;
        }
        out[n++] = *p == '/' ? '.' : *p;
    }
    out[n] = '\0';
}

/* SL_EINPUT unless a value of type got may stand at field f. */
static int
sarif_check_type(sl_jsonin_t *j, int f, unsigned got)
{
    unsigned want = sarif_fields[f].type;
    if ((want & got) != 0) {
        return SL_OK;
    }
    if (f == F_ROOT) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "not a SARIF log (the root is %s)",
                              sarif_got_name(got));
    }
    char name[96];
    sarif_field_name(f, name, sizeof name);
    return sl_jsonin_fail(j, SL_EINPUT, "%s must be %s (got %s)", name,
                          sarif_want_name(want), sarif_got_name(got));
}

static unsigned
sarif_scalar_type(sl_json_type_t type)
{
    switch (type) {
    case SL_JSON_NULL:
        return T_NULL;
    case SL_JSON_NUMBER:
        return T_INDEX | T_U32 | T_SEV;
    case SL_JSON_STRING:
        return T_STR | T_SEV;
    default:
        return 0;
    }
}

/* ---- values ------------------------------------------------------------ */

/* A level name to LV_*; SL_EINPUT for anything else. */
static int
sarif_level(sl_jsonin_t *j, const char *v, size_t len, int *out)
{
    int lv = sl_sarif_level_of(v, len);
    if (lv < 0) {
        return sl_jsonin_fail(
            j, SL_EINPUT,
            "level \"%.*s\" is not one of none, note, warning, error",
            (int)sl_sarif_cut(v, len, 40), v);
    }
    *out = lv;
    return SL_OK;
}

/* security-severity: a number, or a string holding one (GitHub writes
 * "8.8"), from 0 to 10. Anything else is refused. */
static int
sarif_sev(sl_jsonin_t *j, sl_json_type_t type, const char *v, size_t len,
          double *out)
{
    double d = 0;
    if ((type == SL_JSON_STRING && !sarif_is_number(v, len)) ||
        sl_jsonin_double(v, len, &d) != SL_OK || !(d >= 0.0 && d <= 10.0)) {
        return sl_jsonin_fail(
            j, SL_EINPUT, "security-severity %s%.*s%s is not a score from 0 "
            "to 10", type == SL_JSON_STRING ? "\"" : "",
            (int)sl_sarif_cut(v, len, 40), v,
            type == SL_JSON_STRING ? "\"" : "");
    }
    *out = d;
    return SL_OK;
}

/* An array index: -1 (absent, the schema's default) to UINT32_MAX. */
static int
sarif_index(sl_jsonin_t *j, int f, const char *v, size_t len, int64_t *out)
{
    uint64_t u = 0;
    if (len == 2 && memcmp(v, "-1", 2) == 0) {
        *out = -1;
        return SL_OK;
    }
    if (sl_jsonin_u64(v, len, UINT32_MAX, &u) != SL_OK) {
        char name[96];
        sarif_field_name(f, name, sizeof name);
        return sl_jsonin_fail(j, SL_EINPUT,
                              "%s %.*s is not an index (-1 to %u)", name,
                              (int)sl_sarif_cut(v, len, 40), v, UINT32_MAX);
    }
    *out = (int64_t)u;
    return SL_OK;
}

static int
sarif_u32(sl_jsonin_t *j, int f, const char *v, size_t len, uint32_t *out)
{
    uint64_t u = 0;
    if (sl_jsonin_u64(v, len, UINT32_MAX, &u) != SL_OK) {
        char name[96];
        sarif_field_name(f, name, sizeof name);
        return sl_jsonin_fail(j, SL_EINPUT, "%s %.*s is not 0 to %u", name,
                              (int)sl_sarif_cut(v, len, 40), v, UINT32_MAX);
    }
    *out = (uint32_t)u;
    return SL_OK;
}

/* ---- pass 1: runs and rules -------------------------------------------- */

/* A failure of the rules table, at the current position. */
static int
sarif_tab_fail(sarif_t *s, sl_jsonin_t *j, int rc)
{
    if (rc == SL_ETOOBIG) {
        return sl_jsonin_fail(j, rc, "%s", s->tab.why);
    }
    return rc == SL_OK ? SL_OK : sl_jsonin_fail(j, rc, "out of memory");
}

static int
sarif_run_begin(sarif_t *s, sl_jsonin_t *j)
{
    s->run = (uint32_t)sl_jsonin_index(j, 2);
    if (s->pass != 1) {
        return SL_OK;
    }
    return sarif_tab_fail(s, j, sl_sarif_rules_add_run(&s->tab));
}

static int
sarif_run_end(sarif_t *s, sl_jsonin_t *j)
{
    if (s->pass == 1 && sl_sarif_rules_tool(&s->tab, s->run) == NULL) {
        return sl_jsonin_fail(j, SL_EINPUT, "runs[%u] has no tool.driver.name",
                              s->run);
    }
    return SL_OK;
}

static int
sarif_rule_begin(sarif_t *s, sl_jsonin_t *j, unsigned level)
{
    if (s->pass != 1) {
        return SL_OK;
    }
    s->rule_base = level;
    return sarif_tab_fail(s, j, sl_sarif_rules_add_rule(&s->tab, &s->rule));
}

static int
sarif_rule_end(sarif_t *s, sl_jsonin_t *j)
{
    if (s->pass != 1) {
        return SL_OK;
    }
    s->rule_base = 0;
    if (sl_sarif_rules_id(&s->tab, s->rule) == NULL) {
        return sl_jsonin_fail(j, SL_EINPUT, "a rule of runs[%u] has no id",
                              s->run);
    }
    return SL_OK;
}

/* Root, run and rule scalars. */
static int
sarif_top_scalar(sarif_t *s, sl_jsonin_t *j, int f, sl_json_type_t type,
                 const char *v, size_t len)
{
    if (f == F_VERSION) {
        s->seen_version = 1;
        if (len == 5 && memcmp(v, "2.1.0", 5) == 0) {
            return SL_OK;
        }
        return sl_jsonin_fail(
            j, SL_EINPUT, "SARIF version \"%.*s\" is not supported (want 2.1.0)",
            (int)sl_sarif_cut(v, len, 40), v);
    }
    if (s->pass != 1) {
        return SL_OK;
    }
    switch (f) {
    case F_DRIVER_NAME:
        return sarif_tab_fail(s, j, sl_sarif_rules_set_tool(&s->tab, v, len));
    case F_RULE_ID:
        return sarif_tab_fail(s, j, sl_sarif_rules_set_id(&s->tab, v, len));
    case F_RULE_LEVEL:
        return sarif_level(j, v, len, &s->rule->level);
    case F_RULE_SEV:
        s->rule->has_sev = 1;
        return sarif_sev(j, type, v, len, &s->rule->sev);
    case F_RULE_MSG_TEXT: {
        /* A key past SL_JSONIN_KEY_MAX is NULL here: never referenced. */
        const char *key = sl_jsonin_key(j, s->rule_base + 2);
        if (key == NULL) {
            return SL_OK;
        }
        return sarif_tab_fail(s, j,
                              sl_sarif_rules_add_msg(&s->tab, key, v, len));
    }
    default:
        return SL_OK;
    }
}

/* ---- results ----------------------------------------------------------- */

/* A member of partialFingerprints or fingerprints. */
static int
sarif_pair(sl_jsonin_t *j, sl_sarif_pairs_t *ps, const char *what,
           const char *v, size_t len)
{
    const char *key = sl_jsonin_key(j, sl_jsonin_depth(j));
    if (key == NULL) {
        return sl_jsonin_fail(j, SL_ETOOBIG, "%s key longer than %u bytes",
                              what, SL_JSONIN_KEY_MAX);
    }
    if (sl_sarif_pairs_add(ps, key, v, len) != SL_OK) {
        return sl_jsonin_fail(j, SL_ETOOBIG, "more than %u %s", SARIF_PAIRS_MAX,
                              what);
    }
    return SL_OK;
}

/* The text a string field fills, or NULL. Location fields count for the
 * first location only. */
static sl_text_t *
sarif_text_of(sarif_t *s, sl_jsonin_t *j, int f)
{
    sl_sarif_result_t *r = &s->res;
    int first = sl_jsonin_index(j, r->base + 2) == 0;
    switch (f) {
    case F_RES_RULE_ID:
        r->has_rule_id = 1;
        return &r->rule_id;
    case F_RES_REF_ID:
        r->has_ref_id = 1;
        return &r->ref_id;
    case F_RES_TEXT:
        r->has_text = 1;
        return &r->text;
    case F_RES_MSG_ID:
        r->has_msg_id = 1;
        return &r->msg_id;
    case F_RES_URI:
        return first ? &r->uri : NULL;
    case F_RES_SNIPPET_TEXT:
        return first ? &r->snippet : NULL;
    default:
        return NULL;
    }
}

static int
sarif_result_scalar(sarif_t *s, sl_jsonin_t *j, int f, sl_json_type_t type,
                    const char *v, size_t len)
{
    sl_sarif_result_t *r = &s->res;
    sl_text_t *t = sarif_text_of(s, j, f);
    if (t != NULL) {
        sl_text_clear(t);
        sl_text_append(t, v, len);
        return SL_OK;
    }
    int first = sl_jsonin_index(j, r->base + 2) == 0;
    uint64_t i = sl_jsonin_index(j, sl_jsonin_depth(j));
    switch (f) {
    case F_RES_RULE_INDEX:
        return sarif_index(j, f, v, len, &r->rule_index);
    case F_RES_REF_INDEX:
        return sarif_index(j, f, v, len, &r->ref_index);
    case F_RES_COMP_INDEX:
        return sarif_index(j, f, v, len, &r->comp_index);
    case F_RES_LEVEL:
        return sarif_level(j, v, len, &r->level);
    case F_RES_KIND:
        r->kind = sl_sarif_kind_of(v, len);
        return r->kind >= 0 ? SL_OK
                            : sl_jsonin_fail(j, SL_EINPUT,
                                             "kind \"%.*s\" is not a SARIF kind",
                                             (int)sl_sarif_cut(v, len, 40), v);
    case F_RES_ARG:
        if (i < SARIF_ARGS_MAX) {
            sl_text_clear(&r->args[i]);
            sl_text_append(&r->args[i], v, len);
            r->nargs = (unsigned)i + 1;
        }
        return SL_OK;
    case F_RES_LINE:
        return first ? sarif_u32(j, f, v, len, &r->line) : SL_OK;
    case F_RES_COL:
        return first ? sarif_u32(j, f, v, len, &r->column) : SL_OK;
    case F_RES_PARTIAL_KV:
        return sarif_pair(j, &r->partial, "partialFingerprints", v, len);
    case F_RES_FULL_KV:
        return sarif_pair(j, &r->full, "fingerprints", v, len);
    case F_RES_SEV:
        r->has_sev = 1;
        return sarif_sev(j, type, v, len, &r->sev);
    default:
        return SL_OK;
    }
}

static int
sarif_result_end(sarif_t *s, sl_jsonin_t *j)
{
    s->res.base = 0;
    if (!s->res.has_text && !s->res.has_msg_id) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "result has no message (message.text or "
                              "message.id)");
    }
    if (s->pass != 2) {
        return SL_OK;
    }
    int rc = sl_sarif_result_finding(&s->res, &s->tab, s->run, &s->out);
    if (rc != SL_OK) {
        return sl_jsonin_fail(j, rc, "%s", s->out.why);
    }
    return sl_sink_emit(s->sink, SLUICE__V1__EVENT__BODY_FINDING, &s->out.f);
}

/* ---- callbacks --------------------------------------------------------- */

static int
sarif_on_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    sarif_t *s = ctx;
    unsigned level = sl_jsonin_depth(j) - 1;
    s->is_array[level] = (uint8_t)is_array;
    int f = sarif_field(s, j, level);
    if (f == F_NONE) {
        return SL_OK;
    }
    int rc = sarif_check_type(j, f, is_array ? T_ARR : T_OBJ);
    if (rc != SL_OK) {
        return rc;
    }
    switch (f) {
    case F_RUNS:
        s->seen_runs = 1;
        return SL_OK;
    case F_RUN:
        return sarif_run_begin(s, j);
    case F_DRIVER_RULES:
        return s->pass == 1
                   ? sarif_tab_fail(s, j, sl_sarif_rules_add_comp(&s->tab, 0))
                   : SL_OK;
    case F_EXT_RULES: {
        uint32_t ext = (uint32_t)sl_jsonin_index(j, level - 1);
        return s->pass == 1 ? sarif_tab_fail(
                                  s, j, sl_sarif_rules_add_comp(&s->tab, ext + 1))
                            : SL_OK;
    }
    case F_DRIVER_RULE:
    case F_EXT_RULE:
        return sarif_rule_begin(s, j, level);
    case F_RESULT:
        sl_sarif_result_begin(&s->res, level);
        return SL_OK;
    case F_RES_ARGS:
        s->res.has_args = 1;
        return SL_OK;
    default:
        return SL_OK;
    }
}

static int
sarif_on_close(void *ctx, sl_jsonin_t *j, int is_array)
{
    sarif_t *s = ctx;
    (void)is_array;
    switch (sarif_field(s, j, sl_jsonin_depth(j) - 1)) {
    case F_ROOT:
        if (!s->seen_version) {
            return sl_jsonin_fail(j, SL_EINPUT,
                                  "not a SARIF log (no \"version\")");
        }
        return s->seen_runs ? SL_OK
                            : sl_jsonin_fail(j, SL_EINPUT,
                                             "not a SARIF log (no \"runs\")");
    case F_RUN:
        return sarif_run_end(s, j);
    case F_DRIVER_RULE:
    case F_EXT_RULE:
        return sarif_rule_end(s, j);
    case F_RESULT:
        return sarif_result_end(s, j);
    default:
        return SL_OK;
    }
}

static int
sarif_on_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *v,
                size_t len)
{
    sarif_t *s = ctx;
    int f = sarif_field(s, j, sl_jsonin_depth(j));
    if (f == F_NONE) {
        return SL_OK;
    }
    int rc = sarif_check_type(j, f, sarif_scalar_type(type));
    if (rc != SL_OK || type == SL_JSON_NULL) {
        return rc;
    }
    if (f < F_RES_RULE_ID) {
        return sarif_top_scalar(s, j, f, type, v, len);
    }
    return sarif_result_scalar(s, j, f, type, v, len);
}

/* ---- driving ----------------------------------------------------------- */

static sarif_t *
sarif_new(const sl_sink_t *sink)
{
    /* ~200 KiB of fixed buffers: too much for some thread stacks. */
    sarif_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    s->sink = sink;
    for (int f = 0; f < F_NONE; f++) {
        unsigned n = sarif_split(sarif_fields[f].pat, s->pat[f]);
        int b = sarif_fields[f].base;
        assert(s->nbucket[b][n] < SARIF_BUCKET_MAX); /* the table is ours */
        s->bucket[b][n][s->nbucket[b][n]++] = (uint8_t)f;
    }
    sl_sarif_rules_init(&s->tab);
    sl_sarif_result_init(&s->res);
    sl_sarif_finding_init(&s->out);
    return s;
}

/* Refuses at once what does not start like a JSON object (an XML report
 * forced as SARIF), where yajl would only say "invalid char". */
static int
sarif_check_start(int fd, off_t start, const char *path, sl_err_t *err)
{
    unsigned char buf[512];
    ssize_t n;
    do {
        n = pread(fd, buf, sizeof buf, start);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return sl_err_set(err, SL_EIO, "%s: read: %s", path, strerror(errno));
    }
    size_t i = n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    unsigned long line = 1, col = 1;
    for (; i < (size_t)n; i++) {
        if (buf[i] == '\n') {
            line++;
            col = 1;
        } else if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r') {
            col++;
        } else {
            break;
        }
    }
    if (i < (size_t)n && buf[i] != '{') {
        return sl_err_set(err, SL_EINPUT,
                          "%s:%lu:%lu: not a SARIF log (not a JSON object)",
                          path, line, col);
    }
    return SL_OK;
}

static int
sarif_run_pass(sarif_t *s, int pass, int fd, off_t start, const char *path,
               sl_err_t *err)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = sarif_on_open,
        .close = sarif_on_close,
        .scalar = sarif_on_scalar,
        .max_depth = SARIF_DEPTH,
    };
    if (lseek(fd, start, SEEK_SET) < 0) {
        return sl_err_set(err, SL_EIO, "%s: cannot read it twice: %s", path,
                          strerror(errno));
    }
    s->pass = pass;
    s->seen_version = s->seen_runs = 0;
    s->rule_base = 0;
    s->res.base = 0;
    return sl_jsonin_parse_fd(fd, path, &cfg, s, err);
}

int
sl_sarif_parse(int fd, const char *path, const sl_sink_t *sink, sl_err_t *err)
{
    off_t start = lseek(fd, 0, SEEK_CUR);
    if (start < 0) {
        return sl_err_set(err, SL_EIO, "%s: cannot read it twice: %s", path,
                          strerror(errno));
    }
    int rc = sarif_check_start(fd, start, path, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (sodium_init() < 0) {
        return sl_err_set(err, SL_ESYS, "%s: libsodium failed to start", path);
    }
    sarif_t *s = sarif_new(sink);
    if (s == NULL) {
        return sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    rc = sarif_run_pass(s, 1, fd, start, path, err);
    if (rc == SL_OK && sl_sarif_rules_index(&s->tab) != SL_OK) {
        rc = sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    if (rc == SL_OK) {
        rc = sarif_run_pass(s, 2, fd, start, path, err);
    }
    sl_sarif_rules_fini(&s->tab);
    free(s);
    return rc;
}

/* ---- detection --------------------------------------------------------- */

typedef struct sarif_sniff {
    int version, schema, runs, verdict;
} sarif_sniff_t;

/* Stops the sniff with its verdict (the code only stops the parse). */
static int
sniff_decide(sarif_sniff_t *s, int verdict)
{
    s->verdict = verdict;
    return SL_EINVAL;
}

static int
sniff_open(void *ctx, sl_jsonin_t *j, int is_array)
{
    sarif_sniff_t *s = ctx;
    unsigned d = sl_jsonin_depth(j);
    if (d == 1) {
        return is_array ? sniff_decide(s, 0) : SL_OK;
    }
    if (d == 2 && is_array && sl_jsonin_at(j, 1, "runs")) {
        s->runs = 1;
        if (s->version || s->schema) {
            return sniff_decide(s, 1);
        }
    }
    return SL_OK;
}

static int
sniff_close(void *ctx, sl_jsonin_t *j, int is_array)
{
    (void)is_array;
    return sl_jsonin_depth(j) == 1 ? sniff_decide(ctx, 0) : SL_OK;
}

/* Nonzero when s[len] contains "sarif" in any case. */
static int
sniff_names_sarif(const char *v, size_t len)
{
    for (size_t i = 0; i + 5 <= len; i++) {
        size_t k = 0;
        while (k < 5 && (v[i + k] | 0x20) == "sarif"[k]) {
            k++;
        }
        if (k == 5) {
            return 1;
        }
    }
    return 0;
}

static int
sniff_scalar(void *ctx, sl_jsonin_t *j, sl_json_type_t type, const char *v,
             size_t len)
{
    sarif_sniff_t *s = ctx;
    unsigned d = sl_jsonin_depth(j);
    if (d == 0) {
        return sniff_decide(s, 0);
    }
    if (d != 1 || type != SL_JSON_STRING) {
        return SL_OK;
    }
    if (sl_jsonin_at(j, 1, "version")) {
        s->version = len == 5 && memcmp(v, "2.1.0", 5) == 0;
    } else if (sl_jsonin_at(j, 1, "$schema")) {
        s->schema = sniff_names_sarif(v, len);
    }
    if (s->runs && (s->version || s->schema)) {
        return sniff_decide(s, 1);
    }
    return SL_OK;
}

int
sl_sarif_sniff(const char *head, size_t len)
{
    static const sl_jsonin_cfg_t cfg = {
        .open = sniff_open,
        .close = sniff_close,
        .scalar = sniff_scalar,
    };
    sarif_sniff_t s = {0, 0, 0, 0};
    (void)sl_jsonin_sniff(head, len, &cfg, &s);
    return s.verdict;
}
