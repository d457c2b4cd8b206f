import { createHash } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';

/** Git object types as numbered in packs. */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';
const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;

/** One object of a pack, resolved. */
export interface PackedObject {
  oid: string;
  type: ObjectType;
  offset: number;
  crc: number;
}

/** A git object's type and content. */
export interface GitObject {
  type: ObjectType;
  content: Buffer;
}

/**
 * Parses a pack (format v2) with native zlib and SHA-1: every object's id, offset and
 * CRC, resolving offset and reference deltas against objects of the same pack or `external`.
 *
 * @remarks
 * Keeps resolved contents only while needed as delta bases of later objects... in practice
 * all of them, so memory grows with the unpacked size of the pack.
 *
 * @throws Error when the pack is malformed or its trailing checksum is wrong.
 */
export function indexPack(
  pack: Buffer,
  external?: (oid: string) => GitObject | undefined,
): { objects: PackedObject[]; checksum: Buffer; contents: Map<string, GitObject> } {
  if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') throw new Error('not a git pack');
  if (pack.readUInt32BE(4) !== 2) throw new Error(`unsupported pack version ${pack.readUInt32BE(4)}`);
  const count = pack.readUInt32BE(8);
  const checksum = pack.subarray(pack.length - 20);
  if (!createHash('sha1').update(pack.subarray(0, pack.length - 20)).digest().equals(checksum)) {
    throw new Error('pack checksum mismatch');
  }
  const byOffset = new Map<number, GitObject>();
  const byOid = new Map<string, GitObject>();
  const objects: PackedObject[] = [];
  const pendingRef: { offset: number; end: number; base: string; delta: Buffer }[] = [];
  let position = 12;
  for (let i = 0; i < count; i++) {
    const offset = position;
    let byte = pack[position++]!;
    const typeNumber = (byte >> 4) & 7;
    while (byte & 0x80) byte = pack[position++]!;
    let baseOffset: number | undefined;
    let baseOid: string | undefined;
    if (typeNumber === OFS_DELTA) {
      byte = pack[position++]!;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        byte = pack[position++]!;
        distance = ((distance + 1) * 128) + (byte & 0x7f);
      }
      baseOffset = offset - distance;
    } else if (typeNumber === REF_DELTA) {
      baseOid = pack.toString('hex', position, position + 20);
      position += 20;
    }
    const inflated = inflateSync(pack.subarray(position), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    position += inflated.engine.bytesWritten;
    const crc = crc32(pack.subarray(offset, position));
    let object: GitObject | undefined;
    if (baseOffset !== undefined) {
      const base = byOffset.get(baseOffset);
      if (base === undefined) throw new Error(`delta base at offset ${baseOffset} not found`);
      object = { type: base.type, content: applyDelta(base.content, inflated.buffer) };
    } else if (baseOid !== undefined) {
      const base = byOid.get(baseOid) ?? external?.(baseOid);
      if (base === undefined) {
        pendingRef.push({ offset, end: position, base: baseOid, delta: inflated.buffer });
        continue;
      }
      object = { type: base.type, content: applyDelta(base.content, inflated.buffer) };
    } else {
      const type = TYPES[typeNumber];
      if (type === undefined) throw new Error(`unknown object type ${typeNumber} at offset ${offset}`);
      object = { type, content: inflated.buffer };
    }
    const oid = objectId(object);
    byOffset.set(offset, object);
    byOid.set(oid, object);
    objects.push({ oid, type: object.type, offset, crc });
  }
  // Reference deltas whose base came later in the pack.
  for (let progress = true; pendingRef.length > 0 && progress; ) {
    progress = false;
    for (let i = pendingRef.length - 1; i >= 0; i--) {
      const pending = pendingRef[i]!;
      const base = byOid.get(pending.base) ?? external?.(pending.base);
      if (base === undefined) continue;
      const object = { type: base.type, content: applyDelta(base.content, pending.delta) };
      const oid = objectId(object);
      byOffset.set(pending.offset, object);
      byOid.set(oid, object);
      objects.push({ oid, type: object.type, offset: pending.offset, crc: crc32(pack.subarray(pending.offset, pending.end)) });
      pendingRef.splice(i, 1);
      progress = true;
    }
  }
  if (pendingRef.length > 0) throw new Error(`delta base ${pendingRef[0]!.base} not found`);
  return { objects, checksum: Buffer.from(checksum), contents: byOid };
}

/** The object id git gives `object`. */
export function objectId(object: GitObject): string {
  return createHash('sha1').update(`${object.type} ${object.content.length}\0`).update(object.content).digest('hex');
}

