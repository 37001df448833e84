/* addr.c — mail address parsing and IDN conversion (addr.h).
 *
 * RFC 5321 §4.1.2 (Mailbox = Local-part "@" ( Domain / address-literal ),
 * Dot-string, Quoted-string with qtextSMTP and quoted-pairSMTP), §4.1.3
 * (address literals), §4.5.3.1 (length limits); RFC 6531 §3.3 (UTF-8 in the
 * local part and U-labels in the domain); RFC 5890/5891 through libidn2
 * (IDNA 2008 with UTS #46 non-transitional mapping, the browsers' choice, so
 * "Bücher.example" and "bücher.example" give the same A-label). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

/* core */
#include "core/err.h"
#include "core/xalloc.h"

/* protocol */
#include "protocol/message/addr.h"
#include "protocol/message/text.h"

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* atext of RFC 5322 §3.2.3 (RFC 5321 Atom uses the same set). */
static bool is_atext(unsigned char c)
{
    return is_alnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Control characters are refused up front, CR and LF by name: they are how
 * an address would smuggle a command or a header line. */
static int check_controls(const char *s, size_t n, err *e)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n')
            return err_set(e, ERRC_LOCAL_INPUT,
                           "address contains a %s at offset %zu; refusing it (it could "
                           "inject a command or a header)", c == '\r' ? "CR" : "LF", i);
        if (c < 0x20 || c == 0x7f)
            return err_set(e, ERRC_LOCAL_INPUT,
                           "address contains the control character 0x%02x at offset %zu", c, i);
    }
    return 0;
}

/* Scan the local part at s[0..n); returns its length (up to, not including,
 * the '@'), or -1 with e set. Sets *utf8 when it holds non-ASCII. */
static long scan_local(const char *s, size_t n, bool *utf8, err *e)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    if (n && p[0] == '"') {
        for (i = 1; i < n; i++) {
            if (p[i] == '"')
                break;
            if (p[i] == '\\') {
                /* quoted-pairSMTP = %d92 %d32-126 */
                if (i + 1 >= n || p[i + 1] < 32 || p[i + 1] > 126)
                    return err_set(e, ERRC_LOCAL_INPUT,
                                   "a backslash in the quoted local part must escape a "
                                   "printable ASCII character");
                i++;
            } else if (p[i] >= 0x80) {
                size_t k = text_utf8_len(p + i, n - i);
                if (!k)
                    return err_set(e, ERRC_LOCAL_INPUT, "local part is not valid UTF-8");
                *utf8 = true;
                i += k - 1;
            }
        }
        if (i >= n)
            return err_set(e, ERRC_LOCAL_INPUT, "quoted local part has no closing quote");
        if (i == 1)
            return err_set(e, ERRC_LOCAL_INPUT, "quoted local part is empty");
        return (long)i + 1;
    }
    /* Dot-string = Atom *("." Atom): no leading, trailing or double dot. */
    bool after_dot = true;
    for (i = 0; i < n && p[i] != '@'; i++) {
        if (p[i] == '.') {
            if (after_dot)
                return err_set(e, ERRC_LOCAL_INPUT,
                               "local part has %s dot (quote it to allow this)",
                               i == 0 ? "a leading" : "two consecutive");
            after_dot = true;
            continue;
        }
        after_dot = false;
        if (p[i] >= 0x80) {
            size_t k = text_utf8_len(p + i, n - i);
            if (!k)
                return err_set(e, ERRC_LOCAL_INPUT, "local part is not valid UTF-8");
            *utf8 = true;
            i += k - 1;
        } else if (!is_atext(p[i])) {
            return err_set(e, ERRC_LOCAL_INPUT,
                           "local part contains '%c', which needs a quoted local part",
                           p[i]);
        }
    }
    if (i == 0)
        return err_set(e, ERRC_LOCAL_INPUT, "local part is empty");
    if (after_dot)
        return err_set(e, ERRC_LOCAL_INPUT, "local part ends with a dot");
    return (long)i;
}

