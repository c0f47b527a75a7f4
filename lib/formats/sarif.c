/* SARIF 2.1.0 (OASIS): the log format of CodeQL, Semgrep, Trivy, grype,
 * flawfinder, the clang static analyzer and many more. One finding per
 * runs[].results[]; docs/formats.md ("Security: SARIF 2.1.0") gives every
 * mapping, rule and cap this file implements.
 *
 * Rules (tool.driver.rules[], tool.extensions[].rules[]) carry the default
 * level and the security-severity a result inherits, but JSON does not
 * order members: clang and Semgrep write "results" before "tool". So the
 * file is read twice. Pass 1 checks the whole document (the results too)
 * and builds a capped table of every run's tool name and rules; pass 2
 * resolves each result against that table and emits it. Per result the
 * parser keeps only fixed, capped buffers: memory does not grow with the
 * number of results.
 *
 * Fields are recognized by their path from a base (the root, the open
 * rule, the open result), with "[]" for an array element and "*" for any
 * key, and type-checked wherever they are met. */
#include "sarif.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "sluice/jsonin.h"
#include "sluice/text.h"

#define SARIF_RUNS_MAX 1024u        /* runs per file */
#define SARIF_RULES_MAX 65536u      /* rules per run (all components) */
#define SARIF_COMPONENTS_MAX 256u   /* rules arrays per run */
#define SARIF_TABLE_MAX (32u << 20) /* bytes of the whole rules table */
#define SARIF_ARGS_MAX 16u          /* message arguments kept */
#define SARIF_PAIRS_MAX 32u         /* entries of (partial)fingerprints */
#define SARIF_FP_BYTES 16u          /* BLAKE2b-128 */
#define SARIF_NONE UINT32_MAX
#define SARIF_DEPTH SL_JSONIN_DEPTH_MAX

enum { LV_UNSET = -1, LV_NONE, LV_NOTE, LV_WARNING, LV_ERROR };
static const char *const sarif_levels[] = {"none", "note", "warning",
                                           "error"};

/* result.kind (§3.27.9); absent means fail. */
enum { KIND_FAIL, KIND_PASS, KIND_NOTAPPLICABLE, KIND_INFORMATIONAL };
static const char *const sarif_kinds[] = {
    "fail", "pass", "notApplicable", "informational", "review", "open"};

/* ---- the rules table (pass 1) ------------------------------------------ */

typedef struct sarif_rule {
    uint32_t id;    /* arena offset of the NUL-terminated id */
    uint32_t msgs;  /* its first message string in tab.msgs */
    uint32_t nmsgs;
    uint32_t run;
    uint32_t comp;  /* 0: tool.driver; i + 1: tool.extensions[i] */
    int level;      /* defaultConfiguration.level, or LV_UNSET */
    int has_sev;
    double sev;     /* properties["security-severity"] */
} sarif_rule_t;

typedef struct sarif_msgstr {
    uint32_t id, text; /* arena offsets */
} sarif_msgstr_t;

/* One rules array: which component, where its rules start, how many. */
typedef struct sarif_comp {
    uint32_t which, first, count;
} sarif_comp_t;

typedef struct sarif_run {
    uint32_t tool; /* arena offset of tool.driver.name, or SARIF_NONE */
    uint32_t comps, ncomps;
    uint32_t nrules;
} sarif_run_t;

typedef struct sarif_tab {
    size_t bytes; /* allocated so far, against SARIF_TABLE_MAX */
    char *arena;
    size_t arena_len, arena_cap;
    sarif_rule_t *rules;
    size_t nrules, rules_cap;
    sarif_msgstr_t *msgs;
    size_t nmsgs, msgs_cap;
    sarif_comp_t *comps;
    size_t ncomps, comps_cap;
    sarif_run_t *runs;
    size_t nruns, runs_cap;
    uint32_t *hash; /* rule index + 1 by (run, comp, id); 0: empty */
    size_t hash_cap;
} sarif_tab_t;

/* ---- one result (both passes) ------------------------------------------ */

typedef struct sarif_pair {
    char key[SL_JSONIN_KEY_MAX + 1];
    sl_text_t value;
    char buf[SL_TEST_NAME_MAX + 1];
} sarif_pair_t;

typedef struct sarif_pairs {
    unsigned n;
    sarif_pair_t p[SARIF_PAIRS_MAX];
} sarif_pairs_t;

