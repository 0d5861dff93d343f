/* SPDX-License-Identifier: EUPL-1.2 */
/* Unit tests for rtc/sdp: RFC 8866's example, real-looking Chromium and Firefox offers and
 * answers (sdp_vectors.h, generated from the files in sdp_vectors/, which are also the fuzz
 * corpus' seeds), answer and offer round trips, and malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rtc/sdp.h"

#include "sdp_vectors.h"

/* Large (~700 KiB each): static, never on the stack. */
static struct rs_sdp sdp_a, sdp_b;
static char text[RS_SDP_MAX_TEXT + 1];
static char big[2 * RS_SDP_MAX_TEXT];

#define OUR_FP                                                                                     \
    "0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:"   \
    "E8:F9"

static void local_defaults(struct rs_sdp_local *l)
{
    rs_sdp_local_init(l);
    l->ice_ufrag = "rsUf";
    l->ice_pwd = "rsPwd0123456789abcdefghij";
    l->fingerprint = OUR_FP;
    l->ip = "203.0.113.7";
    l->port = 40000;
    l->session_id = 4242;
    l->session_version = 1;
}

static int parse_str(const char *s, struct rs_sdp *out)
{
    return rs_sdp_parse(s, strlen(s), out);
}

static const struct rs_sdp_format *find_pt(const struct rs_sdp_media *m, unsigned pt)
{
    for (unsigned i = 0; i < m->n_formats; i++)
        if (m->formats[i].pt == pt)
            return &m->formats[i];
    return NULL;
}

static int ext_id(const struct rs_sdp_media *m, const char *uri)
{
    for (unsigned i = 0; i < m->n_extmaps; i++)
        if (strcmp(m->extmaps[i].uri, uri) == 0)
            return m->extmaps[i].id;
    return 0;
}

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define URI_RRID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
#define URI_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_AST "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

/* Every line ends in CRLF, none is empty or longer than the parser allows. */
static void assert_well_formed(const char *s, size_t len)
{
    assert_true(len >= 2);
    assert_int_equal(strlen(s), len);
    assert_memory_equal(s + len - 2, "\r\n", 2);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\n')
            continue;
        assert_true(i > start + 1);
        assert_int_equal(s[i - 1], '\r');
        assert_true(i - 1 - start <= RS_SDP_MAX_LINE);
        assert_true(i - 1 - start <= 1024); /* ours are far shorter than the limit */
        start = i + 1;
    }
}

/* The answer's invariants against its offer (JSEP 5.3.1 as the SFU does it). */
static void assert_valid_answer(const struct rs_sdp *offer, const struct rs_sdp *ans,
                                const struct rs_sdp_media_choice *ch, const struct rs_sdp_local *l)
{
    assert_true(ans->ice_lite);
    assert_int_equal(ans->n_media, offer->n_media);
    unsigned n_accepted = 0;
    for (unsigned i = 0; i < offer->n_media; i++) {
        const struct rs_sdp_media *o = &offer->media[i], *a = &ans->media[i];
        assert_string_equal(a->mid, o->mid);
        assert_string_equal(a->media, o->media);
        assert_string_equal(ch[i].mid, o->mid);
        if (!ch[i].accepted) {
            assert_int_equal(a->port, 0);
            continue;
        }
        n_accepted++;
        assert_int_equal(a->port, l->port);
        assert_false(a->bundle_only);
        assert_true(a->rtcp_mux);
        assert_int_equal(a->setup, RS_SDP_SETUP_PASSIVE);
        assert_string_equal(a->ice.ufrag, l->ice_ufrag);
        assert_string_equal(a->ice.pwd, l->ice_pwd);
        assert_int_equal(a->fingerprint.hash, RS_SDP_HASH_SHA256);
        assert_int_equal(a->n_candidates, l->tcp_port ? 2 : 1);
        assert_string_equal(a->candidates[0].addr, l->ip);
        assert_int_equal(a->candidates[0].port, l->port);
        assert_int_equal(a->candidates[0].type, RS_SDP_CAND_HOST);
        assert_false(a->candidates[0].tcp);
        if (l->tcp_port) { /* ICE-TCP: passive, below UDP */
            assert_true(a->candidates[1].tcp);
            assert_string_equal(a->candidates[1].addr, l->tcp_ip ? l->tcp_ip : l->ip);
            assert_int_equal(a->candidates[1].port, l->tcp_port);
            assert_int_equal(a->candidates[1].type, RS_SDP_CAND_HOST);
            assert_true(a->candidates[1].priority < a->candidates[0].priority);
            assert_non_null(strstr(a->candidates[1].raw, " tcptype passive"));
        }
        assert_true(a->end_of_candidates);
        assert_true(a->dir == RS_SDP_DIR_RECVONLY || a->dir == RS_SDP_DIR_INACTIVE);
        /* Payload types come from the offer, with the same codec and RTX mapping. */
        assert_int_equal(a->n_formats, ch[i].rtx_pt >= 0 ? 2 : 1);
        assert_int_equal(a->formats[0].pt, ch[i].pt);
        const struct rs_sdp_format *of = find_pt(o, ch[i].pt);
        assert_non_null(of);
        assert_string_equal(a->formats[0].name, of->name);
        assert_int_equal(a->formats[0].clock, of->clock);
        assert_string_equal(a->formats[0].fmtp, of->fmtp);
        if (ch[i].rtx_pt >= 0) {
            assert_int_equal(a->formats[1].pt, ch[i].rtx_pt);
            assert_int_equal(a->formats[1].apt, ch[i].pt);
            assert_int_equal(find_pt(o, (unsigned)ch[i].rtx_pt)->apt, ch[i].pt);
        }
        /* Every answered extmap keeps the offer's id for the same URI. */
        for (unsigned k = 0; k < a->n_extmaps; k++)
            assert_int_equal(ext_id(o, a->extmaps[k].uri), a->extmaps[k].id);
        /* Simulcast mirrored: send rids come back as recv. */
        assert_int_equal(a->simulcast.n_recv > 0, ch[i].n_rids > 0);
        assert_int_equal(a->simulcast.n_send, 0);
        for (unsigned k = 0; k < a->n_rids; k++)
            assert_false(a->rids[k].send);
        /* It is in our BUNDLE group. */
        bool bundled = false;
        for (unsigned b = 0; b < ans->n_bundle; b++)
            bundled = bundled || strcmp(ans->bundle[b], a->mid) == 0;
        assert_true(bundled);
    }
    assert_int_equal(ans->n_bundle, n_accepted);
}

