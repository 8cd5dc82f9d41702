// Reads a QR code the way a phone camera would: the `qrcode` package's SVG (a path of horizontal runs) rasterised to
// pixels, then decoded by jsQR, an independent decoder. A test that decodes the enrolment's `qr_svg` proves the
// picture carries the key URI, not just that some SVG came back.
import * as jsqrModule from "jsqr";

// A CommonJS package whose types declare an ES default export: under NodeNext the callable is the module's `default`.
const jsQR = (jsqrModule as unknown as { default: typeof import("jsqr").default }).default;

const scale = 4; // pixels per module

/** The text of the QR code in `svg` (as `qrcode`'s `toString(…, { type: "svg" })` draws it). @throws when none is found */
export function decodeQrSvg(svg: string): string {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const path = /<path stroke="[^"]*" d="([^"]+)"/.exec(svg);
  if (!viewBox || !path) throw new Error("not a qrcode SVG");
  const size = Number(viewBox[1]);
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, command, args] of (path[1] as string).matchAll(/([MmHh])([^MmHh]*)/g)) {
    const numbers = (args as string).trim().split(/[\s,]+/).filter(Boolean).map(Number);
    if (command === "M") [x, y] = numbers as [number, number];
    else if (command === "m") {
      x += numbers[0] as number;
      y += numbers[1] as number;
    } else if (command === "h") {
      for (let i = 0; i < (numbers[0] as number); i++) dark.add(`${x + i},${Math.floor(y)}`);
      x += numbers[0] as number;
    }
  }
  const width = size * scale;
  const pixels = new Uint8ClampedArray(width * width * 4);
  for (let py = 0; py < width; py++) {
    for (let px = 0; px < width; px++) {
      const value = dark.has(`${Math.floor(px / scale)},${Math.floor(py / scale)}`) ? 0 : 255;
      pixels.set([value, value, value, 255], (py * width + px) * 4);
    }
  }
  const found = jsQR(pixels, width, width);
  if (!found) throw new Error("no QR code found in the SVG");
  return found.data;
}
