import { describe, expect, it } from "vitest";
import { canonicalJson } from "../cli/oci/canonical-json.js";
import { formatReference, isLoopbackHost, parseReference } from "../cli/oci/reference.js";
import { stripUrlCredentials } from "../cli/oci/source-info.js";

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

describe("source URLs in annotations", () => {
  it("lose embedded credentials", () => {
    expect(stripUrlCredentials("https://bot:ghp_secret@github.com/org/app.git")).toBe("https://github.com/org/app.git");
    expect(stripUrlCredentials("git@github.com:org/app.git")).toBe("git@github.com:org/app.git");
  });
});
