/**
 * The bus cannot subscribe to this pattern: Redis Cluster's sharded pub/sub has no pattern
 * subscriptions, so `redis-cluster://` refuses wildcards (the edge answers with an error).
 * A permanent refusal, unlike `BusUnavailableError`. (Its own file, so that importing
 * `@switchboard/bus` does not load ioredis.)
 */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}
