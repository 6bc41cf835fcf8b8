/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

/*
 * A seccomp notify plugin (crun's ABI, docs/conmon-contract.md, "Seccomp notify") for
 * test-monitor-seccomp.c, which meson builds as a shared module and names in
 * VIGIL_TEST_SECCOMP_PLUGIN: mkdir gets EDQUOT, rmdir runs for real (SEND_RESPONSE_AND_CONTINUE),
 * symlink gets an answer the kernel refuses (a buggy plugin: CONTINUE with an error set), anything
 * else is left to the monitor's default. start/stop leave a trace in the bundle.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

struct plugin_conf {
	const char *runtime_root_path;
	const char *name;
	const char *bundle_path;
	const char *oci_config_path;
};

int run_oci_seccomp_notify_version(void);
int run_oci_seccomp_notify_start(void **opaque, struct plugin_conf *conf, size_t size);
int run_oci_seccomp_notify_handle_request(void *opaque, struct seccomp_notif_sizes *sizes,
					  struct seccomp_notif *req,
					  struct seccomp_notif_resp *resp, int fd, int *handled);
int run_oci_seccomp_notify_stop(void *opaque);

static void trace(const char *bundle, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", bundle, name);
	f = fopen(path, "we");
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

int run_oci_seccomp_notify_version(void)
{
	return 1;
}

int run_oci_seccomp_notify_start(void **opaque, struct plugin_conf *conf, size_t size)
{
	char text[8192];

	if (size != sizeof *conf || conf->bundle_path == NULL)
		return -EINVAL;
	snprintf(text, sizeof text, "name=%s\nroot=%s\nconfig=%s\n", conf->name,
		 conf->runtime_root_path ? conf->runtime_root_path : "(null)",
		 conf->oci_config_path);
	trace(conf->bundle_path, "plugin-start", text);
	*opaque = strdup(conf->bundle_path);
	return *opaque != NULL ? 0 : -ENOMEM;
}

int run_oci_seccomp_notify_handle_request(void *opaque, struct seccomp_notif_sizes *sizes,
					  struct seccomp_notif *req,
					  struct seccomp_notif_resp *resp, int fd, int *handled)
{
	if (sizes->seccomp_notif_resp < sizeof *resp)
		return -EINVAL;
	switch (req->data.nr) {
	case __NR_mkdir:
	case __NR_mkdirat:
		resp->error = -EDQUOT;
		*handled = 1; /* RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE */
		break;
	case __NR_rmdir:
		*handled = 3; /* ..._SEND_RESPONSE_AND_CONTINUE */
		break;
	case __NR_symlink:
	case __NR_symlinkat:
		resp->error = -EPERM; /* SECCOMP_IOCTL_NOTIF_SEND: EINVAL with CONTINUE */
		*handled = 3;
		break;
	default:
		*handled = 0; /* not handled */
		break;
	}
	return 0;
}

int run_oci_seccomp_notify_stop(void *opaque)
{
	trace(opaque, "plugin-stop", "stopped\n");
	free(opaque);
	return 0;
}
