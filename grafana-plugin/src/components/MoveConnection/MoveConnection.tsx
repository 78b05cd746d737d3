import React, { useState } from 'react';
import { Alert, Button, Field, FilterInput, Modal, RadioButtonGroup } from '@grafana/ui';
import { toApiError } from '../../api/client.ts';
import { listParticipants, moveConnection } from '../../api/endpoints.ts';
import type { Connection } from '../../api/types.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { testIds } from '../testIds.ts';

type Props = {
  connection: Connection;
  studyId: number;
  fromLabel: string;
  onMoved: (toLabel: string) => void;
  onDismiss: () => void;
};

/** Moves one wearable connection (and its future data) to another participant of the same study. */
export function MoveConnection({ connection, studyId, fromLabel, onMoved, onDismiss }: Props) {
  const [q, setQ] = useState('');
  const [target, setTarget] = useState<number | undefined>();
  const [error, setError] = useState<string | null>(null);
  const { state } = useRequest(
    () => listParticipants(studyId, { q: q.trim() || undefined, deleted: 'exclude', limit: 20, offset: 0 }),
    [studyId, q]
  );
  const others = (state.value?.items ?? []).filter((p) => p.id !== connection.participantId);

  const move = async () => {
    if (target === undefined) return;
    setError(null);
    try {
      await moveConnection(connection.id, target);
      onMoved(others.find((p) => p.id === target)?.label ?? `participant ${target}`);
    } catch (err) {
      setError(toApiError(err).message);
    }
  };

  return (
    <Modal title={`Move ${connection.providerName} from ${fromLabel}`} isOpen onDismiss={onDismiss}>
      <div data-testid={testIds.devices.move}>
        {error && (
          <Alert title="The connection was not moved" severity="error">
            {error}
          </Alert>
        )}
        {state.status === 'error' && (
          <Alert title="Could not load the participants" severity="error">
            {state.error.message}
          </Alert>
        )}
        <Field label="Move to" description="Another participant of this study; data synced from now on is theirs">
          <div>
            <FilterInput placeholder="Search by label" value={q} onChange={setQ} />
            {others.length === 0 ? (
              <p>No other participant matches.</p>
            ) : (
              <RadioButtonGroup
                options={others.map((p) => ({ label: p.label, value: p.id }))}
                value={target}
                onChange={setTarget}
              />
            )}
          </div>
        </Field>
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" onClick={onDismiss}>
            Cancel
          </Button>
          <Button onClick={() => void move()} disabled={target === undefined}>
            Move connection
          </Button>
        </Modal.ButtonRow>
      </div>
    </Modal>
  );
}
