import { describe, expect, it, beforeAll } from "vitest";
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { missingTools } from "./helpers/tools.js";
import { runOcre, tempDir } from "./helpers/cli.js";
import {
  addToLayout,
  removeFromLayout,
  renderImage,
  packageImage,
  readLayoutEntries,
  readLayoutImage,
  specFromImage,
  exportArchive,
  importArchive,
  type ImageReport,
} from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function blob(layout: string, digest: string): Promise<Buffer> {
  return readFile(path.join(layout, "blobs", "sha256", digest.slice(7)));
}

async function json(layout: string, digest: string): Promise<Record<string, unknown>> {
  return JSON.parse((await blob(layout, digest)).toString("utf8")) as Record<string, unknown>;
}

let spec: ContainerSpec;
let app: string;
let config: ResolvedConfig;
let report: ImageReport;
let layoutDir: string;

beforeAll(async () => {
  spec = (await fixtureSpec()) as ContainerSpec;
  app = await tempDir("ocre-oci-layout-");
  config = fixtureConfig(spec, app) as ResolvedConfig;
  report = await packageImage(spec, config, { sourceDateEpoch: "1700000000" });
  layoutDir = path.join(app, "build", report.layout);
});

describe("image layout written by packageImage", () => {
  it("is an OCI layout naming one manifest under the manifest version's tag", async () => {
    const layout = path.join(app, "build", "oci");
    expect(JSON.parse(await readFile(path.join(layout, "oci-layout"), "utf8"))).toEqual({
      imageLayoutVersion: "1.0.0",
    });
    const index = JSON.parse(await readFile(path.join(layout, "index.json"), "utf8"));
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].annotations["org.opencontainers.image.ref.name"]).toBe("1.0.0");
    expect(index.manifests[0].digest).toBe(report.digest);
    expect(report.ref).toBe("blinky:1.0.0");
    expect(report.layout).toBe("oci");
    // Every blob file is named by the sha256 of its bytes.
    for (const name of await readdir(path.join(layout, "blobs", "sha256"))) {
      expect(sha256(await readFile(path.join(layout, "blobs", "sha256", name)))).toBe(name);
    }
  });

  it("holds the CNCF Wasm artifact: wasm config, one application/wasm layer equal to the module", async () => {
    const layout = layoutDir;
    const manifest = await json(layout, report.digest);
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    const configDesc = manifest.config as { mediaType: string; digest: string };
    expect(configDesc.mediaType).toBe("application/vnd.wasm.config.v0+json");
    const layers = manifest.layers as { mediaType: string; digest: string; size: number }[];
    expect(layers).toHaveLength(1);
    expect(layers[0]?.mediaType).toBe("application/wasm");
    expect(Buffer.compare(await blob(layout, layers[0]!.digest), Buffer.from(spec.wasm))).toBe(0);
    const imageConfig = await json(layout, configDesc.digest);
    expect(imageConfig).toEqual({
      created: "2023-11-14T22:13:20Z",
      architecture: "wasm",
      os: "wasip1",
      layerDigests: [layers[0]!.digest],
      module: { entryPoint: "_start" },
    });
  });

  it("annotates the manifest with OCI and io.ocre metadata", async () => {
    const manifest = await json(layoutDir, report.digest);
    expect(manifest.annotations).toMatchObject({
      "org.opencontainers.image.title": "blinky",
      "org.opencontainers.image.version": "1.0.0",
      "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
      "io.ocre.capabilities": "timers",
      "io.ocre.memory.initial-pages": "1",
      "io.ocre.memory.max-pages": "4",
      "io.ocre.memory.stack-bytes": "8192",
      "io.ocre.memory.heap-bytes": "16384",
      "io.ocre.boards": "esp32c3,nrf5340dk",
      "io.ocre.entry-point": "_start",
      "io.ocre.abi.version": "1",
    });
    expect((manifest.annotations as Record<string, string>)["io.ocre.sdk.version"]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("is deterministic: same inputs give the same digest; a different date a different one; no date gives the epoch", async () => {
    const again = await tempDir("ocre-oci-layout-");
    const second = await packageImage(spec, fixtureConfig(spec, again) as ResolvedConfig, {
      sourceDateEpoch: "1700000000",
    });
    expect(second.digest).toBe(report.digest);
    const later = await packageImage(spec, fixtureConfig(spec, again) as ResolvedConfig, {
      sourceDateEpoch: "1700000001",
    });
    expect(later.digest).not.toBe(report.digest);
    const undated = await packageImage(spec, fixtureConfig(spec, again) as ResolvedConfig, {});
    const manifest = await json(path.join(again, "build", "oci"), undated.digest);
    expect(manifest.annotations).toHaveProperty("org.opencontainers.image.created", "1970-01-01T00:00:00Z");
    expect(await json(path.join(again, "build", "oci"), (manifest.config as { digest: string }).digest)).toHaveProperty(
      "created",
      "1970-01-01T00:00:00Z",
    );
    expect(undated.digest).toBe((await packageImage(spec, fixtureConfig(spec, again) as ResolvedConfig, {})).digest);
  });

  it("rejects a SOURCE_DATE_EPOCH that is not a number", async () => {
    await expect(packageImage(spec, config, { sourceDateEpoch: "yesterday" })).rejects.toMatchObject({
      code: "OCRE_SOURCE_DATE_EPOCH_INVALID",
    });
  });

  it("takes no provenance from a checkout that does not track the app (an app made inside another repo)", async () => {
    const repo = await tempDir("ocre-oci-outer-");
    const env = {
      GIT_AUTHOR_NAME: "Ada",
      GIT_AUTHOR_EMAIL: "a@example.com",
      GIT_COMMITTER_NAME: "Ada",
      GIT_COMMITTER_EMAIL: "a@example.com",
    };
    await execa("git", ["init", "-q"], { cwd: repo });
    await writeFile(path.join(repo, "README.md"), "the outer project\n");
    await execa("git", ["add", "."], { cwd: repo });
    await execa("git", ["commit", "-q", "-m", "outer"], { cwd: repo, env });
    await execa("git", ["remote", "add", "origin", "https://git.example.com/outer.git"], { cwd: repo });
    const app = path.join(repo, "my-app");
    await mkdir(app);
    await writeFile(path.join(app, "ocre.yaml"), "name: blinky\n");
    const keys = async () => {
      const result = await packageImage(spec, fixtureConfig(spec, app) as ResolvedConfig, {});
      const manifest = await json(path.join(app, "build", "oci"), result.digest);
      return Object.keys(manifest.annotations as Record<string, string>).filter((k) => /revision|source/.test(k));
    };
    expect(await keys()).toEqual([]);
    // Once the checkout tracks the app, its commit is the app's source.
    await execa("git", ["add", "my-app/ocre.yaml"], { cwd: repo });
    await execa("git", ["commit", "-q", "-m", "app"], { cwd: repo, env });
    expect((await keys()).sort()).toEqual(["org.opencontainers.image.revision", "org.opencontainers.image.source"]);
  });

  it("takes revision, source (without credentials), author and created from git", async () => {
    const repo = await tempDir("ocre-oci-git-");
    const env = {
      GIT_AUTHOR_DATE: "1650000000 +0000",
      GIT_COMMITTER_DATE: "1650000000 +0000",
      GIT_AUTHOR_NAME: "Ada",
      GIT_AUTHOR_EMAIL: "ada@example.com",
      GIT_COMMITTER_NAME: "Ada",
      GIT_COMMITTER_EMAIL: "ada@example.com",
    };
    await execa("git", ["init", "-q"], { cwd: repo });
    await writeFile(path.join(repo, "ocre.yaml"), "name: blinky\n");
    await execa("git", ["add", "."], { cwd: repo });
    await execa("git", ["commit", "-q", "-m", "init"], { cwd: repo, env });
    await execa("git", ["remote", "add", "origin", "https://ci-bot:s3cret-token@git.example.com/iot/blinky.git"], {
      cwd: repo,
    });
    const head = String((await execa("git", ["rev-parse", "HEAD"], { cwd: repo })).stdout);
    const result = await packageImage(spec, fixtureConfig(spec, repo) as ResolvedConfig, {});
    const manifest = await json(path.join(repo, "build", "oci"), result.digest);
    const annotations = manifest.annotations as Record<string, string>;
    expect(annotations["org.opencontainers.image.revision"]).toBe(head);
    expect(annotations["org.opencontainers.image.source"]).toBe("https://git.example.com/iot/blinky.git");
    expect(annotations["org.opencontainers.image.created"]).toBe("2022-04-15T05:20:00Z");
    expect(JSON.stringify(manifest)).not.toContain("s3cret-token");
    expect(await json(path.join(repo, "build", "oci"), (manifest.config as { digest: string }).digest)).toMatchObject({
      author: "Ada <ada@example.com>",
    });
  });
});

describe("specFromImage", () => {
  it("gives back the ContainerSpec the image was made from", async () => {
    const { spec: back, digest } = await specFromImage(`oci:${layoutDir}:1.0.0`, { cwd: app });
    expect(digest).toBe(report.digest);
    expect(back).toEqual({ ...spec, wasm: back.wasm });
    expect(Buffer.compare(Buffer.from(back.wasm), Buffer.from(spec.wasm))).toBe(0);
  });

  it("finds the app's own image by tag from the app directory", async () => {
    expect((await specFromImage("1.0.0", { cwd: app })).spec.name).toBe("blinky");
  });

  it("refuses an image whose layer was altered on disk", async () => {
    const copy = await tempDir("ocre-oci-tamper-");
    await packageImage(spec, fixtureConfig(spec, copy) as ResolvedConfig, { sourceDateEpoch: "1700000000" });
    const layout = path.join(copy, "build", "oci");
    const layerFile = path.join(layout, "blobs", "sha256", spec.sha256);
    const bytes = await readFile(layerFile);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(layerFile, bytes);
    await expect(specFromImage(`oci:${layout}:1.0.0`, { cwd: copy })).rejects.toMatchObject({
      code: "OCRE_OCI_DIGEST_MISMATCH",
    });
  });
});

describe("oci-archive export and import", () => {
  it("is byte-for-byte deterministic", async () => {
    const dir = await tempDir("ocre-oci-archive-");
    const entry = (await readLayoutEntries(layoutDir))[0]!;
    const content = await readLayoutImage(layoutDir, entry.descriptor);
    await exportArchive(content, "1.0.0", path.join(dir, "a.tar"));
    await new Promise((r) => setTimeout(r, 1100));
    await exportArchive(content, "1.0.0", path.join(dir, "b.tar"));
    expect(sha256(await readFile(path.join(dir, "a.tar")))).toBe(sha256(await readFile(path.join(dir, "b.tar"))));
    const imported = await importArchive(path.join(dir, "a.tar"), path.join(dir, "store"));
    // The archive names the tag; the store keeps the full reference (title + tag).
    expect(imported.map((i) => [i.ref, i.digest, i.size])).toEqual([["blinky:1.0.0", report.digest, report.size]]);
  });

  it("refuses a file that is not an OCI archive, adding nothing", async () => {
    const dir = await tempDir("ocre-oci-archive-");
    await writeFile(path.join(dir, "junk.tar"), "not a tar file at all");
    await expect(importArchive(path.join(dir, "junk.tar"), path.join(dir, "store"))).rejects.toMatchObject({
      code: "OCRE_ARCHIVE_INVALID",
    });
    await expect(stat(path.join(dir, "store"))).rejects.toThrow();
  });
});

describe("the user store under concurrent writers", () => {
  it("loses no image when several processes add and remove at once", async () => {
    const store = await tempDir("ocre-oci-concurrent-");
    const images = await Promise.all(
      Array.from({ length: 12 }, async (_, i) =>
        renderImage((await fixtureSpec({ version: `1.0.${i}`, seed: i })) as ContainerSpec, {
          boards: [],
          sdkVersion: "test",
        }),
      ),
    );
    await addToLayout(store, [{ content: images[0]!, ref: "doomed" }]);
    await Promise.all([
      ...images.map((content, i) => addToLayout(store, [{ content, ref: `app:1.0.${i}` }])),
      removeFromLayout(store, (e) => e.ref === "doomed"),
    ]);
    const entries = await readLayoutEntries(store);
    expect(entries.map((e) => e.ref).sort()).toEqual(images.map((_, i) => `app:1.0.${i}`).sort());
    // Every entry is complete: garbage collection did not take blobs from under a writer.
    for (const entry of entries) await readLayoutImage(store, entry.descriptor);
  });
});

describe.skipIf(missingTools("skopeo"))("skopeo reads what ocre writes, ocre reads what skopeo writes", () => {
  it("skopeo inspects the layout (oci:DIR:TAG) and the archive (oci-archive:FILE:TAG)", async () => {
    const raw = await execa("skopeo", ["inspect", "--raw", `oci:${layoutDir}:1.0.0`]);
    expect(sha256(Buffer.from(String(raw.stdout)))).toBe(report.digest.slice(7));
    const dir = await tempDir("ocre-oci-skopeo-");
    const tarFile = path.join(dir, "blinky.tar");
    const cli = await runOcre(["image", "export", "1.0.0", "-o", tarFile], { cwd: app, env: { XDG_DATA_HOME: dir } });
    expect(cli.exitCode, cli.stderr).toBe(0);
    const fromArchive = await execa("skopeo", ["inspect", "--raw", `oci-archive:${tarFile}:1.0.0`]);
    expect(sha256(Buffer.from(String(fromArchive.stdout)))).toBe(report.digest.slice(7));
  });

  it("skopeo copies our layout to another layout and archive; ocre imports skopeo's archive with the same digest", async () => {
    const dir = await tempDir("ocre-oci-skopeo-");
    await execa("skopeo", ["copy", "-q", `oci:${layoutDir}:1.0.0`, `oci-archive:${path.join(dir, "copy.tar")}:copied`]);
    const store = path.join(dir, "data");
    const imported = await runOcre(["image", "import", path.join(dir, "copy.tar"), "--json"], {
      cwd: dir,
      env: { XDG_DATA_HOME: store },
    });
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).images).toEqual([
      { ref: "blinky:copied", digest: report.digest, size: report.size },
    ]);
    const back = await specFromImage("blinky:copied", { cwd: dir, env: { XDG_DATA_HOME: store } });
    expect(back.spec.sha256).toBe(spec.sha256);
  });
});

