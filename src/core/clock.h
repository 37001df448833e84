/* clock.h — monotonic time and deadlines.
 *
 * A deadline is an absolute CLOCK_MONOTONIC time in milliseconds. Every
 * blocking operation below the frontends takes one, which is how a whole-run
 * timeout or a per-stage timeout is enforced without alarm() or signals. */
#ifndef SMTPSCOPE_CORE_CLOCK_H
#define SMTPSCOPE_CORE_CLOCK_H

#include <stdint.h>

/* Milliseconds on the monotonic clock (arbitrary origin). */
int64_t clock_now_ms(void);

/* Deadline `ms` milliseconds from now. */
int64_t clock_deadline_in(int64_t ms);

/* Milliseconds left before `deadline`, never negative; 0 means expired. */
int64_t clock_remaining_ms(int64_t deadline);

/* Wall-clock seconds since the epoch (for certificate validity maths). */
int64_t clock_wall_s(void);

#endif
