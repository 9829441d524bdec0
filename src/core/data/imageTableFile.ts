// A compact binary file for an ImageTable, so a dataset decoded once (e.g. 150 MB of JSON) loads in milliseconds.
// Layout, little-endian: magic "NFXIMG01" | u32 count, height, width, channels, numClasses | 32-byte SHA-256 of the
// payload | payload = labels (count bytes) then images (count·h·w·c bytes, HWC uint8).
import { createHash } from "node:crypto";
import fs from "node:fs";
import { writeAll, writeFileAtomic } from "../base/files.js";
import type { ImageTable } from "./memorySplit.js";

const MAGIC = "NFXIMG01";
const HEADER_BYTES = 8 + 5 * 4 + 32;

export interface StoredTable extends ImageTable {
  numClasses: number;
}

function payloadDigest(labels: Uint8Array, images: Uint8Array): Buffer {
  return createHash("sha256").update(labels).update(images).digest();
}

/** Writes atomically (temp file + rename), so concurrent sweep workers never read a half-written cache. */
export function writeImageTable(file: string, table: StoredTable): void {
  const [h, w, c] = table.imageShape;
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, "latin1");
  header.writeUInt32LE(table.labels.length, 8);
  header.writeUInt32LE(h, 12);
  header.writeUInt32LE(w, 16);
  header.writeUInt32LE(c, 20);
  header.writeUInt32LE(table.numClasses, 24);
  payloadDigest(table.labels, table.images).copy(header, 28);
  writeFileAtomic(file, (fd) => {
    writeAll(fd, header);
    writeAll(fd, table.labels);
    writeAll(fd, table.images);
  });
}

/**
 * Reads a table written by writeImageTable. Returns null when the file is absent; throws (naming the file) when it
 * exists but is truncated, foreign or fails its checksum — the caller decides whether to rebuild.
 */
export function readImageTable(file: string): StoredTable | null {
  if (!fs.existsSync(file)) return null;
  const buf = fs.readFileSync(file);
  if (buf.length < HEADER_BYTES || buf.toString("latin1", 0, 8) !== MAGIC) {
    throw new Error(`${file} is not an nfx image table (bad magic)`);
  }
  const count = buf.readUInt32LE(8);
  const h = buf.readUInt32LE(12);
  const w = buf.readUInt32LE(16);
  const c = buf.readUInt32LE(20);
  const numClasses = buf.readUInt32LE(24);
  const expected = HEADER_BYTES + count + count * h * w * c;
  if (buf.length !== expected) throw new Error(`${file} has ${buf.length} bytes, expected ${expected} (truncated?)`);
  // Views into the one read buffer: no second copy of the pixels.
  const labels = new Uint8Array(buf.buffer, buf.byteOffset + HEADER_BYTES, count);
  const images = new Uint8Array(buf.buffer, buf.byteOffset + HEADER_BYTES + count, count * h * w * c);
  if (!payloadDigest(labels, images).equals(buf.subarray(28, HEADER_BYTES))) {
    throw new Error(`${file} fails its checksum (corrupt cache)`);
  }
  return { labels, images, imageShape: [h, w, c], numClasses };
}
