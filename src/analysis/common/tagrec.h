/* tagrec.h — what the record analyzers share: one problem type and its
 * list, and the walking of "name=value; name=value" TXT records.
 *
 * DMARC records and DKIM keys are RFC 6376 §3.2 tag-lists; MTA-STS
 * (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) records use a stricter field
 * grammar with the same ';' structure, and DMARC and TLS-RPT both carry ','
 * lists of report URIs. Each analyzer keeps its own grammar and its own stable
 * problem codes; the mechanics live here so a fix reaches all four. Pure
 * functions over untrusted bytes: no printing, and input quoted in a problem
 * sentence is always escaped (core/escape.h). */
#ifndef SMTPSCOPE_ANALYSIS_COMMON_TAGREC_H
#define SMTPSCOPE_ANALYSIS_COMMON_TAGREC_H

#include <stdbool.h>
#include <stddef.h>

typedef enum tagrec_severity {
    TAGREC_SEV_INFO,
    TAGREC_SEV_WARNING,
    TAGREC_SEV_ERROR,
} tagrec_severity;

/* One fault found in a record (dmarc_problem, dkimkey_problem, ... are this
 * type under their module's name). */
typedef struct tagrec_problem {
    const char *code;       /* static string: the analyzer's stable code */
    tagrec_severity sev;
    size_t line;            /* 1-based line (MTA-STS: policy files, and 1 for the
                               record); 0 for the other records and whole-input faults */
    size_t column;          /* 1-based byte column; 0 = the whole input */
    char *detail;           /* owned sentence; input text in it is escaped */
} tagrec_problem;

/* Where problems go: the problems / nproblems / nerrors fields of a record.
 * A failed allocation sets oom and drops the problem; parsers check oom. */
typedef struct tagrec_sink {
    tagrec_problem **v;
    size_t *n;
    size_t *nerr;           /* counts TAGREC_SEV_ERROR problems */
    size_t line;            /* line of the input being parsed; 0 when not line-based */
    bool oom;
} tagrec_sink;

/* Append a problem. detail is an allocated sentence and is taken over (NULL
 * means its allocation failed: oom is set). Its line is k->line when column
 * is not 0, else 0. */
void tagrec_add(tagrec_sink *k, const char *code, tagrec_severity sev, size_t column,
                char *detail);

/* Append a problem whose sentence is "WHAT 'TEXT' at column C" (or "at line L
 * column C" when k->line is set), quoting at most 64 escaped bytes of t. */
void tagrec_quote(tagrec_sink *k, const char *code, tagrec_severity sev, size_t column,
                  const char *what, const char *t, size_t len);

/* When n > max, append an error "record is N bytes, more than the MAX
 * allowed" (noun replaces "record") and return true. */
bool tagrec_too_long(tagrec_sink *k, const char *code, const char *noun, size_t n, size_t max);

/* Free n problems and the array; NULL is a no-op. */
void tagrec_problems_free(tagrec_problem *v, size_t n);

/* Blank bytes: SP and HTAB; folding white space (RFC 6376 FWS) adds CR and LF. */
bool tagrec_is_blank(char c);
bool tagrec_is_fws(char c);

/* Whether the alen bytes at a equal the NUL-terminated lit without case. */
bool tagrec_eq_ci(const char *a, size_t alen, const char *lit);

/* ---- ';'-separated specs ---- */

typedef struct tagrec_iter {
    const char *s;          /* the record (n bytes, any values) */
    size_t n;
    size_t pos;             /* where the next spec starts; 0 to begin */
    bool fws;               /* blanks include CR and LF (RFC 6376 tag-lists) */
    const char *empty_code; /* problem (warning) for an empty spec before a ';' */
    const char *noun;       /* "tag" or "field": used in that problem's sentence */
    size_t count;           /* non-empty specs returned so far */
    tagrec_sink *sink;
} tagrec_iter;

/* The next non-empty spec, as offsets [*a, *b) into the record with blanks
 * trimmed. An empty spec is fine only as the final one (a trailing ';');
 * before a ';' it adds empty_code. Returns false at the end or after oom. */
bool tagrec_next(tagrec_iter *it, size_t *a, size_t *b);

/* A tag-spec split into name and value; pointers into the record. */
typedef struct tagrec_tag {
    const char *name, *val;
    size_t nlen, vlen;
    size_t ncol, vcol;      /* 1-based columns */
} tagrec_tag;

/* Split the tag-spec [a, b) of an RFC 6376 §3.2 tag-list: tag-name = ALPHA
 * *(ALPHA / DIGIT / "_"), '=' with optional blanks around it, value bytes
 * %x21-3A / %x3C-7E with interior blanks. Returns false, with a syntax_code
 * error added, when the spec does not fit. */
bool tagrec_split(tagrec_iter *it, const char *syntax_code, size_t a, size_t b, tagrec_tag *t);

/* Add an error "invalid NAME value 'VALUE' at column C" for tag t. */
void tagrec_invalid_value(tagrec_sink *k, const char *code, const tagrec_tag *t);

/* End of a field name starting at s[a] (RFC 8460 §3, RFC 8461 §3.1):
 * (ALPHA / DIGIT) *(ALPHA / DIGIT / "_" / "-" / "."), scanning up to b.
 * Returns a when there is none; the caller checks the 32-byte bound. */
size_t tagrec_field_name_end(const char *s, size_t a, size_t b);

/* ---- ','-separated lists and report URIs ---- */

/* The next item of a ',' list in s[*pos, end), blanks (tagrec_is_fws when
 * fws) trimmed, as [*a, *b). A list has at least one item, possibly empty.
 * Start with *pos at the list's first byte; returns false after the last. */
bool tagrec_next_item(const char *s, size_t end, bool fws, size_t *pos, size_t *a, size_t *b);

/* Whether the n bytes at u have the shape of a report URI: scheme (ALPHA
 * *(ALPHA / DIGIT / "+" / "-" / ".")) ":" and at least one more byte, all
 * printable ASCII without blanks. *scheme_len gets the scheme's length. For
 * mailto: the address must be local@domain with both parts non-empty; *at
 * then points at its last '@' (NULL for other schemes). */
bool tagrec_uri_shape(const char *u, size_t n, size_t *scheme_len, const char **at);

#endif
