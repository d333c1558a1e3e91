import type { Board } from "../boards/types.js";
import type { AgentSettings } from "../config/types.js";
import { OcreError } from "../errors.js";
import { REGISTRY_CA_FILE } from "./registry-ca.js";

/**
 * The device agent in a generated project (ocre.yaml `device.agent`, `--agent`; docs/deploy.md):
 * the Kconfig lines, the devicetree that gives it a store, and what main.c says. What a board
 * can offer (a flash partition or a flash simulator, a network) is in its catalog entry
 * (`agent:` in boards/<id>.yaml); a request the board cannot meet is refused before anything
 * is written.
 */
export interface AgentProject {
  /** prj.conf lines. */
  readonly kconfig: readonly string[];
  /** Appended to boards/<board>.overlay. */
  readonly overlay: string;
  /** The pool the installed containers take their modules and memories from. */
  readonly poolBytes: number;
  /** Installed containers that run at once (container slots and threads of the runtime). */
  readonly maxRunning: number;
  readonly tcpPort: number | null;
  readonly transports: readonly string[];
  /** "SMP over TCP port 1337, serial console": main.c's ready line and the README. */
  readonly describe: string;
  /** Pulls over https (a registry CA was given): mbedTLS is initialised at boot. */
  readonly tls: boolean;
  /** Files of the project the agent needs (the registry CA), by path relative to the project. */
  readonly files: Readonly<Record<string, Uint8Array>>;
}

/**
 * A pull over https: what the generated prj.conf adds to `CONFIG_OCRE_AGENT_PULL`. The option
 * itself selects the rest (TLS sockets, mbedTLS's key exchanges, ciphers and PSA algorithms, its
 * entropy) and defaults the descriptors, connections and stacks: zephyr-module/Kconfig, the one
 * list of them. The two integers are here because Zephyr's mbedTLS module defaults them
 * (`MBEDTLS_HEAP_SIZE` 512, `MBEDTLS_SSL_MAX_CONTENT_LEN` 1,500) before ocre's Kconfig is read,
 * so a default there never applies. Measured in QEMU, mps2/an521/cpu0, Zephyr 3.7.1
 * (docs/deploy.md "TLS"): mbedTLS's heap peaked at 43,340 B in a pull (ocre_net_zephyr.c
 * refuses to build with less than 45,056); records: the standard's 16 KiB, which a registry may
 * send (Go's TLS, docker-registry's, starts small and grows to 16 KiB after 128 KiB).
 */
export const TLS_KCONFIG: readonly string[] = [
  "CONFIG_OCRE_AGENT_PULL_TLS=y",
  `CONFIG_OCRE_AGENT_PULL_TLS_CA_FILE="${REGISTRY_CA_FILE}"`,
  "CONFIG_MBEDTLS_HEAP_SIZE=49152",
  "CONFIG_MBEDTLS_SSL_MAX_CONTENT_LEN=16384",
];

/** The store's erase block and program unit on a flash simulator (Zephyr's sim-flash). */
const SIM_ERASE_BLOCK = 4096;
const SIM_WRITE_BLOCK = 4;

function simulatorOverlay(kb: number): string {
  const size = `0x${(kb * 1024).toString(16)}`;
  return `/* The device agent's store (docs/deploy.md): a RAM-backed flash simulator (erases to 0xff), lost at power-off. */
/ {
	ocre_sim_flash_controller: ocre_sim_flash_controller {
		compatible = "zephyr,sim-flash";
		#address-cells = <1>;
		#size-cells = <1>;
		erase-value = <0xff>;

		ocre_sim_flash: flash_sim@0 {
			compatible = "soc-nv-flash";
			reg = <0x00000000 ${size}>;
			erase-block-size = <${SIM_ERASE_BLOCK}>;
			write-block-size = <${SIM_WRITE_BLOCK}>;

			partitions {
				compatible = "fixed-partitions";
				#address-cells = <1>;
				#size-cells = <1>;

				ocre_store_partition: partition@0 {
					label = "ocre_store";
					reg = <0x00000000 ${size}>;
				};
			};
		};
	};
};
`;
}

function partitionOverlay(nodeLabel: string): string {
  return `/* The device agent's store (docs/deploy.md): the board's ${nodeLabel}. */
&${nodeLabel} {
	label = "ocre_store";
};
`;
}

/**
 * Plans the agent for one board, or throws the user's error: no place for the store, a
 * transport the board cannot do, no key to trust, a registry CA for an agent that does not pull.
 * `trustKeys`: how many key files the firmware trusts (the manifests' `trust:` and --trust);
 * `registryCa`: the CA file's bytes (cli/generate/registry-ca.ts), when the agent pulls over https.
 */
