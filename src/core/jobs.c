/* Job thread (see jobs.h). One thread is enough: logins are rare, and serialising them also
 * bounds how much memory argon2 (64 MiB per hash) can take at once. */
#include "core/jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "sfu/queue.h"

#define JOBS_CAP 256

struct job {
    rs_job_fn run, done;
    void *arg;
};

static struct rs_queue *todo, *finished;
static pthread_t thread;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int running, stopping, inline_mode;
static void (*wake_fn)(void *);
static void *wake_arg;

static void *job_main(void *unused)
{
    for (;;) {
        struct job j;
        pthread_mutex_lock(&lock);
        while (!stopping && rs_queue_pop(todo, &j) != 0)
            pthread_cond_wait(&cond, &lock);
        int stop = stopping;
        pthread_mutex_unlock(&lock);
        if (stop)
            return NULL;
        j.run(j.arg);
        while (rs_queue_push(finished, &j) != 0)
            ; /* `finished` has the same capacity as `todo`: cannot stay full */
        if (wake_fn)
            wake_fn(wake_arg);
    }
}

int rs_jobs_start(void (*wake)(void *), void *arg)
{
    todo = rs_queue_new(sizeof(struct job), JOBS_CAP, 0);
    finished = rs_queue_new(sizeof(struct job), JOBS_CAP, 0);
    if (!todo || !finished)
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
    while (todo && rs_queue_pop(todo, &j) == 0)
        j.done(j.arg); /* never ran: done() must cope (it sees the job's own result fields) */
    rs_queue_free(todo);
    rs_queue_free(finished);
    todo = finished = NULL;
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
    int rc = rs_queue_push(todo, &j);
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
    return rc;
}

void rs_jobs_poll(void)
{
    struct job j;
    while (finished && rs_queue_pop(finished, &j) == 0)
        j.done(j.arg);
}
