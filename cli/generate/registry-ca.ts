import { X509Certificate } from "node:crypto";
import { open } from "node:fs/promises";
import { OcreError } from "../errors.js";
import { USER_FIXABLE, isUserFsError } from "../util/fs-errors.js";

/**
 * The registry CA a firmware's https pulls trust (ocre.yaml `device.agent.registryCa`,
 * `--registry-ca`; docs/deploy.md "TLS"): the PEM file is copied into the generated project as
 * REGISTRY_CA_FILE, which the ocre module's CMake turns into a C array added as a TLS
 * credential (zephyr-module/CMakeLists.txt, port/ocre_net_zephyr.c).
 */

/** The CA's name in the generated project (CONFIG_OCRE_AGENT_PULL_TLS_CA_FILE). */
export const REGISTRY_CA_FILE = "registry-ca.pem";

/**
 * Largest CA file. mbedTLS parses every certificate of it into its heap on each connection
 * (CONFIG_MBEDTLS_HEAP_SIZE, measured with a bundle of two CAs); a bundle of public CAs (200 KB)
 * would not fit a device.
 */
export const REGISTRY_CA_MAX_BYTES = 16 * 1024;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

function refuse(file: string, problem: string, hint: string): OcreError {
  return new OcreError("OCRE_REGISTRY_CA", `registry CA ${file}: ${problem}`, { hint });
}

const FIX = "give the PEM file of the CA that signed the registry's https certificate (`-----BEGIN CERTIFICATE-----`)";

/**
 * Reads and checks the CA file: readable, at most REGISTRY_CA_MAX_BYTES, PEM text with one or
 * more certificates that parse as X.509, and nothing else (a private key next to them is refused:
 * it would end up in every firmware). Returns the file's bytes, unchanged.
 */
export async function loadRegistryCa(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    const handle = await open(file, "r");
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw refuse(file, "not a file", FIX);
      if (info.size > REGISTRY_CA_MAX_BYTES)
        throw refuse(
          file,
          `${info.size} bytes, more than the ${REGISTRY_CA_MAX_BYTES} a device's mbedTLS heap is sized for`,
          "give only the CA (or the few CAs) that sign your registries' certificates, not a system bundle",
        );
      bytes = new Uint8Array(await handle.readFile());
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof OcreError) throw error;
    if (isUserFsError(error)) {
      const code = error.code as string;
      throw refuse(file, `cannot read it: ${USER_FIXABLE[code]} (${code})`, `check the path (${FIX})`);
    }
    throw error;
  }
  const text = Buffer.from(bytes).toString("latin1");
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw refuse(file, "not a PEM file (no `-----BEGIN CERTIFICATE-----` block)", FIX);
  const other = blocks.find((b) => b[1] !== "CERTIFICATE");
  if (other !== undefined) {
    throw refuse(
      file,
      `it holds a ${JSON.stringify(other[1])} block besides certificates${/PRIVATE/.test(other[1] ?? "") ? " (a private key must never go into a firmware)" : ""}`,
      "keep only the CA's certificate(s) in the file",
    );
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block[0]);
    } catch {
      throw refuse(file, `certificate ${i + 1} of ${blocks.length} does not parse as X.509`, FIX);
    }
  }
  return bytes;
}
