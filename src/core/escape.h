/* escape.h — make untrusted bytes safe to display.
 *
 * Everything a peer sends is escaped before it reaches a terminal, a log or
 * JSON: printable ASCII stays, \t \r \n and other control bytes become \t \r
 * \n \xNN, backslash becomes \\ and bytes >= 0x80 become \xNN unless they form
 * valid UTF-8 (kept, so international text stays readable). The result is
 * always valid UTF-8 and free of control characters. */
#ifndef SMTPSCOPE_CORE_ESCAPE_H
#define SMTPSCOPE_CORE_ESCAPE_H

#include <stddef.h>

/* Escape `len` bytes of `s`. Returns a malloc'd NUL-terminated string (caller
 * frees), or NULL on OOM. */
char *escape_display(const char *s, size_t len);

/* Length in bytes of a valid UTF-8 sequence starting at s (at most `len`
 * bytes available), or 0 if the bytes there are not valid UTF-8 (overlongs,
 * surrogates and code points above U+10FFFF are invalid). */
size_t escape_utf8_seq_len(const unsigned char *s, size_t len);

#endif
