/* unbound_fixture.h — the private Unbound of tests/integration/unbound/
 * fixture.sh, started and stopped for C unit tests that need DNS.
 *
 * One unbound_fixture per test program: start makes a fresh directory under
 * /tmp, runs `fixture.sh start DIR` and reads the port it chose; stop runs
 * `fixture.sh stop DIR` (which kills exactly the PID the script recorded in
 * DIR/unbound.pid) and removes the directory. The group_* wrappers do the
 * same as a cmocka group setup/teardown pair; the fixture they allocate is
 * the group state (`unbound_fixture *f = *state;`), owned and freed by them.
 *
 * Skip rule (the same as the fixture script's): when unbound is not
 * installed the script exits 77, and start returns 0 with port 0, so each
 * test skips; under CI=true the script fails instead and so does start. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_UNBOUND_FIXTURE_H
#define SMTPSCOPE_TESTS_SUPPORT_UNBOUND_FIXTURE_H

#include <stdbool.h>

typedef struct unbound_fixture {
    char dir[64];    /* the fixture's directory; "" when there is none to clean */
    int port;        /* 0 when the fixture is not running: tests skip */
    char server[32]; /* "127.0.0.1@PORT", for dns_resolver_new() */
    char anchor[96]; /* DIR/trust-anchor (DS records of the signed zones), or
                        "" when the zones are served unsigned (no ldnsutils) */
} unbound_fixture;

/* start flag: the caller tests DNSSEC, so under CI=true (where ldnsutils is
 * installed) a missing DIR/trust-anchor fails start. Outside CI it is only
 * left "" and the DNSSEC tests skip. */
#define UNBOUND_FIXTURE_ANCHOR 1u

/* Start the fixture into *f (zeroed first) in a new directory
 * /tmp/smtpscope-TAG-XXXXXX (TAG: a short name for whoever looks at /tmp,
 * cut to 32 characters). Returns 0 when it runs (port > 0) or when it
 * skips (port 0, outside CI only); -1 on any failure, after stopping what
 * was started and removing the directory (f->dir is then ""). Prints the
 * reason for a failure to stderr. */
int unbound_fixture_start(unbound_fixture *f, const char *tag, unsigned flags);

/* Stop the fixture by its recorded PID and remove its directory. Safe on a
 * fixture that skipped, failed or was already stopped. */
void unbound_fixture_stop(unbound_fixture *f);

/* cmocka group setup: allocate an unbound_fixture into *state and start it
 * (tag: the test program's name). Returns 0 or -1 as
 * unbound_fixture_start(); on -1 nothing is left allocated or running. */
int unbound_fixture_group_setup(void **state);

/* The same with UNBOUND_FIXTURE_ANCHOR, for tests that validate DNSSEC. */
int unbound_fixture_group_setup_anchor(void **state);

/* cmocka group teardown: stop the fixture in *state and free it. Always 0. */
int unbound_fixture_group_teardown(void **state);

/* True when CI=true: the image installs every test peer, so a test whose
 * fixture part is missing must fail rather than skip. */
bool unbound_fixture_in_ci(void);

#endif
