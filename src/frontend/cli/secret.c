/* secret.c — password sources (secret.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- frontend ---- */
#include "frontend/cli/secret.h"

#define SECRET_MAX 4096

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static char *from_file(const char *path, err *e)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        err_sys(e, ERRC_LOCAL_INPUT, errno, "cannot read --password-file %s", path);
        return NULL;
    }
    char *line = calloc(1, SECRET_MAX);
    if (line && !fgets(line, SECRET_MAX, f))
        line[0] = '\0';
    fclose(f);
    if (!line) {
        err_set(e, ERRC_INTERNAL, "out of memory");
        return NULL;
    }
    chomp(line);
    return line;
}

static char *from_prompt(const char *user, err *e)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        err_set(e, ERRC_LOCAL_INPUT,
                "no password: set SMTPSCOPE_PASSWORD or use --password-file FILE "
                "(no terminal to prompt on)");
        return NULL;
    }
    char prompt[300];
    int pn = snprintf(prompt, sizeof prompt, "Password for %s: ", user ? user : "AUTH");
    if (pn > 0 && write(fd, prompt, (size_t)pn) < 0) {
        /* A failed prompt write is not fatal: the read still works. */
    }
    struct termios old, quiet;
    int have_tio = tcgetattr(fd, &old) == 0;
    if (have_tio) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    char *line = calloc(1, SECRET_MAX);
    ssize_t n = line ? read(fd, line, SECRET_MAX - 1) : -1;
    if (have_tio)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* ignore: cosmetic newline after the hidden input */
    }
    close(fd);
    if (!line || n < 0) {
        free(line);
        err_set(e, ERRC_LOCAL_INPUT, "could not read the password from the terminal");
        return NULL;
    }
    line[n] = '\0';
    chomp(line);
    return line;
}

char *secret_obtain(const char *password_file, const char *prompt_user, err *e)
{
    if (password_file)
        return from_file(password_file, e);
    const char *env = getenv("SMTPSCOPE_PASSWORD");
    if (env) {
        char *s = xstrdup(env);
        if (!s)
            err_set(e, ERRC_INTERNAL, "out of memory");
        return s;
    }
    return from_prompt(prompt_user, e);
}

void secret_free(char *s)
{
    xfree_secret(s);
}
