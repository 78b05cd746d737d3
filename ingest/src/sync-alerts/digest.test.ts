import { describe, expect, it } from 'vitest';
import { renderDigest } from './digest.ts';
import { createMailer } from './mailer.ts';

describe('renderDigest', () => {
  const base = {
    studyName: 'Heart\nfailure <pilot>',
    checkedAt: new Date('2026-11-21T07:00:12.345Z'),
    staleDays: 1,
    reminderDays: 7,
  };

  it('lists each episode in text and in an escaped HTML table, the study name on one subject line', () => {
    const out = renderDigest({
      ...base,
      episodes: [
        {
          kind: 'stale_device',
          participantId: 1,
          participantLabel: 'P<1>',
          provider: 'withings',
          device: 'Body & Scan',
          daysSinceSync: 1,
          action: 'ask the patient to open the Withings app and sync',
        },
      ],
    });
    expect(out.subject).toBe('Vigil: 1 wearable needs attention in Heart failure <pilot>');
    expect(out.text).toContain(
      '1 wearable needs attention in study Heart failure <pilot> (checked 2026-11-21 07:00 UTC).'
    );
    expect(out.text).toContain('- P<1>: Withings (Body & Scan), not synced for 1 day.\n  To do: ask the patient');
    expect(out.text).toContain('after 1 day without a sync');
    expect(out.html).toContain('<td>P&lt;1&gt;</td><td>Withings</td><td>Body &amp; Scan</td><td>1</td>');
    expect(out.html).not.toContain('<pilot>');
  });

  it('says when no sync was ever seen, and that consent is needed', () => {
    const out = renderDigest({
      ...base,
      episodes: [
        {
          kind: 'needs_consent',
          participantId: 2,
          participantLabel: 'P2',
          provider: 'polar',
          device: null,
          daysSinceSync: null,
          action: 'send a new Polar connect link',
        },
        {
          kind: 'needs_consent',
          participantId: 3,
          participantLabel: 'P3',
          provider: 'fitbit',
          device: null,
          daysSinceSync: 4,
          action: 'send a new Fitbit connect link',
        },
      ],
    });
    expect(out.subject).toBe('Vigil: 2 wearables need attention in Heart failure <pilot>');
    expect(out.text).toContain('- P2: Polar, needs consent again (no device sync seen yet).');
    expect(out.text).toContain('- P3: Fitbit, needs consent again (not synced for 4 days).');
  });
});

describe('createMailer', () => {
  it('without an SMTP URL is disabled and refuses to send', async () => {
    const mailer = createMailer({ smtpUrl: undefined, from: 'Vigil <vigil@localhost>' });
    expect(mailer.enabled).toBe(false);
    await expect(mailer.send({ to: ['a@example.org'], subject: 's', text: 't' })).rejects.toThrow(/VIGIL_SMTP_URL/);
  });
});
