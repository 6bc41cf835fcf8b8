/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "attach_server.h"
#include "control.h"
#include "diag.h"
#include "log_driver.h"
#include "monitor_options.h"
#include "runtime_child.h"
#include "seccomp_plugins.h"

/*
 * Each module is given only the options it uses, in a small struct its own header declares,
 * rather than the whole MonitorConfig: what a module depends on is then in its signature, and
 * a test builds just that. This is the one place that picks them out of the command line.
 * The structs borrow cfg's strings: cfg must outlive them.
 */
AttachConfig module_config_attach(const MonitorConfig *cfg);
ControlConfig module_config_control(const MonitorConfig *cfg);
DiagConfig module_config_diag(const MonitorConfig *cfg);
LogConfig module_config_logs(const MonitorConfig *cfg);
RuntimeConfig module_config_runtime(const MonitorConfig *cfg);
SeccompConfig module_config_seccomp(const MonitorConfig *cfg);