/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]. */
static int check_hostname(const char *d, err *e)
{
    size_t n = strlen(d);
    if (n == 0)
        return err_set(e, ERRC_LOCAL_INPUT, "domain is empty");
    if (n > ADDR_MAX_DOMAIN)
        return err_set(e, ERRC_LOCAL_INPUT, "domain is %zu octets, over the %d allowed", n,
                       ADDR_MAX_DOMAIN);
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = d[i];
        if (c == '.' || c == '\0') {
            if (label == 0)
                return err_set(e, ERRC_LOCAL_INPUT, "domain \"%s\" has an empty label", d);
            if (d[i - 1] == '-')
                return err_set(e, ERRC_LOCAL_INPUT, "a label of domain \"%s\" ends with '-'", d);
            label = 0;
            continue;
        }
        if (label == 0 && c == '-')
            return err_set(e, ERRC_LOCAL_INPUT, "a label of domain \"%s\" starts with '-'", d);
        if (!is_alnum((unsigned char)c) && c != '-')
            return err_set(e, ERRC_LOCAL_INPUT, "domain \"%s\" contains '%c'", d, c);
        if (++label > 63)
            return err_set(e, ERRC_LOCAL_INPUT, "a label of domain \"%s\" is over 63 octets", d);
    }
    return 0;
}

/* address-literal: "[" IPv4 "]" or "[IPv6:" IPv6 "]" (RFC 5321 §4.1.3). */
static int check_literal(const char *d, err *e)
{
    size_t n = strlen(d);
    char tmp[64];
    if (n < 3 || d[n - 1] != ']' || n - 2 >= sizeof tmp)
        return err_set(e, ERRC_LOCAL_INPUT, "address literal must be [IPv4] or [IPv6:address]");
    memcpy(tmp, d + 1, n - 2);
    tmp[n - 2] = '\0';
    unsigned char bin[16];
    if (text_ieq(tmp, n - 2 < 5 ? n - 2 : 5, "IPv6:")) {
        if (inet_pton(AF_INET6, tmp + 5, bin) == 1)
            return 0;
        return err_set(e, ERRC_LOCAL_INPUT, "\"%s\" is not a valid IPv6 address", tmp + 5);
    }
    if (inet_pton(AF_INET, tmp, bin) == 1)
        return 0;
    return err_set(e, ERRC_LOCAL_INPUT,
                   "address literal \"%s\" is not an IPv4 address (use [IPv6:...] for IPv6)", d);
}

static int convert_domain(const char *d, addr *out, err *e)
{
    if (d[0] == '[') {
        if (check_literal(d, e) < 0)
            return -1;
        out->literal = true;
        out->domain = xstrdup(d);
        return out->domain ? 0 : err_set(e, ERRC_INTERNAL, "out of memory");
    }
    if (text_has_8bit(d, strlen(d))) {
        if (!text_utf8_valid(d, strlen(d)))
            return err_set(e, ERRC_LOCAL_INPUT, "domain is not valid UTF-8");
        char *alabel = NULL;
        int rc = idn2_to_ascii_8z(d, &alabel, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        if (rc == IDN2_MALLOC)
            return err_set(e, ERRC_INTERNAL, "out of memory");
        if (rc != IDN2_OK)
            return err_set(e, ERRC_LOCAL_INPUT,
                           "the internationalised domain cannot be converted to an A-label: %s",
                           idn2_strerror(rc));
        out->domain = xstrdup(alabel);
        idn2_free(alabel);
        out->idn = true;
    } else {
        out->domain = xstrdup(d);
    }
    if (!out->domain)
        return err_set(e, ERRC_INTERNAL, "out of memory");
    return check_hostname(out->domain, e);
}

int addr_parse(const char *in, addr *out, err *e)
{
    memset(out, 0, sizeof *out);
    if (!in)
        return err_set(e, ERRC_LOCAL_INPUT, "no address given");
    size_t n = strnlen(in, ADDR_MAX_INPUT + 1);
    if (n > ADDR_MAX_INPUT)
        return err_set(e, ERRC_LOCAL_INPUT, "address is longer than %d octets", ADDR_MAX_INPUT);
    if (check_controls(in, n, e) < 0)
        return -1;
    const char *s = in;
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
        s++;
        n -= 2;
    }
    if (n == 0)
        return err_set(e, ERRC_LOCAL_INPUT, "address is empty");
    long ll = scan_local(s, n, &out->smtputf8, e);
    if (ll < 0)
        return -1;
    size_t lo = (size_t)ll;
    if (lo >= n || s[lo] != '@')
        return err_set(e, ERRC_LOCAL_INPUT, "address has no '@' after the local part");
    if (lo > ADDR_MAX_LOCAL)
        return err_set(e, ERRC_LOCAL_INPUT, "local part is %zu octets, over the %d allowed", lo,
                       ADDR_MAX_LOCAL);
    int rc = -1;
    char *dom = xstrndup(s + lo + 1, n - lo - 1);
    out->local = xstrndup(s, lo);
    if (!dom || !out->local) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        goto out;
    }
    if (strchr(dom, '@')) {
        err_set(e, ERRC_LOCAL_INPUT, "address has more than one '@' (quote the local part)");
        goto out;
    }
    if (convert_domain(dom, out, e) < 0)
        goto out;
    out->mailbox = xasprintf("%s@%s", out->local, out->domain);
    if (!out->mailbox) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        goto out;
    }
    if (strlen(out->mailbox) > ADDR_MAX_PATH) {
        err_set(e, ERRC_LOCAL_INPUT, "address is %zu octets, over the %d allowed",
                strlen(out->mailbox), ADDR_MAX_PATH);
        goto out;
    }
    rc = 0;
