import type { NodeView } from './node-view.js';

export interface NodeSummary {
  id: string;
  connections: number;
  subscriptions: number;
  lastSeen: string;
  deliveries: number;
  deliveriesPerSecond: number;
  topics: number;
  users: number;
  /** False between a detected gap in its reports and the next full report. */
  synced: boolean;
}

export interface PresenceSummary {
  connections: number;
  subscriptions: number;
  nodes: NodeSummary[];
  deliveries: number;
  deliveriesPerSecond: number;
  topics: number;
  users: number;
  intervalMs: number;
}

export interface TopicPresence {
  topic: string;
  subscribers: number;
  users: string[];
}

export interface UserPresence {
  user: string;
  online: boolean;
  topics: string[];
  nodes: string[];
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The cluster-wide view built from the nodes: per-node state lives in each NodeView, and every
 * change goes through here so the totals per topic and the number of nodes per user stay in
 * step. Reads are O(1) per topic or user, O(nodes) for unions.
 */
export class PresenceIndex {
  readonly nodes = new Map<string, NodeView>();
  /** When set, every topic whose users change, or that gains its first or loses its last subscriber, is added here (the Pusher layer reads and clears it). */
  touchedTopics: Set<string> | null = null;
  /** Topics whose every subscriber-count change (not only to and from zero) also goes to `touchedTopics`. */
  watchCounts: ((topic: string) => boolean) | null = null;
  /** Subscribers per topic over all nodes. */
  private readonly topicTotals = new Map<string, number>();
  /** Number of nodes each online user is connected to. */
  private readonly userNodes = new Map<string, number>();

  setCount(node: NodeView, topic: string, count: number): void {
    const before = node.topics.get(topic) ?? 0;
    if (count === before) return;
    if (count === 0) node.topics.delete(topic);
    else node.topics.set(topic, count);
    const was = this.topicTotals.get(topic) ?? 0;
    const total = was + count - before;
    if (total > 0) this.topicTotals.set(topic, total);
    else this.topicTotals.delete(topic);
    if (was > 0 !== total > 0 || this.watchCounts?.(topic) === true) this.touchedTopics?.add(topic);
  }

  /** Subscribers of `topic` over all nodes. */
  subscribers(topic: string): number {
    return this.topicTotals.get(topic) ?? 0;
  }

  addTopicUser(node: NodeView, topic: string, user: string): void {
    let users = node.topicUsers.get(topic);
    if (users === undefined) {
      users = new Set();
      node.topicUsers.set(topic, users);
    }
    if (users.has(user)) return;
    users.add(user);
    this.touchedTopics?.add(topic);
    let topics = node.userTopics.get(user);
    if (topics === undefined) {
      topics = new Set();
      node.userTopics.set(user, topics);
    }
    topics.add(topic);
  }

  removeTopicUser(node: NodeView, topic: string, user: string): void {
    const users = node.topicUsers.get(topic);
    if (users === undefined || !users.delete(user)) return;
    this.touchedTopics?.add(topic);
    if (users.size === 0) node.topicUsers.delete(topic);
    const topics = node.userTopics.get(user);
    topics?.delete(topic);
    if (topics?.size === 0) node.userTopics.delete(user);
  }

  /** Removes a topic from a node with all its users. */
  clearTopic(node: NodeView, topic: string): void {
    for (const user of [...(node.topicUsers.get(topic) ?? [])]) this.removeTopicUser(node, topic, user);
    this.setCount(node, topic, 0);
  }

  /** True when this is the user's first node (the user comes online). */
  addUser(node: NodeView, user: string): boolean {
    if (node.users.has(user)) return false;
    node.users.add(user);
    const count = (this.userNodes.get(user) ?? 0) + 1;
    this.userNodes.set(user, count);
    return count === 1;
  }

  /** True when this was the user's last node (the user goes offline). */
  removeUser(node: NodeView, user: string): boolean {
    if (!node.users.delete(user)) return false;
    const count = (this.userNodes.get(user) ?? 1) - 1;
    if (count > 0) this.userNodes.set(user, count);
    else this.userNodes.delete(user);
    return count <= 0;
  }

  /** Forgets a node; returns the users that were only on it (now offline). */
  removeNode(node: NodeView): string[] {
    for (const topic of [...node.topics.keys()]) this.setCount(node, topic, 0);
    for (const topic of node.topicUsers.keys()) this.touchedTopics?.add(topic);
    node.topicUsers.clear();
    node.userTopics.clear();
    const offline = [...node.users].filter((user) => this.removeUser(node, user));
    this.nodes.delete(node.id);
    return offline;
  }

  summary(intervalMs: number): PresenceSummary {
    let connections = 0;
    let subscriptions = 0;
    let deliveries = 0;
    let rate = 0;
    const nodes: NodeSummary[] = [];
    for (const node of this.nodes.values()) {
      connections += node.conns;
      subscriptions += node.subs;
      deliveries += node.deliveries;
      rate += node.deliveryRate;
      nodes.push({
        id: node.id,
        connections: node.conns,
        subscriptions: node.subs,
        lastSeen: new Date(node.lastSeen).toISOString(),
        deliveries: node.deliveries,
        deliveriesPerSecond: round(node.deliveryRate),
        topics: node.topics.size,
        users: node.users.size,
        synced: node.synced,
      });
    }
    nodes.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      connections,
      subscriptions,
      nodes,
      deliveries,
      deliveriesPerSecond: round(rate),
      topics: this.topicTotals.size,
      users: this.userNodes.size,
      intervalMs,
    };
  }

  topic(topic: string): TopicPresence {
    const users = new Set<string>();
    for (const node of this.nodes.values()) for (const user of node.topicUsers.get(topic) ?? []) users.add(user);
    return { topic, subscribers: this.topicTotals.get(topic) ?? 0, users: [...users].sort() };
  }

  /** Every topic starting with `prefix`, with its subscribers over all nodes (the Pusher API lists an app's channels). */
  *topicsWithPrefix(prefix: string): IterableIterator<[topic: string, subscribers: number]> {
    for (const entry of this.topicTotals) if (entry[0].startsWith(prefix)) yield entry;
  }

  /** The `n` topics with the most subscribers (ties by name), and how many topics there are. */
  top(n: number): { topics: Array<{ topic: string; subscribers: number }>; count: number } {
    const best: Array<{ topic: string; subscribers: number }> = [];
    if (n < 1) return { topics: best, count: this.topicTotals.size };
    const before = (a: { topic: string; subscribers: number }, b: { topic: string; subscribers: number }) =>
      a.subscribers > b.subscribers || (a.subscribers === b.subscribers && a.topic < b.topic);
    for (const [topic, subscribers] of this.topicTotals) {
      const entry = { topic, subscribers };
      if (best.length === n && !before(entry, best[n - 1] as typeof entry)) continue;
      let i = best.length;
      while (i > 0 && before(entry, best[i - 1] as typeof entry)) i--;
      best.splice(i, 0, entry);
      if (best.length > n) best.pop();
    }
    return { topics: best, count: this.topicTotals.size };
  }

  user(user: string): UserPresence {
    const topics = new Set<string>();
    const nodes: string[] = [];
    for (const node of this.nodes.values()) {
      if (node.users.has(user)) nodes.push(node.id);
      for (const topic of node.userTopics.get(user) ?? []) topics.add(topic);
    }
    return { user, online: this.userNodes.has(user), topics: [...topics].sort(), nodes: nodes.sort() };
  }
}
