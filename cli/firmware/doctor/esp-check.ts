import { execa } from "execa";
import type { FirmwareBoard } from "../board.js";
import type { DoctorCheck } from "./doctor.js";
import type { Env } from "./probe.js";

/**
 * Doctor's check for Espressif boards built without the Zephyr SDK: the Python modules
 * hal_espressif's bundled esptool imports to write zephyr.bin. (hal_espressif itself is one of
 * the board's Zephyr modules, and ESP32-C3's picolibc is the C library check: doctor.ts.)
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

export async function esptoolPythonCheck(python: string, env: Env, required: boolean): Promise<DoctorCheck> {
  const base = { id: "python:esptool", label: "python3 modules for esptool", required, neededFor: ["build" as const] };
  const script = `import importlib.util; print(" ".join(m for m in ${JSON.stringify(ESPTOOL_PYTHON_MODULES.map((m) => m.module))} if importlib.util.find_spec(m) is None))`;
  const { stdout } = await execa(python, ["-c", script], {
    env: env as NodeJS.ProcessEnv,
    extendEnv: false,
    reject: false,
  });
  const missing = String(stdout).trim().split(/\s+/).filter(Boolean);
  if (missing.length === 0) return { ...base, status: "ok", path: python };
  return {
    ...base,
    status: "missing",
    path: python,
    detail: `${python} lacks ${missing.join(", ")} (hal_espressif's esptool writes zephyr.bin with them)`,
    fix: `apt-get install ${ESPTOOL_PYTHON_MODULES.filter((m) => missing.includes(m.module))
      .map((m) => m.debian)
      .join(" ")}`,
  };
}
