import { describe, expect, it } from "vitest";
import { canonicalJson } from "../cli/oci/canonical-json.js";
import { formatReference, isLoopbackHost, parseReference } from "../cli/oci/reference.js";
import { namesRegistry, parseImageName } from "../cli/oci/reference.js";

const digest = `sha256:${"ab".repeat(32)}`;

describe("registry references", () => {
  it("splits registry, repository, tag and digest the way docker does", () => {
    expect(parseReference("localhost:5000/iot/blinky:1.0.0")).toEqual({
      registry: "localhost:5000",
      repository: "iot/blinky",
      tag: "1.0.0",
      digest: undefined,
    });
    expect(parseReference(`ghcr.io/org/app@${digest}`)).toEqual({
      registry: "ghcr.io",
      repository: "org/app",
      tag: undefined,
      digest,
    });
    expect(parseReference("alpine")).toEqual({
      registry: "docker.io",
      repository: "library/alpine",
      tag: "latest",
      digest: undefined,
    });
    expect(parseReference("org/app:2")).toMatchObject({ registry: "docker.io", repository: "org/app", tag: "2" });
    expect(formatReference(parseReference("127.0.0.1:5000/a/b"))).toBe("127.0.0.1:5000/a/b:latest");
  });

  it("rejects malformed references with a hint showing the form", () => {
    for (const bad of [
      "localhost:5000/Blinky:1",
      "localhost:5000/app:bad tag",
      "localhost:5000/app@sha256:1234",
      "localhost:5000/app:-x",
    ]) {
      expect(() => parseReference(bad), bad).toThrow(
        expect.objectContaining({
          code: "OCRE_REFERENCE_INVALID",
          hint: expect.stringContaining("<registry>/<repository>:<tag>"),
        }),
      );
    }
  });

  it("treats only loopback hosts as loopback", () => {
    expect(["localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000"].map(isLoopbackHost)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["registry.local:5000", "10.0.0.1:5000", "localhost.example.com", "128.0.0.1"].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe("canonical JSON", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, é: "x" })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"é":"x"}',
    );
  });
});

describe("which references reach a registry", () => {
  it.each([
    ["localhost:5000/iot/blinky:1.0.0", true],
    ["localhost/blinky", true],
    ["ghcr.io/org/app", true],
    ["registry:5000/app", true],
    ["docker://blinky:1.0", true],
    ["blinky:1.0.0", false],
    ["hello", false],
    ["apps/blinki", false],
    ["./apps/blinki", false],
    ["library/hello:latest", false],
    ["/abs/path", false],
  ])("%s → %s", (text, expected) => {
    expect(namesRegistry(text)).toBe(expected);
  });
});

describe("local image names (OCI reference grammar)", () => {
  it("accepts names with host, port, tag and digest", () => {
    expect(parseImageName("localhost:5000/iot/blinky:1.0.0")).toEqual({
      name: "localhost:5000/iot/blinky",
      tag: "1.0.0",
      digest: undefined,
    });
    expect(parseImageName(`hello@${digest}`)).toEqual({ name: "hello", tag: undefined, digest });
  });

  it.each([
    ["x".repeat(300), "over the limit of 255"],
    [`${"a/".repeat(130)}b:1`, "over the limit of 255"],
    ["Hello:1.0", "is not a valid repository name"],
    ["hello:1.0\u001b]0;pwned\u0007", "is not a valid tag"],
    ["hel\nlo:1", "is not a valid repository name"],
    ["hello:", "is not a valid tag"],
    ["bad_host_:5000/x:1", "is not a host[:port]"],
    ["hello@sha256:1234", "is not a sha256 digest"],
  ])("refuses %s", (raw, why) => {
    const text = raw;
    let message = "";
    try {
      parseImageName(text);
    } catch (error) {
      expect((error as { code: string }).code).toBe("OCRE_REFERENCE_INVALID");
      message = (error as Error).message;
    }
    expect(message).toContain(why);
    // The offending text is quoted with its control characters escaped, and bounded.
    expect(message).not.toMatch(/[\u0000-\u001f]/);
    expect(message.length).toBeLessThan(400);
  });

  it("a 300-character repository is a clean reference error for registry references too", () => {
    expect(() => parseReference(`localhost:5000/${"a".repeat(300)}:1`)).toThrow(/over the limit of 255/);
  });
});
