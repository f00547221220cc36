// What new answers may cost: a per-client allowance per hour (FAQ_CLIENT_MAX)
// and a cap for the whole site per UTC day (FAQ_DAILY_MAX). Cached answers and
// joining a job under way are free; ADMIN_TOKEN goes past both.
import { RateLimiter } from '../routes/page-util.ts';

export type Refusal = { reason: 'client' | 'daily'; message: string };

export class SpendBudget {
  private readonly perClient: RateLimiter;
  private day = '';
  private spentToday = 0;

  constructor(
    private readonly clientMax: number,
    private readonly dailyMax: number,
    /** Answers already made today (from the database) when the server starts. */
    startCount: () => number,
    windowMs = 60 * 60_000,
  ) {
    this.perClient = new RateLimiter(clientMax, windowMs);
    this.day = new Date().toISOString().slice(0, 10);
    this.spentToday = startCount();
  }

  /** Takes one new answer from `client`'s allowance and the day's, or says which is used up. */
  take(client: string, opts: { admin: boolean; now?: number } = { admin: false }): Refusal | null {
    const now = opts.now ?? Date.now();
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.spentToday = 0;
    }
    if (!opts.admin) {
      if (this.spentToday >= this.dailyMax) return { reason: 'daily', message: 'this site has made as many new answers today as it allows; cached answers are still available, try again tomorrow' };
      if (!this.perClient.take(client, 1, now)) return { reason: 'client', message: `you have asked for ${this.clientMax} new answers this hour, the most this site allows; cached answers are still free` };
    }
    this.spentToday++;
    return null;
  }

  /** Takes one new answer from the day's cap alone (fresh answers the site makes by itself for a new version). */
  takeShared(now = Date.now()): Refusal | null {
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.spentToday = 0;
    }
    if (this.spentToday >= this.dailyMax) return { reason: 'daily', message: 'daily cap reached' };
    this.spentToday++;
    return null;
  }
}
