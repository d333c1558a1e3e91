/**
 * Manifest annotations: the standard `org.opencontainers.image.*` keys and ocre's own under the
 * reverse-DNS prefix `io.ocre.`. Everything a board generator needs to rebuild a ContainerSpec
 * from an image (`ocre build --from-image`) is here; the Wasm bytes are the layer.
 */
export const OCI_TITLE = "org.opencontainers.image.title";
export const OCI_VERSION = "org.opencontainers.image.version";
export const OCI_SOURCE = "org.opencontainers.image.source";
export const OCI_REVISION = "org.opencontainers.image.revision";
export const OCI_CREATED = "org.opencontainers.image.created";

export const OCRE_PREFIX = "io.ocre.";
/** Comma-separated capability names, as in ocre.yaml. */
export const OCRE_CAPABILITIES = "io.ocre.capabilities";
/** Comma-separated GPIO allow-list (aliases or "port:pin"), as ocre.yaml's `gpio`; absent: none given. */
export const OCRE_GPIO = "io.ocre.gpio";
/** Restart policy on the device: no, on-failure or always (absent: no). */
export const OCRE_RESTART = "io.ocre.restart";
/**
 * Comma-separated capabilities to give a stock upstream Ocre runtime for the same grants
 * (`ocre ... -k <list>`): ocre's fine-grained API grants become "ocre:api", upstream's only one.
 */
export const OCRE_CAPABILITIES_UPSTREAM = "io.ocre.capabilities.upstream";
/** Comma-separated Ocre features the module imports (decides what firmware compiles in). */
export const OCRE_FEATURES = "io.ocre.features";
export const OCRE_MEMORY_INITIAL_PAGES = "io.ocre.memory.initial-pages";
export const OCRE_MEMORY_MAX_PAGES = "io.ocre.memory.max-pages";
export const OCRE_MEMORY_STACK_BYTES = "io.ocre.memory.stack-bytes";
export const OCRE_MEMORY_HEAP_BYTES = "io.ocre.memory.heap-bytes";
export const OCRE_ENTRY_POINT = "io.ocre.entry-point";
/** JSON array of the container's argv. */
export const OCRE_ARGS = "io.ocre.args";
/** JSON object of the container's environment. */
export const OCRE_ENV = "io.ocre.env";
/** Version of the Ocre `env` import ABI the module was checked against. */
export const OCRE_ABI_VERSION = "io.ocre.abi.version";
export const OCRE_SDK_VERSION = "io.ocre.sdk.version";
/** Comma-separated board ids whose memory budget the build checked the image against. */
export const OCRE_BOARDS = "io.ocre.boards";

/**
 * Index-descriptor annotation (in a layout's index.json, not in the manifest): the registry
 * repository an image was pulled from ("host/repo"), so that a later push to the same registry
 * can mount its blobs instead of uploading them.
 */
export const OCRE_ORIGIN = "io.ocre.image.origin";

/**
 * The upstream Ocre `env` import ABI revision our table (cli/abi/table.ts) implements. Bumped
 * when an import is added, removed or changes signature.
 */
export const OCRE_ABI_REVISION = "1";
