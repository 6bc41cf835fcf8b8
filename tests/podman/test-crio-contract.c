/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crio.h"

/*
 * What CRI-O relies on beyond the wire formats (docs/cri-o.md): the -P pid is the monitor,
 * alive and the container's parent for as long as the container runs; an ExecSync monitor
 * stays in the cgroup CRI-O started it in; after "2 0 0" on ctl the log file is there at
 * once, output or not; attach packets fit CRI-O's 8193-byte buffer; and the exit file, which
 * CRI-O gives ~5 s after runc says "stopped", never waits for a client that does not read.
 */

static char *sockdir_new(TestBundle *b)
{
	char *sockdir = g_build_filename(b->dir, "sockets", NULL);

	g_assert_cmpint(g_mkdir_with_parents(sockdir, 0755), ==, 0);
	return sockdir;
}

/* A CRI-O container monitor whose container is running: returns its pid. */
static int start_running(TestBundle *b, const char *sockdir, TestMonitor **out)
{
	TestMonitor *m = test_monitor_start_crio(b, NULL, sockdir, NULL);
	g_autofree char *line = testlib_read_line(m->sync_fd, CRIO_WAIT_MS);
	int pid = testlib_sync_value(line, "pid");

	g_assert_cmpint(m->launcher_status, ==, 0);
	g_assert_cmpint(pid, >, 0);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	*out = m;
	return pid;
}

static int proc_ppid(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
	g_autofree char *text = testlib_read_file(path);
	const char *at = text != NULL ? strstr(text, "\nPPid:\t") : NULL;

	return at != NULL ? atoi(at + strlen("\nPPid:\t")) : -1;
}

/* -P: written before the launcher returns, a bare decimal pid, the monitor itself, and the
 * container's parent until it exits (CRI-O watches that pid to know the monitor lives). */
static void test_conmon_pidfile(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "100000", NULL });
	g_autofree char *sockdir = sockdir_new(b);
	TestMonitor *raw = NULL;
	int ctr = start_running(b, sockdir, &raw);
	g_autoptr(TestMonitor) m = raw;

	g_autofree char *text = testlib_read_file(b->conmon_pidfile);
	g_assert_nonnull(text);
	g_assert_true(g_regex_match_simple("^[1-9][0-9]*$", text, 0, 0));
	g_assert_cmpint(atoi(text), ==, m->monitor_pid);
	g_assert_cmpint(kill(m->monitor_pid, 0), ==, 0);
	g_assert_cmpint(proc_ppid(ctr), ==, m->monitor_pid);

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, CRIO_WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS), !=, -1);
	/* the engine's file: the monitor leaves it alone */
	g_assert_true(g_file_test(b->conmon_pidfile, G_FILE_TEST_EXISTS));
}

/* The pids-controller line of /proc/<pid>/cgroup. */
static char *pids_cgroup(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", pid);
	g_autofree char *text = testlib_read_file(path);
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);

	for (char **l = lines; *l != NULL; l++) {
		if (strstr(*l, ":pids:") != NULL)
			return g_strdup(*l);
	}
	return NULL;
}

/*
 * CRI-O may start an ExecSync monitor inside a cgroup it made for the exec (--sync: the
 * process it started is the monitor). The monitor must stay there: it moves nothing, itself
 * included (only the runtime puts the exec'd process into the container's cgroup).
 */
