// The per-publisher token bucket: pure, the time is passed in.
import { describe, expect, it } from "vitest";
import { take, type Bucket } from "../../component/src/core/rate.ts";

describe("rate limit", () => {
  it("allows a burst, then one publish per 1/rate seconds, and says when to retry", () => {
    const limit = { perSecond: 2, burst: 3 };
    let b: Bucket | undefined;
    for (let i = 0; i < 3; i++) {
      const t = take(limit, b, 1000);
      expect(t.allowed).toBe(true);
      b = t.bucket;
    }
    const refused = take(limit, b, 1000);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(take(limit, refused.bucket, 1499).allowed).toBe(false);
    const later = take(limit, refused.bucket, 1500);
    expect(later.allowed).toBe(true);
    expect(take(limit, later.bucket, 1500).allowed).toBe(false);
  });

  it("never saves up more than the burst", () => {
    const limit = { perSecond: 10, burst: 2 };
    let b = take(limit, undefined, 0).bucket;
    b = take(limit, b, 3_600_000).bucket; // an hour idle
    b = take(limit, b, 3_600_000).bucket;
    expect(take(limit, b, 3_600_000).allowed).toBe(false);
  });

  it("does not refill when the clock goes backwards", () => {
    const limit = { perSecond: 1, burst: 1 };
    const b = take(limit, undefined, 10_000).bucket;
    expect(take(limit, b, 0).allowed).toBe(false);
  });
});
