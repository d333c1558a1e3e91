import path from "node:path";
import { defineCommand } from "./define.js";
import { keysCommand, sub } from "./grammar.js";
import { OcreError } from "../errors.js";

/** Where a key's passphrase comes from: stdin (--passphrase-stdin) or $OCRE_KEY_PASSPHRASE; never argv. */
export interface PassphraseArgs {
  "passphrase-stdin": boolean;
}

export const PASSPHRASE_ENV = "OCRE_KEY_PASSPHRASE";

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

/** `ocre keys generate`. */
export const generate = defineCommand(sub(keysCommand, "generate"), async (args, out) => {
  const { writeKeyPair } = await import("../sign/keys.js");
  const passphrase = await readPassphrase(args);
  const written = await writeKeyPair(path.resolve(args.cwd, args.output), passphrase);
  out.info(
    `wrote ${path.relative(args.cwd, written.privateKeyPath)} (private, mode 0600${written.encrypted ? ", encrypted" : ""}) and ${path.relative(args.cwd, written.publicKeyPath)}`,
  );
  out.print(written.fingerprint);
  out.result({ ok: true, ...written });
});

/** `ocre keys show`. */
export const show = defineCommand(sub(keysCommand, "show"), async (args, out) => {
  const { loadPublicKey, keyFingerprint, publicKeyPem } = await import("../sign/keys.js");
  const file = path.resolve(args.cwd, args.key);
  const key = await loadPublicKey(file, await readPassphrase(args));
  const fingerprint = keyFingerprint(key);
  const pem = publicKeyPem(key);
  out.print(`${pem.trimEnd()}\nfingerprint: ${fingerprint}`);
  out.result({ ok: true, file, algorithm: "ECDSA P-256", fingerprint, publicKey: pem });
});
