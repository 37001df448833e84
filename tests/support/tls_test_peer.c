/* tls_test_peer.c — listener + serving thread of the in-process TLS peers
 * (see tls_test_peer.h). */
#include "support/tls_test_peer.h"

#include <unistd.h>

#include "support/loopback.h"

int tls_test_peer_start(int *lfd, int *port, pthread_t *th, void *(*fn)(void *), void *arg)
{
    *lfd = loopback_listen(4, port);
    if (*lfd < 0)
        return -1;
    if (pthread_create(th, NULL, fn, arg) != 0) {
        close(*lfd);
        *lfd = -1;
        return -1;
    }
    return 0;
}

void tls_test_peer_stop(pthread_t th, int lfd, SSL_CTX *ctx)
{
    pthread_join(th, NULL);
    close(lfd);
    SSL_CTX_free(ctx);
}