typedef struct sarif_result {
    unsigned base; /* level of the open result; 0: none open */
    int has_rule_id, has_ref_id, has_text, has_msg_id, has_args, has_sev;
    int64_t rule_index, ref_index, comp_index; /* -1: absent */
    int level, kind;
    double sev;
    uint32_t line, column;
    unsigned nargs;
    sl_text_t rule_id, ref_id, msg_id, uri, text, snippet;
    sl_text_t args[SARIF_ARGS_MAX];
    sarif_pairs_t partial, full;
    char rule_id_buf[SL_TEST_NAME_MAX + 1];
    char ref_id_buf[SL_TEST_NAME_MAX + 1];
    char msg_id_buf[SL_TEST_NAME_MAX + 1];
    char uri_buf[SL_TEST_NAME_MAX + 1];
    char text_buf[SL_TEST_MESSAGE_MAX + 1];
    char snippet_buf[SL_TEST_MESSAGE_MAX + 1];
    char args_buf[SARIF_ARGS_MAX][SL_TEST_NAME_MAX + 1];
} sarif_result_t;

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
    sarif_tab_t tab;
    sarif_elem_t pat[F_NONE][SARIF_PAT_MAX]; /* the elements, split once */
    /* The fields by base and number of elements, in table order. */
    uint8_t bucket[3][SARIF_PAT_MAX + 1][SARIF_BUCKET_MAX];
    uint8_t nbucket[3][SARIF_PAT_MAX + 1];
    uint8_t is_array[SARIF_DEPTH];
    int seen_version, seen_runs;
    uint32_t run;       /* index of the open run */
    unsigned rule_base; /* level of the open rule (pass 1); 0: none */
    size_t rule;        /* its index in tab.rules */
    size_t comp;        /* the open rules array in tab.comps */
    sarif_result_t res;
    sl_text_t msg; /* the rendered message */
    char msg_buf[SL_TEST_MESSAGE_MAX + 1];
    char empty[1];
} sarif_t;

/* ---- small helpers ----------------------------------------------------- */

/* s[len] cut to at most cap bytes on a UTF-8 boundary, and at a NUL. */
static size_t
sarif_cut(const char *s, size_t len, size_t cap)
{
    const char *nul = memchr(s, '\0', len);
    if (nul != NULL) {
        len = (size_t)(nul - s);
    }
    if (len > cap) {
        len = cap;
        while (len > 0 && ((unsigned char)s[len] & 0xC0u) == 0x80u) {
            len--;
        }
    }
    return len;
}

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

/* The index of v[len] in names[n], or -1. */
static int
sarif_lookup(const char *const *names, int n, const char *v, size_t len)
{
    for (int i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], v, len) == 0) {
            return i;
        }
    }
    return -1;
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

/* ---- the table --------------------------------------------------------- */

/* Makes room for need elements of elem bytes in *p (capacity *cap) within
 * the table's byte cap. SL_ETOOBIG over it, SL_ENOMEM. */
static int
tab_reserve(sarif_tab_t *t, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return SL_OK;
    }
    size_t ncap = *cap > 0 ? *cap : 64;
    while (ncap < need) {
        ncap *= 2;
    }
    size_t add = (ncap - *cap) * elem;
    if (ncap > SARIF_TABLE_MAX || t->bytes + add > SARIF_TABLE_MAX) {
        return SL_ETOOBIG;
    }
    void *np = realloc(*p, ncap * elem);
    if (np == NULL) {
        return SL_ENOMEM;
    }
    *p = np;
    *cap = ncap;
    t->bytes += add;
    return SL_OK;
}

/* Copies s[len], cut at cap bytes, into the arena; *off gets its offset. */
static int
tab_put(sarif_tab_t *t, const char *s, size_t len, size_t cap, uint32_t *off)
{
    len = sarif_cut(s, len, cap);
    void *p = t->arena;
    int rc = tab_reserve(t, &p, &t->arena_cap, t->arena_len + len + 1, 1);
    t->arena = p;
    if (rc != SL_OK) {
        return rc;
    }
    memcpy(t->arena + t->arena_len, s, len);
    t->arena[t->arena_len + len] = '\0';
    *off = (uint32_t)t->arena_len;
    t->arena_len += len + 1;
    return SL_OK;
}

