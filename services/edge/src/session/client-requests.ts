import { UnsupportedPatternError } from '@switchboard/bus';
import type { HistoryStore, Publisher } from '@switchboard/history';
import {
  type ClientFrame,
  CloseCode,
  type DecodeResult,
  decodeBinaryClientFrame,
  decodeClientFrame,
  ErrorCode,
  isWildcard,
  type PublishFrame,
  type SubscribeFrame,
} from '@switchboard/protocol';
import type { Logger } from '@switchboard/telemetry';
import type { EdgeConfig } from '../config.js';
import { cutSlowConsumer } from '../delivery/fan-out.js';
import { answerLive, catchUp, type ReplayContext } from '../delivery/recovery.js';
import type { SubscriptionRegistry } from '../delivery/subscription-registry.js';
import type { EdgeStats } from '../metrics/edge-stats.js';
import { traceClientPublish } from '../tracing/client-publish-span.js';
import { traceRecovery } from '../tracing/edge-spans.js';
import type { AuthGate } from './auth-gate.js';
import { type Session, Subscription } from './session.js';

export interface ClientRequestDeps {
  config: EdgeConfig;
  registry: SubscriptionRegistry;
  history: HistoryStore | null;
  publisher: Publisher;
  stats: EdgeStats;
  log: Logger;
  auth: AuthGate;
}

const replyError = (session: Session, id: number | undefined, code: ErrorCode, message: string) =>
  session.transport.send({ op: 'error', id, code, message });

/**
 * Handles what a client sends: rate limit, decoding, then one op. Bad input never throws out
 * of here: it becomes an `error` frame or a close with the contract's code.
 */
export class ClientRequests {
  /** What catch-ups need (null with history off: subscribes are answered live). */
  private readonly replay: ReplayContext | null;

  constructor(private readonly deps: ClientRequestDeps) {
    const { config, history, stats } = deps;
    this.replay =
      history === null
        ? null
        : {
            history,
            stats,
            maxMessages: config.HISTORY_SIZE,
            sendBufferLimit: config.MAX_SEND_BUFFER_BYTES,
            stallTimeoutMs: config.SEND_STALL_TIMEOUT_MS,
          };
  }

  /** A text frame: JSON (decode.ts). */
  onText(session: Session, text: string): void {
    this.onFrame(session, text, decodeClientFrame);
  }

  /**
   * A binary frame: a publish of bytes (libs/protocol binary-frame.ts). A malformed one is a
   * protocol error (4400), like text that is not JSON.
   */
  onBinary(session: Session, bytes: Uint8Array): void {
    this.onFrame(session, bytes, decodeBinaryClientFrame);
  }

  /** Rate limit, send-buffer check, decoding, then one op: the same for text and binary frames. */
  private onFrame<F>(session: Session, frame: F, decode: (frame: F) => DecodeResult): void {
    if (session.closed || session.closing) return;
    session.alive = true;
    if (!session.bucket.take()) {
      this.deps.stats.rateLimitCloses++;
      replyError(session, undefined, ErrorCode.RateLimited, 'too many messages');
      // Frames processed before this one are answered first (a stored publish gets its ack).
      session.closeAfterAnswers(CloseCode.RateLimited, 'rate limited');
      return;
    }
    // Answers (acks, errors) count against the send buffer like messages: a client that sends
    // requests without reading their answers is cut like any slow reader.
    if (session.owedBytes > this.deps.config.MAX_SEND_BUFFER_BYTES) {
      cutSlowConsumer(session, this.deps.stats);
      return;
    }
    const decoded = decode(frame);
    if (!decoded.ok && decoded.error.fatal) {
      this.deps.stats.protocolErrors++;
      session.close(CloseCode.ProtocolError, decoded.error.message);
      return;
    }
    // Before `welcome` (auth on, no valid token yet) the gate holds frames and takes the `connect`: see auth-gate.ts.
    if (session.welcomed) this.handle(session, decoded);
    else this.deps.auth.beforeWelcome(session, decoded);
  }

  /** Drops every subscription of a closed session (see SessionLifecycle.end). */
  dropSubscriptions(session: Session): void {
    for (const sub of session.subscriptions.values()) {
      sub.active = false;
      this.deps.registry.remove(sub);
    }
    this.deps.stats.subscriptions -= session.subscriptions.size;
    session.subscriptions.clear();
  }

  /** A decoded frame of a welcomed session: a refusal becomes an `error` frame. */
  handle(session: Session, decoded: DecodeResult): void {
    if (decoded.ok) this.dispatch(session, decoded.frame);
    else replyError(session, decoded.error.id, decoded.error.code, decoded.error.message);
  }

