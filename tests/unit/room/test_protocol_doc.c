/* SPDX-License-Identifier: EUPL-1.2 */
/* docs/protocol.md and the action tables agree: every action a feature serves is documented
 * (an example `{"ns": "X", "action": "Y", ...}` in the protocol), and every documented action is
 * served. The registry is the one a server builds: the room's own features and the SFU's media
 * feature. Run from the repository root (scripts/test.sh does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app.h"
#include "room/room.h"
#include "sfu/media_signaling.h"

#define DOC "docs/protocol.md"
#define MAX_DOCUMENTED 256

struct pair {
    char ns[32], action[48];
};

static struct rs_app app;
static struct pair documented[MAX_DOCUMENTED];
static unsigned n_documented;

/* Reads `"key": "` at *p and the value up to the closing quote into out. */
static int read_value(const char **p, const char *key, char *out, size_t cap)
{
    char pat[32];
    snprintf(pat, sizeof(pat), "\"%s\": \"", key);
    if (strncmp(*p, pat, strlen(pat)) != 0)
        return -1;
    const char *v = *p + strlen(pat);
    const char *end = strchr(v, '"');
    if (!end || (size_t)(end - v) >= cap)
        return -1;
    memcpy(out, v, (size_t)(end - v));
    out[end - v] = 0;
    *p = end + 1;
    return 0;
}

static void load_doc(void)
{
    FILE *f = fopen(DOC, "r");
    if (!f)
        fail_msg("cannot open %s (run from the repository root)", DOC);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = 0;
    for (const char *p = text; (p = strstr(p, "{\"ns\": \"")) != NULL;) {
        p++;
        struct pair pr;
        if (read_value(&p, "ns", pr.ns, sizeof(pr.ns)) || strncmp(p, ", ", 2) != 0)
            continue;
        p += 2;
        if (read_value(&p, "action", pr.action, sizeof(pr.action)))
            continue; /* an event, not an action */
        if (pr.ns[0] == '<')
            continue; /* the general form {"ns": "<module>", "action": "<verb>"} */
        int known = 0;
        for (unsigned i = 0; i < n_documented; i++)
            known |= strcmp(documented[i].ns, pr.ns) == 0 &&
                     strcmp(documented[i].action, pr.action) == 0;
        if (!known && n_documented < MAX_DOCUMENTED)
            documented[n_documented++] = pr;
    }
}

static int setup(void **state)
{
    rs_config_defaults(&app.cfg);
    app.rooms = rs_rooms_new(&app);
    if (!app.rooms || rs_features_add(rs_rooms_features(app.rooms), &rs_media_feature))
        return -1;
    load_doc();
    return 0;
}

static int teardown(void **state)
{
    rs_rooms_free(app.rooms);
    return 0;
}

/* Served actions of `fs` the document lacks, each named on stderr. */
static unsigned undocumented(const struct rs_features *fs, unsigned *served)
{
    unsigned missing = 0;
    *served = 0;
    for (unsigned i = 0; i < fs->count; i++) {
        for (const struct rs_action *a = fs->list[i]->actions; a->name; a++) {
            (*served)++;
            int found = 0;
            for (unsigned k = 0; k < n_documented; k++)
                found |= strcmp(documented[k].ns, fs->list[i]->ns) == 0 &&
                         strcmp(documented[k].action, a->name) == 0;
            if (!found) {
                print_error("served but not documented in " DOC ": %s/%s\n", fs->list[i]->ns,
                            a->name);
                missing++;
            }
        }
    }
    return missing;
}

/* Documented actions `fs` does not serve, each named on stderr. */
static unsigned unserved(const struct rs_features *fs)
{
    unsigned missing = 0;
    for (unsigned k = 0; k < n_documented; k++) {
        const struct rs_feature *f =
            rs_features_find(fs, documented[k].ns, strlen(documented[k].ns));
        if (!f || !rs_feature_action(f, documented[k].action, strlen(documented[k].action))) {
            print_error("documented in " DOC " but not served: %s/%s\n", documented[k].ns,
                        documented[k].action);
            missing++;
        }
    }
    return missing;
}

static void test_served_actions_are_documented(void **state)
{
    unsigned served;
    assert_int_equal(undocumented(rs_rooms_features(app.rooms), &served), 0);
    assert_true(served >= 15);
}

static void test_documented_actions_are_served(void **state)
{
    assert_true(n_documented >= 15);
    assert_int_equal(unserved(rs_rooms_features(app.rooms)), 0);
}

/* The checks find a difference in either direction. */
static void test_differences_are_found(void **state)
{
    static const struct rs_action extra_actions[] = {
        {.name = "undocumented_verb", .need = RS_NEED_JOINED},
        {.name = NULL},
    };
    static const struct rs_feature extra = {.ns = "extra", .actions = extra_actions};
    struct rs_features fs = *rs_rooms_features(app.rooms);
    unsigned served;
    assert_int_equal(rs_features_add(&fs, &extra), 0);
    assert_int_equal(undocumented(&fs, &served), 1);
    /* without the media feature, its five documented actions are not served */
    struct rs_features room_only = {.count = 0};
    for (unsigned i = 0; i < fs.count; i++)
        if (fs.list[i] != &rs_media_feature && fs.list[i] != &extra)
            rs_features_add(&room_only, fs.list[i]);
    assert_int_equal(unserved(&room_only), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_served_actions_are_documented),
        cmocka_unit_test(test_documented_actions_are_served),
        cmocka_unit_test(test_differences_are_found),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
