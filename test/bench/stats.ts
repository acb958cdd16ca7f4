// Medians and percentiles over plain arrays, and the figure record that the table and the JSON share.
export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
export const median = (xs: number[]) => quantile(xs, 0.5);

/** Least-squares line y = fixed + perX * x through the points (at least two distinct x). */
export function fitLine(points: Array<[x: number, y: number]>): { fixed: number; perX: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n,
    my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0),
    sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const perX = sxy / sxx;
  return { fixed: my - perX * mx, perX };
}

export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: string;
  /** how many rounds the median is over */
  rounds: number;
  /** the lowest and highest round: how far this machine's noise spreads the rounds */
  min: number;
  max: number;
  note?: string;
}

export class Figures {
  readonly all: Figure[] = [];
  add(section: string, name: string, values: number[], unit: string, note?: string): number {
    const value = median(values);
    this.all.push({
      section,
      name,
      value,
      unit,
      rounds: values.length,
      min: Math.min(...values),
      max: Math.max(...values),
      ...(note && { note }),
    });
    return value;
  }
}
