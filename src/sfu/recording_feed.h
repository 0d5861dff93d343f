/* SPDX-License-Identifier: EUPL-1.2 */
/* The media plane's side of the `recording` feature (room/recording.h): its feed ops, backed
 * by record feeds (sfu/record_feed.h). Registered with rs_recording_set_feed_ops when the
 * media plane attaches to the room registry (sfu.c). Control thread only. */
#ifndef RS_SFU_RECORDING_FEED_H
#define RS_SFU_RECORDING_FEED_H

#include "room/recording.h"

extern const struct rs_recording_feed_ops rs_sfu_recording_feed_ops;

#endif
