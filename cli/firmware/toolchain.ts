import path from "node:path";
import type { FirmwareBoard } from "./board.js";
import type { SelectedToolchain } from "./doctor/doctor.js";
import type { Env } from "./doctor/probe.js";
import { mipsWrappers } from "./toolchains/mips-softfloat.js";
import { shellQuote, writeWrapperSet } from "./toolchains/wrappers.js";

/**
 * Environment for Zephyr's CMake from the toolchain doctor selected, plus the Debian quirks
 * (../shared/reference/zephyr-targets.md):
 * - Arm: gnuarmemb with GNUARMEMB_TOOLCHAIN_PATH=/usr works as is.
 * - RISC-V: Debian's GCC 12 picks the rv64 default multilib for Zephyr's
 *   `-march=rv32imac_zicsr_zifencei`, so libgcc does not link. In ISA spec 2.2 csr and fence.i
 *   are part of "i": the same code builds with `-march=rv32imac -misa-spec=2.2`. ocre puts
 *   small wrappers in front of gcc/g++/cpp that rewrite that flag, and points CROSS_COMPILE at them.
 * - MIPS: Debian's mips(el)-linux-gnu targets Linux: wrappers add the bare-metal flags and point
 *   at a soft-float libgcc built from gcc-12-source (toolchains/mips-softfloat.ts).
 */

/** A POSIX sh wrapper: drops _zicsr/_zifencei from -march= and adds -misa-spec=2.2 once. */
function riscvWrapper(real: string): string {
  return `#!/bin/sh
# Written by ocre: Debian's GCC 12 needs -march=rv32imac -misa-spec=2.2 instead of
# Zephyr's rv32imac_zicsr_zifencei to find the rv32 multilib (see docs/flash-emulate.md).
add_spec=
for arg in "$@"; do
	shift
	case "$arg" in
	-march=*_zicsr* | -march=*_zifencei*)
		arg=$(printf '%s' "$arg" | sed -e 's/_zicsr//g' -e 's/_zifencei//g')
		add_spec=1
		;;
	esac
	set -- "$@" "$arg"
done
if [ -n "$add_spec" ]; then
	set -- -misa-spec=2.2 "$@"
fi
exec ${shellQuote(real)} "$@"
`;
}

/** The RISC-V quirk's wrapper set in `dir`; returns the CROSS_COMPILE prefix to use. */
function riscvWrappers(prefix: string, dir: string): Promise<string> {
  return writeWrapperSet(prefix, dir, riscvWrapper);
}

/** The toolchain variables for Zephyr's CMake, with quirk workarounds written under `scratchDir`. */
export async function toolchainEnvironment(
  board: FirmwareBoard,
  toolchain: SelectedToolchain,
  scratchDir: string,
  processEnv: Env = process.env,
): Promise<Record<string, string>> {
  const env: Record<string, string> = { ...toolchain.env };
  if (toolchain.kind === "gnu" && board.family === "riscv" && env.CROSS_COMPILE) {
    env.CROSS_COMPILE = await riscvWrappers(env.CROSS_COMPILE, path.join(scratchDir, "toolchain"));
  }
  if (toolchain.kind === "gnu" && board.family === "mips" && env.CROSS_COMPILE) {
    env.CROSS_COMPILE = await mipsWrappers(env.CROSS_COMPILE, path.join(scratchDir, "toolchain"), processEnv);
  }
  return env;
}
