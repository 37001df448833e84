/* test_pki.c — a test program's throw-away PKI (see test_pki.h). */
#include "support/test_pki.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "support/run_cmd.h"

static char pki_dir[256];

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

int test_pki_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(pki_dir, sizeof pki_dir, "%s/smtpscope-pki-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(pki_dir)) {
        pki_dir[0] = '\0';
        return -1;
    }
    char *argv[] = {"bash", SOURCE_DIR "/tests/fixtures/mkcerts.sh", pki_dir, NULL};
    return run_cmd(argv) == 0 ? 0 : -1;
}

int test_pki_teardown(void **state)
{
    (void)state;
    if (pki_dir[0])
        nftw(pki_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    pki_dir[0] = '\0';
    return 0;
}

const char *test_pki_dir(void)
{
    return pki_dir;
}

const char *test_pki_path(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", pki_dir, name);
    return p[k];
}
