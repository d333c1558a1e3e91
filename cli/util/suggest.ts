import { distance } from "fastest-levenshtein";

/**
 * The candidates closest to `input`, best first: exact prefix/substring matches, then by edit
 * distance within a third of the input's length (at least 2). Used for every "did you mean".
 */
export function closest(input: string, candidates: readonly string[], limit = 3): string[] {
  const needle = input.toLowerCase();
  const budget = Math.max(2, Math.floor(needle.length / 3));
  const scored = candidates
    .map((candidate) => {
      const c = candidate.toLowerCase();
      const contains = c.includes(needle) || needle.includes(c);
      return { candidate, score: contains ? 0 : distance(needle, c) };
    })
    .filter((s) => s.score <= budget)
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** "; did you mean a, b or c?" or "" when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[], limit = 3): string {
  const names = closest(input, candidates, limit);
  if (names.length === 0) return "";
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
  return `did you mean ${list}?`;
}
