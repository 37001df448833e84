/* dnsbl.c — classify DNS blocklist answers (dnsbl.h).
 *
 * RFC 5782 (DNS blacklists and whitelists) §2.1 (A answers in 127.0.0.0/8,
 * 127.0.0.2 the usual code), §5 (127.0.0.1 must never be listed, 127.0.0.2
 * always: the test entries). The error codes of 127.255.255.0/24 are not in
 * the RFC; they are what the large lists publish (Spamhaus documents .252,
 * .254 and .255), so every code in that block counts as a refusal. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/escape.h"
/* ---- analysis ---- */
#include "analysis/dnsbl/dnsbl.h"

const char *dnsbl_verdict_name(dnsbl_verdict v)
{
    switch (v) {
    case DNSBL_CLEAN: return "clean";
    case DNSBL_LISTED: return "listed";
    case DNSBL_REFUSED: return "refused";
    case DNSBL_BOGUS: return "bogus";
    }
    return "clean";
}

static bool is_refusal(const unsigned char *a)
{
    return a[0] == 127 && ((a[1] == 255 && a[2] == 255) || (a[1] == 0 && a[2] == 0 && a[3] == 1));
}

void dnsbl_classify(const unsigned char *addrs, size_t n, dnsbl_class *out)
{
    memset(out, 0, sizeof *out);
    if (!addrs)
        n = 0;
    if (n > DNSBL_MAX_ANSWERS) {
        out->truncated = true;
        n = DNSBL_MAX_ANSWERS;
    }
    bool refused = false, bogus = false;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *a = addrs + 4 * i;
        if (a[0] != 127) {
            if (!bogus)
                memcpy(out->decisive, a, 4);
            bogus = true;
        } else if (is_refusal(a)) {
            if (!bogus && !refused)
                memcpy(out->decisive, a, 4);
            refused = true;
        } else {
            bool seen = false;
            for (size_t k = 0; k < out->n_codes && !seen; k++)
                seen = memcmp(out->codes[k], a, 4) == 0;
            if (!seen)
                memcpy(out->codes[out->n_codes++], a, 4);
        }
    }
    if (bogus)
        out->verdict = DNSBL_BOGUS;
    else if (refused)
        out->verdict = DNSBL_REFUSED;
    else if (out->n_codes > 0) {
        out->verdict = DNSBL_LISTED;
        memcpy(out->decisive, out->codes[0], 4);
    }
    if (out->verdict != DNSBL_LISTED)
        out->n_codes = 0; /* codes only mean something for a real listing */
}

const char *dnsbl_refusal_meaning(const unsigned char code[4])
{
    if (code[0] == 127 && code[1] == 0 && code[2] == 0 && code[3] == 1)
        return "the list refused the query (127.0.0.1 is never a listing, RFC 5782 §5; "
               "lists answer it to resolvers they do not serve)";
    if (code[0] == 127 && code[1] == 255 && code[2] == 255) {
        switch (code[3]) {
        case 252: return "the list says the query name is malformed (a typo in the zone name?)";
        case 254: return "the list refuses queries that come through public or open resolvers";
        case 255: return "the list refuses this resolver for excessive query volume";
        default: break;
        }
    }
    return "the list answered with an error code instead of looking the address up";
}

/* Codes of lists whose meaning per code is published; the default list of
 * checks/domain/outcome.c is covered, plus the RFC 5782 generic 127.0.0.2. */
static const struct {
    const char *zone;
    unsigned char last; /* 127.0.0.last */
    const char *meaning;
} codes[] = {
    {"zen.spamhaus.org", 2, "SBL: a known spam source or spam operation"},
    {"zen.spamhaus.org", 3, "SBL CSS: a snowshoe or low-reputation sending address"},
    {"zen.spamhaus.org", 4, "XBL: an exploited host (infected machine, open proxy)"},
    {"zen.spamhaus.org", 5, "XBL: an exploited host"},
    {"zen.spamhaus.org", 6, "XBL: an exploited host"},
    {"zen.spamhaus.org", 7, "XBL: an exploited host"},
    {"zen.spamhaus.org", 9, "SBL DROP: a hijacked or criminal network"},
    {"zen.spamhaus.org", 10, "PBL (set by the ISP): an end-user address that should not send "
                             "mail directly"},
    {"zen.spamhaus.org", 11, "PBL (set by Spamhaus): an end-user address that should not send "
                             "mail directly"},
    {"bl.spamcop.net", 2, "SpamCop: reported as a spam source by recipients"},
    {"b.barracudacentral.org", 2, "Barracuda reputation: a poor-reputation sender"},
    {"psbl.surriel.com", 2, "PSBL: sent mail to spam traps"},
    {"bl.mailspike.net", 2, "Mailspike: a poor-reputation sender"},
};

const char *dnsbl_code_meaning(const char *zone, const unsigned char code[4])
{
    if (!zone || code[0] != 127 || code[1] != 0 || code[2] != 0)
        return NULL;
    size_t zl = strlen(zone);
    if (zl > 0 && zone[zl - 1] == '.')
        zl--;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i].last == code[3] && strlen(codes[i].zone) == zl &&
            strncasecmp(codes[i].zone, zone, zl) == 0)
            return codes[i].meaning;
    return NULL;
}

char *dnsbl_reason(const char *const *strs, const size_t *lens, size_t n)
{
    static const char more[] = "...";
    char buf[DNSBL_REASON_MAX + sizeof more];
    size_t len = 0;
    bool cut = false;
    for (size_t i = 0; i < n && !cut; i++) {
        if (!strs || !lens || !strs[i])
            break;
        size_t take = lens[i];
        if (take > DNSBL_REASON_MAX - len) {
            take = DNSBL_REASON_MAX - len;
            cut = true;
        }
        memcpy(buf + len, strs[i], take);
        len += take;
    }
    if (cut) {
        memcpy(buf + len, more, sizeof more - 1);
        len += sizeof more - 1;
    }
    return escape_display(buf, len);
}
