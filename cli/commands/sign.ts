import path from "node:path";
import type { Argv } from "yargs";
import { defineCommand } from "./define.js";
import { passphraseFlag, readPassphrase, type PassphraseArgs } from "./keys.js";

interface SignArgs extends PassphraseArgs {
  image?: string;
  key: string;
  identity?: string;
  layout?: string;
}

export const signCommand = defineCommand<SignArgs>({
  command: "sign [image]",
  describe: "Sign a local image in cosign's format; the signature is stored with it and `ocre push` sends both",
  builder: (y) =>
    passphraseFlag(
      y
        .positional("image", {
          type: "string",
          describe: "Local image (tag, name:version, digest, oci:DIR:TAG); default: the app's build/oci image",
        })
        .option("key", { type: "string", demandOption: true, describe: "Private key (PEM, from `ocre keys generate`)" })
        .option("identity", {
          type: "string",
          describe: "docker-reference the signature names (default: the image's repository or title)",
        })
        .option("layout", {
          type: "string",
          describe: "Use this OCI image layout instead of build/oci and the user store",
        }),
      "Passphrase of an encrypted key, from stdin",
    )
      .example("$0 sign --key ocre.key", "sign the app's image in build/oci")
      .example(
        "$0 sign localhost:5000/iot/blinky:1.0.0 --key release.key",
        "sign a pulled image",
      ) as unknown as Argv<SignArgs>,
  run: async (args, out) => {
    const { loadPrivateKey, signLocalImage } = await import("../sign/index.js");
    const key = await loadPrivateKey(path.resolve(args.cwd, args.key), await readPassphrase(args));
    const result = await signLocalImage(args.image, key, { cwd: args.cwd, layout: args.layout }, args.identity);
    out.info(
      result.added
        ? `signed ${result.image} (${result.digest}) with ${result.keyFingerprint}; stored as ${result.signatureRef} in ${result.layout}`
        : `${result.image} (${result.digest}) already carries this key's signature (${result.keyFingerprint})`,
    );
    out.print(result.signature);
    out.result({ ok: true, ...result });
  },
});
