/* golden.h — golden-file comparison for C unit tests: rendered output
 * against DIR/<name>.<ext>.ref (tests/golden/...).
 *
 * The document's version (the first "version": "..." key) is replaced by
 * @VERSION@ before comparing, so a release does not change the files. With
 * SMTPSCOPE_GOLDEN_UPDATE=1 in the environment the .ref is rewritten instead
 * of compared (review the diff). On a mismatch the actual output is left as
 * <name>.<ext>.out in the output directory (the test binary's, once
 * golden_out_dir_from_argv0 has run; else the working directory) and the
 * message names the first differing line.
 *
 * Plain libc: every function reports failure by its return value and a
 * sentence in why; GOLDEN_ASSERT turns that into a cmocka failure at the
 * caller's line. Strings returned are allocated; the caller frees them. */
#ifndef SMTPSCOPE_TESTS_SUPPORT_GOLDEN_H
#define SMTPSCOPE_TESTS_SUPPORT_GOLDEN_H

#include <stdbool.h>
#include <stddef.h>

/* Where .out files go: the directory part of argv0 (unchanged when argv0
 * has no slash). */
void golden_out_dir_from_argv0(const char *argv0);

/* True when SMTPSCOPE_GOLDEN_UPDATE=1: rewrite instead of compare. */
bool golden_update_mode(void);

/* The whole file, NUL-terminated (at most 16 MiB); NULL when it cannot be
 * read or is larger. */
char *golden_slurp(const char *path);

/* Write s to path, replacing it; 0, or -1. */
int golden_spit(const char *path, const char *s);

/* doc with its first "version" value replaced by @VERSION@ (a copy of doc
 * when it has none); NULL only when out of memory. */
char *golden_normalize_version(const char *doc);

/* Compare rendered (version-normalized) with dir/<name>.<ext>.ref, or
 * rewrite the .ref in update mode. 0 when equal or rewritten; -1 with why
 * filled in when the file is missing, differs or cannot be written. */
int golden_check(const char *dir, const char *name, const char *ext, const char *rendered,
                 char *why, size_t why_len);

/* For cmocka tests (include <cmocka.h> first). */
#define GOLDEN_ASSERT(dir, name, ext, rendered)                                  \
    do {                                                                         \
        char golden_why_[2048];                                                  \
        if (golden_check((dir), (name), (ext), (rendered), golden_why_,          \
                         sizeof golden_why_) != 0)                               \
            fail_msg("%s", golden_why_);                                         \
    } while (0)

#endif
