/**
 * Escaping for everything derived from user input (container names, args, env, board files)
 * that lands in generated C, CMake, YAML, Kconfig or Markdown. Each function returns text that
 * is safe in exactly one position; templates pick the one for where the value goes.
 */

/** A complete C string literal, quotes included. Non-ASCII is emitted as UTF-8 octal escapes. */
export function cString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, "utf8")) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x0d) out += "\\r";
    else if (byte === 0x09) out += "\\t";
    // `?` escaped so that no trigraph (??/ and friends) can form.
    else if (byte === 0x3f) out += "\\?";
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    // Octal escapes take at most three digits, so a following digit cannot extend them.
    else out += `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/**
 * Text for inside a comment of any of our formats (C block comments, `#` line comments, HTML
 * comments): one line, printable ASCII, no comment terminators. Lossy by design: it is only for
 * humans reading the file.
 */
export function commentText(value: string): string {
  return (
    value
      .normalize("NFKD")
      .replace(/[^\x20-\x7e]/g, "?")
      .replace(/\*\//g, "*?")
      .replace(/\/\*/g, "?*")
      .replace(/--/g, "-?")
      // No trigraphs: `??/` is a line splice in C compiled with -trigraphs.
      .replace(/\?\?/g, "?")
      .replace(/\\/g, "/")
      .trim()
  );
}

/** A YAML double-quoted scalar. JSON's string escapes are a subset of YAML's. */
export function yamlString(value: string): string {
  return JSON.stringify(value);
}

/**
 * A Kconfig string value in a .conf fragment, quotes included. Kconfig strings allow \" and \\
 * escapes but no line breaks, so control characters become spaces.
 */
export function kconfigString(value: string): string {
  const cleaned = value
    .replace(/[\x00-\x1f\x7f]/g, " ")
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"');
  return `"${cleaned}"`;
}

/** An identifier for CMake's project() and C symbols: [A-Za-z_][A-Za-z0-9_]*. */
export function identifier(value: string, fallback = "app"): string {
  const cleaned = value
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const safe = cleaned === "" ? fallback : cleaned;
  return /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

/** Inline Markdown text: one line, Markdown and HTML metacharacters escaped. */
export function markdownText(value: string): string {
  return value
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[\\`*_[\]|<>&]/g, (c) => `\\${c}`)
    .trim();
}

/** A POSIX shell word (single-quoted unless plainly safe). */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, "'\\''")}'`;
}
