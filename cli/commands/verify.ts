import path from "node:path";
import { defineCommand } from "./define.js";
import { verifyCommand } from "./grammar.js";
import { OcreError } from "../errors.js";
import { registryOptions } from "./push.js";

/** `ocre verify` (options: cli/commands/grammar.ts). */
export const run = defineCommand(verifyCommand, async (args, out) => {
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
});
