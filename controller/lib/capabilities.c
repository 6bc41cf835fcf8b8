/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "capabilities.h"

#include <errno.h>

#include "error_util.h"

/* Linux's capabilities 0 .. 40 (CAP_LAST_CAP in 5.9 and later), without the CAP_ prefix.
 * A name the kernel does not know would reach the runtime, which only warns about it, and
 * the process would run without the capability it was asked for. */
static const char *const known[] = {
	"CHOWN",
	"DAC_OVERRIDE",
	"DAC_READ_SEARCH",
	"FOWNER",
	"FSETID",
	"KILL",
	"SETGID",
	"SETUID",
	"SETPCAP",
	"LINUX_IMMUTABLE",
	"NET_BIND_SERVICE",
	"NET_BROADCAST",
	"NET_ADMIN",
	"NET_RAW",
	"IPC_LOCK",
	"IPC_OWNER",
	"SYS_MODULE",
	"SYS_RAWIO",
	"SYS_CHROOT",
	"SYS_PTRACE",
	"SYS_PACCT",
	"SYS_ADMIN",
	"SYS_BOOT",
	"SYS_NICE",
	"SYS_RESOURCE",
	"SYS_TIME",
	"SYS_TTY_CONFIG",
	"MKNOD",
	"LEASE",
	"AUDIT_WRITE",
	"AUDIT_CONTROL",
	"SETFCAP",
	"MAC_OVERRIDE",
	"MAC_ADMIN",
	"SYSLOG",
	"WAKE_ALARM",
	"BLOCK_SUSPEND",
	"AUDIT_READ",
	"PERFMON",
	"BPF",
	"CHECKPOINT_RESTORE",
};

gboolean capability_check(const char *name, GError **error)
{
	g_autofree char *up = g_ascii_strup(name, -1);
	const char *bare = g_str_has_prefix(up, "CAP_") ? up + 4 : up;

	for (gsize i = 0; i < G_N_ELEMENTS(known); i++) {
		if (g_str_equal(bare, known[i]))
			return TRUE;
	}
	return vigil_throw(error, EINVAL,
			   "--cap-add '%s' is not a capability (the kernel's CAP_* names, with or "
			   "without CAP_)",
			   name);
}
