/* SPDX-License-Identifier: EUPL-1.2 */
/* How a REST request is answered when the store did not take what it was to store: the
 * status and code say why (store/store_fault.h), so a user is told "the disk is full" or "try
 * again in a moment" rather than "internal error" (docs/api.md, "Status codes"). Control
 * thread, right after the store call that failed. */
#ifndef RS_HTTP_STORE_ERROR_H
#define RS_HTTP_STORE_ERROR_H

#include "http/request.h"

/* Answers a request whose store call has just failed with -EIO: 507 storage_full, 503
 * storage_busy (Retry-After: 5), else 500 internal. The text is `what` was not done (e.g. "the
 * meeting could not be stored", borrowed) and why. */
void rs_http_resp_store_error(struct rs_http_resp *resp, const char *what);

#endif
