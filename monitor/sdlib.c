/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "sdlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "error_util.h"

#if HAVE_JOURNALD
/* The function prototype, not the macro that records our source location. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

/* The hand-written prototype must stay the real header's. */
G_STATIC_ASSERT(__builtin_types_compatible_p(__typeof__(((SdLib *)0)->journal_sendv),
					     __typeof__(&sd_journal_sendv)));
#endif

static gboolean resolve(SdLib *lib, const char *name, void *out_fn, GError **error)
{
	void *sym = dlsym(lib->handle, name);

	if (sym == NULL)
		return vigil_throw(error, ENOSYS, "%s: no symbol %s", VIGIL_LIBSYSTEMD_SONAME,
				   name);
	/* POSIX guarantees a data pointer from dlsym converts to the function's type. */
	memcpy(out_fn, &sym, sizeof sym);
	return TRUE;
}

SdLib *sdlib_load(GError **error)
{
	g_autoptr(SdLib) lib = g_new0(SdLib, 1);

	lib->handle = dlopen(VIGIL_LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (lib->handle == NULL)
		return vigil_throw(error, ENOENT, "journald log driver needs %s: %s",
				   VIGIL_LIBSYSTEMD_SONAME, dlerror()),
		       NULL;
	if (!resolve(lib, "sd_journal_sendv", &lib->journal_sendv, error))
		return NULL;
	return g_steal_pointer(&lib);
}

void sdlib_free(SdLib *lib)
{
	if (lib == NULL)
		return;
	if (lib->handle != NULL)
		dlclose(lib->handle);
	g_free(lib);
}
