/* test_pki.h — the throw-away test PKI of tests/fixtures/mkcerts.sh (ca.pem,
 * good.pem/good.key, chain.pem and the faulty variants), made in a fresh
 * temporary directory for a test program that runs TLS peers in-process.
 *
 * One PKI per test program (process-wide state): test_pki_setup makes it,
 * test_pki_teardown removes the directory. Paths returned by
 * test_pki_path live in one of four rotating static buffers, so up to four
 * may be used at once. Plain libc; no cmocka. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_TEST_PKI_H
#define SMTPSCOPE_TESTS_SUPPORT_TEST_PKI_H

/* cmocka group setup: make $TMPDIR/smtpscope-pki-XXXXXX (TMPDIR unset:
 * /tmp) and run mkcerts.sh into it. 0, or -1 when either failed. */
int test_pki_setup(void **state);

/* cmocka group teardown: remove the directory, if one was made. Always 0. */
int test_pki_teardown(void **state);

/* The PKI directory ("" before setup). */
const char *test_pki_dir(void);

/* DIR/name. */
const char *test_pki_path(const char *name);

#endif
