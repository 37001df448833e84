/* sweep.c — concurrent probe of the usual SMTP ports (sweep.h).
 *
 * One thread per port, each with its own connection and a throw-away
 * transcript; they share only the read-only options and the TLS context
 * (an SSL_CTX is safe to share between threads once configured). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- transport ---- */
#include "transport/tcp.h"
#include "transport/tlsconn.h"
/* ---- protocol ---- */
#include "protocol/client.h"
/* ---- checks ---- */
#include "checks/sweep.h"

static const int sweep_ports[] = {25, 465, 587, 2525};

const char *port_state_name(port_state s)
{
    switch (s) {
    case PORT_OPEN: return "open";
    case PORT_REJECTING: return "rejecting";
    case PORT_REFUSED: return "refused";
    case PORT_TIMEOUT: return "timeout";
    case PORT_UNREACHABLE: return "unreachable";
    case PORT_ERROR: return "error";
    }
    return "error";
}

typedef struct probe {
    const endpoint_opts *o;
    const tcp_addr *addrs;
    size_t n_addrs;
    tlsconn_ctx *tls;
    bool tls_first;   /* second attempt: handshake before the greeting */
    sweep_port *p;
} probe;

static const char *port_role(int port)
{
    switch (port) {
    case 25: return "server-to-server SMTP";
    case 465: return "submission over implicit TLS";
    case 587: return "submission";
    default: return "alternative submission";
    }
}

static void probe_port(probe *pr)
{
    sweep_port *p = pr->p;
    const endpoint_opts *o = pr->o;
    int64_t t0 = clock_now_ms();
    err e;
    err_clear(&e);
    e.stage = STAGE_CONNECT;
    conn *c = tcp_connect_any(pr->addrs, pr->n_addrs, p->port, o->timeout_ms, NULL, NULL, NULL, &e);
    if (!c) {
        p->ms = clock_now_ms() - t0;
        if (e.cls == ERRC_TIMEOUT) {
            p->state = PORT_TIMEOUT;
            p->summary = xasprintf("timed out — filtered%s", p->port == 25
                                       ? "; many ISPs and clouds block outbound 25"
                                       : " by a firewall, or the host is down");
        } else if (e.sys_errno == ECONNREFUSED) {
            p->state = PORT_REFUSED;
            p->summary = xasprintf("refused — nothing listens on %d", p->port);
        } else if (e.sys_errno == ENETUNREACH || e.sys_errno == EHOSTUNREACH) {
            p->state = PORT_UNREACHABLE;
            p->summary = xasprintf("unreachable — %s", e.msg);
        } else {
            p->state = PORT_ERROR;
            p->summary = xasprintf("error — %s", e.msg);
        }
        return;
    }
    transcript *t = transcript_new(t0);
    client_opts co = {.lmtp = false};
    smtp_client *cl = t ? client_new(c, t, &co) : NULL;
    if (!cl) {
        if (!t)
            conn_free(c);
        transcript_free(t);
        p->state = PORT_ERROR;
        p->summary = xstrdup("error — out of memory");
        return;
    }
    tls_info ti = {0};
    tls_failure why = TLSF_NONE;
    bool implicit = false;
    if ((p->port == 465 || pr->tls_first) && pr->tls) {
        if (client_tls_implicit(cl, pr->tls, o->servername ? o->servername : o->host,
                                clock_deadline_in(o->timeout_ms), &ti, &why, &e) == 0) {
            implicit = true;
        } else {
            p->state = PORT_ERROR;
            p->ms = clock_now_ms() - t0;
            p->summary = xasprintf("open, but TLS failed — %s", e.msg);
            goto out;
        }
    }
    smtp_reply *rep = NULL;
    if (client_greeting(cl, clock_deadline_in(o->timeout_ms), &rep, &e) < 0) {
        if (e.cls == ERRC_TIMEOUT && !implicit && pr->tls && p->port != 465) {
            /* Silent in plaintext: does it wait for a TLS ClientHello? */
            client_free(cl);
            transcript_free(t);
            t = NULL;
            cl = NULL;
            p->port = -p->port; /* marks the retry for probe_port_tls */
            return;
        }
        p->state = PORT_ERROR;
        p->ms = clock_now_ms() - t0;
        p->summary = xasprintf("open, but no greeting — %s%s", e.msg,
                               e.cls == ERRC_TIMEOUT && !implicit
                                   ? " (a tarpit, or the port expects implicit TLS)"
                                   : "");
        goto out;
    }
    p->banner_code = rep->code;
    if (rep->code != 220) {
        p->state = PORT_REJECTING;
        p->ms = clock_now_ms() - t0;
        p->summary = xasprintf("open, but refuses service — %d %s", rep->code,
                               rep->n_lines ? rep->lines[0] : "");
        reply_free(rep);
        goto out;
    }
    reply_free(rep);
    p->state = PORT_OPEN;
    p->tls = implicit ? TLSM_IMPLICIT : TLSM_NONE;
    if (!implicit) {
        ehlo_caps caps = {0};
        bool used_helo = false;
        rep = NULL;
        if (client_ehlo(cl, o->helo ? o->helo : "localhost", false,
                        clock_deadline_in(o->timeout_ms), &rep, &caps, &used_helo, &e) == 0 &&
            reply_ok(rep) && caps.starttls)
            p->tls = TLSM_STARTTLS;
        reply_free(rep);
        ehlo_caps_free(&caps);
    }
    p->ms = clock_now_ms() - t0;
    p->summary = xasprintf("open — %s, %s", port_role(p->port),
                           p->tls == TLSM_IMPLICIT   ? "implicit TLS"
                           : p->tls == TLSM_STARTTLS ? "STARTTLS offered"
                                                     : "no TLS offered");
    if (client_get_state(cl) != CS_BROKEN) {
        rep = NULL;
        client_command(cl, "QUIT", clock_deadline_in(2000), &rep, &e);
        reply_free(rep);
    }
out:
    tls_info_clear(&ti);
    client_free(cl);
    transcript_free(t);
}

