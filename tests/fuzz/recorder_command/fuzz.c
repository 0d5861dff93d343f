/* SPDX-License-Identifier: EUPL-1.2 */
/* libFuzzer target for ratsaal-recorder's control-line parser: any bytes, never a crash, a
 * read past the input or an unterminated string; a refused line leaves the command zeroed
 * with a reason, an accepted one has a known type and NUL-terminated strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recorder/command.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rs_rec_cmd c;
    char err[128];
    char *copy = malloc(size ? size : 1); /* exact size, so ASan sees any overread */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    int rc = rs_rec_cmd_parse(copy, size, &c, err, sizeof err);
    must(memchr(err, '\0', sizeof err) != NULL);
    if (rc != 0) {
        must(err[0] != '\0');
        must(c.type == 0);
    } else {
        must(c.type >= RS_REC_START && c.type <= RS_REC_STOP);
        must(memchr(c.id, '\0', sizeof c.id) != NULL && memchr(c.path, '\0', sizeof c.path) != NULL);
        must(memchr(c.name, '\0', sizeof c.name) != NULL && memchr(c.title, '\0', sizeof c.title) != NULL);
        must(memchr(c.participant, '\0', sizeof c.participant) != NULL);
        must(memchr(c.locale, '\0', sizeof c.locale) != NULL);
    }
    free(copy);
    return 0;
}
