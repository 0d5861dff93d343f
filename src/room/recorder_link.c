/* SPDX-License-Identifier: EUPL-1.2 */
/* The recorder supervisor: one child process, its control socket, its stop sequence
 * (recorder_link.h).
 *
 * The child is started with posix_spawn, not fork: the server holds many threads, big
 * mappings and TLS keys, and a forked copy of that between fork and exec is both slow and a
 * hazard. The file actions put the child's socket ends on 3 and 4 and close everything above
 * (closefrom), so neither a listening socket nor the database reaches the recorder even if some
 * library opened it without O_CLOEXEC. stdin is /dev/null; stderr is the server's (the
 * recorder's log).
 *
 * The one subtle thing is that nothing here may wait on the child while the control thread
 * serves rooms. Reading is non-blocking line assembly into a fixed buffer; writing goes through
 * a bounded queue; the child's exit is seen with waitpid(WNOHANG) on every poll. The only
 * wait is after SIGKILL (which cannot be ignored). */
#include "room/recorder_link.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"

extern char **environ;

struct rs_recorder_link {
    pid_t pid;
    int ctl; /* the server's end of the control socket; -1 once closed */
    bool exited;
    int status;
    bool ready;
    bool eof;
    int send_err;         /* sticky error of the outbound side */
    int64_t last_line_ms; /* the spawn, then the last line read */
    /* stop sequence */
    bool stopping, termed, killed;
    int64_t stop_ms, term_ms;
    /* inbound line assembly */
    bool discarding; /* inside an over-long line: drop up to the next newline */
    size_t in_len;
    char in[RS_RECORDER_LINE_MAX + 1];
    /* outbound queue */
    char *out;
    size_t out_len, out_cap;
};

int rs_recorder_path(const char *cfg_path, char *out, size_t cap)
{
    if (cfg_path && cfg_path[0]) {
        int n = snprintf(out, cap, "%s", cfg_path);
        return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -ENOENT;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -ENOENT;
    *slash = '\0';
    int m = snprintf(out, cap, "%s/ratsaal-recorder", exe);
    return m < 0 || (size_t)m >= cap ? -ENAMETOOLONG : 0;
}

/* Moves `fd` above 4 (so that dup2 onto 3 and 4 cannot clobber it), close-on-exec. */
static int lift_fd(int fd)
{
    if (fd > 4)
        return fd;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, 5);
    close(fd);
    return hi;
}

int rs_recorder_link_spawn(const char *path, int64_t now_ms, struct rs_recorder_link **out,
                           int *data_fd, char *err, size_t errlen)
{
    *out = NULL;
    *data_fd = -1;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "recorder binary missing: %s", path);
        return -ENOENT;
    }
    if (access(path, X_OK) != 0) {
        snprintf(err, errlen, "recorder binary not executable: %s", path);
        return -EACCES;
    }
    int ctl[2], data[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) != 0) {
        snprintf(err, errlen, "control socket: %s", strerror(errno));
        return -errno;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, data) != 0) {
        int e = errno;
        snprintf(err, errlen, "data socket: %s", strerror(e));
        close(ctl[0]);
        close(ctl[1]);
        return -e;
    }
    ctl[1] = lift_fd(ctl[1]);
    data[1] = lift_fd(data[1]);
    struct rs_recorder_link *l = calloc(1, sizeof(*l));
    int rc = -ENOMEM;
    if (!l || ctl[1] < 0 || data[1] < 0) {
        snprintf(err, errlen, "out of resources");
        goto fail_close;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, ctl[1], 3);
    posix_spawn_file_actions_adddup2(&fa, data[1], 4);
    posix_spawn_file_actions_addclosefrom_np(&fa, 5);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    /* the child starts with default signal handling and an empty mask, whatever ours are */
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *const argv[] = {(char *)path, "--control-fd", "3", "--data-fd", "4", NULL};
    pid_t pid;
    int e = posix_spawn(&pid, path, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (e != 0) {
        snprintf(err, errlen, "recorder could not be started: %s", strerror(e));
        rc = -e;
        goto fail_close;
    }
    close(ctl[1]);
    close(data[1]);
    int fl = fcntl(ctl[0], F_GETFL);
    fcntl(ctl[0], F_SETFL, fl | O_NONBLOCK);
    l->pid = pid;
    l->ctl = ctl[0];
    l->last_line_ms = now_ms;
    *out = l;
    *data_fd = data[0];
    RS_INFO("recorder", "spawned %s pid %d", path, (int)pid);
    return 0;

fail_close:
    free(l);
    close(ctl[0]);
    if (ctl[1] >= 0)
        close(ctl[1]);
    close(data[0]);
    if (data[1] >= 0)
        close(data[1]);
    return rc;
}

