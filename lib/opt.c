#include "sluice/opt.h"

#include <stdlib.h>
#include <string.h>

#include "sluice/parse.h"

static const sl_opt_t *
find(const sl_opt_t *t, const char *name, size_t len)
{
    for (; t->name != NULL; t++) {
        if (strlen(t->name) == len && strncmp(t->name, name, len) == 0) {
            return t;
        }
    }
    return NULL;
}

static int
set_value(const sl_opt_t *o, void *cfg, const char *v, sl_err_t *err)
{
    char *base = cfg;
    uint64_t *u = (uint64_t *)(void *)(base + o->off);
    int rc = SL_OK;
    switch (o->type) {
    case SL_OPT_STR:
        *(const char **)(void *)(base + o->off) = v;
        return SL_OK;
    case SL_OPT_FLAG:
        *(int *)(void *)(base + o->off) = 1;
        return SL_OK;
    case SL_OPT_U64:
        rc = sl_parse_u64(v, o->min, o->max, u);
        break;
    case SL_OPT_DUR:
    case SL_OPT_DUR_OPT:
        rc = sl_parse_duration_ms(v, o->max, u);
        rc = rc == SL_OK && *u < o->min ? SL_EINVAL : rc;
        break;
    case SL_OPT_SIZE:
        rc = sl_parse_size(v, o->max, u);
        rc = rc == SL_OK && *u < o->min ? SL_EINVAL : rc;
        break;
    }
    if (rc != SL_OK) {
        return sl_err_set(err, SL_EINVAL, "--%s: invalid value '%s'",
                          o->name, v);
    }
    return SL_OK;
}

static int
apply_defaults(const sl_opt_t *t, void *cfg, sl_err_t *err)
{
    for (; t->name != NULL; t++) {
        const char *env = t->env ? getenv(t->env) : NULL;
        const char *v = env != NULL && *env != '\0' ? env : t->def;
        if (v == NULL || (t->type == SL_OPT_FLAG && v == t->def)) {
            continue;
        }
        if (t->type == SL_OPT_DUR_OPT && v == t->def) {
            continue;
        }
        int rc = set_value(t, cfg, v, err);
        if (rc != SL_OK) {
            return rc;
        }
    }
    return SL_OK;
}

/* Handles argv[*i], an argument starting with "--". */
static int
parse_one(const sl_opt_t *t, void *cfg, int argc, char **argv, int *i,
          sl_err_t *err)
{
    const char *a = argv[*i] + 2;
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    const sl_opt_t *o = find(t, a, len);
    if (o == NULL) {
        return sl_err_set(err, SL_EINVAL, "unknown option --%.*s (see --help)",
                          (int)len, a);
    }
    if (o->type == SL_OPT_FLAG) {
        return eq ? sl_err_set(err, SL_EINVAL, "--%s takes no value", o->name)
                  : set_value(o, cfg, NULL, err);
    }
    if (o->type == SL_OPT_DUR_OPT) {
        return set_value(o, cfg, eq ? eq + 1 : o->implicit, err);
    }
    if (eq != NULL) {
        return set_value(o, cfg, eq + 1, err);
    }
    if (*i + 1 >= argc) {
        return sl_err_set(err, SL_EINVAL, "--%s needs a value", o->name);
    }
    (*i)++;
    return set_value(o, cfg, argv[*i], err);
}

int
sl_opt_parse(const sl_opt_t *table, void *cfg, int argc, char **argv,
             int *nrest, char **rest, sl_err_t *err)
{
    int rc = apply_defaults(table, cfg, err);
    int only_pos = 0;
    *nrest = 0;
    for (int i = 0; rc == SL_OK && i < argc; i++) {
        if (!only_pos && strcmp(argv[i], "--") == 0) {
            only_pos = 1;
        } else if (!only_pos && strncmp(argv[i], "--", 2) == 0) {
            rc = parse_one(table, cfg, argc, argv, &i, err);
        } else if (!only_pos && strcmp(argv[i], "-h") == 0) {
            static char help[] = "--help";
            char *h[] = {help};
            int zero = 0;
            rc = parse_one(table, cfg, 1, h, &zero, err);
        } else {
            rest[(*nrest)++] = argv[i];
        }
    }
    return rc;
}

void
sl_opt_help(const sl_opt_t *t, FILE *out)
{
    for (; t->name != NULL; t++) {
        char left[64];
        (void)snprintf(left, sizeof left, "--%s%s%s", t->name,
                       t->arg ? (t->type == SL_OPT_DUR_OPT ? "[=" : " ") : "",
                       t->arg ? t->arg : "");
        if (t->type == SL_OPT_DUR_OPT && t->arg) {
            size_t n = strlen(left);
            (void)snprintf(left + n, sizeof left - n, "]");
        }
        fprintf(out, "  %-26s %s", left, t->help);
        if (t->def != NULL && t->type != SL_OPT_FLAG) {
            fprintf(out, " (default %s)", t->def);
        }
        if (t->env != NULL) {
            fprintf(out, " [env %s]", t->env);
        }
        fputc('\n', out);
    }
}
