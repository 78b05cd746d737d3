import { describe, expect, it } from 'vitest';
import { escapeHtml, resultPage, type Outcome } from './pages.ts';

const outcomes: Outcome[] = [
  'connected',
  'invalid_link',
  'unknown_provider',
  'state_missing',
  'state_invalid',
  'link_used',
  'link_expired',
  'participant_gone',
  'access_denied',
  'provider_refused',
  'code_missing',
  'code_rejected',
  'provider_failed',
  'scope_missing',
  'consent_missing',
  'account_in_use',
  'member_id_taken',
  'provider_unavailable',
  'internal_error',
];

describe('result pages', () => {
  it('every outcome has a titled page; only success is 200', () => {
    for (const outcome of outcomes) {
      const page = resultPage(outcome, 'Withings');
      expect(page.html, outcome).toMatch(/<h1>[^<]+<\/h1>/);
      expect(page.status === 200, outcome).toBe(outcome === 'connected');
      expect(page.html).not.toContain('<script');
    }
  });

  it('names what was not allowed, escaped', () => {
    const page = resultPage('scope_missing', 'Fitbit (Google Health)', ['sleep', '<b>devices</b>']);
    expect(page.html).toContain('sleep; &#60;b&#62;devices&#60;/b&#62;');
    expect(escapeHtml(`a&b"c'`)).toBe('a&#38;b&#34;c&#39;');
  });
});
