/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "cgroup_stats.h"

#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>

#include "error_util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* The counters are a few bytes (cpu.stat a few lines); anything larger is not one of them.
 * /proc/<pid>/cgroup has a line per v1 hierarchy, each with the cgroup's path. */
#define CGROUP_FILE_MAX 4096
#define PROC_CGROUP_MAX (64 * 1024)

char *cgroup_stats_path_from_proc(const char *proc_cgroup, const char *controller,
				  char **out_hierarchy)
{
	g_auto(GStrv) lines = g_strsplit(proc_cgroup, "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		/* "<hierarchy-id>:<controller,list>:<path>"; the path may itself hold ':' */
		char *c1 = strchr(*l, ':');
		char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		const char *controllers = c1 + 1;
		const char *path = c2 + 1;
		if (controller == NULL) {
			if (strncmp(*l, "0:", 2) == 0 && *controllers == '\0')
				return g_strdup(path);
			continue;
		}
		g_auto(GStrv) list = g_strsplit(controllers, ",", -1);
		if (!g_strv_contains((const char *const *)list, controller))
			continue;
		if (out_hierarchy != NULL)
			*out_hierarchy = g_strdup(controllers);
		return g_strdup(path);
	}
	return NULL;
}

gboolean cgroup_stats_parse_cpu_stat(const char *text, guint64 *out_usage_usec)
{
	static const char key[] = "usage_usec ";

	for (const char *line = text; line != NULL && *line != '\0';) {
		if (strncmp(line, key, sizeof key - 1) == 0) {
			const char *num = line + sizeof key - 1;
			char *end = NULL;
			if (!g_ascii_isdigit(*num))
				return FALSE;
			errno = 0;
			guint64 v = g_ascii_strtoull(num, &end, 10);
			if (errno == ERANGE || (*end != '\n' && *end != '\0'))
				return FALSE;
			*out_usage_usec = v;
			return TRUE;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return FALSE;
}

static char *read_small(const char *path, gsize max, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		int code = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? ENOENT : EIO;
		return vigil_throw(error, code, "%s", local->message), NULL;
	}
	if (len > max)
		return vigil_throw(error, EINVAL, "%s is larger than %zu bytes", path, max), NULL;
	return g_steal_pointer(&text);
}

/* A file that holds one decimal number and a newline. */
static gboolean read_counter(const char *path, guint64 *out, GError **error)
{
	g_autofree char *text = read_small(path, CGROUP_FILE_MAX, error);
	guint64 v = 0;

	if (text == NULL)
		return FALSE;
	g_strchomp(text);
	if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, &v, NULL))
		return vigil_throw(error, EINVAL, "%s does not hold a number", path);
	*out = v;
	return TRUE;
}

/* The directory of the v1 hierarchy holding controller, for the process described. */
static char *v1_dir(const char *root, const char *proc_cgroup, const char *controller,
		    GError **error)
{
	g_autofree char *hierarchy = NULL;
	g_autofree char *path = cgroup_stats_path_from_proc(proc_cgroup, controller, &hierarchy);

	if (path == NULL)
		return vigil_throw(error, ENOENT, "no %s cgroup", controller), NULL;
	/* The hierarchy is mounted under its controller list ("cpu,cpuacct"), usually with a
	 * link per controller beside it; either will do. */
	g_autofree char *dir = g_build_filename(root, hierarchy, path, NULL);
	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		return g_steal_pointer(&dir);
	return g_build_filename(root, controller, path, NULL);
}

static gboolean read_v1(const char *root, const char *proc_cgroup, CgroupStats *out, GError **error)
{
	g_autofree char *mem_dir = v1_dir(root, proc_cgroup, "memory", error);
	if (mem_dir == NULL)
		return FALSE;
	g_autofree char *cpu_dir = v1_dir(root, proc_cgroup, "cpuacct", error);
	if (cpu_dir == NULL)
		return FALSE;
	g_autofree char *mem = g_build_filename(mem_dir, "memory.usage_in_bytes", NULL);
	g_autofree char *cpu = g_build_filename(cpu_dir, "cpuacct.usage", NULL);
	return read_counter(mem, &out->memory_bytes, error) &&
	       read_counter(cpu, &out->cpu_usage_ns, error);
}

static gboolean read_v2(const char *root, const char *proc_cgroup, CgroupStats *out, GError **error)
{
	g_autofree char *path = cgroup_stats_path_from_proc(proc_cgroup, NULL, NULL);
	guint64 usec = 0;

	if (path == NULL)
		return vigil_throw(error, ENOENT, "no unified cgroup");
	g_autofree char *dir = g_build_filename(root, path, NULL);
	g_autofree char *mem = g_build_filename(dir, "memory.current", NULL);
	g_autofree char *cpu = g_build_filename(dir, "cpu.stat", NULL);
	if (!read_counter(mem, &out->memory_bytes, error))
		return FALSE;
	g_autofree char *stat = read_small(cpu, CGROUP_FILE_MAX, error);
	if (stat == NULL)
		return FALSE;
	if (!cgroup_stats_parse_cpu_stat(stat, &usec) || usec > G_MAXUINT64 / 1000)
		return vigil_throw(error, EINVAL, "%s has no usage_usec", cpu);
	out->cpu_usage_ns = usec * 1000;
	return TRUE;
}

gboolean cgroup_stats_read_at(CgroupStatsKind kind, const char *root, const char *proc_cgroup,
			      CgroupStats *out, GError **error)
{
	CgroupStats s = { 0 };

	if (!(kind == CGROUP_STATS_V2 ? read_v2(root, proc_cgroup, &s, error)
				      : read_v1(root, proc_cgroup, &s, error)))
		return FALSE;
	*out = s;
	return TRUE;
}

gboolean cgroup_stats_read(pid_t pid, CgroupStats *out, GError **error)
{
	g_autofree char *proc_path = g_strdup_printf("/proc/%d/cgroup", (int)pid);
	g_autofree char *proc_text = read_small(proc_path, PROC_CGROUP_MAX, error);
	struct statfs st;

	if (proc_text == NULL)
		return FALSE;
	/* cgroup2 at the root is the unified layout; otherwise v1 (hybrid included, whose
	 * unified hierarchy holds no controllers). */
	gboolean v2 = statfs(CGROUP_ROOT, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
	return cgroup_stats_read_at(v2 ? CGROUP_STATS_V2 : CGROUP_STATS_V1, CGROUP_ROOT, proc_text,
				    out, error);
}
