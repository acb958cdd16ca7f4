// What one publisher looks like on the canvas: a pre-drawn sprite per look (dot, heading) plus its accuracy
// circle. Status is told by shape as well as colour:
//   online = solid dot, away = hollow ring, offline = small dashed dot with a slash, unknown = dot with a dark centre;
//   stale = faded with a dotted halo; selected = a black ring around it.
import L from "leaflet";
import type { Status } from "../model/status.ts";
import { spritePixels, type SpritePixels } from "./pixels.ts";

export interface MarkerLook {
  status: Status;
  stale: boolean;
  selected: boolean;
  /** metres (XEP-0080 <accuracy/>) */
  accuracy?: number;
  /** degrees from true north (XEP-0080 <bearing/>) */
  bearing?: number;
}

export const STATUS_COLOURS: Record<Status, string> = {
  online: "#1a9641",
  away: "#d98200",
  offline: "#6b6b6b",
  unknown: "#3b6ea8",
};
const RADIUS: Record<Status, number> = { online: 6, away: 6, offline: 4.5, unknown: 5 };
const HEADING_PX = 7;
const METRES_PER_DEGREE_LAT = 111_320;
type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export function lookKey(l: MarkerLook): string {
  return `${l.status}|${l.stale ? 1 : 0}|${l.selected ? 1 : 0}|${l.accuracy ?? ""}|${l.bearing ?? ""}`;
}

/** Marker radius in CSS pixels, by status (offline is smaller). */
export function radius(look: MarkerLook): number {
  return RADIUS[look.status];
}

/** Accuracy circle radius in layer pixels for a fix at `lat` with `accuracy` metres (0 = none), at the map's zoom. */
export function accuracyPixels(map: L.Map, lat: number, lon: number, y: number, accuracy: number | undefined): number {
  if (!accuracy || accuracy <= 0) return 0;
  const edge = map.latLngToLayerPoint([Math.min(89.9, lat + accuracy / METRES_PER_DEGREE_LAT), lon]);
  return Math.abs(y - edge.y);
}

function circle(ctx: Ctx2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
}

// Drawing thousands of anti-aliased paths per frame is slow on a software-rendered canvas; copying the pixels of a
// small pre-drawn image is not (pixels.ts). One sprite per look (status, stale, selected, heading in 5° steps),
// drawn on first use.
export interface Sprite {
  canvas: HTMLCanvasElement;
  half: number;
  pixels: SpritePixels;
}
const sprites = new Map<string, Sprite>();
// as Leaflet's canvas (L.Browser.retina)
const SCALE = typeof window !== "undefined" && window.devicePixelRatio > 1 ? 2 : 1;
/** The most a sprite reaches from its centre: radius + heading + rings, CSS pixels. */
export const SPRITE_REACH = 6 + HEADING_PX + 6;

/** How far one look reaches from the centre: small sprites copy fast. */
function reach(look: MarkerLook, r: number): number {
  return Math.ceil(
    Math.max(r + (look.selected ? 7 : look.stale ? 4.5 : 2), look.bearing !== undefined ? r + HEADING_PX + 1 : 0),
  );
}

/** The sprite of a look (drawn on first use, then shared by every marker that looks the same). */
export function sprite(look: MarkerLook): Sprite {
  const r = RADIUS[look.status];
  const bearing = look.bearing === undefined ? undefined : (Math.round(look.bearing / 5) * 5) % 360;
  const key = `${look.status}|${look.stale ? 1 : 0}|${look.selected ? 1 : 0}|${bearing ?? ""}`;
  let s = sprites.get(key);
  if (!s) {
    const half = reach(look, r);
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 2 * half * SCALE;
    const ctx = canvas.getContext("2d")!;
    ctx.scale(SCALE, SCALE);
    drawGlyph(ctx, half, half, r, { ...look, bearing });
    s = { canvas, half, pixels: spritePixels(canvas) };
    sprites.set(key, s);
  }
  return s;
}

/** The accuracy circle, when it is larger than the dot (drawn under every sprite). */
export function drawAccuracy(ctx: Ctx2D, x: number, y: number, accuracyPx: number, look: MarkerLook): void {
  if (accuracyPx > RADIUS[look.status] + 1) {
    const colour = STATUS_COLOURS[look.status];
    const fade = look.stale ? 0.45 : 1;
    circle(ctx, x, y, accuracyPx);
    ctx.globalAlpha = 0.1 * fade;
    ctx.fillStyle = colour;
    ctx.fill();
    ctx.globalAlpha = 0.45 * fade;
    ctx.lineWidth = 1;
    ctx.strokeStyle = colour;
    ctx.setLineDash([]);
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
}

function drawGlyph(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, look: MarkerLook): void {
  const colour = STATUS_COLOURS[look.status];
  const fade = look.stale ? 0.45 : 1;
  if (look.bearing !== undefined) {
    const a = (look.bearing * Math.PI) / 180; // clockwise from north; canvas y grows downwards
    const dx = Math.sin(a),
      dy = -Math.cos(a);
    ctx.globalAlpha = fade;
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.moveTo(x + dx * (r + HEADING_PX), y + dy * (r + HEADING_PX));
    ctx.lineTo(x + dx * r - dy * 4, y + dy * r + dx * 4);
    ctx.lineTo(x + dx * r + dy * 4, y + dy * r - dx * 4);
    ctx.closePath();
    ctx.fill();
  }
  circle(ctx, x, y, r);
  ctx.globalAlpha = fade;
  switch (look.status) {
    case "online":
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      break;
    case "away":
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.lineWidth = 3;
      ctx.strokeStyle = colour;
      ctx.stroke();
      break;
    case "offline":
      ctx.globalAlpha = 0.35 * fade;
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.globalAlpha = fade;
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = colour;
      ctx.setLineDash([2, 2]);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(x - r, y + r);
      ctx.lineTo(x + r, y - r);
      ctx.stroke();
      break;
    case "unknown":
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      circle(ctx, x, y, r / 2.5);
      ctx.fillStyle = "#1d2b3a";
      ctx.fill();
      break;
  }
  if (look.stale) {
    circle(ctx, x, y, r + 3);
    ctx.globalAlpha = 0.9;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#333333";
    ctx.setLineDash([1.5, 2.5]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (look.selected) {
    circle(ctx, x, y, r + 5);
    ctx.globalAlpha = 1;
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#000000";
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}