out:
    free(dom);
    if (rc < 0)
        addr_clear(out);
    return rc;
}

void addr_clear(addr *a)
{
    if (!a)
        return;
    free(a->local);
    free(a->domain);
    free(a->mailbox);
    memset(a, 0, sizeof *a);
}

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* Copy s[0..n) trimmed of white space; when the result is one quoted string,
 * drop the quotes and undo backslash escapes. NULL for an empty result is
 * not an error: *ok says whether allocation worked. */
static char *display_dup(const char *s, size_t n, bool *ok)
{
    *ok = true;
    while (n && is_wsp(*s)) {
        s++;
        n--;
    }
    while (n && is_wsp(s[n - 1]))
        n--;
    if (n == 0)
        return NULL;
    char *d = malloc(n + 1);
    if (!d) {
        *ok = false;
        return NULL;
    }
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        size_t k = 0;
        for (size_t i = 1; i + 1 < n; i++) {
            if (s[i] == '\\' && i + 2 < n)
                i++;
            d[k++] = s[i];
        }
        d[k] = '\0';
    } else {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Index of the first c in s[from..n) outside a quoted string, or n. */
static size_t find_unquoted(const char *s, size_t from, size_t n, char c)
{
    bool quoted = false;
    for (size_t i = from; i < n; i++) {
        if (quoted && s[i] == '\\' && i + 1 < n)
            i++;
        else if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == c)
            return i;
    }
    return n;
}

int addr_split_mailbox(const char *in, char **display, char **address, err *e)
{
    *display = *address = NULL;
    if (!in)
        return err_set(e, ERRC_LOCAL_INPUT, "no address given");
    size_t n = strnlen(in, ADDR_MAX_INPUT * 2 + 1);
    if (n > ADDR_MAX_INPUT * 2)
        return err_set(e, ERRC_LOCAL_INPUT, "mailbox is too long");
    size_t lt = find_unquoted(in, 0, n, '<');
    size_t a0 = 0, a1 = n;
    if (lt < n) {
        size_t gt = find_unquoted(in, lt + 1, n, '>');
        if (gt == n)
            return err_set(e, ERRC_LOCAL_INPUT, "mailbox has '<' without a closing '>'");
        for (size_t i = gt + 1; i < n; i++)
            if (!is_wsp(in[i]))
                return err_set(e, ERRC_LOCAL_INPUT, "mailbox has text after the closing '>'");
        a0 = lt + 1;
        a1 = gt;
    }
    while (a0 < a1 && is_wsp(in[a0]))
        a0++;
    while (a1 > a0 && is_wsp(in[a1 - 1]))
        a1--;
    bool ok = true;
    if (lt < n)
        *display = display_dup(in, lt, &ok);
    *address = xstrndup(in + a0, a1 - a0);
    if (!ok || !*address) {
        free(*display);
        free(*address);
        *display = *address = NULL;
        return err_set(e, ERRC_INTERNAL, "out of memory");
    }
    return 0;
}
