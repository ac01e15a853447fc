import { addressKey } from '../websocket/upgrade-guard.js';

/**
 * Bounds the polls waiting at once: `maxTotal` on this edge and `maxPerAddress` per client
 * address (IPv6 by /64, like the connection rate limit). A slot is held from the request until
 * its answer (or the client going away).
 */
export class PollLimits {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Polls waiting now. */
  get waiting(): number {
    return this.total;
  }

  /** Takes a slot: null when granted (call the returned release once), or the refusal status. */
  take(address: string | undefined): { release: () => void } | 429 | 503 {
    const key = addressKey(address);
    const mine = this.perAddress.get(key) ?? 0;
    if (this.total >= this.maxTotal) return 503;
    if (mine >= this.maxPerAddress) return 429;
    this.total++;
    this.perAddress.set(key, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perAddress.get(key) ?? 1) - 1;
        if (left > 0) this.perAddress.set(key, left);
        else this.perAddress.delete(key);
      },
    };
  }
}
