/* fuzz_spf_eval.c — libFuzzer target for analysis/spf/spf_eval.c.
 *
 * The input is the SPF record of example.com; a tiny fixed fake resolver
 * serves a few more names (an include target, A/AAAA/MX/PTR data, a name
 * that times out, a CNAME-free loop through include:example.com). Every
 * evaluation must end with a valid result, within the §4.6.4 limits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/spf/spf_eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct input {
    const char *rec;
    size_t len;
} input;

static spf_dns_status fake_lookup(void *ctx, spf_rrtype type, const char *name, spf_answer *ans)
{
    const input *in = ctx;
    static const unsigned char a4[4] = { 192, 0, 2, 1 };
    static const unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

    if (strcasecmp(name, "example.com") == 0) {
        if (type == SPF_RR_TXT) {
            const char *p = in->rec;
            return spf_answer_add_txt(ans, &p, &in->len, 1) == 0 ? SPF_DNS_OK : SPF_DNS_ERROR;
        }
        if (type == SPF_RR_MX)
            return spf_answer_add_name(ans, "mx.example.com") == 0 ? SPF_DNS_OK : SPF_DNS_ERROR;
    }
    if (strcasecmp(name, "inc.example.com") == 0 && type == SPF_RR_TXT) {
        const char *r = "v=spf1 ip4:192.0.2.0/24 include:example.com ~all";
        size_t l = strlen(r);
        return spf_answer_add_txt(ans, &r, &l, 1) == 0 ? SPF_DNS_OK : SPF_DNS_ERROR;
    }
    if (strcasecmp(name, "timeout.example.com") == 0)
        return SPF_DNS_ERROR;
    if (strcasecmp(name, "1.2.0.192.in-addr.arpa") == 0 && type == SPF_RR_PTR)
        return spf_answer_add_name(ans, "mx.example.com.") == 0 ? SPF_DNS_OK : SPF_DNS_ERROR;
    if (strcasecmp(name, "mx.example.com") == 0) {
        if (type == SPF_RR_A)
            return spf_answer_add_addr(ans, a4, 4) == 0 ? SPF_DNS_OK : SPF_DNS_ERROR;
        if (type == SPF_RR_AAAA)
            return spf_answer_add_addr(ans, a6, 16) == 0 ? SPF_DNS_OK : SPF_DNS_ERROR;
        return SPF_DNS_NODATA;
    }
    if (strcasecmp(name, "exp.example.com") == 0 && type == SPF_RR_TXT) {
        const char *r = "%{c} not allowed by %{o} (%{p}, %{t}, %{r})";
        size_t l = strlen(r);
        return spf_answer_add_txt(ans, &r, &l, 1) == 0 ? SPF_DNS_OK : SPF_DNS_ERROR;
    }
    return SPF_DNS_NXDOMAIN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = { (const char *)data, size };
    spf_dns dns = { .ctx = &in, .lookup = fake_lookup };
    static const char *ips[] = { "192.0.2.1", "2001:db8::1" };

    for (size_t i = 0; i < 2; i++) {
        spf_request req = { .ip = ips[i], .sender = "user@example.com", .helo = "mx.example.com",
                            .now = 1 };
        spf_outcome *o = NULL;
        err e;
        if (spf_check_host(&dns, &req, &o, &e) < 0) {
            if (e.cls != ERRC_INTERNAL)
                abort();
            continue;
        }
        if (o->result > SPF_RESULT_PERMERROR || !o->reason ||
            o->dns_terms > SPF_MAX_DNS_TERMS + 1 || o->void_lookups > SPF_MAX_VOID + 1 ||
            (o->explanation && o->result != SPF_RESULT_FAIL))
            abort();
        spf_outcome_free(o);
    }
    return 0;
}
