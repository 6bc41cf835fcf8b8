/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <linux/seccomp.h>

#include <glib.h>

/*
 * libseccomp, dlopen'd on first use (docs/architecture.md, "Memory"): only monitors given
 * --seccomp-notify-socket pay for it. The few notify calls we need, resolved from
 * "libseccomp.so.2" (>= 2.5.0, where these entry points and their ABI appeared).
 */
typedef struct {
	void *handle;
	int (*notify_alloc)(struct seccomp_notif **req, struct seccomp_notif_resp **resp);
	void (*notify_free)(struct seccomp_notif *req, struct seccomp_notif_resp *resp);
	int (*notify_receive)(int fd, struct seccomp_notif *req);
	int (*notify_respond)(int fd, struct seccomp_notif_resp *resp);
} SeccompLib;

/* Load the library and resolve every symbol above; NULL with error (ENOENT/ENOSYS) if not. */
SeccompLib *seccomplib_load(GError **error);

void seccomplib_free(SeccompLib *lib);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SeccompLib, seccomplib_free)
