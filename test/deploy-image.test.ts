/**
 * What the device agent reads from an image before it installs it (wamr-glue/src/ocre_image.c),
 * against the POSIX device (wamr-glue/port/posix/ocre_device_posix.c) as a user sees it through
 * `ocre deploy`, `ocre device ls` and `ocre device logs`: an image whose module imports a
 * feature the firmware was built without (the device built with -DOCRE_GPIO=0) is refused by
 * name, sent by the host or pulled by the device from Debian's docker-registry on loopback, and
 * the installed version stays; hostile settings (a NUL in an argument, a GPIO line the board
 * does not have) are refused the same way; sane ones install.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa, type ResultPromise } from "execa";
import { createHash } from "node:crypto";
import path from "node:path";
import wabtInit from "wabt";
import { fixtureConfig, fixtureSpec } from "./oci-fixture.mjs";
import { startRegistry } from "./registry-server.mjs";
import { missingTools } from "./helpers/tools.js";
import { repoRoot, runOcre, tempDir } from "./helpers/cli.js";
import { packageImage } from "../cli/oci/index.js";
import type { ContainerSpec } from "../cli/spec.js";
import type { ResolvedConfig } from "../cli/config/types.js";

interface Device {
  address: string;
  stop: () => Promise<void>;
}

async function startDevice(binary: string, flash: string, trust: string): Promise<Device> {
  const child: ResultPromise = execa(binary, ["--listen", "127.0.0.1:0", "--flash", flash, "--trust", trust], {
    reject: false,
    buffer: false,
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void child.then(() => reject(new Error(`ocre-device exited: ${err}`)));
  });
  return {
    address,
    stop: async () => {
      child.kill("SIGTERM");
      await child;
    },
  };
}

/** A module importing ocre_gpio_configure (as blinky's does) besides ocre_sleep. */
async function gpioWasm(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(
    "gpio.wat",
    `(module
  (import "env" "ocre_sleep" (func $sleep (param i32) (result i32)))
  (import "env" "ocre_gpio_configure" (func $cfg (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (func (export "_start") (drop (call $cfg (i32.const 0) (i32.const 0) (i32.const 1))) (drop (call $sleep (i32.const 10)))))`,
  );
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(missingTools("cmake", "ninja", "gcc", "pkg-config", "docker-registry"))(
  "the device agent checks an image against its firmware before installing it",
  () => {
    let binaries = "";
    let key = "";
    let trust = "";

    /** An app directory with a signed image of `spec` changed by `change`. */
    async function app(seed: number, change: Partial<ContainerSpec> = {}): Promise<{ dir: string; digest: string }> {
      const dir = await tempDir(`ocre-deploy-image${seed}-`);
      const base = (await fixtureSpec({ name: "hello", seed })) as ContainerSpec;
      const spec: ContainerSpec = { ...base, ...change };
      const withHash = { ...spec, sha256: createHash("sha256").update(spec.wasm).digest("hex") };
      const report = await packageImage(withHash, fixtureConfig(withHash, dir) as ResolvedConfig, {
        sourceDateEpoch: "1700000000",
      });
      const signed = await runOcre(["sign", "--key", key], { cwd: dir });
      expect(signed.exitCode, signed.stderr).toBe(0);
      return { dir, digest: report.digest };
    }

    const gpioChange = async (): Promise<Partial<ContainerSpec>> => ({
      wasm: await gpioWasm(),
      imports: [
        { module: "env", name: "ocre_sleep" },
        { module: "env", name: "ocre_gpio_configure" },
      ],
      features: ["core", "gpio"],
      capabilities: ["gpio"],
    });
    const NEEDS_GPIO = "needs gpio (env.ocre_gpio_configure); this firmware was built without CONFIG_OCRE_GPIO";

    beforeAll(async () => {
      const build = await tempDir("ocre-device-image-build-");
      await execa("cmake", ["-S", path.join(repoRoot, "test/c"), "-B", build, "-G", "Ninja"]);
      await execa("nice", ["cmake", "--build", build, "--target", "ocre_device", "ocre_device_nogpio"]);
      binaries = build;
      const keys = await tempDir("ocre-deploy-image-keys-");
      expect((await runOcre(["keys", "generate", "-o", "dev"], { cwd: keys })).exitCode).toBe(0);
      key = path.join(keys, "dev.key");
      trust = path.join(keys, "dev.pub");
    }, 300_000);

    describe("a firmware built without GPIO", () => {
      let device: Device;
      let v1: { dir: string; digest: string };
      let blinky: { dir: string; digest: string };

      beforeAll(async () => {
        v1 = await app(1);
        blinky = await app(2, await gpioChange());
        const flash = path.join(await tempDir("ocre-deploy-image-flash-"), "flash.bin");
        device = await startDevice(path.join(binaries, "ocre_device_nogpio"), flash, trust);
      }, 120_000);
      afterAll(async () => {
        await device?.stop();
      });

      it("refuses an image that imports GPIO calls, by name, and the old version stays", async () => {
        const first = await runOcre(["deploy", v1.dir, "--device", device.address]);
        expect(first.exitCode, first.stderr).toBe(0);

        const refused = await runOcre(["deploy", blinky.dir, "--device", device.address, "--json"]);
        expect(refused.exitCode).toBe(1);
        const out = json(refused.stdout);
        expect(out).toMatchObject({ ok: false, error: { code: "OCRE_DEVICE_REFUSED" } });
        expect(out.error.message).toContain(`refused to install hello: ${NEEDS_GPIO}`);
        expect(out.error.hint).toContain("rebuild the device's firmware with that feature");
        const text = await runOcre(["deploy", blinky.dir, "--device", device.address]);
        expect(text.exitCode).toBe(1);
        expect(text.stderr).toContain(NEEDS_GPIO);

        const ls = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
        expect(ls.containers.map((c: { digest: string }) => c.digest)).toEqual([v1.digest]);
        // The refusal is a health event, in the device's log ring.
        const logs = json((await runOcre(["device", "logs", "--device", device.address, "--json"])).stdout);
        const health = logs.entries.filter((e: { kind: string }) => e.kind === "health");
        expect(health.at(-1)).toMatchObject({ name: "hello", text: `event=refused reason=install: ${NEEDS_GPIO}` });
      });

      it("refuses it the same way when the device pulls it from a registry", async () => {
        const registry = await startRegistry();
        try {
          const pushed = await runOcre(["push", `${registry.host}/iot/blinky:1.0.0`], { cwd: blinky.dir });
          expect(pushed.exitCode, pushed.stderr).toBe(0);
          const r = await runOcre([
            "deploy",
            `${registry.host}/iot/blinky:1.0.0`,
            "--device",
            device.address,
            "--name",
            "hello",
            "--json",
          ]);
          expect(r.exitCode).toBe(1);
          expect(json(r.stdout).error.message).toContain(NEEDS_GPIO);
          const ls = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
          expect(ls.containers.map((c: { digest: string }) => c.digest)).toEqual([v1.digest]);
        } finally {
          await registry.stop();
        }
      });
    });

    describe("a firmware with GPIO", () => {
      let device: Device;

      beforeAll(async () => {
        const flash = path.join(await tempDir("ocre-deploy-image-flash-"), "flash.bin");
        device = await startDevice(path.join(binaries, "ocre_device"), flash, trust);
      });
      afterAll(async () => {
        await device?.stop();
      });

      it("installs the same image, with its arguments, environment and GPIO allow-list", async () => {
        const ok = await app(3, {
          ...(await gpioChange()),
          args: ["--blink", "250", 'caf\u00e9 "x"'],
          env: { MODE: "fast", LOG: "debug" },
          gpio: ["led0", "1:5"],
        });
        const r = await runOcre(["deploy", ok.dir, "--device", device.address, "--json"]);
        expect(r.exitCode, r.stderr).toBe(0);
        expect(json(r.stdout)).toMatchObject({ ok: true, digest: ok.digest });
      });

      it("refuses hostile settings by name: a NUL in an argument, a GPIO line the board does not have", async () => {
        const installed = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
        for (const [seed, change, reason] of [
          [4, { args: ["a\u0000b"] }, "its io.ocre.args holds a NUL character"],
          [5, { env: { A: "x\u0000" } }, "its io.ocre.env holds a NUL character"],
          [6, { gpio: ["led0", "7:3"] }, 'its GPIO allow-list names "7:3", which is not a line of this board'],
          [7, { gpio: ["led9"] }, 'its GPIO allow-list names "led9", which is not a line of this board'],
          [
            8,
            { args: Array.from({ length: 17 }, (_, i) => String(i)) },
            "its io.ocre.args holds more arguments than the firmware's limit",
          ],
        ] as const) {
          const bad = await app(seed, change as Partial<ContainerSpec>);
          const r = await runOcre(["deploy", bad.dir, "--device", device.address]);
          expect(r.exitCode, reason).toBe(1);
          expect(r.stderr).toContain("OCRE_DEVICE_REFUSED");
          expect(r.stderr).toContain(reason);
        }
        const after = json((await runOcre(["device", "ls", "--device", device.address, "--json"])).stdout);
        expect(after.containers).toEqual(installed.containers);
      });
    });
  },
);
