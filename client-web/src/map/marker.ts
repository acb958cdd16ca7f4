// One publisher on the canvas: a circle marker that also draws its accuracy circle and heading, so a publisher
// is one layer however much it shows. Status is told by shape as well as colour:
//   online = solid dot, away = hollow ring, offline = small dashed dot with a slash, unknown = dot with a dark centre;
//   stale = faded with a dotted halo; selected = a black ring around it.
import L from "leaflet";
import type { Status } from "../model/status.ts";

export interface MarkerLook {
  status: Status;
  stale: boolean;
  selected: boolean;
  /** metres (XEP-0080 <accuracy/>) */
  accuracy?: number;
  /** degrees from true north (XEP-0080 <bearing/>) */
  bearing?: number;
}

export const STATUS_COLOURS: Record<Status, string> = { online: "#1a9641", away: "#d98200", offline: "#6b6b6b", unknown: "#3b6ea8" };
const RADIUS: Record<Status, number> = { online: 6, away: 6, offline: 4.5, unknown: 5 };
const HEADING_PX = 7;
const METRES_PER_DEGREE_LAT = 111_320;

export function lookKey(l: MarkerLook): string {
  return `${l.status}|${l.stale ? 1 : 0}|${l.selected ? 1 : 0}|${l.accuracy ?? ""}|${l.bearing ?? ""}`;
}

// The parts of Leaflet's canvas renderer this layer draws with (private API, stable across Leaflet 1.x).
interface CanvasInternals { _ctx: CanvasRenderingContext2D; _drawing: boolean }
interface MarkerInternals { _renderer: CanvasInternals; _point: L.Point; _map: L.Map; _pxBounds: L.Bounds; _empty(): boolean }

export class PublisherMarker extends L.CircleMarker {
  look: MarkerLook;
  private accuracyPx = 0;

  constructor(readonly jid: string, latlng: L.LatLngExpression, look: MarkerLook) {
    super(latlng, { radius: RADIUS[look.status], interactive: true, bubblingMouseEvents: false });
    this.look = look;
  }

  /** Changes how it looks (the position is set with setLatLng). */
  setLook(look: MarkerLook): void {
    this.look = look;
    this.setRadius(RADIUS[look.status]); // recomputes the bounds and redraws
  }

  private get my(): MarkerInternals { return this as unknown as MarkerInternals; }

  // Leaflet calls _project on every move and zoom: the accuracy circle's size in pixels depends on both.
  _project(): void {
    const my = this.my;
    const ll = this.getLatLng();
    my._point = my._map.latLngToLayerPoint(ll);
    const acc = this.look.accuracy;
    if (acc && acc > 0) {
      const edge = my._map.latLngToLayerPoint([Math.min(89.9, ll.lat + acc / METRES_PER_DEGREE_LAT), ll.lng]);
      this.accuracyPx = Math.abs(my._point.y - edge.y);
    } else {
      this.accuracyPx = 0;
    }
    this._updateBounds();
  }

  _updateBounds(): void {
    const my = this.my;
    const reach = Math.max(HALF, this.accuracyPx + 1); // the sprite (rings, heading) or the accuracy circle
    my._pxBounds = L.bounds(my._point.subtract([reach, reach]), my._point.add([reach, reach]));
  }

  _updatePath(): void {
    const my = this.my;
    if (!my._renderer._drawing || my._empty()) return;
    drawPublisher(my._renderer._ctx, my._point, this.getRadius(), this.accuracyPx, this.look);
  }
}

function circle(ctx: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
}

// Drawing thousands of anti-aliased paths per frame is slow on a software-rendered canvas; copying a small
// pre-drawn image is not. One sprite per look (status, stale, selected, heading in 5° steps), drawn on first use.
const sprites = new Map<string, { canvas: HTMLCanvasElement; half: number }>();
const SCALE = typeof window !== "undefined" && window.devicePixelRatio > 1 ? 2 : 1; // as Leaflet's canvas (L.Browser.retina)
const HALF = 6 + HEADING_PX + 6; // the most a sprite reaches from its centre: radius + heading + rings, CSS pixels

/** How far one look reaches from the centre: small sprites copy fast. */
function reach(look: MarkerLook, r: number): number {
  return Math.ceil(Math.max(r + (look.selected ? 7 : look.stale ? 4.5 : 2), look.bearing !== undefined ? r + HEADING_PX + 1 : 0));
}

function sprite(look: MarkerLook, r: number): { canvas: HTMLCanvasElement; half: number } {
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
    s = { canvas, half };
    sprites.set(key, s);
  }
  return s;
}

function drawPublisher(ctx: CanvasRenderingContext2D, p: L.Point, r: number, accuracyPx: number, look: MarkerLook): void {
  if (accuracyPx > r + 1) {
    const colour = STATUS_COLOURS[look.status];
    const fade = look.stale ? 0.45 : 1;
    circle(ctx, p.x, p.y, accuracyPx);
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
  const { canvas, half } = sprite(look, r);
  // Whole pixels: a plain copy, no resampling.
  ctx.drawImage(canvas, Math.round(p.x - half), Math.round(p.y - half), 2 * half, 2 * half);
}

function drawGlyph(ctx: CanvasRenderingContext2D, x: number, y: number, r: number, look: MarkerLook): void {
  const colour = STATUS_COLOURS[look.status];
  const fade = look.stale ? 0.45 : 1;
  if (look.bearing !== undefined) {
    const a = (look.bearing * Math.PI) / 180; // clockwise from north; canvas y grows downwards
    const dx = Math.sin(a), dy = -Math.cos(a);
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
      ctx.fillStyle = colour; ctx.fill();
      ctx.lineWidth = 1.5; ctx.strokeStyle = "#ffffff"; ctx.stroke();
      break;
    case "away":
      ctx.fillStyle = "#ffffff"; ctx.fill();
      ctx.lineWidth = 3; ctx.strokeStyle = colour; ctx.stroke();
      break;
    case "offline":
      ctx.globalAlpha = 0.35 * fade; ctx.fillStyle = colour; ctx.fill();
      ctx.globalAlpha = fade; ctx.lineWidth = 1.5; ctx.strokeStyle = colour; ctx.setLineDash([2, 2]); ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r); ctx.stroke();
      break;
    case "unknown":
      ctx.fillStyle = colour; ctx.fill();
      ctx.lineWidth = 1; ctx.strokeStyle = "#ffffff"; ctx.stroke();
      circle(ctx, x, y, r / 2.5); ctx.fillStyle = "#1d2b3a"; ctx.fill();
      break;
  }
  if (look.stale) {
    circle(ctx, x, y, r + 3);
    ctx.globalAlpha = 0.9; ctx.lineWidth = 1; ctx.strokeStyle = "#333333"; ctx.setLineDash([1.5, 2.5]); ctx.stroke();
    ctx.setLineDash([]);
  }
  if (look.selected) {
    circle(ctx, x, y, r + 5);
    ctx.globalAlpha = 1; ctx.lineWidth = 2.5; ctx.strokeStyle = "#000000"; ctx.stroke();
  }
  ctx.globalAlpha = 1;
}
