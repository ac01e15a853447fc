import { refreshDelay } from './token.js';

/** Never refresh sooner than this after the previous token (guards against a refresh loop). */
const MIN_REFRESH_DELAY_MS = 1_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2_147_483_647;

/** Schedules `run` shortly before the current token expires (JWTs with `exp` only). */
export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly marginMs: number,
    private readonly run: () => void,
  ) {}

  schedule(token: string | undefined): void {
    this.cancel();
    if (token === undefined) return;
    const delay = refreshDelay(token, Date.now(), this.marginMs);
    if (delay === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.run();
      },
      Math.min(MAX_TIMER_MS, Math.max(MIN_REFRESH_DELAY_MS, delay)),
    );
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