/** Applies a git delta to its base. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let position = 0;
  const readSize = () => {
    let size = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = delta[position++]!;
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return size;
  };
  const baseSize = readSize();
  if (baseSize !== base.length) throw new Error('delta base size mismatch');
  const result = Buffer.allocUnsafe(readSize());
  let out = 0;
  while (position < delta.length) {
    const op = delta[position++]!;
    if (op & 0x80) {
      let copyOffset = 0;
      let copySize = 0;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) copyOffset |= delta[position++]! << (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) copySize |= delta[position++]! << (8 * bit);
      if (copySize === 0) copySize = 0x10000;
      base.copy(result, out, copyOffset >>> 0, (copyOffset >>> 0) + copySize);
      out += copySize;
    } else if (op > 0) {
      delta.copy(result, out, position, position + op);
      out += op;
      position += op;
    } else {
      throw new Error('invalid delta opcode 0');
    }
  }
  if (out !== result.length) throw new Error('delta result size mismatch');
  return result;
}

/** Writes a pack index (version 2) for the objects of a pack. */
export function writePackIndex(objects: readonly PackedObject[], packChecksum: Buffer): Buffer {
  const sorted = [...objects].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const large = sorted.filter((o) => o.offset >= 0x80000000);
  const size = 8 + 256 * 4 + sorted.length * (20 + 4 + 4) + large.length * 8 + 40;
  const index = Buffer.alloc(size);
  index.writeUInt32BE(0xff744f63, 0);
  index.writeUInt32BE(2, 4);
  let position = 8;
  const fanout = new Uint32Array(256);
  for (const object of sorted) fanout[Number.parseInt(object.oid.slice(0, 2), 16)]!++;
  let running = 0;
  for (let i = 0; i < 256; i++) {
    running += fanout[i]!;
    index.writeUInt32BE(running, position);
    position += 4;
  }
  for (const object of sorted) {
    index.write(object.oid, position, 'hex');
    position += 20;
  }
  for (const object of sorted) {
    index.writeUInt32BE(object.crc >>> 0, position);
    position += 4;
  }
  let largeIndex = 0;
  for (const object of sorted) {
    index.writeUInt32BE(object.offset >= 0x80000000 ? (0x80000000 | largeIndex++) >>> 0 : object.offset, position);
    position += 4;
  }
  for (const object of large) {
    index.writeBigUInt64BE(BigInt(object.offset), position);
    position += 8;
  }
  packChecksum.copy(index, position);
  position += 20;
  createHash('sha1').update(index.subarray(0, position)).digest().copy(index, position);
  return index;
}

/** Reads a pack index (version 2): object id → offset. */
export function readPackIndex(index: Buffer): Map<string, number> {
  if (index.readUInt32BE(0) !== 0xff744f63 || index.readUInt32BE(4) !== 2) throw new Error('unsupported pack index');
  const count = index.readUInt32BE(8 + 255 * 4);
  const names = 8 + 256 * 4;
  const offsets = names + count * 24;
  const largeOffsets = offsets + count * 4;
  const result = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    let offset = index.readUInt32BE(offsets + i * 4);
    if (offset & 0x80000000) offset = Number(index.readBigUInt64BE(largeOffsets + (offset & 0x7fffffff) * 8));
    result.set(index.toString('hex', names + i * 20, names + i * 20 + 20), offset);
  }
  return result;
}

/** Reads the object at `offset` of a pack, resolving deltas (with `resolveRef` for reference bases). */
export function readPackedObject(
  pack: Buffer,
  offset: number,
  resolveRef: (oid: string) => GitObject,
  cache: Map<number, GitObject>,
): GitObject {
  const cached = cache.get(offset);
  if (cached) return cached;
  let position = offset;
  let byte = pack[position++]!;
  const typeNumber = (byte >> 4) & 7;
  while (byte & 0x80) byte = pack[position++]!;
  let object: GitObject;
  if (typeNumber === OFS_DELTA) {
    byte = pack[position++]!;
    let distance = byte & 0x7f;
    while (byte & 0x80) {
      byte = pack[position++]!;
      distance = ((distance + 1) * 128) + (byte & 0x7f);
    }
    const base = readPackedObject(pack, offset - distance, resolveRef, cache);
    object = { type: base.type, content: applyDelta(base.content, inflateSync(pack.subarray(position))) };
  } else if (typeNumber === REF_DELTA) {
    const base = resolveRef(pack.toString('hex', position, position + 20));
    object = { type: base.type, content: applyDelta(base.content, inflateSync(pack.subarray(position + 20))) };
  } else {
    const type = TYPES[typeNumber];
    if (type === undefined) throw new Error(`unknown object type ${typeNumber} at offset ${offset}`);
    object = { type, content: inflateSync(pack.subarray(position)) };
  }
  cache.set(offset, object);
  return object;
}
