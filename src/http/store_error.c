/* SPDX-License-Identifier: EUPL-1.2 */
/* REST answers to store faults (store_error.h). */
#include "http/store_error.h"

#include <stdio.h>

#include "store/store_fault.h"

void rs_http_resp_store_error(struct rs_http_resp *resp, const char *what)
{
    char text[200];
    switch (rs_store_fault()) {
    case RS_STORE_FAULT_FULL:
        snprintf(text, sizeof(text), "%s: the server's disk is full", what);
        rs_http_resp_error(resp, 507, "storage_full", NULL, text);
        break;
    case RS_STORE_FAULT_BUSY:
        snprintf(text, sizeof(text), "%s: another program holds the database; try again", what);
        rs_http_resp_error(resp, 503, "storage_busy", NULL, text);
        rs_http_resp_header(resp, "retry-after:", "5");
        break;
    case RS_STORE_FAULT_IO:
    case RS_STORE_FAULT_NONE:
    case RS_STORE_FAULT__COUNT:
        rs_http_resp_error(resp, 500, "internal", NULL, what);
        break;
    }
}
