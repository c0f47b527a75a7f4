/* The keys of a policy: one table (SL_POLICY_KEYS in policy.h) drives the
 * policy file (policy_file.c), sl_policy_set_key, the command-line flags
 * and their --help, so a key and its rules for a value exist once. */
#include "policy_int.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/parse.h"

_Static_assert(SL_POLICY_NKEYS <= 64, "a mask has one bit per key");
/* ENUM values are stored as int. */
_Static_assert(sizeof(sl_flaky_mode_t) == sizeof(int) &&
                   sizeof(sl_count_mode_t) == sizeof(int) &&
                   sizeof(sl_bench_method_t) == sizeof(int) &&
                   sizeof(sl_bench_dir_t) == sizeof(int),
               "enums are ints");

#define PK_FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)

/* clang-format off */
#define PK_ENTRY(id, nm, kind, field, lo, hi, arg, help)                       \
    [SL_PK_##id] = {nm, PK_##kind, PK_FIELD(sl_policy_t, field), lo, hi, arg,  \
                    help},
const sl_pk_t sl_pk_keys[SL_POLICY_NKEYS] = {SL_POLICY_KEYS(PK_ENTRY)};

const sl_pk_t sl_pk_rule_keys[RK_N] = {
    [RK_MATCH] = {"match", PK_NAME, PK_FIELD(sl_bench_rule_t, match), 0, 0,
                  "GLOB", NULL},
    [RK_DIRECTION] = {"direction", PK_ENUM,
                      PK_FIELD(sl_bench_rule_t, direction), 0, 0,
                      "auto|lower|higher", NULL},
    [RK_METHOD] = {"method", PK_ENUM, PK_FIELD(sl_bench_rule_t, method), 0,
                   0, "percent|zscore|welch|iqr", NULL},
    [RK_WINDOW] = {"window", PK_U32, PK_FIELD(sl_bench_rule_t, window), 1,
                   1000, "N", NULL},
    [RK_MIN_HISTORY] = {"min_history", PK_U32,
                        PK_FIELD(sl_bench_rule_t, min_history), 1, 1000, "N",
                        NULL},
    [RK_WARN] = {"warn", PK_THRESH, PK_FIELD(sl_bench_rule_t, warn), 0, 1e6,
                 "T|off", NULL},
    [RK_FAIL] = {"fail", PK_THRESH, PK_FIELD(sl_bench_rule_t, fail), 0, 1e6,
                 "T|off", NULL},
    [RK_MIN_CHANGE] = {"min_change", PK_NUM,
                       PK_FIELD(sl_bench_rule_t, min_change), 0, 1e6, "PCT",
                       NULL},
};
/* clang-format on */

void
sl_policy_method_defaults(sl_bench_method_t m, double *warn, double *fail)
{
    static const double w[] = {10, 2, 0.01, 1.5}, f[] = {20, 3, 0.001, 3};
    size_t i = (size_t)m < sizeof w / sizeof w[0] ? (size_t)m : 0;
    *warn = w[i];
    *fail = f[i];
}

/* ---- text ------------------------------------------------------------ */

const char *
sl_pk_shown(const char *s, size_t n, char *buf, size_t cap)
{
    size_t i = 0;
    for (; i < n && i + 4 < cap && i < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (i < n) {
        memcpy(buf + i, "...", 4);
    } else {
        buf[i] = '\0';
    }
    return buf;
}

/* A number for a message: whole ones without a fraction. */
static const char *
num_text(double v, char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "%.10g", v);
    return buf;
}

/* The value s[0..len) as a message shows it after "not ". */
static const char *
described(const char *s, size_t len, sl_pk_style_t style, char *buf,
          size_t cap)
{
    char v[48];
    if (len == 0 && style != PK_QUOTED) {
        return "an empty value";
    }
    (void)snprintf(buf, cap, "%s'%s'",
                   style == PK_QUOTED ? "the quoted string " : "",
                   sl_pk_shown(s, len, v, sizeof v));
    return buf;
}

