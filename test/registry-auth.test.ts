import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { freePort, startRegistry } from "./registry-server.mjs";
import { missingTools } from "./helpers/tools.js";
import { runOcre, tempDir, type CliRun } from "./helpers/cli.js";
import { packageImage, type ImageReport } from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

type Registry = Awaited<ReturnType<typeof startRegistry>>;

let app: string;
let store: string;
let report: ImageReport;

beforeAll(async () => {
  const spec = (await fixtureSpec({ dataBytes: 2000 })) as ContainerSpec;
  app = await tempDir("ocre-auth-app-");
  store = await tempDir("ocre-auth-store-");
  report = await packageImage(spec, fixtureConfig(spec, app) as ResolvedConfig, { sourceDateEpoch: "1700000000" });
});

/** Everything the user saw. */
function seen(run: CliRun): string {
  return `${run.stdout}\n${run.stderr}`;
}

function expectNoSecret(run: CliRun, ...secrets: string[]): void {
  for (const secret of secrets) expect(seen(run)).not.toContain(secret);
}

describe.skipIf(missingTools("docker-registry", "htpasswd"))("basic auth (htpasswd)", () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: "htpasswd" });
  });
  afterAll(async () => {
    await registry?.stop();
  });
  const basic = () => Buffer.from(`${registry.username}:${registry.password}`).toString("base64");

  it("anonymous push is refused with a 401 that says how to log in", async () => {
    const run = await runOcre(["push", `${registry.host}/app/blinky:1.0.0`], { cwd: app });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(
      /error OCRE_REGISTRY_UNAUTHORIZED: registry 127\.0\.0\.1:\d+ requires authentication: 401/,
    );
    expect(run.stderr).toContain("--password-stdin");
  });

  it("a wrong password is a clear 401 error that does not echo the password", async () => {
    const run = await runOcre(
      ["push", `${registry.host}/app/blinky:1.0.0`, "--username", registry.username, "--password-stdin", "--verbose"],
      { cwd: app, input: "not-the-password\n" },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`rejected the credentials of user "${registry.username}" (from --username): 401`);
    expectNoSecret(run, "not-the-password", Buffer.from(`${registry.username}:not-the-password`).toString("base64"));
  });

  it("--username + --password-stdin pushes; --verbose never shows the password or the Authorization value", async () => {
    const run = await runOcre(
      ["push", `${registry.host}/app/blinky:1.0.0`, "--username", registry.username, "--password-stdin", "--verbose"],
      { cwd: app, input: `${registry.password}\n` },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(report.digest);
    expect(run.stderr).toContain("PUT http://"); // verbose really showed the exchange
    expectNoSecret(run, registry.password, basic());
  });

  it("pulls with OCRE_REGISTRY_USERNAME / OCRE_REGISTRY_PASSWORD when OCRE_REGISTRY names the registry", async () => {
    const run = await runOcre(["pull", `${registry.host}/app/blinky:1.0.0`, "--verbose"], {
      cwd: store,
      env: {
        XDG_DATA_HOME: store,
        OCRE_REGISTRY: registry.host,
        OCRE_REGISTRY_USERNAME: registry.username,
        OCRE_REGISTRY_PASSWORD: registry.password,
      },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(report.digest);
    expect(run.stderr).toContain(
      `registry ${registry.host}: credentials of user "${registry.username}" from environment (OCRE_REGISTRY=${registry.host}), for ${registry.host} only`,
    );
    expectNoSecret(run, registry.password, basic());
  });

  it("environment credentials are not used for a registry OCRE_REGISTRY does not name (or when it is unset)", async () => {
    for (const named of [undefined, "registry.example.com"]) {
      const run = await runOcre(["pull", `${registry.host}/app/blinky:1.0.0`, "--verbose"], {
        cwd: store,
        env: {
          XDG_DATA_HOME: store,
          ...(named === undefined ? {} : { OCRE_REGISTRY: named }),
          OCRE_REGISTRY_USERNAME: registry.username,
          OCRE_REGISTRY_PASSWORD: registry.password,
        },
      });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(
        /error OCRE_REGISTRY_UNAUTHORIZED: registry 127\.0\.0\.1:\d+ requires authentication: 401/,
      );
      expect(run.stderr).toContain(`registry ${registry.host}: no credentials (anonymous)`);
      expect(run.stderr).toContain(`set OCRE_REGISTRY=${registry.host} to use those credentials here`);
      expectNoSecret(run, registry.password, basic());
    }
  });

  it("pulls with the login stored in docker's config.json (auths)", async () => {
    const dockerDir = path.join(store, "docker");
    await mkdir(dockerDir, { recursive: true });
    await writeFile(
      path.join(dockerDir, "config.json"),
      JSON.stringify({ auths: { [registry.host]: { auth: basic() } } }),
    );
    const run = await runOcre(["pull", `${registry.host}/app/blinky:1.0.0`, "--json"], {
      cwd: store,
      env: { XDG_DATA_HOME: store, DOCKER_CONFIG: dockerDir },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).digest).toBe(report.digest);
  });
  it("pulls with a docker credential helper named in config.json (credHelpers)", async () => {
    const dir = path.join(store, "helper");
    await mkdir(dir, { recursive: true });
    // A credential helper speaks docker's protocol: `get`, the registry on stdin, JSON on stdout.
    const script = path.join(dir, "docker-credential-ocretest");
    await writeFile(
      script,
      `#!/bin/sh\nread host\n[ "$host" = "${registry.host}" ] || exit 1\necho '{"ServerURL":"'$host'","Username":"${registry.username}","Secret":"${registry.password}"}'\n`,
    );
    await chmod(script, 0o755);
    await writeFile(path.join(dir, "config.json"), JSON.stringify({ credHelpers: { [registry.host]: "ocretest" } }));
    const run = await runOcre(["pull", `${registry.host}/app/blinky:1.0.0`, "--verbose"], {
      cwd: store,
      env: { XDG_DATA_HOME: store, DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH}` },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `registry ${registry.host}: credentials of user "${registry.username}" from docker-credential-ocretest, for ${registry.host} only`,
    );
    expectNoSecret(run, registry.password);
  });
});

describe.skipIf(missingTools("docker-registry", "openssl"))("TLS with a test CA", () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("without --ca-file the certificate is not trusted, and the hint names --ca-file", async () => {
    const run = await runOcre(["push", `${registry.host}/tls/blinky:1.0.0`], { cwd: app });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("error OCRE_REGISTRY_TLS");
    expect(run.stderr).toContain("--ca-file");
  });

  it("with --ca-file: push and pull over https", async () => {
    const pushed = await runOcre(
      ["push", `${registry.host}/tls/blinky:1.0.0`, "--ca-file", registry.caFile!, "--verbose"],
      { cwd: app },
    );
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain(`https://${registry.host}/v2/tls/blinky/manifests/1.0.0 → 201`);
    const pulled = await runOcre(["pull", `${registry.host}/tls/blinky:1.0.0`, "--ca-file", registry.caFile!], {
      cwd: store,
      env: { XDG_DATA_HOME: store },
    });
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(pulled.stdout.trim()).toBe(report.digest);
  });

  it("--insecure skips verification", async () => {
    const run = await runOcre(["pull", `${registry.host}/tls/blinky:1.0.0`, "--insecure", "--json"], {
      cwd: store,
      env: { XDG_DATA_HOME: store },
    });
    expect(run.exitCode, run.stderr).toBe(0);
  });
});

describe.skipIf(missingTools("docker-registry", "openssl"))(
  "bearer token flow (real registry with auth: token; token issuer in test/registry-server.mjs)",
  () => {
    let registry: Registry;
    beforeAll(async () => {
      registry = await startRegistry({ auth: "token" });
    });
    afterAll(async () => {
      await registry?.stop();
    });

    it("anonymous gets a token without rights, and a clear 401", async () => {
      const run = await runOcre(["push", `${registry.host}/tok/blinky:1.0.0`], { cwd: app });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain("error OCRE_REGISTRY_UNAUTHORIZED");
    });

    it("a wrong password is refused by the token service with a clear error", async () => {
      const run = await runOcre(
        ["push", `${registry.host}/tok/blinky:1.0.0`, "--username", registry.username, "--password-stdin"],
        { cwd: app, input: "wrong" },
      );
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain("rejected the credentials");
      expect(run.stderr).toContain("token service");
    });

    it("push and pull with a token scoped to the repository; neither password nor token is printed", async () => {
      const env = {
        XDG_DATA_HOME: store,
        OCRE_REGISTRY: registry.host,
        OCRE_REGISTRY_USERNAME: registry.username,
        OCRE_REGISTRY_PASSWORD: registry.password,
      };
      const pushed = await runOcre(["push", `${registry.host}/tok/blinky:1.0.0`, "--verbose"], { cwd: app, env });
      expect(pushed.exitCode, pushed.stderr).toBe(0);
      const issued = registry.tokenIssuer!.requests.filter(
        (r: { ok: boolean; user?: string }) => r.ok && r.user === registry.username,
      );
      expect(issued.length).toBeGreaterThan(0);
      expect(issued[0].scopes).toContain("repository:tok/blinky:pull,push");
      const pulled = await runOcre(["pull", `${registry.host}/tok/blinky:1.0.0`, "--verbose"], { cwd: store, env });
      expect(pulled.exitCode, pulled.stderr).toBe(0);
      expect(pulled.stdout.trim()).toBe(report.digest);
      for (const run of [pushed, pulled]) {
        expectNoSecret(
          run,
          registry.password,
          ...registry
            .tokenIssuer!.requests.filter((r: { token?: string }) => r.token)
            .map((r: { token: string }) => r.token),
        );
      }
    });
  },
);

const externalIp = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

describe.skipIf(externalIp === undefined)("plain http outside loopback", () => {
  let server: http.Server;
  let port: number;
  const requests: string[] = [];
  beforeAll(async () => {
    port = await freePort();
    // A plain-http endpoint on a non-loopback address: it must only be spoken to with --insecure.
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res
        .writeHead(404, { "content-type": "application/json" })
        .end('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}');
    });
    await new Promise<void>((resolve) => server.listen(port, externalIp, resolve));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it("is never used without --insecure; with it, ocre talks http", async () => {
    const refused = await runOcre(["pull", `${externalIp}:${port}/x/y:1`], {
      cwd: store,
      env: { XDG_DATA_HOME: store },
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("OCRE_REGISTRY_UNREACHABLE");
    expect(requests).toEqual([]);
    const allowed = await runOcre(["pull", `${externalIp}:${port}/x/y:1`, "--insecure"], {
      cwd: store,
      env: { XDG_DATA_HOME: store },
    });
    expect(allowed.stderr).toContain("OCRE_REGISTRY_NOT_FOUND");
    expect(requests).toContain("GET /v2/");
  });
});
