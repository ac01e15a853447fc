import { ConfigError } from '@switchboard/config';

/** One entry of `ALLOWED_ORIGINS`: an exact origin, or `scheme://*.domain[:port]` for its subdomains. */
interface OriginRule {
  scheme: string;
  /** Exact host, or (with `subdomains`) the parent domain. */
  host: string;
  port: string;
  subdomains: boolean;
}

const WILDCARD_LABEL = 'wildcard-subdomain-placeholder';

function parseRule(entry: string): OriginRule {
  if (entry === 'null') return { scheme: 'null', host: '', port: '', subdomains: false };
  const subdomains = /^[a-z][a-z0-9+.-]*:\/\/\*\./i.test(entry);
  const text = subdomains ? entry.replace('*.', `${WILDCARD_LABEL}.`) : entry;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`invalid ALLOWED_ORIGINS (got "${entry}"): each entry must be an origin like https://app.example.com`);
  }
  if (url.hostname === '' || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new ConfigError(`invalid ALLOWED_ORIGINS (got "${entry}"): an origin is scheme://host[:port], without a path`);
  }
  const host = subdomains ? url.hostname.slice(WILDCARD_LABEL.length + 1) : url.hostname;
  return { scheme: url.protocol, host, port: url.port, subdomains };
}

/**
 * The WebSocket origin check (`ALLOWED_ORIGINS`), against cross-site WebSocket hijacking: a
 * browser sends the page's `Origin` on every upgrade, and this decides whether a page from that
 * origin may open a connection. Entries are exact origins (`https://app.example.com`,
 * `http://localhost:3000`) or a subdomain wildcard (`https://*.example.com`: any subdomain of
 * example.com, at any depth, with that scheme and port, but not example.com itself). Scheme
 * and host compare case-insensitively; default ports are implied (`https://a.com:443` is
 * `https://a.com`). The literal `null` allows the opaque origin of sandboxed frames and files.
 *
 * No entries = any origin. A request without `Origin` (not a browser) is allowed unless
 * `requireOrigin` is set.
 */
export class OriginPolicy {
  private readonly rules: OriginRule[];

  constructor(
    allowed: readonly string[],
    private readonly requireOrigin = false,
  ) {
    this.rules = allowed.map(parseRule);
  }

  /** True when every origin is accepted (no `ALLOWED_ORIGINS`). */
  get open(): boolean {
    return this.rules.length === 0;
  }

  /** Whether an upgrade with this `Origin` header (undefined when absent) may go on. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined || origin === '') return !this.requireOrigin;
    if (this.open) return true;
    if (origin === 'null') return this.rules.some((r) => r.scheme === 'null');
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.pathname !== '/' || url.username !== '') return false;
    return this.rules.some(
      (rule) =>
        rule.scheme === url.protocol &&
        rule.port === url.port &&
        (rule.subdomains ? url.hostname.endsWith(`.${rule.host}`) : url.hostname === rule.host),
    );
  }
}
