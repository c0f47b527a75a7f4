/* The format unit tests' shared scaffolding (fmt_test.h). Failures go
 * through cmocka, so these may only run inside a cmocka test (or group
 * setup/teardown, which report by return code instead). */
#include "fmt_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- temporary files ----------------------------------------------------- */

/* The group state: the directory, the default file name, and the last file
 * written (removed when the next is opened, and at teardown). */
typedef struct ft_tmp {
    char dir[64];
    char name[32];
    char path[128];
} ft_tmp_t;

int
ft_tmp_setup(void **state, const char *prefix, const char *name)
{
    ft_tmp_t *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return -1;
    }
    /* A long TMPDIR would leave no room for the file names. */
    const char *base = getenv("TMPDIR");
    int n = snprintf(t->dir, sizeof t->dir, "%s/%s-XXXXXX",
                     base != NULL && strlen(base) < 40 ? base : "/tmp", prefix);
    int m = snprintf(t->name, sizeof t->name, "%s", name);
    if (n < 0 || (size_t)n >= sizeof t->dir || m < 0 ||
        (size_t)m >= sizeof t->name || mkdtemp(t->dir) == NULL) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

int
ft_tmp_teardown(void **state)
{
    ft_tmp_t *t = *state;
    (void)unlink(t->path); /* the last test's file, if any */
    int rc = rmdir(t->dir);
    free(t);
    return rc;
}

FILE *
ft_tmp_open_as(void **state, const char *name)
{
    ft_tmp_t *t = *state;
    (void)unlink(t->path);
    int n = snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
    assert_true(n > 0 && (size_t)n < sizeof t->path);
    FILE *f = fopen(t->path, "wb");
    assert_non_null(f);
    return f;
}

FILE *
ft_tmp_open(void **state)
{
    return ft_tmp_open_as(state, ((ft_tmp_t *)*state)->name);
}

const char *
ft_tmp_close(void **state, FILE *f)
{
    assert_int_equal(fclose(f), 0);
    return ((ft_tmp_t *)*state)->path;
}

const char *
ft_tmp_write(void **state, const char *name, const char *data, size_t len)
{
    FILE *f = ft_tmp_open_as(state, name);
    assert_int_equal(fwrite(data, 1, len, f), len);
    return ft_tmp_close(state, f);
}

const char *
ft_tmp_doc(void **state, const char *doc)
{
    return ft_tmp_write(state, ((ft_tmp_t *)*state)->name, doc, strlen(doc));
}

/* ---- parsing ------------------------------------------------------------- */

void *
ft_zalloc(size_t size)
{
    void *p = calloc(1, size);
    assert_non_null(p);
    return p;
}

const sl_format_t *
ft_format(const char *name)
{
    const sl_format_t *f = sl_format_find(name);
    if (f == NULL) {
        fail_msg("no format %s in the table", name);
    }
    return f;
}

int
ft_parse(const char *path, const sl_format_t *forced, const char *want,
         const sl_sink_t *sink, sl_err_t *err)
{
    const sl_format_t *used = NULL;
    int rc = sl_format_parse_file(path, forced, sink, &used, err);
    if (rc != SL_OK) {
        return rc;
    }
    if (forced != NULL) {
        assert_ptr_equal(used, forced);
        return rc;
    }
    if (want == NULL) {
        fail_msg("%s was accepted", path);
    }
    assert_ptr_equal(used, ft_format(want));
    return rc;
}

void
ft_expect_error(const char *path, const sl_format_t *forced,
                const sl_sink_t *sink, int rc, const char *rest)
{
    assert_int_not_equal(rc, SL_OK);
    sl_err_t err = {0};
    char want[sizeof err.msg];
    int n = snprintf(want, sizeof want, "%s%s", path, rest);
    assert_true(n > 0 && (size_t)n < sizeof want);
    int got = sl_format_parse_file(path, forced, sink, NULL, &err);
    /* One message with both sides: a wrong code says more with its text. */
    if (got != rc || err.rc != rc || strcmp(err.msg, want) != 0) {
        fail_msg("rc %d (err.rc %d) \"%s\", want rc %d \"%s\"", got, err.rc,
                 err.msg, rc, want);
    }
}

const char *
ft_known_formats(void)
{
    static char buf[256];
    const sl_format_t *table = sl_format_table();
    size_t n = (size_t)snprintf(buf, sizeof buf, ": unknown format (known: ");
    for (const sl_format_t *f = table; f->name != NULL; f++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s",
                              f == table ? "" : ", ", f->name);
        assert_true(n < sizeof buf);
    }
    int w = snprintf(buf + n, sizeof buf - n, ")");
    assert_true(w == 1 && n + 1 < sizeof buf);
    return buf;
}

/* Nonzero when s[len] is well-formed UTF-8 (no overlong forms or
 * surrogates are checked: a cut is what may go wrong here). */
static int
utf8_whole(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if ((c & 0xC0) == 0x80 || i + n > len) {
            return 0;
        }
        for (size_t k = 1; k < n; k++) {
            if (((unsigned char)s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        i += n;
    }
    return 1;
}

void
ft_copy_capped(char *dst, const char *src, size_t cap)
{
    assert_non_null(src);
    size_t n = strlen(src);
    assert_true(n <= cap);           /* the parser's cap, on every record */
    assert_true(utf8_whole(src, n)); /* cut on a character boundary */
    memcpy(dst, src, n + 1);
}

char *
ft_euros(size_t n)
{
    char *p = malloc(n * 3 + 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        memcpy(p + i * 3, "\xE2\x82\xAC", 3);
    }
    p[n * 3] = '\0';
    return p;
}

/* ---- detection ----------------------------------------------------------- */

char *
ft_read_head(const char *path, size_t *len)
{
    char *head = malloc(SL_FORMAT_SNIFF_BYTES);
    assert_non_null(head);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("%s: cannot open it", path);
    }
    *len = fread(head, 1, SL_FORMAT_SNIFF_BYTES, f);
    assert_int_equal(fclose(f), 0);
    assert_true(*len > 0);
    return head;
}

void
ft_assert_sniffed(const char *what, const char *head, size_t len,
                  const char *want)
{
    for (const sl_format_t *f = sl_format_table(); f->name != NULL; f++) {
        int yes = f->sniff(head, len) != 0;
        if (yes != (want != NULL && strcmp(f->name, want) == 0)) {
            fail_msg("%s: sniff of %s says %s", what, f->name,
                     yes ? "yes" : "no");
        }
    }
    const sl_format_t *d = sl_format_detect(head, len);
    if (want == NULL) {
        assert_null(d);
    } else {
        assert_non_null(d);
        assert_string_equal(d->name, want);
    }
}

void
ft_assert_sniffed_file(const char *path, const char *want)
{
    size_t len = 0;
    char *head = ft_read_head(path, &len);
    ft_assert_sniffed(path, head, len, want);
    free(head);
}
