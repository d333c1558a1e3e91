// ocre against a hostile or broken registry (test/hostile-registry.mjs, a scripted fake on
// 127.0.0.1 with a second host on 127.0.0.2): credentials never reach another host, time and
// memory stay bounded, every case ends in the documented error and exit code, and nothing is
// left half-written (no store entry or partial file after a failed pull, no tag after a failed
// push). Each ocre run is a real CLI process whose peak RSS is measured.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { readdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { fixtureSpec } from "./oci-fixture.mjs";
import { makeCertificates } from "./registry-server.mjs";
import { lazyBody, startHostileRegistry, TOKEN } from "./hostile-registry.mjs";
import { cliPath, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";
import { renderImage, sha256Digest, writeLayout, type ImageContent } from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";

type Hostile = Awaited<ReturnType<typeof startHostileRegistry>>;

const preload = path.join(import.meta.dirname, "helpers", "peak-rss.mjs");
const USER = "alice";
const PASSWORD = "s3cret-Pa55word";
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the ocre process, MiB. */
  rssMiB: number;
  ms: number;
}

let work: string;
let content: ImageContent;
let appLayout: string;
let runs = 0;

/** Runs the built CLI as a user would, measuring its peak RSS (helpers/peak-rss.mjs) and wall time. */
async function ocre(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  const rssFile = path.join(work, `rss-${runs++}`);
  const start = Date.now();
  const result = await execa(process.execPath, ["--import", pathToFileURL(preload).href, cliPath, ...args], {
    cwd: work,
    env: { NO_COLOR: "1", OCRE_TEST_RSS_FILE: rssFile, DOCKER_CONFIG: path.join(work, "no-docker"), ...options.env },
    extendEnv: false,
    reject: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
  });
  const kib = Number(await readFile(rssFile, "utf8").catch(() => "0"));
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    rssMiB: kib / 1024,
    ms: Date.now() - start,
  };
}

/** Every file under `dir` (relative), or undefined when `dir` does not exist. */
async function filesUnder(dir: string): Promise<string[] | undefined> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => undefined);
  return entries
    ?.filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function everythingSaid(run: Run): string {
  return `${run.stdout}\n${run.stderr}`;
}

let storeCount = 0;
/** A fresh store path (not created: a failed pull must not create it either). */
function newStore(): string {
  return path.join(work, `store-${storeCount++}`);
}

const fastFlags = ["--retries", "1", "--idle-timeout", "2s"];

beforeAll(async () => {
  work = await tempDir("ocre-hostile-");
  const spec = (await fixtureSpec({ dataBytes: 8000 })) as ContainerSpec;
  content = renderImage(spec, { boards: [], sdkVersion: "test" });
  appLayout = path.join(work, "app-layout");
  await writeLayout(appLayout, [{ content, ref: "1.0.0" }]);
});

const layerDigest = () => content.manifest.layers[0]!.digest;
const configDigest = () => content.manifest.config.digest;

