/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "error_util.h"
#include "fdutil.h"

/*
 * vigil-bench: vigilmon against conmon on the same work, in one run, interleaved.
 * Prints one table: per figure the median [min..max] of each monitor, the ratio
 * vigilmon/conmon and the target from issue 9. Nothing here asserts a timing; a run that
 * goes wrong (a wrong exit code, a log that differs from the container's output) is
 * reported under the table and makes the exit status 1.
 */

static const char *const all_figures[] = { "lifecycle", "exit",    "logs",  "attach",
					   "memory",    "wakeups", "scale", "release",
					   "exec",      "flood",   "wait",  NULL };

void bench_interleave(Bench *bench, const char *figure, int reps, guint n_values, BenchRunFunc fn,
		      gpointer data, GArray *out[][BENCH_N_MONITORS])
{
	g_autofree double *v = g_new0(double, n_values);

	for (guint i = 0; i < n_values; i++) {
		for (int m = 0; m < BENCH_N_MONITORS; m++)
			out[i][m] = g_array_new(FALSE, FALSE, sizeof(double));
	}
	for (int rep = 0; rep < reps; rep++) {
		for (int slot = 0; slot < BENCH_N_MONITORS; slot++) {
			BenchMonitorId m = bench_order(rep, slot);
			g_autoptr(GError) error = NULL;

			if (!fn(bench, m, data, v, &error)) {
				bench_table_error(bench->table, "%s: %s run %d: %s", figure,
						  bench->mon[m].name, rep + 1, error->message);
				continue;
			}
			for (guint i = 0; i < n_values; i++)
				g_array_append_val(out[i][m], v[i]);
			fprintf(stderr, "# %s: %s %d/%d: %.4g\n", figure, bench->mon[m].name,
				rep + 1, reps, v[0]);
		}
	}
}

static char *first_line(const char *const *argv)
{
	g_autofree char *out = NULL;

	if (testlib_run(argv, NULL, &out, NULL) != 0 || out == NULL)
		return g_strdup("?");
	out[strcspn(out, "\n")] = '\0';
	return g_steal_pointer(&out);
}

static const char *fs_name(const char *path)
{
	struct statfs s;

	if (statfs(path, &s) < 0)
		return "?";
	switch ((unsigned long)s.f_type) {
	case 0xEF53:
		return "ext4";
	case 0x01021994:
		return "tmpfs";
	case 0x58465342:
		return "xfs";
	case 0x9123683E:
		return "btrfs";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

static char *proc_field(const char *file, const char *key)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(file, &text, NULL, NULL))
		return g_strdup("?");
	for (char *l = strtok(text, "\n"); l != NULL; l = strtok(NULL, "\n")) {
		if (g_str_has_prefix(l, key)) {
			const char *c = strchr(l, ':');
			return g_strstrip(g_strdup(c != NULL ? c + 1 : l));
		}
	}
	return g_strdup("?");
}

static char *loadavg(void)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents("/proc/loadavg", &text, NULL, NULL))
		return g_strdup("?");
	g_auto(GStrv) f = g_strsplit(text, " ", 4);
	return g_strv_length(f) >= 3 ? g_strdup_printf("%s %s %s", f[0], f[1], f[2])
				     : g_strdup("?");
}

