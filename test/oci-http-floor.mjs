// Bench only, not product code: the least a Node.js process can do to push an OCI layout image to
// a plain-http registry on loopback, with node:http instead of fetch and no ocre modules, no
// argument parser, no auth, no retries. The same requests as `ocre push` (GET /v2/, per blob
// HEAD → POST → PUT, blobs in parallel, then the manifest). oci.bench.mjs times it as a process
// to show the floor under `ocre push` on this machine.
// Usage: node test/oci-http-floor.mjs <layout dir> <tag in the layout> <host:port> <repository:tag>
import http from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";

const [layout, localTag, host, target] = process.argv.slice(2);
const [repository, tag] = target.split(":");
const [hostname, port] = host.split(":");
const agent = new http.Agent({ keepAlive: true });

function request(method, pathOrUrl, body, headers = {}) {
  const url = new URL(pathOrUrl, `http://${host}`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method,
        hostname,
        port,
        path: url.pathname + url.search,
        agent,
        headers: { ...headers, "content-length": body?.length ?? 0 },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const blob = (digest) => readFile(path.join(layout, "blobs", ...digest.split(":")));
const index = JSON.parse(await readFile(path.join(layout, "index.json"), "utf8"));
const entry = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === localTag);
const manifestBytes = await blob(entry.digest);
const manifest = JSON.parse(manifestBytes);

await request("GET", "/v2/");
await Promise.all(
  [manifest.config, ...manifest.layers].map(async ({ digest }) => {
    if ((await request("HEAD", `/v2/${repository}/blobs/${digest}`)).statusCode === 200) return;
    const started = await request("POST", `/v2/${repository}/blobs/uploads/`);
    const location = new URL(started.headers.location, `http://${host}`);
    location.searchParams.set("digest", digest);
    const put = await request("PUT", location.toString(), await blob(digest), {
      "content-type": "application/octet-stream",
    });
    if (put.statusCode !== 201) throw new Error(`PUT blob: ${put.statusCode}`);
  }),
);
const put = await request("PUT", `/v2/${repository}/manifests/${tag}`, manifestBytes, {
  "content-type": manifest.mediaType,
});
if (put.statusCode !== 201) throw new Error(`PUT manifest: ${put.statusCode}`);
agent.destroy();
process.stdout.write(`${put.headers["docker-content-digest"]}\n`);
