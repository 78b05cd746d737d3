import React, { type ReactNode } from 'react';
import { useParams } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { getStudy } from '../../api/endpoints.ts';
import type { Study } from '../../api/types.ts';
import { prefixRoute, ROUTES, studyPath } from '../../constants.ts';
import { useRequest } from '../../hooks/use-request.ts';
import { ErrorAlert } from '../ErrorAlert/ErrorAlert.tsx';
import { StudyTabs, type StudyTab } from './StudyTabs.tsx';

type Props = { tab: StudyTab; title: string; children: (study: Study) => ReactNode };

/** A page about one part of a study's configuration: the study's name, its tabs, then the part. */
export function StudyShell({ tab, title, children }: Props) {
  const s = useStyles2(getStyles);
  const studyId = Number(useParams<{ studyId: string }>().studyId);
  const study = useRequest(() => getStudy(studyId), [studyId]);
  const current = study.state.value;
  return (
    <PluginPage
      pageNav={{
        text: title,
        parentItem: {
          text: current?.name ?? 'Study',
          url: studyPath(studyId),
          parentItem: { text: 'Studies', url: prefixRoute(ROUTES.studies) },
        },
      }}
    >
      <StudyTabs studyId={studyId} active={tab} />
      <div className={s.body}>
        {study.state.status === 'error' && (
          <ErrorAlert title="Could not load the study" error={study.state.error} onRetry={study.reload} />
        )}
        {!current && study.state.status === 'loading' && <LoadingPlaceholder text="Loading study…" />}
        {current && children(current)}
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  body: css({ paddingTop: theme.spacing(2) }),
});
