/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "seccomplib.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "error_util.h"

#if HAVE_SECCOMP
#include <seccomp.h>

/* The hand-written prototypes must stay those of the real header. */
#define SAME_TYPE(field, fn)                                                               \
	G_STATIC_ASSERT(__builtin_types_compatible_p(__typeof__(((SeccompLib *)0)->field), \
						     __typeof__(&(fn))))
SAME_TYPE(notify_alloc, seccomp_notify_alloc);
SAME_TYPE(notify_free, seccomp_notify_free);
SAME_TYPE(notify_receive, seccomp_notify_receive);
SAME_TYPE(notify_respond, seccomp_notify_respond);
#endif

static gboolean resolve(SeccompLib *lib, const char *name, void *out_fn, GError **error)
{
	void *sym = dlsym(lib->handle, name);

	if (sym == NULL)
		return vigil_throw(error, ENOSYS, "%s: no symbol %s (libseccomp >= 2.5.0 needed)",
				   VIGIL_LIBSECCOMP_SONAME, name);
	/* POSIX guarantees a data pointer from dlsym converts to the function's type. */
	memcpy(out_fn, &sym, sizeof sym);
	return TRUE;
}

SeccompLib *seccomplib_load(GError **error)
{
	g_autoptr(SeccompLib) lib = g_new0(SeccompLib, 1);

	lib->handle = dlopen(VIGIL_LIBSECCOMP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (lib->handle == NULL)
		return vigil_throw(error, ENOENT, "seccomp support not present: %s", dlerror()),
		       NULL;
	if (!resolve(lib, "seccomp_notify_alloc", &lib->notify_alloc, error) ||
	    !resolve(lib, "seccomp_notify_free", &lib->notify_free, error) ||
	    !resolve(lib, "seccomp_notify_receive", &lib->notify_receive, error) ||
	    !resolve(lib, "seccomp_notify_respond", &lib->notify_respond, error))
		return NULL;
	return g_steal_pointer(&lib);
}

void seccomplib_free(SeccompLib *lib)
{
	if (lib == NULL)
		return;
	if (lib->handle != NULL)
		dlclose(lib->handle);
	g_free(lib);
}
