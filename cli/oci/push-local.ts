import { OCRE_ORIGIN } from "./annotations.js";
import type { ImageContent } from "./image-types.js";
import { readLayoutImage } from "./layout.js";
import { pushWithClient, type PushOptions, type PushResult } from "./push.js";
import type { RemoteReference } from "./reference.js";
import { checkNameLength, RegistryClient } from "./registry-client.js";
import { resolveLocalImage, type LocalImage, type StoreOptions } from "./store.js";

export interface PushLocalOptions extends Omit<PushOptions, "mountFrom">, StoreOptions {
  /** Called once the local image is found and read, before anything is uploaded. */
  readonly onImage?: (image: LocalImage) => void;
}

export interface PushLocalResult {
  readonly image: LocalImage;
  readonly result: PushResult;
}

/** Where a pulled image came from ("registry/repository" in its ocre origin annotation), to mount from. */
function mountSource(image: LocalImage): PushOptions["mountFrom"] {
  const origin = image.descriptor.annotations?.[OCRE_ORIGIN];
  const slash = origin?.indexOf("/") ?? -1;
  return origin !== undefined && slash > 0
    ? { registry: origin.slice(0, slash), repository: origin.slice(slash + 1) }
    : undefined;
}

/**
 * Pushes a local image (`ocre push`): finds it (see resolveLocalImage), reads and checks its
 * blobs, and uploads it. Connecting to the registry (a round trip, more with auth) runs while the
 * image is read from disk; when the image cannot be found or read, that connection is cancelled
 * and the local error is what the caller gets.
 */
export async function pushLocalImage(
  wanted: string | undefined,
  destination: RemoteReference,
  options: PushLocalOptions,
): Promise<PushLocalResult> {
  checkNameLength(destination);
  const cancel = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, cancel.signal]) : cancel.signal;
  const connecting = RegistryClient.connect(destination.registry, { ...options, signal });
  // Settled below either way; this keeps Node from reporting a rejection it sees before then.
  connecting.catch(() => undefined);
  let image: LocalImage;
  let content: ImageContent;
  try {
    image = await resolveLocalImage(wanted, options);
    content = await readLayoutImage(image.layout, image.descriptor);
  } catch (error) {
    cancel.abort();
    await connecting.then(
      (client) => client.close(),
      () => undefined,
    );
    throw error;
  }
  options.onImage?.(image);
  const client = await connecting;
  try {
    const result = await pushWithClient(client, content, destination, { ...options, mountFrom: mountSource(image) });
    return { image, result };
  } finally {
    await client.close();
  }
}
