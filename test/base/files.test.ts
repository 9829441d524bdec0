// The ground floor's file idioms: the atomic write leaves the old file or the whole new one, never a part; the file
// hash and fault check say what changed.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileFault, sha256File, sha256Hex, writeAll, writeFileAtomic } from "../../src/core/base/files.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nfx-files-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test("writeFileAtomic writes text, bytes and pieces, creating the directory, and leaves no temporary file", () => {
  const text = path.join(dir, "a", "b", "text.txt");
  writeFileAtomic(text, "λ = 0.01\n");
  assert.equal(fs.readFileSync(text, "utf8"), "λ = 0.01\n");
  const bytes = path.join(dir, "bytes.bin");
  writeFileAtomic(bytes, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...fs.readFileSync(bytes)], [1, 2, 3]);
  const pieces = path.join(dir, "pieces.bin");
  writeFileAtomic(pieces, (fd) => {
    writeAll(fd, new Uint8Array([9]));
    writeAll(fd, Buffer.from("xy"));
  });
  assert.deepEqual([...fs.readFileSync(pieces)], [9, 0x78, 0x79]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["a", "bytes.bin", "pieces.bin"]);
});

test("writeFileAtomic: a writer that throws leaves the previous file untouched and no temporary file", () => {
  const file = path.join(dir, "keep", "old.json");
  writeFileAtomic(file, '{"old":true}');
  assert.throws(
    () =>
      writeFileAtomic(file, (fd) => {
        writeAll(fd, Buffer.from('{"new":'));
        throw new Error("disk full (simulated)");
      }),
    /disk full/,
  );
  assert.equal(fs.readFileSync(file, "utf8"), '{"old":true}');
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ["old.json"]);
});

test("sha256File / sha256Hex: the standard SHA-256 (FIPS 180-2 test vector 'abc')", () => {
  const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  assert.equal(sha256Hex("abc"), abc);
  const file = path.join(dir, "abc.txt");
  fs.writeFileSync(file, "abc");
  assert.equal(sha256File(file), abc);
  assert.throws(() => sha256File(path.join(dir, "nope")), /ENOENT/);
});

test("fileFault names what changed: missing, size, content; null when whole or when nothing was recorded", () => {
  const file = path.join(dir, "ckpt.bin");
  fs.writeFileSync(file, "abcd");
  const sha = sha256File(file);
  assert.equal(fileFault(file, sha, 4), null);
  assert.equal(fileFault(file, null, null), null);
  assert.equal(fileFault(path.join(dir, "gone.bin"), sha, 4), "missing");
  assert.equal(fileFault(file, sha, 5), "4 bytes, 5 recorded (truncated or changed)");
  fs.writeFileSync(file, "abce");
  assert.equal(fileFault(file, sha, 4), "its SHA-256 differs from the recorded one");
  assert.equal(fileFault(file, null, 4), null);
});
