/* A safe, streaming wrapper around expat shared by every XML format (JUnit,
 * Cobertura, JaCoCo, ...). Never builds a tree: the caller's callbacks see
 * each start tag, end tag and piece of text once, and memory stays bounded
 * whatever the size of the file.
 *
 * What every document gets, whatever the callbacks:
 * - no namespace processing (names arrive as written, "ns:tag");
 * - a document that declares an entity (general or parameter, internal or
 *   external) is refused, and so is a reference to an entity nobody
 *   declared; no DTD or external entity is ever loaded, so a bare
 *   <!DOCTYPE coverage SYSTEM "http://...dtd"> parses without a fetch;
 * - at most cfg->max_depth nested elements and cfg->token_max bytes in one
 *   token (a tag with its attributes, a comment, ...): SL_ETOOBIG;
 * - malformed, truncated or empty documents and invalid UTF-8: SL_EINPUT.
 *
 * Errors are written "path:LINE:COL: reason" (LINE and COL from 1, COL
 * counted in characters), the reason being expat's text or the caller's. */
#ifndef SLUICE_XML_H
#define SLUICE_XML_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/err.h"
#include "sluice/text.h"

#define SL_XML_DEPTH_MAX 256u        /* default element nesting cap */
#define SL_XML_TOKEN_MAX (4u << 20)  /* default bytes in one token */
#define SL_XML_CHUNK     (64u << 10) /* bytes read from the fd at a time */
/* What expat may allocate for one document: its buffer (a token up to
 * SL_XML_TOKEN_MAX, which it may double while growing) and the names it
 * has seen, which it keeps for the whole parse: a document of ever new
 * element or attribute names is refused here rather than growing. */
#define SL_XML_MEM_MAX   (24u << 20)

/* The parse in progress. It lives inside sl_xml_parse_fd and is valid only
 * during a callback. */
typedef struct sl_xml sl_xml_t;

/* Callbacks return SL_OK to go on or a negative SL_E* to stop the parse,
 * which then returns that code. A callback that stops without calling
 * sl_xml_fail gets "path:LINE:COL: <sl_strerror(rc)>" as its message.
 * Any callback may be NULL. Strings are valid only during the call. */
typedef struct sl_xml_cfg {
    /* attrs: NULL-terminated name, value, name, value, ... */
    int (*start)(void *ctx, sl_xml_t *x, const char *name, const char **attrs);
    int (*end)(void *ctx, sl_xml_t *x, const char *name);
    /* Text (and CDATA) content in UTF-8, in pieces of any size: a text
     * node may arrive in several calls, never split inside a character. */
    int (*text)(void *ctx, sl_xml_t *x, const char *s, size_t len);
    unsigned max_depth; /* 0: SL_XML_DEPTH_MAX */
    size_t token_max;   /* 0: SL_XML_TOKEN_MAX */
    size_t mem_max;     /* 0: SL_XML_MEM_MAX */
} sl_xml_cfg_t;

/* Parses the whole document read from fd (from its current offset to EOF)
 * and calls cfg's callbacks with ctx. The fd stays the caller's: it is read
 * but never closed. path is used only in messages. Returns SL_OK, SL_EINPUT
 * (malformed, truncated, empty, refused), SL_ETOOBIG (a cap), SL_EIO (read
 * failed), SL_ENOMEM, or the code a callback stopped with. */
int sl_xml_parse_fd(int fd, const char *path, const sl_xml_cfg_t *cfg,
                    void *ctx, sl_err_t *err) SL_NODISCARD;

/* From inside a callback: records rc with "path:LINE:COL: <reason>" at the
 * current position (the first failure wins), stops the parse and returns
 * rc, so a callback can end with `return sl_xml_fail(x, SL_EINPUT, ...)`. */
int sl_xml_fail(sl_xml_t *x, int rc, const char *fmt, ...) SL_PRINTF(3, 4);

/* Nesting depth of the current element: 1 for the root. In start and end
 * callbacks it is the depth of that element; in text, of the element that
 * holds the text. */
unsigned sl_xml_depth(const sl_xml_t *x);

/* From inside a callback: parses the attribute value v (named name in the
 * message) as an unsigned decimal from 0 to max into *out, or fails the
 * parse with "bad NAME \"V\" (want 0 to MAX)". */
int sl_xml_u64(sl_xml_t *x, const char *name, const char *v, uint64_t max,
               uint64_t *out) SL_NODISCARD;

/* The value of attribute name in attrs (as given to start), or NULL. */
const char *sl_xml_attr(const char **attrs, const char *name);

/* Looks for the root element's name in the first len bytes of a document
 * (not NUL-terminated), skipping a UTF-8 byte order mark, white space, the
 * XML declaration and other processing instructions, comments and a
 * DOCTYPE. Copies the name (NUL-terminated) into name[cap] and returns 1,
 * or returns 0 when head holds no complete root tag name or it does not
 * fit in cap. */
int sl_xml_sniff_root(const char *head, size_t len, char *name, size_t cap);

#endif
