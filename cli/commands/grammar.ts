/**
 * The command grammar of `ocre`, declared once as data: every command, its positionals and its
 * options. Everything that reads a command line derives from it:
 * - the quick parser (cli/commands/argv.ts) that runs a plain command line without loading yargs,
 * - the yargs configuration (cli/commands/yargs.ts) for everything else (errors, completion script),
 * - `--help` (cli/commands/help.ts) and shell completion candidates (cli/commands/complete.ts),
 * - the argument types the command modules receive (ArgsOf below).
 * test/grammar.test.ts fails when the quick parser and yargs read a declared option differently.
 *
 * To add an option, add one entry to the command's `options`; nothing else needs to know.
 * Keep this module light: it loads on every start-up (only tiny modules of constants may be imported).
 */
import { LIMITS } from "../abi/contract.js";
import { APP_TEMPLATES, APP_TEMPLATE_NAMES } from "../scaffold/templates.js";
import { RUNTIME_NAMES } from "../sim/profile.js";
import type { Output } from "../ui/output.js";

export type OptionType = "boolean" | "string" | "number";

export interface OptionSpec {
  readonly type: OptionType;
  readonly describe: string;
  /** Other names: one letter gives `-x`, longer ones `--name`. */
  readonly alias?: readonly string[];
  /** Repeatable (`--board a --board b`); the value is a list. */
  readonly array?: true;
  readonly choices?: readonly string[];
  /** Booleans default to false. */
  readonly default?: string | number | boolean | readonly string[];
  /** What --help shows as the default when the value itself is not helpful. */
  readonly defaultDescription?: string;
  /** Resolved to an absolute path (relative to the current directory). */
  readonly absolute?: true;
  readonly required?: true;
  readonly hidden?: true;
}

export interface PositionalSpec {
  readonly name: string;
  readonly describe: string;
  readonly required?: true;
  /** Takes every remaining word (`dirs..`). */
  readonly variadic?: true;
  readonly default?: readonly string[];
}

/** What a command's module exports for it: runs the command and sets process.exitCode. */
export type Runner = (args: Record<string, unknown>) => Promise<void>;

export interface CommandSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly describe: string;
  readonly positionals?: readonly PositionalSpec[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  readonly commands?: readonly CommandSpec[];
  /** Without a subcommand: this message (the command itself does nothing). */
  readonly demandCommand?: string;
  /** Words after `--` are kept (in args["--"]) and passed on. */
  readonly passThrough?: true;
  readonly examples?: readonly (readonly [string, string])[];
  readonly epilogue?: string;
  /** Loads the module that runs the command (only when it runs). */
  readonly load?: () => Promise<Runner>;
}

/** A command's usage words: `build [dirs..]`, `push <first> [second]`. */
export function usageOf(spec: CommandSpec): string {
  const words = (spec.positionals ?? []).map((p) => {
    const inner = `${p.name}${p.variadic ? ".." : ""}`;
    return p.required ? `<${inner}>` : `[${inner}]`;
  });
  return [spec.name, ...words].join(" ");
}

