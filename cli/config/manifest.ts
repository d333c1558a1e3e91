import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { OcreError } from "../errors.js";
import { schemasDir } from "../paths.js";
import { closest } from "../util/suggest.js";
import { fileError } from "../util/fs-errors.js";
import type { AgentSettings } from "./types.js";

/** ocre.yaml after schema validation, with the schema's defaults filled in. */
export interface Manifest {
  name: string;
  version: string;
  entry: string;
  capabilities: string[];
  /** GPIO allow-list (aliases or "port:pin"); absent: the capability's default. */
  gpio?: string[];
  restart: "no" | "on-failure" | "always";
  memory: { initialPages: number; maxPages: number; stack: number; heap: number; arena?: number };
  runtime: "stub" | "minimal" | "incremental";
  optimize: "size" | "speed";
  boards: string[];
  trust: string[];
  image: { repository?: string; tag?: string };
  args: string[];
  env: Record<string, string>;
  /** Firmware options (the first app's count when several are embedded). */
  device?: { agent?: AgentSettings };
}

export const MANIFEST_FILE = "ocre.yaml";
export const SCHEMA_FILE = path.join(schemasDir, "ocre.schema.json");

interface SchemaNode {
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  description?: string;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

// ajv and yaml are only needed when a manifest is actually (re)read; a cached no-op build
// never loads them, so they are imported lazily.
let validator:
  Promise<{ validate: (data: unknown) => boolean; errors: () => AjvError[]; schema: SchemaNode }> | undefined;

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function loadValidator(): NonNullable<typeof validator> {
  validator ??= (async () => {
    const [{ Ajv2020 }, schemaText] = await Promise.all([import("ajv/dist/2020.js"), readFile(SCHEMA_FILE, "utf8")]);
    const schema = JSON.parse(schemaText) as SchemaNode;
    const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true });
    const fn = ajv.compile(schema);
    return { validate: (data: unknown) => fn(data), errors: () => (fn.errors ?? []) as AjvError[], schema };
  })();
  return validator;
}

/** "memory.maxPages", "capabilities[2]", or "(top level)". */
function dottedPath(pointer: string): string {
  if (pointer === "") return "";
  return pointer
    .slice(1)
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === "" ? part : `${acc}.${part}`), "");
}

function schemaAt(schema: SchemaNode, pointer: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema;
  for (const part of pointer.split("/").slice(1)) {
    if (node === undefined) return undefined;
    if (/^\d+$/.test(part) && node.items) node = node.items;
    else if (node.properties?.[part]) node = node.properties[part];
    else if (typeof node.additionalProperties === "object") node = node.additionalProperties;
    else return undefined;
  }
  return node;
}

