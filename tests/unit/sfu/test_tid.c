/* SPDX-License-Identifier: EUPL-1.2 */
/* Transport ids (sfu.c, rs_sfu_alloc_tid): the lowest free id out of quarantine, so a worker's
 * transport table is touched only as far as the peak number of transports (the soak's RSS);
 * an id released a moment ago is not handed out again while another is free; when every free
 * id is in quarantine, the one released longest ago; 0 when all are in use; the per-worker
 * counts follow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "sfu/sfu.h"

static struct rs_media *media(void)
{
    struct rs_media *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->n_workers = 2;
    return m;
}

static void lowest_first_and_quarantine(void **state)
{
    (void)state;
    struct rs_media *m = media();
    assert_int_equal(rs_sfu_alloc_tid(m, 0), 1);
    assert_int_equal(rs_sfu_alloc_tid(m, 1), 2);
    assert_int_equal(rs_sfu_alloc_tid(m, 0), 3);
    assert_int_equal(m->transports[0], 2);
    assert_int_equal(m->transports[1], 1);
    assert_int_equal(rs_sfu_worker_of(m, 2), 1);

    rs_sfu_release_tid(m, 1);
    assert_int_equal(m->transports[0], 1);
    /* 1 was released just now: the next free id above it instead */
    assert_int_equal(rs_sfu_alloc_tid(m, 0), 4);
    /* once its quarantine is over, 1 is the lowest free id again */
    m->tid_released_ms[1] -= RS_SFU_TID_QUARANTINE_MS;
    assert_int_equal(rs_sfu_alloc_tid(m, 1), 1);
    assert_int_equal(rs_sfu_worker_of(m, 1), 1);
    /* a second release of a free id changes nothing */
    rs_sfu_release_tid(m, 5);
    assert_int_equal(m->transports[0], 2);
    free(m);
}

static void all_in_quarantine_and_full(void **state)
{
    (void)state;
    struct rs_media *m = media();
    for (uint32_t i = 1; i < RS_SFU_MAX_TRANSPORTS; i++)
        assert_int_equal(rs_sfu_alloc_tid(m, i % 2), i);
    assert_int_equal(rs_sfu_alloc_tid(m, 0), 0); /* every id in use */
    assert_int_equal(rs_sfu_alloc_tid(m, 2), 0); /* no such worker */

    rs_sfu_release_tid(m, 700);
    rs_sfu_release_tid(m, 9);
    m->tid_released_ms[700] -= 10; /* released before 9, both in quarantine */
    assert_int_equal(rs_sfu_alloc_tid(m, 0), 700);
    assert_int_equal(rs_sfu_alloc_tid(m, 0), 9);
    assert_int_equal(rs_sfu_alloc_tid(m, 0), 0);
    assert_int_equal(m->transports[0] + m->transports[1], RS_SFU_MAX_TRANSPORTS - 1);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lowest_first_and_quarantine),
        cmocka_unit_test(all_in_quarantine_and_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
