/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: Accept-Language. Input: the header value. It is matched against de/en and
 * against a list with longer and overlapping tags; the answer must be a valid index or a
 * known error, and the value is also tried as an explicit choice (a cookie's value). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/accept_language.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ours[] = {"de", "en"};
    static const char *const many[] = {"zh-hant", "zh", "de-at", "de", "x"};
    const char *v = (const char *)data;
    int a = rs_accept_language_pick(v, size, ours, 2);
    if (a != -ENOENT && a != -E2BIG && (a < 0 || a > 1))
        abort();
    if ((a == -E2BIG) != (size > RS_ACCEPT_LANGUAGE_MAX))
        abort();
    int b = rs_accept_language_pick(v, size, many, 5);
    if (b != -ENOENT && b != -E2BIG && (b < 0 || b > 4))
        abort();
    int c = rs_language_tag_find(v, size, ours, 2);
    if (c != -ENOENT && (c < 0 || c > 1 || size != 2))
        abort();
    return 0;
}
