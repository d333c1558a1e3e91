import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { fixtureSpec } from "./oci-fixture.mjs";
import {
  parseImageIndex,
  parseImageManifest,
  parseManifestDocument,
  parseOcreAnnotations,
  parseWasmConfig,
  renderImage,
  specFromImageContent,
  type ImageContent,
} from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import { OcreError } from "../cli/errors.js";

const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const desc = { mediaType: "application/wasm", digest: digest("a"), size: 3 };
const manifest = {
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: { mediaType: "application/vnd.wasm.config.v0+json", digest: digest("b"), size: 10 },
  layers: [desc],
};

/** The error a parser throws, so a test can assert its code and the words of its message. */
function failure(fn: () => unknown): OcreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OcreError);
    return error as OcreError;
  }
  throw new Error("expected an error");
}

describe("manifest", () => {
  it("accepts a well-formed manifest", () => {
    const m = parseImageManifest(enc(manifest), "manifest M");
    expect(m.layers[0]).toEqual(desc);
  });

  it.each([
    ["non-JSON", "{not json", "manifest M: is not JSON"],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), "manifest M: is not UTF-8"],
    ["null document", "null", "manifest M: (top level) is null, not an object"],
    ["array document", "[]", "manifest M: (top level) is an array, not an object"],
    ["schemaVersion 1", { ...manifest, schemaVersion: 1 }, "manifest M: schemaVersion is 1, not 2"],
    ["null layer", { ...manifest, layers: [null] }, "manifest M: layers[0] is null, not an object"],
    ["layers not an array", { ...manifest, layers: {} }, "manifest M: layers is an object, not an array"],
    ["null config", { ...manifest, config: null }, "manifest M: config is null, not an object"],
    [
      "string size",
      { ...manifest, layers: [{ ...desc, size: "3" }] },
      'manifest M: layers[0].size is "3", not a byte count',
    ],
    [
      "negative size",
      { ...manifest, layers: [{ ...desc, size: -1 }] },
      "manifest M: layers[0].size is -1, not a byte count",
    ],
    [
      "huge size",
      { ...manifest, layers: [{ ...desc, size: 1e300 }] },
      "manifest M: layers[0].size is 1e+300, not a byte count",
    ],
    [
      "numeric media type",
      { ...manifest, layers: [{ ...desc, mediaType: 7 }] },
      "manifest M: layers[0].mediaType is a number, not a string",
    ],
    [
      "annotation of the wrong type",
      { ...manifest, annotations: { "io.ocre.args": {} } },
      'manifest M: annotations["io.ocre.args"] is an object, not a string',
    ],
    ["annotations null", { ...manifest, annotations: null }, "manifest M: annotations is null, not an object"],
  ])("refuses %s, naming the document and field", (_name, doc, message) => {
    const error = failure(() => parseImageManifest(doc instanceof Uint8Array ? doc : enc(doc), "manifest M"));
    expect(error.code).toBe("OCRE_OCI_INVALID");
    expect(error.exitCode).toBe(1);
    expect(error.message.startsWith(message)).toBe(true);
  });

  it("refuses a bad digest with OCRE_OCI_DIGEST_INVALID naming the field", () => {
    const error = failure(() =>
      parseImageManifest(enc({ ...manifest, layers: [{ ...desc, digest: "md5:x" }] }), "manifest M"),
    );
    expect(error.code).toBe("OCRE_OCI_DIGEST_INVALID");
    expect(error.message).toContain("manifest M: layers[0].digest");
  });

  it("refuses a manifest over 4 MiB before parsing it", () => {
    const big = enc({ ...manifest, annotations: { pad: "x".repeat(4 * 1024 * 1024) } });
    const error = failure(() => parseImageManifest(big, "manifest M"));
    expect(error.message).toMatch(/^manifest M: is \d+ bytes, over the 4194304-byte limit$/);
  });

  it("refuses an index where a manifest is expected", () => {
    const error = failure(() =>
      parseImageManifest(enc({ ...manifest, mediaType: "application/vnd.oci.image.index.v1+json" }), "manifest M"),
    );
    expect(error.code).toBe("OCRE_OCI_INVALID");
    expect(error.message).toContain("is not an image manifest");
  });
});

