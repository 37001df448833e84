/* tls_test_peer.h — start and stop of the in-process TLS peers of the
 * transport tests (test_tlsconn.c, test_tlsconn_dane.c, test_tls_hello.c):
 * a listening socket on 127.0.0.1 and a thread that serves it. What the
 * thread does (its SSL_CTX, its misbehaviour) stays in each test. The
 * certificates come from support/test_pki.h; dialling from loopback.h. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_TLS_TEST_PEER_H
#define SMTPSCOPE_TESTS_SUPPORT_TLS_TEST_PEER_H

#include <pthread.h>

#include <openssl/ssl.h>

/* Listen on 127.0.0.1 (port in *port, socket in *lfd) and run fn(arg) in a
 * new thread (*th). 0, or -1 with nothing left open or running. fn reads
 * *lfd, so the caller's struct must hold it before the thread needs it:
 * both are filled before the thread starts. */
int tls_test_peer_start(int *lfd, int *port, pthread_t *th, void *(*fn)(void *), void *arg);

/* Wait for the thread, close the listener, free ctx (NULL: none). */
void tls_test_peer_stop(pthread_t th, int lfd, SSL_CTX *ctx);

#endif
