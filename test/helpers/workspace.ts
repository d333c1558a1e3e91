import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A directory that looks like a Zephyr 3.7.1 workspace to ocre's checks: a zephyr/ tree with its
 * VERSION file, WAMR's sources, and the Zephyr modules named in `modules` (west project name →
 * module.yml `name:`) under modules/hal/. Nothing in it builds.
 */
export async function fakeWorkspace(
  root: string,
  modules: readonly string[] = ["cmsis"],
): Promise<{ zephyr: string; wamr: string }> {
  const zephyr = path.join(root, "zephyr");
  await mkdir(path.join(zephyr, "cmake", "modules"), { recursive: true });
  await writeFile(
    path.join(zephyr, "VERSION"),
    "VERSION_MAJOR = 3\nVERSION_MINOR = 7\nPATCHLEVEL = 1\nVERSION_TWEAK = 0\nEXTRAVERSION =\n",
  );
  const wamr = path.join(root, "modules", "lib", "wasm-micro-runtime");
  await mkdir(path.join(wamr, "build-scripts"), { recursive: true });
  await writeFile(path.join(wamr, "build-scripts", "runtime_lib.cmake"), "# placeholder\n");
  for (const name of modules) {
    const dir = path.join(root, "modules", "hal", name, "zephyr");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "module.yml"), `name: ${name}\n`);
  }
  return { zephyr, wamr };
}
