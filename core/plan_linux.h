/* The Linux part of a plan: what the linux backends apply. Plain data,
 * compiled by core/plan_linux.c. */
#ifndef CORDON_PLAN_LINUX_H
#define CORDON_PLAN_LINUX_H

struct cordon__plan_linux {
    int placeholder; /* filled in by the Linux backend work */
};

#endif