static void
tab_fini(sarif_tab_t *t)
{
    free(t->arena);
    free(t->rules);
    free(t->msgs);
    free(t->comps);
    free(t->runs);
    free(t->hash);
}

static size_t
tab_hash(uint32_t run, uint32_t comp, const char *id)
{
    uint64_t h = UINT64_C(14695981039346656037);
    uint32_t k[2] = {run, comp};
    const unsigned char *b = (const unsigned char *)k;
    for (size_t i = 0; i < sizeof k; i++) {
        h = (h ^ b[i]) * UINT64_C(1099511628211);
    }
    for (; *id != '\0'; id++) {
        h = (h ^ (unsigned char)*id) * UINT64_C(1099511628211);
    }
    return (size_t)h;
}

/* The slot of (run, comp, id): the one holding it, or the empty one where
 * it would go. */
static size_t
tab_slot(const sarif_tab_t *t, uint32_t run, uint32_t comp, const char *id)
{
    size_t mask = t->hash_cap - 1;
    size_t h = tab_hash(run, comp, id) & mask;
    for (;; h = (h + 1) & mask) {
        uint32_t e = t->hash[h];
        if (e == 0) {
            return h;
        }
        const sarif_rule_t *r = &t->rules[e - 1];
        if (r->run == run && r->comp == comp &&
            strcmp(t->arena + r->id, id) == 0) {
            return h;
        }
    }
}

/* Indexes the rules by (run, comp, id); the first of duplicates wins. */
static int
tab_index(sarif_tab_t *t)
{
    size_t cap = 16;
    while (cap < t->nrules * 2) {
        cap *= 2;
    }
    t->hash = calloc(cap, sizeof *t->hash);
    if (t->hash == NULL) {
        return SL_ENOMEM;
    }
    t->hash_cap = cap;
    for (size_t i = 0; i < t->nrules; i++) {
        const sarif_rule_t *r = &t->rules[i];
        size_t h = tab_slot(t, r->run, r->comp, t->arena + r->id);
        if (t->hash[h] == 0) {
            t->hash[h] = (uint32_t)i + 1;
        }
    }
    return SL_OK;
}

static const sarif_rule_t *
tab_by_id(const sarif_tab_t *t, uint32_t run, uint32_t comp, const char *id)
{
    uint32_t e = t->hash[tab_slot(t, run, comp, id)];
    return e != 0 ? &t->rules[e - 1] : NULL;
}

/* By id in comp, or (any) in the driver, then in each extension. */
static const sarif_rule_t *
tab_find(const sarif_tab_t *t, uint32_t run, int64_t comp, const char *id)
{
    if (comp >= 0) {
        return tab_by_id(t, run, (uint32_t)comp, id);
    }
    const sarif_rule_t *r = tab_by_id(t, run, 0, id);
    const sarif_run_t *rn = &t->runs[run];
    for (uint32_t i = 0; r == NULL && i < rn->ncomps; i++) {
        uint32_t which = t->comps[rn->comps + i].which;
        r = which != 0 ? tab_by_id(t, run, which, id) : NULL;
    }
    return r;
}

static const sarif_rule_t *
tab_by_index(const sarif_tab_t *t, uint32_t run, uint32_t comp, uint64_t i)
{
    const sarif_run_t *rn = &t->runs[run];
    for (uint32_t c = 0; c < rn->ncomps; c++) {
        const sarif_comp_t *cp = &t->comps[rn->comps + c];
        if (cp->which == comp) {
            return i < cp->count ? &t->rules[cp->first + i] : NULL;
        }
    }
    return NULL;
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
    int lv = sarif_lookup(sarif_levels, 4, v, len);
    if (lv < 0) {
        return sl_jsonin_fail(
            j, SL_EINPUT,
            "level \"%.*s\" is not one of none, note, warning, error",
            (int)sarif_cut(v, len, 40), v);
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
            (int)sarif_cut(v, len, 40), v,
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
                              (int)sarif_cut(v, len, 40), v, UINT32_MAX);
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
                              (int)sarif_cut(v, len, 40), v, UINT32_MAX);
    }
    *out = (uint32_t)u;
    return SL_OK;
}

/* ---- pass 1: runs and rules -------------------------------------------- */

static int
sarif_tab_fail(sl_jsonin_t *j, int rc)
{
    if (rc == SL_ETOOBIG) {
        return sl_jsonin_fail(j, rc, "rules table over %u MiB",
                              SARIF_TABLE_MAX >> 20);
    }
    return sl_jsonin_fail(j, rc, "out of memory");
}