describe("credentials stay with the registry that asked for them", () => {
  let reg: Hostile;
  beforeAll(async () => {
    reg = await startHostileRegistry({ auth: { username: USER, password: PASSWORD } });
  });
  afterEach(() => reg.reset());
  afterAll(() => reg?.close());

  it("an upload Location on another host (127.0.0.2) gets the blob but never the credentials", async () => {
    reg.state.uploadTo = "other";
    const run = await ocre(
      ["push", "--layout", appLayout, `${reg.host}/iot/app:1.0.0`, "--username", USER, "--password-stdin", "--verbose"],
      { input: `${PASSWORD}\n` },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const other = reg.requests.filter((r) => r.listener === "other");
    expect(other.length).toBeGreaterThan(0); // the uploads really went there
    expect(other.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(reg.requests.some((r) => r.listener === "main" && r.authorization === `Basic ${BASIC}`)).toBe(true);
    expect(run.stderr).toContain(
      `registry ${reg.host}: credentials of user "alice" from --username, for ${reg.host} only`,
    );
    expect(run.stderr).toContain(`http://${reg.otherHost} is another host; no credentials are sent to it`);
    expect(everythingSaid(run)).not.toContain(PASSWORD);
    expect(everythingSaid(run)).not.toContain(BASIC);
    expect(reg.manifests.has("iot/app:1.0.0")).toBe(true);
  });

  it("another host that asks for a login gets none, and the push stops untagged", async () => {
    reg.state.uploadTo = "other";
    reg.state.otherAuth = true;
    const run = await ocre(
      ["push", "--layout", appLayout, `${reg.host}/iot/denied:1.0.0`, "--username", USER, "--password-stdin"],
      {
        input: PASSWORD,
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_REGISTRY_UNAUTHORIZED");
    expect(run.stderr).toContain(`http://${reg.otherHost}/v2/iot/denied/blobs/uploads/`);
    expect(run.stderr).toContain("ocre sends them only to");
    expect(reg.requests.filter((r) => r.listener === "other" && r.authorization !== undefined)).toEqual([]);
    expect(reg.manifests.has("iot/denied:1.0.0")).toBe(false);
  });

  it("a blob download redirected to another host follows without the credentials", async () => {
    reg.put("iot/redirect", "1.0.0", content);
    reg.state.fault = (r: { listener: string; method: string; path: string }) =>
      r.listener === "main" && r.method === "GET" && r.path.includes("/blobs/")
        ? { status: 307, headers: { location: `http://${reg.otherHost}${r.path}` } }
        : undefined;
    const store = newStore();
    const run = await ocre(
      ["pull", `${reg.host}/iot/redirect:1.0.0`, "--layout", store, "--username", USER, "--password-stdin"],
      {
        input: PASSWORD,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(content.manifestDigest);
    const other = reg.requests.filter((r) => r.listener === "other");
    expect(other.map((r) => r.method)).toEqual(["GET", "GET"]);
    expect(other.filter((r) => r.authorization !== undefined)).toEqual([]);
  });

  it("environment credentials go only to the registry OCRE_REGISTRY names", async () => {
    reg.put("iot/env", "1.0.0", content);
    const env = { OCRE_REGISTRY: reg.otherHost, OCRE_REGISTRY_USERNAME: USER, OCRE_REGISTRY_PASSWORD: PASSWORD };
    const run = await ocre(["pull", `${reg.host}/iot/env:1.0.0`, "--layout", newStore(), "--verbose"], { env });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_REGISTRY_UNAUTHORIZED");
    expect(run.stderr).toContain(
      `OCRE_REGISTRY_USERNAME is set for OCRE_REGISTRY=${reg.otherHost}, not for ${reg.host}`,
    );
    expect(reg.requests.filter((r) => r.authorization !== undefined)).toEqual([]);
    const ok = await ocre(["pull", `${reg.host}/iot/env:1.0.0`, "--layout", newStore()], {
      env: { ...env, OCRE_REGISTRY: reg.host },
    });
    expect(ok.exitCode, ok.stderr).toBe(0);
  });
});

describe("the token flow: credentials to the realm the challenge names, the token to the registry", () => {
  let reg: Hostile;
  beforeAll(async () => {
    reg = await startHostileRegistry({ auth: { username: USER, password: PASSWORD }, bearer: "other" });
  });
  afterAll(() => reg?.close());

  it("basic credentials reach only the realm on 127.0.0.2; the registry sees only the token", async () => {
    const run = await ocre(
      ["push", "--layout", appLayout, `${reg.host}/iot/tok:1.0.0`, "--username", USER, "--password-stdin", "--verbose"],
      { input: PASSWORD },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const other = reg.requests.filter((r) => r.listener === "other");
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((r) => r.path === "/token" && r.authorization === `Basic ${BASIC}`)).toBe(true);
    const main = reg.requests.filter((r) => r.listener === "main");
    expect(main.every((r) => r.authorization === undefined || r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(run.stderr).toContain(
      `credentials of user "alice" (from --username) go to the token service http://${reg.otherHost} its challenge names`,
    );
    expect(everythingSaid(run)).not.toContain(PASSWORD);
    expect(everythingSaid(run)).not.toContain(TOKEN);
    expect(reg.manifests.has("iot/tok:1.0.0")).toBe(true);
  });
});

describe.skipIf(missingTools("openssl"))("never from https down to http", () => {
  let reg: Hostile;
  let caFile: string;
  beforeAll(async () => {
    const certs = await makeCertificates(path.join(work, "certs"));
    caFile = certs.caFile;
    reg = await startHostileRegistry({ auth: { username: USER, password: PASSWORD }, tls: certs });
  });
  afterEach(() => reg.reset());
  afterAll(() => reg?.close());

  it("an https registry handing the upload to a plain-http Location is refused before anything is sent there", async () => {
    reg.state.uploadTo = "plain";
    const run = await ocre(
      [
        "push",
        "--layout",
        appLayout,
        `${reg.host}/iot/down:1.0.0`,
        "--ca-file",
        caFile,
        "--username",
        USER,
        "--password-stdin",
      ],
      { input: PASSWORD },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_REGISTRY_DOWNGRADE");
    expect(run.stderr).toContain(`http://${reg.plainHost}/v2/iot/down/blobs/uploads/`);
    expect(reg.requests.filter((r) => r.listener === "plain")).toEqual([]);
    expect(reg.manifests.has("iot/down:1.0.0")).toBe(false);
  });

  it("an https registry naming a plain-http token realm gets no credentials sent there", async () => {
    const certs = { certFile: path.join(work, "certs", "server.crt"), keyFile: path.join(work, "certs", "server.key") };
    const tok = await startHostileRegistry({
      auth: { username: USER, password: PASSWORD },
      tls: certs,
      bearer: "plain",
    });
    try {
      const run = await ocre(
        [
          "push",
          "--layout",
          appLayout,
          `${tok.host}/iot/tok:1.0.0`,
          "--ca-file",
          caFile,
          "--username",
          USER,
          "--password-stdin",
        ],
        { input: PASSWORD },
      );
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain("error OCRE_REGISTRY_AUTH:");
      expect(run.stderr).toContain(`sends logins to a token service that is not https (http://${tok.plainHost}/token)`);
      expect(tok.requests.filter((r) => r.listener === "plain")).toEqual([]);
      expect(tok.manifests.size).toBe(0);
    } finally {
      await tok.close();
    }
  });

  it("a redirect from https to http on pull is refused and the store is untouched", async () => {
    reg.put("iot/down", "1.0.0", content);
    reg.state.fault = (r: { listener: string; method: string; path: string }) =>
      r.listener === "main" && r.path.includes("/blobs/")
        ? { status: 302, headers: { location: `http://${reg.plainHost}${r.path}` } }
        : undefined;
    const store = newStore();
    const run = await ocre(
      [
        "pull",
        `${reg.host}/iot/down:1.0.0`,
        "--layout",
        store,
        "--ca-file",
        caFile,
        "--username",
        USER,
        "--password-stdin",
      ],
      { input: PASSWORD },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_REGISTRY_DOWNGRADE");
    expect(reg.requests.filter((r) => r.listener === "plain")).toEqual([]);
    expect(await filesUnder(store)).toBeUndefined();
  });
});

describe.skipIf(missingTools("openssl"))("the connect timeout", () => {
  it("a server that accepts but never completes the TLS handshake is given up after --connect-timeout", async () => {
    const certs = await makeCertificates(path.join(work, "certs-connect"));
    // TCP accepted, then silence: the handshake never finishes, so the connection never opens.
    const silent = net.createServer(() => undefined);
    const sockets = new Set<net.Socket>();
    silent.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const host = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    try {
      const store = newStore();
      const run = await ocre([
        "pull",
        `${host}/iot/app:1.0.0`,
        "--layout",
        store,
        "--ca-file",
        certs.caFile,
        "--connect-timeout",
        "500ms",
        "--idle-timeout",
        "60s",
      ]);
      expect(run.exitCode, run.stderr).toBe(1);
      expect(run.stderr).toContain(`error OCRE_REGISTRY_UNAVAILABLE: registry ${host}: connecting failed`);
      expect(run.stderr).toContain("no connection within 500 ms (connect timeout)");
      expect(run.ms).toBeLessThan(10_000);
      expect(await filesUnder(store)).toBeUndefined();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe("time, size and garbage", () => {
  let reg: Hostile;
  let baselineMiB: number;
  beforeAll(async () => {
    reg = await startHostileRegistry();
    reg.put("iot/app", "1.0.0", content);
    // The yardstick for memory: the same pull, answered honestly.
    const run = await ocre(["pull", `${reg.host}/iot/app:1.0.0`, "--layout", newStore()]);
    expect(run.exitCode, run.stderr).toBe(0);
    baselineMiB = run.rssMiB;
    expect(baselineMiB).toBeGreaterThan(10);
  });
  afterEach(() => reg.reset());
  afterAll(() => reg?.close());

  /** Pulls into a fresh store and checks the common outcome of a failure: the code, exit 1, no store. */
  async function failingPull(code: string, flags: string[] = fastFlags, repo = "iot/app:1.0.0"): Promise<Run> {
    const store = newStore();
    const run = await ocre(["pull", `${reg.host}/${repo}`, "--layout", store, ...flags]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain(`error ${code}:`);
    expect(run.stderr).not.toContain("OCRE_INTERNAL");
    expect(await filesUnder(store)).toBeUndefined();
    return run;
  }

  it("a registry that never answers the manifest request: OCRE_REGISTRY_UNAVAILABLE after the idle timeout", async () => {
    reg.state.fault = (r: { path: string }) => (r.path.includes("/manifests/") ? { hang: true } : undefined);
    const run = await failingPull("OCRE_REGISTRY_UNAVAILABLE", ["--retries", "3", "--idle-timeout", "1s"]);
    expect(run.stderr).toContain(
      `registry ${reg.host}: fetching the manifest of ${reg.host}/iot/app:1.0.0 failed after 2 attempts`,
    );
    expect(run.stderr).toContain("idle timeout");
    expect(run.ms).toBeLessThan(15_000); // two idle periods and a back-off, not minutes
  });

  it("a registry that never answers at all: OCRE_REGISTRY_UNAVAILABLE while connecting", async () => {
    reg.state.fault = () => ({ hang: true });
    const run = await failingPull("OCRE_REGISTRY_UNAVAILABLE", ["--idle-timeout", "1s"]);
    expect(run.stderr).toContain(`registry ${reg.host}: connecting failed`);
    expect(run.ms).toBeLessThan(15_000);
  });

  it("push of a missing local image to a registry that never answers: the local error at once", async () => {
    // `ocre push` connects while it reads the image; when the image is not there, that connection
    // is cancelled rather than left to run into the 30 s idle timeout.
    reg.state.fault = () => ({ hang: true });
    const run = await ocre(["push", "no-such-image", `${reg.host}/iot/app:1.0.0`, "--cwd", work]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('error OCRE_IMAGE_NOT_FOUND: no local image "no-such-image"');
    expect(run.stderr).not.toContain("OCRE_REGISTRY");
    expect(run.ms).toBeLessThan(10_000);
  });

  it("a registry that answers one byte at a time is cut off by the total timeout", async () => {
    reg.state.fault = (r: { path: string }) => (r.path.includes("/blobs/") ? { trickle: 100 } : undefined);
    const run = await failingPull("OCRE_REGISTRY_UNAVAILABLE", ["--timeout", "3s"]);
    expect(run.stderr).toContain("did not finish within the 3 s");
    expect(run.ms).toBeLessThan(15_000);
  });

  it("512 MiB served for a small config blob (no Content-Length): refused after the declared size, memory flat", async () => {
    reg.state.fault = (r: { method: string; path: string }) =>
      r.method === "GET" && r.path.endsWith(configDigest())
        ? { status: 200, body: lazyBody(512 * 1024 * 1024) }
        : undefined;
    const run = await failingPull("OCRE_OCI_DIGEST_MISMATCH");
    expect(run.stderr).toContain(`blob ${configDigest()}`);
    expect(run.stderr).toContain(`its descriptor says ${content.manifest.config.size}`);
    expect(run.rssMiB).toBeLessThan(baselineMiB + 16);
  });

  it("a blob whose Content-Length exceeds its descriptor is refused before its body is read", async () => {
    reg.state.fault = (r: { method: string; path: string }) =>
      r.method === "GET" && r.path.endsWith(layerDigest())
        ? { status: 200, headers: { "content-length": String(1024 ** 3) }, body: lazyBody(1024 ** 3) }
        : undefined;
    const run = await failingPull("OCRE_OCI_DIGEST_MISMATCH");
    expect(run.stderr).toContain(`is ${1024 ** 3} bytes, but its descriptor says`);
    expect(run.rssMiB).toBeLessThan(baselineMiB + 16);
  });

  it("a 64 MiB manifest is refused at the 4 MiB registries allow, memory flat", async () => {
    reg.state.fault = (r: { method: string; path: string }) =>
      r.method === "GET" && r.path.includes("/manifests/")
        ? { status: 200, body: lazyBody(64 * 1024 * 1024, 0x20) }
        : undefined;
    const run = await failingPull("OCRE_OCI_INVALID");
    expect(run.stderr).toContain("over the 4194304-byte limit");
    expect(run.rssMiB).toBeLessThan(baselineMiB + 16);
  });

  it("a 5xx with a 256 MiB error page: only its start is read", async () => {
    reg.state.fault = (r: { path: string }) =>
      r.path.includes("/manifests/") ? { status: 503, body: lazyBody(256 * 1024 * 1024) } : undefined;
    const run = await failingPull("OCRE_REGISTRY_UNAVAILABLE");
    expect(run.stderr).toContain("answered 503");
    expect(run.rssMiB).toBeLessThan(baselineMiB + 16);
  });

  it("a registry's error message cannot add lines to ocre's output", async () => {
    const forged = JSON.stringify({
      errors: [{ code: "UNAVAILABLE", message: "down\nerror OCRE_FAKE: forged\r\nhint: x" }],
    });
    reg.state.fault = (r: { path: string }) =>
      r.path.includes("/manifests/") ? { status: 503, body: forged } : undefined;
    const run = await failingPull("OCRE_REGISTRY_UNAVAILABLE");
    expect(run.stderr).toContain("(UNAVAILABLE: down error OCRE_FAKE: forged hint: x)");
    expect(run.stderr.split("\n").filter((line) => line.startsWith("error "))).toHaveLength(1);
  });

  const garbage: [string, () => unknown, string][] = [
    ["a manifest that is not JSON", () => "<html>502 Bad Gateway</html>", "is not JSON"],
    [
      "a manifest with a null layer",
      () => ({ ...JSON.parse(Buffer.from(content.manifestBytes).toString()), layers: [null] }),
      "layers[0] is null, not an object",
    ],
    [
      "a manifest whose config size is negative",
      () => {
        const m = JSON.parse(Buffer.from(content.manifestBytes).toString());
        return { ...m, config: { ...m.config, size: -1 } };
      },
      "config.size is -1, not a byte count",
    ],
    [
      "an index with a null entry",
      () => ({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [null] }),
      "manifests[0] is null, not an object",
    ],
  ];
  it.each(garbage)("%s is OCRE_OCI_INVALID naming the document and field", async (_name, make, field) => {
    const doc = make();
    const body = typeof doc === "string" ? doc : JSON.stringify(doc);
    reg.state.fault = (r: { method: string; path: string }) =>
      r.method === "GET" && r.path.includes("/manifests/")
        ? { status: 200, headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" }, body }
        : undefined;
    const run = await failingPull("OCRE_OCI_INVALID");
    expect(run.stderr).toContain(`manifest of ${reg.host}/iot/app:1.0.0`);
    expect(run.stderr).toContain(field);
  });

  it("a repository name over the 255 characters registries accept is a clean error before any request", async () => {
    const long = `iot/${"a".repeat(300)}`;
    const pull = await failingPull("OCRE_REFERENCE_INVALID", [], `${long}:1.0.0`);
    expect(pull.stderr).toContain("255");
    const push = await ocre(["push", "--layout", appLayout, `${reg.host}/${long}:1.0.0`]);
    expect(push.exitCode).toBe(1);
    expect(push.stderr).toContain("error OCRE_REFERENCE_INVALID:");
    expect(reg.requests).toEqual([]);
  });
});

describe("faults at every step end in OCRE_REGISTRY_UNAVAILABLE with nothing half-written", () => {
  let reg: Hostile;
  beforeAll(async () => {
    reg = await startHostileRegistry();
    reg.put("iot/app", "1.0.0", content);
  });
  afterEach(() => reg.reset());
  afterAll(() => reg?.close());

  let pushes = 0;
  type Step = [string, (r: { method: string; path: string }) => boolean, string];
  const pushSteps: Step[] = [
    ["HEAD of a blob", (r) => r.method === "HEAD", "checking blob"],
    ["POST of an upload", (r) => r.method === "POST", "starting the upload of blob"],
    ["PATCH of a chunk", (r) => r.method === "PATCH", "uploading bytes"],
    // The config blob fits one monolithic PUT, the first to fail; the wrapper names the blob either way.
    ["PUT finishing an upload", (r) => r.method === "PUT" && r.path.includes("/uploads/"), "uploading blob"],
    ["PUT of the manifest", (r) => r.method === "PUT" && r.path.includes("/manifests/"), "storing the manifest of"],
  ];
  const faults = [
    ["dropped connections", { drop: true }, "socket hang up"],
    ["sustained 500s", { status: 500, body: '{"errors":[{"code":"UNAVAILABLE","message":"down"}]}' }, "answered 500"],
  ] as const;
  for (const [faultName, action, cause] of faults) {
    it.each(pushSteps)(`push with ${faultName} on the %s`, async (_step, matches, operation) => {
      reg.state.fault = (r: { method: string; path: string }) => (matches(r) ? action : undefined);
      const repo = `iot/pushed-${++pushes}`;
      const run = await ocre([
        "push",
        "--layout",
        appLayout,
        `${reg.host}/${repo}:1.0.0`,
        "--chunk-size",
        "4096",
        ...fastFlags,
      ]);
      expect(run.exitCode, run.stderr).toBe(1);
      expect(run.stderr).toContain("error OCRE_REGISTRY_UNAVAILABLE:");
      expect(run.stderr).toContain(`registry ${reg.host}`);
      expect(run.stderr).toContain(operation);
      expect(run.stderr).toContain(cause);
      expect(run.stderr).not.toContain("OCRE_INTERNAL");
      expect(reg.manifests.has(`${repo}:1.0.0`)).toBe(false);
    });
  }

  const pullSteps: [string, Record<string, unknown>, (r: { method: string; path: string }) => boolean, string][] = [
    ["dropped manifest requests", { drop: true }, (r) => r.path.includes("/manifests/"), "fetching the manifest"],
    [
      "manifests cut off mid-body",
      { dropMidBody: true },
      (r) => r.path.includes("/manifests/"),
      "fetching the manifest",
    ],
    ["sustained 500s on the manifest", { status: 500 }, (r) => r.path.includes("/manifests/"), "answered 500"],
    ["blobs cut off mid-body", { dropMidBody: true }, (r) => r.path.includes("/blobs/"), "fetching blob"],
    ["dropped blob requests", { drop: true }, (r) => r.path.includes("/blobs/"), "fetching blob"],
  ];
  it.each(pullSteps)("pull with %s", async (_name, action, matches, operation) => {
    reg.state.fault = (r: { method: string; path: string }) => (matches(r) ? action : undefined);
    const store = newStore();
    const run = await ocre(["pull", `${reg.host}/iot/app:1.0.0`, "--layout", store, ...fastFlags]);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain("error OCRE_REGISTRY_UNAVAILABLE:");
    expect(run.stderr).toContain(`registry ${reg.host}`);
    expect(run.stderr).toContain(operation);
    expect(run.stderr).not.toContain("OCRE_INTERNAL");
    expect(await filesUnder(store)).toBeUndefined();
  });

  it("a registry that shuts down mid-pull (connection refused) into a store with an image: the store is unchanged", async () => {
    const own = await startHostileRegistry();
    try {
      own.put("iot/app", "1.0.0", content);
      const store = newStore();
      expect((await ocre(["pull", `${own.host}/iot/app:1.0.0`, "--layout", store])).exitCode).toBe(0);
      const before = await filesUnder(store);
      const index = await readFile(path.join(store, "index.json"));
      // A second image whose layer the store lacks; the registry dies when it is asked for it.
      const spec = (await fixtureSpec({ dataBytes: 9000, seed: 7 })) as ContainerSpec;
      const second = renderImage(spec, { boards: [], sdkVersion: "test" });
      own.put("iot/second", "2.0.0", second);
      own.state.fault = (r: { path: string }) =>
        r.path.endsWith(second.manifest.layers[0]!.digest) ? { close: true } : undefined;
      const run = await ocre(["pull", `${own.host}/iot/second:2.0.0`, "--layout", store, ...fastFlags]);
      expect(run.exitCode, run.stderr).toBe(1);
      expect(run.stderr).toContain("error OCRE_REGISTRY_UNAVAILABLE:");
      expect(run.stderr).toContain("fetching blob");
      expect(run.stderr).toContain("ECONNREFUSED");
      expect(await filesUnder(store)).toEqual(before);
      expect(Buffer.compare(await readFile(path.join(store, "index.json")), index)).toBe(0);
    } finally {
      await own.close();
    }
  });
});

describe("pull repairs the store", () => {
  let reg: Hostile;
  beforeAll(async () => {
    reg = await startHostileRegistry();
    reg.put("iot/app", "1.0.0", content);
  });
  afterAll(() => reg?.close());

  it("a store blob of the right size but the wrong bytes is fetched again and replaced", async () => {
    const store = newStore();
    const first = await ocre(["pull", `${reg.host}/iot/app:1.0.0`, "--layout", store, "--json"]);
    expect(first.exitCode, first.stderr).toBe(0);
    const file = path.join(store, "blobs", "sha256", layerDigest().slice(7));
    const good = await readFile(file);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0xff;
    await writeFile(file, bad);
    const again = await ocre(["pull", `${reg.host}/iot/app:1.0.0`, "--layout", store, "--json"]);
    expect(again.exitCode, again.stderr).toBe(0);
    const actions = Object.fromEntries(
      (JSON.parse(again.stdout).blobs as { digest: string; action: string }[]).map((b) => [b.digest, b.action]),
    );
    expect(actions).toEqual({ [configDigest()]: "present", [layerDigest()]: "repaired" });
    expect(again.stderr).toContain(`repaired blob ${layerDigest()}`);
    expect(sha256Digest(await readFile(file))).toBe(layerDigest());
    const third = await ocre(["pull", `${reg.host}/iot/app:1.0.0`, "--layout", store, "--json"]);
    expect((JSON.parse(third.stdout).blobs as { action: string }[]).map((b) => b.action)).toEqual([
      "present",
      "present",
    ]);
  });
});
