import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { listParticipantConnections } from '../../api/endpoints.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { SyncConnections } from './SyncConnections.tsx';

/** The Sync page's view of one participant's connected wearables, on their page. */
export function ParticipantSync({ participantId }: { participantId: number }) {
  const s = useStyles2(getStyles);
  const { state } = useRequest(async () => {
    const { items } = await listParticipantConnections(participantId);
    return items.filter((c) => c.status !== 'disconnected');
  }, [participantId]);

  // An ingest without wearable support has no connections route: the page leaves the section out.
  if (state.status === 'error' && state.error.status === 404 && /no route/i.test(state.error.message)) return null;
  if (state.value?.length === 0) return null;
  return (
    <section>
      <h3 className={s.heading}>Sync</h3>
      {state.status === 'error' && <p className={s.error}>Could not load the sync state: {state.error.message}</p>}
      {state.value && <SyncConnections connections={state.value} />}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  heading: css({ marginTop: theme.spacing(3) }),
  error: css({ color: theme.colors.error.text }),
});
