import { isClientReadableReservedTopic, isValidPattern } from '@switchboard/protocol';
import { patternCovers } from './pattern-covers.js';

/** The placeholder a permission pattern may use for the token's `sub` (`user.{sub}.>`). */
export const SUB_PLACEHOLDER = '{sub}';

/** One topic token (the grammar of `@switchboard/protocol`). */
const TOKEN = /^[A-Za-z0-9_\-:@~]+$/;

/**
 * Expands a token's permission patterns for the user `sub`: `{sub}` is replaced by `sub` when
 * `sub` is a valid topic token; otherwise every pattern that uses the placeholder is dropped (a
 * `sub` like `a.b` or `>` must not widen a grant). Entries that are not strings or not valid
 * patterns after the substitution are dropped too, so a bad entry grants less, never more. A
 * client-readable reserved topic (`$presence.users`) may be granted by its exact name.
 */
export function expandPatterns(patterns: readonly unknown[], sub: string): string[] {
  const subIsToken = TOKEN.test(sub);
  const expanded: string[] = [];
  for (const entry of patterns) {
    if (typeof entry !== 'string') continue;
    const uses = entry.includes(SUB_PLACEHOLDER);
    if (uses && !subIsToken) continue;
    const pattern = uses ? entry.replaceAll(SUB_PLACEHOLDER, sub) : entry;
    const valid = isValidPattern(pattern) || isClientReadableReservedTopic(pattern);
    if (valid && !expanded.includes(pattern)) expanded.push(pattern);
  }
  return expanded;
}

/**
 * What one authenticated client may do: subscribe to the topics and patterns its `subscribe`
 * grants cover, publish to the topics its `publish` grants match. No grant = nothing allowed.
 */
export class Permissions {
  constructor(
    /** Expanded `subscribe` patterns. */
    readonly subscribe: readonly string[],
    /** Expanded `publish` patterns. */
    readonly publish: readonly string[],
  ) {}

  /** Nothing allowed at all. */
  get empty(): boolean {
    return this.subscribe.length === 0 && this.publish.length === 0;
  }

  /**
   * A concrete topic is allowed when a grant matches it; a wildcard pattern only when a single
   * grant covers every topic the pattern can match (`chat.>` allows `chat.*`; `chat.*` does not
   * allow `chat.>`, nor does `chat.a` + `chat.b` allow `chat.*`).
   */
  canSubscribe(topicOrPattern: string): boolean {
    return this.subscribe.some((granted) => patternCovers(granted, topicOrPattern));
  }

  /** `topic` is concrete (publishing to a pattern is refused earlier, as `bad_topic`). */
  canPublish(topic: string): boolean {
    return this.publish.some((granted) => patternCovers(granted, topic));
  }
}
