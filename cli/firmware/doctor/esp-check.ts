import { execa } from "execa";
import path from "node:path";
import type { FirmwareBoard } from "../board.js";
import { findModules } from "../modules.js";
import type { DoctorCheck } from "./doctor.js";
import type { Env, ZephyrWorkspace } from "./probe.js";

/**
 * Doctor's checks for Espressif boards built with Debian's toolchain (ESP32-C3): hal_espressif
 * in the workspace, picolibc (hal_espressif needs sys/param.h, which Zephyr's minimal libc lacks)
 * and the Python modules hal_espressif's bundled esptool imports to write zephyr.bin.
 */

export const ESPTOOL_PYTHON_MODULES: readonly { module: string; debian: string }[] = [
  { module: "intelhex", debian: "python3-intelhex" },
  { module: "serial", debian: "python3-serial" },
];

export const ESP_XTENSA_FIX =
  "Debian has no Xtensa ESP32 compiler. Install either the Zephyr SDK's xtensa-espressif_esp32_zephyr-elf toolchain (sdk-ng release archive, then ./setup.sh -t xtensa-espressif_esp32_zephyr-elf; export ZEPHYR_SDK_INSTALL_DIR=<its directory>), or Espressif's crosstool-NG xtensa-esp32-elf toolchain (export ZEPHYR_TOOLCHAIN_VARIANT=espressif ESPRESSIF_TOOLCHAIN_PATH=<its directory>); then `west blobs fetch hal_espressif` for Wi-Fi/BT";

export function isEspressif(board: FirmwareBoard): boolean {
  return board.modules.includes("hal_espressif");
}

export async function espChecks(
  board: FirmwareBoard,
  zephyr: ZephyrWorkspace | null,
  python: string | null,
  compiler: string | null,
  env: Env,
  required: boolean,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const build = ["build" as const];
  if (zephyr) {
    const topdir = zephyr.westTopdir ?? path.dirname(zephyr.base);
    const { found, missing } = await findModules(zephyr.base, topdir, ["hal_espressif"]);
    const dir = found.get("hal_espressif");
    const expected = missing[0]?.expected;
    checks.push(
      dir
        ? { id: "hal_espressif", label: "hal_espressif module", status: "ok", required, neededFor: build, path: dir }
        : {
            id: "hal_espressif",
            label: "hal_espressif module",
            status: "missing",
            required,
            neededFor: build,
            detail: `not in the workspace ${topdir}`,
            fix: expected?.url
              ? `west update hal_espressif (or git clone ${expected.url} ${path.join(topdir, expected.path)}${expected.revision ? ` && git -C ${path.join(topdir, expected.path)} checkout ${expected.revision}` : ""})`
              : "west update hal_espressif",
          },
    );
  }
  if (compiler && board.gnu?.cflags.includes("--specs=picolibc.specs")) {
    const { stdout } = await execa(compiler, ["-print-file-name=picolibc.specs"], {
      env: env as NodeJS.ProcessEnv,
      extendEnv: false,
      reject: false,
    });
    const specs = String(stdout).trim();
    const pkg = board.gnu.packages.find((p) => p.startsWith("picolibc-")) ?? "picolibc-riscv64-unknown-elf";
    checks.push(
      path.isAbsolute(specs)
        ? { id: "picolibc", label: "picolibc", status: "ok", required, neededFor: build, path: specs }
        : {
            id: "picolibc",
            label: "picolibc",
            status: "missing",
            required,
            neededFor: build,
            detail: `${path.basename(compiler)} finds no picolibc.specs (hal_espressif needs picolibc's sys/param.h)`,
            fix: `apt-get install ${pkg}`,
          },
    );
  }
  if (python) {
    const script = `import importlib.util; print(" ".join(m for m in ${JSON.stringify(ESPTOOL_PYTHON_MODULES.map((m) => m.module))} if importlib.util.find_spec(m) is None))`;
    const { stdout } = await execa(python, ["-c", script], {
      env: env as NodeJS.ProcessEnv,
      extendEnv: false,
      reject: false,
    });
    const missing = String(stdout).trim().split(/\s+/).filter(Boolean);
    checks.push(
      missing.length === 0
        ? {
            id: "python:esptool",
            label: "python3 modules for esptool",
            status: "ok",
            required,
            neededFor: build,
            path: python,
          }
        : {
            id: "python:esptool",
            label: "python3 modules for esptool",
            status: "missing",
            required,
            neededFor: build,
            path: python,
            detail: `${python} lacks ${missing.join(", ")} (hal_espressif's esptool writes zephyr.bin with them)`,
            fix: `apt-get install ${ESPTOOL_PYTHON_MODULES.filter((m) => missing.includes(m.module))
              .map((m) => m.debian)
              .join(" ")}`,
          },
    );
  }
  return checks;
}