/* Nonzero when '-' and '_' aside, a[0..n) is the key name b. */
static int
same_name(const char *a, size_t n, const char *b)
{
    size_t i = 0;
    for (; i < n && b[i] != '\0'; i++) {
        char c = a[i] == '-' ? '_' : a[i];
        if (c != b[i]) {
            return 0;
        }
    }
    return i == n && b[i] == '\0';
}

const sl_pk_t *
sl_pk_find(const char *s, size_t n)
{
    for (size_t k = 0; k < SL_POLICY_NKEYS; k++) {
        if (same_name(s, n, sl_pk_keys[k].name)) {
            return &sl_pk_keys[k];
        }
    }
    return NULL;
}

/* Edit distance of a and b, or 3 when it is more than 2. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[65];
    if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2) {
        return 3;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 2 ? 3 : row[lb];
}

const char *
sl_pk_suggest(const sl_pk_t *keys, size_t n, const char *s)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(s, keys[i].name);
        if (d < best_d) {
            best = keys[i].name;
            best_d = d;
        }
    }
    return best;
}

/* ---- values ------------------------------------------------------------ */

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

/* digits[.digits] from lo to hi into *out: SL_EINVAL for another form,
 * SL_ETOOBIG out of range. */
static int
parse_decimal(const char *s, double lo, double hi, double *out)
{
    double v = 0;
    int rc = sl_policy_parse_pct(s, &v); /* the grammar; 100 is no limit */
    if (rc == SL_ETOOBIG) {
        v = strtod(s, NULL); /* checked digits[.digits] */
        rc = SL_OK;
    }
    if (rc != SL_OK) {
        return rc;
    }
    if (!(v >= lo && v <= hi)) {
        return SL_ETOOBIG;
    }
    *out = v;
    return SL_OK;
}

/* The index of word s among "a|b|c", or -1. */
static int
word_index(const char *words, const char *s, size_t len)
{
    int i = 0;
    for (const char *w = words; *w != '\0'; i++) {
        size_t n = strcspn(w, "|");
        if (n == len && memcmp(w, s, n) == 0) {
            return i;
        }
        w += n + (w[n] == '|');
    }
    return -1;
}

/* Nonzero when s[0..len) holds a control byte (NUL included). */
static int
has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return 1;
        }
    }
    return 0;
}

void
sl_pk_wanted(const sl_pk_t *k, char *buf, size_t cap)
{
    char lo[32], hi[32];
    (void)num_text(k->lo, lo, sizeof lo);
    (void)num_text(k->hi, hi, sizeof hi);
    switch (k->kind) {
    case PK_MAX:
        (void)snprintf(buf, cap, "a whole number or unlimited");
        break;
    case PK_PCT:
    case PK_PCT_OFF:
        (void)snprintf(buf, cap, "a percentage from %s to %s%s", lo, hi,
                       k->kind == PK_PCT_OFF ? ", or off" : "");
        break;
    case PK_RATE:
    case PK_NUM:
        (void)snprintf(buf, cap, "a number from %s to %s", lo, hi);
        break;
    case PK_THRESH:
        (void)snprintf(buf, cap, "a number from %s to %s, or off", lo, hi);
        break;
    case PK_U32:
        (void)snprintf(buf, cap, "a whole number from %s to %s", lo, hi);
        break;
    case PK_ENUM: {
        char w[64];
        (void)snprintf(w, sizeof w, "%s", k->arg);
        for (char *c = w; *c != '\0'; c++) {
            *c = *c == '|' ? '/' : *c;
        }
        (void)snprintf(buf, cap, "one of %s", w);
        break;
    }
    case PK_NAME:
        (void)snprintf(buf, cap, "a name without control characters");
        break;
    case PK_GLOBS:
        (void)snprintf(buf, cap, "a list of branch globs");
        break;
    case PK_URL:
        (void)snprintf(buf, cap, "an http:// or https:// URL");
        break;
    case PK_CMD:
        (void)snprintf(buf, cap, "a command without control characters");
        break;
    case PK_DUR:
        (void)snprintf(buf, cap, "a duration from 1ms to 10m (500ms, 5s)");
        break;
    case PK_RULES:
        (void)snprintf(buf, cap, "a list of benchmark rules");
        break;
    }
}

