/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <linux/magic.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "testlib-private.h"
#include "testlib.h"

/* Throw-away bundles: a busybox rootfs under `runc spec`'s config, adjusted for this host,
 * registered for cleanup until freed; and the process spec an exec hands runc. */

/* The busybox rootfs: one hard link (or copy) of the binary and a symlink per applet. */
static void make_rootfs(const char *rootfs)
{
	g_autofree char *bin = g_build_filename(rootfs, "bin", NULL);
	g_autofree char *bb = g_build_filename(bin, "busybox", NULL);
	g_autofree char *list = NULL;
	g_auto(GStrv) applets = NULL;

	g_assert_cmpint(g_mkdir_with_parents(bin, 0755), ==, 0);
	for (const char *const *d =
		     (const char *const[]){ "proc", "sys", "dev", "tmp", "etc", NULL };
	     *d; d++) {
		g_autofree char *p = g_build_filename(rootfs, *d, NULL);
		g_mkdir_with_parents(p, 0755);
	}
	g_autofree char *tmp = g_build_filename(rootfs, "tmp", NULL);
	chmod(tmp, 01777);
	if (link(testlib_busybox_path(), bb) < 0) {
		const char *argv[] = { "cp", testlib_busybox_path(), bb, NULL };
		g_assert_cmpint(testlib_run(argv, NULL, NULL, NULL), ==, 0);
	}
	const char *argv[] = { bb, "--list", NULL };
	g_assert_cmpint(testlib_run(argv, NULL, &list, NULL), ==, 0);
	applets = g_strsplit(list, "\n", -1);
	for (char **a = applets; *a != NULL; a++) {
		if (**a == '\0' || g_str_equal(*a, "busybox"))
			continue;
		g_autofree char *l = g_build_filename(bin, *a, NULL);
		(void)!symlink("busybox", l);
	}
	/* /etc/passwd and group so "user" lookups and `id` work */
	g_autofree char *passwd = g_build_filename(rootfs, "etc", "passwd", NULL);
	g_file_set_contents(
		passwd, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
		-1, NULL);
	g_autofree char *group = g_build_filename(rootfs, "etc", "group", NULL);
	g_file_set_contents(group, "root:x:0:\nnogroup:x:65534:\n", -1, NULL);
}

