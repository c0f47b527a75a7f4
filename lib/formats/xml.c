#include "sluice/xml.h"

#include <errno.h>
#include <expat.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice/parse.h"

struct sl_xml {
    XML_Parser p;
    const sl_xml_cfg_t *cfg;
    void *ctx;
    const char *path;
    sl_err_t *err;
    unsigned depth;
    unsigned max_depth;
    int doctype; /* a DOCTYPE was seen: undeclared entities go unnoticed */
    size_t mem;  /* bytes expat holds */
    size_t mem_max;
    int mem_refused; /* an allocation was refused at SL_XML_MEM_MAX */
    int bom;     /* the document starts with a byte order mark */
    int rc;      /* the first failure; SL_OK while the parse goes on */
};

int
sl_xml_fail(sl_xml_t *x, int rc, const char *fmt, ...)
{
    if (x->rc == SL_OK) {
        char reason[200];
        va_list ap;
        va_start(ap, fmt);
        /* A cut reason is still a useful message. */
        (void)vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        unsigned long line = XML_GetCurrentLineNumber(x->p);
        /* expat counts columns from 0 and a byte order mark as one;
         * editors and compilers count from 1 and see no mark. */
        unsigned long col = XML_GetCurrentColumnNumber(x->p) + 1;
        col -= line == 1 && x->bom && col > 1;
        x->rc = sl_err_set(x->err, rc, "%s:%lu:%lu: %s", x->path, line, col,
                           reason);
    }
    /* Fails harmlessly when called between two XML_ParseBuffer calls. */
    (void)XML_StopParser(x->p, XML_FALSE);
    return rc;
}

unsigned
sl_xml_depth(const sl_xml_t *x)
{
    return x->depth;
}

int
sl_xml_u64(sl_xml_t *x, const char *name, const char *v, uint64_t max,
           uint64_t *out)
{
    if (sl_parse_u64(v, 0, max, out) != SL_OK) {
        return sl_xml_fail(x, SL_EINPUT,
                           "bad %s \"%.40s\" (want 0 to %" PRIu64 ")", name, v,
                           max);
    }
    return SL_OK;
}

const char *
sl_xml_attr(const char **attrs, const char *name)
{
    for (size_t i = 0; attrs != NULL && attrs[i] != NULL; i += 2) {
        if (strcmp(attrs[i], name) == 0) {
            return attrs[i + 1];
        }
    }
    return NULL;
}

/* A callback stopped with rc: keep its message or give it a default one. */
static void
xml_callback_rc(sl_xml_t *x, int rc)
{
    if (rc != SL_OK) {
        (void)sl_xml_fail(x, rc, "%s", sl_strerror(rc));
    }
}

/* Nonzero when p (at an '&') starts a reference that needs no
 * declaration: a character reference or one of the five predefined. */
