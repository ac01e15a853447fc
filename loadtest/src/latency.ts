import * as hdr from 'hdr-histogram-js';

/** Latencies are recorded in µs, up to 10 minutes, 3 significant digits. */
const HIGHEST_US = 600_000_000;

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** Wall-clock time in µs, comparable between processes of one machine (sub-ms resolution). */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Merges the histograms the workers sent. */
export function mergeHistograms(encoded: string[]): Histogram {
  const total = newHistogram();
  for (const text of encoded) {
    const part = hdr.decodeFromCompressedBase64(text);
    total.add(part);
    part.destroy();
  }
  return total;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarize(histogram: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    count: histogram.totalCount,
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
  };
}
