import type { SingleBar } from "cli-progress";
import { defineCommand } from "./define.js";
import { pushCommand, registryFlags, type OptionsArgs } from "./grammar.js";
import { OcreError } from "../errors.js";
import type { Output } from "../ui/output.js";
import type { RegistryOptions } from "../oci/index.js";

/** Flags every registry command shares (push, pull, verify; declared in cli/commands/grammar.ts). */
export type RegistryArgs = OptionsArgs<typeof registryFlags>;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // Shells and `echo` add a trailing newline that is not part of the password.
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Registry options from the flags; the password only ever comes from stdin, never argv. */
export async function registryOptions(args: RegistryArgs, out: Output): Promise<RegistryOptions> {
  if (args["password-stdin"] && args.username === undefined) {
    throw new OcreError("OCRE_USAGE", "--password-stdin needs --username", { hint: "add --username <user>" });
  }
  const password = args["password-stdin"] ? await readStdin() : undefined;
  const { parseDuration } = await import("../sim/duration.js");
  const duration = (flag: "connect-timeout" | "idle-timeout" | "timeout"): number | undefined =>
    args[flag] === undefined ? undefined : parseDuration(args[flag], `--${flag}`);
  const connectTimeoutMs = duration("connect-timeout");
  const idleTimeoutMs = duration("idle-timeout");
  const totalTimeoutMs = duration("timeout");
  const retries = args.retries;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 100)) {
    throw new OcreError("OCRE_USAGE", `--retries ${retries} is not a whole number from 0 to 100`, {
      hint: "e.g. --retries 2",
    });
  }
  for (const [flag, ms] of [
    ["--connect-timeout", connectTimeoutMs],
    ["--idle-timeout", idleTimeoutMs],
  ] as const) {
    if (ms === 0) throw new OcreError("OCRE_USAGE", `${flag} must be more than 0`, { hint: "e.g. 10s" });
  }
  return {
    caFile: args["ca-file"],
    insecure: args.insecure,
    credentials: { username: args.username, password, env: process.env },
    logger: out,
    ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs }),
    ...(totalTimeoutMs === undefined ? {} : { totalTimeoutMs }),
    ...(retries === undefined ? {} : { retries }),
  };
}

/** A progress bar per blob on a TTY; nothing otherwise. */
export async function progressBars(out: Output): Promise<{
  update: (p: { digest: string; done: number; total: number }) => void;
  stop: () => void;
}> {
  if (!out.interactive) return { update: () => undefined, stop: () => undefined };
  // Loaded only for a human at a terminal: CI runs do not pay for it.
  const { default: cliProgress } = await import("cli-progress");
  const multi = new cliProgress.MultiBar(
    {
      format: " {digest} [{bar}] {value}/{total} bytes",
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  return {
    update: (p) => {
      let bar = bars.get(p.digest);
      if (!bar) {
        bar = multi.create(p.total, 0, { digest: p.digest.slice(7, 19) });
        bars.set(p.digest, bar);
      }
      bar.update(p.done);
    },
    stop: () => multi.stop(),
  };
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** `ocre push` (options: cli/commands/grammar.ts). */
export const run = defineCommand(pushCommand, async (args, out) => {
  // The library loads on use, so other commands do not pay for it at start-up; only the
  // modules a push needs (the whole cli/oci barrel costs ~10-15 ms more to load).
  const [{ formatReference, parseReference }, { pushLocalImage }, { readLocalSignature }] = await Promise.all([
    import("../oci/reference.js"),
    import("../oci/push-local.js"),
    import("../sign/store.js"),
  ]);
  const source = args.second === undefined ? undefined : args.first;
  const destination = parseReference(args.second ?? args.first);
  const options = await registryOptions(args, out);
  const bars = await progressBars(out);
  const { image: local, result } = await pushLocalImage(source, destination, {
    ...options,
    cwd: args.cwd,
    layout: args.layout,
    ...(args["chunk-size"] === undefined ? {} : { chunkSize: args["chunk-size"] }),
    onImage: (image) => out.info(`pushing ${image.ref ?? image.descriptor.digest} to ${formatReference(destination)}`),
    onProgress: bars.update,
  }).finally(bars.stop);
  for (const blob of result.blobs) out.debug(`${blob.digest} ${blob.mediaType} ${blob.size} bytes: ${blob.action}`);
  out.info(`pushed ${result.ref} (${humanBytes(result.size)}, ${humanBytes(result.uploadedBytes)} uploaded)`);
  // Signatures stored with the image (`ocre sign`, `ocre build --sign`) go up after it, under cosign's tag.
  // Only the layout is read unless there is one (the quick push path stays quick).
  const signatures = await readLocalSignature(local.layout, result.digest);
  const signature = signatures
    ? await (await import("../sign/remote.js")).connectAndPushSignature(destination, result.digest, signatures, options)
    : undefined;
  if (signature)
    out.info(
      `pushed signature ${signature.ref}${signature.referrers ? " (also listed by the registry's referrers API)" : ""}`,
    );
  out.print(result.digest);
  out.result({ ok: true, ...result, ...(signature ? { signature } : {}) });
});
