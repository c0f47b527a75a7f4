/* The SARIF rules table (sarif_rules.h). Strings live in one arena and are
 * referred to by offset, so growing it never leaves a pointer dangling;
 * every array grows by doubling within one byte budget. */
#include "sarif_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/formats.h"
#include "sluice/jsonin.h"

#define RULES_NONE UINT32_MAX

void
sl_sarif_rules_init(sl_sarif_rules_t *t)
{
    memset(t, 0, sizeof *t);
}

void
sl_sarif_rules_fini(sl_sarif_rules_t *t)
{
    free(t->arena);
    free(t->rules);
    free(t->msgs);
    free(t->comps);
    free(t->runs);
    free(t->hash);
    sl_sarif_rules_init(t);
}

size_t
sl_sarif_cut(const char *s, size_t len, size_t cap)
{
    const char *nul = memchr(s, '\0', len);
    if (nul != NULL) {
        len = (size_t)(nul - s);
    }
    if (len > cap) {
        len = cap;
        /* Back up to the first byte of the character that does not fit:
         * UTF-8 continuation bytes are 10xxxxxx. */
        while (len > 0 && ((unsigned char)s[len] & 0xC0u) == 0x80u) {
            len--;
        }
    }
    return len;
}

/* SL_ETOOBIG for more than cap things in the last run, said in t->why. */
static int
rules_cap(sl_sarif_rules_t *t, unsigned cap, const char *what)
{
    (void)snprintf(t->why, sizeof t->why, "more than %u %s in runs[%zu]", cap,
                   what, t->nruns - 1);
    return SL_ETOOBIG;
}

/* Makes room for need elements of elem bytes in *p (capacity *cap) within
 * the byte budget. */
static int
rules_reserve(sl_sarif_rules_t *t, void **p, size_t *cap, size_t need,
              size_t elem)
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
        (void)snprintf(t->why, sizeof t->why, "rules table over %u MiB",
                       SARIF_TABLE_MAX >> 20);
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
rules_put(sl_sarif_rules_t *t, const char *s, size_t len, size_t cap,
          uint32_t *off)
{
    len = sl_sarif_cut(s, len, cap);
    void *p = t->arena;
    int rc = rules_reserve(t, &p, &t->arena_cap, t->arena_len + len + 1, 1);
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

int
sl_sarif_rules_add_run(sl_sarif_rules_t *t)
{
    if (t->nruns == SARIF_RUNS_MAX) {
        (void)snprintf(t->why, sizeof t->why, "more than %u runs",
                       SARIF_RUNS_MAX);
        return SL_ETOOBIG;
    }
    void *p = t->runs;
    int rc =
        rules_reserve(t, &p, &t->runs_cap, t->nruns + 1, sizeof *t->runs);
    t->runs = p;
    if (rc == SL_OK) {
        t->runs[t->nruns++] =
            (sl_sarif_run_t){RULES_NONE, (uint32_t)t->ncomps, 0, 0};
    }
    return rc;
}

int
sl_sarif_rules_set_tool(sl_sarif_rules_t *t, const char *s, size_t len)
{
    return rules_put(t, s, len, SL_TEST_NAME_MAX, &t->runs[t->nruns - 1].tool);
}

int
sl_sarif_rules_add_comp(sl_sarif_rules_t *t, uint32_t which)
{
    sl_sarif_run_t *run = &t->runs[t->nruns - 1];
    if (run->ncomps == SARIF_COMPONENTS_MAX) {
        return rules_cap(t, SARIF_COMPONENTS_MAX, "rules arrays");
    }
    void *p = t->comps;
    int rc =
        rules_reserve(t, &p, &t->comps_cap, t->ncomps + 1, sizeof *t->comps);
    t->comps = p;
    if (rc == SL_OK) {
        t->comps[t->ncomps++] =
            (sl_sarif_comp_t){which, (uint32_t)t->nrules, 0};
        run->ncomps++;
    }
    return rc;
}

int
sl_sarif_rules_add_rule(sl_sarif_rules_t *t, sl_sarif_rule_t **out)
{
    sl_sarif_run_t *run = &t->runs[t->nruns - 1];
    if (run->nrules == SARIF_RULES_MAX) {
        return rules_cap(t, SARIF_RULES_MAX, "rules");
    }
    void *p = t->rules;
    int rc =
        rules_reserve(t, &p, &t->rules_cap, t->nrules + 1, sizeof *t->rules);
    t->rules = p;
    if (rc != SL_OK) {
        return rc;
    }
    sl_sarif_comp_t *comp = &t->comps[t->ncomps - 1];
    t->rules[t->nrules] = (sl_sarif_rule_t){
        .id = RULES_NONE,
        .msgs = (uint32_t)t->nmsgs,
        .run = (uint32_t)(t->nruns - 1),
        .comp = comp->which,
        .level = LV_UNSET,
    };
    *out = &t->rules[t->nrules++];
    comp->count++;
    run->nrules++;
    return SL_OK;
}

int
sl_sarif_rules_set_id(sl_sarif_rules_t *t, const char *s, size_t len)
{
    return rules_put(t, s, len, SL_TEST_NAME_MAX, &t->rules[t->nrules - 1].id);
}

int
sl_sarif_rules_add_msg(sl_sarif_rules_t *t, const char *key,
                       const char *text, size_t len)
{
    if (t->rules[t->nrules - 1].nmsgs >= SARIF_MSGS_PER_RULE) {
        return SL_OK; /* not kept: a result naming it shows the id */
    }
    void *p = t->msgs;
    int rc = rules_reserve(t, &p, &t->msgs_cap, t->nmsgs + 1, sizeof *t->msgs);
    t->msgs = p;
    sl_sarif_msgstr_t m = {0, 0};
    if (rc == SL_OK) {
        rc = rules_put(t, key, strlen(key), SL_JSONIN_KEY_MAX, &m.id);
    }
    if (rc == SL_OK) {
        rc = rules_put(t, text, len, SL_TEST_MESSAGE_MAX, &m.text);
    }
    if (rc == SL_OK) {
        t->msgs[t->nmsgs++] = m;
        t->rules[t->nrules - 1].nmsgs++;
    }
    return rc;
}

/* ---- the id index ------------------------------------------------------ */

/* FNV-1a over (run, comp, id). */
static size_t
rules_hash(uint32_t run, uint32_t comp, const char *id)
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
 * it would go (the table is at most half full). */
static size_t
rules_slot(const sl_sarif_rules_t *t, uint32_t run, uint32_t comp,
           const char *id)
{
    size_t mask = t->hash_cap - 1;
    size_t h = rules_hash(run, comp, id) & mask;
    for (;; h = (h + 1) & mask) {
        uint32_t e = t->hash[h];
        if (e == 0) {
            return h;
        }
        const sl_sarif_rule_t *r = &t->rules[e - 1];
        if (r->run == run && r->comp == comp &&
            strcmp(t->arena + r->id, id) == 0) {
            return h;
        }
    }
}

int
sl_sarif_rules_index(sl_sarif_rules_t *t)
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
        const sl_sarif_rule_t *r = &t->rules[i];
        size_t h = rules_slot(t, r->run, r->comp, t->arena + r->id);
        if (t->hash[h] == 0) {
            t->hash[h] = (uint32_t)i + 1; /* the first of duplicates wins */
        }
    }
    return SL_OK;
}