static void print_machine(Bench *bench, const char *log_dir)
{
	struct utsname u;
	g_autofree char *cpu = proc_field("/proc/cpuinfo", "model name");
	g_autofree char *mem = proc_field("/proc/meminfo", "MemTotal");
	g_autofree char *runc = first_line((const char *const[]){ "runc", "--version", NULL });
	g_autofree char *con = first_line(
		(const char *const[]){ bench->mon[BENCH_CONMON].path, "--version", NULL });
	g_autofree char *vig = first_line(
		(const char *const[]){ bench->mon[BENCH_VIGILMON].path, "--version", NULL });
	g_autofree char *load = loadavg();
	const BenchOptions *o = bench->opt;

	(void)uname(&u);
	printf("vigil-bench: vigilmon vs conmon, interleaved, same bundles (runc + busybox)\n");
	printf("machine:  %s, %ld CPUs, %s RAM, Linux %s\n", cpu, sysconf(_SC_NPROCESSORS_ONLN),
	       mem, u.release);
	printf("load:     %s (at start)\n", load);
	printf("runtime:  %s\n", runc);
	printf("conmon:   %s (%s)\n", bench->mon[BENCH_CONMON].path, con);
	printf("vigilmon: %s (%s)\n", bench->mon[BENCH_VIGILMON].path, vig);
	printf("files:    bundles in %s (%s), exit+persist dirs in %s (%s), logs in %s (%s)%s\n",
	       testlib_root(), fs_name(testlib_root()), o->run_dir, fs_name(o->run_dir), log_dir,
	       fs_name(log_dir), o->no_sync_log ? ", --no-sync-log" : "");
	printf("sizes:    reps %d, %d MiB per log/attach run, %d idle, %d s idle window, "
	       "scale %d, release %d, exec %d (%d reps)\n\n",
	       o->reps, o->mib, o->idle_count, o->idle_seconds, o->scale_count, o->release_count,
	       o->exec_count, o->burst_reps);
	fflush(stdout);
}

static gboolean want(char **only, const char *figure)
{
	return only == NULL || g_strv_contains((const char *const *)only, figure);
}

static void run_figures(Bench *bench, char **only)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(BenchData) short_lines = NULL;
	g_autoptr(BenchData) long_lines = NULL;

	if (want(only, "logs") || want(only, "attach")) {
		fprintf(stderr, "# writing %d MiB of container output, twice\n", bench->opt->mib);
		short_lines =
			bench_data_new(bench->work, "short.data", bench->opt->mib, 100, &error);
		if (short_lines != NULL)
			long_lines = bench_data_new(bench->work, "long.data", bench->opt->mib,
						    64 * 1024, &error);
		if (long_lines == NULL) {
			bench_table_error(bench->table, "container output: %s", error->message);
			return;
		}
	}
	if (want(only, "lifecycle"))
		bench_fig_lifecycle(bench);
	if (want(only, "exit"))
		bench_fig_exit_latency(bench);
	if (want(only, "flood"))
		bench_fig_flood_exit(bench);
	if (want(only, "logs")) {
		bench_fig_logs(bench, short_lines, "100 B lines");
		bench_fig_logs(bench, long_lines, "64 KiB lines");
	}
	if (want(only, "attach")) {
		bench_fig_attach(bench, short_lines, 1);
		bench_fig_attach(bench, short_lines, 4);
	}
	if (want(only, "memory"))
		bench_fig_memory(bench);
	if (want(only, "wakeups"))
		bench_fig_idle_wakeups(bench);
	if (want(only, "scale"))
		bench_fig_scale(bench);
	if (want(only, "release"))
		bench_fig_release(bench);
	if (want(only, "exec"))
		bench_fig_exec(bench);
	if (want(only, "wait"))
		bench_fig_wait(bench);
}

/* Options: one line on stderr and exit 2 for anything wrong. */
static void usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vigil-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* testlib_init with g_test_init's TAP preamble ("# random seed: …") kept off the table. */
static void quiet_testlib_init(int *argc, char ***argv)
{
	int saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	fflush(stdout);
	if (saved >= 0 && null >= 0)
		(void)dup2(null, STDOUT_FILENO);
	testlib_init(argc, argv);
	fflush(stdout);
	if (saved >= 0)
		(void)dup2(saved, STDOUT_FILENO);
	vigil_clear_fd(&saved);
	vigil_clear_fd(&null);
}

static char *find_exe(const char *name)
{
	if (strchr(name, '/') != NULL)
		return g_file_test(name, G_FILE_TEST_IS_EXECUTABLE)
			       ? g_canonicalize_filename(name, NULL)
			       : NULL;
	return g_find_program_in_path(name);
}

