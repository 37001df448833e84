/* batch.c — STUB: being written; see batch.h for the contract. */
#include <stdlib.h>

#include "dns/batch.h"

struct dns_batch {
    int unused;
};

dns_batch *dns_batch_new(dns_resolver *r)
{
    (void)r;
    return calloc(1, sizeof(dns_batch));
}
int dns_batch_add(dns_batch *b, const char *name, dns_rrtype type)
{
    (void)b, (void)name, (void)type;
    return -1;
}
int dns_batch_run(dns_batch *b, int64_t deadline, err *e)
{
    (void)b, (void)deadline, (void)e;
    return 0;
}
const dns_answer *dns_batch_answer(const dns_batch *b, int i)
{
    (void)b, (void)i;
    return NULL;
}
size_t dns_batch_count(const dns_batch *b)
{
    (void)b;
    return 0;
}
void dns_batch_free(dns_batch *b)
{
    free(b);
}
