/**
 * `ocre deploy` and `ocre device`: the library. What to deploy (an app directory's build/oci
 * image, a local image, or a registry reference) is resolved here; the device verifies the
 * signature against its own trusted keys, so the host needs none. Registry images are pulled by
 * the device itself, by digest (the host resolves a tag first); `via: "host"` streams them
 * through the host instead (for a device that cannot reach the registry).
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { OcreError } from "../errors.js";
import type { Digest } from "../oci/digest.js";
import type { ImageContent } from "../oci/image-types.js";
import { MEDIA_TYPE_WASM_LAYER } from "../oci/media-types.js";
import type { PullOptions } from "../oci/pull.js";
import { escapeText } from "../ui/escape.js";
import { SmpClient, SmpCmd, SmpOp, SMP_RC, describeAddress, resultOf, type DeviceAddress, type SmpMap } from "./smp.js";

export { parseDeviceAddress, type DeviceAddress } from "./smp.js";

/** Data bytes per install chunk: with its CBOR keys it fits the device's 2 KiB frame. */
const CHUNK = 1024;
/** The device's container names (ocre_store.c valid_name). */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$/;

export interface DeviceEntry {
  readonly name: string;
  readonly digest: string;
  readonly seq: number;
  readonly size: number;
  readonly confirmed: boolean;
  readonly running: boolean;
  readonly previous: string | undefined;
}

export interface DeployResult {
  readonly device: string;
  readonly name: string;
  readonly source: string;
  readonly digest: string;
  /** Who fetched the bytes from where they were: the host (and sent them) or the device. */
  readonly via: "host" | "device";
  /** When the device pulled: whether over https (its registry CA verified the registry). */
  readonly tls?: boolean;
  /** When the device pulled: who turned the reference into the digest. */
  readonly resolve?: "host" | "device";
  readonly bytes: number;
  readonly entry: DeviceEntry;
}

export interface DeployOptions {
  readonly cwd: string;
  /** The name on the device (default: the image's). */
  readonly name?: string;
  /** For registry images: "device" (default) pulls on the device, "host" sends the bytes. */
  readonly via?: "host" | "device";
  /**
   * For a registry image pulled by the device: who turns the reference into a digest. "host"
   * (default) fetches and checks the image first, and the device pulls exactly that digest;
   * "device" sends the tag as it is (the firmware must allow tags) and never contacts the registry.
   */
  readonly resolve?: "host" | "device";
  /** The registry as the device reaches it ("10.0.2.2:5000" from QEMU), if not as the host does. */
  readonly registryAs?: string;
  readonly registry?: PullOptions;
  readonly onProgress?: (sent: number, total: number) => void;
}

const where = describeAddress;

function entryOf(value: unknown, device: string): DeviceEntry {
  const e = value as Record<string, unknown> | null;
  if (
    e === null ||
    typeof e !== "object" ||
    typeof e.name !== "string" ||
    typeof e.digest !== "string" ||
    typeof e.seq !== "number" ||
    typeof e.size !== "number"
  )
    throw new OcreError("OCRE_DEVICE_PROTOCOL", `the device at ${device} listed a malformed container entry`, {
      hint: "is it an ocre device agent of this version?",
    });
  return {
    name: escapeText(e.name.slice(0, 64)),
    digest: escapeText(e.digest.slice(0, 71)),
    seq: e.seq,
    size: e.size,
    confirmed: e.confirmed === true,
    running: e.running === true,
    previous: typeof e.previous === "string" ? escapeText(e.previous.slice(0, 71)) : undefined,
  };
}

/**
 * The device agent's refusals of what an image asks of the firmware (wamr-glue/src/
 * ocre_image.c) have their own fix: another firmware or other settings, not another key.
 */
function hintFor(reason: string | undefined, hint: string): string {
  if (reason === undefined) return hint;
  if (/^needs .*; this firmware was built without CONFIG_/.test(reason))
    return "rebuild the device's firmware with that feature (ocre build --agent compiles in every feature the board has), or deploy an image that does not need it";
  if (
    /^(its |imports |the image asks for a capability|the layer is not|the module's sections|an import's name)/.test(
      reason,
    )
  )
    return "the device runs only images its firmware can run, with settings within its limits: see docs/deploy.md, 'What an installed container gets'";
  return hint;
}

