/* SPDX-License-Identifier: EUPL-1.2 */
/* The recorder supervisor with the fake recorder (tests/support/fake_recorder.sh): the child
 * gets the control socket on 3 and the data socket on 4 and no other descriptor of ours; lines
 * both ways; the stop sequence with "stopped", and with SIGTERM for a child that does not
 * answer; a child that does not read its commands is reported stalled without blocking us; a
 * child that exits is noticed; a missing program is refused. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
/* cmocka needs the headers above first */
#include <cmocka.h>

#include "../../support/tmpdir.h"
#include "core/clock.h"
#include "room/recorder_link.h"

static char dir[128], log_path[200], script[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    if (test_tmp_dir(dir, sizeof(dir), "rs-recorder-link") ||
        !realpath("tests/support/fake_recorder.sh", script))
        return -1;
    snprintf(log_path, sizeof(log_path), "%s/log", dir);
    setenv("RS_FAKE_RECORDER_LOG", log_path, 1);
    unsetenv("RS_FAKE_RECORDER_MODE");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(log_path);
    rmdir(dir);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool log_has(const char *needle)
{
    static char buf[8192];
    FILE *f = fopen(log_path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

struct seen {
    unsigned ready, stopped, outputs;
    int64_t bytes;
};

static void on_event(void *arg, const struct rs_recorder_event *ev)
{
    struct seen *s = arg;
    if (ev->ev == RS_RECORDER_EV_READY)
        s->ready++;
    else if (ev->ev == RS_RECORDER_EV_STOPPED)
        s->stopped++;
    else if (ev->ev == RS_RECORDER_EV_OUTPUT) {
        s->outputs++;
        s->bytes = ev->bytes;
    }
}

static void count_event(void *arg, const struct rs_recorder_event *ev)
{
    (void)ev;
    (*(unsigned *)arg)++;
}

/* Polls once at `now_ms`; returns how many events were read. */
static unsigned count_lines(struct rs_recorder_link *l, int64_t now_ms, unsigned *bad)
{
    unsigned n = 0;
    assert_int_equal(rs_recorder_link_poll(l, now_ms, count_event, &n, bad),
                     RS_RECORDER_LINK_ALIVE);
    return n;
}

/* Polls (the clock `skew_ms` ahead) until the status is not ALIVE or 5 s passed. */
static enum rs_recorder_link_status poll_until_done(struct rs_recorder_link *l, struct seen *s,
                                                    int64_t skew_ms)
{
    enum rs_recorder_link_status st = RS_RECORDER_LINK_ALIVE;
    for (int i = 0; i < 250 && st == RS_RECORDER_LINK_ALIVE; i++) {
        st = rs_recorder_link_poll(l, rs_wall_ms() + skew_ms, on_event, s, NULL);
        if (st == RS_RECORDER_LINK_ALIVE)
            sleep_ms(20);
    }
    return st;
}

static void send_line(struct rs_recorder_link *l, const char *json)
{
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    assert_int_equal(rs_recorder_link_send(l, j), 0);
    json_decref(j);
}

/* The fake recorder in `mode`, started at `now_ms`; its data socket end in *data_fd. */
static struct rs_recorder_link *spawn(const char *mode, int64_t now_ms, int *data_fd)
{
    setenv("RS_FAKE_RECORDER_MODE", mode, 1);
    struct rs_recorder_link *l;
    char err[200];
    assert_int_equal(rs_recorder_link_spawn(script, now_ms, &l, data_fd, err, sizeof(err)), 0);
    return l;
}

/* Frees the link and closes the data socket. */
static void done(struct rs_recorder_link *l, int data_fd)
{
    rs_recorder_link_free(l);
    close(data_fd);
}

static void test_start_ready_stop(void **state)
{
    (void)state;
    /* a descriptor of ours without close-on-exec must not reach the child */
    int leak = dup2(open("/dev/null", O_RDONLY), 50);
    assert_int_equal(leak, 50);
    int data_fd;
    struct rs_recorder_link *l = spawn("fds", rs_wall_ms(), &data_fd);
    close(leak);
    assert_true(data_fd >= 0);
    /* the data socket is a seqpacket pair */
    int type = 0;
    socklen_t tl = sizeof(type);
    assert_int_equal(getsockopt(data_fd, SOL_SOCKET, SO_TYPE, &type, &tl), 0);
    assert_int_equal(type, SOCK_SEQPACKET);

    struct seen s = {0};
    send_line(l, "{\"cmd\":\"start\",\"kind\":\"recording\"}");
    for (int i = 0; i < 250 && !s.ready; i++) {
        assert_int_equal(rs_recorder_link_poll(l, rs_wall_ms(), on_event, &s, NULL),
                         RS_RECORDER_LINK_ALIVE);
        sleep_ms(20);
    }
    assert_int_equal(s.ready, 1);
    assert_true(rs_recorder_link_ready(l));
    assert_true(log_has("{\"cmd\":\"start\",\"kind\":\"recording\"}\n"));
    /* its descriptors: 0-4, bash's own script (255) and the one its listing opened; not ours */
    assert_true(log_has("fds: 0 1 2 3 4 "));
    assert_false(log_has(" 50 "));

    rs_recorder_link_stop(l, rs_wall_ms());
    assert_true(rs_recorder_link_stopping(l));
    assert_int_equal(poll_until_done(l, &s, 0), RS_RECORDER_LINK_EXITED);
    assert_int_equal(s.stopped, 1);
    int st = rs_recorder_link_exit_status(l);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_true(log_has("{\"cmd\":\"stop\"}\n"));
    done(l, data_fd);
}

static void test_silent_child_gets_sigterm_on_stop(void **state)
{
    (void)state;
    int64_t t0 = rs_wall_ms();
    int data_fd;
    struct rs_recorder_link *l = spawn("silent", t0, &data_fd);
    send_line(l, "{\"cmd\":\"start\"}");
    struct seen s = {0};
    assert_int_equal(rs_recorder_link_poll(l, t0 + 1000, on_event, &s, NULL),
                     RS_RECORDER_LINK_ALIVE);
    /* no "ready" within 15 s */
    assert_int_equal(
        rs_recorder_link_poll(l, t0 + RS_RECORDER_READY_TIMEOUT_MS, on_event, &s, NULL),
        RS_RECORDER_LINK_SILENT);
    /* stop: it ignores the command; after 10 s SIGTERM ends it */
    rs_recorder_link_stop(l, t0);
    assert_int_equal(rs_recorder_link_poll(l, t0 + 5000, on_event, &s, NULL),
                     RS_RECORDER_LINK_ALIVE);
    assert_int_equal(poll_until_done(l, &s, RS_RECORDER_STOP_TIMEOUT_MS), RS_RECORDER_LINK_EXITED);
    int st = rs_recorder_link_exit_status(l);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    assert_int_equal(s.stopped, 0);
    done(l, data_fd);
}

static void test_a_line_is_a_sign_of_life(void **state)
{
    (void)state;
    int64_t t0 = rs_wall_ms();
    int data_fd;
    struct rs_recorder_link *l = spawn("chatty", t0, &data_fd);
    send_line(l, "{\"cmd\":\"start\"}");
    /* its stats line arrives (read at t0 + 14 s); not ready, but not silent either */
    unsigned bad = 0;
    for (int i = 0; i < 250 && count_lines(l, t0 + 14000, &bad) == 0; i++)
        sleep_ms(20);
    assert_int_equal(rs_recorder_link_poll(l, t0 + 20000, NULL, NULL, &bad),
                     RS_RECORDER_LINK_ALIVE);
    assert_false(rs_recorder_link_ready(l));
    assert_int_equal(
        rs_recorder_link_poll(l, t0 + 14000 + RS_RECORDER_READY_TIMEOUT_MS, NULL, NULL, &bad),
        RS_RECORDER_LINK_SILENT);
    assert_int_equal(bad, 0);
    done(l, data_fd);
}

static void test_deaf_child_stalls_without_blocking(void **state)
{
    (void)state;
    int data_fd;
    struct rs_recorder_link *l = spawn("deaf", rs_wall_ms(), &data_fd);
    /* commands of ~1 KiB until the socket and our bounded queue are full */
    char pad[1000];
    memset(pad, 'x', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    json_t *cmd = json_pack("{s:s, s:s}", "cmd", "slate", "text", pad);
    int rc = 0;
    unsigned sent = 0;
    while (rc == 0 && sent < 10000) {
        rc = rs_recorder_link_send(l, cmd);
        sent++;
    }
    json_decref(cmd);
    assert_int_equal(rc, -ENOBUFS);
    assert_true(sent > RS_RECORDER_OUTBUF_MAX / 1024);
    struct seen s = {0};
    assert_int_equal(rs_recorder_link_poll(l, rs_wall_ms(), on_event, &s, NULL),
                     RS_RECORDER_LINK_STALLED);
    pid_t pid = rs_recorder_link_pid(l);
    done(l, data_fd); /* kills it */
    assert_int_equal(kill(pid, 0), -1);
}

static void test_exit_noticed_and_missing_program(void **state)
{
    (void)state;
    int data_fd;
    struct rs_recorder_link *l = spawn("die", rs_wall_ms(), &data_fd);
    send_line(l, "{\"cmd\":\"start\"}");
    struct seen s = {0};
    assert_int_equal(poll_until_done(l, &s, 0), RS_RECORDER_LINK_EXITED);
    int st = rs_recorder_link_exit_status(l);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    done(l, data_fd);

    char missing[PATH_MAX + 16], err[200];
    snprintf(missing, sizeof(missing), "%s/ratsaal-recorder", dir);
    assert_int_equal(rs_recorder_link_spawn(missing, 0, &l, &data_fd, err, sizeof(err)), -ENOENT);
    assert_null(l);
    assert_int_equal(data_fd, -1);
    assert_non_null(strstr(err, "missing"));
    /* a file without any execute bit */
    FILE *f = fopen(missing, "w");
    assert_non_null(f);
    fclose(f);
    chmod(missing, 0600);
    assert_int_equal(rs_recorder_link_spawn(missing, 0, &l, &data_fd, err, sizeof(err)), -EACCES);
    assert_non_null(strstr(err, "not executable"));
    unlink(missing);
}

static void test_recorder_path(void **state)
{
    (void)state;
    char p[PATH_MAX];
    assert_int_equal(rs_recorder_path("/opt/rec", p, sizeof(p)), 0);
    assert_string_equal(p, "/opt/rec");
    assert_int_equal(rs_recorder_path("", p, sizeof(p)), 0);
    const char *slash = strrchr(p, '/');
    assert_non_null(slash);
    assert_string_equal(slash, "/ratsaal-recorder");
    assert_int_equal(rs_recorder_path("/a/long/path", p, 5), -ENAMETOOLONG);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_ready_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_child_gets_sigterm_on_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_line_is_a_sign_of_life, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deaf_child_stalls_without_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_noticed_and_missing_program, setup, teardown),
        cmocka_unit_test(test_recorder_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
