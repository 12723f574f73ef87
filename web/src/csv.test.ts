import { describe, expect, it } from 'vitest';
import { csvField, flowsToCsv } from './csv';

describe('CSV export', () => {
  it('quotes fields with commas, quotes and newlines', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('x\ny')).toBe('"x\ny"');
    expect(csvField(undefined)).toBe('');
    expect(csvField(443)).toBe('443');
  });
  it('writes a header and one line per flow', () => {
    const csv = flowsToCsv([
      { ip_src: '10.0.0.1', ip_dst: '2001:db8::1', port_src: 1234, port_dst: 443, ip_proto: 'tcp', direction: 'out',
        timestamp_start: '2026-11-30T16:00:00Z', timestamp_end: '2026-11-30T16:00:05Z', packets: 10, bytes: 1500 },
    ]);
    expect(csv).toBe(
      'ip_src,ip_dst,port_src,port_dst,ip_proto,direction,timestamp_start,timestamp_end,packets,bytes\n' +
        '10.0.0.1,2001:db8::1,1234,443,tcp,out,2026-11-30T16:00:00Z,2026-11-30T16:00:05Z,10,1500\n',
    );
  });
});
