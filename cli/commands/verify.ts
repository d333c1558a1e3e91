import path from "node:path";
import type { Argv } from "yargs";
import { defineCommand } from "./define.js";
import { OcreError } from "../errors.js";
import { registryFlags, registryOptions, type RegistryArgs } from "./push.js";

interface VerifyArgs extends RegistryArgs {
  image?: string;
  key: string[];
  remote: boolean;
}

export const verifyCommand = defineCommand<VerifyArgs>({
  command: "verify [image]",
  describe: "Check an image's cosign signature against public keys (local image, else the registry)",
  builder: (y) =>
    registryFlags(y)
      .positional("image", {
        type: "string",
        describe: "Local image or <registry>/<repository>:<tag|@digest>; default: the app's build/oci image",
      })
      .option("key", {
        type: "string",
        array: true,
        demandOption: true,
        describe: "Trusted public key (PEM; repeatable: any one of them may have signed)",
      })
      .option("remote", {
        type: "boolean",
        default: false,
        describe: "Check the image and signature in the registry even when a local copy exists",
      })
      .example("$0 verify --key ocre.pub", "the app's image in build/oci")
      .example(
        "$0 verify localhost:5000/iot/blinky:1.0.0 --key ocre.pub --remote",
        "the copy in a registry",
      ) as unknown as Argv<VerifyArgs>,
  run: async (args, out) => {
    const { fetchSignedImage, loadPublicKey, verifyLocalImage } = await import("../sign/index.js");
    const keys = await Promise.all(args.key.map((k) => loadPublicKey(path.resolve(args.cwd, k))));
    let result: { image: string; digest: string; keyFingerprint: string; dockerReference: string; from: string };
    let local: Awaited<ReturnType<typeof verifyLocalImage>> | undefined;
    if (!args.remote) {
      try {
        local = await verifyLocalImage(args.image, keys, { cwd: args.cwd, layout: args.layout });
      } catch (error) {
        const remoteCandidate = args.image !== undefined && args.image.includes("/") && args.layout === undefined;
        if (!(error instanceof OcreError) || error.code !== "OCRE_IMAGE_NOT_FOUND" || !remoteCandidate) throw error;
      }
    }
    if (local !== undefined) {
      result = {
        image: local.image,
        digest: local.digest,
        keyFingerprint: local.keyFingerprint,
        dockerReference: local.dockerReference,
        from: "local",
      };
    } else {
      if (args.image === undefined)
        throw new OcreError("OCRE_USAGE", "--remote needs an image reference", {
          hint: "ocre verify <registry>/<repository>:<tag> --remote --key <pub>",
        });
      const { parseReference, formatReference } = await import("../oci/reference.js");
      const target = parseReference(args.image);
      const fetched = await fetchSignedImage(target, await registryOptions(args, out), keys);
      const verified = fetched.verified!;
      result = {
        image: formatReference(target),
        digest: fetched.content.manifestDigest,
        keyFingerprint: verified.keyFingerprint,
        dockerReference: verified.dockerReference,
        from: "registry",
      };
    }
    out.info(`verified ${result.image} (${result.digest}): signed by ${result.keyFingerprint}`);
    out.print(result.digest);
    out.result({ ok: true, ...result });
  },
});