static int
sarif_run_begin(sarif_t *s, sl_jsonin_t *j)
{
    s->run = (uint32_t)sl_jsonin_index(j, 2);
    sarif_tab_t *t = &s->tab;
    if (s->pass != 1) {
        return SL_OK;
    }
    if (t->nruns == SARIF_RUNS_MAX) {
        return sl_jsonin_fail(j, SL_ETOOBIG, "more than %u runs",
                              SARIF_RUNS_MAX);
    }
    void *p = t->runs;
    int rc = tab_reserve(t, &p, &t->runs_cap, t->nruns + 1, sizeof *t->runs);
    t->runs = p;
    if (rc != SL_OK) {
        return sarif_tab_fail(j, rc);
    }
    t->runs[t->nruns++] = (sarif_run_t){SARIF_NONE, (uint32_t)t->ncomps, 0,
                                        0};
    return SL_OK;
}

static int
sarif_run_end(sarif_t *s, sl_jsonin_t *j)
{
    if (s->pass == 1 && s->tab.runs[s->tab.nruns - 1].tool == SARIF_NONE) {
        return sl_jsonin_fail(j, SL_EINPUT, "runs[%u] has no tool.driver.name",
                              s->run);
    }
    return SL_OK;
}

/* A rules array opens: tool.driver (which 0) or tool.extensions[i]. */
static int
sarif_comp_begin(sarif_t *s, sl_jsonin_t *j, uint32_t which)
{
    sarif_tab_t *t = &s->tab;
    if (s->pass != 1) {
        return SL_OK;
    }
    sarif_run_t *run = &t->runs[t->nruns - 1];
    if (run->ncomps == SARIF_COMPONENTS_MAX) {
        return sl_jsonin_fail(j, SL_ETOOBIG,
                              "more than %u rules arrays in runs[%u]",
                              SARIF_COMPONENTS_MAX, s->run);
    }
    void *p = t->comps;
    int rc =
        tab_reserve(t, &p, &t->comps_cap, t->ncomps + 1, sizeof *t->comps);
    t->comps = p;
    if (rc != SL_OK) {
        return sarif_tab_fail(j, rc);
    }
    s->comp = t->ncomps;
    t->comps[t->ncomps++] = (sarif_comp_t){which, (uint32_t)t->nrules, 0};
    run->ncomps++;
    return SL_OK;
}

static int
sarif_rule_begin(sarif_t *s, sl_jsonin_t *j, unsigned level)
{
    sarif_tab_t *t = &s->tab;
    if (s->pass != 1) {
        return SL_OK;
    }
    sarif_run_t *run = &t->runs[t->nruns - 1];
    if (run->nrules == SARIF_RULES_MAX) {
        return sl_jsonin_fail(j, SL_ETOOBIG, "more than %u rules in runs[%u]",
                              SARIF_RULES_MAX, s->run);
    }
    void *p = t->rules;
    int rc =
        tab_reserve(t, &p, &t->rules_cap, t->nrules + 1, sizeof *t->rules);
    t->rules = p;
    if (rc != SL_OK) {
        return sarif_tab_fail(j, rc);
    }
    s->rule = t->nrules;
    t->rules[t->nrules++] = (sarif_rule_t){
        .id = SARIF_NONE,
        .msgs = (uint32_t)t->nmsgs,
        .run = (uint32_t)(t->nruns - 1),
        .comp = t->comps[s->comp].which,
        .level = LV_UNSET,
    };
    t->comps[s->comp].count++;
    run->nrules++;
    s->rule_base = level;
    return SL_OK;
}

static int
sarif_rule_end(sarif_t *s, sl_jsonin_t *j)
{
    if (s->pass != 1) {
        return SL_OK;
    }
    s->rule_base = 0;
    if (s->tab.rules[s->rule].id == SARIF_NONE) {
        return sl_jsonin_fail(j, SL_EINPUT, "a rule of runs[%u] has no id",
                              s->run);
    }
    return SL_OK;
}

