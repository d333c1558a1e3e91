import path from "node:path";
import {
  DEFAULT_ZEPHYR,
  resolveZephyrRelease,
  WAMR_REPO_URL,
  ZEPHYR_RELEASES,
  ZEPHYR_REPO_URL,
} from "../../boards/zephyr.js";
import type { FirmwareBoard } from "../board.js";
import { findModules, type MissingModule } from "../modules.js";
import { ESP_XTENSA_FIX, esptoolPythonCheck, isEspressif } from "./esp-check.js";
import { mipsSoftFloatCheck } from "./mips-check.js";
import {
  ZEPHYR_PYTHON_MODULES,
  probePython,
  probeWamr,
  probeZephyr,
  probeZephyrSdk,
  sdkCompiler,
  versionAtLeast,
  versionOf,
  which,
  type Env,
  type ZephyrWorkspace,
} from "./probe.js";

/**
 * `ocre doctor`: what a firmware build, `ocre flash` and `ocre emulate` need on this machine,
 * each with the command that fixes it. The same checks gate `ocre build --firmware`, so its
 * error and doctor's table always agree.
 */

export type CheckStatus = "ok" | "missing" | "wrong-version";
export type Need = "build" | "flash" | "emulate";
export type ToolchainKind = "zephyr-sdk" | "gnu";

export interface DoctorCheck {
  readonly id: string;
  readonly label: string;
  readonly status: CheckStatus;
  /** Needed for what the chosen board can do here (build, and emulate when it has an emulator). */
  readonly required: boolean;
  readonly neededFor: readonly Need[];
  readonly path?: string;
  readonly version?: string;
  readonly minimum?: string;
  /** What was found or why it is not usable. */
  readonly detail?: string;
  /** The exact command (or step) that fixes it. */
  readonly fix?: string;
  /** Works, but with a known limitation. */
  readonly warning?: string;
}

/** The toolchain a build will use, as Zephyr's CMake wants it in the environment. */
export interface SelectedToolchain {
  readonly kind: ToolchainKind;
  /** ZEPHYR_TOOLCHAIN_VARIANT value: zephyr, gnuarmemb or cross-compile. */
  readonly variant: "zephyr" | "gnuarmemb" | "cross-compile" | "host";
  /** The compiler found (absolute path). */
  readonly compiler: string;
  /** Environment for Zephyr's CMake (ZEPHYR_TOOLCHAIN_VARIANT and its companion variable). */
  readonly env: Readonly<Record<string, string>>;
}

export interface DoctorReport {
  readonly ok: boolean;
  /** Board checked (catalog id), or null for the generic check over every architecture. */
  readonly board: string | null;
  readonly checks: readonly DoctorCheck[];
  readonly zephyr: ZephyrWorkspace | null;
  readonly wamrDir: string | null;
  readonly west: string | null;
  readonly python: string | null;
  readonly toolchain: SelectedToolchain | null;
  /** The board's Zephyr modules (west project name → folder), when every one was found. */
  readonly modules: Readonly<Record<string, string>> | null;
  /** The board's modules the workspace lacks, with where west would put each. */
  readonly missingModules: readonly MissingModule[];
  /** The board's catalog status and the check that showed it (null without a board). */
  readonly boardStatus: { readonly status: string; readonly evidence: FirmwareBoard["evidence"] } | null;
}

export interface DoctorOptions {
  /** The board to check for; without it every architecture's toolchain is listed as optional. */
  readonly board?: FirmwareBoard;
  /** All boards (used without `board` to list each architecture's toolchain). */
  readonly boards?: readonly FirmwareBoard[];
  readonly toolchain?: ToolchainKind;
  readonly env?: Env;
  readonly cwd: string;
}

export const MIN_CMAKE = "3.20";
export const MIN_ZEPHYR = "3.7";

const WEST_FIX =
  "west is published on PyPI only (Debian has no package): `pipx install west` (or `python3 -m pip install --user west`) on a machine that reaches PyPI. Without west, `ocre build --firmware` builds with CMake + ninja from ZEPHYR_BASE; `ocre flash` needs west.";

