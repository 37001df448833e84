/* config.c — the profile file parser (config.h).
 *
 * Hand-written on purpose, rather than with inih (Debian's libinih-dev):
 * the grammar is a tiny, bounded subset (sections, `key = value`, full-line
 * comments), and what matters is the policy around it — refuse an inline
 * password, refuse unknown and repeated keys, bound every line and the file,
 * report LINE numbers in our own words — which inih would leave to a
 * callback anyway. A new build and packaging dependency (scripts/deps.sh, the
 * CI image, the fuzz build) for ~150 lines of straightforward code did not
 * pay for itself. The parser touches no file system and runs nothing; it is
 * fuzzed by tests/fuzz/fuzz_config.c.
 *
 * Not supported, deliberately: inline comments after a value (a '#' is a
 * legitimate character in a command or a path), continuation lines, escapes,
 * keys outside a [profile NAME] section. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- core ---- */
#include "core/xalloc.h"
/* ---- frontend ---- */
#include "frontend/cli/config.h"

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Trim blanks at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > CONFIG_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static void profile_clear(config_profile *p)
{
    free(p->name);
    free(p->server);
    free(p->user);
    free(p->password_cmd);
    free(p->password_file);
    free(p->from);
    free(p->helo);
    free(p->ca_file);
    memset(p, 0, sizeof *p);
}

void config_free(config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        profile_clear(&c->v[i]);
    free(c->v);
    free(c->path);
    memset(c, 0, sizeof *c);
}

const config_profile *config_find(const config *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->n; i++)
        if (strcmp(c->v[i].name, name) == 0)
            return &c->v[i];
    return NULL;
}

typedef struct pstate {
    const char *origin;
    int line;
    err *e;
} pstate;

static int fail(pstate *ps, const char *what, const char *detail)
{
    return err_set(ps->e, ERRC_LOCAL_INPUT, "%.120s:%d: %s%s", ps->origin, ps->line, what,
                   detail ? detail : "");
}

/* Set a string field once; repeated keys are an error (which one wins
 * would be a guess). */
static int set_str(pstate *ps, char **field, const char *key, const char *v, size_t n)
{
    if (*field) {
        char d[80];
        snprintf(d, sizeof d, "'%s' is set twice in this profile", key);
        return fail(ps, d, NULL);
    }
    if (n == 0) {
        char d[80];
        snprintf(d, sizeof d, "'%s' has an empty value", key);
        return fail(ps, d, NULL);
    }
    *field = xstrndup(v, n);
    return *field ? 0 : err_set(ps->e, ERRC_INTERNAL, "out of memory");
}

static int set_key(pstate *ps, config_profile *p, const char *k, size_t kn, const char *v,
                   size_t vn)
{
    char key[32];
    if (kn == 0 || kn >= sizeof key)
        return fail(ps, "expected 'key = value'", NULL);
    memcpy(key, k, kn);
    key[kn] = '\0';
    /* Strip one level of matching double quotes (for values with blanks at
     * the ends); nothing inside is interpreted. */
    if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
        v++;
        vn -= 2;
    }
    if (strcasecmp(key, "password") == 0 || strcasecmp(key, "pass") == 0 ||
        strcasecmp(key, "secret") == 0 || strcasecmp(key, "passwd") == 0)
        return fail(ps,
                    "passwords are never stored in the profile file; use password_cmd "
                    "(a command that prints it) or password_file (a file of its own)",
                    NULL);
    if (strcmp(key, "server") == 0)
        return set_str(ps, &p->server, key, v, vn);
    if (strcmp(key, "user") == 0)
        return set_str(ps, &p->user, key, v, vn);
    if (strcmp(key, "password_cmd") == 0)
        return set_str(ps, &p->password_cmd, key, v, vn);
    if (strcmp(key, "password_file") == 0)
        return set_str(ps, &p->password_file, key, v, vn);
    if (strcmp(key, "from") == 0)
        return set_str(ps, &p->from, key, v, vn);
    if (strcmp(key, "helo") == 0)
        return set_str(ps, &p->helo, key, v, vn);
    if (strcmp(key, "ca_file") == 0)
        return set_str(ps, &p->ca_file, key, v, vn);
    if (strcmp(key, "port") == 0) {
        if (p->port)
            return fail(ps, "'port' is set twice in this profile", NULL);
        int port = 0;
        for (size_t i = 0; i < vn; i++) {
            if (v[i] < '0' || v[i] > '9' || port > 65535)
                return fail(ps, "port must be a number from 1 to 65535", NULL);
            port = port * 10 + (v[i] - '0');
        }
        if (port < 1 || port > 65535)
            return fail(ps, "port must be a number from 1 to 65535", NULL);
        p->port = port;
        return 0;
    }
    if (strcmp(key, "tls") == 0) {
        if (p->has_tls)
            return fail(ps, "'tls' is set twice in this profile", NULL);
        char mode[16];
        if (vn == 0 || vn >= sizeof mode)
            return fail(ps, "tls must be auto, starttls, implicit or none", NULL);
        memcpy(mode, v, vn);
        mode[vn] = '\0';
        if (tls_mode_parse(mode, &p->tls) < 0)
            return fail(ps, "tls must be auto, starttls, implicit or none", NULL);
        p->has_tls = true;
        return 0;
    }
    char d[80];
    snprintf(d, sizeof d, "unknown key '%s' (known: server, port, tls, user, ", key);
    return fail(ps, d, "password_cmd, password_file, from, helo, ca_file)");
}