static void answer_roundtrip(const char *offer_text, const struct rs_sdp_local *l,
                             struct rs_sdp_media_choice *ch)
{
    assert_int_equal(parse_str(offer_text, &sdp_a), 0);
    size_t len = 0;
    assert_int_equal(rs_sdp_build_answer(&sdp_a, l, ch, text, sizeof text, &len), 0);
    assert_well_formed(text, len);
    assert_int_equal(rs_sdp_parse(text, len, &sdp_b), 0);
    assert_valid_answer(&sdp_a, &sdp_b, ch, l);
}

/* ---- tests ---- */

static void test_rfc8866_example(void **state)
{
    (void)state;
    assert_int_equal(parse_str(vec_rfc8866_example, &sdp_a), 0);
    assert_int_equal(sdp_a.session_id, 3724394400u);
    assert_int_equal(sdp_a.session_version, 3724394405u);
    assert_int_equal(sdp_a.n_media, 3);
    const struct rs_sdp_media *m = &sdp_a.media[0];
    assert_int_equal(m->kind, RS_SDP_KIND_AUDIO);
    assert_int_equal(m->port, 49170);
    assert_string_equal(m->proto, "RTP/AVP");
    assert_true(m->rtp);
    assert_int_equal(m->n_formats, 1);
    assert_int_equal(m->formats[0].pt, 0);
    assert_string_equal(m->conn_addr, "198.51.100.1");
    assert_int_equal(sdp_a.media[1].port, 49180);
    m = &sdp_a.media[2];
    assert_int_equal(m->kind, RS_SDP_KIND_VIDEO);
    assert_int_equal(m->port, 51372);
    assert_string_equal(m->conn_addr, "2001:db8::2");
    assert_string_equal(m->formats[0].name, "h263-1998");
    assert_int_equal(m->formats[0].clock, 90000);
    assert_int_equal(m->dir, RS_SDP_DIR_SENDRECV);
    assert_false(sdp_a.has_bundle);

    /* Not a WebRTC offer: no ICE, so no answer. */
    struct rs_sdp_local l;
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    local_defaults(&l);
    assert_int_equal(rs_sdp_build_answer(&sdp_a, &l, ch, text, sizeof text, NULL), -EINVAL);
}

static void test_chrome_simulcast_offer(void **state)
{
    (void)state;
    assert_int_equal(parse_str(vec_chrome_publish_simulcast_offer, &sdp_a), 0);
    assert_int_equal(sdp_a.session_id, 5406297631576426093u);
    assert_int_equal(sdp_a.session_version, 2);
    assert_false(sdp_a.ice_lite);
    assert_int_equal(sdp_a.n_bundle, 3);
    assert_string_equal(sdp_a.bundle[2], "2");
    assert_int_equal(sdp_a.n_media, 3);

    const struct rs_sdp_media *a = &sdp_a.media[0];
    assert_string_equal(a->mid, "0");
    assert_string_equal(a->ice.ufrag, "Lk7q");
    assert_string_equal(a->ice.pwd, "8H0rJwq5vN2mYb3cXd9fTa1E");
    assert_string_equal(a->ice.options, "trickle");
    assert_int_equal(a->fingerprint.hash, RS_SDP_HASH_SHA256);
    assert_int_equal(a->fingerprint.len, 32);
    assert_int_equal(a->fingerprint.bytes[0], 0x11);
    assert_int_equal(a->fingerprint.bytes[31], 0x7f);
    assert_int_equal(a->setup, RS_SDP_SETUP_ACTPASS);
    assert_int_equal(a->dir, RS_SDP_DIR_SENDONLY);
    assert_true(a->rtcp_mux);
    assert_true(a->rtcp_rsize);
    assert_int_equal(a->n_formats, 8);
    assert_string_equal(a->formats[0].name, "opus");
    assert_int_equal(a->formats[0].channels, 2);
    assert_int_equal(a->formats[0].useinbandfec, 1);
    assert_int_equal(a->formats[0].fb, RS_SDP_FB_TWCC);
    assert_string_equal(a->formats[0].fmtp, "minptime=10;useinbandfec=1");
    assert_int_equal(a->n_extmaps, 4);
    assert_int_equal(a->n_ssrcs, 2);
    assert_int_equal(a->ssrcs[1].ssrc, 1947336237u);
    assert_string_equal(a->ssrcs[0].name, "cname");
    assert_string_equal(a->ssrcs[0].value, "Jq2mC0Pz9ZcE4rT1");
    assert_string_equal(a->msid_stream, "e3a5c3d0-6f3b-4b8e-9a3c-2d6f1b7c9e41");

    const struct rs_sdp_media *v = &sdp_a.media[1];
    assert_int_equal(v->kind, RS_SDP_KIND_VIDEO);
    assert_int_equal(v->port, 9);
    assert_int_equal(v->n_formats, 25);
    assert_int_equal(find_pt(v, 97)->apt, 96);
    assert_int_equal(find_pt(v, 96)->fb, RS_SDP_FB_ALL);
    assert_int_equal(find_pt(v, 106)->packetization_mode, 1);
    assert_string_equal(find_pt(v, 106)->profile_level_id, "42e01f");
    assert_int_equal(v->n_extmaps, 11);
    assert_int_equal(ext_id(v, URI_RID), 10);
    assert_int_equal(v->n_rids, 3);
    assert_string_equal(v->rids[1].id, "m");
    assert_true(v->rids[1].send);
    assert_int_equal(v->simulcast.n_send, 3);
    assert_int_equal(v->simulcast.n_recv, 0);
    assert_string_equal(v->simulcast.send[2].alts[0].rid, "l");
    assert_int_equal(v->n_ssrcs, 0);

    const struct rs_sdp_media *d = &sdp_a.media[2];
    assert_int_equal(d->kind, RS_SDP_KIND_APPLICATION);
    assert_false(d->rtp);
    assert_string_equal(d->first_fmt, "webrtc-datachannel");
    assert_string_equal(d->proto, "UDP/DTLS/SCTP");
}

