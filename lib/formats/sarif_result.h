/* One SARIF result as the parser captures it (fixed, capped buffers), and
 * the Finding it becomes: its rule, level, severity, message and
 * fingerprint (docs/formats.md gives every rule). Private to lib/formats
 * (sarif*.c). */
#ifndef SLUICE_FORMATS_SARIF_RESULT_H
#define SLUICE_FORMATS_SARIF_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "sarif_rules.h"
#include "sluice/formats.h"
#include "sluice/jsonin.h"
#include "sluice/text.h"

#define SARIF_ARGS_MAX 16u  /* message arguments kept */
#define SARIF_PAIRS_MAX 32u /* entries of one (partial)fingerprints */
#define SARIF_FP_HEX 33u    /* 32 hex digits of BLAKE2b-128 and a NUL */

/* result.kind (§3.27.9); absent means fail. */
enum {
    KIND_FAIL, KIND_PASS, KIND_NOTAPPLICABLE, KIND_INFORMATIONAL,
    KIND_REVIEW, KIND_OPEN
};

/* LV_* of a level name, KIND_* of a kind name; -1 for anything else. */
int sl_sarif_level_of(const char *v, size_t len);
int sl_sarif_kind_of(const char *v, size_t len);

typedef struct sl_sarif_pair {
    char key[SL_JSONIN_KEY_MAX + 1];
    sl_text_t value;
    char buf[SL_TEST_NAME_MAX + 1];
} sl_sarif_pair_t;

typedef struct sl_sarif_pairs {
    unsigned n;
    sl_sarif_pair_t p[SARIF_PAIRS_MAX];
} sl_sarif_pairs_t;

typedef struct sl_sarif_result {
    unsigned base; /* level of the open result object; 0: none open */
    int has_rule_id, has_ref_id, has_text, has_msg_id, has_args, has_sev;
    int64_t rule_index, ref_index, comp_index; /* -1: absent */
    int level, kind;
    double sev;
    uint32_t line, column;
    unsigned nargs;
    sl_text_t rule_id, ref_id, msg_id, uri, text, snippet;
    sl_text_t args[SARIF_ARGS_MAX];
    sl_sarif_pairs_t partial, full;
    char rule_id_buf[SL_TEST_NAME_MAX + 1];
    char ref_id_buf[SL_TEST_NAME_MAX + 1];
    char msg_id_buf[SL_TEST_NAME_MAX + 1];
    char uri_buf[SL_TEST_NAME_MAX + 1];
    char text_buf[SL_TEST_MESSAGE_MAX + 1];
    char snippet_buf[SL_TEST_MESSAGE_MAX + 1];
    char args_buf[SARIF_ARGS_MAX][SL_TEST_NAME_MAX + 1];
} sl_sarif_result_t;

/* Binds r's texts to its buffers (once), then empties it for a result
 * object at level base. */
void sl_sarif_result_init(sl_sarif_result_t *r);
void sl_sarif_result_begin(sl_sarif_result_t *r, unsigned base);

/* Adds key = v[len] to ps; SL_ETOOBIG past SARIF_PAIRS_MAX. */
int sl_sarif_pairs_add(sl_sarif_pairs_t *ps, const char *key, const char *v,
                       size_t len) SL_NODISCARD;

/* What a result becomes; the record's strings point into it. */
typedef struct sl_sarif_finding {
    Sluice__V1__Finding f;
    sl_text_t msg;
    char msg_buf[SL_TEST_MESSAGE_MAX + 1];
    char level[8];
    char fp[SARIF_FP_HEX];
    char empty[1];
    char why[96]; /* what was wrong, on SL_EINPUT */
} sl_sarif_finding_t;

void sl_sarif_finding_init(sl_sarif_finding_t *out);

/* Fills out->f from r, a result of run, with the rules of t. The strings
 * are valid while r, t and out are. SL_EINPUT (out->why) when the run is
 * not in t or the result names a rule index that is not there. */
int sl_sarif_result_finding(const sl_sarif_result_t *r,
                            const sl_sarif_rules_t *t, uint32_t run,
                            sl_sarif_finding_t *out) SL_NODISCARD;

#endif