/* Writes as much of the queue as the socket takes. */
static void flush_out(struct rs_recorder_link *l)
{
    while (l->out_len > 0 && l->ctl >= 0 && !l->send_err) {
        ssize_t n = send(l->ctl, l->out, l->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR)
                continue;
            l->send_err = -EPIPE;
            return;
        }
        memmove(l->out, l->out + n, l->out_len - (size_t)n);
        l->out_len -= (size_t)n;
    }
}

int rs_recorder_link_send(struct rs_recorder_link *l, json_t *cmd)
{
    if (l->send_err)
        return l->send_err;
    if (l->ctl < 0)
        return -EPIPE;
    char *line = json_dumps(cmd, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!line)
        return -ENOMEM;
    size_t n = strlen(line);
    if (l->out_len + n + 1 > RS_RECORDER_OUTBUF_MAX) {
        free(line);
        l->send_err = -ENOBUFS;
        return l->send_err;
    }
    if (l->out_len + n + 1 > l->out_cap) {
        size_t cap = l->out_cap ? l->out_cap : 4096;
        while (cap < l->out_len + n + 1)
            cap *= 2;
        if (cap > RS_RECORDER_OUTBUF_MAX)
            cap = RS_RECORDER_OUTBUF_MAX;
        char *b = realloc(l->out, cap);
        if (!b) {
            free(line);
            return -ENOMEM;
        }
        l->out = b;
        l->out_cap = cap;
    }
    memcpy(l->out + l->out_len, line, n);
    l->out[l->out_len + n] = '\n';
    l->out_len += n + 1;
    free(line);
    flush_out(l);
    return l->send_err;
}

/* Hands every complete line in the buffer to the parser. Returns -E2BIG for an over-long one. */
static int take_lines(struct rs_recorder_link *l, int64_t now_ms, rs_recorder_event_fn on_event,
                      void *arg, unsigned *bad_lines)
{
    size_t start = 0;
    for (;;) {
        char *nl = memchr(l->in + start, '\n', l->in_len - start);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (l->in + start));
        l->last_line_ms = now_ms;
        if (l->discarding) {
            l->discarding = false; /* the rest of an over-long line */
        } else if (len > 0) {
            struct rs_recorder_event ev;
            int rc = rs_recorder_event_parse(l->in + start, len, &ev);
            if (rc == 0) {
                if (ev.ev == RS_RECORDER_EV_READY)
                    l->ready = true;
                if (on_event)
                    on_event(arg, &ev);
            } else if (rc != -ENOENT && bad_lines) {
                (*bad_lines)++;
            }
        }
        start += len + 1;
    }
    memmove(l->in, l->in + start, l->in_len - start);
    l->in_len -= start;
    if (l->in_len > RS_RECORDER_LINE_MAX) {
        l->in_len = 0;
        l->discarding = true;
        return -E2BIG;
    }
    return 0;
}

static void read_lines(struct rs_recorder_link *l, int64_t now_ms, rs_recorder_event_fn on_event,
                       void *arg, unsigned *bad_lines, bool *too_long)
{
    while (l->ctl >= 0 && !l->eof) {
        ssize_t n = recv(l->ctl, l->in + l->in_len, sizeof(l->in) - l->in_len, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                l->eof = true;
            return;
        }
        if (n == 0) {
            l->eof = true;
            return;
        }
        l->in_len += (size_t)n;
        if (take_lines(l, now_ms, on_event, arg, bad_lines) == -E2BIG)
            *too_long = true;
    }
}