const DEFAULT_RELEASE = resolveZephyrRelease(DEFAULT_ZEPHYR);

const ZEPHYR_FIX = `export ZEPHYR_BASE=/path/to/zephyr (a Zephyr ${ZEPHYR_RELEASES.map((r) => r.version).join(" or ")} tree), or create a west workspace: west init -m ${ZEPHYR_REPO_URL} --mr ${DEFAULT_RELEASE.zephyrRevision} zephyrproject && cd zephyrproject && west update`;

const WAMR_FIX = (dir: string): string =>
  `git clone --depth 1 --branch ${DEFAULT_RELEASE.wamrRevision} ${WAMR_REPO_URL} ${dir} (or export OCRE_WAMR_DIR=/path/to/wasm-micro-runtime)`;

/** How to get the board's missing modules: west, or a clone at the path west would use. */
export function modulesFix(topdir: string, missing: readonly MissingModule[]): string {
  const names = missing.map((m) => m.name);
  const clones = missing
    .filter((m) => m.expected?.url)
    .map((m) => {
      const dir = path.join(topdir, m.expected!.path);
      return `git clone ${m.expected!.url} ${dir}${m.expected!.revision ? ` && git -C ${dir} checkout ${m.expected!.revision}` : ""}`;
    });
  return `west update ${names.join(" ")}${clones.length > 0 ? `; without west: ${clones.join("; ")}` : ""}`;
}

const SDK_FIX = (triple: string): string =>
  `install the Zephyr SDK with its ${triple} toolchain (sdk-ng release archive, then ./setup.sh -t ${triple}) and export ZEPHYR_SDK_INSTALL_DIR=<its directory>`;

/** Debian package for each emulator binary. */
const EMULATOR_PACKAGES: Record<string, string> = {
  "qemu-system-arm": "qemu-system-arm",
  "qemu-system-riscv32": "qemu-system-misc",
  "qemu-system-riscv64": "qemu-system-misc",
  "qemu-system-xtensa": "qemu-system-misc",
  "qemu-system-mips": "qemu-system-mips",
  "qemu-system-mipsel": "qemu-system-mips",
};

const apt = (...packages: string[]): string => `apt-get install ${packages.join(" ")}`;

async function toolCheck(
  env: Env,
  spec: {
    id: string;
    exe: string;
    label: string;
    args: string[];
    pattern: RegExp;
    package: string;
    required: boolean;
    neededFor: Need[];
    minimum?: string;
  },
): Promise<DoctorCheck> {
  const base = {
    id: spec.id,
    label: spec.label,
    required: spec.required,
    neededFor: spec.neededFor,
    ...(spec.minimum ? { minimum: spec.minimum } : {}),
  };
  const found = await which(spec.exe, env);
  if (found === null)
    return { ...base, status: "missing", detail: `${spec.exe} is not on PATH`, fix: apt(spec.package) };
  const version = await versionOf(found, spec.args, spec.pattern, env);
  if (spec.minimum && (version === null || !versionAtLeast(version, spec.minimum))) {
    return {
      ...base,
      status: "wrong-version",
      path: found,
      ...(version ? { version } : {}),
      detail: `${spec.exe} ${version ?? "(unknown version)"} is older than ${spec.minimum}`,
      fix: `${apt(spec.package)} (Debian 12 ships ${spec.exe} 3.25), or put a newer ${spec.exe} first on PATH`,
    };
  }
  return { ...base, status: "ok", path: found, ...(version ? { version } : {}) };
}

interface ToolchainResult {
  check: DoctorCheck;
  selected: SelectedToolchain | null;
}

