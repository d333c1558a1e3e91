import { chmod, mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";

/** The compiler drivers a toolchain quirk is fixed in front of; the other tools are linked as they are. */
const WRAPPED = ["gcc", "g++", "c++", "cpp"];

/** `s` as one single-quoted POSIX sh word. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * Writes a wrapper set for the toolchain `prefix` (e.g. /usr/bin/riscv64-unknown-elf-) into `dir`:
 * the compiler drivers get the sh script `script(realPath)`, every other tool of the prefix is a
 * symlink. Returns the CROSS_COMPILE prefix to use.
 */
export async function writeWrapperSet(prefix: string, dir: string, script: (real: string) => string): Promise<string> {
  const realDir = path.dirname(prefix);
  const base = path.basename(prefix);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(realDir)) {
    if (!entry.startsWith(base)) continue;
    const target = path.join(dir, entry);
    if (WRAPPED.includes(entry.slice(base.length))) {
      await writeFile(target, script(path.join(realDir, entry)));
      await chmod(target, 0o755);
    } else {
      await symlink(path.join(realDir, entry), target);
    }
  }
  return path.join(dir, base);
}
