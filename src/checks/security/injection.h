/* injection.h — the STARTTLS command-injection probe (CVE-2011-0411 class).
 *
 * Opt-in (--probe-injection). On its own connection: EHLO, then
 * "STARTTLS\r\nNOOP\r\n" in ONE write. A safe server discards the NOOP that
 * was buffered in plaintext; a vulnerable one answers it after the handshake,
 * so the client sees a reply it never sent inside TLS. The evidence is that
 * reply. The client side of smtpscope never has this bug: plaintext buffered
 * before a handshake is always discarded (protocol/client.c).
 * Ownership: the report's strings are owned by it (injection_report_clear). */
#ifndef SMTPSCOPE_CHECKS_SECURITY_INJECTION_H
#define SMTPSCOPE_CHECKS_SECURITY_INJECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "checks/finding.h"
#include "protocol/transcript.h"

typedef enum injection_state {
    INJECTION_NOT_RUN = 0,
    INJECTION_SAFE,            /* the buffered command was not answered after the handshake */
    INJECTION_VULNERABLE,      /* it was: finding starttls.injection_vulnerable (error) */
    INJECTION_INCONCLUSIVE,    /* no STARTTLS, handshake failed, ... (detail says why) */
} injection_state;

/* "not_run" / "safe" / "vulnerable" / "inconclusive". */
const char *injection_state_name(injection_state s);

typedef struct injection_report {
    injection_state state;
    char *evidence;            /* owned, escaped: the unexpected reply, or NULL */
    char *detail;              /* owned, one line; may be NULL */
} injection_report;

typedef struct injection_opts {
    const char *address;       /* IP to connect to, borrowed */
    int port;
    const char *servername;    /* SNI; borrowed, may be NULL */
    const char *helo;
    int64_t timeout_ms;
} injection_opts;

/* Returns 0, or -1 on OOM. Findings appended to `findings`, the exchange to
 * `t` (may be NULL). VULNERABLE adds starttls.injection_vulnerable (error,
 * with the escaped reply), INCONCLUSIVE adds starttls.injection_untested
 * (info, with the reason), SAFE adds none. The wait for the unsolicited
 * reply is min(timeout_ms, 2 s); every other step is bounded by timeout_ms
 * (10 s when 0). o->address must be an IP literal. */
int injection_probe(const injection_opts *o, injection_report *out, finding_list *findings,
                    transcript *t);

void injection_report_clear(injection_report *r);

#endif
