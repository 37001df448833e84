/* message.h — compose an RFC 5322 / MIME message from a description.
 *
 * The caller describes the message (addresses, subject, text and HTML
 * bodies, attachments, extra header fields) in a msg_spec of borrowed
 * pointers; msg_compose validates every field and appends the complete
 * message — CR LF line endings everywhere, no line over 998 octets, Date,
 * Message-ID, MIME-Version — to a capped buffer, and reports what the SMTP
 * transaction needs (8BITMIME, SMTPUTF8, the size for SIZE=). The output is
 * NOT dot-stuffed: feed it through data.h for DATA. For a prepared message
 * (--data FILE) use eml.h instead.
 *
 * Structure: text only -> text/plain; text + HTML -> multipart/alternative;
 * any attachment -> multipart/mixed around that. Details and the reasons
 * for each choice: docs/internals/MESSAGE.md. */
#ifndef SMTPSCOPE_PROTOCOL_MESSAGE_MESSAGE_H
#define SMTPSCOPE_PROTOCOL_MESSAGE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"

#define MSG_ID_MAX        256       /* Message-ID with < >, NUL included */
#define MSG_MAX_RECIPIENTS 1000     /* to + cc + bcc */
#define MSG_MAX_HEADERS   100       /* extra header fields */
#define MSG_MAX_ATTACHMENTS 100

/* Fill out[0..n) with random bytes; 0 on success, -1 on failure. */
typedef int (*msg_random_fn)(void *ctx, unsigned char *out, size_t n);

/* A mailbox: `addr` is "local@domain" (a U-label domain is converted, a
 * non-ASCII local part needs SMTPUTF8); `name` is an optional UTF-8 display
 * name. Both borrowed. */
typedef struct msg_mailbox {
    const char *name;
    const char *addr;
} msg_mailbox;

typedef struct msg_attachment {
    const char *filename;         /* as given; sanitised (mime.h) before use */
    const unsigned char *data;    /* borrowed, len bytes, any values */
    size_t len;
    const char *content_type;     /* NULL: from the extension */
} msg_attachment;

typedef struct msg_spec {
    msg_mailbox from;                       /* required */
    const msg_mailbox *to;   size_t n_to;
    const msg_mailbox *cc;   size_t n_cc;
    const msg_mailbox *bcc;  size_t n_bcc;  /* envelope only: never a header */
    const char *subject;                    /* UTF-8; NULL: no Subject field */
    const char *text;        size_t text_len;   /* NULL: empty (or HTML only) */
    const char *html;        size_t html_len;   /* NULL: no HTML part */
    const char *charset;     /* of text and html; NULL: us-ascii or utf-8 (checked) */
    const msg_attachment *att; size_t n_att;
    /* "Name: value" fields. One whose name matches a default (Date, From,
     * To, Cc, Subject, Message-ID, X-Mailer; case-insensitive) replaces it;
     * others are added in order. Content-Type, Content-Transfer-Encoding and
     * MIME-Version are refused: the composer owns the MIME structure. */
    const char *const *headers; size_t n_headers;
    time_t now;                /* 0: time(NULL); Date uses the local zone */
    msg_random_fn random;      /* NULL: OpenSSL RAND_bytes */
    void *random_ctx;
} msg_spec;

typedef struct msg_info {
    /* Octets of the composed message: CR LF line endings, BEFORE
     * dot-stuffing and without the final "." line — the number SIZE=
     * declares (RFC 1870 §3). */
    size_t size;
    bool needs_8bitmime;   /* some octet >= 0x80 (only with UTF-8 addresses) */
    bool needs_smtputf8;   /* a non-ASCII local part in any address (RFC 6531) */
    size_t renamed_attachments; /* file names the sanitiser changed */
    char message_id[MSG_ID_MAX]; /* "<...>", ours or the caller's */
} msg_info;

/* Validate spec and append the message to out. On success returns 0 and
 * fills *info. On failure returns -1 with e set and out as it was:
 * ERRC_LOCAL_INPUT for any invalid field (the sentence names it: a CR/LF in
 * a subject, a bad address, a bad header name, a message over out's cap),
 * ERRC_INTERNAL for OOM or a failing random source. */
int msg_compose(const msg_spec *spec, buf *out, msg_info *info, err *e);

/* The SMTP envelope of a spec: the sender and every recipient (to, cc, bcc)
 * as validated ASCII-domain mailboxes, duplicates (same mailbox, domain
 * compared case-insensitively) dropped in order. */
typedef struct msg_envelope {
    char *from;          /* owned */
    char **rcpt;         /* owned, n_rcpt entries */
    size_t n_rcpt;
    bool needs_smtputf8;
} msg_envelope;

/* Fill *env (free with msg_envelope_clear). ERRC_LOCAL_INPUT for a bad
 * address or none at all, ERRC_INTERNAL on OOM; *env is empty on failure. */
int msg_envelope_build(const msg_spec *spec, msg_envelope *env, err *e);
void msg_envelope_clear(msg_envelope *env);

/* The default random source (OpenSSL RAND_bytes); ctx unused. */
int msg_random_default(void *ctx, unsigned char *out, size_t n);

#endif
