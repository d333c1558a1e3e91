import { chmod, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { OcreError } from "../errors.js";
import { tempSibling } from "../util/atomic.js";
import { parseOcreAnnotations } from "./documents.js";
import { readConfig } from "./image-spec.js";
import type { ImageContent } from "./image-types.js";
import { addToLayout, isLayout, readLayoutEntries, readLayoutImage, writeLayout } from "./layout.js";

/** The reference name an image gets inside an archive: the tag part, which is what `oci-archive:FILE:TAG` names. */
export function archiveRefName(ref: string): string {
  const afterSlash = ref.slice(ref.lastIndexOf("/") + 1);
  const colon = afterSlash.lastIndexOf(":");
  return colon >= 0 ? afterSlash.slice(colon + 1) : afterSlash;
}

/** Every path in a layout, directories included, sorted: the archive's entry order. */
async function layoutEntries(dir: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(path.join(dir, rel))).sort()) {
      const child = rel === "" ? name : `${rel}/${name}`;
      const info = await stat(path.join(dir, child));
      // Modes are fixed so the archive does not depend on the exporter's umask.
      await chmod(path.join(dir, child), info.isDirectory() ? 0o755 : 0o644);
      names.push(info.isDirectory() ? `${child}/` : child);
      if (info.isDirectory()) await walk(child);
    }
  };
  await walk("");
  return names;
}

/**
 * Writes an oci-archive (a plain tar of an OCI image layout, as skopeo's `oci-archive:` reads it)
 * holding one image under `refName`. Deterministic: sorted entries, fixed modes, owners and
 * times, so the same image always gives the same file. Written to a temp sibling and renamed.
 */
export async function exportArchive(content: ImageContent, refName: string, file: string): Promise<void> {
  const staging = await mkdtemp(path.join(os.tmpdir(), "ocre-export-"));
  const tmpFile = tempSibling(file);
  try {
    const layout = path.join(staging, "layout");
    await writeLayout(layout, [{ content, ref: refName }]);
    const entries = await layoutEntries(layout);
    const tar = await import("tar");
    await tar.create({ file: tmpFile, cwd: layout, portable: true, noDirRecurse: true, mtime: new Date(0) }, entries);
    await rename(tmpFile, file);
  } catch (error) {
    await rm(tmpFile, { force: true });
    if (error instanceof OcreError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new OcreError("OCRE_ARCHIVE_WRITE", `cannot write ${file}: ${code ?? (error as Error).message}`, {
      hint: "check that the directory exists and is writable",
      cause: error,
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface ImportedImage {
  readonly ref: string;
  readonly content: ImageContent;
}

/**
 * Reads an oci-archive, verifies every image in it against its digests, and adds them to
 * `layout` under their reference names (`newRef` replaces the name when the archive holds one
 * image). Nothing is added unless the whole archive verified.
 */
export async function importArchive(file: string, layout: string, newRef?: string): Promise<ImportedImage[]> {
  const staging = await mkdtemp(path.join(os.tmpdir(), "ocre-import-"));
  try {
    const tar = await import("tar");
    await tar.extract({ file, cwd: staging, strict: true }).catch((error: NodeJS.ErrnoException) => {
      throw new OcreError(
        "OCRE_ARCHIVE_INVALID",
        `cannot read ${file} as a tar archive: ${error.code === "ENOENT" ? "no such file" : error.message}`,
        {
          hint: "give an oci-archive, e.g. one written by `ocre image export` or `skopeo copy … oci-archive:FILE:TAG`",
        },
      );
    });
    if (!(await isLayout(staging))) {
      throw new OcreError(
        "OCRE_ARCHIVE_INVALID",
        `${file} is a tar archive but not an OCI image layout (no oci-layout file)`,
        {
          hint: "docker-archive tarballs (`docker save`) are not supported; convert with `skopeo copy docker-archive:F oci-archive:G:TAG`",
        },
      );
    }
    const entries = await readLayoutEntries(staging);
    if (entries.length === 0)
      throw new OcreError("OCRE_ARCHIVE_INVALID", `${file} holds no image`, {
        hint: "export one with `ocre image export`",
      });
    if (newRef !== undefined && entries.length !== 1) {
      throw new OcreError(
        "OCRE_ARCHIVE_AMBIGUOUS",
        `${file} holds ${entries.length} images, so --name cannot name them all`,
        { hint: "import without --name" },
      );
    }
    const images: ImportedImage[] = [];
    for (const entry of entries) {
      const content = await readLayoutImage(staging, entry.descriptor);
      // Everything inspect, run and --from-image will read later is checked now.
      readConfig(content);
      parseOcreAnnotations(content.manifest.annotations, `manifest ${content.manifestDigest}`);
      images.push({ ref: newRef ?? entry.ref ?? content.manifestDigest, content });
    }
    await addToLayout(
      layout,
      images.map((i) => ({ content: i.content, ref: i.ref })),
    );
    return images;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
