/* SPDX-License-Identifier: EUPL-1.2 */
/* Where recordings and the livestream's HLS files live (issue 15): recordings_dir and live_dir
 * from the configuration, or DATA_DIR/recordings and DATA_DIR/live when they are empty. Both
 * are created with mode 0700 (only the server's user may read what was recorded); a recording
 * is RECORDINGS_DIR/<meeting>/<id>.<format>, the stream LIVE_DIR/<meeting>/index.m3u8 and
 * seg%05d.ts. Any thread (reads the configuration only). */
#ifndef RS_CORE_RECORDING_DIRS_H
#define RS_CORE_RECORDING_DIRS_H

#include <stddef.h>

#include "core/config.h"

/* Fills `rec` and `live` (either may be NULL) with the two directories, without a trailing
 * slash. Returns 0, or -ENAMETOOLONG when one does not fit. */
int rs_recording_dirs(const struct rs_config *cfg, char *rec, size_t rec_cap, char *live,
                      size_t live_cap);

/* Creates both directories (and missing parents) with mode 0700. Returns 0 or a negative
 * errno; `err` says which directory failed. */
int rs_recording_dirs_create(const struct rs_config *cfg, char *err, size_t errlen);

/* The directory of one meeting under `base` (RECORDINGS_DIR or LIVE_DIR) in `out`, created
 * with mode 0700 when `create`. Returns 0, -EINVAL (not a valid meeting id), -ENAMETOOLONG or
 * mkdir's errno. */
int rs_recording_room_dir(const char *base, const char *room_id, int create, char *out, size_t cap);

#endif
