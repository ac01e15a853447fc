/** Percent-decodes a path segment; null when its encoding is malformed (`%ZZ`): a 400, not a 500. */
export function decodePathSegment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}
