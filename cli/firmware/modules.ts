import { access, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";

/**
 * Finding the Zephyr modules a board needs (cmsis, hal_stm32, …) in a workspace, for builds
 * that drive CMake without west. The catalog names modules by their WEST PROJECT name (what
 * the generated west.yml's name-allowlist lists); a module's own zephyr/module.yml may carry
 * another `name:` or none at all (hal_stm32's has none, and lives in modules/hal/stm32). So,
 * like west: look the project up in Zephyr's west.yml and take its path under the workspace
 * top; then fall back to a scan of <topdir>/modules/ by module.yml `name:` and folder name, for
 * workspaces laid out by hand.
 */

/** One project of Zephyr's west.yml. */
export interface WestProject {
  readonly name: string;
  /** Relative to the workspace top (west's default: the project name). */
  readonly path: string;
  readonly revision: string | null;
  /** Clone URL from the project's remote, when the manifest says. */
  readonly url: string | null;
}

export interface ModuleLookup {
  /** Module (west project) name → its directory. */
  readonly found: ReadonlyMap<string, string>;
  readonly missing: readonly MissingModule[];
}

export interface MissingModule {
  readonly name: string;
  /** Where west would put it (from Zephyr's west.yml); null when the manifest does not list it. */
  readonly expected: WestProject | null;
}

interface RawProject {
  name?: unknown;
  path?: unknown;
  revision?: unknown;
  remote?: unknown;
  "repo-path"?: unknown;
  url?: unknown;
}

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** The projects of `${zephyrBase}/west.yml`; empty when it is missing or unreadable. */
export async function westProjects(zephyrBase: string): Promise<WestProject[]> {
  const text = await readFile(path.join(zephyrBase, "west.yml"), "utf8").catch(() => null);
  if (text === null) return [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    // A broken manifest only loses the fast path; the directory scan still runs.
    return [];
  }
  const manifest = (doc as { manifest?: Record<string, unknown> } | null)?.manifest;
  if (!manifest || !Array.isArray(manifest.projects)) return [];
  const remotes = new Map<string, string>();
  if (Array.isArray(manifest.remotes)) {
    for (const r of manifest.remotes as { name?: unknown; "url-base"?: unknown }[]) {
      const name = str(r?.name);
      const base = str(r?.["url-base"]);
      if (name && base) remotes.set(name, base);
    }
  }
  const defaultRemote = str((manifest.defaults as { remote?: unknown } | undefined)?.remote);
  const projects: WestProject[] = [];
  for (const p of manifest.projects as RawProject[]) {
    const name = str(p?.name);
    if (!name) continue;
    const base = remotes.get(str(p.remote) ?? defaultRemote ?? "");
    projects.push({
      name,
      path: str(p.path) ?? name,
      revision: str(p.revision),
      url: str(p.url) ?? (base ? `${base}/${str(p["repo-path"]) ?? name}` : null),
    });
  }
  return projects;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** What Zephyr accepts as a module: zephyr/module.yml (or .yaml), or zephyr/CMakeLists.txt + Kconfig. */
async function moduleYml(dir: string): Promise<string | null> {
  for (const file of ["module.yml", "module.yaml"]) {
    const text = await readFile(path.join(dir, "zephyr", file), "utf8").catch(() => null);
    if (text !== null) return text;
  }
  if ((await exists(path.join(dir, "zephyr", "CMakeLists.txt"))) && (await exists(path.join(dir, "zephyr", "Kconfig"))))
    return "";
  return null;
}

/** Modules under <topdir>/modules/ (two levels: modules/hal/stm32), keyed by module.yml name and folder name. */
async function scanModules(modulesDir: string): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  const byFolder = new Map<string, string>();
  const visit = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const sub = path.join(dir, entry.name);
      const yml = await moduleYml(sub);
      if (yml !== null) {
        const name = /^name:\s*["']?([^\s"']+)/m.exec(yml)?.[1];
        if (name) byName.set(name, sub);
        if (!byFolder.has(entry.name)) byFolder.set(entry.name, sub);
      } else if (depth < 2) {
        await visit(sub, depth + 1);
      }
    }
  };
  await visit(modulesDir, 0);
  // A module's declared name wins over another module's folder of the same name.
  return new Map([...byFolder, ...byName]);
}

/**
 * Locates each wanted module (west project name) in the workspace at `topdir`: at its west.yml
 * path first, else by module.yml `name:` or folder name under <topdir>/modules/.
 */
export async function findModules(
  zephyrBase: string,
  topdir: string,
  wanted: readonly string[],
): Promise<ModuleLookup> {
  const projects = new Map((await westProjects(zephyrBase)).map((p) => [p.name, p]));
  const found = new Map<string, string>();
  const unresolved: string[] = [];
  for (const name of wanted) {
    const project = projects.get(name);
    const dir = project ? path.resolve(topdir, project.path) : null;
    if (dir !== null && (await moduleYml(dir)) !== null) found.set(name, dir);
    else unresolved.push(name);
  }
  const missing: MissingModule[] = [];
  if (unresolved.length > 0) {
    const scanned = await scanModules(path.join(topdir, "modules"));
    for (const name of unresolved) {
      const dir = scanned.get(name);
      if (dir !== undefined) found.set(name, dir);
      else missing.push({ name, expected: projects.get(name) ?? null });
    }
  }
  return { found, missing };
}
