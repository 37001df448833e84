/* fakesmtp_child.c — fakesmtp.py started and stopped by PID (see
 * fakesmtp_child.h). */
#include "support/fakesmtp_child.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAKESMTP SOURCE_DIR "/tests/fakesmtp/fakesmtp.py"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int read_port(const char *path)
{
    int port = 0;
    FILE *pf = fopen(path, "r");
    if (pf) {
        if (fscanf(pf, "%d", &port) != 1 || port <= 0 || port > 65535)
            port = 0;
        fclose(pf);
    }
    return port;
}

int fakesmtp_child_start(fakesmtp_child *f, const char *script, const char *certs,
                         const char *port_file, const char *log)
{
    memset(f, 0, sizeof *f);
    unlink(port_file);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        int lfd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644) : null;
        if (null >= 0)
            dup2(null, 1);
        if (lfd >= 0)
            dup2(lfd, 2);
        /* Python turns SIGINT into a clean stop only if it is not ignored. */
        signal(SIGINT, SIG_DFL);
        if (certs)
            execlp("python3", "python3", FAKESMTP, script, "--certs", certs, "--port-file",
                   port_file, (char *)NULL);
        else
            execlp("python3", "python3", FAKESMTP, script, "--port-file", port_file,
                   (char *)NULL);
        _exit(127);
    }
    f->pid = pid;
    for (int i = 0; i < 400; i++) { /* 20 s: a loaded, sanitized CI machine */
        f->port = read_port(port_file);
        if (f->port > 0)
            return 0;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            f->pid = 0;
            return 1;
        }
        sleep_ms(50);
    }
    fakesmtp_child_stop(f);
    return -1;
}

void fakesmtp_child_stop(fakesmtp_child *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGINT);
        int i = 0;
        while (i < 60 && waitpid(f->pid, NULL, WNOHANG) != f->pid) {
            sleep_ms(50);
            i++;
        }
        if (i == 60) {
            kill(f->pid, SIGKILL);
            waitpid(f->pid, NULL, 0);
        }
    }
    f->pid = 0;
    f->port = 0;
}
