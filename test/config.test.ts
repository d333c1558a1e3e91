import { describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { resolveConfig } from "../cli/config/resolve.js";
import { SCHEMA_FILE } from "../cli/config/manifest.js";
import { CAPABILITIES } from "../cli/abi/table.js";
import { OcreError } from "../cli/errors.js";
import { tempDir } from "./helpers/cli.js";

/** An app directory with this manifest text and an empty entry file. */
async function appWith(manifest: string, entry = "assembly/index.ts"): Promise<string> {
  const dir = await tempDir("ocre-config-");
  await writeFile(path.join(dir, "ocre.yaml"), manifest);
  await mkdir(path.dirname(path.join(dir, entry)), { recursive: true });
  await writeFile(path.join(dir, entry), "");
  return dir;
}

async function resolveError(manifest: string): Promise<OcreError> {
  const dir = await appWith(manifest);
  const error = await resolveConfig(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OcreError);
  return error as OcreError;
}

describe("ocre.yaml schema", () => {
  it("is a valid JSON Schema with an $id, and documents every field", async () => {
    const schema = JSON.parse(await readFile(SCHEMA_FILE, "utf8")) as {
      $id: string;
      properties: Record<
        string,
        { description?: string; properties?: Record<string, { description?: string }>; items?: { enum?: string[] } }
      >;
    };
    expect(schema.$id).toMatch(/ocre\.schema\.json$/);
    new Ajv2020({ strict: true }).compile(schema);
    for (const [name, field] of Object.entries(schema.properties)) {
      expect(field.description, name).toBeTruthy();
      for (const [sub, subField] of Object.entries(field.properties ?? {}))
        expect(subField.description, `${name}.${sub}`).toBeTruthy();
    }
    expect(schema.properties.capabilities!.items!.enum).toEqual([...CAPABILITIES]);
  });
});

describe("resolveConfig", () => {
  it("fills defaults and returns a frozen config", async () => {
    const dir = await appWith("name: app\nversion: 1.2.3\n");
    const config = await resolveConfig(dir);
    expect(config).toMatchObject({
      appDir: dir,
      buildDir: path.join(dir, "build"),
      name: "app",
      version: "1.2.3",
      entry: path.join(dir, "assembly/index.ts"),
      capabilities: [],
      memory: { initialPages: 1, maxPages: 2, stackBytes: 8192, heapBytes: 4096 },
      runtime: "stub",
      optimize: "size",
      debug: false,
      boards: [],
      image: { repository: "app", tag: "1.2.3" },
      args: [],
      env: {},
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.memory)).toBe(true);
    expect(() => (config.capabilities as string[]).push("gpio")).toThrow();
  });

  it("lets flags override the manifest", async () => {
    const dir = await appWith("name: app\nversion: 1.0.0\noptimize: size\nruntime: stub\nboards: [a]\n");
    const config = await resolveConfig(dir, {
      optimize: "speed",
      runtime: "incremental",
      debug: true,
      boards: ["b"],
      outDir: "out",
    });
    expect(config).toMatchObject({
      optimize: "speed",
      runtime: "incremental",
      debug: true,
      boards: ["b"],
      buildDir: path.join(dir, "out"),
    });
  });

  it("reads every field", async () => {
    const dir = await appWith(
      [
        "name: full",
        "version: 2.0.0-rc.1",
        "entry: src/main.ts",
        "capabilities: [gpio, timers]",
        "memory: { initialPages: 2, maxPages: 4, stack: 4096, heap: 0 }",
        "runtime: incremental",
        "optimize: speed",
        "boards: [nrf5340dk]",
        "image: { repository: ghcr.io/acme/full, tag: edge }",
        "args: [--fast]",
        "env: { MODE: demo }",
      ].join("\n"),
      "src/main.ts",
    );
    expect(await resolveConfig(dir)).toMatchObject({
      entry: path.join(dir, "src/main.ts"),
      capabilities: ["gpio", "timers"],
      memory: { initialPages: 2, maxPages: 4, stackBytes: 4096, heapBytes: 0 },
      runtime: "incremental",
      optimize: "speed",
      boards: ["nrf5340dk"],
      image: { repository: "ghcr.io/acme/full", tag: "edge" },
      args: ["--fast"],
      env: { MODE: "demo" },
    });
  });

  it("names the path and the allowed values of a bad enum field", async () => {
    const error = await resolveError("name: app\nversion: 1.0.0\nruntime: fast\n");
    expect(error.code).toBe("OCRE_MANIFEST_INVALID");
    expect(error.message).toMatch(/ocre\.yaml:3:10: runtime must be one of "stub", "minimal", "incremental"/);
  });

  it("names the array element of an unknown capability", async () => {
    const error = await resolveError("name: app\nversion: 1.0.0\ncapabilities: [gpio, leds]\n");
    expect(error.message).toMatch(/capabilities\[1\] must be one of "ocre:api", .*"messaging"/);
  });

  it("reads the GPIO allow-list and the restart policy (YAML's bare no stays a string)", async () => {
    const dir = await appWith('name: app\nversion: 1.0.0\ngpio: [led0, "0:13"]\nrestart: no\n');
    const config = await resolveConfig(dir);
    expect(config.gpio).toEqual(["led0", "0:13"]);
    expect(config.restart).toBe("no");
    const other = await resolveConfig(await appWith("name: app\nversion: 1.0.0\nrestart: on-failure\n"));
    expect(other.gpio).toBeUndefined();
    expect(other.restart).toBe("on-failure");
  });

  it("rejects a GPIO entry that is neither an alias nor port:pin, and an unknown restart policy", async () => {
    expect((await resolveError("name: app\nversion: 1.0.0\ngpio: [UART_TX]\n")).message).toMatch(/gpio\[0\]/);
    expect((await resolveError("name: app\nversion: 1.0.0\nrestart: sometimes\n")).message).toMatch(
      /restart must be one of "no", "on-failure", "always"/,
    );
  });

  it("names memory.maxPages over its hard limit with the range", async () => {
    const error = await resolveError("name: app\nversion: 1.0.0\nmemory:\n  maxPages: 1000\n");
    expect(error.message).toMatch(/ocre\.yaml:4:13: memory\.maxPages must be in 1\.\.64/);
  });

  it("rejects maxPages below initialPages", async () => {
    const error = await resolveError("name: app\nversion: 1.0.0\nmemory: { initialPages: 3, maxPages: 2 }\n");
    expect(error.message).toMatch(/memory\.maxPages \(2\) is below memory\.initialPages \(3\)/);
  });

  it("suggests the closest field for a misspelt one", async () => {
    const error = await resolveError("name: app\nversion: 1.0.0\nmemory: { maxPage: 2 }\n");
    expect(error.message).toMatch(/memory\.maxPage is not a known field/);
    expect(error.hint).toMatch(/did you mean maxPages/);
  });

  it("reports a misspelt key at its own line and column, not at the mapping that holds it", async () => {
    const text = [
      "name: app",
      "version: 1.0.0",
      "memory:",
      "  arena: 256",
      "  stak: 8192",
      "image:",
      "  tag: 1.0.0",
      "capabilites: [timers]",
      "",
    ].join("\n");
    const error = await resolveError(text);
    expect(error.message).toMatch(/ocre\.yaml:5:3: memory\.stak is not a known field; did you mean stack\?/);
    expect(error.details).toEqual([
      expect.stringMatching(/ocre\.yaml:8:1: capabilites is not a known field; did you mean capabilities\?$/),
    ]);
  });

  it("says to quote a number where the manifest wants text (version: 1), with the value as typed", async () => {
    const error = await resolveError("name: app\nversion: 1.0\nimage:\n  tag: 2\n");
    expect(error.code).toBe("OCRE_MANIFEST_INVALID");
    expect(error.message).toMatch(
      /ocre\.yaml:2:10: version must be a string; YAML reads the unquoted 1\.0 as a number \(quote it: "1\.0\.0"\)$/,
    );
    expect(error.hint).toBe('quote it: version: "1.0.0"');
    expect(error.details).toEqual([expect.stringMatching(/ocre\.yaml:4:8: image\.tag must be a string; .*"2"/)]);
    // As the hints say, the manifest is valid.
    const fixed = await resolveConfig(await appWith('name: app\nversion: "1.0.0"\nimage:\n  tag: "2"\n'));
    expect([fixed.version, fixed.image.tag]).toEqual(["1.0.0", "2"]);
  });

  it("reports YAML syntax errors with line and column", async () => {
    const error = await resolveError("name: app\nversion: 1.0.0\ncapabilities: [gpio\n");
    expect(error.code).toBe("OCRE_MANIFEST_SYNTAX");
    expect(error.message).toMatch(/ocre\.yaml:\d+:\d+: /);
  });

  it("requires name and version", async () => {
    const error = await resolveError("version: 1.0.0\n");
    expect(error.message).toMatch(/needs the field "name"/);
  });

  it("says how to create an app when ocre.yaml is missing", async () => {
    const dir = await tempDir("ocre-config-");
    const error = (await resolveConfig(dir).catch((e: unknown) => e)) as OcreError;
    expect(error.code).toBe("OCRE_MANIFEST_MISSING");
    expect(error.message).toContain(dir);
    expect(error.hint).toMatch(/ocre new/);
  });

  it("reports a missing entry file", async () => {
    const dir = await appWith("name: app\nversion: 1.0.0\nentry: assembly/main.ts\n");
    const error = (await resolveConfig(dir).catch((e: unknown) => e)) as OcreError;
    expect(error.code).toBe("OCRE_ENTRY_MISSING");
    expect(error.message).toMatch(/assembly\/main\.ts/);
  });
});
