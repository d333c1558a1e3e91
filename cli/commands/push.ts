import path from "node:path";
import type { Argv } from "yargs";
import type { SingleBar } from "cli-progress";
import { defineCommand } from "./define.js";
import { OcreError } from "../errors.js";
import type { GlobalArgs, Output } from "../ui/output.js";
import type { RegistryOptions } from "../oci/index.js";

/** Flags every registry command shares (push, pull). */
export interface RegistryArgs {
  "ca-file"?: string;
  insecure: boolean;
  username?: string;
  "password-stdin": boolean;
  layout?: string;
  "connect-timeout"?: string;
  "idle-timeout"?: string;
  timeout?: string;
  retries?: number;
}

export function registryFlags<T>(y: Argv<T>): Argv<T & RegistryArgs> {
  return y
    .option("ca-file", {
      type: "string",
      describe: "PEM CA certificate to trust for the registry's TLS (added to the system's)",
    })
    .option("insecure", {
      type: "boolean",
      default: false,
      describe: "Allow plain http and unverified TLS for a non-loopback registry",
    })
    .option("username", { type: "string", describe: "Registry user (password from --password-stdin)" })
    .option("password-stdin", {
      type: "boolean",
      default: false,
      describe: "Read the registry password or token from stdin",
    })
    .option("layout", {
      type: "string",
      describe: "Use this OCI image layout instead of build/oci and the user store",
    })
    .option("connect-timeout", {
      type: "string",
      describe: "Give up opening a connection after this long (default 10s)",
    })
    .option("idle-timeout", {
      type: "string",
      describe: "Give up a request when no byte moves for this long (default 30s)",
    })
    .option("timeout", {
      type: "string",
      describe: "Give up the whole push or pull after this long, retries included (default 15m; 0 = never)",
    })
    .option("retries", {
      type: "number",
      describe: "Retries after a reset, timeout, 429 or 5xx (default 5)",
    }) as unknown as Argv<T & RegistryArgs>;
}

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

interface PushArgs extends RegistryArgs {
  first: string;
  second?: string;
  "chunk-size"?: number;
}

export const pushCommand = defineCommand<PushArgs>({
  command: "push <first> [second]",
  describe: "Push an image to a registry: ocre push [image] <registry>/<repository>:<tag>",
  builder: (y) =>
    registryFlags(y)
      .positional("first", {
        type: "string",
        demandOption: true,
        describe: "Local image (tag, name:version, digest, oci:DIR:TAG), or the destination when only one is given",
      })
      .positional("second", { type: "string", describe: "Destination <registry>/<repository>:<tag>" })
      .option("chunk-size", {
        type: "number",
        describe: "Upload blobs larger than this many bytes in chunks of this size (default 4 MiB)",
      })
      .example("$0 push localhost:5000/blinky:1.0.0", "push the app's build/oci image")
      .example(
        "$0 push blinky:1.0.0 registry.example.com/iot/blinky:1.0.0",
        "push a named local image",
      ) as unknown as Argv<PushArgs>,
  run: async (args, out) => {
    // The library loads on use, so other commands do not pay for it at start-up; only the
    // modules a push needs (the whole cli/oci barrel costs ~10-15 ms more to load).
    const [
      annotations,
      { formatReference, parseReference },
      { pushImage },
      { readLayoutImage },
      { resolveLocalImage },
    ] = await Promise.all([
      import("../oci/annotations.js"),
      import("../oci/reference.js"),
      import("../oci/push.js"),
      import("../oci/layout.js"),
      import("../oci/store.js"),
    ]);
    const source = args.second === undefined ? undefined : args.first;
    const destination = parseReference(args.second ?? args.first);
    const local = await resolveLocalImage(source, { cwd: args.cwd, layout: args.layout });
    const content = await readLayoutImage(local.layout, local.descriptor);
    const origin = local.descriptor.annotations?.[annotations.OCRE_ORIGIN];
    const slash = origin?.indexOf("/") ?? -1;
    const mountFrom =
      origin !== undefined && slash > 0
        ? { registry: origin.slice(0, slash), repository: origin.slice(slash + 1) }
        : undefined;
    const options = await registryOptions(args, out);
    out.info(`pushing ${local.ref ?? local.descriptor.digest} to ${formatReference(destination)}`);
    const bars = await progressBars(out);
    const result = await pushImage(content, destination, {
      ...options,
      mountFrom,
      ...(args["chunk-size"] === undefined ? {} : { chunkSize: args["chunk-size"] }),
      onProgress: bars.update,
    }).finally(bars.stop);
    for (const blob of result.blobs) out.debug(`${blob.digest} ${blob.mediaType} ${blob.size} bytes: ${blob.action}`);
    out.info(`pushed ${result.ref} (${humanBytes(result.size)}, ${humanBytes(result.uploadedBytes)} uploaded)`);
    // Signatures stored with the image (`ocre sign`, `ocre build --sign`) go up after it, under cosign's tag.
    // Only the layout is read unless there is one (the quick push path stays quick).
    const { readLocalSignature } = await import("../sign/store.js");
    const signatures = await readLocalSignature(local.layout, result.digest);
    const signature = signatures
      ? await (
          await import("../sign/remote.js")
        ).connectAndPushSignature(destination, result.digest, signatures, options)
      : undefined;
    if (signature)
      out.info(
        `pushed signature ${signature.ref}${signature.referrers ? " (also listed by the registry's referrers API)" : ""}`,
      );
    out.print(result.digest);
    out.result({ ok: true, ...result, ...(signature ? { signature } : {}) });
  },
});