/* messageStrings["key"].text of the open rule. */
static int
sarif_rule_msg(sarif_t *s, sl_jsonin_t *j, const char *v, size_t len)
{
    sarif_tab_t *t = &s->tab;
    const char *key = sl_jsonin_key(j, s->rule_base + 2);
    if (key == NULL) {
        return SL_OK; /* a key past SL_JSONIN_KEY_MAX: never referenced */
    }
    void *p = t->msgs;
    int rc = tab_reserve(t, &p, &t->msgs_cap, t->nmsgs + 1, sizeof *t->msgs);
    t->msgs = p;
    sarif_msgstr_t m = {0, 0};
    if (rc == SL_OK) {
        rc = tab_put(t, key, strlen(key), SL_JSONIN_KEY_MAX, &m.id);
    }
    if (rc == SL_OK) {
        rc = tab_put(t, v, len, SL_TEST_MESSAGE_MAX, &m.text);
    }
    if (rc != SL_OK) {
        return sarif_tab_fail(j, rc);
    }
    t->msgs[t->nmsgs++] = m;
    t->rules[s->rule].nmsgs++;
    return SL_OK;
}

/* Root, run and rule scalars. */
static int
sarif_top_scalar(sarif_t *s, sl_jsonin_t *j, int f, sl_json_type_t type,
                 const char *v, size_t len)
{
    sarif_tab_t *t = &s->tab;
    int rc = SL_OK;
    if (f == F_VERSION) {
        s->seen_version = 1;
        if (len == 5 && memcmp(v, "2.1.0", 5) == 0) {
            return SL_OK;
        }
        return sl_jsonin_fail(
            j, SL_EINPUT, "SARIF version \"%.*s\" is not supported (want 2.1.0)",
            (int)sarif_cut(v, len, 40), v);
    }
    if (s->pass != 1) {
        return SL_OK;
    }
    sarif_rule_t *rule = s->rule_base != 0 ? &t->rules[s->rule] : NULL;
    switch (f) {
    case F_DRIVER_NAME:
        rc = tab_put(t, v, len, SL_TEST_NAME_MAX, &t->runs[t->nruns - 1].tool);
        return rc != SL_OK ? sarif_tab_fail(j, rc) : SL_OK;
    case F_RULE_ID:
        rc = tab_put(t, v, len, SL_TEST_NAME_MAX, &rule->id);
        return rc != SL_OK ? sarif_tab_fail(j, rc) : SL_OK;
    case F_RULE_LEVEL:
        return sarif_level(j, v, len, &rule->level);
    case F_RULE_SEV:
        rule->has_sev = 1;
        return sarif_sev(j, type, v, len, &rule->sev);
    case F_RULE_MSG_TEXT:
        return sarif_rule_msg(s, j, v, len);
    default:
        return SL_OK;
    }
}

/* ---- results ----------------------------------------------------------- */

static void
sarif_result_begin(sarif_t *s, unsigned level)
{
    sarif_result_t *r = &s->res;
    r->base = level;
    r->has_rule_id = r->has_ref_id = r->has_text = r->has_msg_id = 0;
    r->has_args = r->has_sev = 0;
    r->rule_index = r->ref_index = r->comp_index = -1;
    r->level = LV_UNSET;
    r->kind = KIND_FAIL;
    r->line = r->column = 0;
    r->nargs = 0;
    r->partial.n = r->full.n = 0;
    sl_text_clear(&r->rule_id);
    sl_text_clear(&r->ref_id);
    sl_text_clear(&r->msg_id);
    sl_text_clear(&r->uri);
    sl_text_clear(&r->text);
    sl_text_clear(&r->snippet);
}

/* A member of partialFingerprints or fingerprints. */
static int
sarif_pair(sl_jsonin_t *j, sarif_pairs_t *ps, const char *what, unsigned level,
           const char *v, size_t len)
{
    const char *key = sl_jsonin_key(j, level);
    if (key == NULL) {
        return sl_jsonin_fail(j, SL_ETOOBIG, "%s key longer than %u bytes",
                              what, SL_JSONIN_KEY_MAX);
    }
    if (ps->n == SARIF_PAIRS_MAX) {
        return sl_jsonin_fail(j, SL_ETOOBIG, "more than %u %s", SARIF_PAIRS_MAX,
                              what);
    }
    sarif_pair_t *p = &ps->p[ps->n++];
    memcpy(p->key, key, strlen(key) + 1);
    sl_text_clear(&p->value);
    sl_text_append(&p->value, v, len);
    return SL_OK;
}

