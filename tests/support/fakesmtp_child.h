/* fakesmtp_child.h — tests/fakesmtp/fakesmtp.py as a child process of a C
 * unit test: started on a script file, found by the port it writes, stopped
 * by its PID (never by name).
 *
 * The child's stdout goes to /dev/null and its stderr (fakesmtp's log of
 * every step and line) to a file the caller names, for a failing test to
 * show. Plain libc; no cmocka. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_FAKESMTP_CHILD_H
#define SMTPSCOPE_TESTS_SUPPORT_FAKESMTP_CHILD_H

#include <sys/types.h>

typedef struct fakesmtp_child {
    pid_t pid; /* 0: not running */
    int port;  /* 0 until the server listens */
} fakesmtp_child;

/* Start `python3 fakesmtp.py SCRIPT [--certs CERTS] --port-file PORT_FILE`
 * (certs NULL: no certificate directory; log NULL: stderr to /dev/null) and
 * wait up to 20 s for PORT_FILE (removed first) to name its port.
 * Returns 0 when it listens (f->port > 0); 1 when the child ended without
 * listening (python3 missing, a bad script: the caller decides whether that
 * skips); -1 when it could not be started or never reported a port (then it
 * is stopped). f is zeroed first; on anything but 0, f->pid is 0. */
int fakesmtp_child_start(fakesmtp_child *f, const char *script, const char *certs,
                         const char *port_file, const char *log);

/* Stop exactly that child: SIGINT (fakesmtp closes its sockets), up to 3 s,
 * then SIGKILL; reaped either way. Safe on a child not running. */
void fakesmtp_child_stop(fakesmtp_child *f);

#endif
