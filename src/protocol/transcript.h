/* transcript.h — the timestamped, direction-tagged record of a session.
 *
 * The protocol layer never prints: it appends events here and the frontends
 * decide what to show. Each event has the milliseconds since the run began,
 * a direction (sent by us, received from the peer, or our own note such as
 * "connected to 127.0.0.1:25" or "TLS established"), and one line of text,
 * escaped for display at the moment it is recorded. Secrets are redacted by
 * the caller before they get here (client_command_secret), so the transcript
 * can be printed, stored or serialised as it is. Bounded: after
 * TRANSCRIPT_MAX_EVENTS further events are counted but dropped. */
#ifndef SMTPSCOPE_PROTOCOL_TRANSCRIPT_H
#define SMTPSCOPE_PROTOCOL_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define TRANSCRIPT_MAX_EVENTS 5000
#define TRANSCRIPT_REDACTED "<redacted>"

typedef enum tr_dir { TR_SEND, TR_RECV, TR_INFO } tr_dir;

typedef struct tr_event {
    int64_t ms;      /* since transcript start */
    tr_dir dir;
    char *line;      /* escaped; owned */
} tr_event;

typedef struct transcript {
    int64_t t0;      /* monotonic ms at start */
    tr_event *ev;    /* owned */
    size_t n;
    size_t cap;
    size_t dropped;  /* events beyond the cap */
} transcript;

/* New transcript starting at monotonic time t0 (clock_now_ms()). NULL on OOM. */
transcript *transcript_new(int64_t t0);
void transcript_free(transcript *t);

/* Record raw bytes (escaped here). Silently drops on OOM or past the cap. */
void transcript_add(transcript *t, tr_dir dir, const char *bytes, size_t len);
void transcript_addf(transcript *t, tr_dir dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "send" / "recv" / "info". */
const char *tr_dir_name(tr_dir d);

#endif
