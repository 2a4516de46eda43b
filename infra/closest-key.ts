// "Did you mean …": the known key a mistyped one was most likely meant to be, for the messages that
// refuse an unknown -c key (a typo must stop synth, and should name its fix).

/** The known key a mistyped one was most likely meant to be: same letters in another case, or a close spelling. */
export function closestKey<K extends string>(unknown: string, keys: readonly K[]): K | undefined {
  const lower = unknown.toLowerCase();
  const sameLetters = keys.find((key) => key.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: { key: K; distance: number } | undefined;
  for (const key of keys) {
    const distance = editDistance(lower, key.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key, distance };
  }
  // Past a third of the word, a "did you mean" is a guess more confusing than no suggestion.
  return best !== undefined && best.distance <= Math.max(2, Math.floor(unknown.length / 3)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
