/* Capped text buffers (sluice/text.h). */
#include "sluice/text.h"

#include <string.h>

static int
text_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
sl_text_init(sl_text_t *t, char *storage, size_t size)
{
    t->data = storage;
    t->size = size;
    sl_text_clear(t);
}

void
sl_text_clear(sl_text_t *t)
{
    t->len = 0;
    t->cut = 0;
    t->data[0] = '\0';
}

void
sl_text_append(sl_text_t *t, const char *s, size_t len)
{
    size_t room = t->size - 1 - t->len;
    if (t->cut) {
        return; /* no holes: once cut, the rest is dropped */
    }
    if (len > room) {
        /* Back up to the first byte of the character that does not fit:
         * UTF-8 continuation bytes are 10xxxxxx. */
        len = room;
        while (len > 0 && ((unsigned char)s[len] & 0xC0u) == 0x80u) {
            len--;
        }
        t->cut = 1;
    }
    memcpy(t->data + t->len, s, len);
    t->len += len;
    t->data[t->len] = '\0';
}

void
sl_text_set(sl_text_t *t, const char *s)
{
    sl_text_clear(t);
    if (s != NULL) {
        sl_text_append(t, s, strlen(s));
    }
}

void
sl_text_rtrim(sl_text_t *t)
{
    while (t->len > 0 && text_is_space(t->data[t->len - 1])) {
        t->len--;
    }
    t->data[t->len] = '\0';
}

/* Length of the UTF-8 sequence that starts with byte c (0: not a lead
 * byte) and the bounds of its second byte, which rule out overlong forms,
 * surrogates and code points past U+10FFFF (RFC 3629, section 4). */
static size_t
text_utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        *lo = c == 0xE0 ? 0xA0 : 0x80;
        *hi = c == 0xED ? 0x9F : 0xBF;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        *lo = c == 0xF0 ? 0x90 : 0x80;
        *hi = c == 0xF4 ? 0x8F : 0xBF;
        return 4;
    }
    return 0;
}

size_t
sl_utf8_bad(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        unsigned char lo, hi;
        size_t n = text_utf8_lead(u[i], &lo, &hi);
        if (n == 0 || len - i < n || u[i + 1] < lo || u[i + 1] > hi) {
            return i;
        }
        for (size_t k = 2; k < n; k++) {
            if ((u[i + k] & 0xC0u) != 0x80u) {
                return i;
            }
        }
        i += n;
    }
    return len;
}

size_t
sl_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lo, hi;
    if (len == 0) {
        return 0;
    }
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t n = text_utf8_lead(u[0], &lo, &hi);
    if (n == 0 || len < n || sl_utf8_bad(s, n) != n) {
        return 0;
    }
    /* the lead byte keeps 5, 4 or 3 bits for 2, 3 or 4 bytes */
    uint32_t c = u[0] & (0x7Fu >> n);
    for (size_t k = 1; k < n; k++) {
        c = (c << 6) | (u[k] & 0x3Fu);
    }
    *cp = c;
    return n;
}
