/* unbound_fixture.c — start/stop of the private Unbound for C unit tests
 * (see unbound_fixture.h). The work is all in fixture.sh; this file only
 * runs it, reads DIR/port and applies the skip rule, so every DNS test
 * starts and stops the server the same way. No process is ever stopped by
 * name: fixture.sh stop kills the PID it wrote at start. */
#include "support/unbound_fixture.h"
#include "support/run_cmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIXTURE SOURCE_DIR "/tests/integration/unbound/fixture.sh"

bool unbound_fixture_in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && strcmp(ci, "true") == 0;
}

/* Stop, clean up and report why start failed. */
static int start_failed(unbound_fixture *f, const char *why)
{
    fprintf(stderr, "unbound fixture (%s): %s\n", f->dir, why);
    unbound_fixture_stop(f);
    return -1;
}

int unbound_fixture_start(unbound_fixture *f, const char *tag, unsigned flags)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/smtpscope-%.32s-XXXXXX", tag && *tag ? tag : "dns");
    if (!mkdtemp(f->dir)) {
        fprintf(stderr, "unbound fixture: mkdtemp %s: %s\n", f->dir, strerror(errno));
        f->dir[0] = '\0';
        return -1;
    }
    char *argv[] = {"bash", FIXTURE, "start", f->dir, NULL};
    int rc = run_cmd(argv);
    if (rc == 77 && !unbound_fixture_in_ci())
        return 0; /* unbound not installed: port stays 0, every test skips */
    if (rc != 0)
        return start_failed(f, "fixture.sh start failed");
    char path[128];
    snprintf(path, sizeof path, "%s/port", f->dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return start_failed(f, "no port file");
    if (fscanf(fp, "%d", &f->port) != 1)
        f->port = 0;
    fclose(fp);
    if (f->port <= 0 || f->port > 65535) {
        f->port = 0;
        return start_failed(f, "bad port file");
    }
    snprintf(f->server, sizeof f->server, "127.0.0.1@%d", f->port);
    snprintf(f->anchor, sizeof f->anchor, "%s/trust-anchor", f->dir);
    if (access(f->anchor, R_OK) != 0) {
        f->anchor[0] = '\0';
        /* CI installs ldnsutils, so there the zones must be signed. */
        if ((flags & UNBOUND_FIXTURE_ANCHOR) && unbound_fixture_in_ci())
            return start_failed(f, "no trust-anchor but CI=true");
    }
    return 0;
}

void unbound_fixture_stop(unbound_fixture *f)
{
    if (!f || !f->dir[0])
        return;
    char *stop[] = {"bash", FIXTURE, "stop", f->dir, NULL};
    run_cmd(stop);
    char *rm[] = {"rm", "-rf", f->dir, NULL};
    run_cmd(rm);
    f->dir[0] = '\0';
    f->port = 0;
    f->server[0] = '\0';
    f->anchor[0] = '\0';
}

static int group_setup(void **state, unsigned flags)
{
    unbound_fixture *f = calloc(1, sizeof *f);
    *state = f;
    if (!f)
        return -1;
    if (unbound_fixture_start(f, program_invocation_short_name, flags) < 0) {
        /* start already cleaned up; cmocka 1.1 still calls the teardown,
         * which is a no-op on NULL, but other versions may not. */
        free(f);
        *state = NULL;
        return -1;
    }
    return 0;
}

int unbound_fixture_group_setup(void **state)
{
    return group_setup(state, 0);
}

int unbound_fixture_group_setup_anchor(void **state)
{
    return group_setup(state, UNBOUND_FIXTURE_ANCHOR);
}

int unbound_fixture_group_teardown(void **state)
{
    unbound_fixture *f = *state;
    unbound_fixture_stop(f);
    free(f);
    *state = NULL;
    return 0;
}
