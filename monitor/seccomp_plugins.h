/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <linux/seccomp.h>

#include <glib.h>

/*
 * seccomp notify plugins (--seccomp-notify-plugins, CONMON_SECCOMP_NOTIFY_PLUGINS;
 * docs/conmon-contract.md, "Seccomp notify"), through crun's plugin ABI
 * (run_oci_seccomp_notify_{version,start,handle_request,stop}), which conmon 2.x also used.
 * seccomp_notify.c owns the listeners; this file only loads the plugins and asks them.
 */
typedef struct _SeccompPlugins SeccompPlugins;

/* What seccomp notify is given from the command line (module_config.c; borrowed). */
typedef struct {
	const char *seccomp_notify_socket;
	const char *seccomp_notify_plugins;
	/* what the plugins are told about the container */
	const char *cid;
	const char *bundle;
	const char *runtime_root; /* the runtime's --root, NULL if none was given */
} SeccompConfig;

/*
 * dlopen and start every plugin in cfg->seccomp_notify_plugins, else the environment's
 * CONMON_SECCOMP_NOTIFY_PLUGINS (a ':'-separated list of .so paths; empty entries are
 * skipped). None is fine: every notification then gets the default.
 */
SeccompPlugins *seccomp_plugins_load(const SeccompConfig *cfg, GError **error);

/*
 * Ask the plugins in order about req (resp zeroed, its id set) and fill resp; a notification
 * no plugin answers, or one a plugin fails on, gets -ENOSYS. TRUE if resp is to be sent
 * (FALSE: a plugin answers later).
 */
gboolean seccomp_plugins_answer(SeccompPlugins *plugins, struct seccomp_notif_sizes *sizes,
				struct seccomp_notif *req, struct seccomp_notif_resp *resp, int fd);

/* Stop the started plugins and unload them all. */
void seccomp_plugins_free(SeccompPlugins *plugins);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SeccompPlugins, seccomp_plugins_free)