/* A number (kinds MAX to THRESH) of s into *at. */
static int
parse_number(const sl_pk_t *k, const char *s, void *at)
{
    int off = k->kind == PK_PCT_OFF || k->kind == PK_THRESH;
    if (off && strcmp(s, "off") == 0) {
        *(double *)at = -1;
        return SL_OK;
    }
    switch (k->kind) {
    case PK_MAX:
        return sl_policy_parse_max(s, at);
    case PK_U32: {
        uint64_t v = 0;
        if (s[0] == '\0' || s[strspn(s, "0123456789")] != '\0') {
            return SL_EINVAL;
        }
        if (sl_parse_u64(s, (uint64_t)k->lo, (uint64_t)k->hi, &v) != SL_OK) {
            return SL_ETOOBIG;
        }
        *(uint32_t *)at = (uint32_t)v;
        return SL_OK;
    }
    default:
        return parse_decimal(s, k->lo, k->hi, at);
    }
}

/* Comma-separated globs of s into p->protected_branches ("": none). */
static int
parse_globs(const char *s, sl_policy_t *p, char *why, size_t cap)
{
    char tmp[SL_POLICY_GLOBS][SL_POLICY_NAME_MAX];
    size_t n = 0;
    char v[48];
    for (const char *g = s; *s != '\0';) {
        size_t len = strcspn(g, ",");
        if (n == SL_POLICY_GLOBS) {
            (void)snprintf(why, cap, "more than %d globs", SL_POLICY_GLOBS);
            return SL_EINVAL;
        }
        if (len == 0 || len >= SL_POLICY_NAME_MAX || has_control(g, len)) {
            (void)snprintf(why, cap,
                           "want globs separated by commas, not '%s'",
                           sl_pk_shown(s, strlen(s), v, sizeof v));
            return SL_EINVAL;
        }
        memcpy(tmp[n], g, len);
        tmp[n++][len] = '\0';
        if (g[len] == '\0') {
            break;
        }
        g += len + 1;
    }
    memcpy(p->protected_branches, tmp, n * sizeof tmp[0]);
    p->n_protected = n;
    return SL_OK;
}

/* A text value (kinds NAME, URL, CMD) into the char array at. */
static int
parse_text(const sl_pk_t *k, const char *s, size_t len, sl_pk_style_t style,
           char *at)
{
    if (len == 0 && (style == PK_PLAIN || k->kind == PK_NAME)) {
        return SL_EINVAL;
    }
    if (len >= k->size) {
        return SL_ETOOBIG;
    }
    if (has_control(s, len) || strlen(s) != len) {
        return SL_EINVAL;
    }
    if (k->kind == PK_URL && len > 0) {
        size_t scheme = strncmp(s, "https://", 8) == 0  ? 8
                        : strncmp(s, "http://", 7) == 0 ? 7
                                                        : 0;
        if (scheme == 0 || s[scheme] == '\0' || s[scheme] == '/' ||
            strchr(s, ' ') != NULL) {
            return SL_EINVAL;
        }
    }
    memcpy(at, s, len + 1);
    return SL_OK;
}

