/* SPDX-License-Identifier: EUPL-1.2 */
/* Job thread (see jobs.h). One thread is enough: logins are rare, and serialising them also
 * bounds how much memory argon2 (64 MiB per hash) can take at once. */
#include "core/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/queue.h"

#define JOBS_CAP 256

struct job {
    rs_job_fn run, done;
    void *arg;
};

static struct rs_queue *queued, *completed; /* to the job thread / back to control */
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int running, stopping, inline_mode;
static unsigned in_flight; /* submitted and not yet completed on the control thread; `lock` */
static void (*wake_fn)(void *);
static void *wake_arg;

static void *job_main(void *unused)
{
    for (;;) {
        struct job j;
        pthread_mutex_lock(&lock);
        while (!stopping && rs_queue_pop(queued, &j) != 0)
            pthread_cond_wait(&cond, &lock);
        int stop = stopping;
        pthread_mutex_unlock(&lock);
        if (stop)
            return NULL;
        j.run(j.arg);
        /* cannot fail: at most JOBS_CAP jobs are in flight (rs_jobs_submit), and `completed`
         * holds JOBS_CAP */
        rs_queue_push(completed, &j);
        if (wake_fn)
            wake_fn(wake_arg);
    }
}

int rs_jobs_start(void (*wake)(void *), void *arg)
{
    queued = rs_queue_new(sizeof(struct job), JOBS_CAP, 0);
    completed = rs_queue_new(sizeof(struct job), JOBS_CAP, 0);
    if (!queued || !completed)
        return -ENOMEM;
    wake_fn = wake;
    wake_arg = arg;
    stopping = 0;
    int rc = pthread_create(&thread, NULL, job_main, NULL);
    if (rc)
        return -rc;
    running = 1;
    return 0;
}

void rs_jobs_stop(void)
{
    if (running) {
        pthread_mutex_lock(&lock);
        stopping = 1;
        pthread_cond_signal(&cond);
        pthread_mutex_unlock(&lock);
        pthread_join(thread, NULL);
        running = 0;
    }
    rs_jobs_poll(); /* completions free their arguments */
    struct job j;
    /* jobs that never ran: run them here, so every completion sees a real result */
    while (queued && rs_queue_pop(queued, &j) == 0) {
        j.run(j.arg);
        j.done(j.arg);
    }
    rs_queue_free(queued);
    rs_queue_free(completed);
    queued = completed = NULL;
    in_flight = 0;
}

void rs_jobs_set_inline(int on)
{
    inline_mode = on;
}

int rs_jobs_submit(rs_job_fn run, rs_job_fn done, void *arg)
{
    if (inline_mode || !running) {
        run(arg);
        done(arg);
        return 0;
    }
    struct job j = {run, done, arg};
    pthread_mutex_lock(&lock);
    if (in_flight >= JOBS_CAP) {
        pthread_mutex_unlock(&lock);
        return -EAGAIN;
    }
    int rc = rs_queue_push(queued, &j);
    if (rc == 0)
        in_flight++;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
    return rc;
}

void rs_jobs_poll(void)
{
    struct job j;
    while (completed && rs_queue_pop(completed, &j) == 0) {
        j.done(j.arg);
        pthread_mutex_lock(&lock);
        in_flight--;
        pthread_mutex_unlock(&lock);
    }
}
