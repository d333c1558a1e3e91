import path from "node:path";
import type { Argv, CommandModule } from "yargs";
import { defineCommand } from "./define.js";
import { OcreError } from "../errors.js";
import type { GlobalArgs } from "../ui/output.js";

/** Where a key's passphrase comes from: stdin (--passphrase-stdin) or $OCRE_KEY_PASSPHRASE; never argv. */
export interface PassphraseArgs {
  "passphrase-stdin": boolean;
}

export const PASSPHRASE_ENV = "OCRE_KEY_PASSPHRASE";

export function passphraseFlag<T>(y: Argv<T>, describe: string): Argv<T & PassphraseArgs> {
  return y.option("passphrase-stdin", {
    type: "boolean",
    default: false,
    describe: `${describe} (or set ${PASSPHRASE_ENV})`,
  }) as unknown as Argv<T & PassphraseArgs>;
}

export async function readPassphrase(args: PassphraseArgs): Promise<string | undefined> {
  let passphrase: string | undefined;
  if (args["passphrase-stdin"]) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    // The first line; the newline `echo` adds is not part of it.
    passphrase = Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
  } else {
    passphrase = process.env[PASSPHRASE_ENV];
  }
  if (passphrase === "") {
    throw new OcreError("OCRE_KEY_PASSPHRASE", "the passphrase is empty", {
      hint: `give a non-empty passphrase, or neither --passphrase-stdin nor ${PASSPHRASE_ENV} for an unencrypted key`,
    });
  }
  return passphrase;
}

interface GenerateArgs extends PassphraseArgs {
  output: string;
}

const generateCommand = defineCommand<GenerateArgs>({
  command: "generate",
  describe: "Create an ECDSA P-256 key pair: <output>.key (mode 0600) and <output>.pub",
  builder: (y) =>
    passphraseFlag(
      y.option("output", {
        alias: "o",
        type: "string",
        default: "ocre",
        describe: "Path prefix of the two files",
      }),
      "Encrypt the private key with a passphrase read from stdin",
    )
      .example("$0 keys generate", "write ocre.key and ocre.pub here")
      .example("printf '%s' \"$PASS\" | $0 keys generate -o keys/release --passphrase-stdin", "encrypted key") as never,
  run: async (args, out) => {
    const { writeKeyPair } = await import("../sign/keys.js");
    const passphrase = await readPassphrase(args);
    const written = await writeKeyPair(path.resolve(args.cwd, args.output), passphrase);
    out.info(
      `wrote ${path.relative(args.cwd, written.privateKeyPath)} (private, mode 0600${written.encrypted ? ", encrypted" : ""}) and ${path.relative(args.cwd, written.publicKeyPath)}`,
    );
    out.print(written.fingerprint);
    out.result({ ok: true, ...written });
  },
});

interface ShowArgs extends PassphraseArgs {
  key: string;
}

const showCommand = defineCommand<ShowArgs>({
  command: "show <key>",
  describe: "Print a key's public key (PEM) and fingerprint (sha256 of the DER public key)",
  builder: (y) =>
    passphraseFlag(
      y.positional("key", { type: "string", demandOption: true, describe: ".pub or .key file" }),
      "Passphrase of an encrypted private key, from stdin",
    ) as never,
  run: async (args, out) => {
    const { loadPublicKey, keyFingerprint, publicKeyPem } = await import("../sign/keys.js");
    const file = path.resolve(args.cwd, args.key);
    const key = await loadPublicKey(file, await readPassphrase(args));
    const fingerprint = keyFingerprint(key);
    const pem = publicKeyPem(key);
    out.print(`${pem.trimEnd()}\nfingerprint: ${fingerprint}`);
    out.result({ ok: true, file, algorithm: "ECDSA P-256", fingerprint, publicKey: pem });
  },
});

export const keysCommand: CommandModule<GlobalArgs, object> = {
  command: "keys",
  describe: "Create and show signing keys (ECDSA P-256, PEM)",
  builder: (y) =>
    y
      .command(generateCommand as unknown as CommandModule<GlobalArgs, object>)
      .command(showCommand as unknown as CommandModule<GlobalArgs, object>)
      .demandCommand(1, "name an action: generate or show") as unknown as Argv<object>,
  handler: () => undefined,
};