static int
xml_is_known_ref(const char *p, size_t n)
{
    static const char *const known[] = {"&#",   "&amp;",  "&lt;",
                                        "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t k = strlen(known[i]);
        if (n >= k && memcmp(p, known[i], k) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Once a DOCTYPE names an external DTD (or the internal subset refers to
 * a parameter entity), expat drops an undeclared entity in an attribute
 * value without a word: it might be declared in the DTD it does not read.
 * Every declaration is refused, so any reference but the predefined ones
 * is undeclared: look for one in the raw bytes of the start tag. UTF-16
 * documents (NUL bytes in the tag) are not checked. */
static void
xml_check_attr_refs(sl_xml_t *x)
{
    int off = 0;
    int size = 0;
    const char *buf = XML_GetInputContext(x->p, &off, &size);
    int count = XML_GetCurrentByteCount(x->p);
    if (buf == NULL || count <= 0 || off < 0 || count > size - off) {
        return; /* expat built without XML_CONTEXT_BYTES */
    }
    const char *tag = buf + off;
    size_t n = (size_t)count;
    if (memchr(tag, '\0', n) != NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (tag[i] == '&' && !xml_is_known_ref(tag + i, n - i)) {
            (void)sl_xml_fail(x, SL_EINPUT,
                              "undeclared entity in an attribute value");
            return;
        }
    }
}

static void XMLCALL
xml_on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    sl_xml_t *x = ud;
    /* After XML_StopParser expat may still deliver a few events. */
    if (x->rc != SL_OK) {
        return;
    }
    x->depth++;
    if (x->depth > x->max_depth) {
        (void)sl_xml_fail(x, SL_ETOOBIG, "elements nested deeper than %u",
                          x->max_depth);
        return;
    }
    if (x->doctype) {
        xml_check_attr_refs(x);
    }
    if (x->rc == SL_OK && x->cfg->start != NULL) {
        xml_callback_rc(x, x->cfg->start(x->ctx, x, name, attrs));
    }
}

static void XMLCALL
xml_on_end(void *ud, const XML_Char *name)
{
    sl_xml_t *x = ud;
    if (x->rc != SL_OK) {
        return;
    }
    if (x->cfg->end != NULL) {
        xml_callback_rc(x, x->cfg->end(x->ctx, x, name));
    }
    x->depth--;
}

static void XMLCALL
xml_on_text(void *ud, const XML_Char *s, int len)
{
    sl_xml_t *x = ud;
    if (x->rc != SL_OK || x->cfg->text == NULL || len <= 0) {
        return;
    }
    xml_callback_rc(x, x->cfg->text(x->ctx, x, s, (size_t)len));
}

/* Entities are how XML bombs (billion laughs) and XXE file reads work, and
 * no report format we read needs one: refuse the first declaration. */
static void XMLCALL
xml_on_entity_decl(void *ud, const XML_Char *name, int is_param,
                   const XML_Char *value, int value_len, const XML_Char *base,
                   const XML_Char *system_id, const XML_Char *public_id,
                   const XML_Char *notation)
{
    (void)value, (void)value_len, (void)base, (void)system_id;
    (void)public_id, (void)notation;
    (void)sl_xml_fail(ud, SL_EINPUT,
                      "entity declarations are refused (%sentity \"%.64s\")",
                      is_param ? "parameter " : "", name);
}

/* With an external DTD named, expat cannot tell an undeclared entity from
 * one declared in the DTD it does not read; it would drop the reference
 * silently. Refuse it instead. */
static void XMLCALL
xml_on_skipped_entity(void *ud, const XML_Char *name, int is_param)
{
    (void)sl_xml_fail(ud, SL_EINPUT, "undeclared %sentity \"%.64s\"",
                      is_param ? "parameter " : "", name);
}

static void XMLCALL
xml_on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
               const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    ((sl_xml_t *)ud)->doctype = 1;
}

/* ---- expat's memory, counted and capped ---------------------------------
 * expat's allocator functions take no context: the parse running on this
 * thread is found through a thread-local pointer. Each block carries its
 * size in a header so that realloc and free can keep the count. */

typedef union xml_hdr {
    size_t size;
    max_align_t align;
} xml_hdr_t;

static _Thread_local sl_xml_t *xml_current;

static int
xml_mem_take(size_t add)
{
    sl_xml_t *x = xml_current;
    if (x == NULL) {
        return 1;
    }
    if (add > x->mem_max - x->mem) {
        x->mem_refused = 1;
        return 0;
    }
    x->mem += add;
    return 1;
}

static void
xml_mem_give(size_t sub)
{
    if (xml_current != NULL) {
        xml_current->mem -= sub;
    }
}

static void *
xml_malloc(size_t n)
{
    if (n > SIZE_MAX - sizeof(xml_hdr_t) || !xml_mem_take(n)) {
        return NULL;
    }
    xml_hdr_t *h = malloc(sizeof *h + n);
    if (h == NULL) {
        xml_mem_give(n);
        return NULL;
    }
    h->size = n;
    return h + 1;
}

static void
xml_free(void *p)
{
    if (p != NULL) {
        xml_hdr_t *h = (xml_hdr_t *)p - 1;
        xml_mem_give(h->size);
        free(h);
    }
}

static void *
xml_realloc(void *p, size_t n)
{
    if (p == NULL) {
        return xml_malloc(n);
    }
    xml_hdr_t *h = (xml_hdr_t *)p - 1;
    size_t old = h->size;
    if (n > SIZE_MAX - sizeof *h || (n > old && !xml_mem_take(n - old))) {
        return NULL;
    }
    xml_hdr_t *nh = realloc(h, sizeof *nh + n);
    if (nh == NULL) {
        xml_mem_give(n > old ? n - old : 0);
        return NULL;
    }
    if (n < old) {
        xml_mem_give(old - n);
    }
    nh->size = n;
    return nh + 1;
}

static const XML_Memory_Handling_Suite xml_mem = {xml_malloc, xml_realloc,
                                                  xml_free};

static int
xml_setup(sl_xml_t *x)
{
    xml_current = x;
    /* no namespace processing */
    x->p = XML_ParserCreate_MM(NULL, &xml_mem, NULL);
    if (x->p == NULL) {
        return sl_err_set(x->err, SL_ENOMEM, "%s: out of memory", x->path);
    }
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, xml_on_start, xml_on_end);
    XML_SetCharacterDataHandler(x->p, xml_on_text);
    XML_SetEntityDeclHandler(x->p, xml_on_entity_decl);
    XML_SetSkippedEntityHandler(x->p, xml_on_skipped_entity);
    XML_SetStartDoctypeDeclHandler(x->p, xml_on_doctype);
    /* No external entity ref handler is ever set: expat then loads
     * nothing, and with NEVER it does not even ask for the DTD. */
    if (XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER) == 0) {
        return sl_err_set(x->err, SL_ESYS, "%s: expat refused settings",
                          x->path);
    }
    return SL_OK;
}

/* Translates the error XML_ParseBuffer just reported. */
static int
xml_parse_error(sl_xml_t *x)
{
    if (x->rc != SL_OK) {
        return x->rc; /* a handler stopped the parse and said why */
    }
    enum XML_Error code = XML_GetErrorCode(x->p);
    if (code == XML_ERROR_NO_MEMORY && x->mem_refused) {
        return sl_xml_fail(x, SL_ETOOBIG,
                           "the XML reader would hold more than %zu MiB "
                           "(too many distinct names, or a huge token)",
                           x->mem_max >> 20);
    }
    int rc = code == XML_ERROR_NO_MEMORY ? SL_ENOMEM : SL_EINPUT;
    return sl_xml_fail(x, rc, "%s", XML_ErrorString(code));
}

