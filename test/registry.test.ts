import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { startRegistry } from "./registry-server.mjs";
import { missingTools } from "./helpers/tools.js";
import { cliPath, runOcre, tempDir } from "./helpers/cli.js";
import {
  RegistryClient,
  specFromImage,
  packageImage,
  readLayoutEntries,
  readLayoutImage,
  fetchImage,
  parseReference,
  pushImage,
  type ImageReport,
} from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

type Registry = Awaited<ReturnType<typeof startRegistry>>;

describe.skipIf(missingTools("docker-registry", "skopeo"))(
  "push and pull against a real registry (anonymous, loopback)",
  () => {
    let registry: Registry;
    let app: string;
    let store: string;
    let report: ImageReport;
    let layoutDir: string;
    let spec: ContainerSpec;

    beforeAll(async () => {
      registry = await startRegistry();
      spec = (await fixtureSpec({ dataBytes: 6000 })) as ContainerSpec;
      app = await tempDir("ocre-registry-app-");
      store = await tempDir("ocre-registry-store-");
      report = await packageImage(spec, fixtureConfig(spec, app) as ResolvedConfig, { sourceDateEpoch: "1700000000" });
      layoutDir = path.join(app, "build", report.layout);
    });
    afterAll(async () => {
      await registry?.stop();
    });

    const env = () => ({ XDG_DATA_HOME: store });

    it("push then pull gives the same digest and byte-identical blobs", async () => {
      const ref = `${registry.host}/iot/blinky:1.0.0`;
      const pushed = await runOcre(["push", ref, "--json"], { cwd: app, env: env() });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      const result = JSON.parse(pushed.stdout);
      expect(result.digest).toBe(report.digest);
      expect(result.blobs.map((b: { action: string }) => b.action)).toEqual(["uploaded", "uploaded"]);
      expect(result.size).toBe(report.size);

      const pulled = await runOcre(["pull", ref], { cwd: store, env: env() });
      expect(pulled.exitCode, pulled.stderr).toBe(0);
      expect(pulled.stdout.trim()).toBe(report.digest);
      const storeLayout = path.join(store, "ocre", "oci");
      const entries = await readLayoutEntries(storeLayout);
      expect(entries.map((e) => [e.ref, e.descriptor.digest])).toEqual([[ref, report.digest]]);
      const manifest = JSON.parse(
        await readFile(path.join(layoutDir, "blobs", "sha256", report.digest.slice(7)), "utf8"),
      );
      for (const d of [manifest.config, ...manifest.layers, { digest: report.digest }]) {
        const hex = d.digest.slice(7);
        const original = await readFile(path.join(layoutDir, "blobs", "sha256", hex));
        const copy = await readFile(path.join(storeLayout, "blobs", "sha256", hex));
        expect(Buffer.compare(original, copy)).toBe(0);
      }
    });

    it("a second push finds every blob present (HEAD) and uploads nothing", async () => {
      const again = JSON.parse(
        (await runOcre(["push", `${registry.host}/iot/blinky:again`, "--json"], { cwd: app })).stdout,
      );
      expect(again.blobs.map((b: { action: string }) => b.action)).toEqual(["exists", "exists"]);
      expect(again.uploadedBytes).toBe(0);
    });

    it("push parses its command line the same with or without the full CLI parser", async () => {
      // `--cwd=dir` and `-q` take the quick parser (cli/commands/argv.ts); a third word or an unknown flag
      // go to yargs, with its messages and exit codes; --help is rendered from the grammar.
      const quick = await runOcre(["push", `${registry.host}/quick/blinky:1.0.0`, `--cwd=${app}`, "-q"]);
      expect(quick.exitCode, quick.stderr).toBe(0);
      expect(quick.stdout.trim()).toBe(report.digest);
      expect(quick.stderr).toBe("");
      const extra = await runOcre(["push", "a", "b", "c"], { cwd: app });
      expect(extra.exitCode).toBe(1);
      expect(extra.stderr).toMatch(/Unknown argument: c/);
      const unknown = await runOcre(["push", `${registry.host}/quick/blinky:1.0.0`, "--tag-latest"], { cwd: app });
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toMatch(/tag-latest/);
      const help = await runOcre(["push", "--help"], { cwd: app });
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toMatch(/--ca-file/);
    });

    it("a pulled image pushed to another repository on the same registry is mounted, not uploaded", async () => {
      const moved = await runOcre(
        ["push", `${registry.host}/iot/blinky:1.0.0`, `${registry.host}/fleet/blinky:1.0.0`, "--json"],
        { cwd: store, env: env() },
      );
      expect(moved.exitCode, moved.stderr).toBe(0);
      const result = JSON.parse(moved.stdout);
      expect(result.blobs.map((b: { action: string }) => b.action)).toEqual(["mounted", "mounted"]);
      expect(result.digest).toBe(report.digest);
    });

    it("blobs above --chunk-size go up in chunks and arrive intact", async () => {
      const content = await readLayoutImage(layoutDir, (await readLayoutEntries(layoutDir))[0]!.descriptor);
      const progress: number[] = [];
      const target = parseReference(`${registry.host}/chunked/blinky:1.0.0`);
      const result = await pushImage(content, target, {
        chunkSize: 1024,
        onProgress: (p) => p.total > 1024 && progress.push(p.done),
      });
      expect(result.digest).toBe(report.digest);
      // The ~6 KB layer went in 1 KiB PATCHes: progress reported after each one.
      expect(progress.length).toBeGreaterThanOrEqual(5);
      const back = await fetchImage(target);
      expect(
        Buffer.compare(Buffer.from(back.blobs.get(content.manifest.layers[0]!.digest)!), Buffer.from(spec.wasm)),
      ).toBe(0);
    });

    it("pull by digest works and checks the digest", async () => {
      const pulled = await runOcre(["pull", `${registry.host}/iot/blinky@${report.digest}`, "--json"], {
        cwd: store,
        env: env(),
      });
      expect(pulled.exitCode, pulled.stderr).toBe(0);
      expect(JSON.parse(pulled.stdout)).toMatchObject({ digest: report.digest, size: report.size });
    });

    it("skopeo inspects and copies what ocre pushed", async () => {
      const raw = await execa("skopeo", [
        "inspect",
        "--tls-verify=false",
        "--raw",
        `docker://${registry.host}/iot/blinky:1.0.0`,
      ]);
      expect(JSON.parse(String(raw.stdout)).config.mediaType).toBe("application/vnd.wasm.config.v0+json");
      const dir = await tempDir("ocre-registry-skopeo-");
      await execa("skopeo", [
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${registry.host}/iot/blinky:1.0.0`,
        `oci:${dir}:copy`,
      ]);
      const entries = await readLayoutEntries(dir);
      expect(entries[0]?.descriptor.digest).toBe(report.digest);
    });

    it("ocre pulls what skopeo pushed from our layout and our archive", async () => {
      await execa("skopeo", [
        "copy",
        "-q",
        "--dest-tls-verify=false",
        `oci:${layoutDir}:1.0.0`,
        `docker://${registry.host}/by-skopeo/layout:1.0.0`,
      ]);
      const tarFile = path.join(store, "blinky.tar");
      expect((await runOcre(["image", "export", "1.0.0", "-o", tarFile], { cwd: app, env: env() })).exitCode).toBe(0);
      await execa("skopeo", [
        "copy",
        "-q",
        "--dest-tls-verify=false",
        `oci-archive:${tarFile}:1.0.0`,
        `docker://${registry.host}/by-skopeo/archive:1.0.0`,
      ]);
      for (const repo of ["layout", "archive"]) {
        const pulled = await runOcre(["pull", `${registry.host}/by-skopeo/${repo}:1.0.0`, "--json"], {
          cwd: store,
          env: env(),
        });
        expect(pulled.exitCode, pulled.stderr).toBe(0);
        expect(JSON.parse(pulled.stdout).digest).toBe(report.digest);
      }
    });

    it("specFromImage (ocre build --from-image) fetches a registry reference and verifies it", async () => {
      const empty = await tempDir("ocre-registry-from-");
      const image = await specFromImage(`${registry.host}/iot/blinky:1.0.0`, {
        cwd: empty,
        env: { XDG_DATA_HOME: empty },
      });
      expect(image.digest).toBe(report.digest);
      expect(image.spec.sha256).toBe(spec.sha256);
      expect(image.from).toBe(`${registry.host}/iot/blinky:1.0.0`);
    });

    it.skipIf(missingTools("script"))("shows progress bars on a terminal and none without one", async () => {
      const ref = `${registry.host}/progress/blinky:1.0.0`;
      // `script` gives the CLI a pseudo-terminal, as a developer's shell would.
      const tty = await execa("script", ["-qec", `${process.execPath} ${cliPath} push ${ref}`, "/dev/null"], {
        cwd: app,
      });
      expect(String(tty.stdout)).toMatch(/\[█+\] \d+\/\d+ bytes/);
      const plain = await runOcre(["push", ref], { cwd: app });
      expect(plain.exitCode, plain.stderr).toBe(0);
      expect(plain.stderr).not.toContain("█");
    });

    it("pulls the wasm image out of an image index", async () => {
      const client = await RegistryClient.connect(registry.host);
      try {
        const index = JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.index.v1+json",
          manifests: [
            {
              mediaType: "application/vnd.oci.image.manifest.v1+json",
              digest: report.digest,
              size: report.size - spec.wasm.byteLength - 194,
              platform: { architecture: "wasm", os: "wasip1" },
            },
          ],
        });
        const res = await client.request("PUT", "/v2/iot/blinky/manifests/multi", {
          scopes: ["repository:iot/blinky:pull,push"],
          body: new TextEncoder().encode(index),
          headers: { "content-type": "application/vnd.oci.image.index.v1+json" },
        });
        expect(res.status).toBe(201);
      } finally {
        await client.close();
      }
      const pulled = await fetchImage(parseReference(`${registry.host}/iot/blinky:multi`));
      expect(pulled.manifestDigest).toBe(report.digest);
    });

    it("an unknown tag or repository is a clear 404 error", async () => {
      const tag = await runOcre(["pull", `${registry.host}/iot/blinky:9.9.9`], { cwd: store, env: env() });
      expect(tag.exitCode).toBe(1);
      expect(tag.stderr).toMatch(/error OCRE_REGISTRY_NOT_FOUND: .*iot\/blinky:9\.9\.9.*tag "9\.9\.9" not found \(404/);
      const repo = await runOcre(["pull", `${registry.host}/no/such-repo:1.0.0`], { cwd: store, env: env() });
      expect(repo.exitCode).toBe(1);
      expect(repo.stderr).toContain("error OCRE_REGISTRY_NOT_FOUND");
      expect(repo.stderr).toContain("404");
    });
  },
);