/** The flags the fast path below understands: a subset of the command's own (see the builders). */
const FAST_BOOLEAN = new Map([
  ["--json", "json"],
  ["--verbose", "verbose"],
  ["-v", "verbose"],
  ["--quiet", "quiet"],
  ["-q", "quiet"],
  ["--insecure", "insecure"],
  ["--password-stdin", "password-stdin"],
]);
const FAST_VALUE = new Set([
  "--cwd",
  "--ca-file",
  "--username",
  "--layout",
  "--chunk-size",
  "--connect-timeout",
  "--idle-timeout",
  "--timeout",
  "--retries",
]);

/**
 * `ocre push` without the CLI parser: yargs takes ~100 ms to load, as long as a push of a small
 * image to a nearby registry. When the command line is plainly `push`, one or two positionals
 * and the usual flags, this builds the same arguments yargs would and runs the same handler.
 * Anything else (help, --version, unknown or repeated flags, a missing value, three words)
 * returns false and the full CLI decides, with its usual messages.
 */
export async function tryFastPush(argv: readonly string[]): Promise<boolean> {
  if (argv[0] !== "push") return false;
  const flags: Record<string, string | boolean> = {};
  const words: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const boolean = FAST_BOOLEAN.get(name);
    if (boolean !== undefined && eq < 0 && !(boolean in flags)) {
      flags[boolean] = true;
      continue;
    }
    if (!FAST_VALUE.has(name) || name.slice(2) in flags) return false;
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "" || value.startsWith("-")) return false;
    flags[name.slice(2)] = value;
  }
  if (words.length < 1 || words.length > 2) return false;
  const chunk = flags["chunk-size"];
  if (chunk !== undefined && !/^[1-9][0-9]*$/.test(String(chunk))) return false;
  const retries = flags.retries;
  if (retries !== undefined && !/^[0-9]+$/.test(String(retries))) return false;
  const str = (key: string): string | undefined =>
    typeof flags[key] === "string" ? (flags[key] as string) : undefined;
  const args: PushArgs & GlobalArgs = {
    first: words[0]!,
    second: words[1],
    "ca-file": str("ca-file"),
    username: str("username"),
    layout: str("layout"),
    "chunk-size": chunk === undefined ? undefined : Number(chunk),
    "connect-timeout": str("connect-timeout"),
    "idle-timeout": str("idle-timeout"),
    timeout: str("timeout"),
    retries: retries === undefined ? undefined : Number(retries),
    insecure: flags.insecure === true,
    "password-stdin": flags["password-stdin"] === true,
    json: flags.json === true,
    verbose: flags.verbose === true,
    quiet: flags.quiet === true,
    cwd: path.resolve(str("cwd") ?? process.cwd()),
  };
  await pushCommand.handler(args as unknown as Parameters<typeof pushCommand.handler>[0]);
  return true;
}
