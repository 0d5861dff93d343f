/* SPDX-License-Identifier: EUPL-1.2 */
/* Tile geometry of the composed picture (see layout.h). Cells are rounded to even pixels so
 * that I420 chroma planes line up on every tile edge. */
#include "recorder/layout.h"

static int even(int v)
{
    return v & ~1;
}

static struct rs_rec_rect cell(int x, int y, int w, int h)
{
    return (struct rs_rec_rect){even(x), even(y), even(w), even(h)};
}

static int grid(int n, int width, int height, struct rs_rec_rect *out)
{
    int cols = 1;
    while (cols * cols < n)
        cols++;
    int rows = (n + cols - 1) / cols;
    int w = width / cols, h = height / rows;
    for (int i = 0; i < n; i++) {
        int r = i / cols, c = i % cols;
        /* the last row, if short, is centred */
        int in_row = r == rows - 1 ? n - r * cols : cols;
        int x0 = (width - in_row * w) / 2;
        out[i] = cell(x0 + c * w, r * h, w, h);
    }
    return n;
}

static int speaker(int n, int width, int height, struct rs_rec_rect *out)
{
    if (n == 1) {
        out[0] = cell(0, 0, width, height);
        return 1;
    }
    if (n > RS_REC_SPEAKER_SMALL + 1)
        n = RS_REC_SPEAKER_SMALL + 1;
    int strip = height / 4;
    out[0] = cell(0, 0, width, height - strip);
    int w = width / RS_REC_SPEAKER_SMALL;
    int x0 = (width - (n - 1) * w) / 2;
    for (int i = 1; i < n; i++)
        out[i] = cell(x0 + (i - 1) * w, height - strip, w, strip);
    return n;
}

int rs_rec_layout_cells(enum rs_rec_layout layout, int n, int width, int height,
                        struct rs_rec_rect out[RS_REC_MAX_TILES])
{
    if (n <= 0 || width <= 0 || height <= 0)
        return 0;
    if (n > RS_REC_MAX_TILES)
        n = RS_REC_MAX_TILES;
    return layout == RS_REC_LAYOUT_GRID ? grid(n, width, height, out)
                                        : speaker(n, width, height, out);
}

struct rs_rec_rect rs_rec_layout_fit(struct rs_rec_rect c, int aw, int ah, int gap)
{
    if (aw <= 0 || ah <= 0)
        aw = 16, ah = 9;
    int cw = c.w - 2 * gap, ch = c.h - 2 * gap;
    if (cw < 2 || ch < 2)
        return c;
    int w = cw, h = (int)((long long)cw * ah / aw);
    if (h > ch) {
        h = ch;
        w = (int)((long long)ch * aw / ah);
    }
    return cell(c.x + gap + (cw - w) / 2, c.y + gap + (ch - h) / 2, w, h);
}