/* Why s[0..len) is not a value of k: rc SL_ETOOBIG is out of range. */
static void
value_error(const sl_pk_t *k, const char *s, size_t len, sl_pk_style_t style,
            int rc, char *why, size_t cap)
{
    char want[96], v[96], lo[32], hi[32];
    if (rc == SL_ETOOBIG && k->kind >= PK_NAME) {
        (void)snprintf(why, cap, "longer than %zu bytes", k->size - 1);
    } else if (rc == SL_ETOOBIG && k->kind == PK_MAX) {
        (void)snprintf(why, cap,
                       "%s is out of range (at most 18446744073709551614, "
                       "or unlimited)",
                       sl_pk_shown(s, len, v, sizeof v));
    } else if (rc == SL_ETOOBIG) {
        (void)snprintf(why, cap, "%s is out of range (%s to %s)",
                       sl_pk_shown(s, len, v, sizeof v),
                       num_text(k->lo, lo, sizeof lo),
                       num_text(k->hi, hi, sizeof hi));
    } else {
        sl_pk_wanted(k, want, sizeof want);
        (void)snprintf(why, cap, "want %s, not %s", want,
                       described(s, len, style, v, sizeof v));
    }
}

int
sl_pk_parse(const sl_pk_t *k, const char *s, size_t len, sl_pk_style_t style,
            void *base, char *why, size_t cap)
{
    char *at = (char *)base + k->off;
    int rc = SL_EINVAL;
    int nul = strlen(s) != len; /* a quoted YAML string may hold a NUL */
    if (k->kind <= PK_THRESH) {
        /* Numbers are plain: a quoted "3" is a string. Words may be
         * quoted. */
        int word = strcmp(s, "unlimited") == 0 || strcmp(s, "off") == 0;
        if (!nul && (style != PK_QUOTED || word)) {
            rc = parse_number(k, s, at);
        }
    } else if (k->kind == PK_ENUM) {
        int i = nul ? -1 : word_index(k->arg, s, len);
        if (i >= 0 && !(len == 0 && style == PK_PLAIN)) {
            memcpy(at, &i, sizeof i);
            rc = SL_OK;
        }
    } else if (k->kind == PK_DUR) {
        uint64_t ms = 0;
        if (!nul && sl_parse_duration_ms(s, (uint64_t)k->hi, &ms) == SL_OK &&
            ms >= (uint64_t)k->lo) {
            *(uint64_t *)(void *)at = ms;
            rc = SL_OK;
        }
    } else if (k->kind == PK_GLOBS && !nul && style == PK_ARG) {
        return parse_globs(s, base, why, cap);
    } else if (k->kind == PK_NAME || k->kind == PK_URL || k->kind == PK_CMD) {
        rc = parse_text(k, s, len, style, at);
    }
    if (rc != SL_OK) {
        value_error(k, s, len, style, rc, why, cap);
    }
    return rc;
}

/* ---- rules --------------------------------------------------------------- */

static int
thresh_check(const sl_bench_rule_t *r, const sl_pk_names_t *nm, int which,
             char *why, size_t cap)
{
    double v = which == RF_WARN ? r->warn : r->fail;
    int i = which == RF_WARN ? 1 : 2;
    char a[32];
    if (v < 0) {
        return 0;
    }
    if (r->method == SL_BENCH_WELCH && !(v > 0 && v < 1)) {
        (void)snprintf(why, cap,
                       "%s %s%s is not a p-value (above 0, below 1) as "
                       "%s welch%s needs",
                       nm->name[i], num_text(v, a, sizeof a), nm->from[i],
                       nm->name[0], nm->from[0]);
        return which | RF_METHOD;
    }
    if (r->method != SL_BENCH_PERCENT && !(v > 0)) {
        (void)snprintf(why, cap, "%s 0%s must be above 0 for %s %s%s",
                       nm->name[i], nm->from[i], nm->name[0],
                       r->method == SL_BENCH_ZSCORE ? "zscore" : "iqr",
                       nm->from[0]);
        return which | RF_METHOD;
    }
    return 0;
}

