/* silent_dns.c — a DNS server that never answers (see silent_dns.h). */
#include "support/silent_dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int silent_dns_start(silent_dns *s)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    s->tcp = -1;
    s->port = 0;
    s->server[0] = '\0';
    s->udp = socket(AF_INET, SOCK_DGRAM, 0);
    if (s->udp < 0 || bind(s->udp, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(s->udp, (struct sockaddr *)&sin, &len) < 0) {
        silent_dns_stop(s);
        return -1;
    }
    /* TCP is best effort: the port may be taken for TCP; UDP silence is the test. */
    s->tcp = socket(AF_INET, SOCK_STREAM, 0);
    if (s->tcp >= 0 &&
        (bind(s->tcp, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(s->tcp, 1) < 0)) {
        close(s->tcp);
        s->tcp = -1;
    }
    s->port = ntohs(sin.sin_port);
    snprintf(s->server, sizeof s->server, "127.0.0.1@%d", s->port);
    return 0;
}

void silent_dns_stop(silent_dns *s)
{
    if (s->udp >= 0)
        close(s->udp);
    if (s->tcp >= 0)
        close(s->tcp);
    s->udp = s->tcp = -1;
}
