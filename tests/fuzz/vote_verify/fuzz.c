/* SPDX-License-Identifier: EUPL-1.2 */
/* Fuzz target: what `ratsaal vote verify FILE` reads (rs_vote_record_verify, room/vote_tally.h).
 *
 * Any input is a file handed to the command: the answer is intact (0, at least one entry) or
 * altered (-EINVAL) with a one-line reason that fits even a small buffer; nothing else.
 *
 * Random bytes almost never carry a valid hash chain, so an input starting with byte 0x01 is
 * built into one instead: the rest is a JSON array of [type, body] pairs (a body that is no
 * object, or holds a real, is refused by the chain as it must be), chained behind a motion of
 * vote "vfz" and exported as the server exports a closed vote. The export must verify with
 * the right number of entries, and the promise of vote_tally.h is held to: changing any one
 * byte of it (three bytes picked from the input, each changed three ways) is noticed. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "room/vote_tally.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

/* Verifies `text` as the command does and checks the contract of the answer. */
static int verify(const char *text, size_t len, unsigned *entries)
{
    char why[256], small[8];
    unsigned n = 0;
    memset(why, 0x7f, sizeof why);
    int rc = rs_vote_record_verify(text, len, &n, why, sizeof why);
    must(rc == 0 || rc == -EINVAL);
    must(memchr(why, 0, sizeof why) != NULL && why[0] != '\0');
    must(rc != 0 || n >= 1);
    memset(small, 0x7f, sizeof small);
    must(rs_vote_record_verify(text, len, NULL, small, sizeof small) == rc);
    must(memchr(small, 0, sizeof small) != NULL);
    if (entries)
        *entries = n;
    return rc;
}

static void built(const uint8_t *data, size_t size)
{
    json_t *pairs = json_loadb((const char *)data, size, 0, NULL);
    struct rs_vote_chain ch;
    must(rs_vote_chain_init(&ch) == 0);
    unsigned want = 1;
    must(rs_vote_chain_append(&ch, "motion",
                              json_pack("{s:s, s:s, s:[sss]}", "vote", "vfz", "title", "Antrag",
                                        "options", "yes", "no", "abstain")) == 0);
    size_t i;
    json_t *pair;
    json_array_foreach(pairs, i, pair)
    {
        const char *type = json_string_value(json_array_get(pair, 0));
        json_t *body = json_array_get(pair, 1);
        if (!type || !body)
            continue;
        int rc = rs_vote_chain_append(&ch, type, json_incref(body));
        must(rc == 0 || rc == -EINVAL);
        want += rc == 0;
    }
    json_decref(pairs);
    char *text = rs_vote_chain_export(&ch, "vfz");
    rs_vote_chain_free(&ch);
    if (!text)
        return; /* out of memory, or a body jansson cannot write (too deep) */
    size_t len = strlen(text);
    unsigned n = 0;
    must(verify(text, len, &n) == 0 && n == want);
    static const uint8_t flips[] = {0x01, 0x20, 0x80};
    for (size_t k = 0; k < 3 && k < size; k++) {
        size_t at = ((size_t)data[k] * 131 + k * 7919 + size) % len;
        for (size_t f = 0; f < sizeof flips; f++) {
            text[at] = (char)(text[at] ^ flips[f]);
            must(verify(text, len, NULL) == -EINVAL);
            text[at] = (char)(text[at] ^ flips[f]);
        }
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact size, not NUL-terminated: ASan sees a read past the file */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    verify(copy, size, NULL);
    free(copy);
    if (size > 0 && data[0] == 0x01)
        built(data + 1, size - 1);
    return 0;
}
