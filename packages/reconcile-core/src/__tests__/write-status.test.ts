import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../client/kube-client.js';
import type { KubeObject } from '../resource/objects.js';
import { mergePatch, writeStatus } from '../lifecycle/write-status.js';

type Thing = KubeObject & { status?: { phase?: string; observedGeneration?: number; conditions?: { type: string; status: string }[]; note?: string } };

function recordingClient() {
  const calls: { kind: unknown; name: string; patch: unknown; options: Record<string, unknown> }[] = [];
  const client: Pick<KubeClient, 'patchStatus'> = {
    patchStatus: (async (kind: unknown, name: string, patch: unknown, options: Record<string, unknown>) => {
      calls.push({ kind, name, patch, options });
      return { stored: true };
    }) as unknown as KubeClient['patchStatus'],
  };
  return { client, calls };
}

const thing = (status: Thing['status']): Thing => Object.freeze({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't', namespace: 'ns' }, status });

describe('writeStatus', () => {
  it('writes nothing when the status is equal as JSON (key order and undefined fields do not count)', async () => {
    const { client, calls } = recordingClient();
    const written = await writeStatus(client, thing({ phase: 'Ready', observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] }), { conditions: [{ status: 'True', type: 'Ready' }], observedGeneration: 2, phase: 'Ready', note: undefined });
    expect(written).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('sends a merge patch of what changed to the status subresource, with fieldValidation Strict', async () => {
    const { client, calls } = recordingClient();
    const written = await writeStatus(client, thing({ phase: 'Pending', observedGeneration: 1, note: 'old', conditions: [{ type: 'Ready', status: 'False' }] }), { phase: 'Ready', observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] }, { fieldManager: 'me' });
    expect(written).toEqual({ stored: true });
    expect(calls).toEqual([
      {
        kind: { apiVersion: 'example.com/v1', kind: 'Thing' },
        name: 't',
        patch: { status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }], note: null } },
        options: { namespace: 'ns', type: 'merge', fieldManager: 'me', fieldValidation: 'Strict', signal: undefined, timeout: undefined },
      },
    ]);
  });

  it('writes a first status whole', async () => {
    const { client, calls } = recordingClient();
    await writeStatus(client, thing(undefined), { phase: 'Ready' });
    expect(calls[0]?.patch).toEqual({ status: { phase: 'Ready' } });
  });
});

describe('mergePatch', () => {
  it('diffs nested objects, replaces lists and scalars whole, and deletes with null', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: [1, 2], e: 'x' }, { a: { b: 1, c: 3 }, d: [1, 2, 3], f: true })).toEqual({ a: { c: 3 }, d: [1, 2, 3], e: null, f: true });
    expect(mergePatch({ a: { b: 1 } }, { a: { b: 1 } })).toBeUndefined();
    expect(mergePatch({ a: 1 }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });
});
