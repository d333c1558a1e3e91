import { execa } from "execa";
import { createHash } from "node:crypto";
import { access, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { OcreError } from "../../errors.js";
import type { Env } from "../doctor/probe.js";
import { shellQuote, writeWrapperSet } from "./wrappers.js";

/**
 * Debian's MIPS cross compilers (gcc-mips-linux-gnu, gcc-mipsel-linux-gnu) target Linux. For a
 * bare-metal Zephyr image three things need handling (issue 15, docs/boards.md):
 * 1. Zephyr asks `--print-file-name=include-fixed/limits.h` (GCC < 13); Debian's cross GCC 12
 *    keeps limits.h in include/. The wrapper answers with the include/ path.
 * 2. The compiler defaults to abicalls/PIC: `-mno-abicalls -fno-pic -fno-pie -no-pie`.
 * 3. Its libgcc is hard-float (its __adddf3 is an FPU add.d; the 24Kc has no FPU) and has no
 *    soft-float multilib. ocre compiles libgcc's soft-fp routines for the sf/df modes from
 *    Debian's gcc-<major>-source package and substitutes them in a copy of libgcc.a, cached
 *    per machine under $XDG_CACHE_HOME/ocre/toolchains/. Nothing of GCC is in ocre's repository.
 */

/** libgcc's soft-fp function list for sf/df with si/di conversions (libgcc/config/t-softfp). */
export const SOFTFP_FUNCTIONS: readonly string[] = (() => {
  const list: string[] = [];
  for (const m of ["sf", "df"]) {
    for (const f of ["add", "div", "mul", "sub"]) list.push(`${f}${m}3`);
    for (const f of ["eq", "ge", "le", "neg", "unord"]) list.push(`${f}${m}2`);
    for (const i of ["si", "di"]) list.push(`fix${m}${i}`, `fixuns${m}${i}`, `float${i}${m}`, `floatun${i}${m}`);
  }
  list.push("extendsfdf2", "truncdfsf2");
  return list;
})();

/** Flags for the soft-fp objects: what Zephyr's MIPS code uses (target_mips.cmake), not PIC. */
const SOFTFP_CFLAGS = ["-O2", "-msoft-float", "-mno-abicalls", "-fno-pic", "-G0", "-mno-gpopt", "-march=mips32"];

/** Flags every compile and link gets through the wrapper. */
export const MIPS_BARE_METAL_FLAGS = ["-mno-abicalls", "-fno-pic", "-fno-pie", "-no-pie"];

export interface MipsSoftFloat {
  /** The cached libgcc.a with soft-float sf/df routines. */
  readonly libgcc: string;
  readonly cacheDir: string;
  /** The GCC source archive it was (or will be) built from. */
  readonly source: string | null;
  readonly gccVersion: string;
  /** Whether the cache already holds it. */
  readonly ready: boolean;
}

function cacheRoot(env: Env): string {
  const xdg = env.XDG_CACHE_HOME;
  return path.join(
    xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME ?? os.homedir(), ".cache"),
    "ocre",
    "toolchains",
  );
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The gcc-<major>-source archive (/usr/src/gcc-12/gcc-12.2.0-dfsg.tar.xz), or null. */
async function findGccSource(major: string, env: Env): Promise<string | null> {
  const dir = path.join(env.OCRE_GCC_SOURCE_DIR ?? "/usr/src", `gcc-${major}`);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const archive = entries.find((e) => new RegExp(`^gcc-${major}[\\d.]*(-dfsg)?\\.tar\\.(xz|gz|bz2)$`).test(e));
  return archive ? path.join(dir, archive) : null;
}

async function gccVersion(compiler: string, env: Env): Promise<string> {
  const { stdout } = await execa(compiler, ["-dumpfullversion"], { env, extendEnv: false });
  return stdout.trim();
}

/** Where the soft-float libgcc for `compiler` lives (or will) and whether it is there. */
export async function probeMipsSoftFloat(compiler: string, env: Env): Promise<MipsSoftFloat> {
  const version = await gccVersion(compiler, env);
  const triple = path.basename(compiler).replace(/-gcc(-[\d.]+)?$/, "");
  const { stdout: realLibgcc } = await execa(compiler, ["-print-libgcc-file-name"], { env, extendEnv: false });
  // Keyed by the original libgcc's content: a GCC update makes a new entry.
  const digest = createHash("sha256")
    .update(await readFile(realLibgcc.trim()))
    .digest("hex")
    .slice(0, 12);
  const cacheDir = path.join(cacheRoot(env), `${triple}-gcc${version}-softfp-${digest}`);
  const libgcc = path.join(cacheDir, "libgcc.a");
  return {
    libgcc,
    cacheDir,
    source: await findGccSource(version.split(".")[0]!, env),
    gccVersion: version,
    ready: await exists(libgcc),
  };
}

/** The doctor fix for a missing soft-float libgcc. */
export function softFloatFix(gccVer: string): string {
  return `apt-get install gcc-${gccVer.split(".")[0]}-source (ocre then builds the soft-float libgcc once per machine, about a minute)`;
}

/**
 * Builds the soft-float libgcc into the cache if it is not there. Returns its path. Runs the
 * compiler 36 times and ar a few times; the archive is written to a temp dir and renamed into
 * place, so an interrupted build leaves nothing half-made.
 */
export async function prepareMipsSoftFloat(compiler: string, env: Env): Promise<string> {
  const probe = await probeMipsSoftFloat(compiler, env);
  if (probe.ready) return probe.libgcc;
  if (probe.source === null) {
    throw new OcreError(
      "OCRE_FIRMWARE_PREREQ",
      `Debian's ${path.basename(compiler)} has no soft-float libgcc, and the GCC ${probe.gccVersion} source to build one is not installed`,
      { hint: softFloatFix(probe.gccVersion) },
    );
  }
  const prefix = compiler.replace(/gcc(-[\d.]+)?$/, "");
  const run = (cmd: string, args: string[], cwd?: string) =>
    execa(cmd, args, { env, extendEnv: false, ...(cwd ? { cwd } : {}) });
  await mkdir(path.dirname(probe.cacheDir), { recursive: true });
  const work = await mkdtemp(path.join(path.dirname(probe.cacheDir), ".softfp-"));
  try {
    // Only libgcc's soft-fp sources, its MIPS sfp-machine.h and longlong.h are needed.
    await run("tar", [
      "-xf",
      probe.source,
      "-C",
      work,
      "--wildcards",
      "--no-anchored",
      "libgcc/soft-fp/*",
      "libgcc/config/mips/sfp-machine.h",
      "include/longlong.h",
    ]);
    const top = (await readdir(work)).find((e) => e.startsWith("gcc-"));
    if (!top) throw new OcreError("OCRE_FIRMWARE_PREREQ", `${probe.source} holds no gcc-* tree`, { exitCode: 2 });
    const libgccSrc = path.join(work, top, "libgcc");
    const objDir = path.join(work, "obj");
    await mkdir(objDir);
    const includes = [
      "-I",
      path.join(libgccSrc, "config/mips"),
      "-I",
      path.join(libgccSrc, "soft-fp"),
      "-I",
      libgccSrc,
    ];
    includes.push("-I", path.join(work, top, "include"));
    const objects: string[] = [];
    for (const fn of SOFTFP_FUNCTIONS) {
      const obj = path.join(objDir, `${fn}.o`);
      await run(compiler, [...SOFTFP_CFLAGS, ...includes, "-c", path.join(libgccSrc, "soft-fp", `${fn}.c`), "-o", obj]);
      objects.push(obj);
    }
    // Drop every member of the hard-float libgcc that defines one of the new symbols.
    const { stdout: defined } = await run(`${prefix}nm`, ["--defined-only", "-g", ...objects]);
    const symbols = new Set([...defined.matchAll(/^[0-9a-f]+ [TDR] (\S+)$/gm)].map((m) => m[1]!));
    const { stdout: realLibgcc } = await run(compiler, ["-print-libgcc-file-name"]);
    const archive = path.join(work, "libgcc.a");
    await copyFile(realLibgcc.trim(), archive);
    const { stdout: members } = await run(`${prefix}nm`, ["-A", "--defined-only", "-g", archive]);
    const replaced = new Set<string>();
    for (const m of members.matchAll(/^[^:]+:([^:]+):[0-9a-f]+ [TDR] (\S+)$/gm))
      if (symbols.has(m[2]!)) replaced.add(m[1]!);
    if (replaced.size > 0) await run(`${prefix}ar`, ["d", archive, ...replaced]);
    await run(`${prefix}ar`, ["rs", archive, ...objects]);
    await mkdir(probe.cacheDir, { recursive: true });
    await writeFile(
      path.join(probe.cacheDir, "README"),
      `Written by ocre: ${realLibgcc.trim()} with ${SOFTFP_FUNCTIONS.length} soft-fp routines from ${probe.source}\n` +
        `(${SOFTFP_CFLAGS.join(" ")}) replacing ${replaced.size} hard-float members. Safe to delete.\n`,
    );
    await rename(archive, probe.libgcc);
    return probe.libgcc;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A POSIX sh wrapper around Debian's MIPS gcc for bare-metal Zephyr (see the module comment). */
function mipsWrapper(real: string, libgcc: string): string {
  return `#!/bin/sh
# Written by ocre: Debian's ${path.basename(real)} targets Linux; this makes it build bare-metal
# Zephyr images (no PIC/abicalls, include-fixed answer, soft-float libgcc). See docs/boards.md.
for arg in "$@"; do
	case "$arg" in
	-print-file-name=include-fixed/limits.h | --print-file-name=include-fixed/limits.h)
		exec ${shellQuote(real)} --print-file-name=include/limits.h
		;;
	-print-libgcc-file-name | --print-libgcc-file-name)
		echo ${shellQuote(libgcc)}
		exit 0
		;;
	esac
done
exec ${shellQuote(real)} ${MIPS_BARE_METAL_FLAGS.join(" ")} "$@"
`;
}

/**
 * Writes the compiler wrappers for Debian's MIPS toolchain into `dir` (every other tool of the
 * prefix is a symlink), building the soft-float libgcc first if the cache lacks it. Returns the
 * CROSS_COMPILE prefix to use.
 */
export async function mipsWrappers(prefix: string, dir: string, env: Env): Promise<string> {
  const libgcc = await prepareMipsSoftFloat(`${prefix}gcc`, env);
  return writeWrapperSet(prefix, dir, (real) => mipsWrapper(real, libgcc));
}