describe("index", () => {
  it("refuses null entries and missing lists", () => {
    expect(failure(() => parseImageIndex(enc({ schemaVersion: 2, manifests: [null] }), "index.json")).message).toBe(
      "index.json: manifests[0] is null, not an object",
    );
    expect(failure(() => parseImageIndex(enc({ schemaVersion: 2 }), "index.json")).message).toBe(
      "index.json: manifests is undefined, not an array",
    );
  });

  it("tells an index from a manifest by media type, content type or shape", () => {
    const index = { schemaVersion: 2, manifests: [{ ...desc, mediaType: manifest.mediaType }] };
    expect(parseManifestDocument(enc(index), "m").kind).toBe("index");
    expect(parseManifestDocument(enc(manifest), "m").kind).toBe("manifest");
    const bare: Record<string, unknown> = { ...manifest };
    delete bare.mediaType;
    expect(parseManifestDocument(enc(bare), "m", "application/vnd.oci.image.manifest.v1+json").kind).toBe("manifest");
  });
});

describe("wasm config", () => {
  const good = { architecture: "wasm", os: "wasip1", layerDigests: [digest("a")], created: "1970-01-01T00:00:00Z" };

  it("accepts the CNCF config", () => {
    expect(parseWasmConfig(enc(good), "config C")).toEqual(good);
  });

  it.each([
    ["non-JSON", "created: yesterday", "config C: is not JSON"],
    ["null", "null", "config C: (top level) is null, not an object"],
    ["wrong architecture", { ...good, architecture: "amd64" }, 'config C: architecture is "amd64", not "wasm"'],
    ["numeric os", { ...good, os: 1 }, "config C: os is a number, not a string"],
    ["null layer digest", { ...good, layerDigests: [null] }, "config C: layerDigests[0] is null, not a string"],
    ["bad created", { ...good, created: "yesterday" }, 'config C: created is "yesterday", not an RFC 3339 time'],
    [
      "module entry point not a string",
      { ...good, module: { entryPoint: 1 } },
      "config C: module.entryPoint is a number, not a string",
    ],
  ])("refuses %s", (_name, doc, message) => {
    const error = failure(() => parseWasmConfig(enc(doc), "config C"));
    expect(error.code).toBe("OCRE_OCI_INVALID");
    expect(error.message.startsWith(message)).toBe(true);
  });
});

