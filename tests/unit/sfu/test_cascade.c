/* SPDX-License-Identifier: EUPL-1.2 */
/* The cascade's answer to an owner's subscribe offer (sfu/cascade.c rs_cascade_build_answer):
 * built from the offer our own server writes (rs_sdp_build_offer), it parses, answers every
 * m-section in order (recvonly for sendonly, rejected stays rejected), keeps the owner's
 * payload types, RTX, rtcp-fb and header extension ids, carries our ICE credentials and
 * fingerprint with a=setup:active, and the owner's side reads it back as a browser's answer;
 * too small a buffer is -ENOSPC at every size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rtc/sdp.h"
#include "sfu/cascade.h"

#define FP "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"

static struct rs_sdp offer, answer;
static char text[RS_SDP_MAX_TEXT], out[RS_SDP_MAX_TEXT];

static size_t owner_offer(void)
{
    struct rs_sdp_local l;
    rs_sdp_local_init(&l);
    l.ice_ufrag = "0001abcd";
    l.ice_pwd = "ABCDEFGHIJKLMNOPQRSTUVWX";
    l.fingerprint = FP;
    l.ip = "127.0.0.1";
    l.port = 40000;
    l.session_id = 77;
    const struct rs_sdp_offer_track tracks[] = {
        {.mid = "0", .kind = RS_SDP_KIND_AUDIO, .active = true, .pt = 111, .codec_name = "opus",
         .clock = 48000, .channels = 2, .fmtp = "minptime=10;useinbandfec=1", .rtx_pt = -1,
         .ssrc = 1001, .cname = "pabc", .stream_id = "pabc", .track_id = "pabc-microphone",
         .exts = RS_SDP_EXT_MID | RS_SDP_EXT_AUDIO_LEVEL | RS_SDP_EXT_ABS_SEND_TIME},
        {.mid = "1", .kind = RS_SDP_KIND_VIDEO, .active = true, .pt = 96, .codec_name = "VP8",
         .clock = 90000, .rtx_pt = 97, .ssrc = 2002, .rtx_ssrc = 2003, .cname = "pabc",
         .stream_id = "pabc", .track_id = "pabc-camera",
         .exts = RS_SDP_EXT_MID | RS_SDP_EXT_ABS_SEND_TIME,
         .fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR | RS_SDP_FB_REMB},
        {.mid = "2", .kind = RS_SDP_KIND_VIDEO, .active = false, .pt = 96, .codec_name = "VP8",
         .clock = 90000, .rtx_pt = 97},
    };
    size_t len = 0;
    assert_int_equal(rs_sdp_build_offer(&l, tracks, 3, 1, text, sizeof(text), &len), 0);
    assert_int_equal(rs_sdp_parse(text, len, &offer), 0);
    return len;
}

static void test_answer(void **state)
{
    (void)state;
    owner_offer();
    size_t len = 0;
    assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx", FP,
                                             out, sizeof(out), &len),
                     0);
    assert_int_equal(rs_sdp_parse(out, len, &answer), 0);
    assert_int_equal(answer.n_media, 3);
    struct rs_sdp_transport tr;
    assert_int_equal(rs_sdp_get_transport(&answer, &tr), 0);
    assert_string_equal(tr.ice_ufrag, "0002wxyz");
    assert_int_equal(tr.setup, RS_SDP_SETUP_ACTIVE);
    assert_int_equal(tr.fingerprint->len, 32);
    struct rs_sdp_media_choice ch[3];
    assert_int_equal(rs_sdp_parse_answer_choices(&answer, ch, 3), 0);
    assert_true(ch[0].accepted);
    assert_string_equal(ch[0].mid, "0");
    assert_int_equal(ch[0].dir, RS_SDP_DIR_RECVONLY);
    assert_int_equal(ch[0].codec, RS_SDP_CODEC_OPUS);
    assert_int_equal(ch[0].pt, 111);
    assert_int_equal(ch[0].ext.mid, RS_SDP_OFFER_EXTID_MID);
    assert_int_equal(ch[0].ext.audio_level, RS_SDP_OFFER_EXTID_AUDIO_LEVEL);
    assert_true(ch[1].accepted);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);
    assert_int_equal(ch[1].pt, 96);
    assert_int_equal(ch[1].rtx_pt, 97);
    assert_int_equal(ch[1].fb & (RS_SDP_FB_NACK | RS_SDP_FB_PLI),
                     RS_SDP_FB_NACK | RS_SDP_FB_PLI);
    /* an ended (rejected) m-section stays rejected, with its mid */
    assert_int_equal(answer.media[2].port, 0);
    assert_string_equal(answer.media[2].mid, "2");
    assert_false(ch[2].accepted);
    /* what the edge takes from the offer: the owner's SSRCs */
    struct rs_sdp_media_choice oc[3];
    assert_int_equal(rs_sdp_parse_answer_choices(&offer, oc, 3), 0);
    assert_int_equal(oc[1].ssrc, 2002);
    assert_int_equal(oc[1].rtx_ssrc, 2003);
}

static void test_answer_too_small(void **state)
{
    (void)state;
    owner_offer();
    size_t len = 0, full;
    assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx", FP,
                                             out, sizeof(out), &full),
                     0);
    for (size_t cap = 1; cap <= full; cap += 53)
        assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx",
                                                 FP, out, cap, &len),
                         -ENOSPC);
    assert_int_equal(rs_cascade_build_answer(&offer, "0002wxyz", "abcdefghijklmnopqrstuvwx", FP,
                                             out, full + 1, &len),
                     0);
    assert_int_equal(len, full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_answer_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
