import { describe, expect, it } from 'vitest';
import { ecsProblems } from '../support/ecs-schema.js';

// The validator is itself a test oracle: prove it rejects what it must.
describe('ECS validator', () => {
  it('accepts a minimal valid document', () => {
    expect(ecsProblems({ '@timestamp': '2026-11-23T05:00:00.000001Z', event: { kind: 'alert', category: ['network'], severity: 2 }, source: { ip: '10.0.0.1', port: 1 } })).toEqual([]);
  });

  it.each([
    [{ event: { foo: 1 } }, 'event.foo: not an ECS'],
    [{ source: { port: '80' } }, 'source.port: long wants an integer'],
    [{ source: { ip: '10.0.0.300' } }, 'source.ip: ip wanted'],
    [{ event: { category: 'network' } }, 'event.category: ECS normalizes this field to an array'],
    [{ event: { kind: ['alert'] } }, 'event.kind: ECS does not normalize'],
    [{ event: { kind: 'warning' } }, "event.kind: 'warning' is not an allowed value"],
    [{ event: { category: ['web', 'spaceship'] } }, "'spaceship' is not an allowed value"],
    [{ network: { direction: 'sideways' } }, "network.direction: 'sideways'"],
    [{ '@timestamp': 'yesterday' }, '@timestamp: ISO 8601 date wanted'],
    [{ event: { risk_score: 'high' } }, 'event.risk_score: float wants a number'],
    [{ threat: { enrichments: { indicator: { ip: '1.2.3.4' } } } }, 'threat.enrichments: nested field must be an array'],
    [{ threat: { enrichments: [{ indicator: { ip: 'x' } }] } }, 'threat.enrichments.indicator.ip: ip wanted'],
    [{ labels: { a: 1 } }, 'labels.a: labels hold keyword'],
    [{ nonsense: 'x' }, 'nonsense: not an ECS'],
  ])('rejects %j', (doc, phrase) => {
    const p = ecsProblems(doc as Record<string, unknown>);
    expect(p.join('\n')).toContain(phrase);
  });

  it('lets custom fields live under torwatch.*', () => {
    expect(ecsProblems({ torwatch: { anything: { goes: [1, 'x'] } } })).toEqual([]);
  });
});
