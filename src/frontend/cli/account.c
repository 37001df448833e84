/* account.c — profile and preset settings merged under the command line,
 * and the password sources that go with them (account.h).
 *
 * A profile's password_cmd runs through oauth_token.c's runner (a deadline,
 * no shell input, the output wiped): it has the same job — run a command,
 * take the first line as a secret — and its messages are reworded here so
 * they name the profile key rather than --oauth2-token-cmd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- frontend ---- */
#include "frontend/cli/account.h"
#include "frontend/cli/oauth_token.h"
#include "frontend/cli/secret.h"

int account_parse_server(const char *arg, char **host, int *port)
{
    *host = NULL;
    *port = 0;
    if (!arg || !arg[0])
        return -1;
    const char *colon = NULL;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close || close == arg + 1)
            return -1;
        *host = xstrndup(arg + 1, (size_t)(close - arg - 1));
        colon = close[1] == ':' ? close + 1 : NULL;
        if (!colon && close[1])
            goto bad;
    } else {
        colon = strchr(arg, ':');
        if (colon && strchr(colon + 1, ':')) /* a bare IPv6 literal has no port */
            colon = NULL;
        *host = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
    }
    if (!*host || !**host)
        goto bad;
    if (colon) {
        char *end = NULL;
        errno = 0;
        long p = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
            goto bad;
        *port = (int)p;
    }
    return 0;
bad:
    free(*host);
    *host = NULL;
    return -1;
}

void account_free(account *a)
{
    if (!a)
        return;
    config_free(&a->cfg);
    free(a->host);
    memset(a, 0, sizeof *a);
}

int account_load(const char *profile, const char *preset_spec, bool want_from, endpoint_opts *o,
                 account *a, err *e)
{
    memset(a, 0, sizeof *a);
    if (preset_spec) {
        if (preset_resolve(preset_spec, &a->preset, e) < 0)
            return -1;
        a->have_preset = true;
    }
    if (profile) {
        const char *path = getenv("SMTPSCOPE_CONFIG");
        if (config_load(path && path[0] ? path : NULL, &a->cfg, e) < 0)
            return -1;
        a->prof = config_find(&a->cfg, profile);
        if (!a->prof) {
            char *dp = a->cfg.path ? NULL : config_default_path();
            err_set(e, ERRC_LOCAL_INPUT, "--profile: no [profile %.64s] in %.150s", profile,
                    a->cfg.path ? a->cfg.path : dp ? dp : "the profile file (none found)");
            free(dp);
            return -1;
        }
    }
    const config_profile *p = a->prof;
    int prof_port = 0;
    if (p && p->server && account_parse_server(p->server, &a->host, &prof_port) < 0)
        return err_set(e, ERRC_LOCAL_INPUT,
                       "%.150s: profile %.64s: server '%.100s' is not HOST or HOST:PORT",
                       a->cfg.path ? a->cfg.path : "config", p->name, p->server);
    if (p && p->port)
        prof_port = p->port;
    /* Host and port travel together: a command-line host never takes a
     * profile's port (a different server), but a profile's port goes with
     * the profile's host. */
    if (!o->host) {
        if (a->host) {
            o->host = a->host;
            if (!o->port)
                o->port = prof_port ? prof_port : a->have_preset ? a->preset.port : 0;
        } else if (a->have_preset) {
            o->host = a->preset.host;
            if (!o->port)
                o->port = prof_port ? prof_port : a->preset.port;
        }
    }
    if (o->tls == TLSM_AUTO) {
        if (p && p->has_tls)
            o->tls = p->tls;
        else if (a->have_preset && o->host == a->preset.host)
            o->tls = a->preset.tls;
    }
    if (p) {
        if (!o->ca_file)
            o->ca_file = p->ca_file;
        if (!o->helo)
            o->helo = p->helo;
        if (!o->auth_user)
            o->auth_user = p->user;
        if (want_from && !o->from)
            o->from = p->from;
    }
    if (!o->auth_user && a->have_preset && a->preset.p->fixed_user)
        o->auth_user = a->preset.p->fixed_user;
    return 0;
}

/* Reword a runner message for a profile's password_cmd; it never contains
 * the command's output. */
static void reword(err *e, const char *profile)
{
    char msg[sizeof e->msg];
    const char *s = e->msg;
    size_t used = 0;
    int w = snprintf(msg, sizeof msg, "profile %.64s: ", profile);
    used = w > 0 ? (size_t)w : 0;
    while (*s && used + 1 < sizeof msg) {
        if (strncmp(s, "--oauth2-token-cmd", 18) == 0) {
            w = snprintf(msg + used, sizeof msg - used, "password_cmd");
            s += 18;
        } else if (strncmp(s, "OAuth token", 11) == 0) {
            w = snprintf(msg + used, sizeof msg - used, "password");
            s += 11;
        } else if (strncmp(s, "token", 5) == 0) {
            w = snprintf(msg + used, sizeof msg - used, "password");
            s += 5;
        } else {
            msg[used] = *s++;
            w = 1;
        }
        used += w > 0 ? (size_t)w : 0;
        if (used >= sizeof msg)
            used = sizeof msg - 1;
    }
    msg[used] = '\0';
    memcpy(e->msg, msg, sizeof msg);
}

char *account_password(const account *a, const char *password_file, const char *user, err *e)
{
    const config_profile *p = a ? a->prof : NULL;
    const char *env = getenv("SMTPSCOPE_PASSWORD");
    if (password_file || (env && env[0]) || !p || (!p->password_file && !p->password_cmd))
        return secret_obtain(password_file, user, e);
    if (p->password_file) {
        char *path = config_expand_home(p->password_file);
        if (!path) {
            err_set(e, ERRC_LOCAL_INPUT, "profile %.64s: cannot expand password_file %.100s",
                    p->name, p->password_file);
            return NULL;
        }
        char *s = secret_obtain(path, user, e);
        free(path);
        return s;
    }
    char *pw = NULL;
    if (oauth_token_obtain(p->password_cmd, &pw, e) < 0) {
        reword(e, p->name);
        return NULL;
    }
    return pw;
}