describe("ocre image commands", () => {
  let store: string;
  beforeAll(async () => {
    store = await tempDir("ocre-oci-store-");
  });
  const env = () => ({ XDG_DATA_HOME: store });

  it("ls lists the app's image (table and --json)", async () => {
    const table = await runOcre(["image", "ls"], { cwd: app, env: env() });
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^REF\s+NAME\s+DIGEST\s+SIZE\s+LAYOUT/);
    expect(table.stdout).toContain("1.0.0");
    expect(table.stdout).toContain("blinky:1.0.0");
    const listed = await runOcre(["image", "ls", "--json"], { cwd: app, env: env() });
    const doc = JSON.parse(listed.stdout);
    expect(doc.images).toEqual([
      expect.objectContaining({ ref: "1.0.0", name: "blinky:1.0.0", digest: report.digest, size: report.size }),
    ]);
  });

  it("inspect shows digests, sizes, config and annotations", async () => {
    const human = await runOcre(["image", "inspect", "blinky:1.0.0"], { cwd: app, env: env() });
    expect(human.exitCode, human.stderr).toBe(0);
    expect(human.stdout).toContain(report.digest);
    expect(human.stdout).toContain("application/wasm");
    expect(human.stdout).toContain("io.ocre.capabilities=timers");
    const machine = JSON.parse(
      (await runOcre(["image", "inspect", report.digest.slice(7, 19), "--json"], { cwd: app, env: env() })).stdout,
    );
    expect(machine.digest).toBe(report.digest);
    expect(machine.config.os).toBe("wasip1");
    expect(machine.annotations["io.ocre.memory.max-pages"]).toBe("4");
    expect(machine.manifest.layers[0].size).toBe(spec.wasm.byteLength);
  });

  it("an unknown image is a clear error with a suggestion", async () => {
    const result = await runOcre(["image", "inspect", "blinky:1.0.1"], { cwd: app, env: env() });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("error OCRE_IMAGE_NOT_FOUND");
    expect(result.stderr).toContain("blinky:1.0.0");
  });

  it("export → import → rm round trip through the user store", async () => {
    const tarFile = path.join(store, "x.tar");
    expect((await runOcre(["image", "export", "1.0.0", "-o", tarFile], { cwd: app, env: env() })).exitCode).toBe(0);
    const imported = await runOcre(["image", "import", tarFile, "--name", "archived:1.0.0"], {
      cwd: store,
      env: env(),
    });
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(imported.stdout.trim()).toBe(report.digest);
    const listed = JSON.parse((await runOcre(["image", "ls", "--json"], { cwd: store, env: env() })).stdout);
    expect(listed.images.map((i: { ref: string }) => i.ref)).toEqual(["archived:1.0.0"]);
    const removed = await runOcre(["image", "rm", "archived:1.0.0"], { cwd: store, env: env() });
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(JSON.parse((await runOcre(["image", "ls", "--json"], { cwd: store, env: env() })).stdout).images).toEqual(
      [],
    );
    // Its blobs went with it.
    expect(await readdir(path.join(store, "ocre", "oci", "blobs", "sha256"))).toEqual([]);
  });

  it("rm of a name that does not exist removes nothing", async () => {
    await mkdir(store, { recursive: true });
    const result = await runOcre(["image", "rm", "1.0.0", "nope"], { cwd: app, env: env() });
    expect(result.exitCode).toBe(1);
    expect((await readLayoutEntries(layoutDir)).length).toBe(1);
  });
});