/** The GNU variant Zephyr uses for a Debian toolchain, with its companion variable. */
function gnuEnv(board: FirmwareBoard, compiler: string): Record<string, string> {
  if (board.gnu?.variant === "gnuarmemb") {
    // GNUARMEMB_TOOLCHAIN_PATH is the prefix holding bin/arm-none-eabi-gcc (/usr on Debian).
    return { ZEPHYR_TOOLCHAIN_VARIANT: "gnuarmemb", GNUARMEMB_TOOLCHAIN_PATH: path.dirname(path.dirname(compiler)) };
  }
  // native_sim: Zephyr's "host" variant runs the machine's own gcc.
  if (board.gnu?.variant === "host") return { ZEPHYR_TOOLCHAIN_VARIANT: "host" };
  return { ZEPHYR_TOOLCHAIN_VARIANT: "cross-compile", CROSS_COMPILE: compiler.replace(/gcc$/, "") };
}

async function toolchainCheck(
  board: FirmwareBoard,
  env: Env,
  wanted: ToolchainKind | undefined,
  required: boolean,
): Promise<ToolchainResult> {
  const id = `toolchain:${board.family}`;
  const label = `${board.family} toolchain`;
  const sdk = board.zephyrSdkTriple ? await probeZephyrSdk(env) : null;
  const sdkGcc = sdk && board.zephyrSdkTriple ? await sdkCompiler(sdk.dir, board.zephyrSdkTriple) : null;
  const gnuGcc = board.gnu ? await which(board.gnu.compiler, env) : null;
  const base = { id, label, required, neededFor: ["build"] as Need[] };
  const fixes: string[] = [];
  if (wanted !== "zephyr-sdk" && board.gnu) fixes.push(apt(...board.gnu.packages));
  if (wanted !== "gnu" && board.zephyrSdkTriple) fixes.push(SDK_FIX(board.zephyrSdkTriple));
  const fix = board.family === "xtensa" && isEspressif(board) ? ESP_XTENSA_FIX : fixes.join("; or ");

  const useSdk = sdkGcc !== null && sdk !== null && wanted !== "gnu";
  if (useSdk) {
    const version = await versionOf(sdkGcc, ["--version"], /\)\s*(\d+\.\d+(?:\.\d+)?)/, env);
    return {
      check: {
        ...base,
        status: "ok",
        path: sdkGcc,
        ...(version ? { version } : {}),
        detail: `Zephyr SDK ${sdk.version ?? ""} at ${sdk.dir}`.replace("  ", " "),
      },
      selected: {
        kind: "zephyr-sdk",
        variant: "zephyr",
        compiler: sdkGcc,
        env: { ZEPHYR_TOOLCHAIN_VARIANT: "zephyr", ZEPHYR_SDK_INSTALL_DIR: sdk.dir },
      },
    };
  }
  if (gnuGcc !== null && board.gnu && wanted !== "zephyr-sdk") {
    const version = await versionOf(gnuGcc, ["--version"], /\)\s*(\d+\.\d+(?:\.\d+)?)/, env);
    const env2 = gnuEnv(board, gnuGcc);
    return {
      check: {
        ...base,
        status: "ok",
        path: gnuGcc,
        ...(version ? { version } : {}),
        detail: `GNU (${env2.ZEPHYR_TOOLCHAIN_VARIANT})`,
      },
      selected: {
        kind: "gnu",
        variant: env2.ZEPHYR_TOOLCHAIN_VARIANT as "gnuarmemb" | "cross-compile" | "host",
        compiler: gnuGcc,
        env: env2,
      },
    };
  }
  const looked: string[] = [];
  if (wanted !== "zephyr-sdk")
    looked.push(
      board.gnu ? `${board.gnu.compiler} is not on PATH` : "Debian has no GNU toolchain for this architecture",
    );
  if (wanted !== "gnu")
    looked.push(
      board.zephyrSdkTriple
        ? `no Zephyr SDK with ${board.zephyrSdkTriple}`
        : "no Zephyr SDK toolchain is known for this board",
    );
  return { check: { ...base, status: "missing", detail: looked.join("; "), fix }, selected: null };
}

