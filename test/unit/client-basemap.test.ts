import { describe, expect, it } from "vitest";
import { unwrapRing } from "../../client-web/src/map/antimeridian.ts";

describe("the offline basemap", () => {
  it("keeps a ring that crosses the antimeridian continuous instead of drawing a line across the world", () => {
    expect(
      unwrapRing([
        [179, 65],
        [-179, 66],
        [-178, 64],
        [179, 65],
      ]),
    ).toEqual([
      [179, 65],
      [181, 66],
      [182, 64],
      [179, 65],
    ]);
  });

  it("leaves an ordinary ring alone", () => {
    const ring = [
      [13, 52],
      [14, 52],
      [14, 53],
      [13, 52],
    ];
    expect(unwrapRing(ring)).toEqual(ring);
  });
});
