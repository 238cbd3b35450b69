/**
 * "Did you mean": the known name closest to a mistyped one, so that `databse.url` points at
 * `database.url` instead of leaving the user to read the whole key list.
 */
// @ts-nocheck


/**
 * Edit distance with adjacent transpositions (optimal string alignment): `pubilc` is one edit
 * from `public`, as a person counts it.
 */
export function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  // One flat table: cell (i, j) is the distance between the first i characters of a and the first j of b.
  const cells = Array.from({ length: (a.length + 1) * width }, (_, index) => Math.max(Math.floor(index / width), index % width));
  const at = (i: number, j: number): number => Number(cells[i * width + j]);
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      cells[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate nearest to `name` when it is near enough to be a typo: at most 2 edits, and at most
 * a third of the name (so `tls` suggests nothing for `db`). Ties go to the first candidate.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.floor(name.length / 3));
  let best: { readonly candidate: string; readonly distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
