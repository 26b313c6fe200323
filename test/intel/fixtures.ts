/** A STIX 2.1 bundle as a CTI platform exports it: an identity, indicators of several shapes, a TLP marking. */
export const STIX_BUNDLE = {
  type: 'bundle',
  id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
  objects: [
    { type: 'identity', spec_version: '2.1', id: 'identity--f431f809-377b-45e0-aa1c-6a4751cae5ff', name: 'Example CTI', identity_class: 'organization', created: '2026-01-01T00:00:00Z', modified: '2026-01-01T00:00:00Z' },
    {
      type: 'indicator', spec_version: '2.1', id: 'indicator--a932fcc6-e032-476c-826f-cb970a5a1ade', created: '2026-11-01T00:00:00Z', modified: '2026-11-02T00:00:00Z',
      name: 'Tor exit used for C2', description: 'Exit node relaying C2 traffic', indicator_types: ['malicious-activity'],
      pattern: "[ipv4-addr:value = '203.0.113.31'] OR [ipv6-addr:value = '2001:db8::31']", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z',
      confidence: 85, created_by_ref: 'identity--f431f809-377b-45e0-aa1c-6a4751cae5ff',
      object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'],
    },
    {
      type: 'indicator', spec_version: '2.1', id: 'indicator--1e2b1b8e-87a8-4f41-8e7d-7d3e2b2a5b0f', created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z',
      pattern: "[domain-name:value = 'bad.example' OR domain-name:value = 'worse.example']", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z', valid_until: '2026-12-01T00:00:00Z', confidence: 40,
    },
    {
      type: 'indicator', spec_version: '2.1', id: 'indicator--9c6d1b2e-2f7a-4b8e-9d3c-1a2b3c4d5e6f', created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z',
      pattern: "[ipv4-addr:value = '198.51.100.0/24' AND network-traffic:dst_port = 443]", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z',
    },
    {
      type: 'indicator', spec_version: '2.1', id: 'indicator--0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z',
      pattern: "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z',
    },
    {
      type: 'indicator', spec_version: '2.1', id: 'indicator--7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d', created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z', revoked: true,
      pattern: "[ipv4-addr:value = '192.0.2.99']", pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z',
    },
  ],
};
