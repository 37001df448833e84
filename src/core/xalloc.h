/* xalloc.h — small allocation helpers.
 *
 * OOM policy (decided once): library code returns an ERRC_INTERNAL error when
 * an allocation fails; these helpers only save repetition. xstrdup(NULL)
 * returns NULL. */
#ifndef SMTPSCOPE_CORE_XALLOC_H
#define SMTPSCOPE_CORE_XALLOC_H

#include <stddef.h>

char *xstrdup(const char *s);             /* NULL on NULL or OOM */
char *xstrndup(const char *s, size_t n);  /* NULL on OOM */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* NULL on OOM */

/* Grow a pointer array by one slot; returns 0 or -1 on OOM (array unchanged).
 * Usage: if (xarray_push((void ***)&v, &n, item) < 0) ... */
int xarray_push(void ***arr, size_t *n, void *item);

/* Wipe and free a secret string (explicit_bzero then free). NULL is fine. */
void xfree_secret(char *s);

#endif
