/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>

#include "container.h"
#include "error_util.h"
#include "exit_wait.h"
#include "runtime_impl.h"
#include "status.h"

/* After SIGKILL the kernel tears the container down promptly; this only bounds a stuck
 * (D-state, frozen) container so that stop reports instead of hanging. */
#define KILL_TIMEOUT_S 30

static gboolean runtime_kill(VigilRuntime *rt, VigilContainer *ctr, int sig, gboolean all,
			     GError **error)
{
	g_autofree char *num = g_strdup_printf("%d", sig);
	const char *with_all[] = { "kill", "--all", ctr->id, num, NULL };
	const char *init_only[] = { "kill", ctr->id, num, NULL };
	RuntimeCmd cmd;

	runtime_cmd_for(rt, ctr, &cmd);
	return runtime_cmd_run(&cmd, all ? with_all : init_only, NULL, error);
}

static gboolean kill_container(VigilRuntime *rt, const char *id, int sig, gboolean all,
			       GError **error)
{
	g_autoptr(ContainerHandle) h = NULL;

	if (sig <= 0 || sig > SIGRTMAX)
		return vigil_throw(error, EINVAL, "%d is not a signal", sig);
	h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);
	if (h == NULL)
		return FALSE;
	if (h->ctr->status == VIGIL_STATUS_STOPPED)
		return vigil_throw(error, EBUSY, "it is stopped");
	return runtime_kill(rt, h->ctr, sig, all, error);
}

gboolean vigil_runtime_kill_container(VigilRuntime *rt, const char *id, int signal, gboolean all,
				      GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!kill_container(rt, id, signal, all, error)) {
		g_prefix_error(error, "kill '%s': ", id);
		return FALSE;
	}
	return TRUE;
}

/* Signal it; a container that exited meanwhile (the runtime then refuses) is fine. */
static gboolean send_stop(VigilRuntime *rt, VigilContainer *ctr, int sig, gboolean all,
			  GError **error)
{
	g_autoptr(GError) local = NULL;

	if (runtime_kill(rt, ctr, sig, all, &local))
		return TRUE;
	if (status_read_exit(ctr))
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

/* Wait for the exit file until deadline: TRUE once stopped; FALSE with ETIMEDOUT or a real
 * error. A monitor that died without an exit file: the runtime decides. */
static gboolean wait_stopped(VigilRuntime *rt, VigilContainer *ctr, gint64 deadline, GError **error)
{
	g_autoptr(GError) local = NULL;
	gboolean changed;

	if (ctr->status == VIGIL_STATUS_STOPPED ||
	    exit_wait_for_file(ctr->exit_dir, ctr->id, ctr->monitor_pid, ctr->monitor_start,
			       deadline, &local)) {
		(void)status_read_exit(ctr);
		return TRUE;
	}
	if (!g_error_matches(local, VIGIL_ERROR, ESRCH)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (!status_reconcile(rt, ctr, VIGIL_UPDATE_HARD_QUERY, &changed, error))
		return FALSE;
	if (ctr->status == VIGIL_STATUS_STOPPED)
		return TRUE;
	return vigil_throw(error, ESRCH, "its monitor (pid %d) is gone and it is still %s",
			   ctr->monitor_pid, vigil_status_to_string(ctr->status));
}

static gboolean stop_locked(VigilRuntime *rt, VigilContainer *ctr, guint timeout_ms, gboolean all,
			    GError **error)
{
	g_autoptr(GError) local = NULL;
	gboolean paused = ctr->status == VIGIL_STATUS_PAUSED;
	/* A created container runs no user code yet: its stop signal would mean nothing. */
	gboolean kill_now = timeout_ms == 0 || ctr->status == VIGIL_STATUS_CREATED;
	RuntimeCmd cmd;

	if (!send_stop(rt, ctr, kill_now ? SIGKILL : ctr->stop_signal, all, error))
		return FALSE;
	/* A frozen container only acts on its signals once thawed. */
	if (paused) {
		runtime_cmd_for(rt, ctr, &cmd);
		(void)runtime_cmd_run(&cmd, (const char *const[]){ "resume", ctr->id, NULL }, NULL,
				      NULL);
	}
	if (!kill_now) {
		if (wait_stopped(rt, ctr, g_get_monotonic_time() + (gint64)timeout_ms * 1000,
				 &local))
			return TRUE;
		if (!g_error_matches(local, VIGIL_ERROR, ETIMEDOUT)) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		g_debug("'%s' ignored signal %d for %u ms, sending SIGKILL", ctr->id,
			ctr->stop_signal, timeout_ms);
		if (!send_stop(rt, ctr, SIGKILL, all, error))
			return FALSE;
	}
	return wait_stopped(rt, ctr, g_get_monotonic_time() + KILL_TIMEOUT_S * G_USEC_PER_SEC,
			    error);
}

static gboolean stop_container(VigilRuntime *rt, const char *id, guint timeout_ms, gboolean all,
			       GError **error)
{
	g_autoptr(ContainerHandle) h = container_open(rt, id, VIGIL_UPDATE_DEFAULT, error);

	if (h == NULL)
		return FALSE;
	if (h->ctr->status == VIGIL_STATUS_STOPPED)
		return TRUE;
	if (!stop_locked(rt, h->ctr, timeout_ms, all, error))
		return FALSE;
	return container_save(h, error);
}

gboolean vigil_runtime_stop_container(VigilRuntime *rt, const char *id, guint timeout_ms,
				      gboolean all, GError **error)
{
	g_return_val_if_fail(rt != NULL && id != NULL, FALSE);
	if (!stop_container(rt, id, timeout_ms, all, error)) {
		g_prefix_error(error, "stop '%s': ", id);
		return FALSE;
	}
	return TRUE;
}