static void test_chrome_simulcast_answer(void **state)
{
    (void)state;
    struct rs_sdp_local l;
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    local_defaults(&l);
    answer_roundtrip(vec_chrome_publish_simulcast_offer, &l, ch);

    assert_true(ch[0].accepted);
    assert_int_equal(ch[0].codec, RS_SDP_CODEC_OPUS);
    assert_int_equal(ch[0].pt, 111);
    assert_int_equal(ch[0].clock, 48000);
    assert_int_equal(ch[0].channels, 2);
    assert_int_equal(ch[0].rtx_pt, -1);
    assert_int_equal(ch[0].fb, RS_SDP_FB_TWCC);
    assert_int_equal(ch[0].ext.audio_level, 1);
    assert_int_equal(ch[0].ext.abs_send_time, 2);
    assert_int_equal(ch[0].ext.twcc, 3);
    assert_int_equal(ch[0].ext.mid, 4);
    assert_int_equal(ch[0].dir, RS_SDP_DIR_SENDONLY);
    assert_true(ch[0].has_ssrc);
    assert_int_equal(ch[0].ssrc, 1947336237u);
    assert_false(ch[0].has_rtx_ssrc);
    assert_string_equal(ch[0].msid_track, "0b1c7a52-3f4e-4c8d-a7e2-5b9d3c1f6a80");

    assert_true(ch[1].accepted);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);
    assert_int_equal(ch[1].pt, 96);
    assert_int_equal(ch[1].rtx_pt, 97);
    assert_int_equal(ch[1].fb, RS_SDP_FB_ALL);
    assert_int_equal(ch[1].ext.mid, 4);
    assert_int_equal(ch[1].ext.rid, 10);
    assert_int_equal(ch[1].ext.repaired_rid, 11);
    assert_int_equal(ch[1].ext.abs_send_time, 2);
    assert_int_equal(ch[1].ext.twcc, 3);
    assert_int_equal(ch[1].ext.audio_level, 0);
    assert_int_equal(ch[1].n_rids, 3);
    assert_string_equal(ch[1].rids[0].rid, "h");
    assert_string_equal(ch[1].rids[2].rid, "l");
    assert_false(ch[1].has_ssrc);

    assert_false(ch[2].accepted);
    assert_string_equal(ch[2].mid, "2");
    assert_int_equal(ch[2].kind, RS_SDP_KIND_APPLICATION);

    /* The re-parsed answer. */
    assert_int_equal(sdp_b.n_bundle, 2);
    assert_string_equal(sdp_b.bundle[0], "0");
    assert_string_equal(sdp_b.bundle[1], "1");
    const struct rs_sdp_media *v = &sdp_b.media[1];
    assert_int_equal(v->dir, RS_SDP_DIR_RECVONLY);
    assert_int_equal(v->formats[0].pt, 96);
    assert_string_equal(v->formats[0].name, "VP8");
    assert_int_equal(v->formats[0].fb, RS_SDP_FB_ALL);
    assert_int_equal(v->formats[1].apt, 96);
    assert_int_equal(v->n_extmaps, 5); /* mid, rid, rrid, abs-send-time, twcc */
    assert_int_equal(ext_id(v, URI_RRID), 11);
    assert_int_equal(ext_id(v, "urn:ietf:params:rtp-hdrext:toffset"), 0);
    assert_int_equal(v->n_rids, 3);
    assert_int_equal(v->simulcast.n_recv, 3);
    assert_string_equal(v->simulcast.recv[0].alts[0].rid, "h");
    assert_string_equal(v->simulcast.recv[1].alts[0].rid, "m");
    assert_string_equal(v->simulcast.recv[2].alts[0].rid, "l");
    assert_true(v->rtcp_rsize);
    const struct rs_sdp_media *d = &sdp_b.media[2];
    assert_int_equal(d->port, 0);
    assert_string_equal(d->mid, "2");
    assert_string_equal(d->proto, "UDP/DTLS/SCTP");
    assert_int_equal(sdp_b.media[0].formats[0].useinbandfec, 1);
    assert_non_null(strstr(text, "a=msid-semantic:"));
    assert_non_null(strstr(text, "a=setup:passive\r\n"));
    assert_non_null(strstr(text, "a=candidate:1 1 udp 2130706431 203.0.113.7 40000 typ host\r\n"));
    assert_non_null(strstr(text, "a=fingerprint:sha-256 " OUR_FP "\r\n"));
    assert_null(strstr(text, "a=setup:actpass"));
    assert_null(strstr(text, "extmap-allow-mixed"));

    /* What the browser will answer with must match what we recorded: our answer read back as a
     * browser answer gives the same choices. */
    struct rs_sdp_media_choice back[RS_SDP_MAX_MEDIA];
    assert_int_equal(rs_sdp_parse_answer_choices(&sdp_b, back, RS_SDP_MAX_MEDIA), 0);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(back[i].accepted, ch[i].accepted);
        assert_int_equal(back[i].pt, ch[i].pt);
        assert_int_equal(back[i].rtx_pt, ch[i].rtx_pt);
        assert_int_equal(back[i].fb, ch[i].fb);
        assert_memory_equal(&back[i].ext, &ch[i].ext, sizeof ch[i].ext);
    }
}

/* ICE-TCP (RFC 6544): a passive TCP host candidate after the UDP one, on the worker's TCP
 * port and, when given, an address of its own; a bad address is refused. */
static void test_answer_with_tcp_candidate(void **state)
{
    (void)state;
    struct rs_sdp_local l;
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    local_defaults(&l);
    l.tcp_port = 40000;
    answer_roundtrip(vec_chrome_publish_simulcast_offer, &l, ch);
    const char *udp = strstr(text, "a=candidate:1 1 udp 2130706431 203.0.113.7 40000 typ host\r\n");
    const char *tcp = strstr(text, "a=candidate:2 1 tcp 2122317823 203.0.113.7 40000 typ host "
                                   "tcptype passive\r\na=end-of-candidates\r\n");
    assert_non_null(udp);
    assert_non_null(tcp);
    assert_true(udp < tcp);
    l.tcp_port = 443;
    l.tcp_ip = "203.0.113.9";
    answer_roundtrip(vec_chrome_publish_simulcast_offer, &l, ch);
    assert_non_null(strstr(text, "a=candidate:2 1 tcp 2122317823 203.0.113.9 443 typ host "
                                 "tcptype passive\r\n"));
    l.tcp_ip = "203.0.113.9\r\na=evil";
    assert_int_equal(parse_str(vec_chrome_publish_simulcast_offer, &sdp_a), 0);
    size_t len = 0;
    assert_int_equal(rs_sdp_build_answer(&sdp_a, &l, ch, text, sizeof text, &len), -EINVAL);
}

