/**
 * A subject index: subscription patterns (`a.*.c`, `a.>`, and concrete topics) in a token
 * trie, like NATS's sublist. Matching a topic walks the trie along the topic's tokens, following
 * at each level the literal child, the `*` child and any `>`: the cost is O(tokens + matches),
 * whatever the number of patterns stored. A small cache keeps the result of recent topics; any
 * change to the index empties it.
 *
 * Semantics are `matchTopic`'s: `*` is one token, `>` one or more at the end, and a reserved
 * topic (`$…`) is matched only by the identical pattern, never by a wildcard.
 */

class TrieNode<V> {
  /** Children by literal token. */
  readonly literal = new Map<string, TrieNode<V>>();
  /** The `*` child. */
  star: TrieNode<V> | null = null;
  /** Values of the pattern that ends here with `>`. */
  rest: Set<V> | null = null;
  /** Values of the pattern that ends at this node. */
  here: Set<V> | null = null;

  get empty(): boolean {
    return this.literal.size === 0 && this.star === null && this.rest === null && this.here === null;
  }
}

/** Results cached at most (topics); the cache is emptied when full and on every change. */
const CACHE_SIZE = 1024;
const NOTHING: readonly never[] = [];

export class SubjectIndex<V> {
  private readonly root = new TrieNode<V>();
  private readonly cache = new Map<string, readonly V[]>();
  private patterns = 0;

  /** Number of distinct patterns held. */
  get size(): number {
    return this.patterns;
  }

  /** Adds `value` under `pattern` (a valid topic or pattern). Adding the same pair twice is a no-op. */
  add(pattern: string, value: V): void {
    let node = this.root;
    const tokens = pattern.split('.');
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] as string;
      if (token === '>' && i === tokens.length - 1) {
        node.rest ??= new Set();
        if (node.rest.size === 0) this.patterns++;
        node.rest.add(value);
        this.cache.clear();
        return;
      }
      if (token === '*') {
        node.star ??= new TrieNode();
        node = node.star;
        continue;
      }
      let next = node.literal.get(token);
      if (next === undefined) {
        next = new TrieNode();
        node.literal.set(token, next);
      }
      node = next;
    }
    node.here ??= new Set();
    if (node.here.size === 0) this.patterns++;
    node.here.add(value);
    this.cache.clear();
  }

  /** Removes `value` from `pattern`; frees the trie nodes nothing uses any more. */
  remove(pattern: string, value: V): void {
    const tokens = pattern.split('.');
    const path: Array<[TrieNode<V>, string]> = [];
    let node: TrieNode<V> | null | undefined = this.root;
    const last = tokens.length - 1;
    for (let i = 0; i < tokens.length && node; i++) {
      const token = tokens[i] as string;
      if (token === '>' && i === last) break;
      path.push([node, token]);
      node = token === '*' ? node.star : node.literal.get(token);
    }
    if (!node) return;
    const set = tokens[last] === '>' ? node.rest : node.here;
    if (set === null || !set.delete(value)) return;
    this.cache.clear();
    if (set.size > 0) return;
    this.patterns--;
    if (tokens[last] === '>') node.rest = null;
    else node.here = null;
    // Prune empty nodes bottom-up.
    for (let i = path.length - 1; i >= 0; i--) {
      const [parent, token] = path[i] as [TrieNode<V>, string];
      const child = token === '*' ? parent.star : parent.literal.get(token);
      if (!child?.empty) break;
      if (token === '*') parent.star = null;
      else parent.literal.delete(token);
    }
  }

  /** The values of every pattern matching the concrete `topic`; do not modify the result. */
  match(topic: string): readonly V[] {
    const cached = this.cache.get(topic);
    if (cached !== undefined) return cached;
    const found: V[] = [];
    const tokens = topic.split('.');
    if (topic.charCodeAt(0) === 0x24) this.exact(tokens, found);
    else this.walk(this.root, tokens, 0, found);
    const result = found.length === 0 ? NOTHING : found;
    if (this.cache.size >= CACHE_SIZE) this.cache.clear();
    this.cache.set(topic, result);
    return result;
  }

  private walk(node: TrieNode<V>, tokens: string[], i: number, found: V[]): void {
    if (i === tokens.length) {
      if (node.here !== null) for (const v of node.here) found.push(v);
      return;
    }
    if (node.rest !== null) for (const v of node.rest) found.push(v);
    const child = node.literal.get(tokens[i] as string);
    if (child !== undefined) this.walk(child, tokens, i + 1, found);
    if (node.star !== null) this.walk(node.star, tokens, i + 1, found);
  }

  /** A reserved topic: only the identical pattern (literal tokens all the way). */
  private exact(tokens: string[], found: V[]): void {
    let node: TrieNode<V> | undefined = this.root;
    for (const token of tokens) {
      node = node.literal.get(token);
      if (node === undefined) return;
    }
    if (node.here !== null) for (const v of node.here) found.push(v);
  }
}
