// A token bucket per publisher bare JID: `perSecond` tokens a second, at most `burst` saved up. Pure: the caller
// passes the time, so the limit is testable without a clock and replays the same way every run.

export interface Bucket {
  tokens: number;
  at: number; // epoch ms when `tokens` was computed
}

export interface RateLimit {
  perSecond: number; // 0 = no limit
  burst: number;
}

export type Take = { allowed: true; bucket: Bucket } | { allowed: false; bucket: Bucket; retryAfterMs: number };

/** Takes one token from `bucket` (a new publisher starts full). */
export function take(limit: RateLimit, bucket: Bucket | undefined, now: number): Take {
  const burst = Math.max(1, limit.burst);
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  const tokens = bucket ? Math.min(burst, bucket.tokens + (elapsed * limit.perSecond) / 1000) : burst;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, at: now } };
  return {
    allowed: false,
    bucket: { tokens, at: now },
    retryAfterMs: Math.ceil(((1 - tokens) * 1000) / limit.perSecond),
  };
}