/* "[profile NAME]" with any blanks around the parts. */
static int section(pstate *ps, config *c, const char *s, size_t n, config_profile **cur)
{
    if (n < 2 || s[n - 1] != ']')
        return fail(ps, "a section header must end with ']'", NULL);
    s++;
    n -= 2;
    trim(&s, &n);
    if (n < 8 || strncmp(s, "profile", 7) != 0 || !is_blank(s[7]))
        return fail(ps, "only [profile NAME] sections are known", NULL);
    s += 8;
    n -= 8;
    trim(&s, &n);
    if (!name_ok(s, n))
        return fail(ps, "a profile name is 1-64 of A-Z a-z 0-9 . _ -", NULL);
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i].name) == n && memcmp(c->v[i].name, s, n) == 0)
            return fail(ps, "this profile is already defined above", NULL);
    if (c->n == CONFIG_MAX_PROFILES)
        return fail(ps, "too many profiles (the limit is 64)", NULL);
    config_profile *v = realloc(c->v, (c->n + 1) * sizeof *v);
    if (!v)
        return err_set(ps->e, ERRC_INTERNAL, "out of memory");
    c->v = v;
    config_profile *p = &v[c->n];
    memset(p, 0, sizeof *p);
    p->name = xstrndup(s, n);
    if (!p->name)
        return err_set(ps->e, ERRC_INTERNAL, "out of memory");
    p->line = ps->line;
    c->n++;
    *cur = p;
    return 0;
}

static int one_line(pstate *ps, config *c, const char *s, size_t n, config_profile **cur)
{
    if (n > CONFIG_MAX_LINE)
        return fail(ps, "line too long (the limit is 1024 bytes)", NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return fail(ps, "control character in the line", NULL);
    }
    trim(&s, &n);
    if (n == 0 || s[0] == '#' || s[0] == ';')
        return 0;
    if (s[0] == '[')
        return section(ps, c, s, n, cur);
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return fail(ps, "expected 'key = value' or [profile NAME]", NULL);
    if (!*cur)
        return fail(ps, "a setting before the first [profile NAME]", NULL);
    const char *k = s, *v = eq + 1;
    size_t kn = (size_t)(eq - s), vn = n - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    return set_key(ps, *cur, k, kn, v, vn);
}

int config_parse(const char *text, size_t len, const char *origin, config *out, err *e)
{
    memset(out, 0, sizeof *out);
    pstate ps = {.origin = origin ? origin : "config", .line = 0, .e = e};
    if (len > CONFIG_MAX_FILE)
        return err_set(e, ERRC_LOCAL_INPUT, "%.120s: larger than %d bytes", ps.origin,
                       CONFIG_MAX_FILE);
    config_profile *cur = NULL;
    size_t i = 0;
    /* A UTF-8 byte order mark is harmless; skip it. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len) {
        ps.line++;
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - i;
        if (n && text[i + n - 1] == '\r')
            n--;
        if (one_line(&ps, out, text + i, n, &cur) < 0) {
            config_free(out);
            return -1;
        }
        i = end + 1;
    }
    return 0;
}

char *config_default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && xdg[0] == '/')  /* the XDG spec ignores a relative value */
        return xasprintf("%s/smtpscope/config", xdg);
    const char *home = getenv("HOME");
    if (home && home[0])
        return xasprintf("%s/.config/smtpscope/config", home);
    return NULL;
}

char *config_expand_home(const char *path)
{
    if (!path)
        return NULL;
    if (strncmp(path, "~/", 2) != 0)
        return xstrdup(path);
    const char *home = getenv("HOME");
    if (!home || !home[0])
        return NULL;
    return xasprintf("%s/%s", home, path + 2);
}

int config_load(const char *path, config *out, err *e)
{
    memset(out, 0, sizeof *out);
    bool dflt = path == NULL;
    char *p = dflt ? config_default_path() : xstrdup(path);
    if (!p)
        return dflt ? 0 : err_set(e, ERRC_INTERNAL, "out of memory");
    FILE *f = fopen(p, "rb");
    if (!f) {
        int en = errno;
        if (dflt && en == ENOENT) {
            free(p);
            return 0;
        }
        err_sys(e, ERRC_LOCAL_INPUT, en, "cannot read the profile file %.150s", p);
        free(p);
        return -1;
    }
    char *text = malloc(CONFIG_MAX_FILE + 1);
    size_t n = text ? fread(text, 1, CONFIG_MAX_FILE + 1, f) : 0;
    bool bad = text && ferror(f);
    fclose(f);
    int rc = -1;
    if (!text)
        err_set(e, ERRC_INTERNAL, "out of memory");
    else if (bad)
        err_set(e, ERRC_LOCAL_INPUT, "cannot read the profile file %.150s", p);
    else if (n > CONFIG_MAX_FILE)
        err_set(e, ERRC_LOCAL_INPUT, "%.150s: larger than %d bytes", p, CONFIG_MAX_FILE);
    else if (config_parse(text, n, p, out, e) == 0) {
        out->path = p;
        p = NULL;
        rc = 0;
    }
    free(text);
    free(p);
    return rc;
}
