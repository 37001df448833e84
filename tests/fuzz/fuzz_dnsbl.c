/* fuzz_dnsbl.c — libFuzzer target for analysis/dnsbl/dnsbl.c.
 *
 * The input is used twice: as the A answers of one blocklist query (4 bytes
 * each, any number) and as the character-strings of a TXT reason (255-byte
 * chunks, as DNS splits long texts). The classification must be consistent
 * (listing codes only for a listing, all in 127.0.0.0/8 and none an error
 * code) and the reason bounded and free of control bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/dnsbl/dnsbl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnsbl_class c;
    dnsbl_classify(data, size / 4, &c);
    if (c.truncated != (size / 4 > DNSBL_MAX_ANSWERS) || c.n_codes > DNSBL_MAX_ANSWERS)
        abort();
    if ((c.verdict == DNSBL_LISTED) != (c.n_codes > 0))
        abort();
    if (c.verdict == DNSBL_CLEAN && size / 4 > 0)
        abort(); /* any answer at all is a listing, a refusal or bogus */
    for (size_t i = 0; i < c.n_codes; i++) {
        if (c.codes[i][0] != 127 || (c.codes[i][1] == 255 && c.codes[i][2] == 255))
            abort();
        (void)dnsbl_code_meaning("zen.spamhaus.org", c.codes[i]);
    }
    if (c.verdict == DNSBL_REFUSED && !dnsbl_refusal_meaning(c.decisive))
        abort();

    enum { CHUNK = 255, MAXS = 64 };
    const char *strs[MAXS];
    size_t lens[MAXS], n = 0;
    for (size_t off = 0; off < size && n < MAXS; off += CHUNK, n++) {
        strs[n] = (const char *)data + off;
        lens[n] = size - off < CHUNK ? size - off : CHUNK;
    }
    char *r = dnsbl_reason(strs, lens, n);
    if (!r)
        return 0; /* OOM */
    size_t rl = strlen(r);
    if (rl > 4 * (DNSBL_REASON_MAX + 3))
        abort();
    for (size_t i = 0; i < rl; i++)
        if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
            abort();
    free(r);

    /* The input as a zone name (NUL-terminated copy). */
    char zone[256];
    size_t zl = size < sizeof zone - 1 ? size : sizeof zone - 1;
    memcpy(zone, data, zl);
    zone[zl] = '\0';
    static const unsigned char two[4] = {127, 0, 0, 2};
    (void)dnsbl_code_meaning(zone, two);
    return 0;
}