function refused(device: string, what: string, map: SmpMap, hint: string): OcreError {
  const { rc, reason } = resultOf(map);
  return new OcreError(
    "OCRE_DEVICE_REFUSED",
    `the device at ${device} refused ${what}: ${reason ?? SMP_RC[rc] ?? `rc ${rc}`}`,
    { hint: hintFor(reason, hint) },
  );
}

async function withDevice<T>(address: DeviceAddress, fn: (c: SmpClient) => Promise<T>): Promise<T> {
  const client = await SmpClient.connect(address);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The containers installed on the device, each with the version that runs. */
export async function listDevice(address: DeviceAddress): Promise<DeviceEntry[]> {
  return withDevice(address, async (c) => {
    const map = await c.request(SmpOp.read, SmpCmd.list, {});
    if (resultOf(map).rc !== 0) throw refused(where(address), "to list its containers", map, "see the device's log");
    if (!Array.isArray(map.containers))
      throw new OcreError("OCRE_DEVICE_PROTOCOL", `the device at ${where(address)} sent a list without containers`, {
        hint: "is it an ocre device agent of this version?",
      });
    return map.containers.map((e) => entryOf(e, where(address)));
  });
}

function checkName(name: string): string {
  if (!NAME.test(name))
    throw new OcreError("OCRE_USAGE", `"${escapeText(name)}" is not a container name for a device`, {
      hint: "letters, digits, '.', '_' and '-', at most 63, not starting with '.' or '-'",
    });
  return name;
}

/** Erases every version of `name` on the device. */
export async function removeFromDevice(address: DeviceAddress, name: string): Promise<void> {
  await withDevice(address, async (c) => {
    const map = await c.request(SmpOp.write, SmpCmd.remove, { name: checkName(name) });
    if (resultOf(map).rc !== 0) throw refused(where(address), `to remove ${name}`, map, "`ocre device ls` lists them");
  });
}

/** Rolls `name` back to its previous version on the device; returns what now runs. */
export async function rollbackOnDevice(address: DeviceAddress, name: string): Promise<DeviceEntry> {
  await withDevice(address, async (c) => {
    const map = await c.request(SmpOp.write, SmpCmd.rollback, { name: checkName(name) });
    if (resultOf(map).rc !== 0)
      throw refused(
        where(address),
        `to roll ${name} back`,
        map,
        "a rollback needs a previous version that was not rolled back itself (`ocre device ls`)",
      );
  });
  const now = (await listDevice(address)).find((e) => e.name === name);
  if (now === undefined)
    throw new OcreError("OCRE_DEVICE_PROTOCOL", `${name} is gone from the device after its rollback`, {
      hint: "see the device's log",
    });
  return now;
}

/** The parts a device installs: the manifest as signed, cosign's payload, the DER signature, the Wasm. */
interface SignedParts {
  readonly name: string;
  readonly digest: Digest;
  readonly manifest: Uint8Array;
  readonly payload: Uint8Array;
  readonly der: Uint8Array;
  readonly wasm: Uint8Array;
}

function defaultName(ref: string | undefined, fallback: string): string {
  const base = (ref ?? fallback).split("@")[0]!;
  const last = base.slice(base.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  return colon > 0 ? last.slice(0, colon) : last;
}

async function partsOf(content: ImageContent, signatures: ImageContent | undefined, name: string, what: string) {
  const { signatureEntries } = await import("../sign/cosign.js");
  const layer = content.manifest.layers.find((l) => l.mediaType === MEDIA_TYPE_WASM_LAYER);
  const wasm = layer === undefined ? undefined : content.blobs.get(layer.digest);
  if (wasm === undefined)
    throw new OcreError("OCRE_OCI_INVALID", `${what} has no ${MEDIA_TYPE_WASM_LAYER} layer`, {
      hint: "deploy an ocre image (ocre build makes one)",
    });
  const entry = signatures === undefined ? undefined : signatureEntries(signatures, `the signature of ${what}`)[0];
  if (entry === undefined)
    throw new OcreError("OCRE_SIGNATURE_MISSING", `${what} is not signed; a device installs only signed images`, {
      hint: "sign it with a key the device trusts: ocre sign --key <key> (or ocre build --sign <key>)",
    });
  const parts: SignedParts = {
    name,
    digest: content.manifestDigest,
    manifest: content.manifestBytes,
    payload: entry.payload,
    der: Buffer.from(entry.signature, "base64"),
    wasm,
  };
  return parts;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() === true;
}

/** Sends the parts in chunks (MCUmgr image upload style) and returns what the device installed. */
async function sendInstall(
  client: SmpClient,
  device: string,
  parts: SignedParts,
  onProgress?: (sent: number, total: number) => void,
): Promise<DeviceEntry> {
  const body = Buffer.concat([parts.manifest, parts.payload, parts.der, parts.wasm]);
  const sha = Buffer.from(parts.digest.slice("sha256:".length), "hex");
  let off = 0;
  for (;;) {
    const data = body.subarray(off, off + CHUNK);
    const request: SmpMap =
      off === 0
        ? {
            off,
            name: parts.name,
            msz: parts.manifest.length,
            psz: parts.payload.length,
            dsz: parts.der.length,
            wsz: parts.wasm.length,
            sha,
            data,
          }
        : { off, data };
    const map = await client.request(SmpOp.write, SmpCmd.install, request);
    if (resultOf(map).rc !== 0)
      throw refused(
        device,
        `to install ${parts.name}`,
        map,
        "a device installs only images signed by a key its firmware trusts (ocre build --trust <key.pub>)",
      );
    const next = typeof map.off === "number" ? map.off : -1;
    if (next <= off || next > body.length)
      throw new OcreError("OCRE_DEVICE_PROTOCOL", `the device at ${device} answered offset ${next} after ${off}`, {
        hint: "is it an ocre device agent of this version?",
      });
    off = next;
    onProgress?.(off, body.length);
    if (off === body.length) return entryOf(map.entry, device);
  }
}

/** Installs (or updates) an image on the device. */
export async function deploy(source: string, address: DeviceAddress, options: DeployOptions): Promise<DeployResult> {
  const device = where(address);
  const { namesRegistry } = await import("../oci/reference.js");
  const dir = path.resolve(options.cwd, source);
  if (!(await isDirectory(dir)) && namesRegistry(source)) return deployRemote(source, address, options);
  const { resolveLocalImage } = await import("../oci/store.js");
  const { readLayoutImage } = await import("../oci/layout.js");
  const { readLocalSignature } = await import("../sign/store.js");
  const local = (await isDirectory(dir))
    ? await resolveLocalImage(undefined, { cwd: dir })
    : await resolveLocalImage(source, { cwd: options.cwd });
  const content = await readLayoutImage(local.layout, local.descriptor);
  const signatures = await readLocalSignature(local.layout, content.manifestDigest);
  const what = local.ref ?? content.manifestDigest;
  // A build layout names its image by tag only: the title annotation ("hello:1.0.0") names it.
  const name = checkName(options.name ?? defaultName(local.name ?? local.ref, path.basename(dir)));
  const parts = await partsOf(content, signatures, name, what);
  const entry = await withDevice(address, (c) => sendInstall(c, device, parts, options.onProgress));
  return { device, name, source: what, digest: parts.digest, via: "host", bytes: parts.wasm.length, entry };
}

async function deployRemote(source: string, address: DeviceAddress, options: DeployOptions): Promise<DeployResult> {
  const device = where(address);
  const { parseReference, formatReference, isLoopbackHost } = await import("../oci/reference.js");
  const target = parseReference(source);
  const name = checkName(options.name ?? defaultName(target.repository, target.repository));
  if (options.resolve === "device") {
    if (options.via === "host")
      throw new OcreError("OCRE_USAGE", "--resolve device needs the device to pull the image itself", {
        hint: "drop --via host (the host then never contacts the registry), or drop --resolve device",
      });
    // The host does not contact the registry, so nothing says which scheme it serves: plain
    // http where the host's own client would accept it (loopback, --insecure), else https.
    const plain = isLoopbackHost(target.registry) || options.registry?.insecure === true;
    const registry = registryForDevice(options.registryAs ?? target.registry, !plain);
    const what = target.digest !== undefined ? { sha: digestBytes(target.digest) } : { tag: target.tag! };
    const entry = await devicePull(address, name, registry, target.repository, what, formatReference(target));
    return {
      device,
      name,
      source: formatReference(target),
      digest: entry.digest,
      via: "device",
      tls: registry.tls,
      resolve: "device",
      bytes: entry.size,
      entry,
    };
  }
  // The host resolves a tag to the digest (and sees that a signature exists); the device then
  // pulls exactly that digest and checks everything again itself.
  const { fetchSignedImage } = await import("../sign/index.js");
  const fetched = await fetchSignedImage(target, options.registry ?? {});
  const parts = await partsOf(fetched.content, fetched.signatures, name, formatReference(target));
  if (options.via === "host") {
    const entry = await withDevice(address, (c) => sendInstall(c, device, parts, options.onProgress));
    return {
      device,
      name,
      source: formatReference(target),
      digest: parts.digest,
      via: "host",
      bytes: parts.wasm.length,
      entry,
    };
  }
  const registry = registryForDevice(options.registryAs ?? target.registry, fetched.secure);
  const what = `${formatReference(target)}@${parts.digest}`;
  const entry = await devicePull(address, name, registry, target.repository, { sha: digestBytes(parts.digest) }, what);
  return {
    device,
    name,
    source: formatReference(target),
    digest: parts.digest,
    via: "device",
    tls: registry.tls,
    resolve: "host",
    bytes: parts.wasm.length,
    entry,
  };
}

interface DeviceRegistry {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

/** "https://host:port" (or "http://"), or host:port with the scheme `secure` says. */
function registryForDevice(text: string, secure: boolean): DeviceRegistry {
  const m = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (!m)
    throw new OcreError(
      "OCRE_USAGE",
      `the device needs the registry as [https://]host:port, not "${escapeText(text)}"`,
      { hint: "give --registry-as <[https://]host:port> (as the device reaches it), or --via host" },
    );
  return { host: m[2]!, port: Number(m[3]), tls: m[1] === undefined ? secure : m[1] === "https" };
}

function digestBytes(digest: string): Buffer {
  return Buffer.from(digest.slice("sha256:".length), "hex");
}

/** The device pulls repo@sha (or repo:tag) itself; its answer's entry is what it installed. */
async function devicePull(
  address: DeviceAddress,
  name: string,
  registry: DeviceRegistry,
  repo: string,
  what: { readonly sha: Buffer } | { readonly tag: string },
  shown: string,
): Promise<DeviceEntry> {
  const device = where(address);
  const map = await withDevice(address, (c) =>
    c.request(
      SmpOp.write,
      SmpCmd.pull,
      { name, host: registry.host, port: registry.port, repo, ...what, ...(registry.tls ? { tls: true } : {}) },
      // The device retries a failing registry a few times with back-off: give it time.
      180_000,
    ),
  );
  if (resultOf(map).rc !== 0)
    throw refused(
      device,
      `to pull ${shown}`,
      map,
      registry.tls
        ? "the device pulls over https (its registry CA must sign the registry's certificate, for this host name) and installs only what a trusted key signed"
        : "the device pulls over plain HTTP and installs only what a trusted key signed",
    );
  const entry = entryOf(map.entry, device);
  if ("sha" in what && entry.digest !== `sha256:${what.sha.toString("hex")}`)
    throw new OcreError(
      "OCRE_DEVICE_PROTOCOL",
      `the device at ${device} installed ${entry.digest}, not the digest asked for`,
      {
        hint: "is it an ocre device agent of this version?",
      },
    );
  return entry;
}
