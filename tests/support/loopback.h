/* loopback.h — TCP sockets on 127.0.0.1 for tests that run their own peer
 * in-process (a TLS server thread): listen on a port the kernel picks, and
 * connect to it. The caller owns and closes the descriptors. Plain libc. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_LOOPBACK_H
#define SMTPSCOPE_TESTS_SUPPORT_LOOPBACK_H

/* A listening socket on 127.0.0.1 (backlog as given); its port in *port.
 * -1 on failure (nothing left open). */
int loopback_listen(int backlog, int *port);

/* A socket connected to 127.0.0.1:port, or -1. */
int loopback_dial(int port);

#endif
