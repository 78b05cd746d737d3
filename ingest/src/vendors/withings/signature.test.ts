import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withingsSignature } from './signature.ts';

describe('Withings signatures', () => {
  it('sign the values sorted by key and joined with commas', () => {
    const expected = createHmac('sha256', 's3cret').update('getnonce,my-client,1763715600').digest('hex');
    expect(withingsSignature('s3cret', { timestamp: '1763715600', client_id: 'my-client', action: 'getnonce' })).toBe(
      expected
    );
    const revoke = createHmac('sha256', 's3cret').update('revoke,my-client,n0nce').digest('hex');
    expect(withingsSignature('s3cret', { nonce: 'n0nce', action: 'revoke', client_id: 'my-client' })).toBe(revoke);
  });
});