int
sl_pk_rule_check(const sl_bench_rule_t *r, const sl_pk_names_t *nm, char *why,
                 size_t cap)
{
    char a[32], b[32];
    int bad = thresh_check(r, nm, RF_WARN, why, cap);
    bad = bad != 0 ? bad : thresh_check(r, nm, RF_FAIL, why, cap);
    if (bad != 0) {
        return bad;
    }
    int welch = r->method == SL_BENCH_WELCH;
    if (r->warn >= 0 && r->fail >= 0 &&
        (welch ? !(r->warn > r->fail) : !(r->warn < r->fail))) {
        (void)snprintf(why, cap,
                       "%s %s%s is not %s %s %s%s: a warning must come "
                       "before a failure",
                       nm->name[1], num_text(r->warn, a, sizeof a),
                       nm->from[1], welch ? "above" : "below", nm->name[2],
                       num_text(r->fail, b, sizeof b), nm->from[2]);
        return RF_WARN | RF_FAIL;
    }
    if (r->min_history > r->window) {
        (void)snprintf(why, cap, "%s %u%s is more than %s %u%s", nm->name[4],
                       r->min_history, nm->from[4], nm->name[3], r->window,
                       nm->from[3]);
        return RF_MIN_HISTORY | RF_WINDOW;
    }
    return 0;
}

const sl_bench_rule_t *
sl_policy_bench_rule(const sl_policy_t *p, const char *name)
{
    for (size_t i = 0; i < p->n_bench && i < SL_POLICY_BENCH_RULES; i++) {
        if (fnmatch(p->bench[i].match, name, 0) == 0) {
            return &p->bench[i];
        }
    }
    return &p->bench_default;
}

int
sl_policy_protected(const sl_policy_t *p, const char *branch)
{
    if (branch == NULL || branch[0] == '\0') {
        return 0;
    }
    for (size_t i = 0; i < p->n_protected && i < SL_POLICY_GLOBS; i++) {
        if (fnmatch(p->protected_branches[i], branch, 0) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- flags --------------------------------------------------------------- */

/* "--max-test-failures" for k. */
static const char *
flag_name(const sl_pk_t *k, char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "--%s", k->name);
    for (char *c = buf; *c != '\0'; c++) {
        *c = *c == '_' ? '-' : *c;
    }
    return buf;
}

int
sl_policy_set_key(sl_policy_t *p, sl_policy_mask_t *mask, const char *key,
                  const char *value, sl_err_t *err)
{
    const sl_pk_t *k = sl_pk_find(key, strlen(key));
    char flag[64], why[200];
    if (k == NULL || k->kind == PK_RULES) {
        return sl_err_set(err, SL_EINVAL, "unknown threshold '%s'%s", key,
                          k != NULL ? " (benchmarks: in a policy file only)"
                                    : "");
    }
    if (sl_pk_parse(k, value, strlen(value), PK_ARG, p, why, sizeof why) !=
        SL_OK) {
        return sl_err_set(err, SL_EINVAL, "%s: %s",
                          flag_name(k, flag, sizeof flag), why);
    }
    size_t id = (size_t)(k - sl_pk_keys);
    *mask |= SL_POLICY_BIT(id);
    if (id == SL_PK_BENCH_METHOD) {
        double w, f;
        sl_policy_method_defaults(p->bench_default.method, &w, &f);
        if (!(*mask & SL_POLICY_BIT(SL_PK_WARN_REGRESSION))) {
            p->bench_default.warn = w;
        }
        if (!(*mask & SL_POLICY_BIT(SL_PK_MAX_REGRESSION))) {
            p->bench_default.fail = f;
        }
    }
    return SL_OK;
}

int
sl_policy_flag(sl_policy_t *p, sl_policy_mask_t *mask, int argc, char **argv,
               int *i, sl_err_t *err)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0) {
        return 0;
    }
    const char *eq = strchr(a + 2, '=');
    size_t len = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
    const sl_pk_t *k = sl_pk_find(a + 2, len);
    char flag[64];
    if (k == NULL || k->kind == PK_RULES) {
        return 0;
    }
    if (eq == NULL && *i + 1 >= argc) {
        (void)sl_err_set(err, SL_EINVAL, "%s needs a value",
                         flag_name(k, flag, sizeof flag));
        return -1;
    }
    const char *v = eq != NULL ? eq + 1 : argv[*i + 1];
    if (sl_policy_set_key(p, mask, k->name, v, err) != SL_OK) {
        return -1;
    }
    *i += eq != NULL ? 1 : 2;
    return 1;
}

