import type { DoctorCheck } from "./doctor.js";
import type { Env } from "./probe.js";
import { probeMipsSoftFloat, softFloatFix } from "../toolchains/mips-softfloat.js";

/**
 * Doctor's check for Debian's MIPS toolchain: the soft-float libgcc ocre builds from
 * gcc-<major>-source (toolchains/mips-softfloat.ts). OK when it is cached, or when the source
 * is installed (the next firmware build prepares it); missing otherwise, with the apt fix.
 */
export async function mipsSoftFloatCheck(compiler: string, env: Env, required: boolean): Promise<DoctorCheck> {
  const base = {
    id: "mips-softfloat-libgcc",
    label: "soft-float libgcc (MIPS)",
    required,
    neededFor: ["build" as const],
  };
  const probe = await probeMipsSoftFloat(compiler, env);
  if (probe.ready) return { ...base, status: "ok", path: probe.libgcc, detail: "cached" };
  if (probe.source !== null)
    return {
      ...base,
      status: "ok",
      path: probe.source,
      detail: `the next firmware build compiles libgcc's soft-fp routines from it into ${probe.cacheDir}`,
    };
  return {
    ...base,
    status: "missing",
    detail: `Debian's ${compiler} has a hard-float, PIC libgcc only, and /usr/src/gcc-${probe.gccVersion.split(".")[0]} holds no GCC source to build a soft-float one`,
    fix: softFloatFix(probe.gccVersion),
  };
}