function describeError(error: AjvError, schema: SchemaNode): { path: string; message: string; hint?: string } {
  const at = dottedPath(error.instancePath);
  const field = at === "" ? "the manifest" : at;
  switch (error.keyword) {
    case "additionalProperties": {
      const extra = String(error.params.additionalProperty);
      const known = Object.keys(schemaAt(schema, error.instancePath)?.properties ?? {});
      const near = closest(extra, known);
      const fullPath = at === "" ? extra : `${at}.${extra}`;
      return {
        path: fullPath,
        // The suggestion is in the message too: only the first error's hint is printed.
        message: `${fullPath} is not a known field${near.length > 0 ? `; did you mean ${near.join(", ")}?` : ""}`,
        hint:
          near.length > 0
            ? `did you mean ${near.join(", ")}? Known fields here: ${known.join(", ")}`
            : `known fields here: ${known.join(", ")}`,
      };
    }
    case "enum": {
      const allowed = (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      return { path: at, message: `${field} must be one of ${allowed.join(", ")}` };
    }
    case "required":
      return { path: at, message: `${field} needs the field "${String(error.params.missingProperty)}"` };
    case "minimum":
    case "maximum": {
      const node = schemaAt(schema, error.instancePath);
      const range =
        node?.minimum !== undefined && node.maximum !== undefined
          ? `${node.minimum}..${node.maximum}`
          : `${error.params.comparison} ${error.params.limit}`;
      return {
        path: at,
        message: `${field} must be in ${range}`,
        ...(node?.description ? { hint: node.description } : {}),
      };
    }
    case "pattern": {
      const node = schemaAt(schema, error.instancePath);
      return {
        path: at,
        message: `${field} is not valid (must match ${String(error.params.pattern)})`,
        ...(node?.description ? { hint: node.description } : {}),
      };
    }
    case "propertyNames":
      return { path: at, message: `${field} has an invalid key (letters, digits and _, not starting with a digit)` };
    default:
      return { path: at, message: `${field} ${error.message ?? "is invalid"}` };
  }
}

/** Largest ocre.yaml read: a real one is a few hundred bytes; this bounds memory and time. */
export const MAX_MANIFEST_BYTES = 256 * 1024;
/** Most keys and items in the whole document (env and args included). */
export const MAX_MANIFEST_NODES = 10_000;
/** Aliases (*name) resolved; more is the shape of an alias bomb. */
export const MAX_ALIAS_COUNT = 50;

function tooBig(manifestPath: string, size: number): OcreError {
  return new OcreError(
    "OCRE_MANIFEST_TOO_LARGE",
    `${manifestPath} is ${size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
    {
      hint: "ocre.yaml describes one app in a few lines; keep data out of it",
    },
  );
}

/**
 * Walks the parsed document once: counts keys and items against MAX_MANIFEST_NODES and refuses
 * duplicate keys (a Set per mapping, so the check stays linear in the document's size).
 */
function checkShape(doc: import("yaml").Document, where: (offset: number) => string, manifestPath: string): void {
  let nodes = 0;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop() as { items?: unknown[] } | null | undefined;
    if (node === null || node === undefined || !Array.isArray(node.items)) continue;
    const keys = new Set<string>();
    for (const item of node.items) {
      nodes += 1;
      if (nodes > MAX_MANIFEST_NODES) {
        throw new OcreError(
          "OCRE_MANIFEST_TOO_LARGE",
          `${manifestPath} has more than ${MAX_MANIFEST_NODES} keys and items`,
          {
            hint: "ocre.yaml describes one app in a few lines; keep data out of it",
          },
        );
      }
      const pair = item as { key?: { value?: unknown; range?: [number, number, number] }; value?: unknown };
      if (pair !== null && typeof pair === "object" && "key" in pair) {
        const key =
          pair.key && typeof pair.key === "object" && "value" in pair.key ? String(pair.key.value) : String(pair.key);
        if (keys.has(key)) {
          throw new OcreError(
            "OCRE_MANIFEST_SYNTAX",
            `${pair.key?.range ? where(pair.key.range[0]) : manifestPath}: Map keys must be unique ("${key.slice(0, 80)}" appears twice)`,
            { hint: "ocre.yaml is YAML; see docs/manifest.md" },
          );
        }
        keys.add(key);
        stack.push(pair.value);
      } else stack.push(item);
    }
  }
}

/**
 * Reads and validates `<appDir>/ocre.yaml`. YAML errors and schema errors name the file, the
 * line:col and the field's path, and say what is allowed.
 */
export async function loadManifest(
  appDir: string,
): Promise<{ manifest: Manifest; manifestPath: string; text: string }> {
  const manifestPath = path.join(appDir, MANIFEST_FILE);
  let text: string;
  try {
    const info = await stat(manifestPath);
    if (info.isFile() && info.size > MAX_MANIFEST_BYTES) throw tooBig(manifestPath, info.size);
    text = await readFile(manifestPath, "utf8");
  } catch (error) {
    if (error instanceof OcreError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw new OcreError("OCRE_MANIFEST_MISSING", `no ${MANIFEST_FILE} in ${appDir}`, {
        hint: `run \`ocre build\` in an app directory, or create one with \`ocre new <dir>\``,
      });
    }
    throw fileError(error, manifestPath, "cannot read");
  }
  return { manifest: await parseManifest(text, manifestPath), manifestPath, text };
}

