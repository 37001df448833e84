/* delivery.h — the pure parts of a delivery (`smtpscope send`): the
 * delivery_report life cycle, the queue id a server names in its final
 * reply, DSN xtext and the per-reply classification. No I/O: the session
 * side is endpoint_deliver.c. */
#ifndef SMTPSCOPE_CHECKS_DELIVERY_H
#define SMTPSCOPE_CHECKS_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "checks/endpoint.h"
#include "core/buf.h"
#include "protocol/reply.h"

#define DELIVERY_QUEUE_ID_MAX 64   /* longest queue id kept (bytes) */

/* Free a report and everything it owns. NULL is a no-op. */
void delivery_report_free(delivery_report *d);

/* 2xx accepted, 4xx deferred, 5xx bounced; NULL is not tried. (A 3xx is
 * never a verdict; it counts as not tried.) */
delivery_status delivery_classify(const smtp_reply *r);

/* The queue id the final reply names, or NULL. Recognised forms, in any
 * line, keywords case-insensitive: "queued as ID" (Postfix "250 2.0.0 Ok:
 * queued as 4Xy1Z2"), "id=ID" (Exim "250 OK id=1abcD-000123-AB"), "OK id
 * ID", and "ID Message accepted for delivery" (Sendmail). Nothing else is
 * guessed. The id is one token of 1..DELIVERY_QUEUE_ID_MAX printable,
 * non-space bytes (a leading '<' and trailing ')' '.' ',' ';' '>' ']'
 * stripped); a longer one yields NULL. The reply text is already escaped
 * (reply.h), so the result is display-safe.
 * Returns allocated (free()), NULL when there is none or on OOM. */
char *delivery_queue_id(const smtp_reply *r);

/* Same, over one line of text (for the table test and the fuzz target). */
char *delivery_queue_id_text(const char *line, size_t len);

/* Append s as RFC 3461 §4 xtext ('+', '=' and bytes outside '!'..'~' as
 * "+HH"). Returns 0 or -1 (cap/OOM). */
int delivery_xtext(buf *out, const char *s);

/* The explanation of a reply: the title of its enhanced code
 * ("Bad destination mailbox address"), else the meaning of its reply code.
 * Allocated; NULL for NULL or OOM. */
char *delivery_explain(const smtp_reply *r);

#endif