/* Nonzero when arg is "--name" (no "=") of an option of opts that takes a
 * value, so the argument after it is that value. */
static int
takes_value(const sl_opt_t *opts, const char *arg)
{
    if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL) {
        return 0;
    }
    for (const sl_opt_t *o = opts; o != NULL && o->name != NULL; o++) {
        if (strcmp(o->name, arg + 2) == 0) {
            return o->type != SL_OPT_FLAG && o->type != SL_OPT_DUR_OPT;
        }
    }
    return 0;
}

int
sl_policy_take_flags(const sl_opt_t *opts, sl_policy_t *p,
                     sl_policy_mask_t *mask, int *argc, char **argv,
                     sl_err_t *err)
{
    int out = 1, i = 1;
    while (i < *argc) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc) {
                argv[out++] = argv[i++];
            }
            break;
        }
        int took = sl_policy_flag(p, mask, *argc, argv, &i, err);
        if (took < 0) {
            return SL_EINVAL;
        }
        if (took > 0) {
            continue;
        }
        int pair = takes_value(opts, argv[i]) && i + 1 < *argc;
        argv[out++] = argv[i++];
        if (pair) {
            argv[out++] = argv[i++];
        }
    }
    *argc = out;
    return SL_OK;
}

/* ---- help ---------------------------------------------------------------- */

void
sl_pk_format(const sl_pk_t *k, const void *base, char *buf, size_t cap)
{
    const char *at = (const char *)base + k->off;
    double d = 0;
    uint64_t u = 0;
    uint32_t u32 = 0;
    int i = 0;
    switch (k->kind) {
    case PK_MAX:
        memcpy(&u, at, sizeof u);
        if (u == SL_POLICY_UNLIMITED) {
            (void)snprintf(buf, cap, "unlimited");
        } else {
            (void)snprintf(buf, cap, "%llu", (unsigned long long)u);
        }
        return;
    case PK_U32:
        memcpy(&u32, at, sizeof u32);
        (void)snprintf(buf, cap, "%u", u32);
        return;
    case PK_ENUM: {
        memcpy(&i, at, sizeof i);
        const char *w = k->arg;
        for (; i > 0 && strchr(w, '|') != NULL; i--) {
            w = strchr(w, '|') + 1;
        }
        (void)snprintf(buf, cap, "%.*s", (int)strcspn(w, "|"), w);
        return;
    }
    case PK_DUR:
        memcpy(&u, at, sizeof u);
        if (u % 1000 == 0) {
            (void)snprintf(buf, cap, "%llus", (unsigned long long)u / 1000);
        } else {
            (void)snprintf(buf, cap, "%llums", (unsigned long long)u);
        }
        return;
    case PK_NAME:
    case PK_URL:
    case PK_CMD:
        (void)snprintf(buf, cap, "%s", at[0] != '\0' ? at : "none");
        return;
    case PK_GLOBS:
    case PK_RULES:
        (void)snprintf(buf, cap, "none");
        return;
    default: /* the numbers */
        memcpy(&d, at, sizeof d);
        if (d < 0) {
            (void)snprintf(buf, cap, "off");
        } else {
            (void)num_text(d, buf, cap);
        }
        return;
    }
}

#define NBSP '\x1f' /* a space wrapped() does not break at */

/* Prints the words of text from column col on, wrapped before column 80
 * and indented by indent on the lines after the first. */
static void
wrapped(FILE *out, const char *text, size_t col, size_t indent)
{
    int fresh = 1; /* nothing on this line yet */
    for (const char *w = text + strspn(text, " "); *w != '\0';) {
        size_t n = strcspn(w, " ");
        if (!fresh && col + 1 + n >= 80) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
            fresh = 1;
        }
        fprintf(out, "%s", fresh ? "" : " ");
        for (size_t i = 0; i < n; i++) { /* NBSP: a space kept */
            fputc(w[i] == NBSP ? ' ' : w[i], out);
        }
        col += n + (fresh ? 0 : 1);
        fresh = 0;
        w += n;
        w += strspn(w, " ");
    }
    fputc('\n', out);
}

