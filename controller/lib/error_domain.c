/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <vigil/error.h>

#include "error_util.h"

/* The public name of the project's one error domain; the code inside uses error_util's. */
GQuark vigil_error_quark(void)
{
	return error_util_quark();
}
