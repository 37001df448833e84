/* run_cmd.c — fork + execvp + waitpid for the unit tests' helper programs
 * (see run_cmd.h). */
#include "support/run_cmd.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

int run_cmd(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
