/*
 * Copyright (c) 2026 ocre contributors
 * SPDX-License-Identifier: Apache-2.0
 *
 * Shell commands: ocre ps | stats | start <name> | stop <name> | restart <name>.
 */

#include <stdlib.h>

#include <zephyr/kernel.h>
#include <zephyr/shell/shell.h>

#include <ocre/ocre.h>

#include "ocre_config.h"

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

SHELL_STATIC_SUBCMD_SET_CREATE(
	ocre_cmds, SHELL_CMD_ARG(ps, NULL, "List containers", cmd_ps, 1, 0),
	SHELL_CMD_ARG(stats, NULL, "Health figures of every container", cmd_stats, 1, 0),
	SHELL_CMD_ARG(start, NULL, "Start a container: ocre start <name>", cmd_start, 2, 0),
	SHELL_CMD_ARG(stop, NULL, "Stop a container: ocre stop <name>", cmd_stop, 2, 0),
	SHELL_CMD_ARG(restart, NULL, "Restart a container: ocre restart <name>", cmd_restart, 2, 0),
	SHELL_SUBCMD_SET_END);

SHELL_CMD_REGISTER(ocre, &ocre_cmds, "Ocre containers", NULL);