static void test_chrome_offer_h264_and_ssrcs(void **state)
{
    (void)state;
    struct rs_sdp_local l;
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    local_defaults(&l);
    answer_roundtrip(vec_chrome_publish_offer, &l, ch);
    assert_int_equal(sdp_a.n_media, 2);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);
    assert_true(ch[1].has_ssrc);
    assert_true(ch[1].has_rtx_ssrc);
    assert_int_equal(ch[1].ssrc, 3181640427u);
    assert_int_equal(ch[1].rtx_ssrc, 2466135913u);
    assert_int_equal(ch[1].n_rids, 0);
    assert_string_equal(ch[1].msid_track, "9f2e4d61-8a7b-4c3d-b5e6-1a0c9d8e7f23");
    assert_int_equal(sdp_b.media[1].n_rids, 0);
    assert_int_equal(sdp_b.media[1].simulcast.n_recv, 0);

    /* H.264 when allowed and preferred: constrained baseline, packetization-mode 1. */
    l.allow_h264 = true;
    l.prefer_h264 = true;
    answer_roundtrip(vec_chrome_publish_offer, &l, ch);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_H264);
    assert_int_equal(ch[1].pt, 106);
    assert_int_equal(ch[1].rtx_pt, 107);
    assert_string_equal(ch[1].fmtp,
                        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
    assert_string_equal(sdp_b.media[1].formats[0].profile_level_id, "42e01f");
    /* Allowed but not preferred: VP8 still. */
    l.prefer_h264 = false;
    answer_roundtrip(vec_chrome_publish_offer, &l, ch);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);

    /* Only what the SFU implements: no transport-cc, no REMB. */
    l.fb = RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR;
    l.exts = RS_SDP_EXT_MID | RS_SDP_EXT_RID | RS_SDP_EXT_REPAIRED_RID | RS_SDP_EXT_AUDIO_LEVEL;
    answer_roundtrip(vec_chrome_publish_offer, &l, ch);
    assert_int_equal(ch[1].fb, RS_SDP_FB_NACK | RS_SDP_FB_PLI | RS_SDP_FB_FIR);
    assert_int_equal(ch[0].fb, 0);
    assert_int_equal(ch[1].ext.twcc, 0);
    assert_int_equal(ext_id(&sdp_b.media[1], URI_TWCC), 0);
    assert_int_equal(ext_id(&sdp_b.media[0], URI_LEVEL), 1);
    assert_null(strstr(text, "transport-cc"));
    assert_null(strstr(text, "goog-remb"));
}

static void test_firefox_offer(void **state)
{
    (void)state;
    assert_int_equal(parse_str(vec_firefox_publish_simulcast_offer, &sdp_a), 0);
    assert_int_equal(sdp_a.session_id, 3154329872392405231u);
    assert_int_equal(sdp_a.fingerprint.hash, RS_SDP_HASH_SHA256);
    const struct rs_sdp_media *v = &sdp_a.media[1];
    assert_int_equal(v->fingerprint.hash, RS_SDP_HASH_SHA256); /* inherited */
    assert_int_equal(v->fingerprint.bytes[0], 0x84);
    assert_string_equal(v->ice.options, "trickle");
    assert_string_equal(v->ice.ufrag, "9e4a1c7f");
    assert_int_equal(v->dir, RS_SDP_DIR_SENDONLY);
    /* a=fmtp and a=rtcp-fb before a=rtpmap */
    assert_string_equal(find_pt(v, 120)->name, "VP8");
    assert_string_equal(find_pt(v, 120)->fmtp, "max-fs=12288;max-fr=60");
    assert_int_equal(find_pt(v, 124)->apt, 120);
    assert_int_equal(find_pt(v, 120)->fb, RS_SDP_FB_ALL);
    assert_int_equal(find_pt(v, 97)->packetization_mode, -1);
    assert_int_equal(v->n_ssrc_groups, 3);
    assert_int_equal(v->extmaps[3].has_dir, true);
    assert_int_equal(v->extmaps[3].dir, RS_SDP_DIR_RECVONLY);

    struct rs_sdp_local l;
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    local_defaults(&l);
    l.allow_h264 = true;
    answer_roundtrip(vec_firefox_publish_simulcast_offer, &l, ch);
    assert_int_equal(ch[0].pt, 109);
    assert_string_equal(ch[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
    assert_int_equal(ch[0].ext.audio_level, 1);
    assert_int_equal(ch[0].ext.mid, 3);
    assert_int_equal(ch[0].fb, 0);
    assert_int_equal(ext_id(&sdp_b.media[0], "urn:ietf:params:rtp-hdrext:csrc-audio-level"), 0);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);
    assert_int_equal(ch[1].pt, 120);
    assert_int_equal(ch[1].rtx_pt, 124);
    assert_int_equal(ch[1].ext.rid, 8);
    assert_int_equal(ch[1].ext.repaired_rid, 9);
    assert_int_equal(ch[1].ext.twcc, 7);
    assert_int_equal(ch[1].n_rids, 3);
    assert_string_equal(ch[1].rids[0].rid, "q");
    assert_string_equal(ch[1].rids[2].rid, "f");
    assert_false(ch[1].has_ssrc); /* simulcast: streams are found by rid */
    assert_non_null(strstr(text, "a=simulcast:recv q;h;f\r\n"));
    assert_non_null(strstr(text, "a=rid:h recv\r\n"));

    /* Firefox has H.264 packetization-mode 1 in constrained baseline. */
    l.prefer_h264 = true;
    answer_roundtrip(vec_firefox_publish_simulcast_offer, &l, ch);
    assert_int_equal(ch[1].pt, 126);
    assert_int_equal(ch[1].rtx_pt, 127);
}

/* Firefox 153 (ESR) as it offers in tests/netns/firefox-media.test.js: the video m-section is
 * bundle-only with port 0 (RFC 8843; not rejected), its candidates are mDNS names, it carries the
 * AV1 dependency descriptor and its rids l/m/h in the order the client gave them. */
static void test_firefox153_offer(void **state)
{
    (void)state;
    assert_int_equal(parse_str(vec_firefox153_publish_simulcast_offer, &sdp_a), 0);
    const struct rs_sdp_media *v = &sdp_a.media[1];
    assert_int_equal(v->port, 0);
    assert_true(v->bundle_only);
    assert_int_equal(v->n_rids, 3);
    assert_string_equal(v->rids[0].id, "l");
    assert_string_equal(v->rids[2].id, "h");

    struct rs_sdp_local l;
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    local_defaults(&l);
    answer_roundtrip(vec_firefox153_publish_simulcast_offer, &l, ch);
    assert_true(ch[1].accepted);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);
    assert_int_equal(ch[1].pt, 120);
    assert_int_equal(ch[1].rtx_pt, 124);
    assert_int_equal(ch[1].ext.mid, 3);
    assert_int_equal(ch[1].ext.rid, 9);
    assert_int_equal(ch[1].ext.repaired_rid, 10);
    assert_int_equal(ch[1].n_rids, 3);
    assert_string_equal(ch[1].rids[0].rid, "l");
    assert_string_equal(ch[1].rids[1].rid, "m");
    assert_string_equal(ch[1].rids[2].rid, "h");
    assert_false(ch[1].has_ssrc); /* simulcast: streams are found by rid, not the FID groups */
    assert_non_null(strstr(text, "a=simulcast:recv l;m;h\r\n"));
    assert_non_null(strstr(text, "a=rid:l recv\r\n"));
    /* the answer's video section is accepted (our port), not rejected with port 0 */
    assert_null(strstr(text, "m=video 0 "));
}