static void reap(struct rs_recorder_link *l)
{
    if (l->exited || l->pid <= 0)
        return;
    int status;
    pid_t r = waitpid(l->pid, &status, WNOHANG);
    if (r == l->pid || (r < 0 && errno == ECHILD)) {
        l->exited = true;
        l->status = r == l->pid ? status : 0;
        RS_INFO("recorder", "pid %d exited (status %d)", (int)l->pid, l->status);
    }
}

void rs_recorder_link_stop(struct rs_recorder_link *l, int64_t now_ms)
{
    if (l->stopping)
        return;
    l->stopping = true;
    l->stop_ms = now_ms;
    json_t *cmd = json_pack("{s:s}", "cmd", "stop");
    if (cmd && rs_recorder_link_send(l, cmd) != 0 && !l->exited) {
        /* it cannot even hear "stop": go straight to SIGTERM */
        kill(l->pid, SIGTERM);
        l->termed = true;
        l->term_ms = now_ms;
    }
    json_decref(cmd);
}

bool rs_recorder_link_stopping(const struct rs_recorder_link *l)
{
    return l->stopping;
}

enum rs_recorder_link_status rs_recorder_link_poll(struct rs_recorder_link *l, int64_t now_ms,
                                                   rs_recorder_event_fn on_event, void *arg,
                                                   unsigned *bad_lines)
{
    bool too_long = false;
    flush_out(l);
    read_lines(l, now_ms, on_event, arg, bad_lines, &too_long);
    reap(l);
    if (l->exited) {
        /* what it wrote between our read and its exit is still in the socket */
        read_lines(l, now_ms, on_event, arg, bad_lines, &too_long);
        return RS_RECORDER_LINK_EXITED;
    }
    if (l->stopping) {
        if (!l->termed && now_ms - l->stop_ms >= RS_RECORDER_STOP_TIMEOUT_MS) {
            RS_WARN("recorder", "pid %d did not stop in time: SIGTERM", (int)l->pid);
            kill(l->pid, SIGTERM);
            l->termed = true;
            l->term_ms = now_ms;
        } else if (l->termed && !l->killed && now_ms - l->term_ms >= RS_RECORDER_TERM_TIMEOUT_MS) {
            RS_WARN("recorder", "pid %d ignored SIGTERM: SIGKILL", (int)l->pid);
            kill(l->pid, SIGKILL);
            l->killed = true;
        }
        return RS_RECORDER_LINK_ALIVE;
    }
    if (too_long)
        return RS_RECORDER_LINK_BROKEN;
    if (l->send_err == -ENOBUFS)
        return RS_RECORDER_LINK_STALLED;
    if (l->send_err || l->eof)
        return RS_RECORDER_LINK_ALIVE; /* its exit follows; waitpid will see it */
    if (!l->ready && now_ms - l->last_line_ms >= RS_RECORDER_READY_TIMEOUT_MS)
        return RS_RECORDER_LINK_SILENT;
    return RS_RECORDER_LINK_ALIVE;
}

int rs_recorder_link_exit_status(const struct rs_recorder_link *l)
{
    return l->status;
}

pid_t rs_recorder_link_pid(const struct rs_recorder_link *l)
{
    return l->pid;
}

bool rs_recorder_link_ready(const struct rs_recorder_link *l)
{
    return l->ready;
}

void rs_recorder_link_free(struct rs_recorder_link *l)
{
    if (!l)
        return;
    if (l->ctl >= 0)
        close(l->ctl);
    reap(l);
    if (!l->exited && l->pid > 0) {
        kill(l->pid, SIGKILL);
        int status;
        while (waitpid(l->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    free(l->out);
    free(l);
}
