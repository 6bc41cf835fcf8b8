/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/uio.h>

#include <glib.h>

/*
 * libsystemd, dlopen'd on first use (docs/architecture.md, "Memory"): the monitor does not link it,
 * so only monitors with the journald log driver pay for it (+170 kB PSS with its dependencies). The
 * symbols we need, resolved once from "libsystemd.so.0".
 */
typedef struct {
	void *handle;
	/* the function, not the header's macro that adds CODE_FILE/CODE_LINE/CODE_FUNC */
	int (*journal_sendv)(const struct iovec *iov, int n);
} SdLib;

/* Load the library and resolve every symbol above; NULL with error (ENOENT/ENOSYS) if not. */
SdLib *sdlib_load(GError **error);

void sdlib_free(SdLib *lib);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdLib, sdlib_free)
