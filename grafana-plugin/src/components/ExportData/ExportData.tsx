import React, { useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Checkbox, Field, Input, Modal, useStyles2 } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import type { Participant } from '../../api/types.ts';
import { dayRange, rangeProblem } from '../../days.ts';
import { formatBytes } from '../../format.ts';
import { ProgressBar } from '../ProgressBar/ProgressBar.tsx';
import { testIds } from '../testIds.ts';
import { saveFile } from '../../save-file.ts';
import { downloadExport, type Received } from './download.ts';
import { PHONE_STREAMS, WEARABLE_STREAMS } from './streams.ts';

type Phase =
  | { kind: 'choosing'; error?: string }
  | { kind: 'downloading'; received: Received }
  | { kind: 'saved'; fileName: string; bytes: number };

type Props = { participant: Participant; onDismiss: () => void };

/** Downloads a participant's phone data as a ZIP (Beiwe's layout), for chosen days and streams, with progress. */
export function ExportData({ participant: p, onDismiss }: Props) {
  const s = useStyles2(getStyles);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [streams, setStreams] = useState<string[]>([]);
  const [phase, setPhase] = useState<Phase>({ kind: 'choosing' });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const now = new Date();
  const ranged = from !== '' || to !== '';
  const problem = ranged ? rangeProblem(from, to, now) : null;
  const toggle = (stream: string) =>
    setStreams((st) => (st.includes(stream) ? st.filter((x) => x !== stream) : [...st, stream]));

  const start = async (e: React.FormEvent) => {
    e.preventDefault();
    if (problem) return;
    const controller = new AbortController();
    abort.current = controller;
    setPhase({ kind: 'downloading', received: { bytes: 0, total: null } });
    try {
      const { blob, fileName } = await downloadExport(
        p.id,
        { ...(ranged ? dayRange(from, to, now) : {}), streams: streams.join(',') || undefined },
        (received) => setPhase({ kind: 'downloading', received }),
        controller.signal
      );
      saveFile(blob, fileName);
      setPhase({ kind: 'saved', fileName, bytes: blob.size });
    } catch (err) {
      if (controller.signal.aborted) return setPhase({ kind: 'choosing' });
      setPhase({ kind: 'choosing', error: toApiError(err).message });
    }
  };

  return (
    <Modal title={`Export the data of ${p.label}`} isOpen onDismiss={onDismiss}>
      {phase.kind === 'choosing' && (
        <form onSubmit={(e) => void start(e)} data-testid={testIds.exportData.form}>
          {phase.error && (
            <Alert title="The export failed" severity="error">
              {phase.error}
            </Alert>
          )}
          <p className={s.muted}>
            A ZIP of the phone&apos;s data as Beiwe lays it out: one CSV per stream and hour. Leave the days empty for
            everything, and the streams unticked for all of them.
          </p>
          <div className={s.row}>
            <Field
              label="First day"
              invalid={problem?.field === 'from'}
              error={problem?.field === 'from' && problem.message}
            >
              <Input id="export-from" type="date" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
            </Field>
            <Field
              label="Last day"
              invalid={problem?.field === 'to'}
              error={problem?.field === 'to' && problem.message}
            >
              <Input id="export-to" type="date" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
            </Field>
          </div>
          <Field label="Phone streams">
            <div className={s.streams}>
              {PHONE_STREAMS.map((stream) => (
                <Checkbox
                  key={stream}
                  label={stream}
                  value={streams.includes(stream)}
                  onChange={() => toggle(stream)}
                />
              ))}
            </div>
          </Field>
          <Field label="Wearable streams">
            <div className={s.streams}>
              {WEARABLE_STREAMS.map((stream) => (
                <Checkbox
                  key={stream}
                  label={stream.replace('wearable_', '')}
                  aria-label={stream}
                  value={streams.includes(stream)}
                  onChange={() => toggle(stream)}
                />
              ))}
            </div>
          </Field>
          <Modal.ButtonRow>
            <Button variant="secondary" fill="outline" onClick={onDismiss}>
              Cancel
            </Button>
            <Button type="submit" icon="download-alt" disabled={Boolean(problem)}>
              Download
            </Button>
          </Modal.ButtonRow>
        </form>
      )}
      {phase.kind === 'downloading' && (
        <div data-testid={testIds.exportData.progress}>
          <ProgressBar label="Export progress" pct={percent(phase.received)} />
          <p>{progressText(phase.received)}</p>
          <Modal.ButtonRow>
            <Button variant="secondary" onClick={() => abort.current?.abort()}>
              Stop
            </Button>
          </Modal.ButtonRow>
        </div>
      )}
      {phase.kind === 'saved' && (
        <div data-testid={testIds.exportData.progress}>
          <ProgressBar label="Export progress" pct={100} tone="success" />
          <p>
            Saved {phase.fileName} ({formatBytes(phase.bytes)}).
          </p>
          <Modal.ButtonRow>
            <Button onClick={onDismiss}>Done</Button>
          </Modal.ButtonRow>
        </div>
      )}
    </Modal>
  );
}

const percent = ({ bytes, total }: Received) => (total ? Math.min(99, (bytes * 100) / total) : undefined);

function progressText(r: Received): string {
  if (!r.total) return `${formatBytes(r.bytes)} received…`;
  return `${formatBytes(r.bytes)} of about ${formatBytes(r.total)} (${Math.floor(percent(r) ?? 0)}%)…`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', gap: theme.spacing(2) }),
  streams: css({ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: theme.spacing(0.5, 2) }),
  muted: css({ color: theme.colors.text.secondary }),
});