static void test_exec_sync_stays_in_cgroup(void)
{
	if (!testlib_require_runc())
		return;
	const char *pids_root = "/sys/fs/cgroup/pids";
	if (!g_file_test(pids_root, G_FILE_TEST_IS_DIR) || access(pids_root, W_OK) != 0) {
		testlib_skip("no writable cgroup v1 pids hierarchy at %s", pids_root);
		return;
	}
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "sleep", "100000", NULL });
	g_autofree char *sockdir = sockdir_new(b);
	TestMonitor *raw = NULL;
	(void)start_running(b, sockdir, &raw);
	g_autoptr(TestMonitor) ctr = raw;

	g_autofree char *cg_name = g_strdup_printf("vigil-test-exec-%s", b->id);
	g_autofree char *cg = g_build_filename(pids_root, cg_name, NULL);
	g_assert_cmpint(g_mkdir_with_parents(cg, 0755), ==, 0);
	/* the monitor, started the way CRI-O's exec cgroup would hold it */
	g_autofree char *wrapper = g_build_filename(b->dir, "monitor-in-cgroup", NULL);
	g_autofree char *body = g_strdup_printf(
		"#!/bin/sh\necho $$ > %s/cgroup.procs\nexec %s \"$@\"\n", cg, testlib_vigilmon());
	g_assert_true(g_file_set_contents(wrapper, body, -1, NULL));
	g_assert_cmpint(chmod(wrapper, 0755), ==, 0);

	g_autofree char *runc = g_find_program_in_path("runc");
	g_autofree char *spec = g_build_filename(b->dir, "exec-process.json", NULL);
	g_autofree char *exec_log = g_build_filename(b->dir, "exec.log", NULL);
	g_autofree char *exec_pid = g_build_filename(b->dir, "exec.pid", NULL);
	g_autofree char *go = g_build_filename(b->bundle, "rootfs", "tmp", "go-exec", NULL);
	test_bundle_write_process_spec(
		b, spec,
		(const char *const[]){ "sh", "-c",
				       "while [ ! -e /tmp/go-exec ]; do sleep 0.02; done; exit 7",
				       NULL },
		FALSE);
	/* clang-format off */
	const char *args[] = {
		"-c", "@ID@", "-n", "k8s_ctr_pod_ns_uid_0", "-r", runc, "-p", exec_pid, "-e",
		"-l", exec_log, "--socket-dir-path", sockdir, "--log-level", "info", "--sync",
		"--log-global-size-max", "16777216", "--exec-process-spec", spec,
		"--runtime-arg", "--root=@RUNCROOT@", NULL,
	};
	/* clang-format on */
	g_autoptr(TestMonitor) m = test_monitor_start_with(wrapper, b, args, FALSE, FALSE);
	g_autofree char *want = g_strdup_printf(":pids:/%s", cg_name);

	/* the exec'd process runs (its pid file exists) until we let it go */
	g_assert_true(testlib_wait_for_file(exec_pid, CRIO_WAIT_MS));
	g_autofree char *during = pids_cgroup(m->monitor_pid);
	g_assert_nonnull(during);
	g_assert_true(g_str_has_suffix(during, want));
	g_assert_true(g_file_set_contents(go, "", 0, NULL));
	g_autofree char *line = testlib_read_line(m->sync_fd, CRIO_WAIT_MS);
	g_assert_cmpstr(line, ==, "{\"exit_code\": 7}\n");
	int status = testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 7);
	/* empty again: only the monitor was ever in it */
	g_assert_cmpint(rmdir(cg), ==, 0);
	/* the container and its own monitor were not disturbed */
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, CRIO_WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(ctr->monitor_pid, CRIO_WAIT_MS), !=, -1);
}

/*
 * kubelet's rotation: rename, "2 0 0", then CRI-O waits (without a timeout) until the log
 * file is there again. It must appear at once, from the reopen itself: this container says
 * nothing more after it. A fragment held back for merging (no newline yet) belongs to the
 * renamed file, and the new one starts empty.
 */
static void test_reopen_without_output(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "echo first; printf 'prompt> '; exec sleep 100000", NULL });
	g_autofree char *sockdir = sockdir_new(b);
	g_autofree char *rotated = g_strconcat(b->log_path, ".1", NULL);
	TestMonitor *raw = NULL;
	(void)start_running(b, sockdir, &raw);
	g_autoptr(TestMonitor) m = raw;

	g_assert_true(testlib_wait_for_text(b->log_path, "stdout F first", CRIO_WAIT_MS));
	g_assert_cmpint(rename(b->log_path, rotated), ==, 0);
	testlib_write_fifo(b->bundle, "ctl", "2 0 0\n");
	g_assert_true(testlib_wait_for_file(b->log_path, CRIO_WAIT_MS));
	struct stat st;
	g_assert_cmpint(stat(b->log_path, &st), ==, 0);
	g_assert_true(S_ISREG(st.st_mode));

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, CRIO_WAIT_MS), ==, 137);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS), !=, -1);
	g_autofree char *old_out = crio_log_stream(rotated, "stdout");
	g_autofree char *new_text = testlib_read_file(b->log_path);
	g_assert_cmpstr(old_out, ==, "F first|P prompt> |");
	g_assert_cmpstr(new_text, ==, "");
}

static int attach_connect_short(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpuint(strlen(path), <, sizeof addr.sun_path);
	strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
	g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof addr), ==, 0);
	return fd;
}

typedef struct {
	GString *out;
	gsize packets;
	gsize largest;
	gsize bad_stream;
	gboolean eof;
} AttachRead;

/* Attach packets until EOF, into a buffer larger than CRI-O's so an oversize one shows. */
static void attach_read_all(int fd, AttachRead *r)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)CRIO_WAIT_MS * 1000;
	g_autofree char *buf = g_malloc(64 * 1024);

	r->out = g_string_new(NULL);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)((deadline - g_get_monotonic_time()) / 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return;
		ssize_t n = recv(fd, buf, 64 * 1024, 0);
		if (n <= 0) {
			r->eof = n == 0;
			return;
		}
		r->packets++;
		r->largest = MAX(r->largest, (gsize)n);
		if (buf[0] == 2)
			g_string_append_len(r->out, buf + 1, n - 1);
		else
			r->bad_stream++;
	}
}

