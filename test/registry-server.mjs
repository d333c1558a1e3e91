// Real registries on loopback for the OCI tests and benchmark: Debian's `docker-registry`
// (distribution 2.8), anonymous, with htpasswd basic auth, behind TLS with a CA made by openssl,
// or with token auth. For token auth, distribution needs a token issuer and Debian ships none, so
// `startTokenIssuer` below is a small JWT issuer written for these tests; the registry that
// verifies its tokens is the real one.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:net";
import http from "node:http";
import https from "node:https";
import { createSign, randomBytes } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function openssl(args, cwd) {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A test CA and a server certificate for 127.0.0.1/localhost signed by it. */
export async function makeCertificates(dir) {
  await mkdir(dir, { recursive: true });
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "2",
      "-subj",
      "/CN=ocre test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  openssl(
    ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
    dir,
  );
  await writeFile(
    path.join(dir, "ext.cnf"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ],
    dir,
  );
  return {
    caFile: path.join(dir, "ca.crt"),
    certFile: path.join(dir, "server.crt"),
    keyFile: path.join(dir, "server.key"),
  };
}

function requestStatus(url, ca) {
  return new Promise((resolve) => {
    const get = url.startsWith("https:") ? https.get : http.get;
    const req = get(url, { ca, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on("error", () => resolve(undefined));
    req.on("timeout", () => req.destroy());
  });
}

/** Base64url without padding, as JWTs want. */
function b64url(data) {
  return Buffer.from(data).toString("base64url");
}

/**
 * A token issuer for distribution's `auth: token`: checks basic credentials and signs RS256 JWTs
 * carrying the requested repository scopes (all of them, for a known user; none for anonymous).
 */
export async function startTokenIssuer({ dir, users, service, issuer }) {
  await mkdir(dir, { recursive: true });
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "token.key",
      "-out",
      "token.crt",
      "-days",
      "2",
      "-subj",
      "/CN=ocre test token issuer",
    ],
    dir,
  );
  const key = await readFile(path.join(dir, "token.key"), "utf8");
  const pem = await readFile(path.join(dir, "token.crt"), "utf8");
  const der = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const auth = req.headers.authorization ?? "";
    let user;
    if (auth.startsWith("Basic ")) {
      const [name, ...rest] = Buffer.from(auth.slice(6), "base64").toString().split(":");
      if (users[name] !== rest.join(":")) {
        requests.push({ scopes: url.searchParams.getAll("scope"), user: name, ok: false });
        res.writeHead(401, { "content-type": "application/json" }).end('{"details":"bad credentials"}');
        return;
      }
      user = name;
    }
    const scopes = url.searchParams.getAll("scope");
    requests.push({ scopes, user, ok: true });
    const access =
      user === undefined
        ? []
        : scopes.map((s) => {
            const [type, name, actions] = s.split(":");
            return { type, name, actions: actions.split(",") };
          });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [der] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: user ?? "",
        aud: service,
        exp: now + 300,
        nbf: now - 60,
        iat: now,
        jti: randomBytes(8).toString("hex"),
        access,
      }),
    );
    const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(key).toString("base64url");
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile: path.join(dir, "token.crt"),
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * Starts `docker-registry serve` on 127.0.0.1 with its storage in a temp dir.
 * auth: "none" | "htpasswd" | "token"; tls: serve https with a certificate from a fresh test CA.
 */
export async function startRegistry({
  auth = "none",
  tls = false,
  users = { alice: "correct horse battery staple" },
} = {}) {
  const root = await mkdtemp(path.join(os.tmpdir(), "ocre-registry-"));
  const port = await freePort();
  const lines = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${path.join(root, "data")}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString("hex")}`,
  ];
  let certs;
  if (tls) {
    certs = await makeCertificates(path.join(root, "tls"));
    lines.push("  tls:", `    certificate: ${certs.certFile}`, `    key: ${certs.keyFile}`);
  }
  let tokenIssuer;
  if (auth === "htpasswd") {
    const entries = Object.entries(users).map(([u, p]) =>
      execFileSync("htpasswd", ["-Bbn", u, p], { encoding: "utf8" }).trim(),
    );
    await writeFile(path.join(root, "htpasswd"), `${entries.join("\n")}\n`);
    lines.push("auth:", "  htpasswd:", "    realm: ocre-test", `    path: ${path.join(root, "htpasswd")}`);
  } else if (auth === "token") {
    tokenIssuer = await startTokenIssuer({
      dir: path.join(root, "token"),
      users,
      service: "ocre-test-registry",
      issuer: "ocre-test-issuer",
    });
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${tokenIssuer.realm}`,
      "    service: ocre-test-registry",
      "    issuer: ocre-test-issuer",
      `    rootcertbundle: ${tokenIssuer.certFile}`,
    );
  }
  await writeFile(path.join(root, "config.yml"), `${lines.join("\n")}\n`);
  const child = spawn("docker-registry", ["serve", path.join(root, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const scheme = tls ? "https" : "http";
  const ca = certs ? await readFile(certs.caFile) : undefined;
  const deadline = Date.now() + 15_000;
  while ((await requestStatus(`${scheme}://127.0.0.1:${port}/v2/`, ca)) === undefined) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const [username, password] = Object.entries(users)[0];
  return {
    host: `127.0.0.1:${port}`,
    port,
    root,
    storage: path.join(root, "data"),
    caFile: certs?.caFile,
    username,
    password,
    tokenIssuer,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      await tokenIssuer?.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