/* Location fields count for the first location only. */
static sl_text_t *
sarif_text_of(sarif_t *s, sl_jsonin_t *j, int f)
{
    sarif_result_t *r = &s->res;
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
    sarif_result_t *r = &s->res;
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
        r->kind = sarif_lookup(sarif_kinds, 6, v, len);
        return r->kind >= 0 ? SL_OK
                            : sl_jsonin_fail(j, SL_EINPUT,
                                             "kind \"%.*s\" is not a SARIF kind",
                                             (int)sarif_cut(v, len, 40), v);
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
        return sarif_pair(j, &r->partial, "partialFingerprints",
                          sl_jsonin_depth(j), v, len);
    case F_RES_FULL_KV:
        return sarif_pair(j, &r->full, "fingerprints", sl_jsonin_depth(j), v,
                          len);
    case F_RES_SEV:
        r->has_sev = 1;
        return sarif_sev(j, type, v, len, &r->sev);
    default:
        return SL_OK;
    }
}

/* The rule a result refers to: by index (ruleIndex or rule.index, in
 * rule.toolComponent if given), else by id. *id gets the rule id. */
static int
sarif_resolve(sarif_t *s, sl_jsonin_t *j, const sarif_rule_t **out,
              char **id)
{
    const sarif_result_t *r = &s->res;
    const sarif_tab_t *t = &s->tab;
    int64_t index = r->ref_index >= 0 ? r->ref_index : r->rule_index;
    uint32_t comp = r->comp_index >= 0 ? (uint32_t)r->comp_index + 1 : 0;
    *id = r->has_rule_id  ? r->rule_id.data
          : r->has_ref_id ? r->ref_id.data
                          : NULL;
    *out = NULL;
    if (index >= 0) {
        *out = tab_by_index(t, s->run, comp, (uint64_t)index);
        if (*out == NULL && comp != 0) {
            return sl_jsonin_fail(
                j, SL_EINPUT, "rule index %lld is not a rule of "
                "tool.extensions[%u]", (long long)index, comp - 1);
        }
        if (*out == NULL) {
            return sl_jsonin_fail(j, SL_EINPUT,
                                  "rule index %lld is not a rule of "
                                  "tool.driver", (long long)index);
        }
    } else if (*id != NULL) {
        *out = tab_find(t, s->run, comp != 0 ? (int64_t)comp : -1, *id);
        const char *slash = strchr(*id, '/');
        if (*out == NULL && slash != NULL) {
            /* A hierarchical id "rule/sub" (§3.27.5) falls back to "rule". */
            char parent[SL_TEST_NAME_MAX + 1];
            size_t n = (size_t)(slash - *id);
            memcpy(parent, *id, n);
            parent[n] = '\0';
            *out = tab_find(t, s->run, comp != 0 ? (int64_t)comp : -1, parent);
        }
    }
    if (*id == NULL) {
        *id = *out != NULL ? s->tab.arena + (*out)->id : s->empty;
    }
    return SL_OK;
}

static int
sarif_result_level(const sarif_result_t *r, const sarif_rule_t *rule)
{
    if (r->level != LV_UNSET) {
        return r->level;
    }
    if (r->kind != KIND_FAIL) {
        return LV_NONE; /* §3.27.10: not a failure */
    }
    if (rule != NULL && rule->level != LV_UNSET) {
        return rule->level;
    }
    return LV_WARNING;
}

/* GitHub code scanning's bands for security-severity (CVSS v3). */
static Sluice__V1__Severity
sarif_band(double sev)
{
    if (sev >= 9.0) {
        return SLUICE__V1__SEVERITY__SEVERITY_CRITICAL;
    }
    if (sev >= 7.0) {
        return SLUICE__V1__SEVERITY__SEVERITY_HIGH;
    }
    if (sev >= 4.0) {
        return SLUICE__V1__SEVERITY__SEVERITY_MEDIUM;
    }
    return sev > 0.0 ? SLUICE__V1__SEVERITY__SEVERITY_LOW
                     : SLUICE__V1__SEVERITY__SEVERITY_NONE;
}