/** Parses and validates manifest text; `manifestPath` is only used in messages. */
export async function parseManifest(text: string, manifestPath: string): Promise<Manifest> {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) throw tooBig(manifestPath, Buffer.byteLength(text));
  const [{ parseDocument, LineCounter, isNode, isMap, isScalar }, v] = await Promise.all([
    import("yaml"),
    loadValidator(),
  ]);
  const lineCounter = new LineCounter();
  // uniqueKeys is checked by checkShape in linear time: yaml's own check is quadratic per mapping.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const where = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${manifestPath}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw new OcreError(
      "OCRE_MANIFEST_SYNTAX",
      `${where(doc.errors[0]!.pos[0])}: ${doc.errors[0]!.message.split("\n")[0]}`,
      {
        details: doc.errors.slice(1).map((e) => `${where(e.pos[0])}: ${e.message.split("\n")[0]}`),
        hint: "ocre.yaml is YAML; see docs/manifest.md",
      },
    );
  }
  checkShape(doc, where, manifestPath);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    // yaml refuses an alias bomb ("billion laughs") here, with a plain Error.
    throw new OcreError("OCRE_MANIFEST_INVALID", `${manifestPath}: ${(error as Error).message}`, {
      hint: `ocre.yaml may use at most ${MAX_ALIAS_COUNT} aliases (*name); write the values out`,
    });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new OcreError(
      "OCRE_MANIFEST_INVALID",
      `${manifestPath}: the manifest must be a mapping of fields (name, version, ...)`,
      {
        hint: "see docs/manifest.md",
      },
    );
  }
  const locate = (pointer: string): string => {
    const keys =
      pointer === ""
        ? []
        : pointer
            .slice(1)
            .split("/")
            .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    for (let n = keys.length; n >= 0; n--) {
      const node = doc.getIn(keys.slice(0, n), true);
      if (isNode(node) && node.range) return where(node.range[0]);
    }
    return manifestPath;
  };
  /** The node at a JSON pointer (undefined when the document has none there). */
  const nodeAt = (pointer: string): unknown =>
    doc.getIn(
      pointer === ""
        ? []
        : pointer
            .slice(1)
            .split("/")
            .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"))
            .map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
      true,
    );
  /** Sorts "file:line:col" locations in reading order (errors are reported top to bottom). */
  const position = (loc: string): number => {
    const m = /:(\d+):(\d+)$/.exec(loc);
    return m ? Number(m[1]) * 100_000 + Number(m[2]) : 0;
  };
  /** Where an error is: an unknown key at the key itself, not at the mapping that holds it. */
  const locateError = (e: AjvError): string => {
    if (e.keyword === "additionalProperties") {
      const map = nodeAt(e.instancePath);
      if (isMap(map)) {
        const pair = map.items.find((p) => isScalar(p.key) && p.key.value === e.params.additionalProperty);
        if (pair && isScalar(pair.key) && pair.key.range) return where(pair.key.range[0]);
      }
    }
    return locate(e.instancePath);
  };
  /**
   * A number or boolean where text is required (`version: 1`, `tag: 1.0`): YAML read the
   * unquoted value as a number, so say so and show the quoted line (with the value as typed).
   */
  const unquoted = (e: AjvError): { message: string; hint: string } | undefined => {
    if (e.keyword !== "type" || e.params.type !== "string") return undefined;
    const node = nodeAt(e.instancePath);
    if (!isScalar(node) || !node.range || !["number", "boolean"].includes(typeof node.value)) return undefined;
    const typed = text.slice(node.range[0], node.range[1]).trim();
    const field = dottedPath(e.instancePath);
    const key = field.slice(field.lastIndexOf(".") + 1);
    // version wants x.y.z: suggest `version: "1.0.0"` for `version: 1` or `1.0`.
    const pattern = schemaAt(v.schema, e.instancePath)?.pattern;
    const padded = /^\d+(\.\d+)?$/.test(typed) ? `${typed}${".0".repeat(2 - (typed.split(".").length - 1))}` : typed;
    const quoted = pattern && !new RegExp(pattern).test(typed) && new RegExp(pattern).test(padded) ? padded : typed;
    return {
      message: `${field} must be a string; YAML reads the unquoted ${typed} as a ${typeof node.value} (quote it: "${quoted}")`,
      hint: `quote it: ${key}: "${quoted}"`,
    };
  };
  if (!v.validate(data)) {
    // Report the most specific error per path; ajv repeats parents for nested failures.
    const errors = v.errors();
    const described = errors
      .map((e) => ({ ...describeError(e, v.schema), ...unquoted(e), loc: locateError(e) }))
      .sort((a, b) => position(a.loc) - position(b.loc));
    const first = described[0]!;
    throw new OcreError("OCRE_MANIFEST_INVALID", `${first.loc}: ${first.message}`, {
      details: described.slice(1).map((d) => `${d.loc}: ${d.message}`),
      hint: first.hint ?? "see docs/manifest.md or the schema cli/schemas/ocre.schema.json",
    });
  }
  const manifest = data as Manifest;
  if (manifest.memory.arena !== undefined) {
    // Fixed memory: the build sizes the memory from the arena; pages would say otherwise.
    const pages = ["initialPages", "maxPages"].find((k) => doc.hasIn(["memory", k]));
    if (pages !== undefined) {
      throw new OcreError(
        "OCRE_MANIFEST_INVALID",
        `${locate(`/memory/${pages}`)}: memory.${pages} (growable memory) and memory.arena (fixed memory) exclude each other`,
        {
          hint: "keep memory.arena for a container that never grows its memory, or the pages for one that does (docs/manifest.md)",
        },
      );
    }
  }
  if (
    manifest.memory.arena === undefined &&
    manifest.memory.heap > 0 &&
    manifest.memory.initialPages === manifest.memory.maxPages
  ) {
    // sdk/heap.ts keeps the whole initial memory clear for WAMR's app heap; with no page to grow
    // into, the app's first allocation traps at start.
    const kib = manifest.memory.initialPages * 64;
    throw new OcreError(
      "OCRE_MANIFEST_INVALID",
      `${locate("/memory/maxPages")}: memory.maxPages (${manifest.memory.maxPages}) equals memory.initialPages: the SDK keeps the initial ${kib} KiB clear for the ${manifest.memory.heap} B app heap (memory.heap), so the app could not allocate at all`,
      {
        hint: `use fixed memory (memory.arena: <bytes> instead of the pages), raise memory.maxPages to ${manifest.memory.maxPages + 1}, or set memory.heap: 0 if the app receives no messages`,
      },
    );
  }
  if (manifest.memory.initialPages > manifest.memory.maxPages) {
    throw new OcreError(
      "OCRE_MANIFEST_INVALID",
      `${locate("/memory/maxPages")}: memory.maxPages (${manifest.memory.maxPages}) is below memory.initialPages (${manifest.memory.initialPages})`,
      { hint: "memory.maxPages must be at least memory.initialPages (both in 64 KiB pages, at most 64)" },
    );
  }
  return manifest;
}
