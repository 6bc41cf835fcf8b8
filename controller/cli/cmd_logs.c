/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "commands.h"

/* --since: RFC 3339 ("2026-11-29T10:00:00Z"), Unix seconds ("1764410400.5"), or a duration
 * back from now ("90s", "10m", "1h30m"). Nanoseconds since the epoch, or -1. */
static gint64 parse_since(const char *s)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(s, utc);
	gint64 total = 0;
	char *end;

	if (t != NULL) {
		gint64 secs = g_date_time_to_unix(t);
		/* Beyond 2262 nanoseconds overflow: that is "after everything" anyway. */
		if (secs >= G_MAXINT64 / 1000000000 - 1)
			return G_MAXINT64;
		return MAX(secs, 0) * G_GINT64_CONSTANT(1000000000) +
		       (gint64)g_date_time_get_microsecond(t) * 1000;
	}
	double secs = g_ascii_strtod(s, &end);
	if (end != s && *end == '\0' && secs >= 0)
		return secs < 9.2e9 ? (gint64)(secs * 1e9) : G_MAXINT64; /* 2^63 ns: 2262 */
	gint64 now_s = g_get_real_time() / G_USEC_PER_SEC;
	for (const char *p = s; *p != '\0';) {
		gint64 n = g_ascii_strtoll(p, &end, 10);
		gint64 unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 0;
		if (end == p || n < 0 || unit == 0)
			return -1;
		/* Saturated at "before the epoch" (= everything), so the sum cannot overflow. */
		total = n > now_s / unit ? now_s : MIN(total + n * unit, now_s);
		p = end + 1;
	}
	if (total == 0 && *s == '\0')
		return -1;
	return g_get_real_time() * 1000 - total * G_GINT64_CONSTANT(1000000000);
}

int cmd_logs(Cli *cli, int argc, char **argv)
{
	VigilLogsOptions options = VIGIL_LOGS_OPTIONS_INIT;
	g_autofree char *since = NULL, *tail = NULL;
	GOptionEntry entries[] = {
		{ "follow", 'f', 0, G_OPTION_ARG_NONE, &options.follow,
		  "Keep printing until the container exits", NULL },
		{ "tail", 0, 0, G_OPTION_ARG_STRING, &tail, "Only the last N lines", "N" },
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since,
		  "Only lines since a time (RFC 3339, Unix seconds, or 10m)", "TIME" },
		{ "timestamps", 't', 0, G_OPTION_ARG_NONE, &options.timestamps,
		  "Prefix lines with their time", NULL },
		{ NULL },
	};
	g_autoptr(GError) error = NULL;
	VigilRuntime *rt;
	guint n;
	int status;

	if (!cli_parse(cli, cli_command("logs"), entries, &argc, &argv, 1, 1, &status))
		return status;
	if (cli->json)
		return cli_failf(CLI_EXIT_FAILURE, "logs: --json is not supported: the output is "
						   "the container's own");
	if (tail != NULL) {
		if (!cli_parse_uint("logs: --tail", tail, &n))
			return CLI_EXIT_FAILURE;
		options.tail = n;
	}
	if (since != NULL && (options.since = parse_since(since)) < 0)
		return cli_failf(CLI_EXIT_FAILURE, "logs: --since '%s' is not a time", since);
	if ((rt = cli_runtime(cli)) == NULL)
		return CLI_EXIT_FAILURE;
	/* The reader went away (`vigilctl logs -f ID | head -1`): not an error worth a line,
	 * but the status a shell shows for SIGPIPE, as cat's or tail's. */
	if (!vigil_runtime_logs(rt, argv[1], &options, &error))
		return g_error_matches(error, VIGIL_ERROR, EPIPE)
			       ? 128 + SIGPIPE
			       : cli_fail(error, CLI_EXIT_FAILURE);
	return 0;
}
