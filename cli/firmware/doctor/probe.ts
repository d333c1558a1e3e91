import { access, constants, readFile, readdir, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";

/**
 * Looking at the machine: executables along PATH, their versions, Python modules, the Zephyr
 * workspace, WAMR and the Zephyr SDK. Every function takes the environment explicitly so that
 * tests (and `ocre doctor` under a custom PATH) see exactly what a build would see.
 */

export type Env = Readonly<Record<string, string | undefined>>;

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Every `name` along PATH, in PATH order (a shell runs the first). */
export async function findAllOnPath(name: string, env: Env): Promise<string[]> {
  const dirs = (env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  const found: string[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (!found.includes(file) && (await isExecutable(file))) found.push(file);
  }
  return found;
}

export async function which(name: string, env: Env): Promise<string | null> {
  return (await findAllOnPath(name, env))[0] ?? null;
}

/** Runs `exe args` and returns the first match of `pattern` (group 1) in its output, or null. */
export async function versionOf(
  exe: string,
  args: readonly string[],
  pattern: RegExp,
  env: Env,
): Promise<string | null> {
  const result = await execa(exe, args, {
    env: env as NodeJS.ProcessEnv,
    extendEnv: false,
    reject: false,
    timeout: 20_000,
    stdin: "ignore",
  });
  const text = `${String(result.stdout)}\n${String(result.stderr)}`;
  return pattern.exec(text)?.[1] ?? null;
}

/** "3.20" <= "3.25.1" */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(/[.-]/).map((p) => parseInt(p, 10) || 0);
  const b = minimum.split(/[.-]/).map((p) => parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** Python modules Zephyr's build scripts import, with the Debian package that provides each. */
export const ZEPHYR_PYTHON_MODULES: readonly { module: string; debian: string }[] = [
  { module: "elftools", debian: "python3-pyelftools" },
  { module: "pykwalify", debian: "python3-pykwalify" },
  { module: "yaml", debian: "python3-yaml" },
  { module: "packaging", debian: "python3-packaging" },
  { module: "jsonschema", debian: "python3-jsonschema" },
  { module: "dateutil", debian: "python3-dateutil" },
  // pykwalify imports ruamel.yaml, which a python3-pykwalify installed without its dependencies lacks.
  { module: "ruamel", debian: "python3-ruamel.yaml" },
];

export interface PythonProbe {
  /** The python3 to give Zephyr: the first along PATH that has every module, else the first. */
  readonly path: string;
  readonly version: string | null;
  readonly missingModules: readonly string[];
  /** True when a later python3 along PATH was picked because the first lacks modules. */
  readonly notFirst: boolean;
}

/** Finds a python3 along PATH with Zephyr's modules (pyenv shims often shadow Debian's). */
export async function probePython(env: Env): Promise<PythonProbe | null> {
  const candidates = await findAllOnPath("python3", env);
  const script = `import importlib.util, json, sys; print(json.dumps({"v": sys.version.split()[0], "missing": [m for m in ${JSON.stringify(ZEPHYR_PYTHON_MODULES.map((m) => m.module))} if importlib.util.find_spec(m) is None]}))`;
  let first: PythonProbe | null = null;
  for (const [index, candidate] of candidates.entries()) {
    const result = await execa(candidate, ["-c", script], {
      env: env as NodeJS.ProcessEnv,
      extendEnv: false,
      reject: false,
      timeout: 20_000,
      stdin: "ignore",
    });
    let parsed: { v: string; missing: string[] } | null = null;
    try {
      parsed = JSON.parse(String(result.stdout)) as { v: string; missing: string[] };
    } catch {
      parsed = null;
    }
    if (!parsed) continue;
    const probe: PythonProbe = {
      path: candidate,
      version: parsed.v,
      missingModules: parsed.missing,
      notFirst: index > 0,
    };
    if (parsed.missing.length === 0) return probe;
    first ??= probe;
  }
  return first;
}

export interface ZephyrWorkspace {
  /** The zephyr tree (ZEPHYR_BASE). */
  readonly base: string;
  /** Where it was found: the ZEPHYR_BASE variable or a west workspace (.west/config). */
  readonly source: "ZEPHYR_BASE" | "west";
  readonly westTopdir: string | null;
  /** "3.7.1", from the tree's VERSION file. */
  readonly version: string | null;
}

async function zephyrVersion(base: string): Promise<string | null> {
  try {
    const text = await readFile(path.join(base, "VERSION"), "utf8");
    const field = (key: string): string | undefined => new RegExp(`^${key}\\s*=\\s*(\\d+)`, "m").exec(text)?.[1];
    const major = field("VERSION_MAJOR");
    const minor = field("VERSION_MINOR");
    if (major === undefined || minor === undefined) return null;
    return `${major}.${minor}.${field("PATCHLEVEL") ?? "0"}`;
  } catch {
    return null;
  }
}

async function isZephyrTree(dir: string): Promise<boolean> {
  try {
    await access(path.join(dir, "VERSION"));
    await access(path.join(dir, "cmake", "modules"));
    return true;
  } catch {
    return false;
  }
}

/** The west workspace containing `dir`: the nearest ancestor with .west/config. */
async function westTopdir(dir: string): Promise<string | null> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      await access(path.join(current, ".west", "config"));
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return null;
      current = parent;
    }
  }
}

