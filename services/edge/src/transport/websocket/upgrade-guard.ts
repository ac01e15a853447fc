import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import { OriginPolicy } from '@switchboard/auth';
import { RateLimits } from '@switchboard/http';
import type { EdgeConfig } from '../../config.js';
import type { EdgeStats } from '../../metrics/edge-stats.js';

/** At most this many client addresses are tracked by the connection rate limit. */
const MAX_TRACKED_ADDRESSES = 50_000;

export interface UpgradeRefusal {
  status: number;
  text: string;
}

/**
 * The rate-limit key of a client address: IPv4 as it is (also when mapped into IPv6), IPv6 by
 * its /64 prefix, since one host usually holds a whole /64 and could otherwise rotate freely.
 */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return '?';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::/64`;
}

/**
 * The checks an upgrade request passes before it becomes a WebSocket: its Origin
 * (`ALLOWED_ORIGINS`, `REQUIRE_ORIGIN`: 403) and the connection rate of its address
 * (`CONNECT_RATE_LIMIT`/`CONNECT_RATE_BURST`: 429). Both answer with a plain HTTP status, before
 * any WebSocket exists, so a refused page never gets a socket to talk on.
 */
export class UpgradeGuard {
  /** ALLOWED_ORIGINS / REQUIRE_ORIGIN (also what the HTTP transports' CORS headers allow). */
  readonly origins: OriginPolicy;
  private readonly rates: RateLimits | null;

  constructor(
    config: Pick<EdgeConfig, 'ALLOWED_ORIGINS' | 'REQUIRE_ORIGIN' | 'CONNECT_RATE_LIMIT' | 'CONNECT_RATE_BURST'>,
    private readonly stats: EdgeStats,
  ) {
    this.origins = new OriginPolicy(config.ALLOWED_ORIGINS, config.REQUIRE_ORIGIN);
    this.rates =
      config.CONNECT_RATE_LIMIT > 0 ? new RateLimits(config.CONNECT_RATE_LIMIT, config.CONNECT_RATE_BURST, MAX_TRACKED_ADDRESSES) : null;
  }

  /** Null when the upgrade may go on; otherwise the HTTP answer to give. */
  check(req: IncomingMessage): UpgradeRefusal | null {
    if (!this.origins.allows(req.headers.origin)) {
      this.stats.originRefused++;
      return { status: 403, text: 'Forbidden' };
    }
    if (this.rates !== null && !this.rates.take(addressKey(req.socket.remoteAddress))) {
      this.stats.connectRateLimited++;
      return { status: 429, text: 'Too Many Requests' };
    }
    return null;
  }
}