static void *probe_thread(void *arg)
{
    probe *pr = arg;
    probe_port(pr);
    if (pr->p->port < 0) {
        pr->p->port = -pr->p->port;
        pr->tls_first = true;
        probe_port(pr);
    }
    return NULL;
}

int sweep_run(const endpoint_opts *o, const tcp_addr *addrs, size_t n_addrs, sweep_outcome *out)
{
    memset(out, 0, sizeof *out);
    const int *ports = o->sweep_ports ? o->sweep_ports : sweep_ports;
    size_t n = o->sweep_ports ? o->n_sweep_ports : sizeof sweep_ports / sizeof sweep_ports[0];
    if (n > SWEEP_MAX_PORTS)
        n = SWEEP_MAX_PORTS;
    err e;
    err_clear(&e);
    tlsconn_opts to = {.ca_file = o->ca_file};
    tlsconn_ctx *tls = tlsconn_ctx_new(&to, &e);
    probe pr[SWEEP_MAX_PORTS];
    pthread_t th[SWEEP_MAX_PORTS];
    bool started[SWEEP_MAX_PORTS] = {false};
    for (size_t i = 0; i < n; i++) {
        out->ports[i].port = ports[i];
        pr[i] = (probe){.o = o, .addrs = addrs, .n_addrs = n_addrs, .tls = tls, .p = &out->ports[i]};
        started[i] = pthread_create(&th[i], NULL, probe_thread, &pr[i]) == 0;
        if (!started[i])
            probe_thread(&pr[i]); /* no thread: probe inline, slower but complete */
    }
    for (size_t i = 0; i < n; i++)
        if (started[i])
            pthread_join(th[i], NULL);
    out->n = n;
    tlsconn_ctx_free(tls);

    static const int preference[] = {587, 465, 2525, 25};
    for (size_t k = 0; k < sizeof preference / sizeof preference[0] && !out->best_port; k++)
        for (size_t i = 0; i < n; i++)
            if (out->ports[i].port == preference[k] && out->ports[i].state == PORT_OPEN)
                out->best_port = preference[k];
    for (size_t i = 0; i < n && !out->best_port; i++)
        if (out->ports[i].state == PORT_OPEN)
            out->best_port = out->ports[i].port;
    return 0;
}

void sweep_outcome_free(sweep_outcome *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->ports[i].summary);
    memset(s, 0, sizeof *s);
}
