/* The SARIF parser's rules table: every run's tool name and rules (id,
 * default level, security-severity, message strings), built in the first
 * pass over a log and looked up by the second. Capped: see the SARIF_*_MAX
 * below and docs/formats.md. Private to lib/formats (sarif*.c). */
#ifndef SLUICE_FORMATS_SARIF_RULES_H
#define SLUICE_FORMATS_SARIF_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/err.h"

#define SARIF_RUNS_MAX 1024u        /* runs per file */
#define SARIF_RULES_MAX 65536u      /* rules per run (all components) */
#define SARIF_COMPONENTS_MAX 256u   /* rules arrays per run */
#define SARIF_TABLE_MAX (32u << 20) /* bytes of the whole table */

/* SARIF levels; LV_UNSET where a file gives none. */
enum { LV_UNSET = -1, LV_NONE, LV_NOTE, LV_WARNING, LV_ERROR };

typedef struct sl_sarif_rule {
    uint32_t id;   /* arena offset of the NUL-terminated id */
    uint32_t msgs; /* its first message string */
    uint32_t nmsgs;
    uint32_t run;
    uint32_t comp; /* 0: tool.driver; i + 1: tool.extensions[i] */
    int level;     /* defaultConfiguration.level, or LV_UNSET */
    int has_sev;
    double sev;    /* properties["security-severity"] */
} sl_sarif_rule_t;

/* messageStrings kept per rule: a result's message.id is looked up among
 * them one by one, so the cap bounds that work; real tools write a few. */
#define SARIF_MSGS_PER_RULE 64u

typedef struct sl_sarif_msgstr {
    uint32_t id, text; /* arena offsets */
} sl_sarif_msgstr_t;

/* One rules array: its component, where its rules start, how many. */
typedef struct sl_sarif_comp {
    uint32_t which, first, count;
} sl_sarif_comp_t;

typedef struct sl_sarif_run {
    uint32_t tool; /* arena offset of tool.driver.name, or UINT32_MAX */
    uint32_t comps, ncomps;
    uint32_t nrules;
} sl_sarif_run_t;

/* Embedded by its user: _init / _fini. */
typedef struct sl_sarif_rules {
    size_t bytes; /* allocated so far, against SARIF_TABLE_MAX */
    char *arena;
    size_t arena_len, arena_cap;
    sl_sarif_rule_t *rules;
    size_t nrules, rules_cap;
    sl_sarif_msgstr_t *msgs;
    size_t nmsgs, msgs_cap;
    sl_sarif_comp_t *comps;
    size_t ncomps, comps_cap;
    sl_sarif_run_t *runs;
    size_t nruns, runs_cap;
    uint32_t *hash; /* rule index + 1 by (run, comp, id); 0: empty */
    size_t hash_cap;
    char why[96]; /* which cap an SL_ETOOBIG hit */
} sl_sarif_rules_t;

void sl_sarif_rules_init(sl_sarif_rules_t *t);
void sl_sarif_rules_fini(sl_sarif_rules_t *t);

/* s[len] cut at its first NUL and to at most cap bytes on a UTF-8
 * boundary: the length kept. */
size_t sl_sarif_cut(const char *s, size_t len, size_t cap);

/* ---- building (pass 1), in document order ------------------------------
 * Each returns SL_OK, SL_ENOMEM or SL_ETOOBIG (t->why says which cap). */

/* A run begins; the calls below apply to the last run. */
int sl_sarif_rules_add_run(sl_sarif_rules_t *t) SL_NODISCARD;
int sl_sarif_rules_set_tool(sl_sarif_rules_t *t, const char *s, size_t len)
    SL_NODISCARD;
/* A rules array begins: tool.driver (which 0) or tool.extensions[which-1]. */
int sl_sarif_rules_add_comp(sl_sarif_rules_t *t, uint32_t which)
    SL_NODISCARD;
/* A rule begins in the last rules array; *out (valid until the next add)
 * gets it with no id, LV_UNSET and no score. */
int sl_sarif_rules_add_rule(sl_sarif_rules_t *t, sl_sarif_rule_t **out)
    SL_NODISCARD;
/* The last rule's id, and one of its messageStrings (key: its id). */
int sl_sarif_rules_set_id(sl_sarif_rules_t *t, const char *s, size_t len)
    SL_NODISCARD;
int sl_sarif_rules_add_msg(sl_sarif_rules_t *t, const char *key,
                           const char *text, size_t len) SL_NODISCARD;
/* Indexes the rules by id once every rule is in: SL_OK or SL_ENOMEM. */
int sl_sarif_rules_index(sl_sarif_rules_t *t) SL_NODISCARD;

/* ---- looking up (pass 2) ----------------------------------------------- */

/* Strings returned below are the table's (not const only because
 * protobuf-c's are not) and valid until sl_sarif_rules_fini. */

/* tool.driver.name of run, or NULL. */
char *sl_sarif_rules_tool(const sl_sarif_rules_t *t, size_t run);
/* Rule i of the component (0: driver, i + 1: extension i), or NULL. */
const sl_sarif_rule_t *sl_sarif_rules_at(const sl_sarif_rules_t *t,
                                         uint32_t run, uint32_t comp,
                                         uint64_t i);
/* By id: in comp when comp >= 0, else in the driver, then each extension;
 * an id "a/b" not found falls back to "a" (SARIF §3.27.5). NULL if none. */
const sl_sarif_rule_t *sl_sarif_rules_find(const sl_sarif_rules_t *t,
                                           uint32_t run, int64_t comp,
                                           const char *id);
/* The rule's id; NULL while it has none (pass 1). */
char *sl_sarif_rules_id(const sl_sarif_rules_t *t, const sl_sarif_rule_t *r);
/* The text of the rule's messageStrings[id], or NULL. */
const char *sl_sarif_rules_msg(const sl_sarif_rules_t *t,
                               const sl_sarif_rule_t *r, const char *id);

#endif
