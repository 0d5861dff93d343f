/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for rtc/sdp: parse arbitrary text; when it parses as an offer we can answer,
 * build the answer, and hold the builder to its promise that the answer re-parses and says what
 * the choices say (same m-sections in order, accepted ones with our codec, RTX, rtcp-fb and
 * extmap ids, all of them in our BUNDLE group). A broken promise aborts: that is our bug, not
 * bad input. Corpus: tests/fuzz/sdp/corpus/ (browser offers/answers, our own outputs). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/sdp.h"

static struct rs_sdp offer, answer;
static struct rs_sdp_media_choice choices[RS_SDP_MAX_MEDIA], back[RS_SDP_MAX_MEDIA];
static char buf[2 * RS_SDP_MAX_TEXT];

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (rs_sdp_parse((const char *)data, size, &offer) != 0)
        return 0;
    struct rs_sdp_transport t;
    (void)rs_sdp_get_transport(&offer, &t);

    struct rs_sdp_local l;
    rs_sdp_local_init(&l);
    l.ice_ufrag = "rsUf";
    l.ice_pwd = "rsPwd0123456789abcdefghij";
    l.fingerprint = "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:"
                    "93:A4:B5:C6:D7:E8:F9";
    l.ip = size & 4 ? "2001:db8::7" : "203.0.113.7";
    l.port = 40000;
    l.allow_h264 = size & 1;
    l.prefer_h264 = size & 2;
    if (size & 8) {
        l.fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI;
        l.exts = RS_SDP_EXT_MID | RS_SDP_EXT_RID;
    }
    size_t len = 0;
    int rc = rs_sdp_build_answer(&offer, &l, choices, buf, sizeof buf, &len);
    if (rc == -EINVAL)
        return 0; /* nothing to answer: no ICE/fingerprint, or setup:passive */
    check(rc == 0 && len < sizeof buf && buf[len] == '\0' && strlen(buf) == len);
    check(rs_sdp_parse(buf, len, &answer) == 0);
    check(answer.n_media == offer.n_media && answer.ice_lite);
    check(rs_sdp_parse_answer_choices(&answer, back, RS_SDP_MAX_MEDIA) == 0);
    unsigned accepted = 0;
    for (unsigned i = 0; i < offer.n_media; i++) {
        const struct rs_sdp_media *a = &answer.media[i];
        const struct rs_sdp_media_choice *c = &choices[i], *b = &back[i];
        check(strcmp(a->mid, offer.media[i].mid) == 0 && strcmp(c->mid, a->mid) == 0);
        check(c->accepted == (a->port != 0) && b->accepted == c->accepted);
        if (!c->accepted)
            continue;
        accepted++;
        check(c->codec != RS_SDP_CODEC_NONE && b->codec == c->codec && b->pt == c->pt);
        check(b->rtx_pt == c->rtx_pt && b->fb == c->fb && b->clock == c->clock);
        check(memcmp(&b->ext, &c->ext, sizeof c->ext) == 0);
        check(a->setup == RS_SDP_SETUP_PASSIVE && a->rtcp_mux && a->n_candidates == 1);
        check(a->n_rids == c->n_rids && (a->simulcast.n_recv > 0) == (c->n_rids > 0));
        check(strcmp(a->formats[0].fmtp, c->fmtp) == 0);
    }
    check(answer.n_bundle == accepted);
    return 0;
}
