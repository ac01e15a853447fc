/**
 * Typed topics: a map from topic names and patterns to payload types, given to `createClient`:
 *
 *   createClient<{ 'chat.*': ChatMessage; 'orders.>': Order; 'status': Status }>({ url })
 *
 * A topic takes the type of the key that equals it, else of the key patterns that match it (the
 * union, when several do), with the server's rules: `*` is exactly one token, a last `>` one or
 * more. A subscription pattern is typed by a key that covers it (`orders.*` by `orders.>`). With a
 * map, a topic no key covers does not compile; add `'>': unknown` to allow any other topic.
 * Without a map every topic is allowed and payloads are `unknown`.
 */

/** The default: any topic, payloads of unknown shape. */
export type AnyTopics = Record<string, unknown>;

/** `'a.b.c'` → `['a', 'b', 'c']`; a non-literal part stays `string`. */
export type TopicTokens<S extends string> = S extends `${infer Head}.${infer Rest}` ? [Head, ...TopicTokens<Rest>] : [S];

/** Does one key token cover one topic token? A topic's `>` is covered only by a key's last `>`. */
type TokenCovered<Key extends string, Token extends string> = Token extends '>'
  ? false
  : Key extends '*'
    ? true
    : string extends Token
      ? false
      : Token extends Key
        ? true
        : false;

type TokensCovered<Key extends string[], Topic extends string[]> = Key extends ['>']
  ? Topic extends [string, ...string[]]
    ? true
    : false
  : Key extends [infer KH extends string, ...infer KR extends string[]]
    ? Topic extends [infer TH extends string, ...infer TR extends string[]]
      ? TokenCovered<KH, TH> extends true
        ? TokensCovered<KR, TR>
        : false
      : false
    : Topic extends []
      ? true
      : false;

/** True when every topic `Topic` can name is matched by the key pattern `Key`. */
export type PatternCovers<Key extends string, Topic extends string> = TokensCovered<TopicTokens<Key>, TopicTokens<Topic>>;

/** The payload type of `Topic` (a topic or a pattern) under `Topics`; `never` when no key covers it. */
export type TopicPayload<Topics, Topic extends string> = Topic extends keyof Topics
  ? Topics[Topic]
  : { [Key in keyof Topics & string]: PatternCovers<Key, Topic> extends true ? Topics[Key] : never }[keyof Topics & string];

/** `Topic` itself when the map covers it, else a message naming it (so the call fails to compile). */
export type KnownTopic<Topics, Topic extends string> = [TopicPayload<Topics, Topic>] extends [never]
  ? `no topic or pattern of the client's topic map matches "${Topic}"`
  : Topic;
