/* SPDX-License-Identifier: EUPL-1.2 */
/* Blocking work off the control thread: HTTP to the identity provider, password hashing.
 *
 * A job is a function that runs on the job thread and a completion that runs afterwards on
 * the control thread (from the event loop's wake-up), with the same argument. The control
 * thread never waits. The job's argument is owned by the job until its completion returns.
 * Queues are bounded: a full queue refuses the job (-EAGAIN) and the caller answers 503. */
#ifndef RS_CORE_JOBS_H
#define RS_CORE_JOBS_H

typedef void (*rs_job_fn)(void *arg);

/* Starts the job thread. `wake` is called (from the job thread) when completions are ready. */
int rs_jobs_start(void (*wake)(void *), void *wake_arg);
void rs_jobs_stop(void);
/* Queues `run(arg)` on the job thread and `done(arg)` afterwards on the control thread. */
int rs_jobs_submit(rs_job_fn run, rs_job_fn done, void *arg);
/* Control thread: runs the completions that are ready. */
void rs_jobs_poll(void);
/* Without a job thread (tests): runs both at once. */
void rs_jobs_set_inline(int on);

#endif
