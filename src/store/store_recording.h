/* SPDX-License-Identifier: EUPL-1.2 */
/* Persistence of recordings and of the recording audit log (schema version 9). Same contract as
 * store.h: blocking calls from the control thread only, times passed in by the caller, errors
 * 0 / -ENOENT / -EINVAL / -EIO.
 *
 * A recording row names a file relative to the configured recordings_dir (never an absolute
 * path from outside); the file itself is written by ratsaal-recorder. Rows go with the meeting
 * when it is deleted (the files are removed by the caller). The audit log keeps every start,
 * stop, pause, consent change, download and deletion; its rows outlive the recording they name
 * (they go only with the meeting). */
#ifndef RS_STORE_STORE_RECORDING_H
#define RS_STORE_STORE_RECORDING_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_vote.h"

#define RS_RECORDING_PURPOSE_MAX 1200  /* bytes: up to 300 characters */
#define RS_RECORDING_FILE_MAX 255      /* bytes, relative to recordings_dir */
#define RS_RECORDING_AUDIT_DETAIL_MAX 1024 /* bytes of a JSON object text */

/* state: "recording" (being written), "done", "failed" (the recorder died; the file so far is
 * kept), "interrupted" (the server stopped while it ran), "deleted" (file removed; the row stays
 * for the audit trail). */
struct rs_recording {
    int64_t id; /* set by the store */
    char room_id[RS_ROOM_ID_MAX + 1];
    char format[8];                          /* "mp4" or "webm" */
    char file[RS_RECORDING_FILE_MAX + 1];    /* e.g. "ROOMID/12.mp4" */
    char layout[16];                         /* "speaker" or "grid" */
    char started_by[RS_MEMBER_NAME_MAX + 1]; /* display name */
    char started_by_user[32];                /* user id, "" for none */
    char purpose[RS_RECORDING_PURPOSE_MAX + 1];
    int64_t started_at_ms;
    int64_t ended_at_ms; /* 0 while recording */
    int64_t bytes;
    unsigned retention_days;
    int64_t expires_at_ms; /* started_at + retention */
    char state[16];
};

struct rs_recording_audit {
    int64_t id; /* set by the store */
    char room_id[RS_ROOM_ID_MAX + 1];
    int64_t recording_id; /* 0: not about one recording (e.g. a stream, a consent) */
    int64_t at_ms;
    char event[32];  /* start, stop, pause, resume, consent_given, consent_declined,
                        consent_withdrawn, target_on, target_off, recorder_failed, download,
                        delete, retention_delete, ... */
    char kind[16];   /* "recording", "stream" or "" */
    char actor[RS_MEMBER_NAME_MAX + 1]; /* who did it ("" for the server itself) */
    char actor_user[32];
    char detail[RS_RECORDING_AUDIT_DETAIL_MAX + 1]; /* a JSON object, "{}" for none */
};

typedef int (*rs_store_recording_fn)(const struct rs_recording *r, void *ctx);
typedef int (*rs_store_recording_audit_fn)(const struct rs_recording_audit *a, void *ctx);

#define RS_RECORDING_AUDIT_ROWS_MAX 20000 /* rows of one meeting a list reads at most */

struct rs_store_recording_ops {
    int (*add)(struct rs_store *st, struct rs_recording *r);
    int (*finish)(struct rs_store *st, int64_t id, int64_t ended_at_ms, int64_t bytes,
                  const char *state);
    int (*mark_deleted)(struct rs_store *st, int64_t id);
    int (*get)(struct rs_store *st, int64_t id, struct rs_recording *out);
    int (*list)(struct rs_store *st, const char *room_id, rs_store_recording_fn each, void *ctx);
    int (*expired)(struct rs_store *st, int64_t now_ms, rs_store_recording_fn each, void *ctx);
    int (*close_open)(struct rs_store *st, int64_t now_ms, const char *node);
    int (*open_nodes)(struct rs_store *st, rs_store_node_fn each, void *ctx);
    int (*audit_add)(struct rs_store *st, struct rs_recording_audit *a);
    int (*audit_list)(struct rs_store *st, const char *room_id, rs_store_recording_audit_fn each,
                      void *ctx);
};

/* Stores `r` (its id is set). With `r->file` empty the store names the file
 * "<room_id>/<id>.<format>" in the same transaction and sets `r->file`. Returns 0, -ENOENT
 * (unknown room), -EINVAL (an absolute file name or one with "..", an unknown format or state,
 * retention_days 0), -EIO. */
int rs_store_recording_add(struct rs_store *st, struct rs_recording *r);
/* Ends recording `id`: its end time, size and state ("done", "failed", "interrupted"). Returns
 * 0, -ENOENT, -EIO. */
int rs_store_recording_finish(struct rs_store *st, int64_t id, int64_t ended_at_ms, int64_t bytes,
                              const char *state);
/* Marks recording `id` deleted (its file is the caller's to remove). 0, -ENOENT, -EIO. */
int rs_store_recording_mark_deleted(struct rs_store *st, int64_t id);
int rs_store_recording_get(struct rs_store *st, int64_t id, struct rs_recording *out);
/* The meeting's recordings, newest first, deleted ones included. A non-zero return of `each`
 * stops (and is returned if negative). */
int rs_store_recording_list(struct rs_store *st, const char *room_id, rs_store_recording_fn each,
                            void *ctx);
/* Recordings not deleted whose expires_at_ms <= now_ms (retention). */
int rs_store_recording_expired(struct rs_store *st, int64_t now_ms, rs_store_recording_fn each,
                               void *ctx);
/* Rows still "recording" that node `node` opened (NULL: all, a single server's start-up)
 * belong to a process that stopped; they become "interrupted" with ended_at_ms = now_ms (a
 * later finish by a node that was only cut off still writes its real end). Returns how many,
 * or -EIO. */
int rs_store_recording_close_open(struct rs_store *st, int64_t now_ms, const char *node);
/* Each cluster node with recordings still "recording" (once; never ""). */
int rs_store_recording_open_nodes(struct rs_store *st, rs_store_node_fn each, void *ctx);

/* Appends to the audit log (its id is set). Returns 0, -ENOENT (unknown room), -EIO. */
int rs_store_recording_audit_add(struct rs_store *st, struct rs_recording_audit *a);
/* The meeting's audit log, oldest first. */
int rs_store_recording_audit_list(struct rs_store *st, const char *room_id,
                                  rs_store_recording_audit_fn each, void *ctx);

#endif
