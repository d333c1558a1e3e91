import { createWriteStream, type WriteStream } from "node:fs";
import { access, chmod, mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { OcreError } from "../errors.js";
import { findBoard } from "../boards/catalog.js";
import type { BuildPlan } from "../config/plan.js";
import type { BoardReport } from "../generate/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import { describeArtifact, type Artifact } from "./artifacts.js";
import { firmwareBoard, type FirmwareBoard } from "./board.js";
import { blocking, runDoctor, type DoctorReport, type ToolchainKind } from "./doctor/doctor.js";
import type { Env } from "./doctor/probe.js";
import { parseElf } from "./elf.js";
import type { MissingModule } from "./modules.js";
import { measureElf, type SizeReport } from "./size.js";
import { formatSize } from "./size-format.js";
import { toolchainEnvironment } from "./toolchain.js";

/**
 * `ocre build --firmware`: builds each generated build/<board>/ project into a flashable image.
 * `west build` when west is installed, else CMake + ninja against ZEPHYR_BASE (what west runs
 * underneath). The CMake build tree is build/.ocre-cmake/<board>/ (a cache kept across builds,
 * not an output; its source is the project's stable staging path, see cli/pipeline/outputs.ts).
 * ocre copies zephyr.elf/.bin/.hex and build.log into build/<board>/firmware/, then measures the
 * ELF.
 */

export interface FirmwareOptions {
  /** Environment for doctor and the build (tests pass their own). */
  readonly env?: Env;
}

export interface FirmwareLogger {
  info(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
  /** One-line progress (rewritten in place on a TTY); optional. */
  progress?(line: string): void;
  /** Draw size bars (a human watches a terminal). */
  readonly bars?: boolean;
}

/** What the firmware stage needs of a generated project (generateProjects' report has it). */
export type GeneratedProjects = Readonly<Record<string, Pick<BoardReport, "dir" | "zephyr">>>;

export interface FirmwareBoardReport {
  readonly board: string;
  readonly zephyrBoard: string;
  readonly zephyrVersion: string | null;
  readonly builder: "west" | "cmake";
  readonly toolchain: { readonly kind: ToolchainKind; readonly variant: string; readonly compiler: string };
  /** The CMake build tree, relative to the output folder (.ocre-cmake/<board>). */
  readonly buildDir: string;
  /** build.log, relative to the output folder (<board>/firmware/build.log). */
  readonly log: string;
  readonly durationMs: number;
  readonly artifacts: readonly Artifact[];
  readonly size: SizeReport;
}

/** The `firmware` section of build/report.json, keyed by board id. */
export type FirmwareReport = Record<string, FirmwareBoardReport>;

const silent: FirmwareLogger = { info: () => {}, warn: () => {}, debug: () => {} };

/** Doctor's verdict as a build error: the same items, details and fixes. */
export function prerequisiteError(board: FirmwareBoard, report: DoctorReport): OcreError {
  const problems = blocking(report, "build");
  return new OcreError(
    "OCRE_FIRMWARE_PREREQ",
    `cannot build firmware for ${board.id}: ${problems.map((p) => `${p.label} ${p.status === "missing" ? "missing" : "has the wrong version"}`).join(", ")}`,
    {
      details: problems.flatMap((p) => [
        `  ${p.label}: ${p.detail ?? p.status}`,
        ...(p.fix ? [`    fix: ${p.fix}`] : []),
      ]),
      hint: `\`ocre doctor --board ${board.id}\` checks everything a firmware build needs`,
    },
  );
}

/** The first compiler/linker/CMake error of a failed build log, with a line or two of context. */
export function firstError(log: string): string[] {
  const lines = log.split("\n");
  // Zephyr turns Kconfig warnings (an undefined symbol in prj.conf) into a configure error: the
  // warnings say what is wrong, the CMake error only that it failed.
  if (lines.some((l) => /^error: Aborting due to Kconfig warnings/.test(l))) {
    const warnings = lines.filter((l) => /: warning: /.test(l)).slice(0, 3);
    return [...warnings, "error: Aborting due to Kconfig warnings"];
  }
  const patterns = [
    /region `?[\w.]+'? overflowed by \d+ bytes/,
    /will not fit in region/,
    /: (fatal )?error: /,
    /^CMake Error/,
    /undefined reference to/,
    /^FAILED: /,
    /error:/i,
  ];
  for (const pattern of patterns) {
    const index = lines.findIndex((l) => pattern.test(l));
    if (index >= 0)
      return lines
        .slice(index, index + (pattern.source.startsWith("^CMake") ? 4 : 2))
        .map((l) => l.trimEnd())
        .filter((l) => l !== "");
  }
  return lines.filter((l) => l.trim() !== "").slice(-3);
}

/** `region 'FLASH' overflowed by N bytes`: the image does not fit the board at link time. */
export function linkOverflow(log: string): { region: string; bytes: number | null }[] {
  const found = new Map<string, number | null>();
  for (const m of log.matchAll(/region `?([\w.]+)'? overflowed by (\d+) bytes/g)) found.set(m[1]!, Number(m[2]));
  // When one output section alone is too big, ld may only say that it "will not fit".
  for (const m of log.matchAll(/will not fit in region `?([\w.]+)'?/g)) if (!found.has(m[1]!)) found.set(m[1]!, null);
  return [...found].map(([region, bytes]) => ({ region, bytes }));
}

/** The board needs modules the workspace lacks: where west would put each, and how to get it. */
export function missingModulesError(
  board: FirmwareBoard,
  topdir: string,
  missing: readonly MissingModule[],
): OcreError {
  const names = missing.map((m) => m.name);
  const plural = missing.length > 1;
  const scanned = path.join(topdir, "modules");
  return new OcreError(
    "OCRE_FIRMWARE_MODULES",
    `${board.zephyrBoard} needs the Zephyr module${plural ? "s" : ""} ${names.join(", ")}, not found in the workspace ${topdir}`,
    {
      details: missing.flatMap((m) => {
        if (!m.expected) return [`  ${m.name}: not a project of Zephyr's west.yml, and not under ${scanned}`];
        const dir = path.join(topdir, m.expected.path);
        return [
          `  ${m.name}: not at ${dir} (its path in Zephyr's west.yml), nor elsewhere under ${scanned}`,
          ...(m.expected.url
            ? [
                `    without west: git clone ${m.expected.url} ${dir}${m.expected.revision ? ` && git -C ${dir} checkout ${m.expected.revision}` : ""}`,
              ]
            : []),
        ];
      }),
      hint: `\`west update ${names.join(" ")}\` fetches ${plural ? "them" : "it"}${missing.some((m) => m.expected?.url) ? " (or clone as shown)" : ""}`,
    },
  );
}

interface Step {
  command: string;
  args: string[];
  label: string;
}

async function run(
  step: Step,
  env: Record<string, string>,
  cwd: string,
  log: WriteStream,
  progress: (line: string) => void,
): Promise<{ ok: boolean; output: string }> {
  log.write(`\n$ ${[step.command, ...step.args].join(" ")}\n`);
  const child = execa(step.command, step.args, {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    all: true,
    buffer: false,
    stdin: "ignore",
  });
  let output = "";
  let pending = "";
  child.all?.setEncoding("utf8");
  child.all?.on("data", (chunk: string) => {
    log.write(chunk);
    output += chunk;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      // ninja: "[12/345] Building C object ..."
      const m = /^\[(\d+)\/(\d+)\]\s+(.*)$/.exec(line);
      if (m) progress(`${step.label} [${m[1]}/${m[2]}] ${m[3]!.replace(/ (object|file) .*\//, " $1 ")}`);
    }
  });
  const result = await child;
  return { ok: result.exitCode === 0, output };
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function cmakeCacheBoard(cache: string): string | null {
  return /^BOARD:\w+=(.*)$/m.exec(cache)?.[1]?.trim() ?? null;
}

/** Builds one generated project. */
async function buildBoard(
  boardId: string,
  projectDir: string,
  generatedZephyr: string,
  plan: BuildPlan,
  options: FirmwareOptions,
  logger: FirmwareLogger,
): Promise<FirmwareBoardReport> {
  const started = Date.now();
  const env: Env = options.env ?? process.env;
  const catalogBoard = findBoard(plan.catalog, boardId).board;
  let board = firmwareBoard(catalogBoard, generatedZephyr.replace(/^v/, ""));
  const doctor = await runDoctor({
    board,
    cwd: projectDir,
    env,
    ...(plan.firmware.toolchain ? { toolchain: plan.firmware.toolchain } : {}),
  });
  // A tree of another Zephyr version is the first thing to say: the project must be regenerated.
  const workspaceVersion = doctor.zephyr?.version ?? null;
  const wanted = generatedZephyr.replace(/^v/, "").split(".").slice(0, 2).join(".");
  if (workspaceVersion !== null && workspaceVersion.split(".").slice(0, 2).join(".") !== wanted) {
    throw new OcreError(
      "OCRE_FIRMWARE_ZEPHYR_MISMATCH",
      `the project for ${board.id} was generated for Zephyr ${wanted}, but ${doctor.zephyr!.base} is Zephyr ${workspaceVersion}`,
      {
        hint: `regenerate for that tree: ocre build --firmware --board ${board.id} --zephyr ${workspaceVersion.split(".").slice(0, 2).join(".")}`,
      },
    );
  }
  // Doctor's check list is the build's: whatever it reports missing stops the build here.
  const problems = blocking(doctor, "build");
  if (problems.length === 1 && problems[0]!.id === "modules" && doctor.zephyr)
    throw missingModulesError(
      board,
      doctor.zephyr.westTopdir ?? path.dirname(doctor.zephyr.base),
      doctor.missingModules,
    );
  if (problems.length > 0 || !doctor.zephyr || !doctor.toolchain || !doctor.python)
    throw prerequisiteError(board, doctor);
  for (const c of doctor.checks) if (c.warning && c.required) logger.warn(`${board.id}: ${c.warning}`);

  if (workspaceVersion !== null) board = firmwareBoard(catalogBoard, workspaceVersion);

  // The CMake tree is a cache outside the staged outputs; the images and the log are outputs.
  const fwDir = path.join(plan.workDir, board.id);
  const outDir = path.join(projectDir, "firmware");
  await mkdir(fwDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  const logPath = path.join(fwDir, "build.log");
  const log = createWriteStream(logPath);
  const progress = (line: string): void =>
    logger.progress ? logger.progress(`${board.id}: ${line}`) : logger.debug(`${board.id}: ${line}`);

  const toolchainEnv = await toolchainEnvironment(board, doctor.toolchain, fwDir, env);
  const buildEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) buildEnv[k] = v;
  Object.assign(buildEnv, toolchainEnv, { ZEPHYR_BASE: doctor.zephyr.base });
  // Intel HEX is what most programmers take; Zephyr makes it by default only for some boards.
  const cmakeDefs = [
    `-DPython3_EXECUTABLE=${doctor.python}`,
    "-DCONFIG_BUILD_OUTPUT_HEX=y",
    ...(doctor.wamrDir ? [`-DOCRE_WAMR_DIR=${doctor.wamrDir}`] : []),
    // A board that selects picolibc (ESP32-C3: hal_espressif needs its sys/param.h) gets the
    // toolchain's copy (Debian's picolibc-riscv64-unknown-elf, which doctor's C library check
    // found): Zephyr assumes a toolchain picolibc only for its own SDK.
    ...(doctor.toolchain.kind === "gnu" && board.kconfig.includes("CONFIG_PICOLIBC=y")
      ? ["-DTOOLCHAIN_HAS_PICOLIBC=y"]
      : []),
  ];

  // A build tree configured for another board cannot be reused.
  const cachePath = path.join(fwDir, "CMakeCache.txt");
  const cache = await readFile(cachePath, "utf8").catch(() => null);
  const pristine = cache !== null && cmakeCacheBoard(cache) !== board.zephyrBoard;

  const builder: "west" | "cmake" = doctor.west ? "west" : "cmake";
  let steps: Step[];
  if (builder === "west") {
    steps = [
      {
        command: doctor.west!,
        args: [
          "build",
          "-b",
          board.zephyrBoard,
          "-d",
          fwDir,
          ...(pristine ? ["-p", "always"] : []),
          projectDir,
          "--",
          ...cmakeDefs,
        ],
        label: "west build",
      },
    ];
  } else {
    const available = doctor.modules ?? {};
    // Without west, Zephyr processes modules (the project's EXTRA_ZEPHYR_MODULES included) only
    // when ZEPHYR_MODULES is given: always pass it, with the project's own copy of the ocre
    // module (Zephyr keys modules by name, so listing it twice is harmless).
    const ocreModule = path.join(projectDir, "modules", "ocre", "zephyr-module");
    const modules = [...board.modules.map((m) => available[m]!), ...((await exists(ocreModule)) ? [ocreModule] : [])];
    if (pristine) await rm(cachePath, { force: true });
    steps = [
      {
        command: "cmake",
        args: [
          "-G",
          "Ninja",
          "-S",
          projectDir,
          "-B",
          fwDir,
          `-DBOARD=${board.zephyrBoard}`,
          ...(modules.length > 0 ? [`-DZEPHYR_MODULES=${modules.join(";")}`] : []),
          ...cmakeDefs,
        ],
        label: "configure",
      },
      { command: "ninja", args: ["-C", fwDir], label: "build" },
    ];
  }

  logger.info(
    `building firmware for ${board.id} (${board.zephyrBoard}) with ${builder === "west" ? "west" : "CMake + ninja"}, ${doctor.toolchain.kind} toolchain (${doctor.toolchain.variant})`,
  );
  let combined = "";
  try {
    log.write(
      `ocre firmware build for ${board.zephyrBoard}\nZEPHYR_BASE=${doctor.zephyr.base}\n${Object.entries(toolchainEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\n`,
    );
    for (const step of steps) {
      progress(step.label);
      const result = await run(step, buildEnv, projectDir, log, progress);
      combined += result.output;
      if (!result.ok) {
        const over = linkOverflow(combined);
        if (over.length > 0) {
          throw new OcreError(
            "OCRE_FIRMWARE_TOO_BIG",
            `the firmware for ${board.id} does not fit: ${over.map((o) => (o.bytes === null ? `${o.region} is too small` : `${o.region} overflowed by ${o.bytes} bytes`)).join(", ")}`,
            {
              details: [
                `board ${board.id}: ${board.flashBytes / 1024} KB flash, ${board.ramBytes / 1024} KB RAM`,
                ...firstError(combined).map((l) => `  ${l}`),
              ],
              hint: `lower memory.maxPages / memory.heap / memory.stack in ocre.yaml or the WAMR heap pool, or pick a larger board; full log: ${logPath}`,
            },
          );
        }
        throw new OcreError("OCRE_FIRMWARE_BUILD", `firmware build for ${board.id} failed (${step.label})`, {
          details: firstError(result.output).map((l) => `  ${l}`),
          hint: `full log: ${logPath}`,
        });
      }
    }
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }

  const zephyrOut = path.join(fwDir, "zephyr");
  const artifacts: Artifact[] = [];
  const relative = (a: Artifact): Artifact => ({ ...a, path: path.relative(plan.outDir, a.path) });
  // exe: native_sim's Linux program (what `ocre emulate` runs there).
  for (const ext of ["elf", "bin", "hex", "exe"]) {
    const source = path.join(zephyrOut, `zephyr.${ext}`);
    const exists = await access(source).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    const target = path.join(outDir, `zephyr.${ext}`);
    await writeFileAtomic(target, await readFile(source));
    if (ext === "exe") await chmod(target, 0o755);
    artifacts.push(relative(await describeArtifact(ext, target)));
  }
  const elfPath = path.join(outDir, "zephyr.elf");
  if (!artifacts.some((a) => a.kind === "elf")) {
    throw new OcreError(
      "OCRE_FIRMWARE_BUILD",
      `the build for ${board.id} finished without ${path.join(zephyrOut, "zephyr.elf")}`,
      { hint: `full log: ${logPath}`, exitCode: 2 },
    );
  }
  const size = measureElf(parseElf(await readFile(elfPath), elfPath), {
    flashBytes: board.flashBytes,
    ramBytes: board.ramBytes,
  });
  logger.info(`${board.id}: firmware ${board.id}/firmware/zephyr.elf`);
  for (const line of formatSize(size, { bars: logger.bars === true })) logger.info(`  ${line}`);
  const tooBig = [size.flash, size.ram].filter((r) => r.total !== null && r.used > r.total);
  if (tooBig.length > 0) {
    throw new OcreError("OCRE_FIRMWARE_TOO_BIG", `the firmware for ${board.id} does not fit the board`, {
      details: formatSize(size, { bars: false }),
      hint: "lower memory.maxPages / memory.heap / memory.stack in ocre.yaml or the WAMR heap pool, or pick a larger board",
    });
  }
  const outLog = path.join(outDir, "build.log");
  await writeFileAtomic(outLog, await readFile(logPath));
  artifacts.push(relative(await describeArtifact("log", outLog)));
  return {
    board: board.id,
    zephyrBoard: board.zephyrBoard,
    zephyrVersion: workspaceVersion,
    builder,
    toolchain: { kind: doctor.toolchain.kind, variant: doctor.toolchain.variant, compiler: doctor.toolchain.compiler },
    // Relative to the output folder (workDir's parent; plan.outDir is its staging folder now).
    buildDir: path.relative(path.dirname(plan.workDir), fwDir),
    log: path.relative(plan.outDir, outLog),
    durationMs: Date.now() - started,
    artifacts,
    size,
  };
}

/**
 * The `--firmware` stage: builds every project `generateProjects` wrote (folders relative to
 * plan.outDir), in order, and returns the `firmware` section of report.json. Throws an
 * OcreError (exit 1) on the first failure.
 */
export async function buildFirmware(
  boards: GeneratedProjects,
  plan: BuildPlan,
  options: FirmwareOptions = {},
  logger: FirmwareLogger = silent,
): Promise<FirmwareReport> {
  const report: FirmwareReport = {};
  for (const [id, generated] of Object.entries(boards)) {
    const dir = path.resolve(plan.outDir, generated.dir);
    report[id] = await buildBoard(id, dir, generated.zephyr, plan, options, logger);
  }
  return report;
}