static void test_subscribe_offer_roundtrip(void **state)
{
    (void)state;
    struct rs_sdp_local l;
    local_defaults(&l);
    l.ip = "2001:db8::7";
    const struct rs_sdp_offer_track tracks[] = {
        {.mid = "0",
         .kind = RS_SDP_KIND_AUDIO,
         .active = true,
         .pt = 111,
         .codec_name = "opus",
         .clock = 48000,
         .channels = 2,
         .fmtp = "minptime=10;useinbandfec=1",
         .rtx_pt = -1,
         .ssrc = 1001,
         .cname = "p0f33b2d1",
         .stream_id = "p0f33b2d1",
         .track_id = "mic",
         .exts = RS_SDP_EXT_ALL,
         .fb = RS_SDP_FB_TWCC},
        {.mid = "1",
         .kind = RS_SDP_KIND_VIDEO,
         .active = true,
         .pt = 96,
         .codec_name = "VP8",
         .clock = 90000,
         .rtx_pt = 97,
         .ssrc = 2002,
         .rtx_ssrc = 2003,
         .cname = "p0f33b2d1",
         .stream_id = "p0f33b2d1",
         .track_id = "cam",
         .exts = RS_SDP_EXT_ALL,
         .fb = RS_SDP_FB_ALL},
        {.mid = "2",
         .kind = RS_SDP_KIND_VIDEO,
         .active = false,
         .pt = 96,
         .codec_name = "VP8",
         .clock = 90000,
         .rtx_pt = 97},
    };
    size_t len = 0;
    assert_int_equal(rs_sdp_build_offer(&l, tracks, 3, 7, text, sizeof text, &len), 0);
    assert_well_formed(text, len);
    assert_int_equal(rs_sdp_parse(text, len, &sdp_a), 0);
    assert_true(sdp_a.ice_lite);
    assert_int_equal(sdp_a.session_id, 4242);
    assert_int_equal(sdp_a.session_version, 7);
    assert_int_equal(sdp_a.n_media, 3);
    assert_int_equal(sdp_a.n_bundle, 2);
    const struct rs_sdp_media *a = &sdp_a.media[0], *v = &sdp_a.media[1], *x = &sdp_a.media[2];
    assert_int_equal(a->setup, RS_SDP_SETUP_ACTPASS);
    assert_int_equal(a->dir, RS_SDP_DIR_SENDONLY);
    assert_string_equal(a->conn_addr, "2001:db8::7");
    assert_string_equal(a->candidates[0].addr, "2001:db8::7");
    assert_int_equal(ext_id(a, URI_MID), RS_SDP_OFFER_EXTID_MID);
    assert_int_equal(ext_id(a, URI_LEVEL), RS_SDP_OFFER_EXTID_AUDIO_LEVEL);
    assert_int_equal(ext_id(a, URI_AST), RS_SDP_OFFER_EXTID_ABS_SEND_TIME);
    assert_int_equal(ext_id(a, URI_TWCC), RS_SDP_OFFER_EXTID_TWCC);
    assert_int_equal(ext_id(a, URI_RID), 0);
    assert_int_equal(ext_id(v, URI_LEVEL), 0);
    assert_string_equal(a->formats[0].fmtp, "minptime=10;useinbandfec=1");
    assert_int_equal(a->formats[0].fb, RS_SDP_FB_TWCC);
    assert_string_equal(v->msid_stream, "p0f33b2d1");
    assert_string_equal(v->msid_track, "cam");
    assert_int_equal(v->n_formats, 2);
    assert_int_equal(v->formats[1].apt, 96);
    assert_int_equal(v->formats[0].fb, RS_SDP_FB_ALL);
    assert_int_equal(v->n_ssrc_groups, 1);
    assert_int_equal(v->ssrc_groups[0].semantics, RS_SDP_SSRC_GROUP_FID);
    assert_int_equal(v->ssrc_groups[0].ssrcs[1], 2003);
    assert_int_equal(v->n_ssrcs, 4);
    assert_string_equal(v->ssrcs[1].value, "p0f33b2d1 cam");
    assert_int_equal(x->port, 0);
    assert_int_equal(x->dir, RS_SDP_DIR_INACTIVE);
    assert_string_equal(x->mid, "2");
    assert_int_equal(x->n_ssrcs, 0);

    struct rs_sdp_transport t;
    assert_int_equal(rs_sdp_get_transport(&sdp_a, &t), 0);
    assert_string_equal(t.ice_ufrag, "rsUf");
    assert_int_equal(t.setup, RS_SDP_SETUP_ACTPASS);

    /* The choices read back from our own offer. */
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    assert_int_equal(rs_sdp_parse_answer_choices(&sdp_a, ch, RS_SDP_MAX_MEDIA), 0);
    assert_int_equal(ch[1].ssrc, 2002);
    assert_int_equal(ch[1].rtx_ssrc, 2003);
    assert_false(ch[2].accepted);
    assert_int_equal(rs_sdp_parse_answer_choices(&sdp_a, ch, 2), -E2BIG);

    /* Too small a buffer, at every size. */
    size_t full = len;
    for (size_t cap = 0; cap <= full; cap += 97)
        assert_int_equal(rs_sdp_build_offer(&l, tracks, 3, 7, text, cap, &len), -ENOSPC);
    assert_int_equal(rs_sdp_build_offer(&l, tracks, 3, 7, text, full, &len), -ENOSPC);
    assert_int_equal(rs_sdp_build_offer(&l, tracks, 3, 7, text, full + 1, &len), 0);

    /* No tracks at all: still a valid, empty offer. */
    assert_int_equal(rs_sdp_build_offer(&l, NULL, 0, 8, text, sizeof text, &len), 0);
    assert_int_equal(rs_sdp_parse(text, len, &sdp_a), 0);
    assert_int_equal(sdp_a.n_media, 0);
    assert_false(sdp_a.has_bundle);
}

