/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Shell commands: ocre ps | stats | start <name> | stop <name> | restart <name>; with the
 * device agent, ocre installed; with the log ring, ocre logs [count].
 */

#include <stdlib.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/shell/shell.h>

#include <ocre/ocre.h>

#include "ocre_config.h"

#if defined(CONFIG_OCRE_AGENT)
#include <ocre/ocre_agent.h>
#endif
#if defined(CONFIG_OCRE_LOG_RING)
#include <ocre/ocre_logring.h>
#endif

static const char *const state_names[] = {"created", "running", "backoff", "exited"};

static int cmd_ps(const struct shell *sh, size_t argc, char **argv)
{
	ARG_UNUSED(argc), ARG_UNUSED(argv);
	struct ocre_container_status st;

	shell_print(sh, "%-3s %-24s %-8s %5s %8s %7s", "ID", "NAME", "STATE", "EXIT", "RESTARTS",
		    "DROPPED");
	for (int id = 0; id < OCRE_MAX_CONTAINERS; id++) {
		if (ocre_container_status(id, &st) != 0) {
			continue;
		}
		shell_print(sh, "%-3d %-24s %-8s %5d %8u %7u", id, st.name, state_names[st.state],
			    (int)st.exit_code, (unsigned int)st.restarts,
			    (unsigned int)st.events_dropped);
	}
	return 0;
}

/* Health figures per container: what ocre/health/... events report, on demand. */
static int cmd_stats(const struct shell *sh, size_t argc, char **argv)
{
	ARG_UNUSED(argc), ARG_UNUSED(argv);
	struct ocre_container_status st;
	int64_t up = k_uptime_get();

	shell_print(sh, "uptime %lld.%03lld s", up / 1000, up % 1000);
	shell_print(sh, "%-16s %-8s %5s %8s %8s %8s %9s %8s %s", "NAME", "STATE", "EXIT",
		    "RESTARTS", "RUN_S", "DROPPED", "MEM_HIGH", "WAKEUPS", "LAST_TRAP");
	for (int id = 0; id < OCRE_MAX_CONTAINERS; id++) {
		if (ocre_container_status(id, &st) != 0) {
			continue;
		}
		shell_print(sh, "%-16s %-8s %5d %8u %8u %8u %9u %8u %s", st.name,
			    state_names[st.state], (int)st.exit_code, (unsigned int)st.restarts,
			    (unsigned int)(st.run_ms / 1000), (unsigned int)st.events_dropped_total,
			    (unsigned int)st.memory_high_water, (unsigned int)st.wakeups,
			    st.trap_reason[0] != '\0' ? st.trap_reason : "-");
		if (st.latency_count > 0) {
			shell_print(sh, "  latency: %u events, avg %u us, max %u us",
				    (unsigned int)st.latency_count, (unsigned int)st.latency_avg_us,
				    (unsigned int)st.latency_max_us);
		}
	}
	return 0;
}

static int by_name(const struct shell *sh, const char *name, int (*op)(int id))
{
	int id = ocre_container_find(name);

	if (id < 0) {
		shell_error(sh, "no container \"%s\" (see: ocre ps)", name);
		return -ENOENT;
	}
	int ret = op(id);

	if (ret != 0) {
		shell_error(sh, "%s: error %d", name, ret);
	}
	return ret;
}

static int cmd_start(const struct shell *sh, size_t argc, char **argv)
{
	ARG_UNUSED(argc);
	return by_name(sh, argv[1], ocre_container_start);
}

static int cmd_stop(const struct shell *sh, size_t argc, char **argv)
{
	ARG_UNUSED(argc);
	return by_name(sh, argv[1], ocre_container_stop);
}

static int cmd_restart(const struct shell *sh, size_t argc, char **argv)
{
	ARG_UNUSED(argc);
	return by_name(sh, argv[1], ocre_container_restart);
}

#if defined(CONFIG_OCRE_AGENT)
static void short_digest(const uint8_t d[32], char out[24])
{
	static const char hex[] = "0123456789abcdef";

	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 8; i++) {
		out[7 + 2 * i] = hex[d[i] >> 4];
		out[8 + 2 * i] = hex[d[i] & 0x0f];
	}
	out[23] = '\0';
}

