import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { GATES_EVIDENCE_KIND } from '../../src/core/evidence.ts';
import { onEachBackend } from '../helpers/backends.ts';
import { pushVersion } from '../helpers/registry-home.ts';

onEachBackend('gate runs in the event log', (backend) => {
  let app: Awaited<ReturnType<typeof backend.open>>;
  beforeEach(async () => {
    app = await backend.open();
  });
  afterEach(() => app.dispose());

  it('logs gate.failed with the required gates that failed, and nothing more for a passing run', async () => {
    const reg = app.registry('erin');
    await pushVersion(app, 'gm', '1.0.0');
    const gates = (status: 'passed' | 'failed') => [
      { name: 'smoke_test', required: true, status: 'passed' },
      { name: 'performance_validation', required: true, status },
      { name: 'integration_tests', required: false, status: 'failed' },
    ];
    await reg.recordMeasuredEvidence('gm@1.0.0', { kind: GATES_EVIDENCE_KIND, body: { passed: false, gates: gates('failed') } });
    await reg.recordMeasuredEvidence('gm@1.0.0', { kind: GATES_EVIDENCE_KIND, body: { passed: true, gates: gates('passed') } });
    await reg.addEvidence('gm@1.0.0', { kind: 'review', body: { passed: false } });
    const events = (await reg.events({ model: 'gm' })).items;
    const failed = events.filter((e) => e.action === 'gate.failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.subject, 'gm@1.0.0');
    assert.equal(failed[0]!.actor, 'erin');
    assert.deepEqual(failed[0]!.payload.gates, ['performance_validation']);
    assert.equal(events.filter((e) => e.action === 'evidence.add').length, 3);
  });
});
