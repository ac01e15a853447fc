import { encodeHistogram, type Histogram, newHistogram, nowUs } from './latency.js';

const TS = Buffer.from('"ts":');
/** Distinct latencies kept per socket read before they go to the histogram. */
const RUNS = 16;

/**
 * The client side of latency: each `message` frame's publish time (`"ts":<µs>`, which
 * publisher.ts puts last in the data) against the time of the socket read that brought it.
 * Cheap per frame, because a client must not be the bottleneck: the timestamp is read at a
 * fixed distance from the frame's end (no search, no JSON), the clock is read once per read,
 * and the frames of one read, which carry few distinct publish times (one per batch), are
 * counted as (value, count) pairs that touch the histogram a few times per read.
 */
export class LatencyRecorder {
  private histogram: Histogram = newHistogram();
  private readAt = 0;
  private readonly values = new Float64Array(RUNS);
  private readonly counts = new Float64Array(RUNS);
  private runs = 0;

  /** A socket read begins: its frames all arrived now. */
  startRead(): void {
    this.flush();
    this.readAt = nowUs();
  }

  /** Records the latency of the `message` frame `buf[start, end)` (if it carries a timestamp). */
  recordFrame(buf: Buffer, start: number, end: number): void {
    const ts = timestampOf(buf, start, end);
    if (ts < 0) return;
    const latency = Math.max(this.readAt - ts, 0);
    for (let i = 0; i < this.runs; i++) {
      if (this.values[i] === latency) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
    if (this.runs === RUNS) this.flush();
    this.values[this.runs] = latency;
    this.counts[this.runs] = 1;
    this.runs++;
  }

  /** Forgets everything recorded so far. */
  reset(): void {
    this.runs = 0;
    this.histogram.destroy();
    this.histogram = newHistogram();
  }

  /** The histogram so far (µs), compressed for IPC. */
  encode(): string {
    this.flush();
    return encodeHistogram(this.histogram);
  }

  private flush(): void {
    for (let i = 0; i < this.runs; i++) this.histogram.recordValueWithCount(this.values[i] as number, this.counts[i] as number);
    this.runs = 0;
  }
}

/** The timestamp that ends a frame's data (`…,"ts":1234567890123456}}`), else found by search; -1 when absent. */
export function timestampOf(buf: Buffer, start: number, end: number): number {
  let i = end - 18; // 16 digits, then `}` closing the data and `}` closing the frame
  if (i - TS.length < start || buf[i - 1] !== 0x3a || buf[i - 2] !== 0x22 || buf[i - 3] !== 0x73 || buf[i - 4] !== 0x74) {
    i = buf.indexOf(TS, start);
    if (i < 0 || i >= end) return -1;
    i += TS.length;
  }
  let ts = 0;
  for (let c = buf[i] as number; c >= 0x30 && c <= 0x39 && i < end; c = buf[++i] as number) ts = ts * 10 + (c - 0x30);
  return ts;
}
