/* SPDX-License-Identifier: EUPL-1.2 */
/* Worker events on the control thread: the media workers report, through their event queues
 * (rs_sfu_poll_events), what only they can see: a transport connected or failed, a track's
 * media started flowing, a participant became the active speaker.
 *
 * The subtle thing is that an event may be stale. It names its participant by owner key, and
 * an event for a key that is gone (the participant left while the event was queued) is ignored;
 * a transport failure names its tid, and one for a transport already replaced is ignored too. */
#include <stdbool.h>
#include <stdio.h>

#include "core/log.h"
#include "core/metrics.h"
#include "sfu/cascade.h"
#include "sfu/command.h"
#include "sfu/media_internal.h"
#include "sfu/media_signaling.h"

/* ---- worker events ---- */

static void on_transport_failed(struct rs_media *m, struct pmedia *pm, const struct rs_event *ev)
{
    bool publish = ev->tid == pm->pub.tid;
    if (!ev->tid || (!publish && ev->tid != pm->sub.tid))
        return; /* a transport we already replaced */
    const char *pc = publish ? "publish" : "subscribe";
    enum rs_err code = ev->reason == RS_FAIL_ICE_TIMEOUT ? RS_ERR_ICE_TIMEOUT : RS_ERR_DTLS_FAILED;
    const char *why = ev->reason == RS_FAIL_ICE_TIMEOUT   ? "no ICE consent for 30 s"
                      : ev->reason == RS_FAIL_FINGERPRINT ? "the certificate does not match "
                                                            "the fingerprint in the SDP"
                                                          : "the DTLS handshake failed";
    RS_WARN("media", "event=transport_failed participant=%s tid=%u pc=%s reason=%d", pm->p->id,
            (unsigned)ev->tid, pc, ev->reason);
    rs_metric_error(code);
    char text[200];
    snprintf(text, sizeof(text), "the %s connection was closed: %s; %s", pc, why,
             publish ? "create a new publish connection and publish again"
                     : "a new subscribe offer follows");
    rs_emit_one(pm->p, rs_event("media", "error", "{s:s, s:s, s:s}", "code", rs_err_code(code),
                                "text", text, "pc", pc));
    if (publish) {
        if (rs_ms__publish_reset(m, pm))
            rs_ms__tracks_changed(m, pm);
        return;
    }
    /* A fresh subscribe connection: new transport, mids from "0" again. */
    rs_ms__transport_remove(m, &pm->sub); /* the worker drops its subscriptions with it */
    pm->n_slots = 0;
    pm->offered_slots = 0;
    pm->offer_pending = false;
    pm->offer_dirty = false;
    pm->sub_ice_restart = false;
    rs_ms__sync_subs(m, pm);
}

void rs_media_handle_event(struct rs_media *m, const struct rs_event *ev)
{
    struct pmedia *pm = rs_ms__owner_find(m, ev->owner);
    if (!pm && rs_cascade_media_event(m, ev))
        return; /* an edge room's uplink (sfu/cascade.h) */
    if (!pm || pm->leaving)
        return; /* the participant left while the event was queued */
    switch (ev->type) {
    case RS_EV_ACTIVE_SPEAKER:
        rs_ms__on_active_speaker(m, pm);
        break;
    case RS_EV_TRANSPORT_FAILED:
        on_transport_failed(m, pm, ev);
        break;
    case RS_EV_TRANSPORT_CONNECTED:
        RS_INFO("media", "event=transport_connected participant=%s tid=%u", pm->p->id,
                (unsigned)ev->tid);
        break;
    case RS_EV_TRACK_FLOWING:
        RS_DEBUG("media", "event=track_flowing participant=%s track=%u", pm->p->id,
                 (unsigned)ev->track_id);
        break;
    }
}
