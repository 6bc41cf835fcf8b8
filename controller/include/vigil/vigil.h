/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * libvigil: the engine side of the OCI runtime interface (podman libpod's OCIRuntime) in C.
 * Every container runs beside one vigilmon (or conmon-compatible) monitor that owns its I/O,
 * logs and exit bookkeeping; the library starts monitors, runs the OCI runtime's commands
 * and keeps a small state record per container under a root directory.
 *
 * Link with `pkg-config --cflags --libs vigil`.
 */
#include <vigil/control.h>
#include <vigil/error.h>
#include <vigil/options.h>
#include <vigil/runtime.h>
#include <vigil/version.h>
