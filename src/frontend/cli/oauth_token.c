/* oauth_token.c — OAuth access token sources (oauth_token.h).
 *
 * The command runs under a deadline: its output is read with poll(), and a
 * command still running when the deadline passes is sent SIGTERM (then
 * SIGKILL) by the pid we started, never by name. The read buffer is wiped
 * in full, including any bytes after the first line. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- core ---- */
#include "core/clock.h"
#include "core/xalloc.h"
/* ---- frontend ---- */
#include "frontend/cli/oauth_token.h"

static char *copy_token(const char *s, size_t n, err *e)
{
    while (n && (s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (n == 0) {
        err_set(e, ERRC_LOCAL_INPUT, "the OAuth token is empty");
        return NULL;
    }
    char *t = malloc(n + 1);
    if (!t) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        return NULL;
    }
    memcpy(t, s, n);
    t[n] = '\0';
    return t;
}

/* Wait for the child until the deadline, then end it. Its exit status, or
 * -1 when it had to be killed. */
static int reap(pid_t pid, int64_t deadline)
{
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR)
            return -1;
        if (clock_remaining_ms(deadline) <= 0)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    kill(pid, SIGTERM);
    int64_t grace = clock_deadline_in(1000);
    while (waitpid(pid, &status, WNOHANG) == 0 && clock_remaining_ms(grace) > 0)
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    return -1;
}

static char *from_command(const char *cmd, err *e)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        err_sys(e, ERRC_INTERNAL, errno, "cannot run --oauth2-token-cmd");
        return NULL;
    }
    pid_t pid = fork();
    if (pid < 0) {
        err_sys(e, ERRC_INTERNAL, errno, "cannot run --oauth2-token-cmd");
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0)
            dup2(in, STDIN_FILENO);
        dup2(fds[1], STDOUT_FILENO);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    int64_t deadline = clock_deadline_in((int64_t)OAUTH_TOKEN_TIMEOUT_S * 1000);
    char *b = calloc(1, OAUTH_TOKEN_MAX + 2);
    size_t n = 0;
    bool line = false, timed_out = false;
    while (b && !line && n < OAUTH_TOKEN_MAX + 1) {
        int64_t left = clock_remaining_ms(deadline);
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int pr = poll(&p, 1, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        ssize_t r = read(fds[0], b + n, OAUTH_TOKEN_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        line = memchr(b + n, '\n', (size_t)r) != NULL;
        n += (size_t)r;
    }
    close(fds[0]);
    int status = reap(pid, deadline);
    char *token = NULL;
    if (!b)
        err_set(e, ERRC_INTERNAL, "out of memory");
    else if (timed_out || status < 0)
        err_set(e, ERRC_LOCAL_INPUT, "--oauth2-token-cmd did not finish within %d seconds",
                OAUTH_TOKEN_TIMEOUT_S);
    else if (status != 0)
        err_set(e, ERRC_LOCAL_INPUT, "--oauth2-token-cmd failed (exit status %d)", status);
    else {
        char *nl = memchr(b, '\n', n);
        if (!nl && n > OAUTH_TOKEN_MAX)
            err_set(e, ERRC_LOCAL_INPUT,
                    "--oauth2-token-cmd printed a line longer than %d bytes", OAUTH_TOKEN_MAX);
        else
            token = copy_token(b, nl ? (size_t)(nl - b) : n, e);
        if (!token && e->cls == ERRC_LOCAL_INPUT && n == 0)
            err_set(e, ERRC_LOCAL_INPUT, "--oauth2-token-cmd printed no token");
    }
    if (b) {
        explicit_bzero(b, OAUTH_TOKEN_MAX + 2);
        free(b);
    }
    return token;
}

int oauth_token_obtain(const char *cmd, char **token, err *e)
{
    *token = NULL;
    if (cmd) {
        *token = from_command(cmd, e);
        return *token ? 0 : -1;
    }
    const char *env = getenv("SMTPSCOPE_OAUTH2_TOKEN");
    if (!env || !env[0])
        return 0;
    *token = copy_token(env, strlen(env), e);
    return *token ? 0 : -1;
}
