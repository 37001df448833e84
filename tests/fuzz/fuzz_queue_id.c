/* fuzz_queue_id.c — libFuzzer target for the queue id parser of a final
 * DATA reply (checks/delivery.c, delivery_queue_id_text).
 *
 * The input is one line of reply text, as untrusted as a server can make
 * it. The promises checked: an id, when found, is 1..DELIVERY_QUEUE_ID_MAX
 * printable non-space bytes and occurs in the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks/delivery.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *id = delivery_queue_id_text((const char *)data, size);
    if (!id)
        return 0;
    size_t n = strlen(id);
    if (n == 0 || n > DELIVERY_QUEUE_ID_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (id[i] <= ' ' || id[i] > '~')
            abort();
    if (!memmem(data, size, id, n))
        abort();
    free(id);
    return 0;
}
