/* SPDX-License-Identifier: EUPL-1.2 */
/* The control thread's wake-up (see wakeup.h). */
#include "core/wakeup.h"

#include <errno.h>
#include <stddef.h>

void rs_wakeup_wake(struct rs_wakeup *w)
{
    if (w->wake)
        w->wake(w->loop);
}

void rs_wakeup_request_stop(struct rs_wakeup *w)
{
    w->stop = 1;
    rs_wakeup_wake(w);
}

void rs_wakeup_request_reload(struct rs_wakeup *w)
{
    w->reload = 1;
    rs_wakeup_wake(w);
}

int rs_wakeup_add(struct rs_wakeup *w, rs_wakeup_fn fn, void *arg)
{
    for (unsigned i = 0; i < RS_WAKEUP_MAX_HANDLERS; i++) {
        if (!w->fn[i]) {
            w->fn[i] = fn;
            w->arg[i] = arg;
            return 0;
        }
    }
    return -ENOSPC;
}

void rs_wakeup_remove(struct rs_wakeup *w, rs_wakeup_fn fn, void *arg)
{
    for (unsigned i = 0; i < RS_WAKEUP_MAX_HANDLERS; i++) {
        if (w->fn[i] == fn && w->arg[i] == arg) {
            w->fn[i] = NULL;
            w->arg[i] = NULL;
        }
    }
}

void rs_wakeup_run(struct rs_wakeup *w)
{
    for (unsigned i = 0; i < RS_WAKEUP_MAX_HANDLERS; i++)
        if (w->fn[i])
            w->fn[i](w->arg[i]);
}