/** Runs every check for `options.board` (or for all architectures) against `options.env`. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const board = options.board;
  const forBoard = board !== undefined;
  const build: Need[] = ["build"];

  const [west, cmake, ninja, dtc, gperf, python, zephyr] = await Promise.all([
    which("west", env),
    toolCheck(env, {
      id: "cmake",
      exe: "cmake",
      label: "cmake",
      args: ["--version"],
      pattern: /cmake version (\S+)/,
      package: "cmake",
      required: true,
      neededFor: build,
      minimum: MIN_CMAKE,
    }),
    toolCheck(env, {
      id: "ninja",
      exe: "ninja",
      label: "ninja",
      args: ["--version"],
      pattern: /^(\d[\w.]*)/m,
      package: "ninja-build",
      required: true,
      neededFor: build,
    }),
    toolCheck(env, {
      id: "dtc",
      exe: "dtc",
      label: "dtc (devicetree compiler)",
      args: ["--version"],
      pattern: /DTC (\S+)/,
      package: "device-tree-compiler",
      required: true,
      neededFor: build,
    }),
    // Zephyr runs gperf only for CONFIG_USERSPACE builds (kernel object hashes).
    toolCheck(env, {
      id: "gperf",
      exe: "gperf",
      label: "gperf (userspace builds)",
      args: ["--version"],
      pattern: /GNU gperf (\S+)/,
      package: "gperf",
      required: false,
      neededFor: build,
    }),
    probePython(env),
    probeZephyr(env, options.cwd),
  ]);

  const checks: DoctorCheck[] = [];
  const westVersion = west ? await versionOf(west, ["--version"], /v?(\d+\.\d+\.\d+)/, env) : null;
  checks.push(
    west
      ? {
          id: "west",
          label: "west",
          status: "ok",
          required: false,
          neededFor: ["build", "flash"],
          path: west,
          ...(westVersion ? { version: westVersion } : {}),
        }
      : {
          id: "west",
          label: "west",
          status: "missing",
          required: false,
          neededFor: ["build", "flash"],
          detail: "west is not on PATH (builds fall back to CMake + ninja)",
          fix: WEST_FIX,
        },
  );

  if (zephyr.found) {
    const tooOld = zephyr.found.version !== null && !versionAtLeast(zephyr.found.version, MIN_ZEPHYR);
    checks.push({
      id: "zephyr",
      label: "Zephyr workspace",
      status: tooOld ? "wrong-version" : "ok",
      required: true,
      neededFor: build,
      path: zephyr.found.base,
      ...(zephyr.found.version ? { version: zephyr.found.version } : {}),
      minimum: MIN_ZEPHYR,
      detail: zephyr.found.source === "ZEPHYR_BASE" ? "from ZEPHYR_BASE" : `west workspace ${zephyr.found.westTopdir}`,
      ...(tooOld
        ? {
            fix: `use a Zephyr ${MIN_ZEPHYR} LTS or newer tree (west init -m ${ZEPHYR_REPO_URL} --mr ${DEFAULT_RELEASE.zephyrRevision})`,
          }
        : {}),
    });
  } else {
    checks.push({
      id: "zephyr",
      label: "Zephyr workspace",
      status: "missing",
      required: true,
      neededFor: build,
      detail: zephyr.problem,
      fix: ZEPHYR_FIX,
    });
  }

  const wamr = await probeWamr(env, zephyr.found?.base ?? null, options.cwd);
  if (wamr?.found) {
    checks.push({ id: "wamr", label: "WAMR sources", status: "ok", required: true, neededFor: build, path: wamr.dir });
  } else {
    const dir = wamr?.dir ?? "$ZEPHYR_BASE/../modules/lib/wasm-micro-runtime";
    checks.push({
      id: "wamr",
      label: "WAMR sources",
      status: "missing",
      required: true,
      neededFor: build,
      detail: `no WAMR tree at ${dir}`,
      fix: WAMR_FIX(dir),
    });
  }

  checks.push(cmake, ninja, dtc, gperf);

  if (python === null) {
    checks.push({
      id: "python",
      label: "python3 + Zephyr modules",
      status: "missing",
      required: true,
      neededFor: build,
      detail: "python3 is not on PATH",
      fix: apt("python3", ...ZEPHYR_PYTHON_MODULES.map((m) => m.debian)),
    });
  } else if (python.missingModules.length > 0) {
    const packages = ZEPHYR_PYTHON_MODULES.filter((m) => python.missingModules.includes(m.module)).map((m) => m.debian);
    checks.push({
      id: "python",
      label: "python3 + Zephyr modules",
      status: "missing",
      required: true,
      neededFor: build,
      path: python.path,
      ...(python.version ? { version: python.version } : {}),
      detail: `${python.path} lacks ${python.missingModules.join(", ")}`,
      fix: `${apt(...packages)} (Zephyr needs Debian's /usr/bin/python3 with them, not a pyenv/venv python)`,
    });
  } else {
    checks.push({
      id: "python",
      label: "python3 + Zephyr modules",
      status: "ok",
      required: true,
      neededFor: build,
      path: python.path,
      ...(python.version ? { version: python.version } : {}),
      ...(python.notFirst
        ? {
            detail: `the first python3 on PATH lacks Zephyr's modules; builds pass -DPython3_EXECUTABLE=${python.path}`,
          }
        : {}),
    });
  }

  let selected: SelectedToolchain | null = null;
  const boards = forBoard ? [board] : uniqueFamilies(options.boards ?? []);
  for (const b of boards) {
    const result = await toolchainCheck(b, env, options.toolchain, forBoard);
    checks.push(forBoard ? result.check : { ...result.check, label: `${b.family} toolchain (e.g. ${b.id})` });
    if (forBoard) selected = result.selected;
    if (result.selected?.kind === "gnu" && b.family === "mips")
      checks.push(await mipsSoftFloatCheck(result.selected.compiler, env, forBoard));
    if (forBoard && isEspressif(b) && result.selected?.kind !== "zephyr-sdk" && python?.missingModules.length === 0)
      checks.push(await esptoolPythonCheck(python.path, env, true));
  }

  // The C library the toolchain links (Zephyr's newlib/picolibc choice needs its libc.a).
  if (forBoard && selected?.kind === "gnu") checks.push(await libcCheck(board, selected.compiler, env));

  // The board's Zephyr modules (cmsis, hal_stm32, …) by west project name, where west puts them.
  let modules: Record<string, string> | null = null;
  let missingModules: MissingModule[] = [];
  if (forBoard && zephyr.found && board.modules.length > 0) {
    const topdir = zephyr.found.westTopdir ?? path.dirname(zephyr.found.base);
    const lookup = await findModules(zephyr.found.base, topdir, board.modules);
    missingModules = [...lookup.missing];
    if (lookup.missing.length === 0) modules = Object.fromEntries(lookup.found);
    checks.push(
      lookup.missing.length === 0
        ? {
            id: "modules",
            label: `Zephyr modules (${board.modules.join(", ")})`,
            status: "ok",
            required: true,
            neededFor: build,
            detail: [...lookup.found].map(([name, dir]) => `${name}: ${dir}`).join(", "),
          }
        : {
            id: "modules",
            label: `Zephyr modules (${board.modules.join(", ")})`,
            status: "missing",
            required: true,
            neededFor: build,
            detail: lookup.missing
              .map((m) =>
                m.expected
                  ? `${m.name} not at ${path.join(topdir, m.expected.path)} (its path in Zephyr's west.yml)`
                  : `${m.name} is not a project of Zephyr's west.yml and not under ${path.join(topdir, "modules")}`,
              )
              .join("; "),
            fix: modulesFix(topdir, lookup.missing),
          },
    );
  }

  const emulators = new Set<string>();
  // native_sim's "emulator" is the built program (zephyr.exe): nothing to install.
  for (const b of forBoard ? [board] : (options.boards ?? []))
    if (b.emulator?.[0] && b.emulator[0] !== "zephyr.exe") emulators.add(b.emulator[0]);
  for (const exe of emulators) {
    checks.push(
      await toolCheck(env, {
        id: `emulator:${exe}`,
        exe,
        label: `emulator ${exe}`,
        args: ["--version"],
        pattern: /version (\d[\w.]*)/,
        package: EMULATOR_PACKAGES[exe] ?? "qemu-system",
        required: forBoard,
        neededFor: ["emulate"],
      }),
    );
  }

  const ok = checks.every((c) => !c.required || c.status === "ok");
  return {
    ok,
    board: board?.id ?? null,
    checks,
    zephyr: zephyr.found,
    wamrDir: wamr?.found ? wamr.dir : null,
    west,
    python: python && python.missingModules.length === 0 ? python.path : null,
    toolchain: selected,
    modules,
    missingModules,
    boardStatus: board ? { status: board.status, evidence: board.evidence } : null,
  };
}

/**
 * The C library a GNU toolchain build links. The generated prj.conf leaves Zephyr's default:
 * picolibc where the toolchain has it (the Zephyr SDK), else Zephyr's own minimal libc, which
 * needs nothing from the toolchain. A board file that selects CONFIG_NEWLIB_LIBC or
 * CONFIG_PICOLIBC needs the toolchain's copy, which Debian packages apart from the compiler
 * (libnewlib-arm-none-eabi, picolibc-riscv64-unknown-elf). The compiler names the file it would
 * link, or echoes the bare name when it has none.
 */