export type WorkspaceProbe = { found: ZephyrWorkspace } | { found: null; problem: string };

/** ZEPHYR_BASE first (what Zephyr's CMake itself uses), then the west workspace around `cwd`. */
export async function probeZephyr(env: Env, cwd: string): Promise<WorkspaceProbe> {
  const fromEnv = env.ZEPHYR_BASE;
  if (fromEnv !== undefined && fromEnv !== "") {
    const base = path.resolve(cwd, fromEnv);
    if (!(await isZephyrTree(base)))
      return { found: null, problem: `ZEPHYR_BASE=${fromEnv} is not a Zephyr tree (no VERSION and cmake/modules)` };
    return {
      found: { base, source: "ZEPHYR_BASE", westTopdir: await westTopdir(base), version: await zephyrVersion(base) },
    };
  }
  const topdir = await westTopdir(cwd);
  if (topdir === null)
    return {
      found: null,
      problem: "ZEPHYR_BASE is not set and no west workspace (.west/config) encloses this directory",
    };
  const config = await readFile(path.join(topdir, ".west", "config"), "utf8").catch(() => "");
  const manifestPath = /^\s*path\s*=\s*(.+)$/m.exec(config)?.[1]?.trim() ?? "zephyr";
  const candidates = [path.join(topdir, manifestPath), path.join(topdir, "zephyr")];
  for (const base of candidates) {
    if (await isZephyrTree(base))
      return { found: { base, source: "west", westTopdir: topdir, version: await zephyrVersion(base) } };
  }
  return { found: null, problem: `the west workspace ${topdir} has no zephyr tree (run \`west update\` there)` };
}

/** WAMR's source tree: OCRE_WAMR_DIR, else where west puts it next to Zephyr. */
export async function probeWamr(
  env: Env,
  zephyrBase: string | null,
  cwd: string,
): Promise<{ dir: string; found: boolean } | null> {
  const dir = env.OCRE_WAMR_DIR
    ? path.resolve(cwd, env.OCRE_WAMR_DIR)
    : zephyrBase
      ? path.resolve(zephyrBase, "..", "modules", "lib", "wasm-micro-runtime")
      : null;
  if (dir === null) return null;
  try {
    await access(path.join(dir, "build-scripts", "runtime_lib.cmake"));
    return { dir, found: true };
  } catch {
    return { dir, found: false };
  }
}

/** The Zephyr SDK: ZEPHYR_SDK_INSTALL_DIR, else the places its setup script installs to. */
export async function probeZephyrSdk(env: Env): Promise<{ dir: string; version: string | null } | null> {
  const candidates: string[] = [];
  if (env.ZEPHYR_SDK_INSTALL_DIR) candidates.push(env.ZEPHYR_SDK_INSTALL_DIR);
  const home = env.HOME ?? os.homedir();
  for (const root of [home, "/opt", "/usr/local", path.join(home, ".local")]) {
    const entries = await readdir(root).catch(() => [] as string[]);
    for (const entry of entries
      .filter((e) => e.startsWith("zephyr-sdk-"))
      .sort()
      .reverse())
      candidates.push(path.join(root, entry));
  }
  for (const dir of candidates) {
    const version = await readFile(path.join(dir, "sdk_version"), "utf8").then(
      (v) => v.trim(),
      () => null,
    );
    if (version !== null) return { dir, version };
  }
  return null;
}

/** The SDK's compiler for a toolchain triple, if installed. */
export async function sdkCompiler(sdkDir: string, triple: string): Promise<string | null> {
  const gcc = path.join(sdkDir, triple, "bin", `${triple}-gcc`);
  return (await isExecutable(gcc)) ? gcc : null;
}
