// PNG / JPEG decoding to RGBA bytes with small pure-JS decoders (no native build, works wherever Node does).
// The format is recognised by its signature, not the file extension.
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  rgba: Uint8Array;
}

/** Largest image we agree to decode (megapixels): guards memory against a stray huge file. */
const MAX_MEGAPIXELS = 100;

function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47;
}

function isJpeg(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

/** Decodes a PNG or JPEG; throws an Error naming `file` when the bytes are neither or are corrupt. */
export function decodeImage(buf: Buffer, file: string): DecodedImage {
  if (isPng(buf)) {
    try {
      const png = PNG.sync.read(buf);
      return {
        width: png.width,
        height: png.height,
        rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
      };
    } catch (err) {
      throw new Error(`imagefolder: ${file} is not a valid PNG (${(err as Error).message})`);
    }
  }
  if (isJpeg(buf)) {
    try {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
      return { width: img.width, height: img.height, rgba: img.data };
    } catch (err) {
      throw new Error(`imagefolder: ${file} is not a valid JPEG (${(err as Error).message})`);
    }
  }
  throw new Error(`imagefolder: ${file} is neither a PNG nor a JPEG`);
}
