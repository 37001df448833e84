/* cmd_explain.c — `smtpscope explain [--format text|json] [--list] INPUT...`:
 * explain reply codes, enhanced status codes and whole reply lines offline.
 * Every input is parsed before anything is printed, so a typo gives a usage
 * error and no half output. Options are documented in docs/cli/explain.md;
 * keep the two in step. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* ---- core ---- */
#include "core/buf.h"
#include "core/err.h"
/* ---- checks ---- */
#include "checks/explain.h"
/* ---- report ---- */
#include "report/render_explain.h"
#include "report/result.h"
/* ---- frontend ---- */
#include "frontend/cli/commands.h"
#include "frontend/cli/exitcode.h"

static const char explain_usage[] =
    "usage: smtpscope explain [--format text|json] INPUT...\n"
    "       smtpscope explain --list [--format text|json]\n"
    "\n"
    "Explain an SMTP reply code (550), an enhanced status code (5.1.1) or a whole\n"
    "reply line ('550 5.1.1 <bob@example.com>: Recipient address rejected'):\n"
    "what it means, whether to retry, typical causes and what to do. Quote a\n"
    "whole reply line; several inputs give several explanations.\n"
    "\n"
    "  --format text|json    output format (default text; JSON is one object, or\n"
    "                        an array of objects for several inputs)\n"
    "  --list                list every known reply code and enhanced status code\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit codes: 0 explained, 64 usage error (an input that is not a code),\n"
    "70 internal error.\n";

enum { OPT_FORMAT = 256, OPT_LIST };

static const struct option long_opts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"list", no_argument, NULL, OPT_LIST},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct explain_cli {
    bool json;      /* --format json */
    bool list;      /* --list */
    int first;      /* index of the first INPUT in argv */
} explain_cli;

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "smtpscope explain: %s%s%s\n", msg, arg ? arg : "", arg ? "'" : "");
    fputs("Run 'smtpscope explain --help' for the options.\n", stderr);
    return EXIT_USAGE;
}

/* 0 to go on, -1 after --help, or an exit code. */
static int parse_args(int argc, char **argv, explain_cli *c)
{
    *c = (explain_cli){0};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        switch (ch) {
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0)
                c->json = true;
            else if (strcmp(optarg, "text") != 0)
                return usage_error("--format must be text or json, not '", optarg);
            break;
        case OPT_LIST: c->list = true; break;
        case 'h': fputs(explain_usage, stdout); return -1;
        default: return usage_error("unknown or incomplete option '", argv[optind - 1]);
        }
    }
    c->first = optind;
    if (c->list && optind < argc)
        return usage_error("--list takes no INPUT", NULL);
    if (!c->list && optind >= argc)
        return usage_error("missing INPUT (a code such as 550 or 5.1.1, or a reply line)",
                           NULL);
    return 0;
}

static bool want_color(bool json)
{
    const char *nc = getenv("NO_COLOR");
    return !json && isatty(STDOUT_FILENO) && !(nc && nc[0]);
}

static int write_json(json_t *doc)
{
    char *s = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    if (!s)
        return -1;
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
    return 0;
}

static int run_list(const explain_cli *c)
{
    if (c->json) {
        json_t *doc = render_explain_list_json();
        int rc = write_json(doc);
        json_decref(doc);
        return rc < 0 ? EXIT_SOFTWARE : EXIT_PASS;
    }
    buf out;
    buf_init(&out, (size_t)1 << 24);
    int rc = render_explain_list_text(want_color(false), &out);
    if (rc == 0)
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    buf_free(&out);
    return rc < 0 ? EXIT_SOFTWARE : EXIT_PASS;
}

/* An unquoted reply line arrives as several words ("550 5.1.1 User unknown").
 * When some word does not parse on its own but the words joined are one
 * reply line, explain the line; inputs that all parse stay separate. Returns the joined string (caller frees) or
 * NULL when the inputs should stay separate (or on OOM). */
static char *joined_line(int n, char **in)
{
    if (n < 2)
        return NULL;
    bool all_codes = true;
    for (int i = 0; i < n && all_codes; i++) {
        err e;
        err_clear(&e);
        explain_outcome *x = explain_run(in[i], &e);
        all_codes = x != NULL;
        explain_outcome_free(x);
    }
    if (all_codes)
        return NULL;
    buf b;
    buf_init(&b, (size_t)1 << 20);
    for (int i = 0; i < n; i++)
        if ((i && buf_append_str(&b, " ") < 0) || buf_append_str(&b, in[i]) < 0) {
            buf_free(&b);
            return NULL;
        }
    char *line = buf_steal(&b);
    err e;
    err_clear(&e);
    explain_outcome *x = explain_run(line, &e);
    if (!x) {
        free(line);
        return NULL;
    }
    explain_outcome_free(x);
    return line;
}

int cmd_explain(int argc, char **argv)
{
    explain_cli c;
    int rc = parse_args(argc, argv, &c);
    if (rc != 0)
        return rc < 0 ? EXIT_PASS : rc;
    if (c.list)
        return run_list(&c);

    int n = argc - c.first;
    char **in = argv + c.first;
    char *line = joined_line(n, in);
    if (line) {
        in = &line;
        n = 1;
    }
    result **rs = calloc((size_t)n, sizeof *rs);
    json_t *arr = NULL;
    buf out;
    buf_init(&out, (size_t)1 << 24);
    if (!rs) {
        rc = EXIT_SOFTWARE;
        goto out;
    }
    /* Parse everything first: one bad input means usage error, no output. */
    rc = EXIT_PASS;
    for (int i = 0; i < n; i++) {
        err e;
        err_clear(&e);
        explain_outcome *x = explain_run(in[i], &e);
        if (!x) {
            fprintf(stderr, "smtpscope explain: %s\n", e.msg);
            rc = e.cls == ERRC_INTERNAL ? EXIT_SOFTWARE : EXIT_USAGE;
            continue;
        }
        rs[i] = result_new("explain");
        if (!rs[i]) {
            explain_outcome_free(x);
            rc = EXIT_SOFTWARE;
            goto out;
        }
        rs[i]->explain = x;
    }
    if (rc != EXIT_PASS)
        goto out;

    if (c.json) {
        json_t *one = NULL;
        if (n > 1 && !(arr = json_array())) {
            rc = EXIT_SOFTWARE;
            goto out;
        }
        for (int i = 0; i < n; i++) {
            one = render_explain_json(rs[i]->explain);
            if (!one || (arr && json_array_append_new(arr, one) < 0)) {
                if (!arr)
                    json_decref(one);
                rc = EXIT_SOFTWARE;
                goto out;
            }
        }
        if (!arr)
            arr = one;
        if (write_json(arr) < 0)
            rc = EXIT_SOFTWARE;
        goto out;
    }
    bool color = want_color(false);
    for (int i = 0; i < n; i++) {
        if ((i && buf_append_str(&out, "\n") < 0) ||
            render_explain_text(rs[i]->explain, color, &out) < 0) {
            rc = EXIT_SOFTWARE;
            goto out;
        }
    }
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
out:
    if (rc == EXIT_SOFTWARE)
        fputs("smtpscope explain: out of memory\n", stderr);
    fflush(stdout);
    json_decref(arr);
    buf_free(&out);
    for (int i = 0; rs && i < n; i++)
        result_free(rs[i]);
    free(rs);
    free(line);
    return rc;
}