/* ---- lookups ----------------------------------------------------------- */

char *
sl_sarif_rules_tool(const sl_sarif_rules_t *t, size_t run)
{
    if (run >= t->nruns || t->runs[run].tool == RULES_NONE) {
        return NULL;
    }
    return t->arena + t->runs[run].tool;
}

const sl_sarif_rule_t *
sl_sarif_rules_at(const sl_sarif_rules_t *t, uint32_t run, uint32_t comp,
                  uint64_t i)
{
    const sl_sarif_run_t *rn = &t->runs[run];
    for (uint32_t c = 0; c < rn->ncomps; c++) {
        const sl_sarif_comp_t *cp = &t->comps[rn->comps + c];
        if (cp->which == comp) {
            return i < cp->count ? &t->rules[cp->first + i] : NULL;
        }
    }
    return NULL;
}

static const sl_sarif_rule_t *
rules_by_id(const sl_sarif_rules_t *t, uint32_t run, uint32_t comp,
            const char *id)
{
    uint32_t e = t->hash[rules_slot(t, run, comp, id)];
    return e != 0 ? &t->rules[e - 1] : NULL;
}

static const sl_sarif_rule_t *
rules_find(const sl_sarif_rules_t *t, uint32_t run, int64_t comp,
           const char *id)
{
    if (comp >= 0) {
        return rules_by_id(t, run, (uint32_t)comp, id);
    }
    const sl_sarif_rule_t *r = rules_by_id(t, run, 0, id);
    const sl_sarif_run_t *rn = &t->runs[run];
    for (uint32_t i = 0; r == NULL && i < rn->ncomps; i++) {
        uint32_t which = t->comps[rn->comps + i].which;
        r = which != 0 ? rules_by_id(t, run, which, id) : NULL;
    }
    return r;
}

const sl_sarif_rule_t *
sl_sarif_rules_find(const sl_sarif_rules_t *t, uint32_t run, int64_t comp,
                    const char *id)
{
    const sl_sarif_rule_t *r = rules_find(t, run, comp, id);
    const char *slash = strchr(id, '/');
    if (r == NULL && slash != NULL) {
        char parent[SL_TEST_NAME_MAX + 1];
        size_t n = sl_sarif_cut(id, (size_t)(slash - id), SL_TEST_NAME_MAX);
        memcpy(parent, id, n);
        parent[n] = '\0';
        r = rules_find(t, run, comp, parent);
    }
    return r;
}

char *
sl_sarif_rules_id(const sl_sarif_rules_t *t, const sl_sarif_rule_t *r)
{
    return r->id != RULES_NONE ? t->arena + r->id : NULL;
}

const char *
sl_sarif_rules_msg(const sl_sarif_rules_t *t, const sl_sarif_rule_t *r,
                   const char *id)
{
    for (uint32_t i = 0; i < r->nmsgs; i++) {
        const sl_sarif_msgstr_t *m = &t->msgs[r->msgs + i];
        if (strcmp(t->arena + m->id, id) == 0) {
            return t->arena + m->text;
        }
    }
    return NULL;
}
