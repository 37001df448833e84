/* silent_dns.h — a DNS server on 127.0.0.1 that never answers, for timeout
 * tests: a UDP socket that reads nothing, plus a TCP listener on the same
 * port that never accepts, so no query gets an ICMP or RST shortcut.
 * The sockets are owned by the struct; close them with silent_dns_stop.
 * Plain libc; no cmocka. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_SILENT_DNS_H
#define SMTPSCOPE_TESTS_SUPPORT_SILENT_DNS_H

typedef struct silent_dns {
    int udp, tcp;     /* -1 when not open (tcp: also when the port was taken) */
    int port;
    char server[32];  /* "127.0.0.1@PORT", for dns_resolver_new() */
} silent_dns;

/* Open the sockets on a port the kernel picks. 0, or -1 (nothing left open). */
int silent_dns_start(silent_dns *s);

/* Close both sockets; safe to call twice. */
void silent_dns_stop(silent_dns *s);

#endif