static JsonNode *runc_spec(const char *bundle)
{
	const char *argv[] = { "runc", "spec", "--bundle", bundle, NULL };
	g_autofree char *path = g_build_filename(bundle, "config.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(testlib_run(argv, NULL, NULL, NULL), ==, 0);
	g_assert_true(json_parser_load_from_file(parser, path, &error));
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

JsonObject *test_bundle_process(TestBundle *b)
{
	return json_object_get_object_member(json_node_get_object(b->config), "process");
}

void test_bundle_set_args(TestBundle *b, const char *const *argv)
{
	JsonArray *args = json_array_new();

	for (; *argv != NULL; argv++)
		json_array_add_string_element(args, *argv);
	json_object_set_array_member(test_bundle_process(b), "args", args);
}

void test_bundle_set_terminal(TestBundle *b, gboolean terminal)
{
	json_object_set_boolean_member(test_bundle_process(b), "terminal", terminal);
}

void test_bundle_write_config(TestBundle *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *path = g_build_filename(b->bundle, "config.json", NULL);
	g_autoptr(GError) error = NULL;

	json_generator_set_root(gen, b->config);
	json_generator_set_pretty(gen, TRUE);
	g_assert_true(json_generator_to_file(gen, path, &error));
	g_assert_no_error(error);
}

TestBundle *test_bundle_new(const char *const *argv)
{
	TestBundle *b = g_new0(TestBundle, 1);
	JsonObject *process;
	JsonArray *rlimits;

	b->id = testlib_unique_id();
	b->dir = g_build_filename(testlib_root(), b->id, NULL);
	b->bundle = g_build_filename(b->dir, "bundle", NULL);
	b->runc_root = g_strdup(testlib_runc_root());
	b->exit_dir = g_build_filename(b->dir, "exits", NULL);
	b->persist_dir = g_build_filename(b->dir, "persist", NULL);
	b->log_path = g_build_filename(b->dir, "ctr.log", NULL);
	b->pidfile = g_build_filename(b->dir, "pidfile", NULL);
	b->conmon_pidfile = g_build_filename(b->dir, "conmon.pid", NULL);
	g_mkdir_with_parents(b->bundle, 0755);
	g_mkdir_with_parents(b->exit_dir, 0755);
	g_mkdir_with_parents(b->persist_dir, 0755);
	g_autofree char *rootfs = g_build_filename(b->bundle, "rootfs", NULL);
	make_rootfs(rootfs);

	b->config = runc_spec(b->bundle);
	process = test_bundle_process(b);
	json_object_set_boolean_member(process, "terminal", FALSE);
	/* This host's hard RLIMIT_NOFILE is low; runc spec asks for 1024 which fits, but say
	 * so explicitly so a changed default cannot break every test. */
	rlimits = json_array_new();
	JsonObject *nofile = json_object_new();
	json_object_set_string_member(nofile, "type", "RLIMIT_NOFILE");
	json_object_set_int_member(nofile, "hard", 1024);
	json_object_set_int_member(nofile, "soft", 1024);
	json_array_add_object_element(rlimits, nofile);
	json_object_set_array_member(process, "rlimits", rlimits);
	json_object_set_boolean_member(
		json_object_get_object_member(json_node_get_object(b->config), "root"), "readonly",
		FALSE);
	test_bundle_set_args(b, argv);
	test_bundle_write_config(b);
	testlib_cleanup_add_container(b->id);
	return b;
}

void test_bundle_free(TestBundle *b)
{
	if (b == NULL)
		return;
	(void)testlib_runc(b, NULL, NULL, "delete", "-f", b->id, NULL);
	g_autofree char *pid_text = testlib_read_file(b->conmon_pidfile);
	if (pid_text != NULL) {
		pid_t pid = (pid_t)atoi(pid_text);
		if (pid > 0 && kill(pid, 0) == 0) {
			kill(pid, SIGKILL);
			(void)testlib_wait_pid(pid, 5000);
		}
	}
	testlib_cleanup_remove_container(b->id);
	if (g_getenv("VIGIL_TEST_KEEP") == NULL) {
		const char *argv[] = { "rm", "-rf", b->dir, NULL };
		(void)testlib_run(argv, NULL, NULL, NULL);
	}
	g_free(b->id);
	g_free(b->dir);
	g_free(b->bundle);
	g_free(b->runc_root);
	g_free(b->exit_dir);
	g_free(b->persist_dir);
	g_free(b->log_path);
	g_free(b->pidfile);
	g_free(b->conmon_pidfile);
	g_clear_pointer(&b->config, json_node_unref);
	g_free(b);
}

void test_bundle_write_process_spec(TestBundle *b, const char *path, const char *const *args,
				    gboolean terminal)
{
	g_autoptr(JsonNode) process =
		json_node_copy(json_object_get_member(json_node_get_object(b->config), "process"));
	JsonObject *p = json_node_get_object(process);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(GError) error = NULL;
	JsonArray *a = json_array_new();

	for (; *args != NULL; args++)
		json_array_add_string_element(a, *args);
	json_object_set_array_member(p, "args", a);
	json_object_set_boolean_member(p, "terminal", terminal);
	json_generator_set_root(gen, process);
	g_assert_true(json_generator_to_file(gen, path, &error));
	g_assert_no_error(error);
}

void test_bundle_set_memory_limit(TestBundle *b, gint64 bytes)
{
	JsonObject *linux_ =
		json_object_get_object_member(json_node_get_object(b->config), "linux");
	JsonObject *resources = json_object_new();
	JsonObject *memory = json_object_new();

	json_object_set_int_member(memory, "limit", bytes);
	json_object_set_object_member(resources, "memory", memory);
	json_object_set_object_member(linux_, "resources", resources);
	test_bundle_write_config(b);
}

char *test_bundle_write_script(TestBundle *b, const char *name, const char *body)
{
	char *path = g_build_filename(b->dir, name, NULL);

	g_assert_true(g_file_set_contents(path, body, -1, NULL));
	g_assert_cmpint(chmod(path, 0755), ==, 0);
	return path;
}

gboolean testlib_require_memory_cgroup(void)
{
	struct statfs st;

	if (!testlib_require_runc())
		return FALSE;
	if (statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
		return TRUE;
	if (!g_file_test("/sys/fs/cgroup/memory/cgroup.event_control", G_FILE_TEST_EXISTS)) {
		testlib_skip("no cgroup v1 memory controller at /sys/fs/cgroup/memory");
		return FALSE;
	}
	return TRUE;
}
