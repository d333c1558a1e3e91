import path from "node:path";
import { defineCommand } from "./define.js";
import { pullCommand } from "./grammar.js";
import { humanBytes, progressBars, registryOptions } from "./push.js";

/** `ocre pull` (options: cli/commands/grammar.ts). */
export const run = defineCommand(pullCommand, async (args, out) => {
  // The library loads on use, so other commands do not pay for it at start-up.
  const { annotations, formatReference, parseReference, pullImage, writableLayout } = await import("../oci/index.js");
  const { loadPublicKey, signatureTag, verifySignatures } = await import("../sign/index.js");
  const { fetchSignature } = await import("../sign/remote.js");
  const target = parseReference(args.reference);
  const keys =
    args["verify-key"] === undefined
      ? undefined
      : await Promise.all(args["verify-key"].map((k) => loadPublicKey(path.resolve(args.cwd, k))));
  const options = await registryOptions(args, out);
  const bars = await progressBars(out);
  const layout = writableLayout({ cwd: args.cwd, layout: args.layout });
  const ref = formatReference(target);
  let signed = false;
  let verified: ReturnType<typeof verifySignatures> | undefined;
  // Blobs stream into the store's staging folder as they are hashed; the image appears in the
  // store only once every digest has been checked. The signature is fetched (and, with
  // --verify-key, checked) as soon as the manifest's digest is known, before any blob: a
  // refused image costs no download and writes nothing.
  const result = await pullImage(
    target,
    layout,
    { ref, annotations: { [annotations.OCRE_ORIGIN]: `${target.registry}/${target.repository}` } },
    {
      ...options,
      onProgress: bars.update,
      vet: async (client, digest) => {
        const signatures = await fetchSignature(client, target, digest);
        if (keys !== undefined) verified = verifySignatures(signatures, digest, keys, ref);
        signed = signatures !== undefined;
        // The signature travels with the image (index.json entry `<repository>:sha256-<hex>.sig`).
        return signatures
          ? [{ content: signatures, ref: `${target.registry}/${target.repository}:${signatureTag(digest)}` }]
          : [];
      },
    },
  ).finally(bars.stop);
  for (const blob of result.blobs) {
    out.debug(`${blob.digest} ${blob.mediaType} ${blob.size} bytes: ${blob.action}`);
    if (blob.action === "repaired") out.info(`repaired blob ${blob.digest} (the store's copy was damaged)`);
  }
  if (verified) out.info(`signature verified: ${verified.keyFingerprint}`);
  out.info(`pulled ${ref} (${humanBytes(result.size)}) into ${layout}`);
  out.print(result.digest);
  out.result({
    ok: true,
    ...result,
    signed,
    ...(verified ? { verifiedBy: verified.keyFingerprint } : {}),
  });
});
