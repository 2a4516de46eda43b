// Percentiles over measured samples (nearest-rank).
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(samples: number[]): { p50: number; p99: number; min: number; max: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), min: sorted[0]!, max: sorted[sorted.length - 1]!, mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

export function median(samples: number[]): number {
  return percentile([...samples].sort((a, b) => a - b), 50);
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
