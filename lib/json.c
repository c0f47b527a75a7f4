#include "sluice/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sluice.pb-c.h"
#include "sluice/clock.h"
#include "sluice/text.h"

yajl_gen
sl_json_new(int pretty)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g != NULL) {
        (void)yajl_gen_config(g, yajl_gen_validate_utf8, 1);
        (void)yajl_gen_config(g, yajl_gen_beautify, pretty);
    }
    return g;
}

void
sl_json_str(yajl_gen g, const char *s)
{
    size_t n = strlen(s);
    /* yajl's own check lets overlong forms and surrogates through: the
     * strict one decides. */
    if (sl_utf8_bad(s, n) == n &&
        yajl_gen_string(g, (const unsigned char *)s, n) !=
            yajl_gen_invalid_string) {
        return;
    }
    unsigned char *ascii = malloc(n + 1);
    for (size_t i = 0; ascii != NULL && i < n; i++) {
        ascii[i] = (unsigned char)s[i] < 0x80 ? (unsigned char)s[i] : '?';
    }
    (void)yajl_gen_string(g, ascii != NULL ? ascii : (const unsigned char *)"",
                          ascii != NULL ? n : 0);
    free(ascii);
}

void
sl_json_kstr(yajl_gen g, const char *k, const char *v)
{
    sl_json_str(g, k);
    sl_json_str(g, v);
}

void
sl_json_ku64(yajl_gen g, const char *k, uint64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    sl_json_str(g, k);
    (void)yajl_gen_number(g, num, (size_t)n);
}

/* yajl's own %.20g prints 0.012 as 0.01200000000000000025. */
void
sl_json_num(yajl_gen g, double v)
{
    sl_json_pnum(g, v, 1);
}

void
sl_json_knum(yajl_gen g, const char *k, double v, int present)
{
    sl_json_str(g, k);
    sl_json_pnum(g, v, present);
}

void
sl_json_pnum(yajl_gen g, double v, int present)
{
    char num[32];
    if (!present || !isfinite(v)) {
        (void)yajl_gen_null(g);
        return;
    }
    int n = snprintf(num, sizeof num, "%.15g", v);
    if (strtod(num, NULL) != v) {
        n = snprintf(num, sizeof num, "%.17g", v);
    }
    (void)yajl_gen_number(g, num, (size_t)n);
}

void
sl_json_kbool(yajl_gen g, const char *k, int v)
{
    sl_json_str(g, k);
    (void)yajl_gen_bool(g, v);
}

void
sl_json_ktime(yajl_gen g, const char *k, int64_t us)
{
    char buf[32];
    sl_json_str(g, k);
    if (us == 0) {
        (void)yajl_gen_null(g);
        return;
    }
    sl_json_str(g, sl_time_iso(us, buf));
}

void
sl_json_reasons(yajl_gen g, const struct Sluice__V1__Verdict *v)
{
    sl_json_str(g, "reasons");
    (void)yajl_gen_array_open(g);
    for (size_t i = 0; i < v->n_reasons; i++) {
        const Sluice__V1__Reason *r = v->reasons[i];
        (void)yajl_gen_map_open(g);
        sl_json_kstr(g, "rule", r->rule);
        sl_json_knum(g, "value", r->value, 1);
        sl_json_knum(g, "threshold", r->threshold, 1);
        sl_json_knum(g, "baseline", r->baseline, r->has_baseline);
        sl_json_kstr(g, "message", r->message);
        (void)yajl_gen_map_close(g);
    }
    (void)yajl_gen_array_close(g);
}

int
sl_json_flush(yajl_gen g, FILE *out)
{
    const unsigned char *buf;
    size_t len;
    int rc = SL_OK;
    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok ||
        fwrite(buf, 1, len, out) != len) {
        rc = SL_EIO;
    }
    yajl_gen_clear(g);
    return rc;
}