/** Declares a command, keeping its literal types (ArgsOf reads them). */
function command<const C extends CommandSpec>(spec: C): C {
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Option groups several commands share.

export const globalOptions = {
  json: { type: "boolean", describe: "Print one JSON result document on stdout; logs go to stderr" },
  verbose: { type: "boolean", alias: ["v"], describe: "Show detail and stack traces" },
  quiet: { type: "boolean", alias: ["q"], describe: "Only warnings and errors" },
  cwd: {
    type: "string",
    absolute: true,
    default: ".",
    defaultDescription: "the current directory",
    describe: "Run as if started in this directory",
  },
} as const satisfies Record<string, OptionSpec>;

const boardRoot = (also = "") =>
  ({
    type: "string",
    array: true,
    default: [],
    describe: `Also load board files (<id>.yaml) from this folder${also}`,
  }) as const satisfies OptionSpec;

export const registryFlags = {
  "ca-file": { type: "string", describe: "PEM CA certificate to trust for the registry's TLS (added to the system's)" },
  insecure: { type: "boolean", describe: "Allow plain http and unverified TLS for a non-loopback registry" },
  username: { type: "string", describe: "Registry user (password from --password-stdin)" },
  "password-stdin": { type: "boolean", describe: "Read the registry password or token from stdin" },
  layout: { type: "string", describe: "Use this OCI image layout instead of build/oci and the user store" },
  "connect-timeout": { type: "string", describe: "Give up opening a connection after this long (default 10s)" },
  "idle-timeout": { type: "string", describe: "Give up a request when no byte moves for this long (default 30s)" },
  timeout: {
    type: "string",
    describe: "Give up the whole push or pull after this long, retries included (default 15m; 0 = never)",
  },
  retries: { type: "number", describe: "Retries after a reset, timeout, 429 or 5xx (default 5)" },
} as const satisfies Record<string, OptionSpec>;

const passphraseStdin = (describe: string) =>
  ({ type: "boolean", describe: `${describe} (or set OCRE_KEY_PASSPHRASE)` }) as const satisfies OptionSpec;

const imageLayout = {
  type: "string",
  describe: "Use only this OCI image layout (default: ./build/oci, then the user store)",
} as const satisfies OptionSpec;

// ---------------------------------------------------------------------------------------------
// The commands, in the order `ocre --help` lists them.

export const newCommand = command({
  name: "new",
  describe: `Create an app from a template (${APP_TEMPLATE_NAMES.join(", ")})`,
  positionals: [{ name: "dir", required: true, describe: "Directory to create (must be empty or missing)" }],
  options: {
    template: {
      type: "string",
      alias: ["t"],
      default: "hello",
      describe: `Template: ${APP_TEMPLATE_NAMES.join(", ")}`,
    },
    name: { type: "string", describe: "App name (default: from the directory name)" },
    force: { type: "boolean", describe: "Write into a non-empty directory, replacing same-named files" },
  },
  examples: [
    ["$0 new hello", "A container that prints a greeting, in ./hello"],
    ["$0 new blinky --template blinky", "Toggle led0 from a timer"],
    ["$0 new alerts -t sensor --name temp-alerts", "Sensor filter and publisher named temp-alerts"],
    ["$0 new demo -t pubsub", "demo/publisher and demo/subscriber containers"],
  ],
  epilogue: `Templates:\n${APP_TEMPLATE_NAMES.map((t) => `  ${t.padEnd(8)}${APP_TEMPLATES[t]}`).join("\n")}`,
  load: async (): Promise<Runner> => (await import("./new.js")).run,
});

export const buildCommand = command({
  name: "build",
  describe: "Compile, optimise and validate apps into Wasm containers (build/<name>.wasm)",
  positionals: [{ name: "dirs", variadic: true, default: ["."], describe: "App directories (each with an ocre.yaml)" }],
  options: {
    debug: { type: "boolean", describe: "Keep names and assertions (bigger, easier to debug)" },
    optimize: {
      type: "string",
      alias: ["profile"],
      choices: ["size", "speed"],
      describe: "Optimisation profile (default: the manifest's, else size)",
    },
    runtime: {
      type: "string",
      choices: ["stub", "minimal", "incremental"],
      describe: "AssemblyScript runtime (default: the manifest's, else stub)",
    },
    rebuild: { type: "boolean", describe: "Ignore the build cache and run every stage" },
    "allow-over-budget": {
      type: "boolean",
      describe: "Generate board projects even when the memory estimate does not fit the board",
    },
    force: { type: "boolean", hidden: true, describe: "Deprecated: --rebuild --allow-over-budget" },
    board: {
      type: "string",
      array: true,
      default: [],
      describe: "Generate a Zephyr west project build/<board>/ (repeatable, or `all`; ids from `ocre boards`)",
    },
    "board-root": boardRoot(),
    zephyr: { type: "string", describe: "Zephyr version the projects pin: 3.7 (default, v3.7.1) or 4.4 (v4.4.0)" },
    firmware: {
      type: "boolean",
      describe: "Also build each board's project into zephyr.elf/.bin/.hex (needs Zephyr; see `ocre doctor`)",
    },
    toolchain: {
      type: "string",
      choices: ["zephyr-sdk", "gnu"],
      describe: "Toolchain for --firmware (default: the Zephyr SDK when installed, else GNU)",
    },
    "from-image": {
      type: "string",
      describe:
        "Skip compiling: take the container from this OCI image (tag, digest, oci:DIR:TAG or registry reference) and run only the board stages",
    },
    sign: {
      type: "string",
      describe: "Sign each app's image with this private key (cosign format; `ocre push` sends the signature)",
    },
    trust: {
      type: "string",
      array: true,
      default: [],
      describe:
        "Public key (PEM) the generated firmware trusts (repeatable; also ocre.yaml `trust:`): the device runs only containers it signed",
    },
    agent: {
      type: "string",
      describe:
        "Build the device agent into the firmware with these transports: tcp, serial, tcp,serial; none: without it (overrides ocre.yaml `device.agent`)",
    },
    "registry-ca": {
      type: "string",
      describe:
        "PEM file of the CA the device agent's pulls over https trust (overrides ocre.yaml `device.agent.registryCa`; needs --agent tcp)",
    },
    "passphrase-stdin": passphraseStdin("Passphrase of an encrypted --sign key, from stdin"),
    watch: {
      type: "boolean",
      describe: "Stay running: rebuild whenever a file the build read changes (Ctrl-C to stop)",
    },
  },
  examples: [
    ["$0 build", "Build the app in the current directory"],
    ["$0 build --watch", "Rebuild on every save, keeping the compiler loaded"],
    ["$0 build apps/sensor apps/pubsub", "Build several apps"],
    ["$0 build --optimize speed", "Favour speed over size"],
    ["$0 build --board nrf52840dk --board qemu_riscv32", "Also generate Zephyr west projects for two boards"],
    ["$0 build --debug --json", "Debug build; print the report as JSON"],
    [
      "$0 build --board mps2-an521 --agent tcp --trust k.pub --registry-ca ca.pem",
      "A firmware whose device agent pulls over https, trusting ca.pem",
    ],
  ],
  load: async (): Promise<Runner> => (await import("./build.js")).run,
});

export const runCommand = command({
  name: "run",
  describe: "Run containers on this machine with the device's ABI, GPIO and sensors simulated",
  positionals: [
    {
      name: "targets",
      variadic: true,
      default: ["."],
      describe: "App directories, .wasm files or image references (default: the app in the current directory)",
    },
  ],
  options: {
    "virtual-time": {
      type: "boolean",
      describe: "Simulated clock that jumps to the next timer (deterministic; a minute runs in ms)",
    },
    timeout: {
      type: "string",
      describe: "Stop containers still running after this long (app or wall time) and fail: 10s, 2m",
    },
    duration: { type: "string", describe: "Run for this much app time, then stop the containers without failing: 24h" },
    board: {
      type: "string",
      describe: "Board whose GPIO aliases and sensors to simulate (default: the app's manifest board, else mps2-an521)",
    },
    "board-root": boardRoot(" (as `ocre build --board-root`)"),
    "gpio-script": { type: "string", describe: "File of input changes: `<time> <pin|alias> <level>` per line" },
    sensors: { type: "string", describe: "Sensor values to replay: CSV (time,sensor,channel,value) or JSON" },
    trace: { type: "string", describe: "Write every host call as JSON lines to this file" },
    cap: { type: "string", array: true, describe: "Capabilities for .wasm files (default: what the module imports)" },
    seed: { type: "number", describe: "Seed for random_get (default: fixed with --virtual-time, random otherwise)" },
    "verify-key": {
      type: "string",
      array: true,
      describe: "Run only images one of these public keys signed (cosign format); refuse anything else",
    },
    "event-queue-depth": {
      type: "number",
      describe: `Events a container's queue holds (default ${LIMITS.eventQueueDepth.default}, as CONFIG_OCRE_EVENT_QUEUE_DEPTH)`,
    },
    dir: {
      type: "string",
      array: true,
      describe:
        "Preopen a host folder for the containers' WASI file calls: host[:guest], guest default / (repeatable; nothing outside it is reachable)",
    },
    runtime: {
      type: "string",
      choices: RUNTIME_NAMES,
      default: "ocre",
      describe: "Runtime to imitate: ocre's firmware, or a stock upstream Ocre 0.7 device (docs/compat.md)",
    },
    watch: {
      type: "boolean",
      describe: "Stay running: rebuild and rerun whenever a file the apps, scripts or modules read changes",
    },
  },
  load: async (): Promise<Runner> => (await import("./run.js")).run,
});

export const boardsCommand = command({
  name: "boards",
  describe: "List the boards ocre can generate firmware for",
  options: {
    "board-root": boardRoot(),
    arch: {
      type: "string",
      describe:
        "Only boards of this core family (cortex-m33, cortex-m4, cortex-m7, xtensa, riscv32, mips32, arm, riscv, mips)",
    },
    zephyr: { type: "string", default: "3.7", describe: "Show board targets for this Zephyr version (3.7 or 4.4)" },
  },
  commands: [
    command({
      name: "show",
      describe: "Show every field of one board",
      positionals: [{ name: "id", required: true, describe: "Board id or Zephyr board target" }],
      options: { "board-root": boardRoot() },
      load: async (): Promise<Runner> => (await import("./boards.js")).show,
    }),
    command({
      name: "add",
      describe: "Scaffold boards/<id>.yaml in the app from an existing board",
      positionals: [{ name: "id", required: true, describe: "New board id (lowercase, digits, - and _)" }],
      options: {
        from: { type: "string", required: true, describe: "Board to copy" },
        force: { type: "boolean", describe: "Overwrite an existing board file" },
        "board-root": boardRoot(),
      },
      load: async (): Promise<Runner> => (await import("./boards.js")).add,
    }),
  ],
  load: async (): Promise<Runner> => (await import("./boards.js")).list,
});

export const imageCommand = command({
  name: "image",
  describe: "Manage local OCI images: ls, inspect, export, import, wrap, rm",
  demandCommand: "Name an image command: ls, inspect, export, import, wrap or rm.",
  commands: [
    command({
      name: "ls",
      aliases: ["list"],
      describe: "List local images (the app's build/oci and the user store)",
      options: { layout: imageLayout },
      load: async (): Promise<Runner> => (await import("./image.js")).ls,
    }),
    command({
      name: "inspect",
      describe: "Show an image's manifest, config, annotations, sizes and digests",
      positionals: [{ name: "ref", required: true, describe: "Tag, name:version, digest (prefix), or oci:DIR[:TAG]" }],
      options: { layout: imageLayout },
      load: async (): Promise<Runner> => (await import("./image.js")).inspect,
    }),
    command({
      name: "export",
      describe: "Write an image as an oci-archive tar (skopeo reads it as oci-archive:FILE:TAG)",
      positionals: [{ name: "ref", required: true, describe: "Local image" }],
      options: {
        layout: imageLayout,
        output: { type: "string", alias: ["o"], required: true, describe: "Archive file to write" },
      },
      load: async (): Promise<Runner> => (await import("./image.js")).exportImage,
    }),
    command({
      name: "import",
      describe: "Add the images of an oci-archive tar to the user store (or --layout)",
      positionals: [{ name: "file", required: true, describe: "oci-archive tar file" }],
      options: {
        layout: imageLayout,
        name: {
          type: "string",
          describe: "Reference for the imported image, e.g. blinky:1.0.0 (default: its name in the archive)",
        },
        "max-size": { type: "string", describe: "Refuse an archive that unpacks to more than this (default 1GiB)" },
        "max-blob-size": {
          type: "string",
          describe: "Refuse an archive holding a blob bigger than this (default 512MiB)",
        },
        "max-entries": { type: "number", describe: "Refuse an archive with more entries than this (default 10000)" },
      },
      load: async (): Promise<Runner> => (await import("./image.js")).importImage,
    }),
    command({
      name: "wrap",
      describe: "Make an ocre image of a prebuilt .wasm (C, Rust, TinyGo…), checked like `ocre build` checks an app",
      positionals: [{ name: "file", required: true, describe: "the .wasm file" }],
      options: {
        layout: imageLayout,
        name: { type: "string", describe: "Image name (default: the file name)" },
        tag: { type: "string", describe: "Image version and tag (default 0.1.0)" },
        cap: {
          type: "string",
          array: true,
          describe: "Capabilities, repeatable or comma lists (default: the features the module imports)",
        },
        memory: { type: "number", describe: "Linear memory maximum in 64 KiB pages (default: the module's)" },
        heap: { type: "number", describe: "WAMR app heap in bytes (default 4096)" },
        stack: { type: "number", describe: "WAMR execution stack in bytes (default 8192)" },
        arg: { type: "string", array: true, describe: "Arguments after argv[0] (repeatable)" },
      },
      load: async (): Promise<Runner> => (await import("./image.js")).wrap,
    }),
    command({
      name: "rm",
      aliases: ["remove"],
      describe: "Remove local images (and blobs nothing else uses)",
      positionals: [{ name: "refs", required: true, variadic: true, describe: "Images to remove" }],
      options: { layout: imageLayout },
      load: async (): Promise<Runner> => (await import("./image.js")).rm,
    }),
  ],
});

export const pushCommand = command({
  name: "push",
  describe: "Push an image to a registry: ocre push [image] <registry>/<repository>:<tag>",
  positionals: [
    {
      name: "first",
      required: true,
      describe: "Local image (tag, name:version, digest, oci:DIR:TAG), or the destination when only one is given",
    },
    { name: "second", describe: "Destination <registry>/<repository>:<tag>" },
  ],
  options: {
    ...registryFlags,
    "chunk-size": {
      type: "number",
      describe: "Upload blobs larger than this many bytes in chunks of this size (default 4 MiB)",
    },
  },
  examples: [
    ["$0 push localhost:5000/blinky:1.0.0", "push the app's build/oci image"],
    ["$0 push blinky:1.0.0 registry.example.com/iot/blinky:1.0.0", "push a named local image"],
  ],
  // The push library loads alongside the command module, not after it (one wait fewer).
  load: async (): Promise<Runner> => (await Promise.all([import("./push.js"), import("../oci/push-local.js")]))[0].run,
});

export const pullCommand = command({
  name: "pull",
  describe: "Pull an image from a registry into the local store: ocre pull <registry>/<repository>:<tag|@digest>",
  positionals: [
    {
      name: "reference",
      required: true,
      describe: "<registry>/<repository>:<tag> or <registry>/<repository>@sha256:<hex>",
    },
  ],
  options: {
    ...registryFlags,
    "verify-key": {
      type: "string",
      array: true,
      describe: "Refuse the image unless one of these public keys signed it (cosign format); nothing is written",
    },
  },
  examples: [["$0 pull localhost:5000/blinky:1.0.0", "fetch into the user store (`ocre image ls` shows it)"]],
  load: async (): Promise<Runner> => (await import("./pull.js")).run,
});

export const keysCommand = command({
  name: "keys",
  describe: "Create and show signing keys (ECDSA P-256, PEM)",
  demandCommand: "name an action: generate or show",
  commands: [
    command({
      name: "generate",
      describe: "Create an ECDSA P-256 key pair: <output>.key (mode 0600) and <output>.pub",
      options: {
        output: { type: "string", alias: ["o"], default: "ocre", describe: "Path prefix of the two files" },
        "passphrase-stdin": passphraseStdin("Encrypt the private key with a passphrase read from stdin"),
      },
      examples: [
        ["$0 keys generate", "write ocre.key and ocre.pub here"],
        ["printf '%s' \"$PASS\" | $0 keys generate -o keys/release --passphrase-stdin", "encrypted key"],
      ],
      load: async (): Promise<Runner> => (await import("./keys.js")).generate,
    }),
    command({
      name: "show",
      describe: "Print a key's public key (PEM) and fingerprint (sha256 of the DER public key)",
      positionals: [{ name: "key", required: true, describe: ".pub or .key file" }],
      options: { "passphrase-stdin": passphraseStdin("Passphrase of an encrypted private key, from stdin") },
      load: async (): Promise<Runner> => (await import("./keys.js")).show,
    }),
  ],
});

export const signCommand = command({
  name: "sign",
  describe: "Sign a local image in cosign's format; the signature is stored with it and `ocre push` sends both",
  positionals: [
    {
      name: "image",
      describe: "Local image (tag, name:version, digest, oci:DIR:TAG); default: the app's build/oci image",
    },
  ],
  options: {
    key: { type: "string", required: true, describe: "Private key (PEM, from `ocre keys generate`)" },
    identity: {
      type: "string",
      describe: "docker-reference the signature names (default: the image's repository or title)",
    },
    layout: { type: "string", describe: "Use this OCI image layout instead of build/oci and the user store" },
    "passphrase-stdin": passphraseStdin("Passphrase of an encrypted key, from stdin"),
  },
  examples: [
    ["$0 sign --key ocre.key", "sign the app's image in build/oci"],
    ["$0 sign localhost:5000/iot/blinky:1.0.0 --key release.key", "sign a pulled image"],
  ],
  load: async (): Promise<Runner> => (await import("./sign.js")).run,
});

export const verifyCommand = command({
  name: "verify",
  describe: "Check an image's cosign signature against public keys (local image, else the registry)",
  positionals: [
    {
      name: "image",
      describe: "Local image or <registry>/<repository>:<tag|@digest>; default: the app's build/oci image",
    },
  ],
  options: {
    ...registryFlags,
    key: {
      type: "string",
      array: true,
      required: true,
      describe: "Trusted public key (PEM; repeatable: any one of them may have signed)",
    },
    remote: {
      type: "boolean",
      describe: "Check the image and signature in the registry even when a local copy exists",
    },
  },
  examples: [
    ["$0 verify --key ocre.pub", "the app's image in build/oci"],
    ["$0 verify localhost:5000/iot/blinky:1.0.0 --key ocre.pub --remote", "the copy in a registry"],
  ],
  load: async (): Promise<Runner> => (await import("./verify.js")).run,
});

const deviceAddress = {
  type: "string",
  required: true,
  describe:
    "The device's agent: host:port (SMP over TCP), serial:PATH (SMP serial framing on a console), or qemu[:APP_DIR] (the console of the emulator `ocre emulate` runs for the app)",
} as const satisfies OptionSpec;

export const deployCommand = command({
  name: "deploy",
  describe: "Install or update a signed container on a running device, without reflashing",
  positionals: [
    {
      name: "source",
      required: true,
      describe: "An app directory (its build/oci image), a local image, or <registry>/<repository>:<tag|@digest>",
    },
  ],
  options: {
    ...registryFlags,
    device: deviceAddress,
    name: { type: "string", describe: "The container's name on the device (default: the image's)" },
    via: {
      type: "string",
      choices: ["device", "host"],
      default: "device",
      describe: "For a registry image: the device pulls it by digest, or the host sends it",
    },
    resolve: {
      type: "string",
      choices: ["host", "device"],
      default: "host",
      describe:
        "Who turns a tag into a digest: the host (it checks the image first), or the device (built with CONFIG_OCRE_AGENT_PULL_TAGS; the host never contacts the registry)",
    },
    "registry-as": {
      type: "string",
      describe:
        "The registry as the device reaches it, [https://]host:port (e.g. 10.0.2.2:5000 from QEMU); https:// makes the device pull over TLS",
    },
  },
  examples: [
    ["$0 deploy . --device 127.0.0.1:1337", "the app's signed build/oci image"],
    ["$0 deploy localhost:5000/iot/hello:1.0.0 --device 127.0.0.1:1337", "the device pulls the tag's digest"],
    [
      "$0 deploy localhost:5000/iot/hello:stable --resolve device --registry-as 10.0.2.2:5000 --device 127.0.0.1:1337",
      "the device resolves the tag itself",
    ],
  ],
  load: async (): Promise<Runner> => (await import("./deploy.js")).run,
});

export const deviceCommand = command({
  name: "device",
  describe: "Manage the containers installed on a device: ls, logs, rm, rollback",
  demandCommand: "Name a device command: ls, logs, rm or rollback.",
  commands: [
    command({
      name: "ls",
      aliases: ["list"],
      describe: "List the containers installed on a device (the version that runs, and the one before)",
      options: { device: deviceAddress },
      load: async (): Promise<Runner> => (await import("./device.js")).ls,
    }),
    command({
      name: "rm",
      aliases: ["remove"],
      describe: "Stop a container and erase every version of it from the device",
      positionals: [{ name: "name", required: true, describe: "The container's name on the device" }],
      options: { device: deviceAddress },
      load: async (): Promise<Runner> => (await import("./device.js")).rm,
    }),
    command({
      name: "logs",
      describe: "Show the device's recent health events and container output (its log ring)",
      options: {
        device: deviceAddress,
        follow: { type: "boolean", alias: ["f"], describe: "Keep printing new entries until Ctrl-C" },
        since: {
          type: "number",
          describe: "Start at this sequence number (the `next` of an earlier --json read); default: the oldest kept",
        },
      },
      examples: [
        ["$0 device logs --device qemu", "what the emulated device kept: installs, rollbacks, output"],
        ["$0 device logs --device serial:/dev/ttyACM0 --follow", "new entries as they come"],
      ],
      load: async (): Promise<Runner> => (await import("./device.js")).logs,
    }),
    command({
      name: "rollback",
      describe: "Go back to a container's previous version on the device",
      positionals: [{ name: "name", required: true, describe: "The container's name on the device" }],
      options: { device: deviceAddress },
      load: async (): Promise<Runner> => (await import("./device.js")).rollback,
    }),
  ],
});

export const doctorCommand = command({
  name: "doctor",
  describe: "Check what firmware builds, flashing and emulation need on this machine, with fixes",
  options: {
    board: { type: "string", describe: "Check for this board (catalog id or Zephyr board target)" },
    "board-root": boardRoot(" (as `ocre build --board-root`)"),
    toolchain: { type: "string", choices: ["zephyr-sdk", "gnu"], describe: "Check only this toolchain kind" },
  },
  examples: [["$0 doctor --board mps2/an521/cpu0", "what building and emulating the AN521 needs"]],
  load: async (): Promise<Runner> => (await import("./doctor.js")).run,
});

export const flashCommand = command({
  name: "flash",
  describe: "Flash the built firmware to a connected board with `west flash`",
  passThrough: true,
  positionals: [{ name: "dir", describe: "App directory (its build/<board>/firmware/ is flashed)" }],
  options: {
    board: { type: "string", describe: "Board (catalog id or Zephyr board target); default: the only one built" },
    "board-root": boardRoot(" (as `ocre build --board-root`)"),
    runner: {
      type: "string",
      alias: ["r"],
      describe: "west flash runner (jlink, pyocd, nrfjprog, openocd, …); passed through",
    },
  },
  examples: [
    ["$0 flash --board nrf52840dk --runner jlink", "flash with a J-Link"],
    ["$0 flash --board nrf52840dk -- --erase", "pass extra arguments to west flash"],
  ],
  load: async (): Promise<Runner> => (await import("./flash.js")).run,
});

export const emulateCommand = command({
  name: "emulate",
  describe: "Run the built firmware in the board's emulator (QEMU) and report how the containers exited",
  positionals: [{ name: "dir", describe: "App directory (its build/<board>/firmware/zephyr.elf is booted)" }],
  options: {
    board: { type: "string", describe: "Board (catalog id or Zephyr board target); default: the only one built" },
    "board-root": boardRoot(" (as `ocre build --board-root`)"),
    kernel: { type: "string", describe: "Boot this ELF instead of the app's build/<board>/firmware/zephyr.elf" },
    timeout: {
      type: "string",
      default: "60s",
      describe: "Give up (exit 1) after this long: 90s, 2m (a unit is required)",
    },
    for: {
      type: "string",
      describe:
        "For apps that never exit: succeed once the containers have started and run this long without a fault (10s)",
    },
    expect: { type: "string", describe: "Succeed as soon as this text appears on the console" },
    "device-port": {
      type: "number",
      describe:
        "Forward 127.0.0.1:PORT to the firmware's device agent (built with --agent tcp) over QEMU's user network, for `ocre deploy --device 127.0.0.1:PORT`",
    },
  },
  examples: [
    ["$0 emulate --board mps2/an521/cpu0", "boot the AN521 firmware, exit with the containers' verdict"],
    ["$0 emulate --for 10m --device-port 1337", "keep a firmware with the agent running, reachable at 127.0.0.1:1337"],
    ["$0 emulate --for 10s", "a blinky that never exits: pass after 10 s of running without a fault"],
  ],
  load: async (): Promise<Runner> => (await import("./emulate.js")).run,
});

/**
 * `ocre completion`: yargs writes the script (it has no `load`: yargs runs it); the candidates the
 * script asks for come from this grammar (complete.ts).
 */
export const completionCommand = command({
  name: "completion",
  describe: "Print a shell completion script (bash/zsh): ocre completion >> ~/.bashrc",
  examples: [["$0 completion >> ~/.bashrc", "Install completion for bash"]],
});

/** The whole grammar: the program is the root command; its options are global. */
export const grammar = command({
  name: "ocre",
  describe: "Build AssemblyScript apps into Wasm containers for Ocre on Zephyr.",
  options: globalOptions,
  commands: [
    newCommand,
    buildCommand,
    runCommand,
    boardsCommand,
    imageCommand,
    pushCommand,
    pullCommand,
    keysCommand,
    signCommand,
    verifyCommand,
    deployCommand,
    deviceCommand,
    doctorCommand,
    flashCommand,
    emulateCommand,
    completionCommand,
  ],
  demandCommand: "Name a command; `ocre --help` lists them.",
  examples: [
    ["$0 new blinky --template blinky", "Create an app from a template"],
    ["$0 build", "Build the app in this directory into build/<name>.wasm"],
    ["$0 build --json", "Build and print the result as one JSON document"],
    ["$0 completion >> ~/.bashrc", "Install shell completion"],
  ],
  epilogue: "Each command has a page in the package's docs/ folder.",
});

// ---------------------------------------------------------------------------------------------
// The argument types a command receives, read from its declaration.

type ValueOf<O extends OptionSpec> = O extends { readonly choices: readonly (infer C)[] }
  ? C
  : O["type"] extends "boolean"
    ? boolean
    : O["type"] extends "number"
      ? number
      : string;

type OptionValue<O extends OptionSpec> = O extends { readonly array: true } ? ValueOf<O>[] : ValueOf<O>;

/** Always present: booleans, options with a default, required options. */
type Present<O> = O extends { readonly type: "boolean" } | { readonly default: unknown } | { readonly required: true }
  ? true
  : false;

export type OptionsArgs<Opts> = {
  -readonly [
    K in keyof Opts as Opts[K] extends OptionSpec ? (Present<Opts[K]> extends true ? K : never) : never
  ]: Opts[K] extends OptionSpec ? OptionValue<Opts[K]> : never;
} & {
  -readonly [
    K in keyof Opts as Opts[K] extends OptionSpec ? (Present<Opts[K]> extends true ? never : K) : never
  ]?: Opts[K] extends OptionSpec ? OptionValue<Opts[K]> : never;
};

type PositionalValue<P extends PositionalSpec> = P extends { readonly variadic: true } ? string[] : string;

type PositionalsArgs<Ps> = Ps extends readonly PositionalSpec[]
  ? {
      -readonly [
        P in Ps[number] as P extends { readonly required: true } | { readonly default: unknown } ? P["name"] : never
      ]: PositionalValue<P>;
    } & {
      -readonly [
        P in Ps[number] as P extends { readonly required: true } | { readonly default: unknown } ? never : P["name"]
      ]?: PositionalValue<P>;
    }
  : unknown;

/** What a command's run function receives: its positionals, its options and the global options. */
export type ArgsOf<C extends CommandSpec> = OptionsArgs<typeof globalOptions> &
  (C extends { readonly options: infer O } ? OptionsArgs<O> : unknown) &
  (C extends { readonly positionals: infer P } ? PositionalsArgs<P> : unknown) &
  (C extends { readonly passThrough: true } ? { "--"?: string[] } : unknown);

/** The subcommand `name` of a command, typed (for ArgsOf). */
export type Sub<C extends CommandSpec, N extends string> = C extends { readonly commands: readonly (infer S)[] }
  ? Extract<S, { readonly name: N }>
  : never;

/** The subcommand `name` of a command, with its declared types. */
export function sub<C extends CommandSpec, N extends string>(parent: C, name: N): Sub<C, N> {
  const found = parent.commands?.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no subcommand ${parent.name} ${name} in the grammar`);
  return found as Sub<C, N>;
}

/** What a command's run function may return: nothing (exit 0) or an explicit exit code. */
export type CommandResult = void | number;
export type RunFunction<C extends CommandSpec> = (args: ArgsOf<C>, out: Output) => Promise<CommandResult>;
