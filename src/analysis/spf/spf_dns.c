/* spf_dns.c — the answer builder behind the SPF DNS vtable.
 *
 * Lookups append records here; the evaluator reads them and clears the
 * answer. Bounded by SPF_ANSWER_MAX_RR records and SPF_ANSWER_MAX_TXT bytes
 * per TXT record (RFC 7208 §3.3 joins the strings of one TXT RR). */
/* ---- core ---- */
#include "core/xalloc.h"
/* ---- analysis ---- */
#include "analysis/spf/spf_dns.h"

#include <stdlib.h>
#include <string.h>

static spf_answer_rr *next_slot(spf_answer *a)
{
    if (a->n >= SPF_ANSWER_MAX_RR) {
        a->truncated = 1;
        return NULL;
    }
    spf_answer_rr *r = &a->rr[a->n];
    memset(r, 0, sizeof *r);
    return r;
}

int spf_answer_add_txt(spf_answer *a, const char *const *strs, const size_t *lens, size_t n)
{
    size_t total = 0;
    spf_answer_rr *r = next_slot(a);
    if (!r)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] > SPF_ANSWER_MAX_TXT - total)
            return -1;
        total += lens[i];
    }
    if (!(r->data = malloc(total + 1)))
        return -1;
    total = 0;
    for (size_t i = 0; i < n; i++) {
        if (lens[i])
            memcpy(r->data + total, strs[i], lens[i]);
        total += lens[i];
    }
    r->data[total] = '\0';
    r->len = total;
    a->n++;
    return 0;
}

int spf_answer_add_addr(spf_answer *a, const unsigned char *addr, size_t len)
{
    spf_answer_rr *r;
    if (len != 4 && len != 16)
        return -1;
    if (!(r = next_slot(a)))
        return -1;
    memcpy(r->addr, addr, len);
    r->addrlen = len;
    a->n++;
    return 0;
}

int spf_answer_add_name(spf_answer *a, const char *name)
{
    spf_answer_rr *r = next_slot(a);
    if (!r)
        return -1;
    size_t len = strnlen(name, 1024);
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (!(r->data = xstrndup(name, len)))
        return -1;
    r->len = len;
    a->n++;
    return 0;
}

void spf_answer_clear(spf_answer *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        free(a->rr[i].data);
    a->n = 0;
    a->truncated = 0;
}
