/* From a captured SARIF result to a Finding (sarif_result.h): the rule it
 * refers to, its level and severity, its message with placeholders filled
 * in, and its fingerprint. */
#include "sarif_result.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

static const char *const result_levels[] = {"none", "note", "warning",
                                            "error"};
static const char *const result_kinds[] = {
    "fail", "pass", "notApplicable", "informational", "review", "open"};

/* The index of v[len] in names[n], or -1. */
static int
result_lookup(const char *const *names, int n, const char *v, size_t len)
{
    for (int i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], v, len) == 0) {
            return i;
        }
    }
    return -1;
}

int
sl_sarif_level_of(const char *v, size_t len)
{
    return result_lookup(result_levels, 4, v, len);
}

int
sl_sarif_kind_of(const char *v, size_t len)
{
    return result_lookup(result_kinds, 6, v, len);
}

void
sl_sarif_result_init(sl_sarif_result_t *r)
{
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
    r->base = 0;
}

void
sl_sarif_result_begin(sl_sarif_result_t *r, unsigned base)
{
    r->base = base;
    r->has_rule_id = r->has_ref_id = r->has_text = r->has_msg_id = 0;
    r->has_args = r->has_sev = 0;
    r->rule_index = r->ref_index = r->comp_index = -1;
    r->level = LV_UNSET;
    r->kind = KIND_FAIL;
    r->sev = 0.0;
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

int
sl_sarif_pairs_add(sl_sarif_pairs_t *ps, const char *key, const char *v,
                   size_t len)
{
    if (ps->n == SARIF_PAIRS_MAX) {
        return SL_ETOOBIG;
    }
    sl_sarif_pair_t *p = &ps->p[ps->n++];
    size_t n = sl_sarif_cut(key, strlen(key), SL_JSONIN_KEY_MAX);
    memcpy(p->key, key, n);
    p->key[n] = '\0';
    sl_text_clear(&p->value);
    sl_text_append(&p->value, v, len);
    return SL_OK;
}

void
sl_sarif_finding_init(sl_sarif_finding_t *out)
{
    sl_text_init(&out->msg, out->msg_buf, sizeof out->msg_buf);
    out->empty[0] = '\0';
    out->why[0] = '\0';
}

/* ---- the rule, the level, the severity --------------------------------- */

/* The rule r refers to: by index (rule.index or ruleIndex, in
 * rule.toolComponent if given), else by id. *id gets the rule id. */
static int
result_rule(const sl_sarif_result_t *r, const sl_sarif_rules_t *t,
            uint32_t run, sl_sarif_finding_t *out,
            const sl_sarif_rule_t **rule, char **id)
{
    int64_t index = r->ref_index >= 0 ? r->ref_index : r->rule_index;
    if (r->comp_index >= (int64_t)UINT32_MAX) {
        /* past any extension there can be (comp + 1 would wrap to the
         * driver) */
        (void)snprintf(out->why, sizeof out->why,
                       "toolComponent.index %lld is not an extension",
                       (long long)r->comp_index);
        return SL_EINPUT;
    }
    uint32_t comp = r->comp_index >= 0 ? (uint32_t)r->comp_index + 1 : 0;
    *id = r->has_rule_id  ? r->rule_id.data
          : r->has_ref_id ? r->ref_id.data
                          : NULL;
    *rule = NULL;
    if (index >= 0) {
        *rule = sl_sarif_rules_at(t, run, comp, (uint64_t)index);
        if (*rule == NULL && comp != 0) {
            (void)snprintf(out->why, sizeof out->why,
                           "rule index %lld is not a rule of "
                           "tool.extensions[%u]",
                           (long long)index, comp - 1);
            return SL_EINPUT;
        }
        if (*rule == NULL) {
            (void)snprintf(out->why, sizeof out->why,
                           "rule index %lld is not a rule of tool.driver",
                           (long long)index);
            return SL_EINPUT;
        }
    } else if (*id != NULL) {
        *rule = sl_sarif_rules_find(t, run, comp != 0 ? (int64_t)comp : -1,
                                    *id);
    }
    if (*id == NULL) {
        *id = *rule != NULL ? sl_sarif_rules_id(t, *rule) : out->empty;
    }
    return SL_OK;
}

static int
result_level(const sl_sarif_result_t *r, const sl_sarif_rule_t *rule)
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
result_band(double sev)
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
result_severity(const sl_sarif_result_t *r, int level, int has_sev,
                double sev)
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
    return has_sev ? result_band(sev) : by_level[level];
}

/* ---- the message ------------------------------------------------------- */

/* Appends src to out with {N} replaced by arguments[N] and {{ }} by
 * braces (§3.11.5); a placeholder with no kept argument stays. */
