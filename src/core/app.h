/* The application context: everything the control thread owns, reachable from one pointer.
 *
 * Owned by main(); handed by pointer to the HTTP layer, sessions and rooms. Only the control
 * thread touches it (media workers get their own state and talk through queues). */
#ifndef RS_CORE_APP_H
#define RS_CORE_APP_H

#include "core/config.h"

struct rs_store;
struct rs_rooms;
struct rs_session;
struct rs_media;

struct rs_app {
    struct rs_config cfg;
    struct rs_store *store;
    struct rs_rooms *rooms;
    struct rs_media *media;       /* NULL when the media plane is not running (tests) */
    struct rs_session *sessions;  /* every open signaling session (for shutdown) */
    int shutting_down;
};

#endif