  private dispatch(session: Session, frame: ClientFrame): void {
    switch (frame.op) {
      case 'subscribe':
        session.track(this.subscribe(session, frame));
        return;
      case 'unsubscribe': {
        const sub = session.subscriptions.get(frame.topic);
        if (sub !== undefined) this.drop(session, sub);
        session.transport.send({ op: 'ack', id: frame.id, topic: frame.topic });
        return;
      }
      case 'publish':
        session.track(traceClientPublish(frame.topic, () => this.publish(session, frame)));
        return;
      case 'refresh':
        // Auth on: verified and applied (see auth-gate.ts). Auth off: acknowledged, so clients proceed.
        session.track(this.deps.auth.refresh(session, frame));
        return;
      case 'connect':
      case 'pong':
        // After `welcome` (auth off, or already authenticated) a `connect` changes nothing.
        return;
    }
  }

  private drop(session: Session, sub: Subscription): void {
    sub.active = false;
    if (sub.pending !== null) sub.takeHeld();
    session.subscriptions.delete(sub.key);
    if (isWildcard(sub.key)) session.patterns--;
    this.deps.registry.remove(sub);
    this.deps.stats.subscriptions--;
  }

  /**
   * A subscribe: from a client frame, or made on the client's behalf by the session lifecycle for
   * transports that have no client frames (SSE, `/poll`). No rate budget is spent here.
   */
  async subscribe(session: Session, frame: SubscribeFrame): Promise<void> {
    const { config, registry, history, stats, log, auth } = this.deps;
    const replay = this.replay;
    if (!auth.maySubscribe(session, frame.topic)) {
      stats.forbidden++;
      replyError(session, frame.id, ErrorCode.Forbidden, `not allowed to subscribe to ${frame.topic}`);
      return;
    }
    if (session.subscriptions.has(frame.topic)) {
      const tip = history === null || isWildcard(frame.topic) ? null : await history.tip(frame.topic).catch(() => null);
      session.transport.send({ op: 'ack', id: frame.id, topic: frame.topic, offset: tip?.offset ?? null, epoch: tip?.epoch ?? null });
      return;
    }
    if (session.subscriptions.size >= config.MAX_SUBSCRIPTIONS) {
      replyError(session, frame.id, ErrorCode.TooManySubscriptions, `at most ${config.MAX_SUBSCRIPTIONS} subscriptions per connection`);
      return;
    }
    const wildcard = isWildcard(frame.topic);
    if (wildcard && session.patterns >= config.MAX_PATTERNS_PER_CONNECTION) {
      const limit = config.MAX_PATTERNS_PER_CONNECTION;
      replyError(session, frame.id, ErrorCode.TooManySubscriptions, `at most ${limit} wildcard subscriptions per connection`);
      return;
    }
    if (!registry.admits(frame.topic, config.MAX_PATTERNS_PER_EDGE)) {
      replyError(
        session,
        frame.id,
        ErrorCode.TooManySubscriptions,
        'this server holds its maximum of distinct wildcard patterns; retry later',
      );
      return;
    }
    const sub = new Subscription(session, frame.topic);
    session.subscriptions.set(sub.key, sub);
    if (wildcard) session.patterns++;
    stats.subscriptions++;
    try {
      await registry.add(sub);
      if (session.closed) return;
      if (replay !== null && !isWildcard(sub.key)) {
        await session.startCatchUp(config.MAX_CONCURRENT_CATCHUPS);
        try {
          const request = { sub, id: frame.id, since: frame.since, interest: registry.interestIn(sub.key) };
          await traceRecovery(sub.key, frame.since, () => catchUp(request, replay));
        } finally {
          session.endCatchUp();
        }
      } else answerLive(sub, frame.id, stats);
    } catch (err) {
      if (sub.active) this.drop(session, sub);
      if (err instanceof UnsupportedPatternError) {
        replyError(session, frame.id, ErrorCode.BadRequest, err.message);
        return;
      }
      log.warn({ err, topic: frame.topic }, 'subscribe failed');
      replyError(session, frame.id, ErrorCode.Unavailable, 'the message bus is unavailable, retry later');
    }
  }

  private async publish(session: Session, frame: PublishFrame): Promise<void> {
    const { config, publisher, stats, log, auth } = this.deps;
    if (!auth.enabled && !config.CLIENT_PUBLISH) {
      stats.forbidden++;
      replyError(session, frame.id, ErrorCode.Forbidden, 'clients may not publish on this server');
      return;
    }
    if (auth.enabled && !auth.mayPublish(session, frame.topic)) {
      stats.forbidden++;
      replyError(session, frame.id, ErrorCode.Forbidden, `not allowed to publish to ${frame.topic}`);
      return;
    }
    try {
      const { offset, epoch } = await publisher.publish(frame.topic, frame.data);
      stats.published++;
      session.transport.send({ op: 'ack', id: frame.id, offset, epoch });
    } catch (err) {
      log.warn({ err, topic: frame.topic }, 'client publish failed');
      replyError(session, frame.id, ErrorCode.Unavailable, 'the message bus is unavailable, the message was not accepted');
    }
  }
}
