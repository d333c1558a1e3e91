import path from "node:path";
import type { Argv } from "yargs";
import { defineCommand } from "./define.js";
import { humanBytes, progressBars, registryFlags, registryOptions, type RegistryArgs } from "./push.js";

interface PullArgs extends RegistryArgs {
  reference: string;
  "verify-key"?: string[];
}

export const pullCommand = defineCommand<PullArgs>({
  command: "pull <reference>",
  describe: "Pull an image from a registry into the local store: ocre pull <registry>/<repository>:<tag|@digest>",
  builder: (y) =>
    registryFlags(y)
      .positional("reference", {
        type: "string",
        demandOption: true,
        describe: "<registry>/<repository>:<tag> or <registry>/<repository>@sha256:<hex>",
      })
      .option("verify-key", {
        type: "string",
        array: true,
        describe: "Refuse the image unless one of these public keys signed it (cosign format); nothing is written",
      })
      .example(
        "$0 pull localhost:5000/blinky:1.0.0",
        "fetch into the user store (`ocre image ls` shows it)",
      ) as unknown as Argv<PullArgs>,
  run: async (args, out) => {
    // The library loads on use, so other commands do not pay for it at start-up.
    const { addToLayout, annotations, formatReference, parseReference, writableLayout } =
      await import("../oci/index.js");
    const { fetchSignedImage, loadPublicKey, signatureTag } = await import("../sign/index.js");
    const target = parseReference(args.reference);
    const keys =
      args["verify-key"] === undefined
        ? undefined
        : await Promise.all(args["verify-key"].map((k) => loadPublicKey(path.resolve(args.cwd, k))));
    const options = await registryOptions(args, out);
    const bars = await progressBars(out);
    // Every digest (and, with --verify-key, the signature) is checked in memory first; the layout
    // only ever receives a verified image.
    const { content, signatures, verified } = await fetchSignedImage(
      target,
      { ...options, onProgress: bars.update },
      keys,
    ).finally(bars.stop);
    const layout = writableLayout({ cwd: args.cwd, layout: args.layout });
    const ref = formatReference(target);
    const origin = { [annotations.OCRE_ORIGIN]: `${target.registry}/${target.repository}` };
    await addToLayout(layout, [
      { content, ref, annotations: origin },
      // The signature travels with the image (index.json entry `<repository>:sha256-<hex>.sig`).
      ...(signatures
        ? [
            {
              content: signatures,
              ref: `${target.registry}/${target.repository}:${signatureTag(content.manifestDigest)}`,
            },
          ]
        : []),
    ]);
    if (verified) out.info(`signature verified: ${verified.keyFingerprint}`);
    const blobs = [content.manifest.config, ...content.manifest.layers].map((d) => ({
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
    }));
    const size = content.manifestBytes.byteLength + blobs.reduce((sum, b) => sum + b.size, 0);
    out.info(`pulled ${ref} (${humanBytes(size)}) into ${layout}`);
    out.print(content.manifestDigest);
    out.result({
      ok: true,
      ref,
      digest: content.manifestDigest,
      mediaType: content.manifest.mediaType,
      manifestSize: content.manifestBytes.byteLength,
      size,
      blobs,
      layout,
      signed: signatures !== undefined,
      ...(verified ? { verifiedBy: verified.keyFingerprint } : {}),
    });
  },
});
