/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "cgroup_stats.h"
#include "error_util.h"

/* A hybrid v1 host's /proc/<pid>/cgroup (cpu and cpuacct co-mounted), and a v2 one. */
static const char proc_v1[] = "12:pids:/ctr\n"
			      "5:cpu,cpuacct:/a:b/ctr\n"
			      "4:memory:/mem/ctr\n"
			      "1:name=systemd:/ctr\n"
			      "0::/ctr\n";
static const char proc_v2[] = "0::/system.slice/ctr.scope\n";

static void test_paths(void)
{
	g_autofree char *cpu = NULL, *cpu_h = NULL, *mem = NULL, *uni = NULL, *none = NULL;

	g_test_summary("The cgroup of a controller, or the unified one, from /proc/<pid>/cgroup");
	cpu = cgroup_stats_path_from_proc(proc_v1, "cpuacct", &cpu_h);
	g_assert_cmpstr(cpu, ==, "/a:b/ctr");
	g_assert_cmpstr(cpu_h, ==, "cpu,cpuacct");
	mem = cgroup_stats_path_from_proc(proc_v1, "memory", NULL);
	g_assert_cmpstr(mem, ==, "/mem/ctr");
	uni = cgroup_stats_path_from_proc(proc_v2, NULL, NULL);
	g_assert_cmpstr(uni, ==, "/system.slice/ctr.scope");
	none = cgroup_stats_path_from_proc(proc_v2, "memory", NULL);
	g_assert_null(none);
	g_assert_null(cgroup_stats_path_from_proc("garbage", NULL, NULL));
	/* "systemd" is not "name=systemd" */
	g_assert_null(cgroup_stats_path_from_proc(proc_v1, "systemd", NULL));
}

static void test_cpu_stat(void)
{
	guint64 usec = 0;

	g_test_summary("usage_usec from cpu.stat, and nothing from text without it");
	g_assert_true(cgroup_stats_parse_cpu_stat("usage_usec 1234\nuser_usec 1\n", &usec));
	g_assert_cmpuint(usec, ==, 1234);
	g_assert_true(cgroup_stats_parse_cpu_stat("user_usec 1\nusage_usec 99", &usec));
	g_assert_cmpuint(usec, ==, 99);
	g_assert_false(cgroup_stats_parse_cpu_stat("user_usec 1\n", &usec));
	g_assert_false(cgroup_stats_parse_cpu_stat("usage_usec x\n", &usec));
	g_assert_false(cgroup_stats_parse_cpu_stat("usage_usec 12x\n", &usec));
	g_assert_false(cgroup_stats_parse_cpu_stat("usage_usec 99999999999999999999999\n", &usec));
	g_assert_false(cgroup_stats_parse_cpu_stat("", &usec));
}

static void write_file(const char *root, const char *rel, const char *text)
{
	g_autofree char *path = g_build_filename(root, rel, NULL);
	g_autofree char *dir = g_path_get_dirname(path);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void test_read_v1(void)
{
	g_autofree char *root = g_dir_make_tmp("cgroup-stats-XXXXXX", NULL);
	g_autoptr(GError) error = NULL;
	CgroupStats st = { 0 };

	g_test_summary("v1: memory.usage_in_bytes and cpuacct.usage, each in its hierarchy");
	write_file(root, "memory/mem/ctr/memory.usage_in_bytes", "4096\n");
	write_file(root, "cpu,cpuacct/a:b/ctr/cpuacct.usage", "777\n");
	g_assert_true(cgroup_stats_read_at(CGROUP_STATS_V1, root, proc_v1, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.memory_bytes, ==, 4096);
	g_assert_cmpuint(st.cpu_usage_ns, ==, 777);

	/* a counter that is not a number */
	write_file(root, "cpu,cpuacct/a:b/ctr/cpuacct.usage", "lots\n");
	st = (CgroupStats){ 1, 1 };
	g_assert_false(cgroup_stats_read_at(CGROUP_STATS_V1, root, proc_v1, &st, &error));
	g_assert_error(error, VIGIL_ERROR, EINVAL);
	g_assert_cmpuint(st.memory_bytes, ==, 1);
	g_clear_error(&error);
	/* the cgroup is gone */
	g_autofree char *rm = g_strdup_printf("rm -rf '%s'", root);
	g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
	g_assert_false(cgroup_stats_read_at(CGROUP_STATS_V1, root, proc_v1, &st, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
}

static void test_read_v2(void)
{
	g_autofree char *root = g_dir_make_tmp("cgroup-stats-XXXXXX", NULL);
	g_autoptr(GError) error = NULL;
	CgroupStats st = { 0 };

	g_test_summary("v2: memory.current, and cpu.stat's usage_usec in ns");
	write_file(root, "system.slice/ctr.scope/memory.current", "8192\n");
	write_file(root, "system.slice/ctr.scope/cpu.stat", "usage_usec 5\nuser_usec 3\n");
	g_assert_true(cgroup_stats_read_at(CGROUP_STATS_V2, root, proc_v2, &st, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.memory_bytes, ==, 8192);
	g_assert_cmpuint(st.cpu_usage_ns, ==, 5000);
	/* no unified line in a v1 host's text for a v2 read */
	g_assert_false(cgroup_stats_read_at(CGROUP_STATS_V2, root, "4:memory:/x\n", &st, &error));
	g_assert_error(error, VIGIL_ERROR, ENOENT);
	g_autofree char *rm = g_strdup_printf("rm -rf '%s'", root);
	g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
}

static void test_self(void)
{
	g_autoptr(GError) error = NULL;
	CgroupStats st = { 0 };

	g_test_summary("The host's own hierarchy, for this process, when it can be read");
	if (!cgroup_stats_read(getpid(), &st, &error)) {
		g_test_message("own cgroup: %s", error->message);
		g_test_skip("this process's cgroup cannot be read here");
		return;
	}
	g_assert_cmpuint(st.memory_bytes, >, 0);
	g_assert_cmpuint(st.cpu_usage_ns, >, 0);
	g_assert_false(cgroup_stats_read(G_MAXINT32, &st, &error) && error == NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cgroup-stats/paths", test_paths);
	g_test_add_func("/cgroup-stats/cpu-stat", test_cpu_stat);
	g_test_add_func("/cgroup-stats/read-v1", test_read_v1);
	g_test_add_func("/cgroup-stats/read-v2", test_read_v2);
	g_test_add_func("/cgroup-stats/self", test_self);
	return g_test_run();
}
