import { statusError } from './status-error.js';

/**
 * How one protobuf field of a Kubernetes type reads into JSON: its JSON name and its shape.
 * Only the types typed clients (`kubectl create configmap|secret|namespace|serviceaccount`) send are described.
 */
type FieldShape = 'string' | 'bytes' | 'bool' | 'int' | 'mapString' | 'mapBytes' | 'repeatedString' | 'skip' | MessageShape | { repeated: MessageShape };
interface MessageShape {
  readonly [field: number]: readonly [name: string, shape: FieldShape];
}

const objectMeta: MessageShape = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['generation', 'int'],
  8: ['creationTimestamp', 'skip'],
  9: ['deletionTimestamp', 'skip'],
  11: ['labels', 'mapString'],
  12: ['annotations', 'mapString'],
  13: ['ownerReferences', { repeated: { 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 5: ['apiVersion', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] } }],
  14: ['finalizers', 'repeatedString'],
  17: ['managedFields', 'skip'],
};

const shapes: Record<string, MessageShape> = {
  'v1/ConfigMap': { 1: ['metadata', objectMeta], 2: ['data', 'mapString'], 3: ['binaryData', 'mapBytes'], 4: ['immutable', 'bool'] },
  'v1/Secret': { 1: ['metadata', objectMeta], 2: ['data', 'mapBytes'], 3: ['type', 'string'], 4: ['stringData', 'mapString'], 5: ['immutable', 'bool'] },
  'v1/Namespace': { 1: ['metadata', objectMeta], 2: ['spec', { 1: ['finalizers', 'repeatedString'] }] },
  'v1/ServiceAccount': {
    1: ['metadata', objectMeta],
    3: ['imagePullSecrets', { repeated: { 1: ['name', 'string'] } }],
    4: ['automountServiceAccountToken', 'bool'],
  },
};

const typeMeta: MessageShape = { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] };
const envelope: MessageShape = { 1: ['typeMeta', typeMeta], 2: ['raw', 'bytes'], 3: ['contentEncoding', 'string'], 4: ['contentType', 'string'] };

class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.bytes.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.bytes[this.at++];
      if (byte === undefined) throw new Error('truncated varint');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }
  chunk(): Uint8Array {
    const length = this.varint();
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.chunk();
    else if (wireType === 1) this.at += 8;
    else if (wireType === 5) this.at += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function mapEntry(bytes: Uint8Array, asBytes: boolean): [string, string] {
  const reader = new Reader(bytes);
  let key = '';
  let value = '';
  while (!reader.done) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    if (field === 1) key = text(reader.chunk());
    else if (field === 2) value = asBytes ? Buffer.from(reader.chunk()).toString('base64') : text(reader.chunk());
    else reader.skip(tag & 7);
  }
  return [key, value];
}

function decodeMessage(bytes: Uint8Array, shape: MessageShape): Record<string, unknown> {
  const reader = new Reader(bytes);
  const out: Record<string, unknown> = {};
  while (!reader.done) {
    const tag = reader.varint();
    const entry = shape[Math.floor(tag / 8)];
    if (!entry) {
      reader.skip(tag & 7);
      continue;
    }
    const [name, kind] = entry;
    if (kind === 'skip') reader.skip(tag & 7);
    else if (kind === 'string') out[name] = text(reader.chunk());
    else if (kind === 'bytes') out[name] = reader.chunk();
    else if (kind === 'bool') out[name] = reader.varint() !== 0;
    else if (kind === 'int') out[name] = reader.varint();
    else if (kind === 'repeatedString') ((out[name] ??= []) as string[]).push(text(reader.chunk()));
    else if (kind === 'mapString' || kind === 'mapBytes') {
      const [key, value] = mapEntry(reader.chunk(), kind === 'mapBytes');
      ((out[name] ??= {}) as Record<string, string>)[key] = value;
    } else if ('repeated' in kind) ((out[name] ??= []) as unknown[]).push(decodeMessage(reader.chunk(), kind.repeated as MessageShape));
    else out[name] = decodeMessage(reader.chunk(), kind as MessageShape);
  }
  return out;
}

const magic = [0x6b, 0x38, 0x73, 0x00];

/**
 * Decodes a `application/vnd.kubernetes.protobuf` body of the few kinds typed clients create
 * (ConfigMap, Secret, Namespace, ServiceAccount) into the JSON object it stands for.
 *
 * @throws {@link StatusError} 415 for any other kind, or a body that is not a Kubernetes protobuf envelope.
 */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  const unsupported = (what: string) =>
    statusError(415, 'UnsupportedMediaType', `the in-memory API server decodes protobuf only for ConfigMap, Secret, Namespace and ServiceAccount (${what}); send application/json`);
  if (body.length < 4 || magic.some((byte, index) => body[index] !== byte)) throw unsupported('no k8s protobuf envelope');
  const unknown = decodeMessage(body.subarray(4), envelope);
  const meta = (unknown['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
  const shape = shapes[`${meta.apiVersion}/${meta.kind}`];
  if (!shape || !(unknown['raw'] instanceof Uint8Array)) throw unsupported(`${meta.apiVersion ?? '?'} ${meta.kind ?? '?'}`);
  return { apiVersion: meta.apiVersion, kind: meta.kind, ...decodeMessage(unknown['raw'], shape) };
}
