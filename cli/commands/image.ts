import path from "node:path";
import { defineCommand } from "./define.js";
import { imageCommand, sub } from "./grammar.js";
import type { LocalImage } from "../oci/index.js";
import { humanBytes } from "./push.js";
import { OcreError } from "../errors.js";
import { escapeJson, escapeText } from "../ui/escape.js";

function summary(image: LocalImage): Record<string, unknown> {
  return {
    ref: image.ref ?? null,
    name: image.name ?? null,
    digest: image.descriptor.digest,
    size: image.size,
    created: image.manifest.annotations?.["org.opencontainers.image.created"] ?? null,
    layout: image.layout,
  };
}

/** `ocre image ls`. */
export const ls = defineCommand(sub(imageCommand, "ls"), async (args, out) => {
  // The library loads on use, so other commands do not pay for it at start-up.
  const { listLayouts } = await import("../oci/index.js");
  const { images, skipped } = await listLayouts({ cwd: args.cwd, layout: args.layout });
  for (const entry of skipped)
    out.warn(
      `skipped ${entry.ref === undefined ? entry.digest : escapeText(entry.ref)} in ${entry.layout}: ${escapeText(entry.error.message)}`,
    );
  out.result({
    ok: true,
    images: images.map(summary),
    skipped: skipped.map((e) => ({
      ref: e.ref ?? null,
      digest: e.digest,
      layout: e.layout,
      error: e.error.toJSON(),
    })),
  });
  if (images.length === 0) {
    out.info("no local images; `ocre build` makes one, `ocre pull` fetches one");
    return;
  }
  // Names come from whoever made the image: escaped, so they cannot drive the terminal or fake rows.
  const rows = images.map((i) => [
    i.ref === undefined ? "<none>" : escapeText(i.ref),
    escapeText(i.name ?? ""),
    i.descriptor.digest.slice(0, 19),
    humanBytes(i.size),
    path.relative(args.cwd, i.layout) || ".",
  ]);
  const header = ["REF", "NAME", "DIGEST", "SIZE", "LAYOUT"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join("  ")
      .trimEnd();
  out.print([line(header), ...rows.map(line)].join("\n"));
});

/** `ocre image inspect`. */
export const inspect = defineCommand(sub(imageCommand, "inspect"), async (args, out) => {
  // The library loads on use, so other commands do not pay for it at start-up.
  const { resolveLocalImage, readLayoutImage, readConfig } = await import("../oci/index.js");
  const image = await resolveLocalImage(args.ref, { cwd: args.cwd, layout: args.layout });
  const content = await readLayoutImage(image.layout, image.descriptor);
  const config = readConfig(content);
  out.result({
    ok: true,
    ...summary(image),
    mediaType: content.manifest.mediaType,
    manifestSize: content.manifestBytes.byteLength,
    manifest: content.manifest,
    config,
    annotations: content.manifest.annotations ?? {},
  });
  const { style } = out;
  const lines = [
    `${style.bold("ref")}       ${image.ref === undefined ? "<none>" : escapeText(image.ref)}`,
    `${style.bold("layout")}    ${image.layout}`,
    `${style.bold("digest")}    ${image.descriptor.digest}`,
    `${style.bold("manifest")}  ${escapeText(content.manifest.mediaType)}, ${content.manifestBytes.byteLength} bytes`,
    `${style.bold("config")}    ${escapeText(content.manifest.config.mediaType)}, ${content.manifest.config.size} bytes, ${content.manifest.config.digest}`,
    ...content.manifest.layers.map(
      (l) => `${style.bold("layer")}     ${escapeText(l.mediaType)}, ${l.size} bytes, ${l.digest}`,
    ),
    `${style.bold("size")}      ${humanBytes(image.size)} (${image.size} bytes)`,
    style.bold("annotations"),
    ...Object.entries(content.manifest.annotations ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `  ${escapeText(k)}=${escapeText(v)}`),
    style.bold("config content"),
    ...escapeJson(config)
      .split("\n")
      .map((l) => `  ${l}`),
  ];
  out.print(lines.join("\n"));
});

/** `ocre image export`. */
export const exportImage = defineCommand(sub(imageCommand, "export"), async (args, out) => {
  // The library loads on use, so other commands do not pay for it at start-up.
  const { resolveLocalImage, readLayoutImage, archiveRefName, exportArchive } = await import("../oci/index.js");
  const image = await resolveLocalImage(args.ref, { cwd: args.cwd, layout: args.layout });
  const content = await readLayoutImage(image.layout, image.descriptor);
  const file = path.resolve(args.cwd, args.output);
  const tag = archiveRefName(image.ref ?? "latest");
  await exportArchive(content, tag, file);
  out.info(`wrote ${file} (tag ${tag})`);
  out.print(image.descriptor.digest);
  out.result({ ok: true, file, tag, digest: image.descriptor.digest, size: image.size });
});

/** `ocre image import`. */
export const importImage = defineCommand(sub(imageCommand, "import"), async (args, out) => {
  // The library loads on use, so other commands do not pay for it at start-up.
  const { writableLayout, importArchive } = await import("../oci/index.js");
  const { parseByteSize } = await import("../util/bytes.js");
  const entries = args["max-entries"];
  if (entries !== undefined && (!Number.isSafeInteger(entries) || entries < 1))
    throw new OcreError("OCRE_USAGE", `--max-entries takes a positive whole number, not ${entries}`);
  const limits = {
    ...(args["max-size"] === undefined ? {} : { maxBytes: parseByteSize(args["max-size"], "--max-size") }),
    ...(args["max-blob-size"] === undefined
      ? {}
      : { maxEntryBytes: parseByteSize(args["max-blob-size"], "--max-blob-size") }),
    ...(entries === undefined ? {} : { maxEntries: entries }),
  };
  const layout = writableLayout({ cwd: args.cwd, layout: args.layout });
  const images = await importArchive(path.resolve(args.cwd, args.file), layout, { name: args.name, limits });
  for (const image of images) {
    out.info(`imported ${escapeText(image.ref)} into ${layout}`);
    out.print(image.digest);
  }
  out.result({ ok: true, layout, images: images.map((i) => ({ ref: i.ref, digest: i.digest, size: i.size })) });
});

/** `ocre image wrap`. */
export const wrap = defineCommand(sub(imageCommand, "wrap"), async (args, out) => {
  const { readFile } = await import("node:fs/promises");
  const { wrapWasm } = await import("../oci/wrap.js");
  const { writableLayout } = await import("../oci/index.js");
  const { OcreError } = await import("../errors.js");
  const file = path.resolve(args.cwd, args.file);
  const wasm = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new OcreError("OCRE_WRAP_FILE", `cannot read ${args.file}: ${error.code ?? error.message}`, {
      hint: "give the path of a .wasm file",
    });
  });
  const caps = args.cap
    ?.flatMap((c) => c.split(","))
    .map((c) => c.trim())
    .filter((c) => c !== "");
  const layout = writableLayout({ cwd: args.cwd, layout: args.layout });
  const result = await wrapWasm(new Uint8Array(wasm), file, layout, {
    ...(args.name === undefined ? {} : { name: args.name }),
    ...(args.tag === undefined ? {} : { version: args.tag }),
    ...(caps === undefined ? {} : { capabilities: caps }),
    ...(args.memory === undefined ? {} : { maxPages: args.memory }),
    ...(args.heap === undefined ? {} : { heapBytes: args.heap }),
    ...(args.stack === undefined ? {} : { stackBytes: args.stack }),
    ...(args.arg === undefined ? {} : { args: args.arg }),
  });
  for (const w of result.warnings) out.warn(w);
  out.info(
    `wrapped ${args.file} as ${result.ref} in ${layout} (capabilities: ${result.spec.capabilities.join(", ") || "none"}; ${result.spec.memory.maxPages} pages)`,
  );
  out.info(`firmware: ocre build --from-image ${result.ref} --board <id>; run: ocre run ${result.ref}`);
  out.print(result.digest);
  out.result({ ok: true, ref: result.ref, digest: result.digest, layout, warnings: result.warnings });
});

/** `ocre image rm`. */
export const rm = defineCommand(sub(imageCommand, "rm"), async (args, out) => {
  // The library loads on use, so other commands do not pay for it at start-up.
  const { resolveLocalImage, removeFromLayout } = await import("../oci/index.js");
  const removed: { ref: string | null; digest: string; layout: string }[] = [];
  // Resolve every name before removing anything, so a typo removes nothing.
  const images = [];
  for (const ref of args.refs) images.push(await resolveLocalImage(ref, { cwd: args.cwd, layout: args.layout }));
  for (const image of images) {
    await removeFromLayout(
      image.layout,
      (e) => e.descriptor.digest === (image.via ?? image.descriptor).digest && e.ref === image.ref,
    );
    removed.push({ ref: image.ref ?? null, digest: image.descriptor.digest, layout: image.layout });
    out.info(
      `removed ${image.ref === undefined ? image.descriptor.digest : escapeText(image.ref)} from ${image.layout}`,
    );
  }
  out.result({ ok: true, removed });
});
