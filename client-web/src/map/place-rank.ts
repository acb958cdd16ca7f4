// Which places are labelled at a zoom (places.ts draws them). Pure.

/**
 * Smallest population labelled at a zoom (then collisions decide): the millions at world zoom, districts at city
 * zoom.
 */
export function minPopulation(zoom: number): number {
  const z = Math.floor(zoom);
  return z <= 3
    ? 1_000_000
    : z === 4
      ? 500_000
      : z === 5
        ? 200_000
        : z === 6
          ? 100_000
          : z === 7
            ? 40_000
            : z === 8
              ? 15_000
              : z === 9
                ? 5_000
                : 0;
}