/* An ended track kept open (idle): negotiated but inactive, so the mid can carry a later one. */
static void test_subscribe_offer_idle(void **state)
{
    (void)state;
    struct rs_sdp_local l;
    local_defaults(&l);
    const struct rs_sdp_offer_track tracks[] = {
        {.mid = "0",
         .kind = RS_SDP_KIND_AUDIO,
         .idle = true,
         .pt = 111,
         .codec_name = "opus",
         .clock = 48000,
         .channels = 2,
         .fmtp = "minptime=10;useinbandfec=1",
         .rtx_pt = -1,
         .exts = RS_SDP_EXT_MID | RS_SDP_EXT_AUDIO_LEVEL},
        {.mid = "1",
         .kind = RS_SDP_KIND_VIDEO,
         .pt = 96,
         .codec_name = "VP8",
         .clock = 90000,
         .rtx_pt = 97},
    };
    size_t len = 0;
    assert_int_equal(rs_sdp_build_offer(&l, tracks, 2, 3, text, sizeof text, &len), 0);
    assert_well_formed(text, len);
    assert_int_equal(rs_sdp_parse(text, len, &sdp_a), 0);
    assert_int_equal(sdp_a.n_media, 2);
    assert_int_equal(sdp_a.n_bundle, 1); /* the idle one stays bundled, the rejected one not */
    assert_string_equal(sdp_a.bundle[0], "0");
    const struct rs_sdp_media *i = &sdp_a.media[0], *x = &sdp_a.media[1];
    assert_int_equal(i->port, 40000);
    assert_int_equal(i->dir, RS_SDP_DIR_INACTIVE);
    assert_int_equal(i->setup, RS_SDP_SETUP_ACTPASS);
    assert_string_equal(i->ice.ufrag, "rsUf");
    assert_int_equal(i->n_ssrcs, 0);
    assert_string_equal(i->msid_stream, "");
    assert_true(i->rtcp_mux);
    assert_int_equal(ext_id(i, URI_MID), RS_SDP_OFFER_EXTID_MID);
    assert_int_equal(x->port, 0);
    assert_int_equal(x->dir, RS_SDP_DIR_INACTIVE);
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    assert_int_equal(rs_sdp_parse_answer_choices(&sdp_a, ch, RS_SDP_MAX_MEDIA), 0);
    assert_true(ch[0].accepted);
    assert_int_equal(ch[0].dir, RS_SDP_DIR_INACTIVE);
    assert_false(ch[1].accepted);
}

static void test_build_offer_rejects_bad_input(void **state)
{
    (void)state;
    struct rs_sdp_local l;
    local_defaults(&l);
    struct rs_sdp_offer_track t = {.mid = "0",
                                   .kind = RS_SDP_KIND_AUDIO,
                                   .active = true,
                                   .pt = 111,
                                   .codec_name = "opus",
                                   .clock = 48000,
                                   .rtx_pt = -1,
                                   .cname = "c",
                                   .stream_id = "s",
                                   .track_id = "t"};
    struct rs_sdp_offer_track two[2] = {t, t};
    assert_int_equal(rs_sdp_build_offer(&l, two, 2, 1, text, sizeof text, NULL), -EINVAL);
    t.mid = "a b";
    assert_int_equal(rs_sdp_build_offer(&l, &t, 1, 1, text, sizeof text, NULL), -EINVAL);
    t.mid = "0";
    t.fmtp = "x=1\r\na=evil";
    assert_int_equal(rs_sdp_build_offer(&l, &t, 1, 1, text, sizeof text, NULL), -EINVAL);
    t.fmtp = NULL;
    t.track_id = NULL;
    assert_int_equal(rs_sdp_build_offer(&l, &t, 1, 1, text, sizeof text, NULL), -EINVAL);
    t.track_id = "t";
    assert_int_equal(rs_sdp_build_offer(&l, &t, 1, 1, text, sizeof text, NULL), 0);
    l.fingerprint = "0A:1B";
    assert_int_equal(rs_sdp_build_offer(&l, &t, 1, 1, text, sizeof text, NULL), -EINVAL);
    local_defaults(&l);
    l.ip = "not-an-ip";
    assert_int_equal(rs_sdp_build_offer(&l, &t, 1, 1, text, sizeof text, NULL), -EINVAL);
    local_defaults(&l);
    l.ice_pwd = "short";
    assert_int_equal(rs_sdp_build_offer(&l, &t, 1, 1, text, sizeof text, NULL), -EINVAL);
}

static void test_chrome_subscribe_answer(void **state)
{
    (void)state;
    assert_int_equal(parse_str(vec_chrome_subscribe_answer, &sdp_a), 0);
    struct rs_sdp_transport t;
    assert_int_equal(rs_sdp_get_transport(&sdp_a, &t), 0);
    assert_string_equal(t.ice_ufrag, "Qz4n");
    assert_string_equal(t.ice_pwd, "mG8pS2vK7xL0qR4tW9yB3nC6");
    assert_int_equal(t.setup, RS_SDP_SETUP_ACTIVE);
    assert_int_equal(t.fingerprint->hash, RS_SDP_HASH_SHA256);
    assert_int_equal(t.fingerprint->bytes[0], 0x56);

    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    assert_int_equal(rs_sdp_parse_answer_choices(&sdp_a, ch, RS_SDP_MAX_MEDIA), 0);
    assert_true(ch[0].accepted);
    assert_int_equal(ch[0].codec, RS_SDP_CODEC_OPUS);
    assert_int_equal(ch[0].dir, RS_SDP_DIR_RECVONLY);
    assert_int_equal(ch[0].ext.audio_level, 4);
    assert_int_equal(ch[0].ext.mid, 1);
    assert_true(ch[1].accepted);
    assert_int_equal(ch[1].codec, RS_SDP_CODEC_VP8);
    assert_int_equal(ch[1].pt, 96);
    assert_int_equal(ch[1].rtx_pt, 97);
    assert_int_equal(ch[1].fb, RS_SDP_FB_ALL);
    assert_int_equal(ch[1].ext.twcc, 3);
    assert_false(ch[2].accepted);
    assert_string_equal(ch[2].mid, "2");
}