/* One write of 1 MiB reaches a client as packets CRI-O's 8193-byte buffer holds whole. */
static void test_attach_packet_size(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){
		"sh", "-c", "dd if=/dev/zero bs=1048576 count=1 2>/dev/null", NULL });
	g_autofree char *sockdir = sockdir_new(b);
	g_autofree char *attach = g_build_filename(sockdir, b->id, "attach", NULL);
	g_autoptr(TestMonitor) m = test_monitor_start_crio(b, NULL, sockdir, NULL);
	g_autofree char *line = testlib_read_line(m->sync_fd, CRIO_WAIT_MS);
	g_assert_cmpint(testlib_sync_value(line, "pid"), >, 0);
	int fd = attach_connect_short(attach);
	AttachRead r = { 0 };

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	attach_read_all(fd, &r);
	close(fd);
	g_test_message("%zu packets, largest %zu bytes", r.packets, r.largest);
	g_assert_true(r.eof);
	g_assert_cmpuint(r.bad_stream, ==, 0);
	g_assert_cmpuint(r.out->len, ==, 1048576);
	g_assert_cmpuint(r.largest, ==, 8193);
	g_assert_cmpuint(r.packets, ==, 1048576 / 8192);
	g_string_free(r.out, TRUE);
	g_assert_cmpint(testlib_read_exit_file(b, CRIO_WAIT_MS), ==, 0);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS), !=, -1);
}

/* A k8s-file stream's bytes as the container wrote them: F records end a line, P records
 * carry a '\n' that was not in the data. */
static GString *k8s_stream_bytes(const char *path, const char *stream)
{
	g_autofree char *text = testlib_read_file(path);
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	g_autofree char *marker = g_strdup_printf(" %s ", stream);
	GString *out = g_string_new(NULL);

	for (char **l = lines; *l != NULL; l++) {
		char *at = strstr(*l, marker);
		if (at == NULL)
			continue;
		at += strlen(marker);
		g_string_append(out, at + 2);
		if (at[0] == 'F')
			g_string_append_c(out, '\n');
	}
	return out;
}

/*
 * CRI-O gives the exit file about 5 s once runc says the container stopped, then reports 255.
 * The container dies while it floods its output and an attach client takes nothing: the
 * exit file comes while that client still has all its output to read (it is not waited
 * for), and the client then gets every byte the log got.
 */
static void test_exit_file_before_stalled_client(void)
{
	if (!testlib_require_runc())
		return;
	g_autoptr(TestBundle) b = test_bundle_new((const char *const[]){ "yes", "flood", NULL });
	g_autofree char *sockdir = sockdir_new(b);
	g_autofree char *attach = g_build_filename(sockdir, b->id, "attach", NULL);
	g_autoptr(TestMonitor) m = test_monitor_start_crio(b, NULL, sockdir, NULL);
	g_autofree char *line = testlib_read_line(m->sync_fd, CRIO_WAIT_MS);
	g_assert_cmpint(testlib_sync_value(line, "pid"), >, 0);
	int fd = attach_connect_short(attach);

	g_assert_cmpint(testlib_runc(b, NULL, NULL, "start", b->id, NULL), ==, 0);
	/* well past what the client's socket and queue take before output waits for it */
	gint64 deadline = g_get_monotonic_time() + (gint64)CRIO_WAIT_MS * 1000;
	struct stat st = { 0 };
	while ((stat(b->log_path, &st) < 0 || st.st_size < 4 * 1024 * 1024) &&
	       g_get_monotonic_time() < deadline)
		g_usleep(10 * 1000);
	g_assert_cmpint(st.st_size, >=, 4 * 1024 * 1024);
	g_assert_cmpint(testlib_runc(b, NULL, NULL, "kill", b->id, "KILL", NULL), ==, 0);
	g_assert_cmpint(testlib_read_exit_file(b, CRIO_WAIT_MS), ==, 137);

	/* the client has read nothing yet and its output is still there for it */
	int queued = 0;
	struct pollfd p = { fd, POLLIN, 0 };
	g_assert_cmpint(poll(&p, 1, 0), ==, 1);
	g_assert_cmpint(ioctl(fd, FIONREAD, &queued), ==, 0);
	g_assert_cmpint(queued, >, 0);
	AttachRead r = { 0 };
	attach_read_all(fd, &r);
	close(fd);
	g_assert_true(r.eof);
	g_assert_cmpint(testlib_wait_pid(m->monitor_pid, CRIO_WAIT_MS), !=, -1);
	g_autoptr(GString) logged = k8s_stream_bytes(b->log_path, "stdout");
	g_test_message("log %zu bytes, client %zu bytes", logged->len, r.out->len);
	g_assert_cmpuint(r.out->len, ==, logged->len);
	g_assert_true(memcmp(r.out->str, logged->str, logged->len) == 0);
	g_string_free(r.out, TRUE);
}

int main(int argc, char **argv)
{
	testlib_init(&argc, &argv);
	g_test_add_func("/crio/contract/conmon-pidfile", test_conmon_pidfile);
	g_test_add_func("/crio/contract/exec-sync-stays-in-cgroup", test_exec_sync_stays_in_cgroup);
	g_test_add_func("/crio/contract/reopen-without-output", test_reopen_without_output);
	g_test_add_func("/crio/contract/attach-packet-size", test_attach_packet_size);
	g_test_add_func("/crio/contract/exit-file-before-stalled-client",
			test_exit_file_before_stalled_client);
	return g_test_run();
}
