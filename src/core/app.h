/* SPDX-License-Identifier: EUPL-1.2 */
/* The application context: everything the control thread owns, reachable from one pointer.
 *
 * Owned by main(); handed by pointer to the HTTP layer, sessions and rooms. Only the control
 * thread touches it (media workers get their own state and talk through queues). */
#ifndef RS_CORE_APP_H
#define RS_CORE_APP_H

#include <stdint.h>

#include "core/config.h"
#include "core/wakeup.h"

struct rs_store;
struct rs_rooms;
struct rs_session;
struct rs_media;
struct rs_ratelimit;
struct rs_api;
struct rs_login;

struct rs_app {
    struct rs_config cfg;
    struct rs_store *store;
    struct rs_rooms *rooms;
    struct rs_media *media;          /* NULL when the media plane is not running (tests) */
    struct rs_session *sessions;     /* every open signaling session (for shutdown) */
    uint64_t sessions_opened;        /* serial numbers of signaling sessions (logs) */
    struct rs_ratelimit *join_limit; /* joins per client address (room registry's) */
    struct rs_ratelimit *password_limit;         /* wrong meeting passwords per client address */
    struct rs_ratelimit *meeting_password_limit; /* wrong meeting passwords per meeting */
    struct rs_wakeup wakeup;         /* the control loop's wake-up (core/wakeup.h) */
    struct rs_api *api;              /* REST housekeeping (http/api.c) */
    struct rs_login *login; /* login attempts, the IdP's discovery and keys (http/login.c) */
    int shutting_down;
};

#endif
