import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { link, mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { OcreError } from "../errors.js";
import { tempSibling } from "../util/atomic.js";

/**
 * Signing keys: ECDSA P-256 (the scheme cosign's signature spec requires every implementation to
 * support), PEM encoded. The private key is PKCS#8, optionally encrypted with a passphrase
 * (PBES2: PBKDF2-SHA256 + AES-256-CBC, what OpenSSL writes for `openssl pkcs8 -topk8 -v2
 * aes-256-cbc`). That is not cosign's own "ENCRYPTED SIGSTORE PRIVATE KEY" (scrypt + NaCl
 * secretbox) format; an unencrypted ocre key is a plain PKCS#8 EC key that openssl reads, and the
 * public key is the SubjectPublicKeyInfo PEM that `cosign verify --key` takes.
 */

/** Largest key file we read: a P-256 PEM is ~250 bytes; anything far larger is not a key. */
const MAX_KEY_FILE = 16 * 1024;

export interface KeyPairPem {
  readonly privatePem: string;
  readonly publicPem: string;
}

export function generateKeyPair(passphrase?: string): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: "P-256",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding:
      passphrase === undefined
        ? { type: "pkcs8", format: "pem" }
        : { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/**
 * Creates `target` holding `data` with mode `mode`, refusing to replace an existing file. The
 * bytes go to a sibling created with O_EXCL and that mode (so the file is never readable by others,
 * not even while being written; umask can only remove permission bits), then are hard-linked into
 * place, which fails if `target` appeared meanwhile and never exposes a half-written key.
 */
async function createExclusive(target: string, data: string, mode: number): Promise<void> {
  const tmp = tempSibling(target);
  const handle = await open(tmp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new OcreError("OCRE_KEY_EXISTS", `${target} already exists`, {
        hint: "choose another --output prefix, or remove the old key pair first (keys are never overwritten)",
      });
    }
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

export interface WrittenKeys {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
  readonly fingerprint: string;
  readonly encrypted: boolean;
}

/** Writes `<prefix>.key` (mode 0600) and `<prefix>.pub` (mode 0644); neither may exist yet. */
export async function writeKeyPair(prefix: string, passphrase?: string): Promise<WrittenKeys> {
  const pair = generateKeyPair(passphrase);
  const privateKeyPath = `${prefix}.key`;
  const publicKeyPath = `${prefix}.pub`;
  await mkdir(path.dirname(privateKeyPath), { recursive: true });
  for (const file of [privateKeyPath, publicKeyPath]) {
    const exists = await open(file, "r").then(
      async (h) => (await h.close(), true),
      () => false,
    );
    if (exists) {
      throw new OcreError("OCRE_KEY_EXISTS", `${file} already exists`, {
        hint: "choose another --output prefix, or remove the old key pair first (keys are never overwritten)",
      });
    }
  }
  await createExclusive(privateKeyPath, pair.privatePem, 0o600);
  await createExclusive(publicKeyPath, pair.publicPem, 0o644);
  return {
    privateKeyPath,
    publicKeyPath,
    fingerprint: keyFingerprint(createPublicKey(pair.publicPem)),
    encrypted: passphrase !== undefined,
  };
}

async function readKeyFile(file: string, what: string): Promise<string> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new OcreError("OCRE_KEY_READ", `cannot read ${what} ${file} (${error.code ?? error.message})`, {
      cause: error,
      hint: "check the path; `ocre keys generate` creates a key pair",
    });
  });
  if (bytes.byteLength > MAX_KEY_FILE || !bytes.toString("latin1").includes("-----BEGIN ")) {
    throw new OcreError("OCRE_KEY_INVALID", `${file} is not a PEM ${what}`, {
      hint: "ocre reads PEM keys as `ocre keys generate` (or `openssl ecparam -name prime256v1`) writes them",
    });
  }
  return bytes.toString("utf8");
}

function requireP256(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new OcreError(
      "OCRE_KEY_UNSUPPORTED",
      `${file} is a ${key.asymmetricKeyType ?? "unknown"}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ""} key; ocre signs with ECDSA P-256 only`,
      { hint: "create one with `ocre keys generate`" },
    );
  }
  return key;
}

/** Reads a private signing key; an encrypted one needs its passphrase. */
export async function loadPrivateKey(file: string, passphrase?: string): Promise<KeyObject> {
  const pem = await readKeyFile(file, "private key");
  if (pem.includes("PUBLIC KEY-----")) {
    throw new OcreError("OCRE_KEY_INVALID", `${file} is a public key; signing needs the private key`, {
      hint: "pass the .key file that `ocre keys generate` wrote next to the .pub",
    });
  }
  const encrypted = pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----");
  if (encrypted && passphrase === undefined) {
    throw new OcreError("OCRE_KEY_PASSPHRASE", `${file} is encrypted and no passphrase was given`, {
      hint: "set OCRE_KEY_PASSPHRASE or pass --passphrase-stdin",
    });
  }
  try {
    return requireP256(createPrivateKey({ key: pem, format: "pem", passphrase: passphrase ?? "" }), file);
  } catch (error) {
    if (error instanceof OcreError) throw error;
    throw new OcreError(
      encrypted ? "OCRE_KEY_PASSPHRASE" : "OCRE_KEY_INVALID",
      encrypted ? `cannot decrypt ${file}: wrong passphrase` : `${file} is not a readable private key`,
      {
        cause: error,
        hint: encrypted
          ? "check OCRE_KEY_PASSPHRASE or the passphrase on stdin"
          : "create one with `ocre keys generate`",
      },
    );
  }
}

/** Reads a public key (SubjectPublicKeyInfo PEM); a private key file gives its public half. */
export async function loadPublicKey(file: string, passphrase?: string): Promise<KeyObject> {
  const pem = await readKeyFile(file, "public key");
  if (!pem.includes("PUBLIC KEY-----")) return createPublicKey(await loadPrivateKey(file, passphrase));
  try {
    return requireP256(createPublicKey({ key: pem, format: "pem" }), file);
  } catch (error) {
    if (error instanceof OcreError) throw error;
    throw new OcreError("OCRE_KEY_INVALID", `${file} is not a readable public key`, {
      cause: error,
      hint: "pass the .pub file that `ocre keys generate` wrote",
    });
  }
}

/** The DER SubjectPublicKeyInfo (91 bytes for P-256). */
export function publicKeyDer(key: KeyObject): Buffer {
  return (key.type === "private" ? createPublicKey(key) : key).export({ type: "spki", format: "der" });
}

/** The uncompressed point 04||X||Y (65 bytes), the form PSA Crypto imports. */
export function publicKeyPoint(key: KeyObject): Buffer {
  return publicKeyDer(key).subarray(-65);
}

/** "sha256:<hex>" of the DER SubjectPublicKeyInfo: the same key always gives the same name. */
export function keyFingerprint(key: KeyObject): string {
  return `sha256:${createHash("sha256").update(publicKeyDer(key)).digest("hex")}`;
}

export function publicKeyPem(key: KeyObject): string {
  return (key.type === "private" ? createPublicKey(key) : key).export({ type: "spki", format: "pem" }) as string;
}
