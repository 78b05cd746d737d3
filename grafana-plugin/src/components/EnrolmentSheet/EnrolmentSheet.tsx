import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Modal, useStyles2 } from '@grafana/ui';
import type { BeiweCredentials } from '../../api/types.ts';
import { formatTime } from '../../format.ts';
import { QrCode } from '../QrCode/QrCode.tsx';
import { testIds } from '../testIds.ts';

/** A device connect link to print: its URL exists only in the answer that made it. */
export type SheetLink = { providerName: string; url: string; expiresAt: string };

export type SheetRequest = {
  participantLabel: string;
  credentials?: BeiweCredentials | undefined;
  links?: SheetLink[];
  /** Links that could not be made, in words (the sheet is still worth printing without them). */
  problems?: string[];
  /** Why the sheet is shown: new credentials, or a reset password. */
  reason: 'enrolled' | 'reset';
};

type Props = SheetRequest & { studyName: string; onDismiss: () => void };

/**
 * What a participant needs to sign in on the Beiwe app and connect their wearables. The temporary
 * password and the links exist only in this answer (the ingest keeps hashes), so the sheet says so
 * and offers to print it.
 */
export function EnrolmentSheet(props: Props) {
  const { studyName, participantLabel, credentials, links = [], problems = [], reason, onDismiss } = props;
  const s = useStyles2(getStyles);
  return (
    <Modal title={`Enrolment sheet: ${participantLabel}`} isOpen onDismiss={onDismiss}>
      {/* Printing shows only the sheet, not Grafana around it. */}
      <style>{printOnlySheet(s.sheet)}</style>
      <Alert title="Shown only once" severity="warning">
        {reason === 'enrolled'
          ? 'Print this sheet or copy it now: the password and links cannot be shown again. If they are lost, reset the password or make new links.'
          : 'This is the new temporary password; the old one no longer works. It cannot be shown again.'}
      </Alert>
      {problems.map((problem) => (
        <Alert key={problem} title="Not on this sheet" severity="error">
          {problem}
        </Alert>
      ))}
      <div className={s.sheet} data-testid={testIds.enrolmentSheet.sheet}>
        <h2 className={s.title}>{studyName}</h2>
        <p>Participant: {participantLabel}</p>
        {credentials && (
          <>
            <h3>Your phone</h3>
            <dl className={s.fields}>
              <dt>Server URL</dt>
              <dd data-testid={testIds.enrolmentSheet.serverUrl}>{credentials.serverUrl}</dd>
              <dt>Patient ID</dt>
              <dd data-testid={testIds.enrolmentSheet.patientId}>{credentials.patientId}</dd>
              <dt>Temporary password</dt>
              <dd data-testid={testIds.enrolmentSheet.password}>{credentials.temporaryPassword}</dd>
            </dl>
            <ol className={s.steps}>
              <li>Install the Beiwe app from the App Store or Google Play.</li>
              <li>Open it and enter the server URL, patient ID and temporary password above.</li>
              <li>Choose a new password of your own when the app asks for it.</li>
            </ol>
          </>
        )}
        {links.length > 0 && (
          <>
            <h3>Your wearables</h3>
            <p>Scan a code with your phone&apos;s camera and allow access when your wearable&apos;s site asks.</p>
            <div className={s.links}>
              {links.map((link) => (
                <figure key={link.url} className={s.link} data-testid={testIds.enrolmentSheet.link}>
                  <QrCode text={link.url} label={`QR code to connect ${link.providerName}`} />
                  <figcaption>
                    <strong>{link.providerName}</strong>
                    <div className={s.url}>{link.url}</div>
                    <div>Valid until {formatTime(link.expiresAt)}</div>
                  </figcaption>
                </figure>
              ))}
            </div>
          </>
        )}
      </div>
      <Modal.ButtonRow>
        <Button variant="secondary" icon="file-alt" onClick={() => window.print()}>
          Print
        </Button>
        <Button onClick={onDismiss}>Done</Button>
      </Modal.ButtonRow>
    </Modal>
  );
}

const printOnlySheet = (sheetClass: string) => `
@media print {
  body * { visibility: hidden; }
  .${sheetClass}, .${sheetClass} * { visibility: visible; }
  .${sheetClass} { position: fixed; inset: 0; padding: 2cm; background: white; color: black; }
}`;

const getStyles = (theme: GrafanaTheme2) => ({
  sheet: css({
    border: `1px solid ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(3),
    marginTop: theme.spacing(2),
  }),
  title: css({ marginBottom: theme.spacing(1) }),
  fields: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: theme.spacing(1, 3),
    margin: theme.spacing(2, 0),
    dt: { color: theme.colors.text.secondary },
    dd: { fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.h4.fontSize, margin: 0 },
  }),
  steps: css({ paddingLeft: theme.spacing(3) }),
  links: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(3) }),
  link: css({ display: 'flex', gap: theme.spacing(2), alignItems: 'center', margin: 0 }),
  url: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    wordBreak: 'break-all',
    maxWidth: 280,
  }),
});
