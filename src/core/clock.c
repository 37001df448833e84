/* clock.c — monotonic time (see clock.h). */
#include <time.h>

#include "core/clock.h"

int64_t clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_deadline_in(int64_t ms)
{
    return clock_now_ms() + ms;
}

int64_t clock_remaining_ms(int64_t deadline)
{
    int64_t left = deadline - clock_now_ms();
    return left > 0 ? left : 0;
}

int64_t clock_wall_s(void)
{
    return (int64_t)time(NULL);
}
