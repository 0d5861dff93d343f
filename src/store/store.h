/* Persistence interface.
 *
 * The rest of the server talks to `struct rs_store` through these functions only; a backend
 * (SQLite today, PostgreSQL for multi-node later) fills in `struct rs_store_ops`. Calls are
 * blocking and are made from the control thread only, never from a media worker. Strings in
 * records are copied into fixed-size fields: records own nothing on the heap. */
#ifndef RS_STORE_STORE_H
#define RS_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#define RS_ROOM_ID_MAX 64
#define RS_ROOM_TITLE_MAX 200 /* bytes of UTF-8 */

struct rs_room_record {
    char id[RS_ROOM_ID_MAX + 1];
    char title[RS_ROOM_TITLE_MAX + 1];
    unsigned max_participants; /* 0: the server's default */
    int64_t created_at_ms;
    int64_t last_active_ms;
};

struct rs_store;

struct rs_store_ops {
    const char *name;
    void (*close)(struct rs_store *st);
    int (*schema_version)(struct rs_store *st);
    int (*room_get)(struct rs_store *st, const char *id, struct rs_room_record *out);
    int (*room_put)(struct rs_store *st, const struct rs_room_record *room);
    int (*room_touch)(struct rs_store *st, const char *id, int64_t now_ms);
    int (*room_delete)(struct rs_store *st, const char *id);
    int (*room_count)(struct rs_store *st, int64_t *out);
};

struct rs_store {
    const struct rs_store_ops *ops;
};

/* Opens (creating if needed) the SQLite database at `path` and runs pending migrations.
 * On success `*out` is a new store the caller owns (free with rs_store_close). */
int rs_store_open_sqlite(const char *path, struct rs_store **out);

void rs_store_close(struct rs_store *st);
/* The highest migration applied. */
int rs_store_schema_version(struct rs_store *st);
/* Copies the room into `out`. Returns 0, -ENOENT, or -EIO. */
int rs_store_room_get(struct rs_store *st, const char *id, struct rs_room_record *out);
/* Inserts or replaces the room's settings (created_at is kept if the room exists). */
int rs_store_room_put(struct rs_store *st, const struct rs_room_record *room);
int rs_store_room_touch(struct rs_store *st, const char *id, int64_t now_ms);
int rs_store_room_delete(struct rs_store *st, const char *id);
int rs_store_room_count(struct rs_store *st, int64_t *out);

#endif