static void test_firefox_subscribe_answer(void **state)
{
    (void)state;
    assert_int_equal(parse_str(vec_firefox_subscribe_answer, &sdp_a), 0);
    struct rs_sdp_transport t;
    assert_int_equal(rs_sdp_get_transport(&sdp_a, &t), 0);
    assert_string_equal(t.ice_ufrag, "4f8a2c6e");
    assert_int_equal(t.setup, RS_SDP_SETUP_ACTIVE);
    assert_int_equal(t.fingerprint->bytes[31], 0xaa); /* session-level, inherited */

    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    assert_int_equal(rs_sdp_parse_answer_choices(&sdp_a, ch, RS_SDP_MAX_MEDIA), 0);
    assert_int_equal(ch[0].pt, 111);
    assert_int_equal(ch[0].ext.audio_level, 4);
    assert_int_equal(ch[0].dir, RS_SDP_DIR_RECVONLY);
    assert_true(ch[0].has_ssrc);
    assert_int_equal(ch[0].ssrc, 1380217716u);
    assert_int_equal(ch[1].rtx_pt, 97);
    assert_int_equal(ch[1].fb, RS_SDP_FB_ALL);
    assert_false(ch[2].accepted);
}

/* Same SDP with bare LF endings, and with no final newline. */
static void test_lf_endings(void **state)
{
    (void)state;
    const char *src = vec_chrome_publish_simulcast_offer;
    size_t n = 0;
    for (const char *p = src; *p; p++)
        if (*p != '\r')
            big[n++] = *p;
    assert_int_equal(rs_sdp_parse(big, n, &sdp_b), 0);
    assert_int_equal(parse_str(src, &sdp_a), 0);
    assert_int_equal(sdp_b.n_media, 3);
    assert_memory_equal(&sdp_a, &sdp_b, sizeof sdp_a);
    assert_int_equal(rs_sdp_parse(big, n - 1, &sdp_b), 0);
    assert_memory_equal(&sdp_a, &sdp_b, sizeof sdp_a);
}

#define MINI "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define ICE                                                                                        \
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\na=fingerprint:sha-256 " OUR_FP        \
    "\r\na=setup:actpass\r\n"

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "garbage",
        "\x01\x02\x03\x04",
        "o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\ns=-\r\nt=0 0\r\n", /* missing/misplaced v= */
        "v=1\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", /* version */
        "v=0\r\ns=-\r\nt=0 0\r\n",                           /* no o= */
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nt=0 0\r\n",        /* no s= */
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n",          /* no t= */
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\nt=0 0\r\n",
        "v=0\r\no=- x 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
        "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n",
        MINI "v=0\r\n",    /* duplicate v= */
        MINI "x=what\r\n", /* unknown type letter */
        MINI "A=upper\r\n",
        MINI "a\r\n",
        MINI "a=\r\n",
        MINI "a=:x\r\n",
        MINI "m=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n", /* port out of range */
        MINI "m=audio -1 UDP/TLS/RTP/SAVPF 111\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF\r\n",     /* no formats */
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 128\r\n", /* PT out of range */
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111 111\r\n",
        MINI "m=audio 9\r\n",
        MINI "a=fingerprint:sha-256 " OUR_FP ":00\r\n", /* 33 bytes */
        MINI "a=fingerprint:sha-256 0A:1B:2C\r\n",
        MINI "a=fingerprint:sha-256 0A1B2C3D4E5F60718293A4B5C6D7E8F9"
             "0A1B2C3D4E5F60718293A4B5C6D7E8F9\r\n",
        MINI "a=fingerprint:sha-256 ZZ:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:"
             "4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9\r\n",
        MINI "a=fingerprint:sha-256\r\n",
        MINI "a=setup:sideways\r\n",
        MINI "a=ice-ufrag:ab cd\r\n",
        MINI "a=group:BUNDLE 0 0\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
             "a=mid:0\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=mid:1\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/x/2\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:999 opus/48000/2\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:0 urn:x\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:256 urn:x\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:1/sideways urn:x\r\n",
        MINI "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:1 urn:x\r\na=extmap:1 urn:y\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rid:h sideways\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rid:h.x send\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:send h;;l\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:send\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:up h\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ssrc:4294967296 cname:x\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ssrc-group:FID\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=candidate:1 1 udp 1 1.2.3.4 99999 typ host\r\n",
        MINI "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=candidate:1 1 udp 1 1.2.3.4 9 host\r\n",
        MINI "c=IN IP4\r\n",
        MINI "a=x\rb\r\n", /* lone CR */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_str(bad[i], &sdp_a);
        if (rc != -EINVAL)
            fail_msg("case %zu: rc %d: %s", i, rc, bad[i]);
    }

    /* The minimal one is fine. */
    assert_int_equal(parse_str(MINI, &sdp_a), 0);

    /* NUL byte inside the length. */
    char nul[] = MINI "a=foo\0bar\r\n";
    assert_int_equal(rs_sdp_parse(nul, sizeof nul - 1, &sdp_a), -EINVAL);

    /* Overlong line, and just at the limit. */
    size_t n = (size_t)snprintf(big, sizeof big, "%sa=x:", MINI);
    memset(big + n, 'y', RS_SDP_MAX_LINE - 4);
    n += RS_SDP_MAX_LINE - 4;
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), 0);
    big[n++] = 'y';
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), -EINVAL);

    /* Too large a text. */
    n = (size_t)snprintf(big, sizeof big, "%s", MINI);
    while (n + 12 <= RS_SDP_MAX_TEXT)
        n += (size_t)snprintf(big + n, sizeof big - n, "a=padding\r\n");
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), 0);
    n += (size_t)snprintf(big + n, sizeof big - n, "a=padding\r\n");
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), -EINVAL);

    /* Too many m-lines, formats, rids: -E2BIG. */
    n = (size_t)snprintf(big, sizeof big, "%s", MINI);
    for (int i = 0; i <= RS_SDP_MAX_MEDIA; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n");
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), -E2BIG);
    n = (size_t)snprintf(big, sizeof big, "%sm=video 9 UDP/TLS/RTP/SAVPF", MINI);
    for (int i = 0; i <= RS_SDP_MAX_FORMATS; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, " %d", i);
    n += (size_t)snprintf(big + n, sizeof big - n, "\r\n");
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), -E2BIG);
    n = (size_t)snprintf(big, sizeof big, "%sm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", MINI);
    for (int i = 0; i <= RS_SDP_MAX_RIDS; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "a=rid:r%d send\r\n", i);
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), -E2BIG);
    n = (size_t)snprintf(big, sizeof big, "%sm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:", MINI);
    memset(big + n, 'm', RS_SDP_MID_SIZE);
    n += RS_SDP_MID_SIZE;
    assert_int_equal(rs_sdp_parse(big, n, &sdp_a), -E2BIG);
}