int main(int argc, char **argv)
{
	BenchOptions opt = {
		.reps = -1,
		.mib = -1,
		.idle_count = -1,
		.scale_count = -1,
		.idle_seconds = 10,
		.release_count = -1,
		.exec_count = 50,
		.burst_reps = -1,
	};
	g_autofree char *vigilmon = NULL, *conmon = NULL, *only_list = NULL;
	gboolean big = FALSE;
	GOptionEntry entries[] = {
		{ "vigilmon", 0, 0, G_OPTION_ARG_FILENAME, &vigilmon,
		  "vigilmon binary (default: $VIGILMON, else vigilmon on PATH)", "PATH" },
		{ "conmon", 0, 0, G_OPTION_ARG_FILENAME, &conmon,
		  "conmon binary (default: conmon on PATH)", "PATH" },
		{ "reps", 'n', 0, G_OPTION_ARG_INT, &opt.reps,
		  "runs per monitor of each per-container figure (default 5, --big 10)", "N" },
		{ "mib", 0, 0, G_OPTION_ARG_INT, &opt.mib,
		  "container output per log/attach run (default 64, --big 512)", "MIB" },
		{ "idle", 0, 0, G_OPTION_ARG_INT, &opt.idle_count,
		  "idle containers for the memory total (default 20, --big 100)", "N" },
		{ "idle-seconds", 0, 0, G_OPTION_ARG_INT, &opt.idle_seconds,
		  "idle-wakeup window (default 10)", "S" },
		{ "scale", 0, 0, G_OPTION_ARG_INT, &opt.scale_count,
		  "containers at once for the scale figure (default 50, --big 500)", "N" },
		{ "release", 0, 0, G_OPTION_ARG_INT, &opt.release_count,
		  "containers released at once for the release figure (default 100, --big 200)",
		  "N" },
		{ "exec", 0, 0, G_OPTION_ARG_INT, &opt.exec_count,
		  "concurrent exec sessions for the exec figure (default 50)", "N" },
		{ "burst-reps", 0, 0, G_OPTION_ARG_INT, &opt.burst_reps,
		  "runs per monitor of the release and exec figures (default 3, --big 5)", "N" },
		{ "big", 0, 0, G_OPTION_ARG_NONE, &big, "the bigger sizes of issues 9 and 13",
		  NULL },
		{ "only", 0, 0, G_OPTION_ARG_STRING, &only_list,
		  "comma-separated: lifecycle,exit,logs,attach,memory,wakeups,scale,release,exec,"
		  "flood,wait",
		  "LIST" },
		{ "log-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.log_dir,
		  "directory for the k8s-file logs (default: next to each bundle)", "DIR" },
		{ "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.run_dir,
		  "directory for exit and persist dirs (default: /run if tmpfs, else /dev/shm)",
		  "DIR" },
		{ "no-sync-log", 0, 0, G_OPTION_ARG_NONE, &opt.no_sync_log,
		  "pass --no-sync-log to both monitors (no fsync of the log at exit)", NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- vigilmon against conmon");
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) only = NULL;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		usage_error("%s", error->message);
	if (argc > 1)
		usage_error("unexpected argument '%s'", argv[1]);
	opt.reps = opt.reps >= 0 ? opt.reps : big ? 10 : 5;
	opt.mib = opt.mib >= 0 ? opt.mib : big ? 512 : 64;
	opt.idle_count = opt.idle_count >= 0 ? opt.idle_count : big ? 100 : 20;
	opt.scale_count = opt.scale_count >= 0 ? opt.scale_count : big ? 500 : 50;
	opt.release_count = opt.release_count >= 0 ? opt.release_count : big ? 200 : 100;
	opt.burst_reps = opt.burst_reps >= 0 ? opt.burst_reps : big ? 5 : 3;
	if (opt.reps < 1 || opt.reps > 1000 || opt.mib < 1 || opt.mib > 16384 ||
	    opt.idle_count < 1 || opt.idle_count > 2000 || opt.idle_seconds < 1 ||
	    opt.idle_seconds > 3600 || opt.scale_count < 1 || opt.scale_count > 2000 ||
	    opt.release_count < 1 || opt.release_count > 2000 || opt.exec_count < 1 ||
	    opt.exec_count > 500 || opt.burst_reps < 1 || opt.burst_reps > 100)
		usage_error("a size is out of range (reps 1-1000, mib 1-16384, idle 1-2000, "
			    "idle-seconds 1-3600, scale 1-2000, release 1-2000, exec 1-500, "
			    "burst-reps 1-100)");
	if (only_list != NULL) {
		only = g_strsplit(only_list, ",", -1);
		for (char **f = only; *f != NULL; f++) {
			if (!g_strv_contains(all_figures, *f))
				usage_error("unknown figure '%s' in --only (one of "
					    "lifecycle,exit,logs,attach,memory,wakeups,scale,"
					    "release,exec,flood,wait)",
					    *f);
		}
	}
	if (opt.log_dir != NULL && !g_file_test(opt.log_dir, G_FILE_TEST_IS_DIR))
		usage_error("--log-dir %s: not a directory", opt.log_dir);
	if (opt.run_dir != NULL && !g_file_test(opt.run_dir, G_FILE_TEST_IS_DIR))
		usage_error("--run-dir %s: not a directory", opt.run_dir);
	/* podman keeps exit and persist dirs in its tmpdir, /run/libpod: tmpfs on a normal
	 * host. This host's /run is not, so take /dev/shm to measure what podman users get. */
	if (opt.run_dir == NULL)
		opt.run_dir = g_strdup(g_str_equal(fs_name("/run"), "tmpfs") ? "/run" : "/dev/shm");

	Bench bench = { .opt = &opt };
	bench.mon[BENCH_CONMON].name = "conmon";
	bench.mon[BENCH_VIGILMON].name = "vigilmon";
	bench.mon[BENCH_CONMON].path = find_exe(conmon != NULL ? conmon : "conmon");
	const char *vpath = vigilmon != NULL               ? vigilmon
			    : g_getenv("VIGILMON") != NULL ? g_getenv("VIGILMON")
							   : "vigilmon";
	bench.mon[BENCH_VIGILMON].path = find_exe(vpath);
	/* A missing tool is a skip (77), as in the test suites, with the reason. */
	if (bench.mon[BENCH_CONMON].path == NULL) {
		fprintf(stderr,
			"vigil-bench: conmon not found: apt-get install conmon, or --conmon\n");
		return 77;
	}
	if (bench.mon[BENCH_VIGILMON].path == NULL) {
		fprintf(stderr,
			"vigil-bench: vigilmon not found at '%s': build it, or --vigilmon\n",
			vpath);
		return 77;
	}
	if (getuid() != 0) {
		fprintf(stderr, "vigil-bench: needs root (runc creates real containers)\n");
		return 77;
	}
	g_autofree char *runc = g_find_program_in_path("runc");
	if (runc == NULL || (!g_file_test("/bin/busybox", G_FILE_TEST_IS_EXECUTABLE) &&
			     !g_file_test("/usr/bin/busybox", G_FILE_TEST_IS_EXECUTABLE))) {
		fprintf(stderr, "vigil-bench: needs runc and busybox-static\n");
		return 77;
	}

	/* testlib: subreaper, cleanup on exit and on SIGINT; none of g_test's options. */
	int targc = 1;
	char *targv_store[] = { argv[0], NULL };
	char **targv = targv_store;
	quiet_testlib_init(&targc, &targv);

	bench.table = bench_table_new();
	bench.work = g_build_filename(testlib_root(), "data", NULL);
	g_mkdir_with_parents(bench.work, 0755);
	bench.run_root = g_build_filename(opt.run_dir, "vigil-bench-XXXXXX", NULL);
	if (g_mkdtemp(bench.run_root) == NULL) {
		fprintf(stderr, "vigil-bench: mkdtemp %s: %s\n", bench.run_root, g_strerror(errno));
		return 1;
	}
	print_machine(&bench, opt.log_dir != NULL ? opt.log_dir : testlib_root());
	run_figures(&bench, only);

	g_autofree char *load = loadavg();
	printf("\n");
	bench_table_print(bench.table, stdout);
	printf("\nload at end: %s\n", load);
	gboolean failed = bench_table_failed(bench.table);
	bench_table_free(bench.table);
	for (int m = 0; m < BENCH_N_MONITORS; m++)
		g_free(bench.mon[m].path);
	const char *rm[] = { "rm", "-rf", bench.run_root, NULL };
	(void)testlib_run(rm, NULL, NULL, NULL);
	g_free(bench.run_root);
	g_free(bench.work);
	g_free(opt.log_dir);
	g_free(opt.run_dir);
	return failed ? 1 : 0;
}
