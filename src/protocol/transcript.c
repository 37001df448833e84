/* transcript.c — the timestamped record of a session (see transcript.h).
 *
 * Every line is escaped (core/escape.h) the moment it is recorded, whether it
 * came from the peer or from us, so the stored text is always safe to print
 * or serialise. The event array grows by doubling up to TRANSCRIPT_MAX_EVENTS;
 * past that, events are only counted, so a server that sends a million lines
 * cannot make the record grow without bound. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* core */
#include "core/clock.h"
#include "core/escape.h"

/* protocol */
#include "protocol/transcript.h"

transcript *transcript_new(int64_t t0)
{
    transcript *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->t0 = t0;
    return t;
}

void transcript_free(transcript *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->ev[i].line);
    free(t->ev);
    free(t);
}

/* Take ownership of an already escaped line. */
static void add_escaped(transcript *t, tr_dir dir, char *line)
{
    if (!line)
        return;
    if (t->n >= TRANSCRIPT_MAX_EVENTS) {
        t->dropped++;
        free(line);
        return;
    }
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 32;
        if (ncap > TRANSCRIPT_MAX_EVENTS)
            ncap = TRANSCRIPT_MAX_EVENTS;
        tr_event *nev = realloc(t->ev, ncap * sizeof *nev);
        if (!nev) {
            free(line);
            return; /* header contract: drop silently on OOM */
        }
        t->ev = nev;
        t->cap = ncap;
    }
    t->ev[t->n].ms = clock_now_ms() - t->t0;
    t->ev[t->n].dir = dir;
    t->ev[t->n].line = line;
    t->n++;
}

void transcript_add(transcript *t, tr_dir dir, const char *bytes, size_t len)
{
    if (!t)
        return;
    if (t->n >= TRANSCRIPT_MAX_EVENTS) {
        t->dropped++; /* count without paying for the escape */
        return;
    }
    add_escaped(t, dir, escape_display(bytes ? bytes : "", bytes ? len : 0));
}

void transcript_addf(transcript *t, tr_dir dir, const char *fmt, ...)
{
    if (!t)
        return;
    if (t->n >= TRANSCRIPT_MAX_EVENTS) {
        t->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *raw = NULL;
    int n = vasprintf(&raw, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* Escaped too: formatted notes may quote peer data (a certificate name,
     * a reason from the server), and the transcript promises escaped lines. */
    add_escaped(t, dir, escape_display(raw, (size_t)n));
    free(raw);
}

const char *tr_dir_name(tr_dir d)
{
    switch (d) {
    case TR_SEND: return "send";
    case TR_RECV: return "recv";
    case TR_INFO: return "info";
    }
    return "info";
}