async function libcCheck(board: FirmwareBoard, compiler: string, env: Env): Promise<DoctorCheck> {
  const wants = board.kconfig.some((l) => /^CONFIG_NEWLIB_LIBC=y$/.test(l.trim()))
    ? "newlib"
    : board.kconfig.some((l) => /^CONFIG_PICOLIBC=y$/.test(l.trim()))
      ? "picolibc"
      : null;
  const base = {
    id: "libc",
    label: "C library (newlib/picolibc)",
    required: wants !== null,
    neededFor: ["build"] as Need[],
  };
  const where = async (file: string): Promise<string | null> => {
    const printed = await versionOf(compiler, [`-print-file-name=${file}`], /^(\S+)$/m, env);
    return printed !== null && path.isAbsolute(printed) ? printed : null;
  };
  const [newlib, picolibc] = await Promise.all([where("libc.a"), where("picolibc.specs")]);
  const found = [newlib ? "newlib" : null, picolibc ? "picolibc" : null].filter((x): x is string => x !== null);
  const uses =
    wants === null ? "the build uses Zephyr's minimal libc (the board selects no toolchain C library)" : null;
  if (wants === null ? found.length > 0 : found.includes(wants)) {
    return {
      ...base,
      status: "ok",
      path: (wants === "picolibc" ? picolibc : (newlib ?? picolibc))!,
      detail: [found.join(" + "), uses].filter(Boolean).join("; "),
    };
  }
  const packages = (board.gnu?.packages ?? []).filter((p) => /newlib|picolibc/.test(p));
  return {
    ...base,
    status: "missing",
    detail: [`${path.basename(compiler)} finds no ${wants ?? "newlib (libc.a) nor picolibc (picolibc.specs)"}`, uses]
      .filter(Boolean)
      .join("; "),
    fix: packages.length > 0 ? apt(...packages) : `install the toolchain's ${wants ?? "newlib or picolibc"} package`,
  };
}

/** One board per architecture family, for the board-less overview. */
function uniqueFamilies(boards: readonly FirmwareBoard[]): FirmwareBoard[] {
  const seen = new Map<string, FirmwareBoard>();
  for (const b of boards) if (!seen.has(b.family)) seen.set(b.family, b);
  return [...seen.values()];
}

/** The problems that block `need` (for build errors that repeat doctor's message). */
export function blocking(report: DoctorReport, need: Need): DoctorCheck[] {
  return report.checks.filter((c) => c.required && c.status !== "ok" && c.neededFor.includes(need));
}
