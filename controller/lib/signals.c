/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <vigil/options.h>

static const struct {
	const char *name;
	int number;
} signals[] = {
	{ "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
	{ "FPE", SIGFPE },       { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },   { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

static int parse_number(const char *s)
{
	char *end = NULL;
	long v;

	if (!g_ascii_isdigit(*s))
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v > 0 && v <= SIGRTMAX ? (int)v : -1;
}

int vigil_signal_parse(const char *s)
{
	if (s == NULL || *s == '\0')
		return -1;
	if (g_ascii_isdigit(*s))
		return parse_number(s);
	if (g_ascii_strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (gsize i = 0; i < G_N_ELEMENTS(signals); i++) {
		if (g_ascii_strcasecmp(s, signals[i].name) == 0)
			return signals[i].number;
	}
	/* RTMIN, RTMIN+n, RTMAX, RTMAX-n */
	if (g_ascii_strncasecmp(s, "RTMIN", 5) == 0 || g_ascii_strncasecmp(s, "RTMAX", 5) == 0) {
		gboolean min = g_ascii_toupper(s[4]) == 'N';
		int base = min ? SIGRTMIN : SIGRTMAX, off = 0;
		if (s[5] != '\0') {
			if (s[5] != (min ? '+' : '-') || (off = parse_number(s + 6)) < 0)
				return -1;
		}
		int v = min ? base + off : base - off;
		return v >= SIGRTMIN && v <= SIGRTMAX ? v : -1;
	}
	return -1;
}
