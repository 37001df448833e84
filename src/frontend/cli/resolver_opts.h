/* resolver_opts.h — the resolver a command runs on, from --dns and
 * --trust-anchor (shared by `check` and `domain`, so both treat the two
 * options the same way; docs/cli/check.md and docs/cli/domain.md).
 *
 * DNSSEC policy: validation is opt-in. --trust-anchor FILE validates with
 * FILE; "auto" with the root anchor of dns-root-data
 * (dns_default_trust_anchor()); "none" (the default) does not validate and
 * every answer is reported as "unchecked". Why not validate by default:
 * libunbound validates itself, so it needs every DNSSEC record on the path,
 * and many resolvers it forwards to (home routers, some corporate and cloud
 * resolvers — including the one this was developed behind) strip them; then
 * EVERY answer, signed zone or not, comes back bogus and a mail check fails
 * for a reason that has nothing to do with mail. An honest "unchecked" beats
 * a wrong "bogus"; users who can validate say so with --trust-anchor auto. */
#ifndef SMTPSCOPE_FRONTEND_CLI_RESOLVER_OPTS_H
#define SMTPSCOPE_FRONTEND_CLI_RESOLVER_OPTS_H

#include "core/err.h"
#include "dns/resolver.h"

typedef struct resolver_opts {
    const char *dns;          /* --dns IP[@PORT]; NULL: the system resolver */
    const char *trust_anchor; /* --trust-anchor FILE|auto|none; NULL: none */
} resolver_opts;

/* The trust-anchor file the policy above picks, or NULL for no validation.
 * Borrowed (o's string or a static path). */
const char *resolver_opts_anchor(const resolver_opts *o);

/* Create a resolver for o. Returns 0 with *out set; *out may be NULL when no
 * --dns was given and the system resolver cannot be set up (IP literals still
 * work then, so that is not an error here). Returns -1 with *out NULL and e
 * set, e->msg naming the option, for a bad --dns string or a --trust-anchor
 * FILE that cannot be used (ERRC_LOCAL_INPUT: the caller reports a usage
 * error), or when a --dns resolver cannot be created (ERRC_DNS). A default
 * anchor that fails to load only means no validation (the report says so). */
int resolver_opts_create(const resolver_opts *o, dns_resolver **out, err *e);

#endif
