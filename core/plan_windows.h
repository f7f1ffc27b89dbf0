/* The Windows part of a plan: what the windows backends apply. Plain data,
 * compiled by core/plan_windows.c. */
#ifndef CORDON_PLAN_WINDOWS_H
#define CORDON_PLAN_WINDOWS_H

struct cordon__plan_windows {
    int placeholder; /* filled in by the Windows backend work */
};

#endif