static void
result_format(sl_text_t *out, const char *src, const sl_sarif_result_t *r)
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
result_message(const sl_sarif_result_t *r, const sl_sarif_rules_t *t,
               const sl_sarif_rule_t *rule, sl_text_t *out)
{
    const char *src = r->has_text ? r->text.data : r->msg_id.data;
    if (!r->has_text && rule != NULL) {
        const char *text = sl_sarif_rules_msg(t, rule, r->msg_id.data);
        src = text != NULL ? text : src;
    }
    sl_text_clear(out);
    if (r->has_args) {
        result_format(out, src, r);
    } else {
        sl_text_append(out, src, strlen(src));
    }
}

/* ---- the fingerprint --------------------------------------------------- */

static void
result_hash_field(crypto_generichash_state *st, const char *v)
{
    size_t n = strlen(v);
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    (void)crypto_generichash_update(st, len, sizeof len);
    (void)crypto_generichash_update(st, (const unsigned char *)v, n);
}

/* The entries of ps in key order (bytewise), by insertion. */
static void
result_sort(const sl_sarif_pairs_t *ps, unsigned order[SARIF_PAIRS_MAX])
{
    /* Through an array of keys: GCC's -O2 bounds analysis under ASan
     * misreads strcmp on ps->p[order[k]].key as reading past ps. */
    const char *keys[SARIF_PAIRS_MAX];
    unsigned n = ps->n < SARIF_PAIRS_MAX ? ps->n : SARIF_PAIRS_MAX;
    for (unsigned i = 0; i < n; i++) {
        keys[i] = ps->p[i].key;
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned k = i;
        for (; k > 0 && strcmp(keys[order[k - 1]], keys[i]) > 0; k--) {
            order[k] = order[k - 1];
        }
        order[k] = i;
    }
}

/* Hex of BLAKE2b-128 over length-prefixed fields (docs/formats.md): mode,
 * tool, rule id, uri, then the fingerprint entries sorted by key, or the
 * message and the snippet. */
static void
result_fingerprint(const sl_sarif_result_t *r, const char *tool,
                   const char *rule_id, const char *message,
                   char hex[SARIF_FP_HEX])
{
    const sl_sarif_pairs_t *ps = r->partial.n > 0 ? &r->partial
                                 : r->full.n > 0  ? &r->full
                                                  : NULL;
    crypto_generichash_state st;
    (void)crypto_generichash_init(&st, NULL, 0, (SARIF_FP_HEX - 1) / 2);
    result_hash_field(&st, ps == &r->partial ? "partialFingerprints"
                           : ps != NULL      ? "fingerprints"
                                             : "derived");
    result_hash_field(&st, tool);
    result_hash_field(&st, rule_id);
    result_hash_field(&st, r->uri.data);
    if (ps != NULL) {
        unsigned order[SARIF_PAIRS_MAX];
        result_sort(ps, order);
        for (unsigned i = 0; i < ps->n; i++) {
            result_hash_field(&st, ps->p[order[i]].key);
            result_hash_field(&st, ps->p[order[i]].value.data);
        }
    } else {
        result_hash_field(&st, message);
        result_hash_field(&st, r->snippet.data);
    }
    unsigned char out[(SARIF_FP_HEX - 1) / 2];
    (void)crypto_generichash_final(&st, out, sizeof out);
    (void)sodium_bin2hex(hex, SARIF_FP_HEX, out, sizeof out);
}

/* ---- the record -------------------------------------------------------- */

int
sl_sarif_result_finding(const sl_sarif_result_t *r, const sl_sarif_rules_t *t,
                        uint32_t run, sl_sarif_finding_t *out)
{
    char *tool = sl_sarif_rules_tool(t, run);
    if (tool == NULL) {
        (void)snprintf(out->why, sizeof out->why,
                       "the file changed while read");
        return SL_EINPUT;
    }
    const sl_sarif_rule_t *rule = NULL;
    char *rule_id = NULL;
    int rc = result_rule(r, t, run, out, &rule, &rule_id);
    if (rc != SL_OK) {
        return rc;
    }
    int level = result_level(r, rule);
    int has_sev = r->has_sev || (rule != NULL && rule->has_sev);
    double sev = r->has_sev ? r->sev : rule != NULL ? rule->sev : 0.0;
    result_message(r, t, rule, &out->msg);
    result_fingerprint(r, tool, rule_id, out->msg.data, out->fp);
    (void)snprintf(out->level, sizeof out->level, "%s", result_levels[level]);

    Sluice__V1__Finding *f = &out->f;
    sluice__v1__finding__init(f);
    f->tool = tool;
    f->rule_id = rule_id;
    f->level = out->level;
    f->severity = result_severity(r, level, has_sev, sev);
    f->security_severity = has_sev ? sev : 0.0;
    f->has_security_severity = has_sev;
    f->message = out->msg.data;
    f->uri = r->uri.data;
    f->line = r->line;
    f->column = r->column;
    f->fingerprint = out->fp;
    return SL_OK;
}