static void test_lenient_parts(void **state)
{
    (void)state;
    /* Unknown attributes and hashes are skipped, rtcp-fb '*' applies to all, sha-256 wins. */
    const char *s = MINI "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:"
                         "11:22:33\r\na=fingerprint:md5 whatever\r\n"
                         "a=fingerprint:SHA-256 " OUR_FP "\r\n"
                         "m=video 9/2 UDP/TLS/RTP/SAVPF 96 97\r\na=x-unknown:1 2 3\r\n"
                         "a=rtcp-fb:* nack\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 unknown-fb\r\n"
                         "a=simulcast: send rid=h,~m;l recv x\r\na=msid:- \r\n"
                         "a=extmap:3/sendonly urn:x extra-attr\r\n\r\n";
    assert_int_equal(parse_str(s, &sdp_a), 0);
    const struct rs_sdp_media *m = &sdp_a.media[0];
    assert_int_equal(m->fingerprint.hash, RS_SDP_HASH_SHA256);
    assert_int_equal(m->formats[0].fb, RS_SDP_FB_NACK | RS_SDP_FB_FIR);
    assert_int_equal(m->formats[1].fb, RS_SDP_FB_NACK);
    assert_int_equal(m->simulcast.n_send, 2);
    assert_int_equal(m->simulcast.send[0].n_alts, 2);
    assert_true(m->simulcast.send[0].alts[1].paused);
    assert_string_equal(m->simulcast.send[0].alts[1].rid, "m");
    assert_int_equal(m->simulcast.n_recv, 1);
    assert_string_equal(m->msid_stream, "-");
    assert_string_equal(m->msid_track, "");
    assert_int_equal(m->extmaps[0].dir, RS_SDP_DIR_SENDONLY);
}

/* Offers the SFU answers with rejections, and offers it refuses to answer. */
static void test_answer_rejections(void **state)
{
    (void)state;
    struct rs_sdp_local l;
    struct rs_sdp_media_choice ch[RS_SDP_MAX_MEDIA];
    local_defaults(&l);
    const char *only_vp9 = MINI ICE
        "a=group:BUNDLE 0 1 2 3\r\n"
        "m=video 9 UDP/TLS/RTP/SAVPF 98 99\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n"
        "a=rtpmap:98 VP9/90000\r\na=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n"
        /* bundle-only with port 0 (max-bundle) is accepted */
        "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\na=bundle-only\r\na=sendonly\r\n"
        "a=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
        /* no rtcp-mux */
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:2\r\na=rtpmap:111 opus/48000/2\r\n"
        /* port 0, stopped transceiver */
        "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:3\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
        /* not in the BUNDLE group */
        "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:4\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
        /* a media type we do not know */
        "m=text 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:5\r\n";
    answer_roundtrip(only_vp9, &l, ch);
    assert_false(ch[0].accepted);
    assert_true(ch[1].accepted);
    assert_int_equal(ch[1].dir, RS_SDP_DIR_SENDONLY);
    assert_false(ch[2].accepted);
    assert_false(ch[3].accepted);
    assert_false(ch[4].accepted);
    assert_false(ch[5].accepted);
    assert_int_equal(sdp_b.n_bundle, 1);
    assert_string_equal(sdp_b.bundle[0], "1");
    assert_string_equal(sdp_b.media[5].media, "text");

    /* H.264 without packetization-mode 1, or High profile: not taken. */
    const char *h264 = MINI ICE "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 102 112\r\n"
                                "a=mid:0\r\na=rtcp-mux\r\na=inactive\r\na=rtpmap:102 H264/90000\r\n"
                                "a=fmtp:102 packetization-mode=0;profile-level-id=42e01f\r\n"
                                "a=rtpmap:112 H264/90000\r\n"
                                "a=fmtp:112 packetization-mode=1;profile-level-id=64001f\r\n";
    l.allow_h264 = true;
    answer_roundtrip(h264, &l, ch);
    assert_false(ch[0].accepted);

    /* An inactive m-section with a usable codec is accepted, answered inactive. */
    const char *inactive = MINI ICE "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                    "a=mid:0\r\na=rtcp-mux\r\na=inactive\r\n"
                                    "a=rtpmap:96 VP8/90000\r\n";
    answer_roundtrip(inactive, &l, ch);
    assert_true(ch[0].accepted);
    assert_int_equal(sdp_b.media[0].dir, RS_SDP_DIR_INACTIVE);

    /* The browser must not ask to be the DTLS server. */
    const char *passive = MINI "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
                               "a=fingerprint:sha-256 " OUR_FP "\r\na=setup:passive\r\n"
                               "a=group:BUNDLE 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                               "a=mid:0\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n";
    assert_int_equal(parse_str(passive, &sdp_a), 0);
    assert_int_equal(rs_sdp_build_answer(&sdp_a, &l, ch, text, sizeof text, NULL), -EINVAL);

    /* Output buffer too small, at any size up to the full answer. */
    assert_int_equal(parse_str(vec_chrome_publish_simulcast_offer, &sdp_a), 0);
    size_t full = 0;
    assert_int_equal(rs_sdp_build_answer(&sdp_a, &l, ch, text, sizeof text, &full), 0);
    for (size_t cap = 0; cap <= full; cap += 61)
        assert_int_equal(rs_sdp_build_answer(&sdp_a, &l, ch, text, cap, NULL), -ENOSPC);
    assert_int_equal(rs_sdp_build_answer(&sdp_a, &l, ch, text, full, NULL), -ENOSPC);
    assert_int_equal(rs_sdp_build_answer(&sdp_a, &l, ch, text, full + 1, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8866_example),
        cmocka_unit_test(test_chrome_simulcast_offer),
        cmocka_unit_test(test_chrome_simulcast_answer),
        cmocka_unit_test(test_answer_with_tcp_candidate),
        cmocka_unit_test(test_chrome_offer_h264_and_ssrcs),
        cmocka_unit_test(test_firefox_offer),
        cmocka_unit_test(test_firefox153_offer),
        cmocka_unit_test(test_subscribe_offer_roundtrip),
        cmocka_unit_test(test_subscribe_offer_idle),
        cmocka_unit_test(test_build_offer_rejects_bad_input),
        cmocka_unit_test(test_chrome_subscribe_answer),
        cmocka_unit_test(test_firefox_subscribe_answer),
        cmocka_unit_test(test_lf_endings),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_lenient_parts),
        cmocka_unit_test(test_answer_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