describe("io.ocre annotations", () => {
  const memory = {
    "io.ocre.memory.initial-pages": "1",
    "io.ocre.memory.max-pages": "2",
    "io.ocre.memory.stack-bytes": "8192",
    "io.ocre.memory.heap-bytes": "4096",
  };

  it("types args, env and limits", () => {
    const a = parseOcreAnnotations(
      { ...memory, "io.ocre.args": '["a","b"]', "io.ocre.env": '{"K":"v"}' },
      "manifest M",
    );
    expect(a.args).toEqual(["a", "b"]);
    expect(a.env).toEqual({ K: "v" });
    expect(a.memory).toEqual({ initialPages: 1, maxPages: 2, stackBytes: 8192, heapBytes: 4096 });
    expect(a.gpio).toBeUndefined();
    expect(a.restart).toBe("no");
  });

  it("reads the GPIO allow-list and the restart policy the firmware embeds", () => {
    const a = parseOcreAnnotations(
      { ...memory, "io.ocre.gpio": "led0,0:13", "io.ocre.restart": "on-failure" },
      "manifest M",
    );
    expect(a.gpio).toEqual(["led0", "0:13"]);
    expect(a.restart).toBe("on-failure");
  });

  it.each([
    ["args {}", { "io.ocre.args": "{}" }, "manifest M annotations: io.ocre.args is an object, not an array"],
    ["args [1]", { "io.ocre.args": "[1]" }, "manifest M annotations: io.ocre.args[0] is a number, not a string"],
    ["args not JSON", { "io.ocre.args": "a b" }, "manifest M annotation io.ocre.args: is not JSON"],
    ["env null", { "io.ocre.env": "null" }, "manifest M annotations: io.ocre.env is null, not an object"],
    [
      "a GPIO line that is C, not a name",
      { "io.ocre.gpio": 'led0,"};evil' },
      'manifest M annotations: io.ocre.gpio holds ""};evil", not an alias or port:pin',
    ],
    ["restart maybe", { "io.ocre.restart": "maybe" }, 'manifest M annotations: io.ocre.restart is "maybe"'],
    [
      "env value number",
      { "io.ocre.env": '{"A":1}' },
      'manifest M annotations: io.ocre.env["A"] is a number, not a string',
    ],
    [
      "a huge heap",
      { ...memory, "io.ocre.memory.heap-bytes": "99999999999" },
      "manifest M annotations: io.ocre.memory.heap-bytes is 99999999999, outside 0..1048576",
    ],
    [
      "65536 pages",
      { ...memory, "io.ocre.memory.max-pages": "65536" },
      "manifest M annotations: io.ocre.memory.max-pages is 65536, outside 1..64",
    ],
    [
      "a fractional stack",
      { ...memory, "io.ocre.memory.stack-bytes": "1e4" },
      'manifest M annotations: io.ocre.memory.stack-bytes is "1e4", not a whole number',
    ],
    [
      "a missing limit",
      { "io.ocre.memory.max-pages": "2" },
      "manifest M annotations: io.ocre.memory.initial-pages is missing",
    ],
    [
      "an argument over 64 KiB",
      { "io.ocre.args": `["${"x".repeat(70_000)}"]` },
      "manifest M annotations: io.ocre.args is 70004 characters",
    ],
  ])("refuses %s", (_name, annotations, message) => {
    const error = failure(() => parseOcreAnnotations(annotations as Record<string, string>, "manifest M"));
    expect(error.code).toBe("OCRE_OCI_INVALID");
    expect(error.exitCode).toBe(1);
    expect(error.message.startsWith(message)).toBe(true);
  });
});

describe("image to spec", () => {
  /** A module whose only content is a memory of `pages` initial pages. */
  function memoryModule(pages: number): Uint8Array {
    const leb: number[] = [];
    let v = pages;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      leb.push(b);
    } while (v !== 0);
    const section = [1, 0, ...leb];
    return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, section.length, ...section]);
  }

  function imageOf(spec: ContainerSpec): ImageContent {
    return renderImage(spec, { boards: [], sdkVersion: "0.0.0" });
  }

  it("refuses a module declaring 65536 pages against its annotated maximum", async () => {
    const base = (await fixtureSpec()) as ContainerSpec;
    const wasm = memoryModule(65536);
    const content = imageOf({ ...base, wasm, sha256: createHash("sha256").update(wasm).digest("hex") });
    const error = failure(() => specFromImageContent(content, "big:1"));
    expect(error.code).toBe("OCRE_OCI_INVALID");
    expect(error.message).toBe(
      "the Wasm layer of big:1: memory declares 65536 initial pages, above io.ocre.memory.max-pages (4)",
    );
  });

  it("refuses a non-JSON config blob with a named error", async () => {
    const content = imageOf((await fixtureSpec()) as ContainerSpec);
    const blobs = new Map(content.blobs);
    blobs.set(content.manifest.config.digest, enc("not json"));
    const error = failure(() => specFromImageContent({ ...content, blobs }, "x:1"));
    expect(error.code).toBe("OCRE_OCI_INVALID");
    expect(error.message).toMatch(/^config sha256:[0-9a-f]{64} of x:1: is not JSON/);
  });
});
