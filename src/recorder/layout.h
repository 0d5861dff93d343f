/* SPDX-License-Identifier: EUPL-1.2 */
/* Tile geometry of the composed recording picture, free of GStreamer so it can be tested.
 *
 * Speaker layout: the big tile (index 0) fills the picture when alone; with others it takes
 * the upper three quarters and up to RS_REC_SPEAKER_SMALL small tiles share the bottom strip.
 * Grid: ceil(sqrt(n)) columns, as many rows as needed, equal cells. Tiles keep their aspect
 * ratio inside their cell (the compositor letterboxes), so a cell is only an upper bound. */
#ifndef RS_RECORDER_LAYOUT_H
#define RS_RECORDER_LAYOUT_H

#include "recorder/command.h"

#define RS_REC_MAX_TILES 16    /* tiles shown at once; further video tracks are hidden */
#define RS_REC_SPEAKER_SMALL 4 /* small tiles beside the speaker */

struct rs_rec_rect {
    int x, y, w, h;
};

/* Fills `out` with the cells of `n` tiles (n is capped) on a `width`×`height` picture and
 * returns how many tiles are visible. In the speaker layout tile 0 is the big one. */
int rs_rec_layout_cells(enum rs_rec_layout layout, int n, int width, int height,
                        struct rs_rec_rect out[RS_REC_MAX_TILES]);

/* The largest rectangle of aspect ratio `aw`:`ah` (16:9 when either is not positive) centred in
 * `cell`, less a `gap`-pixel margin on every side; even coordinates. */
struct rs_rec_rect rs_rec_layout_fit(struct rs_rec_rect cell, int aw, int ah, int gap);

#endif