/*
 * The containers in the agent's store: the version that runs and the one a rollback returns
 * to. A snapshot of the store's table in RAM, read without the agent's lock (an install that
 * commits meanwhile shows as the old or the new version; nothing is written).
 */
static int cmd_installed(const struct shell *sh, size_t argc, char **argv)
{
	ARG_UNUSED(argc), ARG_UNUSED(argv);
	/* The shell thread is the only caller: static rather than on its stack. */
	static struct ocre_store_entry e[OCRE_STORE_MAX_SLOTS];
	char d[24];
	char p[24];
	int n = ocre_agent_list(e, OCRE_STORE_MAX_SLOTS);

	if (n < 0) {
		shell_error(sh, "no container store (the agent did not start: see the boot log)");
		return n;
	}
	shell_print(sh, "%-24s %-23s %7s %7s %-10s %-7s %s", "NAME", "DIGEST", "VERSION", "SIZE",
		    "STATE", "RUNNING", "PREVIOUS");
	for (int i = 0; i < n; i++) {
		short_digest(e[i].manifest_digest, d);
		if (e[i].has_previous) {
			short_digest(e[i].previous_digest, p);
		}
		shell_print(sh, "%-24s %-23s %7u %7u %-10s %-7s %s", e[i].name, d,
			    (unsigned int)e[i].seq, (unsigned int)e[i].wasm_size,
			    e[i].confirmed ? "confirmed" : "on trial",
			    ocre_agent_container(e[i].name) >= 0 ? "yes" : "no",
			    e[i].has_previous ? p : "-");
	}
	if (n == 0) {
		shell_print(sh, "(none: ocre deploy installs one)");
	}
	return 0;
}
#endif

#if defined(CONFIG_OCRE_LOG_RING)
/* The log ring's last entries (all it keeps by default): health events and container output. */
static int cmd_logs(const struct shell *sh, size_t argc, char **argv)
{
	static struct ocre_logring_entry e;
	uint32_t first;
	uint32_t next;
	uint32_t count = OCRE_LOGRING_ENTRIES;

	if (argc > 1) {
		char *end;
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end != '\0' || v == 0) {
			shell_error(sh, "usage: ocre logs [count]");
			return -EINVAL;
		}
		count = v < OCRE_LOGRING_ENTRIES ? (uint32_t)v : OCRE_LOGRING_ENTRIES;
	}
	ocre_logring_bounds(&first, &next);
	if (next - first > count) {
		first = next - count;
	}
	for (uint32_t seq = first; seq < next; seq++) {
		if (!ocre_logring_get(seq, &e)) {
			continue;
		}
		/* The ring replaced control characters when it stored the text. */
		shell_print(sh, "#%u [%6u.%03u] %s %s: %s", (unsigned int)e.seq,
			    (unsigned int)(e.uptime_ms / 1000), (unsigned int)(e.uptime_ms % 1000),
			    e.name, ocre_logring_kind_name(e.kind), e.text);
	}
	if (next == first) {
		shell_print(sh, "(empty)");
	}
	return 0;
}
#endif

SHELL_STATIC_SUBCMD_SET_CREATE(
	ocre_cmds, SHELL_CMD_ARG(ps, NULL, "List containers", cmd_ps, 1, 0),
	SHELL_CMD_ARG(stats, NULL, "Health figures of every container", cmd_stats, 1, 0),
	SHELL_CMD_ARG(start, NULL, "Start a container: ocre start <name>", cmd_start, 2, 0),
	SHELL_CMD_ARG(stop, NULL, "Stop a container: ocre stop <name>", cmd_stop, 2, 0),
	SHELL_CMD_ARG(restart, NULL, "Restart a container: ocre restart <name>", cmd_restart, 2, 0),
#if defined(CONFIG_OCRE_AGENT)
	SHELL_CMD_ARG(installed, NULL, "Containers installed by the agent, with versions",
		      cmd_installed, 1, 0),
#endif
#if defined(CONFIG_OCRE_LOG_RING)
	SHELL_CMD_ARG(logs, NULL, "Recent health events and container output: ocre logs [count]",
		      cmd_logs, 1, 1),
#endif
	SHELL_SUBCMD_SET_END);

SHELL_CMD_REGISTER(ocre, &ocre_cmds, "Ocre containers", NULL);
