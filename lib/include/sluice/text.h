/* Text with a hard cap, for what parsers keep of hostile input. */
#ifndef SLUICE_TEXT_H
#define SLUICE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* A text buffer with a hard cap over caller-owned storage: appends past the
 * cap are cut on a UTF-8 character boundary and the rest dropped (cut is
 * set). data is always NUL-terminated. No allocation. */
typedef struct sl_text {
    char *data;
    size_t size; /* bytes of storage, NUL included; >= 1 */
    size_t len;
    int cut; /* nonzero once something was dropped */
} sl_text_t;

/* Uses storage[size] (size >= 1) for t and empties it. */
void sl_text_init(sl_text_t *t, char *storage, size_t size);
/* Empties t. */
void sl_text_clear(sl_text_t *t);
/* Appends s[len] within the cap. */
void sl_text_append(sl_text_t *t, const char *s, size_t len);
/* Replaces the content with the NUL-terminated s (NULL: empty). */
void sl_text_set(sl_text_t *t, const char *s);
/* Drops trailing white space (space, tab, CR, LF). */
void sl_text_rtrim(sl_text_t *t);

/* The offset of the first byte of s[len] that does not start a valid UTF-8
 * character (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF), or len when all of it is valid. */
size_t sl_utf8_bad(const char *s, size_t len);

/* The length in bytes of the valid UTF-8 character starting s[len] (1 to
 * 4), with its code point in *cp; 0 when s does not start one (len 0, a
 * bad or cut sequence: the strict rules of sl_utf8_bad). */
size_t sl_utf8_next(const char *s, size_t len, uint32_t *cp);

#endif