static ssize_t
xml_read(int fd, void *buf, size_t len)
{
    ssize_t n;
    do {
        n = read(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    return n;
}

static int
xml_has_bom(const char *s, size_t n)
{
    return (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) ||
           (n >= 2 &&
            (memcmp(s, "\xFF\xFE", 2) == 0 || memcmp(s, "\xFE\xFF", 2) == 0));
}

/* Feeds fd to the parser chunk by chunk; EOF is the final (empty) chunk,
 * which makes expat report empty and truncated documents. */
static int
xml_feed(sl_xml_t *x, int fd, size_t token_max)
{
    XML_Index fed = 0;
    for (;;) {
        void *buf = XML_GetBuffer(x->p, (int)SL_XML_CHUNK);
        if (buf == NULL) {
            return xml_parse_error(x);
        }
        ssize_t n = xml_read(fd, buf, SL_XML_CHUNK);
        if (n < 0) {
            return sl_err_set(x->err, SL_EIO, "%s: read: %s", x->path,
                              strerror(errno));
        }
        if (fed == 0) {
            x->bom = xml_has_bom(buf, (size_t)n);
        }
        if (XML_ParseBuffer(x->p, (int)n, n == 0) != XML_STATUS_OK) {
            return xml_parse_error(x);
        }
        if (n == 0) {
            return SL_OK;
        }
        fed += n;
        /* Between calls the byte index is where parsing stopped: what lies
         * past it is one unfinished token that expat keeps in memory. */
        if (fed - XML_GetCurrentByteIndex(x->p) > (XML_Index)token_max) {
            return sl_xml_fail(x, SL_ETOOBIG, "token longer than %zu bytes",
                               token_max);
        }
    }
}

int
sl_xml_parse_fd(int fd, const char *path, const sl_xml_cfg_t *cfg, void *ctx,
                sl_err_t *err)
{
    sl_xml_t x = {.cfg = cfg, .ctx = ctx, .path = path, .err = err};
    x.max_depth = cfg->max_depth != 0 ? cfg->max_depth : SL_XML_DEPTH_MAX;
    size_t token_max = cfg->token_max != 0 ? cfg->token_max : SL_XML_TOKEN_MAX;
    x.mem_max = cfg->mem_max != 0 ? cfg->mem_max : SL_XML_MEM_MAX;
    int rc = xml_setup(&x);
    if (rc == SL_OK) {
        rc = xml_feed(&x, fd, token_max);
    }
    if (x.p != NULL) {
        XML_ParserFree(x.p);
    }
    xml_current = NULL;
    return rc;
}

/* ---- sniffing ---------------------------------------------------------- */

static int
xml_at(const char *s, size_t len, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i <= len && len - i >= n && memcmp(s + i, lit, n) == 0;
}

static int
xml_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Index just past the first `end` at or after i, or len + 1 if none. */
static size_t
xml_skip_past(const char *s, size_t len, size_t i, const char *end)
{
    for (; i < len; i++) {
        if (xml_at(s, len, i, end)) {
            return i + strlen(end);
        }
    }
    return len + 1;
}

/* Index just past a DOCTYPE starting at i: quotes and an internal subset
 * in [...] may hold '>'. len + 1 if it does not end within head. */
static size_t
xml_skip_doctype(const char *s, size_t len, size_t i)
{
    char quote = 0;
    int subset = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[' || c == ']') {
            subset = c == '[';
        } else if (c == '>' && !subset) {
            return i + 1;
        }
    }
    return len + 1;
}

/* Index of the root tag's '<' in head, or len + 1. */
static size_t
xml_skip_prolog(const char *s, size_t len)
{
    size_t i = xml_at(s, len, 0, "\xEF\xBB\xBF") ? 3 : 0;
    while (i < len) {
        if (xml_is_space(s[i])) {
            i++;
        } else if (xml_at(s, len, i, "<?")) {
            i = xml_skip_past(s, len, i + 2, "?>");
        } else if (xml_at(s, len, i, "<!--")) {
            i = xml_skip_past(s, len, i + 4, "-->");
        } else if (xml_at(s, len, i, "<!DOCTYPE")) {
            i = xml_skip_doctype(s, len, i + 9);
        } else {
            return s[i] == '<' ? i : len + 1;
        }
    }
    return len + 1;
}

int
sl_xml_sniff_root(const char *head, size_t len, char *name, size_t cap)
{
    size_t i = xml_skip_prolog(head, len);
    if (i >= len) {
        return 0;
    }
    size_t start = ++i;
    while (i < len && !xml_is_space(head[i]) && head[i] != '>' &&
           head[i] != '/') {
        i++;
    }
    size_t n = i - start;
    /* The name must end inside head, or it may be cut short. */
    if (i == len || n == 0 || n >= cap) {
        return 0;
    }
    memcpy(name, head + start, n);
    name[n] = '\0';
    return 1;
}
