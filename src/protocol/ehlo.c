/* ehlo.c — turn a 250 EHLO reply into a capability set.
 *
 * RFC 5321 §4.1.1.1 (ehlo-line = ehlo-keyword *( SP ehlo-param ), keyword
 * = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")), RFC 1870 (SIZE), RFC 4954
 * (AUTH) plus the pre-standard "AUTH=" form older Microsoft clients needed
 * and many servers still send. Each line is tokenised and its keyword
 * compared as a whole word: the raw reply is never searched for substrings. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* core */
#include "core/err.h"
#include "core/xalloc.h"

/* protocol */
#include "protocol/ehlo.h"
#include "protocol/reply.h"

#define EHLO_MAX_MECH 20   /* RFC 4422 §3.1: a mechanism name is 1-20 chars */

static bool is_keyword_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

static bool is_mech_char(char c)
{
    /* RFC 4422 §3.1: upper-case letters, digits, '-' and '_' (we also take
     * lower case, since servers are not always careful, and upper-case it). */
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Parse the SIZE parameter (RFC 1870 §4: 1*DIGIT, 0 meaning no fixed
 * limit). A value too large for 64 bits saturates; a missing or non-numeric
 * parameter counts as 0, i.e. "SIZE is offered, limit unknown". */
static uint64_t parse_size(const char *p)
{
    uint64_t v = 0;
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return 0;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return UINT64_MAX;
        v = v * 10 + d;
    }
    if (*p != '\0' && *p != ' ')
        return 0;
    return v;
}

/* Add each space-separated mechanism in p to caps->auth (upper-cased,
 * once). Tokens that cannot be mechanism names are skipped. */
static int add_mechs(ehlo_caps *caps, const char *p)
{
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = 0;
        while (p[n] && p[n] != ' ')
            n++;
        if (n == 0)
            break;
        bool ok = n <= EHLO_MAX_MECH;
        for (size_t i = 0; ok && i < n; i++)
            ok = is_mech_char(p[i]);
        if (ok) {
            char name[EHLO_MAX_MECH + 1];
            for (size_t i = 0; i < n; i++)
                name[i] = (char)toupper((unsigned char)p[i]);
            name[n] = '\0';
            bool dup = false;
            for (size_t i = 0; i < caps->n_auth && !dup; i++)
                dup = strcmp(caps->auth[i], name) == 0;
            if (!dup) {
                char *s = xstrdup(name);
                if (!s || xarray_push((void ***)&caps->auth, &caps->n_auth, s) < 0) {
                    free(s);
                    return -1;
                }
            }
        }
        p += n;
    }
    return 0;
}

static bool kw_is(const char *kw, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(kw, name, n) == 0;
}

/* One capability line (already escaped by the reply parser). */
static int parse_line(ehlo_caps *caps, const char *line)
{
    size_t n = 0;
    while (is_keyword_char(line[n]))
        n++;
    char next = line[n];
    const char *params = next ? line + n + 1 : line + n;
    if (n == 0)
        return 0;
    if (kw_is(line, n, "AUTH") && (next == ' ' || next == '=' || next == '\0'))
        return add_mechs(caps, params);
    if (next != ' ' && next != '\0')
        return 0; /* "STARTTLSX", "SIZE=1": not a keyword we know */
    if (kw_is(line, n, "STARTTLS"))
        caps->starttls = true;
    else if (kw_is(line, n, "PIPELINING"))
        caps->pipelining = true;
    else if (kw_is(line, n, "8BITMIME"))
        caps->eightbitmime = true;
    else if (kw_is(line, n, "SMTPUTF8"))
        caps->smtputf8 = true;
    else if (kw_is(line, n, "CHUNKING"))
        caps->chunking = true;
    else if (kw_is(line, n, "DSN"))
        caps->dsn = true;
    else if (kw_is(line, n, "ENHANCEDSTATUSCODES"))
        caps->enhancedstatuscodes = true;
    else if (kw_is(line, n, "BINARYMIME"))
        caps->binarymime = true;
    else if (kw_is(line, n, "REQUIRETLS"))
        caps->requiretls = true;
    else if (kw_is(line, n, "SIZE")) {
        caps->size_present = true;
        caps->size = parse_size(params);
    }
    return 0;
}

int ehlo_caps_parse(const smtp_reply *r, ehlo_caps *caps, err *e)
{
    memset(caps, 0, sizeof *caps);
    if (!r || r->n_lines == 0)
        return err_set(e, ERRC_INTERNAL, "no EHLO reply to parse");
    const char *first = r->lines[0];
    size_t dn = 0;
    while (first[dn] && first[dn] != ' ')
        dn++;
    caps->domain = xstrndup(first, dn);
    if (!caps->domain)
        goto oom;
    /* A refusal's text lines are not capabilities. */
    if (r->code < 200 || r->code > 299)
        return 0;
    for (size_t i = 1; i < r->n_lines; i++) {
        char *copy = xstrdup(r->lines[i]);
        if (!copy || xarray_push((void ***)&caps->lines, &caps->n_lines, copy) < 0) {
            free(copy);
            goto oom;
        }
        if (parse_line(caps, r->lines[i]) < 0)
            goto oom;
    }
    return 0;

oom:
    ehlo_caps_free(caps);
    return err_set(e, ERRC_INTERNAL, "out of memory while parsing the EHLO reply");
}

void ehlo_caps_free(ehlo_caps *caps)
{
    if (!caps)
        return;
    free(caps->domain);
    for (size_t i = 0; i < caps->n_lines; i++)
        free(caps->lines[i]);
    free(caps->lines);
    for (size_t i = 0; i < caps->n_auth; i++)
        free(caps->auth[i]);
    free(caps->auth);
    memset(caps, 0, sizeof *caps);
}

bool ehlo_has_auth(const ehlo_caps *caps, const char *mech)
{
    if (!caps || !mech)
        return false;
    for (size_t i = 0; i < caps->n_auth; i++)
        if (strcasecmp(caps->auth[i], mech) == 0)
            return true;
    return false;
}
