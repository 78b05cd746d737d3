import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, ClipboardButton, Field, Modal, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import { createConnectLink } from '../../api/endpoints.ts';
import type { CreatedLink, Provider } from '../../api/types.ts';
import { formatTime } from '../../format.ts';
import { QrCode } from '../QrCode/QrCode.tsx';
import { testIds } from '../testIds.ts';

type Props = {
  participantId: number;
  label: string;
  providers: Provider[];
  onCreated: () => void;
  onDismiss: () => void;
};

/** Makes a connect link for one wearable and shows it once, with its QR code, to hand to the patient. */
export function ConnectDevice({ participantId, label, providers, onCreated, onDismiss }: Props) {
  const s = useStyles2(getStyles);
  const available = providers.filter((p) => p.available);
  const [provider, setProvider] = useState(available[0]?.id);
  const [link, setLink] = useState<CreatedLink | null>(null);
  const [error, setError] = useState<string | null>(null);

  const create = async () => {
    if (!provider) return;
    setError(null);
    try {
      setLink(await createConnectLink(participantId, provider));
      onCreated();
    } catch (err) {
      setError(toApiError(err).message);
    }
  };

  const name = providers.find((p) => p.id === provider)?.displayName ?? provider ?? '';
  return (
    <Modal title={`Connect a device for ${label}`} isOpen onDismiss={onDismiss}>
      {error && (
        <Alert title="No link was made" severity="error">
          {error}
        </Alert>
      )}
      {!link && (
        <>
          {available.length === 0 ? (
            <Alert title="No wearable provider is configured on this server" severity="info">
              Set a provider&apos;s client id and secret in the ingest&apos;s environment (e.g. VIGIL_WITHINGS_CLIENT_ID
              and VIGIL_WITHINGS_CLIENT_SECRET) to connect devices.
            </Alert>
          ) : (
            <Field label="Wearable">
              <RadioButtonGroup
                options={providers.map((p) => ({
                  label: p.displayName,
                  value: p.id,
                  description: p.available ? undefined : 'Not configured on this server',
                }))}
                disabledOptions={providers.filter((p) => !p.available).map((p) => p.id)}
                value={provider}
                onChange={setProvider}
              />
            </Field>
          )}
          <Modal.ButtonRow>
            <Button variant="secondary" fill="outline" onClick={onDismiss}>
              Cancel
            </Button>
            <Button onClick={() => void create()} disabled={!provider}>
              Create link
            </Button>
          </Modal.ButtonRow>
        </>
      )}
      {link && (
        <>
          <Alert title="Shown only once" severity="warning">
            Give this link to {label}: opening it lets them allow {name} access. It cannot be shown again; make a new
            one if it is lost.
          </Alert>
          <div className={s.link} data-testid={testIds.devices.connectLink}>
            <QrCode text={link.url} size={200} label={`QR code to connect ${name}`} />
            <div>
              <div className={s.url}>{link.url}</div>
              <p>Valid until {formatTime(link.expiresAt)}</p>
              <ClipboardButton icon="copy" variant="secondary" getText={() => link.url}>
                Copy link
              </ClipboardButton>
            </div>
          </div>
          <Modal.ButtonRow>
            <Button onClick={onDismiss}>Done</Button>
          </Modal.ButtonRow>
        </>
      )}
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  link: css({ display: 'flex', gap: theme.spacing(3), alignItems: 'center', marginTop: theme.spacing(2) }),
  url: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    wordBreak: 'break-all',
    marginBottom: theme.spacing(1),
  }),
});
