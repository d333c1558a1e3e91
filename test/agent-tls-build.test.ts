/**
 * A firmware whose device agent pulls over https (issue 17, docs/deploy.md "TLS"): ocre.yaml
 * `device.agent.registryCa` or `ocre build --registry-ca` puts the CA into the generated project
 * with the Kconfig that a pull over https needs (found in QEMU, mps2/an521/cpu0), counts its
 * memory in the budget, and refuses a CA file that is missing, not PEM, not a certificate, too
 * large or holding a private key, writing nothing. Runs the CLI the way a user does.
 */
import { execa } from "execa";
import { readFile, readdir, stat, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { missingTools } from "./helpers/tools.js";
import { makeCertificates } from "./registry-server.mjs";

let root = "";
let app = "";
let ca = "";

/** Lines of a generated file, without comments and blank lines. */
async function lines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8")).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

const AGENT = ["--board", "mps2-an521", "--agent", "tcp", "--trust", "../k.pub"];

describe.skipIf(missingTools("openssl"))("ocre build: the device agent's pulls over https", () => {
  beforeAll(async () => {
    root = await tempDir("ocre-agent-tls-");
    expect((await runOcre(["keys", "generate", "-o", "k"], { cwd: root })).exitCode).toBe(0);
    expect((await runOcre(["new", "hello"], { cwd: root })).exitCode).toBe(0);
    app = path.join(root, "hello");
    await makeCertificates(path.join(root, "pki"));
    ca = path.join(root, "pki/ca.crt");
  }, 60_000);

  it("--registry-ca: the CA's bytes in the project, the TLS Kconfig, mbedTLS initialised at boot", async () => {
    const r = await runOcre(["build", ...AGENT, "--registry-ca", "../pki/ca.crt", "--sign", "../k.key"], { cwd: app });
    expect(r.exitCode, r.stderr).toBe(0);
    const dir = path.join(app, "build/mps2-an521");
    expect(await readFile(path.join(dir, "registry-ca.pem"))).toEqual(await readFile(ca));
    const prj = await lines(path.join(dir, "prj.conf"));
    // Written out here, not derived: what the QEMU run needed (docs/deploy.md "TLS").
    for (const line of [
      "CONFIG_OCRE_VERIFY=y",
      "CONFIG_OCRE_AGENT_PULL=y",
      "CONFIG_OCRE_AGENT_PULL_TLS=y",
      'CONFIG_OCRE_AGENT_PULL_TLS_CA_FILE="registry-ca.pem"',
      "CONFIG_MBEDTLS_HEAP_SIZE=49152",
      "CONFIG_MBEDTLS_SSL_MAX_CONTENT_LEN=16384",
    ])
      expect(prj).toContain(line);
    // Signature checking alone keeps mbedTLS uninitialised; https needs it initialised.
    expect(prj).not.toContain("CONFIG_MBEDTLS_INIT=n");
    const project = JSON.parse(await readFile(path.join(dir, "ocre-project.json"), "utf8"));
    expect(project.agent).toEqual({ transports: ["tcp"], tcpPort: 1337, registryCa: "registry-ca.pem" });
    // The budget counts https: at least mbedTLS's heap (the 49,152 bytes above) more RAM than
    // the same firmware without it, and more flash.
    const plain = await runOcre(["build", ...AGENT, "--sign", "../k.key"], { cwd: app });
    expect(plain.exitCode, plain.stderr).toBe(0);
    const without = JSON.parse(await readFile(path.join(dir, "ocre-project.json"), "utf8"));
    expect(project.budget.ram.totalBytes - without.budget.ram.totalBytes).toBeGreaterThanOrEqual(49152);
    expect(project.budget.flash.totalBytes).toBeGreaterThan(without.budget.flash.totalBytes);
    const prj2 = await readFile(path.join(dir, "prj.conf"), "utf8");
    expect(prj2).not.toMatch(/PULL_TLS|MBEDTLS_HEAP|MAX_CONTENT|registry-ca/);
    expect(prj2).toMatch(/^CONFIG_MBEDTLS_INIT=n$/m);
    await expect(stat(path.join(dir, "registry-ca.pem"))).rejects.toThrow();
  }, 120_000);

  it("ocre.yaml device.agent.registryCa, relative to the manifest; a change of the CA rebuilds the project", async () => {
    const manifest = path.join(app, "ocre.yaml");
    const original = await readFile(manifest, "utf8");
    await mkdir(path.join(app, "certs"), { recursive: true });
    const mine = path.join(app, "certs/registry.pem");
    await writeFile(mine, await readFile(ca));
    await writeFile(
      manifest,
      `${original}trust: [../k.pub]\ndevice:\n  agent:\n    transports: [tcp]\n    registryCa: certs/registry.pem\n`,
    );
    try {
      const dir = path.join(app, "build/mps2-an521");
      const r = await runOcre(["build", "--board", "mps2-an521", "--sign", "../k.key"], { cwd: app });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await readFile(path.join(dir, "registry-ca.pem"))).toEqual(await readFile(ca));
      // Another CA in the same file: the next build takes it (the file is an input of the build).
      await makeCertificates(path.join(root, "pki2"));
      const other = await readFile(path.join(root, "pki2/ca.crt"));
      await writeFile(mine, other);
      const again = await runOcre(["build", "--board", "mps2-an521", "--sign", "../k.key"], { cwd: app });
      expect(again.exitCode, again.stderr).toBe(0);
      expect(await readFile(path.join(dir, "registry-ca.pem"))).toEqual(other);
    } finally {
      await writeFile(manifest, original);
    }
  }, 120_000);

  it("the budget refuses a board where https does not fit, naming its share", async () => {
    // mps2-an521 with just enough RAM for the agent without https (20 KB spare): the https
    // pull's mbedTLS heap alone is 48 KB.
    const plain = await runOcre(["build", ...AGENT, "--json"], { cwd: app });
    expect(plain.exitCode, plain.stderr).toBe(0);
    const needed = JSON.parse(plain.stdout).boards["mps2-an521"].budget.ram.totalBytes as number;
    const boards = path.join(root, "boards");
    await mkdir(boards, { recursive: true });
    const yaml = (await readFile(path.join(repoRoot, "boards/mps2-an521.yaml"), "utf8"))
      .replace(/^id: .*$/m, "id: small-an521")
      .replace(/ramKb: \d+/, `ramKb: ${Math.ceil(needed / 1024) + 20}`);
    await writeFile(path.join(boards, "small-an521.yaml"), yaml);
    const small = ["--board-root", "../boards", "--board", "small-an521", "--agent", "tcp", "--trust", "../k.pub"];
    const fits = await runOcre(["build", ...small], { cwd: app });
    expect(fits.exitCode, fits.stderr).toBe(0);
    const over = await runOcre(["build", ...small, "--registry-ca", "../pki/ca.crt"], { cwd: app });
    expect(over.exitCode).toBe(1);
    expect(over.stderr).toContain("OCRE_BUDGET");
    expect(over.stderr).toMatch(/\+ device agent \d+ KB \(\d+ KB of it https pulls\)/);
    expect(over.stderr).toContain("or build without device.agent.registryCa (pulls over https)");
  }, 120_000);

  it("refuses a CA file that is missing, not PEM, not a certificate, too large or holds a private key, writing nothing", async () => {
    const bad = path.join(root, "bad");
    await mkdir(bad, { recursive: true });
    const pem = await readFile(ca, "utf8");
    await writeFile(path.join(bad, "notes.txt"), "my registry's CA\n");
    await execa("openssl", ["x509", "-in", ca, "-outform", "DER", "-out", path.join(bad, "ca.der")]);
    await writeFile(path.join(bad, "with-key.pem"), pem + (await readFile(path.join(root, "pki/ca.key"), "utf8")));
    // A certificate block whose body is not a certificate.
    await writeFile(
      path.join(bad, "garbled.pem"),
      `-----BEGIN CERTIFICATE-----\n${Buffer.from("not a certificate at all").toString("base64")}\n-----END CERTIFICATE-----\n`,
    );
    await writeFile(path.join(bad, "bundle.pem"), pem.repeat(Math.ceil(17000 / pem.length)));
    expect((await runOcre(["new", "fresh"], { cwd: root })).exitCode).toBe(0);
    const fresh = path.join(root, "fresh");
    const cases: [string[], string, RegExp][] = [
      [["--registry-ca", "../bad/none.pem"], "OCRE_REGISTRY_CA", /none\.pem: cannot read it: no such file or folder/],
      [["--registry-ca", "../bad/notes.txt"], "OCRE_REGISTRY_CA", /notes\.txt: not a PEM file/],
      [["--registry-ca", "../bad/ca.der"], "OCRE_REGISTRY_CA", /ca\.der: not a PEM file/],
      [["--registry-ca", "../bad"], "OCRE_REGISTRY_CA", /bad: not a file/],
      [["--registry-ca", "../bad/garbled.pem"], "OCRE_REGISTRY_CA", /certificate 1 of 1 does not parse as X\.509/],
      [
        ["--registry-ca", "../bad/with-key.pem"],
        "OCRE_REGISTRY_CA",
        /a "PRIVATE KEY" block besides certificates \(a private key must never go into a firmware\)/,
      ],
      [["--registry-ca", "../bad/bundle.pem"], "OCRE_REGISTRY_CA", /more than the 16384 a device's mbedTLS heap/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runOcre(["build", ...AGENT, ...args], { cwd: fresh });
      expect(r.exitCode, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toContain(code);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
      // Refused before compiling: no project, not even the app's Wasm.
      expect(await readdir(path.join(fresh, "build")).catch(() => []), args.join(" ")).toEqual([]);
    }
    // A CA for an agent that does not pull, or for a firmware without an agent.
    const serial = await runOcre(
      ["build", "--board", "mps2-an521", "--agent", "serial", "--trust", "../k.pub", "--registry-ca", "../pki/ca.crt"],
      { cwd: fresh },
    );
    expect(serial.exitCode).toBe(1);
    expect(serial.stderr).toContain("OCRE_AGENT_TLS");
    expect(serial.stderr).toContain("this agent does not pull");
    const none = await runOcre(["build", "--board", "mps2-an521", "--registry-ca", "../pki/ca.crt"], { cwd: fresh });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("OCRE_AGENT_TLS");
    expect(none.stderr).toContain("the firmware has no agent");
    await expect(stat(path.join(fresh, "build/mps2-an521"))).rejects.toThrow();
  }, 180_000);
});
