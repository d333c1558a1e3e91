import { createPublicKey, type KeyObject } from "node:crypto";
import path from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import type { ContainerSpec } from "../spec.js";
import { keyFingerprint } from "./keys.js";
import { signLocalImage } from "./index.js";

/** `ocre build --sign <key>`: the key, read and decrypted once by the command. */
export interface SignOption {
  readonly key: KeyObject;
  /** Part of the build's cache key (the key object itself serialises to nothing). */
  readonly fingerprint: string;
}

export function signOption(key: KeyObject): SignOption {
  return { key, fingerprint: keyFingerprint(createPublicKey(key)) };
}

export interface SignatureSection {
  readonly digest: string;
  readonly keyFingerprint: string;
  /** The layout entry holding the signature. */
  readonly ref: string;
}

/**
 * The `signature` stage of `ocre build` (after the image stage, before boards): signs the app's
 * image in build/oci, so that the signature is there for the generated firmware to embed and for
 * `ocre push`. Returns the report section, or undefined without --sign.
 */
export async function signStage(
  specs: readonly ContainerSpec[],
  config: ResolvedConfig,
  options: { readonly sign?: SignOption },
): Promise<SignatureSection | undefined> {
  if (options.sign === undefined || specs.length === 0) return undefined;
  const layout = path.join(config.buildDir, "oci");
  const signed = await signLocalImage(config.image.tag, options.sign.key, { cwd: config.appDir, layout });
  return { digest: signed.digest, keyFingerprint: signed.keyFingerprint, ref: signed.signatureRef };
}