export function planAgent(
  board: Board,
  agent: AgentSettings,
  trustKeys: number,
  registryCa?: Uint8Array,
): AgentProject {
  if (board.agent === undefined) {
    throw new OcreError("OCRE_AGENT_BOARD", `board ${board.id} has no place for the device agent's store`, {
      hint: `add \`agent: { store: ... }\` to the board's file (a flash partition or a flash simulator; docs/boards.md), or build without the agent (--agent none)`,
    });
  }
  const tcp = agent.transports.includes("tcp");
  const serial = agent.transports.includes("serial");
  const network = board.agent.network;
  if (tcp && network === undefined) {
    throw new OcreError(
      "OCRE_AGENT_TRANSPORT",
      `board ${board.id} has no network the device agent's tcp transport can use`,
      {
        hint: `use --agent serial (the console), or add \`agent.network\` to the board's file (docs/boards.md)`,
      },
    );
  }
  if (trustKeys === 0) {
    throw new OcreError(
      "OCRE_AGENT_TRUST",
      "the device agent installs only signed containers, but the firmware trusts no key",
      {
        hint: "add `trust: [keys/ocre.pub]` to ocre.yaml or pass --trust KEY.pub (docs/signing.md)",
      },
    );
  }
  const store = board.agent.store;
  const simulator = "simulatorKb" in store;
  const pull = tcp && agent.pull;
  if (agent.pullTags && !pull) {
    throw new OcreError("OCRE_AGENT_TRANSPORT", "device.agent.pullTags needs a device that pulls from registries", {
      hint: "the device pulls over tcp with `pull: true` (the default): add tcp to device.agent.transports, or drop pullTags",
    });
  }
  const tls = registryCa !== undefined;
  if (tls && !pull) {
    throw new OcreError(
      "OCRE_AGENT_TLS",
      "a registry CA is for the device agent's pulls over https, but this agent does not pull",
      {
        hint: `the device pulls over its tcp transport: use --agent tcp (or tcp,serial) and leave ocre.yaml \`device.agent.pull\` true, or drop the registry CA (${agent.transports.join(",")} now)`,
      },
    );
  }
  const kconfig = [
    "CONFIG_FLASH=y",
    "CONFIG_FLASH_MAP=y",
    "CONFIG_FLASH_PAGE_LAYOUT=y",
    ...(simulator ? ["CONFIG_FLASH_SIMULATOR=y"] : []),
    "CONFIG_OCRE_AGENT=y",
    `CONFIG_OCRE_AGENT_SLOTS=${agent.slots}`,
    `CONFIG_OCRE_AGENT_MAX_RUNNING=${agent.maxRunning}`,
    `CONFIG_OCRE_AGENT_MAX_WASM=${agent.maxWasm}`,
    ...(tcp
      ? [
          "CONFIG_NETWORKING=y",
          "CONFIG_NET_IPV4=y",
          "CONFIG_NET_IPV6=n",
          "CONFIG_NET_TCP=y",
          "CONFIG_NET_SOCKETS=y",
          // A registry named by host name: DNS, whose answers come from the C library's heap.
          ...(pull ? ["CONFIG_DNS_RESOLVER=y", "CONFIG_COMMON_LIBC_MALLOC_ARENA_SIZE=2048"] : []),
          ...(network?.kconfig ?? []),
          "CONFIG_OCRE_AGENT_TCP=y",
          `CONFIG_OCRE_AGENT_TCP_PORT=${agent.port}`,
          ...(pull ? ["CONFIG_OCRE_AGENT_PULL=y"] : []),
          ...(pull && agent.pullTags ? ["CONFIG_OCRE_AGENT_PULL_TAGS=y"] : []),
          ...(tls ? TLS_KCONFIG : []),
        ]
      : []),
    ...(serial ? ["CONFIG_OCRE_AGENT_SERIAL=y"] : []),
  ];
  const describe = [
    ...(tcp ? [`SMP over TCP port ${agent.port}`] : []),
    ...(serial ? ["SMP on the console"] : []),
  ].join(", ");
  return {
    kconfig,
    overlay: simulator ? simulatorOverlay(store.simulatorKb) : partitionOverlay(store.partition),
    poolBytes: agent.pool,
    maxRunning: agent.maxRunning,
    tcpPort: tcp ? agent.port : null,
    transports: agent.transports,
    describe,
    tls,
    files: registryCa === undefined ? {} : { [REGISTRY_CA_FILE]: registryCa },
  };
}
