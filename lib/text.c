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