static Sluice__V1__Severity
sarif_severity(const sarif_result_t *r, int level, int has_sev, double sev)
{
    static const Sluice__V1__Severity by_level[] = {
        SLUICE__V1__SEVERITY__SEVERITY_NONE,
        SLUICE__V1__SEVERITY__SEVERITY_LOW,
        SLUICE__V1__SEVERITY__SEVERITY_MEDIUM,
        SLUICE__V1__SEVERITY__SEVERITY_HIGH,
    };
    if (r->kind == KIND_PASS || r->kind == KIND_NOTAPPLICABLE ||
        r->kind == KIND_INFORMATIONAL) {
        return SLUICE__V1__SEVERITY__SEVERITY_NONE; /* not a problem */
    }
    return has_sev ? sarif_band(sev) : by_level[level];
}

/* Appends src to the message with {N} replaced by arguments[N] and {{ }}
 * by braces (§3.11.5); a placeholder with no kept argument stays. */
static void
sarif_format(sl_text_t *out, const char *src, const sarif_result_t *r)
{
    const char *p = src;
    for (;;) {
        const char *b = strpbrk(p, "{}");
        if (b == NULL) {
            sl_text_append(out, p, strlen(p));
            return;
        }
        sl_text_append(out, p, (size_t)(b - p));
        if (b[0] == b[1]) {
            sl_text_append(out, b, 1);
            p = b + 2;
            continue;
        }
        size_t n = 0, d = 1;
        while (d < 10 && b[d] >= '0' && b[d] <= '9') {
            n = n * 10 + (size_t)(b[d++] - '0');
        }
        if (b[0] == '{' && d > 1 && b[d] == '}' && n < r->nargs) {
            sl_text_append(out, r->args[n].data, r->args[n].len);
            p = b + d + 1;
            continue;
        }
        sl_text_append(out, b, 1);
        p = b + 1;
    }
}

/* message.text, else the rule's messageStrings[message.id].text, else the
 * id; formatted when the message has arguments. */
static void
sarif_message(sarif_t *s, const sarif_rule_t *rule)
{
    const sarif_result_t *r = &s->res;
    const sarif_tab_t *t = &s->tab;
    const char *src = r->has_text ? r->text.data : r->msg_id.data;
    for (uint32_t i = 0; !r->has_text && rule != NULL && i < rule->nmsgs;
         i++) {
        const sarif_msgstr_t *m = &t->msgs[rule->msgs + i];
        if (strcmp(t->arena + m->id, r->msg_id.data) == 0) {
            src = t->arena + m->text;
            break;
        }
    }
    sl_text_clear(&s->msg);
    if (r->has_args) {
        sarif_format(&s->msg, src, r);
    } else {
        sl_text_append(&s->msg, src, strlen(src));
    }
}

static void
sarif_hash_field(crypto_generichash_state *st, const char *v)
{
    size_t n = strlen(v);
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    (void)crypto_generichash_update(st, len, sizeof len);
    (void)crypto_generichash_update(st, (const unsigned char *)v, n);
}

/* The finding's identity, hex of BLAKE2b-128 over length-prefixed fields
 * (docs/formats.md): mode, tool, rule id, uri, then the fingerprint
 * entries sorted by key, or the message and snippet. */
static void
sarif_fingerprint(const sarif_t *s, const char *tool, const char *rule_id,
                  char hex[2 * SARIF_FP_BYTES + 1])
{
    const sarif_result_t *r = &s->res;
    const sarif_pairs_t *ps = r->partial.n > 0 ? &r->partial
                              : r->full.n > 0  ? &r->full
                                               : NULL;
    crypto_generichash_state st;
    (void)crypto_generichash_init(&st, NULL, 0, SARIF_FP_BYTES);
    sarif_hash_field(&st, ps == &r->partial ? "partialFingerprints"
                          : ps != NULL      ? "fingerprints"
                                            : "derived");
    sarif_hash_field(&st, tool);
    sarif_hash_field(&st, rule_id);
    sarif_hash_field(&st, r->uri.data);
    if (ps != NULL) {
        unsigned order[SARIF_PAIRS_MAX];
        for (unsigned i = 0; i < ps->n; i++) {
            unsigned k = i;
            for (; k > 0 && strcmp(ps->p[order[k - 1]].key, ps->p[i].key) > 0;
                 k--) {
                order[k] = order[k - 1];
            }
            order[k] = i;
        }
        for (unsigned i = 0; i < ps->n; i++) {
            sarif_hash_field(&st, ps->p[order[i]].key);
            sarif_hash_field(&st, ps->p[order[i]].value.data);
        }
    } else {
        sarif_hash_field(&st, s->msg.data);
        sarif_hash_field(&st, r->snippet.data);
    }
    unsigned char out[SARIF_FP_BYTES];
    (void)crypto_generichash_final(&st, out, sizeof out);
    (void)sodium_bin2hex(hex, 2 * SARIF_FP_BYTES + 1, out, sizeof out);
}

