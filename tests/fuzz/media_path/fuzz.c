/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: the worker's whole receive path (demux → STUN/DTLS/SRTP → RTP/RTCP routing →
 * forwarding, NACK/RTX, PLI, REMB, layer choice, speaker detection) without a thread or socket.
 *
 * Setup (once): a publisher transport and a subscriber transport, both with validated
 * addresses (through real STUN checks) and SRTP keys we also hold, a simulcast VP8 track, an
 * Opus track and subscriptions to both. Input: chunks of [selector][len_hi][len_lo][bytes]:
 *   0: raw datagram from the publisher's address     1: RTP/RTCP plaintext, protected as the
 *   2: same, as the subscriber (its RTCP: NACK...)      publisher would, then injected
 *   3: raw datagram from an unknown address          4: advance time 100 ms and run timers
 * The socket is -1, so everything the worker sends is counted as a send failure. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "rtc/dtls.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "core/queue.h"
#include "sfu/worker_internal.h"
#include "../../support/wk_inproc.h"

static struct rs_wk *w;
static struct rs_srtp pub_srtp, sub_srtp; /* the peers' sides */
static struct rs_wk_addr pub_addr, sub_addr, stranger;




static void init(void)
{
    rs_log_set_level(RS_LOG_ERROR);
    rs_srtp_global_init();
    w = rs_wk__new(rs_dtls_ctx_new(), NULL, rs_queue_new(sizeof(struct rs_event), 64, 0));
    w->now_ms = 1000000;
    pub_addr = wk_inproc_addr("127.0.0.1", 5000);
    sub_addr = wk_inproc_addr("127.0.0.1", 5001);
    stranger = wk_inproc_addr("127.0.0.2", 6000);

    struct rs_cmd_transport t = {.tid = 1, .has_fingerprint = 1, .owner = 1};
    snprintf(t.ufrag, sizeof(t.ufrag), "0001abcd");
    snprintf(t.pwd, sizeof(t.pwd), "publisherpasswordpublisher");
    rs_wk__transport_add(w, &t);
    wk_inproc_check_in(w, t.ufrag, t.pwd, &pub_addr);
    wk_inproc_key(w, 1, &pub_srtp, 10);
    struct rs_cmd_transport s = {.tid = 2, .has_fingerprint = 1, .subscriber = 1, .owner = 2};
    snprintf(s.ufrag, sizeof(s.ufrag), "0002abcd");
    snprintf(s.pwd, sizeof(s.pwd), "subscriberpasswordsubscrib");
    rs_wk__transport_add(w, &s);
    wk_inproc_check_in(w, s.ufrag, s.pwd, &sub_addr);
    wk_inproc_key(w, 2, &sub_srtp, 50);

    struct rs_cmd_track v = {.track_id = 10, .tid = 1, .owner = 1, .room = 1,
                             .kind = RS_MEDIA_VIDEO, .codec = RS_CODEC_VP8, .pt = 96,
                             .rtx_pt = 97, .clock = 90000, .n_layers = 2, .width = 640,
                             .height = 480};
    v.ext = (struct rs_ext_ids){.mid = 4, .rid = 10, .repaired_rid = 11, .abs_send_time = 2};
    snprintf(v.mid, sizeof(v.mid), "1");
    snprintf(v.rids[0], RS_SFU_RID_SIZE, "l");
    snprintf(v.rids[1], RS_SFU_RID_SIZE, "h");
    rs_wk__track_add(w, &v);
    struct rs_cmd_track a = {.track_id = 11, .tid = 1, .owner = 1, .room = 1,
                             .kind = RS_MEDIA_AUDIO, .codec = RS_CODEC_OPUS, .pt = 111,
                             .rtx_pt = -1, .clock = 48000, .n_layers = 1, .ssrc = 0x1111};
    a.ext = (struct rs_ext_ids){.mid = 4, .audio_level = 1};
    snprintf(a.mid, sizeof(a.mid), "0");
    rs_wk__track_add(w, &a);
    struct rs_cmd_sub sv = {.sub_id = 20, .tid = 2, .track_id = 10, .ssrc = 0x2020,
                            .rtx_ssrc = 0x2021, .pt = 96, .rtx_pt = 97, .enabled = 1, .nack = 1,
                            .remb = 1};
    sv.ext = (struct rs_ext_ids){.mid = 1, .abs_send_time = 2};
    snprintf(sv.mid, sizeof(sv.mid), "0");
    rs_wk__sub_add(w, &sv);
    struct rs_cmd_sub sa = {.sub_id = 21, .tid = 2, .track_id = 11, .ssrc = 0x2120, .pt = 111,
                            .rtx_pt = -1, .enabled = 1};
    sa.ext = (struct rs_ext_ids){.mid = 1, .audio_level = 4};
    snprintf(sa.mid, sizeof(sa.mid), "1");
    rs_wk__sub_add(w, &sa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        init();
        ready = 1;
    }
    static uint8_t buf[RS_WK_PKT_MAX + 128];
    size_t pos = 0;
    while (pos + 3 <= size) {
        uint8_t sel = data[pos] % 5;
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        if (len > RS_WK_PKT_MAX)
            len = RS_WK_PKT_MAX;
        memcpy(buf, data + pos, len);
        pos += len;
        switch (sel) {
        case 0:
            rs_wk__on_datagram(w, buf, len, &pub_addr);
            break;
        case 1:
        case 2: {
            struct rs_srtp *peer = sel == 1 ? &pub_srtp : &sub_srtp;
            size_t l = len;
            int rtcp = len >= 2 && buf[1] >= 192 && buf[1] <= 223;
            int rc = len >= 12 ? (rtcp ? rs_srtp_protect_rtcp(peer, buf, &l, sizeof(buf))
                                       : rs_srtp_protect_rtp(peer, buf, &l, sizeof(buf)))
                               : -1;
            if (rc == 0 && l <= RS_WK_PKT_MAX)
                rs_wk__on_datagram(w, buf, l, sel == 1 ? &pub_addr : &sub_addr);
            break;
        }
        case 3:
            rs_wk__on_datagram(w, buf, len, &stranger);
            break;
        case 4:
            w->now_ms += 100;
            rs_wk__router_timers(w);
            rs_wk__transport_timers(w);
            break;
        }
        w->n_out = 0; /* nothing is really sent */
        struct rs_event ev;
        while (rs_queue_pop(w->events, &ev) == 0)
            ;
    }
    return 0;
}