void
sl_policy_flags_help(FILE *out)
{
    sl_policy_t d;
    sl_policy_defaults(&d);
    for (size_t i = 0; i < SL_POLICY_NKEYS; i++) {
        const sl_pk_t *k = &sl_pk_keys[i];
        char left[64], flag[48], def[SL_POLICY_NAME_MAX], text[512];
        if (k->kind == PK_RULES) {
            continue;
        }
        (void)snprintf(left, sizeof left, "%s %s",
                       flag_name(k, flag, sizeof flag),
                       k->kind == PK_ENUM ? "WORD" : k->arg);
        sl_pk_format(k, &d, def, sizeof def);
        if (i == SL_PK_PROTECTED_BRANCHES) {
            (void)snprintf(def, sizeof def, "the baseline branch");
        }
        for (char *c = def; *c != '\0'; c++) {
            *c = *c == ' ' ? NBSP : *c;
        }
        (void)snprintf(text, sizeof text, "%s%s%s (default%c%s)", k->help,
                       k->kind == PK_ENUM ? ": " : "",
                       k->kind == PK_ENUM ? k->arg : "", NBSP, def);
        /* as sl_opt_help aligns the options */
        fprintf(out, "  %-26s ", left);
        wrapped(out, text, 3 + (strlen(left) > 26 ? strlen(left) : 26), 29);
    }
}

/* ---- snapshot ------------------------------------------------------------ */

/* s as a YAML double-quoted scalar. */
static void
yaml_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            fprintf(out, "\\%c", *c);
        } else if (*c < 0x20 || *c == 0x7f) {
            fprintf(out, "\\x%02x", *c);
        } else {
            fputc(*c, out);
        }
    }
    fputc('"', out);
}

static void
yaml_value(FILE *out, const sl_pk_t *k, const void *base)
{
    if (k->kind == PK_NAME || k->kind == PK_URL || k->kind == PK_CMD) {
        yaml_quoted(out, (const char *)base + k->off);
        return;
    }
    char buf[SL_POLICY_NAME_MAX + 64];
    sl_pk_format(k, base, buf, sizeof buf);
    fputs(buf, out);
}

int
sl_policy_snapshot(const sl_policy_t *p, char **out)
{
    size_t len = 0;
    *out = NULL;
    FILE *f = open_memstream(out, &len);
    if (f == NULL) {
        return SL_ENOMEM;
    }
    fputs("defaults:\n", f);
    for (size_t i = 0; i < SL_POLICY_NKEYS; i++) {
        const sl_pk_t *k = &sl_pk_keys[i];
        fprintf(f, "  %s: ", k->name);
        if (k->kind == PK_GLOBS) {
            fputc('[', f);
            for (size_t g = 0; g < p->n_protected; g++) {
                fputs(g > 0 ? ", " : "", f);
                yaml_quoted(f, p->protected_branches[g]);
            }
            fputs("]\n", f);
        } else if (k->kind == PK_RULES) {
            fputs(p->n_bench == 0 ? "[]\n" : "\n", f);
            for (size_t r = 0; r < p->n_bench; r++) {
                fputs("    - {", f);
                for (size_t j = 0; j < RK_N; j++) {
                    fprintf(f, "%s%s: ", j > 0 ? ", " : "",
                            sl_pk_rule_keys[j].name);
                    yaml_value(f, &sl_pk_rule_keys[j], &p->bench[r]);
                }
                fputs("}\n", f);
            }
        } else {
            yaml_value(f, k, p);
            fputc('\n', f);
        }
    }
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        return SL_ENOMEM;
    }
    return SL_OK;
}