static int
sarif_emit(sarif_t *s, sl_jsonin_t *j)
{
    sarif_result_t *r = &s->res;
    if (s->run >= s->tab.nruns) {
        return sl_jsonin_fail(j, SL_EINPUT, "the file changed while read");
    }
    const sarif_rule_t *rule = NULL;
    char *rule_id = NULL;
    int rc = sarif_resolve(s, j, &rule, &rule_id);
    if (rc != SL_OK) {
        return rc;
    }
    int level = sarif_result_level(r, rule);
    int has_sev = r->has_sev || (rule != NULL && rule->has_sev);
    double sev = r->has_sev ? r->sev : rule != NULL ? rule->sev : 0.0;
    sarif_message(s, rule);
    char *tool = s->tab.arena + s->tab.runs[s->run].tool;
    char fp[2 * SARIF_FP_BYTES + 1];
    sarif_fingerprint(s, tool, rule_id, fp);
    char level_name[8];
    memcpy(level_name, sarif_levels[level], strlen(sarif_levels[level]) + 1);

    Sluice__V1__Finding f;
    sluice__v1__finding__init(&f);
    f.tool = tool;
    f.rule_id = rule_id;
    f.level = level_name;
    f.severity = sarif_severity(r, level, has_sev, sev);
    f.security_severity = has_sev ? sev : 0.0;
    f.has_security_severity = has_sev;
    f.message = s->msg.data;
    f.uri = r->uri.data;
    f.line = r->line;
    f.column = r->column;
    f.fingerprint = fp;
    return sl_sink_emit(s->sink, SLUICE__V1__EVENT__BODY_FINDING, &f);
}

static int
sarif_result_end(sarif_t *s, sl_jsonin_t *j)
{
    if (!s->res.has_text && !s->res.has_msg_id) {
        return sl_jsonin_fail(j, SL_EINPUT,
                              "result has no message (message.text or "
                              "message.id)");
    }
    int rc = s->pass == 2 ? sarif_emit(s, j) : SL_OK;
    s->res.base = 0;
    return rc;
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
        return sarif_comp_begin(s, j, 0);
    case F_EXT_RULES:
        return sarif_comp_begin(s, j,
                                (uint32_t)sl_jsonin_index(j, level - 1) + 1);
    case F_DRIVER_RULE:
    case F_EXT_RULE:
        return sarif_rule_begin(s, j, level);
    case F_RESULT:
        sarif_result_begin(s, level);
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
    /* ~190 KiB of fixed buffers: too much for some thread stacks. */
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
    sarif_result_t *r = &s->res;
    sl_text_init(&r->rule_id, r->rule_id_buf, sizeof r->rule_id_buf);
    sl_text_init(&r->ref_id, r->ref_id_buf, sizeof r->ref_id_buf);
    sl_text_init(&r->msg_id, r->msg_id_buf, sizeof r->msg_id_buf);
    sl_text_init(&r->uri, r->uri_buf, sizeof r->uri_buf);
    sl_text_init(&r->text, r->text_buf, sizeof r->text_buf);
    sl_text_init(&r->snippet, r->snippet_buf, sizeof r->snippet_buf);
    for (unsigned i = 0; i < SARIF_ARGS_MAX; i++) {
        sl_text_init(&r->args[i], r->args_buf[i], sizeof r->args_buf[i]);
    }
    for (unsigned i = 0; i < SARIF_PAIRS_MAX; i++) {
        sl_text_init(&r->partial.p[i].value, r->partial.p[i].buf,
                     sizeof r->partial.p[i].buf);
        sl_text_init(&r->full.p[i].value, r->full.p[i].buf,
                     sizeof r->full.p[i].buf);
    }
    sl_text_init(&s->msg, s->msg_buf, sizeof s->msg_buf);
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
    if (rc == SL_OK && tab_index(&s->tab) != SL_OK) {
        rc = sl_err_set(err, SL_ENOMEM, "%s: out of memory", path);
    }
    if (rc == SL_OK) {
        rc = sarif_run_pass(s, 2, fd, start, path, err);
    }
    tab_fini(&s->tab);
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
